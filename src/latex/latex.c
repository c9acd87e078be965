/* LaTeX to Unicode for display. A small recursive converter over arXiv's TeX subset: math
 * between dollars, control words from one sorted table, accents composed with utf8proc, and
 * super/subscripts mapped to Unicode when every character has a form. Recursion is capped so
 * hostile nesting degrades to plain copying instead of exhausting the stack. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "paperboy/latex.h"
#include "latex_int.h"

#define MAX_DEPTH 24

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

/* A letter or digit in a Unicode mathematical alphabet ("bb", "cal", "frak"), or -1 when the
 * alphabet has none. The Letterlike Symbols block holds the letters the Mathematical
 * Alphanumeric block leaves out (ℝ, ℬ, ℭ...). */
static int32_t
math_letter(const char *alpha, int32_t c)
{
	static const struct { char a; char c; int32_t cp; } holes[] = {
		{ 'b', 'C', 0x2102 }, { 'b', 'H', 0x210D }, { 'b', 'N', 0x2115 },
		{ 'b', 'P', 0x2119 }, { 'b', 'Q', 0x211A }, { 'b', 'R', 0x211D },
		{ 'b', 'Z', 0x2124 },
		{ 'c', 'B', 0x212C }, { 'c', 'E', 0x2130 }, { 'c', 'F', 0x2131 },
		{ 'c', 'H', 0x210B }, { 'c', 'I', 0x2110 }, { 'c', 'L', 0x2112 },
		{ 'c', 'M', 0x2133 }, { 'c', 'R', 0x211B }, { 'c', 'e', 0x212F },
		{ 'c', 'g', 0x210A }, { 'c', 'o', 0x2134 },
		{ 'f', 'C', 0x212D }, { 'f', 'H', 0x210C }, { 'f', 'I', 0x2111 },
		{ 'f', 'R', 0x211C }, { 'f', 'Z', 0x2128 },
	};
	char a = alpha[0];
	int32_t upper, lower;

	for (size_t k = 0; k < sizeof holes / sizeof holes[0]; k++)
		if (holes[k].a == a && holes[k].c == c)
			return holes[k].cp;
	switch (a) {
	case 'b': upper = 0x1D538; lower = 0x1D552; break;
	case 'c': upper = 0x1D49C; lower = 0x1D4B6; break;
	case 'f': upper = 0x1D504; lower = 0x1D51E; break;
	default: return -1;
	}
	if (c >= 'A' && c <= 'Z')
		return upper + (c - 'A');
	if (c >= 'a' && c <= 'z')
		return lower + (c - 'a');
	if (a == 'b' && c >= '0' && c <= '9')
		return 0x1D7D8 + (c - '0');
	return -1;
}

/* Environments whose body is math even outside dollars. */
static int
math_env(const char *s, size_t n)
{
	static const char *const envs[] = {
		"align", "align*", "alignat", "alignat*", "displaymath", "eqnarray", "eqnarray*",
		"equation", "equation*", "flalign", "flalign*", "gather", "gather*", "math",
		"multline", "multline*",
	};

	for (size_t k = 0; k < sizeof envs / sizeof envs[0]; k++)
		if (strlen(envs[k]) == n && memcmp(envs[k], s, n) == 0)
			return 1;
	return 0;
}

/* The delimiters a matrix environment shows around its body, or NULL. */
static const char *
env_delims(const char *s, size_t n, int close)
{
	static const char *const d[][3] = {
		{ "pmatrix", "(", ")" }, { "bmatrix", "[", "]" }, { "Bmatrix", "{", "}" },
		{ "vmatrix", "|", "|" }, { "Vmatrix", "‖", "‖" }, { "cases", "{ ", "" },
	};

	for (size_t k = 0; k < sizeof d / sizeof d[0]; k++)
		if (strlen(d[k][0]) == n && memcmp(d[k][0], s, n) == 0)
			return d[k][close ? 2 : 1];
	return NULL;
}

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
	return strcmp(k, ((const struct pb_latex_macro *)e)->name);
}

/* The entry for \name: the table's, or for a lower-case Greek letter one made in *greek with
 * the letter in buf. NULL when the converter does not know the command. */
static const struct pb_latex_macro *
find_macro(const char *name, struct pb_latex_macro *greek, char buf[8])
{
	const struct pb_latex_macro *m;

	m = bsearch(name, pb_latex_macros, pb_latex_n_macros, sizeof pb_latex_macros[0],
		    cmp_macro);
	if (m)
		return m;
	for (size_t i = 0; i < sizeof pb_latex_greek / sizeof pb_latex_greek[0]; i++) {
		if (strcmp(name, pb_latex_greek[i]) != 0)
			continue;
		buf[utf8proc_encode_char(PB_LATEX_GREEK_FIRST + (int32_t)i, (uint8_t *)buf)] = '\0';
		greek->name = pb_latex_greek[i];
		greek->kind = K_SYM;
		greek->out = buf;
		return greek;
	}
	return NULL;
}

int32_t
pb_latex_greek_letter(const char *name, size_t n)
{
	struct pb_latex_macro greek;
	const struct pb_latex_macro *m;
	char key[16], buf[8];
	int32_t cp;
	utf8proc_ssize_t k;

	if (n == 0 || n >= sizeof key)
		return 0;
	memcpy(key, name, n);
	key[n] = '\0';
	m = find_macro(key, &greek, buf);
	if (!m || m->kind != K_SYM)
		return 0;
	k = utf8proc_iterate((const uint8_t *)m->out, -1, &cp);
	if (k <= 0 || m->out[k] != '\0' || cp < 0x370 || cp > 0x3FF)
		return 0;
	return cp;
}

const char *
pb_latex_greek_name(int32_t cp)
{
	if (cp < PB_LATEX_GREEK_FIRST ||
	    cp >= PB_LATEX_GREEK_FIRST + (int32_t)(sizeof pb_latex_greek / sizeof pb_latex_greek[0]))
		return NULL;
	return pb_latex_greek[cp - PB_LATEX_GREEK_FIRST];
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

static void
trim_spaces(struct pb_buf *b)
{
	while (b->len && b->data[b->len - 1] == ' ')
		pb_buf_truncate(b, b->len - 1);
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
	char name[32], letter[8];
	size_t j = i, as, an, bs, bn, os, on;
	struct pb_latex_macro greek;
	const struct pb_latex_macro *m;

	while (j < n && is_alpha(s[j]))
		j++;
	if (j - i >= sizeof name) {
		m = NULL;
	} else {
		memcpy(name, s + i, j - i);
		name[j - i] = '\0';
		m = find_macro(name, &greek, letter);
	}
	if (!m) {
		/* unknown: show the argument; without one, the name. An author's own macro
		 * (\Aut, \eps, \E) stands for something, and metadata keeps the macro, not
		 * its definition: dropped, "x\in\E^n" would read "x∈ⁿ". */
		size_t k = skip_ws(s, n, skip_opt(s, n, j, &os, &on));

		if (k < n && s[k] == '{' && !(k + 1 < n && s[k + 1] == '}')) {
			j = k;
			get_arg(s, n, &j, &as, &an);
			conv_arg(x, out, s + as, an, math, depth);
			return j;
		}
		pb_buf_append(out, s + i, j - i);
		return skip_empty_group(s, n, j);
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
		int32_t cp, m_cp;

		get_arg(s, n, &j, &as, &an);
		a = arg_to_tmp(x, s + as, an, math, depth);
		for (size_t k = 0; k < a->len;) {
			size_t l = next_cp(a->data + k, a->len - k, &cp);
			utf8proc_uint8_t enc[4];
			utf8proc_ssize_t el;

			m_cp = cp >= 0 && cp < 128 ? math_letter(m->out, cp) : -1;
			if (m_cp >= 0 && (el = utf8proc_encode_char(m_cp, enc)) > 0)
				pb_buf_append(out, enc, (size_t)el);
			else
				pb_buf_append(out, a->data + k, l);
			k += l;
		}
		break;
	}
	case K_BEGIN: {
		const char *d;

		get_arg(s, n, &j, &as, &an);
		if (an == 0)
			break;
		if ((an == 5 && memcmp(s + as, "array", 5) == 0) ||
		    (an == 7 && memcmp(s + as, "tabular", 7) == 0) ||
		    ((an == 7 || an == 8) && memcmp(s + as, "alignat", 7) == 0) ||
		    ((an == 9 || an == 10) && memcmp(s + as, "alignedat", 9) == 0)) {
			/* the column spec (or column count) is no content */
			j = skip_opt(s, n, skip_ws(s, n, j), &os, &on);
			get_arg(s, n, &j, &bs, &bn);
		}
		if (!math && math_env(s + as, an)) {
			/* the body is math up to \end{env} */
			size_t k, e = n;

			for (k = j; k + 5 + an < n; k++) {
				if (s[k] == '\\' && strncmp(s + k + 1, "end{", 4) == 0 &&
				    memcmp(s + k + 5, s + as, an) == 0 && s[k + 5 + an] == '}') {
					e = k;
					break;
				}
			}
			if (!ends_space(out))
				pb_buf_putc(out, ' ');
			j = skip_ws(s, n, j);
			if (j < e)
				conv(x, out, s + j, e - j, 1, depth + 1);
			trim_spaces(out);
			if (e < n) {
				j = e + 6 + an;
				if (j < n && !is_space(s[j]) && !ends_space(out))
					pb_buf_putc(out, ' ');
			} else {
				j = n;
			}
			break;
		}
		d = env_delims(s + as, an, 0);
		if (d)
			pb_buf_puts(out, d);
		if (d || ends_space(out))
			j = skip_ws(s, n, j);
		break;
	}
	case K_END: {
		const char *d;

		get_arg(s, n, &j, &as, &an);
		d = env_delims(s + as, an, 1);
		if (math || d)
			trim_spaces(out);
		if (d)
			pb_buf_puts(out, d);
		break;
	}
	case K_DELIM:
		/* \left. and \right. are no delimiter at all */
		if (skip_ws(s, n, j) < n && s[skip_ws(s, n, j)] == '.') {
			j = skip_ws(s, n, j) + 1;
			if (ends_space(out))
				j = skip_ws(s, n, j);
		} else if (!math)
			j = skip_ws(s, n, j);
		break;
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
	case K_CITE:
		/* the keys are all the metadata has of the reference: shown as one, so that
		 * "given in \cite{CK2005}" does not read as a word of the sentence */
		j = skip_opt(s, n, j, &os, &on);
		get_arg(s, n, &j, &as, &an);
		if (an == 0)
			break;
		pb_buf_putc(out, '[');
		pb_buf_append(out, s + as, an);
		if (on) {
			pb_buf_puts(out, ", ");
			conv_arg(x, out, s + os, on, 0, depth);
		}
		pb_buf_putc(out, ']');
		break;
	case K_INFIX:
		/* its group was not split (conv): text, or the inside of \left..\right */
		trim_spaces(out);
		pb_buf_puts(out, m->out);
		j = skip_ws(s, n, j);
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
		/* a line break: in math (the rows of an array, cases, a matrix) rows apart */
		if (math) {
			trim_spaces(out);
			if (out->len)
				pb_buf_puts(out, "; ");
			return skip_ws(s, n, j + 1);
		}
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

/* Bytes that can start something to convert: bit 0 always, bit 1 in math, bit 2 in TeX
 * text outside math, bit 3 in TeX text anywhere. */
static const unsigned char special_cls[256] = {
	['\\'] = 1, ['{'] = 1, ['}'] = 1, ['$'] = 1, ['^'] = 2, ['_'] = 2, ['\''] = 2 | 8,
	['&'] = 2, ['~'] = 8, ['-'] = 4, ['`'] = 4,
};

/* The mask of special_cls bits that apply in a mode. */
static unsigned
special_mask(int math, int text)
{
	return 1u | (math ? 2u : 0u) | (text && !math ? 4u : 0u) | (text ? 8u : 0u);
}

/* A "~" at s[i] in TeX text is a no-break space ("Fig.~3", "Section~2"), except where
 * abstracts (astronomy above all) write it for "approximately": before a number, after a
 * space, "=", "<", ">", "(" or a one-letter symbol ("z~1.5", "T ~ 10 K", "M=~2"). */
static int
tilde_approx(const char *s, size_t n, size_t i)
{
	size_t k = i + 1;

	while (k < n && s[k] == ' ')
		k++;
	if (k >= n || !((s[k] >= '0' && s[k] <= '9') || (s[k] == '.' && k + 1 < n &&
		s[k + 1] >= '0' && s[k + 1] <= '9') || s[k] == '$'))
		return 0;
	if (i == 0 || s[i - 1] == ' ' || s[i - 1] == '=' || s[i - 1] == '<' || s[i - 1] == '>' ||
	    s[i - 1] == '(')
		return 1;
	/* one letter, not part of a longer word */
	return is_alpha(s[i - 1]) && (i < 2 || !(is_alpha(s[i - 2]) || s[i - 2] == '.' ||
						(s[i - 2] >= '0' && s[i - 2] <= '9')));
}

/* The first \over, \choose or \atop of math s[0..n) outside its groups ({..}, \left..\right,
 * \begin..\end): its index, with the name's length in *len; n when there is none. */
static size_t
find_infix(const char *s, size_t n, size_t *len)
{
	static const char *const names[] = { "over", "choose", "atop" };
	int d = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = i + 1;

		if (s[i] == '{') {
			d++;
			continue;
		}
		if (s[i] == '}') {
			d -= d > 0;
			continue;
		}
		if (s[i] != '\\')
			continue;
		while (k < n && is_alpha(s[k]))
			k++;
		if (k == i + 1) {
			i++;            /* \{, \\ ... */
			continue;
		}
		if ((k - i - 1 == 4 && memcmp(s + i + 1, "left", 4) == 0) ||
		    (k - i - 1 == 5 && memcmp(s + i + 1, "begin", 5) == 0))
			d++;
		else if ((k - i - 1 == 5 && memcmp(s + i + 1, "right", 5) == 0) ||
			 (k - i - 1 == 3 && memcmp(s + i + 1, "end", 3) == 0))
			d -= d > 0;
		else if (d == 0)
			for (size_t w = 0; w < sizeof names / sizeof names[0]; w++)
				if (strlen(names[w]) == k - i - 1 &&
				    memcmp(s + i + 1, names[w], k - i - 1) == 0) {
					*len = k - i - 1;
					return i;
				}
		i = k - 1;
	}
	return n;
}

/* Math s[0..n) with \over, \choose or \atop at i (name of len bytes): TeX's generalized
 * fraction of everything before it over everything after it. */
static void
infix(struct lx *x, struct pb_buf *out, const char *s, size_t n, size_t i, size_t len,
      int depth)
{
	size_t a = skip_ws(s, n, 0), an = i, b = skip_ws(s, n, i + 1 + len);
	struct pb_buf *t;

	while (an > a && is_space(s[an - 1]))
		an--;
	if (len == 4 && s[i + 1] == 'o') {
		frac(x, out, s + a, an - a, s + b, n - b, 1, depth);
		return;
	}
	t = arg_to_tmp(x, s + a, an - a, 1, depth);
	if (len == 6)
		pb_buf_putc(out, '(');
	pb_buf_append(out, t->data, t->len);
	pb_buf_puts(out, len == 6 ? " choose " : "; ");
	conv(x, out, s + b, n - b, 1, depth + 1);
	if (len == 6)
		pb_buf_putc(out, ')');
}

static void
conv(struct lx *x, struct pb_buf *out, const char *s, size_t n, int math, int depth)
{
	int text = !(x->flags & PB_LATEX_PROSE);
	int no_close = 0;       /* a search for a closing $ failed: later ones would too */
	unsigned mask = special_mask(math, text);
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
	if (math && (k = find_infix(s, n, &an)) < n) {
		infix(x, out, s, n, k, an, depth);
		return;
	}
	while (i < n) {
		char c = s[i];

		if (!(special_cls[(unsigned char)c] & mask)) {
			k = i + 1;
			while (k < n && !(special_cls[(unsigned char)s[k]] & mask))
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
			/* in math a tie only ("3~(\rm mod~4)"): "approximately" is \sim there */
			pb_buf_puts(out, !math && tilde_approx(s, n, i) ? "∼" : "\u00a0");
			i++;
			break;
		case '&':
			/* an alignment tab in math: columns one space apart */
			trim_spaces(out);
			if (out->len)
				pb_buf_putc(out, ' ');
			i = skip_ws(s, n, i + 1);
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
