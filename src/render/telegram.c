/* Telegram: sendMessage bodies in HTML parse mode. Only the tags Telegram accepts, & < >
 * escaped, link previews off. Papers are packed into messages of at most
 * PB_TELEGRAM_MAX_TEXT visible UTF-16 units, split between papers; a part too long for one
 * message is split inside at paragraph or sentence boundaries with its tags closed and
 * reopened (pb_telegram_split). */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "paperboy/escape.h"
#include "render_int.h"

struct tg {
	struct pb_parts texts;  /* finished message texts */
	struct pb_buf cur;
	size_t cur_units;
};

static void
esc_n(struct pb_buf *b, const char *s, size_t n)
{
	pb_esc_telegram_n(b, s, n);
}

static void
href(struct pb_buf *b, const char *url)
{
	pb_buf_puts(b, "<a href=\"");
	pb_esc_telegram_attr(b, url);
	pb_buf_puts(b, "\">");
}

static void
link_tg(struct pb_buf *b, const char *t, size_t tn, const char *u, size_t un)
{
	char *url = pb_xstrndup(u, un);

	href(b, url);
	pb_esc_telegram_n(b, t, tn);
	pb_buf_puts(b, "</a>");
	free(url);
}

static const struct pb_lm_style tg_style = {
	esc_n, "<b>", "</b>", "<i>", "</i>", "<code>", "</code>", link_tg,
	NULL,
};

static void
lm_tg(struct pb_buf *b, const char *s)
{
	pb_lm_chat(b, s, &tg_style);
}

static void
flush(struct tg *t)
{
	if (t->cur.len == 0)
		return;
	pb_parts_push(&t->texts, pb_buf_detach(&t->cur));
	t->cur_units = 0;
}

/* Adds one part (a paper, the summary): to the current message when it fits, else to a new
 * one; split when it alone is too long. */
static void
place(struct tg *t, const char *html, size_t n)
{
	long units = pb_telegram_check(html, n);
	struct pb_parts p = { 0 };

	if (units < 0)          /* cannot happen with our own escaping; keep it safe anyway */
		units = (long)pb_utf16_len(html, n);
	if (t->cur.len && t->cur_units + 2 + (size_t)units <= PB_TELEGRAM_MAX_TEXT) {
		pb_buf_puts(&t->cur, "\n\n");
		pb_buf_append(&t->cur, html, n);
		t->cur_units += 2 + (size_t)units;
		return;
	}
	flush(t);
	if ((size_t)units <= PB_TELEGRAM_MAX_TEXT) {
		pb_buf_append(&t->cur, html, n);
		t->cur_units = (size_t)units;
		return;
	}
	pb_telegram_split(html, n, PB_TELEGRAM_MAX_TEXT, &p);
	for (size_t i = 0; i + 1 < p.n; i++) {
		pb_parts_push(&t->texts, p.v[i]);
		p.v[i] = NULL;
	}
	if (p.n) {
		/* the last piece can share its message with what follows */
		pb_buf_puts(&t->cur, p.v[p.n - 1]);
		units = pb_telegram_check(t->cur.data, t->cur.len);
		t->cur_units = units < 0 ? PB_TELEGRAM_MAX_TEXT : (size_t)units;
	}
	pb_parts_free(&p);
}

static int
tg_begin(struct pb_rctx *c)
{
	struct tg *t = pb_xcalloc(1, sizeof *t);
	const struct pb_digest *d = c->d;
	struct pb_buf b = { 0 };

	c->priv = t;
	pb_buf_puts(&b, "<b>");
	pb_esc_telegram(&b, c->title);
	pb_buf_puts(&b, "</b>\n<i>");
	{
		struct pb_buf name = { 0 };

		if (d->subscriber)
			pb_esc_telegram(&name, d->subscriber);
		pb_render_count(c, &b, pb_buf_str(&name), NULL);
		pb_buf_free(&name);
	}
	pb_buf_puts(&b, "</i>");
	if (d->n_matched > d->n_items) {
		struct pb_buf m = { 0 };

		pb_render_more(c, &m);
		pb_buf_puts(&b, "\n<i>");
		pb_esc_telegram(&b, pb_buf_str(&m));
		pb_buf_puts(&b, "</i>");
		pb_buf_free(&m);
	}
	if (c->summary || d->n_items == 0)
		pb_buf_printf(&b, "\n\n<b>%s</b>", PB_WORD(c, PB_W_SUMMARY));
	if (c->summary) {
		pb_buf_puts(&b, "\n\n");
		lm_tg(&b, c->summary);
	} else if (d->n_items == 0) {
		pb_buf_puts(&b, "\n\n");
		pb_esc_telegram(&b, PB_WORD(c, PB_W_NO_PAPERS));
	}
	place(t, b.data, b.len);
	pb_buf_free(&b);
	return 0;
}

static int
tg_paper(struct pb_rctx *c, size_t i)
{
	struct tg *t = c->priv;
	const struct pb_disp *x = &c->disp[i];
	const char *topic = c->d->items[i].topic;
	struct pb_buf b = { 0 };

	if (i == 0)
		pb_buf_printf(&b, "<b>%s</b>\n\n", PB_WORD(c, PB_W_PAPERS));
	pb_buf_printf(&b, "<b>%zu. ", i + 1);
	href(&b, x->abs_url);
	pb_esc_telegram(&b, x->title);
	pb_buf_puts(&b, "</a></b>\n<i>");
	pb_esc_telegram(&b, x->authors_short);
	pb_buf_puts(&b, "</i>\n");
	pb_esc_telegram(&b, x->categories);
	pb_buf_puts(&b, " · ");
	if (x->revised) {
		pb_esc_telegram(&b, x->date_label);
		pb_buf_putc(&b, ' ');
	}
	pb_esc_telegram(&b, x->published);
	if (topic && *topic) {
		pb_buf_puts(&b, " · ");
		pb_esc_telegram(&b, topic);
	}
	if (x->n_findings) {
		pb_buf_puts(&b, "\n");
		for (size_t f = 0; f < x->n_findings; f++) {
			pb_buf_puts(&b, "\n• ");
			pb_esc_telegram(&b, x->findings[f]);
		}
	} else if (*x->abstract) {
		pb_buf_puts(&b, "\n\n");
		pb_esc_telegram(&b, x->abstract);
	}
	if (x->analysis) {
		pb_buf_puts(&b, "\n\n<blockquote>");
		lm_tg(&b, x->analysis);
		pb_buf_puts(&b, "</blockquote>");
	}
	pb_buf_puts(&b, "\n");
	href(&b, x->pdf_url);
	pb_buf_puts(&b, "PDF</a> · ");
	href(&b, x->abs_url);
	pb_buf_puts(&b, "arXiv</a>");
	place(t, b.data, b.len);
	pb_buf_free(&b);
	return 0;
}

static void
tg_free(struct tg *t)
{
	pb_parts_free(&t->texts);
	pb_buf_free(&t->cur);
	free(t);
}

static int
tg_end(struct pb_rctx *c)
{
	struct tg *t = c->priv;
	struct pb_buf b = { 0 };
	int is_url, is_mailto, rc = 0;
	const char *u = pb_render_unsub(c, &is_url, &is_mailto);

	if (u) {
		pb_buf_puts(&b, "<i>");
		pb_esc_telegram(&b, PB_WORD(c, PB_W_SETTINGS));
		if (is_url) {
			href(&b, u);
			pb_esc_telegram(&b, u);
			pb_buf_puts(&b, "</a>");
		} else {
			pb_esc_telegram(&b, u);
		}
		pb_buf_puts(&b, "</i>");
		place(t, b.data, b.len);
	}
	flush(t);
	for (size_t i = 0; i < t->texts.n; i++) {
		cJSON *m = cJSON_CreateObject(), *lp = cJSON_CreateObject();
		const char *chat = c->o->telegram_chat ? c->o->telegram_chat : "";

		cJSON_AddStringToObject(m, "chat_id", chat);
		if (c->o->telegram_thread)
			cJSON_AddNumberToObject(m, "message_thread_id",
						(double)c->o->telegram_thread);
		cJSON_AddStringToObject(m, "text", t->texts.v[i]);
		cJSON_AddStringToObject(m, "parse_mode", "HTML");
		cJSON_AddTrueToObject(lp, "is_disabled");
		cJSON_AddItemToObject(m, "link_preview_options", lp);
		cJSON_AddTrueToObject(m, "disable_web_page_preview");
		if (pb_parts_push_json(c->out, m) < 0) {
			rc = -1;
			break;
		}
	}
	pb_buf_free(&b);
	tg_free(t);
	c->priv = NULL;
	return rc;
}

static void
tg_cleanup(struct pb_rctx *c)
{
	if (c->priv)
		tg_free(c->priv);
	c->priv = NULL;
}

const struct pb_renderer pb_renderer_telegram = {
	"telegram", tg_begin, tg_paper, tg_end, tg_cleanup, "digest-telegram.json",
};
