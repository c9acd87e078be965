/* The daemon loop.
 *
 * Signals: SIGTERM, SIGINT and SIGHUP only set flags. They stay blocked while the loop decides
 * what to do and are unblocked atomically by pselect() while it sleeps, so a signal that
 * arrives between the check and the sleep still ends the sleep. During a cycle they are
 * unblocked, so the stop flag reaches pb_run_cycle (and delivery) at once.
 *
 * At each scheduled time: first the announcements not completed since the first completed run
 * (within catchup_days), oldest first, through the API's date query; then the latest one
 * through RSS, with the date the calendar expects, so a feed that still shows the previous
 * announcement is PB_RUN_STALE and is polled again with backoff until
 * arxiv.stale_deadline_min, then reported as an error. Past midnight ET after its date, when
 * the feed has turned to the next day's, the latest is asked for by date as the missed ones
 * are. Between scheduled times the loop wakes for outbox retries. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "paperboy/bot.h"
#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/daemon.h"
#include "paperboy/deliver.h"
#include "paperboy/fetch.h"
#include "paperboy/lock.h"
#include "paperboy/log.h"
#include "paperboy/run.h"
#include "paperboy/state.h"
#include "paperboy/web.h"

#ifndef PB_SYSLOG_SOCKET
#define PB_SYSLOG_SOCKET "/dev/log"
#endif

/* 1 when a syslog daemon listens on its socket. Without one, syslog(3) drops every line
 * silently, so the daemon keeps them on stderr. */
static int
syslog_listens(void)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", PB_SYSLOG_SOCKET);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0), ok;

		if (fd < 0)
			continue;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(fd);
		if (ok)
			return 1;
	}
	return 0;
}

/* Process-wide by nature: signal handlers can reach nothing else. */
static volatile sig_atomic_t stop_flag, hup_flag;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_flag = 1;
	else
		stop_flag = 1;
}

struct daemon {
	const struct pb_daemon_opts *o;
	struct pb_config *cfg;
	struct pb_state *st;
	struct pb_lock *lock;
	struct pb_web_server *web;   /* the web endpoint, when web is enabled (not with once) */
	struct pb_calendar cal;
	sigset_t run_mask;       /* the mask to sleep and run cycles with (signals unblocked) */
	int use_syslog;
	int verbose;             /* -v given: keep debug whatever the config says */
	int64_t last_prune;
	int outcome;             /* for --once: 0, or the sysexits code of what went wrong */
	struct pb_tgbot *bot;    /* telegram.commands: the chat commands' long poll */
	int holidays_warned;     /* the year last warned of as missing from the holidays */
};

/* Makes (again) the Telegram bot when telegram.commands is on, with the current config. */
static void
bot_setup(struct daemon *d)
{
	struct pb_tgbot *old = d->bot;
	char err[256];

	d->bot = NULL;
	/* with a webhook, Telegram posts the updates to the web endpoint (and refuses getUpdates) */
	if (d->cfg->telegram.commands && !d->cfg->telegram.webhook_secret &&
	    !(d->bot = pb_tgbot_new(d->cfg, d->o->config_path, &stop_flag, err, sizeof err)))
		pb_err("telegram.bot", "error=%s", pb_q(err));
	/* a command's change reloads the config: its answer, held back by Telegram's flood
	 * control, is still to be sent */
	pb_tgbot_carry(d->bot, old);
	pb_tgbot_free(old);
}

static void
apply_log_level(struct daemon *d)
{
	int lvl = pb_log_level_parse(d->cfg->log_level);

	if (d->verbose)
		lvl = PB_LOG_DEBUG;
	pb_log_setup(lvl >= 0 ? (enum pb_log_level)lvl : PB_LOG_INFO, d->use_syslog);
}

/* SIGHUP: load the config again and check it as `paperboy check` does (rules, schedule);
 * keep the old one when the new one fails any check. */
static void
load_again(struct daemon *d, int quiet)
{
	struct pb_config_error ce;
	struct pb_config *cfg;
	char msg[4096];

	memset(&ce, 0, sizeof ce);
	cfg = pb_config_load(d->o->config_path, &ce);
	if (!cfg) {
		pb_config_error_format(&ce, msg, sizeof msg);
		pb_err("daemon.reload_failed", "config=%s error=%s keeping=old",
		       pb_q(d->o->config_path), pb_q(msg));
		return;
	}
	{
		struct pb_buf problems = { 0 };

		cfg = pb_cli_with_stored(cfg, 0, NULL, NULL, &problems);
		if (problems.len)
			pb_warn("daemon.reload", "stored=%s", pb_q(problems.data));
		pb_buf_free(&problems);
	}
	if (pb_cli_verify_config(cfg, NULL, NULL, msg, sizeof msg) < 0) {
		pb_err("daemon.reload_failed", "config=%s error=%s keeping=old",
		       pb_q(d->o->config_path), pb_q(msg));
		pb_config_free(cfg);
		return;
	}
	if (strcmp(cfg->state_dir, d->cfg->state_dir) != 0)
		pb_warn("daemon.reload", "state_dir=%s note=%s", pb_q(cfg->state_dir),
			pb_q("a new state_dir takes effect at the next start"));
	pb_config_free(d->cfg);
	d->cfg = cfg;
	pb_calendar_init(&d->cal, d->cfg);
	apply_log_level(d);
	if (quiet)
		pb_debug("daemon.subscribers", "subscribers=%zu", d->cfg->n_subscribers);
	else
		pb_info("daemon.reloaded", "config=%s subscribers=%zu timezone=%s",
			pb_q(d->o->config_path), d->cfg->n_subscribers, pb_q(d->cfg->timezone));
}

static void
reload(struct daemon *d)
{
	hup_flag = 0;
	load_again(d, 0);
	bot_setup(d);
}

/* Sleeps until pb_now() reaches until, handling SIGHUP on the way. Returns 0 at the time,
 * 1 when asked to stop, 2 after a reload when back_on_reload (the schedule may have
 * changed). Sleeps at most a minute at a time so a clock jump (suspend, NTP) is noticed. */
static int
sleep_until(struct daemon *d, int64_t until, int back_on_reload)
{
	for (;;) {
		struct timespec ts;
		int64_t now;

		if (stop_flag)
			return 1;
		if (hup_flag) {
			reload(d);
			if (back_on_reload)
				return 2;
		}
		now = pb_now();
		if (now >= until)
			return 0;
		ts.tv_sec = (time_t)(until - now > 60 ? 60 : until - now);
		ts.tv_nsec = 0;
		if (pselect(0, NULL, NULL, NULL, &ts, &d->run_mask) < 0 && errno != EINTR) {
			pb_err("daemon.sleep_failed", "error=%s", pb_q(strerror(errno)));
			return 1;
		}
	}
}

/* When the pause after a poll ends: max_s from now, or as the bot says (a webhook's
 * backoff, a held answer due), and never after until. */
static int64_t
pause_end(struct daemon *d, int max_s, int64_t until)
{
	int64_t end = pb_now() + pb_tgbot_pause_s(d->bot, max_s);

	return end < until ? end : until;
}

/* Instead of sleeping until until: one getUpdates long poll (signals unblocked, so SIGTERM
 * ends it within a second). A change made by a command reloads the config, which takes the
 * stored subscribers again. Returns 1 when asked to stop. */
static int
bot_step(struct daemon *d, int64_t until)
{
	int64_t left = until - pb_now();
	int t = d->cfg->telegram.poll_timeout_s > 0 ? d->cfg->telegram.poll_timeout_s : 25;
	int changed = 0, n;
	char err[1024];
	sigset_t old;

	if (stop_flag)
		return 1;
	if (left <= 0)
		return 0;
	if (left < t)
		t = (int)left;
	sigprocmask(SIG_SETMASK, &d->run_mask, &old);
	n = pb_tgbot_poll(d->bot, d->st, t, &changed, err, sizeof err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (changed)
		hup_flag = 1;
	/* another machine of the state polls: this one sleeps a poll's time, then looks at the
	 * claim again (to take the poll over once that machine is gone); a held answer due
	 * sooner ends any of these pauses, and the scheduled run too */
	if (n == PB_TGBOT_OTHER)
		return sleep_until(d, pause_end(d, t, until), 0) == 1;
	/* a webhook is set: the bot said so, and asks again after a growing pause */
	if (n == PB_TGBOT_WEBHOOK)
		return sleep_until(d, pause_end(d, 5, until), 0) == 1;
	if (n < 0 && !stop_flag) {
		pb_warn("telegram.poll", "error=%s", pb_q(err));
		/* a failing API is asked again after a pause, not in a loop */
		return sleep_until(d, pause_end(d, 5, until), 0) == 1;
	}
	return stop_flag != 0;
}

/* Waits until until as sleep_until does (1 when asked to stop), answering the chat commands
 * meanwhile when the bot is on: a stale feed is waited for an hour or more (from the release
 * to the feed's turn at midnight ET, then the backoff), and commands were not read until the
 * wait ended. */
static int
wait_until(struct daemon *d, int64_t until)
{
	while (d->bot) {
		if (stop_flag)
			return 1;
		if (hup_flag)
			reload(d);
		if (!d->bot)
			break;
		if (pb_now() >= until)
			return 0;
		if (bot_step(d, until) == 1)
			return 1;
	}
	return sleep_until(d, until, 0);
}

static const char *
status_name(enum pb_run_status s)
{
	static const char *const names[] = { "ok", "no-announcement", "stale", "already-done",
					     "failed" };

	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

/* One pb_run_cycle with signals unblocked. */
static enum pb_run_status
cycle(struct daemon *d, const char *date, const char *expect, struct pb_run_report *rep,
      char *err, size_t errlen)
{
	struct pb_run_opts ro;
	sigset_t old;
	enum pb_run_status s;

	memset(&ro, 0, sizeof ro);
	ro.date = date;
	ro.expect_date = expect;
	ro.deliver_wait_s = 120;
	ro.stop = &stop_flag;
	err[0] = '\0';
	sigprocmask(SIG_SETMASK, &d->run_mask, &old);
	s = pb_run_cycle(d->cfg, d->st, &ro, rep, err, errlen);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (s == PB_RUN_FAILED)
		pb_err("daemon.cycle", "date=%s status=failed papers=%ld digests=%ld messages=%ld "
		       "sent=%ld error=%s", date ? date : expect ? expect : rep->date, rep->papers,
		       rep->digests, rep->messages, rep->sent, pb_q(err[0] ? err : "run failed"));
	else
		pb_info("daemon.cycle", "date=%s status=%s papers=%ld digests=%ld messages=%ld "
			"sent=%ld failed=%ld pending=%ld", rep->date[0] ? rep->date : "-",
			status_name(s), rep->papers, rep->digests, rep->messages, rep->sent,
			rep->failed, rep->pending);
	return s;
}

/* A day given up on is a failed run in the state, so that status shows it. (A failed fetch
 * is recorded by the cycle itself.) */
static void
record_failed(struct daemon *d, const char *date, const char *why)
{
	struct pb_buf msg = { 0 };

	pb_buf_printf(&msg, "stale feed: %s", why);
	pb_run_record_failed(d->st, date, "run", 0, pb_buf_str(&msg));
	pb_buf_free(&msg);
}

/* The latest announcement through RSS, polling a stale (or temporarily failing) source with
 * backoff until the deadline. The deadline counts from the first poll, not from the scheduled
 * time: a machine that slept past its slot (or a long catch-up) still gets the whole wait.
 * Nor does it count before the feed can have the announcement: rss.arxiv.org turns at
 * midnight ET, four or five hours after the release, so a wake-up in between (02:00 UTC,
 * 08:30 in Shanghai in summer) waits for midnight instead of giving up before it. */
static void
run_latest(struct daemon *d, const char *expect)
{
	int64_t ready = pb_cal_feed_time(expect), first = pb_now();
	int64_t deadline = (ready > first ? ready : first) +
			   (int64_t)d->cfg->arxiv.stale_deadline_min * 60;
	int64_t backoff = (int64_t)d->cfg->arxiv.stale_deadline_min * 60 / 8;
	struct pb_run_report rep;
	char err[1024];

	if (backoff > 60)
		backoff = 60;
	if (backoff < 5)
		backoff = 5;
	for (;;) {
		enum pb_run_status s = cycle(d, NULL, expect, &rep, err, sizeof err);
		/* Only what may pass by itself is polled again. A 4xx from arXiv (69) will not
		 * change within the deadline: the cycle is recorded as failed and the next
		 * scheduled time tries again. */
		int transient = !rep.arxiv_denied &&
				(s == PB_RUN_STALE ||
				 (s == PB_RUN_FAILED && rep.sysexit == EX_TEMPFAIL));
		int64_t now = pb_now(), next;
		/* arXiv's Retry-After, too long for the HTTP client to wait: nothing is asked
		 * before it ends (the state holds every machine's fetch till then), and the
		 * schedule's deadline stands. */
		int64_t asked = rep.retry_after_s > PB_FETCH_RETRY_MAX_S ? PB_FETCH_RETRY_MAX_S
									 : rep.retry_after_s;

		if (s == PB_RUN_FAILED && !transient && !d->outcome)
			d->outcome = rep.sysexit ? rep.sysexit : EX_SOFTWARE;
		if (!transient || stop_flag)
			return;
		if (now >= deadline || (asked > 0 && now + asked > deadline)) {
			if (asked > 0 && now < deadline)
				pb_info("daemon.retry_after_past_deadline",
					"expected=%s wait_s=%lld note=%s", expect,
					(long long)asked,
					pb_q("arXiv asked to wait past the deadline: the next scheduled "
					     "time asks again"));
			d->outcome = EX_TEMPFAIL;
			if (s == PB_RUN_STALE) {
				pb_err("daemon.stale_feed", "expected=%s feed=%s waited_min=%d "
				       "error=%s", expect, rep.date[0] ? rep.date : "-",
				       d->cfg->arxiv.stale_deadline_min, pb_q("stale feed"));
				record_failed(d, expect, err);
			} else
				pb_err("daemon.gave_up", "expected=%s waited_min=%d error=%s", expect,
				       d->cfg->arxiv.stale_deadline_min, pb_q(err));
			return;
		}
		next = now + backoff;
		/* Asking before midnight ET only finds the day before's feed again: until then,
		 * the longest backoff (each cycle also delivers what came due meanwhile). */
		if (next < ready)
			next = ready < now + 900 ? ready : now + 900;
		if (asked > 0) {
			char at[32], note[160];

			if (next < now + asked)
				next = now + asked;
			pb_format_instant(next, at, sizeof at);
			snprintf(note, sizeof note, "arXiv asked to wait %ld s%s; next request at %s",
				 rep.retry_after_s, rep.retry_after_s > asked ? " (6 h are waited)" : "",
				 at);
			pb_warn("daemon.retry_after", "expected=%s wait_s=%lld note=%s", expect,
				(long long)asked, pb_q(note));
		}
		if (next > deadline)
			next = deadline;
		pb_info("daemon.poll_again", "expected=%s reason=%s in_s=%lld", expect,
			s == PB_RUN_STALE ? "stale" : "unavailable", (long long)(next - now));
		if (wait_until(d, next))
			return;
		backoff = backoff * 2 > 900 ? 900 : backoff * 2;
	}
}

/* Once a year missing from the holiday list: its holidays would be waited for as releases. */
static void
holidays_warn(struct daemon *d, int64_t now)
{
	int y = pb_cal_unknown_year(&d->cal, now);

	if (y <= 0 || y == d->holidays_warned)
		return;
	d->holidays_warned = y;
	pb_warn("calendar.holidays", "year=%d listed_until=%d note=%s", y,
		pb_cal_last_year(&d->cal),
		pb_q("no holiday listed for that year: arXiv's holidays will be waited for as "
		     "releases; add them to `holidays` (https://info.arxiv.org/help/availability.html)"));
}

/* 1 while rss.arxiv.org can still serve the announcement named date: until midnight ET at
 * the end of that date, when its feeds are rebuilt ("updated daily at midnight", arXiv's RSS
 * help) for the next day, with no item and that day's date when it has no announcement (a
 * Saturday, the day after a holiday). */
static int
rss_serves(const char *date, int64_t now)
{
	char next[PB_DATE_LEN];
	long day;

	if (pb_date_parse(date, &day) < 0)
		return 1;
	pb_date_format(day + 1, next);
	return now < pb_cal_feed_time(next);
}

/* The work of one wake-up. */
static void
wake(struct daemon *d)
{
	char latest[PB_DATE_LEN], last[16], first[16], dates[64][PB_DATE_LEN], err[1024];
	int64_t now = pb_now(), from;
	int n, m = 0, have, by_rss, denied = 0;
	long asked = 0;

	/* The subscribers kept in the state change without a SIGHUP (sign-ups, `subscriber
	 * add`, a reader who unsubscribed): each wake-up serves them as they are now. */
	load_again(d, 1);
	holidays_warn(d, now);
	if (pb_cal_latest(&d->cal, now, latest) < 0) {
		pb_err("daemon.calendar", "error=%s", pb_q("no announcement within a year"));
		return;
	}
	have = pb_run_last_done(d->st, last);
	/* Without any history there is nothing to catch up on: start with today's. With one,
	 * every date since it began that is not done (a catch-up that failed, a feed that
	 * stayed stale) is missed, not only those after the last one done: the latest done
	 * first must not leave an older one behind for good. */
	from = have > 0 && pb_run_first_done(d->st, first) > 0 ? pb_cal_release_time(first)
							       : now;
	n = pb_cal_missed(&d->cal, from, now, d->cfg->catchup_days, dates, 64);
	by_rss = rss_serves(latest, now);
	/* Past its day the latest is asked for by date too: the feed has turned to the next
	 * day's, without announcement, which would be taken for it. */
	if (n < 0)
		n = 0;
	if (!by_rss && (n == 0 || strcmp(dates[n - 1], latest) != 0) && n < 64)
		memcpy(dates[n++], latest, PB_DATE_LEN);
	/* What is done is not missed, nor is the latest while the feed serves it (run_latest). */
	for (int i = 0; i < n; i++)
		if (!(by_rss && strcmp(dates[i], latest) == 0) && pb_run_done(d->st, dates[i]) <= 0)
			memmove(dates[m++], dates[i], PB_DATE_LEN);
	n = m;
	pb_info("daemon.wake", "latest=%s last_done=%s missed=%d", latest, have > 0 ? last : "-",
		n);
	for (int i = 0; i < n && !stop_flag && !denied && !asked; i++) {
		struct pb_run_report rep;

		pb_info("daemon.catchup", "date=%s", dates[i]);
		if (cycle(d, dates[i], NULL, &rep, err, sizeof err) == PB_RUN_FAILED && !d->outcome)
			d->outcome = rep.sysexit ? rep.sysexit : EX_SOFTWARE;
		denied = rep.arxiv_denied;
		asked = rep.retry_after_s;
	}
	if (denied) {
		/* Each cycle has a client of its own: the next one would ask arXiv again at once,
		 * which its robots page takes for an attack after a 403. */
		pb_warn("daemon.arxiv_denied", "latest=%s note=%s", latest,
			pb_q("arXiv denied this client access (403): the dates not caught up "
			     "and the latest announcement wait for the next scheduled time"));
		if (!d->outcome)
			d->outcome = EX_UNAVAILABLE;
	} else if (asked > 0) {
		char note[200];

		/* The latest announcement done first would leave the dates before it behind
		 * (catching up starts after the last date done). The state holds every
		 * machine's fetch till the wait ends, so the next scheduled time asks no sooner. */
		snprintf(note, sizeof note, "arXiv asked to wait %ld s: the dates not caught up and "
			 "the latest announcement wait for the next scheduled time", asked);
		pb_warn("daemon.retry_after_catch_up", "latest=%s wait_s=%ld note=%s", latest,
			asked, pb_q(note));
		if (!d->outcome)
			d->outcome = EX_TEMPFAIL;
	} else if (!stop_flag && by_rss) {
		run_latest(d, latest);
	}
	if (!stop_flag && now - d->last_prune >= 86400 && d->cfg->retention_days > 0) {
		if (pb_state_prune(d->st, d->cfg->retention_days) >= 0)
			d->last_prune = now;
	}
}

/* Delivers outbox messages that came due between scheduled times (retries). */
static void
deliver_due(struct daemon *d)
{
	struct pb_deliver_opts o;
	struct pb_deliver_stats ds;
	char err[512] = "";
	sigset_t old;

	memset(&o, 0, sizeof o);
	memset(&ds, 0, sizeof ds);
	o.stop = &stop_flag;
	sigprocmask(SIG_SETMASK, &d->run_mask, &old);
	if (pb_deliver_run(d->st, d->cfg, &o, &ds, err, sizeof err) < 0)
		pb_err("daemon.deliver", "error=%s", pb_q(err));
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ds.sent || ds.failed || ds.expired || ds.paused || ds.retried)
		pb_info("daemon.deliver", "sent=%ld retried=%ld failed=%ld expired=%ld paused=%ld "
			"pending=%ld held=%ld", ds.sent, ds.retried, ds.failed, ds.expired, ds.paused,
			ds.pending, ds.held);
}

static int
setup_signals(struct daemon *d)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: a signal interrupts a sleep or a poll */
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &block, &d->run_mask) < 0)
		return -1;
	sigdelset(&d->run_mask, SIGTERM);
	sigdelset(&d->run_mask, SIGINT);
	sigdelset(&d->run_mask, SIGHUP);
	return 0;
}

/* Opens the state. A PostgreSQL state out of reach at the start (the server still starting
 * at boot or restarting, the network not up yet) is waited for, with pauses growing from 5 s
 * to 5 minutes, as one lost later is: exiting 75 would stop the daemon for good under its
 * systemd unit, which does not restart on 75 (another paperboy holding the state
 * directory). So is a SQLite state another process holds busy past the busy timeout.
 * SIGHUP meanwhile reads the configuration again (a corrected conninfo).
 * --once exits 75 at once, for its timer to try again. Returns 0 (also when asked to stop
 * while waiting, d->st then NULL) or the exit code, having said why. */
static int
open_state(struct daemon *d)
{
	char err[768];
	int temporary, pause_s = 5, waited = 0;

	while (!(d->st = pb_cli_state_open(d->cfg, PB_STATE_CREATE, &temporary, err,
					   sizeof err))) {
		int64_t until;

		if (!temporary || d->o->once) {
			fprintf(stderr, "paperboy: %s%s\n", err, temporary ? " (a temporary failure: "
				"try again later)" : "");
			return temporary ? EX_TEMPFAIL : EX_CANTCREAT;
		}
		pb_warn("daemon.state_unreachable", "error=%s retry_in_s=%d", pb_q(err), pause_s);
		waited = 1;
		/* on the monotonic clock: a wall clock stepped back meanwhile (NTP at boot) would
		 * stretch the pause by the step */
		for (until = pb_mono_ms() + pause_s * 1000LL; !stop_flag && pb_mono_ms() < until;) {
			int64_t left = until - pb_mono_ms();
			struct timespec ts = { .tv_sec = (time_t)(left > 0 ? left / 1000 : 0),
					       .tv_nsec = (long)(left > 0 ? left % 1000 : 0) * 1000000L };

			if (pselect(0, NULL, NULL, NULL, &ts, &d->run_mask) < 0 && errno != EINTR)
				break;
			if (hup_flag) {
				hup_flag = 0;
				load_again(d, 0);
				break;   /* a new conninfo is tried at once */
			}
		}
		if (stop_flag)
			return 0;
		pause_s = pause_s * 2 > 300 ? 300 : pause_s * 2;
	}
	if (waited)
		pb_info("daemon.state_reached", "state=%s", pb_state_backend(d->st));
	return 0;
}

int
pb_daemon_use_syslog(const struct pb_daemon_opts *o)
{
	if (o->foreground || o->once || isatty(STDERR_FILENO))
		return 0;
	return syslog_listens();
}

int
pb_daemon_run(const struct pb_daemon_opts *o)
{
	struct daemon d;
	char err[1024], when[32];
	int rc = EX_SOFTWARE;
	int64_t after, logged = -1;

	memset(&d, 0, sizeof d);
	d.o = o;
	d.verbose = pb_log_enabled(PB_LOG_DEBUG);
	d.use_syslog = pb_daemon_use_syslog(o);
	if (setup_signals(&d) < 0) {
		fprintf(stderr, "paperboy: cannot set up signals: %s\n", strerror(errno));
		return EX_OSERR;
	}
	d.cfg = pb_cli_load_config(o->config_path);
	if (!d.cfg)
		return EX_CONFIG;
	{
		char msg[4096];

		if (pb_cli_verify_config(d.cfg, NULL, NULL, msg, sizeof msg) < 0) {
			fprintf(stderr, "paperboy: %s\n", msg);
			rc = EX_CONFIG;
			goto out;
		}
	}
	pb_calendar_init(&d.cal, d.cfg);
	if (pb_mkdirs(d.cfg->state_dir) < 0) {
		fprintf(stderr, "paperboy: cannot create state directory %s: %s\n",
			d.cfg->state_dir, strerror(errno));
		rc = EX_CANTCREAT;
		goto out;
	}
	d.lock = pb_lock_acquire(d.cfg->state_dir, err, sizeof err);
	if (!d.lock) {
		/* Only another holder is "try again later" (75, which the systemd units do not
		 * restart on); a lock file that cannot be opened or written (a full disk, a
		 * read-only directory) is 73, as for run, and a restart may find room. */
		rc = errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT;
		fprintf(stderr, "paperboy: %s\n", err);
		goto out;
	}
	/* Logging as configured first: waiting for the state is logged. */
	apply_log_level(&d);
	if ((rc = open_state(&d)) != 0 || stop_flag)
		goto out;
	{
		char ic[256];

		/* Say so early when the database is damaged; the daemon still tries to work. */
		if (pb_state_integrity(d.st, ic, sizeof ic) < 0)
			pb_err("state.integrity", "db=%s/paperboy.db error=%s", pb_q(d.cfg->state_dir),
			       pb_q(ic));
	}
	bot_setup(&d);
	/* The endpoint's thread starts with the daemon's signals blocked (setup_signals), so
	 * they keep coming to this loop. */
	if (d.cfg->web.enabled && !o->once &&
	    !(d.web = pb_web_start(d.cfg, o->config_path, err, sizeof err))) {
		fprintf(stderr, "paperboy: web: %s\n", err);
		pb_err("daemon.web", "error=%s", pb_q(err));
		rc = EX_UNAVAILABLE;
		goto out;
	}
	pb_info("daemon.start", "pid=%ld config=%s state_dir=%s timezone=%s schedule_times=%zu",
		(long)getpid(), pb_q(o->config_path), pb_q(d.cfg->state_dir),
		pb_q(d.cfg->timezone), d.cfg->n_schedule);

	after = pb_now();
	if (o->once) {
		wake(&d);
		rc = stop_flag ? 0 : d.outcome;
		goto out;
	}
	/* Back from a pause with history: catch up at once rather than at the next slot. */
	{
		char latest[PB_DATE_LEN], last[16];

		if (pb_run_last_done(d.st, last) > 0 && pb_cal_latest(&d.cal, after, latest) == 0 &&
		    strcmp(last, latest) < 0)
			wake(&d);
	}
	while (!stop_flag) {
		int64_t next, due, now, target;

		if (hup_flag)
			reload(&d);
		next = pb_next_wakeup(d.cfg->timezone, d.cfg->schedule, d.cfg->n_schedule, after,
				      err, sizeof err);
		if (next < 0) {
			pb_err("daemon.schedule", "error=%s", pb_q(err));
			rc = EX_CONFIG;
			goto out;
		}
		now = pb_now();
		if (now >= next) {
			wake(&d);
			/* A wake-up that ran past later slots (or a long suspend) does not replay
			 * them: the next one is computed from now. */
			now = pb_now();
			after = next > now ? next : now;
			continue;
		}
		due = pb_outbox_next_due(d.st);
		if (due >= 0 && due <= now) {
			deliver_due(&d);
			/* A message that stays due (e.g. its channel is gone) must not spin. */
			due = pb_outbox_next_due(d.st);
			if (due >= 0 && due <= pb_now() && sleep_until(&d, pb_now() + 30, 0) == 1)
				break;
			continue;
		}
		if (next != logged) {
			pb_format_instant(next, when, sizeof when);
			pb_info("daemon.sleep", "until=%s", when);
			logged = next;
		}
		/* Wake at least once a minute: `paperboy retry` may have made messages due. */
		target = due >= 0 && due < next ? due : next;
		if (target > now + 60)
			target = now + 60;
		if (d.bot) {
			if (bot_step(&d, target) == 1)
				break;
			continue;
		}
		if (sleep_until(&d, target, 1) == 1)
			break;
	}
	rc = 0;
out:
	if (stop_flag)
		pb_info("daemon.stop", "pid=%ld", (long)getpid());
	pb_web_stop(d.web);
	pb_tgbot_free(d.bot);
	pb_state_close(d.st);
	pb_lock_release(d.lock);
	pb_config_free(d.cfg);
	return rc;
}
