/* One cycle: fetch → match → summarize → render → enqueue → deliver.
 *
 * Crash safety comes from the order of effects: every message of a subscriber's digest and the
 * ledger rows for its papers are written in one transaction before anything is sent, message ids
 * are deterministic, and the outbox ignores an id it already holds. A cycle killed at any point
 * and run again therefore re-enqueues nothing that was enqueued and resumes what is pending. */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/digest.h"
#include "paperboy/fetch.h"
#include "paperboy/fetch_claim.h"
#include "paperboy/papers.h"
#include "paperboy/fulltext.h"
#include "paperboy/http.h"
#include "paperboy/log.h"
#include "paperboy/match.h"
#include "paperboy/rank.h"
#include "paperboy/render.h"
#include "paperboy/run.h"
#include "paperboy/summarize.h"
#include "paperboy/web.h"

/* Digests are rendered first, without the state's write lock, and written in one transaction
 * after this many or this long, whichever comes first: one commit (and its locks and syncs)
 * per batch instead of per digest, and the write lock held only while the batch is written
 * (tens of ms for 256 digests), never while it is rendered: delivery, running beside the build, records what it
 * sent without waiting for the build. */
#define BATCH_MAX 256
#define BATCH_MS 200.0
/* The first batch of a run is this many (and a share of BATCH_BYTES as large), each next one
 * twice the last up to BATCH_MAX: delivery, which waits for the first commit, starts soon. */
#define BATCH_FIRST 32
/* ... or once their payloads, held until then, reach this many bytes. Every commit also
 * writes the counts its bodies added to the chunks they use (chunks.c): a paper's blocks again
 * in every batch. At 10,000 subscribers with the file sink on (make bench ONLY=100k's set-up
 * at that size; single runs with and without the count update), batches of 64 digests or
 * 4 MB spent a fifth of the build on those counts (2.1 of 10.5 s); 256 or 16 MB, about a
 * twentieth (0.4 of 7.5 s). The payloads held cost 16 MB at most. */
#define BATCH_BYTES (16u << 20)

struct cycle {
	const struct pb_config *cfg;
	struct pb_state *st;
	const struct pb_run_opts *o;
	struct pb_run_report *rep;
	struct pb_paperset papers;
	time_t now;
	long ledger_errors;
	struct pb_ledger_reader *ledger;   /* the filter's subscriber's received ids */
	size_t ledger_sub;              /* whose ids ledger holds; SIZE_MAX = nobody's */
	int ledger_failed;              /* that load failed: every candidate is kept */
	long n_broken;                  /* subscribers left out: their rules did not compile */
	struct pb_buf broken;           /* the first one's error */
	int64_t run_id;             /* the run's row, -1 without one (dry run) */
	long txn_messages;          /* messages inserted by the open enqueue transaction */
	int txn_state_failed;       /* a state write of that transaction failed */
	long lost;                  /* digests built or wanted but not in the outbox */
	struct pb_buf lost_names;   /* their subscribers, for the run's error */
	int lost_more;              /* lost_names was cut short */
	char lost_why[256];         /* the first reason */
	int lost_code;              /* the sysexits code for the first reason */
	struct pb_secret secret;    /* the web endpoint's key, loaded once per run */
	int have_secret;            /* web on: the digests carry the reader's links */
	struct pb_render_cache *rcache;  /* build_all's: each paper rendered once per language */
	struct pb_blocks blocks[PB_FMT_COUNT];   /* where its blocks are in a digest's documents */
	struct pb_body_hints hints;      /* a payload's pieces with their hashes (state.h) */
	/* The open batch: digests enqueued in one transaction (each under a savepoint of its
	 * own), counted and logged once it commits. */
	struct batch_item {
		const struct pb_subscriber *sub;
		long messages;
		size_t papers, matched;
	} batch[BATCH_MAX];
	size_t batch_n;
	/* Digests rendered and not yet written (pend_flush): rendering needs no write lock, so
	 * the transaction that writes them is short. */
	struct pend {
		const struct pb_subscriber *sub;
		int64_t id_gen;       /* ids told from a former subscriber's of the name
				       * (pb_channel_msg_id), or PB_MSG_ID_COMMON */
		struct pend_msg {
			const char *channel;
			char *dest;
			int part, n_parts;
			char *payload;
			size_t len;
			struct pb_body_prep *prep;    /* its body, worked out as it was rendered */
			int lift;     /* part 1 of a webhook whose suppression was about another
				       * URL: lifted as it is put (pb_suppress_lift_other) */
		} *m;
		size_t n_m, cap_m;
		size_t n_former;      /* its destinations left out: a former subscriber's */
		const char **ids;     /* the digest's papers (into papers), for the ledger */
		int *versions;
		size_t n_items, matched;
	} pend[BATCH_MAX];
	size_t n_pend;
	size_t pend_cap;            /* this batch's size (BATCH_FIRST, growing); 0 before */
	size_t pend_bytes;          /* of their payloads */
	int reading;                /* a read window is open (read_open) */
	double read_t0;             /* since then */
	double pend_t0;
	struct follower *fol;       /* the delivery beside the build, or NULL */
	int ckpt_left;              /* the build's checkpoints left to it (ckpt_leave) */
	double deliver_t0;          /* when delivery began (the follower's start) */
	struct pb_deliver_stats fol_stats;   /* what the follower did */
	struct pb_parts left_alone; /* destinations the follower left alone (deliver.h) */
	int match_window;           /* the match's read window is open (build_all) */
	int fol_rc;
	char fol_err[512];
	/* The file's subscribers paused (unsubscribed, ...) since the configuration was loaded
	 * (pb_sub_file_inactive), read once in the open transaction (inactive_read) */
	struct pb_sub_row *inactive;
	size_t n_inactive;
	int inactive_read;
	/* The subscriber being built: a former one's destinations of the day (built == 2,
	 * pb_outbox_former_dests), left out of its digest */
	struct pb_outbox_msg *former;
	size_t n_former;
};


static enum pb_run_status
fail(struct pb_run_report *rep, int code, char *err, size_t errlen, const char *fmt,
     const char *what)
{
	snprintf(err, errlen, fmt, what);
	rep->status = PB_RUN_FAILED;
	rep->sysexit = code;
	return PB_RUN_FAILED;
}

/* The date of a feed that names none (an empty Atom feed, a mirror that drops the channel's
 * pubDate): the day in New York, whose feed rss.arxiv.org serves from midnight Eastern. The
 * UTC date is already the next one from 20:00 or 19:00 ET, when the feed is still that day's:
 * a dateless feed asked then (a morning in Asia) was taken for the announcement released at
 * 20:00, whose own feed then counted as already done. UTC without the zone. */
static void
feed_day(char out[16])
{
	time_t t = (time_t)pb_now();
	struct tm tm;

	if (pb_tz_breakdown(PB_ARXIV_TZ, (int64_t)t, &tm) < 0)
		gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* This machine's heartbeat while the cycle works (pb_machine_alive: a few a lease at most, none
 * inside a transaction), so that the others see it alive through a long fetch, match or
 * build, not only while it delivers. */
static void
alive(struct cycle *c)
{
	if (c->st && !c->o->dry_run && pb_machine_alive(c->st, c->cfg->state_lease_s) < 0)
		pb_warn("state.heartbeat", "error=%s", pb_q(pb_state_errmsg(c->st)));
}

/* The HTTP client's tick (pb_http_set_tick): the cycle's requests (full text, summaries,
 * lookups) beat too. */
static int
alive_tick(void *ud)
{
	struct cycle *c = ud;

	if (c->st && !c->o->dry_run)
		pb_tick_alive(c->st, c->cfg->state_lease_s);
	return 0;
}

/* Gets the papers for the cycle's date. Returns the fetch status; rep->date is set. */
static enum pb_fetch_status
get_papers(struct cycle *c, struct pb_http *h, struct pb_fetch_result *fr)
{
	struct pb_papers_req rq = { .feed = c->o->feed, .date = c->o->date };
	enum pb_fetch_status fs;

	/* The same selection as fetch, match and preview: a saved feed is cut to the categories */
	/* Once for every machine sharing the state: the others read the papers from it. */
	fs = pb_papers_load_shared(h, c->cfg, c->o->dry_run ? NULL : c->st, &rq,
				   c->o->expect_date, c->o->stop, &c->papers, fr);
	if (c->o->date)
		snprintf(c->rep->date, sizeof c->rep->date, "%s", c->o->date);
	else if (c->papers.announce_date)
		snprintf(c->rep->date, sizeof c->rep->date, "%s", c->papers.announce_date);
	else
		feed_day(c->rep->date);
	return fs;
}

/* The matcher's filter: a paper the subscriber received in an earlier digest is not sent again
 * unless they asked for updates. Papers recorded for this very date stay, so a repeated cycle
 * rebuilds the same digest. The matcher asks about one subscriber's candidates together, so
 * the ledger is read once when it first asks about a subscriber, and the set is replaced by
 * the next subscriber's. A failed read keeps the papers (better twice than never); each kept
 * candidate is counted. */
static void
ledger_drop(struct cycle *c)
{
	pb_ledger_reader_free(c->ledger);
	c->ledger = NULL;
	c->ledger_sub = SIZE_MAX;
}

static int
skip_received(void *ctx, size_t s, const struct pb_paper *p)
{
	struct cycle *c = ctx;
	const struct pb_subscriber *sub = &c->cfg->subscribers[s];

	if (sub->send_updates || (c->o->only && strcmp(c->o->only, sub->name) != 0))
		return 0;
	if (!c->ledger) {
		const char **ids = pb_xcalloc(c->papers.n + 1, sizeof *ids);

		for (size_t i = 0; i < c->papers.n; i++)
			ids[i] = c->papers.v[i].id;
		c->ledger = pb_ledger_reader_new(c->st, c->rep->date);
		/* only the day's papers are asked about */
		pb_ledger_reader_only(c->ledger, c->papers.n, ids);
		free(ids);
	}
	if (c->ledger_sub != s) {
		/* Between two subscribers' ledgers the match's read window is closed for a
		 * heartbeat when one is due, and opened again. */
		if (c->match_window && !c->o->dry_run &&
		    pb_machine_beat_due(c->st, c->cfg->state_lease_s)) {
			pb_state_read_window(c->st, 0);
			alive(c);
			pb_state_read_window(c->st, 1);
		} else {
			alive(c);
		}
		c->ledger_sub = s;
		c->ledger_failed = pb_ledger_reader_load(c->ledger, sub->name) < 0;
	}
	if (c->ledger_failed) {
		c->ledger_errors++;
		return 0;
	}
	return pb_ledger_reader_has(c->ledger, p->id);
}

/* This thread's processor time in milliseconds. */
static double
thread_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Milliseconds on the monotonic clock, with the fraction: the build stage sums many short
 * intervals. */
static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
put(struct cycle *c, const struct pend *p, const struct pend_msg *pm)
{
	struct pb_outbox_msg m;
	struct pb_buf id = { 0 };
	char fp[PB_DEST_FP_LEN];
	int r;

	pb_channel_msg_id(&id, c->rep->date, p->sub->name, pm->channel, pm->dest, pm->part,
			  p->id_gen);
	/* a "webhook" is sent to whatever URL the name has when it goes: the message keeps
	 * which one it was made for, so that a held one goes to no other (deliver.c) */
	pb_channel_dest_fp(pb_channel_find(pm->channel), p->sub, fp);
	memset(&m, 0, sizeof m);
	m.msg_id = id.data;
	m.subscriber = p->sub->name;
	m.generation = p->sub->generation;
	m.channel = (char *)pm->channel;
	m.dest = pm->dest;
	m.fingerprint = fp;
	m.digest_date = c->rep->date;
	m.part = pm->part;
	m.n_parts = pm->n_parts;
	m.payload = pm->payload;
	m.payload_len = pm->len;
	m.prep = pm->prep;
	m.status = PB_OUT_PENDING;
	m.next_attempt = (int64_t)c->now;
	m.created = (int64_t)c->now;
	r = pb_outbox_put(c->st, &m);
	pb_buf_free(&id);
	if (r >= 0 && pm->lift) {
		long released = 0;
		int lifted;

		/* the digests the revoked webhook lost (paused, refused) go to the new one, before
		 * this one (by date) */
		lifted = pb_suppress_lift_other(c->st, p->sub->name, pm->channel, pm->dest, fp,
						&released);
		if (lifted < 0)
			r = -1;
		else if (lifted > 0)
			pb_info("run.unsuppressed", "subscriber=%s channel=%s dest=%s released=%ld "
				"reason=%s", pb_q(p->sub->name), pm->channel, pb_q(pm->dest),
				released, pb_q("the webhook changed since it was suppressed"));
	}
	if (r > 0)
		c->txn_messages++;
	else if (r < 0)
		c->txn_state_failed = 1;
	return r < 0 ? -1 : 0;
}

/* Keeps a destination's payloads (taken from parts) in the pending digest p, each with its
 * body worked out now, while its bytes are fresh in the processor's cache (pb_body_prepare:
 * by the batch's write they are not); hints (when there is one payload) the pieces of it
 * whose hashes are known; lift: the destination's suppression, about another URL, is lifted
 * with its first part. */
static void
pend_add(struct cycle *c, struct pend *p, const char *channel, const char *dest,
	 struct pb_parts *parts, const struct pb_body_hints *hints, int lift)
{
	for (size_t i = 0; i < parts->n; i++) {
		struct pend_msg *m;

		if (p->n_m == p->cap_m) {
			p->cap_m = p->cap_m ? 2 * p->cap_m : 4;
			p->m = pb_xreallocarray(p->m, p->cap_m, sizeof *p->m);
		}
		m = &p->m[p->n_m++];
		m->channel = channel;
		m->dest = pb_xstrdup(dest);
		m->part = (int)i + 1;
		m->n_parts = (int)parts->n;
		m->lift = lift && i == 0;
		m->payload = parts->v[i];
		m->len = strlen(parts->v[i]);
		m->prep = pb_body_prepare(c->st, m->payload, m->len,
					  parts->n == 1 && hints ? hints->v : NULL,
					  parts->n == 1 && hints ? hints->n : 0);
		parts->v[i] = NULL;
	}
}

static void
pend_clear(struct pend *p)
{
	for (size_t i = 0; i < p->n_m; i++) {
		free(p->m[i].dest);
		free(p->m[i].payload);
		pb_body_prep_free(p->m[i].prep);
	}
	free(p->m);
	free(p->ids);
	free(p->versions);
	memset(p, 0, sizeof *p);
}

/* 1 when a former subscriber of the name has the day's digest at channel's dest (c->former),
 * else 0. */
static int
former_has(const struct cycle *c, const char *channel, const char *dest)
{
	/* a mailbox is one whatever the case its address is written in */
	int email = strcmp(channel, "email") == 0;

	for (size_t i = 0; i < c->n_former; i++)
		if (strcmp(c->former[i].channel, channel) == 0 &&
		    (email ? strcasecmp(c->former[i].dest, dest) : strcmp(c->former[i].dest, dest))
		    == 0)
			return 1;
	return 0;
}

/* Renders the digest once in every format the subscriber's channels need (the display
 * conversion done once for all), then each channel's payloads for each destination, in the
 * table's order, into p (written by pend_write). 0, -1 (rendering failed) or -2 (the state
 * could not be read). */
static int
render_digest(struct cycle *c, const struct pb_subscriber *sub, const struct pb_digest *d,
	      struct pend *p)
{
	struct pb_render_opts ro;
	struct pb_parts out[PB_FMT_COUNT];
	struct pb_chan_ctx cx = { .cfg = c->cfg, .sub = sub, .d = d, .now = c->now };
	struct pb_buf manage = { 0 };
	struct pb_mail_tpl *tpl = NULL;
	int rc = -1, state_failed = 0;
	double t0 = mono_ms();

	memset(&ro, 0, sizeof ro);
	memset(out, 0, sizeof out);
	cx.secret = c->have_secret ? &c->secret : NULL;
	cx.mail_tpl = &tpl;
	cx.formats = pb_channels_formats(&cx);
	if (!cx.formats)
		return 0;
	pb_channels_render_opts(&cx, &ro);
	pb_channels_links(&cx, &ro, &manage);
	ro.cache = c->rcache;
	ro.blocks = c->rcache ? c->blocks : NULL;
	cx.ro = &ro;
	cx.hints = &c->hints;
	if (pb_render_formats(d, cx.formats, &ro, out) < 0) {
		pb_err("render.failed", "subscriber=%s", pb_q(d->subscriber));
		pb_buf_free(&manage);
		return -1;
	}
	c->rep->ms_render += mono_ms() - t0;
	for (int f = 0; f < PB_FMT_COUNT; f++)
		if ((cx.formats & 1u << f) && out[f].n == 0) {
			pb_err("render.failed", "subscriber=%s format=%s", pb_q(d->subscriber),
			       pb_format_name((enum pb_format)f));
			goto out;
		}
	cx.out = out;
	for (size_t i = 0; i < pb_channel_count(); i++) {
		const struct pb_channel *ch = pb_channel_at(i);
		const char *name = pb_channel_name(ch);
		struct pb_parts dests = { 0 };
		int r = 0;

		pb_channel_dests(ch, &cx, &dests);
		for (size_t k = 0; r == 0 && k < dests.n; k++) {
			struct pb_parts payloads = { 0 };
			struct pb_buf id = { 0 };
			char err[256], fp[PB_DEST_FP_LEN];
			int sup;

			if (!pb_channel_local(ch) && former_has(c, name, dests.v[k])) {
				/* the mailbox or chat has the day's digest of the name already (the
				 * file sink's file of it is the new one's to replace) */
				pb_info("digest.dest_exists", "subscriber=%s date=%s channel=%s dest=%s "
					"reason=%s", pb_q(sub->name), c->rep->date, name,
					pb_q(dests.v[k]), pb_q("a former subscriber of the name has the "
							       "day's digest there"));
				p->n_former++;
				continue;
			}
			pb_channel_dest_fp(ch, sub, fp);
			sup = pb_suppress_check(c->st, sub->name, name, dests.v[k], fp);
			if (sup < 0) {
				state_failed = 1;
				r = -1;
				break;
			}
			/* PB_SUP_OTHER_URL, a team's new webhook where its revoked one was: the
			 * suppression was the former's, and goes as the digest is put (put) */
			if (sup > 0 && sup != PB_SUP_OTHER_URL) {
				/* refused, blocked or unsubscribed: no message, no request */
				pb_info("run.suppressed", "subscriber=%s channel=%s dest=%s",
					pb_q(sub->name), name, pb_q(dests.v[k]));
				continue;
			}

			pb_channel_msg_id(&id, c->rep->date, sub->name, name, dests.v[k], 1,
					  p->id_gen);
			t0 = mono_ms();
			c->hints.n = 0;
			r = pb_channel_build(ch, &cx, dests.v[k], id.data, &payloads, err,
					     sizeof err);
			c->rep->ms_render += mono_ms() - t0;
			if (r < 0) {
				pb_err("render.failed", "subscriber=%s channel=%s dest=%s error=%s",
				       pb_q(sub->name), name, pb_q(dests.v[k]), pb_q(err));
				r = -1;
			} else {
				pend_add(c, p, name, dests.v[k], &payloads, &c->hints,
					 sup == PB_SUP_OTHER_URL);
			}
			pb_parts_free(&payloads);
			pb_buf_free(&id);
		}
		pb_parts_free(&dests);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	if (state_failed)
		rc = -2;
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_parts_free(&out[f]);
	pb_mail_tpl_free(tpl);
	pb_buf_free(&manage);
	return rc;
}

/* The digest's papers, kept in p for its ledger rows. */
static void
pend_papers(struct pend *p, const struct pb_digest *d)
{
	p->ids = pb_xcalloc(d->n_items + 1, sizeof *p->ids);
	p->versions = pb_xcalloc(d->n_items + 1, sizeof *p->versions);
	for (size_t i = 0; i < d->n_items; i++) {
		p->ids[i] = d->items[i].paper->id;
		p->versions[i] = d->items[i].paper->version;
	}
	p->n_items = d->n_items;
}

static int
record_ledger(struct cycle *c, const struct pend *p)
{
	int rc = pb_ledger_add_many(c->st, p->sub->name, c->rep->date, p->n_items, p->ids,
				    p->versions);

	if (rc < 0)
		c->txn_state_failed = 1;
	return rc;
}

static void
print_dry(const struct pb_digest *d, const struct pb_selection *sel)
{
	printf("%s: %zu papers (%zu matched) — %s\n", d->subscriber, d->n_items, sel->n_matched,
	       d->title);
	for (size_t i = 0; i < d->n_items; i++) {
		const struct pb_paper *p = d->items[i].paper;
		/* Feed text on a terminal: no controls, no bidi overrides, one line. */
		char *id = pb_text_clean_dup(p->id, PB_CLEAN_ONE_LINE);
		char *title = pb_text_clean_dup(p->title, PB_CLEAN_ONE_LINE);

		printf("  %6.1f  %-12s v%d  [%s] %s\n", d->items[i].score, id, p->version,
		       d->items[i].topic ? d->items[i].topic : "", title);
		free(title);
		free(id);
	}
}

/* The run's error when subscribers were left out for their rules. */
static void
broken_error(struct cycle *c, char *err, size_t errlen)
{
	snprintf(err, errlen, "%ld subscriber%s left out, no digest built: %s", c->n_broken,
		 c->n_broken == 1 ? "" : "s", pb_buf_str(&c->broken));
}


/* Notes a digest that is not in the outbox: the run fails, and the next one builds it again. */
static void
digest_lost(struct cycle *c, const char *sub, const char *why, int code)
{
	if (c->lost++ == 0) {
		snprintf(c->lost_why, sizeof c->lost_why, "%s", why);
		c->lost_code = code;
	}
	if (c->lost_names.len < 200) {
		pb_buf_printf(&c->lost_names, "%s%s", c->lost_names.len ? ", " : "", sub);
	} else if (!c->lost_more) {
		pb_buf_puts(&c->lost_names, ", ...");
		c->lost_more = 1;
	}
}

/* Notes every digest of the open batch as lost (its transaction is gone) with why. */
static void
batch_lost(struct cycle *c, const char *why)
{
	for (size_t i = 0; i < c->batch_n; i++) {
		pb_err("enqueue.failed", "subscriber=%s date=%s error=%s",
		       pb_q(c->batch[i].sub->name), c->rep->date, pb_q(why));
		digest_lost(c, c->batch[i].sub->name, why, EX_IOERR);
	}
	c->batch_n = 0;
}

/* Commits the open batch: its digests are in the outbox and counted, or all lost. */
static void
batch_commit(struct cycle *c)
{
	char why[256];

	if (!c->batch_n)
		return;
	/* The run's counts gain the batch's digests in its own transaction: one statement */
	if (c->run_id >= 0) {
		long messages = 0;

		for (size_t i = 0; i < c->batch_n; i++)
			messages += c->batch[i].messages;
		if (pb_run_add(c->st, c->run_id, (long)c->batch_n, messages) < 0) {
			snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
			pb_state_rollback(c->st);
			batch_lost(c, why);
			return;
		}
	}
	if (pb_state_commit(c->st) < 0) {
		snprintf(why, sizeof why, "state: commit failed: %s", pb_state_errmsg(c->st));
		batch_lost(c, why);
		return;
	}
	for (size_t i = 0; i < c->batch_n; i++) {
		const struct batch_item *b = &c->batch[i];

		c->rep->digests++;
		c->rep->messages += b->messages;
		pb_info("digest.enqueued", "subscriber=%s date=%s papers=%zu matched=%zu",
			pb_q(b->sub->name), c->rep->date, b->papers, b->matched);
	}
	c->batch_n = 0;
}

/* How long before the configuration's load (cfg->rows_read) a change to a file subscriber's
 * row is still read as the batch is written: a pause whose transaction began before the load
 * and committed after it, clocks of machines sharing a state a little apart. More only reads
 * more rows, of subscribers the load left out already. */
#define INACTIVE_SLACK_S 600

/* Whether the file's subscriber name is still active for the open transaction: 1; 0 when it
 * was paused (unsubscribed, ...) since the run loaded the configuration, with why filled; -1.
 * The rows changed since are read once a transaction (pb_sub_file_inactive), not once a
 * subscriber: few, looked through for each. */
static int
file_still(struct cycle *c, const char *name, char *why, size_t whylen)
{
	if (!c->inactive_read) {
		pb_sub_rows_free(c->inactive, c->n_inactive);
		c->inactive = NULL;
		c->n_inactive = 0;
		if (pb_sub_file_inactive(c->st, c->cfg->rows_read - INACTIVE_SLACK_S,
					 &c->inactive, &c->n_inactive) < 0)
			return -1;
		c->inactive_read = 1;
	}
	for (size_t i = 0; i < c->n_inactive; i++)
		if (strcmp(c->inactive[i].name, name) == 0) {
			snprintf(why, whylen, "the subscriber is %s", c->inactive[i].state);
			return 0;
		}
	return 1;
}

/* Puts one subscriber's messages and the ledger rows for its papers in the outbox: all of
 * them or none. They go in the open batch's transaction (begun when none is open) under a
 * savepoint, so a digest that fails is undone alone; the batch commits at the end of
 * pend_flush, with the run's counts. Returns 0, or -1 (noted with digest_lost). */
/* How many times a digest is put when the state says the failure was transient. */
#define ENQUEUE_TRIES 4

static int
pend_write(struct cycle *c, const struct pend *p)
{
	const struct pb_subscriber *sub = p->sub;
	char why[256] = "", gone[160];
	int r, transient, tries = 0;

	c->txn_messages = 0;
	c->txn_state_failed = 0;
	if (c->batch_n == 0) {
		c->inactive_read = 0;
		if (pb_state_begin(c->st) < 0) {
			snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
			goto fail;
		}
	}
again:
	if (pb_state_savepoint(c->st) < 0) {
		snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
		goto fail_all;
	}
	c->txn_messages = 0;
	c->txn_state_failed = 0;
	r = 0;
	/* A stored subscriber removed since the run loaded it (`subscriber remove` settles what
	 * is enqueued when it runs, not what comes after), whose name another took since (the
	 * settings the run loaded are not the new one's), or paused (`subscriber pause` pauses
	 * what is enqueued when it runs), or one of the file's paused since: nothing for it. */
	r = sub->stored ? pb_sub_stored_still(c->st, sub->name, sub->generation, gone,
					      sizeof gone)
			: file_still(c, sub->name, gone, sizeof gone);
	if (r == 0) {
		if (pb_state_release(c->st) < 0) {
			snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
			goto fail_all;
		}
		if (c->batch_n == 0)
			pb_state_rollback(c->st);   /* nothing else in it */
		pb_info("digest.dropped", "subscriber=%s date=%s reason=%s", pb_q(sub->name),
			c->rep->date, pb_q(gone));
		return 0;
	}
	if (r == 1)
		r = 0;
	for (size_t i = 0; r == 0 && i < p->n_m; i++)
		r = put(c, p, &p->m[i]);
	/* A digest that put no message (every destination suppressed) was received by nobody:
	 * its papers stay unrecorded, so they can come once the subscriber is resumed. */
	if (r == 0 && c->txn_messages > 0)
		r = record_ledger(c, p);
	if (r == 0 && pb_state_release(c->st) < 0) {
		c->txn_state_failed = 1;
		r = -1;
	}
	if (r < 0) {
		/* The reason is read before the rollback. */
		snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
		transient = pb_state_transient(c->st);
		c->inactive_read = 0;   /* read again, under the lock taken again */
		if (pb_state_rollback_to(c->st) < 0)
			goto fail_all;
		/* Another machine writing the same rows (a deadlock the database broke): the
		 * digest is undone alone and put again, a few times at most. */
		if (transient && ++tries < ENQUEUE_TRIES) {
			pb_warn("enqueue.retry", "subscriber=%s date=%s error=%s", pb_q(sub->name),
				c->rep->date, pb_q(why));
			usleep(20000 * (useconds_t)tries);
			goto again;
		}
		if (c->batch_n == 0)
			pb_state_rollback(c->st);   /* nothing else in it */
		goto fail;
	}
	c->batch[c->batch_n].sub = sub;
	c->batch[c->batch_n].messages = c->txn_messages;
	c->batch[c->batch_n].papers = p->n_items;
	c->batch[c->batch_n].matched = p->matched;
	c->batch_n++;
	return 0;
fail_all:
	/* the transaction is gone, and the batch with it */
	pb_state_rollback(c->st);
	batch_lost(c, why);
fail:
	pb_err("enqueue.failed", "subscriber=%s date=%s error=%s", pb_q(sub->name), c->rep->date,
	       pb_q(why));
	digest_lost(c, sub->name, why, EX_IOERR);
	return -1;
}

/* The build's reads between two batches (whether a digest is in the outbox already, a
 * destination's suppression, the ledger) share one read window (pb_state_read_window): the
 * state's read lock is taken once a batch instead of once a read. The window ends before the
 * batch is written, or after BATCH_MS (many subscribers skipped in a row); what it reads is at
 * most that old, and the outbox ignores a digest put twice, and delivery checks suppressions
 * again, so nothing depends on it being newer. */
static void
read_close(struct cycle *c)
{
	if (c->reading) {
		c->reading = 0;
		pb_state_read_window(c->st, 0);
	}
}

static void
read_open(struct cycle *c)
{
	if (c->reading && mono_ms() - c->read_t0 >= BATCH_MS)
		read_close(c);
	if (c->st && !c->reading) {
		alive(c);
		c->reading = pb_state_read_window(c->st, 1) == 1;
		c->read_t0 = mono_ms();
	}
}

static int follow_ended(const struct cycle *c);
static double follow_idle_ms(const struct cycle *c);
static void follow_start(struct cycle *c);

/* While delivery runs beside the build, the build's commits leave the write-ahead log's
 * checkpoints to delivery's (pb_state_checkpoints). A checkpoint copies the log's pages into
 * the database file and syncs it: the build, whose batches fill the log, made most of them,
 * and waited for each sync with the write lock it had just given back idle; delivery commits
 * a few times a transfer and spends most of its time waiting on the network. At 20,000
 * subscribers (make bench ONLY=scale's set-up, 4 alternating runs each) the build took
 * 2,583-2,938 ms against 3,008-3,673, delivery the same; at 100,000 with the file sink
 * (make bench ONLY=100k's, 3 runs against 2, alternating) 67-77 s against 93-98, the whole run
 * 121-127 s against 132-144. When delivery ends before the build (it failed), or the build
 * ends, the build makes them again. Delivery commits only when it has a result to record: one
 * waiting on a slow server records none, and the log would grow by all the build writes. So
 * after a batch, when delivery has not committed for CKPT_IDLE_MS, the build makes one passive
 * checkpoint itself. (Every fourth batch, or after a second without delivery's commits, cost
 * the build a sync each on a disk busy with the file sink's writes, which delivery itself waits
 * for a second and more at a time: at 100,000, 137-139 s against 122-127, single pairs of
 * runs; with 10 s, 114 s.) */
#define CKPT_IDLE_MS 10000.0

static void
ckpt_leave(struct cycle *c, int leave)
{
	if (leave && c->fol && !c->ckpt_left)
		c->ckpt_left = pb_state_checkpoints(c->st, 0) == 0;
	else if (!leave && c->ckpt_left) {
		c->ckpt_left = 0;
		if (pb_state_checkpoints(c->st, 1) < 0)
			pb_warn("state.checkpoints", "error=%s", pb_q(pb_state_errmsg(c->st)));
	}
}

/* Writes the digests rendered so far in one transaction, and commits it. */
static void
pend_flush(struct cycle *c)
{
	read_close(c);
	if (c->ckpt_left && follow_ended(c))
		ckpt_leave(c, 0);
	for (size_t i = 0; i < c->n_pend; i++) {
		pend_write(c, &c->pend[i]);
		pend_clear(&c->pend[i]);
	}
	c->n_pend = 0;
	c->pend_bytes = 0;
	batch_commit(c);
	if (c->ckpt_left && follow_idle_ms(c) >= CKPT_IDLE_MS && pb_state_checkpoint(c->st) < 0)
		pb_warn("state.checkpoint", "error=%s", pb_q(pb_state_errmsg(c->st)));
}

/* Renders one subscriber's digest into the pending ones; they are written together when the
 * batch's count is waiting (BATCH_FIRST, growing to BATCH_MAX), their payloads reach its share
 * of BATCH_BYTES, or BATCH_MS has passed since the first. id_gen: as struct pend's. Returns 0,
 * or -1 (noted with digest_lost). */
static int
enqueue_one(struct cycle *c, const struct pb_subscriber *sub, const struct pb_digest *d,
	    size_t matched, int64_t id_gen)
{
	struct pend *p = &c->pend[c->n_pend];
	int r;

	memset(p, 0, sizeof *p);
	p->sub = sub;
	p->id_gen = id_gen;
	p->matched = matched;
	r = render_digest(c, sub, d, p);
	if (r < 0) {
		char why[256] = "rendering the digest failed";

		if (r == -2)
			snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
		pend_clear(p);
		pb_err("enqueue.failed", "subscriber=%s date=%s error=%s", pb_q(sub->name),
		       c->rep->date, pb_q(why));
		digest_lost(c, sub->name, why, r == -2 ? EX_IOERR : EX_SOFTWARE);
		return -1;
	}
	if (p->n_m == 0 && p->n_former > 0) {
		/* every destination has the day's digest of the name: one, not a second */
		pb_info("digest.exists", "subscriber=%s date=%s reason=%s", pb_q(sub->name),
			c->rep->date, pb_q("a former subscriber of the name has the day's digest at "
					   "each destination"));
		pend_clear(p);
		return 0;
	}
	pend_papers(p, d);
	for (size_t i = 0; i < p->n_m; i++)
		c->pend_bytes += p->m[i].len;
	if (c->n_pend++ == 0)
		c->pend_t0 = mono_ms();
	if (c->pend_cap == 0)
		c->pend_cap = BATCH_FIRST;
	if (c->n_pend >= c->pend_cap || c->pend_bytes >= BATCH_BYTES / BATCH_MAX * c->pend_cap ||
	    mono_ms() - c->pend_t0 >= BATCH_MS) {
		pend_flush(c);
		c->pend_cap = 2 * c->pend_cap < BATCH_MAX ? 2 * c->pend_cap : BATCH_MAX;
	}
	return 0;
}

/* sub's digest of the day is not built (nothing matched). When a former subscriber of the
 * name has the day's (removed, and sub given the name the same day), the file sink's folder of
 * the day is made sub's all the same, none of the former's files left in it
 * (pb_file_day_vacate): the new reader would find a stranger's digest under their name. */
static void
no_digest(struct cycle *c, const struct pb_subscriber *sub)
{
	char err[512];
	int k;

	if (!c->st || !c->cfg->file.enabled || c->o->dry_run)
		return;
	read_open(c);
	k = pb_outbox_has_digest(c->st, c->rep->date, sub->name, sub->generation);
	if (k < 0)
		pb_warn("file.vacate_failed", "subscriber=%s date=%s error=%s", pb_q(sub->name),
			c->rep->date, pb_q(pb_state_errmsg(c->st)));
	else if (k == 2 && pb_file_day_vacate(c->cfg, c->rep->date, sub->name, sub->generation,
					      err, sizeof err) < 0)
		pb_warn("file.vacate_failed", "subscriber=%s date=%s error=%s", pb_q(sub->name),
			c->rep->date, pb_q(err));
}

/* Where in the subscriber list this machine starts building: at 0 alone; with other machines
 * alive on the state (a heartbeat within the lease), at its share of the list (its place
 * among them by name), so machines building the same day split the work, each skipping what
 * another has enqueued. */
static size_t
build_start(struct cycle *c)
{
	struct pb_machine_row *v = NULL;
	size_t n = 0, live = 0, mine = 0, start = 0;
	int64_t now = (int64_t)time(NULL);
	int lease = c->cfg->state_lease_s > 0 ? c->cfg->state_lease_s : 60;

	if (!c->st || c->o->dry_run || c->o->only || c->cfg->n_subscribers < 2 ||
	    pb_machines_list(c->st, now, &v, &n) < 0)
		return 0;
	for (size_t j = 0; j < n; j++) {
		int me = strcmp(v[j].name, pb_state_machine(c->st)) == 0;

		if (!me && v[j].heartbeat < now - lease)
			continue;
		if (me)
			mine = live;
		live++;
	}
	if (live > 1)
		start = mine * c->cfg->n_subscribers / live;
	free(v);
	return start;
}
/* Subscribers whose full lists are held at once while their digests are built. */
#define REST_WINDOW 5000

/* Builds, renders and enqueues every subscriber's digest. A digest that cannot be enqueued
 * costs that subscriber only: it is noted (c->lost) and the others go on. */
static int
build_all(struct cycle *c, struct pb_http *h, char *err, size_t errlen)
{
	const struct pb_config *cfg = c->cfg;
	struct pb_matcher *m = NULL;
	struct pb_selection *sel = NULL;
	struct pb_summarizer *sum = NULL;
	struct pb_rank_run *rr = NULL;
	struct pb_fulltext_set ft = { 0 };
	int rc = -1, shown = 0, r, win, built;
	size_t start, window;
	double t0 = (double)pb_mono_ms(), t1, cpu0 = 0;
	int64_t last_progress = 0;

	/* One subscriber's broken rule costs that subscriber its digest, not the others. */
	m = pb_matcher_new_each(cfg);
	if (c->st) {
		pb_matcher_set_skip(m, skip_received, c);
		pb_matcher_keep_rest(m, 0);
	}
	/* What each reader likes orders the candidates before the cap (rank.h). */
	rr = pb_rank_run_new(cfg, c->st, h, &c->papers, c->rep->date, (int64_t)c->now, m);
	c->ledger_sub = SIZE_MAX;
	/* The filter reads each subscriber's ledger: in one read window, the state's read lock
	 * taken once instead of once a subscriber. */
	alive(c);
	win = c->st ? pb_state_read_window(c->st, 1) : 0;
	c->match_window = win == 1;
	r = pb_match_all(m, &c->papers, &sel, err, errlen);
	c->match_window = 0;
	if (win == 1)
		pb_state_read_window(c->st, 0);
	alive(c);
	if (r < 0) {
		c->rep->sysexit = EX_SOFTWARE;
		goto out;
	}
	/* The full list (the matches past the cap) is the file sink's alone, and held for every
	 * subscriber at once it would outweigh everything else at scale: it is computed again
	 * for a window of subscribers at a time while their digests are built. */
	if (!cfg->file.enabled)
		ledger_drop(c);
	if (c->ledger_errors)
		pb_warn("ledger.lookup_failed", "count=%ld (those papers were kept)", c->ledger_errors);
	c->rep->ms_match = (double)pb_mono_ms() - t0;
	t0 = (double)pb_mono_ms();
	cpu0 = thread_ms();
	sum = pb_summarizer_new(cfg, c->st, cfg->summary.enabled ? h : NULL, err, errlen);
	if (!sum) {
		c->rep->sysexit = EX_CONFIG;
		goto out;
	}
	/* The selected papers' full text, within its own deadline (fulltext.h). */
	if (cfg->fulltext.enabled && !c->o->dry_run)
		pb_fulltext_fetch(cfg, c->st, h, &c->papers, sel, cfg->n_subscribers,
				  (int64_t)time(NULL) + cfg->fulltext.deadline_s, &ft);
	else if (cfg->fulltext.enabled)
		pb_fulltext_cached(cfg, c->st, &c->papers, sel, cfg->n_subscribers, &ft);
	/* When documents are read, delivery's thread starts after them: each is read in a child
	 * made with fork (fulltext/child.c), which inherits every lock as it was, and a lock
	 * another thread held at that moment would never be released in the child
	 * (AddressSanitizer's allocator in Debian 12's libasan is not made safe across fork, as
	 * glibc's is). Otherwise it was started before the match (pb_run_cycle). */
	if (!c->fol) {
		follow_start(c);
		ckpt_leave(c, 1);
	}
	pb_summarizer_set_fulltext(sum, &ft);
	alive(c);
	c->rcache = pb_render_cache_new();
	/* The model is asked only about what this cycle will deliver. */
	if (c->o->only) {
		for (size_t i = 0; i < cfg->n_subscribers; i++)
			if (strcmp(c->o->only, cfg->subscribers[i].name) == 0)
				pb_summarizer_prepare(sum, &c->papers, &sel[i], 1);
	} else {
		pb_summarizer_prepare(sum, &c->papers, sel, cfg->n_subscribers);
	}
	start = build_start(c);
	window = SIZE_MAX;
	for (size_t k = 0; k < cfg->n_subscribers; k++) {
		size_t i = (k + start) % cfg->n_subscribers;
		const struct pb_subscriber *sub = &cfg->subscribers[i];
		struct pb_digest d;

		if (c->o->stop && *c->o->stop)
			break;
		alive(c);
		/* The window of i; the build may start inside one (build_start) and wrap. */
		if (c->st && cfg->file.enabled && !c->o->only && i / REST_WINDOW != window) {
			if (window != SIZE_MAX)
				for (size_t j = window * REST_WINDOW;
				     j < (window + 1) * REST_WINDOW && j < cfg->n_subscribers; j++)
					pb_selection_drop_rest(&sel[j]);
			window = i / REST_WINDOW;
			pb_match_rest(m, &c->papers, sel, window * REST_WINDOW,
				      (window + 1) * REST_WINDOW);
		}
		if (c->o->progress && pb_mono_ms() - last_progress >= 500) {
			last_progress = pb_mono_ms();
			fprintf(stderr, "\rbuilding digests: %zu/%zu", k, cfg->n_subscribers);
			shown = 1;
		}
		if (c->o->only && strcmp(c->o->only, sub->name) != 0)
			continue;
		if (c->st && cfg->file.enabled && c->o->only)
			pb_match_rest(m, &c->papers, sel, i, i + 1);
		if (pb_matcher_broken(m, i)) {
			pb_err("digest.skipped", "subscriber=%s date=%s error=%s", pb_q(sub->name),
			       c->rep->date, pb_q(pb_matcher_broken(m, i)));
			if (c->n_broken++ == 0)
				pb_buf_puts(&c->broken, pb_matcher_broken(m, i));
			continue;
		}
		if (sel[i].n_hits == 0 && !(sub->notify_empty && c->papers.n == 0)) {
			no_digest(c, sub);
			continue;
		}
		/* Built already, by this machine before a restart or by another one sharing the
		 * state: the outbox would ignore it anyway. Only this subscriber's counts: a
		 * former one of the name (removed, and another added the same day) had its own,
		 * whose ids this one's then leave alone. */
		built = 0;
		pb_outbox_msgs_free(c->former, c->n_former);
		c->former = NULL;
		c->n_former = 0;
		if (!c->o->dry_run)
			read_open(c);
		if (!c->o->dry_run && (built = pb_outbox_has_digest(c->st, c->rep->date, sub->name,
								     sub->generation)) == 1) {
			pb_info("digest.exists", "subscriber=%s date=%s", pb_q(sub->name),
				c->rep->date);
			continue;
		}
		/* A former subscriber's digest of the name and date is in the outbox: the new
		 * one (the same reader moved from the file into the state, or removed and added
		 * again) is not sent it again where the former had it. */
		if (built == 2 && pb_outbox_former_dests(c->st, c->rep->date, sub->name,
							 sub->generation, &c->former,
							 &c->n_former) < 0) {
			char why[256];

			snprintf(why, sizeof why, "state: %s", pb_state_errmsg(c->st));
			pb_err("enqueue.failed", "subscriber=%s date=%s error=%s", pb_q(sub->name),
			       c->rep->date, pb_q(why));
			digest_lost(c, sub->name, why, EX_IOERR);
			continue;
		}
		memset(&d, 0, sizeof d);
		t1 = mono_ms();
		r = pb_digest_build(sum, &c->papers, &sel[i], c->rep->date, &d);
		c->rep->ms_render += mono_ms() - t1;
		if (r < 0) {
			pb_err("digest.failed", "subscriber=%s date=%s", pb_q(sub->name), c->rep->date);
			digest_lost(c, sub->name, "the digest could not be built", EX_SOFTWARE);
			continue;
		}
		if (c->papers.n == 0)
			pb_digest_no_announcement(&d, c->rep->date);
		if (c->o->dry_run) {
			c->rep->digests++;
			print_dry(&d, &sel[i]);
		} else {
			/* a file's subscriber is of generation 0, and told so from a
			 * stored one of the name removed that day, whose settled messages
			 * hold the common ids */
			enqueue_one(c, sub, &d, sel[i].n_matched,
				    built == 2 ? sub->generation : PB_MSG_ID_COMMON);
		}
		pb_digest_free(&d);
	}
	rc = 0;
out:
	pend_flush(c);
	if (shown)
		fprintf(stderr, "\rbuilding digests: %ld built for %zu subscribers\n",
			c->rep->digests, cfg->n_subscribers);
	c->rep->ms_build = (double)pb_mono_ms() - t0;
	/* the build's processor time beside its wall time: the run shares the machine with
	 * delivery */
	pb_debug("build.cpu", "cpu_ms=%.0f", thread_ms() - cpu0);
	if (c->rcache) {
		size_t entries, hits;

		pb_render_cache_stats(c->rcache, &entries, &hits);
		pb_debug("render.cache", "papers=%zu reused=%zu", entries, hits);
		pb_render_cache_free(c->rcache);
		c->rcache = NULL;
		for (int f = 0; f < PB_FMT_COUNT; f++)
			pb_blocks_free(&c->blocks[f]);
		pb_body_hints_free(&c->hints);
	}
	pb_outbox_msgs_free(c->former, c->n_former);
	c->former = NULL;
	c->n_former = 0;
	pb_sub_rows_free(c->inactive, c->n_inactive);
	c->inactive = NULL;
	c->n_inactive = 0;
	pb_summarizer_free(sum);
	pb_fulltext_set_free(&ft);
	pb_selections_free(sel, cfg->n_subscribers);
	ledger_drop(c);
	pb_matcher_free(m);
	pb_rank_run_free(rr);
	return rc;
}

/* ---- delivering while building ----
 *
 * A run that builds digests starts delivering at once, in a thread of its own with a handle
 * of its own on the state (the follower): what each batch of the build commits goes out while
 * the next is being rendered, instead of after the whole build. It takes what is due, as
 * delivery always does; when the build ends it goes on as the run's delivery, with the
 * sessions it has open: the last batch, what it had not taken, retries due within --wait (a
 * build that failed stops it once what it has in flight is done, as before). The run's own
 * handle writes the run's row meanwhile and then waits for it. The build holds the state's
 * write lock only while it writes a batch (pend_flush), so the follower records what it sent
 * without waiting for the build. A follower that cannot start (no second handle, no thread) leaves the run as it was:
 * build, then deliver. */
struct follower {
	pthread_t thread;
	atomic_int building;
	atomic_int over;               /* pb_deliver_run returned: it commits no more */
	struct pb_state *st;
	const struct pb_config *cfg;
	volatile sig_atomic_t *stop;
	struct pb_parts *left_alone;   /* the cycle's, untouched by it until the join */
	int limit_s;                   /* run --wait: from the build's end */
	int max_wait_s;                /* run --wait too: for retries due soon */
	int progress;
	struct pb_deliver_stats ds;
	int rc;
	char err[512];
};

static void *
follow_main(void *arg)
{
	struct follower *f = arg;
	struct pb_deliver_opts dopts;

	memset(&dopts, 0, sizeof dopts);
	dopts.stop = f->stop;
	dopts.building = &f->building;
	dopts.left_alone = f->left_alone;
	dopts.limit_s = f->limit_s;
	dopts.max_wait_s = f->max_wait_s;
	dopts.progress = f->progress;
	f->rc = pb_deliver_run(f->st, f->cfg, &dopts, &f->ds, f->err, sizeof f->err);
	atomic_store(&f->over, 1);
	return NULL;
}

/* Whether the follower has stopped committing (its delivery returned). */
static int
follow_ended(const struct cycle *c)
{
	return c->fol && atomic_load(&c->fol->over);
}

/* How long the follower has not committed (since it started, before its first commit). */
static double
follow_idle_ms(const struct cycle *c)
{
	int64_t last = c->fol ? pb_state_commit_ms(c->fol->st) : 0;

	return (double)pb_mono_ms() - (last > 0 ? (double)last : c->deliver_t0);
}

static void
follow_start(struct cycle *c)
{
	struct follower *f;
	char err[768];
	int temporary = 0;

	if (c->o->dry_run || !c->st)
		return;
	/* set up here, before a second thread can log or use libcurl */
	pb_config_log_secrets(c->cfg);
	if (pb_http_global_init() < 0)
		return;
	f = pb_xcalloc(1, sizeof *f);
	f->st = pb_cli_state_open(c->cfg, PB_STATE_CREATE, &temporary, err, sizeof err);
	if (!f->st) {
		pb_warn("deliver.follow", "error=%s", pb_q(err));
		free(f);
		return;
	}
	pb_state_set_machine(f->st, c->cfg->state_machine);
	atomic_init(&f->building, PB_BUILDING);
	atomic_init(&f->over, 0);
	f->cfg = c->cfg;
	f->stop = c->o->stop;
	f->left_alone = &c->left_alone;
	f->limit_s = c->o->deliver_limit_s;
	f->max_wait_s = c->o->deliver_wait_s;
	f->progress = c->o->progress;
	c->deliver_t0 = (double)pb_mono_ms();
	if (pthread_create(&f->thread, NULL, follow_main, f) != 0) {
		pb_warn("deliver.follow", "error=%s", pb_q("cannot start a thread"));
		pb_state_close(f->st);
		free(f);
		c->deliver_t0 = 0;
		return;
	}
	c->fol = f;
}

/* The build is over: the follower goes on as the run's delivery (PB_BUILD_DONE), or finishes
 * what it has in flight and ends (PB_BUILD_FAILED). */
static void
follow_over(struct cycle *c, int how)
{
	if (c->fol)
		atomic_store(&c->fol->building, how);
}

/* Waits for the follower to end, and takes its counts. */
static void
follow_join(struct cycle *c)
{
	struct follower *f = c->fol;

	if (!f)
		return;
	pthread_join(f->thread, NULL);
	c->fol_stats = f->ds;
	c->fol_rc = f->rc;
	snprintf(c->fol_err, sizeof c->fol_err, "%s", f->err);
	pb_state_close(f->st);
	free(f);
	c->fol = NULL;
}

/* Delivers what the outbox holds. Returns 0, or -1 with err filled when a result could not
 * be recorded in the state (the destination concerned was left alone for this run). */
static int
deliver(struct cycle *c, char *err, size_t errlen)
{
	struct pb_deliver_opts dopts;
	struct pb_deliver_stats ds;
	double t0 = (double)pb_mono_ms();
	int rc;

	if (c->fol) {
		/* the follower is the run's delivery: it goes on until the outbox is done */
		pb_state_trim(c->st);
		follow_join(c);
		rc = c->fol_rc;
		if (rc < 0) {
			snprintf(err, errlen, "%s", c->fol_err);
			pb_err("deliver.failed", "error=%s", pb_q(err));
		}
		c->rep->sent = c->fol_stats.sent;
		c->rep->failed = c->fol_stats.failed + c->fol_stats.expired;
		c->rep->pending = c->fol_stats.pending;
		c->rep->held = c->fol_stats.held;
		c->rep->deferred = c->fol_stats.deferred;
		c->rep->ms_deliver = (double)pb_mono_ms() - c->deliver_t0;
		return rc;
	}
	memset(&dopts, 0, sizeof dopts);
	memset(&ds, 0, sizeof ds);
	dopts.max_wait_s = c->o->deliver_wait_s;
	dopts.limit_s = c->o->deliver_limit_s;
	dopts.stop = c->o->stop;
	dopts.progress = c->o->progress;
	dopts.left_alone = &c->left_alone;
	pb_state_trim(c->st);
	rc = pb_deliver_run(c->st, c->cfg, &dopts, &ds, err, errlen);
	if (rc < 0)
		pb_err("deliver.failed", "error=%s", pb_q(err));
	c->rep->sent = ds.sent;
	c->rep->failed = ds.failed + ds.expired;
	c->rep->pending = ds.pending;
	c->rep->held = ds.held;
	c->rep->deferred = ds.deferred;
	c->rep->ms_deliver = (double)pb_mono_ms() - t0;
	return rc;
}

/* The run failed after its digests were dealt with (delivery could not record a result): the
 * run's row says so, or a row of kind "deliver" when this cycle only resumed the outbox. */
static void
deliver_failed(struct cycle *c, const char *derr, char *err, size_t errlen)
{
	struct pb_run_report *rep = c->rep;

	if (rep->status == PB_RUN_FAILED) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, "; %s", derr);
	} else {
		snprintf(err, errlen, "%s", derr);
		rep->status = PB_RUN_FAILED;
		rep->sysexit = EX_IOERR;
	}
	if (c->run_id < 0)
		c->run_id = pb_run_begin(c->st, rep->date, "deliver");
	if (c->run_id >= 0)
		pb_run_end(c->st, c->run_id, "failed", rep->papers, rep->digests, rep->messages, err);
}

/* Notes the announcement's papers in the state (one transaction), for status and audits. */
static void
record_seen(struct cycle *c)
{
	long failed = 0;

	if (c->papers.n == 0 || pb_state_begin(c->st) < 0)
		return;
	for (size_t i = 0; i < c->papers.n; i++)
		if (pb_paper_seen(c->st, c->papers.v[i].id, c->papers.v[i].version, c->rep->date) < 0)
			failed++;
	if (pb_state_commit(c->st) < 0 || failed)
		pb_warn("state.papers_seen", "date=%s failed=%ld", c->rep->date, failed);
}

int
pb_run_record_failed(struct pb_state *st, const char *date, const char *kind, long papers,
		     const char *err)
{
	struct pb_run_row *last = NULL;
	size_t n = 0;
	int64_t id;
	int again;

	again = pb_runs_recent(st, 1, &last, &n) == 0 && n == 1 &&
		strcmp(last->digest_date, date) == 0 && strcmp(last->kind, kind) == 0 &&
		strcmp(last->status, "failed") == 0 && last->error && strcmp(last->error, err) == 0;
	pb_run_rows_free(last, n);
	if (again)
		return 0;
	id = pb_run_begin(st, date, kind);
	if (id < 0 || pb_run_end(st, id, "failed", papers, 0, 0, err) < 0) {
		pb_warn("state.run_record", "date=%s error=%s", date,
			pb_q("the failed run could not be recorded"));
		return -1;
	}
	return 0;
}

/* A fetch that failed is a failed run in the state, so that status shows it, though no paper
 * (and for the latest, no date from the feed) is known. A stop is not a failure. */
static void
record_fetch_failed(struct cycle *c, const char *err)
{
	const struct pb_run_opts *o = c->o;

	if (!c->st || o->dry_run || (o->stop && *o->stop))
		return;
	pb_run_record_failed(c->st, o->date ? o->date : o->expect_date ? o->expect_date :
			     c->rep->date, o->only ? "only" : "run", c->rep->papers, err);
}

/* A batch's payloads (BATCH_BYTES) are allocated one after another and freed together at its
 * commit. glibc's allocator, left to itself, gives the heap's free top back to the system once
 * it exceeds a threshold it raises as large blocks come and go; whether a batch's memory ends
 * up at the top depends on what the other threads allocated meanwhile, so some runs handed the
 * batch's pages back at every commit and took them again page by page for the next (make bench
 * ONLY=scale at 20,000 subscribers: 337,000 page faults instead of 40,000 in two runs of three,
 * and the build two to three times as long). Fixed thresholds keep a few batches' worth at the
 * top and map only blocks larger than any digest apart; the cycle gives its free memory back
 * when it ends (malloc_trim). The peak is about what it was, since it is reached while a batch
 * is held anyway (make bench ONLY=100k, medians of 3: 455 MB against 447). */
static void
heap_policy(void)
{
#ifdef __GLIBC__
	mallopt(M_TRIM_THRESHOLD, 4 * (int)BATCH_BYTES);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
}

enum pb_run_status
pb_run_cycle(const struct pb_config *cfg, struct pb_state *st, const struct pb_run_opts *o,
	     struct pb_run_report *rep, char *err, size_t errlen)
{
	static pthread_once_t heap_once = PTHREAD_ONCE_INIT;
	struct cycle c;
	struct pb_http_opts hopts;
	struct pb_http *h = NULL;
	struct pb_fetch_result fr;
	enum pb_fetch_status fs;
	int done, brc;
	double t0;

	pthread_once(&heap_once, heap_policy);
	memset(rep, 0, sizeof *rep);
	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	c.st = st;
	c.o = o;
	c.rep = rep;
	c.now = time(NULL);
	c.run_id = -1;
	pb_paperset_init(&c.papers);
	if (st)
		pb_state_set_machine(st, cfg->state_machine);
	/* This machine's heartbeat: status shows who runs; delivery beats on. */
	if (st && !o->dry_run && pb_machine_beat(st, (int64_t)getpid(), (int64_t)c.now,
						 (int64_t)c.now, 0) < 0)
		pb_warn("state.heartbeat", "error=%s", pb_q(pb_state_errmsg(st)));
	if (!st && !o->dry_run)
		return fail(rep, EX_SOFTWARE, err, errlen, "%s", "a run needs the state");
	if (!o->dry_run && cfg->web.enabled && cfg->web.base_url && *cfg->web.base_url) {
		char kerr[512];

		/* Every digest carries the reader's signed links: without the key, none goes. */
		if (pb_secret_load(cfg->web.secret_file, &c.secret, kerr, sizeof kerr) < 0)
			return fail(rep, EX_CONFIG, err, errlen, "web.secret_file: %s", kerr);
		c.have_secret = 1;
	}

	pb_fetch_http_opts(cfg, &hopts);
	hopts.stop = o->stop;   /* SIGTERM ends a backoff or a transfer at once */
	if (!o->feed || cfg->summary.enabled || cfg->fulltext.enabled || cfg->embeddings.enabled) {
		h = pb_http_new(&hopts);
		if (!h)
			return fail(rep, EX_SOFTWARE, err, errlen, "%s", "cannot initialise libcurl");
		pb_http_set_tick(h, alive_tick, &c);
	}
	t0 = (double)pb_mono_ms();
	fs = get_papers(&c, h, &fr);
	rep->ms_fetch = (double)pb_mono_ms() - t0;
	rep->papers = (long)c.papers.n;
	rep->retry_after_s = fr.retry_after_s;
	if (fs != PB_FETCH_OK && fs != PB_FETCH_NO_ANNOUNCEMENT) {
		fail(rep, pb_papers_exit_code(&fr, o->feed != NULL), err, errlen,
		     fs == PB_FETCH_ARXIV_ERROR ? "arXiv error: %s" : "%s",
		     fr.message[0] ? fr.message : "fetch failed");
		record_fetch_failed(&c, err);
		goto out;
	}
	if (o->expect_date && !o->date && !o->feed && strcmp(rep->date, o->expect_date) < 0) {
		snprintf(err, errlen, "the feed is still the announcement of %s, expected %s",
			 rep->date, o->expect_date);
		rep->status = PB_RUN_STALE;
		rep->sysexit = EX_TEMPFAIL;
		goto out;
	}
	pb_info("fetch.done", "date=%s papers=%zu status=%s", rep->date, c.papers.n,
		fs == PB_FETCH_OK ? "ok" : "no-announcement");

	done = st && !o->only ? pb_run_done(st, rep->date) : 0;
	if (done > 0) {
		rep->status = PB_RUN_ALREADY_DONE;
		pb_info("run.already_done", "date=%s", rep->date);
	} else {
		if (st && !o->dry_run) {
			c.run_id = pb_run_begin(st, rep->date, o->only ? "only" : "run");
			if (c.run_id < 0) {
				fail(rep, EX_IOERR, err, errlen, "state: cannot record the run: %s",
				     pb_state_errmsg(st));
				goto out;
			}
			record_seen(&c);
			alive(&c);
		}
		if (fs == PB_FETCH_NO_ANNOUNCEMENT) {
			rep->status = PB_RUN_NO_ANNOUNCEMENT;
			pb_info("run.no_announcement", "date=%s", rep->date);
		}
		/* Delivery starts with the build, ready when the first digests are written;
		 * after the full texts are read when they are (build_all). */
		if (!(cfg->fulltext.enabled && !o->dry_run)) {
			follow_start(&c);
			ckpt_leave(&c, 1);
		}
		brc = build_all(&c, h, err, errlen);
		ckpt_leave(&c, 0);
		follow_over(&c, brc < 0 ? PB_BUILD_FAILED : PB_BUILD_DONE);
		if (brc < 0) {
			follow_join(&c);
			if (c.fol_rc < 0)
				pb_err("deliver.failed", "error=%s", pb_q(c.fol_err));
			rep->status = PB_RUN_FAILED;
			if (!rep->sysexit)
				rep->sysexit = EX_SOFTWARE;
			if (c.run_id >= 0)
				pb_run_end(st, c.run_id, "failed", rep->papers, rep->digests,
					   rep->messages, err);
			goto out;
		}
		/* Done only when every digest is in the outbox; otherwise the run fails and the
		 * next one for this date builds them again (what is enqueued stays as it is). A
		 * subscriber left out for its rules is built once the configuration is fixed. */
		if (c.lost || c.n_broken) {
			struct pb_buf e = { 0 };

			if (c.n_broken) {
				broken_error(&c, err, errlen);
				pb_buf_puts(&e, err);
			}
			if (c.lost) {
				snprintf(err, errlen, "%ld digest%s not enqueued (%s): %s; the next run "
					 "for %s builds %s again", c.lost, c.lost == 1 ? "" : "s",
					 pb_buf_str(&c.lost_names), c.lost_why, rep->date,
					 c.lost == 1 ? "it" : "them");
				pb_buf_printf(&e, "%s%s", e.len ? "; " : "", err);
			}
			snprintf(err, errlen, "%s", pb_buf_str(&e));
			pb_buf_free(&e);
			rep->status = PB_RUN_FAILED;
			rep->sysexit = c.lost ? c.lost_code : EX_CONFIG;
			if (c.run_id >= 0)
				pb_run_end(st, c.run_id, "failed", rep->papers, rep->digests,
					   rep->messages, err);
		} else if (c.run_id >= 0 && !(o->stop && *o->stop) &&
			   pb_run_end(st, c.run_id, "done", rep->papers, rep->digests,
				      rep->messages, NULL) < 0) {
			fail(rep, EX_IOERR, err, errlen, "state: cannot mark the run done: %s",
			     pb_state_errmsg(st));
		}
	}
	if (!o->dry_run) {
		char derr[512] = "";

		if (deliver(&c, derr, sizeof derr) < 0)
			deliver_failed(&c, derr, err, errlen);
	}
	pb_info("run.done",
		"date=%s papers=%ld digests=%ld messages=%ld sent=%ld failed=%ld pending=%ld "
		"held=%ld fetch_ms=%.0f match_ms=%.0f build_ms=%.0f render_ms=%.0f deliver_ms=%.0f",
		rep->date, rep->papers, rep->digests, rep->messages, rep->sent, rep->failed,
		rep->pending, rep->held, rep->ms_fetch, rep->ms_match, rep->ms_build, rep->ms_render,
		rep->ms_deliver);
out:
	if (c.fol) {
		follow_over(&c, PB_BUILD_FAILED);
		follow_join(&c);
	}
	memset(&c.secret, 0, sizeof c.secret);
	pb_buf_free(&c.broken);
	rep->arxiv_denied = pb_http_denied(h);
	pb_http_free(h);
	pb_paperset_free(&c.papers);
	pb_buf_free(&c.lost_names);
	pb_parts_free(&c.left_alone);
#ifdef __GLIBC__
	/* What the cycle freed goes back to the system now: the daemon waits for the next day
	 * holding only what it keeps (heap_policy keeps it in the heap during the cycle). */
	malloc_trim(0);
#endif
	return rep->status;
}
