/* State: one SQLite database in WAL mode.
 *
 * Every statement is prepared once per handle (lazily, on first use) and kept. The schema is
 * versioned in meta('schema_version') and brought up to date by ordered migrations, each in
 * the same transaction as the version bump, so a database is always at exactly one version.
 * Functions that change rows run in autocommit unless the caller opened a transaction with
 * pb_state_begin; the outbox relies on that for "enqueue everything, then send". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "state_internal.h"



#define OUT_COLS \
	"o.rowid, o.msg_id, o.subscriber, o.channel, o.dest, o.digest_date, o.part, o.n_parts, " \
	"o.status, o.attempts, o.next_attempt, o.created, o.last_error, o.fingerprint"

/* The ledger's dates, each found from the last by its key (a seek a date, 90 for the default
 * retention, instead of reading the rows under them). */
#define LEDGER_DATES \
	"WITH RECURSIVE ledger_dates(x) AS (SELECT (SELECT MIN(digest_date) FROM ledger)" \
	" UNION ALL SELECT (SELECT MIN(digest_date) FROM ledger" \
	" WHERE digest_date > ledger_dates.x) FROM ledger_dates WHERE x IS NOT NULL) "
#define SUB_COLS "name, settings, state, reason, source, created, updated, generation"

static const char *const stmt_sql[S_COUNT] = {
	[S_OUT_PUT] = "INSERT INTO outbox(msg_id, subscriber, channel, dest, digest_date, part,"
		      " n_parts, status, attempts, next_attempt, created, last_error, updated,"
		      " generation, fingerprint)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11, ?13, ?14)"
		      " ON CONFLICT(msg_id) DO NOTHING RETURNING rowid",
	[S_OUT_DUE] = "SELECT " OUT_COLS " FROM outbox o"
		      " WHERE o.status = 0 AND o.next_attempt <= ?1"
		      " AND (CAST(?3 AS TEXT) IS NULL OR o.claimed_by = ?3)"
		      " ORDER BY o.subscriber, o.channel, o.dest, o.digest_date, o.part, o.rowid"
		      " LIMIT ?2",
	/* held messages (deliver.c) are not waited for: a run with a long --wait, or the
	 * daemon, would wake every quarter of an hour to hold them again */
	[S_OUT_NEXT] = "SELECT MIN(next_attempt) FROM outbox WHERE status = 0"
		       " AND (last_error IS NULL OR last_error <> '" PB_OUTBOX_HELD "')",
	[S_OUT_SENT] = "UPDATE outbox SET status = 1, sent_at = ?2, updated = ?2,"
		       " attempts = attempts + 1 WHERE rowid = ?1",
	[S_OUT_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2,"
			" last_error = ?3, updated = ?4 WHERE rowid = ?1",
	[S_OUT_STATUS] = "UPDATE outbox SET status = ?2, last_error = COALESCE(?3, last_error),"
			 " updated = ?4 WHERE rowid = ?1",
	[S_OUT_TRIED] = "UPDATE outbox SET status = ?2, attempts = attempts + 1,"
			" last_error = COALESCE(?3, last_error), updated = ?4 WHERE rowid = ?1",
	[S_OUT_REDIRECT] = "UPDATE outbox SET dest = ?3, updated = ?4"
			   " WHERE status = 0 AND channel = ?1 AND dest = ?2",
	[S_OUT_DEFER] = "UPDATE outbox SET next_attempt = CASE WHEN next_attempt > ?1"
			" THEN next_attempt ELSE ?1 END"
			" WHERE status = 0 AND subscriber = ?2 AND channel = ?3 AND dest = ?4"
			" AND (digest_date > ?5 OR (digest_date = ?5 AND part > ?6))",
	[S_OUT_PAUSE_DEST] = "UPDATE outbox SET status = 4, last_error = ?3, updated = ?4"
			     " WHERE status = 0 AND channel = ?1 AND dest = ?2",
	[S_OUT_PENDING] = "SELECT count(*) FROM outbox WHERE status = 0",
	/* not a destination still suppressed: delivery would pause it again at once, having
	 * said it was sent again (`subscriber resume` lifts the suppressions first) */
	[S_OUT_REQUEUE_ALL] = "UPDATE outbox SET status = 0, attempts = 0, next_attempt = 0,"
			      " created = ?1, updated = ?1 WHERE status IN (2, 4)"
			      " AND NOT EXISTS (SELECT 1 FROM suppressions AS x WHERE"
			      " x.subscriber = outbox.subscriber AND x.channel = outbox.channel"
			      " AND x.dest = outbox.dest)",
	[S_OUT_REQUEUE_ONE] = "UPDATE outbox SET status = 0, attempts = 0, next_attempt = 0,"
			      " created = ?1, updated = ?1 WHERE status IN (2, 4)"
			      " AND subscriber = ?2"
			      " AND NOT EXISTS (SELECT 1 FROM suppressions AS x WHERE"
			      " x.subscriber = outbox.subscriber AND x.channel = outbox.channel"
			      " AND x.dest = outbox.dest)",
	/* what was sent stays so; what was not is settled as the expired is: never sent,
	 * never requeued, pruned with them */
	/* a subscriber paused: what waits for it waits with it, for `subscriber resume` */
	[S_OUT_PAUSE_SUB] = "UPDATE outbox SET status = 4, last_error = ?2, updated = ?3"
			    " WHERE status = 0 AND subscriber = ?1",
	/* a subscriber out of the configuration: what waits for it waits, pending, as a retry
	 * does (attempts unchanged), and is found again by its last_error when it comes back */
	[S_OUT_HOLD] = "UPDATE outbox SET next_attempt = ?2, last_error = ?3, updated = ?4"
		       " WHERE rowid = ?1 AND status = 0",
	[S_OUT_HELD_SUBS] = "SELECT DISTINCT subscriber FROM outbox"
			    " WHERE status = 0 AND next_attempt > ?1 AND last_error = ?2"
			    " ORDER BY subscriber",
	[S_OUT_UNHOLD] = "UPDATE outbox SET next_attempt = ?2, updated = ?2, last_error = NULL"
			 " WHERE status = 0 AND subscriber = ?1 AND next_attempt > ?2"
			 " AND last_error = ?3",
	[S_OUT_HELD] = "SELECT count(*) FROM outbox WHERE status = 0 AND last_error = ?1",
	/* a subscriber's held, by outbox_order, looked at before they go (deliver.c) */
	[S_OUT_HELD_OF] = "SELECT " OUT_COLS " FROM outbox o"
			  " WHERE o.status = 0 AND o.subscriber = ?1 AND o.next_attempt > ?2"
			  " AND o.last_error = ?3"
			  " ORDER BY o.subscriber, o.channel, o.dest, o.digest_date, o.part, o.rowid",
	/* by outbox_errors, the messages with an error (`status`) */
	[S_OUT_HELD_DROPPED] = "SELECT count(*) FROM outbox WHERE last_error = ?1 AND status = 3",
	/* pending by outbox_order, failed and expired by outbox_failed */
	[S_OUT_SETTLE_SUB] = "UPDATE outbox SET status = 3, last_error = ?2, updated = ?3"
			     " WHERE subscriber = ?1 AND (status = 0 OR status IN (2, 4))",
	[S_OUT_COUNTS] = "SELECT channel, status, COUNT(*) FROM outbox GROUP BY channel, status"
			 " ORDER BY channel, status",
	[S_OUT_ERRORS] = "SELECT " OUT_COLS " FROM outbox o WHERE o.last_error IS NOT NULL"
			 " ORDER BY o.updated DESC, o.rowid DESC LIMIT ?1",
	[S_OUT_GET] = "SELECT " OUT_COLS " FROM outbox o WHERE o.msg_id = ?1",
	/* a digest's papers, one row per subscriber and date (ledger.c); a second digest of the
	 * same date adds its own */
	/* A name's rows, found by its key under each date the ledger holds (LEDGER_DATES), not
	 * by reading every row: the ledger is keyed by date first, for the run's writes and the
	 * prune, and an index by name would cost both for what a name's edit asks. */
	[S_LEDGER_GET] = LEDGER_DATES "SELECT papers FROM ledger WHERE subscriber = ?1"
			 " AND digest_date IN (SELECT x FROM ledger_dates WHERE x IS NOT NULL)",
	[S_LEDGER_GET_EXCEPT] = LEDGER_DATES "SELECT papers FROM ledger WHERE subscriber = ?1"
				" AND digest_date IN (SELECT x FROM ledger_dates WHERE x IS NOT NULL"
				" AND x <> ?2)",
	/* the whole ledger, as a run's reader reads it: by date, then subscriber, a page of
	 * rows at a time after the last one read (ledger.c) */
	[S_LEDGER_SCAN] = "SELECT digest_date, subscriber, papers FROM ledger"
			  " WHERE (digest_date, subscriber) > (?1, ?2)"
			  " ORDER BY digest_date, subscriber LIMIT " PB_SQL_NUM(PB_LEDGER_PAGE),
	[S_LEDGER_SCAN_EXCEPT] = "SELECT digest_date, subscriber, papers FROM ledger"
				 " WHERE (digest_date, subscriber) > (?1, ?2) AND digest_date <> ?3"
				 " ORDER BY digest_date, subscriber LIMIT " PB_SQL_NUM(PB_LEDGER_PAGE),
	[S_LEDGER_ADD] = "INSERT INTO ledger(subscriber, digest_date, added, papers)"
			 " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(digest_date, subscriber)"
			 " DO UPDATE SET papers = ledger.papers || ' ' || excluded.papers",
	/* every date's row of one subscriber: read through (the ledger is kept by date), once
	 * per subscriber removed */
	[S_LEDGER_CLEAR] = LEDGER_DATES "DELETE FROM ledger WHERE subscriber = ?1"
			   " AND digest_date IN (SELECT x FROM ledger_dates WHERE x IS NOT NULL)",
	[S_RUN_INTERRUPTED] = "UPDATE runs SET status = 'interrupted', finished = ?1,"
			      " error = 'the process ended before the run finished'"
			      " WHERE status = 'running' AND (machine = ?2 OR machine = '')",
	[S_RUN_BEGIN] = "INSERT INTO runs(digest_date, kind, status, started, machine)"
			" VALUES(?1, ?2, 'running', ?3, ?4) RETURNING id",
	[S_RUN_END] = "UPDATE runs SET status = ?2, n_papers = ?3, n_digests = ?4, n_messages = ?5,"
		      " error = ?6, finished = ?7 WHERE id = ?1",
	[S_RUN_ADD] = "UPDATE runs SET n_digests = n_digests + ?2, n_messages = n_messages + ?3"
		      " WHERE id = ?1",
	[S_RUN_DONE] = "SELECT 1 FROM runs WHERE digest_date = ?1 AND status = 'done'"
		       " AND kind <> 'only' LIMIT 1",
	[S_RUN_LAST_DONE] = "SELECT MAX(digest_date) FROM runs WHERE status = 'done'"
			    " AND kind <> 'only'",
	[S_RUN_FIRST_DONE] = "SELECT MIN(digest_date) FROM runs WHERE status = 'done'"
			     " AND kind <> 'only'",
	[S_RUN_RECENT] = "SELECT id, digest_date, kind, status, started, finished, n_papers,"
			 " n_digests, n_messages, error FROM runs ORDER BY id DESC LIMIT ?1",
	[S_CACHE_GET] = "SELECT answer FROM summary_cache WHERE paper_key = ?1 AND model = ?2"
			" AND language = ?3 AND prompt_hash = ?4 AND kind = ?5",
	[S_CACHE_PUT] = "INSERT INTO summary_cache(paper_key, model, language,"
			" prompt_hash, kind, answer, tokens, created)"
			" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			" ON CONFLICT(paper_key, model, language, prompt_hash, kind) DO UPDATE"
			" SET answer = excluded.answer, tokens = excluded.tokens,"
			" created = excluded.created",
	[S_TOK_GET] = "SELECT tokens FROM token_usage WHERE day = ?1",
	[S_TOK_ADD] = "INSERT INTO token_usage(day, tokens) VALUES(?1, ?2)"
		      " ON CONFLICT(day) DO UPDATE SET tokens = token_usage.tokens + excluded.tokens",
	[S_PAPER_SEEN] = "INSERT INTO papers(id, version, announce_date, first_seen)"
			 " VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
	[S_SUB_LIST] = "SELECT " SUB_COLS " FROM subscribers ORDER BY name",
	[S_SUB_GET] = "SELECT " SUB_COLS " FROM subscribers WHERE name = ?1",
	/* settings about to be put where there were none (no row, or a file subscriber's):
	 * a new stored subscriber, its name's next generation (pb_sub_put) */
	[S_SUB_GEN_NEXT] = "INSERT INTO sub_generations(name, last) SELECT ?1, 1"
			   " WHERE ?2 <> 0 AND NOT EXISTS (SELECT 1 FROM"
			   " subscribers WHERE name = ?1 AND settings IS NOT NULL)"
			   " ON CONFLICT(name) DO UPDATE SET last = sub_generations.last + 1",
	[S_SUB_PUT] = "INSERT INTO subscribers(name, settings, state, reason, source, created,"
		      " updated, generation) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6,"
		      " COALESCE((SELECT last FROM sub_generations WHERE name = ?1), 0))"
		      " ON CONFLICT(name) DO UPDATE"
		      " SET settings = excluded.settings, state = excluded.state,"
		      " reason = excluded.reason, source = excluded.source,"
		      " updated = excluded.updated, generation = CASE WHEN subscribers.settings"
		      " IS NULL AND excluded.settings IS NOT NULL THEN excluded.generation"
		      " ELSE subscribers.generation END",
	[S_SUB_DEL] = "DELETE FROM subscribers WHERE name = ?1",
	[S_SUB_FILE_INACTIVE] = "SELECT " SUB_COLS " FROM subscribers WHERE settings IS NULL"
				" AND state <> 'active' AND updated >= ?1",
	/* a name without a generation yet (its row from before schema 13) starts at 0, so the
	 * next stored subscriber of it takes 1, as without this row */
	[S_SUB_REMOVED_SET] = "INSERT INTO sub_generations(name, last, removed) VALUES(?1, 0, ?2)"
			      " ON CONFLICT(name) DO UPDATE SET removed = excluded.removed",
	[S_SUB_REMOVED_GET] = "SELECT removed FROM sub_generations WHERE name = ?1",
	[S_SUB_LINKS_SET] = "INSERT INTO sub_generations(name, last, links_since) VALUES(?1, 0, ?2)"
			    " ON CONFLICT(name) DO UPDATE SET links_since ="
			    " CASE WHEN excluded.links_since > sub_generations.links_since"
			    " THEN excluded.links_since ELSE sub_generations.links_since END",
	[S_SUB_LINKS_GET] = "SELECT links_since FROM sub_generations WHERE name = ?1",
	/* A verdict given again (a feedback link opened days later, a button pressed twice)
	 * keeps its row as it was: its time is its age in the ranking, and the same verdict
	 * again is no newer one. A changed verdict is new, from its own time. */
	[S_FB_PUT] = "INSERT INTO feedback(subscriber, paper_id, verdict, source, created)"
		     " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(subscriber, paper_id) DO UPDATE"
		     " SET verdict = excluded.verdict, source = excluded.source,"
		     " created = excluded.created WHERE feedback.verdict <> excluded.verdict",
	[S_FB_PUT_AT] = "INSERT INTO feedback(subscriber, paper_id, verdict, source, created)"
			" VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(subscriber, paper_id) DO UPDATE"
			" SET verdict = excluded.verdict,"
			" source = CASE WHEN feedback.verdict = excluded.verdict"
			" THEN feedback.source ELSE excluded.source END,"
			" created = CASE WHEN feedback.verdict = excluded.verdict"
			" THEN feedback.created ELSE excluded.created END"
			" WHERE feedback.created <= excluded.created",
	[S_FB_DEL] = "DELETE FROM feedback WHERE subscriber = ?1 AND paper_id = ?2",
	[S_FB_GET] = "SELECT verdict FROM feedback WHERE subscriber = ?1 AND paper_id = ?2",
	[S_FB_LIST] = "SELECT paper_id, verdict, source, created FROM feedback"
		      " WHERE subscriber = ?1 ORDER BY created DESC, paper_id",
	[S_FB_CLEAR] = "DELETE FROM feedback WHERE subscriber = ?1",
	/* a refusal again takes the URL it was about; an unsubscribe holds whatever the URL */
	[S_SUP_PUT] = "INSERT INTO suppressions(subscriber, channel, dest, reason, since,"
		      " fingerprint) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
		      " ON CONFLICT(subscriber, channel, dest) DO UPDATE"
		      " SET reason = excluded.reason, fingerprint = excluded.fingerprint",
	/* 1 a message of this generation, 2 of another's only (the index holds all three) */
	[S_OUT_HAS_DIGEST] = "SELECT CASE WHEN generation = ?3 THEN 1 ELSE 2 END AS k FROM outbox"
			     " WHERE digest_date = ?2 AND subscriber = ?1 ORDER BY k LIMIT 1",
	/* a former subscriber's destinations of the day that have, or will have, its digest:
	 * sent, pending (held too) or paused, not failed or expired (settled by a removal) */
	[S_OUT_FORMER_DESTS] = "SELECT DISTINCT channel, dest FROM outbox WHERE digest_date = ?2"
			       " AND subscriber = ?1 AND generation <> ?3 AND status IN (0, 1, 4)"
			       " ORDER BY channel, dest",
	/* A row only marked missing (or withdrawn) takes the text when it comes after all. */
	[S_CORPUS_PUT] = "INSERT INTO corpus(id, version, date, status, title, abstract, authors,"
			 " categories, announce, added) VALUES(?1, ?2, ?3, 'ok', ?4, ?5, ?6, ?7, ?8, ?9)"
			 " ON CONFLICT(id) DO UPDATE SET version = excluded.version,"
			 " date = excluded.date, status = 'ok', title = excluded.title,"
			 " abstract = excluded.abstract, authors = excluded.authors,"
			 " categories = excluded.categories, announce = excluded.announce,"
			 " added = excluded.added"
			 " WHERE excluded.version > corpus.version OR corpus.status <> 'ok'",
	[S_SUP_HAS] = "SELECT fingerprint FROM suppressions WHERE subscriber = ?1 AND channel = ?2"
		      " AND dest = ?3",
	[S_SUP_CLEAR] = "DELETE FROM suppressions WHERE subscriber = ?1",
	[S_SUP_LIFT] = "DELETE FROM suppressions WHERE subscriber = ?1 AND channel = ?2"
		       " AND dest = ?3",
	/* not one put again since for the URL of now (another run's refusal of it) */
	[S_SUP_LIFT_OTHER] = "DELETE FROM suppressions WHERE subscriber = ?1 AND channel = ?2"
			     " AND dest = ?3 AND fingerprint IS NOT NULL AND fingerprint <> ?4",
	/* before it, what that suppression held of the subscriber's there, back as a retry
	 * puts it: the messages paused for it (?5), and the refused ones (its reason), of
	 * which the paused are the later parts; by outbox_failed */
	[S_OUT_RELEASE_SUP] = "UPDATE outbox SET status = 0, attempts = 0, next_attempt = 0,"
			      " created = ?6, updated = ?6 WHERE status IN (2, 4)"
			      " AND subscriber = ?1 AND channel = ?2 AND dest = ?3"
			      " AND EXISTS (SELECT 1 FROM suppressions AS x WHERE"
			      " x.subscriber = ?1 AND x.channel = ?2 AND x.dest = ?3"
			      " AND x.fingerprint IS NOT NULL AND x.fingerprint <> ?4"
			      " AND outbox.last_error = CASE WHEN outbox.status = 4"
			      " THEN CAST(?5 AS TEXT) ELSE x.reason END)",
	[S_SUP_LIST] = "SELECT subscriber, channel, dest, reason, since, fingerprint"
		       " FROM suppressions"
		       " WHERE CAST(?1 AS TEXT) IS NULL OR subscriber = ?1"
		       " ORDER BY subscriber, channel, dest",
	[S_SIGNUP_PUT] = "INSERT INTO signups(id, address, name, settings, created)"
			 " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE"
			 " SET address = excluded.address, name = excluded.name,"
			 " settings = excluded.settings, created = excluded.created",
	[S_SIGNUP_GET] = "SELECT id, address, name, settings, created FROM signups WHERE id = ?1",
	[S_SIGNUP_DEL] = "DELETE FROM signups WHERE id = ?1",
	[S_STAMP_GET] = "SELECT at FROM stamps WHERE key = ?1",
	[S_STAMP_PUT] = "INSERT INTO stamps(key, at) VALUES(?1, ?2)"
			" ON CONFLICT(key) DO UPDATE SET at = excluded.at",
	[S_STAMP_DEL] = "DELETE FROM stamps WHERE key = ?1 AND at = ?2",
	[S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[S_META_PUT] = "INSERT INTO meta(key, value) VALUES(?1, ?2)"
		       " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[S_SAVEPOINT] = "SAVEPOINT pb_put",
	[S_RELEASE] = "RELEASE pb_put",
	[S_ROLLBACK_TO] = "ROLLBACK TO pb_put",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
};


const char *
pb_state_errmsg(struct pb_state *st)
{
	if (!st || !st->db)
		return "no database";
	/* After a failed write inside pb_outbox_put, the savepoint's rollback succeeds and
	 * SQLite's own message becomes "not an error": the logged one is what failed. */
	if (st->own_error)
		return st->last_error;
	if (!pb_db_failed(st->db) && st->last_error[0])
		return st->last_error;
	return pb_db_errmsg(st->db);
}

int
pb_state_busy(struct pb_state *st)
{
	return st && st->busy;
}

int
pb_state_schema_version(struct pb_state *st)
{
	return st ? st->version : -1;
}

pb_db_stmt *
pb_st_prepare(struct pb_state *st, const char *sql, const char *op)
{
	pb_db_stmt *s = pb_db_prepare(st->db, sql, 0);

	if (!s)
		pb_st_error(st, op);
	return s;
}

void
pb_st_error(struct pb_state *st, const char *op)
{
	snprintf(st->last_error, sizeof st->last_error, "%s", pb_db_errmsg(st->db));
	st->own_error = 0;
	st->busy = pb_db_busy(st->db);
	pb_err("state.error", "op=%s error=%s", op, pb_q(st->last_error));
}

void
pb_st_fail(struct pb_state *st, const char *op, const char *why)
{
	snprintf(st->last_error, sizeof st->last_error, "%s", why);
	st->own_error = 1;
	st->busy = 0;
	pb_err("state.error", "op=%s error=%s", op, pb_q(why));
}

/* Returns the prepared statement id, reset and unbound, or NULL (logged). */
const char *
pb_st_stmt_sql(enum stmt_id id)
{
	return id < S_COUNT ? stmt_sql[id] : NULL;
}

pb_db_stmt *
pb_st_stmt(struct pb_state *st, enum stmt_id id)
{
	pb_db_stmt *s = st->stmt[id];

	if (!s) {
		if (!(s = pb_db_prepare(st->db, stmt_sql[id], 1))) {
			pb_st_error(st, "prepare");
			return NULL;
		}
		st->stmt[id] = s;
	}
	pb_db_reset(s);
	pb_db_clear_bindings(s);
	return s;
}

/* Steps a statement that returns no rows; resets it. 0 or -1 (logged). */
int
pb_st_run(struct pb_state *st, pb_db_stmt *s, const char *op)
{
	int rc = pb_db_step(s);

	pb_db_reset(s);
	if (rc != PB_DB_DONE && rc != PB_DB_ROW) {
		pb_st_error(st, op);
		return -1;
	}
	return 0;
}

void
pb_st_bind_text(pb_db_stmt *s, int i, const char *v)
{
	pb_db_bind_text(s, i, v);
}

char *
pb_st_col_dup(pb_db_stmt *s, int i)
{
	const char *t = pb_db_col_text(s, i);

	return t ? pb_xstrndup(t, (size_t)pb_db_col_bytes(s, i)) : NULL;
}

int
pb_st_col_list(struct pb_state *st, pb_db_stmt *s, const char *op, char ***out, size_t *n)
{
	char **v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		v[k++] = pb_st_col_dup(s, 0);
	}
	if (rc != PB_DB_DONE) {
		pb_st_error(st, op);
		for (size_t i = 0; i < k; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

void
pb_st_col_copy(pb_db_stmt *s, int i, char *out, size_t n)
{
	const char *t = pb_db_col_text(s, i);

	snprintf(out, n, "%s", t ? t : "");
}

/* Reads the schema version: 0 for a new database. -1 with err on failure. */
static int
read_version(struct pb_db *db, char *err, size_t errlen)
{
	pb_db_stmt *s = NULL;
	int v = 0, rc;

	rc = pb_db_table_exists(db, "meta");
	if (rc == 0)
		return 0;
	if (rc < 0)
		goto fail;
	if (!(s = pb_db_prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", 0)))
		goto fail;
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		v = atoi(pb_db_col_text(s, 0));
	else if (rc != PB_DB_DONE)
		goto fail;
	pb_db_finalize(s);
	return v;
fail:
	snprintf(err, errlen, "reading the schema version: %s", pb_db_errmsg(db));
	pb_db_finalize(s);
	return -1;
}

/* Brings the schema to PB_STATE_SCHEMA inside one transaction (IMMEDIATE on SQLite, under an
 * advisory lock on PostgreSQL), so two processes opening a new database at once do not both
 * migrate. */
static int
migrate(struct pb_state *st, char *err, size_t errlen)
{
	char msg[256], sql[160];
	int v;

	int pg = pb_db_backend(st->db) == PB_DB_POSTGRESQL;
	struct pb_buf ddl = { 0 };

	/* PostgreSQL: one lock (a number of paperboy's own) for every machine migrating. */
	if (pb_db_exec(st->db, pg ? "BEGIN; SELECT pg_advisory_xact_lock(7262011)" :
		       "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	v = read_version(st->db, err, errlen);
	if (v < 0)
		goto fail;
	if (v > PB_STATE_SCHEMA) {
		snprintf(err, errlen, "the database has schema version %d, newer than this "
			 "paperboy knows (%d); use a newer paperboy", v, PB_STATE_SCHEMA);
		goto fail;
	}
	for (int i = v; i < PB_STATE_SCHEMA; i++) {
		pb_buf_reset(&ddl);
		if (pg)
			pb_st_pg_ddl(pb_st_migrations[i], &ddl);
		if (pb_db_exec(st->db, pg ? ddl.data : pb_st_migrations[i], msg, sizeof msg) < 0) {
			snprintf(err, errlen, "migrating the schema from version %d: %s", i, msg);
			goto fail;
		}
		if (pb_st_migration_steps[i] && pb_st_migration_steps[i](st, msg, sizeof msg) < 0) {
			snprintf(err, errlen, "migrating the schema from version %d: %s", i, msg);
			goto fail;
		}
		snprintf(sql, sizeof sql, "INSERT INTO meta(key, value) "
			 "VALUES('schema_version', '%d') ON CONFLICT(key) DO UPDATE "
			 "SET value = excluded.value", i + 1);
		if (pb_db_exec(st->db, sql, msg, sizeof msg) < 0) {
			snprintf(err, errlen, "recording schema version %d: %s", i + 1, msg);
			goto fail;
		}
		if (v > 0)
			pb_info("state.migrated", "from=%d to=%d", i, i + 1);
	}
	if (pg && v < PB_STATE_SCHEMA && pb_db_exec(st->db, pb_st_pg_extras, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "PostgreSQL's own objects: %s", msg);
		goto fail;
	}
	if (pb_db_exec(st->db, "COMMIT", err, errlen) < 0)
		goto fail;
	pb_buf_free(&ddl);
	st->version = PB_STATE_SCHEMA;
	return 0;
fail:
	pb_buf_free(&ddl);
	if (pb_db_in_transaction(st->db))
		pb_db_exec(st->db, "ROLLBACK", NULL, 0);
	return -1;
}

/* The version check of a read-only open: it never migrates. */
static int
check_version(struct pb_state *st, const char *where, char *err, size_t errlen)
{
	char msg[384];
	int v = read_version(st->db, msg, sizeof msg);

	if (v < 0) {
		snprintf(err, errlen, "%s: %s", where, msg);
		return -1;
	}
	if (v != PB_STATE_SCHEMA) {
		if (v > PB_STATE_SCHEMA)
			snprintf(err, errlen, "%s: the database has schema version %d, newer than "
				 "this paperboy knows (%d); use a newer paperboy", where, v,
				 PB_STATE_SCHEMA);
		else
			snprintf(err, errlen, "%s: the database has schema version %d; `paperboy run` "
				 "brings it to version %d", where, v, PB_STATE_SCHEMA);
		return -1;
	}
	st->version = v;
	return 0;
}

struct pb_state *
pb_state_open_mode(const char *path, enum pb_state_mode mode, char *err, size_t errlen)
{
	return pb_state_open_sqlite(path, mode, NULL, err, errlen);
}

struct pb_state *
pb_state_open_sqlite(const char *path, enum pb_state_mode mode, int *busy, char *err,
		     size_t errlen)
{
	struct pb_state *st = pb_xcalloc(1, sizeof *st);
	char msg[384];

	if (busy)
		*busy = 0;

	st->db = pb_db_open_sqlite(path, mode == PB_STATE_READ ? PB_DB_SQ_READ :
				   mode == PB_STATE_WRITE ? PB_DB_SQ_WRITE : PB_DB_SQ_CREATE,
				   err, errlen);
	if (!st->db)
		goto fail;
	if (mode == PB_STATE_READ) {
		if (check_version(st, path, err, errlen) < 0)
			goto fail;
		return st;
	}
	if (pb_db_backend(st->db) == PB_DB_SQLITE && pb_st_sqlite_space(st, path, err, errlen) < 0)
		goto fail;
	if (migrate(st, msg, sizeof msg) < 0) {
		/* Every open to write takes the write lock once (migrate's BEGIN IMMEDIATE): one
		 * held past the busy timeout is another process writing, not a file that cannot
		 * be written, and the bare "database is locked" says neither what nor what to do. */
		if (pb_db_busy(st->db)) {
			snprintf(err, errlen, "%s is busy: another process (a run, the daemon, an "
				 "import) has held its write lock for over 10 s; nothing was changed "
				 "(%s)", path, msg);
			if (busy)
				*busy = 1;
		} else {
			snprintf(err, errlen, "%s: %s", path, msg);
		}
		goto fail;
	}
	return st;
fail:
	pb_state_close(st);
	return NULL;
}

struct pb_state *
pb_state_open_pg(const char *conninfo, enum pb_state_mode mode, int *temporary, char *err,
		 size_t errlen)
{
	struct pb_state *st = pb_xcalloc(1, sizeof *st);
	char where[256], msg[384];

	if (temporary)
		*temporary = 0;
	pb_db_pg_describe(conninfo, where, sizeof where);
	if (!(st->db = pb_db_open_pg(conninfo, err, errlen))) {
		if (temporary)
			*temporary = 1;
		goto fail;
	}
	if (mode == PB_STATE_READ) {
		/* Read-only as SQLite's: a session that refuses writes. */
		if (pb_db_exec(st->db, "SET default_transaction_read_only = on", msg,
			       sizeof msg) < 0) {
			snprintf(err, errlen, "PostgreSQL at %s: %s", where, msg);
			goto fail;
		}
		snprintf(msg, sizeof msg, "PostgreSQL at %s", where);
		if (check_version(st, msg, err, errlen) < 0)
			goto fail;
		return st;
	}
	if (migrate(st, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "PostgreSQL at %s: %s", where, msg);
		/* The connection dropped during the migration: as unreachable. */
		if (temporary && pb_db_lost(st->db))
			*temporary = 1;
		goto fail;
	}
	return st;
fail:
	pb_state_close(st);
	return NULL;
}

const char *
pb_state_backend(struct pb_state *st)
{
	return pb_db_backend(st->db) == PB_DB_POSTGRESQL ? "postgresql" : "sqlite";
}

int
pb_state_lost(struct pb_state *st)
{
	return st && st->db && pb_db_lost(st->db);
}

int
pb_state_reconnect(struct pb_state *st, long max_wait_ms)
{
	if (pb_db_recover(st->db, max_wait_ms) == 0)
		return 0;
	snprintf(st->last_error, sizeof st->last_error, "%s", pb_db_errmsg(st->db));
	st->own_error = 1;
	return -1;
}

void
pb_state_set_patience(struct pb_state *st, long max_wait_ms)
{
	pb_db_set_patience(st->db, max_wait_ms);
}

void
pb_state_set_busy_wait(struct pb_state *st, long max_wait_ms)
{
	pb_db_set_busy_wait(st->db, max_wait_ms);
}

long
pb_state_swap_patience(struct pb_state *st, long max_wait_ms)
{
	long was = pb_db_patience(st->db);

	pb_db_set_patience(st->db, max_wait_ms);
	return was;
}

struct pb_state *
pb_state_open(const char *path, char *err, size_t errlen)
{
	return pb_state_open_mode(path, PB_STATE_CREATE, err, errlen);
}

int
pb_state_in_transaction(struct pb_state *st)
{
	return st && st->db && pb_db_in_transaction(st->db);
}

void
pb_state_close(struct pb_state *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_COUNT; i++)
		pb_db_finalize(st->stmt[i]);
	pb_body_close(st);
	pb_db_close(st->db);
	free(st);
}

int
pb_state_begin(struct pb_state *st)
{
	pb_db_stmt *s;

	if (pb_db_in_transaction(st->db)) {
		pb_st_fail(st, "begin", "a transaction is already open");
		return -1;
	}
	st->body_locked = 0;
	st->part_open = 0;
	s = pb_st_stmt(st, S_BEGIN);
	if (!s || pb_st_run(st, s, "begin") < 0)
		return -1;
	/* A new transaction: an error from before it is not what a failure in it is about. */
	st->last_error[0] = '\0';
	st->own_error = 0;
	st->busy = 0;
	return 0;
}

int
pb_state_read_window(struct pb_state *st, int open)
{
	if (pb_db_backend(st->db) == PB_DB_POSTGRESQL)
		return 0;
	if (open) {
		if (pb_db_in_transaction(st->db))
			return 0;
		if (pb_db_exec(st->db, "BEGIN", NULL, 0) < 0) {
			pb_st_error(st, "read window");
			return -1;
		}
		return 1;
	}
	if (!pb_db_in_transaction(st->db))
		return 0;
	if (pb_db_exec(st->db, "COMMIT", NULL, 0) < 0) {
		pb_st_error(st, "read window");
		pb_db_exec(st->db, "ROLLBACK", NULL, 0);
		return -1;
	}
	return 0;
}

int
pb_state_commit(struct pb_state *st)
{
	pb_db_stmt *s = pb_st_stmt(st, S_COMMIT);

	st->body_locked = 0;
	st->part_open = 0;
	if (pb_body_flush(st) < 0 || !s || pb_st_run(st, s, "commit") < 0) {
		pb_body_drop(st, 0);
		/* A failed COMMIT may leave the transaction open; never leave it dangling. */
		if (pb_db_in_transaction(st->db))
			pb_db_exec(st->db, "ROLLBACK", NULL, 0);
		return -1;
	}
	atomic_store(&st->commit_ms, pb_mono_ms());
	return 0;
}

int64_t
pb_state_commit_ms(struct pb_state *st)
{
	return atomic_load(&st->commit_ms);
}

int
pb_state_rollback(struct pb_state *st)
{
	pb_db_stmt *s;

	pb_body_drop(st, 0);
	st->body_locked = 0;
	st->part_open = 0;
	if (!pb_db_in_transaction(st->db))
		return 0;   /* already rolled back (e.g. after an I/O error) */
	s = pb_st_stmt(st, S_ROLLBACK);
	return s ? pb_st_run(st, s, "rollback") : -1;
}

int
pb_state_integrity(struct pb_state *st, char *buf, size_t n)
{
	pb_db_stmt *s = NULL;
	int rc = -1;

	if (pb_db_backend(st->db) == PB_DB_POSTGRESQL) {
		/* PostgreSQL checks its own pages; what paperboy can check is that its tables
		 * answer. */
		s = pb_db_prepare(st->db, "SELECT count(*) FROM meta", 0);
		if (!s || pb_db_step(s) != PB_DB_ROW) {
			snprintf(buf, n, "the state does not answer: %s", pb_db_errmsg(st->db));
			goto out;
		}
		snprintf(buf, n, "ok");
		rc = 0;
		goto out;
	}
	if (!(s = pb_db_prepare(st->db, "PRAGMA integrity_check(1)", 0)) ||
	    pb_db_step(s) != PB_DB_ROW) {
		snprintf(buf, n, "integrity_check failed: %s", pb_db_errmsg(st->db));
		goto out;
	}
	pb_st_col_copy(s, 0, buf, n);
	rc = strcmp(buf, "ok") == 0 ? 0 : -1;
out:
	pb_db_finalize(s);
	return rc;
}

int
pb_state_prune(struct pb_state *st, int days)
{
	static const char *const sql[] = {
		"DELETE FROM outbox WHERE digest_date < ?2 AND status IN (1, 2, 3) AND created < ?1",
		"DELETE FROM runs WHERE started < ?1",
		"DELETE FROM ledger WHERE digest_date < ?2 AND added < ?1",
		"DELETE FROM papers WHERE first_seen < ?1",
		"DELETE FROM summary_cache WHERE created < ?1",
		"DELETE FROM token_usage WHERE day < ?1",
		"DELETE FROM stamps WHERE at < ?1",
		"DELETE FROM signups WHERE created < ?1",
	};
	int64_t cutoff = pb_now() - (int64_t)days * 86400, t0 = pb_mono_ms();
	char day[32], before[32];
	int total = 0, own_tx;
	long n;

	if (days < 0)
		return -1;
	pb_format_instant(cutoff, day, sizeof day);
	day[10] = '\0';
	/* The outbox and the ledger are found by digest date (the index outbox_digest, the
	 * ledger's key) as well as by instant, instead of reading every row the retention keeps
	 * (at 20,000 subscribers and 90 days, 1,800,000 emails alone, read three times). A
	 * message or ledger row is written on its digest's date or after it, never more than a
	 * day before (the date is the announcement's, in the feed's zone): every one written
	 * before the cutoff is dated before the cutoff's day plus two. A row dated later (a date
	 * given by hand) waits for its date; none goes sooner. */
	pb_format_instant(cutoff + 2 * 86400, before, sizeof before);
	before[10] = '\0';
	own_tx = !pb_db_in_transaction(st->db);
	if (own_tx && pb_state_begin(st) < 0)
		return -1;
	/* The bodies first: they are found through the outbox rows deleted next. */
	if ((n = pb_body_prune(st, cutoff, before)) < 0)
		goto fail;
	total += (int)n;
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		pb_db_stmt *s = NULL;

		if (!(s = pb_st_prepare(st, sql[i], "prune")))
			goto fail;
		/* token_usage is by day, everything else by instant. */
		if (strstr(sql[i], "token_usage"))
			pb_db_bind_text(s, 1, day);
		else
			pb_db_bind_int64(s, 1, cutoff);
		if (strstr(sql[i], "?2"))
			pb_db_bind_text(s, 2, before);
		if (pb_db_step(s) != PB_DB_DONE) {
			pb_st_error(st, "prune");
			pb_db_finalize(s);
			goto fail;
		}
		pb_db_finalize(s);
		total += pb_db_changes(st->db);
	}
	/* PostgreSQL's commit marks (db_pg.c): one is read only within a lost connection's
	 * patience of its COMMIT. Not counted with the rows of the retention. */
	if (pb_db_backend(st->db) == PB_DB_POSTGRESQL) {
		pb_db_stmt *s = pb_st_prepare(st, "DELETE FROM pb_commit_marks WHERE created < ?1",
					      "prune");

		if (!s)
			goto fail;
		pb_db_bind_int64(s, 1, (int64_t)time(NULL) - 3600);   /* the real clock, as written */
		if (pb_db_step(s) != PB_DB_DONE) {
			pb_st_error(st, "prune");
			pb_db_finalize(s);
			goto fail;
		}
		pb_db_finalize(s);
	}
	if (own_tx && pb_state_commit(st) < 0)
		return -1;
	if (own_tx)
		pb_st_give_back(st);
	pb_info("state.pruned", "days=%d rows=%d ms=%lld", days, total,
		(long long)(pb_mono_ms() - t0));
	return total;
fail:
	if (own_tx)
		pb_state_rollback(st);
	return -1;
}

/* ---- ledger, papers ---- */

/* Steps a statement whose answer is "a row exists". 1, 0 or -1. */
int
pb_st_exists(struct pb_state *st, pb_db_stmt *s, const char *op)
{
	int rc = pb_db_step(s);

	pb_db_reset(s);
	if (rc == PB_DB_ROW)
		return 1;
	if (rc == PB_DB_DONE)
		return 0;
	pb_st_error(st, op);
	return -1;
}

int
pb_paper_seen(struct pb_state *st, const char *id, int version, const char *announce_date)
{
	pb_db_stmt *s = pb_st_stmt(st, S_PAPER_SEEN);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, id);
	pb_db_bind_int(s, 2, version);
	pb_st_bind_text(s, 3, announce_date ? announce_date : "");
	pb_db_bind_int64(s, 4, pb_now());
	if (pb_st_run(st, s, "paper_seen") < 0)
		return -1;
	return pb_db_changes(st->db) > 0 ? 1 : 0;
}

/* ---- runs ---- */

int64_t
pb_run_begin(struct pb_state *st, const char *digest_date, const char *kind)
{
	pb_db_stmt *s = pb_st_stmt(st, S_RUN_INTERRUPTED);
	int64_t id;

	/* Runs begin under the state directory's lock: a run of this machine still marked
	 * running belongs to a process that died (SIGKILL, power loss) and is shown as
	 * interrupted from now on. Another machine's runs are its own business. */
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, pb_now());
	pb_st_bind_text(s, 2, st->machine);
	if (pb_st_run(st, s, "run_interrupted") < 0)
		return -1;
	s = pb_st_stmt(st, S_RUN_BEGIN);
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, digest_date);
	pb_st_bind_text(s, 2, kind ? kind : "run");
	pb_db_bind_int64(s, 3, pb_now());
	pb_st_bind_text(s, 4, st->machine);
	if (pb_db_step(s) != PB_DB_ROW) {
		pb_st_error(st, "run_begin");
		pb_db_reset(s);
		return -1;
	}
	id = pb_db_col_int64(s, 0);
	pb_db_reset(s);
	return id;
}

int
pb_run_end(struct pb_state *st, int64_t run_id, const char *status, long n_papers,
	   long n_digests, long n_messages, const char *error)
{
	pb_db_stmt *s = pb_st_stmt(st, S_RUN_END);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, run_id);
	pb_st_bind_text(s, 2, status);
	pb_db_bind_int64(s, 3, n_papers);
	pb_db_bind_int64(s, 4, n_digests);
	pb_db_bind_int64(s, 5, n_messages);
	pb_st_bind_text(s, 6, error);
	pb_db_bind_int64(s, 7, pb_now());
	return pb_st_run(st, s, "run_end");
}

int
pb_run_add(struct pb_state *st, int64_t run_id, long n_digests, long n_messages)
{
	pb_db_stmt *s = pb_st_stmt(st, S_RUN_ADD);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, run_id);
	pb_db_bind_int64(s, 2, n_digests);
	pb_db_bind_int64(s, 3, n_messages);
	return pb_st_run(st, s, "run_add");
}

int
pb_run_done(struct pb_state *st, const char *digest_date)
{
	pb_db_stmt *s = pb_st_stmt(st, S_RUN_DONE);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, digest_date);
	return pb_st_exists(st, s, "run_done");
}

/* The one date statement which (MAX or MIN of the completed runs' dates) answers. */
static int
run_done_bound(struct pb_state *st, int which, char out[16])
{
	pb_db_stmt *s = pb_st_stmt(st, which);
	int rc, found = 0;

	out[0] = '\0';
	if (!s)
		return -1;
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW && pb_db_col_type(s, 0) != PB_DB_NULL) {
		pb_st_col_copy(s, 0, out, 16);
		found = 1;
	}
	pb_db_reset(s);
	if (rc != PB_DB_ROW && rc != PB_DB_DONE) {
		pb_st_error(st, which == S_RUN_LAST_DONE ? "run_last_done" : "run_first_done");
		return -1;
	}
	return found;
}

int
pb_run_last_done(struct pb_state *st, char out[16])
{
	return run_done_bound(st, S_RUN_LAST_DONE, out);
}

int
pb_run_first_done(struct pb_state *st, char out[16])
{
	return run_done_bound(st, S_RUN_FIRST_DONE, out);
}

int
pb_runs_recent(struct pb_state *st, size_t max, struct pb_run_row **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_RUN_RECENT);
	struct pb_run_row *v = NULL;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		struct pb_run_row *r;

		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		r = &v[k++];
		memset(r, 0, sizeof *r);
		r->id = pb_db_col_int64(s, 0);
		pb_st_col_copy(s, 1, r->digest_date, sizeof r->digest_date);
		pb_st_col_copy(s, 2, r->kind, sizeof r->kind);
		pb_st_col_copy(s, 3, r->status, sizeof r->status);
		r->started = pb_db_col_int64(s, 4);
		r->finished = pb_db_col_int64(s, 5);
		r->papers = (long)pb_db_col_int64(s, 6);
		r->digests = (long)pb_db_col_int64(s, 7);
		r->messages = (long)pb_db_col_int64(s, 8);
		r->error = pb_st_col_dup(s, 9);
	}
	pb_db_reset(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "runs_recent");
		pb_run_rows_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

void
pb_run_rows_free(struct pb_run_row *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].error);
	free(v);
}

/* ---- summary cache, tokens ---- */

char *
pb_cache_get(struct pb_state *st, const char *paper_key, const char *model,
	     const char *language, const char *prompt_hash, const char *kind)
{
	pb_db_stmt *s = pb_st_stmt(st, S_CACHE_GET);
	char *answer = NULL;
	int rc;

	if (!s)
		return NULL;
	pb_st_bind_text(s, 1, paper_key);
	pb_st_bind_text(s, 2, model);
	pb_st_bind_text(s, 3, language);
	pb_st_bind_text(s, 4, prompt_hash);
	pb_st_bind_text(s, 5, kind);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		answer = pb_st_col_dup(s, 0);
	else if (rc != PB_DB_DONE)
		pb_st_error(st, "cache_get");
	pb_db_reset(s);
	return answer;
}

int
pb_cache_put(struct pb_state *st, const char *paper_key, const char *model,
	     const char *language, const char *prompt_hash, const char *kind,
	     const char *answer, long tokens)
{
	pb_db_stmt *s = pb_st_stmt(st, S_CACHE_PUT);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, paper_key);
	pb_st_bind_text(s, 2, model);
	pb_st_bind_text(s, 3, language);
	pb_st_bind_text(s, 4, prompt_hash);
	pb_st_bind_text(s, 5, kind);
	pb_st_bind_text(s, 6, answer ? answer : "");
	pb_db_bind_int64(s, 7, tokens);
	pb_db_bind_int64(s, 8, pb_now());
	return pb_st_run(st, s, "cache_put");
}

long
pb_model_tokens_used(struct pb_state *st, const char *day)
{
	pb_db_stmt *s = pb_st_stmt(st, S_TOK_GET);
	long v = 0;
	int rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, day);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		v = (long)pb_db_col_int64(s, 0);
	else if (rc != PB_DB_DONE) {
		pb_st_error(st, "tokens_used");
		v = -1;
	}
	pb_db_reset(s);
	return v;
}

int
pb_model_tokens_add(struct pb_state *st, const char *day, long tokens)
{
	pb_db_stmt *s = pb_st_stmt(st, S_TOK_ADD);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, day);
	pb_db_bind_int64(s, 2, tokens);
	return pb_st_run(st, s, "tokens_add");
}
