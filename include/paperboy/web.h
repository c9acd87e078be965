/* The web endpoint's parts that other modules use: signed tokens, the key they are signed
 * with, form bodies, and the request/response a page handler sees (the server adapts
 * libmicrohttpd to them, so a handler is a plain function and its tests need no socket). */
#ifndef PAPERBOY_WEB_H
#define PAPERBOY_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"

struct pb_config;
struct pb_state;

/* ---- the key ---- */
#define PB_SECRET_LEN 32
struct pb_secret {
	unsigned char key[PB_SECRET_LEN];
};
/* Reads the key from path (PB_SECRET_LEN or more random bytes; the first PB_SECRET_LEN are
 * used). When path does not exist it is created with mode 0600 from the system's random
 * source (O_EXCL: two processes starting at once end with one key). A file readable by group
 * or others, or shorter than PB_SECRET_LEN, is refused. 0, or -1 with err filled (never the
 * key). */
int pb_secret_load(const char *path, struct pb_secret *out, char *err, size_t errlen);

/* ---- tokens ----
 * A token says: for this purpose, this subject (a subscriber's name), this detail (an address,
 * a paper id, a sign-up id; may be empty), until this instant. It is
 *   base64url(purpose "\n" subject "\n" detail "\n" expires) "." base64url(HMAC-SHA256)
 * with the HMAC over a version tag and the payload, keyed by the secret. URL-safe as it is.
 * Checking compares the MAC in constant time, then the purpose, then the expiry; a token is
 * never logged. */
#define PB_TOKEN_MAX 700         /* the longest token pb_token_make writes, with its NUL */
#define PB_TOKEN_FIELD_MAX 200   /* subject and detail, in bytes */
struct pb_token {
	char purpose[24];
	char subject[PB_TOKEN_FIELD_MAX + 1];
	char detail[PB_TOKEN_FIELD_MAX + 1];
	int64_t expires;         /* unix seconds */
};
enum pb_token_status {
	PB_TOKEN_OK,
	PB_TOKEN_MALFORMED,      /* not a token at all (length, alphabet, fields) */
	PB_TOKEN_FORGED,         /* the MAC does not match: another key, or altered */
	PB_TOKEN_PURPOSE,        /* a genuine token, for something else */
	PB_TOKEN_EXPIRED,
};
/* Writes the token into out (size n >= PB_TOKEN_MAX). purpose: [a-z0-9_-]{1,23}; subject and
 * detail: at most PB_TOKEN_FIELD_MAX bytes, no '\n' (detail may be NULL). 0 / -1 (bad field). */
int pb_token_make(const struct pb_secret *k, const char *purpose, const char *subject,
		  const char *detail, int64_t expires, char *out, size_t n);
/* Checks text against purpose at now. On PB_TOKEN_OK, *out holds the fields; otherwise *out
 * is zeroed except that PB_TOKEN_PURPOSE and PB_TOKEN_EXPIRED fill it (the token was
 * genuine). */
enum pb_token_status pb_token_check(const struct pb_secret *k, const char *text,
				    const char *purpose, int64_t now, struct pb_token *out);
/* "malformed", "forged", ... for logs and plain pages. */
const char *pb_token_status_name(enum pb_token_status s);
/* A short digest of a token (hex, 32 chars + NUL) to record "used" without keeping the token. */
void pb_token_digest(const char *text, char out[33]);

/* ---- links ----
 * Every link paperboy writes for a reader is base_url + a path + a token:
 *   PB_LINK_UNSUB     /u/TOKEN  subject = subscriber, detail = the address (or "channel:dest")
 *                               unsubscribed; valid PB_LINK_UNSUB_DAYS
 *   PB_LINK_MANAGE    /m/TOKEN  subject = subscriber, detail = the address it was sent to;
 *                               valid PB_LINK_MANAGE_DAYS
 *   PB_LINK_FEEDBACK  /f/TOKEN  subject = subscriber, detail = "<paper id> +" or "<paper id> -"
 *                               ("more like this" / "not for me"); valid PB_LINK_FEEDBACK_DAYS
 *   PB_LINK_CONFIRM   /c/TOKEN  subject = the sign-up's id, detail = its address; valid
 *                               PB_LINK_CONFIRM_DAYS
 * The purposes are the path letters' names: "unsub", "manage", "feedback", "confirm". */
enum pb_link { PB_LINK_UNSUB, PB_LINK_MANAGE, PB_LINK_FEEDBACK, PB_LINK_CONFIRM };
#define PB_LINK_UNSUB_DAYS 400
#define PB_LINK_MANAGE_DAYS 400
#define PB_LINK_FEEDBACK_DAYS 120
#define PB_LINK_CONFIRM_DAYS 2
/* The token purpose of kind ("unsub", ...). */
const char *pb_link_purpose(enum pb_link kind);
/* When a genuine token of kind was made: its expiry less the kind's lifetime. */
int64_t pb_link_issued(enum pb_link kind, const struct pb_token *t);
/* Appends base_url "/u/" TOKEN (etc.) to out, the token expiring the kind's days after now.
 * 0, or -1 when a field cannot be carried (too long, a newline). */
int pb_link_make(struct pb_buf *out, const char *base_url, const struct pb_secret *k,
		 enum pb_link kind, const char *subject, const char *detail, int64_t now);

/* ---- addresses and networks (web.trusted_proxies) ---- */
struct pb_cidr {
	int family;              /* AF_INET or AF_INET6 */
	int bits;                /* the prefix's length: 0 to 32, or 0 to 128 */
	unsigned char addr[16];  /* network order, the bits past the prefix zero */
};
/* Parses an address ("192.0.2.7", "2001:db8::1") or a network ("10.0.0.0/8",
 * "fd00::/8") into *out; an IPv4-mapped IPv6 one ("::ffff:10.0.0.0/104") as its IPv4 one.
 * 0, or -1 when text is neither. */
int pb_cidr_parse(const char *text, struct pb_cidr *out);
/* Whether the address addr (as pb_cidr_parse gives one, 32 or 128 bits) is in network c. */
int pb_cidr_has(const struct pb_cidr *c, const struct pb_cidr *addr);

/* ---- form bodies and query strings (application/x-www-form-urlencoded) ---- */
#define PB_FORM_MAX_FIELDS 64
struct pb_form_field {
	char *name, *value;      /* percent- and '+'-decoded, NUL-terminated */
	size_t value_len;        /* value's length (a decoded %00 is refused, so strlen works) */
};
struct pb_form {
	struct pb_form_field f[PB_FORM_MAX_FIELDS];
	size_t n;
};
/* Parses len bytes of s. Refuses (returns -1 with msg) a bad %-escape, a decoded NUL or
 * control character other than \t \r \n, invalid UTF-8, more than PB_FORM_MAX_FIELDS fields,
 * or a name longer than 64 bytes. On success 0 and *f is owned by the caller (pb_form_free). */
int pb_form_parse(const char *s, size_t len, struct pb_form *f, char *msg, size_t msglen);
/* The first value of name, or NULL. */
const char *pb_form_get(const struct pb_form *f, const char *name);
void pb_form_free(struct pb_form *f);

/* ---- requests and responses as a handler sees them ---- */
#define PB_WEB_BODY_MAX (64 * 1024)   /* a request body larger than this is refused (413) */
struct pb_web_req {
	const char *method;      /* "GET", "POST", "HEAD" */
	const char *path;        /* as sent, without the query ("/u/TOKEN") */
	const char *remote;      /* the client's address as text (behind a proxy: the proxy's) */
	const char *body;        /* NUL-terminated; "" when there is none */
	size_t body_len;
	struct pb_form query;    /* the query string's arguments */
	struct pb_form form;     /* the body's, when it is application/x-www-form-urlencoded */
	/* A request header's value (case-insensitive name), or NULL. */
	const char *(*header)(const struct pb_web_req *r, const char *name);
	void *impl;              /* the server's */
};
/* How a response's later work (pb_web_resp.after) is run. The work returns 0 when it is done
 * (it has freed its arg), or a number of milliseconds (> 0) after which it is to be run again
 * with the same arg (a retry). With dropped set it is not to be done: it frees its arg, says
 * in the log what is lost and why, and returns 0. */
struct pb_web_after {
	const char *dropped;     /* NULL: do the work; else why not ("the queue is full", "the
				  * server stopped") */
	int64_t within_ms;       /* > 0: the server stops and waits this long at most for this
				  * run; 0: no limit but the work's own */
};
struct pb_web_resp {
	int status;              /* 200 unless set */
	const char *type;        /* "text/html; charset=utf-8" unless set */
	struct pb_buf body;
	struct pb_buf headers;   /* extra headers, each "Name: value\r\n" */
	/* Work for once the answer has gone out (a Slack button's message to its response_url),
	 * so that neither the client nor another request waits for it: the server queues it
	 * when the connection's request ends (sent or not) and runs it on a thread of its own
	 * (struct pb_web_after); a caller of pb_web_dispatch runs it itself. NULL: none. It
	 * runs on no context: what it needs, it holds in after_arg. */
	int64_t (*after)(void *arg, const struct pb_web_after *how);
	void *after_arg;
};
/* What every handler is given: the loaded configuration (with the stored subscribers), the
 * open state, and the key. One handler runs at a time per context; handlers of other
 * contexts run beside it. */
struct pb_web_ctx {
	struct pb_config *cfg;
	struct pb_state *st;
	struct pb_secret secret;
	const char *config_path; /* to reload the subscribers after a change */
	/* The peers whose X-Forwarded-For is believed (web.trusted_proxies, read at the
	 * server's start); NULL: loopback alone. */
	const struct pb_cidr *trusted;
	size_t n_trusted;
	/* Installs cfg (taken) as this context's configuration after a change, when the
	 * configuration is shared with other contexts (the server's); NULL: ctx owns cfg. */
	void (*cfg_set)(struct pb_web_ctx *ctx, struct pb_config *cfg);
	/* The same when cfg is ctx's with one stored subscriber replaced
	 * (pb_config_replace_subscriber), its settings changed from old to json in the state;
	 * NULL: ctx owns cfg. */
	void (*cfg_edit)(struct pb_web_ctx *ctx, struct pb_config *cfg, const char *name,
			 const char *old, const char *json);
};
typedef void (*pb_web_handler)(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			       struct pb_web_resp *resp);

/* ---- the server ----
 * libmicrohttpd with a fixed pool of threads (4): as many requests are handled at once, so
 * one that waits (a bot's call to Telegram, a confirmation mail) holds no other. Each
 * thread's handler runs on a context of its own: a state handle and a configuration (the
 * file's subscribers and the stored ones, inactive ones included), loaded again when the
 * file or the stored subscribers change. Limits: a body larger than PB_WEB_BODY_MAX is
 * refused (413) without being read; a connection limit and timeout; a per-client request
 * rate (web.rate_limit a minute, 429 with Retry-After beyond it); only GET, HEAD and POST
 * (405). Every answer has a Content-Length; no answer redirects. A handler's work for after
 * its answer (pb_web_resp.after) runs on one thread more, from a queue of 64 at most: a full
 * queue drops the work at once (which says so), and at the stop what is left gets two seconds,
 * then is dropped. One log line per request: web.request method= path= status= ms= (the path
 * cut after its first part: a token is never logged). */
struct pb_web_server;
/* Starts the endpoint of cfg->web (cfg is read, not kept): opens the state under
 * cfg->state_dir, loads (creating it when absent) web.secret_file, loads config_path with the
 * stored subscribers (a state handle and a configuration for each thread), and listens on
 * web.listen. Call it with the signals the caller handles blocked: the server's threads
 * inherit the mask. NULL with err filled (never the key) when the endpoint is off, the key or
 * the state cannot be read, or the address cannot be bound. */
struct pb_web_server *pb_web_start(const struct pb_config *cfg, const char *config_path,
				   char *err, size_t errlen);
/* Stops listening, lets the requests being handled finish, gives the work after their answers
 * two seconds more (then drops it), joins the threads, and frees everything (NULL
 * accepted). */
void pb_web_stop(struct pb_web_server *s);
/* The port listened on (useful with port 0 in tests), 0 when unknown. */
unsigned pb_web_port(const struct pb_web_server *s);

#endif
