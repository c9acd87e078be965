/* paperboy run: one full cycle for an announcement date. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/lock.h"
#include "paperboy/log.h"
#include "paperboy/run.h"
#include "paperboy/state.h"

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* --wait: whole seconds, 0 to a day. */
static int
wait_arg(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

int
pb_cmd_run(int argc, char **argv, const char *config_path)
{
	struct pb_run_opts o;
	struct pb_run_report rep;
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	struct pb_lock *lock = NULL;
	struct sigaction sa;
	char err[1024] = "";
	int rc;

	memset(&o, 0, sizeof o);
	o.deliver_wait_s = 60;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--date") == 0 && i + 1 < argc) {
			o.date = argv[++i];
			if (pb_cli_date_arg("run", o.date) < 0)
				return EX_USAGE;
		} else if (strcmp(argv[i], "--feed") == 0 && i + 1 < argc) {
			o.feed = argv[++i];
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			o.only = argv[++i];
		} else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc) {
			if (wait_arg(argv[++i], &o.deliver_wait_s) < 0) {
				fprintf(stderr, "paperboy: --wait wants seconds (0 to 86400), not %s\n",
					argv[i]);
				return EX_USAGE;
			}
			/* S > 0 bounds the whole delivery phase, transfers in flight too. 0 waits
			 * for no retry but lets what is in flight finish within its own timeouts:
			 * a cut transfer may have been delivered and would go again. */
			o.deliver_limit_s = o.deliver_wait_s;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			o.dry_run = 1;
		} else {
			return pb_cli_bad_arg("run", argv[i]);
		}
	}
	cfg = pb_cli_load_config(config_path);
	if (!cfg)
		return EX_CONFIG;
	if (o.only && !pb_config_subscriber(cfg, o.only)) {
		char near[96];

		fprintf(stderr, "paperboy: no subscriber named %s in %s%s\n", o.only, cfg->path,
			pb_cli_did_you_mean(cfg, o.only, near, sizeof near));
		rc = EX_USAGE;
		goto out;
	}
	if (!o.dry_run) {
		/* One paperboy per state directory: a run beside a running daemon could send a
		 * pending message twice. A directory that cannot be made or written is 73, one
		 * that another paperboy holds is 75 (try again later). */
		if (pb_mkdirs(cfg->state_dir) < 0) {
			fprintf(stderr, "paperboy: cannot create state directory %s: %s\n",
				cfg->state_dir, strerror(errno));
			rc = EX_CANTCREAT;
			goto out;
		}
		lock = pb_lock_acquire(cfg->state_dir, err, sizeof err);
		if (!lock) {
			rc = errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT;
			fprintf(stderr, "paperboy: %s\n", err);
			goto out;
		}
		if ((rc = pb_cli_open_state_rc(cfg, PB_STATE_CREATE, &st)) != 0)
			goto out;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	o.stop = &stop_flag;
	o.progress = isatty(STDERR_FILENO);

	switch (pb_run_cycle(cfg, st, &o, &rep, err, sizeof err)) {
	case PB_RUN_OK:
	case PB_RUN_ALREADY_DONE:
		rc = 0;
		if (!o.dry_run) {
			printf("%s: %ld papers, %ld digests, %ld messages enqueued; sent %ld, failed %ld, "
			       "pending %ld", rep.date, rep.papers, rep.digests, rep.messages, rep.sent,
			       rep.failed, rep.pending);
			/* said apart: they wait for a subscriber an administrator took out */
			if (rep.held > 0)
				printf(" (%ld held: subscriber not in the configuration)", rep.held);
			printf("\n");
		}
		break;
	case PB_RUN_NO_ANNOUNCEMENT:
		printf("%s: no announcement\n", rep.date);
		rc = 0;
		break;
	case PB_RUN_STALE:
		fprintf(stderr, "paperboy: %s\n", err);
		rc = EX_TEMPFAIL;
		break;
	default:
		fprintf(stderr, "paperboy: %s\n", err[0] ? err : "run failed");
		rc = rep.sysexit ? rep.sysexit : EX_SOFTWARE;
		break;
	}
	/* Old rows go as the daemon's daily prune sends them (retention_days), and their pages
	 * back to the file system: the timer's runs keep the state's size flat too. A failure
	 * (logged) costs space, not this run's result. */
	if (st && cfg->retention_days > 0)
		pb_state_prune(st, cfg->retention_days);
	/* Messages a server's refusal of the session itself (a wrong SMTP password, a sending
	 * host on a blocklist, a bot token refused) left waiting: they go once it is mended,
	 * without `retry`, but a run that sent none of them is no success either. */
	if (rc == 0 && rep.failed == 0 && rep.deferred > 0 && rep.pending > 0) {
		fprintf(stderr, "paperboy: %ld message%s wait%s: the server refused the session itself "
			"(a login or a token, logged above; `paperboy status` shows it); %s once "
			"that is mended, at the next run\n", rep.pending, rep.pending == 1 ? "" : "s",
			rep.pending == 1 ? "s" : "", rep.pending == 1 ? "it goes" : "they go");
		rc = EX_UNAVAILABLE;
	}
	/* Messages that failed or expired for good (a day's digest that will not arrive unless
	 * someone acts) make an otherwise good run exit 69, as sendmail does for a permanent
	 * failure. */
	if (rc == 0 && rep.failed > 0) {
		fprintf(stderr, "paperboy: %ld message%s could not be delivered (failed or expired "
			"for good); `paperboy status` shows why, `paperboy retry` sends %s again\n",
			rep.failed, rep.failed == 1 ? "" : "s", rep.failed == 1 ? "it" : "them");
		rc = EX_UNAVAILABLE;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = EX_IOERR;
out:
	pb_state_close(st);
	pb_lock_release(lock);
	pb_config_free(cfg);
	return rc;
}
