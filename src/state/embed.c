/* The embeddings cache: one float32 vector per paper version and model (state.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/state.h"
#include "paperboy/buf.h"
#include "state_internal.h"

/* No embedding model comes near this; a longer blob is damage, not a vector. */
#define MAX_DIM 65536

long
pb_embed_cache_get(struct pb_state *st, const char *model, const char *const *keys, size_t n,
		   float **vecs, size_t *dims)
{
	pb_db_stmt *s = NULL;
	long found = 0;

	for (size_t i = 0; i < n; i++) {
		vecs[i] = NULL;
		dims[i] = 0;
	}
	if (n == 0)
		return 0;
	if (!(s = pb_db_prepare(st->db, "SELECT dim, vec FROM embeddings"
				" WHERE paper_key = ?1 AND model = ?2", 1))) {
		pb_st_error(st, "embeddings get");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const void *blob;
		int64_t dim;
		int rc, bytes, ok = 1;
		float *v;

		pb_db_reset(s);
		pb_db_clear_bindings(s);
		pb_db_bind_text(s, 1, keys[i]);
		pb_db_bind_text(s, 2, model);
		rc = pb_db_step(s);
		if (rc == PB_DB_DONE)
			continue;
		if (rc != PB_DB_ROW) {
			pb_st_error(st, "embeddings get");
			goto fail;
		}
		dim = pb_db_col_int64(s, 0);
		blob = pb_db_col_blob(s, 1);
		bytes = pb_db_col_bytes(s, 1);
		if (dim < 1 || dim > MAX_DIM || !blob || (int64_t)bytes != dim * 4)
			continue;
		v = pb_xmalloc((size_t)dim * sizeof *v);
		memcpy(v, blob, (size_t)bytes);
		for (int64_t k = 0; k < dim && ok; k++)
			ok = isfinite(v[k]);
		if (!ok) {
			free(v);
			continue;
		}
		vecs[i] = v;
		dims[i] = (size_t)dim;
		found++;
	}
	pb_db_finalize(s);
	return found;
fail:
	pb_db_finalize(s);
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
	pb_db_stmt *s = NULL;
	int own_tx, rc = -1;

	if (n == 0)
		return 0;
	if (dim < 1 || dim > MAX_DIM) {
		pb_st_fail(st, "embeddings put", "vector length out of range");
		return -1;
	}
	own_tx = !pb_db_in_transaction(st->db);
	if (own_tx && pb_state_begin(st) < 0)
		return -1;
	if (!(s = pb_db_prepare(st->db, "INSERT INTO embeddings(paper_key, model, dim,"
				" vec, created) VALUES(?1, ?2, ?3, ?4, ?5)"
				" ON CONFLICT(paper_key, model) DO UPDATE SET dim = excluded.dim,"
				" vec = excluded.vec, created = excluded.created", 1))) {
		pb_st_error(st, "embeddings put");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!vecs[i])
			continue;
		pb_db_reset(s);
		pb_db_clear_bindings(s);
		pb_db_bind_text(s, 1, keys[i]);
		pb_db_bind_text(s, 2, model);
		pb_db_bind_int64(s, 3, (int64_t)dim);
		pb_db_bind_blob(s, 4, vecs[i], dim * sizeof(float));
		pb_db_bind_int64(s, 5, now);
		if (pb_db_step(s) != PB_DB_DONE) {
			pb_st_error(st, "embeddings put");
			goto out;
		}
	}
	rc = 0;
out:
	pb_db_finalize(s);
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
	pb_db_stmt *s = NULL;
	long rc = -1;

	if (!(s = pb_db_prepare(st->db, "DELETE FROM embeddings WHERE created < ?1", 0))) {
		pb_st_error(st, "embeddings prune");
		goto out;
	}
	pb_db_bind_int64(s, 1, before);
	if (pb_db_step(s) != PB_DB_DONE) {
		pb_st_error(st, "embeddings prune");
		goto out;
	}
	rc = pb_db_changes(st->db);
out:
	pb_db_finalize(s);
	return rc;
}
