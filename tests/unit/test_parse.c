/* Feed parsing against every real arXiv response in the fixtures, plus hostile inputs. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "paperboy/parse.h"
#include "t.h"

static int
slurp(const char *path, struct pb_buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	pb_buf_init(b);
	if (!f) {
		fprintf(stderr, "cannot open %s (set PB_FIXTURES)\n", path);
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		pb_buf_append(b, tmp, n);
	fclose(f);
	return 0;
}

static const struct pb_paper *
find(const struct pb_paperset *s, const char *id)
{
	long i = pb_paperset_find(s, id);

	if (i < 0) {
		fprintf(stderr, "paper %s not found\n", id);
		return NULL;
	}
	return &s->v[i];
}

/* Every fixture, what the parser must make of it. -2 = not checked. */
static const struct fixture {
	const char *file;
	enum pb_parse_status status;
	enum pb_feed_kind kind;
	size_t items, added;
	long total, start;
	const char *day;        /* announce_date, or NULL */
	int n_new, n_cross, n_replace;
	const char *message;    /* prefix of res.message for errors */
} fixtures[] = {
	{ "api2016-idlist-1111.2011v2.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 1, 1, 1, 0, NULL,
	  0, 0, 0, NULL },
	{ "api2016-query-au-del_maestro-10.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 10, 10, 31, 0,
	  NULL, 0, 0, 0, NULL },
	{ "api2026-empty.xml", PB_PARSE_EMPTY, PB_FEED_API_ATOM, 0, 0, 0, 0, NULL, 0, 0, 0,
	  NULL },
	{ "api2026-error-bad-id.xml", PB_PARSE_ARXIV_ERROR, PB_FEED_API_ATOM, 1, 0, -1, -1, NULL,
	  0, 0, 0, "incorrect id format for abc" },
	{ "api2026-id-oldstyle-astro-ph-0601001-affiliations.xml", PB_PARSE_OK, PB_FEED_API_ATOM,
	  1, 1, 1, 0, NULL, 0, 0, 0, NULL },
	{ "api2026-id-oldstyle-quant-ph-0201082v1.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 1, 1, 1,
	  0, NULL, 0, 0, 0, NULL },
	{ "api2026-idlist-two-ids-one-missing.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 1, 1, 1, 0,
	  NULL, 0, 0, 0, NULL },
	{ "api2026-query-all-testing-100.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 100, 100, 214881,
	  0, NULL, 0, 0, 0, NULL },
	{ "api2026-query-all-testing-start5-max10.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 10, 10,
	  214881, 5, NULL, 0, 0, 0, NULL },
	{ "atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml", PB_PARSE_OK, PB_FEED_ATOM,
	  3, 3, -1, -1, "2026-09-25", 1, 1, 1, NULL },
	{ "oai-listrecords-arXiv-physics-hep-ex-2017-3records.xml", PB_PARSE_OK, PB_FEED_OAI, 3,
	  3, -1, -1, NULL, 0, 0, 0, NULL },
	{ "oai-listrecords-arXivRaw-2014-1000records.xml", PB_PARSE_OK, PB_FEED_OAI, 1000, 1000,
	  907096, 95000, NULL, 0, 0, 0, NULL },
	{ "rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml", PB_PARSE_OK, PB_FEED_RSS1, 3, 3,
	  -1, -1, "2018-05-23", 1, 1, 1, NULL },
	{ "rss1-legacy-hep-ex-2021-07-08-3items-desc-replaced.xml", PB_PARSE_OK, PB_FEED_RSS1, 3,
	  3, -1, -1, "2021-07-08", 1, 1, 1, NULL },
	{ "rss2-all-archives-2024-11-28-1504items.xml", PB_PARSE_OK, PB_FEED_RSS2, 1504, 1504, -1,
	  -1, "2024-11-28", 926, 9, 569, NULL },
	{ "rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml", PB_PARSE_OK,
	  PB_FEED_RSS2, 4, 4, -1, -1, "2026-09-24", 2, 1, 1, NULL },
	{ "rss2-empty-feed-test-archive.xml", PB_PARSE_EMPTY, PB_FEED_RSS2, 0, 0, -1, -1,
	  "2024-11-28", 0, 0, 0, NULL },
	{ "rss2-error-bad-archive.xml", PB_PARSE_ARXIV_ERROR, PB_FEED_RSS2, 0, 0, -1, -1, NULL, 0,
	  0, 0, "Bad archive 'astroph'. Valid archive names are: astro-ph, cond-mat," },
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

/* Invariants every parsed record must hold, whatever the format. */
static void
check_record(const struct pb_paper *p, const char *file)
{
	const char *fields[6];
	size_t i, k;
	int ok = 1;

	T_CHECK(p->id != NULL);
	fields[0] = p->title;
	fields[1] = p->abstract;
	fields[2] = p->comment;
	fields[3] = p->journal_ref;
	fields[4] = p->doi;
	fields[5] = p->n_authors ? p->authors[0].name : NULL;
	for (k = 0; k < 6; k++) {
		const char *s = fields[k];
		if (!s)
			continue;
		if (!*s || s[0] == ' ' || s[strlen(s) - 1] == ' ' || strstr(s, "  ") ||
		    strpbrk(s, "\n\r\t"))
			ok = 0;
	}
	if (p->abstract && (strncmp(p->abstract, "arXiv:", 6) == 0 ||
			    strncmp(p->abstract, "Abstract:", 9) == 0))
		ok = 0;
	for (i = 0; i < p->n_authors; i++)
		if (!p->authors[i].name || !*p->authors[i].name)
			ok = 0;
	for (i = 0; i < p->n_categories; i++)
		if (!p->categories[i] || !*p->categories[i] || strchr(p->categories[i], ' '))
			ok = 0;
	if (p->published && strlen(p->published) != 20)
		ok = 0;
	if (!ok)
		fprintf(stderr, "%s: record %s breaks an invariant\n", file, p->id ? p->id : "?");
	T_CHECK(ok);
}

static void
test_fixture(const struct fixture *f)
{
	struct pb_buf b;
	struct pb_paperset s;
	struct pb_parse_result res;
	size_t i;
	int n_new = 0, n_cross = 0, n_replace = 0;

	if (slurp(t_fixture(f->file), &b) < 0) {
		T_CHECK(!"fixture missing");
		return;
	}
	pb_paperset_init(&s);
	T_EQ_INT(pb_parse_feed(b.data, b.len, f->file, &s, &res), f->status);
	T_EQ_INT(res.status, f->status);
	if (res.status != f->status)
		fprintf(stderr, "%s: message \"%s\"\n", f->file, res.message);
	T_EQ_INT(res.kind, f->kind);
	T_EQ_INT(res.n_items, f->items);
	T_EQ_INT(res.n_added, f->added);
	T_EQ_INT(res.n_skipped, 0);
	T_EQ_INT(s.n, f->added);
	T_EQ_INT(s.total_results, f->total);
	T_EQ_INT(s.start_index, f->start);
	if (f->day)
		T_EQ_STR(s.announce_date, f->day);
	else
		T_CHECK(s.announce_date == NULL);
	if (f->message)
		T_CHECK(strncmp(res.message, f->message, strlen(f->message)) == 0);
	else
		T_EQ_STR(res.message, "");
	for (i = 0; i < s.n; i++) {
		check_record(&s.v[i], f->file);
		n_new += s.v[i].announce == PB_ANN_NEW;
		n_cross += s.v[i].announce == PB_ANN_CROSS;
		n_replace += s.v[i].announce == PB_ANN_REPLACE;
		if (f->kind == PB_FEED_API_ATOM || f->kind == PB_FEED_OAI)
			T_EQ_INT(s.v[i].announce, PB_ANN_UNKNOWN);
	}
	T_EQ_INT(n_new, f->n_new);
	T_EQ_INT(n_cross, f->n_cross);
	T_EQ_INT(n_replace, f->n_replace);
	pb_paperset_free(&s);
	pb_buf_free(&b);
}

/* Every file in the fixture directory is in the table, so a new fixture gets expectations. */
static void
test_all_fixtures_listed(void)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof dir, "%s", t_fixture("."));
	d = opendir(dir);
	T_CHECK(d != NULL);
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t i, l = strlen(e->d_name);
		int found = 0;
		if (l < 4 || strcmp(e->d_name + l - 4, ".xml") != 0)
			continue;
		n++;
		for (i = 0; i < N_FIXTURES; i++)
			found |= strcmp(fixtures[i].file, e->d_name) == 0;
		if (!found)
			fprintf(stderr, "fixture %s has no row in the table\n", e->d_name);
		T_CHECK(found);
	}
	closedir(d);
	T_EQ_INT(n, N_FIXTURES);
}

static void
parse_file(const char *file, struct pb_paperset *s, struct pb_parse_result *res)
{
	struct pb_buf b;

	pb_paperset_init(s);
	memset(res, 0, sizeof *res);
	if (slurp(t_fixture(file), &b) == 0)
		pb_parse_feed(b.data, b.len, file, s, res);
	pb_buf_free(&b);
}

static void
test_rss2_all(void)
{
	struct pb_paperset s;
	struct pb_parse_result res;
	const struct pb_paper *p;
	size_t i;
	int cv = 0, cv_primary = 0;

	parse_file("rss2-all-archives-2024-11-28-1504items.xml", &s, &res);
	T_CHECK(strncmp(s.feed_title, "astro-ph, cond-mat, physics, quant-ph", 37) == 0);
	for (i = 0; i < s.n; i++) {
		cv += pb_paper_has_category(&s.v[i], "cs.CV");
		cv_primary += s.v[i].n_categories && strcmp(s.v[i].categories[0], "cs.CV") == 0;
		T_CHECK(s.v[i].version >= 1 && s.v[i].version <= 5);
	}
	T_EQ_INT(cv, 227);
	T_EQ_INT(cv_primary, 175);

	if ((p = find(&s, "2411.17700"))) {
		T_EQ_INT(p->version, 1);
		T_EQ_STR(p->title, "Exploring the Impact of Generative AI on Cross-Border E-Commerce "
				   "Brand Building in Chinese Tianjin's Manufacturing Sector");
		T_CHECK(strncmp(p->abstract, "This study investigates the influence", 37) == 0);
		T_CHECK(strcmp(p->abstract + strlen(p->abstract) - 10, "(PLS-SEM).") == 0);
		T_EQ_INT(p->n_authors, 1);
		T_EQ_STR(p->authors[0].name, "Jun Cui");
		T_EQ_INT(p->authors[0].n_affils, 0);
		T_EQ_INT(p->n_categories, 1);
		T_EQ_STR(p->categories[0], "cs.CY");
		T_EQ_INT(p->announce, PB_ANN_NEW);
		T_EQ_STR(p->published, "2024-11-28T05:00:00Z");
		T_CHECK(p->updated == NULL && p->comment == NULL && p->doi == NULL);
	}
	/* TeX accents kept as written, affiliations per author. */
	if ((p = find(&s, "2411.17748"))) {
		T_EQ_INT(p->n_authors, 6);
		T_EQ_STR(p->authors[0].name, "Mohammed Riadh Berramdane");
		T_EQ_STR(p->authors[0].affils[0], "IFPEN");
		T_EQ_STR(p->authors[4].name, "Benjamin R\\'emy");
		T_EQ_INT(p->authors[4].n_affils, 1);
		T_EQ_STR(p->authors[4].affils[0], "LEMTA");
		T_EQ_INT(p->n_categories, 3);
		T_EQ_STR(p->categories[0], "eess.SP");
		T_EQ_STR(p->categories[1], "cs.LG");
		T_EQ_STR(p->categories[2], "stat.ML");
	}
	if ((p = find(&s, "2411.17753"))) {
		T_EQ_INT(p->n_authors, 5);
		T_EQ_STR(p->authors[0].name, "Aleteia Araujo");
		T_EQ_INT(p->authors[0].n_affils, 2);
		T_EQ_STR(p->authors[0].affils[0], "University of Brasilia Brazil");
		T_EQ_STR(p->authors[0].affils[1], "The University of Melbourne Australia");
		T_EQ_STR(p->authors[2].name, "Joao Bachiega Jr");
		T_EQ_STR(p->authors[4].name, "Rajkumar Buyya");
		T_EQ_STR(p->authors[4].affils[0], "The University of Melbourne Australia");
	}
	/* \& in the title: the entity is decoded, the backslash kept. */
	if ((p = find(&s, "2411.18380")))
		T_EQ_STR(p->title, "SoK: Privacy Personalised -- Mapping Personal Attributes \\& "
				   "Preferences of Privacy Mechanisms for Shoulder Surfing");
	if ((p = find(&s, "2411.17758"))) {
		T_EQ_STR(p->doi, "10.1016/j.segan.2024.101477");
		T_EQ_STR(p->journal_ref, "Sustainable Energy, Grids and Networks, Volume 39, 2024, "
					 "101477, ISSN 2352-4677");
		T_EQ_STR(p->categories[0], "cs.GT");
		T_EQ_STR(p->categories[1], "cs.CR");
	}
	if ((p = find(&s, "1401.3665"))) {
		T_EQ_INT(p->version, 4);
		T_EQ_INT(p->announce, PB_ANN_REPLACE);
		T_EQ_STR(p->title, "The existence of designs");
		T_EQ_STR(p->categories[0], "math.CO");
	}
	if ((p = find(&s, "2202.06515"))) {
		T_EQ_INT(p->version, 3);
		T_EQ_INT(p->announce, PB_ANN_CROSS);
		T_EQ_STR(p->categories[0], "astro-ph.CO");
		T_EQ_STR(p->categories[2], "physics.flu-dyn");
		T_EQ_STR(p->doi, "10.1063/5.0236964");
		T_EQ_STR(p->journal_ref, "Physics of Fluids 36, 117158 (2024)");
		T_CHECK(strstr(p->abstract, "$\\varepsilon_u$") != NULL);
	}
	if ((p = find(&s, "2411.17697"))) /* the last item */
		T_EQ_INT(p->version, 2);
	pb_paperset_free(&s);
}

static void
test_rss2_excerpt_and_atom(void)
{
	struct pb_paperset s;
	struct pb_parse_result res;
	const struct pb_paper *p;

	parse_file("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml", &s, &res);
	T_EQ_STR(s.feed_title, "cs.LG, cs.AI, cs.CL, stat.ML updates on arXiv.org");
	if ((p = find(&s, "2205.06398"))) {
		T_EQ_INT(p->version, 2);
		T_EQ_INT(p->announce, PB_ANN_CROSS);
		T_EQ_STR(p->categories[0], "stat.ME");
		T_EQ_STR(p->doi, "10.1093/bioinformatics/btac431");
		T_EQ_INT(p->n_authors, 3);
		T_EQ_STR(p->authors[2].name, "David B. Dunson");
		T_EQ_STR(p->published, "2026-09-24T04:00:00Z");
	}
	if ((p = find(&s, "2009.13987"))) {
		T_EQ_INT(p->version, 3);
		T_EQ_INT(p->announce, PB_ANN_REPLACE);
	}
	/* The same feed again into the same set: one record per paper. */
	{
		struct pb_buf b;
		struct pb_parse_result r2;
		slurp(t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml"),
		      &b);
		T_EQ_INT(pb_parse_feed(b.data, b.len, "again", &s, &r2), PB_PARSE_OK);
		T_EQ_INT(r2.n_added, 4);
		T_EQ_INT(s.n, 4);
		pb_buf_free(&b);
	}
	pb_paperset_free(&s);

	parse_file("atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml", &s, &res);
	T_EQ_STR(s.feed_title, "cs.LG updates on arXiv.org");
	if ((p = find(&s, "2609.28553"))) {
		T_EQ_INT(p->version, 1);
		T_EQ_INT(p->announce, PB_ANN_NEW);
		T_EQ_STR(p->abstract, "Drug toxicity prediction is critical for reducing late-stage "
				      "attrition in drug discovery, yet remains challenging due to "
				      "severe class imbalance, scaffold-based generalization, and the "
				      "clinical need for interpretable predictions.");
		T_EQ_STR(p->journal_ref, "2026 International Conference on Multimedia Analysis and "
					 "Pattern Recognition (MAPR)");
		T_EQ_STR(p->doi, "10.1109/MAPR72750.2026.11685822");
		T_EQ_INT(p->n_authors, 6);
		T_EQ_STR(p->authors[0].name, "Quang Minh Nguyen");
		T_EQ_STR(p->authors[5].name, "Trong Nghia Nguyen");
		T_EQ_STR(p->published, "2026-09-25T04:00:00Z");
		T_EQ_STR(p->updated, "2026-09-25T04:00:11Z");
		T_EQ_INT(p->n_categories, 2);
	}
	if ((p = find(&s, "2402.10149"))) {
		T_EQ_INT(p->version, 3);
		T_EQ_INT(p->announce, PB_ANN_CROSS);
		T_EQ_STR(p->categories[0], "hep-ph");
		T_EQ_STR(p->categories[1], "cs.LG");
		T_EQ_STR(p->categories[2], "hep-ex");
		T_EQ_STR(p->doi, "10.1103/PhysRevD.111.032004");
	}
	if ((p = find(&s, "2401.08875")))
		T_EQ_INT(p->announce, PB_ANN_REPLACE);
	pb_paperset_free(&s);
}

static void
test_api(void)
{
	struct pb_paperset s;
	struct pb_parse_result res;
	const struct pb_paper *p;
	size_t i;
	int n_comment = 0, n_jref = 0, n_doi = 0;

	/* 2016 layout: inline namespaces, wrapped title, hard-wrapped summary. */
	parse_file("api2016-idlist-1111.2011v2.xml", &s, &res);
	if ((p = find(&s, "1111.2011"))) {
		T_EQ_INT(p->version, 2);
		T_EQ_STR(p->title, "Quantum Criticality for Extended Nodes on a Bethe Lattice in the "
				   "Large Connectivity Limit");
		T_CHECK(strncmp(p->abstract, "Theoretical description of anisotropic systems, such "
					     "as layered superconductors and coupled spin chains",
				70) == 0);
		T_CHECK(strcmp(p->abstract + strlen(p->abstract) - 24,
			       "describing a single node.") == 0 ||
			strcmp(p->abstract + strlen(p->abstract) - 25,
			       "describing a single node.") == 0);
		T_CHECK(strstr(p->abstract, "d-dimensional \"nodes\" arranged as the vertices") !=
			NULL);
		T_EQ_STR(p->published, "2011-11-08T18:48:36Z");
		T_EQ_STR(p->updated, "2012-04-02T12:38:54Z");
		T_EQ_STR(p->doi, "10.1103/PhysRevB.85.115117");
		T_EQ_STR(p->comment, "8 pages, 3 figures. Published version");
		T_EQ_STR(p->journal_ref, "Phys. Rev. B 85, 115117 (2012)");
		T_EQ_INT(p->n_categories, 2);
		T_EQ_STR(p->categories[0], "cond-mat.str-el");
		T_EQ_STR(p->categories[1], "cond-mat.stat-mech");
		T_EQ_INT(p->n_authors, 3);
		T_EQ_STR(p->authors[1].name, "Adrian Del Maestro");
	}
	T_CHECK(strncmp(s.feed_title, "ArXiv Query: search_query=&id_list=1111.2011v2", 46) == 0);
	pb_paperset_free(&s);

	parse_file("api2016-query-au-del_maestro-10.xml", &s, &res);
	if ((p = find(&s, "1201.4869"))) {
		T_EQ_INT(p->version, 1);
		T_EQ_STR(p->title, "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores");
		T_EQ_STR(p->comment, "26 pages, 10 figures");
		T_EQ_STR(p->journal_ref, "Int. J. Mod. Phys. B, 26, 1244002 (2012)");
		T_EQ_STR(p->doi, "10.1142/S021797921244002X");
		T_EQ_STR(p->categories[0], "cond-mat.mes-hall");
		T_EQ_STR(p->categories[1], "cond-mat.other");
		T_EQ_STR(p->published, "2012-01-23T21:15:02Z");
		T_EQ_STR(p->updated, "2012-01-23T21:15:02Z");
	}
	if ((p = find(&s, "cond-mat/0412498")))
		T_EQ_INT(p->version, 1);
	if ((p = find(&s, "cond-mat/0607501")))
		T_EQ_INT(p->version, 2);
	pb_paperset_free(&s);

	parse_file("api2026-query-all-testing-100.xml", &s, &res);
	for (i = 0; i < s.n; i++) {
		n_comment += s.v[i].comment != NULL;
		n_jref += s.v[i].journal_ref != NULL;
		n_doi += s.v[i].doi != NULL;
	}
	T_EQ_INT(n_comment, 97);
	T_EQ_INT(n_jref, 18);
	T_EQ_INT(n_doi, 32);
	if ((p = find(&s, "2202.12139"))) {
		T_EQ_STR(p->title, "Testing Deep Learning Models: A First Comparative Study of "
				   "Multiple Testing Techniques");
		T_EQ_INT(p->n_authors, 3);
		T_EQ_STR(p->authors[0].name, "Mohit Kumar Ahuja");
		T_EQ_STR(p->categories[0], "cs.SE");
		T_EQ_STR(p->doi, "10.1109/ICSTW55395.2022.00035");
	}
	if ((p = find(&s, "0804.0970"))) {
		T_CHECK(p->n_authors >= 2);
		for (i = 0; i < p->n_authors; i++) {
			if (strcmp(p->authors[i].name, "Marie-Claude Gaudel") == 0) {
				T_EQ_INT(p->authors[i].n_affils, 1);
				T_EQ_STR(p->authors[i].affils[0], "LRI");
			}
			if (strcmp(p->authors[i].name, "Pascale Le Gall") == 0)
				T_EQ_STR(p->authors[i].affils[0], "IBISC");
		}
	}
	if ((p = find(&s, "2306.03845")))
		T_EQ_STR(p->title, "$\xcf\x89$Test: WebView-Oriented Testing for Android Applications");
	if ((p = find(&s, "cs/0503050")))
		T_EQ_INT(p->version, 1);
	if ((p = find(&s, "hep-ph/0301050")))
		T_EQ_INT(p->version, 2);
	if ((p = find(&s, "gr-qc/0103067")))
		T_EQ_INT(p->version, 1);
	pb_paperset_free(&s);

	parse_file("api2026-query-all-testing-start5-max10.xml", &s, &res);
	if ((p = find(&s, "1202.4527"))) {
		T_EQ_STR(p->journal_ref, "International Journal of Software Engineering & "
					 "Applications (IJSEA), Vol.3, No.1, January 2012");
		T_EQ_STR(p->authors[1].name, "Emi Retna");
	}
	pb_paperset_free(&s);

	parse_file("api2026-id-oldstyle-astro-ph-0601001-affiliations.xml", &s, &res);
	if ((p = find(&s, "astro-ph/0601001"))) {
		T_EQ_INT(p->version, 1);
		T_EQ_INT(p->n_categories, 1);
		T_EQ_STR(p->categories[0], "astro-ph");
		T_EQ_STR(p->journal_ref, "ActaAstron.56:1-50,2006");
		T_EQ_INT(p->n_authors, 4);
		T_EQ_STR(p->authors[0].name, "Andrew Gould");
		T_EQ_STR(p->authors[0].affils[0], "Ohio State");
		T_EQ_STR(p->authors[2].affils[0], "CfA");
		T_EQ_STR(p->authors[3].name, "Andrzej Udalski");
		T_EQ_STR(p->authors[3].affils[0], "Warsaw University Observatory");
		T_CHECK(strncmp(p->abstract, "We derive the frequencies of hot Jupiters", 41) == 0);
		T_CHECK(strstr(p->abstract, "Gould & Morgan (2003)") != NULL);
		T_CHECK(strstr(p->abstract, "V_max<17.5") != NULL);
		T_CHECK(strncmp(p->comment, "62 pages including 16 figures and 9 tables.", 43) == 0);
		T_EQ_STR(p->published, "2006-01-02T14:57:58Z");
	}
	pb_paperset_free(&s);

	parse_file("api2026-id-oldstyle-quant-ph-0201082v1.xml", &s, &res);
	if ((p = find(&s, "quant-ph/0201082"))) {
		T_EQ_INT(p->version, 1);
		T_EQ_STR(p->title, "Quantum Computers and Quantum Computer Languages: Quantum "
				   "Assembly Language and Quantum C Language");
		T_EQ_STR(p->categories[0], "quant-ph");
		T_EQ_STR(p->categories[1], "cs.PL");
		T_EQ_STR(p->comment, "32 pages");
	}
	pb_paperset_free(&s);

	parse_file("api2026-idlist-two-ids-one-missing.xml", &s, &res);
	if ((p = find(&s, "1707.08567"))) {
		T_EQ_INT(p->n_authors, 34);
		T_EQ_STR(p->authors[0].name, "Kees A. Schouhamer Immink");
		T_EQ_STR(p->comment, "44 pages, editors for the proceedings: Yanling Chen and "
				     "A. J. Han Vinck");
		T_EQ_STR(p->categories[0], "cs.IT");
	}
	T_EQ_INT(pb_paperset_find(&s, "0808.05394"), -1);
	pb_paperset_free(&s);
}

static void
test_legacy(void)
{
	struct pb_paperset s;
	struct pb_parse_result res;
	const struct pb_paper *p;

	parse_file("rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml", &s, &res);
	T_EQ_STR(s.feed_title, "hep-ex updates on arXiv.org");
	if ((p = find(&s, "1805.08875"))) {
		T_EQ_INT(p->version, 1);
		T_EQ_INT(p->announce, PB_ANN_NEW);
		T_EQ_STR(p->title, "Measurement of Transverse Single Spin Asymmetries in $\\pi^0$ "
				   "Production from $p^{\\uparrow}+p$ and $p^{\\uparrow}+A$ "
				   "Collisions at STAR");
		T_EQ_STR(p->categories[0], "hep-ex");
		T_EQ_INT(p->n_authors, 1);
		T_EQ_STR(p->authors[0].name, "Christopher Dilks");
		T_EQ_STR(p->authors[0].affils[0], "STAR Collaboration");
		T_CHECK(strncmp(p->abstract, "In 2015 the first collisions", 28) == 0);
		T_CHECK(strstr(p->abstract, "$2.6<\\eta<4$") != NULL);
		T_CHECK(strchr(p->abstract, '<') == strstr(p->abstract, "<\\eta"));
	}
	if ((p = find(&s, "1805.09166"))) {
		T_EQ_INT(p->announce, PB_ANN_CROSS);
		T_EQ_STR(p->title, "Recent Top quark results from the Tevatron");
		T_EQ_STR(p->abstract, "We present recent measurements");
	}
	if ((p = find(&s, "1805.06430"))) {
		T_EQ_INT(p->version, 2);
		T_EQ_INT(p->announce, PB_ANN_REPLACE);
		T_EQ_STR(p->categories[0], "nucl-th");
	}
	pb_paperset_free(&s);

	parse_file("rss1-legacy-hep-ex-2021-07-08-3items-desc-replaced.xml", &s, &res);
	if ((p = find(&s, "2107.03419"))) {
		T_EQ_STR(p->title, "Observation of excited $\\Omega_c^0$ baryons in "
				   "$\\Omega_b^- \\to \\Xi_c^+ K^-\\pi^-$ decays");
		T_EQ_INT(p->n_authors, 2); /* "et al. (909 additional authors not shown)" dropped */
		T_EQ_STR(p->authors[0].name, "LHCb collaboration");
		T_EQ_STR(p->authors[1].name, "R. Aaij");
	}
	if ((p = find(&s, "2106.00550"))) {
		T_EQ_INT(p->announce, PB_ANN_CROSS);
		T_EQ_STR(p->categories[0], "math.GR");
	}
	pb_paperset_free(&s);

	parse_file("oai-listrecords-arXiv-physics-hep-ex-2017-3records.xml", &s, &res);
	if ((p = find(&s, "1706.05371"))) {
		T_EQ_INT(p->version, 0);
		T_EQ_STR(p->title, "Evaluation of Silicon Photomultipliers for use as Photosensors "
				   "in Liquid Xenon Detectors");
		T_EQ_INT(p->n_authors, 13);
		T_EQ_STR(p->authors[0].name, "Tyler Anderson");
		T_EQ_STR(p->authors[12].name, "Mani Tripathi");
		T_EQ_STR(p->categories[0], "physics.ins-det");
		T_EQ_STR(p->categories[1], "hep-ex");
		T_EQ_STR(p->published, "2017-06-16T00:00:00Z");
		T_EQ_STR(p->updated, "2017-12-12T00:00:00Z");
		T_EQ_STR(p->comment, "10 pages, 9 figures");
	}
	if ((p = find(&s, "1706.09418"))) {
		T_EQ_STR(p->journal_ref, "Eur. Phys. J. C (2017) 77:856");
		T_EQ_STR(p->doi, "10.1140/epjc/s10052-017-5414-4");
		T_EQ_STR(p->authors[2].name, "Manuel E. Krauss");
		T_EQ_STR(p->comment, "43 pages, 13 tables, 17 figures; updated Figs. 11-17 and Tab. "
				     "12 including NLO corrections; version accepted for "
				     "publication in EPJC");
	}
	pb_paperset_free(&s);

	parse_file("oai-listrecords-arXivRaw-2014-1000records.xml", &s, &res);
	if ((p = find(&s, "0811.3648"))) {
		T_EQ_INT(p->version, 2);
		T_EQ_STR(p->title, "Revisiting Norm Estimation in Data Streams");
		T_EQ_INT(p->n_authors, 3);
		T_EQ_STR(p->authors[0].name, "Daniel M. Kane");
		T_EQ_STR(p->authors[2].name, "David P. Woodruff");
		T_EQ_STR(p->categories[0], "cs.DS");
		T_EQ_STR(p->categories[1], "cs.CC");
		T_EQ_STR(p->published, "2008-11-21T22:55:07Z");
		T_EQ_STR(p->updated, "2009-04-09T02:45:30Z");
		T_CHECK(strncmp(p->comment, "added content; modified L_0 algorithm", 37) == 0);
		T_CHECK(strstr(p->abstract, "x_i <-- x_i + v") != NULL);
	}
	if ((p = find(&s, "0811.3649")))
		T_EQ_INT(p->version, 4);
	pb_paperset_free(&s);
}

/* Parses a string; returns the status. */
static enum pb_parse_status
parse_str(const char *xml, size_t len, struct pb_paperset *s, struct pb_parse_result *res)
{
	return pb_parse_feed(xml, len, "synthetic", s, res);
}

#define RSS_HEAD \
	"<?xml version='1.0' encoding='UTF-8'?>\n<rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" " \
	"xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\"><channel>" \
	"<title>cs.CV updates on arXiv.org</title>" \
	"<pubDate>Thu, 04 Dec 2025 00:00:00 -0500</pubDate>"
#define RSS_TAIL "</channel></rss>"

static void
test_synthetic_formats(void)
{
	static const char api[] =
		"<feed xmlns=\"http://www.w3.org/2005/Atom\" "
		"xmlns:arxiv=\"http://arxiv.org/schemas/atom\"><entry>"
		"<id>http://arxiv.org/abs/2512.00001v2</id><title>  T  </title>"
		"<category term=\"cs.LG\"/><category term=\"cs.CV\"/>"
		"<arxiv:primary_category term=\"cs.CV\"/><author><name>A</name></author>"
		"<author><name/></author></entry></feed>";
	static const char rss[] = RSS_HEAD
		"<item><title>X</title><description><![CDATA[arXiv:2512.00002v3 Announce Type: "
		"replace-cross \nAbstract: a <b>&amp; b]]></description>"
		"<guid>oai:arXiv.org:2512.00002v3</guid><category>cs.RO</category>"
		"<category>cs.CV</category><arxiv:announce_type>replace-cross</arxiv:announce_type>"
		"<dc:creator>A. B (X (Y), Z), C. D</dc:creator></item>"
		"<item><title>no id here</title><description>nothing</description></item>"
		RSS_TAIL;
	static const char dup[] = RSS_HEAD
		"<item><title>First</title><guid>oai:arXiv.org:2512.00003v1</guid>"
		"<category>cs.CV</category><category>cs.LG</category></item>"
		"<item><title>Other</title><guid>oai:arXiv.org:2512.00004v1</guid></item>"
		"<item><title>First</title><guid>oai:arXiv.org:2512.00003v1</guid>"
		"<category>cs.RO</category><category>cs.CV</category></item>" RSS_TAIL;
	static const char oai_none[] =
		"<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>x"
		"</responseDate><error code=\"noRecordsMatch\">The combination of the values of "
		"the from, until, set and metadataPrefix arguments results in an empty list."
		"</error></OAI-PMH>";
	static const char oai_err[] =
		"<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><error code=\"badArgument\">"
		"Illegal argument</error></OAI-PMH>";
	struct pb_paperset s;
	struct pb_parse_result res;
	const struct pb_paper *p;

	pb_paperset_init(&s);
	T_EQ_INT(parse_str(api, sizeof api - 1, &s, &res), PB_PARSE_OK);
	if ((p = find(&s, "2512.00001"))) {
		T_EQ_STR(p->title, "T");
		T_EQ_INT(p->n_categories, 2);
		T_EQ_STR(p->categories[0], "cs.CV"); /* primary moved first */
		T_EQ_STR(p->categories[1], "cs.LG");
		T_EQ_INT(p->n_authors, 1); /* the empty <name/> is dropped */
	}
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(parse_str(rss, sizeof rss - 1, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_items, 2);
	T_EQ_INT(res.n_skipped, 1); /* the item without an id */
	T_EQ_INT(s.n, 1);
	T_EQ_STR(s.announce_date, "2025-12-04");
	if ((p = find(&s, "2512.00002"))) {
		T_EQ_INT(p->version, 3);
		T_EQ_INT(p->announce, PB_ANN_REPLACE_CROSS);
		T_EQ_STR(p->abstract, "a <b>&amp; b"); /* CDATA is literal text */
		T_EQ_STR(p->categories[0], "cs.RO");
		T_EQ_INT(p->n_authors, 2);
		T_EQ_STR(p->authors[0].name, "A. B");
		T_EQ_INT(p->authors[0].n_affils, 2);
		T_EQ_STR(p->authors[0].affils[0], "X (Y)");
		T_EQ_STR(p->authors[0].affils[1], "Z");
		T_EQ_STR(p->authors[1].name, "C. D");
		T_CHECK(p->published == NULL); /* no pubDate in the item */
	}
	pb_paperset_free(&s);

	/* The same paper twice in one feed (seen under two categories): one record. */
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(dup, sizeof dup - 1, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_items, 3);
	T_EQ_INT(s.n, 2);
	if ((p = find(&s, "2512.00003"))) {
		T_EQ_INT(p->n_categories, 3);
		T_EQ_STR(p->categories[0], "cs.CV");
		T_EQ_STR(p->categories[2], "cs.RO");
		T_EQ_STR(p->title, "First");
	}
	T_EQ_INT(pb_paperset_find(&s, "2512.00004"), 1);
	/* And again into the now non-empty set: merged, not appended. */
	T_EQ_INT(parse_str(dup, sizeof dup - 1, &s, &res), PB_PARSE_OK);
	T_EQ_INT(s.n, 2);
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(parse_str(oai_none, sizeof oai_none - 1, &s, &res), PB_PARSE_EMPTY);
	T_EQ_INT(parse_str(oai_err, sizeof oai_err - 1, &s, &res), PB_PARSE_ARXIV_ERROR);
	T_EQ_STR(res.message, "Illegal argument");
	T_EQ_INT(s.n, 0);
	pb_paperset_free(&s);
}

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
	expect_bad("nul byte", RSS_HEAD "\0" RSS_TAIL, sizeof RSS_HEAD + sizeof RSS_TAIL - 1,
		   NULL);

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
	/* Invalid UTF-8 inside a title. */
	pb_buf_init(&m);
	at = strstr(b.data + 2000, "<title>") + 7;
	off = (size_t)(at - b.data);
	pb_buf_append(&m, b.data, off);
	pb_buf_append(&m, "\xff\xfe\xc3", 3);
	pb_buf_append(&m, b.data + off, b.len - off);
	T_EQ_INT(parse_str(m.data, m.len, &s, &res), PB_PARSE_BAD);
	T_CHECK(strstr(res.message, "UTF-8") != NULL);
	T_EQ_INT(s.n, 0);
	/* An overlong UTF-8 encoding and a lone continuation byte. */
	pb_buf_reset(&m);
	pb_buf_append(&m, b.data, off);
	pb_buf_append(&m, "\xc0\xaf \x80", 4);
	pb_buf_append(&m, b.data + off, b.len - off);
	T_EQ_INT(parse_str(m.data, m.len, &s, &res), PB_PARSE_BAD);

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

/* Absurd sizes: a 70 KB abstract, 5001 dc:creator authors, 5001 Atom authors. */
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
	T_EQ_INT(res.n_skipped, 2);
	T_EQ_INT(s.n, 1);
	T_CHECK(pb_paperset_find(&s, "2512.00012") == 0);
	pb_paperset_free(&s);

	pb_buf_reset(&x);
	pb_buf_puts(&x, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
			"<id>http://arxiv.org/abs/2512.00013v1</id>");
	for (k = 0; k <= 5000; k++)
		pb_buf_puts(&x, "<author><name>N</name></author>");
	pb_buf_puts(&x, "</entry><entry><id>http://arxiv.org/abs/2512.00014v1</id></entry></feed>");
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(x.data, x.len, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_skipped, 1);
	T_EQ_INT(s.n, 1);
	T_CHECK(pb_paperset_find(&s, "2512.00014") == 0);
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
	size_t i;

	/* Skipped records warn; keep the test output to what fails. */
	pb_log_setup(PB_LOG_ERROR, 0);
	test_all_fixtures_listed();
	for (i = 0; i < N_FIXTURES; i++)
		test_fixture(&fixtures[i]);
	test_rss2_all();
	test_rss2_excerpt_and_atom();
	test_api();
	test_legacy();
	test_synthetic_formats();
	test_bad_inputs();
	test_truncated_and_corrupt();
	test_limits();
	test_whitespace();
	test_pieces_and_cuts();
	return t_done("test_parse");
}
