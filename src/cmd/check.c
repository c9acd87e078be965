/* paperboy check: loads and validates the config and compiles every topic rule (no network),
 * then prints a short summary. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/match.h"

static void
summarize(FILE *f, const struct pb_config *cfg)
{
	size_t topics = 0, email = 0, slack = 0, telegram = 0;

	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		const struct pb_subscriber *s = &cfg->subscribers[i];

		topics += s->n_topics;
		email += s->n_emails;
		slack += s->slack_webhook != NULL;
		telegram += s->telegram_chat != NULL;
	}
	fprintf(f, "config: %s ok\n", cfg->path);
	fprintf(f, "subscribers: %zu\n", cfg->n_subscribers);
	fprintf(f, "topics: %zu\n", topics);
	fprintf(f, "channels: email %zu, slack %zu, telegram %zu, file %s\n", email, slack,
		telegram, cfg->file.enabled ? cfg->file.dir : "off");
	fprintf(f, "categories:");
	for (size_t i = 0; i < cfg->arxiv.n_categories; i++)
		fprintf(f, " %s", cfg->arxiv.categories[i]);
	fprintf(f, "\n");
	fprintf(f, "schedule:");
	for (size_t i = 0; i < cfg->n_schedule; i++)
		fprintf(f, " %s", cfg->schedule[i]);
	fprintf(f, " (%s)\n", cfg->timezone);
	if (cfg->summary.enabled)
		fprintf(f, "model: on (%s)\n", cfg->summary.model);
	else
		fprintf(f, "model: off\n");
	fprintf(f, "email: %s\n", cfg->email.enabled ? "on" : "off");
}

/* Puts a rule error in the config's FILE:LINE: KEY: form. The matcher names the subscriber
 * and topic ("subscriber S, topic T, column C: ..."); find that topic to point at its line. */
static void
rule_error(struct pb_buf *out, const struct pb_config *cfg, const char *msg)
{
	struct pb_buf pre = { 0 };

	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		const struct pb_subscriber *s = &cfg->subscribers[i];

		for (size_t j = 0; j < s->n_topics; j++) {
			const char *key = "query", *after;

			pb_buf_reset(&pre);
			pb_buf_printf(&pre, "subscriber %s, topic %s", s->name, s->topics[j].name);
			if (strncmp(msg, pre.data, pre.len) != 0 ||
			    (msg[pre.len] != ',' && msg[pre.len] != ':'))
				continue;
			after = msg + pre.len;
			if (strncmp(after, ", exclude", 9) == 0)
				key = "exclude";
			else if (strstr(after, "followed author"))
				key = "follow_authors";
			pb_buf_printf(out, "%s:%d: subscribers.[%zu].topics.[%zu].%s: %s", s->file,
				      s->topics[j].line, i, j, key, msg);
			pb_buf_free(&pre);
			return;
		}
		pb_buf_reset(&pre);
		pb_buf_printf(&pre, "subscriber %s:", s->name);
		if (strncmp(msg, pre.data, pre.len) == 0) {
			pb_buf_printf(out, "%s:%d: subscribers.[%zu].follow_authors: %s", s->file,
				      s->line, i, msg);
			pb_buf_free(&pre);
			return;
		}
	}
	pb_buf_free(&pre);
	pb_buf_printf(out, "%s: %s", cfg->path, msg);
}

int
pb_cli_verify_config(const struct pb_config *cfg, char *err, size_t errlen)
{
	struct pb_matcher *m;
	struct pb_buf out = { 0 };
	char msg[2048];
	int rc = -1;

	/* Every rule of every subscriber parses (all errors are listed), ... */
	if (pb_config_check_rules(cfg, "", &out, NULL) > 0)
		goto out;
	pb_buf_reset(&out);
	/* ... and compiles, as it will at run time. */
	m = pb_matcher_new(cfg, msg, sizeof msg);
	if (!m) {
		rule_error(&out, cfg, msg);
		goto out;
	}
	pb_matcher_free(m);
	/* The schedule can be computed in the timezone, as the daemon will. */
	if (pb_next_wakeup(cfg->timezone, cfg->schedule, cfg->n_schedule, pb_now(), msg,
			   sizeof msg) < 0) {
		pb_buf_printf(&out, "%s: schedule: %s", cfg->path, msg);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "%s", pb_buf_str(&out));
	pb_buf_free(&out);
	return rc;
}

int
pb_cmd_check(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg;
	struct pb_buf report = { 0 };
	size_t n_err, n_warn = 0;
	char err[4096];
	int rc = EX_CONFIG;

	if (argc > 1) {
		fprintf(stderr, "paperboy: check takes no arguments (got %s)\n", argv[1]);
		pb_cli_usage(stderr, "check");
		return EX_USAGE;
	}
	cfg = pb_cli_load_config(config_path);
	if (!cfg)
		return EX_CONFIG;
	/* Every rule of every subscriber, all errors and the warnings. */
	n_err = pb_config_check_rules(cfg, "paperboy: ", &report, &n_warn);
	if (report.len)
		fputs(report.data, stderr);
	if (n_err) {
		fprintf(stderr, "paperboy: %zu error%s in the rules\n", n_err, n_err == 1 ? "" : "s");
		goto out;
	}
	/* ... they compile, and the schedule can be computed (what a reload checks too). */
	if (pb_cli_verify_config(cfg, err, sizeof err) < 0) {
		fprintf(stderr, "paperboy: %s\n", err);
		goto out;
	}
	summarize(stdout, cfg);
	if (n_warn)
		printf("warnings: %zu (on stderr)\n", n_warn);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("paperboy: stdout");
		rc = EX_IOERR;
		goto out;
	}
	rc = 0;
out:
	pb_buf_free(&report);
	pb_config_free(cfg);
	return rc;
}
