/* `state migrate`'s copy (pb_state_copy), here between two SQLite files: every table's rows
 * copied and counted; and the source read as one state, under its write lock from the first
 * table to the last, so a writer the directory's lock does not keep out (the web endpoint's
 * sign-ups, on a state `paperboy serve` shares) waits for the copy rather than writing a row
 * into a table the copy has passed already, which would be left behind. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "t.h"

static char dir[64];

struct copy_job {
	struct pb_state *from, *to;
	struct pb_state_table_count *counts;
	size_t n;
	char err[512];
	int rc;
	atomic_int done;
};

static void *
copy_thread(void *arg)
{
	struct copy_job *j = arg;

	j->rc = pb_state_copy(j->from, j->to, 0, &j->counts, &j->n, j->err, sizeof j->err);
	atomic_store(&j->done, 1);
	return NULL;
}

static long
count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void
test_copy_holds_source(void)
{
	char a[128], b[128], err[512];
	struct copy_job j;
	pthread_t th;
	sqlite3 *w;
	long tries = 0, busy = 0;
	long rows;

	snprintf(a, sizeof a, "%s/a.db", dir);
	snprintf(b, sizeof b, "%s/b.db", dir);
	memset(&j, 0, sizeof j);
	/* a source with rows enough that the copy lasts a while: readers' verdicts */
	j.from = pb_state_open_mode(a, PB_STATE_CREATE, err, sizeof err);
	T_CHECK(j.from != NULL);
	if (!j.from)
		return;
	T_EQ_INT(sqlite3_open(a, &w), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(w, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			      " WHERE i < 200000) INSERT INTO feedback(subscriber, paper_id, verdict,"
			      " source, created) SELECT 'r' || (i % 97), '2411.' || i, 1, 'web', i"
			      " FROM n", NULL, NULL, NULL), SQLITE_OK);
	rows = count(a, "SELECT count(*) FROM feedback");
	T_EQ_INT(rows, 200000);
	j.to = pb_state_open_mode(b, PB_STATE_CREATE, err, sizeof err);
	T_CHECK(j.to != NULL);
	if (!j.to) {
		sqlite3_close(w);
		pb_state_close(j.from);
		return;
	}
	/* another process's writer, that waits for no lock: it asks for the write lock again and
	 * again while the copy runs */
	sqlite3_busy_timeout(w, 0);
	T_EQ_INT(pthread_create(&th, NULL, copy_thread, &j), 0);
	while (!atomic_load(&j.done)) {
		int rc = sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL);

		tries++;
		if (rc == SQLITE_BUSY)
			busy++;
		else if (rc == SQLITE_OK)
			sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
		usleep(200);
	}
	pthread_join(th, NULL);
	T_EQ_INT(j.rc, 0);
	if (j.rc != 0)
		fprintf(stderr, "copy: %s\n", j.err);
	/* the writer was kept waiting: the source was held */
	T_CHECK(busy > 0);
	printf("writer: %ld tries, %ld found the source held\n", tries, busy);
	/* every table counted, the verdicts among them, all there */
	T_CHECK(j.n > 10);
	for (size_t i = 0; i < j.n; i++) {
		T_EQ_INT(j.counts[i].copied, j.counts[i].source);
		if (strcmp(j.counts[i].table, "feedback") == 0)
			T_EQ_INT(j.counts[i].copied, 200000);
	}
	/* the source is free again once the copy ends */
	T_EQ_INT(sqlite3_exec(w, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(w);
	free(j.counts);
	pb_state_close(j.to);
	pb_state_close(j.from);
	T_EQ_INT(count(b, "SELECT count(*) FROM feedback"), 200000);
}

int
main(void)
{
	char cmd[128];

	pb_log_setup(PB_LOG_ERROR, 0);
	snprintf(dir, sizeof dir, "/tmp/pb-copy.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_copy_holds_source();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return t_done("test_state_copy");
}
