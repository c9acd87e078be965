/* A large collaboration's paper (ATLAS and CMS have signed more than 5,000 names) in every
 * feed kind: the record is kept with its first 5,000 authors and knows how many there are, and
 * so does the digest. A creator field past its byte cap keeps the names that fit. The feeds are
 * generated here; names are "Author N". */
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "parse_common.h"

#define MANY 6000
#define KEPT 5000

enum kind { RSS2, RSS_ATOM, API_ATOM, OAI_ARXIV, OAI_RAW, RSS1 };

static const char *const kind_name[] = { "RSS 2.0", "rss Atom", "API Atom", "OAI arXiv",
					 "OAI arXivRaw", "RSS 1.0" };

/* One name of the creator list: with affil, a long affiliation that makes the field pass its
 * byte cap before the 5,000th name. */
static void
put_name(struct pb_buf *b, enum kind k, size_t i, int affil)
{
	if (k == RSS1)
		pb_buf_printf(b, "&lt;a href=&quot;http://arxiv.org/find/hep-ex/1/au:+A_%zu/0/1/0/"
			      "all/0/1&quot;&gt;Author %zu&lt;/a&gt;", i, i);
	else
		pb_buf_printf(b, "Author %zu", i);
	if (affil) {
		pb_buf_printf(b, " (Laboratory %zu, ", i);
		for (int r = 0; r < 28; r++)
			pb_buf_puts(b, "Physics ");
		pb_buf_puts(b, "Department)");
	}
}

/* The creator list of n names as the kind writes it: ", " between them, arXivRaw's last
 * one after " and ". */
static void
put_creators(struct pb_buf *b, enum kind k, size_t n, int affil)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			pb_buf_puts(b, k == OAI_RAW && i + 1 == n ? " and " : ", ");
		put_name(b, k, i, affil);
	}
}

/* A feed of one paper, 2512.00020, with n authors (affil: see put_name). */
static void
feed(struct pb_buf *b, enum kind k, size_t n, int affil)
{
	pb_buf_reset(b);
	switch (k) {
	case RSS2:
		pb_buf_puts(b, RSS_HEAD "<item><title>Combined measurement</title>"
			       "<guid>oai:arXiv.org:2512.00020v1</guid><description>arXiv:2512.00020v1 "
			       "Announce Type: new Abstract: Fine.</description><dc:creator>");
		put_creators(b, k, n, affil);
		pb_buf_puts(b, "</dc:creator></item>" RSS_TAIL);
		break;
	case RSS_ATOM:
		pb_buf_puts(b, "<?xml version='1.0' encoding='UTF-8'?>\n<feed "
			       "xmlns:arxiv=\"http://arxiv.org/schemas/atom\" "
			       "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
			       "xmlns=\"http://www.w3.org/2005/Atom\"><id>http://rss.arxiv.org/atom/hep-ex"
			       "</id><title>hep-ex updates on arXiv.org</title><entry>"
			       "<id>oai:arXiv.org:2512.00020v1</id><title>Combined measurement</title>"
			       "<summary>arXiv:2512.00020v1 Announce Type: new Abstract: Fine.</summary>"
			       "<category term=\"hep-ex\"/><published>2025-12-04T00:00:00-05:00"
			       "</published><dc:creator>");
		put_creators(b, k, n, affil);
		pb_buf_puts(b, "</dc:creator></entry></feed>");
		break;
	case API_ATOM:
		pb_buf_puts(b, "<?xml version='1.0' encoding='UTF-8'?>\n<feed "
			       "xmlns=\"http://www.w3.org/2005/Atom\" "
			       "xmlns:arxiv=\"http://arxiv.org/schemas/atom\"><entry>"
			       "<id>http://arxiv.org/abs/2512.00020v1</id>"
			       "<title>Combined measurement</title><summary>Fine.</summary>");
		for (size_t i = 0; i < n; i++)
			pb_buf_printf(b, "<author><name>Author %zu</name>%s</author>", i,
				      i % 1000 == 0 ? "<arxiv:affiliation>CERN</arxiv:affiliation>" : "");
		pb_buf_puts(b, "</entry></feed>");
		break;
	case OAI_ARXIV:
	case OAI_RAW:
		pb_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH "
			      "xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords><record>"
			      "<header><identifier>oai:arXiv.org:2512.00020</identifier></header>"
			      "<metadata><%s xmlns=\"http://arxiv.org/OAI/%s/\"><id>2512.00020</id>"
			      "<title>Combined measurement</title><authors>",
			      k == OAI_RAW ? "arXivRaw" : "arXiv", k == OAI_RAW ? "arXivRaw" : "arXiv");
		if (k == OAI_RAW)
			put_creators(b, k, n, affil);
		else
			for (size_t i = 0; i < n; i++)
				pb_buf_printf(b, "<author><keyname>%zu</keyname><forenames>Author"
					      "</forenames></author>", i);
		pb_buf_printf(b, "</authors><abstract>Fine.</abstract></%s></metadata></record>"
			      "</ListRecords></OAI-PMH>", k == OAI_RAW ? "arXivRaw" : "arXiv");
		break;
	case RSS1:
		pb_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rdf:RDF "
			       "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
			       "xmlns=\"http://purl.org/rss/1.0/\" "
			       "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel "
			       "rdf:about=\"http://arxiv.org/\"><title>hep-ex updates on arXiv.org</title>"
			       "</channel><item rdf:about=\"http://arxiv.org/abs/2512.00020\"><title>"
			       "Combined measurement. (arXiv:2512.00020v1 [hep-ex])</title>"
			       "<link>http://arxiv.org/abs/2512.00020</link><description>&lt;p&gt;Fine."
			       "&lt;/p&gt;</description><dc:creator>");
		put_creators(b, k, n, affil);
		pb_buf_puts(b, "</dc:creator></item></rdf:RDF>\n");
		break;
	}
}

/* Parses b whole, or in pieces of `piece` bytes when not 0. */
static enum pb_parse_status
parse(const struct pb_buf *b, size_t piece, struct pb_paperset *s, struct pb_parse_result *res)
{
	struct pb_parser *ps;
	enum pb_parse_status st;

	pb_paperset_init(s);
	if (!piece)
		return parse_str(b->data, b->len, s, res);
	ps = pb_parser_new("pieces");
	for (size_t off = 0; off < b->len; off += piece)
		pb_parser_feed(ps, b->data + off, b->len - off < piece ? b->len - off : piece);
	st = pb_parser_finish(ps, s, res);
	pb_parser_free(ps);
	return st;
}

/* 6,000 authors: kept, 5,000 names, a count of 6,000; 5,000 stays as it was. */
static void
test_many_each_kind(void)
{
	struct pb_buf b = { 0 };

	for (enum kind k = RSS2; k <= RSS1; k++) {
		struct pb_paperset s;
		struct pb_parse_result res;
		const struct pb_paper *p;
		char want[32];

		feed(&b, k, MANY, 0);
		T_EQ_INT(parse(&b, 0, &s, &res), PB_PARSE_OK);
		T_EQ_INT(res.n_skipped, 0);
		if (res.n_skipped)
			fprintf(stderr, "%s: the paper of %d authors was skipped\n", kind_name[k], MANY);
		p = s.n == 1 ? find(&s, "2512.00020") : NULL;
		T_CHECK(p != NULL);
		if (p) {
			T_EQ_INT(p->n_authors, KEPT);
			T_EQ_INT(pb_paper_n_authors(p), MANY);
			T_EQ_STR(p->title, "Combined measurement");
			snprintf(want, sizeof want, "Author %zu", (size_t)0);
			T_EQ_STR(p->n_authors ? p->authors[0].name : NULL, want);
			snprintf(want, sizeof want, "Author %zu", (size_t)KEPT - 1);
			T_EQ_STR(p->n_authors == KEPT ? p->authors[KEPT - 1].name : NULL, want);
			if (k == RSS2) {
				char *js = pb_paper_to_json(p);

				T_CHECK(strstr(js, "\"Author 4999\"],\"affiliations\":") != NULL);
				T_CHECK(strstr(js, "],\"n_authors\":6000,\"abstract\":") != NULL);
				free(js);
			}
			if (k == API_ATOM && p->n_authors > 1000) {
				T_EQ_INT(p->authors[1000].n_affils, 1);
				T_EQ_INT(p->authors[999].n_affils, 0);
			}
		}
		pb_paperset_free(&s);

		feed(&b, k, KEPT, 0);
		T_EQ_INT(parse(&b, 0, &s, &res), PB_PARSE_OK);
		p = s.n == 1 ? &s.v[0] : NULL;
		T_CHECK(p != NULL);
		if (p) {
			T_EQ_INT(p->n_authors, KEPT);
			T_EQ_INT(p->n_authors_all, 0);
			T_EQ_INT(pb_paper_n_authors(p), KEPT);
		}
		pb_paperset_free(&s);
	}
	pb_buf_free(&b);
}

/* A creator field past PB_MAX_CREATOR bytes (6,000 names with long affiliations, about
 * 1.9 MB) keeps every whole name before the cap and counts the rest, whole or in pieces. */
static void
test_creator_bytes(void)
{
	static const enum kind kinds[] = { RSS2, RSS_ATOM, OAI_RAW, RSS1 };
	static const size_t pieces[] = { 0, 4093, 300 };
	struct pb_buf b = { 0 };

	for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
		enum kind k = kinds[j];

		feed(&b, k, MANY, 1);
		for (size_t q = 0; q < sizeof pieces / sizeof pieces[0]; q++) {
			struct pb_paperset s;
			struct pb_parse_result res;
			const struct pb_paper *p;
			char want[32];

			T_EQ_INT(parse(&b, pieces[q], &s, &res), PB_PARSE_OK);
			T_EQ_INT(res.n_skipped, 0);
			p = s.n == 1 ? &s.v[0] : NULL;
			T_CHECK(p != NULL);
			if (!p) {
				fprintf(stderr, "%s: a %zu-byte creator field lost the paper\n",
					kind_name[k], b.len);
				pb_paperset_free(&s);
				continue;
			}
			/* About 320 bytes a name: 1,280,000 bytes hold some 4,000. */
			T_CHECK(p->n_authors > 3000 && p->n_authors < KEPT);
			T_EQ_INT(pb_paper_n_authors(p), MANY);
			if (p->n_authors) {
				const struct pb_author *a = &p->authors[p->n_authors - 1];

				/* The last name kept is whole, with its affiliation. */
				snprintf(want, sizeof want, "Author %zu", (size_t)p->n_authors - 1);
				T_EQ_STR(a->name, want);
				T_EQ_INT(a->n_affils, 2);
				if (a->n_affils == 2)
					T_EQ_STR(a->affils[1] + strlen(a->affils[1]) - 10,
						 "Department");
			}
			pb_paperset_free(&s);
		}
	}

	/* One name past the cap has no name before it to keep: the record goes, as before. */
	pb_buf_reset(&b);
	pb_buf_puts(&b, RSS_HEAD "<item><guid>oai:arXiv.org:2512.00021v1</guid><dc:creator>A (");
	for (size_t i = 0; i < 1300 * 1024 / 8; i++)
		pb_buf_puts(&b, "Physics ");
	pb_buf_puts(&b, ")</dc:creator></item><item><guid>oai:arXiv.org:2512.00022v1</guid>"
		       "<dc:creator>B</dc:creator></item>" RSS_TAIL);
	{
		struct pb_paperset s;
		struct pb_parse_result res;

		T_EQ_INT(parse(&b, 0, &s, &res), PB_PARSE_OK);
		T_EQ_INT(res.n_skipped, 1);
		T_EQ_INT(s.n, 1);
		T_EQ_INT(pb_paperset_find(&s, "2512.00021"), -1);
		pb_paperset_free(&s);
	}
	pb_buf_free(&b);
}

/* One paper from two feeds (the day's RSS, then the API's record) is one record: the count
 * goes with the kept authors. */
static void
test_merge(void)
{
	struct pb_buf b = { 0 };
	struct pb_paperset s;
	struct pb_parse_result res;

	/* The announcement without authors, then the API's 6,000. */
	feed(&b, RSS2, 0, 0);
	T_EQ_INT(parse(&b, 0, &s, &res), PB_PARSE_OK);
	T_EQ_INT(s.n, 1);
	feed(&b, API_ATOM, MANY, 0);
	pb_parse_feed(b.data, b.len, "api", &s, &res);
	T_EQ_INT(s.n, 1);
	if (s.n == 1) {
		T_EQ_INT(s.v[0].n_authors, KEPT);
		T_EQ_INT(pb_paper_n_authors(&s.v[0]), MANY);
	}
	pb_paperset_free(&s);

	/* Both kept 5,000: the count is the one that knows more. */
	feed(&b, API_ATOM, KEPT, 0);
	T_EQ_INT(parse(&b, 0, &s, &res), PB_PARSE_OK);
	feed(&b, RSS2, MANY, 0);
	pb_parse_feed(b.data, b.len, "rss", &s, &res);
	T_EQ_INT(s.n, 1);
	if (s.n == 1)
		T_EQ_INT(pb_paper_n_authors(&s.v[0]), MANY);
	pb_paperset_free(&s);
	pb_buf_free(&b);
}

/* The digest names the first authors and the true count, in the short list and the full. */
static void
test_digest_count(void)
{
	struct pb_buf b = { 0 };
	struct pb_paperset s;
	struct pb_parse_result res;
	struct pb_digest_item it = { 0 };
	struct pb_digest d = { 0 };

	feed(&b, RSS2, MANY, 0);
	T_EQ_INT(parse(&b, 0, &s, &res), PB_PARSE_OK);
	if (s.n != 1) {
		T_CHECK(s.n == 1);
		pb_paperset_free(&s);
		pb_buf_free(&b);
		return;
	}
	it.paper = &s.v[0];
	it.topic = "combinations";
	d.subscriber = "alice";
	d.language = "en";
	d.date = "2025-12-04";
	d.title = "Digest";
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts pp;
		int seen = 0;

		T_EQ_INT(pb_render(&d, (enum pb_format)f, NULL, &pp), 0);
		for (size_t i = 0; i < pp.n; i++) {
			/* Plain text wraps its lines: the words are compared without the breaks. */
			struct pb_buf one = { 0 };

			for (const char *c = pp.v[i]; *c; c++)
				if (*c != '\n' && !(*c == ' ' && one.len && one.data[one.len - 1] == ' '))
					pb_buf_putc(&one, *c);
			seen |= strstr(pb_buf_str(&one), "et al. (6000 authors)") != NULL ||
				strstr(pb_buf_str(&one), "\"n_authors\":6000") != NULL;
			T_CHECK(!strstr(pb_buf_str(&one), "(5000 authors)"));
			pb_buf_free(&one);
		}
		T_CHECK(seen);
		if (!seen)
			fprintf(stderr, "%s: no \"et al. (6000 authors)\"\n",
				pb_format_name((enum pb_format)f));
		pb_parts_free(&pp);
	}
	pb_paperset_free(&s);
	pb_buf_free(&b);
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_many_each_kind();
	test_creator_bytes();
	test_merge();
	test_digest_count();
	return t_done("test_parse_authors");
}
