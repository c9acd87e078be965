/* Fetching one announcement from arXiv's sources (RSS for the day, API id_list to fill in,
 * API search_query for past dates), built on http.h and parse.h. */
#ifndef PAPERBOY_FETCH_H
#define PAPERBOY_FETCH_H

#include <stddef.h>

#include "paperboy/config.h"
#include "paperboy/http.h"
#include "paperboy/paper.h"
#include "paperboy/parse.h"

enum pb_fetch_status {
	PB_FETCH_OK = 0,             /* papers in the set */
	PB_FETCH_NO_ANNOUNCEMENT,    /* empty feed: a normal outcome */
	PB_FETCH_ARXIV_ERROR,        /* arXiv answered with an error feed; message has its words */
	PB_FETCH_BAD_DATA,           /* unparseable answer */
	PB_FETCH_UNAVAILABLE,        /* network/HTTP failure after retries */
};

struct pb_fetch_result {
	enum pb_fetch_status status;
	char message[512];           /* the error; for PB_FETCH_OK a warning (e.g. metadata
				      * incomplete) or "" */
	size_t n_requests;           /* HTTP requests made, retries included */
	long http_status;            /* last HTTP status seen, 0 = none (network error, file) */
	size_t n_skipped;            /* records the parser rejected with a warning */
	size_t n_repaired;           /* records kept with bad bytes replaced (each warned) */
	long retry_after_s;          /* arXiv answered 429 or 503 with a Retry-After that was not
				      * waited out (pb_http_response.retry_asked_s): the seconds
				      * it asked for, counted from the end of the fetch; 0 = none.
				      * The message then says "arXiv asked to retry after N s". */
};

/* The Accept header of every request to arXiv: the feed types first. */
#define PB_FETCH_ACCEPT \
	"application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, " \
	"application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"

/* A 403 from arXiv: it answers a missing paper, listing or id with 404 (or its error feed), a
 * 403 only when it denies the client, and its robots page takes requests that go on after one
 * for an attack. */
#define PB_FETCH_DENIED_WHY \
	"arXiv denies this client access (403): check user_agent and request rate"

/* After a request to arXiv through h answered with status (url for the log): on a 403, logs
 * it (arxiv.denied, once for h) and marks h (pb_http_mark_denied) so that the run's later
 * requests to arXiv are not made, and returns 1; otherwise returns 0. Every request to arXiv
 * (feed, API, full text) asks pb_http_denied(h) first and is not made when it is set. */
int pb_fetch_note_denied(struct pb_http *h, long status, const char *url);

/* The longest wait asked by arXiv's Retry-After that is honoured (seconds): a longer one (a
 * misconfigured limiter, a date far ahead) is waited this long, so that a day is not lost. */
#define PB_FETCH_RETRY_MAX_S (6 * 3600L)

/* Fills an http options struct from the config (user agent, CA file, the Accept header,
 * spacing, retries, cache dir under state_dir/http-cache). Strings are borrowed from cfg. */
void pb_fetch_http_opts(const struct pb_config *cfg, struct pb_http_opts *opts);

/* The day's announcement for categories (NULL/0 = cfg's categories) from the RSS source in one
 * request (<rss_url>/<cat>+<cat>), then (when cfg->arxiv.fill_metadata) id_list lookups in
 * batches to fill in what RSS lacks: the API's published (submission) and updated dates, the
 * primary category (moved first), comment, journal ref, DOI and affiliations. The announcement
 * itself (type, version, title, abstract) stays as the RSS said. A failed lookup leaves the
 * records as RSS gave them: PB_FETCH_OK with a warning in res->message. */
enum pb_fetch_status pb_fetch_today(struct pb_http *h, const struct pb_config *cfg,
				    const char *const *categories, size_t n_categories,
				    struct pb_paperset *out, struct pb_fetch_result *res);

/* The announcement pb_fetch_today last received for cfg's categories, as the HTTP cache
 * under state_dir keeps it (the RSS listing; metadata not filled in), without a request.
 * PB_FETCH_UNAVAILABLE with "no announcement is cached yet" when there is none. */
enum pb_fetch_status pb_fetch_today_cached(const struct pb_config *cfg, struct pb_paperset *out,
					   struct pb_fetch_result *res);

/* API id_list lookups for ids, in batches of cfg->arxiv.idlist_batch (max_results = batch
 * size); records already in out are filled in as pb_fetch_today does, others are added. Ids
 * arXiv does not know are dropped with a warning, as arXiv drops them. */
enum pb_fetch_status pb_fetch_idlist(struct pb_http *h, const struct pb_config *cfg,
				     const char *const *ids, size_t n_ids,
				     struct pb_paperset *out, struct pb_fetch_result *res);

/* One API search_query request (arXiv's syntax, e.g. `au:Del_Maestro_A`), newest submissions
 * first, at most max_results (<= 2000) records added to out. No match is PB_FETCH_OK with
 * nothing added. */
enum pb_fetch_status pb_fetch_search(struct pb_http *h, const struct pb_config *cfg,
				     const char *query, size_t max_results,
				     struct pb_paperset *out, struct pb_fetch_result *res);

/* The papers of a past announcement date (YYYY-MM-DD) through API search_query with a
 * submittedDate window between arXiv's 14:00 ET cutoffs (see pb_fetch_date_window),
 * paginated by cfg->arxiv.page_size (<= 2000) until totalResults. The window holds new
 * submissions only (replacements are not dated by it): a paper is marked new when its primary
 * category is among the categories asked for, cross otherwise. A short page before
 * totalResults is asked once more, then the fetch stops with a warning in res->message; when
 * no record came at all although totalResults announced some, PB_FETCH_UNAVAILABLE (not
 * PB_FETCH_NO_ANNOUNCEMENT, which is for a window that holds nothing). */
enum pb_fetch_status pb_fetch_date(struct pb_http *h, const struct pb_config *cfg,
				   const char *date, const char *const *categories,
				   size_t n_categories, struct pb_paperset *out,
				   struct pb_fetch_result *res);

/* The search_query of pb_fetch_date, into q: the categories OR'ed (an archive with subject
 * classes as "cat:cs OR cat:cs.*": the API files a paper under its classes, and "cat:cs"
 * finds only those from before the archive had any), and the submittedDate window from start
 * to end. */
void pb_fetch_date_query(struct pb_buf *q, const char *const *categories, size_t n_categories,
			 const char *start, const char *end);

/* The submittedDate window (UTC "YYYYMMDDHHMM", both ends inclusive) of the announcement listed
 * under date (YYYY-MM-DD, the date of the RSS feed: arXiv mails it at 20:00 ET the evening
 * before), with holidays as the calendar's (NULL and 0 = none): from the cutoff that opens it
 * to the minute before the one that closes it, as pb_cal_submission_window finds them (14:00
 * America/New_York, DST from the tz database, on weekdays that are not holidays). Returns 0,
 * 1 when nothing is listed under date (the evening before is a Friday, a Saturday or a
 * holiday), -1 when date is not a date (pb_date_valid) or the zone is missing. */
int pb_fetch_date_window(const char *date, const char *const *holidays, size_t n_holidays,
			 char start[16], char end[16]);

/* Reads a saved response from a file and parses it ("-" = stdin). A file that cannot be read
 * is PB_FETCH_UNAVAILABLE with http_status 0. */
enum pb_fetch_status pb_fetch_file(const char *path, struct pb_paperset *out,
				   struct pb_fetch_result *res);
/* The same, streaming: each record goes to fn as soon as it is read (pb_parser_set_sink:
 * in document order, not merged by id, before the document is known to be sound) and out
 * gets only the feed's title and date. The status is pb_fetch_file's; when fn stopped the
 * parse it is PB_FETCH_BAD_DATA, which the caller that stopped it knows to ignore. */
enum pb_fetch_status pb_fetch_file_each(const char *path, pb_record_fn fn, void *ud,
					struct pb_paperset *out, struct pb_fetch_result *res);

#endif
