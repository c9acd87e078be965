/* Configs that share their memory: one subscriber's edit taken into a config of tens of
 * thousands without loading them again (pb_config_replace_subscriber). A group is the first
 * config, the one-subscriber configs each replacement brought, and the copies made; the
 * copies hold only their list of subscribers and its index, which point into the others.
 * Whoever frees a config of the group last frees the whole of it; they may be different
 * threads (the web endpoint's workers), hence the lock. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperboy/buf.h"

struct pb_cfg_share {
	pthread_mutex_t mu;
	size_t refs;                /* the group's configs not freed yet: the first, the copies */
	struct pb_config **own;     /* the first config and each replacement's: the memory */
	size_t n_own;
};

struct pb_config *
pb_config_replace_subscriber(struct pb_config *base, size_t i, struct pb_config *one)
{
	struct pb_cfg_share *sh;
	struct pb_config *c;

	if (!base || !one || i >= base->n_subscribers || !one->n_subscribers) {
		pb_config_free(one);
		return NULL;
	}
	/* A first config becomes the group's; its readers see nothing change (share is the
	 * config module's alone, read when a config is freed). */
	if (!(sh = base->share)) {
		sh = pb_xcalloc(1, sizeof *sh);
		if (pthread_mutex_init(&sh->mu, NULL) != 0) {
			free(sh);
			pb_config_free(one);
			return NULL;
		}
		sh->refs = 1;
		sh->own = pb_xcalloc(1, sizeof *sh->own);
		sh->own[sh->n_own++] = base;
		base->share = sh;
	}
	c = pb_xcalloc(1, sizeof *c);
	*c = *base;
	c->names = NULL;
	c->subscribers = pb_xcalloc(base->n_subscribers, sizeof *c->subscribers);
	memcpy(c->subscribers, base->subscribers, base->n_subscribers * sizeof *c->subscribers);
	c->subscribers[i] = one->subscribers[one->n_subscribers - 1];
	pb_config_index_subscribers(c);
	pthread_mutex_lock(&sh->mu);
	sh->own = pb_xreallocarray(sh->own, sh->n_own + 1, sizeof *sh->own);
	sh->own[sh->n_own++] = one;
	one->share = sh;
	sh->refs++;
	pthread_mutex_unlock(&sh->mu);
	return c;
}

/* pb_config_free of a config of a group: a copy's own list goes now, the memory they share
 * with the last config of the group. */
void
pb_cfg_share_release(struct pb_config *cfg)
{
	struct pb_cfg_share *sh = cfg->share;
	int first = 0, last;

	pthread_mutex_lock(&sh->mu);
	for (size_t k = 0; k < sh->n_own && !first; k++)
		first = sh->own[k] == cfg;
	last = --sh->refs == 0;
	pthread_mutex_unlock(&sh->mu);
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
	pthread_mutex_destroy(&sh->mu);
	free(sh->own);
	free(sh);
}
