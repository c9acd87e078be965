/* The state's database driver: one connection to SQLite or to PostgreSQL behind the same calls.
 * Inside the state module only (src/state/); other modules call pb_state functions.
 *
 * The calls map one-to-one to SQLite's, so SQL code reads as before:
 *   sqlite3_stmt            -> pb_db_stmt
 *   sqlite3_bind_int64/_int/_text/_blob/_null -> pb_db_bind_* (1-based, values copied)
 *   sqlite3_step            -> pb_db_step: PB_DB_ROW, PB_DB_DONE or PB_DB_ERROR
 *   sqlite3_column_*        -> pb_db_col_int64/_int/_text/_blob/_bytes/_type (0-based)
 *   sqlite3_reset/_clear_bindings/_finalize -> pb_db_reset/_clear_bindings/_finalize
 *   sqlite3_changes(db)     -> pb_db_changes(db)
 *
 * SQL is written once, in the subset both engines accept: `?N` parameters (rewritten to `$N`
 * for PostgreSQL), INSERT ... ON CONFLICT(cols) DO NOTHING / DO UPDATE SET x = excluded.x
 * (never INSERT OR IGNORE / OR REPLACE; DO UPDATE names its conflict columns), RETURNING
 * instead of last_insert_rowid, no SQLite-only functions (max(a, b) -> CASE), a subquery in
 * FROM has an alias, a parameter PostgreSQL cannot type from its use (`?1 IS NULL` alone) is
 * cast: `CAST(?1 AS TEXT) IS NULL`. "BEGIN IMMEDIATE" is "BEGIN" on PostgreSQL, and a SAVEPOINT outside a
 * transaction opens one that its RELEASE commits, as SQLite does.
 *
 * On PostgreSQL a statement runs when first stepped after a reset; its rows are fetched in
 * one go and stepped through. Column values are those of the current row, valid until the
 * next step, reset or finalize. Errors: pb_db_errmsg(db) says the last one. */
#ifndef PAPERBOY_STATE_DB_H
#define PAPERBOY_STATE_DB_H

#include <stddef.h>
#include <stdint.h>

struct pb_db;                          /* one connection; opaque */
typedef struct pb_db_stmt pb_db_stmt;  /* one prepared statement; opaque */

enum { PB_DB_ERROR = 1, PB_DB_ROW = 100, PB_DB_DONE = 101 };
/* Column types, the same numbers as SQLite's. */
enum { PB_DB_INTEGER = 1, PB_DB_FLOAT = 2, PB_DB_TEXT = 3, PB_DB_BLOB = 4, PB_DB_NULL = 5 };
enum pb_db_backend { PB_DB_SQLITE, PB_DB_POSTGRESQL };

/* How pb_db_open_sqlite opens: the values of enum pb_state_mode. */
enum pb_db_sqlite_mode { PB_DB_SQ_CREATE, PB_DB_SQ_WRITE, PB_DB_SQ_READ };

/* Opens a SQLite file: WAL, busy timeout, NORMAL sync; read mode never writes and reads an
 * unwritable directory's file as immutable. NULL with err filled (naming path). */
struct pb_db *pb_db_open_sqlite(const char *path, enum pb_db_sqlite_mode mode, char *err,
				size_t errlen);
/* Connects to PostgreSQL with a libpq conninfo string (kept for pb_db_reconnect). NULL with
 * err filled; err names host and database, never the password. */
struct pb_db *pb_db_open_pg(const char *conninfo, char *err, size_t errlen);
void pb_db_close(struct pb_db *db);    /* accepts NULL; rolls back an open transaction */
enum pb_db_backend pb_db_backend(const struct pb_db *db);

/* "host=H port=P dbname=D user=U" from conninfo (never the password) into out, for
 * messages. */
void pb_db_pg_describe(const char *conninfo, char *out, size_t n);

/* Prepares sql. persistent: kept for many uses (PostgreSQL: PQprepare'd on the server);
 * otherwise sent with its parameters on each run. NULL on error (pb_db_errmsg). */
pb_db_stmt *pb_db_prepare(struct pb_db *db, const char *sql, int persistent);
int pb_db_bind_int64(pb_db_stmt *s, int i, int64_t v);
int pb_db_bind_int(pb_db_stmt *s, int i, int v);
int pb_db_bind_text(pb_db_stmt *s, int i, const char *v);   /* NULL binds NULL */
int pb_db_bind_blob(pb_db_stmt *s, int i, const void *p, size_t n);
int pb_db_bind_null(pb_db_stmt *s, int i);
int pb_db_step(pb_db_stmt *s);
int64_t pb_db_col_int64(pb_db_stmt *s, int i);
int pb_db_col_int(pb_db_stmt *s, int i);
const char *pb_db_col_text(pb_db_stmt *s, int i);     /* NULL for NULL */
const void *pb_db_col_blob(pb_db_stmt *s, int i);     /* NULL for NULL or empty */
int pb_db_col_bytes(pb_db_stmt *s, int i);
int pb_db_col_type(pb_db_stmt *s, int i);
/* The number of columns and the name of column i of the current row's result (on
 * PostgreSQL known once stepped). */
int pb_db_col_count(pb_db_stmt *s);
const char *pb_db_col_name(pb_db_stmt *s, int i);
void pb_db_reset(pb_db_stmt *s);            /* keeps the bindings */
void pb_db_clear_bindings(pb_db_stmt *s);
void pb_db_finalize(pb_db_stmt *s);         /* accepts NULL */
/* Rows changed by the last INSERT, UPDATE or DELETE run on db. */
long pb_db_changes(struct pb_db *db);

/* Runs a script of statements without parameters. 0, or -1 with err filled. */
int pb_db_exec(struct pb_db *db, const char *sql, char *err, size_t errlen);
/* SQLite: a passive checkpoint of the write-ahead log (what no reader still needs is copied
 * into the database file, which is synced); 0, or -1 with err. PostgreSQL: 0. */
int pb_db_checkpoint(struct pb_db *db, char *err, size_t errlen);
/* Whether a transaction is open. */
int pb_db_in_transaction(struct pb_db *db);
/* Whether table name exists (in the main schema). 1, 0 or -1. */
int pb_db_table_exists(struct pb_db *db, const char *name);
/* The last error on db. */
const char *pb_db_errmsg(struct pb_db *db);
/* Whether the last call on db failed (its error is then pb_db_errmsg's). */
int pb_db_failed(struct pb_db *db);
/* Whether that failure was PostgreSQL's deadlock or serialization failure: the work, undone,
 * may be tried again. */
int pb_db_transient(struct pb_db *db);
/* Whether that failure was the database being busy or out of reach: SQLite's lock held by
 * another connection beyond the busy timeout (or a table locked), PostgreSQL's connection
 * lost or a transient failure. */
int pb_db_busy(struct pb_db *db);

/* PostgreSQL only (0 on SQLite). A statement that finds the connection lost waits for it
 * (pb_db_set_patience, default 60 s, 0: not at all) with a growing pause, replays the open
 * transaction, if any, on the new connection, and runs again; when the server stays away, or
 * the transaction cannot be replayed, it fails and the transaction is gone (pb_db_in_transaction
 * 0, its COMMIT fails). pb_db_lost: whether the connection is gone now. pb_db_recover: the same
 * wait and replay, on demand; 0 or -1 (pb_db_errmsg). */
int pb_db_lost(struct pb_db *db);
void pb_db_set_patience(struct pb_db *db, long ms);
/* SQLite only: how long a statement waits for another connection's lock (0: 10 s). */
void pb_db_set_busy_wait(struct pb_db *db, long ms);
long pb_db_patience(const struct pb_db *db);
int pb_db_recover(struct pb_db *db, long max_ms);

#endif
