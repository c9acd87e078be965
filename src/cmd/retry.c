/* paperboy retry [--subscriber NAME]: failed and paused messages back to pending. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/lock.h"
#include "paperboy/state.h"

static int
unknown(const struct pb_config *cfg, const char *sub)
{
	char near[96];

	fprintf(stderr, "paperboy: no subscriber named %s in %s%s\n", sub, cfg->path,
		pb_cli_did_you_mean(cfg, sub, near, sizeof near));
	return EX_USAGE;
}

int
pb_cmd_retry(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg = NULL;
	struct pb_state *st = NULL;
	struct pb_buf path = { 0 };
	struct stat sb;
	const char *sub = NULL;
	int rc = 0, n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--subscriber") == 0 && i + 1 < argc) {
			sub = argv[++i];
		} else {
			return pb_cli_bad_arg("retry", argv[i]);
		}
	}
	cfg = pb_cli_load_config_all(config_path);
	if (!cfg)
		return EX_CONFIG;
	/* Retry creates nothing: without a state there is nothing to send again. */
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	if (!pb_cli_state_exists(cfg) && stat(path.data, &sb) < 0 && errno == ENOENT) {
		if (sub && !pb_config_subscriber(cfg, sub)) {
			rc = unknown(cfg, sub);
			goto out;
		}
		printf("no state yet (%s does not exist): nothing to retry\n", path.data);
		goto out;
	}
	if ((rc = pb_cli_open_state_rc(cfg, PB_STATE_WRITE, &st)) != 0)
		goto out;
	n = pb_outbox_requeue(st, sub);
	if (n < 0) {
		/* one statement: nothing was requeued */
		rc = pb_cli_write_failed(cfg, st, "requeueing failed");
		goto out;
	}
	/* A subscriber no longer configured may still have messages to send again. */
	if (sub && n == 0 && !pb_config_subscriber(cfg, sub)) {
		rc = unknown(cfg, sub);
		goto out;
	}
	printf("requeued %d message%s%s%s\n", n, n == 1 ? "" : "s", sub ? " for " : "",
	       sub ? sub : "");
	if (n > 0)
		printf(pb_lock_holder(cfg->state_dir) > 0
		       ? "the running daemon sends them within a minute\n"
		       : "`paperboy run` or the daemon sends them\n");
out:
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = EX_IOERR;
	pb_state_close(st);
	pb_buf_free(&path);
	pb_config_free(cfg);
	return rc;
}
