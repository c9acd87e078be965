/* Between paperboy and its PDF module, paperboy-pdf.so (built from pdf_poppler.c).
 *
 * poppler and the ~40 libraries it brings (cairo, glib, NSS, fontconfig, ...) cost every start
 * of paperboy 5 ms and 8 MB when linked; most starts never read a PDF (a fetch, a web request,
 * a bot command). So they live in a module loaded the first time a PDF is read (pdf.c). The
 * module knows poppler and nothing of paperboy: it hands over each page's text and each link
 * through the callbacks below and allocates nothing the caller frees. */
#ifndef PB_PDF_MODULE_H
#define PB_PDF_MODULE_H

#include <stddef.h>

/* Raised whenever a structure or the entry's meaning changes: a module of another version is
 * refused with a clear message rather than called. */
#define PB_PDF_MODULE_ABI 3
#define PB_PDF_MODULE_FILE "paperboy-pdf.so"
#define PB_PDF_MODULE_ENTRY "pb_pdf_module_read"

struct pb_pdf_sink {
	void *arg;
	/* The document is open: its pages, and how many of them are to be read. */
	void (*opened)(void *arg, int n_pages, int pages);
	/* One page's text (not NUL-terminated); nonzero stops after this page's links. */
	int (*page)(void *arg, const char *text, size_t len);
	/* One link annotation's URI on the page just given. */
	void (*link)(void *arg, const char *uri);
	/* One line of the first page's footnotes, left out of its text (given before it). */
	void (*note)(void *arg, const char *text, size_t len);
};

enum {
	PB_PDF_OK = 0,
	PB_PDF_BROKEN = -1,     /* poppler could not open it: message says why */
	PB_PDF_ENCRYPTED = -2,  /* a password is needed */
	PB_PDF_ABI = -3         /* the module is of another version */
};

struct pb_pdf_result {
	int n_pages;            /* in the document */
	int pages;              /* to read: max_pages, or fewer when the document is shorter */
	unsigned n_said;        /* messages poppler logged (never printed) */
	char first_said[200];   /* the first of them */
	char message[256];      /* with PB_PDF_BROKEN: poppler's reason */
};

/* Reads at most max_pages pages (all when <= 0). Returns one of the values above. */
typedef int (*pb_pdf_read_fn)(int abi, const char *pdf, size_t len, int max_pages,
			      const struct pb_pdf_sink *sink, struct pb_pdf_result *res);

#endif
