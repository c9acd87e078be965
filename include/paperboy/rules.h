/* Topic rules: arXiv's search syntax, parsed once and evaluated locally.
 *
 * Syntax
 *   term      word | "a phrase" | word* | "a phr*"     (a bare term searches all:)
 *   field     ti: abs: au: co: jr: cat: all:  before a term or a parenthesised group
 *             (jr: the journal reference, when the feed gives one; arXiv's rn: is an error,
 *             as neither its feed nor its API gives report numbers):
 *             ti:nerf  au:"Seungryong Kim"  cat:cs.CV  cat:cs.*  ti:(video OR motion)
 *   operators AND, OR, ANDNOT, NOT (upper case, as arXiv writes them; "and" is a word),
 *             parentheses. Two terms side by side mean AND (arXiv's search reads OR
 *             there, so check warns: pb_rule.side_by_side). A leading '-' (video -survey)
 *             is an error that says to write ANDNOT: read as a word it would ask for the
 *             term meant to be left out. '-' before a digit stays in the word.
 *   wildcard  only a trailing '*'. arXiv's one-character '?' at a word of an unquoted term
 *             (colo?r, robot?, cat:cs.?I) is an error that says to write a prefix or OR:
 *             read as punctuation it would ask for other words. In a phrase, as arXiv takes
 *             it literally, '?' is the text's question mark.
 *   glued     a field inside a word (ti:video,abs:nerf) and a query copied from an API URL
 *             ('+' for a space, %22 %28 %29) are errors that say how to write them: read as
 *             words they would be one phrase of every word, which no paper has.
 *   quotes    '"', or the typographic ones a phone or a word processor types instead
 *             (U+201C to U+201F), open and close a phrase.
 *
 * Precedence, tightest first:  NOT (prefix)  >  AND = ANDNOT (left to right)  >  OR.
 * So `a OR b AND c` is `a OR (b AND c)`, `a ANDNOT b OR c` is `(a ANDNOT b) OR c`, and
 * `a AND b ANDNOT c` is `(a AND b) ANDNOT c`. Use parentheses to say otherwise.
 *
 * Matching is on folded words (see fold.h): case-insensitive, accents and TeX accents folded,
 * a Greek letter the word TeX names it by ("α", "$\alpha$" and "alpha" alike), whole words
 * only ("new" does not hit "renew"; "new*" does). A phrase hits consecutive words of one field
 * (hyphens and spaces alike: "3D-aware" = "3D aware"); au: phrases stay inside one author's
 * name. all: searches ti, abs, au, co and jr. cat: compares the whole category,
 * ignoring case: cat:cs.CV is exact, cat:cs.* is a prefix, and an archive without a dot
 * (cat:astro-ph, cat:cs) also takes its subject classes (astro-ph.GA, cs.CV).
 *
 * Author names, as arXiv's own search reads them. au:Plenio_M and au:Del_Maestro_A are
 * surname_initials: the surname's words, then one-or-two-letter parts that are initials of the
 * given names (au:del_maestro is a surname alone). A quoted au: phrase or a followed author
 * with a comma ("Plenio, M", "Del Maestro, Adrian"), and an unquoted au: term with one
 * (au:Plenio,M, au:del_maestro,a; two commas are an error), is the same: the words before the comma the
 * surname, those after it given names or initials, where a word of two to four capitals only
 * is initials written together ("Plenio, MB" is "Plenio, M B"; not after a surname in
 * capitals, "SMITH, JOHN"). A quoted au: phrase of two words or more
 * ("Adrian Del Maestro") and a followed author are a full name: it hits an author whose name
 * holds it as a phrase, or whose name ends (or starts) with a tail of it as surname while the
 * words before that tail agree with the author's given names word by word, where an initial
 * agrees with any word it starts. So "Adrian Del Maestro" takes "A. Del Maestro" and
 * "Del Maestro, Adrian"; au:Plenio_M takes "Martin B. Plenio" and
 * "M.B. Plenio", not "Susana F. Huelga". */
#ifndef PAPERBOY_RULES_H
#define PAPERBOY_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/fold.h"
#include "paperboy/paper.h"

enum pb_field {
	PB_FIELD_TI = 0,
	PB_FIELD_ABS,
	PB_FIELD_AU,
	PB_FIELD_CO,
	PB_FIELD_JR,                /* the journal reference (arxiv:journal_ref) */
	PB_FIELD_CAT,
	PB_FIELD_ALL,
};
#define PB_N_TEXT_FIELDS 5          /* ti, abs, au, co, jr: the fields made of words */

enum pb_rule_kind {
	PB_RULE_TERM = 0,
	PB_RULE_AND,
	PB_RULE_OR,
	PB_RULE_ANDNOT,
	PB_RULE_NOT,
};

enum pb_name_form {
	PB_NAME_NONE = 0,           /* words or a phrase */
	PB_NAME_FULL,               /* au:"Given Names Surname": any tail may be the surname */
	PB_NAME_SURNAME_INITIALS,   /* au:Surname_I: words[0..n_surname) surname, then initials */
};

struct pb_term {
	enum pb_field field;
	int prefix;                 /* trailing '*': the last word (or the category) is a prefix */
	enum pb_name_form name;     /* au: only: how an author's name is compared (see above) */
	size_t n_surname;           /* PB_NAME_SURNAME_INITIALS: the surname's words */
	int col;                    /* 1-based column of the term in the query */
	uint32_t id;                /* free for the matcher (interned term number) */
	size_t n_words;             /* folded words (see pb_term_word); 0 for cat: */
	const char *cat;            /* cat: the category in lower case, without '*'; else NULL */
	const char *src;            /* as written with its field, e.g. ti:"gaussian splatting" */
	char *data;                 /* one block holding the words, cat and src */
};

/* Word j (0 <= j < n_words) of a term, NUL-terminated, and its length. */
static inline const char *
pb_term_word(const struct pb_term *t, size_t j)
{
	return t->data + ((const uint32_t *)(const void *)t->data)[j];
}

static inline size_t
pb_term_wlen(const struct pb_term *t, size_t j)
{
	return ((const uint32_t *)(const void *)t->data)[t->n_words + j];
}

struct pb_rule {
	enum pb_rule_kind kind;
	struct pb_rule *a, *b;      /* operands; b is NULL for NOT; both NULL for a term */
	struct pb_term *term;       /* PB_RULE_TERM only */
	int col;                    /* column of the operator or term */
	int side_by_side;           /* an AND written as two terms side by side (no operator):
				     * its col is the second term's */
};

/* The first AND in r written as two terms side by side ("ti:video ti:motion": both must hit
 * here, where arXiv's search reads OR), or NULL. When found, pair gets the two terms as
 * written ("ti:video ti:motion") and either the rule for any of them ("ti:video OR
 * ti:motion"), each cut to fit; either may be NULL. The node is r's (its col is the second
 * term's). */
const struct pb_rule *pb_rule_side_by_side(const struct pb_rule *r, char *pair, size_t plen,
					   char *either, size_t elen);

struct pb_rule_error {
	int col;                    /* 1-based, in characters */
	char msg[256];
};

/* Parses query. Returns the tree (caller frees with pb_rule_free), or NULL with *err filled
 * (column and message, e.g. col 5 "unclosed '('"). Never crashes on any input; nesting deeper
 * than 64 is an error. */
struct pb_rule *pb_rule_parse(const char *query, struct pb_rule_error *err);
void pb_rule_free(struct pb_rule *r);      /* accepts NULL */

/* A rule of one term: the words of text as a phrase in field f (a text field), shown as
 * src; in au: a name with a comma is surname, given names (PB_NAME_SURNAME_INITIALS), any
 * other of two words or more a full name (PB_NAME_FULL). Returns NULL when
 * text has no letters or digits or more than 32 words. For followed authors (au:"name") and
 * tests. Caller frees with pb_rule_free. */
struct pb_rule *pb_rule_phrase(enum pb_field f, const char *text, const char *src);

/* Appends the fully parenthesised canonical form with folded words, e.g.
 * ((ti:"gaussian splatting" AND abs:nerf*) OR NOT cat:cs.cv). */
void pb_rule_format(const struct pb_rule *r, struct pb_buf *b);

/* Appends "column C: message\n<query>\n<spaces>^" (query newlines shown as spaces). */
void pb_rule_error_format(const char *query, const struct pb_rule_error *err, struct pb_buf *b);

/* A paper folded for matching: the words of each text field with positions, and its
 * categories in lower case. */
struct pb_doc {
	struct pb_words f[PB_N_TEXT_FIELDS];
	char **cats;
	size_t n_cats;
};

void pb_doc_init(struct pb_doc *d, const struct pb_paper *p);
void pb_doc_free(struct pb_doc *d);        /* accepts NULL */

/* 1 when one author's folded name words w[0..n) (lengths len) satisfy name term t
 * (t->name != PB_NAME_NONE): the name rules above, without the plain phrase. */
int pb_term_author_hits(const struct pb_term *t, const char *const *w, const uint32_t *len,
			size_t n);

/* The straightforward evaluator (scans the doc's words): 1 when term hits field f of d
 * (f may be PB_FIELD_ALL or the term's own field), else 0. */
/* 1 when category term t (cat:) takes category cat: exact, a prefix with *, or an archive
 * without a dot taking its subject classes (cat:cs hits cs.CV). */
int pb_term_cat_hits(const struct pb_term *t, const char *cat);
int pb_term_hits_field(const struct pb_term *t, const struct pb_doc *d, enum pb_field f);
int pb_term_hits(const struct pb_term *t, const struct pb_doc *d);
/* 1 when the rule holds for d. */
int pb_rule_eval(const struct pb_rule *r, const struct pb_doc *d);

/* Returns "ti", "abs", "au", "co", "jr", "cat" or "all". */
const char *pb_field_name(enum pb_field f);

#endif
