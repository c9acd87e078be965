/* The web endpoint on libmicrohttpd: a pool of WORKERS threads, so a request that waits (a
 * bot's call to Telegram, a confirmation mail) holds only its own thread. A request is handled
 * on a worker of its own: a state handle (neither SQLite's nor PostgreSQL's is shared between
 * threads here) and the configuration that handle last loaded. This file adapts a connection
 * to a struct pb_web_req, applies the limits (methods, body size, the per-client rate), and
 * hands the request to pb_web_dispatch; the pages themselves know nothing of libmicrohttpd. */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <microhttpd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "paperboy/web.h"
#include "after.h"
#include "pages.h"
#include "page.h"
#include "routes.h"

#define CONN_LIMIT 256           /* in all; libmicrohttpd shares it out among the threads */
#define CONN_TIMEOUT_S 30
#define RATE_SLOTS 4096
#define WORKERS 4                /* requests handled at once: threads, and state handles */
#define AFTER_MAX 64             /* pieces of work after an answer held at once */
#define AFTER_GRACE_MS 2000      /* what they are given more at the stop */
/* Connections open at once from one client that is not a trusted proxy (an IPv4 address, an
 * IPv6 /64): a browser opens six, and a client holding connections open with a byte now and
 * then (each byte renews CONN_TIMEOUT_S) takes no more than this of CONN_LIMIT. A proxy's
 * connections are every reader's, and are not counted. */
#define PEER_LIMIT 32
#define PEER_SLOTS (CONN_LIMIT + 1)
#define PEER_KEY (INET6_ADDRSTRLEN + 8)
#define PENDING_MS 2000

/* A configuration the workers share: loaded once for all of them (at 100,000 subscribers it
 * takes about 400 MB and 2.6 s) and once again a change, by the first worker that sees the
 * change; the others take it. A worker holds the one its requests are handled with; one
 * replaced is freed when the last worker holding it lets it go. */
struct shared_cfg {
	struct pb_config *cfg;
	int refs;                /* workers holding it (under the server's mu) */
	int have_stamp;
	uint64_t stamp;          /* pb_sub_stamp of the stored subscribers it holds */
	struct stat file;        /* the configuration file it was read from */
};

/* What a request is handled with. Each sees for itself when the configuration changed, since
 * what it can tell about the state's changes (data_version, its own changes) is its handle's;
 * the configuration itself is shared (struct shared_cfg). ctx comes first (cfg_set). */
struct worker {
	struct pb_web_ctx ctx;
	struct pb_web_server *s;
	struct shared_cfg *held; /* the configuration in ctx.cfg */
	int64_t data_version;    /* the state's, when the subscribers were last looked at */
	int64_t own_changes;     /* pb_sub_local_changes then */
	uint64_t stamp;          /* pb_sub_stamp of the loaded subscribers */
	int recheck;             /* a POST was answered: the subscribers may have changed */
	struct stat file;        /* the configuration file when last read (or tried) */
	int busy;                /* handling a request (under mu) */
};

struct pb_web_server {
	struct MHD_Daemon *mhd;
	char *config_path;
	pthread_mutex_t mu;      /* guards the workers' busy, the rate limit's table, the shared
				  * configurations' references and cur */
	pthread_mutex_t reload;  /* one worker loads a changed configuration, the others wait */
	pthread_cond_t freed;
	struct shared_cfg *cur;  /* the configuration last loaded */
	struct worker w[WORKERS];
	struct pb_ratelimit *rl;
	struct pb_cidr *trusted; /* web.trusted_proxies, read at the start */
	size_t n_trusted;
	unsigned port;
	struct pb_web_queue *after; /* the handlers' work for after their answers */
	/* the connections open from each client (PEER_LIMIT), under mu; a slot whose n is 0 is
	 * free */
	struct peer {
		char key[PEER_KEY];      /* pb_web_peer's */
		unsigned n;
		/* Let in by the accept policy, not yet started: each worker thread accepts on its
		 * own, so a count taken only at the start lets two in at the limit's last place. One
		 * that never starts (libmicrohttpd refused it after the policy) is let go after
		 * PENDING_MS. */
		unsigned pending;
		int64_t pending_ms;
		int warned;      /* its refusal is logged once until it is under the limit */
	} peers[PEER_SLOTS];
};

/* One request on a connection. */
struct conn {
	char *uri;               /* as sent, with the query */
	struct pb_buf body;
	int started;
	int64_t start_ms;
	pb_web_after_fn after;   /* the handler's pb_web_resp.after, queued when it ends */
	void *after_arg;
};

/* A peer's address as text ("192.0.2.7", "2001:db8::1"), or "unknown". */
static void
sockaddr_text(const struct sockaddr *sa, char *out, size_t n)
{
	socklen_t len = sa && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							: sizeof(struct sockaddr_in);

	snprintf(out, n, "unknown");
	if (sa && getnameinfo(sa, len, out, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, n, "unknown");
}

/* The client as the connection limit counts it (pb_web_peer) into key: 0, or 1 for a trusted
 * proxy or an address that is none (not counted). */
static int
peer_key(const struct pb_web_server *s, const struct sockaddr *sa, char *key, size_t n)
{
	char peer[INET6_ADDRSTRLEN + 16];

	sockaddr_text(sa, peer, sizeof peer);
	return pb_web_peer(s->trusted, s->n_trusted, peer, key, n) != 0;
}

/* The slot of key (under mu): its own, else a free one (none open, none let in within
 * PENDING_MS), else NULL. */
static struct peer *
peer_slot(struct pb_web_server *s, const char *key, int64_t now)
{
	struct peer *free_slot = NULL;

	for (size_t i = 0; i < PEER_SLOTS; i++) {
		int used = s->peers[i].n || (s->peers[i].pending &&
					     now - s->peers[i].pending_ms <= PENDING_MS);

		if (used && strcmp(s->peers[i].key, key) == 0)
			return &s->peers[i];
		if (!used && !free_slot)
			free_slot = &s->peers[i];
	}
	if (free_slot) {
		snprintf(free_slot->key, sizeof free_slot->key, "%s", key);
		free_slot->pending = 0;
		free_slot->warned = 0;
	}
	return free_slot;
}

/* libmicrohttpd's accept policy: a client with PEER_LIMIT connections open gets no more. */
static enum MHD_Result
accept_ok(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct pb_web_server *s = cls;
	char key[PEER_KEY];
	struct peer *p;
	int ok = 1, warn = 0;
	int64_t now;

	(void)len;
	if (peer_key(s, sa, key, sizeof key))
		return MHD_YES;
	now = pb_mono_ms();
	pthread_mutex_lock(&s->mu);
	if ((p = peer_slot(s, key, now))) {
		if (p->pending && now - p->pending_ms > PENDING_MS)
			p->pending = 0;
		if (p->n + p->pending >= PEER_LIMIT) {
			ok = 0;
			warn = !p->warned;
			p->warned = 1;
		} else {
			p->pending++;
			p->pending_ms = now;
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (warn)
		pb_warn("web.client_limit", "client=%s connections=%d note=%s", pb_q(key),
			PEER_LIMIT, pb_q("more are refused until some close"));
	return ok ? MHD_YES : MHD_NO;
}

/* Counts a client's connections as they open and close (a proxy's are not counted). */
static void
conn_note(void *cls, struct MHD_Connection *mc, void **sock_ctx,
	  enum MHD_ConnectionNotificationCode code)
{
	struct pb_web_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	char key[PEER_KEY];
	struct peer *p;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (!ci || peer_key(s, ci->client_addr, key, sizeof key))
			return;
		pthread_mutex_lock(&s->mu);
		if ((p = peer_slot(s, key, pb_mono_ms()))) {
			if (p->pending)
				p->pending--;
			p->n++;
			*sock_ctx = p;
		}
		pthread_mutex_unlock(&s->mu);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *sock_ctx) {
		pthread_mutex_lock(&s->mu);
		p = *sock_ctx;
		if (p->n && --p->n < PEER_LIMIT)
			p->warned = 0;
		pthread_mutex_unlock(&s->mu);
		*sock_ctx = NULL;
	}
}

static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *mc)
{
	struct conn *c = pb_xcalloc(1, sizeof *c);

	(void)cls;
	(void)mc;
	c->uri = pb_xstrdup(uri ? uri : "/");
	return c;
}

static void
request_done(void *cls, struct MHD_Connection *mc, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct pb_web_server *s = cls;
	struct conn *c = *con_cls;

	(void)mc;
	(void)toe;
	if (!c)
		return;
	/* the answer is out (or the client gone): the handler's work that waited for it, on
	 * the queue's thread, since this one serves other connections meanwhile */
	if (c->after)
		pb_web_queue_add(s->after, c->after, c->after_arg);
	free(c->uri);
	pb_buf_free(&c->body);
	free(c);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	pb_warn("web.server", "message=%s", pb_q(msg));
}

/* "/u/TOKEN" -> "/u/…": the first part of a path alone, so a token never reaches a log. */
static void
log_path(const char *path, char *out, size_t n)
{
	const char *slash = path[0] == '/' ? strchr(path + 1, '/') : NULL;
	size_t len = slash ? (size_t)(slash - path) + 1 : strcspn(path, "?");

	if (len > 40)
		len = 40;
	snprintf(out, n, "%.*s%s", (int)len, path, slash && slash[1] ? "\xe2\x80\xa6" : "");
}

static const char *
header_of(const struct pb_web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->impl, MHD_HEADER_KIND, name);
}

static void
client_address(struct MHD_Connection *mc, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	sockaddr_text(ci ? ci->client_addr : NULL, out, n);
}

/* The key the rate limit counts (pb_web_client). */
static void
client_key(const struct pb_web_server *s, struct MHD_Connection *mc, const char *peer,
	   char *out, size_t n)
{
	pb_web_client(s->trusted, s->n_trusted, peer,
		      MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Forwarded-For"), out, n);
}

static void
log_request(const char *method, const char *path, int status, int64_t start_ms)
{
	char lp[64];

	log_path(path, lp, sizeof lp);
	pb_info("web.request", "method=%s path=%s status=%d ms=%lld",
		pb_q(strlen(method) > 10 ? "other" : method), pb_q(lp), status,
		(long long)(pb_mono_ms() - start_ms));
}

static enum MHD_Result
send_resp(struct MHD_Connection *mc, struct conn *c, const char *method,
	  struct pb_web_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	size_t len = r->body.len;
	char *data = pb_buf_detach(&r->body);
	const char *p = pb_buf_str(&r->headers);
	int status = r->status ? r->status : 200;

	mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!mr) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(mr, "Content-Type", r->type ? r->type : "text/html; charset=utf-8");
	/* The handlers' extra headers, "Name: value\r\n" each. */
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		char *colon;
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		char *line = pb_xstrndup(p, l);

		if ((colon = strchr(line, ':'))) {
			const char *v = colon + 1;

			*colon = '\0';
			while (*v == ' ')
				v++;
			MHD_add_response_header(mr, line, v);
		}
		free(line);
		p += l + (eol ? 2 : 0);
	}
	ret = MHD_queue_response(mc, (unsigned)status, mr);
	MHD_destroy_response(mr);
	log_request(method, c->uri, status, c->start_ms);
	return ret;
}

static enum MHD_Result
send_plain(struct MHD_Connection *mc, struct conn *c, const char *method, int status,
	   const char *title, const char *text, const char *header)
{
	struct pb_web_resp r;
	enum MHD_Result ret;

	memset(&r, 0, sizeof r);
	pb_page_plain(&r, status, title, text);
	if (header)
		pb_buf_puts(&r.headers, header);
	ret = send_resp(mc, c, method, &r);
	pb_buf_free(&r.body);
	pb_buf_free(&r.headers);
	return ret;
}

/* multipart/form-data (RFC 8058 allows it for the one-click POST): each field, re-encoded as
 * a urlencoded body, so pb_form_parse checks it as it checks any other. */
static void
pct_encode(struct pb_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			pb_buf_putc(b, (char)ch);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			pb_buf_append(b, e, 3);
		}
	}
}

static enum MHD_Result
multipart_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
		const char *content_type, const char *transfer_encoding, const char *data,
		uint64_t off, size_t size)
{
	struct pb_buf *b = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (filename)
		return MHD_YES;   /* no form here takes a file */
	if (off == 0) {
		if (b->len)
			pb_buf_putc(b, '&');
		pct_encode(b, key ? key : "", key ? strlen(key) : 0);
		pb_buf_putc(b, '=');
	}
	pct_encode(b, data ? data : "", data ? size : 0);
	return MHD_YES;
}

/* Fills req->form from the body. 0, or -1 with msg. */
static int
parse_body(struct MHD_Connection *mc, struct conn *c, struct pb_web_req *req, char *msg,
	   size_t msglen)
{
	const char *type = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
	struct MHD_PostProcessor *pp;
	struct pb_buf enc = { 0 };
	int rc;

	if (!type || !c->body.len)
		return 0;
	if (strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0)
		return pb_form_parse(c->body.data, c->body.len, &req->form, msg, msglen);
	if (strncasecmp(type, "multipart/form-data", 19) != 0)
		return 0;
	pp = MHD_create_post_processor(mc, 4096, multipart_field, &enc);
	if (!pp || MHD_post_process(pp, c->body.data, c->body.len) != MHD_YES) {
		if (pp)
			MHD_destroy_post_processor(pp);
		pb_buf_free(&enc);
		snprintf(msg, msglen, "the multipart body cannot be read");
		return -1;
	}
	MHD_destroy_post_processor(pp);
	rc = pb_form_parse(pb_buf_str(&enc), enc.len, &req->form, msg, msglen);
	pb_buf_free(&enc);
	return rc;
}

/* Loads the configuration with every stored subscriber (inactive ones too: an unsubscribed
 * reader still opens the pages). NULL when the file no longer loads (logged). */
static struct pb_config *
load_config(const char *path)
{
	struct pb_config_error ce;
	struct pb_config *cfg;
	struct pb_buf problems = { 0 };
	char msg[1024];

	memset(&ce, 0, sizeof ce);
	if (!(cfg = pb_config_load(path, &ce))) {
		pb_config_error_format(&ce, msg, sizeof msg);
		pb_err("web.config", "config=%s error=%s", pb_q(path), pb_q(msg));
		return NULL;
	}
	cfg = pb_cli_with_stored(cfg, 1, NULL, NULL, &problems);
	if (problems.len)
		pb_warn("web.config", "stored=%s", pb_q(problems.data));
	pb_buf_free(&problems);
	return cfg;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Whether the configuration file is another than the one last read: edited, replaced or
 * touched (the daemon's reload, SIGHUP, reads it too; this process sees it here). Notes it. */
static int
file_changed(struct worker *w)
{
	struct stat now;

	if (stat(w->ctx.config_path, &now) != 0)
		return 0;   /* gone or unreadable: the loaded one stays */
	if (same_file(&now, &w->file))
		return 0;
	w->file = now;
	return 1;
}

/* Lets sc go (under mu): freed with its last holder once it is no longer the current one. */
static void
cfg_drop_locked(struct pb_web_server *s, struct shared_cfg *sc)
{
	if (sc && --sc->refs == 0 && sc != s->cur) {
		pb_config_free(sc->cfg);
		free(sc);
	}
}

/* w's requests are handled with sc from now on (under mu). */
static void
cfg_hold_locked(struct pb_web_server *s, struct worker *w, struct shared_cfg *sc)
{
	struct shared_cfg *old = w->held;

	sc->refs++;
	w->held = sc;
	w->ctx.cfg = sc->cfg;
	if (old)
		cfg_drop_locked(s, old);
	if (sc->have_stamp)
		w->stamp = sc->stamp;
}

/* Makes cfg (taken) the current configuration, held by w; the one it replaces goes with its
 * last holder. With only_over, only when that is still the current one: 0 when published,
 * -1 (cfg not taken) when another worker published meanwhile. */
static int
cfg_publish_over(struct worker *w, struct pb_config *cfg, int have_stamp, uint64_t stamp,
		 const struct shared_cfg *only_over)
{
	struct pb_web_server *s = w->s;
	struct shared_cfg *sc, *old;

	pthread_mutex_lock(&s->mu);
	if (only_over && s->cur != only_over) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	sc = pb_xcalloc(1, sizeof *sc);
	sc->cfg = cfg;
	sc->have_stamp = have_stamp;
	sc->stamp = stamp;
	sc->file = w->file;
	old = s->cur;
	s->cur = sc;
	if (old && old->refs == 0) {
		pb_config_free(old->cfg);
		free(old);
	}
	cfg_hold_locked(s, w, sc);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void
cfg_publish(struct worker *w, struct pb_config *cfg, int have_stamp, uint64_t stamp)
{
	cfg_publish_over(w, cfg, have_stamp, stamp, NULL);
}

/* Takes the current configuration when it is already the one for the change w sees: read
 * from the file as it is now (by_file), or holding the stored subscribers of stamp. 1 when w
 * holds it now, 0 when it has to be loaded. */
static int
cfg_adopt(struct worker *w, int by_file, uint64_t stamp)
{
	struct pb_web_server *s = w->s;
	struct shared_cfg *c;
	int ok;

	pthread_mutex_lock(&s->mu);
	c = s->cur;
	ok = c && (by_file ? same_file(&c->file, &w->file) : c->have_stamp && c->stamp == stamp);
	if (ok && c != w->held)
		cfg_hold_locked(s, w, c);
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* pb_web_ctx's cfg_set: a handler loaded the configuration again after a change it made. */
static void
cfg_set(struct pb_web_ctx *ctx, struct pb_config *cfg)
{
	struct worker *w = (struct worker *)(void *)ctx;   /* ctx is w's first member */
	uint64_t stamp;
	int have = pb_sub_stamp(ctx->st, &stamp) == 0;

	cfg_publish(w, cfg, have, have ? stamp : 0);
}

/* pb_web_ctx's cfg_edit: a handler replaced one stored subscriber's settings in what w held.
 * The stamp of the new configuration follows from the held one's without reading the
 * table; when another process or worker changed the table meanwhile it is not the table's,
 * and the next look at the state loads the whole again. */
static void
cfg_edit(struct pb_web_ctx *ctx, struct pb_config *cfg, const char *name, const char *old,
	 const char *json)
{
	struct worker *w = (struct worker *)(void *)ctx;
	int have = w->held && w->held->have_stamp;
	uint64_t stamp = have ? w->held->stamp : 0;

	stamp = stamp - pb_sub_stamp_row(name, old) + pb_sub_stamp_row(name, json);
	/* Made from what w held: when another worker published meanwhile (the file changed, a
	 * full load), the edit of the older one would put it back, file and all. */
	if (cfg_publish_over(w, cfg, have, have ? stamp : 0, w->held) < 0) {
		pb_config_free(cfg);
		pb_pages_reload(ctx);
	}
}

/* Loads the subscribers again when they changed since the last look: the configuration file
 * (its size and times), or the stored ones. The whole table is hashed only after another
 * process committed, or after a POST here that changed a stored subscriber's settings (an
 * unsubscribe changes a state, which the loaded settings do not hold). A file that does not
 * load keeps the last good one, with the error logged once for each change of the file. */
static void
refresh(struct worker *w)
{
	int64_t dv, own = w->own_changes;
	uint64_t stamp;
	struct pb_config *cfg;
	int have;

	if (file_changed(w)) {
		pthread_mutex_lock(&w->s->reload);
		if (cfg_adopt(w, 1, 0)) {
			pthread_mutex_unlock(&w->s->reload);
			return;
		}
		/* the stamp before the load: a change between them is then loaded again at the
		 * next look, not taken for loaded (a Save adds to the stamp, cfg_edit) */
		have = pb_sub_stamp(w->ctx.st, &stamp) == 0;
		if (!(cfg = load_config(w->ctx.config_path))) {
			pthread_mutex_unlock(&w->s->reload);
			return;   /* keep the one loaded; load_config said why */
		}
		cfg_publish(w, cfg, have, have ? stamp : 0);
		pthread_mutex_unlock(&w->s->reload);
		pb_info("web.reload", "subscribers=%zu why=file", cfg->n_subscribers);
		return;
	}
	if (pb_state_data_version(w->ctx.st, &dv) < 0)
		return;
	if (w->recheck && pb_sub_local_changes(w->ctx.st, &own) < 0)
		own = w->own_changes + 1;
	w->recheck = 0;
	if (dv == w->data_version && own == w->own_changes)
		return;
	w->data_version = dv;
	w->own_changes = own;
	if (pb_sub_stamp(w->ctx.st, &stamp) < 0 || stamp == w->stamp)
		return;
	pthread_mutex_lock(&w->s->reload);
	if (cfg_adopt(w, 0, stamp)) {
		pthread_mutex_unlock(&w->s->reload);
		return;
	}
	if (!(cfg = load_config(w->ctx.config_path))) {
		pthread_mutex_unlock(&w->s->reload);
		return;   /* keep the one loaded */
	}
	cfg_publish(w, cfg, 1, stamp);
	pthread_mutex_unlock(&w->s->reload);
	pb_info("web.reload", "subscribers=%zu why=stored", cfg->n_subscribers);
}

/* A worker of its own for one request. There are as many as libmicrohttpd has threads, each
 * handling one request at a time, so one is always free; the wait only guards that. */
static struct worker *
worker_take(struct pb_web_server *s)
{
	pthread_mutex_lock(&s->mu);
	for (;;) {
		for (size_t i = 0; i < WORKERS; i++)
			if (!s->w[i].busy) {
				s->w[i].busy = 1;
				pthread_mutex_unlock(&s->mu);
				return &s->w[i];
			}
		pthread_cond_wait(&s->freed, &s->mu);
	}
}

static void
worker_give(struct pb_web_server *s, struct worker *w)
{
	pthread_mutex_lock(&s->mu);
	w->busy = 0;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct pb_web_server *s = cls;
	struct conn *c = *con_cls;
	struct pb_web_req req;
	struct pb_web_resp resp;
	char peer[64], key[64], msg[256], *path = NULL;
	const char *q;
	struct worker *w;
	enum MHD_Result ret;
	int bad, allowed;

	(void)url;
	(void)version;
	if (!c)
		*con_cls = c = uri_seen(NULL, url, mc);
	if (!c->started) {
		const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
		int retry;

		c->started = 1;
		c->start_ms = pb_mono_ms();
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
		    strcmp(method, "POST") != 0)
			return send_plain(mc, c, method, 405, "Method not allowed",
					  "This server takes GET and POST requests only.",
					  "Allow: GET, HEAD, POST\r\n");
		client_address(mc, peer, sizeof peer);
		client_key(s, mc, peer, key, sizeof key);
		/* One-click unsubscribes (RFC 8058) come from a mailbox provider's few addresses,
		 * in bursts after a mailing, and one answered 429 may never be sent again; each
		 * carries a signed token, checked before anything is written. Not counted. */
		if (strcmp(method, "POST") == 0 && strncmp(url, "/u/", 3) == 0) {
			allowed = 1;
		} else {
			pthread_mutex_lock(&s->mu);
			allowed = pb_ratelimit_hit(s->rl, key, pb_mono_ms(), &retry);
			pthread_mutex_unlock(&s->mu);
		}
		if (!allowed) {
			char h[48];

			snprintf(h, sizeof h, "Retry-After: %d\r\n", retry);
			return send_plain(mc, c, method, 429, "Too many requests",
					  "Too many requests from your address: wait a minute and "
					  "try again.", h);
		}
		if (cl && strtoull(cl, NULL, 10) > PB_WEB_BODY_MAX)
			return send_plain(mc, c, method, 413, "Request too large",
					  "The request is larger than this server takes.", NULL);
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* A body without a Content-Length (chunked) that grows past the limit: the
		 * answer cannot be queued while it is read, so the connection is closed. */
		if (c->body.len + *upload_data_size > PB_WEB_BODY_MAX) {
			log_request(method, c->uri, 413, c->start_ms);
			return MHD_NO;
		}
		pb_buf_append(&c->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	client_address(mc, peer, sizeof peer);
	path = pb_xstrndup(c->uri, strcspn(c->uri, "?"));
	req.method = method;
	req.path = path;
	req.remote = peer;
	req.body = pb_buf_str(&c->body);
	req.body_len = c->body.len;
	req.header = header_of;
	req.impl = mc;
	q = strchr(c->uri, '?');
	bad = q && pb_form_parse(q + 1, strlen(q + 1), &req.query, msg, sizeof msg) < 0;
	if (!bad && strcmp(method, "POST") == 0)
		bad = parse_body(mc, c, &req, msg, sizeof msg) < 0;
	if (bad) {
		pb_web_bad_form(&resp, "The request's fields cannot be read.");
		pb_info("web.bad_form", "error=%s", pb_q(msg));
	} else {
		w = worker_take(s);
		refresh(w);
		pb_web_dispatch(&w->ctx, &req, &resp);
		if (strcmp(method, "POST") == 0)
			w->recheck = 1;
		worker_give(s, w);
	}
	ret = send_resp(mc, c, method, &resp);
	c->after = resp.after;
	c->after_arg = resp.after_arg;
	pb_buf_free(&resp.body);
	pb_buf_free(&resp.headers);
	pb_form_free(&req.query);
	pb_form_free(&req.form);
	free(path);
	return ret;
}

/* "127.0.0.1:8425", "[::1]:8425", "localhost:8425" to an address. 0 / -1 with err. */
static int
resolve(const char *listen, struct sockaddr_storage *ss, char *err, size_t errlen)
{
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints, *ai = NULL;
	char host[256];
	size_t hl;
	int rc;

	if (!colon) {
		snprintf(err, errlen, "web.listen \"%s\" is not HOST:PORT", listen);
		return -1;
	}
	hl = (size_t)(colon - listen);
	if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']')
		snprintf(host, sizeof host, "%.*s", (int)(hl - 2), listen + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)hl, listen);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0 || !ai) {
		snprintf(err, errlen, "web.listen \"%s\": %s", listen, gai_strerror(rc));
		return -1;
	}
	memset(ss, 0, sizeof *ss);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

#define WEB_PATIENCE_MS 8000

/* Opens w's state handle and gives it the configuration: loaded by the first worker, held
 * by the others. 0, or -1 with err (where: the state's place, for the message). */
static int
worker_open(struct pb_web_server *s, struct worker *w, const struct pb_config *cfg,
	    const char *where, char *err, size_t errlen)
{
	struct pb_config *c;
	int temporary;

	w->s = s;
	w->ctx.config_path = s->config_path;
	w->ctx.cfg_set = cfg_set;
	w->ctx.cfg_edit = cfg_edit;
	file_changed(w);   /* the file as it is read below */
	if (!(w->ctx.st = pb_cli_state_open(cfg, PB_STATE_CREATE, &temporary, err, errlen)))
		return -1;
	/* A PostgreSQL server gone away is waited for WEB_PATIENCE_MS, not a run's minute: the
	 * reader, Slack (3 s) and a reverse proxy (often 60 s) get a 503 with Retry-After
	 * instead of a request that hangs; a server's restart of a few seconds still passes. */
	pb_state_set_patience(w->ctx.st, WEB_PATIENCE_MS);
	if (pb_state_data_version(w->ctx.st, &w->data_version) < 0 ||
	    pb_sub_local_changes(w->ctx.st, &w->own_changes) < 0 ||
	    pb_sub_stamp(w->ctx.st, &w->stamp) < 0) {
		snprintf(err, errlen, "%s: %s", where, pb_state_errmsg(w->ctx.st));
		return -1;
	}
	if (s->cur) {
		pthread_mutex_lock(&s->mu);
		cfg_hold_locked(s, w, s->cur);
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	if (!(c = load_config(w->ctx.config_path))) {
		snprintf(err, errlen, "%s: the configuration does not load (see the log)",
			 w->ctx.config_path);
		return -1;
	}
	cfg_publish(w, c, 1, w->stamp);
	return 0;
}

struct pb_web_server *
pb_web_start(const struct pb_config *cfg, const char *config_path, char *err, size_t errlen)
{
	struct pb_web_server *s = NULL;
	struct sockaddr_storage ss;
	struct pb_secret key;
	char where[320];
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	if (!cfg->web.enabled || !cfg->web.listen) {
		snprintf(err, errlen, "the web endpoint is not enabled (web.listen is not set)");
		return NULL;
	}
	if (resolve(cfg->web.listen, &ss, err, errlen) < 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = pb_xcalloc(1, sizeof *s);
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		snprintf(err, errlen, "cannot make a lock");
		return NULL;
	}
	if (pthread_mutex_init(&s->reload, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		snprintf(err, errlen, "cannot make a lock");
		return NULL;
	}
	if (pthread_cond_init(&s->freed, NULL) != 0) {
		pthread_mutex_destroy(&s->reload);
		pthread_mutex_destroy(&s->mu);
		free(s);
		snprintf(err, errlen, "cannot make a condition variable");
		return NULL;
	}
	s->config_path = pb_xstrdup(config_path);
	if (pb_mkdirs(cfg->state_dir) < 0) {
		snprintf(err, errlen, "cannot create state directory %s", cfg->state_dir);
		goto fail;
	}
	if (pb_secret_load(cfg->web.secret_file, &key, err, errlen) < 0)
		goto fail;
	/* checked by the configuration's load (pb_check_proxy): each parses */
	s->trusted = pb_xcalloc(cfg->web.n_trusted_proxies + 1, sizeof *s->trusted);
	for (size_t i = 0; i < cfg->web.n_trusted_proxies; i++)
		if (pb_cidr_parse(cfg->web.trusted_proxies[i], &s->trusted[s->n_trusted]) == 0)
			s->n_trusted++;
	pb_cli_state_where(cfg, where, sizeof where);
	for (size_t i = 0; i < WORKERS; i++) {
		s->w[i].ctx.secret = key;
		s->w[i].ctx.trusted = s->trusted;
		s->w[i].ctx.n_trusted = s->n_trusted;
		if (worker_open(s, &s->w[i], cfg, where, err, errlen) < 0)
			goto fail;
	}
	s->rl = pb_ratelimit_new(cfg->web.rate_limit, RATE_SLOTS);
	if (!(s->after = pb_web_queue_new(AFTER_MAX, err, errlen)))
		goto fail;
	s->mhd = MHD_start_daemon(flags, 0, accept_ok, s, on_request, s,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)s,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_URI_LOG_CALLBACK, uri_seen, (void *)s,
				  MHD_OPTION_NOTIFY_COMPLETED, request_done, (void *)s,
				  MHD_OPTION_NOTIFY_CONNECTION, conn_note, (void *)s,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WORKERS,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, errlen, "cannot listen on %s (in use, or not an address of this "
			 "machine)", cfg->web.listen);
		goto fail;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	pb_info("web.start", "listen=%s port=%u base_url=%s subscribers=%zu rate_limit=%d "
		"workers=%d", pb_q(cfg->web.listen), s->port, pb_q(cfg->web.base_url),
		s->w[0].ctx.cfg->n_subscribers, cfg->web.rate_limit, WORKERS);
	memset(&key, 0, sizeof key);
	return s;
fail:
	memset(&key, 0, sizeof key);
	pb_web_stop(s);
	return NULL;
}

unsigned
pb_web_port(const struct pb_web_server *s)
{
	return s ? s->port : 0;
}

void
pb_web_stop(struct pb_web_server *s)
{
	if (!s)
		return;
	/* Joins the threads: the requests being handled finish first. */
	if (s->mhd) {
		MHD_stop_daemon(s->mhd);
		pb_info("web.stop", "port=%u", s->port);
	}
	/* after the connections, whose ends queue work */
	pb_web_queue_free(s->after, AFTER_GRACE_MS);
	pb_ratelimit_free(s->rl);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < WORKERS; i++) {
		pb_state_close(s->w[i].ctx.st);
		if (s->w[i].held)
			cfg_drop_locked(s, s->w[i].held);
		memset(&s->w[i].ctx.secret, 0, sizeof s->w[i].ctx.secret);
	}
	if (s->cur) {
		pb_config_free(s->cur->cfg);
		free(s->cur);
	}
	pthread_mutex_unlock(&s->mu);
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->reload);
	pthread_mutex_destroy(&s->mu);
	free(s->trusted);
	free(s->config_path);
	free(s);
}
