/* Inside the driver: the connection and statement structures db.c (SQLite and the dispatch)
 * and db_pg.c (PostgreSQL) share. */
#ifndef PAPERBOY_STATE_DB_INT_H
#define PAPERBOY_STATE_DB_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>

#include "db.h"

struct pb_db {
	enum pb_db_backend backend;
	sqlite3 *sq;
	/* PostgreSQL */
	PGconn *conn;
	char *conninfo;
	unsigned gen;           /* bumped on reconnect: statements prepared before are gone */
	unsigned next_name;     /* for the server-side names of prepared statements */
	long changes;
	int sp_depth;           /* savepoints open */
	int sp_began;           /* the outermost savepoint began the transaction */
	int tx_lost;            /* rolled back after an error; its COMMIT must fail */
	struct pb_db_redo *redo;   /* what the open transaction ran, for a replay after a lost
				    * connection came back */
	size_t n_redo, redo_bytes;
	int logging;            /* 1: the transaction is logged; 2: too much to keep */
	char xid[24];           /* the transaction's id while its COMMIT runs, "": none known */
	int xid_pid;            /* the server process running it */
	char mark[33];          /* the token of its row in pb_commit_marks, "": none written */
	char xid_start[64];     /* when the server that gave the id started ("": not known) */
	int committing;         /* its COMMIT is under way (recover learns the replay's id) */
	long patience_ms;       /* how long a lost connection is waited for */
	int failed;
	int transient;   /* the last failure was a deadlock or serialization failure */
	int64_t sq_wait_from;   /* SQLite: when the statement now waiting for a lock began to */
	long busy_ms;           /* SQLite: how long it waits for one (0: BUSY_MS) */
	char err[512];
	char sq_err[512];       /* SQLite's last error with its system cause (sq_errmsg) */
};

struct pb_db_stmt {
	struct pb_db *db;
	sqlite3_stmt *sq;
	/* PostgreSQL */
	char *sql;              /* with $N parameters */
	char name[24];          /* "" for a one-use statement */
	unsigned gen;
	int kind;               /* PG_PLAIN, PG_SAVEPOINT, PG_RELEASE */
	int nparams;
	char **vals;
	int *lens, *fmts;
	PGresult *res;
	int executed, row, nrows, nfields;
	char **dec;             /* bytea columns of the current row, decoded */
	size_t *declen;
};

enum { PG_PLAIN, PG_SAVEPOINT, PG_RELEASE, PG_ROLLBACK_TO };

/* PostgreSQL's side of the calls of db.h. */
struct pb_db *pb_dbpg_open(const char *conninfo, char *err, size_t errlen);
void pb_dbpg_close(struct pb_db *db);
int pb_dbpg_prepare(pb_db_stmt *s, const char *sql, int persistent);
int pb_dbpg_bind(pb_db_stmt *s, int i, const char *v, size_t n, int binary);
int pb_dbpg_step(pb_db_stmt *s);
const char *pb_dbpg_col_text(pb_db_stmt *s, int i);
const void *pb_dbpg_col_blob(pb_db_stmt *s, int i);
int pb_dbpg_col_bytes(pb_db_stmt *s, int i);
int pb_dbpg_col_type(pb_db_stmt *s, int i);
void pb_dbpg_reset(pb_db_stmt *s);
void pb_dbpg_clear_bindings(pb_db_stmt *s);
void pb_dbpg_finalize(pb_db_stmt *s);
int pb_dbpg_exec(struct pb_db *db, const char *sql, char *err, size_t errlen);
int pb_dbpg_in_transaction(struct pb_db *db);
int pb_dbpg_recover(struct pb_db *db, long max_ms);
/* What became of the transaction db->xid whose COMMIT's reply was lost (asked on db's new
 * connection): 1 committed, 0 not, -1 not known within max_ms (db's error). From a server
 * started since the id was given (db->xid_start), the transaction's mark (db->mark) answers,
 * not the id's status: the id may have gone to another transaction. */
int pb_dbpg_commit_outcome(struct pb_db *db, int old_pid, long max_ms);
/* A bytea value as the server writes it in text ("\x" hex, or the older escape format; t
 * NUL-terminated at t[n]) decoded: malloc'd, NUL-terminated, *len bytes; hex that stops being
 * hex ends the value. */
char *pb_dbpg_bytea(const char *t, size_t n, size_t *len);
/* Sets db's error (printf-like); returns -1. */
int pb_db_fail(struct pb_db *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
