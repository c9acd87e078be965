/* The day's papers for run, fetch, match and preview, loaded in one place: from a saved
 * response (--feed), selected as arXiv's own feed for the categories would select them, or from
 * arXiv, so that offline and online give the same papers with the same announce types. */
#ifndef PAPERBOY_PAPERS_H
#define PAPERBOY_PAPERS_H

#include <stddef.h>

#include "paperboy/config.h"
#include "paperboy/fetch.h"
#include "paperboy/http.h"
#include "paperboy/paper.h"

/* 1 when category cat is carried by a feed for cats: equal to one of them, or a subject class
 * of an archive among them ("cs" carries "cs.CV", "astro-ph" carries "astro-ph.GA"). */
int pb_category_in(const char *cat, const char *const *cats, size_t n);

/* Keeps the papers of ps that arXiv's feed for cats (n > 0) lists: those with at least one
 * category carried by it (cross-lists included). A paper whose primary category (the first)
 * is not carried is announced there as a cross-list: new becomes cross and replace becomes
 * replace-cross. n == 0 keeps everything. Returns the number of papers dropped. */
size_t pb_papers_select(struct pb_paperset *ps, const char *const *cats, size_t n);
/* The same rule for one record, for a caller that sees the records one at a time: 1 when
 * arXiv's feed for cats lists p (its announce type then changed as above), 0 when not. */
int pb_papers_select_one(struct pb_paper *p, const char *const *cats, size_t n);

/* What to load. */
struct pb_papers_req {
	const char *feed;                /* a saved response ("-" = stdin), or NULL for arXiv */
	const char *date;                /* YYYY-MM-DD of a past announcement, or NULL = today */
	const char *const *categories;   /* NULL/0 = cfg's arxiv.categories */
	size_t n_categories;
	size_t n_outside;                /* out: papers dropped as outside the categories */
	int repeated_id;                 /* out (pb_papers_load_each): stopped at an id read
					  * before */
};

/* Loads the papers rq asks for into out. A saved feed is selected for the categories (rq's,
 * else cfg's; cfg may be NULL only with a feed, and then without categories nothing is
 * dropped) as arXiv's feed for them would be; what arXiv sends is that selection already.
 * h is the HTTP client for arXiv; NULL makes one from cfg for this call. Returns res->status
 * (PB_FETCH_UNAVAILABLE with a message when no HTTP client could be made). */
enum pb_fetch_status pb_papers_load(struct pb_http *h, const struct pb_config *cfg,
				    struct pb_papers_req *rq, struct pb_paperset *out,
				    struct pb_fetch_result *res);

/* pb_papers_load for a saved feed (rq->feed, required), streaming: each paper the
 * selection keeps goes to fn as soon as it is read (pb_fetch_file_each: in document order,
 * before the document is known to be sound); the others are counted in rq->n_outside. out
 * gets only the feed's title and date. An id read before, which the whole set would merge
 * into its first record before selecting, stops the load: rq->repeated_id is set (the
 * status is then PB_FETCH_BAD_DATA) and only pb_papers_load gives the right papers. */
enum pb_fetch_status pb_papers_load_each(const struct pb_config *cfg, struct pb_papers_req *rq,
					 pb_record_fn fn, void *ud, struct pb_paperset *out,
					 struct pb_fetch_result *res);

/* The sysexits code for a load outcome: 0 for papers or no announcement, EX_DATAERR for an
 * arXiv error or unreadable data, EX_NOINPUT for a feed file that cannot be read, EX_UNAVAILABLE
 * for an HTTP 4xx other than 429, else EX_TEMPFAIL. */
int pb_papers_exit_code(const struct pb_fetch_result *res, int from_file);

#endif
