/* paperboy: argument parsing and dispatch only; the work is in the stages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/cli.h"
#include "paperboy/log.h"

#ifndef PAPERBOY_VERSION
#define PAPERBOY_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **, const char *);
	const char *usage;
} commands[] = {
	{ "run", pb_cmd_run, "run [--date D] [--feed FILE] [--dry-run] [--only NAME] [--wait SECONDS]" },
	{ "daemon", pb_cmd_daemon, "daemon [--foreground] [--once]" },
	{ "fetch", pb_cmd_fetch, "fetch [--category C ...] [--date D] [--feed FILE] [--json]" },
	{ "match", pb_cmd_match, "match [--feed FILE] [--subscriber NAME]" },
	{ "preview", pb_cmd_preview,
	  "preview --subscriber NAME [--format md|html|text|slack|telegram] [--feed FILE]" },
	{ "check", pb_cmd_check, "check" },
	{ "status", pb_cmd_status, "status [--runs N] [--errors N]" },
	{ "retry", pb_cmd_retry, "retry [--subscriber NAME]" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: paperboy [-c FILE] [-v] COMMAND [ARGS]\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "       paperboy [-c FILE] %s\n", commands[i].usage);
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0) {
			pb_log_setup(PB_LOG_DEBUG, 0);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("paperboy %s\n", PAPERBOY_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "paperboy: unknown option %s\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].fn(argc - i, argv + i, pb_config_default_path(config));
	fprintf(stderr, "paperboy: unknown command %s\n", argv[i]);
	usage(stderr);
	return EX_USAGE;
}
