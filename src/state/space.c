/* The SQLite file's space and durability: incremental vacuum (switched once at open, pages
 * given back after pruning) and synchronous=FULL while the delivery loop records its marks.
 * PostgreSQL manages its own: these are SQLite's only. */
#include <stdio.h>

#include "paperboy/clock.h"
#include "paperboy/log.h"
#include "state_internal.h"

/* A SQLite file opened to write: pages freed by pruning go back to the file system
 * (auto_vacuum=INCREMENTAL, which an existing file takes only through one VACUUM: done here,
 * once, before any transaction). */
int
pb_st_sqlite_space(struct pb_state *st, const char *path, char *err, size_t errlen)
{
	char msg[256];
	pb_db_stmt *s;
	int mode = -1, existing;

	if ((s = pb_db_prepare(st->db, "PRAGMA auto_vacuum", 0)) && pb_db_step(s) == PB_DB_ROW)
		mode = pb_db_col_int(s, 0);
	pb_db_finalize(s);
	existing = pb_db_table_exists(st->db, "meta") == 1;
	if (mode == 2)
		return 0;
	if (mode < 0) {
		snprintf(msg, sizeof msg, "%s", pb_db_errmsg(st->db));
		goto fail;
	}
	if (pb_db_exec(st->db, "PRAGMA auto_vacuum = INCREMENTAL", msg, sizeof msg) < 0)
		goto fail;
	/* Even a new file has its first page once in WAL mode, so the mode takes a VACUUM (of
	 * nothing, then). One that cannot be vacuumed now (another process reading) is tried
	 * again at the next open. */
	if (pb_db_exec(st->db, "VACUUM", msg, sizeof msg) < 0)
		pb_warn("state.vacuum", "path=%s error=%s", pb_q(path), pb_q(msg));
	else if (existing)
		pb_info("state.vacuumed", "path=%s auto_vacuum=incremental", pb_q(path));
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, msg);
	return -1;
}

/* Returns the pages pruning freed to the file system (auto_vacuum is INCREMENTAL): SQLite
 * only, outside a transaction. A failure costs space, not data: logged. */
void
pb_st_give_back(struct pb_state *st)
{
	char err[256];

	if (pb_db_backend(st->db) != PB_DB_SQLITE)
		return;
	if (pb_db_exec(st->db, "PRAGMA incremental_vacuum", err, sizeof err) < 0)
		pb_warn("state.vacuum", "error=%s", pb_q(err));
}

/* A connection's setting on SQLite (op names it in the error); nothing on PostgreSQL. */
static int
sqlite_pragma(struct pb_state *st, const char *sql, const char *op)
{
	char err[256];

	if (pb_db_backend(st->db) != PB_DB_SQLITE)
		return 0;
	if (pb_db_exec(st->db, sql, err, sizeof err) < 0) {
		pb_st_fail(st, op, err);
		return -1;
	}
	return 0;
}

int
pb_state_durable(struct pb_state *st, int on)
{
	return sqlite_pragma(st, on ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
			     "durable");
}

int
pb_state_sync(struct pb_state *st)
{
	char now[32];
	int rc;

	if (pb_db_backend(st->db) != PB_DB_SQLITE)
		return 0;   /* PostgreSQL's commit is on disk when it returns */
	if (pb_state_in_transaction(st)) {
		pb_st_fail(st, "sync", "a transaction is open");
		return -1;
	}
	/* A synced commit syncs the write-ahead log, every earlier commit with it: one small
	 * write is enough to make one. */
	snprintf(now, sizeof now, "%lld", (long long)pb_now());
	if (pb_state_durable(st, 1) < 0)
		return -1;
	rc = pb_meta_put(st, "synced", now);
	if (pb_state_durable(st, 0) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}

int
pb_state_checkpoints(struct pb_state *st, int on)
{
	return sqlite_pragma(st, on ? "PRAGMA wal_autocheckpoint = 1000" :
				      "PRAGMA wal_autocheckpoint = 0", "checkpoints");
}

int
pb_state_checkpoint(struct pb_state *st)
{
	char err[256];

	if (pb_db_backend(st->db) != PB_DB_SQLITE)
		return 0;
	if (pb_db_checkpoint(st->db, err, sizeof err) < 0) {
		pb_st_fail(st, "checkpoint", err);
		return -1;
	}
	return 0;
}
