/* The full list computed by windows: a matcher told not to keep the rest gives every
 * selection an empty one and otherwise the same selection; pb_match_rest then fills a window
 * of subscribers with exactly the rest pb_match_all keeps by default (same papers, topics,
 * scores and order), with a skip filter in play; pb_selection_drop_rest empties one. */
#include <stdbool.h>
#include <unistd.h>

#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/hash.h"
#include "paperboy/match.h"
#include "paperboy/parse.h"
#include "t.h"

static const char conf[] =
	"state_dir = \"/tmp/pb-test-match-rest-state\";\n"
	"arxiv = { categories = [\"cs\", \"math\", \"physics\"]; };\n"
	"file = { enabled = true; };\n"
	"subscribers = (\n"
	"  { name = \"a\"; max_papers = 5; topics = ( { name = \"cv\"; query = \"cat:cs.CV\"; },\n"
	"      { name = \"lg\"; query = \"cat:cs.LG\"; } ); },\n"
	"  { name = \"b\"; max_papers = 3; topics = ( { name = \"t\"; query = \"ti:learning\"; } ); },\n"
	"  { name = \"c\"; topics = ( { name = \"r\"; query = \"abs:robot*\"; } ); },\n"
	"  { name = \"d\"; max_papers = 2; topics = ( { name = \"m\"; query = \"cat:math.AP\"; } ); },\n"
	"  { name = \"e\"; max_papers = 4; topics = ( { name = \"x\"; query = \"ti:zzzzunmatched\"; } ); } );\n";

/* Skips one candidate in four, differently for each subscriber, and counts the questions. */
static long asked;

static int
skip_some(void *ctx, size_t s, const struct pb_paper *p)
{
	(void)ctx;
	asked++;
	return (pb_fnv1a64_str(p->id) + s) % 4 == 0;
}

static bool
same_hits(const struct pb_hit *x, const struct pb_hit *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x[i].paper != y[i].paper || x[i].score != y[i].score ||
		    x[i].topic != y[i].topic || x[i].flags != y[i].flags)
			return false;
	return true;
}

int
main(void)
{
	char path[] = "/tmp/pb-test-match-rest-XXXXXX", err[1024], *data;
	struct pb_config_error cerr;
	struct pb_config *cfg;
	struct pb_paperset ps;
	struct pb_parse_result res;
	struct pb_matcher *m1, *m2;
	struct pb_selection *keep = NULL, *lean = NULL;
	size_t len, with_rest = 0;
	long asked_all;
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		perror("mkstemp");
		return 2;
	}
	fputs(conf, f);
	fclose(f);
	cfg = pb_config_load(path, &cerr);
	unlink(path);
	T_CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "config: %s: %s\n", cerr.key, cerr.message);
		return t_done("test_match_rest");
	}
	pb_paperset_init(&ps);
	if (pb_read_file(t_fixture("rss2-all-archives-2024-11-28-1504items.xml"), &data, &len, err,
			 sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pb_parse_feed(data, len, "fixture", &ps, &res);
	free(data);

	m1 = pb_matcher_new(cfg, err, sizeof err);
	m2 = pb_matcher_new(cfg, err, sizeof err);
	T_CHECK(m1 && m2);
	if (!m1 || !m2)
		return t_done("test_match_rest");
	pb_matcher_set_skip(m1, skip_some, NULL);
	pb_matcher_set_skip(m2, skip_some, NULL);
	pb_matcher_keep_rest(m2, 0);
	T_EQ_INT(pb_match_all(m1, &ps, &keep, err, sizeof err), 0);
	asked_all = asked;
	T_EQ_INT(pb_match_all(m2, &ps, &lean, err, sizeof err), 0);
	/* the filter is asked the same questions either way */
	T_EQ_INT(asked - asked_all, asked_all);
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		with_rest += keep[s].n_rest > 0;
		T_EQ_INT(lean[s].n_rest, 0);
		T_CHECK(lean[s].rest == NULL);
		T_EQ_INT(lean[s].n_hits, keep[s].n_hits);
		T_EQ_INT(lean[s].n_matched, keep[s].n_matched);
		T_CHECK(same_hits(lean[s].hits, keep[s].hits, keep[s].n_hits));
	}
	/* the fixture gives most of them more than their cap: the test means something */
	T_CHECK(with_rest >= 3);

	/* windows of two, the last one cut short by the end */
	for (size_t from = 0; from < cfg->n_subscribers; from += 2)
		pb_match_rest(m2, &ps, lean, from, from + 2);
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		T_EQ_INT(lean[s].n_rest, keep[s].n_rest);
		T_CHECK(same_hits(lean[s].rest, keep[s].rest, keep[s].n_rest));
		T_EQ_INT(lean[s].n_hits, keep[s].n_hits);
	}
	/* again over a window already filled: replaced, not added to */
	pb_match_rest(m2, &ps, lean, 1, 3);
	T_EQ_INT(lean[1].n_rest, keep[1].n_rest);
	T_CHECK(same_hits(lean[1].rest, keep[1].rest, keep[1].n_rest));
	/* an empty or out-of-range window does nothing */
	pb_match_rest(m2, &ps, lean, 3, 3);
	pb_match_rest(m2, &ps, lean, 50, 60);
	T_EQ_INT(lean[3].n_rest, keep[3].n_rest);

	pb_selection_drop_rest(&lean[0]);
	T_EQ_INT(lean[0].n_rest, 0);
	T_CHECK(lean[0].rest == NULL);
	T_EQ_INT(lean[0].n_hits, keep[0].n_hits);

	pb_selections_free(keep, cfg->n_subscribers);
	pb_selections_free(lean, cfg->n_subscribers);
	pb_matcher_free(m1);
	pb_matcher_free(m2);
	pb_paperset_free(&ps);
	pb_config_free(cfg);
	return t_done("test_match_rest");
}
