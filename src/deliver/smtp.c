/* The email channel: SMTP sessions opened by libcurl (smtp_session.c), one transaction per
 * recipient so each recipient's result is known. STARTTLS is required unless the config says
 * tls = "none"; smtps:// (or tls = "implicit") is TLS from the first byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "channel.h"
#include "paperboy/log.h"
#include "paperboy/web.h"

void
pb_smtp_classify(CURLcode rc, long code, const char *reply, const char *curl_err,
		 struct pb_result *r)
{
	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (rc == CURLE_OK) {
		r->verdict = PB_V_SENT;
		return;
	}
	/* The server's reply decides when there is one: 4xx later, 5xx never. */
	if (code >= 400 && code < 600) {
		r->verdict = code < 500 ? PB_V_TRANSIENT : PB_V_PERMANENT;
		if (reply && *reply)
			pb_reason_copy(r->reason, sizeof r->reason, reply, strlen(reply));
		else
			snprintf(r->reason, sizeof r->reason, "SMTP %ld", code);
		return;
	}
	pb_classify_curl(rc, curl_err, r);
}

static void
email_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	for (size_t i = 0; c->cfg->email.enabled && i < c->sub->n_emails; i++)
		pb_chan_dest(out, c->sub->emails[i]);
}

/* An address's local part is the mailbox's to read (byte for byte); its domain is a name
 * of the DNS, in any case (RFC 5321 2.4). */
static int
email_same_dest(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');

	if (!da || !db)
		return strcmp(a, b) == 0;
	return da - a == db - b && strncmp(a, b, (size_t)(da - a)) == 0 &&
	       strcasecmp(da, db) == 0;
}

static void
email_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro)
{
	ro->unsubscribe_url = c->cfg->email.unsubscribe_url;
	ro->unsubscribe_mailto = c->cfg->email.unsubscribe_mailto;
}

/* The digest's text and HTML rendered once with stand-ins for a recipient's unsubscribe and
 * manage links, of the same lengths as that recipient's: every renderer decision (wrapping,
 * the HTML size cap) depends on a link's length only, never its letters, so putting the
 * recipient's links over the stand-ins gives the same bytes as rendering for them. The
 * stand-ins carry a random nonce, so no paper's text can hold one. */
struct pb_mail_tpl {
	size_t lu, lm;          /* the links' lengths it was made for */
	char *pu, *pm;          /* the stand-ins */
	struct pb_parts text, html;
	/* where the run's cached blocks are in text and html (the links spliced in keep every
	 * offset: they are as long as the stand-ins) */
	struct pb_blocks blocks[PB_FMT_COUNT];
};

void
pb_mail_tpl_free(struct pb_mail_tpl *t)
{
	if (!t)
		return;
	free(t->pu);
	free(t->pm);
	pb_parts_free(&t->text);
	pb_parts_free(&t->html);
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_blocks_free(&t->blocks[f]);
	free(t);
}

/* A link every format writes as it is: letters, digits and -._~:/?=%+ (what base_url and
 * a token are made of); anything else (an &, a quote) is rendered whole instead. */
static int
link_plain(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-._~:/?=%+", *s)))
			return 0;
	return 1;
}

/* "https://pbNONCE" then fill up to n characters; NULL when n is too short for it. */
static char *
stand_in(const char *nonce, char fill, size_t n)
{
	char *p;
	size_t k;

	k = strlen("https://pb") + strlen(nonce);
	if (n < k + 8)
		return NULL;
	p = pb_xmalloc(n + 1);
	snprintf(p, n + 1, "https://pb%s", nonce);
	memset(p + k, fill, n - k);
	p[n] = '\0';
	return p;
}

/* Copies s with every pu replaced by u and pm by m (same lengths). With same_qp, sets it to
 * whether the copy encodes (pb_mail_qp_len) as long as s: lines are encoded alone, so only
 * the lines holding a link are measured, each once its every link is in. */
static char *
splice(const char *s, const char *pu, const char *u, const char *pm, const char *m,
       int *same_qp)
{
	char *o = pb_xstrdup(s);
	size_t lu = strlen(pu), lm = strlen(pm), from = 0, to = 0, qs = 0, qo = 0;

	for (char *p = strstr(o, "https://pb"); p; p = strstr(p + 1, "https://pb")) {
		const char *nl;

		if (strncmp(p, pu, lu) == 0)
			memcpy(p, u, lu);
		else if (strncmp(p, pm, lm) == 0)
			memcpy(p, m, lm);
		else
			continue;
		if (!same_qp || (size_t)(p - o) < to)
			continue;
		/* a link past the line before it: that line is whole */
		qs += pb_mail_qp_len(s + from, to - from);
		qo += pb_mail_qp_len(o + from, to - from);
		for (from = (size_t)(p - o); from > 0 && o[from - 1] != '\n'; from--)
			;
		nl = strchr(p, '\n');
		to = nl ? (size_t)(nl + 1 - o) : (size_t)(p - o) + strlen(p);
	}
	if (same_qp) {
		qs += pb_mail_qp_len(s + from, to - from);
		qo += pb_mail_qp_len(o + from, to - from);
		*same_qp = qs == qo;
	}
	return o;
}

/* The recipient's text and HTML (malloc'd into *text, *html) through the subscriber's
 * template, made or remade when the links' lengths differ. Returns 0, or -1 when the links
 * cannot go through a template (the caller renders them whole). */
static int
from_template(const struct pb_chan_ctx *c, const struct pb_render_opts *ro0, const char *u,
	      const char *m, char **text, char **html)
{
	struct pb_mail_tpl *t = c->mail_tpl ? *c->mail_tpl : NULL;
	size_t lu = strlen(u), lm = strlen(m);
	int same_qp;

	if (!c->mail_tpl || !link_plain(u) || !link_plain(m))
		return -1;
	if (!t || t->lu != lu || t->lm != lm) {
		struct pb_render_opts ro = *ro0;
		unsigned char rnd[8];
		char nonce[17];

		pb_mail_tpl_free(t);
		*c->mail_tpl = NULL;
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			return -1;
		for (int i = 0; i < 8; i++)
			snprintf(nonce + 2 * i, 3, "%02x", rnd[i]);
		t = pb_xcalloc(1, sizeof *t);
		t->lu = lu;
		t->lm = lm;
		t->pu = stand_in(nonce, 'u', lu);
		t->pm = stand_in(nonce, 'm', lm);
		ro.unsubscribe_url = t->pu;
		ro.manage_url = t->pm;
		ro.blocks = ro.cache ? t->blocks : NULL;
		if (!t->pu || !t->pm || pb_render(c->d, PB_FMT_TEXT, &ro, &t->text) < 0 ||
		    !t->text.n || pb_render(c->d, PB_FMT_HTML, &ro, &t->html) < 0 || !t->html.n) {
			pb_mail_tpl_free(t);
			return -1;
		}
		*c->mail_tpl = t;
	}
	*html = splice(t->html.v[0], t->pu, u, t->pm, m, &same_qp);
	/* The HTML cap counts the encoded part (html.c), where a link's '=', or a '.' that a
	 * soft break puts first on a line, takes three bytes, not one: links whose encoding is
	 * not as long as the stand-ins' might have been cut elsewhere, so they render whole. */
	if (!same_qp) {
		free(*html);
		*html = NULL;
		return -1;
	}
	*text = splice(t->text.v[0], t->pu, u, t->pm, m, NULL);
	return 0;
}

/* With the web endpoint on, each recipient's message carries its own links: the digest with
 * that address's unsubscribe and manage links (the footer, the headers), the feedback links
 * staying the subscriber's, filled into the subscriber's template (or rendered whole).
 * Returns 0, -1 with err filled, or 1 when the links cannot be made for this recipient (the
 * caller builds the message without them). */
static int
email_build_links(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
		  struct pb_parts *out, char *err, size_t errlen)
{
	const struct pb_config *cfg = c->cfg;
	struct pb_render_opts ro = *c->ro;
	const struct pb_mail_tpl *tpl = NULL;
	struct pb_buf unsub = { 0 }, manage = { 0 }, list_id = { 0 };
	struct pb_parts text = { 0 }, html = { 0 };
	struct pb_mail_list l;
	size_t len = 0;
	char *mail = NULL, *t = NULL, *h = NULL;
	int rc = -1;

	if (pb_link_make(&unsub, cfg->web.base_url, c->secret, PB_LINK_UNSUB, c->sub->name, dest,
			 (int64_t)c->now) < 0 ||
	    pb_link_make(&manage, cfg->web.base_url, c->secret, PB_LINK_MANAGE, c->sub->name,
			 dest, (int64_t)c->now) < 0) {
		/* too long for a token (over PB_TOKEN_FIELD_MAX bytes): this recipient gets the
		 * message without the reader's links rather than none */
		pb_warn("email.no_links", "subscriber=%s dest=%s error=%s", pb_q(c->sub->name),
			pb_q(dest), pb_q("the name or address is too long for a signed link"));
		rc = 1;
		goto out;
	}
	ro.blocks = NULL;   /* the subscriber's rendering keeps its own */
	if (from_template(c, c->ro, pb_buf_str(&unsub), pb_buf_str(&manage), &t, &h) == 0) {
		tpl = *c->mail_tpl;
	} else {
		ro.unsubscribe_url = pb_buf_str(&unsub);
		ro.manage_url = pb_buf_str(&manage);
		if (pb_render(c->d, PB_FMT_TEXT, &ro, &text) < 0 || !text.n ||
		    pb_render(c->d, PB_FMT_HTML, &ro, &html) < 0 || !html.n) {
			snprintf(err, errlen, "email: nothing rendered");
			goto out;
		}
	}
	pb_mail_list_id(&list_id, c->sub->name, cfg->web.base_url);
	l.unsub_url = pb_buf_str(&unsub);
	l.list_id = pb_buf_str(&list_id);
	mail = pb_mail_build_blocks(cfg, dest, c->d->subject ? c->d->subject : c->d->title,
				    t ? t : text.v[0], h ? h : html.v[0], msg_id, c->now, &l,
				    tpl ? &tpl->blocks[PB_FMT_TEXT] : NULL,
				    tpl ? &tpl->blocks[PB_FMT_HTML] : NULL, c->hints, &len);
	if (!mail) {
		snprintf(err, errlen, "email: cannot build the message");
		goto out;
	}
	pb_parts_push(out, mail);
	rc = 0;
out:
	free(h);
	free(t);
	pb_parts_free(&html);
	pb_parts_free(&text);
	pb_buf_free(&list_id);
	pb_buf_free(&manage);
	pb_buf_free(&unsub);
	return rc;
}

/* One MIME message per recipient: the plain-text and HTML renderings as alternatives. */
static int
email_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	    struct pb_parts *out, char *err, size_t errlen)
{
	size_t len = 0;
	char *mail;

	if (c->secret && c->ro && c->d && c->cfg->web.enabled && c->cfg->web.base_url &&
	    *c->cfg->web.base_url) {
		int r = email_build_links(c, dest, msg_id, out, err, errlen);

		if (r <= 0)
			return r;
	}
	if (!c->out || !c->out[PB_FMT_TEXT].n || !c->out[PB_FMT_HTML].n) {
		snprintf(err, errlen, "email: nothing rendered");
		return -1;
	}
	/* the subscriber's subject (its template, or its language's default) */
	mail = pb_mail_build_blocks(c->cfg, dest, c->d->subject ? c->d->subject : c->d->title,
				    c->out[PB_FMT_TEXT].v[0], c->out[PB_FMT_HTML].v[0], msg_id,
				    c->now, NULL,
				    c->ro && c->ro->blocks ? &c->ro->blocks[PB_FMT_TEXT] : NULL,
				    c->ro && c->ro->blocks ? &c->ro->blocks[PB_FMT_HTML] : NULL,
				    c->hints, &len);
	if (!mail) {
		snprintf(err, errlen, "email: cannot build the message");
		return -1;
	}
	pb_parts_push(out, mail);
	return 0;
}

const struct pb_channel pb_channel_email = {
	.name = "email",
	.title = "email",
	.formats = 1u << PB_FMT_TEXT | 1u << PB_FMT_HTML,
	.dests = email_dests,
	.same_dest = email_same_dest,
	.render_opts = email_render_opts,
	.build = email_build,
	.check = pb_smtp_check,
};
