/* likes_lookup: the likes module on its own, for its integration test: loads a config, opens
 * its state, looks up what the likes lack on the configured arXiv API (pb_likes_lookup), then
 * prints every subscriber's profile (pb_profiles_load, no day) on stdout, one label a line:
 * "SUB ID verdict=+1 topic=T|* text=1|0 via=NAME|-", and the profile warnings on stderr.
 *
 * usage: likes_lookup [--offline] CONFIG
 * Exit: 0, 1 when the lookup reported a network failure, 2 on bad usage or config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/fetch.h"
#include "paperboy/http.h"
#include "paperboy/log.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"

int
main(int argc, char **argv)
{
	struct pb_config_error cerr;
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	struct pb_http *h = NULL;
	struct pb_http_opts o;
	struct pb_profile *prof = NULL;
	struct pb_buf warn = { 0 };
	char err[512] = "";
	int offline = argc > 2 && strcmp(argv[1], "--offline") == 0;
	int rc = 2, looked;

	if (argc != 2 + offline) {
		fprintf(stderr, "usage: likes_lookup [--offline] CONFIG\n");
		return 2;
	}
	if (!(cfg = pb_config_load(argv[1 + offline], &cerr))) {
		pb_config_error_format(&cerr, err, sizeof err);
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	pb_log_setup(PB_LOG_INFO, 0);
	if (!(st = pb_cli_open_state(cfg)))
		goto out;
	pb_fetch_http_opts(cfg, &o);
	if (!offline && !(h = pb_http_new(&o))) {
		fprintf(stderr, "no HTTP client\n");
		goto out;
	}
	looked = pb_likes_lookup(cfg, st, h);
	if (pb_profiles_load(cfg, st, NULL, &prof, &warn) < 0) {
		fprintf(stderr, "profiles could not be loaded\n");
		goto out;
	}
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		for (size_t i = 0; i < prof[s].n; i++) {
			const struct pb_like *l = &prof[s].likes[i];

			printf("%s %s verdict=%+d topic=", cfg->subscribers[s].name, l->id, l->verdict);
			if (l->topic == PB_LIKE_ALL_TOPICS)
				printf("*");
			else
				printf("%s", cfg->subscribers[s].topics[l->topic].name);
			printf(" text=%d via=%s\n", l->paper != NULL, l->via ? l->via : "-");
		}
	}
	if (warn.len)
		fputs(warn.data, stderr);
	rc = looked < 0 ? 1 : 0;
out:
	if (fflush(stdout) != 0)
		rc = 2;
	pb_profiles_free(prof, cfg->n_subscribers);
	pb_buf_free(&warn);
	pb_http_free(h);
	pb_state_close(st);
	pb_config_free(cfg);
	return rc;
}
