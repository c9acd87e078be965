/* match_bench: many subscribers against a day of papers.
 *
 *   match_bench FIXTURE_DIR [SUBSCRIBERS [PAPERS [REFERENCE_SUBSCRIBERS [SEED]]]]
 *
 * Loads the arXiv fixtures (the 1504-item RSS plus the API responses), repeats papers under new
 * ids up to PAPERS (2000), generates SUBSCRIBERS (10000) with 5 topics of ~6 terms each from the
 * papers' own words, phrases, authors and categories (deterministic), times pb_matcher_new and
 * pb_match_all, then times the straightforward reference (pb_match_all_reference: every topic
 * on every paper, scanning its folded words) on the first REFERENCE_SUBSCRIBERS (200), scales
 * it, and checks that both select the same papers with the same scores and topics.
 * REFERENCE_SUBSCRIBERS 0 skips the reference (to measure the matcher's own peak memory).
 *
 *   match_bench --state=DB --ledger=off|set [--days=N] FIXTURE_DIR [SUBSCRIBERS [PAPERS
 *               [0 [SEED]]]]
 *
 * matches as a run does, with the ledger filter: DB (created and filled when its ledger is
 * empty: N days, 30 unless given, x 10 papers per subscriber; on the last 30 of them a tenth
 * are ids of this day's papers, so the filter has something to drop) is the state; "set" reads
 * the ledger once, keeping of it the day's papers, and loads each subscriber's into a set
 * (pb_ledger_reader, what run.c does); "off" matches without the filter. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/fold.h"
#include "paperboy/match.h"
#include "paperboy/parse.h"
#include "paperboy/state.h"

#include "bench_gen.h"

static const char *const fixtures[] = {
	"rss2-all-archives-2024-11-28-1504items.xml",
	"api2026-query-all-testing-100.xml",
	"api2026-query-all-testing-start5-max10.xml",
	"api2016-query-au-del_maestro-10.xml",
	"api2016-idlist-1111.2011v2.xml",
	"api2026-idlist-two-ids-one-missing.xml",
	"api2026-id-oldstyle-astro-ph-0601001-affiliations.xml",
	"api2026-id-oldstyle-quant-ph-0201082v1.xml",
	"atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml",
	"rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml",
};

static int
same(const struct pb_selection *a, const struct pb_selection *b)
{
	if (a->n_hits != b->n_hits || a->n_matched != b->n_matched)
		return 0;
	for (size_t i = 0; i < a->n_hits; i++)
		if (a->hits[i].paper != b->hits[i].paper || a->hits[i].score != b->hits[i].score ||
		    a->hits[i].topic != b->hits[i].topic || a->hits[i].flags != b->hits[i].flags)
			return 0;
	return 1;
}

#define RUN_DATE "2025-12-04"

/* The filter of a run (run.c's skip_received). */
struct ledger_ctx {
	const struct pb_config *cfg;
	struct pb_ledger_reader *r;
	size_t loaded;
	long loads;
};

static int
skip_set(void *ctx, size_t s, const struct pb_paper *p)
{
	struct ledger_ctx *c = ctx;

	if (c->loaded != s) {
		c->loaded = s;
		c->loads++;
		if (pb_ledger_reader_load(c->r, c->cfg->subscribers[s].name) < 0)
			exit(1);
	}
	return pb_ledger_reader_has(c->r, p->id);
}

/* days earlier days (before RUN_DATE) of 10 papers for every subscriber; on each of the last
 * 30 of them one in ten is a paper of this day (a new version or a cross-list coming again),
 * the rest are ids of their own month. */
static int
fill_ledger(struct pb_state *st, const struct pb_config *cfg, const struct pb_paperset *ps,
	    int days)
{
	uint64_t x = 0x2545F4914F6CDD1DULL;
	struct tm run = { .tm_year = 125, .tm_mon = 11, .tm_mday = 4 };   /* RUN_DATE */
	time_t t_run = timegm(&run);
	char id[10][64], date[32];
	const char *ids[10];
	int versions[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

	if (pb_state_begin(st) < 0)
		return -1;
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		for (int d = 0; d < days; d++) {
			time_t t = t_run - (time_t)(d + 1) * 86400;
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(date, sizeof date, "%Y-%m-%d", &tm);
			for (int k = 0; k < 10; k++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				ids[k] = id[k];
				if (k == 0 && d < 30 && ps->n)
					ids[k] = ps->v[x % ps->n].id;
				else
					snprintf(id[k], sizeof id[k], "%02d%02d.%05d", tm.tm_year % 100,
						 tm.tm_mon + 1, (int)(x % 30000));
			}
			/* a digest's papers at once, as a run writes them */
			if (pb_ledger_add_many(st, cfg->subscribers[s].name, date, 10, ids,
					       versions) < 0)
				return -1;
		}
	}
	return pb_state_commit(st);
}

int
main(int argc, char **argv)
{
	const char *state_path = NULL, *ledger = "off";
	struct pb_state *lst = NULL;
	struct ledger_ctx lc = { 0 };
	double t_fill = 0;
	int days = 30;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
		if (strncmp(argv[1], "--state=", 8) == 0)
			state_path = argv[1] + 8;
		else if (strncmp(argv[1], "--ledger=", 9) == 0)
			ledger = argv[1] + 9;
		else if (strncmp(argv[1], "--days=", 7) == 0 && atoi(argv[1] + 7) > 0)
			days = atoi(argv[1] + 7);
		else {
			fprintf(stderr, "match_bench: unknown option %s\n", argv[1]);
			return 64;
		}
		argv++;
		argc--;
	}
	if (strcmp(ledger, "off") && strcmp(ledger, "set")) {
		fprintf(stderr, "match_bench: --ledger is off or set\n");
		return 64;
	}
	if (strcmp(ledger, "off") && !state_path) {
		fprintf(stderr, "match_bench: --ledger=%s needs --state=DB\n", ledger);
		return 64;
	}
	const char *dir = argc > 1 ? argv[1] : "../shared/fixtures/arxiv";
	size_t n_subs = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	size_t n_papers = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000;
	size_t n_ref = argc > 4 ? strtoul(argv[4], NULL, 10) : 200;
	struct pb_paperset ps;
	struct pools pl;
	struct pb_config *cfg, sub_cfg;
	struct pb_matcher *m, *mr;
	struct pb_selection *sel = NULL, *ref = NULL;
	struct pb_match_stats st;
	char err[4096];
	size_t from_fixtures, selected = 0, matched = 0, served = 0, differ = 0;
	double t0, c0, t_compile, t_match, t_ref = 0, t_ref_compile;
	double c_compile, c_match, c_ref;

	if (argc > 5)
		rng_state = strtoull(argv[5], NULL, 10) | 1;
	pb_paperset_init(&ps);
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		struct pb_parse_result res;
		struct pb_buf path = { 0 };
		char *data;
		size_t len;

		pb_buf_printf(&path, "%s/%s", dir, fixtures[i]);
		if (pb_read_file(path.data, &data, &len, err, sizeof err) < 0) {
			fprintf(stderr, "match_bench: %s\n", err);
			return 1;
		}
		pb_parse_feed(data, len, path.data, &ps, &res);
		free(data);
		pb_buf_free(&path);
	}
	from_fixtures = ps.n;
	for (size_t i = 0; ps.n < n_papers && from_fixtures; i++) {
		struct pb_paper c;
		struct pb_buf id = { 0 };

		pb_buf_printf(&id, "%s-r%zu", ps.v[i % from_fixtures].id, i / from_fixtures + 1);
		copy_paper(&ps.v[i % from_fixtures], id.data, &c);
		pb_paperset_add(&ps, &c);
		pb_buf_free(&id);
	}
	build_pools(&ps, &pl);
	cfg = gen_config(&pl, n_subs);
	if (state_path) {
		struct pb_ledger_reader *probe;

		lst = pb_state_open(state_path, err, sizeof err);
		if (!lst) {
			fprintf(stderr, "match_bench: %s\n", err);
			return 1;
		}
		/* an empty ledger for the first subscriber: the state is new */
		probe = pb_ledger_reader_new(lst, NULL);
		if (n_subs && (pb_ledger_reader_load(probe, cfg->subscribers[0].name) < 0 ||
			       pb_ledger_reader_count(probe) == 0)) {
			t0 = now_s();
			if (fill_ledger(lst, cfg, &ps, days) < 0) {
				fprintf(stderr, "match_bench: %s\n", pb_state_errmsg(lst));
				return 1;
			}
			t_fill = now_s() - t0;
		}
		pb_ledger_reader_free(probe);
		lc.cfg = cfg;
		lc.loaded = (size_t)-1;
	}

	t0 = now_s();
	c0 = cpu_s();
	m = pb_matcher_new(cfg, err, sizeof err);
	t_compile = now_s() - t0;
	c_compile = cpu_s() - c0;
	if (!m) {
		fprintf(stderr, "match_bench: %s\n", err);
		return 1;
	}
	if (strcmp(ledger, "set") == 0) {
		const char **ids = calloc(ps.n + 1, sizeof *ids);

		for (size_t i = 0; ids && i < ps.n; i++)
			ids[i] = ps.v[i].id;
		lc.r = pb_ledger_reader_new(lst, RUN_DATE);
		if (ids)
			pb_ledger_reader_only(lc.r, ps.n, ids);   /* as run.c */
		free(ids);
		pb_matcher_set_skip(m, skip_set, &lc);
	}
	t0 = now_s();
	c0 = cpu_s();
	if (pb_match_all(m, &ps, &sel, err, sizeof err) < 0) {
		fprintf(stderr, "match_bench: %s\n", err);
		return 1;
	}
	t_match = now_s() - t0;
	c_match = cpu_s() - c0;
	pb_matcher_stats(m, &st);
	for (size_t s = 0; s < n_subs; s++) {
		selected += sel[s].n_hits;
		matched += sel[s].n_matched;
		served += sel[s].n_hits > 0;
	}

	printf("papers: %zu (%zu from %zu fixture files, %zu repeated under new ids)\n", ps.n,
	       from_fixtures, sizeof fixtures / sizeof fixtures[0], ps.n - from_fixtures);
	printf("subscribers: %zu, topics: %zu, terms written: %zu, distinct terms: %zu, "
	       "distinct words in papers: %zu\n", n_subs, st.n_topics, st.n_term_uses, st.n_terms,
	       st.n_words);
	printf("example topic: %s\n", n_subs ? cfg->subscribers[0].topics[0].query : "-");
	printf("compile  (pb_matcher_new): %7.3f s wall, %7.3f s cpu\n", t_compile, c_compile);
	printf("match    (pb_match_all):   %7.3f s wall, %7.3f s cpu  (wall: index %.3f + terms "
	       "%.3f + topics/ranking %.3f)\n", t_match, c_match, st.index_s, st.terms_s,
	       st.topics_s);
	printf("total    (compile+match):  %7.3f s wall, %7.3f s cpu  for %zu subscribers x %zu "
	       "papers\n", t_compile + t_match, c_compile + c_match, n_subs, ps.n);
	printf("matches: %zu selected after caps, %zu before caps; %zu of %zu subscribers get "
	       "at least one paper\n", selected, matched, served, n_subs);
	if (t_fill > 0)
		printf("ledger filled: %d days x 10 papers for %zu subscribers in %.1f s\n", days,
		       n_subs, t_fill);
	printf("ledger filter: %s, %ld ledger loads\n", strcmp(ledger, "off") == 0 ? "off" :
	       "set (the ledger read once, a load per subscriber)", lc.loads);

	/* the reference knows no ledger: it is compared with the unfiltered matcher only */
	if (n_ref && n_ref <= n_subs && strcmp(ledger, "off") == 0) {
		sub_cfg = *cfg;
		sub_cfg.n_subscribers = n_ref;
		t0 = now_s();
		c0 = cpu_s();
		mr = pb_matcher_new(&sub_cfg, err, sizeof err);
		t_ref_compile = now_s() - t0;
		t0 = now_s();
		pb_match_all_reference(mr, &ps, &ref, err, sizeof err);
		t_ref = now_s() - t0 + t_ref_compile;
		c_ref = cpu_s() - c0;
		for (size_t s = 0; s < n_ref; s++)
			differ += !same(&sel[s], &ref[s]);
		printf("reference (pb_match_all_reference: every topic on every paper, scanning its "
		       "folded words) on %zu subscribers: %.3f s wall, %.3f s cpu; scaled to %zu: "
		       "%.1f s wall, %.1f s cpu\n", n_ref, t_ref, c_ref, n_subs,
		       t_ref * (double)n_subs / (double)n_ref, c_ref * (double)n_subs / (double)n_ref);
		printf("speed ratio (reference scaled / indexed total): %.0fx wall, %.0fx cpu\n",
		       t_ref * (double)n_subs / (double)n_ref / (t_compile + t_match),
		       c_ref * (double)n_subs / (double)n_ref / (c_compile + c_match));
		printf("same selections as the reference on %zu subscribers: %s (%zu differ)\n",
		       n_ref, differ ? "NO" : "yes", differ);
		pb_selections_free(ref, n_ref);
		pb_matcher_free(mr);
	}
	pb_selections_free(sel, n_subs);
	pb_matcher_free(m);
	pb_ledger_reader_free(lc.r);
	pb_state_close(lst);
	pb_config_free(cfg);
	pools_free(&pl);
	pb_paperset_free(&ps);
	return differ ? 2 : 0;
}
