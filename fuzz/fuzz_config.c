/* Fuzzes the config loader and its validation, as paperboy check runs them: bytes are written to a file in a private
 * temporary directory and loaded as a config. Inputs that @include other files are skipped, as
 * an include may name any file on the system (a device that never ends, for instance). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/config.h"
#include "paperboy/match.h"

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
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 (Debian) leaks the text of a string token that a syntax error discards
 * (hyperrealm/libconfig#142, fixed in 1.7 by a bison %destructor). That block is allocated by
 * its scanner (strbuf_append, or calloc in yylex for ""); nothing of ours is allocated there,
 * so only those two are ignored. */
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	char msg[1024];
	FILE *f;

	for (size_t i = 0; i + 7 <= size; i++)
		if (memcmp(data + i, "include", 7) == 0)
			return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/pb-fuzz-config-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof path, "%s/fuzz.conf", dir);
		atexit(cleanup);
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	cfg = pb_config_load(path, &err);
	if (cfg) {
		struct pb_buf report = { 0 };

		/* What check does next: every rule's checks, then compile every topic. */
		(void)pb_config_check_rules(cfg, "", &report, NULL);
		pb_buf_free(&report);
		pb_matcher_free(pb_matcher_new(cfg, msg, sizeof msg));
		(void)pb_config_subscriber(cfg, "alice");
		pb_config_free(cfg);
	} else {
		pb_config_error_format(&err, msg, sizeof msg);
	}
	return 0;
}
