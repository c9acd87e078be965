/* Fetching one announcement: the day's RSS in one request, API id_list lookups to fill in what
 * RSS lacks, API search_query for a past announcement date. */
#include "paperboy/fetch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/categories.h"
#include "paperboy/cli.h"
#include "paperboy/log.h"
#include "paperboy/papers.h"

#ifndef PAPERBOY_VERSION
#define PAPERBOY_VERSION "0.1.0"
#endif

#define MAX_PAGES 200           /* a date query never needs more; a loop guard */
#define MAX_PAGE_SIZE 2000      /* arXiv's limit per search_query page */
#define RSS_ITEM_CAP 2000       /* rss.arxiv.org serves at most this many items per feed */

void
pb_fetch_http_opts(const struct pb_config *cfg, struct pb_http_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->user_agent = cfg && cfg->user_agent && *cfg->user_agent
		? cfg->user_agent : "paperboy/" PAPERBOY_VERSION;
	opts->ca_file = cfg ? cfg->ca_file : NULL;
	/* arXiv's query endpoint has refused (406) clients that name no feed type. */
	opts->accept = PB_FETCH_ACCEPT;
	opts->timeout_s = cfg && cfg->arxiv.timeout_s > 0 ? cfg->arxiv.timeout_s : 60;
	opts->connect_timeout_s = 15;
	opts->max_redirects = 5;
	opts->min_interval_ms = cfg ? cfg->arxiv.request_interval_ms : 3000;
	opts->max_retries = cfg ? cfg->arxiv.max_retries : 5;
	opts->backoff_base_ms = 2000;
	opts->backoff_max_ms = 120000;
	if (cfg && cfg->state_dir && *cfg->state_dir) {
		snprintf(opts->cache_dir_buf, sizeof opts->cache_dir_buf, "%s/http-cache",
			 cfg->state_dir);
		opts->cache_dir = opts->cache_dir_buf;
	}
}

int
pb_fetch_note_denied(struct pb_http *h, long status, const char *url)
{
	if (status != 403)
		return 0;
	if (!pb_http_denied(h))
		pb_err("arxiv.denied", "url=%s error=%s note=%s", pb_q(url),
		       pb_q(PB_FETCH_DENIED_WHY),
		       pb_q("no more requests to arXiv this run; the next run asks again"));
	pb_http_mark_denied(h);
	return 1;
}

static void
set_result(struct pb_fetch_result *res, enum pb_fetch_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_result(struct pb_fetch_result *res, enum pb_fetch_status st, const char *fmt, ...)
{
	va_list ap;

	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof res->message, fmt, ap);
	va_end(ap);
}

static enum pb_fetch_status
from_parse(const struct pb_parse_result *pr, struct pb_fetch_result *res)
{
	res->n_skipped += pr->n_skipped;
	res->n_repaired += pr->n_repaired;
	switch (pr->status) {
	case PB_PARSE_OK:
		return PB_FETCH_OK;
	case PB_PARSE_EMPTY:
		set_result(res, PB_FETCH_NO_ANNOUNCEMENT, "no announcement");
		return res->status;
	case PB_PARSE_ARXIV_ERROR:
		set_result(res, PB_FETCH_ARXIV_ERROR, "%s", pr->message);
		return res->status;
	case PB_PARSE_BAD:
	default:
		set_result(res, PB_FETCH_BAD_DATA, "%s", pr->message[0] ? pr->message : "bad data");
		return res->status;
	}
}

/* One GET, parsed into *into. An arXiv error feed counts even when it came with an error
 * status (the API answers 400 with its error feed). */
static enum pb_fetch_status
get_parse(struct pb_http *h, const char *url, struct pb_paperset *into,
	  struct pb_parse_result *pr, struct pb_fetch_result *res)
{
	struct pb_http_response resp;
	char err[512];
	enum pb_fetch_status st;
	int rc;

	memset(pr, 0, sizeof *pr);
	if (pb_http_denied(h)) {
		/* A 403 earlier in the run: asking again is what arXiv takes for an attack. */
		res->http_status = 403;
		set_result(res, PB_FETCH_UNAVAILABLE, "%s: not asked: arXiv denied this client "
			   "access (403) earlier in this run", url);
		return res->status;
	}
	rc = pb_http_get(h, url, &resp, err, sizeof err);
	res->n_requests += (size_t)resp.attempts;
	res->http_status = resp.status;
	if (rc != 0 && pb_fetch_note_denied(h, resp.status, url)) {
		set_result(res, PB_FETCH_UNAVAILABLE, "%s (%s)", err, PB_FETCH_DENIED_WHY);
		pb_http_response_free(&resp);
		return res->status;
	}
	if (rc != 0) {
		struct pb_paperset junk;

		/* Only arXiv's error feed is read from an error answer; whatever else it holds
		 * never reaches the caller's set. */
		pb_paperset_init(&junk);
		if (resp.status >= 400 && resp.status < 500 && resp.body.len &&
		    pb_parse_feed(resp.body.data, resp.body.len, url, &junk, pr) ==
			    PB_PARSE_ARXIV_ERROR) {
			set_result(res, PB_FETCH_ARXIV_ERROR, "%s", pr->message);
		} else if (resp.not_resolved) {
			set_result(res, PB_FETCH_UNAVAILABLE, "%s; to read a saved feed instead, "
				   "use --feed FILE", err);
		} else if (resp.retry_asked_s > 0) {
			/* Asking again sooner is what arXiv's guidance takes for abuse: the caller
			 * (the daemon, the other machines) waits this long. */
			res->retry_after_s = resp.retry_asked_s;
			set_result(res, PB_FETCH_UNAVAILABLE, "%s (arXiv asked to retry after %ld s)",
				   err, resp.retry_asked_s);
		} else {
			set_result(res, PB_FETCH_UNAVAILABLE, "%s", err);
		}
		pb_paperset_free(&junk);
		pb_http_response_free(&resp);
		return res->status;
	}
	pb_parse_feed(resp.body.data ? resp.body.data : "", resp.body.len, url, into, pr);
	st = from_parse(pr, res);
	pb_http_response_free(&resp);
	return st;
}

static int
category_ok(const char *c)
{
	if (!c || !*c)
		return 0;
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
			return 0;
	return 1;
}

/* The categories to use: the caller's, else the config's. Returns 0 or -1 (result set). */
static int
pick_categories(const struct pb_config *cfg, const char *const **cats, size_t *n,
		struct pb_fetch_result *res)
{
	if (!*cats || !*n) {
		*cats = (const char *const *)cfg->arxiv.categories;
		*n = cfg->arxiv.n_categories;
	}
	if (!*n) {
		set_result(res, PB_FETCH_BAD_DATA, "no categories to fetch");
		return -1;
	}
	for (size_t i = 0; i < *n; i++) {
		if (!category_ok((*cats)[i])) {
			set_result(res, PB_FETCH_BAD_DATA, "not an arXiv category: %s", (*cats)[i]);
			return -1;
		}
	}
	return 0;
}

static void
base_url(struct pb_buf *b, const char *base)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	pb_buf_append(b, base, n);
}

static void
free_authors(struct pb_author *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		for (size_t j = 0; j < a[i].n_affils; j++)
			free(a[i].affils[j]);
		free(a[i].affils);
	}
	free(a);
}

static void
take_str(char **dst, char **src, int replace)
{
	if (*src && (replace || !*dst)) {
		free(*dst);
		*dst = *src;
		*src = NULL;
	}
}

static void
add_category(struct pb_paper *p, const char *cat)
{
	if (pb_paper_has_category(p, cat))
		return;
	p->categories = pb_xreallocarray(p->categories, p->n_categories + 1, sizeof *p->categories);
	p->categories[p->n_categories++] = pb_xstrdup(cat);
}

/* Puts cat first in p's categories (adding it when absent). */
static void
make_primary(struct pb_paper *p, const char *cat)
{
	size_t i;
	char *c;

	add_category(p, cat);
	for (i = 0; i < p->n_categories; i++)
		if (strcmp(p->categories[i], cat) == 0)
			break;
	c = p->categories[i];
	memmove(p->categories + 1, p->categories, i * sizeof *p->categories);
	p->categories[0] = c;
}

static int
any_affils(const struct pb_paper *p)
{
	for (size_t i = 0; i < p->n_authors; i++)
		if (p->authors[i].n_affils)
			return 1;
	return 0;
}

/* Fills the announced record dst with what the API record src knows better: the submission
 * date, comment, journal ref, DOI, the primary category and affiliations. The announcement
 * (type, version, title, abstract) stays as announced. src is left to be freed. */
static void
merge_meta(struct pb_paper *dst, struct pb_paper *src)
{
	take_str(&dst->published, &src->published, 1);
	take_str(&dst->updated, &src->updated, 1);
	take_str(&dst->comment, &src->comment, 0);
	take_str(&dst->journal_ref, &src->journal_ref, 0);
	take_str(&dst->doi, &src->doi, 0);
	take_str(&dst->title, &src->title, 0);
	take_str(&dst->abstract, &src->abstract, 0);
	if (!dst->version)
		dst->version = src->version;
	if (src->n_categories) {
		for (size_t i = 1; i < src->n_categories; i++)
			add_category(dst, src->categories[i]);
		make_primary(dst, src->categories[0]);
	}
	if (src->n_authors && any_affils(src)) {
		if (dst->n_authors == src->n_authors) {
			if (src->n_authors_all > dst->n_authors_all)
				dst->n_authors_all = src->n_authors_all;
			for (size_t i = 0; i < dst->n_authors; i++) {
				struct pb_author *d = &dst->authors[i], *s = &src->authors[i];

				if (d->n_affils || !s->n_affils)
					continue;
				d->affils = s->affils;
				d->n_affils = s->n_affils;
				s->affils = NULL;
				s->n_affils = 0;
			}
		} else if (!any_affils(dst)) {
			free_authors(dst->authors, dst->n_authors);
			dst->authors = src->authors;
			dst->n_authors = src->n_authors;
			dst->n_authors_all = src->n_authors_all;
			src->authors = NULL;
			src->n_authors = 0;
		}
	} else if (!dst->n_authors && src->n_authors) {
		dst->authors = src->authors;
		dst->n_authors = src->n_authors;
		dst->n_authors_all = src->n_authors_all;
		src->authors = NULL;
		src->n_authors = 0;
	}
}

/* id_list lookups in batches. With add_new, records not yet in out are added; otherwise only
 * existing ones are filled in. */
static enum pb_fetch_status
idlist(struct pb_http *h, const struct pb_config *cfg, const char *const *ids, size_t n_ids,
       struct pb_paperset *out, int add_new, struct pb_fetch_result *res)
{
	size_t batch = cfg->arxiv.idlist_batch > 0 ? (size_t)cfg->arxiv.idlist_batch : 100;
	struct pb_buf url = { 0 };
	size_t found = 0;
	enum pb_fetch_status st = PB_FETCH_OK;

	if (batch > MAX_PAGE_SIZE)
		batch = MAX_PAGE_SIZE;
	for (size_t at = 0; at < n_ids; at += batch) {
		size_t n = n_ids - at < batch ? n_ids - at : batch;
		struct pb_paperset got;
		struct pb_parse_result pr;
		enum pb_fetch_status s;

		pb_buf_reset(&url);
		base_url(&url, cfg->arxiv.api_url);
		pb_buf_puts(&url, "?id_list=");
		for (size_t i = 0; i < n; i++) {
			if (i)
				pb_buf_putc(&url, ',');
			pb_http_urlencode(&url, ids[at + i]);
		}
		pb_buf_printf(&url, "&max_results=%zu", n);
		pb_paperset_init(&got);
		s = get_parse(h, url.data, &got, &pr, res);
		if (s == PB_FETCH_NO_ANNOUNCEMENT) {
			/* None of these ids exists (arXiv drops unknown ids silently). */
			s = PB_FETCH_OK;
			res->status = PB_FETCH_OK;
			res->message[0] = '\0';
		}
		if (s != PB_FETCH_OK) {
			pb_paperset_free(&got);
			st = s;
			break;
		}
		for (size_t i = 0; i < got.n; i++) {
			long at_out = pb_paperset_find(out, got.v[i].id);

			if (at_out >= 0) {
				merge_meta(&out->v[at_out], &got.v[i]);
				found++;
			} else if (add_new) {
				pb_paperset_add(out, &got.v[i]);
				found++;
			}
		}
		pb_paperset_free(&got);
	}
	if (st == PB_FETCH_OK && found < n_ids)
		pb_warn("fetch.idlist", "asked=%zu found=%zu note=%s", n_ids, found,
			pb_q("arXiv returned no record for some ids"));
	pb_buf_free(&url);
	return st;
}

enum pb_fetch_status
pb_fetch_idlist(struct pb_http *h, const struct pb_config *cfg, const char *const *ids,
		size_t n_ids, struct pb_paperset *out, struct pb_fetch_result *res)
{
	memset(res, 0, sizeof *res);
	return res->status = idlist(h, cfg, ids, n_ids, out, 1, res);
}

enum pb_fetch_status
pb_fetch_search(struct pb_http *h, const struct pb_config *cfg, const char *query,
		size_t max_results, struct pb_paperset *out, struct pb_fetch_result *res)
{
	struct pb_buf url = { 0 };
	struct pb_parse_result pr;
	enum pb_fetch_status st;

	memset(res, 0, sizeof *res);
	if (max_results == 0 || max_results > MAX_PAGE_SIZE)
		max_results = MAX_PAGE_SIZE;
	base_url(&url, cfg->arxiv.api_url);
	pb_buf_puts(&url, "?search_query=");
	pb_http_urlencode(&url, query);
	pb_buf_printf(&url, "&start=0&max_results=%zu&sortBy=submittedDate&sortOrder=descending",
		      max_results);
	st = get_parse(h, url.data, out, &pr, res);
	if (st == PB_FETCH_NO_ANNOUNCEMENT) {
		/* Nothing matched: an answer, not a failure. */
		st = res->status = PB_FETCH_OK;
		res->message[0] = '\0';
	}
	pb_buf_free(&url);
	return res->status = st;
}

/* <rss_url>/<cat>+<cat>: the day's announcement for the categories. */
static void
today_url(struct pb_buf *url, const struct pb_config *cfg, const char *const *categories,
	  size_t n_categories)
{
	base_url(url, cfg->arxiv.rss_url);
	pb_buf_putc(url, '/');
	for (size_t i = 0; i < n_categories; i++) {
		if (i)
			pb_buf_putc(url, '+');
		pb_buf_puts(url, categories[i]);
	}
}

enum pb_fetch_status
pb_fetch_today_cached(const struct pb_config *cfg, struct pb_paperset *out,
		      struct pb_fetch_result *res)
{
	const char *const *cats = NULL;
	size_t n_cats = 0;
	struct pb_http_opts o;
	struct pb_http *h = NULL;
	struct pb_buf url = { 0 }, body = { 0 };
	struct pb_parse_result pr;

	memset(res, 0, sizeof *res);
	if (pick_categories(cfg, &cats, &n_cats, res))
		return res->status;
	memset(&o, 0, sizeof o);
	pb_fetch_http_opts(cfg, &o);
	if (!(h = pb_http_new(&o))) {
		set_result(res, PB_FETCH_UNAVAILABLE, "no HTTP client");
		goto out;
	}
	today_url(&url, cfg, cats, n_cats);
	if (!pb_http_cache_get(h, url.data, &body)) {
		set_result(res, PB_FETCH_UNAVAILABLE, "no announcement is cached yet");
		goto out;
	}
	memset(&pr, 0, sizeof pr);
	pb_parse_feed(body.data, body.len, url.data, out, &pr);
	from_parse(&pr, res);
out:
	pb_buf_free(&body);
	pb_buf_free(&url);
	pb_http_free(h);
	return res->status;
}

enum pb_fetch_status
pb_fetch_today(struct pb_http *h, const struct pb_config *cfg, const char *const *categories,
	       size_t n_categories, struct pb_paperset *out, struct pb_fetch_result *res)
{
	struct pb_buf url = { 0 };
	struct pb_parse_result pr;
	enum pb_fetch_status st;

	memset(res, 0, sizeof *res);
	if (pick_categories(cfg, &categories, &n_categories, res))
		return res->status;
	today_url(&url, cfg, categories, n_categories);
	st = get_parse(h, url.data, out, &pr, res);
	if (st == PB_FETCH_OK && pr.n_items >= RSS_ITEM_CAP) {
		/* rss.arxiv.org stops at 2000 items: a larger announcement is cut short. */
		pb_warn("fetch.rss", "url=%s items=%zu note=%s", pb_q(url.data), pr.n_items,
			pb_q("the feed is at arXiv's item cap and may be incomplete; fetch fewer "
			     "categories per request"));
		snprintf(res->message, sizeof res->message,
			 "the feed has %zu items, arXiv's cap: it may be incomplete", pr.n_items);
	}
	pb_buf_free(&url);
	if (st != PB_FETCH_OK || !cfg->arxiv.fill_metadata || !out->n)
		return st;

	{
		const char **ids = pb_xreallocarray(NULL, out->n, sizeof *ids);
		struct pb_fetch_result sub;
		size_t n = out->n;

		/* The ids are borrowed from the records; merging never replaces a record's id. */
		for (size_t i = 0; i < n; i++)
			ids[i] = out->v[i].id;
		memset(&sub, 0, sizeof sub);
		if (idlist(h, cfg, ids, n, out, 0, &sub) != PB_FETCH_OK) {
			/* The announcement itself is complete: a failed lookup costs only the
			 * extra fields, so it is a warning, not a failed fetch. */
			pb_warn("fetch.metadata", "error=%s", pb_q(sub.message));
			snprintf(res->message, sizeof res->message, "metadata incomplete: %.480s",
				 sub.message);
		}
		res->n_requests += sub.n_requests;
		free(ids);
	}
	return PB_FETCH_OK;
}

/* t as UTC "YYYYMMDDHHMM", the form of the API's submittedDate. */
static void
utc_minute(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, 16, "%Y%m%d%H%M", &tm) != 12)
		snprintf(out, 16, "000000000000");
}

/* The window of pb_fetch_date_window, from cal's holidays. */
static int
date_window(const struct pb_calendar *cal, const char *date, char start[16], char end[16])
{
	int64_t s, e;
	int rc = pb_cal_submission_window(cal, date, &s, &e);

	if (rc != 0)
		return rc;
	/* Both ends are inclusive: the closing cutoff's minute belongs to the next window. */
	utc_minute(s, start);
	utc_minute(e - 60, end);
	return 0;
}

int
pb_fetch_date_window(const char *date, const char *const *holidays, size_t n_holidays,
		     char start[16], char end[16])
{
	struct pb_calendar cal = { holidays, n_holidays };

	return date_window(&cal, date, start, end);
}

void
pb_fetch_date_query(struct pb_buf *q, const char *const *categories, size_t n_categories,
		    const char *start, const char *end)
{
	int many = n_categories > 1 || (n_categories == 1 &&
					 pb_category_has_classes(categories[0]));

	if (many)
		pb_buf_putc(q, '(');
	for (size_t i = 0; i < n_categories; i++) {
		pb_buf_printf(q, "%scat:%s", i ? " OR " : "", categories[i]);
		/* the bare archive too: papers from before its classes (astro-ph until 2009) */
		if (pb_category_has_classes(categories[i]))
			pb_buf_printf(q, " OR cat:%s.*", categories[i]);
	}
	if (many)
		pb_buf_putc(q, ')');
	pb_buf_printf(q, " AND submittedDate:[%s TO %s]", start, end);
}

enum pb_fetch_status
pb_fetch_date(struct pb_http *h, const struct pb_config *cfg, const char *date,
	      const char *const *categories, size_t n_categories, struct pb_paperset *out,
	      struct pb_fetch_result *res)
{
	struct pb_calendar cal;
	char ws[16], we[16];
	struct pb_buf q = { 0 }, url = { 0 };
	size_t page = cfg->arxiv.page_size > 0 ? (size_t)cfg->arxiv.page_size : 1000;
	size_t n0 = out->n;
	long start = 0, total = -1, distinct;
	int w, short_retry = 0;
	enum pb_fetch_status st = PB_FETCH_OK;

	memset(res, 0, sizeof *res);
	if (page > MAX_PAGE_SIZE)
		page = MAX_PAGE_SIZE;
	if (pick_categories(cfg, &categories, &n_categories, res))
		return res->status;
	if (!pb_date_valid(date)) {
		set_result(res, PB_FETCH_BAD_DATA, "not a date (YYYY-MM-DD): %s", date);
		return res->status;
	}
	/* The same holidays as the calendar: the config's list, or arXiv's known ones. */
	pb_calendar_init(&cal, cfg);
	if ((w = date_window(&cal, date, ws, we)) < 0) {
		set_result(res, PB_FETCH_BAD_DATA, "no time zone %s in the system's tz database "
			   "(TZDIR or /usr/share/zoneinfo)", PB_ARXIV_TZ);
		return res->status;
	}
	if (w > 0) {
		set_result(res, PB_FETCH_NO_ANNOUNCEMENT,
			   "no announcement is listed on %s (weekend or holiday)", date);
		return res->status;
	}
	pb_fetch_date_query(&q, categories, n_categories, ws, we);
	pb_info("fetch.date", "date=%s window=%s-%s query=%s", date, ws, we, pb_q(q.data));

	for (int pages = 0; pages < MAX_PAGES; pages++) {
		struct pb_paperset got;
		struct pb_parse_result pr;
		enum pb_fetch_status s;
		size_t n;

		pb_buf_reset(&url);
		base_url(&url, cfg->arxiv.api_url);
		pb_buf_puts(&url, "?search_query=");
		pb_http_urlencode(&url, q.data);
		/* Ascending submission order keeps pages stable while arXiv adds papers. */
		pb_buf_printf(&url, "&start=%ld&max_results=%zu&sortBy=submittedDate"
			      "&sortOrder=ascending", start, page);
		pb_paperset_init(&got);
		s = get_parse(h, url.data, &got, &pr, res);
		/* An empty page past the first, or a first one that announces results: arXiv
		 * answers an empty page now and then, and the short-page rule below asks again. */
		if (s == PB_FETCH_NO_ANNOUNCEMENT && (start > 0 || got.total_results > 0)) {
			res->status = s = PB_FETCH_OK;
			res->message[0] = '\0';
		}
		if (s != PB_FETCH_OK) {
			pb_paperset_free(&got);
			st = s;
			break;
		}
		if (got.total_results >= 0)
			total = got.total_results;
		n = pr.n_items;
		for (size_t i = 0; i < got.n; i++)
			pb_paperset_add(out, &got.v[i]);
		pb_paperset_free(&got);
		if (total >= 0 && start + (long)n >= total) {
			start += (long)n;
			break;
		}
		if (n < page) {
			/* arXiv sometimes answers a short or empty page before totalResults is
			 * reached; ask once more, then stop rather than loop. */
			if (short_retry++ < 1) {
				pb_warn("fetch.page", "start=%ld got=%zu total=%ld action=retry", start,
					n, total);
				continue;
			}
			start += (long)n;
			break;
		}
		short_retry = 0;
		start += (long)n;
	}
	out->total_results = total;
	/* Counted by record, not by offset: a page that repeats records of the one before moves
	 * the offset on as far, yet leaves some out. */
	distinct = (long)(out->n - n0 + res->n_skipped);
	if (st == PB_FETCH_OK) {
		if (!out->n && total > 0) {
			/* Not "no announcement": that would be recorded as the day's outcome. */
			set_result(res, PB_FETCH_UNAVAILABLE, "arXiv announced %ld results in the "
				   "window %s-%s but returned none; try again later", total, ws, we);
			st = res->status;
		} else if (!out->n) {
			set_result(res, PB_FETCH_NO_ANNOUNCEMENT, "no papers in the window %s-%s",
				   ws, we);
			st = res->status;
		} else if (total >= 0 && distinct < total) {
			pb_warn("fetch.date", "date=%s got=%ld total=%ld repeated=%ld note=%s", date,
				distinct, total, start - distinct,
				pb_q("arXiv returned fewer results than it announced"));
			snprintf(res->message, sizeof res->message,
				 "incomplete: arXiv returned %ld of %ld results%s", distinct, total,
				 start > distinct ? " (its pages repeated records)" : "");
		}
		if (!out->announce_date)
			out->announce_date = pb_xstrdup(date);
		/* The window holds first versions submitted for this announcement: each is new
		 * where its primary category was asked for, a cross-list elsewhere, as arXiv's
		 * own listing would call it. */
		for (size_t i = 0; i < out->n; i++) {
			struct pb_paper *p = &out->v[i];

			if (p->announce != PB_ANN_UNKNOWN || !p->n_categories)
				continue;
			p->announce = pb_category_in(p->categories[0], categories, n_categories)
				? PB_ANN_NEW : PB_ANN_CROSS;
		}
	}
	pb_buf_free(&url);
	pb_buf_free(&q);
	res->status = st;
	return st;
}

/* A saved response, parsed in pieces; with fn, each record goes to it as it is read. */
static enum pb_fetch_status
read_file(const char *path, pb_record_fn fn, void *ud, struct pb_paperset *out,
	  struct pb_fetch_result *res)
{
	char chunk[65536];
	struct pb_parse_result pr;
	struct pb_parser *p;
	FILE *f;
	size_t n;
	int rerr;

	memset(res, 0, sizeof *res);
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		set_result(res, PB_FETCH_UNAVAILABLE, "%s: %s", path, strerror(errno));
		return res->status;
	}
	/* Fed in pieces, so a large saved feed never sits in memory beside its records. */
	p = pb_parser_new(path);
	if (fn)
		pb_parser_set_sink(p, fn, ud);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (pb_parser_feed(p, chunk, n) < 0 && fn)
			break; /* stopped, or bad: the rest would only be skipped */
	rerr = ferror(f);
	if (f != stdin)
		fclose(f);
	if (rerr) {
		pb_parser_free(p);
		set_result(res, PB_FETCH_UNAVAILABLE, "%s: read error", path);
		return res->status;
	}
	memset(&pr, 0, sizeof pr);
	pb_parser_finish(p, out, &pr);
	pb_parser_free(p);
	return from_parse(&pr, res);
}

enum pb_fetch_status
pb_fetch_file(const char *path, struct pb_paperset *out, struct pb_fetch_result *res)
{
	return read_file(path, NULL, NULL, out, res);
}

enum pb_fetch_status
pb_fetch_file_each(const char *path, pb_record_fn fn, void *ud, struct pb_paperset *out,
		   struct pb_fetch_result *res)
{
	return read_file(path, fn, ud, out, res);
}
