/* Streaming: the parser's record handler (pb_parser_set_sink) against the whole-set parse on
 * every fixture and in pieces of every size; what it must not hand on (records after arXiv's
 * error entry), a handler that stops the parse, a body that breaks after records; the
 * direct JSON writer (pb_paper_json_append) byte for byte against the cJSON tree it
 * replaced, on every fixture record and on strings holding every byte. */
#include <cjson/cJSON.h>

#include "paperboy/papers.h"
#include "parse_common.h"

/* The JSON line as pb_paper_to_json built it with cJSON before it wrote it directly: the
 * reference the writer must match byte for byte. */
static cJSON *
str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static char *
cjson_line(const struct pb_paper *p)
{
	cJSON *o = cJSON_CreateObject(), *a, *af;
	struct pb_buf url = { 0 };
	char *out;

	cJSON_AddItemToObject(o, "id", str_or_null(p->id));
	if (p->version > 0)
		cJSON_AddNumberToObject(o, "version", p->version);
	else
		cJSON_AddNullToObject(o, "version");
	cJSON_AddItemToObject(o, "title", str_or_null(p->title));
	a = cJSON_AddArrayToObject(o, "authors");
	af = cJSON_AddArrayToObject(o, "affiliations");
	for (size_t i = 0; i < p->n_authors; i++) {
		cJSON *one = cJSON_CreateArray();

		cJSON_AddItemToArray(a, str_or_null(p->authors[i].name));
		for (size_t j = 0; j < p->authors[i].n_affils; j++)
			cJSON_AddItemToArray(one, str_or_null(p->authors[i].affils[j]));
		cJSON_AddItemToArray(af, one);
	}
	cJSON_AddNumberToObject(o, "n_authors", (double)pb_paper_n_authors(p));
	cJSON_AddItemToObject(o, "abstract", str_or_null(p->abstract));
	a = cJSON_AddArrayToObject(o, "categories");
	for (size_t i = 0; i < p->n_categories; i++)
		cJSON_AddItemToArray(a, str_or_null(p->categories[i]));
	cJSON_AddStringToObject(o, "announce_type", pb_announce_name(p->announce));
	cJSON_AddItemToObject(o, "published", str_or_null(p->published));
	cJSON_AddItemToObject(o, "updated", str_or_null(p->updated));
	cJSON_AddItemToObject(o, "comment", str_or_null(p->comment));
	cJSON_AddItemToObject(o, "journal_ref", str_or_null(p->journal_ref));
	cJSON_AddItemToObject(o, "doi", str_or_null(p->doi));
	if (p->id) {
		pb_buf_printf(&url, "https://arxiv.org/abs/%s", p->id);
		if (p->version > 0)
			pb_buf_printf(&url, "v%d", p->version);
		cJSON_AddStringToObject(o, "abs_url", pb_buf_str(&url));
		pb_buf_reset(&url);
		pb_buf_printf(&url, "https://arxiv.org/pdf/%s", p->id);
		if (p->version > 0)
			pb_buf_printf(&url, "v%d", p->version);
		cJSON_AddStringToObject(o, "pdf_url", pb_buf_str(&url));
	} else {
		cJSON_AddNullToObject(o, "abs_url");
		cJSON_AddNullToObject(o, "pdf_url");
	}
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pb_buf_free(&url);
	return out;
}

static int n_json_diff;

/* The writer against the reference; also appended after other text, as fetch appends. */
static void
check_json(const struct pb_paper *p)
{
	char *want = cjson_line(p), *got = pb_paper_to_json(p);
	struct pb_buf b = { 0 };

	pb_buf_puts(&b, "x\n");
	pb_paper_json_append(&b, p);
	t_checked++;
	if (!want || strcmp(want, got) != 0 || strcmp(b.data + 2, want) != 0) {
		t_failed++;
		if (n_json_diff++ < 3)
			fprintf(stderr, "json differs for %s:\n  got  %s\n  want %s\n",
				p->id ? p->id : "(no id)", got, want ? want : "(null)");
	}
	pb_buf_free(&b);
	free(want);
	free(got);
}

/* Every byte but NUL, in runs that straddle the writer's 16-byte blocks. */
static void
test_json_bytes(void)
{
	struct pb_paper p;
	struct pb_author au[2];
	char *aff[2], *cats[2];
	char s[600];
	size_t k = 0;

	for (int round = 0; round < 3; round++)
		for (int c = 1; c < 256; c++) {
			if (k + 3 >= sizeof s)
				break;
			s[k++] = (char)c;
			if (round == 1)
				s[k++] = 'a';
		}
	s[k] = '\0';
	memset(&p, 0, sizeof p);
	check_json(&p);                         /* everything null or empty */
	p.id = "2411.00001";
	p.version = 12;
	check_json(&p);
	for (size_t off = 0; off < 40; off++) {
		p.title = s + off;
		p.abstract = s + k - 1 - off;   /* short ends: one byte, two bytes... */
		p.comment = "";
		p.doi = "\"\\\x1f\x7f";
		check_json(&p);
	}
	aff[0] = s;
	aff[1] = "Lab \"Q\"";
	au[0].name = "A \\ B";
	au[0].affils = aff;
	au[0].n_affils = 2;
	au[1].name = NULL;
	au[1].affils = NULL;
	au[1].n_affils = 0;
	p.authors = au;
	p.n_authors = 2;
	cats[0] = "cs.CV";
	cats[1] = "math.\tAG";
	p.categories = cats;
	p.n_categories = 2;
	p.announce = PB_ANN_REPLACE_CROSS;
	p.published = "2024-11-28T00:00:00Z";
	p.version = 0;
	check_json(&p);
	p.n_authors_all = 6120;                 /* a list cut after its first names */
	check_json(&p);
}

/* What a handler saw. */
struct seen {
	struct pb_buf json;     /* the records' JSON lines */
	size_t n;
	size_t stop_after;      /* return -1 at this record (0 = never) */
};

static int
take(void *ud, struct pb_paper *p)
{
	struct seen *s = ud;

	pb_paper_json_append(&s->json, p);
	pb_buf_putc(&s->json, '\n');
	s->n++;
	if (s->n % 2) {
		/* The handler may take fields: what it leaves is freed after. */
		free(p->title);
		p->title = NULL;
	}
	return s->stop_after && s->n == s->stop_after ? -1 : 0;
}

static void
set_json(const struct pb_paperset *set, struct pb_buf *b)
{
	for (size_t i = 0; i < set->n; i++) {
		pb_paper_json_append(b, &set->v[i]);
		pb_buf_putc(b, '\n');
	}
}

/* Streams data in pieces of len step; returns the status, *s filled. */
static enum pb_parse_status
stream(const char *data, size_t len, size_t step, struct seen *s, struct pb_paperset *meta,
       struct pb_parse_result *res)
{
	struct pb_parser *p = pb_parser_new("each");
	enum pb_parse_status st;

	pb_parser_set_sink(p, take, s);
	for (size_t i = 0; i < len; i += step)
		pb_parser_feed(p, data + i, len - i < step ? len - i : step);
	st = pb_parser_finish(p, meta, res);
	pb_parser_free(p);
	return st;
}

static void
test_fixtures(void)
{
	static const size_t steps[] = { 1 << 30, 65536, 4093, 517, 64, 7 };

	for (size_t f = 0; f < N_FIXTURES; f++) {
		struct pb_paperset whole, meta;
		struct pb_parse_result rw, rs;
		struct pb_buf data, want = { 0 };

		parse_file(fixtures[f].file, &whole, &rw);
		for (size_t i = 0; i < whole.n; i++)
			check_json(&whole.v[i]);
		set_json(&whole, &want);
		if (slurp(t_fixture(fixtures[f].file), &data) != 0) {
			T_CHECK(0);
			continue;
		}
		for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
			struct seen s = { { 0 }, 0, 0 };

			if (steps[k] < 64 && data.len > 300000)
				continue; /* byte-sized pieces of the big files: slow, nothing more */
			pb_paperset_init(&meta);
			stream(data.data, data.len, steps[k], &s, &meta, &rs);
			T_EQ_INT(rs.status, rw.status);
			T_EQ_INT(rs.n_items, rw.n_items);
			T_EQ_INT(rs.n_skipped, rw.n_skipped);
			T_EQ_INT(meta.n, 0);
			/* The fixtures hold no id twice: streamed is the whole set, in order. */
			if (rw.status == PB_PARSE_OK) {
				T_EQ_INT(rs.n_added, whole.n);
				T_EQ_INT(s.n, whole.n);
				T_CHECK(s.json.len == want.len &&
					memcmp(pb_buf_str(&s.json), pb_buf_str(&want), want.len) == 0);
			} else {
				T_EQ_INT(s.n, 0);
			}
			T_CHECK((meta.announce_date == NULL) == (whole.announce_date == NULL));
			if (meta.announce_date && whole.announce_date)
				T_EQ_STR(meta.announce_date, whole.announce_date);
			T_EQ_INT(meta.total_results, whole.total_results);
			pb_paperset_free(&meta);
			pb_buf_free(&s.json);
		}
		pb_buf_free(&data);
		pb_buf_free(&want);
		pb_paperset_free(&whole);
	}
}

#define ITEM(id) \
	"<item><title>Paper " id "</title><link>https://arxiv.org/abs/" id "</link>" \
	"<description>arXiv:" id "v1 Announce Type: new Abstract: Text.</description>" \
	"<guid isPermaLink=\"false\">oai:arXiv.org:" id "v1</guid><category>cs.CV</category>" \
	"<dc:creator>A. Author</dc:creator></item>"

static void
test_edges(void)
{
	struct pb_paperset meta;
	struct pb_parse_result res;
	struct seen s = { { 0 }, 0, 0 };
	const char *two = RSS_HEAD ITEM("2412.00001") ITEM("2412.00002") ITEM("2412.00001")
		RSS_TAIL;
	const char *cut = RSS_HEAD ITEM("2412.00001") ITEM("2412.00002") "<item><title>Par";
	const char *api =
		"<?xml version='1.0' encoding='UTF-8'?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
		"<entry><id>http://arxiv.org/abs/2412.00003v1</id><title>Real</title>"
		"<summary>S</summary></entry>"
		"<entry><id>https://arxiv.org/api/errors#incorrect_id_format_for_x</id>"
		"<title>Error</title><summary>incorrect id format for x</summary></entry>"
		"<entry><id>http://arxiv.org/abs/2412.00004v1</id><title>After</title>"
		"<summary>S</summary></entry></feed>";

	/* A repeated id is handed on twice: merging is the caller's. */
	pb_paperset_init(&meta);
	T_EQ_INT(stream(two, strlen(two), 100, &s, &meta, &res), PB_PARSE_OK);
	T_EQ_INT(s.n, 3);
	T_EQ_INT(res.n_added, 3);
	pb_paperset_free(&meta);
	pb_buf_free(&s.json);

	/* A handler that stops: no more records, and the parse says why. */
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	pb_paperset_init(&meta);
	T_EQ_INT(stream(two, strlen(two), 50, &s, &meta, &res), PB_PARSE_BAD);
	T_EQ_INT(s.n, 2);
	T_CHECK(strstr(res.message, "stopped by the record handler") != NULL);
	pb_paperset_free(&meta);
	pb_buf_free(&s.json);

	/* A body that breaks after two records: they were handed on, the status says BAD. */
	memset(&s, 0, sizeof s);
	pb_paperset_init(&meta);
	T_EQ_INT(stream(cut, strlen(cut), 1 << 20, &s, &meta, &res), PB_PARSE_BAD);
	T_EQ_INT(s.n, 2);
	pb_paperset_free(&meta);
	pb_buf_free(&s.json);

	/* arXiv's error entry: the record before it went out, none after it does. */
	memset(&s, 0, sizeof s);
	pb_paperset_init(&meta);
	T_EQ_INT(stream(api, strlen(api), 1 << 20, &s, &meta, &res), PB_PARSE_ARXIV_ERROR);
	T_EQ_INT(s.n, 1);
	T_CHECK(strstr(pb_buf_str(&s.json), "2412.00004") == NULL);
	pb_paperset_free(&meta);
	pb_buf_free(&s.json);
}

/* The selection rule for one record is the set's. */
static void
test_select_one(void)
{
	struct pb_paperset whole;
	struct pb_parse_result res;
	const char *cats[] = { "cs.CV", "hep-ex" };

	parse_file("rss2-all-archives-2024-11-28-1504items.xml", &whole, &res);
	for (size_t n = 0; n <= 2; n++) {
		struct pb_paperset a, b;
		size_t kept = 0, dropped;

		parse_file("rss2-all-archives-2024-11-28-1504items.xml", &a, &res);
		dropped = pb_papers_select(&a, cats, n);
		parse_file("rss2-all-archives-2024-11-28-1504items.xml", &b, &res);
		for (size_t i = 0; i < b.n; i++) {
			if (!pb_papers_select_one(&b.v[i], cats, n))
				continue;
			t_checked++;
			if (kept >= a.n || strcmp(a.v[kept].id, b.v[i].id) != 0 ||
			    a.v[kept].announce != b.v[i].announce)
				t_failed++;
			kept++;
		}
		T_EQ_INT(kept, a.n);
		T_EQ_INT(kept + dropped, whole.n);
		if (n == 1)
			T_EQ_INT(kept, 227); /* as 10-fetch-feed counts cs.CV */
		pb_paperset_free(&a);
		pb_paperset_free(&b);
	}
	pb_paperset_free(&whole);
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_json_bytes();
	test_fixtures();
	test_edges();
	test_select_one();
	return t_done("test_parse_each");
}
