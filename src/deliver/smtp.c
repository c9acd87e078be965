/* The email channel: SMTP sessions opened by libcurl (smtp_session.c), one transaction per
 * recipient so each recipient's result is known. STARTTLS is required unless the config says
 * tls = "none"; smtps:// (or tls = "implicit") is TLS from the first byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
email_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro)
{
	ro->unsubscribe_url = c->cfg->email.unsubscribe_url;
	ro->unsubscribe_mailto = c->cfg->email.unsubscribe_mailto;
}

/* With the web endpoint on, each recipient's message carries its own links: the digest is
 * rendered again with that address's unsubscribe and manage links (the footer, the headers),
 * the feedback links staying the subscriber's. Returns 0, -1 with err filled, or 1 when the
 * links cannot be made for this recipient (the caller builds the message without them). */
static int
email_build_links(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
		  struct pb_parts *out, char *err, size_t errlen)
{
	const struct pb_config *cfg = c->cfg;
	struct pb_render_opts ro = *c->ro;
	struct pb_buf unsub = { 0 }, manage = { 0 }, list_id = { 0 };
	struct pb_parts text = { 0 }, html = { 0 };
	struct pb_mail_list l;
	size_t len = 0;
	char *mail = NULL;
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
	ro.unsubscribe_url = pb_buf_str(&unsub);
	ro.manage_url = pb_buf_str(&manage);
	if (pb_render(c->d, PB_FMT_TEXT, &ro, &text) < 0 || !text.n ||
	    pb_render(c->d, PB_FMT_HTML, &ro, &html) < 0 || !html.n) {
		snprintf(err, errlen, "email: nothing rendered");
		goto out;
	}
	pb_mail_list_id(&list_id, c->sub->name, cfg->web.base_url);
	l.unsub_url = pb_buf_str(&unsub);
	l.list_id = pb_buf_str(&list_id);
	mail = pb_mail_build_list(cfg, dest, c->d->subject ? c->d->subject : c->d->title,
				  text.v[0], html.v[0], msg_id, c->now, &l, &len);
	if (!mail) {
		snprintf(err, errlen, "email: cannot build the message");
		goto out;
	}
	pb_parts_push(out, mail);
	rc = 0;
out:
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
	mail = pb_mail_build(c->cfg, dest, c->d->subject ? c->d->subject : c->d->title,
			     c->out[PB_FMT_TEXT].v[0], c->out[PB_FMT_HTML].v[0], msg_id, c->now,
			     &len);
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
	.render_opts = email_render_opts,
	.build = email_build,
	.check = pb_smtp_check,
};
