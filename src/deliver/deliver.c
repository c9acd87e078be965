/* The delivery loop: takes due outbox messages in batches, sends them through the curl multi
 * interface (many at once, connections reused, bounded per host and in total), paces each
 * destination, keeps the parts of one destination in order, and records every result in the
 * state as soon as it is known. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "marks.h"
#include "paperboy/clock.h"
#include "paperboy/deliver.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"
#include "paperboy/log.h"

#define BATCH 512

static const struct pb_channel *
channel_find(const char *name)
{
	return pb_channel_find(name);
}

/* ---- a small string-keyed table: pacing times and per-destination state ---- */

struct slot {
	char *key;
	int64_t next_ms;     /* pacing: earliest time the next message may start */
	int busy;            /* destination: a message is in flight */
	int held;            /* destination: this part (of held_date) failed transiently; */
	char held_date[16];  /* the parts and digests after it wait */
	int paused;          /* destination: paused for this run */
	int broken;          /* destination: a result could not be recorded; left alone for
			      * the rest of this run, so nothing goes twice on the strength
			      * of a record that is not there */
	int known;           /* subscriber (run.subs): 1 sent to, 2 not in the configuration */
	long held_msgs;      /* subscriber: its messages held in this run */
};

struct table {
	struct slot *v;
	size_t cap, n;
};

/* Whether slot s still says something at now_ms (the monotonic clock): in flight, held,
 * paused, left alone, or paced past it. */
static int
slot_live(const struct slot *s, int64_t now_ms)
{
	return s->busy || s->held || s->paused || s->broken || s->next_ms > now_ms;
}

/* Moves t's slots into a table of cap slots (a power of two, above twice what it keeps).
 * With drop_at >= 0, the slots that say nothing at drop_at are dropped: without it a run over
 * 100,000 destinations holds a slot for every one of them to its end, beside the build's
 * memory when it runs with one. */
static void
table_rebuild(struct table *t, size_t cap, int64_t drop_at)
{
	struct table nt = { 0 };

	nt.cap = cap;
	nt.v = pb_xcalloc(nt.cap, sizeof *nt.v);
	for (size_t j = 0; j < t->cap; j++) {
		struct slot *s = &t->v[j];
		size_t i;

		if (!s->key)
			continue;
		if (drop_at >= 0 && !slot_live(s, drop_at)) {
			free(s->key);
			continue;
		}
		i = pb_fnv1a64_str(s->key) & (nt.cap - 1);
		while (nt.v[i].key)
			i = (i + 1) & (nt.cap - 1);
		nt.v[i] = *s;
		nt.n++;
	}
	free(t->v);
	*t = nt;
}

/* Keeps only the slots live at now_ms. */
static void
table_compact(struct table *t, int64_t now_ms)
{
	size_t keep = 0, cap = 256;

	for (size_t j = 0; j < t->cap; j++)
		if (t->v[j].key && slot_live(&t->v[j], now_ms))
			keep++;
	while (cap < 4 * keep)
		cap *= 2;
	table_rebuild(t, cap, now_ms);
}

static struct slot *
table_get(struct table *t, const char *key)
{
	size_t i;

	if (t->n * 2 >= t->cap)
		table_rebuild(t, t->cap ? t->cap * 2 : 256, -1);
	for (i = pb_fnv1a64_str(key) & (t->cap - 1); t->v[i].key; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	t->v[i].key = pb_xstrdup(key);
	t->n++;
	return &t->v[i];
}

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i].key);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* ---- the run ---- */

struct run {
	struct pb_state *st;
	const struct pb_config *cfg;
	const struct pb_deliver_opts *o;
	struct pb_deliver_stats *stats;
	CURLM *multi;
	struct pb_smtp_pool *smtp;     /* email sessions, opened with the first email */
	struct curl_waitfd *wfd;       /* their sockets, waited for with the multi's */
	int max_wfd;
	struct pb_marks marks;         /* results recorded, committed in groups */
	struct pb_outbox_msg *batch;   /* taken entries are zeroed (rowid 0) */
	size_t n_batch;
	struct pb_xfer **xf;           /* in flight */
	size_t n_xf, max_xf;
	struct table tab;
	struct table subs;             /* subscribers found in no subscriber of cfg (sub_known) */
	uint64_t rng;
	int fatal;
	long state_errors;             /* results that could not be recorded */
	int cut;                       /* the time limit passed: in-flight work was cut off */
	int only_broken;               /* the batch held nothing but messages to destinations
					* left alone (broken): they are due, yet must wait */
	int64_t deadline_ms;           /* monotonic end of the time limit, 0 = none */
	int reload;                    /* the state changed under the batch (a redirect) */
	int held_back;                 /* entries wait for pacing or a busy destination, not
					* only for a free transfer slot */
	char *err;
	size_t errlen;
	/* limits, with defaults for a zeroed config */
	long max_total, max_host, lifetime_s, max_attempts, retry_base_s;
	/* several machines on one state: claims and heartbeat */
	int lease_s;                   /* a claim outlives the last renewal by this much */
	int64_t last_beat_ms;          /* monotonic time of the last heartbeat and renewal */
	long beat_sent;                /* stats->sent at that heartbeat */
	int pace_db_failed;            /* shared pacing unavailable: paced here only (logged) */
	int others;                    /* other machines beat on the state within the lease */
	int build_over;                /* o->building was seen to change: the limit runs from
					* then */
	/* local writes (the file sink) gathered into a group at the end of the pass, or sooner
	 * at STAGE_MAX (stage_one), and written by the writer thread while the loop goes on
	 * (stage_hand, stage_collect) */
	const struct pb_channel *stg_ch;
	struct pb_outbox_msg *stg_m;
	int64_t *stg_t0;
	size_t n_stg, cap_stg, stg_bytes;
	struct writer *wr;             /* made with the first group; NULL before */
};

/* The writer: a thread that writes one group of local messages at a time (the channel's stage
 * for each, then its finish: the files, syncfs, the renames, syncfs), so that the loop goes
 * on with the email sessions, the next claims and the results meanwhile. Only the loop
 * records results: it takes a group back when the writer is done (stage_collect); until
 * then its messages' destinations stay busy and their rows out of the next claims
 * (in_flight). */
struct writer {
	pthread_t th;
	int started;                   /* th runs; else groups are written in the loop */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int busy;                      /* a group was handed over and not collected */
	int done;                      /* ... and is written: its results are ready */
	int quit;
	const struct pb_channel *ch;
	const struct pb_config *cfg;
	struct pb_outbox_msg *m;       /* the group: n messages, the writer's until collected */
	int64_t *t0;
	size_t n, cap;
	struct pb_result *res;
};

static int
stopping(const struct run *r)
{
	return r->fatal || r->cut || (r->o && r->o->stop && *r->o->stop) ||
	       (r->o && r->o->building && atomic_load(r->o->building) == PB_BUILD_FAILED);
}

static void
dest_key(char *buf, size_t n, const struct pb_outbox_msg *m)
{
	snprintf(buf, n, "D|%s|%s|%s", m->channel ? m->channel : "", m->dest ? m->dest : "",
		 m->subscriber ? m->subscriber : "");
}

/* Whether m comes after the held message of its destination (a later part of the same
 * digest, or a later digest). */
static int
after_held(const struct slot *d, const struct pb_outbox_msg *m)
{
	int c;

	if (!d->held)
		return 0;
	c = strcmp(m->digest_date ? m->digest_date : "", d->held_date);
	return c > 0 || (c == 0 && m->part > d->held);
}

static int
is_held(const struct slot *d, const struct pb_outbox_msg *m)
{
	return d->held && d->held == m->part &&
	       strcmp(m->digest_date ? m->digest_date : "", d->held_date) == 0;
}

/* A part settled without a delivery result (expired, or paused as suppressed) releases the
 * parts after it when they were held behind it: nothing else will (record() does for the
 * parts it settles), and a part held for good would be claimed and dropped in every pass. */
static void
release_hold(struct run *r, const struct pb_outbox_msg *m)
{
	char key[512];
	struct slot *d;

	dest_key(key, sizeof key, m);
	d = table_get(&r->tab, key);
	if (is_held(d, m))
		d->held = 0;
}

static void
fatal(struct run *r, const char *what)
{
	if (!r->fatal)
		snprintf(r->err, r->errlen, "state: %s failed: %s", what,
			 pb_state_errmsg(r->st));
	r->fatal = 1;
}

static void sent_done(void *ctx, const struct pb_outbox_msg *m, int64_t ms, int ok);

/* A result of m could not be recorded. Its destination gets nothing more in this run (the
 * message stays as the state last knew it, so it may go again later, and nothing after it may
 * overtake it); the others go on, unless SQLite rolled back the whole open transaction, which
 * took other results with it: then everything stops. */
static void
state_failed(struct run *r, const struct pb_outbox_msg *m, const char *what)
{
	char key[512];

	if (r->marks.open && !pb_state_in_transaction(r->st)) {
		pb_marks_lost(&r->marks, sent_done, r);
		fatal(r, what);
		return;
	}
	pb_err("deliver.state_failed", "subscriber=%s channel=%s dest=%s part=%d/%d error=%s",
	       pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest), m->part, m->n_parts,
	       pb_q(pb_state_errmsg(r->st)));
	if (r->state_errors++ == 0 && !r->fatal)
		snprintf(r->err, r->errlen, "state: %s for %s (%s %s) failed: %s; nothing more "
			 "went to that destination", what, m->subscriber, m->channel, m->dest,
			 pb_state_errmsg(r->st));
	dest_key(key, sizeof key, m);
	table_get(&r->tab, key)->broken = 1;
}

/* The later parts of m's destination wait for m: they are moved to m's retry time, so a
 * restart never sends part 2 before part 1. Not counted as attempts. */
static void
defer_later_parts(struct run *r, const struct pb_outbox_msg *m, int64_t when)
{
	/* Without it the later parts would come back at once and be dropped again. */
	if (pb_outbox_defer_after(r->st, m, when) < 0)
		fatal(r, "defer");
}

/* The fingerprint of the URL m's destination stands for when it is a secret ("webhook"),
 * as the subscriber has it now; "" for one that names itself. */
static const char *
dest_fp(struct run *r, const struct pb_outbox_msg *m, char fp[PB_DEST_FP_LEN])
{
	pb_channel_dest_fp(channel_find(m->channel), pb_config_subscriber(r->cfg, m->subscriber),
			   fp);
	return fp;
}

/* The subscriber's destination of m gets nothing more (the next runs enqueue nothing for it,
 * and what is pending for it is paused when its turn comes) until `subscriber resume`, or, for
 * a webhook, until the subscriber's URL is another. Keyed by subscriber too: a Slack dest
 * ("webhook") is every subscriber's. */
static void
suppress_dest(struct run *r, const struct pb_outbox_msg *m, const char *why)
{
	char fp[PB_DEST_FP_LEN];

	dest_fp(r, m, fp);
	if (pb_suppress_put(r->st, m->subscriber, m->channel, m->dest, why, fp) < 0) {
		fatal(r, "suppress");
		return;
	}
	pb_warn("deliver.suppressed", "subscriber=%s channel=%s dest=%s reason=%s",
		pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest), pb_q(why));
}

/* 1 when m's destination is suppressed, else 0 (a state that cannot say: 0, as before). A
 * webhook's suppression about another URL than the subscriber's now (a team's new webhook
 * written where its revoked one was) is lifted, and m goes; when the lift put back messages
 * the suppression held (pb_suppress_lift_other), 2: they come before m, so m and the rest of
 * its destination in the batch are left for the next batch, which loads them in order. */
static int
suppressed(struct run *r, const struct pb_outbox_msg *m)
{
	char fp[PB_DEST_FP_LEN];
	long released = 0;
	int rc = pb_suppress_check(r->st, m->subscriber, m->channel, m->dest, dest_fp(r, m, fp));

	if (rc != PB_SUP_OTHER_URL)
		return rc == 1;
	rc = pb_suppress_lift_other(r->st, m->subscriber, m->channel, m->dest, fp, &released);
	if (rc < 0) {
		/* not lifted now: the next message's check, or the next run, lifts it */
		pb_warn("deliver.state_failed", "subscriber=%s channel=%s dest=%s error=%s",
			pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest),
			pb_q(pb_state_errmsg(r->st)));
	} else if (rc > 0) {
		pb_info("deliver.unsuppressed", "subscriber=%s channel=%s dest=%s released=%ld "
			"reason=%s", pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest),
			released, pb_q("the webhook changed since it was suppressed"));
	}
	if (rc <= 0 || released == 0)
		return 0;
	r->reload = 1;
	return 2;
}

/* Every other pending message to a paused destination is paused with it, and the destination
 * is suppressed. Returns how many were paused. */
static long
pause_dest(struct run *r, const struct pb_outbox_msg *m, const char *why)
{
	int n = pb_outbox_pause_dest(r->st, m->channel, m->dest, why, (int64_t)time(NULL));

	suppress_dest(r, m, why);
	if (n < 0) {
		fatal(r, "pause");
		return 0;
	}
	return n;
}

static long
count_pending(struct run *r)
{
	long n = pb_outbox_pending(r->st);

	return n < 0 ? 0 : n;
}

/* How long a held message waits before it is looked at again: a subscriber back in the
 * configuration is noticed at once by the next run (release_back), by the daemon within this;
 * each look logs the subscriber again. */
#define HOLD_S 900

/* Whether m's subscriber is one delivery sends to: a subscriber of cfg; one the load left out
 * for a while (a state not active, a stored one whose rules do not pass: cfg->left_out), whose
 * messages keep their own handling; or one stored in the state since cfg was loaded (a sign-up
 * on the web endpoint or on another machine sharing the state). 0 for a subscriber an
 * administrator took out of the file. The state is asked once a run for each such name. */
static int
sub_known(struct run *r, const char *name)
{
	struct pb_sub_row row;
	struct slot *s;
	int rc;

	if (!name || pb_config_subscriber(r->cfg, name))
		return 1;
	/* the names left out are a list: each looked for once a run */
	s = table_get(&r->subs, name);
	if (!s->known && pb_config_left_out(r->cfg, name))
		s->known = 1;
	if (!s->known) {
		memset(&row, 0, sizeof row);
		rc = pb_sub_get(r->st, name, &row);
		/* A state that cannot say: sent as before, not held on a guess. A row without
		 * settings is the file's subscriber's (a pause, a resume): its block is gone. */
		s->known = rc < 0 || (rc == 1 && row.settings) ? 1 : 2;
		if (rc < 0)
			pb_warn("deliver.subscriber_lookup", "subscriber=%s error=%s", pb_q(name),
				pb_q(pb_state_errmsg(r->st)));
		pb_sub_row_clear(&row);
	}
	return s->known == 1;
}

/* Holds m, whose subscriber is not in the configuration: neither sent nor settled, it waits,
 * pending, for the subscriber to come back (release_back) or for the end of its lifetime,
 * when it expires as any message does. Its destination's later parts are held with it. */
static void
hold(struct run *r, const struct pb_outbox_msg *m, time_t now)
{
	int64_t when = (int64_t)now + HOLD_S;

	if (when > m->created + r->lifetime_s)
		when = m->created + r->lifetime_s;
	if (pb_outbox_hold(r->st, m->rowid, when, (int64_t)now) != 0) {
		state_failed(r, m, "holding a message");
		return;
	}
	release_hold(r, m);
	table_get(&r->subs, m->subscriber)->held_msgs++;
}

/* Whether m, held while its subscriber was out of the configuration, is to go to sub, the
 * subscriber of its name now: the name may have come back as another reader (another address,
 * another team's webhook; the file's subscribers are all of generation 0). 1: it may go. 0:
 * it is settled, never sent (expired, PB_OUTBOX_HELD_DROPPED), and logged; -1: the state
 * could not record that (it stays held). */
static int
held_still_theirs(struct run *r, const struct pb_outbox_msg *m, const struct pb_subscriber *sub)
{
	const struct pb_channel *ch = channel_find(m->channel);
	char why[128];

	/* an unknown channel fails as it does for anyone */
	if (!ch || pb_channel_dest_still(ch, r->cfg, sub, m->dest, m->fingerprint, why,
					 sizeof why))
		return 1;
	if (pb_outbox_mark_status(r->st, m->rowid, PB_OUT_EXPIRED, PB_OUTBOX_HELD_DROPPED) != 0)
		return -1;
	r->stats->expired++;
	pb_warn("deliver.held_dropped", "subscriber=%s channel=%s dest=%s part=%d/%d reason=%s",
		pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest), m->part, m->n_parts,
		pb_q(why));
	return 0;
}

/* Settles the held messages of name (back in the configuration as sub) whose destination is
 * no longer its (held_still_theirs). Returns how many, or -1. */
static int
drop_not_theirs(struct run *r, const char *name, const struct pb_subscriber *sub, int64_t now)
{
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;
	int dropped = 0, rc = 0;

	if (pb_outbox_held_of(r->st, name, now, &v, &n) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		int k = held_still_theirs(r, &v[i], sub);

		if (k < 0)
			rc = -1;
		else if (k == 0)
			dropped++;
	}
	pb_outbox_msgs_free(v, n);
	return rc < 0 ? -1 : dropped;
}

/* The held messages of subscribers back in the configuration (the block restored, a stored
 * one that loads again) are due at once, those to a destination still theirs. A subscriber
 * known but not loaded (left out for a while, stored since the configuration was loaded) has
 * no destinations to compare: its held messages wait. */
static void
release_back(struct run *r)
{
	int64_t now = (int64_t)time(NULL);
	char **v = NULL;
	size_t n = 0;

	if (pb_outbox_held_subscribers(r->st, now, &v, &n) < 0) {
		pb_warn("deliver.held_failed", "error=%s", pb_q(pb_state_errmsg(r->st)));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pb_subscriber *sub = pb_config_subscriber(r->cfg, v[i]);
		int k = sub ? drop_not_theirs(r, v[i], sub, now) : -2;

		if (k >= 0)
			k = pb_outbox_unhold(r->st, v[i], now);
		if (k == -1)
			pb_warn("deliver.held_failed", "subscriber=%s error=%s", pb_q(v[i]),
				pb_q(pb_state_errmsg(r->st)));
		else if (k > 0)
			pb_info("deliver.released", "subscriber=%s messages=%d reason=%s",
				pb_q(v[i]), k, pb_q("back in the configuration"));
		free(v[i]);
	}
	free(v);
}

/* m, held, comes due with its subscriber known (in a later pass than release_back's, or
 * after a pause of the daemon's): as release_back would have done with it. 1: it goes; 0:
 * settled as not its subscriber's any more, or held again (its subscriber not loaded, so
 * its destinations unknown); -1: the state failed. */
static int
held_due(struct run *r, const struct pb_outbox_msg *m, time_t now)
{
	const struct pb_subscriber *sub = pb_config_subscriber(r->cfg, m->subscriber);

	if (!sub) {
		hold(r, m, now);
		return 0;
	}
	return held_still_theirs(r, m, sub);
}

/* One line per subscriber whose messages were held in this run. */
static void
log_held(struct run *r)
{
	for (size_t i = 0; i < r->subs.cap; i++)
		if (r->subs.v[i].key && r->subs.v[i].held_msgs > 0)
			pb_warn("deliver.held", "subscriber=%s messages=%ld reason=%s",
				pb_q(r->subs.v[i].key), r->subs.v[i].held_msgs,
				pb_q("not in the configuration"));
}

/* Exponential backoff with jitter: base * 2^(attempt-1), capped at six hours, scaled by a
 * random factor in [0.75, 1.25) so many failures at once do not return at once. */
static int64_t
backoff_s(struct run *r, int attempt)
{
	double d = (double)r->retry_base_s;

	for (int i = 1; i < attempt && d < 21600; i++)
		d *= 2;
	if (d > 21600)
		d = 21600;
	r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	d *= 0.75 + (double)(r->rng >> 11) / (double)(1ULL << 53) * 0.5;
	return d < 1 ? 1 : (int64_t)d;
}

/* One line per delivery; a message that will not arrive (failed, expired, paused), or that
 * arrived and may arrive again (unrecorded), is a warning: someone has to act or know. So is
 * a retry deferred by a refusal of paperboy itself (a login, a bot token): it waits for someone
 * to mend it (record's call, warn set). */
static void
log_at(int warn, const struct pb_outbox_msg *m, const char *status, int64_t ms,
       const char *error)
{
	pb_log(warn ? PB_LOG_WARN : PB_LOG_INFO, "deliver.attempt",
	       "subscriber=%s channel=%s dest=%s part=%d/%d status=%s attempt=%d ms=%lld error=%s",
	       pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest), m->part, m->n_parts, status,
	       m->attempts + 1, (long long)ms, pb_q(error && *error ? error : "-"));
}

static void
log_delivery(const struct pb_outbox_msg *m, const char *status, int64_t ms, const char *error)
{
	log_at(strcmp(status, "failed") == 0 || strcmp(status, "expired") == 0 ||
	       strcmp(status, "paused") == 0 || strcmp(status, "unrecorded") == 0,
	       m, status, ms, error);
}

/* A message marked sent counts as sent once its mark is committed (marks.h). */
static void
sent_done(void *ctx, const struct pb_outbox_msg *m, int64_t ms, int ok)
{
	struct run *r = ctx;

	r->stats->sent += ok;
	log_delivery(m, ok ? "sent" : "unrecorded", ms,
		     ok ? NULL : "sent, but the state could not record it: it may be sent again");
}

/* A limit wider than m's destination (res->hold, a pacing key of m's channel): every message
 * under that key waits as long as m does (delay: what the server asked, or m's backoff), here
 * and on every machine sharing the state. */
static void
hold_pace(struct run *r, const struct pb_outbox_msg *m, const struct pb_result *res,
	  int64_t delay)
{
	struct slot *s = table_get(&r->tab, res->hold);
	int64_t until = pb_mono_ms() + delay * 1000;

	if (s->next_ms < until)
		s->next_ms = until;
	if (!r->pace_db_failed && pb_pace_hold(r->st, res->hold, pb_wall_ms() + delay * 1000) < 0) {
		r->pace_db_failed = 1;
		pb_warn("deliver.pacing_shared", "error=%s (paced by this machine alone)",
			pb_q(pb_state_errmsg(r->st)));
	}
	pb_info("deliver.hold", "channel=%s key=%s seconds=%lld", pb_q(m->channel),
		pb_q(res->hold), (long long)delay);
}

/* Records what happened to m. Called as soon as the result is known. */
static void
record(struct run *r, const struct pb_outbox_msg *m, const struct pb_result *res, int64_t ms,
       int tried)
{
	time_t now = time(NULL);
	char why[700], key[512];
	struct slot *d;
	int rc = 0;

	pb_marks_result(&r->marks);
	dest_key(key, sizeof key, m);
	d = table_get(&r->tab, key);
	/* A held part that is settled for good releases the parts after it. */
	if (is_held(d, m) && res->verdict != PB_V_TRANSIENT)
		d->held = 0;
	switch (res->verdict) {
	case PB_V_SENT:
		rc = pb_outbox_mark_sent(r->st, m->rowid, now);
		if (rc == 0)
			pb_marks_sent(&r->marks, m, ms, sent_done, r);
		else
			sent_done(r, m, ms, 0);
		break;
	case PB_V_PERMANENT:
		/* Refused before it went anywhere (no such channel, not an address): no attempt. */
		rc = tried ? pb_outbox_mark_tried(r->st, m->rowid, PB_OUT_FAILED, res->reason)
			   : pb_outbox_mark_status(r->st, m->rowid, PB_OUT_FAILED, res->reason);
		r->stats->failed++;
		log_delivery(m, "failed", ms, res->reason);
		/* the address or webhook itself is gone: nothing more goes there */
		if (rc == 0 && tried && res->suppress)
			suppress_dest(r, m, res->reason);
		break;
	case PB_V_PAUSED:
		rc = pb_outbox_mark_tried(r->st, m->rowid, PB_OUT_PAUSED, res->reason);
		r->stats->paused++;
		r->stats->paused += pause_dest(r, m, res->reason);
		snprintf(key, sizeof key, "P|%s|%s", m->channel, m->dest);
		table_get(&r->tab, key)->paused = 1;
		log_delivery(m, "paused", ms, res->reason);
		break;
	case PB_V_REDIRECT:
		/* The chat moved (a group became a supergroup): move every pending message of
		 * it, this one included, and send there; counted as an attempt so a peer that
		 * keeps redirecting cannot keep us busy. */
		snprintf(why, sizeof why, "moved to %s: %s", res->new_dest, res->reason);
		if (pb_outbox_redirect(r->st, m->channel, m->dest, res->new_dest) < 0 ||
		    pb_outbox_mark_retry(r->st, m->rowid, now, why) != 0)
			rc = -1;
		r->stats->retried++;
		pb_info("deliver.redirect", "subscriber=%s channel=%s dest=%s new_dest=%s",
			pb_q(m->subscriber), pb_q(m->channel), pb_q(m->dest), pb_q(res->new_dest));
		log_delivery(m, "redirected", ms, why);
		/* Parts still waiting in this batch carry the old destination: drop them, the
		 * next batch (at once) brings them back with the new one. */
		r->reload = 1;
		for (size_t i = 0; i < r->n_batch; i++) {
			struct pb_outbox_msg *b = &r->batch[i];
			if (b->rowid && strcmp(b->channel, m->channel) == 0 &&
			    strcmp(b->dest, m->dest) == 0) {
				pb_outbox_msg_clear(b);
			}
		}
		break;
	case PB_V_TRANSIENT: {
		int attempt = m->attempts + 1;

		int64_t delay = res->retry_after_s >= 0 ? res->retry_after_s
							: backoff_s(r, attempt);
		/* A limit without a wait named (Cloudflare's ban of the address) holds the
		 * others as long as this message's backoff: one request per wait finds its end. */
		if (res->hold[0])
			hold_pace(r, m, res, delay < 1 ? 1 : delay);
		/* Rounded up to the next whole second, so the wait is never shorter than asked. */
		int64_t when = (pb_wall_ms() + (delay < 1 ? 1 : delay) * 1000 + 999) / 1000;
		if (attempt >= r->max_attempts) {
			snprintf(why, sizeof why, "gave up after %d attempt%s: %s", attempt, attempt == 1 ? "" : "s",
				 res->reason);
			rc = pb_outbox_mark_tried(r->st, m->rowid, PB_OUT_FAILED, why);
			r->stats->failed++;
			log_delivery(m, "failed", ms, why);
		} else if (when >= m->created + r->lifetime_s) {
			/* Not sent late: a retry past the lifetime would be. */
			snprintf(why, sizeof why, "expired before the next try: %s", res->reason);
			rc = pb_outbox_mark_tried(r->st, m->rowid, PB_OUT_EXPIRED, why);
			r->stats->expired++;
			log_delivery(m, "expired", ms, why);
		} else {
			rc = pb_outbox_mark_retry(r->st, m->rowid, when, res->reason);
			defer_later_parts(r, m, when);
			d = table_get(&r->tab, key);
			if (!d->held || after_held(d, m) == 0) {
				d->held = m->part;
				snprintf(d->held_date, sizeof d->held_date, "%s",
					 m->digest_date ? m->digest_date : "");
			}
			r->stats->retried++;
			r->stats->deferred += res->deferred != 0;
			snprintf(why, sizeof why, "%s; retry in %llds", res->reason,
				 (long long)(delay < 1 ? 1 : delay));
			log_at(res->deferred != 0, m, "retry", ms, why);
		}
		break;
	}
	}
	if (rc != 0)
		state_failed(r, m, "recording a delivery");
}

/* ---- transfers ---- */

static size_t
write_cb(char *p, size_t size, size_t n, void *userp)
{
	struct pb_xfer *x = userp;
	size_t len = size * n;

	if (x->resp.len < PB_XFER_MAX_BODY)
		pb_buf_append(&x->resp, p, len < PB_XFER_MAX_BODY - x->resp.len
						   ? len : PB_XFER_MAX_BODY - x->resp.len);
	return len;
}

/* Keeps the Retry-After value of the last response (a redirect or 100 starts over). */
static size_t
header_cb(char *p, size_t size, size_t n, void *userp)
{
	struct pb_xfer *x = userp;
	size_t len = size * n;

	char v[16];

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->retry_after[0] = '\0';
		x->rate_scope[0] = '\0';
	}
	pb_http_header_value(p, len, "Retry-After", x->retry_after, sizeof x->retry_after);
	pb_http_header_value(p, len, "X-RateLimit-Scope", x->rate_scope, sizeof x->rate_scope);
	if (pb_http_header_value(p, len, "X-RateLimit-Global", v, sizeof v) &&
	    strcasecmp(v, "true") == 0)
		snprintf(x->rate_scope, sizeof x->rate_scope, "global");
	return len;
}

/* Settings every delivery transfer shares: the project's HTTP settings (User-Agent, trust,
 * verification, timeouts), then what differs for delivery. */
static void
setup_common(struct run *r, struct pb_xfer *x)
{
	struct pb_http_opts ho;
	CURL *e = x->easy;

	memset(&ho, 0, sizeof ho);
	ho.user_agent = r->cfg->user_agent ? r->cfg->user_agent : "paperboy/1.0";
	ho.ca_file = r->cfg->ca_file;
	ho.timeout_s = 120;
	ho.connect_timeout_s = 15;
	pb_http_setup_easy(e, &ho);
	/* A webhook or Bot API POST is never followed elsewhere. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
}

static void
xfer_free(struct pb_xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->list);
	pb_buf_free(&x->url);
	pb_buf_free(&x->body);
	pb_buf_free(&x->resp);
	pb_outbox_msg_clear(x->msg);
	free(x->msg);
	free(x);
}

/* Takes batch entry m (moving it) into a new transfer. Returns 0, or -1 when the channel
 * could not prepare it (recorded as a permanent failure). */
static int
xfer_start(struct run *r, const struct pb_channel *ch, struct pb_outbox_msg *m)
{
	struct pb_xfer *x = pb_xcalloc(1, sizeof *x);
	struct pb_result res;
	char key[512];

	x->msg = pb_xmalloc(sizeof *x->msg);
	*x->msg = *m;
	memset(m, 0, sizeof *m);
	x->cfg = r->cfg;
	x->started_ms = pb_mono_ms();
	x->easy = curl_easy_init();
	if (!x->easy) {
		snprintf(r->err, r->errlen, "curl_easy_init failed");
		r->fatal = 1;
		xfer_free(x);
		return -1;
	}
	setup_common(r, x);
	memset(&res, 0, sizeof res);
	if (ch->prepare(x, res.reason, sizeof res.reason) != 0) {
		res.verdict = PB_V_PERMANENT;
		record(r, x->msg, &res, 0, 0);
		xfer_free(x);
		return -1;
	}
	if (curl_multi_add_handle(r->multi, x->easy) != CURLM_OK) {
		snprintf(r->err, r->errlen, "curl_multi_add_handle failed");
		r->fatal = 1;
		xfer_free(x);
		return -1;
	}
	dest_key(key, sizeof key, x->msg);
	table_get(&r->tab, key)->busy = 1;
	r->xf[r->n_xf] = x;
	x->slot = r->n_xf++;
	return 0;
}

/* Commits the results' group when it is due (force: now). */
static void
txn_end(struct run *r, int force)
{
	if (pb_marks_end(&r->marks, force, sent_done, r) != 0)
		fatal(r, "commit");
}

/* Records x's result and lets it go. */
static void
xfer_finish(struct run *r, struct pb_xfer *x, const struct pb_result *res)
{
	char key[512];

	record(r, x->msg, res, pb_mono_ms() - x->started_ms, 1);
	dest_key(key, sizeof key, x->msg);
	table_get(&r->tab, key)->busy = 0;
	if (x->easy)
		curl_multi_remove_handle(r->multi, x->easy);
	r->n_xf--;
	r->xf[x->slot] = r->xf[r->n_xf];
	r->xf[x->slot]->slot = x->slot;
	xfer_free(x);
}

static void
smtp_done(void *ctx, struct pb_xfer *x, const struct pb_result *res)
{
	xfer_finish(ctx, x, res);
}

/* Hands batch entry m (moving it) to the email sessions. */
static void
xfer_start_smtp(struct run *r, struct pb_outbox_msg *m)
{
	struct pb_xfer *x = pb_xcalloc(1, sizeof *x);
	char key[512];

	x->msg = pb_xmalloc(sizeof *x->msg);
	*x->msg = *m;
	memset(m, 0, sizeof *m);
	x->cfg = r->cfg;
	x->started_ms = pb_mono_ms();
	dest_key(key, sizeof key, x->msg);
	table_get(&r->tab, key)->busy = 1;
	r->xf[r->n_xf] = x;
	x->slot = r->n_xf++;
	if (pb_smtp_pool_submit(r->smtp, x) != 0) {
		struct pb_result res;
		memset(&res, 0, sizeof res);
		res.verdict = PB_V_TRANSIENT;
		res.retry_after_s = -1;
		snprintf(res.reason, sizeof res.reason, "no SMTP session could be opened");
		xfer_finish(r, x, &res);
	}
}

/* Handles every finished transfer. */
static void
collect(struct run *r)
{
	CURLMsg *cm;
	int left;

	while ((cm = curl_multi_info_read(r->multi, &left))) {
		const struct pb_channel *ch;
		struct pb_xfer *x = NULL;
		struct pb_result res;
		if (cm->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		ch = channel_find(x->msg->channel);
		memset(&res, 0, sizeof res);
		ch->classify(x, cm->data.result, &res);
		xfer_finish(r, x, &res);
	}
	txn_end(r, 0);
}

/* The time limit passed: what is in flight is cut off and recorded as a transient failure
 * (retried by the next run or the daemon, as any retry: it may have arrived, so it may arrive
 * twice, never not at all); what has not begun stays pending as it is. */
static void
cut_off(struct run *r)
{
	char why[160];
	struct pb_result res;
	int running;

	/* Transfers that have just finished keep their real results. */
	curl_multi_perform(r->multi, &running);
	collect(r);
	r->cut = 1;
	snprintf(why, sizeof why, "no answer within the delivery time limit (%d s); cut off",
		 r->o->limit_s);
	pb_warn("deliver.time_limit", "limit_s=%d in_flight=%zu", r->o->limit_s, r->n_xf);
	memset(&res, 0, sizeof res);
	res.verdict = PB_V_TRANSIENT;
	res.retry_after_s = 0;
	snprintf(res.reason, sizeof res.reason, "%s", why);
	/* Backwards: xfer_finish moves the last transfer into the finished one's slot. */
	for (size_t i = r->n_xf; i-- > 0;)
		if (r->xf[i]->easy)
			xfer_finish(r, r->xf[i], &res);
	pb_smtp_pool_cut(r->smtp, why);
	txn_end(r, 1);
}

/* Milliseconds to wait at most: ms, or less when the time limit comes first. */
static long
until_limit(const struct run *r, long ms)
{
	int64_t left;

	if (!r->deadline_ms)
		return ms;
	left = r->deadline_ms - pb_mono_ms();
	return left < 0 ? 0 : left < ms ? (long)left : ms;
}

/* Waits up to ms for the transfers and the email sessions, then moves both on. */
static void
wait_and_run(struct run *r, long ms)
{
	int running, n = 0;

	if (r->smtp) {
		long t = pb_smtp_pool_timeout_ms(r->smtp);
		if (t >= 0 && t < ms)
			ms = t;
		n = pb_smtp_pool_fds(r->smtp, r->wfd, r->max_wfd);
	}
	ms = until_limit(r, ms);
	curl_multi_poll(r->multi, r->wfd, (unsigned)n, (int)ms, NULL);
	curl_multi_perform(r->multi, &running);
	collect(r);
	if (r->smtp) {
		pb_smtp_pool_step(r->smtp, r->wfd, n);
		txn_end(r, 0);
	}
}

/* ---- dispatch ---- */

/* Pacing keeps this much to spare: a message is paced when its transfer starts, but reaches the
 * service after a connection or a queue, so arrivals jitter by a few milliseconds. */
#define PACE_SPARE_MS 10

/* Whether the pacing rules let m start now; if not, *wake is lowered to when they will. */
static int
pace_ok(struct run *r, const struct pb_channel *ch, const struct pb_outbox_msg *m,
	int64_t now, int64_t *wake, int commit)
{
	struct pb_pace p[4];
	int n;

	if (!ch->pace || (r->o && r->o->no_pacing))
		return 1;
	n = ch->pace(m, r->cfg, p, 4);
	for (int i = 0; i < n; i++) {
		struct slot *s = table_get(&r->tab, p[i].key);
		if (s->next_ms > now) {
			if (s->next_ms < *wake)
				*wake = s->next_ms;
			return 0;
		}
	}
	if (commit && n > 0 && !r->pace_db_failed) {
		/* The same slots for every machine sharing the state (state.h, pb_pace_take). */
		const char *keys[4];
		long iv[4];
		int64_t wall = pb_wall_ms(), next = 0;
		int got;

		for (int i = 0; i < n; i++) {
			keys[i] = p[i].key;
			iv[i] = p[i].interval_ms + (p[i].interval_ms > 0 ? PACE_SPARE_MS : 0);
		}
		got = pb_pace_take(r->st, keys, iv, (size_t)n, wall, &next);
		if (got == 0) {
			/* Another machine has the slot: wait here until it frees. */
			int64_t at = now + (next > wall ? next - wall : 1);

			for (int i = 0; i < n; i++) {
				struct slot *s = table_get(&r->tab, p[i].key);
				if (s->next_ms < at)
					s->next_ms = at;
			}
			if (at < *wake)
				*wake = at;
			return 0;
		}
		if (got < 0) {
			r->pace_db_failed = 1;
			pb_warn("deliver.pacing_shared", "error=%s (paced by this machine alone)",
				pb_q(pb_state_errmsg(r->st)));
		}
	}
	if (commit)
		for (int i = 0; i < n; i++)
			table_get(&r->tab, p[i].key)->next_ms =
				now + p[i].interval_ms + (p[i].interval_ms > 0 ? PACE_SPARE_MS : 0);
	return 1;
}

/* A group of local writes is handed to the writer at the end of the pass, or sooner at this
 * many messages or bytes; while the writer is still busy with the last group, the loop goes on
 * gathering, up to STAGE_HOLD messages or STAGE_HOLD_BYTES, and hands them all as the next
 * group once it is free (the slower the disk, the larger the groups and the fewer the syncs). */
#define STAGE_MAX 128
#define STAGE_BYTES (16u << 20)
#define STAGE_HOLD 256
#define STAGE_HOLD_BYTES (32u << 20)

/* Writes group w->m[0..n) (in the writer's thread, or the loop's when it could not start):
 * each message staged, then the group finished; w->res[i] is the i-th message's result. */
static void
group_write(struct writer *w)
{
	struct pb_stage_group *g = NULL;
	struct pb_result *fin;
	size_t *at = pb_xcalloc(w->n + 1, sizeof *at), k = 0;

	for (size_t i = 0; i < w->n; i++)
		if (w->ch->stage(&g, &w->m[i], w->cfg, &w->res[i]) == 0)
			at[k++] = i;   /* its result comes from finish */
	fin = pb_xcalloc(k + 1, sizeof *fin);
	w->ch->finish(g, k ? fin : NULL, k);
	for (size_t j = 0; j < k; j++)
		w->res[at[j]] = fin[j];
	free(fin);
	free(at);
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !(w->busy && !w->done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		pthread_mutex_unlock(&w->mu);
		group_write(w);
		pthread_mutex_lock(&w->mu);
		w->done = 1;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The writer, made with the first group (its thread started if it can be). */
static struct writer *
writer_get(struct run *r)
{
	struct writer *w = r->wr;

	if (w)
		return w;
	w = r->wr = pb_xcalloc(1, sizeof *w);
	w->cfg = r->cfg;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return w;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return w;
	}
	if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
		pb_warn("deliver.writer", "error=%s",
			pb_q("cannot start a thread: local writes are made in the loop"));
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return w;
	}
	w->started = 1;
	return w;
}

static int
writer_busy(const struct run *r)
{
	struct writer *w = r->wr;
	int busy;

	if (!w || !w->started)
		return 0;
	pthread_mutex_lock(&w->mu);
	busy = w->busy;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

/* Records the results of the group w holds, and frees its messages. */
static void
group_record(struct run *r, struct writer *w)
{
	char key[512];
	int64_t t = pb_mono_ms();

	for (size_t i = 0; i < w->n; i++) {
		struct pb_outbox_msg *m = &w->m[i];

		dest_key(key, sizeof key, m);
		table_get(&r->tab, key)->busy = 0;
		record(r, m, &w->res[i], t - w->t0[i], 1);
		pb_outbox_msg_clear(m);
	}
	w->n = 0;
}

/* Takes the writer's group back once it is written (without wait: only if it is already)
 * and records its results. */
static void
stage_collect(struct run *r, int wait)
{
	struct writer *w = r->wr;

	if (!w || !w->started)
		return;
	pthread_mutex_lock(&w->mu);
	if (!w->busy || (!w->done && !wait)) {
		pthread_mutex_unlock(&w->mu);
		return;
	}
	while (!w->done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	/* the writer waits for busy to be set again: the group is the loop's meanwhile */
	group_record(r, w);
	pthread_mutex_lock(&w->mu);
	w->busy = 0;
	w->done = 0;
	pthread_mutex_unlock(&w->mu);
}

/* Hands the messages gathered to the writer, once it is done with the group before: at
 * once when it is done or force is set (waiting for it), else only when as many are gathered
 * as the loop holds (STAGE_HOLD). */
static void
stage_hand(struct run *r, int force)
{
	struct writer *w;

	if (!r->n_stg)
		return;
	if (!force && r->n_stg < STAGE_HOLD && r->stg_bytes < STAGE_HOLD_BYTES && writer_busy(r)) {
		stage_collect(r, 0);
		if (writer_busy(r))
			return;   /* gathered on; handed when the writer is free */
	}
	stage_collect(r, 1);
	w = writer_get(r);
	if (w->cap < r->n_stg) {
		w->cap = r->n_stg;
		w->m = pb_xreallocarray(w->m, w->cap, sizeof *w->m);
		w->t0 = pb_xreallocarray(w->t0, w->cap, sizeof *w->t0);
		w->res = pb_xreallocarray(w->res, w->cap, sizeof *w->res);
	}
	w->ch = r->stg_ch;
	w->n = r->n_stg;
	memcpy(w->m, r->stg_m, r->n_stg * sizeof *w->m);
	memcpy(w->t0, r->stg_t0, r->n_stg * sizeof *w->t0);
	r->n_stg = 0;
	r->stg_bytes = 0;
	if (!w->started) {
		group_write(w);
		group_record(r, w);
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->busy = 1;
	w->done = 0;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Ends the writer, its last group recorded. */
static void
writer_end(struct run *r)
{
	struct writer *w = r->wr;

	/* what was gathered meanwhile is written too, as it was taken */
	stage_hand(r, 1);
	w = r->wr;
	if (!w)
		return;
	if (w->started) {
		stage_collect(r, 1);
		pthread_mutex_lock(&w->mu);
		w->quit = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
	}
	free(w->m);
	free(w->t0);
	free(w->res);
	free(w);
	r->wr = NULL;
}

/* Gathers batch entry m (moving it) for the writer; its destination is busy until its result
 * is recorded. */
static void
stage_one(struct run *r, const struct pb_channel *ch, struct pb_outbox_msg *m)
{
	char key[512];

	if (r->n_stg && r->stg_ch != ch)
		stage_hand(r, 1);
	r->stg_ch = ch;
	if (r->n_stg == r->cap_stg) {
		r->cap_stg = r->cap_stg ? 2 * r->cap_stg : STAGE_MAX;
		r->stg_m = pb_xreallocarray(r->stg_m, r->cap_stg, sizeof *r->stg_m);
		r->stg_t0 = pb_xreallocarray(r->stg_t0, r->cap_stg, sizeof *r->stg_t0);
	}
	r->stg_bytes += m->payload_len;
	r->stg_t0[r->n_stg] = pb_mono_ms();
	r->stg_m[r->n_stg++] = *m;
	memset(m, 0, sizeof *m);
	dest_key(key, sizeof key, &r->stg_m[r->n_stg - 1]);
	table_get(&r->tab, key)->busy = 1;
	if (r->n_stg >= STAGE_MAX || r->stg_bytes >= STAGE_BYTES)
		stage_hand(r, 0);
}

/* Starts what may start from the batch. Returns the number of entries still waiting; *wake
 * is the earliest time a paced one may go. */
static size_t
dispatch(struct run *r, int64_t *wake)
{
	size_t waiting = 0;
	time_t now = time(NULL);
	int64_t t = pb_mono_ms();
	char key[512];
	int smtp_full = r->smtp && !pb_smtp_pool_room(r->smtp);
	size_t live = 0, broken = 0;

	r->held_back = 0;
	for (size_t i = 0; i < r->n_batch; i++) {
		struct pb_outbox_msg *m = &r->batch[i];
		const struct pb_channel *ch;
		struct pb_result res;
		struct slot *d;
		int sup;

		if (!m->rowid)
			continue;
		if (stopping(r) || r->n_xf >= r->max_xf) {
			waiting++;
			continue;
		}
		ch = channel_find(m->channel);
		if (ch && ch->check && smtp_full) {
			/* Every email session is busy: the cheapest answer for a long batch. */
			waiting++;
			continue;
		}
		memset(&res, 0, sizeof res);
		dest_key(key, sizeof key, m);
		d = table_get(&r->tab, key);
		if (d->broken) {
			/* Its last result is not in the state: nothing more goes there now. */
			broken++;
			pb_outbox_msg_clear(m);
			continue;
		}
		live++;
		if (after_held(d, m)) {
			/* An earlier part is waiting for its retry; this one waits with it (the
			 * state already holds it back to the same time). */
			pb_outbox_msg_clear(m);
			continue;
		}
		if (d->busy) {
			waiting++;
			r->held_back = 1;
			continue;
		}
		snprintf(key, sizeof key, "P|%s|%s", m->channel, m->dest);
		if (table_get(&r->tab, key)->paused) {
			/* Paused with its destination already (pause_dest), and counted there. */
			pb_outbox_msg_clear(m);
			continue;
		}
		if (ch && m->last_error && strcmp(m->last_error, PB_OUTBOX_HELD) == 0 &&
		    m->created + r->lifetime_s > now && (sup = held_due(r, m, now)) != 1) {
			/* Held, due on its own (release_back did not see it): settled, or held
			 * again, or not recorded. Before the suppressions are asked: one of the
			 * former reader's would pause it, and a lift would put back what it held,
			 * for a destination that may no longer be the subscriber's. (One past
			 * its lifetime expires below, as any message.) */
			if (sup < 0)
				state_failed(r, m, "settling a held message");
			release_hold(r, m);
			pb_outbox_msg_clear(m);
			continue;
		}
		sup = suppressed(r, m);
		if (sup == 1) {
			/* Suppressed after it was enqueued (unsubscribed, refused): it waits,
			 * paused, for `subscriber resume`, and costs no request. */
			if (pb_outbox_mark_status(r->st, m->rowid, PB_OUT_PAUSED,
						  PB_OUTBOX_SUPPRESSED) != 0)
				state_failed(r, m, "pausing a suppressed destination");
			else
				r->stats->paused++;
			release_hold(r, m);
			log_delivery(m, "paused", 0, PB_OUTBOX_SUPPRESSED);
			pb_outbox_msg_clear(m);
			continue;
		}
		if (sup == 2) {
			/* What the revoked webhook lost was put back, to go to the new one before
			 * m: this destination's messages wait, pending, for the next batch
			 * (r->reload), which loads them all in order. */
			for (size_t j = i + 1; j < r->n_batch; j++) {
				struct pb_outbox_msg *b = &r->batch[j];

				if (b->rowid && strcmp(b->subscriber, m->subscriber) == 0 &&
				    strcmp(b->channel, m->channel) == 0 &&
				    strcmp(b->dest, m->dest) == 0)
					pb_outbox_msg_clear(b);
			}
			pb_outbox_msg_clear(m);
			continue;
		}
		if (!ch) {
			res.verdict = PB_V_PERMANENT;
			snprintf(res.reason, sizeof res.reason, "unknown channel");
		} else if (m->created + r->lifetime_s <= now) {
			r->stats->expired++;
			if (pb_outbox_mark_status(r->st, m->rowid, PB_OUT_EXPIRED,
						  "older than the delivery lifetime") != 0)
				state_failed(r, m, "recording an expiry");
			release_hold(r, m);
			log_delivery(m, "expired", 0, "older than the delivery lifetime");
			pb_outbox_msg_clear(m);
			continue;
		} else if (!sub_known(r, m->subscriber)) {
			/* An administrator took the reader out: nothing goes, nothing is lost
			 * yet (a block may be back after an edit). */
			hold(r, m, now);
			pb_outbox_msg_clear(m);
			continue;
		} else if (m->attempts >= r->max_attempts) {
			res.verdict = PB_V_PERMANENT;
			snprintf(res.reason, sizeof res.reason, "no attempts left");
		} else if (!pace_ok(r, ch, m, t, wake, 0)) {
			waiting++;
			r->held_back = 1;
			continue;
		} else if (ch->check && ch->check(m, r->cfg, res.reason, sizeof res.reason) != 0) {
			res.verdict = PB_V_PERMANENT;
		} else if (ch->check) {
			if (!r->smtp)
				r->smtp = pb_smtp_pool_new(r->cfg, (int)(r->max_host < r->max_total
									 ? r->max_host
									 : r->max_total),
							   smtp_done, r);
			if (!pb_smtp_pool_room(r->smtp)) {
				smtp_full = 1;
				waiting++;
				continue;
			}
			if (!pace_ok(r, ch, m, t, wake, 1)) {
				waiting++;
				r->held_back = 1;
				continue;
			}
			xfer_start_smtp(r, m);
			smtp_full = !pb_smtp_pool_room(r->smtp);
			continue;
		} else if (ch->write) {
			int64_t t0;

			if (!pace_ok(r, ch, m, t, wake, 1)) {
				waiting++;
				r->held_back = 1;
				continue;
			}
			if (ch->stage) {
				stage_one(r, ch, m);
				continue;
			}
			t0 = pb_mono_ms();
			ch->write(m, r->cfg, &res);
			record(r, m, &res, pb_mono_ms() - t0, 1);
			pb_outbox_msg_clear(m);
			continue;
		} else {
			if (!pace_ok(r, ch, m, t, wake, 1)) {
				waiting++;
				r->held_back = 1;
				continue;
			}
			xfer_start(r, ch, m);
			continue;
		}
		record(r, m, &res, 0, 0);
		pb_outbox_msg_clear(m);
	}
	stage_hand(r, 0);
	r->only_broken = broken > 0 && live == 0;
	return waiting;
}

static int
in_flight(const struct run *r, int64_t rowid)
{
	for (size_t i = 0; i < r->n_xf; i++)
		if (r->xf[i]->msg->rowid == rowid)
			return 1;
	/* the writer's group: only read here while it writes */
	if (writer_busy(r))
		for (size_t i = 0; i < r->wr->n; i++)
			if (r->wr->m[i].rowid == rowid)
				return 1;
	/* gathered for the next group */
	for (size_t i = 0; i < r->n_stg; i++)
		if (r->stg_m[i].rowid == rowid)
			return 1;
	return 0;
}

static void
batch_free(struct run *r)
{
	if (r->batch)
		pb_outbox_msgs_free(r->batch, r->n_batch);
	r->batch = NULL;
	r->n_batch = 0;
}

/* Whether another machine beat on the state within the lease: then this one claims a few
 * rounds of transfers at a time, so they share the work; alone, whole batches. */
static void
others_alive(struct run *r)
{
	struct pb_machine_row *v = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;

	r->others = 0;
	if (pb_machines_list(r->st, now, &v, &n) < 0) {
		r->others = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, pb_state_machine(r->st)) != 0 &&
		    v[i].heartbeat >= now - r->lease_s)
			r->others = 1;
	free(v);
}

/* The machine's heartbeat, with what it sent since the last one, and the renewal of its
 * claims: every few seconds while it delivers (force: now). A failure is logged; the claims
 * then lapse with their lease and another machine sends what this one could not. */
static void
beat(struct run *r, int force)
{
	int64_t t = pb_mono_ms(), every = (int64_t)r->lease_s * 1000 / 3;

	if (every > 5000)
		every = 5000;
	if (!force && t - r->last_beat_ms < every)
		return;
	r->last_beat_ms = t;
	if (pb_machine_beat(r->st, (int64_t)getpid(), (int64_t)time(NULL), (int64_t)time(NULL),
			    r->stats->sent - r->beat_sent) == 0)
		r->beat_sent = r->stats->sent;
	if (pb_outbox_renew(r->st, (int64_t)time(NULL), r->lease_s) < 0)
		pb_warn("deliver.renew_failed", "error=%s", pb_q(pb_state_errmsg(r->st)));
	others_alive(r);
}

static long
def(long v, long d)
{
	return v > 0 ? v : d;
}

int
pb_deliver_run(struct pb_state *st, const struct pb_config *cfg,
	       const struct pb_deliver_opts *o, struct pb_deliver_stats *stats, char *err,
	       size_t errlen)
{
	struct pb_deliver_stats dummy;
	struct run r;
	int64_t wake, last_load = 0, last_progress = 0;
	size_t waiting = 0, compact_at = 1024;
	int rc = -1, running;

	memset(&r, 0, sizeof r);
	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof *stats);
	r.st = st;
	r.marks.st = st;
	r.cfg = cfg;
	r.o = o;
	r.stats = stats;
	r.err = err;
	r.errlen = errlen;
	r.max_total = def(cfg->delivery.max_total, 16);
	r.max_host = def(cfg->delivery.max_per_host, 4);
	r.lifetime_s = def(cfg->delivery.lifetime_h, 24) * 3600;
	r.max_attempts = def(cfg->delivery.max_attempts, 8);
	r.retry_base_s = cfg->delivery.retry_base_s >= 0 ? cfg->delivery.retry_base_s : 30;
	r.lease_s = cfg->state_lease_s > 0 ? cfg->state_lease_s : 60;
	pb_state_set_machine(st, cfg->state_machine);
	beat(&r, 1);
	/* A few more transfers than connections keep every connection busy; an email session
	 * that pipelines carries two messages. */
	r.max_xf = 2 * (size_t)r.max_total + 1;
	r.xf = pb_xcalloc(r.max_xf, sizeof *r.xf);
	r.max_wfd = (int)r.max_total * PB_SMTP_FDS_PER_SESSION;
	r.wfd = pb_xcalloc((size_t)r.max_wfd, sizeof *r.wfd);
	r.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	/* Beside a build, the time limit runs from the build's end. */
	if (o && o->limit_s > 0 && !o->building)
		r.deadline_ms = pb_mono_ms() + (int64_t)o->limit_s * 1000;

	if (o && o->left_alone)
		for (size_t i = 0; i < o->left_alone->n; i++)
			table_get(&r.tab, o->left_alone->v[i])->broken = 1;
	release_back(&r);
	/* Secrets never reach a log line, even inside a curl message. */
	pb_config_log_secrets(cfg);
	/* A mark is on disk before the message counts as sent (marks.h). */
	r.marks.no_sync = o && o->no_sync;

	r.multi = curl_multi_init();
	if (!r.multi) {
		snprintf(err, errlen, "curl_multi_init failed");
		goto out;
	}
	curl_multi_setopt(r.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, r.max_total);
	curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, r.max_host);
	curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, r.max_total);

	for (;;) {
		time_t now = time(NULL);
		int64_t t = pb_mono_ms();

		if (o && o->building && !r.build_over && atomic_load(o->building) != PB_BUILDING) {
			r.build_over = 1;
			if (o->limit_s > 0)
				r.deadline_ms = t + (int64_t)o->limit_s * 1000;
		}
		/* no slot is held across iterations: the table may move */
		if (r.tab.n >= compact_at) {
			table_compact(&r.tab, t);
			compact_at = 2 * r.tab.n > 1024 ? 2 * r.tab.n : 1024;
		}

		if (r.deadline_ms && t >= r.deadline_ms) {
			cut_off(&r);
			break;
		}

		/* A new batch when this one is spent, or every second while it still holds paced
		 * messages (retries come due meanwhile). Entries not taken are still pending in
		 * the state, so reloading loses nothing; what is in flight is skipped. */
		if (!stopping(&r) &&
		    (waiting == 0 || r.reload || (r.held_back && t - last_load >= 1000))) {
			r.reload = 0;
			last_load = t;
			batch_free(&r);
			/* Claimed for this machine: another sharing the state sends the rest.
			 * Beside a build, a few transfers' worth at a time: the bodies of a
			 * batch are held in memory, and the build's are too. */
			size_t take = r.others && 8 * r.max_xf < BATCH ? 8 * r.max_xf : BATCH;

			if (o && o->building && !r.build_over && 2 * r.max_xf < take)
				take = 2 * r.max_xf;

			if (pb_outbox_claim(st, now, r.lease_s, take, &r.batch, &r.n_batch) != 0) {
				fatal(&r, "loading due messages");
				r.batch = NULL;
				r.n_batch = 0;
			}
			for (size_t i = 0; i < r.n_batch; i++)
				if (in_flight(&r, r.batch[i].rowid)) {
					pb_outbox_msg_clear(&r.batch[i]);
				}
		}
		beat(&r, 0);
		stage_collect(&r, 0);
		stage_hand(&r, 0);   /* what was gathered while the writer was busy */
		wake = INT64_MAX;
		waiting = dispatch(&r, &wake);
		txn_end(&r, 0);
		if (stopping(&r))
			waiting = 0;
		if (r.n_xf == 0 && waiting == 0 && (writer_busy(&r) || r.n_stg)) {
			/* nothing else to do meanwhile: the writer's group is waited for, and
			 * what was gathered meanwhile handed over */
			stage_collect(&r, 1);
			stage_hand(&r, 1);
			txn_end(&r, 0);
			continue;
		}
		if (r.n_xf == 0 && waiting == 0) {
			int64_t next;
			txn_end(&r, 1);
			if (stopping(&r))
				break;
			if (r.n_batch > 0 && r.only_broken) {
				/* What is due goes to destinations whose results cannot be
				 * recorded: it waits for the next run. */
				break;
			}
			if (r.n_batch > 0) {
				/* Something was done or dropped: look again at once. */
				batch_free(&r);
				continue;
			}
			if (o && o->building && !r.build_over) {
				/* Digests are still being enqueued: look again shortly. */
				curl_multi_poll(r.multi, NULL, 0, 10, NULL);
				beat(&r, 0);
				continue;
			}
			next = pb_outbox_next_due(st);
			if (next < 0 || next - (int64_t)now > (o ? o->max_wait_s : 0))
				break;
			if (next <= (int64_t)now) {
				/* Due, yet claimed by another machine: it sends them, or its
				 * lease runs out and they come to us. Look again in a second. */
				int64_t until = t + 1000;
				if (r.deadline_ms && until > r.deadline_ms)
					break;
				while (!stopping(&r) && pb_mono_ms() < until)
					curl_multi_poll(r.multi, NULL, 0, 200, NULL);
				beat(&r, 0);
				continue;
			}
			if (next > (int64_t)now) {
				/* Sleep until then, waking to notice a stop; the email sessions,
				 * idle now, are closed rather than kept waiting. */
				int64_t until = t + (next * 1000 - pb_wall_ms());
				if (r.deadline_ms && until > r.deadline_ms)
					break;
				pb_smtp_pool_free(r.smtp);
				r.smtp = NULL;
				while (!stopping(&r) && pb_mono_ms() < until) {
					long ms = (long)(until - pb_mono_ms());
					curl_multi_poll(r.multi, NULL, 0,
							ms > 200 ? 200 : (int)ms, NULL);
				}
			}
			continue;
		}
		curl_multi_perform(r.multi, &running);
		collect(&r);
		/* beside a build, its own progress line is the one shown until it ends */
		if (o && o->progress && (!o->building || r.build_over) &&
		    t - last_progress >= 1000) {
			last_progress = t;
			fprintf(stderr, "\rdelivering: %ld sent, %ld retried, %ld failed, "
				"%zu in flight ", stats->sent, stats->retried,
				stats->failed + stats->expired, r.n_xf);
		}
		if (r.n_xf > 0 || waiting > 0) {
			long ms = 200;
			if (wake != INT64_MAX) {
				int64_t d = wake - pb_mono_ms();
				ms = d < 1 ? 1 : (d < 200 ? (long)d : 200);
			}
			if (pb_marks_due_in(&r.marks) >= 0 && pb_marks_due_in(&r.marks) < ms)
				ms = pb_marks_due_in(&r.marks);   /* awake when the group is due */
			wait_and_run(&r, ms);
		}
	}
	/* the writer's last group recorded (a time limit may end the loop while it writes) */
	writer_end(&r);
	rc = r.fatal || r.state_errors ? -1 : 0;
	if (o && o->progress && last_progress)
		fprintf(stderr, "\n");
out:
	writer_end(&r);
	txn_end(&r, 1);
	if (r.fatal)
		rc = -1;
	pb_marks_free(&r.marks);
	pb_state_durable(st, 0);
	pb_smtp_pool_free(r.smtp);
	while (r.n_xf > 0) {
		/* Only after a fatal error: the results cannot be recorded, so the messages stay
		 * pending and go again next time. */
		struct pb_xfer *x = r.xf[--r.n_xf];
		if (x->easy)
			curl_multi_remove_handle(r.multi, x->easy);
		xfer_free(x);
	}
	batch_free(&r);
	/* What this machine still holds goes back at once, not when the lease runs out. */
	if (!pb_state_in_transaction(st) && pb_outbox_release(st) < 0)
		pb_warn("deliver.release_failed", "error=%s", pb_q(pb_state_errmsg(st)));
	beat(&r, 1);
	log_held(&r);
	stats->pending = count_pending(&r);
	stats->held = pb_outbox_held(st);
	if (stats->held < 0)
		stats->held = 0;
	stats->state_errors = r.state_errors;
	if (o && o->left_alone && r.state_errors) {
		for (size_t i = 0; i < r.tab.cap; i++) {
			int known = 0;

			if (!r.tab.v[i].key || !r.tab.v[i].broken)
				continue;
			for (size_t k = 0; k < o->left_alone->n && !known; k++)
				known = strcmp(o->left_alone->v[k], r.tab.v[i].key) == 0;
			if (!known)
				pb_parts_push(o->left_alone, pb_xstrdup(r.tab.v[i].key));
		}
	}
	if (r.multi)
		curl_multi_cleanup(r.multi);
	free(r.xf);
	free(r.wfd);
	table_free(&r.tab);
	table_free(&r.subs);
	free(r.stg_m);
	free(r.stg_t0);
	return rc;
}
