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

/* The first page's footnotes: affiliations, e-mail addresses, "* Equal contribution",
 * "Corresponding author", a venue's copyright notice. poppler reads them where they stand, at
 * the foot of a column, so they landed in the middle of the introduction's sentence that goes
 * on in the next column. A footnote line is set smaller than most of the page's text, in the
 * page's lower half, with no line of that text below it across its width (a page number or a
 * short foot aside); a run of such lines that starts as a caption ("Figure 2:", "Table 1")
 * stays. Pages with more lines than FOOT_MAX_LINES, or whose layout does not match their text,
 * are given whole. */
#define FOOT_MAX_LINES 1500
#define FOOT_MAX_SIZES 64

struct foot_line {
	size_t start, end;           /* bytes of the text, the newline not counted */
	double x1, y1, x2, y2;       /* the box of its characters */
	int small, letters, note;
};

static int
caption_line(const char *l, size_t n)
{
	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	return (n >= 6 && strncmp(l, "Figure", 6) == 0) || (n >= 4 && strncmp(l, "Fig.", 4) == 0) ||
	       (n >= 5 && strncmp(l, "Table", 5) == 0);
}

/* Gives page's text t to the sink, its footnote lines apart. Returns the sink's page answer. */
static int
first_page(PopplerPage *page, const char *t, size_t len, const struct pb_pdf_sink *sink)
{
	PopplerRectangle *r = NULL;
	guint nr = 0;
	GList *attrs = NULL;
	float *fs = NULL;
	struct foot_line *ln = NULL;
	size_t nl = 0, nch, ci, kept_n = 0;
	double w, h, body = 0;
	char *kept = NULL;
	int stop, any = 0;
	struct { int tenth; long n; } sizes[FOOT_MAX_SIZES];
	int n_sizes = 0;

	if (!sink->note || !poppler_page_get_text_layout(page, &r, &nr))
		goto whole;
	nch = (size_t)g_utf8_strlen(t, (gssize)len);
	if (nr != nch)
		goto whole;
	poppler_page_get_size(page, &w, &h);
	fs = g_new0(float, nch + 1);
	attrs = poppler_page_get_text_attributes(page);
	for (GList *a = attrs; a; a = a->next) {
		PopplerTextAttributes *at = a->data;

		for (int k = at->start_index; k >= 0 && k <= at->end_index && (size_t)k < nch; k++)
			fs[k] = (float)at->font_size;
	}
	/* The page's text size: the one most of its letters have. */
	ci = 0;
	for (const char *p = t; p < t + len; p = g_utf8_next_char(p), ci++) {
		int tenth = (int)(fs[ci] * 10 + 0.5), k;

		if ((unsigned char)*p <= ' ' || tenth <= 0)
			continue;
		for (k = 0; k < n_sizes && sizes[k].tenth != tenth; k++)
			;
		if (k == n_sizes) {
			if (n_sizes == FOOT_MAX_SIZES)
				continue;
			sizes[n_sizes].tenth = tenth;
			sizes[n_sizes++].n = 0;
		}
		sizes[k].n++;
	}
	for (int k = 0, best = -1; k < n_sizes; k++)
		if (best < 0 || sizes[k].n > sizes[best].n) {
			best = k;
			body = sizes[k].tenth / 10.0;
		}
	if (body <= 0)
		goto whole;
	/* The lines, their boxes and whether most of their letters are smaller than that. */
	ln = g_new0(struct foot_line, FOOT_MAX_LINES);
	ci = 0;
	for (size_t i = 0; i <= len && nl < FOOT_MAX_LINES;) {
		struct foot_line *L = &ln[nl];
		size_t e = i;
		long smaller = 0, other = 0;

		while (e < len && t[e] != '\n')
			e++;
		L->start = i;
		L->end = e;
		L->x1 = L->y1 = 1e9;
		L->x2 = L->y2 = -1e9;
		for (const char *p = t + i; p < t + e; p = g_utf8_next_char(p), ci++) {
			unsigned char c = (unsigned char)*p;

			if (c <= ' ')
				continue;
			if (c >= 0x80 || g_ascii_isalnum((gchar)c))
				L->letters++;
			if (fs[ci] > 0 && fs[ci] < body * 0.95)
				smaller++;
			else
				other++;
			if (r[ci].x1 < L->x1) L->x1 = r[ci].x1;
			if (r[ci].y1 < L->y1) L->y1 = r[ci].y1;
			if (r[ci].x2 > L->x2) L->x2 = r[ci].x2;
			if (r[ci].y2 > L->y2) L->y2 = r[ci].y2;
		}
		L->small = smaller > other;
		nl++;
		ci++;   /* the newline */
		if (e >= len)
			break;
		i = e + 1;
	}
	if (nl == FOOT_MAX_LINES || ci != nch + 1)
		goto whole;
	for (size_t i = 0; i < nl; i++) {
		struct foot_line *c = &ln[i];

		if (!c->small || !c->letters || c->y1 < h / 2)
			continue;
		c->note = 1;
		for (size_t j = 0; j < nl && c->note; j++) {
			const struct foot_line *b = &ln[j];

			if (!b->small && b->letters >= 12 && b->y1 >= c->y2 - 1 && b->x1 < c->x2 &&
			    b->x2 > c->x1)
				c->note = 0;
		}
	}
	for (size_t i = 0; i < nl;) {   /* runs of them in the text's order */
		size_t j = i;

		if (!ln[i].note) {
			i++;
			continue;
		}
		while (j < nl && (ln[j].note || !ln[j].letters))
			j++;
		if (caption_line(t + ln[i].start, ln[i].end - ln[i].start))
			for (size_t k = i; k < j; k++)
				ln[k].note = 0;
		i = j;
	}
	kept = g_malloc(len + 1);
	for (size_t i = 0; i < nl; i++) {
		size_t n = ln[i].end - ln[i].start;

		if (ln[i].note) {
			sink->note(sink->arg, t + ln[i].start, n);
			any = 1;
			continue;
		}
		memcpy(kept + kept_n, t + ln[i].start, n);
		kept_n += n;
		if (ln[i].end < len)
			kept[kept_n++] = '\n';
	}
	if (!any)
		goto whole;
	stop = sink->page(sink->arg, kept, kept_n);
	goto out;
whole:
	stop = sink->page(sink->arg, t, len);
out:
	g_free(kept);
	g_free(ln);
	g_free(fs);
	g_free(r);
	poppler_page_free_text_attributes(attrs);
	return stop;
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
			stop = i == 0 ? first_page(page, t, strlen(t), sink)
				      : sink->page(sink->arg, t, strlen(t));
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
