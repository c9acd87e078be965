/* The corpus and liked authors' papers in the state: a paper's record comes back whole, a
 * later version replaces an earlier one, marks, the walk by date, pruning, and the day's
 * papers recorded in one call (pb_likes_record_day) on a real arXiv day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/fetch.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

static char dir[256];

static struct pb_state *
open_db(const char *name)
{
	char path[512], err[512] = "";
	struct pb_state *st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	st = t_state_open(path, err, sizeof err);
	if (!st)
		fprintf(stderr, "open %s: %s\n", path, err);
	return st;
}

static void
make_paper(struct pb_paper *p, const char *id, int version, const char *title)
{
	memset(p, 0, sizeof *p);
	p->id = pb_xstrdup(id);
	p->version = version;
	p->title = pb_xstrdup(title);
	p->abstract = pb_xstrdup("We study superfluid helium in nanopores.");
	p->n_authors = 2;
	p->authors = pb_xcalloc(2, sizeof *p->authors);
	p->authors[0].name = pb_xstrdup("Adrian Del Maestro");
	p->authors[1].name = pb_xstrdup("R\\'emy Dubertrand");
	p->n_categories = 2;
	p->categories = pb_xcalloc(2, sizeof *p->categories);
	p->categories[0] = pb_xstrdup("cond-mat.other");
	p->categories[1] = pb_xstrdup("quant-ph");
	p->announce = PB_ANN_REPLACE;
}

static void
test_put_get(void)
{
	struct pb_state *st = open_db("put.db");
	struct pb_paper p, got;
	char date[16], status[16];

	T_CHECK(st != NULL);
	if (!st)
		return;
	make_paper(&p, "1201.4869", 2, "A Luttinger liquid core");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-11-28"), 0);
	pb_paper_free(&p);

	memset(&got, 0, sizeof got);
	T_EQ_INT(pb_corpus_get(st, "1201.4869", &got, date), 1);
	T_EQ_STR(got.id, "1201.4869");
	T_EQ_INT(got.version, 2);
	T_EQ_STR(got.title, "A Luttinger liquid core");
	T_EQ_STR(got.abstract, "We study superfluid helium in nanopores.");
	T_EQ_INT(got.n_authors, 2);
	if (got.n_authors == 2) {
		T_EQ_STR(got.authors[0].name, "Adrian Del Maestro");
		T_EQ_STR(got.authors[1].name, "R\\'emy Dubertrand");
	}
	T_EQ_INT(got.n_categories, 2);
	if (got.n_categories == 2) {
		T_EQ_STR(got.categories[0], "cond-mat.other");
		T_EQ_STR(got.categories[1], "quant-ph");
	}
	T_EQ_INT(got.announce, PB_ANN_REPLACE);
	T_EQ_STR(date, "2024-11-28");
	pb_paper_free(&got);

	/* An older or equal version changes nothing; a later one replaces it. */
	make_paper(&p, "1201.4869", 1, "old title");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-12-01"), 0);
	pb_paper_free(&p);
	T_EQ_INT(pb_corpus_get(st, "1201.4869", &got, date), 1);
	T_EQ_STR(got.title, "A Luttinger liquid core");
	T_EQ_STR(date, "2024-11-28");
	pb_paper_free(&got);
	make_paper(&p, "1201.4869", 3, "new title");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-12-02"), 0);
	pb_paper_free(&p);
	T_EQ_INT(pb_corpus_get(st, "1201.4869", &got, date), 1);
	T_EQ_STR(got.title, "new title");
	T_EQ_INT(got.version, 3);
	T_EQ_STR(date, "2024-12-02");
	pb_paper_free(&got);

	/* Absent, then marked: asked once. */
	T_EQ_INT(pb_corpus_get(st, "0808.05394", &got, NULL), 0);
	T_EQ_INT(pb_corpus_status(st, "0808.05394", status), 0);
	T_EQ_INT(pb_corpus_mark(st, "0808.05394", "missing"), 0);
	T_EQ_INT(pb_corpus_get(st, "0808.05394", &got, NULL), 2);
	T_EQ_INT(pb_corpus_status(st, "0808.05394", status), 1);
	T_EQ_STR(status, "missing");
	T_EQ_INT(pb_corpus_mark(st, "1201.4869", "withdrawn"), 0);
	T_EQ_INT(pb_corpus_get(st, "1201.4869", &got, NULL), 2);
	T_EQ_INT(pb_corpus_status(st, "1201.4869", status), 1);
	T_EQ_STR(status, "withdrawn");
	T_CHECK(pb_corpus_mark(st, "1201.4869", "gone") < 0);
	/* A marked id found after all takes its text. */
	make_paper(&p, "0808.05394", 1, "found after all");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-12-03"), 0);
	pb_paper_free(&p);
	T_EQ_INT(pb_corpus_get(st, "0808.05394", &got, NULL), 1);
	T_EQ_STR(got.title, "found after all");
	pb_paper_free(&got);
	pb_state_close(st);
}

struct walk {
	char ids[8][32];
	char dates[8][16];
	size_t n;
	size_t stop_at;
};

static int
walk_fn(void *ctx, const struct pb_paper *p, const char *date)
{
	struct walk *w = ctx;

	if (w->n < 8) {
		snprintf(w->ids[w->n], sizeof w->ids[0], "%s", p->id);
		snprintf(w->dates[w->n], sizeof w->dates[0], "%s", date);
	}
	w->n++;
	return w->n == w->stop_at ? 7 : 0;
}

static void
test_each_prune(void)
{
	struct pb_state *st = open_db("each.db");
	static const char *const ids[] = { "2411.00003", "2411.00001", "2411.00002" };
	static const char *const dates[] = { "2024-11-03", "2024-11-01", "2024-11-02" };
	struct walk w = { .stop_at = 0 };
	struct pb_paper p;

	if (!st)
		return;
	for (int i = 0; i < 3; i++) {
		make_paper(&p, ids[i], 1, "t");
		T_EQ_INT(pb_corpus_put(st, &p, dates[i]), 0);
		pb_paper_free(&p);
	}
	T_EQ_INT(pb_corpus_mark(st, "2411.09999", "missing"), 0);
	T_EQ_INT(pb_corpus_each(st, "2024-11-02", walk_fn, &w), 0);
	T_EQ_INT(w.n, 2);    /* date order, marks left out */
	T_EQ_STR(w.ids[0], "2411.00002");
	T_EQ_STR(w.ids[1], "2411.00003");
	T_EQ_STR(w.dates[1], "2024-11-03");
	memset(&w, 0, sizeof w);
	w.stop_at = 1;
	T_EQ_INT(pb_corpus_each(st, NULL, walk_fn, &w), 7);
	T_EQ_INT(w.n, 1);
	T_EQ_STR(w.ids[0], "2411.00001");

	T_EQ_INT(pb_corpus_prune(st, "2024-11-03"), 2);
	memset(&w, 0, sizeof w);
	T_EQ_INT(pb_corpus_each(st, NULL, walk_fn, &w), 0);
	T_EQ_INT(w.n, 1);
	pb_state_close(st);
}

static void
test_authors(void)
{
	struct pb_state *st = open_db("authors.db");
	static const char *const found[] = { "1201.4869", "cond-mat/0412498" };
	char **ids;
	size_t n;

	if (!st)
		return;
	T_EQ_INT(pb_author_papers_looked_up(st, "Adrian Del Maestro"), 0);
	T_EQ_INT(pb_author_papers_put(st, "Adrian Del Maestro", found, 2), 0);
	T_EQ_INT(pb_author_papers_put(st, "Nobody Known", NULL, 0), 0);
	T_EQ_INT(pb_author_papers_looked_up(st, "Adrian Del Maestro"), 1);
	T_EQ_INT(pb_author_papers_looked_up(st, "Nobody Known"), 1);
	T_EQ_INT(pb_author_papers_get(st, "Adrian Del Maestro", &ids, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(ids[0], "1201.4869");
		T_EQ_STR(ids[1], "cond-mat/0412498");
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	T_EQ_INT(pb_author_papers_get(st, "Nobody Known", &ids, &n), 0);
	T_EQ_INT(n, 0);
	free(ids);
	/* Nothing older than a minute ago: nothing pruned; everything before tomorrow: all. */
	T_EQ_INT(pb_author_papers_prune(st, pb_now() - 60), 0);
	T_EQ_INT(pb_author_papers_prune(st, pb_now() + 86400), 4);
	T_EQ_INT(pb_author_papers_looked_up(st, "Adrian Del Maestro"), 0);
	pb_state_close(st);
}

/* The 1,504-item day into the corpus in one call; a second day 200 days later prunes it. */
static void
test_record_day(void)
{
	struct pb_state *st = open_db("day.db");
	struct pb_config cfg;
	struct pb_paperset day, later;
	struct pb_fetch_result res;
	struct pb_paper p, got;
	struct walk w = { .stop_at = 0 };

	if (!st)
		return;
	memset(&cfg, 0, sizeof cfg);
	cfg.rank.corpus_days = 120;
	pb_paperset_init(&day);
	memset(&res, 0, sizeof res);
	T_EQ_INT(pb_fetch_file(t_fixture("rss2-all-archives-2024-11-28-1504items.xml"), &day, &res),
		 PB_FETCH_OK);
	T_EQ_INT(day.n, 1504);
	T_EQ_INT(pb_likes_record_day(&cfg, st, &day, "2024-11-28"), 0);
	T_EQ_INT(pb_corpus_each(st, NULL, walk_fn, &w), 0);
	T_EQ_INT(w.n, 1504);
	memset(&got, 0, sizeof got);
	T_EQ_INT(pb_corpus_get(st, day.v[0].id, &got, NULL), 1);
	T_EQ_STR(got.title, day.v[0].title);
	T_EQ_INT(got.n_authors, day.v[0].n_authors);
	T_EQ_INT(got.n_categories, day.v[0].n_categories);
	pb_paper_free(&got);
	T_CHECK(pb_likes_record_day(&cfg, st, &day, "not a date") < 0);

	pb_paperset_init(&later);
	make_paper(&p, "2506.00001", 1, "later");
	pb_paperset_add(&later, &p);
	T_EQ_INT(pb_likes_record_day(&cfg, st, &later, "2025-06-16"), 0);
	memset(&w, 0, sizeof w);
	T_EQ_INT(pb_corpus_each(st, NULL, walk_fn, &w), 0);
	T_EQ_INT(w.n, 1);
	T_EQ_STR(w.ids[0], "2506.00001");
	pb_paperset_free(&later);
	pb_paperset_free(&day);
	pb_state_close(st);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "%s/pb-test-corpus-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_put_get();
	test_each_prune();
	test_authors();
	test_record_day();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	printf("test_corpus: %d checks, %d failed\n", t_checked, t_failed);
	return t_failed ? 1 : 0;
}
