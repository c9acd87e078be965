/* State: schema and migrations, outbox semantics, ledger, runs, cache, tokens, prune,
 * integrity. Each test works on a fresh database in a temporary directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/run.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"
/* White box for the schema test alone: the connection's own settings (synchronous is per
 * connection) can be read only through it. */
#include "../../src/state/state_internal.h"

static char dir[256];

static const char *
db_path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static struct pb_state *
open_db(const char *name)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(db_path(name), err, sizeof err);

	if (!st)
		fprintf(stderr, "open %s: %s\n", name, err);
	return st;
}

/* The test's own connection to a database, for what the state module keeps to itself:
 * payload rows, timestamps made old, triggers that refuse writes. */
static int
raw_exec(const char *name, const char *sql)
{
	return t_state_raw_exec(db_path(name), sql);
}

/* The first column of the first row of sql, or -1. */
static long
raw_count(const char *name, const char *sql)
{
	return t_state_raw_count(db_path(name), sql);
}

/* Puts the message date/sub/ch/dest/part with payload (NULL: "body of" its id). */
static int
put_body(struct pb_state *st, const char *date, const char *sub, const char *ch,
	 const char *dest, int part, int n_parts, int64_t next, const char *body)
{
	struct pb_outbox_msg m;
	char id[256], payload[300];

	snprintf(id, sizeof id, "%s/%s/%s/%s/%d", date, sub, ch, dest, part);
	snprintf(payload, sizeof payload, "body of %s", id);
	memset(&m, 0, sizeof m);
	m.msg_id = id;
	m.subscriber = (char *)sub;
	m.channel = (char *)ch;
	m.dest = (char *)dest;
	m.digest_date = (char *)date;
	m.part = part;
	m.n_parts = n_parts;
	m.payload = body ? (char *)body : payload;
	m.next_attempt = next;
	m.created = 1000;
	return pb_outbox_put(st, &m);
}

static int
put(struct pb_state *st, const char *date, const char *sub, const char *ch, const char *dest,
    int part, int n_parts, int64_t next)
{
	return put_body(st, date, sub, ch, dest, part, n_parts, next, NULL);
}

/* What each statement's query plan reads. A statement reading a whole table to find a few
 * rows costs in proportion to every subscriber's rows, or to every day's kept: a run asking
 * it once a batch, or a sign-up's confirmation once (holding the write lock), grows with the
 * square of the subscribers or with the days. Only the statements that mean to read a table
 * whole may: listing the stored subscribers, the outbox's counts (`status`), the runs (a
 * row a day) and the suppressed destinations (`status`, the daemon). */
struct plan {
	sqlite3 *db;
	struct pb_buf scans;
	char cte[64];   /* the statement's common table expression, or "" */
};

/* Whether index name is partial (made with WHERE: the pending messages, the failed ones):
 * reading it whole reads those rows alone. */
static int
partial_index(sqlite3 *db, const char *name, size_t len)
{
	sqlite3_stmt *s = NULL;
	int r = 0;

	if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'index'"
			       " AND name = ?1", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, name, (int)len, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		r = strstr((const char *)sqlite3_column_text(s, 0), " WHERE ") != NULL;
	sqlite3_finalize(s);
	return r;
}

static int
plan_row(void *arg, int n, char **v, char **names)
{
	struct plan *pl = arg;
	const char *d = n >= 4 ? v[3] : NULL, *ix;

	(void)names;
	/* "SCAN t" reads t whole, "SCAN t USING [COVERING] INDEX i" all of i; a common table
	 * expression's rows (a "WITH" of the statement's own: the ledger's dates) are no
	 * table's */
	if (!d || strncmp(d, "SCAN ", 5) != 0 || strcmp(d, "SCAN CONSTANT ROW") == 0 ||
	    (pl->cte[0] && strncmp(d + 5, pl->cte, strlen(pl->cte)) == 0 &&
	     (d[5 + strlen(pl->cte)] == '\0' || d[5 + strlen(pl->cte)] == ' ')))
		return 0;
	if ((ix = strstr(d, " INDEX ")) && partial_index(pl->db, ix + 7, strcspn(ix + 7, " (")))
		return 0;
	pb_buf_printf(&pl->scans, "%s%s", pl->scans.len ? "; " : "", d);
	return 0;
}

static void
test_query_plans(void)
{
	static const enum stmt_id whole[] = { S_OUT_COUNTS, S_RUN_INTERRUPTED, S_RUN_RECENT,
					      S_SUB_LIST, S_SUP_LIST };
	struct pb_state *st = open_db("plans.db");
	sqlite3 *db = NULL;
	long checked = 0;

	if (t_state_pg()) {
		pb_state_close(st);
		return;   /* SQLite's planner: EXPLAIN QUERY PLAN */
	}
	T_CHECK(st != NULL);
	pb_state_close(st);
	T_EQ_INT(sqlite3_open(db_path("plans.db"), &db), SQLITE_OK);
	for (int id = 0; id < S_COUNT; id++) {
		const char *sql = pb_st_stmt_sql((enum stmt_id)id);
		struct pb_buf q = { 0 };
		struct plan pl = { db, { 0 }, "" };
		char *err = NULL;
		int allowed = 0;

		if (!sql || !*sql)
			continue;
		for (size_t k = 0; k < sizeof whole / sizeof whole[0]; k++)
			allowed |= whole[k] == (enum stmt_id)id;
		if (strncmp(sql, "WITH RECURSIVE ", 15) == 0)
			snprintf(pl.cte, sizeof pl.cte, "%.*s", (int)strcspn(sql + 15, "( "),
				 sql + 15);
		pb_buf_printf(&q, "EXPLAIN QUERY PLAN %s", sql);
		if (sqlite3_exec(db, q.data, plan_row, &pl, &err) != SQLITE_OK) {
			fprintf(stderr, "  statement %d: %s\n", id, err ? err : "?");
			T_CHECK(0);
		} else if (!allowed && pl.scans.len) {
			fprintf(stderr, "  statement %d reads a table whole (%s): %s\n", id,
				pl.scans.data, sql);
			T_CHECK(0);
		} else {
			checked++;
		}
		sqlite3_free(err);
		pb_buf_free(&q);
		pb_buf_free(&pl.scans);
	}
	T_CHECK(checked > 60);
	sqlite3_close(db);
}

static void
test_schema(void)
{
	struct pb_state *st = open_db("schema.db");
	struct pb_db *db;
	pb_db_stmt *s;
	char buf[128];
	const char *tables[] = { "meta", "papers", "runs", "outbox", "outbox_body", "chunks",
				 "ledger", "summary_cache", "token_usage" };

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	db = st->db;
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		int found = pb_db_table_exists(db, tables[i]) == 1;

		if (!found)
			fprintf(stderr, "missing table %s\n", tables[i]);
		T_CHECK(found);
	}
	if (!t_state_pg()) {   /* SQLite's own settings */
		s = pb_db_prepare(db, "PRAGMA journal_mode", 0);
		T_EQ_INT(pb_db_step(s), PB_DB_ROW);
		T_EQ_STR(pb_db_col_text(s, 0), "wal");
		pb_db_finalize(s);
		s = pb_db_prepare(db, "PRAGMA synchronous", 0);
		T_EQ_INT(pb_db_step(s), PB_DB_ROW);
		T_EQ_INT(pb_db_col_int(s, 0), 1);   /* NORMAL, until the delivery loop asks for FULL */
		pb_db_finalize(s);
		T_EQ_INT(pb_state_durable(st, 1), 0);
		s = pb_db_prepare(db, "PRAGMA synchronous", 0);
		T_EQ_INT(pb_db_step(s), PB_DB_ROW);
		T_EQ_INT(pb_db_col_int(s, 0), 2);   /* FULL: a commit is on disk when it returns */
		pb_db_finalize(s);
		T_EQ_INT(pb_state_durable(st, 0), 0);
		s = pb_db_prepare(db, "PRAGMA auto_vacuum", 0);
		T_EQ_INT(pb_db_step(s), PB_DB_ROW);
		T_EQ_INT(pb_db_col_int(s, 0), 2);   /* INCREMENTAL */
		pb_db_finalize(s);
	}
	T_EQ_INT(pb_state_integrity(st, buf, sizeof buf), 0);
	T_EQ_STR(buf, "ok");
	pb_state_close(st);

	/* Opening again is a no-op migration. */
	st = open_db("schema.db");
	T_CHECK(st != NULL);
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	pb_state_close(st);
	pb_state_close(NULL);
}

/* A database as version 1 of the schema wrote it, with rows, must migrate and keep them. */
static void
test_migrate_v1(void)
{
	static const char v1[] =
		"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		"CREATE TABLE papers(id TEXT NOT NULL, version INTEGER NOT NULL,"
		" announce_date TEXT NOT NULL, first_seen INTEGER NOT NULL,"
		" PRIMARY KEY(id, version)) WITHOUT ROWID;"
		"CREATE TABLE runs(id INTEGER PRIMARY KEY, digest_date TEXT NOT NULL,"
		" kind TEXT NOT NULL, status TEXT NOT NULL, started INTEGER NOT NULL,"
		" finished INTEGER NOT NULL DEFAULT 0, n_papers INTEGER NOT NULL DEFAULT 0,"
		" n_digests INTEGER NOT NULL DEFAULT 0, n_messages INTEGER NOT NULL DEFAULT 0,"
		" error TEXT);"
		"CREATE INDEX runs_date ON runs(digest_date, status);"
		"CREATE TABLE outbox(rowid INTEGER PRIMARY KEY, msg_id TEXT NOT NULL UNIQUE,"
		" subscriber TEXT NOT NULL, channel TEXT NOT NULL, dest TEXT NOT NULL,"
		" digest_date TEXT NOT NULL, part INTEGER NOT NULL, n_parts INTEGER NOT NULL,"
		" payload BLOB NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
		" attempts INTEGER NOT NULL DEFAULT 0, next_attempt INTEGER NOT NULL DEFAULT 0,"
		" created INTEGER NOT NULL, sent_at INTEGER, last_error TEXT);"
		"CREATE INDEX outbox_order ON outbox(subscriber, channel, dest, digest_date, part)"
		" WHERE status = 0;"
		"CREATE INDEX outbox_next ON outbox(next_attempt) WHERE status = 0;"
		"CREATE TABLE ledger(subscriber TEXT NOT NULL, paper_id TEXT NOT NULL,"
		" version INTEGER NOT NULL, digest_date TEXT NOT NULL, added INTEGER NOT NULL,"
		" PRIMARY KEY(subscriber, paper_id, version)) WITHOUT ROWID;"
		"INSERT INTO meta VALUES('schema_version', '1');"
		"INSERT INTO outbox(msg_id, subscriber, channel, dest, digest_date, part, n_parts,"
		" payload, status, last_error, created)"
		" VALUES('d/a/email/x/1', 'a', 'email', 'x', '2025-12-04', 1, 1, 'hello', 2,"
		" '550 no such user', 500);"
		"INSERT INTO ledger VALUES('a', '2512.00001', 1, '2025-12-04', 500);"
		"INSERT INTO ledger VALUES('a', '2512.00002', 2, '2025-12-04', 501);"
		"INSERT INTO ledger VALUES('a', '2512.00003', 1, '2025-12-05', 600);"
		"INSERT INTO ledger VALUES('b', '2512.00002', 1, '2025-12-05', 600);"
		"INSERT INTO runs(digest_date, kind, status, started) VALUES('2025-12-04', 'run',"
		" 'done', 500);";
	static char shared[20000];
	const size_t shared_len = sizeof shared;
	long chunks;
	struct pb_outbox_msg *v = NULL;
	struct pb_outbox_msg m;
	struct pb_state *st;
	sqlite3 *db = NULL;
	size_t n = 0;
	char buf[64];

	if (t_state_pg())
		return;   /* a SQLite file of schema version 1 */

	T_EQ_INT(sqlite3_open(db_path("v1.db"), &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	/* Three messages of one 20 KB payload (words, so it is cut into several chunks): two
	 * sent long ago, one pending. */
	for (size_t i = 0; i < shared_len; i++)
		shared[i] = i % 7 == 6 ? ' ' : (char)('a' + (i * 2654435761u >> 13) % 26);
	for (int k = 1; k <= 3; k++) {
		sqlite3_stmt *ins = NULL;
		char id[32], sub[16];

		snprintf(id, sizeof id, "d/s%d/file/d/1", k);
		snprintf(sub, sizeof sub, "s%d", k);
		T_EQ_INT(sqlite3_prepare_v2(db, "INSERT INTO outbox(msg_id, subscriber, channel, dest,"
					    " digest_date, part, n_parts, payload, status, created)"
					    " VALUES(?1, ?2, 'file', 'd', '2020-01-01', 1, 1, ?3, ?4, 500)",
					    -1, &ins, NULL), SQLITE_OK);
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, sub, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(ins, 3, shared, (int)shared_len, SQLITE_STATIC);
		sqlite3_bind_int(ins, 4, k < 3 ? 1 : 0);
		T_EQ_INT(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_finalize(ins);
	}
	sqlite3_close(db);

	st = open_db("v1.db");
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	T_EQ_INT(pb_outbox_get(st, "d/a/email/x/1", &m), 1);
	T_EQ_STR(m.payload, "hello");
	T_EQ_INT(m.status, PB_OUT_FAILED);
	pb_outbox_msg_clear(&m);
	/* The column added in version 2 is filled from the old rows. */
	T_EQ_INT(pb_outbox_errors(st, 10, &v, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_STR(v[0].last_error, "550 no such user");
	pb_outbox_msgs_free(v, n);
	/* Version 9's ledger: a row per subscriber and date, with the same answers. */
	T_EQ_INT(raw_count("v1.db", "SELECT COUNT(*) FROM ledger"), 3);
	T_EQ_INT(raw_count("v1.db", "SELECT added FROM ledger WHERE subscriber = 'a'"
			   " AND digest_date = '2025-12-04'"), 500);
	T_EQ_INT(pb_ledger_has(st, "a", "2512.00001", NULL), 1);
	T_EQ_INT(pb_ledger_has(st, "a", "2512.00002", "2025-12-05"), 1);
	T_EQ_INT(pb_ledger_has(st, "a", "2512.00003", "2025-12-05"), 0);
	T_EQ_INT(pb_ledger_has(st, "a", "2512.00003", "2025-12-04"), 1);
	T_EQ_INT(pb_ledger_has(st, "b", "2512.00002", "2025-12-04"), 1);
	T_EQ_INT(pb_ledger_has(st, "b", "2512.00001", NULL), 0);
	/* Version 10's: kept by date, then subscriber (the key's first column is the date), the
	 * date's own index gone with the old table. */
	T_EQ_INT(raw_count("v1.db", "SELECT COUNT(*) FROM pragma_index_xinfo('sqlite_autoindex_ledger_1')"
			   " WHERE seqno = 0 AND name = 'digest_date'"), 1);
	T_EQ_INT(raw_count("v1.db", "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"
			   " AND tbl_name = 'ledger' AND name = 'ledger_date'"), 0);
	T_EQ_INT(pb_run_done(st, "2025-12-04"), 1);
	/* The three messages sharing one payload became bodies of the same chunks, each chunk
	 * counted once per body (schema 7's conversion; schema 11's count): pruning the two
	 * sent ones leaves the pending one whole. */
	chunks = raw_count("v1.db", "SELECT COUNT(*) FROM chunks");
	T_CHECK(chunks > 1);
	/* the first body's bytes stay its own (a chunk met for the first time), the next two
	 * use every chunk: at least 2 each */
	T_EQ_INT(raw_count("v1.db", "SELECT COUNT(*) FROM chunks WHERE refs < 2"), 0);
	T_CHECK(pb_state_prune(st, 90) > 0);
	T_EQ_INT(raw_count("v1.db", "SELECT COUNT(*) FROM chunks"), chunks);
	T_EQ_INT(raw_count("v1.db", "SELECT COUNT(*) FROM chunks WHERE refs < 1"), 0);
	T_EQ_INT(pb_outbox_get(st, "d/s3/file/d/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PENDING);
	T_CHECK(m.payload && m.payload_len == shared_len && memcmp(m.payload, shared, shared_len) == 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "d/s1/file/d/1", &m), 0);
	/* The tables version 2 added work. */
	T_EQ_INT(pb_model_tokens_add(st, "2025-12-04", 10), 0);
	T_EQ_INT(pb_model_tokens_used(st, "2025-12-04"), 10);
	T_EQ_INT(pb_state_integrity(st, buf, sizeof buf), 0);
	pb_state_close(st);

	/* A database newer than this code is refused, not damaged. */
	T_EQ_INT(sqlite3_open(db_path("v1.db"), &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
			      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	{
		char err[512] = "";

		st = t_state_open(db_path("v1.db"), err, sizeof err);
		T_CHECK(st == NULL);
		T_CHECK(strstr(err, "newer") != NULL);
		pb_state_close(st);
	}
	/* Not a database at all. */
	{
		FILE *f = fopen(db_path("junk.db"), "w");
		char err[512] = "";

		fputs("this is not an SQLite database, just some text long enough to matter....\n"
		      "...............................................................\n", f);
		fclose(f);
		st = t_state_open(db_path("junk.db"), err, sizeof err);
		T_CHECK(st == NULL);
		T_CHECK(err[0] != '\0');
		pb_state_close(st);
	}
}

static void
test_outbox(void)
{
	struct pb_state *st = open_db("outbox.db");
	struct pb_outbox_msg *v = NULL, m;
	struct pb_outbox_count *c = NULL;
	size_t n = 0;
	char buf[64];

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_outbox_next_due(st), -1);
	/* Inserted in scrambled order. */
	T_EQ_INT(put(st, "2025-12-04", "bob", "telegram", "42", 2, 2, 100), 1);
	T_EQ_INT(put(st, "2025-12-04", "alice", "slack", "webhook", 1, 1, 100), 1);
	T_EQ_INT(put(st, "2025-12-04", "bob", "telegram", "42", 1, 2, 100), 1);
	T_EQ_INT(put(st, "2025-12-04", "alice", "email", "a@x.org", 1, 1, 100), 1);
	T_EQ_INT(put(st, "2025-12-03", "bob", "telegram", "42", 1, 1, 100), 1);
	T_EQ_INT(put(st, "2025-12-04", "carol", "email", "c@x.org", 1, 1, 500), 1);
	/* Idempotent on msg_id: the second put changes nothing, even with other fields. */
	T_EQ_INT(put(st, "2025-12-04", "alice", "email", "a@x.org", 1, 1, 0), 0);

	T_EQ_INT(pb_outbox_next_due(st), 100);
	T_EQ_INT(pb_outbox_due(st, 100, 100, &v, &n), 0);
	T_EQ_INT(n, 5);   /* carol is due later */
	if (n == 5) {
		T_EQ_STR(v[0].msg_id, "2025-12-04/alice/email/a@x.org/1");
		T_EQ_STR(v[1].msg_id, "2025-12-04/alice/slack/webhook/1");
		T_EQ_STR(v[2].msg_id, "2025-12-03/bob/telegram/42/1");
		T_EQ_STR(v[3].msg_id, "2025-12-04/bob/telegram/42/1");
		T_EQ_STR(v[4].msg_id, "2025-12-04/bob/telegram/42/2");
		T_EQ_INT(v[4].part, 2);
		T_EQ_INT(v[4].n_parts, 2);
		T_EQ_STR(v[4].payload, "body of 2025-12-04/bob/telegram/42/2");
		T_EQ_INT(v[4].payload_len, strlen("body of 2025-12-04/bob/telegram/42/2"));
		T_EQ_INT(v[0].next_attempt, 100);
		T_EQ_INT(v[0].created, 1000);
		T_EQ_INT(v[0].status, PB_OUT_PENDING);
		/* The idempotent put kept the original next_attempt. */
	}
	/* max bounds the batch. */
	{
		struct pb_outbox_msg *w = NULL;
		size_t k = 0;

		T_EQ_INT(pb_outbox_due(st, 100, 2, &w, &k), 0);
		T_EQ_INT(k, 2);
		pb_outbox_msgs_free(w, k);
		T_EQ_INT(pb_outbox_due(st, 99, 10, &w, &k), 0);
		T_EQ_INT(k, 0);
		pb_outbox_msgs_free(w, k);
	}

	/* Transitions. */
	if (n == 5) {
		T_EQ_INT(pb_outbox_mark_sent(st, v[0].rowid, 150), 0);
		T_EQ_INT(pb_outbox_mark_retry(st, v[1].rowid, 400, "HTTP 503"), 0);
		T_EQ_INT(pb_outbox_mark_retry(st, v[1].rowid, 450, "HTTP 429"), 0);
		T_EQ_INT(pb_outbox_mark_status(st, v[2].rowid, PB_OUT_FAILED, "400 chat not found"),
			 0);
		T_EQ_INT(pb_outbox_mark_status(st, v[3].rowid, PB_OUT_PAUSED,
					       "403 bot was blocked by the user"), 0);
		T_EQ_INT(pb_outbox_mark_status(st, v[4].rowid, PB_OUT_EXPIRED, NULL), 0);
	}
	pb_outbox_msgs_free(v, n);

	T_EQ_INT(pb_outbox_get(st, "2025-12-04/alice/slack/webhook/1", &m), 1);
	T_EQ_INT(m.attempts, 2);
	T_EQ_INT(m.next_attempt, 450);
	T_EQ_STR(m.last_error, "HTTP 429");
	T_EQ_INT(m.status, PB_OUT_PENDING);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/alice/email/a@x.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_SENT);
	T_EQ_INT(m.attempts, 1);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "no/such/id", &m), 0);

	/* A sent message is never due again, and an idempotent put does not revive it. */
	T_EQ_INT(put(st, "2025-12-04", "alice", "email", "a@x.org", 1, 1, 0), 0);
	T_EQ_INT(pb_outbox_due(st, 10000, 100, &v, &n), 0);
	T_EQ_INT(n, 2);   /* slack (retry at 450) and carol */
	if (n == 2) {
		T_EQ_STR(v[0].subscriber, "alice");
		T_EQ_STR(v[1].subscriber, "carol");
	}
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(pb_outbox_next_due(st), 450);

	/* Counts by channel and status. */
	T_EQ_INT(pb_outbox_counts(st, &c, &n), 0);
	{
		long sent = 0, failed = 0, paused = 0, expired = 0, pending = 0;

		for (size_t i = 0; i < n; i++) {
			if (c[i].status == PB_OUT_SENT && strcmp(c[i].channel, "email") == 0)
				sent += c[i].n;
			if (c[i].status == PB_OUT_FAILED && strcmp(c[i].channel, "telegram") == 0)
				failed += c[i].n;
			if (c[i].status == PB_OUT_PAUSED)
				paused += c[i].n;
			if (c[i].status == PB_OUT_EXPIRED)
				expired += c[i].n;
			if (c[i].status == PB_OUT_PENDING)
				pending += c[i].n;
		}
		T_EQ_INT(sent, 1);
		T_EQ_INT(failed, 1);
		T_EQ_INT(paused, 1);
		T_EQ_INT(expired, 1);
		T_EQ_INT(pending, 2);
	}
	free(c);

	/* The errors list, most recent first, without payloads. */
	T_EQ_INT(pb_outbox_errors(st, 10, &v, &n), 0);
	T_EQ_INT(n, 3);
	for (size_t i = 0; i < n; i++) {
		T_CHECK(v[i].payload == NULL);
		T_CHECK(v[i].last_error != NULL);
	}
	pb_outbox_msgs_free(v, n);

	/* Redirect (Telegram group migration) moves pending messages only, keeping msg_id. */
	T_EQ_INT(put(st, "2025-12-05", "dave", "telegram", "-100", 1, 2, 0), 1);
	T_EQ_INT(put(st, "2025-12-05", "dave", "telegram", "-100", 2, 2, 0), 1);
	T_EQ_INT(put(st, "2025-12-05", "erin", "telegram", "-100", 1, 1, 0), 1);
	T_EQ_INT(pb_outbox_due(st, 0, 10, &v, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3)
		T_EQ_INT(pb_outbox_mark_sent(st, v[2].rowid, 1), 0);   /* erin's is sent */
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(pb_outbox_redirect(st, "telegram", "-100", "-1009999"), 2);
	T_EQ_INT(pb_outbox_get(st, "2025-12-05/dave/telegram/-100/2", &m), 1);
	T_EQ_STR(m.dest, "-1009999");
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2025-12-05/erin/telegram/-100/1", &m), 1);
	T_EQ_STR(m.dest, "-100");
	pb_outbox_msg_clear(&m);
	/* The same day enqueued again after the redirect adds nothing. */
	T_EQ_INT(put(st, "2025-12-05", "dave", "telegram", "-100", 1, 2, 0), 0);

	/* Requeue: failed and paused back to pending; per subscriber, then all. */
	T_EQ_INT(put(st, "2025-12-05", "frank", "email", "f@x.org", 1, 1, 0), 1);
	T_EQ_INT(pb_outbox_get(st, "2025-12-05/frank/email/f@x.org/1", &m), 1);
	T_EQ_INT(pb_outbox_mark_retry(st, m.rowid, 0, "421 try later"), 0);
	T_EQ_INT(pb_outbox_mark_status(st, m.rowid, PB_OUT_FAILED, "550 mailbox unavailable"), 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_requeue(st, "frank"), 1);
	T_EQ_INT(pb_outbox_get(st, "2025-12-05/frank/email/f@x.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PENDING);
	T_EQ_INT(m.attempts, 0);
	T_EQ_INT(m.next_attempt, 0);
	T_CHECK(m.created > 1000);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_requeue(st, "nobody"), 0);
	/* a destination suppressed (its reader unsubscribed, its address refused) keeps its
	 * messages where they are: delivery would pause them again */
	T_EQ_INT(pb_suppress_put(st, "bob", "telegram", "42", "the chat blocked the bot", NULL), 0);
	T_EQ_INT(pb_outbox_requeue(st, "bob"), 0);
	T_EQ_INT(pb_outbox_requeue(st, NULL), 0);
	T_EQ_INT(pb_suppress_lift(st, "bob", "telegram", "42"), 1);
	T_EQ_INT(pb_outbox_requeue(st, NULL), 2);   /* bob's failed and paused; expired stays */
	T_EQ_INT(pb_outbox_requeue(st, NULL), 0);
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/bob/telegram/42/2", &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	pb_outbox_msg_clear(&m);

	/* Binary payloads with NUL bytes keep their length. */
	{
		struct pb_outbox_msg b;
		char bin[] = { 'a', '\0', 'b', '\n', 'c' };

		memset(&b, 0, sizeof b);
		b.msg_id = "bin/1";
		b.subscriber = b.channel = b.dest = "x";
		b.digest_date = "2025-12-05";
		b.part = b.n_parts = 1;
		b.payload = bin;
		b.payload_len = sizeof bin;
		T_EQ_INT(pb_outbox_put(st, &b), 1);
		T_EQ_INT(pb_outbox_get(st, "bin/1", &m), 1);
		T_EQ_INT(m.payload_len, sizeof bin);
		T_CHECK(m.payload && memcmp(m.payload, bin, sizeof bin) == 0);
		pb_outbox_msg_clear(&m);
		/* A message missing a field is refused. */
		b.msg_id = NULL;
		T_EQ_INT(pb_outbox_put(st, &b), -1);
	}
	T_EQ_STR(pb_outbox_status_name(PB_OUT_PAUSED), "paused");
	T_EQ_STR(pb_outbox_status_name((enum pb_outbox_status)42), "unknown");
	T_EQ_INT(pb_state_integrity(st, buf, sizeof buf), 0);
	pb_state_close(st);
}

/* What delivery asks of one destination: later parts wait for a retried one, a paused
 * destination takes its pending messages with it, and the pending count. */
static void
test_outbox_dest(void)
{
	struct pb_state *st = open_db("dest.db");
	struct pb_outbox_msg m;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_outbox_pending(st), 0);
	T_EQ_INT(put(st, "2025-12-04", "bob", "telegram", "42", 1, 3, 100), 1);
	T_EQ_INT(put(st, "2025-12-04", "bob", "telegram", "42", 2, 3, 100), 1);
	T_EQ_INT(put(st, "2025-12-04", "bob", "telegram", "42", 3, 3, 900), 1);
	T_EQ_INT(put(st, "2025-12-05", "bob", "telegram", "42", 1, 1, 100), 1);
	T_EQ_INT(put(st, "2025-12-03", "bob", "telegram", "42", 1, 1, 100), 1);   /* earlier */
	T_EQ_INT(put(st, "2025-12-04", "carol", "telegram", "42", 2, 2, 100), 1);  /* other sub */
	T_EQ_INT(put(st, "2025-12-04", "bob", "telegram", "43", 2, 2, 100), 1);    /* other dest */
	T_EQ_INT(pb_outbox_pending(st), 7);

	/* Part 1 of 2025-12-04 is retried at 500: parts 2 and 3 and the later digest wait for
	 * it, part 3 keeps its later time, and nothing else moves. */
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/bob/telegram/42/1", &m), 1);
	T_EQ_INT(pb_outbox_defer_after(st, &m, 500), 3);
	{
		static const struct { const char *id; int64_t next; } want[] = {
			{ "2025-12-04/bob/telegram/42/1", 100 },
			{ "2025-12-04/bob/telegram/42/2", 500 },
			{ "2025-12-04/bob/telegram/42/3", 900 },
			{ "2025-12-05/bob/telegram/42/1", 500 },
			{ "2025-12-03/bob/telegram/42/1", 100 },
			{ "2025-12-04/carol/telegram/42/2", 100 },
			{ "2025-12-04/bob/telegram/43/2", 100 },
		};
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			struct pb_outbox_msg o;

			T_EQ_INT(pb_outbox_get(st, want[i].id, &o), 1);
			T_EQ_INT(o.next_attempt, want[i].next);
			T_EQ_INT(o.attempts, 0);
			pb_outbox_msg_clear(&o);
		}
	}

	/* Pausing telegram/42 takes every pending message to it, whoever the subscriber; a sent
	 * one stays sent. */
	T_EQ_INT(pb_outbox_mark_sent(st, m.rowid, 150), 0);
	T_EQ_INT(pb_outbox_pause_dest(st, "telegram", "42", "403 bot was blocked", 160), 5);
	T_EQ_INT(pb_outbox_pending(st), 1);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/carol/telegram/42/2", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PAUSED);
	T_EQ_STR(m.last_error, "403 bot was blocked");
	T_EQ_INT(m.attempts, 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/bob/telegram/42/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_SENT);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_pause_dest(st, "telegram", "42", "again", 170), 0);
	pb_state_close(st);
}

static void
test_transactions(void)
{
	struct pb_state *st = open_db("tx.db");
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_state_begin(st), -1);   /* no nesting */
	T_EQ_INT(put(st, "2025-12-04", "a", "email", "a@x", 1, 1, 0), 1);
	T_EQ_INT(pb_ledger_add(st, "a", "2512.1", 1, "2025-12-04"), 0);
	T_EQ_INT(pb_state_rollback(st), 0);
	T_EQ_INT(pb_outbox_due(st, 10, 10, &v, &n), 0);
	T_EQ_INT(n, 0);
	T_EQ_INT(pb_ledger_has(st, "a", "2512.1", NULL), 0);
	/* The payload went with the rollback. */
	T_EQ_INT(raw_count("tx.db", "SELECT COUNT(*) FROM outbox_body"), 0);
	T_EQ_INT(raw_count("tx.db", "SELECT COUNT(*) FROM chunks"), 0);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "2025-12-04", "a", "email", "a@x", 1, 1, 0), 1);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(pb_state_rollback(st), 0);   /* nothing open: harmless */

	/* A second connection sees the commit (what `paperboy status` does). */
	{
		struct pb_state *other = open_db("tx.db");

		T_CHECK(other != NULL);
		if (other) {
			T_EQ_INT(pb_outbox_due(other, 10, 10, &v, &n), 0);
			T_EQ_INT(n, 1);
			pb_outbox_msgs_free(v, n);
			pb_state_close(other);
		}
	}
	pb_state_close(st);
}

/* A read window: its reads see the state as at its first read, a commit made meanwhile by
 * another connection shows after it ends; it opens nothing inside a transaction, and a write
 * after it ends is a transaction of its own as ever. (PostgreSQL: nothing is done, 0.) */
static void
test_read_window(void)
{
	struct pb_state *st = open_db("rw.db"), *other = open_db("rw.db");
	int sq = t_state_pg() == NULL;   /* SQLite: a window opens; PostgreSQL: nothing */

	T_CHECK(st && other);
	if (!st || !other)
		goto out;
	T_EQ_INT(pb_suppress_has(st, "a", "email", "a@x"), 0);
	T_EQ_INT(pb_state_read_window(st, 1), sq);
	T_EQ_INT(pb_state_in_transaction(st), sq);
	T_EQ_INT(pb_suppress_has(st, "a", "email", "a@x"), 0);   /* the snapshot is taken */
	T_EQ_INT(pb_suppress_put(other, "a", "email", "a@x", "unsubscribed", NULL), 0);
	T_EQ_INT(pb_suppress_has(st, "a", "email", "a@x"), !sq);   /* not yet */
	T_EQ_INT(pb_suppress_has(other, "a", "email", "a@x"), 1);
	T_EQ_INT(pb_state_read_window(st, 0), 0);
	T_EQ_INT(pb_state_in_transaction(st), 0);
	T_EQ_INT(pb_suppress_has(st, "a", "email", "a@x"), 1);   /* now */
	T_EQ_INT(pb_state_read_window(st, 0), 0);                /* none open: harmless */
	/* inside a transaction: nothing opened, nothing ended */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_state_read_window(st, 1), 0);
	T_EQ_INT(put(st, "2025-12-04", "a", "email", "a@x", 1, 1, 0), 1);
	T_EQ_INT(pb_state_commit(st), 0);
	/* after a window, writing begins as it did */
	T_EQ_INT(pb_state_read_window(st, 1), sq);
	T_EQ_INT(pb_outbox_has_digest(st, "2025-12-04", "a", 0), 1);
	T_EQ_INT(pb_state_read_window(st, 0), 0);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "2025-12-04", "b", "email", "b@x", 1, 1, 0), 1);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(pb_outbox_has_digest(other, "2025-12-04", "b", 0), 1);
out:
	pb_state_close(other);
	pb_state_close(st);
}

/* n messages of about 8 KB each, made of letters in an order no two share (so no chunk is
 * stored once for two of them), put in one transaction. 0 / -1. */
static int
put_bulk(struct pb_state *st, const char *sub, int n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
	static char payload[8193];
	uint64_t x = 0x9E3779B97F4A7C15ull ^ (uint64_t)strlen(sub) * 1315423911u;
	char dest[32];

	for (const char *s = sub; *s; s++)
		x = x * 31 + (unsigned char)*s;
	if (pb_state_begin(st) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof payload - 1; k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			payload[k] = set[x >> 58];
		}
		payload[sizeof payload - 1] = '\0';
		snprintf(dest, sizeof dest, "d%d", i);
		if (put_body(st, "2025-12-04", sub, "email", dest, 1, 1, 0, payload) != 1) {
			pb_state_rollback(st);
			return -1;
		}
	}
	return pb_state_commit(st);
}

static long long
file_size(const char *name)
{
	struct stat sb;

	return stat(db_path(name), &sb) == 0 ? (long long)sb.st_size : -1;
}

/* A handle whose checkpoints are left to others: what it commits stays in the write-ahead
 * log (the database file does not grow) until another handle commits or it asks for one
 * (pb_state_checkpoint); turned back on, its own commits copy the log again (SQLite
 * checkpoints every 1,000 pages). */
static void
test_checkpoints(void)
{
	struct pb_state *st = open_db("ck.db"), *other = open_db("ck.db");
	long long base, left, after;

	T_CHECK(st && other);
	if (!st || !other)
		goto out;
	if (t_state_pg()) {   /* nothing to do there */
		T_EQ_INT(pb_state_checkpoints(st, 0), 0);
		T_EQ_INT(pb_state_checkpoint(st), 0);
		T_EQ_INT(pb_state_checkpoints(st, 1), 0);
		goto out;
	}
	T_CHECK(pb_state_commit_ms(st) == 0);
	T_EQ_INT(put_bulk(st, "warm", 1), 0);
	T_CHECK(pb_state_commit_ms(st) > 0 && pb_state_commit_ms(st) <= pb_mono_ms());
	T_CHECK(pb_state_commit_ms(other) == 0);
	T_EQ_INT(pb_state_checkpoints(st, 0), 0);
	base = file_size("ck.db");
	/* about 2,000 pages in four commits */
	for (int i = 0; i < 4; i++) {
		char sub[16];

		snprintf(sub, sizeof sub, "a%d", i);
		T_EQ_INT(put_bulk(st, sub, 250), 0);
	}
	left = file_size("ck.db");
	T_CHECK(base > 0 && left == base);
	/* another handle's commit makes the checkpoint */
	T_EQ_INT(put_bulk(other, "b", 1), 0);
	after = file_size("ck.db");
	T_CHECK(after > left + (4 << 20));
	/* and one asked for, while they are off */
	for (int i = 0; i < 2; i++) {
		char sub[16];

		snprintf(sub, sizeof sub, "d%d", i);
		T_EQ_INT(put_bulk(st, sub, 250), 0);
	}
	T_CHECK(file_size("ck.db") == after);
	T_EQ_INT(pb_state_checkpoint(st), 0);
	T_CHECK(file_size("ck.db") > after + (2 << 20));
	after = file_size("ck.db");
	/* on again: its own commits do */
	T_EQ_INT(pb_state_checkpoints(st, 1), 0);
	for (int i = 0; i < 4; i++) {
		char sub[16];

		snprintf(sub, sizeof sub, "c%d", i);
		T_EQ_INT(put_bulk(st, sub, 250), 0);
	}
	T_CHECK(file_size("ck.db") > after + (2 << 20));
out:
	pb_state_close(other);
	pb_state_close(st);
}

static void
test_ledger_runs(void)
{
	struct pb_state *st = open_db("ledger.db");
	struct pb_run_row *r = NULL;
	size_t n = 0;
	char last[16];
	int64_t id1, id2, id3;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_ledger_has(st, "alice", "2512.00001", NULL), 0);
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00001", 1, "2025-12-04"), 0);
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00001", 1, "2025-12-04"), 0);   /* unique */
	T_EQ_INT(pb_ledger_add(st, "alice", "2512.00001", 2, "2025-12-08"), 0);
	T_EQ_INT(pb_ledger_has(st, "alice", "2512.00001", NULL), 1);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.00001", NULL), 0);
	T_EQ_INT(pb_ledger_has(st, "alice", "2512.00002", NULL), 0);
	/* except_date: a repeated cycle for a date does not count that date's own rows. */
	T_EQ_INT(pb_ledger_add(st, "bob", "2512.00003", 1, "2025-12-04"), 0);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.00003", "2025-12-04"), 0);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.00003", "2025-12-05"), 1);
	T_EQ_INT(pb_ledger_has(st, "alice", "2512.00001", "2025-12-04"), 1);   /* v2 on 12-08 */
	/* One row per subscriber and date: a second digest of a date adds its papers to it; ids
	 * that hold one another are told apart; an id with a space is refused. */
	T_EQ_INT(pb_ledger_add(st, "bob", "2512.0000", 1, "2025-12-04"), 0);
	T_EQ_INT(raw_count("ledger.db", "SELECT COUNT(*) FROM ledger WHERE subscriber = 'bob'"), 1);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.0000", "2025-12-05"), 1);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.00003", "2025-12-05"), 1);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.000", "2025-12-05"), 0);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512.000031", "2025-12-05"), 0);
	T_EQ_INT(pb_ledger_has(st, "bob", "0003", "2025-12-05"), 0);
	T_EQ_INT(pb_ledger_add(st, "bob", "2512 00004", 1, "2025-12-05"), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "subscriber bob: paper id 2512 00004") != NULL);
	T_EQ_INT(pb_ledger_has(st, "bob", "2512", NULL), 0);
	T_EQ_INT(raw_count("ledger.db", "SELECT COUNT(*) FROM ledger WHERE subscriber = 'bob'"), 1);

	T_EQ_INT(pb_paper_seen(st, "2512.00001", 1, "2025-12-04"), 1);
	T_EQ_INT(pb_paper_seen(st, "2512.00001", 1, "2025-12-04"), 0);
	T_EQ_INT(pb_paper_seen(st, "2512.00001", 2, "2025-12-08"), 1);

	T_EQ_INT(pb_run_last_done(st, last), 0);
	T_EQ_INT(pb_run_first_done(st, last), 0);
	id1 = pb_run_begin(st, "2025-12-04", "run");
	T_CHECK(id1 > 0);
	T_EQ_INT(pb_run_done(st, "2025-12-04"), 0);
	T_EQ_INT(pb_run_end(st, id1, "done", 100, 3, 7, NULL), 0);
	T_EQ_INT(pb_run_done(st, "2025-12-04"), 1);
	T_EQ_INT(pb_run_done(st, "2025-12-05"), 0);
	id2 = pb_run_begin(st, "2025-12-05", "run");
	T_EQ_INT(pb_run_end(st, id2, "failed", 0, 0, 0, "fetch failed: HTTP 503"), 0);
	T_EQ_INT(pb_run_done(st, "2025-12-05"), 0);
	/* A run for one subscriber does not complete the date for everyone. */
	id3 = pb_run_begin(st, "2025-12-08", "only");
	T_EQ_INT(pb_run_end(st, id3, "done", 5, 1, 1, NULL), 0);
	T_EQ_INT(pb_run_done(st, "2025-12-08"), 0);
	T_EQ_INT(pb_run_last_done(st, last), 1);
	T_EQ_STR(last, "2025-12-04");
	/* where the history begins: the failed and the "only" runs are not part of it */
	T_EQ_INT(pb_run_first_done(st, last), 1);
	T_EQ_STR(last, "2025-12-04");

	T_EQ_INT(pb_runs_recent(st, 2, &r, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(r[0].id, id3);
		T_EQ_STR(r[1].digest_date, "2025-12-05");
		T_EQ_STR(r[1].status, "failed");
		T_EQ_STR(r[1].error, "fetch failed: HTTP 503");
		T_CHECK(r[0].error == NULL);
	}
	pb_run_rows_free(r, n);
	T_EQ_INT(pb_runs_recent(st, 10, &r, &n), 0);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_INT(r[2].papers, 100);
		T_EQ_INT(r[2].digests, 3);
		T_EQ_INT(r[2].messages, 7);
		T_CHECK(r[2].finished >= r[2].started);
	}
	pb_run_rows_free(r, n);
	/* A run that never ended (its process was killed) shows as interrupted once the next
	 * run begins under the lock. */
	{
		int64_t dead = pb_run_begin(st, "2025-12-09", "run");
		int64_t next = pb_run_begin(st, "2025-12-09", "run");

		T_EQ_INT(pb_runs_recent(st, 2, &r, &n), 0);
		T_EQ_INT(n, 2);
		if (n == 2) {
			T_EQ_INT(r[0].id, next);
			T_EQ_STR(r[0].status, "running");
			T_EQ_INT(r[1].id, dead);
			T_EQ_STR(r[1].status, "interrupted");
			T_EQ_STR(r[1].error, "the process ended before the run finished");
			T_CHECK(r[1].finished > 0);
		}
		pb_run_rows_free(r, n);
		T_EQ_INT(pb_run_end(st, next, "done", 1, 1, 1, NULL), 0);
	}
	pb_state_close(st);
}

static void
test_cache_tokens(void)
{
	struct pb_state *st = open_db("cache.db");
	char *a;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_CHECK(pb_cache_get(st, "2512.00001v1", "m", "en", "h1", "analysis") == NULL);
	T_EQ_INT(pb_cache_put(st, "2512.00001v1", "m", "en", "h1", "analysis", "first", 10), 0);
	a = pb_cache_get(st, "2512.00001v1", "m", "en", "h1", "analysis");
	T_EQ_STR(a, "first");
	free(a);
	/* Every part of the key matters. */
	T_CHECK(pb_cache_get(st, "2512.00001v2", "m", "en", "h1", "analysis") == NULL);
	T_CHECK(pb_cache_get(st, "2512.00001v1", "m2", "en", "h1", "analysis") == NULL);
	T_CHECK(pb_cache_get(st, "2512.00001v1", "m", "zh", "h1", "analysis") == NULL);
	T_CHECK(pb_cache_get(st, "2512.00001v1", "m", "en", "h2", "analysis") == NULL);
	T_CHECK(pb_cache_get(st, "2512.00001v1", "m", "en", "h1", "findings") == NULL);
	/* A put for the same key replaces. */
	T_EQ_INT(pb_cache_put(st, "2512.00001v1", "m", "en", "h1", "analysis",
			      "second — UTF-8 ✓", 12), 0);
	a = pb_cache_get(st, "2512.00001v1", "m", "en", "h1", "analysis");
	T_EQ_STR(a, "second — UTF-8 ✓");
	free(a);

	T_EQ_INT(pb_model_tokens_used(st, "2025-12-04"), 0);
	T_EQ_INT(pb_model_tokens_add(st, "2025-12-04", 100), 0);
	T_EQ_INT(pb_model_tokens_add(st, "2025-12-04", 50), 0);
	T_EQ_INT(pb_model_tokens_add(st, "2025-12-05", 7), 0);
	T_EQ_INT(pb_model_tokens_used(st, "2025-12-04"), 150);
	T_EQ_INT(pb_model_tokens_used(st, "2025-12-05"), 7);
	pb_state_close(st);
}

static void
test_prune(void)
{
	struct pb_state *st = open_db("prune.db");
	struct pb_outbox_msg *v = NULL;
	struct pb_outbox_count *c = NULL;
	size_t n = 0;
	char buf[64], *a;
	long total = 0;
	int64_t now = pb_now();

	T_CHECK(st != NULL);
	if (!st)
		return;
	/* created = 1000 (1970): old. Pending and paused old rows must survive. */
	T_EQ_INT(put(st, "1970-01-01", "a", "email", "x", 1, 1, 0), 1);   /* stays pending */
	T_EQ_INT(put(st, "1970-01-01", "b", "email", "x", 1, 1, 0), 1);   /* -> sent */
	T_EQ_INT(put(st, "1970-01-01", "c", "email", "x", 1, 1, 0), 1);   /* -> failed */
	T_EQ_INT(put(st, "1970-01-01", "d", "email", "x", 1, 1, 0), 1);   /* -> paused */
	T_EQ_INT(pb_outbox_due(st, 10, 10, &v, &n), 0);
	T_EQ_INT(n, 4);
	if (n == 4) {
		pb_outbox_mark_sent(st, v[1].rowid, 2000);
		pb_outbox_mark_status(st, v[2].rowid, PB_OUT_FAILED, "550");
		pb_outbox_mark_status(st, v[3].rowid, PB_OUT_PAUSED, "403");
	}
	pb_outbox_msgs_free(v, n);
	/* A recent sent row stays. */
	{
		struct pb_outbox_msg m;

		memset(&m, 0, sizeof m);
		m.msg_id = "recent";
		m.subscriber = m.channel = m.dest = "e";
		m.digest_date = "2026-01-01";
		m.part = m.n_parts = 1;
		m.payload = "p";
		m.created = now;
		T_EQ_INT(pb_outbox_put(st, &m), 1);
	}
	/* A sent row created long ago but dated after the cutoff's day (a date given by hand)
	 * waits for its date: the outbox is pruned by date as well as by instant. */
	T_EQ_INT(put(st, "2999-01-01", "f", "email", "x", 1, 1, 0), 1);
	T_EQ_INT(raw_exec("prune.db", "UPDATE outbox SET status = 1 WHERE subscriber = 'f'"),
		 SQLITE_OK);
	/* Rows stamped now by the state itself, made "old" through the database. */
	T_EQ_INT(pb_ledger_add(st, "a", "old", 1, "1970-01-01"), 0);
	T_EQ_INT(pb_ledger_add(st, "a", "new", 1, "2026-01-01"), 0);
	T_EQ_INT(pb_ledger_add(st, "a", "later", 1, "2999-01-01"), 0);   /* stays, as f */
	/* The ledger goes by the day's cutoff: of two rows dated long ago, the one stamped a
	 * minute after the cutoff stays, the one stamped a minute before goes. */
	{
		int64_t cut = now - 90 * 86400;
		char sql[256];

		T_EQ_INT(pb_ledger_add(st, "w", "in-time", 1, "1970-01-03"), 0);
		T_EQ_INT(pb_ledger_add(st, "w", "past", 1, "1970-01-02"), 0);
		snprintf(sql, sizeof sql,
			 "UPDATE ledger SET added = %lld WHERE papers = 'in-time:1';"
			 "UPDATE ledger SET added = %lld WHERE papers = 'past:1';",
			 (long long)(cut + 60), (long long)(cut - 60));
		T_EQ_INT(raw_exec("prune.db", sql), SQLITE_OK);
	}
	T_EQ_INT(pb_cache_put(st, "old", "m", "en", "h", "k", "x", 1), 0);
	T_EQ_INT(pb_cache_put(st, "new", "m", "en", "h", "k", "y", 1), 0);
	T_EQ_INT(pb_model_tokens_add(st, "1970-01-02", 5), 0);
	T_EQ_INT(pb_model_tokens_add(st, "2999-01-01", 5), 0);
	T_EQ_INT(pb_paper_seen(st, "old", 1, "1970-01-01"), 1);
	{
		int64_t r = pb_run_begin(st, "1970-01-01", "run");

		pb_run_end(st, r, "done", 0, 0, 0, NULL);
		pb_run_begin(st, "1970-01-02", "run");   /* killed long ago: still "running" */
	}
	T_EQ_INT(raw_exec("prune.db",
			  "UPDATE ledger SET added = 5 WHERE papers IN ('old:1', 'later:1');"
			  "UPDATE summary_cache SET created = 5 WHERE paper_key = 'old';"
			  "UPDATE papers SET first_seen = 5;"
			  "UPDATE runs SET started = 5;"), SQLITE_OK);

	total = pb_state_prune(st, 90);
	/* outbox sent+failed (2, and their 2 bodies: each payload, met once, is a literal run in
	 * its body, no chunk), ledger 2 (old, past), papers 1, cache 1, tokens 1, runs 2 */
	T_EQ_INT(total, 11);
	T_EQ_INT(pb_outbox_counts(st, &c, &n), 0);
	{
		long pending = 0, paused = 0, sent = 0, failed = 0;

		for (size_t i = 0; i < n; i++) {
			pending += c[i].status == PB_OUT_PENDING ? c[i].n : 0;
			paused += c[i].status == PB_OUT_PAUSED ? c[i].n : 0;
			sent += c[i].status == PB_OUT_SENT ? c[i].n : 0;
			failed += c[i].status == PB_OUT_FAILED ? c[i].n : 0;
		}
		T_EQ_INT(pending, 2);   /* a, and "recent" */
		T_EQ_INT(paused, 1);
		T_EQ_INT(sent, 1);   /* f */
		T_EQ_INT(failed, 0);
	}
	free(c);
	T_EQ_INT(pb_ledger_has(st, "a", "old", NULL), 0);
	T_EQ_INT(pb_ledger_has(st, "a", "new", NULL), 1);
	T_EQ_INT(pb_ledger_has(st, "a", "later", NULL), 1);
	T_EQ_INT(pb_ledger_has(st, "w", "in-time", NULL), 1);
	T_EQ_INT(pb_ledger_has(st, "w", "past", NULL), 0);
	a = pb_cache_get(st, "new", "m", "en", "h", "k");
	T_EQ_STR(a, "y");
	free(a);
	T_CHECK(pb_cache_get(st, "old", "m", "en", "h", "k") == NULL);
	T_EQ_INT(pb_model_tokens_used(st, "1970-01-02"), 0);
	T_EQ_INT(pb_model_tokens_used(st, "2999-01-01"), 5);
	T_EQ_INT(pb_paper_seen(st, "old", 1, "1970-01-01"), 1);   /* forgotten, so new again */
	{
		struct pb_run_row *r = NULL;

		T_EQ_INT(pb_runs_recent(st, 10, &r, &n), 0);
		T_EQ_INT(n, 0);
		pb_run_rows_free(r, n);
	}
	/* No payload left without its message. */
	T_EQ_INT(raw_count("prune.db", "SELECT COUNT(*) FROM outbox_body WHERE id NOT"
				       " IN (SELECT rowid FROM outbox)"), 0);
	T_EQ_INT(raw_count("prune.db", "SELECT COUNT(*) FROM chunks WHERE refs <= 0"), 0);
	T_EQ_INT(pb_state_prune(st, -1), -1);
	T_EQ_INT(pb_state_integrity(st, buf, sizeof buf), 0);
	pb_state_close(st);
}

/* Many messages: the due scan stays ordered and the database stays consistent. */
static void
test_volume(void)
{
	struct pb_state *st = open_db("volume.db");
	struct pb_outbox_msg *v = NULL;
	size_t n = 0, total = 0;
	char sub[32], prev[512] = "";
	int ordered = 1;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_begin(st), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(sub, sizeof sub, "s%04d", (i * 7919) % 3000);
		put(st, "2025-12-04", sub, "email", "x@y", 1, 1, 0);
	}
	T_EQ_INT(pb_state_commit(st), 0);
	for (;;) {
		T_EQ_INT(pb_outbox_due(st, 10, 500, &v, &n), 0);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(prev, v[i].subscriber) >= 0)
				ordered = 0;
			snprintf(prev, sizeof prev, "%s", v[i].subscriber);
			pb_outbox_mark_sent(st, v[i].rowid, 20);
		}
		total += n;
		pb_outbox_msgs_free(v, n);
	}
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(total, 3000);
	T_CHECK(ordered);
	pb_state_close(st);
}

/* What a run relies on when things fail: attempts counted for a settled try, run counts that
 * roll back with the enqueue, a rolled-back transaction that can be told apart, and the open
 * modes that create nothing (retry) or write nothing (status). */
static void
test_integrity(void)
{
	struct pb_state *st = open_db("integrity.db"), *ro;
	struct pb_outbox_msg *v = NULL, m;
	struct pb_run_row *r = NULL;
	size_t n = 0;
	char err[512] = "";
	int64_t run;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(put(st, "2025-12-04", "a", "email", "a@x", 1, 1, 0), 1);
	T_EQ_INT(put(st, "2025-12-04", "b", "email", "b@x", 1, 1, 0), 1);
	T_EQ_INT(pb_outbox_due(st, 10, 10, &v, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(pb_outbox_mark_tried(st, v[0].rowid, PB_OUT_FAILED, "535 no"), 0);
		T_EQ_INT(pb_outbox_mark_status(st, v[1].rowid, PB_OUT_EXPIRED, "too old"), 0);
	}
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/a/email/a@x/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_FAILED);
	T_EQ_INT(m.attempts, 1);   /* tried once: "failed after 1 attempt" */
	T_EQ_STR(m.last_error, "535 no");
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2025-12-04/b/email/b@x/1", &m), 1);
	T_EQ_INT(m.attempts, 0);   /* settled without a try */
	pb_outbox_msg_clear(&m);

	/* Run counts go with the enqueue's transaction. */
	run = pb_run_begin(st, "2025-12-05", "run");
	T_CHECK(run > 0);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "2025-12-05", "a", "email", "a@x", 1, 1, 0), 1);
	T_EQ_INT(pb_run_add(st, run, 1, 1), 0);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "2025-12-05", "b", "email", "b@x", 1, 1, 0), 1);
	T_EQ_INT(pb_run_add(st, run, 1, 1), 0);
	T_EQ_INT(pb_state_rollback(st), 0);
	T_EQ_INT(pb_runs_recent(st, 1, &r, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_INT(r[0].digests, 1);
		T_EQ_INT(r[0].messages, 1);
		T_EQ_STR(r[0].status, "running");
	}
	pb_run_rows_free(r, n);
	T_EQ_INT(pb_run_done(st, "2025-12-05"), 0);

	/* A statement refused inside a transaction leaves it open (only the statement is undone);
	 * RAISE(ROLLBACK) takes the whole transaction, and that can be told. SQLite's triggers. */
	if (!t_state_pg() && raw_exec("integrity.db",
			  "CREATE TRIGGER no_c BEFORE INSERT ON outbox WHEN NEW.subscriber = 'c'"
			  " BEGIN SELECT RAISE(ABORT, 'no c'); END;"
			  "CREATE TRIGGER no_d BEFORE INSERT ON outbox WHEN NEW.subscriber = 'd'"
			  " BEGIN SELECT RAISE(ROLLBACK, 'no d'); END;") == 0) {
		T_EQ_INT(pb_state_begin(st), 0);
		T_EQ_INT(put(st, "2025-12-06", "c", "email", "c@x", 1, 1, 0), -1);
		T_EQ_INT(pb_state_in_transaction(st), 1);
		T_EQ_INT(put(st, "2025-12-06", "d", "email", "d@x", 1, 1, 0), -1);
		T_EQ_INT(pb_state_in_transaction(st), 0);
		T_EQ_INT(pb_state_rollback(st), 0);   /* already rolled back: harmless */
		T_CHECK(strcmp(pb_state_errmsg(st), "not an error") != 0);
	} else {
		T_CHECK(t_state_pg() != NULL);
	}
	/* A failure that is not SQLite's says what it is, not the older error above (nor
	 * SQLite's "not an error"). */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_state_begin(st), -1);
	T_EQ_STR(pb_state_errmsg(st), "a transaction is already open");
	T_EQ_INT(pb_state_rollback(st), 0);
	pb_state_close(st);

	/* Read-only: reads what is there, writes nothing. */
	ro = t_state_open_mode(db_path("integrity.db"), PB_STATE_READ, err, sizeof err);
	T_CHECK(ro != NULL);
	if (ro) {
		T_EQ_INT(pb_outbox_get(ro, "2025-12-05/a/email/a@x/1", &m), 1);
		pb_outbox_msg_clear(&m);
		T_EQ_INT(put(ro, "2025-12-07", "a", "email", "a@x", 1, 1, 0), -1);
		pb_state_close(ro);
	}
	if (t_state_pg())
		return;   /* the rest is about SQLite files */
	/* Neither READ nor WRITE creates a database that is not there, and both say where. */
	ro = t_state_open_mode(db_path("absent.db"), PB_STATE_READ, err, sizeof err);
	T_CHECK(ro == NULL);
	T_CHECK(strstr(err, "absent.db") != NULL);
	pb_state_close(ro);
	ro = t_state_open_mode(db_path("absent.db"), PB_STATE_WRITE, err, sizeof err);
	T_CHECK(ro == NULL);
	T_CHECK(strstr(err, "absent.db") != NULL);
	pb_state_close(ro);
	T_CHECK(access(db_path("absent.db"), F_OK) != 0);

	/* A database of an older schema is not migrated by a reader: it says so. */
	{
		sqlite3 *db = NULL;

		sqlite3_open(db_path("old.db"), &db);
		sqlite3_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
				 "INSERT INTO meta VALUES('schema_version', '2');", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	ro = t_state_open_mode(db_path("old.db"), PB_STATE_READ, err, sizeof err);
	T_CHECK(ro == NULL);
	T_CHECK(strstr(err, "schema version 2") != NULL);
	pb_state_close(ro);
}

/* A failed run is recorded once, by the cycle and by the daemon alike: the same failure again
 * (a source polled again) is no new row, another one is. */
static void
test_record_failed(void)
{
	char err[256];
	struct pb_state *st = t_state_open(db_path("failed.db"), err, sizeof err);
	struct pb_run_row *r = NULL;
	size_t n = 0;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_run_record_failed(st, "2025-12-04", "run", 0, "stale feed: x"), 0);
	T_EQ_INT(pb_run_record_failed(st, "2025-12-04", "run", 0, "stale feed: x"), 0);
	T_EQ_INT(pb_runs_recent(st, 10, &r, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(r[0].status, "failed");
		T_EQ_STR(r[0].error, "stale feed: x");
	}
	pb_run_rows_free(r, n);
	T_EQ_INT(pb_run_record_failed(st, "2025-12-04", "run", 3, "HTTP 404"), 0);
	T_EQ_INT(pb_run_record_failed(st, "2025-12-04", "only", 3, "HTTP 404"), 0);
	T_EQ_INT(pb_run_record_failed(st, "2025-12-05", "only", 3, "HTTP 404"), 0);
	T_EQ_INT(pb_runs_recent(st, 10, &r, &n), 0);
	T_EQ_INT(n, 4);
	if (n == 4)
		T_EQ_INT(r[0].papers, 3);
	pb_run_rows_free(r, n);
	pb_state_close(st);
}

/* A server's words that are not UTF-8 (a proxy's Latin-1 error page) are recorded as any
 * other reason, on either backend, and take no other result of the same transaction with
 * them: on PostgreSQL, whose text refuses such bytes, the group's "sent" marks were rolled
 * back with the failed statement, and the messages went again on the next run. */
static void
test_reason_not_utf8(void)
{
	struct pb_state *st = open_db("latin1.db");
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(put(st, "2025-01-01", "ann", "email", "a@x", 1, 1, 0), 1);
	T_EQ_INT(put(st, "2025-01-01", "bob", "email", "b@x", 1, 1, 0), 1);
	T_EQ_INT(pb_outbox_due(st, 100, 10, &v, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_INT(pb_state_begin(st), 0);
		T_EQ_INT(pb_outbox_mark_sent(st, v[0].rowid, 100), 0);
		T_EQ_INT(pb_outbox_mark_retry(st, v[1].rowid, 200, "HTTP 500: caf\xe9 ferm\xe9"),
			 0);
		T_EQ_INT(pb_state_commit(st), 0);
	}
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(raw_count("latin1.db", "SELECT count(*) FROM outbox WHERE status = 1"), 1);
	T_EQ_INT(raw_count("latin1.db", "SELECT count(*) FROM outbox WHERE status = 0"
				      " AND attempts = 1 AND last_error LIKE 'HTTP 500: caf%'"), 1);
	/* the runs' own errors alike */
	T_EQ_INT(pb_run_record_failed(st, "2025-01-02", "run", 0, "HTTP 503: \xff\xfe"), 0);
	pb_state_close(st);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "%s/pb-test-state-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_schema();
	test_query_plans();
	test_migrate_v1();
	test_outbox();
	test_outbox_dest();
	test_transactions();
	test_read_window();
	test_checkpoints();
	test_ledger_runs();
	test_cache_tokens();
	test_prune();
	test_volume();
	test_integrity();
	test_record_failed();
	test_reason_not_utf8();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_state");
}
