/* Full text from arXiv's HTML rendering (LaTeXML) through libxml2's HTML parser: sections by
 * their headings, paragraphs with math as its TeX, figures with captions and image URLs,
 * tables, code links, affiliations. Other HTML gives its paragraphs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include "ft_int.h"
#include "paperboy/escape.h"
#include "paperboy/html_refs.h"
#include "paperboy/log.h"

#define HTML_MAX_INPUT (64u * 1024u * 1024u)
#define HTML_MAX_DEPTH 192            /* deeper content is skipped, not walked */
#define HTML_MAX_NODES 4000000u       /* elements and text nodes walked in all */

struct hx {
	struct ftb *b;
	xmlChar *base;               /* the URL relative references resolve against, or NULL */
	struct pb_buf para;          /* the paragraph being gathered */
	int space;
	size_t nodes;
	int fatal;                   /* arXiv's "Conversion to HTML had a Fatal error" seen */
};

/* The element's class attribute as the parser keeps it (no copy), or NULL. */
static const char *
class_of(xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return NULL;
	for (xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && strcmp((const char *)a->name, "class") == 0)
			return a->children && a->children->type == XML_TEXT_NODE &&
					       !a->children->next ?
				       (const char *)a->children->content :
				       NULL;
	return NULL;
}

static int
has_class(xmlNode *n, const char *cls)
{
	const char *p = class_of(n);
	size_t l = strlen(cls);

	/* LaTeXML's classes all start "ltx_": a quick no for the rest. */
	if (!p || (cls[0] == 'l' && !strstr(p, "ltx_")))
		return 0;
	while (*p) {
		size_t w;

		p += strspn(p, " \t\r\n");
		w = strcspn(p, " \t\r\n");
		if (w == l && strncmp(p, cls, l) == 0)
			return 1;
		p += w;
	}
	return 0;
}

/* 1 when the element's class list has a word starting with prefix. */
static int
has_class_prefix(xmlNode *n, const char *prefix)
{
	const char *v = class_of(n);

	return v && strstr(v, prefix) != NULL;
}

static int
is(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, name) == 0;
}

/* Elements whose content is never paper text. */
static int
skipped(xmlNode *n)
{
	static const char *const names[] = {
		"script", "style", "noscript", "template", "nav", "header", "footer", "head",
		"form", "button", "input", "select", "textarea", "iframe", "object", "embed",
		"svg", "canvas", "audio", "video",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (is(n, names[i]))
			return 1;
	if (!class_of(n))
		return 0;
	return has_class(n, "package-alerts") || has_class(n, "ltx_bibliography") ||
	       has_class(n, "ltx_page_navbar") || has_class(n, "ltx_TOC") || has_class(n, "ltx_ERROR") ||
	       has_class(n, "ltx_title_document") || has_class(n, "ltx_dates") ||
	       has_class(n, "ltx_tag_equation") || has_class(n, "ltx_page_footer") ||
	       has_class(n, "ltx_page_header") || has_class(n, "ltx_classification");
}

static int
block(xmlNode *n)
{
	static const char *const names[] = {
		"p", "div", "li", "ul", "ol", "dl", "dd", "dt", "blockquote", "pre", "h1", "h2",
		"h3", "h4", "h5", "h6", "tr", "table", "section", "article", "main", "figcaption",
		"body", "br", "hr",
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (is(n, names[i]))
			return 1;
	return 0;
}

static void
flush(struct hx *x)
{
	if (x->para.len)
		ftb_para(x->b, x->para.data, x->para.len);
	pb_buf_reset(&x->para);
	x->space = 1;
}

/* The absolute http(s) URL of ref, or NULL. Caller frees with xmlFree. */
static xmlChar *
absolute(struct hx *x, const xmlChar *ref)
{
	xmlChar *u;

	if (!ref || xmlStrlen(ref) > FT_MAX_URL)
		return NULL;
	u = x->base ? xmlBuildURI(ref, x->base) : xmlStrdup(ref);
	if (u && (xmlStrncasecmp(u, (const xmlChar *)"https://", 8) == 0 ||
		  xmlStrncasecmp(u, (const xmlChar *)"http://", 7) == 0))
		return u;
	xmlFree(u);
	return NULL;
}

static void
link_of(struct hx *x, xmlNode *n)
{
	xmlChar *href = xmlGetProp(n, (const xmlChar *)"href"), *u;

	if (!href)
		return;
	u = absolute(x, href);
	if (u)
		ftb_link(x->b, (const char *)u);
	xmlFree(u);
	xmlFree(href);
}

/* Appends the text under n to b: math as its alttext, skipped parts left out, ltx_tag
 * numbers left out when notag. Bounded by depth and by max bytes. */
static void
text_of(struct hx *x, xmlNode *n, struct pb_buf *b, int *space, int depth, int notag,
	size_t max)
{
	for (xmlNode *c = n->children; c && b->len < max; c = c->next) {
		if (++x->nodes > HTML_MAX_NODES || depth > HTML_MAX_DEPTH)
			return;
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content)
				ft_put_text(b, (const char *)c->content,
					    strlen((const char *)c->content), space);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE || skipped(c) || has_class(c, "ltx_note") ||
		    (notag && has_class(c, "ltx_tag")) || has_class(c, "ltx_contact_name"))
			continue;
		if (is(c, "a"))
			link_of(x, c);
		if (is(c, "math")) {
			xmlChar *alt = xmlGetProp(c, (const xmlChar *)"alttext");

			if (alt) {
				ft_put_text(b, " ", 1, space);
				ft_put_text(b, (const char *)alt, strlen((const char *)alt), space);
				ft_put_text(b, " ", 1, space);
			}
			xmlFree(alt);
			continue;
		}
		if (is(c, "br") || is(c, "td") || is(c, "th") || block(c))
			ft_put_text(b, " ", 1, space);
		text_of(x, c, b, space, depth + 1, notag, max);
	}
}

static char *
node_text(struct hx *x, xmlNode *n, int notag, size_t max)
{
	struct pb_buf b = { 0 };
	int space = 1;

	text_of(x, n, &b, &space, 0, notag, max);
	ft_trim(&b);
	ft_cut(&b, max);
	return pb_buf_detach(&b);
}

/* The first descendant element named name (within a few levels), or NULL. */
static xmlNode *
find(xmlNode *n, const char *name, int depth)
{
	for (xmlNode *c = n->children; c && depth < 24; c = c->next) {
		xmlNode *r;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, name))
			return c;
		if ((r = find(c, name, depth + 1)))
			return r;
	}
	return NULL;
}

/* The element's own figcaption: a child first, else the first one below. */
static xmlNode *
caption_of(xmlNode *fig)
{
	for (xmlNode *c = fig->children; c; c = c->next)
		if (is(c, "figcaption"))
			return c;
	return find(fig, "figcaption", 0);
}

static void
figure(struct hx *x, xmlNode *n)
{
	xmlNode *cap = caption_of(n), *img = find(n, "img", 0);
	char *caption = cap ? node_text(x, cap, 0, FT_MAX_CAPTION + 64) : NULL;
	xmlChar *src = img ? xmlGetProp(img, (const xmlChar *)"src") : NULL;
	xmlChar *alt = img ? xmlGetProp(img, (const xmlChar *)"alt") : NULL;
	xmlChar *url = src ? absolute(x, src) : NULL;
	const char *a = (const char *)alt;

	/* LaTeXML's placeholders say nothing the caption does not. */
	if (a && (strcmp(a, "Refer to caption") == 0 || strcmp(a, "[Uncaptioned image]") == 0 ||
		  !*a))
		a = NULL;
	ftb_figure(x->b, caption && *caption ? caption : NULL, (const char *)url, a);
	/* Links in captions count too ("code at github.com/..."). */
	free(caption);
	xmlFree(url);
	xmlFree(src);
	xmlFree(alt);
}

static void rows(struct hx *x, xmlNode *n, struct pb_buf *t, int depth);

/* One element of a table: a row's cells as "a | b", else the rows below it. */
static void
row_or_rows(struct hx *x, xmlNode *c, struct pb_buf *t, int depth)
{
	if (c->type != XML_ELEMENT_NODE || depth > 16)
		return;
	if (is(c, "tr")) {
		int first = 1;

		for (xmlNode *d = c->children; d; d = d->next) {
			char *cell;

			if (!is(d, "td") && !is(d, "th"))
				continue;
			cell = node_text(x, d, 0, 400);
			if (!first)
				pb_buf_puts(t, " | ");
			pb_buf_puts(t, cell);
			first = 0;
			free(cell);
		}
		pb_buf_putc(t, '\n');
	} else if (!is(c, "figcaption")) {
		rows(x, c, t, depth + 1);
	}
}

static void
rows(struct hx *x, xmlNode *n, struct pb_buf *t, int depth)
{
	for (xmlNode *c = n->children; c && t->len < FT_MAX_TABLE; c = c->next)
		row_or_rows(x, c, t, depth);
}

static void
table(struct hx *x, xmlNode *n)
{
	xmlNode *cap = is(n, "table") ? NULL : caption_of(n);
	struct pb_buf t = { 0 };

	if (cap) {
		char *c = node_text(x, cap, 0, FT_MAX_CAPTION);

		pb_buf_puts(&t, c);
		pb_buf_putc(&t, '\n');
		free(c);
	}
	/* A bare <table> is read on its own: the tables after it are theirs. */
	if (is(n, "table"))
		row_or_rows(x, n, &t, 0);
	else
		rows(x, n, &t, 0);
	ftb_table(x->b, t.data);
	pb_buf_free(&t);
}

/* The heading child of a section (h2..h6 with a title class, or the first h*), or NULL. */
static xmlNode *
heading_of(xmlNode *sec)
{
	for (xmlNode *c = sec->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->name[0] == 'h' && c->name[1] >= '1' &&
		    c->name[1] <= '6' && c->name[2] == '\0')
			return c;
	return NULL;
}

static void
affiliations(struct hx *x, xmlNode *n, int depth, int *found)
{
	for (xmlNode *c = n->children; c && depth < 32; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (has_class(c, "ltx_role_affiliation") || has_class(c, "ltx_role_address") ||
		    (has_class(c, "ltx_contact") && !has_class_prefix(c, "ltx_role_email") &&
		     !has_class_prefix(c, "ltx_role_homepage"))) {
			char *a = node_text(x, c, 0, FT_MAX_AFFILIATION + 64);

			ftb_affiliation(x->b, a);
			free(a);
			*found = 1;
			continue;
		}
		affiliations(x, c, depth + 1, found);
	}
}

/* Without LaTeXML's affiliation roles, the usual "name^1 ... ^1 Institution" block: an
 * italic run right after a superscript mark. */
static void
affiliations_marked(struct hx *x, xmlNode *n, int depth)
{
	for (xmlNode *c = n->children; c && depth < 32; c = c->next) {
		xmlNode *p = c->prev;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		while (p && p->type == XML_TEXT_NODE && p->content &&
		       strspn((const char *)p->content, " \t\r\n\xc2\xa0") ==
			       strlen((const char *)p->content))
			p = p->prev;
		if ((is(c, "em") || is(c, "i")) && p && is(p, "sup")) {
			char *a = node_text(x, c, 0, FT_MAX_AFFILIATION + 64);

			ftb_affiliation(x->b, a);
			free(a);
			continue;
		}
		affiliations_marked(x, c, depth + 1);
	}
}

static void walk(struct hx *x, xmlNode *n, int depth);

static void
section(struct hx *x, xmlNode *n, enum pb_ft_kind forced, int depth)
{
	xmlNode *h = heading_of(n);
	char *title = h ? node_text(x, h, 1, FT_MAX_TITLE + 64) : NULL;
	enum pb_ft_kind k = forced != PB_FT_OTHER ? forced : ft_heading_kind(title);

	flush(x);
	if (title && (strcasecmp(title, "References") == 0 ||
		      strcasecmp(title, "Bibliography") == 0)) {
		free(title);
		return;
	}
	ftb_section(x->b, k, title && *title ? title : NULL);
	free(title);
	for (xmlNode *c = n->children; c; c = c->next)
		if (c != h)
			walk(x, c, depth + 1);
	flush(x);
}

static void
walk(struct hx *x, xmlNode *n, int depth)
{
	if (++x->nodes > HTML_MAX_NODES || depth > HTML_MAX_DEPTH)
		return;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content)
			ft_put_text(&x->para, (const char *)n->content,
				    strlen((const char *)n->content), &x->space);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (has_class(n, "ltx_ERROR")) {
		char *t = node_text(x, n, 0, 400);

		/* skipped() drops it below; this one says the conversion failed. */
		if (strstr(t, "Conversion to HTML had a Fatal error"))
			x->fatal = 1;
		free(t);
	}
	if (skipped(n))
		return;
	if (has_class(n, "ltx_note")) {
		/* Footnotes: not text, but where code links often are (text_of lists them). */
		struct pb_buf junk = { 0 };
		int sp = 1;

		text_of(x, n, &junk, &sp, depth, 0, 4096);
		pb_buf_free(&junk);
		return;
	}
	if (has_class(n, "ltx_authors")) {
		int found = 0;

		affiliations(x, n, 0, &found);
		if (!found)
			affiliations_marked(x, n, 0);
		return;
	}
	if (has_class(n, "ltx_abstract")) {
		flush(x);
		ftb_section(x->b, PB_FT_ABSTRACT, "Abstract");
		for (xmlNode *c = n->children; c; c = c->next)
			if (!(c->type == XML_ELEMENT_NODE && has_class(c, "ltx_title")))
				walk(x, c, depth + 1);
		flush(x);
		return;
	}
	if (has_class(n, "ltx_section") || has_class(n, "ltx_appendix") ||
	    has_class(n, "ltx_chapter")) {
		section(x, n, has_class(n, "ltx_appendix") ? PB_FT_APPENDIX : PB_FT_OTHER, depth);
		return;
	}
	if (is(n, "figure")) {
		flush(x);
		if (has_class(n, "ltx_table"))
			table(x, n);
		else if (has_class(n, "ltx_figure"))
			figure(x, n);
		else if (!has_class(n, "ltx_float"))
			figure(x, n);
		return;
	}
	if (is(n, "table") && has_class(n, "ltx_tabular")) {
		flush(x);
		table(x, n);
		return;
	}
	if (is(n, "math")) {
		xmlChar *alt = xmlGetProp(n, (const xmlChar *)"alttext");

		if (alt) {
			ft_put_text(&x->para, " ", 1, &x->space);
			ft_put_text(&x->para, (const char *)alt, strlen((const char *)alt),
				    &x->space);
			ft_put_text(&x->para, " ", 1, &x->space);
		}
		xmlFree(alt);
		return;
	}
	/* Headings below the section's (subsections, run-in paragraph titles) are not
	 * sentences: left out, as the section's own heading is its title. */
	if (n->name[0] == 'h' && n->name[1] >= '2' && n->name[1] <= '6' && !n->name[2] &&
	    has_class(n, "ltx_title"))
		return;
	if (is(n, "a"))
		link_of(x, n);
	if (is(n, "td") || is(n, "th"))
		ft_put_text(&x->para, " ", 1, &x->space);
	if (block(n))
		flush(x);
	for (xmlNode *c = n->children; c; c = c->next)
		walk(x, c, depth + 1);
	if (block(n))
		flush(x);
}

/* The element with class cls, breadth-limited search through the first levels. */
static xmlNode *
find_class(xmlNode *n, const char *cls, int depth)
{
	for (xmlNode *c = n; c && depth < 12; c = c->next) {
		xmlNode *r;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (has_class(c, cls))
			return c;
		if (c->children && (r = find_class(c->children, cls, depth + 1)))
			return r;
	}
	return NULL;
}

static int
contains(const char *s, size_t len, const char *what)
{
	size_t n = strlen(what);

	for (size_t i = 0; i + n <= len; i++)
		if (s[i] == what[0] && memcmp(s + i, what, n) == 0)
			return 1;
	return 0;
}

int
pb_fulltext_from_html(const char *html, size_t len, const char *base,
		      struct pb_fulltext *out, char *why, size_t whylen)
{
	htmlParserCtxtPtr ctxt = NULL;
	htmlDocPtr doc = NULL;
	xmlNode *root, *top, *bh;
	struct pb_buf refs = { 0 };   /* the page with HTML5's references made numeric */
	const char *page = html;
	size_t page_len = len;
	struct ftb b;
	struct hx x;
	int rc = -1, latexml;
	size_t kept, head;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	ftb_init(&b, out);
	x.b = &b;
	x.space = 1;
	if (why && whylen)
		why[0] = '\0';
	head = len < 1024 ? len : 1024;
	if (len == 0 || len > HTML_MAX_INPUT) {
		snprintf(why, whylen, len ? "HTML larger than %u bytes" : "empty page",
			 HTML_MAX_INPUT);
		goto out;
	}
	if (head >= 5 && memcmp(html, "%PDF-", 5) == 0) {
		snprintf(why, whylen, "not HTML: a PDF");
		goto out;
	}
	if (!contains(html, head, "<")) {
		snprintf(why, whylen, "not HTML: no markup in its first %zu bytes", head);
		goto out;
	}
	xmlInitParser();
	ctxt = htmlNewParserCtxt();
	if (!ctxt) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	/* libxml2 knows HTML 4's named references only: an HTML5 one, as the authors of a paper
	 * submitted as HTML write ("Mari&cacute;"), is handed to it as the numeric reference it
	 * decodes. At most three times the page, well within an int. */
	if (pb_html_refs_rewrite(html, len, &refs)) {
		page = refs.data;
		page_len = refs.len;
	}
	doc = htmlCtxtReadMemory(ctxt, page, (int)page_len, base, "UTF-8",
				 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
					 HTML_PARSE_NOBLANKS | HTML_PARSE_COMPACT);
	pb_buf_free(&refs);
	if (ctxt->errNo == XML_ERR_NO_MEMORY) {
		/* libxml2 gives back the tree it had: the page's start, not the paper */
		snprintf(why, whylen, "too large to read: its tree outgrew the memory (%zu bytes "
			 "of HTML)", len);
		goto out;
	}
	if (!doc || !(root = xmlDocGetRootElement(doc))) {
		snprintf(why, whylen, "not HTML: the parser found no document");
		goto out;
	}
	if (base)
		x.base = xmlStrdup((const xmlChar *)base);
	/* <base href="/html/2501.11120v1/"> as arXiv writes it. */
	bh = find(root, "head", 0);
	bh = bh ? find(bh, "base", 0) : NULL;
	if (bh) {
		xmlChar *href = xmlGetProp(bh, (const xmlChar *)"href");
		xmlChar *u = href ? (x.base ? xmlBuildURI(href, x.base) : xmlStrdup(href)) : NULL;

		if (u) {
			xmlFree(x.base);
			x.base = u;
		}
		xmlFree(href);
	}
	top = find_class(root, "ltx_document", 0);
	latexml = top != NULL;
	if (!top)
		top = find(root, "body", 0);
	if (!top)
		top = root;
	/* Text before the first heading goes into an unnamed section (kind other). */
	walk(&x, top, 0);
	flush(&x);
	kept = ftb_finish(&b);
	if (x.fatal || contains(html, len < 65536 ? len : 65536,
				"Conversion to HTML had a Fatal error")) {
		snprintf(why, whylen, "arXiv could not convert the paper to HTML");
		goto out;
	}
	if (!latexml && (contains(html, len < 65536 ? len : 65536, "No HTML for") ||
			 contains(html, len < 65536 ? len : 65536, "HTML is not available"))) {
		snprintf(why, whylen, "arXiv has no HTML for the paper");
		goto out;
	}
	if (kept < 600) {
		for (size_t i = 0; i < out->n_sections; i++)
			if (out->sections[i].text && (strstr(out->sections[i].text, "withdrawn") ||
						      strstr(out->sections[i].text, "Withdrawn"))) {
				snprintf(why, whylen, "withdrawn");
				goto out;
			}
	}
	if (kept == 0) {
		snprintf(why, whylen, "no text");
		goto out;
	}
	out->source = pb_xstrdup("html");
	out->reader = FT_READER_HTML;
	if (b.text_dropped)
		pb_debug("fulltext.html_cut", "kept=%zu dropped=%zu", kept, b.text_dropped);
	rc = 0;
out:
	if (rc != 0) {
		/* ftb_finish was not reached on the early ways out. */
		if (b.open || b.cur.data)
			ftb_finish(&b);
		pb_fulltext_clear(out);
	}
	pb_buf_free(&x.para);
	xmlFree(x.base);
	xmlFreeDoc(doc);
	if (ctxt)
		htmlFreeParserCtxt(ctxt);
	return rc;
}

/* The page read in a child process (child.c): libxml2's tree of a page takes about 40 times
 * its size (800 MB for 20 MB), which the child's memory cap bounds and its end gives back,
 * and a page that crashes the parser takes the child alone. The child answers with one
 * record: 'J', the full text as the state keeps it (pb_fulltext_to_json), or 'E', why
 * there is none. */
struct html_job {
	const char *html;
	size_t len;
	const char *base;
};

static void
no_message(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void
html_child(void *arg, int fd)
{
	const struct html_job *job = arg;
	struct pb_fulltext ft;
	char why[256];
	char *json;

	/* libxml2 prints running out of memory whatever the parser's options say: the child's
	 * answer says it instead */
	xmlSetGenericErrorFunc(NULL, no_message);
	if (pb_fulltext_from_html(job->html, job->len, job->base, &ft, why, sizeof why) < 0) {
		ft_child_record(fd, 'E', why, strlen(why), NULL, 0);
		return;
	}
	json = pb_fulltext_to_json(&ft);
	if (json)
		ft_child_record(fd, 'J', json, strlen(json), NULL, 0);
	else
		ft_child_record(fd, 'E', "out of memory", 13, NULL, 0);
	free(json);
	pb_fulltext_clear(&ft);
}

int
ft_html_answer(const char *buf, size_t len, struct pb_fulltext *out, char *why,
	       size_t whylen)
{
	const unsigned char *p = (const unsigned char *)buf;
	uint32_t n;

	memset(out, 0, sizeof *out);
	if (len < 5 || (n = ft_get32(p + 1)) != len - 5)
		return -2;
	if (p[0] == 'E') {
		struct pb_buf w = { 0 };

		/* one line of text, as any text this process did not write */
		pb_text_clean(&w, buf + 5, n, PB_CLEAN_ONE_LINE);
		snprintf(why, whylen, "%s", pb_buf_str(&w));
		pb_buf_free(&w);
		return -1;
	}
	if (p[0] != 'J' || pb_fulltext_from_json(buf + 5, n, out) < 0 || !out->source) {
		pb_fulltext_clear(out);
		return -2;
	}
	return 0;
}

int
ft_html_isolated(const char *html, size_t len, const char *base, int64_t deadline,
		 struct pb_fulltext *out, char *why, size_t whylen)
{
	struct html_job job = { html, len, base };
	struct pb_buf said = { 0 };
	struct ft_child how;
	char what[160];
	int rc;

	memset(out, 0, sizeof *out);
	if (ft_child_run(html_child, &job, deadline, HTML_MAX_INPUT + 64u * 1024u, &said, &how,
			 what, sizeof what) < 0) {
		snprintf(why, whylen, "cannot read HTML: %s", what);
		return -2;
	}
	/* a whole answer counts, whatever happened after it */
	rc = ft_html_answer(said.data ? said.data : "", said.len, out, why, whylen);
	pb_buf_free(&said);
	if (rc == 0 || rc == -1)
		return rc;
	if (how.end == FT_CHILD_LATE) {
		snprintf(why, whylen, "the full-text deadline came while reading it");
		return -3;
	}
	if (how.end == FT_CHILD_ENDED && how.status == 0) {
		snprintf(why, whylen, "the HTML reader's answer was garbled");
		return -1;
	}
	ft_child_said(&how, what, sizeof what);
	snprintf(why, whylen, "the HTML reader %s (memory at most %ld MB)", what,
		 FT_CHILD_MEMORY >> 20);
	return -1;
}
