/* Markdown: the layout of the reference digest (front matter, title, Executive Summary, Table
 * of Contents anchored by versioned id, Papers). Text from arXiv is escaped so that it never
 * turns into markup; the executive summary and analyses are light Markdown, written out again
 * with the same escaping for their text. LaTeX is shown converted to Unicode here too (see render.h):
 * a digest is read in mail clients, chat and git hosts that do not typeset math. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/escape.h"
#include "render_int.h"

static void
esc_n(struct pb_buf *b, const char *s, size_t n)
{
	pb_esc_md_n(b, s, n);
}

/* Inside `code` Markdown reads no escapes, and the text cannot hold a backtick. */
static void
code_n(struct pb_buf *b, const char *s, size_t n)
{
	pb_buf_append(b, s, n);
}

static void
link_md(struct pb_buf *b, const char *t, size_t tn, const char *u, size_t un)
{
	char *url = pb_xstrndup(u, un);

	pb_buf_putc(b, '[');
	pb_esc_md_n(b, t, tn);
	pb_buf_puts(b, "](");
	pb_esc_md_url(b, url);
	pb_buf_putc(b, ')');
	free(url);
}

static const struct pb_lm_style md_style = {
	esc_n, "**", "**", "*", "*", "`", "`", link_md, code_n, NULL, NULL,
};

/* Light Markdown (the executive summary, an analysis) written out again: the markup the
 * light-Markdown reader knows, everything else escaped as the papers' own text is, so a
 * model's answer or a title in the summary cannot add raw HTML or a link off arXiv. */
static void
md_block(struct pb_buf *b, const char *s)
{
	struct pb_lm_block *v;
	size_t n = pb_lm_parse(s, &v), k;

	for (size_t i = 0; i < n; i++) {
		const struct pb_lm_block *x = &v[i];
		int item = x->kind == PB_LM_BULLET || x->kind == PB_LM_NUMBERED;

		if (i)
			pb_buf_puts(b, item && (v[i - 1].kind == PB_LM_BULLET ||
						v[i - 1].kind == PB_LM_NUMBERED) ? "\n" : "\n\n");
		switch (x->kind) {
		case PB_LM_HR:
			pb_buf_puts(b, "---");
			continue;
		case PB_LM_HEADING:
			for (int l = 0; l < x->level; l++)
				pb_buf_putc(b, '#');
			pb_buf_putc(b, ' ');
			break;
		case PB_LM_BULLET:
			for (int l = 0; l < x->level; l++)
				pb_buf_puts(b, "  ");
			pb_buf_puts(b, "- ");
			break;
		case PB_LM_NUMBERED:
			for (int l = 0; l < x->level; l++)
				pb_buf_puts(b, "   ");
			pb_buf_printf(b, "%ld. ", x->num);
			break;
		case PB_LM_PARA:
			break;
		}
		/* the writer's lines stay lines */
		for (k = 0; k < x->len;) {
			const char *e = memchr(x->text + k, '\n', x->len - k);
			size_t l = e ? (size_t)(e - x->text) - k : x->len - k;

			if (k)
				pb_buf_puts(b, item ? "\n  " : "\n");
			while (l && (x->text[k] == ' ' || x->text[k] == '\t'))
				k++, l--;
			pb_lm_inline(b, x->text + k, l, &md_style);
			k += l + (e ? 1 : 0);
		}
	}
	free(v);
	pb_buf_puts(b, "\n\n");
}

void
pb_md_front_matter(struct pb_buf *b, const char *title, const char *date)
{
	/* YAML front matter: what the reference digest's bare "time:" line meant, in a form
	 * Markdown tools read as metadata instead of showing */
	pb_buf_puts(b, "---\ntitle: \"");
	for (const char *p = title ? title : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			pb_buf_putc(b, '\\');
		pb_buf_putc(b, *p == '\n' || *p == '\t' ? ' ' : *p);
	}
	pb_buf_puts(b, "\"\n");
	if (date && *date && strspn(date, "0123456789-") == strlen(date))
		pb_buf_printf(b, "date: %s\n", date);
	pb_buf_puts(b, "---\n\n");
}

const char *
pb_md_body(const char *md)
{
	const char *e;

	if (!md || strncmp(md, "---\n", 4) != 0 || !(e = strstr(md + 4, "\n---\n")))
		return md;
	for (e += 5; *e == '\n'; e++)
		;
	return e;
}

static int
md_begin(struct pb_rctx *c)
{
	struct pb_buf *b = &c->doc;
	const char *date = c->d->date ? c->d->date : "";

	pb_md_front_matter(b, c->title, date);
	pb_buf_puts(b, "# ");
	pb_esc_md(b, c->title);
	pb_buf_printf(b, "\n\n## %s\n\n", PB_WORD(c, PB_W_SUMMARY));
	if (c->summary) {
		md_block(b, c->summary);
	} else if (c->d->n_items == 0) {
		pb_buf_printf(b, "%s\n\n", PB_WORD(c, PB_W_NO_PAPERS));
	}
	pb_buf_printf(b, "---\n\n## %s\n\n", PB_WORD(c, PB_W_CONTENTS));
	for (size_t i = 0; i < c->d->n_items; i++) {
		pb_buf_printf(b, "%zu. [", i + 1);
		pb_esc_md(b, c->disp[i].title);
		pb_buf_puts(b, "](#");
		pb_esc_md_url(b, c->disp[i].vid);
		pb_buf_puts(b, ")\n");
	}
	if (c->d->n_matched > c->d->n_items) {
		struct pb_buf t = { 0 };

		pb_render_more(c, &t);
		pb_buf_putc(b, '\n');
		pb_esc_md(b, pb_buf_str(&t));
		if (c->o->full_list && *c->o->full_list) {
			pb_buf_printf(b, " %s [", PB_WORD(c, PB_W_ALL_OF_THEM));
			pb_esc_md(b, c->o->full_list);
			pb_buf_puts(b, "](");
			pb_esc_md_url(b, c->o->full_list);
			pb_buf_printf(b, ")%s", PB_WORD(c, PB_W_STOP));
		}
		pb_buf_putc(b, '\n');
		pb_buf_free(&t);
	}
	pb_buf_printf(b, "\n---\n\n## %s\n\n", PB_WORD(c, PB_W_PAPERS));
	return 0;
}

/* "**Authors:**" and what follows it. */
static void
label(const struct pb_rctx *c, struct pb_buf *b, enum pb_word w, const char *after)
{
	pb_buf_printf(b, "**%s%s**%s", PB_WORD(c, w), PB_WORD(c, PB_W_COLON), after);
}

/* What is the paper's own (render_int.h): anchor, title, authors, date, categories. */
static void
seg_head(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	pb_buf_puts(b, "<a id='");
	pb_esc_html_attr(b, x->vid);
	pb_buf_puts(b, "'></a>\n## [");
	pb_esc_md(b, x->title);
	pb_buf_puts(b, "](");
	pb_esc_md_url(b, x->abs_url);
	pb_buf_puts(b, ")\n\n");
	label(c, b, PB_W_AUTHORS, " ");
	pb_esc_md(b, x->authors);
	pb_buf_puts(b, "\n\n**");
	pb_esc_md(b, x->date_label);
	pb_buf_printf(b, "%s** ", PB_WORD(c, PB_W_COLON));
	pb_esc_md(b, x->published);
	pb_buf_puts(b, "\n\n");
	label(c, b, PB_W_CATEGORIES, " ");
	pb_esc_md(b, x->categories);
	pb_buf_puts(b, "\n\n");
}

/* The paper's own too: abstract, analysis, findings, figure, links, the closing rule. */
static void
seg_body(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	label(c, b, PB_W_ABSTRACT, "\n\n");
	pb_esc_md_line(b, x->abstract);
	pb_buf_puts(b, "\n\n");
	if (x->analysis) {
		label(c, b, PB_W_ANALYSIS, "\n\n");
		md_block(b, x->analysis);
	}
	if (x->n_findings) {
		label(c, b, PB_W_FINDINGS_TITLE, "\n\n");
		for (size_t k = 0; k < x->n_findings; k++) {
			pb_buf_puts(b, "- ");
			pb_esc_md_line(b, x->findings[k]);
			pb_buf_putc(b, '\n');
		}
		pb_buf_putc(b, '\n');
	}
	if (x->teaser_url) {
		pb_buf_puts(b, "![");
		pb_esc_md(b, x->teaser_alt);
		pb_buf_puts(b, "](");
		pb_esc_md_url(b, x->teaser_url);
		pb_buf_puts(b, ")\n\n");
	}
	label(c, b, PB_W_LINKS, "\n\n- [PDF](");
	pb_esc_md_url(b, x->pdf_url);
	pb_buf_puts(b, ")\n- [arXiv](");
	pb_esc_md_url(b, x->abs_url);
	pb_buf_puts(b, ")\n");
	for (size_t k = 0; k < x->n_links; k++) {
		pb_buf_puts(b, "- [");
		pb_esc_md(b, x->link_labels[k]);
		pb_buf_puts(b, "](");
		pb_esc_md_url(b, x->links[k]);
		pb_buf_puts(b, ")\n");
	}
	pb_buf_puts(b, "\n---\n\n");
}

/* What is the paper's own comes from the run's cache; why is this reader's. */
static int
md_paper(struct pb_rctx *c, size_t i)
{
	const struct pb_disp *x = &c->disp[i];
	struct pb_buf *b = &c->doc;

	pb_render_seg(c, i, PB_SEG_MD_HEAD, 0, seg_head, b);
	if (x->why) {
		label(c, b, PB_W_WHY, " ");
		pb_esc_md(b, x->why);
		pb_buf_puts(b, "\n\n");
	}
	pb_render_seg(c, i, PB_SEG_MD_BODY, 0, seg_body, b);
	return 0;
}

static int
md_end(struct pb_rctx *c)
{
	int is_url, is_mailto;
	const char *u = pb_render_unsub(c, &is_url, &is_mailto);

	if (c->o->manage_url && *c->o->manage_url) {
		pb_buf_printf(&c->doc, "[%s](", PB_WORD(c, PB_W_MANAGE));
		pb_esc_md_url(&c->doc, c->o->manage_url);
		pb_buf_puts(&c->doc, ")\n");
	} else if (u) {
		pb_buf_puts(&c->doc, PB_WORD(c, PB_W_UNSUB_LEAD));
		if (is_url || is_mailto) {
			pb_buf_puts(&c->doc, "<");
			if (is_mailto && strncmp(u, "mailto:", 7) != 0)
				pb_buf_puts(&c->doc, "mailto:");
			pb_esc_md_url(&c->doc, u);
			pb_buf_puts(&c->doc, ">");
		} else {
			pb_esc_md(&c->doc, u);
		}
		pb_buf_puts(&c->doc, "\n");
	}
	pb_render_marks_move(c, &c->doc, 0);
	pb_parts_push(c->out, pb_buf_detach(&c->doc));
	return 0;
}

const struct pb_renderer pb_renderer_md = {
	"md", md_begin, md_paper, md_end, NULL, "digest.md",
};
