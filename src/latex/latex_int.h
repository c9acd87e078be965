/* Private to the LaTeX converter: the table of control words it knows. */
#ifndef PAPERBOY_LATEX_INT_H
#define PAPERBOY_LATEX_INT_H

#include <stddef.h>

enum pb_latex_kind {
	K_SYM,          /* a symbol or word: its output */
	K_LETTER,       /* a letter used inside words (\o, \ss): eats the following space */
	K_IGNORE,       /* no output, no argument (\left, \displaystyle, \bf) */
	K_WRAP,         /* one argument, shown as it is (\textit, \mathbf, \emph) */
	K_DROP,         /* one argument, not shown (\label, \vspace) */
	K_BB,           /* \mathbb, \mathcal, \mathfrak: Unicode math letters where there are
			 * any; out names the alphabet ("bb", "cal", "frak") */
	K_BEGIN,        /* \begin{env}: dropped with its column spec; math environments are
			 * math up to their \end */
	K_END,          /* \end{env}: dropped */
	K_DELIM,        /* \left, \right, \bigl...: no output; the null delimiter "." goes too */
	K_FRAC,         /* two arguments: a/b */
	K_BINOM,        /* two arguments: (n choose k) */
	K_SQRT,         /* optional index, one argument: √x */
	K_HREF,         /* two arguments, shows the second */
	K_URL,          /* one argument, verbatim */
	K_ACCENT,       /* one argument, combining mark in out */
	K_SUP,          /* \textsuperscript */
	K_SUB,          /* \textsubscript */
	K_CITE,         /* \cite[note]{keys}: "[keys, note]", a reference, not a word */
	K_INFIX,        /* \over, \choose, \atop: what stands before them in their group over
			 * what follows; out when met where that group is not known */
};

struct pb_latex_macro {
	const char *name;
	enum pb_latex_kind kind;
	const char *out;
};

/* Sorted by strcmp, for bsearch. */
extern const struct pb_latex_macro pb_latex_macros[];
extern const size_t pb_latex_n_macros;

/* The lower-case Greek letters α..ω by code point: pb_latex_greek[cp - 0x3B1] is \name. */
#define PB_LATEX_GREEK_FIRST 0x3B1
extern const char *const pb_latex_greek[25];

#endif
