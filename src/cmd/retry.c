/* paperboy retry [--subscriber NAME]: failed and paused messages back to pending. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/cli.h"
#include "paperboy/lock.h"
#include "paperboy/state.h"

int
pb_cmd_retry(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	const char *sub = NULL;
	int rc = 0, n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--subscriber") == 0 && i + 1 < argc) {
			sub = argv[++i];
		} else {
			pb_cli_usage(stderr, "retry");
			return EX_USAGE;
		}
	}
	cfg = pb_cli_load_config(config_path);
	if (!cfg)
		return EX_CONFIG;
	st = pb_cli_open_state(cfg);
	if (!st) {
		rc = EX_CANTCREAT;
		goto out;
	}
	n = pb_outbox_requeue(st, sub);
	if (n < 0) {
		fprintf(stderr, "paperboy: requeueing failed: %s\n", pb_state_errmsg(st));
		rc = EX_IOERR;
		goto out;
	}
	if (sub && n == 0 && !pb_config_subscriber(cfg, sub)) {
		fprintf(stderr, "paperboy: no subscriber named %s in %s\n", sub, cfg->path);
		rc = EX_USAGE;
		goto out;
	}
	printf("requeued %d message%s%s%s\n", n, n == 1 ? "" : "s", sub ? " for " : "",
	       sub ? sub : "");
	if (n > 0)
		printf(pb_lock_holder(cfg->state_dir) > 0
		       ? "the running daemon sends them within a minute\n"
		       : "`paperboy run` or the daemon sends them\n");
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = EX_IOERR;
out:
	pb_state_close(st);
	pb_config_free(cfg);
	return rc;
}
