/* Delivery: the table of channels, which turn a rendered digest into outbox messages, and the
 * loop that sends what the outbox holds through each channel (curl multi) and records results.
 * Channels implement one interface inside src/deliver/ (channel.h). */
#ifndef PAPERBOY_DELIVER_H
#define PAPERBOY_DELIVER_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include "paperboy/config.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "paperboy/state.h"

enum { PB_BUILD_FAILED = -1, PB_BUILD_DONE = 0, PB_BUILDING = 1 };

struct pb_deliver_opts {
	int max_wait_s;                 /* how long to wait for retries due later before returning */
	int limit_s;                    /* > 0: the whole delivery ends this many seconds after it
					 * began; transfers still in flight are cut off and recorded
					 * as transient failures (retried later, never marked sent),
					 * what has not begun stays pending. 0: no limit */
	int no_pacing;                  /* benchmarks only: switch off per-destination pacing */
	int no_sync;                    /* benchmarks only: marks committed without a sync to disk
					 * (pb_state_durable off), the reference for its cost */
	volatile sig_atomic_t *stop;    /* set by a signal handler: finish in-flight, take no more */
	int progress;                   /* print progress to stderr (a terminal) */
	/* Set to PB_BUILDING while another thread enqueues digests (a run delivering as it
	 * builds, src/run.c): an outbox with nothing due is not the end then, it is looked at
	 * again every 10 ms, and a few transfers' worth are claimed at a time. When it turns to
	 * PB_BUILD_DONE, limit_s runs from that moment, and delivery goes on as a delivery of its
	 * own (max_wait_s, whole batches) with the sessions it has open; when it turns to
	 * PB_BUILD_FAILED, delivery finishes what is in flight, takes no more, and returns. */
	const atomic_int *building;
	/* Destinations left alone because a result could not be recorded (so that nothing goes
	 * twice on the strength of a record that is not there): those listed are left alone
	 * from the start, and the run adds its own. The run's delivery after the build takes
	 * them from the one during it. NULL: none carried. */
	struct pb_parts *left_alone;
};

struct pb_deliver_stats {
	long sent, retried, failed, expired, paused, pending;
	long deferred;                  /* of retried: deferred by a refusal for good of the
					 * session, not of the message (pb_result's deferred) */
	long held;                      /* of pending: held for subscribers not in the
					 * configuration (pb_outbox_hold), at the end */
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
 * - held: a message of a subscriber in no subscriber of cfg, not left out of its load
 *   (cfg->left_out) and not stored in the state (an administrator deleted its block) is not
 *   sent; it stays pending (pb_outbox_hold), looked at again every 15 minutes or so until its
 *   lifetime ends (expired then), and goes as soon as its subscriber is back, when its
 *   destination is still the subscriber's (pb_channel_dest_still); else it is expired
 *   (PB_OUTBOX_HELD_DROPPED) with a line event=deliver.held_dropped subscriber channel dest
 *   part reason. One line per such subscriber and run: event=deliver.held subscriber
 *   messages=N reason.
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

/* Appends s (NULL: nothing) to b as a quoted-printable body (RFC 2045): every line ending
 * of s (CRLF, LF or CR) becomes CRLF and the last line gets one; no line passes 76 octets
 * (soft breaks "=" CRLF at 75); '=', controls, 8-bit bytes, a space or tab ending a line and
 * a '.' opening a line are written =XX. Equal inputs give equal bytes, so a body encoded in
 * pieces that each end with a line ending is the same as the whole encoded at once. */
void pb_mail_qp(struct pb_buf *b, const char *s);
/* pb_mail_qp of the len bytes at s (a NUL among them is a byte like any other). */
void pb_mail_qp_n(struct pb_buf *b, const char *s, size_t len);
/* The length pb_mail_qp_n would append for the len bytes at s: what a message's part holds
 * of them, and what a mail reader's size limit counts. */
size_t pb_mail_qp_len(const char *s, size_t len);
/* At least pb_mail_qp_len of the same bytes, found in one scan that writes nothing: exact
 * for lines that need no soft break, over by about 3% of a longer one (room for soft breaks
 * and the '.' they may put first on a line). A cap met by the bound is met by the encoding. */
size_t pb_mail_qp_bound(const char *s, size_t len);
/* As pb_mail_qp_bound, for a piece of a text that may start and end inside a line: the sum
 * of the pieces' is at least the whole text's pb_mail_qp_len, so a piece's can be kept with
 * it (a paper's cached block) and added up instead of the whole being scanned. */
size_t pb_mail_qp_piece_bound(const char *s, size_t len);
/* The most pb_mail_qp_len can be for any len bytes (3.2 times them), found without reading
 * them: a text of a third of a cap meets it whatever it holds. */
size_t pb_mail_qp_most(size_t len);

/* Internationalised addresses for an SMTP server that does not offer SMTPUTF8 (RFC 6531):
 * a domain can go in ASCII, its A-labels ("ann@xn--bcher-kva.example" for
 * "ann@bücher.example", IDNA2008 with UTS #46 non-transitional mapping; libidn2, loaded at
 * its first use); a local part cannot. */
/* Appends the len bytes at d, a domain, in A-labels (an ASCII one as it is). Returns 0, or -1
 * with err (may be NULL) filled with IDNA's words when the domain has no such form. */
int pb_mail_domain_ascii(struct pb_buf *out, const char *d, size_t len, char *err,
			 size_t errlen);
/* Appends addr (len bytes, "local@domain") with its domain in A-labels. Returns 0; -1 when
 * its local part is not ASCII, -2 when IDNA refuses its domain; err says which. */
int pb_mail_addr_ascii(struct pb_buf *out, const char *addr, size_t len, char *err,
		       size_t errlen);
/* Appends msg (as pb_mail_build makes it) with every address of its header block in that
 * form; the body, quoted-printable, is ASCII already. Returns 0, or -1 with err filled (and
 * nothing appended) when a header would still not be ASCII: a local part that is not. */
int pb_mail_headers_ascii(struct pb_buf *out, const char *msg, size_t len, char *err,
			  size_t errlen);

/* Sends msg (a whole message, as pb_mail_build makes it) to the one address to through the
 * configured SMTP server now, on a session of its own, waiting at most timeout_s (<= 0: 30)
 * for the server's verdict. Not through the outbox and never retried: for a sign-up's
 * confirmation, whose page says at once whether it went. Returns 0 when the server took it;
 * -2 when the address itself was refused for good (a 5xx at RCPT that is not an
 * authentication nor a policy status, an address this server cannot take without SMTPUTF8,
 * one that cannot be written); -1 when it may go later (a 4xx reply, no connection, no answer
 * in time, or a refusal the installation has to mend: a wrong password, relaying denied). err is filled on failure (the server's
 * words, or why no session could be opened): outside text. */
int pb_mail_send_now(const struct pb_config *cfg, const char *to, const char *msg, size_t len,
		     int timeout_s, char *err, size_t errlen);

/* A recipient's own list headers (RFC 2369, RFC 8058, RFC 2919) when the web endpoint is
 * on: unsub_url (base/u/TOKEN) goes first in List-Unsubscribe, with
 * email.unsubscribe_mailto after it, List-Unsubscribe-Post says One-Click, and List-Id is
 * list_id. A NULL field keeps the static email.unsubscribe_url behaviour. */
struct pb_mail_list {
	const char *unsub_url;
	const char *list_id;     /* "<label.host>" as pb_mail_list_id writes it */
};
/* pb_mail_build with a recipient's list headers (l may be NULL: pb_mail_build). */
char *pb_mail_build_list(const struct pb_config *cfg, const char *to, const char *subject,
			 const char *text, const char *html, const char *msg_id, time_t date,
			 const struct pb_mail_list *l, size_t *len);
/* pb_mail_build_list, the same bytes, built faster from where the run's cached blocks are in
 * text and html (text_blocks, html_blocks from pb_render_opts.blocks; either may be NULL):
 * their encoding is made once a run, and hints (when not NULL) gets the pieces of the
 * message whose hashes are known, for the state (pb_outbox_msg.hints). */
char *pb_mail_build_blocks(const struct pb_config *cfg, const char *to, const char *subject,
			   const char *text, const char *html, const char *msg_id, time_t date,
			   const struct pb_mail_list *l, const struct pb_blocks *text_blocks,
			   const struct pb_blocks *html_blocks, struct pb_body_hints *hints,
			   size_t *len);
/* Appends the List-Id value for subscriber under base_url's host: "<label.host>", label the
 * name with every character outside [A-Za-z0-9-] written '-' (at most 60 of them; "digest"
 * when nothing is left), host lowercased without port or user ("invalid" when base_url
 * has none). RFC 2919 syntax: a dot-atom in angle brackets. */
void pb_mail_list_id(struct pb_buf *out, const char *subscriber, const char *base_url);

/* ---- the channel table (src/deliver/channels.c) ---- */
struct pb_channel;

/* What a channel builds one subscriber's messages from. */
struct pb_chan_ctx {
	const struct pb_config *cfg;
	const struct pb_subscriber *sub;
	const struct pb_digest *d;          /* NULL while choosing formats and render options */
	const struct pb_parts *out;         /* [PB_FMT_COUNT], the rendered formats; NULL until
					     * rendered */
	unsigned formats;                   /* every format rendered for the subscriber */
	time_t now;
	/* The web endpoint's key when web is on (the reader's links: per-recipient unsubscribe,
	 * manage, feedback), NULL otherwise; and the subscriber's render options, which the
	 * email channel renders again per recipient with that recipient's links. */
	const struct pb_secret *secret;
	const struct pb_render_opts *ro;
	/* Where the email channel keeps the digest rendered once with stand-ins for a
	 * recipient's links, which it fills in per recipient (smtp.c); NULL renders each
	 * recipient's whole. The caller points it at a NULL pointer and frees what it holds with
	 * pb_mail_tpl_free after the subscriber's last destination. */
	struct pb_mail_tpl **mail_tpl;
	/* When set, a build that pushes one payload may note there the pieces of it whose
	 * hashes are known (pb_outbox_msg.hints); the caller empties it before each build. */
	struct pb_body_hints *hints;
};
struct pb_mail_tpl;
void pb_mail_tpl_free(struct pb_mail_tpl *t);      /* accepts NULL */

size_t pb_channel_count(void);
const struct pb_channel *pb_channel_at(size_t i);      /* i < pb_channel_count() */
const struct pb_channel *pb_channel_find(const char *name);   /* NULL when unknown */
const char *pb_channel_name(const struct pb_channel *ch);
const char *pb_channel_title(const struct pb_channel *ch);
unsigned pb_channel_formats(const struct pb_channel *ch);
/* 1 for a channel that writes its messages itself (the file sink): a destination of it is a
 * file of the subscriber's digest of the day, which a message to it again replaces; no reader
 * is sent it twice. 0 for the others. */
int pb_channel_local(const struct pb_channel *ch);
/* Appends to out what a channel that counts no destinations says of itself for `check` (the
 * file sink: its directory, or "off"). Returns 1, or 0 when it has nothing to say. */
int pb_channel_describe(const struct pb_channel *ch, const struct pb_config *cfg,
			struct pb_buf *out);
/* Appends the subscriber's destinations on ch to out (none: the channel is not used). */
void pb_channel_dests(const struct pb_channel *ch, const struct pb_chan_ctx *c,
		      struct pb_parts *out);
/* The fingerprint of the URL the subscriber's destination on ch stands for when its name
 * hides it ("webhook": Slack, Discord, Feishu, WeCom, DingTalk, the JSON webhook): the first
 * 16 hex digits of the URL's SHA-256, into out, which tells a new URL from the one a
 * suppression was about without keeping the secret (pb_suppress_put). Returns 1; 0 with out
 * "" for a channel whose destinations name themselves (an address, a chat id), a subscriber
 * without a URL there, or sub NULL. */
#define PB_DEST_FP_LEN 17
int pb_channel_dest_fp(const struct pb_channel *ch, const struct pb_subscriber *sub,
		       char out[PB_DEST_FP_LEN]);
/* Whether s, a webhook's suppression, is about another URL than its subscriber's in cfg (the
 * team's new webhook written since): the next run or delivery lifts it, and until then it
 * holds nothing. 0 when the subscriber is not in cfg to say, or the suppression names no URL
 * (a reader's unsubscribe, one from before fingerprints). */
struct pb_suppress_row;
int pb_suppress_outdated(const struct pb_config *cfg, const struct pb_suppress_row *s);
/* Whether dest, a destination on ch of a message made for a subscriber of sub's name (fp: the
 * fingerprint of the URL a "webhook" stood for then, pb_outbox_msg.fingerprint), is still
 * sub's: one of sub's destinations on ch (an address compared as addresses are, the domain
 * in any case; a chat or room as stored) and, for a webhook, the same URL. A message from
 * before the outbox kept fingerprints (fp NULL or "") is not taken for a webhook's. Returns
 * 1; 0 with why filled (for the log: never the URL). A local channel's (the file sink's
 * files of the name) are always 1. */
int pb_channel_dest_still(const struct pb_channel *ch, const struct pb_config *cfg,
			  const struct pb_subscriber *sub, const char *dest, const char *fp,
			  char *why, size_t whylen);
/* Builds the payloads for one destination (one outbox message each, in order); msg_id is the
 * outbox id of the first part. Returns 0, or -1 with err filled and out empty. */
int pb_channel_build(const struct pb_channel *ch, const struct pb_chan_ctx *c, const char *dest,
		     const char *msg_id, struct pb_parts *out, char *err, size_t errlen);
/* The formats one subscriber's channels need (the file sink's included, which keeps all of
 * them), and the render options they ask for. c->d may be NULL. */
unsigned pb_channels_formats(const struct pb_chan_ctx *c);
void pb_channels_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro);
/* The subscriber-wide reader's links (web on and c->secret set): the manage link without an
 * address into manage (kept by the caller while ro is used) and ro->manage_url, and the
 * feedback links' key, base and subject. Nothing changes when web is off. */
void pb_channels_links(const struct pb_chan_ctx *c, struct pb_render_opts *ro,
		       struct pb_buf *manage);
/* The outbox id of a message: "<date>/<subscriber>/<channel>/<dest>/<part>", then
 * "/g<generation>" when generation >= 0 (PB_MSG_ID_COMMON, negative, for none): given when
 * the outbox holds a former subscriber's digest of that name and date (pb_outbox_has_digest),
 * whose ids would otherwise be this one's; 0 too, a file's subscriber given the name of a
 * stored one removed. Its last segment is no number, as every other id's is: the two never
 * meet, whatever a destination holds. */
#define PB_MSG_ID_COMMON (-1)
void pb_channel_msg_id(struct pb_buf *b, const char *date, const char *sub, const char *channel,
		       const char *dest, int part, int64_t generation);

/* The file sink's folder of name's day made the subscriber of generation's, whose digest of
 * date is not built (nothing matched) while a former subscriber of the name has one (the
 * outbox holds its messages: pb_outbox_has_digest says 2): every file of the sink's names
 * there is removed (each logged, event=file.stale), the folder made when missing, and its
 * record names the build, so a former's message written later is settled unwritten
 * (event=file.former). Nothing when the sink is off. 0, or -1 with err filled. */
int pb_file_day_vacate(const struct pb_config *cfg, const char *date, const char *name,
		       int64_t generation, char *err, size_t errlen);

#endif
