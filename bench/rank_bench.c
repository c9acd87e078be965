/* rank_bench: the ranker (rank.h) on real arXiv papers, for quality and for speed.
 *
 *   rank_bench quality FIXTURE_DIR OUT_DIR [SEED [MIN_LABELS]]
 *
 * Readers with five liked papers on one narrow subject, against the 1,504-paper day of the
 * fixtures (rss2-all-archives-2024-11-28-1504items.xml). A subject is a primary arXiv category
 * with 10 to 60 papers that day (the broad cs.CV, cs.LG and cs.CL are left out). Each subject
 * gives three readers whose five seeds are drawn (xorshift, SEED) from the day's papers of the
 * subject and held out of the candidates, and one more whose seeds are drawn from the 2014
 * OAI-PMH page of 1,000 papers (oai-listrecords-arXivRaw-2014-1000records.xml) when it has five
 * of the subject. Each subject's first held-out reader comes again with 15 "not for me"
 * verdicts (-1) on papers of neighbouring subjects (another primary category of the same
 * archive), enough labels for a learned model (rank.min_labels 20); those papers leave the
 * candidates too. A candidate is relevant when its primary category is the subject. The
 * document frequencies count every paper of both files. paperboy gets each reader's seeds as a
 * profile (struct pb_profile with the papers' texts, +1 each, dated by the paper) through
 * pb_ranker_add_doc / pb_ranker_prepare / pb_ranker_similarity (t = PB_LIKE_ALL_TOPICS).
 * Writes OUT_DIR/corpus.jsonl (every paper's text, so the references read the same words),
 * OUT_DIR/readers.jsonl (the seeds) and OUT_DIR/paperboy.tsv (each reader's top 20, ties by
 * the day's order); bench/rank_ref.py ranks the same candidates and scores all three.
 *
 *   rank_bench speed FIXTURE_DIR [SUBSCRIBERS [PAPERS [LIKES [ROUNDS]]]]
 *
 * SUBSCRIBERS (10000) generated as match_bench does (bench_gen.h: 5 topics of ~6 terms), each
 * with LIKES (20) liked papers drawn from the corpus (every fixture paper), against a day of
 * PAPERS (2000: the 1,504-paper day and the first OAI records). ROUNDS (3) rounds alternate
 * A) the matcher alone: pb_matcher_new + pb_match_all with a skip filter (a ledger stand-in
 *    that skips 1 in 20 subscriber/paper pairs), and
 * B) the ranking: pb_ranker_new + pb_ranker_add_doc (corpus) + pb_ranker_prepare, then the
 *    ranking stage called on every paper of the day for every subscriber (all PAPERS are
 *    candidates), then pb_match_all with the stage set (the "filter" case: the rules'
 *    candidates), the time inside the stage's rank() and why() counted apart, and
 * C) the same subscribers without topics (the "similar" case of a query-less topic: every
 *    paper their cross/replace settings allow is a candidate), ranker and pb_match_all.
 * Memory: resident set before pb_ranker_new and after pb_ranker_prepare (first round), and
 * pb_rank_stats.bytes, each divided by the subscribers. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/match.h"
#include "paperboy/parse.h"
#include "paperboy/rank.h"

#include "bench_gen.h"

#define DAY_FILE "rss2-all-archives-2024-11-28-1504items.xml"
#define OLD_FILE "oai-listrecords-arXivRaw-2014-1000records.xml"
#define DAY_NOW  1732752000       /* 2024-11-28T00:00:00Z, the day's announcement */
#define N_SEEDS  5
#define N_DIS    15               /* "not for me" verdicts of the readers who give some */
#define TOP_OUT  20

/* The API answers of the fixtures: more real papers for the corpus of the speed run. */
static const char *const extra_files[] = {
	"api2026-query-all-testing-100.xml",
	"api2026-query-all-testing-start5-max10.xml",
	"api2016-query-au-del_maestro-10.xml",
	"api2016-idlist-1111.2011v2.xml",
	"api2026-idlist-two-ids-one-missing.xml",
	"api2026-id-oldstyle-astro-ph-0601001-affiliations.xml",
	"api2026-id-oldstyle-quant-ph-0201082v1.xml",
};

static int
load(const char *dir, const char *name, struct pb_paperset *ps)
{
	struct pb_parse_result res;
	struct pb_buf path = { 0 };
	char err[512], *data = NULL;
	size_t len;
	int rc = -1;

	pb_buf_printf(&path, "%s/%s", dir, name);
	if (pb_read_file(path.data, &data, &len, err, sizeof err) < 0) {
		fprintf(stderr, "rank_bench: %s\n", err);
		goto out;
	}
	if (pb_parse_feed(data, len, path.data, ps, &res) != PB_PARSE_OK) {
		fprintf(stderr, "rank_bench: %s: %s\n", path.data, res.message);
		goto out;
	}
	rc = 0;
out:
	free(data);
	pb_buf_free(&path);
	return rc;
}

static const char *
primary(const struct pb_paper *p)
{
	return p->n_categories ? p->categories[0] : "";
}

/* Unix seconds of a "YYYY-MM-DD..." date, or fallback. */
static int64_t
date_of(const char *s, int64_t fallback)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!s || sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return fallback;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* Resident set size of this process in KB (Linux), or 0. */
static long
rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Bytes the heap has handed out and not taken back (glibc). */
static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Draws k distinct members of v[0..n) into out, in draw order (partial Fisher-Yates). */
static void
draw(const size_t *v, size_t n, size_t k, size_t *out)
{
	size_t *c = pb_xcalloc(n ? n : 1, sizeof *c);

	memcpy(c, v, n * sizeof *c);
	for (size_t i = 0; i < k && i < n; i++) {
		size_t j = i + pick(n - i), t = c[i];

		c[i] = c[j];
		c[j] = t;
		out[i] = c[i];
	}
	free(c);
}

/* ---- quality ---- */

struct reader {
	char *name;
	const char *subject;
	const char *source;           /* "day" (held out) or "2014" */
	int draw;
	const struct pb_paper *seeds[N_SEEDS];
	const struct pb_paper *dis[N_DIS];   /* papers the reader said "not for me" of */
	size_t n_dis;
};

/* Whether p is one of reader r's labelled papers. */
static int
labelled(const struct reader *r, const struct pb_paper *p)
{
	for (size_t k = 0; k < N_SEEDS; k++)
		if (r->seeds[k] == p)
			return 1;
	for (size_t k = 0; k < r->n_dis; k++)
		if (r->dis[k] == p)
			return 1;
	return 0;
}

/* The archive of a category: "astro-ph" of "astro-ph.CO", "cs" of "cs.CR". */
static size_t
archive_len(const char *cat)
{
	const char *dot = strchr(cat, '.');

	return dot ? (size_t)(dot - cat) : strlen(cat);
}

struct scored {
	size_t i;
	double s;
};

static int
cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? 1 : -1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
write_json_line(FILE *f, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	int rc = s && fprintf(f, "%s\n", s) > 0 ? 0 : -1;

	free(s);
	cJSON_Delete(o);
	return rc;
}

static int
write_corpus(const char *path, const struct pb_paperset *day, const struct pb_paperset *old)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -1;
	for (int set = 0; set < 2; set++) {
		const struct pb_paperset *ps = set ? old : day;

		for (size_t i = 0; i < ps->n; i++) {
			const struct pb_paper *p = &ps->v[i];
			cJSON *o = cJSON_CreateObject(), *au = cJSON_CreateArray();
			cJSON *cats = cJSON_CreateArray();

			cJSON_AddStringToObject(o, "id", p->id);
			cJSON_AddStringToObject(o, "set", set ? "2014" : "day");
			cJSON_AddStringToObject(o, "primary", primary(p));
			cJSON_AddStringToObject(o, "title", p->title ? p->title : "");
			cJSON_AddStringToObject(o, "abstract", p->abstract ? p->abstract : "");
			for (size_t a = 0; a < p->n_authors; a++)
				if (p->authors[a].name)
					cJSON_AddItemToArray(au, cJSON_CreateString(p->authors[a].name));
			cJSON_AddItemToObject(o, "authors", au);
			for (size_t c = 0; c < p->n_categories; c++)
				cJSON_AddItemToArray(cats, cJSON_CreateString(p->categories[c]));
			cJSON_AddItemToObject(o, "categories", cats);
			rc |= write_json_line(f, o);
		}
	}
	rc |= fclose(f) != 0 ? -1 : 0;
	return rc;
}

/* Subjects (sorted) and readers; returns the number of readers. */
static size_t
make_readers(const struct pb_paperset *day, const struct pb_paperset *old, struct reader **out)
{
	const char **cats = pb_xcalloc(day->n + 1, sizeof *cats);
	size_t n_cats = 0, n = 0, cap = 0, *in_day, *in_old;
	struct reader *rv = NULL;

	for (size_t i = 0; i < day->n; i++)
		cats[n_cats++] = primary(&day->v[i]);
	qsort(cats, n_cats, sizeof *cats, cmp_cstr);
	in_day = pb_xcalloc(day->n + 1, sizeof *in_day);
	in_old = pb_xcalloc(old->n + 1, sizeof *in_old);
	for (size_t c = 0, e; c < n_cats; c = e) {
		size_t nd = 0, no = 0;

		for (e = c + 1; e < n_cats && strcmp(cats[c], cats[e]) == 0; e++)
			;
		if (e - c < 10 || e - c > 60 || !*cats[c])
			continue;
		for (size_t i = 0; i < day->n; i++)
			if (strcmp(primary(&day->v[i]), cats[c]) == 0)
				in_day[nd++] = i;
		for (size_t i = 0; i < old->n; i++)
			if (strcmp(primary(&old->v[i]), cats[c]) == 0)
				in_old[no++] = i;
		for (int d = 0; d < 4; d++) {
			const struct pb_paperset *src = d < 3 ? day : old;
			size_t idx[N_SEEDS];
			struct pb_buf name = { 0 };
			struct reader *r;

			if (d == 3 && no < N_SEEDS)
				break;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				rv = pb_xreallocarray(rv, cap, sizeof *rv);
			}
			r = &rv[n++];
			memset(r, 0, sizeof *r);
			draw(d < 3 ? in_day : in_old, d < 3 ? nd : no, N_SEEDS, idx);
			pb_buf_printf(&name, "%s/%s%d", cats[c], d < 3 ? "day" : "2014-", d < 3 ? d + 1 : 1);
			r->name = pb_buf_detach(&name);
			r->subject = primary(&src->v[idx[0]]);
			r->source = d < 3 ? "day" : "2014";
			r->draw = d < 3 ? d + 1 : 1;
			for (size_t k = 0; k < N_SEEDS; k++)
				r->seeds[k] = &src->v[idx[k]];
		}
	}
	/* Readers who also gave verdicts: each subject's first held-out reader again, with
	 * N_DIS "not for me" on papers of neighbouring subjects (another primary category of
	 * the same archive, else any other), as a reader who turned down near misses. Drawn
	 * after the others so their seeds stay as they are. */
	for (size_t k = 0, n0 = n; k < n0; k++) {
		struct reader *r;
		struct pb_buf name = { 0 };
		size_t nd = 0, idx[N_DIS];
		const char *subj = rv[k].subject;

		if (strcmp(rv[k].source, "day") != 0 || rv[k].draw != 1)
			continue;
		for (int any = 0; any < 2 && nd < N_DIS; any++) {
			nd = 0;
			for (size_t i = 0; i < day->n; i++) {
				const char *pc = primary(&day->v[i]);

				if (strcmp(pc, subj) != 0 && (any || (archive_len(pc) == archive_len(subj) &&
				    strncmp(pc, subj, archive_len(subj)) == 0)))
					in_day[nd++] = i;
			}
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			rv = pb_xreallocarray(rv, cap, sizeof *rv);
		}
		r = &rv[n++];
		*r = rv[k];
		pb_buf_printf(&name, "%s/day1+verdicts", subj);
		r->name = pb_buf_detach(&name);
		r->source = "day+verdicts";
		draw(in_day, nd, N_DIS, idx);
		r->n_dis = nd < N_DIS ? nd : N_DIS;
		for (size_t j = 0; j < r->n_dis; j++)
			r->dis[j] = &day->v[idx[j]];
	}
	free(in_day);
	free(in_old);
	free(cats);
	*out = rv;
	return n;
}

static int
quality(const char *dir, const char *outdir, int min_labels)
{
	struct pb_paperset day, old, tmp;
	struct reader *rd = NULL;
	struct pb_profile *prof = NULL;
	struct pb_config *cfg = NULL;
	struct pb_ranker *r = NULL;
	struct pb_rank_stats st;
	struct scored *sc = NULL;
	struct pb_buf path = { 0 };
	FILE *f = NULL;
	size_t n = 0, n_nonzero = 0, n_sims = 0;
	double t0, c0, t_prep, c_prep;
	int rc = 1;

	pb_paperset_init(&day);
	pb_paperset_init(&old);
	pb_paperset_init(&tmp);
	if (load(dir, DAY_FILE, &day) < 0 || load(dir, OLD_FILE, &tmp) < 0)
		goto out;
	for (size_t i = 0; i < tmp.n; i++)      /* a 2014 paper also announced that day: once */
		if (pb_paperset_find(&day, tmp.v[i].id) < 0) {
			struct pb_paper p = tmp.v[i];

			memset(&tmp.v[i], 0, sizeof tmp.v[i]);
			pb_paperset_add(&old, &p);
		}
	n = make_readers(&day, &old, &rd);

	cfg = pb_xcalloc(1, sizeof *cfg);
	cfg->rank.half_life_days = 365;
	cfg->rank.min_labels = min_labels;     /* rank.min_labels: 20 by default */
	cfg->rank.corpus_days = 120;
	cfg->rank.lookup_max = 500;
	cfg->subscribers = pb_xcalloc(n + 1, sizeof *cfg->subscribers);
	cfg->n_subscribers = n;
	prof = pb_xcalloc(n + 1, sizeof *prof);
	for (size_t s = 0; s < n; s++) {
		struct pb_subscriber *sub = &cfg->subscribers[s];

		sub->name = pb_xstrdup(rd[s].name);
		sub->max_papers = 10;
		sub->include_cross = true;
		sub->include_replace = true;
		sub->like = pb_xcalloc(N_SEEDS, sizeof *sub->like);
		prof[s].likes = pb_xcalloc(N_SEEDS + N_DIS, sizeof *prof[s].likes);
		for (size_t k = 0; k < N_SEEDS + rd[s].n_dis; k++) {
			const struct pb_paper *p = k < N_SEEDS ? rd[s].seeds[k] : rd[s].dis[k - N_SEEDS];
			struct pb_paper c;

			if (k < N_SEEDS)    /* a verdict is the state's (feedback), not the config's */
				sub->like[sub->n_like++] = pb_xstrdup(p->id);
			copy_paper(p, p->id, &c);
			c.published = p->published ? pb_xstrdup(p->published) : NULL;
			pb_paperset_add(&prof[s].texts, &c);
			prof[s].likes[k].id = pb_xstrdup(p->id);
			prof[s].likes[k].verdict = k < N_SEEDS ? 1 : -1;
			prof[s].likes[k].when = date_of(p->published, DAY_NOW);
			prof[s].likes[k].topic = PB_LIKE_ALL_TOPICS;
		}
		prof[s].n = N_SEEDS + rd[s].n_dis;
		for (size_t k = 0; k < prof[s].n; k++)
			prof[s].likes[k].paper = &prof[s].texts.v[k];
	}

	t0 = now_s();
	c0 = cpu_s();
	r = pb_ranker_new(cfg, DAY_NOW);
	for (size_t i = 0; i < day.n; i++)
		pb_ranker_add_doc(r, &day.v[i]);
	for (size_t i = 0; i < old.n; i++)
		pb_ranker_add_doc(r, &old.v[i]);
	if (pb_ranker_prepare(r, &day, prof) < 0) {
		fprintf(stderr, "rank_bench: pb_ranker_prepare failed\n");
		goto out;
	}
	t_prep = now_s() - t0;
	c_prep = cpu_s() - c0;

	pb_buf_printf(&path, "%s/paperboy.tsv", outdir);
	if (!(f = fopen(path.data, "w"))) {
		perror(path.data);
		goto out;
	}
	sc = pb_xcalloc(day.n + 1, sizeof *sc);
	t0 = now_s();
	for (size_t s = 0; s < n; s++) {
		size_t m = 0;

		for (size_t i = 0; i < day.n; i++) {
			if (labelled(&rd[s], &day.v[i]))
				continue;
			sc[m].i = i;
			sc[m].s = pb_ranker_similarity(r, s, PB_LIKE_ALL_TOPICS, i);
			n_nonzero += sc[m].s != 0;
			n_sims++;
			m++;
		}
		qsort(sc, m, sizeof *sc, cmp_scored);
		for (size_t k = 0; k < m && k < TOP_OUT; k++)
			fprintf(f, "%s\t%zu\t%s\t%.6f\n", rd[s].name, k + 1, day.v[sc[k].i].id, sc[k].s);
	}
	if (fclose(f) != 0) {
		f = NULL;
		perror(path.data);
		goto out;
	}
	f = NULL;

	pb_buf_reset(&path);
	pb_buf_printf(&path, "%s/readers.jsonl", outdir);
	if (!(f = fopen(path.data, "w"))) {
		perror(path.data);
		goto out;
	}
	for (size_t s = 0; s < n; s++) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray(), *d = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "name", rd[s].name);
		cJSON_AddStringToObject(o, "subject", rd[s].subject);
		cJSON_AddStringToObject(o, "source", rd[s].source);
		cJSON_AddNumberToObject(o, "draw", rd[s].draw);
		for (size_t k = 0; k < N_SEEDS; k++)
			cJSON_AddItemToArray(a, cJSON_CreateString(rd[s].seeds[k]->id));
		cJSON_AddItemToObject(o, "seeds", a);
		for (size_t k = 0; k < rd[s].n_dis; k++)
			cJSON_AddItemToArray(d, cJSON_CreateString(rd[s].dis[k]->id));
		cJSON_AddItemToObject(o, "dislikes", d);
		if (write_json_line(f, o) < 0)
			goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	pb_buf_reset(&path);
	pb_buf_printf(&path, "%s/corpus.jsonl", outdir);
	if (write_corpus(path.data, &day, &old) < 0) {
		perror(path.data);
		goto out;
	}

	pb_ranker_stats(r, &st);
	printf("paperboy: %zu readers x %zu candidates; ranker built in %.3f s wall, %.3f s cpu "
	       "(documents %zu, terms %zu, learned models %zu); %zu similarities in %.3f s; "
	       "%zu of them non-zero\n", n, day.n, t_prep, c_prep, st.n_docs, st.n_terms,
	       st.n_models, n_sims, now_s() - t0, n_nonzero);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(sc);
	pb_buf_free(&path);
	pb_ranker_free(r);
	for (size_t s = 0; s < n; s++) {
		pb_profile_clear(&prof[s]);
		free(rd[s].name);
	}
	free(prof);
	free(rd);
	pb_config_free(cfg);
	pb_paperset_free(&tmp);
	pb_paperset_free(&old);
	pb_paperset_free(&day);
	return rc;
}

/* ---- speed ---- */

/* A ledger stand-in: 1 in 20 subscriber/paper pairs were sent before. */
static int
skip_some(void *ctx, size_t sub, const struct pb_paper *p)
{
	const struct pb_paperset *day = ctx;
	uint64_t h = (uint64_t)sub * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(p - day->v) * 0xC2B2AE3D27D4EB4FULL;

	h ^= h >> 29;
	return h % 20 == 0;
}

/* The ranker's stage, timed: the time spent inside rank() and why() over a pb_match_all. */
struct timed_stage {
	const struct pb_match_ranker *inner;
	double cpu, why_cpu;
	size_t calls, cands, whys;
};

static size_t
timed_rank(void *ctx, size_t sub, const struct pb_paperset *papers, struct pb_hit *c, size_t n)
{
	struct timed_stage *ts = ctx;
	double c0 = cpu_s();
	size_t k = ts->inner->rank(ts->inner->ctx, sub, papers, c, n);

	ts->cpu += cpu_s() - c0;
	ts->calls++;
	ts->cands += n;
	return k;
}

static void
timed_why(void *ctx, size_t sub, const struct pb_paperset *papers, const struct pb_hit *h,
	  struct pb_buf *out)
{
	struct timed_stage *ts = ctx;
	double c0 = cpu_s();

	if (ts->inner->why)
		ts->inner->why(ts->inner->ctx, sub, papers, h, out);
	ts->why_cpu += cpu_s() - c0;
	ts->whys++;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

#define MAX_ROUNDS 9

/* pb_matcher_new + pb_match_all of cfg's subscribers on day with the skip filter and, when
 * stage is not NULL, a ranking stage. Returns the CPU seconds (wall in *wall), -1 on error. */
static double
match_run(const struct pb_config *cfg, const struct pb_paperset *day,
	  const struct pb_match_ranker *stage, size_t *selected, double *wall)
{
	struct pb_matcher *m;
	struct pb_selection *sel = NULL;
	char err[4096];
	double t0 = now_s(), c0 = cpu_s(), c;

	if (!(m = pb_matcher_new(cfg, err, sizeof err))) {
		fprintf(stderr, "rank_bench: %s\n", err);
		return -1;
	}
	pb_matcher_set_skip(m, skip_some, (void *)day);
	if (stage)
		pb_matcher_set_ranker(m, stage);
	if (pb_match_all(m, day, &sel, err, sizeof err) < 0) {
		fprintf(stderr, "rank_bench: %s\n", err);
		pb_matcher_free(m);
		return -1;
	}
	c = cpu_s() - c0;
	if (wall)
		*wall = now_s() - t0;
	*selected = 0;
	for (size_t s = 0; s < cfg->n_subscribers; s++)
		*selected += sel[s].n_hits;
	pb_selections_free(sel, cfg->n_subscribers);
	pb_matcher_free(m);
	return c;
}

/* A ranker of cfg's subscribers with the corpus's frequencies, prepared on day: CPU seconds
 * of the frequencies in *freq and of prepare in *prep. NULL on failure. */
static struct pb_ranker *
ranker_build(const struct pb_config *cfg, const struct pb_paperset *corpus,
	     const struct pb_paperset *day, const struct pb_profile *prof, double *freq,
	     double *prep)
{
	double c0 = cpu_s(), c1;
	struct pb_ranker *r = pb_ranker_new(cfg, DAY_NOW);

	for (size_t i = 0; i < corpus->n; i++)
		pb_ranker_add_doc(r, &corpus->v[i]);
	c1 = cpu_s();
	if (pb_ranker_prepare(r, day, prof) < 0) {
		fprintf(stderr, "rank_bench: pb_ranker_prepare failed\n");
		pb_ranker_free(r);
		return NULL;
	}
	*freq = c1 - c0;
	*prep = cpu_s() - c1;
	return r;
}

static int
speed(const char *dir, size_t n_subs, size_t n_papers, size_t n_likes, size_t rounds)
{
	struct pb_paperset day, corpus, tmp;
	struct pools pl;
	struct pb_config *cfg;
	struct pb_profile *prof;
	struct pb_hit *cands;
	double m_cpu[MAX_ROUNDS], m_wall[MAX_ROUNDS], b_cpu[MAX_ROUNDS], b_wall[MAX_ROUNDS];
	double p_cpu[MAX_ROUNDS], a_cpu[MAX_ROUNDS], f_cpu[MAX_ROUNDS], f_total[MAX_ROUNDS];
	double d_cpu[MAX_ROUNDS], w_cpu[MAX_ROUNDS], o_prep[MAX_ROUNDS], o_total[MAX_ROUNDS];
	double o_rank[MAX_ROUNDS], o_why[MAX_ROUNDS], o_freq, o_match;
	struct pb_config open = { 0 };
	long rss0, rss1;
	size_t heap0, heap1, bytes, n_terms, n_docs, kept = 0, f_cands = 0, selected = 0, whys = 0;
	size_t f_sel = 0, o_sel = 0, o_cands = 0;
	int rc = 1, staged = 0;

	pb_paperset_init(&day);
	pb_paperset_init(&corpus);
	pb_paperset_init(&tmp);
	if (load(dir, DAY_FILE, &day) < 0 || load(dir, OLD_FILE, &tmp) < 0)
		return 1;
	for (size_t i = 0; i < sizeof extra_files / sizeof extra_files[0]; i++)
		if (load(dir, extra_files[i], &tmp) < 0)
			return 1;
	/* The day: the 1,504 papers, then other real papers (OAI first), then copies under
	 * new ids should the fixtures run out. */
	for (size_t i = 0; i < tmp.n && day.n < n_papers; i++)
		if (pb_paperset_find(&day, tmp.v[i].id) < 0) {
			struct pb_paper c;

			copy_paper(&tmp.v[i], tmp.v[i].id, &c);
			pb_paperset_add(&day, &c);
		}
	for (size_t i = 0, from = day.n; day.n < n_papers && from; i++) {
		struct pb_paper c;
		struct pb_buf id = { 0 };

		pb_buf_printf(&id, "%s-r%zu", day.v[i % from].id, i / from + 1);
		copy_paper(&day.v[i % from], id.data, &c);
		pb_paperset_add(&day, &c);
		pb_buf_free(&id);
	}
	/* The corpus: every paper, the day's and the rest. */
	for (int set = 0; set < 2; set++) {
		const struct pb_paperset *ps = set ? &tmp : &day;

		for (size_t i = 0; i < ps->n; i++)
			if (pb_paperset_find(&corpus, ps->v[i].id) < 0) {
				struct pb_paper c;

				copy_paper(&ps->v[i], ps->v[i].id, &c);
				pb_paperset_add(&corpus, &c);
			}
	}
	build_pools(&day, &pl);
	cfg = gen_config(&pl, n_subs);
	cfg->rank.half_life_days = 365;
	cfg->rank.min_labels = 20;
	cfg->rank.corpus_days = 120;
	cfg->rank.lookup_max = 500;

	/* Likes: n_likes distinct corpus papers per subscriber. The profile's texts are shallow
	 * copies of the corpus records (the bench's memory, not the ranker's). */
	prof = pb_xcalloc(n_subs + 1, sizeof *prof);
	{
		size_t *all = pb_xcalloc(corpus.n, sizeof *all), *idx = pb_xcalloc(n_likes + 1, sizeof *idx);

		for (size_t i = 0; i < corpus.n; i++)
			all[i] = i;
		for (size_t s = 0; s < n_subs; s++) {
			struct pb_subscriber *sub = &cfg->subscribers[s];
			size_t k = n_likes < corpus.n ? n_likes : corpus.n;

			draw(all, corpus.n, k, idx);
			sub->like = pb_xcalloc(k + 1, sizeof *sub->like);
			prof[s].likes = pb_xcalloc(k + 1, sizeof *prof[s].likes);
			pb_paperset_reserve(&prof[s].texts, k);
			for (size_t j = 0; j < k; j++) {
				const struct pb_paper *p = &corpus.v[idx[j]];
				struct pb_paper shallow = *p;

				sub->like[sub->n_like++] = pb_xstrdup(p->id);
				pb_paperset_add(&prof[s].texts, &shallow);
				prof[s].likes[j].id = pb_xstrdup(p->id);
				prof[s].likes[j].verdict = 1;
				prof[s].likes[j].when = date_of(p->published, DAY_NOW);
				prof[s].likes[j].topic = PB_LIKE_ALL_TOPICS;
			}
			prof[s].n = k;
			for (size_t j = 0; j < k; j++)
				prof[s].likes[j].paper = &prof[s].texts.v[j];
		}
		free(all);
		free(idx);
	}
	cands = pb_xcalloc(day.n + 1, sizeof *cands);

	printf("day: %zu papers (%zu of them beyond the 1,504-paper day); corpus: %zu papers; "
	       "%zu subscribers x 5 topics, %zu liked papers each\n", day.n, day.n - 1504,
	       corpus.n, n_subs, n_likes);

	/* The same subscribers without topics: every paper of the day is a candidate, ranked by
	 * likes alone (the "similar" mode of a query-less topic). */
	open = *cfg;
	open.subscribers = pb_xcalloc(n_subs + 1, sizeof *open.subscribers);
	for (size_t s = 0; s < n_subs; s++) {
		open.subscribers[s] = cfg->subscribers[s];
		open.subscribers[s].topics = NULL;
		open.subscribers[s].n_topics = 0;
	}

	/* Memory, once, before any matcher has run: what the ranker holds after prepare. */
	{
		struct pb_ranker *r;
		struct pb_rank_stats st;
		double f, p;

		rss0 = rss_kb();
		heap0 = heap_bytes();
		if (!(r = ranker_build(cfg, &corpus, &day, prof, &f, &p)))
			goto out;
		rss1 = rss_kb();
		heap1 = heap_bytes();
		pb_ranker_stats(r, &st);
		bytes = st.bytes;
		n_terms = st.n_terms;
		n_docs = st.n_docs;
		staged = pb_ranker_stage(r)->rank != NULL;
		pb_ranker_free(r);
	}
	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	for (size_t rd = 0; rd < rounds; rd++) {
		struct pb_ranker *r;
		struct timed_stage ts = { 0 };
		struct pb_match_ranker wrap = { timed_rank, timed_why, &ts };
		double t0, c0, c1;

		/* A: the matcher alone. */
		if ((m_cpu[rd] = match_run(cfg, &day, NULL, &selected, &m_wall[rd])) < 0)
			goto out;

		/* B: the ranker, built, then its stage on every paper for every subscriber. */
		t0 = now_s();
		c0 = cpu_s();
		if (!(r = ranker_build(cfg, &corpus, &day, prof, &d_cpu[rd], &p_cpu[rd])))
			goto out;
		ts.inner = pb_ranker_stage(r);
		c1 = cpu_s();
		kept = 0;
		for (size_t s = 0; s < n_subs && staged; s++) {
			for (size_t i = 0; i < day.n; i++) {
				cands[i].paper = i;
				cands[i].score = 1;
				cands[i].topic = 0;
				cands[i].flags = PB_HIT_TOPIC;
			}
			kept += ts.inner->rank(ts.inner->ctx, s, &day, cands, day.n);
		}
		a_cpu[rd] = cpu_s() - c1;
		b_cpu[rd] = cpu_s() - c0;
		b_wall[rd] = now_s() - t0;

		/* ... and as the matcher's stage, on the rules' candidates ("filter"). */
		f_total[rd] = match_run(cfg, &day, staged ? &wrap : NULL, &f_sel, NULL);
		pb_ranker_free(r);
		if (f_total[rd] < 0)
			goto out;
		f_cpu[rd] = ts.cpu;
		w_cpu[rd] = ts.why_cpu;
		f_cands = ts.cands;
		whys = ts.whys;

		/* C: the query-less subscribers through pb_match_all ("similar"), ranker and all. */
		memset(&ts, 0, sizeof ts);
		c0 = cpu_s();
		if (!(r = ranker_build(&open, &corpus, &day, prof, &o_freq, &o_prep[rd])))
			goto out;
		ts.inner = pb_ranker_stage(r);
		o_match = match_run(&open, &day, staged ? &wrap : NULL, &o_sel, NULL);
		pb_ranker_free(r);
		if (o_match < 0)
			goto out;
		o_total[rd] = cpu_s() - c0;
		o_rank[rd] = ts.cpu;
		o_why[rd] = ts.why_cpu;
		o_cands = ts.cands;

		printf("round %zu: matcher %.3f s cpu (%.3f wall) | ranking %.3f s cpu (%.3f wall) = "
		       "frequencies %.3f + prepare %.3f + every paper ranked %.3f | matcher with the "
		       "stage (filter) %.3f, of it rank %.3f, why %.3f | similar, ranker and "
		       "matcher %.3f, of it prepare %.3f, rank %.3f, why %.3f\n", rd + 1,
		       m_cpu[rd], m_wall[rd], b_cpu[rd], b_wall[rd], d_cpu[rd], p_cpu[rd],
		       a_cpu[rd], f_total[rd], f_cpu[rd], w_cpu[rd], o_total[rd], o_prep[rd],
		       o_rank[rd], o_why[rd]);
	}
	printf("matcher alone (pb_matcher_new + pb_match_all, skip filter on), median of %zu: "
	       "%.3f s cpu, %.3f s wall; %zu papers selected\n", rounds, median(m_cpu, rounds),
	       median(m_wall, rounds), selected);
	printf("ranking (pb_ranker_new + add_doc x %zu + prepare + the stage on all %zu papers "
	       "for each of %zu subscribers), median of %zu: %.3f s cpu, %.3f s wall "
	       "(frequencies %.3f, prepare %.3f, ranking %.3f, with the refill of the candidates); "
	       "%zu candidates kept\n", corpus.n,
	       day.n, n_subs, rounds, median(b_cpu, rounds), median(b_wall, rounds),
	       median(d_cpu, rounds), median(p_cpu, rounds), median(a_cpu, rounds), kept);
	printf("filter (the rules' %zu candidates ranked in pb_match_all): %.3f s cpu for "
	       "pb_matcher_new + pb_match_all with the stage (alone: %.3f), of it %.3f in rank and "
	       "%.3f in why (%zu explanations); %zu papers selected\n", f_cands,
	       median(f_total, rounds), median(m_cpu, rounds), median(f_cpu, rounds),
	       median(w_cpu, rounds), whys, f_sel);
	printf("similar (the subscribers without topics: every paper their cross/replace settings "
	       "allow, %zu a subscriber on average, ranked in pb_match_all): %.3f s cpu for the ranker and pb_matcher_new + pb_match_all, of "
	       "it prepare %.3f, rank %.3f, why %.3f; %zu papers selected\n", o_cands / (n_subs ? n_subs : 1),
	       median(o_total, rounds), median(o_prep, rounds), median(o_rank, rounds),
	       median(o_why, rounds), o_sel);
	printf("ranker: %zu documents, %zu terms; memory per subscriber after prepare: %.2f KB "
	       "of heap (%.1f MB in all), %.2f KB resident (%ld KB before pb_ranker_new, %ld KB "
	       "after), %.2f KB by pb_rank_stats.bytes (%zu bytes)\n", n_docs, n_terms,
	       (double)(heap1 - heap0) / 1024.0 / (double)n_subs,
	       (double)(heap1 - heap0) / 1048576.0, (double)(rss1 - rss0) / (double)n_subs, rss0,
	       rss1, (double)bytes / 1024.0 / (double)n_subs, bytes);
	if (!staged) {
		printf("target (ranking under 1 s on one core): not measured: the ranker has no "
		       "ranking stage\n");
	} else {
		double with_why = median(o_prep, rounds) + median(o_rank, rounds) +
				  median(o_why, rounds);

		printf("target (ranking under 1 s on one core): %s (%.3f s cpu); with the "
		       "explanations of the selected papers (similar: prepare + rank + why, "
		       "%.3f s cpu): %s\n", median(b_cpu, rounds) < 1.0 ? "met" : "NOT met",
		       median(b_cpu, rounds), with_why, with_why < 1.0 ? "met" : "NOT met");
	}
	rc = 0;
out:
	free(cands);
	free(open.subscribers);
	for (size_t s = 0; s < n_subs; s++) {
		prof[s].texts.n = 0;     /* shallow copies: the corpus owns their strings */
		pb_profile_clear(&prof[s]);
	}
	free(prof);
	pb_config_free(cfg);
	pools_free(&pl);
	pb_paperset_free(&tmp);
	pb_paperset_free(&corpus);
	pb_paperset_free(&day);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "quality") == 0) {
		if (argc > 4)   /* a spread seed: xorshift's first draws from 1 are poor */
			rng_state = (strtoull(argv[4], NULL, 10) + 1) * 0x9E3779B97F4A7C15ULL | 1;
		return quality(argv[2], argv[3], argc > 5 ? atoi(argv[5]) : 20);
	}
	if (argc >= 3 && strcmp(argv[1], "speed") == 0)
		return speed(argv[2], argc > 3 ? strtoul(argv[3], NULL, 10) : 10000,
			     argc > 4 ? strtoul(argv[4], NULL, 10) : 2000,
			     argc > 5 ? strtoul(argv[5], NULL, 10) : 20,
			     argc > 6 ? strtoul(argv[6], NULL, 10) : 3);
	fprintf(stderr, "usage: rank_bench quality FIXTURE_DIR OUT_DIR [SEED [MIN_LABELS]]\n"
		"       rank_bench speed FIXTURE_DIR [SUBSCRIBERS [PAPERS [LIKES [ROUNDS]]]]\n");
	return 64;
}
