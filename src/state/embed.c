/* The embeddings cache: one float32 vector per paper version and model (state.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "paperboy/state.h"
#include "paperboy/buf.h"
#include "state_internal.h"

/* No embedding model comes near this; a longer blob is damage, not a vector. */
#define MAX_DIM 65536

long
pb_embed_cache_get(struct pb_state *st, const char *model, const char *const *keys, size_t n,
		   float **vecs, size_t *dims)
{
	sqlite3_stmt *s = NULL;
	long found = 0;

	for (size_t i = 0; i < n; i++) {
		vecs[i] = NULL;
		dims[i] = 0;
	}
	if (n == 0)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT dim, vec FROM embeddings"
			       " WHERE paper_key = ?1 AND model = ?2", -1, &s, NULL) != SQLITE_OK) {
		pb_st_error(st, "embeddings get");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const void *blob;
		sqlite3_int64 dim;
		int rc, bytes, ok = 1;
		float *v;

		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		sqlite3_bind_text(s, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, model, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			continue;
		if (rc != SQLITE_ROW) {
			pb_st_error(st, "embeddings get");
			goto fail;
		}
		dim = sqlite3_column_int64(s, 0);
		blob = sqlite3_column_blob(s, 1);
		bytes = sqlite3_column_bytes(s, 1);
		if (dim < 1 || dim > MAX_DIM || !blob || (sqlite3_int64)bytes != dim * 4)
			continue;
		v = pb_xmalloc((size_t)dim * sizeof *v);
		memcpy(v, blob, (size_t)bytes);
		for (sqlite3_int64 k = 0; k < dim && ok; k++)
			ok = isfinite(v[k]);
		if (!ok) {
			free(v);
			continue;
		}
		vecs[i] = v;
		dims[i] = (size_t)dim;
		found++;
	}
	sqlite3_finalize(s);
	return found;
fail:
	sqlite3_finalize(s);
	for (size_t i = 0; i < n; i++) {
		free(vecs[i]);
		vecs[i] = NULL;
		dims[i] = 0;
	}
	return -1;
}

int
pb_embed_cache_put(struct pb_state *st, const char *model, const char *const *keys,
		   const float *const *vecs, size_t n, size_t dim, int64_t now)
{
	sqlite3_stmt *s = NULL;
	int own_tx, rc = -1;

	if (n == 0)
		return 0;
	if (dim < 1 || dim > MAX_DIM) {
		pb_st_fail(st, "embeddings put", "vector length out of range");
		return -1;
	}
	own_tx = sqlite3_get_autocommit(st->db);
	if (own_tx && pb_state_begin(st) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO embeddings(paper_key, model, dim,"
			       " vec, created) VALUES(?1, ?2, ?3, ?4, ?5)", -1, &s, NULL) !=
	    SQLITE_OK) {
		pb_st_error(st, "embeddings put");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!vecs[i])
			continue;
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
		sqlite3_bind_text(s, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, model, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)dim);
		sqlite3_bind_blob(s, 4, vecs[i], (int)(dim * sizeof(float)), SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, now);
		if (sqlite3_step(s) != SQLITE_DONE) {
			pb_st_error(st, "embeddings put");
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	if (own_tx) {
		if (rc == 0 && pb_state_commit(st) < 0)
			rc = -1;
		else if (rc < 0)
			pb_state_rollback(st);
	}
	return rc;
}

long
pb_embed_cache_prune(struct pb_state *st, int64_t before)
{
	sqlite3_stmt *s = NULL;
	long rc = -1;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM embeddings WHERE created < ?1", -1, &s,
			       NULL) != SQLITE_OK) {
		pb_st_error(st, "embeddings prune");
		goto out;
	}
	sqlite3_bind_int64(s, 1, before);
	if (sqlite3_step(s) != SQLITE_DONE) {
		pb_st_error(st, "embeddings prune");
		goto out;
	}
	rc = sqlite3_changes(st->db);
out:
	sqlite3_finalize(s);
	return rc;
}
