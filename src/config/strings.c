/* Strings the subscribers of one config share: the file they were read from, a default
 * ("en"), a topic name or query written the same way by many. Each distinct text is kept
 * once, owned by the config, so 100,000 subscribers do not hold 100,000 copies of it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "paperboy/buf.h"
#include "paperboy/hash.h"

struct pb_cfg_strings {
	char **slot;        /* open addressing, a power of two long, at most half full */
	uint64_t *hash;
	size_t cap, n;
};

static size_t
find(const struct pb_cfg_strings *t, const char *s, uint64_t h)
{
	size_t mask = t->cap - 1, i = h & mask;

	while (t->slot[i] && (t->hash[i] != h || strcmp(t->slot[i], s) != 0))
		i = (i + 1) & mask;
	return i;
}

static void
grow(struct pb_cfg_strings *t)
{
	char **os = t->slot;
	uint64_t *oh = t->hash;
	size_t oc = t->cap;

	t->cap = oc ? oc * 2 : 64;
	t->slot = pb_xcalloc(t->cap, sizeof *t->slot);
	t->hash = pb_xcalloc(t->cap, sizeof *t->hash);
	for (size_t i = 0; i < oc; i++) {
		size_t j;

		if (!os[i])
			continue;
		for (j = oh[i] & (t->cap - 1); t->slot[j]; j = (j + 1) & (t->cap - 1))
			;
		t->slot[j] = os[i];
		t->hash[j] = oh[i];
	}
	free(os);
	free(oh);
}

char *
pb_cfg_intern(struct pb_config *cfg, const char *s)
{
	struct pb_cfg_strings *t;
	uint64_t h;
	size_t i;

	if (!s)
		return NULL;
	if (!cfg->strings)
		cfg->strings = pb_xcalloc(1, sizeof *cfg->strings);
	t = cfg->strings;
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	h = pb_fnv1a64_str(s);
	i = find(t, s, h);
	if (!t->slot[i]) {
		t->slot[i] = pb_xstrdup(s);
		t->hash[i] = h;
		t->n++;
	}
	return t->slot[i];
}

bool
pb_cfg_shared(const struct pb_config *cfg, const char *p)
{
	const struct pb_cfg_strings *t = cfg ? cfg->strings : NULL;

	if (!t || !p || !t->n)
		return false;
	return t->slot[find(t, p, pb_fnv1a64_str(p))] == p;
}

void
pb_cfg_strings_free(struct pb_cfg_strings *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	free(t->hash);
	free(t);
}
