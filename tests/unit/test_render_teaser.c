/* The full text in every format: the teaser figure (an <img> sized for a phone in HTML, an
 * image in Markdown, a link in Slack, Telegram and plain text, an object in JSON) and the
 * code and project links; hostile captions and URLs (javascript:, data:, quotes, controls)
 * never become markup or a live link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/digest.h"
#include "paperboy/fulltext.h"
#include "paperboy/render.h"
#include "t.h"

#define IMG "https://arxiv.org/html/2512.04076v1/x1.png"
#define CODE "https://github.com/org/radiance-meshes"
/* 310 bytes of path: a link too long for Slack's context line with the others */
#define L50 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG300 L50 L50 L50 L50 L50 L50 "dddddddddd"
#define ALT "Overview <script>alert(1)</script> \"quoted\" & [x](https://evil.example) **b**"

static int
has(const char *s, const char *n)
{
	return strstr(s, n) != NULL;
}

static char *
joined(const struct pb_parts *p)
{
	struct pb_buf b = { 0 };

	for (size_t i = 0; i < p->n; i++)
		pb_buf_puts(&b, p->v[i]);
	return pb_buf_detach(&b);
}

static void
test_formats(void)
{
	struct pb_ft_figure fig[2] = {
		{ "Figure 1: Radiance meshes <b>bold</b>.", IMG, ALT },
		{ "Figure 2: more", "https://arxiv.org/html/2512.04076v1/x2.png", NULL },
	};
	char *links[] = {
		CODE, "javascript:alert(1)", "data:text/html,<script>x</script>",
		"https://evil.example/\"onmouseover=alert(1)", "https://x.org/a b", CODE,
		"HTTPS://upper.example/", "https://radiance-meshes.github.io/",
		"https://github.com/org/radiance-meshes\x1b[2J",
		"https://github.com/org/" LONG300,
		/* user information before the host: the label would name the part before '@' */
		"https://radiance-meshes-project-page-of-the-paper.github.io:x@phish.example/",
		"https://github.com@phish.example/org/radiance-meshes",
	};
	struct pb_ft_figure badfig = { "Figure 1: x", "javascript:alert(1)//x.png", "alt" };
	struct pb_fulltext ft = { 0 }, bad = { 0 };
	struct pb_paper p[2] = { { 0 }, { 0 } };
	struct pb_digest_item it[2] = { { 0 }, { 0 } };
	struct pb_digest d = { 0 };

	ft.figures = fig;
	ft.n_figures = 2;
	ft.links = links;
	ft.n_links = sizeof links / sizeof links[0];
	bad.figures = &badfig;
	bad.n_figures = 1;
	for (int i = 0; i < 2; i++) {
		p[i].id = i ? "2512.04077" : "2512.04076";
		p[i].version = 1;
		p[i].title = "Radiance Meshes";
		p[i].abstract = "We mesh radiance.";
		p[i].published = "2025-12-03T00:00:00Z";
		it[i].paper = &p[i];
		it[i].topic = "3D";
	}
	it[0].fulltext = &ft;
	it[1].fulltext = &bad;
	d.language = "en";
	d.date = "2025-12-04";
	d.title = "Digest";
	d.items = it;
	d.n_items = 2;
	d.n_matched = 2;

	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts pp;
		char *s;

		T_EQ_INT(pb_render(&d, (enum pb_format)f, NULL, &pp), 0);
		s = joined(&pp);
		/* never a script, a javascript:/data: URL or the URL with a quote, anywhere */
		T_CHECK(!has(s, "javascript:"));
		T_CHECK(!has(s, "data:text"));
		T_CHECK(!has(s, "onmouseover"));
		T_CHECK(!has(s, "https://x.org/a b") && !has(s, "upper.example"));
		T_CHECK(!has(s, "\x1b"));
		T_CHECK(!has(s, "dddddddddd"));    /* too long a link */
		T_CHECK(!has(s, "phish.example") && !has(s, "of-the-paper"));
		if (f == PB_FMT_MD)     /* shown, escaped, as the text it is */
			T_CHECK(!has(s, "<script") || has(s, "\\<script"));
		else
			T_CHECK(!has(s, "<script"));
		/* the code link, once, and the project page */
		T_CHECK(has(s, CODE));
		T_CHECK(has(s, "radiance-meshes.github.io"));
		{
			const char *a = strstr(s, CODE "\"");

			if (f == PB_FMT_HTML)   /* once as href, not twice */
				T_CHECK(a && !strstr(a + 1, CODE "\""));
		}
		switch (f) {
		case PB_FMT_HTML:
			T_CHECK(has(s, "<img src=\"" IMG "\" alt=\"Overview &lt;script&gt;alert(1)"
				       "&lt;/script&gt; &quot;quoted&quot; &amp; [x](https://evil."
				       "example) **b**\" width=\"584\""));
			T_CHECK(has(s, "max-width:100%;height:auto"));
			T_CHECK(has(s, "<a href=\"" CODE "\""));
			T_CHECK(has(s, ">github.com/org/radiance-meshes</a>"));
			T_CHECK(!has(s, "href=\"https://evil.example"));
			/* one teaser: the second paper's javascript: image is dropped */
			T_CHECK(strstr(s, "<img ") == strrchr(strstr(s, "<img "), '<') ||
				!strstr(strstr(s, "<img ") + 1, "<img "));
			break;
		case PB_FMT_MD:
			T_CHECK(has(s, "![Overview \\<script\\>alert(1)\\</script\\> \"quoted\" & "
				       "\\[x\\](https://evil.example) \\*\\*b\\*\\*](" IMG ")"));
			T_CHECK(has(s, "- [github.com/org/radiance-meshes](" CODE ")"));
			break;
		case PB_FMT_TEXT:
			T_CHECK(has(s, "Code:  " CODE));
			T_CHECK(has(s, "Figure: " IMG) || has(s, "Figure:\n      " IMG));
			break;
		case PB_FMT_SLACK:
			T_CHECK(has(s, "<" IMG "|Figure 1>"));
			T_CHECK(has(s, "<" CODE "|github.com/org/radiance-meshes>"));
			break;
		case PB_FMT_TELEGRAM:
			T_CHECK(has(s, "<a href=\\\"" IMG "\\\">Figure 1</a>"));
			T_CHECK(has(s, "<a href=\\\"" CODE "\\\">github.com/org/radiance-meshes</a>"));
			break;
		case PB_FMT_JSON:
			T_CHECK(has(s, "\"teaser\":{\"url\":\"" IMG "\""));
			T_CHECK(has(s, "\"links\":[\"" CODE "\",\"https://radiance-meshes.github.io/\"]"));
			break;
		default:
			break;
		}
		if (t_failed)
			fprintf(stderr, "format %s:\n%.3000s\n", pb_format_name((enum pb_format)f), s);
		free(s);
		pb_parts_free(&pp);
	}

	/* without a full text nothing changes: no image, no extra link */
	it[0].fulltext = NULL;
	it[1].fulltext = NULL;
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts pp;
		char *s;

		T_EQ_INT(pb_render(&d, (enum pb_format)f, NULL, &pp), 0);
		s = joined(&pp);
		T_CHECK(!has(s, IMG) && !has(s, CODE) && !has(s, "<img"));
		T_CHECK(!has(s, "\"teaser\"") && !has(s, "\"links\""));
		free(s);
		pb_parts_free(&pp);
	}
}

/* The plain-text part never cuts a link: a code link, a figure and the settings link too long
 * for a line after their labels go whole on the next line, past the width when they must (a
 * mail client makes a link of a line's URL only). A title and other text still wrap. */
static void
test_text_long_links(void)
{
	/* 88 and 79 characters: over the 70 a line holds under "    Code:" */
	static char code[] = "https://github.com/some-organization-name/a-rather-long-repository-"
			     "name-for-this-paper";
	static char proj[] = "https://drive.google.com/drive/folders/18B2YbxtV0Pyj5RSFX-ZzCGtFOyorBHi"
			     "lXYZ123";
	char *links[] = { code, proj };
	struct pb_ft_figure fig = { "Figure 1: x",
				    "https://arxiv.org/html/2512.04076v1/figures/"
				    "a_figure_with_a_long_file_name_teaser_v3.png", NULL };
	const char *unsub = "https://lists.example.org/mailman/options/arxiv-digest-of-the-vision-"
			    "group/settings";
	struct pb_fulltext ft = { 0 };
	struct pb_paper p = { 0 };
	struct pb_digest_item it = { 0 };
	struct pb_digest d = { 0 };
	struct pb_render_opts o = { 0 };
	struct pb_parts pp;
	char *s;

	ft.links = links;
	ft.n_links = 2;
	ft.figures = &fig;
	ft.n_figures = 1;
	p.id = "2512.04076";
	p.version = 1;
	p.title = "Radiance Meshes for a Title Long Enough to Wrap Across More Than One Line of "
		  "the Plain Text";
	p.abstract = "We mesh radiance.";
	p.published = "2025-12-03T00:00:00Z";
	it.paper = &p;
	it.topic = "3D";
	it.fulltext = &ft;
	d.language = "en";
	d.date = "2025-12-04";
	d.title = "Digest";
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;
	o.unsubscribe_url = unsub;
	T_EQ_INT(pb_render(&d, PB_FMT_TEXT, &o, &pp), 0);
	s = joined(&pp);
	T_CHECK(has(s, "    Code:\n      " "https://github.com/some-organization-name/a-rather-long-"
		       "repository-name-for-this-paper\n"));
	T_CHECK(has(s, "    Code:\n      " "https://drive.google.com/drive/folders/18B2YbxtV0Pyj5RSFX"
		       "-ZzCGtFOyorBHilXYZ123\n"));
	T_CHECK(has(s, "    Figure:\n      https://arxiv.org/html/2512.04076v1/figures/"
		       "a_figure_with_a_long_file_name_teaser_v3.png\n"));
	T_CHECK(has(s, unsub));
	/* words still wrap at the width */
	for (const char *l = s; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		char *line = pb_xstrndup(l, n);

		if (!strstr(line, "http"))
			T_CHECK(n <= PB_TEXT_WIDTH);
		free(line);
		l += n + (e ? 1 : 0);
	}
	if (t_failed)
		fprintf(stderr, "%s\n", s);
	free(s);
	pb_parts_free(&pp);
}

int
main(void)
{
	test_formats();
	test_text_long_links();
	return t_done("test_render_teaser");
}
