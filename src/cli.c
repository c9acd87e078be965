/* Helpers shared by the subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/escape.h"
#include "paperboy/log.h"
#include "paperboy/match.h"
#include "paperboy/summarize.h"

/* Each args string is what paperboy(1)'s SYNOPSIS and README's Commands show for the command;
 * tests/integration/06-cli.sh checks that the three agree. */
static const struct pb_command commands[] = {
	{ "run", pb_cmd_run,
	  "[--date YYYY-MM-DD] [--feed FILE] [--dry-run] [--only NAME] [--wait SECONDS]",
	  "one digest cycle: fetch, match, summarize, render, enqueue, deliver" },
	{ "daemon", pb_cmd_daemon, "[--foreground] [--once]",
	  "run the cycle at the schedule's times, catch up missed days, retry deliveries" },
	{ "fetch", pb_cmd_fetch, "[--category C ...] [--date YYYY-MM-DD] [--feed FILE] [--json]",
	  "print the papers of an announcement (a table, or JSON lines)" },
	{ "match", pb_cmd_match, "[--feed FILE] [--subscriber NAME]",
	  "show who gets which paper, with the score and the topic that matched" },
	{ "preview", pb_cmd_preview,
	  "--subscriber NAME [--format md|html|text|CHANNEL] [--date YYYY-MM-DD] "
	  "[--feed FILE]",
	  "print what one subscriber would receive, in one format; send nothing" },
	{ "check", pb_cmd_check, "",
	  "validate the configuration and print a summary, without the network" },
	{ "status", pb_cmd_status, "[--runs N] [--errors N]",
	  "show the last runs, the outbox by channel and status, the last errors" },
	{ "retry", pb_cmd_retry, "[--subscriber NAME]",
	  "put failed and paused messages back to pending" },
	{ "subscriber", pb_cmd_subscriber,
	  "list|show|add|edit|pause|resume|remove|export|import [NAME|FILE] [--email ADDR] "
	  "[--topic TOPIC=QUERY] [--language L] [--max-papers N] [--set KEY=VALUE] "
	  "[--reason TEXT] [--all]",
	  "list, add, change, pause, remove, export and import subscribers kept in the state" },
	{ "serve", pb_cmd_serve, "",
	  "run the web endpoint (sign-up, unsubscribe, feedback) in the foreground" },
	{ "state", pb_cmd_state, "migrate --to postgresql [--from FILE] [--replace]",
	  "copy a SQLite state into the configured PostgreSQL state, counts verified" },
};

const struct pb_command *
pb_cli_commands(size_t *n)
{
	*n = sizeof commands / sizeof commands[0];
	return commands;
}

const struct pb_command *
pb_cli_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void
pb_cli_usage(FILE *f, const char *name)
{
	const struct pb_command *c = pb_cli_command(name);

	if (c)
		fprintf(f, "usage: paperboy [-c FILE] [-v] %s%s%s\n", c->name, *c->args ? " " : "",
			c->args);
}

int
pb_cli_bad_arg(const char *name, const char *arg)
{
	fprintf(stderr, "paperboy: %s: %s %s\n", name, arg[0] == '-' ?
		"unknown option or missing value:" : "unexpected argument:", arg);
	pb_cli_usage(stderr, name);
	return EX_USAGE;
}

/* "; did you mean \"NEAR\"?" into buf, NEAR written as the terminal may show it: a stored
 * subscriber's name may come from a web form or a chat. */
static const char *
say_near(const char *near, char *buf, size_t n)
{
	struct pb_buf e = { 0 };

	if (near) {
		pb_esc_term(&e, near);
		snprintf(buf, n, "; did you mean \"%s\"?", pb_buf_str(&e));
	} else if (n) {
		buf[0] = '\0';
	}
	pb_buf_free(&e);
	return buf;
}

const char *
pb_cli_did_you_mean(const struct pb_config *cfg, const char *name, char *buf, size_t n)
{
	char near[80];

	return say_near(pb_config_closest_subscriber(cfg, name, near, sizeof near), buf, n);
}

const char *
pb_cli_did_you_mean_word(const char *word, const char *const *words, size_t count, char *buf,
			 size_t n)
{
	char near[80];

	return say_near(pb_closest_word(word, words, count, near, sizeof near), buf, n);
}

const char *
pb_cli_did_you_mean_command(const char *name, char *buf, size_t n)
{
	const char *names[sizeof commands / sizeof commands[0]];

	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		names[i] = commands[i].name;
	return pb_cli_did_you_mean_word(name, names, sizeof names / sizeof names[0], buf, n);
}

int
pb_cli_option_takes_value(const struct pb_command *cmd, const char *opt)
{
	size_t l = strlen(opt);

	for (const char *p = cmd->args; (p = strstr(p, opt)) != NULL; p += l) {
		if ((p != cmd->args && p[-1] != '[' && p[-1] != ' ') ||
		    (p[l] != ' ' && p[l] != ']' && p[l] != '\0'))
			continue;       /* a longer option that contains this one */
		return p[l] == ' ' && p[l + 1] != '[' && p[l + 1] != '-';
	}
	return 0;
}

int
pb_cli_date_arg(const char *cmd, const char *value)
{
	if (pb_date_valid(value))
		return 0;
	fprintf(stderr, "paperboy: %s: --date %s is not a date (YYYY-MM-DD, a day that exists, "
		"%d or later)\n", cmd, value ? value : "", PB_DATE_FIRST_YEAR);
	return -1;
}

static struct pb_config *
load_config(const char *path, int keep_inactive)
{
	struct pb_config *cfg = pb_cli_load_config_file(path);
	struct pb_buf problems = { 0 };

	if (!cfg)
		return NULL;
	cfg = pb_cli_with_stored(cfg, keep_inactive, NULL, NULL, &problems);
	for (const char *l = pb_buf_str(&problems); *l;) {
		size_t n = strcspn(l, "\n");

		fprintf(stderr, "paperboy: warning: %.*s\n", (int)n, l);
		l += n + (l[n] == '\n');
	}
	pb_buf_free(&problems);
	return cfg;
}

struct pb_config *
pb_cli_load_config(const char *path)
{
	return load_config(path, 0);
}

struct pb_config *
pb_cli_load_config_all(const char *path)
{
	return load_config(path, 1);
}

struct pb_config *
pb_cli_load_config_file(const char *path)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	char msg[1024];
	int lvl;

	memset(&err, 0, sizeof err);
	cfg = pb_config_load(path, &err);
	if (!cfg) {
		pb_config_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "paperboy: %s\n", msg);
		for (const char *l = err.more; *l;) {
			size_t n = strcspn(l, "\n");

			fprintf(stderr, "paperboy: %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
		if (err.n_errors > 1)
			fprintf(stderr, "paperboy: %zu errors in the config\n", err.n_errors);
		return NULL;
	}
	lvl = pb_log_level_parse(cfg->log_level);
	if (lvl >= 0 && !pb_log_enabled(PB_LOG_DEBUG))
		pb_log_setup((enum pb_log_level)lvl, 0);
	return cfg;
}

int
pb_cli_load_papers(const struct pb_config *cfg, struct pb_papers_req *rq,
		   struct pb_paperset *ps, struct pb_fetch_result *res)
{
	struct pb_fetch_result own;

	if (!res)
		res = &own;
	pb_papers_load(NULL, cfg, rq, ps, res);
	return pb_cli_papers_outcome(rq, res);
}

int
pb_cli_papers_outcome(const struct pb_papers_req *rq, const struct pb_fetch_result *res)
{
	switch (res->status) {
	case PB_FETCH_OK:
		if (res->message[0])
			fprintf(stderr, "paperboy: warning: %s\n", res->message);
		break;
	case PB_FETCH_NO_ANNOUNCEMENT:
		break;
	case PB_FETCH_ARXIV_ERROR:
		fprintf(stderr, "paperboy: arXiv error: %s\n", res->message);
		break;
	case PB_FETCH_BAD_DATA: {
		const char *src = rq->feed ? rq->feed : "arXiv";
		size_t n = strlen(src);

		/* The message of a saved feed already names it. */
		if (strncmp(res->message, src, n) == 0 && res->message[n] == ':')
			fprintf(stderr, "paperboy: %s\n", res->message);
		else
			fprintf(stderr, "paperboy: %s: %s\n", src, res->message);
		break;
	}
	default:
		fprintf(stderr, "paperboy: fetch failed: %s\n", res->message[0] ? res->message :
			"arXiv is unavailable");
		break;
	}
	return pb_papers_exit_code(res, rq->feed != NULL);
}

int
pb_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	struct pb_buf b = { 0 };
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = -1;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&b, chunk, n);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		pb_buf_free(&b);
		goto out;
	}
	*len = b.len;
	*data = pb_buf_detach(&b);
	rc = 0;
out:
	if (f != stdin)
		fclose(f);
	return rc;
}

int
pb_mkdirs(const char *dir)
{
	struct pb_buf b = { 0 };
	int rc = 0;

	pb_buf_puts(&b, dir);
	for (size_t i = 1; i <= b.len && rc == 0; i++) {
		if (b.data[i] != '/' && b.data[i] != '\0')
			continue;
		b.data[i] = '\0';
		if (mkdir(b.data, 0750) < 0 && errno != EEXIST)
			rc = -1;
		if (i < b.len)
			b.data[i] = '/';
	}
	pb_buf_free(&b);
	return rc;
}

/* Opens the state database under the config's state_dir. */
struct pb_state *
pb_cli_open_state(const struct pb_config *cfg)
{
	return pb_cli_open_state_mode(cfg, PB_STATE_CREATE);
}

static int
on_pg(const struct pb_config *cfg)
{
	return cfg->state_backend && strcmp(cfg->state_backend, "postgresql") == 0;
}

struct pb_state *
pb_cli_state_open(const struct pb_config *cfg, enum pb_state_mode mode, int *temporary,
		  char *err, size_t errlen)
{
	struct pb_buf path = { 0 };
	struct pb_state *st;

	*temporary = 0;
	if (on_pg(cfg))
		return pb_state_open_pg(cfg->state_conninfo_secret ? cfg->state_conninfo_secret :
					cfg->state_conninfo, mode, temporary, err, errlen);
	if (mode == PB_STATE_CREATE && pb_mkdirs(cfg->state_dir) < 0) {
		snprintf(err, errlen, "cannot create state directory %s: %s", cfg->state_dir,
			 strerror(errno));
		return NULL;
	}
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	st = pb_state_open_sqlite(path.data, mode, temporary, err, errlen);
	pb_buf_free(&path);
	return st;
}

int
pb_cli_open_state_rc(const struct pb_config *cfg, enum pb_state_mode mode, struct pb_state **out)
{
	char err[768];
	int temporary;

	if ((*out = pb_cli_state_open(cfg, mode, &temporary, err, sizeof err)))
		return 0;
	fprintf(stderr, "paperboy: %s%s\n", err, temporary ? " (a temporary failure: try again "
		"later)" : "");
	return temporary ? EX_TEMPFAIL : EX_CANTCREAT;
}

int
pb_cli_write_failed(const struct pb_config *cfg, struct pb_state *st, const char *what)
{
	/* the words of an open that finds the state busy (pb_state_open_sqlite), and the same
	 * code: a write that waited out the busy timeout was undone whole */
	if (pb_state_busy(st)) {
		if (on_pg(cfg))
			fprintf(stderr, "paperboy: %s: the state is busy or out of reach; nothing was "
				"changed (%s) (a temporary failure: try again later)\n", what,
				pb_state_errmsg(st));
		else
			fprintf(stderr, "paperboy: %s: %s/paperboy.db is busy: another process (a "
				"run, the daemon, an import) has held its write lock for over 10 s; "
				"nothing was changed (%s) (a temporary failure: try again later)\n",
				what, cfg->state_dir, pb_state_errmsg(st));
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "paperboy: %s: %s\n", what, pb_state_errmsg(st));
	return EX_IOERR;
}

struct pb_state *
pb_cli_open_state_mode(const struct pb_config *cfg, enum pb_state_mode mode)
{
	struct pb_state *st;

	pb_cli_open_state_rc(cfg, mode, &st);
	return st;
}

int
pb_cli_state_exists(const struct pb_config *cfg)
{
	struct pb_buf path = { 0 };
	struct stat sb;
	int there;

	if (on_pg(cfg))
		return 1;
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	there = stat(path.data, &sb) == 0;
	pb_buf_free(&path);
	return there;
}

const char *
pb_cli_state_where(const struct pb_config *cfg, char *buf, size_t n)
{
	char where[256];

	if (on_pg(cfg)) {
		pb_state_conninfo_describe(cfg->state_conninfo_secret ? cfg->state_conninfo_secret :
					cfg->state_conninfo, where, sizeof where);
		snprintf(buf, n, "PostgreSQL at %s", where);
	} else {
		snprintf(buf, n, "%s/paperboy.db", cfg->state_dir);
	}
	return buf;
}

struct pb_state *
pb_cli_open_state_if_any(const struct pb_config *cfg)
{
	return pb_cli_state_exists(cfg) ? pb_cli_open_state_mode(cfg, PB_STATE_READ) : NULL;
}

/* Puts a rule error in the config's FILE:LINE: KEY: form. The matcher names the subscriber
 * and topic ("subscriber S, topic T, column C: ..."); find that topic to point at its line. */
void
pb_cli_rule_error(struct pb_buf *out, const struct pb_config *cfg, const char *msg)
{
	struct pb_buf pre = { 0 };

	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		const struct pb_subscriber *s = &cfg->subscribers[i];

		for (size_t j = 0; j < s->n_topics; j++) {
			const char *key = "query", *after;

			pb_buf_reset(&pre);
			pb_buf_printf(&pre, "subscriber %s, topic ", s->name);
			pb_esc_term(&pre, s->topics[j].name);   /* as the matcher says it */
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
pb_cli_verify_config(const struct pb_config *cfg, struct pb_buf *report, size_t *n_warn,
		     char *err, size_t errlen)
{
	struct pb_matcher *m;
	struct pb_buf out = { 0 };
	char msg[2048];
	size_t n_err;
	int rc = -1;

	/* Every rule of every subscriber parses (all errors are listed), ... */
	if (report) {
		n_err = pb_config_check_rules(cfg, "paperboy: ", report, n_warn);
		if (n_err) {
			pb_buf_printf(&out, "%zu error%s in the rules", n_err, n_err == 1 ? "" : "s");
			goto out;
		}
	} else if (pb_config_check_rules(cfg, "", &out, n_warn) > 0) {
		goto out;
	}
	pb_buf_reset(&out);
	/* ... and compiles, as it will at run time. */
	m = pb_matcher_new(cfg, msg, sizeof msg);
	if (!m) {
		pb_cli_rule_error(&out, cfg, msg);
		goto out;
	}
	pb_matcher_free(m);
	/* The schedule can be computed in the timezone, as the daemon will. */
	if (pb_next_wakeup(cfg->timezone, cfg->schedule, cfg->n_schedule, pb_now(), msg,
			   sizeof msg) < 0) {
		pb_buf_printf(&out, "%s: schedule: %s", cfg->path, msg);
		goto out;
	}
	/* The model's prompts can be read: a run without them goes out without the model. */
	if (pb_summary_prompts_check(cfg, msg, sizeof msg) < 0) {
		pb_buf_printf(&out, "%s: summary.prompt_dir: %s", cfg->path, msg);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "%s", pb_buf_str(&out));
	pb_buf_free(&out);
	return rc;
}
