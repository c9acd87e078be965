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

static void
take_page(struct page_and_links *pl, const char *t, size_t n)
{
	pl->pages++;
	if (pl->text.len >= PDF_MAX_TEXT)
		return;
	if (pl->text.len + n > PDF_MAX_TEXT)
		n = PDF_MAX_TEXT - pl->text.len;
	pb_buf_append(&pl->text, t, n);
	pb_buf_putc(&pl->text, '\f');
}

/* The reading runs in a child process (child.c). What the child says is records:
 *   'O'  the document is open: its pages and those to be read (two 4-byte numbers)
 *   'P'  one page's text
 *   'L'  one link annotation's URI
 *   'N'  one line of the first page's footnotes, left out of its text
 *   'R'  the end: the module's answer, poppler's message count (4-byte numbers), then its
 *        first message and its reason for a broken PDF, each ended by a zero byte
 * Text beyond PDF_MAX_TEXT, links beyond PDF_MAX_LINKS bytes and anything after 'R' are not
 * sent. */
#define PDF_MAX_LINKS (1024u * 1024u)
#define PDF_MAX_NOTES (64u * 1024u)
#define PDF_MAX_SAID (PDF_MAX_TEXT + PDF_MAX_LINKS + PDF_MAX_NOTES + 64u * 1024u)

/* The child's side. */
struct child {
	int fd;
	size_t text, links, notes;
	int broken;                  /* the parent is gone: stop */
};

static void
child_record(struct child *ch, int type, const void *a, size_t na, const void *b, size_t nb)
{
	if (!ch->broken && ft_child_record(ch->fd, type, a, na, b, nb) < 0)
		ch->broken = 1;
}

static void
child_opened(void *arg, int n_pages, int pages)
{
	unsigned char n[8];

	ft_put32(n, (uint32_t)n_pages);
	ft_put32(n + 4, (uint32_t)pages);
	child_record(arg, 'O', n, 8, NULL, 0);
}

static int
child_page(void *arg, const char *t, size_t n)
{
	struct child *ch = arg;

	if (ch->text + n > PDF_MAX_TEXT)
		n = PDF_MAX_TEXT - ch->text;
	ch->text += n;
	child_record(ch, 'P', t, n, NULL, 0);
	return ch->broken || ch->text >= PDF_MAX_TEXT;
}

static void
child_link(void *arg, const char *uri)
{
	struct child *ch = arg;
	size_t n = strlen(uri);

	if (n == 0 || ch->links + n > PDF_MAX_LINKS)
		return;   /* an empty URI is no link; the records never carry one */
	ch->links += n;
	child_record(ch, 'L', uri, n, NULL, 0);
}

static void
child_note(void *arg, const char *t, size_t n)
{
	struct child *ch = arg;

	if (n == 0 || n > PDF_MAX_NOTES || ch->notes + n > PDF_MAX_NOTES)
		return;
	ch->notes += n;
	child_record(ch, 'N', t, n, NULL, 0);
}

struct pdf_job {
	const char *pdf;
	size_t len;
	int max_pages;
};

static void
child_main(void *arg, int fd)
{
	const struct pdf_job *job = arg;
	struct child ch = { fd, 0, 0, 0, 0 };
	struct pb_pdf_sink sink = { &ch, child_opened, child_page, child_link, child_note };
	struct pb_pdf_result res;
	unsigned char n[16];
	int r;

	r = module_read(PB_PDF_MODULE_ABI, job->pdf, job->len, job->max_pages, &sink, &res);
	ft_put32(n, (uint32_t)r);
	ft_put32(n + 4, (uint32_t)res.n_pages);
	ft_put32(n + 8, (uint32_t)res.pages);
	ft_put32(n + 12, res.n_said);
	{
		char s[sizeof res.first_said + sizeof res.message];
		size_t a, b;

		res.first_said[sizeof res.first_said - 1] = '\0';
		res.message[sizeof res.message - 1] = '\0';
		a = strlen(res.first_said) + 1;
		b = strlen(res.message) + 1;
		memcpy(s, res.first_said, a);
		memcpy(s + a, res.message, b);
		child_record(&ch, 'R', n, sizeof n, s, a + b);
	}
}

int
ft_pdf_records(const char *buf, size_t len, struct ft_pdf_said *out)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	struct page_and_links *pl = out->pl;

	while ((size_t)(end - p) >= 5) {
		int type = p[0];
		uint32_t n = ft_get32(p + 1);
		const unsigned char *d = p + 5;

		if ((size_t)(end - d) < n)
			break;   /* cut short by the kill */
		p = d + n;
		if (out->ended)
			return -1;
		switch (type) {
		case 'O':
			if (n != 8 || pl->n_pages >= 0)
				return -1;
			pl->n_pages = (int)ft_get32(d);
			pl->to_read = (int)ft_get32(d + 4);
			if (pl->n_pages < 0 || pl->to_read < 0 || pl->to_read > pl->n_pages)
				return -1;
			break;
		case 'P':
			if (pl->n_pages < 0 || pl->pages >= pl->to_read)
				return -1;
			take_page(pl, (const char *)d, n);
			break;
		case 'L': {
			char *u;

			if (pl->n_pages < 0 || n == 0 || pl->link_bytes + n > PDF_MAX_LINKS ||
			    memchr(d, '\0', n))
				return -1;
			pl->link_bytes += n;
			u = pb_xstrndup((const char *)d, n);
			if (pl->b)
				ftb_link(pl->b, u);
			free(u);
			break;
		}
		case 'N':
			if (pl->n_pages < 0 || n == 0 || pl->notes.len + n + 1 > PDF_MAX_NOTES + 64 ||
			    memchr(d, '\0', n))
				return -1;
			pb_buf_append(&pl->notes, (const char *)d, n);
			pb_buf_putc(&pl->notes, '\n');
			break;
		case 'R': {
			const unsigned char *z1, *z2;
			struct pb_pdf_result *r = &out->res;

			if (n < 18 || !(z1 = memchr(d + 16, '\0', n - 16)) ||
			    !(z2 = memchr(z1 + 1, '\0', (size_t)(d + n - (z1 + 1)))) ||
			    z2 + 1 != d + n)
				return -1;
			out->rc = (int)ft_get32(d);
			r->n_pages = (int)ft_get32(d + 4);
			r->pages = (int)ft_get32(d + 8);
			r->n_said = ft_get32(d + 12);
			snprintf(r->first_said, sizeof r->first_said, "%s", (const char *)d + 16);
			snprintf(r->message, sizeof r->message, "%s", (const char *)z1 + 1);
			out->ended = 1;
			break;
		}
		default:
			return -1;
		}
	}
	return p == end ? 0 : 1;
}

/* Calls the module in a child process: 0 with the module's answer in out, or -1 with why
 * and out->rc: -2 when no child could be made, -3 when the deadline came, -1 when the reader
 * gave no answer (it crashed, outgrew its memory or time). */
static int
read_isolated(const char *pdf, size_t len, int max_pages, int64_t deadline,
	      struct ft_pdf_said *out, char *why, size_t whylen)
{
	struct pdf_job job = { pdf, len, max_pages };
	struct pb_buf said = { 0 };
	struct ft_child how;
	struct page_and_links *pl = out->pl;
	int parsed;
	char what[160];

	if (ft_child_run(child_main, &job, deadline, PDF_MAX_SAID, &said, &how, what,
			 sizeof what) < 0) {
		snprintf(why, whylen, "cannot read PDFs: %s", what);
		out->rc = -2;
		return -1;
	}
	parsed = ft_pdf_records(said.data ? said.data : "", said.len, out);
	pb_buf_free(&said);
	if (parsed >= 0 && out->ended)
		return 0;   /* its answer came, whatever happened after */
	if (how.end == FT_CHILD_LATE) {
		if (pl->n_pages < 0)
			snprintf(why, whylen, "the full-text deadline came while reading it (before "
				 "its first page)");
		else
			snprintf(why, whylen, "the full-text deadline came while reading it (%d of %d "
				 "pages read)", pl->pages, pl->to_read);
		out->rc = -3;
		return -1;
	}
	out->rc = -1;
	if (parsed < 0) {
		snprintf(why, whylen, "the PDF reader's answer was garbled");
		return -1;
	}
	ft_child_said(&how, what, sizeof what);
	if (pl->n_pages < 0)
		snprintf(why, whylen, "broken PDF: the reader %s while opening it (memory at most "
			 "%ld MB)", what, FT_CHILD_MEMORY >> 20);
	else
		snprintf(why, whylen, "broken PDF: the reader %s after %d of %d pages (memory at "
			 "most %ld MB)", what, pl->pages, pl->to_read, FT_CHILD_MEMORY >> 20);
	return -1;
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
	struct page_and_links pl = { { 0 }, NULL, -1, 0, 0, 0, { 0 } };
	struct ft_pdf_said said;
	struct pb_pdf_result *res = &said.res;
	struct ftb b;
	int rc = -1;
	size_t letters = 0;

	memset(out, 0, sizeof *out);
	memset(&said, 0, sizeof said);
	said.pl = &pl;
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
	if (read_isolated(pdf, len, max_pages, deadline, &said, why, whylen) < 0) {
		rc = said.rc;
		goto out;
	}
	switch (said.rc) {
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
			 res->message[0] ? res->message : "poppler could not open it");
		goto out;
	}
	for (size_t i = 0; i < pl.text.len; i++)
		if ((unsigned char)pl.text.data[i] > ' ' && pl.text.data[i] != '\f')
			letters++;
	if (letters < PDF_MIN_TEXT) {
		snprintf(why, whylen, "no text layer (%zu characters on %d pages: scanned or "
			 "images only)", letters, res->pages);
		goto out;
	}
	ft_text_sections(&b, pl.text.data, pl.text.len);
	if (pl.notes.len)
		ft_text_links(&b, pl.notes.data, pl.notes.len);
	if (ftb_finish(&b) == 0) {
		snprintf(why, whylen, "no text");
		goto out;
	}
	out->source = pb_xstrdup("pdf");
	out->reader = FT_READER_PDF;
	if (res->pages < res->n_pages)
		pb_debug("fulltext.pdf_pages", "read=%d of=%d", res->pages, res->n_pages);
	rc = 0;
out:
	if (res->n_said)
		pb_debug("fulltext.poppler", "messages=%u first=%s", res->n_said,
			 pb_q(res->first_said));
	if (rc != 0) {
		ftb_finish(&b);
		pb_fulltext_clear(out);
	}
	pb_buf_free(&pl.text);
	pb_buf_free(&pl.notes);
	return rc;
}
