/* One bad byte must not cost the day: in each kind of arXiv feed, bytes that are not UTF-8, a
 * NUL, control characters and references to characters XML forbids become U+FFFD inside the
 * record that holds them, which is kept (and counted in n_repaired); the other records are
 * exactly as in the clean feed, whole or fed in pieces of any size. A feed that is truncated
 * or not XML still fails. */
#include <unistd.h>

#include "parse_common.h"

#define FFFD "\xef\xbf\xbd"

/* The fixture with inject put right after the start tag of the title of record number nth
 * (1-based, counting the channel's or feed's own title as 0). */
static int
corrupt(const char *file, int nth, const char *inject, size_t n, struct pb_buf *out)
{
	struct pb_buf b;
	const char *at;
	size_t off;
	int k;

	pb_buf_init(out);
	if (slurp(t_fixture(file), &b) < 0)
		return -1;
	at = b.data;
	for (k = 0; k <= nth; k++) {
		at = strstr(at, "<title>");
		if (!at) {
			pb_buf_free(&b);
			return -1;
		}
		at += 7;
	}
	off = (size_t)(at - b.data);
	pb_buf_append(out, b.data, off);
	pb_buf_append(out, inject, n);
	pb_buf_append(out, b.data + off, b.len - off);
	pb_buf_free(&b);
	return 0;
}

/* Parses data in pieces of step bytes (0 = whole). */
static enum pb_parse_status
parse_pieces(const char *data, size_t len, size_t step, struct pb_paperset *s,
	     struct pb_parse_result *res)
{
	struct pb_parser *p;
	enum pb_parse_status st;

	pb_paperset_init(s);
	if (!step)
		return pb_parse_feed(data, len, "corrupt", s, res);
	p = pb_parser_new("corrupt");
	for (size_t at = 0; at < len; at += step)
		pb_parser_feed(p, data + at, len - at < step ? len - at : step);
	st = pb_parser_finish(p, s, res);
	pb_parser_free(p);
	return st;
}

static const struct {
	const char *name;
	const char *bytes;
	size_t n;
	const char *becomes;    /* what the title starts with instead */
} injections[] = {
	{ "0xFF", "\xff", 1, FFFD },
	{ "NUL", "\0", 1, FFFD },
	{ "ESC", "\x1b[0m", 4, FFFD "[0m" },
	{ "cut sequence", "\xc3(", 2, FFFD "(" },
	{ "overlong", "\xc0\xaf", 2, FFFD FFFD },
	{ "surrogate", "\xed\xa0\x80", 3, FFFD FFFD FFFD },
	{ "U+FFFF", "\xef\xbf\xbf", 3, FFFD },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD },
	{ "reference to NUL", "&#0;", 4, FFFD },
	{ "reference to ESC", "&#x1B;", 6, FFFD },
	{ "two at once", "\xff\0\xfe", 3, FFFD FFFD FFFD },
	/* More digits than a code point has: once left to libxml2, which gave up the feed. */
	{ "reference of 12 digits", "&#123456789012;", 15, FFFD },
	{ "reference beyond U+10FFFF", "&#x110000;", 10, FFFD },
	{ "hex reference of 9 digits", "&#x00000FFFE;", 13, FFFD },
};

static const struct {
	const char *file;
	size_t n;
	int nth;                /* the record corrupted */
} feeds[] = {
	{ "rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml", 4, 2 },
	{ "rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml", 3, 3 },   /* the image has one */
	{ "api2026-query-all-testing-start5-max10.xml", 10, 4 },
	{ "atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml", 3, 2 },
	{ "oai-listrecords-arXiv-physics-hep-ex-2017-3records.xml", 3, 2 },
};

static void
test_each_kind(void)
{
	static const size_t steps[] = { 0, 1, 2, 3, 5, 4096 };

	for (size_t f = 0; f < sizeof feeds / sizeof feeds[0]; f++) {
		struct pb_paperset clean;
		struct pb_parse_result res;

		parse_file(feeds[f].file, &clean, &res);
		T_EQ_INT(clean.n, feeds[f].n);
		for (size_t i = 0; i < sizeof injections / sizeof injections[0]; i++) {
			struct pb_buf doc;

			if (corrupt(feeds[f].file, feeds[f].nth, injections[i].bytes, injections[i].n,
				    &doc) < 0) {
				T_CHECK(!"fixture has the title");
				continue;
			}
			for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
				struct pb_paperset s;
				size_t changed = 0;

				if (parse_pieces(doc.data, doc.len, steps[k], &s, &res) != PB_PARSE_OK ||
				    res.n_repaired != 1 || s.n != clean.n)
					fprintf(stderr, "  %s, %s, pieces of %zu: %s\n", feeds[f].file,
						injections[i].name, steps[k], res.message);
				T_EQ_INT(res.status, PB_PARSE_OK);
				T_EQ_INT(res.n_repaired, 1);
				T_EQ_INT(res.n_skipped, 0);
				T_EQ_INT(s.n, clean.n);
				for (size_t j = 0; j < s.n && j < clean.n; j++) {
					const char *a = s.v[j].title, *b = clean.v[j].title;
					size_t nb = strlen(injections[i].becomes);

					T_EQ_STR(s.v[j].id, clean.v[j].id);
					if (a && b && strcmp(a, b) == 0)
						continue;
					changed++;
					/* The repaired title: the replacement, then the old one. */
					T_CHECK(a && b && strncmp(a, injections[i].becomes, nb) == 0);
					if (a && b && strcmp(a + nb, b) != 0 &&
					    !(a[nb] == ' ' && strcmp(a + nb + 1, b) == 0))
						T_EQ_STR(a + nb, b);
				}
				T_EQ_INT(changed, 1);
				pb_paperset_free(&s);
			}
			pb_buf_free(&doc);
		}
		pb_paperset_free(&clean);
	}
}

/* Valid characters cut between pieces are not touched; a repaired feed cut short still
 * fails; a bad byte outside any record costs no record; a document in another declared
 * encoding is left to libxml2. */
static void
test_edges(void)
{
	static const char latin1[] =
		"<?xml version='1.0' encoding='ISO-8859-1'?>\n<rss version=\"2.0\"><channel>"
		"<title>cs updates on arXiv.org</title><item><title>Caf\xe9</title>"
		"<guid>oai:arXiv.org:2409.00001v1</guid></item></channel></rss>";
	struct pb_buf doc;
	struct pb_paperset s, clean;
	struct pb_parse_result res;
	const char *file = "api2026-query-all-testing-100.xml";

	/* The API fixture has UTF-8 beyond ASCII ($ω$ in a title, names with accents). */
	parse_file(file, &clean, &res);
	if (slurp(t_fixture(file), &doc) == 0) {
		for (size_t step = 1; step <= 4; step++) {
			T_EQ_INT(parse_pieces(doc.data, doc.len, step, &s, &res), PB_PARSE_OK);
			T_EQ_INT(res.n_repaired, 0);
			T_EQ_INT(s.n, clean.n);
			for (size_t j = 0; j < s.n && j < clean.n; j++) {
				T_EQ_STR(s.v[j].title, clean.v[j].title);
				T_EQ_STR(s.v[j].abstract, clean.v[j].abstract);
			}
			pb_paperset_free(&s);
		}
		/* Cut in half: not well-formed, fails as before. */
		T_EQ_INT(parse_pieces(doc.data, doc.len / 2, 0, &s, &res), PB_PARSE_BAD);
		T_EQ_INT(s.n, 0);
		pb_paperset_free(&s);
	}
	pb_buf_free(&doc);
	pb_paperset_free(&clean);

	/* The feed's own title (outside any record): replaced, every record kept. */
	if (corrupt("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml", 0, "\xff\0", 2,
		    &doc) == 0) {
		T_EQ_INT(parse_pieces(doc.data, doc.len, 0, &s, &res), PB_PARSE_OK);
		T_EQ_INT(res.n_repaired, 0);
		T_EQ_INT(s.n, 4);
		T_CHECK(s.feed_title && strncmp(s.feed_title, FFFD FFFD "cs.LG", 11) == 0);
		pb_paperset_free(&s);
		/* Repaired, then truncated: still BAD. */
		T_EQ_INT(parse_pieces(doc.data, doc.len - 20, 0, &s, &res), PB_PARSE_BAD);
		pb_paperset_free(&s);
	}
	pb_buf_free(&doc);

	/* A bad byte in a record's id: that record is lost with a warning, the others kept. */
	{
		static const char rss[] = RSS_HEAD
			"<item><title>One</title><guid>oai:arXiv.org:2512.0\xff" "0001v1</guid>"
			"<link>https://arxiv.org/abs/2512.0\xff" "0001</link></item>"
			"<item><title>Two</title><guid>oai:arXiv.org:2512.00002v1</guid></item>"
			RSS_TAIL;

		T_EQ_INT(parse_pieces(rss, sizeof rss - 1, 0, &s, &res), PB_PARSE_OK);
		T_EQ_INT(res.n_items, 2);
		T_EQ_INT(res.n_skipped, 1);
		T_EQ_INT(s.n, 1);
		T_CHECK(pb_paperset_find(&s, "2512.00002") >= 0);
		pb_paperset_free(&s);
	}

	/* Not well-formed before a bad byte, with much after it: BAD, and the rest is dropped
	 * (it once overflowed the buffer that holds a cut character). */
	{
		char junk[400];
		struct pb_buf b2;

		pb_buf_init(&b2);
		pb_buf_puts(&b2, "<?xml version='1.0'?><rss version=\"2.0\"><channel><title>x</titel>");
		pb_buf_append(&b2, "\xff", 1);
		memset(junk, 'a', sizeof junk);
		pb_buf_append(&b2, junk, sizeof junk);
		pb_buf_append(&b2, "\xff", 1);
		pb_buf_append(&b2, junk, sizeof junk);
		for (size_t step = 0; step <= 700; step += 350) {
			T_EQ_INT(parse_pieces(b2.data, b2.len, step, &s, &res), PB_PARSE_BAD);
			T_CHECK(strstr(res.message, "well-formed") != NULL);
			pb_paperset_free(&s);
		}
		pb_buf_free(&b2);
	}

	/* References with more digits than the carry holds: one U+FFFD whole or in pieces of
	 * any size (the digits past the carry and the ';' are dropped too); the record is kept
	 * and the feed is not lost. One without its ';' is as bad, the text after it stays. */
	{
		static const char rss[] = RSS_HEAD
			"<item><title>&#99999999999999999999999999999;One</title>"
			"<guid>oai:arXiv.org:2512.00001v1</guid></item>"
			"<item><title>Two &#65;&#x00042;</title>"
			"<guid>oai:arXiv.org:2512.00002v1</guid></item>"
			"<item><title>&#x000000000000000000041x Three</title>"
			"<guid>oai:arXiv.org:2512.00003v1</guid></item>"
			RSS_TAIL;

		for (size_t step = 0; step <= 40; step++) {
			T_EQ_INT(parse_pieces(rss, sizeof rss - 1, step, &s, &res), PB_PARSE_OK);
			T_EQ_INT(res.n_repaired, 2);
			T_EQ_INT(s.n, 3);
			if (s.n == 3) {
				T_EQ_STR(s.v[0].title, FFFD "One");
				T_EQ_STR(s.v[1].title, "Two AB");
				T_EQ_STR(s.v[2].title, FFFD "x Three");
			}
			pb_paperset_free(&s);
		}
	}

	/* Declared ISO-8859-1: \xe9 is é, not a bad byte. */
	T_EQ_INT(parse_pieces(latin1, sizeof latin1 - 1, 0, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_repaired, 0);
	if (s.n == 1)
		T_EQ_STR(s.v[0].title, "Caf\xc3\xa9");
	pb_paperset_free(&s);
}

/* The record a repair warning names: the one the bad byte is in, whatever the pieces, even
 * when libxml2 has not yet parsed the bytes before it (a start tag cut by a piece's end, a
 * piece that ends right at the bad byte). Warnings are read from stderr. */
static void
test_warning_names_the_record(void)
{
	static const struct {
		const char *where;
		const char *before, *after;     /* the bad byte goes between */
		const char *id;                 /* the record named, NULL: outside any record */
	} cases[] = {
		{ "start of the title of record 2", "<item><title>", "Two", "2512.00002" },
		{ "right after <item> of record 2", "<item>", "<title>Two", "2512.00002" },
		{ "end of record 1", "2512.00001v1</guid>", "</item>", "2512.00001" },
		{ "between records 1 and 2", "</item>", "<item><title>Two", NULL },
	};
	char pad[3001];

	memset(pad, 'p', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct pb_buf doc = { 0 }, log = { 0 };
		size_t bad_at, steps[16], n_steps = 0;
		const char *one;

		pb_buf_puts(&doc, RSS_HEAD "<item><title>One</title><description>");
		pb_buf_puts(&doc, pad);
		pb_buf_puts(&doc, "</description><guid>oai:arXiv.org:2512.00001v1</guid></item>"
			    "<item><title>Two</title><description>");
		pb_buf_puts(&doc, pad);
		pb_buf_puts(&doc, "</description><guid>oai:arXiv.org:2512.00002v1</guid></item>"
			    "<item><title>Three</title><guid>oai:arXiv.org:2512.00003v1</guid></item>"
			    RSS_TAIL);
		/* the bad byte, after the last "before" that precedes "after" */
		one = strstr(doc.data, cases[k].before);
		while (one && strncmp(one + strlen(cases[k].before), cases[k].after,
				      strlen(cases[k].after)) != 0)
			one = strstr(one + 1, cases[k].before);
		T_CHECK(one != NULL);
		if (!one) {
			pb_buf_free(&doc);
			continue;
		}
		bad_at = (size_t)(one - doc.data) + strlen(cases[k].before);
		{
			struct pb_buf d2 = { 0 };

			pb_buf_append(&d2, doc.data, bad_at);
			pb_buf_putc(&d2, '\xff');
			pb_buf_append(&d2, doc.data + bad_at, doc.len - bad_at);
			pb_buf_free(&doc);
			doc = d2;
		}
		/* whole, small pieces, and pieces that end at, just before and just after the
		 * bad byte and inside the start tag before it */
		steps[n_steps++] = 0;
		steps[n_steps++] = 1;
		steps[n_steps++] = 3;
		steps[n_steps++] = 64;
		steps[n_steps++] = 1000;
		steps[n_steps++] = bad_at;
		steps[n_steps++] = bad_at - 1;
		steps[n_steps++] = bad_at - 3;
		steps[n_steps++] = bad_at + 1;
		steps[n_steps++] = 4096;
		for (size_t j = 0; j < n_steps; j++) {
			struct pb_paperset s;
			struct pb_parse_result res;
			char path[] = "/tmp/pb-test-repair-log-XXXXXX";
			int fd = mkstemp(path), saved = dup(2);

			T_CHECK(fd >= 0 && saved >= 0);
			if (fd < 0 || saved < 0)
				break;
			fflush(stderr);
			dup2(fd, 2);
			pb_log_setup(PB_LOG_WARN, 0);
			T_EQ_INT(parse_pieces(doc.data, doc.len, steps[j], &s, &res), PB_PARSE_OK);
			fflush(stderr);
			dup2(saved, 2);
			close(saved);
			pb_log_setup(PB_LOG_ERROR, 0);
			close(fd);
			pb_buf_free(&log);   /* slurp starts a new buffer */
			slurp(path, &log);
			unlink(path);
			T_EQ_INT(s.n, 3);
			T_EQ_INT(res.n_repaired, cases[k].id ? 1 : 0);
			if (cases[k].id) {
				char want[64];

				snprintf(want, sizeof want, "id=%s ", cases[k].id);
				T_CHECK(strstr(pb_buf_str(&log), want) != NULL);
			} else {
				T_CHECK(strstr(pb_buf_str(&log), "outside any record") != NULL);
			}
			if (strstr(pb_buf_str(&log), "event=parse.repair") &&
			    !(cases[k].id ? strstr(pb_buf_str(&log), cases[k].id) :
					    strstr(pb_buf_str(&log), "outside any record")))
				fprintf(stderr, "  %s, pieces of %zu: %s", cases[k].where, steps[j],
					pb_buf_str(&log));
			pb_paperset_free(&s);
		}
		pb_buf_free(&log);
		pb_buf_free(&doc);
	}
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_each_kind();
	test_edges();
	test_warning_names_the_record();
	return t_done("test_parse_repair");
}
