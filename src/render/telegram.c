/* Telegram: sendMessage bodies in HTML parse mode. Only the tags Telegram accepts, & < >
 * escaped, link previews off. Papers are packed into messages of at most
 * PB_TELEGRAM_MAX_TEXT visible UTF-16 units, split between papers; a part too long for one
 * message is split inside at paragraph or sentence boundaries with its tags closed and
 * reopened (pb_telegram_split). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "paperboy/bot.h"
#include "paperboy/escape.h"
#include "render_int.h"

struct tg {
	struct pb_parts texts;  /* finished message texts */
	struct pb_parts marks;  /* per finished message: its papers' buttons (" N id" each), or "" */
	struct pb_buf cur;
	struct pb_buf cur_marks;
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
	NULL, NULL, NULL,
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
	pb_parts_push(&t->marks, t->cur_marks.len ? pb_buf_detach(&t->cur_marks) : pb_xstrdup(""));
	t->cur_units = 0;
}

/* Notes paper number no (id) for the buttons of the current message. */
static void
mark(struct tg *t, size_t no, const char *id)
{
	if (id)
		pb_buf_printf(&t->cur_marks, " %zu %s", no, id);
}

/* Adds one part (a paper, the summary): to the current message when it fits, else to a new
 * one; split when it alone is too long. A paper's buttons (no, id; id NULL for none) go
 * under the message holding its end. */
static void
place(struct tg *t, const char *html, size_t n, size_t no, const char *id)
{
	long units = pb_telegram_check(html, n);
	struct pb_parts p = { 0 };

	if (units < 0)          /* cannot happen with our own escaping; keep it safe anyway */
		units = (long)pb_utf16_len(html, n);
	if (t->cur.len && t->cur_units + 2 + (size_t)units <= PB_TELEGRAM_MAX_TEXT) {
		pb_buf_puts(&t->cur, "\n\n");
		pb_buf_append(&t->cur, html, n);
		t->cur_units += 2 + (size_t)units;
		mark(t, no, id);
		return;
	}
	flush(t);
	if ((size_t)units <= PB_TELEGRAM_MAX_TEXT) {
		pb_buf_append(&t->cur, html, n);
		t->cur_units = (size_t)units;
		mark(t, no, id);
		return;
	}
	pb_telegram_split(html, n, PB_TELEGRAM_MAX_TEXT, &p);
	for (size_t i = 0; i + 1 < p.n; i++) {
		pb_parts_push(&t->texts, p.v[i]);
		pb_parts_push(&t->marks, pb_xstrdup(""));
		p.v[i] = NULL;
	}
	mark(t, no, id);
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
	place(t, b.data, b.len, 0, NULL);
	pb_buf_free(&b);
	return 0;
}

static int
tg_paper(struct pb_rctx *c, size_t i)
{
	struct tg *t = c->priv;
	const struct pb_disp *x = &c->disp[i];
	const char *topic = x->topic;
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
	if (topic) {
		pb_buf_puts(&b, " · ");
		pb_esc_telegram(&b, topic);
	}
	if (x->why) {
		pb_buf_puts(&b, "\n<i>");
		pb_esc_telegram(&b, PB_WORD(c, PB_W_WHY));
		pb_esc_telegram(&b, PB_WORD(c, PB_W_LEAD));
		pb_esc_telegram(&b, x->why);
		pb_buf_puts(&b, "</i>");
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
	if (x->teaser_url) {
		pb_buf_puts(&b, " · ");
		href(&b, x->teaser_url);
		pb_esc_telegram(&b, x->teaser_label);
		pb_buf_puts(&b, "</a>");
	}
	for (size_t k = 0; k < x->n_links; k++) {
		pb_buf_puts(&b, " · ");
		href(&b, x->links[k]);
		pb_esc_telegram(&b, x->link_labels[k]);
		pb_buf_puts(&b, "</a>");
	}
	place(t, b.data, b.len, i + 1,
	      c->o->telegram_buttons && c->d->items[i].paper->id ? c->d->items[i].paper->id : NULL);
	pb_buf_free(&b);
	return 0;
}

static void
tg_free(struct tg *t)
{
	pb_parts_free(&t->texts);
	pb_parts_free(&t->marks);
	pb_buf_free(&t->cur);
	pb_buf_free(&t->cur_marks);
	free(t);
}

/* reply_markup: one row per paper of marks (" N id" each), "👍 N. more like this" and
 * "👎 N. not for me" in the reader's language, callback data "f+id" / "f-id" (bot.h; an id
 * too long for Telegram's 64 bytes gets no row). */
static void
add_buttons(struct pb_rctx *c, cJSON *m, const char *marks)
{
	cJSON *kb = cJSON_CreateArray(), *rm = cJSON_CreateObject();
	const char *p = marks;
	char id[80], data[80], n[24];
	const char *vars[] = { "n", n, NULL };
	struct pb_buf text = { 0 };
	size_t no;
	int used;

	while (sscanf(p, " %zu %79s%n", &no, id, &used) == 2) {
		cJSON *row = cJSON_CreateArray();

		p += used;
		for (int v = 1; v >= -1; v -= 2) {
			cJSON *btn = cJSON_CreateObject();

			if (pb_tg_feedback_data(id, v, data, sizeof data) < 0) {
				cJSON_Delete(btn);
				continue;
			}
			snprintf(n, sizeof n, "%zu", no);
			pb_buf_reset(&text);
			pb_buf_puts(&text, v > 0 ? "\U0001F44D " : "\U0001F44E ");
			pb_template_put(&text, PB_WORD(c, v > 0 ? PB_W_BUTTON_MORE : PB_W_BUTTON_LESS),
					vars);
			cJSON_AddStringToObject(btn, "text", pb_buf_str(&text));
			cJSON_AddStringToObject(btn, "callback_data", data);
			cJSON_AddItemToArray(row, btn);
		}
		if (cJSON_GetArraySize(row))
			cJSON_AddItemToArray(kb, row);
		else
			cJSON_Delete(row);
	}
	pb_buf_free(&text);
	cJSON_AddItemToObject(rm, "inline_keyboard", kb);
	cJSON_AddItemToObject(m, "reply_markup", rm);
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
		place(t, b.data, b.len, 0, NULL);
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
		if (i < t->marks.n && *t->marks.v[i])
			add_buttons(c, m, t->marks.v[i]);
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
