/* The delivery loop's group commit (src/deliver/marks.c): a message marked sent is counted
 * only once its group is committed, and its mark is on disk (seen by another connection)
 * then and not before; a group commits when due (PB_MARKS_MAX results) or forced; a group the
 * state lost reports its messages as not recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"
#include "../../src/deliver/marks.h"

static char path[512];
static int done_ok, done_lost;

static void
done(void *ctx, const struct pb_outbox_msg *m, int64_t ms, int ok)
{
	(void)ctx;
	(void)ms;
	if (ok && m->subscriber && strncmp(m->subscriber, "s", 1) == 0)
		done_ok++;
	else
		done_lost++;
}

/* Sent rows as another connection sees them: what is committed (either backend). */
static long
sent_on_disk(void)
{
	return t_state_raw_count(path, "SELECT count(*) FROM outbox WHERE status = 1");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], err[512], id[64], sub[32], *synced = NULL;
	struct pb_state *st;
	struct pb_marks g;
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "%s/pb-test-marks-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/marks.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return t_done("test_marks");
	for (int i = 0; i < PB_MARKS_MAX + 2; i++) {
		struct pb_outbox_msg m;

		memset(&m, 0, sizeof m);
		snprintf(id, sizeof id, "m%d", i);
		snprintf(sub, sizeof sub, "s%d", i);
		m.msg_id = id;
		m.subscriber = m.dest = sub;
		m.channel = "email";
		m.digest_date = "2026-01-01";
		m.part = m.n_parts = 1;
		m.payload = "body";
		T_EQ_INT(pb_outbox_put(st, &m), 1);
	}
	T_EQ_INT(pb_outbox_due(st, pb_now() + 1, 1000, &v, &n), 0);
	T_EQ_INT(n, PB_MARKS_MAX + 2);
	memset(&g, 0, sizeof g);
	g.st = st;

	/* Two results: recorded and committed at the end of the pass (a killed process loses
	 * neither), not yet counted: the group is not synced, not due yet. */
	for (size_t i = 0; i < 2 && i < n; i++) {
		pb_marks_result(&g);
		T_EQ_INT(pb_outbox_mark_sent(st, v[i].rowid, pb_now()), 0);
		pb_marks_sent(&g, &v[i], 5, done, NULL);
	}
	T_CHECK(g.open);
	T_EQ_INT(pb_marks_end(&g, 0, done, NULL), 0);
	T_EQ_INT(done_ok, 0);
	T_EQ_INT(sent_on_disk(), 2);
	T_CHECK(!g.open);
	T_CHECK(!pb_state_in_transaction(st));
	T_EQ_INT(pb_meta_get(st, "synced", &synced), 0);   /* no sync yet */
	T_CHECK(pb_marks_due_in(&g) >= 1 && pb_marks_due_in(&g) <= PB_MARKS_MS);
	/* Forced: synced (one commit with synchronous=FULL), then counted. */
	T_EQ_INT(pb_marks_end(&g, 1, done, NULL), 0);
	T_EQ_INT(done_ok, 2);
	T_EQ_INT(sent_on_disk(), 2);
	/* SQLite: the sync is a commit of its own; PostgreSQL's commits are durable already. */
	T_EQ_INT(pb_meta_get(st, "synced", &synced), t_state_pg() ? 0 : 1);
	free(synced);
	T_EQ_INT(pb_marks_due_in(&g), -1);
	/* PB_MARKS_MAX results make a group due at once. */
	for (size_t i = 2; i < 2 + PB_MARKS_MAX && i < n; i++) {
		pb_marks_result(&g);
		T_EQ_INT(pb_outbox_mark_sent(st, v[i].rowid, pb_now()), 0);
		pb_marks_sent(&g, &v[i], 5, done, NULL);
	}
	T_EQ_INT(pb_marks_end(&g, 0, done, NULL), 0);
	T_EQ_INT(done_ok, 2 + PB_MARKS_MAX);
	T_EQ_INT(sent_on_disk(), 2 + PB_MARKS_MAX);
	/* A group the state rolled back: its message is reported as not recorded. */
	pb_marks_result(&g);
	T_EQ_INT(pb_outbox_mark_sent(st, v[n - 1].rowid, pb_now()), 0);
	pb_marks_sent(&g, &v[n - 1], 5, done, NULL);
	T_EQ_INT(pb_state_rollback(st), 0);
	pb_marks_lost(&g, done, NULL);
	T_EQ_INT(done_lost, 1);
	T_EQ_INT(done_ok, 2 + PB_MARKS_MAX);
	T_EQ_INT(sent_on_disk(), 2 + PB_MARKS_MAX);
	/* No pass transaction (it could not begin): counted at the next sync. */
	T_EQ_INT(pb_state_begin(st), 0);   /* someone else's transaction: the group cannot open */
	pb_marks_result(&g);
	T_CHECK(!g.open);
	pb_marks_sent(&g, &v[n - 1], 5, done, NULL);
	T_EQ_INT(done_ok, 2 + PB_MARKS_MAX);
	T_EQ_INT(pb_state_rollback(st), 0);
	T_EQ_INT(pb_marks_end(&g, 1, done, NULL), 0);
	T_EQ_INT(done_ok, 3 + PB_MARKS_MAX);
	pb_marks_free(&g);
	pb_outbox_msgs_free(v, n);
	pb_state_close(st);
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_marks");
}
