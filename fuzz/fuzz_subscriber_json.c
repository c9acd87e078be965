/* Fuzzes a stored subscriber's settings as `paperboy subscriber import` and every load read
 * them: the bytes are one JSON object, turned into the config's settings and checked by the
 * key table (pb_config_load_stored), then its rules alone as check does. Inputs naming a
 * *_file secret are skipped: the file may be any file on the system (a device that never
 * ends, for instance). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"

static char dir[64], path[128];

static void
cleanup(void)
{
	if (path[0])
		unlink(path);
	if (dir[0])
		rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	char *json;
	FILE *f;

	for (size_t i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "_file", 5) == 0)
			return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/pb-fuzz-subs-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof path, "%s/fuzz.conf", dir);
		f = fopen(path, "w");
		if (!f)
			abort();
		fprintf(f, "state_dir = \"%s/state\";\narxiv = { categories = [\"cs.CL\"]; };\n"
			"email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\"; };\n"
			"subscribers = ( { name = \"lab\"; topics = ( { name = \"t\"; "
			"query = \"abs:x\"; } ); } );\n", dir);
		if (fclose(f) != 0)
			abort();
		atexit(cleanup);
	}
	json = malloc(size + 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	cfg = pb_config_load_stored(path, (const char *const *)&json, 1, &err);
	if (cfg) {
		struct pb_buf why = { 0 };

		for (size_t i = 0; i < cfg->n_subscribers; i++)
			if (cfg->subscribers[i].stored)
				(void)pb_cli_stored_error(cfg, i, &why);
		pb_buf_free(&why);
		pb_config_free(cfg);
	}
	free(json);
	return 0;
}
