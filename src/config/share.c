/* Configs that share their memory: one subscriber's edit taken into a config of tens of
 * thousands without loading them again (pb_config_replace_subscriber). A group is the first
 * config, the one-subscriber configs each replacement brought, and the copies made; the
 * copies hold only their list of subscribers and its index, which point into the others.
 * Whoever frees a config of the group last frees the whole of it. They may be different
 * threads (the web endpoint's workers), and two workers holding one config may each take an
 * edit into it at once: one lock for every group, held for a few pointer moves. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperboy/buf.h"

/* Each edit keeps a config of its own (the root settings and one subscriber) until the group
 * is freed: past SHARE_MAX the caller loads the whole again, which starts a group anew. */
#define SHARE_MAX 64

struct pb_cfg_share {
	size_t refs;                /* the group's configs not freed yet: the first, the copies */
	struct pb_config **own;     /* the first config and each replacement's: the memory */
	size_t n_own;
};

static pthread_mutex_t share_mu = PTHREAD_MUTEX_INITIALIZER;

struct pb_config *
pb_config_replace_subscriber(struct pb_config *base, size_t i, struct pb_config *one)
{
	struct pb_cfg_share *sh;
	struct pb_config *c;

	if (!base || !one || i >= base->n_subscribers || !one->n_subscribers) {
		pb_config_free(one);
		return NULL;
	}
	pthread_mutex_lock(&share_mu);
	if ((sh = base->share) && sh->n_own > SHARE_MAX) {
		pthread_mutex_unlock(&share_mu);
		pb_config_free(one);
		return NULL;
	}
	/* A first config becomes the group's; its readers see nothing change (share is the
	 * config module's alone, read when a config is freed). */
	if (!sh) {
		sh = pb_xcalloc(1, sizeof *sh);
		sh->refs = 1;
		sh->own = pb_xcalloc(1, sizeof *sh->own);
		sh->own[sh->n_own++] = base;
		base->share = sh;
	}
	sh->own = pb_xreallocarray(sh->own, sh->n_own + 1, sizeof *sh->own);
	sh->own[sh->n_own++] = one;
	one->share = sh;
	sh->refs++;
	pthread_mutex_unlock(&share_mu);
	c = pb_xcalloc(1, sizeof *c);
	*c = *base;
	c->share = sh;
	c->names = NULL;
	c->subscribers = pb_xcalloc(base->n_subscribers, sizeof *c->subscribers);
	memcpy(c->subscribers, base->subscribers, base->n_subscribers * sizeof *c->subscribers);
	c->subscribers[i] = one->subscribers[one->n_subscribers - 1];
	pb_config_index_subscribers(c);
	return c;
}

/* pb_config_free of a config of a group: a copy's own list goes now, the memory they share
 * with the last config of the group. */
void
pb_cfg_share_release(struct pb_config *cfg)
{
	struct pb_cfg_share *sh = cfg->share;
	int first = 0, last;

	pthread_mutex_lock(&share_mu);
	for (size_t k = 0; k < sh->n_own && !first; k++)
		first = sh->own[k] == cfg;
	last = --sh->refs == 0;
	pthread_mutex_unlock(&share_mu);
	if (!first) {
		pb_cfg_names_free(cfg->names);
		free(cfg->subscribers);
		free(cfg);
	}
	if (!last)
		return;
	for (size_t k = 0; k < sh->n_own; k++) {
		sh->own[k]->share = NULL;
		pb_config_free(sh->own[k]);
	}
	free(sh->own);
	free(sh);
}
