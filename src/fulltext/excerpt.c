/* The model's excerpt of a full text: the parts that matter, each under its heading, cut at
 * sentence boundaries to a byte budget (4 bytes a token). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ft_int.h"
#include "paperboy/sentence.h"

/* The parts in the order the excerpt gives them, with their share of the budget. */
static const struct {
	enum pb_ft_kind kind;
	const char *heading;
	unsigned weight;
} parts[] = {
	{ PB_FT_METHOD, "Method", 24 },
	{ PB_FT_RESULTS, "Results", 34 },
	{ PB_FT_DISCUSSION, "Discussion", 6 },
	{ PB_FT_LIMITATIONS, "Limitations", 10 },
	{ PB_FT_CONCLUSION, "Conclusion", 13 },
	{ PB_FT_INTRODUCTION, "Introduction", 13 },
};
#define N_PARTS (sizeof parts / sizeof parts[0])

struct sent {
	const char *s;
	size_t len;
	int num;      /* has a digit */
	int keep;
	int tight;    /* ended by a mark of pb_sentence_stop with no space after it (Chinese,
		       * Japanese): the next one follows without one */
};

/* Words after which a period does not end a sentence. */
static int
abbrev(const char *text, size_t dot)
{
	static const char *const words[] = {
		"e.g", "i.e", "al", "Fig", "Figs", "Eq", "Eqs", "vs", "cf", "Sec", "Tab", "etc",
		"resp", "approx", "No", "Ref", "Refs", "Dr", "Prof", "St", "Thm", "Def", "Alg",
	};
	size_t b = dot;

	while (b > 0 && (isalpha((unsigned char)text[b - 1]) || text[b - 1] == '.'))
		b--;
	if (dot - b == 1)
		return 1;   /* an initial: "J. Smith" */
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == dot - b && strncmp(text + b, words[i], dot - b) == 0)
			return 1;
	return 0;
}

static void
add_sentence(const char *s, size_t l, int tight, struct sent **v, size_t *n, size_t *cap)
{
	while (l && isspace((unsigned char)*s))
		s++, l--;
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	if (!l)
		return;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = pb_xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[*n].s = s;
	(*v)[*n].len = l;
	(*v)[*n].num = 0;
	(*v)[*n].keep = 0;
	(*v)[*n].tight = tight;
	for (size_t k = 0; k < l; k++)
		if (isdigit((unsigned char)s[k]))
			(*v)[*n].num = 1;
	(*n)++;
}

/* Splits text into sentences (appended to *v): at a blank line; at . ? ! (and the closing
 * marks after it) followed by a space and what can start a sentence, not after an
 * abbreviation or an initial; at a mark of pb_sentence_stop whatever follows. Every cut is after a
 * whole character. */
static void
sentences(const char *text, struct sent **v, size_t *n, size_t *cap)
{
	size_t i = 0, start = 0, len = strlen(text);

	while (i < len) {
		unsigned char c = (unsigned char)text[i];
		size_t m, j;

		if (c == '\n' && i + 1 < len && text[i + 1] == '\n') {
			add_sentence(text + start, i - start, 0, v, n, cap);
			start = i = i + 2;
			continue;
		}
		if ((m = pb_sentence_stop(text, i, len)) > 0) {
			/* "。」" and "！？" stay with the sentence they end */
			j = i + m;
			while ((m = pb_sentence_stop(text, j, len)) > 0)
				j += m;
			j = pb_sentence_closers(text, j, len);
			add_sentence(text + start, j - start,
				     j < len && !isspace((unsigned char)text[j]), v, n, cap);
			start = i = j;
			continue;
		}
		if (c == '.' || c == '?' || c == '!') {
			j = pb_sentence_closers(text, i + 1, len);
			if (j + 1 < len && text[j] == ' ') {
				unsigned char nx = (unsigned char)text[j + 1];

				if ((isupper(nx) || isdigit(nx) || nx >= 0x80 || nx == '(' ||
				     nx == '"') && !(c == '.' && j == i + 1 && abbrev(text, i))) {
					add_sentence(text + start, j - start, 0, v, n, cap);
					start = i = j + 1;
					continue;
				}
			}
		}
		i++;
	}
	add_sentence(text + start, len - start, 0, v, n, cap);
}

/* Writes one part (heading, then the sentences chosen) into out within cap bytes; numbers
 * first when numbers is set. Returns the bytes written. */
static size_t
part(struct pb_buf *out, const char *heading, const char *text, size_t cap, int numbers)
{
	struct sent *v = NULL;
	size_t n = 0, vcap = 0, used, start = out->len;
	int any = 0;

	if (out->len)
		pb_buf_puts(out, "\n\n");
	pb_buf_printf(out, "## %s\n", heading);
	used = out->len - start;
	if (used >= cap) {
		pb_buf_truncate(out, start);
		return 0;
	}
	sentences(text, &v, &n, &vcap);
	for (int pass = numbers ? 0 : 1; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			if (v[i].keep || (pass == 0 && !v[i].num))
				continue;
			if (used + v[i].len + (any ? 1 : 0) > cap)
				continue;
			v[i].keep = 1;
			used += v[i].len + (any ? 1 : 0);
			any = 1;
		}
	if (!any && n) {
		/* Not even one sentence fits: the first one, cut at a word, with an ellipsis. */
		struct pb_buf c = { 0 };
		size_t room = cap - used;

		if (room > 16) {
			size_t whole;

			pb_buf_append(&c, v[0].s, v[0].len);
			ft_cut(&c, room - 4);
			whole = c.len;
			while (c.len && c.data[c.len - 1] != ' ')
				c.len--;
			while (c.len && c.data[c.len - 1] == ' ')
				c.len--;
			/* Chinese and Japanese: no space between words; cut between characters */
			if (!c.len)
				c.len = whole;
			if (c.len) {
				pb_buf_append(out, c.data, c.len);
				pb_buf_puts(out, "\xe2\x80\xa6");
				any = 1;
			}
			pb_buf_free(&c);
		}
	} else {
		int first = 1, tight = 0;

		/* A space between sentences, none where the text had none (after 。: its room is
		 * counted all the same). */
		for (size_t i = 0; i < n; i++) {
			if (!v[i].keep)
				continue;
			if (!first && !tight)
				pb_buf_putc(out, ' ');
			pb_buf_append(out, v[i].s, v[i].len);
			first = 0;
			tight = v[i].tight;
		}
	}
	free(v);
	if (!any) {
		pb_buf_truncate(out, start);
		return 0;
	}
	return out->len - start;
}

/* The text of every section of kind k, "\n\n" between them; NULL when none. */
static char *
kind_text(const struct pb_fulltext *ft, enum pb_ft_kind k)
{
	struct pb_buf b = { 0 };

	for (size_t i = 0; i < ft->n_sections; i++) {
		if (ft->sections[i].kind != k || !ft->sections[i].text)
			continue;
		if (b.len)
			pb_buf_puts(&b, "\n\n");
		pb_buf_puts(&b, ft->sections[i].text);
	}
	return b.len ? pb_buf_detach(&b) : NULL;
}

char *
pb_fulltext_excerpt(const struct pb_fulltext *ft, int max_tokens)
{
	struct pb_buf out = { 0 };
	char *text[N_PARTS] = { 0 };
	size_t budget, left, weights = 0;

	if (!ft || max_tokens <= 0)
		return NULL;
	budget = (size_t)max_tokens * 4;
	for (size_t i = 0; i < N_PARTS; i++) {
		text[i] = kind_text(ft, parts[i].kind);
		if (text[i])
			weights += parts[i].weight;
	}
	left = budget;
	if (weights) {
		size_t spare = 0;

		for (size_t i = 0; i < N_PARTS; i++) {
			size_t share, w;

			if (!text[i])
				continue;
			share = budget * parts[i].weight / weights + spare;
			if (share > left)
				share = left;
			/* What a part leaves unused goes to the parts after it. */
			w = part(&out, parts[i].heading, text[i], share,
				 parts[i].kind == PB_FT_RESULTS);
			spare = share - w;
			left = budget > out.len ? budget - out.len : 0;
		}
	} else {
		/* No section says what it is (a PDF without headings): the text as it comes. */
		struct pb_buf all = { 0 };

		for (size_t i = 0; i < ft->n_sections; i++) {
			if (!ft->sections[i].text || ft->sections[i].kind == PB_FT_APPENDIX)
				continue;
			if (all.len)
				pb_buf_puts(&all, "\n\n");
			pb_buf_puts(&all, ft->sections[i].text);
		}
		if (all.len)
			part(&out, "Text", all.data, budget, 0);
		pb_buf_free(&all);
	}
	for (size_t i = 0; i < N_PARTS; i++)
		free(text[i]);
	if (!out.len) {
		pb_buf_free(&out);
		return NULL;
	}
	return pb_buf_detach(&out);
}
