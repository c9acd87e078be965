/* Full text from a PDF through poppler's GLib interface: the pages' text in reading order,
 * the link annotations, then sections where the headings allow (pdf_text.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <poppler.h>

#include "ft_int.h"
#include "paperboy/log.h"

#define PDF_MAX_TEXT (8u * 1024u * 1024u)   /* bytes of page text read in all */
#define PDF_MIN_TEXT 200                     /* fewer letters: no text layer */

/* What poppler said while reading one document: counted, the first kept, never printed. */
struct said {
	unsigned n;
	char first[200];
};

static void
on_poppler_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer arg)
{
	struct said *s = arg;

	(void)domain;
	(void)level;
	if (s->n++ == 0 && msg)
		snprintf(s->first, sizeof s->first, "%s", msg);
}

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

int
pb_fulltext_from_pdf(const char *pdf, size_t len, int max_pages, struct pb_fulltext *out,
		     char *why, size_t whylen)
{
	GBytes *bytes = NULL;
	PopplerDocument *doc = NULL;
	GError *gerr = NULL;
	struct pb_buf text = { 0 };
	struct said said = { 0 };
	struct ftb b;
	guint handler = 0;
	int rc = -1, n_pages, pages;
	size_t letters = 0;

	memset(out, 0, sizeof *out);
	ftb_init(&b, out);
	if (why && whylen)
		why[0] = '\0';
	if (!pdf_magic(pdf, len)) {
		char head[80];

		quote_head(head, sizeof head, pdf, len);
		snprintf(why, whylen, "not a PDF: it starts with \"%s\"", head);
		goto out;
	}
	if (len > G_MAXSSIZE) {
		snprintf(why, whylen, "PDF too large");
		goto out;
	}
	handler = g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
				    G_LOG_FLAG_RECURSION, on_poppler_log, &said);
	bytes = g_bytes_new_static(pdf, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
	if (!doc) {
		if (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED)
			snprintf(why, whylen, "encrypted (a password is needed to read it)");
		else
			snprintf(why, whylen, "broken PDF: %s",
				 gerr && gerr->message ? gerr->message : "poppler could not open it");
		goto out;
	}
	n_pages = poppler_document_get_n_pages(doc);
	pages = max_pages > 0 && n_pages > max_pages ? max_pages : n_pages;
	for (int i = 0; i < pages && text.len < PDF_MAX_TEXT; i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		GList *lm;
		char *t;

		if (!page)
			continue;
		t = poppler_page_get_text(page);
		if (t) {
			size_t n = strlen(t);

			if (text.len + n > PDF_MAX_TEXT)
				n = PDF_MAX_TEXT - text.len;
			pb_buf_append(&text, t, n);
			pb_buf_putc(&text, '\f');
			g_free(t);
		}
		lm = poppler_page_get_link_mapping(page);
		for (GList *l = lm; l; l = l->next) {
			PopplerLinkMapping *m = l->data;

			if (m && m->action && m->action->type == POPPLER_ACTION_URI &&
			    m->action->uri.uri)
				ftb_link(&b, m->action->uri.uri);
		}
		poppler_page_free_link_mapping(lm);
		g_object_unref(page);
	}
	for (size_t i = 0; i < text.len; i++)
		if ((unsigned char)text.data[i] > ' ' && text.data[i] != '\f')
			letters++;
	if (letters < PDF_MIN_TEXT) {
		snprintf(why, whylen, "no text layer (%zu characters on %d pages: scanned or "
			 "images only)", letters, pages);
		goto out;
	}
	ft_text_sections(&b, text.data, text.len);
	if (ftb_finish(&b) == 0) {
		snprintf(why, whylen, "no text");
		goto out;
	}
	out->source = pb_xstrdup("pdf");
	if (pages < n_pages)
		pb_debug("fulltext.pdf_pages", "read=%d of=%d", pages, n_pages);
	rc = 0;
out:
	if (said.n)
		pb_debug("fulltext.poppler", "messages=%u first=%s", said.n, pb_q(said.first));
	if (rc != 0) {
		ftb_finish(&b);
		pb_fulltext_clear(out);
	}
	if (doc)
		g_object_unref(doc);
	if (bytes)
		g_bytes_unref(bytes);
	if (handler)
		g_log_remove_handler("Poppler", handler);
	if (gerr)
		g_error_free(gerr);
	pb_buf_free(&text);
	return rc;
}
