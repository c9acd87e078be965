/* Benchmark of the summarize stage without a model: key findings for every paper of a feed
 * (cold), then N personalised digests of K papers each (title, findings, built-in executive
 * summary with themes), as `paperboy run` builds them for N subscribers.
 * Usage: summarize_bench FEED [N [K]]   (defaults 10000 digests of 10 papers) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/parse.h"
#include "paperboy/summarize.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time too: on a shared machine the wall clock says more about the neighbours. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct pb_paperset set;
	struct pb_parse_result pr;
	struct pb_buf b = { 0 };
	struct pb_topic topics[3] = { { .name = "Vision" }, { .name = "Learning" }, { .name = "Other" } };
	struct pb_subscriber sub = { .name = "bench", .language = "en", .topics = topics,
				     .n_topics = 3 };
	char *cats[] = { "cs.CV", "cs.LG" };
	struct pb_config cfg;
	struct pb_summarizer *s;
	struct pb_hit *hits;
	char chunk[65536], err[256];
	size_t n, ndig = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	size_t k = argc > 3 ? strtoul(argv[3], NULL, 10) : 10, sum_len = 0, nf = 0;
	unsigned long long rnd = 88172645463325252ULL;
	double t0, c0, t_find, t_dig, c_find, c_dig;
	FILE *f;

	if (argc < 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: summarize_bench FEED [N [K]]\n");
		return 64;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&b, chunk, n);
	fclose(f);
	pb_paperset_init(&set);
	if (pb_parse_feed(b.data, b.len, argv[1], &set, &pr) != PB_PARSE_OK || set.n < k) {
		fprintf(stderr, "summarize_bench: %s: too few papers\n", argv[1]);
		return 65;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.arxiv.categories = cats;
	cfg.arxiv.n_categories = 2;
	s = pb_summarizer_new(&cfg, NULL, NULL, err, sizeof err);
	hits = pb_xcalloc(k, sizeof *hits);

	/* cold: key findings of every paper once */
	t0 = now_s();
	c0 = cpu_s();
	for (size_t i = 0; i < set.n; i++) {
		char **v;
		size_t m = pb_key_findings(set.v[i].abstract, 4, &v);

		nf += m;
		pb_sentences_free(v, m);
	}
	t_find = now_s() - t0;
	c_find = cpu_s() - c0;

	t0 = now_s();
	c0 = cpu_s();
	for (size_t d = 0; d < ndig; d++) {
		struct pb_selection sel = { .sub = &sub, .hits = hits, .n_hits = k, .n_matched = k + d % 7 };
		struct pb_digest dg;

		for (size_t i = 0; i < k; i++) {          /* xorshift: a different pick per digest */
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			hits[i].paper = (size_t)(rnd % set.n);
			hits[i].score = (double)(k - i);
			hits[i].topic = i % 3;
		}
		if (pb_digest_build(s, &set, &sel, "2024-11-28", &dg) < 0)
			return 1;
		sum_len += strlen(dg.exec_summary);
		pb_digest_free(&dg);
	}
	t_dig = now_s() - t0;
	c_dig = cpu_s() - c0;
	printf("key findings: %zu papers in %.3f s (cpu %.3f s) = %.0f papers/s per cpu-second "
	       "(%zu findings)\n", set.n, t_find, c_find, (double)set.n / c_find, nf);
	printf("digests: %zu of %zu papers in %.3f s (cpu %.3f s) = %.0f digests/s per cpu-second "
	       "(avg summary %zu bytes)\n", ndig, k, t_dig, c_dig, (double)ndig / c_dig,
	       ndig ? sum_len / ndig : 0);
	free(hits);
	pb_summarizer_free(s);
	pb_paperset_free(&set);
	pb_buf_free(&b);
	return 0;
}
