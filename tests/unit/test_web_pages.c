/* The readers' pages called as the server calls them, on a temporary state and config, the
 * confirmation mail caught by a test mailer: sign-up (a pending sign-up and one mail; a rule
 * error shown with its column; the address and client limits; an address in use answered
 * alike; a failed mail consumes nothing; one refused for good says so, one refused for now to
 * try again later), the confirmation link (a GET only asks; its button
 * subscribes once, then "already"), the manage page (edits, pause, resume, preview,
 * unsubscribe; a config subscriber's settings untouchable), csrf, and hostile input echoed
 * escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/http.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "paperboy/web.h"
#include "../../src/web/pages.h"
#include "../../src/web/routes.h"
#include "t.h"
#include "t_state.h"

static char dir[256];

struct mailbox {
	int n;
	int tries;               /* every call, sent or not */
	int fail;                /* 1: refused for now (-1), 2: refused for good (-2) */
	char to[256];
	struct pb_buf last;
};

static int
catch_mail(void *arg, const struct pb_config *cfg, const char *to, const char *msg, size_t len,
	   char *err, size_t errlen)
{
	struct mailbox *mb = arg;

	(void)cfg;
	mb->tries++;
	if (mb->fail == 2) {
		snprintf(err, errlen, "550 5.1.1 <%s>: <b>User unknown</b>", to);
		return -2;
	}
	if (mb->fail) {
		snprintf(err, errlen, "451 try later");
		return -1;
	}
	mb->n++;
	snprintf(mb->to, sizeof mb->to, "%s", to);
	pb_buf_reset(&mb->last);
	/* quoted-printable's soft line breaks joined, so a link reads whole */
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '=' && i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			i += 2;
		else
			pb_buf_putc(&mb->last, msg[i]);
	}
	return 0;
}

/* The X-Forwarded-For of the request, when a test sets one. */
static const char *xff;

static const char *
a_header(const struct pb_web_req *r, const char *name)
{
	(void)r;
	return xff && strcasecmp(name, "X-Forwarded-For") == 0 ? xff : NULL;
}

/* Runs handler h on method path body from client remote; the response in *resp. */
static void
call(struct pb_web_ctx *ctx, pb_web_handler h, const char *method, const char *path,
     const char *remote, const char *body, struct pb_web_resp *resp)
{
	struct pb_web_req req;
	char msg[200];

	memset(&req, 0, sizeof req);
	memset(resp, 0, sizeof *resp);
	req.method = method;
	req.path = path;
	req.remote = remote;
	req.body = body ? body : "";
	req.body_len = strlen(req.body);
	req.header = a_header;
	if (body && pb_form_parse(body, strlen(body), &req.form, msg, sizeof msg) < 0)
		fprintf(stderr, "form: %s\n", msg);
	h(ctx, &req, resp);
	pb_form_free(&req.form);
}

static void
resp_free(struct pb_web_resp *r)
{
	pb_buf_free(&r->body);
	pb_buf_free(&r->headers);
}

/* The csrf value in a page, percent-encoded for a form body ("" when none). */
static const char *
csrf_of(const char *page)
{
	static char v[1024];
	const char *p = page ? strstr(page, "name=\"csrf\" value=\"") : NULL;
	size_t n;

	v[0] = '\0';
	if (!p)
		return v;
	p += strlen("name=\"csrf\" value=\"");
	n = strcspn(p, "\"");
	if (n < sizeof v)
		snprintf(v, sizeof v, "%.*s", (int)n, p);
	return v;
}

/* The path of the first link base_url + prefix ... in text, or "" (into out). */
static const char *
link_of(const char *text, const char *prefix, char *out, size_t n)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof pat, "https://digest.example.org%s", prefix);
	out[0] = '\0';
	if (!text || !(p = strstr(text, pat)))
		return out;
	p += strlen("https://digest.example.org");
	snprintf(out, n, "%.*s", (int)strspn(p, "/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "0123456789-_."), p);
	return out;
}

static void
urlenc(struct pb_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.", c))
			pb_buf_putc(b, (char)c);
		else
			pb_buf_printf(b, "%%%02X", c);
	}
}

/* POSTs the manage page's form at path: fields (encoded already) and the csrf taken from the
 * page; the response in *r. */
static void
manage_post(struct pb_web_ctx *ctx, const char *path, const char *fields, const char *csrf,
	    struct pb_web_resp *r)
{
	struct pb_buf b = { 0 };

	pb_buf_printf(&b, "%s&csrf=", fields);
	urlenc(&b, csrf);
	call(ctx, pb_web_manage, "POST", path, "10.0.0.1", b.data, r);
	pb_buf_free(&b);
}

/* What a browser sends for the <select> named name in page: the option marked selected, or
 * the first one when none is (into out; "" when there is no such select). */
static const char *
browser_select(const char *page, const char *name, char *out, size_t n)
{
	char pat[80];
	const char *sel, *end, *opt, *first = NULL, *chosen = NULL;

	out[0] = '\0';
	snprintf(pat, sizeof pat, "<select id=\"%s\" name=\"%s\">", name, name);
	if (!page || !(sel = strstr(page, pat)) || !(end = strstr(sel, "</select>")))
		return out;
	for (opt = strstr(sel, "<option value=\""); opt && opt < end;
	     opt = strstr(opt + 1, "<option value=\"")) {
		const char *v = opt + strlen("<option value=\""), *close = strchr(v, '>');

		if (!first)
			first = v;
		if (!chosen && close && strstr(v, "\" selected>") == close - strlen("\" selected"))
			chosen = v;
	}
	if ((chosen = chosen ? chosen : first))
		snprintf(out, n, "%.*s", (int)strcspn(chosen, "\""), chosen);
	return out;
}

/* Whether a browser sends the number input named name of page as it is: its value within
 * its min and max (a browser refuses to send the form otherwise). */
static int
browser_number_ok(const char *page, const char *name)
{
	char pat[80];
	const char *in, *mn, *mx, *v;

	snprintf(pat, sizeof pat, "<input id=\"%s\" name=\"%s\" type=\"number\"", name, name);
	if (!page || !(in = strstr(page, pat)) || !(mn = strstr(in, "min=\"")) ||
	    !(mx = strstr(in, "max=\"")) || !(v = strstr(in, "value=\"")))
		return 0;
	return atoi(v + 7) >= atoi(mn + 5) && atoi(v + 7) <= atoi(mx + 5);
}

/* A csrf field's value made for (form, subject) that expired a minute ago. */
static const char *
old_csrf(const struct pb_web_ctx *ctx, const char *form, const char *subject)
{
	static char tok[PB_TOKEN_MAX];
	char subj[PB_TOKEN_FIELD_MAX + 2];

	snprintf(subj, sizeof subj, "%s:%s", form, subject);
	if (pb_token_make(&ctx->secret, "csrf", subj, NULL, pb_now() - 60, tok, sizeof tok) < 0)
		tok[0] = '\0';
	return tok;
}

/* The csrf field of the sign-up form as the client remote (behind xff, when set) gets it:
 * made for that client. */
static const char *
signup_csrf(struct pb_web_ctx *ctx, const char *remote)
{
	static char v[1024];
	struct pb_web_resp r;

	call(ctx, pb_web_signup, "GET", "/signup", remote, NULL, &r);
	snprintf(v, sizeof v, "%s", csrf_of(r.body.data));
	resp_free(&r);
	return v;
}

/* Whether page carries a csrf field that checks now. */
static int
fresh_csrf(const struct pb_web_ctx *ctx, const char *page)
{
	struct pb_token t;

	return pb_token_check(&ctx->secret, csrf_of(page), "csrf", pb_now(), &t) == PB_TOKEN_OK;
}

static void
signup_body(struct pb_buf *b, const char *csrf, const char *email, const char *topics)
{
	pb_buf_reset(b);
	pb_buf_puts(b, "csrf=");
	urlenc(b, csrf);
	pb_buf_puts(b, "&email=");
	urlenc(b, email);
	pb_buf_puts(b, "&topics=");
	urlenc(b, topics);
	pb_buf_puts(b, "&language=en&max_papers=7");
}

/* Puts the 4-item fixture feed in the HTTP cache as the URL pb_fetch_today asks for. */
static void
cache_feed(const struct pb_config *cfg)
{
	struct pb_buf url = { 0 }, path = { 0 };
	char name[32], *data = NULL, err[256];
	size_t len = 0;
	FILE *f;

	pb_buf_puts(&url, cfg->arxiv.rss_url);
	while (url.len && url.data[url.len - 1] == '/')
		url.data[--url.len] = '\0';
	pb_buf_putc(&url, '/');
	for (size_t i = 0; i < cfg->arxiv.n_categories; i++)
		pb_buf_printf(&url, "%s%s", i ? "+" : "", cfg->arxiv.categories[i]);
	pb_http_cache_name(url.data, name, sizeof name);
	pb_buf_printf(&path, "%s/http-cache", cfg->state_dir);
	mkdir(path.data, 0700);
	pb_buf_printf(&path, "/%s", name);
	T_EQ_INT(pb_read_file(t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-"
					 "excerpt.xml"), &data, &len, err, sizeof err), 0);
	f = fopen(path.data, "wb");
	T_CHECK(f != NULL);
	if (f && data) {
		fprintf(f, "paperboy-http-cache 1\nurl %s\netag \"x\"\n\n", url.data);
		fwrite(data, 1, len, f);
	}
	if (f)
		fclose(f);
	free(data);
	pb_buf_free(&url);
	pb_buf_free(&path);
}

/* Counts the full reads of the subscribers (pb_pages_load, its "web.subscribers" warning for
 * a stored subscriber left out) while a handler runs: stderr goes to a file meanwhile. */
static int log_fd = -1;
static char log_path[300];

static void
reads_begin(void)
{
	FILE *f;

	snprintf(log_path, sizeof log_path, "%s/reads.log", dir);
	fflush(stderr);
	log_fd = dup(2);
	if ((f = fopen(log_path, "w"))) {
		dup2(fileno(f), 2);
		fclose(f);
	}
}

static int
reads_end(void)
{
	char *text = NULL, err[256];
	size_t len = 0;
	int n = 0;

	fflush(stderr);
	if (log_fd >= 0) {
		dup2(log_fd, 2);
		close(log_fd);
		log_fd = -1;
	}
	if (pb_read_file(log_path, &text, &len, err, sizeof err) < 0)
		return -1;
	for (const char *p = text; (p = strstr(p, "event=web.subscribers ")); p++)
		n++;
	free(text);
	return n;
}

int
main(void)
{
	struct pb_web_ctx ctx;
	struct pb_web_resp r;
	struct mailbox mb = { 0 };
	struct pb_sub_row *rows = NULL, row;
	struct pb_buf body = { 0 }, link = { 0 };
	char conf[512], db[512], err[512], cpath[1024], mpath[1024], ok_csrf[1024];
	size_t n_rows = 0;
	FILE *f;

	/* the field each reason of the forms is about (tied to it with aria-invalid) */
	T_EQ_STR(pb_pages_error_field("email: give one address (at most 200 characters)"), "email");
	T_EQ_STR(pb_pages_error_field("topics, line 2: write NAME = QUERY"), "topics");
	T_EQ_STR(pb_pages_error_field("subscriber dave, topic Bad, column 5: unclosed '('"),
		 "topics");
	T_EQ_STR(pb_pages_error_field("give at least one topic"), "topics");
	T_EQ_STR(pb_pages_error_field("language: \"<x\" is not a language tag"), "language");
	T_EQ_STR(pb_pages_error_field("max_papers: 99999 is out of range (1 to 1000)"),
		 "max_papers");
	T_CHECK(pb_pages_error_field("the service is busy just now, and nothing was sent") == NULL);
	T_CHECK(pb_pages_error_field("emailed") == NULL);
	T_CHECK(pb_pages_error_field(NULL) == NULL);
	snprintf(dir, sizeof dir, "/tmp/pb-web-pages.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(conf, sizeof conf, "%s/pb.conf", dir);
	snprintf(db, sizeof db, "%s/paperboy.db", dir);
	f = fopen(conf, "w");
	fprintf(f, "state_dir = \"%s\";\n"
		"arxiv = { categories = [\"cs.LG\", \"cs.AI\"]; };\n"
		"email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"digest@example.org\"; };\n"
		"web = { listen = \"127.0.0.1:8425\"; base_url = \"https://digest.example.org\"; };\n"
		"subscribers = ( { name = \"carol\"; email = [\"carol@example.org\"];\n"
		"  topics = ( { name = \"drift\"; query = \"ti:drift\"; } ); },\n"
		"  { name = \"ned\"; ntfy_topic = \"ned-papers\";\n"
		"  topics = ( { name = \"drift\"; query = \"ti:drift\"; } ); },\n"
		"  { name = \"mia\"; email = [\"mia@example.org\"]; ntfy_topic = \"mia-papers\";\n"
		"  topics = ( { name = \"drift\"; query = \"ti:drift\"; } ); },\n"
		"  { name = \"rnd\"; email = [\"r&d@example.org\"];\n"
		"  topics = ( { name = \"drift\"; query = \"ti:drift\"; } ); },\n"
		"  { name = \"lab\"; email = [\"ann@lab.example\", \"Bob@lab.example\"];\n"
		"  ntfy_topic = \"lab-papers\";\n"
		"  topics = ( { name = \"drift\"; query = \"ti:drift\"; } ); } );\n", dir);
	{
		struct pb_buf sc = { 0 };

		t_state_conf(&sc, db);
		if (sc.len)
			fputs(sc.data, f);
		pb_buf_free(&sc);
	}
	fclose(f);
	memset(&ctx, 0, sizeof ctx);
	memset(&ctx.secret, 5, sizeof ctx.secret);
	ctx.config_path = conf;
	ctx.st = t_state_open(db, err, sizeof err);
	T_CHECK(ctx.st != NULL);
	T_EQ_INT(pb_pages_load(&ctx, &ctx.cfg, &rows, &n_rows), 0);
	pb_sub_rows_free(rows, n_rows);
	if (!ctx.st || !ctx.cfg)
		return t_done("test_web_pages");
	pb_pages_set_mailer(catch_mail, &mb);

	/* the form */
	call(&ctx, pb_web_signup, "GET", "/signup", "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "name=\"topics\"") != NULL);
	T_CHECK(strstr(r.body.data, "au:Del_Maestro") != NULL);
	T_CHECK(strstr(r.body.data, "<title>Sign up for the arXiv digest – paperboy</title>") != NULL);
	snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
	T_CHECK(ok_csrf[0] != '\0');
	resp_free(&r);

	/* no csrf: refused, nothing sent */
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1",
	     "email=dave%40example.org&topics=a%3Dti%3Ax", &r);
	T_EQ_INT(r.status, 403);
	T_EQ_INT(mb.n, 0);
	resp_free(&r);

	/* a form open longer than its csrf's two hours: it comes back as filled in, with a
	 * fresh csrf, and nothing is sent */
	signup_body(&body, old_csrf(&ctx, "signup", "10.0.0.1"), "dave@example.org",
		    "Drift = ti:drift\nOutliers = ti:\"outlier <detection>\"");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 403);
	T_EQ_INT(mb.tries, 0);
	T_CHECK(strstr(r.body.data, "open too long") != NULL);
	T_CHECK(strstr(r.body.data, "value=\"dave@example.org\"") != NULL);
	T_CHECK(strstr(r.body.data, "Drift = ti:drift\nOutliers = ti:&quot;outlier "
				    "&lt;detection&gt;&quot;</textarea>") != NULL);
	T_CHECK(fresh_csrf(&ctx, r.body.data));
	resp_free(&r);

	/* The form's csrf field is the client's that opened it, as the limits count clients:
	 * another site that fetched the form has its visitors' browsers post nothing with its
	 * field, nor does a form opened elsewhere go through a proxy as another reader. The form
	 * comes back filled in, with a field that goes from where it was sent; nothing is
	 * sent. */
	{
		char other[1024];
		struct pb_token t;

		snprintf(other, sizeof other, "%s", signup_csrf(&ctx, "10.0.0.200"));
		T_EQ_INT(pb_token_check(&ctx.secret, other, "csrf", pb_now(), &t), PB_TOKEN_OK);
		T_EQ_STR(t.subject, "signup:10.0.0.200");
		signup_body(&body, other, "dave@example.org", "Drift = ti:drift");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
		T_EQ_INT(r.status, 403);
		T_EQ_INT(mb.tries, 0);
		T_CHECK(strstr(r.body.data, "another network") != NULL);
		T_CHECK(strstr(r.body.data, "value=\"dave@example.org\"") != NULL);
		T_EQ_INT(pb_token_check(&ctx.secret, csrf_of(r.body.data), "csrf", pb_now(), &t),
			 PB_TOKEN_OK);
		T_EQ_STR(t.subject, "signup:10.0.0.1");
		resp_free(&r);
		/* through the proxy: the reader behind it, not the proxy, is the client */
		xff = "192.0.2.70";
		snprintf(other, sizeof other, "%s", signup_csrf(&ctx, "127.0.0.1"));
		T_EQ_INT(pb_token_check(&ctx.secret, other, "csrf", pb_now(), &t), PB_TOKEN_OK);
		T_EQ_STR(t.subject, "signup:192.0.2.70");
		xff = "192.0.2.71";
		signup_body(&body, other, "dave@example.org", "Drift = ti:drift");
		call(&ctx, pb_web_signup, "POST", "/signup", "127.0.0.1", body.data, &r);
		T_EQ_INT(r.status, 403);
		T_EQ_INT(mb.tries, 0);
		resp_free(&r);
		xff = NULL;
		/* the one made for everyone before */
		T_EQ_INT(pb_token_make(&ctx.secret, "csrf", "signup:signup", NULL, pb_now() + 600,
				       other, sizeof other), 0);
		signup_body(&body, other, "dave@example.org", "Drift = ti:drift");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
		T_EQ_INT(r.status, 403);
		T_EQ_INT(mb.tries, 0);
		resp_free(&r);
	}

	/* a rule error: its column, the query echoed escaped with the place marked */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.1"), "dave@example.org",
		    "<script>alert(1)</script> = ti:(diffusion OR <b>");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 400);
	T_CHECK(strstr(r.body.data, "column") != NULL);
	/* the title, what a screen reader says first, says the form came back with an error;
	 * the heading is the form's */
	T_CHECK(strstr(r.body.data, "<title>Error: Sign up for the arXiv digest – paperboy"
			"</title>") != NULL);
	T_CHECK(strstr(r.body.data, "<h1>Sign up for the arXiv digest</h1>") != NULL);
	T_CHECK(strstr(r.body.data, "<mark>") != NULL);
	T_CHECK(strstr(r.body.data, "<script>alert(1)</script>") == NULL);
	T_CHECK(strstr(r.body.data, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	T_CHECK(strstr(r.body.data, "OR <b>") == NULL);
	T_CHECK(strstr(r.body.data, "OR &lt;b&gt;") != NULL);
	T_EQ_INT(mb.n, 0);
	resp_free(&r);

	/* a hostile address is refused and echoed escaped */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.1"),
		    "<script>alert(1)</script>@x.org", "a = ti:x");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 400);
	T_CHECK(strstr(r.body.data, "<script>alert(1)</script>") == NULL);
	T_CHECK(strstr(r.body.data, "value=\"&lt;script&gt;") != NULL);
	resp_free(&r);

	/* an address longer than a signed link carries (200 bytes), though under 254: refused
	 * on the form, not a failure of the server */
	{
		char a[300];

		snprintf(a, sizeof a, "a@%060d.%060d.%060d.%050d.org", 0, 0, 0, 0);
		signup_body(&body, signup_csrf(&ctx, "10.0.0.1"), a, "a = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
		T_EQ_INT(r.status, 400);
		T_CHECK(strstr(r.body.data, "at most 200") != NULL);
		T_EQ_INT(mb.n, 0);
		resp_free(&r);
	}

	/* eleven topics are too many */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.1"), "dave@example.org",
		    "a=ti:a\nb=ti:b\nc=ti:c\nd=ti:d\ne=ti:e\nf=ti:f\ng=ti:g\nh=ti:h\ni=ti:i\n"
		    "j=ti:j\nk=ti:k");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 400);
	T_CHECK(strstr(r.body.data, "at most 10 topics") != NULL);
	T_CHECK(strstr(r.body.data, "required aria-invalid=\"true\" aria-describedby=\"form-error "
				    "topics-hint\">a=ti:a") != NULL);
	T_CHECK(strstr(r.body.data, "<div id=\"topics-hint\"><p class=\"hint\">In arXiv's search "
				    "syntax") != NULL);
	resp_free(&r);

	/* a mail that cannot go: the page says so, and no stamp is used */
	mb.fail = 1;
	signup_body(&body, signup_csrf(&ctx, "10.0.0.1"),
		    "dave@example.org", "Drift = ti:drift\nOutliers = ti:outlier");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 503);
	T_CHECK(strstr(r.body.data, "try again later") != NULL);
	resp_free(&r);

	/* refused for good (a 5xx reply): the form again, saying the address was refused and to
	 * check it, never to try later, and the server's words not on it; nothing is kept, so
	 * the same address is tried again and five refusals leave the client its five sign-ups */
	mb.fail = 2;
	for (int i = 0; i < 5; i++) {
		int tries = mb.tries;

		signup_body(&body, signup_csrf(&ctx, "10.0.0.7"),
			    "nobody@example.org", "Drift = ti:drift");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.7", body.data, &r);
		T_EQ_INT(r.status, 422);
		T_EQ_INT(mb.tries, tries + 1);
		T_CHECK(strstr(r.body.data, "refused this address") != NULL);
		T_CHECK(strstr(r.body.data, "check") != NULL);
		T_CHECK(strstr(r.body.data, "try again later") == NULL);
		T_CHECK(strstr(r.body.data, "User unknown") == NULL);
		T_CHECK(strstr(r.body.data, "value=\"nobody@example.org\"") != NULL);
		/* the address is the field in error, and the only one */
		T_CHECK(strstr(r.body.data, "required aria-invalid=\"true\" aria-describedby=\""
					    "form-error\" value=\"nobody@example.org\"") != NULL);
		T_CHECK(strstr(r.body.data, "<textarea id=\"topics\" name=\"topics\" rows=\"5\" "
					    "maxlength=\"11000\" spellcheck=\"false\" required "
					    "aria-describedby=\"topics-hint\">") != NULL);
		T_CHECK(strstr(r.body.data, "name=\"csrf\"") != NULL);
		resp_free(&r);
	}
	mb.fail = 0;
	/* a rule copied from arXiv's search, terms side by side: taken, and the page says that
	 * both must hit here (arXiv reads either) and how to write OR */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.7"),
		    "somebody@example.org", "Drift = ti:drift ti:contract");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.7", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_EQ_INT(mb.n, 1);
	T_EQ_STR(mb.to, "somebody@example.org");
	T_CHECK(strstr(r.body.data, "Check your mailbox") != NULL);
	T_CHECK(strstr(r.body.data, "<p class=\"warning\" role=\"status\">Topic Drift: terms "
				    "side by side must all match (AND): ti:drift ti:contract. "
				    "arXiv") != NULL);
	T_CHECK(strstr(r.body.data, "write ti:drift OR ti:contract, for a phrase put it in double "
				    "quotes") != NULL);
	resp_free(&r);
	mb.n = 0;
	signup_body(&body, signup_csrf(&ctx, "10.0.0.1"),
		    "dave@example.org", "Drift = ti:drift\nOutliers = ti:outlier");

	/* the happy path: one mail with the /c/ link */
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Check your mailbox") != NULL);
	T_CHECK(strstr(r.body.data, "side by side") == NULL);
	T_EQ_INT(mb.n, 1);
	T_EQ_STR(mb.to, "dave@example.org");
	link_of(mb.last.data, "/c/", cpath, sizeof cpath);
	T_CHECK(strlen(cpath) > 10);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 0);   /* pending, not a subscriber yet */
	resp_free(&r);

	/* the same address again within the hour: the same answer, no mail */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.2"), "dave@example.org",
		    "Drift = ti:drift\nOutliers = ti:outlier");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.2", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Check your mailbox") != NULL);
	T_EQ_INT(mb.n, 1);
	resp_free(&r);

	/* an address in use: the same answer, and a mail to it that says so, with its manage
	 * link; no sign-up. A mail that cannot go is answered as a new address's is. */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.3"), "Carol@Example.org", "x = ti:x");
	mb.fail = 1;
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.3", body.data, &r);
	T_EQ_INT(r.status, 503);
	resp_free(&r);
	mb.fail = 0;
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.3", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Check your mailbox") != NULL);
	T_EQ_INT(mb.n, 2);
	T_EQ_STR(mb.to, "carol@example.org");
	T_CHECK(strstr(mb.last.data, "belongs to a subscription already") != NULL);
	T_CHECK(strstr(mb.last.data, "/c/") == NULL);
	link_of(mb.last.data, "/m/", mpath, sizeof mpath);
	T_CHECK(strlen(mpath) > 10);
	resp_free(&r);
	call(&ctx, pb_web_manage, "GET", mpath, "10.0.0.3", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "carol") != NULL);
	T_CHECK(strstr(r.body.data, "<title>Your arXiv digest – paperboy</title>") != NULL);
	resp_free(&r);
	/* again within the hour: no second mail */
	signup_body(&body, signup_csrf(&ctx, "10.0.0.4"), "Carol@Example.org", "x = ti:x");
	call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.4", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_EQ_INT(mb.n, 2);
	resp_free(&r);

	/* one client: five sign-ups an hour, then the same answer without mail */
	for (int i = 0; i < 6; i++) {
		char a[64];

		snprintf(a, sizeof a, "reader%d@example.org", i);
		signup_body(&body, signup_csrf(&ctx, "10.9.9.9"), a, "x = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.9.9.9", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_INT(mb.n, 3 + (i < 5 ? i : 4));
		resp_free(&r);
	}

	/* behind the proxy: readers are told apart by X-Forwarded-For, not the proxy's address */
	xff = "192.0.2.7, 198.51.100.20";
	signup_body(&body, signup_csrf(&ctx, "127.0.0.1"), "proxied@example.org", "x = ti:x");
	call(&ctx, pb_web_signup, "POST", "/signup", "127.0.0.1", body.data, &r);
	T_EQ_INT(mb.n, 8);
	resp_free(&r);
	xff = "203.0.113.9";
	for (int i = 0; i < 6; i++) {
		char a[64];

		snprintf(a, sizeof a, "proxied%d@example.org", i);
		signup_body(&body, signup_csrf(&ctx, "127.0.0.1"), a, "x = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", "127.0.0.1", body.data, &r);
		resp_free(&r);
	}
	T_EQ_INT(mb.n, 13);   /* five from that reader, then none */
	/* a reader with IPv6 has a /64 of addresses at least, every one at will: five sign-ups
	 * an hour from it, whichever address each comes from, directly or through the proxy */
	for (int i = 0; i < 6; i++) {
		char a[64], peer[64];

		snprintf(a, sizeof a, "six%d@example.org", i);
		snprintf(peer, sizeof peer, "2001:db8:7:1:%x::%x", i * 4099, i + 1);
		xff = i % 2 ? peer : NULL;
		signup_body(&body, signup_csrf(&ctx, i % 2 ? "::1" : peer), a, "x = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", i % 2 ? "::1" : peer, body.data, &r);
		resp_free(&r);
	}
	T_EQ_INT(mb.n, 18);
	signup_body(&body, signup_csrf(&ctx, "2001:db8:7:2::1"), "seven@example.org", "x = ti:x");
	call(&ctx, pb_web_signup, "POST", "/signup", "2001:db8:7:2::1", body.data, &r);
	T_EQ_INT(mb.n, 19);   /* the next /64 is another client */
	resp_free(&r);
	xff = NULL;

	/* An address's local part may be case-sensitive (RFC 5321): the confirmation goes to the
	 * address as typed, which the link confirms and the subscriber gets; it is one mailbox
	 * for the limit of a mail an hour. */
	{
		char cp[1024];

		signup_body(&body, signup_csrf(&ctx, "10.0.0.61"),
			    "Ann.Lee@Example.org", "x = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.61", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_INT(mb.n, 20);
		T_EQ_STR(mb.to, "Ann.Lee@Example.org");
		T_CHECK(strstr(mb.last.data, "To: Ann.Lee@Example.org") != NULL);
		link_of(mb.last.data, "/c/", cp, sizeof cp);
		resp_free(&r);
		signup_body(&body, signup_csrf(&ctx, "10.0.0.62"),
			    "ann.lee@example.ORG", "x = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.62", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_INT(mb.n, 20);
		resp_free(&r);
		call(&ctx, pb_web_confirm, "GET", cp, "10.0.0.61", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "<strong>Ann.Lee@Example.org</strong>") != NULL);
		pb_buf_reset(&body);
		pb_buf_puts(&body, "csrf=");
		urlenc(&body, csrf_of(r.body.data));
		resp_free(&r);
		call(&ctx, pb_web_confirm, "POST", cp, "10.0.0.61", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Subscribed") != NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "ann.lee", &row), 1);
		T_CHECK(row.settings && strstr(row.settings, "\"Ann.Lee@Example.org\""));
		pb_sub_row_clear(&row);
	}

	/* A team of the file whose members each unsubscribed: one signing up again gets the
	 * digest again at the address confirmed; the others who unsubscribed, and the chat, get
	 * nothing until they ask */
	{
		const char *dests[][2] = { { "ann@lab.example", "ann@lab.example" },
					   { "Bob@lab.example", "Bob@lab.example" },
					   { "ntfy:lab-papers", NULL } };
		char cp[1024];

		struct pb_buf oldm = { 0 };

		/* a manage link of an earlier digest, signed out by the confirmation below */
		T_EQ_INT(pb_link_make(&oldm, "", &ctx.secret, PB_LINK_MANAGE, "lab",
				      "Bob@lab.example", pb_now() - 60), 0);
		for (size_t i = 0; i < 3; i++) {
			pb_buf_reset(&link);
			T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_UNSUB, "lab",
					      dests[i][0], pb_now()), 0);
			call(&ctx, pb_web_unsub_post, "POST", link.data, "10.0.0.63",
			     "List-Unsubscribe=One-Click", &r);
			T_EQ_INT(r.status, 200);
			resp_free(&r);
		}
		pb_buf_reset(&link);
		T_EQ_INT(pb_sub_get(ctx.st, "lab", &row), 1);
		T_EQ_STR(row.state, "unsubscribed");
		pb_sub_row_clear(&row);
		/* a rule the form gets wrong is refused for this address as for any other, with
		 * the same words, so the answer does not tell that it is a subscriber's of the
		 * file (whose own rules, not the form's, it would get back) */
		{
			size_t sent = mb.n;
			char *other;

			signup_body(&body, signup_csrf(&ctx, "10.0.0.64"),
				    "nobody-else@lab.example", "x = ti:(x OR");
			call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.64", body.data, &r);
			T_EQ_INT(r.status, 400);
			other = pb_xstrdup(r.body.data);
			resp_free(&r);
			signup_body(&body, signup_csrf(&ctx, "10.0.0.64"),
				    "bob@lab.example", "x = ti:(x OR");
			call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.64", body.data, &r);
			T_EQ_INT(r.status, 400);
			T_CHECK(strstr(r.body.data, "column") != NULL);
			T_CHECK(strstr(other, "column") != NULL);
			T_EQ_INT(mb.n, sent);
			free(other);
			resp_free(&r);
		}
		signup_body(&body, signup_csrf(&ctx, "10.0.0.63"), "bob@lab.example", "x = ti:x");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.63", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_INT(mb.n, 21);
		T_EQ_STR(mb.to, "bob@lab.example");
		link_of(mb.last.data, "/c/", cp, sizeof cp);
		T_CHECK(strstr(mb.last.data, "belongs to a subscription") == NULL);
		resp_free(&r);
		call(&ctx, pb_web_confirm, "GET", cp, "10.0.0.63", NULL, &r);
		pb_buf_reset(&body);
		pb_buf_puts(&body, "csrf=");
		urlenc(&body, csrf_of(r.body.data));
		resp_free(&r);
		/* the manage page's sign-out pressed twice in this second: dated a second on */
		T_EQ_INT(pb_sub_links_revoke(ctx.st, "lab", pb_now() + 2), 0);
		call(&ctx, pb_web_confirm, "POST", cp, "10.0.0.63", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Subscribed again") != NULL);
		{
			char mp[1024];

			/* the confirming reader proved the mailbox: the manage links from before
			 * are signed out, and the page's own (made after) opens */
			link_of(r.body.data, "/m/", mp, sizeof mp);
			resp_free(&r);
			T_CHECK(mp[0] != '\0');
			call(&ctx, pb_web_manage, "GET", mp, "10.0.0.63", NULL, &r);
			T_EQ_INT(r.status, 200);
			resp_free(&r);
			call(&ctx, pb_web_manage, "GET", oldm.data, "10.0.0.63", NULL, &r);
			T_EQ_INT(r.status, 410);
			T_CHECK(strstr(r.body.data, "This link was replaced") != NULL);
			resp_free(&r);
			pb_buf_free(&oldm);
		}
		T_EQ_INT(pb_sub_get(ctx.st, "lab", &row), 1);
		T_EQ_STR(row.state, "active");
		pb_sub_row_clear(&row);
		T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "Bob@lab.example"), 0);
		T_EQ_INT(pb_suppress_has(ctx.st, "lab", "email", "ann@lab.example"), 1);
		T_EQ_INT(pb_suppress_has(ctx.st, "lab", "ntfy", "lab-papers"), 1);
	}

	/* confirm: a GET (a mail scanner's, a link preview's) or a HEAD only asks, with a
	 * button; nothing is subscribed before its POST, which carries the page's csrf */
	call(&ctx, pb_web_confirm, "GET", cpath, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "dave@example.org") != NULL);
	T_CHECK(strstr(r.body.data, "<form method=\"post\">") != NULL);
	snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
	T_CHECK(ok_csrf[0] != '\0');
	resp_free(&r);
	call(&ctx, pb_web_confirm, "HEAD", cpath, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 0);
	call(&ctx, pb_web_confirm, "POST", cpath, "10.0.0.1", "csrf=", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 0);
	/* the button: once subscribed, then "already" */
	pb_buf_reset(&body);
	pb_buf_puts(&body, "csrf=");
	urlenc(&body, ok_csrf);
	call(&ctx, pb_web_confirm, "POST", cpath, "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Subscribed") != NULL);
	link_of(r.body.data, "/m/", mpath, sizeof mpath);
	T_CHECK(strlen(mpath) > 10);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_EQ_STR(row.source, "web");
	T_EQ_STR(row.state, "active");
	T_CHECK(row.settings && strstr(row.settings, "ti:outlier"));
	T_CHECK(row.settings && strstr(row.settings, "\"max_papers\":7"));
	pb_sub_row_clear(&row);
	T_CHECK(pb_config_subscriber(ctx.cfg, "dave") != NULL);
	call(&ctx, pb_web_confirm, "GET", cpath, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Already confirmed") != NULL);
	resp_free(&r);
	call(&ctx, pb_web_confirm, "POST", cpath, "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Already confirmed") != NULL);
	resp_free(&r);
	/* an expired link: the reader, who has no digest yet, is told to sign up again */
	{
		char tok[PB_TOKEN_MAX], p[PB_TOKEN_MAX + 8];

		T_EQ_INT(pb_token_make(&ctx.secret, "confirm", "0123", "dave@example.org",
				       pb_now() - 10, tok, sizeof tok), 0);
		snprintf(p, sizeof p, "/c/%s", tok);
		call(&ctx, pb_web_confirm, "GET", p, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 410);
		T_CHECK(strstr(r.body.data, "Sign up again") != NULL);
		T_CHECK(strstr(r.body.data, "digest you received") == NULL);
		resp_free(&r);
	}
	/* forged and cross-purpose links */
	call(&ctx, pb_web_confirm, "GET", "/c/AAAA.BBBB", "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	{
		struct pb_secret other;

		memset(&other, 6, sizeof other);
		pb_buf_reset(&link);
		T_EQ_INT(pb_link_make(&link, "", &other, PB_LINK_CONFIRM, "0123", "dave@example.org",
				      pb_now()), 0);
		call(&ctx, pb_web_confirm, "GET", link.data, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 403);
		T_CHECK(strstr(r.body.data, link.data + 3) == NULL);   /* never echoed */
		resp_free(&r);
		pb_buf_reset(&link);
	}
	{
		char wrong[1024];

		snprintf(wrong, sizeof wrong, "/c/%s", mpath + 3);
		call(&ctx, pb_web_confirm, "GET", wrong, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 403);
		resp_free(&r);
	}

	/* manage: the page, csrf, an edit, a rule error, the preview */
	call(&ctx, pb_web_manage, "GET", mpath, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Outliers = ti:outlier") != NULL);
	snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
	resp_free(&r);
	call(&ctx, pb_web_manage, "POST", mpath, "10.0.0.1",
	     "action=save&topics=a%3Dti%3Ay&language=en&max_papers=3", &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);
	manage_post(&ctx, mpath, "action=save&language=zh&max_papers=4&topics=Polytopes%3Dti%3Apolytope", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Saved") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_CHECK(row.settings && strstr(row.settings, "ti:polytope") &&
		!strstr(row.settings, "ti:outlier") && strstr(row.settings, "\"language\":\"zh\""));
	pb_sub_row_clear(&row);
	/* terms side by side: saved as written, said in the reader's language */
	manage_post(&ctx, mpath, "action=save&language=zh&max_papers=4&topics=Polytopes%3D"
		    "ti%3Arandom+ti%3Apolytope", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "Saved") != NULL);
	/* on a page in English: the note says its language, a screen reader reads it so */
	T_CHECK(strstr(r.body.data, "<p class=\"warning\" role=\"status\" lang=\"zh\">主题 "
				    "Polytopes：并列的"
				    "词须全部匹配（AND）：ti:random ti:polytope。") != NULL);
	T_CHECK(strstr(r.body.data, "请写 ti:random OR ti:polytope") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_CHECK(row.settings && strstr(row.settings, "\"query\":\"ti:random ti:polytope\""));
	pb_sub_row_clear(&row);
	manage_post(&ctx, mpath, "action=preview&language=en&topics=Polytopes%3D"
		    "ti%3Arandom+ti%3Apolytope", ok_csrf, &r);
	T_CHECK(strstr(r.body.data, "Topic Polytopes: terms side by side must all match") != NULL);
	resp_free(&r);
	manage_post(&ctx, mpath, "action=save&language=zh&max_papers=4&topics=Polytopes%3D"
		    "ti%3Apolytope", ok_csrf, &r);
	T_CHECK(strstr(r.body.data, "class=\"warning\"") == NULL);
	resp_free(&r);
	manage_post(&ctx, mpath, "action=save&topics=Bad%3Dti%3A%28x+OR", ok_csrf, &r);
	T_EQ_INT(r.status, 400);
	T_CHECK(strstr(r.body.data, "column") != NULL);
	T_CHECK(strstr(r.body.data, "<title>Error: Your arXiv digest – paperboy</title>") != NULL);
	/* the error is the topics field's: said on it, and the box it points at is there */
	T_CHECK(strstr(r.body.data, "<textarea id=\"topics\" name=\"topics\" rows=\"5\" "
				    "maxlength=\"11000\" spellcheck=\"false\" required "
				    "aria-invalid=\"true\" aria-describedby=\"form-error topics-hint\">")
		!= NULL);
	T_CHECK(strstr(r.body.data, "role=\"alert\" id=\"form-error\"") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_CHECK(row.settings && strstr(row.settings, "ti:polytope"));
	pb_sub_row_clear(&row);
	/* preview: nothing cached yet, then the fixture announcement */
	manage_post(&ctx, mpath, "action=preview&topics=Drift%3Dti%3Adrift", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "preview-none") != NULL);
	resp_free(&r);
	cache_feed(ctx.cfg);
	manage_post(&ctx, mpath, "action=preview&topics=Drift%3Dti%3Adrift", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "The Drift Contract") != NULL);
	T_CHECK(strstr(r.body.data, "Random Polytope") == NULL);
	T_CHECK(strstr(r.body.data, "srcdoc=\"&lt;") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_CHECK(row.settings && strstr(row.settings, "ti:polytope"));   /* preview saves nothing */
	pb_sub_row_clear(&row);

	/* pause, resume, unsubscribe; a digest pending at the pause (due for a retry) is not
	 * sent while paused ("Paused: nothing is sent until you resume"), and goes at the
	 * resume */
	{
		struct pb_outbox_msg om;

		memset(&om, 0, sizeof om);
		om.msg_id = (char *)"2026-03-02/dave/email/dave@example.org/1";
		om.subscriber = (char *)"dave";
		om.channel = (char *)"email";
		om.dest = (char *)"dave@example.org";
		om.digest_date = (char *)"2026-03-02";
		om.part = om.n_parts = 1;
		om.payload = (char *)"Subject: digest\r\n\r\npapers\r\n";
		T_EQ_INT(pb_outbox_put(ctx.st, &om), 1);
		manage_post(&ctx, mpath, "action=pause", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
		T_EQ_STR(row.state, "paused");
		pb_sub_row_clear(&row);
		T_EQ_INT(pb_outbox_get(ctx.st, "2026-03-02/dave/email/dave@example.org/1", &om), 1);
		T_EQ_INT(om.status, PB_OUT_PAUSED);
		pb_outbox_msg_clear(&om);
		manage_post(&ctx, mpath, "action=resume", ok_csrf, &r);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
		T_EQ_STR(row.state, "active");
		pb_sub_row_clear(&row);
		T_EQ_INT(pb_outbox_get(ctx.st, "2026-03-02/dave/email/dave@example.org/1", &om), 1);
		T_EQ_INT(om.status, PB_OUT_PENDING);
		pb_outbox_msg_clear(&om);
		/* sent, for the rest of this test */
		T_EQ_INT(pb_outbox_get(ctx.st, "2026-03-02/dave/email/dave@example.org/1", &om), 1);
		T_EQ_INT(pb_outbox_mark_sent(ctx.st, om.rowid, pb_now()), 0);
		pb_outbox_msg_clear(&om);
	}
	manage_post(&ctx, mpath, "action=unsubscribe", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_EQ_STR(row.state, "unsubscribed");
	pb_sub_row_clear(&row);
	T_EQ_INT(pb_suppress_has(ctx.st, "dave", "email", "dave@example.org"), 1);

	/* where it goes: the address shown stopped, and "Subscribe again" brings it back */
	call(&ctx, pb_web_manage, "GET", mpath, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "id=\"dests\"") && strstr(r.body.data, "dave@example.org"));
	T_CHECK(strstr(r.body.data, "stopped (unsubscribed by the recipient") != NULL);
	T_CHECK(strstr(r.body.data, "value=\"resubscribe\"") != NULL);
	resp_free(&r);
	manage_post(&ctx, mpath, "action=resubscribe", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "receives the digest") != NULL);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_EQ_STR(row.state, "active");
	pb_sub_row_clear(&row);
	T_EQ_INT(pb_suppress_has(ctx.st, "dave", "email", "dave@example.org"), 0);
	/* one destination stopped and restarted alone; another's is refused */
	manage_post(&ctx, mpath, "action=stop&channel=email&dest=dave%40example.org", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "dave", "email", "dave@example.org"), 1);
	manage_post(&ctx, mpath, "action=restart&channel=email&dest=dave%40example.org", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "dave", "email", "dave@example.org"), 0);
	T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
	T_EQ_STR(row.state, "active");
	pb_sub_row_clear(&row);
	manage_post(&ctx, mpath, "action=stop&channel=email&dest=carol%40example.org", ok_csrf, &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "dave", "email", "carol@example.org"), 0);
	/* unsubscribed again for what follows */
	manage_post(&ctx, mpath, "action=unsubscribe", ok_csrf, &r);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "dave", "email", "dave@example.org"), 1);

	/* a config subscriber: no settings form; pause writes a "config" row */
	T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "carol",
			      "carol@example.org", pb_now()), 0);
	call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "name=\"topics\"") == NULL);
	snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
	resp_free(&r);
	manage_post(&ctx, link.data, "action=save&topics=x%3Dti%3Ax", ok_csrf, &r);
	T_EQ_INT(pb_sub_get(ctx.st, "carol", &row), 0);
	resp_free(&r);
	manage_post(&ctx, link.data, "action=pause", ok_csrf, &r);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "carol", &row), 1);
	T_EQ_STR(row.state, "paused");
	T_EQ_STR(row.source, "config");
	T_CHECK(row.settings == NULL);
	pb_sub_row_clear(&row);
	/* a csrf made for carol does not work for dave */
	call(&ctx, pb_web_manage, "POST", mpath, "10.0.0.1", body.data, &r);
	T_EQ_INT(r.status, 403);
	resp_free(&r);

	/* the pages read the config without setting up the log again (the daemon's is syslog) */
	pb_log_setup(PB_LOG_ERROR, 0);
	call(&ctx, pb_web_manage, "GET", mpath, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_CHECK(!pb_log_enabled(PB_LOG_INFO));
	pb_log_setup(PB_LOG_INFO, 0);

	/* a subscriber without an address: unsubscribing ends the subscriber as a whole */
	pb_buf_reset(&link);
	T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "ned", "ntfy:ned-papers",
			      pb_now()), 0);
	call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
	snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
	resp_free(&r);
	manage_post(&ctx, link.data, "action=unsubscribe", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "ned", &row), 1);
	T_EQ_STR(row.state, "unsubscribed");
	pb_sub_row_clear(&row);

	/* an address and a chat: "Unsubscribe" (here from the chat's digest, whose link names no
	 * address) stops both, not the address alone; "Subscribe again" brings both back */
	pb_buf_reset(&link);
	T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "mia", "", pb_now()), 0);
	call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
	snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
	resp_free(&r);
	manage_post(&ctx, link.data, "action=unsubscribe", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "mia", &row), 1);
	T_EQ_STR(row.state, "unsubscribed");
	pb_sub_row_clear(&row);
	T_EQ_INT(pb_suppress_has(ctx.st, "mia", "email", "mia@example.org"), 1);
	T_EQ_INT(pb_suppress_has(ctx.st, "mia", "ntfy", "mia-papers"), 1);
	manage_post(&ctx, link.data, "action=resubscribe", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_sub_get(ctx.st, "mia", &row), 1);
	T_EQ_STR(row.state, "active");
	pb_sub_row_clear(&row);
	T_EQ_INT(pb_suppress_has(ctx.st, "mia", "ntfy", "mia-papers"), 0);
	/* each destination's button named for it, after the words it shows */
	call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "value=\"stop\" aria-label=\"Stop sending here (email: "
			"mia@example.org)\">Stop sending here</button>") != NULL);
	T_CHECK(strstr(r.body.data, "value=\"stop\" aria-label=\"Stop sending here (ntfy topics: "
			"mia-papers)\">Stop sending here</button>") != NULL);
	resp_free(&r);
	manage_post(&ctx, link.data, "action=stop&channel=ntfy&dest=mia-papers", ok_csrf, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(r.body.data, "value=\"restart\" aria-label=\"Send here again (ntfy topics: "
			"mia-papers)\">Send here again</button>") != NULL);
	resp_free(&r);
	manage_post(&ctx, link.data, "action=restart&channel=ntfy&dest=mia-papers", ok_csrf, &r);
	resp_free(&r);
	T_EQ_INT(pb_suppress_has(ctx.st, "mia", "ntfy", "mia-papers"), 0);
	/* an address with a character of markup: escaped in the name too */
	{
		struct pb_buf rl = { 0 };

		T_EQ_INT(pb_link_make(&rl, "", &ctx.secret, PB_LINK_MANAGE, "rnd",
				      "r&d@example.org", pb_now()), 0);
		call(&ctx, pb_web_manage, "GET", rl.data, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "aria-label=\"Stop sending here (email: "
				"r&amp;d@example.org)\"") != NULL);
		T_CHECK(strstr(r.body.data, "r&d@") == NULL);
		resp_free(&r);
		pb_buf_free(&rl);
	}

	/* the file in the middle of an edit (it does not load; the server keeps the last good
	 * configuration): the manage page opens and its buttons work from that one; a save,
	 * whose settings are checked against the file, answers 500 and changes nothing */
	{
		char *saved = NULL;
		size_t len = 0;

		T_EQ_INT(pb_read_file(conf, &saved, &len, err, sizeof err), 0);
		f = fopen(conf, "w");
		T_CHECK(f != NULL);
		if (f) {
			fputs("subscribers = ( { name = \"mia\"; \n", f);
			fclose(f);
		}
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "<span id=\"state\">active</span>") != NULL);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		manage_post(&ctx, link.data, "action=pause", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "<span id=\"state\">paused</span>") != NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "mia", &row), 1);
		T_EQ_STR(row.state, "paused");
		pb_sub_row_clear(&row);
		manage_post(&ctx, link.data, "action=resume", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "<span id=\"state\">active</span>") != NULL);
		resp_free(&r);
		call(&ctx, pb_web_manage, "GET", mpath, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		manage_post(&ctx, mpath, "action=save&topics=Other%3Dti%3Aother", ok_csrf, &r);
		T_EQ_INT(r.status, 500);
		T_CHECK(strstr(r.body.data, "cannot read its configuration") != NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "dave", &row), 1);
		T_CHECK(row.settings && !strstr(row.settings, "ti:other"));
		pb_sub_row_clear(&row);
		f = fopen(conf, "w");
		T_CHECK(f != NULL);
		if (f && saved) {
			fwrite(saved, 1, len, f);
			fclose(f);
		}
		free(saved);
	}

	/* a confirmation link opened again once confirmed: its page's manage link opens what one
	 * mailed with the confirmation would, no more; after "Sign out other links" it offers
	 * none (a forwarded or leaked confirmation is no fresh way in) */
	{
		char m2[1024];

		call(&ctx, pb_web_confirm, "GET", cpath, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Already confirmed") != NULL);
		link_of(r.body.data, "/m/", m2, sizeof m2);
		resp_free(&r);
		T_CHECK(m2[0] != '\0');
		call(&ctx, pb_web_manage, "GET", m2, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		T_EQ_INT(pb_sub_links_revoke(ctx.st, "dave", pb_now() + 1), 0);
		call(&ctx, pb_web_confirm, "GET", cpath, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Already confirmed") != NULL);
		T_CHECK(strstr(r.body.data, "/m/") == NULL);
		link_of(r.body.data, "/m/", m2, sizeof m2);
		resp_free(&r);
		if (m2[0]) {
			call(&ctx, pb_web_manage, "GET", m2, "10.0.0.1", NULL, &r);
			T_EQ_INT(r.status, 410);
			resp_free(&r);
		}
	}

	/* a stored subscriber with a language the form does not list (the model's analyses in
	 * Portuguese) and a cap over 500, both within the configuration's bounds: the page offers
	 * them as they are, and a save of the topics alone keeps them */
	{
		struct pb_sub_row pr = { 0 };
		char lang[64];

		pr.name = (char *)"pia";
		pr.settings = (char *)"{\"name\":\"pia\",\"email\":[\"pia@example.org\"],"
			      "\"language\":\"pt-BR\",\"max_papers\":800,\"topics\":[{\"name\":"
			      "\"drift\",\"query\":\"ti:drift\"}]}";
		pr.state = (char *)"active";
		pr.source = (char *)"cli";
		T_EQ_INT(pb_sub_put(ctx.st, &pr), 0);
		pb_pages_reload(&ctx);
		pb_buf_reset(&link);
		T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "pia",
				      "pia@example.org", pb_now()), 0);
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		T_EQ_STR(browser_select(r.body.data, "language", lang, sizeof lang), "pt-BR");
		/* named for the reader, not its bare tag, and said to come from elsewhere */
		T_CHECK(strstr(r.body.data, "<option value=\"pt-BR\" selected>Brazilian Portuguese "
				"(pt-BR), set outside this form</option>") != NULL);
		/* both scripts of Chinese are offered */
		T_CHECK(strstr(r.body.data, "<option value=\"zh\">简体中文 (Simplified Chinese)"
				"</option><option value=\"zh-TW\">繁體中文 (Traditional Chinese)"
				"</option>") != NULL);
		T_CHECK(browser_number_ok(r.body.data, "max_papers"));
		T_CHECK(strstr(r.body.data, "value=\"800\"") != NULL);
		resp_free(&r);
		pb_buf_reset(&body);
		pb_buf_printf(&body, "action=save&topics=Drift%%3Dti%%3Adrift%%0AOutliers%%3Dti%%3A"
			      "outlier&language=%s&max_papers=800", lang);
		manage_post(&ctx, link.data, body.data, ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_STR(browser_select(r.body.data, "language", lang, sizeof lang), "pt-BR");
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "pia", &row), 1);
		T_CHECK(row.settings && strstr(row.settings, "ti:outlier") &&
			strstr(row.settings, "\"language\":\"pt-BR\"") &&
			strstr(row.settings, "\"max_papers\":800"));
		pb_sub_row_clear(&row);
		/* the page open longer than its csrf's two hours: the edited topics come back
		 * with a fresh csrf, nothing saved; a button's press, nothing changed */
		manage_post(&ctx, link.data, "action=save&topics=Fresh%3Dti%3Afresh&language=pt-BR"
			    "&max_papers=800", old_csrf(&ctx, "manage", "pia"), &r);
		T_EQ_INT(r.status, 403);
		T_CHECK(strstr(r.body.data, "open too long") != NULL);
		T_CHECK(strstr(r.body.data, "Fresh=ti:fresh</textarea>") != NULL);
		T_CHECK(fresh_csrf(&ctx, r.body.data));
		resp_free(&r);
		manage_post(&ctx, link.data, "action=pause", old_csrf(&ctx, "manage", "pia"), &r);
		T_EQ_INT(r.status, 403);
		T_CHECK(strstr(r.body.data, "nothing changed") != NULL);
		T_CHECK(strstr(r.body.data, "<span id=\"state\">active</span>") != NULL);
		T_CHECK(fresh_csrf(&ctx, r.body.data));
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "pia", &row), 1);
		T_EQ_STR(row.state, "active");
		T_CHECK(row.settings && !strstr(row.settings, "ti:fresh"));
		pb_sub_row_clear(&row);
		/* a language sent back with an error is offered escaped */
		manage_post(&ctx, link.data, "action=save&topics=a%3Dti%3Ax&language=x%22%3E%3Cb%3E",
			    ok_csrf, &r);
		T_EQ_INT(r.status, 400);
		T_CHECK(strstr(r.body.data, "\"><b>") == NULL);
		T_CHECK(strstr(r.body.data, "<option value=\"x&quot;&gt;&lt;b&gt;\" selected>"
				"x&quot;&gt;&lt;b&gt;, set outside this form</option>") != NULL);
		resp_free(&r);
	}

	/* the form shows a topic's name and query alone: a save keeps what else a topic has
	 * (cross-lists off for one) and a topic of likes alone, which it does not show */
	{
		struct pb_sub_row lr = { 0 };

		lr.name = (char *)"lia";
		lr.settings = (char *)"{\"name\":\"lia\",\"email\":[\"lia@example.org\"],"
			      "\"like\":[\"2401.01234\"],\"topics\":[{\"name\":\"drift\","
			      "\"query\":\"ti:drift\",\"include_cross\":false},{\"name\":\"near\"}]}";
		lr.state = (char *)"active";
		lr.source = (char *)"cli";
		T_EQ_INT(pb_sub_put(ctx.st, &lr), 0);
		pb_pages_reload(&ctx);
		pb_buf_reset(&link);
		T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "lia",
				      "lia@example.org", pb_now()), 0);
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.1", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, ">drift = ti:drift\n</textarea>") != NULL);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		manage_post(&ctx, link.data, "action=save&topics=drift%3Dti%3Adrift%0Aflow%3Dti%3A"
			    "flow&language=en&max_papers=5", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "lia", &row), 1);
		T_CHECK(row.settings && strstr(row.settings, "{\"include_cross\":false,\"name\":"
						  "\"drift\",\"query\":\"ti:drift\"}") &&
			strstr(row.settings, "{\"name\":\"flow\",\"query\":\"ti:flow\"}") &&
			strstr(row.settings, "{\"name\":\"near\"}") &&
			strstr(row.settings, "\"max_papers\":5"));
		pb_sub_row_clear(&row);
		/* the saved subscriber loads with all three */
		T_CHECK(pb_config_subscriber(ctx.cfg, "lia") &&
			pb_config_subscriber(ctx.cfg, "lia")->n_topics == 3);
	}

	/* A sign-up and its confirmation are checked against the subscribers the worker holds
	 * (the server reads them again when the file or the stored ones change); a confirmation
	 * reads them all once, after its change, to serve the new subscriber; a save reads none,
	 * its subscriber alone is taken into what the worker holds. Each read says the stored
	 * subscriber it leaves out. At 20,000 stored subscribers a read takes a second or more,
	 * and a save made one. */
	{
		struct pb_sub_row bad = { 0 };
		char cp[1024];

		bad.name = (char *)"zed";
		bad.settings = (char *)"{\"name\":\"zed\"}";   /* no destination: left out */
		bad.state = (char *)"active";
		bad.source = (char *)"cli";
		T_EQ_INT(pb_sub_put(ctx.st, &bad), 0);
		pb_pages_reload(&ctx);
		pb_log_setup(PB_LOG_INFO, 0);
		call(&ctx, pb_web_signup, "GET", "/signup", "10.0.0.77", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		signup_body(&body, ok_csrf, "once@example.net", "Flow = ti:flow");
		mb.fail = 0;
		reads_begin();
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.77", body.data, &r);
		T_EQ_INT(reads_end(), 0);
		T_EQ_INT(r.status, 200);
		T_EQ_STR(mb.to, "once@example.net");
		resp_free(&r);
		link_of(mb.last.data, "/c/", cp, sizeof cp);
		call(&ctx, pb_web_confirm, "GET", cp, "10.0.0.77", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		pb_buf_reset(&body);
		pb_buf_puts(&body, "csrf=");
		urlenc(&body, ok_csrf);
		reads_begin();
		call(&ctx, pb_web_confirm, "POST", cp, "10.0.0.77", body.data, &r);
		T_EQ_INT(reads_end(), 1);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Subscribed") != NULL);
		resp_free(&r);
		T_CHECK(pb_config_subscriber(ctx.cfg, "once") != NULL);
		pb_buf_reset(&link);
		T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "once",
				      "once@example.net", pb_now()), 0);
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.77", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		reads_begin();
		manage_post(&ctx, link.data, "action=save&topics=Flow%3Dti%3Aflows&language=en&"
			    "max_papers=4", ok_csrf, &r);
		T_EQ_INT(reads_end(), 0);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Flow=ti:flows") != NULL);
		resp_free(&r);
		T_CHECK(pb_config_subscriber(ctx.cfg, "once") &&
			pb_config_subscriber(ctx.cfg, "once")->max_papers == 4);
		/* a second save takes the first's place; the others stay as they were, found by
		 * name, and a full load gives what the saves left */
		{
			size_t n = ctx.cfg->n_subscribers;
			const struct pb_subscriber *o;
			struct pb_sub_row before = { 0 }, after = { 0 };
			uint64_t s0, s1;

			/* the stamp after it follows from the one before, as the server takes it */
			T_EQ_INT(pb_sub_stamp(ctx.st, &s0), 0);
			T_EQ_INT(pb_sub_get(ctx.st, "once", &before), 1);
			reads_begin();
			manage_post(&ctx, link.data, "action=save&topics=Flow%3Dti%3Aflowing%0A"
				    "Waves%3Dti%3Awaves&language=de&max_papers=6", ok_csrf, &r);
			T_EQ_INT(reads_end(), 0);
			T_EQ_INT(r.status, 200);
			T_CHECK(strstr(r.body.data, "Waves=ti:waves") != NULL);
			T_CHECK(strstr(r.body.data, "<option value=\"de\" selected>German (de), set "
					"outside this form</option>") != NULL);
			resp_free(&r);
			T_EQ_INT(pb_sub_stamp(ctx.st, &s1), 0);
			T_EQ_INT(pb_sub_get(ctx.st, "once", &after), 1);
			T_CHECK(s1 != s0 && s1 == s0 - pb_sub_stamp_row("once", before.settings) +
				pb_sub_stamp_row("once", after.settings));
			pb_sub_row_clear(&before);
			pb_sub_row_clear(&after);
			o = pb_config_subscriber(ctx.cfg, "once");
			T_CHECK(o && o->max_papers == 6 && o->n_topics == 2 &&
				strcmp(o->language, "de") == 0 &&
				strcmp(o->topics[1].query, "ti:waves") == 0);
			T_EQ_INT(ctx.cfg->n_subscribers, n);
			T_CHECK(pb_config_subscriber(ctx.cfg, "lia") &&
				pb_config_subscriber(ctx.cfg, "lia")->n_topics == 3);
			reads_begin();
			pb_pages_reload(&ctx);
			T_EQ_INT(reads_end(), 1);
			o = pb_config_subscriber(ctx.cfg, "once");
			T_CHECK(o && o->max_papers == 6 && o->n_topics == 2 &&
				strcmp(o->language, "de") == 0);
			T_EQ_INT(ctx.cfg->n_subscribers, n);
			/* each save keeps a config of its own until a full load: past 64 in a row,
			 * a save loads the whole again, which starts anew */
			T_EQ_INT(pb_sub_get(ctx.st, "once", &after), 1);
			reads_begin();
			for (int k = 0; k < 100; k++)
				pb_pages_replace(&ctx, "once", after.settings, after.settings);
			T_EQ_INT(reads_end(), 1);
			o = pb_config_subscriber(ctx.cfg, "once");
			T_CHECK(o && o->max_papers == 6 && o->n_topics == 2);
			T_EQ_INT(ctx.cfg->n_subscribers, n);
			pb_sub_row_clear(&after);
		}
		T_EQ_INT(pb_sub_delete(ctx.st, "zed"), 1);
	}

	/* A name freed from the file (a subscriber of the file taken out of it, whose verdicts,
	 * ledger and suppressions the state kept) derived for a new reader's sign-up: the
	 * confirmation starts the new reader without them, as `subscriber add` does; another
	 * subscriber's stay. */
	{
		struct pb_feedback_row *fb = NULL;
		struct pb_outbox_msg om;
		size_t nfb = 0;
		char cp[1024];

		T_EQ_INT(pb_feedback_put(ctx.st, "fern", "2401.00001", -1, "web"), 0);
		T_EQ_INT(pb_ledger_add(ctx.st, "fern", "2401.00002", 1, "2026-03-02"), 0);
		T_EQ_INT(pb_suppress_put(ctx.st, "fern", "email", "fern@example.net",
					 "550 no such user", NULL), 0);
		T_EQ_INT(pb_ledger_add(ctx.st, "carol", "2401.00002", 1, "2026-03-02"), 0);
		/* the former's digest that failed for now, due again later */
		memset(&om, 0, sizeof om);
		om.msg_id = (char *)"2026-03-02/fern/email/fern@example.net/1";
		om.subscriber = (char *)"fern";
		om.channel = (char *)"email";
		om.dest = (char *)"fern@example.net";
		om.digest_date = (char *)"2026-03-02";
		om.part = om.n_parts = 1;
		om.payload = (char *)"Subject: digest\r\n\r\nthe former's papers\r\n";
		om.status = PB_OUT_FAILED;
		T_EQ_INT(pb_outbox_put(ctx.st, &om), 1);
		call(&ctx, pb_web_signup, "GET", "/signup", "10.0.0.78", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		signup_body(&body, ok_csrf, "fern@example.net", "Flow = ti:flow");
		mb.fail = 0;
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.78", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_STR(mb.to, "fern@example.net");
		resp_free(&r);
		link_of(mb.last.data, "/c/", cp, sizeof cp);
		call(&ctx, pb_web_confirm, "GET", cp, "10.0.0.78", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		pb_buf_reset(&body);
		pb_buf_puts(&body, "csrf=");
		urlenc(&body, ok_csrf);
		call(&ctx, pb_web_confirm, "POST", cp, "10.0.0.78", body.data, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "fern", &row), 1);
		T_CHECK(row.settings && strstr(row.settings, "fern@example.net"));
		pb_sub_row_clear(&row);
		T_EQ_INT(pb_suppress_has(ctx.st, "fern", "email", "fern@example.net"), 0);
		T_EQ_INT(pb_ledger_has(ctx.st, "fern", "2401.00002", NULL), 0);
		T_EQ_INT(pb_feedback_list(ctx.st, "fern", &fb, &nfb), 0);
		T_EQ_INT(nfb, 0);
		pb_feedback_rows_free(fb, nfb);
		T_EQ_INT(pb_ledger_has(ctx.st, "carol", "2401.00002", NULL), 1);
		/* settled: the new reader's `resume` or a `retry` does not send it */
		T_EQ_INT(pb_outbox_get(ctx.st, "2026-03-02/fern/email/fern@example.net/1", &om),
			 1);
		T_EQ_INT(om.status, PB_OUT_EXPIRED);
		pb_outbox_msg_clear(&om);
	}

	/* A stored subscriber removed and another added under its name, at the same address
	 * and within the hour the rule of the subscriber's start allows: every link made for
	 * the former up to the removal, to its second, is refused as an expired one is (410)
	 * and changes nothing of the new one's; the new one's, made after, work. A sign-up's
	 * confirmation sent before the subscriber of its name was removed is refused too. */
	{
		const char *kai0 = "{\"name\":\"kai\",\"email\":[\"kai@example.net\"],"
				   "\"topics\":[{\"name\":\"old\",\"query\":\"ti:former\"}]}";
		const char *kai1 = "{\"name\":\"kai\",\"email\":[\"kai@example.net\"],"
				   "\"topics\":[{\"name\":\"new\",\"query\":\"ti:fresh\"}]}";
		struct pb_sub_row nr = { .name = (char *)"kai", .state = (char *)"active",
					 .source = (char *)"cli" };
		struct pb_buf m0 = { 0 }, m1 = { 0 }, m2 = { 0 }, u0 = { 0 }, f0 = { 0 };
		struct pb_feedback_row *fb = NULL;
		size_t nfb = 0;
		int64_t t0 = pb_now(), removed = -1;
		char cp[1024];

		nr.settings = (char *)kai0;
		T_EQ_INT(pb_sub_put(ctx.st, &nr), 0);
		pb_pages_reload(&ctx);
		T_EQ_INT(pb_link_make(&m0, "", &ctx.secret, PB_LINK_MANAGE, "kai", "kai@example.net",
				      t0 - 10), 0);
		T_EQ_INT(pb_link_make(&u0, "", &ctx.secret, PB_LINK_UNSUB, "kai", "kai@example.net",
				      t0 - 10), 0);
		T_EQ_INT(pb_link_make(&f0, "", &ctx.secret, PB_LINK_FEEDBACK, "kai", "2401.00007 +",
				      t0 - 10), 0);
		call(&ctx, pb_web_manage, "GET", m0.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "ti:former") != NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_removed(ctx.st, "kai", &removed), 0);
		T_EQ_INT(removed, 0);
		T_EQ_INT(pb_sub_delete(ctx.st, "kai"), 1);
		T_EQ_INT(pb_sub_removed(ctx.st, "kai", &removed), 0);
		T_CHECK(removed >= t0 && removed <= pb_now());
		nr.settings = (char *)kai1;
		T_EQ_INT(pb_sub_put(ctx.st, &nr), 0);
		pb_pages_reload(&ctx);
		/* made the second before the removal: the former's; made in its second: the new
		 * one's (a script's remove, add and run may share a second) */
		T_EQ_INT(pb_link_make(&m1, "", &ctx.secret, PB_LINK_MANAGE, "kai", "kai@example.net",
				      removed - 1), 0);
		T_EQ_INT(pb_link_make(&m2, "", &ctx.secret, PB_LINK_MANAGE, "kai", "kai@example.net",
				      removed), 0);
		call(&ctx, pb_web_manage, "GET", m0.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 410);
		T_CHECK(strstr(r.body.data, "earlier subscription") != NULL);
		T_CHECK(strstr(r.body.data, "ti:fresh") == NULL);
		resp_free(&r);
		call(&ctx, pb_web_manage, "GET", m1.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 410);
		T_CHECK(strstr(r.body.data, "ti:fresh") == NULL);
		resp_free(&r);
		manage_post(&ctx, m0.data, "action=pause", ok_csrf, &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		call(&ctx, pb_web_unsub_post, "POST", u0.data, "10.0.0.90",
		     "List-Unsubscribe=One-Click", &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		call(&ctx, pb_web_unsub_get, "GET", u0.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		call(&ctx, pb_web_feedback_get, "GET", f0.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		call(&ctx, pb_web_feedback_post, "POST", f0.data, "10.0.0.90", "csrf=x", &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		T_EQ_INT(pb_feedback_list(ctx.st, "kai", &fb, &nfb), 0);
		T_EQ_INT(nfb, 0);
		pb_feedback_rows_free(fb, nfb);
		T_EQ_INT(pb_suppress_has(ctx.st, "kai", "email", "kai@example.net"), 0);
		T_EQ_INT(pb_sub_get(ctx.st, "kai", &row), 1);
		T_EQ_STR(row.state, "active");
		T_CHECK(row.settings && strstr(row.settings, "ti:fresh"));
		pb_sub_row_clear(&row);
		call(&ctx, pb_web_manage, "GET", m2.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "ti:fresh") != NULL);
		resp_free(&r);
		/* an unsubscription keeps the row: no removal, the links of before still open
		 * the page (to subscribe again) */
		pb_buf_reset(&u0);
		T_EQ_INT(pb_link_make(&u0, "", &ctx.secret, PB_LINK_UNSUB, "kai", "kai@example.net",
				      removed + 1), 0);
		call(&ctx, pb_web_unsub_post, "POST", u0.data, "10.0.0.90",
		     "List-Unsubscribe=One-Click", &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		T_EQ_INT(pb_sub_removed(ctx.st, "kai", &t0), 0);
		T_EQ_INT(t0, removed);
		call(&ctx, pb_web_manage, "GET", m2.data, "10.0.0.90", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "Subscribe again") != NULL);
		resp_free(&r);

		/* the confirmation: lee signs up; a subscriber of the name lee is added and
		 * removed before the click */
		call(&ctx, pb_web_signup, "GET", "/signup", "10.0.0.91", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		signup_body(&body, ok_csrf, "lee@example.net", "Flow = ti:flow");
		mb.fail = 0;
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.91", body.data, &r);
		T_EQ_INT(r.status, 200);
		T_EQ_STR(mb.to, "lee@example.net");
		resp_free(&r);
		link_of(mb.last.data, "/c/", cp, sizeof cp);
		call(&ctx, pb_web_confirm, "GET", cp, "10.0.0.91", NULL, &r);
		T_EQ_INT(r.status, 200);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		nr.name = (char *)"lee";
		nr.settings = (char *)"{\"name\":\"lee\",\"email\":[\"lee@example.org\"],"
				      "\"topics\":[{\"name\":\"t\",\"query\":\"ti:t\"}]}";
		T_EQ_INT(pb_sub_put(ctx.st, &nr), 0);
		sleep(1);   /* the removal a second after the link: one of its second is the new's */
		T_EQ_INT(pb_sub_delete(ctx.st, "lee"), 1);
		pb_buf_reset(&body);
		pb_buf_puts(&body, "csrf=");
		urlenc(&body, ok_csrf);
		call(&ctx, pb_web_confirm, "POST", cp, "10.0.0.91", body.data, &r);
		T_EQ_INT(r.status, 410);
		T_CHECK(strstr(r.body.data, "Sign up again") != NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "lee", &row), 0);
		pb_sub_row_clear(&row);
		pb_buf_free(&m0);
		pb_buf_free(&m1);
		pb_buf_free(&m2);
		pb_buf_free(&u0);
		pb_buf_free(&f0);
	}

	/* A run holding SQLite's write lock beyond the busy timeout ("database is locked"): the
	 * pages answer 503 with Retry-After, saying to try again shortly, nothing changed; a
	 * sign-up and a save give the form back as it was filled in, with a fresh csrf field that
	 * works once the lock is gone. (PostgreSQL takes no lock of the whole state.) */
	if (strcmp(pb_state_backend(ctx.st), "sqlite") == 0) {
		struct pb_state *run = t_state_open(db, err, sizeof err);
		struct pb_buf ulink = { 0 };
		char busy_csrf[1024];
		int sent = mb.n;

		T_CHECK(run != NULL);
		pb_state_set_busy_wait(ctx.st, 50);
		T_EQ_INT(pb_state_begin(run), 0);
		T_EQ_INT(pb_sub_put(run, &(struct pb_sub_row){ .name = (char *)"runner",
				    .state = (char *)"paused", .source = (char *)"config" }), 0);

		call(&ctx, pb_web_signup, "GET", "/signup", "10.0.0.88", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		signup_body(&body, ok_csrf, "busy@example.net", "Waves = ti:waves");
		call(&ctx, pb_web_signup, "POST", "/signup", "10.0.0.88", body.data, &r);
		T_EQ_INT(r.status, 503);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Retry-After: 10\r\n") != NULL);
		T_CHECK(strstr(r.body.data, "again in a few seconds") != NULL);
		T_CHECK(strstr(r.body.data, "value=\"busy@example.net\"") != NULL);
		T_CHECK(strstr(r.body.data, ">Waves = ti:waves</textarea>") != NULL);
		T_CHECK(fresh_csrf(&ctx, r.body.data));
		T_EQ_INT(mb.n, sent);
		resp_free(&r);

		pb_buf_reset(&link);
		T_EQ_INT(pb_link_make(&link, "", &ctx.secret, PB_LINK_MANAGE, "once",
				      "once@example.net", pb_now()), 0);
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.88", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		manage_post(&ctx, link.data, "action=save&topics=Waves%3Dti%3Awaves&language=en&"
			    "max_papers=6", ok_csrf, &r);
		T_EQ_INT(r.status, 503);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Retry-After: 10\r\n") != NULL);
		T_CHECK(strstr(r.body.data, "again in a few seconds") != NULL);
		T_CHECK(strstr(r.body.data, ">Waves=ti:waves</textarea>") != NULL);
		T_CHECK(strstr(r.body.data, "value=\"6\"") != NULL);
		T_CHECK(fresh_csrf(&ctx, r.body.data));
		snprintf(busy_csrf, sizeof busy_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		manage_post(&ctx, link.data, "action=pause", ok_csrf, &r);
		T_EQ_INT(r.status, 503);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Retry-After: 10\r\n") != NULL);
		T_CHECK(strstr(r.body.data, "again in a few seconds") != NULL);
		resp_free(&r);

		T_EQ_INT(pb_link_make(&ulink, "", &ctx.secret, PB_LINK_UNSUB, "once",
				      "once@example.net", pb_now()), 0);
		call(&ctx, pb_web_unsub_post, "POST", ulink.data, "10.0.0.88",
		     "List-Unsubscribe=One-Click", &r);
		T_EQ_INT(r.status, 503);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Retry-After: 10\r\n") != NULL);
		resp_free(&r);

		/* the run commits: the same forms go through */
		T_EQ_INT(pb_state_commit(run), 0);
		pb_state_close(run);
		pb_state_set_busy_wait(ctx.st, 0);
		manage_post(&ctx, link.data, "action=save&topics=Waves%3Dti%3Awaves&language=en&"
			    "max_papers=6", busy_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Retry-After") == NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "once", &row), 1);
		T_CHECK(row.settings && strstr(row.settings, "ti:waves") &&
			strcmp(row.state, "active") == 0);
		pb_sub_row_clear(&row);

		/* A state failing otherwise than busy (here its table of subscribers gone): the
		 * link's check fails; the reader gets the manage page's frame, 500, saying that
		 * nothing was saved, the Save's settings back as sent (escaped), and one log line
		 * names the subscriber and the error */
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.88", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		T_EQ_INT(t_state_raw_exec(db, "ALTER TABLE subscribers RENAME TO subscribers_gone"),
			 0);
		reads_begin();
		manage_post(&ctx, link.data, "action=save&topics=%3Cb%3EWaves%3C%2Fb%3E%3Dti%3A"
			    "waves&language=en&max_papers=7", ok_csrf, &r);
		fflush(stderr);
		{
			char *text = NULL, err2[256];
			size_t len = 0;

			T_EQ_INT(pb_read_file(log_path, &text, &len, err2, sizeof err2), 0);
			T_CHECK(text && strstr(text, "event=web.manage status=error subscriber=once "
					       "action=save busy=0 error="));
			free(text);
		}
		reads_end();
		T_EQ_INT(r.status, 500);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Retry-After") == NULL);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Content-Security-Policy") != NULL);
		T_CHECK(strstr(r.body.data, "<h1>Your arXiv digest</h1>") != NULL);
		T_CHECK(strstr(r.body.data, "cannot read its state just now, and nothing was "
			       "saved") != NULL);
		T_CHECK(strstr(r.body.data, ">&lt;b&gt;Waves&lt;/b&gt;=ti:waves</textarea>") != NULL);
		T_CHECK(strstr(r.body.data, "<b>Waves") == NULL);
		T_CHECK(strstr(r.body.data, "value=\"7\"") != NULL);
		T_CHECK(fresh_csrf(&ctx, r.body.data));
		resp_free(&r);
		call(&ctx, pb_web_manage, "GET", link.data, "10.0.0.88", NULL, &r);
		T_EQ_INT(r.status, 500);
		T_CHECK(strstr(r.body.data, "<h1>Your arXiv digest</h1>") != NULL);
		T_CHECK(strstr(r.body.data, "cannot read its state just now, and nothing was "
			       "changed") != NULL);
		resp_free(&r);
		T_EQ_INT(t_state_raw_exec(db, "ALTER TABLE subscribers_gone RENAME TO subscribers"),
			 0);
		T_EQ_INT(pb_sub_get(ctx.st, "once", &row), 1);
		T_CHECK(row.settings && strstr(row.settings, "ti:waves") &&
			!strstr(row.settings, "Waves</b>"));
		pb_sub_row_clear(&row);

		call(&ctx, pb_web_unsub_post, "POST", ulink.data, "10.0.0.88",
		     "List-Unsubscribe=One-Click", &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		pb_buf_free(&ulink);
	}

	/* "Sign out other links": every manage link made up to the press is refused (the one
	 * pressed with, one made in the same second), a new one is mailed to the subscriber's
	 * address and never shown on the page; unsubscribe links of old digests keep working */
	{
		struct pb_buf oldm = { 0 }, nowm = { 0 }, oldu = { 0 };
		char fresh[1024];
		int64_t since;
		int n0 = mb.n;

		T_EQ_INT(pb_link_make(&oldm, "", &ctx.secret, PB_LINK_MANAGE, "mia",
				      "mia@example.org", pb_now() - 60), 0);
		T_EQ_INT(pb_link_make(&oldu, "", &ctx.secret, PB_LINK_UNSUB, "mia",
				      "mia@example.org", pb_now() - 60), 0);
		call(&ctx, pb_web_manage, "GET", oldm.data, "10.0.0.95", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "id=\"signout\"") != NULL);
		T_CHECK(strstr(r.body.data, "name=\"action\" value=\"signout\"") != NULL);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		/* without the form's csrf: nothing signed out */
		call(&ctx, pb_web_manage, "POST", oldm.data, "10.0.0.95", "action=signout", &r);
		T_EQ_INT(r.status, 403);
		resp_free(&r);
		T_EQ_INT(pb_sub_links_since(ctx.st, "mia", &since), 0);
		T_EQ_INT(since, 0);
		manage_post(&ctx, oldm.data, "action=signout", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "no longer opens it") != NULL);
		T_CHECK(strstr(r.body.data, "mailed") != NULL);
		T_CHECK(strstr(r.body.data, "/m/") == NULL);
		resp_free(&r);
		T_EQ_INT(mb.n, n0 + 1);
		T_EQ_STR(mb.to, "mia@example.org");
		link_of(mb.last.data, "/m/", fresh, sizeof fresh);
		T_CHECK(fresh[0] != '\0');
		T_EQ_INT(pb_link_make(&nowm, "", &ctx.secret, PB_LINK_MANAGE, "mia",
				      "mia@example.org", pb_now()), 0);
		call(&ctx, pb_web_manage, "GET", oldm.data, "10.0.0.95", NULL, &r);
		T_EQ_INT(r.status, 410);
		T_CHECK(strstr(r.body.data, "This link was replaced") != NULL);
		T_CHECK(strstr(r.body.data, "https://digest.example.org/signup") != NULL);
		resp_free(&r);
		manage_post(&ctx, oldm.data, "action=pause", ok_csrf, &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		call(&ctx, pb_web_manage, "GET", nowm.data, "10.0.0.95", NULL, &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		call(&ctx, pb_web_manage, "GET", fresh, "10.0.0.95", NULL, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "mia@example.org") != NULL);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		/* the mail does not go: the links are signed out all the same, and the page says
		 * where the next one comes from */
		mb.fail = 1;
		manage_post(&ctx, fresh, "action=signout", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "could not be sent") != NULL);
		resp_free(&r);
		mb.fail = 0;
		call(&ctx, pb_web_manage, "GET", fresh, "10.0.0.95", NULL, &r);
		T_EQ_INT(r.status, 410);
		resp_free(&r);
		/* the old digest's unsubscribe link still asks, and its one-click still works */
		call(&ctx, pb_web_unsub_get, "GET", oldu.data, "10.0.0.95", NULL, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		call(&ctx, pb_web_unsub_post, "POST", oldu.data, "10.0.0.95",
		     "List-Unsubscribe=One-Click", &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		T_EQ_INT(pb_suppress_has(ctx.st, "mia", "email", "mia@example.org"), 1);

		/* a team: each address is mailed its own link; a chat's subscriber none (lab's
		 * link as a digest after its confirmation above made it) */
		pb_buf_reset(&oldm);
		T_EQ_INT(pb_link_make(&oldm, "", &ctx.secret, PB_LINK_MANAGE, "lab", "",
				      pb_now() + 2), 0);
		call(&ctx, pb_web_manage, "GET", oldm.data, "10.0.0.95", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		n0 = mb.n;
		manage_post(&ctx, oldm.data, "action=signout", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "each address") != NULL);
		resp_free(&r);
		T_EQ_INT(mb.n, n0 + 2);
		pb_buf_reset(&oldm);
		T_EQ_INT(pb_link_make(&oldm, "", &ctx.secret, PB_LINK_MANAGE, "ned",
				      "ntfy:ned-papers", pb_now() - 60), 0);
		call(&ctx, pb_web_manage, "GET", oldm.data, "10.0.0.95", NULL, &r);
		snprintf(ok_csrf, sizeof ok_csrf, "%s", csrf_of(r.body.data));
		resp_free(&r);
		n0 = mb.n;
		manage_post(&ctx, oldm.data, "action=signout", ok_csrf, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(r.body.data, "next digest carries a new link") != NULL);
		resp_free(&r);
		T_EQ_INT(mb.n, n0);
		/* a refusal recorded is never moved back by an earlier one */
		T_EQ_INT(pb_sub_links_since(ctx.st, "ned", &since), 0);
		T_CHECK(since > 0);
		T_EQ_INT(pb_sub_links_revoke(ctx.st, "ned", 5), 0);
		{
			int64_t again;

			T_EQ_INT(pb_sub_links_since(ctx.st, "ned", &again), 0);
			T_EQ_INT(again, since);
		}
		pb_buf_free(&oldm);
		pb_buf_free(&nowm);
		pb_buf_free(&oldu);
	}

	pb_buf_free(&body);
	pb_buf_free(&link);
	pb_buf_free(&mb.last);
	pb_config_free(ctx.cfg);
	pb_state_close(ctx.st);
	{
		char cmd[600];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return t_done("test_web_pages");
}
