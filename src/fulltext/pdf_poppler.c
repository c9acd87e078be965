/* paperboy's PDF module (paperboy-pdf.so): a PDF's pages' text in reading order and their
 * link annotations, through poppler's GLib interface. Loaded by pdf.c the first time a PDF is
 * read; see pdf_module.h for why it is a module and what it promises. */
#include <stdio.h>
#include <string.h>

#include <poppler.h>

#include "pdf_module.h"

int pb_pdf_module_read(int abi, const char *pdf, size_t len, int max_pages,
		       const struct pb_pdf_sink *sink, struct pb_pdf_result *res)
	__attribute__((visibility("default")));

/* What poppler said while reading one document: counted, the first kept, never printed. */
static void
on_poppler_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer arg)
{
	struct pb_pdf_result *r = arg;

	(void)domain;
	(void)level;
	if (r->n_said++ == 0 && msg)
		snprintf(r->first_said, sizeof r->first_said, "%s", msg);
}

int
pb_pdf_module_read(int abi, const char *pdf, size_t len, int max_pages,
		   const struct pb_pdf_sink *sink, struct pb_pdf_result *res)
{
	GBytes *bytes;
	PopplerDocument *doc;
	GError *gerr = NULL;
	guint handler;
	int rc = PB_PDF_OK, pages;

	memset(res, 0, sizeof *res);
	if (abi != PB_PDF_MODULE_ABI)
		return PB_PDF_ABI;
	if (len > G_MAXSSIZE) {
		snprintf(res->message, sizeof res->message, "PDF too large");
		return PB_PDF_BROKEN;
	}
	handler = g_log_set_handler("Poppler", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
				    G_LOG_FLAG_RECURSION, on_poppler_log, res);
	bytes = g_bytes_new_static(pdf, len);
	doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
	if (!doc) {
		if (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED) {
			rc = PB_PDF_ENCRYPTED;
		} else {
			rc = PB_PDF_BROKEN;
			snprintf(res->message, sizeof res->message, "%s",
				 gerr && gerr->message ? gerr->message : "poppler could not open it");
		}
		goto out;
	}
	res->n_pages = poppler_document_get_n_pages(doc);
	pages = max_pages > 0 && res->n_pages > max_pages ? max_pages : res->n_pages;
	res->pages = pages;
	sink->opened(sink->arg, res->n_pages, pages);
	for (int i = 0; i < pages; i++) {
		PopplerPage *page = poppler_document_get_page(doc, i);
		GList *lm;
		char *t;
		int stop = 0;

		if (!page)
			continue;
		t = poppler_page_get_text(page);
		if (t) {
			stop = sink->page(sink->arg, t, strlen(t));
			g_free(t);
		}
		lm = poppler_page_get_link_mapping(page);
		for (GList *l = lm; l; l = l->next) {
			PopplerLinkMapping *m = l->data;

			if (m && m->action && m->action->type == POPPLER_ACTION_URI &&
			    m->action->uri.uri)
				sink->link(sink->arg, m->action->uri.uri);
		}
		poppler_page_free_link_mapping(lm);
		g_object_unref(page);
		if (stop)
			break;
	}
out:
	if (doc)
		g_object_unref(doc);
	g_bytes_unref(bytes);
	g_log_remove_handler("Poppler", handler);
	if (gerr)
		g_error_free(gerr);
	return rc;
}
