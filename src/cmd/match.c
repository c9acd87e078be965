/* paperboy match: who gets what from a saved feed or today's announcement, and why. Ranks by
 * what each reader likes as a run does, offline (the state's corpus and likes, read-only,
 * when there is a state); writes nothing and sends nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/escape.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/rank.h"

static void
usage(FILE *f)
{
	pb_cli_usage(f, "match");
}

static void
print_selection(struct pb_matcher *m, size_t s, const struct pb_selection *sel,
		const struct pb_paperset *ps, struct pb_buf *out)
{
	const struct pb_subscriber *sub = sel->sub;
	struct pb_buf why = { 0 };

	pb_buf_printf(out, "%s: %zu of %zu matching papers", sub->name, sel->n_hits,
		      sel->n_matched);
	if (sub->max_papers > 0)
		pb_buf_printf(out, " (max %d)", sub->max_papers);
	pb_buf_putc(out, '\n');
	for (size_t i = 0; i < sel->n_hits; i++) {
		const struct pb_paper *p = &ps->v[sel->hits[i].paper];

		pb_buf_printf(out, "  %2zu. ", i + 1);
		/* Feed text on a terminal: no controls, no bidi overrides, one line. */
		pb_text_clean(out, p->id ? p->id : "?", strlen(p->id ? p->id : "?"),
			      PB_CLEAN_ONE_LINE);
		pb_buf_printf(out, " score=%g topic=", sel->hits[i].score);
		/* a stored subscriber's topic name is the reader's text (a web form, a chat) */
		if (sub->n_topics)
			pb_text_clean(out, sub->topics[sel->hits[i].topic].name,
				      strlen(sub->topics[sel->hits[i].topic].name), PB_CLEAN_ONE_LINE);
		else
			pb_buf_putc(out, '-');
		pb_buf_puts(out, "\n      ");
		pb_text_clean(out, p->title ? p->title : "(no title)",
			      strlen(p->title ? p->title : "(no title)"), PB_CLEAN_ONE_LINE);
		pb_buf_putc(out, '\n');
		pb_buf_puts(out, "      why: ");
		/* the ranker's reason first (the liked papers that drove it), then the rules' */
		if (sel->why && sel->why[i]) {
			pb_text_clean(out, sel->why[i], strlen(sel->why[i]), PB_CLEAN_ONE_LINE);
			pb_buf_puts(out, "; ");
		}
		/* it quotes the topic's name and the rule's terms */
		pb_buf_reset(&why);
		pb_match_explain(m, s, p, &why);
		pb_text_clean(out, pb_buf_str(&why), why.len, PB_CLEAN_ONE_LINE);
		pb_buf_putc(out, '\n');
	}
	pb_buf_free(&why);
}

/* A subscriber left out, as a run leaves it out: its rule error at its file and line. */
static void
say_broken(const struct pb_config *cfg, const char *msg)
{
	struct pb_buf b = { 0 };

	pb_cli_rule_error(&b, cfg, msg);
	fprintf(stderr, "paperboy: %s\n", pb_buf_str(&b));
	pb_buf_free(&b);
}

int
pb_cmd_match(int argc, char **argv, const char *config_path)
{
	const char *feed = NULL, *only = NULL;
	struct pb_config *cfg = NULL;
	struct pb_matcher *m = NULL;
	struct pb_rank_run *rr = NULL;
	struct pb_state *st = NULL;
	struct pb_selection *sel = NULL;
	struct pb_papers_req rq = { 0 };
	struct pb_paperset ps;
	struct pb_buf out = { 0 };
	char err[4096];
	const struct pb_subscriber *sub = NULL;
	int rc = EX_SOFTWARE, found = 0;
	size_t n_broken = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--feed") == 0 && i + 1 < argc) {
			feed = argv[++i];
		} else if (strcmp(argv[i], "--subscriber") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EX_OK;
		} else {
			return pb_cli_bad_arg("match", argv[i]);
		}
	}
	if (!(cfg = pb_cli_load_config(config_path)))
		return EX_CONFIG;
	pb_paperset_init(&ps);
	if (only && !(sub = pb_config_subscriber(cfg, only))) {
		char near[96];

		fprintf(stderr, "paperboy: match: no subscriber named %s%s\n", only,
			pb_cli_did_you_mean(cfg, only, near, sizeof near));
		rc = EX_USAGE;
		goto out;
	}
	/* As a run: a subscriber whose rules do not compile is left out, the others matched. */
	m = pb_matcher_new_each(cfg);
	if (sub && pb_matcher_broken(m, (size_t)(sub - cfg->subscribers))) {
		say_broken(cfg, pb_matcher_broken(m, (size_t)(sub - cfg->subscribers)));
		rc = EX_CONFIG;
		goto out;
	}
	rq.feed = feed;
	if ((rc = pb_cli_load_papers(cfg, &rq, &ps, NULL)) != 0)
		goto out;
	st = pb_cli_open_state_if_any(cfg);
	rr = pb_rank_run_new(cfg, st, NULL, &ps, NULL, pb_now(), m);
	if (pb_match_all(m, &ps, &sel, err, sizeof err) < 0) {
		fprintf(stderr, "paperboy: match: %s\n", err);
		rc = EX_SOFTWARE;
		goto out;
	}
	if (ps.n == 0)
		pb_buf_puts(&out, "no announcement in this feed\n");
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		if (only && strcmp(cfg->subscribers[s].name, only) != 0)
			continue;
		if (found++)
			pb_buf_putc(&out, '\n');
		if (pb_matcher_broken(m, s)) {
			say_broken(cfg, pb_matcher_broken(m, s));
			pb_buf_printf(&out, "%s: left out, its rules do not compile\n",
				      cfg->subscribers[s].name);
			n_broken++;
			continue;
		}
		print_selection(m, s, &sel[s], &ps, &out);
	}
	rc = 0;
	if (fwrite(out.data ? out.data : "", 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		fprintf(stderr, "paperboy: match: write error: %s\n", strerror(errno));
		rc = EX_IOERR;
	} else if (n_broken) {
		fprintf(stderr, "paperboy: match: %zu subscriber%s left out, as a run leaves %s out: "
			"fix the rules (`paperboy check` lists every error)\n", n_broken,
			n_broken == 1 ? "" : "s", n_broken == 1 ? "it" : "them");
		rc = EX_CONFIG;
	}
out:
	pb_buf_free(&out);
	if (cfg)
		pb_selections_free(sel, cfg->n_subscribers);
	pb_matcher_free(m);
	pb_rank_run_free(rr);
	pb_state_close(st);
	pb_paperset_free(&ps);
	pb_config_free(cfg);
	return rc;
}
