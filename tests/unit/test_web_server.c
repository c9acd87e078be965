/* The web endpoint without a socket: the route table and its dispatch (404, 405 with Allow),
 * one-click unsubscribe (a GET changes nothing, the provider's bare POST and the page's POST
 * with its CSRF field unsubscribe, idempotent, the subscriber marked unsubscribed when no
 * destination is left, a stored subscriber's settings kept), refused links (forged, expired,
 * cross-purpose, malformed: the right status, the token never echoed), feedback (recorded only
 * by a POST with a valid CSRF field, the last verdict wins, none for a subscriber that is
 * gone; taken back by the page's button, in the reader's language), escaping, the page
 * frame's headers, the per-client rate limit, and the queue of the work after an answer
 * (bounded, never waiting; run again as asked; at the stop, what is due past the grace
 * dropped). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "paperboy/web.h"
#include "../../src/web/after.h"
#include "../../src/web/page.h"
#include "../../src/web/routes.h"
#include "t.h"
#include "t_state.h"

static char dir[256];
static struct pb_web_ctx ctx;

static const char *
path_of(const char *name)
{
	static char p[4][512];
	static int slot;
	char *o = p[slot++ % 4];

	snprintf(o, 512, "%s/%s", dir, name);
	return o;
}

static const char *
no_header(const struct pb_web_req *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

/* Answers method path with body (urlencoded, may be NULL) into resp (caller frees). */
static void
call(const char *method, const char *path, const char *body, struct pb_web_resp *resp)
{
	struct pb_web_req req;
	char msg[128];

	memset(&req, 0, sizeof req);
	memset(resp, 0, sizeof *resp);
	req.method = method;
	req.path = path;
	req.remote = "127.0.0.1";
	req.body = body ? body : "";
	req.body_len = strlen(req.body);
	req.header = no_header;
	if (body && pb_form_parse(body, strlen(body), &req.form, msg, sizeof msg) < 0) {
		fprintf(stderr, "test body does not parse: %s\n", msg);
		exit(2);
	}
	pb_web_dispatch(&ctx, &req, resp);
	pb_form_free(&req.form);
}

static void
resp_free(struct pb_web_resp *r)
{
	pb_buf_free(&r->body);
	pb_buf_free(&r->headers);
}

static const char *
body(const struct pb_web_resp *r)
{
	return pb_buf_str(&r->body);
}

/* The link's path ("/u/TOKEN") for kind. */
static void
link_path(enum pb_link kind, const char *subject, const char *detail, int64_t now, char *out,
	  size_t n)
{
	struct pb_buf b = { 0 };

	if (pb_link_make(&b, "https://d.example.org", &ctx.secret, kind, subject, detail, now) < 0) {
		fprintf(stderr, "pb_link_make failed\n");
		exit(2);
	}
	snprintf(out, n, "%s", b.data + strlen("https://d.example.org"));
	pb_buf_free(&b);
}

/* The csrf field's value in a page, "" when none. */
static void
csrf_of(const struct pb_web_resp *r, char *out, size_t n)
{
	const char *p = strstr(body(r), "name=\"csrf\" value=\"");

	out[0] = '\0';
	if (p) {
		p += strlen("name=\"csrf\" value=\"");
		snprintf(out, n, "%.*s", (int)strcspn(p, "\""), p);
	}
}

static int
sub_state(const char *name, char *out, size_t n)
{
	struct pb_sub_row row;
	int found = pb_sub_get(ctx.st, name, &row);

	snprintf(out, n, "%s", found > 0 ? row.state : "-");
	pb_sub_row_clear(&row);
	return found;
}

static void
test_routes(void)
{
	struct pb_web_resp r;
	size_t n;
	const struct pb_web_route *rt = pb_web_routes(&n);

	T_CHECK(n >= 4);
	for (size_t i = 0; i < n; i++) {
		T_CHECK(strcmp(rt[i].method, "GET") == 0 || strcmp(rt[i].method, "POST") == 0);
		T_CHECK(rt[i].path[0] == '/');
		T_CHECK(rt[i].fn != NULL);
	}
	call("GET", "/no-such-page", NULL, &r);
	T_EQ_INT(r.status, 404);
	T_CHECK(strstr(body(&r), "Not found") != NULL);
	resp_free(&r);
	/* "/u" alone is not "/u/": no row takes it */
	call("GET", "/u", NULL, &r);
	T_EQ_INT(r.status, 404);
	resp_free(&r);
	call("DELETE", "/u/x", NULL, &r);
	T_EQ_INT(r.status, 405);
	T_CHECK(strstr(pb_buf_str(&r.headers), "Allow: GET, POST, HEAD\r\n") != NULL);
	resp_free(&r);
	/* HEAD is served as GET */
	call("HEAD", "/u/x", NULL, &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
}

static void
test_frame(void)
{
	struct pb_web_resp r;

	memset(&r, 0, sizeof r);
	pb_page_plain(&r, 400, "A <title>", "Text & \"quotes\" <b>");
	T_EQ_INT(r.status, 400);
	T_CHECK(strstr(body(&r), "<!DOCTYPE html>") != NULL);
	T_CHECK(strstr(body(&r), "name=\"viewport\"") != NULL);
	T_CHECK(strstr(body(&r), "<h1>A &lt;title&gt;</h1>") != NULL);
	T_CHECK(strstr(body(&r), "Text &amp; &quot;quotes&quot; &lt;b&gt;") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "Content-Security-Policy: default-src 'none'") != NULL);
	/* no page runs a script: none from this origin either, and nothing is fetched */
	T_CHECK(strstr(pb_buf_str(&r.headers), "; script-src 'none';") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "'self'; connect-src") == NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "script-src 'self'") == NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "connect-src") == NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "img-src") == NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "X-Content-Type-Options: nosniff\r\n") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "X-Frame-Options: DENY\r\n") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "Referrer-Policy: no-referrer\r\n") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.headers), "Cache-Control: no-store\r\n") != NULL);
	/* a second plain page replaces the first, headers once */
	pb_page_plain(&r, 410, "Gone", "x");
	T_EQ_INT(r.status, 410);
	T_CHECK(strstr(body(&r), "A &lt;title&gt;") == NULL);
	{
		const char *h = strstr(pb_buf_str(&r.headers), "X-Frame-Options");

		T_CHECK(h && !strstr(h + 1, "X-Frame-Options"));
	}
	resp_free(&r);
}

static void
test_unsubscribe(void)
{
	struct pb_web_resp r;
	char p_ann[1024], p_bob[1024], p_zed[1024], csrf[1024], st[32], form[1200];

	link_path(PB_LINK_UNSUB, "lab", "ann@example.org", pb_now(), p_ann, sizeof p_ann);
	link_path(PB_LINK_UNSUB, "lab", "bob@example.org", pb_now(), p_bob, sizeof p_bob);
	link_path(PB_LINK_UNSUB, "zed", "zed@example.org", pb_now(), p_zed, sizeof p_zed);

	/* GET: a page with a button; nothing changes */
	call("GET", p_ann, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "ann@example.org") != NULL);
	T_CHECK(strstr(body(&r), "<form method=\"post\">") != NULL);
	T_CHECK(strstr(body(&r), "name=\"List-Unsubscribe\" value=\"One-Click\"") != NULL);
	csrf_of(&r, csrf, sizeof csrf);
	T_CHECK(csrf[0] != '\0');
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "ann@example.org"), 0);
	T_EQ_INT(sub_state("lab", st, sizeof st), 0);

	/* the page's POST with a forged csrf, and without the field: refused, nothing changes */
	call("POST", p_ann, "List-Unsubscribe=One-Click&csrf=abc.def", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	call("POST", p_ann, "List-Unsubscribe=Nope", &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	call("POST", p_ann, "", &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "ann@example.org"), 0);

	/* the provider's one-click POST: no cookie, no csrf */
	call("POST", p_ann, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "will receive nothing more") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "ann@example.org"), 1);
	T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "bob@example.org"), 0);
	/* bob still gets the digest: lab stays active */
	T_CHECK(sub_state("lab", st, sizeof st) == 0 || strcmp(st, "active") == 0);
	/* again: idempotent */
	call("POST", p_ann, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "already unsubscribed") != NULL);
	resp_free(&r);
	call("GET", p_ann, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "already unsubscribed") != NULL);
	resp_free(&r);

	/* the page's POST with the csrf field of the page: the last address, so lab is
	 * unsubscribed (a config subscriber's row, settings NULL) */
	call("GET", p_bob, NULL, &r);
	csrf_of(&r, csrf, sizeof csrf);
	resp_free(&r);
	snprintf(form, sizeof form, "List-Unsubscribe=One-Click&csrf=%s", csrf);
	call("POST", p_bob, form, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "bob@example.org"), 1);
	T_EQ_INT(sub_state("lab", st, sizeof st), 1);
	T_EQ_STR(st, "unsubscribed");
	{
		struct pb_sub_row row;

		T_EQ_INT(pb_sub_get(ctx.st, "lab", &row), 1);
		T_EQ_STR(row.source, "config");
		T_CHECK(row.settings == NULL);
		T_CHECK(row.reason && strstr(row.reason, "unsubscribed by the recipient"));
		pb_sub_row_clear(&row);
	}

	/* a stored subscriber: its settings are kept, its state becomes unsubscribed */
	call("POST", p_zed, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	{
		struct pb_sub_row row;

		T_EQ_INT(pb_sub_get(ctx.st, "zed", &row), 1);
		T_EQ_STR(row.state, "unsubscribed");
		T_EQ_STR(row.source, "cli");
		T_CHECK(row.settings && strstr(row.settings, "zed@example.org"));
		pb_sub_row_clear(&row);
	}
}

static void
test_refused(void)
{
	struct pb_web_resp r;
	struct pb_secret other;
	char p[1024], tok[PB_TOKEN_MAX];

	/* another key */
	memset(&other, 0x5a, sizeof other);
	T_EQ_INT(pb_token_make(&other, "unsub", "amy", "amy@example.org", pb_now() + 3600, tok,
			       sizeof tok), 0);
	snprintf(p, sizeof p, "/u/%s", tok);
	call("POST", p, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 403);
	T_CHECK(strstr(body(&r), "not valid") != NULL);
	T_CHECK(strstr(body(&r), tok) == NULL);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "amy", "email", "amy@example.org"), 0);

	/* expired */
	T_EQ_INT(pb_token_make(&ctx.secret, "unsub", "amy", "amy@example.org", pb_now() - 10, tok,
			       sizeof tok), 0);
	snprintf(p, sizeof p, "/u/%s", tok);
	call("POST", p, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 410);
	T_CHECK(strstr(body(&r), "This link has expired") != NULL);
	T_CHECK(strstr(body(&r), tok) == NULL);
	resp_free(&r);
	call("GET", p, NULL, &r);
	T_EQ_INT(r.status, 410);
	resp_free(&r);

	/* cross-purpose: a feedback link's token on /u/, a manage token too */
	link_path(PB_LINK_FEEDBACK, "amy", "2401.00001 +", pb_now(), p, sizeof p);
	p[1] = 'u';   /* "/f/T" -> "/u/T" */
	call("POST", p, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 403);
	T_CHECK(strstr(body(&r), "for something else") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "amy", "email", "amy@example.org"), 0);

	/* malformed */
	call("POST", "/u/not-a-token", "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 400);
	T_CHECK(strstr(body(&r), "not-a-token") == NULL);
	resp_free(&r);
	call("GET", "/u/", NULL, &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);

	/* a genuine token naming an unknown channel, and one for a subscriber that is gone */
	link_path(PB_LINK_UNSUB, "amy", "pigeon:12", pb_now(), p, sizeof p);
	call("POST", p, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	link_path(PB_LINK_UNSUB, "gone", "gone@example.org", pb_now(), p, sizeof p);
	call("POST", p, "List-Unsubscribe=One-Click", &r);
	T_EQ_INT(r.status, 410);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "gone", "email", "gone@example.org"), 0);

	/* an address that is markup is shown escaped */
	link_path(PB_LINK_UNSUB, "amy", "<b>x</b>@example.org", pb_now(), p, sizeof p);
	call("GET", p, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<b>x</b>") == NULL);
	T_CHECK(strstr(body(&r), "&lt;b&gt;x&lt;/b&gt;@example.org") != NULL);
	resp_free(&r);
}

static void
test_feedback(void)
{
	struct pb_web_resp r;
	struct pb_feedback_row *fb = NULL;
	size_t n = 0;
	char p_more[1024], p_less[1024], csrf[1024], form[1200], tok[PB_TOKEN_MAX];

	link_path(PB_LINK_FEEDBACK, "amy", "2401.01234v2 +", pb_now(), p_more, sizeof p_more);
	link_path(PB_LINK_FEEDBACK, "amy", "2401.01234v2 -", pb_now(), p_less, sizeof p_less);
	call("GET", p_more, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "2401.01234") != NULL);
	T_CHECK(strstr(body(&r), "More like this") != NULL);
	csrf_of(&r, csrf, sizeof csrf);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	T_EQ_INT(n, 0);
	pb_feedback_rows_free(fb, n);

	/* no csrf, a forged one, one made for another subscriber: refused */
	call("POST", p_more, "", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	call("POST", p_more, "csrf=abc.def", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "feedback:lab", NULL, pb_now() + 60, tok,
			       sizeof tok), 0);
	snprintf(form, sizeof form, "csrf=%s", tok);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	/* an expired csrf */
	T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "feedback:amy", NULL, pb_now() - 1, tok,
			       sizeof tok), 0);
	snprintf(form, sizeof form, "csrf=%s", tok);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	T_EQ_INT(n, 0);
	pb_feedback_rows_free(fb, n);

	/* the page's own: recorded, without the version */
	snprintf(form, sizeof form, "csrf=%s", csrf);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	call("POST", p_more, form, &r);   /* replayed: harmless */
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(fb[0].paper_id, "2401.01234");
		T_EQ_INT(fb[0].verdict, 1);
		T_EQ_STR(fb[0].source, "web");
	}
	pb_feedback_rows_free(fb, n);
	/* the other verdict wins */
	call("POST", p_less, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "Not for me") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_EQ_INT(fb[0].verdict, -1);
	pb_feedback_rows_free(fb, n);
	/* an unsubscribe token on /f/ */
	link_path(PB_LINK_UNSUB, "amy", "amy@example.org", pb_now(), form, sizeof form);
	form[1] = 'f';
	call("GET", form, NULL, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	/* a detail that is no paper */
	link_path(PB_LINK_FEEDBACK, "amy", "<x> +", pb_now(), p_more, sizeof p_more);
	call("GET", p_more, NULL, &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	/* a subscriber that is gone: no page to mark, nothing recorded for its name */
	link_path(PB_LINK_FEEDBACK, "gone", "2401.01234 -", pb_now(), p_more, sizeof p_more);
	call("GET", p_more, NULL, &r);
	T_EQ_INT(r.status, 410);
	T_CHECK(strstr(body(&r), "no longer exists") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "feedback:gone", NULL, pb_now() + 60, tok,
			       sizeof tok), 0);
	snprintf(form, sizeof form, "csrf=%s", tok);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 410);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "gone", &fb, &n), 0);
	T_EQ_INT(n, 0);
	pb_feedback_rows_free(fb, n);
}

/* Whether headers hold name's line once, exactly as line. */
static int
header_once(const struct pb_web_resp *r, const char *name, const char *line)
{
	const char *h = pb_buf_str(&r->headers);
	const char *at = strstr(h, name);

	return at && strncmp(at, line, strlen(line)) == 0 && !strstr(at + 1, name);
}

/* Every answer, not only a page: the bots' text and JSON (Slack's slash command and buttons,
 * Telegram's webhook, refused or not configured), a 404, a 405 carry nosniff and no-store,
 * once. */
static void
test_answer_headers(void)
{
	static const char *const ask[][3] = {
		{ "POST", "/slack/command", "text=help&channel_id=C1" },
		{ "GET", "/slack/command", NULL },
		{ "POST", "/slack/actions", "payload=%7B%7D" },
		{ "POST", "/telegram/webhook", "" },
		{ "GET", "/no-such-page", NULL },
		{ "DELETE", "/u/x", NULL },
		{ "GET", "/", NULL },
	};
	struct pb_web_resp r;

	for (size_t i = 0; i < sizeof ask / sizeof ask[0]; i++) {
		call(ask[i][0], ask[i][1], ask[i][2], &r);
		T_CHECK(r.status >= 200);
		if (!header_once(&r, "X-Content-Type-Options:", "X-Content-Type-Options: nosniff\r\n") ||
		    !header_once(&r, "Cache-Control:", "Cache-Control: no-store\r\n")) {
			fprintf(stderr, "%s %s (%d, %s): headers %s\n", ask[i][0], ask[i][1],
				r.status, r.type ? r.type : "html", pb_buf_str(&r.headers));
			T_CHECK(0);
		}
		resp_free(&r);
	}
}

/* The age of a verdict is its time: a feedback link opened again, days later, with the verdict
 * the paper has, leaves it as old as it was (and so does the same press in a chat); the other
 * verdict is new, from its own time. */
static void
test_feedback_replay(void)
{
	const int64_t now = pb_now(), old = now - 10 * 86400;
	struct pb_web_resp r;
	struct pb_feedback_row *fb = NULL;
	size_t n = 0;
	char p_more[1024], p_less[1024], csrf[1024], form[1200];

	link_path(PB_LINK_FEEDBACK, "amy", "2401.05555 +", old, p_more, sizeof p_more);
	link_path(PB_LINK_FEEDBACK, "amy", "2401.05555 -", old, p_less, sizeof p_less);
	/* "more like this" given ten days ago, from a chat */
	T_EQ_INT(pb_feedback_put_at(ctx.st, "amy", "2401.05555", 1, "slack", old), 1);
	call("GET", p_more, NULL, &r);
	T_EQ_INT(r.status, 200);
	csrf_of(&r, csrf, sizeof csrf);
	resp_free(&r);
	snprintf(form, sizeof form, "csrf=%s", csrf);
	call("POST", p_more, form, &r);    /* the digest's link, pressed again today */
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_feedback_put_at(ctx.st, "amy", "2401.05555", 1, "telegram", old + 86400), 1);
	T_EQ_INT(pb_feedback_put(ctx.st, "amy", "2401.05555", 1, "cli"), 0);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(fb[i].paper_id, "2401.05555") == 0) {
			T_EQ_INT(fb[i].verdict, 1);
			T_EQ_INT(fb[i].created, old);
			T_EQ_STR(fb[i].source, "slack");
		}
	pb_feedback_rows_free(fb, n);
	/* changed: the new verdict counts from now */
	call("POST", p_less, form, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(fb[i].paper_id, "2401.05555") == 0) {
			T_EQ_INT(fb[i].verdict, -1);
			T_CHECK(fb[i].created >= now && fb[i].created <= pb_now());
			T_EQ_STR(fb[i].source, "web");
		}
	pb_feedback_rows_free(fb, n);
	/* a chat's press of the first verdict, later than the change: new again */
	T_EQ_INT(pb_feedback_put_at(ctx.st, "amy", "2401.05555", 1, "telegram", pb_now() + 1), 1);
	T_EQ_INT(pb_feedback_list(ctx.st, "amy", &fb, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(fb[i].paper_id, "2401.05555") == 0) {
			T_EQ_INT(fb[i].verdict, 1);
			T_CHECK(fb[i].created > now);
			T_EQ_STR(fb[i].source, "telegram");
		}
	pb_feedback_rows_free(fb, n);
	T_EQ_INT(pb_feedback_put(ctx.st, "amy", "2401.05555", 0, "web"), 0);
}

/* The verdict who has on paper now (0 none), or 9 when the state cannot tell. */
static int
verdict_of(const char *who, const char *paper)
{
	int v;

	return pb_feedback_get(ctx.st, who, paper, &v) < 0 ? 9 : v;
}

/* The value of the formaction attribute of the button with id in a page, "" when none. */
static void
formaction_of(const struct pb_web_resp *r, const char *id, char *out, size_t n)
{
	char key[64];
	const char *p, *end;

	out[0] = '\0';
	snprintf(key, sizeof key, "id=\"%s\"", id);
	if (!(p = strstr(body(r), key)) || !(end = strchr(p, '>')))
		return;
	p = strstr(p, "formaction=\"");
	if (p && p < end) {
		p += strlen("formaction=\"");
		snprintf(out, n, "%.*s", (int)strcspn(p, "\""), p);
	}
}

/* A verdict taken back: the page of a recorded verdict offers it (a GET changes nothing), the
 * page's POST with action=undo deletes it, the page then offers the two verdicts again (the
 * other through a link of the same reader, paper and expiry), a replay is harmless; a token of
 * another reader or paper, an expired or forged one, a bad CSRF field take nothing back; the
 * words in the reader's language. */
static void
test_feedback_undo(void)
{
	struct pb_web_resp r;
	struct pb_token t;
	char p_more[1024], p_less[1024], p[1024], csrf[1024], form[1200], tok[PB_TOKEN_MAX];
	char other[PB_TOKEN_MAX];

	link_path(PB_LINK_FEEDBACK, "amy", "2401.05555v1 +", pb_now(), p_more, sizeof p_more);
	link_path(PB_LINK_FEEDBACK, "amy", "2401.05555v1 -", pb_now(), p_less, sizeof p_less);
	/* no verdict yet: the page asks, no taking back */
	call("GET", p_more, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<html lang=\"en\">") != NULL);
	T_CHECK(strstr(body(&r), "Mark <strong>2401.05555</strong> as \xe2\x80\x9cMore like "
			"this\xe2\x80\x9d?") != NULL);
	T_CHECK(strstr(body(&r), "id=\"mark\"") != NULL);
	T_CHECK(strstr(body(&r), "Take it back") == NULL);
	csrf_of(&r, csrf, sizeof csrf);
	resp_free(&r);
	snprintf(form, sizeof form, "csrf=%s", csrf);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<strong>2401.05555</strong> is marked \xe2\x80\x9cMore like "
			"this\xe2\x80\x9d.") != NULL);
	T_CHECK(strstr(body(&r), "name=\"action\" value=\"undo\"") != NULL);
	T_CHECK(strstr(body(&r), ">Take it back</button>") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 1);

	/* the page of a recorded verdict: says it, offers to take it back; the link of the other
	 * verdict offers that one too; opening them changes nothing */
	call("GET", p_more, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "is marked \xe2\x80\x9cMore like this") != NULL);
	T_CHECK(strstr(body(&r), "id=\"undo\"") != NULL);
	T_CHECK(strstr(body(&r), "id=\"mark\"") == NULL);
	resp_free(&r);
	call("GET", p_less, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "is marked \xe2\x80\x9cMore like this\xe2\x80\x9d. Mark it "
			"\xe2\x80\x9cNot for me\xe2\x80\x9d instead?") != NULL);
	T_CHECK(strstr(body(&r), "id=\"undo\"") != NULL);
	T_CHECK(strstr(body(&r), "id=\"mark\"") != NULL);
	resp_free(&r);
	call("HEAD", p_more, NULL, &r);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 1);

	/* refused, nothing taken back: no csrf, a forged one, one of another reader, an expired
	 * one; an action the page has not */
	call("POST", p_more, "action=undo", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	call("POST", p_more, "action=undo&csrf=abc.def", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "feedback:lab", NULL, pb_now() + 60, tok,
			       sizeof tok), 0);
	snprintf(form, sizeof form, "action=undo&csrf=%s", tok);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "feedback:amy", NULL, pb_now() - 1, tok,
			       sizeof tok), 0);
	snprintf(form, sizeof form, "action=undo&csrf=%s", tok);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	snprintf(form, sizeof form, "action=forget&csrf=%s", csrf);
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 1);
	/* tokens that are not this link: expired, forged, another reader's (with its own csrf),
	 * another paper's; amy's verdict stays */
	snprintf(form, sizeof form, "action=undo&csrf=%s", csrf);
	link_path(PB_LINK_FEEDBACK, "amy", "2401.05555 +", pb_now() - 400LL * 86400, p, sizeof p);
	call("POST", p, form, &r);
	T_EQ_INT(r.status, 410);
	T_CHECK(strstr(body(&r), "This link has expired") != NULL);
	resp_free(&r);
	snprintf(p, sizeof p, "%s", p_more);
	p[strlen(p) - 3] = p[strlen(p) - 3] == 'A' ? 'B' : 'A';
	call("POST", p, form, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	link_path(PB_LINK_FEEDBACK, "lab", "2401.05555 +", pb_now(), p, sizeof p);
	call("POST", p, form, &r);   /* amy's csrf on lab's link */
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "feedback:lab", NULL, pb_now() + 60, tok,
			       sizeof tok), 0);
	snprintf(form, sizeof form, "action=undo&csrf=%s", tok);
	call("POST", p, form, &r);   /* lab's own: lab had no verdict, amy's is not lab's */
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	snprintf(form, sizeof form, "action=undo&csrf=%s", csrf);
	link_path(PB_LINK_FEEDBACK, "amy", "2401.06666 +", pb_now(), p, sizeof p);
	call("POST", p, form, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 1);

	/* taken back: the page says so and offers both verdicts, the other through a link of
	 * the same reader, paper and expiry */
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<h1>Taken back</h1>") != NULL);
	T_CHECK(strstr(body(&r), "Your verdict on <strong>2401.05555</strong> is taken back") !=
		NULL);
	T_CHECK(strstr(body(&r), "Take it back") == NULL);
	T_CHECK(strstr(body(&r), ">More like this</button>") != NULL);
	T_CHECK(strstr(body(&r), ">Not for me</button>") != NULL);
	formaction_of(&r, "more", other, sizeof other);
	T_EQ_STR(other, "");
	formaction_of(&r, "less", other, sizeof other);
	T_EQ_INT(pb_token_check(&ctx.secret, other, "feedback", pb_now(), &t), PB_TOKEN_OK);
	T_EQ_STR(t.subject, "amy");
	T_EQ_STR(t.detail, "2401.05555v1 -");
	T_EQ_STR(other, strrchr(p_less, '/') + 1);   /* the digest's own link */
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 0);
	/* replayed: harmless, says the same */
	call("POST", p_more, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "is taken back") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 0);
	/* the page asks again; the other button's link records the other verdict */
	call("GET", p_more, NULL, &r);
	T_CHECK(strstr(body(&r), "Mark <strong>2401.05555</strong> as") != NULL);
	resp_free(&r);
	snprintf(p, sizeof p, "/f/%s", other);
	snprintf(form, sizeof form, "action=mark&csrf=%s", csrf);
	call("POST", p, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "is marked \xe2\x80\x9cNot for me") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), -1);
	snprintf(form, sizeof form, "action=undo&csrf=%s", csrf);
	call("POST", p_more, form, &r);   /* the link of the other verdict takes it back too */
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(verdict_of("amy", "2401.05555"), 0);

	/* in the reader's language: Traditional, Simplified */
	link_path(PB_LINK_FEEDBACK, "wen", "2401.05555 +", pb_now(), p, sizeof p);
	call("GET", p, NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<html lang=\"zh-Hant\">") != NULL);
	T_CHECK(strstr(body(&r), "將 <strong>2401.05555</strong> 標記為「更多類似」？") != NULL);
	T_CHECK(strstr(body(&r), ">確定標記</button>") != NULL);
	csrf_of(&r, csrf, sizeof csrf);
	resp_free(&r);
	snprintf(form, sizeof form, "csrf=%s&action=mark", csrf);
	call("POST", p, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<h1>謝謝</h1>") != NULL);
	T_CHECK(strstr(body(&r), ">撤銷</button>") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("wen", "2401.05555"), 1);
	snprintf(form, sizeof form, "csrf=%s&action=undo", csrf);
	call("POST", p, form, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(body(&r), "<h1>已撤銷</h1>") != NULL);
	T_CHECK(strstr(body(&r), "您對 <strong>2401.05555</strong> 的評價已撤銷") != NULL);
	T_CHECK(strstr(body(&r), ">更多類似</button>") != NULL);
	T_CHECK(strstr(body(&r), ">不感興趣</button>") != NULL);
	T_CHECK(strstr(body(&r), "Take it back") == NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("wen", "2401.05555"), 0);
	link_path(PB_LINK_FEEDBACK, "hua", "2401.05555 -", pb_now(), p, sizeof p);
	call("GET", p, NULL, &r);
	T_CHECK(strstr(body(&r), "<html lang=\"zh-Hans\">") != NULL);
	T_CHECK(strstr(body(&r), "将 <strong>2401.05555</strong> 标记为“不感兴趣”？") != NULL);
	csrf_of(&r, csrf, sizeof csrf);
	resp_free(&r);
	snprintf(form, sizeof form, "csrf=%s", csrf);
	call("POST", p, form, &r);
	T_CHECK(strstr(body(&r), ">撤销</button>") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("hua", "2401.05555"), -1);
}

static void
test_ratelimit(void)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(3, 64), *off = pb_ratelimit_new(0, 8);
	int retry;
	char key[32];

	for (int i = 0; i < 3; i++)
		T_EQ_INT(pb_ratelimit_hit(rl, "10.0.0.1", 1000 + i, &retry), 1);
	T_EQ_INT(pb_ratelimit_hit(rl, "10.0.0.1", 2000, &retry), 0);
	T_CHECK(retry >= 59 && retry <= 60);
	T_EQ_INT(pb_ratelimit_hit(rl, "10.0.0.2", 2000, &retry), 1);
	T_EQ_INT(pb_ratelimit_hit(rl, "10.0.0.1", 61000, &retry), 1);
	/* many clients: the table stays its size, each new one is let in */
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof key, "192.0.2.%d", i);
		T_CHECK(pb_ratelimit_hit(rl, key, 62000, &retry) == 1);
	}
	for (int i = 0; i < 1000; i++)
		T_EQ_INT(pb_ratelimit_hit(off, "10.0.0.1", 1000, &retry), 1);
	pb_ratelimit_free(rl);
	pb_ratelimit_free(off);
}

/* The client a limit counts: the peer, or behind this machine's proxy the last address of
 * X-Forwarded-For; an IPv6 address by its /64, whose every address its holder takes at
 * will; an IPv4 address in IPv6's clothes as itself. */
/* A connection's peer as the connection limit counts it: a trusted proxy is not counted; a
 * client is its IPv4 address or its IPv6 /64, as the rate limit counts it. */
static void
test_peer(void)
{
	struct pb_cidr far;
	char k[64];

	T_EQ_INT(pb_web_peer(NULL, 0, "127.0.0.1", k, sizeof k), 1);
	T_EQ_INT(pb_web_peer(NULL, 0, "::1", k, sizeof k), 1);
	T_EQ_INT(pb_web_peer(NULL, 0, "192.0.2.7", k, sizeof k), 0);
	T_EQ_STR(k, "192.0.2.7");
	T_EQ_INT(pb_web_peer(NULL, 0, "::ffff:192.0.2.7", k, sizeof k), 0);
	T_EQ_STR(k, "192.0.2.7");
	T_EQ_INT(pb_web_peer(NULL, 0, "2001:db8:7:1::5", k, sizeof k), 0);
	T_EQ_STR(k, "2001:db8:7:1::/64");
	T_EQ_INT(pb_web_peer(NULL, 0, "unknown", k, sizeof k), -1);
	/* trusted proxies listed: loopback is a client like any other */
	T_EQ_INT(pb_cidr_parse("10.9.0.0/16", &far), 0);
	T_EQ_INT(pb_web_peer(&far, 1, "127.0.0.1", k, sizeof k), 0);
	T_EQ_STR(k, "127.0.0.1");
	T_EQ_INT(pb_web_peer(&far, 1, "10.9.3.4", k, sizeof k), 1);
}

static void
test_client(void)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(3, 64);
	char c[128], d[128];
	int retry, allowed = 0;

	pb_web_client(NULL, 0, "192.0.2.7", NULL, c, sizeof c);
	T_EQ_STR(c, "192.0.2.7");
	pb_web_client(NULL, 0, "192.0.2.7", "203.0.113.1", c, sizeof c);
	T_EQ_STR(c, "192.0.2.7");            /* not from this machine: the header is anyone's */
	pb_web_client(NULL, 0, "127.0.0.1", "198.51.100.1, 203.0.113.1", c, sizeof c);
	T_EQ_STR(c, "203.0.113.1");
	pb_web_client(NULL, 0, "2001:db8:7:1:a:b:c:d", NULL, c, sizeof c);
	pb_web_client(NULL, 0, "2001:db8:7:1::1", NULL, d, sizeof d);
	T_EQ_STR(c, "2001:db8:7:1::/64");
	T_EQ_STR(d, c);
	pb_web_client(NULL, 0, "::1", "2001:DB8:7:1:ffff::9", d, sizeof d);
	T_EQ_STR(d, c);
	pb_web_client(NULL, 0, "2001:db8:7:2::1", NULL, d, sizeof d);
	T_EQ_STR(d, "2001:db8:7:2::/64");
	pb_web_client(NULL, 0, "::ffff:192.0.2.7", NULL, c, sizeof c);
	T_EQ_STR(c, "192.0.2.7");
	pb_web_client(NULL, 0, "::ffff:127.0.0.1", "::ffff:198.51.100.3", c, sizeof c);
	T_EQ_STR(c, "198.51.100.3");
	pb_web_client(NULL, 0, "fe80::1:2:3:4%eth0", NULL, c, sizeof c);
	T_EQ_STR(c, "fe80::/64");
	pb_web_client(NULL, 0, "unknown", NULL, c, sizeof c);
	T_EQ_STR(c, "unknown");
	/* a hundred addresses of one /64 are one client to the per-minute limit */
	for (int i = 0; i < 100; i++) {
		char peer[64];

		snprintf(peer, sizeof peer, "2001:db8:7:1::%x", i + 1);
		pb_web_client(NULL, 0, peer, NULL, c, sizeof c);
		allowed += pb_ratelimit_hit(rl, c, 1000, &retry);
	}
	T_EQ_INT(allowed, 3);
	pb_ratelimit_free(rl);

	/* web.trusted_proxies: a proxy on a docker bridge or another machine. The right-most
	 * address no trusted proxy has is the client; what the client wrote itself, to the
	 * left, is never believed */
	{
		const char *nets[] = { "172.17.0.0/16", "2001:db8:ff::/48" };
		struct pb_cidr t[2], x;

		for (size_t i = 0; i < 2; i++)
			T_EQ_INT(pb_cidr_parse(nets[i], &t[i]), 0);
		pb_web_client(t, 2, "172.17.0.2", "198.51.100.1, 203.0.113.9", c, sizeof c);
		T_EQ_STR(c, "203.0.113.9");
		pb_web_client(t, 2, "172.17.0.2", "1.2.3.4, 203.0.113.9, 172.17.0.5", c, sizeof c);
		T_EQ_STR(c, "203.0.113.9");
		pb_web_client(t, 2, "172.17.0.2", "203.0.113.9:5123", c, sizeof c);
		T_EQ_STR(c, "203.0.113.9");
		pb_web_client(t, 2, "2001:db8:ff::1", "[2001:db8:5:6::7]:443", c, sizeof c);
		T_EQ_STR(c, "2001:db8:5:6::/64");
		pb_web_client(t, 2, "::ffff:172.17.0.2", "203.0.113.9", c, sizeof c);
		T_EQ_STR(c, "203.0.113.9");
		/* every hop trusted: the left-most; a hop that is no address: the one after it */
		pb_web_client(t, 2, "172.17.0.2", "172.17.0.9", c, sizeof c);
		T_EQ_STR(c, "172.17.0.9");
		pb_web_client(t, 2, "172.17.0.2", "203.0.113.9, nonsense, 172.17.0.9", c, sizeof c);
		T_EQ_STR(c, "172.17.0.9");
		pb_web_client(t, 2, "172.17.0.2", " , ", c, sizeof c);
		T_EQ_STR(c, "172.17.0.2");
		/* not a trusted peer, and loopback not listed: the header is anyone's */
		pb_web_client(t, 2, "172.18.0.2", "203.0.113.9", c, sizeof c);
		T_EQ_STR(c, "172.18.0.2");
		pb_web_client(t, 2, "127.0.0.1", "203.0.113.9", c, sizeof c);
		T_EQ_STR(c, "127.0.0.1");
		/* without the key, loopback alone, as before */
		pb_web_client(NULL, 0, "172.17.0.2", "203.0.113.9", c, sizeof c);
		T_EQ_STR(c, "172.17.0.2");
		pb_web_client(NULL, 0, "127.0.0.1", "203.0.113.9, 127.0.0.1", c, sizeof c);
		T_EQ_STR(c, "203.0.113.9");

		T_EQ_INT(pb_cidr_parse("::ffff:10.0.0.0/104", &x), 0);
		T_EQ_INT(x.family, AF_INET);
		T_EQ_INT(x.bits, 8);
		T_EQ_INT(pb_cidr_parse("10.1.2.3/8", &x), 0);
		T_EQ_INT(x.addr[1], 0);
		T_EQ_INT(pb_cidr_parse("0.0.0.0/0", &x), 0);
		T_EQ_INT(pb_cidr_parse("fd00::/8", &x), 0);
		T_EQ_INT(x.family, AF_INET6);
		{
			const char *bad[] = { "10.0.0.0/33", "10.0.0.0/", "/8", "example.org",
					      "::/129", "10.0.0.0/8x", "10.0.0.0/-1", "",
					      "[::1]", "10.0.0.1:80" };

			for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
				T_EQ_INT(pb_cidr_parse(bad[i], &x), -1);
		}
	}
}

/* ---- the work after an answer: each piece notes its name (and "!" and why, dropped) ---- */
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static char seen[256];

static void
note(const char *name, const struct pb_web_after *how)
{
	size_t n;

	pthread_mutex_lock(&seen_mu);
	n = strlen(seen);
	snprintf(seen + n, sizeof seen - n, "%s%s%s;", name, how->dropped ? "!" : "",
		 how->dropped ? how->dropped : "");
	pthread_mutex_unlock(&seen_mu);
}

static int64_t
slow_piece(void *arg, const struct pb_web_after *how)
{
	if (!how->dropped)
		usleep(200 * 1000);
	note(arg, how);
	return 0;
}

static int64_t
quick_piece(void *arg, const struct pb_web_after *how)
{
	note(arg, how);
	return 0;
}

/* asks to run again after 50 ms once, then is done */
static int64_t
again_piece(void *arg, const struct pb_web_after *how)
{
	int *runs = arg;

	note("R", how);
	return !how->dropped && ++*runs == 1 ? 50 : 0;
}

/* asks to run again after 10 s: past any stop's grace */
static int64_t
late_piece(void *arg, const struct pb_web_after *how)
{
	note(arg, how);
	return how->dropped ? 0 : 10000;
}

static void
test_after_queue(void)
{
	struct pb_web_queue *q;
	char err[128];
	int runs = 0;
	int64_t t0;

	T_CHECK((q = pb_web_queue_new(2, err, sizeof err)) != NULL);
	if (!q)
		return;
	/* A runs (and is held) 200 ms, B waits: C finds the queue full, at once */
	t0 = pb_mono_ms();
	T_EQ_INT(pb_web_queue_add(q, slow_piece, "A"), 0);
	T_EQ_INT(pb_web_queue_add(q, quick_piece, "B"), 0);
	T_EQ_INT(pb_web_queue_add(q, quick_piece, "C"), -1);
	T_CHECK(pb_mono_ms() - t0 < 100);
	usleep(400 * 1000);
	pthread_mutex_lock(&seen_mu);
	T_EQ_STR(seen, "C!the queue is full;A;B;");
	*seen = '\0';
	pthread_mutex_unlock(&seen_mu);
	/* run again when it asks */
	T_EQ_INT(pb_web_queue_add(q, again_piece, &runs), 0);
	usleep(300 * 1000);
	T_EQ_INT(runs, 2);
	/* at the stop, a piece due only past the grace is dropped, without waiting for it */
	T_EQ_INT(pb_web_queue_add(q, late_piece, "L"), 0);
	usleep(100 * 1000);
	t0 = pb_mono_ms();
	pb_web_queue_free(q, 300);
	T_CHECK(pb_mono_ms() - t0 < 1000);
	pthread_mutex_lock(&seen_mu);
	T_EQ_STR(seen, "R;R;L;L!the server stopped;");
	pthread_mutex_unlock(&seen_mu);
	pb_web_queue_free(NULL, 0);
}

int
main(void)
{
	struct pb_config_error ce;
	struct pb_config *cfg;
	struct pb_sub_row row;
	char err[512];
	FILE *f;

	pb_log_setup(PB_LOG_ERROR, 0);
	snprintf(dir, sizeof dir, "/tmp/pb-test-web.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	f = fopen(path_of("pb.conf"), "w");
	fprintf(f, "state_dir = \"%s/state\";\n"
		"arxiv = { categories = [\"cs.CV\"]; };\n"
		"email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"bot@example.org\"; "
		"tls = \"none\"; };\n"
		"web = { listen = \"127.0.0.1:8425\"; base_url = \"https://d.example.org\"; };\n"
		"subscribers = ( { name = \"lab\"; email = [\"ann@example.org\", \"bob@example.org\"];"
		" topics = ( { name = \"t\"; query = \"cat:cs.RO\"; } ); },\n"
		"  { name = \"amy\"; email = [\"amy@example.org\"];"
		" topics = ( { name = \"t\"; query = \"cat:cs.CV\"; } ); },\n"
		"  { name = \"wen\"; email = [\"wen@example.org\"]; language = \"zh-TW\";"
		" topics = ( { name = \"t\"; query = \"cat:cs.CV\"; } ); },\n"
		"  { name = \"hua\"; email = [\"hua@example.org\"]; language = \"zh-CN\";"
		" topics = ( { name = \"t\"; query = \"cat:cs.CV\"; } ); } );\n", dir);
	{
		struct pb_buf sc = { 0 };

		t_state_conf(&sc, path_of("state/paperboy.db"));
		if (sc.len)
			fputs(sc.data, f);
		pb_buf_free(&sc);
	}
	fclose(f);
	pb_mkdirs(path_of("state"));
	memset(&ctx, 0, sizeof ctx);
	ctx.st = t_state_open(path_of("state/paperboy.db"), err, sizeof err);
	T_CHECK(ctx.st != NULL);
	if (!ctx.st)
		return 1;
	memset(&row, 0, sizeof row);
	row.name = "zed";
	row.settings = "{\"name\": \"zed\", \"email\": [\"zed@example.org\"], "
		       "\"topics\": [{\"name\": \"t\", \"query\": \"cat:cs.CL\"}]}";
	row.state = "active";
	row.source = "cli";
	T_EQ_INT(pb_sub_put(ctx.st, &row), 0);
	cfg = pb_config_load(path_of("pb.conf"), &ce);
	T_CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "%s\n", ce.message);
		return 1;
	}
	{
		struct pb_buf problems = { 0 };

		ctx.cfg = pb_cli_with_stored(cfg, 1, NULL, NULL, &problems);
		T_EQ_STR(pb_buf_str(&problems), "");
		pb_buf_free(&problems);
	}
	T_CHECK(pb_config_subscriber(ctx.cfg, "zed") != NULL);
	T_EQ_INT(pb_secret_load(path_of("state/web.secret"), &ctx.secret, err, sizeof err), 0);

	test_routes();
	test_frame();
	test_unsubscribe();
	test_refused();
	test_feedback();
	test_feedback_undo();
	test_feedback_replay();
	test_answer_headers();
	test_ratelimit();
	test_client();
	test_peer();
	test_after_queue();

	pb_config_free(ctx.cfg);
	pb_state_close(ctx.st);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return t_done("test_web_server");
}
