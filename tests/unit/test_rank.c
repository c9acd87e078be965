/* The ranker: the vectoriser (folding, stop words, bigrams, weights), similarity to the likes
 * minus the dislikes, the decay of old likes, the learned model, the modes of the matcher's
 * ranking stage, explanations, and a reader without labels keeping the rules' order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/config.h"
#include "paperboy/hash.h"
#include "paperboy/match.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"
#include "../../src/rank/rank_int.h"
#include "t.h"
#include "t_state.h"

#define DAY 86400
#define NOW ((int64_t)1732800000)

static struct pb_config *
load_config(const char *text)
{
	char path[] = "/tmp/pb-test-rank-XXXXXX";
	struct pb_config_error err;
	struct pb_config *cfg;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f || fputs("arxiv = { categories = [\"cs\"]; };\n", f) < 0 || fputs(text, f) < 0 ||
	    fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	cfg = pb_config_load(path, &err);
	if (!cfg) {
		char msg[1024];

		pb_config_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "config: %s\n", msg);
	}
	unlink(path);
	return cfg;
}

static void
add_paper(struct pb_paperset *ps, const char *id, const char *title, const char *abstract)
{
	struct pb_paper p = { 0 };

	p.id = pb_xstrdup(id);
	p.version = 1;
	p.title = pb_xstrdup(title);
	p.abstract = pb_xstrdup(abstract);
	p.announce = PB_ANN_NEW;
	pb_paperset_add(ps, &p);
}

/* One label of profile pr, with the paper's text; link_texts() sets the text pointers. */
static void
label(struct pb_profile *pr, const char *id, int verdict, int64_t when, size_t topic,
      const char *via, const char *title, const char *abstract)
{
	struct pb_like *l;

	pr->likes = pb_xreallocarray(pr->likes, pr->n + 1, sizeof *pr->likes);
	l = &pr->likes[pr->n++];
	memset(l, 0, sizeof *l);
	l->id = pb_xstrdup(id);
	l->verdict = verdict;
	l->when = when;
	l->topic = topic;
	l->via = via ? pb_xstrdup(via) : NULL;
	if (title && pb_paperset_find(&pr->texts, id) < 0)
		add_paper(&pr->texts, id, title, abstract);
}

static void
link_texts(struct pb_profile *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		long k = pb_paperset_find(&pr->texts, pr->likes[i].id);

		pr->likes[i].paper = k >= 0 ? &pr->texts.v[k] : NULL;
	}
}

#define SPLAT_T "Real-time Gaussian splatting of dynamic scenes"
#define SPLAT_A "We render dynamic scenes with 3D Gaussian splatting, deforming each Gaussian " \
	"over time for real-time novel view synthesis."
#define QUANT_T "Superfluid helium in nanopores"
#define QUANT_A "Quantum Monte Carlo simulations of superfluid helium confined in nanopores " \
	"show a Luttinger liquid at low temperature."
#define LLM_T "Instruction tuning of large language models"
#define LLM_A "Large language models follow instructions after tuning on instruction data " \
	"and preference feedback."

/* A small day: two splatting papers, two on helium, one on language models. */
static void
make_day(struct pb_paperset *day)
{
	pb_paperset_init(day);
	add_paper(day, "2411.00001", "Gaussian splatting for large outdoor scenes",
		  "A Gaussian splatting method renders large outdoor scenes in real time.");
	add_paper(day, "2411.00002", "Helium films in porous media",
		  "Monte Carlo simulations of superfluid helium films in porous glass.");
	add_paper(day, "2411.00003", "Language models as judges",
		  "We ask large language models to judge instruction following.");
	add_paper(day, "2411.00004", "Dynamic Gaussian splatting with motion priors",
		  "Dynamic scenes are reconstructed by Gaussian splatting with motion priors for "
		  "novel view synthesis.");
	add_paper(day, "2411.00005", "Luttinger liquids of helium in nanopores",
		  "Helium confined in nanopores behaves as a Luttinger liquid; quantum Monte Carlo.");
}

/* ---- the vectoriser ---- */

static uint32_t
term(struct rk_vocab *v, const char *s)
{
	return rk_vocab_get(v, s, strlen(s), pb_fnv1a64(s, strlen(s)), 0);
}

static uint32_t
tf_of(const struct rk_terms *t, uint32_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->id[i] == id)
			return t->tf[i];
	return 0;
}

static void
test_vectoriser(void)
{
	struct rk_vocab v = { 0 };
	struct rk_terms t = { 0 }, u = { 0 };
	struct rk_pool pool = { 0 };
	struct pb_paper p = { 0 }, q = { 0 };
	struct rk_vec a;
	double norm = 0;

	p.title = "R\\'emy's 3D-Aware Gaussian Splatting";
	p.abstract = "The Gaussian splatting of R{\\'e}my and the scene of 2024.";
	rk_terms_of(&v, &p, 1, &t);
	/* folded as the matcher folds: TeX accents, case, hyphens */
	T_CHECK(term(&v, "remy") != RK_NONE);
	T_EQ_INT(tf_of(&t, term(&v, "remy")), 2);
	T_CHECK(term(&v, "3d") != RK_NONE);
	T_CHECK(term(&v, "aware") != RK_NONE);
	/* stop words, one-letter words and bare numbers weigh nothing */
	T_EQ_INT(term(&v, "the"), RK_NONE);
	T_EQ_INT(term(&v, "of"), RK_NONE);
	T_EQ_INT(term(&v, "and"), RK_NONE);
	T_EQ_INT(term(&v, "s"), RK_NONE);
	T_EQ_INT(term(&v, "2024"), RK_NONE);
	/* bigrams of adjacent kept words, within a field, counted in both fields */
	T_EQ_INT(tf_of(&t, term(&v, "gaussian splatting")), 2);
	T_CHECK(term(&v, "3d aware") != RK_NONE);
	T_CHECK(term(&v, "splatting remy") != RK_NONE);   /* "of" and "the" were dropped */
	T_EQ_INT(term(&v, "splatting gaussian"), RK_NONE);  /* no bigram across title/abstract */
	T_EQ_INT(tf_of(&t, term(&v, "gaussian")), 2);
	T_EQ_INT(rk_stopword("however", 7), 1);
	T_EQ_INT(rk_stopword("splatting", 9), 0);

	/* weights: unit length; with equal tf the rarer term weighs more; a term in more than
	 * a fifth of the documents weighs nothing */
	for (size_t i = 0; i < t.n; i++)
		v.df[t.id[i]] = 1;
	v.df[term(&v, "gaussian")] = 15;
	v.df[term(&v, "splatting")] = 21;
	a = rk_weigh(&v, 100, &t, &pool);
	for (uint32_t i = 0; i < a.n; i++)
		norm += (double)pool.w[a.off + i] * pool.w[a.off + i];
	T_CHECK(fabs(norm - 1.0) < 1e-5);
	{
		double wg = 0, wr = 0, ws = -1;

		for (uint32_t i = 0; i < a.n; i++) {
			if (pool.t[a.off + i] == term(&v, "gaussian"))
				wg = pool.w[a.off + i];
			if (pool.t[a.off + i] == term(&v, "remy"))
				wr = pool.w[a.off + i];
			if (pool.t[a.off + i] == term(&v, "splatting"))
				ws = pool.w[a.off + i];
		}
		T_CHECK(wr > wg && wg > 0);
		T_CHECK(ws == -1);        /* left out of the vector */
	}
	{
		size_t lo, hi;

		rk_df_bounds(50, &lo, &hi);          /* a handful of papers: no cut */
		T_EQ_INT(lo, 1);
		T_EQ_INT(hi, 50);
		rk_df_bounds(1500, &lo, &hi);
		T_EQ_INT(lo, 3);
		T_EQ_INT(hi, 300);
		rk_df_bounds(100000, &lo, &hi);
		T_EQ_INT(lo, 5);
	}
	T_CHECK(fabs(rk_dot(&pool, a, &pool, a) - 1.0) < 1e-5);

	/* a text looked up only (not a day paper) adds no term, and its unknown words still
	 * count in its length */
	q.title = "Gaussian splatting meets holography";
	rk_terms_of(&v, &q, 0, &u);
	T_EQ_INT(term(&v, "holography"), RK_NONE);
	T_EQ_INT(u.n, 3);          /* gaussian, splatting, gaussian splatting */
	T_EQ_INT(u.n_unknown, 4);  /* meets, holography, splatting meets, meets holography */
	rk_terms_free(&t);
	rk_terms_free(&u);
	rk_pool_free(&pool);
	rk_vocab_free(&v);
}

/* ---- similarity, decay, dislikes ---- */

static struct pb_config *
cfg_one(const char *topics, double half_life, int min_labels)
{
	char text[2048];

	snprintf(text, sizeof text,
		 "rank = { half_life_days = %g; min_labels = %d; };\n"
		 "subscribers = ( { name = \"a\"; like = [\"2401.00001\"]; max_papers = 3;\n"
		 "  topics = ( %s ); } );\n", half_life, min_labels, topics);
	return load_config(text);
}

static void
test_similarity(void)
{
	struct pb_config *cfg = cfg_one("{ name = \"t\"; query = \"ti:x\"; }", 365, 20);
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_ranker *r;
	double s1, s2, s3, s4, s5;

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	T_EQ_INT(pb_ranker_prepare(r, &day, pr), 0);
	s1 = pb_ranker_similarity(r, 0, 0, 0);
	s2 = pb_ranker_similarity(r, 0, 0, 1);
	s3 = pb_ranker_similarity(r, 0, 0, 2);
	s4 = pb_ranker_similarity(r, 0, 0, 3);
	s5 = pb_ranker_similarity(r, 0, PB_LIKE_ALL_TOPICS, 3);
	T_CHECK(s4 > s1 && s1 > s2 && s1 > s3);   /* dynamic splatting, then splatting */
	T_CHECK(s2 >= 0 && s2 < 0.05 && s3 < 0.05);
	T_CHECK(s4 <= 1.0);
	T_CHECK(s5 == s4);
	pb_ranker_free(r);

	/* a disliked paper pushes its like away: helium now scores below zero */
	label(&pr[0], "2401.00002", -1, NOW, PB_LIKE_ALL_TOPICS, NULL, QUANT_T, QUANT_A);
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	T_CHECK(pb_ranker_similarity(r, 0, 0, 4) < 0);
	T_CHECK(pb_ranker_similarity(r, 0, 0, 3) > 0);
	T_CHECK(pb_ranker_similarity(r, 0, 0, 3) >= -1 && pb_ranker_similarity(r, 0, 0, 4) >= -1);
	pb_ranker_free(r);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* Two likes on unrelated subjects, one half_life_days older: a day paper equal to the new
 * like scores twice what its twin of the old like scores. */
static void
test_decay(void)
{
	struct pb_config *cfg = cfg_one("{ name = \"t\"; query = \"ti:x\"; }", 100, 20);
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_ranker *r;
	double a, b;

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	pb_paperset_init(&day);
	add_paper(&day, "2411.10001", SPLAT_T, SPLAT_A);
	add_paper(&day, "2411.10002", QUANT_T, QUANT_A);
	label(&pr[0], "2401.00001", 1, NOW - DAY, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	label(&pr[0], "2401.00002", 1, NOW - DAY - 100 * DAY, PB_LIKE_ALL_TOPICS, NULL, QUANT_T,
	      QUANT_A);
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	a = pb_ranker_similarity(r, 0, 0, 0);
	b = pb_ranker_similarity(r, 0, 0, 1);
	T_CHECK(b > 0);
	T_CHECK(fabs(a / b - 2.0) < 1e-3);
	T_CHECK(fabs(a + b - 1.0) < 1e-3);    /* weights normalised: 2/3 + 1/3 */
	pb_ranker_free(r);

	/* a like 200 half lives old (its weight would round to 0 as a float and be taken for a
	 * dislike): still a like, every score a number, the fresh like's twin first */
	pr[0].likes[1].when = NOW - 200 * 100 * DAY;
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	a = pb_ranker_similarity(r, 0, 0, 0);
	b = pb_ranker_similarity(r, 0, 0, 1);
	T_CHECK(!isnan(a) && !isnan(b));
	T_CHECK(a > 0 && b >= 0 && a > b);
	pb_ranker_free(r);

	/* a like dated in the future or undated counts fully */
	pr[0].likes[0].when = NOW + DAY;
	pr[0].likes[1].when = 0;
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	T_CHECK(fabs(pb_ranker_similarity(r, 0, 0, 0) - pb_ranker_similarity(r, 0, 0, 1)) < 1e-3);
	pb_ranker_free(r);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* ---- the learned model ---- */

static void
test_learned(void)
{
	struct pb_config *cfg = cfg_one("{ name = \"t\"; query = \"ti:x\"; }", 365, 4);
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_ranker *r;
	struct pb_rank_stats st;
	double s[5], again[5];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	label(&pr[0], "2401.00003", 1, NOW, PB_LIKE_ALL_TOPICS, NULL,
	      "Splatting radiance fields", "Gaussian primitives splatted for radiance fields.");
	label(&pr[0], "2401.00002", -1, NOW, PB_LIKE_ALL_TOPICS, NULL, QUANT_T, QUANT_A);
	label(&pr[0], "2401.00004", -1, NOW, PB_LIKE_ALL_TOPICS, NULL, LLM_T, LLM_A);
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_ranker_stats(r, &st);
	T_EQ_INT(st.n_models, 1);
	for (size_t i = 0; i < 5; i++)
		s[i] = pb_ranker_similarity(r, 0, 0, i);
	/* separable labels: both splatting papers above every other */
	T_CHECK(s[0] > s[1] && s[0] > s[2] && s[0] > s[4]);
	T_CHECK(s[3] > s[1] && s[3] > s[2] && s[3] > s[4]);
	T_CHECK(s[1] < 0 && s[2] < 0);
	pb_ranker_free(r);
	/* deterministic: the same labels give the same scores */
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	for (size_t i = 0; i < 5; i++)
		again[i] = pb_ranker_similarity(r, 0, 0, i);
	T_CHECK(memcmp(s, again, sizeof s) == 0);
	pb_ranker_free(r);
	/* below min_labels: the centroid alone */
	pb_config_free(cfg);
	cfg = cfg_one("{ name = \"t\"; query = \"ti:x\"; }", 365, 5);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_ranker_stats(r, &st);
	T_EQ_INT(st.n_models, 0);
	pb_ranker_free(r);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* ---- the stage's modes ---- */

static size_t
find_hit(const struct pb_selection *sel, size_t paper)
{
	for (size_t i = 0; i < sel->n_hits; i++)
		if (sel->hits[i].paper == paper)
			return i;
	return (size_t)-1;
}

static void
test_modes(void)
{
	/* topic 0 rules, 1 filter (automatic: it has likes), 2 similar without query, 3 filter
	 * given but no likes of any kind reach it (subscriber b) */
	struct pb_config *cfg = load_config(
		"subscribers = (\n"
		" { name = \"a\"; max_papers = 10; like = [\"2401.00001\"];\n"
		"   topics = ( { name = \"rules\"; query = \"abs:helium OR abs:language\"; rank = \"rules\"; },\n"
		"              { name = \"filt\"; query = \"abs:scenes OR abs:helium\"; },\n"
		"              { name = \"sim\"; max_papers = 1; } ); },\n"
		" { name = \"b\"; max_papers = 10; rank = \"filter\";\n"
		"   topics = ( { name = \"t\"; query = \"abs:helium OR abs:splatting\"; } ); },\n"
		" { name = \"c\"; max_papers = 10; like = [\"2401.00001\"];\n"
		"   topics = ( { name = \"sim\"; min_similarity = 0.9; } ); }\n"
		");\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(4, sizeof *pr);
	struct pb_selection *sel = NULL, *ref = NULL, *plain = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	link_texts(&pr[0]);
	label(&pr[2], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	link_texts(&pr[2]);
	m = pb_matcher_new(cfg, err, sizeof err);
	T_CHECK(m != NULL);
	if (!m)
		goto out;
	/* without a stage a topic without query takes nothing */
	T_EQ_INT(pb_match_all(m, &day, &plain, err, sizeof err), 0);
	for (size_t i = 0; i < plain[0].n_hits; i++)
		T_CHECK(plain[0].hits[i].topic != 2);
	T_EQ_INT(plain[2].n_hits, 0);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_EQ_INT(pb_match_all_reference(m, &day, &ref, err, sizeof err), 0);
	for (size_t s = 0; s < 3; s++) {
		T_EQ_INT(sel[s].n_hits, ref[s].n_hits);
		for (size_t i = 0; i < sel[s].n_hits && i < ref[s].n_hits; i++) {
			T_EQ_INT(sel[s].hits[i].paper, ref[s].hits[i].paper);
			T_CHECK(sel[s].hits[i].score == ref[s].hits[i].score);
		}
	}
	/* a: the rules topic keeps its rule score (helium: abs 1), the filter topic's hits
	 * carry their similarity, the similar topic keeps its best one */
	{
		size_t h2 = find_hit(&sel[0], 1), h4 = find_hit(&sel[0], 3), h1 = find_hit(&sel[0], 0);

		T_CHECK(h2 != (size_t)-1 && sel[0].hits[h2].topic == 0 &&
			sel[0].hits[h2].score == 1.0);
		T_CHECK(h4 != (size_t)-1 && sel[0].hits[h4].topic == 1);
		T_CHECK(h4 != (size_t)-1 && fabs(sel[0].hits[h4].score -
						 pb_ranker_similarity(r, 0, 1, 3)) < 1e-9);
		/* 2411.00001 only the similar topic can take, and it keeps one: 00004 is taken
		 * by the filter topic (better score there), so 00001 is the similar one's best */
		T_CHECK(h1 != (size_t)-1);
		T_CHECK(sel[0].why != NULL);
		if (h4 != (size_t)-1 && sel[0].why) {
			T_CHECK(sel[0].why[h4] && strncmp(sel[0].why[h4], "similar to 2401.00001 (",
							   23) == 0);
		}
		if (h2 != (size_t)-1 && sel[0].why)
			T_CHECK(sel[0].why[h2] == NULL);    /* rules: no reason from the ranker */
	}
	/* b: no likes: the rules' order and scores, whatever the mode says */
	T_EQ_INT(sel[1].n_hits, plain[1].n_hits);
	for (size_t i = 0; i < sel[1].n_hits && i < plain[1].n_hits; i++) {
		T_EQ_INT(sel[1].hits[i].paper, plain[1].hits[i].paper);
		T_CHECK(sel[1].hits[i].score == plain[1].hits[i].score);
	}
	T_CHECK(sel[1].n_hits > 0);
	/* c: min_similarity 0.9: nothing that far from the like */
	T_EQ_INT(sel[2].n_hits, 0);
	pb_selections_free(sel, cfg->n_subscribers);
	pb_selections_free(ref, cfg->n_subscribers);
	pb_ranker_free(r);
	pb_matcher_free(m);
out:
	pb_selections_free(plain, cfg->n_subscribers);
	pb_profiles_free(pr, 3);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A subscriber with likes and no topics: the day ranked by similarity alone, capped by
 * max_papers; a disliked paper never comes back. */
static void
test_no_topics(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 2; like = [\"2401.00001\"]; } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	label(&pr[0], "2411.00004", -1, NOW, PB_LIKE_ALL_TOPICS, NULL,
	      "Dynamic Gaussian splatting with motion priors", "Dynamic scenes.");
	link_texts(&pr[0]);
	m = pb_matcher_new(cfg, err, sizeof err);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_EQ_INT(sel[0].n_hits, 1);      /* only 00001 is similar; 00004 is disliked */
	if (sel[0].n_hits)
		T_EQ_STR(day.v[sel[0].hits[0].paper].id, "2411.00001");
	pb_selections_free(sel, 1);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A reader whose only labels are "not for me": the disliked paper goes, the rest keep the
 * rules' order and scores (title matches above abstract matches). */
static void
test_dislikes_only(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 5;\n"
		"   topics = ( { name = \"t\"; query = \"ti:helium OR abs:helium OR "
		"abs:splatting OR abs:language\"; } ); } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *plain = NULL, *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2411.00003", -1, NOW, PB_LIKE_ALL_TOPICS, NULL, day.v[2].title,
	      day.v[2].abstract);
	link_texts(&pr[0]);
	m = pb_matcher_new(cfg, err, sizeof err);
	T_EQ_INT(pb_match_all(m, &day, &plain, err, sizeof err), 0);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_EQ_INT(find_hit(&sel[0], 2), (size_t)-1);       /* the disliked paper */
	T_EQ_INT(sel[0].n_hits + 1, plain[0].n_hits);
	for (size_t i = 0, j = 0; i < plain[0].n_hits && j < sel[0].n_hits; i++) {
		if (plain[0].hits[i].paper == 2)
			continue;
		T_EQ_INT(sel[0].hits[j].paper, plain[0].hits[i].paper);
		T_CHECK(sel[0].hits[j].score == plain[0].hits[i].score);
		j++;
	}
	pb_selections_free(sel, 1);
	pb_selections_free(plain, 1);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A liked paper of the day is what a "similar" topic searches from: not offered back; the
 * rules of a filter topic may still choose it. */
static void
test_liked_not_back(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 5; like = [\"2411.00001\"]; },\n"
		" { name = \"b\"; max_papers = 5; like = [\"2411.00001\"];\n"
		"   topics = ( { name = \"t\"; query = \"abs:splatting\"; } ); } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(3, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	for (int s = 0; s < 2; s++) {
		label(&pr[s], "2411.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, day.v[0].title,
		      day.v[0].abstract);
		link_texts(&pr[s]);
	}
	m = pb_matcher_new(cfg, err, sizeof err);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_EQ_INT(find_hit(&sel[0], 0), (size_t)-1);
	T_CHECK(find_hit(&sel[0], 3) == 0);          /* dynamic splatting first */
	T_CHECK(find_hit(&sel[1], 0) != (size_t)-1); /* the rule took it */
	pb_selections_free(sel, 2);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 2);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A liked author's lookup finds the day's new papers too: such a paper is a find of a
 * "similar" topic, not a liked paper held back, and its reason is the author's other papers,
 * never itself; a paper the reader named as well stays held back. */
static void
test_author_paper_of_day(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 5; like = [\"2411.00001\"];\n"
		"   like_authors = [\"Adrian Del Maestro\"]; } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	struct pb_buf b = { 0 };
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2411.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, day.v[0].title,
	      day.v[0].abstract);
	label(&pr[0], "2301.00007", 1, NOW - 30 * DAY, PB_LIKE_ALL_TOPICS, "Adrian Del Maestro",
	      QUANT_T, QUANT_A);
	label(&pr[0], "2411.00005", 1, NOW, PB_LIKE_ALL_TOPICS, "Adrian Del Maestro",
	      day.v[4].title, day.v[4].abstract);
	/* named, and one of the author's too (a topic's like, after settling) */
	label(&pr[0], "2411.00001", 1, NOW, 0, "Adrian Del Maestro", NULL, NULL);
	link_texts(&pr[0]);
	m = pb_matcher_new(cfg, err, sizeof err);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_CHECK(find_hit(&sel[0], 4) != (size_t)-1);     /* the author's new paper */
	T_EQ_INT(find_hit(&sel[0], 0), (size_t)-1);      /* the named like: held back */
	pb_ranker_explain(r, 0, 0, 4, &b);
	T_CHECK(strncmp(pb_buf_str(&b), "similar to 2301.00007 (0.", 25) == 0);
	T_CHECK(strstr(pb_buf_str(&b), "2411.00005") == NULL);
	pb_buf_reset(&b);
	pb_ranker_explain(r, 0, 0, 0, &b);               /* as a filter topic would show it */
	T_CHECK(strstr(pb_buf_str(&b), "2411.00001") == NULL);
	pb_buf_free(&b);
	pb_selections_free(sel, 1);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* Embeddings fused by reciprocal rank: a paper lexically unlike the liked one but with its
 * very vector comes first; without vectors the lexical order stands. */
static void
test_fusion(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 5; like = [\"2401.00001\"];\n"
		"   topics = ( { name = \"t\"; query = \"abs:helium OR abs:splatting OR abs:language\"; } ); } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char *keys[] = { "2401.00001v1", "2411.00001v1", "2411.00002v1", "2411.00003v1",
			 "2411.00004v1", "2411.00005v1" };
	float one[2] = { 1, 0 }, other[2] = { 0, 1 };
	float *vecs[] = { one, other, one, other, other, other };
	struct pb_embed_set e = { keys, vecs, 6, 2, 0 };
	char err[512];

	T_CHECK(fabs(pb_rrf(0, 0, 60) - 2.0 / 61) < 1e-12);
	T_CHECK(fabs(pb_rrf(2, (size_t)-1, 60) - 1.0 / 63) < 1e-12);
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	link_texts(&pr[0]);
	m = pb_matcher_new(cfg, err, sizeof err);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_CHECK(sel[0].n_hits == 5 && sel[0].hits[0].paper == 3);    /* lexical: dynamic splatting */
	pb_selections_free(sel, 1);
	pb_ranker_set_embeddings(r, &e);
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	/* helium: lexical rank 2, embedding rank 0: 1/63 + 1/61 beats 2/62 and 1/61 + 1/64 */
	T_CHECK(sel[0].n_hits == 5 && sel[0].hits[0].paper == 1);
	T_CHECK(sel[0].n_hits == 5 && fabs(sel[0].hits[0].score - (1.0 / 63 + 1.0 / 61)) < 1e-9);
	pb_selections_free(sel, 1);
	pb_ranker_set_embeddings(r, NULL);
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_CHECK(sel[0].n_hits == 5 && sel[0].hits[0].paper == 3);
	pb_selections_free(sel, 1);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* The embedding profile weighs a "not for me" as the lexical one does, at a quarter: with a
 * like at (1, 0) and a dislike at (0, 1), the liked paper's twin (1, 0) is nearer than a
 * paper at 45 degrees away from the dislike (0.71, -0.71), which only a dislike at full
 * weight would put first. */
static void
test_fusion_dislike(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 5; like = [\"2401.00001\"];\n"
		"   topics = ( { name = \"t\"; query = \"abs:splatting OR abs:language\"; } ); } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char *keys[] = { "2401.00001v1", "2401.00002v1", "2411.00001v1", "2411.00003v1" };
	float like[2] = { 1, 0 }, dislike[2] = { 0, 1 }, twin[2] = { 1, 0 };
	float away[2] = { 0.70710678f, -0.70710678f };
	float *vecs[] = { like, dislike, twin, away };
	struct pb_embed_set e = { keys, vecs, 4, 2, 0 };
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	label(&pr[0], "2401.00002", -1, NOW, PB_LIKE_ALL_TOPICS, NULL, QUANT_T, QUANT_A);
	link_texts(&pr[0]);
	m = pb_matcher_new(cfg, err, sizeof err);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_ranker_set_embeddings(r, &e);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	{
		size_t x = find_hit(&sel[0], 0), y = find_hit(&sel[0], 2);

		/* the twin is second lexically (dynamic splatting, without a vector, is first) and
		 * first by embedding: 1/62 + 1/61, above the language paper's 1/63 + 1/62 */
		T_CHECK(x != (size_t)-1 && y != (size_t)-1);
		if (x != (size_t)-1 && y != (size_t)-1) {
			T_CHECK(fabs(sel[0].hits[x].score - (1.0 / 62 + 1.0 / 61)) < 1e-9);
			T_CHECK(sel[0].hits[x].score > sel[0].hits[y].score);
			if (!(sel[0].hits[x].score > sel[0].hits[y].score))
				fprintf(stderr, "twin %.6f, away %.6f\n", sel[0].hits[x].score,
					sel[0].hits[y].score);
		}
	}
	pb_selections_free(sel, 1);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* The corpus's papers count in the frequencies: a word every corpus paper has weighs less
 * than one none has, the day's own papers are not counted twice. */
static void
test_corpus(void)
{
	struct pb_config *cfg = cfg_one("{ name = \"t\"; query = \"ti:x\"; }", 365, 20);
	char dir[] = "/tmp/pb-test-rank-st-XXXXXX", path[128], err[256];
	struct pb_paperset day, old;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_state *st;
	struct pb_ranker *r;
	struct pb_rank_stats rs;
	double a, b;

	T_CHECK(cfg != NULL && mkdtemp(dir) != NULL);
	if (!cfg)
		return;
	snprintf(path, sizeof path, "%s/paperboy.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		goto out;
	pb_paperset_init(&day);
	add_paper(&day, "2411.20001", "Helium", "helium");
	add_paper(&day, "2411.20002", "Splatting", "splatting");
	pb_paperset_init(&old);
	for (int i = 0; i < 8; i++) {
		char id[32];

		snprintf(id, sizeof id, "2410.%05d", i);
		add_paper(&old, id, "Helium again", "More helium.");
	}
	add_paper(&old, "2411.20001", "Helium", "helium");     /* a day paper, already recorded */
	for (size_t i = 0; i < old.n; i++)
		T_EQ_INT(pb_corpus_put(st, &old.v[i], "2024-11-20"), 0);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, "Helium splatting",
	      "helium splatting");
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_add_corpus(r, st);
	pb_ranker_prepare(r, &day, pr);
	pb_ranker_stats(r, &rs);
	T_EQ_INT(rs.n_docs, 2 + 8 + 1);      /* day, corpus but the day's paper, the like */
	a = pb_ranker_similarity(r, 0, 0, 0);
	b = pb_ranker_similarity(r, 0, 0, 1);
	T_CHECK(b > a && a > 0);              /* helium is common in the corpus */
	pb_ranker_free(r);
	pb_state_close(st);
	pb_paperset_free(&old);
	pb_paperset_free(&day);
out:
	unlink(path);
	{
		char wal[160];

		snprintf(wal, sizeof wal, "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof wal, "%s-shm", path);
		unlink(wal);
	}
	rmdir(dir);
	pb_profiles_free(pr, 1);
	pb_config_free(cfg);
}

/* ---- explanations ---- */

static void
test_explain(void)
{
	struct pb_config *cfg = cfg_one("{ name = \"t\"; query = \"ti:x\"; }", 365, 20);
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_ranker *r;
	struct pb_buf b = { 0 };

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	label(&pr[0], "2301.00007", 1, NOW, PB_LIKE_ALL_TOPICS, "Adrian Del Maestro", QUANT_T,
	      QUANT_A);
	label(&pr[0], "2301.00008", 1, NOW, PB_LIKE_ALL_TOPICS, "Adrian Del Maestro",
	      "Helium in nanopores at low temperature", "Quantum Monte Carlo of helium in pores.");
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	pb_ranker_explain(r, 0, 0, 3, &b);
	T_CHECK(strncmp(pb_buf_str(&b), "similar to 2401.00001 (0.", 25) == 0);
	pb_buf_reset(&b);
	pb_ranker_explain(r, 0, 0, 4, &b);
	T_EQ_STR(pb_buf_str(&b), "2 liked papers by Adrian Del Maestro");
	pb_buf_reset(&b);
	pb_ranker_explain(r, 0, 0, 2, &b);       /* language models: nothing in common */
	T_EQ_STR(pb_buf_str(&b), "");
	pb_buf_free(&b);
	pb_ranker_free(r);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

#define AVATAR_T "Gaussian splatting of dynamic avatars"
#define AVATAR_A "Dynamic scenes of avatars rendered by Gaussian splatting in real time."

/* A reader with two topics, each with its own like: a "more like this" given in topic A
 * (its home) reorders A and leaves B's scores and reasons alone; a "not for me" given in A
 * still keeps its paper out of B; a verdict of no one topic counts in both, as ever. */
static void
test_verdict_home(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 10;\n"
		"   topics = ( { name = \"A\"; query = \"abs:splatting\"; like = [\"2401.00001\"]; },\n"
		"              { name = \"B\"; query = \"abs:helium OR abs:scenes\";\n"
		"                like = [\"2401.00002\"]; } ); } );\n");
	struct pb_paperset day, more;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m = NULL;
	struct pb_ranker *r;
	struct pb_buf b = { 0 };
	double base_a[5], base_b[5], sa, sb;
	char err[512];
	int moved_a = 0, same_b = 1, moved_b = 0;

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	/* the verdict's paper counts in the frequencies of every run alike */
	pb_paperset_init(&more);
	add_paper(&more, "2410.00009", AVATAR_T, AVATAR_A);
	label(&pr[0], "2401.00001", 1, NOW - 300 * DAY, 0, NULL, SPLAT_T, SPLAT_A);
	label(&pr[0], "2401.00002", 1, NOW - 300 * DAY, 1, NULL, QUANT_T, QUANT_A);
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_add_doc(r, &more.v[0]);
	pb_ranker_prepare(r, &day, pr);
	for (size_t i = 0; i < day.n; i++) {
		base_a[i] = pb_ranker_similarity(r, 0, 0, i);
		base_b[i] = pb_ranker_similarity(r, 0, 1, i);
	}
	pb_ranker_free(r);

	/* "more like this" on an avatar splatting paper, given in A two days ago */
	label(&pr[0], "2410.00009", 1, NOW - 2 * DAY, PB_LIKE_ALL_TOPICS, NULL, AVATAR_T,
	      AVATAR_A);
	pr[0].likes[2].home = 1;
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_add_doc(r, &more.v[0]);
	pb_ranker_prepare(r, &day, pr);
	for (size_t i = 0; i < day.n; i++) {
		sa = pb_ranker_similarity(r, 0, 0, i);
		sb = pb_ranker_similarity(r, 0, 1, i);
		moved_a |= fabs(sa - base_a[i]) > 1e-6;
		same_b &= fabs(sb - base_b[i]) < 1e-6;
	}
	T_CHECK(moved_a);
	T_CHECK(same_b);
	/* B's reason for the dynamic scenes paper is not A's verdict */
	pb_ranker_explain(r, 0, 1, 3, &b);
	T_CHECK(strstr(pb_buf_str(&b), "2410.00009") == NULL);
	pb_buf_free(&b);
	pb_ranker_free(r);

	/* "not for me" on the dynamic scenes paper of the day, given in A: B, whose query
	 * takes it too, does not offer it */
	label(&pr[0], "2411.00004", -1, NOW - DAY, PB_LIKE_ALL_TOPICS, NULL, NULL, NULL);
	pr[0].likes[3].home = 1;
	pr[0].likes[3].paper = &day.v[3];
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_add_doc(r, &more.v[0]);
	pb_ranker_prepare(r, &day, pr);
	m = pb_matcher_new(cfg, err, sizeof err);
	T_CHECK(m != NULL);
	if (m) {
		pb_matcher_set_ranker(m, pb_ranker_stage(r));
		T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
		T_CHECK(sel && sel[0].n_hits > 0);
		T_EQ_INT(sel ? (long)find_hit(&sel[0], 3) : 0, -1);
		pb_selections_free(sel, cfg->n_subscribers);
		pb_matcher_free(m);
	}
	pb_ranker_free(r);

	/* the same verdicts of no one topic (a state's from before, or a paper both queries
	 * match): B is reordered by them as ever */
	pr[0].likes[2].home = pr[0].likes[3].home = 0;
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_add_doc(r, &more.v[0]);
	pb_ranker_prepare(r, &day, pr);
	for (size_t i = 0; i < day.n; i++)
		moved_b |= fabs(pb_ranker_similarity(r, 0, 1, i) - base_b[i]) > 1e-6;
	T_CHECK(moved_b);
	pb_ranker_free(r);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&more);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A reader without labels: the stage leaves every candidate and score as the rules made
 * them, and equal profiles of two readers are one. */
static void
test_empty_and_shared(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = (\n"
		" { name = \"a\"; topics = ( { name = \"t\"; query = \"abs:helium\"; rank = \"filter\"; } ); },\n"
		" { name = \"b\"; like = [\"2401.00001\"]; topics = ( { name = \"t\"; query = \"abs:helium\"; } ); },\n"
		" { name = \"c\"; like = [\"2401.00001\"]; topics = ( { name = \"t\"; query = \"abs:helium\"; } ); }\n"
		");\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(4, sizeof *pr);
	const struct pb_match_ranker *stage;
	struct pb_ranker *r;
	struct pb_hit c[3] = { { 4, 3.0, 0, PB_HIT_TOPIC }, { 1, 2.0, 0, PB_HIT_TOPIC },
			       { 0, 1.0, 0, PB_HIT_TOPIC } };

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	label(&pr[1], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, QUANT_T, QUANT_A);
	link_texts(&pr[1]);
	label(&pr[2], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, QUANT_T, QUANT_A);
	link_texts(&pr[2]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	stage = pb_ranker_stage(r);
	T_EQ_INT(stage->rank(stage->ctx, 0, &day, c, 3), 3);
	T_EQ_INT(c[0].paper, 4);
	T_CHECK(c[0].score == 3.0 && c[1].score == 2.0 && c[2].score == 1.0);
	T_EQ_INT(r->n_profs, 1);          /* b and c share one profile */
	T_EQ_INT(stage->rank(stage->ctx, 1, &day, c, 3), 3);
	T_CHECK(c[0].score > c[2].score);  /* helium in nanopores above splatting */
	pb_ranker_free(r);
	pb_profiles_free(pr, 3);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A "not for me" on a paper whose text gives no term that weighs (no abstract, a title of stop
 * words) still keeps it out of a ranked topic, whether the reader has other labels or not;
 * the other papers keep the order they had. */
static void
test_dislike_without_terms(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = (\n"
		" { name = \"a\"; like = [\"2401.00001\"];\n"
		"   topics = ( { name = \"t\"; query = \"abs:helium\"; rank = \"filter\"; } ); },\n"
		" { name = \"b\"; topics = ( { name = \"t\"; query = \"abs:helium\"; rank = \"filter\"; } ); },\n"
		" { name = \"c\"; topics = ( { name = \"t\"; query = \"abs:helium\"; } ); }\n"
		");\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(4, sizeof *pr);
	const struct pb_match_ranker *stage;
	struct pb_ranker *r;

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	make_day(&day);
	add_paper(&day, "2411.00006", "On the", "");
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, QUANT_T, QUANT_A);
	for (size_t s = 0; s < 3; s++) {
		label(&pr[s], "2411.00006", -1, NOW, PB_LIKE_ALL_TOPICS, NULL, "On the", "");
		link_texts(&pr[s]);
	}
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	stage = pb_ranker_stage(r);
	for (size_t s = 0; s < 3; s++) {
		struct pb_hit c[3] = { { 5, 3.0, 0, PB_HIT_TOPIC }, { 4, 2.0, 0, PB_HIT_TOPIC },
				       { 1, 1.0, 0, PB_HIT_TOPIC } };

		T_EQ_INT(stage->rank(stage->ctx, s, &day, c, 3), 2);
		T_CHECK(c[0].paper != 5 && c[1].paper != 5);
		if (s > 0) {       /* no like: the rules' order and scores */
			T_EQ_INT(c[0].paper, 4);
			T_CHECK(c[0].score == 2.0 && c[1].score == 1.0);
		}
	}
	/* the paper without terms weighs nothing in a's profile */
	T_EQ_INT(r->profs[r->subs[0].all].n_neg, 0);
	pb_ranker_free(r);
	pb_profiles_free(pr, 3);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

/* A "similar" topic at its cap keeps, of papers with equal scores, the one every digest puts
 * first (match.h: new before cross-list before revision, then the newer id): two papers of
 * the same text, and, with embeddings, two papers whose lexical and embedding ranks are
 * swapped (equal fused scores). */
static void
test_similar_ties(void)
{
	struct pb_config *cfg = load_config(
		"subscribers = ( { name = \"a\"; max_papers = 1; like = [\"2401.00001\"]; } );\n");
	struct pb_paperset day;
	struct pb_profile *pr = pb_xcalloc(2, sizeof *pr);
	struct pb_selection *sel = NULL;
	struct pb_matcher *m;
	struct pb_ranker *r;
	char *keys[] = { "2401.00001v1", "2310.00007v1", "2411.00009v1", "2411.00003v1" };
	float one[2] = { 1, 0 }, near[2] = { 0.8f, 0.6f }, other[2] = { 0, 1 };
	float *vecs[] = { one, near, one, other };
	struct pb_embed_set e = { keys, vecs, 4, 2, 0 };
	char err[512];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	/* the same text twice, the older id first in the feed */
	pb_paperset_init(&day);
	add_paper(&day, "2310.00007", SPLAT_T, SPLAT_A);
	add_paper(&day, "2411.00009", SPLAT_T, SPLAT_A);
	add_paper(&day, "2411.00003", LLM_T, LLM_A);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	link_texts(&pr[0]);
	m = pb_matcher_new(cfg, err, sizeof err);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	T_CHECK(pb_ranker_similarity(r, 0, 0, 0) == pb_ranker_similarity(r, 0, 0, 1));
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_EQ_INT(sel[0].n_hits, 1);
	if (sel[0].n_hits)
		T_EQ_STR(day.v[sel[0].hits[0].paper].id, "2411.00009");
	pb_selections_free(sel, 1);
	pb_ranker_free(r);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);

	/* two new papers: lexically the older id first, by embedding the newer: a tie */
	pr = pb_xcalloc(2, sizeof *pr);
	pb_paperset_init(&day);
	add_paper(&day, "2310.00007", SPLAT_T, SPLAT_A);
	add_paper(&day, "2411.00009", "Gaussian splatting for large outdoor scenes",
		  "A Gaussian splatting method renders large outdoor scenes in real time.");
	add_paper(&day, "2411.00003", LLM_T, LLM_A);
	label(&pr[0], "2401.00001", 1, NOW, PB_LIKE_ALL_TOPICS, NULL, SPLAT_T, SPLAT_A);
	link_texts(&pr[0]);
	r = pb_ranker_new(cfg, NOW);
	pb_ranker_prepare(r, &day, pr);
	T_CHECK(pb_ranker_similarity(r, 0, 0, 0) > pb_ranker_similarity(r, 0, 0, 1));
	pb_ranker_set_embeddings(r, &e);
	pb_matcher_set_ranker(m, pb_ranker_stage(r));
	T_EQ_INT(pb_match_all(m, &day, &sel, err, sizeof err), 0);
	T_EQ_INT(sel[0].n_hits, 1);
	if (sel[0].n_hits)
		T_EQ_STR(day.v[sel[0].hits[0].paper].id, "2411.00009");
	pb_selections_free(sel, 1);
	pb_ranker_free(r);
	pb_matcher_free(m);
	pb_profiles_free(pr, 1);
	pb_paperset_free(&day);
	pb_config_free(cfg);
}

static void
test_config_checks(void)
{
	struct pb_config *cfg;

	cfg = load_config("subscribers = ( { name = \"a\"; topics = ( { name = \"t\"; } ); } );\n");
	T_CHECK(cfg == NULL);      /* neither query nor likes */
	cfg = load_config("subscribers = ( { name = \"a\"; rank = \"best\"; topics = ( { name = \"t\"; "
			  "query = \"ti:x\"; } ); } );\n");
	T_CHECK(cfg == NULL);
	cfg = load_config("subscribers = ( { name = \"a\"; topics = ( { name = \"t\"; like = "
			  "[\"2411.17790\"]; rank = \"similar\"; } ); } );\n");
	T_CHECK(cfg != NULL);
	pb_config_free(cfg);
	T_EQ_INT(pb_rank_mode_parse("filter"), PB_RANK_FILTER);
	T_EQ_INT(pb_rank_mode_parse(NULL), PB_RANK_AUTO);
	T_EQ_INT(pb_rank_mode_parse("Similar"), -1);
}

int
main(void)
{
	test_vectoriser();
	test_similarity();
	test_decay();
	test_learned();
	test_modes();
	test_no_topics();
	test_dislikes_only();
	test_liked_not_back();
	test_author_paper_of_day();
	test_fusion();
	test_fusion_dislike();
	test_corpus();
	test_explain();
	test_empty_and_shared();
	test_dislike_without_terms();
	test_config_checks();
	test_similar_ties();
	test_verdict_home();
	if (t_failed) {
		fprintf(stderr, "test_rank: %d of %d checks FAILED\n", t_failed, t_checked);
		return 1;
	}
	printf("test_rank: %d checks ok\n", t_checked);
	return 0;
}
