/* Likes: each subscriber's labels from the config and the state. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/rank.h"

void
pb_profile_clear(struct pb_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->likes[i].id);
		free(p->likes[i].via);
	}
	free(p->likes);
	pb_paperset_free(&p->texts);
	memset(p, 0, sizeof *p);
}

void
pb_profiles_free(struct pb_profile *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		pb_profile_clear(&v[i]);
	free(v);
}

/* Placeholder until the likes are read: every profile empty. */
int
pb_profiles_load(const struct pb_config *cfg, struct pb_state *st, const struct pb_paperset *day,
		 struct pb_profile **out, struct pb_buf *warn)
{
	(void)st;
	(void)day;
	(void)warn;
	*out = pb_xcalloc(cfg->n_subscribers + 1, sizeof **out);
	return 0;
}

int
pb_likes_lookup(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h)
{
	(void)cfg;
	(void)st;
	(void)h;
	return 0;
}
