/* Full text from PDFs through poppler: a real arXiv PDF (tests/fixtures/fulltext/, see
 * SOURCES.md) gives the sections, captions and code links it prints; PDFs generated at test
 * time (tests/lib/gen_pdfs.py, python3-reportlab) cover no text layer, 500 pages, a broken
 * cross-reference table, encryption, truncation; text handling on its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/fulltext/ft_int.h"
#include "paperboy/fulltext.h"
#include "t.h"

static char *
slurp_path(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d;
	long n;

	if (!f) {
		fprintf(stderr, "missing: %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n + 1);
	if (fread(d, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	d[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return d;
}

static char *
fixture(const char *name, size_t *len)
{
	char path[512];
	const char *dir = getenv("PB_FT_FIXTURES");

	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "tests/fixtures/fulltext", name);
	return slurp_path(path, len);
}

static int
starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const struct pb_ft_section *
section(const struct pb_fulltext *ft, const char *title)
{
	for (size_t i = 0; i < ft->n_sections; i++)
		if (ft->sections[i].title && strcmp(ft->sections[i].title, title) == 0)
			return &ft->sections[i];
	return NULL;
}

/* arXiv 2202.00535v1 (AAAI style: unnumbered headings, two columns, many tables). */
static void
test_real_pdf(void)
{
	static const struct {
		enum pb_ft_kind kind;
		const char *title;
	} want[] = {
		{ PB_FT_ABSTRACT, "Abstract" },
		{ PB_FT_INTRODUCTION, "Introduction" },
		{ PB_FT_RESULTS, "Experiments" },
		{ PB_FT_RELATED, "Related Work" },
		{ PB_FT_CONCLUSION, "Conclusion" },
		{ PB_FT_OTHER, "Acknowledgments" },
	};
	static const char *const links[] = {
		"https://github.com/dqxiu/ParaSCI", "https://github.com/tomhosking/separator",
		"https://github.com/arvind385801/paraphraseGen", "https://github.com/microsoft/LoRA",
	};
	size_t len;
	char *pdf = fixture("arxiv-2202.00535v1.pdf", &len);
	struct pb_fulltext ft;
	const struct pb_ft_section *s;
	char why[256];

	T_EQ_INT(pb_fulltext_from_pdf(pdf, len, 50, &ft, why, sizeof why), 0);
	T_EQ_STR(ft.source, "pdf");
	T_EQ_INT(ft.reader, pb_fulltext_reader("pdf"));
	T_CHECK(ft.reader >= 3);   /* raised with the first page's footnotes left out */
	T_EQ_INT(ft.n_sections, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < ft.n_sections && i < sizeof want / sizeof want[0]; i++) {
		T_EQ_STR(pb_ft_kind_name(ft.sections[i].kind), pb_ft_kind_name(want[i].kind));
		T_EQ_STR(ft.sections[i].title, want[i].title);
	}
	T_CHECK(starts(ft.sections[0].text, "Paraphrase generation is a fundamental and "
		       "long-standing task in natural language processing."));
	/* Lines joined, hyphens at line ends undone, but not in a word the paper writes with
	 * its hyphen elsewhere ("parameter-" "efficient" in the abstract, "GPT-" "based"). */
	T_CHECK(strstr(ft.sections[0].text, "(RAPT) as a parameter-efficient method") != NULL);
	s = section(&ft, "Introduction");
	T_CHECK(s && strstr(s->text, "we use GPT-based models") != NULL);
	T_CHECK(s && !strstr(s->text, "parameterefficient") && !strstr(s->text, "GPTbased"));
	s = section(&ft, "Conclusion");
	T_CHECK(s && starts(s->text, "In this paper, we propose RAPT as a parameter-efficient "
			    "retrieval augmented prompt tuning setting for enhanced paraphrase "
			    "generation."));
	s = section(&ft, "Introduction");
	T_CHECK(s && strstr(s->text, "The task of paraphrase generation aims at rephrasing a "
			    "given text while retaining its meaning.") != NULL);
	/* The first page's footnotes (an internship, the correspondence, AAAI's copyright at
	 * the foot of the left column) are not read into the sentence that goes on in the
	 * right column. */
	T_CHECK(s && strstr(s->text, "as pre-trained models continuously become larger than "
			    "before.") != NULL);
	for (size_t i = 0; i < ft.n_sections; i++) {
		T_CHECK(!strstr(ft.sections[i].text, "internship with Bloomberg"));
		T_CHECK(!strstr(ft.sections[i].text, "Correspondence to"));
		T_CHECK(!strstr(ft.sections[i].text, "Advancement of Artificial"));
	}
	/* The references are not text, the arXiv stamp is not a line of it. */
	for (size_t i = 0; i < ft.n_sections; i++) {
		T_CHECK(!strstr(ft.sections[i].text, "arXiv:2202.00535v1"));
		T_CHECK(!strstr(ft.sections[i].text, "Witteveen, S.; and Andrews, M. 2019"));
	}
	T_EQ_INT(ft.n_tables, 9);
	T_CHECK(starts(ft.tables[0], "Table 1: Examples of generated paraphrases by different "
		       "models from Quora Question Pairs dataset."));
	T_CHECK(starts(ft.tables[8], "Table 9: Selected Hyperparameters."));
	T_EQ_INT(ft.n_links, sizeof links / sizeof links[0]);
	for (size_t i = 0; i < ft.n_links && i < 4; i++)
		T_EQ_STR(ft.links[i], links[i]);
	pb_fulltext_clear(&ft);

	/* A page cap: the first page holds the abstract and the introduction's start. */
	T_EQ_INT(pb_fulltext_from_pdf(pdf, len, 1, &ft, why, sizeof why), 0);
	T_CHECK(ft.n_sections == 2 && ft.sections[1].kind == PB_FT_INTRODUCTION);
	pb_fulltext_clear(&ft);

	/* A deadline: one that has come stops the reading where it is (here before a page is
	 * read), and the paper is not kept as read; one far off changes nothing. */
	T_EQ_INT(pb_fulltext_from_pdf_until(pdf, len, 50, (int64_t)time(NULL) - 1, &ft, why,
					    sizeof why), -3);
	T_CHECK(starts(why, "the full-text deadline came while reading it ("));
	T_EQ_INT(ft.n_sections, 0);
	T_EQ_INT(pb_fulltext_from_pdf_until(pdf, len, 50, (int64_t)time(NULL) + 3600, &ft, why,
					    sizeof why), 0);
	T_EQ_INT(ft.n_sections, sizeof want / sizeof want[0]);
	T_EQ_INT(ft.n_links, sizeof links / sizeof links[0]);
	pb_fulltext_clear(&ft);
	free(pdf);
}

/* The odd PDFs, made now by reportlab. */
static void
test_generated(void)
{
	char dir[] = "/tmp/pb-ftpdf-XXXXXX", cmd[1024], path[1100];
	struct pb_fulltext ft;
	char why[256], *d;
	size_t len;

	if (!mkdtemp(dir)) {
		T_CHECK(0);
		return;
	}
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/lib/gen_pdfs.py %s", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "gen_pdfs.py failed (python3-reportlab installed?)\n");
		T_CHECK(0);
		return;
	}

	snprintf(path, sizeof path, "%s/paper.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 50, &ft, why, sizeof why), 0);
	T_EQ_INT(ft.n_sections, 5);
	if (ft.n_sections == 5) {
		T_EQ_INT(ft.sections[0].kind, PB_FT_ABSTRACT);
		T_EQ_STR(ft.sections[1].title, "Introduction");
		T_EQ_INT(ft.sections[2].kind, PB_FT_METHOD);
		T_EQ_INT(ft.sections[3].kind, PB_FT_RESULTS);
		T_EQ_STR(ft.sections[3].text, "On 40 papers the parser found 95.5% of the headings "
			 "(Table 1).");
		T_EQ_INT(ft.sections[4].kind, PB_FT_CONCLUSION);
		/* "References" ends the text. */
		T_CHECK(!strstr(ft.sections[4].text, "A paper about papers"));
	}
	T_EQ_INT(ft.n_figures, 1);
	T_CHECK(ft.n_figures == 1 && strcmp(ft.figures[0].caption,
					    "Figure 1: The parser reads lines and finds headings.") == 0);
	T_CHECK(ft.n_figures == 1 && ft.figures[0].image_url == NULL);
	T_EQ_INT(ft.n_tables, 1);
	T_EQ_INT(ft.n_links, 1);
	T_CHECK(ft.n_links == 1 && strcmp(ft.links[0], "https://github.com/example-org/paper-parser")
					   == 0);
	pb_fulltext_clear(&ft);
	free(d);

	/* Footnotes at the foot of the first page, in a smaller type: out of the sentence
	 * that goes on over the page, their code link still found. */
	snprintf(path, sizeof path, "%s/footnotes.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 50, &ft, why, sizeof why), 0);
	T_EQ_INT(ft.n_sections, 2);
	if (ft.n_sections == 2) {
		T_EQ_INT(ft.sections[0].kind, PB_FT_INTRODUCTION);
		T_CHECK(strstr(ft.sections[0].text, "to the next page. This sentence begins on "
			       "the first page and goes on past the page break to its end.") != NULL);
		T_CHECK(!strstr(ft.sections[0].text, "contribution"));
		T_CHECK(!strstr(ft.sections[0].text, "cy@example.edu"));
		T_CHECK(!strstr(ft.sections[0].text, "Proceedings"));
		T_EQ_STR(ft.sections[1].text, "The footnotes are told apart by their size and their "
			 "place on the page.");
	}
	T_EQ_INT(ft.n_links, 1);
	T_CHECK(ft.n_links == 1 && strcmp(ft.links[0], "https://github.com/example-org/foot-notes")
					   == 0);
	pb_fulltext_clear(&ft);
	free(d);

	snprintf(path, sizeof path, "%s/image-only.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 50, &ft, why, sizeof why), -1);
	T_CHECK(starts(why, "no text layer"));
	T_EQ_INT(ft.n_sections, 0);
	free(d);

	snprintf(path, sizeof path, "%s/encrypted.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 50, &ft, why, sizeof why), -1);
	T_CHECK(starts(why, "encrypted"));
	free(d);

	snprintf(path, sizeof path, "%s/truncated.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 50, &ft, why, sizeof why), -1);
	T_CHECK(starts(why, "broken PDF"));
	free(d);

	/* poppler rebuilds a smashed cross-reference table. */
	snprintf(path, sizeof path, "%s/broken-xref.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 50, &ft, why, sizeof why), 0);
	T_CHECK(ft.n_sections >= 4);
	pb_fulltext_clear(&ft);
	free(d);

	/* 500 pages, 30 read: quick, and the cap holds. */
	snprintf(path, sizeof path, "%s/pages-500.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf(d, len, 30, &ft, why, sizeof why), 0);
	{
		size_t conclusions = 0;

		for (size_t i = 0; i < ft.n_sections; i++)
			conclusions += ft.sections[i].kind == PB_FT_CONCLUSION;
		T_CHECK(conclusions >= 1 && conclusions <= 30);
	}
	pb_fulltext_clear(&ft);
	free(d);

	/* A page poppler takes seconds over (a decompression bomb): the deadline stops it
	 * there, not when the page is done; read whole, it has no text layer. The deadline is
	 * the next second's start: on a busy machine (or with AddressSanitizer) it can come
	 * before the reader has even counted the pages, which it says so. */
	snprintf(path, sizeof path, "%s/bomb.pdf", dir);
	d = slurp_path(path, &len);
	T_EQ_INT(pb_fulltext_from_pdf_until(d, len, 50, (int64_t)time(NULL) + 1, &ft, why,
					    sizeof why), -3);
	if (strcmp(why, "the full-text deadline came while reading it (before its first "
			"page)") != 0)
		T_EQ_STR(why, "the full-text deadline came while reading it (0 of 1 pages read)");
	T_EQ_INT(ft.n_sections, 0);
	free(d);

	T_EQ_INT(pb_fulltext_from_pdf("<html>no</html>", 15, 50, &ft, why, sizeof why), -1);
	T_EQ_STR(why, "not a PDF: it starts with \"<html>no</html>\"");
	T_EQ_INT(pb_fulltext_from_pdf("", 0, 50, &ft, why, sizeof why), -1);
	T_EQ_INT(pb_fulltext_from_pdf("%PDF-1.4\n%%EOF\n", 15, 50, &ft, why, sizeof why), -1);
	T_CHECK(starts(why, "broken PDF"));

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		T_CHECK(0);
}

/* The text handling on its own: numbered, dotted, roman and unnumbered headings; what is
 * not a heading stays text. */
static void
test_text(void)
{
	static const char text[] =
		"A Title Line\nSome Author\n"
		"1 Introduction\nWe study things. The problem is hard and old and worth a look.\n"
		"2. Related Work\nOthers studied them before and wrote long papers on them.\n"
		"3 We propose a thing\n"          /* a list item, not a heading */
		"3 Our Approach\nThe approach splits the prob-\nlem into parts that are small.\n"
		"4 Experiments\nAccuracy rose from 71.2% to 80.4% on the test set we used here.\n"
		"7 Unexpected Number\nNot a heading: it does not count up from the last one.\n"
		"5 Limitations\nIt needs headings printed on their own lines, like these ones.\n"
		"6 Conclusion\nHeadings that count up are found by this simple approach.\f"
		"References\n[1] Someone. 2020.\n"
		"A Proofs\nThe appendix starts here and has its own long paragraph of text.\n";
	static const struct {
		enum pb_ft_kind kind;
		const char *title;
	} want[] = {
		{ PB_FT_INTRODUCTION, "Introduction" },
		{ PB_FT_RELATED, "Related Work" },
		{ PB_FT_METHOD, "Our Approach" },
		{ PB_FT_RESULTS, "Experiments" },
		{ PB_FT_LIMITATIONS, "Limitations" },
		{ PB_FT_CONCLUSION, "Conclusion" },
		{ PB_FT_APPENDIX, "Proofs" },
	};
	struct pb_fulltext ft;
	struct ftb b;

	memset(&ft, 0, sizeof ft);
	ftb_init(&b, &ft);
	ft_text_sections(&b, text, sizeof text - 1);
	ftb_finish(&b);
	T_EQ_INT(ft.n_sections, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < ft.n_sections && i < sizeof want / sizeof want[0]; i++) {
		T_EQ_INT(ft.sections[i].kind, want[i].kind);
		T_EQ_STR(ft.sections[i].title, want[i].title);
	}
	if (ft.n_sections == sizeof want / sizeof want[0]) {
		T_CHECK(strstr(ft.sections[1].text, "3 We propose a thing") != NULL);
		T_EQ_STR(ft.sections[2].text, "The approach splits the problem into parts that are "
			 "small.");
		T_CHECK(strstr(ft.sections[3].text, "7 Unexpected Number") != NULL);
	}
	pb_fulltext_clear(&ft);

	/* Text ending in a numbered heading, without a NUL after it (the fuzzer found the kind
	 * lookup reading past the line). */
	{
		static const char tail[] = "1 Introduction\nSome text of the introduction here.\n"
					   "2 Conclusions and Future Work";
		char *exact = malloc(sizeof tail - 1);

		memcpy(exact, tail, sizeof tail - 1);
		memset(&ft, 0, sizeof ft);
		ftb_init(&b, &ft);
		ft_text_sections(&b, exact, sizeof tail - 1);
		ftb_finish(&b);
		T_EQ_INT(ft.n_sections, 1);
		pb_fulltext_clear(&ft);
		free(exact);
	}

	/* Links as kept: no fragment, no trailing slash or ".git", each once; what is left must
	 * still name a project (the fuzzer found "github.com/#help/..." kept as github.com). */
	memset(&ft, 0, sizeof ft);
	ftb_init(&b, &ft);
	ftb_link(&b, "https://github.com/#help/x");
	ftb_link(&b, "https://github.com/owner/repo#readme");
	ftb_link(&b, "https://github.com/owner/repo.git");
	ftb_link(&b, "https://GitHub.com/owner/repo/");
	ftb_link(&b, "https://github.com/owner/r\xc3\xa9po");
	ftb_link(&b, "https://example.org/owner/repo");
	ftb_link(&b, "https://someone.github.io/project/");
	/* a user name before the host: the link goes to the host after the '@' */
	ftb_link(&b, "https://long-project-name.github.io:x@phish.example/");
	ftb_link(&b, "https://github.com@phish.example/owner/repo");
	ftb_finish(&b);
	T_EQ_INT(ft.n_links, 2);
	if (ft.n_links == 2) {
		T_EQ_STR(ft.links[0], "https://github.com/owner/repo");
		T_EQ_STR(ft.links[1], "https://someone.github.io/project");
	}
	pb_fulltext_clear(&ft);

	/* Roman numerals (IEEE), and no heading at all. */
	memset(&ft, 0, sizeof ft);
	ftb_init(&b, &ft);
	ft_text_sections(&b, "I. INTRODUCTION\nText of the introduction goes on here.\n"
			 "II. PROPOSED METHOD\nThe method is explained here at length.\n"
			 "III. EXPERIMENTAL RESULTS\nIt works on the data we have tried.\n", 160);
	ftb_finish(&b);
	T_EQ_INT(ft.n_sections, 3);
	T_CHECK(ft.n_sections == 3 && ft.sections[1].kind == PB_FT_METHOD &&
		ft.sections[2].kind == PB_FT_RESULTS);
	pb_fulltext_clear(&ft);
	memset(&ft, 0, sizeof ft);
	ftb_init(&b, &ft);
	ft_text_sections(&b, "just some words\nwith no heading at all.\n", 40);
	ftb_finish(&b);
	T_EQ_INT(ft.n_sections, 1);
	T_CHECK(ft.n_sections == 1 && ft.sections[0].kind == PB_FT_OTHER &&
		strcmp(ft.sections[0].text, "just some words with no heading at all.") == 0);
	pb_fulltext_clear(&ft);
}

/* A hyphen at a line's end: a word broken in two is made whole ("prob-" "lem"), a word
 * the paper writes with a hyphen inside a line keeps it ("parameter-" "efficient",
 * "state-of-the-" "art"), whatever its case. */
static void
test_line_end_hyphens(void)
{
	static const char text[] =
		"1 Introduction\n"
		"We tune a Parameter-Efficient model that is state-of-the-art in its field\n"
		"and then a parameter-\n"
		"efficient one again; the state-of-the-\n"
		"art model and the prob-\n"
		"lem of the exam-\n"
		"ples are left for another day.\n";
	struct pb_fulltext ft;
	struct ftb b;

	memset(&ft, 0, sizeof ft);
	ftb_init(&b, &ft);
	ft_text_sections(&b, text, sizeof text - 1);
	ftb_finish(&b);
	T_EQ_INT(ft.n_sections, 1);
	if (ft.n_sections == 1)
		T_EQ_STR(ft.sections[0].text, "We tune a Parameter-Efficient model that is "
			 "state-of-the-art in its field and then a parameter-efficient one again; "
			 "the state-of-the-art model and the problem of the examples are left for "
			 "another day.");
	pb_fulltext_clear(&ft);
}

/* Running heads and feet: a line at the top or the bottom of most pages, with the page's
 * number in it or not, is not the paper's text, and a sentence going on over the page reads
 * as one. A line that comes back in the middle of pages, or on two pages only, stays. */
static void
test_running_heads(void)
{
	static const char text[] =
		"Published as a conference paper at ICLR 2025\n"
		"A Paper With Running Heads\n"
		"1 Introduction\n"
		"We read papers whose pages carry the venue at the top and a\f"
		"Published as a conference paper at ICLR 2025\n"
		"IEEE TRANSACTIONS ON PATTERN ANALYSIS, VOL. 14, NO. 8, 2021 2\n"
		"line at the bottom, and sentences that go on over the page.\n"
		"Repeated in the middle of a page.\n"
		"2 Results\n"
		"The parser improves accuracy by 12.5% over the baseline on\n"
		"Preprint. Under review.\f"
		"Published as a conference paper at ICLR 2025\n"
		"IEEE TRANSACTIONS ON PATTERN ANALYSIS, VOL. 14, NO. 8, 2021 3\n"
		"every one of the forty papers we tried it on, long or short.\n"
		"Repeated in the middle of a page.\n"
		"Said at the end of two pages only.\n"
		"Preprint. Under review.\f"
		"Published as a conference paper at ICLR 2025\n"
		"IEEE TRANSACTIONS ON PATTERN ANALYSIS, VOL. 14, NO. 8, 2021 4\n"
		"3 Conclusion\n"
		"Running heads are not part of the text of a paper at all.\n"
		"Repeated in the middle of a page.\n"
		"It ends here, after a line that is in the middle of three pages.\n"
		"Said at the end of two pages only.\n"
		"Preprint. Under review.\f";
	struct pb_fulltext ft;
	struct ftb b;

	memset(&ft, 0, sizeof ft);
	ftb_init(&b, &ft);
	ft_text_sections(&b, text, sizeof text - 1);
	ftb_finish(&b);
	T_EQ_INT(ft.n_sections, 3);
	if (ft.n_sections == 3) {
		T_EQ_STR(ft.sections[0].text, "We read papers whose pages carry the venue at the "
			 "top and a line at the bottom, and sentences that go on over the page. "
			 "Repeated in the middle of a page.");
		T_CHECK(starts(ft.sections[1].text, "The parser improves accuracy by 12.5% over "
			       "the baseline on every one of the forty papers we tried it on, long "
			       "or short. Repeated in the middle of a page."));
		T_CHECK(strstr(ft.sections[1].text, "Said at the end of two pages only.") != NULL);
		T_CHECK(starts(ft.sections[2].text, "Running heads are not part of the text of a "
			       "paper at all. Repeated in the middle of a page."));
		T_CHECK(strstr(ft.sections[2].text, "It ends here, after a line that is in the "
			       "middle of three pages. Said at the end of two pages only.") != NULL);
	}
	for (size_t i = 0; i < ft.n_sections; i++)
		T_CHECK(!strstr(ft.sections[i].text, "ICLR") && !strstr(ft.sections[i].text, "IEEE") &&
			!strstr(ft.sections[i].text, "Preprint"));
	pb_fulltext_clear(&ft);
}

int
main(void)
{
	test_real_pdf();
	test_generated();
	test_text();
	test_running_heads();
	test_line_end_hyphens();
	return t_done("test_fulltext_pdf");
}
