/* paperboy daemon [--foreground] [--once] */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/cli.h"
#include "paperboy/daemon.h"

int
pb_cmd_daemon(int argc, char **argv, const char *config_path)
{
	struct pb_daemon_opts o;

	memset(&o, 0, sizeof o);
	o.config_path = config_path;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--foreground") == 0 || strcmp(argv[i], "-f") == 0) {
			o.foreground = 1;
		} else if (strcmp(argv[i], "--once") == 0) {
			o.once = 1;
		} else {
			return pb_cli_bad_arg("daemon", argv[i]);
		}
	}
	return pb_daemon_run(&o);
}
