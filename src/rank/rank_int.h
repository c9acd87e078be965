/* Private to the ranker (vector.c, ranker.c, model.c, stage.c, likes.c): the vocabulary, the
 * sparse vectors, the profiles and the ranker's state. */
#ifndef PAPERBOY_RANK_INT_H
#define PAPERBOY_RANK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/rank.h"

#define RK_NONE UINT32_MAX
/* A profile keeps its strongest terms only: scoring walks their postings. */
#define RK_PROFILE_TERMS 300
/* The weight of the disliked papers' centroid against the liked ones' (Rocchio's gamma): a
 * "not for me" pushes a paper down without drowning what the likes say. */
#define RK_DISLIKE 0.25
/* The learned model's share of a profile once it has enough labels of both kinds. */
#define RK_MODEL_SHARE 0.25
/* Terms too rare to relate two papers or too common to tell them apart weigh nothing
 * (scikit-learn's min_df and max_df): present in fewer than min(5, documents / 500) or in
 * more than a fifth of the documents; no cut below RK_DF_CUT_DOCS documents. On the
 * benchmark's readers (bench ONLY=rank) these cuts are worth about +0.035 nDCG@10. */
#define RK_MIN_DF 5
#define RK_MAX_DF 0.2
#define RK_DF_CUT_DOCS 100
/* At most this many corpus papers are folded for the frequencies (an even sample). */
#define RK_CORPUS_SAMPLE 20000

/* The day's terms (words and bigrams of folded title and abstract), with document
 * frequencies. Only the day's papers add terms: a term no day paper has cannot change a day
 * paper's score, so every other text only looks terms up. */
struct rk_vocab {
	uint32_t *slots;             /* open addressing: term id + 1, 0 = empty */
	size_t n_slots;
	uint64_t *hash;
	struct pb_buf arena;         /* the terms' text, NUL-terminated */
	uint32_t *off;
	uint32_t *df;
	size_t n, cap;
};

/* Sparse vectors side by side: term ids ascending, L2 unit length over all their terms. */
struct rk_pool {
	uint32_t *t;
	float *w;
	size_t n, cap;
};

struct rk_vec {
	size_t off;
	uint32_t n;
};

/* One document's terms before weighting. */
struct rk_terms {
	uint32_t *id;                /* known terms, ascending */
	uint32_t *tf;
	size_t n;
	uint32_t *utf;               /* term frequencies of the terms the vocabulary lacks */
	size_t n_unknown;
	size_t cap, ucap;
	/* scratch */
	uint64_t *h;
	uint32_t *hid;
	size_t hcap;
	struct pb_buf key;
};

/* A set of strings (paper ids) for counting each document once. */
struct rk_idset {
	uint64_t *h;
	char **s;
	uint32_t *v;                 /* a value per id (the caller's) */
	size_t n, n_slots;
};

/* A member of a profile: one labelled paper with its signed, decayed weight. */
struct rk_member {
	uint32_t lab;                /* index into the labelled vectors */
	float w;                     /* verdict * decay */
	const struct pb_like *like;  /* for explanations (id, via) */
	unsigned char bare;          /* a paper of the day without a term that weighs: it is
				      * marked liked or not wanted, and weighs nothing else */
};

/* One distinct profile (equal profiles of several subscribers or topics are built once). */
struct rk_prof {
	uint64_t key;
	struct rk_member *m;
	size_t n_m;
	int n_pos, n_neg;            /* members that weigh (not bare) */
	int learned;                 /* a linear model was blended in */
	struct rk_vec v;             /* pruned to the day's strongest terms */
	float norm;                  /* length of the centroid before pruning (for blending) */
	size_t cost;                 /* postings touched to score the day through the index */
	float *emb;                  /* the embedding centroid, or NULL (computed on demand) */
	int emb_done;
};

struct rk_sub {
	uint32_t all;                /* profile of the subscriber's own labels, RK_NONE = none */
	uint32_t *topic;             /* per topic: its profile (may equal all), RK_NONE = none */
	unsigned char *mode;         /* per topic: enum pb_rank_mode, resolved */
};

struct pending_doc {
	char *id, *title, *abstract;
};

struct pb_ranker {
	const struct pb_config *cfg;
	int64_t now;
	struct pb_match_ranker stage;

	struct rk_vocab voc;
	struct rk_idset seen;        /* documents counted in df */
	size_t n_docs;
	struct pending_doc *pend;    /* pb_ranker_add_doc before the vocabulary exists */
	size_t n_pend, cap_pend;
	struct pb_state *corpus;     /* pb_ranker_add_corpus: read in prepare */

	/* the day */
	const struct pb_paperset *day;
	struct rk_pool dpool;
	struct rk_vec *dvec;
	uint32_t *istart;            /* voc.n + 1: term t's postings are ipost[istart[t]..) */
	uint32_t *idoc;
	float *iw;
	uint32_t *daylab;            /* per day paper: its label index, RK_NONE = unlabelled */
	uint32_t *labday;            /* per label: its day paper, RK_NONE = not of the day */
	signed char *dmark;          /* per day paper: its label in profile mark_prof (+1, -1) */
	uint32_t mark_prof;
	const float **demb;          /* per day paper: its embedding, or NULL (on demand) */

	/* labelled papers, each once */
	struct rk_idset labset;      /* id -> index of the labelled paper */
	struct rk_pool lpool;
	struct rk_vec *lvec;
	const struct pb_paper **lpaper;
	size_t n_lab, cap_lab;

	/* profiles */
	const struct pb_profile *profiles;
	struct rk_sub *subs;
	size_t n_subs;
	struct rk_prof *profs;
	size_t n_profs, cap_profs;
	uint32_t *pslots;            /* profile dedupe table: index + 1 */
	size_t n_pslots;
	struct rk_pool ppool;        /* the profiles' vectors */
	uint32_t **labs;             /* while preparing: per subscriber, per like, its label */

	/* scoring scratch */
	float *acc;                  /* day papers' scores for acc_prof */
	uint32_t acc_prof;
	float *dense;                /* voc.n: one profile scattered (while one is built, else
				      * profile dense_prof, for rk_score_one) */
	uint32_t dense_prof;
	float *xdense;               /* voc.n: one day paper scattered, for explanations */
	unsigned char *mark;         /* voc.n: the terms touched in dense */
	uint32_t *touched;
	size_t n_touched;
	int *fmap;                   /* voc.n: a term's feature number for liblinear, 0 = none */
	const struct pb_embed_set *emb;
	struct pb_rank_stats st;
	struct rk_terms scratch;
};

/* ---- vector.c ---- */
void rk_vocab_free(struct rk_vocab *v);
/* The id of term s (len bytes, hash h), RK_NONE when absent; with add, added when absent. */
uint32_t rk_vocab_get(struct rk_vocab *v, const char *s, size_t len, uint64_t h, int add);
const char *rk_vocab_term(const struct rk_vocab *v, uint32_t id);

/* Adds id; *val (may be NULL) points at its value until the next add. 1 new, 0 present. */
int rk_idset_add(struct rk_idset *s, const char *id, uint32_t **val);
/* The value of id, or RK_NONE when absent. */
uint32_t rk_idset_find(const struct rk_idset *s, const char *id);
void rk_idset_free(struct rk_idset *s);

/* The terms of p (folded title and abstract, stop words out, words and bigrams). add: new
 * terms enter the vocabulary (the day's papers). */
void rk_terms_of(struct rk_vocab *v, const struct pb_paper *p, int add, struct rk_terms *out);
void rk_terms_free(struct rk_terms *t);
/* 1 when the folded word w is a stop word. */
int rk_stopword(const char *w, size_t len);

/* The document frequencies a term needs to weigh anything, for n_docs documents. */
void rk_df_bounds(size_t n_docs, size_t *min, size_t *max);
/* Weighs the terms (sublinear tf times smoothed idf over n_docs; a term outside
 * rk_df_bounds weighs 0), normalises to unit length (unknown terms count with document
 * frequency 1, so not at all once rare terms are cut) and appends the vector to pool. */
struct rk_vec rk_weigh(const struct rk_vocab *v, size_t n_docs, const struct rk_terms *t,
		       struct rk_pool *pool);
void rk_pool_free(struct rk_pool *p);
/* Dot product of two vectors of possibly different pools. */
double rk_dot(const struct rk_pool *pa, struct rk_vec a, const struct rk_pool *pb,
	      struct rk_vec b);

/* ---- model.c ---- */
/* Trains a linear model on profile pr's members (their labelled vectors, +1 / -1) and adds
 * its weight vector, scaled to length scale, to r->dense (rk_dense_add). Returns 0, or -1
 * when liblinear could not train (dense untouched). */
int rk_model_blend(struct pb_ranker *r, const struct rk_prof *pr, double scale);

/* ---- ranker.c ---- */
/* Adds x to term t of the profile being built. */
void rk_dense_add(struct pb_ranker *r, uint32_t t, float x);
/* Day papers' similarities to profile k into r->acc (cached for the last k). */
void rk_score_all(struct pb_ranker *r, uint32_t k);
/* Day paper i's similarity to profile k. */
double rk_score_one(struct pb_ranker *r, uint32_t k, size_t i);
/* The profile of subscriber s for topic t (PB_LIKE_ALL_TOPICS: its own), or RK_NONE. */
uint32_t rk_prof_of(const struct pb_ranker *r, size_t s, size_t t);
/* The resolved mode of subscriber s's topic t. */
int rk_mode_of(const struct pb_ranker *r, size_t s, size_t t);
/* Makes papers the day when the stage is called with another set than prepared. */
int rk_ensure_day(struct pb_ranker *r, const struct pb_paperset *papers);

/* ---- stage.c ---- */
void rk_stage_init(struct pb_ranker *r);

/* A profile's labels settled (likes.c): a paper both liked and disliked keeps the later
 * verdict's labels only (a tie: "not for me"); then one label per (id, verdict, topic), the
 * first given that is not overruled (a `like` before an author's paper; a like given again
 * after a "not for me" stands). The kept labels stay in their order; the others are freed. */
void rk_profile_settle(struct pb_profile *p);

#endif
