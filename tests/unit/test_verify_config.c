/* pb_cli_verify_config, the checks `check`, the daemon's start and its reload share: with a
 * report it hands back every finding of the rules (errors and warnings, as `check` prints
 * them) and the number of warnings, so that check parses the rules once; without one the
 * error is all a reload needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "t.h"

static char path[64];

static struct pb_config *
load(const char *subs)
{
	struct pb_config_error ce;
	struct pb_config *cfg;
	int fd;
	FILE *f;

	snprintf(path, sizeof path, "/tmp/pb-test-verify-XXXXXX");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || fprintf(f, "arxiv = { categories = [\"cs.CV\"]; };\nsubscribers = (\n%s\n);\n",
			  subs) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	memset(&ce, 0, sizeof ce);
	cfg = pb_config_load(path, &ce);
	unlink(path);
	if (!cfg)
		fprintf(stderr, "load: %s\n", ce.message);
	return cfg;
}

static void
test_report(void)
{
	/* Two rule errors and one warning (an unknown category). */
	struct pb_config *cfg = load(
		"{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:(x\"; },"
		" { name = \"u\"; query = \"ti:x OR cat:quantph\"; exclude = \"NOT\"; } ); }");
	struct pb_buf rep = { 0 };
	size_t n_warn = 99;
	char err[4096];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_INT(pb_cli_verify_config(cfg, &rep, &n_warn, err, sizeof err), -1);
	T_EQ_STR(err, "2 errors in the rules");
	T_EQ_INT(n_warn, 1);
	T_CHECK(strstr(pb_buf_str(&rep), "paperboy: warning: ") != NULL);
	T_CHECK(strstr(pb_buf_str(&rep), "did you mean cat:quant-ph?") != NULL);
	T_CHECK(strstr(pb_buf_str(&rep), "topic t, column 4: unclosed '('") != NULL);
	T_CHECK(strstr(pb_buf_str(&rep), "topic u, exclude 1, column 1") != NULL);
	/* Without a report: the errors themselves, for a reload's log line. */
	n_warn = 99;
	T_EQ_INT(pb_cli_verify_config(cfg, NULL, &n_warn, err, sizeof err), -1);
	T_CHECK(strstr(err, "topic t, column 4: unclosed '('") != NULL);
	T_CHECK(strncmp(err, "paperboy: ", 10) != 0);
	T_EQ_INT(n_warn, 1);
	T_EQ_INT(pb_cli_verify_config(cfg, NULL, NULL, err, sizeof err), -1);
	pb_buf_free(&rep);
	pb_config_free(cfg);

	/* Only a warning: the configuration passes, and the warning is in the report. */
	cfg = load("{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:x OR cat:quantph\"; } ); }");
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	n_warn = 99;
	T_EQ_INT(pb_cli_verify_config(cfg, &rep, &n_warn, err, sizeof err), 0);
	T_EQ_INT(n_warn, 1);
	T_CHECK(strstr(pb_buf_str(&rep), "paperboy: warning: ") != NULL);
	pb_buf_free(&rep);
	T_EQ_INT(pb_cli_verify_config(cfg, NULL, NULL, err, sizeof err), 0);
	pb_config_free(cfg);

	/* Clean: nothing reported. */
	cfg = load("{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:nerf\"; } ); }");
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	n_warn = 99;
	T_EQ_INT(pb_cli_verify_config(cfg, &rep, &n_warn, err, sizeof err), 0);
	T_EQ_INT(n_warn, 0);
	T_EQ_INT(rep.len, 0);
	pb_buf_free(&rep);
	pb_config_free(cfg);
}

int
main(void)
{
	test_report();
	return t_done("test_verify_config");
}
