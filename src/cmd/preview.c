/* paperboy preview: placeholder until the stage it drives is in place. */
#include <stdio.h>
#include <sysexits.h>

#include "paperboy/cli.h"

int
pb_cmd_preview(int argc, char **argv, const char *config_path)
{
	(void)argc;
	(void)argv;
	(void)config_path;
	fprintf(stderr, "paperboy: preview is not available in this build\n");
	return EX_UNAVAILABLE;
}
