/* The config module's entry points: load, free, lookup, path choice, error text. */
#include <errno.h>
#include <libconfig.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "pb_paths.h"
#include "paperboy/buf.h"
#include "paperboy/cli.h"

int
pb_config_check_category(const char *v, char *msg, size_t n)
{
	return pb_check_category(v, msg, n);
}

int
pb_config_check_line(const char *v, char *msg, size_t n)
{
	return pb_check_line(v, msg, n);
}

static void
free_str(const struct pb_config *cfg, char *p)
{
	if (!pb_cfg_shared(cfg, p))
		free(p);
}

static void
free_list(const struct pb_config *cfg, char **l, size_t n)
{
	for (size_t i = 0; i < n && l; i++)
		free_str(cfg, l[i]);
	free(l);
}

/* Frees the strings and lists the key table stores in one group of the given scope, so a new
 * key is freed by its row alone. */
static void
free_keys(const struct pb_config *cfg, enum pb_kscope scope, void *base)
{
	for (size_t k = 0; k < pb_n_ckeys; k++) {
		const struct pb_ckey *key = &pb_ckeys[k];
		char *p = (char *)base;

		if (key->scope != scope)
			continue;
		switch (key->type) {
		case KT_STR:
		case KT_SECRET:
		case KT_CHAT:
			free_str(cfg, *(char **)(p + key->off));
			break;
		case KT_LIST:
			free_list(cfg, *(char ***)(p + key->off), *(size_t *)(p + key->off_n));
			break;
		default:
			break;
		}
	}
}

void
pb_cfg_free_subscriber(const struct pb_config *cfg, struct pb_subscriber *s)
{
	free_keys(cfg, KS_SUB, s);
	free(s->exclude_lines);
	for (char **f = s->formats; f && *f; f++)
		free(*f);
	free(s->formats);
	for (size_t i = 0; i < s->n_topics && s->topics; i++) {
		free_keys(cfg, KS_TOPIC, &s->topics[i]);
		free(s->topics[i].exclude_lines);
	}
	free(s->topics);
	free_str(cfg, s->file);
}

void
pb_config_free(struct pb_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->share) {
		pb_cfg_share_release(cfg);
		return;
	}
	free(cfg->path);
	free_keys(cfg, KS_ROOT, cfg);
	for (size_t i = 0; i < cfg->n_subscribers && cfg->subscribers; i++)
		pb_cfg_free_subscriber(cfg, &cfg->subscribers[i]);
	free(cfg->subscribers);
	for (size_t i = 0; i < cfg->n_left_out; i++)
		free(cfg->left_out[i]);
	free(cfg->left_out);
	pb_cfg_names_free(cfg->names);
	pb_cfg_strings_free(cfg->strings);
	free(cfg);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return pb_xstrdup(".");
	if (slash == path)
		return pb_xstrdup("/");
	return pb_xstrndup(path, (size_t)(slash - path));
}

/* libconfig says only "cannot open include file"; name the file from the @include line. */
static void
describe_include(const char *file, int line, char *out, size_t n)
{
	char text[1024], *q, *e;
	FILE *f = fopen(file, "r");
	int cur = 1;

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(text, sizeof text, f)) {
		if (cur == line && (q = strstr(text, "@include")) && (q = strchr(q, '"')) &&
		    (e = strchr(q + 1, '"'))) {
			snprintf(out, n, " \"%.*s\"", (int)(e - q - 1), q + 1);
			break;
		}
		if (strchr(text, '\n'))
			cur++;
	}
	fclose(f);
}

/* libconfig (1.5, Debian 12's) puts the include directory before every @include path, one
 * starting with '/' too: "/etc/paperboy/a.conf" is looked for as "DIR//etc/paperboy/a.conf",
 * though the file is there. Says so, and how to write the path so that it is found. abs is
 * the path as written, up to its closing quote. */
static void
absolute_include(struct pb_buf *b, const char *confdir, const char *abs)
{
	char *dir = realpath(confdir, NULL);
	size_t n = strcspn(abs, "\"");

	pb_buf_printf(b, ": an @include path is taken relative to the directory of the main "
		      "config file (%s), one starting with / too", dir ? dir : confdir);
	if (dir) {
		pb_buf_puts(b, "; write \"");
		for (const char *p = dir; *p; p++)
			if (*p == '/' && p[1] && p[1] != '/')
				pb_buf_puts(b, "../");
		pb_buf_printf(b, "%.*s\"", (int)(n - 1), abs + 1);
	}
	free(dir);
}

/* Appends line `no` of text (1-based), trimmed and cut, in backquotes. */
static void
quote_line(struct pb_buf *b, const char *text, int no)
{
	const char *p = text;
	size_t n;

	for (int l = 1; l < no && p; l++)
		if ((p = strchr(p, '\n')))
			p++;
	if (!p)
		return;
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	pb_buf_printf(b, "line %d: `%.*s%s`", no, (int)(n > 100 ? 100 : n), p, n > 100 ? "..." : "");
}

/* libconfig says only "syntax error" at the line where it gave up, often lines after the
 * mistake. Reads the file up to that line as libconfig would (strings, comments) and says
 * where the mistake likely started: a string left open (it runs on over the lines below),
 * or two values without the ',' between them. */
static void
syntax_hint(const char *file, int errline, struct pb_buf *out)
{
	char *text = NULL;
	size_t len = 0;
	char err[256], prev = 0, first = 0;
	int line = 1, prev_line = 0, str_line = 0, open_from = 0;
	enum { NORMAL, STRING, LINE_COMMENT, BLOCK_COMMENT } st = NORMAL;

	if (pb_read_file(file, &text, &len, err, sizeof err) < 0)
		return;
	for (size_t i = 0; i < len && line <= errline; i++) {
		char c = text[i];

		if (c == '\n') {
			line++;
			if (st == LINE_COMMENT)
				st = NORMAL;
			continue;
		}
		switch (st) {
		case STRING:
			if (c == '\\' && i + 1 < len && text[i + 1] != '\n')
				i++;
			else if (c == '"') {
				st = NORMAL;
				/* a string over several lines: legal, and the usual sign of a lost quote */
				if (line > str_line && line >= errline - 1 && !open_from)
					open_from = str_line;
				prev = '"';
				prev_line = line;
			}
			continue;
		case LINE_COMMENT:
			continue;
		case BLOCK_COMMENT:
			if (c == '*' && i + 1 < len && text[i + 1] == '/') {
				st = NORMAL;
				i++;
			}
			continue;
		case NORMAL:
			break;
		}
		if (c == '#' || (c == '/' && i + 1 < len && text[i + 1] == '/')) {
			st = LINE_COMMENT;
			continue;
		}
		if (c == '/' && i + 1 < len && text[i + 1] == '*') {
			st = BLOCK_COMMENT;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (line == errline && !first)
			first = c;
		if (c == '"') {
			st = STRING;
			str_line = line;
			if (line == errline)
				break;
			continue;
		}
		if (line < errline) {
			prev = c;
			prev_line = line;
		}
	}
	if (st == STRING && str_line < errline)
		open_from = str_line;
	if (open_from) {
		pb_buf_printf(out, "; a string opened on line %d runs on to line %d: a missing '\"'? ",
			      open_from, errline);
		quote_line(out, text, open_from);
		pb_buf_puts(out, "; libconfig gave up at ");
		quote_line(out, text, errline);
	} else if (prev_line && strchr("})]\"", prev) && first && strchr("{([\"", first)) {
		pb_buf_printf(out, "; two values without ',' between them? after ");
		quote_line(out, text, prev_line);
		pb_buf_puts(out, ", before ");
		quote_line(out, text, errline);
	} else {
		pb_buf_puts(out, "; ");
		quote_line(out, text, errline);
	}
	free(text);
}

static int
parse_error(struct pb_load *L, config_t *lc)
{
	const char *f = config_error_file(lc), *text = config_error_text(lc);
	char *file = f ? pb_cfg_path_join(strcmp(f, L->path) == 0 ? NULL : L->confdir, f)
		       : pb_xstrdup(L->path);
	char inc[300] = "";
	struct pb_buf msg = { 0 };

	L->err->line = config_error_line(lc);
	snprintf(L->err->file, sizeof L->err->file, "%s", file);
	L->err->key[0] = '\0';
	if (text && strstr(text, "include file"))
		describe_include(file, L->err->line, inc, sizeof inc);
	pb_buf_printf(&msg, "%s%s", text ? text : "cannot be parsed", inc);
	if (strncmp(inc, " \"/", 3) == 0)
		absolute_include(&msg, L->confdir, inc + 2);
	else if (inc[0])
		pb_buf_puts(&msg, " (paths are relative to the directory of the main config file)");
	if (text && strcmp(text, "syntax error") == 0 && L->err->line > 0)
		syntax_hint(file, L->err->line, &msg);
	pb_cfg_escape(L->err->message, sizeof L->err->message, pb_buf_str(&msg));
	L->err->n_errors = 1;
	pb_buf_free(&msg);
	free(file);
	return -1;
}

/* PAPERBOY_ARXIV_RSS_URL and PAPERBOY_ARXIV_API_URL, when set, replace arxiv.rss_url and
 * arxiv.api_url: a mirror, or a local stand-in, without editing the file (paperboy(1)). */
static int
arxiv_url_from_env(struct pb_load *L, struct pb_config *cfg)
{
	static const struct { const char *var, *key; size_t off; } over[] = {
		{ "PAPERBOY_ARXIV_RSS_URL", "arxiv.rss_url", offsetof(struct pb_config, arxiv.rss_url) },
		{ "PAPERBOY_ARXIV_API_URL", "arxiv.api_url", offsetof(struct pb_config, arxiv.api_url) },
	};

	for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
		const char *v = getenv(over[i].var);
		char **slot = (char **)((char *)cfg + over[i].off);
		char msg[300];

		if (!v || !*v)
			continue;
		if (pb_check_http_url(v, msg, sizeof msg) < 0) {
			char where[64];

			snprintf(where, sizeof where, "from the environment (%s)", over[i].var);
			return pb_cfg_fail_at(L, where, 0, over[i].key, "%s", msg);
		}
		free_str(cfg, *slot);   /* the default is the config's shared copy */
		*slot = pb_xstrdup(v);
	}
	return 0;
}

struct pb_config *
pb_config_load(const char *path, struct pb_config_error *err)
{
	return pb_config_load_stored(path, NULL, 0, err);
}

struct pb_config *
pb_config_load_stored(const char *path, const char *const *stored, size_t n_stored,
		      struct pb_config_error *err)
{
	struct pb_load L = { 0 };
	struct pb_config *cfg = NULL;
	config_t lc;
	struct stat st;
	bool ok = false;

	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", path);
	if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
		snprintf(err->message, sizeof err->message, "cannot read the config file: %s",
			 strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err->message, sizeof err->message, "not a regular file");
		return NULL;
	}
	L.path = path;
	L.err = err;
	L.confdir = dir_of(path);
	L.root_seen = pb_xcalloc(pb_n_ckeys, sizeof *L.root_seen);
	config_init(&lc);
	config_set_include_dir(&lc, L.confdir);
	if (!config_read_file(&lc, path)) {
		parse_error(&L, &lc);
		goto out;
	}
	{
		char msg[400];

		if (pb_cfg_add_stored(config_root_setting(&lc), stored, n_stored, msg,
				      sizeof msg) < 0) {
			pb_cfg_fail_at(&L, path, 0, "subscribers", "%s", msg);
			goto out;
		}
	}
	cfg = pb_xcalloc(1, sizeof *cfg);
	cfg->path = pb_xstrdup(path);
	L.cfg = cfg;
	/* The walk reports every bad key; the cross checks need the values, so they wait. */
	if (pb_cfg_walk(&L, config_root_setting(&lc), KS_ROOT, cfg, "") < 0) {
		/* A topic's query is required only without likes: said here too, so a file
		 * with other mistakes still hears of every one. */
		for (size_t i = 0; i < cfg->n_subscribers; i++)
			pb_cfg_check_likes(&L, pb_cfg_sub_group(config_root_setting(&lc), i), i);
		goto out;
	}
	for (size_t i = cfg->n_subscribers - (n_stored <= cfg->n_subscribers ? n_stored : 0);
	     n_stored && i < cfg->n_subscribers; i++) {
		cfg->subscribers[i].file = pb_cfg_intern(cfg, "(stored)");
		cfg->subscribers[i].line = 0;
		cfg->subscribers[i].stored = true;
	}
	if (arxiv_url_from_env(&L, cfg) < 0)
		goto out;
	if (pb_cfg_cross_check(&L, config_root_setting(&lc)) < 0)
		goto out;
	if (pb_cfg_resolve_secrets(&L) < 0)
		goto out;
	pb_config_index_subscribers(cfg);
	ok = true;
out:
	pb_cfg_load_cleanup(&L);
	config_destroy(&lc);
	if (!ok) {
		pb_config_free(cfg);
		return NULL;
	}
	return cfg;
}

const char *
pb_config_default_path(const char *explicit_path)
{
	const char *e = getenv("PAPERBOY_CONFIG");

	if (explicit_path && *explicit_path)
		return explicit_path;
	if (e && *e)
		return e;
	if (access("paperboy.conf", F_OK) == 0)
		return "paperboy.conf";
	/* Where earlier releases looked, for a machine set up before the file moved. */
	if (access(PB_SYSCONFDIR "/paperboy/paperboy.conf", F_OK) != 0 &&
	    access("/etc/paperboy.conf", F_OK) == 0)
		return "/etc/paperboy.conf";
	return PB_SYSCONFDIR "/paperboy/paperboy.conf";
}

void
pb_config_error_format(const struct pb_config_error *err, char *buf, size_t n)
{
	struct pb_buf b = { 0 };

	if (!n)
		return;
	pb_buf_puts(&b, err->file[0] ? err->file : "(config)");
	if (err->line > 0)
		pb_buf_printf(&b, ":%d", err->line);
	if (err->key[0])
		pb_buf_printf(&b, ": %s", err->key);
	pb_buf_printf(&b, ": %s", err->message);
	pb_cfg_escape(buf, n, pb_buf_str(&b));
	pb_buf_free(&b);
}
