/* Inside the web module: the pages' common frame, plain answers, and form protection. Not a
 * contract outside src/web/. */
#ifndef PAPERBOY_WEB_PAGE_H
#define PAPERBOY_WEB_PAGE_H

#include "paperboy/web.h"

/* Starts an HTML page in resp (status 200 unless set before): doctype, lang, charset,
 * viewport, the one inline style sheet, and <h1> with the title (escaped). Sets the security
 * headers every page carries (Content-Security-Policy without scripts from elsewhere,
 * X-Frame-Options DENY, Referrer-Policy no-referrer, Cache-Control no-store). */
void pb_page_begin(struct pb_web_resp *resp, const char *title);
/* The same in the language of words.h's column lang reads ("zh-TW" is marked zh-Hant), for a
 * page written in the reader's language. */
void pb_page_begin_lang(struct pb_web_resp *resp, const char *title, const char *lang);
/* The same for a form sent back with what was wrong in it: the <title> starts with "Error: "
 * (the <h1> is title alone). */
void pb_page_begin_failed(struct pb_web_resp *resp, const char *title);
void pb_page_end(struct pb_web_resp *resp);
/* Adds to resp's headers those every answer carries, a page or not (a bot's text or JSON):
 * X-Content-Type-Options: nosniff and Cache-Control: no-store, each unless it is there
 * already. An answer names a subscriber, a chat or a paper's verdict: no cache keeps it, and
 * no browser reads it as something other than its Content-Type says. */
void pb_page_answer_headers(struct pb_web_resp *resp);
/* Appends ' lang="TAG"' for text in the words of lang (words.h) on a page begun in English:
 * the tag pb_words_lang gives, or nothing when those words are English. */
void pb_page_lang_attr(struct pb_web_resp *resp, const char *lang);
/* Appends s escaped for HTML text and attribute values (NULL as ""). */
void pb_page_esc(struct pb_web_resp *resp, const char *s);
/* A whole short page: status, title and one paragraph of text, all escaped. For refusals
 * (a forged or expired link, a bad form), said plainly and never echoing a token. */
void pb_page_plain(struct pb_web_resp *resp, int status, const char *title, const char *text);

/* CSRF: every form carries a hidden field "csrf" made for (form, subject) and valid two hours;
 * a POST is refused (403, plain page) unless its field checks against the same pair.
 * pb_csrf_field appends the whole <input type=hidden ...>. pb_csrf_ok returns 1 or 0. */
void pb_csrf_field(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *form,
		   const char *subject);
int pb_csrf_ok(struct pb_web_ctx *ctx, const struct pb_web_req *req, const char *form,
	       const char *subject);

#endif
