/* The full text cache: one row per paper version in table fulltext (schema 6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "state_internal.h"

int
pb_fulltext_cache_get(struct pb_state *st, const char *paper_key, struct pb_fulltext_row *out)
{
	pb_db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	s = pb_st_prepare(st, "SELECT source, status, body, bytes, fetched FROM fulltext WHERE paper_key = ?1",
		 "fulltext.get");
	if (!s)
		return -1;
	pb_db_bind_text(s, 1, paper_key);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW) {
		const void *b = pb_db_col_blob(s, 2);
		int n = pb_db_col_bytes(s, 2);

		pb_st_col_copy(s, 0, out->source, sizeof out->source);
		pb_st_col_copy(s, 1, out->status, sizeof out->status);
		if (b && n >= 0) {
			out->body = pb_xmalloc((size_t)n + 1);
			memcpy(out->body, b, (size_t)n);
			out->body[n] = '\0';
			out->bytes = (size_t)n;
		}
		out->fetched = pb_db_col_int64(s, 4);
		rc = 1;
	} else if (rc == PB_DB_DONE) {
		rc = 0;
	} else {
		pb_st_error(st, "fulltext.get");
		rc = -1;
	}
	pb_db_finalize(s);
	return rc;
}

int
pb_fulltext_cache_put(struct pb_state *st, const char *paper_key, const char *source,
		      const char *status, const char *body, size_t len, int64_t fetched)
{
	pb_db_stmt *s;
	int rc;

	s = pb_st_prepare(st, "INSERT INTO fulltext(paper_key, source, status, body, bytes, "
		 "fetched) VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(paper_key) DO UPDATE SET "
		 "source = excluded.source, status = excluded.status, body = excluded.body, "
		 "bytes = excluded.bytes, etag = NULL, last_modified = NULL, "
		 "fetched = excluded.fetched", "fulltext.put");
	if (!s)
		return -1;
	pb_db_bind_text(s, 1, paper_key);
	pb_db_bind_text(s, 2, source ? source : "");
	pb_db_bind_text(s, 3, status);
	if (body)
		pb_db_bind_blob(s, 4, body, len);
	else
		pb_db_bind_null(s, 4);
	pb_db_bind_int64(s, 5, body ? (int64_t)len : 0);
	pb_db_bind_int64(s, 6, fetched);
	rc = pb_db_step(s) == PB_DB_DONE ? 0 : -1;
	if (rc)
		pb_st_error(st, "fulltext.put");
	pb_db_finalize(s);
	return rc;
}

long
pb_fulltext_cache_prune(struct pb_state *st, int64_t before, int64_t max_bytes)
{
	pb_db_stmt *s;
	long n = 0;
	int64_t total = 0;

	s = pb_st_prepare(st, "DELETE FROM fulltext WHERE fetched < ?1", "fulltext.prune");
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, before);
	if (pb_db_step(s) != PB_DB_DONE) {
		pb_st_error(st, "fulltext.prune");
		pb_db_finalize(s);
		return -1;
	}
	n += pb_db_changes(st->db);
	pb_db_finalize(s);
	if (max_bytes <= 0)
		return n;
	s = pb_st_prepare(st, "SELECT COALESCE(SUM(bytes), 0) FROM fulltext", "fulltext.prune");
	if (!s)
		return -1;
	if (pb_db_step(s) == PB_DB_ROW)
		total = pb_db_col_int64(s, 0);
	pb_db_finalize(s);
	if (total <= max_bytes)
		return n;
	/* Oldest first, until what is left fits. */
	s = pb_st_prepare(st, "DELETE FROM fulltext WHERE paper_key IN (SELECT paper_key FROM ("
		 "SELECT paper_key, SUM(bytes) OVER (ORDER BY fetched DESC, paper_key) AS run "
		 "FROM fulltext) AS t WHERE run > ?1)", "fulltext.prune");
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, max_bytes);
	if (pb_db_step(s) != PB_DB_DONE) {
		pb_st_error(st, "fulltext.prune");
		pb_db_finalize(s);
		return -1;
	}
	n += pb_db_changes(st->db);
	pb_db_finalize(s);
	return n;
}
