/* HTML5's named character references for libxml2's HTML parser (html_refs.h): the rewrite
 * into numeric references by HTML5's rules, byte for byte where nothing is to change, and
 * every name of the generated table decoded by the parser as a browser decodes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <utf8proc.h>

#include "paperboy/html_refs.h"
#include "t.h"

#include "../../src/html_entities.h"

static void
check(const char *in, const char *want, int line)
{
	struct pb_buf b = { 0 };
	int r = pb_html_refs_rewrite(in, strlen(in), &b);

	t_checked++;
	if (r != (want != NULL) || strcmp(r ? pb_buf_str(&b) : "", want ? want : "") != 0) {
		t_failed++;
		fprintf(stderr, "test_html_refs.c:%d: \"%s\"\n  got  %d \"%s\"\n  want %s%s%s\n",
			line, in, r, pb_buf_str(&b), want ? "\"" : "unchanged", want ? want : "",
			want ? "\"" : "");
	}
	pb_buf_free(&b);
}

/* want NULL: nothing to rewrite, the page is read as it came. */
#define CHECK(in, want) check(in, want, __LINE__)

static void
test_rewrite(void)
{
	/* The names of arXiv:2401.10725v1, which libxml2 leaves as text. */
	CHECK("Filip Mari&cacute; (University of Belgrade)",
	      "Filip Mari&#263; (University of Belgrade)");
	CHECK("&Ccaron;esk&eacute; Bud&ecaron;jovice", "&#268;esk&eacute; Bud&#283;jovice");
	/* Two code points. */
	CHECK("a &NotEqualTilde; b", "a &#8770;&#824; b");
	CHECK("&nvlt;&bne;", "&#60;&#8402;&#61;&#8421;");
	/* Legacy names without ';' in text, as HTML5 reads them; the others are no references. */
	CHECK("&copy 2024", "&#169; 2024");
	CHECK("&copy2024 &lt &AMP", "&#169;2024 &#60; &#38;");
	CHECK("&cacute x", NULL);
	CHECK("&notit; &notin;", "&#172;it; &notin;");
	/* The longest name the input starts with. */
	CHECK("&ampersand", "&#38;ersand");
	/* HTML 4's with ';' are libxml2's own, left as they are; lang and rang changed. */
	CHECK("&eacute; &lt;&gt;&amp;&nbsp;&hellip;", NULL);
	CHECK("&lang;x&rang;", "&#10216;x&#10217;");
	/* An escaped ampersand stays one: the text is "&cacute;". */
	CHECK("&amp;cacute; &amp;copy", NULL);
	CHECK("&amp;&cacute;", "&amp;&#263;");
	/* At the end of the input, and cut short. */
	CHECK("Mari&cacute;", "Mari&#263;");
	CHECK("(c) &copy", "(c) &#169;");
	CHECK("Mari&cacute", NULL);
	CHECK("Mari&cac", NULL);
	CHECK("a &", NULL);
	CHECK("&", NULL);
	CHECK("", NULL);
	/* Unknown names, numbers, a lone ampersand. */
	CHECK("&foo; &bogus &#263; &#x107; & x &;", NULL);
	CHECK("&CounterClockwiseContourIntegral; &CounterClockwiseContourIntegralX;",
	      "&#8755; &CounterClockwiseContourIntegralX;");
	CHECK("&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; &cacute;",
	      "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; &#263;");
	/* Attribute values, quoted either way or not at all; in them a legacy name without ';'
	 * before a letter, a digit or '=' is no reference (a URL's query). */
	CHECK("<img alt=\"Bud&ecaron;jovice\" title='&Ccaron;R'>",
	      "<img alt=\"Bud&#283;jovice\" title='&#268;R'>");
	CHECK("<td title=Mari&cacute; class=x>", "<td title=Mari&#263; class=x>");
	CHECK("<a href=\"?a=1&copy=2&not1&notx&amp;b\">", NULL);
	CHECK("<a title=\"&copy 2024\" href='&copy'>", "<a title=\"&#169; 2024\" href='&#169;'>");
	CHECK("<a title=\"&notit;\">", NULL);
	/* Tags' and attributes' names are no text. */
	CHECK("<p&cacute; a&cacute;=\"&cacute;\">", "<p&cacute; a&cacute;=\"&#263;\">");
	/* Comments, declarations, script and style are not rewritten, script and style up to
	 * the first "</" and a letter, where the parser may end them. */
	CHECK("<!-- &cacute; --> <!DOCTYPE x &cacute;> <?x &cacute;?> </p &cacute;>", NULL);
	CHECK("<script>s = '&cacute;'</script><STYLE>p::after{content:'&cacute;'}</STYLE>", NULL);
	CHECK("<script type=\"&cacute;\">'&cacute;'</b>&cacute;</script>&cacute;",
	      "<script type=\"&#263;\">'&cacute;'</b>&#263;</script>&#263;");
	CHECK("<!-- &cacute;", NULL);
	CHECK("<script>&cacute;", NULL);
	CHECK("<scripts>&cacute;", "<scripts>&#263;");
	/* A '<' that starts no tag is text. */
	CHECK("a < b &cacute; <3", "a < b &#263; <3");
	CHECK("<a title=\"&cacute;", "<a title=\"&#263;");
}

static void
test_lookup(void)
{
	unsigned cp[2];

	T_EQ_INT(pb_html_entity("cacute;", 7, cp), 1);
	T_EQ_INT(cp[0], 0x107);
	T_EQ_INT(pb_html_entity("cacute", 6, cp), 0);
	T_EQ_INT(pb_html_entity("copy", 4, cp), 1);
	T_EQ_INT(cp[0], 0xA9);
	T_EQ_INT(pb_html_entity("NotEqualTilde;", 14, cp), 2);
	T_CHECK(cp[0] == 0x2242 && cp[1] == 0x338);
	T_EQ_INT(pb_html_entity("AElig", 5, cp), 1);
	T_EQ_INT(pb_html_entity("zwnj;", 5, cp), 1);
	T_EQ_INT(cp[0], 0x200C);
	T_EQ_INT(pb_html_entity("zwnj", 4, cp), 0);
	T_EQ_INT(pb_html_entity("", 0, cp), 0);
	T_EQ_INT(pb_html_entity("Cacute;", 7, cp), 1);
	T_EQ_INT(cp[0], 0x106);
}

/* The text libxml2's HTML parser makes of page's <body>, after the rewrite; owned. */
static char *
parsed(const char *page, const char *attr)
{
	struct pb_buf b = { 0 };
	const char *p = page;
	size_t n = strlen(page);
	htmlDocPtr doc;
	xmlNodePtr body;
	xmlChar *t = NULL;
	char *s;

	if (pb_html_refs_rewrite(page, n, &b)) {
		p = b.data;
		n = b.len;
	}
	doc = htmlReadMemory(p, (int)n, NULL, "UTF-8", HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
						   HTML_PARSE_NONET);
	body = doc ? xmlDocGetRootElement(doc) : NULL;
	body = body ? body->children : NULL;
	while (body && !xmlStrEqual(body->name, BAD_CAST "body"))
		body = body->next;
	if (body && attr)
		t = body->children ? xmlGetProp(body->children, BAD_CAST attr) : NULL;
	else if (body)
		t = xmlNodeGetContent(body);
	s = pb_xstrdup(t ? (const char *)t : "(none)");
	xmlFree(t);
	xmlFreeDoc(doc);
	pb_buf_free(&b);
	return s;
}

static void
utf8(struct pb_buf *b, unsigned cp)
{
	utf8proc_uint8_t e[4];
	utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, e);

	pb_buf_append(b, e, (size_t)n);
}

/* Every name of the table, in text and in an attribute, comes out of libxml2 as its
 * characters; the table is sorted for the binary search and finds each of its names. */
static void
test_every_name(void)
{
	size_t n = sizeof html_entities / sizeof html_entities[0], bad = 0, legacy = 0;

	T_EQ_INT(n, 2231);
	for (size_t i = 0; i < n; i++) {
		const struct html_entity *e = &html_entities[i];
		struct pb_buf in = { 0 }, want = { 0 };
		unsigned cp[2] = { 0, 0 };
		char *text, *attr;
		int m = pb_html_entity(e->name, strlen(e->name), cp);

		if (i > 0 && strcmp(html_entities[i - 1].name, e->name) >= 0)
			bad++;
		if (m != (e->cp[1] ? 2 : 1) || cp[0] != e->cp[0] || cp[1] != e->cp[1])
			bad++;
		legacy += e->name[strlen(e->name) - 1] != ';';
		pb_buf_printf(&in, "<p title=\"[&%s]\">[&%s]</p>", e->name, e->name);
		pb_buf_putc(&want, '[');
		utf8(&want, e->cp[0]);
		if (e->cp[1])
			utf8(&want, e->cp[1]);
		pb_buf_putc(&want, ']');
		text = parsed(in.data, NULL);
		attr = parsed(in.data, "title");
		if (strcmp(text, want.data) != 0 || strcmp(attr, want.data) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "test_html_refs.c: &%s: text \"%s\", attribute \"%s\", "
					"want \"%s\"\n", e->name, text, attr, want.data);
		}
		free(text);
		free(attr);
		pb_buf_free(&in);
		pb_buf_free(&want);
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(legacy, 106);
}

/* What libxml2 itself makes of the rewritten page: the reference decoded where it stood,
 * the rest as it would have been. */
static void
test_parsed(void)
{
	char *s;

	s = parsed("<p>Mari&cacute; &amp;cacute; &copy 2024 &NotEqualTilde;</p>"
		   "<script>x='&cacute;'</script><!-- &cacute; -->", NULL);
	T_EQ_STR(s, "Mari\xc4\x87 &cacute; \xc2\xa9 2024 \xe2\x89\x82\xcc\xb8x='&cacute;'");
	free(s);
	s = parsed("<img alt=\"&Ccaron;esk&eacute; Bud&ecaron;jovice\">", "alt");
	T_EQ_STR(s, "\xc4\x8c" "esk\xc3\xa9 Bud\xc4\x9bjovice");
	free(s);
	s = parsed("<a href=\"x?a=1&copy=2&amp;notin=&notin;\">", "href");
	T_EQ_STR(s, "x?a=1&copy=2&notin=\xe2\x88\x89");
	free(s);
}

int
main(void)
{
	test_rewrite();
	test_lookup();
	test_every_name();
	test_parsed();
	return t_done("test_html_refs");
}
