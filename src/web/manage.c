/* The manage page, reached by the signed /m/ link every digest carries: a stored subscriber
 * edits its topics, language and cap (checked as `subscriber edit` checks them) and previews
 * them on the latest announcement; every subscriber pauses, resumes and unsubscribes (a config
 * subscriber's settings are the administrator's), and signs out every earlier link to the
 * page, a new one mailed. Every change is committed before the page answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/cli.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/state.h"
#include "paperboy/log.h"

#include "page.h"
#include "pages.h"
#include "routes.h"

struct mg {
	struct pb_web_ctx *ctx;
	const struct pb_web_req *req;
	struct pb_web_resp *resp;
	struct pb_token tok;
	/* The configuration this worker holds (every subscriber, inactive ones too, read again
	 * by the server when the file or the stored subscribers change, the last good one kept
	 * while the file does not load): reading the file and every stored subscriber again
	 * for each page took seconds at tens of thousands. Only a check of settings (save, a
	 * stored subscriber's preview) reads them. */
	const struct pb_config *cfg;
	const struct pb_subscriber *sub;
	struct pb_sub_row own;       /* the subscriber's row, when it has one */
	const struct pb_sub_row *row; /* &own, or NULL: active, no row */
};

/* Reads the subscriber's row into m->own. 0 / -1. */
static int
read_row(struct mg *m)
{
	int found;

	pb_sub_row_clear(&m->own);
	memset(&m->own, 0, sizeof m->own);
	m->row = NULL;
	if ((found = pb_sub_get(m->ctx->st, m->tok.subject, &m->own)) < 0)
		return -1;
	if (found)
		m->row = &m->own;
	return 0;
}

/* After a change, so the page shows what is stored: the row read again, and after new
 * settings (json, given) the subscriber in the configuration too, alone: every worker takes
 * the new settings without a read of every stored subscriber. 0, or -1 when the subscriber
 * is no longer in the configuration (m->sub is then NULL). */
static int
refresh(struct mg *m, const char *json)
{
	if (json) {
		/* may free the configuration m->sub was in; the row is read again below */
		pb_pages_replace(m->ctx, m->tok.subject, m->row ? m->row->settings : NULL, json);
		m->cfg = m->ctx->cfg;
		if (!(m->sub = pb_config_subscriber(m->cfg, m->tok.subject)))
			return -1;
	}
	if (read_row(m) < 0)
		pb_warn("web.manage", "error=%s", pb_q(pb_state_errmsg(m->ctx->st)));
	return 0;
}

static const char *
state_of(const struct mg *m)
{
	return m->row ? m->row->state : "active";
}

static void
button(struct mg *m, const char *action, const char *label)
{
	pb_buf_puts(&m->resp->body, "<form method=\"post\" class=\"inline\">");
	pb_csrf_field(m->ctx, m->resp, "manage", m->sub->name);
	pb_buf_printf(&m->resp->body, "<input type=\"hidden\" name=\"action\" value=\"%s\">"
		      "<button type=\"submit\" id=\"%s\">%s</button></form>\n", action, action,
		      label);
}

/* The suppression of (channel, dest) among v, or NULL. */
static const struct pb_suppress_row *
suppressed(const struct pb_suppress_row *v, size_t n, const char *channel, const char *dest)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].channel, channel) == 0 && strcmp(v[i].dest, dest) == 0)
			return &v[i];
	return NULL;
}

/* Calls fn for each of the subscriber's destinations (a reader's: not the file sink's files),
 * until it returns nonzero; returns that. */
static int
each_dest(const struct mg *m, int (*fn)(const struct mg *, const struct pb_channel *,
					 const char *, void *), void *arg)
{
	struct pb_chan_ctx cx;
	int r = 0;

	memset(&cx, 0, sizeof cx);
	cx.cfg = m->cfg;
	cx.sub = m->sub;
	for (size_t i = 0; r == 0 && i < pb_channel_count(); i++) {
		const struct pb_channel *ch = pb_channel_at(i);
		struct pb_parts d = { 0 };

		if (strcmp(pb_channel_name(ch), "file") == 0)
			continue;
		pb_channel_dests(ch, &cx, &d);
		for (size_t k = 0; r == 0 && k < d.n; k++)
			r = fn(m, ch, d.v[k], arg);
		pb_parts_free(&d);
	}
	return r;
}

struct dest_list {
	const struct pb_suppress_row *sv;
	size_t ns;
};

static int
dest_item(const struct mg *m, const struct pb_channel *ch, const char *dest, void *arg)
{
	const struct dest_list *l = arg;
	const struct pb_suppress_row *sr = suppressed(l->sv, l->ns, pb_channel_name(ch), dest);
	const char *label = sr ? "Send here again" : "Stop sending here";
	struct pb_web_resp *resp = m->resp;

	pb_buf_puts(&resp->body, "<li>");
	pb_page_esc(resp, pb_channel_title(ch));
	pb_buf_puts(&resp->body, ": <b>");
	pb_page_esc(resp, dest);
	pb_buf_puts(&resp->body, "</b> ");
	if (sr) {
		pb_buf_puts(&resp->body, "<span class=\"stopped\">stopped (");
		pb_page_esc(resp, sr->reason);
		pb_buf_puts(&resp->body, ")</span>");
	} else {
		pb_buf_puts(&resp->body, "<span class=\"going\">receives the digest</span>");
	}
	pb_buf_puts(&resp->body, "<form method=\"post\" class=\"inline\">");
	pb_csrf_field(m->ctx, resp, "manage", m->sub->name);
	pb_buf_puts(&resp->body, "<input type=\"hidden\" name=\"channel\" value=\"");
	pb_page_esc(resp, pb_channel_name(ch));
	pb_buf_puts(&resp->body, "\"><input type=\"hidden\" name=\"dest\" value=\"");
	pb_page_esc(resp, dest);
	/* every destination's button reads the same: a screen reader listing the buttons hears
	 * which each one is for, after the words it shows (WCAG 2.5.3) */
	pb_buf_printf(&resp->body, "\"><button type=\"submit\" name=\"action\" value=\"%s\" "
		      "aria-label=\"%s (", sr ? "restart" : "stop", label);
	pb_esc_html_attr(&resp->body, pb_channel_title(ch));
	pb_buf_puts(&resp->body, ": ");
	pb_esc_html_attr(&resp->body, dest);
	pb_buf_printf(&resp->body, ")\">%s</button></form></li>\n", label);
	return 0;
}

/* Where the digest goes, each destination with its state and a button to stop or restart it
 * alone. */
static void
dest_section(struct mg *m)
{
	struct dest_list l = { NULL, 0 };

	if (pb_suppress_list(m->ctx->st, m->sub->name, (struct pb_suppress_row **)&l.sv,
			     &l.ns) < 0)
		return;
	pb_buf_puts(&m->resp->body, "<h2>Where it goes</h2>\n<ul id=\"dests\">\n");
	each_dest(m, dest_item, &l);
	pb_buf_puts(&m->resp->body, "</ul>\n");
	pb_suppress_rows_free((struct pb_suppress_row *)l.sv, l.ns);
}

struct dest_find {
	const char *channel, *dest;
};

static int
dest_match(const struct mg *m, const struct pb_channel *ch, const char *dest, void *arg)
{
	const struct dest_find *f = arg;

	(void)m;
	return strcmp(pb_channel_name(ch), f->channel) == 0 && strcmp(dest, f->dest) == 0;
}

/* The settings' form with its Save and Preview buttons, filled with the given values. */
static void
settings_form(struct mg *m, const char *topics, const char *language, int max_papers,
	      const char *invalid)
{
	struct pb_web_resp *resp = m->resp;

	pb_buf_puts(&resp->body, "<form method=\"post\" id=\"settings\">\n");
	pb_csrf_field(m->ctx, resp, "manage", m->sub->name);
	pb_pages_fields(resp, topics, language, max_papers, invalid);
	pb_buf_puts(&resp->body, "<button type=\"submit\" name=\"action\" value=\"save\" "
		    "id=\"save\">Save</button>\n<button type=\"submit\" name=\"action\" "
		    "value=\"preview\" id=\"preview\">Preview</button>\n</form>\n");
}

/* Whether the request is a stored subscriber's Save or Preview: its edit is on the form. */
static int
edit_sent(const struct mg *m)
{
	const char *action = pb_form_get(&m->req->form, "action");

	return m->sub->stored && strcmp(m->req->method, "POST") == 0 && action &&
	       (strcmp(action, "save") == 0 || strcmp(action, "preview") == 0);
}

/* The answer of a request the state failed, on the manage page's frame: busy or too far
 * (pb_web_busy: 503 with Retry-After), to press again in a few seconds; failing otherwise
 * (a file it cannot read, a table gone; or, error given, the configuration file: 500), to
 * try again later, the administrator told by the log line (error, or the state's). Either
 * says that nothing changed; a Save or a Preview gets its settings back as they were sent
 * (escaped, with fresh csrf fields), so the reader's edit is not lost. Nothing of the
 * subscriber's stored state is shown (it could not be read, nor whether the link is still
 * its). */
static void
state_failed(struct mg *m, const char *why, const char *error)
{
	const struct pb_form *f = &m->req->form;
	const char *fm = pb_form_get(f, "max_papers");
	const char *action = pb_form_get(f, "action");
	int busy = !error && pb_web_busy(m->ctx, m->resp);
	struct pb_buf msg = { 0 };

	pb_warn("web.manage", "status=error subscriber=%s action=%s busy=%d error=%s",
		pb_q(m->sub->name), pb_q(action ? action : m->req->method), busy,
		pb_q(error ? error : pb_state_errmsg(m->ctx->st)));
	if (!busy) {
		pb_buf_reset(&m->resp->headers);
		m->resp->status = 500;
	}
	pb_buf_printf(&msg, "%s, and nothing was %s: ", busy ? "The service is busy just now"
		      : why, edit_sent(m) ? "saved" : "changed");
	pb_buf_puts(&msg, busy ? "press the button again in a few seconds."
		    : "please try again later.");
	pb_buf_reset(&m->resp->body);
	pb_page_begin_failed(m->resp, "Your arXiv digest");
	if (edit_sent(m)) {
		pb_pages_error(m->resp, msg.data, NULL);
		settings_form(m, pb_form_get(f, "topics") ? pb_form_get(f, "topics") : "",
			      pb_form_get(f, "language"), fm ? atoi(fm) : m->sub->max_papers, NULL);
	} else {
		pb_buf_puts(&m->resp->body, "<p class=\"error\" role=\"alert\" id=\"error\">");
		pb_page_esc(m->resp, msg.data);
		pb_buf_puts(&m->resp->body, "</p>\n");
	}
	pb_page_end(m->resp);
	pb_buf_free(&msg);
}

/* The whole page; notice (a sentence) and error (pb_pages_error) may be NULL; topics,
 * language and max papers as the form showed them (NULL: the subscriber's). The preview
 * section of cfg's subscriber index preview_i follows when preview_cfg is given. */
static void
page(struct mg *m, const char *notice, const char *error, const struct pb_form *f,
     const struct pb_config *preview_cfg, size_t preview_i)
{
	struct pb_web_resp *resp = m->resp;
	const struct pb_subscriber *s = m->sub;
	const char *state = state_of(m);
	struct pb_buf topics = { 0 };
	const char *ft = f ? pb_form_get(f, "topics") : NULL;
	const char *fl = f ? pb_form_get(f, "language") : NULL;
	const char *fm = f ? pb_form_get(f, "max_papers") : NULL;

	if (error)
		pb_page_begin_failed(resp, "Your arXiv digest");
	else
		pb_page_begin(resp, "Your arXiv digest");
	if (notice) {
		pb_buf_puts(&resp->body, "<p class=\"notice\" role=\"status\" id=\"notice\">");
		pb_page_esc(resp, notice);
		pb_buf_puts(&resp->body, "</p>\n");
	}
	pb_buf_puts(&resp->body, "<p>For <b>");
	pb_page_esc(resp, m->tok.detail[0] ? m->tok.detail : s->name);
	pb_buf_puts(&resp->body, "</b>: <span id=\"state\">");
	pb_page_esc(resp, state);
	pb_buf_puts(&resp->body, "</span>");
	if (m->row && m->row->reason) {
		pb_buf_puts(&resp->body, " (");
		pb_page_esc(resp, m->row->reason);
		pb_buf_puts(&resp->body, ")");
	}
	pb_buf_puts(&resp->body, ".</p>\n");
	if (error)
		pb_pages_error(resp, error, ft);
	else if (ft)   /* saved or previewed as sent: what a rule copied from arXiv means here */
		pb_pages_rule_notes(resp, ft, fl && *fl ? fl : s->language);
	if (ft)
		pb_buf_puts(&topics, ft);
	else
		pb_pages_topics_text(s, &topics);
	if (s->stored) {
		settings_form(m, topics.data ? topics.data : "", fl ? fl : s->language,
			      fm ? atoi(fm) : s->max_papers, pb_pages_error_field(error));
	} else {
		pb_buf_puts(&resp->body, "<p>Your topics (the administrator sets them):</p>"
			    "<pre class=\"query\">");
		pb_page_esc(resp, topics.data ? topics.data : "");
		pb_buf_puts(&resp->body, "</pre>\n");
		button(m, "preview", "Preview");
	}
	if (strcmp(state, "active") == 0)
		button(m, "pause", "Pause");
	else if (strcmp(state, "paused") == 0)
		button(m, "resume", "Resume");
	if (strcmp(state, "unsubscribed") != 0)
		button(m, "unsubscribe", "Unsubscribe");
	else
		button(m, "resubscribe", "Subscribe again");
	dest_section(m);
	pb_buf_puts(&resp->body, "<h2>Links to this page</h2>\n<p>Every digest carries a link "
		    "to this page. If one was forwarded or seen by someone else, sign out every "
		    "earlier link: none of them opens this page any more, and a new link is "
		    "mailed to you. Unsubscribe links keep working.</p>\n");
	button(m, "signout", "Sign out other links");
	if (preview_cfg)
		pb_pages_preview(resp, preview_cfg, m->ctx->st, preview_i);
	pb_page_end(resp);
	pb_buf_free(&topics);
}

/* Writes the subscriber's row with state and reason (settings kept; NULL for a config
 * subscriber). 0 / -1. */
static int
put_state(struct mg *m, const char *state, const char *reason)
{
	struct pb_sub_row r = { 0 };

	r.name = m->sub->name;
	r.settings = m->row ? m->row->settings : NULL;
	r.state = (char *)state;
	r.reason = (char *)reason;
	r.source = m->row ? m->row->source : (char *)(m->sub->stored ? "web" : "config");
	return pb_sub_put(m->ctx->st, &r);
}

/* Lifts the suppression of (channel, dest) and makes an unsubscribed or suppressed
 * subscriber active again, in one transaction. 0 / -1. */
static int
restart(struct mg *m, const char *channel, const char *dest)
{
	const char *state = state_of(m);

	if (pb_state_begin(m->ctx->st) < 0)
		return -1;
	if (pb_suppress_lift(m->ctx->st, m->sub->name, channel, dest) < 0 ||
	    ((strcmp(state, "unsubscribed") == 0 || strcmp(state, "suppressed") == 0) &&
	     put_state(m, "active", NULL) < 0) ||
	    pb_state_commit(m->ctx->st) < 0) {
		pb_state_rollback(m->ctx->st);
		return -1;
	}
	return 0;
}

static int
dest_unsub(const struct mg *m, const struct pb_channel *ch, const char *dest, void *arg)
{
	(void)arg;
	return pb_web_unsubscribe(m->ctx, m->sub->name, pb_channel_name(ch), dest,
				  "manage page") < 0 ? -1 : 0;
}

/* Every destination of the subscriber suppressed, its addresses and its chats alike (the
 * page's one button stops the whole subscription; "Where it goes" stops one), each
 * committed, and the subscriber "unsubscribed" (pb_web_unsubscribe marks it with the last
 * destination; a subscriber with none, or one this worker has not loaded yet, here). 0 / -1. */
static int
unsubscribe(struct mg *m)
{
	struct pb_sub_row row;
	int found, done;

	if (each_dest(m, dest_unsub, NULL) != 0)
		return -1;
	memset(&row, 0, sizeof row);
	if ((found = pb_sub_get(m->ctx->st, m->sub->name, &row)) < 0)
		return -1;
	done = found && row.state && strcmp(row.state, "unsubscribed") == 0;
	pb_sub_row_clear(&row);
	if (done)
		return 0;
	return put_state(m, "unsubscribed", "unsubscribed by the recipient (manage page)");
}

/* Mails a manage link made at `at` to to, one of the subscriber's addresses. 0 sent, -1 not
 * (logged). */
static int
mail_link(struct mg *m, const char *to, int64_t at)
{
	const struct pb_config *cfg = m->cfg;
	struct pb_buf link = { 0 }, text = { 0 }, html = { 0 }, mid = { 0 };
	char digest[33], err[256] = "";
	char *msg = NULL;
	size_t len = 0;
	int rc = -1;

	if (pb_link_make(&link, cfg->web.base_url ? cfg->web.base_url : "", &m->ctx->secret,
			 PB_LINK_MANAGE, m->sub->name, to, at) < 0) {
		snprintf(err, sizeof err, "the address does not fit in a link");
		goto out;
	}
	pb_token_digest(link.data, digest);
	pb_buf_printf(&mid, "manage.%s", digest);
	pb_buf_printf(&text, "The links to your arXiv digest's page were signed out, as asked "
		      "on that page: the ones in earlier digests, and any forwarded, no longer "
		      "open it.\n\nYour new link, to change your topics, pause or stop the "
		      "digest:\n%s\n\nIf you did not ask for this, someone who had one of your "
		      "earlier links did; it no longer works. The unsubscribe links of earlier "
		      "digests still do.\n", link.data);
	pb_buf_puts(&html, "<!doctype html><html><body><p>The links to your arXiv digest's page "
		    "were signed out, as asked on that page: the ones in earlier digests, and any "
		    "forwarded, no longer open it.</p><p><a href=\"");
	pb_esc_html_attr(&html, link.data);
	pb_buf_puts(&html, "\">Your new link: see or change your subscription</a></p><p>If you "
		    "did not ask for this, someone who had one of your earlier links did; it no "
		    "longer works. The unsubscribe links of earlier digests still do.</p>"
		    "</body></html>\n");
	if (!(msg = pb_mail_build(cfg, to, "Your new arXiv digest link", text.data, html.data,
				  mid.data, (time_t)at, &len))) {
		snprintf(err, sizeof err, "the mail could not be built");
		goto out;
	}
	if (pb_pages_send(cfg, to, msg, len, err, sizeof err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		pb_warn("web.manage", "action=signout status=unsent subscriber=%s error=%s",
			pb_q(m->sub->name), pb_q(err));
	free(msg);
	pb_buf_free(&link);
	pb_buf_free(&text);
	pb_buf_free(&html);
	pb_buf_free(&mid);
	return rc;
}

/* "Sign out other links": every manage link of the subscriber made up to now refused, and a
 * new one mailed to each of its addresses. Never shown here: whoever pressed may be the one
 * holding a leaked link. Links carry whole seconds: the refusal covers this second, and the
 * new links are made in the next, so a link made now (this page's own) is refused too; and
 * a press again within that second covers the links the last one mailed. A subscriber
 * without an address (a chat's) finds its new link in the next digest. 0, or -1 when the
 * refusal could not be recorded. */
static int
sign_out(struct mg *m)
{
	int64_t at = pb_now() + 1, since;
	size_t sent = 0, unsent = 0;
	struct pb_buf t = { 0 };

	if (pb_state_begin(m->ctx->st) < 0)
		return -1;
	if (pb_sub_links_since(m->ctx->st, m->sub->name, &since) < 0 ||
	    pb_sub_links_revoke(m->ctx->st, m->sub->name, at = at > since ? at : since + 1) < 0 ||
	    pb_state_commit(m->ctx->st) < 0) {
		pb_state_rollback(m->ctx->st);
		return -1;
	}
	for (size_t i = 0; m->cfg->email.enabled && i < m->sub->n_emails; i++)
		if (mail_link(m, m->sub->emails[i], at) == 0)
			sent++;
		else
			unsent++;
	pb_info("web.manage", "action=signout subscriber=%s mailed=%zu unsent=%zu",
		pb_q(m->sub->name), sent, unsent);
	pb_buf_puts(&t, "Done: every earlier link to this page, this one included, no longer "
		    "opens it. ");
	if (sent && !unsent)
		pb_buf_printf(&t, "A new link was mailed to %s; use it from now on. ",
			      sent > 1 ? "each address of this subscription"
				       : "this subscription's address");
	else if (unsent)
		pb_buf_printf(&t, "The mail with a new link could not be sent to %s just now: "
			      "the next digest carries one, or sign up again with your address "
			      "to have one mailed. ", sent ? "every address" : "the address");
	else
		pb_buf_puts(&t, "The next digest carries a new link. ");
	pb_buf_puts(&t, "The unsubscribe links of earlier digests keep working.");
	pb_page_plain(m->resp, 200, "Other links signed out", t.data);
	pb_buf_free(&t);
	return 0;
}

/* The settings of the form applied to the stored ones into *json (malloc'd); 0, -1 with
 * why, or -2 when the configuration file does not load to check them. */
static int
edited(struct mg *m, char **json, struct pb_buf *why)
{
	cJSON *obj = cJSON_Parse(m->row && m->row->settings ? m->row->settings : "");
	int rc = -1;

	*json = NULL;
	if (!cJSON_IsObject(obj)) {
		pb_buf_puts(why, "the stored settings cannot be read");
		goto out;
	}
	if (pb_pages_settings(obj, &m->req->form, why) < 0)
		goto out;
	*json = cJSON_PrintUnformatted(obj);
	/* checked against the subscribers this worker holds (read again by the server when the
	 * file or the stored ones changed), not a load of them all of its own */
	if ((rc = pb_cli_stored_validate(m->ctx->config_path, m->cfg, m->sub->name, *json,
					 why)) < 0)
		goto out;
out:
	if (rc < 0) {
		free(*json);
		*json = NULL;
	}
	cJSON_Delete(obj);
	return rc;
}

static void
post(struct mg *m)
{
	const char *action = pb_form_get(&m->req->form, "action");
	const char *state = state_of(m);
	struct pb_buf why = { 0 };
	struct pb_config *one = NULL;
	struct pb_config_error ce;
	char *json = NULL;
	int e;

	/* The page again, with fresh csrf fields and the settings as they were sent (the
	 * link's token says whose page it is): a reader who edited their topics for more than
	 * the two hours keeps them. Nothing changes. */
	if (!pb_csrf_ok(m->ctx, m->req, "manage", m->sub->name)) {
		m->resp->status = 403;
		if (action && m->sub->stored &&
		    (strcmp(action, "save") == 0 || strcmp(action, "preview") == 0))
			page(m, NULL, "This page was open too long, or the form did not come from "
			     "this site: nothing was saved. Check it and press the button again.",
			     &m->req->form, NULL, 0);
		else
			page(m, "This page was open too long, or the form did not come from this "
			     "site: nothing changed. Press the button again.", NULL, NULL, NULL, 0);
		return;
	}
	if (!action) {
		page(m, NULL, NULL, NULL, NULL, 0);
	} else if (strcmp(action, "preview") == 0) {
		if (!m->sub->stored) {
			page(m, NULL, NULL, NULL, m->cfg, (size_t)(m->sub - m->cfg->subscribers));
		} else if ((e = edited(m, &json, &why)) == -2) {
			goto unreadable;
		} else if (e < 0) {
			m->resp->status = 400;
			page(m, NULL, why.data, &m->req->form, NULL, 0);
		} else if (!(one = pb_config_load_stored(m->ctx->config_path,
						       (const char *const *)&json, 1, &ce))) {
			m->resp->status = 400;
			page(m, NULL, ce.message, &m->req->form, NULL, 0);
		} else {
			page(m, "Not saved yet: this is what the latest announcement gives these "
			     "topics.", NULL, &m->req->form, one, one->n_subscribers - 1);
		}
	} else if (strcmp(action, "save") == 0 && m->sub->stored && m->row) {
		struct pb_sub_row r = *m->row;

		if ((e = edited(m, &json, &why)) == -2)
			goto unreadable;
		if (e < 0) {
			m->resp->status = 400;
			page(m, NULL, why.data, &m->req->form, NULL, 0);
			goto out;
		}
		r.settings = json;
		if (pb_sub_put(m->ctx->st, &r) < 0)
			goto fail;
		pb_info("web.manage", "action=save subscriber=%s", pb_q(m->sub->name));
		if (refresh(m, json) < 0)
			pb_page_plain(m->resp, 200, "Saved", "Saved. The next digest uses these "
				      "settings.");
		else
			page(m, "Saved. The next digest uses these settings.", NULL,
			     &m->req->form, NULL, 0);
	} else if (strcmp(action, "pause") == 0 && strcmp(state, "active") == 0) {
		/* what waits for the reader (a digest due for a retry) waits with it: nothing
		 * is sent until they resume */
		if (pb_state_begin(m->ctx->st) < 0)
			goto fail;
		if (put_state(m, "paused", "paused by the recipient (manage page)") < 0 ||
		    pb_outbox_pause_subscriber(m->ctx->st, m->sub->name,
					       "the subscriber is paused") < 0 ||
		    pb_state_commit(m->ctx->st) < 0) {
			pb_state_rollback(m->ctx->st);
			goto fail;
		}
		pb_info("web.manage", "action=pause subscriber=%s", pb_q(m->sub->name));
		refresh(m, NULL);
		page(m, "Paused: nothing is sent until you resume.", NULL, NULL, NULL, 0);
	} else if (strcmp(action, "resume") == 0 && strcmp(state, "paused") == 0) {
		/* what the pause held goes again, as `subscriber resume` sends it */
		if (pb_state_begin(m->ctx->st) < 0)
			goto fail;
		if (put_state(m, "active", NULL) < 0 ||
		    pb_outbox_requeue(m->ctx->st, m->sub->name) < 0 ||
		    pb_state_commit(m->ctx->st) < 0) {
			pb_state_rollback(m->ctx->st);
			goto fail;
		}
		pb_info("web.manage", "action=resume subscriber=%s", pb_q(m->sub->name));
		refresh(m, NULL);
		page(m, "Resumed: the next digest comes as before.", NULL, NULL, NULL, 0);
	} else if (strcmp(action, "stop") == 0 || strcmp(action, "restart") == 0) {
		struct dest_find f = { pb_form_get(&m->req->form, "channel"),
				       pb_form_get(&m->req->form, "dest") };
		int stop = strcmp(action, "stop") == 0;

		/* only a destination of this subscriber, as the page listed it */
		if (!f.channel || !f.dest || !each_dest(m, dest_match, &f)) {
			m->resp->status = 400;
			page(m, NULL, "That is not one of this subscription's destinations.", NULL,
			     NULL, 0);
			goto out;
		}
		if (stop ? pb_web_unsubscribe(m->ctx, m->sub->name, f.channel, f.dest,
					      "manage page") < 0
			 : restart(m, f.channel, f.dest) < 0)
			goto fail;
		pb_info("web.manage", "action=%s subscriber=%s channel=%s", action,
			pb_q(m->sub->name), pb_q(f.channel));
		refresh(m, NULL);
		page(m, stop ? "Stopped: nothing more is sent there."
			     : "Restarted: the next digest goes there again.", NULL, NULL, NULL, 0);
	} else if (strcmp(action, "resubscribe") == 0 && strcmp(state, "unsubscribed") == 0) {
		if (pb_state_begin(m->ctx->st) < 0 ||
		    pb_suppress_clear(m->ctx->st, m->sub->name) < 0 ||
		    put_state(m, "active", NULL) < 0 || pb_state_commit(m->ctx->st) < 0) {
			pb_state_rollback(m->ctx->st);
			goto fail;
		}
		pb_info("web.manage", "action=resubscribe subscriber=%s", pb_q(m->sub->name));
		refresh(m, NULL);
		page(m, "Subscribed again: the next digest comes as before.", NULL, NULL, NULL, 0);
	} else if (strcmp(action, "signout") == 0) {
		if (sign_out(m) < 0)
			goto fail;
	} else if (strcmp(action, "unsubscribe") == 0) {
		if (unsubscribe(m) < 0)
			goto fail;
		pb_info("web.manage", "action=unsubscribe subscriber=%s", pb_q(m->sub->name));
		refresh(m, NULL);
		pb_page_plain(m->resp, 200, "Unsubscribed",
			      "You are unsubscribed: nothing more is sent to you, by mail or chat.");
	} else {
		page(m, "Nothing to do.", NULL, NULL, NULL, 0);
	}
	goto out;
fail:
	state_failed(m, "The change could not be recorded", NULL);
	goto out;
unreadable:
	state_failed(m, "The service cannot read its configuration just now", why.data);
out:
	pb_config_free(one);
	free(json);
	pb_buf_free(&why);
}

void
pb_web_manage(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	struct mg m;
	int r;

	memset(&m, 0, sizeof m);
	m.ctx = ctx;
	m.req = req;
	m.resp = resp;
	if (pb_web_token(ctx, pb_web_path_rest(req, "/m/"), pb_link_purpose(PB_LINK_MANAGE),
			 &m.tok, resp) < 0)
		return;
	m.cfg = ctx->cfg;
	if ((r = pb_web_token_current(ctx, PB_LINK_MANAGE, &m.tok, resp)) < 0) {
		if (r == -2 && (m.sub = pb_config_subscriber(m.cfg, m.tok.subject)))
			state_failed(&m, "The service cannot read its state just now", NULL);
		return;
	}
	if (!(m.sub = pb_config_subscriber(m.cfg, m.tok.subject))) {
		pb_page_plain(resp, 404, "Not found", "This subscription does not exist any "
			      "more.");
		return;
	}
	if (read_row(&m) < 0) {
		state_failed(&m, "The service cannot read its state just now", NULL);
		return;
	}
	if (strcmp(req->method, "POST") == 0)
		post(&m);
	else
		page(&m, NULL, NULL, NULL, NULL, 0);
	pb_sub_row_clear(&m.own);
}
