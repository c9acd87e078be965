/* What setting paperboy up relies on: the command table (usage lines, which options take a
 * value), PAPERBOY_ARXIV_RSS_URL / PAPERBOY_ARXIV_API_URL replacing the configured arXiv URLs,
 * and *_file secrets handed over by systemd as credentials ($CREDENTIALS_DIRECTORY), which
 * show the group read bit of their ACL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "t.h"

static char dir[] = "/tmp/pb-setup.XXXXXX";

/* Returns the file's path, valid until the fourth call after. */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char paths[4][512];
	static int slot;
	char *path = paths[slot++ % 4];
	FILE *f;

	snprintf(path, sizeof paths[0], "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	chmod(path, mode);
	return path;
}

static void
test_commands(void)
{
	const struct pb_command *run = pb_cli_command("run"), *fetch = pb_cli_command("fetch");
	const struct pb_command *preview = pb_cli_command("preview"), *c;
	size_t n;

	c = pb_cli_commands(&n);
	T_EQ_INT(n, 11);   /* with `state` */
	T_CHECK(pb_cli_command("serve") != NULL && strcmp(pb_cli_command("serve")->args, "") == 0);
	for (size_t i = 0; i < n; i++) {
		T_CHECK(pb_cli_command(c[i].name) == &c[i]);
		T_CHECK(c[i].fn != NULL);
		T_CHECK(strlen(c[i].summary) > 20);
	}
	T_CHECK(pb_cli_command("bogus") == NULL);
	T_CHECK(run && fetch && preview);
	if (!run || !fetch || !preview)
		return;
	T_CHECK(pb_cli_option_takes_value(run, "--date"));
	T_CHECK(pb_cli_option_takes_value(run, "--feed"));
	T_CHECK(pb_cli_option_takes_value(run, "--only"));
	T_CHECK(pb_cli_option_takes_value(run, "--wait"));
	T_CHECK(!pb_cli_option_takes_value(run, "--dry-run"));
	T_CHECK(!pb_cli_option_takes_value(run, "--dry"));     /* a prefix is not the option */
	T_CHECK(!pb_cli_option_takes_value(run, "--bogus"));
	T_CHECK(pb_cli_option_takes_value(fetch, "--category"));
	T_CHECK(!pb_cli_option_takes_value(fetch, "--json"));
	T_CHECK(pb_cli_option_takes_value(preview, "--subscriber"));   /* not in brackets */
	T_CHECK(pb_cli_option_takes_value(preview, "--format"));
	T_CHECK(pb_cli_option_takes_value(preview, "--date"));
	T_CHECK(!pb_cli_option_takes_value(pb_cli_command("daemon"), "--once"));
	if ((c = pb_cli_command("subscriber")) != NULL) {
		T_CHECK(pb_cli_option_takes_value(c, "--email"));
		T_CHECK(pb_cli_option_takes_value(c, "--topic"));
		T_CHECK(pb_cli_option_takes_value(c, "--set"));
		T_CHECK(pb_cli_option_takes_value(c, "--max-papers"));
		T_CHECK(pb_cli_option_takes_value(c, "--reason"));
		T_CHECK(!pb_cli_option_takes_value(c, "--all"));
	}
	T_CHECK(c != NULL);
}

#define BASE "arxiv = { categories = [\"cs.CV\"]; rss_url = \"https://rss.arxiv.org/rss\"; };\n" \
	     "subscribers = ( { name = \"a\"; topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n"

static void
test_arxiv_url_env(void)
{
	const char *path = write_file("urls.conf", BASE, 0644);
	struct pb_config_error err;
	struct pb_config *cfg;

	unsetenv("PAPERBOY_ARXIV_RSS_URL");
	unsetenv("PAPERBOY_ARXIV_API_URL");
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_STR(cfg->arxiv.rss_url, "https://rss.arxiv.org/rss");
		T_EQ_STR(cfg->arxiv.api_url, "https://export.arxiv.org/api/query");
	}
	pb_config_free(cfg);

	setenv("PAPERBOY_ARXIV_RSS_URL", "http://127.0.0.1:8080/rss", 1);
	setenv("PAPERBOY_ARXIV_API_URL", "http://127.0.0.1:8080/api/query", 1);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_STR(cfg->arxiv.rss_url, "http://127.0.0.1:8080/rss");
		T_EQ_STR(cfg->arxiv.api_url, "http://127.0.0.1:8080/api/query");
	}
	pb_config_free(cfg);

	setenv("PAPERBOY_ARXIV_RSS_URL", "ftp://mirror.example/rss", 1);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg == NULL);
	T_EQ_STR(err.key, "arxiv.rss_url");
	T_CHECK(strstr(err.file, "PAPERBOY_ARXIV_RSS_URL") != NULL);
	T_CHECK(strstr(err.message, "ftp://mirror.example/rss") != NULL);
	/* counted like any config error, and placed in the environment, not in the file */
	T_EQ_INT(err.n_errors, 1);
	T_EQ_STR(err.file, "from the environment (PAPERBOY_ARXIV_RSS_URL)");
	T_EQ_INT(err.line, 0);
	{
		char line[1200];

		pb_config_error_format(&err, line, sizeof line);
		T_CHECK(strncmp(line, "from the environment (PAPERBOY_ARXIV_RSS_URL): "
				"arxiv.rss_url: ", 62) == 0);
	}
	pb_config_free(cfg);

	/* an empty variable is no override */
	setenv("PAPERBOY_ARXIV_RSS_URL", "", 1);
	unsetenv("PAPERBOY_ARXIV_API_URL");
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg != NULL);
	if (cfg)
		T_EQ_STR(cfg->arxiv.rss_url, "https://rss.arxiv.org/rss");
	pb_config_free(cfg);
	unsetenv("PAPERBOY_ARXIV_RSS_URL");
}

#define EMAIL(file) \
	"arxiv = { categories = [\"cs.CV\"]; };\n" \
	"email = { smtp_url = \"smtp://127.0.0.1:2525\"; from = \"d@example.org\"; tls = \"none\";\n" \
	"  username = \"d\"; password_file = \"" file "\"; };\n" \
	"subscribers = ( { name = \"a\"; email = [\"a@example.org\"];\n" \
	"  topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n"

static void
test_credentials(void)
{
	char creds[600];
	const char *path;
	struct pb_config_error err;
	struct pb_config *cfg;

	snprintf(creds, sizeof creds, "%s/creds", dir);
	mkdir(creds, 0700);
	write_file("creds/smtp_password", "s3cret-from-systemd\n", 0440);   /* 0400 + ACL mask */
	path = write_file("creds.conf", EMAIL("$CREDENTIALS_DIRECTORY/smtp_password"), 0644);

	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg != NULL);
	if (cfg)
		T_EQ_STR(cfg->email.password, "s3cret-from-systemd");
	else
		fprintf(stderr, "  %s\n", err.message);
	pb_config_free(cfg);

	/* readable by others is refused there too */
	write_file("creds/smtp_password", "s3cret-from-systemd\n", 0444);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "mode 0444") != NULL);
	pb_config_free(cfg);
	write_file("creds/smtp_password", "s3cret-from-systemd\n", 0440);

	/* without systemd's variable: a clear error */
	unsetenv("CREDENTIALS_DIRECTORY");
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "CREDENTIALS_DIRECTORY is not set") != NULL);
	T_EQ_STR(err.key, "email.password_file");
	T_EQ_INT(err.n_errors, 1);   /* counted, at the key's own line */
	T_EQ_INT(err.line, 3);
	T_CHECK(strstr(err.file, "creds.conf") != NULL);
	pb_config_free(cfg);

	/* the same 0440 file named by its path is refused: group-readable */
	path = write_file("plain.conf", EMAIL("creds/smtp_password"), 0644);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "mode 0440") != NULL);
	T_EQ_INT(err.n_errors, 1);
	pb_config_free(cfg);
}

int
main(void)
{
	char cmd[600];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_commands();
	test_arxiv_url_env();
	test_credentials();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return t_done("test_setup");
}
