/* paperboy preview: what one subscriber would get, in one format, written to stdout and sent
 * nowhere. md, html and text print the document; a channel's name prints the bodies of the
 * requests that channel would send (the MIME message for email), one per line. Writes no
 * outbox, no ledger and no file; the full text fetched from arXiv is kept in the state's cache
 * as a run keeps it (preview_fulltext). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/deliver.h"
#include "paperboy/fetch.h"
#include "paperboy/fulltext.h"
#include "paperboy/http.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/rank.h"
#include "paperboy/render.h"
#include "paperboy/state.h"
#include "paperboy/summarize.h"
#include "paperboy/web.h"

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

/* The payloads ch would send to the subscriber's first destination on it (or to none in
 * particular when the subscriber does not use it). */
static int
channel_requests(const struct pb_channel *ch, struct pb_chan_ctx *cx,
		 const struct pb_render_opts *ro, struct pb_parts *parts, char *err, size_t errlen)
{
	struct pb_parts out[PB_FMT_COUNT], dests = { 0 };
	struct pb_buf id = { 0 };
	const char *dest;
	int rc = -1;

	memset(out, 0, sizeof out);
	cx->formats = pb_channel_formats(ch);
	pb_channel_dests(ch, cx, &dests);
	dest = dests.n ? dests.v[0] : "preview";
	if (pb_render_formats(cx->d, cx->formats, ro, out) < 0) {
		snprintf(err, errlen, "cannot render for %s", pb_channel_name(ch));
		goto out;
	}
	cx->out = out;
	pb_channel_msg_id(&id, cx->d->date ? cx->d->date : "", cx->sub->name, pb_channel_name(ch),
			  dest, 1, PB_MSG_ID_COMMON);
	rc = pb_channel_build(ch, cx, dest, id.data, parts, err, errlen);
out:
	cx->out = NULL;
	for (int f = 0; f < PB_FMT_COUNT; f++)
		pb_parts_free(&out[f]);
	pb_parts_free(&dests);
	pb_buf_free(&id);
	return rc;
}

/* The full text as a run would give it: fetched when the papers came from arXiv (the network
 * is in use anyway), else only what the state's cache holds (a saved feed: no request). */
static void
preview_fulltext(const struct pb_config *cfg, const char *feed, const struct pb_paperset *ps,
		 const struct pb_selection *sel, struct pb_state **st, struct pb_http **h,
		 struct pb_fulltext_set *ft)
{
	struct pb_http_opts o;
	struct pb_buf db = { 0 };

	pb_buf_printf(&db, "%s/paperboy.db", cfg->state_dir);
	if (feed) {
		if (pb_cli_state_exists(cfg) && (access(db.data, R_OK) == 0 ||
						 strcmp(cfg->state_backend, "postgresql") == 0))
			*st = pb_cli_open_state_mode(cfg, PB_STATE_READ);
		if (*st)
			pb_fulltext_cached(cfg, *st, ps, sel, 1, ft);
	} else {
		*st = pb_cli_open_state_mode(cfg, PB_STATE_CREATE);
		pb_fetch_http_opts(cfg, &o);
		*h = pb_http_new(&o);
		if (*h)
			pb_fulltext_fetch(cfg, *st, *h, ps, sel, 1,
					  (int64_t)time(NULL) + cfg->fulltext.deadline_s, ft);
	}
	pb_buf_free(&db);
}

int
pb_cmd_preview(int argc, char **argv, const char *config_path)
{
	const char *name = NULL, *feed = NULL, *date = NULL;
	int fmt = PB_FMT_MD, rc = EX_SOFTWARE;
	const struct pb_channel *ch = NULL;
	struct pb_config *cfg = NULL;
	struct pb_matcher *m = NULL;
	struct pb_rank_run *rr = NULL;
	struct pb_state *st = NULL;
	struct pb_selection *sel = NULL;
	struct pb_summarizer *sum = NULL;
	struct pb_state *ft_st = NULL;    /* the full text's cache */
	struct pb_http *h = NULL;
	struct pb_fulltext_set ft = { 0 };
	const struct pb_subscriber *sub;
	struct pb_papers_req rq = { 0 };
	struct pb_paperset ps;
	struct pb_digest d;
	struct pb_parts parts = { 0 };
	struct pb_render_opts ro;
	struct pb_chan_ctx cx = { 0 };
	struct pb_secret key;
	struct pb_buf manage = { 0 };
	size_t s;
	char err[4096];

	memset(&d, 0, sizeof d);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--subscriber") == 0 && i + 1 < argc) {
			name = argv[++i];
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			/* a document format, else a channel's requests */
			/* a channel's requests, else a format's document (md, html,
			 * text, json) */
			ch = pb_channel_find(argv[++i]);
			fmt = ch ? PB_FMT_MD : pb_format_parse(argv[i]);
			if (fmt < 0) {
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
			return pb_cli_bad_arg("preview", argv[i]);
		}
	}
	if (!name) {
		fprintf(stderr, "paperboy: preview: give the subscriber: --subscriber NAME\n");
		usage();
		return EX_USAGE;
	}
	if (!(cfg = pb_cli_load_config_all(config_path)))
		return EX_CONFIG;
	pb_paperset_init(&ps);
	if (!(sub = pb_config_subscriber(cfg, name))) {
		char near[96];

		fprintf(stderr, "paperboy: preview: no subscriber named %s%s\n", name,
			pb_cli_did_you_mean(cfg, name, near, sizeof near));
		rc = EX_USAGE;
		goto out;
	}
	s = (size_t)(sub - cfg->subscribers);
	/* Another subscriber's broken rule does not cost this one its digest, as in a run. */
	m = pb_matcher_new_each(cfg);
	if (pb_matcher_broken(m, s)) {
		struct pb_buf why = { 0 };

		pb_cli_rule_error(&why, cfg, pb_matcher_broken(m, s));
		fprintf(stderr, "paperboy: preview: %s\n", pb_buf_str(&why));
		pb_buf_free(&why);
		rc = EX_CONFIG;
		goto out;
	}
	rq.feed = feed;
	rq.date = date;
	if ((rc = pb_cli_load_papers(cfg, &rq, &ps, NULL)) != 0)
		goto out;
	rc = EX_SOFTWARE;
	/* ranked as a run ranks, offline: the state's corpus and likes when there is one */
	st = pb_cli_open_state_if_any(cfg);
	rr = pb_rank_run_new(cfg, st, NULL, &ps, NULL, pb_now(), m);
	if (pb_match_all(m, &ps, &sel, err, sizeof err) < 0) {
		fprintf(stderr, "paperboy: preview: %s\n", err);
		goto out;
	}
	if (!(sum = pb_summarizer_new(cfg, NULL, NULL, err, sizeof err))) {
		fprintf(stderr, "paperboy: preview: %s\n", err);
		rc = EX_CONFIG;
		goto out;
	}
	if (cfg->fulltext.enabled)
		preview_fulltext(cfg, feed, &ps, &sel[s], &ft_st, &h, &ft);
	pb_summarizer_set_fulltext(sum, &ft);
	if (pb_digest_build(sum, &ps, &sel[s], date, &d) < 0) {
		fprintf(stderr, "paperboy: preview: cannot build the digest\n");
		goto out;
	}
	/* What a run does with it: the note of a day without announcement for a subscriber who
	 * asked for it; nothing at all for one without a paper (shown all the same, said). */
	if (ps.n == 0 && sub->notify_empty)
		pb_digest_no_announcement(&d, d.date ? d.date : "");
	else if (sel[s].n_hits == 0)
		fprintf(stderr, "paperboy: preview: a run sends %s nothing for %s: %s\n", sub->name,
			d.date ? d.date : "this announcement", ps.n == 0 ?
			"there is no announcement and notify_empty is off" :
			"no paper of the announcement matched its topics");
	memset(&ro, 0, sizeof ro);
	cx.cfg = cfg;
	cx.sub = sub;
	cx.d = &d;
	cx.now = time(NULL);
	pb_channels_render_opts(&cx, &ro);
	/* With web on, the reader's links as a run writes them, once the key exists: preview
	 * only reads, it never creates the key. */
	if (cfg->web.enabled && cfg->web.base_url && access(cfg->web.secret_file, F_OK) == 0) {
		if (pb_secret_load(cfg->web.secret_file, &key, err, sizeof err) < 0) {
			fprintf(stderr, "paperboy: preview: web.secret_file: %s\n", err);
			rc = EX_CONFIG;
			goto out;
		}
		cx.secret = &key;
	}
	pb_channels_links(&cx, &ro, &manage);
	cx.ro = &ro;
	if (ch) {
		if (channel_requests(ch, &cx, &ro, &parts, err, sizeof err) < 0) {
			fprintf(stderr, "paperboy: preview: %s\n", err);
			goto out;
		}
	} else if (pb_render(&d, (enum pb_format)fmt, &ro, &parts) < 0) {
		fprintf(stderr, "paperboy: preview: cannot render %s\n",
			pb_format_name((enum pb_format)fmt));
		goto out;
	}
	if (write_parts(&parts, ch != NULL) < 0) {
		fprintf(stderr, "paperboy: preview: write error: %s\n", strerror(errno));
		rc = EX_IOERR;
		goto out;
	}
	rc = 0;
out:
	memset(&key, 0, sizeof key);
	pb_buf_free(&manage);
	pb_parts_free(&parts);
	pb_digest_free(&d);
	pb_summarizer_free(sum);
	pb_fulltext_set_free(&ft);
	pb_http_free(h);
	pb_state_close(ft_st);
	if (cfg)
		pb_selections_free(sel, cfg->n_subscribers);
	pb_matcher_free(m);
	pb_rank_run_free(rr);
	pb_state_close(st);
	pb_paperset_free(&ps);
	pb_config_free(cfg);
	return rc;
}
