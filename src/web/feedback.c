/* Feedback links: GET /f/TOKEN asks "Mark <paper> as 'more like this'?" with a button (a GET
 * records nothing: link scanners fetch every GET); the button's POST, with its CSRF field,
 * records the verdict (pb_feedback_put, source "web"), committed before the answer. A
 * replayed POST records the same verdict again: the last one wins. A link of a subscriber
 * that is gone records nothing (410). */
#include <ctype.h>
#include <string.h>

#include "paperboy/log.h"
#include "paperboy/state.h"
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

static int
read_token(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_token *t, char *id,
	   size_t idlen, int *verdict, struct pb_web_resp *resp)
{
	if (pb_web_token(ctx, pb_web_path_rest(req, "/f/"), pb_link_purpose(PB_LINK_FEEDBACK), t,
			 resp) < 0 || pb_web_token_current(ctx, PB_LINK_FEEDBACK, t, resp) < 0)
		return -1;
	if (parse_detail(t->detail, id, idlen, verdict) < 0) {
		pb_page_plain(resp, 400, "This link is broken",
			      "This link does not say which paper it is about.");
		return -1;
	}
	return 0;
}

static const char *
verdict_words(int verdict)
{
	return verdict > 0 ? "more like this" : "not for me";
}

void
pb_web_feedback_get(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		    struct pb_web_resp *resp)
{
	struct pb_token t;
	char id[64];
	int verdict;

	if (read_token(ctx, req, &t, id, sizeof id, &verdict, resp) < 0)
		return;
	resp->status = 200;
	pb_page_begin(resp, "Feedback");
	pb_buf_puts(&resp->body, "<p>Mark <strong>");
	pb_page_esc(resp, id);
	pb_buf_puts(&resp->body, "</strong> as \xe2\x80\x9c");
	pb_page_esc(resp, verdict_words(verdict));
	pb_buf_puts(&resp->body, "\xe2\x80\x9d?</p>\n<form method=\"post\">\n");
	pb_csrf_field(ctx, resp, FORM_NAME, t.subject);
	pb_buf_puts(&resp->body, "\n<button type=\"submit\">Yes, mark it</button>\n</form>\n"
		    "<p class=\"note\">Your verdicts shape what the digest shows you first.</p>\n");
	pb_page_end(resp);
}

void
pb_web_feedback_post(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		     struct pb_web_resp *resp)
{
	struct pb_token t;
	char id[64];
	int verdict;

	if (read_token(ctx, req, &t, id, sizeof id, &verdict, resp) < 0)
		return;
	if (!pb_csrf_ok(ctx, req, FORM_NAME, t.subject)) {
		pb_web_form_expired(resp, "Open the link again and press the button.");
		return;
	}
	if (pb_feedback_put(ctx->st, t.subject, id, verdict, "web") < 0) {
		pb_err("web.feedback_failed", "subscriber=%s paper=%s error=%s", pb_q(t.subject),
		       pb_q(id), pb_q(pb_state_errmsg(ctx->st)));
		pb_web_state_failed(ctx, resp, "Something went wrong",
				    "Your verdict could not be recorded; try again later.");
		return;
	}
	pb_info("web.feedback", "subscriber=%s paper=%s verdict=%+d", pb_q(t.subject), pb_q(id),
		verdict);
	resp->status = 200;
	pb_page_begin(resp, "Thank you");
	pb_buf_puts(&resp->body, "<p><strong>");
	pb_page_esc(resp, id);
	pb_buf_puts(&resp->body, "</strong> is marked \xe2\x80\x9c");
	pb_page_esc(resp, verdict_words(verdict));
	pb_buf_puts(&resp->body, "\xe2\x80\x9d.</p>\n");
	pb_page_end(resp);
}
