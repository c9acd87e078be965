/* Feedback links: GET /f/TOKEN (the token names a subscriber, a paper and a verdict) asks
 * "Mark <paper> as 'More like this'?" with a button; once the paper has a verdict, it says which,
 * with a button that takes it back (a GET records nothing: link scanners fetch every GET). The
 * buttons' POST, with its CSRF field, records the link's verdict (action=mark, or none: a page
 * served before there was a choice) or takes the paper's verdict back (action=undo,
 * pb_feedback_put with 0), source "web", committed before the answer; the page that says so
 * offers the way back (take it back, or the two verdicts again). A replayed POST does the same
 * again: the last one wins. A link of a subscriber that is gone records nothing (410). The
 * pages speak the subscriber's language (words.h); the refusals are those of every link. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "paperboy/config.h"
#include "paperboy/escape.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "paperboy/words.h"
#include "page.h"
#include "routes.h"

#define FORM_NAME "feedback"

/* The token's detail "<paper id> +" or "<paper id> -" into the id without its version and the
 * verdict. 0, or -1 when it is not one. */
static int
parse_detail(const char *detail, char *id, size_t idlen, int *verdict)
{
	const char *sp = strrchr(detail, ' ');
	size_t n;

	if (!sp || sp == detail || (strcmp(sp, " +") != 0 && strcmp(sp, " -") != 0))
		return -1;
	*verdict = sp[1] == '+' ? 1 : -1;
	n = (size_t)(sp - detail);
	if (n >= idlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)detail[i]) && !strchr("./-", detail[i]))
			return -1;
	memcpy(id, detail, n);
	id[n] = '\0';
	/* "2401.01234v2" -> "2401.01234" */
	for (size_t i = n; i > 1; i--) {
		if (isdigit((unsigned char)id[i - 1]))
			continue;
		if (id[i - 1] == 'v' && i < n && isdigit((unsigned char)id[i - 2]))
			id[i - 1] = '\0';
		break;
	}
	return 0;
}

/* A request on a feedback link: the token and what it says. */
struct fb {
	struct pb_web_ctx *ctx;
	struct pb_web_resp *resp;
	struct pb_token t;
	char id[64];             /* the paper, without its version */
	int verdict;             /* the link's: +1 or -1 */
	const char *lang;        /* the subscriber's, borrowed from ctx->cfg */
};

static int
read_token(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp,
	   struct fb *f)
{
	const struct pb_subscriber *sub;

	memset(f, 0, sizeof *f);
	f->ctx = ctx;
	f->resp = resp;
	if (pb_web_token(ctx, pb_web_path_rest(req, "/f/"), pb_link_purpose(PB_LINK_FEEDBACK),
			 &f->t, resp) < 0 || pb_web_token_current(ctx, PB_LINK_FEEDBACK, &f->t,
								  resp) < 0)
		return -1;
	if (parse_detail(f->t.detail, f->id, sizeof f->id, &f->verdict) < 0) {
		pb_page_plain(resp, 400, "This link is broken",
			      "This link does not say which paper it is about.");
		return -1;
	}
	sub = pb_config_subscriber(ctx->cfg, f->t.subject);
	f->lang = sub ? sub->language : NULL;
	return 0;
}

/* Appends word w of the reader's language with {paper} (bold) and {verdict} (the words of the
 * digest's link for it) filled in, escaped. */
static void
put_words(struct fb *f, enum pb_word w, int verdict)
{
	struct pb_buf paper = { 0 }, v = { 0 };
	const char *vars[] = { "paper", NULL, "verdict", NULL, NULL };

	pb_buf_puts(&paper, "<strong>");
	pb_esc_html(&paper, f->id);
	pb_buf_puts(&paper, "</strong>");
	pb_esc_html(&v, pb_word(f->lang, verdict > 0 ? PB_W_MORE_LIKE : PB_W_NOT_FOR_ME));
	vars[1] = pb_buf_str(&paper);
	vars[3] = pb_buf_str(&v);
	pb_template_put(&f->resp->body, pb_word(f->lang, w), vars);
	pb_buf_free(&paper);
	pb_buf_free(&v);
}

static void
button(struct fb *f, const char *id, const char *action, const char *cls, enum pb_word w)
{
	pb_buf_printf(&f->resp->body, "\n<button type=\"submit\" id=\"%s\" name=\"action\" "
		      "value=\"%s\"%s>", id, action, cls ? " class=\"secondary\"" : "");
	pb_page_esc(f->resp, pb_word(f->lang, w));
	pb_buf_puts(&f->resp->body, "</button>");
}

static void
form_begin(struct fb *f)
{
	pb_buf_puts(&f->resp->body, "<form method=\"post\">\n");
	pb_csrf_field(f->ctx, f->resp, FORM_NAME, f->t.subject);
}

static void
form_end(struct fb *f)
{
	pb_buf_puts(&f->resp->body, "\n</form>\n<p class=\"note\">");
	pb_page_esc(f->resp, pb_word(f->lang, PB_W_FB_NOTE));
	pb_buf_puts(&f->resp->body, "</p>\n");
	pb_page_end(f->resp);
}

/* A paper without a verdict: the link's, to press. */
static void
page_ask(struct fb *f)
{
	pb_page_begin_lang(f->resp, pb_word(f->lang, PB_W_FB_TITLE), f->lang);
	pb_buf_puts(&f->resp->body, "<p>");
	put_words(f, PB_W_FB_ASK, f->verdict);
	pb_buf_puts(&f->resp->body, "</p>\n");
	form_begin(f);
	button(f, "mark", "mark", NULL, PB_W_FB_MARK);
	form_end(f);
}

/* A paper with verdict recorded (+1 or -1): which, the link's own to press when it is the
 * other, and the button that takes it back. */
static void
page_marked(struct fb *f, enum pb_word title, int recorded)
{
	pb_page_begin_lang(f->resp, pb_word(f->lang, title), f->lang);
	pb_buf_puts(&f->resp->body, "<p>");
	put_words(f, PB_W_FB_MARKED, recorded);
	if (recorded != f->verdict)
		put_words(f, PB_W_FB_INSTEAD, f->verdict);
	pb_buf_puts(&f->resp->body, "</p>\n");
	form_begin(f);
	if (recorded != f->verdict)
		button(f, "mark", "mark", NULL, PB_W_FB_MARK);
	button(f, "undo", "undo", "secondary", PB_W_FB_UNDO);
	form_end(f);
}

/* A verdict taken back: the two verdicts again, as the digest offered them. The link's own
 * posts here; the other posts to the link of the same subscriber and paper with the other
 * verdict, made here to expire with this one (the digest carries the two side by side: it
 * opens nothing the reader was not sent), relative to this address as a proxy serves it. */
static void
page_undone(struct fb *f)
{
	char detail[sizeof f->t.detail], other[PB_TOKEN_MAX];
	size_t n = strlen(f->t.detail);
	int have_other;

	snprintf(detail, sizeof detail, "%s", f->t.detail);
	detail[n - 1] = f->verdict > 0 ? '-' : '+';   /* parse_detail: it ends in " +" or " -" */
	have_other = pb_token_make(&f->ctx->secret, pb_link_purpose(PB_LINK_FEEDBACK),
				   f->t.subject, detail, f->t.expires, other, sizeof other) == 0;
	pb_page_begin_lang(f->resp, pb_word(f->lang, PB_W_FB_UNDONE_TITLE), f->lang);
	pb_buf_puts(&f->resp->body, "<p>");
	put_words(f, PB_W_FB_UNDONE, f->verdict);
	pb_buf_puts(&f->resp->body, "</p>\n");
	form_begin(f);
	for (int v = 1; v >= -1; v -= 2) {
		if (v != f->verdict && !have_other)
			continue;
		pb_buf_printf(&f->resp->body, "\n<button type=\"submit\" id=\"%s\" "
			      "name=\"action\" value=\"mark\"", v > 0 ? "more" : "less");
		if (v != f->verdict) {
			pb_buf_puts(&f->resp->body, " formaction=\"");
			pb_esc_html_attr(&f->resp->body, other);
			pb_buf_puts(&f->resp->body, "\"");
		}
		pb_buf_puts(&f->resp->body, ">");
		pb_page_esc(f->resp, pb_word(f->lang, v > 0 ? PB_W_MORE_LIKE : PB_W_NOT_FOR_ME));
		pb_buf_puts(&f->resp->body, "</button>");
	}
	form_end(f);
}

void
pb_web_feedback_get(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		    struct pb_web_resp *resp)
{
	struct fb f;
	int recorded, found;

	if (read_token(ctx, req, resp, &f) < 0)
		return;
	if ((found = pb_feedback_get(ctx->st, f.t.subject, f.id, &recorded)) < 0) {
		pb_warn("web.feedback_failed", "subscriber=%s paper=%s error=%s",
			pb_q(f.t.subject), pb_q(f.id), pb_q(pb_state_errmsg(ctx->st)));
		pb_web_state_failed(ctx, resp, "Not available", "The service cannot read its "
				    "state; try again later.");
		return;
	}
	resp->status = 200;
	if (found)
		page_marked(&f, PB_W_FB_TITLE, recorded);
	else
		page_ask(&f);
}

void
pb_web_feedback_post(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		     struct pb_web_resp *resp)
{
	const char *action = pb_form_get(&req->form, "action");
	struct fb f;
	int undo, verdict;

	if (read_token(ctx, req, resp, &f) < 0)
		return;
	if (!pb_csrf_ok(ctx, req, FORM_NAME, f.t.subject)) {
		pb_web_form_expired(resp, "Open the link again and press the button.");
		return;
	}
	if (action && strcmp(action, "mark") != 0 && strcmp(action, "undo") != 0) {
		pb_web_bad_form(resp, "The form asked for something this page does not do.");
		return;
	}
	undo = action && strcmp(action, "undo") == 0;
	verdict = undo ? 0 : f.verdict;
	if (pb_feedback_put(ctx->st, f.t.subject, f.id, verdict, "web") < 0) {
		pb_err("web.feedback_failed", "subscriber=%s paper=%s verdict=%s error=%s",
		       pb_q(f.t.subject), pb_q(f.id), undo ? "0" : verdict > 0 ? "+1" : "-1",
		       pb_q(pb_state_errmsg(ctx->st)));
		pb_web_state_failed(ctx, resp, "Something went wrong", undo ?
				    "Your verdict could not be taken back; try again later." :
				    "Your verdict could not be recorded; try again later.");
		return;
	}
	/* verdict=0: taken back (a replay finds nothing to take, and says the same) */
	pb_info("web.feedback", "subscriber=%s paper=%s verdict=%s", pb_q(f.t.subject),
		pb_q(f.id), undo ? "0" : verdict > 0 ? "+1" : "-1");
	resp->status = 200;
	if (undo)
		page_undone(&f);
	else
		page_marked(&f, PB_W_FB_THANKS, f.verdict);
}
