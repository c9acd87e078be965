/* Benchmark driver for the full-text extractors (bench/bench_fulltext.sh).
 *
 *   fulltext_bench html N FILE...   each HTML page parsed into sections N times, in a child
 *                                   process each time as a run reads it (ft_html_isolated)
 *   fulltext_bench pdf N PAGES FILE...  each PDF's text and sections read N times, at most
 *                                       PAGES pages each
 *
 * Prints one line: the bytes (or pages) handled, the seconds, and MB/s (or pages/s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <poppler.h>

#include "../src/fulltext/ft_int.h"
#include "paperboy/fulltext.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d;
	long n;

	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n + 1);
	if (!d || fread(d, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return d;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pages the document has (within the cap), as pdftotext would read them. */
static int
pages_of(const char *d, size_t len, int cap)
{
	GBytes *b = g_bytes_new_static(d, len);
	PopplerDocument *doc = poppler_document_new_from_bytes(b, NULL, NULL);
	int n = doc ? poppler_document_get_n_pages(doc) : 0;

	if (doc)
		g_object_unref(doc);
	g_bytes_unref(b);
	return cap > 0 && n > cap ? cap : n;
}

int
main(int argc, char **argv)
{
	int pdf, n, cap = 0, first;
	double t0, t, units = 0;
	size_t sections = 0;

	if (argc < 4 || (strcmp(argv[1], "html") != 0 && strcmp(argv[1], "pdf") != 0)) {
		fprintf(stderr, "usage: fulltext_bench html N FILE... | pdf N PAGES FILE...\n");
		return 2;
	}
	pdf = strcmp(argv[1], "pdf") == 0;
	n = atoi(argv[2]);
	if (pdf)
		cap = atoi(argv[3]);
	first = pdf ? 4 : 3;
	t0 = now();
	for (int a = first; a < argc; a++) {
		size_t len;
		char *d = slurp(argv[a], &len), why[256];

		for (int i = 0; i < n; i++) {
			struct pb_fulltext ft;
			int rc = pdf ? pb_fulltext_from_pdf(d, len, cap, &ft, why, sizeof why)
				     : ft_html_isolated(d, len, "https://arxiv.org/html/x", 0, &ft,
							why, sizeof why);

			if (rc < 0) {
				fprintf(stderr, "%s: %s\n", argv[a], why);
				return 1;
			}
			sections += ft.n_sections;
			pb_fulltext_clear(&ft);
		}
		units += pdf ? (double)pages_of(d, len, cap) * n : (double)len * n;
		free(d);
	}
	t = now() - t0;
	if (pdf)
		printf("pages=%.0f seconds=%.3f pages_per_s=%.1f sections=%zu\n", units, t,
		       units / t, sections);
	else
		printf("bytes=%.0f seconds=%.3f mb_per_s=%.1f sections=%zu\n", units, t,
		       units / t / 1e6, sections);
	return 0;
}
