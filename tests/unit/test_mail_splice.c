/* The email channel with the reader's links (web on): a recipient's message filled into the
 * subscriber's template (rendered once with stand-ins for the links) is byte for byte the
 * message rendered whole for that recipient, for recipients whose links differ in length or
 * not, under HTML size caps that cut at every point, with a paper whose text looks like a
 * stand-in, and with a base URL the template cannot take (then rendered whole). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "paperboy/web.h"
#include "t.h"

static struct pb_secret key;

static struct pb_author au[2] = { { "Ana <b>Lab</b>", NULL, 0 }, { "Bo \xE2\x80\xAE", NULL, 0 } };
static char *cats[] = { "cs.CV" };

struct world {
	struct pb_config cfg;
	struct pb_subscriber sub;
	char *emails[1];
	struct pb_render_opts ro;
	struct pb_buf manage;
	struct pb_chan_ctx cx;
	struct pb_parts out[PB_FMT_COUNT];
};

static void
world(struct world *w, const struct pb_digest *d, const char *base, size_t html_max)
{
	memset(w, 0, sizeof *w);
	w->cfg.email.enabled = true;
	w->cfg.email.from = "paperboy <digest@example.org>";
	w->cfg.email.unsubscribe_mailto = "unsubscribe@example.org";
	w->cfg.web.enabled = true;
	w->cfg.web.base_url = (char *)base;
	w->emails[0] = "ana@example.org";
	w->sub.name = "ana.lab";
	w->sub.emails = w->emails;
	w->sub.n_emails = 1;
	w->cx.cfg = &w->cfg;
	w->cx.sub = &w->sub;
	w->cx.d = d;
	w->cx.now = 1764806400;
	w->cx.secret = &key;
	w->cx.formats = pb_channels_formats(&w->cx);
	pb_channels_render_opts(&w->cx, &w->ro);
	pb_channels_links(&w->cx, &w->ro, &w->manage);
	w->ro.html_max_bytes = html_max;
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
	if (p.n == 1) {
		m = p.v[0];
		p.v[0] = NULL;
	}
	pb_parts_free(&p);
	pb_buf_free(&id);
	return m;
}

/* Each address's message through the template equals the one rendered whole; returns how
 * many differed. *remade counts the times a different template was found (a template
 * remade at the same address counts once: a lower bound). */
static int
compare(const struct pb_digest *d, const char *base, size_t html_max, int *remade)
{
	static const char *const addrs[] = { "bo@example.net", "cy@example.net",
					     "ana.longer.name@example.org", "dd@example.net" };
	struct world whole, tpl;
	struct pb_mail_tpl *t = NULL, *last = NULL;
	int bad = 0;

	world(&whole, d, base, html_max);
	world(&tpl, d, base, html_max);
	tpl.cx.mail_tpl = &t;
	for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		char *a = email_for(&whole, addrs[i]), *b = email_for(&tpl, addrs[i]);

		if (!a || !b || strcmp(a, b) != 0) {
			bad++;
			if (getenv("PB_SHOW") && a && b)
				fprintf(stderr, "---- whole:\n%s\n---- template:\n%s\n", a, b);
		}
		/* the recipient's own links are in it, no stand-in is left */
		T_CHECK(b && strstr(b, "https://pb") == strstr(b, "https://pb-not-a-stand-in"));
		if (t != last)
			(*remade)++;
		last = t;
		free(a);
		free(b);
	}
	pb_mail_tpl_free(t);
	world_free(&whole);
	world_free(&tpl);
	return bad;
}

int
main(void)
{
	struct pb_paper p[2];
	struct pb_digest_item it[2];
	struct pb_digest d;
	int remade = 0, bad = 0;

	memset(&key, 3, sizeof key);
	memset(p, 0, sizeof p);
	memset(it, 0, sizeof it);
	memset(&d, 0, sizeof d);
	for (int i = 0; i < 2; i++) {
		p[i].id = i ? "2512.00002" : "2512.00001";
		p[i].version = 1;
		p[i].title = i ? "Second" : "A title with https://pb-not-a-stand-in and "
					    "https://pb0123456789abcdefuuuuuuuuuuuuuuuuuuuuu";
		p[i].authors = au;
		p[i].n_authors = 2;
		p[i].abstract = "An abstract long enough to take a few lines of the text part, "
				"so the size cap has something to cut. Again and again and again "
				"and again, https://pbffffffffffffffffmmmmmmmmmmmmmmmmmm.";
		p[i].categories = cats;
		p[i].n_categories = 1;
		p[i].published = "2025-12-03T00:00:00Z";
		it[i].paper = &p[i];
		it[i].topic = "3D";
		it[i].why = "similar to 2411.17790 (0.41)";
	}
	d.subscriber = "ana.lab";
	d.language = "en";
	d.date = "2025-12-03";
	d.title = "Digest";
	d.items = it;
	d.n_items = 2;
	d.n_matched = 2;

	bad += compare(&d, "https://digest.example.org", 0, &remade);
	/* the template was used (made at least once) */
	T_CHECK(remade >= 1);
	/* caps that cut the HTML at every point between all-compact and all-full */
	for (size_t cap = 2000; cap < 16000; cap += 211) {
		remade = 0;
		bad += compare(&d, "https://digest.example.org/sub/", cap, &remade);
	}
	/* a base URL with characters HTML escapes: rendered whole, the same bytes */
	remade = 0;
	bad += compare(&d, "https://digest.example.org/?a=1&b='2'", 0, &remade);
	T_EQ_INT(remade, 0);
	T_EQ_INT(bad, 0);
	return t_done("mail_splice");
}
