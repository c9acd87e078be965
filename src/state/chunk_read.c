/* The outbox's message bodies read back from their chunks (chunks.c writes them): the chunk
 * list, each chunk from a cache of those read lately or from the table (a body's missing
 * chunks READ_BATCH to a statement), inflated, and the whole checked against its SHA-256. */
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
#define READS_SLOTS 8192u   /* direct-mapped by id; at most 8 MB of PB_CDC_MAX chunks */
struct pb_body_reads {
	struct rentry {
		int64_t id;    /* 0: empty */
		uint32_t len;
		char *data;
	} v[READS_SLOTS];
	struct libdeflate_decompressor *z;
	unsigned long hits, misses;
};

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
	if (st->body_reads)
		reads_clear(st->body_reads);
}

void
pb_body_reads_free(struct pb_state *st)
{
	struct pb_body_reads *r = st->body_reads;

	if (!r)
		return;
	reads_clear(r);
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
 * the chunk. -1 when it is missing or damaged, -2 on a database error (why in err). */
static int
chunk_get(struct pb_state *st, int64_t id, int cached, struct pb_buf *out, char *err,
	  size_t errlen)
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
		if (ret == 0 && size <= PB_CDC_MAX) {
			free(e->data);
			e->data = pb_xmalloc((size_t)size + 1);
			memcpy(e->data, out->data + at, (size_t)size);
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

	if (size < 0 || size > PB_CDC_MAX || zn > (size_t)size)
		return;   /* chunk_get says what is wrong with it */
	d = pb_xmalloc((size_t)size + 1);
	if (zn == (size_t)size)
		memcpy(d, z, zn);
	else if (inflate_chunk(r, z, zn, (unsigned char *)d, (size_t)size) < 0) {
		free(d);
		return;
	}
	free(e->data);
	e->data = d;
	e->len = (uint32_t)size;
	e->id = id;
}

/* Reads the chunks of list[0..n) the cache lacks, READ_BATCH a statement (on a server, one
 * round trip instead of one a chunk). Only a help: what it cannot keep, chunk_get reads. */
static void
prefetch(struct pb_state *st, const unsigned char *list, size_t n)
{
	struct pb_body_reads *r = st->body_reads;
	int64_t want[READ_BATCH], prev = 0, cid;
	size_t pos = 0, k = 0;

	if (!r)
		r = st->body_reads = pb_xcalloc(1, sizeof *r);
	for (;;) {
		int more = pos < n && pb_body_list_next(list, n, &pos, &prev, &cid) == 0;
		pb_db_stmt *s;
		int rc;

		if (more && cid > 0 && r->v[(uint64_t)cid % READS_SLOTS].id != cid) {
			int dup = 0;

			for (size_t i = 0; i < k && !dup; i++)
				dup = want[i] == cid;
			if (!dup)
				want[k++] = cid;
		}
		if (k < READ_BATCH && more)
			continue;
		if (k == 0 || !(s = pb_body_stmt(st, B_CHUNKS)))
			return;
		for (int i = 0; i < READ_BATCH; i++)
			pb_db_bind_int64(s, i + 1, (size_t)i < k ? want[i] : 0);
		while ((rc = pb_db_step(s)) == PB_DB_ROW)
			reads_keep(r, pb_db_col_int64(s, 0), pb_db_col_int64(s, 1),
				   pb_db_col_blob(s, 2), (size_t)pb_db_col_bytes(s, 2));
		pb_db_reset(s);
		if (rc != PB_DB_DONE || !more)
			return;
		k = 0;
	}
}

/* The chunks of list[0..n) into out, checked against size and want. 0, or -1 (err says why;
 * *dberr set when the database failed rather than the data). */
static int
body_read(struct pb_state *st, const unsigned char *list, size_t n, int64_t size,
	  const unsigned char want[SHA_LEN], int cached, struct pb_buf *out, char *err,
	  size_t errlen, int *dberr)
{
	unsigned char got[SHA_LEN];
	int64_t prev = 0, cid;
	size_t pos = 0;

	out->len = 0;
	pb_buf_reserve(out, size > 0 ? (size_t)size : 0);
	if (cached)
		prefetch(st, list, n);
	while (!err[0] && pos < n) {
		if (pb_body_list_next(list, n, &pos, &prev, &cid) < 0)
			snprintf(err, errlen, "its chunk list is damaged");
		else if (chunk_get(st, cid, cached, out, err, errlen) == -2)
			*dberr = 1;
	}
	if (!err[0]) {
		pb_body_sha256(out->data ? out->data : "", out->len, got);
		if ((int64_t)out->len != size || memcmp(got, want, SHA_LEN) != 0)
			snprintf(err, errlen, "the stored payload does not match its SHA-256");
	}
	return err[0] ? -1 : 0;
}

int
pb_body_get(struct pb_state *st, int64_t id, const char *msg_id, char **payload, size_t *len)
{
	pb_db_stmt *s = pb_body_stmt(st, B_GET);
	unsigned char want[SHA_LEN];
	struct pb_buf list = { 0 }, out = { 0 };
	char err[160] = "", why[300];
	int64_t size = 0;
	int rc, ret = -1, dberr = 0;

	*payload = NULL;
	*len = 0;
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
