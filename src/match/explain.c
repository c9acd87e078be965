/* The straightforward evaluation: every topic on every paper by scanning its folded words
 * (rules.h). It is the reference the indexed matcher is measured and tested against, and it
 * explains single hits for paperboy match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/match.h"
#include "paperboy/rules.h"

#include "match_int.h"

/* The interned term: the same words, and already known to the index. */
static const struct pb_term *
canon(const struct pb_matcher *m, const struct pb_term *t)
{
	return m->terms[t->id].t;
}

static int
eval_tree(const struct pb_matcher *m, const struct pb_rule *r, const struct pb_doc *d)
{
	switch (r->kind) {
	case PB_RULE_TERM:
		return pb_term_hits(canon(m, r->term), d);
	case PB_RULE_AND:
		return eval_tree(m, r->a, d) && eval_tree(m, r->b, d);
	case PB_RULE_OR:
		return eval_tree(m, r->a, d) || eval_tree(m, r->b, d);
	case PB_RULE_ANDNOT:
		return eval_tree(m, r->a, d) && !eval_tree(m, r->b, d);
	case PB_RULE_NOT:
		return !eval_tree(m, r->a, d);
	}
	return 0;
}

static double
weight_doc(const struct pb_term *t, const struct pb_doc *d)
{
	static const struct {
		enum pb_field f;
		double w;
	} order[] = {
		{ PB_FIELD_TI, PB_SCORE_TI }, { PB_FIELD_AU, PB_SCORE_AU },
		{ PB_FIELD_ABS, PB_SCORE_ABS }, { PB_FIELD_CO, PB_SCORE_CO },
		{ PB_FIELD_JR, PB_SCORE_JR }, { PB_FIELD_CAT, PB_SCORE_CAT },
	};

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if ((t->field == PB_FIELD_ALL || t->field == order[i].f) &&
		    pb_term_hits_field(t, d, order[i].f))
			return order[i].w;
	return 0;
}

/* Evaluates topic ct on one folded paper: *hit_query, *hit_follow and the score. */
static double
topic_on_doc(const struct pb_matcher *m, const struct ctopic *ct, const struct pb_doc *d,
	     int *hit_query, int *hit_follow, const struct pb_rule **vetoed_by)
{
	double score = 0;

	*hit_query = ct->query ? eval_tree(m, ct->query, d) : mx_open_topic(m, ct);
	*hit_follow = 0;
	if (vetoed_by)
		*vetoed_by = NULL;
	for (size_t i = 0; *hit_query && i < ct->n_excl; i++)
		if (eval_tree(m, ct->excl[i], d)) {
			*hit_query = 0;
			if (vetoed_by)
				*vetoed_by = ct->excl[i];
		}
	for (size_t i = 0; !*hit_follow && i < ct->n_follow; i++)
		*hit_follow = pb_term_hits(canon(m, ct->follow[i]->term), d);
	if (*hit_query)
		for (size_t i = 0; i < ct->n_pos; i++)
			score += weight_doc(m->terms[ct->pos[i]].t, d);
	if (*hit_follow)
		score += PB_SCORE_FOLLOW;
	return score;
}

static int
sub_follow_on_doc(const struct pb_matcher *m, const struct csub *cs, const struct pb_doc *d)
{
	for (size_t i = 0; i < cs->n_follow; i++)
		if (pb_term_hits(canon(m, cs->follow[i]->term), d))
			return 1;
	return 0;
}

int
mx_sub_excluded(const struct pb_matcher *m, const struct csub *cs, const struct pb_doc *d,
		const struct pb_rule **by)
{
	for (size_t i = 0; i < cs->n_excl; i++)
		if (eval_tree(m, cs->excl[i], d)) {
			if (by)
				*by = cs->excl[i];
			return 1;
		}
	return 0;
}

int
pb_match_all_reference(struct pb_matcher *m, const struct pb_paperset *papers,
		       struct pb_selection **out, char *err, size_t errlen)
{
	struct pb_doc *docs = pb_xcalloc(papers->n + 1, sizeof *docs);
	struct mx_scratch sc;

	(void)err;
	(void)errlen;
	for (size_t p = 0; p < papers->n; p++)
		pb_doc_init(&docs[p], &papers->v[p]);
	mx_scratch_init(&sc, papers);
	sc.skip = m->skip;
	sc.skip_ctx = m->skip_ctx;
	sc.ranker = m->ranker.rank || m->ranker.why ? &m->ranker : NULL;
	*out = pb_xcalloc(m->n_subs + 1, sizeof **out);
	for (size_t s = 0; s < m->n_subs; s++) {
		const struct csub *cs = &m->subs[s];

		for (size_t t = 0; t < cs->n_t; t++)
			for (uint32_t p = 0; p < papers->n; p++) {
				const struct ctopic *ct = &cs->t[t];
				int hq, hf;
				double score;

				if (!mx_allowed(papers->v[p].announce, ct->cross, ct->replace) ||
				    mx_sub_excluded(m, cs, &docs[p], NULL))
					continue;
				score = topic_on_doc(m, ct, &docs[p], &hq, &hf, NULL);
				if (hq || hf)
					mx_consider(&sc, p, (uint32_t)t, score,
						 (hq ? PB_HIT_TOPIC : 0) | (hf ? PB_HIT_FOLLOW : 0));
			}
		for (uint32_t p = 0; cs->open && m->ranker.rank && p < papers->n; p++)
			if (mx_allowed(papers->v[p].announce, cs->cross, cs->replace) &&
			    !mx_sub_excluded(m, cs, &docs[p], NULL))
				mx_consider(&sc, p, 0, 0, 0);
		for (uint32_t p = 0; cs->n_follow && p < papers->n; p++)
			if (mx_allowed(papers->v[p].announce, cs->cross, cs->replace) &&
			    !mx_sub_excluded(m, cs, &docs[p], NULL) &&
			    sub_follow_on_doc(m, cs, &docs[p]))
				mx_consider_follow(&sc, p);
		sc.sub_index = s;
		mx_finish(&sc, &m->cfg->subscribers[s], &(*out)[s], papers);
	}
	mx_scratch_free(&sc);
	for (size_t p = 0; p < papers->n; p++)
		pb_doc_free(&docs[p]);
	free(docs);
	return 0;
}

/* Appends the positive terms of r that hit d, each once. */
static void
explain_terms(const struct pb_matcher *m, const struct pb_rule *r, int positive,
	      const struct pb_doc *d, struct pb_buf *b, uint32_t *seen, size_t *n_seen)
{
	const struct pb_term *t;

	switch (r->kind) {
	case PB_RULE_TERM:
		t = canon(m, r->term);
		if (!positive || !pb_term_hits(t, d))
			return;
		for (size_t i = 0; i < *n_seen; i++)
			if (seen[i] == t->id)
				return;
		if (*n_seen < 256)
			seen[(*n_seen)++] = t->id;
		pb_buf_printf(b, " %s", r->term->src);
		if (t->field == PB_FIELD_CAT)
			pb_buf_puts(b, "[filter]");     /* it decided membership, adds no score */
		if (t->field == PB_FIELD_ALL) {
			const char *sep = "[";

			for (int f = 0; f < PB_N_TEXT_FIELDS; f++)
				if (pb_term_hits_field(t, d, (enum pb_field)f)) {
					pb_buf_printf(b, "%s%s", sep, pb_field_name((enum pb_field)f));
					sep = ",";
				}
			pb_buf_putc(b, ']');
		}
		return;
	case PB_RULE_NOT:
		explain_terms(m, r->a, !positive, d, b, seen, n_seen);
		return;
	case PB_RULE_ANDNOT:
		explain_terms(m, r->a, positive, d, b, seen, n_seen);
		explain_terms(m, r->b, !positive, d, b, seen, n_seen);
		return;
	default:
		explain_terms(m, r->a, positive, d, b, seen, n_seen);
		explain_terms(m, r->b, positive, d, b, seen, n_seen);
	}
}

void
pb_match_explain(struct pb_matcher *m, size_t s, const struct pb_paper *p, struct pb_buf *b)
{
	const struct pb_subscriber *sub;
	const struct pb_rule *veto = NULL;
	const struct csub *cs;
	struct pb_doc d;
	double best = 0;
	size_t best_t = 0;
	int found = 0, sub_follow, filtered = 0, best_hq = 0;
	uint32_t seen[256];
	size_t n_seen = 0;

	if (!m || s >= m->n_subs || !p) {
		pb_buf_puts(b, "no match");
		return;
	}
	sub = &m->cfg->subscribers[s];
	cs = &m->subs[s];
	pb_doc_init(&d, p);
	if (mx_sub_excluded(m, cs, &d, &veto)) {
		pb_buf_printf(b, "no match (excluded for the subscriber by %s)",
			      veto->kind == PB_RULE_TERM ? veto->term->src : "an exclusion");
		goto out;
	}
	for (size_t t = 0; t < cs->n_t; t++) {
		const struct ctopic *ct = &cs->t[t];
		const struct pb_rule *v;
		int hq, hf;
		double score = topic_on_doc(m, ct, &d, &hq, &hf, &v);

		if (!mx_allowed(p->announce, ct->cross, ct->replace)) {
			filtered |= hq || hf;
			continue;
		}
		if (v && !veto)
			veto = v;
		if ((hq || hf) && (!found || score > best)) {
			found = 1;
			best = score;
			best_t = t;
			best_hq = hq;
		}
	}
	sub_follow = cs->n_follow && mx_allowed(p->announce, cs->cross, cs->replace) &&
		     sub_follow_on_doc(m, cs, &d);
	if (!found && !sub_follow) {
		if (filtered)
			pb_buf_printf(b, "no match (%s not included)",
				      p->announce == PB_ANN_CROSS ? "cross-list" : "replacement");
		else if (veto)
			pb_buf_printf(b, "no match (excluded by %s)",
				      veto->kind == PB_RULE_TERM ? veto->term->src : "an exclusion");
		else
			pb_buf_puts(b, "no match");
		goto out;
	}
	if (found) {
		const struct ctopic *ct = &cs->t[best_t];

		pb_buf_printf(b, "topic=%s", sub->topics[best_t].name);
		if (best_hq && ct->query)
			explain_terms(m, ct->query, 1, &d, b, seen, &n_seen);
		for (size_t i = 0; i < ct->n_follow; i++)
			if (pb_term_hits(canon(m, ct->follow[i]->term), &d))
				pb_buf_printf(b, " follow:%s", ct->follow[i]->term->src + 3);
	} else {
		pb_buf_printf(b, "topic=%s", sub->n_topics ? sub->topics[0].name : "-");
	}
	if (sub_follow) {
		best += PB_SCORE_FOLLOW;
		for (size_t i = 0; i < cs->n_follow; i++)
			if (pb_term_hits(canon(m, cs->follow[i]->term), &d))
				pb_buf_printf(b, " follow:%s", cs->follow[i]->term->src + 3);
	}
	pb_buf_printf(b, " score=%g", best);
out:
	pb_doc_free(&d);
}
