/* The summarize stage: one subscriber's selection becomes a digest with a title, key findings
 * per paper, an executive summary and (when a model is configured) a per-paper analysis. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "paperboy/summarize.h"

#define MAX_FINDINGS 4

/* Key findings per paper of the current paperset, computed once and copied into each digest:
 * the same paper reaches many subscribers. */
struct findings_memo {
	const char *abstract;   /* the text they were computed from; recomputed if it changes */
	char **v;
	size_t n;
	int done;
};

struct pb_summarizer {
	const struct pb_config *cfg;
	struct pb_state *st;
	struct pb_http *h;

	const struct pb_paperset *memo_set;
	struct findings_memo *memo;
	size_t memo_n;
};

struct pb_summarizer *
pb_summarizer_new(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		  char *err, size_t errlen)
{
	struct pb_summarizer *s = pb_xcalloc(1, sizeof *s);

	(void)err;
	(void)errlen;
	s->cfg = cfg;
	s->st = st;
	s->h = h;
	return s;
}

static void
memo_clear(struct pb_summarizer *s)
{
	for (size_t i = 0; i < s->memo_n; i++)
		pb_sentences_free(s->memo[i].v, s->memo[i].n);
	free(s->memo);
	s->memo = NULL;
	s->memo_n = 0;
	s->memo_set = NULL;
}

void
pb_summarizer_free(struct pb_summarizer *s)
{
	if (!s)
		return;
	memo_clear(s);
	free(s);
}

static const struct findings_memo *
findings_of(struct pb_summarizer *s, const struct pb_paperset *papers, size_t idx)
{
	struct findings_memo *m;

	if (s->memo_set != papers || s->memo_n != papers->n) {
		memo_clear(s);
		s->memo_set = papers;
		s->memo_n = papers->n;
		s->memo = pb_xcalloc(papers->n ? papers->n : 1, sizeof *s->memo);
	}
	m = &s->memo[idx];
	if (m->done && m->abstract != papers->v[idx].abstract) {
		pb_sentences_free(m->v, m->n);
		m->v = NULL;
		m->n = 0;
		m->done = 0;
	}
	if (!m->done) {
		m->abstract = papers->v[idx].abstract;
		m->n = pb_key_findings(m->abstract, MAX_FINDINGS, &m->v);
		m->done = 1;
	}
	return m;
}

int
pb_summarizer_prepare(struct pb_summarizer *s, const struct pb_paperset *papers,
		      const struct pb_selection *sel, size_t n_sel)
{
	(void)s;
	(void)papers;
	(void)sel;
	(void)n_sel;
	return 0;
}

/* The digest title's categories: the configured ones, else the papers' primary categories in
 * ranking order (at most three). */
static char *
make_title(const struct pb_summarizer *s, const struct pb_digest *d, const char *date)
{
	const char *prim[3];
	size_t np = 0;

	if (s && s->cfg && s->cfg->arxiv.n_categories > 0)
		return pb_digest_title((const char *const *)s->cfg->arxiv.categories,
				       s->cfg->arxiv.n_categories, date);
	for (size_t i = 0; i < d->n_items && np < 3; i++) {
		const struct pb_paper *p = d->items[i].paper;
		size_t k;

		if (!p->n_categories || !p->categories[0])
			continue;
		for (k = 0; k < np; k++)
			if (strcmp(prim[k], p->categories[0]) == 0)
				break;
		if (k == np)
			prim[np++] = p->categories[0];
	}
	return pb_digest_title(prim, np, date);
}

int
pb_digest_build(struct pb_summarizer *s, const struct pb_paperset *papers,
		const struct pb_selection *sel, const char *date, struct pb_digest *out)
{
	const struct pb_subscriber *sub = sel ? sel->sub : NULL;
	struct pb_summarizer tmp = { 0 };
	struct pb_summarizer *use = s ? s : &tmp;

	memset(out, 0, sizeof *out);
	if (!papers || !sel)
		return -1;
	out->subscriber = sub ? sub->name : NULL;
	out->language = sub && sub->language && *sub->language ? sub->language : "en";
	if (!date || !*date)
		date = papers->announce_date ? papers->announce_date : "";
	out->date = pb_xstrdup(date);
	out->n_matched = sel->n_matched;
	if (s && s->cfg)
		out->unsubscribe = s->cfg->email.unsubscribe_url ? s->cfg->email.unsubscribe_url
								 : s->cfg->email.unsubscribe_mailto;

	out->items = pb_xcalloc(sel->n_hits ? sel->n_hits : 1, sizeof *out->items);
	for (size_t i = 0; i < sel->n_hits; i++) {
		const struct pb_hit *hit = &sel->hits[i];
		struct pb_digest_item *it;
		const struct findings_memo *m;

		if (hit->paper >= papers->n) {
			pb_warn("digest_bad_hit", "subscriber=%s paper_index=%zu n_papers=%zu",
				pb_q(out->subscriber), hit->paper, papers->n);
			continue;
		}
		it = &out->items[out->n_items++];
		it->paper = &papers->v[hit->paper];
		it->topic = sub && hit->topic < sub->n_topics ? sub->topics[hit->topic].name : NULL;
		it->score = hit->score;
		m = findings_of(use, papers, hit->paper);
		if (m->n) {
			it->findings = pb_xcalloc(m->n, sizeof *it->findings);
			for (size_t k = 0; k < m->n; k++)
				it->findings[k] = pb_xstrdup(m->v[k]);
			it->n_findings = m->n;
		}
	}
	if (out->n_matched < out->n_items)
		out->n_matched = out->n_items;
	out->title = make_title(s, out, out->date);
	out->exec_summary = pb_exec_summary_builtin(out);
	out->exec_from_model = 0;
	if (use == &tmp)
		memo_clear(&tmp);
	return 0;
}

void
pb_digest_free(struct pb_digest *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_items; i++) {
		pb_sentences_free(d->items[i].findings, d->items[i].n_findings);
		free(d->items[i].analysis);
	}
	free(d->items);
	free(d->date);
	free(d->title);
	free(d->exec_summary);
	memset(d, 0, sizeof *d);
}
