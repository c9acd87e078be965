/* Embeddings from an OpenAI-compatible endpoint (placeholder: none). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/rank.h"

long
pb_embed_fetch(const struct pb_config *cfg, struct pb_state *st, const struct pb_paperset *day,
	       const struct pb_profile *profiles, size_t n_profiles, struct pb_embed_set *out)
{
	(void)cfg;
	(void)st;
	(void)day;
	(void)profiles;
	(void)n_profiles;
	memset(out, 0, sizeof *out);
	return 0;
}

void
pb_embed_set_free(struct pb_embed_set *e)
{
	(void)e;
}

const float *
pb_embed_find(const struct pb_embed_set *e, const char *key)
{
	(void)e;
	(void)key;
	return NULL;
}

int
pb_embed_parse(const char *body, size_t len, size_t n, float **vecs, size_t *dim, char *why,
	       size_t whylen)
{
	(void)body;
	(void)len;
	(void)n;
	(void)vecs;
	(void)dim;
	snprintf(why, whylen, "not implemented");
	return -1;
}

double
pb_rrf(size_t ra, size_t rb, double k)
{
	double s = 1.0 / (k + (double)ra + 1.0);

	if (rb != (size_t)-1)
		s += 1.0 / (k + (double)rb + 1.0);
	return s;
}
