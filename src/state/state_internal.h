/* Inside the state module: the handle and the helpers its files share. Not a contract: only
 * the files of src/state/ include it. */
#ifndef PAPERBOY_STATE_INTERNAL_H
#define PAPERBOY_STATE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"
#include "db.h"

struct pb_buf;

/* The rows of a page of the ledger's scan (S_LEDGER_SCAN, ledger.c), and that number in the
 * statement's text. */
#define PB_LEDGER_PAGE 4096
#define PB_SQL_NUM_(n) #n
#define PB_SQL_NUM(n) PB_SQL_NUM_(n)

enum stmt_id {
	S_OUT_PUT,
	S_OUT_DUE,
	S_OUT_NEXT,
	S_OUT_SENT,
	S_OUT_RETRY,
	S_OUT_STATUS,
	S_OUT_TRIED,
	S_OUT_REDIRECT,
	S_OUT_DEFER,
	S_OUT_PAUSE_DEST,
	S_OUT_PENDING,
	S_OUT_REQUEUE_ALL,
	S_OUT_REQUEUE_ONE,
	S_OUT_SETTLE_SUB,
	S_OUT_PAUSE_SUB,
	S_OUT_HOLD,
	S_OUT_HELD_SUBS,
	S_OUT_UNHOLD,
	S_OUT_HELD,
	S_OUT_HELD_OF,
	S_OUT_HELD_DROPPED,
	S_OUT_COUNTS,
	S_OUT_ERRORS,
	S_OUT_GET,
	S_OUT_HAS_DIGEST,
	S_OUT_FORMER_DESTS,
	S_LEDGER_GET,
	S_LEDGER_GET_EXCEPT,
	S_LEDGER_SCAN,
	S_LEDGER_SCAN_EXCEPT,
	S_LEDGER_ADD,
	S_LEDGER_CLEAR,
	S_RUN_INTERRUPTED,
	S_RUN_BEGIN,
	S_RUN_END,
	S_RUN_ADD,
	S_RUN_DONE,
	S_RUN_LAST_DONE,
	S_RUN_FIRST_DONE,
	S_RUN_RECENT,
	S_CACHE_GET,
	S_CACHE_PUT,
	S_TOK_GET,
	S_TOK_ADD,
	S_PAPER_SEEN,
	S_CORPUS_PUT,
	S_SUB_LIST,
	S_SUB_GET,
	S_SUB_GEN_NEXT,
	S_SUB_PUT,
	S_SUB_DEL,
	S_SUB_FILE_INACTIVE,
	S_SUB_REMOVED_SET,
	S_SUB_REMOVED_GET,
	S_SUB_LINKS_SET,
	S_SUB_LINKS_GET,
	S_FB_PUT,
	S_FB_PUT_AT,
	S_FB_DEL,
	S_FB_GET,
	S_FB_LIST,
	S_FB_CLEAR,
	S_SUP_PUT,
	S_SUP_HAS,
	S_SUP_CLEAR,
	S_SUP_LIFT,
	S_SUP_LIFT_OTHER,
	S_OUT_RELEASE_SUP,
	S_SUP_LIST,
	S_SIGNUP_PUT,
	S_SIGNUP_GET,
	S_SIGNUP_DEL,
	S_STAMP_GET,
	S_STAMP_PUT,
	S_STAMP_DEL,
	S_META_GET,
	S_META_PUT,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_COUNT
};

/* The chunk store's statements (chunks.c). */
/* New chunks of a body written by one statement, up to this many. */
#define PB_BODY_UPSERT_ROWS 16
enum body_stmt_id { B_PUT, B_GET, B_GETS, B_CHUNK, B_CHUNKS, B_UNREF, B_COUNT };

struct pb_state {
	struct pb_db *db;
	_Atomic int64_t commit_ms;   /* when a commit last ended (pb_mono_ms), 0: none yet */
	pb_db_stmt *stmt[S_COUNT];
	pb_db_stmt *body_stmt[B_COUNT];
	pb_db_stmt *body_upsert[PB_BODY_UPSERT_ROWS + 1];   /* the upsert of n new chunks */
	pb_db_stmt *body_addref[PB_BODY_UPSERT_ROWS + 1];   /* counts added to n chunks */
	int body_locked;        /* the chunks' lock is held by the open transaction (PostgreSQL) */
	int part_open;          /* the caller's savepoint (pb_state_savepoint) is open: a put
				 * that fails inside it is undone with it */
	struct pb_body_cache *body_cache;   /* chunks referenced in the open transaction */
	struct pb_body_reads *body_reads;   /* chunks read lately, inflated (chunks.c) */
	int version;
	char last_error[256];   /* the last error logged: a savepoint's rollback resets the
				 * driver's */
	int own_error;          /* last_error is paperboy's, not SQLite's (whose code says nothing
				 * about it) */
	int busy;               /* last_error was the database busy or out of reach */
	char machine[128];      /* this machine's name in a shared state ("" = the only one) */
	int64_t beat_ms;        /* monotonic time of the last heartbeat through this handle */
};

/* The migrations' SQLite DDL for PostgreSQL (schema_pg.c): INTEGER -> BIGINT (an INTEGER
 * PRIMARY KEY an identity), BLOB -> BYTEA, TEXT in byte order, WITHOUT ROWID dropped,
 * group_concat -> string_agg. */
void pb_st_pg_ddl(const char *sql, struct pb_buf *out);
/* PostgreSQL's own objects, (re)made at each migration. */
extern const char pb_st_pg_extras[];

/* Logs a failure that is not SQLite's (op and why) and makes it what pb_state_errmsg says. */
void pb_st_fail(struct pb_state *st, const char *op, const char *why);
/* The prepared statement id, reset and unbound (prepared on first use), or NULL (logged). */
pb_db_stmt *pb_st_stmt(struct pb_state *st, enum stmt_id id);
/* The SQL of statement id (SQLite's words), or NULL past S_COUNT: for the query plans' test. */
const char *pb_st_stmt_sql(enum stmt_id id);
/* Steps a statement that returns no rows and resets it. 0 or -1 (logged with op). */
int pb_st_run(struct pb_state *st, pb_db_stmt *s, const char *op);
/* Runs sql, one statement without parameters (a savepoint's), prepared for the call. 0 / -1
 * (op names it in the error). */
int pb_st_exec(struct pb_state *st, const char *sql, const char *op);
/* Steps a statement whose answer is "a row exists". 1, 0 or -1 (logged). */
int pb_st_exists(struct pb_state *st, pb_db_stmt *s, const char *op);
/* A statement prepared for one use (finalize it), or NULL (logged with op): for the tables
 * whose statements are not in the shared table. */
pb_db_stmt *pb_st_prepare(struct pb_state *st, const char *sql, const char *op);
/* Logs the connection's last error for op. */
void pb_st_error(struct pb_state *st, const char *op);
/* Binds v, or NULL when v is NULL. */
void pb_st_bind_text(pb_db_stmt *s, int i, const char *v);
/* Column i as a malloc'd string, NULL for NULL. */
char *pb_st_col_dup(pb_db_stmt *s, int i);
/* Steps s to its end, its rows' first column (text) into *out (*n of them, malloc'd). 0, or -1
 * with the error noted as op and nothing kept. The caller resets or finalizes s. */
int pb_st_col_list(struct pb_state *st, pb_db_stmt *s, const char *op, char ***out, size_t *n);
/* pb_outbox_due, limited to the messages claimed by claimed_by when it is not NULL. */
int pb_st_outbox_due(struct pb_state *st, int64_t now, size_t max, const char *claimed_by,
		     struct pb_outbox_msg **out, size_t *n);
/* Column i copied into out ("" for NULL), truncated to n. */
void pb_st_col_copy(pb_db_stmt *s, int i, char *out, size_t n);

/* ---- the SQLite file's space (space.c) ---- */

/* At open for writing: auto_vacuum=INCREMENTAL, through one VACUUM when the file has another
 * mode. 0, or -1 with err filled (naming path); a VACUUM that cannot run now is a warning. */
int pb_st_sqlite_space(struct pb_state *st, const char *path, char *err, size_t errlen);
/* After pruning, outside a transaction: the freed pages back to the file system (SQLite
 * only; a failure is logged). */
void pb_st_give_back(struct pb_state *st);

/* ---- message bodies as chunks (chunks.c) ---- */

/* Stores payload (len bytes) as the body of outbox row id: cut into chunks, each distinct
 * chunk stored once (deflated) and counted; the n_hints pieces hints (state.h) are chunks as
 * they are, with their hashes as given, and only the stretches between them are cut. 0, or
 * -1 (logged). */
int pb_body_put(struct pb_state *st, int64_t id, const void *payload, size_t len,
		const struct pb_body_hint *hints, size_t n_hints);
/* The same for a body worked out ahead from payload (pb_body_prepare, by this handle). */
int pb_body_put_prepared(struct pb_state *st, int64_t id, const void *payload,
			 const struct pb_body_prep *b);
/* The body of outbox row id, exactly as stored, into *payload (malloc'd, NUL-terminated, the
 * caller's) and *len. 1, 0 when the row has no body, -1 on a database error, -2 when the
 * body does not come back exactly (its SHA-256 differs, a chunk is missing or damaged): both
 * logged, the latter naming msg_id. */
int pb_body_get(struct pb_state *st, int64_t id, const char *msg_id, char **payload,
		size_t *len);
/* Deletes the bodies of the outbox rows pruned at cutoff (settled, created before it, dated
 * before before_day), releases their chunks and deletes the chunks no body uses. Rows
 * deleted, or -1 (logged). */
long pb_body_prune(struct pb_state *st, int64_t cutoff, const char *before_day);
/* Schema 6 -> 7: every outbox_payload row into a body; drops outbox_payload. 0 / -1 (err). */
int pb_body_migrate(struct pb_state *st, char *err, size_t errlen);
/* Schema 10 -> 11: every chunk's refs set to the references the bodies' lists hold (the
 * migration's SQL zeroed them). 0 / -1 (err). */
int pb_body_recount(struct pb_state *st, char *err, size_t errlen);
/* The reference counts the open transaction's puts gained, written to the chunk table: before
 * a commit (pb_state_commit) and at the end of a put outside a transaction. 0, or -1 (logged;
 * also when an earlier write of the transaction failed: the transaction must not commit). */
int pb_body_flush(struct pb_state *st);
/* Forgets the chunk cache (a rollback, a failed commit); poison: a write failed inside a
 * transaction that goes on, whose commit must then fail. */
void pb_body_drop(struct pb_state *st, int poison);
/* The caller's savepoint (pb_state_savepoint) opened, released, or rolled back to: the counts
 * gained inside it are undone with it. pb_body_failed: a put failed (alone: in a transaction
 * of its own); inside the caller's savepoint the rollback to it clears the failure, a release
 * makes the transaction's commit fail. */
/* On a PostgreSQL state several machines may enqueue at once, each taking the locks of chunk
 * rows and of the outbox's keys in the order of its own digests: two such transactions can
 * deadlock. Every writer of the outbox and the chunk store takes this lock first (held to the
 * end of the transaction, taken again at no cost), so they queue instead. SQLite has one
 * writer anyway: a no-op there. 0 / -1. */
int pb_body_lock(struct pb_state *st);
void pb_body_savepoint(struct pb_state *st);
/* schema.c: the migrations (SQL written once for both backends) and what each does beyond its
 * SQL (NULL for nothing). */
extern const char *const pb_st_migrations[];
extern int (*const pb_st_migration_steps[PB_STATE_SCHEMA])(struct pb_state *, char *, size_t);
void pb_body_release(struct pb_state *st);
void pb_body_rolled_back(struct pb_state *st);
void pb_body_failed(struct pb_state *st, int alone);
/* Finalizes the chunk store's statements. */
void pb_body_close(struct pb_state *st);
/* Chunks this handle served from its reads cache, not the table (for tests). */
unsigned long pb_body_read_hits(const struct pb_state *st);
/* The chunk list's first encoding (bodies written before literal runs, still read): chunk
 * ids as zigzag deltas in varints. Appends id (after *prev) to b; reads the next id at *pos.
 * pb_body_list_next: 0, or -1 when the list is damaged. */
void pb_body_list_add(struct pb_buf *b, int64_t *prev, int64_t id);
int pb_body_list_next(const unsigned char *p, size_t n, size_t *pos, int64_t *prev,
		      int64_t *id);

/* A body's list read entry by entry, in either encoding (chunks.c says the second one): each
 * entry a stored chunk's id, or a run of the body's own literal bytes. */
struct pb_body_list {
	const unsigned char *p;
	size_t n, pos;
	int64_t prev;
	int literals;                /* the second encoding */
	const unsigned char *lit;    /* the literal bytes as stored: raw, or a zlib stream */
	size_t lit_raw, lit_stored;  /* their length, and their stored length */
};
/* 0, or -1 when the list's head is damaged. */
int pb_body_list_open(struct pb_body_list *l, const void *p, size_t n);

/* The digest a body in the second encoding is checked against (chunks.c): SHA-256 over its
 * entries in order, each a type byte, its length (8 bytes, little-endian) and, for a literal
 * run, its bytes, for a chunk, the SHA-256 of its bytes. It binds every byte as the whole
 * body's SHA-256 does, yet a chunk met in many bodies is hashed once, not once per body. */
struct pb_body_hash {
	void *ctx;
	int failed;
	size_t n;                  /* bytes waiting in buf: hashed a few KB at a time */
	unsigned char buf[4096];
};
void pb_body_hash_init(struct pb_body_hash *h);
void pb_body_hash_lit(struct pb_body_hash *h, const void *p, size_t n);
void pb_body_hash_chunk(struct pb_body_hash *h, size_t size, const unsigned char sha[32]);
/* 0, or -1 when SHA-256 failed (out of memory) anywhere on the way. */
int pb_body_hash_final(struct pb_body_hash *h, unsigned char out[32]);
/* The next entry: 1 with *id a chunk (*lit 0) or *lit the length of a literal run (*id 0);
 * 0 at the end; -1 when the list is damaged. */
int pb_body_list_step(struct pb_body_list *l, int64_t *id, size_t *lit);

#endif
