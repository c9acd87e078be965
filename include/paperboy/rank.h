/* Ranking: each reader's papers ordered by what the reader likes, beyond keyword rules.
 *
 * What a reader gives (config.h): `like` (arXiv ids) and `like_authors` per subscriber and per
 * topic, and the "more like this" / "not for me" verdicts (state.h, feedback). The likes
 * module turns them into one profile per subscriber, with the liked papers' texts from the
 * corpus (state.h); the ranker scores the day's candidates against it; the matcher's ranking
 * stage (match.h, pb_match_ranker) puts the scores to use before the cap.
 *
 * Modes per topic (`rank`):
 *   "rules"    today's behaviour: the rule score alone.
 *   "filter"   the rules decide membership; the order is by similarity to the likes.
 *   "similar"  no rule needed: every paper of the day the topic's cross/replace settings
 *              allow is a candidate, ranked by similarity; top max_papers, and at least
 *              min_similarity when set.
 *   automatic (no `rank`): "similar" for a topic without query, "filter" when the subscriber
 *              or topic has likes or verdicts, else "rules".
 * A reader without likes or labels gets rules or plain similarity; the ranker never empties a
 * digest the rules would fill. */
#ifndef PAPERBOY_RANK_H
#define PAPERBOY_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/http.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/state.h"

enum pb_rank_mode { PB_RANK_AUTO = 0, PB_RANK_RULES, PB_RANK_FILTER, PB_RANK_SIMILAR };
/* "rules" / "filter" / "similar" -> mode; NULL -> PB_RANK_AUTO; anything else -1. */
int pb_rank_mode_parse(const char *s);

#define PB_LIKE_ALL_TOPICS ((size_t)-1)

/* One label: a paper the reader likes (+1) or does not want (-1). */
struct pb_like {
	char *id;                    /* arXiv id without version */
	int verdict;                 /* +1 or -1 */
	int64_t when;                /* unix seconds: the verdict's time, else the paper's date */
	size_t topic;                /* topic index, or PB_LIKE_ALL_TOPICS */
	char *via;                   /* NULL for a `like` entry or a verdict; the author's name as
				      * written for one found through like_authors */
	size_t home;                 /* a verdict's topic, + 1: the one topic whose query its
				      * paper matches, where the reader must have seen it; 0 for a
				      * like, and for a verdict of no one topic (it counts in every
				      * topic, as the verdicts never said their topic) */
	const struct pb_paper *paper;   /* its text (in the profile's texts), NULL when unknown */
};

/* One subscriber's labels. */
struct pb_profile {
	struct pb_like *likes;
	size_t n;
	struct pb_paperset texts;    /* the labelled papers' records, owned */
};
void pb_profile_clear(struct pb_profile *p);    /* frees members; accepts NULL */

/* ---- likes: from config and state to profiles (no network) ---- */

/* Builds cfg->n_subscribers profiles (same order) from each subscriber's and topic's `like`,
 * the papers of its `like_authors` known in the state (author_papers), and its verdicts
 * (feedback; each with its home topic when exactly one topic's query matches its paper); texts come from the corpus, else from day (the papers being ranked; may be
 * NULL). A liked id that is malformed, unknown to arXiv or withdrawn is left out with one
 * warning line in warn (may be NULL): "subscriber S[, topic T]: liked paper ID: why". st may
 * be NULL (then only day's texts count). *out owned by the caller (pb_profiles_free). 0 / -1. */
int pb_profiles_load(const struct pb_config *cfg, struct pb_state *st,
		     const struct pb_paperset *day, struct pb_profile **out, struct pb_buf *warn);
void pb_profiles_free(struct pb_profile *v, size_t n);

/* Records day's papers in the corpus as of date (YYYY-MM-DD) in one transaction, and prunes
 * the corpus to rank.corpus_days before date (and liked authors looked up longer ago than
 * that, so their newer papers are found again). 0 / -1 (logged; nothing recorded). */
int pb_likes_record_day(const struct pb_config *cfg, struct pb_state *st,
			const struct pb_paperset *day, const char *date);

/* ---- likes: looking up on arXiv what the state lacks (network) ---- */

/* Looks up, once, the liked ids of every subscriber the corpus does not know, then the papers
 * of their verdicts it does not know (pruned with the corpus) (id_list, in batches) and the papers of every liked author not yet looked up (au: queries with arXiv's
 * name forms), at most rank.lookup_max requests' worth, through h (arXiv's shared gate). What
 * is found goes to the corpus and author_papers; an id arXiv does not know is marked missing
 * and named in a warning log line. Machines sharing st make the day's lookups once: one
 * holds their claim (one state.lease_s, renewed through h's tick while it looks up), the
 * others wait while it is renewed (a stop of h ends the wait) and find the outcome in the
 * state, or take the lookups over when it lapses. Returns 0, or -1 when the network failed
 * (logged; ranking goes on with what the state has). */
int pb_likes_lookup(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h);
/* The API's au: query for an author as people write the name, in arXiv's forms:
 * "Adrian Del Maestro", "A. Del Maestro" and "Del Maestro, Adrian" all give
 * au:"Del Maestro, A" OR au:Del_Maestro_A. Appended to q (nothing for a name without a
 * surname). */
void pb_likes_author_query(const char *name, struct pb_buf *q);
/* 1 when the author name as a paper lists it (any of arXiv's forms, TeX accents and case
 * folded) is the author named name: the same surname and, when both give one, the same
 * first initial. */
int pb_likes_same_author(const char *name, const char *listed);

/* ---- the ranker ---- */

struct pb_ranker;

/* A ranker for cfg's subscribers (borrowed). now: unix seconds, for the decay of likes. */
struct pb_ranker *pb_ranker_new(const struct pb_config *cfg, int64_t now);
void pb_ranker_free(struct pb_ranker *r);       /* accepts NULL */

/* Document frequencies: every paper given counts once (the corpus and the day's papers). */
void pb_ranker_add_doc(struct pb_ranker *r, const struct pb_paper *p);
/* Reads the corpus of the last rank.corpus_days into the document frequencies. 0 / -1. */
int pb_ranker_add_corpus(struct pb_ranker *r, struct pb_state *st);

/* The day's papers (borrowed; must outlive the ranker's use) and the profiles (borrowed;
 * cfg->n_subscribers of them). Builds the vectors. 0 / -1. */
int pb_ranker_prepare(struct pb_ranker *r, const struct pb_paperset *day,
		      const struct pb_profile *profiles);

/* Optional embeddings (see below), fused with the lexical rank by reciprocal rank fusion: e
 * holds vectors by paper key for the day's papers and the labelled ones; a paper without one
 * is ranked lexically. Borrowed; NULL = none. */
struct pb_embed_set;
void pb_ranker_set_embeddings(struct pb_ranker *r, const struct pb_embed_set *e);

/* The matcher's ranking stage for this ranker (match.h): pb_matcher_set_ranker(m,
 * pb_ranker_stage(r)). The pointer stays valid as long as r. */
const struct pb_match_ranker *pb_ranker_stage(struct pb_ranker *r);

/* Similarity of day paper i to subscriber s's likes for topic t (PB_LIKE_ALL_TOPICS: the
 * subscriber's own likes only), in [-1, 1]: time-decayed similarity to liked papers minus
 * a quarter of that to disliked ones (and a learned model's share once it has the labels); 0 without labels. For tests and the benchmark. */
double pb_ranker_similarity(struct pb_ranker *r, size_t s, size_t t, size_t i);

/* Appends why day paper i suits subscriber s: "similar to 2411.17790 (0.41)", "3 liked
 * papers by Adrian Del Maestro", ... Nothing when the ranker has no reason. */
void pb_ranker_explain(struct pb_ranker *r, size_t s, size_t t, size_t i, struct pb_buf *out);

/* Figures for logs and the benchmark. */
struct pb_rank_stats {
	size_t n_docs;               /* documents in the frequencies */
	size_t n_terms;              /* distinct terms (words and bigrams) */
	size_t n_models;             /* learned models trained in the last prepare */
	size_t bytes;                /* memory held for the profiles */
	double prepare_s, rank_s;
};
void pb_ranker_stats(const struct pb_ranker *r, struct pb_rank_stats *st);

/* ---- a run's ranking, start to end ---- */

/* Everything ranking needs in one call, for run, match and preview: records day in the corpus
 * as of date (st not NULL and date not NULL), looks up missing likes when h is given (NULL:
 * offline, the state's texts only), loads the profiles (their warnings logged, one line per
 * liked id: event=rank.like_unknown subscriber=S id=ID reason=...), builds the ranker from
 * the corpus's frequencies and the day's papers, fetches embeddings when configured and h is
 * given, and sets m's ranking stage. Returns the run's ranking (free with pb_rank_run_free
 * after the last pb_match_all on m), or NULL when nothing needs ranking (no subscriber has
 * likes, verdicts or a query-less topic): m then ranks by rules alone. */
struct pb_rank_run;
struct pb_rank_run *pb_rank_run_new(const struct pb_config *cfg, struct pb_state *st,
				    struct pb_http *h, const struct pb_paperset *day,
				    const char *date, int64_t now, struct pb_matcher *m);
void pb_rank_run_free(struct pb_rank_run *rr);      /* accepts NULL */
/* The ranker of rr (for explanations), or NULL. */
struct pb_ranker *pb_rank_run_ranker(struct pb_rank_run *rr);

/* ---- embeddings (optional; an OpenAI-compatible /v1/embeddings endpoint) ---- */

/* Vectors by paper key ("2411.17790v2"), computed once per paper version and model and
 * cached in the state, shared by every subscriber. */
struct pb_embed_set {
	char **keys;                 /* "id" + "v" + version */
	float **vecs;                /* unit length, dim floats each */
	size_t n, dim;
	int sorted;                  /* keys in strcmp order (pb_embed_fetch's sets): found by
				      * binary search; 0 (a set built by hand): by a scan */
};
/* Fills *out with the vectors of every paper in day and every labelled paper of profiles
 * (NULL profiles: day only): from the cache, and the rest asked of the endpoint in batches of
 * embeddings.batch, within embeddings.deadline. A failure, timeout or malformed answer leaves
 * the papers without a vector (logged once: event=embed.fallback reason=...); the ranking
 * then stays lexical for them. So does the run's stop (stop non-zero; NULL: none), which ends
 * a request in flight and a wait between tries at once. Returns the number of papers with a
 * vector, -1 only when out could not be made. Release with pb_embed_set_free. */
long pb_embed_fetch(const struct pb_config *cfg, struct pb_state *st,
		    const volatile sig_atomic_t *stop, const struct pb_paperset *day,
		    const struct pb_profile *profiles, size_t n_profiles,
		    struct pb_embed_set *out);
void pb_embed_set_free(struct pb_embed_set *e);    /* accepts NULL */
/* The vector of key, or NULL. */
const float *pb_embed_find(const struct pb_embed_set *e, const char *key);
/* Parses an /embeddings answer (OpenAI's form: {"data": [{"index": i, "embedding": [...]}]})
 * for n inputs into vecs[n] (malloc'd unit vectors, dim in *dim; all the same length).
 * Returns 0, or -1 with why filled ("not JSON", "3 vectors for 4 inputs", "lengths differ",
 * "a vector of zeros", ...). */
int pb_embed_parse(const char *body, size_t len, size_t n, float **vecs, size_t *dim,
		   char *why, size_t whylen);

/* What an error answer of status (4xx) with body of len bytes refuses, so that the request can
 * go again smaller rather than every paper go without a vector. */
enum pb_embed_refusal {
	PB_EMBED_NOT_REFUSED = 0,    /* another error, or not a 4xx */
	/* Too much at once: too many inputs (text-embeddings-inference's "batch size 64 >
	 * maximum allowed batch size 32"; *max gets that 32 when max is not NULL, else 0), too
	 * many tokens summed over them (OpenAI's code max_tokens_per_request, "max 300000 tokens
	 * per request"; Mistral's "Too many tokens in batch"), or a bare 413 (a proxy's). */
	PB_EMBED_BATCH_TOO_LARGE,
	/* One input beyond the model's window, which refuses the whole batch: OpenAI's "maximum
	 * context length is 8192 tokens" (a 400), text-embeddings-inference's "`inputs` must have
	 * less than 512 tokens" (a 413), and the other ways pb_llm_context_exceeded knows. */
	PB_EMBED_INPUT_TOO_LONG,
};
enum pb_embed_refusal pb_embed_refusal(long status, const char *body, size_t len, size_t *max);

/* Reciprocal rank fusion: score of an item at 0-based ranks ra (lexical) and rb (embedding;
 * SIZE_MAX = absent) with constant k (60 in the literature): 1/(k+ra+1) + 1/(k+rb+1). */
double pb_rrf(size_t ra, size_t rb, double k);

#endif
