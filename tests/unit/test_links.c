/* The reader's links in the digests (web on): each email recipient's own List-Unsubscribe
 * (its /u/ token checks, for that address), List-Unsubscribe-Post and List-Id (RFC 2919),
 * the footer's manage and unsubscribe links, "more like this" / "not for me" per paper in
 * HTML and text, the manage link in Markdown, the HTML size cap with them; and web off: no
 * link of the endpoint anywhere, the static unsubscribe URL as before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/render.h"
#include "paperboy/web.h"
#include "t.h"

#define BASE "https://digest.example.org"

static struct pb_secret key;

/* ---- a digest by hand ---- */

static struct pb_paper papers[40];
static struct pb_digest_item items[40];
static struct pb_author author = { .name = "Ada Lovelace" };
static char *cats[] = { "cs.CV" };

static void
digest(struct pb_digest *d, size_t n, const char *abstract)
{
	static char ids[40][16];

	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof ids[i], "2512.%05zu", 100 + i);
		memset(&papers[i], 0, sizeof papers[i]);
		papers[i].id = ids[i];
		papers[i].version = 1;
		papers[i].title = "Radiance meshes for volumetric reconstruction";
		papers[i].abstract = (char *)abstract;
		papers[i].authors = &author;
		papers[i].n_authors = 1;
		papers[i].categories = cats;
		papers[i].n_categories = 1;
		papers[i].published = "2025-12-03T00:00:00Z";
		memset(&items[i], 0, sizeof items[i]);
		items[i].paper = &papers[i];
		items[i].topic = "3D";
		items[i].score = (double)(n - i);
	}
	d->items = items;
	d->n_items = n;
	d->n_matched = n;
	d->date = "2025-12-03";
	d->title = "arXiv cs.CV Papers";
	d->subscriber = "ana.lab";
	d->subject = "cs.CV digest";
}

/* ---- reading a message ---- */

/* The unfolded value of header name in the header block, malloc'd, or NULL. */
static char *
header(const char *m, const char *name)
{
	const char *end = strstr(m, "\r\n\r\n"), *p = m;
	size_t nl = strlen(name);
	struct pb_buf b = { 0 };

	while (p && p < end) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			for (p += nl + 1; *p == ' '; p++)
				;
			for (;;) {
				const char *e = strstr(p, "\r\n");

				pb_buf_append(&b, p, (size_t)(e - p));
				p = e + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			return pb_buf_detach(&b);
		}
		if ((p = strstr(p, "\r\n")))
			p += 2;
	}
	return NULL;
}

/* The message past its headers, quoted-printable decoded (every part). */
static char *
body(const char *m)
{
	const char *p = strstr(m, "\r\n\r\n");
	struct pb_buf b = { 0 };

	for (p = p ? p + 4 : m; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (p[0] == '=' && p[1] && p[2] && strchr("0123456789ABCDEF", p[1]) &&
			   strchr("0123456789ABCDEF", p[2])) {
			char h[3] = { p[1], p[2], 0 };

			pb_buf_putc(&b, (char)strtol(h, NULL, 16));
			p += 2;
		} else {
			pb_buf_putc(&b, *p);
		}
	}
	return pb_buf_detach(&b);
}

/* The token after prefix (base "/u/" ...) in s, up to the first character a token has not;
 * n-th occurrence (0-based). Fills tok; 0, or -1 when absent. */
static int
token_after(const char *s, const char *prefix, int nth, char *tok, size_t n)
{
	const char *p = s;
	size_t k = 0;

	for (int i = 0; p && i <= nth; i++)
		if ((p = strstr(p, prefix)))
			p += strlen(prefix);
	if (!p)
		return -1;
	while (p[k] && k + 1 < n && (strchr("-_.", p[k]) || (p[k] >= 'a' && p[k] <= 'z') ||
				     (p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= '0' && p[k] <= '9')))
		k++;
	memcpy(tok, p, k);
	tok[k] = '\0';
	return k ? 0 : -1;
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* ---- the setup a run makes ---- */

struct world {
	struct pb_config cfg;
	struct pb_subscriber sub;
	char *emails[2];
	struct pb_render_opts ro;
	struct pb_buf manage;
	struct pb_chan_ctx cx;
	struct pb_parts out[PB_FMT_COUNT];
};

/* web.base_url of the next world() */
static const char *world_base = BASE;

static void
world(struct world *w, const struct pb_digest *d, int web)
{
	memset(w, 0, sizeof *w);
	w->cfg.email.enabled = true;
	w->cfg.email.from = "paperboy <digest@example.org>";
	w->cfg.email.unsubscribe_url = "https://example.org/static-settings";
	w->cfg.email.unsubscribe_mailto = "unsubscribe@example.org";
	w->cfg.web.enabled = web;
	w->cfg.web.base_url = web ? (char *)world_base : NULL;
	w->emails[0] = "ana@example.org";
	w->emails[1] = "bo@example.net";
	w->sub.name = "ana.lab";
	w->sub.emails = w->emails;
	w->sub.n_emails = 2;
	w->cx.cfg = &w->cfg;
	w->cx.sub = &w->sub;
	w->cx.d = d;
	w->cx.now = time(NULL);
	w->cx.secret = web ? &key : NULL;
	w->cx.formats = pb_channels_formats(&w->cx);
	pb_channels_render_opts(&w->cx, &w->ro);
	pb_channels_links(&w->cx, &w->ro, &w->manage);
	w->cx.ro = &w->ro;
	T_EQ_INT(pb_render_formats(d, w->cx.formats, &w->ro, w->out), 0);
	w->cx.out = w->out;
}

static void
world_free(struct world *w)
{
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_parts_free(&w->out[f]);
	pb_buf_free(&w->manage);
}

static char *
email_for(struct world *w, const char *addr)
{
	const struct pb_channel *ch = pb_channel_find("email");
	struct pb_parts p = { 0 };
	struct pb_buf id = { 0 };
	char err[256] = "", *m = NULL;

	pb_channel_msg_id(&id, "2025-12-03", w->sub.name, "email", addr, 1, PB_MSG_ID_COMMON);
	T_EQ_INT(pb_channel_build(ch, &w->cx, addr, id.data, &p, err, sizeof err), 0);
	T_EQ_INT(p.n, 1);
	if (p.n == 1) {
		m = p.v[0];
		p.v[0] = NULL;
	}
	pb_parts_free(&p);
	pb_buf_free(&id);
	return m;
}

/* ---- the checks ---- */

static void
check_token(const char *tok, const char *purpose, const char *detail)
{
	struct pb_token t;

	T_EQ_INT(pb_token_check(&key, tok, purpose, (int64_t)time(NULL), &t), PB_TOKEN_OK);
	T_EQ_STR(t.subject, "ana.lab");
	T_EQ_STR(t.detail, detail);
}

static void
test_per_recipient(void)
{
	struct pb_digest d;
	struct world w;
	char tok[2][PB_TOKEN_MAX], t[PB_TOKEN_MAX];
	const char *addr[2] = { "ana@example.org", "bo@example.net" };

	digest(&d, 3, "We triangulate the scene & render it <fast>.");
	world(&w, &d, 1);
	T_CHECK(w.ro.manage_url && strncmp(w.ro.manage_url, BASE "/m/", strlen(BASE) + 3) == 0);
	for (int a = 0; a < 2; a++) {
		char *m = email_for(&w, addr[a]);
		char *lu = m ? header(m, "List-Unsubscribe") : NULL;
		char *lp = m ? header(m, "List-Unsubscribe-Post") : NULL;
		char *li = m ? header(m, "List-Id") : NULL;
		char *to = m ? header(m, "To") : NULL;
		char *b = m ? body(m) : NULL;

		/* folded before a long URL: the value may open with the fold's space */
		if (lu && lu[0] == ' ')
			memmove(lu, lu + 1, strlen(lu));
		if (!m || !lu || !b) {
			T_CHECK(!"no message or no List-Unsubscribe");
			free(m), free(lu), free(lp), free(li), free(to), free(b);
			continue;
		}
		T_EQ_STR(to, addr[a]);
		/* the recipient's own https URL first, the mailto after it */
		T_CHECK(strncmp(lu, "<" BASE "/u/", strlen(BASE) + 4) == 0);
		T_CHECK(strstr(lu, ">, <mailto:unsubscribe@example.org>") != NULL);
		T_CHECK(strstr(lu, "static-settings") == NULL);
		T_EQ_INT(token_after(lu, BASE "/u/", 0, tok[a], sizeof tok[a]), 0);
		check_token(tok[a], "unsub", addr[a]);
		T_EQ_STR(lp, "List-Unsubscribe=One-Click");
		T_EQ_STR(li, "<ana-lab.digest.example.org>");
		/* the footer's unsubscribe link is the header's, in both parts */
		T_EQ_INT(count(b, tok[a]), 2);
		/* the manage link carries the address it was sent to */
		T_EQ_INT(token_after(b, BASE "/m/", 0, t, sizeof t), 0);
		check_token(t, "manage", addr[a]);
		/* two feedback links per paper in the text part and in the HTML part */
		T_EQ_INT(count(b, BASE "/f/"), 3 * 2 * 2);
		T_EQ_INT(token_after(b, BASE "/f/", 0, t, sizeof t), 0);
		check_token(t, "feedback", "2512.00100 +");
		T_EQ_INT(token_after(b, BASE "/f/", 1, t, sizeof t), 0);
		check_token(t, "feedback", "2512.00100 -");
		T_CHECK(strstr(b, "More like this") && strstr(b, "Not for me"));
		/* a token is never another purpose's */
		T_EQ_INT(token_after(lu, BASE "/u/", 0, t, sizeof t), 0);
		{
			struct pb_token x;

			T_EQ_INT(pb_token_check(&key, t, "manage", (int64_t)time(NULL), &x),
				 PB_TOKEN_PURPOSE);
		}
		/* the same message again (a crash, a rebuild): byte for byte */
		{
			char *again = email_for(&w, addr[a]);

			T_CHECK(again && strcmp(again, m) == 0);
			free(again);
		}
		free(m), free(lu), free(lp), free(li), free(to), free(b);
	}
	T_CHECK(strcmp(tok[0], tok[1]) != 0);
	/* Markdown: the subscriber's manage link (no address), no per-paper feedback */
	T_CHECK(w.out[PB_FMT_MD].n == 0 || strstr(w.out[PB_FMT_MD].v[0], "/f/") == NULL);
	world_free(&w);
}

static void
test_markdown_manage(void)
{
	struct pb_digest d;
	struct pb_render_opts ro = { .telegram_chat = "" };
	struct pb_parts md = { 0 };
	struct pb_buf manage = { 0 };
	char t[PB_TOKEN_MAX];

	digest(&d, 2, "An abstract.");
	T_EQ_INT(pb_link_make(&manage, BASE, &key, PB_LINK_MANAGE, "ana.lab", "",
			      (int64_t)time(NULL)), 0);
	ro.manage_url = manage.data;
	T_EQ_INT(pb_render(&d, PB_FMT_MD, &ro, &md), 0);
	T_CHECK(md.n == 1 && strstr(md.v[0], "[Manage your subscription](" BASE "/m/"));
	if (md.n == 1 && token_after(md.v[0], BASE "/m/", 0, t, sizeof t) == 0)
		check_token(t, "manage", "");
	else
		T_CHECK(!"no manage link in Markdown");
	pb_parts_free(&md);
	/* the chat renderers' way to the feedback links */
	{
		struct pb_buf u = { 0 };

		T_EQ_INT(pb_render_feedback_url(&ro, "2512.00100", 1, &u), -1);
		T_EQ_INT(u.len, 0);
		ro.link_key = &key;
		ro.link_base = BASE;
		ro.link_subject = "ana.lab";
		ro.link_now = (long long)time(NULL);
		T_EQ_INT(pb_render_feedback_url(&ro, "2512.00100", -1, &u), 0);
		if (token_after(pb_buf_str(&u), BASE "/f/", 0, t, sizeof t) == 0)
			check_token(t, "feedback", "2512.00100 -");
		else
			T_CHECK(!"no feedback link");
		pb_buf_free(&u);
	}
	pb_buf_free(&manage);
}

/* Web off: the static List-Unsubscribe, no link of the endpoint, and the formats exactly
 * what they are without the new options. */
/* A plain-http base_url: the recipient's own link stays first in List-Unsubscribe, without
 * List-Unsubscribe-Post (RFC 8058 3.1: the one-click URI must be https). */
static void
test_plain_http(void)
{
	struct pb_digest d;
	struct world w;
	char *m, *lu, *lp;

	digest(&d, 1, "An abstract.");
	world_base = "http://digest.example.org";
	world(&w, &d, 1);
	world_base = BASE;
	m = email_for(&w, "ana@example.org");
	lu = m ? header(m, "List-Unsubscribe") : NULL;
	lp = m ? header(m, "List-Unsubscribe-Post") : NULL;
	T_CHECK(lu && strstr(lu, "<http://digest.example.org/u/") != NULL);
	T_CHECK(lp == NULL);
	free(m), free(lu), free(lp);
	world_free(&w);
}

static void
test_web_off(void)
{
	struct pb_digest d;
	struct world w;
	struct pb_render_opts plain;
	struct pb_parts p[PB_FMT_COUNT];
	char *m, *lu, *li, *b;

	digest(&d, 3, "An abstract.");
	world(&w, &d, 0);
	T_CHECK(w.ro.manage_url == NULL && w.ro.link_key == NULL);
	m = email_for(&w, "ana@example.org");
	lu = m ? header(m, "List-Unsubscribe") : NULL;
	li = m ? header(m, "List-Id") : NULL;
	b = m ? body(m) : NULL;
	T_EQ_STR(lu, "<mailto:unsubscribe@example.org>, <https://example.org/static-settings>");
	T_CHECK(li == NULL);
	T_CHECK(b && !strstr(b, "/f/") && !strstr(b, "/u/") && !strstr(b, "More like this"));
	/* the email's parts are the subscriber-wide renderings, as before */
	memset(&plain, 0, sizeof plain);
	plain.telegram_chat = "";
	plain.unsubscribe_url = w.cfg.email.unsubscribe_url;
	plain.unsubscribe_mailto = w.cfg.email.unsubscribe_mailto;
	T_EQ_INT(pb_render_formats(&d, w.cx.formats, &plain, p), 0);
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		T_EQ_INT(p[f].n, w.out[f].n);
		for (size_t i = 0; i < p[f].n && i < w.out[f].n; i++)
			T_EQ_STR(p[f].v[i], w.out[f].v[i]);
		pb_parts_free(&p[f]);
	}
	free(m), free(lu), free(li), free(b);
	world_free(&w);
}

/* An address too long for a token still gets its digest, without a /u/ link of its own. */
static void
test_long_address(void)
{
	struct pb_digest d;
	struct world w;
	char addr[240], *m, *lu;

	memset(addr, 'a', 220);
	snprintf(addr + 220, sizeof addr - 220, "@example.org");
	digest(&d, 2, "An abstract.");
	world(&w, &d, 1);
	m = email_for(&w, addr);
	lu = m ? header(m, "List-Unsubscribe") : NULL;
	T_CHECK(m != NULL);
	T_CHECK(lu && !strstr(lu, "/u/") && strstr(lu, "static-settings"));
	free(lu);
	free(m);
	world_free(&w);
}

static void
test_list_id(void)
{
	static const struct { const char *name, *base, *want; } v[] = {
		{ "ana.lab", BASE, "<ana-lab.digest.example.org>" },
		{ "Ana Lab!", "https://User@Digest.Example.ORG:8443/path?q", "<Ana-Lab.digest.example.org>" },
		{ "--x--", "http://h", "<x.h>" },
		{ "数据", "https://d.example", "<digest.d.example>" },
		{ "a", "not a url", "<a.invalid>" },
		{ "a", NULL, "<a.invalid>" },
		{ "a<b>\r\nX: y", "https://e.org", "<a-b-X-y.e.org>" },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct pb_buf b = { 0 };

		pb_mail_list_id(&b, v[i].name, v[i].base);
		T_EQ_STR(b.data, v[i].want);
		pb_buf_free(&b);
	}
}

/* Ten long papers and their links: the Gmail clip guard still holds. */
static void
test_size_cap(void)
{
	static char abstract[6000];
	struct pb_digest d;
	struct world w;

	for (size_t i = 0; i + 1 < sizeof abstract; i++)
		abstract[i] = "abcdefgh "[i % 9];
	digest(&d, 40, abstract);
	world(&w, &d, 1);
	{
		char *m = email_for(&w, "ana@example.org");
		struct pb_parts html = { 0 };
		struct pb_render_opts ro = w.ro;

		ro.unsubscribe_url = BASE "/u/x";
		T_EQ_INT(pb_render(&d, PB_FMT_HTML, &ro, &html), 0);
		T_CHECK(html.n == 1 && strlen(html.v[0]) <= 100 * 1024);
		/* the papers shown in full still carry their links */
		T_CHECK(html.n == 1 && strstr(html.v[0], BASE "/f/") != NULL);
		pb_parts_free(&html);
		free(m);
	}
	world_free(&w);
}

/* The file sink's digests (what an archive publishes) carry none of the reader's links, while
 * the email built beside them does. */
static void
test_file_no_links(void)
{
	const struct pb_channel *ch = pb_channel_find("file");
	struct pb_digest d;
	struct world w;
	char *m;

	digest(&d, 3, "An abstract.");
	world(&w, &d, 1);
	w.cfg.file.enabled = true;
	w.cfg.file.dir = "out";
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_parts_free(&w.out[f]);
	w.cx.formats = pb_channels_formats(&w.cx);
	T_EQ_INT(pb_render_formats(&d, w.cx.formats, &w.ro, w.out), 0);
	T_CHECK(ch != NULL);
	for (int f = 0; ch && f < PB_FMT_COUNT; f++) {
		struct pb_parts p = { 0 };
		char err[256] = "";

		if (f != PB_FMT_MD && f != PB_FMT_HTML)
			continue;
		T_EQ_INT(pb_channel_build(ch, &w.cx, pb_format_file((enum pb_format)f), "id", &p,
					  err, sizeof err), 0);
		T_CHECK(p.n >= 1);
		for (size_t i = 0; i < p.n; i++) {
			T_CHECK(strstr(p.v[i], BASE "/m/") == NULL);
			T_CHECK(strstr(p.v[i], BASE "/f/") == NULL);
			T_CHECK(strstr(p.v[i], "Attention") != NULL || strstr(p.v[i], "Paper") != NULL
				|| strlen(p.v[i]) > 200);
		}
		pb_parts_free(&p);
	}
	m = email_for(&w, "ana@example.org");
	T_CHECK(m && strstr(m, BASE "/f/") != NULL);
	free(m);
	world_free(&w);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof key.key; i++)
		key.key[i] = (unsigned char)(i * 7 + 1);
	test_per_recipient();
	test_markdown_manage();
	test_web_off();
	test_plain_http();
	test_long_address();
	test_list_id();
	test_size_cap();
	test_file_no_links();
	printf("test_links: %d checks%s\n", t_checked, t_failed ? ", FAILED" : " ok");
	return t_failed ? 1 : 0;
}
