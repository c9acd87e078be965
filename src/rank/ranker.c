/* The ranker: each subscriber's labels as one decayed centroid over the day's terms, scored
 * through an inverted index of the day's papers.
 *
 * The sum of weighted cosines to the liked papers is the dot product with their weighted
 * centroid, so a profile is one sparse vector, whatever the number of likes. Only terms the
 * day's papers hold can score, so a profile keeps those, and of them its RK_PROFILE_TERMS
 * strongest. Equal profiles (the same labels) are built once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/hash.h"
#include "paperboy/log.h"

#include "rank_int.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
pb_rank_mode_parse(const char *s)
{
	if (!s)
		return PB_RANK_AUTO;
	if (strcmp(s, "rules") == 0)
		return PB_RANK_RULES;
	if (strcmp(s, "filter") == 0)
		return PB_RANK_FILTER;
	if (strcmp(s, "similar") == 0)
		return PB_RANK_SIMILAR;
	return -1;
}

struct pb_ranker *
pb_ranker_new(const struct pb_config *cfg, int64_t now)
{
	struct pb_ranker *r = pb_xcalloc(1, sizeof *r);

	r->cfg = cfg;
	r->now = now;
	r->acc_prof = RK_NONE;
	r->dense_prof = RK_NONE;
	r->mark_prof = RK_NONE;
	rk_stage_init(r);
	return r;
}

static void
free_day(struct pb_ranker *r)
{
	rk_pool_free(&r->dpool);
	free(r->dvec);
	free(r->istart);
	free(r->idoc);
	free(r->iw);
	free(r->daylab);
	free(r->labday);
	free(r->dmark);
	free(r->demb);
	r->daylab = r->labday = NULL;
	r->dmark = NULL;
	r->mark_prof = RK_NONE;
	r->demb = NULL;
	r->dvec = NULL;
	r->istart = r->idoc = NULL;
	r->iw = NULL;
	r->day = NULL;
}

static void
free_profiles(struct pb_ranker *r)
{
	for (size_t s = 0; s < r->n_subs; s++) {
		free(r->subs[s].topic);
		free(r->subs[s].mode);
	}
	free(r->subs);
	for (size_t k = 0; k < r->n_profs; k++) {
		free(r->profs[k].m);
		free(r->profs[k].emb);
	}
	free(r->profs);
	free(r->pslots);
	r->subs = NULL;
	r->profs = NULL;
	r->pslots = NULL;
	r->n_subs = r->n_profs = r->cap_profs = r->n_pslots = 0;
}

/* Everything prepare builds. */
static void
free_prepared(struct pb_ranker *r)
{
	free_day(r);
	free_profiles(r);
	rk_vocab_free(&r->voc);
	rk_idset_free(&r->seen);
	r->n_docs = 0;
	rk_idset_free(&r->labset);
	rk_pool_free(&r->lpool);
	rk_pool_free(&r->ppool);
	free(r->lvec);
	free(r->lpaper);
	r->lvec = NULL;
	r->lpaper = NULL;
	r->n_lab = r->cap_lab = 0;
	free(r->acc);
	free(r->dense);
	free(r->mark);
	free(r->touched);
	free(r->fmap);
	free(r->xdense);
	r->xdense = NULL;
	r->acc = r->dense = NULL;
	r->mark = NULL;
	r->touched = NULL;
	r->fmap = NULL;
	r->n_touched = 0;
	r->acc_prof = RK_NONE;
	r->dense_prof = RK_NONE;
}

void
pb_ranker_free(struct pb_ranker *r)
{
	if (!r)
		return;
	free_prepared(r);
	for (size_t i = 0; i < r->n_pend; i++) {
		free(r->pend[i].id);
		free(r->pend[i].title);
		free(r->pend[i].abstract);
	}
	free(r->pend);
	rk_terms_free(&r->scratch);
	free(r);
}

void
pb_ranker_add_doc(struct pb_ranker *r, const struct pb_paper *p)
{
	struct pending_doc *d;

	if (!p)
		return;
	if (r->n_pend == r->cap_pend) {
		r->cap_pend = r->cap_pend ? 2 * r->cap_pend : 256;
		r->pend = pb_xreallocarray(r->pend, r->cap_pend, sizeof *r->pend);
	}
	d = &r->pend[r->n_pend++];
	d->id = p->id ? pb_xstrdup(p->id) : NULL;
	d->title = p->title ? pb_xstrdup(p->title) : NULL;
	d->abstract = p->abstract ? pb_xstrdup(p->abstract) : NULL;
}

int
pb_ranker_add_corpus(struct pb_ranker *r, struct pb_state *st)
{
	r->corpus = st;
	return 0;
}

/* Counts a document's known terms once in the frequencies, unless its id was counted. */
static void
count_doc(struct pb_ranker *r, const char *id, const struct rk_terms *t)
{
	if (id && !rk_idset_add(&r->seen, id, NULL))
		return;
	r->n_docs++;
	for (size_t i = 0; i < t->n; i++)
		r->voc.df[t->id[i]]++;
}

/* Counts a text in the frequencies as w documents (a sample's weight). */
static void
count_text(struct pb_ranker *r, const char *id, const char *title, const char *abstract,
	   uint32_t w)
{
	struct pb_paper p = { 0 };

	if (id) {
		/* Look before folding: most corpus papers are counted already. */
		if (!rk_idset_add(&r->seen, id, NULL))
			return;
		r->n_docs += w;
		p.title = (char *)title;
		p.abstract = (char *)abstract;
		rk_terms_of(&r->voc, &p, 0, &r->scratch);
		for (size_t i = 0; i < r->scratch.n; i++)
			r->voc.df[r->scratch.id[i]] += w;
		return;
	}
	p.title = (char *)title;
	p.abstract = (char *)abstract;
	rk_terms_of(&r->voc, &p, 0, &r->scratch);
	count_doc(r, NULL, &r->scratch);
}

/* The corpus is read twice: counted, then every stride-th paper folded and counted as
 * stride papers, so a large corpus (120 days of every archive) costs RK_CORPUS_SAMPLE
 * foldings, and the frequencies stay an unbiased estimate. */
struct walk {
	struct pb_ranker *r;
	size_t i, stride;
};

static int
corpus_count(void *ctx, const struct pb_paper *p, const char *date)
{
	(void)p;
	(void)date;
	((struct walk *)ctx)->i++;
	return 0;
}

static int
corpus_doc(void *ctx, const struct pb_paper *p, const char *date)
{
	struct walk *w = ctx;

	(void)date;
	if (w->i++ % w->stride == 0)
		count_text(w->r, p->id, p->title, p->abstract, (uint32_t)w->stride);
	return 0;
}

/* The date corpus_days before now, YYYY-MM-DD. */
static void
corpus_since(const struct pb_ranker *r, char *out, size_t n)
{
	time_t t = (time_t)(r->now - (int64_t)r->cfg->rank.corpus_days * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

/* Temporary per-document terms until the frequencies are known. */
struct tdocs {
	uint32_t *id, *tf, *utf;
	size_t *start, *ustart;      /* n + 1 */
	size_t n, len, ulen, cap, ucap;
};

static void
tdocs_push(struct tdocs *d, const struct rk_terms *t, size_t i)
{
	if (d->len + t->n > d->cap) {
		d->cap = 2 * (d->len + t->n) + 1024;
		d->id = pb_xreallocarray(d->id, d->cap, sizeof *d->id);
		d->tf = pb_xreallocarray(d->tf, d->cap, sizeof *d->tf);
	}
	if (d->ulen + t->n_unknown > d->ucap) {
		d->ucap = 2 * (d->ulen + t->n_unknown) + 1024;
		d->utf = pb_xreallocarray(d->utf, d->ucap, sizeof *d->utf);
	}
	if (t->n) {
		memcpy(d->id + d->len, t->id, t->n * sizeof *t->id);
		memcpy(d->tf + d->len, t->tf, t->n * sizeof *t->tf);
	}
	if (t->n_unknown)
		memcpy(d->utf + d->ulen, t->utf, t->n_unknown * sizeof *t->utf);
	d->len += t->n;
	d->ulen += t->n_unknown;
	d->start[i + 1] = d->len;
	d->ustart[i + 1] = d->ulen;
}

static struct rk_vec
tdocs_weigh(const struct pb_ranker *r, const struct tdocs *d, size_t i, struct rk_pool *pool)
{
	struct rk_terms t = { 0 };

	t.id = d->id + d->start[i];
	t.tf = d->tf + d->start[i];
	t.n = d->start[i + 1] - d->start[i];
	t.utf = d->utf + d->ustart[i];
	t.n_unknown = d->ustart[i + 1] - d->ustart[i];
	return rk_weigh(&r->voc, r->n_docs, &t, pool);
}

static void
tdocs_free(struct tdocs *d)
{
	free(d->id);
	free(d->tf);
	free(d->utf);
	free(d->start);
	free(d->ustart);
}

/* The day's vectors and their inverted index. */
static void
build_index(struct pb_ranker *r)
{
	size_t nt = r->voc.n, total = 0;
	uint32_t *fill;

	r->istart = pb_xcalloc(nt + 2, sizeof *r->istart);
	for (size_t d = 0; d < r->day->n; d++)
		for (uint32_t j = 0; j < r->dvec[d].n; j++)
			r->istart[r->dpool.t[r->dvec[d].off + j] + 1]++;
	for (size_t t = 0; t < nt; t++)
		r->istart[t + 1] += r->istart[t];
	total = r->istart[nt];
	r->idoc = pb_xcalloc(total + 1, sizeof *r->idoc);
	r->iw = pb_xcalloc(total + 1, sizeof *r->iw);
	fill = pb_xcalloc(nt + 1, sizeof *fill);
	for (size_t d = 0; d < r->day->n; d++)
		for (uint32_t j = 0; j < r->dvec[d].n; j++) {
			uint32_t t = r->dpool.t[r->dvec[d].off + j];
			uint32_t at = r->istart[t] + fill[t]++;

			r->idoc[at] = (uint32_t)d;
			r->iw[at] = r->dpool.w[r->dvec[d].off + j];
		}
	free(fill);
}

/* The labelled paper p's index (its text tokenised on first sight into ld; a paper of the
 * day (dd) is not tokenised twice). */
static uint32_t
label_of(struct pb_ranker *r, const struct pb_paper *p, struct tdocs *ld, const struct tdocs *dd)
{
	uint32_t *val, k;
	long d;

	if (!p || !p->id)
		return RK_NONE;
	if (!rk_idset_add(&r->labset, p->id, &val))
		return *val;
	if (r->n_lab == r->cap_lab) {
		r->cap_lab = r->cap_lab ? 2 * r->cap_lab : 256;
		r->lpaper = pb_xreallocarray(r->lpaper, r->cap_lab, sizeof *r->lpaper);
		ld->start = pb_xreallocarray(ld->start, r->cap_lab + 1, sizeof *ld->start);
		ld->ustart = pb_xreallocarray(ld->ustart, r->cap_lab + 1, sizeof *ld->ustart);
	}
	k = *val = (uint32_t)r->n_lab++;
	r->lpaper[k] = p;
	if ((d = pb_paperset_find(r->day, p->id)) >= 0) {
		struct rk_terms t = { 0 };

		t.id = dd->id + dd->start[d];
		t.tf = dd->tf + dd->start[d];
		t.n = dd->start[d + 1] - dd->start[d];
		tdocs_push(ld, &t, k);      /* counted with the day */
	} else {
		rk_terms_of(&r->voc, p, 0, &r->scratch);
		tdocs_push(ld, &r->scratch, k);
		count_doc(r, p->id, &r->scratch);
	}
	ld->n = r->n_lab;
	return k;
}

static int
prepare_day(struct pb_ranker *r, const struct pb_paperset *day, struct tdocs *dd)
{
	r->day = day;
	dd->start = pb_xcalloc(day->n + 1, sizeof *dd->start);
	dd->ustart = pb_xcalloc(day->n + 1, sizeof *dd->ustart);
	dd->n = day->n;
	for (size_t i = 0; i < day->n; i++) {
		rk_terms_of(&r->voc, &day->v[i], 1, &r->scratch);
		tdocs_push(dd, &r->scratch, i);
		count_doc(r, day->v[i].id, &r->scratch);
	}
	return 0;
}

static void
weigh_day(struct pb_ranker *r, struct tdocs *dd)
{
	r->dvec = pb_xcalloc(r->day->n + 1, sizeof *r->dvec);
	for (size_t i = 0; i < r->day->n; i++)
		r->dvec[i] = tdocs_weigh(r, dd, i, &r->dpool);
	build_index(r);
	r->acc = pb_xreallocarray(r->acc, r->day->n + 1, sizeof *r->acc);
	r->acc_prof = RK_NONE;
}

/* ---- profiles ---- */

static double
decay(const struct pb_ranker *r, int64_t when)
{
	double age_days, hl = r->cfg->rank.half_life_days;

	if (when <= 0 || when >= r->now || hl <= 0)
		return 1.0;
	age_days = (double)(r->now - when) / 86400.0;
	/* Never below a millionth: a weight kept as a float would reach 0 after about 149 half
	 * lives (a like of a 12-year-old paper, half_life_days 30), and a like of weight 0 was
	 * taken for a dislike and divided by the dislikes' weight, 0: every score NaN. */
	return fmax(pow(0.5, age_days / hl), 1e-6);
}

static uint64_t
members_key(const struct rk_member *m, size_t n)
{
	uint64_t h = PB_FNV1A64_BASIS;

	for (size_t i = 0; i < n; i++) {
		h = pb_fnv1a64_more(h, &m[i].lab, sizeof m[i].lab);
		h = pb_fnv1a64_more(h, &m[i].w, sizeof m[i].w);
		h = pb_fnv1a64_more(h, &m[i].bare, sizeof m[i].bare);
		if (m[i].like->via)
			h = pb_fnv1a64_more(h, m[i].like->via, strlen(m[i].like->via));
	}
	return h;
}

static int
members_equal(const struct rk_prof *p, const struct rk_member *m, size_t n)
{
	if (p->n_m != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *a = p->m[i].like->via, *b = m[i].like->via;

		if (p->m[i].lab != m[i].lab || p->m[i].w != m[i].w || p->m[i].bare != m[i].bare)
			return 0;
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			return 0;
	}
	return 1;
}

void
rk_dense_add(struct pb_ranker *r, uint32_t t, float x)
{
	if (!r->mark[t]) {
		r->mark[t] = 1;
		r->touched[r->n_touched++] = t;
	}
	r->dense[t] += x;
}

/* a before b: the stronger weight, then the lower term id (a total order, so the choice
 * never depends on the order the terms were touched in). */
static int
stronger(const float *d, uint32_t a, uint32_t b)
{
	float x = fabsf(d[a]), y = fabsf(d[b]);

	return x != y ? x > y : a < b;
}

/* Puts the k strongest of v[0..n) first (quickselect). */
static void
select_top(uint32_t *v, size_t n, size_t k, const float *d)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2, st = lo;
		uint32_t piv = v[mid], tmp;

		v[mid] = v[hi - 1];
		v[hi - 1] = piv;
		for (size_t i = lo; i < hi - 1; i++)
			if (stronger(d, v[i], piv)) {
				tmp = v[i];
				v[i] = v[st];
				v[st++] = tmp;
			}
		v[hi - 1] = v[st];
		v[st] = piv;
		if (st == k)
			return;
		if (st < k)
			lo = st + 1;
		else
			hi = st;
	}
}

/* Builds profile pr's vector from its members. */
static void
build_prof(struct pb_ranker *r, struct rk_prof *pr)
{
	double wpos = 0, wneg = 0, norm = 0;
	size_t keep;
	int labels = 0;

	for (size_t i = 0; i < pr->n_m; i++) {
		if (pr->m[i].bare)
			continue;
		if (pr->m[i].w > 0)
			wpos += pr->m[i].w;
		else
			wneg -= pr->m[i].w;
	}
	for (size_t i = 0; i < pr->n_m; i++) {
		const struct rk_member *m = &pr->m[i];
		struct rk_vec v = r->lvec[m->lab];
		double f = m->w > 0 ? m->w / wpos : wneg > 0 ? RK_DISLIKE * m->w / wneg : 0;

		if (m->bare)
			continue;
		for (uint32_t j = 0; j < v.n; j++)
			rk_dense_add(r, r->lpool.t[v.off + j], (float)(f * r->lpool.w[v.off + j]));
	}
	for (size_t i = 0; i < r->n_touched; i++)
		norm += (double)r->dense[r->touched[i]] * r->dense[r->touched[i]];
	pr->norm = (float)sqrt(norm);
	labels = pr->n_pos + pr->n_neg;
	if (pr->n_pos && pr->n_neg && labels >= r->cfg->rank.min_labels && pr->norm > 0) {
		/* Learned: the centroid at 1 - RK_MODEL_SHARE, the model's unit weights at
		 * RK_MODEL_SHARE of the centroid's length, so the scale (and min_similarity)
		 * stays the centroid's. */
		for (size_t i = 0; i < r->n_touched; i++)
			r->dense[r->touched[i]] *= (float)(1 - RK_MODEL_SHARE);
		if (rk_model_blend(r, pr, RK_MODEL_SHARE * pr->norm) == 0) {
			pr->learned = 1;
			r->st.n_models++;
		} else {
			for (size_t i = 0; i < r->n_touched; i++)
				r->dense[r->touched[i]] /= (float)(1 - RK_MODEL_SHARE);
		}
	}
	keep = r->n_touched;
	if (keep > RK_PROFILE_TERMS) {
		select_top(r->touched, r->n_touched, RK_PROFILE_TERMS, r->dense);
		keep = RK_PROFILE_TERMS;
	}
	if (r->ppool.n + keep > r->ppool.cap) {
		r->ppool.cap = 2 * (r->ppool.n + keep) + 1024;
		r->ppool.t = pb_xreallocarray(r->ppool.t, r->ppool.cap, sizeof *r->ppool.t);
		r->ppool.w = pb_xreallocarray(r->ppool.w, r->ppool.cap, sizeof *r->ppool.w);
	}
	pr->v.off = r->ppool.n;
	pr->v.n = 0;
	pr->cost = 0;
	for (size_t i = 0; i < keep; i++) {
		uint32_t t = r->touched[i];

		if (r->dense[t] == 0)
			continue;
		r->ppool.t[r->ppool.n] = t;
		r->ppool.w[r->ppool.n++] = r->dense[t];
		pr->v.n++;
		pr->cost += r->istart[t + 1] - r->istart[t];
	}
	for (size_t i = 0; i < r->n_touched; i++) {
		r->dense[r->touched[i]] = 0;
		r->mark[r->touched[i]] = 0;
	}
	r->n_touched = 0;
}

/* The profile of the given members (moved in), shared with an equal one. */
static uint32_t
intern_prof(struct pb_ranker *r, struct rk_member *m, size_t n)
{
	uint64_t key;
	size_t mask, i;
	struct rk_prof *pr;

	if (!n) {
		free(m);
		return RK_NONE;
	}
	key = members_key(m, n);
	if (2 * (r->n_profs + 1) > r->n_pslots) {
		size_t ns = r->n_pslots ? 2 * r->n_pslots : 1024;

		free(r->pslots);
		r->pslots = pb_xcalloc(ns, sizeof *r->pslots);
		r->n_pslots = ns;
		for (size_t k = 0; k < r->n_profs; k++) {
			for (i = (size_t)r->profs[k].key & (ns - 1); r->pslots[i];
			     i = (i + 1) & (ns - 1))
				;
			r->pslots[i] = (uint32_t)k + 1;
		}
	}
	mask = r->n_pslots - 1;
	for (i = (size_t)key & mask; r->pslots[i]; i = (i + 1) & mask) {
		struct rk_prof *o = &r->profs[r->pslots[i] - 1];

		if (o->key == key && members_equal(o, m, n)) {
			free(m);
			return r->pslots[i] - 1;
		}
	}
	if (r->n_profs == r->cap_profs) {
		r->cap_profs = r->cap_profs ? 2 * r->cap_profs : 256;
		r->profs = pb_xreallocarray(r->profs, r->cap_profs, sizeof *r->profs);
	}
	pr = &r->profs[r->n_profs];
	memset(pr, 0, sizeof *pr);
	pr->key = key;
	pr->m = m;
	pr->n_m = n;
	for (size_t j = 0; j < n; j++) {
		if (m[j].bare)
			continue;
		if (m[j].w > 0)
			pr->n_pos++;
		else
			pr->n_neg++;
	}
	r->pslots[i] = (uint32_t)r->n_profs + 1;
	build_prof(r, pr);
	return (uint32_t)r->n_profs++;
}

/* The members of subscriber s's profile for topic t (PB_LIKE_ALL_TOPICS: its own labels). */
static uint32_t
make_prof(struct pb_ranker *r, const struct pb_profile *p, const uint32_t *lab, size_t t)
{
	struct rk_member *m = pb_xcalloc(p->n + 1, sizeof *m);
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct pb_like *l = &p->likes[i];
		/* a verdict given in another topic weighs nothing here: the paper is still one
		 * the reader does not want (or has seen), but "more like this" under one topic
		 * does not reorder another */
		int away = t != PB_LIKE_ALL_TOPICS && l->home && l->home - 1 != t;
		unsigned char bare;
		int dup = 0;

		/* a text without a term that weighs adds nothing to the profile, but a paper of
		 * the day labelled so is still one the reader likes or does not want */
		if (lab[i] == RK_NONE ||
		    ((r->lvec[lab[i]].n == 0 || away) && r->labday[lab[i]] == RK_NONE))
			continue;
		if (l->topic != PB_LIKE_ALL_TOPICS && l->topic != t)
			continue;
		if (l->verdict == 0)
			continue;
		bare = r->lvec[lab[i]].n == 0 || away;
		/* a paper labelled twice counts once: the later label wins, but a paper the
		 * reader named stays named, not one of a liked author's (stage.c, labelled),
		 * and a label of this topic is not undone by a verdict given in another */
		for (size_t j = 0; j < n; j++)
			if (m[j].lab == lab[i]) {
				if ((!l->via || m[j].like->via) && (!away || m[j].bare)) {
					m[j].w = (float)((l->verdict > 0 ? 1 : -1) * decay(r, l->when));
					m[j].like = l;
					m[j].bare = bare;
				}
				dup = 1;
			}
		if (dup)
			continue;
		m[n].lab = lab[i];
		m[n].w = (float)((l->verdict > 0 ? 1 : -1) * decay(r, l->when));
		m[n].like = l;
		m[n].bare = bare;
		n++;
	}
	return intern_prof(r, m, n);
}

static void
resolve_modes(struct pb_ranker *r, size_t s)
{
	const struct pb_subscriber *sub = &r->cfg->subscribers[s];
	struct rk_sub *rs = &r->subs[s];
	int dflt = pb_rank_mode_parse(sub->rank);

	for (size_t t = 0; t < sub->n_topics; t++) {
		int m = pb_rank_mode_parse(sub->topics[t].rank);

		if (m <= 0)
			m = dflt > 0 ? dflt : PB_RANK_AUTO;
		if (m == PB_RANK_AUTO) {
			if (!sub->topics[t].query)
				m = PB_RANK_SIMILAR;
			else if (rs->topic[t] != RK_NONE)
				m = PB_RANK_FILTER;
			else
				m = PB_RANK_RULES;
		}
		rs->mode[t] = (unsigned char)m;
	}
}

/* Every labelled text, each once: they count in the frequencies the weights need. */
static void
collect_labels(struct pb_ranker *r, const struct pb_profile *profiles, struct tdocs *ld,
	       const struct tdocs *dd)
{
	size_t ns = r->cfg->n_subscribers;

	r->labs = pb_xcalloc(ns + 1, sizeof *r->labs);
	for (size_t s = 0; s < ns; s++) {
		const struct pb_profile *p = profiles ? &profiles[s] : NULL;

		r->labs[s] = pb_xcalloc((p ? p->n : 0) + 1, sizeof **r->labs);
		for (size_t i = 0; p && i < p->n; i++)
			r->labs[s][i] = label_of(r, p->likes[i].paper, ld, dd);
	}
}

static void
build_profiles(struct pb_ranker *r, const struct pb_profile *profiles, struct tdocs *ld)
{
	size_t ns = r->cfg->n_subscribers;
	uint32_t **labs = r->labs;

	r->lvec = pb_xcalloc(r->n_lab + 1, sizeof *r->lvec);
	for (size_t k = 0; k < r->n_lab; k++)
		r->lvec[k] = tdocs_weigh(r, ld, k, &r->lpool);
	r->dense = pb_xcalloc(r->voc.n + 1, sizeof *r->dense);
	r->mark = pb_xcalloc(r->voc.n + 1, 1);
	r->touched = pb_xcalloc(r->voc.n + 1, sizeof *r->touched);
	r->n_subs = ns;
	r->subs = pb_xcalloc(ns + 1, sizeof *r->subs);
	for (size_t s = 0; s < ns; s++) {
		const struct pb_subscriber *sub = &r->cfg->subscribers[s];
		const struct pb_profile *p = profiles ? &profiles[s] : NULL;
		struct rk_sub *rs = &r->subs[s];
		static const struct pb_profile empty;

		if (!p)
			p = &empty;
		rs->topic = pb_xcalloc(sub->n_topics + 1, sizeof *rs->topic);
		rs->mode = pb_xcalloc(sub->n_topics + 1, 1);
		rs->all = make_prof(r, p, labs[s], PB_LIKE_ALL_TOPICS);
		for (size_t t = 0; t < sub->n_topics; t++) {
			int own = 0;

			/* a topic's own likes, or a verdict with a home, make the topic's
			 * profile differ from the subscriber's */
			for (size_t i = 0; i < p->n && !own; i++)
				own = (p->likes[i].topic == t || p->likes[i].home) &&
				      labs[s][i] != RK_NONE;
			rs->topic[t] = own ? make_prof(r, p, labs[s], t) : rs->all;
		}
		resolve_modes(r, s);
		free(labs[s]);
	}
	free(labs);
	r->labs = NULL;
}

int
pb_ranker_prepare(struct pb_ranker *r, const struct pb_paperset *day,
		  const struct pb_profile *profiles)
{
	struct tdocs dd = { 0 }, ld = { 0 };
	double t0 = now_s();

	free_prepared(r);
	r->profiles = profiles;
	r->st.n_models = 0;
	prepare_day(r, day, &dd);
	for (size_t i = 0; i < r->n_pend; i++)
		count_text(r, r->pend[i].id, r->pend[i].title, r->pend[i].abstract, 1);
	if (r->corpus) {
		struct walk w = { r, 0, 1 };
		char since[32];

		corpus_since(r, since, sizeof since);
		if (pb_corpus_each(r->corpus, since, corpus_count, &w) < 0) {
			pb_warn("rank.corpus", "reason=%s", pb_q("cannot read the corpus"));
		} else {
			w.stride = (w.i + RK_CORPUS_SAMPLE - 1) / RK_CORPUS_SAMPLE;
			w.stride = w.stride ? w.stride : 1;
			w.i = 0;
			if (pb_corpus_each(r->corpus, since, corpus_doc, &w) < 0)
				pb_warn("rank.corpus", "reason=%s", pb_q("cannot read the corpus"));
		}
	}
	ld.start = pb_xcalloc(1, sizeof *ld.start);
	ld.ustart = pb_xcalloc(1, sizeof *ld.ustart);
	/* label_of grows ld with the labels; the day's vectors wait for their frequencies */
	collect_labels(r, profiles, &ld, &dd);
	r->daylab = pb_xcalloc(day->n + 1, sizeof *r->daylab);
	r->labday = pb_xcalloc(r->n_lab + 1, sizeof *r->labday);
	r->dmark = pb_xcalloc(day->n + 1, 1);
	r->mark_prof = RK_NONE;
	for (size_t k = 0; k < r->n_lab; k++)
		r->labday[k] = RK_NONE;
	for (size_t i = 0; i < day->n; i++) {
		r->daylab[i] = day->v[i].id ? rk_idset_find(&r->labset, day->v[i].id) : RK_NONE;
		if (r->daylab[i] != RK_NONE)
			r->labday[r->daylab[i]] = (uint32_t)i;
	}
	weigh_day(r, &dd);
	build_profiles(r, profiles, &ld);
	tdocs_free(&dd);
	tdocs_free(&ld);
	r->st.prepare_s = now_s() - t0;
	pb_debug("rank.prepared", "papers=%zu docs=%zu terms=%zu labelled=%zu profiles=%zu "
		 "models=%zu seconds=%.3f", day->n, r->n_docs, r->voc.n, r->n_lab, r->n_profs,
		 r->st.n_models, r->st.prepare_s);
	return 0;
}
