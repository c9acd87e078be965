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
 * REFERENCE_SUBSCRIBERS 0 skips the reference (to measure the matcher's own peak memory). */
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

int
main(int argc, char **argv)
{
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

	t0 = now_s();
	c0 = cpu_s();
	m = pb_matcher_new(cfg, err, sizeof err);
	t_compile = now_s() - t0;
	c_compile = cpu_s() - c0;
	if (!m) {
		fprintf(stderr, "match_bench: %s\n", err);
		return 1;
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

	if (n_ref && n_ref <= n_subs) {
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
	pb_config_free(cfg);
	pools_free(&pl);
	pb_paperset_free(&ps);
	return differ ? 2 : 0;
}
