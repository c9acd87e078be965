/* A run's ranking from start to end (placeholder: nothing to rank). */
#include <stdlib.h>

#include "paperboy/rank.h"

struct pb_rank_run *
pb_rank_run_new(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		const struct pb_paperset *day, const char *date, int64_t now, struct pb_matcher *m)
{
	(void)cfg;
	(void)st;
	(void)h;
	(void)day;
	(void)date;
	(void)now;
	(void)m;
	return NULL;
}

void
pb_rank_run_free(struct pb_rank_run *rr)
{
	(void)rr;
}

struct pb_ranker *
pb_rank_run_ranker(struct pb_rank_run *rr)
{
	(void)rr;
	return NULL;
}
