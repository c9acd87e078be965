/* Topic rules: a small recursive-descent parser for arXiv's search syntax, and the
 * straightforward evaluator that scans a folded paper (used to explain hits, by the fuzz target
 * and as the benchmark's reference; the matcher evaluates the same trees on an index). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "paperboy/escape.h"
#include "paperboy/rule_note.h"
#include "paperboy/rules.h"

#define MAX_DEPTH 64
#define MAX_TERMS 256
#define MAX_PHRASE 32

static const char *const field_names[] = { "ti", "abs", "au", "co", "jr", "cat", "all" };

const char *
pb_field_name(enum pb_field f)
{
	return (unsigned)f <= PB_FIELD_ALL ? field_names[f] : "?";
}

enum tok_kind { T_END, T_LP, T_RP, T_AND, T_OR, T_ANDNOT, T_NOT, T_TERM, T_FIELDGROUP };

static const char *const tok_names[] = { "end", "(", ")", "AND", "OR", "ANDNOT", "NOT",
					 "term", "field" };

struct tok {
	enum tok_kind kind;
	size_t off;             /* byte offset of the token */
	int field;              /* T_TERM / T_FIELDGROUP: the field, or -1 (bare term) */
	const char *val;        /* T_TERM: the value as written, without quotes or '*' */
	size_t vlen;
	int quoted, prefix;
	size_t end;             /* byte offset just past the token */
};

struct parser {
	const char *q;
	size_t len, pos;
	struct tok tok, prev;
	int depth, n_terms;
	struct pb_rule_error *err;
	struct pb_words words;  /* scratch: the current term's folded words */
	struct pb_buf src;       /* scratch: the current term as written */
	size_t col_off;          /* col_of's memo: byte offset col_off is column col */
	int col;
};

/* The 1-based column (in characters) of byte offset off. Offsets mostly grow as the parser
 * moves on, so counting resumes from the last answer. */
static int
col_of(struct parser *ps, size_t off)
{
	size_t i = 0;
	int col = 1;

	if (off >= ps->col_off) {
		i = ps->col_off;
		col = ps->col;
	}
	for (; i < off && i < ps->len; i++)
		if (((unsigned char)ps->q[i] & 0xC0) != 0x80)
			col++;
	ps->col_off = i;
	ps->col = col;
	return col;
}

static int
fail(struct parser *ps, size_t off, const char *fmt, const char *a, const char *b)
{
	ps->err->col = col_of(ps, off);
	snprintf(ps->err->msg, sizeof ps->err->msg, fmt, a ? a : "", b ? b : "");
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The length of a double quote at q[i], 0 when there is none: '"', or the typographic ones
 * that phones, word processors and web pages put in its place (U+201C to U+201F: “ ” „ ‟),
 * which a query pasted or typed there carries. Any of them opens or closes a phrase. */
static size_t
quote_at(const char *q, size_t len, size_t i)
{
	if (q[i] == '"')
		return 1;
	if (i + 2 < len && (unsigned char)q[i] == 0xE2 && (unsigned char)q[i + 1] == 0x80 &&
	    (unsigned char)q[i + 2] >= 0x9C && (unsigned char)q[i + 2] <= 0x9F)
		return 3;
	return 0;
}

static int
word_end(const struct parser *ps, size_t i)
{
	char c = ps->q[i];

	return is_space(c) || c == '(' || c == ')' || quote_at(ps->q, ps->len, i);
}

static int
field_lookup(const char *s, size_t n)
{
	for (int f = 0; f <= PB_FIELD_ALL; f++)
		if (strlen(field_names[f]) == n && strncasecmp(s, field_names[f], n) == 0)
			return f;
	return -1;
}

/* Splits off a trailing '*'; any other '*' is an error. */
static int
star_check(struct parser *ps, struct tok *t)
{
	for (size_t i = 0; i < t->vlen; i++) {
		if (t->val[i] != '*')
			continue;
		if (i + 1 == t->vlen && !t->prefix && i > 0) {
			t->prefix = 1;
			t->vlen--;
			break;
		}
		return fail(ps, (size_t)(t->val + i - ps->q),
			    i == 0 ? "'*' needs a word before it%s%s"
				   : "'*' is only allowed at the end of a term%s%s", NULL, NULL);
	}
	return 0;
}

/* Reads the phrase starting at the quote at byte quote (see quote_at) into t. */
static int
lex_phrase(struct parser *ps, struct tok *t, size_t quote)
{
	const char *close = NULL;
	size_t i, qlen = quote_at(ps->q, ps->len, quote), clen = 0;

	/* The closing quote; \" inside is a TeX umlaut (Schr\"odinger), not the end. */
	for (i = quote + qlen; i < ps->len; i++) {
		if (ps->q[i] == '\\' && i + 1 < ps->len && ps->q[i + 1] == '"') {
			i++;
			continue;
		}
		if ((clen = quote_at(ps->q, ps->len, i)) > 0) {
			close = ps->q + i;
			break;
		}
	}

	if (!close)
		return fail(ps, quote, "unterminated phrase (no closing '\"')%s%s", NULL, NULL);
	t->val = ps->q + quote + qlen;
	t->vlen = (size_t)(close - t->val);
	t->quoted = 1;
	ps->pos = (size_t)(close - ps->q) + clen;
	for (i = 0; i < t->vlen && is_space(t->val[i]); i++)
		;
	if (i == t->vlen)
		return fail(ps, quote, "empty phrase%s%s", NULL, NULL);
	if (ps->pos < ps->len && ps->q[ps->pos] == '*') {
		/* "neural radian"* means the same as "neural radian*". */
		if (t->val[t->vlen - 1] == '*' || is_space(t->val[t->vlen - 1]))
			return fail(ps, ps->pos, "'*' needs a word before it%s%s", NULL, NULL);
		t->prefix = 1;
		ps->pos++;
	}
	if (star_check(ps, t) < 0)
		return -1;
	t->end = ps->pos;
	return 0;
}

/* A word [s, e) that starts with '-' before a letter, a field, a phrase or a group: written
 * as a search engine's exclusion (video -survey), which arXiv's syntax does not have. Read as
 * a word it would ask for the very term meant to be left out, so it is an error that says
 * how to write it. '-' before a digit (-1) stays part of the word. */
static int
minus_check(struct parser *ps, size_t s, size_t e)
{
	char what[64];
	unsigned char c;

	if (ps->q[s] != '-')
		return 0;
	if (s + 1 < e) {
		c = (unsigned char)ps->q[s + 1];
		if (!isalpha(c) && c < 0x80)
			return 0;
		snprintf(what, sizeof what, "%.*s%s", (int)(e - s - 1 < 40 ? e - s - 1 : 40),
			 ps->q + s + 1, e - s - 1 > 40 ? "..." : "");
	} else if (e < ps->len && (ps->q[e] == '(' || quote_at(ps->q, ps->len, e))) {
		snprintf(what, sizeof what, "%s", ps->q[e] == '(' ? "(...)" : "\"...\"");
	} else {
		return 0;
	}
	return fail(ps, s, "'-' does not leave papers out: write ANDNOT %s%s", what, NULL);
}

/* The length of the field name and ':' at q[i] (ti:, ABS:), else 0. */
static size_t
field_at(const struct parser *ps, size_t i, size_t e)
{
	size_t j = i;

	while (j < e && isalpha((unsigned char)ps->q[j]))
		j++;
	if (j == i || j >= e || ps->q[j] != ':' || field_lookup(ps->q + i, j - i) < 0)
		return 0;
	return j + 1 - i;
}

/* An unquoted word [s, e) that holds more than one term: a query copied from an API URL,
 * where '+' is a space and %22 %28 %29 are quotes and parentheses
 * (au:del_maestro+AND+ti:checkerboard), or a second field after a comma or the like
 * (ti:video,abs:nerf). Read as words it would be one phrase of all of them, which no paper
 * has; which operator was meant is not known, so it is an error that says how to write it. */
static int
glued_check(struct parser *ps, size_t s, size_t e)
{
	static const char *const ops[] = { "AND+", "OR+", "ANDNOT+" };
	char what[100];

	for (size_t i = s + 1; i < e; i++) {
		const char *p = ps->q + i;
		size_t f;

		if (*p == '%' && i + 2 < e && p[1] == '2' && strchr("0289", p[2]))
			return fail(ps, i, "'%%%.2s' is URL encoding: write a space, '\"', '(' or "
				    "')' for %%20, %%22, %%28, %%29%s", p + 1, NULL);
		if (*p == '+') {
			int url = field_at(ps, i + 1, e) > 0;

			for (size_t k = 0; !url && k < sizeof ops / sizeof ops[0]; k++)
				url = e - i - 1 >= strlen(ops[k]) &&
				      memcmp(p + 1, ops[k], strlen(ops[k])) == 0;
			if (url)
				return fail(ps, i, "'+' is a space in an API URL: write spaces "
					    "between terms and operators%s%s", NULL, NULL);
		}
		if (isalnum((unsigned char)p[-1]) || (unsigned char)p[-1] >= 0x80 ||
		    p[-1] == '\\' || !(f = field_at(ps, i, e)))
			continue;
		snprintf(what, sizeof what, "%.*s AND %.*s", (int)(i - 1 - s < 40 ? i - 1 - s : 40),
			 ps->q + s, (int)(e - i < 40 ? e - i : 40), p);
		return fail(ps, i, "a field inside a term: write the terms apart, joined by AND or "
			    "OR, as %s%s", what, NULL);
	}
	return 0;
}

static int
word_byte(char c)
{
	return isalnum((unsigned char)c) || (unsigned char)c >= 0x80;
}

/* A '?' at a word of the unquoted term [s, e), written from off (colo?r, robot?, cat:cs.?I) is arXiv's
 * one-character wildcard. Folded as punctuation it would split the word (colo r) or vanish
 * (robot), a rule that silently asks for something else, so it is an error that says what to
 * write. In a phrase arXiv takes the text literally, so a pasted title's question mark stays
 * punctuation there. */
static int
qmark_check(struct parser *ps, size_t off, size_t s, size_t e)
{
	for (size_t i = s, j; i < e; i = j + 1) {
		char sug[64];

		if (ps->q[i] != '?') {
			j = i;
			continue;
		}
		for (j = i; j + 1 < e && ps->q[j + 1] == '?'; j++)
			;
		if (!((i > s && word_byte(ps->q[i - 1])) || (j + 1 < e && word_byte(ps->q[j + 1]))))
			continue;
		if (i > s)
			snprintf(sug, sizeof sug, "%.*s%s*", (int)(i - off < 40 ? i - off : 40),
				 ps->q + off, i - off > 40 ? "..." : "");
		else
			snprintf(sug, sizeof sug, "a prefix with '*'");
		return fail(ps, i, "'?' (arXiv's one-character wildcard) is not supported: write "
			    "%s, or the spellings joined by OR%s", sug, NULL);
	}
	return 0;
}

/* Reads the next token into ps->tok. */
static int
lex(struct parser *ps)
{
	struct tok *t = &ps->tok;
	size_t s, e, colon;
	int f;

	ps->prev = *t;
	memset(t, 0, sizeof *t);
	t->field = -1;
	while (ps->pos < ps->len && is_space(ps->q[ps->pos]))
		ps->pos++;
	s = t->off = ps->pos;
	if (s >= ps->len) {
		t->kind = T_END;
		t->end = s;
		return 0;
	}
	if (ps->q[s] == '(' || ps->q[s] == ')') {
		t->kind = ps->q[s] == '(' ? T_LP : T_RP;
		ps->pos = t->end = s + 1;
		return 0;
	}
	t->kind = T_TERM;
	if (quote_at(ps->q, ps->len, s))
		return lex_phrase(ps, t, s);
	/* A word runs to a space, parenthesis or quote; \" (TeX umlaut) stays in the word. */
	for (e = s; e < ps->len && !word_end(ps, e); e++)
		if (ps->q[e] == '\\' && e + 1 < ps->len && ps->q[e + 1] == '"')
			e++;
	ps->pos = t->end = e;
	if (e - s == 3 && memcmp(ps->q + s, "AND", 3) == 0)
		t->kind = T_AND;
	else if (e - s == 2 && memcmp(ps->q + s, "OR", 2) == 0)
		t->kind = T_OR;
	else if (e - s == 6 && memcmp(ps->q + s, "ANDNOT", 6) == 0)
		t->kind = T_ANDNOT;
	else if (e - s == 3 && memcmp(ps->q + s, "NOT", 3) == 0)
		t->kind = T_NOT;
	if (t->kind != T_TERM)
		return 0;
	if (minus_check(ps, s, e) < 0)
		return -1;

	for (colon = s; colon < e && isalpha((unsigned char)ps->q[colon]); colon++)
		;
	if (colon < e && colon > s && ps->q[colon] == ':') {
		f = field_lookup(ps->q + s, colon - s);
		if (f < 0) {
			char name[32];

			snprintf(name, sizeof name, "%.*s", (int)(colon - s < 24 ? colon - s : 24),
				 ps->q + s);
			if (colon - s == 2 && strncasecmp(ps->q + s, "rn", 2) == 0)
				return fail(ps, s, "rn: (report number) is not in arXiv's feed nor "
					    "its API's answers: no paper would match%s%s", NULL, NULL);
			if (colon - s == 2 && strncasecmp(ps->q + s, "id", 2) == 0)
				return fail(ps, s, "id: is not a topic: like = [\"ID\"] names a "
					    "paper%s%s", NULL, NULL);
			return fail(ps, s, "unknown field '%s' (fields: ti, abs, au, co, jr, cat, "
				    "all)%s", name, NULL);
		}
		t->field = f;
		if (colon + 1 == e) {
			if (e < ps->len && quote_at(ps->q, ps->len, e))
				return lex_phrase(ps, t, e);
			if (e < ps->len && ps->q[e] == '(') {
				t->kind = T_FIELDGROUP;
				return 0;
			}
			return fail(ps, s, "'%s:' needs a term after it%s", field_names[f], NULL);
		}
		s = colon + 1;
		if (ps->q[s] == '-' && s + 1 < e &&
		    (isalpha((unsigned char)ps->q[s + 1]) || (unsigned char)ps->q[s + 1] >= 0x80)) {
			char what[64];

			snprintf(what, sizeof what, "%s:%.*s%s", field_names[f],
				 (int)(e - s - 1 < 40 ? e - s - 1 : 40), ps->q + s + 1,
				 e - s - 1 > 40 ? "..." : "");
			return fail(ps, s, "'-' does not leave papers out: write ANDNOT %s%s",
				    what, NULL);
		}
	}
	if (glued_check(ps, t->off, e) < 0 || qmark_check(ps, t->off, s, e) < 0)
		return -1;
	t->val = ps->q + s;
	t->vlen = e - s;
	return star_check(ps, t);
}

static struct pb_rule *
rule_new(enum pb_rule_kind kind, struct pb_rule *a, struct pb_rule *b, int col)
{
	struct pb_rule *r = pb_xcalloc(1, sizeof *r);

	r->kind = kind;
	r->a = a;
	r->b = b;
	r->col = col;
	return r;
}

/* A term node and its term in one allocation, its words, category and source text in a
 * second: rules are compiled by the ten thousand, so they are kept small. */
struct term_node {
	struct pb_rule r;
	struct pb_term t;
};

static struct pb_rule *
term_new(enum pb_field field, int prefix, int col, const struct pb_words *w, const char *cat,
	 size_t catlen, const char *src, size_t srclen)
{
	struct term_node *n = pb_xcalloc(1, sizeof *n);
	size_t nw = w ? w->n : 0, size = 2 * nw * sizeof(uint32_t), at;
	uint32_t *hdr;

	for (size_t j = 0; j < nw; j++)
		size += w->len[j] + 1;
	size += (cat ? catlen + 1 : 0) + srclen + 1;
	n->t.data = pb_xmalloc(size);
	hdr = (uint32_t *)(void *)n->t.data;
	at = 2 * nw * sizeof(uint32_t);
	for (size_t j = 0; j < nw; j++) {
		hdr[j] = (uint32_t)at;
		hdr[nw + j] = w->len[j];
		memcpy(n->t.data + at, pb_word(w, j), w->len[j] + 1);
		at += w->len[j] + 1;
	}
	if (cat) {
		char *c = n->t.data + at;

		for (size_t i = 0; i < catlen; i++)
			c[i] = (char)tolower((unsigned char)cat[i]);
		c[catlen] = '\0';
		n->t.cat = c;
		at += catlen + 1;
	}
	memcpy(n->t.data + at, src, srclen);
	n->t.data[at + srclen] = '\0';
	n->t.src = n->t.data + at;
	n->t.n_words = nw;
	n->t.field = field;
	n->t.prefix = prefix;
	n->t.col = col;
	n->r.kind = PB_RULE_TERM;
	n->r.term = &n->t;
	n->r.col = col;
	return &n->r;
}

/* The term written last in r (last 1) or first (last 0). */
static const struct pb_term *
edge_term(const struct pb_rule *r, int last)
{
	while (r->kind != PB_RULE_TERM)
		r = last && r->b ? r->b : r->a;
	return r->term;
}

/* The first AND written as two terms side by side, or NULL. */
static const struct pb_rule *
first_side_by_side(const struct pb_rule *r)
{
	const struct pb_rule *x, *y;

	if (r->kind == PB_RULE_TERM)
		return NULL;
	x = first_side_by_side(r->a);
	y = r->b ? first_side_by_side(r->b) : NULL;
	if (r->side_by_side && (!x || r->col < x->col) && (!y || r->col < y->col))
		return r;
	return x && (!y || x->col < y->col) ? x : y;
}

const struct pb_rule *
pb_rule_side_by_side(const struct pb_rule *r, char *pair, size_t plen, char *either,
		     size_t elen)
{
	const struct pb_rule *s = first_side_by_side(r);
	const char *x, *y;

	if (!s)
		return NULL;
	x = edge_term(s->a, 1)->src;
	y = edge_term(s->b, 0)->src;
	if (pair && plen)
		snprintf(pair, plen, "%.70s %.70s", x, y);
	if (either && elen)
		snprintf(either, elen, "%.70s OR %.70s", x, y);
	return s;
}

int
pb_rule_query_side_by_side(const char *query, char *pair, size_t plen, char *either,
			   size_t elen)
{
	struct pb_rule_error e;
	struct pb_rule *r = query ? pb_rule_parse(query, &e) : NULL;
	int found = r && pb_rule_side_by_side(r, pair, plen, either, elen);

	pb_rule_free(r);
	return found;
}

void
pb_rule_free(struct pb_rule *r)
{
	if (!r)
		return;
	pb_rule_free(r->a);
	pb_rule_free(r->b);
	if (r->kind == PB_RULE_TERM && r->term)
		free(r->term->data);    /* the term itself lives in r's allocation */
	free(r);
}

/* The letters of [p, end) when they are two to four capitals and nothing else (MB, JRR, ÉJ):
 * initials written together, as arXiv lists them. Returns how many, else 0. */
static size_t
run_initials(const char *p, const char *end)
{
	size_t k = 0;

	while (p < end) {
		int32_t cp;
		utf8proc_ssize_t m = utf8proc_iterate((const uint8_t *)p, end - p, &cp);

		if (m <= 0 || utf8proc_category(cp) != UTF8PROC_CATEGORY_LU || ++k > 4)
			return 0;
		p += m;
	}
	return k >= 2 ? k : 0;
}

/* 1 when [p, end) has capitals and no small letters (SMITH): then a given name in capitals
 * after it says nothing about initials. */
static int
shouted(const char *p, const char *end)
{
	int upper = 0;

	while (p < end) {
		int32_t cp;
		utf8proc_ssize_t m = utf8proc_iterate((const uint8_t *)p, end - p, &cp);

		if (m <= 0) {
			p++;
			continue;
		}
		if (utf8proc_category(cp) == UTF8PROC_CATEGORY_LL)
			return 0;
		upper |= utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
		p += m;
	}
	return upper;
}

/* arXiv's "Surname, Given names" (Del Maestro, A; Plenio, Martin B.; Plenio, MB): the comma
 * says where the surname ends, so no tail has to be guessed. Fills w with the surname's words,
 * then the given names' (each agrees with an author's given name as an initial or in full).
 * A word of two to four capitals only is initials written together, one word per letter,
 * unless the surname is in capitals too. Returns the number of surname words, 0 when v has no
 * comma or nothing to match before it (w is then left empty). */
static size_t
comma_name(const char *v, size_t n, struct pb_words *w)
{
	const char *c = memchr(v, ',', n), *end = v + n, *from, *p;
	size_t k;

	if (!c)
		return 0;
	pb_words_add(w, v, (size_t)(c - v));
	k = w->n;
	if (k == 0)
		return 0;
	from = p = c + 1;
	if (shouted(v, c))
		p = end;
	while (p < end) {
		const char *q = p;

		while (q < end && !strchr(" \t.,-", *q))
			q++;
		if (run_initials(p, q)) {
			pb_words_add(w, from, (size_t)(p - from));
			while (p < q) {
				size_t m = 1;

				while (p + m < q && ((unsigned char)p[m] & 0xC0) == 0x80)
					m++;
				pb_words_add(w, p, m);
				p += m;
			}
			from = q;
		}
		p = q < end ? q + 1 : q;
	}
	pb_words_add(w, from, (size_t)(end - from));
	return k;
}

struct pb_rule *
pb_rule_phrase(enum pb_field f, const char *text, const char *src)
{
	struct pb_words w;
	struct pb_rule *r = NULL;
	size_t k = 0;

	if ((unsigned)f >= PB_N_TEXT_FIELDS || !text || !src)
		return NULL;
	pb_words_init(&w);
	if (f == PB_FIELD_AU)
		k = comma_name(text, strlen(text), &w);
	if (k == 0) {
		pb_words_reset(&w);
		pb_words_add(&w, text, strlen(text));
	}
	if (w.n > 0 && w.n <= MAX_PHRASE)
		r = term_new(f, 0, 1, &w, NULL, 0, src, strlen(src));
	if (r && k) {
		r->term->name = PB_NAME_SURNAME_INITIALS;
		r->term->n_surname = k;
	} else if (r && f == PB_FIELD_AU && w.n >= 2) {
		r->term->name = PB_NAME_FULL;
	}
	pb_words_free(&w);
	return r;
}

/* arXiv's Surname_Initials (Plenio_M, Del_Maestro_A, del_maestro, Plenio_MB): the parts
 * after the first that have one or two letters, at the end, are initials (each letter one);
 * the rest is the surname. Fills w with the surname's words, then one word per initial.
 * Returns the number of surname words (0 when there are none). */
static size_t
surname_initials(const char *v, size_t n, struct pb_words *w)
{
	size_t end = n, k;

	/* Peel initials off the end while more than the first part remains. */
	for (;;) {
		const char *us = NULL;
		size_t len;

		for (size_t i = end; i > 0; i--)
			if (v[i - 1] == '_') {
				us = v + i - 1;
				break;
			}
		if (!us)
			break;
		len = end - (size_t)(us - v) - 1;
		if (len == 0 || len > 2)
			break;
		for (size_t i = 0; i < len; i++)
			if (!isalpha((unsigned char)us[1 + i]))
				return 0;
		end = (size_t)(us - v);
		if (end == 0)
			return 0;
	}
	pb_words_add(w, v, end);
	k = w->n;
	for (size_t i = end; k && i < n; i++)
		if (isalpha((unsigned char)v[i]))
			pb_words_add(w, v + i, 1);
	return k;
}

static struct pb_rule *
make_term(struct parser *ps, int field_default)
{
	const struct tok *t = &ps->tok;
	struct pb_buf *src = &ps->src;
	int field = t->field >= 0 ? t->field : field_default;
	int col = col_of(ps, t->off);
	size_t k;

	if (++ps->n_terms > MAX_TERMS) {
		fail(ps, t->off, "too many terms (at most 256 in one rule)%s%s", NULL, NULL);
		return NULL;
	}
	pb_buf_reset(src);
	if (field != PB_FIELD_ALL || t->field >= 0) {
		pb_buf_puts(src, field_names[field]);
		pb_buf_putc(src, ':');
	}
	if (t->quoted)
		pb_buf_putc(src, '"');
	pb_buf_append(src, t->val, t->vlen);
	if (t->prefix)
		pb_buf_putc(src, '*');
	if (t->quoted)
		pb_buf_putc(src, '"');
	if (field == PB_FIELD_CAT) {
		if (t->vlen == 0) {
			fail(ps, t->off, "empty category%s%s", NULL, NULL);
			return NULL;
		}
		return term_new(PB_FIELD_CAT, t->prefix, col, NULL, t->val, t->vlen, src->data,
				src->len);
	}
	pb_words_reset(&ps->words);
	/* au:Plenio_M and au:Zisserman,A (arXiv's "Surname, Initials" without the space) are
	 * names as au:"Zisserman, A" is, not the phrases "plenio m" and "zisserman a". */
	if (field == PB_FIELD_AU && !t->quoted && !t->prefix &&
	    (memchr(t->val, ',', t->vlen) || memchr(t->val, '_', t->vlen))) {
		const char *c = memchr(t->val, ',', t->vlen);
		struct pb_rule *r;

		if (c && memchr(c + 1, ',', t->vlen - (size_t)(c + 1 - t->val))) {
			fail(ps, t->off, "'%s' is more than one name: write each author as "
			     "au:Surname_Initials and join them with OR or AND%s", src->data, NULL);
			return NULL;
		}
		k = c ? comma_name(t->val, t->vlen, &ps->words)
		      : surname_initials(t->val, t->vlen, &ps->words);
		if (k == 0 || ps->words.n > MAX_PHRASE) {
			fail(ps, t->off, c ? "'%s' is not a name in arXiv's Surname,Initials form%s"
					   : "'%s' is not a name in arXiv's Surname_Initials form%s",
			     src->data, NULL);
			return NULL;
		}
		r = term_new(PB_FIELD_AU, 0, col, &ps->words, NULL, 0, src->data, src->len);
		r->term->name = PB_NAME_SURNAME_INITIALS;
		r->term->n_surname = k;
		return r;
	}
	if (field == PB_FIELD_AU && t->quoted && !t->prefix &&
	    (k = comma_name(t->val, t->vlen, &ps->words)) > 0) {
		struct pb_rule *r;

		if (ps->words.n > MAX_PHRASE) {
			fail(ps, t->off, "phrase longer than 32 words%s%s", NULL, NULL);
			return NULL;
		}
		r = term_new(PB_FIELD_AU, 0, col, &ps->words, NULL, 0, src->data, src->len);
		r->term->name = PB_NAME_SURNAME_INITIALS;
		r->term->n_surname = k;
		return r;
	}
	pb_words_reset(&ps->words);
	pb_words_add(&ps->words, t->val, t->vlen);
	if (ps->words.n == 0) {
		fail(ps, t->off, "'%s' has no letters or digits to match%s", src->data, NULL);
		return NULL;
	}
	if (ps->words.n > MAX_PHRASE) {
		fail(ps, t->off, "phrase longer than 32 words%s%s", NULL, NULL);
		return NULL;
	}
	{
		struct pb_rule *r = term_new((enum pb_field)field, t->prefix, col, &ps->words, NULL,
					     0, src->data, src->len);

		if (field == PB_FIELD_AU && t->quoted && !t->prefix && ps->words.n >= 2)
			r->term->name = PB_NAME_FULL;
		return r;
	}
}

static struct pb_rule *parse_or(struct parser *ps, int fd);

/* Explains why a term was expected at the current token and was not found. */
static struct pb_rule *
expected_term(struct parser *ps)
{
	const struct tok *t = &ps->tok, *p = &ps->prev;
	int prev_op = p->kind >= T_AND && p->kind <= T_NOT;

	if (t->kind == T_END) {
		if (prev_op)
			fail(ps, p->off, "'%s' needs a term after it%s", tok_names[p->kind], NULL);
		else if (p->kind == T_LP)
			fail(ps, p->off, "unclosed '('%s%s", NULL, NULL);
		else
			fail(ps, 0, "empty query%s%s", NULL, NULL);
	} else if (t->kind == T_RP) {
		if (prev_op)
			fail(ps, p->off, "'%s' needs a term after it%s", tok_names[p->kind], NULL);
		else if (p->kind == T_LP)
			fail(ps, p->off, "empty parentheses%s%s", NULL, NULL);
		else
			fail(ps, t->off, "unexpected ')' (no '(' to close)%s%s", NULL, NULL);
	} else if (prev_op) {
		fail(ps, t->off, "expected a term after '%s', found '%s'", tok_names[p->kind],
		     tok_names[t->kind]);
	} else {
		fail(ps, t->off, "'%s' needs a term before it%s", tok_names[t->kind], NULL);
	}
	return NULL;
}

static struct pb_rule *
parse_primary(struct parser *ps, int fd)
{
	struct pb_rule *r;
	size_t open;

	switch (ps->tok.kind) {
	case T_TERM:
		r = make_term(ps, fd);
		if (r && lex(ps) < 0) {
			pb_rule_free(r);
			return NULL;
		}
		return r;
	case T_FIELDGROUP:
		fd = ps->tok.field;
		if (lex(ps) < 0)        /* now at the '(' */
			return NULL;
		/* FALLTHROUGH */
	case T_LP:
		open = ps->tok.off;
		if (++ps->depth > MAX_DEPTH) {
			fail(ps, open, "parentheses nested deeper than 64%s%s", NULL, NULL);
			return NULL;
		}
		if (lex(ps) < 0)
			return NULL;
		if (!(r = parse_or(ps, fd)))
			return NULL;
		if (ps->tok.kind != T_RP) {
			pb_rule_free(r);
			fail(ps, open, "unclosed '('%s%s", NULL, NULL);
			return NULL;
		}
		ps->depth--;
		if (lex(ps) < 0) {
			pb_rule_free(r);
			return NULL;
		}
		return r;
	default:
		return expected_term(ps);
	}
}

static struct pb_rule *
parse_unary(struct parser *ps, int fd)
{
	struct pb_rule *a;
	size_t off = ps->tok.off;

	if (ps->tok.kind != T_NOT)
		return parse_primary(ps, fd);
	if (++ps->depth > MAX_DEPTH) {
		fail(ps, off, "NOT nested deeper than 64%s%s", NULL, NULL);
		return NULL;
	}
	if (lex(ps) < 0 || !(a = parse_unary(ps, fd)))
		return NULL;
	ps->depth--;
	return rule_new(PB_RULE_NOT, a, NULL, col_of(ps, off));
}

static struct pb_rule *
parse_and(struct parser *ps, int fd)
{
	struct pb_rule *a, *b;

	if (!(a = parse_unary(ps, fd)))
		return NULL;
	for (;;) {
		enum tok_kind k = ps->tok.kind;
		enum pb_rule_kind rk = PB_RULE_AND;
		size_t off = ps->tok.off;

		if (k == T_AND || k == T_ANDNOT) {
			rk = k == T_AND ? PB_RULE_AND : PB_RULE_ANDNOT;
			if (lex(ps) < 0)
				goto bad;
		} else if (k != T_TERM && k != T_LP && k != T_FIELDGROUP && k != T_NOT) {
			return a;
		}
		if (!(b = parse_unary(ps, fd)))
			goto bad;
		a = rule_new(rk, a, b, col_of(ps, off));
		/* "a NOT b" is a AND NOT b in arXiv's search as well. */
		a->side_by_side = k == T_TERM || k == T_LP || k == T_FIELDGROUP;
	}
bad:
	pb_rule_free(a);
	return NULL;
}

static struct pb_rule *
parse_or(struct parser *ps, int fd)
{
	struct pb_rule *a, *b;

	if (!(a = parse_and(ps, fd)))
		return NULL;
	while (ps->tok.kind == T_OR) {
		size_t off = ps->tok.off;

		if (lex(ps) < 0 || !(b = parse_and(ps, fd))) {
			pb_rule_free(a);
			return NULL;
		}
		a = rule_new(PB_RULE_OR, a, b, col_of(ps, off));
	}
	return a;
}

struct pb_rule *
pb_rule_parse(const char *query, struct pb_rule_error *err)
{
	struct parser ps;
	struct pb_rule *r;

	memset(&ps, 0, sizeof ps);
	memset(err, 0, sizeof *err);
	ps.q = query ? query : "";
	ps.len = strlen(ps.q);
	ps.err = err;
	ps.col = 1;
	ps.tok.kind = T_END;
	r = lex(&ps) < 0 ? NULL : parse_or(&ps, PB_FIELD_ALL);
	if (r && ps.tok.kind != T_END) {
		/* parse_or stops only at ')' or the end. */
		fail(&ps, ps.tok.off, "unexpected ')' (no '(' to close)%s%s", NULL, NULL);
		pb_rule_free(r);
		r = NULL;
	}
	pb_words_free(&ps.words);
	pb_buf_free(&ps.src);
	return r;
}

static void
term_format(const struct pb_term *t, struct pb_buf *b)
{
	pb_buf_printf(b, "%s:", field_names[t->field]);
	if (t->field == PB_FIELD_CAT) {
		pb_buf_printf(b, "%s%s", t->cat, t->prefix ? "*" : "");
		return;
	}
	if (t->name == PB_NAME_SURNAME_INITIALS) {
		for (size_t i = 0; i < t->n_words; i++)
			pb_buf_printf(b, "%s%s", i ? "_" : "", pb_term_word(t, i));
		return;
	}
	if (t->n_words > 1)
		pb_buf_putc(b, '"');
	for (size_t i = 0; i < t->n_words; i++)
		pb_buf_printf(b, "%s%s", i ? " " : "", pb_term_word(t, i));
	if (t->prefix)
		pb_buf_putc(b, '*');
	if (t->n_words > 1)
		pb_buf_putc(b, '"');
}

void
pb_rule_format(const struct pb_rule *r, struct pb_buf *b)
{
	static const char *const ops[] = { "", "AND", "OR", "ANDNOT", "NOT" };

	if (!r)
		return;
	switch (r->kind) {
	case PB_RULE_TERM:
		term_format(r->term, b);
		break;
	case PB_RULE_NOT:
		pb_buf_puts(b, "NOT ");
		pb_rule_format(r->a, b);
		break;
	default:
		pb_buf_putc(b, '(');
		pb_rule_format(r->a, b);
		pb_buf_printf(b, " %s ", ops[r->kind]);
		pb_rule_format(r->b, b);
		pb_buf_putc(b, ')');
	}
}

void
pb_rule_error_format(const char *query, const struct pb_rule_error *err, struct pb_buf *b)
{
	struct pb_buf caret = { 0 };
	const char *q = query ? query : "";
	size_t n = strlen(q), i = 0;
	int col = 1;

	pb_buf_printf(b, "column %d: ", err->col);
	pb_esc_term(b, err->msg);        /* it may quote a term */
	pb_buf_putc(b, '\n');
	/* A stored subscriber's rule is the reader's text (a web form, a chat): what could drive
	 * the terminal is shown escaped (pb_esc_term), the caret moved past the escape. Tabs stay
	 * tabs so the caret lines up in a terminal. */
	while (i < n) {
		utf8proc_int32_t cp = (unsigned char)q[i];
		utf8proc_ssize_t r = 1;
		size_t at = b->len, w;

		if (cp >= 0x80)
			r = utf8proc_iterate((const utf8proc_uint8_t *)q + i,
					     (utf8proc_ssize_t)(n - i), &cp);
		if (r <= 0)
			r = 1;
		if (cp == '\n' || cp == '\r') {
			pb_buf_putc(b, ' ');
		} else if (cp == '\t') {
			pb_buf_putc(b, '\t');
		} else {
			char one[8];

			memcpy(one, q + i, (size_t)r);
			one[r] = '\0';
			pb_esc_term(b, one);
		}
		if (col < err->col) {
			if (b->len - at == (size_t)r && cp >= 0x80)
				/* as it is: as wide as the terminal shows it */
				w = utf8proc_charwidth(cp) > 0 ? (size_t)utf8proc_charwidth(cp) : 0;
			else
				w = b->len - at;
			if (cp == '\t')
				pb_buf_putc(&caret, '\t');
			else
				for (size_t k = 0; k < w; k++)
					pb_buf_putc(&caret, ' ');
			col++;
		}
		i += (size_t)r;
	}
	pb_buf_putc(b, '\n');
	pb_buf_append(b, caret.data ? caret.data : "", caret.len);
	for (; col < err->col; col++)
		pb_buf_putc(b, ' ');
	pb_buf_putc(b, '^');
	pb_buf_free(&caret);
}

/* ---- documents and the straightforward evaluator ---- */

void
pb_doc_init(struct pb_doc *d, const struct pb_paper *p)
{
	memset(d, 0, sizeof *d);
	if (p->title)
		pb_words_add(&d->f[PB_FIELD_TI], p->title, strlen(p->title));
	if (p->abstract)
		pb_words_add(&d->f[PB_FIELD_ABS], p->abstract, strlen(p->abstract));
	for (size_t i = 0; i < p->n_authors; i++) {
		if (!p->authors[i].name)
			continue;
		pb_words_break(&d->f[PB_FIELD_AU]);
		pb_words_add(&d->f[PB_FIELD_AU], p->authors[i].name, strlen(p->authors[i].name));
	}
	if (p->comment)
		pb_words_add(&d->f[PB_FIELD_CO], p->comment, strlen(p->comment));
	if (p->journal_ref)
		pb_words_add(&d->f[PB_FIELD_JR], p->journal_ref, strlen(p->journal_ref));
	d->cats = pb_xcalloc(p->n_categories + 1, sizeof *d->cats);
	for (size_t i = 0; i < p->n_categories; i++) {
		if (!p->categories[i])
			continue;
		char *c = pb_xstrdup(p->categories[i]);

		for (char *q = c; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		d->cats[d->n_cats++] = c;
	}
}

void
pb_doc_free(struct pb_doc *d)
{
	if (!d)
		return;
	for (int f = 0; f < PB_N_TEXT_FIELDS; f++)
		pb_words_free(&d->f[f]);
	for (size_t i = 0; i < d->n_cats; i++)
		free(d->cats[i]);
	free(d->cats);
	memset(d, 0, sizeof *d);
}

static int
word_eq(const struct pb_words *t, size_t i, const struct pb_term *w, size_t j, int prefix)
{
	size_t n = pb_term_wlen(w, j);

	if (prefix)
		return t->len[i] >= n && memcmp(pb_word(t, i), pb_term_word(w, j), n) == 0;
	return t->len[i] == n && memcmp(pb_word(t, i), pb_term_word(w, j), n) == 0;
}

static int
words_hit(const struct pb_term *term, const struct pb_words *t)
{
	size_t k = term->n_words;

	if (k == 0 || t->n < k)
		return 0;
	for (size_t i = 0; i + k <= t->n; i++) {
		size_t j;

		if (!word_eq(t, i, term, 0, term->prefix && k == 1))
			continue;
		for (j = 1; j < k; j++)
			if (t->pos[i + j] != t->pos[i] + j ||
			    !word_eq(t, i + j, term, j, term->prefix && j == k - 1))
				break;
		if (j == k)
			return 1;
	}
	return 0;
}

/* A pattern's given name and an author's agree: equal, or one is an initial of the other. */
static int
given_agrees(const char *x, size_t xl, const char *y, size_t yl)
{
	if (xl == yl)
		return memcmp(x, y, xl) == 0;
	if (xl == 1)
		return x[0] == y[0];
	return yl == 1 && y[0] == x[0];
}

/* Surname t's words [s0, s1) at author words [a0, a0 + s1 - s0), and t's given names
 * [g0, g1) agreeing with the author's given names [b0, b1) word by word as far as both go. */
static int
name_split_hits(const struct pb_term *t, size_t s0, size_t s1, size_t g0, size_t g1,
		const char *const *w, const uint32_t *len, size_t n, int surname_first)
{
	size_t k = s1 - s0, a0, b0, b1;

	if (n < k)
		return 0;
	a0 = surname_first ? 0 : n - k;
	for (size_t j = 0; j < k; j++)
		if (len[a0 + j] != pb_term_wlen(t, s0 + j) ||
		    memcmp(w[a0 + j], pb_term_word(t, s0 + j), len[a0 + j]) != 0)
			return 0;
	b0 = surname_first ? k : 0;
	b1 = surname_first ? n : n - k;
	if (g1 == g0)
		return 1;
	if (b1 == b0)
		return 0;
	for (size_t i = 0; g0 + i < g1 && b0 + i < b1; i++)
		if (!given_agrees(pb_term_word(t, g0 + i), pb_term_wlen(t, g0 + i), w[b0 + i],
				  len[b0 + i]))
			return 0;
	return 1;
}

int
pb_term_author_hits(const struct pb_term *t, const char *const *w, const uint32_t *len, size_t n)
{
	size_t m = t->n_words;

	if (t->name == PB_NAME_SURNAME_INITIALS)
		return name_split_hits(t, 0, t->n_surname, t->n_surname, m, w, len, n, 0) ||
		       name_split_hits(t, 0, t->n_surname, t->n_surname, m, w, len, n, 1);
	if (t->name != PB_NAME_FULL)
		return 0;
	/* Which tail is the surname is not known: "Adrian Del Maestro" may be Maestro or
	 * Del Maestro. Any tail will do, with at least one given name before it. */
	for (size_t j = 1; j < m; j++)
		if (name_split_hits(t, j, m, 0, j, w, len, n, 0) ||
		    name_split_hits(t, j, m, 0, j, w, len, n, 1))
			return 1;
	return 0;
}

/* The name term t against each author of au (authors are runs of consecutive positions). */
static int
authors_hit(const struct pb_term *t, const struct pb_words *au)
{
	const char *w[64];
	uint32_t len[64];
	size_t i = 0;

	while (i < au->n) {
		size_t n = 0, j = i;

		do {
			if (n < 64) {
				w[n] = pb_word(au, j);
				len[n++] = au->len[j];
			}
			j++;
		} while (j < au->n && au->pos[j] == au->pos[j - 1] + 1);
		if (pb_term_author_hits(t, w, len, n))
			return 1;
		i = j;
	}
	return 0;
}

/* A text term in one text field g of d. */
static int
text_hit(const struct pb_term *t, const struct pb_doc *d, int g)
{
	if (g == PB_FIELD_AU && t->name != PB_NAME_NONE) {
		if (t->name == PB_NAME_FULL && words_hit(t, &d->f[g]))
			return 1;
		return authors_hit(t, &d->f[g]);
	}
	return words_hit(t, &d->f[g]);
}

int
pb_term_cat_hits(const struct pb_term *t, const char *cat)
{
	size_t n = strlen(t->cat);

	if (t->prefix)
		return strncmp(cat, t->cat, n) == 0;
	if (strcmp(cat, t->cat) == 0)
		return 1;
	/* An archive (no dot) takes its subject classes: cat:cs hits cs.CV. */
	return !strchr(t->cat, '.') && strncmp(cat, t->cat, n) == 0 && cat[n] == '.';
}

int
pb_term_hits_field(const struct pb_term *t, const struct pb_doc *d, enum pb_field f)
{
	if (t->field == PB_FIELD_CAT) {
		if (f != PB_FIELD_CAT && f != PB_FIELD_ALL)
			return 0;
		for (size_t i = 0; i < d->n_cats; i++)
			if (pb_term_cat_hits(t, d->cats[i]))
				return 1;
		return 0;
	}
	if (f == PB_FIELD_ALL) {
		for (int g = 0; g < PB_N_TEXT_FIELDS; g++)
			if ((t->field == PB_FIELD_ALL || t->field == (enum pb_field)g) &&
			    text_hit(t, d, g))
				return 1;
		return 0;
	}
	if (f == PB_FIELD_CAT || (t->field != PB_FIELD_ALL && t->field != f))
		return 0;
	return text_hit(t, d, f);
}

int
pb_term_hits(const struct pb_term *t, const struct pb_doc *d)
{
	return pb_term_hits_field(t, d, PB_FIELD_ALL);
}

int
pb_rule_eval(const struct pb_rule *r, const struct pb_doc *d)
{
	switch (r->kind) {
	case PB_RULE_TERM:
		return pb_term_hits(r->term, d);
	case PB_RULE_AND:
		return pb_rule_eval(r->a, d) && pb_rule_eval(r->b, d);
	case PB_RULE_OR:
		return pb_rule_eval(r->a, d) || pb_rule_eval(r->b, d);
	case PB_RULE_ANDNOT:
		return pb_rule_eval(r->a, d) && !pb_rule_eval(r->b, d);
	case PB_RULE_NOT:
		return !pb_rule_eval(r->a, d);
	}
	return 0;
}
