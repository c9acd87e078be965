/* Loading and selecting the day's papers: the one path run, fetch, match and preview share. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/papers.h"

#include "paperboy/buf.h"
#include "paperboy/hash.h"

int
pb_category_in(const char *cat, const char *const *cats, size_t n)
{
	for (size_t i = 0; cat && i < n; i++) {
		size_t l = strlen(cats[i]);

		if (strcmp(cat, cats[i]) == 0 ||
		    (!strchr(cats[i], '.') && strncmp(cat, cats[i], l) == 0 && cat[l] == '.'))
			return 1;
	}
	return 0;
}

static int
carried(const struct pb_paper *p, const char *const *cats, size_t n)
{
	for (size_t j = 0; j < p->n_categories; j++)
		if (pb_category_in(p->categories[j], cats, n))
			return 1;
	return 0;
}

int
pb_papers_select_one(struct pb_paper *p, const char *const *cats, size_t n)
{
	if (!n)
		return 1;
	if (!carried(p, cats, n))
		return 0;
	if (p->n_categories && !pb_category_in(p->categories[0], cats, n)) {
		if (p->announce == PB_ANN_NEW)
			p->announce = PB_ANN_CROSS;
		else if (p->announce == PB_ANN_REPLACE)
			p->announce = PB_ANN_REPLACE_CROSS;
	}
	return 1;
}

size_t
pb_papers_select(struct pb_paperset *ps, const char *const *cats, size_t n)
{
	size_t k = 0, dropped = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct pb_paper *p = &ps->v[i];

		if (!pb_papers_select_one(p, cats, n)) {
			pb_paper_free(p);
			dropped++;
			continue;
		}
		if (k != i)
			ps->v[k] = *p;
		k++;
	}
	ps->n = k;   /* the set's id index notices the change and is rebuilt on the next lookup */
	return dropped;
}

enum pb_fetch_status
pb_papers_load(struct pb_http *h, const struct pb_config *cfg, struct pb_papers_req *rq,
	       struct pb_paperset *out, struct pb_fetch_result *res)
{
	const char *const *cats = rq->categories;
	size_t n = rq->n_categories;
	struct pb_http *own = NULL;

	memset(res, 0, sizeof *res);
	rq->n_outside = 0;
	if (!n && cfg) {
		cats = (const char *const *)cfg->arxiv.categories;
		n = cfg->arxiv.n_categories;
	}
	if (rq->feed) {
		pb_fetch_file(rq->feed, out, res);
	} else {
		if (!h && cfg) {
			struct pb_http_opts ho;

			pb_fetch_http_opts(cfg, &ho);
			h = own = pb_http_new(&ho);
		}
		if (!h || !cfg) {
			res->status = PB_FETCH_UNAVAILABLE;
			strcpy(res->message, "cannot start the HTTP client");
			return res->status;
		}
		if (rq->date)
			pb_fetch_date(h, cfg, rq->date, cats, n, out, res);
		else
			pb_fetch_today(h, cfg, cats, n, out, res);
		pb_http_free(own);
	}
	/* arXiv's own feed for the categories is already this selection (and arXiv knows its
	 * aliases and new categories better than a table here): only a saved feed, which may
	 * hold every archive, is cut. */
	if (res->status == PB_FETCH_OK && rq->feed)
		rq->n_outside = pb_papers_select(out, cats, n);
	return res->status;
}

/* pb_papers_load_each's filter between the parser and the caller's handler. The ids read
 * so far are kept as their 64-bit hashes (0 marks a free slot): two ids that only share a
 * hash, which a hostile feed could arrange, cost a needless whole-set load, never a wrong
 * answer. */
struct select_each {
	const char *const *cats;
	size_t n;
	struct pb_papers_req *rq;
	pb_record_fn fn;
	void *ud;
	uint64_t *seen;
	size_t n_seen, mask;
};

/* Records id's hash; returns 1 when it was there already. */
static int
seen_before(struct select_each *s, const char *id)
{
	uint64_t h = pb_fnv1a64_str(id);
	size_t i;

	h += !h;
	if (2 * (s->n_seen + 1) > s->mask + 1 || !s->seen) {
		size_t cap = s->seen ? 2 * (s->mask + 1) : 1024;
		uint64_t *old = s->seen;
		size_t old_cap = old ? s->mask + 1 : 0;

		s->seen = pb_xcalloc(cap, sizeof *s->seen);
		s->mask = cap - 1;
		for (size_t k = 0; k < old_cap; k++) {
			if (!old[k])
				continue;
			for (i = (size_t)old[k] & s->mask; s->seen[i]; i = (i + 1) & s->mask)
				;
			s->seen[i] = old[k];
		}
		free(old);
	}
	for (i = (size_t)h & s->mask; s->seen[i]; i = (i + 1) & s->mask)
		if (s->seen[i] == h)
			return 1;
	s->seen[i] = h;
	s->n_seen++;
	return 0;
}

static int
select_each(void *ud, struct pb_paper *p)
{
	struct select_each *s = ud;

	/* The whole set merges a repeated id into its first record and selects after: that
	 * record is gone already. */
	if (seen_before(s, p->id)) {
		s->rq->repeated_id = 1;
		return -1;
	}
	if (!pb_papers_select_one(p, s->cats, s->n)) {
		s->rq->n_outside++;
		return 0;
	}
	return s->fn(s->ud, p);
}

enum pb_fetch_status
pb_papers_load_each(const struct pb_config *cfg, struct pb_papers_req *rq, pb_record_fn fn,
		    void *ud, struct pb_paperset *out, struct pb_fetch_result *res)
{
	struct select_each s = { rq->categories, rq->n_categories, rq, fn, ud, NULL, 0, 0 };
	enum pb_fetch_status st;

	rq->n_outside = 0;
	rq->repeated_id = 0;
	if (!s.n && cfg) {
		s.cats = (const char *const *)cfg->arxiv.categories;
		s.n = cfg->arxiv.n_categories;
	}
	st = pb_fetch_file_each(rq->feed, select_each, &s, out, res);
	free(s.seen);
	return st;
}

int
pb_papers_exit_code(const struct pb_fetch_result *res, int from_file)
{
	switch (res->status) {
	case PB_FETCH_OK:
	case PB_FETCH_NO_ANNOUNCEMENT:
		return 0;
	case PB_FETCH_ARXIV_ERROR:
	case PB_FETCH_BAD_DATA:
		return EX_DATAERR;
	case PB_FETCH_UNAVAILABLE:
	default:
		if (from_file)
			return EX_NOINPUT;
		/* Network trouble and server errors pass; a 4xx will not by itself. */
		if (res->http_status >= 400 && res->http_status < 500 && res->http_status != 429)
			return EX_UNAVAILABLE;
		return EX_TEMPFAIL;
	}
}
