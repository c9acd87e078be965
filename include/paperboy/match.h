/* Matching: every subscriber's compiled topics against the day's papers. No network. */
#ifndef PAPERBOY_MATCH_H
#define PAPERBOY_MATCH_H

#include <stddef.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/paper.h"

struct pb_hit {
	size_t paper;                /* index into the paperset */
	double score;                /* higher is better */
	size_t topic;                /* index into the subscriber's topics (the best one) */
	unsigned flags;              /* PB_HIT_* bits: how the paper was selected */
};

/* Scores: when a topic's query matches, each of its positive terms (not under NOT nor right
 * of ANDNOT) that hits the paper adds its field's weight, ti 3, au 2, abs 1, co and jr 0.5 (an all:
 * term counts its best field), whether or not its own branch of an OR decided the match; a
 * followed author adds 10. A cat: term is a filter: it decides membership and adds nothing,
 * so `(ti:diffusion OR abs:diffusion) AND cat:cs.CV` scores as `ti:diffusion OR
 * abs:diffusion`. The best topic is the one with the highest score (the first on ties). A
 * paper hit only by a subscriber-level followed author has topic 0 and flags without
 * PB_HIT_TOPIC.
 * Selection: a topic takes cross-lists when its include_cross (or, inherited, the
 * subscriber's) says so, replacements likewise, replace-cross only when both do. An exclusion
 * (any rule) vetoes the topic's query hit; a followed author hits regardless. A subscriber's
 * own exclusion (pb_subscriber.exclude) vetoes the paper for that subscriber whatever
 * selected it, followed authors included. max_papers <= 0
 * (not from the config loader, which wants 1..1000) means no cap.
 * Order: score descending; at equal score a new paper before a cross-list before a revision
 * (replace, replace-cross; from the API, a version above 1), then the newer id first
 * (2411.00002 before 2411.00001 before 2204.02688; new-style ids before old-style ones,
 * hep-th/0601001 before hep-th/9901001), then the id's bytes.
 * Fair shares: each paper counts under its best topic. When the candidates of several topics
 * exceed the subscriber's max_papers, the topics share it: the papers of followed authors
 * (PB_HIT_FOLLOW) come first, then a topic with its own max_papers takes up to that many of
 * its best papers (round robin among such topics if their shares exceed the cap), then the
 * topics without one share the places left round robin, each taking its next best paper in
 * turn, and when fewer places are left than topics wanting one they go to the best papers
 * left among those topics. A topic's max_papers is also the most it ever gets. The selection
 * is then in the order above. With a skip filter, a skipped paper leaves its place to the
 * next paper of its topic. */
#define PB_HIT_TOPIC   1u            /* the topic's query matched */
#define PB_HIT_FOLLOW  2u            /* a followed author (topic's or subscriber's) wrote it */
#define PB_SCORE_TI     3.0
#define PB_SCORE_AU     2.0
#define PB_SCORE_ABS    1.0
#define PB_SCORE_CO     0.5
#define PB_SCORE_JR     0.5      /* as co: (the all: scoring relies on it) */
#define PB_SCORE_CAT    0.0      /* cat: terms filter and never score */
#define PB_SCORE_FOLLOW 10.0

/* One subscriber's ranked selection: hits in the order above, capped at max_papers and
 * shared among the topics; a paper appears once. */
struct pb_selection {
	const struct pb_subscriber *sub;   /* borrowed from the config */
	struct pb_hit *hits;
	size_t n_hits;
	size_t n_matched;            /* before the cap */
	size_t *topic_matched;       /* per topic of sub: papers matched before the cap, each
				      * counted under its best topic; NULL when not counted */
	struct pb_hit *rest;         /* with a skip filter: the matches left out, ranked */
	size_t n_rest;
	char **why;                  /* per hit: why it was chosen ("similar to 2411.17790
				      * (0.41)"), or NULL; the array is NULL without a ranker */
};

struct pb_matcher;

/* The order of equal scores above: < 0 when paper a comes before paper b, > 0 after, 0 for
 * the same id. For a ranking stage that cuts its candidates itself, so it keeps the papers
 * the selection would. */
int pb_match_tie_cmp(const struct pb_paper *a, const struct pb_paper *b);

/* Compiles every subscriber's topics once (and their exclusions and followed authors; equal
 * terms are shared across subscribers). Returns NULL on a rule error with err filled as
 * "subscriber S, topic T, column C: message\n<query>\n<caret line>" ("..., topic T, exclude N,
 * column C: ..." for the N-th exclusion, counted from 1; "subscriber S, exclude N, column C:
 * ..." for the subscriber's own; "subscriber S[, topic T]: followed author 'X' has no letters
 * or digits"). Only the first error is given: pb_config_check_rules reports them all. cfg
 * must outlive it. */
struct pb_matcher *pb_matcher_new(const struct pb_config *cfg, char *err, size_t errlen);
void pb_matcher_free(struct pb_matcher *m);   /* accepts NULL */

/* Like pb_matcher_new, but one subscriber's rule error does not cost the others: a subscriber
 * whose rules do not compile gets an empty selection from pb_match_all, and
 * pb_matcher_broken tells why. Never returns NULL. */
struct pb_matcher *pb_matcher_new_each(const struct pb_config *cfg);
/* The rule error (in pb_matcher_new's format) that set subscriber index s aside, or NULL when
 * its rules compiled. Owned by the matcher. */
const char *pb_matcher_broken(const struct pb_matcher *m, size_t s);

/* Says whether subscriber sub (an index into cfg->subscribers) must not get paper p again
 * (e.g. it was in an earlier digest). Returns 1 to skip, 0 to keep. */
typedef int (*pb_match_skip_fn)(void *ctx, size_t sub, const struct pb_paper *p);

/* Sets (or clears, with NULL) the filter pb_match_all applies before the cap, so a skipped
 * paper leaves its place to the next best one of its topic. It is asked once about every
 * candidate, in rank order. */
void pb_matcher_set_skip(struct pb_matcher *m, pb_match_skip_fn skip, void *ctx);

/* A ranking stage between matching and the cap (rank.h). rank is called once per subscriber
 * with all its candidates (each with its best topic, the rule score and flags); it may change
 * each score and drop candidates (moving the kept ones to the front), and returns how many it
 * kept. The cap and the skip filter then apply to what it kept. why (may be NULL) is called
 * for each hit that made the cut and appends the reason to out (nothing = no reason). */
struct pb_match_ranker {
	size_t (*rank)(void *ctx, size_t sub, const struct pb_paperset *papers,
		       struct pb_hit *cands, size_t n);
	void (*why)(void *ctx, size_t sub, const struct pb_paperset *papers,
		    const struct pb_hit *h, struct pb_buf *out);
	void *ctx;
};
/* Sets (or clears, with NULL) the ranking stage of pb_match_all; r is copied. */
void pb_matcher_set_ranker(struct pb_matcher *m, const struct pb_match_ranker *r);

/* Matches all subscribers against papers. *out receives an array of cfg->n_subscribers
 * selections (same order), owned by the caller: free with pb_selections_free.
 * Returns 0, or -1 with err filled. */
int pb_match_all(struct pb_matcher *m, const struct pb_paperset *papers,
		 struct pb_selection **out, char *err, size_t errlen);
void pb_selections_free(struct pb_selection *sel, size_t n);   /* accepts NULL */

/* The rest (the matches a skip filter's selection leaves out, for the full list) costs memory
 * in proportion to subscribers x matches: at 100,000 subscribers more than everything else.
 * With keep 0, pb_match_all leaves every selection's rest empty (n_rest 0); pb_match_rest then
 * fills it for a window of subscribers when they are needed, exactly as pb_match_all would
 * have (the filter and the ranker are asked again about those subscribers), and
 * pb_selection_drop_rest frees one when its digest is built. Default: kept. */
void pb_matcher_keep_rest(struct pb_matcher *m, int keep);
/* Fills sel[from..to-1].rest as pb_match_all with the rest kept would; sel is pb_match_all's
 * array for the same papers, filter and ranker. The matcher's figures are not changed. */
void pb_match_rest(struct pb_matcher *m, const struct pb_paperset *papers,
		   struct pb_selection *sel, size_t from, size_t to);
/* Frees sel's rest and empties it. */
void pb_selection_drop_rest(struct pb_selection *sel);

/* The same selections computed the straightforward way: every topic evaluated on every paper
 * by scanning its folded words (rules.h). Much slower; for tests and the benchmark. */
int pb_match_all_reference(struct pb_matcher *m, const struct pb_paperset *papers,
			   struct pb_selection **out, char *err, size_t errlen);

/* Figures about the compiled rules and the last pb_match_all, for logs and the benchmark. */
struct pb_match_stats {
	size_t n_topics;             /* topics compiled */
	size_t n_term_uses;          /* terms written in all topics, exclusions and follows */
	size_t n_terms;              /* distinct terms after interning */
	size_t n_words;              /* distinct words in the last paper set */
	double index_s;              /* last pb_match_all: folding papers, building the index */
	double terms_s;              /* hit sets of the distinct terms */
	double topics_s;             /* running every topic, scoring, ranking */
};
void pb_matcher_stats(const struct pb_matcher *m, struct pb_match_stats *st);

/* Appends to b why paper p hits (or not) for subscriber index s: the topic and the terms
 * that matched, a cat: term marked as the filter it is, e.g.
 * "topic=3D ti:\"gaussian splatting\" abs:nerf cat:cs.CV[filter] score=4". */
void pb_match_explain(struct pb_matcher *m, size_t s, const struct pb_paper *p, struct pb_buf *b);

#endif
