/* The daemon: sleeps until the next scheduled time, then runs the day's cycle (after catching
 * up on announcements it missed), keeps delivering what the outbox still holds, and answers
 * SIGTERM/SIGINT (finish, commit, exit 0) and SIGHUP (reload the config, keep the old one if
 * the new one is invalid). */
#ifndef PAPERBOY_DAEMON_H
#define PAPERBOY_DAEMON_H

struct pb_daemon_opts {
	const char *config_path;
	int foreground;      /* log to stderr even when it is not a terminal */
	int once;            /* do one wake-up's work now (catch-up, latest) and return; logs to
			      * stderr like foreground */
};

/* Where the daemon logs: 1 for syslog, 0 for stderr. stderr with foreground or once, when
 * stderr is a terminal, and when no syslog daemon listens on /dev/log to take the lines;
 * syslog otherwise. */
int pb_daemon_use_syslog(const struct pb_daemon_opts *o);

/* Runs until stopped. Returns a sysexits.h code: 0 after SIGTERM/SIGINT; with once, 0 when
 * every cycle succeeded, EX_TEMPFAIL when the feed stayed stale or the source unreachable
 * until the deadline, else the failed cycle's code;
 * EX_CONFIG for an invalid config at start, EX_TEMPFAIL when another instance holds the state
 * directory, EX_CANTCREAT when the state cannot be opened, EX_UNAVAILABLE when web is
 * enabled and its endpoint cannot start (pb_web_start). Without once, the web endpoint runs
 * beside the loop while web is enabled and stops with it. */
int pb_daemon_run(const struct pb_daemon_opts *o);

#endif
