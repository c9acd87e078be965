/* parse_bench: parses a saved feed with pb_parse_feed and reports the time, or prints the
 * records as JSON lines.
 *   parse_bench [--json] [--repeat N] FILE
 * Prints "status=... kind=... items=N added=N skipped=N bytes=N best_s=S items_per_s=X mb_per_s=Y"
 * on stderr (best of N runs), or the papers on stdout with --json. Exit 0 when parsing
 * succeeded (OK or EMPTY), 1 otherwise, 2 on usage or I/O errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/parse.h"

static int
read_file(const char *path, struct pb_buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;
	int rc = 0;

	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		pb_buf_append(b, tmp, n);
	if (ferror(f))
		rc = -1;
	fclose(f);
	return rc;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct pb_buf data;
	struct pb_parse_result res;
	int json = 0, repeat = 1, i, rc = 0;
	const char *path = NULL;
	double best = -1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else
			path = argv[i];
	}
	if (!path || repeat < 1) {
		fprintf(stderr, "usage: parse_bench [--json] [--repeat N] FILE\n");
		return 2;
	}
	pb_buf_init(&data);
	if (read_file(path, &data) < 0) {
		perror(path);
		pb_buf_free(&data);
		return 2;
	}
	for (i = 0; i < repeat; i++) {
		struct pb_paperset set;
		double t0, t;
		size_t k;

		pb_paperset_init(&set);
		t0 = now();
		pb_parse_feed(data.data, data.len, path, &set, &res);
		t = now() - t0;
		if (best < 0 || t < best)
			best = t;
		if (json && i == repeat - 1) {
			for (k = 0; k < set.n; k++) {
				char *j = pb_paper_to_json(&set.v[k]);
				if (fputs(j, stdout) == EOF || putchar('\n') == EOF)
					rc = 2;
				free(j);
			}
		}
		pb_paperset_free(&set);
	}
	fprintf(stderr,
		"status=%d kind=%s items=%zu added=%zu skipped=%zu bytes=%zu best_s=%.4f "
		"items_per_s=%.0f mb_per_s=%.1f message=\"%s\"\n",
		(int)res.status, pb_feed_kind_name(res.kind), res.n_items, res.n_added,
		res.n_skipped, data.len, best, best > 0 ? (double)res.n_items / best : 0.0,
		best > 0 ? (double)data.len / 1e6 / best : 0.0, res.message);
	if (fflush(stdout) != 0)
		rc = 2;
	pb_buf_free(&data);
	if (rc)
		return rc;
	return (res.status == PB_PARSE_OK || res.status == PB_PARSE_EMPTY) ? 0 : 1;
}
