/* One full cycle for an announcement date: fetch, match, summarize, render, enqueue, deliver.
 * Used by `paperboy run` and by the daemon. */
#ifndef PAPERBOY_RUN_H
#define PAPERBOY_RUN_H

#include <signal.h>
#include <stddef.h>

#include "paperboy/config.h"
#include "paperboy/state.h"

struct pb_run_opts {
	const char *date;               /* announcement date YYYY-MM-DD, NULL = the latest (RSS) */
	const char *feed;               /* read this saved response instead of the network */
	int dry_run;                    /* fetch, match, render; enqueue and send nothing */
	const char *only;               /* one subscriber's name, or NULL */
	const char *expect_date;        /* latest run only: the date the calendar expects; an older
					 * feed is PB_RUN_STALE. NULL = take what the feed says */
	int deliver_wait_s;             /* how long delivery waits for retries before returning */
	int deliver_limit_s;            /* > 0: the whole delivery phase ends after this many
					 * seconds, transfers in flight included (cut off, retried
					 * later); 0: no limit */
	int progress;                   /* progress on stderr (a terminal) */
	volatile sig_atomic_t *stop;    /* set by SIGTERM: take no new work */
};

enum pb_run_status {
	PB_RUN_OK = 0,                  /* digests enqueued (and delivered as far as possible) */
	PB_RUN_NO_ANNOUNCEMENT,         /* empty feed or arXiv holiday: no digests (or notes) */
	PB_RUN_STALE,                   /* the feed is still the previous announcement */
	PB_RUN_ALREADY_DONE,            /* this date was completed before; only the outbox resumed */
	PB_RUN_FAILED,                  /* err says why */
};

struct pb_run_report {
	enum pb_run_status status;
	char date[16];                  /* the announcement date processed */
	long papers, digests, messages; /* fetched, built, enqueued */
	long sent, failed, pending;     /* delivery results */
	long held;                      /* of pending: held, their subscriber not in the
					 * configuration */
	long deferred;                  /* results that deferred a message for a refusal for
					 * good of the session (an SMTP login, a blocklist) */
	int sysexit;                    /* the sysexits.h code `paperboy run` should return */
	int arxiv_denied;               /* arXiv answered 403 (PB_FETCH_DENIED_WHY): nothing more
					 * is to be asked of it before the next scheduled time */
	long retry_after_s;             /* the fetch's retry_after_s: arXiv asked not to be asked
					 * again for this many seconds (429 or 503 with a
					 * Retry-After not waited out), 0 = no such request */
	double ms_fetch, ms_match;      /* wall time per stage */
	double ms_build;                /* summarize + render + enqueue */
	double ms_render;               /* of ms_build: summarizing, rendering and building the
					 * messages, without the state's writes */
	double ms_deliver;
};

/* Runs one cycle. st may be NULL only with dry_run. Returns the status (also in rep). */
enum pb_run_status pb_run_cycle(const struct pb_config *cfg, struct pb_state *st,
				const struct pb_run_opts *o, struct pb_run_report *rep,
				char *err, size_t errlen);

/* Records a run of date (kind "run" or "only") that failed with err, with papers fetched, so
 * that status shows it, unless the newest run is that same failure (a daemon polling an
 * unreachable source or a stale feed again): status would show nothing else. Returns 0 (also
 * when not recorded again), or -1 when the state refused (logged as state.run_record). */
int pb_run_record_failed(struct pb_state *st, const char *date, const char *kind, long papers,
			 const char *err);

#endif
