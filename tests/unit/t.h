/* A tiny assertion header for the unit tests: each failed check prints where and what, the
 * test binary exits non-zero at the end if any check failed. */
#ifndef PAPERBOY_T_H
#define PAPERBOY_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Fixtures live in ../shared/fixtures/arxiv beside the checkout; PB_FIXTURES overrides (the
 * Makefile sets it). A folder that is not there stops the test at once, saying where it looked,
 * rather than failing each check on an empty parse. */
static inline const char *
t_fixture(const char *name)
{
	static char path[4][1024];
	static int slot, checked;
	const char *env = getenv("PB_FIXTURES");
	const char *dir = env && *env ? env : "../shared/fixtures/arxiv";
	char *p = path[slot++ % 4];
	struct stat st;

	if (!checked) {
		char cwd[1024];

		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "fixtures not found: %s is not a folder (%s; working "
				"directory %s): set PB_FIXTURES to the folder of the saved arXiv "
				"responses (shared/fixtures/arxiv)\n", dir,
				env && *env ? "from PB_FIXTURES" : "the default, PB_FIXTURES unset",
				getcwd(cwd, sizeof cwd) ? cwd : "unknown");
			exit(1);
		}
		checked = 1;
	}
	snprintf(p, sizeof path[0], "%s/%s", dir, name);
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
