/* One-click unsubscribe (RFC 8058): GET /u/TOKEN shows what would stop and a button (link
 * scanners fetch every GET, so a GET changes nothing); POST /u/TOKEN with the body
 * "List-Unsubscribe=One-Click", exactly as a mailbox provider sends it (no cookie, no CSRF
 * field), or from the page's button (with its CSRF field), unsubscribes at once: the
 * destination is suppressed for that subscriber, and the subscriber is marked "unsubscribed"
 * when it has no destination left. Committed before the answer; a second POST says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/log.h"
#include "paperboy/render.h"
#include "paperboy/state.h"
#include "page.h"
#include "routes.h"

#define FORM_NAME "unsub"

int
pb_web_unsub_dest(char *detail, const char **channel, const char **dest)
{
	char *colon = strchr(detail, ':');

	*channel = "email";
	*dest = detail;
	/* "telegram:12345" names its channel; an address ("ann@x.org") is an email's. */
	if (colon && !memchr(detail, '@', (size_t)(colon - detail))) {
		*colon = '\0';
		*channel = detail;
		*dest = colon + 1;
	}
	if (!pb_channel_find(*channel) || !**dest)
		return -1;
	return 0;
}

/* The subscriber's destinations on the channels that reach a reader (the file sink, which
 * describes itself instead, is none) that are not suppressed: 0, 1 (some left) or -1. */
static int
any_left(struct pb_web_ctx *ctx, const struct pb_subscriber *sub)
{
	struct pb_chan_ctx cx = { .cfg = ctx->cfg, .sub = sub };
	int left = 0;

	for (size_t i = 0; i < pb_channel_count() && !left; i++) {
		const struct pb_channel *ch = pb_channel_at(i);
		struct pb_buf about = { 0 };
		struct pb_parts d = { 0 };
		int own = pb_channel_describe(ch, ctx->cfg, &about);

		pb_buf_free(&about);
		if (own)
			continue;
		pb_channel_dests(ch, &cx, &d);
		for (size_t k = 0; k < d.n && !left; k++) {
			int has = pb_suppress_has(ctx->st, sub->name, pb_channel_name(ch), d.v[k]);

			if (has < 0)
				left = -1;
			else if (has == 0)
				left = 1;
		}
		pb_parts_free(&d);
	}
	return left;
}

int
pb_web_unsubscribe(struct pb_web_ctx *ctx, const char *name, const char *channel,
		   const char *dest, const char *how)
{
	const struct pb_subscriber *sub = pb_config_subscriber(ctx->cfg, name);
	struct pb_buf reason = { 0 };
	struct pb_sub_row row;
	int rc = -1, has, left = 0, found = 0;

	memset(&row, 0, sizeof row);
	pb_buf_printf(&reason, "unsubscribed by the recipient (%s)", how);
	if (pb_state_begin(ctx->st) < 0)
		goto out;
	if ((has = pb_suppress_has(ctx->st, name, channel, dest)) < 0)
		goto fail;
	if (has) {
		rc = 0;
		pb_state_rollback(ctx->st);
		goto out;
	}
	if (pb_suppress_put(ctx->st, name, channel, dest, reason.data, NULL) < 0)
		goto fail;
	/* A subscriber this process cannot find (its configuration read before the subscriber
	 * came) is not taken for one with nothing left: the address alone stops. */
	if (!sub)
		left = 1;
	else if ((left = any_left(ctx, sub)) < 0)
		goto fail;
	if (!left) {
		if ((found = pb_sub_get(ctx->st, name, &row)) < 0)
			goto fail;
		if (!found) {
			row.name = pb_xstrdup(name);
			row.source = pb_xstrdup("config");
		}
		free(row.state);
		free(row.reason);
		row.state = pb_xstrdup("unsubscribed");
		row.reason = pb_xstrdup(reason.data);
		if (pb_sub_put(ctx->st, &row) < 0)
			goto fail;
	}
	if (pb_state_commit(ctx->st) < 0)
		goto fail;
	pb_info("web.unsubscribed", "subscriber=%s channel=%s dest=%s how=%s subscriber_state=%s",
		pb_q(name), channel, pb_q(dest), pb_q(how), left ? "active" : "unsubscribed");
	rc = 1;
	goto out;
fail:
	pb_err("web.unsubscribe_failed", "subscriber=%s channel=%s error=%s", pb_q(name), channel,
	       pb_q(pb_state_errmsg(ctx->st)));
	if (pb_state_in_transaction(ctx->st))
		pb_state_rollback(ctx->st);
out:
	pb_sub_row_clear(&row);
	pb_buf_free(&reason);
	return rc;
}

/* The token's subscriber and destination, or a plain page and -1. */
static int
read_token(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_token *t,
	   const char **channel, const char **dest, struct pb_web_resp *resp)
{
	if (pb_web_token(ctx, pb_web_path_rest(req, "/u/"), pb_link_purpose(PB_LINK_UNSUB), t,
			 resp) < 0 || pb_web_token_current(ctx, PB_LINK_UNSUB, t, resp) < 0)
		return -1;
	if (pb_web_unsub_dest(t->detail, channel, dest) < 0) {
		pb_page_plain(resp, 400, "This link is broken",
			      "This link does not say which address to unsubscribe.");
		return -1;
	}
	return 0;
}

static void
say_dest(struct pb_web_resp *resp, const char *channel, const char *dest)
{
	pb_buf_puts(&resp->body, "<strong>");
	pb_page_esc(resp, dest);
	pb_buf_puts(&resp->body, "</strong>");
	if (strcmp(channel, "email") != 0) {
		pb_buf_puts(&resp->body, " (");
		pb_page_esc(resp, channel);
		pb_buf_puts(&resp->body, ")");
	}
}

static void
done_page(struct pb_web_resp *resp, int already, const char *name, const char *channel,
	  const char *dest)
{
	resp->status = 200;
	pb_page_begin(resp, already ? "Already unsubscribed" : "Unsubscribed");
	pb_buf_puts(&resp->body, "<p>");
	say_dest(resp, channel, dest);
	pb_buf_puts(&resp->body, already ? " was already unsubscribed from the digest "
					 : " will receive nothing more from the digest ");
	pb_buf_puts(&resp->body, "<strong>");
	pb_page_esc(resp, name);
	pb_buf_puts(&resp->body, "</strong>.</p>\n");
	pb_page_end(resp);
}

void
pb_web_unsub_get(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	struct pb_token t;
	const char *channel, *dest;
	int has;

	if (read_token(ctx, req, &t, &channel, &dest, resp) < 0)
		return;
	if ((has = pb_suppress_has(ctx->st, t.subject, channel, dest)) < 0) {
		pb_web_state_failed(ctx, resp, "Something went wrong",
				    "The subscription cannot be read right now; try again later.");
		return;
	}
	if (has) {
		done_page(resp, 1, t.subject, channel, dest);
		return;
	}
	resp->status = 200;
	pb_page_begin(resp, "Unsubscribe");
	pb_buf_puts(&resp->body, "<p>Stop sending the digest <strong>");
	pb_page_esc(resp, t.subject);
	pb_buf_puts(&resp->body, "</strong> to ");
	say_dest(resp, channel, dest);
	pb_buf_puts(&resp->body, "?</p>\n<form method=\"post\">\n"
		    "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">");
	pb_csrf_field(ctx, resp, FORM_NAME, t.subject);
	pb_buf_puts(&resp->body, "\n<button type=\"submit\">Unsubscribe</button>\n</form>\n"
		    "<p class=\"note\">Nothing changes until you press the button.</p>\n");
	pb_page_end(resp);
}

void
pb_web_unsub_post(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	const char *v = pb_form_get(&req->form, "List-Unsubscribe");
	struct pb_token t;
	const char *channel, *dest, *how;
	int one_click, rc;

	if (read_token(ctx, req, &t, &channel, &dest, resp) < 0)
		return;
	if (!v || strcmp(v, "One-Click") != 0) {
		pb_web_bad_form(resp, "An unsubscribe request carries List-Unsubscribe=One-Click.");
		return;
	}
	/* RFC 8058: the provider's POST has that one field and nothing else. */
	one_click = req->form.n == 1;
	if (!one_click && !pb_csrf_ok(ctx, req, FORM_NAME, t.subject)) {
		pb_web_form_expired(resp, "Open the link again and press the button.");
		return;
	}
	how = one_click ? "one-click" : "web page";
	if ((rc = pb_web_unsubscribe(ctx, t.subject, channel, dest, how)) < 0) {
		pb_web_state_failed(ctx, resp, "Something went wrong", "The request could not "
				    "be recorded; nothing changed. Try again later.");
		return;
	}
	done_page(resp, rc == 0, t.subject, channel, dest);
}
