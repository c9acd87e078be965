/* State: one SQLite database (WAL) under state_dir, or one PostgreSQL database several machines
 * share: the only thing that must survive a restart.
 * Tables: meta(schema version), papers, runs, outbox (+ outbox_body, chunks), ledger, summary_cache,
 * token_usage, subscribers, feedback, suppressions, signups, stamps, corpus, author_papers,
 * embeddings, fulltext. Every statement on it is this module's: other modules call the functions below
 * and never see the connection. */
#ifndef PAPERBOY_STATE_H
#define PAPERBOY_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/paper.h"

struct pb_state;   /* opaque; wraps one connection (SQLite or PostgreSQL) */

/* Opens (creating, migrating) path, e.g. state_dir + "/paperboy.db"; WAL, busy timeout, foreign
 * keys. Returns NULL with err filled (err names path). Same as PB_STATE_CREATE below. */
struct pb_state *pb_state_open(const char *path, char *err, size_t errlen);

enum pb_state_mode {
	PB_STATE_CREATE,   /* read-write, created and migrated when needed (run, daemon) */
	PB_STATE_WRITE,    /* read-write, migrated; a missing database is an error (retry) */
	PB_STATE_READ,     /* read-only: never writes, creates or migrates (status); works on a
			    * read-only file system. A schema other than PB_STATE_SCHEMA is an
			    * error, since the statements expect it */
};
/* Opens path in mode. Returns NULL with err filled (err names path). *busy (may be NULL) is
 * set to 1 when another process held SQLite's write lock past the busy timeout (10 s): a
 * failure a later try may not have (exit 75, EX_TEMPFAIL). */
struct pb_state *pb_state_open_sqlite(const char *path, enum pb_state_mode mode, int *busy,
				      char *err, size_t errlen);
/* pb_state_open_sqlite without *busy. */
struct pb_state *pb_state_open_mode(const char *path, enum pb_state_mode mode, char *err,
				    size_t errlen);
/* Opens the state in a PostgreSQL database (conninfo: libpq's "host=... dbname=..."), creating
 * and migrating its schema in one transaction under an advisory lock (so machines starting at
 * once migrate once) unless mode is PB_STATE_READ. Returns NULL with err filled; err names the
 * host and database, never the password. *temporary (may be NULL) is set to 1 when the server
 * could not be reached, a failure a later try may not have (exit 75, EX_TEMPFAIL). */
struct pb_state *pb_state_open_pg(const char *conninfo, enum pb_state_mode mode, int *temporary,
				  char *err, size_t errlen);
/* Checks a libpq conninfo for the config: it parses, and with allow_password 0 holds no
 * password. 0, or -1 with msg filled (never quoting the string). */
int pb_state_conninfo_check(const char *conninfo, int allow_password, char *msg, size_t n);
/* "host=H port=P dbname=D user=U" of conninfo, never its password, into out (for messages). */
void pb_state_conninfo_describe(const char *conninfo, char *out, size_t n);
/* "postgresql" or "sqlite". */
const char *pb_state_backend(struct pb_state *st);
/* Connection lost mid-run (PostgreSQL only; nothing of this on SQLite). A pb_state function
 * that finds the connection gone waits for the server (the patience: 60 s unless set; 0 fails
 * at once), connecting again with a growing pause (0.2 s doubling to 5 s); on the new connection
 * it replays the transaction that was open (what the caller did since pb_state_begin) and goes
 * on, so the caller notices only the wait. A pb_state_commit whose reply was lost with the
 * connection is replayed only when the server says that transaction did not commit; when it
 * did, the commit succeeds as it is (and when the server cannot tell within the patience, the
 * commit fails saying so: whether it committed is then unknown). When the server stays away,
 * or the transaction
 * cannot be replayed, the function fails (-1 or its error value) and the open transaction is
 * gone: pb_state_in_transaction says 0, pb_state_commit fails, and nothing it held (a "sent"
 * mark) was made. pb_state_lost says whether the connection is gone now; pb_state_reconnect
 * waits for it on demand for at most max_wait_ms: 0 connected, -1 not (pb_state_errmsg). */
int pb_state_lost(struct pb_state *st);
int pb_state_reconnect(struct pb_state *st, long max_wait_ms);
void pb_state_set_patience(struct pb_state *st, long max_wait_ms);
/* The same, returning the patience it replaces (to be set back). */
long pb_state_swap_patience(struct pb_state *st, long max_wait_ms);
/* SQLite: how long a statement waits for the lock another connection holds (a run writing)
 * before it fails with "database is locked" (pb_state_busy); 10 s unless set, 0 restores
 * that. Nothing on PostgreSQL. */
void pb_state_set_busy_wait(struct pb_state *st, long max_wait_ms);
/* Whether a transaction is open: after a failed statement inside one, 0 means SQLite rolled
 * the whole transaction back (disk full, I/O error, RAISE(ROLLBACK)), not only the statement. */
int pb_state_in_transaction(struct pb_state *st);
void pb_state_close(struct pb_state *st);    /* accepts NULL */
int pb_state_begin(struct pb_state *st);     /* BEGIN IMMEDIATE; 0 / -1 */
/* A read window: many reads in one snapshot. On SQLite each read outside a transaction takes
 * and gives back the database's read lock (system calls on its lock file); inside a window
 * the lock is taken once. open 1 begins a deferred transaction when none is open (1: begun,
 * 0: nothing done, -1: failed); open 0 ends a window begun so (0 / -1). Only reads belong in
 * it: a write there could find the snapshot outdated by another connection's commit. What the
 * reads see is the state when the window's first read ran. PostgreSQL answers each read in
 * one round trip anyway: nothing is done there (0). */
int pb_state_read_window(struct pb_state *st, int open);
/* on: every commit reaches the disk before it returns (SQLite's synchronous=FULL), and so do
 * the commits before it; off (the default, NORMAL): the last commits may be undone by a power
 * loss (never corrupted). pb_state_sync turns it on for one commit; enqueueing, which
 * a later run redoes when it was lost, runs without a sync per commit. PostgreSQL commits
 * durably anyway: a no-op there. 0 / -1. */
int pb_state_durable(struct pb_state *st, int on);
/* Puts every commit made so far on disk (SQLite: one small commit with synchronous=FULL, which
 * syncs the write-ahead log; PostgreSQL: nothing to do). Outside a transaction. 0 / -1. */
int pb_state_sync(struct pb_state *st);
/* Gives back the memory that speeds up writing many message bodies (the chunks met in this
 * process), once they are written: between building digests and delivering them. Outside a
 * transaction; anything still to be written is kept. */
void pb_state_trim(struct pb_state *st);
/* on 0: this handle's commits leave the write-ahead log's checkpoints (copying it into the
 * database file, and that file's sync) to the other handles' commits; on 1: it makes them
 * again, as every handle does by default (SQLite: every 1,000 pages the log holds). Only for a
 * handle beside another in the same process that commits often (a run's build beside its
 * delivery): a handle alone with it off would let the log grow. PostgreSQL: nothing to do.
 * 0 / -1. */
int pb_state_checkpoints(struct pb_state *st, int on);
/* One passive checkpoint now, outside a transaction (SQLite; PostgreSQL: nothing to do): what
 * the log holds that no reader still needs goes into the database file. 0 / -1. */
int pb_state_checkpoint(struct pb_state *st);
int pb_state_commit(struct pb_state *st);
/* When this handle's last pb_state_commit ended (pb_mono_ms), 0 before the first; safe to ask
 * from another thread while the handle is in use. */
int64_t pb_state_commit_ms(struct pb_state *st);
int pb_state_rollback(struct pb_state *st);
/* Inside an open transaction: pb_state_savepoint marks a point, pb_state_release keeps what
 * came after it, pb_state_rollback_to undoes only that (and releases the mark). Marks nest.
 * 0 / -1; pb_state_rollback_to fails when the whole transaction is gone (roll it back).
 * Inside a mark, pb_outbox_put opens no savepoint of its own (a round trip fewer on a
 * server): when it fails, what it wrote is undone by pb_state_rollback_to, which must come. */
int pb_state_savepoint(struct pb_state *st);
int pb_state_release(struct pb_state *st);
int pb_state_rollback_to(struct pb_state *st);
/* "ok" or the first problem reported by PRAGMA integrity_check, into buf. Returns 0 when ok. */
int pb_state_integrity(struct pb_state *st, char *buf, size_t n);
/* Deletes rows older than days (sent/expired/failed outbox rows, runs, ledger, papers seen,
 * cache, token counts; pending and paused messages stay). Returns the rows deleted or -1. */
int pb_state_prune(struct pb_state *st, int days);

/* ---- outbox ---- */
enum pb_outbox_status {
	PB_OUT_PENDING = 0,
	PB_OUT_SENT,
	PB_OUT_FAILED,      /* permanent failure, server's words in last_error */
	PB_OUT_EXPIRED,     /* older than the delivery lifetime */
	PB_OUT_PAUSED,      /* destination paused (e.g. Telegram bot blocked) */
};

/* A piece of a payload whose hashes are known before it is stored: a paper's block that every
 * digest of a run showing it repeats, hashed once a run (pb_body_piece_hash) instead of
 * once a message. The state stores it as one chunk, as it would a content-defined one. A
 * piece may be longer than a content-defined chunk (1 KB at most): a paper's block is one to
 * three pieces, each one entry of a body's list, instead of three to ten. */
#define PB_BODY_PIECE_MAX 4096
struct pb_body_piece {
	uint32_t len;                  /* 1 .. PB_BODY_PIECE_MAX */
	uint64_t fh;
	unsigned char sha[32];
};
/* Fills x for the n bytes at p (n at most PB_BODY_PIECE_MAX). */
void pb_body_piece_hash(struct pb_body_piece *x, const void *p, size_t n);
/* The n bytes at p cut in pieces of PB_BODY_PIECE_MAX (the last shorter), each hashed: a
 * malloc'd array of *count. */
struct pb_body_piece *pb_body_pieces(const void *p, size_t n, size_t *count);
/* Where a piece is in a payload: bytes [off, off + piece->len). */
struct pb_body_hint {
	size_t off;
	const struct pb_body_piece *piece;
};
struct pb_body_hints {
	struct pb_body_hint *v;
	size_t n, cap;
};
void pb_body_hints_push(struct pb_body_hints *h, size_t off, const struct pb_body_piece *x);
void pb_body_hints_free(struct pb_body_hints *h);

/* A payload's body worked out ahead of its pb_outbox_put, from its bytes alone: where it is
 * cut, each chunk's hashes, its literal bytes compressed, its digest. Made while the payload
 * is fresh in the processor's cache (just rendered), it leaves the outbox's transaction the
 * chunks' ids to look up and the rows to write. st is the handle that puts it (the cutting
 * remembers what that handle met); hints as in pb_outbox_msg. Never NULL; freed with
 * pb_body_prep_free. */
struct pb_body_prep;
struct pb_body_prep *pb_body_prepare(struct pb_state *st, const void *payload, size_t len,
				     const struct pb_body_hint *hints, size_t n_hints);
void pb_body_prep_free(struct pb_body_prep *b);
/* The payload's length it was made for. */
size_t pb_body_prep_len(const struct pb_body_prep *b);

struct pb_outbox_msg {
	int64_t rowid;
	char *msg_id;       /* deterministic: "<date>/<subscriber>/<channel>/<dest>/<part>", and
			     * "/g<generation>" after it when the outbox held another subscriber's
			     * digest of that name and date (pb_channel_msg_id) */
	char *subscriber;
	int64_t generation; /* pb_outbox_put only: the subscriber's (pb_sub_row), 0 for a file's */
	char *channel;      /* "email", "slack", "telegram", "file" */
	char *dest;         /* address, chat id, "webhook" (never the secret URL), file dir */
	char *fingerprint;  /* dest "webhook": its URL's when the message was made
			     * (pb_channel_dest_fp); NULL for a dest that names itself, and for
			     * a message from before the outbox kept it */
	char *digest_date;  /* YYYY-MM-DD */
	int part;           /* 1.. */
	int n_parts;
	char *payload;      /* rendered message: full RFC 5322 message, or the JSON body */
	size_t payload_len;
	enum pb_outbox_status status;
	int attempts;
	int64_t next_attempt;   /* unix seconds */
	int64_t created;
	char *last_error;
	/* pb_outbox_put only, optional: pieces of payload whose hashes are known, in order,
	 * not overlapping (anything else is stored as if there were none) */
	const struct pb_body_hint *hints;
	size_t n_hints;
	/* pb_outbox_put only, optional: the body worked out ahead (pb_body_prepare) for these
	 * very payload bytes; hints are then not read */
	const struct pb_body_prep *prep;
};

/* Inserts unless msg_id already exists (then nothing changes). Returns 1 inserted, 0 existed,
 * -1 error. */
int pb_outbox_put(struct pb_state *st, const struct pb_outbox_msg *m);
/* Loads up to max pending messages whose next_attempt <= now, ordered by subscriber, channel,
 * dest, part (so parts of one destination go in order; within a destination, older digest
 * dates first). *out owned by caller. */
int pb_outbox_due(struct pb_state *st, int64_t now, size_t max, struct pb_outbox_msg **out,
		  size_t *n);
/* Earliest next_attempt among pending messages not held (PB_OUTBOX_HELD), or -1 when none. */
int64_t pb_outbox_next_due(struct pb_state *st);
int pb_outbox_mark_sent(struct pb_state *st, int64_t rowid, int64_t now);
/* Sent: status sent, attempts+1, sent time now. */
/* Transient failure: attempts+1, next_attempt = when, last_error = why. */
int pb_outbox_mark_retry(struct pb_state *st, int64_t rowid, int64_t when, const char *why);
int pb_outbox_mark_status(struct pb_state *st, int64_t rowid, enum pb_outbox_status s,
			  const char *why);
/* mark_status sets the status and, when why is not NULL, last_error; attempts unchanged (a
 * message settled without being tried: expired, refused before sending). */
/* After an attempt that settled the message (failed, paused, expired by its retry): the status,
 * attempts+1 and, when why is not NULL, last_error. */
int pb_outbox_mark_tried(struct pb_state *st, int64_t rowid, enum pb_outbox_status s,
			 const char *why);
/* Moves pending messages of (channel, dest) to new_dest (Telegram group migration); msg_id is
 * kept, so a repeated cycle still finds them. Returns the number moved or -1. */
int pb_outbox_redirect(struct pb_state *st, const char *channel, const char *dest,
		       const char *new_dest);
/* The pending messages of m's destination (subscriber, channel, dest) that come after m (a
 * later part of its digest, or a later digest) become due no earlier than when, so a restart
 * never sends part 2 before part 1. Attempts unchanged. Returns the number deferred or -1. */
int pb_outbox_defer_after(struct pb_state *st, const struct pb_outbox_msg *m, int64_t when);
/* Every pending message of (channel, dest) becomes paused with last_error why, changed at now
 * (the destination refuses everything, e.g. a Telegram bot blocked). Attempts unchanged.
 * Returns the number paused or -1. */
int pb_outbox_pause_dest(struct pb_state *st, const char *channel, const char *dest,
			 const char *why, int64_t now);
/* The number of pending messages (due or not), or -1 on error. */
long pb_outbox_pending(struct pb_state *st);
/* Failed (and paused) messages back to pending, optionally for one subscriber (NULL = all):
 * attempts 0, due at once, and created = now so the delivery lifetime starts again.
 * Returns the number requeued or -1. */
int pb_outbox_requeue(struct pb_state *st, const char *subscriber);
/* Every message of subscriber not sent (pending, failed, paused) becomes expired with
 * last_error why (a subscriber removed): never sent, never requeued. Attempts unchanged.
 * Returns the number settled or -1. */
int pb_outbox_settle_subscriber(struct pb_state *st, const char *subscriber, const char *why);
/* Every pending message of subscriber becomes paused with last_error why (a subscriber
 * paused): not sent until pb_outbox_requeue (`subscriber resume`). Under the outbox's lock, as
 * pb_sub_stored_still: in the transaction that pauses the subscriber's row, a run enqueueing
 * for it either sees the pause or has its messages paused here. Returns the number paused
 * or -1. */
int pb_outbox_pause_subscriber(struct pb_state *st, const char *subscriber, const char *why);
/* A subscriber taken out of the configuration (its block deleted from the file, and not
 * stored either) may be gone for a while only (a rule being mended, an edit half made):
 * delivery holds its pending messages instead of sending them. A held message stays pending,
 * its attempts unchanged, with last_error PB_OUTBOX_HELD and next_attempt when (delivery
 * passes no later than the end of its lifetime, so it expires as any other). Returns 0 / -1. */
#define PB_OUTBOX_HELD "held: the subscriber is not in the configuration"
/* The last_error of a message delivery paused, without a request, because its destination
 * is suppressed; a webhook's suppression lifted for a new URL puts them back
 * (pb_suppress_lift_other). */
#define PB_OUTBOX_SUPPRESSED "the destination is suppressed"
int pb_outbox_hold(struct pb_state *st, int64_t rowid, int64_t when, int64_t now);
/* The subscribers with messages held (PB_OUTBOX_HELD) and not yet due at now, each once, by
 * name. *names (each string and the array) owned by the caller. 0 / -1. */
int pb_outbox_held_subscribers(struct pb_state *st, int64_t now, char ***names, size_t *n);
/* The messages of subscriber held (PB_OUTBOX_HELD) and not yet due at now, without their
 * payloads, in delivery order. *out owned by the caller (pb_outbox_msgs_free). 0 / -1. */
int pb_outbox_held_of(struct pb_state *st, const char *subscriber, int64_t now,
		      struct pb_outbox_msg **out, size_t *n);
/* The held messages of subscriber (back in the configuration) due at now. Returns the number
 * or -1. */
int pb_outbox_unhold(struct pb_state *st, const char *subscriber, int64_t now);
/* The number of pending messages held (PB_OUTBOX_HELD), or -1 on error. */
long pb_outbox_held(struct pb_state *st);
/* The last_error of a held message settled (expired, never sent) when its subscriber's name
 * came back with another destination than the message's: an address or chat no longer the
 * subscriber's, a webhook's URL another (the name given to another reader). */
#define PB_OUTBOX_HELD_DROPPED "not sent: held, and its destination is no longer the subscriber's"
/* The number of messages settled so (PB_OUTBOX_HELD_DROPPED), or -1 on error. */
long pb_outbox_held_dropped(struct pb_state *st);
void pb_outbox_msgs_free(struct pb_outbox_msg *v, size_t n);
const char *pb_outbox_status_name(enum pb_outbox_status s);

/* ---- ledger: which papers each subscriber has received ---- */
/* Returns 1 if subscriber already received paper id (any version) in a digest dated other
 * than except_date (NULL = any date), 0 if not, -1 error. A repeated cycle for one date passes
 * that date so it rebuilds the same digest. It reads the ledger through (kept by date): for
 * single answers; a run asks a reader (below). */
int pb_ledger_has(struct pb_state *st, const char *subscriber, const char *paper_id,
		  const char *except_date);
int pb_ledger_add(struct pb_state *st, const char *subscriber, const char *paper_id,
		  int version, const char *digest_date);
/* Deletes subscriber's rows, every date's (a subscriber removed). Returns the number of rows
 * deleted or -1. */
int pb_ledger_clear(struct pb_state *st, const char *subscriber);
/* pb_ledger_add for a digest's n papers (ids[i] at versions[i]): one row, one statement (the
 * ledger is a row per subscriber and date; a second call for the same date adds to it). An id
 * with a space (no arXiv id has one) is refused. 0 / -1. */
int pb_ledger_add_many(struct pb_state *st, const char *subscriber, const char *digest_date,
		       size_t n, const char *const *ids, const int *versions);
/* The ledger read once (src/state/ledger.c): a reader holds one subscriber's received paper
 * ids at a time, so a run's filter asks a hash set instead of the database for every
 * candidate. Told the day's papers (pb_ledger_reader_only), its first load reads the whole
 * ledger once, keeping of it those papers, and each load takes its subscriber's from that;
 * otherwise each load reads the subscriber's rows (through the whole table: the ledger is kept
 * by date). pb_ledger_reader_has after pb_ledger_reader_load(r, s) answers exactly what
 * pb_ledger_has(st, s, id, except_date) would (any version; a digest dated except_date does not
 * count; NULL = every date counts). The reader borrows st, which must outlive it; it keeps the
 * last subscriber's ids. Never returns NULL. */
struct pb_ledger_reader;
struct pb_ledger_reader *pb_ledger_reader_new(struct pb_state *st, const char *except_date);
/* Restricts what the loads keep to the n ids (NULL entries skipped), the day's papers in a
 * run: a subscriber's history is mostly papers of other days, looked up in this set instead of
 * held; pb_ledger_reader_has then answers 0 for any other id. Drops the held ids. */
void pb_ledger_reader_only(struct pb_ledger_reader *r, size_t n, const char *const *ids);
/* Replaces the held ids with subscriber's. 0, or -1 (logged; the set is then empty; a failed
 * read of the whole ledger is tried again at the next load). */
int pb_ledger_reader_load(struct pb_ledger_reader *r, const char *subscriber);
/* 1 if the loaded subscriber received paper_id, else 0. */
int pb_ledger_reader_has(const struct pb_ledger_reader *r, const char *paper_id);
/* The number of distinct paper ids held (with only: of those ids). */
size_t pb_ledger_reader_count(const struct pb_ledger_reader *r);
void pb_ledger_reader_free(struct pb_ledger_reader *r);   /* accepts NULL */

/* ---- runs ---- */
/* Starts a run for an announcement date; returns its id or -1. Call it only under the state
 * directory's lock: a run still marked "running" then belongs to a process that died, and is
 * marked "interrupted". */
int64_t pb_run_begin(struct pb_state *st, const char *digest_date, const char *kind);
int pb_run_end(struct pb_state *st, int64_t run_id, const char *status, long n_papers,
	       long n_digests, long n_messages, const char *error);
/* Adds to a run's digest and message counts. Called in the transaction that enqueues them, so
 * the counts never disagree with the outbox, whatever happens after. */
int pb_run_add(struct pb_state *st, int64_t run_id, long n_digests, long n_messages);
/* Returns 1 if a run for this date completed (status "done": every digest it built is in the
 * outbox), 0 if not, -1 error. */
int pb_run_done(struct pb_state *st, const char *digest_date);

/* ---- summary cache (shared by all subscribers) ---- */
/* key = (paper id, version, model, language, prompt hash, kind). Returns a malloc'd answer or
 * NULL when absent. */
char *pb_cache_get(struct pb_state *st, const char *paper_key, const char *model,
		   const char *language, const char *prompt_hash, const char *kind);
int pb_cache_put(struct pb_state *st, const char *paper_key, const char *model,
		 const char *language, const char *prompt_hash, const char *kind,
		 const char *answer, long tokens);
/* Tokens used on the UTC day (YYYY-MM-DD) / add to it. */
long pb_model_tokens_used(struct pb_state *st, const char *day);
int pb_model_tokens_add(struct pb_state *st, const char *day, long tokens);

/* ---- additions: papers seen, listings for `paperboy status`, housekeeping ---- */

/* Durability: WAL with synchronous=NORMAL. A commit is in the WAL file before the call returns,
 * so a killed process (SIGKILL, crash) loses nothing committed; a power loss may roll the
 * database back to an earlier commit, never to an inconsistent one, and because messages are
 * enqueued before they are sent and marked sent after, such a rollback can repeat a message but
 * not lose one. Transactions do not nest: pb_state_begin inside a transaction returns -1. */

/* The text of the last SQLite error on this handle: the current one, else the last one logged
 * by a state function (never NULL). Borrowed. */
const char *pb_state_errmsg(struct pb_state *st);
/* Whether the last failure was one the same work may overcome when tried again (PostgreSQL's
 * deadlock or serialization failure, with another machine writing the same rows): read it
 * before anything else runs on st. */
int pb_state_transient(struct pb_state *st);
/* Whether the last failure logged on st was the state being busy or out of reach, not wrong:
 * SQLite's write lock held by another process beyond the busy timeout ("database is locked"),
 * PostgreSQL's server gone beyond the patience, or a deadlock or serialization failure. The
 * same request may well succeed when made again shortly. Cleared by a pb_state_begin that
 * succeeds. */
int pb_state_busy(struct pb_state *st);
/* The schema version of the open database (PB_STATE_SCHEMA after a successful open). */
#define PB_STATE_SCHEMA 18
int pb_state_schema_version(struct pb_state *st);

/* Records that paper id at version was seen in the feed of announce_date. Returns 1 when new,
 * 0 when already known, -1 on error. */
int pb_paper_seen(struct pb_state *st, const char *id, int version, const char *announce_date);

/* The latest digest date with a completed run (status "done", kind other than "only") into
 * out (16 bytes). Returns 1 found, 0 none, -1 error. */
int pb_run_last_done(struct pb_state *st, char out[16]);
/* The earliest such date, likewise: where the history of completed runs begins. */
int pb_run_first_done(struct pb_state *st, char out[16]);

struct pb_run_row {
	int64_t id;
	char digest_date[16];
	char kind[16];
	char status[16];         /* "running", "done", "failed", ... */
	int64_t started, finished;   /* unix seconds; finished 0 while running */
	long papers, digests, messages;
	char *error;             /* NULL when none */
};
/* The max most recent runs, newest first. *out owned by the caller (pb_run_rows_free). */
int pb_runs_recent(struct pb_state *st, size_t max, struct pb_run_row **out, size_t *n);
void pb_run_rows_free(struct pb_run_row *v, size_t n);

struct pb_outbox_count {
	char channel[16];
	enum pb_outbox_status status;
	long n;
};
/* Message counts grouped by channel and status, ordered by channel then status. */
int pb_outbox_counts(struct pb_state *st, struct pb_outbox_count **out, size_t *n);
/* The max messages with a last_error, most recently changed first; payload is not loaded
 * (NULL). *out owned by the caller (pb_outbox_msgs_free). */
int pb_outbox_errors(struct pb_state *st, size_t max, struct pb_outbox_msg **out, size_t *n);
/* One message by msg_id into *out (payload included; release with pb_outbox_msg_clear).
 * Returns 1 found, 0 absent, -1 error. */
int pb_outbox_get(struct pb_state *st, const char *msg_id, struct pb_outbox_msg *out);
/* Frees the strings of one message and zeroes it; accepts NULL. */
void pb_outbox_msg_clear(struct pb_outbox_msg *m);

/* ---- subscribers kept in the state ----
 * A row per subscriber added with `paperboy subscriber` (source "cli"; later "web",
 * "telegram"), whose settings are a JSON object with the config's subscriber keys, and a row
 * per config subscriber whose state was changed (source "config", settings NULL). */
struct pb_sub_row {
	char *name;
	char *settings;          /* JSON object, or NULL for a config subscriber's row */
	char *state;             /* "active", "paused", "unsubscribed", "suppressed" */
	char *reason;            /* why the state changed, or NULL */
	char *source;            /* "config", "cli", ... */
	int64_t created, updated;   /* unix seconds */
	int64_t generation;      /* which stored subscriber of the name: settings put where
				  * there were none (no row, a file subscriber's) take one no
				  * earlier row of the name had; 0 before schema 13 */
};
/* Every row, by name. *out owned by the caller (pb_sub_rows_free). 0 / -1. */
int pb_sub_list(struct pb_state *st, struct pb_sub_row **out, size_t *n);
/* The row named name into *out (pb_sub_row_clear). Returns 1 found, 0 absent, -1 error. */
int pb_sub_get(struct pb_state *st, const char *name, struct pb_sub_row *out);
/* Inserts or replaces the row of r->name (created and generation kept when it exists;
 * updated = now; r->generation is not read). 0 / -1. A state other than the four above is
 * refused by the table. */
int pb_sub_put(struct pb_state *st, const struct pb_sub_row *r);
/* Deletes the row named name, and records when (pb_sub_removed) if there was one. Returns 1
 * deleted, 0 absent, -1 error. Under the outbox's lock (on PostgreSQL; SQLite's write lock
 * does it there), as pb_sub_stored_still: a run that loaded the subscriber before its removal
 * enqueues nothing for it after. */
int pb_sub_delete(struct pb_state *st, const char *name);
/* When a row of name was last deleted (unix seconds) into *at; 0 when never since schema 14.
 * Whatever was made for the name up to then (a link in a mail) was made for a subscriber
 * that is gone, whoever has the name now. 0 / -1. */
int pb_sub_removed(struct pb_state *st, const char *name, int64_t *at);
/* Records that name's manage links made before at (unix seconds) are refused from now on
 * (a reader's "Sign out other links"); an earlier at than the one recorded does not move it
 * back. Any name, a file subscriber's too. 0 / -1. */
int pb_sub_links_revoke(struct pb_state *st, const char *name, int64_t at);
/* The instant before which name's manage links are refused into *at; 0 when none was
 * revoked. 0 / -1. */
int pb_sub_links_since(struct pb_state *st, const char *name, int64_t *at);
/* Inside a transaction that is about to enqueue for stored subscriber name of generation
 * (its row's when the caller loaded it): 1 when that row is still there and active; 0 when
 * it was removed, or removed and another subscriber added under the name, or is no longer
 * active (paused, unsubscribed), with why filled; -1 error. A pause (which pauses what is
 * pending in the same transaction, pb_outbox_pause_subscriber) is then seen as a removal is. */
int pb_sub_stored_still(struct pb_state *st, const char *name, int64_t generation, char *why,
			size_t whylen);
/* Inside a transaction that is about to enqueue for the file's subscribers: the rows of those
 * (settings NULL) not active now (paused, unsubscribed, suppressed) that were changed at
 * since or after, into *out (pb_sub_rows_free): a run that loaded its configuration at since
 * drops them, as pb_sub_stored_still's 0 does a stored one. One query for a batch of them, not
 * one each. Under the outbox's lock, as pb_sub_stored_still: a pause committed before is
 * read, and one after pauses what the transaction enqueued. 0 / -1. */
int pb_sub_file_inactive(struct pb_state *st, int64_t since, struct pb_sub_row **out,
			 size_t *n);
void pb_sub_row_clear(struct pb_sub_row *r);             /* accepts NULL */
void pb_sub_rows_free(struct pb_sub_row *v, size_t n);
/* Cheap change detection for a process that keeps the subscribers loaded (the web endpoint).
 * pb_state_data_version: SQLite's data_version, which changes when another connection
 * commits (not this one's own commits). pb_sub_stamp: a hash of every stored subscriber's
 * name and settings (not its state; not the rows of the file's subscribers), changed when one
 * is added, removed or edited (a sum of a part for each row, pb_sub_stamp_row).
 * pb_sub_local_changes: how many such changes this handle made itself since its first call
 * (which starts the count, in temporary triggers of this connection). On PostgreSQL the
 * data version is a counter that every change to a stored subscriber's settings bumps, by
 * any machine, this handle's own included, and the local count stays 0. 0 / -1. */
int pb_state_data_version(struct pb_state *st, int64_t *out);
int pb_sub_stamp(struct pb_state *st, uint64_t *out);
int pb_sub_local_changes(struct pb_state *st, int64_t *out);
/* What a stored subscriber's row (settings NULL: none) adds to pb_sub_stamp, a sum of one
 * such part per row: after a change of the settings of name from old to new, the stamp is
 * the one before - pb_sub_stamp_row(name, old) + pb_sub_stamp_row(name, new). */
uint64_t pb_sub_stamp_row(const char *name, const char *settings);

/* ---- the readers' side ---- */

/* A reader's verdict on a paper: +1 "more like this", -1 "not for me", 0 takes it back.
 * source says where it came from ("web", "telegram", "slack", "cli"). The last verdict on a
 * paper wins; the verdict it has already, given again (a feedback link opened again), leaves
 * the row as it was, its time (the verdict's age for the ranking) and source included: only
 * a changed verdict is a newer one. 0 / -1. */
int pb_feedback_put(struct pb_state *st, const char *subscriber, const char *paper_id,
		    int verdict, const char *source);
/* The verdict a reader gave at the instant at (unix seconds; a chat's button press), +1 or -1,
 * recorded as pb_feedback_put does unless the paper's verdict was given later than at: a
 * press delivered late, or again, does not undo a newer one; the same verdict pressed again
 * later keeps its first time and source (and counts as recorded). 1 recorded, 0 a newer
 * verdict kept, -1 error. */
int pb_feedback_put_at(struct pb_state *st, const char *subscriber, const char *paper_id,
		       int verdict, const char *source, int64_t at);
/* The verdict subscriber has on paper_id now into *verdict (+1 or -1). 1 found, 0 none (then
 * *verdict is 0), -1 error. */
int pb_feedback_get(struct pb_state *st, const char *subscriber, const char *paper_id,
		    int *verdict);
struct pb_feedback_row {
	char *paper_id;
	int verdict;             /* +1 or -1 */
	char *source;
	int64_t created;
};
/* A subscriber's verdicts, newest first. *out owned by the caller. 0 / -1. */
int pb_feedback_list(struct pb_state *st, const char *subscriber,
		     struct pb_feedback_row **out, size_t *n);
void pb_feedback_rows_free(struct pb_feedback_row *v, size_t n);
/* Deletes every verdict of subscriber (a subscriber removed). Returns the number deleted or
 * -1. */
int pb_feedback_clear(struct pb_state *st, const char *subscriber);

/* Suppressed destinations: (subscriber, channel, dest) receives nothing (and costs no request)
 * until `subscriber resume` clears it. reason says why ("550 5.1.1 no such user", "the
 * recipient unsubscribed", "403 bot was blocked"). fp, for a destination whose name hides a
 * secret (a webhook's "webhook"), is the fingerprint of the URL refused
 * (pb_channel_dest_fp): the suppression is that URL's, not a new one's (pb_suppress_check).
 * NULL holds whatever the URL (an address, a chat id, a reader's unsubscribe). Put again keeps
 * the first since and takes fp. 0 / -1. */
int pb_suppress_put(struct pb_state *st, const char *subscriber, const char *channel,
		    const char *dest, const char *reason, const char *fp);
/* 1 suppressed (for any URL), 0 not, -1 error. */
int pb_suppress_has(struct pb_state *st, const char *subscriber, const char *channel,
		    const char *dest);
/* Whether the destination, today the URL whose fingerprint is fp (NULL: one that names
 * itself), is suppressed: 1 suppressed, 0 not, 2 suppressed for another URL than fp's (the
 * webhook changed since it was refused; pb_suppress_lift_other lifts it), -1 error. */
#define PB_SUP_OTHER_URL 2
int pb_suppress_check(struct pb_state *st, const char *subscriber, const char *channel,
		      const char *dest, const char *fp);
/* The rule pb_suppress_check applies, for a caller holding the row (`status`): 1 when a
 * suppression that kept fingerprint had (NULL: whatever the URL) is about another URL than
 * fp's (NULL or "": a destination that names itself), else 0. */
int pb_suppress_other_url(const char *had, const char *fp);
/* Lifts the suppression of the destination when it is about another URL than fp's (its
 * fingerprint set, and not fp), and puts back to pending what it held of the subscriber's
 * there, as pb_outbox_requeue does (due at once, a fresh delivery lifetime): the messages
 * delivery paused for it (PB_OUTBOX_SUPPRESSED) and those refused with its reason (the
 * first part of a digest, failed, whose later parts were paused), so the new URL is sent
 * the digests the old one lost, parts in order. Expired messages stay expired, and a
 * subscriber's pause holds. One savepoint: the messages and the suppression go together.
 * *released (may be NULL) is the number put back. Returns 1 lifted, 0 there was none, -1. */
int pb_suppress_lift_other(struct pb_state *st, const char *subscriber, const char *channel,
			   const char *dest, const char *fp, long *released);
/* Lifts every suppression of subscriber. Returns the number lifted or -1. */
int pb_suppress_clear(struct pb_state *st, const char *subscriber);
/* Lifts the suppression of one destination. Returns 1 lifted, 0 there was none, -1. */
int pb_suppress_lift(struct pb_state *st, const char *subscriber, const char *channel,
		     const char *dest);
struct pb_suppress_row {
	char *subscriber, *channel, *dest, *reason;
	char *fingerprint;   /* NULL: whatever the URL (pb_suppress_put's fp) */
	int64_t since;
};
/* The suppressions of subscriber (NULL: all), by subscriber, channel, dest. 0 / -1. */
int pb_suppress_list(struct pb_state *st, const char *subscriber,
		     struct pb_suppress_row **out, size_t *n);
void pb_suppress_rows_free(struct pb_suppress_row *v, size_t n);

/* Sign-ups waiting for the address's confirmation: id (random, in the signed link), the
 * address, the subscriber name it will get and its settings (JSON, as pb_sub_row). Pruned with
 * the state after retention_days. */
struct pb_signup_row {
	char *id, *address, *name, *settings;
	int64_t created;
};
int pb_signup_put(struct pb_state *st, const struct pb_signup_row *r);   /* 0 / -1 */
/* Reads the sign-up id into *out and deletes it (one use). 1 found, 0 absent, -1 error. */
int pb_signup_take(struct pb_state *st, const char *id, struct pb_signup_row *out);
void pb_signup_row_clear(struct pb_signup_row *r);       /* accepts NULL */

/* Stamps: named instants, for rate limits ("confirm-mail:ann@x.org") and one-time tokens
 * ("used:<token digest>"). pb_stamp_claim sets key to now and returns 1 when key has no stamp
 * at or after now - window (window < 0: no stamp at all, i.e. once ever), else 0 and leaves
 * it; -1 on error. Pruned with the state after retention_days. */
int pb_stamp_claim(struct pb_state *st, const char *key, int64_t now, int64_t window);
/* Gives back the claim pb_stamp_claim made of key at the instant at (what was to follow it did
 * not happen, e.g. a mail that could not be sent); a later claim is left alone. 0 / -1. */
int pb_stamp_release(struct pb_state *st, const char *key, int64_t at);

/* Small named values kept in meta (e.g. "telegram.offset"). pb_meta_get returns 1 and a
 * malloc'd *out, 0 when absent, -1 on error. Keys "schema_version" and those paperboy owns
 * otherwise are not to be written. */
int pb_meta_get(struct pb_state *st, const char *key, char **out);
int pb_meta_put(struct pb_state *st, const char *key, const char *value);

/* ---- the corpus: recent papers' text, for ranking (rank.h) ----
 * One row per paper id (its latest version), with the date it was announced (or the day it
 * was looked up, for a paper looked up by id or author, so a liked paper's text stays as long
 * as an announced one), or a mark that arXiv does not know the id. Pruned after
 * rank.corpus_days (pb_corpus_prune). */

/* Records p (id, version, title, abstract, authors, categories, announce type) as of date
 * (YYYY-MM-DD). A later version replaces an earlier one; an equal or older one changes
 * nothing. 0 / -1. */
int pb_corpus_put(struct pb_state *st, const struct pb_paper *p, const char *date);
/* Reads paper id (no version) into *out (release with pb_paper_free) and its date into date
 * (16 bytes; may be NULL). Returns 1 found, 0 absent, 2 known to be missing or withdrawn
 * (out untouched), -1 error. */
int pb_corpus_get(struct pb_state *st, const char *id, struct pb_paper *out, char *date);
/* Marks id as unknown to arXiv (status "missing") or withdrawn, so it is not asked again
 * before it is pruned. 0 / -1. */
int pb_corpus_mark(struct pb_state *st, const char *id, const char *status);
/* The status of id ("ok", "missing", "withdrawn") into status. 1 known, 0 absent, -1 error. */
int pb_corpus_status(struct pb_state *st, const char *id, char status[16]);
/* Calls fn for every known paper dated on or after since (YYYY-MM-DD; NULL = all), in date
 * order; fn returns 0 to go on, anything else stops the walk (and is returned). -1 error. */
int pb_corpus_each(struct pb_state *st, const char *since,
		   int (*fn)(void *ctx, const struct pb_paper *p, const char *date), void *ctx);
/* Deletes papers dated before before (YYYY-MM-DD). Returns the rows deleted or -1. */
int pb_corpus_prune(struct pb_state *st, const char *before);

/* ---- liked authors' papers ---- */

/* Records that author (the name as the reader wrote it) was looked up now, with the ids (no
 * version) of the papers found; earlier rows stay. 0 / -1. */
int pb_author_papers_put(struct pb_state *st, const char *author, const char *const *ids,
			 size_t n);
/* 1 when author was looked up (and not pruned since), 0 not, -1 error. */
int pb_author_papers_looked_up(struct pb_state *st, const char *author);
/* The ids found for author, sorted. *ids (each string and the array) owned by the caller.
 * 0 / -1. */
int pb_author_papers_get(struct pb_state *st, const char *author, char ***ids, size_t *n);
/* Forgets every author looked up before the instant before (unix seconds), so their newer
 * papers are found on the next lookup. Returns the rows deleted or -1. */
int pb_author_papers_prune(struct pb_state *st, int64_t before);

/* ---- embeddings cache ---- */
/* Vectors per paper version ("2411.17790v2") and model, float32 in the machine's byte order
 * (the state never leaves the machine), shared by every subscriber (rank.h, pb_embed_fetch).
 * Pruned by age with pb_embed_cache_prune. */

/* Reads the cached vectors of keys[0..n) under model: vecs[i] (malloc'd, dims[i] floats) or
 * NULL when there is none or the stored one is not a whole finite vector. Returns how many
 * were found, or -1 on error (then every vecs[i] is NULL). */
long pb_embed_cache_get(struct pb_state *st, const char *model, const char *const *keys,
			size_t n, float **vecs, size_t *dims);
/* Stores the n vectors (dim floats each) of keys under model, created at now, in one
 * transaction (or inside the caller's), replacing what was there. A NULL vecs[i] is skipped.
 * 0 / -1. */
int pb_embed_cache_put(struct pb_state *st, const char *model, const char *const *keys,
		       const float *const *vecs, size_t n, size_t dim, int64_t now);
/* Deletes the vectors created before before (unix seconds). Returns the rows deleted or -1. */
long pb_embed_cache_prune(struct pb_state *st, int64_t before);


/* ---- copying a whole state (paperboy state migrate) ---- */
struct pb_state_table_count {
	char table[64];
	long source;             /* rows in from */
	long copied;             /* rows in to after the copy */
};
/* Copies every table of from (its meta but the schema version) into to, in one transaction
 * of to, both at PB_STATE_SCHEMA. A to that holds rows is refused (-2, err names the table)
 * unless replace, which deletes them first. The rows of each table are counted in both and
 * must agree, else nothing is kept (-1). Identity sequences are set past the copied ids.
 * *out: one count per table (caller frees), also on -1 when counted. 0, -1 or -2. */
int pb_state_copy(struct pb_state *from, struct pb_state *to, int replace,
		  struct pb_state_table_count **out, size_t *n, char *err, size_t errlen);

/* ---- full text cache ---- */
/* One row per paper version ("2411.17790v2"): the extracted full text (fulltext.h's JSON
 * form) with its source ("html" or "pdf"), or a failure remembered so it is not tried again
 * every run: status "ok", "failed" (worth another try later: a network error, a 5xx, the
 * deadline), "missing" (no HTML and no PDF could be had), "unusable" (a PDF without text,
 * encrypted, too large) or "withdrawn". Bounded by pb_fulltext_cache_prune. */
struct pb_fulltext_row {
	char source[8];          /* "html", "pdf", or "" */
	char status[12];
	char *body;              /* malloc'd: the JSON for "ok", the reason otherwise; may be
				  * NULL */
	size_t bytes;            /* of body */
	int64_t fetched;         /* unix seconds */
};
/* Reads the row of paper_key into *out (release out->body with free). Returns 1 found, 0
 * absent, -1 error. */
int pb_fulltext_cache_get(struct pb_state *st, const char *paper_key,
			  struct pb_fulltext_row *out);
/* Records (replaces) the row of paper_key. 0 / -1. */
int pb_fulltext_cache_put(struct pb_state *st, const char *paper_key, const char *source,
			  const char *status, const char *body, size_t len, int64_t fetched);
/* Deletes rows fetched before before (unix seconds), then the oldest rows until the bodies
 * take at most max_bytes in all. Returns the rows deleted, or -1. */
long pb_fulltext_cache_prune(struct pb_state *st, int64_t before, int64_t max_bytes);

/* ---- several machines on one state (machines.c, claims.c) ----
 * Each machine has a name (config state.machine, unique per machine). It heartbeats into the
 * machines table; it claims what it alone must do with a lease (unix seconds) that it renews
 * while alive, so a machine that dies loses its claims when the lease runs out and another
 * takes them. With one machine the claims are always its own and cost a few statements. */

/* Names this handle's machine (at most 127 bytes kept): the runs it marks interrupted and
 * the claims it takes are this machine's. "" (the default) = the only machine. */
void pb_state_set_machine(struct pb_state *st, const char *name);
const char *pb_state_machine(const struct pb_state *st);   /* borrowed; never NULL */

/* Heartbeat of this machine at now: its row is created or refreshed (pid; started is the
 * first beat of process pid, kept while pid beats), and sent messages are added to its counts
 * (sent_today starts again on a new UTC day). 0 / -1. */
int pb_machine_beat(struct pb_state *st, int64_t pid, int64_t started, int64_t now,
		    long sent);
/* The heartbeat of a machine at work (a long fetch, match or build), cheap to call often:
 * pb_machine_beat of this process at now when the last beat through st (either function) is a
 * third of lease_s old (lease_s <= 0: 60), at most five seconds; none inside an open
 * transaction. Returns 1 beat, 0 not due, -1 error. pb_machine_beat_due says whether one is
 * due (1) or not (0) without beating. */
int pb_machine_alive(struct pb_state *st, int lease_s);
int pb_machine_beat_due(const struct pb_state *st, int lease_s);
struct pb_machine_row {
	char name[128];
	int64_t pid, started, heartbeat;
	char sent_day[16];
	long sent_today, sent_total;
	long claims;             /* outbox messages it holds with a live lease */
	long fetching;           /* announcements it is fetching with a live lease */
};
/* Every machine, by name, with its live claims as of now. *out owned by the caller (free).
 * 0 / -1. */
int pb_machines_list(struct pb_state *st, int64_t now, struct pb_machine_row **out,
		     size_t *n);

/* Pacing across machines: the earliest instant (unix ms) the next message under each key may
 * start. Takes the slot of every key at now_ms, advancing each to now_ms + interval_ms[i], when
 * every key is free (its instant <= now_ms); each key is advanced atomically, so two machines
 * never take the same slot. Returns 1 taken, 0 not (*next_ms: when the busiest key frees;
 * keys checked before it may have been advanced, which only spaces messages more), -1 error. */
int pb_pace_take(struct pb_state *st, const char *const *keys, const long *interval_ms,
		 size_t n, int64_t now_ms, int64_t *next_ms);
/* Keeps key's slot taken until until_ms (unix ms) at least: a service's limit that holds every
 * message under it (pb_pace_take then finds it busy on every machine). 0 / -1. */
int pb_pace_hold(struct pb_state *st, const char *key, int64_t until_ms);

/* One fetch per announcement: the claim of key (e.g. "2026-12-04" or "latest:2026-12-04").
 * Returns PB_FETCH_CLAIM_MINE when this machine is to fetch (a new claim, this machine's own
 * earlier claim whatever its state, so a machine alone fetches as it always did; an expired
 * lease; a failure older than retry_s; papers stored more than reuse_s ago, reuse_s < 0 =
 * never too old), PB_FETCH_CLAIM_DONE when another machine's papers are stored
 * (pb_fetch_claim_load), PB_FETCH_CLAIM_FAILED when another machine's fetch failed less than
 * retry_s ago (pb_fetch_claim_load gives its outcome), PB_FETCH_CLAIM_WAIT when another
 * machine is fetching under a live lease, -1 on error. */
enum {
	PB_FETCH_CLAIM_WAIT = 0,
	PB_FETCH_CLAIM_MINE = 1,
	PB_FETCH_CLAIM_DONE = 2,
	PB_FETCH_CLAIM_FAILED = 3,
};
int pb_fetch_claim_take(struct pb_state *st, const char *key, int64_t now, int lease_s,
			int retry_s, int reuse_s);
/* Extends this machine's claim of key to now + lease_s. 1 extended, 0 not ours, -1 error. */
int pb_fetch_claim_renew(struct pb_state *st, const char *key, int64_t now, int lease_s);
/* Ends this machine's claim of key with status "done" (ok) or "failed", the outcome
 * (fetch_status, http_status, message) and, when ps is not NULL, the papers (every field of
 * every record, the set's announce date and feed title) for the others. 0, or -1 also when
 * the claim is no longer this machine's (its lease ran out and another took it). */
int pb_fetch_claim_finish(struct pb_state *st, const char *key, int ok,
			  const struct pb_paperset *ps, int fetch_status, long http_status,
			  const char *message);
/* The stored outcome of key: the papers into out (an empty, initialised set) when done, and
 * the fetch status, HTTP status and message. Returns 1 loaded, 0 no finished claim, -1 error
 * (a stored record that cannot be read is an error, named). */
int pb_fetch_claim_load(struct pb_state *st, const char *key, struct pb_paperset *out,
			int *fetch_status, long *http_status, char *message, size_t msglen);

/* Shared delivery. Claims for this machine, until now + lease_s, the due pending messages
 * (next_attempt <= now) that no other machine holds with a live lease, whole destinations
 * only (a destination another machine holds a live claim on is left to it, so the parts of a
 * digest keep their order), up to max in delivery order, and loads this machine's claimed due
 * messages as pb_outbox_due does. One transaction (opened here unless one is open). */
int pb_outbox_claim(struct pb_state *st, int64_t now, int lease_s, size_t max,
		    struct pb_outbox_msg **out, size_t *n);
/* Extends every claim of this machine on pending messages to now + lease_s. Returns the number
 * renewed or -1. */
long pb_outbox_renew(struct pb_state *st, int64_t now, int lease_s);
/* Gives back every claim of this machine on pending messages. Returns the number or -1. */
long pb_outbox_release(struct pb_state *st);
/* Whether the outbox already holds subscriber's digest of date: 1 a message of it of
 * generation (pb_outbox_msg), 2 messages of other generations only (a former subscriber of
 * the name: a digest of this one is still to be built, under ids of its own), 0 none, -1. */
int pb_outbox_has_digest(struct pb_state *st, const char *date, const char *subscriber,
			 int64_t generation);
/* When pb_outbox_has_digest said 2: the destinations (channel and dest filled, the rest
 * not) to which a former subscriber of the name has its digest of date sent, or still to go
 * (pending, paused), by channel and dest. A new subscriber given the name (a reader moved
 * from the file into the state, or removed and added again) whose address is one of them
 * already has that day's digest there. *out owned by the caller (pb_outbox_msgs_free). 0 / -1. */
int pb_outbox_former_dests(struct pb_state *st, const char *date, const char *subscriber,
			   int64_t generation, struct pb_outbox_msg **out, size_t *n);

/* ---- Telegram answers held back by the Bot API's flood control (tg_held.c) ----
 * An answer Telegram refused with 429, kept from then until it is sent or given up, so a
 * restart does not lose it (bot.h). The bot is named by a fingerprint, never its token; the
 * parts are the answer's messages as the bot wrote them (a JSON list). Statements are
 * prepared per call: the table holds a few rows, and only while Telegram floods. */
struct pb_tg_held_row {
	int64_t id;
	char bot[24];            /* the bot's fingerprint */
	char chat[24];
	long thread_id;          /* a forum topic's, or 0 */
	int64_t update_id;
	char command[40];        /* "/add", or "" */
	char *callback;          /* a button's callback query id (malloc'd), NULL for messages */
	char *parts;             /* malloc'd */
	int next_part;           /* the first part not sent */
	int tries;               /* 429s so far */
	int64_t due, held_at;    /* unix seconds: when it is to be sent again, when first held */
	int sending;             /* a part's request begun, not known to have ended */
};
/* Stores r (its id not used). The new row's id, or -1. */
int64_t pb_tg_held_put(struct pb_state *st, const struct pb_tg_held_row *r);
/* Every row, in the order held. *out owned by the caller (pb_tg_held_rows_free). 0 / -1. */
int pb_tg_held_list(struct pb_state *st, struct pb_tg_held_row **out, size_t *n);
void pb_tg_held_rows_free(struct pb_tg_held_row *v, size_t n);
/* Marks row id's part next_part as being sent, when the row is at that part and no request
 * of it is marked already: 1 marked (the caller may send it), 0 not (sent or given up by
 * another process, or gone), -1 error. */
int pb_tg_held_begin(struct pb_state *st, int64_t id, int next_part);
/* A request of row id ended: its next part, 429s and due time, the mark cleared. 1, 0 when
 * the row is gone, -1 error. */
int pb_tg_held_end(struct pb_state *st, int64_t id, int next_part, int tries, int64_t due);
/* Deletes row id (sent, or given up). 0 / -1. */
int pb_tg_held_del(struct pb_state *st, int64_t id);

#endif
