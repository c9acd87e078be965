/* The outbox's message bodies read back from their chunks (chunks.c writes them): the chunk
 * list, each chunk from a cache of those read lately or from the table (a body's missing
 * chunks READ_BATCH to a statement), inflated, and the whole checked against its digest (the
 * SHA-256 of the whole, or over its parts: pb_body_hash). A chunk kept in the reads cache
 * keeps its SHA-256 too, so a paper's block is hashed once per read, not once per body. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "cdc.h"
#include "chunks_int.h"
#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "state_internal.h"

/* Chunks read lately, inflated, by id: a paper's block is read once per message, the same
 * bytes for every subscriber, and inflating it again each time was most of the cost of
 * reading a body. A chunk's bytes never change under its id, but SQLite may give the id of a
 * deleted chunk to a new one: every body read is checked against its SHA-256 anyway, and a
 * body that does not match is read again without this cache before it counts as damaged. */
#define READS_SLOTS 8192u   /* direct-mapped by id; at most 32 MB of PB_BODY_PIECE_MAX chunks */
struct pb_body_reads {
	struct rentry {
		int64_t id;    /* 0: empty */
		uint32_t len;
		unsigned char sha[SHA_LEN];   /* of data */
		char *data;
	} v[READS_SLOTS];
	struct libdeflate_decompressor *z;
	unsigned long hits, misses;
	/* Body rows read ahead for the messages of a claimed batch (pb_body_prefetch), each
	 * taken once by pb_body_get. */
	struct prow {
		int64_t id, size;   /* id 0: taken */
		int has_sha;
		unsigned char sha[SHA_LEN];
		struct pb_buf list;
	} *rows;
	size_t n_rows;
};

static void
rows_clear(struct pb_body_reads *r)
{
	for (size_t i = 0; i < r->n_rows; i++)
		pb_buf_free(&r->rows[i].list);
	free(r->rows);
	r->rows = NULL;
	r->n_rows = 0;
}

static void
reads_clear(struct pb_body_reads *r)
{
	for (size_t i = 0; i < READS_SLOTS; i++) {
		free(r->v[i].data);
		r->v[i].data = NULL;
		r->v[i].id = 0;
	}
}

void
pb_body_reads_forget(struct pb_state *st)
{
	if (st->body_reads) {
		reads_clear(st->body_reads);
		rows_clear(st->body_reads);
	}
}

void
pb_body_reads_free(struct pb_state *st)
{
	struct pb_body_reads *r = st->body_reads;

	if (!r)
		return;
	reads_clear(r);
	rows_clear(r);
	if (r->z)
		libdeflate_free_decompressor(r->z);
	pb_debug("state.body_reads", "hits=%lu misses=%lu", r->hits, r->misses);
	free(r);
	st->body_reads = NULL;
}

/* Inflates the zlib stream z[0..zn) into out: exactly size bytes, or -1. */
static int
inflate_chunk(struct pb_body_reads *r, const void *z, size_t zn, unsigned char *out,
	      size_t size)
{
	size_t in = 0, got = 0;

	if (!r->z && !(r->z = libdeflate_alloc_decompressor()))
		return -1;
	if (libdeflate_zlib_decompress_ex(r->z, z, zn, out, size, &in, &got) != LIBDEFLATE_SUCCESS)
		return -1;
	return in == zn && got == size ? 0 : -1;
}

/* Appends chunk id (inflated) to out, from the reads cache when cached is set and it holds
 * the chunk, and puts the SHA-256 of its bytes in sha. -1 when it is missing or damaged, -2 on
 * a database error (why in err). */
static int
chunk_get(struct pb_state *st, int64_t id, int cached, struct pb_buf *out,
	  unsigned char sha[SHA_LEN], char *err, size_t errlen)
{
	struct pb_body_reads *r = st->body_reads;
	struct rentry *e;
	pb_db_stmt *s;
	int rc, ret = -1;

	if (!r)
		r = st->body_reads = pb_xcalloc(1, sizeof *r);
	e = &r->v[(uint64_t)id % READS_SLOTS];
	if (cached && e->id == id) {
		r->hits++;
		pb_buf_append(out, e->data, e->len);
		memcpy(sha, e->sha, SHA_LEN);
		return 0;
	}
	r->misses++;
	if (!(s = pb_body_stmt(st, B_CHUNK))) {
		snprintf(err, errlen, "%s", pb_state_errmsg(st));
		return -1;
	}
	pb_db_bind_int64(s, 1, id);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW) {
		int64_t size = pb_db_col_int64(s, 0);
		const void *z = pb_db_col_blob(s, 1);
		size_t zn = (size_t)pb_db_col_bytes(s, 1), at = out->len;

		if (size < 0 || size > CHUNK_LIMIT || zn > (size_t)size) {
			snprintf(err, errlen, "chunk %lld has a bad size", (long long)id);
		} else if (zn == (size_t)size) {
			pb_buf_append(out, z, zn);
			ret = 0;
		} else {
			pb_buf_reserve(out, (size_t)size);
			if (inflate_chunk(r, z, zn, (unsigned char *)out->data + out->len,
					  (size_t)size) < 0) {
				snprintf(err, errlen, "chunk %lld does not inflate", (long long)id);
			} else {
				out->len += (size_t)size;
				out->data[out->len] = '\0';
				ret = 0;
			}
		}
		if (ret == 0)
			pb_body_sha256(out->data + at, (size_t)size, sha);
		if (ret == 0 && size <= PB_BODY_PIECE_MAX) {
			free(e->data);
			e->data = pb_xmalloc((size_t)size + 1);
			memcpy(e->data, out->data + at, (size_t)size);
			memcpy(e->sha, sha, SHA_LEN);
			e->len = (uint32_t)size;
			e->id = id;
		}
	} else if (rc == PB_DB_DONE) {
		snprintf(err, errlen, "chunk %lld is missing", (long long)id);
	} else {
		snprintf(err, errlen, "%s", pb_db_errmsg(st->db));
		ret = -2;
	}
	pb_db_reset(s);
	return ret;
}

unsigned long
pb_body_read_hits(const struct pb_state *st)
{
	return st->body_reads ? st->body_reads->hits : 0;
}

#define READ_BATCH 32

/* Keeps chunk id (size bytes, stored as z[0..zn)) in the reads cache, inflated. */
static void
reads_keep(struct pb_body_reads *r, int64_t id, int64_t size, const void *z, size_t zn)
{
	struct rentry *e = &r->v[(uint64_t)id % READS_SLOTS];
	char *d;

	if (size < 0 || size > PB_BODY_PIECE_MAX || zn > (size_t)size)
		return;   /* chunk_get says what is wrong with it */
	d = pb_xmalloc((size_t)size + 1);
	if (zn == (size_t)size)
		memcpy(d, z, zn);
	else if (inflate_chunk(r, z, zn, (unsigned char *)d, (size_t)size) < 0) {
		free(d);
		return;
	}
	pb_body_sha256(d, (size_t)size, e->sha);
	free(e->data);
	e->data = d;
	e->len = (uint32_t)size;
	e->id = id;
}

/* Chunk ids wanted in the reads cache, READ_BATCH to a statement. */
struct want {
	int64_t id[READ_BATCH];
	size_t k;
	int failed;
};

/* Reads the wanted chunks into the cache. Only a help: what it cannot keep, chunk_get reads. */
static void
want_flush(struct pb_state *st, struct want *w)
{
	struct pb_body_reads *r = st->body_reads;
	pb_db_stmt *s;
	int rc;

	if (w->k == 0 || w->failed)
		return;
	if (!(s = pb_body_stmt(st, B_CHUNKS))) {
		w->failed = 1;
		return;
	}
	for (int i = 0; i < READ_BATCH; i++)
		pb_db_bind_int64(s, i + 1, (size_t)i < w->k ? w->id[i] : 0);
	while ((rc = pb_db_step(s)) == PB_DB_ROW)
		reads_keep(r, pb_db_col_int64(s, 0), pb_db_col_int64(s, 1), pb_db_col_blob(s, 2),
			   (size_t)pb_db_col_bytes(s, 2));
	pb_db_reset(s);
	if (rc != PB_DB_DONE)
		w->failed = 1;
	w->k = 0;
}

/* Wants the chunks of list[0..n) the cache lacks (a full batch is read at once). */
static void
want_list(struct pb_state *st, struct want *w, const unsigned char *list, size_t n)
{
	struct pb_body_reads *r = st->body_reads;
	struct pb_body_list l;
	int64_t cid;
	size_t run;

	if (pb_body_list_open(&l, list, n) < 0)
		return;
	while (!w->failed && pb_body_list_step(&l, &cid, &run) == 1) {
		int dup = 0;

		if (cid <= 0 || r->v[(uint64_t)cid % READS_SLOTS].id == cid)
			continue;
		for (size_t i = 0; i < w->k && !dup; i++)
			dup = w->id[i] == cid;
		if (!dup)
			w->id[w->k++] = cid;
		if (w->k == READ_BATCH)
			want_flush(st, w);
	}
}

/* Reads the chunks of list[0..n) the cache lacks, READ_BATCH a statement (on a server, one
 * round trip instead of one a chunk). */
static void
prefetch(struct pb_state *st, const unsigned char *list, size_t n)
{
	struct want w = { .k = 0 };

	if (!st->body_reads)
		st->body_reads = pb_xcalloc(1, sizeof *st->body_reads);
	want_list(st, &w, list, n);
	want_flush(st, &w);
}

void
pb_body_prefetch(struct pb_state *st, const int64_t *ids, size_t n)
{
	struct pb_body_reads *r;
	struct want w = { .k = 0 };

	if (!st->body_reads)
		st->body_reads = pb_xcalloc(1, sizeof *st->body_reads);
	r = st->body_reads;
	rows_clear(r);
	if (n == 0)
		return;
	r->rows = pb_xcalloc(n, sizeof *r->rows);
	/* the rows, READ_BATCH to a statement */
	for (size_t i0 = 0; i0 < n; i0 += READ_BATCH) {
		size_t m = n - i0 < READ_BATCH ? n - i0 : READ_BATCH;
		pb_db_stmt *s = pb_body_stmt(st, B_GETS);
		int rc;

		if (!s)
			return;
		for (int i = 0; i < READ_BATCH; i++)
			pb_db_bind_int64(s, i + 1, (size_t)i < m ? ids[i0 + (size_t)i] : 0);
		while ((rc = pb_db_step(s)) == PB_DB_ROW) {
			struct prow *p;

			if (r->n_rows == n || pb_db_col_int64(s, 0) <= 0)
				continue;   /* none that was not asked for */
			p = &r->rows[r->n_rows];
			p->id = pb_db_col_int64(s, 0);
			p->size = pb_db_col_int64(s, 1);
			p->has_sha = pb_db_col_bytes(s, 2) == SHA_LEN;
			if (p->has_sha)
				memcpy(p->sha, pb_db_col_blob(s, 2), SHA_LEN);
			pb_buf_append(&p->list, pb_db_col_blob(s, 3), (size_t)pb_db_col_bytes(s, 3));
			r->n_rows++;
		}
		pb_db_reset(s);
		if (rc != PB_DB_DONE) {
			rows_clear(r);   /* pb_body_get reads each alone, and says what is wrong */
			return;
		}
	}
	/* their chunks, READ_BATCH to a statement, across the bodies */
	for (size_t i = 0; i < r->n_rows && !w.failed; i++)
		want_list(st, &w, (const unsigned char *)r->rows[i].list.data, r->rows[i].list.len);
	want_flush(st, &w);
}

/* The row of body id read ahead (taken: pb_body_get reads it once), or NULL. */
static struct prow *
row_ahead(struct pb_body_reads *r, int64_t id)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].id == id) {
			r->rows[i].id = 0;
			return &r->rows[i];
		}
	return NULL;
}

/* The chunks of list[0..n) into out, checked against size and want. 0, or -1 (err says why;
 * *dberr set when the database failed rather than the data). */
static int
body_read(struct pb_state *st, const unsigned char *list, size_t n, int64_t size,
	  const unsigned char want[SHA_LEN], int cached, struct pb_buf *out, char *err,
	  size_t errlen, int *dberr)
{
	unsigned char got[SHA_LEN], csha[SHA_LEN];
	struct pb_body_list l;
	struct pb_body_hash bh;
	struct pb_buf raw = { 0 };
	const char *lits = NULL;
	int64_t cid;
	size_t run, used = 0, at;
	int step;

	out->len = 0;
	pb_buf_reserve(out, size > 0 ? (size_t)size : 0);
	if (pb_body_list_open(&l, list, n) < 0 || (int64_t)l.lit_raw > size) {
		snprintf(err, errlen, "its chunk list is damaged");
		return -1;
	}
	/* the body's literal runs, inflated once */
	if (l.lit_raw == l.lit_stored) {
		lits = (const char *)l.lit;
	} else {
		if (!st->body_reads)
			st->body_reads = pb_xcalloc(1, sizeof *st->body_reads);
		pb_buf_reserve(&raw, l.lit_raw);
		if (inflate_chunk(st->body_reads, l.lit, l.lit_stored, (unsigned char *)raw.data,
				  l.lit_raw) < 0) {
			snprintf(err, errlen, "its literal bytes do not inflate");
			pb_buf_free(&raw);
			return -1;
		}
		lits = raw.data;
	}
	if (cached)
		prefetch(st, list, n);
	/* the second encoding's digest as the entries come (pb_body_hash), else the whole's */
	if (l.literals)
		pb_body_hash_init(&bh);
	while (!err[0] && (step = pb_body_list_step(&l, &cid, &run)) != 0) {
		if (step < 0 || run > l.lit_raw - used) {
			snprintf(err, errlen, "its chunk list is damaged");
		} else if (run) {
			pb_buf_append(out, lits + used, run);
			pb_body_hash_lit(&bh, lits + used, run);
			used += run;
		} else {
			at = out->len;
			if (chunk_get(st, cid, cached, out, csha, err, errlen) == -2)
				*dberr = 1;
			else if (!err[0] && l.literals)
				pb_body_hash_chunk(&bh, out->len - at, csha);
		}
	}
	pb_buf_free(&raw);
	if (!err[0] && used != l.lit_raw)
		snprintf(err, errlen, "its chunk list is damaged");
	if (l.literals) {
		if (pb_body_hash_final(&bh, got) < 0 && !err[0])
			snprintf(err, errlen, "SHA-256 failed");
	} else if (!err[0]) {
		pb_body_sha256(out->data ? out->data : "", out->len, got);
	}
	if (!err[0] && ((int64_t)out->len != size || memcmp(got, want, SHA_LEN) != 0))
		snprintf(err, errlen, "the stored payload does not match its SHA-256");
	return err[0] ? -1 : 0;
}

int
pb_body_get(struct pb_state *st, int64_t id, const char *msg_id, char **payload, size_t *len)
{
	struct prow *ahead;
	unsigned char want[SHA_LEN];
	struct pb_buf list = { 0 }, out = { 0 };
	char err[160] = "", why[300];
	int64_t size = 0;
	int rc, ret = -1, dberr = 0;

	*payload = NULL;
	*len = 0;
	if ((ahead = row_ahead(st->body_reads, id))) {
		size = ahead->size;
		if (ahead->has_sha)
			memcpy(want, ahead->sha, SHA_LEN);
		else
			snprintf(err, sizeof err, "its SHA-256 is missing");
		list = ahead->list;
		memset(&ahead->list, 0, sizeof ahead->list);
	} else {
		pb_db_stmt *s = pb_body_stmt(st, B_GET);

		if (!s)
			return -1;
		pb_db_bind_int64(s, 1, id);
		rc = pb_db_step(s);
		if (rc == PB_DB_ROW) {
			size = pb_db_col_int64(s, 0);
			if (pb_db_col_bytes(s, 1) == SHA_LEN)
				memcpy(want, pb_db_col_blob(s, 1), SHA_LEN);
			else
				snprintf(err, sizeof err, "its SHA-256 is missing");
			pb_buf_append(&list, pb_db_col_blob(s, 2), (size_t)pb_db_col_bytes(s, 2));
		}
		pb_db_reset(s);
		if (rc == PB_DB_DONE)
			return 0;
		if (rc != PB_DB_ROW) {
			pb_st_error(st, "body_get");
			return -1;
		}
	}
	if (!err[0] && body_read(st, (const unsigned char *)list.data, list.len, size, want, 1,
				 &out, err, sizeof err, &dberr) < 0 && !dberr) {
		/* Perhaps a cached chunk whose id was given again (see pb_body_reads): once more
		 * from the table alone, the cache emptied. */
		pb_body_reads_forget(st);
		err[0] = '\0';
		body_read(st, (const unsigned char *)list.data, list.len, size, want, 0, &out,
			  err, sizeof err, &dberr);
	}
	if (err[0]) {
		snprintf(why, sizeof why, "message %s: %s", msg_id ? msg_id : "?", err);
		pb_st_fail(st, "outbox_read", why);
		ret = dberr ? -1 : -2;
		goto out;
	}
	if (!out.data)
		pb_buf_reserve(&out, 0);
	*len = out.len;
	*payload = out.data;
	out.data = NULL;
	ret = 1;
out:
	pb_buf_free(&list);
	pb_buf_free(&out);
	return ret;
}
