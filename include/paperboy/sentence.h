/* Where sentences end in scripts written without a space between sentences, or without
 * capitals to look for: shared by the full text's excerpt (src/fulltext/excerpt.c) and the
 * built-in summary's key findings (src/summarize/findings.c). Both work on UTF-8 and never
 * step into a character. */
#ifndef PAPERBOY_SENTENCE_H
#define PAPERBOY_SENTENCE_H

#include <stddef.h>

/* The bytes of a mark at t[i] that ends a sentence whatever follows: the ideographic full
 * stop and the full-width ! ? and . (Chinese, Japanese), the half-width one, the Devanagari
 * danda and double danda, the Arabic question mark and the Urdu full stop; 0 when t[i] starts
 * none. A full-width . between digits ("3．5") ends nothing. */
size_t pb_sentence_stop(const char *t, size_t i, size_t len);

/* Past the closing marks that stay with the sentence they end, from t[j]: ) ] " ', the right
 * quotes and the CJK closing brackets and quotes. */
size_t pb_sentence_closers(const char *t, size_t j, size_t len);

#endif
