/* Writes the HTML email of a one-subscriber digest whose papers have a full text, for the
 * browser test of teaser figures: the papers named are taken from a saved feed, each one's
 * full text extracted from a LaTeXML page with the page's URL as base (so a relative image
 * becomes BASE/<id>v<n>/x1.png), and the digest built and rendered as a run does.
 *
 * Usage: teaser_digest FEED BASE OUT.html ID=PAGE.html... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/fulltext.h"
#include "paperboy/match.h"
#include "paperboy/parse.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"

int
main(int argc, char **argv)
{
	struct pb_paperset ps;
	struct pb_parse_result res;
	struct pb_fulltext_set fts = { 0 };
	struct pb_topic topic = { .name = "Teasers" };
	struct pb_subscriber sub = { .name = "reader", .language = "en", .topics = &topic,
				     .n_topics = 1 };
	struct pb_hit *hits;
	struct pb_selection sel = { 0 };
	struct pb_summarizer *s;
	struct pb_digest d;
	struct pb_parts parts = { 0 };
	struct pb_render_opts o = { 0 };
	char *data, err[256] = "";
	size_t len;
	int rc = 1;
	FILE *f;

	if (argc < 5) {
		fprintf(stderr, "usage: teaser_digest FEED BASE OUT.html ID=PAGE.html...\n");
		return 2;
	}
	pb_paperset_init(&ps);
	if (pb_read_file(argv[1], &data, &len, err, sizeof err) < 0) {
		fprintf(stderr, "teaser_digest: %s\n", err);
		return 1;
	}
	pb_parse_feed(data, len, argv[1], &ps, &res);
	free(data);
	hits = calloc((size_t)argc, sizeof *hits);
	fts.v = calloc((size_t)argc, sizeof *fts.v);
	if (!hits || !fts.v)
		return 1;
	for (int i = 4; i < argc; i++) {
		char id[64], why[256] = "";
		const char *eq = strchr(argv[i], '=');
		long k;
		struct pb_buf url = { 0 };

		if (!eq || (size_t)(eq - argv[i]) >= sizeof id) {
			fprintf(stderr, "teaser_digest: %s: want ID=PAGE.html\n", argv[i]);
			goto out;
		}
		snprintf(id, sizeof id, "%.*s", (int)(eq - argv[i]), argv[i]);
		k = pb_paperset_find(&ps, id);
		if (k < 0) {
			fprintf(stderr, "teaser_digest: %s is not in the feed\n", id);
			goto out;
		}
		if (pb_read_file(eq + 1, &data, &len, err, sizeof err) < 0) {
			fprintf(stderr, "teaser_digest: %s\n", err);
			goto out;
		}
		pb_buf_printf(&url, "%s/%sv%d", argv[2], id, ps.v[k].version);
		if (pb_fulltext_from_html(data, len, url.data, &fts.v[fts.n], why, sizeof why) < 0) {
			fprintf(stderr, "teaser_digest: %s: %s\n", eq + 1, why);
			free(data);
			pb_buf_free(&url);
			goto out;
		}
		free(data);
		pb_buf_reset(&url);
		pb_buf_printf(&url, "%sv%d", id, ps.v[k].version);
		fts.v[fts.n].paper_key = pb_buf_detach(&url);
		fts.n++;
		hits[sel.n_hits].paper = (size_t)k;
		hits[sel.n_hits].score = (double)(argc - i);
		hits[sel.n_hits].topic = 0;
		sel.n_hits++;
	}
	sel.sub = &sub;
	sel.hits = hits;
	sel.n_matched = sel.n_hits;
	s = pb_summarizer_new(NULL, NULL, NULL, err, sizeof err);
	pb_summarizer_set_fulltext(s, &fts);
	if (pb_digest_build(s, &ps, &sel, NULL, &d) < 0 ||
	    pb_render(&d, PB_FMT_HTML, &o, &parts) < 0 || parts.n != 1) {
		fprintf(stderr, "teaser_digest: cannot build or render the digest\n");
	} else if (!(f = fopen(argv[3], "w")) || fputs(parts.v[0], f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "teaser_digest: cannot write %s\n", argv[3]);
	} else {
		rc = 0;
	}
	pb_parts_free(&parts);
	pb_digest_free(&d);
	pb_summarizer_free(s);
out:
	for (size_t i = 0; i < fts.n; i++)
		pb_fulltext_clear(&fts.v[i]);
	free(fts.v);
	free(hits);
	pb_paperset_free(&ps);
	return rc;
}
