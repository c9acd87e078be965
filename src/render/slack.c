/* Slack: Block Kit bodies for an incoming webhook, built with cJSON. A message holds at most
 * PB_SLACK_MAX_BLOCKS blocks and a section at most PB_SLACK_MAX_SECTION characters; a paper's
 * blocks stay in one message unless they alone exceed it; long digests become several
 * messages, each with a plain `text` fallback. */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "paperboy/escape.h"
#include "render_int.h"

#define HEADER_MAX 150          /* plain_text of a header block */

struct slack {
	cJSON **msgs;           /* block arrays, one per message */
	size_t n;
	cJSON *cur;
};

static void
esc_n(struct pb_buf *b, const char *s, size_t n)
{
	pb_esc_slack_n(b, s, n);
}

static void
link_slack(struct pb_buf *b, const char *t, size_t tn, const char *u, size_t un)
{
	char *url = pb_xstrndup(u, un);

	pb_buf_putc(b, '<');
	pb_esc_slack_url(b, url);
	pb_buf_putc(b, '|');
	pb_esc_slack_n(b, t, tn);
	pb_buf_putc(b, '>');
	free(url);
}

static const struct pb_lm_style slack_style = {
	esc_n, "*", "*", "_", "_", "`", "`", link_slack,
	NULL, NULL, NULL,
};

/* Light Markdown as mrkdwn. */
static void
lm_slack(struct pb_buf *b, const char *s)
{
	pb_lm_chat(b, s, &slack_style);
}

/* A text object. mrkdwn is verbatim: Slack's own preprocessing, left on, turns bare URLs into
 * links, "#general" into a link to that channel and parses "certain mentions" (its text object
 * reference), and a paper's title or abstract is outside text; the links and formatting
 * written here are the explicit kind (<url|text>, *bold*), which verbatim keeps. */
static cJSON *
text_obj(const char *type, const char *s)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "type", type);
	cJSON_AddStringToObject(t, "text", s);
	if (strcmp(type, "mrkdwn") == 0)
		cJSON_AddTrueToObject(t, "verbatim");
	return t;
}

static void
add_sections(cJSON *group, const char *mrkdwn, size_t n)
{
	struct pb_parts p = { 0 };

	if (n == 0)
		return;
	pb_slack_split(mrkdwn, n, PB_SLACK_MAX_SECTION, &p);
	for (size_t i = 0; i < p.n; i++) {
		cJSON *s = cJSON_CreateObject();

		cJSON_AddStringToObject(s, "type", "section");
		cJSON_AddItemToObject(s, "text", text_obj("mrkdwn", p.v[i]));
		cJSON_AddItemToArray(group, s);
	}
	pb_parts_free(&p);
}

static void
add_context(cJSON *group, const char *mrkdwn)
{
	cJSON *s = cJSON_CreateObject(), *el = cJSON_CreateArray();

	cJSON_AddStringToObject(s, "type", "context");
	cJSON_AddItemToArray(el, text_obj("mrkdwn", mrkdwn));
	cJSON_AddItemToObject(s, "elements", el);
	cJSON_AddItemToArray(group, s);
}

static void
add_divider(cJSON *group)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "type", "divider");
	cJSON_AddItemToArray(group, s);
}

/* An actions block: "More like this" (action_id "fb+") and "Not for me" ("fb-") in the
 * reader's language, the value the paper's id; POST /slack/actions answers them (bot.h). */
static void
add_buttons(struct pb_rctx *c, cJSON *group, const char *id)
{
	const struct { const char *text, *action; } btn[] = {
		{ PB_WORD(c, PB_W_MORE_LIKE), "fb+" }, { PB_WORD(c, PB_W_NOT_FOR_ME), "fb-" },
	};
	cJSON *s = cJSON_CreateObject(), *el = cJSON_CreateArray();

	cJSON_AddStringToObject(s, "type", "actions");
	for (size_t i = 0; i < sizeof btn / sizeof btn[0]; i++) {
		cJSON *b = cJSON_CreateObject();

		cJSON_AddStringToObject(b, "type", "button");
		cJSON_AddItemToObject(b, "text", text_obj("plain_text", btn[i].text));
		cJSON_AddStringToObject(b, "action_id", btn[i].action);
		cJSON_AddStringToObject(b, "value", id);
		cJSON_AddItemToArray(el, b);
	}
	cJSON_AddItemToObject(s, "elements", el);
	cJSON_AddItemToArray(group, s);
}

static void
flush(struct slack *k)
{
	if (!k->cur || cJSON_GetArraySize(k->cur) == 0)
		return;
	k->msgs = pb_xreallocarray(k->msgs, k->n + 1, sizeof *k->msgs);
	k->msgs[k->n++] = k->cur;
	k->cur = NULL;
}

/* Moves the blocks of group into messages, keeping them together when they fit in one. */
static void
place(struct slack *k, cJSON *group)
{
	int gn = cJSON_GetArraySize(group);

	if (!k->cur)
		k->cur = cJSON_CreateArray();
	if (cJSON_GetArraySize(k->cur) + gn > PB_SLACK_MAX_BLOCKS && gn <= PB_SLACK_MAX_BLOCKS)
		flush(k);
	while (cJSON_GetArraySize(group) > 0) {
		cJSON *blk = cJSON_DetachItemFromArray(group, 0);

		if (!k->cur)
			k->cur = cJSON_CreateArray();
		if (cJSON_GetArraySize(k->cur) >= PB_SLACK_MAX_BLOCKS)
			flush(k);
		if (!k->cur)
			k->cur = cJSON_CreateArray();
		cJSON_AddItemToArray(k->cur, blk);
	}
	cJSON_Delete(group);
}

static int
slack_begin(struct pb_rctx *c)
{
	struct slack *k = pb_xcalloc(1, sizeof *k);
	cJSON *g = cJSON_CreateArray(), *h = cJSON_CreateObject();
	struct pb_buf b = { 0 };
	size_t n = strlen(c->title);
	const struct pb_digest *d = c->d;

	c->priv = k;
	/* a header is plain text of at most 150 characters */
	if (pb_utf16_len(c->title, n) > HEADER_MAX) {
		while (n > 0 && pb_utf16_len(c->title, n) > HEADER_MAX - 1)
			n--;
		while (n > 0 && ((unsigned char)c->title[n] & 0xc0) == 0x80)
			n--;
	}
	pb_buf_append(&b, c->title, n);
	if (n < strlen(c->title))
		pb_buf_puts(&b, "…");
	cJSON_AddStringToObject(h, "type", "header");
	cJSON_AddItemToObject(h, "text", text_obj("plain_text", pb_buf_str(&b)));
	cJSON_AddItemToArray(g, h);
	pb_buf_reset(&b);
	{
		struct pb_buf name = { 0 };

		if (d->subscriber)
			pb_esc_slack(&name, d->subscriber);
		pb_render_count(c, &b, pb_buf_str(&name), NULL);
		pb_buf_free(&name);
	}
	if (d->date && *d->date) {
		pb_buf_puts(&b, " · ");
		pb_esc_slack(&b, d->date);
	}
	if (d->n_matched > d->n_items) {
		struct pb_buf t = { 0 };

		pb_render_more(c, &t);
		pb_buf_puts(&b, "\n");
		pb_esc_slack(&b, pb_buf_str(&t));
		pb_buf_free(&t);
	}
	add_context(g, pb_buf_str(&b));
	pb_buf_reset(&b);
	if (c->summary || d->n_items == 0)
		pb_buf_printf(&b, "*%s*\n\n", PB_WORD(c, PB_W_SUMMARY));
	if (c->summary)
		lm_slack(&b, c->summary);
	else if (d->n_items == 0)
		pb_esc_slack(&b, PB_WORD(c, PB_W_NO_PAPERS));
	add_sections(g, b.data, b.len);
	add_divider(g);
	place(k, g);
	pb_buf_free(&b);
	return 0;
}

static int
slack_paper(struct pb_rctx *c, size_t i)
{
	struct slack *k = c->priv;
	const struct pb_disp *x = &c->disp[i];
	const char *topic = x->topic;
	cJSON *g = cJSON_CreateArray();
	struct pb_buf b = { 0 };

	if (i == 0)
		pb_buf_printf(&b, "*%s*\n\n", PB_WORD(c, PB_W_PAPERS));
	pb_buf_puts(&b, "*<");
	pb_esc_slack_url(&b, x->abs_url);
	pb_buf_printf(&b, "|%zu. ", i + 1);
	pb_esc_slack(&b, x->title);
	pb_buf_puts(&b, ">*\n");
	pb_esc_slack(&b, x->authors_short);
	pb_buf_puts(&b, "\n_");
	pb_esc_slack(&b, x->categories);
	pb_buf_puts(&b, " · ");
	if (x->revised) {
		pb_esc_slack(&b, x->date_label);
		pb_buf_putc(&b, ' ');
	}
	pb_esc_slack(&b, x->published);
	if (topic) {
		pb_buf_puts(&b, " · ");
		pb_esc_slack(&b, topic);
	}
	pb_buf_puts(&b, "_");
	if (x->why) {
		pb_buf_puts(&b, "\n");
		pb_esc_slack(&b, PB_WORD(c, PB_W_WHY));
		pb_esc_slack(&b, PB_WORD(c, PB_W_LEAD));
		pb_esc_slack(&b, x->why);
	}
	if (x->n_findings) {
		pb_buf_puts(&b, "\n");
		for (size_t f = 0; f < x->n_findings; f++) {
			pb_buf_puts(&b, "\n• ");
			pb_esc_slack(&b, x->findings[f]);
		}
	} else if (!x->analysis && *x->abstract) {
		pb_buf_puts(&b, "\n\n");
		pb_esc_slack(&b, x->abstract);
	}
	add_sections(g, b.data, b.len);
	if (x->analysis) {
		pb_buf_reset(&b);
		lm_slack(&b, x->analysis);
		add_sections(g, b.data, b.len);
	}
	pb_buf_reset(&b);
	pb_buf_putc(&b, '<');
	pb_esc_slack_url(&b, x->pdf_url);
	pb_buf_puts(&b, "|PDF> · <");
	pb_esc_slack_url(&b, x->abs_url);
	pb_buf_puts(&b, "|arXiv>");
	if (x->teaser_url) {
		pb_buf_puts(&b, " · <");
		pb_esc_slack_url(&b, x->teaser_url);
		pb_buf_putc(&b, '|');
		pb_esc_slack(&b, x->teaser_label);
		pb_buf_putc(&b, '>');
	}
	for (size_t k = 0; k < x->n_links; k++) {
		pb_buf_puts(&b, " · <");
		pb_esc_slack_url(&b, x->links[k]);
		pb_buf_putc(&b, '|');
		pb_esc_slack(&b, x->link_labels[k]);
		pb_buf_putc(&b, '>');
	}
	add_context(g, pb_buf_str(&b));
	if (c->o->slack_buttons && c->d->items[i].paper->id)
		add_buttons(c, g, c->d->items[i].paper->id);
	add_divider(g);
	place(k, g);
	pb_buf_free(&b);
	return 0;
}

static void
slack_free(struct slack *k)
{
	for (size_t i = 0; i < k->n; i++)
		cJSON_Delete(k->msgs[i]);
	cJSON_Delete(k->cur);
	free(k->msgs);
	free(k);
}

static int
slack_end(struct pb_rctx *c)
{
	struct slack *k = c->priv;
	cJSON *g = cJSON_CreateArray();
	struct pb_buf b = { 0 };
	int is_url, is_mailto, rc = 0;
	const char *u = pb_render_unsub(c, &is_url, &is_mailto);

	if (u) {
		pb_esc_slack(&b, PB_WORD(c, PB_W_SETTINGS));
		if (is_url) {
			pb_buf_putc(&b, '<');
			pb_esc_slack_url(&b, u);
			pb_buf_putc(&b, '>');
		} else {
			pb_esc_slack(&b, u);
		}
		add_context(g, pb_buf_str(&b));
	}
	place(k, g);
	flush(k);
	for (size_t i = 0; i < k->n; i++) {
		cJSON *m = cJSON_CreateObject();

		pb_buf_reset(&b);
		pb_esc_slack(&b, c->title);
		if (k->n > 1)
			pb_buf_printf(&b, " (%zu/%zu)", i + 1, k->n);
		cJSON_AddStringToObject(m, "text", pb_buf_str(&b));
		cJSON_AddItemToObject(m, "blocks", k->msgs[i]);
		k->msgs[i] = NULL;
		if (pb_parts_push_json(c->out, m) < 0) {
			rc = -1;
			break;
		}
	}
	pb_buf_free(&b);
	slack_free(k);
	c->priv = NULL;
	return rc;
}

static void
slack_cleanup(struct pb_rctx *c)
{
	if (c->priv)
		slack_free(c->priv);
	c->priv = NULL;
}

const struct pb_renderer pb_renderer_slack = {
	"slack", slack_begin, slack_paper, slack_end, slack_cleanup, "digest-slack.json",
};
