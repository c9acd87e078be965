/* The driver on PostgreSQL (libpq). Statements: `?N` rewritten to `$N`; a persistent one is
 * PQprepare'd once per connection (again after a reconnect) and run with PQexecPrepared, a
 * one-use one with PQexecParams. Parameters go as text (integers, strings) or binary (blobs)
 * with their types inferred by the server; results come as text, bytea decoded from hex.
 *
 * Transactions differ from SQLite's in one way the callers would notice: after an error
 * PostgreSQL refuses everything until ROLLBACK. A failed statement outside any savepoint
 * therefore rolls the transaction back at once (pb_db_in_transaction then says 0, as SQLite
 * does after an I/O error), and the COMMIT that follows fails instead of committing nothing
 * quietly. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include <openssl/rand.h>
#include <utf8proc.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/fold.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "db_int.h"

enum { PG_TXEND = PG_ROLLBACK_TO + 1, PG_BEGIN, PG_COMMIT };

#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

static void
quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	pb_debug("state.pg_notice", "message=%s", pb_q(msg));
}

void
pb_db_pg_describe(const char *conninfo, char *out, size_t n)
{
	static const char *const keys[] = { "host", "hostaddr", "port", "dbname", "user" };
	PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", NULL);
	struct pb_buf b = { 0 };

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			if (strcmp(o->keyword, keys[k]) != 0 || !o->val || !*o->val)
				continue;
			pb_buf_printf(&b, "%s%s=%s", b.len ? " " : "", o->keyword, o->val);
		}
	}
	if (!opts)
		pb_buf_puts(&b, "(conninfo not understood)");
	else if (!b.len)
		pb_buf_puts(&b, "(libpq defaults)");
	snprintf(out, n, "%s", b.data);
	pb_buf_free(&b);
	PQconninfoFree(opts);
}

void
pb_state_conninfo_describe(const char *conninfo, char *out, size_t n)
{
	pb_db_pg_describe(conninfo, out, n);
}

int
pb_state_conninfo_check(const char *conninfo, int allow_password, char *msg, size_t n)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	int rc = 0;

	if (!opts) {
		/* libpq's message names the word it did not understand, not the whole string. */
		snprintf(msg, n, "not a libpq conninfo: %s", perr ? perr : "out of memory");
		for (char *p = msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
		PQfreemem(perr);
		return -1;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!allow_password && strcmp(o->keyword, "password") == 0 && o->val && *o->val) {
			snprintf(msg, n, "holds a password: give the conninfo in conninfo_env or "
				 "conninfo_file (a secret, file mode 0600) instead");
			rc = -1;
		}
	PQconninfoFree(opts);
	return rc;
}

/* libpq's message without its trailing newline, on one line. */
static void
set_err(struct pb_db *db, const char *what, const char *msg)
{
	size_t n;
	char *p;

	snprintf(db->err, sizeof db->err, "%s%s%s", what ? what : "", what ? ": " : "",
		 msg && *msg ? msg : "unknown error");
	n = strlen(db->err);
	while (n && (db->err[n - 1] == '\n' || db->err[n - 1] == ' '))
		db->err[--n] = '\0';
	for (p = db->err; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	db->failed = 1;
	db->transient = 0;
}

/* A statement's error: the server's primary message without its "ERROR:" prefix, else
 * libpq's (a lost connection). */
static void
res_err(struct pb_db *db, const PGresult *r)
{
	const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	set_err(db, NULL, m ? m : r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
	/* deadlock_detected, serialization_failure: the same work may well succeed again */
	db->transient = code && (strcmp(code, "40P01") == 0 || strcmp(code, "40001") == 0);
}

static int
session_setup(struct pb_db *db)
{
	PGresult *r;
	int ok;

	PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
	/* Integers and text only ever; the client speaks UTF-8 as the rest of paperboy. */
	r = PQexec(db->conn, "SET client_encoding = 'UTF8'; SET client_min_messages = warning");
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		res_err(db, r);
	PQclear(r);
	return ok ? 0 : -1;
}

/* A connection with paperboy's defaults. Earlier entries are defaults the conninfo (expanded
 * from dbname) overrides. A host that falls silent (network cut, frozen machine) is otherwise
 * waited on until TCP gives up, up to a quarter of an hour: keepalives notice an idle
 * connection's dead peer within a minute, tcp_user_timeout a statement sent and never
 * acknowledged. A live server's kernel answers both however long its statement runs. */
static PGconn *
connect_pg(const char *conninfo)
{
	const char *const keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
				     "keepalives_interval", "keepalives_count",
				     "tcp_user_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "10", "1", "30", "10", "3", "60000", "paperboy", conninfo, NULL };

	return PQconnectdbParams(keys, vals, 1);
}

struct pb_db *
pb_dbpg_open(const char *conninfo, char *err, size_t errlen)
{
	struct pb_db *db = pb_xcalloc(1, sizeof *db);
	char where[256];

	db->backend = PB_DB_POSTGRESQL;
	db->conninfo = pb_xstrdup(conninfo ? conninfo : "");
	pb_db_pg_describe(db->conninfo, where, sizeof where);
	db->patience_ms = 60000;
	db->conn = connect_pg(db->conninfo);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		set_err(db, NULL, db->conn ? PQerrorMessage(db->conn) : "out of memory");
		snprintf(err, errlen, "PostgreSQL at %s: %s", where, db->err);
		goto fail;
	}
	if (session_setup(db) < 0) {
		snprintf(err, errlen, "PostgreSQL at %s: %s", where, db->err);
		goto fail;
	}
	return db;
fail:
	pb_db_close(db);
	return NULL;
}

static void redo_stop(struct pb_db *db);

void
pb_dbpg_close(struct pb_db *db)
{
	redo_stop(db);
	if (db->conn) {
		if (PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
		    PQstatus(db->conn) == CONNECTION_OK)
			PQclear(PQexec(db->conn, "ROLLBACK"));
		PQfinish(db->conn);
	}
	db->conn = NULL;
}

/* Rewrites `?N` (and a bare `?`, numbered after the highest so far, as SQLite does) to `$N`
 * outside quotes; "BEGIN IMMEDIATE" is "BEGIN". Returns the parameter count. */
static int
translate(const char *sql, struct pb_buf *out)
{
	int max = 0;
	char q = 0;

	if (strcmp(sql, "BEGIN IMMEDIATE") == 0) {
		pb_buf_puts(out, "BEGIN");
		return 0;
	}
	for (const char *p = sql; *p; p++) {
		if (q) {
			if (*p == q)
				q = 0;
			pb_buf_putc(out, *p);
		} else if (*p == '\'' || *p == '"') {
			q = *p;
			pb_buf_putc(out, *p);
		} else if (*p == '?') {
			int n = 0;

			while (isdigit((unsigned char)p[1]) && n < 1000)
				n = n * 10 + (*++p - '0');
			if (!n)
				n = max + 1;
			if (n > max)
				max = n;
			pb_buf_printf(out, "$%d", n);
		} else {
			pb_buf_putc(out, *p);
		}
	}
	if (!out->data)
		pb_buf_puts(out, "");
	return max;
}

static int
kind_of(const char *sql)
{
	if (strncmp(sql, "SAVEPOINT ", 10) == 0)
		return PG_SAVEPOINT;
	if (strncmp(sql, "RELEASE ", 8) == 0)
		return PG_RELEASE;
	if (strncmp(sql, "ROLLBACK TO ", 12) == 0)
		return PG_ROLLBACK_TO;
	if (strcmp(sql, "ROLLBACK") == 0)
		return PG_TXEND;
	if (strcmp(sql, "COMMIT") == 0)
		return PG_COMMIT;
	if (strncmp(sql, "BEGIN", 5) == 0)
		return PG_BEGIN;
	return PG_PLAIN;
}

/* PQprepare under a fresh name on the current connection. */
static int
server_prepare(pb_db_stmt *s)
{
	struct pb_db *db = s->db;
	PGresult *r;
	int ok;

	snprintf(s->name, sizeof s->name, "pb_%u", ++db->next_name);
	r = PQprepare(db->conn, s->name, s->sql, s->nparams, NULL);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		res_err(db, r);
	else
		s->gen = db->gen;
	PQclear(r);
	return ok ? 0 : -1;
}

int
pb_dbpg_prepare(pb_db_stmt *s, const char *sql, int persistent)
{
	struct pb_buf b = { 0 };

	s->nparams = translate(sql, &b);
	s->sql = pb_buf_detach(&b);
	s->kind = kind_of(s->sql);
	if (s->nparams) {
		s->vals = pb_xcalloc((size_t)s->nparams, sizeof *s->vals);
		s->lens = pb_xcalloc((size_t)s->nparams, sizeof *s->lens);
		s->fmts = pb_xcalloc((size_t)s->nparams, sizeof *s->fmts);
	}
	s->gen = s->db->gen - 1;   /* not prepared yet */
	if (!persistent || s->kind != PG_PLAIN)
		return 0;
	/* With the connection lost, it is prepared when first run (which waits for it). */
	if (server_prepare(s) < 0 && PQstatus(s->db->conn) == CONNECTION_OK)
		return -1;
	return 0;
}

/* s[0..n) with each byte that starts no valid UTF-8 character made U+FFFD, malloc'd. */
static char *
utf8_repaired(const char *s, size_t n, size_t *len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	struct pb_buf b = { 0 };

	while (n > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, (utf8proc_ssize_t)n, &cp);

		if (k <= 0) {
			pb_buf_puts(&b, "\xEF\xBF\xBD");
			k = 1;
		} else {
			pb_buf_append(&b, p, (size_t)k);
		}
		p += k;
		n -= (size_t)k;
	}
	*len = b.len;
	return pb_buf_detach(&b);
}

int
pb_dbpg_bind(pb_db_stmt *s, int i, const char *v, size_t n, int binary)
{
	if (i < 1 || i > s->nparams)
		return pb_db_fail(s->db, "parameter %d out of range", i);
	free(s->vals[i - 1]);
	s->vals[i - 1] = NULL;
	s->lens[i - 1] = 0;
	s->fmts[i - 1] = binary;
	if (v && !binary && !pb_utf8_valid(v, n)) {
		/* PostgreSQL's text refuses bytes that are not UTF-8 (a server's Latin-1 error
		 * page in a delivery's reason) where SQLite keeps them; refused, the statement
		 * would fail and roll back the transaction around it, a delivery group's "sent"
		 * marks with it. Such a byte becomes U+FFFD, as paperboy shows it anyway. */
		size_t len;

		s->vals[i - 1] = utf8_repaired(v, n, &len);
		s->lens[i - 1] = (int)len;
		return 0;
	}
	if (v) {
		s->vals[i - 1] = pb_xmalloc(n + 1);
		memcpy(s->vals[i - 1], v, n);
		s->vals[i - 1][n] = '\0';
		s->lens[i - 1] = (int)n;
	}
	return 0;
}

/* ---- a lost connection: wait, replay the open transaction, go on ---- */

struct pb_db_redo {
	char *sql;
	int n;
	char **vals;
	int *lens, *fmts;
	uint64_t answer;        /* what the caller saw: replayed, it must be the same */
};

/* A fingerprint of a result: its rows, values and the rows it changed. */
static uint64_t
answer_of(const PGresult *r)
{
	uint64_t h = 1469598103934665603ULL;
	const char *ct = PQcmdTuples((PGresult *)r);
	int rows = PQntuples(r), cols = PQnfields(r);

	for (const char *p = ct; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ (uint64_t)rows) * 1099511628211ULL;
	for (int i = 0; i < rows; i++)
		for (int c = 0; c < cols; c++) {
			const char *v = PQgetvalue(r, i, c);
			int n = PQgetlength(r, i, c);

			h = (h ^ (uint64_t)(PQgetisnull(r, i, c) ? 1 : 2)) * 1099511628211ULL;
			for (int k = 0; k < n; k++)
				h = (h ^ (unsigned char)v[k]) * 1099511628211ULL;
		}
	return h;
}

#define REDO_MAX (64L << 20)   /* bytes of statements kept for a replay */
/* Recoveries for one statement: the connection lost again each time gives up. */
#define RECOVER_MAX 3

static void
redo_stop(struct pb_db *db)
{
	for (size_t i = 0; i < db->n_redo; i++) {
		struct pb_db_redo *e = &db->redo[i];

		for (int k = 0; k < e->n; k++)
			free(e->vals[k]);
		free(e->vals);
		free(e->lens);
		free(e->fmts);
		free(e->sql);
	}
	free(db->redo);
	db->redo = NULL;
	db->n_redo = 0;
	db->redo_bytes = 0;
	db->logging = 0;
}

static void
redo_add(struct pb_db *db, const char *sql, int n, char *const *vals, const int *lens,
	 const int *fmts, const PGresult *r)
{
	struct pb_db_redo *e;
	size_t bytes = strlen(sql);

	if (db->logging != 1)
		return;
	for (int k = 0; k < n; k++)
		bytes += (size_t)lens[k];
	if (db->redo_bytes + bytes > REDO_MAX) {
		redo_stop(db);
		db->logging = 2;   /* the transaction can no longer be replayed */
		return;
	}
	db->redo = pb_xreallocarray(db->redo, db->n_redo + 1, sizeof *db->redo);
	e = &db->redo[db->n_redo++];
	memset(e, 0, sizeof *e);
	e->sql = pb_xstrdup(sql);
	e->n = n;
	e->answer = answer_of(r);
	if (n) {
		e->vals = pb_xcalloc((size_t)n, sizeof *e->vals);
		e->lens = pb_xcalloc((size_t)n, sizeof *e->lens);
		e->fmts = pb_xcalloc((size_t)n, sizeof *e->fmts);
		for (int k = 0; k < n; k++) {
			e->lens[k] = lens[k];
			e->fmts[k] = fmts[k];
			if (vals[k]) {
				e->vals[k] = pb_xmalloc((size_t)lens[k] + 1);
				memcpy(e->vals[k], vals[k], (size_t)lens[k] + 1);
			}
		}
	}
	db->redo_bytes += bytes;
}

static int
res_ok(const PGresult *r)
{
	ExecStatusType es = PQresultStatus(r);

	return es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY;
}

/* A statement still running after WAIT_LOG_MS is logged, and again every WAIT_AGAIN_MS. */
#define WAIT_LOG_MS 10000
#define WAIT_AGAIN_MS 60000

/* Logs a statement that has run ms so far: the server process running it and those that
 * hold the locks it waits for (asked on a connection of its own, the statement's being busy),
 * each with its application_name, client address, state and how long its transaction has
 * been open, so that the session holding it up (a psql session left in a transaction, another
 * machine's paperboy) can be found and ended. */
static void
log_waiting(struct pb_db *db, const char *sql, int64_t ms)
{
	int pid = PQbackendPID(db->conn);
	PGconn *side = connect_pg(db->conninfo);
	char where[256], what[64], pidtext[16], by[512] = "";
	const char *const v[1] = { pidtext };
	size_t k = 0;

	pb_db_pg_describe(db->conninfo, where, sizeof where);
	/* The statement's first words, on one line. */
	for (const char *p = sql; *p && k + 1 < sizeof what; p++) {
		char c = isspace((unsigned char)*p) ? ' ' : *p;

		if (c != ' ' || (k && what[k - 1] != ' '))
			what[k++] = c;
	}
	what[k] = '\0';
	snprintf(pidtext, sizeof pidtext, "%d", pid);
	if (side && PQstatus(side) == CONNECTION_OK) {
		PGresult *r = PQexecParams(side, "SELECT string_agg(format('pid %s (%s, %s, %s, "
					   "transaction open %s s)', a.pid, coalesce(nullif("
					   "a.application_name, ''), '-'), coalesce(host(a.client_addr), "
					   "'local'), coalesce(a.state, '?'), coalesce(round(extract(epoch "
					   "FROM now() - a.xact_start))::text, '?')), '; ' ORDER BY a.pid) "
					   "FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1::"
					   "int))", 1, NULL, v, NULL, NULL, 0);

		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			snprintf(by, sizeof by, "%s", PQgetisnull(r, 0, 0) ? "none (no lock "
				 "waited for)" : PQgetvalue(r, 0, 0));
		else
			snprintf(by, sizeof by, "not known (%s)", PQerrorMessage(side));
		PQclear(r);
	} else {
		snprintf(by, sizeof by, "not known (%s)", side ? PQerrorMessage(side) :
			 "out of memory");
	}
	PQfinish(side);
	pb_warn("state.waiting", "where=%s pid=%d statement=%s waited_s=%lld blocked_by=%s",
		pb_q(where), pid, pb_q(what), (long long)(ms / 1000), pb_q(by));
}

/* One execution: a prepared statement by name, one with parameters, or a plain script; its
 * result as PQexec's would be. A statement that waits long (for a lock another session
 * holds, most often) is logged while it waits (log_waiting): waited on in silence, it would
 * hold a run or the daemon with nothing said of why. */
static PGresult *
exec_once(struct pb_db *db, const char *sql, const char *name, int n, char *const *vals,
	  const int *lens, const int *fmts)
{
	PGresult *last = NULL, *r;
	int64_t t0 = pb_mono_ms(), next = WAIT_LOG_MS;
	int sent;

	if (name)
		sent = PQsendQueryPrepared(db->conn, name, n, (const char *const *)vals, lens, fmts,
					   0);
	else if (n == 0)
		sent = PQsendQuery(db->conn, sql);
	else
		sent = PQsendQueryParams(db->conn, sql, n, NULL, (const char *const *)vals, lens,
					 fmts, 0);
	if (!sent)   /* the connection's error in a result, as PQexec gives it */
		return PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
	while (PQisBusy(db->conn)) {
		struct pollfd p = { .fd = PQsocket(db->conn), .events = POLLIN };
		int k = poll(&p, 1, 1000);

		if (k < 0 && errno != EINTR)
			break;
		if (k > 0 && !PQconsumeInput(db->conn)) {
			/* Lost: its error as PQexec gives it (PQgetResult would wait on the socket
			 * gone and add "invalid socket"). */
			if (PQstatus(db->conn) == CONNECTION_BAD)
				return PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
			break;
		}
		if (pb_mono_ms() - t0 >= next) {
			log_waiting(db, sql, pb_mono_ms() - t0);
			next += WAIT_AGAIN_MS;
		}
	}
	/* As PQexec: the last result, an error kept over what follows it. */
	while ((r = PQgetResult(db->conn))) {
		if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(last);
			last = r;
		}
		if (PQstatus(db->conn) == CONNECTION_BAD)
			break;
	}
	return last ? last : PQmakeEmptyPGresult(db->conn, PGRES_FATAL_ERROR);
}

/* Whether r is the server's "transaction ID ... is in the future" (pg_xact_status and
 * txid_status raise it, SQLSTATE 22023 invalid_parameter_value, for an id past the next one
 * it would assign): the server never heard of the transaction. A server stopped at once
 * (a crash, `pg_ctl stop -m immediate`) before the transaction's first write reached its log
 * comes back with the ids from there on unassigned; nothing of the transaction is there, its
 * COMMIT included, so it did not commit. */
static int
xid_unknown(const PGresult *r)
{
	const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return PQresultStatus(r) == PGRES_FATAL_ERROR && code && strcmp(code, "22023") == 0;
}

/* Whether the transaction of db->mark committed, asked of a server started since its id was
 * given: 1 (its mark is there), 0 (it is not: nothing of the transaction is), -1 (db's error),
 * or 2 when the server is the one that gave the id (the id's status is then the answer). */
static int
outcome_by_mark(struct pb_db *db)
{
	const char *const v[1] = { db->mark };
	PGresult *r;
	int rc = -1;

	if (!db->mark[0] || !db->xid_start[0])
		return 2;
	r = PQexecParams(db->conn, "SELECT pg_postmaster_start_time()::text, EXISTS(SELECT 1 "
			 "FROM pb_commit_marks WHERE token = $1)", 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		res_err(db, r);
	else if (strcmp(PQgetvalue(r, 0, 0), db->xid_start) == 0)
		rc = 2;
	else
		rc = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	return rc;
}

/* What became of the transaction db->xid, whose COMMIT went out on a connection lost before
 * its reply came: 1 committed, 0 not (aborted, or unknown to a server that came back from a
 * crash without it: replay it), -1 not known within max_ms (db's error). Still in progress, it
 * belongs to old_pid, the old session's server process, which has not noticed yet that its
 * client is gone (a silent network): ended, it commits if the COMMIT reached it and aborts if
 * not, and the question is asked again.
 *
 * A server that restarted (a crash, an immediate stop) is asked for the transaction's mark
 * instead (outcome_by_mark): it comes back with the ids after the last its log holds
 * unassigned, and one of them may be the lost transaction's, given again to the first
 * transaction after the restart, another machine's as likely as not. Its status would then be
 * that transaction's: "committed" for a batch of digests that was never written, which nothing
 * would build again. No transaction of the old server is still in progress, and the mark,
 * written in the transaction itself, is there exactly when it committed. */
int
pb_dbpg_commit_outcome(struct pb_db *db, int old_pid, long max_ms)
{
	const char *q = PQserverVersion(db->conn) >= 130000 ? "SELECT pg_xact_status($1::xid8)" :
			"SELECT txid_status($1::bigint)";
	const char *const v[1] = { db->xid };
	long waited = 0;
	int ended = 0, by_mark = outcome_by_mark(db);

	if (by_mark != 2)
		return by_mark;
	for (;;) {
		PGresult *r = PQexecParams(db->conn, q, 1, NULL, v, NULL, NULL, 0);
		int known = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		const char *st = known && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
		int rc = strcmp(st, "committed") == 0 ? 1 : strcmp(st, "aborted") == 0 ? 0 : -1;
		int running = strcmp(st, "in progress") == 0;

		if (!known && xid_unknown(r)) {
			PQclear(r);
			return 0;
		}
		if (!known)
			res_err(db, r);
		PQclear(r);
		if (!known || rc >= 0)
			return known ? rc : -1;
		if (!running)
			return pb_db_fail(db, "whether transaction %s committed is no longer known",
					  db->xid);
		if (waited >= max_ms)
			return pb_db_fail(db, "transaction %s is still in progress on the lost "
					  "connection's server process %d", db->xid, old_pid);
		if (!ended && old_pid > 0) {
			char kill[64];

			snprintf(kill, sizeof kill, "SELECT pg_terminate_backend(%d)", old_pid);
			PQclear(PQexec(db->conn, kill));
			ended = 1;
		}
		nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
		waited += 100;
	}
}

/* Learns the open transaction's id (when it has one: it wrote something), its server process
 * and when that server started, for a COMMIT about to be sent: its outcome can then be asked
 * for if the reply is lost (recover). A transaction with an id writes its mark too, a row of
 * a token of its own in pb_commit_marks, which a server that restarted meanwhile answers by
 * (pb_dbpg_commit_outcome); pruning deletes the marks after an hour. One round trip, as
 * before the marks. Not through run(): it is no part of what a replay must answer the same
 * (a replay writes a mark of its own). 0, or -1 when the transaction is in error (a cancel, a
 * failed mark): its COMMIT would roll back without a word. */
static int
learn_xid(struct pb_db *db)
{
	const char *cur = PQserverVersion(db->conn) >= 130000 ? "pg_current_xact_id_if_assigned()"
							      : "txid_current_if_assigned()";
	unsigned char rnd[16];
	char q[512];
	PGresult *r;

	db->xid[0] = '\0';
	db->mark[0] = '\0';
	db->xid_start[0] = '\0';
	if (RAND_bytes(rnd, sizeof rnd) == 1)
		for (size_t i = 0; i < sizeof rnd; i++)
			snprintf(db->mark + 2 * i, 3, "%02x", rnd[i]);
	if (db->mark[0])
		snprintf(q, sizeof q, "INSERT INTO pb_commit_marks(token, created) SELECT '%s', %lld "
			 "WHERE %s IS NOT NULL; SELECT %s, pg_postmaster_start_time()::text",
			 db->mark, (long long)time(NULL), cur, cur);
	else   /* no token to be had: the id's status alone, as on a server without marks */
		snprintf(q, sizeof q, "SELECT %s, NULL", cur);
	r = PQexec(db->conn, q);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
		snprintf(db->xid, sizeof db->xid, "%s", PQgetvalue(r, 0, 0));
		if (!PQgetisnull(r, 0, 1))
			snprintf(db->xid_start, sizeof db->xid_start, "%s", PQgetvalue(r, 0, 1));
	}
	if (!db->xid[0] || !db->xid_start[0])
		db->mark[0] = '\0';   /* none written, or none to answer by */
	db->xid_pid = PQbackendPID(db->conn);
	if (PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
		res_err(db, r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

/* Waits for the server (up to max_ms) and replays the open transaction on the new
 * connection: 0, or 1 when there is nothing to replay because the COMMIT that was under way
 * had committed, or -1 (db's error; the transaction is lost). A COMMIT under way when the
 * connection went is sent again by the caller after the replay: the replayed transaction's
 * id is learnt first, so that a reply lost again is asked about again. */
static int
recover(struct pb_db *db, long max_ms)
{
	int depth = db->sp_depth, began = db->sp_began, in_tx = db->logging != 0;
	long waited = 0, pause = 200;
	char where[256];

	pb_db_pg_describe(db->conninfo, where, sizeof where);
	pb_warn("state.lost", "where=%s error=%s waiting_ms=%ld", pb_q(where),
		pb_q(PQerrorMessage(db->conn)), max_ms);
	db->sp_depth = 0;
	db->sp_began = 0;
	for (;;) {
		PQreset(db->conn);
		if (PQstatus(db->conn) == CONNECTION_OK && session_setup(db) == 0)
			break;
		if (waited >= max_ms) {
			if (PQstatus(db->conn) != CONNECTION_OK)
				set_err(db, where, PQerrorMessage(db->conn));
			pb_warn("state.unreachable", "waited_ms=%ld error=%s", waited, pb_q(db->err));
			redo_stop(db);
			db->tx_lost = in_tx;
			return -1;
		}
		if (pause > max_ms - waited)
			pause = max_ms - waited;
		nanosleep(&(struct timespec){ pause / 1000, (pause % 1000) * 1000000L }, NULL);
		waited += pause;
		pause = pause * 2 > 5000 ? 5000 : pause * 2;
	}
	db->gen++;   /* what was prepared is gone with the old session */
	if (in_tx && db->xid[0]) {
		/* The COMMIT was sent: the server may have committed it before the connection
		 * went, and a replay would then do it all twice (counts, chunk references). */
		int done = pb_dbpg_commit_outcome(db, db->xid_pid, max_ms);

		if (done != 0) {
			redo_stop(db);
			db->tx_lost = done < 0;
			if (done > 0)
				pb_info("state.reconnected", "where=%s waited_ms=%ld replayed=0 "
					"committed=yes", pb_q(where), waited);
			else
				pb_warn("state.commit_unknown", "where=%s error=%s", pb_q(where),
					pb_q(db->err));
			return done;
		}
	}
	if (db->logging == 2) {
		redo_stop(db);
		db->tx_lost = 1;
		pb_db_fail(db, "the open transaction was lost with the connection (too large to "
			   "replay)");
		return -1;
	}
	if (in_tx) {
		PGresult *r = PQexec(db->conn, "BEGIN");
		int ok = res_ok(r);

		PQclear(r);
		for (size_t i = 0; ok && i < db->n_redo; i++) {
			struct pb_db_redo *e = &db->redo[i];

			r = exec_once(db, e->sql, NULL, e->n, e->vals, e->lens, e->fmts);
			if (!(ok = res_ok(r)))
				res_err(db, r);
			else if (!(ok = answer_of(r) == e->answer))
				pb_db_fail(db, "a statement answers otherwise than before (the data "
					   "changed meanwhile)");
			PQclear(r);
		}
		if (!ok) {
			char why[sizeof db->err];

			snprintf(why, sizeof why, "%s", db->err);
			PQclear(PQexec(db->conn, "ROLLBACK"));
			redo_stop(db);
			db->tx_lost = 1;
			pb_db_fail(db, "the open transaction could not be replayed after "
				   "reconnecting: %s", why);
			return -1;
		}
	}
	if (in_tx && db->committing && learn_xid(db) < 0) {
		char why[sizeof db->err];

		snprintf(why, sizeof why, "%s", db->err);
		PQclear(PQexec(db->conn, "ROLLBACK"));
		redo_stop(db);
		db->tx_lost = 1;
		pb_db_fail(db, "the replayed transaction could not be committed: %s", why);
		return -1;
	}
	db->sp_depth = depth;
	db->sp_began = began;
	pb_info("state.reconnected", "where=%s waited_ms=%ld replayed=%zu", pb_q(where), waited,
		db->n_redo);
	return 0;
}

int
pb_dbpg_recover(struct pb_db *db, long max_ms)
{
	return recover(db, max_ms) < 0 ? -1 : 0;
}

/* Runs sql; when the connection turns out lost, waits for it (the patience), replays the
 * open transaction, and runs sql again. A statement that succeeded inside a logged
 * transaction is logged. Returns the result (NULL when the server stayed away: db's error
 * says why). */
static PGresult *
run(struct pb_db *db, const char *sql, const char *name, int n, char *const *vals,
    const int *lens, const int *fmts)
{
	/* A transaction not logged (the migration's, under its lock) is not replayed: its
	 * statement fails, as the whole transaction did. One too large to replay still has its
	 * COMMIT's outcome asked for when its id is known (recover). */
	PGTransactionStatusType ts = PQtransactionStatus(db->conn);
	int unlogged = db->logging != 1 && !(db->logging == 2 && db->xid[0]) &&
		       ts != PQTRANS_IDLE && ts != PQTRANS_UNKNOWN;
	PGresult *r = exec_once(db, sql, name, n, vals, lens, fmts);

	/* Lost again on the new connection (the statement sent again, or a replayed COMMIT
	 * whose reply went too), it is recovered again, a few times at most. */
	for (int lost = 0; !res_ok(r) && PQstatus(db->conn) != CONNECTION_OK; lost++) {
		if (db->patience_ms <= 0 || unlogged || lost == RECOVER_MAX) {
			db->tx_lost = db->logging != 0;
			redo_stop(db);
			db->sp_depth = 0;
			db->sp_began = 0;
			return r;
		}
		PQclear(r);
		switch (recover(db, db->patience_ms)) {
		case -1:
			return NULL;
		case 1:   /* the lost COMMIT had committed */
			r = PQmakeEmptyPGresult(db->conn, PGRES_COMMAND_OK);
			break;
		default:
			r = exec_once(db, sql, NULL, n, vals, lens, fmts);
		}
	}
	if (res_ok(r)) {
		if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
			redo_stop(db);
		else
			redo_add(db, sql, n, vals, lens, fmts, r);
	}
	return r;
}

/* Runs a statement of no parameters; 0 or -1 (db's error). */
static int
simple(struct pb_db *db, const char *sql)
{
	PGresult *r = run(db, sql, NULL, 0, NULL, NULL, NULL);
	int ok = res_ok(r);

	if (!ok && r)
		res_err(db, r);
	PQclear(r);
	return ok ? 0 : -1;
}

/* A failure outside savepoints ends the transaction (see the top of this file). */
static void
after_failure(struct pb_db *db)
{
	if (db->sp_depth == 0 && PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
		PQclear(PQexec(db->conn, "ROLLBACK"));
		redo_stop(db);
		db->tx_lost = 1;
	}
}

/* COMMIT, with the transaction's id learnt first (when it has one: it wrote something) for a
 * reply lost with the connection: recover() then asks the server whether it committed rather
 * than replaying it. One round trip more, for a commit that is never applied twice. */
static int
commit(struct pb_db *db)
{
	int rc;

	db->xid[0] = '\0';
	/* Lost here, the COMMIT below finds the connection gone before it was sent. */
	if (db->logging && db->patience_ms > 0 && learn_xid(db) < 0) {
		after_failure(db);
		db->tx_lost = 0;   /* said here */
		return -1;
	}
	db->committing = 1;
	rc = simple(db, "COMMIT");
	db->committing = 0;
	db->xid[0] = '\0';
	return rc;
}


static void
drop_decoded(pb_db_stmt *s)
{
	if (!s->dec)
		return;
	for (int i = 0; i < s->nfields; i++) {
		free(s->dec[i]);
		s->dec[i] = NULL;
	}
}

/* Transaction control, with SQLite's meaning of a SAVEPOINT outside a transaction. */
static int
step_control(pb_db_stmt *s)
{
	struct pb_db *db = s->db;

	switch (s->kind) {
	case PG_BEGIN:
		if (simple(db, s->sql) < 0)
			return PB_DB_ERROR;
		db->tx_lost = 0;
		redo_stop(db);
		db->logging = 1;
		return PB_DB_DONE;
	case PG_COMMIT:
		if (db->tx_lost) {
			db->tx_lost = 0;
			pb_db_fail(db, "the transaction was rolled back after an earlier error");
			return PB_DB_ERROR;
		}
		if (PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
			simple(db, "ROLLBACK");
			pb_db_fail(db, "the transaction was rolled back after an earlier error");
			return PB_DB_ERROR;
		}
		db->sp_depth = 0;
		db->sp_began = 0;
		return commit(db) < 0 ? PB_DB_ERROR : PB_DB_DONE;
	case PG_TXEND:
		db->sp_depth = 0;
		db->sp_began = 0;
		db->tx_lost = 0;
		return simple(db, s->sql) < 0 ? PB_DB_ERROR : PB_DB_DONE;
	case PG_SAVEPOINT:
		if (PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
			if (simple(db, "BEGIN") < 0)
				return PB_DB_ERROR;
			db->sp_began = 1;
			db->sp_depth = 0;
			db->tx_lost = 0;
			redo_stop(db);
			db->logging = 1;
		}
		if (simple(db, s->sql) < 0)
			return PB_DB_ERROR;
		db->sp_depth++;
		return PB_DB_DONE;
	case PG_RELEASE:
		if (simple(db, s->sql) < 0)
			return PB_DB_ERROR;
		if (db->sp_depth > 0)
			db->sp_depth--;
		if (db->sp_depth == 0 && db->sp_began) {
			db->sp_began = 0;
			if (commit(db) < 0)
				return PB_DB_ERROR;
		}
		return PB_DB_DONE;
	default:   /* PG_ROLLBACK_TO */
		return simple(db, s->sql) < 0 ? PB_DB_ERROR : PB_DB_DONE;
	}
}

int
pb_dbpg_step(pb_db_stmt *s)
{
	struct pb_db *db = s->db;
	ExecStatusType es;
	const char *cmd;

	if (!s->executed) {
		if (!db->conn) {
			pb_db_fail(db, "no connection to PostgreSQL");
			return PB_DB_ERROR;
		}
		s->executed = 1;
		s->row = -1;
		s->nrows = 0;
		if (s->kind != PG_PLAIN)
			return step_control(s);
		/* Prepared again on a new connection; when that finds the connection lost, the
		 * statement goes unprepared through run(), which waits for the server. */
		if (s->name[0] && s->gen != db->gen && server_prepare(s) < 0 &&
		    PQstatus(db->conn) == CONNECTION_OK) {
			after_failure(db);
			return PB_DB_ERROR;
		}
		s->res = run(db, s->sql, s->name[0] && s->gen == db->gen ? s->name : NULL,
			     s->nparams, s->vals, s->lens, s->fmts);
		es = PQresultStatus(s->res);
		if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
			if (s->res)
				res_err(db, s->res);
			PQclear(s->res);
			s->res = NULL;
			after_failure(db);
			return PB_DB_ERROR;
		}
		cmd = PQcmdStatus(s->res);
		if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
		    strncmp(cmd, "DELETE", 6) == 0)
			db->changes = atol(PQcmdTuples(s->res));
		if (es == PGRES_TUPLES_OK) {
			s->nrows = PQntuples(s->res);
			s->nfields = PQnfields(s->res);
			s->dec = pb_xreallocarray(s->dec, (size_t)s->nfields + 1, sizeof *s->dec);
			s->declen = pb_xreallocarray(s->declen, (size_t)s->nfields + 1,
						     sizeof *s->declen);
			memset(s->dec, 0, ((size_t)s->nfields + 1) * sizeof *s->dec);
		}
	}
	drop_decoded(s);
	if (s->row < s->nrows)
		s->row++;
	return s->row < s->nrows ? PB_DB_ROW : PB_DB_DONE;
}

static int
valid(pb_db_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < s->nfields &&
	       !PQgetisnull(s->res, s->row, i);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
pb_dbpg_bytea(const char *t, size_t n, size_t *len)
{
	size_t k = 0;
	char *d;

	if (n >= 2 && t[0] == '\\' && t[1] == 'x') {
		d = pb_xmalloc((n - 2) / 2 + 1);
		for (size_t j = 2; j + 1 < n; j += 2) {
			int hi = hexval((unsigned char)t[j]), lo = hexval((unsigned char)t[j + 1]);

			if (hi < 0 || lo < 0)
				break;
			d[k++] = (char)(hi << 4 | lo);
		}
	} else {
		size_t m = 0;
		unsigned char *u = PQunescapeBytea((const unsigned char *)t, &m);

		d = pb_xmalloc(m + 1);
		if (u)
			memcpy(d, u, m);
		k = u ? m : 0;
		PQfreemem(u);
	}
	d[k] = '\0';
	*len = k;
	return d;
}

/* The bytea column i of the current row, decoded once. */
static const char *
decoded(pb_db_stmt *s, int i, size_t *len)
{
	if (!s->dec[i])
		s->dec[i] = pb_dbpg_bytea(PQgetvalue(s->res, s->row, i),
					  (size_t)PQgetlength(s->res, s->row, i), &s->declen[i]);
	*len = s->declen[i];
	return s->dec[i];
}

const char *
pb_dbpg_col_text(pb_db_stmt *s, int i)
{
	size_t n;

	if (!valid(s, i))
		return NULL;
	if (PQftype(s->res, i) == OID_BYTEA)
		return decoded(s, i, &n);
	return PQgetvalue(s->res, s->row, i);
}

const void *
pb_dbpg_col_blob(pb_db_stmt *s, int i)
{
	const char *p = pb_dbpg_col_text(s, i);

	return p && pb_dbpg_col_bytes(s, i) > 0 ? p : NULL;
}

int
pb_dbpg_col_bytes(pb_db_stmt *s, int i)
{
	size_t n;

	if (!valid(s, i))
		return 0;
	if (PQftype(s->res, i) == OID_BYTEA) {
		decoded(s, i, &n);
		return (int)n;
	}
	return PQgetlength(s->res, s->row, i);
}

int
pb_dbpg_col_type(pb_db_stmt *s, int i)
{
	if (!valid(s, i))
		return PB_DB_NULL;
	switch (PQftype(s->res, i)) {
	case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: case OID_NUMERIC:
		return PB_DB_INTEGER;
	case OID_FLOAT4: case OID_FLOAT8:
		return PB_DB_FLOAT;
	case OID_BYTEA:
		return PB_DB_BLOB;
	default:
		return PB_DB_TEXT;
	}
}

void
pb_dbpg_reset(pb_db_stmt *s)
{
	drop_decoded(s);
	PQclear(s->res);
	s->res = NULL;
	s->executed = 0;
	s->row = -1;
	s->nrows = 0;
}

void
pb_dbpg_clear_bindings(pb_db_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = 0;
		s->fmts[i] = 0;
	}
}

void
pb_dbpg_finalize(pb_db_stmt *s)
{
	struct pb_db *db = s->db;

	pb_dbpg_reset(s);
	/* A prepared statement lives as long as its session; give its name back. */
	if (s->name[0] && s->gen == db->gen && db->conn && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_INERROR) {
		struct pb_buf q = { 0 };

		pb_buf_printf(&q, "DEALLOCATE %s", s->name);
		PQclear(PQexec(db->conn, q.data));
		pb_buf_free(&q);
	}
	pb_dbpg_clear_bindings(s);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->dec);
	free(s->declen);
	free(s->sql);
	free(s);
}

int
pb_dbpg_exec(struct pb_db *db, const char *sql, char *err, size_t errlen)
{
	PGresult *r;
	ExecStatusType es;

	r = run(db, sql, NULL, 0, NULL, NULL, NULL);
	es = PQresultStatus(r);
	if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK && es != PGRES_EMPTY_QUERY) {
		if (r)
			res_err(db, r);
		if (err)
			snprintf(err, errlen, "%s", db->err);
		PQclear(r);
		after_failure(db);
		return -1;
	}
	PQclear(r);
	return 0;
}

int
pb_dbpg_in_transaction(struct pb_db *db)
{
	PGTransactionStatusType t;

	if (!db->conn)
		return 0;
	t = PQtransactionStatus(db->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}
