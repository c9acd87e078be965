/* The ranker at work: scores, the matcher's ranking stage, explanations, figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/log.h"

#include "rank_int.h"

#define RRF_K 60.0
#define RK_STAGE_TOPICS 64

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint32_t
rk_prof_of(const struct pb_ranker *r, size_t s, size_t t)
{
	if (!r->subs || s >= r->n_subs)
		return RK_NONE;
	if (t != PB_LIKE_ALL_TOPICS && t < r->cfg->subscribers[s].n_topics)
		return r->subs[s].topic[t];
	return r->subs[s].all;
}

int
rk_mode_of(const struct pb_ranker *r, size_t s, size_t t)
{
	const struct pb_subscriber *sub;

	if (!r->subs || s >= r->n_subs)
		return PB_RANK_RULES;
	sub = &r->cfg->subscribers[s];
	if (t < sub->n_topics)
		return r->subs[s].mode[t];
	/* a subscriber without topics is ranked by its likes alone */
	return sub->n_topics == 0 ? PB_RANK_SIMILAR : PB_RANK_RULES;
}

void
rk_score_all(struct pb_ranker *r, uint32_t k)
{
	const struct rk_prof *pr = &r->profs[k];

	if (r->acc_prof == k)
		return;
	memset(r->acc, 0, r->day->n * sizeof *r->acc);
	for (uint32_t j = 0; j < pr->v.n; j++) {
		uint32_t t = r->ppool.t[pr->v.off + j];
		float w = r->ppool.w[pr->v.off + j];

		for (uint32_t p = r->istart[t]; p < r->istart[t + 1]; p++)
			r->acc[r->idoc[p]] += w * r->iw[p];
	}
	r->acc_prof = k;
}

/* A few candidates: profile k scattered once into dense, each paper's terms looked up. */
double
rk_score_one(struct pb_ranker *r, uint32_t k, size_t i)
{
	struct rk_vec v = r->dvec[i];
	double s = 0;

	if (r->acc_prof == k)
		return r->acc[i];
	if (r->dense_prof != k) {
		if (r->dense_prof != RK_NONE) {
			const struct rk_prof *o = &r->profs[r->dense_prof];

			for (uint32_t j = 0; j < o->v.n; j++)
				r->dense[r->ppool.t[o->v.off + j]] = 0;
		}
		for (uint32_t j = 0; j < r->profs[k].v.n; j++)
			r->dense[r->ppool.t[r->profs[k].v.off + j]] = r->ppool.w[r->profs[k].v.off + j];
		r->dense_prof = k;
	}
	for (uint32_t j = 0; j < v.n; j++)
		s += (double)r->dense[r->dpool.t[v.off + j]] * r->dpool.w[v.off + j];
	return s;
}

int
rk_ensure_day(struct pb_ranker *r, const struct pb_paperset *papers)
{
	if (papers == r->day)
		return 0;
	return pb_ranker_prepare(r, papers, r->profiles);
}

double
pb_ranker_similarity(struct pb_ranker *r, size_t s, size_t t, size_t i)
{
	uint32_t k = rk_prof_of(r, s, t);

	if (k == RK_NONE || !r->day || i >= r->day->n)
		return 0;
	rk_score_all(r, k);
	return r->acc[i];
}

/* Day paper i's label in profile k: -1 the reader does not want it, +1 the reader likes it
 * (a `like` or a "more like this": one of the papers the profile is made of), 0 neither. A
 * liked author's paper is 0: the author's lookup finds the day's new papers too, and the
 * reader, who never saw this one, wants it offered. */
static int
labelled(struct pb_ranker *r, uint32_t k, size_t i)
{
	/* the profile's labelled papers of the day marked once, not searched per candidate */
	if (r->mark_prof != k) {
		if (r->mark_prof != RK_NONE) {
			const struct rk_prof *o = &r->profs[r->mark_prof];

			for (size_t j = 0; j < o->n_m; j++)
				if (r->labday[o->m[j].lab] != RK_NONE)
					r->dmark[r->labday[o->m[j].lab]] = 0;
		}
		for (size_t j = 0; j < r->profs[k].n_m; j++) {
			const struct rk_member *m = &r->profs[k].m[j];

			if (r->labday[m->lab] != RK_NONE)
				r->dmark[r->labday[m->lab]] =
					(signed char)(m->w < 0 ? -1 : m->like->via ? 0 : 1);
		}
		r->mark_prof = k;
	}
	return r->dmark[i];
}

/* ---- embeddings, fused by reciprocal rank ---- */

static void
key_of(const struct pb_paper *p, char *buf, size_t n)
{
	snprintf(buf, n, "%sv%d", p->id ? p->id : "", p->version);
}

void
pb_ranker_set_embeddings(struct pb_ranker *r, const struct pb_embed_set *e)
{
	r->emb = e && e->n && e->dim ? e : NULL;
	free(r->demb);
	r->demb = NULL;
	for (size_t k = 0; k < r->n_profs; k++) {
		free(r->profs[k].emb);
		r->profs[k].emb = NULL;
		r->profs[k].emb_done = 0;
	}
}

static void
day_embeddings(struct pb_ranker *r)
{
	char key[96];

	if (r->demb || !r->emb || !r->day)
		return;
	r->demb = pb_xcalloc(r->day->n + 1, sizeof *r->demb);
	for (size_t i = 0; i < r->day->n; i++) {
		key_of(&r->day->v[i], key, sizeof key);
		r->demb[i] = pb_embed_find(r->emb, key);
	}
}

/* Profile k's embedding centroid (the same decayed weights as the lexical one), or NULL. */
static const float *
prof_embedding(struct pb_ranker *r, uint32_t k)
{
	struct rk_prof *pr = &r->profs[k];
	size_t dim = r->emb->dim;
	double wpos = 0, wneg = 0;
	char key[96];
	int any = 0;

	if (pr->emb_done)
		return pr->emb;
	pr->emb_done = 1;
	for (size_t i = 0; i < pr->n_m; i++) {
		if (pr->m[i].bare)
			continue;
		key_of(r->lpaper[pr->m[i].lab], key, sizeof key);
		if (!pb_embed_find(r->emb, key))
			continue;
		if (pr->m[i].w > 0)
			wpos += pr->m[i].w;
		else
			wneg -= pr->m[i].w;
	}
	if (wpos <= 0)
		return NULL;
	pr->emb = pb_xcalloc(dim, sizeof *pr->emb);
	for (size_t i = 0; i < pr->n_m; i++) {
		const float *v;
		double f;

		if (pr->m[i].bare)
			continue;
		key_of(r->lpaper[pr->m[i].lab], key, sizeof key);
		if (!(v = pb_embed_find(r->emb, key)))
			continue;
		f = pr->m[i].w > 0 ? pr->m[i].w / wpos
		    : wneg > 0 ? RK_DISLIKE * pr->m[i].w / wneg : 0;
		for (size_t d = 0; d < dim; d++)
			pr->emb[d] += (float)(f * v[d]);
		any = 1;
	}
	if (!any) {
		free(pr->emb);
		pr->emb = NULL;
	}
	return pr->emb;
}

struct fcand {
	size_t i;                    /* index into cands */
	double lex, emb;
	int has_emb;
};

static int
cmp_lex(const void *a, const void *b)
{
	const struct fcand *x = a, *y = b;

	if (x->lex != y->lex)
		return x->lex > y->lex ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
cmp_emb(const void *a, const void *b)
{
	const struct fcand *x = a, *y = b;

	if (x->has_emb != y->has_emb)
		return x->has_emb ? -1 : 1;
	if (x->emb != y->emb)
		return x->emb > y->emb ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Rescores the ranked candidates of profile k (score[] holds their lexical similarity) by
 * reciprocal rank fusion of the lexical and the embedding rank. */
static void
fuse(struct pb_ranker *r, uint32_t k, const struct pb_hit *c, size_t n, const uint32_t *prof,
     const unsigned char *ranked, double *score)
{
	const float *pe = prof_embedding(r, k);
	struct fcand *v;
	size_t m = 0, dim = r->emb->dim;

	if (!pe)
		return;
	v = pb_xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n; i++) {
		const float *de;

		if (prof[i] != k || !ranked[i])
			continue;
		v[m].i = i;
		v[m].lex = score[i];
		if ((de = r->demb[c[i].paper])) {
			double s = 0;

			for (size_t d = 0; d < dim; d++)
				s += (double)pe[d] * de[d];
			v[m].emb = s;
			v[m].has_emb = 1;
		}
		m++;
	}
	qsort(v, m, sizeof *v, cmp_lex);
	for (size_t j = 0; j < m; j++)
		v[j].lex = (double)j;        /* now the lexical rank */
	qsort(v, m, sizeof *v, cmp_emb);
	for (size_t j = 0; j < m; j++)
		score[v[j].i] = pb_rrf((size_t)v[j].lex, v[j].has_emb ? j : (size_t)-1, RRF_K);
	free(v);
}

/* ---- the stage ---- */

/* 1 when candidate a ranks before b: score, then the selection's order of equal scores
 * (match.h), so the cap keeps the papers the digest would put first. */
static int
before(const struct pb_paperset *ps, const struct pb_hit *a, const struct pb_hit *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	return pb_match_tie_cmp(&ps->v[a->paper], &ps->v[b->paper]) < 0;
}

/* Keeps in keep[] only the best cap of the candidates listed in idx[0..n) (the others are
 * cleared): a sorted window of cap, so n * cap steps at worst and n when most lose. */
static void
keep_best(const struct pb_paperset *ps, const struct pb_hit *c, const size_t *idx, size_t n,
	  size_t cap, unsigned char *keep)
{
	size_t *top = pb_xcalloc(cap + 1, sizeof *top), k = 0;

	for (size_t a = 0; a < n; a++) {
		size_t i = idx[a], j;

		keep[i] = 0;
		if (k == cap && !before(ps, &c[i], &c[top[k - 1]]))
			continue;
		j = k < cap ? k++ : k - 1;
		while (j > 0 && before(ps, &c[i], &c[top[j - 1]])) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = i;
	}
	for (size_t j = 0; j < k; j++)
		keep[top[j]] = 1;
	free(top);
}

static size_t
stage_rank(void *ctx, size_t s, const struct pb_paperset *papers, struct pb_hit *c, size_t n)
{
	struct pb_ranker *r = ctx;
	const struct pb_subscriber *sub;
	double t0 = now_s(), avg;
	uint32_t *prof, tprof[RK_STAGE_TOPICS];
	double *score, tmin[RK_STAGE_TOPICS];
	unsigned char *mode, *keep, *ranked, tmode[RK_STAGE_TOPICS];
	size_t kept = 0, nt;
	int any = 0;

	if (!r->subs || s >= r->n_subs || !n)
		return n;
	if (rk_ensure_day(r, papers) < 0 || !r->subs)
		return n;
	sub = &r->cfg->subscribers[s];
	for (size_t t = 0; t < sub->n_topics && !any; t++)
		any = r->subs[s].mode[t] != PB_RANK_RULES;
	if (!any && sub->n_topics)
		return n;
	/* the topics' modes, profiles and thresholds once; a topic past the table (hundreds of
	 * topics) is looked up per candidate */
	nt = sub->n_topics ? sub->n_topics : 1;
	for (size_t t = 0; t < nt && t < RK_STAGE_TOPICS; t++) {
		tmode[t] = (unsigned char)rk_mode_of(r, s, t);
		tprof[t] = rk_prof_of(r, s, t);
		tmin[t] = t < sub->n_topics ? sub->topics[t].min_similarity : 0;
	}
	prof = pb_xcalloc(n, sizeof *prof);
	score = pb_xcalloc(n, sizeof *score);
	mode = pb_xcalloc(n, 1);
	keep = pb_xcalloc(n, 1);
	ranked = pb_xcalloc(n, 1);
	avg = r->day->n ? (double)r->dpool.n / (double)r->day->n : 0;
	for (size_t i = 0; i < n; i++) {
		int follow = (c[i].flags & PB_HIT_FOLLOW) != 0;
		size_t t = c[i].topic;
		uint32_t k;

		if (t < RK_STAGE_TOPICS && t < nt) {
			mode[i] = tmode[t];
			k = prof[i] = tprof[t];
		} else {
			mode[i] = (unsigned char)rk_mode_of(r, s, t);
			k = prof[i] = rk_prof_of(r, s, t);
		}
		keep[i] = 1;
		score[i] = c[i].score;
		if (mode[i] == PB_RANK_RULES)
			continue;
		if (k == RK_NONE) {
			/* nothing to compare with: the rules' order, and no rule means no paper */
			if (mode[i] == PB_RANK_SIMILAR && !(c[i].flags & PB_HIT_TOPIC && sub->n_topics &&
			    sub->topics[c[i].topic].query) && !follow)
				keep[i] = 0;
			continue;
		}
		/* not for me: never; a liked paper is what a "similar" topic searches from,
		 * not a find (the rules may still choose it) */
		if (r->daylab[c[i].paper] != RK_NONE && !follow) {
			int l = labelled(r, k, c[i].paper);

			if (l < 0 || (l > 0 && mode[i] == PB_RANK_SIMILAR)) {
				keep[i] = 0;
				continue;
			}
		}
		/* only "not for me" verdicts: nothing to be similar to, so the rules' order, as
		 * for a reader without labels (a similar topic takes nothing) */
		if (!r->profs[k].n_pos) {
			if (mode[i] == PB_RANK_SIMILAR && !(c[i].flags & PB_HIT_TOPIC && sub->n_topics &&
			    sub->topics[c[i].topic].query) && !follow)
				keep[i] = 0;
			continue;
		}
		if (r->acc_prof != k && (double)n * avg > (double)r->profs[k].cost)
			rk_score_all(r, k);
		score[i] = rk_score_one(r, k, c[i].paper);
		ranked[i] = 1;
		if (mode[i] == PB_RANK_SIMILAR && !follow) {
			double min = t < RK_STAGE_TOPICS && t < nt ? tmin[t]
				     : t < sub->n_topics ? sub->topics[t].min_similarity : 0;

			if (score[i] <= 0 || score[i] < min)
				keep[i] = ranked[i] = 0;
		}
	}
	if (r->emb) {
		day_embeddings(r);
		for (size_t i = 0; i < n; i++)
			if (ranked[i] && keep[i]) {
				uint32_t k = prof[i];
				int first = 1;

				for (size_t j = 0; j < i && first; j++)
					first = !(ranked[j] && keep[j] && prof[j] == k);
				if (first)
					fuse(r, k, c, n, prof, ranked, score);
			}
	}
	for (size_t i = 0; i < n; i++) {
		if (!ranked[i])
			continue;
		c[i].score = score[i] + ((c[i].flags & PB_HIT_FOLLOW) ? PB_SCORE_FOLLOW : 0);
	}
	/* a "similar" topic keeps its best max_papers (the subscriber's when it has no share
	 * of its own), followed authors aside */
	for (size_t t = 0; t < (sub->n_topics ? sub->n_topics : 1); t++) {
		size_t cap = sub->n_topics && sub->topics[t].max_papers > 0
				     ? (size_t)sub->topics[t].max_papers
				     : sub->max_papers > 0 ? (size_t)sub->max_papers : 0;
		size_t *idx, m = 0;

		if (rk_mode_of(r, s, sub->n_topics ? t : 0) != PB_RANK_SIMILAR || !cap)
			continue;
		idx = pb_xcalloc(n, sizeof *idx);
		for (size_t i = 0; i < n; i++)
			if (keep[i] && (c[i].topic == t || !sub->n_topics) &&
			    !(c[i].flags & PB_HIT_FOLLOW))
				idx[m++] = i;
		if (m > cap)
			keep_best(papers, c, idx, m, cap, keep);
		free(idx);
	}
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			c[kept++] = c[i];
	free(ranked);
	free(keep);
	free(mode);
	free(score);
	free(prof);
	r->st.rank_s += now_s() - t0;
	return kept;
}

static void
stage_why(void *ctx, size_t s, const struct pb_paperset *papers, const struct pb_hit *h,
	  struct pb_buf *out)
{
	struct pb_ranker *r = ctx;

	if (rk_ensure_day(r, papers) < 0 || rk_mode_of(r, s, h->topic) == PB_RANK_RULES)
		return;
	pb_ranker_explain(r, s, h->topic, h->paper, out);
}

void
rk_stage_init(struct pb_ranker *r)
{
	r->stage.rank = stage_rank;
	r->stage.why = stage_why;
	r->stage.ctx = r;
}

const struct pb_match_ranker *
pb_ranker_stage(struct pb_ranker *r)
{
	return &r->stage;
}

/* ---- explanations ---- */

void
pb_ranker_explain(struct pb_ranker *r, size_t s, size_t t, size_t i, struct pb_buf *out)
{
	uint32_t k = rk_prof_of(r, s, t), self;
	const struct rk_prof *pr;
	double *cos, best = 0;
	size_t b = (size_t)-1, b2 = (size_t)-1;

	if (k == RK_NONE || !r->day || i >= r->day->n)
		return;
	/* a liked paper of the day (a revision of one, a liked author's new paper) is not
	 * similar to itself: the reason is one of the other likes, or none */
	self = r->daylab[i];
	pr = &r->profs[k];
	cos = pb_xcalloc(pr->n_m + 1, sizeof *cos);
	/* the paper scattered once, each liked paper's terms looked up in it */
	if (!r->xdense)
		r->xdense = pb_xcalloc(r->voc.n + 1, sizeof *r->xdense);
	for (uint32_t j = 0; j < r->dvec[i].n; j++)
		r->xdense[r->dpool.t[r->dvec[i].off + j]] = r->dpool.w[r->dvec[i].off + j];
	for (size_t j = 0; j < pr->n_m; j++) {
		struct rk_vec v = r->lvec[pr->m[j].lab];

		if (pr->m[j].w <= 0 || pr->m[j].bare || pr->m[j].lab == self)
			continue;
		for (uint32_t q = 0; q < v.n; q++)
			cos[j] += (double)r->xdense[r->lpool.t[v.off + q]] * r->lpool.w[v.off + q];
		if (cos[j] > best) {
			best = cos[j];
			b = j;
		}
	}
	for (uint32_t j = 0; j < r->dvec[i].n; j++)
		r->xdense[r->dpool.t[r->dvec[i].off + j]] = 0;
	if (b == (size_t)-1 || best < 0.005)
		goto out;
	if (pr->m[b].like->via) {
		const char *via = pr->m[b].like->via;
		size_t cnt = 0;

		for (size_t j = 0; j < pr->n_m; j++)
			if (cos[j] >= 0.005 && pr->m[j].like->via && strcmp(pr->m[j].like->via, via) == 0)
				cnt++;
		if (cnt > 1) {
			pb_buf_printf(out, "%zu liked papers by %s", cnt, via);
			goto out;
		}
		pb_buf_printf(out, "similar to %s (%.2f) by %s", pr->m[b].like->id, best, via);
		goto out;
	}
	for (size_t j = 0; j < pr->n_m; j++)
		if (j != b && !pr->m[j].like->via && cos[j] >= 0.5 * best && cos[j] >= 0.005 &&
		    (b2 == (size_t)-1 || cos[j] > cos[b2]))
			b2 = j;
	pb_buf_printf(out, "similar to %s (%.2f)", pr->m[b].like->id, best);
	if (b2 != (size_t)-1)
		pb_buf_printf(out, ", %s (%.2f)", pr->m[b2].like->id, cos[b2]);
out:
	free(cos);
}

void
pb_ranker_stats(const struct pb_ranker *r, struct pb_rank_stats *st)
{
	size_t bytes = 0;

	*st = r->st;
	st->n_docs = r->n_docs;
	st->n_terms = r->voc.n;
	for (size_t k = 0; k < r->n_profs; k++)
		bytes += sizeof r->profs[k] + r->profs[k].n_m * sizeof *r->profs[k].m +
			 r->profs[k].v.n * (sizeof *r->ppool.t + sizeof *r->ppool.w);
	for (size_t s = 0; s < r->n_subs; s++)
		bytes += sizeof r->subs[s] + r->cfg->subscribers[s].n_topics *
			 (sizeof *r->subs[s].topic + 1);
	st->bytes = bytes;
}
