/* One fetch per announcement across machines: the claim, the wait, the papers read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/fetch.h"
#include "paperboy/fetch_claim.h"
#include "paperboy/log.h"

/* A failed or stale fetch is reported to the others for this long, then tried again. */
#define RETRY_S 60
/* Another machine's listing of the latest announcement serves for this long. */
#define LATEST_REUSE_S 1800
/* Renewals at most this often: the lease's third, so two may fail before it runs out. */
#define RENEW_MAX_MS 5000
/* The pacing key (pb_pace_hold) of the wait arXiv asked for with a Retry-After: it holds
 * every machine's requests, whatever announcement or date they are for. */
#define ARXIV_WAIT_KEY "arxiv|retry-after"

int
pb_claim_lease_s(const struct pb_config *cfg)
{
	return cfg->state_lease_s > 0 ? cfg->state_lease_s : 60;
}

int
pb_claim_wait_max_s(int lease_s)
{
	return PB_CLAIM_HOLD_MAX_S + lease_s + 60;
}

void
pb_claim_wait_step(struct pb_state *st, int lease_s, const volatile sig_atomic_t *stop)
{
	/* Waiting is work too: the others see this machine alive meanwhile. */
	if (pb_machine_alive(st, lease_s) < 0)
		pb_warn("state.heartbeat", "error=%s", pb_q(pb_state_errmsg(st)));
	for (int i = 0; i < 2 && !(stop && *stop); i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

void
pb_tick_alive(struct pb_state *st, int lease_s)
{
	long patience = pb_state_swap_patience(st, 0);

	if (pb_machine_alive(st, lease_s) < 0)
		pb_warn("state.heartbeat", "error=%s", pb_q(pb_state_errmsg(st)));
	pb_state_swap_patience(st, patience);
}

/* A claim kept from the HTTP client's tick: between requests, in their spacing and backoff,
 * and during each transfer. */
struct pb_claim_hold {
	struct pb_http *h;
	pb_http_tick_fn prev;    /* the tick replaced, still called */
	void *prev_ud;
	struct pb_state *st;
	const char *key, *what;
	char ev_renew[64], ev_lost[64];
	int lease_s;
	int64_t taken;           /* unix seconds */
	int64_t renewed_ms;      /* monotonic */
	int lost;                /* another machine took the claim: the work is given up */
};

static int
hold_tick(void *ud)
{
	struct pb_claim_hold *k = ud;
	int64_t t = pb_mono_ms(), now = (int64_t)time(NULL), every = k->lease_s * 1000LL / 3;
	long patience;
	int r;

	if (k->prev && k->prev(k->prev_ud) != 0)
		return 1;
	pb_tick_alive(k->st, k->lease_s);
	if (k->lost)
		return 1;
	if (every > RENEW_MAX_MS)
		every = RENEW_MAX_MS;
	if (t - k->renewed_ms < every || now - k->taken > PB_CLAIM_HOLD_MAX_S)
		return 0;
	k->renewed_ms = t;
	/* Inside a transfer: a database away fails the renewal at once rather than holding
	 * the transfer for the patience; the next tick tries again. */
	patience = pb_state_swap_patience(k->st, 0);
	r = pb_fetch_claim_renew(k->st, k->key, now, k->lease_s);
	pb_state_swap_patience(k->st, patience);
	if (r < 0) {
		/* The state may be back before the lease runs out: work on. */
		pb_warn(k->ev_renew, "key=%s error=%s", pb_q(k->key),
			pb_q(pb_state_errmsg(k->st)));
		return 0;
	}
	if (r == 0) {
		char note[128];

		snprintf(note, sizeof note, "another machine took the %s over; its outcome is "
			 "awaited", k->what);
		pb_warn(k->ev_lost, "key=%s machine=%s note=%s", pb_q(k->key),
			pb_q(pb_state_machine(k->st)), pb_q(note));
		k->lost = 1;
		return 1;
	}
	return 0;
}

struct pb_claim_hold *
pb_claim_hold_new(struct pb_http *h, struct pb_state *st, const char *key, int lease_s,
		  const char *event, const char *what)
{
	struct pb_claim_hold *k = pb_xcalloc(1, sizeof *k);

	k->h = h;
	k->st = st;
	k->key = key;
	k->what = what;
	snprintf(k->ev_renew, sizeof k->ev_renew, "%s_renew", event);
	snprintf(k->ev_lost, sizeof k->ev_lost, "%s_lost", event);
	k->lease_s = lease_s;
	k->taken = (int64_t)time(NULL);
	k->renewed_ms = pb_mono_ms();
	pb_http_get_tick(h, &k->prev, &k->prev_ud);
	pb_http_set_tick(h, hold_tick, k);
	return k;
}

int
pb_claim_hold_lost(const struct pb_claim_hold *k)
{
	return k && k->lost;
}

void
pb_claim_hold_free(struct pb_claim_hold *k)
{
	if (!k)
		return;
	pb_http_set_tick(k->h, k->prev, k->prev_ud);
	free(k);
}

/* The outcome another machine stored into out and res. Returns its status. */
static enum pb_fetch_status
load_stored(struct pb_state *st, const char *key, struct pb_paperset *out,
	    struct pb_fetch_result *res)
{
	int fs = PB_FETCH_UNAVAILABLE;
	long http = 0;
	int r = pb_fetch_claim_load(st, key, out, &fs, &http, res->message, sizeof res->message);

	if (r <= 0) {
		snprintf(res->message, sizeof res->message, "state: %s",
			 r < 0 ? pb_state_errmsg(st) : "the announcement's claim vanished");
		res->status = PB_FETCH_UNAVAILABLE;
		return res->status;
	}
	res->status = (enum pb_fetch_status)fs;
	res->http_status = http;
	return res->status;
}

int64_t
pb_arxiv_wait_left(struct pb_state *st)
{
	const char *keys[] = { ARXIV_WAIT_KEY };
	const long none[] = { 0 };
	int64_t now = pb_wall_ms(), until;
	int r;

	if (!st)
		return 0;
	/* A slot of no length: takes nothing from anyone, and says until when it is held. */
	r = pb_pace_take(st, keys, none, 1, now, &until);

	if (r < 0) {
		pb_warn("fetch.retry_after_read", "error=%s", pb_q(pb_state_errmsg(st)));
		return 0;
	}
	return r == 0 && until > now ? (until - now + 999) / 1000 : 0;
}

void
pb_arxiv_wait_hold(struct pb_state *st, long s)
{
	if (!st || s <= 0)
		return;
	if (s > PB_FETCH_RETRY_MAX_S)
		s = PB_FETCH_RETRY_MAX_S;
	if (pb_pace_hold(st, ARXIV_WAIT_KEY, pb_wall_ms() + (int64_t)s * 1000) < 0)
		pb_warn("fetch.retry_after_hold", "seconds=%ld error=%s", s,
			pb_q(pb_state_errmsg(st)));
}

void
pb_arxiv_wait_say(int64_t left, char *out, size_t len)
{
	char at[32];

	pb_format_instant(pb_now() + left, at, sizeof at);
	snprintf(out, len, "arXiv asked to retry after %lld s (at %s), on this machine or another "
		 "sharing the state", (long long)left, at);
}

/* The outcome of a fetch not made because arXiv's wait has left seconds to run. */
static void
arxiv_not_asked(struct pb_fetch_result *res, int64_t left)
{
	char why[160];

	pb_arxiv_wait_say(left, why, sizeof why);
	memset(res, 0, sizeof *res);
	res->status = PB_FETCH_UNAVAILABLE;
	res->retry_after_s = (long)left;
	snprintf(res->message, sizeof res->message, "not asked: %s", why);
}

enum pb_fetch_status
pb_papers_load_shared(struct pb_http *h, const struct pb_config *cfg, struct pb_state *st,
		      struct pb_papers_req *rq, const char *expect_date,
		      volatile sig_atomic_t *stop, struct pb_paperset *out,
		      struct pb_fetch_result *res)
{
	char key[64], today[16];
	int lease = pb_claim_lease_s(cfg), waited = 0;
	/* Waited for while another machine renews its claim, and a lease more. */
	int64_t give_up = (int64_t)time(NULL) + pb_claim_wait_max_s(lease);
	time_t t = time(NULL);
	struct tm tm;
	struct pb_http *own = NULL;
	enum pb_fetch_status rc;

	if (rq->feed || !st)
		return pb_papers_load(h, cfg, rq, out, res);
	if (!h) {
		struct pb_http_opts ho;

		pb_fetch_http_opts(cfg, &ho);
		ho.stop = stop;
		h = own = pb_http_new(&ho);
		if (!h) {
			memset(res, 0, sizeof *res);
			res->status = PB_FETCH_UNAVAILABLE;
			snprintf(res->message, sizeof res->message, "cannot start the HTTP client");
			return res->status;
		}
	}
	gmtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	if (rq->date)
		snprintf(key, sizeof key, "%s", rq->date);
	else
		snprintf(key, sizeof key, "latest:%s", expect_date ? expect_date : today);
	memset(res, 0, sizeof *res);
	for (;;) {
		int64_t now = (int64_t)time(NULL);
		/* A past date's papers do not change; the latest listing may, within a day
		 * (arXiv's evening is another UTC day only half the year). */
		int c = pb_fetch_claim_take(st, key, now, lease, RETRY_S,
					    rq->date ? -1 : LATEST_REUSE_S);

		if (c < 0) {
			res->status = PB_FETCH_UNAVAILABLE;
			snprintf(res->message, sizeof res->message, "state: claiming the fetch of "
				 "%s: %s", key, pb_state_errmsg(st));
			rc = res->status;
			goto out;
		}
		if (c == PB_FETCH_CLAIM_MINE) {
			struct pb_claim_hold *k;
			enum pb_fetch_status fs;
			int ok, stale, lost;
			int64_t left = pb_arxiv_wait_left(st);

			if (left > 0) {
				arxiv_not_asked(res, left);
				fs = res->status;
				goto finish;
			}
			k = pb_claim_hold_new(h, st, key, lease, "fetch.claim", "fetch");
			fs = pb_papers_load(h, cfg, rq, out, res);
			lost = pb_claim_hold_lost(k);
			pb_claim_hold_free(k);
			if (res->retry_after_s > 0 && !(stop && *stop))
				pb_arxiv_wait_hold(st, res->retry_after_s);
			if (lost && !(stop && *stop)) {
				/* Another machine fetches (or has fetched) it: its outcome is the
				 * one, not what this fetch got before it was given up. */
				pb_paperset_free(out);
				pb_paperset_init(out);
				memset(res, 0, sizeof *res);
				continue;
			}
finish:
			ok = fs == PB_FETCH_OK || fs == PB_FETCH_NO_ANNOUNCEMENT;
			stale = ok && !rq->date && expect_date && out->announce_date &&
				strcmp(out->announce_date, expect_date) < 0;
			pb_info("fetch.claimed", "key=%s machine=%s status=%d papers=%zu stale=%d",
				pb_q(key), pb_q(pb_state_machine(st)), (int)fs, out->n, stale);
			/* A stopped fetch is nobody's outcome: the claim lapses with its lease. */
			if (!(stop && *stop) &&
			    pb_fetch_claim_finish(st, key, ok && !stale, ok ? out : NULL, (int)fs,
						  res->http_status, res->message) < 0)
				pb_warn("fetch.claim_finish", "key=%s error=%s", pb_q(key),
					pb_q(pb_state_errmsg(st)));
			rc = fs;
			goto out;
		}
		if (c == PB_FETCH_CLAIM_DONE || c == PB_FETCH_CLAIM_FAILED) {
			enum pb_fetch_status fs = load_stored(st, key, out, res);

			/* The other machine's fetch was told to wait: so is this one's caller. */
			if (c == PB_FETCH_CLAIM_FAILED)
				res->retry_after_s = (long)pb_arxiv_wait_left(st);

			pb_info("fetch.shared", "key=%s status=%d papers=%zu waited_ms=%d",
				pb_q(key), (int)fs, out->n, waited * 200);
			rc = fs;
			goto out;
		}
		if (now >= give_up || (stop && *stop)) {
			res->status = PB_FETCH_UNAVAILABLE;
			snprintf(res->message, sizeof res->message, "%s",
				 stop && *stop ? "stopped"
					      : "another machine holds the fetch of the announcement "
						"and has not finished it");
			rc = res->status;
			goto out;
		}
		if (waited == 0)
			pb_info("fetch.waiting", "key=%s", pb_q(key));
		/* Another machine is fetching: look again in a fifth of a second (a stop ends
		 * the wait). */
		pb_claim_wait_step(st, lease, stop);
		waited++;
	}
out:
	pb_http_free(own);
	return rc;
}
