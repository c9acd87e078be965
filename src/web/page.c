/* The pages' common frame: one small inline style sheet readable on a phone, the security
 * headers every answer carries, plain refusal pages, and the forms' CSRF field. */
#include <stdio.h>
#include <string.h>

#include "paperboy/clock.h"
#include "paperboy/escape.h"
#include "paperboy/words.h"
#include "page.h"

#define CSRF_PURPOSE "csrf"
#define CSRF_SECONDS (2 * 3600)

/* No page runs a script, so none runs at all: not inline, not from this origin (an answer
 * of its own taken for one), not from elsewhere; nothing loads, and inline styles alone
 * apply (the frame's sheet, and the preview's digest in its sandboxed srcdoc frame, which
 * inherits this policy); forms post only here; never framed. script-src 'none' is what
 * default-src gives already, said for whoever reads the header. */
#define PAGE_CSP \
	"default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; " \
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

static const char page_css[] =
	"body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
	"padding:1rem;color:#1d1d1f;background:#fafafa}"
	"main{max-width:40rem;margin:0 auto;background:#fff;padding:1rem 1.25rem;"
	"border:1px solid #ddd;border-radius:6px}"
	"h1{font-size:1.35rem;margin:.2rem 0 1rem}"
	"p,li{overflow-wrap:anywhere}"
	"label{display:block;margin:.75rem 0 .25rem;font-weight:600}"
	"input,select,textarea{font:inherit;width:100%;box-sizing:border-box;padding:.45rem;"
	"border:1px solid #8a8a8a;border-radius:4px}"
	"input[type=checkbox],input[type=radio]{width:auto}"
	"button{font:inherit;padding:.55rem 1.1rem;margin:.75rem .5rem 0 0;border:0;"
	"border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer}"
	"button.secondary{background:#666}"
	".error{color:#a40000}.note{color:#555;font-size:.9rem}.warning{color:#7a4d00}"
	"pre,code{font-family:ui-monospace,monospace;font-size:.9rem;white-space:pre-wrap;"
	"overflow-wrap:anywhere}";

void
pb_page_answer_headers(struct pb_web_resp *resp)
{
	const char *h = pb_buf_str(&resp->headers);

	/* a page's own (security_headers) are there already */
	if (!strstr(h, "X-Content-Type-Options:"))
		pb_buf_puts(&resp->headers, "X-Content-Type-Options: nosniff\r\n");
	if (!strstr(pb_buf_str(&resp->headers), "Cache-Control:"))
		pb_buf_puts(&resp->headers, "Cache-Control: no-store\r\n");
}

static void
security_headers(struct pb_web_resp *resp)
{
	if (strstr(pb_buf_str(&resp->headers), "Content-Security-Policy:"))
		return;
	pb_buf_puts(&resp->headers,
		    "Content-Security-Policy: " PAGE_CSP "\r\n"
		    "X-Frame-Options: DENY\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "Referrer-Policy: no-referrer\r\n"
		    "Cache-Control: no-store\r\n");
}

/* failed: the <title> starts with "Error: ", the first words a screen reader says of a page
 * that comes back with what was wrong in a form; the role=alert box, there from the start,
 * is not announced by every reader, and the title alone did not tell it from the empty form. */
static void
begin(struct pb_web_resp *resp, const char *title, const char *lang, int failed)
{
	const char *col = pb_words_column(lang);

	if (resp->status == 0)
		resp->status = 200;
	resp->type = "text/html; charset=utf-8";
	security_headers(resp);
	pb_buf_reset(&resp->body);
	pb_buf_puts(&resp->body, "<!DOCTYPE html>\n<html lang=\"");
	/* the column "zh" is Simplified Chinese, whatever tag chose it */
	pb_buf_puts(&resp->body, strcmp(col, "zh") == 0 ? "zh-Hans" : col);
	pb_buf_puts(&resp->body,
		    "\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
	if (failed)
		pb_buf_puts(&resp->body, "Error: ");
	pb_esc_html(&resp->body, title);
	pb_buf_puts(&resp->body, " – paperboy</title>\n<style>");
	pb_buf_puts(&resp->body, page_css);
	pb_buf_puts(&resp->body, "</style>\n</head>\n<body>\n<main>\n<h1>");
	pb_esc_html(&resp->body, title);
	pb_buf_puts(&resp->body, "</h1>\n");
}

void
pb_page_begin(struct pb_web_resp *resp, const char *title)
{
	begin(resp, title, NULL, 0);
}

void
pb_page_begin_lang(struct pb_web_resp *resp, const char *title, const char *lang)
{
	begin(resp, title, lang, 0);
}

void
pb_page_begin_failed(struct pb_web_resp *resp, const char *title)
{
	begin(resp, title, NULL, 1);
}

void
pb_page_lang_attr(struct pb_web_resp *resp, const char *lang)
{
	if (strcmp(pb_words_column(lang), "en") == 0)
		return;
	pb_buf_puts(&resp->body, " lang=\"");
	pb_esc_html_attr(&resp->body, pb_words_lang(lang));
	pb_buf_putc(&resp->body, '"');
}

void
pb_page_end(struct pb_web_resp *resp)
{
	pb_buf_puts(&resp->body, "</main>\n</body>\n</html>\n");
}

void
pb_page_esc(struct pb_web_resp *resp, const char *s)
{
	pb_esc_html(&resp->body, s);
}

void
pb_page_plain(struct pb_web_resp *resp, int status, const char *title, const char *text)
{
	pb_buf_reset(&resp->headers);
	resp->status = status;
	pb_page_begin(resp, title);
	pb_buf_puts(&resp->body, "<p>");
	pb_esc_html(&resp->body, text);
	pb_buf_puts(&resp->body, "</p>\n");
	pb_page_end(resp);
}

/* "form:subject", or -1 when it would not fit in a token's subject. */
static int
csrf_subject(char *out, size_t n, const char *form, const char *subject)
{
	int w = snprintf(out, n, "%s:%s", form ? form : "", subject ? subject : "");

	return w < 0 || (size_t)w >= n || w > PB_TOKEN_FIELD_MAX ? -1 : 0;
}

void
pb_csrf_field(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *form,
	      const char *subject)
{
	char subj[PB_TOKEN_FIELD_MAX + 2], tok[PB_TOKEN_MAX];

	tok[0] = '\0';
	/* A pair too long for a token gets an empty field: its POST is then refused. */
	if (csrf_subject(subj, sizeof subj, form, subject) == 0 &&
	    pb_token_make(&ctx->secret, CSRF_PURPOSE, subj, NULL, pb_now() + CSRF_SECONDS,
			  tok, sizeof tok) != 0)
		tok[0] = '\0';
	pb_buf_puts(&resp->body, "<input type=\"hidden\" name=\"csrf\" value=\"");
	pb_esc_html_attr(&resp->body, tok);
	pb_buf_puts(&resp->body, "\">");
}

int
pb_csrf_ok(struct pb_web_ctx *ctx, const struct pb_web_req *req, const char *form,
	   const char *subject)
{
	char subj[PB_TOKEN_FIELD_MAX + 2];
	const char *field = pb_form_get(&req->form, "csrf");
	struct pb_token t;

	if (!field || !*field || csrf_subject(subj, sizeof subj, form, subject) != 0)
		return 0;
	if (pb_token_check(&ctx->secret, field, CSRF_PURPOSE, pb_now(), &t) != PB_TOKEN_OK)
		return 0;
	return strcmp(t.subject, subj) == 0;
}
