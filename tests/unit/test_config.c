/* Config loader: the shipped example loads; every kind of mistake is reported with the right
 * file, line, key and message; secrets are read from the environment or owner-only files and
 * never appear in an error. Each case writes its files to a fresh temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "paperboy/config.h"
#include "paperboy/log.h"
#include "../../src/config/internal.h"
#include "pb_paths.h"
#include "t.h"

#define SECRET "s3cr3t-Value-7f9c2a"
#define HEAD "arxiv = { categories = [\"cs.CV\"]; };\n"
#define TOPIC "topics = ( { name = \"t\"; query = \"ti:x\"; } );"

struct extra {
	const char *name;     /* relative to the case directory */
	const char *text;
	mode_t mode;
};

struct tcase {
	const char *what;
	const char *conf;              /* main.conf */
	struct extra extra[2];
	const char *want_file;         /* relative to the case directory; NULL = success */
	int want_line;
	const char *want_key;
	const char *want_msg;          /* a substring of the message */
};

static const struct tcase cases[] = {
	{ "minimal config loads", HEAD, { { 0 } }, NULL, 0, NULL, NULL },
	{ "unknown key, suggestion", HEAD "retention_dys = 3;\n", { { 0 } },
	  "main.conf", 2, "retention_dys", "unknown key; did you mean \"retention_days\"?" },
	{ "unknown key in a group", "arxiv = {\n  categories = [\"cs.CV\"];\n  page_sze = 5;\n};\n",
	  { { 0 } }, "main.conf", 3, "arxiv.page_sze", "did you mean \"arxiv.page_size\"?" },
	{ "right key in the wrong group", HEAD "page_size = 5;\n", { { 0 } },
	  "main.conf", 2, "page_size", "did you mean \"arxiv.page_size\"?" },
	{ "unknown key without a near one", HEAD "frobnicate = 1;\n", { { 0 } },
	  "main.conf", 2, "frobnicate", "unknown key" },
	{ "misspelt subscriber key", HEAD "subscribers = (\n { name = \"a\";\n   max_paper = 3;\n   "
	  TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[0].max_paper",
	  "subscriber a: unknown key; did you mean \"max_papers\"?" },
	{ "misspelt topic key", HEAD "subscribers = ( { name = \"a\";\n topics = ( { name = \"t\";\n"
	  " querry = \"x\"; } ); } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[0].topics.[0].querry",
	  "subscriber a, topic t: unknown key; did you mean \"query\"?" },
	{ "wrong type", HEAD "subscribers = ( { name = \"a\";\n max_papers = \"10\"; " TOPIC
	  " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].max_papers",
	  "subscriber a: expected an integer, got a string" },
	{ "a subscriber named after its key", HEAD "subscribers = (\n { max_papers = \"10\";\n"
	  " name = \"ann\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].max_papers",
	  "subscriber ann: expected an integer, got a string" },
	{ "a topic without a name: its subscriber's", HEAD "subscribers = ( { name = \"a\";\n"
	  " topics = ( { query = \"x\"; frob = 1; } ); } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].topics.[0].frob", "subscriber a: unknown key" },
	{ "a bad language, named and quoted as written", HEAD "subscribers = ( { name = \"a\";\n"
	  " language = \"EN_us\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].language",
	  "subscriber a: \"EN_us\" is not a language tag" },
	{ "wrong type for a group", HEAD "email = \"smtp://x\";\n", { { 0 } },
	  "main.conf", 2, "email", "expected a group" },
	{ "bool expected", HEAD "file = { enabled = 1; };\n", { { 0 } },
	  "main.conf", 2, "file.enabled", "expected true or false" },
	{ "a file mode the owner cannot write", HEAD "file = { mode = \"0444\"; };\n", { { 0 } },
	  "main.conf", 2, "file.mode", "\"0444\" is not a file mode" },
	{ "a file mode with a set-id bit", HEAD "file = { mode = \"4755\"; };\n", { { 0 } },
	  "main.conf", 2, "file.mode", "\"4755\" is not a file mode" },
	{ "out of range", "arxiv = { categories = [\"cs.CV\"];\n page_size = 2001; };\n", { { 0 } },
	  "main.conf", 2, "arxiv.page_size", "2001 is out of range (1 to 2000)" },
	{ "integer truncated by libconfig", HEAD "retention_days =\t4294967386;\n", { { 0 } },
	  "main.conf", 2, "retention_days", "4294967386 is out of range (1 to 36500)" },
	{ "integer truncated by libconfig to a value out of range", HEAD "retention_days = 4294967196;\n",
	  { { 0 } }, "main.conf", 2, "retention_days", "4294967196 is out of range (1 to 36500)" },
	{ "integer truncated by libconfig for a number key", HEAD "rank = { half_life_days = 4294967396; };\n",
	  { { 0 } }, "main.conf", 2, "rank.half_life_days", "4294967396 is out of range (1 to 36500)" },
	{ "same key name in two groups on one line", "arxiv = { categories = \"cs.CV\"; timeout = 7; };"
	  " summary = { timeout = 60; };\n", { { 0 } }, NULL, 0, NULL, NULL },
	{ "out of range double", HEAD "summary = { temperature = 3.5; };\n", { { 0 } },
	  "main.conf", 2, "summary.temperature", "out of range" },
	{ "missing required key", "state_dir = \"x\";\n", { { 0 } },
	  "main.conf", 0, "arxiv.categories", "missing (required)" },
	{ "empty categories", "arxiv = { categories = []; };\n", { { 0 } },
	  "main.conf", 1, "arxiv.categories", "may not be empty" },
	{ "bad category", "arxiv = { categories = [\"cs.CV\", \"CS CV\"]; };\n", { { 0 } },
	  "main.conf", 1, "arxiv.categories", "not an arXiv category" },
	{ "duplicate category", "arxiv = {\n categories = [\"cs.CV\", \"cs.RO\", \"cs.CV\"]; };\n",
	  { { 0 } }, "main.conf", 2, "arxiv.categories", "\"cs.CV\" is listed twice" },
	{ "prompt_dir missing", HEAD "summary = { base_url = \"http://127.0.0.1:1/v1\";\n"
	  " model = \"m\"; prompt_dir = \"nope\"; };\n", { { 0 } },
	  "main.conf", 3, "summary.prompt_dir", "is not a directory" },
	{ "bad schedule", HEAD "schedule = [\"08:30\",\n  \"8:3\"];\n", { { 0 } },
	  "main.conf", 3, "schedule", "\"8:3\" is not a time of day" },
	{ "a trusted proxy that is no address", HEAD "web = { trusted_proxies = [\"172.17.0.0/16\",\n"
	  " \"10.0.0.0/33\"]; };\n", { { 0 } },
	  "main.conf", 3, "web.trusted_proxies", "\"10.0.0.0/33\" is not an IP address or network" },
	{ "trusted proxies empty", HEAD "web = { trusted_proxies = []; };\n", { { 0 } },
	  "main.conf", 2, "web.trusted_proxies", "may not be empty" },
	{ "trusted proxies, IPv4 and IPv6", HEAD "web = { trusted_proxies = [\"172.17.0.0/16\","
	  " \"10.1.2.3\", \"fd00::/8\", \"::1\"]; };\n", { { 0 } }, NULL, 0, NULL, NULL },
	{ "bad schedule hour", HEAD "schedule = \"24:00\";\n", { { 0 } },
	  "main.conf", 2, "schedule", "is not a time of day" },
	{ "bad time zone", HEAD "timezone = \"Mars/Olympus\";\n", { { 0 } },
	  "main.conf", 2, "timezone", "unknown time zone \"Mars/Olympus\"" },
	{ "time zone escaping zoneinfo", HEAD "timezone = \"../../etc/passwd\";\n", { { 0 } },
	  "main.conf", 2, "timezone", "not a time zone name" },
	{ "bad holiday", HEAD "holidays = [\"2025-12-25\", \"2025-02-29\"];\n", { { 0 } },
	  "main.conf", 2, "holidays", "\"2025-02-29\" is not a date" },
	{ "impossible holiday", HEAD "holidays = [\"2024-02-29\", \"2024-02-30\"];\n", { { 0 } },
	  "main.conf", 2, "holidays", "\"2024-02-30\" is not a date" },
	{ "holiday before arXiv", HEAD "holidays = [\"1990-12-25\"];\n", { { 0 } },
	  "main.conf", 2, "holidays", "\"1990-12-25\" is not a date" },
	{ "url without scheme", HEAD "telegram = { api_url = \"api.telegram.org\"; };\n", { { 0 } },
	  "main.conf", 2, "telegram.api_url", "is not an http:// or https:// URL" },
	{ "bad log level", HEAD "log_level = \"loud\";\n", { { 0 } },
	  "main.conf", 2, "log_level", "not a log level" },
	{ "duplicate subscriber", HEAD "subscribers = (\n { name = \"a\"; " TOPIC " },\n"
	  " { name = \"a\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[1].name", "duplicate subscriber name \"a\"" },
	{ "earliest of several duplicates", HEAD "subscribers = (\n { name = \"b\"; " TOPIC " },\n"
	  " { name = \"a\"; " TOPIC " },\n { name = \"b\"; " TOPIC " },\n { name = \"a\"; " TOPIC
	  " },\n { name = \"b\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 5, "subscribers.[2].name", "duplicate subscriber name \"b\" (first at " },
	{ "names that differ only in case, with the file sink", HEAD "subscribers = (\n"
	  " { name = \"kit\"; " TOPIC " },\n { name = \"b\"; " TOPIC " },\n"
	  " { name = \"Kit\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 5, "subscribers.[2].name",
	  "subscriber name \"Kit\" differs from \"kit\" (at " },
	{ "a duplicate before a name in another case", HEAD "subscribers = (\n"
	  " { name = \"kit\"; " TOPIC " },\n { name = \"kit\"; " TOPIC " },\n"
	  " { name = \"Kit\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[1].name", "duplicate subscriber name \"kit\" (first at " },
	{ "names that differ only in case, the file sink off", HEAD "file = { enabled = false; };\n"
	  "subscribers = (\n { name = \"kit\"; " TOPIC " },\n { name = \"Kit\"; " TOPIC
	  " } );\n", { { 0 } }, "main.conf", 4, "subscribers.[0]", "has no channel" },
	{ "duplicate topic", HEAD "subscribers = ( { name = \"a\"; topics = (\n"
	  " { name = \"t\"; query = \"x\"; },\n { name = \"t\"; query = \"y\"; } ); } );\n",
	  { { 0 } }, "main.conf", 4, "subscribers.[0].topics.[1].name", "duplicate topic name" },
	{ "no channel without the file sink", HEAD "file = { enabled = false; };\n"
	  "subscribers = (\n { name = \"a\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[0]", "has no channel" },
	{ "an address with email turned off", HEAD "email = { enabled = false;\n"
	  " smtp_url = \"smtp://127.0.0.1:2525\"; from = \"d@example.org\"; };\n"
	  "subscribers = ( { name = \"a\";\n email = \"a@example.org\"; " TOPIC " } );\n",
	  { { 0 } }, "main.conf", 5, "subscribers.[0].email",
	  "subscriber a: email given but email.enabled is false" },
	{ "a thread without its chat, its subscriber named",
	  HEAD "subscribers = ( { name = \"ann\";\n"
	  " telegram_thread = 7; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].telegram_thread",
	  "subscriber ann: telegram_thread without telegram_chat" },
	{ "no topics", HEAD "subscribers = ( { name = \"a\";\n topics = (); } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].topics", "at least one is required" },
	{ "topics missing", HEAD "subscribers = (\n { name = \"a\"; } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].topics", "missing (required)" },
	{ "bad subscriber name", HEAD "subscribers = ( { name = \"../a\"; " TOPIC " } );\n",
	  { { 0 } }, "main.conf", 2, "subscribers.[0].name", "not a subscriber name" },
	{ "not an email address", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\"; "
	  "from = \"d@example.org\"; tls = \"none\"; };\nsubscribers = ( { name = \"a\";\n"
	  " email = [\"a@example.org\", \"bob at example\"]; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[0].email", "\"bob at example\" is not an email address" },
	{ "internationalised address", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\"; "
	  "from = \"d@example.org\"; tls = \"none\"; };\nsubscribers = ( { name = \"a\";\n"
	  " email = [\"j\xc3\xb6rg@m\xc3\xbcller.example\", \"\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.example\"]; "
	  TOPIC " } );\n", { { 0 } }, NULL, 0, NULL, NULL },
	{ "domain IDNA refuses", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\"; "
	  "from = \"d@example.org\"; tls = \"none\"; };\nsubscribers = ( { name = \"a\";\n"
	  " email = [\"ann@b\xc3\xbc" "cher.example\", \"bo@\xe2\x98\x83.example\"]; " TOPIC " } );\n",
	  { { 0 } }, "main.conf", 4, "subscribers.[0].email",
	  "\"bo@\xe2\x98\x83.example\": its domain is not a name IDNA can write in ASCII (" },
	{ "internationalised sender", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\"; "
	  "tls = \"none\";\n from = \"B\xc3\xbc\x63herei <news@b\xc3\xbc\x63her.example>\"; };\n",
	  { { 0 } }, NULL, 0, NULL, NULL },
	{ "sender domain IDNA refuses", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\"; "
	  "tls = \"none\";\n from = \"News <news@\xe2\x98\x83.example>\"; };\n",
	  { { 0 } }, "main.conf", 3, "email.from", "its domain is not a name IDNA can write" },
	{ "address not UTF-8", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\"; "
	  "from = \"d@example.org\"; tls = \"none\"; };\nsubscribers = ( { name = \"a\";\n"
	  " email = [\"j\xf6rg@example.org\"]; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[0].email", "is not an email address" },
	{ "email without smtp", HEAD "subscribers = ( { name = \"a\";\n email = \"a@example.org\"; "
	  TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].email", "email.smtp_url is not set" },
	{ "bad from", HEAD "email = { smtp_url = \"smtp://127.0.0.1:25\";\n from = \"digest\"; };\n",
	  { { 0 } }, "main.conf", 3, "email.from", "not a mailbox" },
	{ "smtps with starttls", HEAD "email = { smtp_url = \"smtps://127.0.0.1:465\";\n"
	  " from = \"d@example.org\";\n tls = \"starttls\"; };\n", { { 0 } },
	  "main.conf", 4, "email.tls", "implicit TLS" },
	{ "telegram chat without token", HEAD "subscribers = ( { name = \"a\";\n"
	  " telegram_chat = 12345; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].telegram_chat", "telegram.token is not set (as _env or _file)" },
	{ "telegram chat truncated by libconfig", HEAD "telegram = { token_env = \"PB_T_SECRET\"; };\n"
	  "subscribers = ( { name = \"a\";\n telegram_chat = -1001234567890; " TOPIC " } );\n",
	  { { 0 } }, "main.conf", 4, "subscribers.[0].telegram_chat", "L suffix" },
	{ "bad telegram chat", HEAD "telegram = { token_env = \"PB_T_SECRET\"; };\n"
	  "subscribers = ( { name = \"a\";\n telegram_chat = \"12ab\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 4, "subscribers.[0].telegram_chat", "not a Telegram chat id" },
	{ "fast polling of arXiv refused", "arxiv = { categories = [\"cs.CV\"];\n"
	  " request_interval_ms = 100; };\n", { { 0 } },
	  "main.conf", 2, "arxiv.request_interval_ms", "below 3000" },
	{ "summary on without model", HEAD "summary = {\n base_url = \"http://127.0.0.1:1/v1\"; };\n",
	  { { 0 } }, "main.conf", 2, "summary.model", "required when summary is enabled" },
	{ "inline secret refused", HEAD "email = {\n password = \"" SECRET "\"; };\n", { { 0 } },
	  "main.conf", 3, "email.password", "secrets are not written in the config" },
	{ "both env and file", HEAD "telegram = { token_env = \"A\";\n token_file = \"f\"; };\n",
	  { { 0 } }, "main.conf", 3, "telegram.token_file", "not both" },
	{ "missing env secret", HEAD "subscribers = ( { name = \"a\";\n"
	  " slack_webhook_env = \"PB_T_UNSET_VAR\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].slack_webhook_env",
	  "environment variable PB_T_UNSET_VAR is not set" },
	{ "env secret not needed when off", HEAD "summary = { enabled = false; base_url = "
	  "\"https://api.example.org/v1\"; model = \"m\"; api_key_env = \"PB_T_UNSET_VAR\"; };\n",
	  { { 0 } }, NULL, 0, NULL, NULL },
	{ "secret file mode 0644 refused", HEAD "subscribers = ( { name = \"a\";\n"
	  " slack_webhook_file = \"hook\"; " TOPIC " } );\n",
	  { { "hook", "https://hooks.example.org/" SECRET "\n", 0644 } },
	  "main.conf", 3, "subscribers.[0].slack_webhook_file", "mode 0644" },
	{ "secret file missing", HEAD "subscribers = ( { name = \"a\";\n"
	  " slack_webhook_file = \"nohook\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].slack_webhook_file", "cannot open the secret file" },
	{ "secret written as a variable name", HEAD "subscribers = ( { name = \"a\";\n"
	  " slack_webhook_env = \"https://hooks.example.org/" SECRET "\"; " TOPIC " } );\n",
	  { { 0 } }, "main.conf", 3, "subscribers.[0].slack_webhook_env",
	  "not an environment variable name" },
	{ "secret written as a file name", HEAD "subscribers = ( { name = \"a\";\n"
	  " slack_webhook_file = \"" SECRET "\"; " TOPIC " } );\n", { { 0 } },
	  "main.conf", 3, "subscribers.[0].slack_webhook_file", "cannot open the secret file" },
	{ "ca_file relative to the config", HEAD "ca_file = \"ca.pem\";\n",
	  { { "ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644 } }, NULL, 0, NULL, NULL },
	{ "ca_file missing", HEAD "ca_file = \"none.pem\";\n", { { 0 } },
	  "main.conf", 2, "ca_file", "is not a readable file" },
	{ "secret that is not a webhook", HEAD "subscribers = ( { name = \"a\";\n"
	  " slack_webhook_file = \"hook\"; " TOPIC " } );\n", { { "hook", SECRET "\n", 0600 } },
	  "main.conf", 3, "subscribers.[0].slack_webhook_file", "not an http(s) URL" },
	{ "include of a missing file", HEAD "subscribers = (\n@include \"conf.d/none.conf\"\n);\n",
	  { { 0 } }, "main.conf", 3, "", "cannot open include file \"conf.d/none.conf\"" },
	{ "error inside an included file", HEAD "subscribers = (\n@include \"conf.d/a.conf\"\n);\n",
	  { { "conf.d/a.conf", "# alice\n{\n  name = \"alice\";\n  langauge = \"en\";\n  " TOPIC
	      "\n}\n", 0644 } },
	  "conf.d/a.conf", 4, "subscribers.[0].langauge", "did you mean \"language\"?" },
	{ "syntax error", HEAD "state_dir = \"x\";\ntimezone = ;\n", { { 0 } },
	  "main.conf", 3, "", "syntax error" },
	{ "syntax error in an included file", HEAD "subscribers = (\n@include \"conf.d/b.conf\"\n);\n",
	  { { "conf.d/b.conf", "{\n  name = ;\n}\n", 0644 } }, "conf.d/b.conf", 2, "", "syntax error" },
	{ "duplicate key (libconfig)", HEAD "timezone = \"UTC\";\ntimezone = \"UTC\";\n", { { 0 } },
	  "main.conf", 3, "", "duplicate setting name" },
};

static void
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[512], sub[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(sub, sizeof sub, "%s", path);
	*strrchr(sub, '/') = '\0';
	mkdir(sub, 0700);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	chmod(path, mode);
}

static void
rm_tree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
run_case(const struct tcase *c)
{
	char dir[] = "/tmp/pb-test-config-XXXXXX", path[256], want[512], text[1200];
	struct pb_config_error err;
	struct pb_config *cfg;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	write_file(dir, "main.conf", c->conf, 0644);
	for (int i = 0; i < 2 && c->extra[i].name; i++)
		write_file(dir, c->extra[i].name, c->extra[i].text, c->extra[i].mode);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	cfg = pb_config_load(path, &err);
	if (!c->want_file) {
		if (!cfg) {
			pb_config_error_format(&err, text, sizeof text);
			fprintf(stderr, "case \"%s\": unexpected error: %s\n", c->what, text);
		}
		T_CHECK(cfg != NULL);
	} else {
		T_CHECK(cfg == NULL);
		snprintf(want, sizeof want, "%s/%s", dir, c->want_file);
		pb_config_error_format(&err, text, sizeof text);
		if (strcmp(err.file, want) || err.line != c->want_line || strcmp(err.key, c->want_key) ||
		    !strstr(err.message, c->want_msg) || strstr(text, SECRET))
			fprintf(stderr, "case \"%s\":\n  got  %s\n  want %s:%d: %s: ...%s...\n", c->what,
				text, want, c->want_line, c->want_key, c->want_msg);
		T_EQ_STR(err.file, want);
		T_EQ_INT(err.line, c->want_line);
		T_EQ_STR(err.key, c->want_key);
		T_CHECK(strstr(err.message, c->want_msg) != NULL);
		T_CHECK(strstr(text, SECRET) == NULL);   /* never the secret */
	}
	pb_config_free(cfg);
	rm_tree(dir);
}

static struct pb_config *
load_text(const char *conf, const struct extra *extra, char *dir, struct pb_config_error *err)
{
	char path[256];

	strcpy(dir, "/tmp/pb-test-config-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	write_file(dir, "main.conf", conf, 0644);
	for (; extra && extra->name; extra++)
		write_file(dir, extra->name, extra->text, extra->mode);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	return pb_config_load(path, err);
}

/* The shipped example: loads without any environment, defaults and the @include file. */
static void
test_example(void)
{
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load("conf/paperboy.conf.example", &err);
	const struct pb_subscriber *s;
	char msg[1200];

	if (!cfg) {
		pb_config_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "example: %s\n", msg);
	}
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_INT(cfg->n_subscribers, 3);
	T_EQ_STR(cfg->arxiv.rss_url, "https://rss.arxiv.org/rss");
	T_EQ_STR(cfg->arxiv.api_url, "https://export.arxiv.org/api/query");
	T_EQ_INT(cfg->arxiv.request_interval_ms, 3000);
	T_CHECK(!cfg->summary.enabled);
	T_CHECK(cfg->summary.api_key == NULL);
	T_CHECK(!cfg->email.enabled);
	T_CHECK(cfg->email.password == NULL);
	T_CHECK(cfg->telegram.token == NULL);
	T_CHECK(cfg->file.enabled);
	T_EQ_STR(cfg->file.dir, "out");
	s = pb_config_subscriber(cfg, "alice");
	T_CHECK(s != NULL);
	if (s) {
		T_CHECK(strstr(s->file, "conf.d/alice.conf.example") != NULL);
		T_CHECK(s->line > 0);
		T_EQ_INT(s->max_papers, 5);
		T_EQ_INT(s->n_topics, 2);
		T_EQ_INT(s->topics[0].include_cross, PB_YES);
		T_EQ_INT(s->topics[1].include_cross, PB_INHERIT);
	}
	s = pb_config_subscriber(cfg, "lab");
	T_CHECK(s && s->n_topics == 2 && s->topics[1].include_replace == PB_YES);
	T_CHECK(pb_config_subscriber(cfg, "nobody") == NULL);
	pb_config_free(cfg);
}

/* A mistyped name is answered with the nearest subscriber's: a slip of case, a swap or a
 * letter too many; a name far from every one, or one that is a subscriber, gets none. */
static void
test_closest_subscriber(void)
{
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load("conf/paperboy.conf.example", &err);
	char near[80];

	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_STR(pb_config_closest_subscriber(cfg, "alcie", near, sizeof near), "alice");
	T_EQ_STR(pb_config_closest_subscriber(cfg, "LAB", near, sizeof near), "lab");
	T_EQ_STR(pb_config_closest_subscriber(cfg, "labs", near, sizeof near), "lab");
	T_CHECK(pb_config_closest_subscriber(cfg, "lab", near, sizeof near) == NULL);
	T_CHECK(pb_config_closest_subscriber(cfg, "nobody", near, sizeof near) == NULL);
	T_CHECK(pb_config_closest_subscriber(cfg, "", near, sizeof near) == NULL);
	pb_config_free(cfg);
}

static void
test_defaults(void)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	char dir[64];

	cfg = load_text(HEAD "subscribers = ( { name = \"a\"; topics = ( { name = \"t\"; query = "
			"\"x\"; include_replace = false; exclude = \"ti:survey\"; } ); } );\n",
			NULL, dir, &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		const struct pb_subscriber *s = &cfg->subscribers[0];

		T_EQ_STR(cfg->state_dir, "/var/lib/paperboy");
		T_EQ_STR(cfg->timezone, "UTC");
		T_EQ_INT(cfg->n_schedule, 1);
		T_EQ_STR(cfg->log_level, "info");
		T_EQ_INT(cfg->retention_days, 90);
		T_EQ_INT(cfg->catchup_days, 7);
		T_EQ_INT(cfg->n_holidays, 0);
		T_CHECK(cfg->ca_file == NULL);
		T_EQ_INT(cfg->arxiv.timeout_s, 60);
		T_EQ_INT(cfg->arxiv.max_retries, 5);
		T_EQ_INT(cfg->arxiv.idlist_batch, 100);
		T_EQ_INT(cfg->arxiv.page_size, 1000);
		T_CHECK(cfg->arxiv.fill_metadata);
		T_EQ_INT(cfg->arxiv.stale_deadline_min, 120);
		T_CHECK(cfg->summary.temperature > 0.19 && cfg->summary.temperature < 0.21);
		T_EQ_INT(cfg->summary.max_tokens, 1024);
		T_EQ_INT(cfg->summary.deadline_s, 600);
		T_CHECK(cfg->summary.analysis);
		T_EQ_STR(cfg->summary.prompt_dir, PB_SYSCONFDIR "/paperboy/prompts");
		T_EQ_STR(cfg->email.tls, "starttls");
		T_EQ_STR(cfg->telegram.api_url, "https://api.telegram.org");
		T_EQ_INT(cfg->delivery.max_total, 16);
		T_EQ_INT(cfg->delivery.max_per_host, 4);
		T_EQ_INT(cfg->delivery.lifetime_h, 24);
		T_EQ_INT(cfg->delivery.max_attempts, 8);
		T_EQ_INT(cfg->delivery.retry_base_s, 30);
		T_EQ_INT(cfg->delivery.telegram_group_per_min, 20);
		T_EQ_STR(s->language, "en");
		T_EQ_INT(s->max_papers, 10);
		T_CHECK(s->include_cross);
		T_CHECK(!s->include_replace);
		T_CHECK(!s->send_updates && !s->notify_empty);
		T_EQ_INT(s->topics[0].include_cross, PB_INHERIT);
		T_EQ_INT(s->topics[0].include_replace, PB_NO);
		T_EQ_INT(s->topics[0].n_exclude, 1);
		T_EQ_STR(s->topics[0].exclude[0], "ti:survey");
	}
	pb_config_free(cfg);
	rm_tree(dir);
}

/* Secrets: env and owner-only file, trimmed, only when the section is in use. */
static void
test_secrets(void)
{
	static const struct extra files[] = {
		{ "secrets/hook", "https://hooks.example.org/" SECRET "\r\n", 0600 },
		{ "secrets/key", SECRET "\n", 0600 },
		{ 0 },
	};
	struct pb_config_error err;
	struct pb_config *cfg;
	char dir[64];

	setenv("PB_T_SECRET", SECRET, 1);
	cfg = load_text(HEAD
			"email = { smtp_url = \"smtps://127.0.0.1:4650\"; username = \"u\";\n"
			"  password_env = \"PB_T_SECRET\"; from = \"D <d@example.org>\"; };\n"
			"summary = { base_url = \"http://127.0.0.1:9/v1\"; model = \"m\";\n"
			"  api_key_file = \"secrets/key\"; };\n"
			"telegram = { token_env = \"PB_T_SECRET\"; };\n"
			"subscribers = ( { name = \"a\"; email = \"a@example.org\";\n"
			"  slack_webhook_file = \"secrets/hook\"; telegram_chat = -1001234567890L;\n"
			"  telegram_thread = 7; " TOPIC " } );\n", files, dir, &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_CHECK(cfg->email.enabled && cfg->summary.enabled);
		T_EQ_STR(cfg->email.tls, "implicit");
		T_EQ_STR(cfg->email.password, SECRET);
		T_EQ_STR(cfg->summary.api_key, SECRET);
		T_EQ_STR(cfg->telegram.token, SECRET);
		T_EQ_STR(cfg->subscribers[0].slack_webhook, "https://hooks.example.org/" SECRET);
		T_EQ_STR(cfg->subscribers[0].telegram_chat, "-1001234567890");
		T_EQ_INT(cfg->subscribers[0].telegram_thread, 7);
	}
	pb_config_free(cfg);
	rm_tree(dir);

	/* Every loaded secret is masked in the log. */
	{
		char logpath[] = "/tmp/pb-test-config-log-XXXXXX", line[512] = "";
		int fd = mkstemp(logpath), saved = dup(2);
		FILE *f;

		T_CHECK(fd >= 0 && saved >= 0);
		pb_log_setup(PB_LOG_INFO, 0);
		fflush(stderr);
		dup2(fd, 2);
		pb_info("test_secret", "hook=%s", "https://hooks.example.org/" SECRET);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		close(fd);
		f = fopen(logpath, "r");
		if (f) {
			if (!fgets(line, sizeof line, f))
				line[0] = '\0';
			fclose(f);
		}
		unlink(logpath);
		T_CHECK(strstr(line, "event=test_secret") != NULL);
		T_CHECK(strstr(line, SECRET) == NULL);
	}

	/* An empty variable is refused, by name. */
	setenv("PB_T_EMPTY", "", 1);
	cfg = load_text(HEAD "telegram = { token_env = \"PB_T_EMPTY\"; };\n"
			"subscribers = ( { name = \"a\"; telegram_chat = \"@chan_name\"; " TOPIC " } );\n",
			NULL, dir, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "PB_T_EMPTY is empty") != NULL);
	rm_tree(dir);
}

static void
test_api(void)
{
	struct pb_config_error err = { .file = "a.conf", .line = 3, .key = "k", .message = "m" };
	char buf[64];

	pb_config_error_format(&err, buf, sizeof buf);
	T_EQ_STR(buf, "a.conf:3: k: m");
	err.line = 0;
	err.key[0] = '\0';
	pb_config_error_format(&err, buf, sizeof buf);
	T_EQ_STR(buf, "a.conf: m");
	T_EQ_STR(pb_config_default_path("x.conf"), "x.conf");
	setenv("PAPERBOY_CONFIG", "/tmp/env.conf", 1);
	T_EQ_STR(pb_config_default_path(NULL), "/tmp/env.conf");
	unsetenv("PAPERBOY_CONFIG");
	T_CHECK(strcmp(pb_config_default_path(NULL), PB_SYSCONFDIR "/paperboy/paperboy.conf") == 0 ||
		access("paperboy.conf", F_OK) == 0 || access("/etc/paperboy.conf", F_OK) == 0);
	T_CHECK(pb_config_load("/nonexistent/paperboy.conf", &err) == NULL);
	T_CHECK(strstr(err.message, "cannot read") != NULL);
	pb_config_free(NULL);
}

/* Whether key (a leaf such as "page_size", or "slack_webhook_env") is among the keys a line of
 * paperboy.conf(5) introduces: the line after a ".TP", as ".BR page_size \" (integer ...)\"" or
 * ".BR include_cross \", \" include_replace ...". */
static int
man_item(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; (p = strstr(p, "\n.TP\n")) != NULL; p++) {
		const char *h = p + 5, *end = strchr(h, '\n');

		if (!end)
			break;
		for (const char *w = h; (w = strstr(w, key)) != NULL && w < end; w += kl)
			if ((w[-1] == ' ' || w[-1] == '"') &&
			    (w[kl] == ' ' || w[kl] == '"' || w[kl] == '\n'))
				return 1;
	}
	return 0;
}

/* Every key in the table is documented in the example and in paperboy.conf(5), where each has
 * an item of its own (a heading after ".TP": without it, man runs the key into the paragraph
 * before). The documents hold no control character, which groff prints as it is. */
static void
test_documented(void)
{
	static const char *docs[] = { "conf/paperboy.conf.example", "man/paperboy.conf.5",
				      "man/paperboy.1", "README.md" };
	char key[128];

	for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
		FILE *f = fopen(docs[d], "r");
		char *text = calloc(1, 1 << 20);
		size_t n = f ? fread(text, 1, (1 << 20) - 1, f) : 0;
		int man5 = strcmp(docs[d], "man/paperboy.conf.5") == 0;

		T_CHECK(n > 0);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)text[i] < 0x20 && text[i] != '\n' && text[i] != '\t') {
				fprintf(stderr, "%s: byte %zu is the control character 0x%02x\n",
					docs[d], i, (unsigned)text[i]);
				T_CHECK(0);
				break;
			}
		for (size_t i = 0; d < 2 && pb_config_key(i, key, sizeof key) == 0; i++) {
			const char *leaf = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;
			const struct pb_ckey *k = &pb_ckeys[i];
			char env[160];

			if (!strstr(text, leaf)) {
				fprintf(stderr, "%s does not mention %s\n", docs[d], key);
				T_CHECK(0);
			}
			if (!man5 || k->type == KT_GROUP || k->type == KT_SUBSCRIBERS)
				continue;
			snprintf(env, sizeof env, "%s_env", leaf);
			/* a secret is headed KEY_env, or is told of in KEY's item (state.conninfo) */
			if (!man_item(text, leaf) && !(k->type == KT_SECRET && man_item(text, env))) {
				fprintf(stderr, "%s has no item (.TP) for %s\n", docs[d], key);
				T_CHECK(0);
			}
		}
		if (f)
			fclose(f);
		free(text);
	}
}

/* A subscriber's key errors name it when its name is one; a bad name is not repeated (its own
 * error says it), and a stored subscriber's are named by what loads it. */
static void
test_named(void)
{
	char dir[64];
	struct pb_config_error err;
	struct pb_config *cfg;
	const char *stored[] = { "{\"name\": \"sam\", \"max_papers\": \"x\", \"topics\": "
				 "[{\"name\": \"t\", \"query\": \"ti:x\"}]}" };

	cfg = load_text(HEAD "subscribers = ( { name = \"bad name\"; max_papers = \"x\"; "
			TOPIC " } );\n", NULL, dir, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.more, "subscribers.[0].max_papers: expected an integer") != NULL);
	T_CHECK(strstr(err.message, "subscriber bad name:") == NULL &&
		strstr(err.more, "subscriber bad name:") == NULL);
	rm_tree(dir);
	cfg = load_text(HEAD "file = { enabled = true; };\n", NULL, dir, &err);
	T_CHECK(cfg != NULL);
	pb_config_free(cfg);
	{
		char path[128];

		snprintf(path, sizeof path, "%s/main.conf", dir);
		cfg = pb_config_load_stored(path, stored, 1, &err);
	}
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "expected an integer") != NULL);
	T_CHECK(strstr(err.message, "subscriber sam") == NULL);
	rm_tree(dir);
}

/* Language tags are read whatever their case (BCP 47) and kept as the code compares them. */
static void
test_language_case(void)
{
	static const struct {
		const char *written, *kept;
	} tags[] = {
		{ "EN", "en" }, { "de-at", "de-AT" }, { "DE-at", "de-AT" }, { "ZH-HANS", "zh-Hans" },
		{ "pt-br", "pt-BR" }, { "zh-cn", "zh-CN" }, { "sr-latn-rs", "sr-Latn-RS" },
		{ "es-419", "es-419" }, { "de-CH-1996", "de-CH-1996" }, { "xx", "xx" },
	};
	char conf[512], dir[64], msg[200];
	struct pb_config_error err;
	struct pb_config *cfg;

	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		cJSON *obj = cJSON_CreateObject();
		const cJSON *lang;

		snprintf(conf, sizeof conf, HEAD "file = { enabled = true; };\nsubscribers = ( "
			 "{ name = \"a\"; language = \"%s\"; " TOPIC " } );\n", tags[i].written);
		cfg = load_text(conf, NULL, dir, &err);
		T_CHECK(cfg != NULL);
		if (cfg)
			T_EQ_STR(cfg->subscribers[0].language, tags[i].kept);
		pb_config_free(cfg);
		rm_tree(dir);
		/* subscriber add --language, --set language=, the web form: the row holds it so */
		T_EQ_INT(pb_config_stored_set(obj, "language", tags[i].written, msg, sizeof msg), 0);
		lang = cJSON_GetObjectItemCaseSensitive(obj, "language");
		T_CHECK(cJSON_IsString(lang));
		if (cJSON_IsString(lang))
			T_EQ_STR(lang->valuestring, tags[i].kept);
		cJSON_Delete(obj);
	}
}

int
main(void)
{
	unsetenv("PB_T_UNSET_VAR");
	setenv("PB_T_SECRET", SECRET, 1);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	test_example();
	test_closest_subscriber();
	test_defaults();
	test_secrets();
	test_api();
	test_documented();
	test_named();
	test_language_case();
	return t_done("test_config");
}
