/* Folding text for matching: TeX accents (paperboy's one own table), then utf8proc for NFKD,
 * case folding and mark stripping, then word tokens with positions. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "paperboy/fold.h"
#include "paperboy/latex.h"

/* Accents written with a symbol: \'e. */
static const struct {
	char sym;
	int32_t mark;
} sym_accents[] = {
	{ '\'', 0x301 }, { '`', 0x300 }, { '^', 0x302 }, { '"', 0x308 },
	{ '~', 0x303 }, { '=', 0x304 }, { '.', 0x307 },
};

/* Accents and letters written as control words: \c{c}, \ss. */
static const struct {
	const char *name;
	int32_t mark;           /* combining mark applied to the argument, or 0 */
	int32_t letter;         /* the letter itself when mark is 0 */
} word_cmds[] = {
	{ "u", 0x306, 0 }, { "v", 0x30C, 0 }, { "H", 0x30B, 0 }, { "c", 0x327, 0 },
	{ "k", 0x328, 0 }, { "r", 0x30A, 0 }, { "d", 0x323, 0 }, { "b", 0x331, 0 },
	{ "t", 0x361, 0 },
	{ "ss", 0, 0xDF }, { "o", 0, 0xF8 }, { "O", 0, 0xD8 }, { "aa", 0, 0xE5 },
	{ "AA", 0, 0xC5 }, { "ae", 0, 0xE6 }, { "AE", 0, 0xC6 }, { "oe", 0, 0x153 },
	{ "OE", 0, 0x152 }, { "l", 0, 0x142 }, { "L", 0, 0x141 }, { "i", 0, 'i' },
	{ "j", 0, 'j' },
};

/* Commands that only style the words they wrap (\emph{first}, {\it et al}, \mathcal{O}): for
 * matching they are not words of the text, or "a \emph{new} method" would not hold the phrase
 * "a new method". */
static const char *const markup_cmds[] = {
	"bf", "bfseries", "bm", "boldsymbol", "em", "emph", "it", "itshape", "mathbb", "mathbf",
	"mathcal", "mathfrak", "mathit", "mathnormal", "mathrm", "mathscr", "mathsf", "mathtt",
	"mbox", "operatorname", "rm", "sc", "scshape", "sf", "sl", "text", "textbf", "textit",
	"textmd", "textnormal", "textrm", "textsc", "textsf", "textsl", "texttt", "textup", "tt",
	"underline", "upshape",
};

static int
is_markup(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof markup_cmds / sizeof markup_cmds[0]; i++)
		if (strlen(markup_cmds[i]) == n && memcmp(markup_cmds[i], name, n) == 0)
			return 1;
	return 0;
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
put_cp(struct pb_buf *b, int32_t cp)
{
	uint8_t tmp[4];
	utf8proc_ssize_t n = utf8proc_encode_char(cp, tmp);

	pb_buf_append(b, tmp, (size_t)n);
}

/* Length of the UTF-8 character at p (1 for an invalid byte). */
static size_t
char_len(const char *p, const char *end)
{
	int32_t cp;
	utf8proc_ssize_t n = utf8proc_iterate((const uint8_t *)p, end - p, &cp);

	return n > 0 ? (size_t)n : 1;
}

static const char *
skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
		p++;
	return p;
}

/* Reads an accent's argument at p and emits it with mark. Returns the end, or NULL when the
 * text is not an accent argument (the caller then copies the command unchanged). */
static const char *
accent_arg(const char *p, const char *end, int32_t mark, struct pb_buf *out)
{
	int braced = 0;
	const char *base;
	size_t blen;

	if (p < end && *p == '{') {
		braced = 1;
		p = skip_spaces(p + 1, end);
	}
	if (p >= end)
		return NULL;
	if (braced && *p == '}') {
		return p + 1;           /* \'{} : an accent on nothing */
	}
	if (*p == '\\' && p + 1 < end && (p[1] == 'i' || p[1] == 'j') &&
	    (p + 2 >= end || !is_alpha((unsigned char)p[2]))) {
		pb_buf_putc(out, p[1]);
		p += 2;
	} else {
		if (*p == ' ' || *p == '\\' || *p == '{' || *p == '}' || *p == '\n' || *p == '\t')
			return NULL;
		base = p;
		blen = char_len(p, end);
		pb_buf_append(out, base, blen);
		p += blen;
	}
	put_cp(out, mark);
	if (!braced)
		return p;
	/* \t{oo}: the rest of the group is copied after the accented letter. */
	for (const char *q = p; q < end && q - p < 16; q++) {
		if (*q == '}') {
			pb_buf_append(out, p, (size_t)(q - p));
			return q + 1;
		}
		if (*q == '{' || *q == '\\')
			break;
	}
	return NULL;
}

/* Decodes the command at p (p[0] == '\\'). Returns its end, or NULL when it is not one of
 * the commands in the table (out is then unchanged). */
static const char *
decode_cmd(const char *p, const char *end, struct pb_buf *out)
{
	size_t mark_len = out->len;
	const char *q, *r;

	if (p + 1 >= end)
		return NULL;
	for (size_t i = 0; i < sizeof sym_accents / sizeof sym_accents[0]; i++) {
		if (p[1] != sym_accents[i].sym)
			continue;
		r = accent_arg(p + 2, end, sym_accents[i].mark, out);
		if (!r)
			pb_buf_truncate(out, mark_len);
		return r;
	}
	if (strchr("&%$#_{}", p[1])) {
		pb_buf_putc(out, p[1]);
		return p + 2;
	}
	q = p + 1;
	while (q < end && is_alpha((unsigned char)*q))
		q++;
	if (q == p + 1)
		return NULL;
	for (size_t i = 0; i < sizeof word_cmds / sizeof word_cmds[0]; i++) {
		size_t n = strlen(word_cmds[i].name);

		if ((size_t)(q - p - 1) != n || memcmp(p + 1, word_cmds[i].name, n) != 0)
			continue;
		if (word_cmds[i].mark) {
			r = accent_arg(skip_spaces(q, end), end, word_cmds[i].mark, out);
			if (!r)
				pb_buf_truncate(out, mark_len);
			return r;
		}
		put_cp(out, word_cmds[i].letter);
		/* TeX eats the spaces after a control word, and \ss{} is common. */
		r = skip_spaces(q, end);
		if (r + 1 < end && r[0] == '{' && r[1] == '}')
			r += 2;
		return r;
	}
	return NULL;
}

/* Decodes without composing; returns 1 when anything was decoded. drop_markup (for words)
 * leaves out the names of the styling commands, a space in their place, and writes a Greek
 * letter's command as the letter (\varepsilon as ε), which tokenise spells out. */
static int
tex_decode_raw(const char *s, size_t len, struct pb_buf *out, int drop_markup)
{
	const char *p = s, *end = s + len, *r;
	int changed = 0;
	int32_t cp;

	while (p < end) {
		const char *next = memchr(p, '\\', (size_t)(end - p));
		const char *brace = next && next > p && next[-1] == '{' ? next - 1 : next;

		if (!next) {
			pb_buf_append(out, p, (size_t)(end - p));
			break;
		}
		pb_buf_append(out, p, (size_t)(brace - p));
		p = brace;
		if (*p == '{') {
			/* {\'e} or {\ss}: decode and drop the group when it holds just that. */
			size_t mark = out->len;

			r = decode_cmd(p + 1, end, out);
			if (r && r < end && *r == '}') {
				p = r + 1;
				changed = 1;
				continue;
			}
			pb_buf_truncate(out, mark);
			pb_buf_putc(out, '{');
			p++;
			continue;
		}
		r = decode_cmd(p, end, out);
		if (r) {
			p = r;
			changed = 1;
			continue;
		}
		/* Not ours: copy the backslash and the command name unchanged. */
		for (r = p + 1; r < end && is_alpha((unsigned char)*r); r++)
			;
		if (drop_markup && is_markup(p + 1, (size_t)(r - p - 1))) {
			pb_buf_putc(out, ' ');
			p = r;
			continue;
		}
		if (drop_markup && (cp = pb_latex_greek_letter(p + 1, (size_t)(r - p - 1)))) {
			put_cp(out, cp);
			p = r;
			continue;
		}
		pb_buf_append(out, p, (size_t)(r - p));
		p = r;
	}
	return changed;
}

void
pb_tex_decode(const char *s, size_t len, struct pb_buf *out)
{
	struct pb_buf tmp = { 0 };
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t n;

	if (!memchr(s, '\\', len)) {
		pb_buf_append(out, s, len);
		return;
	}
	if (!tex_decode_raw(s, len, &tmp, 0)) {
		pb_buf_append(out, tmp.data ? tmp.data : "", tmp.len);
		pb_buf_free(&tmp);
		return;
	}
	n = utf8proc_map((const uint8_t *)tmp.data, (utf8proc_ssize_t)tmp.len, &nfc,
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n >= 0)
		pb_buf_append(out, nfc, (size_t)n);
	else
		pb_buf_append(out, tmp.data, tmp.len);   /* invalid UTF-8: keep it decomposed */
	free(nfc);
	pb_buf_free(&tmp);
}

/* ---- tokens ---- */

void
pb_words_init(struct pb_words *t)
{
	memset(t, 0, sizeof *t);
}

void
pb_words_free(struct pb_words *t)
{
	if (!t)
		return;
	pb_buf_free(&t->text);
	free(t->off);
	free(t->len);
	free(t->pos);
	memset(t, 0, sizeof *t);
}

void
pb_words_reset(struct pb_words *t)
{
	pb_buf_reset(&t->text);
	t->n = 0;
	t->next_pos = 0;
}

void
pb_words_break(struct pb_words *t)
{
	if (t->n && t->next_pos == t->pos[t->n - 1] + 1)
		t->next_pos++;
}

static void
token_end(struct pb_words *t, size_t start)
{
	if (t->text.len == start)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->off = pb_xreallocarray(t->off, t->cap, sizeof *t->off);
		t->len = pb_xreallocarray(t->len, t->cap, sizeof *t->len);
		t->pos = pb_xreallocarray(t->pos, t->cap, sizeof *t->pos);
	}
	t->off[t->n] = (uint32_t)start;
	t->len[t->n] = (uint32_t)(t->text.len - start);
	t->pos[t->n] = t->next_pos++;
	t->n++;
	pb_buf_putc(&t->text, '\0');
}

/* Letters with a stroke or without their dot have no decomposition, so stripping marks
 * leaves them alone; people write them as the base letter (Orsted, Lukasz, Isik, Dordevic),
 * and TeX's {\i} already is i. Applied after case folding. */
static int32_t
stroke_base(int32_t cp)
{
	switch (cp) {
	case 0x0131: return 'i';        /* dotless i */
	case 0x00F8: return 'o';        /* o with stroke */
	case 0x0142: return 'l';        /* l with stroke */
	case 0x0111: return 'd';        /* d with stroke */
	case 0x0127: return 'h';        /* h with stroke */
	case 0x0167: return 't';        /* t with stroke */
	default: return cp;
	}
}

static int
is_word_cp(int32_t cp)
{
	utf8proc_category_t c = utf8proc_category(cp);

	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

/* The "++" or "#" at p that belongs to the word w[0..n) before it, as in C++, Notepad++, C#,
 * F#, Q#: its length, else 0. "++" follows a word ending in a letter (and is not "+++"); "#"
 * follows a single letter and ends the word (a list's "item#3" stays two words). */
static utf8proc_ssize_t
symbol_suffix(const char *w, size_t n, const uint8_t *p, const uint8_t *end)
{
	if (!is_alpha((unsigned char)w[n - 1]))
		return 0;
	if (p[0] == '+')
		return p + 1 < end && p[1] == '+' && (p + 2 == end || p[2] != '+') ? 2 : 0;
	return n == 1 && (p + 1 == end || !(is_alpha(p[1]) || (p[1] >= '0' && p[1] <= '9') ||
					     p[1] == '#')) ? 1 : 0;
}

/* Tokenises already TeX-decoded text. ASCII takes a fast path writing straight into the
 * reserved buffer (an ASCII byte folds to at most one byte); other characters go through
 * utf8proc one at a time (so no allocation, and invalid bytes just separate words). */
static void
tokenise(struct pb_words *t, const char *s, size_t len)
{
	const utf8proc_option_t opts = UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
				       UTF8PROC_IGNORE | UTF8PROC_DECOMPOSE;
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	size_t start = t->text.len;

	pb_buf_reserve(&t->text, len + 1);
	while (p < end) {
		int32_t cp, dec[32];
		utf8proc_ssize_t n, m;

		if (*p < 0x80) {
			/* Room for the rest of the input when it is all ASCII. */
			char *out;
			size_t at;

			pb_buf_reserve(&t->text, (size_t)(end - p) + 1);
			out = t->text.data;
			at = t->text.len;
			for (; p < end && *p < 0x80; p++) {
				uint8_t c = *p;

				if (c >= 'A' && c <= 'Z') {
					out[at++] = (char)(c + 32);
				} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
					out[at++] = (char)c;
				} else if (c == '.' && at == start && p + 1 < end &&
					   is_alpha(p[1]) && (p == (const uint8_t *)s ||
					   (p[-1] && strchr(" \t\n\r([{\"'/", p[-1])))) {
					out[at++] = '.';        /* .NET */
				} else if (at > start && (c == '+' || c == '#') &&
					   (n = symbol_suffix(out + start, at - start, p,
							      end)) > 0) {
					/* C++, C#, F#: the name of a language, not the letter. */
					memcpy(out + at, p, (size_t)n);
					at += (size_t)n;
					p += n - 1;
					t->text.len = at;
					token_end(t, start);
					pb_buf_reserve(&t->text, (size_t)(end - p) + 1);
					out = t->text.data;
					at = start = t->text.len;
				} else if (at > start) {
					t->text.len = at;
					token_end(t, start);
					out = t->text.data;     /* token_end may have grown it */
					at = start = t->text.len;
				}
			}
			t->text.len = at;
			out[at] = '\0';
			continue;
		}
		n = utf8proc_iterate(p, end - p, &cp);
		if (n <= 0) {
			token_end(t, start);
			start = t->text.len;
			p++;
			continue;
		}
		p += n;
		m = utf8proc_decompose_char(cp, dec, 32, opts, NULL);
		if (m < 0 || m > 32)
			m = 0;
		for (utf8proc_ssize_t i = 0; i < m; i++) {
			/* A Greek letter is a word of its own, spelled as TeX names it, so
			 * "α-synuclein", "$\alpha$-synuclein" and "alpha-synuclein" are the same
			 * words. Case folding has made ς σ and capitals small. */
			const char *g = pb_latex_greek_name(dec[i]);

			if (g) {
				token_end(t, start);
				start = t->text.len;
				pb_buf_puts(&t->text, g);
				token_end(t, start);
				start = t->text.len;
			} else if (is_word_cp(dec[i])) {
				put_cp(&t->text, stroke_base(dec[i]));
			} else {
				token_end(t, start);
				start = t->text.len;
			}
		}
	}
	token_end(t, start);
}

void
pb_words_add(struct pb_words *t, const char *s, size_t len)
{
	struct pb_buf dec = { 0 };

	if (!memchr(s, '\\', len)) {
		tokenise(t, s, len);
		return;
	}
	/* No need to compose: folding decomposes and strips the marks again. */
	tex_decode_raw(s, len, &dec, 1);
	tokenise(t, dec.data ? dec.data : "", dec.len);
	pb_buf_free(&dec);
}

void
pb_fold(const char *s, size_t len, struct pb_buf *out)
{
	struct pb_words t;

	pb_words_init(&t);
	pb_words_add(&t, s, len);
	for (size_t i = 0; i < t.n; i++) {
		if (i)
			pb_buf_putc(out, ' ');
		pb_buf_append(out, pb_word(&t, i), t.len[i]);
	}
	pb_words_free(&t);
}

int
pb_utf8_valid(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;

	while (len > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (*p < 0x80) {   /* the common case, without a call */
			p++;
			len--;
			continue;
		}
		k = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		if (k <= 0)
			return 0;
		p += k;
		len -= (size_t)k;
	}
	return 1;
}
