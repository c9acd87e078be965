/* The fetch side of full text without a network: the configuration checks, the state's cache
 * (rows, failures remembered, pruning by age and size), the order papers are taken in and
 * the cap, and what pb_fulltext_cached gives from the cache alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/config.h"
#include "paperboy/fulltext.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

static char dir[] = "/tmp/pb-ftfetch-XXXXXX";

static struct pb_config *
load(const char *fulltext, struct pb_config_error *err)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/c.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "state_dir = \"%s\";\narxiv = { categories = [\"cs.CV\"]; };\n"
		"fulltext = { %s };\nsubscribers = ( { name = \"a\"; topics = ( { name = \"x\"; "
		"query = \"ti:x\"; } ); } );\n", dir, fulltext);
	fclose(f);
	memset(err, 0, sizeof *err);
	return pb_config_load(path, err);
}

static void
test_config(void)
{
	struct pb_config_error err;
	struct pb_config *c;

	c = load("enabled = true; max_papers = 5;", &err);
	T_CHECK(c != NULL);
	T_CHECK(c && c->fulltext.enabled && c->fulltext.max_papers == 5);
	T_CHECK(c && strcmp(c->fulltext.html_url, "https://arxiv.org/html") == 0);
	pb_config_free(c);
	c = load("html_url = \"https://arxiv.org/html/\";", &err);
	T_CHECK(c == NULL);
	T_EQ_STR(err.key, "fulltext.html_url");
	T_CHECK(strstr(err.message, "no trailing '/'") != NULL);
	T_EQ_INT(err.line, 3);
	c = load("pdf_url = \"https://arxiv.org/pdf?x=1\";", &err);
	T_CHECK(c == NULL);
	T_EQ_STR(err.key, "fulltext.pdf_url");
	c = load("enabled = true; timeout = 700; deadline = 600;", &err);
	T_CHECK(c == NULL);
	T_EQ_STR(err.key, "fulltext.timeout");
	c = load("pdf_url = \"ftp://arxiv.org/pdf\";", &err);
	T_CHECK(c == NULL);
	pb_config_free(c);

	/* arxiv.org's robots.txt asks 15 s between requests (Crawl-delay: 15): the spacing of the
	 * papers' host, 15000 unless set, and never less for arxiv.org or a mirror of it */
	c = load("enabled = true;", &err);
	T_EQ_INT(c ? c->fulltext.request_interval_ms : -2, 15000);
	T_EQ_INT(c ? c->arxiv.request_interval_ms : -2, 3000);
	pb_config_free(c);
	c = load("enabled = true; request_interval_ms = 20000;", &err);
	T_EQ_INT(c ? c->fulltext.request_interval_ms : -2, 20000);
	pb_config_free(c);
	c = load("enabled = true; request_interval_ms = 3000;", &err);
	T_CHECK(c == NULL);
	T_EQ_STR(err.key, "fulltext.request_interval_ms");
	T_CHECK(strstr(err.message, "Crawl-delay: 15") != NULL);
	T_EQ_INT(err.line, 3);
	pb_config_free(c);
	c = load("request_interval_ms = 3000; pdf_url = \"https://export.arXiv.org./pdf\";", &err);
	T_CHECK(c == NULL);
	pb_config_free(c);
	/* a host of another's (a mirror of the operator's own, a stand-in): arXiv's API's 3 s,
	 * or what is set */
	c = load("enabled = true; html_url = \"https://papers.example.org/html\"; "
		 "pdf_url = \"https://papers.example.org/pdf\";", &err);
	T_EQ_INT(c ? c->fulltext.request_interval_ms : -2, 3000);
	pb_config_free(c);
	c = load("enabled = true; html_url = \"https://notarxiv.org/html\"; "
		 "pdf_url = \"https://arxiv.org.example.net/pdf\"; request_interval_ms = 0;", &err);
	T_EQ_INT(c ? c->fulltext.request_interval_ms : -2, 0);
	pb_config_free(c);
}

static void
test_cache(struct pb_state *st)
{
	struct pb_fulltext_row row;
	int64_t now = (int64_t)time(NULL);
	char big[1000];

	T_EQ_INT(pb_fulltext_cache_get(st, "2411.00001v1", &row), 0);
	T_EQ_INT(pb_fulltext_cache_put(st, "2411.00001v1", "html", "ok", "{\"v\":1}", 7, now), 0);
	T_EQ_INT(pb_fulltext_cache_get(st, "2411.00001v1", &row), 1);
	T_EQ_STR(row.source, "html");
	T_EQ_STR(row.status, "ok");
	T_EQ_STR(row.body, "{\"v\":1}");
	T_EQ_INT(row.bytes, 7);
	T_EQ_INT(row.fetched, now);
	free(row.body);
	/* Another version is another row; a failure keeps its reason. */
	T_EQ_INT(pb_fulltext_cache_get(st, "2411.00001v2", &row), 0);
	T_EQ_INT(pb_fulltext_cache_put(st, "2411.00001v2", "", "unusable", "PDF: no text layer",
				       18, now - 10), 0);
	T_EQ_INT(pb_fulltext_cache_get(st, "2411.00001v2", &row), 1);
	T_EQ_STR(row.status, "unusable");
	T_EQ_STR(row.body, "PDF: no text layer");
	free(row.body);
	/* Replacing a row. */
	T_EQ_INT(pb_fulltext_cache_put(st, "2411.00001v2", "pdf", "ok", NULL, 0, now), 0);
	T_EQ_INT(pb_fulltext_cache_get(st, "2411.00001v2", &row), 1);
	T_EQ_STR(row.status, "ok");
	T_CHECK(row.body == NULL);
	free(row.body);

	/* Pruning: by age, then the oldest until the total fits. */
	memset(big, 'x', sizeof big);
	T_EQ_INT(pb_fulltext_cache_put(st, "old", "html", "ok", big, sizeof big, now - 90 * 86400),
		 0);
	T_EQ_INT(pb_fulltext_cache_put(st, "a", "html", "ok", big, sizeof big, now - 30), 0);
	T_EQ_INT(pb_fulltext_cache_put(st, "b", "html", "ok", big, sizeof big, now - 20), 0);
	T_EQ_INT(pb_fulltext_cache_put(st, "c", "html", "ok", big, sizeof big, now - 5), 0);
	T_EQ_INT(pb_fulltext_cache_prune(st, now - 30 * 86400, 0), 1);
	T_EQ_INT(pb_fulltext_cache_get(st, "old", &row), 0);
	/* 3007 bytes in all; at most 2100: "a" (oldest) goes, then nothing more. */
	T_EQ_INT(pb_fulltext_cache_prune(st, now - 30 * 86400, 2100), 1);
	T_EQ_INT(pb_fulltext_cache_get(st, "a", &row), 0);
	T_EQ_INT(pb_fulltext_cache_get(st, "b", &row), 1);
	free(row.body);
	T_EQ_INT(pb_fulltext_cache_get(st, "c", &row), 1);
	free(row.body);
	T_EQ_INT(pb_fulltext_cache_prune(st, now - 30 * 86400, 1000000), 0);
}

/* pb_fulltext_cached: each paper once, best ranked first across subscribers, at most
 * max_papers, only what the cache holds ("ok" rows), no network. */
static void
test_cached(struct pb_state *st)
{
	struct pb_config_error err;
	struct pb_config *c = load("enabled = true; max_papers = 3;", &err);
	struct pb_paperset ps;
	struct pb_hit h1[3], h2[2];
	struct pb_selection sel[2];
	struct pb_fulltext_set out;
	static const char *const ids[] = { "2411.1", "2411.2", "2411.3", "2411.4" };
	int64_t now = (int64_t)time(NULL);

	if (!c) {
		T_CHECK(0);
		return;
	}
	pb_paperset_init(&ps);
	for (size_t i = 0; i < 4; i++) {
		struct pb_paper p;
		struct pb_fulltext ft;
		char key[32], *json;

		memset(&p, 0, sizeof p);
		p.id = strdup(ids[i]);
		p.version = 2;
		pb_paperset_add(&ps, &p);
		memset(&ft, 0, sizeof ft);
		ft.source = (char *)"html";
		snprintf(key, sizeof key, "%sv2", ids[i]);
		json = pb_fulltext_to_json(&ft);
		T_EQ_INT(pb_fulltext_cache_put(st, key, "html", "ok", json, strlen(json), now), 0);
		free(json);
	}
	/* The cached text of 2411.3 is an old version: not this one. */
	T_EQ_INT(pb_fulltext_cache_put(st, "2411.3v2", "", "failed", "HTTP 500", 8, now), 0);
	T_EQ_INT(pb_fulltext_cache_put(st, "2411.3v1", "html", "ok", "{\"v\":1}", 7, now), 0);
	memset(sel, 0, sizeof sel);
	memset(h1, 0, sizeof h1);
	memset(h2, 0, sizeof h2);
	/* a: 2411.3, 2411.1, 2411.4; b: 2411.2, 2411.1 -> order 3, 2, 1 (4 past the cap). */
	h1[0].paper = 2;
	h1[1].paper = 0;
	h1[2].paper = 3;
	h2[0].paper = 1;
	h2[1].paper = 0;
	sel[0].hits = h1;
	sel[0].n_hits = 3;
	sel[1].hits = h2;
	sel[1].n_hits = 2;
	T_EQ_INT(pb_fulltext_cached(c, st, &ps, sel, 2, &out), 2);
	T_EQ_INT(out.n, 2);
	if (out.n == 2) {
		T_EQ_STR(out.v[0].paper_key, "2411.2v2");
		T_EQ_STR(out.v[1].paper_key, "2411.1v2");
	}
	T_CHECK(pb_fulltext_find(&out, "2411.1") != NULL);
	T_CHECK(pb_fulltext_find(&out, "2411.3") == NULL);
	T_CHECK(pb_fulltext_find(&out, "2411.4") == NULL);
	pb_fulltext_set_free(&out);
	pb_fulltext_set_free(&out);
	T_EQ_INT(pb_fulltext_cached(c, NULL, &ps, sel, 2, &out), 0);
	T_EQ_INT(pb_fulltext_cached(c, st, &ps, NULL, 0, &out), 0);
	pb_paperset_free(&ps);
	pb_config_free(c);
}

int
main(void)
{
	struct pb_state *st;
	char path[256], err[512], cmd[300];

	if (!mkdtemp(dir))
		return 1;
	test_config();
	snprintf(path, sizeof path, "%s/paperboy.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (st) {
		test_cache(st);
		test_cached(st);
		pb_state_close(st);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		T_CHECK(0);
	return t_done("test_fulltext_fetch");
}
