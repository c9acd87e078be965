/* Fuzzes the rule parser and the matcher: the input is a topic query (up to the first NUL; the
 * rest, if any, is an exclusion). A query that parses is formatted, evaluated on a small fixed
 * paper, and run through the indexed matcher and the reference on three papers, which must
 * agree. Folding and TeX decoding see the raw bytes too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/fold.h"
#include "paperboy/match.h"
#include "paperboy/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *cats0[] = { "cs.CV", "astro-ph.GA" };
static char *cats1[] = { "cs.LG" };

static struct pb_author au0[] = { { "R\\'emy Dupont", NULL, 0 }, { "Seungryong Kim", NULL, 0 } };
static struct pb_author au1[] = { { "Andrew Zisserman", NULL, 0 } };

static struct pb_paper papers[] = {
	{ .id = "2411.00001", .title = "3D-Aware Gaussian Splatting for Renewable Scenes",
	  .abstract = "We present a new NeRF method for Schr\\\"odinger settings; vision-language.",
	  .comment = "CVPR 2025, 12 pages", .authors = au0, .n_authors = 2, .categories = cats0,
	  .n_categories = 2, .announce = PB_ANN_NEW },
	{ .id = "2411.00002", .title = "Video Diffusion \xce\xb1-models",
	  .abstract = "Temporal consistency. Stra\xc3\x9f" "e \\c{c}a va.", .authors = au1,
	  .n_authors = 1, .categories = cats1, .n_categories = 1, .announce = PB_ANN_CROSS },
	{ .id = "2411.00003", .title = "A survey", .abstract = NULL, .announce = PB_ANN_REPLACE },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *excl = NULL;
	struct pb_buf b = { 0 };
	struct pb_rule_error e;
	struct pb_rule *r;
	size_t qlen;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	qlen = strlen(text);
	if (qlen < size)
		excl = text + qlen + 1;

	pb_fold(text, qlen, &b);
	pb_buf_reset(&b);
	pb_tex_decode(text, qlen, &b);
	pb_buf_reset(&b);

	r = pb_rule_parse(text, &e);
	if (!r) {
		if (e.col < 1 || !e.msg[0])
			abort();
		pb_rule_error_format(text, &e, &b);
	} else {
		struct pb_doc d;
		struct pb_paperset ps = { .v = papers, .n = 3, .cap = 3, .total_results = -1,
					    .start_index = -1 };
		struct pb_topic topic = { .name = "t", .query = text, .include_cross = PB_INHERIT,
					  .include_replace = PB_YES, .exclude = &excl,
					  .n_exclude = excl ? 1 : 0 };
		struct pb_subscriber sub = { .name = "s", .max_papers = 2, .include_cross = true,
					     .topics = &topic, .n_topics = 1 };
		struct pb_config cfg = { .subscribers = &sub, .n_subscribers = 1 };
		struct pb_selection *a = NULL, *ref = NULL;
		struct pb_matcher *m;
		char err[1024];

		pb_rule_format(r, &b);
		pb_doc_init(&d, &papers[0]);
		(void)pb_rule_eval(r, &d);
		pb_doc_free(&d);
		m = pb_matcher_new(&cfg, err, sizeof err);
		if (m) {
			if (pb_match_all(m, &ps, &a, err, sizeof err) < 0 ||
			    pb_match_all_reference(m, &ps, &ref, err, sizeof err) < 0)
				abort();
			if (a[0].n_hits != ref[0].n_hits || a[0].n_matched != ref[0].n_matched)
				abort();
			for (size_t i = 0; i < a[0].n_hits; i++)
				if (a[0].hits[i].paper != ref[0].hits[i].paper ||
				    a[0].hits[i].score != ref[0].hits[i].score)
					abort();
			for (size_t i = 0; i < 3; i++) {
				pb_buf_reset(&b);
				pb_match_explain(m, 0, &papers[i], &b);
			}
			pb_selections_free(a, 1);
			pb_selections_free(ref, 1);
			pb_matcher_free(m);
		}
		pb_rule_free(r);
	}
	pb_buf_free(&b);
	free(text);
	return 0;
}
