/* The corpus: recent papers' text for ranking (placeholder statements). */
#include "paperboy/state.h"

int
pb_corpus_put(struct pb_state *st, const struct pb_paper *p, const char *date)
{
	(void)st;
	(void)p;
	(void)date;
	return 0;
}

int
pb_corpus_get(struct pb_state *st, const char *id, struct pb_paper *out, char *date)
{
	(void)st;
	(void)id;
	(void)out;
	(void)date;
	return 0;
}

int
pb_corpus_mark(struct pb_state *st, const char *id, const char *status)
{
	(void)st;
	(void)id;
	(void)status;
	return 0;
}

int
pb_corpus_each(struct pb_state *st, const char *since,
	       int (*fn)(void *ctx, const struct pb_paper *p, const char *date), void *ctx)
{
	(void)st;
	(void)since;
	(void)fn;
	(void)ctx;
	return 0;
}

int
pb_corpus_prune(struct pb_state *st, const char *before)
{
	(void)st;
	(void)before;
	return 0;
}
