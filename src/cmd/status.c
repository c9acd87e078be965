/* paperboy status [--runs N] [--errors N]: the daemon, the last runs, the outbox by channel and
 * status, and the last delivery errors. Reads the state only; never prints a secret. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/lock.h"
#include "paperboy/render.h"
#include "paperboy/state.h"

#define N_STATUS 5

/* Copies s into b with every configured secret replaced by *** (server messages sometimes
 * echo a URL or a token) and what could drive the terminal written escaped (pb_esc_term);
 * cut at 300 bytes but for a reason (whole = 1), which was cut when stored. */
static const char *
clean_whole(struct pb_buf *b, const struct pb_config *cfg, const char *s, int whole)
{
	struct pb_buf m = { 0 };

	pb_buf_reset(b);
	if (!s)
		return "";
	pb_config_mask_secrets(cfg, &m, s);
	pb_esc_term(b, pb_buf_str(&m));
	pb_buf_free(&m);
	if (!whole && b->len > 300) {
		size_t k = 297;

		/* between characters, and before an escape the cut would leave half of */
		while (k > 0 && ((unsigned char)b->data[k] & 0xC0) == 0x80)
			k--;
		for (size_t j = k > 5 ? k - 5 : 0; j < k; j++)
			if (b->data[j] == '\\' && j + 1 < k &&
			    ((b->data[j + 1] == 'x' && k - j < 4) ||
			     (b->data[j + 1] == 'u' && k - j < 6))) {
				k = j;
				break;
			}
		pb_buf_truncate(b, k);
		pb_buf_puts(b, "...");
	}
	return pb_buf_str(b);
}

static const char *
clean(struct pb_buf *b, const struct pb_config *cfg, const char *s)
{
	return clean_whole(b, cfg, s, 0);
}

/* b's text with spaces after it up to width terminal columns: printf's width counts bytes,
 * and an address may be internationalised (RFC 6531), its CJK characters two columns each. */
static const char *
pad(struct pb_buf *b, size_t width)
{
	for (size_t w = pb_text_width(pb_buf_str(b), b->len); w < width; w++)
		pb_buf_putc(b, ' ');
	return pb_buf_str(b);
}

static void
print_daemon(const struct pb_config *cfg)
{
	long pid = pb_lock_holder(cfg->state_dir);

	if (pid > 0)
		printf("daemon: running (pid %ld)\n", pid);
	else if (pid == 0)
		printf("daemon: not running\n");
	else
		printf("daemon: unknown (cannot read %s/paperboy.lock)\n", cfg->state_dir);
}

/* The schedule and the calendar: when the daemon wakes next, which announcement is latest. */
static void
print_schedule(const struct pb_config *cfg, struct pb_state *st)
{
	struct pb_calendar cal;
	char latest[PB_DATE_LEN], when[32], err[256];
	int64_t now = pb_now(), next;

	next = pb_next_wakeup(cfg->timezone, cfg->schedule, cfg->n_schedule, now, err, sizeof err);
	if (next >= 0) {
		pb_format_instant(next, when, sizeof when);
		printf("next scheduled run: %s (", when);
		for (size_t i = 0; i < cfg->n_schedule; i++)
			printf("%s%s", i ? ", " : "", cfg->schedule[i]);
		printf(" %s)\n", cfg->timezone);
	} else {
		printf("next scheduled run: unknown (%s)\n", err);
	}
	pb_calendar_init(&cal, cfg);
	if (pb_cal_latest(&cal, now, latest) == 0)
		printf("latest announcement: %s (%s)\n", latest,
		       !st ? "not run" : pb_run_done(st, latest) > 0 ? "done" : "not done yet");
}

static int
print_runs(struct pb_state *st, const struct pb_config *cfg, size_t max)
{
	struct pb_run_row *r = NULL;
	struct pb_buf b = { 0 };
	size_t n = 0;

	if (pb_runs_recent(st, max, &r, &n) < 0)
		return -1;
	printf("\nruns (newest first):\n");
	if (n == 0)
		printf("  none yet\n");
	else
		printf("  %-10s  %-7s  %-8s  %6s  %7s  %8s  %-20s  %s\n", "DATE", "KIND", "STATUS",
		       "PAPERS", "DIGESTS", "MESSAGES", "STARTED (UTC)", "ERROR");
	for (size_t i = 0; i < n; i++) {
		char started[32];

		pb_format_instant(r[i].started, started, sizeof started);
		printf("  %-10s  %-7s  %-8s  %6ld  %7ld  %8ld  %-20s  %s\n", r[i].digest_date,
		       r[i].kind, r[i].status, r[i].papers, r[i].digests, r[i].messages, started,
		       clean(&b, cfg, r[i].error));
	}
	pb_buf_free(&b);
	pb_run_rows_free(r, n);
	return 0;
}

static int
print_outbox(struct pb_state *st)
{
	struct pb_outbox_count *c = NULL;
	long tot[N_STATUS] = { 0 }, held, dropped;
	size_t n = 0;

	if (pb_outbox_counts(st, &c, &n) < 0)
		return -1;
	printf("\noutbox:\n");
	printf("  %-10s", "CHANNEL");
	for (int s = 0; s < N_STATUS; s++)
		printf("  %8s", pb_outbox_status_name((enum pb_outbox_status)s));
	printf("\n");
	for (size_t i = 0; i < n;) {
		long row[N_STATUS] = { 0 };
		size_t j = i;

		for (; j < n && strcmp(c[j].channel, c[i].channel) == 0; j++)
			if ((unsigned)c[j].status < N_STATUS) {
				row[c[j].status] += c[j].n;
				tot[c[j].status] += c[j].n;
			}
		printf("  %-10s", c[i].channel);
		for (int s = 0; s < N_STATUS; s++)
			printf("  %8ld", row[s]);
		printf("\n");
		i = j;
	}
	printf("  %-10s", "total");
	for (int s = 0; s < N_STATUS; s++)
		printf("  %8ld", tot[s]);
	printf("\n");
	free(c);
	/* Of the pending: those waiting for a subscriber an administrator took out of the file. */
	if ((held = pb_outbox_held(st)) < 0)
		return -1;
	if (held > 0)
		printf("  of the pending, %ld held: subscriber not in the configuration (sent if it "
		       "comes back, else expired with the delivery lifetime)\n", held);
	/* Of the expired: those held whose subscriber's name came back with other destinations
	 * (another reader given the name). */
	if ((dropped = pb_outbox_held_dropped(st)) < 0)
		return -1;
	if (dropped > 0)
		printf("  of the expired, %ld held and not sent: the subscriber came back without "
		       "their destination\n", dropped);
	return 0;
}

static int
print_errors(struct pb_state *st, const struct pb_config *cfg, size_t max)
{
	struct pb_outbox_msg *v = NULL;
	struct pb_buf b = { 0 };
	size_t n = 0;

	if (pb_outbox_errors(st, max, &v, &n) < 0)
		return -1;
	printf("\nlast errors:\n");
	if (n == 0)
		printf("  none\n");
	for (size_t i = 0; i < n; i++) {
		printf("  %s  %s  %s", v[i].digest_date, clean(&b, cfg, v[i].subscriber),
		       v[i].channel);
		printf(" %s", clean(&b, cfg, v[i].dest));
		printf("  part %d/%d  %s after %d attempt%s: ", v[i].part, v[i].n_parts,
		       pb_outbox_status_name(v[i].status), v[i].attempts,
		       v[i].attempts == 1 ? "" : "s");
		printf("%s\n", clean(&b, cfg, v[i].last_error));
	}
	pb_buf_free(&b);
	pb_outbox_msgs_free(v, n);
	return 0;
}

/* Every machine sharing the state: its last heartbeat and how long ago, its live claims
 * (outbox messages it holds, announcements it is fetching) and what it sent. */
static int
print_machines(struct pb_state *st, const struct pb_config *cfg)
{
	struct pb_machine_row *v;
	int64_t now = (int64_t)time(NULL);
	char today[16];
	time_t t = (time_t)now;
	struct tm tm;
	size_t n;

	if (pb_machines_list(st, now, &v, &n) < 0)
		return -1;
	gmtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	printf("\nmachines:\n");
	if (n == 0)
		printf("  none has run yet\n");
	for (size_t i = 0; i < n; i++) {
		char at[32] = "-";
		time_t hb = (time_t)v[i].heartbeat;
		int64_t age = now - v[i].heartbeat;

		if (gmtime_r(&hb, &tm))
			strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("  %-20s%s heartbeat %s (%llds ago)  pid %lld  claims %ld message%s, "
		       "%ld fetch%s  sent today %ld, in all %ld\n", v[i].name,
		       cfg->state_machine && strcmp(v[i].name, cfg->state_machine) == 0 ? "*" : " ",
		       at, (long long)(age < 0 ? 0 : age), (long long)v[i].pid, v[i].claims,
		       v[i].claims == 1 ? "" : "s", v[i].fetching, v[i].fetching == 1 ? "" : "es",
		       strcmp(v[i].sent_day, today) == 0 ? v[i].sent_today : 0, v[i].sent_total);
	}
	free(v);
	return 0;
}

static int
count_arg(const char *s, size_t *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 10000)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* The subscribers (stored or of the file) who receive nothing: paused, unsubscribed,
 * suppressed, with the reason. */
static int
print_inactive(struct pb_state *st, const struct pb_config *cfg)
{
	struct pb_sub_row *v;
	struct pb_buf a = { 0 }, b = { 0 };
	size_t n, shown = 0;

	if (pb_sub_list(st, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].state, "active") == 0)
			continue;
		if (!shown++)
			printf("\nsubscribers receiving nothing:\n");
		printf("  %-20s %-12s %-7s %s\n", clean(&a, cfg, v[i].name), v[i].state,
		       v[i].settings ? "stored" : "config",
		       v[i].reason ? clean_whole(&b, cfg, v[i].reason, 1) : "-");
	}
	pb_buf_free(&b);
	pb_buf_free(&a);
	pb_sub_rows_free(v, n);
	return 0;
}

/* The destinations that get nothing until `subscriber resume`: refused, blocked, gone or
 * unsubscribed by their reader, with the reason and since when; a webhook's whose URL has
 * changed since is said to be outdated. */
static int
print_suppressed(struct pb_state *st, const struct pb_config *cfg)
{
	struct pb_suppress_row *v;
	struct pb_buf a = { 0 }, b = { 0 }, c = { 0 };
	size_t n;

	if (pb_suppress_list(st, NULL, &v, &n) < 0)
		return -1;
	if (n)
		printf("\nsuppressed destinations (`paperboy subscriber resume NAME` lifts them):\n");
	for (size_t i = 0; i < n; i++) {
		char since[32] = "-";
		time_t t = (time_t)v[i].since;
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(since, sizeof since, "%Y-%m-%d %H:%M UTC", &tm);
		/* a destination is named without its secret ("webhook"); one stored by an older
		 * version under its URL is masked */
		clean(&b, cfg, v[i].dest);
		printf("  %-20s %-9s %s since %s  %s%s\n", clean(&a, cfg, v[i].subscriber),
		       v[i].channel, pad(&b, 28), since,
		       v[i].reason ? clean_whole(&c, cfg, v[i].reason, 1) : "-",
		       pb_suppress_outdated(cfg, &v[i])
		       ? " (outdated: webhook changed since; lifted at the next run)" : "");
	}
	pb_buf_free(&c);
	pb_buf_free(&b);
	pb_buf_free(&a);
	pb_suppress_rows_free(v, n);
	return 0;
}

int
pb_cmd_status(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	struct pb_buf path = { 0 };
	struct stat sb;
	char where[320];
	size_t n_runs = 10, n_errors = 10;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		int runs = strcmp(argv[i], "--runs") == 0;

		if ((runs || strcmp(argv[i], "--errors") == 0) && i + 1 < argc &&
		    count_arg(argv[i + 1], runs ? &n_runs : &n_errors) < 0) {
			/* say which value, not the usage line alone */
			fprintf(stderr, "paperboy: status: %s %s: give a count from 0 to 10000\n",
				argv[i], argv[i + 1]);
			return EX_USAGE;
		}
		if ((runs || strcmp(argv[i], "--errors") == 0) && i + 1 < argc) {
			i++;
		} else {
			return pb_cli_bad_arg("status", argv[i]);
		}
	}
	cfg = pb_cli_load_config(config_path);
	if (!cfg)
		return EX_CONFIG;
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	printf("state: %s\n", pb_cli_state_where(cfg, where, sizeof where));
	print_daemon(cfg);
	if (!pb_cli_state_exists(cfg) && stat(path.data, &sb) < 0) {
		/* Status only looks: it does not create a state that is not there. */
		print_schedule(cfg, NULL);
		printf("\nno state yet (%s)\n", errno == ENOENT ? "nothing has run" : strerror(errno));
		goto out;
	}
	/* Read-only: status works on a read-only mount and beside a running daemon. */
	if ((rc = pb_cli_open_state_rc(cfg, PB_STATE_READ, &st)) != 0) {
		if (rc != EX_TEMPFAIL)
			rc = EX_NOINPUT;
		goto out;
	}
	print_schedule(cfg, st);
	if (print_runs(st, cfg, n_runs) < 0 || print_outbox(st) < 0 ||
	    print_machines(st, cfg) < 0 ||
	    print_inactive(st, cfg) < 0 || print_suppressed(st, cfg) < 0 ||
	    print_errors(st, cfg, n_errors) < 0) {
		fprintf(stderr, "paperboy: reading the state failed: %s\n", pb_state_errmsg(st));
		rc = EX_IOERR;
	}
out:
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = EX_IOERR;
	pb_state_close(st);
	pb_buf_free(&path);
	pb_config_free(cfg);
	return rc;
}
