/* Text folding for matching: TeX accents decoded, Unicode NFKD, case folded, combining marks
 * stripped, then split into word tokens. `R\'emy`, `R{\'e}my`, `Rémy` and `REMY` all give the
 * token "remy"; `3D-aware` and `3D aware` both give "3d" "aware". Letters with a stroke or
 * without their dot, which Unicode does not decompose, fold to their base letter as people
 * write them in plain text: `Ørsted`, `Łukasz`, `Işık` give "orsted", "lukasz", "isik".
 * A Greek letter, in any case or form and as TeX's command, is a token of its own spelled as
 * TeX names it: `α-synuclein`, `$\alpha$-synuclein` and `alpha-synuclein` all give "alpha"
 * "synuclein"; `Θ`, `ϑ`, `\vartheta`, `\Theta` give "theta", `ΛCDM` gives "lambda" "cdm".
 *
 * A token is a maximal run of letters and digits (Unicode categories L* and N*) after folding;
 * everything else (spaces, hyphens, punctuation, braces, backslashes, math) separates tokens,
 * and the names of TeX's styling commands (\emph, \textbf, \it, \mathcal, ...) are no tokens:
 * "a \emph{new} method" gives "a new method". A language's name keeps its symbol, so that a
 * rule for it is not a rule for a letter: "++" after a word ending in a letter ("C++",
 * "Notepad++"; not "+++"), "#" after a single letter ("C#", "F#", "Q#") and a dot before a word
 * that starts after a space or an opening bracket (".NET") stay in the token: "c++", "c#",
 * ".net". A dot inside a word ("ASP.NET") still separates.
 * The TeX accent table here is folding's one hand-made table; the Greek letters' names are the
 * display converter's (latex.h), everything else comes from utf8proc. Nothing here fails:
 * invalid UTF-8 bytes act as separators. */
#ifndef PAPERBOY_FOLD_H
#define PAPERBOY_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"

/* Appends s (len bytes) to out with TeX accents and special letters decoded to Unicode (NFC):
 * \'e \`e \^e \"o \~n \=a \.z \u{g} \v{s} \H{o} \c{c} \k{a} \r{a} \d{a} \b{a} \t{oo}, in the
 * forms \'e, \'{e}, {\'e}, \c c, plus \ss \o \O \aa \AA \ae \AE \oe \OE \l \L \i \j and the
 * escapes \& \% \$ \# \_ \{ \}. Braces that only wrap an accent or its argument are dropped;
 * any other TeX (math, \emph{...}, unknown commands) is copied unchanged. */
void pb_tex_decode(const char *s, size_t len, struct pb_buf *out);

/* Appends the folded tokens of s to out, separated by single spaces (no leading/trailing
 * space). For messages and tests: "R\'emy's 3D-Aware" -> "remy s 3d aware". */
void pb_fold(const char *s, size_t len, struct pb_buf *out);

/* Returns 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, nothing past
 * U+10FFFF), else 0. */
int pb_utf8_valid(const char *s, size_t len);

/* A token sequence with positions. Tokens added in one pb_words_add call get consecutive
 * positions; pb_words_break makes the next token non-adjacent (so a phrase never spans two
 * authors). A zeroed struct is empty. */
struct pb_words {
	struct pb_buf text;     /* the tokens, each NUL-terminated */
	uint32_t *off;          /* token i starts at text.data + off[i] */
	uint32_t *len;          /* its length in bytes */
	uint32_t *pos;          /* its position; adjacent tokens differ by 1 */
	size_t n, cap;
	uint32_t next_pos;
};

void pb_words_init(struct pb_words *t);
void pb_words_free(struct pb_words *t);      /* accepts NULL; leaves t empty */
void pb_words_reset(struct pb_words *t);     /* keeps storage */
/* Folds s and appends its tokens. */
void pb_words_add(struct pb_words *t, const char *s, size_t len);
/* The next token added is not adjacent to the last one. */
void pb_words_break(struct pb_words *t);

static inline const char *
pb_word(const struct pb_words *t, size_t i)
{
	return t->text.data + t->off[i];
}

#endif
