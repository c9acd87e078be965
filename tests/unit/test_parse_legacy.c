/* Legacy RSS 1.0 (export.arxiv.org/rss, before 2024) details the fixtures do not show: the
 * character references inside its escaped-HTML author lists, cross-lists told by the primary
 * category outside the fetched archive; and what a body that is not XML is reported as. */
#include "paperboy/http.h"
#include "parse_common.h"

#define RSS1_HEAD(archive) \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" " \
	"xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n" \
	"<channel rdf:about=\"http://arxiv.org/\"><title>" archive " updates on arXiv.org</title>" \
	"<dc:date>2023-01-10T20:30:00-05:00</dc:date></channel>\n"
#define RSS1_ITEM(id, suffix, creator) \
	"<item rdf:about=\"http://arxiv.org/abs/" id "\"><title>A title. (arXiv:" id "v2 " \
	suffix ")</title><link>http://arxiv.org/abs/" id "</link>" \
	"<description>&lt;p&gt;Text.&lt;/p&gt;</description>" \
	"<dc:creator>" creator "</dc:creator></item>\n"
#define RSS1_TAIL "</rdf:RDF>\n"
#define LINK(name) "&lt;a href=&quot;http://arxiv.org/find/cs/1/au:+X/0/1/0/all/0/1&quot;&gt;" \
	name "&lt;/a&gt;"

static const struct pb_paper *
parse_one(const char *xml, struct pb_paperset *s, const char *id)
{
	struct pb_parse_result res;

	pb_paperset_init(s);
	T_EQ_INT(parse_str(xml, strlen(xml), s, &res), PB_PARSE_OK);
	if (res.status != PB_PARSE_OK)
		fprintf(stderr, "  message: %s\n", res.message);
	return find(s, id);
}

/* Numeric references (decimal, hex), HTML5's named ones (HTML 4's among them, two code
 * points for some), and what is no character at all. */
static void
test_char_refs(void)
{
	static const char xml[] = RSS1_HEAD("cs")
		RSS1_ITEM("2301.00001", "[cs.NA]",
			  LINK("Oddbj&amp;#xf8;rn Grandmo") ", " LINK("Eric Canc&amp;#xe8;s")
			  " (Universit&amp;#233; d&amp;#x27;Informatique), "
			  LINK("J&amp;uuml;rgen M&amp;Uuml;ller") ", "
			  LINK("Ana &amp;Aacute;lvarez&amp;nbsp;Ruiz") ", "
			  LINK("Bad &amp;#0;Nul &amp;#xD800;Sur &amp;#x110000;Big &amp;#99999999999;X")
			  ", " LINK("Keep &amp;bogus; &amp;#xzz; &amp;amp Plain") ", "
			  LINK("Filip Mari&amp;cacute; &amp;Ccaron;R &amp;NotEqualTilde; "
			       "&amp;cacute &amp;amp;cacute;"))
		RSS1_TAIL;
	struct pb_paperset s;
	const struct pb_paper *p = parse_one(xml, &s, "2301.00001");

	if (p && p->n_authors == 7) {
		T_EQ_STR(p->authors[0].name, "Oddbj\xc3\xb8rn Grandmo");
		T_EQ_STR(p->authors[1].name, "Eric Canc\xc3\xa8s");
		T_EQ_INT(p->authors[1].n_affils, 1);
		if (p->authors[1].n_affils)
			T_EQ_STR(p->authors[1].affils[0], "Universit\xc3\xa9 d'Informatique");
		T_EQ_STR(p->authors[2].name, "J\xc3\xbcrgen M\xc3\x9cller");
		/* &nbsp; is U+00A0, which is not a space to the normaliser: it stays. */
		T_EQ_STR(p->authors[3].name, "Ana \xc3\x81lvarez\xc2\xa0Ruiz");
		T_EQ_STR(p->authors[4].name, "Bad \xef\xbf\xbdNul \xef\xbf\xbdSur \xef\xbf\xbd"
					     "Big \xef\xbf\xbdX");
		/* Not references: left as written. */
		T_EQ_STR(p->authors[5].name, "Keep &bogus; &#xzz; &amp Plain");
		/* HTML5's names, which libxml2's table (HTML 4's) does not have; without ';' none
		 * is decoded, and an escaped ampersand is one. */
		T_EQ_STR(p->authors[6].name, "Filip Mari\xc4\x87 \xc4\x8cR \xe2\x89\x82\xcc\xb8 "
					     "&cacute &cacute;");
	} else {
		T_CHECK(p && p->n_authors == 7);
	}
	pb_paperset_free(&s);
}

/* The bracketed category is the primary; outside the fetched archive the item is a cross-list,
 * and an UPDATED one a replace-cross. An archive covers its subject classes. */
static void
test_cross_lists(void)
{
	static const char xml[] = RSS1_HEAD("cs")
		RSS1_ITEM("2301.00011", "[cs.CV]", "A. Author")
		RSS1_ITEM("2301.00012", "[eess.IV]", "A. Author")
		RSS1_ITEM("2301.00013", "[cs.LG] UPDATED", "A. Author")
		RSS1_ITEM("2301.00014", "[eess.IV] UPDATED", "A. Author")
		RSS1_ITEM("2301.00015", "[cs.CV] CROSS LISTED", "A. Author")
		RSS1_ITEM("2301.00016", "[csx.XX]", "A. Author")
		RSS1_TAIL;
	static const char cat[] = RSS1_HEAD("cs.CV")
		RSS1_ITEM("2301.00021", "[cs.CV]", "A. Author")
		RSS1_ITEM("2301.00022", "[cs.LG]", "A. Author")
		RSS1_TAIL;
	static const struct {
		const char *id;
		enum pb_announce ann;
	} want[] = {
		{ "2301.00011", PB_ANN_NEW }, { "2301.00012", PB_ANN_CROSS },
		{ "2301.00013", PB_ANN_REPLACE }, { "2301.00014", PB_ANN_REPLACE_CROSS },
		{ "2301.00015", PB_ANN_CROSS }, { "2301.00016", PB_ANN_CROSS },
	};
	struct pb_paperset s;
	struct pb_parse_result res;
	const struct pb_paper *p;

	pb_paperset_init(&s);
	T_EQ_INT(parse_str(xml, strlen(xml), &s, &res), PB_PARSE_OK);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (!(p = find(&s, want[i].id)))
			continue;
		if (p->announce != want[i].ann)
			fprintf(stderr, "  %s:\n", want[i].id);
		T_EQ_INT(p->announce, want[i].ann);
	}
	if ((p = find(&s, "2301.00012")))
		T_EQ_STR(p->categories[0], "eess.IV");
	pb_paperset_free(&s);

	/* A feed of one subject class: another class of the same archive is a cross-list. */
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(cat, strlen(cat), &s, &res), PB_PARSE_OK);
	if ((p = find(&s, "2301.00021")))
		T_EQ_INT(p->announce, PB_ANN_NEW);
	if ((p = find(&s, "2301.00022")))
		T_EQ_INT(p->announce, PB_ANN_CROSS);
	pb_paperset_free(&s);
}

/* A rate limiter's plain-text answer is quoted, not reported as libxml2's "Document is
 * empty"; control characters and bad bytes in it are escaped, its length bounded. */
static void
test_not_xml(void)
{
	static const char rate[] = "Rate exceeded.\n";
	static const char nasty[] = "  \r\nBusy\x1b[31m \"now\"\t\xff\n second line\n";
	struct pb_paperset s;
	struct pb_parse_result res;
	struct pb_buf b;
	char longer[600];

	pb_paperset_init(&s);
	T_EQ_INT(pb_parse_feed(rate, strlen(rate), "http://127.0.0.1/rss/cs", &s, &res),
		 PB_PARSE_BAD);
	T_EQ_STR(res.message, "http://127.0.0.1/rss/cs: not XML; the server said \"Rate exceeded.\"");
	T_EQ_INT(s.n, 0);
	T_EQ_INT(pb_parse_feed(nasty, strlen(nasty), "x", &s, &res), PB_PARSE_BAD);
	T_EQ_STR(res.message, "x: not XML; it begins \"Busy\\x1B[31m \\\"now\\\"\\t\\xFF\"");
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	T_EQ_INT(pb_parse_feed(longer, strlen(longer), "x", &s, &res), PB_PARSE_BAD);
	T_CHECK(strlen(res.message) < 200);
	T_CHECK(strstr(res.message, "aaaa\"...") != NULL);
	pb_paperset_free(&s);

	/* UTF-8 text stays readable; a sequence cut by the bound is not split. */
	pb_buf_init(&b);
	pb_http_quote_reply(&b, "Zu viele Anfragen \xe2\x80\x94 sp\xc3\xa4ter", 29, 100);
	T_EQ_STR(pb_buf_str(&b), "\"Zu viele Anfragen \xe2\x80\x94 sp\xc3\xa4ter\"");
	pb_buf_reset(&b);
	pb_http_quote_reply(&b, "ab\xc3\xa4", 4, 3);
	T_EQ_STR(pb_buf_str(&b), "\"ab\"...");
	pb_buf_reset(&b);
	/* C1 controls (U+0085, U+009B) are escaped byte by byte. */
	pb_http_quote_reply(&b, "a\xc2\x85\xc2\x9b", 5, 100);
	T_EQ_STR(pb_buf_str(&b), "\"a\\xC2\\x85\\xC2\\x9B\"");
	pb_buf_free(&b);
}

/* A compressed body (a saved feed kept as .gz, an answer compressed without a Content-Encoding
 * the HTTP client could undo) is named as such, not quoted as binary "not XML". The bytes are
 * `gzip -n9` of a small RSS channel. */
static void
test_compressed(void)
{
	static const unsigned char gz[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xb3, 0x29,
		0x2a, 0x2e, 0x56, 0x28, 0x4b, 0x2d, 0x2a, 0xce, 0xcc, 0xcf, 0xb3, 0x55,
		0x32, 0xd2, 0x33, 0x50, 0xb2, 0xb3, 0x49, 0xce, 0x48, 0xcc, 0xcb, 0x4b,
		0xcd, 0xb1, 0xb3, 0x29, 0xc9, 0x2c, 0xc9, 0x49, 0xb5, 0x4b, 0x2e, 0xd6,
		0x73, 0x0e, 0x53, 0x28, 0x2d, 0x48, 0x49, 0x2c, 0x49, 0x2d, 0x56, 0xc8,
		0xcf, 0x53, 0x48, 0x2c, 0x8a, 0xc8, 0x2c, 0xd3, 0xcb, 0x2f, 0x4a, 0xb7,
		0xd1, 0x87, 0xa8, 0xb0, 0xd1, 0x87, 0x6b, 0xd1, 0x07, 0x9a, 0x67, 0xc7,
		0x05, 0x00, 0xf1, 0x80, 0x2b, 0xd8, 0x56, 0x00, 0x00, 0x00,
	};
	static const char xz[] = "\xFD" "7zXZ\0\0\x04\xE6\xD6\xB4\x46";
	struct pb_paperset s;
	struct pb_parse_result res;
	struct pb_parser *p;

	pb_paperset_init(&s);
	T_EQ_INT(pb_parse_feed((const char *)gz, sizeof gz, "https://rss.arxiv.org/rss/cs.CV", &s,
			       &res), PB_PARSE_BAD);
	T_EQ_STR(res.message, "https://rss.arxiv.org/rss/cs.CV: gzip-compressed data, not a feed "
		 "(the server compressed it without a Content-Encoding that says so)");
	T_EQ_INT(pb_parse_feed((const char *)gz, sizeof gz, "feed.xml.gz", &s, &res), PB_PARSE_BAD);
	T_EQ_STR(res.message, "feed.xml.gz: gzip-compressed data, not a feed: decompress it first "
		 "(gunzip)");
	T_EQ_INT(pb_parse_feed(xz, sizeof xz - 1, "feed.xml.xz", &s, &res), PB_PARSE_BAD);
	T_EQ_STR(res.message, "feed.xml.xz: xz-compressed data, not a feed: decompress it first "
		 "(unxz)");
	/* In pieces of a byte, as a transfer may hand it over. */
	p = pb_parser_new("feed.xml.gz");
	for (size_t i = 0; i < sizeof gz; i++)
		pb_parser_feed(p, (const char *)gz + i, 1);
	T_EQ_INT(pb_parser_finish(p, &s, &res), PB_PARSE_BAD);
	T_CHECK(strstr(res.message, "gzip-compressed data") != NULL);
	pb_parser_free(p);
	T_EQ_INT(s.n, 0);
	pb_paperset_free(&s);
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_char_refs();
	test_cross_lists();
	test_not_xml();
	test_compressed();
	return t_done("test_parse_legacy");
}
