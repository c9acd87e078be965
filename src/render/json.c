/* JSON: the digest as data, for the generic webhook and the file sink's digest.json. One
 * document (version 1, documented in paperboy.conf(5)):
 *   {"version":1,"subscriber":S,"date":D,"title":T,"summary":TEXT,
 *    "papers":[{"id","version","title","authors":[...],"abstract","categories":[...],
 *               "primary","url","pdf_url","topic","score","findings":[...],"analysis",
 *               "revision","teaser":{"url","alt"},"links":[...]}],"more":N}
 * teaser and links are there only when the run read the paper's full text (fulltext.h) and it
 * has them: its first figure's image and its code and project links, http(s) URLs only.
 * Text is shown as every format shows it (cleaned of controls and bidi overrides, LaTeX as
 * Unicode); the summary and analyses are plain text (their light Markdown's markers dropped,
 * arXiv links as "text (url)"). < > & are written as \u003c \u003e \u0026, so the document can
 * sit inside HTML as it is. Each paper also has "why", after "score": the ranking stage's
 * reason for it, as the other formats show it, or null. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/escape.h"
#include "paperboy/latex.h"
#include "render_int.h"

static char *
clean(const char *s, int flags)
{
	struct pb_buf b = { 0 };

	pb_text_clean(&b, s ? s : "", s ? strlen(s) : 0, flags);
	return pb_buf_detach(&b);
}

/* Outside text for display, as the other formats show it; caller frees. */
static char *
display(const char *s)
{
	struct pb_buf b = { 0 };
	char *t = clean(s, 0);

	pb_latex_append(&b, t, strlen(t), PB_LATEX_TEXT);
	free(t);
	return pb_buf_detach(&b);
}

static void
add_clean(cJSON *o, const char *key, const char *s)
{
	char *t = clean(s, PB_CLEAN_ONE_LINE);

	cJSON_AddStringToObject(o, key, t);
	free(t);
}

/* Light Markdown (already in display form) as plain text: blocks apart, items on lines. */
static char *
plain(const char *s)
{
	struct pb_buf b = { 0 };
	struct pb_lm_block *v;
	size_t n;

	if (!s)
		return NULL;
	n = pb_lm_parse(s, &v);
	for (size_t i = 0; i < n; i++) {
		const struct pb_lm_block *x = &v[i];
		int item = x->kind == PB_LM_BULLET || x->kind == PB_LM_NUMBERED;

		if (i)
			pb_buf_puts(&b, item && (v[i - 1].kind == PB_LM_BULLET ||
						 v[i - 1].kind == PB_LM_NUMBERED) ? "\n" : "\n\n");
		if (x->kind == PB_LM_HR) {
			pb_buf_puts(&b, "---");
			continue;
		}
		for (int l = 0; item && l < x->level; l++)
			pb_buf_puts(&b, "  ");
		if (x->kind == PB_LM_BULLET)
			pb_buf_puts(&b, "- ");
		else if (x->kind == PB_LM_NUMBERED)
			pb_buf_printf(&b, "%ld. ", x->num);
		pb_lm_plain(&b, x->text, x->len);
	}
	free(v);
	return pb_buf_detach(&b);
}

static int
json_begin(struct pb_rctx *c)
{
	cJSON *root = cJSON_CreateObject();
	char *s;

	c->priv = root;
	cJSON_AddNumberToObject(root, "version", 1);
	add_clean(root, "subscriber", c->d->subscriber);
	add_clean(root, "date", c->d->date);
	cJSON_AddStringToObject(root, "title", c->title);
	s = plain(c->summary);
	cJSON_AddStringToObject(root, "summary", s ? s : "");
	free(s);
	return cJSON_AddArrayToObject(root, "papers") ? 0 : -1;
}

static int
json_paper(struct pb_rctx *c, size_t i)
{
	const struct pb_digest_item *it = &c->d->items[i];
	const struct pb_paper *p = it->paper;
	const struct pb_disp *x = &c->disp[i];
	cJSON *o = cJSON_CreateObject(), *a;
	char *s;

	add_clean(o, "id", p->id);
	cJSON_AddNumberToObject(o, "version", p->version);
	cJSON_AddStringToObject(o, "title", x->title);
	a = cJSON_AddArrayToObject(o, "authors");
	for (size_t k = 0; k < p->n_authors; k++) {
		s = display(p->authors[k].name);
		cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
	}
	/* More than the names listed when the feed's list was cut (a large collaboration's). */
	cJSON_AddNumberToObject(o, "n_authors", (double)pb_paper_n_authors(p));
	cJSON_AddStringToObject(o, "abstract", x->abstract);
	a = cJSON_AddArrayToObject(o, "categories");
	for (size_t k = 0; k < p->n_categories; k++) {
		s = clean(p->categories[k], PB_CLEAN_ONE_LINE);
		cJSON_AddItemToArray(a, cJSON_CreateString(s));
		free(s);
	}
	add_clean(o, "primary", p->n_categories ? p->categories[0] : "");
	cJSON_AddStringToObject(o, "url", x->abs_url);
	cJSON_AddStringToObject(o, "pdf_url", x->pdf_url);
	add_clean(o, "topic", it->topic);
	cJSON_AddNumberToObject(o, "score", it->score);
	if (x->why)
		cJSON_AddStringToObject(o, "why", x->why);
	else
		cJSON_AddNullToObject(o, "why");
	a = cJSON_AddArrayToObject(o, "findings");
	for (size_t k = 0; k < x->n_findings; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(x->findings[k]));
	s = plain(x->analysis);
	if (s)
		cJSON_AddStringToObject(o, "analysis", s);
	else
		cJSON_AddNullToObject(o, "analysis");
	free(s);
	cJSON_AddBoolToObject(o, "revision", x->revised);
	if (x->teaser_url) {
		cJSON *t = cJSON_AddObjectToObject(o, "teaser");

		cJSON_AddStringToObject(t, "url", x->teaser_url);
		cJSON_AddStringToObject(t, "alt", x->teaser_alt);
	}
	if (x->n_links) {
		a = cJSON_AddArrayToObject(o, "links");
		for (size_t k = 0; k < x->n_links; k++)
			cJSON_AddItemToArray(a, cJSON_CreateString(x->links[k]));
	}
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(c->priv, "papers"), o);
	return 0;
}

static int
json_end(struct pb_rctx *c)
{
	cJSON *root = c->priv;
	size_t more = c->d->n_matched > c->d->n_items ? c->d->n_matched - c->d->n_items : 0;
	struct pb_buf b = { 0 };
	char *s;

	c->priv = NULL;
	cJSON_AddNumberToObject(root, "more", (double)more);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!s)
		return -1;
	/* < > & only occur inside strings: their \u escapes keep the text as it is */
	for (const char *p = s; *p; p++) {
		if (*p == '<')
			pb_buf_puts(&b, "\\u003c");
		else if (*p == '>')
			pb_buf_puts(&b, "\\u003e");
		else if (*p == '&')
			pb_buf_puts(&b, "\\u0026");
		else
			pb_buf_putc(&b, *p);
	}
	cJSON_free(s);
	pb_parts_push(c->out, pb_buf_detach(&b));
	return 0;
}

static void
json_cleanup(struct pb_rctx *c)
{
	cJSON_Delete(c->priv);
	c->priv = NULL;
}

const struct pb_renderer pb_renderer_json = {
	"json", json_begin, json_paper, json_end, json_cleanup, "digest.json",
};
