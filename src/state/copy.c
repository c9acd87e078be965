/* Copying a whole state from one database to another (`paperboy state migrate`): every table,
 * whatever its columns, so a table added by a later migration is copied without a change here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "state_internal.h"

/* The tables of db, sorted, without the engine's own (sqlite_*) or PostgreSQL's extras. */
static int
tables(struct pb_db *db, char ***out, size_t *n)
{
	pb_db_stmt *s = pb_db_prepare(db, pb_db_backend(db) == PB_DB_POSTGRESQL ?
		"SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
		" AND tablename NOT LIKE 'pb\\_%' ORDER BY tablename" :
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%'"
		" ESCAPE '\\' ORDER BY name", 0);
	char **v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		v[k++] = pb_xstrdup(pb_db_col_text(s, 0));
	}
	pb_db_finalize(s);
	*out = v;
	*n = k;
	return rc == PB_DB_DONE ? 0 : -1;
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The rows of table t (meta without its schema version), or -1. */
static long
count_rows(struct pb_db *db, const char *t)
{
	struct pb_buf q = { 0 };
	pb_db_stmt *s;
	long n = -1;

	pb_buf_printf(&q, "SELECT count(*) FROM \"%s\"%s", t,
		      strcmp(t, "meta") == 0 ? " WHERE key <> 'schema_version'" : "");
	if ((s = pb_db_prepare(db, q.data, 0)) && pb_db_step(s) == PB_DB_ROW)
		n = (long)pb_db_col_int64(s, 0);
	pb_db_finalize(s);
	pb_buf_free(&q);
	return n;
}

/* Runs one statement without rows on db. 0 or -1. */
static int
run_sql(struct pb_db *db, const char *sql)
{
	pb_db_stmt *s = pb_db_prepare(db, sql, 0);
	int rc = s && pb_db_step(s) != PB_DB_ERROR ? 0 : -1;

	pb_db_finalize(s);
	return rc;
}

/* Whether column c of table t is binary on db (bound as a blob whatever SQLite held). */
static int
binary_column(struct pb_db *db, const char *t, const char *c)
{
	pb_db_stmt *s;
	int r = 0;

	if (pb_db_backend(db) != PB_DB_POSTGRESQL)
		return 0;
	s = pb_db_prepare(db, "SELECT data_type FROM information_schema.columns"
			  " WHERE table_schema = current_schema() AND table_name = ?1"
			  " AND column_name = ?2", 0);
	if (!s)
		return 0;
	pb_db_bind_text(s, 1, t);
	pb_db_bind_text(s, 2, c);
	if (pb_db_step(s) == PB_DB_ROW)
		r = strcmp(pb_db_col_text(s, 0), "bytea") == 0;
	pb_db_finalize(s);
	return r;
}

/* Copies the rows of table t. Returns the rows copied or -1 (err). */
static long
copy_table(struct pb_db *from, struct pb_db *to, const char *t, char *err, size_t errlen)
{
	struct pb_buf q = { 0 }, ins = { 0 };
	pb_db_stmt *s = NULL, *w = NULL;
	int *bin = NULL, ncol = 0, rc;
	long n = 0;

	pb_buf_printf(&q, "SELECT * FROM \"%s\"%s", t,
		      strcmp(t, "meta") == 0 ? " WHERE key <> 'schema_version'" : "");
	if (!(s = pb_db_prepare(from, q.data, 0))) {
		snprintf(err, errlen, "reading %s: %s", t, pb_db_errmsg(from));
		n = -1;
		goto out;
	}
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		if (!w) {
			ncol = pb_db_col_count(s);
			bin = pb_xcalloc((size_t)ncol + 1, sizeof *bin);
			pb_buf_printf(&ins, "INSERT INTO \"%s\"(", t);
			for (int c = 0; c < ncol; c++) {
				pb_buf_printf(&ins, "%s\"%s\"", c ? ", " : "", pb_db_col_name(s, c));
				bin[c] = binary_column(to, t, pb_db_col_name(s, c));
			}
			pb_buf_puts(&ins, ") VALUES(");
			for (int c = 0; c < ncol; c++)
				pb_buf_printf(&ins, "%s?%d", c ? ", " : "", c + 1);
			pb_buf_puts(&ins, ")");
			if (!(w = pb_db_prepare(to, ins.data, 1))) {
				snprintf(err, errlen, "writing %s: %s", t, pb_db_errmsg(to));
				n = -1;
				goto out;
			}
		}
		pb_db_reset(w);
		pb_db_clear_bindings(w);
		for (int c = 0; c < ncol; c++) {
			int type = pb_db_col_type(s, c);

			if (type == PB_DB_NULL)
				pb_db_bind_null(w, c + 1);
			else if (bin[c] || type == PB_DB_BLOB)
				pb_db_bind_blob(w, c + 1, pb_db_col_blob(s, c),
						(size_t)pb_db_col_bytes(s, c));
			else if (type == PB_DB_INTEGER)
				pb_db_bind_int64(w, c + 1, pb_db_col_int64(s, c));
			else
				pb_db_bind_text(w, c + 1, pb_db_col_text(s, c));
		}
		if (pb_db_step(w) == PB_DB_ERROR) {
			snprintf(err, errlen, "writing %s: %s", t, pb_db_errmsg(to));
			n = -1;
			goto out;
		}
		n++;
	}
	if (rc != PB_DB_DONE) {
		snprintf(err, errlen, "reading %s: %s", t, pb_db_errmsg(from));
		n = -1;
	}
out:
	pb_db_finalize(w);
	pb_db_finalize(s);
	free(bin);
	pb_buf_free(&ins);
	pb_buf_free(&q);
	return n;
}

/* PostgreSQL: every identity column's sequence past the largest id now in its table. */
static int
set_sequences(struct pb_db *to, const char *t)
{
	pb_db_stmt *s;
	char **cols = NULL;
	size_t n = 0;
	int rc = 0;

	if (pb_db_backend(to) != PB_DB_POSTGRESQL)
		return 0;
	s = pb_db_prepare(to, "SELECT column_name FROM information_schema.columns"
			  " WHERE table_schema = current_schema() AND table_name = ?1"
			  " AND is_identity = 'YES'", 0);
	if (!s)
		return -1;
	pb_db_bind_text(s, 1, t);
	while (pb_db_step(s) == PB_DB_ROW) {
		cols = pb_xreallocarray(cols, n + 1, sizeof *cols);
		cols[n++] = pb_xstrdup(pb_db_col_text(s, 0));
	}
	pb_db_finalize(s);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct pb_buf q = { 0 };

		pb_buf_printf(&q, "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'),"
			      " COALESCE(MAX(\"%s\"), 0) + 1, false) FROM \"%s\"", t, cols[i],
			      cols[i], t);
		rc = run_sql(to, q.data);
		pb_buf_free(&q);
	}
	free_names(cols, n);
	return rc;
}

int
pb_state_copy(struct pb_state *from, struct pb_state *to, int replace,
	      struct pb_state_table_count **out, size_t *n, char *err, size_t errlen)
{
	struct pb_state_table_count *v = NULL;
	char **src = NULL;
	size_t n_src = 0;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (pb_state_schema_version(from) != pb_state_schema_version(to)) {
		snprintf(err, errlen, "the schema versions differ (%d and %d)",
			 pb_state_schema_version(from), pb_state_schema_version(to));
		return -1;
	}
	/* The source is read as one state: under its write lock for the whole copy, which a
	 * writer without the directory's lock (the web endpoint's sign-ups, feedback) waits
	 * for or is refused (busy), rather than writing a row into a table copied already,
	 * which the copy would leave behind. */
	if (pb_db_backend(from->db) == PB_DB_SQLITE &&
	    pb_db_exec(from->db, "BEGIN IMMEDIATE", NULL, 0) < 0) {
		snprintf(err, errlen, "%s", pb_db_busy(from->db) ?
			 "the source is busy: another process has held its write lock for over "
			 "10 s (the web endpoint?)" : pb_db_errmsg(from->db));
		return -1;
	}
	if (tables(from->db, &src, &n_src) < 0) {
		snprintf(err, errlen, "listing the tables: %s", pb_db_errmsg(from->db));
		goto out;
	}
	v = pb_xcalloc(n_src + 1, sizeof *v);
	if (pb_state_begin(to) < 0) {
		snprintf(err, errlen, "%s", pb_state_errmsg(to));
		goto out;
	}
	for (size_t i = 0; i < n_src; i++) {
		long have = count_rows(to->db, src[i]);

		if (have < 0) {
			snprintf(err, errlen, "table %s: %s", src[i], pb_db_errmsg(to->db));
			goto fail;
		}
		if (have > 0 && !replace) {
			snprintf(err, errlen, "the target already holds %ld rows in table %s",
				 have, src[i]);
			rc = -2;
			goto fail;
		}
	}
	for (size_t i = 0; i < n_src; i++) {
		struct pb_buf q = { 0 };

		snprintf(v[i].table, sizeof v[i].table, "%s", src[i]);
		pb_buf_printf(&q, "DELETE FROM \"%s\"%s", src[i], strcmp(src[i], "meta") == 0 ?
			      " WHERE key <> 'schema_version'" : "");
		if (replace && run_sql(to->db, q.data) < 0) {
			snprintf(err, errlen, "emptying %s: %s", src[i], pb_db_errmsg(to->db));
			pb_buf_free(&q);
			goto fail;
		}
		pb_buf_free(&q);
		v[i].source = count_rows(from->db, src[i]);
		if (copy_table(from->db, to->db, src[i], err, errlen) < 0)
			goto fail;
		v[i].copied = count_rows(to->db, src[i]);
		*n = i + 1;
		if (v[i].source < 0 || v[i].copied != v[i].source) {
			snprintf(err, errlen, "table %s: %ld rows in the source, %ld copied",
				 src[i], v[i].source, v[i].copied);
			goto fail;
		}
		if (set_sequences(to->db, src[i]) < 0) {
			snprintf(err, errlen, "the ids of %s: %s", src[i], pb_db_errmsg(to->db));
			goto fail;
		}
	}
	if (pb_state_commit(to) < 0) {
		snprintf(err, errlen, "commit: %s", pb_state_errmsg(to));
		goto out;
	}
	pb_info("state.copied", "tables=%zu", n_src);
	rc = 0;
	goto out;
fail:
	pb_state_rollback(to);
out:
	if (pb_db_backend(from->db) == PB_DB_SQLITE && pb_db_in_transaction(from->db))
		pb_db_exec(from->db, "ROLLBACK", NULL, 0);    /* it only read */
	free_names(src, n_src);
	*out = v;
	return rc;
}
