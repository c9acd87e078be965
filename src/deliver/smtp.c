/* The email channel: SMTP sessions opened by libcurl (smtp_session.c), one transaction per
 * recipient so each recipient's result is known. STARTTLS is required unless the config says
 * tls = "none"; smtps:// (or tls = "implicit") is TLS from the first byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

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

/* One MIME message per recipient: the plain-text and HTML renderings as alternatives. */
static int
email_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	    struct pb_parts *out, char *err, size_t errlen)
{
	size_t len = 0;
	char *mail;

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
