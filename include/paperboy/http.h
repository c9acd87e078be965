/* The HTTP client every network stage uses (libcurl easy interface), with arXiv's rules of use:
 * one request at a time, a minimum spacing per host, retries with backoff and jitter that honour
 * Retry-After, conditional GET through a small on-disk validator cache. */
#ifndef PAPERBOY_HTTP_H
#define PAPERBOY_HTTP_H

#include <signal.h>
#include <stddef.h>

#include <curl/curl.h>

#include "paperboy/buf.h"

struct pb_http_opts {
	const char *user_agent;      /* required */
	const char *ca_file;         /* NULL = libcurl default */
	const char *accept;          /* Accept header of every GET; NULL = libcurl's */
	long timeout_s;              /* whole transfer; default 60 */
	long connect_timeout_s;      /* default 15 */
	long max_redirects;          /* default 5 */
	long min_interval_ms;        /* spacing between requests to the same host; 0 = none */
	int max_retries;             /* retries after the first attempt; 0 = none, < 0 = 5 */
	long backoff_base_ms;        /* first backoff; default 2000, doubled each retry, jittered */
	long backoff_max_ms;         /* cap; default 120000 */
	const char *cache_dir;       /* ETag/Last-Modified + body cache for conditional GET; NULL = off */
	long cache_max_age_s;        /* cache entries older than this are pruned; 0 = 7 days */
	const volatile sig_atomic_t *stop;  /* when it points at non-zero (a signal handler set it),
				      * waits for spacing or backoff end at once, a transfer in
				      * flight is aborted (within a second), and the request fails
				      * with "stopped" */
	char cache_dir_buf[1024];    /* storage a helper (pb_fetch_http_opts) may point cache_dir at;
				      * pb_http_new copies, so it need only live until then */
};

struct pb_http_response {
	long status;                 /* final HTTP status, 0 when no response */
	struct pb_buf body;          /* decoded body (gzip handled) */
	int from_cache;              /* 1 when the server said 304 and body came from the cache */
	int attempts;                /* how many requests were made */
	char content_type[128];
	long retry_after_s;          /* last Retry-After seen, -1 if none */
	long retry_asked_s;          /* the request failed on a 429 or 503 whose Retry-After was
				      * not waited out (beyond the cap, or no retry left): its
				      * seconds, for the caller's schedule; else 0 */
	int too_large;               /* 1 when the answer was cut off at the byte cap */
	int not_resolved;            /* 1 when the host or proxy name did not resolve (not
				      * retried: reported at once) */
};

struct pb_http;  /* opaque client */

/* Creates a client; the options are copied. Returns NULL only on libcurl init failure. */
/* libcurl's process-wide set-up, once (pb_http_new does it; so must a thread's first user of
 * libcurl that is not started after one). 0, or -1. */
int pb_http_global_init(void);
struct pb_http *pb_http_new(const struct pb_http_opts *opts);
void pb_http_free(struct pb_http *h);        /* accepts NULL */
/* Requests to url's host are spaced by ms instead of the options' min_interval_ms (arxiv.org's
 * robots.txt asks 15 s of a robot reading papers; arXiv's API 3 s). */
void pb_http_set_interval(struct pb_http *h, const char *url, long ms);

/* A caller's work while a request of h is in progress (e.g. renewing a claim): called from
 * the requesting thread at least once a second while the request waits (spacing, backoff) or
 * transfers, so it must be cheap or limit itself. Returning non-zero gives the request up as a
 * stop would: it fails at once, its error saying "abandoned". */
typedef int (*pb_http_tick_fn)(void *ud);
/* Sets h's tick (fn NULL: none) for the requests that follow; pb_http_get_tick reads it, so
 * a caller can put back the one it replaced. */
void pb_http_set_tick(struct pb_http *h, pb_http_tick_fn fn, void *ud);
void pb_http_get_tick(const struct pb_http *h, pb_http_tick_fn *fn, void **ud);
/* A caller's reader of the answers' header lines (a model's x-ratelimit-* and x-should-retry,
 * pb_llm_wait_header), for the requests of h that follow (fn NULL: none): called with each
 * line as libcurl hands it (CRLF included, not NUL-terminated), the status line of every
 * answer too (a redirect's, a 100 Continue's), so that it can tell the last answer's. */
typedef void (*pb_http_header_fn)(void *ud, const char *line, size_t len);
void pb_http_set_header_fn(struct pb_http *h, pb_http_header_fn fn, void *ud);
/* 1 when h's stop (pb_http_opts.stop) is set, so that a caller waiting between requests ends
 * its wait as the requests would; else 0. */
int pb_http_stopping(const struct pb_http *h);
/* h's stop (pb_http_opts.stop), so that a client made for the same run (another endpoint's,
 * with its own options) stops with it; NULL when h is NULL or has none. */
const volatile sig_atomic_t *pb_http_stop_flag(const struct pb_http *h);
/* Sleeps ms in slices of at most 200 ms, ending early when h's stop flag is set (or its tick
 * abandons the work): a wait a server asked for ends within a fraction of a second of a
 * SIGTERM. 0, or -1 when stopped. */
int pb_http_sleep(struct pb_http *h, int64_t ms);

/* A mark that the service denied this client (arXiv's 403: pb_fetch_note_denied), kept for
 * the client's life so that its callers make no more requests to that service. The client
 * itself never looks at it: a model's endpoint asked through the same client is not
 * concerned. pb_http_denied returns 1 once marked, else 0 (also for NULL). */
void pb_http_mark_denied(struct pb_http *h);
int pb_http_denied(const struct pb_http *h);

/* GET url. Retries network errors (but a host or proxy name that does not resolve), 5xx (but
 * 501, 505) and 429, waiting the larger of the
 * jittered exponential backoff and Retry-After; a Retry-After beyond backoff_max_ms (or an
 * hour) is not waited for: the request fails at once saying so (resp->retry_asked_s). Waits the host's spacing
 * before each request (measured from the end of the previous one, also across processes when
 * cache_dir is set). 4xx other than 429 are final. Returns 0 when a response with status < 400 arrived (resp
 * filled; a 304 is turned into the cached 200 body), -1 otherwise with err filled (resp->status
 * and body still hold the last answer, e.g. arXiv's 400 error feed). Caller frees resp with
 * pb_http_response_free. */
int pb_http_get(struct pb_http *h, const char *url, struct pb_http_response *resp,
		char *err, size_t errlen);

/* GET url as pb_http_get does, with limits of its own for large documents (full text): an
 * answer longer than max_bytes (> 0) is cut off and the request fails at once
 * (resp->too_large, not retried), the transfer may take timeout_s seconds (> 0; else the
 * client's), max_retries (>= 0; -1 = the client's) replaces the client's retries. Answers
 * larger than 4 MB are not kept in the conditional-GET cache. */
int pb_http_get_capped(struct pb_http *h, const char *url, size_t max_bytes, long timeout_s,
		       int max_retries, struct pb_http_response *resp, char *err,
		       size_t errlen);

/* POST a body (JSON when content_type is NULL) with extra headers (NULL-terminated list, may be
 * NULL). Retries like pb_http_get except that non-idempotent callers may pass max_retries = 0
 * to override (-1 = client default). timeout_s > 0 overrides the client timeout. With
 * max_retries 0 (here or pb_http_get_capped's) a 429 or 5xx is the caller's to wait out or to
 * report: the client logs no http.giveup for it. */
int pb_http_post(struct pb_http *h, const char *url, const char *content_type,
		 const char *body, size_t len, const char *const *headers, int max_retries,
		 long timeout_s, struct pb_http_response *resp, char *err, size_t errlen);

void pb_http_response_free(struct pb_http_response *resp);  /* accepts NULL */

/* The body the cache keeps for url (from its last 200 with a validator), appended to body,
 * without a request. Returns 1 found, 0 not cached (or no cache_dir). */
int pb_http_cache_get(struct pb_http *h, const char *url, struct pb_buf *body);

/* Applies the shared settings (User-Agent, CA file, TLS verification on, timeouts, redirects,
 * gzip, no signals, http and https only) to an easy handle; every easy handle of the program
 * starts here, the delivery module's multi interface and the SMTP sessions included. */
void pb_http_setup_easy(CURL *easy, const struct pb_http_opts *opts);

enum pb_proto {
	PB_PROTO_HTTP,    /* http and https */
	PB_PROTO_SMTP,    /* smtp and smtps */
};
/* Limits the schemes easy may use to those of which, and its redirects to http and https: the
 * one place libcurl's CURLOPT_(REDIR_)PROTOCOLS(_STR) are set. pb_http_setup_easy applies
 * PB_PROTO_HTTP; an SMTP session calls this again with PB_PROTO_SMTP. */
void pb_http_limit_protocols(CURL *easy, enum pb_proto which);

/* Parses a Retry-After value (delta-seconds or an HTTP date). Returns seconds >= 0 or -1. */
long pb_http_parse_retry_after(const char *value, long now);

/* What a server said, for an error message: the first non-blank line of s[0..len), in double
 * quotes, cut at max bytes (then "..." follows), with control characters, quotes,
 * backslashes and bytes that are not UTF-8 escaped (\n, \", \xNN), and the code points
 * pb_char_unsafe names (U+202E, U+2028, ...) as \uXXXX, appended to b. */
void pb_http_quote_reply(struct pb_buf *b, const char *s, size_t len, size_t max);

/* Percent-encodes s for a query string into b. */
void pb_http_urlencode(struct pb_buf *b, const char *s);

/* The cache file name for url (16 hex digits of a 64-bit FNV-1a hash, then ".cache") into out
 * (n >= 24). The entry itself records its URL, so a collision is only a miss. */
void pb_http_cache_name(const char *url, char *out, size_t n);

/* When line (one response header line, as libcurl's header callback hands it, CRLF or not) is
 * header name (case-insensitive), copies its value without surrounding blanks into out and
 * returns 1. Returns 0 when it is another header, or when the value does not fit in outlen
 * or holds control characters (such a value is ignored, never cut). */
int pb_http_header_value(const char *line, size_t len, const char *name, char *out,
			 size_t outlen);

#endif
