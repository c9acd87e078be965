/* Change detection for the subscribers a long-running reader keeps loaded. */
#include "paperboy/hash.h"
#include "paperboy/state.h"
#include "state_internal.h"

int
pb_state_data_version(struct pb_state *st, int64_t *out)
{
	pb_db_stmt *s = NULL;
	int rc = -1;

	*out = 0;
	if (!(s = pb_db_prepare(st->db, "PRAGMA data_version", 0)) ||
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

int
pb_sub_stamp(struct pb_state *st, uint64_t *out)
{
	pb_db_stmt *s = NULL;
	uint64_t h = PB_FNV1A64_BASIS;
	int rc = -1, step;

	*out = 0;
	if (!(s = pb_db_prepare(st->db, "SELECT name, settings FROM subscribers"
				" WHERE settings IS NOT NULL ORDER BY name", 0))) {
		pb_st_error(st, "subscriber stamp");
		goto out;
	}
	while ((step = pb_db_step(s)) == PB_DB_ROW) {
		for (int c = 0; c < 2; c++) {
			const void *p = pb_db_col_blob(s, c);
			int n = pb_db_col_bytes(s, c);

			/* A NULL and an empty value differ; the byte after each field separates
			 * "ab","c" from "a","bc". */
			h = pb_fnv1a64_more(h, pb_db_col_type(s, c) == PB_DB_NULL ? "\1" : "\2", 1);
			if (p && n > 0)
				h = pb_fnv1a64_more(h, p, (size_t)n);
			h = pb_fnv1a64_more(h, "", 1);
		}
	}
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
