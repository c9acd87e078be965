/* HTML email: one fluid layout of blocks with inline styles (what Gmail and Outlook keep), at
 * most 640 px wide and as narrow as the screen, where long words and URLs break instead of
 * widening the page; a <style> block adds a dark scheme and phone margins for the clients that
 * keep it. Every text is escaped, a visible settings/unsubscribe line, and a size cap so Gmail
 * does not clip the message: past html_max_bytes of the email's HTML part (quoted-printable,
 * as the receiver stores it) the top papers stay in full and the rest become a compact list
 * of links. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/words.h"
#include "render_int.h"

#define DEFAULT_MAX (100 * 1024)
#define FONT "font-family:Arial,Helvetica,sans-serif;"
/* Opens one block of the card; closed by "</div>". */
#define SEC "<div class=\"pb-sec\" style=\""
#define MUTED "#666666"

/* For the clients that keep it: images, tables and code held inside their box, narrower
 * margins on a phone, and a dark scheme (inline colours lose only to !important). */
static const char style_sheet[] =
	"<style>\n"
	":root{color-scheme:light dark;supported-color-schemes:light dark;}\n"
	".pb-card img{max-width:100%;height:auto;}\n"
	".pb-card table{max-width:100%;}\n"
	".pb-card pre{white-space:pre-wrap;overflow-x:auto;max-width:100%;}\n"
	".pb-card code,.pb-card a{overflow-wrap:anywhere;word-break:break-word;}\n"
	"@media (max-width:480px){.pb-outer{padding:8px 4px!important;}"
	".pb-sec{padding-left:14px!important;padding-right:14px!important;}}\n"
	"@media (prefers-color-scheme:dark){\n"
	".pb-bg,.pb-outer{background-color:#0f1114!important;}\n"
	".pb-card{background-color:#1b1e23!important;border-color:#33383f!important;"
	"color:#e4e6ea!important;}\n"
	".pb-card p,.pb-card li,.pb-card h1,.pb-card h2,.pb-card h3,.pb-card h4,.pb-card div,"
	".pb-card span,"
	".pb-card strong,.pb-card em,.pb-card code{color:#e4e6ea!important;}\n"
	".pb-card .pb-muted,.pb-card .pb-muted strong{color:#aab1ba!important;}\n"
	".pb-card a{color:#8ab4f8!important;}\n"
	".pb-card .pb-box{background-color:#262a31!important;border-left-color:#4a515b!important;}\n"
	".pb-card .pb-sec,.pb-card hr{border-color:#33383f!important;}\n"
	"}\n"
	"</style>\n";

struct html {
	struct pb_buf *full;     /* per paper, in full */
	struct pb_buf *compact;  /* per paper, one list item */
	struct pb_buf *toc;      /* per paper, its line in the contents */
	/* per paper, at least the encoding of full and toc, and of compact: the sums of their
	 * pieces' pb_mail_qp_piece_bound, each cached segment's measured once a run */
	size_t *full_b, *compact_b;
};

/* The reader's language tag when a model writes in it and the words do not (a language
 * without a column in words.c: the document is English, its analyses German), or NULL: what
 * the model wrote then says its own lang, so a screen reader speaks each part in its voice. */
static const char *
model_lang(const struct pb_rctx *c)
{
	const char *l = c->d->language && *c->d->language ? c->d->language : "en";

	return strcmp(pb_words_lang(l), l) != 0 ? l : NULL;
}

/* Appends ' lang="TAG"' for the model's text, or nothing (model_lang). */
static void
model_lang_attr(const struct pb_rctx *c, struct pb_buf *b)
{
	const char *l = model_lang(c);

	if (l) {
		pb_buf_puts(b, " lang=\"");
		pb_esc_html_attr(b, l);
		pb_buf_putc(b, '"');
	}
}

static void
esc_n(struct pb_buf *b, const char *s, size_t n)
{
	pb_esc_html_n(b, s, n);
}

static void
link_html(struct pb_buf *b, const char *t, size_t tn, const char *u, size_t un)
{
	char *url = pb_xstrndup(u, un);

	pb_buf_puts(b, "<a href=\"");
	pb_esc_html_attr(b, url);
	pb_buf_puts(b, "\" style=\"color:#1a0dab;\">");
	pb_esc_html_n(b, t, tn);
	pb_buf_puts(b, "</a>");
	free(url);
}

static const struct pb_lm_style html_style = {
	esc_n, "<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>", link_html,
	NULL, NULL, NULL,
};
/* The same in a digest whose words are not English: a paper's title or finding quoted in the
 * built-in summary says lang="en" when it reads so (as the paper's own block does). */
static const struct pb_lm_style html_style_en = {
	esc_n, "<strong>", "</strong>", "<em>", "</em>", "<code>", "</code>", link_html,
	NULL, "<span lang=\"en\">", "</span>",
};

/* Light Markdown as HTML blocks, in st. */
static void
lm_html_st(struct pb_buf *b, const char *s, const struct pb_lm_style *st)
{
	struct pb_lm_block *v;
	size_t n = pb_lm_parse(s, &v), i, k;
	int list = 0;            /* 0 none, 1 ul, 2 ol */

	for (i = 0; i < n; i++) {
		const struct pb_lm_block *x = &v[i];
		int want = x->kind == PB_LM_BULLET ? 1 : x->kind == PB_LM_NUMBERED ? 2 : 0;

		if (list && want != list) {
			pb_buf_puts(b, list == 1 ? "</ul>\n" : "</ol>\n");
			list = 0;
		}
		switch (x->kind) {
		case PB_LM_HEADING:
			pb_buf_puts(b, "<p style=\"margin:14px 0 6px 0;font-size:15px;"
				       "font-weight:bold;color:#1a1a1a;\">");
			pb_lm_inline(b, x->text, x->len, st);
			pb_buf_puts(b, "</p>\n");
			break;
		case PB_LM_HR:
			pb_buf_puts(b, "<hr style=\"border:0;border-top:1px solid #e5e5e5;"
				       "margin:12px 0;\">\n");
			break;
		case PB_LM_BULLET:
		case PB_LM_NUMBERED:
			if (!list) {
				pb_buf_puts(b, want == 1 ?
					    "<ul style=\"margin:6px 0 10px 0;padding-left:22px;\">\n" :
					    "<ol style=\"margin:6px 0 10px 0;padding-left:22px;\">\n");
				list = want;
			}
			pb_buf_printf(b, "<li style=\"margin:0 0 4px %dpx;\">", x->level * 18);
			goto lines;
		case PB_LM_PARA:
			pb_buf_puts(b, "<p style=\"margin:0 0 10px 0;\">");
lines:
			/* keep the writer's line breaks */
			for (k = 0; k < x->len;) {
				const char *e = memchr(x->text + k, '\n', x->len - k);
				size_t l = e ? (size_t)(e - x->text) - k : x->len - k;

				if (k)
					pb_buf_puts(b, "<br>");
				while (l && (x->text[k] == ' ' || x->text[k] == '\t'))
					k++, l--;
				pb_lm_inline(b, x->text + k, l, st);
				k += l + (e ? 1 : 0);
			}
			pb_buf_puts(b, x->kind == PB_LM_PARA ? "</p>\n" : "</li>\n");
			break;
		}
	}
	if (list)
		pb_buf_puts(b, list == 1 ? "</ul>\n" : "</ol>\n");
	free(v);
}

/* Light Markdown as HTML blocks. */
static void
lm_html(struct pb_buf *b, const char *s)
{
	lm_html_st(b, s, &html_style);
}

static int
html_begin(struct pb_rctx *c)
{
	struct html *h = pb_xcalloc(1, sizeof *h);
	size_t n = c->d->n_items ? c->d->n_items : 1;

	h->full = pb_xcalloc(n, sizeof *h->full);
	h->compact = pb_xcalloc(n, sizeof *h->compact);
	h->toc = pb_xcalloc(n, sizeof *h->toc);
	h->full_b = pb_xcalloc(n, sizeof *h->full_b);
	h->compact_b = pb_xcalloc(n, sizeof *h->compact_b);
	c->priv = h;
	return 0;
}

static void
a_href(struct pb_buf *b, const char *url, const char *style)
{
	pb_buf_puts(b, "<a href=\"");
	pb_esc_html_attr(b, url);
	pb_buf_printf(b, "\" style=\"%s\">", style);
}

/* A paper's own text in a digest whose words are another language's: said to be English when
 * it reads so (pb_disp.en), so a screen reader speaks it with an English voice, not the
 * digest's. */
static void
en_attr(const struct pb_disp *x, struct pb_buf *b)
{
	if (x->en)
		pb_buf_puts(b, " lang=\"en\"");
}

/* The paper's title as a link, in the paper's language when it is known to be English. */
static void
title_link(const struct pb_disp *x, const char *url, const char *style, struct pb_buf *b)
{
	pb_buf_puts(b, "<a href=\"");
	pb_esc_html_attr(b, url);
	pb_buf_putc(b, '"');
	en_attr(x, b);
	pb_buf_printf(b, " style=\"%s\">", style);
	pb_esc_html(b, x->title);
	pb_buf_puts(b, "</a>");
}

/* A feedback link: its words, and for a screen reader moving from link to link the paper's
 * title after them ("More like this: Radiance Meshes ..."), the visible words first. Gmail,
 * Outlook and Apple Mail keep aria-label; where it is dropped the words alone remain. */
static void
feedback_link(struct pb_rctx *c, struct pb_buf *b, const char *url, enum pb_word w,
	      const char *title)
{
	pb_buf_puts(b, "<a href=\"");
	pb_esc_html_attr(b, url);
	pb_buf_puts(b, "\" aria-label=\"");
	pb_esc_html_attr(b, PB_WORD(c, w));
	pb_esc_html_attr(b, PB_WORD(c, PB_W_LEAD));
	pb_esc_html_attr(b, title);
	pb_buf_puts(b, "\" style=\"color:" MUTED ";\">");
	pb_esc_html(b, PB_WORD(c, w));
	pb_buf_puts(b, "</a>");
}

/* "More like this · Not for me" under a paper, when the reader's links are on. */
static void
feedback(struct pb_rctx *c, struct pb_buf *b, const char *id, const char *title)
{
	struct pb_buf more = { 0 }, less = { 0 };

	if (pb_render_feedback_url(c->o, id, 1, &more) == 0 &&
	    pb_render_feedback_url(c->o, id, -1, &less) == 0) {
		pb_buf_puts(b, "<p class=\"pb-muted\" style=\"margin:6px 0 0 0;font-size:12px;"
			       "color:" MUTED ";\">");
		feedback_link(c, b, more.data, PB_W_MORE_LIKE, title);
		pb_buf_puts(b, " &middot; ");
		feedback_link(c, b, less.data, PB_W_NOT_FOR_ME, title);
		pb_buf_puts(b, "</p>\n");
	}
	pb_buf_free(&more);
	pb_buf_free(&less);
}

/* The paper's block up to its anchor. Its title is a heading under "Papers" (h2), so a screen
 * reader goes from paper to paper; it looks as the bold paragraph it was, its style inline and
 * its colour said as the h2s say theirs, so no client's own look for a heading shows. */
static void
seg_top(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	(void)arg;
	pb_buf_puts(b, SEC "padding:18px 28px;border-top:1px solid #eeeeee;" FONT
		       "font-size:14px;line-height:21px;color:#222222;\">\n<a name=\"");
	pb_esc_html_attr(b, c->disp[i].vid);
	pb_buf_puts(b, "\"></a>\n<h3 style=\"margin:0 0 6px 0;font-size:17px;line-height:23px;"
		       "font-weight:bold;color:#222222;\">");
}

/* The title link, the authors, the date and the categories. */
static void
seg_head(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	title_link(x, x->abs_url, "color:#1a0dab;text-decoration:none;", b);
	pb_buf_puts(b, "</h3>\n<p style=\"margin:0 0 4px 0;font-size:13px;color:#444444;\">");
	pb_esc_html(b, x->authors);
	pb_buf_puts(b, "</p>\n<p class=\"pb-muted\" style=\"margin:0 0 10px 0;font-size:12px;"
		       "color:" MUTED ";\">");
	if (x->revised)
		pb_buf_puts(b, "<strong>");
	pb_esc_html(b, x->date_label);
	if (x->revised)
		pb_buf_puts(b, "</strong>");
	pb_buf_putc(b, ' ');
	pb_esc_html(b, x->published);
	pb_buf_puts(b, " &middot; ");
	pb_esc_html(b, x->categories);
}

/* "Analysis" and "Key findings": headings under the paper's title (h4), so a screen reader
 * lists them with the paper and goes from one to the next; styled as the bold paragraphs they
 * look like, the size, line and colour of the card's text said inline so no client's own look
 * for a heading shows. */
#define LABEL "style=\"margin:0 0 6px 0;font-size:14px;line-height:21px;font-weight:bold;" \
	"color:#222222;\""

/* The abstract, analysis, findings, figure and the paper's links. */
static void
seg_body(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	pb_buf_puts(b, "</p>\n<p");
	en_attr(x, b);
	pb_buf_puts(b, " style=\"margin:0 0 10px 0;\">");
	pb_esc_html(b, x->abstract);
	pb_buf_puts(b, "</p>\n");
	if (x->analysis) {
		pb_buf_puts(b, "<h4 " LABEL ">");
		pb_esc_html(b, PB_WORD(c, PB_W_ANALYSIS));
		pb_buf_puts(b, "</h4>\n<div class=\"pb-box\"");
		model_lang_attr(c, b);
		pb_buf_puts(b, " style=\"margin:0 0 10px 0;padding:8px 12px;"
			       "background-color:#f7f7f9;border-left:3px solid #d0d7de;\">\n");
		lm_html(b, x->analysis);
		pb_buf_puts(b, "</div>\n");
	}
	if (x->n_findings) {
		pb_buf_puts(b, "<h4 " LABEL ">");
		pb_esc_html(b, PB_WORD(c, PB_W_FINDINGS));
		pb_buf_puts(b, "</h4>\n<ul");
		en_attr(x, b);
		pb_buf_puts(b, " style=\"margin:0 0 10px 0;padding-left:22px;\">\n");
		for (size_t k = 0; k < x->n_findings; k++) {
			pb_buf_puts(b, "<li style=\"margin:0 0 4px 0;\">");
			pb_esc_html(b, x->findings[k]);
			pb_buf_puts(b, "</li>\n");
		}
		pb_buf_puts(b, "</ul>\n");
	}
	if (x->teaser_url) {
		/* the card's text column is 584 px: Outlook keeps the width attribute, everyone
		 * else max-width, so the figure fits a 375 px phone too */
		pb_buf_puts(b, "<p style=\"margin:0 0 10px 0;\">");
		a_href(b, x->teaser_url, "color:#1a0dab;");
		pb_buf_puts(b, "<img src=\"");
		pb_esc_html_attr(b, x->teaser_url);
		pb_buf_puts(b, "\" alt=\"");
		pb_esc_html_attr(b, x->teaser_alt);
		pb_buf_puts(b, "\" width=\"584\" style=\"display:block;width:auto;max-width:100%;"
			       "height:auto;border:0;\"></a></p>\n");
	}
	pb_buf_puts(b, "<p style=\"margin:0;font-size:13px;\">");
	a_href(b, x->pdf_url, "color:#1a0dab;");
	pb_buf_puts(b, "PDF</a> &middot; ");
	a_href(b, x->abs_url, "color:#1a0dab;");
	pb_buf_puts(b, "arXiv</a>");
	for (size_t k = 0; k < x->n_links; k++) {
		pb_buf_puts(b, " &middot; ");
		a_href(b, x->links[k], "color:#1a0dab;");
		pb_esc_html(b, x->link_labels[k]);
		pb_buf_puts(b, "</a>");
	}
	pb_buf_puts(b, "</p>\n");
}

/* Its line in the contents. */
static void
seg_toc(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	pb_buf_puts(b, "<li style=\"margin:0 0 4px 0;\"><a href=\"#");
	pb_esc_html_attr(b, x->vid);
	pb_buf_putc(b, '"');
	en_attr(x, b);
	pb_buf_puts(b, " style=\"color:#1a0dab;text-decoration:none;\">");
	pb_esc_html(b, x->title);
	pb_buf_puts(b, "</a></li>\n");
}

/* Its item in the compact list past the size cap. */
static void
seg_compact(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	pb_buf_printf(b, "<li style=\"margin:0 0 6px 0;\">");
	title_link(x, x->abs_url, "color:#1a0dab;", b);
	pb_buf_puts(b, " <span class=\"pb-muted\" style=\"color:" MUTED ";font-size:12px;\">");
	pb_esc_html(b, x->authors_short);
	pb_buf_puts(b, "</span></li>\n");
}

/* What is the paper's own comes from the run's cache (render_int.h); the number, topic, why
 * and the reader's links are this digest's. */
static int
html_paper(struct pb_rctx *c, size_t i)
{
	struct html *h = c->priv;
	const struct pb_disp *x = &c->disp[i];
	const char *topic = x->topic;
	struct pb_buf *b = &h->full[i];
	size_t *fb = &h->full_b[i], at;

	pb_render_seg_b(c, i, PB_SEG_HTML_TOP, 0, seg_top, b, fb);
	at = b->len;
	pb_buf_printf(b, "%zu. ", i + 1);
	*fb += pb_mail_qp_piece_bound(b->data + at, b->len - at);
	pb_render_seg_b(c, i, PB_SEG_HTML_HEAD, 0, seg_head, b, fb);
	at = b->len;
	if (topic) {
		pb_buf_puts(b, " &middot; ");
		pb_esc_html(b, PB_WORD(c, PB_W_TOPIC_LC));
		pb_esc_html(b, PB_WORD(c, PB_W_LEAD));
		pb_esc_html(b, topic);
	}
	if (x->why) {
		pb_buf_puts(b, "<br><strong>");
		pb_esc_html(b, PB_WORD(c, PB_W_WHY));
		pb_esc_html(b, PB_WORD(c, PB_W_COLON));
		pb_buf_puts(b, "</strong> ");
		pb_esc_html(b, x->why);
	}
	*fb += pb_mail_qp_piece_bound(b->data + at, b->len - at);
	pb_render_seg_b(c, i, PB_SEG_HTML_BODY, 0, seg_body, b, fb);
	at = b->len;
	feedback(c, b, c->d->items[i].paper->id, x->title);
	pb_buf_puts(b, "</div>\n");
	*fb += pb_mail_qp_piece_bound(b->data + at, b->len - at);
	pb_render_seg_b(c, i, PB_SEG_HTML_TOC, 0, seg_toc, &h->toc[i], fb);
	pb_render_seg_b(c, i, PB_SEG_HTML_COMPACT, 0, seg_compact, &h->compact[i],
			&h->compact_b[i]);
	return 0;
}

/* The executive summary, for pb_render_summary. */
static void
sum_html(const struct pb_rctx *c, struct pb_buf *out)
{
	if (c->d->exec_from_model && model_lang(c)) {
		pb_buf_puts(out, "<div");
		model_lang_attr(c, out);
		pb_buf_puts(out, ">\n");
		lm_html(out, c->summary);
		pb_buf_puts(out, "</div>\n");
		return;
	}
	lm_html_st(out, c->summary, strncasecmp(pb_words_lang(c->d->language), "en", 2) != 0 ?
		   &html_style_en : &html_style);
}

/* The document's head, its title and its summary into b; *shared gets the length of its
 * start that every digest of the same language and title shares (up to the reader's own
 * count), *sum where the summary whole starts in b (SIZE_MAX: none, or cut). */
static void
head(struct pb_rctx *c, struct pb_buf *b, int summary_budget, size_t *shared, size_t *sum)
{
	const struct pb_digest *d = c->d;
	size_t at = b->len;

	/* the words' language: English for a reader's language without a column */
	pb_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"");
	pb_esc_html_attr(b, pb_words_lang(d->language));
	pb_buf_puts(b, "\">\n<head>\n<meta http-equiv=\"Content-Type\" "
		       "content=\"text/html; charset=utf-8\">\n<meta name=\"viewport\" "
		       "content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" "
		       "content=\"light dark\">\n<meta name=\"supported-color-schemes\" "
		       "content=\"light dark\">\n<title>");
	pb_esc_html(b, c->title);
	pb_buf_puts(b, "</title>\n");
	pb_buf_puts(b, style_sheet);
	pb_buf_puts(b, "</head>\n<body class=\"pb-bg\" style=\"margin:0;padding:0;"
		       "background-color:#f3f4f6;\">\n<div class=\"pb-outer\" style=\"padding:16px 8px;"
		       "background-color:#f3f4f6;\">\n"
		       /* Outlook on Windows ignores max-width: a fixed table there only */
		       "<!--[if mso]><table role=\"presentation\" width=\"640\" align=\"center\" "
		       "cellpadding=\"0\" cellspacing=\"0\" border=\"0\"><tr><td><![endif]-->\n"
		       "<div class=\"pb-card\" style=\"max-width:640px;width:100%;margin:0 auto;"
		       "box-sizing:border-box;background-color:#ffffff;border:1px solid #e5e7eb;"
		       "overflow-wrap:anywhere;word-wrap:break-word;word-break:break-word;\">\n"
		       SEC "padding:24px 28px 12px 28px;" FONT "\">\n"
		       "<h1 style=\"margin:0;font-size:22px;line-height:28px;color:#111111;\">");
	pb_esc_html(b, c->title);
	pb_buf_puts(b, "</h1>\n<p class=\"pb-muted\" style=\"margin:6px 0 0 0;font-size:13px;"
		       "color:" MUTED ";\">");
	*shared = b->len - at;
	{
		struct pb_buf name = { 0 };

		if (d->subscriber)
			pb_esc_html(&name, d->subscriber);
		pb_render_count(c, b, pb_buf_str(&name), NULL);
		pb_buf_free(&name);
	}
	pb_buf_puts(b, "</p>\n");
	if (d->n_matched > d->n_items) {
		struct pb_buf t = { 0 };

		pb_render_more(c, &t);
		pb_buf_puts(b, "<p class=\"pb-muted\" style=\"margin:4px 0 0 0;font-size:13px;"
			       "color:" MUTED ";\">");
		pb_esc_html(b, pb_buf_str(&t));
		pb_buf_puts(b, "</p>\n");
		pb_buf_free(&t);
	}
	pb_buf_puts(b, "</div>\n");
	pb_buf_puts(b, SEC "padding:8px 28px 12px 28px;" FONT "font-size:14px;"
		       "line-height:21px;color:#222222;\">\n<h2 style=\"margin:0 0 10px 0;"
		       "font-size:18px;color:#111111;\">");
	pb_esc_html(b, PB_WORD(c, PB_W_SUMMARY));
	pb_buf_puts(b, "</h2>\n");
	*sum = SIZE_MAX;
	if (!c->summary) {
		if (!d->n_items) {
			pb_buf_puts(b, "<p style=\"margin:0 0 10px 0;\">");
			pb_esc_html(b, PB_WORD(c, PB_W_NO_PAPERS));
			pb_buf_puts(b, "</p>\n");
		}
	} else if (summary_budget < 0 || strlen(c->summary) <= (size_t)summary_budget) {
		*sum = pb_render_summary(c, PB_SUM_HTML, sum_html, b, 0) - at;
	} else {
		/* too long for the cap: the start of it, as plain text */
		struct pb_buf t = { 0 };
		size_t n = (size_t)summary_budget;

		pb_lm_plain(&t, c->summary, strlen(c->summary));
		if (t.len < n)
			n = t.len;
		while (n > 0 && ((unsigned char)t.data[n] & 0xc0) == 0x80)
			n--;
		pb_buf_puts(b, "<p");
		if (d->exec_from_model)
			model_lang_attr(c, b);
		pb_buf_puts(b, " style=\"margin:0 0 10px 0;\">");
		pb_esc_html_n(b, t.data, n);
		pb_buf_puts(b, " &hellip;</p>\n");
		pb_buf_free(&t);
	}
	pb_buf_puts(b, "</div>\n");
}

/* The contents' frame around its lines: open, then close (and the papers' heading). */
static void
toc_open(struct pb_rctx *c, struct pb_buf *b)
{
	pb_buf_puts(b, SEC "padding:8px 28px 16px 28px;" FONT "font-size:14px;"
		       "line-height:21px;color:#222222;\">\n<h2 style=\"margin:0 0 10px 0;"
		       "font-size:18px;color:#111111;\">");
	pb_esc_html(b, PB_WORD(c, PB_W_CONTENTS));
	pb_buf_puts(b, "</h2>\n<ol style=\"margin:0;padding-left:22px;\">\n");
}

static void
toc_close(struct pb_rctx *c, struct pb_buf *b)
{
	pb_buf_puts(b, "</ol>\n</div>\n" SEC "padding:8px 28px 0 28px;" FONT "\">\n"
		       "<h2 style=\"margin:0;font-size:18px;color:#111111;\">");
	pb_esc_html(b, PB_WORD(c, PB_W_PAPERS));
	pb_buf_puts(b, "</h2>\n</div>\n");
}

/* The contents: the papers shown in full (the compact list links the rest itself). */
static void
toc(struct pb_rctx *c, struct pb_buf *b, size_t full)
{
	struct html *h = c->priv;

	if (full == 0)
		return;
	toc_open(c, b);
	for (size_t i = 0; i < full; i++)
	{
		pb_render_marks_move(c, &h->toc[i], b->len);
		pb_buf_append(b, h->toc[i].data, h->toc[i].len);
	}
	toc_close(c, b);
}

static void
foot(struct pb_rctx *c, struct pb_buf *b)
{
	int is_url, is_mailto;
	const char *u = pb_render_unsub(c, &is_url, &is_mailto);

	pb_buf_puts(b, SEC "padding:16px 28px 24px 28px;border-top:1px solid #eeeeee;"
		       FONT "font-size:12px;line-height:18px;color:" MUTED ";\">\n");
	{
		struct pb_buf name = { 0 };
		const char *vars[] = { "name", NULL, NULL };
		int as = c->d->subscriber && *c->d->subscriber;

		if (as)
			pb_esc_html(&name, c->d->subscriber);
		vars[1] = pb_buf_str(&name);
		pb_template_put(b, PB_WORD(c, as ? PB_W_RECEIVE_AS : PB_W_RECEIVE), vars);
		pb_buf_free(&name);
	}
	if (c->o->manage_url && *c->o->manage_url) {
		/* the reader's own pages: manage, and this recipient's unsubscribe */
		a_href(b, c->o->manage_url, "color:#555555;");
		pb_esc_html(b, PB_WORD(c, PB_W_MANAGE));
		pb_buf_puts(b, "</a>");
		if (u && is_url) {
			pb_buf_puts(b, " &middot; ");
			a_href(b, u, "color:#555555;");
			pb_esc_html(b, PB_WORD(c, PB_W_UNSUBSCRIBE));
			pb_buf_puts(b, "</a>");
		}
		pb_esc_html(b, PB_WORD(c, PB_W_STOP));
	} else if (u && (is_url || is_mailto)) {
		pb_buf_puts(b, "<a href=\"");
		if (is_mailto && strncmp(u, "mailto:", 7) != 0)
			pb_buf_puts(b, "mailto:");
		pb_esc_html_attr(b, u);
		pb_buf_puts(b, "\" style=\"color:#555555;\">");
		pb_esc_html(b, PB_WORD(c, PB_W_CHANGE_SETTINGS));
		pb_buf_puts(b, "</a>");
		pb_esc_html(b, PB_WORD(c, PB_W_STOP));
	} else if (u) {
		pb_esc_html(b, PB_WORD(c, PB_W_SETTINGS));
		pb_esc_html(b, u);
	} else {
		pb_esc_html(b, PB_WORD(c, PB_W_REPLY_TO_CHANGE));
	}
	pb_buf_puts(b, "\n</div>\n</div>\n<!--[if mso]></td></tr></table><![endif]-->\n</div>\n"
		       "</body>\n</html>\n");
}

/* The compact list's frame around its items: open, then close with the count of papers
 * left out even of the list (more; 0: none). */
static void
compact_open(struct pb_rctx *c, struct pb_buf *b)
{
	pb_buf_puts(b, SEC "padding:16px 28px;border-top:1px solid #eeeeee;" FONT
		       "font-size:14px;line-height:21px;color:#222222;\">\n<h2 style=\"margin:0 "
		       "0 10px 0;font-size:18px;color:#111111;\">");
	pb_esc_html(b, PB_WORD(c, PB_W_MORE_PAPERS));
	pb_buf_puts(b, "</h2>\n<ul style=\"margin:0;padding-left:22px;\">\n");
}

static void
compact_close(struct pb_rctx *c, struct pb_buf *b, size_t more)
{
	pb_buf_puts(b, "</ul>\n");
	if (more) {
		char n[24];
		const char *vars[] = { "n", n, NULL };

		snprintf(n, sizeof n, "%zu", more);
		pb_buf_puts(b, "<p class=\"pb-muted\" style=\"margin:8px 0 0 0;color:" MUTED ";\">");
		pb_template_put(b, PB_WORD(c, PB_W_MORE_ON_ARXIV), vars);
		pb_buf_puts(b, "</p>\n");
	}
	pb_buf_puts(b, "</div>\n");
}

static void
compact_list(struct pb_rctx *c, struct pb_buf *b, size_t from, size_t to, size_t more)
{
	struct html *h = c->priv;

	if (from >= c->d->n_items)
		return;
	compact_open(c, b);
	for (size_t i = from; i < to; i++)
	{
		pb_render_marks_move(c, &h->compact[i], b->len);
		pb_buf_append(b, h->compact[i].data, h->compact[i].len);
	}
	compact_close(c, b, more);
}

static void
html_free(struct pb_rctx *c)
{
	struct html *h = c->priv;

	if (!h)
		return;
	for (size_t i = 0; i < c->d->n_items; i++) {
		pb_buf_free(&h->full[i]);
		pb_buf_free(&h->compact[i]);
		pb_buf_free(&h->toc[i]);
	}
	free(h->full);
	free(h->compact);
	free(h->toc);
	free(h->full_b);
	free(h->compact_b);
	free(h);
	c->priv = NULL;
}

/* What b would be in the email's HTML part: its quoted-printable encoding (mail.c), what the
 * receiver stores and what Gmail's 102 KB counts. Every '=' of an attribute is three bytes
 * there, and every line gains a CR and its soft breaks: 5-6% over the HTML, three times it for
 * a text in CJK. Each piece measured is whole lines, so their sizes add up to the document's. */
static size_t
encoded(const struct pb_buf *b)
{
	return b->len ? pb_mail_qp_len(b->data, b->len) : 0;
}

/* At least encoded(b), from its length alone. */
static size_t
most(const struct pb_buf *b)
{
	return pb_mail_qp_most(b->len);
}

/* Whether every paper goes in full for what measure (at least encoded) says of the pieces:
 * the choice below then makes it as well, since each size it adds is at most its measure.
 * Most digests are far under the cap, where their lengths alone or a scan tell, and their
 * encodings are never made. head is the head without a cut summary. */
static int
all_fit(struct pb_rctx *c, const struct pb_buf *head, const struct pb_buf *frames,
	const struct pb_buf *tail, size_t max, size_t (*measure)(const struct pb_buf *))
{
	struct html *h = c->priv;
	size_t used = measure(head) + measure(frames) + measure(tail);

	/* an executive summary that would be cut, as below */
	if (used > max / 2)
		return 0;
	/* each paper as it weighs most, in full or compact, as the choice meets them */
	for (size_t i = 0; i < c->d->n_items && used <= max; i++) {
		size_t full = measure(&h->full[i]) + measure(&h->toc[i]);
		size_t compact = measure(&h->compact[i]);

		used += full > compact ? full : compact;
	}
	return used <= max;
}

/* all_fit with each paper's kept bounds (struct html's full_b, compact_b) and the head,
 * frames and footer, which are this digest's, scanned. */
static int
all_fit_kept(struct pb_rctx *c, const struct pb_buf *head, const struct pb_buf *frames,
	     const struct pb_buf *tail, size_t max)
{
	struct html *h = c->priv;
	size_t used = 0;
	const struct pb_buf *own[] = { head, frames, tail };

	for (size_t k = 0; k < 3; k++)
		used += pb_mail_qp_piece_bound(own[k]->data ? own[k]->data : "", own[k]->len);
	if (used > max / 2)
		return 0;
	for (size_t i = 0; i < c->d->n_items && used <= max; i++)
		used += h->full_b[i] > h->compact_b[i] ? h->full_b[i] : h->compact_b[i];
	return used <= max;
}

/* Chooses how many papers fit in full, counted as encoded: the first *k in full (each with
 * its contents line), the rest as compact links up to *to, the compact list itself cut when
 * even that is too long. probe holds the head, made again with its executive summary cut when
 * that leaves less than half the cap (shared, sum as head sets them); rest is what the frames
 * and the footer encode to. */
static void
fit_encoded(struct pb_rctx *c, struct pb_buf *probe, size_t rest, size_t max, size_t *shared,
	    size_t *sum, size_t *k, size_t *to)
{
	struct html *h = c->priv;
	size_t n = c->d->n_items, i, used;
	size_t *full_len = pb_xcalloc(n ? n : 1, sizeof *full_len);
	size_t *compact_len = pb_xcalloc(n ? n : 1, sizeof *compact_len);
	size_t fixed = encoded(probe) + rest;

	/* an executive summary too long for the cap is cut, shorter until it leaves half */
	for (int budget = (int)(max / 4); fixed > max / 2 && budget > 0; budget /= 2) {
		pb_buf_reset(probe);
		head(c, probe, budget, shared, sum);
		fixed = encoded(probe) + rest;
	}
	used = fixed;
	for (i = 0; i < n; i++) {
		full_len[i] = encoded(&h->full[i]) + encoded(&h->toc[i]);
		compact_len[i] = encoded(&h->compact[i]);
		used += compact_len[i];
	}
	for (i = 0; i < n; i++) {
		if (used - compact_len[i] + full_len[i] > max)
			break;
		used = used - compact_len[i] + full_len[i];
	}
	*k = i;
	for (i = n; i > *k && used > max; i--)
		used -= compact_len[i - 1];
	*to = i;
	free(compact_len);
	free(full_len);
}

/* The document: the head, the contents and the papers that fit in full, the compact list of
 * the rest, the footer. */
static int
html_end(struct pb_rctx *c)
{
	struct html *h = c->priv;
	size_t max = c->o->html_max_bytes ? c->o->html_max_bytes : DEFAULT_MAX;
	size_t n = c->d->n_items, i, k = n, to = n, shared = 0, at, sum = SIZE_MAX;
	struct pb_buf tail = { 0 }, frames = { 0 }, probe = { 0 };
	struct pb_buf *b = &c->doc;

	foot(c, &tail);
	/* the frames of the contents and of the compact list, its note counting every paper */
	toc_open(c, &frames);
	toc_close(c, &frames);
	compact_open(c, &frames);
	compact_close(c, &frames, n ? n : 1);
	head(c, &probe, -1, &shared, &sum);
	if (!all_fit(c, &probe, &frames, &tail, max, most) &&
	    !all_fit_kept(c, &probe, &frames, &tail, max))
		fit_encoded(c, &probe, encoded(&frames) + encoded(&tail), max, &shared, &sum, &k,
			    &to);
	pb_buf_free(&frames);
	/* the head as measured; its shared start a block of the run */
	at = b->len;
	pb_buf_append(b, probe.data, probe.len);
	pb_buf_free(&probe);
	pb_render_shared(c, b, at, shared);
	if (sum != SIZE_MAX)
		pb_render_summary_mark(c, PB_SUM_HTML, b, at + sum);
	pb_render_marks_move(c, b, 0);
	toc(c, b, k);
	for (i = 0; i < k; i++) {
		pb_render_marks_move(c, &h->full[i], b->len);
		pb_buf_append(b, h->full[i].data, h->full[i].len);
	}
	compact_list(c, b, k, to, n - to);
	pb_buf_append(b, tail.data, tail.len);
	pb_buf_free(&tail);
	pb_parts_push(c->out, pb_buf_detach(b));
	html_free(c);
	return 0;
}

static void
html_cleanup(struct pb_rctx *c)
{
	html_free(c);
}

const struct pb_renderer pb_renderer_html = {
	"html", html_begin, html_paper, html_end, html_cleanup, "digest.html",
};
