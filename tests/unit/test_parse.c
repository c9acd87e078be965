/* Feed parsing against every real arXiv response in the fixtures: counts, kinds, paging,
 * errors, and field values read from each file. */
#include "parse_common.h"

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
		/* [nucl-th] UPDATED in the hep-ex feed: a replacement cross-listed here. */
		T_EQ_INT(p->announce, PB_ANN_REPLACE_CROSS);
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
	static const char api_err2[] =
		"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>https://arxiv.org/api/"
		"oops</id><title>Error</title><summary>start must be an integer</summary>"
		"</entry></feed>";
	static const char oai_none[] =
		"<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><responseDate>x"
		"</responseDate><error code=\"noRecordsMatch\">The combination of the values of "
		"the from, until, set and metadataPrefix arguments results in an empty list."
		"</error></OAI-PMH>";
	static const char oai_deleted[] =
		"<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords>"
		"<record><header status=\"deleted\"><identifier>oai:arXiv.org:0704.0001"
		"</identifier></header></record>"
		"<record><header><identifier>oai:arXiv.org:0704.0002</identifier></header>"
		"<metadata><arXivRaw xmlns=\"http://arxiv.org/OAI/arXivRaw/\"><id>0704.0002</id>"
		"<version version=\"v1\"><date>Mon, 2 Apr 2007 19:18:42 GMT</date></version>"
		"<version version=\"v3\"><date>Sat, 13 Dec 2008 17:26:00 GMT</date></version>"
		"<title>Sparsity-certifying Graph Decompositions</title>"
		"<authors>Ileana Streinu and Louis Theran</authors>"
		"<categories>math.CO cs.CG</categories></arXivRaw></metadata></record>"
		"<resumptionToken cursor=\"0\" completeListSize=\"2\"></resumptionToken>"
		"</ListRecords></OAI-PMH>";
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

	/* A date that is a weekday and its comma alone ("Thu,"), the channel's and an item's:
	 * no date, and nothing read past the text's end (the channel's is an allocation of
	 * its own length: ASan saw the one byte beyond it). */
	{
		static const char bare_day[] =
			"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>"
			"<pubDate>Thu,</pubDate><item><title>x</title>"
			"<guid>oai:arXiv.org:2609.26811v1</guid><pubDate>Fri, </pubDate></item>"
			"</channel></rss>";

		pb_paperset_init(&s);
		T_EQ_INT(parse_str(bare_day, sizeof bare_day - 1, &s, &res), PB_PARSE_OK);
		T_EQ_INT(s.n, 1);
		if ((p = find(&s, "2609.26811")))
			T_CHECK(p->published == NULL);
		pb_paperset_free(&s);
	}

	/* rss.arxiv.org's Atom error feed from a mirror, whose id does not name rss.arxiv.org:
	 * still arXiv's error, its message the subtitle; an empty Atom day stays empty. */
	{
		static const char atom_err[] =
			"<?xml version='1.0' encoding='UTF-8'?>\n<feed "
			"xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en-us\">"
			"<id>http://127.0.0.1:8080/atom/cs.XX</id>"
			"<title>Feed error for query: http://127.0.0.1:8080/atom/cs.XX</title>"
			"<updated>2024-11-28T17:29:24+00:00</updated>"
			"<subtitle>Bad subject class 'XX'.</subtitle></feed>";
		static const char atom_empty[] =
			"<?xml version='1.0' encoding='UTF-8'?>\n<feed "
			"xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en-us\">"
			"<id>http://rss.arxiv.org/atom/cs.CV</id>"
			"<title>cs.CV updates on arXiv.org</title>"
			"<updated>2024-11-30T05:00:00+00:00</updated>"
			"<subtitle>cs.CV updates on the arXiv.org e-print archive.</subtitle></feed>";

		pb_paperset_init(&s);
		T_EQ_INT(parse_str(atom_err, sizeof atom_err - 1, &s, &res), PB_PARSE_ARXIV_ERROR);
		T_EQ_STR(res.message, "Bad subject class 'XX'.");
		T_EQ_INT(parse_str(atom_empty, sizeof atom_empty - 1, &s, &res), PB_PARSE_EMPTY);
		T_EQ_INT(s.n, 0);
		pb_paperset_free(&s);
	}

	/* An error entry with an unexpected id: the title still says Error. */
	pb_paperset_init(&s);
	T_EQ_INT(parse_str(api_err2, sizeof api_err2 - 1, &s, &res), PB_PARSE_ARXIV_ERROR);
	T_EQ_STR(res.message, "start must be an integer");
	T_EQ_INT(s.n, 0);
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(parse_str(oai_none, sizeof oai_none - 1, &s, &res), PB_PARSE_EMPTY);
	T_EQ_INT(parse_str(oai_err, sizeof oai_err - 1, &s, &res), PB_PARSE_ARXIV_ERROR);
	T_EQ_STR(res.message, "Illegal argument");
	T_EQ_INT(s.n, 0);
	/* A deleted record is seen but not a paper; flat author lists split on "and". */
	T_EQ_INT(parse_str(oai_deleted, sizeof oai_deleted - 1, &s, &res), PB_PARSE_OK);
	T_EQ_INT(res.n_items, 2);
	T_EQ_INT(res.n_skipped, 0);
	T_EQ_INT(s.n, 1);
	T_EQ_INT(s.total_results, 2);
	T_EQ_INT(s.start_index, 0);
	T_EQ_INT(pb_paperset_find(&s, "0704.0001"), -1);
	if ((p = find(&s, "0704.0002"))) {
		T_EQ_INT(p->version, 3);
		T_EQ_INT(p->n_authors, 2);
		T_EQ_STR(p->authors[0].name, "Ileana Streinu");
		T_EQ_STR(p->authors[1].name, "Louis Theran");
		T_EQ_STR(p->published, "2007-04-02T19:18:42Z");
		T_EQ_STR(p->updated, "2008-12-13T17:26:00Z");
		T_EQ_STR(p->categories[1], "cs.CG");
	}
	pb_paperset_free(&s);
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
	return t_done("test_parse");
}
