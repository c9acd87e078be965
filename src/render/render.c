/* Rendering dispatch: one table of formats, the display forms every format shares, and the
 * light-Markdown reader for executive summaries and analyses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "paperboy/digest.h"
#include "paperboy/escape.h"
#include "paperboy/latex.h"
#include "paperboy/render.h"
#include "paperboy/web.h"
#include "paperboy/words.h"
#include "render_int.h"

/* Adding a format means one new file, one line here and its name in enum pb_format. */
static const struct pb_renderer *const renderers[PB_FMT_COUNT] = {
	[PB_FMT_MD] = &pb_renderer_md,
	[PB_FMT_HTML] = &pb_renderer_html,
	[PB_FMT_TEXT] = &pb_renderer_text,
	[PB_FMT_SLACK] = &pb_renderer_slack,
	[PB_FMT_TELEGRAM] = &pb_renderer_telegram,
	[PB_FMT_JSON] = &pb_renderer_json,
};

int
pb_format_parse(const char *s)
{
	for (int f = 0; s && f < PB_FMT_COUNT; f++)
		if (strcmp(s, renderers[f]->name) == 0)
			return f;
	return -1;
}

const char *
pb_format_name(enum pb_format f)
{
	return (unsigned)f < PB_FMT_COUNT ? renderers[f]->name : "unknown";
}

const char *
pb_format_file(enum pb_format f)
{
	return (unsigned)f < PB_FMT_COUNT ? renderers[f]->file : NULL;
}

void
pb_parts_push(struct pb_parts *p, char *s)
{
	p->v = pb_xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n++] = s;
}

void
pb_parts_free(struct pb_parts *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

size_t
pb_utf16_len(const char *s, size_t n)
{
	size_t u = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) == 0x80)
			continue;               /* continuation bytes add nothing */
		u += c >= 0xf0 ? 2 : 1;
	}
	return u;
}

size_t
pb_text_width(const char *s, size_t n)
{
	size_t i = 0, w = 0;
	utf8proc_int32_t cp;

	while (i < n) {
		utf8proc_ssize_t r;
		int cw;

		if ((unsigned char)s[i] < 0x80) {
			w += s[i] >= 0x20 && s[i] != 0x7f;
			i++;
			continue;
		}
		r = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);

		if (r <= 0) {
			i++;
			w++;
			continue;
		}
		i += (size_t)r;
		cw = utf8proc_charwidth(cp);
		/* emoji presentation characters are wide in terminals even where older
		 * tables say 1 */
		if (cw == 1 && cp >= 0x1f000)
			cw = 2;
		w += cw > 0 ? (size_t)cw : 0;
	}
	return w;
}

/* The executive summary for display. A model's is outside text like any other. The built-in
 * one is our Markdown around data spans: only the spans are converted, as titles are. */
static char *
display_summary(const struct pb_digest *d)
{
	struct pb_buf b = { 0 }, t = { 0 };
	const char *p, *e;

	if (!d->exec_summary || !*d->exec_summary)
		return NULL;
	if (d->exec_from_model)
		return pb_disp_display(d->exec_summary, PB_LATEX_PROSE);
	pb_text_clean(&t, d->exec_summary, strlen(d->exec_summary), PB_CLEAN_KEEP_DATA);
	for (p = pb_buf_str(&t); *p; p = e) {
		const char *o = strchr(p, PB_DATA_OPEN);

		if (!o) {
			pb_buf_puts(&b, p);
			break;
		}
		pb_buf_append(&b, p, (size_t)(o - p));
		e = strchr(o + 1, PB_DATA_CLOSE);
		if (!e)
			e = o + strlen(o);
		pb_buf_putc(&b, PB_DATA_OPEN);
		pb_latex_append(&b, o + 1, (size_t)(e - o - 1), PB_LATEX_TEXT);
		pb_buf_putc(&b, PB_DATA_CLOSE);
		if (*e)
			e++;
	}
	pb_buf_free(&t);
	return pb_buf_detach(&b);
}


void
pb_render_more(const struct pb_rctx *c, struct pb_buf *b)
{
	const struct pb_digest *d = c->d;
	size_t more = d->n_matched > d->n_items ? d->n_matched - d->n_items : 0, listed = 0;
	struct pb_buf name = { 0 };
	size_t *done;
	char n[24];
	const char *vars[] = { "n", n, "topic", NULL, NULL };

	if (!more)
		return;
	snprintf(n, sizeof n, "%zu", more);
	pb_template_put(b, pb_word(d->language, more == 1 ? PB_W_NOT_SHOWN_1 : PB_W_NOT_SHOWN),
			vars);
	done = pb_xcalloc(d->n_topics + 1, sizeof *done);
	/* topics with the most left out first; ties in config order */
	for (;;) {
		size_t best = d->n_topics, bn = 0;

		for (size_t t = 0; t < d->n_topics; t++) {
			size_t n = d->topics[t].matched > d->topics[t].shown ?
				   d->topics[t].matched - d->topics[t].shown : 0;

			if (!done[t] && n > bn) {
				best = t;
				bn = n;
			}
		}
		if (best == d->n_topics)
			break;
		done[best] = 1;
		pb_buf_puts(b, pb_word(d->language, listed++ ? PB_W_LIST_SEP : PB_W_LEAD));
		snprintf(n, sizeof n, "%zu", bn);
		/* the reader's text, cleaned as beside each paper (pb_disp_reader) */
		pb_buf_reset(&name);
		if (d->topics[best].name)
			pb_text_clean(&name, d->topics[best].name, strlen(d->topics[best].name),
				      PB_CLEAN_ONE_LINE);
		vars[3] = pb_buf_str(&name);
		pb_template_put(b, pb_word(d->language, PB_W_TOPIC_COUNT), vars);
	}
	pb_buf_free(&name);
	free(done);
	pb_buf_puts(b, pb_word(d->language, PB_W_STOP));
}

void
pb_render_count(const struct pb_rctx *c, struct pb_buf *b, const char *name, const char *date)
{
	const struct pb_digest *d = c->d;
	struct pb_buf what = { 0 }, t = { 0 };
	char n[24], m[24];
	const char *vars[] = { "n", n, "m", m, "what", NULL, "name", name, "date", date, NULL };

	snprintf(n, sizeof n, "%zu", d->n_items);
	snprintf(m, sizeof m, "%zu", d->n_matched);
	if (d->n_matched > d->n_items)
		pb_template_put(&what, PB_WORD(c, PB_W_N_OF_M), vars);
	else
		pb_template_put(&what, PB_WORD(c, d->n_items == 1 ? PB_W_N_PAPERS_1 : PB_W_N_PAPERS),
				vars);
	if (name && *name) {
		vars[5] = pb_buf_str(&what);
		pb_template_put(&t, PB_WORD(c, PB_W_FOR), vars);
		pb_buf_reset(&what);
		pb_buf_append(&what, t.data, t.len);
	}
	if (date && *date) {
		pb_buf_reset(&t);
		vars[5] = pb_buf_str(&what);
		pb_template_put(&t, PB_WORD(c, PB_W_ANNOUNCED), vars);
		pb_buf_reset(&what);
		pb_buf_append(&what, t.data, t.len);
	}
	pb_buf_append(b, what.data, what.len);
	pb_buf_free(&what);
	pb_buf_free(&t);
}

const char *
pb_render_unsub(const struct pb_rctx *c, int *is_url, int *is_mailto)
{
	*is_url = *is_mailto = 0;
	if (c->o && c->o->unsubscribe_url && *c->o->unsubscribe_url) {
		*is_url = 1;
		return c->o->unsubscribe_url;
	}
	if (c->o && c->o->unsubscribe_mailto && *c->o->unsubscribe_mailto) {
		*is_mailto = 1;
		return c->o->unsubscribe_mailto;
	}
	if (c->d->unsubscribe && *c->d->unsubscribe) {
		*is_url = strncmp(c->d->unsubscribe, "https://", 8) == 0 ||
			  strncmp(c->d->unsubscribe, "http://", 7) == 0;
		*is_mailto = strncmp(c->d->unsubscribe, "mailto:", 7) == 0;
		return c->d->unsubscribe;
	}
	return NULL;
}

int
pb_render_feedback_url(const struct pb_render_opts *o, const char *paper_id, int sign,
			   struct pb_buf *out)
{
	struct pb_buf detail = { 0 }, url = { 0 };
	int rc = -1;

	if (!o || !o->link_key || !o->link_base || !o->link_subject || !paper_id || !*paper_id)
		return -1;
	pb_buf_printf(&detail, "%s %c", paper_id, sign > 0 ? '+' : '-');
	if (pb_link_make(&url, o->link_base, o->link_key, PB_LINK_FEEDBACK, o->link_subject,
			 pb_buf_str(&detail), (int64_t)o->link_now) == 0) {
		pb_buf_append(out, url.data, url.len);
		rc = 0;
	}
	pb_buf_free(&url);
	pb_buf_free(&detail);
	return rc;
}

/* Display forms are computed once per digest and shared by every format rendered from it. */
static void
prepare(struct pb_rctx *c, const struct pb_digest *d, const struct pb_render_opts *o)
{
	static const struct pb_render_opts none = { .telegram_chat = "" };

	memset(c, 0, sizeof *c);
	c->d = d;
	c->o = o ? o : &none;
	c->disp = pb_xcalloc(d->n_items ? d->n_items : 1, sizeof *c->disp);
	/* through the run's cache when there is one: the same bytes, made once per paper */
	for (size_t i = 0; i < d->n_items; i++)
		if (pb_rcache_disp(c->o->cache, &c->disp[i], &d->items[i], d->date,
				   d->language) < 0)
			pb_disp_fill(&c->disp[i], &d->items[i], d->date, d->language);
	c->title = pb_disp_display(d->title ? d->title : "arXiv digest", PB_LATEX_TEXT);
	/* the documents are about this long: one allocation instead of a dozen reallocs */
	c->size_hint = 8192;
	for (size_t i = 0; i < d->n_items; i++)
		c->size_hint += 1024 + strlen(c->disp[i].abstract) * 2 +
				(c->disp[i].analysis ? strlen(c->disp[i].analysis) * 2 : 0);
	/* shared by the digests that have the same summary, through the cache */
	if (pb_rcache_summary(c->o->cache, d, display_summary, &c->sum, &c->summary) < 0)
		c->summary = display_summary(d);
}

static void
release(struct pb_rctx *c)
{
	free(c->marks);
	if (!c->sum)
		free(c->summary);
	free(c->title);
	for (size_t i = 0; i < c->d->n_items; i++)
		pb_disp_free(&c->disp[i]);
	free(c->disp);
}

static int
run(struct pb_rctx *c, enum pb_format f, struct pb_parts *out)
{
	const struct pb_renderer *r = renderers[f];
	int rc = -1;

	out->v = NULL;
	out->n = 0;
	c->out = out;
	c->priv = NULL;
	c->fmt = (int)f;
	c->n_marks = 0;
	if (c->o->blocks)
		pb_blocks_reset(&c->o->blocks[f]);
	pb_buf_init(&c->doc);
	pb_buf_reserve(&c->doc, c->size_hint);
	if (r->begin(c) < 0)
		goto out;
	for (size_t i = 0; i < c->d->n_items; i++)
		if (r->paper(c, i) < 0)
			goto out;
	if (r->end(c) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		if (r->cleanup)
			r->cleanup(c);
		pb_parts_free(out);
	}
	/* blocks are kept for a document of one part, whose bytes they describe */
	if (c->o->blocks && (rc < 0 || out->n != 1))
		pb_blocks_reset(&c->o->blocks[f]);
	pb_buf_free(&c->doc);
	return rc;
}

int
pb_render(const struct pb_digest *d, enum pb_format f, const struct pb_render_opts *o,
	  struct pb_parts *out)
{
	struct pb_rctx c;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (!d || (unsigned)f >= PB_FMT_COUNT)
		return -1;
	prepare(&c, d, o);
	rc = run(&c, f, out);
	release(&c);
	return rc;
}

int
pb_render_formats(const struct pb_digest *d, unsigned formats, const struct pb_render_opts *o,
		  struct pb_parts out[PB_FMT_COUNT])
{
	struct pb_rctx c;
	int rc = 0;

	for (int f = 0; f < PB_FMT_COUNT; f++) {
		out[f].v = NULL;
		out[f].n = 0;
	}
	if (!d)
		return -1;
	prepare(&c, d, o);
	for (int f = 0; f < PB_FMT_COUNT && rc == 0; f++)
		if (formats & (1u << f))
			rc = run(&c, (enum pb_format)f, &out[f]);
	release(&c);
	if (rc < 0)
		for (int f = 0; f < PB_FMT_COUNT; f++)
			pb_parts_free(&out[f]);
	return rc;
}

/* all.md's line of a paper, the part that is the paper's own: its title linked, its first
 * authors. */
static void
all_seg(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *b)
{
	const struct pb_disp *x = &c->disp[i];

	(void)arg;
	pb_buf_putc(b, '[');
	pb_esc_md(b, x->title);
	pb_buf_puts(b, "](");
	pb_esc_md_url(b, x->abs_url);
	pb_buf_putc(b, ')');
	if (*x->authors_short) {
		pb_buf_puts(b, " — ");
		pb_esc_md(b, x->authors_short);
	}
}

/* One line of the full list, in c's document; c->disp has one entry, for it. */
static void
all_line(struct pb_rctx *c, size_t rank, const struct pb_digest_item *it, const char *date,
	 const char *lang)
{
	struct pb_buf *b = &c->doc;
	struct pb_disp *x = &c->disp[0];
	const char *sep;

	memset(x, 0, sizeof *x);
	if (pb_rcache_disp(c->o->cache, x, it, date, lang) < 0)
		pb_disp_fill(x, it, date, lang);
	pb_buf_put_size(b, rank);
	pb_buf_puts(b, ". ");
	pb_render_seg(c, 0, PB_SEG_ALL_LINE, 0, all_seg, b);
	sep = *x->authors_short ? " · " : " — ";
	if (x->topic) {
		pb_buf_puts(b, sep);
		pb_esc_md(b, x->topic);
		sep = " · ";
	}
	if (x->revised) {
		pb_buf_puts(b, sep);
		pb_esc_md(b, x->date_label);
	}
	pb_buf_putc(b, '\n');
	pb_disp_free(x);
}

char *
pb_render_all_md(const struct pb_digest *d)
{
	return pb_render_all_md_opts(d, NULL, NULL);
}

char *
pb_render_all_md_opts(const struct pb_digest *d, const struct pb_render_opts *o,
		      struct pb_blocks *blocks)
{
	static const struct pb_render_opts none = { .telegram_chat = "" };
	struct pb_render_opts lo = o ? *o : none;
	struct pb_blocks tmp[PB_FMT_COUNT];
	struct pb_disp x;
	struct pb_rctx c;
	const char *date = d && d->date ? d->date : "";
	const char *lang = d ? d->language : NULL;
	struct pb_buf *b;
	size_t n;
	char *t;

	memset(&c, 0, sizeof c);
	memset(tmp, 0, sizeof tmp);
	if (blocks) {
		blocks->n = 0;
		tmp[PB_FMT_MD] = *blocks;
	}
	lo.blocks = blocks && lo.cache ? tmp : NULL;
	c.d = d;
	c.o = &lo;
	c.fmt = PB_FMT_MD;
	c.disp = &x;
	b = &c.doc;
	if (!d)
		return pb_buf_detach(b);
	t = pb_disp_display(d->title ? d->title : "arXiv digest", PB_LATEX_TEXT);
	n = d->n_items + d->n_more;
	pb_md_front_matter(b, t, date);
	pb_buf_puts(b, "# ");
	{
		struct pb_buf et = { 0 }, papers = { 0 }, name = { 0 };
		char num[24], shown[24];
		const char *vn[] = { "n", num, NULL };
		const char *vars[] = { "title", NULL, "papers", NULL, "name", NULL, "shown", shown,
				       NULL };

		pb_esc_md(&et, t);
		vars[1] = pb_buf_str(&et);
		pb_template_put(b, pb_word(lang, PB_W_ALL_HEADING), vars);
		pb_buf_puts(b, "\n\n");
		snprintf(num, sizeof num, "%zu", n);
		snprintf(shown, sizeof shown, "%zu", d->n_items);
		pb_template_put(&papers, pb_word(lang, n == 1 ? PB_W_N_PAPERS_1 : PB_W_N_PAPERS), vn);
		vars[3] = pb_buf_str(&papers);
		if (d->subscriber && *d->subscriber)
			pb_esc_md(&name, d->subscriber);
		vars[5] = pb_buf_str(&name);
		pb_template_put(b, pb_word(lang, name.len ? PB_W_ALL_COUNT_FOR : PB_W_ALL_COUNT),
				vars);
		pb_buf_puts(b, "\n\n");
		pb_buf_free(&et);
		pb_buf_free(&papers);
		pb_buf_free(&name);
	}
	for (size_t i = 0; i < d->n_items; i++)
		all_line(&c, i + 1, &d->items[i], date, lang);
	for (size_t i = 0; i < d->n_more; i++) {
		struct pb_digest_item it;

		memset(&it, 0, sizeof it);
		it.paper = d->more[i].paper;
		it.topic = d->more[i].topic;
		it.score = d->more[i].score;
		all_line(&c, d->n_items + i + 1, &it, date, lang);
	}
	pb_render_marks_move(&c, b, 0);
	if (blocks)
		*blocks = tmp[PB_FMT_MD];
	free(c.marks);
	free(t);
	return pb_buf_detach(b);
}

/* ---- light Markdown ---- */

static int
is_hr(const char *s, size_t n)
{
	size_t k = 0;
	char m = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (s[i] != '-' && s[i] != '*' && s[i] != '_')
			return 0;
		if (m && s[i] != m)
			return 0;
		m = s[i];
		k++;
	}
	return k >= 3;
}

size_t
pb_lm_parse(const char *s, struct pb_lm_block **out)
{
	struct pb_lm_block *v = NULL, *last = NULL;
	size_t n = 0, cap = 0;
	const char *p = s ? s : "";
	int open = 0;            /* last block may take continuation lines */

	while (*p) {
		const char *e = strchr(p, '\n'), *t;
		size_t len = e ? (size_t)(e - p) : strlen(p), ind = 0, tl;
		struct pb_lm_block b = { PB_LM_PARA, 0, 0, NULL, 0 };

		while (ind < len && (p[ind] == ' ' || p[ind] == '\t'))
			ind++;
		t = p + ind;
		tl = len - ind;
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t' || t[tl - 1] == '\r'))
			tl--;
		if (tl == 0) {
			open = 0;
			goto next;
		}
		if (t[0] == '#') {
			size_t h = 0;

			while (h < tl && t[h] == '#')
				h++;
			if (h <= 6 && h < tl && t[h] == ' ') {
				b.kind = PB_LM_HEADING;
				b.level = (int)h;
				t += h;
				tl -= h;
				goto add;
			}
		}
		if (is_hr(t, tl)) {
			b.kind = PB_LM_HR;
			tl = 0;
			goto add;
		}
		if ((t[0] == '-' || t[0] == '*' || t[0] == '+') && tl > 1 &&
		    (t[1] == ' ' || t[1] == '\t')) {
			b.kind = PB_LM_BULLET;
			b.level = ind >= 8 ? 2 : ind >= 2 ? 1 : 0;
			t++;
			tl--;
			goto add;
		}
		if (t[0] >= '0' && t[0] <= '9') {
			size_t k = 0;
			long num = 0;

			while (k < tl && k < 9 && t[k] >= '0' && t[k] <= '9')
				num = num * 10 + (t[k++] - '0');
			if (k < tl - 1 && (t[k] == '.' || t[k] == ')') &&
			    (t[k + 1] == ' ' || t[k + 1] == '\t')) {
				b.kind = PB_LM_NUMBERED;
				b.num = num;
				b.level = ind >= 2 ? 1 : 0;
				t += k + 1;
				tl -= k + 1;
				goto add;
			}
		}
		if (open && last) {
			/* a continuation line: extend the last block over it */
			last->len = (size_t)(t + tl - last->text);
			goto next;
		}
add:
		while (tl && (*t == ' ' || *t == '\t'))
			t++, tl--;
		b.text = t;
		b.len = tl;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		v[n++] = b;
		last = &v[n - 1];
		open = b.kind != PB_LM_HR && b.kind != PB_LM_HEADING;
next:
		if (!e)
			break;
		p = e + 1;
	}
	*out = v;
	return n;
}

/* The end of the data span opening at s[i] (past its closer), or n when it is not closed. */
static size_t
span_end(const char *s, size_t n, size_t i)
{
	const char *e = memchr(s + i + 1, PB_DATA_CLOSE, n - i - 1);

	return e ? (size_t)(e - s) + 1 : n;
}

/* Links the light Markdown may make: to arXiv only. A summary or an analysis names papers;
 * a link anywhere else would be a model (or a prompt injected through an abstract) choosing
 * where a reader's click goes. Other [text](url) stays as written, escaped. */
static int
link_allowed(const char *u, size_t n)
{
	static const char *const ok[] = {
		"https://arxiv.org/", "http://arxiv.org/", "https://www.arxiv.org/",
		"https://export.arxiv.org/",
	};

	for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
		if (n > strlen(ok[k]) && strncmp(u, ok[k], strlen(ok[k])) == 0)
			return 1;
	return 0;
}

/* Finds "](" url ")" after the '[' at s[i]; sets the spans and returns the end, or 0. */
static size_t
md_link(const char *s, size_t n, size_t i, size_t *ts, size_t *tn, size_t *us, size_t *un)
{
	size_t j, k;

	for (j = i + 1; j < n && s[j] != ']' && s[j] != '\n' && s[j] != PB_DATA_OPEN; j++)
		;
	if (j + 1 >= n || s[j] != ']' || s[j + 1] != '(' || j == i + 1)
		return 0;
	for (k = j + 2; k < n && s[k] != ')' && s[k] != ' ' && s[k] != '\n' &&
	     s[k] != PB_DATA_OPEN; k++)
		;
	if (k >= n || s[k] != ')')
		return 0;
	if (!link_allowed(s + j + 2, k - j - 2))
		return 0;
	*ts = i + 1;
	*tn = j - i - 1;
	*us = j + 2;
	*un = k - j - 2;
	return k + 1;
}

/* Index of the closing marker m (length ml) after i, on non-empty content, outside data
 * spans; n when none. */
static size_t
closer(const char *s, size_t n, size_t i, const char *m, size_t ml)
{
	for (size_t j = i + 1; j + ml <= n; j++) {
		if (s[j] == PB_DATA_OPEN) {
			j = span_end(s, n, j) - 1;
			continue;
		}
		if (memcmp(s + j, m, ml) == 0)
			return j;
	}
	return n;
}

static int
word_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (unsigned char)c >= 0x80;
}

/* *italic* or _italic_ opening at s[i]: the index of its closer, or n. The opener follows a
 * non-word character and precedes a non-space; the closer follows a non-space and precedes a
 * non-word character, so snake_case and 2*3*4 stay as written. */
static size_t
emph_end(const char *s, size_t n, size_t i)
{
	char m = s[i];

	if ((i > 0 && word_char(s[i - 1])) || i + 2 >= n || s[i + 1] == ' ' || s[i + 1] == m)
		return n;
	for (size_t j = i + 2; j < n; j++) {
		if (s[j] == '\n')
			return n;
		if (s[j] == PB_DATA_OPEN) {
			j = span_end(s, n, j) - 1;
			continue;
		}
		if (s[j] == m && s[j - 1] != ' ' && s[j - 1] != m &&
		    (j + 1 == n || (!word_char(s[j + 1]) && s[j + 1] != m)))
			return j;
	}
	return n;
}

static void
inline_(struct pb_buf *b, const char *s, size_t n, const struct pb_lm_style *st, int plain)
{
	size_t i = 0, from = 0, k, ts, tn, us, un;

	while (i < n) {
		if (s[i] == PB_DATA_OPEN) {
			/* a data span: its text as text, whatever it contains */
			size_t e;

			k = span_end(s, n, i);
			e = k > i + 1 && s[k - 1] == PB_DATA_CLOSE ? k - 1 : k;
			if (plain) {
				pb_buf_append(b, s + from, i - from);
				pb_buf_append(b, s + i + 1, e - i - 1);
			} else {
				char *t = st->en_on ? pb_xstrndup(s + i + 1, e - i - 1) : NULL;
				int en = t && pb_text_english(t);

				free(t);
				st->esc(b, s + from, i - from);
				if (en)
					pb_buf_puts(b, st->en_on);
				st->esc(b, s + i + 1, e - i - 1);
				if (en)
					pb_buf_puts(b, st->en_off);
			}
			i = from = k;
		} else if (s[i] == '*' && i + 1 < n && s[i + 1] == '*' &&
		    (k = closer(s, n, i + 1, "**", 2)) < n && k > i + 2) {
			if (plain)
				pb_buf_append(b, s + from, i - from);
			else
				st->esc(b, s + from, i - from);
			if (!plain)
				pb_buf_puts(b, st->bold_on);
			inline_(b, s + i + 2, k - i - 2, st, plain);
			if (!plain)
				pb_buf_puts(b, st->bold_off);
			i = from = k + 2;
		} else if ((s[i] == '*' || s[i] == '_') && (k = emph_end(s, n, i)) < n) {
			if (plain) {
				pb_buf_append(b, s + from, i - from);
			} else {
				st->esc(b, s + from, i - from);
				pb_buf_puts(b, st->it_on);
			}
			inline_(b, s + i + 1, k - i - 1, st, plain);
			if (!plain)
				pb_buf_puts(b, st->it_off);
			i = from = k + 1;
		} else if (s[i] == '`' && (k = closer(s, n, i, "`", 1)) < n && k > i + 1 &&
			   /* Code shows its text raw: outside text (a data span, which may hold
			    * a backtick) is never inside it, it stays escaped text. */
			   !memchr(s + i + 1, PB_DATA_OPEN, k - i - 1)) {
			if (plain) {
				pb_buf_append(b, s + from, i - from);
				pb_buf_append(b, s + i + 1, k - i - 1);
			} else {
				st->esc(b, s + from, i - from);
				pb_buf_puts(b, st->code_on);
				(st->code_esc ? st->code_esc : st->esc)(b, s + i + 1, k - i - 1);
				pb_buf_puts(b, st->code_off);
			}
			i = from = k + 1;
		} else if (s[i] == '[' && (k = md_link(s, n, i, &ts, &tn, &us, &un)) > 0) {
			if (plain) {
				pb_buf_append(b, s + from, i - from);
				pb_buf_append(b, s + ts, tn);
				pb_buf_puts(b, " (");
				pb_buf_append(b, s + us, un);
				pb_buf_putc(b, ')');
			} else {
				st->esc(b, s + from, i - from);
				st->link(b, s + ts, tn, s + us, un);
			}
			i = from = k;
		} else {
			i++;
		}
	}
	if (plain)
		pb_buf_append(b, s + from, n - from);
	else
		st->esc(b, s + from, n - from);
}

void
pb_lm_inline(struct pb_buf *b, const char *s, size_t n, const struct pb_lm_style *st)
{
	inline_(b, s, n, st, 0);
}

void
pb_lm_plain(struct pb_buf *b, const char *s, size_t n)
{
	inline_(b, s, n, NULL, 1);
}

void
pb_lm_chat(struct pb_buf *b, const char *s, const struct pb_lm_style *st)
{
	struct pb_lm_block *v;
	size_t n = pb_lm_parse(s, &v);

	for (size_t i = 0; i < n; i++) {
		const struct pb_lm_block *x = &v[i];

		/* list items follow each other on single lines */
		if (i)
			pb_buf_puts(b, (x->kind == PB_LM_BULLET || x->kind == PB_LM_NUMBERED) &&
				       (v[i - 1].kind == PB_LM_BULLET ||
					v[i - 1].kind == PB_LM_NUMBERED) ? "\n" : "\n\n");
		switch (x->kind) {
		case PB_LM_HR:
			pb_buf_puts(b, "———");
			break;
		case PB_LM_HEADING:
			pb_buf_puts(b, st->bold_on);
			pb_lm_inline(b, x->text, x->len, st);
			pb_buf_puts(b, st->bold_off);
			break;
		case PB_LM_BULLET:
			for (int l = 0; l < x->level; l++)
				pb_buf_puts(b, "    ");
			pb_buf_puts(b, x->level ? "◦ " : "• ");
			pb_lm_inline(b, x->text, x->len, st);
			break;
		case PB_LM_NUMBERED:
			pb_buf_printf(b, "%ld. ", x->num);
			/* fall through */
		case PB_LM_PARA:
			pb_lm_inline(b, x->text, x->len, st);
			break;
		}
	}
	free(v);
}

int
pb_parts_push_json(struct pb_parts *p, cJSON *m)
{
	char *s = cJSON_PrintUnformatted(m);

	cJSON_Delete(m);
	if (!s)
		return -1;
	pb_parts_push(p, pb_xstrdup(s));
	cJSON_free(s);
	return 0;
}
