/* Private to the matcher (match.c, select.c, index.c, explain.c): the compiled rules, the
 * selection helpers both evaluations share, and the inverted index over one paper set. */
#ifndef PAPERBOY_MATCH_INT_H
#define PAPERBOY_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/match.h"
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

/* ---- compiled rules (match.c) ---- */

struct ctopic {
	struct pb_rule *query;           /* NULL: a topic ranked by likes alone (rank.h) */
	struct pb_rule **excl;           /* exclusion rules, any of which vetoes a query hit */
	size_t n_excl;
	struct pb_rule **follow;         /* followed authors as au:"..." terms */
	size_t n_follow;
	uint32_t *prog, *xprog;          /* postfix programs: query, exclusions OR'd */
	size_t n_prog, n_xprog;
	uint32_t *pos;                   /* term ids that score (not under NOT / ANDNOT's right) */
	size_t n_pos;
	int cross, replace;
};

struct csub {
	struct ctopic *t;
	size_t n_t;
	struct pb_rule **follow;
	size_t n_follow;
	struct pb_rule **excl;           /* the subscriber's exclusions: any vetoes the paper */
	size_t n_excl;
	uint32_t *xprog;                 /* postfix program: the exclusions OR'd */
	size_t n_xprog;
	int cross, replace;
	int open;                        /* no topics: ranked by likes alone (rank.h) */
	/* A subscriber whose rules did not compile (pb_matcher_new_each): why, and what had been
	 * compiled, moved out of t and follow so that nothing is evaluated for it, and kept until
	 * pb_matcher_free because interned terms point into those rules. */
	char *error;
	struct ctopic *broken_t;
	size_t n_broken_t;
	struct pb_rule **broken_follow;
	size_t n_broken_follow;
};

struct iterm {
	const struct pb_term *t;         /* the first occurrence; borrowed from its rule tree */
	uint64_t hash;
	size_t koff;                     /* its entry in the keys arena */
};

struct islot {
	uint32_t hash;                   /* low bits of the term's hash */
	uint32_t ref;                    /* its arena entry's offset + 1; 0 = empty */
};

struct pb_matcher {
	const struct pb_config *cfg;
	struct csub *subs;
	size_t n_subs;
	struct iterm *terms;
	size_t n_terms, cap_terms;
	struct islot *slots;             /* intern table, open addressing */
	size_t n_slots;
	struct pb_buf keys, key;         /* the interned terms' keys; scratch for one key */
	size_t stack;                    /* deepest program stack */
	struct pb_match_stats st;
	pb_match_skip_fn skip;           /* papers a subscriber must not get again, or NULL */
	void *skip_ctx;
	struct pb_match_ranker ranker;   /* ranker.rank NULL = none */
	int no_rest;                     /* pb_match_all leaves the selections' rest empty */
};

/* pb_fnv1a64 with a final mix, for the intern table and the word index. */
uint64_t mx_hash(const char *s, size_t n);

/* 1 when one of the subscriber's exclusions holds for d (the reference evaluation). */
int mx_sub_excluded(const struct pb_matcher *m, const struct csub *cs, const struct pb_doc *d,
		    const struct pb_rule **by);

/* ---- selecting, shared by the indexed and the reference evaluation (match.c, select.c) ---- */

/* A topic without query (or a subscriber without topics, open) takes every paper its
 * cross/replace settings allow as a candidate, for the ranking stage to rank and cut; without
 * a ranking stage it takes none, so no unranked day reaches a digest. */
static inline int
mx_open_topic(const struct pb_matcher *m, const struct ctopic *ct)
{
	return !ct->query && m->ranker.rank;
}

/* 1 when a paper announced as a is taken under these settings. */
int mx_allowed(enum pb_announce a, int cross, int replace);

/* One subscriber's candidates while its topics are evaluated. */
struct mx_scratch {
	double *score;
	uint32_t *topic, *list, *rank;   /* rank: the paper's place in the tie order (match.h) */
	unsigned *flags;
	unsigned char *seen;
	size_t n;
	pb_match_skip_fn skip;           /* copied from the matcher by the caller */
	void *skip_ctx;
	const struct pb_match_ranker *ranker;   /* the matcher's, or NULL */
	struct pb_hit *cands;            /* one subscriber's candidates, n + 1 of them */
	struct mx_lane *lanes;              /* sharing the cap among topics (select.c), reused */
	size_t n_lanes;
	uint32_t *store;
	size_t n_store;
	size_t sub_index;                /* the subscriber being finished, for skip */
	int keep_rest;                   /* a filtered selection keeps the matches left out */
};

void mx_scratch_init(struct mx_scratch *sc, const struct pb_paperset *ps);
void mx_scratch_free(struct mx_scratch *sc);
/* Topic t hit paper p with this score; the best topic wins, the first on ties. */
void mx_consider(struct mx_scratch *sc, uint32_t p, uint32_t t, double score, unsigned flags);
/* A subscriber-level followed author wrote paper p. */
void mx_consider_follow(struct mx_scratch *sc, uint32_t p);
/* Turns the candidates into sub's ranked, capped selection and empties sc. */
void mx_finish(struct mx_scratch *sc, const struct pb_subscriber *sub, struct pb_selection *sel,
	       const struct pb_paperset *ps);

/* ---- the index (index.c) ---- */

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
