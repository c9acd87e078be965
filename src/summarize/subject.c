/* The digest's title and email subject: the categories it covers in the words of the
 * subscriber's language, and the subject template expanded for the digest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "paperboy/escape.h"
#include "paperboy/summarize.h"
#include "paperboy/words.h"
#include "summarize_int.h"

const char *const pb_subject_placeholders[] = {
	"date", "count", "papers", "topics", "categories", NULL,
};

int
pb_subject_check(const char *tmpl, char *msg, size_t n)
{
	size_t chars = 0;
	const char *p;

	if (pb_template_check(tmpl, pb_subject_placeholders, msg, n) < 0)
		return -1;
	for (p = tmpl; *p; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	if (chars > PB_SUBJECT_MAX) {
		snprintf(msg, n, "%zu characters, more than %d: a subject is read at a glance",
			 chars, PB_SUBJECT_MAX);
		return -1;
	}
	if (strspn(tmpl, " ") == strlen(tmpl)) {
		snprintf(msg, n, "a subject of spaces only");
		return -1;
	}
	return 0;
}

/* Whether a cut before the code point cp would split what a reader sees as one character:
 * combining marks, joiners and variation selectors belong to the character before them. */
static int
joins_previous(utf8proc_int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC ||
	       c == UTF8PROC_CATEGORY_ME || cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x1f3fb && cp <= 0x1f3ff);
}

/* Columns c takes (a wide character two, a combining mark none), as in a subject line. */
static size_t
width(utf8proc_int32_t c)
{
	int w = utf8proc_charwidth(c);

	return w > 0 ? (size_t)w : 0;
}

/* Cuts b to at most max columns, at a character's boundary, ending in "…" when cut; the
 * separator or space the cut leaves at the end goes. */
static void
cut_width(struct pb_buf *b, size_t max, const char *sep)
{
	size_t i, cols = 0, cut = 0, seplen = strlen(sep);
	int over = 0;

	for (i = 0; i < b->len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)b->data + i,
						      (utf8proc_ssize_t)(b->len - i), &cp);
		size_t w = r > 0 ? width(cp) : 1;

		if (r <= 0)
			r = 1;
		if (!over && cols + w > max - 1)
			over = 1, cut = i;   /* where the "…" goes if the rest is too long */
		cols += w;
		i += (size_t)r;
	}
	if (cols <= max)
		return;
	while (cut < b->len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)b->data + cut,
						      (utf8proc_ssize_t)(b->len - cut), &cp);

		if (r <= 0 || !joins_previous(cp))
			break;
		cut += (size_t)r;
	}
	for (;;) {
		if (seplen && cut >= seplen && memcmp(b->data + cut - seplen, sep, seplen) == 0)
			cut -= seplen;
		else if (cut > 0 && b->data[cut - 1] == ' ')
			cut--;
		else
			break;
	}
	pb_buf_truncate(b, cut);
	pb_buf_puts(b, "…");
}

/* The digest's topics with papers, most papers first, ties in rank order. */
static void
topics_line(const struct pb_digest *d, struct pb_buf *out)
{
	const char **name = pb_xcalloc(d->n_items + 1, sizeof *name);
	size_t *count = pb_xcalloc(d->n_items + 1, sizeof *count), n = 0;
	const char *sep = pb_word(d->language, PB_W_LIST_SEP);

	for (size_t i = 0; i < d->n_items; i++) {
		const char *t = d->items[i].topic;
		size_t k;

		if (!t || !*t)
			continue;
		for (k = 0; k < n && strcmp(name[k], t) != 0; k++)
			;
		if (k == n)
			name[n++] = t;
		count[k]++;
	}
	for (size_t done = 0; done < n; done++) {
		size_t best = done;

		for (size_t k = done + 1; k < n; k++)
			if (count[k] > count[best])
				best = k;
		/* move best to done, keeping the order of the others (a stable pick) */
		{
			const char *bn = name[best];
			size_t bc = count[best];

			memmove(name + done + 1, name + done, (best - done) * sizeof *name);
			memmove(count + done + 1, count + done, (best - done) * sizeof *count);
			name[done] = bn;
			count[done] = bc;
		}
		if (done)
			pb_buf_puts(out, sep);
		pb_buf_puts(out, name[done]);
	}
	free(name);
	free(count);
	cut_width(out, PB_SUBJECT_TOPICS, sep);
}

char *
pb_digest_subject(const struct pb_digest *d, const char *tmpl, const char *categories)
{
	struct pb_buf topics = { 0 }, papers = { 0 }, raw = { 0 }, clean = { 0 }, out = { 0 };
	struct pb_buf cats = { 0 };
	const char *lang = d->language;
	char count[24];
	int space = 1;

	topics_line(d, &topics);
	/* twenty configured categories would push everything else out of sight */
	pb_buf_puts(&cats, categories ? categories : "");
	cut_width(&cats, PB_SUBJECT_TOPICS, pb_word(lang, PB_W_LIST_SEP));
	snprintf(count, sizeof count, "%zu", d->n_items);
	{
		const char *v[] = { "n", count, NULL };

		pb_template_put(&papers, pb_word(lang, d->n_items == 1 ? PB_W_N_PAPERS_1
								       : PB_W_N_PAPERS), v);
	}
	if (!tmpl || !*tmpl)
		tmpl = pb_word(lang, d->n_items == 0 ? PB_W_SUBJECT_EMPTY :
				     topics.len ? PB_W_SUBJECT : PB_W_SUBJECT_NO_TOPICS);
	{
		const char *v[] = {
			"date", d->date ? d->date : "", "count", count,
			"papers", pb_buf_str(&papers), "topics", pb_buf_str(&topics),
			"categories", pb_buf_str(&cats), NULL,
		};

		pb_template_put(&raw, tmpl, v);
	}
	/* topic names and categories come from the config and the feed: one line of text */
	pb_text_clean(&clean, pb_buf_str(&raw), raw.len, PB_CLEAN_ONE_LINE);
	for (const char *p = pb_buf_str(&clean); *p; p++) {
		if (*p == ' ' || *p == '\t') {
			space = 1;
			continue;
		}
		if (space && out.len)
			pb_buf_putc(&out, ' ');
		space = 0;
		pb_buf_putc(&out, *p);
	}
	pb_buf_free(&topics);
	pb_buf_free(&cats);
	pb_buf_free(&papers);
	pb_buf_free(&raw);
	pb_buf_free(&clean);
	return pb_buf_detach(&out);
}

void
pb_digest_names(const struct pb_config *cfg, const struct pb_subscriber *sub,
		struct pb_digest *d)
{
	const char *prim[3];
	const char *const *cats = prim;
	const char *tmpl = sub && sub->subject ? sub->subject : cfg ? cfg->subject : NULL;
	struct pb_buf names = { 0 };
	size_t n = 0;

	/* The categories: the configured ones, else the papers' primary categories in ranking
	 * order (at most three). */
	if (cfg && cfg->arxiv.n_categories > 0) {
		cats = (const char *const *)cfg->arxiv.categories;
		n = cfg->arxiv.n_categories;
	} else {
		for (size_t i = 0; i < d->n_items && n < 3; i++) {
			const struct pb_paper *p = d->items[i].paper;
			size_t k;

			if (!p->n_categories || !p->categories[0])
				continue;
			for (k = 0; k < n; k++)
				if (strcmp(prim[k], p->categories[0]) == 0)
					break;
			if (k == n)
				prim[n++] = p->categories[0];
		}
	}
	d->title = pb_digest_title_lang(cats, n, d->date, d->language);
	pb_category_names(&names, cats, n, d->language);
	d->subject = pb_digest_subject(d, tmpl, pb_buf_str(&names));
	pb_buf_free(&names);
}
