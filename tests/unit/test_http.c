/* The HTTP client's pure parts: Retry-After values, query encoding, cache file names, header
 * lines; and the retry loop against a port nobody listens on. */
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/http.h"
#include "paperboy/log.h"
#include "t.h"

static void
test_retry_after(void)
{
	long now = 1445412480L;      /* Wed, 21 Oct 2015 07:28:00 GMT */

	T_EQ_INT(pb_http_parse_retry_after("120", now), 120);
	T_EQ_INT(pb_http_parse_retry_after("0", now), 0);
	T_EQ_INT(pb_http_parse_retry_after("  5 \r\n", now), 5);
	T_EQ_INT(pb_http_parse_retry_after("99999999999999999999999", now), 1000000000L);
	T_EQ_INT(pb_http_parse_retry_after("-1", now), -1);
	T_EQ_INT(pb_http_parse_retry_after("1.5", now), -1);
	T_EQ_INT(pb_http_parse_retry_after("12abc", now), -1);
	T_EQ_INT(pb_http_parse_retry_after("soon", now), -1);
	T_EQ_INT(pb_http_parse_retry_after("", now), -1);
	T_EQ_INT(pb_http_parse_retry_after("   ", now), -1);
	T_EQ_INT(pb_http_parse_retry_after(NULL, now), -1);
	/* The three HTTP date forms RFC 9110 accepts. */
	T_EQ_INT(pb_http_parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30);
	T_EQ_INT(pb_http_parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60);
	T_EQ_INT(pb_http_parse_retry_after("Wed Oct 21 07:28:10 2015", now), 10);
	/* A date in the past means "now". */
	T_EQ_INT(pb_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 0);
	T_EQ_INT(pb_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 0);
}

static void
enc(const char *in, const char *want)
{
	struct pb_buf b = { 0 };

	pb_http_urlencode(&b, in);
	T_EQ_STR(pb_buf_str(&b), want);
	pb_buf_free(&b);
}

static void
test_urlencode(void)
{
	enc("", "");
	enc("2411.12345", "2411.12345");
	enc("a-b_c.d~e", "a-b_c.d~e");
	enc("astro-ph/0601001", "astro-ph%2F0601001");
	enc("(cat:cs.CV OR cat:cs.RO) AND submittedDate:[202512021900 TO 202512031859]",
	    "%28cat%3Acs.CV%20OR%20cat%3Acs.RO%29%20AND%20submittedDate%3A%5B202512021900%20TO"
	    "%20202512031859%5D");
	enc("a+b&c=d#e?f", "a%2Bb%26c%3Dd%23e%3Ff");
	enc("R\xc3\xa9my", "R%C3%A9my");
	enc("\"q\"", "%22q%22");
}

static void
test_cache_name(void)
{
	char a[32], b[32], c[32];

	pb_http_cache_name("", a, sizeof a);
	T_EQ_STR(a, "cbf29ce484222325.cache");      /* the FNV-1a 64 offset basis */
	pb_http_cache_name("a", a, sizeof a);
	T_EQ_STR(a, "af63dc4c8601ec8c.cache");      /* FNV-1a 64 of "a" */
	pb_http_cache_name("https://rss.arxiv.org/rss/cs.CV", b, sizeof b);
	pb_http_cache_name("https://rss.arxiv.org/rss/cs.CV", c, sizeof c);
	T_EQ_STR(b, c);
	T_EQ_INT(strlen(b), 22);
	T_CHECK(strspn(b, "0123456789abcdef") == 16);
	pb_http_cache_name("https://rss.arxiv.org/rss/cs.RO", c, sizeof c);
	T_CHECK(strcmp(b, c) != 0);
}

static void
hv(const char *line, const char *name, int want_rc, const char *want)
{
	char out[32] = "unchanged";
	int rc = pb_http_header_value(line, strlen(line), name, out, sizeof out);

	T_EQ_INT(rc, want_rc);
	if (want_rc)
		T_EQ_STR(out, want);
}

static void
test_header_value(void)
{
	hv("ETag: \"abc\"\r\n", "ETag", 1, "\"abc\"");
	hv("etag:W/\"x\"", "ETag", 1, "W/\"x\"");
	hv("Retry-After:   120  \r\n", "Retry-After", 1, "120");
	hv("Retry-After:\r\n", "Retry-After", 1, "");
	hv("ETagX: y\r\n", "ETag", 0, NULL);
	hv("ETa", "ETag", 0, NULL);
	hv("ETag", "ETag", 0, NULL);
	hv("X-ETag: y\r\n", "ETag", 0, NULL);
	hv("HTTP/1.1 200 OK\r\n", "ETag", 0, NULL);
	/* Too long for the field: ignored, never cut. */
	hv("ETag: \"0123456789012345678901234567890123456789\"\r\n", "ETag", 0, NULL);
	/* Control characters never reach the cache file. */
	hv("ETag: a\001b\r\n", "ETag", 0, NULL);
	hv("Content-Type: application/atom+xml\r\n", "Content-Type", 1, "application/atom+xml");
}

static volatile sig_atomic_t stop_flag;

static void
on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd, port = 0;

	/* A port that was free a moment ago: bind, read the number, close. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* A stop request (from a signal handler) ends a long backoff wait at once. */
static void
test_stop(void)
{
	struct pb_http_opts o;
	struct pb_http *h;
	struct pb_http_response r;
	char url[64], err[256];
	struct timespec t0, t1;
	double secs;

	memset(&o, 0, sizeof o);
	o.user_agent = "paperboy-test";
	o.max_retries = 5;
	o.backoff_base_ms = 20000;      /* the first retry would wait 10 to 20 s */
	o.stop = &stop_flag;
	h = pb_http_new(&o);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", free_port());

	stop_flag = 0;
	signal(SIGALRM, on_alarm);
	alarm(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	T_EQ_INT(pb_http_get(h, url, &r, err, sizeof err), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	T_EQ_INT(r.attempts, 1);
	T_CHECK(strstr(err, "stopped before retrying") != NULL);
	T_CHECK(secs < 3.0);
	pb_http_response_free(&r);

	/* Already stopped: no request at all. */
	T_EQ_INT(pb_http_get(h, url, &r, err, sizeof err), -1);
	T_EQ_INT(r.attempts, 0);
	T_CHECK(strstr(err, "stopped before the request") != NULL);
	pb_http_response_free(&r);
	pb_http_free(h);
}

/* Connection refused is retried max_retries times, then reported; no spacing configured. */
static void
test_refused(void)
{
	struct pb_http_opts o;
	struct pb_http *h;
	struct pb_http_response r;
	char url[64], err[256];
	int port = free_port();

	T_CHECK(port > 0);
	memset(&o, 0, sizeof o);
	o.user_agent = "paperboy-test";
	o.max_retries = 2;
	o.backoff_base_ms = 10;
	o.backoff_max_ms = 20;
	o.connect_timeout_s = 5;
	h = pb_http_new(&o);
	T_CHECK(h != NULL);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/rss/cs.CV", port);
	T_EQ_INT(pb_http_get(h, url, &r, err, sizeof err), -1);
	T_EQ_INT(r.attempts, 3);
	T_EQ_INT(r.status, 0);
	T_EQ_INT(r.from_cache, 0);
	T_CHECK(strstr(err, "127.0.0.1") != NULL);
	pb_http_response_free(&r);

	/* POST with max_retries = 0: exactly one attempt. */
	T_EQ_INT(pb_http_post(h, url, NULL, "{}", 2, NULL, 0, 5, &r, err, sizeof err), -1);
	T_EQ_INT(r.attempts, 1);
	pb_http_response_free(&r);
	pb_http_free(h);
	pb_http_free(NULL);
	pb_http_response_free(NULL);
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_retry_after();
	test_urlencode();
	test_cache_name();
	test_header_value();
	test_refused();
	test_stop();
	return t_done("test_http");
}
