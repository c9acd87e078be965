/* The outbox's message bodies, stored as chunks. A payload is cut at content-defined
 * boundaries (cdc.c); each distinct chunk is stored once, keyed by the first 64 bits of its
 * SHA-256 and its length, deflated, with a count of the bodies that use it; a body is its
 * length, its digest (pb_body_hash) and the list of its chunk ids. The blocks a digest
 * repeats from subscriber to subscriber (a paper's abstract, the formats' boilerplate) are
 * then stored once a day, not once per message.
 *
 * A chunk this handle meets for the first time is not made a chunk: it stays in the body as
 * a literal run, with the body's other literal runs deflated together in its list. Most such
 * chunks are a subscriber's own (the greeting, the addresses, the links) and never come again;
 * stored as chunks, each cost a SHA-256, a deflate of its own (whose set-up outweighs a few
 * hundred bytes) and a row with its index entry. A chunk met again (its fast hash seen before)
 * becomes a stored chunk from then on, so a paper's block is stored once and referenced by
 * every body after the first.
 *
 * Reading (chunk_read.c) checks every body against its digest (the whole payload's SHA-256,
 * or for a list in the second encoding the SHA-256 over its entries, each chunk by its own
 * SHA-256: pb_body_hash): a body that does not come back exactly is an error naming the
 * message, never sent. That check, not the chunk key, is what guarantees the bytes: a 64-bit key (8 bytes and a 16-byte index entry per chunk instead of
 * 32 and 40, an eighth of the chunk table at 2,000 subscribers) could only ever make a
 * message fail loudly, with odds of about 1 in 10^5 over 20 million chunks kept, never send a
 * wrong one. Pruning releases the references of the bodies it deletes and deletes the chunks
 * no body uses any more. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <libdeflate.h>

#include "cdc.h"
#include "chunks_int.h"
#include "paperboy/buf.h"
#include "paperboy/hash.h"
#include "paperboy/log.h"
#include "state_internal.h"


static const char *const body_sql[B_COUNT] = {
	[B_PUT] = "INSERT INTO outbox_body(id, size, sha256, chunks) VALUES(?1, ?2, ?3, ?4)",
	[B_GET] = "SELECT size, sha256, chunks FROM outbox_body WHERE id = ?1",
	/* Up to READ_BATCH bodies at once (unused places: 0, no body's id). */
	[B_GETS] = "SELECT id, size, sha256, chunks FROM outbox_body WHERE id IN ("
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		   "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
		   "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
	[B_CHUNK] = "SELECT size, data FROM chunks WHERE id = ?1",
	/* Up to READ_BATCH chunks at once (unused places: 0, no chunk's id). */
	[B_CHUNKS] = "SELECT id, size, data FROM chunks WHERE id IN ("
		     "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
		     "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
		     "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
	[B_UNREF] = "UPDATE chunks SET refs = refs - ?2 WHERE id = ?1",
};

/* The chunks this handle has referenced, and how many more references each has gained in the
 * open transaction: a paper's block, met again in the next subscriber's digest, costs a
 * lookup here instead of a statement. The counts reach the table before the transaction
 * commits (pb_body_flush); a rollback or any failure forgets the whole cache (it may hold
 * chunks that went with it), as pruning does. A chunk gone under it (deleted by another
 * process) makes the flush fail, never a count go astray; and every body read is checked
 * against its SHA-256. */
#define CACHE_MAX (1 << 18)   /* entries kept: about 8 MB */
struct pb_body_cache {
	struct centry {
		int64_t key, size, id;   /* id 0: a free slot */
		long pending;
		long sp_pending;   /* of pending, gained inside the open savepoint (gen) */
		unsigned gen;      /* the savepoint that last touched it */
		int born;          /* inserted or first counted inside that savepoint */
	} *v;
	size_t cap, n;
	int poisoned;   /* a write failed inside the transaction: its counts are unknown */
	/* A savepoint of the caller's (pb_state_savepoint): the entries it touched, by key and
	 * size (a rehash moves slots), so rolling back to it undoes their counts alone. */
	unsigned gen;   /* the open savepoint's number; 0: none open */
	unsigned seq;   /* the last number given */
	int sp_failed;  /* a put failed inside it: its counts are unknown until rolled back */
	struct { int64_t key, size; } *touched;
	size_t n_touched, cap_touched;
	/* The entries whose pending count went up since the last flush (a flush writes these
	 * alone, not the whole table: a commit with nothing to write costs nothing). */
	struct { int64_t key, size; } *dirty;
	size_t n_dirty, cap_dirty;
	/* The compressor of new chunks, kept for the handle. */
	struct libdeflate_compressor *z;
	/* The chunker's gear table, filled once for the handle. */
	struct pb_cdc cdc;
	int cdc_ready;
	/* The fast hashes of the chunks met (open addressing, 0 empty; emptied when half full):
	 * a chunk met for the first time stays a literal in its body. */
	struct pb_seen seen;
	/* Chunks met more than once, by a fast hash of their bytes, with their key: a paper's
	 * block, met again in every subscriber's digest, is recognised by comparing its bytes
	 * instead of computing its SHA-256 again. A bytes-to-key map, so it is right whatever the
	 * transactions do; kept across them. Direct-mapped: at most FAST_SLOTS x PB_CDC_MAX. */
	struct fentry {
		uint64_t fh;
		int64_t key;
		uint32_t size;   /* 0: empty */
		unsigned char sha[SHA_LEN];
		unsigned char *bytes;
	} *fast;
	/* The stretches between two pieces met before, by a fast hash of their bytes, with how
	 * they were cut and what each cut was: a paper's heading in a digest (its rank, its
	 * topic, its score, the markup around them), the same in many digests, is recognised
	 * whole by comparing its bytes instead of cut and hashed again chunk by chunk. Only a
	 * stretch cut wholly into chunks the fast table knew and literals too short to be
	 * chunks is kept: cutting it again would give the same entries. Like the fast table, a
	 * map from bytes to what is derived from them alone, kept across transactions;
	 * direct-mapped: at most GAP_SLOTS x GAP_MAX bytes. */
	struct gap {
		uint64_t fh;
		uint32_t len;   /* 0: empty */
		uint32_t n;
		unsigned char *bytes;
		struct gent {
			uint32_t k;     /* its length */
			int lit;        /* a short literal run; else a chunk: */
			uint64_t fh;
			int64_t key;
			unsigned char sha[SHA_LEN];
		} *e;
	} *gaps;
};
#define FAST_SLOTS 16384u
#define GAP_SLOTS 1024u
#define GAP_MAX 4096u
#define SEEN_SLOTS (1u << 19)   /* 4 MB */

/* The statement kept in *slot, reset and unbound; prepared from sql the first time (sql may be
 * NULL once it is kept). NULL on error (logged). */
static pb_db_stmt *
kept_stmt(struct pb_state *st, pb_db_stmt **slot, const char *sql)
{
	if (!*slot && !(*slot = pb_db_prepare(st->db, sql, 1))) {
		pb_st_error(st, "prepare");
		return NULL;
	}
	pb_db_reset(*slot);
	pb_db_clear_bindings(*slot);
	return *slot;
}

/* The statement of n rows kept in slot[n]: head, then row (a format of up to three numbered
 * parameters, per_row of them) n times joined by sep, then tail. */
static pb_db_stmt *
rows_stmt(struct pb_state *st, pb_db_stmt **slot, size_t n, const char *head, const char *row,
	  size_t per_row, const char *sep, const char *tail)
{
	struct pb_buf sql = { 0 };
	pb_db_stmt *s;

	if (slot[n])
		return kept_stmt(st, &slot[n], NULL);
	pb_buf_puts(&sql, head);
	for (size_t i = 0; i < n; i++) {
		if (i)
			pb_buf_puts(&sql, sep);
		pb_buf_printf(&sql, row, per_row * i + 1, per_row * i + 2, per_row * i + 3);
	}
	pb_buf_puts(&sql, tail);
	s = kept_stmt(st, &slot[n], pb_buf_str(&sql));
	pb_buf_free(&sql);
	return s;
}

pb_db_stmt *
pb_body_stmt(struct pb_state *st, enum body_stmt_id id)
{
	return kept_stmt(st, &st->body_stmt[id], body_sql[id]);
}

/* Frees what the cache derived from bytes alone (the seen set, the fast and gap tables):
 * rebuilt as chunks are met again. */
static void
bytes_tables_free(struct pb_body_cache *c)
{
	if (c->fast) {
		for (size_t i = 0; i < FAST_SLOTS; i++)
			free(c->fast[i].bytes);
		free(c->fast);
		c->fast = NULL;
	}
	if (c->gaps) {
		for (size_t i = 0; i < GAP_SLOTS; i++) {
			free(c->gaps[i].bytes);
			free(c->gaps[i].e);
		}
		free(c->gaps);
		c->gaps = NULL;
	}
	pb_seen_free(&c->seen);
}

void
pb_body_close(struct pb_state *st)
{
	if (st->body_cache) {
		free(st->body_cache->v);
		free(st->body_cache->touched);
		free(st->body_cache->dirty);
		bytes_tables_free(st->body_cache);
		if (st->body_cache->z)
			libdeflate_free_compressor(st->body_cache->z);
	}
	free(st->body_cache);
	st->body_cache = NULL;
	pb_body_reads_free(st);
	for (int i = 0; i < B_COUNT; i++) {
		pb_db_finalize(st->body_stmt[i]);
		st->body_stmt[i] = NULL;
	}
	for (int i = 0; i <= PB_BODY_UPSERT_ROWS; i++) {
		pb_db_finalize(st->body_upsert[i]);
		pb_db_finalize(st->body_addref[i]);
		st->body_upsert[i] = NULL;
		st->body_addref[i] = NULL;
	}
}

/* ---- the chunk list: ids as zigzag deltas in LEB128 varints (mostly one byte each, since a
 * paper's chunks are stored one after another) ---- */

static void
put_varint(struct pb_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		pb_buf_putc(b, (char)((v & 0x7f) | 0x80));
		v >>= 7;
	}
	pb_buf_putc(b, (char)v);
}

static int
get_varint(const unsigned char *p, size_t n, size_t *pos, uint64_t *v)
{
	int shift = 0;

	*v = 0;
	for (;;) {
		unsigned char c;

		if (*pos >= n || shift > 63)
			return -1;
		c = p[(*pos)++];
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
		shift += 7;
	}
}

/* A signed delta as an unsigned number, small either way (zigzag), and back. */
static uint64_t
zigzag(int64_t d)
{
	return d < 0 ? ((uint64_t)(-(d + 1)) << 1) | 1 : (uint64_t)d << 1;
}

static int64_t
unzigzag(uint64_t v)
{
	return v & 1 ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1);
}

void
pb_body_list_add(struct pb_buf *b, int64_t *prev, int64_t id)
{
	put_varint(b, zigzag(id - *prev));
	*prev = id;
}

int
pb_body_list_next(const unsigned char *p, size_t n, size_t *pos, int64_t *prev, int64_t *id)
{
	uint64_t v;

	if (get_varint(p, n, pos, &v) < 0)
		return -1;
	*prev += unzigzag(v);
	*id = *prev;
	return 0;
}

/* ---- the second encoding: literal runs beside the chunk ids ----
 *
 *   0x01, varint L, varint Z, Z bytes: the body's literal bytes (L of them), as they are when
 *   Z == L, else a zlib stream; then the entries, each a varint v: v & 1, a run of the next
 *   v >> 1 literal bytes; else a chunk, its id's zigzag delta from the last chunk's in v >> 1.
 *
 * The first encoding's first byte is even (its first entry is an id above 0, doubled), so the
 * leading 0x01 tells the two apart. */
#define LIST_LITERALS 0x01

int
pb_body_list_open(struct pb_body_list *l, const void *p, size_t n)
{
	uint64_t raw, stored;

	memset(l, 0, sizeof *l);
	l->p = p;
	l->n = n;
	if (n == 0 || !(l->p[0] & 1))
		return 0;   /* the first encoding */
	if (l->p[0] != LIST_LITERALS)
		return -1;
	l->pos = 1;
	l->literals = 1;
	if (get_varint(l->p, n, &l->pos, &raw) < 0 || get_varint(l->p, n, &l->pos, &stored) < 0 ||
	    raw > CHUNK_LIMIT * (uint64_t)64 || stored > n - l->pos || stored > raw ||
	    (raw && !stored))
		return -1;
	l->lit_raw = (size_t)raw;
	l->lit_stored = (size_t)stored;
	l->lit = l->p + l->pos;
	l->pos += (size_t)stored;
	return 0;
}

int
pb_body_list_step(struct pb_body_list *l, int64_t *id, size_t *lit)
{
	uint64_t v;

	*id = 0;
	*lit = 0;
	if (l->pos >= l->n)
		return 0;
	if (!l->literals)
		return pb_body_list_next(l->p, l->n, &l->pos, &l->prev, id) < 0 ? -1 : 1;
	if (get_varint(l->p, l->n, &l->pos, &v) < 0)
		return -1;
	if (v & 1) {
		if ((v >> 1) == 0 || (v >> 1) > l->lit_raw)
			return -1;
		*lit = (size_t)(v >> 1);
		return 1;
	}
	l->prev += unzigzag(v >> 1);
	*id = l->prev;
	return *id > 0 ? 1 : -1;
}

/* SHA-256 through one implementation fetched once for the process: EVP_sha256() looks the
 * provider up again at every call (a lock and a search), which cost more than hashing a
 * chunk of a few hundred bytes. */
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha_md;

static void
sha_fetch(void)
{
	sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
pb_body_sha256(const void *p, size_t n, unsigned char out[SHA_LEN])
{
	unsigned int len = SHA_LEN;
	EVP_MD_CTX *c;

	pthread_once(&sha_once, sha_fetch);
	if (!sha_md || !(c = EVP_MD_CTX_new())) {
		EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
		return;
	}
	if (!EVP_DigestInit_ex2(c, sha_md, NULL) || !EVP_DigestUpdate(c, p, n) ||
	    !EVP_DigestFinal_ex(c, out, &len))
		EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
	EVP_MD_CTX_free(c);
}

void
pb_body_hash_init(struct pb_body_hash *h)
{
	pthread_once(&sha_once, sha_fetch);
	h->n = 0;
	h->ctx = EVP_MD_CTX_new();
	h->failed = !h->ctx || !EVP_DigestInit_ex2(h->ctx, sha_md ? sha_md : EVP_sha256(), NULL);
}

static void
hash_flush(struct pb_body_hash *h)
{
	if (h->n && !h->failed && !EVP_DigestUpdate(h->ctx, h->buf, h->n))
		h->failed = 1;
	h->n = 0;
}

/* An entry: its head and bytes gathered in buf (a body's entries are a few dozen bytes each,
 * and each call into libcrypto costs more than hashing them), a long run hashed as it is. */
static void
hash_entry(struct pb_body_hash *h, char type, size_t len, const void *p, size_t n)
{
	unsigned char *o;
	uint64_t v = len;

	if (h->n + 9 + n > sizeof h->buf)
		hash_flush(h);
	o = h->buf + h->n;
	o[0] = (unsigned char)type;
	for (int i = 0; i < 8; i++)
		o[1 + i] = (unsigned char)(v >> (8 * i));
	h->n += 9;
	if (h->n + n <= sizeof h->buf) {
		memcpy(h->buf + h->n, p, n);
		h->n += n;
		return;
	}
	hash_flush(h);
	if (!h->failed && !EVP_DigestUpdate(h->ctx, p, n))
		h->failed = 1;
}

void
pb_body_hash_lit(struct pb_body_hash *h, const void *p, size_t n)
{
	hash_entry(h, 'L', n, p, n);
}

void
pb_body_hash_chunk(struct pb_body_hash *h, size_t size, const unsigned char sha[SHA_LEN])
{
	hash_entry(h, 'C', size, sha, SHA_LEN);
}

int
pb_body_hash_final(struct pb_body_hash *h, unsigned char out[SHA_LEN])
{
	unsigned int len = SHA_LEN;

	hash_flush(h);
	if (h->failed || !EVP_DigestFinal_ex(h->ctx, out, &len))
		h->failed = 1;
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	if (h->failed)
		memset(out, 0, SHA_LEN);
	return h->failed ? -1 : 0;
}

/* A chunk's key: the first 64 bits of its SHA-256. */
static int64_t
sha_key(const unsigned char sha[SHA_LEN])
{
	uint64_t k = 0;

	for (int i = 0; i < 8; i++)
		k = k << 8 | sha[i];
	return (int64_t)k;
}

/* The key of the chunk p[0..n), its SHA-256 into sha. */
static int64_t
chunk_key(const void *p, size_t n, unsigned char sha[SHA_LEN])
{
	pb_body_sha256(p, n, sha);
	return sha_key(sha);
}

/* ---- writing ---- */

static struct centry *
cache_slot(struct pb_body_cache *c, int64_t key, int64_t size)
{
	size_t i = (size_t)((uint64_t)key ^ (uint64_t)size) & (c->cap - 1);

	while (c->v[i].id && (c->v[i].key != key || c->v[i].size != size))
		i = (i + 1) & (c->cap - 1);
	return &c->v[i];
}

/* Notes that e gained a reference (born: its row was written) inside the open savepoint. */
static void
sp_touch(struct pb_body_cache *c, struct centry *e, int born)
{
	if (!c->gen)
		return;
	if (e->gen != c->gen) {
		e->gen = c->gen;
		e->sp_pending = 0;
		e->born = born;
		if (c->n_touched == c->cap_touched) {
			c->cap_touched = c->cap_touched ? 2 * c->cap_touched : 256;
			c->touched = pb_xrealloc(c->touched, c->cap_touched * sizeof *c->touched);
		}
		c->touched[c->n_touched].key = e->key;
		c->touched[c->n_touched].size = e->size;
		c->n_touched++;
	}
	if (!born)
		e->sp_pending++;
}

static void
cache_add(struct pb_state *st, int64_t key, int64_t size, int64_t id)
{
	struct pb_body_cache *c = st->body_cache;
	struct centry *e;

	if (!c)
		c = st->body_cache = pb_xcalloc(1, sizeof *c);
	if (c->n * 2 >= c->cap) {
		struct centry *old = c->v;
		size_t ocap = c->cap;

		c->cap = c->cap ? c->cap * 2 : 1024;
		c->v = pb_xcalloc(c->cap, sizeof *c->v);
		for (size_t i = 0; i < ocap; i++)
			if (old[i].id)
				*cache_slot(c, old[i].key, old[i].size) = old[i];
		free(old);
	}
	e = cache_slot(c, key, size);
	if (!e->id)
		c->n++;
	*e = (struct centry){ .key = key, .size = size, .id = id };
	sp_touch(c, e, 1);
}

void
pb_body_drop(struct pb_state *st, int poison)
{
	struct pb_body_cache *c = st->body_cache;

	if (!c)
		return;
	if (c->v)
		memset(c->v, 0, c->cap * sizeof *c->v);
	c->n = 0;
	c->poisoned = poison;
	c->n_touched = 0;
	c->n_dirty = 0;
	c->sp_failed = 0;
}

/* e's pending count is about to go up: listed for the next flush when it was 0. */
static void
mark_dirty(struct pb_body_cache *c, struct centry *e)
{
	if (e->pending)
		return;   /* listed already (a repeat is harmless: the flush zeroes it) */
	if (c->n_dirty == c->cap_dirty) {
		c->cap_dirty = c->cap_dirty ? 2 * c->cap_dirty : 1024;
		c->dirty = pb_xrealloc(c->dirty, c->cap_dirty * sizeof *c->dirty);
	}
	c->dirty[c->n_dirty].key = e->key;
	c->dirty[c->n_dirty].size = e->size;
	c->n_dirty++;
}

void
pb_body_savepoint(struct pb_state *st)
{
	struct pb_body_cache *c = st->body_cache;

	if (!c)
		c = st->body_cache = pb_xcalloc(1, sizeof *c);
	if (++c->seq == 0)
		c->seq = 1;
	c->gen = c->seq;
	c->n_touched = 0;
	c->sp_failed = 0;
}

void
pb_body_release(struct pb_state *st)
{
	struct pb_body_cache *c = st->body_cache;

	if (!c)
		return;
	if (c->sp_failed)   /* kept although a put failed: the counts are unknown */
		c->poisoned = 1;
	c->gen = 0;
	c->n_touched = 0;
	c->sp_failed = 0;
}

void
pb_body_rolled_back(struct pb_state *st)
{
	struct pb_body_cache *c = st->body_cache;
	int born = 0;

	if (!c)
		return;
	for (size_t i = 0; i < c->n_touched && c->cap; i++) {
		struct centry *e = cache_slot(c, c->touched[i].key, c->touched[i].size);

		if (!e->id || e->gen != c->gen)
			continue;
		if (e->born) {
			e->pending = 0;   /* its row went with the savepoint */
			born = 1;
		} else {
			e->pending -= e->sp_pending;
		}
		e->sp_pending = 0;
	}
	c->gen = 0;
	c->n_touched = 0;
	c->sp_failed = 0;
	/* Entries whose rows are gone cannot stay: the others' counts are written first (the
	 * transaction goes on), then the cache starts again. */
	if (born && pb_body_flush(st) == 0)
		pb_body_drop(st, 0);
}

void
pb_body_failed(struct pb_state *st, int alone)
{
	struct pb_body_cache *c = st->body_cache;

	if (!alone && c && c->gen)
		c->sp_failed = 1;   /* the caller's savepoint decides (pb_body_rolled_back) */
	else
		pb_body_drop(st, !alone);
}

/* The statement adding counts to n chunks at once (rows ?1..?2n: id, count), the rows as
 * SELECTs: SQLite names no column of a VALUES list. */
static pb_db_stmt *
addref_stmt(struct pb_state *st, size_t n)
{
	return rows_stmt(st, st->body_addref, n, "UPDATE chunks SET refs = refs + v.n FROM (",
			 "SELECT CAST(?%zu AS BIGINT) AS id, CAST(?%zu AS BIGINT) AS n", 2,
			 " UNION ALL ", ") AS v WHERE chunks.id = v.id");
}

int
pb_body_flush(struct pb_state *st)
{
	struct pb_body_cache *c = st->body_cache;
	struct centry *batch[PB_BODY_UPSERT_ROWS];
	size_t nb = 0;

	if (!c)
		return 0;
	if (c->poisoned) {
		pb_st_fail(st, "commit", "a write failed inside the transaction: rolled back");
		return -1;
	}
	/* The counts gained, up to PB_BODY_UPSERT_ROWS chunks per statement (each listed once:
	 * a repeat in the dirty list has its count zeroed by then). */
	for (size_t i = 0; i <= c->n_dirty && c->cap; i++) {
		struct centry *e = NULL;
		pb_db_stmt *s;

		if (i < c->n_dirty) {
			e = cache_slot(c, c->dirty[i].key, c->dirty[i].size);
			if (!e->id || !e->pending)
				continue;
			for (size_t k = 0; k < nb; k++)
				if (batch[k] == e)
					e = NULL;
			if (e)
				batch[nb++] = e;
			if (nb < PB_BODY_UPSERT_ROWS && i + 1 < c->n_dirty)
				continue;
		}
		if (nb == 0)
			continue;
		if (!(s = addref_stmt(st, nb)))
			goto fail;
		for (size_t k = 0; k < nb; k++) {
			pb_db_bind_int64(s, (int)(2 * k + 1), batch[k]->id);
			pb_db_bind_int64(s, (int)(2 * k + 2), batch[k]->pending);
		}
		if (pb_st_run(st, s, "chunk_ref") < 0)
			goto fail;
		if (pb_db_changes(st->db) != (long)nb) {
			pb_st_fail(st, "chunk_ref", "a chunk referenced in this transaction is gone");
			goto fail;
		}
		for (size_t k = 0; k < nb; k++)
			batch[k]->pending = 0;
		nb = 0;
	}
	c->n_dirty = 0;
	if (c->n > CACHE_MAX)
		pb_body_drop(st, 0);
	return 0;
fail:
	pb_body_drop(st, 1);
	return -1;
}

/* Deflates a chunk (at most PB_BODY_PIECE_MAX bytes) into z (*zn bytes, its room on entry): a zlib
 * stream (RFC 1950), as zlib's compress2() makes and inflate() reads, through libdeflate, which
 * compresses a buffer whole without a stream to set up: for chunks of a few hundred bytes,
 * twice as fast as zlib at the same size. Level 1: on a day of 2,000 subscribers' digests
 * (make bench ONLY=store) the state is 3.74 KB a subscriber against 3.72 at level 6, and the
 * build stage of 2,000 (make bench ONLY=scale) took 1,086 ms against 1,171 (medians of 3). */
static int
deflate_chunk(struct pb_state *st, const unsigned char *p, size_t n, unsigned char *z,
	      size_t *zn)
{
	struct pb_body_cache *c = st->body_cache;
	size_t got;

	if (!c)
		c = st->body_cache = pb_xcalloc(1, sizeof *c);
	if (!c->z && !(c->z = libdeflate_alloc_compressor(1)))
		return -1;
	got = libdeflate_zlib_compress(c->z, p, n, z, *zn);
	if (got == 0)
		return -1;   /* no room: kept as it is */
	*zn = got;
	return 0;
}

/* A fast 64-bit hash of a chunk's bytes (hash.h's, eight at a time): only to find a
 * candidate in the fast table, whose bytes are then compared; never stored. */
static uint64_t
fast_hash(const unsigned char *p, size_t n)
{
	return pb_hash64_mem(p, n);
}

/* Whether the fast table holds the chunk p[0..n): then *key is its key, sha its SHA-256. */
static int
fast_key(struct pb_body_cache *c, const unsigned char *p, size_t n, uint64_t fh, int64_t *key,
	 unsigned char sha[SHA_LEN])
{
	struct fentry *f;

	if (!c->fast)
		return 0;
	f = &c->fast[fh % FAST_SLOTS];
	if (f->size != n || f->fh != fh || !f->bytes || memcmp(f->bytes, p, n) != 0)
		return 0;
	*key = f->key;
	memcpy(sha, f->sha, SHA_LEN);
	return 1;
}

/* Whether the fast table holds the piece x (its hashes known): then *key is its key. */
static int
fast_key_piece(struct pb_body_cache *c, const struct pb_body_piece *x, int64_t *key)
{
	struct fentry *f;

	if (!c->fast)
		return 0;
	f = &c->fast[x->fh % FAST_SLOTS];
	if (f->size != x->len || f->fh != x->fh || memcmp(f->sha, x->sha, SHA_LEN) != 0)
		return 0;
	*key = f->key;
	return 1;
}

void
pb_body_piece_hash(struct pb_body_piece *x, const void *p, size_t n)
{
	x->len = (uint32_t)n;
	x->fh = fast_hash(p, n);
	pb_body_sha256(p, n, x->sha);
}

struct pb_body_piece *
pb_body_pieces(const void *p, size_t n, size_t *count)
{
	const unsigned char *b = p;
	struct pb_body_piece *v;

	*count = (n + PB_BODY_PIECE_MAX - 1) / PB_BODY_PIECE_MAX;
	v = pb_xcalloc(*count ? *count : 1, sizeof *v);
	for (size_t i = 0, off = 0; i < *count; i++, off += PB_BODY_PIECE_MAX)
		pb_body_piece_hash(&v[i], b + off,
				   n - off < PB_BODY_PIECE_MAX ? n - off : PB_BODY_PIECE_MAX);
	return v;
}

void
pb_body_hints_push(struct pb_body_hints *h, size_t off, const struct pb_body_piece *x)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 32;
		h->v = pb_xreallocarray(h->v, h->cap, sizeof *h->v);
	}
	h->v[h->n++] = (struct pb_body_hint){ .off = off, .piece = x };
}

void
pb_body_hints_free(struct pb_body_hints *h)
{
	free(h->v);
	memset(h, 0, sizeof *h);
}

_Static_assert(PB_BODY_PIECE_MAX >= PB_CDC_MAX, "a content-defined chunk is a piece");

/* Whether the hints are pieces of a payload of len bytes in order, none overlapping. */
static int
hints_ok(const struct pb_body_hint *h, size_t n, size_t len)
{
	size_t end = 0;

	for (size_t i = 0; i < n; i++) {
		if (!h[i].piece || h[i].piece->len == 0 || h[i].piece->len > PB_BODY_PIECE_MAX ||
		    h[i].off < end || h[i].off > len || len - h[i].off < h[i].piece->len)
			return 0;
		end = h[i].off + h[i].piece->len;
	}
	return 1;
}

/* Whether a chunk of fast hash fh was met before by this handle; it is noted as met
 * (forgotten, a chunk met again only becomes a literal once more). */
static int
seen_before(struct pb_body_cache *c, uint64_t fh)
{
	return pb_seen_again(&c->seen, SEEN_SLOTS, fh);
}

/* Remembers a chunk met again (its key known) in the fast table: with its bytes when it is
 * at most a content-defined chunk long (a chunk found by cutting is recognised by its bytes),
 * else without (a longer one is a piece, recognised by its hashes: fast_key_piece). */
static void
fast_add(struct pb_body_cache *c, const unsigned char *p, size_t n, uint64_t fh, int64_t key,
	 const unsigned char sha[SHA_LEN])
{
	struct fentry *f;

	if (n == 0 || n > PB_BODY_PIECE_MAX)
		return;
	if (!c->fast)
		c->fast = pb_xcalloc(FAST_SLOTS, sizeof *c->fast);
	f = &c->fast[fh % FAST_SLOTS];
	if (f->size == n && f->fh == fh && f->key == key)
		return;
	if (n > PB_CDC_MAX) {
		free(f->bytes);
		f->bytes = NULL;
	} else {
		if (!f->bytes || f->size < n) {
			free(f->bytes);
			f->bytes = pb_xmalloc(n);
		}
		memcpy(f->bytes, p, n);
	}
	memcpy(f->sha, sha, SHA_LEN);
	f->fh = fh;
	f->key = key;
	f->size = (uint32_t)n;
}

/* The chunks of a body this handle has not met, written together: one statement for up to
 * PB_BODY_UPSERT_ROWS of them (one round trip to a server, not one each). Each is deflated
 * (kept as it is when that does not make it smaller); a chunk met twice in the batch is in it
 * once and counted again after. */
struct upsert {
	size_t n;
	struct urow {
		int64_t key, id;
		size_t size, zn;
		long again;   /* further uses in this body before the batch was written */
		unsigned char z[PB_BODY_PIECE_MAX + 64];
	} row[PB_BODY_UPSERT_ROWS];
};

/* A key taken by a chunk of another size returns no row for it: an error. */
static pb_db_stmt *
upsert_stmt(struct pb_state *st, size_t n)
{
	return rows_stmt(st, st->body_upsert, n, "INSERT INTO chunks(hash, refs, size, data) VALUES",
			 "(?%zu, 1, ?%zu, ?%zu)", 3, ", ",
			 " ON CONFLICT(hash) DO UPDATE SET refs = chunks.refs + 1"
			 " WHERE chunks.size = excluded.size RETURNING hash, id");
}

/* Writes the batch: each row's id, in the cache as a chunk this handle has met. */
static int
upsert_flush(struct pb_state *st, struct upsert *u)
{
	pb_db_stmt *s;
	int rc;

	if (u->n == 0)
		return 0;
	if (!(s = upsert_stmt(st, u->n)))
		return -1;
	for (size_t i = 0; i < u->n; i++) {
		pb_db_bind_int64(s, (int)(3 * i + 1), u->row[i].key);
		pb_db_bind_int64(s, (int)(3 * i + 2), (int64_t)u->row[i].size);
		pb_db_bind_blob(s, (int)(3 * i + 3), u->row[i].z, u->row[i].zn);
		u->row[i].id = 0;
	}
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		int64_t key = pb_db_col_int64(s, 0), id = pb_db_col_int64(s, 1);

		for (size_t i = 0; i < u->n; i++)
			if (u->row[i].key == key)
				u->row[i].id = id;
	}
	pb_db_reset(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "chunk_ref");
		return -1;
	}
	for (size_t i = 0; i < u->n; i++) {
		struct centry *e;

		if (u->row[i].id <= 0) {
			pb_st_fail(st, "chunk_ref", "two chunks of different sizes share a key");
			return -1;
		}
		cache_add(st, u->row[i].key, (int64_t)u->row[i].size, u->row[i].id);
		if (u->row[i].again) {
			e = cache_slot(st->body_cache, u->row[i].key, (int64_t)u->row[i].size);
			mark_dirty(st->body_cache, e);
			e->pending += u->row[i].again;
			sp_touch(st->body_cache, e, 0);
		}
	}
	return 0;
}

/* Adds the chunk p[0..n) (key) to the batch: its place there, or -1 on error. */
static int
upsert_add(struct pb_state *st, struct upsert *u, const unsigned char *p, size_t n, int64_t key)
{
	struct urow *r;

	for (size_t i = 0; i < u->n; i++)
		if (u->row[i].key == key) {
			if (u->row[i].size != n) {
				pb_st_fail(st, "chunk_ref",
					   "two chunks of different sizes share a key");
				return -1;
			}
			u->row[i].again++;
			return (int)i;
		}
	r = &u->row[u->n];
	*r = (struct urow){ .key = key, .size = n, .zn = sizeof r->z };
	if (deflate_chunk(st, p, n, r->z, &r->zn) != 0 || r->zn >= n) {
		memcpy(r->z, p, n);   /* a stored chunk as long as its size is one not deflated */
		r->zn = n;
	}
	return (int)u->n++;
}

int
pb_body_lock(struct pb_state *st)
{
	pb_db_stmt *s;
	int rc;

	if (pb_db_backend(st->db) != PB_DB_POSTGRESQL)
		return 0;
	/* held already by this transaction: no round trip (begin, commit, rollback and a
	 * rollback to a savepoint forget it) */
	if (st->body_locked && pb_db_in_transaction(st->db))
		return 0;
	if (!(s = pb_st_prepare(st, "SELECT pg_advisory_xact_lock(7366371012)", "chunks lock")))
		return -1;
	rc = pb_db_step(s);
	if (rc != PB_DB_ROW)
		pb_st_error(st, "chunks lock");
	pb_db_finalize(s);
	st->body_locked = rc == PB_DB_ROW;
	return rc == PB_DB_ROW ? 0 : -1;
}

/* The stretch p[0..n) (fast hash fh) as the gap table holds it, or NULL. */
static const struct gap *
gap_find(const struct pb_body_cache *c, const unsigned char *p, size_t n, uint64_t fh)
{
	const struct gap *g;

	if (!c->gaps)
		return NULL;
	g = &c->gaps[fh % GAP_SLOTS];
	if (g->len != n || g->fh != fh || memcmp(g->bytes, p, n) != 0)
		return NULL;
	return g;
}

/* Keeps the stretch p[0..n) (fast hash fh) with its entries e[0..ne). */
static void
gap_keep(struct pb_body_cache *c, const unsigned char *p, size_t n, uint64_t fh,
	 const struct gent *e, size_t ne)
{
	struct gap *g;

	if (n == 0 || n > GAP_MAX || ne == 0)
		return;
	if (!c->gaps)
		c->gaps = pb_xcalloc(GAP_SLOTS, sizeof *c->gaps);
	g = &c->gaps[fh % GAP_SLOTS];
	if (!g->bytes || g->len < n) {
		free(g->bytes);
		g->bytes = pb_xmalloc(n);
	}
	if (!g->e || g->n < ne) {
		free(g->e);
		g->e = pb_xreallocarray(NULL, ne, sizeof *g->e);
	}
	memcpy(g->bytes, p, n);
	memcpy(g->e, e, ne * sizeof *e);
	g->fh = fh;
	g->len = (uint32_t)n;
	g->n = (uint32_t)ne;
}

/* A body worked out from its payload alone (pb_body_prepare): its entries, its digest and its
 * literal bytes encoded as its list begins. What is left to do needs the database: the
 * chunks' ids, the new chunks stored, the row (pb_body_put_prepared). */
struct pb_body_prep {
	size_t len;                     /* the payload's */
	unsigned char sha[SHA_LEN];     /* the body's digest (pb_body_hash) */
	int failed;                     /* a digest or a compressor could not be made */
	struct pb_buf head;             /* the list's literal part */
	size_t n, cap;
	struct pentry {
		uint32_t off, k;        /* its bytes in the payload */
		int lit;                /* a literal run; else a chunk of this key: */
		int64_t key;
	} *e;
};

void
pb_body_prep_free(struct pb_body_prep *b)
{
	if (!b)
		return;
	pb_buf_free(&b->head);
	free(b->e);
	free(b);
}

size_t
pb_body_prep_len(const struct pb_body_prep *b)
{
	return b ? b->len : 0;
}

/* The literal part of a list in the second encoding: its literal bytes lits, deflated when
 * that makes them shorter. */
static int
head_encode(struct pb_body_cache *c, struct pb_buf *list, const struct pb_buf *lits)
{
	size_t zn = 0;

	pb_buf_putc(list, LIST_LITERALS);
	put_varint(list, lits->len);
	if (lits->len) {
		if (!c->z && !(c->z = libdeflate_alloc_compressor(1)))
			return -1;
		zn = libdeflate_zlib_compress_bound(c->z, lits->len);
		pb_buf_reserve(list, 10 + zn);
		zn = libdeflate_zlib_compress(c->z, lits->data, lits->len,
					      list->data + list->len + 10, zn);
	}
	if (zn > 0 && zn < lits->len) {
		/* the stream was written past room for its length: moved to after it */
		char *z = list->data + list->len + 10;

		put_varint(list, zn);
		memmove(list->data + list->len, z, zn);
		list->len += zn;
		list->data[list->len] = '\0';
	} else {
		put_varint(list, lits->len);
		pb_buf_append(list, lits->data, lits->len);
	}
	return 0;
}

/* A new entry of b, for k bytes at off. */
static struct pentry *
prep_push(struct pb_body_prep *b, size_t off, size_t k)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->e = pb_xreallocarray(b->e, b->cap, sizeof *b->e);
	}
	b->e[b->n] = (struct pentry){ .off = (uint32_t)off, .k = (uint32_t)k };
	return &b->e[b->n++];
}

/* The last entry of b, when a literal run, is whole (its bytes the last of lits): into the
 * body's digest. */
static void
lit_done(const struct pb_body_prep *b, struct pb_body_hash *bh, const struct pb_buf *lits)
{
	if (b->n > 0 && b->e[b->n - 1].lit)
		pb_body_hash_lit(bh, lits->data + lits->len - b->e[b->n - 1].k, b->e[b->n - 1].k);
}

struct pb_body_prep *
pb_body_prepare(struct pb_state *st, const void *payload, size_t len,
		const struct pb_body_hint *hints, size_t n_hints)
{
	const unsigned char *p = payload;
	struct pb_body_prep *b = pb_xcalloc(1, sizeof *b);
	struct pb_buf lits = { 0 };
	struct pb_body_cache *c;
	struct pb_body_hash bh;
	size_t off = 0, hi = 0;
	/* A stretch between pieces replayed from the gap table (rp, its next entry ri), or cut
	 * and noted (from g_off to g_end, 0 when none; g_ok while it can be kept). */
	const struct gap *rp = NULL;
	size_t ri = 0, g_off = 0, g_end = 0, n_rec = 0, cap_rec = 0;
	uint64_t g_fh = 0;
	int g_ok = 0;
	struct gent *rec = NULL;

	b->len = len;
	if (len >= UINT32_MAX) {
		b->failed = 1;   /* no payload is near that long: refused */
		return b;
	}
	if (!(c = st->body_cache))
		c = st->body_cache = pb_xcalloc(1, sizeof *c);
	if (n_hints && !hints_ok(hints, n_hints, len))
		n_hints = 0;
	if (!c->cdc_ready) {
		pb_cdc_init(&c->cdc);
		c->cdc_ready = 1;
	}
	pb_body_hash_init(&bh);
	while (off < len) {
		const struct pb_body_piece *x = NULL;
		struct pentry *e;
		size_t k;
		uint64_t fh;
		int64_t key = 0;
		unsigned char h1[SHA_LEN];
		int known, short_run = 0;

		if (g_end && off >= g_end) {
			/* the stretch is cut: kept when cutting it again gives the same */
			if (g_ok)
				gap_keep(c, p + g_off, g_end - g_off, g_fh, rec, n_rec);
			g_end = 0;
		}
		while (hi < n_hints && hints[hi].off < off)
			hi++;   /* an empty stretch before it */
		if (hi < n_hints && hints[hi].off == off) {
			/* a piece whose hashes came with it */
			x = hints[hi++].piece;
			k = x->len;
			fh = x->fh;
			known = fast_key_piece(c, x, &key);
			if (known)
				memcpy(h1, x->sha, SHA_LEN);
		} else {
			/* the stretch up to the next piece, cut by its content */
			size_t gap = (hi < n_hints ? hints[hi].off : len) - off;

			if (!rp && !g_end && gap >= PB_CDC_MIN && gap <= GAP_MAX) {
				/* a stretch begins: met before, or cut here and noted */
				g_fh = fast_hash(p + off, gap);
				if ((rp = gap_find(c, p + off, gap, g_fh))) {
					ri = 0;
				} else {
					g_off = off;
					g_end = off + gap;
					g_ok = 1;
					n_rec = 0;
				}
			}
			if (rp) {
				const struct gent *g = &rp->e[ri++];

				k = g->k;
				short_run = g->lit;
				fh = g->fh;
				known = !g->lit;
				if (known) {
					key = g->key;
					memcpy(h1, g->sha, SHA_LEN);
				}
				if (ri == rp->n)
					rp = NULL;
			} else {
				k = pb_cdc_next(&c->cdc, p + off, gap);
				/* Between two pieces, a stretch shorter than a chunk's least size
				 * (a topic's name, a rank, a closing tag) is a literal at once: as
				 * a chunk its reference would save a few bytes of the deflated
				 * literals and cost the lookups below. */
				short_run = k < PB_CDC_MIN && hi < n_hints;
				fh = short_run ? 0 : fast_hash(p + off, k);
				known = !short_run && fast_key(c, p + off, k, fh, &key, h1);
			}
			if (g_end) {
				/* noted: a chunk the fast table knew, or a short literal; a chunk
				 * met for the first time makes the stretch one not to keep */
				if (n_rec == cap_rec) {
					cap_rec = cap_rec ? 2 * cap_rec : 16;
					rec = pb_xreallocarray(rec, cap_rec, sizeof *rec);
				}
				rec[n_rec] = (struct gent){ .k = (uint32_t)k, .lit = short_run,
							    .fh = fh };
				if (known) {
					rec[n_rec].key = key;
					memcpy(rec[n_rec].sha, h1, SHA_LEN);
				}
				n_rec++;
				if (!known && !short_run)
					g_ok = 0;
			}
		}
		if (!known) {
			if (short_run || !seen_before(c, fh)) {
				/* met for the first time: a literal run of the body's own, the
				 * one before it made longer while that stays under CHUNK_LIMIT */
				if (b->n > 0 && b->e[b->n - 1].lit && b->e[b->n - 1].k + k < CHUNK_LIMIT) {
					b->e[b->n - 1].k += (uint32_t)k;
				} else {
					lit_done(b, &bh, &lits);
					prep_push(b, off, k)->lit = 1;
				}
				pb_buf_append(&lits, p + off, k);
				off += k;
				continue;
			}
			if (x) {
				memcpy(h1, x->sha, SHA_LEN);
				key = sha_key(h1);
			} else {
				key = chunk_key(p + off, k, h1);
			}
			/* met again: known by its bytes from now on */
			fast_add(c, p + off, k, fh, key, h1);
		}
		lit_done(b, &bh, &lits);
		pb_body_hash_chunk(&bh, k, h1);
		e = prep_push(b, off, k);
		e->key = key;
		off += k;
	}
	if (g_end && g_ok)
		gap_keep(c, p + g_off, g_end - g_off, g_fh, rec, n_rec);
	free(rec);
	lit_done(b, &bh, &lits);
	if (b->n && b->n < b->cap) {
		/* held until the batch is written: no room to spare */
		b->e = pb_xreallocarray(b->e, b->n, sizeof *b->e);
		b->cap = b->n;
	}
	if (pb_body_hash_final(&bh, b->sha) < 0 || head_encode(c, &b->head, &lits) < 0)
		b->failed = 1;
	pb_buf_free(&lits);
	return b;
}

/* The id of the chunk of key and size when this handle has stored it (its count goes up, as
 * a cached reference), else 0. */
static int64_t
chunk_id(struct pb_state *st, int64_t key, size_t size)
{
	struct pb_body_cache *c = st->body_cache;
	struct centry *e;

	if (!c || !c->cap || !(e = cache_slot(c, key, (int64_t)size))->id)
		return 0;
	mark_dirty(c, e);
	e->pending++;
	sp_touch(c, e, 0);
	return e->id;
}

int
pb_body_put_prepared(struct pb_state *st, int64_t id, const void *payload,
		     const struct pb_body_prep *b)
{
	const unsigned char *p = payload;
	struct pb_buf list = { 0 };
	struct upsert *u;
	pb_db_stmt *s;
	int64_t *ids, prev = 0;
	int *slot;   /* for a chunk waiting in the batch: its place there; else -1 */
	size_t first = 0;
	int rc = -1;

	if (b->failed) {
		pb_st_fail(st, "body_put", "SHA-256 or the compressor failed");
		return -1;
	}
	if (!st->body_cache)
		st->body_cache = pb_xcalloc(1, sizeof *st->body_cache);
	u = pb_xmalloc(sizeof *u);
	u->n = 0;
	ids = pb_xcalloc(b->n + 1, sizeof *ids);
	slot = pb_xcalloc(b->n + 1, sizeof *slot);
	for (size_t i = 0; i < b->n; i++) {
		const struct pentry *e = &b->e[i];
		int64_t cid;

		slot[i] = -1;
		if (e->lit)
			continue;
		cid = chunk_id(st, e->key, e->k);
		if (!cid && u->n == PB_BODY_UPSERT_ROWS) {
			/* the batch is full: written, its chunks' ids known */
			if (upsert_flush(st, u) < 0)
				goto out;
			for (; first < i; first++)
				if (slot[first] >= 0)
					ids[first] = u->row[slot[first]].id;
			u->n = 0;
			/* written now: perhaps this very chunk */
			cid = chunk_id(st, e->key, e->k);
		}
		ids[i] = cid;
		if (!cid && (slot[i] = upsert_add(st, u, p + e->off, e->k, e->key)) < 0)
			goto out;
	}
	if (upsert_flush(st, u) < 0)
		goto out;
	for (; first < b->n; first++)
		if (slot[first] >= 0)
			ids[first] = u->row[slot[first]].id;
	/* the list: its literal part, then its entries (a literal run: its length; a chunk:
	 * its id) */
	pb_buf_reserve(&list, b->head.len + 2 * b->n + 16);
	pb_buf_append(&list, b->head.data, b->head.len);
	for (size_t i = 0; i < b->n; i++) {
		uint64_t z;

		if (b->e[i].lit) {
			put_varint(&list, (uint64_t)b->e[i].k << 1 | 1);
			continue;
		}
		z = zigzag(ids[i] - prev);
		if (z >> 63) {
			pb_st_fail(st, "body_put", "a chunk id out of range");
			goto out;
		}
		put_varint(&list, z << 1);
		prev = ids[i];
	}
	if (!(s = pb_body_stmt(st, B_PUT)))
		goto out;
	pb_db_bind_int64(s, 1, id);
	pb_db_bind_int64(s, 2, (int64_t)b->len);
	pb_db_bind_blob(s, 3, b->sha, SHA_LEN);
	pb_db_bind_blob(s, 4, list.data, list.len);
	rc = pb_st_run(st, s, "body_put");
out:
	free(ids);
	free(slot);
	free(u);
	pb_buf_free(&list);
	return rc;
}

int
pb_body_put(struct pb_state *st, int64_t id, const void *payload, size_t len,
	    const struct pb_body_hint *hints, size_t n_hints)
{
	struct pb_body_prep *b = pb_body_prepare(st, payload, len, hints, n_hints);
	int rc = pb_body_put_prepared(st, id, payload, b);

	pb_body_prep_free(b);
	return rc;
}

void
pb_state_trim(struct pb_state *st)
{
	struct pb_body_cache *c = st ? st->body_cache : NULL;

	if (!c || pb_state_in_transaction(st))
		return;
	bytes_tables_free(c);
	if (c->n_dirty == 0 && !c->gen) {
		for (size_t i = 0; i < c->cap; i++)
			if (c->v[i].id && c->v[i].pending)
				return;   /* counts still to write: the next commit needs them */
		free(c->v);
		c->v = NULL;
		c->cap = c->n = 0;
	}
}


/* ---- releasing ---- */

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

long
pb_body_prune(struct pb_state *st, int64_t cutoff, const char *before_day)
{
	/* On PostgreSQL the rows read are locked to the end of the transaction: a requeue
	 * (`retry`, `subscriber resume`) committed between this read and the deletes below would
	 * otherwise take its row out of them, keeping a body whose references were released
	 * here, and its chunks deleted. It waits instead, and finds the row gone. SQLite has one
	 * writer. */
#define PRUNE_SEL "SELECT b.id, b.chunks FROM outbox o JOIN outbox_body b ON b.id = o.rowid" \
		  " WHERE o.digest_date < ?2 AND o.status IN (1, 2, 3) AND o.created < ?1"
	static const char *const sel[] = { PRUNE_SEL, PRUNE_SEL " FOR UPDATE OF o" };
#undef PRUNE_SEL
	static const char *const del[] = {
		"DELETE FROM outbox_body WHERE id IN (SELECT rowid FROM outbox"
		" WHERE digest_date < ?2 AND status IN (1, 2, 3) AND created < ?1)",
		"DELETE FROM chunks WHERE refs <= 0",
	};
	pb_db_stmt *s, *u;
	struct pb_buf ids = { 0 };
	int64_t *v;
	long total = 0;
	size_t nv;
	int rc;

	/* The counts of this transaction's puts first: pruning deletes what reaches 0, and the
	 * cache may name what it deletes. */
	if (pb_body_lock(st) < 0 || pb_body_flush(st) < 0)
		return -1;
	pb_body_drop(st, 0);
	if (!(s = pb_st_prepare(st, sel[pb_db_backend(st->db) == PB_DB_POSTGRESQL], "prune")))
		return -1;
	/* The references first (read whole, then released), then the rows. */
	pb_db_bind_int64(s, 1, cutoff);
	pb_db_bind_text(s, 2, before_day);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		struct pb_body_list l;
		int64_t cid;
		size_t run;

		/* a damaged list leaves its chunks referenced: never wrong */
		if (pb_body_list_open(&l, pb_db_col_blob(s, 1), (size_t)pb_db_col_bytes(s, 1)) < 0)
			continue;
		while (pb_body_list_step(&l, &cid, &run) == 1)
			if (cid)
				pb_buf_append(&ids, &cid, sizeof cid);
	}
	pb_db_finalize(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "prune");
		goto fail;
	}
	/* One update per distinct chunk: a paper's block is used by many bodies. */
	v = (int64_t *)(void *)ids.data;
	nv = ids.len / sizeof(int64_t);
	if (nv)
		qsort(v, nv, sizeof *v, cmp_id);
	for (size_t i = 0, j; i < nv; i = j) {
		for (j = i + 1; j < nv && v[j] == v[i]; j++)
			;
		if (!(u = pb_body_stmt(st, B_UNREF)))
			goto fail;
		pb_db_bind_int64(u, 1, v[i]);
		pb_db_bind_int64(u, 2, (int64_t)(j - i));
		if (pb_st_run(st, u, "prune") < 0)
			goto fail;
	}
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
		if (!(s = pb_st_prepare(st, del[i], "prune")))
			goto fail;
		if (i == 0) {
			pb_db_bind_int64(s, 1, cutoff);
			pb_db_bind_text(s, 2, before_day);
		}
		rc = pb_db_step(s);
		pb_db_finalize(s);
		if (rc != PB_DB_DONE) {
			pb_st_error(st, "prune");
			goto fail;
		}
		total += pb_db_changes(st->db);
	}
	pb_buf_free(&ids);
	pb_body_reads_forget(st);   /* their ids may be given again */
	return total;
fail:
	pb_buf_free(&ids);
	return -1;
}

/* ---- schema 6 -> 7: whole payloads become chunked bodies ---- */

int
pb_body_migrate(struct pb_state *st, char *err, size_t errlen)
{
	pb_db_stmt *s;
	long n = 0;
	int rc;

	if (pb_db_table_exists(st->db, "outbox_payload") != 1)
		return 0;
	s = pb_db_prepare(st->db, "SELECT id, payload FROM outbox_payload ORDER BY id", 0);
	if (!s)
		goto fail;
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		if (pb_body_put(st, pb_db_col_int64(s, 0), pb_db_col_blob(s, 1),
				(size_t)pb_db_col_bytes(s, 1), NULL, 0) < 0) {
			pb_db_finalize(s);
			snprintf(err, errlen, "converting outbox_payload: %s", pb_state_errmsg(st));
			return -1;
		}
		n++;
	}
	pb_db_finalize(s);
	if (rc != PB_DB_DONE)
		goto fail;
	/* The references the puts counted in the cache reach the table before the migration
	 * commits (its COMMIT is not pb_state_commit's, which flushes): without this, every
	 * reference after a chunk's first was lost, and a prune deleted chunks kept bodies use. */
	if (pb_body_flush(st) < 0) {
		snprintf(err, errlen, "converting outbox_payload: %s", pb_state_errmsg(st));
		pb_body_drop(st, 0);
		return -1;
	}
	pb_body_drop(st, 0);
	if (pb_db_exec(st->db, "DROP TABLE outbox_payload", err, errlen) < 0)
		return -1;
	if (n > 0)
		pb_info("state.chunked", "messages=%ld", n);
	return 0;
fail:
	pb_body_drop(st, 0);
	snprintf(err, errlen, "converting outbox_payload: %s", pb_db_errmsg(st->db));
	return -1;
}

/* ---- schema 10 -> 11: every chunk's count of references taken again from the bodies ---- */

/* Chunk ids and their counts, open addressing (id 0: a free slot). */
struct recount {
	struct rc_entry {
		int64_t id;
		int64_t n;
	} *v;
	size_t cap, n;
};

static void
recount_add(struct recount *r, int64_t id)
{
	size_t i;

	if (2 * (r->n + 1) > r->cap) {
		struct recount g = { .cap = r->cap ? 2 * r->cap : 4096 };

		g.v = pb_xcalloc(g.cap, sizeof *g.v);
		for (size_t k = 0; k < r->cap; k++) {
			if (!r->v[k].id)
				continue;
			for (i = pb_hash64_mem(&r->v[k].id, sizeof r->v[k].id) & (g.cap - 1);
			     g.v[i].id; i = (i + 1) & (g.cap - 1))
				;
			g.v[i] = r->v[k];
			g.n++;
		}
		free(r->v);
		*r = g;
	}
	for (i = pb_hash64_mem(&id, sizeof id) & (r->cap - 1); r->v[i].id && r->v[i].id != id;
	     i = (i + 1) & (r->cap - 1))
		;
	if (!r->v[i].id) {
		r->v[i].id = id;
		r->n++;
	}
	r->v[i].n++;
}

/* Every chunk's refs set to the number of references the stored bodies' lists hold (a chunk
 * used twice by one body counts twice, as pb_body_prune releases it). A state converted from
 * schema 6 before pb_body_migrate flushed its counts holds too few, and a prune would delete
 * chunks still used; this migration mends such a state, and leaves a sound one as it was.
 * The migration's SQL set every count to 0 first. A damaged list counts nothing of its own,
 * as the prune releases nothing of it; its chunks keep what other bodies give them. */
int
pb_body_recount(struct pb_state *st, char *err, size_t errlen)
{
	struct recount r = { 0 };
	pb_db_stmt *s, *u = NULL;
	long bodies = 0, damaged = 0;
	int rc, step;

	pb_body_drop(st, 0);
	/* a page of bodies at a time (PostgreSQL's client holds a whole answer in memory) */
	if (!(s = pb_db_prepare(st->db, "SELECT id, chunks FROM outbox_body WHERE id > ?1"
				" ORDER BY id LIMIT " PB_SQL_NUM(PB_LEDGER_PAGE), 0)))
		goto fail;
	for (int64_t last = 0, rows = 1; rows > 0;) {
		pb_db_bind_int64(s, 1, last);
		rows = 0;
		while ((rc = pb_db_step(s)) == PB_DB_ROW) {
			struct pb_body_list l;
			int64_t cid;
			size_t run;

			rows++;
			bodies++;
			last = pb_db_col_int64(s, 0);
			if (pb_body_list_open(&l, pb_db_col_blob(s, 1),
					      (size_t)pb_db_col_bytes(s, 1)) < 0) {
				damaged++;
				continue;
			}
			while ((step = pb_body_list_step(&l, &cid, &run)) == 1)
				if (cid > 0)
					recount_add(&r, cid);
			if (step < 0)
				damaged++;
		}
		pb_db_reset(s);
		if (rc != PB_DB_DONE) {
			pb_db_finalize(s);
			goto fail;
		}
	}
	pb_db_finalize(s);
	if (!(u = pb_db_prepare(st->db, "UPDATE chunks SET refs = ?2 WHERE id = ?1", 0)))
		goto fail;
	for (size_t i = 0; i < r.cap; i++) {
		if (!r.v[i].id)
			continue;
		pb_db_bind_int64(u, 1, r.v[i].id);
		pb_db_bind_int64(u, 2, r.v[i].n);
		rc = pb_db_step(u);
		pb_db_reset(u);
		if (rc != PB_DB_DONE)
			goto fail;
	}
	pb_db_finalize(u);
	free(r.v);
	if (bodies > 0)   /* a state being made has none: nothing to say */
		pb_info("state.recounted", "bodies=%ld chunks=%zu damaged=%ld", bodies, r.n,
			damaged);
	return 0;
fail:
	snprintf(err, errlen, "counting the chunks' references: %s", pb_db_errmsg(st->db));
	if (u)
		pb_db_finalize(u);
	free(r.v);
	return -1;
}
