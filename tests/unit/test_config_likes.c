/* The config side of likes: like / like_authors / rank per subscriber and topic, topics
 * without query, a subscriber with likes and no topics (one topic "liked"), malformed ids and
 * modes as form errors naming file, line, key, subscriber and topic; stored subscribers with
 * likes; whole archives in arxiv.categories (a cs.CV paper is inside "cs", the digest title). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "paperboy/config.h"
#include "paperboy/papers.h"
#include "paperboy/summarize.h"
#include "t.h"

static char dir[] = "/tmp/pb-test-config-likes-XXXXXX";

static const char *
write_conf(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

static const char good[] =
	"arxiv = { categories = [\"cs\", \"cond-mat\"]; };\n"
	"file = { enabled = true; };\n"
	"subscribers = (\n"
	"  { name = \"ann\";\n"
	"    like = [\"2411.17790\", \"2310.08528v2\", \"hep-th/9901001\"];\n"
	"    like_authors = [\"Adrian Del Maestro\"];\n"
	"    rank = \"filter\";\n"
	"    topics = ( { name = \"vision\"; query = \"cat:cs.CV\"; like = [\"2411.17008\"]; },\n"
	"               { name = \"more\"; rank = \"similar\"; max_papers = 3; } ); },\n"
	"  { name = \"bob\"; like = [\"2411.17700\", \"https://arxiv.org/html/2411.17746v2\",\n"
	"                          \"https://doi.org/10.48550/arXiv.2411.17790\"]; },\n"
	"  { name = \"cy\"; topics = ( { name = \"t\"; like_authors = [\"A. Author\"]; } ); }\n"
	");\n";

static const char bad[] =
	"arxiv = { categories = [\"cs\"]; };\n"
	"file = { enabled = true; };\n"
	"subscribers = (\n"
	"  { name = \"ann\";\n"
	"    like = [\"2411.17790\",\n"
	"            \"2411.1779x\", \"https://doi.org/10.1103/PhysRevLett.116.061102\"];\n"
	"    rank = \"smart\";\n"
	"    topics = ( { name = \"vision\"; query = \"cat:cs.CV\";\n"
	"                 like = [\"hep-th/99\"]; },\n"
	"               { name = \"norank\"; rank = \"rules\"; } ); },\n"
	"  { name = \"carl\"; topics = ( { name = \"t\"; } ); },\n"
	"  { name = \"dora\"; },\n"
	"  { name = \"eve\"; like_authors = [\"--\"]; }\n"
	");\n";

static void
test_good(void)
{
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load(write_conf("good.conf", good), &err);
	char msg[1200];

	if (!cfg) {
		pb_config_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "good: %s\n", msg);
	}
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_INT(cfg->n_subscribers, 3);
	T_EQ_INT(cfg->subscribers[0].n_like, 3);
	T_EQ_STR(cfg->subscribers[0].rank, "filter");
	T_EQ_INT(cfg->subscribers[0].n_topics, 2);
	T_CHECK(cfg->subscribers[0].topics[1].query == NULL);
	T_EQ_STR(cfg->subscribers[0].topics[1].rank, "similar");
	/* bob likes and has no topics: one topic "liked", no query, settings inherited */
	T_EQ_INT(cfg->subscribers[1].n_like, 3);
	T_EQ_INT(cfg->subscribers[1].n_topics, 1);
	if (cfg->subscribers[1].n_topics == 1) {
		T_EQ_STR(cfg->subscribers[1].topics[0].name, "liked");
		T_CHECK(cfg->subscribers[1].topics[0].query == NULL);
		T_EQ_INT(cfg->subscribers[1].topics[0].include_cross, PB_INHERIT);
		T_EQ_INT(cfg->subscribers[1].topics[0].include_replace, PB_INHERIT);
	}
	T_CHECK(cfg->subscribers[2].topics[0].query == NULL);
	/* The rules check passes over a topic without query. */
	{
		struct pb_buf out = { 0 };
		size_t n_warn = 0;

		T_EQ_INT(pb_config_check_rules(cfg, "", &out, &n_warn), 0);
		/* cat:cs.CV is inside the archive "cs": no warning about categories outside */
		T_EQ_INT(n_warn, 0);
		if (n_warn)
			fprintf(stderr, "warnings: %s\n", pb_buf_str(&out));
		pb_buf_free(&out);
	}
	pb_config_free(cfg);
}

static void
test_bad(void)
{
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load(write_conf("bad.conf", bad), &err);
	char all[6000];
	const char *p = NULL;

	T_CHECK(cfg == NULL);
	pb_config_free(cfg);
	snprintf(all, sizeof all, "%s:%d: %s: %s\n%s", err.file, err.line, err.key, err.message,
		 err.more);
	T_EQ_INT(err.n_errors, 8);
#define HAS(s) \
	do { \
		p = strstr(all, s); \
		T_CHECK(p != NULL); \
		if (!p) \
			fprintf(stderr, "missing: %s\nin:\n%s\n", s, all); \
	} while (0)
	HAS("bad.conf:7: subscribers.[0].rank: subscriber ann: \"smart\" is not a rank mode");
	HAS("bad.conf:6: subscribers.[0].like: subscriber ann: \"2411.1779x\" is not an arXiv id "
	    "(2411.17790, 2310.08528v2, hep-th/9901001)");
	HAS("bad.conf:6: subscribers.[0].like: subscriber ann: "
	    "\"https://doi.org/10.1103/PhysRevLett.116.061102\" is a DOI other than arXiv's "
	    "(10.48550/arXiv.ID): give the paper's arXiv id");
	HAS("bad.conf:9: subscribers.[0].topics.[0].like: subscriber ann, topic vision: "
	    "\"hep-th/99\" is not an arXiv id");
	HAS("bad.conf:10: subscribers.[0].topics.[1].rank: subscriber ann, topic norank: "
	    "rank = \"rules\" needs a query");
	HAS("bad.conf:11: subscribers.[1].topics.[0].query: missing (required) in subscriber "
	    "carl, topic t: give a query, or like / like_authors");
	HAS("bad.conf:12: subscribers.[2].topics: missing (required)");
	HAS("bad.conf:13: subscribers.[3].like_authors: subscriber eve: liked author \"--\" has no "
	    "letters or digits");
#undef HAS
	T_CHECK(strstr(all, "2411.17790\" is not") == NULL);    /* the good id is fine */
}

/* A list with an element that is not a string: the error names it, and the checks made
 * after it (every mistake is reported) read only what was stored, never an empty place. */
static void
test_bad_element(void)
{
	static const char text[] =
		"arxiv = { categories = [\"cs\"]; };\n"
		"file = { enabled = true; };\n"
		"subscribers = (\n"
		"  { name = \"ann\"; like = ( \"2411.17790\", { x = 1; }, \"2411.17700\" ); },\n"
		"  { name = \"bo\"; like_authors = ( 3 ); like = [\"x\"]; }\n"
		");\n";
	const char *stored[] = { "{\"name\": \"sam\", \"like\": [{\"name\": \"nlp\"}]}" };
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load(write_conf("elem.conf", text), &err);
	char all[6000];

	T_CHECK(cfg == NULL);
	snprintf(all, sizeof all, "%s:%d: %s: %s\n%s", err.file, err.line, err.key, err.message,
		 err.more);
	T_CHECK(strstr(all, "elem.conf:4: subscribers.[0].like: subscriber ann: element 2: "
			    "expected a string, got a group") != NULL);
	T_CHECK(strstr(all, "subscribers.[1].like_authors: subscriber bo: element 1: expected a "
			    "string") != NULL);
	T_CHECK(strstr(all, "subscriber bo: \"x\" is not an arXiv id") != NULL);
	pb_config_free(cfg);
	cfg = pb_config_load_stored(write_conf("elem-stored.conf", "arxiv = { categories = "
					       "[\"cs\"]; };\nfile = { enabled = true; };\n"),
				    stored, 1, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "expected a string") != NULL);
	pb_config_free(cfg);
}

static void
test_stored(void)
{
	static const char file[] =
		"arxiv = { categories = [\"cs\"]; };\n"
		"file = { enabled = true; };\n";
	const char *stored_ok[] = { "{\"name\": \"sam\", \"like\": [\"2411.17790\", "
				    "\"2310.08528v2\"], \"like_authors\": [\"Adrian Del Maestro\"]}" };
	const char *stored_bad[] = { "{\"name\": \"sam\", \"like\": [\"nope\"], \"topics\": "
				     "[{\"name\": \"t\", \"query\": \"ti:x\"}]}" };
	const char *path = write_conf("stored.conf", file);
	struct pb_config_error err;
	struct pb_config *cfg = pb_config_load_stored(path, stored_ok, 1, &err);
	cJSON *obj = cJSON_CreateObject();
	char msg[300];

	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_INT(cfg->subscribers[0].n_like, 2);
		T_EQ_INT(cfg->subscribers[0].n_like_authors, 1);
		T_EQ_INT(cfg->subscribers[0].n_topics, 1);
		T_EQ_STR(cfg->subscribers[0].topics[0].name, "liked");
	}
	pb_config_free(cfg);
	cfg = pb_config_load_stored(path, stored_bad, 1, &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "subscriber sam: \"nope\" is not an arXiv id") != NULL);
	T_EQ_STR(err.key, "subscribers.[0].like");
	pb_config_free(cfg);
	/* `subscriber set` appends to the list keys */
	T_EQ_INT(pb_config_stored_set(obj, "like", "2411.17790", msg, sizeof msg), 0);
	T_EQ_INT(pb_config_stored_set(obj, "like", "2411.17700", msg, sizeof msg), 0);
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(obj, "like")), 2);
	cJSON_Delete(obj);
}

static void
test_archives(void)
{
	const char *cs[] = { "cs" }, *two[] = { "cs", "cond-mat" };
	char *t = pb_digest_title(cs, 1, NULL);

	T_EQ_STR(t, "arXiv Computer Science Papers");
	free(t);
	t = pb_digest_title(two, 2, NULL);
	T_CHECK(t && strstr(t, "Computer Science") && strstr(t, "Condensed Matter"));
	free(t);
	T_EQ_INT(pb_category_in("cs.CV", cs, 1), 1);
	T_EQ_INT(pb_category_in("cs", cs, 1), 1);
	T_EQ_INT(pb_category_in("math.CV", cs, 1), 0);
	T_EQ_INT(pb_category_in("csx.CV", cs, 1), 0);
	T_EQ_INT(pb_category_in("cond-mat.mes-hall", two, 2), 1);
}

int
main(void)
{
	struct pb_buf cmd = { 0 };

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_good();
	test_bad();
	test_bad_element();
	test_stored();
	test_archives();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	printf("test_config_likes: %d checks, %d failed\n", t_checked, t_failed);
	return t_failed ? 1 : 0;
}
