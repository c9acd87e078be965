/* The outbox's chunk store: content-defined cuts (cdc.c) that realign after a difference,
 * bodies that come back byte for byte and share their common chunks, a damaged chunk that is
 * an error naming the message (never sent), pruning that releases chunks, the file that
 * shrinks after pruning, a write-ahead log that shrinks after a large write, and the 6 -> 7
 * migration of whole payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "t.h"
#include "../../src/state/cdc.h"
#include "../../src/state/state_internal.h"

static char dir[256];

static const char *
db_path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static struct pb_state *
open_db(const char *name)
{
	char err[512] = "";
	struct pb_state *st = pb_state_open(db_path(name), err, sizeof err);

	if (!st)
		fprintf(stderr, "open %s: %s\n", name, err);
	return st;
}

/* The test's own connection: what the state keeps to itself (chunk rows, old schemas). */
static int
raw_exec(const char *name, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(db_path(name), &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", name, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

static long
raw_count(const char *name, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	long n = -1;

	if (sqlite3_open_v2(db_path(name), &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(q, 0);
	else
		fprintf(stderr, "%s: %s\n", name, sqlite3_errmsg(db));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether every chunk's refs is the number of uses in the bodies (and no body uses a chunk
 * that is not there): what the in-transaction counts must leave behind. */
static int
refs_consistent(const char *name)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int64_t *ids = NULL, id;
	size_t n = 0, cap = 0, i = 0;
	int ok = 1;

	if (sqlite3_open_v2(db_path(name), &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return 0;
	sqlite3_prepare_v2(db, "SELECT chunks FROM outbox_body", -1, &q, NULL);
	while (q && sqlite3_step(q) == SQLITE_ROW) {
		struct pb_body_list l;
		size_t run;

		if (pb_body_list_open(&l, sqlite3_column_blob(q, 0),
				      (size_t)sqlite3_column_bytes(q, 0)) < 0) {
			ok = 0;
			continue;
		}
		while (pb_body_list_step(&l, &id, &run) == 1) {
			if (run)
				continue;
			if (n == cap)
				ids = pb_xreallocarray(ids, cap = cap ? cap * 2 : 1024, sizeof *ids);
			ids[n++] = id;
		}
	}
	sqlite3_finalize(q);
	if (n)
		qsort(ids, n, sizeof *ids, cmp_i64);
	sqlite3_prepare_v2(db, "SELECT id, refs FROM chunks ORDER BY id", -1, &q, NULL);
	while (q && sqlite3_step(q) == SQLITE_ROW) {
		int64_t cid = sqlite3_column_int64(q, 0), refs = sqlite3_column_int64(q, 1), k = 0;

		while (i < n && ids[i] == cid) {
			i++;
			k++;
		}
		if (k != refs) {
			fprintf(stderr, "%s: chunk %lld has refs %lld, used %lld times\n", name,
				(long long)cid, (long long)refs, (long long)k);
			ok = 0;
		}
	}
	if (i != n)
		ok = 0;   /* a body uses a chunk that is not there */
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(ids);
	return ok;
}

/* Deterministic pseudo-random bytes (xorshift), text-like when text. */
static void
fill(unsigned char *p, size_t n, uint64_t seed, int text)
{
	uint64_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = text ? (unsigned char)("abcdefghij klmnopqrstuvwxyz\n=<>\""[x % 33])
			    : (unsigned char)x;
	}
}

/* The cut offsets of p (ends of chunks) into ends; returns their count. */
static size_t
cut_all(const struct pb_cdc *g, const unsigned char *p, size_t n, size_t *ends, size_t max)
{
	size_t off = 0, k = 0;

	while (off < n && k < max) {
		size_t c = pb_cdc_next(g, p + off, n - off);

		if (c == 0)
			break;
		off += c;
		ends[k++] = off;
	}
	return k;
}

static void
test_cdc(void)
{
	enum { N = 40000, PRE = 777 };
	static unsigned char a[N + PRE], b[N + 3];
	static size_t ea[N], eb[N];
	struct pb_cdc g, g2;
	size_t na, nb, common = 0, prev = 0, bounds_ok = 1;

	pb_cdc_init(&g);
	pb_cdc_init(&g2);
	T_CHECK(memcmp(&g, &g2, sizeof g) == 0);   /* the same table every time */
	T_EQ_INT(pb_cdc_next(&g, a, 0), 0);
	T_EQ_INT(pb_cdc_next(&g, a, 1), 1);
	T_EQ_INT(pb_cdc_next(&g, a, PB_CDC_MIN), PB_CDC_MIN);
	/* The same block behind two different prefixes. */
	fill(a, PRE, 1, 1);
	fill(a + PRE, N, 2, 1);
	fill(b, 3, 3, 1);
	memcpy(b + 3, a + PRE, N);
	na = cut_all(&g, a, sizeof a, ea, N);
	nb = cut_all(&g, b, sizeof b, eb, N);
	T_EQ_INT(ea[na - 1], sizeof a);   /* the chunks cover the payload */
	T_EQ_INT(eb[nb - 1], sizeof b);
	for (size_t i = 0; i < na; i++) {
		size_t len = ea[i] - prev;

		if (len > PB_CDC_MAX || (len < PB_CDC_MIN && i + 1 < na))
			bounds_ok = 0;
		prev = ea[i];
	}
	T_CHECK(bounds_ok);
	T_CHECK(na > N / PB_CDC_MAX && na < N / PB_CDC_MIN);
	/* After the first cut or two the cuts fall at the same places of the block. */
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		size_t x = ea[i] - PRE, y = eb[j] - 3;

		if (ea[i] < PRE) {
			i++;
			continue;
		}
		if (x == y) {
			common++;
			i++;
			j++;
		} else if (x < y) {
			i++;
		} else {
			j++;
		}
	}
	T_CHECK(common + 3 >= nb);
	/* Binary data (all 256 byte values) cuts as well. */
	fill(a, sizeof a, 9, 0);
	na = cut_all(&g, a, sizeof a, ea, N);
	T_EQ_INT(ea[na - 1], sizeof a);
	T_CHECK(na > N / PB_CDC_MAX);
}

static void
test_list(void)
{
	const int64_t ids[] = { 1, 2, 3, 500, 2, 1, 9000000000LL, 7, 7, 128, 127 };
	struct pb_buf b = { 0 };
	int64_t prev = 0, got;
	size_t pos = 0;
	int ok = 1;

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		pb_body_list_add(&b, &prev, ids[i]);
	T_CHECK(b.len < 8 * sizeof ids / sizeof ids[0]);
	prev = 0;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		if (pb_body_list_next((unsigned char *)b.data, b.len, &pos, &prev, &got) < 0 ||
		    got != ids[i])
			ok = 0;
	}
	T_CHECK(ok);
	T_EQ_INT(pos, b.len);
	T_EQ_INT(pb_body_list_next((unsigned char *)b.data, b.len, &pos, &prev, &got), -1);
	/* A varint cut short is damage, not a read past the end. */
	pos = 0;
	prev = 0;
	T_EQ_INT(pb_body_list_next((const unsigned char *)"\x80\x80", 2, &pos, &prev, &got), -1);
	pb_buf_free(&b);
}

/* A digest-like payload: a per-subscriber head, then shared "paper" blocks in an order of the
 * subscriber's own, then a per-subscriber tail. */
static void
digest(struct pb_buf *out, int sub, const unsigned char *papers, size_t paper_len)
{
	pb_buf_reset(out);
	pb_buf_printf(out, "To: s%05d@example.org\r\nMessage-ID: <%d@x>\r\n\r\nHello s%05d\r\n",
		      sub, sub, sub);
	for (int k = 0; k < 6; k++) {
		int p = (sub * 7 + k * 3) % 10;

		pb_buf_printf(out, "\r\n[%d] topic %d\r\n", k + 1, sub % 4);
		pb_buf_append(out, papers + (size_t)p * paper_len, paper_len);
	}
	pb_buf_printf(out, "\r\nunsubscribe s%05d\r\n", sub);
	pb_buf_append(out, "\0\xff", 2);   /* bytes a string would lose */
}

/* m: an email to subscriber sub with p as its payload, no hints. */
static void
msg_of(struct pb_outbox_msg *m, const char *id, const char *sub, const struct pb_buf *p,
       int64_t created)
{
	memset(m, 0, sizeof *m);
	m->msg_id = (char *)id;
	m->subscriber = (char *)sub;
	m->channel = "email";
	m->dest = (char *)sub;
	m->digest_date = "2026-01-01";
	m->part = m->n_parts = 1;
	m->payload = p->data;
	m->payload_len = p->len;
	m->created = created;
}

static int
put_msg(struct pb_state *st, const char *id, const char *sub, const struct pb_buf *p,
	int64_t created)
{
	struct pb_outbox_msg m;

	msg_of(&m, id, sub, p, created);
	return pb_outbox_put(st, &m);
}

/* Digests enqueued in one transaction, each under a savepoint of its own (as the build stage
 * does): one rolled back, one whose put fails (a trigger refuses it) rolled back too. The
 * counts that reach the table are those of the digests kept, and every body reads back. */
static void
test_savepoints(void)
{
	struct pb_state *st = open_db("sp.db");
	unsigned char papers[24000];
	struct pb_buf a = { 0 }, b = { 0 }, c = { 0 };
	struct pb_outbox_msg m;

	T_CHECK(st != NULL);
	if (!st)
		return;
	fill(papers, sizeof papers, 7, 1);
	digest(&a, 1, papers, sizeof papers / 10);
	digest(&b, 2, papers, sizeof papers / 10);
	digest(&c, 3, papers, sizeof papers / 10);
	pb_buf_puts(&b, "a tail only the rolled-back digest has, new chunks of its own");
	T_EQ_INT(raw_exec("sp.db", "CREATE TRIGGER refuse BEFORE INSERT ON outbox"
			  " WHEN new.msg_id = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END;"),
		 SQLITE_OK);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_state_savepoint(st), 0);
	T_EQ_INT(put_msg(st, "a", "s1", &a, pb_now()), 1);
	T_EQ_INT(pb_state_release(st), 0);
	T_EQ_INT(pb_state_savepoint(st), 0);
	T_EQ_INT(put_msg(st, "b", "s2", &b, pb_now()), 1);
	T_EQ_INT(pb_state_rollback_to(st), 0);
	T_EQ_INT(pb_state_savepoint(st), 0);
	T_EQ_INT(put_msg(st, "refused", "s4", &c, pb_now()), -1);
	T_EQ_INT(pb_state_rollback_to(st), 0);
	T_EQ_INT(pb_state_savepoint(st), 0);
	T_EQ_INT(put_msg(st, "c", "s3", &c, pb_now()), 1);
	T_EQ_INT(pb_state_release(st), 0);
	T_EQ_INT(pb_state_commit(st), 0);
	T_CHECK(refs_consistent("sp.db"));
	T_EQ_INT(pb_outbox_get(st, "b", &m), 0);
	T_EQ_INT(pb_outbox_get(st, "a", &m), 1);
	T_CHECK(m.payload_len == a.len && memcmp(m.payload, a.data, a.len) == 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "c", &m), 1);
	T_CHECK(m.payload_len == c.len && memcmp(m.payload, c.data, c.len) == 0);
	pb_outbox_msg_clear(&m);
	pb_state_close(st);
	pb_buf_free(&a);
	pb_buf_free(&b);
	pb_buf_free(&c);
}

static void
test_store(void)
{
	enum { SUBS = 200, PAPER = 3000 };
	static unsigned char papers[10 * PAPER];
	struct pb_state *st = open_db("store.db");
	struct pb_buf p = { 0 };
	struct pb_outbox_msg m, *v = NULL;
	char id[32], sub[32];
	long whole = 0, stored;
	size_t n = 0;
	int same = 1;

	T_CHECK(st != NULL);
	if (!st)
		return;
	fill(papers, sizeof papers, 42, 1);
	T_EQ_INT(pb_state_begin(st), 0);
	for (int i = 0; i < SUBS; i++) {
		snprintf(id, sizeof id, "m%d", i);
		snprintf(sub, sizeof sub, "s%05d", i);
		digest(&p, i, papers, PAPER);
		whole += (long)p.len;
		T_EQ_INT(put_msg(st, id, sub, &p, 1000), 1);
	}
	T_EQ_INT(put_msg(st, "m0", "s00000", &p, 1000), 0);   /* the same id: nothing new */
	T_EQ_INT(pb_state_commit(st), 0);
	/* Every body comes back exactly. */
	for (int i = 0; i < SUBS; i++) {
		snprintf(id, sizeof id, "m%d", i);
		digest(&p, i, papers, PAPER);
		if (pb_outbox_get(st, id, &m) != 1 || m.payload_len != p.len ||
		    memcmp(m.payload, p.data, p.len) != 0)
			same = 0;
		pb_outbox_msg_clear(&m);
	}
	T_CHECK(same);
	T_EQ_INT(pb_outbox_due(st, 2000, 1000, &v, &n), 0);
	T_EQ_INT(n, SUBS);
	same = n == SUBS;
	for (size_t i = 0; i < n; i++) {
		int k = atoi(v[i].msg_id + 1);

		digest(&p, k, papers, PAPER);
		if (v[i].payload_len != p.len || memcmp(v[i].payload, p.data, p.len) != 0)
			same = 0;
	}
	T_CHECK(same);
	pb_outbox_msgs_free(v, n);
	/* The papers are stored about once, not once per message. */
	stored = raw_count("store.db", "SELECT sum(size) FROM chunks");
	T_CHECK(stored > 0 && stored < whole / 10);
	T_CHECK(raw_count("store.db", "SELECT sum(length(data)) FROM chunks") <= stored);
	T_CHECK(refs_consistent("store.db"));
	/* Puts outside a transaction, and a transaction rolled back, keep the counts right. */
	digest(&p, 7, papers, PAPER);
	T_EQ_INT(put_msg(st, "alone1", "s00007", &p, 1000), 1);
	T_EQ_INT(put_msg(st, "alone2", "s00007", &p, 1000), 1);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put_msg(st, "gone", "s00007", &p, 1000), 1);
	T_EQ_INT(pb_state_rollback(st), 0);
	T_EQ_INT(put_msg(st, "alone3", "s00007", &p, 1000), 1);
	T_CHECK(refs_consistent("store.db"));
	/* A put refused inside a transaction: the transaction cannot commit (its counts are
	 * unknown), and what was committed before stays right. */
	pb_state_close(st);
	T_EQ_INT(raw_exec("store.db", "CREATE TRIGGER no_body BEFORE INSERT ON outbox_body"
			  " WHEN NEW.size = 5 BEGIN SELECT RAISE(ABORT, 'refused'); END;"), SQLITE_OK);
	st = open_db("store.db");
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put_msg(st, "before", "s00007", &p, 1000), 1);
	pb_buf_reset(&p);
	pb_buf_puts(&p, "short");
	T_EQ_INT(put_msg(st, "refused", "s00007", &p, 1000), -1);
	T_EQ_INT(pb_state_commit(st), -1);
	T_EQ_INT(pb_outbox_get(st, "before", &m), 0);
	T_CHECK(refs_consistent("store.db"));
	T_EQ_INT(raw_exec("store.db", "DROP TRIGGER no_body"), SQLITE_OK);
	pb_state_close(st);
	pb_buf_free(&p);
}

/* A chunk whose bytes changed: reading the message is an error naming it; the due scan leaves
 * it out and marks it failed with that reason; the others still go. So is a body whose own
 * literal bytes changed, and a missing chunk. A text met for the first time stays in its body
 * (a literal run); met again, it is a stored chunk: each text goes in twice, a "seed" first. */
static void
test_damage(void)
{
	struct pb_state *st = open_db("damage.db");
	struct pb_buf p = { 0 };
	struct pb_outbox_msg m, *v = NULL;
	size_t n = 0;
	int bad_due = 0;

	T_CHECK(st != NULL);
	if (!st)
		return;
	pb_buf_puts(&p, "A message whose one chunk is about to be damaged on disk.");
	T_EQ_INT(put_msg(st, "bad-seed", "a", &p, pb_now()), 1);
	T_EQ_INT(put_msg(st, "bad-one", "a", &p, pb_now()), 1);
	pb_buf_reset(&p);
	pb_buf_puts(&p, "Another message, whose chunk stays whole and is sent.");
	T_EQ_INT(put_msg(st, "good-seed", "b", &p, pb_now()), 1);
	T_EQ_INT(put_msg(st, "good-one", "b", &p, pb_now()), 1);
	pb_state_close(st);
	T_EQ_INT(raw_count("damage.db", "SELECT count(*) FROM chunks"), 2);
	/* Same length, other bytes: only the SHA-256 can tell. */
	T_EQ_INT(raw_exec("damage.db", "UPDATE chunks SET data = CAST(replace(CAST(data AS TEXT),"
			  " 'damaged', 'DAMAGED') AS BLOB) WHERE CAST(data AS TEXT) LIKE '%damaged%'"),
		 SQLITE_OK);
	T_EQ_INT(raw_count("damage.db", "SELECT count(*) FROM chunks WHERE CAST(data AS TEXT)"
			   " LIKE '%DAMAGED%'"), 1);
	st = open_db("damage.db");
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_outbox_get(st, "bad-one", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "bad-one") != NULL);
	T_CHECK(strstr(pb_state_errmsg(st), "SHA-256") != NULL);
	T_EQ_INT(pb_outbox_get(st, "bad-seed", &m), 1);   /* its bytes are its own */
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "good-one", &m), 1);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_due(st, pb_now() + 10, 10, &v, &n), 0);
	T_EQ_INT(n, 3);
	for (size_t i = 0; i < n; i++)
		bad_due += strcmp(v[i].msg_id, "bad-one") == 0;
	T_EQ_INT(bad_due, 0);
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(raw_count("damage.db", "SELECT count(*) FROM outbox WHERE msg_id = 'bad-one'"
			   " AND status = 2 AND last_error LIKE '%bad-one%SHA-256%'"), 1);
	pb_state_close(st);
	/* A body's literal bytes changed. */
	T_EQ_INT(raw_exec("damage.db", "UPDATE outbox_body SET chunks = CAST(replace(CAST(chunks"
			  " AS TEXT), 'damaged', 'DAMAGED') AS BLOB) WHERE CAST(chunks AS TEXT)"
			  " LIKE '%damaged%'"), SQLITE_OK);
	st = open_db("damage.db");
	T_EQ_INT(pb_outbox_get(st, "bad-seed", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "bad-seed") != NULL);
	T_CHECK(strstr(pb_state_errmsg(st), "SHA-256") != NULL);
	pb_state_close(st);
	/* A missing chunk is damage too. */
	T_EQ_INT(raw_exec("damage.db", "DELETE FROM chunks WHERE CAST(data AS TEXT) LIKE"
			  " '%whole%'"), SQLITE_OK);
	st = open_db("damage.db");
	T_EQ_INT(pb_outbox_get(st, "good-one", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "good-one") != NULL);
	T_EQ_INT(pb_outbox_get(st, "good-seed", &m), 1);
	pb_outbox_msg_clear(&m);
	pb_state_close(st);
	pb_buf_free(&p);
}

static long
file_size(const char *name)
{
	struct stat sb;

	return stat(db_path(name), &sb) == 0 ? (long)sb.st_size : -1;
}

/* The write-ahead log of a connection that stays open (the daemon's): a day's build grows it
 * (checkpoints held off while it writes), and once its pages are in the database the log
 * shrinks back to a few megabytes, not keeping that size on the disk for as long as the
 * daemon runs. */
static void
test_wal_size(void)
{
	static unsigned char body[64 * 1024];
	struct pb_state *st = open_db("wal.db");
	struct pb_buf p = { 0 }, wal = { 0 };
	struct stat sb;
	char id[32];

	T_CHECK(st != NULL);
	if (!st)
		return;
	pb_buf_printf(&wal, "%s-wal", db_path("wal.db"));
	T_EQ_INT(pb_state_checkpoints(st, 0), 0);
	T_EQ_INT(pb_state_begin(st), 0);
	for (int i = 0; i < 300; i++) {
		fill(body, sizeof body, 500 + (uint64_t)i, 0);   /* binary: 19 MB to write */
		pb_buf_reset(&p);
		pb_buf_append(&p, body, sizeof body);
		snprintf(id, sizeof id, "wal%d", i);
		T_EQ_INT(put_msg(st, id, "s", &p, pb_now()), 1);
	}
	T_EQ_INT(pb_state_commit(st), 0);
	T_CHECK(stat(wal.data, &sb) == 0 && sb.st_size > 16L * 1024 * 1024);
	T_EQ_INT(pb_state_checkpoints(st, 1), 0);
	T_EQ_INT(pb_state_checkpoint(st), 0);
	T_EQ_INT(pb_state_sync(st), 0);   /* a write: the log starts again from its beginning */
	T_CHECK(stat(wal.data, &sb) == 0);
	if (sb.st_size > 8L * 1024 * 1024 + 65536)
		fprintf(stderr, "the write-ahead log kept %lld bytes\n", (long long)sb.st_size);
	T_CHECK(sb.st_size <= 8L * 1024 * 1024 + 65536);
	pb_state_close(st);
	pb_buf_free(&wal);
	pb_buf_free(&p);
}

/* Pruning deletes the chunks no body uses, keeps the shared ones, and gives the pages back. */
static void
test_prune_space(void)
{
	enum { SUBS = 300 };
	static unsigned char papers[10 * 3000];
	struct pb_state *st = open_db("space.db");
	struct pb_buf p = { 0 };
	struct pb_outbox_msg m;
	char id[32], sub[32];
	long before, after, rows;

	T_CHECK(st != NULL);
	if (!st)
		return;
	fill(papers, sizeof papers, 7, 0);   /* binary: nothing deflates, the file grows */
	T_EQ_INT(pb_state_begin(st), 0);
	for (int i = 0; i < SUBS; i++) {
		snprintf(id, sizeof id, "old%d", i);
		snprintf(sub, sizeof sub, "s%05d", i);
		digest(&p, i, papers, 3000);
		put_msg(st, id, sub, &p, 1000);   /* 1970: old */
	}
	T_EQ_INT(pb_state_commit(st), 0);
	/* One recent message shares paper blocks with the old ones. */
	digest(&p, 1, papers, 3000);
	T_EQ_INT(put_msg(st, "recent", "s00001", &p, pb_now()), 1);
	T_EQ_INT(raw_exec("space.db", "UPDATE outbox SET status = 1 WHERE msg_id LIKE 'old%';"
			  "PRAGMA wal_checkpoint(TRUNCATE);"), SQLITE_OK);
	before = file_size("space.db");
	rows = pb_state_prune(st, 30);
	T_CHECK(rows >= 2 * SUBS);
	T_EQ_INT(raw_exec("space.db", "PRAGMA wal_checkpoint(TRUNCATE);"), SQLITE_OK);
	after = file_size("space.db");
	T_CHECK(before > 0 && after > 0 && after < before / 2);
	T_EQ_INT(raw_count("space.db", "SELECT count(*) FROM outbox_body"), 1);
	T_EQ_INT(raw_count("space.db", "SELECT count(*) FROM chunks WHERE refs <= 0"), 0);
	T_CHECK(refs_consistent("space.db"));
	/* Every chunk left is the recent message's, counted once per use. */
	T_EQ_INT(raw_count("space.db", "SELECT sum(refs) FROM chunks"),
		 raw_count("space.db", "SELECT count(*) FROM chunks"));
	T_EQ_INT(pb_outbox_get(st, "recent", &m), 1);
	T_CHECK(m.payload_len == p.len && memcmp(m.payload, p.data, p.len) == 0);
	pb_outbox_msg_clear(&m);
	pb_state_close(st);
	pb_buf_free(&p);
}

/* A version 6 database: whole payloads in outbox_payload. Opening converts them to chunked
 * bodies (byte for byte) and drops the table; a database of another auto_vacuum mode is
 * switched to INCREMENTAL. */
static void
test_migrate_v6(void)
{
	struct pb_state *st = open_db("v6.db");
	struct pb_outbox_msg m;
	struct pb_buf p = { 0 }, sql = { 0 };

	T_CHECK(st != NULL);
	if (!st)
		return;
	pb_buf_puts(&p, "x");
	T_EQ_INT(put_msg(st, "one", "a", &p, pb_now()), 1);
	T_EQ_INT(put_msg(st, "two", "b", &p, pb_now()), 1);
	pb_state_close(st);
	/* Back to version 6 by hand, NUL bytes in a payload, auto_vacuum off. */
	T_EQ_INT(raw_exec("v6.db",
			  "CREATE TABLE outbox_payload(id INTEGER PRIMARY KEY, payload BLOB NOT NULL);"
			  "INSERT INTO outbox_payload SELECT rowid, CAST('first payload' AS BLOB)"
			  " FROM outbox WHERE msg_id = 'one';"
			  "INSERT INTO outbox_payload SELECT rowid, X'00FF00616263'"
			  " FROM outbox WHERE msg_id = 'two';"
			  "DROP TABLE outbox_body; DROP TABLE chunks;"
			  /* and what version 17 added (18's column goes with
			   * version 13's table, below) */
			  "DROP TABLE tg_held;"
			  /* and what version 16 added */
			  "ALTER TABLE outbox DROP COLUMN fingerprint;"
			  /* and what version 15 added */
			  "DROP INDEX subscribers_file_changed; DROP INDEX outbox_failed;"
			  "ALTER TABLE suppressions DROP COLUMN fingerprint;"
			  /* and what version 8 added */
			  "DROP TABLE machines; DROP TABLE fetch_claims; DROP TABLE pacing;"
			  "DROP INDEX outbox_claims; DROP INDEX outbox_digest;"
			  "ALTER TABLE outbox DROP COLUMN claimed_by;"
			  "ALTER TABLE outbox DROP COLUMN lease_until;"
			  "ALTER TABLE runs DROP COLUMN machine;"
			  /* and what version 13 added (its index went with version 8's) */
			  "ALTER TABLE outbox DROP COLUMN generation;"
			  "ALTER TABLE subscribers DROP COLUMN generation;"
			  "DROP TABLE sub_generations;"
			  /* and version 9's ledger */
			  "DROP TABLE ledger;"
			  "CREATE TABLE ledger(subscriber TEXT NOT NULL, paper_id TEXT NOT NULL,"
			  " version INTEGER NOT NULL, digest_date TEXT NOT NULL,"
			  " added INTEGER NOT NULL, PRIMARY KEY(subscriber, paper_id, version))"
			  " WITHOUT ROWID;"
			  "UPDATE meta SET value = '6' WHERE key = 'schema_version';"
			  "PRAGMA auto_vacuum = NONE; VACUUM;"), SQLITE_OK);
	T_EQ_INT(raw_count("v6.db", "PRAGMA auto_vacuum"), 0);
	st = open_db("v6.db");
	T_CHECK(st != NULL);
	if (!st)
		goto out;
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	T_EQ_INT(pb_outbox_get(st, "one", &m), 1);
	T_EQ_INT(m.payload_len, strlen("first payload"));
	T_CHECK(m.payload && strcmp(m.payload, "first payload") == 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "two", &m), 1);
	T_EQ_INT(m.payload_len, 6);
	T_CHECK(m.payload && memcmp(m.payload, "\0\xff\0abc", 6) == 0);
	pb_outbox_msg_clear(&m);
	pb_state_close(st);
	T_EQ_INT(raw_count("v6.db", "SELECT count(*) FROM sqlite_master WHERE name ="
			   " 'outbox_payload'"), 0);
	T_EQ_INT(raw_count("v6.db", "PRAGMA auto_vacuum"), 2);
out:
	pb_buf_free(&p);
	pb_buf_free(&sql);
}

/* Chunks read are kept inflated by id; an id given again to other bytes (SQLite may reuse the
 * id of a deleted row) must never send the old bytes: the body's SHA-256 tells, and the body
 * is read again from the table. A run of bodies sharing chunks reads back right (the cache
 * serves the shared ones). */
static void
test_reads_cache(void)
{
	static const char p1[] = "cached bytes, first";
	static const char p2[] = "other bytes, second!";
	unsigned char h[32];
	unsigned int hl = sizeof h;
	struct pb_state *st = open_db("reads.db");
	struct pb_buf p = { 0 };
	struct pb_outbox_msg m;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	static unsigned char shared[20000];

	T_CHECK(st != NULL);
	if (!st)
		return;
	pb_buf_puts(&p, p1);
	/* met twice: the second body's bytes are a stored chunk */
	T_EQ_INT(put_msg(st, "first-seed", "a", &p, pb_now()), 1);
	T_EQ_INT(put_msg(st, "first", "a", &p, pb_now()), 1);
	T_EQ_INT(pb_outbox_get(st, "first", &m), 1);
	T_CHECK(m.payload_len == strlen(p1) && memcmp(m.payload, p1, m.payload_len) == 0);
	pb_outbox_msg_clear(&m);
	/* Another connection gives the chunk's id to other bytes, and the body to them (its
	 * digest: the one chunk's SHA-256). */
	EVP_Digest(p2, strlen(p2), h, &hl, EVP_sha256(), NULL);
	{
		struct pb_body_hash bh;

		pb_body_hash_init(&bh);
		pb_body_hash_chunk(&bh, strlen(p2), h);
		T_EQ_INT(pb_body_hash_final(&bh, h), 0);
	}
	T_EQ_INT(sqlite3_open(db_path("reads.db"), &db), SQLITE_OK);
	T_EQ_INT(sqlite3_prepare_v2(db, "UPDATE chunks SET data = ?1, size = ?2 WHERE id ="
				    " (SELECT min(id) FROM chunks)", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_blob(q, 1, p2, (int)strlen(p2), SQLITE_STATIC);
	sqlite3_bind_int(q, 2, (int)strlen(p2));
	T_EQ_INT(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	T_EQ_INT(sqlite3_prepare_v2(db, "UPDATE outbox_body SET size = ?1, sha256 = ?2 WHERE id ="
				    " (SELECT rowid FROM outbox WHERE msg_id = 'first')", -1, &q,
				    NULL), SQLITE_OK);
	sqlite3_bind_int(q, 1, (int)strlen(p2));
	sqlite3_bind_blob(q, 2, h, (int)sizeof h, SQLITE_STATIC);
	T_EQ_INT(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(db);
	T_EQ_INT(pb_outbox_get(st, "first", &m), 1);
	T_CHECK(m.payload_len == strlen(p2) && memcmp(m.payload, p2, m.payload_len) == 0);
	pb_outbox_msg_clear(&m);
	/* Bodies sharing most of their chunks come back byte for byte. */
	fill(shared, sizeof shared, 7, 1);
	for (int i = 0; i < 20; i++) {
		char id[32];

		pb_buf_reset(&p);
		pb_buf_printf(&p, "To: reader%d\r\n\r\n", i);
		pb_buf_append(&p, shared, sizeof shared);
		pb_buf_printf(&p, "\r\nunsubscribe: %d\r\n", i * 7919);
		snprintf(id, sizeof id, "shared-%d", i);
		T_EQ_INT(put_msg(st, id, "b", &p, pb_now()), 1);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 20; i++) {
			char id[32];

			pb_buf_reset(&p);
			pb_buf_printf(&p, "To: reader%d\r\n\r\n", i);
			pb_buf_append(&p, shared, sizeof shared);
			pb_buf_printf(&p, "\r\nunsubscribe: %d\r\n", i * 7919);
			snprintf(id, sizeof id, "shared-%d", i);
			T_EQ_INT(pb_outbox_get(st, id, &m), 1);
			T_CHECK(m.payload_len == p.len && memcmp(m.payload, p.data, p.len) == 0);
			pb_outbox_msg_clear(&m);
		}
	T_CHECK(pb_body_read_hits(st) > 0);
	T_CHECK(refs_consistent("reads.db"));
	pb_state_close(st);
	pb_buf_free(&p);
}

/* Sets the chunk list of message msg's body to l[0..n) and, given, its digest to sha
 * (another connection). */
static int
set_list(const char *name, const char *msg, const void *l, size_t n, const unsigned char *sha)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_ERROR;

	if (sqlite3_open(db_path(name), &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "UPDATE outbox_body SET chunks = ?1, sha256 = coalesce(?3,"
			       " sha256) WHERE id = (SELECT rowid FROM outbox WHERE msg_id = ?2)",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_blob(q, 1, l, (int)n, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 2, msg, -1, SQLITE_TRANSIENT);
		if (sha)
			sqlite3_bind_blob(q, 3, sha, 32, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(q, 3);
		rc = sqlite3_step(q) == SQLITE_DONE && sqlite3_changes(db) == 1 ? SQLITE_OK
										 : SQLITE_ERROR;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc;
}

/* The second encoding: literal runs read back beside chunks, deflated when that is shorter;
 * a body in the first encoding (written before literal runs) still read; a damaged list
 * refused, whichever part is damaged. */
static void
test_literals(void)
{
	struct pb_state *st = open_db("lit.db");
	static unsigned char text[6000];
	struct pb_buf p = { 0 }, l = { 0 };
	struct pb_body_list bl;
	struct pb_outbox_msg m;
	struct pb_body_hash bh;
	unsigned char whole[32], parts[32], world[32];
	unsigned int hl = 32;
	int64_t prev = 0, id;
	size_t run;

	T_CHECK(st != NULL);
	if (!st)
		return;
	/* the digests: "hello world" whole (the first encoding); a run "hello" then the chunk
	 * " world" (the second) */
	EVP_Digest("hello world", 11, whole, &hl, EVP_sha256(), NULL);
	EVP_Digest(" world", 6, world, &hl, EVP_sha256(), NULL);
	pb_body_hash_init(&bh);
	pb_body_hash_lit(&bh, "hello", 5);
	pb_body_hash_chunk(&bh, 6, world);
	T_EQ_INT(pb_body_hash_final(&bh, parts), 0);
	{
		/* the framing spelled out: type, length as 8 bytes little-endian, then the run's
		 * bytes or the chunk's SHA-256 */
		unsigned char raw[9 + 5 + 9 + 32], want[32];

		memcpy(raw, "L\x05\0\0\0\0\0\0\0hello", 14);
		memcpy(raw + 14, "C\x06\0\0\0\0\0\0\0", 9);
		memcpy(raw + 23, world, 32);
		EVP_Digest(raw, sizeof raw, want, &hl, EVP_sha256(), NULL);
		T_CHECK(memcmp(parts, want, 32) == 0);
	}
	{
		/* a run longer than the hasher's buffer, after a short one */
		static unsigned char raw[9 + 3 + 9 + 5000];
		unsigned char got[32], want[32];

		memcpy(raw, "L\x03\0\0\0\0\0\0\0abc", 12);
		memcpy(raw + 12, "L\x88\x13\0\0\0\0\0\0", 9);
		memset(raw + 21, 'x', 5000);
		EVP_Digest(raw, sizeof raw, want, &hl, EVP_sha256(), NULL);
		pb_body_hash_init(&bh);
		pb_body_hash_lit(&bh, "abc", 3);
		pb_body_hash_lit(&bh, raw + 21, 5000);
		T_EQ_INT(pb_body_hash_final(&bh, got), 0);
		T_CHECK(memcmp(got, want, 32) == 0);
	}
	/* text compresses: the literal bytes are stored deflated */
	fill(text, sizeof text, 5, 1);
	pb_buf_append(&p, text, sizeof text);
	pb_buf_append(&p, text, sizeof text);
	T_EQ_INT(put_msg(st, "lit", "a", &p, pb_now()), 1);
	T_EQ_INT(raw_count("lit.db", "SELECT count(*) FROM outbox_body WHERE"
			   " length(chunks) < 6000"), 1);
	T_EQ_INT(pb_outbox_get(st, "lit", &m), 1);
	T_CHECK(m.payload_len == p.len && memcmp(m.payload, p.data, p.len) == 0);
	pb_outbox_msg_clear(&m);
	/* the first encoding: "hello world" from two chunks */
	pb_buf_reset(&p);
	pb_buf_puts(&p, "hello world");
	T_EQ_INT(put_msg(st, "old", "b", &p, pb_now()), 1);
	pb_state_close(st);
	T_EQ_INT(raw_exec("lit.db", "INSERT INTO chunks(id, hash, refs, size, data) VALUES"
			  " (1001, 77001, 1, 5, CAST('hello' AS BLOB)),"
			  " (1002, 77002, 1, 6, CAST(' world' AS BLOB))"), SQLITE_OK);
	pb_body_list_add(&l, &prev, 1001);
	pb_body_list_add(&l, &prev, 1002);
	T_EQ_INT(set_list("lit.db", "old", l.data, l.len, whole), SQLITE_OK);
	st = open_db("lit.db");
	T_EQ_INT(pb_outbox_get(st, "old", &m), 1);
	T_CHECK(m.payload_len == 11 && memcmp(m.payload, "hello world", 11) == 0);
	pb_outbox_msg_clear(&m);
	/* the second encoding by hand: "hello" (a run of 5) then chunk 1001 (delta 1001:
	 * zigzag 2002, shifted 4004) is not the body: the SHA-256 says so */
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x05hello\x0b\xa4\x1f", 11, parts),
		 SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "SHA-256") != NULL);
	/* "hello" then chunk 1002 (4008) is; it is the digest the second encoding is read
	 * with, not the whole's */
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x05hello\x0b\xa8\x1f", 11, whole),
		 SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x05hello\x0b\xa8\x1f", 11, parts),
		 SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), 1);
	T_CHECK(m.payload_len == 11 && memcmp(m.payload, "hello world", 11) == 0);
	pb_outbox_msg_clear(&m);
	/* damaged: a run past the literal bytes; literal bytes left over; an unknown encoding;
	 * a stored length above the raw one; a stream that does not inflate */
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x05hello\x0d\xa8\x1f", 11, NULL), SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "damaged") != NULL);
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x05hello\x07\xa8\x1f", 11, NULL), SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "damaged") != NULL);
	T_EQ_INT(set_list("lit.db", "old", "\x03\x05\x05hello\x0b\xa8\x1f", 11, NULL), SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x06hello!\x0b\xa8\x1f", 12, NULL), SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_EQ_INT(set_list("lit.db", "old", "\x01\x05\x04hell\x0b\xa8\x1f", 10, NULL), SQLITE_OK);
	T_EQ_INT(pb_outbox_get(st, "old", &m), -1);
	T_CHECK(strstr(pb_state_errmsg(st), "inflate") != NULL);
	pb_state_close(st);
	/* the iterator alone: entries in order; a varint cut short is damage */
	T_EQ_INT(pb_body_list_open(&bl, "\x01\x05\x05hello\x0b\xa8\x1f", 11), 0);
	T_EQ_INT(pb_body_list_step(&bl, &id, &run), 1);
	T_CHECK(id == 0 && run == 5);
	T_EQ_INT(pb_body_list_step(&bl, &id, &run), 1);
	T_CHECK(id == 1002 && run == 0);
	T_EQ_INT(pb_body_list_step(&bl, &id, &run), 0);
	T_EQ_INT(pb_body_list_open(&bl, "\x01\x05\x05hello\x0b\xa8", 10), 0);
	T_EQ_INT(pb_body_list_step(&bl, &id, &run), 1);
	T_EQ_INT(pb_body_list_step(&bl, &id, &run), -1);
	T_EQ_INT(pb_body_list_open(&bl, "\x01\x85", 2), -1);
	pb_buf_free(&p);
	pb_buf_free(&l);
}

/* test_batches' message for reader i: 2,000 bytes of its own (in x), r, y and r again. */
static void
reader_msg(struct pb_buf *q, int i, unsigned char *x, const unsigned char *r, size_t rn,
	   const unsigned char *y, size_t yn)
{
	pb_buf_reset(q);
	pb_buf_printf(q, "To: reader%d\r\n\r\n", i);
	fill(x, 2000, 100 + (uint64_t)i, 0);
	pb_buf_append(q, x, 2000);
	pb_buf_append(q, r, rn);
	pb_buf_append(q, y, yn);
	pb_buf_append(q, r, rn);
}

/* The writes and reads a server makes in few round trips: a body with more new chunks than one
 * statement takes, some of them repeated inside it (counted once per use), put alone and
 * inside a transaction; 40 messages read back by pb_outbox_due (rows and chunks read ahead
 * for the batch); a digest's ledger row with all its papers. */
static void
test_batches(void)
{
	struct pb_state *st = open_db("batch.db");
	static unsigned char x[24000], r[3000], y[9000];
	struct pb_buf p = { 0 }, q = { 0 };
	struct pb_outbox_msg m, *v = NULL;
	const char *ids[17];
	int versions[17];
	size_t n = 0;

	T_CHECK(st != NULL);
	if (!st)
		return;
	fill(x, sizeof x, 11, 0);
	fill(r, sizeof r, 12, 1);
	fill(y, sizeof y, 13, 1);
	/* x alone holds about 70 new chunks; r is met four times */
	pb_buf_append(&p, x, sizeof x);
	pb_buf_append(&p, r, sizeof r);
	pb_buf_append(&p, r, sizeof r);
	pb_buf_append(&p, y, sizeof y);
	pb_buf_append(&p, r, sizeof r);
	pb_buf_append(&p, r, sizeof r);
	/* the first time, its chunks but r's later uses stay literal runs in the body */
	T_EQ_INT(put_msg(st, "seed", "a", &p, pb_now()), 1);
	T_CHECK(raw_count("batch.db", "SELECT count(*) FROM chunks") < PB_BODY_UPSERT_ROWS);
	T_EQ_INT(put_msg(st, "alone", "a", &p, pb_now()), 1);
	T_CHECK(refs_consistent("batch.db"));
	T_CHECK(raw_count("batch.db", "SELECT count(*) FROM chunks") > 2 * PB_BODY_UPSERT_ROWS);
	T_EQ_INT(pb_outbox_get(st, "alone", &m), 1);
	T_CHECK(m.payload_len == p.len && memcmp(m.payload, p.data, p.len) == 0);
	pb_outbox_msg_clear(&m);
	/* 40 more in one transaction, each sharing r and y and with chunks of its own */
	T_EQ_INT(pb_state_begin(st), 0);
	for (int i = 0; i < 40; i++) {
		char id[32];

		reader_msg(&q, i, x, r, sizeof r, y, sizeof y);
		snprintf(id, sizeof id, "m%02d", i);
		T_EQ_INT(put_msg(st, id, "b", &q, pb_now()), 1);
	}
	T_EQ_INT(pb_state_commit(st), 0);
	T_CHECK(refs_consistent("batch.db"));
	T_EQ_INT(pb_outbox_due(st, pb_now() + 10, 100, &v, &n), 0);
	T_EQ_INT(n, 42);
	for (size_t i = 0; i < n; i++) {
		int k;

		if (strcmp(v[i].msg_id, "alone") == 0 || strcmp(v[i].msg_id, "seed") == 0) {
			T_CHECK(v[i].payload_len == p.len &&
				memcmp(v[i].payload, p.data, p.len) == 0);
			continue;
		}
		T_CHECK(sscanf(v[i].msg_id, "m%d", &k) == 1);
		reader_msg(&q, k, x, r, sizeof r, y, sizeof y);
		T_CHECK(v[i].payload_len == q.len && memcmp(v[i].payload, q.data, q.len) == 0);
	}
	pb_outbox_msgs_free(v, n);
	/* a digest's ledger row: 1, 8, 9 and 17 papers (one id twice); none for 0 */
	for (int i = 0; i < 17; i++) {
		static char buf[17][24];

		snprintf(buf[i], sizeof buf[i], "2601.%05d", i);
		ids[i] = buf[i];
		versions[i] = 1 + i % 3;
	}
	ids[16] = ids[3];   /* the same paper at the same version again */
	versions[16] = versions[3];
	T_EQ_INT(pb_ledger_add_many(st, "l1", "2026-01-01", 1, ids, versions), 0);
	T_EQ_INT(pb_ledger_add_many(st, "l8", "2026-01-01", 8, ids, versions), 0);
	T_EQ_INT(pb_ledger_add_many(st, "l9", "2026-01-01", 9, ids, versions), 0);
	T_EQ_INT(pb_ledger_add_many(st, "l17", "2026-01-01", 17, ids, versions), 0);
	T_EQ_INT(pb_ledger_add_many(st, "l0", "2026-01-01", 0, ids, versions), 0);
	/* one row each, every paper in it */
	T_EQ_INT(raw_count("batch.db", "SELECT count(*) FROM ledger"), 4);
	T_EQ_INT(raw_count("batch.db", "SELECT count(*) FROM ledger WHERE subscriber = 'l17'"), 1);
	T_EQ_INT(raw_count("batch.db", "SELECT count(*) FROM ledger WHERE subscriber = 'l9'"
			   " AND papers LIKE '% 2601.00008:3'"), 1);
	for (int i = 0; i < 16; i++) {
		T_EQ_INT(pb_ledger_has(st, "l17", ids[i], NULL), 1);
		T_EQ_INT(pb_ledger_has(st, "l9", ids[i], NULL), i < 9);
		T_EQ_INT(pb_ledger_has(st, "l1", ids[i], NULL), i < 1);
		T_EQ_INT(pb_ledger_has(st, "l0", ids[i], NULL), 0);
	}
	T_EQ_INT(pb_ledger_has(st, "l17", "2601.00016", NULL), 0);
	T_EQ_INT(pb_ledger_has(st, "l17", "2601.00015", NULL), 1);
	T_EQ_INT(pb_ledger_has(st, "l8", "2601.00008", NULL), 0);
	pb_state_close(st);
	pb_buf_free(&p);
	pb_buf_free(&q);
}

enum { H_PAPER = 3000, H_PER = (H_PAPER + PB_BODY_PIECE_MAX - 1) / PB_BODY_PIECE_MAX };
static unsigned char h_papers[10 * H_PAPER];
static struct pb_body_piece h_pieces[10][H_PER];

/* Subscriber i's message of six papers into p, the papers' pieces into h. */
static void
hinted(int i, struct pb_buf *p, struct pb_body_hints *h)
{
	pb_buf_reset(p);
	h->n = 0;
	pb_buf_printf(p, "To: s%05d@example.org\r\n\r\nHello s%05d\r\n", i, i);
	for (int k = 0; k < 6; k++) {
		int q = (i * 7 + k * 3) % 10;

		/* a heading as long as a few chunks, the same for every fourth reader (the
		 * stretches the gap table replays) */
		pb_buf_printf(p, "\r\n<p style=\"margin:0 0 6px 0;font-size:17px;line-height:23px\">"
				 "[%d] topic %d</p>\r\n<p class=\"muted\" style=\"margin:0 0 10px 0;"
				 "font-size:12px;color:#666666\">score %d, %s</p>\r\n",
			      k + 1, i % 4, 10 - k, k % 2 ? "revised" : "new");
		for (int j = 0; j < H_PER; j++)
			pb_body_hints_push(h, p->len + (size_t)j * PB_BODY_PIECE_MAX, &h_pieces[q][j]);
		pb_buf_append(p, h_papers + (size_t)q * H_PAPER, H_PAPER);
	}
	pb_buf_printf(p, "\r\nunsubscribe s%05d\r\n", i);
}

/* Pieces of known hash (pb_outbox_msg.hints, as the build hands a paper's blocks): every
 * body reads back exactly and the papers are stored about once; hints that are not pieces
 * of the payload in order (out of order, past its end, too long, empty) are ignored and the
 * body is cut by its content instead. Some bodies are worked out ahead (pb_body_prepare, as
 * the build does) and read back the same; one worked out for another payload is refused. */
static void
test_hints(void)
{
	enum { SUBS = 60 };
	struct pb_state *st = open_db("hints.db");
	struct pb_buf p = { 0 };
	struct pb_body_hints h = { 0 };
	struct pb_outbox_msg m;
	struct pb_body_piece big, none;
	long whole = 0, stored;
	char id[32], sub[32];
	int same = 1;

	T_CHECK(st != NULL);
	if (!st)
		return;
	fill(h_papers, sizeof h_papers, 7, 1);
	for (int k = 0; k < 10; k++)
		for (int j = 0; j < H_PER; j++) {
			size_t off = (size_t)j * PB_BODY_PIECE_MAX;
			size_t n = H_PAPER - off < PB_BODY_PIECE_MAX ? H_PAPER - off : PB_BODY_PIECE_MAX;

			pb_body_piece_hash(&h_pieces[k][j], h_papers + (size_t)k * H_PAPER + off, n);
		}
	big = none = h_pieces[0][0];
	big.len = PB_BODY_PIECE_MAX + 1;
	none.len = 0;
	T_EQ_INT(pb_state_begin(st), 0);
	for (int i = 0; i < SUBS; i++) {
		struct pb_outbox_msg w;
		struct pb_body_hint bad[3];

		hinted(i, &p, &h);
		whole += (long)p.len;
		snprintf(id, sizeof id, "h%d", i);
		snprintf(sub, sizeof sub, "s%05d", i);
		msg_of(&w, id, sub, &p, 1000);
		w.hints = h.v;
		w.n_hints = h.n;
		switch (i % 12) {
		case 1:   /* out of order */
			bad[0] = h.v[1], bad[1] = h.v[0], bad[2] = h.v[2];
			w.hints = bad, w.n_hints = 3;
			break;
		case 2:   /* past the end */
			bad[0] = (struct pb_body_hint){ p.len - 10, &h_pieces[0][0] };
			w.hints = bad, w.n_hints = 1;
			break;
		case 3:   /* too long */
			bad[0] = (struct pb_body_hint){ 0, &big };
			w.hints = bad, w.n_hints = 1;
			break;
		case 4:   /* empty */
			bad[0] = (struct pb_body_hint){ 0, &none };
			w.hints = bad, w.n_hints = 1;
			break;
		case 5:   /* worked out ahead of another payload: refused */
			w.prep = pb_body_prepare(st, p.data, p.len - 1, h.v, h.n - 1);
			T_EQ_INT(pb_outbox_put(st, &w), -1);
			pb_body_prep_free((struct pb_body_prep *)w.prep);
			w.prep = NULL;
			break;
		default:
			break;
		}
		if (i % 3 == 0 || i % 12 == 5)   /* worked out ahead, hints given or not */
			w.prep = pb_body_prepare(st, p.data, p.len, i % 2 ? NULL : h.v,
						 i % 2 ? 0 : h.n);
		T_EQ_INT(pb_outbox_put(st, &w), 1);
		pb_body_prep_free((struct pb_body_prep *)w.prep);
	}
	T_EQ_INT(pb_state_commit(st), 0);
	for (int i = 0; i < SUBS; i++) {
		snprintf(id, sizeof id, "h%d", i);
		hinted(i, &p, &h);
		if (pb_outbox_get(st, id, &m) != 1 || m.payload_len != p.len ||
		    memcmp(m.payload, p.data, p.len) != 0)
			same = 0;
		pb_outbox_msg_clear(&m);
	}
	T_CHECK(same);
	/* the tables derived from bytes given back (pb_state_trim): a body put after reads back */
	pb_state_trim(st);
	hinted(SUBS, &p, &h);
	msg_of(&m, "after-trim", "s-after", &p, 1000);
	m.hints = h.v;
	m.n_hints = h.n;
	T_EQ_INT(pb_outbox_put(st, &m), 1);
	memset(&m, 0, sizeof m);
	T_CHECK(pb_outbox_get(st, "after-trim", &m) == 1 && m.payload_len == p.len &&
		memcmp(m.payload, p.data, p.len) == 0);
	pb_outbox_msg_clear(&m);
	stored = raw_count("hints.db", "SELECT sum(size) FROM chunks");
	T_CHECK(stored > 0 && stored < whole / 10);
	T_CHECK(refs_consistent("hints.db"));
	pb_body_hints_free(&h);
	pb_buf_free(&p);
	pb_state_close(st);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "%s/pb-test-chunks-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_cdc();
	test_list();
	test_literals();
	test_store();
	test_damage();
	test_prune_space();
	test_wal_size();
	test_migrate_v6();
	test_savepoints();
	test_reads_cache();
	test_batches();
	test_hints();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_chunks");
}
