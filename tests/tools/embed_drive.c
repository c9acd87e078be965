/* Drives the embeddings for the integration tests: loads a config, opens the state under its
 * state_dir, parses a saved feed (the day) and optionally a second one (papers the readers
 * like that are not of the day), gives each subscriber a profile of its `like` ids found in
 * either, fetches the vectors once for all of them (pb_embed_fetch), and prints
 *
 *   embed vectors=1504 dim=64 ms=812
 *   subscriber=alice likes=2 with_vector=2 top=2411.00001v1,2411.00002v1,...
 *
 * top: the day's papers (not liked ones) by their best cosine to a liked paper, five of them;
 * "-" when there is nothing to compare.
 *
 * Usage: embed_drive CONFIG FEED [LIKED_FEED] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/parse.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"

#define TOP 5

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
load_feed(const char *path, struct pb_paperset *out)
{
	FILE *f = fopen(path, "rb");
	struct pb_buf b = { 0 };
	struct pb_parse_result pr;
	char chunk[65536];
	size_t n;
	int rc;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&b, chunk, n);
	fclose(f);
	rc = pb_parse_feed(b.data, b.len, path, out, &pr) == PB_PARSE_OK && out->n ? 0 : -1;
	pb_buf_free(&b);
	return rc;
}

static void
key_of(const struct pb_paper *p, char *out, size_t n)
{
	snprintf(out, n, "%sv%d", p->id, p->version);
}

/* A copy of the fields the embeddings read. */
static void
add_copy(struct pb_paperset *s, const struct pb_paper *p)
{
	struct pb_paper c;

	memset(&c, 0, sizeof c);
	c.id = pb_xstrdup(p->id);
	c.version = p->version;
	c.title = pb_xstrdup(p->title);
	c.abstract = pb_xstrdup(p->abstract);
	pb_paperset_add(s, &c);
}

static double
dot(const float *a, const float *b, size_t d)
{
	double s = 0;

	for (size_t i = 0; i < d; i++)
		s += (double)a[i] * b[i];
	return s;
}

static void
print_top(const struct pb_paperset *day, const struct pb_profile *pr,
	  const struct pb_embed_set *e)
{
	size_t best[TOP], nb = 0;
	double sc[TOP];
	char k[64];

	for (size_t i = 0; i < day->n; i++) {
		const float *v;
		double s = -2;
		size_t at;

		if (pb_paperset_find(&pr->texts, day->v[i].id) >= 0)
			continue;
		key_of(&day->v[i], k, sizeof k);
		if (!(v = pb_embed_find(e, k)))
			continue;
		for (size_t j = 0; j < pr->texts.n; j++) {
			const float *w;
			double d;

			key_of(&pr->texts.v[j], k, sizeof k);
			if ((w = pb_embed_find(e, k)) && (d = dot(v, w, e->dim)) > s)
				s = d;
		}
		if (s < -1)
			continue;
		/* insertion into the best TOP, ties to the earlier paper */
		at = nb;
		while (at > 0 && sc[at - 1] < s)
			at--;
		if (at >= TOP)
			continue;
		if (nb < TOP)
			nb++;
		memmove(&best[at + 1], &best[at], (nb - 1 - at) * sizeof best[0]);
		memmove(&sc[at + 1], &sc[at], (nb - 1 - at) * sizeof sc[0]);
		best[at] = i;
		sc[at] = s;
	}
	fputs(" top=", stdout);
	if (!nb)
		fputs("-", stdout);
	for (size_t i = 0; i < nb; i++) {
		key_of(&day->v[best[i]], k, sizeof k);
		printf("%s%s", i ? "," : "", k);
	}
	putchar('\n');
}

int
main(int argc, char **argv)
{
	struct pb_config_error cerr;
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	struct pb_paperset day, liked;
	struct pb_profile *prof = NULL;
	struct pb_embed_set e;
	struct pb_buf path = { 0 };
	char err[1024];
	long long t0;
	long got;
	int rc = 1;

	pb_paperset_init(&day);
	pb_paperset_init(&liked);
	memset(&e, 0, sizeof e);
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: embed_drive CONFIG FEED [LIKED_FEED]\n");
		return 64;
	}
	pb_log_setup(PB_LOG_INFO, 0);
	memset(&cerr, 0, sizeof cerr);
	cfg = pb_config_load(argv[1], &cerr);
	if (!cfg) {
		pb_config_error_format(&cerr, err, sizeof err);
		fprintf(stderr, "embed_drive: %s\n", err);
		goto out;
	}
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	st = pb_state_open(path.data, err, sizeof err);
	if (!st) {
		fprintf(stderr, "embed_drive: %s\n", err);
		goto out;
	}
	if (load_feed(argv[2], &day) < 0 || (argc == 4 && load_feed(argv[3], &liked) < 0)) {
		fprintf(stderr, "embed_drive: a feed has no papers\n");
		goto out;
	}
	prof = pb_xcalloc(cfg->n_subscribers ? cfg->n_subscribers : 1, sizeof *prof);
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		const struct pb_subscriber *sub = &cfg->subscribers[s];

		for (size_t i = 0; i < sub->n_like; i++) {
			char id[64];
			long at;

			snprintf(id, sizeof id, "%s", sub->like[i]);
			if (strrchr(id, 'v') && strrchr(id, 'v') > strrchr(id, '.'))
				*strrchr(id, 'v') = '\0';
			if ((at = pb_paperset_find(&day, id)) >= 0)
				add_copy(&prof[s].texts, &day.v[at]);
			else if ((at = pb_paperset_find(&liked, id)) >= 0)
				add_copy(&prof[s].texts, &liked.v[at]);
			else
				fprintf(stderr, "embed_drive: %s: liked paper %s not in the feeds\n",
					sub->name, id);
		}
	}
	t0 = now_ms();
	got = pb_embed_fetch(cfg, st, NULL, &day, prof, cfg->n_subscribers, &e);
	printf("embed vectors=%ld dim=%zu ms=%lld\n", got, e.dim, now_ms() - t0);
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		size_t wv = 0;
		char k[64];

		for (size_t j = 0; j < prof[s].texts.n; j++) {
			key_of(&prof[s].texts.v[j], k, sizeof k);
			wv += pb_embed_find(&e, k) != NULL;
		}
		printf("subscriber=%s likes=%zu with_vector=%zu", cfg->subscribers[s].name,
		       prof[s].texts.n, wv);
		print_top(&day, &prof[s], &e);
	}
	rc = got >= 0 && fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
out:
	pb_embed_set_free(&e);
	if (prof)
		for (size_t s = 0; s < cfg->n_subscribers; s++)
			pb_paperset_free(&prof[s].texts);
	free(prof);
	pb_paperset_free(&day);
	pb_paperset_free(&liked);
	pb_state_close(st);
	pb_config_free(cfg);
	pb_buf_free(&path);
	return rc;
}
