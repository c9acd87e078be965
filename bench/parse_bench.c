/* parse_bench: parses a saved feed and reports the time, or prints the records as JSON lines.
 *   parse_bench [--json] [--stream] [--repeat N] FILE
 * Default: the file is mapped and handed to pb_parse_feed in one call. --stream reads it in
 * 64 KB pieces through pb_parser_feed, as an HTTP transfer would, so the body is never held
 * whole. Prints "status=... kind=... items=N added=N skipped=N bytes=N median_s=S
 * items_per_s=X mb_per_s=Y" on stderr (the median of N runs), or the papers on stdout with --json.
 * Exit 0 when parsing succeeded (OK or EMPTY), 1 otherwise, 2 on usage or I/O errors. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/parse.h"

static enum pb_parse_status
parse_stream(const char *path, struct pb_paperset *set, struct pb_parse_result *res)
{
	static char tmp[65536];
	struct pb_parser *p = pb_parser_new(path);
	FILE *f = fopen(path, "rb");
	enum pb_parse_status st;
	size_t n;

	if (!f) {
		pb_parser_free(p);
		memset(res, 0, sizeof *res);
		res->status = PB_PARSE_BAD;
		return PB_PARSE_BAD;
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		if (pb_parser_feed(p, tmp, n) < 0)
			break;
	fclose(f);
	st = pb_parser_finish(p, set, res);
	pb_parser_free(p);
	return st;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct pb_parse_result res;
	int json = 0, stream = 0, repeat = 1, i, rc = 0, fd;
	const char *path = NULL;
	const char *data = NULL;
	size_t len = 0;
	struct stat st;
	double med = 0, *times;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--stream") == 0)
			stream = 1;
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else
			path = argv[i];
	}
	if (!path || repeat < 1) {
		fprintf(stderr, "usage: parse_bench [--json] [--stream] [--repeat N] FILE\n");
		return 2;
	}
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return 2;
	}
	len = (size_t)st.st_size;
	if (!stream && len > 0) {
		data = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data == MAP_FAILED) {
			perror(path);
			close(fd);
			return 2;
		}
	}
	close(fd);
	times = calloc((size_t)repeat, sizeof *times);
	if (!times)
		return 2;
	for (i = 0; i < repeat; i++) {
		struct pb_paperset set;
		double t0, t;
		size_t k;

		pb_paperset_init(&set);
		t0 = now();
		if (stream)
			parse_stream(path, &set, &res);
		else
			pb_parse_feed(data, len, path, &set, &res);
		t = now() - t0;
		times[i] = t;
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
	/* the median of the runs, never the best one */
	qsort(times, (size_t)repeat, sizeof *times, cmp_double);
	med = repeat % 2 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
	free(times);
	fprintf(stderr,
		"status=%d kind=%s items=%zu added=%zu skipped=%zu bytes=%zu median_s=%.4f "
		"items_per_s=%.0f mb_per_s=%.1f message=\"%s\"\n",
		(int)res.status, pb_feed_kind_name(res.kind), res.n_items, res.n_added,
		res.n_skipped, len, med, med > 0 ? (double)res.n_items / med : 0.0,
		med > 0 ? (double)len / 1e6 / med : 0.0, res.message);
	if (fflush(stdout) != 0)
		rc = 2;
	if (data)
		munmap((void *)data, len);
	if (rc)
		return rc;
	return (res.status == PB_PARSE_OK || res.status == PB_PARSE_EMPTY) ? 0 : 1;
}
