/* The channel interface. A channel declares what it is (name, the formats it is built from, a
 * subscriber's destinations on it), turns one rendered digest into the payloads it sends (one
 * outbox message each), and carries them: it prepares a libcurl easy handle for one outbox
 * message (or writes it itself, or hands it to its session pool), classifies the answer (sent,
 * retry after N s, permanent, pause the destination) and names the pacing keys the message is
 * subject to. Its configuration keys are rows in src/config/table.c (flagged KF_DEST when they
 * name a destination), so loading, `check`, the man page and the example stay in step.
 * The run cycle, preview, check, status and retry only loop over the table in channels.c.
 * Adding a channel: one file here, a row in channels.c (and its extern below), rows in the
 * config table. See "Adding a channel" in doc/channels.md. */
#ifndef PAPERBOY_DELIVER_CHANNEL_H
#define PAPERBOY_DELIVER_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/render.h"
#include "paperboy/state.h"

enum pb_verdict {
	PB_V_SENT = 0,     /* the server accepted the message */
	PB_V_TRANSIENT,    /* try again later (retry_after_s when the server said when) */
	PB_V_PERMANENT,    /* never retried; reason holds the server's words */
	PB_V_PAUSED,       /* the destination refuses us until a person acts (bot blocked) */
	PB_V_REDIRECT,     /* the destination moved to new_dest (Telegram supergroup) */
};

struct pb_result {
	enum pb_verdict verdict;
	long retry_after_s;        /* TRANSIENT: the delay the server asked for, -1 = none */
	char reason[512];          /* server's words, or curl's; never a secret */
	char new_dest[64];         /* REDIRECT */
	int deferred;              /* TRANSIENT: a refusal for good of what the message goes
				    * through, not of the message (an SMTP session's login, a
				    * blocklist): it waits for the installation to be mended */
	int suppress;              /* PERMANENT: the destination itself is refused for good (an
				    * address refused at RCPT, a webhook gone): it is
				    * suppressed until `subscriber resume` */
	int addr_refused;          /* PERMANENT, SMTP: the recipient's address itself (what
				    * suppress says, or one this server cannot take without
				    * SMTPUTF8), not the server's dealings with us (an
				    * authentication, a policy, the sender refused) */
	char hold[96];             /* TRANSIENT: a pacing key of the channel's (its pace)
				    * under which every message waits as long as this one
				    * (retry_after_s, else its backoff), the limit being wider
				    * than the destination (Discord's global 429, Cloudflare's ban
				    * of the address); "" = this destination alone */
};

/* Caps what is kept of a server's answer: answers are short JSON or "ok". */
#define PB_XFER_MAX_BODY 65536

/* One transfer in flight. The loop owns it; a channel's prepare fills the request parts. */
struct pb_xfer {
	struct pb_outbox_msg *msg;       /* borrowed from the loop's batch */
	const struct pb_config *cfg;
	CURL *easy;
	struct curl_slist *list;         /* HTTP headers; freed by the loop */
	struct pb_buf url;               /* may hold a secret (webhook, bot token): never log */
	struct pb_buf body;              /* a rewritten payload (Telegram chat_id), or the SMTP
					  * recipient <addr> */
	const char *send;                /* what is uploaded (email) or posted (chat): the
					  * outbox payload or body; borrowed */
	size_t send_len, send_off;
	struct pb_buf resp;              /* HTTP answer body, at most PB_XFER_MAX_BODY */
	char retry_after[64];            /* HTTP: the Retry-After header value */
	char rate_scope[16];             /* HTTP: X-RateLimit-Scope (Discord: "user", "global",
					  * "shared"), "global" too for X-RateLimit-Global: true */
	char errbuf[CURL_ERROR_SIZE];    /* curl's own words */
	int64_t started_ms;
	size_t slot;                     /* the loop's bookkeeping */
};

/* A pacing rule: at most one message per interval_ms under key. */
struct pb_pace {
	char key[96];
	long interval_ms;
};

struct pb_stage_group;

struct pb_channel {
	const char *name;   /* the outbox channel name, `preview --format NAME` */
	const char *title;  /* for people: "email", "Slack webhooks", ... */
	unsigned formats;   /* the formats (1u << PB_FMT_x) its payloads are built from */
	/* Appends to out (pb_parts_push, malloc'd strings) the subscriber's destinations on this
	 * channel, as the outbox names them (an address, a chat id, "webhook" for a secret URL);
	 * none when the subscriber does not use the channel. c->formats is set for the file
	 * sink, which keeps every format the others use. */
	void (*dests)(const struct pb_chan_ctx *c, struct pb_parts *out);
	/* For a channel whose destination is a secret named "webhook": the subscriber's URL it
	 * stands for (NULL or "" when none), which a suppression remembers by its fingerprint
	 * (pb_channel_dest_fp). NULL for a channel whose destinations name themselves. */
	const char *(*secret)(const struct pb_subscriber *sub);
	/* Whether destinations a and b, as the outbox names them, are one (an address's domain
	 * is in any case). NULL: byte for byte. */
	int (*same_dest)(const char *a, const char *b);
	/* For `check`, a channel that counts no destinations describes itself. Optional. */
	void (*describe)(const struct pb_config *cfg, struct pb_buf *out);
	/* Sets what the renderers need from this channel (chat id, unsubscribe links). Optional. */
	void (*render_opts)(const struct pb_chan_ctx *c, struct pb_render_opts *ro);
	/* Builds the payloads for one destination, in order (one outbox message each). msg_id is
	 * the outbox id of the first part (email: its Message-ID). NULL = the parts of the
	 * channel's one format, as rendered. Returns 0, or -1 with err filled. */
	int (*build)(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
		     struct pb_parts *out, char *err, size_t errlen);
	/* Sets up x->easy (after the loop's common settings) for x->msg. Returns 0, or -1 with
	 * a reason in err when the message can never be sent this way (channel not configured,
	 * bad destination): the loop records a permanent failure. NULL for local channels. */
	int (*prepare)(struct pb_xfer *x, char *err, size_t errlen);
	/* Classifies a finished transfer from curl's code and what the server said. */
	void (*classify)(struct pb_xfer *x, CURLcode rc, struct pb_result *r);
	/* Channels with sessions of their own (email): checks m can go this way (0, or -1 with
	 * a reason: a permanent failure); the loop then hands it to the SMTP session pool. */
	int (*check)(const struct pb_outbox_msg *m, const struct pb_config *cfg, char *err,
		     size_t errlen);
	/* Local channels deliver synchronously instead (file sink). */
	void (*write)(const struct pb_outbox_msg *m, const struct pb_config *cfg,
		      struct pb_result *r);
	/* Local channels that make writes durable in groups (file sink; optional, the delivery
	 * loop's way in place of write): stage writes m where no reader sees it yet, in the
	 * group *g (begun when NULL); 0, or -1 with r filled (m is not in the group). finish
	 * makes the group's writes visible and durable together (one sync for all, not one
	 * each), fills res[i] for the i-th staged message and frees g. */
	int (*stage)(struct pb_stage_group **g, const struct pb_outbox_msg *m,
		     const struct pb_config *cfg, struct pb_result *r);
	void (*finish)(struct pb_stage_group *g, struct pb_result *res, size_t n);
	/* Fills up to max pacing rules for m; returns how many. NULL = no pacing. */
	int (*pace)(const struct pb_outbox_msg *m, const struct pb_config *cfg,
		    struct pb_pace *p, int max);
};

/* The channels, one per file; their order in the table (channels.c) is the order a digest's
 * messages are written to the outbox. */
extern const struct pb_channel pb_channel_email;
extern const struct pb_channel pb_channel_slack;
extern const struct pb_channel pb_channel_telegram;
extern const struct pb_channel pb_channel_wecom;
extern const struct pb_channel pb_channel_dingtalk;
extern const struct pb_channel pb_channel_file;
extern const struct pb_channel pb_channel_matrix;
extern const struct pb_channel pb_channel_discord;
extern const struct pb_channel pb_channel_ntfy;
extern const struct pb_channel pb_channel_feishu;
extern const struct pb_channel pb_channel_webhook;

/* Notes in hints the pieces of doc (a rendered document, whole) that are the run's cached
 * blocks bl, each block cut in pieces hashed once a run (its memo's raw pieces). */
void pb_chan_block_hints(const struct pb_blocks *bl, const char *doc, struct pb_body_hints *hints);

/* Appends a copy of s to out when s is set and not empty (a dests helper). */
void pb_chan_dest(struct pb_parts *out, const char *s);

/* Appends to out the Markdown digest md (PB_FMT_MD) as a chat shows it (chat_md.c): past its
 * front matter, without the table of contents, the in-page anchors and the "---" rules, blank
 * lines collapsed, no trailing newline. */
void pb_chat_md(const char *md, struct pb_buf *out);
/* Appends s with every ~ outside a link's target and a code span escaped (\~), for GFM chats
 * that strike text out between ~~ (Discord, ntfy). */
void pb_chat_md_tildes(const char *s, struct pb_buf *out);

/* Pure classifiers, shared with the fuzz targets and unit tests. body need not be
 * NUL-terminated; retry_after may be NULL. */
void pb_slack_classify_answer(long status, const char *body, size_t len,
			      const char *retry_after, struct pb_result *r);
void pb_telegram_classify_answer(long status, const char *body, size_t len,
				 struct pb_result *r);
/* Matrix: the client-server API's answer to a send (JSON errcode/error, retry_after_ms) and
 * the Retry-After header (may be NULL). */
void pb_matrix_classify_answer(long status, const char *body, size_t len,
			       const char *retry_after, struct pb_result *r);
/* The Matrix transaction id of an outbox message: "pb" and 32 hex digits of the SHA-256 of
 * msg_id, URL-safe, the same for every attempt of the message. */
#define PB_MATRIX_TXN_LEN 35
void pb_matrix_txn_id(const char *msg_id, char out[PB_MATRIX_TXN_LEN]);
/* Converts the Telegram renderer's HTML s[0..n) into an event's formatted_body (the same
 * tags, newlines as <br> outside <pre>) and its plain body (tags dropped, entities decoded, a
 * link's URL after its text), appending to html and plain. */
void pb_matrix_from_telegram(const char *s, size_t n, struct pb_buf *html, struct pb_buf *plain);
/* The m.room.message contents (JSON, malloc'd, appended to out) for a digest rendered as
 * Telegram sendMessage bodies: their texts packed in order into as few events as hold at most
 * 16 KB of HTML each. msgtype NULL = "m.notice". Returns 0, or -1 with err filled. */
int pb_matrix_payloads(const struct pb_parts *telegram, const char *msgtype, struct pb_parts *out,
		       char *err, size_t errlen);
/* WeCom: the errcode of a JSON answer; 45009 and 429 (without Retry-After) wait
 * limit_wait_s. */
void pb_wecom_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			      long limit_wait_s, struct pb_result *r);
/* DingTalk: the errcode of a JSON answer; 130101 / 410100 (too fast) wait limit_wait_s. */
void pb_dingtalk_classify_answer(long status, const char *body, size_t len, long limit_wait_s,
				 struct pb_result *r);
/* Appends webhook to url, signed when secret is set: &timestamp=ms&sign=urlencode(base64(
 * HMAC-SHA256(secret, "<ms>\n<secret>"))). Returns 0, or -1 when libcrypto fails. */
int pb_dingtalk_sign_url(struct pb_buf *url, const char *webhook, const char *secret,
			 int64_t ms);
/* Discord: the HTTP status, the JSON answer, the Retry-After and X-RateLimit-Scope header
 * values (x->rate_scope; either may be NULL). A global 429, or one that is not the API's (no
 * scope, or not its JSON: Cloudflare's ban of the address), holds every Discord message
 * (r->hold). */
void pb_discord_classify_answer(long status, const char *body, size_t len,
				const char *retry_after, const char *scope, struct pb_result *r);
/* ntfy: the HTTP status, the JSON answer, the Retry-After header value (may be NULL). */
void pb_ntfy_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			     struct pb_result *r);
/* Feishu: the HTTP status, the JSON answer and the wait hint (x-ogw-ratelimit-reset or
 * Retry-After, may be NULL). */
void pb_feishu_classify_answer(long status, const char *body, size_t len, const char *hint,
			       struct pb_result *r);
/* The JSON webhook: the HTTP status, the answer and its Retry-After (may be NULL). */
void pb_webhook_classify_answer(long status, const char *body, size_t len,
				const char *retry_after, struct pb_result *r);
/* SMTP: curl's code, the last reply code and line. */
void pb_smtp_classify(CURLcode rc, long code, const char *reply, const char *curl_err,
		      struct pb_result *r);
/* Classifies a transport failure (no usable answer) as transient or permanent. */
void pb_classify_curl(CURLcode rc, const char *curl_err, struct pb_result *r);

/* ---- the SMTP wire format (smtp_reply.c) ---- */
/* Reads SMTP replies: complete replies go to the callback with their code and text, the first
 * line as written ("550 5.1.1 ...", a multi-line reply's "550-" written "550 ") then the words
 * of the later lines, each after a space; one printable line of at most 511 bytes. */
struct pb_smtp_reader {
	char line[1024];
	size_t len;
	int in_reply, code;
	char text[512];     /* the reply's lines joined, printable, cut to fit */
	char esc[12];       /* its first line's enhanced status code, "" for none */
};
typedef int (*pb_smtp_reply_fn)(void *ctx, int code, const char *text);
void pb_smtp_reader_init(struct pb_smtp_reader *rd);
/* Feeds n bytes. Returns 0, or -1 on a malformed reply or when the callback returned
 * non-zero. */
int pb_smtp_read(struct pb_smtp_reader *rd, const char *p, size_t n, pb_smtp_reply_fn cb,
		 void *ctx);
/* Whether a 5xx refusal at RCPT (code, the reader's text) is of the recipient's address
 * itself, which is then suppressed: 1, or 0 when it is of our dealings with the server (an
 * authentication, a policy, the sender from, a command or parameter the server did not take)
 * or of the message. */
int pb_smtp_refuses_address(int code, const char *text, const char *from);
/* What one line of an EHLO reply offers ("250-SIZE 10240000", with or without its line end,
 * as libcurl hands it over): PB_SMTP_EXT_* bits, 0 for none or a line that is no 250; with
 * SIZE, *size_max is its limit (RFC 1870 4), 0 when it names none, names 0, or names more
 * than 2^40 bytes. */
enum { PB_SMTP_EXT_PIPELINING = 1, PB_SMTP_EXT_SIZE = 2, PB_SMTP_EXT_SMTPUTF8 = 4 };
int pb_smtp_ehlo_line(const char *p, size_t len, size_t *size_max);
/* Appends the message s with lines opening with '.' stuffed, then CRLF . CRLF. */
void pb_smtp_stuff(struct pb_buf *out, const char *s, size_t len);

/* ---- SMTP sessions (smtp_session.c) ----
 * The email channel's transfers: sessions opened by libcurl (CONNECT_ONLY: TLS, STARTTLS,
 * AUTH), mail transactions written over them, pipelined when the server offers PIPELINING. */

struct pb_smtp_pool;
/* A message's result is known; x belongs to the caller again. */
typedef void (*pb_smtp_done_fn)(void *ctx, struct pb_xfer *x, const struct pb_result *res);
struct pb_smtp_pool *pb_smtp_pool_new(const struct pb_config *cfg, int max_sessions,
				      pb_smtp_done_fn done, void *ctx);
/* Ends every session at once (a time limit): each message begun on a session finishes through
 * the callback, as transient with why (or with the refusal already heard); messages not begun
 * are dropped unrecorded and stay with the caller (pending in the state). Free the pool after. */
void pb_smtp_pool_cut(struct pb_smtp_pool *p, const char *why);
/* Frees the pool; messages still carried are dropped unrecorded (they stay pending). */
void pb_smtp_pool_free(struct pb_smtp_pool *p);
/* Scales every wait of the SMTP sessions for the server (RFC 5321 4.5.3.2's, in minutes) in
 * this process: a minute lasts ms milliseconds (60000 again with 0). For tests, which cannot
 * wait minutes. */
void pb_smtp_timeouts_for_tests(long ms);
int pb_smtp_check(const struct pb_outbox_msg *m, const struct pb_config *cfg, char *err,
		  size_t errlen);
/* Whether a message submitted now is taken. */
int pb_smtp_pool_room(const struct pb_smtp_pool *p);
/* Takes x (x->msg set). Returns 0, or 1 when no session could take it. The result may come
 * at once, through the callback. */
int pb_smtp_pool_submit(struct pb_smtp_pool *p, struct pb_xfer *x);
/* The sockets to wait for; then pb_smtp_pool_step with the same array after the wait. */
int pb_smtp_pool_fds(struct pb_smtp_pool *p, struct curl_waitfd *fds, int max);
/* Milliseconds until the pool needs a step without socket activity, -1 = none. */
long pb_smtp_pool_timeout_ms(const struct pb_smtp_pool *p);
void pb_smtp_pool_step(struct pb_smtp_pool *p, const struct curl_waitfd *fds, int nfds);
/* The most sockets pb_smtp_pool_fds fills for max_sessions sessions. */
#define PB_SMTP_FDS_PER_SESSION 4

/* Rewrites the "chat_id" of a Telegram JSON body to chat (numeric ids as numbers). Returns
 * a malloc'd body, or NULL when body is not a JSON object. */
char *pb_telegram_set_chat(const char *body, size_t len, const char *chat);

/* ---- chat robots' Markdown (robot_md.c) ---- */
#define PB_RMD_ITALIC 1u   /* the dialect has *italic* (and so _ may emphasise) */
#define PB_RMD_BREAKS 2u   /* a line break is written "  \n" (two spaces first) */
#define PB_RMD_LISTS 4u    /* the dialect has lists: an escaped list marker (a line's "\- ",
			    * "1\. ", "2\) ") is written full-width too */
/* Appends the Markdown digest body md (pb_md_body) rewritten for a chat robot's dialect:
 * every character escaped with a backslash (outside text) as its full-width form, so that no
 * parser reads it as markup; headings, bold, inline code and http(s) links kept; HTML
 * anchors, rules and in-page or relative links (their text stays) dropped. */
void pb_robot_md(struct pb_buf *out, const char *md, unsigned flags);

/* ---- signed webhooks (sign.c) ---- */
/* Appends base64(HMAC-SHA256(key, msg)) to out. Returns 0, or -1 when libcrypto fails. */
int pb_sign_hmac_sha256_b64(const void *key, size_t klen, const void *msg, size_t mlen,
			    struct pb_buf *out);
/* Appends s percent-encoded, every byte but the RFC 3986 unreserved ones (A-Z a-z 0-9 - _ . ~). */
void pb_sign_urlencode(struct pb_buf *out, const char *s);
/* ---- Feishu / Lark (feishu.c) ---- */
/* A request body's limit: Feishu documents 20 KB for a custom bot. */
#define PB_FEISHU_MAX_BODY 20000
/* Feishu's signature of timestamp ts with secret: base64 of HMAC-SHA256 keyed with
 * "<ts>\n<secret>" over an empty message, into out (n >= 45). Returns 0, or -1. */
int pb_feishu_sign(const char *secret, long long ts, char *out, size_t n);
/* The "post" bodies of a Markdown digest (with its front matter): its title, then its body as
 * a chat shows it (pb_chat_md: no table of contents) split so that each body, signed, stays
 * within PB_FEISHU_MAX_BODY; appended to out.
 * Returns 0, or -1 with err filled. */
int pb_feishu_posts(const char *md, struct pb_parts *out, char *err, size_t errlen);

/* ---- the JSON webhook (webhook.c) ---- */
/* The X-Paperboy-Signature value past "sha256=": lowercase hex of HMAC-SHA256 keyed with
 * secret over "<ts>." followed by the len bytes of body, into out (n >= 65). Returns 0, or
 * -1. */
int pb_webhook_sign(const char *secret, long long ts, const char *body, size_t len, char *out,
		    size_t n);

/* Completes an HTTP channel's request for x: the URL in x->url, the headers already in x->list
 * with a JSON Content-Type added (and no "Expect: 100-continue" round trip), and the body
 * x->send (the outbox payload when x->send is NULL), posted, or sent with method ("PUT") when
 * not NULL. */
void pb_xfer_json(struct pb_xfer *x, const char *method);

/* The answer of a robot that says {"errcode": N, "errmsg": "..."} (WeCom, DingTalk). Returns
 * 1 with *ec set and r->reason "errcode N: errmsg" when the service refused the message, for
 * the channel to classify; else 0 with r decided: sent (errcode 0 with a 2xx) or, when no
 * errcode came (a proxy, a gateway), transient for 408, 5xx, no answer and a 2xx that did not
 * say the message was taken, permanent otherwise. */
int pb_errcode_answer(long status, const char *body, size_t len, long *ec, struct pb_result *r);

/* Copies at most n-1 bytes of s into dst as printable single-line text. */
void pb_reason_copy(char *dst, size_t n, const char *s, size_t len);

#endif
