/* paperboy preview: what one subscriber would get, in one format, written to stdout and sent
 * nowhere. md, html and text print the document; slack and telegram print the JSON bodies of
 * the requests, one per line. Uses no state: no cache, no model, no ledger. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"

static void
usage(void)
{
	pb_cli_usage(stderr, "preview");
}

static int
write_parts(const struct pb_parts *parts, int json_lines)
{
	for (size_t i = 0; i < parts->n; i++) {
		size_t n = strlen(parts->v[i]);

		if (fwrite(parts->v[i], 1, n, stdout) != n)
			return -1;
		if (json_lines && putchar('\n') == EOF)
			return -1;
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

int
pb_cmd_preview(int argc, char **argv, const char *config_path)
{
	const char *name = NULL, *feed = NULL, *date = NULL;
	int fmt = PB_FMT_MD, rc = EX_SOFTWARE;
	struct pb_config *cfg = NULL;
	struct pb_matcher *m = NULL;
	struct pb_selection *sel = NULL;
	struct pb_summarizer *sum = NULL;
	const struct pb_subscriber *sub;
	struct pb_papers_req rq = { 0 };
	struct pb_paperset ps;
	struct pb_digest d;
	struct pb_parts parts = { 0 };
	struct pb_render_opts ro;
	size_t s;
	char err[4096];

	memset(&d, 0, sizeof d);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--subscriber") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			if ((fmt = pb_format_parse(argv[++i])) < 0) {
				fprintf(stderr, "paperboy: preview: unknown format %s\n", argv[i]);
				usage();
				return EX_USAGE;
			}
		} else if (strcmp(argv[i], "--feed") == 0 && i + 1 < argc) {
			feed = argv[++i];
		} else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc) {
			date = argv[++i];
			if (pb_cli_date_arg("preview", date) < 0)
				return EX_USAGE;
		} else {
			usage();
			return EX_USAGE;
		}
	}
	if (!name) {
		usage();
		return EX_USAGE;
	}
	if (!(cfg = pb_cli_load_config(config_path)))
		return EX_CONFIG;
	pb_paperset_init(&ps);
	if (!(sub = pb_config_subscriber(cfg, name))) {
		fprintf(stderr, "paperboy: preview: no subscriber named %s\n", name);
		rc = EX_USAGE;
		goto out;
	}
	s = (size_t)(sub - cfg->subscribers);
	if (!(m = pb_matcher_new(cfg, err, sizeof err))) {
		fprintf(stderr, "paperboy: %s\n", err);
		rc = EX_CONFIG;
		goto out;
	}
	rq.feed = feed;
	rq.date = date;
	if ((rc = pb_cli_load_papers(cfg, &rq, &ps, NULL)) != 0)
		goto out;
	rc = EX_SOFTWARE;
	if (pb_match_all(m, &ps, &sel, err, sizeof err) < 0) {
		fprintf(stderr, "paperboy: preview: %s\n", err);
		goto out;
	}
	if (!(sum = pb_summarizer_new(cfg, NULL, NULL, err, sizeof err))) {
		fprintf(stderr, "paperboy: preview: %s\n", err);
		rc = EX_CONFIG;
		goto out;
	}
	if (pb_digest_build(sum, &ps, &sel[s], date, &d) < 0) {
		fprintf(stderr, "paperboy: preview: cannot build the digest\n");
		goto out;
	}
	memset(&ro, 0, sizeof ro);
	ro.telegram_chat = sub->telegram_chat ? sub->telegram_chat : "";
	ro.telegram_thread = sub->telegram_thread;
	ro.unsubscribe_url = cfg->email.unsubscribe_url;
	ro.unsubscribe_mailto = cfg->email.unsubscribe_mailto;
	if (pb_render(&d, (enum pb_format)fmt, &ro, &parts) < 0) {
		fprintf(stderr, "paperboy: preview: cannot render %s\n",
			pb_format_name((enum pb_format)fmt));
		goto out;
	}
	if (write_parts(&parts, fmt == PB_FMT_SLACK || fmt == PB_FMT_TELEGRAM) < 0) {
		fprintf(stderr, "paperboy: preview: write error: %s\n", strerror(errno));
		rc = EX_IOERR;
		goto out;
	}
	rc = 0;
out:
	pb_parts_free(&parts);
	pb_digest_free(&d);
	pb_summarizer_free(sum);
	if (cfg)
		pb_selections_free(sel, cfg->n_subscribers);
	pb_matcher_free(m);
	pb_paperset_free(&ps);
	pb_config_free(cfg);
	return rc;
}
