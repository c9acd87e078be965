/* Full text from a PDF: the pages' text in reading order and the link annotations, read by
 * paperboy's PDF module (poppler, loaded on first use: pdf_module.h), then sections where the
 * headings allow (pdf_text.c). */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ft_int.h"
#include "paperboy/log.h"
#include "pb_paths.h"
#include "pdf_module.h"

#define PDF_MAX_TEXT (8u * 1024u * 1024u)   /* bytes of page text read in all */
#define PDF_MIN_TEXT 200                     /* fewer letters: no text layer */

/* Looks for "%PDF-" where a PDF starts (a little junk before it is allowed, as readers do). */
static int
pdf_magic(const char *p, size_t len)
{
	size_t n = len < 1024 ? len : 1024;

	for (size_t i = 0; i + 5 <= n; i++)
		if (memcmp(p + i, "%PDF-", 5) == 0)
			return 1;
	return 0;
}

static void
quote_head(char *out, size_t outlen, const char *p, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < len && i < 16 && j + 5 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
			out[j++] = (char)c;
		else
			j += (size_t)snprintf(out + j, outlen - j, "\\x%02X", c);
	}
	out[j < outlen ? j : outlen - 1] = '\0';
}

/* The module, loaded once for the process: from $PAPERBOY_PDF_MODULE when set, else beside
 * the executable (a build tree), else from the package's library directory (an install). */
static pthread_once_t module_once = PTHREAD_ONCE_INIT;
static pb_pdf_read_fn module_read;
static char module_error[PATH_MAX + 256];

static int
try_module(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const char *err;

	if (!h) {
		err = dlerror();
		snprintf(module_error, sizeof module_error, "%s", err ? err : path);
		return -1;
	}
	module_read = (pb_pdf_read_fn)(uintptr_t)dlsym(h, PB_PDF_MODULE_ENTRY);
	if (!module_read) {
		snprintf(module_error, sizeof module_error, "%s has no %s: not paperboy's PDF "
			 "module", path, PB_PDF_MODULE_ENTRY);
		dlclose(h);
		return -1;
	}
	pb_debug("fulltext.pdf_module", "path=%s", pb_q(path));
	return 0;   /* never closed: GLib's types cannot be unloaded */
}

static void
load_module(void)
{
	const char *env = getenv("PAPERBOY_PDF_MODULE");
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env && env[0]) {
		try_module(env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/%s", exe, PB_PDF_MODULE_FILE);
			if (access(path, F_OK) == 0 && try_module(path) == 0)
				return;
		}
	}
	snprintf(path, sizeof path, "%s/%s", PB_PKGLIBDIR, PB_PDF_MODULE_FILE);
	if (access(path, F_OK) == 0) {
		try_module(path);
		return;
	}
	if (!module_error[0])
		snprintf(module_error, sizeof module_error, "%s not found (beside the program, "
			 "or in %s; make install puts it there)", PB_PDF_MODULE_FILE, PB_PKGLIBDIR);
}

static int
on_page(void *arg, const char *t, size_t n)
{
	struct pb_buf *text = arg;

	if (text->len + n > PDF_MAX_TEXT)
		n = PDF_MAX_TEXT - text->len;
	pb_buf_append(text, t, n);
	pb_buf_putc(text, '\f');
	return text->len >= PDF_MAX_TEXT;
}

struct page_and_links {
	struct pb_buf text;
	struct ftb *b;
	int64_t deadline;            /* unix seconds, or 0 */
	int pages;                   /* read so far */
	int late;                    /* stopped by the deadline */
};

static int
sink_page(void *arg, const char *t, size_t n)
{
	struct page_and_links *pl = arg;

	pl->pages++;
	if (on_page(&pl->text, t, n))
		return 1;
	if (pl->deadline > 0 && (int64_t)time(NULL) >= pl->deadline) {
		pl->late = 1;
		return 1;
	}
	return 0;
}

static void
sink_link(void *arg, const char *uri)
{
	ftb_link(((struct page_and_links *)arg)->b, uri);
}

int
pb_fulltext_from_pdf(const char *pdf, size_t len, int max_pages, struct pb_fulltext *out,
		     char *why, size_t whylen)
{
	return pb_fulltext_from_pdf_until(pdf, len, max_pages, 0, out, why, whylen);
}

int
pb_fulltext_from_pdf_until(const char *pdf, size_t len, int max_pages, int64_t deadline,
			   struct pb_fulltext *out, char *why, size_t whylen)
{
	struct pb_pdf_result res;
	struct page_and_links pl = { { 0 }, NULL, deadline, 0, 0 };
	struct pb_pdf_sink sink = { &pl, sink_page, sink_link };
	struct ftb b;
	int rc = -1, r;
	size_t letters = 0;

	memset(out, 0, sizeof *out);
	memset(&res, 0, sizeof res);
	ftb_init(&b, out);
	pl.b = &b;
	if (why && whylen)
		why[0] = '\0';
	if (!pdf_magic(pdf, len)) {
		char head[80];

		quote_head(head, sizeof head, pdf, len);
		snprintf(why, whylen, "not a PDF: it starts with \"%s\"", head);
		goto out;
	}
	pthread_once(&module_once, load_module);
	if (!module_read) {
		snprintf(why, whylen, "cannot read PDFs: %s", module_error);
		rc = -2;
		goto out;
	}
	r = module_read(PB_PDF_MODULE_ABI, pdf, len, max_pages, &sink, &res);
	switch (r) {
	case PB_PDF_OK:
		break;
	case PB_PDF_ENCRYPTED:
		snprintf(why, whylen, "encrypted (a password is needed to read it)");
		goto out;
	case PB_PDF_ABI:
		snprintf(why, whylen, "cannot read PDFs: the PDF module is of another paperboy "
			 "version (install both from one build)");
		rc = -2;
		goto out;
	default:
		snprintf(why, whylen, "broken PDF: %s",
			 res.message[0] ? res.message : "poppler could not open it");
		goto out;
	}
	if (pl.late && pl.pages < res.pages) {
		snprintf(why, whylen, "the full-text deadline came while reading it (%d of %d "
			 "pages read)", pl.pages, res.pages);
		rc = -3;
		goto out;
	}
	for (size_t i = 0; i < pl.text.len; i++)
		if ((unsigned char)pl.text.data[i] > ' ' && pl.text.data[i] != '\f')
			letters++;
	if (letters < PDF_MIN_TEXT) {
		snprintf(why, whylen, "no text layer (%zu characters on %d pages: scanned or "
			 "images only)", letters, res.pages);
		goto out;
	}
	ft_text_sections(&b, pl.text.data, pl.text.len);
	if (ftb_finish(&b) == 0) {
		snprintf(why, whylen, "no text");
		goto out;
	}
	out->source = pb_xstrdup("pdf");
	if (res.pages < res.n_pages)
		pb_debug("fulltext.pdf_pages", "read=%d of=%d", res.pages, res.n_pages);
	rc = 0;
out:
	if (res.n_said)
		pb_debug("fulltext.poppler", "messages=%u first=%s", res.n_said,
			 pb_q(res.first_said));
	if (rc != 0) {
		ftb_finish(&b);
		pb_fulltext_clear(out);
	}
	pb_buf_free(&pl.text);
	return rc;
}
