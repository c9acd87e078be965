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
	int limit_s;                    /* > 0: the whole delivery ends this many seconds after it
					 * began; transfers still in flight are cut off and recorded
					 * as transient failures (retried later, never marked sent),
					 * what has not begun stays pending. 0: no limit */
	int no_pacing;                  /* benchmarks only: switch off per-destination pacing */
	volatile sig_atomic_t *stop;    /* set by a signal handler: finish in-flight, take no more */
	int progress;                   /* print progress to stderr (a terminal) */
};

struct pb_deliver_stats {
	long sent, retried, failed, expired, paused, pending;
	long state_errors;              /* results that could not be recorded in the state */
};

/* Delivers due outbox messages until none is due within o->max_wait_s (or *stop, or the end of
 * o->limit_s). Each message is marked in the state as soon as its result is known. A result
 * that cannot be recorded stops delivery to that destination for this run (everything, when
 * SQLite rolled back the open transaction). Returns 0, or -1 with err filled when delivery
 * could not run at all or a result could not be recorded (stats->state_errors). */
/* How it behaves (src/deliver/):
 * - channels: "email" (SMTP sessions, one transaction per recipient, STARTTLS required unless
 *   email.tls = "none"), "slack" (the subscriber's webhook; dest is "webhook"), "telegram"
 *   (sendMessage, chat_id set from dest), "file" (<file.dir>/<digest_date>/<subscriber>/<dest>
 *   [-NN].eml|.json, or dest itself when it has an extension such as "digest.md").
 * - results: sent; transient (SMTP 4xx, HTTP 429/5xx, connection errors) retried with
 *   exponential backoff and jitter from delivery.retry_base_s, or the server's Retry-After /
 *   retry_after; failed (SMTP 5xx, Slack 4xx, Telegram 400) with the server's words; paused
 *   (Telegram 403 "bot was blocked by the user", "user is deactivated": every pending message
 *   of that chat); a migrated group is followed (pb_outbox_redirect). A message past
 *   created + lifetime, or whose next try would be, is expired; after max_attempts, failed.
 * - order: one message in flight per destination, parts in order; a part waiting for a retry
 *   holds the later parts (and later digests) of its destination back in the state too.
 * - one log line per delivery: event=deliver.attempt subscriber channel dest part=N/M status
 *   attempt ms error; never a webhook URL, bot token or password. */
int pb_deliver_run(struct pb_state *st, const struct pb_config *cfg,
		   const struct pb_deliver_opts *o, struct pb_deliver_stats *stats,
		   char *err, size_t errlen);

/* The longest URL or address a mail header can carry: it cannot be folded inside, so it must
 * fit on one continuation line (" <" token ">," within 998 octets). config check rejects a
 * longer email.unsubscribe_url or unsubscribe_mailto. */
#define PB_MAIL_TOKEN_MAX 990
/* The longest address of email.unsubscribe_mailto (after "mailto:"): "<mailto:" address ">,"
 * is a token of at most PB_MAIL_TOKEN_MAX + 2 octets, comma included. */
#define PB_MAIL_MAILTO_MAX (PB_MAIL_TOKEN_MAX - 8)

/* Builds a complete RFC 5322 message (multipart/alternative, text then html, UTF-8, encoded
 * so no line exceeds 998 octets, headers free of CR/LF injection). Every header is folded at
 * white space to about 78 characters (non-ASCII text as RFC 2047 encoded words, split between
 * characters); a URL or address longer than PB_MAIL_TOKEN_MAX is left out of
 * List-Unsubscribe (and cut in To, From and Message-ID, which no server would accept
 * anyway), so no line ever passes 998 octets. html may be NULL. msg_id is the stable id
 * without angle brackets. Returns a malloc'd message and *len. */
char *pb_mail_build(const struct pb_config *cfg, const char *to, const char *subject,
		    const char *text, const char *html, const char *msg_id, time_t date,
		    size_t *len);

#endif
