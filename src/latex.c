/* LaTeX to Unicode for display. A small recursive converter over arXiv's TeX subset: math
 * between dollars, control words from one sorted table, accents composed with utf8proc, and
 * super/subscripts mapped to Unicode when every character has a form. Recursion is capped so
 * hostile nesting degrades to plain copying instead of exhausting the stack. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "paperboy/latex.h"

#define MAX_DEPTH 24

enum kind {
	K_SYM,          /* a symbol or word: its output */
	K_LETTER,       /* a letter used inside words (\o, \ss): eats the following space */
	K_IGNORE,       /* no output, no argument (\left, \displaystyle, \bf) */
	K_WRAP,         /* one argument, shown as it is (\textit, \mathbf, \emph) */
	K_DROP,         /* one argument, not shown (\label, \vspace) */
	K_BB,           /* \mathbb: double-struck letters where Unicode has them */
	K_FRAC,         /* two arguments: a/b */
	K_BINOM,        /* two arguments: (n choose k) */
	K_SQRT,         /* optional index, one argument: √x */
	K_HREF,         /* two arguments, shows the second */
	K_URL,          /* one argument, verbatim */
	K_ACCENT,       /* one argument, combining mark in out */
	K_SUP,          /* \textsuperscript */
	K_SUB,          /* \textsubscript */
};

struct macro {
	const char *name;
	enum kind kind;
	const char *out;
};

/* Sorted by strcmp for bsearch. */
static const struct macro macros[] = {
	{ "AA", K_LETTER, "Å" },
	{ "AE", K_LETTER, "Æ" },
	{ "BibTeX", K_SYM, "BibTeX" },
	{ "Big", K_IGNORE, "" },
	{ "Bigg", K_IGNORE, "" },
	{ "Biggl", K_IGNORE, "" },
	{ "Biggr", K_IGNORE, "" },
	{ "Bigl", K_IGNORE, "" },
	{ "Bigr", K_IGNORE, "" },
	{ "Box", K_SYM, "□" },
	{ "DH", K_LETTER, "Ð" },
	{ "DJ", K_LETTER, "Đ" },
	{ "Delta", K_SYM, "Δ" },
	{ "Downarrow", K_SYM, "⇓" },
	{ "Gamma", K_SYM, "Γ" },
	{ "H", K_ACCENT, "\u030b" },
	{ "Huge", K_IGNORE, "" },
	{ "Im", K_SYM, "ℑ" },
	{ "L", K_LETTER, "Ł" },
	{ "LARGE", K_IGNORE, "" },
	{ "LaTeX", K_SYM, "LaTeX" },
	{ "LaTeXe", K_SYM, "LaTeX2ε" },
	{ "Lambda", K_SYM, "Λ" },
	{ "Large", K_IGNORE, "" },
	{ "Leftarrow", K_SYM, "⇐" },
	{ "Leftrightarrow", K_SYM, "⇔" },
	{ "Longrightarrow", K_SYM, "⟹" },
	{ "NG", K_LETTER, "Ŋ" },
	{ "O", K_LETTER, "Ø" },
	{ "OE", K_LETTER, "Œ" },
	{ "Omega", K_SYM, "Ω" },
	{ "P", K_SYM, "¶" },
	{ "Phi", K_SYM, "Φ" },
	{ "Pi", K_SYM, "Π" },
	{ "Pr", K_SYM, "Pr" },
	{ "Psi", K_SYM, "Ψ" },
	{ "Re", K_SYM, "ℜ" },
	{ "Rightarrow", K_SYM, "⇒" },
	{ "S", K_SYM, "§" },
	{ "Sigma", K_SYM, "Σ" },
	{ "TH", K_LETTER, "Þ" },
	{ "TeX", K_SYM, "TeX" },
	{ "Theta", K_SYM, "Θ" },
	{ "Uparrow", K_SYM, "⇑" },
	{ "Upsilon", K_SYM, "Υ" },
	{ "Vert", K_SYM, "‖" },
	{ "Xi", K_SYM, "Ξ" },
	{ "aa", K_LETTER, "å" },
	{ "acute", K_ACCENT, "\u0301" },
	{ "ae", K_LETTER, "æ" },
	{ "aleph", K_SYM, "ℵ" },
	{ "alpha", K_SYM, "α" },
	{ "angle", K_SYM, "∠" },
	{ "approx", K_SYM, "≈" },
	{ "arccos", K_SYM, "arccos" },
	{ "arcsin", K_SYM, "arcsin" },
	{ "arctan", K_SYM, "arctan" },
	{ "arg", K_SYM, "arg" },
	{ "argmax", K_SYM, "argmax" },
	{ "argmin", K_SYM, "argmin" },
	{ "ast", K_SYM, "∗" },
	{ "asymp", K_SYM, "≍" },
	{ "b", K_ACCENT, "\u0331" },
	{ "backslash", K_SYM, "\\" },
	{ "bar", K_ACCENT, "\u0304" },
	{ "because", K_SYM, "∵" },
	{ "beta", K_SYM, "β" },
	{ "bf", K_IGNORE, "" },
	{ "bfseries", K_IGNORE, "" },
	{ "big", K_IGNORE, "" },
	{ "bigcap", K_SYM, "⋂" },
	{ "bigcup", K_SYM, "⋃" },
	{ "bigg", K_IGNORE, "" },
	{ "biggl", K_IGNORE, "" },
	{ "biggr", K_IGNORE, "" },
	{ "bigl", K_IGNORE, "" },
	{ "bigoplus", K_SYM, "⨁" },
	{ "bigotimes", K_SYM, "⨂" },
	{ "bigr", K_IGNORE, "" },
	{ "bigskip", K_IGNORE, "" },
	{ "binom", K_BINOM, "" },
	{ "blacksquare", K_SYM, "■" },
	{ "bm", K_WRAP, "" },
	{ "bmod", K_SYM, "mod" },
	{ "boldsymbol", K_WRAP, "" },
	{ "bot", K_SYM, "⊥" },
	{ "breve", K_ACCENT, "\u0306" },
	{ "bullet", K_SYM, "•" },
	{ "c", K_ACCENT, "\u0327" },
	{ "cal", K_IGNORE, "" },
	{ "cap", K_SYM, "∩" },
	{ "cdot", K_SYM, "·" },
	{ "cdots", K_SYM, "⋯" },
	{ "centering", K_IGNORE, "" },
	{ "cfrac", K_FRAC, "" },
	{ "check", K_ACCENT, "\u030c" },
	{ "checkmark", K_SYM, "✓" },
	{ "chi", K_SYM, "χ" },
	{ "circ", K_SYM, "∘" },
	{ "cite", K_WRAP, "" },
	{ "citep", K_WRAP, "" },
	{ "citet", K_WRAP, "" },
	{ "clubsuit", K_SYM, "♣" },
	{ "colon", K_SYM, ":" },
	{ "coloneqq", K_SYM, "≔" },
	{ "cong", K_SYM, "≅" },
	{ "coprod", K_SYM, "∐" },
	{ "copyright", K_SYM, "©" },
	{ "cos", K_SYM, "cos" },
	{ "cosh", K_SYM, "cosh" },
	{ "cot", K_SYM, "cot" },
	{ "csc", K_SYM, "csc" },
	{ "cup", K_SYM, "∪" },
	{ "d", K_ACCENT, "\u0323" },
	{ "dag", K_SYM, "†" },
	{ "dagger", K_SYM, "†" },
	{ "ddag", K_SYM, "‡" },
	{ "ddagger", K_SYM, "‡" },
	{ "ddot", K_ACCENT, "\u0308" },
	{ "ddots", K_SYM, "⋱" },
	{ "deg", K_SYM, "deg" },
	{ "degree", K_SYM, "°" },
	{ "delta", K_SYM, "δ" },
	{ "det", K_SYM, "det" },
	{ "dfrac", K_FRAC, "" },
	{ "dh", K_LETTER, "ð" },
	{ "diamond", K_SYM, "⋄" },
	{ "diamondsuit", K_SYM, "♢" },
	{ "dim", K_SYM, "dim" },
	{ "displaystyle", K_IGNORE, "" },
	{ "div", K_SYM, "÷" },
	{ "dj", K_LETTER, "đ" },
	{ "dot", K_ACCENT, "\u0307" },
	{ "doteq", K_SYM, "≐" },
	{ "dots", K_SYM, "…" },
	{ "dotsb", K_SYM, "⋯" },
	{ "dotsc", K_SYM, "…" },
	{ "downarrow", K_SYM, "↓" },
	{ "ell", K_SYM, "ℓ" },
	{ "em", K_IGNORE, "" },
	{ "emph", K_WRAP, "" },
	{ "emptyset", K_SYM, "∅" },
	{ "enspace", K_SYM, " " },
	{ "ensuremath", K_WRAP, "" },
	{ "epsilon", K_SYM, "ε" },
	{ "eqref", K_WRAP, "" },
	{ "equiv", K_SYM, "≡" },
	{ "eta", K_SYM, "η" },
	{ "euro", K_SYM, "€" },
	{ "exists", K_SYM, "∃" },
	{ "exp", K_SYM, "exp" },
	{ "fbox", K_WRAP, "" },
	{ "flat", K_SYM, "♭" },
	{ "footnote", K_WRAP, "" },
	{ "footnotesize", K_IGNORE, "" },
	{ "forall", K_SYM, "∀" },
	{ "frac", K_FRAC, "" },
	{ "gamma", K_SYM, "γ" },
	{ "gcd", K_SYM, "gcd" },
	{ "ge", K_SYM, "≥" },
	{ "geq", K_SYM, "≥" },
	{ "geqslant", K_SYM, "⩾" },
	{ "gets", K_SYM, "←" },
	{ "gg", K_SYM, "≫" },
	{ "grave", K_ACCENT, "\u0300" },
	{ "gt", K_SYM, ">" },
	{ "gtrsim", K_SYM, "≳" },
	{ "guillemotleft", K_SYM, "«" },
	{ "guillemotright", K_SYM, "»" },
	{ "hat", K_ACCENT, "\u0302" },
	{ "hbar", K_SYM, "ℏ" },
	{ "hbox", K_WRAP, "" },
	{ "heartsuit", K_SYM, "♡" },
	{ "hfil", K_IGNORE, "" },
	{ "hfill", K_IGNORE, "" },
	{ "hookrightarrow", K_SYM, "↪" },
	{ "hphantom", K_DROP, "" },
	{ "href", K_HREF, "" },
	{ "hspace", K_DROP, "" },
	{ "huge", K_IGNORE, "" },
	{ "i", K_LETTER, "ı" },
	{ "iff", K_SYM, "⟺" },
	{ "iint", K_SYM, "∬" },
	{ "implies", K_SYM, "⟹" },
	{ "in", K_SYM, "∈" },
	{ "index", K_DROP, "" },
	{ "inf", K_SYM, "inf" },
	{ "infty", K_SYM, "∞" },
	{ "int", K_SYM, "∫" },
	{ "iota", K_SYM, "ι" },
	{ "it", K_IGNORE, "" },
	{ "itshape", K_IGNORE, "" },
	{ "j", K_LETTER, "ȷ" },
	{ "k", K_ACCENT, "\u0328" },
	{ "kappa", K_SYM, "κ" },
	{ "ker", K_SYM, "ker" },
	{ "l", K_LETTER, "ł" },
	{ "lVert", K_SYM, "‖" },
	{ "label", K_DROP, "" },
	{ "lambda", K_SYM, "λ" },
	{ "land", K_SYM, "∧" },
	{ "langle", K_SYM, "⟨" },
	{ "large", K_IGNORE, "" },
	{ "lbrace", K_SYM, "{" },
	{ "lbrack", K_SYM, "[" },
	{ "lceil", K_SYM, "⌈" },
	{ "ldots", K_SYM, "…" },
	{ "le", K_SYM, "≤" },
	{ "left", K_IGNORE, "" },
	{ "leftarrow", K_SYM, "←" },
	{ "leftrightarrow", K_SYM, "↔" },
	{ "leq", K_SYM, "≤" },
	{ "leqslant", K_SYM, "⩽" },
	{ "lesssim", K_SYM, "≲" },
	{ "lfloor", K_SYM, "⌊" },
	{ "lg", K_SYM, "lg" },
	{ "lim", K_SYM, "lim" },
	{ "liminf", K_SYM, "lim inf" },
	{ "limits", K_IGNORE, "" },
	{ "limsup", K_SYM, "lim sup" },
	{ "linebreak", K_SYM, " " },
	{ "ll", K_SYM, "≪" },
	{ "ln", K_SYM, "ln" },
	{ "lnot", K_SYM, "¬" },
	{ "log", K_SYM, "log" },
	{ "longleftarrow", K_SYM, "⟵" },
	{ "longrightarrow", K_SYM, "⟶" },
	{ "lor", K_SYM, "∨" },
	{ "lozenge", K_SYM, "◊" },
	{ "lt", K_SYM, "<" },
	{ "lvert", K_SYM, "|" },
	{ "makebox", K_WRAP, "" },
	{ "mapsto", K_SYM, "↦" },
	{ "mathbb", K_BB, "" },
	{ "mathbf", K_WRAP, "" },
	{ "mathbin", K_WRAP, "" },
	{ "mathcal", K_WRAP, "" },
	{ "mathds", K_BB, "" },
	{ "mathfrak", K_WRAP, "" },
	{ "mathit", K_WRAP, "" },
	{ "mathnormal", K_WRAP, "" },
	{ "mathop", K_WRAP, "" },
	{ "mathord", K_WRAP, "" },
	{ "mathrel", K_WRAP, "" },
	{ "mathring", K_ACCENT, "\u030a" },
	{ "mathrm", K_WRAP, "" },
	{ "mathscr", K_WRAP, "" },
	{ "mathsf", K_WRAP, "" },
	{ "mathtt", K_WRAP, "" },
	{ "max", K_SYM, "max" },
	{ "mbox", K_WRAP, "" },
	{ "mdseries", K_IGNORE, "" },
	{ "medskip", K_IGNORE, "" },
	{ "mid", K_SYM, "∣" },
	{ "middle", K_IGNORE, "" },
	{ "min", K_SYM, "min" },
	{ "mit", K_IGNORE, "" },
	{ "mod", K_SYM, "mod" },
	{ "models", K_SYM, "⊨" },
	{ "mp", K_SYM, "∓" },
	{ "mu", K_SYM, "μ" },
	{ "nabla", K_SYM, "∇" },
	{ "natural", K_SYM, "♮" },
	{ "ne", K_SYM, "≠" },
	{ "nearrow", K_SYM, "↗" },
	{ "neg", K_SYM, "¬" },
	{ "neq", K_SYM, "≠" },
	{ "newline", K_SYM, " " },
	{ "nexists", K_SYM, "∄" },
	{ "ng", K_LETTER, "ŋ" },
	{ "ni", K_SYM, "∋" },
	{ "nmid", K_SYM, "∤" },
	{ "nobreakspace", K_SYM, "\u00a0" },
	{ "nocite", K_DROP, "" },
	{ "noindent", K_IGNORE, "" },
	{ "nolimits", K_IGNORE, "" },
	{ "nonumber", K_IGNORE, "" },
	{ "normalfont", K_IGNORE, "" },
	{ "normalsize", K_IGNORE, "" },
	{ "notag", K_IGNORE, "" },
	{ "notin", K_SYM, "∉" },
	{ "nu", K_SYM, "ν" },
	{ "o", K_LETTER, "ø" },
	{ "odot", K_SYM, "⊙" },
	{ "oe", K_LETTER, "œ" },
	{ "oint", K_SYM, "∮" },
	{ "omega", K_SYM, "ω" },
	{ "omicron", K_SYM, "ο" },
	{ "operatorname", K_WRAP, "" },
	{ "oplus", K_SYM, "⊕" },
	{ "otimes", K_SYM, "⊗" },
	{ "overbrace", K_WRAP, "" },
	{ "overline", K_ACCENT, "\u0305" },
	{ "overrightarrow", K_ACCENT, "\u20d7" },
	{ "par", K_SYM, " " },
	{ "parallel", K_SYM, "∥" },
	{ "partial", K_SYM, "∂" },
	{ "perp", K_SYM, "⊥" },
	{ "phantom", K_DROP, "" },
	{ "phi", K_SYM, "φ" },
	{ "pi", K_SYM, "π" },
	{ "pm", K_SYM, "±" },
	{ "pmb", K_WRAP, "" },
	{ "pounds", K_SYM, "£" },
	{ "prec", K_SYM, "≺" },
	{ "preceq", K_SYM, "⪯" },
	{ "prime", K_SYM, "′" },
	{ "prod", K_SYM, "∏" },
	{ "propto", K_SYM, "∝" },
	{ "protect", K_IGNORE, "" },
	{ "psi", K_SYM, "ψ" },
	{ "qquad", K_SYM, " " },
	{ "quad", K_SYM, " " },
	{ "r", K_ACCENT, "\u030a" },
	{ "rVert", K_SYM, "‖" },
	{ "rangle", K_SYM, "⟩" },
	{ "rbrace", K_SYM, "}" },
	{ "rbrack", K_SYM, "]" },
	{ "rceil", K_SYM, "⌉" },
	{ "ref", K_WRAP, "" },
	{ "relax", K_IGNORE, "" },
	{ "rfloor", K_SYM, "⌋" },
	{ "rho", K_SYM, "ρ" },
	{ "right", K_IGNORE, "" },
	{ "rightarrow", K_SYM, "→" },
	{ "rightleftharpoons", K_SYM, "⇌" },
	{ "rm", K_IGNORE, "" },
	{ "rmfamily", K_IGNORE, "" },
	{ "rvert", K_SYM, "|" },
	{ "sc", K_IGNORE, "" },
	{ "scriptscriptstyle", K_IGNORE, "" },
	{ "scriptsize", K_IGNORE, "" },
	{ "scriptstyle", K_IGNORE, "" },
	{ "scshape", K_IGNORE, "" },
	{ "searrow", K_SYM, "↘" },
	{ "sec", K_SYM, "sec" },
	{ "setminus", K_SYM, "∖" },
	{ "sf", K_IGNORE, "" },
	{ "sffamily", K_IGNORE, "" },
	{ "sharp", K_SYM, "♯" },
	{ "sigma", K_SYM, "σ" },
	{ "sim", K_SYM, "∼" },
	{ "simeq", K_SYM, "≃" },
	{ "sin", K_SYM, "sin" },
	{ "sinh", K_SYM, "sinh" },
	{ "sl", K_IGNORE, "" },
	{ "small", K_IGNORE, "" },
	{ "smallskip", K_IGNORE, "" },
	{ "space", K_SYM, " " },
	{ "spadesuit", K_SYM, "♠" },
	{ "sqrt", K_SQRT, "" },
	{ "square", K_SYM, "□" },
	{ "ss", K_LETTER, "ß" },
	{ "star", K_SYM, "⋆" },
	{ "subset", K_SYM, "⊂" },
	{ "subseteq", K_SYM, "⊆" },
	{ "succ", K_SYM, "≻" },
	{ "succeq", K_SYM, "⪰" },
	{ "sum", K_SYM, "∑" },
	{ "sup", K_SYM, "sup" },
	{ "supset", K_SYM, "⊃" },
	{ "supseteq", K_SYM, "⊇" },
	{ "surd", K_SYM, "√" },
	{ "t", K_ACCENT, "\u0361" },
	{ "tan", K_SYM, "tan" },
	{ "tanh", K_SYM, "tanh" },
	{ "tau", K_SYM, "τ" },
	{ "text", K_WRAP, "" },
	{ "textasciicircum", K_SYM, "^" },
	{ "textasciitilde", K_SYM, "~" },
	{ "textbackslash", K_SYM, "\\" },
	{ "textbar", K_SYM, "|" },
	{ "textbf", K_WRAP, "" },
	{ "textbullet", K_SYM, "•" },
	{ "textcopyright", K_SYM, "©" },
	{ "textdegree", K_SYM, "°" },
	{ "textellipsis", K_SYM, "…" },
	{ "textemdash", K_SYM, "—" },
	{ "textendash", K_SYM, "–" },
	{ "texteuro", K_SYM, "€" },
	{ "textgreater", K_SYM, ">" },
	{ "textit", K_WRAP, "" },
	{ "textless", K_SYM, "<" },
	{ "textmd", K_WRAP, "" },
	{ "textmu", K_SYM, "µ" },
	{ "textnormal", K_WRAP, "" },
	{ "textparagraph", K_SYM, "¶" },
	{ "textperiodcentered", K_SYM, "·" },
	{ "textquotedblleft", K_SYM, "“" },
	{ "textquotedblright", K_SYM, "”" },
	{ "textquoteleft", K_SYM, "‘" },
	{ "textquoteright", K_SYM, "’" },
	{ "textregistered", K_SYM, "®" },
	{ "textrm", K_WRAP, "" },
	{ "textsc", K_WRAP, "" },
	{ "textsection", K_SYM, "§" },
	{ "textsf", K_WRAP, "" },
	{ "textsl", K_WRAP, "" },
	{ "textsterling", K_SYM, "£" },
	{ "textstyle", K_IGNORE, "" },
	{ "textsubscript", K_SUB, "" },
	{ "textsuperscript", K_SUP, "" },
	{ "texttrademark", K_SYM, "™" },
	{ "texttt", K_WRAP, "" },
	{ "textunderscore", K_SYM, "_" },
	{ "textup", K_WRAP, "" },
	{ "textyen", K_SYM, "¥" },
	{ "tfrac", K_FRAC, "" },
	{ "th", K_LETTER, "þ" },
	{ "thanks", K_WRAP, "" },
	{ "therefore", K_SYM, "∴" },
	{ "theta", K_SYM, "θ" },
	{ "thinspace", K_SYM, "\u2009" },
	{ "tilde", K_ACCENT, "\u0303" },
	{ "times", K_SYM, "×" },
	{ "tiny", K_IGNORE, "" },
	{ "to", K_SYM, "→" },
	{ "top", K_SYM, "⊤" },
	{ "triangle", K_SYM, "△" },
	{ "triangleq", K_SYM, "≜" },
	{ "tt", K_IGNORE, "" },
	{ "ttfamily", K_IGNORE, "" },
	{ "u", K_ACCENT, "\u0306" },
	{ "uline", K_WRAP, "" },
	{ "underbrace", K_WRAP, "" },
	{ "underline", K_WRAP, "" },
	{ "up", K_IGNORE, "" },
	{ "uparrow", K_SYM, "↑" },
	{ "updownarrow", K_SYM, "↕" },
	{ "upshape", K_IGNORE, "" },
	{ "upsilon", K_SYM, "υ" },
	{ "url", K_URL, "" },
	{ "v", K_ACCENT, "\u030c" },
	{ "varepsilon", K_SYM, "ε" },
	{ "varnothing", K_SYM, "∅" },
	{ "varphi", K_SYM, "φ" },
	{ "varpi", K_SYM, "ϖ" },
	{ "varrho", K_SYM, "ϱ" },
	{ "varsigma", K_SYM, "ς" },
	{ "vartheta", K_SYM, "ϑ" },
	{ "vdash", K_SYM, "⊢" },
	{ "vdots", K_SYM, "⋮" },
	{ "vec", K_ACCENT, "\u20d7" },
	{ "vee", K_SYM, "∨" },
	{ "vert", K_SYM, "|" },
	{ "vfill", K_IGNORE, "" },
	{ "vphantom", K_DROP, "" },
	{ "vspace", K_DROP, "" },
	{ "wedge", K_SYM, "∧" },
	{ "widehat", K_ACCENT, "\u0302" },
	{ "widetilde", K_ACCENT, "\u0303" },
	{ "wp", K_SYM, "℘" },
	{ "xi", K_SYM, "ξ" },
	{ "xspace", K_IGNORE, "" },
	{ "yen", K_SYM, "¥" },
	{ "zeta", K_SYM, "ζ" },
};

struct pair {
	int32_t from;
	const char *to;
};

/* Sorted by code point for bsearch. */
static const struct pair sup_map[] = {
	{ '(', "⁽" }, { ')', "⁾" }, { '*', "*" }, { '+', "⁺" }, { '-', "⁻" },
	{ '0', "⁰" }, { '1', "¹" }, { '2', "²" }, { '3', "³" }, { '4', "⁴" },
	{ '5', "⁵" }, { '6', "⁶" }, { '7', "⁷" }, { '8', "⁸" }, { '9', "⁹" },
	{ '=', "⁼" }, { 'A', "ᴬ" }, { 'B', "ᴮ" }, { 'D', "ᴰ" }, { 'E', "ᴱ" },
	{ 'G', "ᴳ" }, { 'H', "ᴴ" }, { 'I', "ᴵ" }, { 'J', "ᴶ" }, { 'K', "ᴷ" },
	{ 'L', "ᴸ" }, { 'M', "ᴹ" }, { 'N', "ᴺ" }, { 'O', "ᴼ" }, { 'P', "ᴾ" },
	{ 'R', "ᴿ" }, { 'T', "ᵀ" }, { 'U', "ᵁ" }, { 'V', "ⱽ" }, { 'W', "ᵂ" },
	{ 'a', "ᵃ" }, { 'b', "ᵇ" }, { 'c', "ᶜ" }, { 'd', "ᵈ" }, { 'e', "ᵉ" },
	{ 'f', "ᶠ" }, { 'g', "ᵍ" }, { 'h', "ʰ" }, { 'i', "ⁱ" }, { 'j', "ʲ" },
	{ 'k', "ᵏ" }, { 'l', "ˡ" }, { 'm', "ᵐ" }, { 'n', "ⁿ" }, { 'o', "ᵒ" },
	{ 'p', "ᵖ" }, { 'r', "ʳ" }, { 's', "ˢ" }, { 't', "ᵗ" }, { 'u', "ᵘ" },
	{ 'v', "ᵛ" }, { 'w', "ʷ" }, { 'x', "ˣ" }, { 'y', "ʸ" }, { 'z', "ᶻ" },
	{ 0x03b1, "ᵅ" }, { 0x03b2, "ᵝ" }, { 0x03b3, "ᵞ" }, { 0x03b4, "ᵟ" },
	{ 0x03b8, "ᶿ" }, { 0x03c6, "ᵠ" }, { 0x03c7, "ᵡ" }, { 0x2020, "†" },
	{ 0x2032, "′" }, { 0x2212, "⁻" }, { 0x2217, "*" }, { 0x2218, "°" },
	{ 0x22a4, "ᵀ" },
};

static const struct pair sub_map[] = {
	{ '(', "₍" }, { ')', "₎" }, { '+', "₊" }, { '-', "₋" },
	{ '0', "₀" }, { '1', "₁" }, { '2', "₂" }, { '3', "₃" }, { '4', "₄" },
	{ '5', "₅" }, { '6', "₆" }, { '7', "₇" }, { '8', "₈" }, { '9', "₉" },
	{ '=', "₌" }, { 'a', "ₐ" }, { 'e', "ₑ" }, { 'h', "ₕ" }, { 'i', "ᵢ" },
	{ 'j', "ⱼ" }, { 'k', "ₖ" }, { 'l', "ₗ" }, { 'm', "ₘ" }, { 'n', "ₙ" },
	{ 'o', "ₒ" }, { 'p', "ₚ" }, { 'r', "ᵣ" }, { 's', "ₛ" }, { 't', "ₜ" },
	{ 'u', "ᵤ" }, { 'v', "ᵥ" }, { 'x', "ₓ" },
	{ 0x03b2, "ᵦ" }, { 0x03b3, "ᵧ" }, { 0x03c1, "ᵨ" }, { 0x03c6, "ᵩ" },
	{ 0x03c7, "ᵪ" }, { 0x2212, "₋" },
};

static const struct pair bb_map[] = {
	{ '1', "𝟙" }, { 'C', "ℂ" }, { 'E', "𝔼" }, { 'H', "ℍ" }, { 'N', "ℕ" },
	{ 'P', "ℙ" }, { 'Q', "ℚ" }, { 'R', "ℝ" }, { 'Z', "ℤ" },
};

struct lx {
	int flags;
	const char *nc_from[2], *nc_end[2];     /* failed searches for \) and \] */
	struct pb_buf tmp[MAX_DEPTH + 2];
};

static void conv(struct lx *x, struct pb_buf *out, const char *s, size_t n, int math,
		 int depth);

static int
cmp_macro(const void *k, const void *e)
{
	return strcmp(k, ((const struct macro *)e)->name);
}

static int
cmp_pair(const void *k, const void *e)
{
	int32_t a = *(const int32_t *)k, b = ((const struct pair *)e)->from;

	return a < b ? -1 : a > b;
}

static const char *
map_cp(const struct pair *t, size_t n, int32_t cp)
{
	const struct pair *p = bsearch(&cp, t, n, sizeof *t, cmp_pair);

	return p ? p->to : NULL;
}

/* Decodes one code point at s (n > 0); returns its length, cp = -1 for an invalid byte. */
static size_t
next_cp(const char *s, size_t n, int32_t *cp)
{
	utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s,
					      (utf8proc_ssize_t)n, cp);

	if (r <= 0) {
		*cp = -1;
		return 1;
	}
	return (size_t)r;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t
skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && is_space(s[i]))
		i++;
	return i;
}

/* Index of the '}' closing the '{' at s[i], or n when it is never closed. */
static size_t
group_end(const char *s, size_t n, size_t i)
{
	int d = 0;

	for (; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '{')
			d++;
		else if (s[i] == '}' && --d == 0)
			return i;
	}
	return n;
}

/* One macro argument at s[*i]: a {group}, a control sequence or one code point. Sets the
 * argument's span and advances *i past it; an absent argument is empty. */
static void
get_arg(const char *s, size_t n, size_t *i, size_t *as, size_t *an)
{
	size_t j = skip_ws(s, n, *i), k;
	int32_t cp;

	*as = j;
	*an = 0;
	if (j >= n || s[j] == '}' || s[j] == '$') {
		*i = j;
		return;
	}
	if (s[j] == '{') {
		k = group_end(s, n, j);
		*as = j + 1;
		*an = k - j - 1;
		*i = k < n ? k + 1 : n;
		return;
	}
	k = j + 1;
	if (s[j] == '\\' && k < n) {
		if (is_alpha(s[k]))
			while (k < n && is_alpha(s[k]))
				k++;
		else
			k += next_cp(s + k, n - k, &cp);
	} else if (s[j] != '\\') {
		k = j + next_cp(s + j, n - j, &cp);
	}
	*an = k - j;
	*i = k;
}

/* Skips an optional [..] argument right after a macro (bounded, on one line). */
static size_t
skip_opt(const char *s, size_t n, size_t i, size_t *os, size_t *on)
{
	size_t j;

	*os = i;
	*on = 0;
	if (i >= n || s[i] != '[')
		return i;
	for (j = i + 1; j < n && j < i + 256 && s[j] != '\n'; j++) {
		if (s[j] == ']') {
			*os = i + 1;
			*on = j - i - 1;
			return j + 1;
		}
	}
	return i;
}

/* Converts an argument into the scratch buffer of this depth (which the caller then reads
 * before the next use of the same depth). */
static struct pb_buf *
arg_to_tmp(struct lx *x, const char *s, size_t n, int math, int depth)
{
	struct pb_buf *t = &x->tmp[depth];

	pb_buf_reset(t);
	conv(x, t, s, n, math, depth + 1);
	return t;
}

static void
conv_arg(struct lx *x, struct pb_buf *out, const char *s, size_t n, int math, int depth)
{
	conv(x, out, s, n, math, depth + 1);
}

/* x^{..} and x_{..}: Unicode super/subscripts when every character has one, else ^(..). */
static void
script(struct lx *x, struct pb_buf *out, const char *s, size_t n, int sup, int depth)
{
	const struct pair *t = sup ? sup_map : sub_map;
	size_t tn = sup ? sizeof sup_map / sizeof sup_map[0] : sizeof sub_map / sizeof sub_map[0];
	struct pb_buf *a = arg_to_tmp(x, s, n, 1, depth);
	size_t i, cps = 0;
	int32_t cp;
	int ok = 1;

	for (i = 0; i < a->len;) {
		i += next_cp(a->data + i, a->len - i, &cp);
		if (cp == ' ')
			continue;
		cps++;
		if (!map_cp(t, tn, cp))
			ok = 0;
	}
	if (cps == 0)
		return;
	if (ok) {
		for (i = 0; i < a->len;) {
			i += next_cp(a->data + i, a->len - i, &cp);
			if (cp != ' ')
				pb_buf_puts(out, map_cp(t, tn, cp));
		}
		return;
	}
	pb_buf_putc(out, sup ? '^' : '_');
	if (cps > 1)
		pb_buf_putc(out, '(');
	pb_buf_append(out, a->data, a->len);
	if (cps > 1)
		pb_buf_putc(out, ')');
}

/* A combining mark on the first character of the argument, composed to NFC. */
static void
accent(struct lx *x, struct pb_buf *out, const char *s, size_t n, const char *mark,
       int math, int depth)
{
	struct pb_buf *a = arg_to_tmp(x, s, n, math, depth);
	char small[32];
	size_t first, ml = strlen(mark);
	int32_t cp;
	utf8proc_uint8_t *nfc;

	if (a->len == 0)
		return;
	first = next_cp(a->data, a->len, &cp);
	if (cp == 0x131 || cp == 0x237) {
		/* a dotless i or j from \i, \j takes the accent as i or j */
		small[0] = cp == 0x131 ? 'i' : 'j';
		memcpy(small + 1, mark, ml + 1);
	} else if (first + ml < sizeof small) {
		memcpy(small, a->data, first);
		memcpy(small + first, mark, ml + 1);
	} else {
		pb_buf_append(out, a->data, a->len);
		return;
	}
	nfc = cp < 0 ? NULL : utf8proc_NFC((const utf8proc_uint8_t *)small);
	pb_buf_puts(out, nfc ? (const char *)nfc : small);
	free(nfc);
	pb_buf_append(out, a->data + first, a->len - first);
}

/* Whether a fraction part needs parentheses: anything but letters, digits and dots. */
static int
needs_parens(const struct pb_buf *b)
{
	size_t i, cps = 0;
	int32_t cp;
	int plain = 1;

	for (i = 0; i < b->len;) {
		i += next_cp(b->data + i, b->len - i, &cp);
		cps++;
		if (!((cp < 128 && (isalnum(cp) || cp == '.')) || (cp >= 0x370 && cp < 0x400)))
			plain = 0;
	}
	return cps > 1 && !plain;
}

static void
put_part(struct pb_buf *out, const struct pb_buf *b)
{
	int p = needs_parens(b);

	if (p)
		pb_buf_putc(out, '(');
	pb_buf_append(out, b->data, b->len);
	if (p)
		pb_buf_putc(out, ')');
}

static void
frac(struct lx *x, struct pb_buf *out, const char *num, size_t nn, const char *den, size_t dn,
     int math, int depth)
{
	static const char *const vulgar[][2] = {
		{ "1/2", "½" }, { "1/3", "⅓" }, { "2/3", "⅔" }, { "1/4", "¼" }, { "3/4", "¾" },
		{ "1/5", "⅕" }, { "1/6", "⅙" }, { "1/8", "⅛" },
	};
	struct pb_buf *a = arg_to_tmp(x, num, nn, math, depth);
	struct pb_buf *b = &x->tmp[depth + 1];
	size_t mark = out->len;

	put_part(out, a);
	pb_buf_putc(out, '/');
	/* the denominator goes through the next depth's scratch, free at this point */
	pb_buf_reset(b);
	if (depth + 1 < MAX_DEPTH)
		conv(x, b, den, dn, math, depth + 2);
	else
		pb_buf_append(b, den, dn);
	put_part(out, b);
	for (size_t v = 0; v < sizeof vulgar / sizeof vulgar[0]; v++) {
		if (out->len - mark == strlen(vulgar[v][0]) &&
		    memcmp(out->data + mark, vulgar[v][0], out->len - mark) == 0) {
			pb_buf_truncate(out, mark);
			pb_buf_puts(out, vulgar[v][1]);
			break;
		}
	}
}

static int
ends_space(const struct pb_buf *b)
{
	return b->len == 0 || b->data[b->len - 1] == ' ';
}

/* "{}" right after a macro is TeX's way to keep the following space: drop it. */
static size_t
skip_empty_group(const char *s, size_t n, size_t i)
{
	return i + 1 < n && s[i] == '{' && s[i + 1] == '}' ? i + 2 : i;
}

static size_t
control_word(struct lx *x, struct pb_buf *out, const char *s, size_t n, size_t i, int math,
	     int depth)
{
	char name[32];
	size_t j = i, as, an, bs, bn, os, on;
	const struct macro *m;

	while (j < n && is_alpha(s[j]))
		j++;
	if (j - i >= sizeof name) {
		m = NULL;
	} else {
		memcpy(name, s + i, j - i);
		name[j - i] = '\0';
		m = bsearch(name, macros, sizeof macros / sizeof macros[0], sizeof macros[0],
			    cmp_macro);
	}
	if (!m) {
		/* unknown: show the argument, or nothing */
		j = skip_opt(s, n, j, &os, &on);
		if (skip_ws(s, n, j) < n && s[skip_ws(s, n, j)] == '{') {
			get_arg(s, n, &j, &as, &an);
			conv_arg(x, out, s + as, an, math, depth);
		} else if (!math && ends_space(out)) {
			j = skip_ws(s, n, j);
		}
		return j;
	}
	switch (m->kind) {
	case K_SYM:
		pb_buf_puts(out, m->out);
		if (!math)
			j = skip_empty_group(s, n, j);
		break;
	case K_LETTER:
		pb_buf_puts(out, m->out);
		if (!math && skip_empty_group(s, n, j) == j)
			j = skip_ws(s, n, j);
		else if (!math)
			j = skip_empty_group(s, n, j);
		break;
	case K_IGNORE:
		if (!math)
			j = skip_ws(s, n, j);
		break;
	case K_WRAP:
		j = skip_opt(s, n, j, &os, &on);
		get_arg(s, n, &j, &as, &an);
		conv_arg(x, out, s + as, an,
			 strncmp(name, "text", 4) == 0 || strstr(name, "box") ? 0 : math, depth);
		break;
	case K_DROP:
		j = skip_opt(s, n, j, &os, &on);
		get_arg(s, n, &j, &as, &an);
		break;
	case K_BB: {
		struct pb_buf *a;
		int32_t cp;
		const char *t;

		get_arg(s, n, &j, &as, &an);
		a = arg_to_tmp(x, s + as, an, math, depth);
		for (size_t k = 0; k < a->len;) {
			size_t l = next_cp(a->data + k, a->len - k, &cp);

			t = map_cp(bb_map, sizeof bb_map / sizeof bb_map[0], cp);
			if (t)
				pb_buf_puts(out, t);
			else
				pb_buf_append(out, a->data + k, l);
			k += l;
		}
		break;
	}
	case K_FRAC:
		get_arg(s, n, &j, &as, &an);
		get_arg(s, n, &j, &bs, &bn);
		frac(x, out, s + as, an, s + bs, bn, math, depth);
		break;
	case K_BINOM:
		get_arg(s, n, &j, &as, &an);
		get_arg(s, n, &j, &bs, &bn);
		pb_buf_putc(out, '(');
		conv_arg(x, out, s + as, an, math, depth);
		pb_buf_puts(out, " choose ");
		conv_arg(x, out, s + bs, bn, math, depth);
		pb_buf_putc(out, ')');
		break;
	case K_SQRT: {
		struct pb_buf *a;

		j = skip_opt(s, n, skip_ws(s, n, j), &os, &on);
		get_arg(s, n, &j, &as, &an);
		a = arg_to_tmp(x, s + as, an, math, depth);
		if (on == 1 && s[os] == '3')
			pb_buf_puts(out, "∛");
		else if (on == 1 && s[os] == '4')
			pb_buf_puts(out, "∜");
		else
			pb_buf_puts(out, "√");
		put_part(out, a);
		break;
	}
	case K_HREF:
		get_arg(s, n, &j, &as, &an);
		get_arg(s, n, &j, &bs, &bn);
		conv_arg(x, out, s + bs, bn, 0, depth);
		break;
	case K_URL:
		get_arg(s, n, &j, &as, &an);
		pb_buf_append(out, s + as, an);
		break;
	case K_ACCENT:
		get_arg(s, n, &j, &as, &an);
		accent(x, out, s + as, an, m->out, math, depth);
		break;
	case K_SUP:
	case K_SUB:
		get_arg(s, n, &j, &as, &an);
		script(x, out, s + as, an, m->kind == K_SUP, depth);
		break;
	}
	return j;
}

/* A backslash at s[i]: returns the index after what it consumed. */
static size_t
backslash(struct lx *x, struct pb_buf *out, const char *s, size_t n, size_t i, int math,
	  int depth)
{
	size_t j = i + 1, as, an;
	const char *mark = NULL;
	int32_t cp;

	if (j >= n)
		return n;
	if (is_alpha(s[j]))
		return control_word(x, out, s, n, j, math, depth);
	switch (s[j]) {
	case '\'': mark = "\u0301"; break;
	case '`': mark = "\u0300"; break;
	case '^': mark = "\u0302"; break;
	case '"': mark = "\u0308"; break;
	case '~': mark = "\u0303"; break;
	case '=': mark = "\u0304"; break;
	case '.': mark = "\u0307"; break;
	case '&': case '%': case '$': case '#': case '_': case '{': case '}':
		pb_buf_putc(out, s[j]);
		return j + 1;
	case ' ': case '\n': case '\t': case ';': case ':': case '>':
		pb_buf_putc(out, ' ');
		return j + 1;
	case ',':
		pb_buf_puts(out, "\u2009");
		return j + 1;
	case '!': case '-': case '/': case '@':
		return j + 1;
	case '\\':
		if (!ends_space(out))
			pb_buf_putc(out, ' ');
		return j + 1;
	case '|':
		pb_buf_puts(out, math ? "‖" : "|");
		return j + 1;
	case '(':
	case '[': {
		/* \( .. \) and \[ .. \] are math too */
		char close = s[j] == '(' ? ')' : ']';
		int w = close == ']';

		/* a search that found no closer up to the same end fails again from later on */
		if (x->nc_end[w] == s + n && x->nc_from[w] <= s + j)
			goto literal;
		for (size_t k = j + 1; k + 1 < n; k++) {
			if (s[k] != '\\')
				continue;
			if (s[k + 1] == close) {
				conv(x, out, s + j + 1, k - j - 1, 1, depth + 1);
				return k + 2;
			}
			k++;
		}
		x->nc_end[w] = s + n;
		x->nc_from[w] = s + j;
literal:
		pb_buf_putc(out, s[j]);
		return j + 1;
	}
	default:
		pb_buf_append(out, s + j, next_cp(s + j, n - j, &cp));
		return j + next_cp(s + j, n - j, &cp);
	}
	j++;
	get_arg(s, n, &j, &as, &an);
	accent(x, out, s + as, an, mark, math, depth);
	return j;
}

/* The closing dollar for an opening one at s[i] (single), or n when none qualifies. */
static size_t
closing_dollar(const char *s, size_t n, size_t i, int prose)
{
	size_t j;

	if (prose && (i + 1 >= n || is_space(s[i + 1])))
		return n;
	for (j = i + 1; j < n; j++) {
		if (s[j] == '\\') {
			j++;
			continue;
		}
		if (s[j] != '$')
			continue;
		if (!prose)
			return j;
		/* prose: only the next dollar may close, so "$5 and $10" stays text, and what
		 * it encloses must look like TeX: a macro, a script, a group or a letter */
		if (is_space(s[j - 1]))
			return n;
		for (size_t k = i + 1; k < j; k++)
			if (s[k] == '\\' || s[k] == '^' || s[k] == '_' || s[k] == '{')
				return j;
		return j == i + 2 && is_alpha(s[i + 1]) ? j : n;
	}
	return n;
}

static size_t
closing_ddollar(const char *s, size_t n, size_t i)
{
	for (size_t j = i; j + 1 < n; j++) {
		if (s[j] == '\\')
			j++;
		else if (s[j] == '$' && s[j + 1] == '$')
			return j;
	}
	return n;
}

/* Bytes that can start something to convert, per mode. */
static int
special(char c, int math, int text)
{
	switch (c) {
	case '\\': case '{': case '}': case '$':
		return 1;
	case '^': case '_': case '\'':
		return math || (text && c == '\'');
	case '~': case '-': case '`':
		return text && !math;
	default:
		return 0;
	}
}

static void
conv(struct lx *x, struct pb_buf *out, const char *s, size_t n, int math, int depth)
{
	int text = !(x->flags & PB_LATEX_PROSE);
	int no_close = 0;       /* a search for a closing $ failed: later ones would too */
	size_t i = 0, k, as, an;

	if (depth >= MAX_DEPTH) {
		/* too deep to read as TeX: the text without its braces */
		for (i = 0; i < n; i = k) {
			for (k = i; k < n && s[k] != '{' && s[k] != '}'; k++)
				;
			pb_buf_append(out, s + i, k - i);
			if (k < n)
				k++;
		}
		return;
	}
	while (i < n) {
		char c = s[i];

		if (!special(c, math, text)) {
			k = i + 1;
			while (k < n && !special(s[k], math, text))
				k++;
			pb_buf_append(out, s + i, k - i);
			i = k;
			continue;
		}
		switch (c) {
		case '\\':
			i = backslash(x, out, s, n, i, math, depth);
			break;
		case '{':
			k = group_end(s, n, i);
			conv(x, out, s + i + 1, (k < n ? k : n) - i - 1, math, depth + 1);
			i = k < n ? k + 1 : n;
			break;
		case '}':
			i++;
			break;
		case '$':
			if (math) {
				i++;
				break;
			}
			if (i + 1 < n && s[i + 1] == '$') {
				k = no_close ? n : closing_ddollar(s, n, i + 2);
				if (k < n) {
					conv(x, out, s + i + 2, k - i - 2, 1, depth + 1);
					i = k + 2;
				} else {
					no_close = 1;
					pb_buf_puts(out, "$$");
					i += 2;
				}
				break;
			}
			k = no_close ? n : closing_dollar(s, n, i, !text);
			if (k < n) {
				conv(x, out, s + i + 1, k - i - 1, 1, depth + 1);
				i = k + 1;
			} else {
				if (text)
					no_close = 1;
				pb_buf_putc(out, '$');
				i++;
			}
			break;
		case '^':
		case '_':
			i++;
			get_arg(s, n, &i, &as, &an);
			script(x, out, s + as, an, c == '^', depth);
			break;
		case '\'':
			if (math) {
				for (k = i; k < n && s[k] == '\''; k++)
					;
				pb_buf_puts(out, k - i == 1 ? "′" : k - i == 2 ? "″" : "‴");
				i = k;
			} else if (i + 1 < n && s[i + 1] == '\'') {
				pb_buf_puts(out, "”");
				i += 2;
			} else {
				pb_buf_putc(out, '\'');
				i++;
			}
			break;
		case '`':
			if (i + 1 < n && s[i + 1] == '`') {
				pb_buf_puts(out, "“");
				i += 2;
			} else {
				pb_buf_putc(out, '`');
				i++;
			}
			break;
		case '~':
			pb_buf_puts(out, "\u00a0");
			i++;
			break;
		case '-':
			for (k = i; k < n && k < i + 3 && s[k] == '-'; k++)
				;
			pb_buf_puts(out, k - i == 3 ? "—" : k - i == 2 ? "–" : "-");
			i = k;
			break;
		}
	}
}

int
pb_latex_is_plain(const char *s, size_t n, int flags)
{
	/* 1: always converted; 2: converted in TeX text (~); 3: when doubled in TeX text */
	static const unsigned char cls[256] = {
		['\\'] = 1, ['{'] = 1, ['}'] = 1, ['$'] = 1, ['~'] = 2, ['-'] = 3, ['`'] = 3,
		['\''] = 3,
	};
	int text = !(flags & PB_LATEX_PROSE);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = cls[(unsigned char)s[i]];

		if (!c)
			continue;
		if (c == 1 || (text && c == 2) ||
		    (text && c == 3 && i + 1 < n && s[i + 1] == s[i]))
			return 0;
	}
	return 1;
}

void
pb_latex_append(struct pb_buf *out, const char *s, size_t n, int flags)
{
	struct lx x;

	if (!s || n == 0)
		return;
	if (pb_latex_is_plain(s, n, flags)) {
		pb_buf_append(out, s, n);
		return;
	}
	memset(&x, 0, sizeof x);
	x.flags = flags;
	conv(&x, out, s, n, 0, 0);
	for (size_t i = 0; i < sizeof x.tmp / sizeof x.tmp[0]; i++)
		pb_buf_free(&x.tmp[i]);
}

char *
pb_latex_to_unicode(const char *s)
{
	struct pb_buf b = { 0 };

	if (!s)
		return NULL;
	pb_latex_append(&b, s, strlen(s), PB_LATEX_TEXT);
	return pb_buf_detach(&b);
}
