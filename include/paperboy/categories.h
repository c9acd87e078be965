/* arXiv's category taxonomy (src/categories.c): archives ("cs", "hep-th", "astro-ph"), their
 * subject classes ("cs.CV", "astro-ph.GA") and the old archives still seen in old-style ids.
 * Display names are in summarize.h (pb_category_name). */
#ifndef PAPERBOY_CATEGORIES_H
#define PAPERBOY_CATEGORIES_H

#include <stddef.h>

/* The i-th code of the table, or NULL past the end. */
const char *pb_category_at(size_t i);

/* 1 when code is in the table: exactly (codes are case-sensitive: math.CV is not cs.CV), or,
 * with nocase, ignoring ASCII case (cat: rules compare categories so). */
int pb_category_known(const char *code, int nocase);

/* The table's spelling of code when code matches one ignoring ASCII case ("cs.lg" ->
 * "cs.LG"), as arXiv's feeds and query API read a category; NULL when none does. Static. */
const char *pb_category_spelling(const char *code);

/* 1 when code is an archive with subject classes of its own ("cs", "astro-ph", "physics":
 * the table holds a "code." class), 0 for one without ("hep-th", "quant-ph") or a class.
 * arXiv's query API finds the former's papers by "cat:cs.*", the latter's by "cat:hep-th". */
int pb_category_has_classes(const char *code);

#endif
