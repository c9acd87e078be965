/* SMTP sessions for the email channel. libcurl opens each session (TCP, the greeting, EHLO,
 * STARTTLS with certificate checks, AUTH) as a CONNECT_ONLY transfer; the mail transactions
 * then run over that connection with curl_easy_send/curl_easy_recv:
 *
 *   MAIL FROM:<from> [SIZE=n]   RCPT TO:<rcpt>   DATA   <message, dot-stuffed>   .
 *
 * When the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one write, and the
 * end of one message travels with the commands of the next, so a session spends one round
 * trip per message instead of four. Without it, each command waits for its reply.
 *
 * Every message's result comes from its own replies: 2xx after the final dot is sent, a 4xx
 * anywhere is transient, a 5xx permanent, each with the server's words. A session that dies
 * (connection lost, 421, a reply out of step, a timeout) fails the messages it was carrying
 * as transient; messages it had not begun go back to the pool and take another session.
 *
 * Each session has its own curl multi handle while it connects, so libcurl never closes or
 * reuses a session connection on behalf of another transfer. Reading replies and dot-stuffing
 * a message are in smtp_reply.c. */
#define _GNU_SOURCE 1   /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "channel.h"
#include "paperboy/clock.h"
#include "paperboy/http.h"
#include "paperboy/log.h"

#define SESS_MSGS 2          /* messages a pipelining session carries at once */
#define EXPECT_MAX 8         /* replies a session may be waiting for */
/* The most a session waits for: the older message's dot, then RSET, MAIL, RCPT and DATA of the
 * newer one. */
_Static_assert(SESS_MSGS == 2 && EXPECT_MAX >= 5, "expected replies must fit");
#define CONN_FDS PB_SMTP_FDS_PER_SESSION  /* sockets curl may use while connecting */
/* How long a session waits for the server without progress before it dies, after RFC 5321
 * 4.5.3.2, in minutes: servers do slow work on purpose at these steps (greylisting lookups,
 * callouts to the sender's or recipient's domain, DNS blocklists at MAIL and RCPT; a content
 * filter before answering a message's end), and giving up sooner than the RFC fails, and then
 * retries, what the server would have taken. For a message's end, giving up sends the message
 * twice. RSET goes ahead of the MAIL it belongs to and is waited for as MAIL; the reply to an
 * empty end (a refused transaction closed) as any end. The opening's replies (the greeting,
 * EHLO, STARTTLS, AUTH) are libcurl's to wait for: each as long as the greeting, the whole
 * opening at most twice that. Scaled only so that a test can shorten them all
 * (pb_smtp_timeouts_for_tests). */
enum { W_GREETING, W_MAIL, W_RCPT, W_DATA, W_BLOCK, W_DOT, W_COUNT };
static const int wait_min[W_COUNT] = {
	[W_GREETING] = 5,   /* 4.5.3.2.1 initial 220 message */
	[W_MAIL] = 5,       /* 4.5.3.2.2 MAIL command */
	[W_RCPT] = 5,       /* 4.5.3.2.3 RCPT command */
	[W_DATA] = 2,       /* 4.5.3.2.4 DATA initiation: the 354 */
	[W_BLOCK] = 3,      /* 4.5.3.2.5 data block: a write of the message that makes no
			     * progress */
	[W_DOT] = 10,       /* 4.5.3.2.6 DATA termination */
};
static int64_t minute_ms = 60000;

static int64_t
wait_ms(int w)
{
	return (int64_t)wait_min[w] * minute_ms;
}

#define IDLE_CLOSE_MS 30000  /* a session with nothing to carry is closed after this */
#define WRITE_CHUNK (256 * 1024)

enum kind { K_MAIL, K_RCPT, K_DATA, K_DOT, K_DOTX, K_RSET };
enum sstate { S_CONNECTING, S_READY, S_DEAD };

struct smsg {
	struct pb_xfer *x;
	int started;        /* its MAIL command was written */
	int data_ok;        /* 354 arrived: the message itself was written */
	int failed;         /* the first refusal is in res */
	struct pb_result res;
	/* What goes: the pool's sender, x's recipient and payload, or their ASCII forms
	 * (a_*) for a server without SMTPUTF8 */
	const struct pb_buf *from, *rcpt;
	const char *send;
	size_t send_len;
	struct pb_buf a_from, a_rcpt, a_msg;
};

struct expect {
	enum kind kind;
	struct smsg *m;
};

struct sess {
	struct pb_smtp_pool *pool;
	CURLM *multi;
	CURL *easy;
	enum sstate state;
	curl_socket_t fd;                    /* S_READY */
	struct { curl_socket_t fd; int what; } cfd[CONN_FDS];  /* S_CONNECTING */
	int64_t timer_ms;                    /* S_CONNECTING: curl's timer, -1 = none */
	int pipelining, size_ext, smtputf8;  /* from the last EHLO reply */
	size_t size_max;                     /* its SIZE's limit (RFC 1870), 0 for none */
	char refusal[512];                   /* S_CONNECTING: the last 4xx/5xx reply */
	struct pb_smtp_reader crd;           /* S_CONNECTING: the replies libcurl reads */
	char errbuf[CURL_ERROR_SIZE];
	struct smsg *m[SESS_MSGS];           /* in order: the oldest first */
	int nm;
	struct expect exp[EXPECT_MAX];       /* replies due, in the order the commands went */
	int nexp;
	int need_rset;                       /* a refused transaction may still be open */
	long delivered;                      /* messages this session got accepted */
	struct pb_buf out;                   /* bytes to write, from out_off */
	size_t out_off;
	struct pb_buf later;                 /* written after out: out may not move while a
					      * write of it is incomplete (TLS) */
	int stuck;                           /* the last write of out returned CURLE_AGAIN */
	int out_waits_read;                  /* and the socket was writable: TLS must read first,
					      * so the wait is for input, not for room */
	struct pb_smtp_reader rd;
	int64_t last_io_ms, idle_since_ms;
};

struct pb_smtp_pool {
	const struct pb_config *cfg;
	pb_smtp_done_fn done;
	void *ctx;
	struct sess **s;
	int ns, max;
	struct pb_buf url, from;
	struct pb_xfer **requeue;            /* messages of a dead session not yet begun */
	size_t nrq, caprq;
	int cut;                             /* pb_smtp_pool_cut: a dead session hands nothing
					      * back, what it began ends through the callback */
	struct sess **fdmap;                 /* which session each waitfd of pb_smtp_pool_fds
					      * belongs to */
	int nfdmap;
	int refused;                         /* the server refuses every session (opening_failed):
					      * each message gets refusal at once, no connection */
	struct pb_result refusal;
	int open_failed;                     /* an opening failed while others were under way: no
					      * other opens until one of those is ready */
};

/* The bare address inside "Name <addr>" (or addr itself), with nothing SMTP-unsafe. */
static void
envelope_addr(struct pb_buf *b, const char *s)
{
	const char *lt = s ? strrchr(s, '<') : NULL;
	const char *p = lt ? lt + 1 : s;

	pb_buf_putc(b, '<');
	for (; p && *p && *p != '>'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c > 0x20 && c != 0x7F && c != '<' && c != '>')
			pb_buf_putc(b, (char)c);
	}
	pb_buf_putc(b, '>');
}

static int
non_ascii(const struct pb_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80)
			return 1;
	return 0;
}

static void
smsg_free(struct smsg *m)
{
	pb_buf_free(&m->a_from);
	pb_buf_free(&m->a_rcpt);
	pb_buf_free(&m->a_msg);
	free(m);
}

/* ---- sessions ---- */

static void sess_kick(struct sess *ss);
static void sess_kill(struct sess *ss, const char *why);

static void
finish(struct sess *ss, struct smsg *m)
{
	int i;

	for (i = 0; i < ss->nm && ss->m[i] != m; i++)
		;
	if (i < ss->nm) {
		memmove(&ss->m[i], &ss->m[i + 1], (size_t)(ss->nm - i - 1) * sizeof ss->m[0]);
		ss->nm--;
	}
	if (m->res.verdict == PB_V_SENT)
		ss->delivered++;
	if (ss->nm == 0)
		ss->idle_since_ms = pb_mono_ms();
	ss->pool->done(ss->pool->ctx, m->x, &m->res);
	smsg_free(m);
}

static void
refuse(struct smsg *m, int code, const char *text)
{
	if (m->failed)
		return;
	m->failed = 1;
	m->res.verdict = code >= 400 && code < 500 ? PB_V_TRANSIENT : PB_V_PERMANENT;
	m->res.retry_after_s = -1;
	snprintf(m->res.reason, sizeof m->res.reason, "%s", text);
}

/* Queues bytes for the server. */
static void
emit(struct sess *ss, const char *p, size_t n)
{
	pb_buf_append(ss->stuck ? &ss->later : &ss->out, p, n);
}

static void
expect(struct sess *ss, enum kind k, struct smsg *m)
{
	ss->exp[ss->nexp++] = (struct expect){ k, m };
}

static void
write_out(struct sess *ss)
{
	while (ss->state == S_READY && ss->out_off < ss->out.len) {
		size_t n = ss->out.len - ss->out_off, sent = 0;
		CURLcode rc;

		if (n > WRITE_CHUNK)
			n = WRITE_CHUNK;
		rc = curl_easy_send(ss->easy, ss->out.data + ss->out_off, n, &sent);
		if (rc == CURLE_AGAIN) {
			ss->stuck = 1;
			return;
		}
		if (rc != CURLE_OK) {
			char why[300];
			snprintf(why, sizeof why, "sending to the SMTP server failed: %s",
				 curl_easy_strerror(rc));
			sess_kill(ss, why);
			return;
		}
		ss->stuck = 0;
		ss->out_waits_read = 0;
		ss->out_off += sent;
		ss->last_io_ms = pb_mono_ms();
	}
	if (ss->state != S_READY)
		return;
	pb_buf_reset(&ss->out);
	ss->out_off = 0;
	if (ss->later.len > 0) {
		struct pb_buf t = ss->out;
		ss->out = ss->later;
		ss->later = t;
		write_out(ss);
	}
}

/* Writes m's MAIL command (after RSET when a refused transaction may be open). Returns 0
 * when only RSET went, because without pipelining MAIL must wait for its reply. */
static int
send_mail(struct sess *ss, struct smsg *m)
{
	char head[64];

	if (ss->need_rset) {
		emit(ss, "RSET\r\n", 6);
		expect(ss, K_RSET, NULL);
		ss->need_rset = 0;
		if (!ss->pipelining)
			return 0;
	}
	emit(ss, "MAIL FROM:", 10);
	emit(ss, m->from->data, m->from->len);
	if (ss->size_ext) {
		snprintf(head, sizeof head, " SIZE=%zu", m->send_len);
		emit(ss, head, strlen(head));
	}
	if (non_ascii(m->from) || non_ascii(m->rcpt))
		emit(ss, " SMTPUTF8", 9);
	emit(ss, "\r\n", 2);
	expect(ss, K_MAIL, m);
	m->started = 1;
	return 1;
}

static void
send_rcpt(struct sess *ss, struct smsg *m)
{
	emit(ss, "RCPT TO:", 8);
	emit(ss, m->rcpt->data, m->rcpt->len);
	emit(ss, "\r\n", 2);
	expect(ss, K_RCPT, m);
}

static void
send_data(struct sess *ss, struct smsg *m)
{
	emit(ss, "DATA\r\n", 6);
	expect(ss, K_DATA, m);
}

/* Writes one envelope address, "<addr>" in a, as ascii for a server without SMTPUTF8.
 * Returns 0, -1 for a local part that is not ASCII, -2 for a domain IDNA refuses (why
 * filled). */
static int
envelope_ascii(const struct pb_buf *a, struct pb_buf *ascii, char *why, size_t whylen)
{
	int rc;

	pb_buf_putc(ascii, '<');
	rc = pb_mail_addr_ascii(ascii, a->data + 1, a->len - 2, why, whylen);
	pb_buf_putc(ascii, '>');
	return rc;
}

/* m's sender, recipient and message with their domains in A-labels, for a server without
 * SMTPUTF8 (RFC 6531): an internationalised domain has an ASCII form, a local part has
 * none. Returns 0, or -1 with m refused: for good, naming the subscriber and the address,
 * as the server will not change its mind. */
static int
ascii_forms(struct smsg *m)
{
	const struct pb_outbox_msg *o = m->x->msg;
	const char *sub = o->subscriber && *o->subscriber ? o->subscriber : "-";
	char why[300], text[sizeof m->res.reason];
	int rc;

	if (non_ascii(m->from)) {
		pb_buf_reset(&m->a_from);
		if (envelope_ascii(m->from, &m->a_from, why, sizeof why) < 0) {
			snprintf(text, sizeof text, "subscriber %s: sender (email.from) %s: the SMTP "
				 "server does not offer SMTPUTF8, and %s", sub, pb_buf_str(m->from),
				 why);
			refuse(m, 550, text);
			return -1;
		}
		m->from = &m->a_from;
	}
	if (non_ascii(m->rcpt)) {
		pb_buf_reset(&m->a_rcpt);
		rc = envelope_ascii(m->rcpt, &m->a_rcpt, why, sizeof why);
		if (rc < 0) {
			snprintf(text, sizeof text, "subscriber %s: address %s: the SMTP server does "
				 "not offer SMTPUTF8, and %s", sub, pb_buf_str(m->rcpt), why);
			refuse(m, 550, text);
			m->res.addr_refused = 1;
			return -1;
		}
		m->rcpt = &m->a_rcpt;
	}
	pb_buf_reset(&m->a_msg);
	if (pb_mail_headers_ascii(&m->a_msg, m->send, m->send_len, why, sizeof why) < 0) {
		snprintf(text, sizeof text, "subscriber %s: address %s: the SMTP server does not "
			 "offer SMTPUTF8, and %s", sub, pb_buf_str(&m->x->body), why);
		refuse(m, 550, text);
		return -1;
	}
	m->send = m->a_msg.data;
	m->send_len = m->a_msg.len;
	pb_debug("smtp.ascii", "subscriber=%s dest=%s rcpt=%s", pb_q(sub), pb_q(o->dest),
		 pb_q(pb_buf_str(m->rcpt)));
	return 0;
}

/* Begins the next message when the session may: with pipelining once every message it
 * carries is past DATA, without it when it carries nothing else. */
static void
sess_kick(struct sess *ss)
{
	struct smsg *m;

again:
	m = NULL;
	/* Without pipelining a command waits for every earlier reply. */
	if (ss->state != S_READY || (!ss->pipelining && ss->nexp > 0))
		return;
	for (int i = 0; i < ss->nm; i++) {
		if (!ss->m[i]->started) {
			m = ss->m[i];
			break;
		}
		if (!ss->pipelining || !ss->m[i]->data_ok)
			return;
	}
	if (!m)
		return;
	if (!ss->smtputf8 && (non_ascii(m->from) || non_ascii(m->rcpt)) && ascii_forms(m) < 0) {
		finish(ss, m);
		goto again;
	}
	if (ss->size_max > 0 && m->send_len > ss->size_max) {
		/* RFC 1870 5: a message over the server's declared limit is not sent; the
		 * server would refuse it (552 5.3.4) at MAIL, or only once it has it all. */
		const struct pb_outbox_msg *o = m->x->msg;
		char text[sizeof m->res.reason];

		snprintf(text, sizeof text, "subscriber %s: the message (%zu bytes) is larger than "
			 "the SMTP server takes (SIZE %zu in its EHLO reply), so it was not sent",
			 o->subscriber && *o->subscriber ? o->subscriber : "-", m->send_len,
			 ss->size_max);
		refuse(m, 552, text);
		finish(ss, m);
		goto again;
	}
	if (!send_mail(ss, m))
		return;
	if (ss->pipelining) {
		send_rcpt(ss, m);
		send_data(ss, m);
	}
}

/* Whether a 5xx says what passes rather than what is for good, so the message is tried again
 * as after a 4xx: 552 at RCPT, which RFC 5321 (4.5.3.1.10) says to take as "too many
 * recipients", a temporary failure, and which servers also give for a full mailbox; and a
 * reply whose enhanced status code (RFC 3463) is a full mailbox (X.2.2) or too many
 * recipients (X.5.3), wherever it comes. */
static int
passing_refusal(int code, const char *text, int at_rcpt)
{
	const char *s = text + 4;
	int subject = 0, detail = 0, n = 0;

	if (code < 500 || code >= 600)
		return 0;
	if (at_rcpt && code == 552)
		return 1;
	if (strlen(text) < 9 || (s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	for (s += 2; *s >= '0' && *s <= '9' && n < 4; s++, n++)
		subject = subject * 10 + (*s - '0');
	if (n == 0 || *s++ != '.')
		return 0;
	for (n = 0; *s >= '0' && *s <= '9' && n < 4; s++, n++)
		detail = detail * 10 + (*s - '0');
	if (n == 0 || (*s && *s != ' '))
		return 0;
	return (subject == 2 && detail == 2) || (subject == 5 && detail == 3);
}

/* One reply, matched with the oldest command still waiting for one. */
static int
on_reply(void *ctx, int code, const char *text)
{
	struct sess *ss = ctx;
	struct expect e;
	struct smsg *m;
	int ok = code >= 200 && code < 300;

	if (ss->state != S_READY)
		return -1;
	if (code == 421) {
		/* The server is closing the session: nothing more comes on it. */
		sess_kill(ss, text);
		return -1;
	}
	if (ss->nexp == 0) {
		char why[700];
		snprintf(why, sizeof why, "unexpected reply from the SMTP server: %s", text);
		sess_kill(ss, why);
		return -1;
	}
	e = ss->exp[0];
	memmove(&ss->exp[0], &ss->exp[1], (size_t)(ss->nexp - 1) * sizeof ss->exp[0]);
	ss->nexp--;
	m = e.m;
	switch (e.kind) {
	case K_RSET:
		break;
	case K_MAIL:
	case K_RCPT:
		if (!ok) {
			int first = !m->failed;

			if (passing_refusal(code, text, e.kind == K_RCPT))
				code = 452;
			refuse(m, code, text);
			/* A permanent refusal of the address itself suppresses that recipient
			 * alone; one of us (an authentication, a policy, the sender, a
			 * command the server did not take) is mended on our side. */
			if (first && e.kind == K_RCPT &&
			    pb_smtp_refuses_address(code, text, pb_buf_str(m->from)))
				m->res.suppress = m->res.addr_refused = 1;
			ss->need_rset = 1;
		}
		if (!ss->pipelining) {
			if (m->failed) {
				finish(ss, m);
			} else if (e.kind == K_MAIL) {
				send_rcpt(ss, m);
			} else {
				send_data(ss, m);
			}
		}
		break;
	case K_DATA:
		if (code == 354 && m->failed) {
			/* Go-ahead for a transaction that already failed: end it empty. */
			emit(ss, ".\r\n", 3);
			expect(ss, K_DOTX, m);
		} else if (code == 354) {
			m->data_ok = 1;
			if (ss->stuck) {
				pb_smtp_stuff(&ss->later, m->send, m->send_len);
			} else {
				pb_smtp_stuff(&ss->out, m->send, m->send_len);
			}
			expect(ss, K_DOT, m);
		} else {
			refuse(m, ok ? 554 : code, text);
			ss->need_rset = 1;
			finish(ss, m);
		}
		break;
	case K_DOT:
		if (ok) {
			m->res.verdict = PB_V_SENT;
			m->res.retry_after_s = -1;
		} else {
			refuse(m, passing_refusal(code, text, 0) ? 452 : code, text);
		}
		finish(ss, m);
		break;
	case K_DOTX:
		finish(ss, m);
		break;
	}
	sess_kick(ss);
	return ss->state == S_READY ? 0 : -1;
}

static void
read_in(struct sess *ss)
{
	char buf[16384];

	while (ss->state == S_READY) {
		size_t got = 0;
		CURLcode rc = curl_easy_recv(ss->easy, buf, sizeof buf, &got);

		if (rc == CURLE_AGAIN)
			return;
		if (rc != CURLE_OK || got == 0) {
			char why[300];
			if (rc != CURLE_OK)
				snprintf(why, sizeof why, "reading from the SMTP server failed: %s",
					 curl_easy_strerror(rc));
			else
				snprintf(why, sizeof why, "the SMTP server closed the connection");
			sess_kill(ss, why);
			return;
		}
		ss->last_io_ms = pb_mono_ms();
		ss->out_waits_read = 0;
		if (pb_smtp_read(&ss->rd, buf, got, on_reply, ss) != 0 && ss->state == S_READY)
			sess_kill(ss, "malformed reply from the SMTP server");
	}
}

static void
requeue(struct pb_smtp_pool *p, struct pb_xfer *x)
{
	if (p->nrq == p->caprq) {
		p->caprq = p->caprq ? p->caprq * 2 : 16;
		p->requeue = pb_xreallocarray(p->requeue, p->caprq, sizeof *p->requeue);
	}
	p->requeue[p->nrq++] = x;
}

/* The session is over: the messages it carried fail as transient with why (a message whose
 * end was written may have arrived; it is sent again, as any SMTP client would). Messages
 * whose content was not written yet, on a session that had delivered, go to another session
 * without a failed attempt (a server's per-connection limit, an idle timeout); on a session
 * that never delivered they fail too, so a server that refuses everything cannot keep us
 * busy. */
static void
sess_kill(struct sess *ss, const char *why)
{
	/* everything written: a message past its 354 went whole, its end too */
	int whole = ss->out_off >= ss->out.len && ss->later.len == 0;

	if (ss->state == S_DEAD)
		return;
	ss->state = S_DEAD;
	while (ss->nm > 0) {
		struct smsg *m = ss->m[0];
		if (!m->data_ok && !m->failed && ss->delivered > 0 && !ss->pool->cut) {
			memmove(&ss->m[0], &ss->m[1], (size_t)(ss->nm - 1) * sizeof ss->m[0]);
			ss->nm--;
			requeue(ss->pool, m->x);
			smsg_free(m);
			continue;
		}
		if (!m->failed) {
			m->failed = 1;
			m->res.verdict = PB_V_TRANSIENT;
			m->res.retry_after_s = -1;
			/* RFC 5321 6.1: the server may have taken it before its reply was lost.
			 * It goes again (a copy too many rather than none), with the same
			 * Message-ID; the reason tells a reader's "twice" from a fault. */
			if (m->data_ok && whole)
				snprintf(m->res.reason, sizeof m->res.reason, "%.300s (after the "
					 "message's end, before its reply: it may have arrived)", why);
			else
				pb_reason_copy(m->res.reason, sizeof m->res.reason, why,
					       strlen(why));
		}
		finish(ss, m);
	}
	ss->nexp = 0;
}

/* Header callback while connecting: the replies libcurl reads. Keeps the capabilities of the
 * last EHLO reply (a 220 starts over: the greeting, and STARTTLS's go-ahead, after which the
 * server is asked again) and the words of the last refusal, every line of it (Gmail's "535-5.7.8
 * Username and Password not accepted." goes on with where to read why). */
static int
conn_reply(void *ctx, int code, const char *text)
{
	struct sess *ss = ctx;

	if (code >= 400)
		snprintf(ss->refusal, sizeof ss->refusal, "%s", text);
	return 0;
}

static size_t
conn_header(char *p, size_t size, size_t n, void *userp)
{
	struct sess *ss = userp;
	size_t len = size * n;

	if (len >= 3 && strncmp(p, "220", 3) == 0) {
		ss->pipelining = 0;
		ss->size_ext = 0;
		ss->size_max = 0;
		ss->smtputf8 = 0;
	}
	{
		size_t max = 0;
		int ext = pb_smtp_ehlo_line(p, len, &max);

		if (ext & PB_SMTP_EXT_PIPELINING)
			ss->pipelining = 1;
		if (ext & PB_SMTP_EXT_SIZE) {
			ss->size_ext = 1;
			ss->size_max = max;
		}
		if (ext & PB_SMTP_EXT_SMTPUTF8)
			ss->smtputf8 = 1;
	}
	/* a line that is no reply (libcurl's own) starts the reading over */
	if (pb_smtp_read(&ss->crd, p, len, conn_reply, ss) != 0)
		pb_smtp_reader_init(&ss->crd);
	return len;
}

static int
conn_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct sess *ss = userp;
	int free_i = -1;

	(void)e;
	(void)socketp;
	for (int i = 0; i < CONN_FDS; i++) {
		if (ss->cfd[i].fd == s) {
			if (what == CURL_POLL_REMOVE)
				ss->cfd[i].fd = CURL_SOCKET_BAD;
			else
				ss->cfd[i].what = what;
			return 0;
		}
		if (free_i < 0 && ss->cfd[i].fd == CURL_SOCKET_BAD)
			free_i = i;
	}
	if (what != CURL_POLL_REMOVE && free_i >= 0) {
		ss->cfd[free_i].fd = s;
		ss->cfd[free_i].what = what;
	}
	return 0;
}

static int
conn_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct sess *ss = userp;

	(void)multi;
	ss->timer_ms = timeout_ms < 0 ? -1 : pb_mono_ms() + timeout_ms;
	return 0;
}

static struct sess *
sess_open(struct pb_smtp_pool *p)
{
	struct sess *ss = pb_xcalloc(1, sizeof *ss);
	const struct pb_config *cfg = p->cfg;
	const char *url = cfg->email.smtp_url, *tls = cfg->email.tls;
	struct pb_http_opts ho;

	ss->pool = p;
	ss->state = S_CONNECTING;
	ss->fd = CURL_SOCKET_BAD;
	for (int i = 0; i < CONN_FDS; i++)
		ss->cfd[i].fd = CURL_SOCKET_BAD;
	ss->timer_ms = -1;
	ss->last_io_ms = ss->idle_since_ms = pb_mono_ms();
	pb_smtp_reader_init(&ss->rd);
	pb_smtp_reader_init(&ss->crd);
	ss->multi = curl_multi_init();
	ss->easy = curl_easy_init();
	if (!ss->multi || !ss->easy) {
		pb_err("smtp.session", "error=%s", pb_q("curl could not make a handle"));
		goto fail;
	}
	memset(&ho, 0, sizeof ho);
	ho.user_agent = cfg->user_agent ? cfg->user_agent : "paperboy/1.0";
	ho.ca_file = cfg->ca_file;
	ho.connect_timeout_s = 15;
	pb_http_setup_easy(ss->easy, &ho);
	/* The opening's waits (above): libcurl's for each reply, in whole seconds. */
	curl_easy_setopt(ss->easy, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (long)((wait_ms(W_GREETING) + 999) / 1000));
	curl_easy_setopt(ss->easy, CURLOPT_TIMEOUT_MS, (long)(2 * wait_ms(W_GREETING)));
	curl_easy_setopt(ss->easy, CURLOPT_FOLLOWLOCATION, 0L);
	pb_http_limit_protocols(ss->easy, PB_PROTO_SMTP);
	curl_easy_setopt(ss->easy, CURLOPT_URL, p->url.data);
	if (tls && strcmp(tls, "none") == 0 && strncmp(url, "smtps://", 8) != 0)
		curl_easy_setopt(ss->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	else
		curl_easy_setopt(ss->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->email.username && *cfg->email.username) {
		curl_easy_setopt(ss->easy, CURLOPT_USERNAME, cfg->email.username);
		curl_easy_setopt(ss->easy, CURLOPT_PASSWORD,
				 cfg->email.password ? cfg->email.password : "");
	}
	curl_easy_setopt(ss->easy, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(ss->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(ss->easy, CURLOPT_HEADERFUNCTION, conn_header);
	curl_easy_setopt(ss->easy, CURLOPT_HEADERDATA, ss);
	curl_easy_setopt(ss->easy, CURLOPT_ERRORBUFFER, ss->errbuf);
	curl_multi_setopt(ss->multi, CURLMOPT_SOCKETFUNCTION, conn_socket);
	curl_multi_setopt(ss->multi, CURLMOPT_SOCKETDATA, ss);
	curl_multi_setopt(ss->multi, CURLMOPT_TIMERFUNCTION, conn_timer);
	curl_multi_setopt(ss->multi, CURLMOPT_TIMERDATA, ss);
	if (curl_multi_add_handle(ss->multi, ss->easy) != CURLM_OK) {
		pb_err("smtp.session", "error=%s", pb_q("curl_multi_add_handle failed"));
		goto fail;
	}
	return ss;
fail:
	if (ss->easy)
		curl_easy_cleanup(ss->easy);
	if (ss->multi)
		curl_multi_cleanup(ss->multi);
	free(ss);
	return NULL;
}

static void
sess_free(struct sess *ss)
{
	/* A session that ends in good order says goodbye; the reply is not waited for. */
	if (ss->state == S_READY && ss->nexp == 0 && ss->out_off >= ss->out.len &&
	    ss->later.len == 0) {
		size_t sent = 0;
		curl_easy_send(ss->easy, "QUIT\r\n", 6, &sent);
	}
	if (ss->multi && ss->easy)
		curl_multi_remove_handle(ss->multi, ss->easy);
	if (ss->easy)
		curl_easy_cleanup(ss->easy);
	if (ss->multi)
		curl_multi_cleanup(ss->multi);
	pb_buf_free(&ss->out);
	pb_buf_free(&ss->later);
	free(ss);
}

/* A session could not open, with res. What one session heard before its first transaction
 * another would hear too, so the pool does not ask again once per message, as many failed
 * logins as readers (Gmail answers a burst of them with "454 4.7.0 Too many login attempts"
 * and locks the account a while): a refusal for good (for_good: the login refused, a 5xx in
 * place of the greeting as RFC 5321 3.1 allows 554, a certificate that does not verify; res
 * says it as temporary, see conn_check), or a failure of the last session opening while none
 * is open (the server down, or its "421 4.7.0 Try again later, closing connection"), is the
 * answer to every message while this pool lasts (the delivery loop's pass: a message's next
 * attempt after its wait meets a new one), given at once without a connection; a session
 * that opens meanwhile lifts it. A failure while other sessions are open is a limit on their
 * number ("421 Too many concurrent SMTP connections"): the pool keeps to those. While others
 * are opening, none more opens until one of them is ready. Either way the session's messages
 * are handed back without a failed attempt: returns 1 then. */
static int
opening_failed(struct sess *ss, const struct pb_result *res, int for_good)
{
	struct pb_smtp_pool *p = ss->pool;
	int ready = 0, opening = 0;

	for (int i = 0; i < p->ns; i++) {
		if (p->s[i] == ss)
			continue;
		ready += p->s[i]->state == S_READY;
		opening += p->s[i]->state == S_CONNECTING;
	}
	if (!for_good && (ready > 0 || opening > 0) && !p->cut) {
		if (ready > 0 && p->max > ready) {
			p->max = ready;
			pb_warn("smtp.session", "state=limited sessions=%d error=%s", ready,
				pb_q(res->reason));
		}
		if (ready == 0)
			p->open_failed = 1;
		return 1;
	}
	if (!p->refused && (for_good || ready == 0)) {
		p->refused = 1;
		p->refusal = *res;
		pb_log(for_good ? PB_LOG_ERROR : PB_LOG_WARN, "smtp.session",
		       "state=refused verdict=%s error=%s (no other session this pass of delivery: "
		       "every message gets this answer)", for_good ? "deferred" : "transient",
		       pb_q(res->reason));
	}
	return 0;
}

/* The connect transfer ended: the session is ready, or every message queued on it fails the
 * way the connection did. */
static void
conn_check(struct sess *ss)
{
	CURLMsg *cm;
	int left, for_good;
	struct pb_result res;

	while ((cm = curl_multi_info_read(ss->multi, &left))) {
		CURLcode rc = cm->data.result;
		long code = 0;
		curl_socket_t fd = CURL_SOCKET_BAD;

		if (cm->msg != CURLMSG_DONE)
			continue;
		if (rc == CURLE_OK &&
		    curl_easy_getinfo(ss->easy, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
		    fd != CURL_SOCKET_BAD) {
			ss->state = S_READY;
			ss->fd = fd;
			ss->pool->open_failed = 0;
			if (ss->pool->refused && ss->pool->refusal.verdict == PB_V_TRANSIENT)
				ss->pool->refused = 0;
			ss->last_io_ms = pb_mono_ms();
			pb_info("smtp.session", "state=ready pipelining=%d size=%d smtputf8=%d",
				ss->pipelining, ss->size_ext, ss->smtputf8);
			sess_kick(ss);
			write_out(ss);
			return;
		}
		ss->state = S_DEAD;
		curl_easy_getinfo(ss->easy, CURLINFO_RESPONSE_CODE, &code);
		pb_smtp_classify(rc == CURLE_OK ? CURLE_COULDNT_CONNECT : rc, code, ss->refusal,
				 ss->errbuf, &res);
		if (rc == CURLE_LOGIN_DENIED) {
			char why[sizeof res.reason + 100];

			snprintf(why, sizeof why, "the SMTP server refused the login (email.username, "
				 "email.password_env or password_file): %s", res.reason);
			pb_reason_copy(res.reason, sizeof res.reason, why, strlen(why));
		}
		/* What an opening hears is about the session, not about a message (no recipient
		 * has been named yet): a refusal for good there (the login, a 5xx greeting, a
		 * certificate, STARTTLS refused) is a setting to mend or a block to lift, after
		 * which every digest should still go. The messages wait and are tried again as
		 * for any temporary failure, within delivery.max_attempts and lifetime_hours, as
		 * Postfix defers its mail on a refused login (smtp_sasl_auth_soft_bounce) or a 5xx
		 * greeting (smtp_skip_5xx_greeting); the refusal is logged as an error. */
		for_good = res.verdict == PB_V_PERMANENT;
		if (for_good) {
			res.verdict = PB_V_TRANSIENT;
			res.deferred = 1;
		}
		if (opening_failed(ss, &res, for_good)) {
			for (int i = 0; i < ss->nm; i++) {
				requeue(ss->pool, ss->m[i]->x);
				smsg_free(ss->m[i]);
			}
			ss->nm = 0;
			return;
		}
		while (ss->nm > 0) {
			struct smsg *m = ss->m[0];
			m->res = res;
			m->failed = 1;
			finish(ss, m);
		}
		return;
	}
}

/* ---- the pool ---- */

struct pb_smtp_pool *
pb_smtp_pool_new(const struct pb_config *cfg, int max_sessions, pb_smtp_done_fn done,
		 void *ctx)
{
	struct pb_smtp_pool *p = pb_xcalloc(1, sizeof *p);
	const char *url = cfg->email.smtp_url ? cfg->email.smtp_url : "", *tls = cfg->email.tls;

	p->cfg = cfg;
	p->done = done;
	p->ctx = ctx;
	p->max = max_sessions < 1 ? 1 : max_sessions;
	p->s = pb_xcalloc((size_t)p->max, sizeof *p->s);
	p->fdmap = pb_xcalloc((size_t)p->max * CONN_FDS, sizeof *p->fdmap);
	if (tls && strcmp(tls, "implicit") == 0 && strncmp(url, "smtp://", 7) == 0)
		pb_buf_printf(&p->url, "smtps://%s", url + 7);
	else
		pb_buf_puts(&p->url, url);
	/* libcurl takes the EHLO name from the URL's path, URL-decoded: email.helo is that
	 * path, in place of any the URL has ("smtp://host:587/" ends in an empty one, which
	 * libcurl answers with the machine's own name), escaped but for unreserved bytes. */
	if (cfg->email.helo && *cfg->email.helo) {
		const char *u = pb_buf_str(&p->url), *after = strstr(u, "://");

		if (after) {
			pb_buf_truncate(&p->url, (size_t)(after + 3 - u) + strcspn(after + 3, "/?#"));
			pb_buf_putc(&p->url, '/');
			for (const unsigned char *h = (const unsigned char *)cfg->email.helo; *h; h++) {
				if ((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
				    (*h >= '0' && *h <= '9') || strchr("-._~", *h))
					pb_buf_putc(&p->url, (char)*h);
				else
					pb_buf_printf(&p->url, "%%%02X", *h);
			}
		}
	}
	envelope_addr(&p->from, cfg->email.from);
	return p;
}

int
pb_smtp_check(const struct pb_outbox_msg *m, const struct pb_config *cfg, char *err,
	      size_t errlen)
{
	if (!cfg->email.smtp_url || !*cfg->email.smtp_url) {
		snprintf(err, errlen, "email is not configured (no email.smtp_url)");
		return -1;
	}
	if (!m->dest || !strchr(m->dest, '@')) {
		snprintf(err, errlen, "not an email address");
		return -1;
	}
	for (const char *p = m->dest; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F || *p == '<' || *p == '>') {
			snprintf(err, errlen, "not an email address");
			return -1;
		}
	return 0;
}

static int
capacity(const struct sess *ss)
{
	if (ss->state == S_DEAD)
		return 0;
	return (ss->state == S_READY && ss->pipelining ? SESS_MSGS : 1) - ss->nm;
}

/* Whether another session may open. */
static int
may_open(const struct pb_smtp_pool *p)
{
	return p->ns < p->max && !p->open_failed;
}

static int
has_capacity(const struct pb_smtp_pool *p)
{
	if (may_open(p))
		return 1;
	for (int i = 0; i < p->ns; i++)
		if (capacity(p->s[i]) > 0)
			return 1;
	return 0;
}

int
pb_smtp_pool_room(const struct pb_smtp_pool *p)
{
	/* Messages handed back by a dead session go first. */
	return p->nrq == 0 && (p->refused || has_capacity(p));
}

/* The session that takes the next message: an idle ready one, a pipelining one with room, a
 * new one while under the limit, a connecting one with room. */
static struct sess *
pick(struct pb_smtp_pool *p)
{
	struct sess *best = NULL;
	int best_rank = 99;

	for (int i = 0; i < p->ns; i++) {
		struct sess *ss = p->s[i];
		int rank;
		if (capacity(ss) <= 0)
			continue;
		rank = ss->state == S_READY ? (ss->nm == 0 ? 0 : 1) : 3;
		if (rank < best_rank) {
			best = ss;
			best_rank = rank;
		}
	}
	if (best_rank > 1 && may_open(p)) {
		struct sess *ss = sess_open(p);
		if (ss) {
			p->s[p->ns++] = ss;
			return ss;
		}
	}
	return best;
}

static int
take(struct pb_smtp_pool *p, struct pb_xfer *x)
{
	struct sess *ss;
	struct smsg *m;

	if (p->refused) {
		struct pb_result res = p->refusal;

		p->done(p->ctx, x, &res);
		return 0;
	}
	ss = pick(p);
	if (!ss)
		return 1;
	m = pb_xcalloc(1, sizeof *m);
	m->x = x;
	m->res.retry_after_s = -1;
	m->from = &p->from;
	m->rcpt = &x->body;
	m->send = x->send;
	m->send_len = x->send_len;
	ss->m[ss->nm++] = m;
	if (ss->state == S_READY) {
		sess_kick(ss);
		write_out(ss);
	}
	return 0;
}

int
pb_smtp_pool_submit(struct pb_smtp_pool *p, struct pb_xfer *x)
{
	pb_buf_reset(&x->body);
	envelope_addr(&x->body, x->msg->dest);
	x->send = x->msg->payload;
	x->send_len = x->msg->payload_len;
	return take(p, x);
}

int
pb_smtp_pool_fds(struct pb_smtp_pool *p, struct curl_waitfd *fds, int max)
{
	int n = 0;

	p->nfdmap = 0;
	for (int i = 0; i < p->ns; i++) {
		struct sess *ss = p->s[i];
		if (ss->state == S_READY && n < max) {
			fds[n].fd = ss->fd;
			fds[n].events = CURL_WAIT_POLLIN;
			if (ss->out_off < ss->out.len && !ss->out_waits_read)
				fds[n].events |= CURL_WAIT_POLLOUT;
			fds[n].revents = 0;
			p->fdmap[n++] = ss;
		} else if (ss->state == S_CONNECTING) {
			for (int j = 0; j < CONN_FDS && n < max; j++) {
				if (ss->cfd[j].fd == CURL_SOCKET_BAD)
					continue;
				fds[n].fd = ss->cfd[j].fd;
				fds[n].events = 0;
				if (ss->cfd[j].what & CURL_POLL_IN)
					fds[n].events |= CURL_WAIT_POLLIN;
				if (ss->cfd[j].what & CURL_POLL_OUT)
					fds[n].events |= CURL_WAIT_POLLOUT;
				fds[n].revents = 0;
				p->fdmap[n++] = ss;
			}
		}
	}
	p->nfdmap = n;
	return n;
}

long
pb_smtp_pool_timeout_ms(const struct pb_smtp_pool *p)
{
	int64_t now = pb_mono_ms(), best = -1;

	for (int i = 0; i < p->ns; i++) {
		const struct sess *ss = p->s[i];
		if (ss->state == S_CONNECTING && ss->timer_ms >= 0) {
			int64_t d = ss->timer_ms - now;
			if (d < 0)
				d = 0;
			if (best < 0 || d < best)
				best = d;
		}
	}
	/* Handed-back messages want a step as soon as a session can take them; a session
	 * finishing a message wakes the wait anyway. */
	if (p->nrq > 0 && has_capacity(p))
		best = 0;
	return (long)best;
}

/* How long the session may go without progress: the wait for the oldest reply due, or for a
 * write when one is incomplete. The reply to a message's end cannot come while the message is
 * still being written. */
static int64_t
io_timeout_ms(const struct sess *ss)
{
	int writing = ss->out_off < ss->out.len || ss->later.len > 0;
	int64_t t = writing ? wait_ms(W_BLOCK) : 0, r = 0;

	if (ss->nexp > 0) {
		switch (ss->exp[0].kind) {
		case K_RSET:
		case K_MAIL:
			r = wait_ms(W_MAIL);
			break;
		case K_RCPT:
			r = wait_ms(W_RCPT);
			break;
		case K_DATA:
			r = wait_ms(W_DATA);
			break;
		case K_DOT:
		case K_DOTX:
			r = writing ? 0 : wait_ms(W_DOT);
			break;
		}
	}
	return r > t ? r : t;
}

void
pb_smtp_timeouts_for_tests(long ms)
{
	minute_ms = ms > 0 ? ms : 60000;
}

void
pb_smtp_pool_step(struct pb_smtp_pool *p, const struct curl_waitfd *fds, int nfds)
{
	int64_t now;
	int running;

	/* Sockets first: what the poll saw. */
	for (int i = 0; i < nfds && i < p->nfdmap; i++) {
		struct sess *ss = p->fdmap[i];
		if (!fds[i].revents)
			continue;
		if (ss->state == S_CONNECTING) {
			int ev = 0;
			if (fds[i].revents & CURL_WAIT_POLLIN)
				ev |= CURL_CSELECT_IN;
			if (fds[i].revents & CURL_WAIT_POLLOUT)
				ev |= CURL_CSELECT_OUT;
			if (fds[i].revents & ~(CURL_WAIT_POLLIN | CURL_WAIT_POLLOUT))
				ev |= CURL_CSELECT_ERR;
			curl_multi_socket_action(ss->multi, fds[i].fd, ev, &running);
			conn_check(ss);
		} else if (ss->state == S_READY) {
			read_in(ss);
			write_out(ss);
			/* Writable, yet nothing could be written: TLS wants to read first. Asking
			 * for room again would wake at once, over and over. */
			if (ss->state == S_READY && ss->stuck &&
			    (fds[i].revents & CURL_WAIT_POLLOUT))
				ss->out_waits_read = 1;
		}
	}
	p->nfdmap = 0;
	now = pb_mono_ms();
	for (int i = 0; i < p->ns; i++) {
		struct sess *ss = p->s[i];
		if (ss->state == S_CONNECTING && ss->timer_ms >= 0 && ss->timer_ms <= now) {
			ss->timer_ms = -1;
			curl_multi_socket_action(ss->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			conn_check(ss);
		}
		if (ss->state == S_READY && (ss->nexp > 0 || ss->out_off < ss->out.len) &&
		    now - ss->last_io_ms > io_timeout_ms(ss))
			sess_kill(ss, "timed out waiting for the SMTP server");
	}
	/* Sessions that are over, or idle too long, go. */
	for (int i = 0; i < p->ns;) {
		struct sess *ss = p->s[i];
		if (ss->state == S_DEAD ||
		    (ss->state == S_READY && ss->nm == 0 && now - ss->idle_since_ms > IDLE_CLOSE_MS)) {
			sess_free(ss);
			p->s[i] = p->s[--p->ns];
			continue;
		}
		i++;
	}
	/* Messages a dead session had not begun take another one. */
	while (p->nrq > 0) {
		struct pb_xfer *x = p->requeue[0];
		if (take(p, x) != 0)
			break;
		memmove(&p->requeue[0], &p->requeue[1], (p->nrq - 1) * sizeof p->requeue[0]);
		p->nrq--;
	}
}

void
pb_smtp_pool_cut(struct pb_smtp_pool *p, const char *why)
{
	if (!p)
		return;
	p->cut = 1;
	for (int i = 0; i < p->ns; i++) {
		struct sess *ss = p->s[i];

		for (int j = 0; j < ss->nm;) {
			struct smsg *m = ss->m[j];
			if (!m->started && !m->failed) {
				memmove(&ss->m[j], &ss->m[j + 1],
					(size_t)(ss->nm - j - 1) * sizeof ss->m[0]);
				ss->nm--;
				smsg_free(m);
				continue;
			}
			j++;
		}
		/* What was begun is cut off as a session that died would be: transient (a
		 * refusal already heard keeps its verdict). The connection is closed unfinished. */
		sess_kill(ss, why);
	}
	/* Messages handed back by a session that died earlier wait for another one: not begun
	 * on any live session, they stay with the caller as they are. */
	p->nrq = 0;
}

void
pb_smtp_pool_free(struct pb_smtp_pool *p)
{
	if (!p)
		return;
	/* Whatever is still carried stays pending in the state: nothing is recorded. */
	for (int i = 0; i < p->ns; i++) {
		struct sess *ss = p->s[i];
		for (int j = 0; j < ss->nm; j++)
			smsg_free(ss->m[j]);
		ss->nm = 0;
		sess_free(ss);
	}
	free(p->s);
	free(p->fdmap);
	free(p->requeue);
	pb_buf_free(&p->url);
	pb_buf_free(&p->from);
	free(p);
}
