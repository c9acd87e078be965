/* Plain text: the alternative part of the email, wrapped to PB_TEXT_WIDTH columns counted in
 * terminal cells (CJK and emoji take two), breaking at spaces and between wide characters;
 * a word longer than a line is cut, except a link, which goes whole on a line of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "render_int.h"

#define W PB_TEXT_WIDTH

static size_t
cp_at(const char *s, size_t n, int32_t *cp, size_t *width)
{
	utf8proc_ssize_t r;
	int cw;

	if ((unsigned char)s[0] < 0x80) {
		*cp = s[0];
		*width = s[0] >= 0x20 && s[0] != 0x7f;
		return 1;
	}
	r = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cp);
	if (r <= 0) {
		*cp = -1;
		*width = 1;
		return 1;
	}
	cw = utf8proc_charwidth(*cp);
	if (cw == 1 && *cp >= 0x1f000)
		cw = 2;
	*width = cw > 0 ? (size_t)cw : 0;
	return (size_t)r;
}

/* Punctuation that must not start a line in CJK text. */
static int
closing_punct(int32_t cp)
{
	switch (cp) {
	case 0x3001: case 0x3002: case 0xff0c: case 0xff0e: case 0xff1a: case 0xff1b:
	case 0xff01: case 0xff1f: case 0xff09: case 0x300d: case 0x300f: case 0x3011:
	case 0x300b: case 0x3009: case 0x201d: case 0x2019: case 0x30fc:
		return 1;
	default:
		return 0;
	}
}

static void
indent(struct pb_buf *b, size_t n)
{
	while (n--)
		pb_buf_putc(b, ' ');
}

/* Wraps one paragraph s[0..n) (newlines read as spaces) into b: the first line starts after
 * first columns already used (prefix written by the caller), the next ones with rest spaces. */
static void
wrap(struct pb_buf *b, const char *s, size_t n, size_t first, size_t rest)
{
	size_t col = first, i = 0, line_start = 1;

	while (i < n) {
		size_t j, ww = 0, wb, cwid;
		int32_t cp;

		/* spaces */
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		/* a word: up to a space, or one wide character with the closing punctuation
		 * after it (a line never starts with "，" or "。") */
		j = i + cp_at(s + i, n - i, &cp, &cwid);
		ww = cwid;
		if (cwid >= 2) {
			while (j < n) {
				size_t l = cp_at(s + j, n - j, &cp, &wb);

				if (!closing_punct(cp))
					break;
				ww += wb;
				j += l;
			}
		} else {
			while (j < n && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' &&
			       s[j] != '\r') {
				size_t l;

				if ((unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f) {
					ww++;
					j++;
					continue;
				}
				l = cp_at(s + j, n - j, &cp, &wb);
				if (wb >= 2 && !closing_punct(cp))
					break;
				ww += wb;
				j += l;
			}
		}
		/* the separator: a space between words, none before or after wide ones */
		{
			int sep = !line_start && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\n' ||
							   s[i - 1] == '\t');

			if (!line_start && col + sep + ww > W) {
				pb_buf_putc(b, '\n');
				indent(b, rest);
				col = rest;
				line_start = 1;
				sep = 0;
			}
			if (sep) {
				pb_buf_putc(b, ' ');
				col++;
			}
		}
		if (col + ww <= W) {
			pb_buf_append(b, s + i, j - i);
			col += ww;
		} else {
			/* longer than a line: cut at character boundaries */
			for (size_t k = i; k < j;) {
				size_t l = cp_at(s + k, j - k, &cp, &wb);

				if (col + wb > W && col > rest) {
					pb_buf_putc(b, '\n');
					indent(b, rest);
					col = rest;
				}
				pb_buf_append(b, s + k, l);
				col += wb;
				k += l;
			}
		}
		line_start = 0;
		i = j;
	}
	pb_buf_putc(b, '\n');
}

static void
wrap_str(struct pb_buf *b, const char *s, size_t first, size_t rest)
{
	wrap(b, s, strlen(s), first, rest);
}

/* A URL as the renderers write one (pb_render_url_ok: no white space in it). */
static int
is_link(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0 ||
	       strncmp(s, "mailto:", 7) == 0;
}

/* "Label: value" with the value wrapped under itself. */
static void
field(struct pb_buf *b, size_t ind, const char *label, const char *value)
{
	size_t ll = strlen(label), lw = pb_text_width(label, ll), vw = pb_text_width(value, strlen(value));

	indent(b, ind);
	/* a link that does not fit after its label goes whole on the next line; one longer than
	 * that line too, past the width, as link_field's: cut in two, a reader's mail client
	 * would make a link of its first half only */
	if (!strchr(value, ' ') && ind + lw + vw > W && (ind + 2 + vw <= W || is_link(value))) {
		while (ll && label[ll - 1] == ' ')
			ll--;
		pb_buf_append(b, label, ll);
		pb_buf_putc(b, '\n');
		indent(b, ind + 2);
		if (ind + 2 + vw <= W) {
			wrap_str(b, value, ind + 2, ind + 2);
		} else {
			pb_buf_puts(b, value);
			pb_buf_putc(b, '\n');
		}
		return;
	}
	pb_buf_puts(b, label);
	wrap_str(b, value, ind + lw, ind + lw);
}

/* "Label:" with a signed link on the line under it, whole: a reader's link (a token) cannot be
 * wrapped and still work, so it may pass the width; mail clients make it clickable. */
static void
link_field(struct pb_buf *b, size_t ind, const char *label, const char *url)
{
	indent(b, ind);
	pb_buf_printf(b, "%s:\n", label);
	indent(b, ind + 2);
	pb_buf_puts(b, url);
	pb_buf_putc(b, '\n');
}

static void
lm_text(struct pb_buf *b, const char *s, size_t ind)
{
	struct pb_lm_block *v;
	size_t n = pb_lm_parse(s, &v);
	struct pb_buf t = { 0 };

	for (size_t i = 0; i < n; i++) {
		const struct pb_lm_block *x = &v[i];
		size_t k, lead = ind;

		pb_buf_reset(&t);
		switch (x->kind) {
		case PB_LM_HR:
			indent(b, ind);
			for (k = ind; k < 40; k++)
				pb_buf_putc(b, '-');
			pb_buf_puts(b, "\n\n");
			continue;
		case PB_LM_HEADING:
			pb_lm_plain(&t, x->text, x->len);
			indent(b, ind);
			wrap(b, t.data, t.len, ind, ind);
			pb_buf_putc(b, '\n');
			continue;
		case PB_LM_BULLET:
			lead = ind + 2 * (size_t)x->level;
			indent(b, lead);
			pb_buf_puts(b, "- ");
			lead += 2;
			break;
		case PB_LM_NUMBERED: {
			char num[32];
			int l = snprintf(num, sizeof num, "%ld. ", x->num);

			lead = ind + 2 * (size_t)x->level;
			indent(b, lead);
			pb_buf_puts(b, num);
			lead += (size_t)l;
			break;
		}
		case PB_LM_PARA:
			indent(b, ind);
			break;
		}
		/* each written line on its own, continuation lines under the first */
		for (k = 0; k < x->len;) {
			const char *e = memchr(x->text + k, '\n', x->len - k);
			size_t l = e ? (size_t)(e - x->text) - k : x->len - k;

			pb_buf_reset(&t);
			pb_lm_plain(&t, x->text + k, l);
			if (k)
				indent(b, lead);
			wrap(b, t.data ? t.data : "", t.len, lead, lead);
			k += l + (e ? 1 : 0);
		}
		if (x->kind == PB_LM_PARA || i + 1 == n ||
		    (v[i + 1].kind != PB_LM_BULLET && v[i + 1].kind != PB_LM_NUMBERED))
			pb_buf_putc(b, '\n');
	}
	pb_buf_free(&t);
	free(v);
}

static void
rule(struct pb_buf *b, char ch, size_t n)
{
	if (n > W)
		n = W;
	pb_buf_reserve(b, n + 1);
	memset(b->data + b->len, ch, n);
	b->len += n;
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
}

/* A section heading, underlined, after a blank line. */
static void
heading(struct pb_buf *b, const char *s)
{
	if (!(b->len >= 2 && b->data[b->len - 1] == '\n' && b->data[b->len - 2] == '\n'))
		pb_buf_putc(b, '\n');
	pb_buf_printf(b, "%s\n", s);
	rule(b, '-', pb_text_width(s, strlen(s)));
	pb_buf_putc(b, '\n');
}

static void seg_title(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b);

/* The executive summary, for pb_render_summary. */
static void
sum_text(const struct pb_rctx *c, struct pb_buf *out)
{
	lm_text(out, c->summary, 0);
}

static int
text_begin(struct pb_rctx *c)
{
	struct pb_buf *b = &c->doc;
	const struct pb_digest *d = c->d;
	size_t tw;

	wrap_str(b, c->title, 0, 0);
	tw = pb_text_width(c->title, strlen(c->title));
	rule(b, '=', tw);
	{
		struct pb_buf t = { 0 };

		pb_render_count(c, &t, d->subscriber, d->date);
		wrap(b, t.data, t.len, 0, 0);
		if (d->n_matched > d->n_items) {
			pb_buf_reset(&t);
			pb_render_more(c, &t);
			wrap(b, t.data, t.len, 0, 0);
		}
		pb_buf_free(&t);
	}
	heading(b, PB_WORD(c, PB_W_SUMMARY));
	if (c->summary)
		pb_render_summary(c, PB_SUM_TEXT, sum_text, b, 1);
	else if (d->n_items == 0)
		pb_buf_printf(b, "%s\n\n", PB_WORD(c, PB_W_NO_PAPERS));
	if (d->n_items) {
		heading(b, PB_WORD(c, PB_W_CONTENTS));
		for (size_t i = 0; i < d->n_items; i++) {
			char num[32];
			int l = snprintf(num, sizeof num, "%2zu. ", i + 1);

			pb_buf_puts(b, num);
			/* the wrapped title the paper's own section shows too, at this width */
			pb_render_seg(c, i, l < 8 ? PB_SEG_TEXT_TITLE + (unsigned)l : PB_SEG_NONE,
				      (size_t)l, seg_title, b);
		}
		heading(b, PB_WORD(c, PB_W_PAPERS));
	}
	return 0;
}

/* A paper's field: "    Label: value" in the digest's language. */
static void
wfield(const struct pb_rctx *c, struct pb_buf *b, const char *label, const char *value)
{
	struct pb_buf l = { 0 };

	pb_buf_printf(&l, "%s%s", label, PB_WORD(c, PB_W_LEAD));
	field(b, 4, l.data, value);
	pb_buf_free(&l);
}

/* The title under its number, wrapped after a prefix arg columns wide. */
static void
seg_title(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	wrap_str(b, c->disp[i].title, arg, arg);
}

/* Authors, date and categories. */
static void
seg_head(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	wfield(c, b, PB_WORD(c, PB_W_AUTHORS), x->authors);
	wfield(c, b, x->date_label, x->published);
	wfield(c, b, PB_WORD(c, PB_W_CATEGORIES), x->categories);
}

/* The abstract, analysis and findings, then the paper's links. */
static void
seg_body(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	pb_buf_printf(b, "\n    %s%s\n    ", PB_WORD(c, PB_W_ABSTRACT), PB_WORD(c, PB_W_COLON));
	wrap_str(b, x->abstract, 4, 4);
	pb_buf_putc(b, '\n');
	if (x->analysis) {
		pb_buf_printf(b, "    %s%s\n\n", PB_WORD(c, PB_W_ANALYSIS), PB_WORD(c, PB_W_COLON));
		lm_text(b, x->analysis, 4);
	}
	if (x->n_findings) {
		pb_buf_printf(b, "    %s%s\n", PB_WORD(c, PB_W_FINDINGS), PB_WORD(c, PB_W_COLON));
		for (size_t k = 0; k < x->n_findings; k++) {
			pb_buf_puts(b, "    - ");
			wrap_str(b, x->findings[k], 6, 6);
		}
		pb_buf_putc(b, '\n');
	}
	field(b, 4, "PDF:   ", x->pdf_url);
	field(b, 4, "arXiv: ", x->abs_url);
	for (size_t k = 0; k < x->n_links; k++)
		field(b, 4, "Code:  ", x->links[k]);
	if (x->teaser_url)
		field(b, 4, "Figure: ", x->teaser_url);
}

/* What is the paper's own comes from the run's cache (render_int.h); the number, topic, why
 * and the reader's links are this digest's. */
static int
text_paper(struct pb_rctx *c, size_t i)
{
	const struct pb_disp *x = &c->disp[i];
	struct pb_buf *b = &c->doc;
	char num[32];
	int l = snprintf(num, sizeof num, "[%zu] ", i + 1);

	rule(b, '-', W);
	pb_buf_puts(b, num);
	pb_render_seg(c, i, l < 8 ? PB_SEG_TEXT_TITLE + (unsigned)l : PB_SEG_NONE, (size_t)l,
		      seg_title, b);
	pb_buf_putc(b, '\n');
	pb_render_seg(c, i, PB_SEG_TEXT_HEAD, 0, seg_head, b);
	if (x->topic)
		wfield(c, b, PB_WORD(c, PB_W_TOPIC), x->topic);
	if (x->why)
		wfield(c, b, PB_WORD(c, PB_W_WHY), x->why);
	pb_render_seg(c, i, PB_SEG_TEXT_BODY, 0, seg_body, b);
	{
		struct pb_buf more = { 0 }, less = { 0 };
		const char *id = c->d->items[i].paper->id;

		if (pb_render_feedback_url(c->o, id, 1, &more) == 0 &&
		    pb_render_feedback_url(c->o, id, -1, &less) == 0) {
			link_field(b, 4, PB_WORD(c, PB_W_MORE_LIKE), more.data);
			link_field(b, 4, PB_WORD(c, PB_W_NOT_FOR_ME), less.data);
		}
		pb_buf_free(&more);
		pb_buf_free(&less);
	}
	pb_buf_putc(b, '\n');
	return 0;
}

static int
text_end(struct pb_rctx *c)
{
	struct pb_buf *b = &c->doc;
	int is_url, is_mailto;
	const char *u = pb_render_unsub(c, &is_url, &is_mailto);

	rule(b, '-', W);
	if (c->o->manage_url && *c->o->manage_url) {
		link_field(b, 0, PB_WORD(c, PB_W_MANAGE), c->o->manage_url);
		if (u && is_url)
			link_field(b, 0, PB_WORD(c, PB_W_UNSUBSCRIBE), u);
	} else if (u)
		field(b, 0, PB_WORD(c, PB_W_SETTINGS), u);
	else
		wrap_str(b, PB_WORD(c, PB_W_REPLY_TO_CHANGE), 0, 0);
	pb_render_marks_move(c, b, 0);
	pb_parts_push(c->out, pb_buf_detach(b));
	return 0;
}

const struct pb_renderer pb_renderer_text = {
	"text", text_begin, text_paper, text_end, NULL, "digest.txt",
};
