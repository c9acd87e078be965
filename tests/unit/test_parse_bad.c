/* Feed parsing of hostile and broken input: HTML pages, non-XML, DTD tricks, invalid UTF-8,
 * truncation at many points, absurd sizes; whitespace normalisation against a reference;
 * feeding a body in pieces. */
#include "parse_common.h"

static void
expect_bad(const char *what, const char *xml, size_t len, const char *msg_part)
{
	struct pb_paperset s;
	struct pb_parse_result res;

	pb_paperset_init(&s);
	T_EQ_INT(parse_str(xml, len, &s, &res), PB_PARSE_BAD);
	T_EQ_INT(s.n, 0);
	if (msg_part && !strstr(res.message, msg_part)) {
		fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", what, res.message, msg_part);
		T_CHECK(!"message");
	}
	pb_paperset_free(&s);
}

static void
test_bad_inputs(void)
{
	static const char xxe[] =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<rss version=\"2.0\"><channel><title>&x;</title></channel></rss>";
	static const char laughs[] =
		"<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;"
		"&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
		"<rss version=\"2.0\"><channel><title>&d;&d;&d;&d;</title></channel></rss>";
	static const char html[] =
		"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>"
		"<body><h1>Service Unavailable</h1><br></body></html>";
	static const char xhtml[] =
		"<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>";
	static const char xhtml_dt[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC "
		"\"-//W3C//DTD XHTML 1.0 Strict//EN\" "
		"\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\"><html><body/></html>";
	static const char other[] = "<?xml version=\"1.0\"?><foo/>";
	static const char two_roots[] = RSS_HEAD RSS_TAIL "<rss/>";
	struct pb_paperset s;
	struct pb_parse_result res;

	expect_bad("html", html, sizeof html - 1, "HTML");
	expect_bad("html-leading-space", "\n  <HTML><body>x", 16, "HTML");
	expect_bad("xhtml", xhtml, sizeof xhtml - 1, "HTML");
	expect_bad("other root", other, sizeof other - 1, "foo");
	expect_bad("empty", "", 0, "empty");
	expect_bad("null", NULL, 0, "empty");
	expect_bad("text", "Service temporarily unavailable", 31, "synthetic: ");
	expect_bad("json", "{\"error\": \"rate limited\"}", 25, NULL);
	expect_bad("xxe", xxe, sizeof xxe - 1, "DOCTYPE");
	expect_bad("laughs", laughs, sizeof laughs - 1, "DOCTYPE");
	expect_bad("xhtml doctype", xhtml_dt, sizeof xhtml_dt - 1, "HTML");
	expect_bad("two roots", two_roots, sizeof two_roots - 1, NULL);

	/* A failed parse leaves a set that already holds papers untouched. */
	parse_file("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml", &s, &res);
	T_EQ_INT(parse_str(html, sizeof html - 1, &s, &res), PB_PARSE_BAD);
	T_EQ_INT(s.n, 4);
	T_EQ_STR(s.announce_date, "2026-09-24");
	pb_paperset_free(&s);
}

/* Cut the big feed at 1 MB: items were read, but the feed is BAD and nothing is added. */
static void
test_truncated_and_corrupt(void)
{
	struct pb_buf b, m;
	struct pb_paperset s;
	struct pb_parse_result res;
	const char *at;
	size_t off;

	if (slurp(t_fixture("rss2-all-archives-2024-11-28-1504items.xml"), &b) < 0)
		return;
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(b.data, 1000000, &s, &res), PB_PARSE_BAD);
	T_CHECK(res.n_items > 100);
	T_EQ_INT(s.n, 0);
	T_EQ_INT(res.n_added, 0);
	T_CHECK(strstr(res.message, "truncated") != NULL);
	/* Cut right after an item's end tag: still BAD. */
	at = strstr(b.data + 500000, "</item>");
	T_EQ_INT(parse_str(b.data, (size_t)(at - b.data) + 7, &s, &res), PB_PARSE_BAD);
	T_EQ_INT(s.n, 0);
	/* Invalid UTF-8 inside a title: that character is replaced, nothing else is lost
	 * (test_parse_repair checks the details). */
	pb_buf_init(&m);
	at = strstr(b.data + 2000, "<title>") + 7;
	off = (size_t)(at - b.data);
	pb_buf_append(&m, b.data, off);
	pb_buf_append(&m, "\xff\xfe\xc3", 3);
	pb_buf_append(&m, b.data + off, b.len - off);
	T_EQ_INT(parse_str(m.data, m.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(s.n, 1504);
	T_EQ_INT(res.n_repaired, 1);
	pb_paperset_free(&s);
	/* An overlong UTF-8 encoding and a lone continuation byte. */
	pb_buf_reset(&m);
	pb_buf_append(&m, b.data, off);
	pb_buf_append(&m, "\xc0\xaf \x80", 4);
	pb_buf_append(&m, b.data + off, b.len - off);
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(m.data, m.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_repaired, 1);
	pb_paperset_free(&s);
	pb_paperset_init(&s);

	/* A 1 MB title in the 4th item: that record is skipped with a warning, the rest kept. */
	pb_buf_reset(&m);
	at = b.data;
	{
		int k;
		for (k = 0; k < 4; k++)
			at = strstr(at, "<item>") + 6;
	}
	at = strstr(at, "<title>") + 7;
	off = (size_t)(at - b.data);
	pb_buf_append(&m, b.data, off);
	{
		size_t k;
		for (k = 0; k < 1024 * 1024 / 16; k++)
			pb_buf_append(&m, "Deep Learning X ", 16);
	}
	pb_buf_append(&m, b.data + off, b.len - off);
	T_EQ_INT(parse_str(m.data, m.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_items, 1504);
	T_EQ_INT(res.n_skipped, 1);
	T_EQ_INT(s.n, 1503);
	T_EQ_INT(pb_paperset_find(&s, "2411.17703"), -1);
	T_CHECK(pb_paperset_find(&s, "2411.17704") >= 0);
	pb_paperset_free(&s);
	pb_buf_free(&m);
	pb_buf_free(&b);
}

/* Absurd sizes: a 70 KB abstract skips its record; 5001 dc:creator or Atom authors keep
 * theirs with the first 5000 (test_parse_authors has the rest). */
static void
test_limits(void)
{
	struct pb_buf x;
	struct pb_paperset s;
	struct pb_parse_result res;
	size_t k;

	pb_buf_init(&x);
	pb_buf_puts(&x, RSS_HEAD "<item><guid>oai:arXiv.org:2512.00010v1</guid><description>");
	for (k = 0; k < 70 * 1024 / 8; k++)
		pb_buf_puts(&x, "abstract");
	pb_buf_puts(&x, "</description></item><item><guid>oai:arXiv.org:2512.00011v1</guid>"
			"<dc:creator>");
	for (k = 0; k <= 5000; k++)
		pb_buf_printf(&x, "%sAuthor %zu", k ? ", " : "", k);
	pb_buf_puts(&x, "</dc:creator></item><item><guid>oai:arXiv.org:2512.00012v1</guid>"
			"<title>fine</title><dc:creator>A (B)</dc:creator></item>" RSS_TAIL);
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(x.data, x.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_items, 3);
	T_EQ_INT(res.n_skipped, 1);
	T_EQ_INT(s.n, 2);
	T_EQ_INT(pb_paperset_find(&s, "2512.00010"), -1);
	T_CHECK(pb_paperset_find(&s, "2512.00011") == 0);
	if (s.n)
		T_EQ_INT(s.v[0].n_authors, 5000);
	T_CHECK(pb_paperset_find(&s, "2512.00012") == 1);
	pb_paperset_free(&s);

	pb_buf_reset(&x);
	pb_buf_puts(&x, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
			"<id>http://arxiv.org/abs/2512.00013v1</id>");
	for (k = 0; k <= 5000; k++)
		pb_buf_puts(&x, "<author><name>N</name></author>");
	pb_buf_puts(&x, "</entry><entry><id>http://arxiv.org/abs/2512.00014v1</id></entry></feed>");
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(x.data, x.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_skipped, 0);
	T_EQ_INT(s.n, 2);
	if (s.n)
		T_EQ_INT(pb_paper_n_authors(&s.v[0]), 5001);
	T_CHECK(pb_paperset_find(&s, "2512.00014") == 1);
	pb_paperset_free(&s);

	/* 5000 authors exactly is allowed. */
	pb_buf_reset(&x);
	pb_buf_puts(&x, RSS_HEAD "<item><guid>oai:arXiv.org:2512.00015v1</guid><dc:creator>");
	for (k = 0; k < 5000; k++)
		pb_buf_printf(&x, "%sAuthor %zu (Lab)", k ? ", " : "", k);
	pb_buf_puts(&x, "</dc:creator></item>" RSS_TAIL);
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(x.data, x.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(s.n, 1);
	if (s.n)
		T_EQ_INT(s.v[0].n_authors, 5000);
	pb_paperset_free(&s);
	pb_buf_free(&x);
}

static char *
dump(const struct pb_paperset *s)
{
	struct pb_buf b;
	size_t i;

	pb_buf_init(&b);
	for (i = 0; i < s->n; i++) {
		char *j = pb_paper_to_json(&s->v[i]);
		pb_buf_puts(&b, j);
		pb_buf_putc(&b, '\n');
		free(j);
	}
	return pb_buf_detach(&b);
}

/* Feeding in pieces (as an HTTP transfer does) gives exactly what one call gives, and every
 * cut of a small fixture before its last end tag is BAD. */
static void
test_pieces_and_cuts(void)
{
	static const size_t pieces[] = { 1, 3, 511, 512, 513, 4093 };
	size_t f, k, cut;

	for (f = 0; f < N_FIXTURES; f++) {
		struct pb_buf b;
		struct pb_paperset s;
		struct pb_parse_result res;
		char *want;
		size_t last_gt;
		int all_bad = 1;

		if (slurp(t_fixture(fixtures[f].file), &b) < 0)
			continue;
		pb_paperset_init(&s);
		pb_parse_feed(b.data, b.len, "whole", &s, &res);
		want = dump(&s);
		pb_paperset_free(&s);
		for (k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
			struct pb_parser *ps;
			size_t off, n = pieces[k];
			char *got;
			if ((b.len > 100000 && n < 512) || (b.len > 10000 && n == 1))
				continue;
			ps = pb_parser_new("pieces");
			for (off = 0; off < b.len; off += n)
				pb_parser_feed(ps, b.data + off, b.len - off < n ? b.len - off : n);
			pb_paperset_init(&s);
			T_EQ_INT(pb_parser_finish(ps, &s, &res), fixtures[f].status);
			pb_parser_free(ps);
			got = dump(&s);
			if (strcmp(got, want) != 0)
				fprintf(stderr, "%s: pieces of %zu differ\n", fixtures[f].file, n);
			T_CHECK(strcmp(got, want) == 0);
			free(got);
			pb_paperset_free(&s);
		}
		free(want);

		last_gt = b.len;
		while (last_gt > 0 && b.data[last_gt - 1] != '>')
			last_gt--;
		/* Every cut in the first KB, every 7th up to 4 KB, then 100 across the file. */
		for (cut = 0; cut + 1 < last_gt;
		     cut += cut < 1024 ? 1 : cut < 4096 ? 7 : last_gt / 100 + 1) {
			pb_paperset_init(&s);
			if (parse_str(b.data, cut, &s, &res) != PB_PARSE_BAD || s.n) {
				if (all_bad)
					fprintf(stderr, "%s cut at %zu: status %d, not BAD\n",
						fixtures[f].file, cut, res.status);
				all_bad = 0;
			}
			pb_paperset_free(&s);
		}
		T_CHECK(all_bad);
		pb_buf_free(&b);
	}
}

/* The reference: what "whitespace normalised" means, one byte at a time. */
static void
norm_ref(const char *s, struct pb_buf *out)
{
	int pending = 0;

	pb_buf_reset(out);
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			pending = out->len > 0;
			continue;
		}
		if (pending)
			pb_buf_putc(out, ' ');
		pending = 0;
		pb_buf_putc(out, *s);
	}
}

/* Titles of random words and whitespace runs, at every alignment the 8-byte scan meets. */
static void
test_whitespace(void)
{
	static const char *const bits[] = {
		" ", "  ", "\n", " \n  ", "\t", "\r\n", "a", "bc", "word", "$\\alpha$",
		"caf\xc3\xa9", "&amp;", "x y", "12345678", "&#10;",
	};
	struct pb_buf xml, title, want;
	unsigned seed = 12345;
	int round, bad = 0;

	pb_buf_init(&xml);
	pb_buf_init(&title);
	pb_buf_init(&want);
	for (round = 0; round < 3000; round++) {
		struct pb_paperset s;
		struct pb_parse_result res;
		int k, n = 1 + round % 40;
		char *dec;

		pb_buf_reset(&title);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			pb_buf_puts(&title, bits[(seed >> 16) % (sizeof bits / sizeof bits[0])]);
		}
		pb_buf_reset(&xml);
		pb_buf_printf(&xml, RSS_HEAD "<item><guid>oai:arXiv.org:2512.00001v1</guid>"
				    "<title>%s</title></item>" RSS_TAIL, title.data);
		/* The expected text: entities decoded as libxml2 does, then normalised. */
		dec = pb_xstrdup(title.data);
		{
			char *r = dec, *w = dec;
			while (*r) {
				if (strncmp(r, "&amp;", 5) == 0) {
					*w++ = '&';
					r += 5;
				} else if (strncmp(r, "&#10;", 5) == 0) {
					*w++ = '\n';
					r += 5;
				} else {
					*w++ = *r++;
				}
			}
			*w = '\0';
		}
		norm_ref(dec, &want);
		free(dec);
		pb_paperset_init(&s);
		parse_str(xml.data, xml.len, &s, &res);
		if (s.n != 1 || !(want.len ? s.v[0].title && strcmp(s.v[0].title, want.data) == 0
					   : s.v[0].title == NULL)) {
			if (!bad)
				fprintf(stderr, "normalised \"%s\" to \"%s\", want \"%s\"\n",
					title.data, s.n ? s.v[0].title : "(none)",
					want.data ? want.data : "");
			bad++;
		}
		pb_paperset_free(&s);
	}
	T_EQ_INT(bad, 0);
	pb_buf_free(&xml);
	pb_buf_free(&title);
	pb_buf_free(&want);
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_bad_inputs();
	test_truncated_and_corrupt();
	test_limits();
	test_whitespace();
	test_pieces_and_cuts();
	return t_done("test_parse_bad");
}
