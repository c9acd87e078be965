/* The config's one list of secrets: every secret key, at the top level and in each subscriber,
 * whatever their number, is masked by pb_config_mask_secrets and in `paperboy status`, which
 * once kept a list of its own with room for 64. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

#define N_SUBS 70
#define HOOK "https://hooks.example.org/services/T%03d/hook-%03d-9f2c"

static void
hook(int i, char *out, size_t n)
{
	snprintf(out, n, HOOK, i, i);
}

static void
count_one(void *ctx, const char *secret)
{
	(void)secret;
	(*(size_t *)ctx)++;
}

/* Writes a config of N_SUBS subscribers, each with its own Slack webhook, plus the three
 * top-level secrets (the first subscriber has a Telegram chat, so the token is needed); returns
 * it loaded. */
static struct pb_config *
load(const char *dir, char *path, size_t n)
{
	struct pb_buf c = { 0 };
	struct pb_config_error err;
	struct pb_config *cfg;
	FILE *f;

	setenv("PB_T_TOKEN", "123456:telegram-token-secret", 1);
	setenv("PB_T_PASSWORD", "mail-password-secret", 1);
	setenv("PB_T_KEY", "sk-api-key-secret", 1);
	pb_buf_printf(&c, "state_dir = \"%s/state\";\n"
			  "arxiv = { categories = [\"cs.CV\"]; };\n"
			  "email = { smtp_url = \"smtps://127.0.0.1:4650\"; username = \"u\";\n"
			  "  password_env = \"PB_T_PASSWORD\"; from = \"D <d@example.org>\"; };\n"
			  "summary = { base_url = \"http://127.0.0.1:9/v1\"; model = \"m\";\n"
			  "  api_key_env = \"PB_T_KEY\"; };\n"
			  "telegram = { token_env = \"PB_T_TOKEN\"; };\n"
			  "subscribers = (\n", dir);
	for (int i = 0; i < N_SUBS; i++) {
		char var[32], url[128];

		snprintf(var, sizeof var, "PB_T_HOOK_%d", i);
		hook(i, url, sizeof url);
		setenv(var, url, 1);
		pb_buf_printf(&c, "  %s{ name = \"s%d\"; slack_webhook_env = \"%s\"; %s\n"
				  "    topics = ( { name = \"t\"; query = \"ti:x\"; } ); }\n",
			      i ? "," : "", i, var, i ? "" : "telegram_chat = \"@chan_name\";");
	}
	pb_buf_puts(&c, ");\n");
	snprintf(path, n, "%s/state/paperboy.db", dir);
	t_state_conf(&c, path);
	snprintf(path, n, "%s/main.conf", dir);
	f = fopen(path, "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	pb_buf_free(&c);
	cfg = pb_config_load(path, &err);
	if (!cfg)
		fprintf(stderr, "config: %s\n", err.message);
	return cfg;
}

static void
test_mask(const struct pb_config *cfg)
{
	struct pb_buf in = { 0 }, out = { 0 };
	size_t n = 0;

	pb_config_each_secret(cfg, count_one, &n);
	T_EQ_INT(n, N_SUBS + 3);
	for (int i = 0; i < N_SUBS; i++) {
		char url[128];

		hook(i, url, sizeof url);
		pb_buf_printf(&in, "[%s]", url);
	}
	pb_buf_puts(&in, " token 123456:telegram-token-secret pw mail-password-secret"
			 " key sk-api-key-secret");
	pb_config_mask_secrets(cfg, &out, pb_buf_str(&in));
	T_CHECK(strstr(pb_buf_str(&out), "hook-") == NULL);
	T_CHECK(strstr(pb_buf_str(&out), "secret") == NULL);
	T_CHECK(strncmp(pb_buf_str(&out), "[***][***]", 10) == 0);
	T_CHECK(strstr(pb_buf_str(&out), " token *** pw *** key ***") != NULL);

	/* Nothing to mask: the text is copied as it is; NULL is "". */
	pb_buf_reset(&out);
	pb_config_mask_secrets(cfg, &out, "plain text, no secret");
	T_EQ_STR(pb_buf_str(&out), "plain text, no secret");
	pb_buf_reset(&out);
	pb_config_mask_secrets(NULL, &out, "s");
	pb_config_mask_secrets(cfg, &out, NULL);
	T_EQ_STR(pb_buf_str(&out), "s");
	pb_buf_free(&in);
	pb_buf_free(&out);
}

/* One failed Slack message per subscriber, its error quoting the webhook URL (as a curl error
 * may): status masks every one, the 65th and later too. */
static void
test_status(const struct pb_config *cfg, const char *dir, const char *path)
{
	char db[512], out[512], err[256], *argv[] = { "status", "--errors", "100", NULL };
	struct pb_state *st;
	FILE *f;
	int saved, fd, rc;
	long size;
	char *text;

	snprintf(db, sizeof db, "%s/paperboy.db", cfg->state_dir);
	mkdir(cfg->state_dir, 0700);
	st = t_state_open(db, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st) {
		fprintf(stderr, "state: %s\n", err);
		return;
	}
	for (int i = 0; i < N_SUBS; i++) {
		struct pb_outbox_msg m;
		struct pb_outbox_msg *v = NULL;
		char id[64], sub[16], url[128], why[256];
		size_t n = 0;

		snprintf(sub, sizeof sub, "s%d", i);
		snprintf(id, sizeof id, "2026-01-05/%s/slack/webhook/1", sub);
		memset(&m, 0, sizeof m);
		m.msg_id = id;
		m.subscriber = sub;
		m.channel = "slack";
		m.dest = "webhook";
		m.digest_date = "2026-01-05";
		m.part = m.n_parts = 1;
		m.payload = "{}";
		m.payload_len = 2;
		m.created = 1000;
		T_EQ_INT(pb_outbox_put(st, &m), 1);
		T_EQ_INT(pb_outbox_due(st, 2000000000, 1, &v, &n), 0);
		T_EQ_INT(n, 1);
		hook(i, url, sizeof url);
		snprintf(why, sizeof why, "404 from %s: no_team", url);
		if (n == 1)
			T_EQ_INT(pb_outbox_mark_status(st, v[0].rowid, PB_OUT_FAILED, why), 0);
		pb_outbox_msgs_free(v, n);
	}
	pb_state_close(st);

	snprintf(out, sizeof out, "%s/status.out", dir);
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_CHECK(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	rc = pb_cmd_status(3, argv, path);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	T_EQ_INT(rc, 0);

	f = fopen(out, "r");
	T_CHECK(f != NULL);
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)size + 1);
	T_CHECK(text && fread(text, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	{
		size_t masked = 0;

		for (const char *p = text; (p = strstr(p, "404 from ***: no_team")); p++)
			masked++;
		T_EQ_INT(masked, N_SUBS);
	}
	T_CHECK(strstr(text, "hook-") == NULL);
	if (strstr(text, "hook-"))
		fprintf(stderr, "%s", text);
	free(text);
	unlink(out);
}

int
main(void)
{
	char dir[] = "/tmp/pb-test-secrets-XXXXXX", path[256], cmd[300];
	struct pb_config *cfg;

	pb_log_setup(PB_LOG_ERROR, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	cfg = load(dir, path, sizeof path);
	T_CHECK(cfg != NULL);
	if (cfg) {
		test_mask(cfg);
		test_status(cfg, dir, path);
	}
	pb_config_free(cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return t_done("test_config_secrets");
}
