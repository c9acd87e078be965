/* paperboy fetch: prints one announcement's papers (a table, or JSON lines with --json) and a
 * summary line with counts by announce type on stderr (stdout stays machine-readable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/escape.h"
#include "paperboy/cli.h"
#include "paperboy/fetch.h"
#include "paperboy/papers.h"
#include "paperboy/log.h"

#define TITLE_COLS 70

static void
usage(FILE *f)
{
	pb_cli_usage(f, "fetch");
}

/* Appends s cut to at most cols code points (UTF-8 aware), "..." when cut. */
static void
put_cut(struct pb_buf *b, const char *s, size_t cols)
{
	size_t n = 0, i = 0;

	if (!s)
		return;
	while (s[i]) {
		size_t k = 1;

		if (n == cols - 3) {
			size_t rest = 0;

			for (size_t j = i; s[j]; j++)
				rest += ((unsigned char)s[j] & 0xC0) != 0x80;
			if (rest > 3) {
				pb_buf_puts(b, "...");
				return;
			}
		}
		while (s[i + k] && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k++;
		pb_buf_append(b, s + i, k);
		i += k;
		n++;
	}
}

static int
print_paper(FILE *out, const struct pb_paper *p, int json)
{
	struct pb_buf line = { 0 };
	char *id, *cat, *title;
	int rc;

	if (json) {
		char *j = pb_paper_to_json(p);

		rc = fprintf(out, "%s\n", j ? j : "{}");
		free(j);
		return rc < 0 ? -1 : 0;
	}
	/* Feed text on a terminal: no controls, no bidi overrides, one line. */
	id = pb_text_clean_dup(p->id ? p->id : "?", PB_CLEAN_ONE_LINE);
	cat = pb_text_clean_dup(p->n_categories ? p->categories[0] : "-", PB_CLEAN_ONE_LINE);
	title = pb_text_clean_dup(p->title, PB_CLEAN_ONE_LINE);
	pb_buf_printf(&line, "%-18s v%-2d %-13s %-17s ", id, p->version,
		      pb_announce_name(p->announce), cat);
	put_cut(&line, title, TITLE_COLS);
	free(id);
	free(cat);
	free(title);
	rc = fprintf(out, "%s\n", line.data);
	pb_buf_free(&line);
	return rc < 0 ? -1 : 0;
}

int
pb_cmd_fetch(int argc, char **argv, const char *config_path)
{
	char **cats = NULL;
	size_t n_cats = 0;
	const char *date = NULL, *feed = NULL;
	int json = 0, rc = EX_OK;
	struct pb_config *cfg = NULL;
	struct pb_papers_req rq = { 0 };
	struct pb_paperset set;
	struct pb_fetch_result res;
	size_t counts[5] = { 0 }, shown = 0;

	pb_paperset_init(&set);
	memset(&res, 0, sizeof res);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if ((strcmp(a, "--category") == 0 || strcmp(a, "--date") == 0 ||
			    strcmp(a, "--feed") == 0) && i + 1 < argc) {
			const char *v = argv[++i];

			if (a[2] == 'c') {
				cats = pb_xreallocarray(cats, n_cats + 1, sizeof *cats);
				cats[n_cats++] = (char *)v;
			} else if (a[2] == 'd') {
				date = v;
			} else {
				feed = v;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			goto out;
		} else {
			fprintf(stderr, "paperboy: fetch: %s %s\n",
				a[0] == '-' ? "unknown option or missing value:" : "unexpected argument:", a);
			usage(stderr);
			rc = EX_USAGE;
			goto out;
		}
	}
	if (date && pb_cli_date_arg("fetch", date) < 0) {
		rc = EX_USAGE;
		goto out;
	}
	if (feed && date) {
		fprintf(stderr, "paperboy: fetch: --feed and --date exclude each other\n");
		rc = EX_USAGE;
		goto out;
	}

	/* A saved response needs no config; a readable one is still loaded (it sets the log level
	 * and the categories, and a broken one is reported rather than ignored). */
	if (!feed || (config_path && access(config_path, R_OK) == 0)) {
		cfg = pb_cli_load_config(config_path);
		if (!cfg) {
			rc = EX_CONFIG;
			goto out;
		}
	}
	rq.feed = feed;
	rq.date = date;
	rq.categories = (const char *const *)cats;
	rq.n_categories = n_cats;
	rc = pb_cli_load_papers(cfg, &rq, &set, &res);
	if (rc != 0)
		goto out;
	if (res.status == PB_FETCH_NO_ANNOUNCEMENT) {
		fprintf(stderr, "paperboy: no announcement%s%s\n", res.message[0] &&
			strcmp(res.message, "no announcement") ? ": " : "",
			strcmp(res.message, "no announcement") ? res.message : "");
		goto out;
	}

	for (size_t i = 0; i < set.n; i++) {
		const struct pb_paper *p = &set.v[i];

		if (print_paper(stdout, p, json) != 0)
			break;
		shown++;
		counts[(unsigned)p->announce < 5 ? p->announce : 0]++;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "paperboy: fetch: writing the output failed\n");
		rc = EX_IOERR;
		goto out;
	}
	fprintf(stderr, "papers=%zu new=%zu cross=%zu replace=%zu replace-cross=%zu", shown,
		counts[PB_ANN_NEW], counts[PB_ANN_CROSS], counts[PB_ANN_REPLACE],
		counts[PB_ANN_REPLACE_CROSS]);
	if (counts[PB_ANN_UNKNOWN])
		fprintf(stderr, " unknown=%zu", counts[PB_ANN_UNKNOWN]);
	if (res.n_skipped)
		fprintf(stderr, " skipped=%zu", res.n_skipped);
	if (res.n_repaired)
		fprintf(stderr, " repaired=%zu", res.n_repaired);
	if (set.announce_date)
		fprintf(stderr, " date=%s", set.announce_date);
	fprintf(stderr, "\n");
	if (feed && rq.n_outside) {
		const char *const *c = rq.n_categories ? rq.categories
				       : (const char *const *)cfg->arxiv.categories;
		size_t n = rq.n_categories ? rq.n_categories : cfg->arxiv.n_categories;

		fprintf(stderr, "paperboy: %zu papers of the feed list none of", rq.n_outside);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s %s", i ? "," : "", c[i]);
		fprintf(stderr, " (%s): left out, as arXiv's own feed for them would leave them\n",
			rq.n_categories ? "--category" : "arxiv.categories");
	}
out:
	pb_paperset_free(&set);
	pb_config_free(cfg);
	free(cats);
	return rc;
}
