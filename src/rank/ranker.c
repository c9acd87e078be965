/* The ranker (placeholder: every score left to the rules). */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/rank.h"

struct pb_ranker {
	const struct pb_config *cfg;
	struct pb_match_ranker stage;
};

int
pb_rank_mode_parse(const char *s)
{
	if (!s)
		return PB_RANK_AUTO;
	if (strcmp(s, "rules") == 0)
		return PB_RANK_RULES;
	if (strcmp(s, "filter") == 0)
		return PB_RANK_FILTER;
	if (strcmp(s, "similar") == 0)
		return PB_RANK_SIMILAR;
	return -1;
}

struct pb_ranker *
pb_ranker_new(const struct pb_config *cfg, int64_t now)
{
	struct pb_ranker *r = pb_xcalloc(1, sizeof *r);

	(void)now;
	r->cfg = cfg;
	return r;
}

void
pb_ranker_free(struct pb_ranker *r)
{
	free(r);
}

void
pb_ranker_add_doc(struct pb_ranker *r, const struct pb_paper *p)
{
	(void)r;
	(void)p;
}

int
pb_ranker_add_corpus(struct pb_ranker *r, struct pb_state *st)
{
	(void)r;
	(void)st;
	return 0;
}

int
pb_ranker_prepare(struct pb_ranker *r, const struct pb_paperset *day,
		  const struct pb_profile *profiles)
{
	(void)r;
	(void)day;
	(void)profiles;
	return 0;
}

void
pb_ranker_set_embeddings(struct pb_ranker *r, const struct pb_embed_set *e)
{
	(void)r;
	(void)e;
}

const struct pb_match_ranker *
pb_ranker_stage(struct pb_ranker *r)
{
	return &r->stage;
}

double
pb_ranker_similarity(struct pb_ranker *r, size_t s, size_t t, size_t i)
{
	(void)r;
	(void)s;
	(void)t;
	(void)i;
	return 0;
}

void
pb_ranker_explain(struct pb_ranker *r, size_t s, size_t t, size_t i, struct pb_buf *out)
{
	(void)r;
	(void)s;
	(void)t;
	(void)i;
	(void)out;
}

void
pb_ranker_stats(const struct pb_ranker *r, struct pb_rank_stats *st)
{
	(void)r;
	memset(st, 0, sizeof *st);
}
