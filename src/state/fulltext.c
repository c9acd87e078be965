/* The full text cache: one row per paper version in table fulltext (schema 6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "state_internal.h"

int
pb_fulltext_cache_get(struct pb_state *st, const char *paper_key, struct pb_fulltext_row *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	s = pb_st_prepare(st, "SELECT source, status, body, bytes, fetched FROM fulltext WHERE paper_key = ?",
		 "fulltext.get");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, paper_key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(s, 2);
		int n = sqlite3_column_bytes(s, 2);

		pb_st_col_copy(s, 0, out->source, sizeof out->source);
		pb_st_col_copy(s, 1, out->status, sizeof out->status);
		if (b && n >= 0) {
			out->body = pb_xmalloc((size_t)n + 1);
			memcpy(out->body, b, (size_t)n);
			out->body[n] = '\0';
			out->bytes = (size_t)n;
		}
		out->fetched = sqlite3_column_int64(s, 4);
		rc = 1;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		pb_st_error(st, "fulltext.get");
		rc = -1;
	}
	sqlite3_finalize(s);
	return rc;
}

int
pb_fulltext_cache_put(struct pb_state *st, const char *paper_key, const char *source,
		      const char *status, const char *body, size_t len, int64_t fetched)
{
	sqlite3_stmt *s;
	int rc;

	s = pb_st_prepare(st, "INSERT OR REPLACE INTO fulltext(paper_key, source, status, body, bytes, "
		 "fetched) VALUES(?, ?, ?, ?, ?, ?)", "fulltext.put");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, paper_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, source ? source : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	if (body)
		sqlite3_bind_blob64(s, 4, body, len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, body ? (sqlite3_int64)len : 0);
	sqlite3_bind_int64(s, 6, fetched);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	if (rc)
		pb_st_error(st, "fulltext.put");
	sqlite3_finalize(s);
	return rc;
}

long
pb_fulltext_cache_prune(struct pb_state *st, int64_t before, int64_t max_bytes)
{
	sqlite3_stmt *s;
	long n = 0;
	int64_t total = 0;

	s = pb_st_prepare(st, "DELETE FROM fulltext WHERE fetched < ?", "fulltext.prune");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, before);
	if (sqlite3_step(s) != SQLITE_DONE) {
		pb_st_error(st, "fulltext.prune");
		sqlite3_finalize(s);
		return -1;
	}
	n += sqlite3_changes(st->db);
	sqlite3_finalize(s);
	if (max_bytes <= 0)
		return n;
	s = pb_st_prepare(st, "SELECT COALESCE(SUM(bytes), 0) FROM fulltext", "fulltext.prune");
	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		total = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (total <= max_bytes)
		return n;
	/* Oldest first, until what is left fits. */
	s = pb_st_prepare(st, "DELETE FROM fulltext WHERE paper_key IN (SELECT paper_key FROM ("
		 "SELECT paper_key, SUM(bytes) OVER (ORDER BY fetched DESC, paper_key) AS run "
		 "FROM fulltext) WHERE run > ?)", "fulltext.prune");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, max_bytes);
	if (sqlite3_step(s) != SQLITE_DONE) {
		pb_st_error(st, "fulltext.prune");
		sqlite3_finalize(s);
		return -1;
	}
	n += sqlite3_changes(st->db);
	sqlite3_finalize(s);
	return n;
}
