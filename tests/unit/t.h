/* A tiny assertion header for the unit tests: each failed check prints where and what, the
 * test binary exits non-zero at the end if any check failed. */
#ifndef PAPERBOY_T_H
#define PAPERBOY_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed, t_checked;

#define T_CHECK(cond) \
	do { \
		t_checked++; \
		if (!(cond)) { \
			t_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define T_EQ_INT(a, b) \
	do { \
		long long t_a = (long long)(a), t_b = (long long)(b); \
		t_checked++; \
		if (t_a != t_b) { \
			t_failed++; \
			fprintf(stderr, "%s:%d: %s == %s: got %lld, want %lld\n", __FILE__, \
				__LINE__, #a, #b, t_a, t_b); \
		} \
	} while (0)

#define T_EQ_STR(a, b) \
	do { \
		const char *t_a = (a), *t_b = (b); \
		t_checked++; \
		if (!t_a || !t_b || strcmp(t_a, t_b) != 0) { \
			t_failed++; \
			fprintf(stderr, "%s:%d: %s == %s:\n  got  \"%s\"\n  want \"%s\"\n", \
				__FILE__, __LINE__, #a, #b, t_a ? t_a : "(null)", \
				t_b ? t_b : "(null)"); \
		} \
	} while (0)

/* Fixtures live in ../shared/fixtures/arxiv beside the checkout; PB_FIXTURES overrides. */
static inline const char *
t_fixture(const char *name)
{
	static char path[4][1024];
	static int slot;
	const char *dir = getenv("PB_FIXTURES");
	char *p = path[slot++ % 4];

	snprintf(p, sizeof path[0], "%s/%s", dir ? dir : "../shared/fixtures/arxiv", name);
	return p;
}

static inline int
t_done(const char *name)
{
	if (t_failed) {
		fprintf(stderr, "%s: %d of %d checks FAILED\n", name, t_failed, t_checked);
		return 1;
	}
	printf("%s: %d checks ok\n", name, t_checked);
	return 0;
}

#endif
