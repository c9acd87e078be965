/* Several machines on one state: each machine's name and heartbeat, and the pacing of
 * destinations that every machine shares. Statements are prepared per call (a heartbeat every
 * few seconds, a pacing slot per chat message): they stay out of the shared statement table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "state_internal.h"

void
pb_state_set_machine(struct pb_state *st, const char *name)
{
	snprintf(st->machine, sizeof st->machine, "%s", name ? name : "");
}

const char *
pb_state_machine(const struct pb_state *st)
{
	return st ? st->machine : "";
}

int
pb_machine_beat(struct pb_state *st, int64_t pid, int64_t started, int64_t now, long sent)
{
	static const char sql[] =
		"INSERT INTO machines(name, pid, started, heartbeat, sent_day, sent_today,"
		" sent_total) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT(name) DO UPDATE"
		" SET started = CASE WHEN machines.pid = excluded.pid THEN machines.started"
		"   ELSE excluded.started END, pid = excluded.pid,"
		" heartbeat = excluded.heartbeat,"
		" sent_today = CASE WHEN machines.sent_day = excluded.sent_day"
		"   THEN machines.sent_today + excluded.sent_today ELSE excluded.sent_today END,"
		" sent_day = excluded.sent_day,"
		" sent_total = machines.sent_total + excluded.sent_total";
	pb_db_stmt *s = pb_st_prepare(st, sql, "machine_beat");
	char day[16];
	time_t t = (time_t)now;
	struct tm tm;
	int rc;

	st->beat_ms = pb_mono_ms();
	if (!s)
		return -1;
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	pb_st_bind_text(s, 1, st->machine);
	pb_db_bind_int64(s, 2, pid);
	pb_db_bind_int64(s, 3, started);
	pb_db_bind_int64(s, 4, now);
	pb_st_bind_text(s, 5, day);
	pb_db_bind_int64(s, 6, sent);
	rc = pb_st_run(st, s, "machine_beat");
	pb_db_finalize(s);
	return rc;
}

/* The others judge a machine alive by a heartbeat within the lease: three chances to beat
 * within it, and never more often than delivery beats. */
#define ALIVE_MAX_MS 5000

int
pb_machine_beat_due(const struct pb_state *st, int lease_s)
{
	int64_t every = (int64_t)(lease_s > 0 ? lease_s : 60) * 1000 / 3;

	if (every > ALIVE_MAX_MS)
		every = ALIVE_MAX_MS;
	return !st->beat_ms || pb_mono_ms() - st->beat_ms >= every;
}

int
pb_machine_alive(struct pb_state *st, int lease_s)
{
	int64_t now = (int64_t)time(NULL);

	/* A write inside an open transaction (SQLite's read window too) would join it. */
	if (!pb_machine_beat_due(st, lease_s) || pb_db_in_transaction(st->db))
		return 0;
	return pb_machine_beat(st, (int64_t)getpid(), now, now, 0) < 0 ? -1 : 1;
}

int
pb_machines_list(struct pb_state *st, int64_t now, struct pb_machine_row **out, size_t *n)
{
	static const char sql[] =
		"SELECT m.name, m.pid, m.started, m.heartbeat, m.sent_day, m.sent_today,"
		" m.sent_total,"
		" (SELECT count(*) FROM outbox o WHERE o.status = 0 AND o.claimed_by = m.name"
		"   AND o.lease_until >= ?1),"
		" (SELECT count(*) FROM fetch_claims f WHERE f.owner = m.name"
		"   AND f.status = 'fetching' AND f.lease_until >= ?1"
		"   AND f.key <> 'telegram:getUpdates')"   /* the bot's long poll: no fetch */
		" FROM machines m ORDER BY m.name";
	pb_db_stmt *s = pb_st_prepare(st, sql, "machines_list");
	struct pb_machine_row *v = NULL;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, now);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		struct pb_machine_row *m;

		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		m = &v[k++];
		memset(m, 0, sizeof *m);
		pb_st_col_copy(s, 0, m->name, sizeof m->name);
		m->pid = pb_db_col_int64(s, 1);
		m->started = pb_db_col_int64(s, 2);
		m->heartbeat = pb_db_col_int64(s, 3);
		pb_st_col_copy(s, 4, m->sent_day, sizeof m->sent_day);
		m->sent_today = (long)pb_db_col_int64(s, 5);
		m->sent_total = (long)pb_db_col_int64(s, 6);
		m->claims = (long)pb_db_col_int64(s, 7);
		m->fetching = (long)pb_db_col_int64(s, 8);
	}
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "machines_list");
		free(v);
		pb_db_finalize(s);
		return -1;
	}
	pb_db_finalize(s);
	*out = v;
	*n = k;
	return 0;
}

/* The instant of key, 0 when it has none. -1 on error. */
static int
pace_get(struct pb_state *st, pb_db_stmt *s, const char *key, int64_t *at)
{
	int rc;

	pb_db_reset(s);
	pb_st_bind_text(s, 1, key);
	rc = pb_db_step(s);
	*at = rc == PB_DB_ROW ? pb_db_col_int64(s, 0) : 0;
	if (rc != PB_DB_ROW && rc != PB_DB_DONE) {
		pb_st_error(st, "pace_take");
		pb_db_reset(s);
		return -1;
	}
	/* Reset at once: a read left open would keep SQLite's snapshot, and the write that
	 * follows would fail (busy) once another machine has written. */
	pb_db_reset(s);
	return 0;
}

/* Delivery takes its slots inside the transaction that records its results: there they are
 * taken under a savepoint, so that a failure gives up the slots alone, not the results before
 * them. On PostgreSQL two machines taking two slots in opposite orders deadlock, and the server
 * fails one statement to break it. pace_begin returns whether it opened one (0/1) or -1;
 * pace_end closes it, undoing what came after it when rc < 0, and returns rc (or -1). */
static int
pace_begin(struct pb_state *st)
{
	if (!pb_db_in_transaction(st->db))
		return 0;
	return pb_st_exec(st, "SAVEPOINT pb_pace", "pace") < 0 ? -1 : 1;
}

static int
pace_end(struct pb_state *st, int sp, int rc)
{
	if (sp && ((rc < 0 && pb_st_exec(st, "ROLLBACK TO SAVEPOINT pb_pace", "pace") < 0) ||
		   pb_st_exec(st, "RELEASE SAVEPOINT pb_pace", "pace") < 0))
		return -1;
	return rc;
}

int
pb_pace_take(struct pb_state *st, const char *const *keys, const long *interval_ms, size_t n,
	     int64_t now_ms, int64_t *next_ms)
{
	pb_db_stmt *get = NULL, *put = NULL;
	int64_t at, busy = 0;
	int rc = -1, sp;

	*next_ms = 0;
	if ((sp = pace_begin(st)) < 0)
		return -1;
	get = pb_st_prepare(st, "SELECT next_ms FROM pacing WHERE key = ?1", "pace_take");
	/* Advanced only when free at now: of two machines, the second finds it taken. */
	put = pb_st_prepare(st, "INSERT INTO pacing(key, next_ms) VALUES(?1, ?2)"
				" ON CONFLICT(key) DO UPDATE SET next_ms = excluded.next_ms"
				" WHERE pacing.next_ms <= ?3", "pace_take");
	if (!get || !put)
		goto out;
	/* Looked at first, so a free key is not spent while another keeps the message back. */
	for (size_t i = 0; i < n; i++) {
		if (pace_get(st, get, keys[i], &at) < 0)
			goto out;
		if (at > now_ms && at > busy)
			busy = at;
	}
	if (busy) {
		*next_ms = busy;
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		pb_db_reset(put);
		pb_st_bind_text(put, 1, keys[i]);
		pb_db_bind_int64(put, 2, now_ms + interval_ms[i]);
		pb_db_bind_int64(put, 3, now_ms);
		if (pb_st_run(st, put, "pace_take") < 0)
			goto out;
		if (pb_db_changes(st->db) == 0) {
			/* Another machine took it meanwhile. */
			if (pace_get(st, get, keys[i], &at) < 0)
				goto out;
			*next_ms = at > now_ms ? at : now_ms + 1;
			rc = 0;
			goto out;
		}
	}
	rc = 1;
out:
	pb_db_finalize(get);
	pb_db_finalize(put);
	return pace_end(st, sp, rc);
}

int
pb_pace_hold(struct pb_state *st, const char *key, int64_t until_ms)
{
	pb_db_stmt *put;
	int rc = -1, sp;

	/* As in pb_pace_take: a failure inside the delivery's transaction gives up the hold
	 * alone. */
	if ((sp = pace_begin(st)) < 0)
		return -1;
	/* Only ever later: a hold never frees a slot another message took. */
	put = pb_st_prepare(st, "INSERT INTO pacing(key, next_ms) VALUES(?1, ?2)"
				" ON CONFLICT(key) DO UPDATE SET next_ms = excluded.next_ms"
				" WHERE pacing.next_ms < excluded.next_ms", "pace_hold");
	if (!put)
		goto out;
	pb_st_bind_text(put, 1, key);
	pb_db_bind_int64(put, 2, until_ms);
	if (pb_st_run(st, put, "pace_hold") < 0)
		goto out;
	rc = 0;
out:
	pb_db_finalize(put);
	return pace_end(st, sp, rc);
}
