/* A reader's labels settled (rk_profile_settle, likes.c): on mixed lists (duplicates, a like
 * then a "not for me" of the same paper and back, ties, topics, authors' papers) the labels
 * kept are the ones the rules say, the same, in the same order, as comparing every label with
 * every other (the reference below); and the time for one reader with tens of thousands of
 * labels, printed (not checked: machines differ). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/rank.h"
#include "../../src/rank/rank_int.h"
#include "t.h"

/* The rules as written, each label against all others: quadratic, the reference. A label is
 * overruled by a later one of the other verdict (or one as late that says "not for me"), and
 * is a duplicate of an earlier one of its verdict and topic that is not overruled. */
static void
settle_ref(struct pb_profile *p)
{
	unsigned char *over = pb_xcalloc(p->n + 1, 1), *keep = pb_xcalloc(p->n + 1, 1);
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct pb_like *l = &p->likes[i];

		for (size_t j = 0; j < p->n && !over[i]; j++) {
			const struct pb_like *o = &p->likes[j];

			if (j != i && strcmp(o->id, l->id) == 0 && o->verdict != l->verdict &&
			    (o->when > l->when || (o->when == l->when && o->verdict < 0)))
				over[i] = 1;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct pb_like *l = &p->likes[i];

		keep[i] = !over[i];
		for (size_t j = 0; j < i && keep[i]; j++) {
			const struct pb_like *o = &p->likes[j];

			if (!over[j] && strcmp(o->id, l->id) == 0 && o->verdict == l->verdict &&
			    o->topic == l->topic)
				keep[i] = 0;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		if (keep[i]) {
			p->likes[k++] = p->likes[i];
		} else {
			free(p->likes[i].id);
			free(p->likes[i].via);
		}
	}
	p->n = k;
	free(keep);
	free(over);
}

static void
add(struct pb_profile *p, const char *id, int verdict, int64_t when, size_t topic,
    const char *via)
{
	struct pb_like *l;

	p->likes = pb_xreallocarray(p->likes, p->n + 1, sizeof *p->likes);
	l = &p->likes[p->n++];
	memset(l, 0, sizeof *l);
	l->id = pb_xstrdup(id);
	l->verdict = verdict;
	l->when = when;
	l->topic = topic;
	l->via = via ? pb_xstrdup(via) : NULL;
}

static struct pb_profile
copy(const struct pb_profile *p)
{
	struct pb_profile c = { 0 };

	for (size_t i = 0; i < p->n; i++)
		add(&c, p->likes[i].id, p->likes[i].verdict, p->likes[i].when, p->likes[i].topic,
		    p->likes[i].via);
	return c;
}

static void
drop(struct pb_profile *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->likes[i].id);
		free(p->likes[i].via);
	}
	free(p->likes);
	memset(p, 0, sizeof *p);
}

/* Whether a and b hold the same labels in the same order. */
static int
same(const struct pb_profile *a, const struct pb_profile *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct pb_like *x = &a->likes[i], *y = &b->likes[i];

		if (strcmp(x->id, y->id) || x->verdict != y->verdict || x->when != y->when ||
		    x->topic != y->topic || (!x->via) != (!y->via) ||
		    (x->via && strcmp(x->via, y->via)))
			return 0;
	}
	return 1;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* n labels on about papers distinct papers: likes and "not for me" in turn, ties, the same
 * verdict twice, per topic and for all, some through an author. */
static void
random_profile(struct pb_profile *p, size_t n, size_t papers, int64_t span)
{
	char id[32];

	for (size_t i = 0; i < n; i++) {
		uint64_t r = next();
		size_t t = r % 5 == 0 ? PB_LIKE_ALL_TOPICS : (size_t)(r >> 8) % 3;

		snprintf(id, sizeof id, "2411.%05llu", (unsigned long long)((r >> 16) % papers));
		add(p, id, (r >> 40) & 1 ? +1 : -1, (int64_t)((r >> 44) % (uint64_t)span), t,
		    (r >> 60) == 0 ? "Ada Lovelace" : NULL);
	}
}

static void
check_same(struct pb_profile *p)
{
	struct pb_profile a = copy(p), b = copy(p);

	settle_ref(&a);
	rk_profile_settle(&b);
	T_CHECK(same(&a, &b));
	drop(&a);
	drop(&b);
}

static void
test_cases(void)
{
	struct pb_profile p = { 0 };

	add(&p, "2411.00001", +1, 100, PB_LIKE_ALL_TOPICS, NULL);     /* liked ... */
	add(&p, "2411.00001", -1, 200, PB_LIKE_ALL_TOPICS, NULL);     /* ... then not for me */
	add(&p, "2411.00002", -1, 100, 0, NULL);                      /* not for me ... */
	add(&p, "2411.00002", +1, 300, 0, NULL);                      /* ... then liked */
	add(&p, "2411.00003", +1, 50, 1, NULL);                       /* liked twice in topic 1 */
	add(&p, "2411.00003", +1, 60, 1, "Ada Lovelace");
	add(&p, "2411.00003", +1, 60, 2, NULL);                       /* and in topic 2 */
	add(&p, "2411.00004", +1, 70, 0, NULL);                       /* a tie */
	add(&p, "2411.00004", -1, 70, 0, NULL);
	add(&p, "2411.00005", -1, 10, 0, NULL);                       /* "not for me" twice */
	add(&p, "2411.00005", -1, 20, 0, NULL);
	add(&p, "2411.00006", +1, 5, PB_LIKE_ALL_TOPICS, "Ada Lovelace");
	check_same(&p);
	rk_profile_settle(&p);
	T_EQ_INT(p.n, 7);
	if (p.n == 7) {
		T_EQ_STR(p.likes[0].id, "2411.00001");
		T_EQ_INT(p.likes[0].verdict, -1);
		T_EQ_STR(p.likes[1].id, "2411.00002");
		T_EQ_INT(p.likes[1].verdict, +1);
		T_EQ_STR(p.likes[2].id, "2411.00003");
		T_EQ_INT(p.likes[2].topic, 1);
		T_CHECK(p.likes[2].via == NULL);
		T_EQ_INT(p.likes[3].topic, 2);
		T_EQ_STR(p.likes[4].id, "2411.00004");
		T_EQ_INT(p.likes[4].verdict, -1);
		T_EQ_STR(p.likes[5].id, "2411.00005");
		T_EQ_INT(p.likes[5].when, 10);
		T_EQ_STR(p.likes[6].via, "Ada Lovelace");
	}
	drop(&p);
	/* Like, not for me, like again: the last like stands (an overruled label has no
	 * duplicates), and again with the places the other way round. */
	add(&p, "2411.00007", +1, 5, 0, NULL);
	add(&p, "2411.00007", -1, 7, 0, NULL);
	add(&p, "2411.00007", +1, 10, 0, NULL);
	check_same(&p);
	rk_profile_settle(&p);
	T_EQ_INT(p.n, 1);
	if (p.n == 1) {
		T_EQ_INT(p.likes[0].verdict, +1);
		T_EQ_INT(p.likes[0].when, 10);
	}
	drop(&p);
	add(&p, "2411.00007", +1, 10, 0, NULL);
	add(&p, "2411.00007", -1, 7, 0, NULL);
	add(&p, "2411.00007", +1, 5, 0, NULL);
	check_same(&p);
	rk_profile_settle(&p);
	T_EQ_INT(p.n, 1);
	if (p.n == 1)
		T_EQ_INT(p.likes[0].when, 10);
	drop(&p);
	/* nothing, one */
	rk_profile_settle(&p);
	T_EQ_INT(p.n, 0);
	add(&p, "2411.00008", -1, 1, 0, NULL);
	check_same(&p);
	drop(&p);
}

static void
test_random(void)
{
	for (int round = 0; round < 400; round++) {
		struct pb_profile p = { 0 };
		size_t n = 1 + next() % 300;

		random_profile(&p, n, 1 + next() % (n + 1), 1 + (int64_t)(next() % 20));
		check_same(&p);
		drop(&p);
	}
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One reader's rows (PB_SETTLE_ROWS, 10,000 unless said) settled both ways. */
static void
test_time(void)
{
	const char *env = getenv("PB_SETTLE_ROWS");
	size_t n = env ? (size_t)strtoul(env, NULL, 10) : 10000;
	struct pb_profile p = { 0 }, a, b;
	double t0, t1, t2;

	random_profile(&p, n, n / 2 + 1, 1000000);
	a = copy(&p);
	b = copy(&p);
	t0 = secs();
	settle_ref(&a);
	t1 = secs();
	rk_profile_settle(&b);
	t2 = secs();
	T_CHECK(same(&a, &b));
	printf("settle: %zu labels: every pair %.3f s, sorted %.3f s (%zu kept)\n", n, t1 - t0,
	       t2 - t1, b.n);
	drop(&a);
	drop(&b);
	drop(&p);
}

int
main(void)
{
	test_cases();
	test_random();
	test_time();
	return t_done("test_settle");
}
