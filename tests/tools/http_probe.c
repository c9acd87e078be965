/* http_probe: one pb_http_get or pb_http_post from the command line, for the HTTP client's
 * integration test. Prints the body on stdout and one line about the answer on stderr:
 * "rc=0 status=200 attempts=1 from_cache=0 bytes=9054 retry_after=-1 err=".
 *
 * usage: http_probe [--post BODY] [--type CONTENT_TYPE] [--header H]... [--retries N]
 *                   [--post-retries N] [--interval MS] [--backoff MS] [--cache DIR]
 *                   [--redirects N] [--timeout S] [--ca FILE] URL [URL...]
 * Several URLs are fetched one after another with the same client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/http.h"
#include "paperboy/log.h"

int
main(int argc, char **argv)
{
	struct pb_http_opts o;
	struct pb_http *h;
	const char *post = NULL, *type = NULL, *headers[16];
	size_t nh = 0;
	int i, post_retries = -1, rc = 0;

	memset(&o, 0, sizeof o);
	o.user_agent = "paperboy-probe/1.0";
	o.max_retries = 3;
	o.backoff_base_ms = 100;
	o.backoff_max_ms = 10000;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			break;
		if (!strcmp(k, "--post"))
			post = v;
		else if (!strcmp(k, "--type"))
			type = v;
		else if (!strcmp(k, "--header") && nh < 15)
			headers[nh++] = v;
		else if (!strcmp(k, "--retries"))
			o.max_retries = atoi(v);
		else if (!strcmp(k, "--post-retries"))
			post_retries = atoi(v);
		else if (!strcmp(k, "--interval"))
			o.min_interval_ms = atol(v);
		else if (!strcmp(k, "--backoff"))
			o.backoff_base_ms = atol(v);
		else if (!strcmp(k, "--cache"))
			o.cache_dir = v;
		else if (!strcmp(k, "--redirects"))
			o.max_redirects = atol(v);
		else if (!strcmp(k, "--ca"))
			o.ca_file = v;
		else if (!strcmp(k, "--timeout"))
			o.timeout_s = atol(v);
		else {
			fprintf(stderr, "http_probe: unknown option %s\n", k);
			return 64;
		}
	}
	headers[nh] = NULL;
	if (i >= argc) {
		fprintf(stderr, "usage: http_probe [options] URL...\n");
		return 64;
	}
	pb_log_setup(PB_LOG_DEBUG, 0);
	h = pb_http_new(&o);
	if (!h)
		return 70;
	for (; i < argc; i++) {
		struct pb_http_response r;
		char err[512];
		int x;

		if (post)
			x = pb_http_post(h, argv[i], type, post, strlen(post), headers, post_retries,
					 0, &r, err, sizeof err);
		else
			x = pb_http_get(h, argv[i], &r, err, sizeof err);
		if (r.body.len && fwrite(r.body.data, 1, r.body.len, stdout) != r.body.len)
			rc = 74;
		fprintf(stderr, "rc=%d status=%ld attempts=%d from_cache=%d bytes=%zu "
			"retry_after=%ld type=%s err=%s\n", x, r.status, r.attempts, r.from_cache,
			r.body.len, r.retry_after_s, r.content_type, err);
		if (x != 0 && !rc)
			rc = 1;
		pb_http_response_free(&r);
	}
	pb_http_free(h);
	if (fflush(stdout) != 0)
		rc = 74;
	return rc;
}
