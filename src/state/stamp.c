/* Change detection for the subscribers a long-running reader keeps loaded. */
#include <sqlite3.h>

#include "paperboy/hash.h"
#include "paperboy/state.h"
#include "state_internal.h"

int
pb_state_data_version(struct pb_state *st, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	*out = 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		pb_st_error(st, "data version");
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int
pb_sub_stamp(struct pb_state *st, uint64_t *out)
{
	sqlite3_stmt *s = NULL;
	uint64_t h = PB_FNV1A64_BASIS;
	int rc = -1, step;

	*out = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT name, settings FROM subscribers WHERE settings IS NOT NULL"
			       " ORDER BY name", -1,
			       &s, NULL) != SQLITE_OK) {
		pb_st_error(st, "subscriber stamp");
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		for (int c = 0; c < 2; c++) {
			const void *p = sqlite3_column_blob(s, c);
			int n = sqlite3_column_bytes(s, c);

			/* A NULL and an empty value differ; the byte after each field separates
			 * "ab","c" from "a","bc". */
			h = pb_fnv1a64_more(h, sqlite3_column_type(s, c) == SQLITE_NULL ? "\1" : "\2", 1);
			if (p && n > 0)
				h = pb_fnv1a64_more(h, p, (size_t)n);
			h = pb_fnv1a64_more(h, "", 1);
		}
	}
	if (step != SQLITE_DONE) {
		pb_st_error(st, "subscriber stamp");
		goto out;
	}
	*out = h;
	rc = 0;
out:
	sqlite3_finalize(s);
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
	sqlite3_stmt *s = NULL;
	int rc = -1;

	*out = 0;
	if (sqlite3_exec(st->db, watch_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT n FROM temp.pb_sub_changes", -1, &s, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		pb_st_error(st, "subscriber changes");
		goto out;
	}
	*out = sqlite3_column_int64(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}
