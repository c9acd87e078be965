/* The one hash: FNV-1a 64 values pinned, since cache file names, prompt ids, MIME boundaries,
 * Message-IDs and Slack pacing keys are built from it and stored or sent. Each value below was
 * computed by the copies of the hash this module replaced. */
#include <string.h>

#include "paperboy/hash.h"
#include "paperboy/http.h"
#include "paperboy/llm.h"
#include "t.h"

static void
test_known_values(void)
{
	T_CHECK(pb_fnv1a64("", 0) == 0xcbf29ce484222325ULL);
	T_CHECK(pb_fnv1a64(NULL, 0) == 0xcbf29ce484222325ULL);
	T_CHECK(pb_fnv1a64_str(NULL) == 0xcbf29ce484222325ULL);
	T_CHECK(pb_fnv1a64_str("") == PB_FNV1A64_BASIS);
	T_CHECK(pb_fnv1a64_str("a") == 0xaf63dc4c8601ec8cULL);
	T_CHECK(pb_fnv1a64_str("foobar") == 0x85944171f73967e8ULL);
	T_CHECK(pb_fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);
	T_CHECK(pb_fnv1a64_str("https://export.arxiv.org/api/query?id_list=2401.00001") ==
		0x6dd4c439b7fbf638ULL);
	T_CHECK(pb_fnv1a64_str("https://hooks.slack.com/services/T000/B000/XXXX") ==
		0x89058752caf5b381ULL);
	T_CHECK(pb_fnv1a64_str("<2401.00001.alice@example.org>") == 0x3a0f8677c337b10bULL);
	/* Bytes above 0x7f hash as unsigned. */
	T_CHECK(pb_fnv1a64("\xc3\xa9", 2) == pb_fnv1a64_more(pb_fnv1a64("\xc3", 1), "\xa9", 1));
}

static void
test_chained(void)
{
	T_CHECK(pb_fnv1a64_more(pb_fnv1a64("foo", 3), "bar", 3) == pb_fnv1a64_str("foobar"));
	T_CHECK(pb_fnv1a64_more(PB_FNV1A64_BASIS, "foobar", 6) == pb_fnv1a64_str("foobar"));
	T_CHECK(pb_fnv1a64_more(42, NULL, 0) == 42);
	/* The Message-ID seed mail.c keeps from earlier versions. */
	T_CHECK(pb_fnv1a64_more(1469598103934665603ULL, "", 0) == 0x14650fb0739d0383ULL);
	T_CHECK(pb_fnv1a64_more(1469598103934665603ULL, "<2401.00001.alice@example.org>", 30) ==
		0x17d0f956377f06f5ULL);
}

/* The stored names built on it. */
static void
test_stored_names(void)
{
	char out[64];

	pb_http_cache_name("https://export.arxiv.org/api/query?id_list=2401.00001", out, sizeof out);
	T_EQ_STR(out, "6dd4c439b7fbf638.cache");
	pb_prompt_hash("You are a helpful assistant.", out, sizeof out);
	T_EQ_STR(out, "b0c65b8cea694a9f");
	pb_prompt_hash(NULL, out, sizeof out);
	T_EQ_STR(out, "cbf29ce484222325");
}

/* The set of hashes met: the first meeting says no, the second yes (0 too); half full, it
 * forgets everything and starts again. */
static void
test_seen(void)
{
	struct pb_seen s = { 0 };
	int again = 0;

	T_EQ_INT(pb_seen_again(&s, 16, 42), 0);
	T_EQ_INT(pb_seen_again(&s, 16, 42), 1);
	T_EQ_INT(pb_seen_again(&s, 16, 0), 0);
	T_EQ_INT(pb_seen_again(&s, 16, 0), 1);
	T_EQ_INT(pb_seen_again(&s, 16, 42 + 16), 0);   /* the same slot: the next one */
	T_EQ_INT(pb_seen_again(&s, 16, 42 + 16), 1);
	T_EQ_INT(pb_seen_again(&s, 16, 42), 1);
	for (uint64_t h = 100; h < 105; h++)
		T_EQ_INT(pb_seen_again(&s, 16, h), 0);     /* 8 now: half full */
	T_EQ_INT(pb_seen_again(&s, 16, 200), 0);       /* emptied, then noted */
	again = pb_seen_again(&s, 16, 42);
	T_EQ_INT(again, 0);                            /* forgotten */
	T_EQ_INT(pb_seen_again(&s, 16, 200), 1);
	pb_seen_free(&s);
	pb_seen_free(&s);
	T_EQ_INT(pb_seen_again(&s, 16, 7), 0);
	pb_seen_free(&s);
}

int
main(void)
{
	test_known_values();
	test_chained();
	test_stored_names();
	test_seen();
	return t_done("test_hash");
}
