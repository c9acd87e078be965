/* Loading and selecting the day's papers: the one path run, fetch, match and preview share. */
#include <string.h>
#include <sysexits.h>

#include "paperboy/papers.h"

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

size_t
pb_papers_select(struct pb_paperset *ps, const char *const *cats, size_t n)
{
	size_t k = 0, dropped = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < ps->n; i++) {
		struct pb_paper *p = &ps->v[i];

		if (!carried(p, cats, n)) {
			pb_paper_free(p);
			dropped++;
			continue;
		}
		if (p->n_categories && !pb_category_in(p->categories[0], cats, n)) {
			if (p->announce == PB_ANN_NEW)
				p->announce = PB_ANN_CROSS;
			else if (p->announce == PB_ANN_REPLACE)
				p->announce = PB_ANN_REPLACE_CROSS;
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
