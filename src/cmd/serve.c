/* paperboy serve: the web endpoint alone, in the foreground, until SIGTERM or SIGINT (for
 * setups that run the digest from a timer instead of the daemon). It takes no lock on the
 * state directory: `paperboy run` works beside it, each on its own connection. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/web.h"

int
pb_cmd_serve(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg = NULL;
	struct pb_web_server *srv = NULL;
	sigset_t block, old;
	char err[1024];
	int rc = EX_SOFTWARE, sig = 0;

	if (argc > 1)
		return pb_cli_bad_arg("serve", argv[1]);
	if (!(cfg = pb_cli_load_config_file(config_path)))
		return EX_CONFIG;
	if (!cfg->web.enabled) {
		fprintf(stderr, "paperboy: %s: the web endpoint is off: set web.listen and "
			"web.base_url (paperboy.conf(5), WEB ENDPOINT) to serve it\n", cfg->path);
		rc = EX_CONFIG;
		goto out;
	}
	/* Blocked before the server's thread starts, so it inherits the mask and the signals
	 * come here. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0) {
		fprintf(stderr, "paperboy: cannot set up signals: %s\n", strerror(errno));
		rc = EX_OSERR;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!(srv = pb_web_start(cfg, cfg->path, err, sizeof err))) {
		fprintf(stderr, "paperboy: web: %s\n", err);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	pb_info("serve.start", "pid=%ld config=%s port=%u", (long)getpid(), pb_q(cfg->path),
		pb_web_port(srv));
	for (;;) {
		if (sigwait(&block, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		/* The stored subscribers are reloaded by themselves; the web group is read at
		 * the start. */
		pb_info("serve.hup", "note=%s", pb_q("subscribers reload by themselves; restart "
						       "to change the web settings"));
	}
	pb_info("serve.stop", "pid=%ld signal=%d", (long)getpid(), sig);
	rc = 0;
out:
	pb_web_stop(srv);
	pb_config_free(cfg);
	return rc;
}
