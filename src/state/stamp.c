/* Change detection for the subscribers a long-running reader keeps loaded. */
#include <stdint.h>
#include <string.h>

#include "paperboy/hash.h"
#include "paperboy/state.h"
#include "state_internal.h"

int
pb_state_data_version(struct pb_state *st, int64_t *out)
{
	pb_db_stmt *s = NULL;
	int rc = -1;

	*out = 0;
	if (!(s = pb_db_prepare(st->db, pb_db_backend(st->db) == PB_DB_POSTGRESQL ?
				"SELECT n FROM pb_sub_version" : "PRAGMA data_version", 0)) ||
	    pb_db_step(s) != PB_DB_ROW) {
		pb_st_error(st, "data version");
		goto out;
	}
	*out = pb_db_col_int64(s, 0);
	rc = 0;
out:
	pb_db_finalize(s);
	return rc;
}

/* One row's part of the stamp. FNV-1a over the name and the settings, each ended by a NUL
 * (so "ab","c" and "a","bc" differ), mixed so that the sum of many spreads over 64 bits. */
uint64_t
pb_sub_stamp_row(const char *name, const char *settings)
{
	uint64_t h;

	if (!name || !settings)
		return 0;
	h = pb_fnv1a64_more(PB_FNV1A64_BASIS, name, strlen(name) + 1);
	h = pb_fnv1a64_more(h, settings, strlen(settings) + 1);
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

/* The sum of the rows' parts, in any order: a process that changed one row knows the stamp
 * after it from the one before (pb_sub_stamp_row), without reading the table. */
int
pb_sub_stamp(struct pb_state *st, uint64_t *out)
{
	pb_db_stmt *s = NULL;
	uint64_t h = 0;
	int rc = -1, step;

	*out = 0;
	if (!(s = pb_db_prepare(st->db, "SELECT name, settings FROM subscribers"
				" WHERE settings IS NOT NULL", 0))) {
		pb_st_error(st, "subscriber stamp");
		goto out;
	}
	while ((step = pb_db_step(s)) == PB_DB_ROW)
		h += pb_sub_stamp_row(pb_db_col_text(s, 0), pb_db_col_text(s, 1));
	if (step != PB_DB_DONE) {
		pb_st_error(st, "subscriber stamp");
		goto out;
	}
	*out = h;
	rc = 0;
out:
	pb_db_finalize(s);
	return rc;
}

/* Temporary (this connection's own) triggers count the changes to stored subscribers made
 * through this handle; nothing is written to the database file. */
static const char watch_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS pb_sub_changes(n INTEGER NOT NULL);"
	"INSERT INTO temp.pb_sub_changes SELECT 0"
	"  WHERE NOT EXISTS (SELECT 1 FROM temp.pb_sub_changes);"
	"CREATE TEMP TRIGGER IF NOT EXISTS pb_sub_changes_ins AFTER INSERT ON main.subscribers"
	"  WHEN new.settings IS NOT NULL BEGIN UPDATE pb_sub_changes SET n = n + 1; END;"
	"CREATE TEMP TRIGGER IF NOT EXISTS pb_sub_changes_del AFTER DELETE ON main.subscribers"
	"  WHEN old.settings IS NOT NULL BEGIN UPDATE pb_sub_changes SET n = n + 1; END;"
	"CREATE TEMP TRIGGER IF NOT EXISTS pb_sub_changes_upd AFTER UPDATE ON main.subscribers"
	"  WHEN old.settings IS NOT new.settings OR old.name IS NOT new.name"
	"  BEGIN UPDATE pb_sub_changes SET n = n + 1; END;";

int
pb_sub_local_changes(struct pb_state *st, int64_t *out)
{
	pb_db_stmt *s = NULL;
	int rc = -1;

	*out = 0;
	/* PostgreSQL's data version counts this handle's changes too (state.h). */
	if (pb_db_backend(st->db) == PB_DB_POSTGRESQL)
		return 0;
	if (pb_db_exec(st->db, watch_sql, NULL, 0) < 0 ||
	    !(s = pb_db_prepare(st->db, "SELECT n FROM temp.pb_sub_changes", 0)) ||
	    pb_db_step(s) != PB_DB_ROW) {
		pb_st_error(st, "subscriber changes");
		goto out;
	}
	*out = pb_db_col_int64(s, 0);
	rc = 0;
out:
	pb_db_finalize(s);
	return rc;
}
