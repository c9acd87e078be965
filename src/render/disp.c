/* The display forms of a digest's items (struct pb_disp): outside text cleaned and its LaTeX
 * converted, the date line, the URLs. Every format reads them; the per-run cache (cache.c)
 * keeps the parts that do not depend on the reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/digest.h"
#include "paperboy/escape.h"
#include "paperboy/latex.h"
#include "paperboy/words.h"
#include "render_int.h"

#define SHORT_AUTHORS 8

/* Outside text for display: cleaned of controls and bidi overrides, LaTeX converted. */
char *
pb_disp_display(const char *s, int flags)
{
	struct pb_buf b = { 0 }, t = { 0 };

	if (!s)
		return NULL;
	pb_text_clean(&t, s, strlen(s), 0);
	pb_latex_append(&b, pb_buf_str(&t), t.len, flags);
	pb_buf_free(&t);
	return pb_buf_detach(&b);
}

/* The month an arXiv id was first submitted in, from the id itself: "2204.01234" was
 * submitted in April 2022, "astro-ph/0601001" in January 2006. 0 when the id says nothing. */
static int
id_month(const char *id, char out[16])
{
	const char *d = id ? strchr(id, '/') : NULL;
	int yy, mm;

	d = d ? d + 1 : id;
	if (!d || strlen(d) < 4)
		return 0;
	for (int k = 0; k < 4; k++)
		if (d[k] < '0' || d[k] > '9')
			return 0;
	if (d == id && d[4] != '.')
		return 0;
	yy = (d[0] - '0') * 10 + (d[1] - '0');
	mm = (d[2] - '0') * 10 + (d[3] - '0');
	if (mm < 1 || mm > 12)
		return 0;
	/* old-style ids run from 1991; new-style ids began in 2007 */
	snprintf(out, 16, "%04d-%02d", yy >= 91 ? 1900 + yy : 2000 + yy, mm);
	return 1;
}

/* The date line: when a paper is new, the day it was published; when this is a new version
 * of an older paper, "Revised (vN)" with the day of the revision and when it was first
 * submitted. arXiv's API gives both dates (published is v1, updated this version); the
 * RSS feed gives the announcement type, the version and the day, and the id the month. */
static void
dates(struct pb_disp *x, const struct pb_paper *p, const char *date, const char *lang)
{
	struct pb_buf b = { 0 };
	char first[16];
	int api = p->announce == PB_ANN_UNKNOWN;

	x->revised = p->announce == PB_ANN_REPLACE || p->announce == PB_ANN_REPLACE_CROSS ||
		     (api && p->version > 1);
	if (!x->revised) {
		x->date_label = pb_word(lang, PB_W_PUBLISHED);
		if (p->published && strlen(p->published) >= 10)
			x->published = pb_xstrndup(p->published, 10);
		else
			x->published = pb_xstrdup(date ? date : "");
		return;
	}
	pb_buf_puts(&b, pb_word(lang, PB_W_REVISED));
	if (p->version > 1)
		pb_buf_printf(&b, " (v%d)", p->version);
	x->label_buf = pb_buf_detach(&b);
	x->date_label = x->label_buf;
	if (api && p->updated && strlen(p->updated) >= 10)
		pb_buf_append(&b, p->updated, 10);
	else if (!api && p->published && strlen(p->published) >= 10)
		pb_buf_append(&b, p->published, 10);
	else
		pb_buf_puts(&b, date ? date : "");
	if (api && p->published && strlen(p->published) >= 10)
		snprintf(first, sizeof first, "%.10s", p->published);
	else if (!id_month(p->id, first))
		first[0] = '\0';
	if (first[0]) {
		const char *vars[] = { "date", first, NULL };

		if (b.len)
			pb_buf_puts(&b, pb_word(lang, PB_W_CLAUSE_SEP));
		pb_template_put(&b, pb_word(lang, PB_W_FIRST_SUBMITTED), vars);
	}
	x->published = pb_buf_detach(&b);
}

void
pb_disp_fill_shared(struct pb_disp *x, const struct pb_digest_item *it, const char *date,
		    const char *lang)
{
	const struct pb_paper *p = it->paper;
	struct pb_buf b = { 0 };
	char n[24];
	const char *vars[] = { "n", n, NULL };
	size_t i;

	x->title = pb_disp_display(p->title ? p->title : "(untitled)", PB_LATEX_TEXT);
	for (i = 0; i < p->n_authors; i++) {
		if (i)
			pb_buf_puts(&b, ", ");
		if (p->authors[i].name) {
			char *name = pb_disp_display(p->authors[i].name, PB_LATEX_TEXT);

			pb_buf_puts(&b, name);
			free(name);
		}
		if (i + 1 == SHORT_AUTHORS && p->n_authors > SHORT_AUTHORS + 1) {
			x->authors_short = pb_xstrdup(pb_buf_str(&b));
		}
	}
	snprintf(n, sizeof n, "%zu", pb_paper_n_authors(p));
	/* A record that kept only the first authors of a longer list says how many there are,
	 * in the full list too. */
	if (pb_paper_n_authors(p) > p->n_authors)
		pb_template_put(&b, pb_word(lang, PB_W_ET_AL), vars);
	x->authors = pb_buf_detach(&b);
	if (!x->authors_short) {
		x->authors_short = pb_xstrdup(x->authors);
	} else {
		pb_buf_puts(&b, x->authors_short);
		free(x->authors_short);
		pb_template_put(&b, pb_word(lang, PB_W_ET_AL), vars);
		x->authors_short = pb_buf_detach(&b);
	}
	x->abstract = pb_disp_display(p->abstract ? p->abstract : "", PB_LATEX_TEXT);
	if (strncasecmp(pb_words_lang(lang), "en", 2) != 0) {
		pb_buf_puts(&b, x->title);
		pb_buf_putc(&b, '\n');
		pb_buf_puts(&b, x->abstract);
		x->en = pb_text_english(pb_buf_str(&b));
		pb_buf_reset(&b);
	}
	x->analysis = it->analysis && *it->analysis ?
		      pb_disp_display(it->analysis, PB_LATEX_PROSE) : NULL;
	x->n_findings = it->n_findings;
	x->findings = pb_xcalloc(it->n_findings ? it->n_findings : 1, sizeof *x->findings);
	for (i = 0; i < it->n_findings; i++)
		x->findings[i] = pb_disp_display(it->findings[i] ? it->findings[i] : "",
						 PB_LATEX_TEXT);
	/* Categories and ids come from the feed too: the same filter as every other field. */
	for (i = 0; i < p->n_categories; i++)
		if (p->categories[i]) {
			pb_buf_puts(&b, b.len ? ", " : "");
			pb_text_clean(&b, p->categories[i], strlen(p->categories[i]),
				      PB_CLEAN_ONE_LINE);
		}
	x->categories = pb_buf_detach(&b);
	dates(x, p, date, lang);
	pb_text_clean(&b, p->id ? p->id : "", p->id ? strlen(p->id) : 0, PB_CLEAN_ONE_LINE);
	if (p->version > 0)
		pb_buf_printf(&b, "v%d", p->version);
	x->vid = pb_buf_detach(&b);
	pb_buf_printf(&b, "https://arxiv.org/abs/%s", x->vid);
	x->abs_url = pb_buf_detach(&b);
	pb_buf_printf(&b, "https://arxiv.org/pdf/%s", x->vid);
	x->pdf_url = pb_buf_detach(&b);
	pb_disp_fulltext(x, it->fulltext);
}

void
pb_disp_reader(struct pb_disp *x, const struct pb_digest_item *it)
{
	struct pb_buf b = { 0 };

	x->why = NULL;
	/* The topic's name is the reader's text (a web form, a chat's /add, an import): one line,
	 * cleaned as a title is; not converted, it names a rule and is shown as the reader
	 * wrote it. */
	x->topic = it->topic && *it->topic ? pb_text_clean_dup(it->topic, PB_CLEAN_ONE_LINE)
					    : NULL;
	if (x->topic && !x->topic[strspn(x->topic, " ")]) {
		free(x->topic);
		x->topic = NULL;
	}
	/* The ranker's reason is outside text (it may quote a liked paper or an author): one
	 * line, cleaned and converted like the fields it quotes. */
	if (it->why && *it->why) {
		pb_text_clean(&b, it->why, strlen(it->why), PB_CLEAN_ONE_LINE);
		x->why = pb_disp_display(pb_buf_str(&b), PB_LATEX_TEXT);
		pb_buf_free(&b);
		if (!x->why[strspn(x->why, " ")]) {     /* nothing left to show */
			free(x->why);
			x->why = NULL;
		}
	}
}

void
pb_disp_fill(struct pb_disp *x, const struct pb_digest_item *it, const char *date,
	     const char *lang)
{
	pb_disp_fill_shared(x, it, date, lang);
	pb_disp_reader(x, it);
}

void
pb_disp_free(struct pb_disp *x)
{
	if (x->entry) {
		/* the rest is the cache's */
		free(x->why);
		free(x->topic);
		x->why = NULL;
		x->topic = NULL;
		return;
	}
	free(x->title);
	free(x->authors);
	free(x->authors_short);
	free(x->abstract);
	free(x->analysis);
	for (size_t i = 0; i < x->n_findings; i++)
		free(x->findings[i]);
	free(x->findings);
	free(x->categories);
	free(x->published);
	free(x->label_buf);
	free(x->why);
	free(x->topic);
	free(x->vid);
	free(x->abs_url);
	free(x->pdf_url);
	pb_disp_fulltext_free(x);
}
