/* The schema of the state, as ordered migrations: pb_st_migrations[i] takes a database from
 * version i to i + 1 (state.c runs them, each in the transaction of its version bump;
 * schema_pg.c translates them for PostgreSQL). */
#include "paperboy/state.h"
#include "state_internal.h"

/* Ordered migrations: migrations[i] takes the schema from version i to i + 1. Never edit one
 * that has shipped; append a new one and bump PB_STATE_SCHEMA. */
const char *const pb_st_migrations[] = {
	/* 0 -> 1: the core tables. */
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE papers("
	"  id TEXT NOT NULL, version INTEGER NOT NULL, announce_date TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL, PRIMARY KEY(id, version)) WITHOUT ROWID;"
	"CREATE TABLE runs("
	"  id INTEGER PRIMARY KEY, digest_date TEXT NOT NULL, kind TEXT NOT NULL,"
	"  status TEXT NOT NULL, started INTEGER NOT NULL, finished INTEGER NOT NULL DEFAULT 0,"
	"  n_papers INTEGER NOT NULL DEFAULT 0, n_digests INTEGER NOT NULL DEFAULT 0,"
	"  n_messages INTEGER NOT NULL DEFAULT 0, error TEXT);"
	"CREATE INDEX runs_date ON runs(digest_date, status);"
	"CREATE TABLE outbox("
	"  rowid INTEGER PRIMARY KEY, msg_id TEXT NOT NULL UNIQUE, subscriber TEXT NOT NULL,"
	"  channel TEXT NOT NULL, dest TEXT NOT NULL, digest_date TEXT NOT NULL,"
	"  part INTEGER NOT NULL, n_parts INTEGER NOT NULL, payload BLOB NOT NULL,"
	"  status INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
	"  sent_at INTEGER, last_error TEXT);"
	/* The due scan walks pending rows in delivery order; next_due takes the minimum. */
	"CREATE INDEX outbox_order ON outbox(subscriber, channel, dest, digest_date, part)"
	"  WHERE status = 0;"
	"CREATE INDEX outbox_next ON outbox(next_attempt) WHERE status = 0;"
	"CREATE TABLE ledger("
	"  subscriber TEXT NOT NULL, paper_id TEXT NOT NULL, version INTEGER NOT NULL,"
	"  digest_date TEXT NOT NULL, added INTEGER NOT NULL,"
	"  PRIMARY KEY(subscriber, paper_id, version)) WITHOUT ROWID;",

	/* 1 -> 2: the model's summary cache and token accounting; when an outbox row last
	 * changed (for `paperboy status`). */
	"CREATE TABLE summary_cache("
	"  paper_key TEXT NOT NULL, model TEXT NOT NULL, language TEXT NOT NULL,"
	"  prompt_hash TEXT NOT NULL, kind TEXT NOT NULL, answer TEXT NOT NULL,"
	"  tokens INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
	"  PRIMARY KEY(paper_key, model, language, prompt_hash, kind)) WITHOUT ROWID;"
	"CREATE TABLE token_usage(day TEXT PRIMARY KEY, tokens INTEGER NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE outbox ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;"
	"UPDATE outbox SET updated = COALESCE(sent_at, created);"
	"CREATE INDEX outbox_errors ON outbox(updated) WHERE last_error IS NOT NULL;",

	/* 2 -> 3: payloads in a table of their own. SQLite rewrites a whole row on UPDATE, so
	 * with the payload inline every status change rewrote the message (tens of KB). */
	"CREATE TABLE outbox_payload(id INTEGER PRIMARY KEY, payload BLOB NOT NULL);"
	"INSERT INTO outbox_payload(id, payload) SELECT rowid, payload FROM outbox;"
	"ALTER TABLE outbox DROP COLUMN payload;",

	/* 3 -> 4: subscribers kept in the state (added by `paperboy subscriber`), and the state
	 * (paused, unsubscribed, ...) of the config's own: settings NULL for those. */
	"CREATE TABLE subscribers("
	"  name TEXT PRIMARY KEY, settings TEXT,"
	"  state TEXT NOT NULL DEFAULT 'active'"
	"    CHECK(state IN ('active', 'paused', 'unsubscribed', 'suppressed')),"
	"  reason TEXT, source TEXT NOT NULL, created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL) WITHOUT ROWID;",

	/* 4 -> 5: the readers' side. A reader's verdict on a paper; destinations that refuse
	 * everything (an address bounced at RCPT, a bot blocked, a webhook gone) or whose
	 * recipient unsubscribed; sign-ups waiting for their confirmation; time stamps for rate
	 * limits and for one-time tokens already used. */
	"CREATE TABLE feedback("
	"  subscriber TEXT NOT NULL, paper_id TEXT NOT NULL,"
	"  verdict INTEGER NOT NULL CHECK(verdict IN (-1, 1)), source TEXT NOT NULL,"
	"  created INTEGER NOT NULL, PRIMARY KEY(subscriber, paper_id)) WITHOUT ROWID;"
	"CREATE TABLE suppressions("
	"  subscriber TEXT NOT NULL, channel TEXT NOT NULL, dest TEXT NOT NULL,"
	"  reason TEXT NOT NULL, since INTEGER NOT NULL,"
	"  PRIMARY KEY(subscriber, channel, dest)) WITHOUT ROWID;"
	"CREATE TABLE signups("
	"  id TEXT PRIMARY KEY, address TEXT NOT NULL, name TEXT NOT NULL,"
	"  settings TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE stamps(key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;",

	/* 5 -> 6: what ranking and full text read. The corpus: recent papers' text (one row per
	 * id, its latest version), for document frequencies and the texts of liked papers; a
	 * liked id arXiv does not know is kept with status 'missing' so it is asked once. The
	 * papers of a liked author, found once through the API. Embeddings per paper version
	 * and model, shared by every subscriber. Full text per paper version. */
	"CREATE TABLE corpus("
	"  id TEXT PRIMARY KEY, version INTEGER NOT NULL, date TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'ok' CHECK(status IN ('ok', 'missing', 'withdrawn')),"
	"  title TEXT, abstract TEXT, authors TEXT, categories TEXT, announce TEXT,"
	"  added INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX corpus_date ON corpus(date);"
	"CREATE TABLE author_papers("
	"  author TEXT NOT NULL, paper_id TEXT NOT NULL, fetched INTEGER NOT NULL,"
	"  PRIMARY KEY(author, paper_id)) WITHOUT ROWID;"
	"CREATE TABLE embeddings("
	"  paper_key TEXT NOT NULL, model TEXT NOT NULL, dim INTEGER NOT NULL,"
	"  vec BLOB NOT NULL, created INTEGER NOT NULL,"
	"  PRIMARY KEY(paper_key, model)) WITHOUT ROWID;"
	"CREATE TABLE fulltext("
	"  paper_key TEXT PRIMARY KEY, source TEXT NOT NULL, status TEXT NOT NULL,"
	"  body BLOB, bytes INTEGER NOT NULL DEFAULT 0, etag TEXT, last_modified TEXT,"
	"  fetched INTEGER NOT NULL) WITHOUT ROWID;",

	/* 6 -> 7: message bodies as chunks (chunks.c): each distinct chunk once, deflated,
	 * counted, keyed by 64 bits of its SHA-256; a body is its size, its SHA-256 and its
	 * chunk ids. Then migration_steps converts outbox_payload and drops it. */
	"CREATE TABLE chunks("
	"  id INTEGER PRIMARY KEY, hash INTEGER NOT NULL UNIQUE, refs INTEGER NOT NULL,"
	"  size INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE INDEX chunks_free ON chunks(id) WHERE refs <= 0;"
	"CREATE TABLE outbox_body("
	"  id INTEGER PRIMARY KEY, size INTEGER NOT NULL, sha256 BLOB NOT NULL,"
	"  chunks BLOB NOT NULL);",

	/* 7 -> 8: several machines on one state (machines.c, claims.c). A row per machine and
	 * its heartbeat; a claim per announcement, whose winner stores the papers for the
	 * others; the pacing of each destination and channel ("next allowed at", unix ms);
	 * an outbox message's claim (which machine sends it, until when), and its digest found
	 * by date and subscriber (a second builder skips it); the machine of a
	 * run, so a machine marks only its own dead runs interrupted. */
	"CREATE TABLE machines("
	"  name TEXT PRIMARY KEY, pid INTEGER NOT NULL, started INTEGER NOT NULL,"
	"  heartbeat INTEGER NOT NULL, sent_day TEXT NOT NULL DEFAULT '',"
	"  sent_today INTEGER NOT NULL DEFAULT 0, sent_total INTEGER NOT NULL DEFAULT 0)"
	"  WITHOUT ROWID;"
	"CREATE TABLE fetch_claims("
	"  key TEXT PRIMARY KEY, owner TEXT NOT NULL, lease_until INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK(status IN ('fetching', 'done', 'failed')),"
	"  fetch_status INTEGER NOT NULL DEFAULT 0, http_status INTEGER NOT NULL DEFAULT 0,"
	"  message TEXT, papers BLOB, updated INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE pacing(key TEXT PRIMARY KEY, next_ms INTEGER NOT NULL) WITHOUT ROWID;"
	"ALTER TABLE outbox ADD COLUMN claimed_by TEXT;"
	"ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_claims ON outbox(claimed_by) WHERE status = 0;"
	"CREATE INDEX outbox_digest ON outbox(digest_date, subscriber);"
	"ALTER TABLE runs ADD COLUMN machine TEXT NOT NULL DEFAULT '';",

	/* 8 -> 9: the ledger as one row per subscriber and digest date, its papers in one text
	 * ("ID:VERSION ...", ledger.c) instead of a row per paper: a digest writes one row instead
	 * of ten, and a run reads each subscriber's history as one row a day (the ledger keeps
	 * retention_days of them) instead of ten. Pruning finds the old rows by date. */
	"CREATE TABLE ledger_days("
	"  subscriber TEXT NOT NULL, digest_date TEXT NOT NULL, added INTEGER NOT NULL,"
	"  papers TEXT NOT NULL, PRIMARY KEY(subscriber, digest_date)) WITHOUT ROWID;"
	"INSERT INTO ledger_days(subscriber, digest_date, added, papers)"
	"  SELECT subscriber, digest_date, min(added), group_concat(paper_id || ':' || version, ' ')"
	"  FROM ledger GROUP BY subscriber, digest_date;"
	"DROP TABLE ledger;"
	"ALTER TABLE ledger_days RENAME TO ledger;"
	"CREATE INDEX ledger_date ON ledger(digest_date);",

	/* 9 -> 10: the ledger kept by date, then subscriber. Kept by subscriber, a run's rows
	 * (one per subscriber, all of one date) each went to a page of its own: at 20,000
	 * subscribers with 90 days kept, 20,000 pages written, and checkpointed, for 3 MB of
	 * rows. By date they fill pages one after the other; a run reads every subscriber's
	 * history in one pass (ledger.c), and pruning deletes whole days from the front. The
	 * date's own index goes with the old table. */
	"CREATE TABLE ledger_by_date("
	"  subscriber TEXT NOT NULL, digest_date TEXT NOT NULL, added INTEGER NOT NULL,"
	"  papers TEXT NOT NULL, PRIMARY KEY(digest_date, subscriber)) WITHOUT ROWID;"
	"INSERT INTO ledger_by_date(subscriber, digest_date, added, papers)"
	"  SELECT subscriber, digest_date, added, papers FROM ledger;"
	"DROP TABLE ledger;"
	"ALTER TABLE ledger_by_date RENAME TO ledger;",

	/* 10 -> 11: every chunk's count of references taken again from the bodies' lists
	 * (pb_body_recount, after this zeroes them). The conversion from schema 6 left out every
	 * reference after a chunk's first until paperboy wrote its counts there too; a prune
	 * would then delete chunks that kept bodies use. */
	"UPDATE chunks SET refs = 0;",

	/* 11 -> 12: nothing on SQLite. On PostgreSQL the commit marks (pb_st_pg_extras, made
	 * again by every migration): the outcome of a COMMIT whose reply was lost, asked of a
	 * server that restarted meanwhile (db_pg.c). */
	"",

	/* 12 -> 13: which subscriber of a name a stored row, and a message, is of. A subscriber
	 * removed and another added under its name the same day were one to the outbox (ids and
	 * the "built already" check are by date and name): the new one was sent nothing, and a
	 * run that had loaded the former enqueued its digest for the new one. Settings stored
	 * where there were none take a generation past the last their name had (kept in
	 * sub_generations, as a removal deletes the rows); rows and messages from before are of
	 * generation 0, as the file's subscribers always are. */
	"ALTER TABLE subscribers ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE sub_generations(name TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;"
	/* a run's "built already?" (pb_outbox_has_digest) answered from the index alone */
	"DROP INDEX outbox_digest;"
	"CREATE INDEX outbox_digest ON outbox(digest_date, subscriber, generation);",

	/* 13 -> 14: when a name's stored subscriber was last removed. Links name a subscriber by
	 * name: one mailed to a removed subscriber opened the page of the next one given the
	 * name (a web sign-up names a reader after the address), to change its topics or
	 * unsubscribe it. The web endpoint refuses a link made up to the removal. Removals
	 * from before are not known (0). */
	"ALTER TABLE sub_generations ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;",

	/* 14 -> 15: statements that read a whole table to find a few rows, at a cost growing
	 * with the subscribers or the days kept (pb_state's query plans are checked against
	 * full scans: test_state). The file's subscribers whose row changed since a time
	 * (pb_sub_file_inactive), asked by a run once a written batch: each asking read every
	 * row, the stored subscribers' settings with them. A name's failed and expired
	 * messages, settled when a reader is added under a name the state knew (`subscriber
	 * add`, a web sign-up's confirmation) or removed: each read the whole outbox, 90 days of
	 * every subscriber's, holding the state's write lock (its ledger rows are found by date,
	 * state.c's LEDGER_DATES). */
	"CREATE INDEX subscribers_file_changed ON subscribers(updated) WHERE settings IS NULL;"
	"CREATE INDEX outbox_failed ON outbox(subscriber) WHERE status IN (2, 4);"
	/* Which URL a webhook's suppression is about. A webhook is a secret, and the outbox
	 * names it "webhook" whatever its URL: a team's new webhook, written where its revoked
	 * one was, stayed suppressed until `subscriber resume`. The fingerprint (deliver.h's
	 * pb_channel_dest_fp) tells them apart without keeping the secret; NULL for a
	 * destination that names itself, an unsubscribe, and a suppression from before, which
	 * hold whatever the URL. */
	"ALTER TABLE suppressions ADD COLUMN fingerprint TEXT;",

	/* 15 -> 16: which URL a message to a webhook was made for. A subscriber taken out of
	 * the file has its pending messages held until its name comes back; the name may come
	 * back as another reader, and a held message to "webhook" went to whatever URL the name
	 * had then: another team was sent the removed one's digest. The fingerprint (as the
	 * suppressions') tells delivery whether the URL is still the one the message was made
	 * for; NULL for a destination that names itself (an address, a chat) and for a message
	 * from before, which is not released to a webhook it cannot tell. */
	"ALTER TABLE outbox ADD COLUMN fingerprint TEXT;",

	/* 16 -> 17: the Telegram answers held back by the Bot API's flood control (429), kept
	 * for the bot's next start (tg_held.c): held in memory only, a restart lost them, and a
	 * reader whose command was done never heard so. bot is a fingerprint of the bot (its
	 * token is a secret), parts the answer's messages (a JSON list), sending a part's
	 * request begun and not known to have ended: never sent again, so never twice. */
	"CREATE TABLE tg_held("
	"  id INTEGER PRIMARY KEY, bot TEXT NOT NULL, chat TEXT NOT NULL,"
	"  thread_id INTEGER NOT NULL, update_id INTEGER NOT NULL, command TEXT NOT NULL,"
	"  callback TEXT, parts TEXT NOT NULL, next_part INTEGER NOT NULL,"
	"  tries INTEGER NOT NULL, due INTEGER NOT NULL, held_at INTEGER NOT NULL,"
	"  sending INTEGER NOT NULL DEFAULT 0);",

	/* 17 -> 18: since when a name's manage links are taken. A manage link lives 400 days
	 * and is in every digest: one forwarded or leaked let whoever held it change the
	 * topics, pause, unsubscribe and read the address, and nothing took it back. The
	 * reader's "Sign out other links" (and a sign-up confirmed again) sets the instant
	 * before which a manage link of the name is refused; 0 (every link from before) is
	 * none. Unsubscribe and feedback links are not affected. */
	"ALTER TABLE sub_generations ADD COLUMN links_since INTEGER NOT NULL DEFAULT 0;",
};

/* What a migration does beyond its SQL (after it, in the same transaction): indexed like
 * migrations, NULL for none. */
int (*const pb_st_migration_steps[PB_STATE_SCHEMA])(struct pb_state *, char *, size_t) = {
	[6] = pb_body_migrate,
	[10] = pb_body_recount,
};

_Static_assert(sizeof pb_st_migrations / sizeof pb_st_migrations[0] == PB_STATE_SCHEMA,
	       "one migration per schema version");
