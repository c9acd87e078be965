/* The subscribers by name: the delivery of every chat message, a web page, a command looks its
 * subscriber up, tens of thousands of times in a run; a scan of the list each time grew with
 * the square of the subscribers. An open-addressing table of indexes into cfg->subscribers,
 * built once the list is final (loaded, the stored ones merged in). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "paperboy/buf.h"
#include "paperboy/hash.h"

struct pb_cfg_names {
	const struct pb_subscriber *base;   /* the list it was built for, and its length */
	size_t n;
	size_t *slot;                       /* index + 1; 0: empty */
	size_t cap;                         /* a power of two, at least twice n */
};

void
pb_cfg_names_free(struct pb_cfg_names *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t);
}

void
pb_config_index_subscribers(struct pb_config *cfg)
{
	struct pb_cfg_names *t;

	if (!cfg)
		return;
	pb_cfg_names_free(cfg->names);
	cfg->names = NULL;
	if (!cfg->n_subscribers)
		return;
	t = pb_xcalloc(1, sizeof *t);
	t->base = cfg->subscribers;
	t->n = cfg->n_subscribers;
	for (t->cap = 16; t->cap < 2 * t->n; t->cap *= 2)
		;
	t->slot = pb_xcalloc(t->cap, sizeof *t->slot);
	for (size_t i = 0; i < t->n; i++) {
		const char *name = cfg->subscribers[i].name;
		size_t h;

		if (!name)
			continue;
		h = (size_t)pb_hash64_mem(name, strlen(name)) & (t->cap - 1);
		while (t->slot[h] && strcmp(cfg->subscribers[t->slot[h] - 1].name, name) != 0)
			h = (h + 1) & (t->cap - 1);
		if (!t->slot[h])   /* the first of a name, as the scan finds it */
			t->slot[h] = i + 1;
	}
	cfg->names = t;
}

const struct pb_subscriber *
pb_config_subscriber(const struct pb_config *cfg, const char *name)
{
	const struct pb_cfg_names *t;
	size_t h;

	if (!cfg || !name)
		return NULL;
	t = cfg->names;
	/* A list changed since (a subscriber dropped) or a copy of the config holding part of
	 * it (one subscriber, for a preview) is scanned. */
	if (!t || t->base != cfg->subscribers || t->n != cfg->n_subscribers) {
		for (size_t i = 0; i < cfg->n_subscribers; i++)
			if (cfg->subscribers[i].name && strcmp(cfg->subscribers[i].name, name) == 0)
				return &cfg->subscribers[i];
		return NULL;
	}
	h = (size_t)pb_hash64_mem(name, strlen(name)) & (t->cap - 1);
	for (; t->slot[h]; h = (h + 1) & (t->cap - 1))
		if (strcmp(cfg->subscribers[t->slot[h] - 1].name, name) == 0)
			return &cfg->subscribers[t->slot[h] - 1];
	return NULL;
}

/* Weighs candidate s against name (len long, at most cap edits): a case slip ("Lab") is
 * nearer than any other spelling. Keeps the nearest so far in *best and buf. */
static void
closest_try(const char *name, size_t len, size_t cap, const char *s, size_t *best, char *buf,
	    size_t n)
{
	size_t d, ls;

	if (!s)
		return;
	ls = strlen(s);
	/* the distance is at least the lengths' difference: tens of thousands of names are
	 * mostly passed over without computing it */
	if ((ls > len ? ls - len : len - ls) > cap)
		return;
	d = strcasecmp(name, s) == 0 ? 0 : pb_cfg_distance(name, s, cap) + 1;
	if (d <= cap + 1 && d < *best) {
		*best = d;
		snprintf(buf, n, "%s", s);
	}
}

/* At most a third of the name's edits, and 2 for a short one. */
static size_t
closest_cap(size_t len)
{
	return (len + 2) / 3 < 2 ? 2 : (len + 2) / 3;
}

const char *
pb_config_closest_subscriber(const struct pb_config *cfg, const char *name, char *buf, size_t n)
{
	size_t best = (size_t)-1, len, cap;

	if (!cfg || !name || !*name || pb_config_subscriber(cfg, name))
		return NULL;
	len = strlen(name);
	cap = closest_cap(len);
	for (size_t i = 0; i < cfg->n_subscribers && best; i++)
		closest_try(name, len, cap, cfg->subscribers[i].name, &best, buf, n);
	return best == (size_t)-1 ? NULL : buf;
}

const char *
pb_closest_word(const char *word, const char *const *words, size_t count, char *buf, size_t n)
{
	size_t best = (size_t)-1, len, cap;

	if (!word || !*word)
		return NULL;
	len = strlen(word);
	cap = closest_cap(len);
	for (size_t i = 0; i < count && best; i++) {
		if (words[i] && strcmp(words[i], word) == 0)
			return NULL;
		closest_try(word, len, cap, words[i], &best, buf, n);
	}
	return best == (size_t)-1 ? NULL : buf;
}
