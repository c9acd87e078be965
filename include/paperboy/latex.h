/* LaTeX for display: the TeX that arXiv metadata carries ($\alpha$-blending, R\'emy, $^{2}$,
 * \mathbf{x}, \&) turned into readable Unicode. Display only: the paper records keep the TeX
 * as arXiv wrote it. Never fails on malformed input (unbalanced braces or dollars, a trailing
 * backslash, deep nesting): what cannot be read as TeX is shown as written or dropped. */
#ifndef PAPERBOY_LATEX_H
#define PAPERBOY_LATEX_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"

enum pb_latex_flags {
	/* TeX typography of arXiv metadata: -- and --- become dashes, `` and '' curly quotes,
	 * ~ a no-break space ("Fig.~3") except where abstracts write it for "approximately":
	 * before a number after a one-letter symbol, a space, "=", "<", ">" or "(" ("z~1.5"
	 * gives "z∼1.5"). Environments: \begin/\end{env} and column specs are dropped, the
	 * body of a math environment (equation, align, ...) is math, & separates columns by a
	 * space and \\ rows by "; ", \left. and \right. vanish; \mathbb, \mathcal, \mathscr and
	 * \mathfrak give Unicode's mathematical letters. */
	PB_LATEX_TEXT = 0,
	/* Prose that is not TeX (model or extractive Markdown): only math, macros and accents
	 * are converted; dashes, ~ and quotes stay. Dollars enclose math only around TeX
	 * (a macro, ^, _, a group, or one letter) with no space inside either dollar, so
	 * "$5 and $10" and "$5-$10" stay as written. */
	PB_LATEX_PROSE = 1,
};

/* Appends the display form of s[0..n) to out. Unknown macros degrade to their argument, or
 * to their name without the backslash when they have none (an author's \Aut or \eps stands
 * for something); \cite{keys} shows "[keys]". Output is valid UTF-8 when the input is. */
void pb_latex_append(struct pb_buf *out, const char *s, size_t n, int flags);

/* The display form of s (NULL gives NULL) with PB_LATEX_TEXT; caller frees. */
char *pb_latex_to_unicode(const char *s);

/* Returns 1 when s[0..n) contains nothing the converter would change (a fast path), else 0. */
int pb_latex_is_plain(const char *s, size_t n, int flags);

/* The Greek letter the control word \name (n bytes, without the backslash) is shown as:
 * U+03B1 α for alpha, U+0393 Γ for Gamma, U+03D1 ϑ for vartheta; 0 when the converter does
 * not show it as a Greek letter. */
int32_t pb_latex_greek_letter(const char *name, size_t n);

/* TeX's name of the lower-case Greek letter cp (U+03B1 α .. U+03C9 ω): "alpha", and
 * "varsigma" for ς; NULL for any other code point. Static storage. */
const char *pb_latex_greek_name(int32_t cp);

#endif
