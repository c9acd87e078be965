/* Shared by the parser tests: reading fixtures, the table of every fixture and what the
 * parser must make of it, small parse helpers. Included by test_parse*.c only. */
#ifndef PAPERBOY_TEST_PARSE_COMMON_H
#define PAPERBOY_TEST_PARSE_COMMON_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "paperboy/parse.h"
#include "t.h"

static inline int
slurp(const char *path, struct pb_buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	pb_buf_init(b);
	if (!f) {
		fprintf(stderr, "cannot open %s (set PB_FIXTURES)\n", path);
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		pb_buf_append(b, tmp, n);
	fclose(f);
	return 0;
}

static inline const struct pb_paper *
find(const struct pb_paperset *s, const char *id)
{
	long i = pb_paperset_find(s, id);

	if (i < 0) {
		fprintf(stderr, "paper %s not found\n", id);
		return NULL;
	}
	return &s->v[i];
}

/* Every fixture, what the parser must make of it. -2 = not checked. */
static const struct fixture {
	const char *file;
	enum pb_parse_status status;
	enum pb_feed_kind kind;
	size_t items, added;
	long total, start;
	const char *day;        /* announce_date, or NULL */
	int n_new, n_cross, n_replace;
	const char *message;    /* prefix of res.message for errors */
} fixtures[] = {
	{ "api2016-idlist-1111.2011v2.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 1, 1, 1, 0, NULL,
	  0, 0, 0, NULL },
	{ "api2016-query-au-del_maestro-10.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 10, 10, 31, 0,
	  NULL, 0, 0, 0, NULL },
	{ "api2026-empty.xml", PB_PARSE_EMPTY, PB_FEED_API_ATOM, 0, 0, 0, 0, NULL, 0, 0, 0,
	  NULL },
	{ "api2026-error-bad-id.xml", PB_PARSE_ARXIV_ERROR, PB_FEED_API_ATOM, 1, 0, -1, -1, NULL,
	  0, 0, 0, "incorrect id format for abc" },
	{ "api2026-id-oldstyle-astro-ph-0601001-affiliations.xml", PB_PARSE_OK, PB_FEED_API_ATOM,
	  1, 1, 1, 0, NULL, 0, 0, 0, NULL },
	{ "api2026-id-oldstyle-quant-ph-0201082v1.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 1, 1, 1,
	  0, NULL, 0, 0, 0, NULL },
	{ "api2026-idlist-two-ids-one-missing.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 1, 1, 1, 0,
	  NULL, 0, 0, 0, NULL },
	{ "api2026-query-all-testing-100.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 100, 100, 214881,
	  0, NULL, 0, 0, 0, NULL },
	{ "api2026-query-all-testing-start5-max10.xml", PB_PARSE_OK, PB_FEED_API_ATOM, 10, 10,
	  214881, 5, NULL, 0, 0, 0, NULL },
	{ "atom-rss.arxiv.org-cs.LG-2026-09-25-3entries-abridged.xml", PB_PARSE_OK, PB_FEED_ATOM,
	  3, 3, -1, -1, "2026-09-25", 1, 1, 1, NULL },
	{ "oai-listrecords-arXiv-physics-hep-ex-2017-3records.xml", PB_PARSE_OK, PB_FEED_OAI, 3,
	  3, -1, -1, NULL, 0, 0, 0, NULL },
	{ "oai-listrecords-arXivRaw-2014-1000records.xml", PB_PARSE_OK, PB_FEED_OAI, 1000, 1000,
	  907096, 95000, NULL, 0, 0, 0, NULL },
	/* Legacy RSS 1.0: the UPDATED item's primary (nucl-th, hep-ph) is outside hep-ex, so it
	 * is a replace-cross, counted by none of the three columns. */
	{ "rss1-legacy-hep-ex-2018-05-23-3items-abridged.xml", PB_PARSE_OK, PB_FEED_RSS1, 3, 3,
	  -1, -1, "2018-05-23", 1, 1, 0, NULL },
	{ "rss1-legacy-hep-ex-2021-07-08-3items-desc-replaced.xml", PB_PARSE_OK, PB_FEED_RSS1, 3,
	  3, -1, -1, "2021-07-08", 1, 1, 0, NULL },
	{ "rss2-all-archives-2024-11-28-1504items.xml", PB_PARSE_OK, PB_FEED_RSS2, 1504, 1504, -1,
	  -1, "2024-11-28", 926, 9, 569, NULL },
	{ "rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml", PB_PARSE_OK,
	  PB_FEED_RSS2, 4, 4, -1, -1, "2026-09-24", 2, 1, 1, NULL },
	{ "rss2-empty-feed-test-archive.xml", PB_PARSE_EMPTY, PB_FEED_RSS2, 0, 0, -1, -1,
	  "2024-11-28", 0, 0, 0, NULL },
	{ "rss2-error-bad-archive.xml", PB_PARSE_ARXIV_ERROR, PB_FEED_RSS2, 0, 0, -1, -1, NULL, 0,
	  0, 0, "Bad archive 'astroph'. Valid archive names are: astro-ph, cond-mat," },
};
#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

static inline void
parse_file(const char *file, struct pb_paperset *s, struct pb_parse_result *res)
{
	struct pb_buf b;

	pb_paperset_init(s);
	memset(res, 0, sizeof *res);
	if (slurp(t_fixture(file), &b) == 0)
		pb_parse_feed(b.data, b.len, file, s, res);
	pb_buf_free(&b);
}

/* Parses a string; returns the status. */
static inline enum pb_parse_status
parse_str(const char *xml, size_t len, struct pb_paperset *s, struct pb_parse_result *res)
{
	return pb_parse_feed(xml, len, "synthetic", s, res);
}

#define RSS_HEAD \
	"<?xml version='1.0' encoding='UTF-8'?>\n<rss xmlns:arxiv=\"http://arxiv.org/schemas/atom\" " \
	"xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\"><channel>" \
	"<title>cs.CV updates on arXiv.org</title>" \
	"<pubDate>Thu, 04 Dec 2025 00:00:00 -0500</pubDate>"
#define RSS_TAIL "</channel></rss>"

#endif
