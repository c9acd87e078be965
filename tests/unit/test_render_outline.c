/* The HTML email as a screen reader walks it: its headings in order (the title h1; the
 * summary, the contents, "Papers" and the compact list h2; each paper's title an h3 under
 * "Papers", its number and its title, its "Analysis" and "Key findings" h4s under it), no
 * level skipped; and each paper's "More like this" /
 * "Not for me" named with the paper's title after its visible words (the title escaped, in the
 * reader's language's punctuation). */
#include <stdio.h>
#include <string.h>

#include <libxml/HTMLparser.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "paperboy/web.h"
#include "paperboy/words.h"
#include "t.h"

#define TITLE_0 "Radiance meshes for volumetric reconstruction"
#define TITLE_1 "Quotes \"here\" & <b>markup</b> in a title"
#define TITLE_2 "A third paper"

static const char *const titles[] = { TITLE_0, TITLE_1, TITLE_2 };
static struct pb_secret key;

static void
fill(struct pb_digest *d, struct pb_digest_item it[3], struct pb_paper p[3], char **cats,
     struct pb_author *au, const char *language)
{
	static const char *const ids[] = { "2512.00100", "2512.00101", "2512.00102" };

	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < 3; i++) {
		memset(&p[i], 0, sizeof p[i]);
		p[i].id = (char *)ids[i];
		p[i].version = 1;
		p[i].title = (char *)titles[i];
		p[i].abstract = "We triangulate the scene.";
		p[i].authors = au;
		p[i].n_authors = 1;
		p[i].categories = cats;
		p[i].n_categories = 1;
		p[i].published = "2025-12-03T00:00:00Z";
		memset(&it[i], 0, sizeof it[i]);
		it[i].paper = &p[i];
		it[i].topic = "3D";
		it[i].score = (double)(3 - i);
	}
	d->items = it;
	d->n_items = 3;
	d->n_matched = 3;
	d->date = "2025-12-03";
	d->title = "arXiv cs.CV Papers";
	d->subscriber = "ana.lab";
	d->language = language;
}

struct walk {
	struct pb_buf outline;  /* "1 2 2 2 3 3 3": each heading's level, in order */
	char *h3[8];            /* the h3s' texts */
	size_t n_h3;
	char *h4[8];            /* the h4s' texts */
	size_t n_h4;
	char *label[8];         /* the feedback links' aria-label and text */
	char *text[8];
	size_t n_fb;
	size_t n_full;          /* the papers shown in full: their anchors */
};

static void
walk(xmlNode *n, struct walk *w)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *name = (const char *)n->name;

		if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && !name[2]) {
			pb_buf_printf(&w->outline, "%s%c", w->outline.len ? " " : "", name[1]);
			if (name[1] == '3' && w->n_h3 < 8)
				w->h3[w->n_h3++] = (char *)xmlNodeGetContent(n);
			if (name[1] == '4' && w->n_h4 < 8)
				w->h4[w->n_h4++] = (char *)xmlNodeGetContent(n);
		}
		if (strcmp(name, "a") == 0) {
			xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");

			if (xmlHasProp(n, (const xmlChar *)"name"))
				w->n_full++;

			if (href && strstr((char *)href, "/f/") && w->n_fb < 8) {
				w->label[w->n_fb] = (char *)xmlGetProp(n, (const xmlChar *)"aria-label");
				w->text[w->n_fb++] = (char *)xmlNodeGetContent(n);
			}
			xmlFree(href);
		}
		walk(n->children, w);
	}
}

static void
walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->n_h3; i++)
		xmlFree(w->h3[i]);
	for (size_t i = 0; i < w->n_h4; i++)
		xmlFree(w->h4[i]);
	for (size_t i = 0; i < w->n_fb; i++) {
		xmlFree(w->label[i]);
		xmlFree(w->text[i]);
	}
	pb_buf_free(&w->outline);
}

/* Renders the digest in HTML with the reader's links on and walks it. */
static void
render(const struct pb_digest *d, size_t max_bytes, struct walk *w)
{
	struct pb_render_opts o = { .telegram_chat = "",
				    .unsubscribe_url = "https://example.org/settings",
				    .link_key = &key, .link_base = "https://digest.example.org",
				    .link_subject = "ana.lab", .link_now = 1764720000,
				    .html_max_bytes = max_bytes };
	struct pb_parts p;
	htmlDocPtr doc;

	memset(w, 0, sizeof *w);
	T_EQ_INT(pb_render(d, PB_FMT_HTML, &o, &p), 0);
	T_EQ_INT(p.n, 1);
	if (p.n != 1)
		return;
	doc = htmlReadMemory(p.v[0], (int)strlen(p.v[0]), "digest.html", "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	T_CHECK(doc != NULL);
	if (doc)
		walk(xmlDocGetRootElement(doc), w);
	xmlFreeDoc(doc);
	pb_parts_free(&p);
}

static void
test_outline(const char *language, const char *more, const char *less, const char *lead)
{
	struct pb_digest d;
	struct pb_digest_item it[3];
	struct pb_paper p[3];
	struct pb_author au = { .name = "Ada Lovelace" };
	char *cats[] = { "cs.CV" };
	struct walk w;

	fill(&d, it, p, cats, &au, language);
	d.exec_summary = "Three papers.";
	render(&d, 0, &w);
	/* h1 the title; h2 the summary, the contents, "Papers"; an h3 per paper */
	T_EQ_INT(w.n_full, 3);
	T_EQ_STR(pb_buf_str(&w.outline), "1 2 2 2 3 3 3");
	T_EQ_INT(w.n_h3, 3);
	for (size_t i = 0; i < w.n_h3 && i < 3; i++) {
		char want[200];

		snprintf(want, sizeof want, "%zu. %s", i + 1, titles[i]);
		T_EQ_STR(w.h3[i], want);
	}
	/* two links a paper, each named by its words and the paper's title, in that order */
	T_EQ_INT(w.n_fb, 6);
	for (size_t i = 0; i < w.n_fb && i < 6; i++) {
		char want[300];

		snprintf(want, sizeof want, "%s%s%s", i % 2 ? less : more, lead, titles[i / 2]);
		T_EQ_STR(w.label[i], want);
		T_EQ_STR(w.text[i], i % 2 ? less : more);
	}
	walk_free(&w);
}

/* A paper's "Analysis" and "Key findings" are headings under its title (h4), in the reader's
 * words; a paper without them has none. */
static void
test_labels(const char *language, const char *analysis, const char *findings)
{
	struct pb_digest d;
	struct pb_digest_item it[3];
	struct pb_paper p[3];
	struct pb_author au = { .name = "Ada Lovelace" };
	char *cats[] = { "cs.CV" };
	char *found[] = { "We triangulate the scene." };
	struct walk w;

	fill(&d, it, p, cats, &au, language);
	d.exec_summary = "Three papers.";
	it[0].analysis = "The mesh is **exact**.";
	it[0].findings = found;
	it[0].n_findings = 1;
	it[2].findings = found;
	it[2].n_findings = 1;
	render(&d, 0, &w);
	T_EQ_STR(pb_buf_str(&w.outline), "1 2 2 2 3 4 4 3 3 4");
	T_EQ_INT(w.n_h4, 3);
	if (w.n_h4 == 3) {
		T_EQ_STR(w.h4[0], analysis);
		T_EQ_STR(w.h4[1], findings);
		T_EQ_STR(w.h4[2], findings);
	}
	walk_free(&w);
}

/* Whether a text reads as English: arXiv's titles and abstracts as they come. */
static void
test_english(void)
{
	T_EQ_INT(pb_text_english("Radiance meshes for volumetric reconstruction\nWe triangulate "
				 "the scene with a Delaunay tetrahedralization."), 1);
	/* mathematics' Greek letters and a café are English still */
	T_EQ_INT(pb_text_english("The α-helix of the protein, with β = 0.5 at the café."), 1);
	T_EQ_INT(pb_text_english("Sur les espaces de Banach\nNous montrons que toute suite "
				 "bornée admet une sous-suite convergente."), 0);
	T_EQ_INT(pb_text_english("Über die Stabilität der Lösungen\nWir zeigen, dass die "
				 "Lösungen stabil sind."), 0);
	T_EQ_INT(pb_text_english("Об устойчивости решений\nМы показываем, что решения "
				 "устойчивы for the."), 0);
	T_EQ_INT(pb_text_english("面向三维重建的辐射网格\n我们提出了一种 the 方法。"), 0);
	T_EQ_INT(pb_text_english("Gaussian Splatting SLAM"), 0);     /* no word to tell */
	T_EQ_INT(pb_text_english(""), 0);
	T_EQ_INT(pb_text_english(NULL), 0);
	/* "the" inside a word is no word: "theory", "other", "bathe" */
	T_EQ_INT(pb_text_english("theory other bathe"), 0);
}

/* Counts needle in hay. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* In a Chinese digest a paper's own English (its title in the heading, the contents and the
 * compact list, its abstract and findings) says lang="en"; a French paper's does not, nor does
 * anything in an English digest. */
static void
test_lang(void)
{
	struct pb_digest d;
	struct pb_digest_item it[3];
	struct pb_paper p[3];
	struct pb_author au = { .name = "Ada Lovelace" };
	char *cats[] = { "cs.CV" };
	char *found[] = { "We triangulate the scene." };
	struct pb_render_opts o = { .telegram_chat = "" };
	struct pb_parts out;

	for (int zh = 0; zh < 2; zh++) {
		fill(&d, it, p, cats, &au, zh ? "zh" : "en");
		p[0].abstract = "We triangulate the scene with a mesh of the radiance field.";
		it[0].findings = found;
		it[0].n_findings = 1;
		p[1].title = "Sur les espaces de Banach";
		p[1].abstract = "Nous montrons que toute suite bornée admet une sous-suite.";
		p[2].abstract = "The third paper of the day.";
		/* the built-in summary quotes titles and findings as data spans */
		d.exec_summary = "- \x02Radiance meshes for the scene\x03: \x02We triangulate "
				 "the scene.\x03\n- \x02Sur les espaces de Banach\x03";
		T_EQ_INT(pb_render(&d, PB_FMT_HTML, &o, &out), 0);
		if (out.n != 1)
			continue;
		/* papers 0 and 2: the heading's link, the contents' link, the abstract; paper 0's
		 * findings */
		/* and the summary's two English spans; an English digest: <html lang="en"> alone */
		T_EQ_INT(count(out.v[0], " lang=\"en\""), (size_t)(zh ? 9 : 1));
		T_CHECK(!zh || strstr(out.v[0], "<li style=\"margin:0 0 4px 0px;\"><span lang=\"en\">"
				      "Radiance meshes for the scene</span>: <span lang=\"en\">We "
				      "triangulate the scene.</span></li>"));
		T_CHECK(strstr(out.v[0], ">Sur les espaces de Banach</li>") != NULL);
		T_CHECK(!zh || strstr(out.v[0], "<a href=\"https://arxiv.org/abs/2512.00100v1\" "
				      "lang=\"en\""));
		T_CHECK(!zh || strstr(out.v[0], "<p lang=\"en\" style=\"margin:0 0 10px 0;\">We "
				      "triangulate"));
		T_CHECK(!zh || strstr(out.v[0], "<ul lang=\"en\""));
		T_CHECK(!strstr(out.v[0], "lang=\"en\" style=\"margin:0 0 10px 0;\">Nous"));
		pb_parts_free(&out);
	}
}

/* Past the size cap: the papers shown in full keep their h3s under "Papers", the rest are
 * items of "More papers" (h2), never a heading of their own. */
static void
test_outline_capped(void)
{
	struct pb_digest d;
	struct pb_digest_item it[3];
	struct pb_paper p[3];
	struct pb_author au = { .name = "Ada Lovelace" };
	char *cats[] = { "cs.CV" };
	struct walk w;
	size_t max;

	fill(&d, it, p, cats, &au, "en");
	/* the smallest cap that leaves room for one paper in full */
	for (max = 2000;; max += 100) {
		render(&d, max, &w);
		if (w.n_full > 0 || max >= 40000)
			break;
		walk_free(&w);
	}
	T_EQ_INT(w.n_full, 1);
	T_EQ_INT(w.n_h3, 1);
	T_EQ_STR(pb_buf_str(&w.outline), "1 2 2 2 3 2");
	walk_free(&w);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof key.key; i++)
		key.key[i] = (unsigned char)(i * 7 + 3);
	test_outline("en", "More like this", "Not for me", ": ");
	test_outline("zh", "更多类似", "不感兴趣", "：");
	test_outline_capped();
	test_labels("en", "Analysis", "Key findings");
	test_labels("zh", "分析", "要点");
	test_english();
	test_lang();
	return t_done("test_render_outline");
}
