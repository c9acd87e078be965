/* Getting the selected papers' full text: the state's cache first, else arXiv's HTML, else the
 * PDF, through the arXiv HTTP client (its shared gate, User-Agent, conditional GET), within a
 * byte cap per document and the run's deadline. A failure is remembered per paper version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ft_int.h"
#include "paperboy/clock.h"
#include "paperboy/fetch.h"
#include "paperboy/fetch_claim.h"
#include "paperboy/log.h"
#include "paperboy/state.h"

#define PDF_MAX_PAGES 60
/* A "failed" paper is tried again by the next day's run: a day less the hours a daily run
 * may start earlier, or reach the paper sooner (the papers before it cached), than the run
 * that failed; a full day would skip it a second day as often as not. */
#define RETRY_FAILED_S (20 * 3600)
/* A failure another machine met on a paper stands for the machines waiting for it this long
 * (they skip the paper); then what the cache remembers decides, as on one machine. */
#define CLAIM_RETRY_S 60
#define CACHE_MIN_BYTES (64ll * 1024 * 1024)
#define CACHE_BYTES_PER_PAPER (4ll * 1024 * 1024)

enum got {
	GOT_TEXT,        /* ft filled */
	GOT_NONE,        /* nothing to be had for this version: remembered */
	GOT_FAILED,      /* might work later: remembered as "failed" */
	GOT_BACKOFF,     /* the network failed (a timeout, a connection refused or reset):
			  * remembered as "failed", stop */
	GOT_HELD,        /* not the paper's doing: arXiv asks to slow down (429, 503) or
			  * denies this client (403), arXiv's name does not resolve, the run's
			  * deadline or stop came: nothing remembered (the next run asks), stop */
};

struct run {
	const struct pb_config *cfg;
	struct pb_state *st;
	struct pb_http *h;
	int64_t deadline;
	long cached, fetched, failed, skipped;
};

/* The papers of the selections, each once, best ranked first across subscribers (every
 * subscriber's first, then every second, ...), at most max. Returns the count; *out is
 * malloc'd paper indexes. */
static size_t
candidates(const struct pb_paperset *papers, const struct pb_selection *sel, size_t n_sel,
	   size_t max, size_t **out)
{
	size_t n = 0, depth = 0;
	size_t *v;
	unsigned char *seen;

	*out = NULL;
	if (!papers || !papers->n || !sel || !max)
		return 0;
	v = pb_xcalloc(max, sizeof *v);
	seen = pb_xcalloc(papers->n, 1);
	for (size_t i = 0; i < n_sel; i++)
		if (sel[i].n_hits > depth)
			depth = sel[i].n_hits;
	for (size_t r = 0; r < depth && n < max; r++)
		for (size_t i = 0; i < n_sel && n < max; i++) {
			size_t p;

			if (r >= sel[i].n_hits)
				continue;
			p = sel[i].hits[r].paper;
			if (p >= papers->n || seen[p])
				continue;
			seen[p] = 1;
			v[n++] = p;
		}
	free(seen);
	*out = v;
	return n;
}

static void
set_add(struct pb_fulltext_set *s, struct pb_fulltext *ft, size_t *cap)
{
	if (s->n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		s->v = pb_xreallocarray(s->v, *cap, sizeof *s->v);
	}
	s->v[s->n++] = *ft;
	memset(ft, 0, sizeof *ft);
}

static void
remember(struct run *r, const char *key, const char *source, const char *status,
	 const char *why)
{
	if (r->st && pb_fulltext_cache_put(r->st, key, source, status, why, why ? strlen(why) : 0,
					   (int64_t)time(NULL)) < 0)
		pb_warn("fulltext.cache_failed", "paper=%s", key);
}

/* Seconds left before the deadline, at most the per-request timeout. */
static long
time_left(const struct run *r)
{
	int64_t left = r->deadline - (int64_t)time(NULL);

	if (left > r->cfg->fulltext.timeout_s)
		left = r->cfg->fulltext.timeout_s;
	return left > 0 ? (long)left : 0;
}

/* arXiv answers a paper's HTML and PDF with 404 when it has none, never with 403 (its
 * dissemination pages: withdrawn, no HTML, no source are all 404): a 403 is arXiv denying
 * this client access, and its robots page takes requests that go on after one for an attack.
 * So a 403 ends the run's requests as a 429 does, the PDF after the HTML included. */
static int
denied(const struct pb_http_response *resp)
{
	return resp->status == 403;
}

static int
slow_down(const struct pb_http_response *resp)
{
	return resp->status == 429 || resp->status == 503 || denied(resp) || resp->not_resolved ||
	       (resp->status == 0 && !resp->too_large);
}

/* What a request that slow_down stops says of the paper: nothing when arXiv paced or denied
 * the client, its name did not resolve, the run was stopped or its deadline cut the request
 * short (a failure remembered would keep the paper from the next run, when arXiv answers
 * again: its digest would go out with the abstract alone); a timeout of its own or a broken
 * connection is remembered as a failure, as a 5xx. */
static enum got
stop_kind(const struct run *r, const struct pb_http_response *resp)
{
	if (resp->status == 429 || resp->status == 503 || denied(resp) || resp->not_resolved ||
	    pb_http_stopping(r->h) || (int64_t)time(NULL) + 2 > r->deadline)
		return GOT_HELD;
	return GOT_BACKOFF;
}

/* why for a request that failed: what the client said, and for a 403 what it means. */
static void
failed_why(char *why, size_t whylen, const char *what, const struct pb_http_response *resp,
	   const char *err)
{
	if (resp->retry_asked_s > 0)
		snprintf(why, whylen, "%s: %s (arXiv asked to retry after %ld s)", what, err,
			 resp->retry_asked_s);
	else
		snprintf(why, whylen, "%s: %s%s", what, err,
			 denied(resp) ? " (arXiv denies this client access)" : "");
}

/* GETs url within the limits. Returns 0 with resp filled, -1 (resp->status says), or -2 when
 * the run's deadline came before the request (resp zeroed). */
static int
get(struct run *r, const char *url, struct pb_http_response *resp, char *err, size_t errlen)
{
	long t = time_left(r);
	int rc;

	if (t < 2) {
		memset(resp, 0, sizeof *resp);
		snprintf(err, errlen, "the run's full-text deadline came");
		return -2;
	}
	rc = pb_http_get_capped(r->h, url, (size_t)r->cfg->fulltext.max_bytes, t, 0, resp, err,
				errlen);
	if (rc < 0)
		pb_fetch_note_denied(r->h, resp->status, url);
	/* A 429 or 503 whose Retry-After the client did not wait out: every request to arXiv
	 * (the feed, the lookups, the other machines') is held till then, as the feed's own. */
	if (rc < 0 && resp->retry_asked_s > 0)
		pb_arxiv_wait_hold(r->st, resp->retry_asked_s);
	return rc;
}

static enum got
from_pdf(struct run *r, const char *key, struct pb_fulltext *ft, char *why, size_t whylen)
{
	struct pb_http_response resp;
	struct pb_buf url = { 0 };
	char err[512];
	enum got g;
	int rc;

	pb_buf_printf(&url, "%s/%s", r->cfg->fulltext.pdf_url, key);
	if ((rc = get(r, url.data, &resp, err, sizeof err)) < 0) {
		if (rc == -2) {
			snprintf(why, whylen, "PDF: %s", err);
			g = GOT_HELD;
		} else if (resp.too_large) {
			snprintf(why, whylen, "PDF larger than %ld bytes", r->cfg->fulltext.max_bytes);
			g = GOT_NONE;
		} else if (resp.status == 404 || resp.status == 410) {
			snprintf(why, whylen, "no HTML and no PDF (HTTP %ld)", resp.status);
			g = GOT_NONE;
		} else {
			failed_why(why, whylen, "PDF", &resp, err);
			g = slow_down(&resp) ? stop_kind(r, &resp) : GOT_FAILED;
		}
		goto out;
	}
	rc = pb_fulltext_from_pdf_until(resp.body.data, resp.body.len, PDF_MAX_PAGES,
					r->deadline, ft, err, sizeof err);
	if (rc < 0) {
		/* -2: this installation cannot read PDFs, -3: the deadline came while reading;
		 * the paper is not to blame. */
		snprintf(why, whylen, "PDF: %s", err);
		g = rc <= -2 ? GOT_FAILED : GOT_NONE;
		goto out;
	}
	g = GOT_TEXT;
out:
	pb_http_response_free(&resp);
	pb_buf_free(&url);
	return g;
}

/* One paper version from the network: HTML first, the PDF when there is no usable HTML. */
static enum got
from_network(struct run *r, const char *key, struct pb_fulltext *ft, char *why, size_t whylen)
{
	struct pb_http_response resp;
	struct pb_buf url = { 0 };
	char err[512];
	enum got g;
	int rc;

	pb_buf_printf(&url, "%s/%s", r->cfg->fulltext.html_url, key);
	if ((rc = get(r, url.data, &resp, err, sizeof err)) < 0) {
		if (rc == -2) {
			snprintf(why, whylen, "HTML: %s", err);
			g = GOT_HELD;
			goto out;
		}
		if (slow_down(&resp) && !resp.too_large) {
			failed_why(why, whylen, "HTML", &resp, err);
			g = stop_kind(r, &resp);
			goto out;
		}
		if (resp.status >= 500) {
			snprintf(why, whylen, "HTML: %s", err);
			g = GOT_FAILED;
			goto out;
		}
		pb_debug("fulltext.no_html", "paper=%s status=%ld", key, resp.status);
		g = from_pdf(r, key, ft, why, whylen);
		goto out;
	}
	if (resp.body.len >= 5 && memcmp(resp.body.data, "%PDF-", 5) == 0) {
		/* Some servers answer the HTML address with the PDF itself. */
		rc = pb_fulltext_from_pdf_until(resp.body.data, resp.body.len, PDF_MAX_PAGES,
						r->deadline, ft, err, sizeof err);

		if (rc < 0) {
			snprintf(why, whylen, "PDF: %s", err);
			g = rc <= -2 ? GOT_FAILED : GOT_NONE;
		} else {
			g = GOT_TEXT;
		}
		goto out;
	}
	rc = ft_html_isolated(resp.body.data, resp.body.len, url.data, r->deadline, ft, err,
			      sizeof err);
	if (rc == 0) {
		g = GOT_TEXT;
		goto out;
	}
	if (rc <= -2) {
		/* no reader could be started, or the deadline came: the page is not to blame */
		snprintf(why, whylen, "HTML: %s", err);
		g = GOT_FAILED;
		goto out;
	}
	if (strcmp(err, "withdrawn") == 0) {
		snprintf(why, whylen, "withdrawn");
		g = GOT_NONE;
		goto out;
	}
	pb_debug("fulltext.html_unusable", "paper=%s why=%s", key, pb_q(err));
	g = from_pdf(r, key, ft, why, whylen);
out:
	pb_http_response_free(&resp);
	pb_buf_free(&url);
	return g;
}

/* From the cache: 1 with ft filled, 0 when the network should be asked, 2 when a failure
 * remembered says not to, 3 when the text there was made by another version of its reader
 * (to be read again from the network; without one, preview, it is still better than none
 * and 1 is returned). */
static int
from_cache(struct run *r, const char *key, struct pb_fulltext *ft)
{
	struct pb_fulltext_row row;
	int rc = 0, got;

	if (!r->st)
		return 0;
	got = pb_fulltext_cache_get(r->st, key, &row);
	if (got <= 0)
		return 0;
	if (strcmp(row.status, "ok") == 0) {
		if (!row.body || pb_fulltext_from_json(row.body, row.bytes, ft) != 0) {
			pb_warn("fulltext.cache_bad", "paper=%s", key);
		} else if (ft->reader != pb_fulltext_reader(ft->source) && r->h) {
			pb_info("fulltext.stale", "paper=%s source=%s reader=%d now=%d", key,
				pb_q(ft->source ? ft->source : ""), ft->reader,
				pb_fulltext_reader(ft->source));
			pb_fulltext_clear(ft);
			rc = 3;
		} else {
			rc = 1;
		}
	} else if (strcmp(row.status, "failed") != 0 ||
		   (int64_t)time(NULL) - row.fetched < RETRY_FAILED_S) {
		pb_debug("fulltext.cache_status", "paper=%s status=%s why=%s", key, row.status,
			 pb_q(row.body ? row.body : ""));
		rc = 2;
	}
	free(row.body);
	return rc;
}

/* Several machines on one state (state.machine named): one of them fetches a paper's full
 * text, under a claim with a lease (pb_fetch_claim_take, "fulltext:" and the paper's key;
 * two request timeouts and a half-minute, at least two minutes);
 * the others wait for what it stores in the shared cache, so arXiv sees one request per paper
 * as with one machine. Returns CLAIM_FETCH when this machine is to fetch (the claim is then
 * its own, or the state could not say: fetching twice loses nothing), 1 with ft filled from
 * the cache, 2 when the paper is to go without its full text this run (the other machine
 * failed, or is still at it when the deadline comes). Bounded by the run's deadline. */
#define CLAIM_LEASE_MIN_S 120
#define CLAIM_POLL_MS 200
#define CLAIM_FETCH 0
#define CLAIM_MINE 3

static int
shared_claim(struct run *r, const char *key, struct pb_fulltext *ft)
{
	/* long enough for the HTML and then the PDF, each within the request timeout */
	int lease = 2 * r->cfg->fulltext.timeout_s + 30;
	char ck[256];

	if (lease < CLAIM_LEASE_MIN_S)
		lease = CLAIM_LEASE_MIN_S;
	if (!r->st || !*pb_state_machine(r->st))
		return CLAIM_FETCH;
	snprintf(ck, sizeof ck, "fulltext:%s", key);
	for (;;) {
		int64_t now = (int64_t)time(NULL);
		int c = pb_fetch_claim_take(r->st, ck, now, lease, CLAIM_RETRY_S, -1);
		int got;

		if (c < 0) {
			pb_warn("fulltext.claim_failed", "paper=%s error=%s", key,
				pb_q(pb_state_errmsg(r->st)));
			return CLAIM_FETCH;
		}
		if (c == PB_FETCH_CLAIM_MINE)
			return CLAIM_MINE;
		got = from_cache(r, key, ft);
		if (got == 1 || got == 2) {
			pb_debug("fulltext.shared", "paper=%s from=state", key);
			return got;
		}
		/* what another machine stored is of an earlier reader: read it again here */
		if (got == 3 && c != PB_FETCH_CLAIM_WAIT)
			return CLAIM_FETCH;
		if (c != PB_FETCH_CLAIM_WAIT || now + 2 > r->deadline) {
			pb_info("fulltext.shared_none", "paper=%s why=%s", key,
				c == PB_FETCH_CLAIM_WAIT ? "another machine is still fetching it"
							 : "another machine found nothing");
			return 2;
		}
		{
			struct timespec ts = { 0, CLAIM_POLL_MS * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
}

static long
collect(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
	const struct pb_paperset *papers, const struct pb_selection *sel, size_t n_sel,
	int64_t deadline, struct pb_fulltext_set *out)
{
	struct run r = { cfg, st, h, 0, 0, 0, 0, 0 };
	size_t *idx = NULL, n, cap = 0, i;
	int64_t t0 = pb_mono_ms(), now = (int64_t)time(NULL);
	int stopped = 0;

	memset(out, 0, sizeof *out);
	r.deadline = now + cfg->fulltext.deadline_s;
	if (deadline > 0 && deadline < r.deadline)
		r.deadline = deadline;
	if (st && h) {
		int64_t max = (int64_t)cfg->fulltext.max_papers * CACHE_BYTES_PER_PAPER;

		if (pb_fulltext_cache_prune(st, now - (int64_t)cfg->fulltext.cache_days * 86400,
					    max > CACHE_MIN_BYTES ? max : CACHE_MIN_BYTES) < 0)
			pb_warn("fulltext.prune_failed", "error=%s", pb_q(pb_state_errmsg(st)));
	}
	n = candidates(papers, sel, n_sel, (size_t)cfg->fulltext.max_papers, &idx);
	if (n && pb_http_denied(h)) {
		/* arXiv denied this client earlier in the run (the feed, the lookups): what the
		 * cache has is used, nothing is asked. */
		pb_info("fulltext.skipped", "papers=%zu note=%s", n,
			pb_q("arXiv denied this client access (403) earlier in this run: only "
			     "the cached full text is used"));
		stopped = 1;
	}
	if (n && h && !stopped) {
		int64_t left = pb_arxiv_wait_left(st);

		if (left > 0) {
			char why[160], note[256];

			/* A Retry-After answered to the feed, the lookups or the full text, here
			 * or on another machine: asking sooner is what arXiv takes for abuse. */
			pb_arxiv_wait_say(left, why, sizeof why);
			snprintf(note, sizeof note, "%s: only the cached full text is used", why);
			pb_info("fulltext.skipped", "papers=%zu wait_s=%lld note=%s", n,
				(long long)left, pb_q(note));
			stopped = 1;
		}
	}
	for (i = 0; i < n; i++) {
		const struct pb_paper *p = &papers->v[idx[i]];
		struct pb_fulltext ft;
		struct pb_buf key = { 0 };
		char why[600] = "";
		int64_t t1 = pb_mono_ms();
		enum got g;
		int c, claim;

		memset(&ft, 0, sizeof ft);
		if (p->version > 0)
			pb_buf_printf(&key, "%sv%d", p->id, p->version);
		else
			pb_buf_puts(&key, p->id);
		c = from_cache(&r, key.data, &ft);
		if (c == 1) {
			free(ft.paper_key);
			ft.paper_key = pb_buf_detach(&key);
			set_add(out, &ft, &cap);
			r.cached++;
			continue;
		}
		if (c == 2 || !h) {
			r.skipped++;
			pb_buf_free(&key);
			continue;
		}
		if (stopped || (int64_t)time(NULL) + 2 > r.deadline) {
			if (!stopped)
				pb_warn("fulltext.deadline", "left=%zu deadline_s=%d (these papers go "
					"out without their full text)", n - i,
					cfg->fulltext.deadline_s);
			stopped = 1;
			r.skipped++;
			pb_buf_free(&key);
			continue;
		}
		claim = shared_claim(&r, key.data, &ft);
		if (claim == 1) {
			free(ft.paper_key);
			ft.paper_key = pb_buf_detach(&key);
			set_add(out, &ft, &cap);
			r.cached++;
			continue;
		}
		if (claim == 2) {
			r.skipped++;
			pb_buf_free(&key);
			continue;
		}
		g = from_network(&r, key.data, &ft, why, sizeof why);
		switch (g) {
		case GOT_TEXT: {
			char *json;

			free(ft.paper_key);
			ft.paper_key = pb_xstrdup(key.data);
			json = pb_fulltext_to_json(&ft);
			if (st && pb_fulltext_cache_put(st, key.data, ft.source, "ok", json,
							strlen(json), (int64_t)time(NULL)) < 0)
				pb_warn("fulltext.cache_failed", "paper=%s", key.data);
			pb_info("fulltext.got", "paper=%s source=%s sections=%zu figures=%zu "
				"tables=%zu links=%zu bytes=%zu ms=%lld", key.data, ft.source,
				ft.n_sections, ft.n_figures, ft.n_tables, ft.n_links, strlen(json),
				(long long)(pb_mono_ms() - t1));
			free(json);
			set_add(out, &ft, &cap);
			r.fetched++;
			break;
		}
		case GOT_NONE:
			remember(&r, key.data, "", strcmp(why, "withdrawn") == 0 ? "withdrawn" :
				 strncmp(why, "no HTML and no PDF", 18) == 0 ? "missing" : "unusable",
				 why);
			pb_info("fulltext.none", "paper=%s why=%s", key.data, pb_q(why));
			r.failed++;
			break;
		case GOT_FAILED:
			remember(&r, key.data, "", "failed", why);
			pb_warn("fulltext.failed", "paper=%s why=%s", key.data, pb_q(why));
			r.failed++;
			break;
		case GOT_BACKOFF:
			remember(&r, key.data, "", "failed", why);
			pb_warn("fulltext.backoff", "paper=%s why=%s (no more full text this run)",
				key.data, pb_q(why));
			r.failed++;
			stopped = 1;
			break;
		case GOT_HELD:
			pb_warn("fulltext.backoff", "paper=%s why=%s (no more full text this run; "
				"the paper is asked again at the next)", key.data, pb_q(why));
			r.failed++;
			stopped = 1;
			break;
		}
		if (claim == CLAIM_MINE) {
			char ck[256];

			/* The outcome is in the cache (or remembered) now, for the others. */
			snprintf(ck, sizeof ck, "fulltext:%s", key.data);
			if (pb_fetch_claim_finish(st, ck, g == GOT_TEXT || g == GOT_NONE, NULL, 0, 0,
						  g == GOT_TEXT ? NULL : why) < 0)
				pb_warn("fulltext.claim_failed", "paper=%s error=%s", key.data,
					pb_q(pb_state_errmsg(st)));
		}
		pb_fulltext_clear(&ft);
		pb_buf_free(&key);
	}
	free(idx);
	if (n)
		pb_info("fulltext.done", "papers=%zu cached=%ld fetched=%ld failed=%ld skipped=%ld "
			"ms=%lld", n, r.cached, r.fetched, r.failed, r.skipped,
			(long long)(pb_mono_ms() - t0));
	return (long)out->n;
}

long
pb_fulltext_fetch(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		  const struct pb_paperset *papers, const struct pb_selection *sel, size_t n_sel,
		  int64_t deadline, struct pb_fulltext_set *out)
{
	/* the papers' host has a spacing of its own: arxiv.org's robots.txt asks 15 s */
	pb_http_set_interval(h, cfg->fulltext.html_url, cfg->fulltext.request_interval_ms);
	pb_http_set_interval(h, cfg->fulltext.pdf_url, cfg->fulltext.request_interval_ms);
	return collect(cfg, st, h, papers, sel, n_sel, deadline, out);
}

long
pb_fulltext_cached(const struct pb_config *cfg, struct pb_state *st,
		   const struct pb_paperset *papers, const struct pb_selection *sel, size_t n_sel,
		   struct pb_fulltext_set *out)
{
	return collect(cfg, st, NULL, papers, sel, n_sel, 0, out);
}
