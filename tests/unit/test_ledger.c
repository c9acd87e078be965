/* The ledger reader (src/state/ledger.c) answers exactly what pb_ledger_has answers, for every
 * subscriber, paper and date exception, with several versions on several dates, a set larger
 * than its first table, and a reader reused from one subscriber to the next; one told the day's
 * papers (pb_ledger_reader_only) the same for those and no for the others; that one over a
 * ledger of several pages of its read (ledger.c's LEDGER_PAGE), and after a failed read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

static char dir[256];

/* Runs sql on the state at path through a connection of the test's own (either backend). */
static int
raw_exec(const char *path, const char *sql)
{
	return t_state_raw_exec(path, sql) == 0 ? SQLITE_OK : SQLITE_ERROR;
}

/* The state name in the test's directory, its path in *path; NULL (said, path freed) when it
 * cannot be opened. */
static struct pb_state *
open_in_dir(const char *name, struct pb_buf *path)
{
	char err[512] = "";
	struct pb_state *st;

	pb_buf_printf(path, "%s/%s", dir, name);
	st = t_state_open(path->data, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st) {
		fprintf(stderr, "open: %s\n", err);
		pb_buf_free(path);
	}
	return st;
}

/* Every answer of the reader against pb_ledger_has, for subscribers subs and ids p0..p(n-1)
 * plus the named extra ids. Returns the number of ids the reader said were received. */
static long
compare(struct pb_state *st, const char *except, const char *const *subs, size_t n_subs,
	size_t n_ids)
{
	struct pb_ledger_reader *r = pb_ledger_reader_new(st, except);
	/* and one told the day's papers: the even ids and the named ones but the last */
	struct pb_ledger_reader *day = pb_ledger_reader_new(st, except);
	const char *extra[] = { "2512.00001", "2512.00002", "2512.00003", "", "2512.0000",
				"2512.000011" };
	char **only = calloc(n_ids + 6, sizeof *only);
	long yes = 0;
	char id[32];

	for (size_t i = 0; only && i < n_ids; i += 2) {
		only[i] = malloc(32);
		if (only[i])
			snprintf(only[i], 32, "p%zu", i);
	}
	for (size_t i = 0; only && i < 5; i++)
		only[n_ids + i] = (char *)extra[i];
	T_CHECK(only != NULL);
	if (only)
		pb_ledger_reader_only(day, n_ids + 6, (const char *const *)only);

	/* twice over: a reader goes back to a subscriber it held before */
	for (int round = 0; round < 2; round++) {
		for (size_t s = 0; s < n_subs; s++) {
			T_EQ_INT(pb_ledger_reader_load(r, subs[s]), 0);
			T_EQ_INT(pb_ledger_reader_load(day, subs[s]), 0);
			for (size_t i = 0; i < n_ids + 6; i++) {
				const char *p = id;
				int want, got;

				if (i < n_ids)
					snprintf(id, sizeof id, "p%zu", i);
				else
					p = extra[i - n_ids];
				want = pb_ledger_has(st, subs[s], p, except);
				got = pb_ledger_reader_has(r, p);
				if (want != got)
					fprintf(stderr, "sub=%s id=%s except=%s: has %d, reader %d\n",
						subs[s], p, except ? except : "-", want, got);
				T_EQ_INT(got, want);
				/* told the day's papers: the same for them, no for the others */
				T_EQ_INT(pb_ledger_reader_has(day, p),
					 (i < n_ids ? i % 2 == 0 : i < n_ids + 5) ? want : 0);
				yes += round == 0 && got;
			}
		}
	}
	T_EQ_INT(pb_ledger_reader_has(r, NULL), 0);
	pb_ledger_reader_free(r);
	pb_ledger_reader_free(day);
	for (size_t i = 0; only && i < n_ids; i++)
		free(only[i]);
	free(only);
	return yes;
}

static void
test_same_answers(void)
{
	struct pb_buf path = { 0 };
	struct pb_state *st;
	struct pb_ledger_reader *r;
	const char *subs[] = { "alice", "bob", "carol", "nobody" };
	char id[32];

	if (!(st = open_in_dir("ledger.db", &path)))
		return;
	/* alice: one paper in two versions on two dates, one only on the run's date */
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00001", 1, "2025-12-04"), 0);
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00001", 2, "2025-12-08"), 0);
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00002", 1, "2025-12-08"), 0);
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00003", 1, "2025-12-04"), 0);
	/* bob: 500 papers over 50 dates, more than the first table holds */
	for (int i = 0; i < 500; i++) {
		char date[16];

		snprintf(id, sizeof id, "p%d", i * 2);
		snprintf(date, sizeof date, "2025-11-%02d", 1 + i % 30);
		T_EQ_INT(pb_ledger_add(st, "bob", id, 1, date), 0);
	}
	/* carol: the same ids as bob's on the run's date only */
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "p%d", i);
		T_EQ_INT(pb_ledger_add(st, "carol", id, 1, "2025-12-08"), 0);
	}

	/* no exception: every row counts */
	T_EQ_INT(compare(st, NULL, subs, 4, 1100), 3 + 500 + 40);
	/* a rerun of 2025-12-08: alice's 00001 stays received (version 1 came on 12-04), 00002
	 * does not; carol received nothing before that date */
	T_EQ_INT(compare(st, "2025-12-08", subs, 4, 1100), 2 + 500 + 0);
	/* a rerun of 2025-12-04: 00003 is not received, the other two are; one of bob's dates */
	T_EQ_INT(compare(st, "2025-12-04", subs, 4, 1100), 2 + 500 + 40);
	T_EQ_INT(compare(st, "2025-11-01", subs, 4, 1100), 3 + 500 - 17 + 40);

	/* the set holds each id once, whatever the number of its versions */
	r = pb_ledger_reader_new(st, NULL);
	T_EQ_INT(pb_ledger_reader_count(r), 0);
	T_EQ_INT(pb_ledger_reader_has(r, "2512.00001"), 0);
	T_EQ_INT(pb_ledger_reader_load(r, "alice"), 0);
	T_EQ_INT(pb_ledger_reader_count(r), 3);
	T_EQ_INT(pb_ledger_reader_load(r, "nobody"), 0);
	T_EQ_INT(pb_ledger_reader_count(r), 0);
	T_EQ_INT(pb_ledger_reader_has(r, "2512.00001"), 0);
	pb_ledger_reader_free(r);
	pb_ledger_reader_free(NULL);

	/* a read that fails says so and leaves the set empty */
	r = pb_ledger_reader_new(st, "2025-12-08");
	T_EQ_INT(pb_ledger_reader_load(r, "alice"), 0);
	T_EQ_INT(pb_ledger_reader_count(r), 2);
	T_EQ_INT(raw_exec(path.data, "ALTER TABLE ledger RENAME TO ledger_gone"), 0);
	T_EQ_INT(pb_ledger_reader_load(r, "alice"), -1);
	T_EQ_INT(pb_ledger_reader_count(r), 0);
	T_EQ_INT(pb_ledger_reader_has(r, "2512.00001"), 0);
	pb_ledger_reader_free(r);
	r = pb_ledger_reader_new(st, NULL);
	T_EQ_INT(pb_ledger_reader_load(r, "alice"), -1);
	pb_ledger_reader_free(r);

	pb_state_close(st);
	pb_buf_free(&path);
}

/* A ledger of 9,000 rows (3 dates x 3,000 subscribers), read a page at a time (4,096 rows): a
 * day's paper in the first row, on both sides of each page's end, and in the last row, is
 * found for its subscriber alone, and not when its date is the exception. A reader whose read
 * fails says so at every load until one succeeds. */
static void
test_pages(void)
{
	struct pb_buf path = { 0 };
	struct pb_state *st;
	struct pb_ledger_reader *r;
	const char *day[] = { "x1", "x2", "x3" };
	/* (date index, subscriber, the day's paper): rows 1, 4,096 and 4,097, 8,192 and 8,193,
	 * 9,000 in the key's order */
	static const struct { int d, s; const char *id; } put[] = {
		{ 0, 0, "x1" }, { 1, 1095, "x2" }, { 1, 1096, "x2" }, { 2, 2191, "x3" },
		{ 2, 2192, "x1" }, { 2, 2999, "x2" },
	};
	char sub[32], id[32], date[32];

	if (!(st = open_in_dir("pages.db", &path)))
		return;
	T_EQ_INT(pb_state_begin(st), 0);
	for (int d = 0; d < 3; d++)
		for (int s = 0; s < 3000; s++) {
			const char *ids[2];
			int versions[2] = { 1, 2 }, n = 1;

			snprintf(sub, sizeof sub, "s%04d", s);
			snprintf(date, sizeof date, "2025-11-%02d", d + 1);
			snprintf(id, sizeof id, "2511.%05d", d * 3000 + s);
			ids[0] = id;
			for (size_t k = 0; k < sizeof put / sizeof put[0]; k++)
				if (put[k].d == d && put[k].s == s)
					ids[n++] = put[k].id;
			T_EQ_INT(pb_ledger_add_many(st, sub, date, (size_t)n, ids, versions), 0);
		}
	T_EQ_INT(pb_state_commit(st), 0);

	for (int ex = -1; ex < 3; ex++) {
		snprintf(date, sizeof date, "2025-11-%02d", ex + 1);
		r = pb_ledger_reader_new(st, ex < 0 ? NULL : date);
		pb_ledger_reader_only(r, 3, day);
		/* in the key's order and against it: the first load is not always the first
		 * subscriber's */
		for (int k = 0; k < 3000; k++) {
			int s = ex & 1 ? 2999 - k : k;

			snprintf(sub, sizeof sub, "s%04d", s);
			T_EQ_INT(pb_ledger_reader_load(r, sub), 0);
			for (int i = 0; i < 3; i++) {
				int want = 0;

				for (size_t k = 0; k < sizeof put / sizeof put[0]; k++)
					want |= put[k].s == s && put[k].d != ex &&
						strcmp(put[k].id, day[i]) == 0;
				T_EQ_INT(pb_ledger_reader_has(r, day[i]), want);
			}
			/* other days' papers are not kept */
			snprintf(id, sizeof id, "2511.%05d", s);
			T_EQ_INT(pb_ledger_reader_has(r, id), 0);
		}
		pb_ledger_reader_free(r);
	}

	/* a failed read: -1 at each load, the set empty, until the table is back */
	r = pb_ledger_reader_new(st, NULL);
	pb_ledger_reader_only(r, 3, day);
	T_EQ_INT(raw_exec(path.data, "ALTER TABLE ledger RENAME TO ledger_gone"), 0);
	T_EQ_INT(pb_ledger_reader_load(r, "s0000"), -1);
	T_EQ_INT(pb_ledger_reader_has(r, "x1"), 0);
	T_EQ_INT(pb_ledger_reader_load(r, "s1095"), -1);
	T_EQ_INT(raw_exec(path.data, "ALTER TABLE ledger_gone RENAME TO ledger"), 0);
	T_EQ_INT(pb_ledger_reader_load(r, "s1095"), 0);
	T_EQ_INT(pb_ledger_reader_has(r, "x2"), 1);
	T_EQ_INT(pb_ledger_reader_count(r), 1);
	pb_ledger_reader_free(r);

	pb_state_close(st);
	pb_buf_free(&path);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "%s/pb-test-ledger-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_same_answers();
	test_pages();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_ledger");
}
