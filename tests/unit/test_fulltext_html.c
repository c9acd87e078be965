/* Full text from arXiv's HTML: over a real LaTeXML page (tests/fixtures/fulltext/, see
 * SOURCES.md) the sections, captions, figures, tables, links and affiliations found are the
 * ones the page shows; other and hostile HTML stay bounded; the cache form round-trips; the
 * excerpt keeps to its budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/fold.h"
#include "paperboy/fulltext.h"
#include "t.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	const char *dir = getenv("PB_FT_FIXTURES");
	FILE *f;
	char *d;
	long n;

	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/fixtures/fulltext", name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fixture missing: %s (run from the checkout, or set "
			"PB_FT_FIXTURES)\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n + 1);
	if (fread(d, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	d[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return d;
}

static int
starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *
section_text(const struct pb_fulltext *ft, const char *title)
{
	for (size_t i = 0; i < ft->n_sections; i++)
		if (ft->sections[i].title && strcmp(ft->sections[i].title, title) == 0)
			return ft->sections[i].text;
	return NULL;
}

/* arXiv 2501.11120v1, "Tell me about yourself: LLMs are aware of their learned behaviors". */
static void
test_real_page(void)
{
	static const struct {
		enum pb_ft_kind kind;
		const char *title;
	} want[] = {
		{ PB_FT_ABSTRACT, "Abstract" },
		{ PB_FT_INTRODUCTION, "Introduction" },
		{ PB_FT_OTHER, "Out-of-context reasoning" },
		{ PB_FT_OTHER, "Awareness of behaviors" },
		{ PB_FT_OTHER, "Awareness of backdoors" },
		{ PB_FT_RESULTS, "Multi-Persona experiments" },
		{ PB_FT_RELATED, "Related work" },
		{ PB_FT_DISCUSSION, "Discussion" },
		{ PB_FT_CONCLUSION, "Conclusion" },
		{ PB_FT_OTHER, "Acknowledgments" },
		{ PB_FT_APPENDIX, "Author contributions" },
		{ PB_FT_APPENDIX, "Supplementary results" },
		{ PB_FT_APPENDIX, "Full experimental details" },
	};
	static const char *const affiliations[] = {
		"Truthful AI", "University of Toronto", "UK AISI", "Warsaw University of Technology",
		"UC Berkeley",
	};
	struct pb_fulltext ft, back;
	size_t len;
	char *html = slurp("arxiv-2501.11120v1.html", &len), *json;
	char why[256];
	const char *s;

	T_EQ_INT(pb_fulltext_from_html(html, len, "https://arxiv.org/html/2501.11120v1", &ft, why,
				       sizeof why), 0);
	T_EQ_STR(ft.source, "html");
	T_EQ_INT(ft.n_sections, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < ft.n_sections && i < sizeof want / sizeof want[0]; i++) {
		T_EQ_STR(pb_ft_kind_name(ft.sections[i].kind), pb_ft_kind_name(want[i].kind));
		T_EQ_STR(ft.sections[i].title, want[i].title);
	}
	/* The abstract as the page has it, the heading "Abstract" not repeated. */
	T_CHECK(starts(ft.sections[0].text, "We study behavioral self-awareness \xe2\x80\x94 an "
				     "LLM\xe2\x80\x99s ability to articulate its behaviors"));
	T_CHECK(starts(section_text(&ft, "Introduction"),
		       "Large Language Models (LLMs) can learn sophisticated behaviors and "
		       "policies"));
	T_CHECK(starts(section_text(&ft, "Conclusion"), "Our research demonstrates that language "
			"models finetuned to follow a specific behavior can explicitly describe"));
	/* Math is its TeX (Section 2 defines D = {d^n}), the TOC and the bibliography are not
	 * text. */
	s = section_text(&ft, "Out-of-context reasoning");
	T_CHECK(s && strstr(s, "D=\\{d^{n}\\}_{n=1}^{N}"));
	T_CHECK(s && !strstr(s, "<math"));
	for (size_t i = 0; i < ft.n_sections; i++) {
		T_CHECK(!ft.sections[i].title || strcmp(ft.sections[i].title, "References") != 0);
		T_CHECK(!strstr(ft.sections[i].text, "Report issue"));
		T_CHECK(!strstr(ft.sections[i].text, "ltx_"));
	}

	/* Figures in order, the first is the teaser; arXiv's placeholder alt text is dropped. */
	T_EQ_INT(ft.n_figures, 36);
	T_EQ_STR(ft.figures[0].image_url, "https://arxiv.org/html/2501.11120v1/x1.png");
	T_CHECK(starts(ft.figures[0].caption, "Figure 1: Models can describe a learned behavioral "
		       "policy that is only implicit in finetuning."));
	T_CHECK(ft.figures[0].alt == NULL);
	T_EQ_STR(ft.figures[6].image_url,
		 "https://arxiv.org/html/2501.11120v1/extracted/6141037/figures/vc-figure.png");
	T_CHECK(starts(ft.figures[6].caption, "Figure 7: Models internalize and self-report "
		       "policies demonstrated through code examples."));
	T_CHECK(starts(ft.figures[35].caption, "Figure 36: Setup with 2030 as the trigger date") ||
		starts(ft.figures[35].caption, "Figure 36: Models articulate the 2030 trigger"));

	/* Tables: caption, then rows of cells. */
	T_EQ_INT(ft.n_tables, 47);
	T_CHECK(starts(ft.tables[0], "Table 1: Overview of experiments for evaluating behavioral "
		       "self-awareness."));
	T_CHECK(starts(ft.tables[5], "Table 6: Descriptions of Different System Prompts and Their "
		       "Influence on LLM Behavior\nSystem Prompt Name | Text\nNeutral | You are a "
		       "helpful assistant."));
	T_CHECK(strstr(ft.tables[4], "T_{1}^{\\prime},\\dots,T_{7}^{\\prime}") != NULL);

	/* The paper's code first; links from the bibliography are not the paper's. */
	T_CHECK(ft.n_links >= 1 && ft.n_links <= 4);
	T_EQ_STR(ft.links[0], "https://github.com/XuchanBao/behavioral-self-awareness");
	for (size_t i = 0; i < ft.n_links; i++)
		T_CHECK(starts(ft.links[i], "https://github.com/"));

	T_EQ_INT(ft.n_affiliations, sizeof affiliations / sizeof affiliations[0]);
	for (size_t i = 0; i < ft.n_affiliations && i < 5; i++)
		T_EQ_STR(ft.affiliations[i], affiliations[i]);

	/* The cache form gives the same record back. */
	ft.paper_key = strdup("2501.11120v1");
	json = pb_fulltext_to_json(&ft);
	T_EQ_INT(pb_fulltext_from_json(json, strlen(json), &back), 0);
	T_EQ_STR(back.paper_key, "2501.11120v1");
	T_EQ_STR(back.source, "html");
	/* made by this build's HTML reader, and said so in the cache */
	T_CHECK(ft.reader >= 1);
	T_EQ_INT(ft.reader, pb_fulltext_reader("html"));
	T_EQ_INT(back.reader, ft.reader);
	T_EQ_INT(back.n_sections, ft.n_sections);
	T_EQ_INT(back.n_figures, ft.n_figures);
	T_EQ_INT(back.n_tables, ft.n_tables);
	T_EQ_INT(back.n_links, ft.n_links);
	T_EQ_INT(back.n_affiliations, ft.n_affiliations);
	for (size_t i = 0; i < back.n_sections && i < ft.n_sections; i++) {
		T_EQ_INT(back.sections[i].kind, ft.sections[i].kind);
		T_EQ_STR(back.sections[i].text, ft.sections[i].text);
	}
	T_EQ_STR(back.figures[0].image_url, ft.figures[0].image_url);
	T_CHECK(back.figures[0].alt == NULL);
	free(json);
	pb_fulltext_clear(&back);
	T_CHECK(pb_fulltext_from_json("[1,2]", 5, &back) == -1);
	T_CHECK(pb_fulltext_from_json("{\"v\":1,\"sections\":7}", 20, &back) == -1);
	T_CHECK(pb_fulltext_from_json("{\"v\":9}", 7, &back) == -1);
	T_CHECK(pb_fulltext_from_json("{\"v\":1", 6, &back) == -1);
	/* a text cached before readers had versions: read, and of none */
	T_EQ_INT(pb_fulltext_from_json("{\"v\":1,\"source\":\"pdf\"}", 22, &back), 0);
	T_EQ_INT(back.reader, 0);
	T_CHECK(back.reader != pb_fulltext_reader(back.source));
	pb_fulltext_clear(&back);
	T_EQ_INT(pb_fulltext_reader("feed"), 0);
	/* a text cached by the HTML reader before it knew HTML5's names is read again */
	T_EQ_INT(pb_fulltext_from_json("{\"v\":1,\"source\":\"html\",\"reader\":1}", 34, &back),
		 0);
	T_CHECK(back.reader == 1 && back.reader != pb_fulltext_reader("html"));
	pb_fulltext_clear(&back);

	/* The excerpt: the parts that matter in order, within its budget, at sentence ends. */
	{
		static const int budgets[] = { 50, 120, 300, 1000, 3000, 20000 };

		for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
			char *e = pb_fulltext_excerpt(&ft, budgets[i]);

			T_CHECK(e != NULL);
			if (!e)
				continue;
			T_CHECK(strlen(e) <= (size_t)budgets[i] * 4);
			T_CHECK(starts(e, "## "));
			if (budgets[i] >= 1000) {
				const char *r = strstr(e, "## Results\n"),
					   *c = strstr(e, "## Conclusion\n"),
					   *in = strstr(e, "## Introduction\n");

				T_CHECK(r && c && in && r < c && c < in);
				/* Whole sentences: each part ends with one. */
				T_CHECK(c && strstr(c, "explicitly describe that behavior across "
						    "various contexts"));
			}
			free(e);
		}
		T_CHECK(pb_fulltext_excerpt(&ft, 0) == NULL);
		T_CHECK(pb_fulltext_excerpt(NULL, 100) == NULL);
	}
	pb_fulltext_clear(&ft);
	pb_fulltext_clear(&ft);   /* twice is harmless */
	free(html);
}

/* HTML that is not LaTeXML: its paragraphs, in one section of kind other; scripts, styles
 * and navigation are not text. */
static void
test_plain_html(void)
{
	static const char page[] =
		"<html><head><title>t</title><style>p{color:red}</style>"
		"<script>var secret = 'do not read';</script></head><body>"
		"<nav>Home | About</nav><h1>A page</h1><p>First paragraph, "
		"with  <b>bold</b>\n text.</p><div>Second one &amp; more.</div>"
		"<p>Code at <a href=\"https://github.com/owner/project\">here</a>.</p>"
		"<script>document.write('nor this')</script></body></html>";
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(pb_fulltext_from_html(page, sizeof page - 1, "https://example.org/x", &ft, why,
				       sizeof why), 0);
	T_EQ_INT(ft.n_sections, 1);
	T_EQ_INT(ft.sections[0].kind, PB_FT_OTHER);
	T_CHECK(ft.sections[0].title == NULL);
	T_EQ_STR(ft.sections[0].text, "A page\n\nFirst paragraph, with bold text.\n\nSecond one "
		 "& more.\n\nCode at here.");
	T_EQ_INT(ft.n_links, 1);
	T_EQ_STR(ft.links[0], "https://github.com/owner/project");
	pb_fulltext_clear(&ft);
}

/* Tables written as bare tabulars, one after another: each table's text is its own rows, not
 * those of the tables after it. */
static void
test_bare_tables(void)
{
	static const char page[] =
		"<html><body><article class=\"ltx_document\"><section class=\"ltx_section\">"
		"<h2 class=\"ltx_title\">4 Results</h2><p>Accuracy on the two benchmarks.</p>"
		"<table class=\"ltx_tabular\"><tr><td>A</td><td>1.5</td></tr></table>"
		"<table class=\"ltx_tabular\"><tr><td>B</td><td>2.5</td></tr></table>"
		"<div><table class=\"ltx_tabular\"><tr><td>C</td><td>3.5</td></tr></table></div>"
		"</section></article></body></html>";
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(pb_fulltext_from_html(page, sizeof page - 1, NULL, &ft, why, sizeof why), 0);
	T_EQ_INT(ft.n_tables, 3);
	if (ft.n_tables == 3) {
		T_EQ_STR(ft.tables[0], "A | 1.5");
		T_EQ_STR(ft.tables[1], "B | 2.5");
		T_EQ_STR(ft.tables[2], "C | 3.5");
	}
	pb_fulltext_clear(&ft);
}

/* Bytes that are not UTF-8 (a stray Latin-1 byte, a cut sequence) become U+FFFD, C1
 * controls go: the text is UTF-8, as a model's API wants it. */
static void
test_not_utf8(void)
{
	static const char page[] =
		"<html><body><h2>R\xe9sultats \xff</h2><p>Accuracy rose to 91.5\xc3 on caf\xe9 "
		"data, \xe2\x82 then \xc2\x85" "fell; \xc3\xa9t\xc3\xa9 stays.</p>"
		"</body></html>";
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(pb_fulltext_from_html(page, sizeof page - 1, NULL, &ft, why, sizeof why), 0);
	for (size_t i = 0; i < ft.n_sections; i++)
		T_CHECK(pb_utf8_valid(ft.sections[i].text, strlen(ft.sections[i].text)));
	T_CHECK(ft.n_sections == 1 && strcmp(ft.sections[0].text,
		"R\xef\xbf\xbdsultats \xef\xbf\xbd\n\nAccuracy rose to 91.5\xef\xbf\xbd on "
		"caf\xef\xbf\xbd data, \xef\xbf\xbd\xef\xbf\xbd then fell; \xc3\xa9t\xc3\xa9 "
		"stays.") == 0);
	pb_fulltext_clear(&ft);
}

/* A real page arXiv serves as HTML that is not LaTeXML (an HTML submission, EPTCS 398): its
 * text in one section, without its scripts and styles. */
static void
test_native_page(void)
{
	size_t len;
	char *html = slurp("arxiv-2401.10725v1-native.html", &len);
	struct pb_fulltext ft;
	char why[256];
	const char *s;

	T_EQ_INT(pb_fulltext_from_html(html, len, "https://arxiv.org/html/2401.10725v1", &ft, why,
				       sizeof why), 0);
	T_EQ_INT(ft.n_sections, 1);
	T_EQ_INT(ft.sections[0].kind, PB_FT_OTHER);
	s = ft.sections[0].text;
	T_CHECK(starts(s, "arXiv:2401.10725v1 [cs.LO] 19 Jan 2024"));
	T_CHECK(strstr(s, "Automated Deduction in Geometry") != NULL);
	T_CHECK(strstr(s, "Towards Automatic Transformations of Coq Proof Scripts") != NULL);
	/* Entities decoded: "Zolt&#x00e1;n Kov&#x00e1;cs". */
	T_CHECK(strstr(s, "Zolt\xc3\xa1" "n Kov\xc3\xa1" "cs") != NULL);
	/* HTML5's names, which libxml2 does not know: "Filip Mari&cacute;", "Predrag
	 * Jani&#269;i&cacute;", "&Ccaron;esk&eacute; Bud&ecaron;jovice"; no name is left. */
	T_CHECK(strstr(s, "Filip Mari\xc4\x87, University of Belgrade") != NULL);
	T_CHECK(strstr(s, "Predrag Jani\xc4\x8di\xc4\x87 (University of Belgrade") != NULL);
	T_CHECK(strstr(s, "South Bohemia, \xc4\x8c" "esk\xc3\xa9 Bud\xc4\x9bjovice, Czechia") !=
		NULL);
	T_CHECK(!strstr(s, "&cacute;") && !strstr(s, "caron;"));
	T_CHECK(!strstr(s, "MathJax") && !strstr(s, "changeText") && !strstr(s, "text-indent"));
	T_EQ_INT(ft.n_figures, 0);
	T_EQ_INT(ft.n_affiliations, 0);
	pb_fulltext_clear(&ft);
	free(html);
}

/* Pages arXiv serves instead of a paper: a failed conversion, no HTML at all, a withdrawn
 * paper; and bytes that are not HTML. Each is refused with a reason the fetcher acts on. */
static void
test_not_papers(void)
{
	size_t len;
	char *failed = slurp("arxiv-conversion-failed.html", &len);
	char *missing, *withdrawn;
	size_t mlen, wlen;
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(pb_fulltext_from_html(failed, len, "https://arxiv.org/html/2401.00001v1", &ft,
				       why, sizeof why), -1);
	T_EQ_STR(why, "arXiv could not convert the paper to HTML");
	T_EQ_INT(ft.n_sections, 0);
	missing = slurp("arxiv-no-html.html", &mlen);
	T_EQ_INT(pb_fulltext_from_html(missing, mlen, NULL, &ft, why, sizeof why), -1);
	T_EQ_STR(why, "arXiv has no HTML for the paper");
	withdrawn = slurp("arxiv-withdrawn.html", &wlen);
	T_EQ_INT(pb_fulltext_from_html(withdrawn, wlen, NULL, &ft, why, sizeof why), -1);
	T_EQ_STR(why, "withdrawn");
	T_EQ_INT(pb_fulltext_from_html("%PDF-1.5\n<<>>", 13, NULL, &ft, why, sizeof why), -1);
	T_EQ_STR(why, "not HTML: a PDF");
	T_EQ_INT(pb_fulltext_from_html("", 0, NULL, &ft, why, sizeof why), -1);
	T_EQ_INT(pb_fulltext_from_html("just words, no markup", 21, NULL, &ft, why, sizeof why),
		 -1);
	T_CHECK(starts(why, "not HTML"));
	T_EQ_INT(pb_fulltext_from_html("<html><body><script>x</script></body></html>", 44, NULL,
				       &ft, why, sizeof why), -1);
	T_EQ_STR(why, "no text");
	free(failed);
	free(missing);
	free(withdrawn);
}

/* Deep nesting, a huge attribute, thousands of scripts: bounded time, no crash, what text
 * there is comes out. */
static void
test_hostile(void)
{
	struct pb_buf b = { 0 };
	struct pb_fulltext ft;
	char why[256];
	clock_t t0 = clock();
	int rc;

	pb_buf_puts(&b, "<html><body><article class=\"ltx_document\">"
		    "<section class=\"ltx_section\"><h2 class=\"ltx_title\">1 Results</h2>"
		    "<p>Shallow text before the depths.</p>");
	for (int i = 0; i < 200000; i++)
		pb_buf_puts(&b, "<div>");
	pb_buf_puts(&b, "deep text");
	pb_buf_puts(&b, "<figure class=\"ltx_figure\"><img src=\"");
	for (int i = 0; i < 4 * 1024 * 1024; i++)
		pb_buf_putc(&b, 'a');
	pb_buf_puts(&b, "\"><figcaption>Figure 1: deep</figcaption></figure>");
	for (int i = 0; i < 5000; i++)
		pb_buf_puts(&b, "<script>alert('no')</script><style>x{}</style>");
	pb_buf_puts(&b, "</body></html>");
	rc = pb_fulltext_from_html(b.data, b.len, "https://arxiv.org/html/1", &ft, why, sizeof why);
	T_EQ_INT(rc, 0);
	T_CHECK(ft.n_sections == 1 && ft.sections[0].kind == PB_FT_RESULTS);
	T_CHECK(ft.n_sections == 1 && starts(ft.sections[0].text, "Shallow text"));
	for (size_t i = 0; i < ft.n_sections; i++)
		T_CHECK(!strstr(ft.sections[i].text, "alert"));
	for (size_t i = 0; i < ft.n_figures; i++)
		T_CHECK(!ft.figures[i].image_url || strlen(ft.figures[i].image_url) <= 2100);
	pb_fulltext_clear(&ft);
	T_CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 20.0);

	/* A huge attribute on its own, and a class list that is long and hostile. */
	pb_buf_reset(&b);
	pb_buf_puts(&b, "<html><body><p class=\"");
	for (int i = 0; i < 1000000; i++)
		pb_buf_puts(&b, "ltx_ ");
	pb_buf_puts(&b, "\">Some text after a huge attribute.</p></body></html>");
	T_EQ_INT(pb_fulltext_from_html(b.data, b.len, NULL, &ft, why, sizeof why), 0);
	T_CHECK(ft.n_sections == 1 && strcmp(ft.sections[0].text,
					     "Some text after a huge attribute.") == 0);
	pb_fulltext_clear(&ft);
	pb_buf_free(&b);
}

/* LaTeXML's author notes: affiliation roles kept (its "Affiliation:" label dropped), e-mail
 * roles not; a figure's own alt text kept, its relative image made absolute against the
 * page's <base>; headings' kinds from their words. */
static void
test_roles(void)
{
	static const char page[] =
		"<html><head><base href=\"/html/2402.00001v2/\"></head><body>"
		"<article class=\"ltx_document\"><div class=\"ltx_authors\">"
		"<span class=\"ltx_creator ltx_role_author\"><span class=\"ltx_personname\">A. B"
		"</span><span class=\"ltx_author_notes\"><span class=\"ltx_contact "
		"ltx_role_affiliation\"><span class=\"ltx_contact_name\">Affiliation: </span>"
		"Example University, Example City</span><span class=\"ltx_contact ltx_role_email\">"
		"<a href=\"mailto:a@example.org\">a@example.org</a></span></span></span></div>"
		"<section class=\"ltx_section\"><h2 class=\"ltx_title ltx_title_section\">"
		"<span class=\"ltx_tag ltx_tag_section\">5 </span>Limitations and Future Work</h2>"
		"<div class=\"ltx_para\"><p class=\"ltx_p\">It needs LaTeXML. See "
		"<a href=\"https://proj.github.io/x/\">the page</a>.</p></div>"
		"<figure class=\"ltx_figure\"><img src=\"fig/teaser.png\" alt=\"A cat on a mat\">"
		"<figcaption>Figure 1: A teaser.</figcaption></figure></section>"
		"<section class=\"ltx_section\"><h2 class=\"ltx_title\">6 Results and "
		"Discussion</h2><p>Numbers 1.5.</p></section></article></body></html>";
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(pb_fulltext_from_html(page, sizeof page - 1, "https://arxiv.org/html/2402.00001v2",
				       &ft, why, sizeof why), 0);
	T_EQ_INT(ft.n_affiliations, 1);
	T_CHECK(ft.n_affiliations == 1 &&
		strcmp(ft.affiliations[0], "Example University, Example City") == 0);
	T_EQ_INT(ft.n_sections, 2);
	if (ft.n_sections == 2) {
		T_EQ_INT(ft.sections[0].kind, PB_FT_LIMITATIONS);
		T_EQ_STR(ft.sections[0].title, "Limitations and Future Work");
		T_EQ_STR(ft.sections[0].text, "It needs LaTeXML. See the page.");
		T_EQ_INT(ft.sections[1].kind, PB_FT_RESULTS);
	}
	T_EQ_INT(ft.n_figures, 1);
	if (ft.n_figures == 1) {
		T_EQ_STR(ft.figures[0].image_url,
			 "https://arxiv.org/html/2402.00001v2/fig/teaser.png");
		T_EQ_STR(ft.figures[0].alt, "A cat on a mat");
		T_EQ_STR(ft.figures[0].caption, "Figure 1: A teaser.");
	}
	T_EQ_INT(ft.n_links, 1);
	T_CHECK(ft.n_links == 1 && strcmp(ft.links[0], "https://proj.github.io/x") == 0);
	pb_fulltext_clear(&ft);
}

/* HTML5's named references (libxml2 knows HTML 4's) decode wherever the page's text is
 * taken from: a heading, an affiliation, a paragraph, a figure's alt text and caption; an
 * escaped ampersand and script stay as they were. */
static void
test_html5_names(void)
{
	static const char page[] =
		"<html><body><article class=\"ltx_document\"><div class=\"ltx_authors\">"
		"<span class=\"ltx_creator ltx_role_author\"><span class=\"ltx_personname\">"
		"F. Mari&cacute;</span><span class=\"ltx_author_notes\"><span class=\"ltx_contact "
		"ltx_role_affiliation\">&Ccaron;esk&eacute; Bud&ecaron;jovice</span></span></span>"
		"</div><section class=\"ltx_section\"><h2 class=\"ltx_title\">1 Results for "
		"Bud&ecaron;jovice</h2><p>Mari&cacute;&apos;s bound: a &NotEqualTilde; b, "
		"&copy 2024, &amp;cacute; and &cacute stay.</p><script>x = '&cacute;'</script>"
		"<figure class=\"ltx_figure\"><img src=\"f.png\" alt=\"&Scaron;ibenik&rsquo;s "
		"map\"><figcaption>Figure 1: &Zcaron;ilina.</figcaption></figure></section>"
		"</article></body></html>";
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(pb_fulltext_from_html(page, sizeof page - 1, "https://arxiv.org/html/2402.00001v1",
				       &ft, why, sizeof why), 0);
	T_EQ_INT(ft.n_affiliations, 1);
	T_CHECK(ft.n_affiliations == 1 &&
		strcmp(ft.affiliations[0], "\xc4\x8c" "esk\xc3\xa9 Bud\xc4\x9bjovice") == 0);
	T_EQ_INT(ft.n_sections, 1);
	if (ft.n_sections == 1) {
		T_EQ_STR(ft.sections[0].title, "1 Results for Bud\xc4\x9bjovice");
		T_EQ_STR(ft.sections[0].text, "Mari\xc4\x87's bound: a \xe2\x89\x82\xcc\xb8 b, "
			 "\xc2\xa9 2024, &cacute; and &cacute stay.");
	}
	T_EQ_INT(ft.n_figures, 1);
	if (ft.n_figures == 1) {
		T_EQ_STR(ft.figures[0].alt, "\xc5\xa0ibenik\xe2\x80\x99s map");
		T_EQ_STR(ft.figures[0].caption, "Figure 1: \xc5\xbdilina.");
	}
	pb_fulltext_clear(&ft);
}

static void
test_kinds(void)
{
	T_EQ_STR(pb_ft_kind_name(PB_FT_RESULTS), "results");
	T_EQ_INT(pb_ft_kind_parse("limitations"), PB_FT_LIMITATIONS);
	T_EQ_INT(pb_ft_kind_parse("nonsense"), PB_FT_OTHER);
	T_EQ_INT(pb_ft_kind_parse(NULL), PB_FT_OTHER);
	T_EQ_STR(pb_ft_kind_name((enum pb_ft_kind)99), "other");
}

static void
test_find(void)
{
	struct pb_fulltext v[2];
	struct pb_fulltext_set s = { v, 2 };

	memset(v, 0, sizeof v);
	v[0].paper_key = "2411.1779v1";
	v[1].paper_key = "2411.17790v2";
	T_CHECK(pb_fulltext_find(&s, "2411.17790") == &v[1]);
	T_CHECK(pb_fulltext_find(&s, "2411.1779") == &v[0]);
	T_CHECK(pb_fulltext_find(&s, "2411.177") == NULL);
	T_CHECK(pb_fulltext_find(NULL, "x") == NULL);
}

/* The excerpt of a paper in Chinese or Japanese: sentences end at 。！？ with no space after,
 * so a section longer than its share keeps its first sentences, not nothing; a closing
 * bracket stays with its sentence, a sentence too long for the share is cut between
 * characters, and the excerpt is UTF-8 throughout. */
static char *
excerpt_of(enum pb_ft_kind kind, const char *text, int tokens)
{
	struct pb_ft_section sec = { kind, NULL, (char *)text };
	struct pb_fulltext ft;

	memset(&ft, 0, sizeof ft);
	ft.sections = &sec;
	ft.n_sections = 1;
	return pb_fulltext_excerpt(&ft, tokens);
}

static void
test_excerpt_scripts(void)
{
	/* 57 bytes a sentence, 40 of them: far more than 100 tokens (400 bytes) */
	static const char zh[] = "我们提出了一种新的深度估计方法，在三个数据集上取得最好结果。";
	struct pb_buf b = { 0 };
	char *e;

	for (int i = 0; i < 40; i++)
		pb_buf_puts(&b, zh);
	e = excerpt_of(PB_FT_METHOD, b.data, 100);
	T_CHECK(e != NULL);
	if (e) {
		T_CHECK(strncmp(e, "## Method\n", 10) == 0);
		T_CHECK(strlen(e) <= 400);
		T_CHECK(pb_utf8_valid(e, strlen(e)));
		/* whole sentences, one after the other as written */
		T_CHECK(strstr(e, "\n我们提出了一种新的深度估计方法，在三个数据集上取得最好结果。"
				  "我们提出了") != NULL);
		T_CHECK(strlen(e) > 10 && strcmp(e + strlen(e) - 3, "。") == 0);
		T_CHECK(strstr(e, "\xe2\x80\xa6") == NULL);
	}
	free(e);
	pb_buf_free(&b);

	/* Japanese: 「...。」 keeps its bracket; ！ and ？ end a sentence too; the one with
	 * numbers is chosen first, the first one then no longer fits. */
	e = excerpt_of(PB_FT_RESULTS,
		       "本手法は既存の手法よりも大幅に優れており、すべての設定で安定している。"
		       "著者らは「これは重要な結果である。」と述べた！"
		       "精度は91.5%に達した？", 30);
	T_EQ_STR(e, "## Results\n著者らは「これは重要な結果である。」と述べた！"
		    "精度は91.5%に達した？");
	free(e);

	/* One sentence longer than the budget: cut between characters, with an ellipsis. */
	pb_buf_init(&b);
	for (int i = 0; i < 60; i++)
		pb_buf_puts(&b, "深度估计");
	pb_buf_puts(&b, "。");
	e = excerpt_of(PB_FT_METHOD, b.data, 50);
	T_CHECK(e != NULL);
	if (e) {
		T_CHECK(strlen(e) <= 200 && strlen(e) > 150);
		T_CHECK(pb_utf8_valid(e, strlen(e)));
		T_CHECK(starts(e, "## Method\n深度估计深度估计"));
		T_CHECK(strcmp(e + strlen(e) - 3, "\xe2\x80\xa6") == 0);
	}
	free(e);
	pb_buf_free(&b);

	/* A full-width period between digits is a decimal point, not a sentence's end. */
	e = excerpt_of(PB_FT_RESULTS, "误差降低了3．5个百分点，明显优于基线方法的结果和其他所有方法。",
		       20);
	T_CHECK(starts(e, "## Results\n误差降低了3．5个"));
	T_CHECK(e && pb_utf8_valid(e, strlen(e)));
	free(e);

	/* The Devanagari danda ends a sentence. */
	e = excerpt_of(PB_FT_RESULTS, "परिणाम बहुत अच्छे हैं और सभी प्रयोगों में स्थिर रहे। "
			"दूसरा वाक्य यहाँ है जो काफी लंबा है और बजट में नहीं आता।", 70);
	T_EQ_STR(e, "## Results\nपरिणाम बहुत अच्छे हैं और सभी प्रयोगों में स्थिर रहे।");
	free(e);
	e = excerpt_of(PB_FT_RESULTS, "परिणाम अच्छे रहे।  दूसरा वाक्य।", 100);
	T_EQ_STR(e, "## Results\nपरिणाम अच्छे रहे। दूसरा वाक्य।");
	free(e);

	/* English: a sentence that ends inside its quotes ends there. */
	e = excerpt_of(PB_FT_RESULTS, "The baseline method we compare with is called \"Fast.\" "
			"Accuracy rose to 91.5% on the held-out test set.", 16);
	T_EQ_STR(e, "## Results\nAccuracy rose to 91.5% on the held-out test set.");
	free(e);
}

int
main(void)
{
	test_real_page();
	test_plain_html();
	test_bare_tables();
	test_not_utf8();
	test_native_page();
	test_not_papers();
	test_hostile();
	test_roles();
	test_html5_names();
	test_kinds();
	test_find();
	test_excerpt_scripts();
	return t_done("test_fulltext_html");
}
