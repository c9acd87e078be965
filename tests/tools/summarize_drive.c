/* Drives the summarize stage for the integration tests: loads a config, opens the state under
 * its state_dir, parses a saved feed, gives every subscriber the first max_papers papers
 * (topic 0), runs prepare and then builds each digest, and prints what it got:
 *
 *   subscriber=alice lang=en items=5 exec_from_model=1 analyses=5 prepare_ms=12
 *   exec: <first line of the executive summary>
 *   item=2401.00001v1 analysis=<first line of the analysis, or ->
 *
 * Usage: summarize_drive CONFIG FEED */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/fetch.h"
#include "paperboy/http.h"
#include "paperboy/log.h"
#include "paperboy/match.h"
#include "paperboy/parse.h"
#include "paperboy/state.h"
#include "paperboy/summarize.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
first_line(const char *s)
{
	const char *nl = s ? strchr(s, '\n') : NULL;

	if (!s)
		fputs("-", stdout);
	else
		fwrite(s, 1, nl ? (size_t)(nl - s) : strlen(s), stdout);
	putchar('\n');
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct pb_buf b = { 0 };
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return pb_buf_detach(&b);
}

int
main(int argc, char **argv)
{
	struct pb_config_error cerr;
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	struct pb_http *h = NULL;
	struct pb_http_opts ho;
	struct pb_paperset papers;
	struct pb_parse_result pr;
	struct pb_selection *sel = NULL;
	struct pb_summarizer *s = NULL;
	struct pb_buf path = { 0 };
	char err[1024], *feed = NULL;
	size_t feed_len = 0;
	long long t0;
	int rc = 1;

	pb_paperset_init(&papers);
	if (argc != 3) {
		fprintf(stderr, "usage: summarize_drive CONFIG FEED\n");
		return 64;
	}
	pb_log_setup(PB_LOG_INFO, 0);
	memset(&cerr, 0, sizeof cerr);
	cfg = pb_config_load(argv[1], &cerr);
	if (!cfg) {
		pb_config_error_format(&cerr, err, sizeof err);
		fprintf(stderr, "summarize_drive: %s\n", err);
		goto out;
	}
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	st = pb_state_open(path.data, err, sizeof err);
	if (!st) {
		fprintf(stderr, "summarize_drive: %s\n", err);
		goto out;
	}
	feed = slurp(argv[2], &feed_len);
	if (!feed || pb_parse_feed(feed, feed_len, argv[2], &papers, &pr) != PB_PARSE_OK ||
	    papers.n == 0) {
		fprintf(stderr, "summarize_drive: %s: no papers\n", argv[2]);
		goto out;
	}
	pb_fetch_http_opts(cfg, &ho);
	h = pb_http_new(&ho);

	sel = pb_xcalloc(cfg->n_subscribers ? cfg->n_subscribers : 1, sizeof *sel);
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		size_t n = papers.n < (size_t)cfg->subscribers[i].max_papers
			? papers.n : (size_t)cfg->subscribers[i].max_papers;

		sel[i].sub = &cfg->subscribers[i];
		sel[i].hits = pb_xcalloc(n ? n : 1, sizeof *sel[i].hits);
		for (size_t k = 0; k < n; k++) {
			sel[i].hits[k].paper = k;
			sel[i].hits[k].score = (double)(n - k);
			sel[i].hits[k].topic = 0;
		}
		sel[i].n_hits = sel[i].n_matched = n;
	}

	s = pb_summarizer_new(cfg, st, h, err, sizeof err);
	if (!s) {
		fprintf(stderr, "summarize_drive: %s\n", err);
		goto out;
	}
	t0 = now_ms();
	pb_summarizer_prepare(s, &papers, sel, cfg->n_subscribers);
	t0 = now_ms() - t0;
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		struct pb_digest d;
		size_t na = 0;

		if (pb_digest_build(s, &papers, &sel[i], papers.announce_date, &d) < 0) {
			fprintf(stderr, "summarize_drive: digest for %s failed\n", sel[i].sub->name);
			goto out;
		}
		for (size_t k = 0; k < d.n_items; k++)
			na += d.items[k].analysis != NULL;
		printf("subscriber=%s lang=%s items=%zu exec_from_model=%d analyses=%zu "
		       "prepare_ms=%lld\n", d.subscriber, d.language, d.n_items, d.exec_from_model,
		       na, t0);
		fputs("exec: ", stdout);
		first_line(d.exec_summary);
		for (size_t k = 0; k < d.n_items; k++) {
			printf("item=%sv%d analysis=", d.items[k].paper->id, d.items[k].paper->version);
			first_line(d.items[k].analysis);
		}
		pb_digest_free(&d);
	}
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
out:
	pb_summarizer_free(s);
	if (sel)
		for (size_t i = 0; i < cfg->n_subscribers; i++)
			free(sel[i].hits);
	free(sel);
	pb_http_free(h);
	pb_paperset_free(&papers);
	free(feed);
	pb_state_close(st);
	pb_config_free(cfg);
	pb_buf_free(&path);
	return rc;
}
