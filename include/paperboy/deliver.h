/* Delivery: sends what the outbox holds through each channel (curl multi), records results.
 * Channels (email, slack, telegram, file) implement one interface inside src/deliver/. */
#ifndef PAPERBOY_DELIVER_H
#define PAPERBOY_DELIVER_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "paperboy/config.h"
#include "paperboy/state.h"

struct pb_deliver_opts {
	int max_wait_s;                 /* how long to wait for retries due later before returning */
	int no_pacing;                  /* benchmarks only: switch off per-destination pacing */
	volatile sig_atomic_t *stop;    /* set by a signal handler: finish in-flight, take no more */
	int progress;                   /* print progress to stderr (a terminal) */
};

struct pb_deliver_stats {
	long sent, retried, failed, expired, paused, pending;
};

/* Delivers due outbox messages until none is due within o->max_wait_s (or *stop). Each message
 * is marked in the state as soon as its result is known. Returns 0, or -1 with err filled when
 * delivery could not run at all (e.g. the state failed). */
int pb_deliver_run(struct pb_state *st, const struct pb_config *cfg,
		   const struct pb_deliver_opts *o, struct pb_deliver_stats *stats,
		   char *err, size_t errlen);

/* Builds a complete RFC 5322 message (multipart/alternative, text then html, UTF-8, encoded
 * so no line exceeds 998 octets, headers free of CR/LF injection). html may be NULL.
 * msg_id is the stable id without angle brackets. Returns a malloc'd message and *len. */
char *pb_mail_build(const struct pb_config *cfg, const char *to, const char *subject,
		    const char *text, const char *html, const char *msg_id, time_t date,
		    size_t *len);

#endif
