/* Key findings with and without a full text, and the built-in themes, on real abstracts of the
 * 1,504-item day and on full texts built by hand: numbers from the results preferred, the
 * abstract never said again, no background, problem statement or orphan list item; themes with
 * no word split by a TeX accent and no filler. */
#include "paperboy/cli.h"
#include "paperboy/fulltext.h"
#include "paperboy/parse.h"
#include "paperboy/summarize.h"
#include "t.h"

static struct pb_paperset day;

static void
load_day(void)
{
	struct pb_parse_result res;
	char *data, err[256];
	size_t len;

	pb_paperset_init(&day);
	if (pb_read_file(t_fixture("rss2-all-archives-2024-11-28-1504items.xml"), &data, &len, err,
			 sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		T_CHECK(!"fixture readable");
		return;
	}
	pb_parse_feed(data, len, "fixture", &day, &res);
	free(data);
	T_EQ_INT(day.n, 1504);
}

static const struct pb_paper *
paper(const char *id)
{
	long k = pb_paperset_find(&day, id);

	T_CHECK(k >= 0);
	return k >= 0 ? &day.v[k] : NULL;
}

/* ---- findings without a full text ---- */

static void
test_abstract_rules(void)
{
	char **v;
	size_t n;
	const struct pb_paper *p;

	/* background and problem statements never, even when they carry a number */
	n = pb_key_findings("Recently, 3D Gaussian Splatting has achieved 100 FPS rendering on "
			    "common scenes. However, endoscopy systems are monocular and lose 40% "
			    "of the depth cues. We propose EndoSplat, a monocular splatting "
			    "pipeline for endoscopy. EndoSplat improves PSNR by 2.1 dB over the "
			    "strongest baseline on two datasets.", 4, &v);
	T_EQ_INT(n, 2);
	for (size_t k = 0; k < n; k++) {
		T_CHECK(strncmp(v[k], "Recently", 8) != 0);
		T_CHECK(strncmp(v[k], "However", 7) != 0);
	}
	pb_sentences_free(v, n);

	/* the paper's own results in the perfect tense are no background */
	n = pb_key_findings("Many methods exist for the problem in the literature today. These "
			    "results have shown that the model improves accuracy by 5% on two "
			    "benchmarks.", 4, &v);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_CHECK(strncmp(v[0], "These results have shown", 24) == 0);
	pb_sentences_free(v, n);

	/* an orphan list item never, however strong */
	n = pb_key_findings("We study three questions about the forest carbon stock. (3) The IIDM "
			    "model outperforms all baselines by 12% in accuracy. Our method "
			    "achieves state-of-the-art results on the national inventory.", 4, &v);
	for (size_t k = 0; k < n; k++)
		T_CHECK(v[k][0] != '(');
	T_CHECK(n >= 1);
	pb_sentences_free(v, n);

	/* the real abstract the issue quotes: 2411.17973 has "(1) ... (2) ... (3) The IIDM model" */
	p = paper("2411.17973");
	if (p) {
		T_CHECK(strstr(p->abstract, "(3) The IIDM model") != NULL);
		n = pb_key_findings(p->abstract, 4, &v);
		T_CHECK(n >= 1);
		for (size_t k = 0; k < n; k++) {
			T_CHECK(v[k][0] != '(');
			T_CHECK(strncmp(v[k], "However", 7) != 0);
		}
		pb_sentences_free(v, n);
	}
}

/* Across the whole day: no finding is background, a problem or an orphan item. */
static void
test_day_has_no_background(void)
{
	size_t bad = 0, total = 0;

	for (size_t i = 0; i < day.n; i++) {
		char **v;
		size_t n = pb_key_findings(day.v[i].abstract, 4, &v);

		for (size_t k = 0; k < n; k++, total++) {
			/* "However, we find ..." is the authors' result, not the problem */
			int own = strstr(v[k], " we ") || strstr(v[k], " our ") ||
				  strstr(v[k], " this paper") || strstr(v[k], " this work");

			if ((!own && (strncmp(v[k], "However", 7) == 0 ||
				      strncmp(v[k], "Recently", 8) == 0)) ||
			    (v[k][0] == '(' && v[k][1] >= '1' && v[k][1] <= '9' && v[k][2] == ')')) {
				if (bad++ < 5)
					fprintf(stderr, "  %s: \"%.80s\"\n", day.v[i].id, v[k]);
			}
		}
		pb_sentences_free(v, n);
	}
	T_EQ_INT(bad, 0);
	T_CHECK(total > day.n);
}

static void
test_has_number(void)
{
	static const struct {
		const char *s;
		int want;
	} c[] = {
		{ "Accuracy rises to 87.3 on the test set.", 1 },
		{ "It improves PSNR by 2 dB.", 1 },
		{ "Errors fall by 40% overall.", 1 },
		{ "Errors fall by 40\\% overall.", 1 },
		{ "Training is 3.5x faster.", 1 },
		{ "Training is 10-fold cheaper.", 1 },
		{ "It runs at 30 fps on a phone.", 1 },
		{ "The model is 3 times smaller.", 1 },
		{ "As shown in Table 3, it works.", 0 },
		{ "See Section 4.2 for the proof.", 0 },
		{ "Since 2020 this has been studied [12].", 0 },
		{ "We use the ResNet50 backbone.", 0 },
		{ "Two models are compared.", 0 },
		{ "We cite prior work [3, 4].", 0 },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		int got = pb_finding_has_number(c[i].s);

		if (got != c[i].want)
			fprintf(stderr, "  has_number(\"%s\") = %d\n", c[i].s, got);
		T_EQ_INT(got, c[i].want);
	}
}

/* ---- findings with a full text ---- */

static void
set_section(struct pb_ft_section *s, enum pb_ft_kind k, const char *text)
{
	s->kind = k;
	s->title = NULL;
	s->text = (char *)text;
}

static const char abstract[] =
	"Recently, neural radiance fields have achieved impressive novel view synthesis. However, "
	"they are slow to render. We propose FastField, a hash-grid radiance field with a learned "
	"occupancy cache. Experiments show that FastField renders faster than prior methods while "
	"keeping quality.";

static void
test_fulltext_findings(void)
{
	struct pb_ft_section sec[5];
	char *tables[1] = { (char *)"Table 2: PSNR SSIM LPIPS Ours 31.42 0.921 0.081 InstantNGP "
				    "30.10 0.902 0.097" };
	struct pb_fulltext ft;
	char **v, **a;
	size_t n, na, with_num = 0, abs_num = 0;

	set_section(&sec[0], PB_FT_INTRODUCTION,
		    "Recently, neural fields have achieved 95.1% of photo quality in many scenes. "
		    "However, they are slow to render on phones and laptops.");
	set_section(&sec[1], PB_FT_METHOD,
		    "We build a hash grid with 16 levels and a cache of 2.5 MB for every scene.");
	set_section(&sec[2], PB_FT_RESULTS,
		    "We train all models for 30 epochs with a batch size of 4096 rays on one GPU.\n\n"
		    "FastField reaches a PSNR of 31.42 dB on Mip-NeRF 360, 1.3 dB higher than "
		    "InstantNGP.\n\n"
		    "Rendering takes 4.2 ms per frame, 9.5x faster than the strongest baseline.\n\n"
		    "(3) The cache is kept in the GPU memory across frames for every scene.\n\n"
		    "However, thin structures such as bicycle spokes remain challenging for all "
		    "methods.\n\n"
		    "Experiments show that FastField renders faster than prior methods while "
		    "keeping quality.\n\n"
		    "The occupancy cache removes most empty samples along each ray in practice.");
	set_section(&sec[3], PB_FT_CONCLUSION,
		    "In this paper, we proposed FastField, a hash-grid radiance field with a learned "
		    "occupancy cache.\n\n"
		    "FastField cuts the memory footprint by 38% compared to InstantNGP at equal "
		    "quality.\n\n"
		    "In future work, we will extend FastField to dynamic scenes with 120 fps video.");
	set_section(&sec[4], PB_FT_APPENDIX, "Table 9 lists 12.5 GB of results in the appendix.");
	memset(&ft, 0, sizeof ft);
	ft.sections = sec;
	ft.n_sections = 5;
	ft.tables = tables;
	ft.n_tables = 1;

	n = pb_key_findings_ft(abstract, &ft, 4, &v);
	na = pb_key_findings(abstract, 4, &a);
	T_EQ_INT(n, 3);
	for (size_t k = 0; k < n; k++) {
		with_num += pb_finding_has_number(v[k]);
		/* nothing the abstract says, nothing outside results and conclusion */
		T_CHECK(strstr(abstract, v[k]) == NULL);
		T_CHECK(strstr(v[k], "Recently") == NULL && strncmp(v[k], "However", 7) != 0);
		T_CHECK(v[k][0] != '(');
		T_CHECK(strstr(v[k], "epochs") == NULL);    /* a setup */
		T_CHECK(strstr(v[k], "future") == NULL);
		T_CHECK(strstr(v[k], "we proposed") == NULL);   /* the contribution again */
		T_CHECK(strstr(v[k], "appendix") == NULL && strstr(v[k], "hash grid") == NULL);
	}
	T_EQ_INT(with_num, n);
	if (n == 3) {   /* in the order written */
		T_CHECK(strncmp(v[0], "FastField reaches a PSNR of 31.42 dB", 36) == 0);
		T_CHECK(strncmp(v[1], "Rendering takes 4.2 ms", 22) == 0);
		T_CHECK(strncmp(v[2], "FastField cuts the memory footprint by 38%", 42) == 0);
	}
	for (size_t k = 0; k < na; k++)
		abs_num += pb_finding_has_number(a[k]);
	T_CHECK(with_num > abs_num);
	pb_sentences_free(v, n);
	pb_sentences_free(a, na);

	/* no results to use: the abstract's findings */
	ft.n_sections = 2;
	n = pb_key_findings_ft(abstract, &ft, 4, &v);
	na = pb_key_findings(abstract, 4, &a);
	T_EQ_INT(n, na);
	for (size_t k = 0; k < n && k < na; k++)
		T_EQ_STR(v[k], a[k]);
	pb_sentences_free(v, n);
	pb_sentences_free(a, na);

	/* no headings (a PDF read as paragraphs): only sentences with a number and a result */
	set_section(&sec[0], PB_FT_OTHER,
		    "We train all models for 30 epochs on one GPU.\n\n"
		    "The occupancy cache removes most empty samples along each ray in practice.\n\n"
		    "FastField cuts the memory footprint by 38% compared to InstantNGP at equal "
		    "quality.");
	ft.n_sections = 1;
	n = pb_key_findings_ft(abstract, &ft, 4, &v);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_CHECK(strstr(v[0], "38%") != NULL);
	pb_sentences_free(v, n);

	/* a finding said twice (results and conclusion) is shown once */
	set_section(&sec[0], PB_FT_RESULTS,
		    "FastField cuts the memory footprint by 38% compared to InstantNGP at equal "
		    "quality.");
	set_section(&sec[1], PB_FT_CONCLUSION,
		    "Compared to InstantNGP, FastField cuts the memory footprint by 38% at equal "
		    "quality.");
	ft.n_sections = 2;
	n = pb_key_findings_ft(abstract, &ft, 4, &v);
	T_EQ_INT(n, 1);
	pb_sentences_free(v, n);

	/* NULL full text: the abstract's */
	n = pb_key_findings_ft(abstract, NULL, 4, &v);
	T_EQ_INT(n, na);
	pb_sentences_free(v, n);
}

/* A number the tables hold makes a sentence a table value, whole numbers only ("31.25" is
 * not in "131.25" nor in "31.250"); and a page with thousands of sentences full of numbers
 * and 64 tables is read (it took most of a minute when each number was looked for in each
 * table: the speed is the benchmark's to show, this checks the answer). */
static void
test_table_values(void)
{
	struct pb_ft_section sec[1];
	char *tables[64] = { (char *)"Table 1: Ours 131.25 31.250 41.37." };
	struct pb_fulltext ft;
	struct pb_buf big = { 0 }, tb = { 0 };
	char **v;
	size_t n;

	set_section(&sec[0], PB_FT_RESULTS,
		    "Ours reaches 31.25 points on the second benchmark, above the baseline.\n\n"
		    "Ours reaches 41.37 points on the first benchmark, above the baseline.");
	memset(&ft, 0, sizeof ft);
	ft.sections = sec;
	ft.n_sections = 1;
	ft.tables = tables;
	ft.n_tables = 1;
	n = pb_key_findings_ft("A short abstract about something else.", &ft, 1, &v);
	T_EQ_INT(n, 1);
	if (n == 1)
		T_CHECK(strstr(v[0], "41.37") != NULL);
	pb_sentences_free(v, n);

	for (int i = 0; i < 1500; i++)
		pb_buf_puts(&tb, "1.1 ");
	for (int i = 0; i < 64; i++)
		tables[i] = tb.data;
	for (int k = 0; k < 1000; k++) {
		pb_buf_puts(&big, "Accuracy improved to");
		for (int j = 0; j < 60; j++)
			pb_buf_printf(&big, " 1.%02d", (j + k) % 100);
		pb_buf_puts(&big, " overall. ");
	}
	set_section(&sec[0], PB_FT_RESULTS, big.data);
	ft.n_tables = 64;
	n = pb_key_findings_ft("A short abstract about something else.", &ft, 4, &v);
	T_CHECK(n >= 1 && n <= 4);
	for (size_t i = 0; i < n; i++)
		T_CHECK(strstr(v[i], "Accuracy improved to 1.") == v[i]);
	pb_sentences_free(v, n);
	pb_buf_free(&big);
	pb_buf_free(&tb);
}

/* Real arXiv pages (tests/fixtures/fulltext, SOURCES.md): with the full text most findings
 * carry a number from the results, none is a sentence of the abstract, and each is in a
 * results, discussion or conclusion section. */
static void
check_real(const char *file, size_t min_numbers)
{
	char *data = NULL, err[256], why[256] = "", **v, **a;
	size_t len, n, na, num = 0, num_a = 0;
	struct pb_fulltext ft;
	const char *abs = NULL;

	if (pb_read_file(file, &data, &len, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		T_CHECK(!"fixture readable");
		return;
	}
	T_EQ_INT(pb_fulltext_from_html(data, len, "https://arxiv.org/html/x/", &ft, why,
				       sizeof why), 0);
	free(data);
	for (size_t i = 0; i < ft.n_sections; i++)
		if (ft.sections[i].kind == PB_FT_ABSTRACT)
			abs = ft.sections[i].text;
	T_CHECK(abs != NULL);
	n = pb_key_findings_ft(abs, &ft, 4, &v);
	na = pb_key_findings(abs, 4, &a);
	T_CHECK(n >= 2);
	for (size_t k = 0; k < n; k++) {
		int in_results = 0;

		num += pb_finding_has_number(v[k]);
		T_CHECK(abs && strstr(abs, v[k]) == NULL);
		for (size_t i = 0; i < ft.n_sections; i++) {
			enum pb_ft_kind kd = ft.sections[i].kind;

			if ((kd == PB_FT_RESULTS || kd == PB_FT_DISCUSSION || kd == PB_FT_CONCLUSION) &&
			    ft.sections[i].text && strstr(ft.sections[i].text, v[k]))
				in_results = 1;
		}
		T_CHECK(in_results);
	}
	for (size_t k = 0; k < na; k++)
		num_a += pb_finding_has_number(a[k]);
	if (num < min_numbers || num <= num_a)
		fprintf(stderr, "  %s: %zu of %zu findings with a number (abstract: %zu of %zu)\n",
			file, num, n, num_a, na);
	T_CHECK(num >= min_numbers);
	T_CHECK(num > num_a);
	pb_sentences_free(v, n);
	pb_sentences_free(a, na);
	pb_fulltext_clear(&ft);
}

static void
test_real_pages(void)
{
	check_real("tests/fixtures/fulltext/arxiv-2510.14362v1.html", 3);
	check_real("tests/fixtures/fulltext/arxiv-2501.11120v1.html", 3);
}

/* ---- themes ---- */

/* The "Recurring themes" line of the built-in summary of a digest of these papers. */
static char *
themes_of(const char *const *ids, size_t n)
{
	struct pb_digest d;
	char *sum, *line = NULL;

	memset(&d, 0, sizeof d);
	d.language = "en";
	d.items = calloc(n, sizeof *d.items);
	for (size_t i = 0; i < n; i++) {
		const struct pb_paper *p = paper(ids[i]);

		if (!p)
			continue;
		d.items[d.n_items].paper = p;
		d.items[d.n_items].topic = "t";
		d.items[d.n_items].n_findings = pb_key_findings(p->abstract, 4,
							       &d.items[d.n_items].findings);
		d.n_items++;
	}
	d.n_matched = d.n_items;
	sum = pb_exec_summary_builtin(&d);
	{
		const char *s = strstr(sum, "**Recurring themes:** ");

		if (s) {
			const char *e = strchr(s, '\n');

			s += 22;
			line = e ? strndup(s, (size_t)(e - s)) : strdup(s);
		}
	}
	free(sum);
	for (size_t i = 0; i < d.n_items; i++)
		pb_sentences_free(d.items[i].findings, d.items[i].n_findings);
	free(d.items);
	return line;
}

static int
has_word(const char *line, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = line; (p = strstr(p, w)) != NULL; p++)
		if ((p == line || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == ' ' || p[n] == ',' || p[n] == 0 || p[n] == '.'))
			return 1;
	return 0;
}

static void
test_themes(void)
{
	/* Schr\"odinger in the titles and abstracts of these */
	static const char *const schr[] = {
		"2411.17730", "2411.18163", "2411.18184", "2411.18341", "2411.18458", "2303.02236",
		"2411.16302",
	};
	/* "full", "individual", "addressing" in these titles */
	static const char *const filler[] = {
		"2411.17830", "2411.18068", "2411.18138", "2411.18354", "2411.18377", "2411.18523",
		"2405.06509", "2411.18375", "2410.10432", "2411.09519", "2411.17966", "2409.01658",
		"2411.00071",
	};
	char *t = themes_of(schr, sizeof schr / sizeof schr[0]);

	T_CHECK(t != NULL);
	if (t) {
		fprintf(stderr, "  themes: %s\n", t);
		T_CHECK(strstr(t, "schr ") == NULL && strstr(t, "schr,") == NULL);
		T_CHECK(strstr(t, "odinger") == NULL || strstr(t, "\xC3\xB6" "dinger") != NULL);
		T_CHECK(strstr(t, "schr\xC3\xB6" "dinger") != NULL);
		T_CHECK(!has_word(t, "schr"));
	}
	free(t);
	t = themes_of(filler, sizeof filler / sizeof filler[0]);
	T_CHECK(t != NULL);
	if (t) {
		fprintf(stderr, "  themes: %s\n", t);
		T_CHECK(!has_word(t, "full"));
		T_CHECK(!has_word(t, "individual"));
		T_CHECK(!has_word(t, "addressing"));
		T_CHECK(!has_word(t, "fully"));
	}
	free(t);
}

int
main(void)
{
	load_day();
	test_abstract_rules();
	test_day_has_no_background();
	test_has_number();
	test_fulltext_findings();
	test_table_values();
	test_real_pages();
	test_themes();
	pb_paperset_free(&day);
	return t_done("test_findings_ft");
}
