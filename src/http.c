/* The one HTTP client: libcurl easy interface, one request at a time, arXiv's rules of use
 * (spacing per host, retries with backoff + jitter that honour Retry-After, conditional GET). */
#include "paperboy/clock.h"
#include "paperboy/http.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/log.h"

/* A body larger than this is refused: no arXiv answer comes near it, a runaway server might. */
#define MAX_BODY (256u * 1024u * 1024u)
#define CAPPED_STORE_MAX (4u * 1024u * 1024u)
/* Retry-After beyond this many seconds is not waited for inside one fetch, whatever the
 * client's backoff cap: the caller (the daemon's schedule) retries later instead. */
#define RETRY_AFTER_HARD_CAP_S 3600L
#define CACHE_MAGIC "paperboy-http-cache 1"
#define CACHE_MAX_AGE_S (7L * 86400L)   /* default age at which cached answers are dropped */

struct host_slot {
	char *host;                 /* "host:port" */
	int64_t last_ms;            /* monotonic time the last request to it ended; 0 = never */
	long interval_ms;           /* its spacing (pb_http_set_interval); -1: min_interval_ms */
};

struct pb_http {
	CURL *easy;
	struct pb_http_opts o;      /* strings below are owned copies */
	struct host_slot *hosts;
	size_t n_hosts;
	uint64_t rng;
	int cache_ok;               /* -1 unusable (warned once), 0 not yet created, 1 ready */
	pb_http_tick_fn tick;       /* pb_http_set_tick's, or NULL */
	void *tick_ud;
	pb_http_header_fn header_fn; /* pb_http_set_header_fn's, or NULL */
	void *header_ud;
	int abandoned;              /* the tick asked the request in progress to end */
	int denied;                 /* pb_http_mark_denied: a caller's mark, read by callers */
};

/* What the header callback collects for the response in progress. */
struct hdrs {
	char etag[256];
	char last_modified[64];
	char retry_after[64];
	char content_type[128];
	pb_http_header_fn fn;        /* the caller's reader of every line, or NULL */
	void *ud;
};

struct sink {
	struct pb_buf *body;
	size_t max;                  /* bytes of body accepted */
	int too_big;
};

struct cache_entry {
	char etag[256];
	char last_modified[64];
	char content_type[128];
	struct pb_buf body;
};

/* Whether the request in progress is to end: a stop request, or the caller's tick (asked here,
 * so at every slice of a wait and every progress call of a transfer) gave it up. */
static int
stopped(struct pb_http *h)
{
	if (pb_http_stopping(h))
		return 1;
	if (h->tick && !h->abandoned && h->tick(h->tick_ud) != 0)
		h->abandoned = 1;
	return h->abandoned;
}

/* The word for a request that stopped(). */
static const char *
stop_word(const struct pb_http *h)
{
	return h->abandoned && !pb_http_stopping(h) ? "abandoned" : "stopped";
}

/* Sleeps ms in slices, so that a stop request ends a long backoff within a fraction of a
 * second. Returns -1 when stopped. */
int
pb_http_sleep(struct pb_http *h, int64_t ms)
{
	int64_t end = pb_mono_ms() + ms, left;

	while ((left = end - pb_mono_ms()) > 0) {
		struct timespec ts;

		if (stopped(h))
			return -1;
		if (left > 200)
			left = 200;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
	return stopped(h) ? -1 : 0;
}

/* libcurl's progress callback: a stop request aborts the transfer in flight (libcurl calls it
 * at least once a second, also while resolving and connecting). */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	    curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stopped(arg) ? 1 : 0;
}

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: jitter only needs to differ between clients, not be unpredictable. */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static char *
dup_or_null(const char *s)
{
	return s ? pb_xstrdup(s) : NULL;
}

/* curl_global_init is process-wide by contract, and not safe beside another thread's use of
 * libcurl: called once, before the first handle and before any second thread. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_ok;

static void
global_init(void)
{
	global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int
pb_http_global_init(void)
{
	pthread_once(&global_once, global_init);
	return global_ok ? 0 : -1;
}

struct pb_http *
pb_http_new(const struct pb_http_opts *opts)
{
	struct pb_http *h;

	if (pb_http_global_init() < 0)
		return NULL;
	h = pb_xcalloc(1, sizeof *h);
	h->easy = curl_easy_init();
	if (!h->easy) {
		free(h);
		return NULL;
	}
	h->o = *opts;
	h->o.user_agent = dup_or_null(opts->user_agent ? opts->user_agent : "paperboy");
	h->o.ca_file = dup_or_null(opts->ca_file);
	h->o.accept = opts->accept && *opts->accept ? pb_xstrdup(opts->accept) : NULL;
	h->o.cache_dir = opts->cache_dir && *opts->cache_dir ? pb_xstrdup(opts->cache_dir) : NULL;
	if (h->o.timeout_s <= 0)
		h->o.timeout_s = 60;
	if (h->o.connect_timeout_s <= 0)
		h->o.connect_timeout_s = 15;
	if (h->o.max_redirects <= 0)
		h->o.max_redirects = 5;
	if (h->o.min_interval_ms < 0)
		h->o.min_interval_ms = 0;
	if (h->o.max_retries < 0)
		h->o.max_retries = 5;
	if (h->o.backoff_base_ms <= 0)
		h->o.backoff_base_ms = 2000;
	if (h->o.backoff_max_ms <= 0)
		h->o.backoff_max_ms = 120000;
	h->rng = (uint64_t)pb_wall_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)h;
	if (!h->rng)
		h->rng = 0x9E3779B97F4A7C15ULL;
	return h;
}

void
pb_http_set_tick(struct pb_http *h, pb_http_tick_fn fn, void *ud)
{
	h->tick = fn;
	h->tick_ud = ud;
}

void
pb_http_set_header_fn(struct pb_http *h, pb_http_header_fn fn, void *ud)
{
	h->header_fn = fn;
	h->header_ud = ud;
}

void
pb_http_get_tick(const struct pb_http *h, pb_http_tick_fn *fn, void **ud)
{
	*fn = h->tick;
	*ud = h->tick_ud;
}

int
pb_http_stopping(const struct pb_http *h)
{
	return h->o.stop && *h->o.stop;
}

const volatile sig_atomic_t *
pb_http_stop_flag(const struct pb_http *h)
{
	return h ? h->o.stop : NULL;
}

void
pb_http_mark_denied(struct pb_http *h)
{
	if (h)
		h->denied = 1;
}

int
pb_http_denied(const struct pb_http *h)
{
	return h && h->denied;
}

void
pb_http_free(struct pb_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->easy);
	for (size_t i = 0; i < h->n_hosts; i++)
		free(h->hosts[i].host);
	free(h->hosts);
	free((char *)h->o.user_agent);
	free((char *)h->o.ca_file);
	free((char *)h->o.accept);
	free((char *)h->o.cache_dir);
	free(h);
}

void
pb_http_response_free(struct pb_http_response *resp)
{
	if (!resp)
		return;
	pb_buf_free(&resp->body);
}

void
pb_http_setup_easy(CURL *easy, const struct pb_http_opts *opts)
{
	curl_easy_setopt(easy, CURLOPT_USERAGENT, opts->user_agent ? opts->user_agent : "paperboy");
	if (opts->ca_file && *opts->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, opts->ca_file);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, opts->timeout_s > 0 ? opts->timeout_s : 60L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT,
			 opts->connect_timeout_s > 0 ? opts->connect_timeout_s : 15L);
	/* A stalled peer is noticed long before the whole-transfer timeout. */
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, opts->max_redirects > 0 ? opts->max_redirects : 5L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	pb_http_limit_protocols(easy, PB_PROTO_HTTP);
}

void
pb_http_limit_protocols(CURL *easy, enum pb_proto which)
{
	/* A URL from a config file or a redirect never reaches file://, ftp:// or the like. */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR,
			 which == PB_PROTO_SMTP ? "smtp,smtps" : "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
			 which == PB_PROTO_SMTP ? (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS)
						: (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct hdrs *hd = arg;
	size_t len = size * nmemb;

	if (hd->fn)
		hd->fn(hd->ud, data, len);
	/* A new status line starts a new response (after a redirect or 100 Continue). */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		pb_http_header_fn fn = hd->fn;
		void *ud = hd->ud;

		memset(hd, 0, sizeof *hd);
		hd->fn = fn;
		hd->ud = ud;
		return len;
	}
	if (!pb_http_header_value(data, len, "ETag", hd->etag, sizeof hd->etag) &&
	    !pb_http_header_value(data, len, "Last-Modified", hd->last_modified,
				  sizeof hd->last_modified) &&
	    !pb_http_header_value(data, len, "Retry-After", hd->retry_after,
				  sizeof hd->retry_after))
		pb_http_header_value(data, len, "Content-Type", hd->content_type,
				     sizeof hd->content_type);
	return len;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t len = size * nmemb;

	if (s->body->len + len > s->max) {
		s->too_big = 1;
		return 0;
	}
	pb_buf_append(s->body, data, len);
	return len;
}

/* "host:port" of url, or "" when it cannot be parsed (then no spacing applies, and curl
 * reports the bad URL itself). */
static void
url_host(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;

	out[0] = '\0';
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s:%s", host, port);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* The URL as it may be logged: no user name or password (secrets in paths, such as a bot
 * token, are masked by the log module once registered). */
static void
url_for_log(const char *url, struct pb_buf *b)
{
	CURLU *u = curl_url();
	char *s = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		curl_url_set(u, CURLUPART_USER, NULL, 0);
		curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
		if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
			pb_buf_puts(b, s);
	}
	if (!b->len)
		pb_buf_puts(b, "(unparseable url)");
	curl_free(s);
	curl_url_cleanup(u);
}

/* Each day's id_list and query URLs differ, so without pruning the cache would only grow:
 * entries (and stale leftovers of interrupted writes) older than the limit are removed. */
static void
prune_cache(struct pb_http *h)
{
	long max_age = h->o.cache_max_age_s > 0 ? h->o.cache_max_age_s : CACHE_MAX_AGE_S;
	time_t now = time(NULL);
	struct pb_buf p = { 0 };
	struct dirent *de;
	DIR *d = opendir(h->o.cache_dir);
	size_t removed = 0;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!strstr(de->d_name, ".cache") && !strstr(de->d_name, ".last"))
			continue;
		pb_buf_reset(&p);
		pb_buf_printf(&p, "%s/%s", h->o.cache_dir, de->d_name);
		if (stat(p.data, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > max_age &&
		    unlink(p.data) == 0)
			removed++;
	}
	closedir(d);
	pb_buf_free(&p);
	if (removed)
		pb_info("http.cache", "dir=%s pruned=%zu", pb_q(h->o.cache_dir), removed);
}

static int
ensure_cache_dir(struct pb_http *h)
{
	const char *d = h->o.cache_dir;
	struct pb_buf p = { 0 };

	if (!d || h->cache_ok < 0)
		return -1;
	if (h->cache_ok > 0)
		return 0;
	/* mkdir -p, private: cached answers may be the only copy of a day's feed. */
	for (const char *s = d + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			pb_buf_reset(&p);
			pb_buf_append(&p, d, (size_t)(s - d));
			if (mkdir(p.data, 0700) == -1 && errno != EEXIST) {
				pb_warn("http.cache", "dir=%s error=%s action=disabled", pb_q(d),
					pb_q(strerror(errno)));
				h->cache_ok = -1;
				pb_buf_free(&p);
				return -1;
			}
			if (!*s)
				break;
		}
	}
	pb_buf_free(&p);
	h->cache_ok = 1;
	prune_cache(h);
	return 0;
}

static void
cache_path(const struct pb_http *h, const char *name, struct pb_buf *out)
{
	pb_buf_reset(out);
	pb_buf_printf(out, "%s/%s", h->o.cache_dir, name);
}

/* Reads the entry for url; returns 0 when a valid one for exactly this URL exists. */
static int
cache_load(struct pb_http *h, const char *url, struct cache_entry *ce)
{
	char name[32];
	struct pb_buf path = { 0 }, raw = { 0 };
	char chunk[65536];
	FILE *f = NULL;
	size_t n;
	int rc = -1;
	const char *p, *end, *body;
	int url_ok = 0;

	memset(ce, 0, sizeof *ce);
	if (!h->o.cache_dir)
		return -1;
	pb_http_cache_name(url, name, sizeof name);
	cache_path(h, name, &path);
	f = fopen(path.data, "rb");
	if (!f)
		goto out;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&raw, chunk, n);
	if (ferror(f) || !raw.len)
		goto out;
	p = raw.data;
	end = raw.data + raw.len;
	body = NULL;
	/* Header lines "key value" up to an empty line, then the body verbatim. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll;

		if (!nl)
			goto out;
		ll = (size_t)(nl - p);
		if (ll == 0) {
			body = nl + 1;
			break;
		}
		if (p == raw.data) {
			if (ll != strlen(CACHE_MAGIC) || memcmp(p, CACHE_MAGIC, ll) != 0)
				goto out;
		} else if (ll > 4 && memcmp(p, "url ", 4) == 0) {
			url_ok = ll - 4 == strlen(url) && memcmp(p + 4, url, ll - 4) == 0;
		} else if (ll > 5 && memcmp(p, "etag ", 5) == 0 && ll - 5 < sizeof ce->etag) {
			memcpy(ce->etag, p + 5, ll - 5);
		} else if (ll > 14 && memcmp(p, "last-modified ", 14) == 0 &&
			   ll - 14 < sizeof ce->last_modified) {
			memcpy(ce->last_modified, p + 14, ll - 14);
		} else if (ll > 13 && memcmp(p, "content-type ", 13) == 0 &&
			   ll - 13 < sizeof ce->content_type) {
			memcpy(ce->content_type, p + 13, ll - 13);
		}
		p = nl + 1;
	}
	if (!body || !url_ok || (!ce->etag[0] && !ce->last_modified[0]))
		goto out;
	pb_buf_append(&ce->body, body, (size_t)(end - body));
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc != 0)
		pb_buf_free(&ce->body);
	pb_buf_free(&raw);
	pb_buf_free(&path);
	return rc;
}

int
pb_http_cache_get(struct pb_http *h, const char *url, struct pb_buf *body)
{
	struct cache_entry ce;

	if (cache_load(h, url, &ce) != 0)
		return 0;
	pb_buf_append(body, ce.body.data ? ce.body.data : "", ce.body.len);
	pb_buf_free(&ce.body);
	return 1;
}

/* Writes the entry through a temporary file and rename, so a reader never sees half of one. */
static void
cache_store(struct pb_http *h, const char *url, const struct hdrs *hd, const struct pb_buf *body)
{
	char name[32];
	struct pb_buf path = { 0 }, tmp = { 0 }, head = { 0 };
	FILE *f = NULL;
	int fd = -1, ok = 0;

	if (!h->o.cache_dir || (!hd->etag[0] && !hd->last_modified[0]) || ensure_cache_dir(h))
		return;
	if (strchr(url, '\n'))
		return;
	pb_http_cache_name(url, name, sizeof name);
	cache_path(h, name, &path);
	pb_buf_printf(&tmp, "%s.tmp.%ld", path.data, (long)getpid());
	pb_buf_printf(&head, "%s\nurl %s\n", CACHE_MAGIC, url);
	if (hd->etag[0])
		pb_buf_printf(&head, "etag %s\n", hd->etag);
	if (hd->last_modified[0])
		pb_buf_printf(&head, "last-modified %s\n", hd->last_modified);
	if (hd->content_type[0])
		pb_buf_printf(&head, "content-type %s\n", hd->content_type);
	pb_buf_putc(&head, '\n');
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "wb")))
		goto out;
	fd = -1;
	if (fwrite(head.data, 1, head.len, f) != head.len ||
	    (body->len && fwrite(body->data, 1, body->len, f) != body->len))
		goto out;
	if (fflush(f) != 0 || ferror(f))
		goto out;
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp.data, path.data) != 0)
		ok = 0;
	if (!ok) {
		pb_warn("http.cache", "file=%s error=%s", pb_q(path.data), pb_q(strerror(errno)));
		unlink(tmp.data);
	}
	pb_buf_free(&head);
	pb_buf_free(&tmp);
	pb_buf_free(&path);
}

static struct host_slot *
host_slot(struct pb_http *h, const char *host)
{
	for (size_t i = 0; i < h->n_hosts; i++)
		if (strcmp(h->hosts[i].host, host) == 0)
			return &h->hosts[i];
	h->hosts = pb_xreallocarray(h->hosts, h->n_hosts + 1, sizeof *h->hosts);
	h->hosts[h->n_hosts].host = pb_xstrdup(host);
	h->hosts[h->n_hosts].last_ms = 0;
	h->hosts[h->n_hosts].interval_ms = -1;
	return &h->hosts[h->n_hosts++];
}

/* The spacing of requests to hs's host. */
static long
interval_of(const struct pb_http *h, const struct host_slot *hs)
{
	return hs->interval_ms >= 0 ? hs->interval_ms : h->o.min_interval_ms;
}

void
pb_http_set_interval(struct pb_http *h, const char *url, long ms)
{
	char host[300];

	if (!h || !url)
		return;
	url_host(url, host, sizeof host);
	if (*host)
		host_slot(h, host)->interval_ms = ms < 0 ? 0 : ms;
}

/* The spacing also holds across processes (a run right after another): the end of the last
 * request to each host is kept in the cache directory as wall-clock milliseconds. */
static void
stamp_name(const char *host, char *out, size_t n)
{
	char tmp[32];

	pb_http_cache_name(host, tmp, sizeof tmp);
	snprintf(out, n, "%.16s.last", tmp);
}

static int64_t
stamp_read(struct pb_http *h, const struct host_slot *hs)
{
	char name[32], buf[32];
	struct pb_buf path = { 0 };
	FILE *f;
	long long v = 0;

	if (!h->o.cache_dir || !interval_of(h, hs))
		return 0;
	stamp_name(hs->host, name, sizeof name);
	cache_path(h, name, &path);
	f = fopen(path.data, "r");
	if (f) {
		if (fgets(buf, sizeof buf, f))
			v = strtoll(buf, NULL, 10);
		fclose(f);
	}
	pb_buf_free(&path);
	return v > 0 ? (int64_t)v : 0;
}

static void
stamp_write(struct pb_http *h, const struct host_slot *hs)
{
	char name[32];
	struct pb_buf path = { 0 }, tmp = { 0 };
	FILE *f;
	int ok;

	if (!h->o.cache_dir || !interval_of(h, hs) || ensure_cache_dir(h))
		return;
	stamp_name(hs->host, name, sizeof name);
	cache_path(h, name, &path);
	pb_buf_printf(&tmp, "%s.tmp.%ld", path.data, (long)getpid());
	f = fopen(tmp.data, "w");
	if (f) {
		ok = fprintf(f, "%lld\n", (long long)pb_wall_ms()) > 0;
		ok = (fclose(f) == 0) && ok;
		if (!ok || rename(tmp.data, path.data) != 0)
			unlink(tmp.data);
	}
	pb_buf_free(&tmp);
	pb_buf_free(&path);
}

/* The spacing is kept with this much to spare: times are whole milliseconds (a truncated
 * stamp can make an interval up to 1 ms short), and a server stamps a request when it has read
 * it, not when it was sent. */
#define GATE_SPARE_MS 10

/* Waits until the host's spacing has passed and at least extra_ms from now. Returns -1 when
 * stopped meanwhile. */
static int
wait_turn(struct pb_http *h, struct host_slot *hs, int64_t extra_ms)
{
	int64_t now = pb_mono_ms(), until = now + (extra_ms > 0 ? extra_ms : 0);
	long ival = interval_of(h, hs);

	if (ival > 0) {
		if (hs->last_ms == 0) {
			int64_t last_real = stamp_read(h, hs), since;

			since = last_real ? pb_wall_ms() - last_real : ival;
			if (since >= 0 && since < ival)
				hs->last_ms = now - since;
		}
		if (hs->last_ms && hs->last_ms + ival + GATE_SPARE_MS > until)
			until = hs->last_ms + ival + GATE_SPARE_MS;
	}
	if (until > now) {
		pb_debug("http.wait", "host=%s ms=%lld", pb_q(hs->host), (long long)(until - now));
		return pb_http_sleep(h, until - now);
	}
	return stopped(h) ? -1 : 0;
}

static int
curl_retryable(CURLcode c)
{
	/* A name that does not resolve is not retried: it is a typo, no network or a
	 * misconfigured proxy far more often than a resolver's hiccup, and retrying it only
	 * hides the cause for minutes. */
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

static int
status_retryable(long st)
{
	return st == 429 || (st >= 500 && st <= 599 && st != 501 && st != 505);
}

static int64_t
backoff_ms(struct pb_http *h, int retry)
{
	int64_t d = h->o.backoff_base_ms;

	for (int i = 1; i < retry && d < h->o.backoff_max_ms; i++)
		d *= 2;
	if (d > h->o.backoff_max_ms)
		d = h->o.backoff_max_ms;
	/* Jitter in [d/2, d] so that clients that failed together do not retry together. */
	return d / 2 + (int64_t)(rng_next(&h->rng) % (uint64_t)(d / 2 + 1));
}

/* "URL: HTTP 503", and what the server said when its answer is plain text (a rate limiter's
 * "Rate exceeded."), not markup. */
static void
status_error(char *err, size_t errlen, const char *url, long st, const struct pb_buf *body)
{
	struct pb_buf q = { 0 };
	size_t i = 0;

	while (i < body->len && (body->data[i] == ' ' || body->data[i] == '\t' ||
				 body->data[i] == '\r' || body->data[i] == '\n'))
		i++;
	if (i < body->len && body->data[i] != '<') {
		pb_buf_puts(&q, ", the server said ");
		pb_http_quote_reply(&q, body->data, body->len, 160);
	}
	snprintf(err, errlen, "%s: HTTP %ld%s", url, st, q.len ? q.data : "");
	pb_buf_free(&q);
}

struct req {
	const char *method;          /* "GET" or "POST" */
	const char *content_type;
	const char *body;
	size_t len;
	const char *const *headers;
	int max_retries;
	long timeout_s;
	size_t max_body;             /* 0 = MAX_BODY */
};

static int
request(struct pb_http *h, const char *url, const struct req *rq, struct pb_http_response *resp,
	char *err_out, size_t err_outlen)
{
	char err[768];
	const size_t errlen = sizeof err;
	struct cache_entry ce;
	int have_cache = 0, rc = -1, retries;
	char host[300], errbuf[CURL_ERROR_SIZE];
	struct host_slot *hs;
	struct pb_buf logurl = { 0 };
	int64_t t0 = pb_mono_ms(), extra = 0;
	int is_get = strcmp(rq->method, "GET") == 0;

	memset(resp, 0, sizeof *resp);
	resp->retry_after_s = -1;
	err[0] = '\0';
	h->abandoned = 0;
	memset(&ce, 0, sizeof ce);
	if (is_get && cache_load(h, url, &ce) == 0)
		have_cache = 1;
	url_host(url, host, sizeof host);
	hs = host_slot(h, host);
	url_for_log(url, &logurl);
	retries = rq->max_retries >= 0 ? rq->max_retries : h->o.max_retries;

	for (int attempt = 1;; attempt++) {
		struct curl_slist *hl = NULL;
		struct hdrs hd;
		struct sink sink;
		CURLcode cc;
		long st = 0, wait_s;
		int retry = 0;

		if (wait_turn(h, hs, extra) != 0) {
			snprintf(err, errlen, "%s: %s before %s", url, stop_word(h),
				 attempt == 1 ? "the request" : "retrying");
			break;
		}
		extra = 0;
		pb_buf_reset(&resp->body);
		memset(&hd, 0, sizeof hd);
		hd.fn = h->header_fn;
		hd.ud = h->header_ud;
		sink.body = &resp->body;
		sink.max = rq->max_body ? rq->max_body : MAX_BODY;
		sink.too_big = 0;
		errbuf[0] = '\0';

		curl_easy_reset(h->easy);
		pb_http_setup_easy(h->easy, &h->o);
		curl_easy_setopt(h->easy, CURLOPT_URL, url);
		curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h->easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h->easy, CURLOPT_HEADERDATA, &hd);
		curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, &sink);
		if (h->o.stop || h->tick) {
			curl_easy_setopt(h->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(h->easy, CURLOPT_XFERINFODATA, h);
			curl_easy_setopt(h->easy, CURLOPT_NOPROGRESS, 0L);
		}
		if (rq->timeout_s > 0)
			curl_easy_setopt(h->easy, CURLOPT_TIMEOUT, rq->timeout_s);
		if (have_cache) {
			struct pb_buf line = { 0 };

			if (ce.etag[0]) {
				pb_buf_printf(&line, "If-None-Match: %s", ce.etag);
				hl = curl_slist_append(hl, line.data);
			}
			if (ce.last_modified[0]) {
				pb_buf_reset(&line);
				pb_buf_printf(&line, "If-Modified-Since: %s", ce.last_modified);
				hl = curl_slist_append(hl, line.data);
			}
			pb_buf_free(&line);
		}
		if (!is_get) {
			struct pb_buf line = { 0 };

			pb_buf_printf(&line, "Content-Type: %s",
				      rq->content_type ? rq->content_type : "application/json");
			hl = curl_slist_append(hl, line.data);
			/* No "Expect: 100-continue" round trip for small API bodies. */
			hl = curl_slist_append(hl, "Expect:");
			pb_buf_free(&line);
			for (const char *const *x = rq->headers; x && *x; x++)
				hl = curl_slist_append(hl, *x);
			curl_easy_setopt(h->easy, CURLOPT_POST, 1L);
			curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
			curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
		} else {
			if (h->o.accept) {
				struct pb_buf line = { 0 };

				pb_buf_printf(&line, "Accept: %s", h->o.accept);
				hl = curl_slist_append(hl, line.data);
				pb_buf_free(&line);
			}
			for (const char *const *x = rq->headers; x && *x; x++)
				hl = curl_slist_append(hl, *x);
		}
		if (hl)
			curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, hl);

		cc = curl_easy_perform(h->easy);
		hs->last_ms = pb_mono_ms();
		stamp_write(h, hs);
		curl_slist_free_all(hl);
		resp->attempts = attempt;
		if (cc == CURLE_OK)
			curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &st);
		resp->status = st;
		snprintf(resp->content_type, sizeof resp->content_type, "%s", hd.content_type);
		wait_s = hd.retry_after[0] ? pb_http_parse_retry_after(hd.retry_after,
								       (long)time(NULL)) : -1;
		resp->retry_after_s = wait_s;

		if (cc != CURLE_OK) {
			resp->too_large = sink.too_big;
			if (sink.too_big)
				snprintf(err, errlen, "%s: answer larger than %zu bytes", url, sink.max);
			else if (cc == CURLE_ABORTED_BY_CALLBACK && stopped(h))
				snprintf(err, errlen, "%s: %s during the transfer", url,
					 stop_word(h));
			else if (cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY)
				snprintf(err, errlen, "%s: %s (the %s name does not resolve: check the "
					 "network and the proxy settings)", url,
					 errbuf[0] ? errbuf : curl_easy_strerror(cc),
					 cc == CURLE_COULDNT_RESOLVE_PROXY ? "proxy" : "host");
			else
				snprintf(err, errlen, "%s: %s", url,
					 errbuf[0] ? errbuf : curl_easy_strerror(cc));
			retry = !sink.too_big && curl_retryable(cc);
			resp->not_resolved = cc == CURLE_COULDNT_RESOLVE_HOST ||
					     cc == CURLE_COULDNT_RESOLVE_PROXY;
		} else if (st == 304 && have_cache) {
			pb_buf_free(&resp->body);
			resp->body = ce.body;
			memset(&ce.body, 0, sizeof ce.body);
			resp->status = 200;
			resp->from_cache = 1;
			if (!resp->content_type[0])
				snprintf(resp->content_type, sizeof resp->content_type, "%s",
					 ce.content_type);
			rc = 0;
		} else if (st == 304) {
			snprintf(err, errlen, "%s: HTTP 304 without a cached copy", url);
		} else if (status_retryable(st)) {
			status_error(err, errlen, url, st, &resp->body);
			retry = 1;
		} else if (st >= 400) {
			status_error(err, errlen, url, st, &resp->body);
		} else {
			/* Large documents (capped requests) are not worth a copy on disk. */
			if (is_get && st == 200 &&
			    (!rq->max_body || resp->body.len <= CAPPED_STORE_MAX))
				cache_store(h, url, &hd, &resp->body);
			rc = 0;
		}

		if (rc == 0 || !retry || attempt > retries) {
			/* A caller that asked for no retries (max_retries 0: the embeddings, the
			 * bots, the full text) waits and asks again itself, or says what it gave
			 * up: an answer worth another try is no give-up of the client's. */
			if (rc != 0 && retry && retries > 0)
				pb_warn("http.giveup", "url=%s attempts=%d error=%s", pb_q(logurl.data),
					attempt, pb_q(err));
			if (rc != 0 && retry && cc == CURLE_OK && (st == 429 || st == 503) &&
			    wait_s > 0)
				resp->retry_asked_s = wait_s;
			break;
		}
		extra = backoff_ms(h, attempt);
		if (wait_s >= 0) {
			int64_t cap = h->o.backoff_max_ms / 1000;

			if (cap < 1)
				cap = 1;
			if (wait_s > cap || wait_s > RETRY_AFTER_HARD_CAP_S) {
				/* Waiting that long inside one fetch would stall the whole run: give
				 * up now and let the caller's schedule come back later. */
				snprintf(err, errlen, "%s: HTTP %ld, server asks to retry after %ld s",
					 url, st, wait_s);
				pb_warn("http.giveup", "url=%s status=%ld retry_after=%ld cap=%lld",
					pb_q(logurl.data), st, wait_s, (long long)cap);
				if (st == 429 || st == 503)
					resp->retry_asked_s = wait_s;
				break;
			}
			if (wait_s * 1000 > extra)
				extra = wait_s * 1000;
		}
		pb_warn("http.retry", "url=%s status=%ld error=%s attempt=%d wait_ms=%lld",
			pb_q(logurl.data), st, pb_q(cc != CURLE_OK ? err : ""), attempt,
			(long long)extra);
	}

	pb_info(is_get ? "http.get" : "http.post",
		"url=%s status=%ld bytes=%zu ms=%lld attempts=%d cached=%d", pb_q(logurl.data),
		resp->status, resp->body.len, (long long)(pb_mono_ms() - t0), resp->attempts,
		resp->from_cache);
	if (err_out && err_outlen)
		snprintf(err_out, err_outlen, "%s", rc == 0 ? "" : err);
	pb_buf_free(&ce.body);
	pb_buf_free(&logurl);
	return rc;
}

int
pb_http_get(struct pb_http *h, const char *url, struct pb_http_response *resp, char *err,
	    size_t errlen)
{
	struct req rq = { "GET", NULL, NULL, 0, NULL, -1, 0, 0 };

	return request(h, url, &rq, resp, err, errlen);
}

int
pb_http_get_capped(struct pb_http *h, const char *url, size_t max_bytes, long timeout_s,
		   int max_retries, struct pb_http_response *resp, char *err, size_t errlen)
{
	struct req rq = { "GET", NULL, NULL, 0, NULL, max_retries, timeout_s,
			  max_bytes > MAX_BODY ? MAX_BODY : max_bytes };

	return request(h, url, &rq, resp, err, errlen);
}

int
pb_http_post(struct pb_http *h, const char *url, const char *content_type, const char *body,
	     size_t len, const char *const *headers, int max_retries, long timeout_s,
	     struct pb_http_response *resp, char *err, size_t errlen)
{
	struct req rq = { "POST", content_type, body, len, headers, max_retries, timeout_s, 0 };

	return request(h, url, &rq, resp, err, errlen);
}
