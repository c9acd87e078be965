/* The state section of the config (backend, conninfo and its secret forms) and how the state is
 * named in messages: never with its password. Needs no server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/state.h"
#include "t.h"

#define HEAD "arxiv = { categories = [\"cs.CV\"]; };\n"

static char dir[256];

static const char *
write_conf(const char *name, const char *body, mode_t mode)
{
	static char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(body, f);
		fclose(f);
	}
	chmod(p, mode);
	return p;
}

struct tcase {
	const char *what;
	const char *body;
	int line;              /* 0: loads */
	const char *key, *msg;
};

static const struct tcase cases[] = {
	{ "default is sqlite", HEAD, 0, NULL, NULL },
	{ "postgresql with conninfo", HEAD "state = { backend = \"postgresql\";\n"
	  " conninfo = \"host=db dbname=pb\"; };\n", 0, NULL, NULL },
	{ "unknown backend", HEAD "state = { backend = \"mysql\"; };\n", 2, "state.backend",
	  "not a state backend" },
	{ "postgresql without conninfo", HEAD "state = { backend = \"postgresql\"; };\n", 2,
	  "state.conninfo", "missing (required when state.backend is \"postgresql\")" },
	{ "conninfo without postgresql", HEAD "state = { conninfo = \"host=db\"; };\n", 2,
	  "state.conninfo", "used only with state.backend = \"postgresql\"" },
	{ "a password written in the config", HEAD "state = { backend = \"postgresql\";\n"
	  " conninfo = \"host=db password=hunter2\"; };\n", 3, "state.conninfo",
	  "holds a password" },
	{ "a password in a URI", HEAD "state = { backend = \"postgresql\";\n"
	  " conninfo = \"postgresql://pb:hunter2@db/pb\"; };\n", 3, "state.conninfo",
	  "holds a password" },
	{ "not a conninfo", HEAD "state = { backend = \"postgresql\";\n"
	  " conninfo = \"host\"; };\n", 3, "state.conninfo", "not a libpq conninfo" },
	{ "two ways at once", HEAD "state = { backend = \"postgresql\"; conninfo = \"host=db\";\n"
	  " conninfo_env = \"PB_T_PG\"; };\n", 2, "state.conninfo", "not both" },
	{ "an unset variable with sqlite is not needed", HEAD "state = { backend = \"sqlite\"; };\n",
	  0, NULL, NULL },
};

static void
run_case(const struct tcase *c)
{
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load(write_conf("main.conf", c->body, 0644), &err);

	if (!c->line) {
		if (!cfg)
			fprintf(stderr, "%s: %s:%d: %s: %s\n", c->what, err.file, err.line, err.key,
				err.message);
		T_CHECK(cfg != NULL);
	} else {
		T_CHECK(cfg == NULL);
		if (!cfg) {
			if (err.line != c->line || strcmp(err.key, c->key) != 0 ||
			    !strstr(err.message, c->msg))
				fprintf(stderr, "%s: got %d %s: %s\n", c->what, err.line, err.key,
					err.message);
			T_EQ_INT(err.line, c->line);
			T_EQ_STR(err.key, c->key);
			T_CHECK(strstr(err.message, c->msg) != NULL);
			/* the password is never repeated */
			T_CHECK(!strstr(err.message, "hunter2"));
		}
	}
	pb_config_free(cfg);
}

/* conninfo_env and conninfo_file carry a password; the file must be 0600; messages name host
 * and database only. */
static void
test_secret_forms(void)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	struct pb_buf body = { 0 };
	char where[320], secret[512];

	setenv("PB_T_PG", "host=db.example.org dbname=pb user=amy password=hunter2", 1);
	cfg = pb_config_load(write_conf("env.conf", HEAD "state = { backend = \"postgresql\";"
					" conninfo_env = \"PB_T_PG\"; };\n", 0644), &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_STR(cfg->state_backend, "postgresql");
		T_CHECK(cfg->state_conninfo_secret && strstr(cfg->state_conninfo_secret, "hunter2"));
		pb_cli_state_where(cfg, where, sizeof where);
		T_CHECK(strstr(where, "PostgreSQL at ") == where);
		T_CHECK(strstr(where, "host=db.example.org") && strstr(where, "dbname=pb"));
		T_CHECK(!strstr(where, "hunter2"));
		T_EQ_INT(pb_cli_state_exists(cfg), 1);
	}
	pb_config_free(cfg);

	snprintf(secret, sizeof secret, "%s",
		 write_conf("pg.conninfo", "host=db dbname=pb password=hunter2\n", 0644));
	pb_buf_printf(&body, HEAD "state = { backend = \"postgresql\"; conninfo_file = \"%s\"; };\n",
		      secret);
	cfg = pb_config_load(write_conf("file.conf", body.data, 0644), &err);
	T_CHECK(cfg == NULL);   /* 0644: readable by others */
	if (!cfg)
		T_CHECK(strstr(err.message, "chmod 600") != NULL);
	chmod(secret, 0600);
	cfg = pb_config_load(write_conf("file.conf", body.data, 0644), &err);
	T_CHECK(cfg != NULL);
	if (cfg)
		T_EQ_STR(cfg->state_conninfo_secret, "host=db dbname=pb password=hunter2");
	pb_config_free(cfg);
	pb_buf_free(&body);

	/* A SQLite state is named by its file. */
	cfg = pb_config_load(write_conf("sq.conf", HEAD "state_dir = \"/nonexistent/x\";\n", 0644),
			     &err);
	if (!cfg)
		fprintf(stderr, "sq.conf: %s: %s\n", err.key, err.message);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_STR(pb_cli_state_where(cfg, where, sizeof where),
			 "/nonexistent/x/paperboy.db");
		T_EQ_INT(pb_cli_state_exists(cfg), 0);
	}
	pb_config_free(cfg);
}

/* Unreachable: NULL, temporary, the message names host and database, not the password. */
static void
test_unreachable(void)
{
	char err[512] = "", conninfo[512];
	int temporary = 0;
	struct pb_state *st;

	snprintf(conninfo, sizeof conninfo, "host=%s/nowhere dbname=pbx user=amy password=hunter2",
		 dir);
	st = pb_state_open_pg(conninfo, PB_STATE_CREATE, &temporary, err, sizeof err);
	T_CHECK(st == NULL);
	T_EQ_INT(temporary, 1);
	T_CHECK(strstr(err, "dbname=pbx") != NULL);
	T_CHECK(strstr(err, "/nowhere") != NULL);
	T_CHECK(strstr(err, "hunter2") == NULL);
	pb_state_close(st);
	pb_state_conninfo_describe("postgresql://amy:hunter2@db.example.org:5433/pb", err,
				   sizeof err);
	T_CHECK(strstr(err, "host=db.example.org") && strstr(err, "port=5433") &&
		strstr(err, "dbname=pb") && !strstr(err, "hunter2"));
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/pb-test-pgconf-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	unsetenv("PB_T_PG");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	test_secret_forms();
	test_unreachable();
	{
		struct pb_buf cmd = { 0 };

		pb_buf_printf(&cmd, "rm -rf '%s'", dir);
		if (system(cmd.data) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		pb_buf_free(&cmd);
	}
	return t_done("test_state_pg_config");
}
