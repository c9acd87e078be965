/* A stand-in for paperboy's PDF module (pdf_module.h) for test_fulltext_pdf_child: it reads
 * no PDF but behaves as the word after "%PDF-" says, as poppler might on a hostile file:
 *   ok     three pages and a link, then the answer
 *   crash  one page, then a segmentation fault
 *   hang   one page, then waits for ever
 *   hog    one page, then takes memory until none is given, then aborts
 *   loud   one page, then a link after another, more than any document has
 * Each page has enough letters to count as a text layer. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/fulltext/pdf_module.h"

int pb_pdf_module_read(int abi, const char *pdf, size_t len, int max_pages,
		       const struct pb_pdf_sink *sink, struct pb_pdf_result *res)
	__attribute__((visibility("default")));

static const char page_text[] =
	"1 Introduction\n"
	"Paraphrase generation is a fundamental and long-standing task in natural language "
	"processing, and this page says so at length so that it counts as a text layer of a "
	"paper rather than a scanned image without any letters on it at all.\n";

static int
is(const char *pdf, size_t len, const char *what)
{
	size_t n = strlen(what);

	return len >= 5 + n && memcmp(pdf + 5, what, n) == 0;
}

int
pb_pdf_module_read(int abi, const char *pdf, size_t len, int max_pages,
		   const struct pb_pdf_sink *sink, struct pb_pdf_result *res)
{
	memset(res, 0, sizeof *res);
	if (abi != PB_PDF_MODULE_ABI)
		return PB_PDF_ABI;
	res->n_pages = 3;
	res->pages = max_pages > 0 && max_pages < 3 ? max_pages : 3;
	sink->opened(sink->arg, res->n_pages, res->pages);
	if (sink->page(sink->arg, page_text, sizeof page_text - 1))
		return PB_PDF_OK;
	if (is(pdf, len, "crash"))
		raise(SIGSEGV);
	if (is(pdf, len, "hang"))
		for (;;)
			pause();
	if (is(pdf, len, "hog"))
		for (;;) {
			char *p = malloc(1 << 20);

			if (!p)
				abort();
			memset(p, 1, 1 << 20);
		}
	if (is(pdf, len, "loud"))
		for (long i = 0;; i++) {
			char u[64];

			snprintf(u, sizeof u, "https://github.com/a/b%ld", i);
			sink->link(sink->arg, u);
			if (i > 10L * 1000 * 1000)
				break;
		}
	sink->link(sink->arg, "");   /* a link annotation with an empty URI */
	sink->link(sink->arg, "https://github.com/example/code");
	for (int i = 1; i < res->pages; i++)
		if (sink->page(sink->arg, page_text, sizeof page_text - 1))
			break;
	res->n_said = 1;
	snprintf(res->first_said, sizeof res->first_said, "a message from the reader");
	return PB_PDF_OK;
}
