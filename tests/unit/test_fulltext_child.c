/* Documents are read in a child process (src/fulltext/child.c): what poppler does on a
 * hostile PDF (crash, hang, take all memory, say without end) ends that child, and the caller
 * gets a clear reason and goes on; a stand-in module (pdf_fake.c, PB_PDF_FAKE) plays the
 * file. An HTML page read there gives what it gives read here, and one whose tree outgrows
 * the child's memory costs that page alone. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/fulltext/ft_int.h"
#include "paperboy/fulltext.h"
#include "t.h"

static int
has(const char *s, const char *part)
{
	return s && strstr(s, part) != NULL;
}

static int
starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
read_fake(const char *what, int64_t deadline, struct pb_fulltext *ft, char *why, size_t whylen)
{
	char pdf[64];

	snprintf(pdf, sizeof pdf, "%%PDF-%s\n", what);
	return pb_fulltext_from_pdf_until(pdf, strlen(pdf), 50, deadline, ft, why, whylen);
}

/* No child is left behind: every one made was waited for. */
static void
no_children(void)
{
	T_CHECK(waitpid(-1, NULL, WNOHANG) < 0);
}

static void
test_ok(void)
{
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(read_fake("ok", 0, &ft, why, sizeof why), 0);
	T_EQ_STR(ft.source, "pdf");
	T_CHECK(ft.n_sections >= 1);
	T_EQ_INT(ft.n_links, 1);
	T_EQ_STR(ft.n_links ? ft.links[0] : "", "https://github.com/example/code");
	pb_fulltext_clear(&ft);
	no_children();
}

static void
test_crash(void)
{
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(read_fake("crash", 0, &ft, why, sizeof why), -1);
	T_CHECK(has(why, "broken PDF: the reader was stopped by signal 11"));
	T_CHECK(has(why, "after 1 of 3 pages"));
	T_EQ_INT(ft.n_sections, 0);
	no_children();
}

static void
test_hang(void)
{
	struct pb_fulltext ft;
	char why[256];

	/* the deadline kills it: the paper is tried again on a later run (-3) */
	T_EQ_INT(read_fake("hang", (int64_t)time(NULL) + 1, &ft, why, sizeof why), -3);
	T_CHECK(has(why, "the full-text deadline came while reading it (1 of 3 pages read)"));
	T_EQ_INT(ft.n_sections, 0);
	no_children();
}

static void
test_hog(void)
{
	struct pb_fulltext ft;
	char why[256];

#if defined(__SANITIZE_ADDRESS__)
	/* no memory cap under AddressSanitizer (pdf.c): the stand-in would take it all */
	return;
#endif
	T_EQ_INT(read_fake("hog", (int64_t)time(NULL) + 60, &ft, why, sizeof why), -1);
	T_CHECK(has(why, "broken PDF: the reader was stopped by signal 6"));
	T_CHECK(has(why, "memory at most 1024 MB"));
	no_children();
}

static void
test_loud(void)
{
	struct pb_fulltext ft;
	char why[256];

	T_EQ_INT(read_fake("loud", (int64_t)time(NULL) + 60, &ft, why, sizeof why), 0);
	/* the links past the reader's share are not sent; the paper keeps its first ones */
	T_CHECK(ft.n_links > 0);
	pb_fulltext_clear(&ft);
	no_children();
}

/* The records themselves, as the parent reads them. */
static void
test_records(void)
{
	struct page_and_links pl = { { 0 }, NULL, -1, 0, 0, 0, { 0 } };
	struct ft_pdf_said said;
	static const char good[] = "O\x08\0\0\0\x02\0\0\0\x01\0\0\0P\x03\0\0\0abcR\x12\0\0\0"
				   "\0\0\0\0\x02\0\0\0\x01\0\0\0\0\0\0\0\0\0";
	size_t n = sizeof good - 1;

	memset(&said, 0, sizeof said);
	said.pl = &pl;
	T_EQ_INT(ft_pdf_records(good, n, &said), 0);
	T_EQ_INT(said.ended, 1);
	T_EQ_INT(said.rc, 0);
	T_EQ_INT(pl.pages, 1);
	T_EQ_INT(pl.n_pages, 2);
	T_EQ_STR(pl.text.data, "abc\f");
	pb_buf_free(&pl.text);

	/* a footnote line of the first page: kept apart from the text; none before the
	 * document is open, none with a zero byte in it */
	memset(&pl, 0, sizeof pl);
	pl.n_pages = -1;
	memset(&said, 0, sizeof said);
	said.pl = &pl;
	T_EQ_INT(ft_pdf_records("O\x08\0\0\0\x01\0\0\0\x01\0\0\0N\x02\0\0\0*1P\x01\0\0\0x", 26,
				&said), 0);
	T_EQ_STR(pl.notes.data, "*1\n");
	T_EQ_STR(pl.text.data, "x\f");
	pb_buf_free(&pl.text);
	pb_buf_free(&pl.notes);
	memset(&pl, 0, sizeof pl);
	pl.n_pages = -1;
	memset(&said, 0, sizeof said);
	said.pl = &pl;
	T_EQ_INT(ft_pdf_records("N\x01\0\0\0x", 6, &said), -1);
	pl.n_pages = 1;
	pl.to_read = 1;
	T_EQ_INT(ft_pdf_records("N\x01\0\0\0\0", 6, &said), -1);
	pb_buf_free(&pl.notes);

	/* cut short: the whole records before the cut count */
	memset(&pl, 0, sizeof pl);
	pl.n_pages = -1;
	memset(&said, 0, sizeof said);
	said.pl = &pl;
	T_EQ_INT(ft_pdf_records(good, 24, &said), 1);
	T_EQ_INT(said.ended, 0);
	T_EQ_INT(pl.pages, 1);
	pb_buf_free(&pl.text);

	/* a page before the document is open, an unknown type, a page past those to read */
	memset(&pl, 0, sizeof pl);
	pl.n_pages = -1;
	memset(&said, 0, sizeof said);
	said.pl = &pl;
	T_EQ_INT(ft_pdf_records("P\x01\0\0\0x", 6, &said), -1);
	T_EQ_INT(ft_pdf_records("Z\0\0\0\0", 5, &said), -1);
	T_EQ_INT(ft_pdf_records("O\x08\0\0\0\x01\0\0\0\x01\0\0\0P\x01\0\0\0xP\x01\0\0\0y", 25,
				&said), -1);
	pb_buf_free(&pl.text);
}

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *d;
	long n;

	snprintf(path, sizeof path, "tests/fixtures/fulltext/%s", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n + 1);
	if (fread(d, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	d[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return d;
}

static void
test_html_same(void)
{
	static const char *const pages[] = { "arxiv-2501.11120v1.html",
					     "arxiv-2401.10725v1-native.html" };

	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		struct pb_fulltext here, there;
		char why[256], why2[256], *a, *b, *page;
		size_t len;

		page = slurp(pages[i], &len);
		T_CHECK(page != NULL);
		if (!page)
			continue;
		T_EQ_INT(pb_fulltext_from_html(page, len, "https://arxiv.org/html/x", &here, why,
					       sizeof why), 0);
		T_EQ_INT(ft_html_isolated(page, len, "https://arxiv.org/html/x", 0, &there, why2,
					  sizeof why2), 0);
		a = pb_fulltext_to_json(&here);
		b = pb_fulltext_to_json(&there);
		T_CHECK(a && b && here.n_sections > 0);
		T_EQ_STR(a, b);
		free(a);
		free(b);
		pb_fulltext_clear(&here);
		pb_fulltext_clear(&there);
		free(page);
	}
	no_children();
}

static void
test_html_faults(void)
{
	struct pb_fulltext ft;
	char why[256];
	static const char none[] = "<html><body><p>Withdrawn.</p></body></html>";
	size_t n = 48u * 1024 * 1024, unit = 8;
	struct rusage ru;
	long before;
	char *big;

	/* the page's own reason comes through */
	T_EQ_INT(ft_html_isolated(none, sizeof none - 1, NULL, 0, &ft, why, sizeof why), -1);
	T_EQ_STR(why, "withdrawn");

	/* answers that are not the reader's */
	T_EQ_INT(ft_html_answer("J\x02\0\0\0{}", 7, &ft, why, sizeof why), -2);
	T_EQ_INT(ft_html_answer("E\x07\0\0\0no\ntext", 12, &ft, why, sizeof why), -1);
	T_EQ_STR(why, "no text");
	T_EQ_INT(ft_html_answer("E\x09\0\0\0no", 7, &ft, why, sizeof why), -2);
	T_EQ_INT(ft_html_answer("X\0\0\0\0", 5, &ft, why, sizeof why), -2);

#if defined(__SANITIZE_ADDRESS__)
	/* no memory cap under AddressSanitizer (child.c) */
	return;
#endif
	/* 48 MB of small elements: libxml2's tree of it (about 1.4 GB) passes the child's
	 * 1 GB; the child says so, and this process's memory stays where it was */
	big = malloc(n + 1);
	for (size_t i = 0; i + unit <= n; i += unit)
		memcpy(big + i, "<i>a</i>", unit);
	memcpy(big, "<html><body>", 12);
	big[n - n % unit] = '\0';
	getrusage(RUSAGE_SELF, &ru);
	before = ru.ru_maxrss;
	T_EQ_INT(ft_html_isolated(big, strlen(big), NULL, (int64_t)time(NULL) + 100, &ft, why,
				  sizeof why), -1);
	T_CHECK(starts(why, "too large to read: its tree outgrew the memory (50331648 bytes"));
	T_EQ_INT(ft.n_sections, 0);
	getrusage(RUSAGE_SELF, &ru);
	T_CHECK(ru.ru_maxrss - before < 100 * 1024);
	free(big);
	no_children();
}

int
main(void)
{
	const char *fake = getenv("PB_PDF_FAKE");

	setenv("PAPERBOY_PDF_MODULE", fake && *fake ? fake : "build/tests/pdf-fake.so", 1);
	signal(SIGPIPE, SIG_IGN);
	test_records();
	test_ok();
	test_crash();
	test_hang();
	test_hog();
	test_loud();
	test_html_same();
	test_html_faults();
	return t_done("test_fulltext_child");
}
