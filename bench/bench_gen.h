/* Shared by the benchmarks that need many subscribers (match_bench, rank_bench): clocks, a
 * deterministic random source, and subscribers generated from the papers' own words, phrases,
 * authors and categories (5 topics of ~6 terms each). Each bench/ program is one translation
 * unit, so everything here is static. */
#ifndef PB_BENCH_GEN_H
#define PB_BENCH_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/fold.h"
#include "paperboy/paper.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: steadier than wall time on a shared machine. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: deterministic across runs and machines. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t
pick(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

struct pool {
	char **v;
	size_t n, cap;
};

static void
pool_add(struct pool *p, const char *s, size_t len)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->v = pb_xreallocarray(p->v, p->cap, sizeof *p->v);
	}
	p->v[p->n++] = pb_xstrndup(s, len);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
pool_uniq(struct pool *p)
{
	size_t k = 0;

	qsort(p->v, p->n, sizeof *p->v, cmp_str);
	for (size_t i = 0; i < p->n; i++) {
		if (k && strcmp(p->v[k - 1], p->v[i]) == 0) {
			free(p->v[i]);
			continue;
		}
		p->v[k++] = p->v[i];
	}
	p->n = k;
}

/* Sorts, then keeps one copy of each string seen at most max times. */
static void
drop_common(struct pool *p, size_t max)
{
	size_t k = 0;

	qsort(p->v, p->n, sizeof *p->v, cmp_str);
	for (size_t i = 0, j; i < p->n; i = j) {
		for (j = i + 1; j < p->n && strcmp(p->v[i], p->v[j]) == 0; j++)
			;
		if (j - i <= max)
			p->v[k++] = p->v[i];
		else
			free(p->v[i]);
		for (size_t x = i + 1; x < j; x++)
			free(p->v[x]);
	}
	p->n = k;
}

static void
pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

/* Text usable inside a query: no quotes, parentheses, stars or colons. */
static int
query_safe(const char *s)
{
	return !strpbrk(s, "\"()*:") && *s;
}

struct pools {
	struct pool words, phrases, stems, authors, last_names, cats, archives, co_words;
};

static void
build_pools(const struct pb_paperset *ps, struct pools *pl)
{
	struct pb_words t;

	memset(pl, 0, sizeof *pl);
	pb_words_init(&t);
	for (size_t i = 0; i < ps->n; i++) {
		const struct pb_paper *p = &ps->v[i];

		pb_words_reset(&t);
		if (p->title)
			pb_words_add(&t, p->title, strlen(p->title));
		for (size_t j = 0; j < t.n; j++) {
			if (t.len[j] < 4)
				continue;
			pool_add(&pl->words, pb_word(&t, j), t.len[j]);
			if (t.len[j] >= 7)
				pool_add(&pl->stems, pb_word(&t, j), 5);
			if (j + 1 < t.n && t.len[j + 1] >= 3) {
				char pair[256];
				int n = snprintf(pair, sizeof pair, "%s %s", pb_word(&t, j),
						 pb_word(&t, j + 1));

				if (n > 0 && (size_t)n < sizeof pair)
					pool_add(&pl->phrases, pair, (size_t)n);
			}
		}
		for (size_t a = 0; a < p->n_authors; a++) {
			const char *name = p->authors[a].name, *sp;

			if (!name || !query_safe(name))
				continue;
			pool_add(&pl->authors, name, strlen(name));
			sp = strrchr(name, ' ');
			if (sp && strlen(sp + 1) >= 3)
				pool_add(&pl->last_names, sp + 1, strlen(sp + 1));
		}
		for (size_t c = 0; c < p->n_categories; c++) {
			const char *cat = p->categories[c], *dot;

			if (!cat || !query_safe(cat))
				continue;
			pool_add(&pl->cats, cat, strlen(cat));
			if ((dot = strchr(cat, '.')))
				pool_add(&pl->archives, cat, (size_t)(dot - cat));
		}
		if (p->comment) {
			pb_words_reset(&t);
			pb_words_add(&t, p->comment, strlen(p->comment));
			for (size_t j = 0; j < t.n; j++)
				if (t.len[j] >= 4)
					pool_add(&pl->co_words, pb_word(&t, j), t.len[j]);
		}
	}
	pb_words_free(&t);
	/* People do not subscribe to "with" or "learning": words in more than 1% of the
	 * titles are dropped, the rest drawn uniformly. */
	drop_common(&pl->words, ps->n / 100);
	drop_common(&pl->stems, ps->n / 100);
	pool_uniq(&pl->phrases);
	pool_uniq(&pl->authors);
	pool_uniq(&pl->last_names);
	pool_uniq(&pl->cats);
	pool_uniq(&pl->archives);
	pool_uniq(&pl->co_words);
}

static void
gen_cat(const struct pools *pl, struct pb_buf *q)
{
	if (pick(5) == 0 && pl->archives.n)
		pb_buf_printf(q, "cat:%s.*", pl->archives.v[pick(pl->archives.n)]);
	else
		pb_buf_printf(q, "cat:%s", pl->cats.v[pick(pl->cats.n)]);
}

static void
gen_term(const struct pools *pl, struct pb_buf *q)
{
	static const char *const tf[] = { "ti:", "abs:", "" };
	unsigned r = (unsigned)pick(100);

	if (r < 45) {
		pb_buf_printf(q, "%s%s", tf[pick(3)], pl->words.v[pick(pl->words.n)]);
	} else if (r < 62) {
		pb_buf_printf(q, "%s\"%s\"", tf[pick(2)], pl->phrases.v[pick(pl->phrases.n)]);
	} else if (r < 72) {
		pb_buf_printf(q, "%s%s*", tf[pick(3)], pl->stems.v[pick(pl->stems.n)]);
	} else if (r < 82) {
		if (pick(2))
			pb_buf_printf(q, "au:%s", pl->last_names.v[pick(pl->last_names.n)]);
		else
			pb_buf_printf(q, "au:\"%s\"", pl->authors.v[pick(pl->authors.n)]);
	} else if (r < 86) {
		gen_cat(pl, q);
	} else if (r < 91 && pl->co_words.n) {
		pb_buf_printf(q, "co:%s", pl->co_words.v[pick(pl->co_words.n)]);
	} else {
		pb_buf_printf(q, "abs:\"%s\"", pl->phrases.v[pick(pl->phrases.n)]);
	}
}

/* Topic shapes of 6 terms: @ is any term, C a category (mostly as a restriction). */
static const char *const shapes[] = {
	"(@ OR @ OR @) AND (@ OR @) ANDNOT @",
	"@ AND @ OR @ AND C OR @ ANDNOT @",
	"(@ OR @) AND C ANDNOT @ OR @ AND @",
	"@ OR @ OR (@ AND C) OR @ @",
	"(@ OR (@ AND @)) ANDNOT (@ OR @) OR @",
	"(@ OR @ OR @ OR @) AND C ANDNOT @",
	"@ OR @ OR NOT @ AND C AND @ OR @",
};

static char *
gen_query(const struct pools *pl)
{
	struct pb_buf q = { 0 };

	for (const char *s = shapes[pick(sizeof shapes / sizeof shapes[0])]; *s; s++) {
		if (*s == '@')
			gen_term(pl, &q);
		else if (*s == 'C')
			gen_cat(pl, &q);
		else
			pb_buf_putc(&q, *s);
	}
	return pb_buf_detach(&q);
}

static struct pb_config *
gen_config(const struct pools *pl, size_t n_subs)
{
	struct pb_config *cfg = pb_xcalloc(1, sizeof *cfg);

	cfg->subscribers = pb_xcalloc(n_subs, sizeof *cfg->subscribers);
	cfg->n_subscribers = n_subs;
	for (size_t s = 0; s < n_subs; s++) {
		struct pb_subscriber *sub = &cfg->subscribers[s];
		struct pb_buf name = { 0 };

		pb_buf_printf(&name, "sub%05zu", s);
		sub->name = pb_buf_detach(&name);
		sub->max_papers = pick(4) ? 10 : 25;
		sub->include_cross = pick(10) != 0;
		sub->include_replace = pick(3) == 0;
		if (pick(10) == 0) {
			sub->follow_authors = pb_xcalloc(1, sizeof *sub->follow_authors);
			sub->follow_authors[0] = pb_xstrdup(pl->authors.v[pick(pl->authors.n)]);
			sub->n_follow_authors = 1;
		}
		sub->n_topics = 5;
		sub->topics = pb_xcalloc(5, sizeof *sub->topics);
		for (size_t t = 0; t < 5; t++) {
			struct pb_topic *tp = &sub->topics[t];
			struct pb_buf tn = { 0 };

			pb_buf_printf(&tn, "topic%zu", t);
			tp->name = pb_buf_detach(&tn);
			tp->query = gen_query(pl);
			tp->include_cross = pick(10) == 0 ? PB_NO : PB_INHERIT;
			tp->include_replace = pick(10) == 0 ? PB_YES : PB_INHERIT;
			if (pick(5) == 0) {
				struct pb_buf x = { 0 };

				pb_buf_printf(&x, "ti:%s", pl->words.v[pick(pl->words.n)]);
				tp->exclude = pb_xcalloc(1, sizeof *tp->exclude);
				tp->exclude[0] = pb_buf_detach(&x);
				tp->n_exclude = 1;
			}
			if (pick(10) == 0) {
				tp->follow_authors = pb_xcalloc(1, sizeof *tp->follow_authors);
				tp->follow_authors[0] = pb_xstrdup(pl->authors.v[pick(pl->authors.n)]);
				tp->n_follow_authors = 1;
			}
		}
	}
	return cfg;
}

/* A copy of p under a new id. */
static void
copy_paper(const struct pb_paper *p, const char *id, struct pb_paper *c)
{
	memset(c, 0, sizeof *c);
	c->id = pb_xstrdup(id);
	c->version = p->version;
	c->title = pb_xstrdup(p->title);
	c->abstract = pb_xstrdup(p->abstract);
	c->comment = pb_xstrdup(p->comment);
	c->announce = p->announce;
	c->authors = pb_xcalloc(p->n_authors + 1, sizeof *c->authors);
	for (size_t i = 0; i < p->n_authors; i++)
		c->authors[c->n_authors++].name = pb_xstrdup(p->authors[i].name);
	c->categories = pb_xcalloc(p->n_categories + 1, sizeof *c->categories);
	for (size_t i = 0; i < p->n_categories; i++)
		c->categories[c->n_categories++] = pb_xstrdup(p->categories[i]);
}

static void
pools_free(struct pools *pl)
{
	pool_free(&pl->words);
	pool_free(&pl->phrases);
	pool_free(&pl->stems);
	pool_free(&pl->authors);
	pool_free(&pl->last_names);
	pool_free(&pl->cats);
	pool_free(&pl->archives);
	pool_free(&pl->co_words);
}

#endif
