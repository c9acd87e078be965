/* paperboy: argument parsing and dispatch only; the work is in the stages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/log.h"
#include "pb_paths.h"

#ifndef PAPERBOY_VERSION
#define PAPERBOY_VERSION "0.1.0"
#endif

static void
usage(FILE *f)
{
	const struct pb_command *c;
	size_t n;

	c = pb_cli_commands(&n);
	fprintf(f, "usage: paperboy [-c FILE] [-v] COMMAND [OPTIONS]\n"
		   "       paperboy COMMAND --help\n"
		   "       paperboy --version\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-8s %s%s%s\n", c[i].name, c[i].summary, *c[i].args ? "\n           " : "",
			c[i].args);
	fprintf(f, "\noptions, before or after COMMAND:\n"
		   "  -c FILE     the configuration (else $PAPERBOY_CONFIG, ./paperboy.conf,\n"
		   "              " PB_SYSCONFDIR "/paperboy/paperboy.conf)\n"
		   "  -v          log at the debug level\n"
		   "  -h, --help  this help, or after COMMAND that command's\n"
		   "\nSee paperboy(1) and paperboy.conf(5).\n");
}

/* What --help and --version printed reached standard output: 0, else EX_IOERR, said. */
static int
stdout_done(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	perror("paperboy: standard output");
	return EX_IOERR;
}

/* Moves the global options (-c FILE, -v, -h/--help) out of a command's arguments, so that
 * `paperboy check -c FILE` means `paperboy -c FILE check`; a command option's value is left
 * alone. Returns the new argc, or -1 after printing why. */
static int
take_global_options(const struct pb_command *cmd, int argc, char **argv, const char **config,
		    int *help)
{
	int n = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "paperboy: -c needs a FILE\n");
				return -1;
			}
			*config = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0) {
			pb_log_setup(PB_LOG_DEBUG, 0);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			*help = 1;
		} else {
			argv[n++] = argv[i];
			if (argv[i][0] == '-' && i + 1 < argc && pb_cli_option_takes_value(cmd, argv[i]))
				argv[n++] = argv[++i];
		}
	}
	argv[n] = NULL;
	return n;
}

int
main(int argc, char **argv)
{
	const struct pb_command *cmd;
	const char *config = NULL;
	int i, help = 0;

	pb_tz_init();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0) {
			pb_log_setup(PB_LOG_DEBUG, 0);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("paperboy %s\n", PAPERBOY_VERSION);
			return stdout_done();
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			help = 1;
		} else {
			if (strcmp(argv[i], "-c") == 0)
				fprintf(stderr, "paperboy: -c needs a FILE\n");
			else
				fprintf(stderr, "paperboy: unknown option %s\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(help ? stdout : stderr);
		return help ? stdout_done() : EX_USAGE;
	}
	if (!(cmd = pb_cli_command(argv[i]))) {
		char near[128];

		fprintf(stderr, "paperboy: unknown command %s%s\n", argv[i],
			pb_cli_did_you_mean_command(argv[i], near, sizeof near));
		usage(stderr);
		return EX_USAGE;
	}
	argc = take_global_options(cmd, argc - i, argv + i, &config, &help);
	if (argc < 0) {
		pb_cli_usage(stderr, cmd->name);
		return EX_USAGE;
	}
	if (help) {
		pb_cli_usage(stdout, cmd->name);
		printf("%c%s.\nSee paperboy(1).\n", cmd->summary[0] - 'a' + 'A', cmd->summary + 1);
		return stdout_done();
	}
	return cmd->fn(argc, argv + i, pb_config_default_path(config));
}
