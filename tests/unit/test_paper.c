/* The paper record: arXiv id splitting, announce names, the set (merge, index), JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/paper.h"
#include "t.h"

static void
test_id_split(void)
{
	static const struct {
		const char *in, *id;
		int version;
	} cases[] = {
		{ "2411.12345v3", "2411.12345", 3 },
		{ "2411.12345", "2411.12345", 0 },
		{ "0704.0001", "0704.0001", 0 },
		{ "0704.0001v12", "0704.0001", 12 },
		{ "astro-ph/0601001v1", "astro-ph/0601001", 1 },
		{ "astro-ph/0601001", "astro-ph/0601001", 0 },
		{ "math.GT/0309136v2", "math.GT/0309136", 2 },
		{ "cond-mat/0412498v1", "cond-mat/0412498", 1 },
		{ "arXiv:2411.12345", "2411.12345", 0 },
		{ "arXiv:2411.12345v2", "2411.12345", 2 },
		{ "http://arxiv.org/abs/2411.12345v2", "2411.12345", 2 },
		{ "https://arxiv.org/abs/2411.12345", "2411.12345", 0 },
		{ "http://arxiv.org/abs/quant-ph/0201082v1", "quant-ph/0201082", 1 },
		{ "https://export.arxiv.org/abs/1111.2011v2", "1111.2011", 2 },
		{ "https://arxiv.org/pdf/2411.12345v1", "2411.12345", 1 },
		{ "oai:arXiv.org:2411.12345v1", "2411.12345", 1 },
		{ "oai:arXiv.org:2411.17700v1", "2411.17700", 1 },
		{ "oai:arXiv.org:hep-th/9901001", "hep-th/9901001", 0 },
		{ "  2411.12345v3  ", "2411.12345", 3 },
		{ "2411.12345v2.pdf", "2411.12345", 2 },
		/* the links a reader copies: the HTML view, without the scheme, with what the
		 * address bar adds, and arXiv's own DOI in its forms */
		{ "https://arxiv.org/html/2411.17746v2", "2411.17746", 2 },
		{ "https://arxiv.org/html/2411.17746v2/#S3", "2411.17746", 2 },
		{ "arxiv.org/abs/2411.17746", "2411.17746", 0 },
		{ "www.arxiv.org/pdf/2411.17746v1", "2411.17746", 1 },
		{ "https://arxiv.org/abs/2411.17746/", "2411.17746", 0 },
		{ "https://arxiv.org/abs/2411.17746?context=cs", "2411.17746", 0 },
		{ "https://arxiv.org/pdf/2411.17746v2.pdf", "2411.17746", 2 },
		{ "10.48550/arXiv.2411.17746", "2411.17746", 0 },
		{ "10.48550/ARXIV.2411.17746", "2411.17746", 0 },
		{ "https://doi.org/10.48550/arXiv.2411.17746", "2411.17746", 0 },
		{ "doi:10.48550/arXiv.hep-th/9901001", "hep-th/9901001", 0 },
	};
	static const char *const bad[] = {
		"", "abc", "2411.123", "2411.1234567", "24111.12345", "2411.12345x",
		"2411.12345v", "http://example.org/abs/2411.12345", "https://arxiv.org/list/cs.CV",
		"astro-ph/060100", "Astro-ph/0601001", "astro-ph0601001", "arXiv:",
		"https://arxiv.org/api/errors#incorrect_id_format_for_abc",
		"2411.12345v99999999999",
		"10.1103/PhysRevLett.123.456", "https://doi.org/10.1103/PhysRevD.1.1",
		"10.48550/arXiv.", "arxiv.org/list/cs.CV", "arxiv.org/abs/2411.12345x",
		"example.org/abs/2411.12345", "https://arxiv.org/abs/2411.12345?a b",
		"2411.12345?context=cs", "2411.12345/", "arXiv:2411.12345#S3",
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int v = -1;
		char *id = pb_arxiv_id_split(cases[i].in, &v);
		T_EQ_STR(id, cases[i].id);
		T_EQ_INT(v, cases[i].version);
		free(id);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int v = -1;
		char *id = pb_arxiv_id_split(bad[i], &v);
		if (id)
			fprintf(stderr, "accepted bad id \"%s\" as \"%s\"\n", bad[i], id);
		T_CHECK(id == NULL);
		T_EQ_INT(v, 0);
		free(id);
	}
	T_CHECK(pb_arxiv_id_split(NULL, NULL) == NULL);
}

static void
test_announce(void)
{
	static const enum pb_announce all[] = {
		PB_ANN_UNKNOWN, PB_ANN_NEW, PB_ANN_CROSS, PB_ANN_REPLACE, PB_ANN_REPLACE_CROSS,
	};
	size_t i;

	T_EQ_STR(pb_announce_name(PB_ANN_NEW), "new");
	T_EQ_STR(pb_announce_name(PB_ANN_CROSS), "cross");
	T_EQ_STR(pb_announce_name(PB_ANN_REPLACE), "replace");
	T_EQ_STR(pb_announce_name(PB_ANN_REPLACE_CROSS), "replace-cross");
	T_EQ_STR(pb_announce_name(PB_ANN_UNKNOWN), "unknown");
	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		T_EQ_INT(pb_announce_parse(pb_announce_name(all[i])), all[i]);
	T_EQ_INT(pb_announce_parse("New"), PB_ANN_UNKNOWN);
	T_EQ_INT(pb_announce_parse(""), PB_ANN_UNKNOWN);
	T_EQ_INT(pb_announce_parse(NULL), PB_ANN_UNKNOWN);
}

static void
add_cat(struct pb_paper *p, const char *c)
{
	p->categories = pb_xreallocarray(p->categories, p->n_categories + 1, sizeof(char *));
	p->categories[p->n_categories++] = pb_xstrdup(c);
}

static void
add_author(struct pb_paper *p, const char *name, const char *affil)
{
	struct pb_author *a;

	p->authors = pb_xreallocarray(p->authors, p->n_authors + 1, sizeof *p->authors);
	a = &p->authors[p->n_authors++];
	memset(a, 0, sizeof *a);
	a->name = pb_xstrdup(name);
	if (affil) {
		a->affils = pb_xmalloc(sizeof(char *));
		a->affils[0] = pb_xstrdup(affil);
		a->n_affils = 1;
	}
}

static void
make(struct pb_paper *p, const char *id, int version)
{
	memset(p, 0, sizeof *p);
	p->id = pb_xstrdup(id);
	p->version = version;
}

static void
test_set_merge(void)
{
	struct pb_paperset s;
	struct pb_paper p;
	size_t at;

	pb_paperset_init(&s);
	T_EQ_INT(s.total_results, -1);
	T_EQ_INT(s.start_index, -1);
	T_EQ_INT(pb_paperset_find(&s, "2411.00001"), -1);

	/* As seen in the cs.CV feed: new, no comment, no affiliations. */
	make(&p, "2411.00001", 1);
	p.title = pb_xstrdup("Old title");
	p.announce = PB_ANN_NEW;
	add_cat(&p, "cs.CV");
	add_cat(&p, "cs.LG");
	add_author(&p, "A. Author", NULL);
	add_author(&p, "B. Author", NULL);
	at = pb_paperset_add(&s, &p);
	T_EQ_INT(at, 0);
	T_CHECK(p.id == NULL && p.title == NULL); /* moved */

	/* The same paper under cs.RO, then the API lookup with v2, comment, affiliations. */
	make(&p, "2411.00001", 1);
	add_cat(&p, "cs.RO");
	add_cat(&p, "cs.CV");
	at = pb_paperset_add(&s, &p);
	T_EQ_INT(at, 0);
	make(&p, "2411.00001", 2);
	p.title = pb_xstrdup("New title");
	p.comment = pb_xstrdup("10 pages");
	add_cat(&p, "cs.LG");
	add_author(&p, "A. Author", "MIT");
	add_author(&p, "B. Author", "ETH");
	at = pb_paperset_add(&s, &p);
	T_EQ_INT(at, 0);
	pb_paper_free(&p);

	T_EQ_INT(s.n, 1);
	T_EQ_INT(s.v[0].version, 2);
	T_EQ_STR(s.v[0].title, "New title");
	T_EQ_STR(s.v[0].comment, "10 pages");
	T_EQ_INT(s.v[0].announce, PB_ANN_NEW);
	T_EQ_INT(s.v[0].n_categories, 3);
	T_EQ_STR(s.v[0].categories[0], "cs.CV"); /* the existing primary stays first */
	T_EQ_STR(s.v[0].categories[1], "cs.LG");
	T_EQ_STR(s.v[0].categories[2], "cs.RO");
	T_EQ_INT(s.v[0].n_authors, 2);
	T_EQ_INT(s.v[0].authors[1].n_affils, 1);
	T_EQ_STR(s.v[0].authors[1].affils[0], "ETH");
	T_CHECK(pb_paper_has_category(&s.v[0], "cs.RO"));
	T_CHECK(!pb_paper_has_category(&s.v[0], "cs"));
	T_CHECK(!pb_paper_has_category(&s.v[0], "cs.CVX"));
	T_CHECK(!pb_paper_has_category(NULL, "cs.CV"));

	/* A lower version does not overwrite. */
	make(&p, "2411.00001", 1);
	p.title = pb_xstrdup("Stale title");
	pb_paperset_add(&s, &p);
	T_EQ_STR(s.v[0].title, "New title");
	T_EQ_INT(s.v[0].version, 2);
	pb_paperset_free(&s);
	pb_paperset_free(&s); /* safe twice */
	pb_paperset_free(NULL);
	pb_paper_free(NULL);
}

/* Many ids: find and add stay correct through index growth, and the index notices a set
 * whose array was edited directly. */
static void
test_set_index(void)
{
	struct pb_paperset s;
	struct pb_paper p;
	char id[32];
	int i, ok = 1;

	pb_paperset_init(&s);
	pb_paperset_reserve(&s, 5000); /* then grows past it */
	T_CHECK(s.cap >= 5000 && s.n == 0);
	for (i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "%04d.%05d", 1000 + i % 9000, i);
		make(&p, id, 1);
		if (pb_paperset_add(&s, &p) != (size_t)i)
			ok = 0;
	}
	T_CHECK(ok);
	for (i = 0; i < 20000; i += 7) {
		snprintf(id, sizeof id, "%04d.%05d", 1000 + i % 9000, i);
		if (pb_paperset_find(&s, id) != i)
			ok = 0;
		make(&p, id, 2); /* duplicate: merged, not appended */
		if (pb_paperset_add(&s, &p) != (size_t)i)
			ok = 0;
	}
	T_CHECK(ok);
	T_EQ_INT(s.n, 20000);
	T_EQ_INT(s.v[7].version, 2);
	T_EQ_INT(pb_paperset_find(&s, "9999.99999"), -1);
	T_EQ_INT(pb_paperset_find(&s, NULL), -1);

	/* Another stage drops the last record by hand: find must not return a stale slot. */
	snprintf(id, sizeof id, "%04d.%05d", 1000 + 19999 % 9000, 19999);
	T_EQ_INT(pb_paperset_find(&s, id), 19999);
	pb_paper_free(&s.v[19999]);
	s.n--;
	T_EQ_INT(pb_paperset_find(&s, id), -1);
	make(&p, id, 1);
	T_EQ_INT(pb_paperset_add(&s, &p), 19999);
	T_EQ_INT(pb_paperset_find(&s, id), 19999);
	pb_paperset_free(&s);

	/* A zeroed set that never saw pb_paperset_init still works. */
	memset(&s, 0, sizeof s);
	make(&p, "2411.00002", 1);
	pb_paperset_add(&s, &p);
	make(&p, "2411.00002", 3);
	pb_paperset_add(&s, &p);
	T_EQ_INT(s.n, 1);
	T_EQ_INT(s.v[0].version, 3);
	T_EQ_INT(pb_paperset_find(&s, "2411.00002"), 0);
	pb_paperset_free(&s);
}

static void
test_json(void)
{
	struct pb_paper p;
	char *js;
	cJSON *o, *x;

	make(&p, "astro-ph/0601001", 1);
	p.title = pb_xstrdup("R\\'emy \"quoted\" \\& $\\omega$ caf\xc3\xa9");
	add_author(&p, "Andrew Gould", "Ohio State");
	add_author(&p, "B. Scott Gaudi", NULL);
	add_cat(&p, "astro-ph");
	p.announce = PB_ANN_REPLACE_CROSS;
	p.journal_ref = pb_xstrdup("ActaAstron.56:1-50,2006");
	p.published = pb_xstrdup("2006-01-02T14:57:58Z");
	js = pb_paper_to_json(&p);
	T_CHECK(strchr(js, '\n') == NULL);
	o = cJSON_Parse(js);
	T_CHECK(o != NULL);
	if (o) {
		T_EQ_STR(cJSON_GetObjectItem(o, "id")->valuestring, "astro-ph/0601001");
		T_EQ_INT(cJSON_GetObjectItem(o, "version")->valueint, 1);
		T_EQ_STR(cJSON_GetObjectItem(o, "title")->valuestring, p.title);
		x = cJSON_GetObjectItem(o, "authors");
		T_EQ_INT(cJSON_GetArraySize(x), 2);
		T_EQ_STR(cJSON_GetArrayItem(x, 1)->valuestring, "B. Scott Gaudi");
		x = cJSON_GetObjectItem(o, "affiliations");
		T_EQ_INT(cJSON_GetArraySize(x), 2);
		T_EQ_STR(cJSON_GetArrayItem(cJSON_GetArrayItem(x, 0), 0)->valuestring, "Ohio State");
		T_EQ_INT(cJSON_GetArraySize(cJSON_GetArrayItem(x, 1)), 0);
		T_CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "abstract")));
		T_CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "comment")));
		T_CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "doi")));
		T_CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "updated")));
		T_EQ_STR(cJSON_GetObjectItem(o, "journal_ref")->valuestring, "ActaAstron.56:1-50,2006");
		T_EQ_STR(cJSON_GetObjectItem(o, "published")->valuestring, "2006-01-02T14:57:58Z");
		T_EQ_STR(cJSON_GetObjectItem(o, "announce_type")->valuestring, "replace-cross");
		T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "categories"), 0)->valuestring,
			 "astro-ph");
		T_EQ_STR(cJSON_GetObjectItem(o, "abs_url")->valuestring,
			 "https://arxiv.org/abs/astro-ph/0601001v1");
		T_EQ_STR(cJSON_GetObjectItem(o, "pdf_url")->valuestring,
			 "https://arxiv.org/pdf/astro-ph/0601001v1");
		cJSON_Delete(o);
	}
	free(js);
	pb_paper_free(&p);

	/* Unknown version: null, and links without a version. */
	make(&p, "2411.12345", 0);
	js = pb_paper_to_json(&p);
	o = cJSON_Parse(js);
	T_CHECK(o && cJSON_IsNull(cJSON_GetObjectItem(o, "version")));
	T_CHECK(o && cJSON_IsNull(cJSON_GetObjectItem(o, "title")));
	if (o)
		T_EQ_STR(cJSON_GetObjectItem(o, "abs_url")->valuestring,
			 "https://arxiv.org/abs/2411.12345");
	cJSON_Delete(o);
	free(js);
	pb_paper_free(&p);
}

int
main(void)
{
	test_id_split();
	test_announce();
	test_set_merge();
	test_set_index();
	test_json();
	return t_done("test_paper");
}
