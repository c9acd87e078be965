/* The per-run render cache: every format rendered through the cache is byte for byte what it
 * is without it, for a hostile paper, two languages, with and without full text, with the
 * reader's links, in any order and for several readers; a paper is rendered once and reused,
 * and so is an executive summary that several readers' digests share;
 * the cache never serves a block of another language, date, version or full text; and an
 * email built from where its blocks are is the one built without. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/digest.h"
#include "paperboy/fulltext.h"
#include "paperboy/render.h"
#include "paperboy/web.h"
#include "../../src/deliver/channel.h"
#include "t.h"

#define PHISH "https://phish.example/login"
#define RLO "\xE2\x80\xAE"
#define NEL "\xC2\x85"

static struct pb_author au_hostile[2] = {
	{ "Eve " RLO "rekcah\x1b[2J", NULL, 0 },
	{ "<b>Mallory</b> [x](" PHISH ")", NULL, 0 },
};
static struct pb_author au_plain[10] = {
	{ "R\\'emy Dupont", NULL, 0 }, { "A. B", NULL, 0 }, { "C. D", NULL, 0 },
	{ "E. F", NULL, 0 }, { "G. H", NULL, 0 }, { "I. J", NULL, 0 }, { "K. L", NULL, 0 },
	{ "M. N", NULL, 0 }, { "O. P", NULL, 0 }, { "Q. R", NULL, 0 },
};
static char *cats[] = { "cs.CV", "cs." RLO "LG" NEL "x" };
static char *finding_v[] = { "We show [Verify](" PHISH ") **now** <img src=x> (<28 Mpc).",
			     "Second `finding`" };
static char *ft_links[] = { "https://github.com/org/repo", "javascript:alert(1)",
			    "https://project.example/page/" };

static struct pb_paper papers[3];
static struct pb_ft_figure fig = { "Figure 1: The <pipeline> & [x](" PHISH ")",
				   "https://arxiv.org/html/2512.04076v1/x1.png", NULL };
static struct pb_fulltext ft;

static void
setup(void)
{
	struct pb_paper *p = &papers[0];

	p->id = "2512.04076";
	p->version = 1;
	p->title = "Gaussian splatting [Verify your account](" PHISH ") **now** <img src=x> "
		   RLO "txt.exe $\\alpha$-blend";
	p->authors = au_hostile;
	p->n_authors = 2;
	p->abstract = "Fast (<28 Mpc) &#x202E; splats. [Click here](" PHISH ") <script>x</script> "
		      "\x02 closes \x03 early" RLO ". A long abstract goes on and on so that it wraps "
		      "over several lines of the plain-text part, with = signs, trailing spaces   "
		      "\tand tabs, and a line that starts with a dot:\n. like this one.";
	p->categories = cats;
	p->n_categories = 2;
	p->published = "2025-12-03T00:00:00Z";
	p = &papers[1];
	p->id = "2411.17790";
	p->version = 2;
	p->announce = PB_ANN_REPLACE;
	p->title = "Le mod\\`ele de Schr\\\"odinger: $O(n^2)$ and 中文标题，很长的标题";
	p->authors = au_plain;
	p->n_authors = 10;
	p->abstract = "We revisit $\\beta$ in 3D.";
	p->categories = cats;
	p->n_categories = 1;
	p->published = "2025-12-03T00:00:00Z";
	p = &papers[2];
	p->id = "2512.00001";
	p->version = 1;
	p->title = "Plain";
	p->authors = au_plain;
	p->n_authors = 1;
	p->abstract = "Short.";
	p->categories = cats;
	p->n_categories = 1;
	p->published = "2025-12-02T00:00:00Z";
	ft.paper_key = "2512.04076v1";
	ft.source = "html";
	ft.figures = &fig;
	ft.n_figures = 1;
	ft.links = ft_links;
	ft.n_links = 3;
}

/* A digest of the papers in the order given, for reader sub. */
static void
make_digest(struct pb_digest *d, struct pb_digest_item *items, const int *order, size_t n,
	    const char *sub, const char *lang, const struct pb_fulltext *f)
{
	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < n; i++) {
		memset(&items[i], 0, sizeof items[i]);
		items[i].paper = &papers[order[i]];
		items[i].topic = i % 2 ? "3D" : "Video <b>";
		items[i].score = 10.0 - (double)i;
		if (order[i] == 0) {
			items[i].findings = finding_v;
			items[i].n_findings = 2;
			items[i].analysis = "See [login](https://evil.example/b) **bold** and "
					    "[the paper](https://arxiv.org/abs/2512.04076).";
			items[i].fulltext = f;
		}
		/* the reason differs per reader: never cached */
		items[i].why = strcmp(sub, "alice") == 0 ? "similar to 2411.17790 (0.41)" :
			       order[i] == 1 ? NULL : "because " RLO "you liked it";
	}
	d->subscriber = sub;
	d->language = lang;
	d->date = "2025-12-04";
	d->title = "Digest";
	d->exec_summary = "**Top:** three papers.";
	d->exec_from_model = 1;
	d->items = items;
	d->n_items = n;
	d->n_matched = n + 2;
}

/* Renders d in every format through cache (NULL: none); returns 1 when each equals ref (or
 * fills ref when it is empty). */
static int
same_all(const struct pb_digest *d, const struct pb_render_opts *o0, struct pb_render_cache *rc,
	 struct pb_parts ref[PB_FMT_COUNT])
{
	struct pb_render_opts o = *o0;
	struct pb_parts out[PB_FMT_COUNT];
	int same = 1;

	o.cache = rc;
	if (pb_render_formats(d, PB_FMT_ALL, &o, out) < 0)
		return 0;
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		if (ref[f].n == 0 && ref[f].v == NULL) {
			ref[f] = out[f];
			continue;
		}
		if (ref[f].n != out[f].n) {
			same = 0;
		} else {
			for (size_t k = 0; k < out[f].n; k++)
				if (strcmp(ref[f].v[k], out[f].v[k]) != 0) {
					same = 0;
					if (getenv("PB_SHOW"))
						fprintf(stderr, "--- %s differs:\n%s\n--- want:\n%s\n",
							pb_format_name((enum pb_format)f),
							out[f].v[k], ref[f].v[k]);
				}
		}
		pb_parts_free(&out[f]);
	}
	return same;
}

static void
free_all(struct pb_parts p[PB_FMT_COUNT])
{
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_parts_free(&p[f]);
}

/* For each language, with and without full text, with and without the reader's links, two
 * readers and two orders: cached == uncached, the cache reused across them. */
static void
test_same_bytes(void)
{
	static const char *const langs[] = { "en", "zh" };
	static const int order_a[] = { 0, 1, 2 }, order_b[] = { 2, 0, 1 };
	struct pb_secret key;
	struct pb_render_cache *rc = pb_render_cache_new();
	size_t entries, hits;

	memset(&key, 7, sizeof key);
	for (int links = 0; links < 2; links++)
		for (int l = 0; l < 2; l++)
			for (int withft = 0; withft < 2; withft++)
				for (int r = 0; r < 4; r++) {
					const char *sub = r % 2 ? "bob" : "alice";
					struct pb_digest_item items[3];
					struct pb_digest d;
					struct pb_render_opts o = { .telegram_chat = "42" };
					struct pb_parts ref[PB_FMT_COUNT];

					memset(ref, 0, sizeof ref);
					if (links) {
						o.link_key = &key;
						o.link_base = "https://digest.example";
						o.link_subject = sub;
						o.link_now = 1764806400;
						o.manage_url = "https://digest.example/m/TOKEN";
						o.telegram_buttons = o.slack_buttons = 1;
					}
					make_digest(&d, items, r < 2 ? order_a : order_b, 3, sub,
						    langs[l], withft ? &ft : NULL);
					T_CHECK(same_all(&d, &o, NULL, ref));
					T_CHECK(same_all(&d, &o, rc, ref));
					/* twice: the second entirely from the cache */
					T_CHECK(same_all(&d, &o, rc, ref));
					free_all(ref);
				}
	pb_render_cache_stats(rc, &entries, &hits);
	/* one entry per paper, language and full text or not: 3 papers x 2 languages, and one
	 * more per language for the paper with full text */
	T_EQ_INT(entries, 8);
	T_CHECK(hits > entries * 10);
	pb_render_cache_free(rc);
}

/* Renders the one-paper digest of lang through rc and without; 1 when they agree. */
static int
one(struct pb_render_cache *rc, const char *lang, const char *date, const struct pb_fulltext *f,
    enum pb_format fmt, char **cached_out)
{
	static const int order[] = { 1 };
	struct pb_digest_item items[1];
	struct pb_digest d;
	struct pb_render_opts o = { .telegram_chat = "42" };
	struct pb_parts a, b;
	int same;

	make_digest(&d, items, order, 1, "alice", lang, f);
	d.date = (char *)date;
	pb_render(&d, fmt, &o, &a);
	o.cache = rc;
	pb_render(&d, fmt, &o, &b);
	same = a.n == 1 && b.n == 1 && strcmp(a.v[0], b.v[0]) == 0;
	if (cached_out)
		*cached_out = b.n ? pb_xstrdup(b.v[0]) : NULL;
	pb_parts_free(&a);
	pb_parts_free(&b);
	return same;
}

/* A block made for one language, date, version or full text is never served for another. */
static void
test_no_wrong_block(void)
{
	struct pb_render_cache *rc = pb_render_cache_new();
	char *en = NULL, *zh = NULL, *v2 = NULL, *v3 = NULL;

	for (int fmt = PB_FMT_HTML; fmt <= PB_FMT_TEXT; fmt++) {
		T_CHECK(one(rc, "en", "2025-12-04", NULL, (enum pb_format)fmt, &en));
		T_CHECK(one(rc, "zh", "2025-12-04", NULL, (enum pb_format)fmt, &zh));
		/* the languages differ in the paper's own block: "Revised" and its Chinese */
		T_CHECK(en && zh && strstr(en, "Revised (v2)") && !strstr(zh, "Revised (v2)"));
		T_CHECK(one(rc, "en", "2025-12-05", NULL, (enum pb_format)fmt, NULL));
		T_CHECK(one(rc, "en", "2025-12-04", NULL, (enum pb_format)fmt, &v2));
		/* the same record, now a later version (a revision announced the next day) */
		papers[1].version = 3;
		T_CHECK(one(rc, "en", "2025-12-04", NULL, (enum pb_format)fmt, &v3));
		T_CHECK(v3 && strstr(v3, "2411.17790v3") && !strstr(v3, "2411.17790v2"));
		papers[1].version = 2;
		T_CHECK(one(rc, "en", "2025-12-04", NULL, (enum pb_format)fmt, NULL));
		free(en), free(zh), free(v2), free(v3);
		en = zh = v2 = v3 = NULL;
	}
	pb_render_cache_free(rc);

	/* full text present, then absent, then present, for the paper that has it */
	rc = pb_render_cache_new();
	for (int k = 0; k < 3; k++) {
		static const int order[] = { 0 };
		struct pb_digest_item items[1];
		struct pb_digest d;
		struct pb_render_opts o = { .telegram_chat = "42" };
		struct pb_parts a, b;

		make_digest(&d, items, order, 1, "alice", "en", k == 1 ? NULL : &ft);
		pb_render(&d, PB_FMT_HTML, &o, &a);
		o.cache = rc;
		pb_render(&d, PB_FMT_HTML, &o, &b);
		T_CHECK(a.n == 1 && b.n == 1 && strcmp(a.v[0], b.v[0]) == 0);
		T_CHECK(b.n == 1 && (strstr(b.v[0], "github.com/org/repo") != NULL) == (k != 1));
		pb_parts_free(&a);
		pb_parts_free(&b);
	}
	pb_render_cache_free(rc);
}

/* Every hint of msg (len bytes) is in it, in order, and its hashes are those of the bytes
 * it covers; returns how many bytes they cover. */
static size_t
hints_true(const char *msg, size_t len, const struct pb_body_hints *h)
{
	size_t end = 0, covered = 0;

	for (size_t i = 0; i < h->n; i++) {
		struct pb_body_piece x;
		const struct pb_body_piece *p = h->v[i].piece;

		T_CHECK(h->v[i].off >= end && h->v[i].off + p->len <= len);
		if (h->v[i].off < end || h->v[i].off + p->len > len)
			return 0;
		pb_body_piece_hash(&x, msg + h->v[i].off, p->len);
		T_CHECK(x.len == p->len && x.fh == p->fh && memcmp(x.sha, p->sha, 32) == 0);
		end = h->v[i].off + p->len;
		covered += p->len;
	}
	return covered;
}

/* Where the cache's blocks are (pb_render_opts.blocks): an email built from them is byte for
 * byte the one built from the documents alone, for two readers, both languages, with the
 * reader's links, the memo made by the first reader and used by the next; each piece noted
 * for the state hashes to the bytes it covers, and they cover most of the message; the same
 * for the documents' own pieces (the file sink). */
static void
test_blocks(void)
{
	static const char *const langs[] = { "en", "zh" };
	static const int order_a[] = { 0, 1, 2 }, order_b[] = { 2, 0, 1 };
	struct pb_render_cache *rc = pb_render_cache_new();
	struct pb_blocks bl[PB_FMT_COUNT];
	struct pb_secret key;

	memset(bl, 0, sizeof bl);
	memset(&key, 7, sizeof key);
	for (int links = 0; links < 2; links++)
		for (int l = 0; l < 2; l++)
			for (int r = 0; r < 4; r++) {
				const char *sub = r % 2 ? "bob" : "alice";
				struct pb_digest_item items[3];
				struct pb_digest d;
				struct pb_render_opts o = { .telegram_chat = "42" };
				struct pb_parts out[PB_FMT_COUNT];
				struct pb_body_hints h = { 0 };
				char *want, *got;
				size_t wl = 0, gl = 0, covered;

				if (links) {
					o.link_key = &key;
					o.link_base = "https://digest.example";
					o.link_subject = sub;
					o.link_now = 1764806400;
					o.manage_url = "https://digest.example/m/TOKEN";
				}
				o.cache = rc;
				o.blocks = bl;
				make_digest(&d, items, r < 2 ? order_a : order_b, 3, sub, langs[l],
					    r % 3 ? &ft : NULL);
				T_CHECK(pb_render_formats(&d, PB_FMT_ALL, &o, out) == 0);
				T_CHECK(bl[PB_FMT_TEXT].n > 0 && bl[PB_FMT_HTML].n > 0);
				want = pb_mail_build_list(NULL, "a@example.org", "S",
							  out[PB_FMT_TEXT].v[0], out[PB_FMT_HTML].v[0],
							  "d/s/email/a/1", 1764806400, NULL, &wl);
				got = pb_mail_build_blocks(NULL, "a@example.org", "S",
							   out[PB_FMT_TEXT].v[0],
							   out[PB_FMT_HTML].v[0], "d/s/email/a/1",
							   1764806400, NULL, &bl[PB_FMT_TEXT],
							   &bl[PB_FMT_HTML], &h, &gl);
				T_CHECK(wl == gl && memcmp(want, got, wl) == 0);
				T_CHECK(h.n > 0);
				/* blocks that say the wrong place are left out, not trusted */
				{
					struct pb_body_hints h2 = { 0 };
					char *moved;
					size_t ml = 0;

					for (size_t k = 0; k < bl[PB_FMT_HTML].n; k++)
						bl[PB_FMT_HTML].v[k].off += k % 2 ? 1 : 0;
					moved = pb_mail_build_blocks(NULL, "a@example.org", "S",
								     out[PB_FMT_TEXT].v[0],
								     out[PB_FMT_HTML].v[0],
								     "d/s/email/a/1", 1764806400,
								     NULL, &bl[PB_FMT_TEXT],
								     &bl[PB_FMT_HTML], &h2, &ml);
					T_CHECK(ml == wl && memcmp(moved, want, wl) == 0);
					T_CHECK(hints_true(moved, ml, &h2) > 0);
					for (size_t k = 0; k < bl[PB_FMT_HTML].n; k++)
						bl[PB_FMT_HTML].v[k].off -= k % 2 ? 1 : 0;
					free(moved);
					pb_body_hints_free(&h2);
				}
				covered = hints_true(got, gl, &h);
				T_CHECK(covered > gl / 8);
				T_CHECK(bl[PB_FMT_MD].n > 0);
				for (int f = 0; f < PB_FMT_COUNT; f++) {
					if (!bl[f].n)
						continue;
					h.n = 0;
					pb_chan_block_hints(&bl[f], out[f].v[0], &h);
					T_CHECK(h.n > 0);
					T_CHECK(hints_true(out[f].v[0], strlen(out[f].v[0]), &h) > 0);
				}
				/* all.md, with the papers past the cap: the same bytes through the
				 * cache, its lines' blocks hashing true */
				{
					struct pb_digest_more more[3] = {
						{ .paper = &papers[2], .topic = "late" },
						{ .paper = &papers[0], .topic = NULL },
						{ .paper = &papers[1], .topic = "x" },
					};
					struct pb_blocks ab = { 0 };
					char *a0, *a1;

					d.more = more;
					d.n_more = 3;
					a0 = pb_render_all_md(&d);
					a1 = pb_render_all_md_opts(&d, &o, &ab);
					T_CHECK(strcmp(a0, a1) == 0);
					T_CHECK(ab.n == 6);
					h.n = 0;
					pb_chan_block_hints(&ab, a1, &h);
					T_CHECK(hints_true(a1, strlen(a1), &h) > 0);
					free(a0);
					free(a1);
					pb_blocks_free(&ab);
					d.more = NULL;
					d.n_more = 0;
				}
				free(want);
				free(got);
				pb_body_hints_free(&h);
				free_all(out);
			}
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_blocks_free(&bl[f]);
	pb_render_cache_free(rc);
}

/* The executive summary, shared by the readers whose digests have the same one: every format
 * the same bytes through the cache as without it, for summaries that differ only in their
 * source, their language or a word, each rendered once and marked as one block in the text
 * and the HTML (the same cached bytes for every reader), never another summary's. */
/* Whether p[0..n) holds the string s. */
static int
has_bytes(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static void
test_summary_shared(void)
{
	static const char long_sum[] =
		"**3 papers** matched your topics: **Video <b>** (2), **3D** (1).\n\n"
		"**Recurring themes:** video generation (2 papers), \x02$\\alpha$-blending "
		"& <script>\x03 (2).\n\n**Read these first:**\n\n"
		"- **\x02A title with $x^2$ and a rather long tail that has to wrap somewhere "
		"near the end of the line\x03** (Video <b>, score 10): it does the thing "
		"that the abstract says, at length, over several lines of text.\n"
		"- **\x02Second\x03** (3D, score 9): short.";
	static const char *const sums[] = { long_sum, "**Top:** three papers, and a few more "
					    "words so that the line is long enough to wrap once." };
	static const char *const needle[] = { "Read these first", "three papers" };
	static const int order[] = { 0, 1, 2 };
	struct pb_render_cache *rc = pb_render_cache_new();
	const char *prev[PB_FMT_COUNT] = { NULL };

	for (int k = 0; k < 2 * 2 * 2 * 2; k++) {
		const char *sub = k % 2 ? "bob" : "alice";
		int which = k / 2 % 2, model = k / 4 % 2;
		const char *lang = k / 8 ? "zh" : "en";
		struct pb_digest_item items[3];
		struct pb_digest d;
		struct pb_render_opts o = { .telegram_chat = "42" };
		struct pb_parts ref[PB_FMT_COUNT], out[PB_FMT_COUNT];
		struct pb_blocks bl[PB_FMT_COUNT];
		char sumbuf[sizeof long_sum + 8];

		memset(ref, 0, sizeof ref);
		memset(bl, 0, sizeof bl);
		make_digest(&d, items, order, 3, sub, lang, NULL);
		snprintf(sumbuf, sizeof sumbuf, "%s", sums[which]);
		d.exec_summary = sumbuf;
		d.exec_from_model = model;
		T_CHECK(same_all(&d, &o, NULL, ref));
		T_CHECK(same_all(&d, &o, rc, ref));
		/* with blocks: the summary is one block of the text and one of the HTML, the
		 * cache's bytes, the same for both readers */
		o.cache = rc;
		o.blocks = bl;
		T_CHECK(pb_render_formats(&d, PB_FMT_ALL, &o, out) == 0);
		for (int t = 0; t < 2; t++) {
			int f = t ? PB_FMT_HTML : PB_FMT_TEXT;
			const char *sum = NULL;

			T_CHECK(out[f].n == 1 && strcmp(out[f].v[0], ref[f].v[0]) == 0);
			for (size_t i = 0; i < bl[f].n; i++) {
				const struct pb_block *x = &bl[f].v[i];

				T_CHECK(memcmp(out[f].v[0] + x->off, x->bytes, x->len) == 0);
				if (has_bytes(x->bytes, x->len, needle[which]))
					sum = x->bytes;
			}
			T_CHECK(sum != NULL);
			if (k % 2)
				T_CHECK(sum == prev[f]);
			else
				T_CHECK(sum != prev[f]);
			prev[f] = sum;
		}
		free_all(out);
		free_all(ref);
		for (int f = 0; f < PB_FMT_COUNT; f++)
			pb_blocks_free(&bl[f]);
	}
	pb_render_cache_free(rc);
}

/* all.md through the cache equals all.md without it, for lines past the digest's papers
 * (bare items, checked against the entry's record instead of the key) and the digest's own
 * papers mixed, as the record, the date and the language change under the cache. */
static void
test_all_list(void)
{
	static const int order[] = { 0, 1 };
	struct pb_render_cache *rc = pb_render_cache_new();
	struct pb_render_opts o = { .telegram_chat = "" };
	char *title = papers[2].title;
	char *bare_title = NULL;

	for (int k = 0; k < 8; k++) {
		struct pb_digest_item items[2];
		struct pb_digest_more more[3] = {
			{ .paper = &papers[2], .topic = "3D", .score = 2 },
			{ .paper = &papers[1], .topic = "Video <b>", .score = 1 },
			{ .paper = &papers[0], .topic = NULL, .score = 0.5 },
		};
		struct pb_digest d;
		char *plain, *cached;

		make_digest(&d, items, order, k % 4 == 3 ? 1 : 2, "alice", k % 3 == 1 ? "zh" : "en",
			    NULL);
		d.more = more;
		d.n_more = 3;
		if (k == 4)
			d.date = "2025-12-05";
		if (k == 5)
			papers[1].version = 3;   /* a later version of the same record */
		if (k == 6) {
			/* the same record with another title (at another address) */
			bare_title = strdup("Plain, retitled");
			papers[2].title = bare_title;
		}
		plain = pb_render_all_md_opts(&d, NULL, NULL);
		o.cache = rc;
		cached = pb_render_all_md_opts(&d, &o, NULL);
		T_CHECK(plain && cached && strcmp(plain, cached) == 0);
		if (k == 5)
			T_CHECK(cached && strstr(cached, "2411.17790v3") != NULL);
		if (k >= 6)
			T_CHECK(cached && strstr(cached, "Plain, retitled") != NULL);
		if (getenv("PB_SHOW") && plain && cached && strcmp(plain, cached) != 0)
			fprintf(stderr, "--- all.md differs:\n%s\n--- want:\n%s\n", cached, plain);
		free(plain);
		free(cached);
	}
	papers[1].version = 2;
	papers[2].title = title;
	free(bare_title);
	pb_render_cache_free(rc);
}

int
main(void)
{
	setup();
	test_same_bytes();
	test_no_wrong_block();
	test_blocks();
	test_summary_shared();
	test_all_list();
	pb_render_cache_free(NULL);
	return t_done("render_cache");
}
