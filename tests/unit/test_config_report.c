/* What the config loader and the rule checks tell a person: every error (not only the first),
 * control characters escaped, the nearest key and category suggested, where a syntax error
 * likely started; and the warnings of pb_config_check_rules (unknown categories, lowercase
 * operators, rules that only cross-lists or nothing can match). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/config.h"
#include "t.h"

static char path[64];

const char *__lsan_default_suppressions(void);

/* libconfig 1.5 leaks the string token a syntax error discards (hyperrealm/libconfig#142; see
 * fuzz/fuzz_config.c): the open-quote case here makes one. */
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static struct pb_config *
load(const char *text, struct pb_config_error *err)
{
	int fd;
	FILE *f;

	snprintf(path, sizeof path, "/tmp/pb-test-report-XXXXXX");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return pb_config_load(path, err);
}

static void
done(struct pb_config *cfg)
{
	pb_config_free(cfg);
	unlink(path);
}

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n')
			return 1;
	return 0;
}

/* One error: its key, line and a piece of its message. */
static const struct {
	const char *what, *conf;
	int line;
	const char *key, *msg;
} one[] = {
	{ "a key three edits off", "arxiv = { category = [\"cs.CV\"]; };\n", 1,
	  "arxiv.category", "unknown key; did you mean \"arxiv.categories\"?" },
	{ "an unknown category, with the nearest", "arxiv = { categories = [\"quantph\"]; };\n", 1,
	  "arxiv.categories", "\"quantph\" is not an arXiv category; did you mean \"quant-ph\"?" },
	{ "a category in the wrong case", "arxiv = { categories = [\"cs.cv\"]; };\n", 1,
	  "arxiv.categories", "did you mean \"cs.CV\"?" },
	{ "a well-formed category arXiv does not have", "arxiv = { categories = [\"cs.QQ\"]; };\n",
	  1, "arxiv.categories", "is not an arXiv category" },
	{ "two categories without a comma", "arxiv = { categories = [\"cs.CV\" \"cs.RO\"]; };\n",
	  1, "arxiv.categories", "a missing ',' between \"cs.CV\" and \"cs.RO\"?" },
	{ "CR LF in a value", "arxiv = { categories = [\"cs.CV\"]; };\nsubscribers = ( { name = "
	  "\"a\\r\\nInjected: 1\"; topics = ( { name = \"t\"; query = \"x\"; } ); } );\n", 2,
	  "subscribers.[0].name", "\"a\\r\\nInjected: 1\" is not a subscriber name" },
	{ "a tab and an escape in a value", "arxiv = { categories = [\"cs.CV\"]; };\n"
	  "schedule = \"08:\\t3\\x1b\";\n", 2, "schedule", "\"08:\\t3\\x1b\" is not a time of day" },
	{ "an archive", "arxiv = { categories = [\"astro-ph\", \"cs\"]; };\n", 0, NULL, NULL },
	{ "a string left open", "arxiv = { categories = [\"cs.CV\"]; };\nsubscribers = (\n"
	  " { name = \"a;\n   max_papers = 3;\n   topics = ( { name = \"t\"; query = \"ti:x\"; } ); }"
	  "\n);\n", 5, "", "syntax error; a string opened on line 3 runs on to line 5: a missing "
	  "'\"'? line 3: `{ name = \"a;`" },
	{ "a missing comma between subscribers", "arxiv = { categories = [\"cs.CV\"]; };\n"
	  "subscribers = (\n { name = \"a\"; topics = ( { name = \"t\"; query = \"x\"; } ); }\n"
	  " { name = \"b\"; topics = ( { name = \"t\"; query = \"x\"; } ); }\n);\n", 4, "",
	  "syntax error; two values without ',' between them? after line 3: `{ name = \"a\";" },
	{ "a syntax error on its own line", "arxiv = { categories = [\"cs.CV\"]; }\nstate_dir = ;\n",
	  2, "", "syntax error; line 2: `state_dir = ;`" },
	{ "the subscriber's own exclude is a key",
	  "arxiv = { categories = [\"cs.CV\"]; };\nsubscribers = ( { name = \"a\"; exclud = \"x\";"
	  " topics = ( { name = \"t\"; query = \"x\"; } ); } );\n", 2, "subscribers.[0].exclud",
	  "did you mean \"exclude\"?" },
};

static void
test_one(void)
{
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
		struct pb_config_error err;
		struct pb_config *cfg = load(one[i].conf, &err);
		char text[1200];

		if (!one[i].msg) {
			T_CHECK(cfg != NULL);
			done(cfg);
			continue;
		}
		T_CHECK(cfg == NULL);
		pb_config_error_format(&err, text, sizeof text);
		if (err.line != one[i].line || strcmp(err.key, one[i].key) ||
		    !strstr(err.message, one[i].msg))
			fprintf(stderr, "case \"%s\": got %s\n", one[i].what, text);
		T_EQ_INT(err.line, one[i].line);
		T_EQ_STR(err.key, one[i].key);
		T_CHECK(strstr(err.message, one[i].msg) != NULL);
		T_CHECK(!has_ctl(text));
		T_CHECK(!has_ctl(err.message));
		done(cfg);
	}
}

/* Every bad key in every subscriber, then the load fails. */
static void
test_all_errors(void)
{
	struct pb_config_error err;
	struct pb_config *cfg = load(
		"arxiv = { categories = [\"cs.CV\", \"quantph\"]; page_sze = 3; };\n"
		"subscribers = (\n"
		" { name = \"a\"; max_papers = 0; email = \"bad at x\";\n"
		"   topics = ( { name = \"t\"; query = \"ti:x\"; } ); },\n"
		" { name = \"b\"; langauge = \"en\";\n"
		"   topics = ( { name = \"t\"; query = \"ti:x\"; }, { name = \"u\"; } ); },\n"
		" { name = \"c\"; topics = ( { name = \"t\"; query = \"ti:x\"; } ); }\n"
		");\n", &err);

	T_CHECK(cfg == NULL);
	T_EQ_INT(err.n_errors, 6);
	T_EQ_STR(err.key, "arxiv.categories");
	T_CHECK(strstr(err.more, ":1: arxiv.page_sze: unknown key") != NULL);
	/* each named by its subscriber as well as its index */
	T_CHECK(strstr(err.more, ":3: subscribers.[0].max_papers: subscriber a: 0 is out of "
			    "range") != NULL);
	T_CHECK(strstr(err.more, ":3: subscribers.[0].email: subscriber a: \"bad at x\"") != NULL);
	T_CHECK(strstr(err.more, ":5: subscribers.[1].langauge: subscriber b: unknown key") != NULL);
	T_CHECK(strstr(err.more, ":6: subscribers.[1].topics.[1].query: missing (required)") != NULL);
	done(cfg);

	/* the checks across keys go on past one subscriber too */
	cfg = load("arxiv = { categories = [\"cs.CV\"]; };\nfile = { enabled = false; };\n"
		   "subscribers = (\n"
		   " { name = \"a\"; topics = ( { name = \"t\"; query = \"x\"; } ); },\n"
		   " { name = \"b\"; email = \"b@example.org\";\n"
		   "   topics = ( { name = \"t\"; query = \"x\"; }, { name = \"t\"; query = \"y\"; } ); }\n"
		   ");\n", &err);
	T_CHECK(cfg == NULL);
	T_EQ_INT(err.n_errors, 3);
	T_CHECK(strstr(err.message, "subscriber \"a\" has no channel") != NULL);
	T_CHECK(strstr(err.more, "duplicate topic name \"t\" in subscriber \"b\"") != NULL);
	T_CHECK(strstr(err.more, "email.smtp_url is not set") != NULL);
	done(cfg);
}

/* pb_config_check_rules: errors and warnings, each where it is. */
static const struct {
	const char *what, *subs;
	size_t errors, warnings;
	const char *want;          /* a piece of the report, or NULL */
} rules[] = {
	{ "clean", "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:nerf AND cat:cs.CV\"; } ); }",
	  0, 0, NULL },
	{ "every error of every subscriber",
	  "{ name = \"a\"; exclude = \"ti:(survey\"; topics = ( { name = \"t\"; query = \"ti:(x\"; } ); },"
	  "{ name = \"b\"; topics = ( { name = \"u\"; query = \"ti:\\\"open\"; exclude = [\"ok\", \"NOT\"]; } ); }",
	  4, 0, "subscribers.[1].topics.[0].exclude: subscriber b, topic u, exclude 2, column 1: 'NOT' "
	  "needs a term after it\nNOT\n^\n" },
	{ "a subscriber's exclusion", "{ name = \"a\"; exclude = [\"x\", \"ti:(survey\"];"
	  " topics = ( { name = \"t\"; query = \"x\"; } ); }", 1, 0,
	  "subscribers.[0].exclude: subscriber a, exclude 2, column 4: unclosed '('\nti:(survey\n   ^\n" },
	{ "an unknown category in a rule",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:x OR cat:quantph\"; } ); }", 0, 1,
	  "warning: PATH:3: subscribers.[0].topics.[0].query: subscriber a, topic t, column 9: "
	  "cat:quantph: unknown arXiv category, it matches nothing; did you mean cat:quant-ph?\n" },
	{ "archives and prefixes are categories",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"cat:cs OR cat:cs.* OR cat:astro* OR "
	  "cat:cs.cv\"; } ); }", 0, 0, NULL },
	{ "a prefix of nothing", "{ name = \"a\"; topics = ( { name = \"t\"; query = \"cat:zz*\"; } ); }",
	  0, 1, "cat:zz*: no arXiv category starts so" },
	{ "lowercase operators",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:nerf and abs:video or \\\"and\\\"\"; } ); }",
	  0, 2, "topic t, column 9: 'and' is searched as a word; the operator is written in capitals: AND\n" },
	{ "a category never fetched",
	  "{ name = \"a\"; topics = ( { name = \"Robots\"; query = \"cat:cs.RO\"; } ); }", 0, 1,
	  "topic Robots, column 1: every alternative of this rule needs cat:cs.RO, which is outside "
	  "arxiv.categories (cs.CV)" },
	{ "every alternative outside",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"(ti:x AND cat:cs.RO) OR cat:math.*\"; } ); }",
	  0, 1, "needs cat:cs.RO" },
	{ "one alternative inside is enough",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:robot OR cat:cs.RO\"; } ); }",
	  0, 0, NULL },
	{ "an archive that holds the fetched category",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"cat:cs AND ti:x\"; } ); }", 0, 0, NULL },
	{ "nothing fetched can match",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"cat:cs.RO ANDNOT cat:cs.CV\"; } ); }",
	  0, 1, "topic t: can never match: no paper of the fetched categories (cs.CV) satisfies" },
	{ "NOT of everything fetched",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:x AND NOT cat:cs.*\"; } ); }",
	  0, 1, "can never match" },
	/* a rule is named at its own line, not its subscriber's or topic's (line 3) */
	{ "a query's own line",
	  "{ name = \"a\";\n  topics = ( { name = \"t\";\n    include_cross = true;\n"
	  "    query = \"ti:(x\"; } ); }", 1, 0,
	  "paperboy: PATH:6: subscribers.[0].topics.[0].query: subscriber a, topic t, column 4: "
	  "unclosed '('" },
	{ "an exclusion's own line",
	  "{ name = \"a\";\n  exclude = [ \"x\",\n    \"ti:(survey\" ];\n"
	  "  topics = ( { name = \"t\"; query = \"x\"; } ); }", 1, 0,
	  "paperboy: PATH:5: subscribers.[0].exclude: subscriber a, exclude 2, column 4:" },
	{ "a topic's exclusion's own line",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"x\";\n"
	  "    exclude = \"ti:(survey\"; } ); }", 1, 0,
	  "paperboy: PATH:4: subscribers.[0].topics.[0].exclude: subscriber a, topic t, exclude 1," },
	{ "a warning at the query's line",
	  "{ name = \"a\"; topics = ( { name = \"t\";\n\n    query = \"ti:x OR cat:quantph\"; } ); }",
	  0, 1, "warning: PATH:5: subscribers.[0].topics.[0].query: subscriber a, topic t, column 9:" },
	/* arXiv's search takes either of two terms side by side; here both must hit */
	{ "terms side by side",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:(video motion) OR x\"; } ); }",
	  0, 1, "warning: PATH:3: subscribers.[0].topics.[0].query: subscriber a, topic t, column 11: "
	  "ti:video ti:motion: terms side by side must all hit (AND), where arXiv's search takes any "
	  "of them (OR); write AND or OR between them, or quote a phrase\n" },
	{ "terms side by side in an exclusion, the first pair named",
	  "{ name = \"a\"; exclude = \"x OR ti:survey (review y) z\"; topics = ( { name = \"t\"; "
	  "query = \"x\"; } ); }", 0, 1,
	  "subscriber a, exclude 1, column 16: ti:survey review: terms side by side" },
	{ "NOT side by side is ANDNOT in arXiv's search too; a phrase and operators are clear",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:video NOT ti:survey OR "
	  "ti:\\\"video motion\\\" OR (a AND b) OR c ANDNOT d\"; } ); }", 0, 0, NULL },
	/* a stored subscriber's topic name and rule are the reader's text (a web form, a chat):
	 * a C1 CSI (U+009B) and a right-to-left override (U+202E) are said escaped */
	{ "a topic name with controls",
	  "{ name = \"a\"; topics = ( { name = \"R\xE2\x80\xAEo\xC2\x9B\"; query = \"cat:cs.RO\"; } ); }",
	  0, 1, "subscriber a, topic R\\u202eo\\u009b, column 1: every alternative" },
	{ "a quoted term with controls",
	  "{ name = \"a\"; topics = ( { name = \"t\"; query = \"ti:x OR cat:qu\xC2\x9B" "ant\"; } ); }",
	  0, 1, "topic t, column 9: cat:qu\\u009bant: no arXiv category is named so" },
	{ "a rule error with controls",
	  "{ name = \"a\"; topics = ( { name = \"t\xE2\x80\xAE\"; query = \"ti:(x\xC2\x9B\"; } ); }",
	  1, 0, "subscriber a, topic t\\u202e, column 4: unclosed '('\nti:(x\\u009B\n   ^\n" },
	{ "excluding the fetched category is not a reach problem for an exclusion",
	  "{ name = \"a\"; exclude = \"cat:cs.RO\"; topics = ( { name = \"t\"; query = \"x\"; } ); }",
	  0, 0, NULL },
};

static void
test_rules(void)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		struct pb_config_error err;
		struct pb_config *cfg;
		struct pb_buf conf = { 0 }, out = { 0 }, want = { 0 };
		size_t n_err, n_warn = 99;

		pb_buf_printf(&conf, "arxiv = { categories = [\"cs.CV\"]; };\nsubscribers = (\n%s\n);\n",
			      rules[i].subs);
		cfg = load(conf.data, &err);
		T_CHECK(cfg != NULL);
		if (!cfg) {
			fprintf(stderr, "case \"%s\": %s\n", rules[i].what, err.message);
			pb_buf_free(&conf);
			done(cfg);
			continue;
		}
		n_err = pb_config_check_rules(cfg, "paperboy: ", &out, &n_warn);
		if (rules[i].want) {
			const char *p = strstr(rules[i].want, "PATH");

			if (p)
				pb_buf_printf(&want, "%.*s%s%s", (int)(p - rules[i].want),
					      rules[i].want, path, p + 4);
			else
				pb_buf_puts(&want, rules[i].want);
		}
		if (n_err != rules[i].errors || n_warn != rules[i].warnings ||
		    (want.len && !strstr(pb_buf_str(&out), want.data)))
			fprintf(stderr, "case \"%s\": %zu errors, %zu warnings:\n%s", rules[i].what,
				n_err, n_warn, pb_buf_str(&out));
		T_EQ_INT(n_err, rules[i].errors);
		T_EQ_INT(n_warn, rules[i].warnings);
		T_CHECK(!want.len || strstr(pb_buf_str(&out), want.data) != NULL);
		/* each finding names the file and starts with the prefix */
		T_CHECK(!out.len || strncmp(out.data, "paperboy: ", 10) == 0);
		pb_buf_free(&want);
		pb_buf_free(&out);
		pb_buf_free(&conf);
		done(cfg);
	}
}

int
main(void)
{
	test_one();
	test_all_errors();
	test_rules();
	return t_done("test_config_report");
}
