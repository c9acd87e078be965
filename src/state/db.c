/* The driver's calls: SQLite directly, PostgreSQL through db_pg.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "db_int.h"

int
pb_db_fail(struct pb_db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof db->err, fmt, ap);
	va_end(ap);
	db->failed = 1;
	db->transient = 0;
	return -1;
}

/* ---- waiting for SQLite's one writer ----
 *
 * SQLite lets one connection write at a time; the others wait in a busy handler. Its own
 * sleeps 1, 2, 5 ... up to 100 ms between tries, and a run's delivery, which records what it
 * sent while the build writes its batches (src/run.c), would sleep through most of the gaps
 * between them. This one tries again every 100 microseconds for the first 20 ms, then every
 * 2 ms, up to BUSY_MS in all (a writer in another process: status, retry, a second run). */
#define BUSY_MS 10000

static int
sq_busy(void *arg, int count)
{
	struct pb_db *db = arg;
	int64_t now = pb_mono_ms();

	if (count == 0)
		db->sq_wait_from = now;
	if (now - db->sq_wait_from >= (db->busy_ms > 0 ? db->busy_ms : BUSY_MS))
		return 0;   /* SQLITE_BUSY */
	usleep(now - db->sq_wait_from < 20 ? 100 : 2000);
	return 1;
}

/* SQLite's words for the last error, and for an error of the system underneath (a full disk,
 * a directory that cannot be written: "disk I/O error", "unable to open database file") the
 * system's cause too, which SQLite keeps apart. base: SQLite's text when the caller has it. */
static const char *
sq_errmsg(struct pb_db *db, const char *base)
{
	int code = sqlite3_extended_errcode(db->sq) & 0xff, e = sqlite3_system_errno(db->sq);

	if (!base)
		base = sqlite3_errmsg(db->sq);
	if ((code != SQLITE_IOERR && code != SQLITE_CANTOPEN) || e <= 0)
		return base;
	snprintf(db->sq_err, sizeof db->sq_err, "%s (%s)", base, strerror(e));
	return db->sq_err;
}

/* ---- opening SQLite ---- */

/* "file:" URI of path with immutable=1: for a database on a read-only file system that has no
 * -wal file, where SQLite cannot create the -shm it would otherwise need. */
static void
immutable_uri(struct pb_buf *b, const char *path)
{
	pb_buf_puts(b, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			pb_buf_printf(b, "%%%02X", (unsigned char)*p);
		else
			pb_buf_putc(b, *p);
	}
	pb_buf_puts(b, "?immutable=1");
}

/* Whether path-wal exists and holds something (changes not yet in the database file). */
static int
wal_has_frames(const char *path)
{
	struct pb_buf w = { 0 };
	struct stat sb;
	int r;

	pb_buf_printf(&w, "%s-wal", path);
	r = stat(w.data, &sb) == 0 && sb.st_size > 0;
	pb_buf_free(&w);
	return r;
}

/* A first read: SQLite opens lazily, so this is where an unreadable file shows. */
static int
probe(sqlite3 *db)
{
	return sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
}

/* Read-only: never writes, never creates. On a read-only file system without a -wal file
 * SQLite cannot make its -shm, and the database is then read as immutable (nothing else can
 * be changing it there). */
static int
open_read(struct pb_db *db, const char *path, char *err, size_t errlen)
{
	struct pb_buf uri = { 0 };
	int rc;

	rc = sqlite3_open_v2(path, &db->sq, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db->sq, 10000);
		sqlite3_extended_result_codes(db->sq, 1);
		rc = probe(db->sq);
		if (rc == SQLITE_OK)
			return 0;
	}
	if ((rc & 0xff) != SQLITE_CANTOPEN && (rc & 0xff) != SQLITE_READONLY) {
		snprintf(err, errlen, "%s: %s", path,
			 db->sq ? sq_errmsg(db, NULL) : sqlite3_errstr(rc));
		return -1;
	}
	if (wal_has_frames(path)) {
		snprintf(err, errlen, "%s: cannot be read here: its -wal file holds changes and "
			 "the directory cannot be written (%s)", path,
			 db->sq ? sq_errmsg(db, NULL) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_close(db->sq);
	db->sq = NULL;
	immutable_uri(&uri, path);
	rc = sqlite3_open_v2(uri.data, &db->sq, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			     SQLITE_OPEN_NOMUTEX, NULL);
	pb_buf_free(&uri);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(db->sq, 1);
		rc = probe(db->sq);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 db->sq ? sq_errmsg(db, NULL) : sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

struct pb_db *
pb_db_open_sqlite(const char *path, enum pb_db_sqlite_mode mode, char *err, size_t errlen)
{
	struct pb_db *db = pb_xcalloc(1, sizeof *db);
	sqlite3_stmt *s = NULL;
	char *msg = NULL;
	int rc;

	db->backend = PB_DB_SQLITE;
	if (mode == PB_DB_SQ_READ) {
		if (open_read(db, path, err, errlen) < 0)
			goto fail;
		return db;
	}
	rc = sqlite3_open_v2(path, &db->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
			     (mode == PB_DB_SQ_CREATE ? SQLITE_OPEN_CREATE : 0), NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 db->sq ? sq_errmsg(db, NULL) : sqlite3_errstr(rc));
		goto fail;
	}
	/* Another process (status, retry, a second run) may hold the write lock briefly, or
	 * another handle of this one. */
	sqlite3_busy_handler(db->sq, sq_busy, db);
	sqlite3_extended_result_codes(db->sq, 1);
	/* SQLite opens a file it cannot write read-only without a word; say so by name. */
	if (sqlite3_db_readonly(db->sq, "main") == 1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errstr(SQLITE_READONLY));
		goto fail;
	}
	/* Switching a new file to WAL takes an exclusive lock for which SQLite does not wait when
	 * another process opens the same file at that moment: tried again for the busy timeout. */
	for (int tries = 0;; tries++) {
		if (sqlite3_prepare_v2(db->sq, "PRAGMA journal_mode = WAL", -1, &s, NULL) !=
		    SQLITE_OK)
			break;
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW || (rc & 0xff) != SQLITE_BUSY || tries >= 200)
			break;
		sqlite3_finalize(s);
		s = NULL;
		usleep(50000);
	}
	if (!s || rc != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		snprintf(err, errlen, "%s: cannot switch to WAL mode: %s", path,
			 sq_errmsg(db, NULL));
		sqlite3_finalize(s);
		goto fail;
	}
	sqlite3_finalize(s);
	/* The -wal file keeps the largest size it ever had while a connection is open (the
	 * daemon's, for good), and a day's build, which holds checkpoints off, makes it as large
	 * as all it wrote: once its pages are in the database it goes back to 8 MiB, twice what
	 * the automatic checkpoints let it grow to. */
	if (sqlite3_exec(db->sq, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
			 "PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 8388608;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sq_errmsg(db, msg));
		sqlite3_free(msg);
		goto fail;
	}
	return db;
fail:
	pb_db_close(db);
	return NULL;
}

struct pb_db *
pb_db_open_pg(const char *conninfo, char *err, size_t errlen)
{
	return pb_dbpg_open(conninfo, err, errlen);
}

void
pb_db_close(struct pb_db *db)
{
	if (!db)
		return;
	if (db->backend == PB_DB_POSTGRESQL) {
		pb_dbpg_close(db);
	} else if (db->sq) {
		if (!sqlite3_get_autocommit(db->sq))
			sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db->sq);
	}
	free(db->conninfo);
	free(db);
}

enum pb_db_backend
pb_db_backend(const struct pb_db *db)
{
	return db->backend;
}

/* ---- statements ---- */

pb_db_stmt *
pb_db_prepare(struct pb_db *db, const char *sql, int persistent)
{
	pb_db_stmt *s = pb_xcalloc(1, sizeof *s);

	s->db = db;
	db->failed = 0;
	if (db->backend == PB_DB_POSTGRESQL) {
		if (pb_dbpg_prepare(s, sql, persistent) < 0) {
			pb_dbpg_finalize(s);
			return NULL;
		}
		return s;
	}
	if (sqlite3_prepare_v3(db->sq, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
			       &s->sq, NULL) != SQLITE_OK) {
		db->failed = 1;
		sqlite3_finalize(s->sq);
		free(s);
		return NULL;
	}
	return s;
}

static char *
int_text(int64_t v, char *buf, size_t n)
{
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

int
pb_db_bind_int64(pb_db_stmt *s, int i, int64_t v)
{
	char b[32];

	if (s->sq)
		return sqlite3_bind_int64(s->sq, i, v) == SQLITE_OK ? 0 : -1;
	int_text(v, b, sizeof b);
	return pb_dbpg_bind(s, i, b, strlen(b), 0);
}

int
pb_db_bind_int(pb_db_stmt *s, int i, int v)
{
	if (s->sq)
		return sqlite3_bind_int(s->sq, i, v) == SQLITE_OK ? 0 : -1;
	return pb_db_bind_int64(s, i, v);
}

int
pb_db_bind_text(pb_db_stmt *s, int i, const char *v)
{
	if (s->sq)
		return (v ? sqlite3_bind_text(s->sq, i, v, -1, SQLITE_TRANSIENT)
			  : sqlite3_bind_null(s->sq, i)) == SQLITE_OK ? 0 : -1;
	return pb_dbpg_bind(s, i, v, v ? strlen(v) : 0, 0);
}

int
pb_db_bind_blob(pb_db_stmt *s, int i, const void *p, size_t n)
{
	if (s->sq)
		return sqlite3_bind_blob64(s->sq, i, p ? p : "", (sqlite3_uint64)n,
					   SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
	return pb_dbpg_bind(s, i, p ? p : "", n, 1);
}

int
pb_db_bind_null(pb_db_stmt *s, int i)
{
	if (s->sq)
		return sqlite3_bind_null(s->sq, i) == SQLITE_OK ? 0 : -1;
	return pb_dbpg_bind(s, i, NULL, 0, 0);
}

int
pb_db_step(pb_db_stmt *s)
{
	int rc;

	s->db->failed = 0;
	if (!s->sq)
		return pb_dbpg_step(s);
	rc = sqlite3_step(s->sq);
	if (rc == SQLITE_ROW)
		return PB_DB_ROW;
	if (rc == SQLITE_DONE)
		return PB_DB_DONE;
	s->db->failed = 1;
	return PB_DB_ERROR;
}

int64_t
pb_db_col_int64(pb_db_stmt *s, int i)
{
	const char *t;

	if (s->sq)
		return sqlite3_column_int64(s->sq, i);
	t = pb_dbpg_col_text(s, i);
	return t ? strtoll(t, NULL, 10) : 0;
}

int
pb_db_col_int(pb_db_stmt *s, int i)
{
	if (s->sq)
		return sqlite3_column_int(s->sq, i);
	return (int)pb_db_col_int64(s, i);
}

const char *
pb_db_col_text(pb_db_stmt *s, int i)
{
	if (s->sq)
		return (const char *)sqlite3_column_text(s->sq, i);
	return pb_dbpg_col_text(s, i);
}

const void *
pb_db_col_blob(pb_db_stmt *s, int i)
{
	if (s->sq)
		return sqlite3_column_blob(s->sq, i);
	return pb_dbpg_col_blob(s, i);
}

int
pb_db_col_bytes(pb_db_stmt *s, int i)
{
	if (s->sq)
		return sqlite3_column_bytes(s->sq, i);
	return pb_dbpg_col_bytes(s, i);
}

int
pb_db_col_type(pb_db_stmt *s, int i)
{
	if (s->sq)
		return sqlite3_column_type(s->sq, i);
	return pb_dbpg_col_type(s, i);
}

int
pb_db_col_count(pb_db_stmt *s)
{
	if (s->sq)
		return sqlite3_column_count(s->sq);
	return s->res ? PQnfields(s->res) : 0;
}

const char *
pb_db_col_name(pb_db_stmt *s, int i)
{
	if (s->sq)
		return sqlite3_column_name(s->sq, i);
	return s->res && i >= 0 && i < PQnfields(s->res) ? PQfname(s->res, i) : NULL;
}

void
pb_db_reset(pb_db_stmt *s)
{
	if (s->sq)
		sqlite3_reset(s->sq);
	else
		pb_dbpg_reset(s);
}

void
pb_db_clear_bindings(pb_db_stmt *s)
{
	if (s->sq)
		sqlite3_clear_bindings(s->sq);
	else
		pb_dbpg_clear_bindings(s);
}

void
pb_db_finalize(pb_db_stmt *s)
{
	if (!s)
		return;
	if (s->db->backend == PB_DB_POSTGRESQL) {
		pb_dbpg_finalize(s);
		return;
	}
	sqlite3_finalize(s->sq);
	free(s);
}

long
pb_db_changes(struct pb_db *db)
{
	if (db->backend == PB_DB_SQLITE)
		return sqlite3_changes(db->sq);
	return db->changes;
}

/* ---- the connection ---- */

int
pb_db_exec(struct pb_db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	db->failed = 0;
	if (db->backend == PB_DB_POSTGRESQL)
		return pb_dbpg_exec(db, sql, err, errlen);
	if (sqlite3_exec(db->sq, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err)
			snprintf(err, errlen, "%s", sq_errmsg(db, msg));
		sqlite3_free(msg);
		db->failed = 1;
		return -1;
	}
	return 0;
}

int
pb_db_in_transaction(struct pb_db *db)
{
	if (db->backend == PB_DB_POSTGRESQL)
		return pb_dbpg_in_transaction(db);
	return !sqlite3_get_autocommit(db->sq);
}

int
pb_db_table_exists(struct pb_db *db, const char *name)
{
	pb_db_stmt *s = pb_db_prepare(db, db->backend == PB_DB_POSTGRESQL ?
		"SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
		" AND tablename = ?1" :
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", 0);
	int rc;

	if (!s)
		return -1;
	pb_db_bind_text(s, 1, name);
	rc = pb_db_step(s);
	pb_db_finalize(s);
	return rc == PB_DB_ROW ? 1 : rc == PB_DB_DONE ? 0 : -1;
}

const char *
pb_db_errmsg(struct pb_db *db)
{
	if (db->backend == PB_DB_SQLITE)
		return sq_errmsg(db, NULL);
	return db->err[0] ? db->err : "not an error";
}

int
pb_db_failed(struct pb_db *db)
{
	return db->failed;
}

int
pb_db_transient(struct pb_db *db)
{
	return db->failed && db->transient;
}

int
pb_db_busy(struct pb_db *db)
{
	int code;

	if (db->backend == PB_DB_POSTGRESQL)
		return pb_db_lost(db) || pb_db_transient(db);
	code = sqlite3_extended_errcode(db->sq) & 0xff;
	return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

int
pb_db_lost(struct pb_db *db)
{
	return db->backend == PB_DB_POSTGRESQL && (!db->conn || PQstatus(db->conn) != CONNECTION_OK);
}

void
pb_db_set_busy_wait(struct pb_db *db, long ms)
{
	db->busy_ms = ms > 0 ? ms : 0;
}

void
pb_db_set_patience(struct pb_db *db, long ms)
{
	db->patience_ms = ms < 0 ? 0 : ms;
}

long
pb_db_patience(const struct pb_db *db)
{
	return db->patience_ms;
}

int
pb_db_recover(struct pb_db *db, long max_ms)
{
	if (db->backend != PB_DB_POSTGRESQL || !pb_db_lost(db))
		return 0;
	return pb_dbpg_recover(db, max_ms);
}

int
pb_db_checkpoint(struct pb_db *db, char *err, size_t errlen)
{
	int rc;

	if (db->backend != PB_DB_SQLITE)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(db->sq, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc == SQLITE_OK || rc == SQLITE_BUSY)   /* busy: another is making one */
		return 0;
	snprintf(err, errlen, "%s", sq_errmsg(db, NULL));
	return -1;
}
