/* Private to the matcher (match.c, match_index.c): the inverted index over one paper set and
 * the per-term hit sets computed from it. */
#ifndef PAPERBOY_MATCH_INT_H
#define PAPERBOY_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/paper.h"
#include "paperboy/rules.h"

/* One paper set, folded once: a vocabulary of every word (all fields share it, sorted for
 * prefix ranges), per field the word ids of each paper with positions (to check phrases),
 * per field and word the sorted list of papers holding it, and each category's papers. */
struct mx_field {
	uint32_t *dstart;        /* n_papers + 1: paper p's words are ids[dstart[p]..dstart[p+1]) */
	uint32_t *ids, *pos;
	uint32_t *pstart;        /* n_words + 1: word w's papers are post[pstart[w]..pstart[w+1]) */
	uint32_t *post;
	uint32_t *ostart;        /* n_words + 1: word w's occurrences (indexes into ids, */
	uint32_t *occ;           /* ascending) are occ[ostart[w]..ostart[w+1]) */
};

struct mx_index {
	size_t n_papers, W;      /* W = 64-bit words in a paper bitset */
	/* vocabulary */
	uint32_t *slots;         /* open addressing, word id + 1 */
	size_t n_slots;
	struct pb_buf arena;     /* words, NUL-terminated */
	uint32_t *woff, *wlen;
	size_t n_words, cap_words;
	uint32_t *sorted;        /* word ids in byte order */
	uint32_t *rank;          /* rank[id] = position in sorted */
	struct mx_field f[PB_N_TEXT_FIELDS];
	/* categories, lower case */
	char **cats;
	size_t n_cats;
	uint64_t *catbits;       /* n_cats * W */
};

/* Builds the index over papers. Never fails (allocation aborts). */
void mx_index_build(struct mx_index *ix, const struct pb_paperset *papers);
void mx_index_free(struct mx_index *ix);

/* Sets out (W words, cleared first) to the papers where term hits field f (a text field, or
 * PB_FIELD_CAT for a cat: term). */
void mx_term_field_bits(const struct mx_index *ix, const struct pb_term *t, enum pb_field f,
			uint64_t *out);

static inline int
mx_bit(const uint64_t *b, size_t i)
{
	return (int)((b[i >> 6] >> (i & 63)) & 1);
}

#endif
