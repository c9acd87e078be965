/* A run's ranking from start to end: the day in the corpus, the likes looked up and loaded,
 * the ranker built, embeddings fused when configured, the matcher's stage set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/log.h"
#include "paperboy/rank.h"

struct pb_rank_run {
	struct pb_ranker *r;
	struct pb_profile *profiles;
	size_t n_profiles;
	struct pb_embed_set emb;
};

/* 1 when some subscriber or topic has no query (ranking alone then decides what such a topic
 * gets, even nothing). */
static int
config_wants(const struct pb_config *cfg)
{
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		const struct pb_subscriber *sub = &cfg->subscribers[s];

		if (sub->n_topics == 0)
			return 1;
		for (size_t t = 0; t < sub->n_topics; t++)
			if (!sub->topics[t].query)
				return 1;
	}
	return 0;
}

/* One warning of pb_profiles_load ("subscriber S[, topic T]: liked paper ID: why") as a
 * log line with its parts. */
static void
log_like_warning(const char *line, int level)
{
	const char *sp = strncmp(line, "subscriber ", 11) == 0 ? line + 11 : NULL;
	const char *lp = strstr(line, ": liked paper ");
	const char *idend, *subend;
	char sub[256], id[128];

	if (!sp || !lp || !(idend = strstr(lp + 14, ": "))) {
		pb_log(level, "rank.like_unknown", "detail=%s", pb_q(line));
		return;
	}
	subend = strstr(sp, ", topic ");
	if (!subend || subend > lp)
		subend = lp;
	snprintf(sub, sizeof sub, "%.*s", (int)(subend - sp), sp);
	snprintf(id, sizeof id, "%.*s", (int)(idend - (lp + 14)), lp + 14);
	pb_log(level, "rank.like_unknown", "subscriber=%s id=%s reason=%s", pb_q(sub), pb_q(id),
	       pb_q(idend + 2));
}

/* A run warns; the offline commands (h NULL) say it at debug level only, as they load every
 * subscriber of the config and their output is often read whole. */
static void
log_warnings(const struct pb_buf *warn, int level)
{
	const char *p = warn->data, *end = warn->data ? warn->data + warn->len : NULL;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = pb_xstrndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));

		if (*line)
			log_like_warning(line, level);
		free(line);
		p = nl ? nl + 1 : end;
	}
}

struct pb_rank_run *
pb_rank_run_new(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		const struct pb_paperset *day, const char *date, int64_t now, struct pb_matcher *m)
{
	struct pb_rank_run *rr = NULL;
	struct pb_buf warn = { 0 };
	struct pb_rank_stats rs;
	int any = 0, window, loaded;

	if (st && date && day && pb_likes_record_day(cfg, st, day, date) < 0)
		pb_warn("rank.corpus", "date=%s reason=%s", date, pb_q("cannot record the day"));
	if (!day || !m)
		return NULL;
	/* every run: a reader's verdicts count without any `like` in the config */
	if (h && st)
		pb_likes_lookup(cfg, st, h);   /* logs its own failures; the state's texts count */
	rr = pb_xcalloc(1, sizeof *rr);
	/* Every subscriber's verdicts and liked papers are read in one read window: SQLite took
	 * and gave back the state's read lock for each subscriber's query otherwise (5% of a
	 * 20,000-subscriber build, perf). */
	window = st ? pb_state_read_window(st, 1) : 0;
	loaded = pb_profiles_load(cfg, st, day, &rr->profiles, &warn);
	if (window == 1)
		pb_state_read_window(st, 0);
	if (loaded < 0) {
		pb_warn("rank.skipped", "reason=%s", pb_q("cannot load the likes"));
		goto none;
	}
	rr->n_profiles = cfg->n_subscribers;
	log_warnings(&warn, h ? PB_LOG_WARN : PB_LOG_DEBUG);
	/* a liked id whose text is nowhere yet (past lookup_max, or arXiv unreachable) counts
	 * for nothing today: said by a run, so a reader's missing like is not a mystery; the
	 * offline commands (match, preview) only say it at debug level, for every subscriber
	 * of the config is loaded and their output is often read whole */
	for (size_t s = 0; s < rr->n_profiles; s++)
		for (size_t i = 0; i < rr->profiles[s].n; i++) {
			const struct pb_like *l = &rr->profiles[s].likes[i];

			if (l->paper || l->via || l->verdict <= 0)
				continue;
			if (h)
				pb_warn("rank.like_unknown", "subscriber=%s id=%s reason=%s",
					pb_q(cfg->subscribers[s].name), pb_q(l->id),
					pb_q("no text found on arXiv yet"));
			else
				pb_debug("rank.like_unknown", "subscriber=%s id=%s reason=%s",
					 pb_q(cfg->subscribers[s].name), pb_q(l->id),
					 pb_q("not in the state's corpus nor the day (offline)"));
		}
	any = config_wants(cfg);
	for (size_t s = 0; s < rr->n_profiles && !any; s++)
		any = rr->profiles[s].n > 0;
	if (!any)
		goto none;
	rr->r = pb_ranker_new(cfg, now);
	if (st)
		pb_ranker_add_corpus(rr->r, st);
	if (pb_ranker_prepare(rr->r, day, rr->profiles) < 0) {
		pb_warn("rank.skipped", "reason=%s", pb_q("cannot build the vectors"));
		goto none;
	}
	if (cfg->embeddings.enabled && h) {
		long got = pb_embed_fetch(cfg, st, pb_http_stop_flag(h), day, rr->profiles,
					  rr->n_profiles, &rr->emb);

		if (got > 0)
			pb_ranker_set_embeddings(rr->r, &rr->emb);
	}
	pb_matcher_set_ranker(m, pb_ranker_stage(rr->r));
	pb_ranker_stats(rr->r, &rs);
	/* a run's log says it; the offline commands' output stays theirs */
	pb_log(h ? PB_LOG_INFO : PB_LOG_DEBUG, "rank.ready",
	       "papers=%zu docs=%zu terms=%zu models=%zu bytes=%zu seconds=%.3f", day->n,
	       rs.n_docs, rs.n_terms, rs.n_models, rs.bytes, rs.prepare_s);
	pb_buf_free(&warn);
	return rr;
none:
	pb_buf_free(&warn);
	pb_rank_run_free(rr);
	return NULL;
}

void
pb_rank_run_free(struct pb_rank_run *rr)
{
	if (!rr)
		return;
	pb_ranker_free(rr->r);
	pb_profiles_free(rr->profiles, rr->n_profiles);
	pb_embed_set_free(&rr->emb);
	free(rr);
}

struct pb_ranker *
pb_rank_run_ranker(struct pb_rank_run *rr)
{
	return rr ? rr->r : NULL;
}
