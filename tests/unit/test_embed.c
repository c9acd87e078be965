/* Embeddings: the parser of an /embeddings answer takes exactly n finite, equally long,
 * non-zero vectors and normalises them, and refuses everything else with a reason; the cache
 * in the state gives back what was put, per model, and prunes by age; a set finds its keys
 * (sorted or built by hand); an error answer's refusal of a batch too large or an input too
 * long is told apart; reciprocal rank fusion; the config's switch; and a fetch that
 * finds every vector cached asks nothing, while one whose endpoint is down gives no vectors
 * and no error. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

static void
free_vecs(float **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

static double
norm(const float *v, size_t d)
{
	double s = 0;

	for (size_t i = 0; i < d; i++)
		s += (double)v[i] * v[i];
	return sqrt(s);
}

static int
parse(const char *body, size_t n, float **v, size_t *dim, char *why)
{
	return pb_embed_parse(body, strlen(body), n, v, dim, why, 256);
}

static void
test_parse_good(void)
{
	float *v[3] = { 0 };
	size_t dim = 0;
	char why[256];
	/* out of order by index, unnormalised, one huge but float-sized, one tiny */
	const char *body =
		"{\"object\":\"list\",\"data\":["
		"{\"object\":\"embedding\",\"index\":2,\"embedding\":[0,0,5]},"
		"{\"object\":\"embedding\",\"index\":0,\"embedding\":[3,4,0]},"
		"{\"object\":\"embedding\",\"index\":1,\"embedding\":[1e30,-1e30,0]}],"
		"\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}";

	T_EQ_INT(parse(body, 3, v, &dim, why), 0);
	T_EQ_INT(dim, 3);
	if (v[0] && v[1] && v[2]) {
		T_CHECK(fabs(v[0][0] - 0.6) < 1e-6 && fabs(v[0][1] - 0.8) < 1e-6 && v[0][2] == 0);
		T_CHECK(fabs(v[1][0] - M_SQRT1_2) < 1e-6 && fabs(v[1][1] + M_SQRT1_2) < 1e-6);
		T_CHECK(v[2][2] == 1.0f);
		for (int i = 0; i < 3; i++)
			T_CHECK(fabs(norm(v[i], 3) - 1) < 1e-6);
	}
	free_vecs(v, 3);

	/* without index: in order; denormal-sized numbers still normalise */
	T_EQ_INT(parse("{\"data\":[{\"embedding\":[1e-310,0]},{\"embedding\":[0,2]}]}", 2, v, &dim,
		       why), 0);
	T_EQ_INT(dim, 2);
	if (v[0] && v[1]) {
		T_CHECK(v[0][0] == 1.0f && v[0][1] == 0.0f);
		T_CHECK(v[1][0] == 0.0f && v[1][1] == 1.0f);
	}
	free_vecs(v, 2);
}

static void
test_parse_bad(void)
{
	static const struct {
		const char *body;
		size_t n;
		const char *why;
	} cases[] = {
		{ "", 1, "empty body" },
		{ "<html>502 Bad Gateway</html>", 1, "not JSON" },
		{ "[1,2,3]", 1, "not a JSON object" },
		{ "{\"data\":[{\"embedding\":[NaN,1]}]}", 1, "not JSON" },
		{ "{\"data\":[{\"embedding\":[1,2]}", 1, "not JSON" },
		{ "{\"error\":{\"message\":\"model not found\"}}", 1, "API error: model not found" },
		{ "{\"error\":{\"message\":\"a\\u0001b\\nc\\u007f\"}}", 1, "API error: a b c " },
		{ "{\"error\":\"overloaded\"}", 1, "API error: overloaded" },
		{ "{\"object\":\"list\"}", 1, "no data array" },
		{ "{\"data\":{}}", 1, "no data array" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1,\"embedding\":[1,2]},"
		  "{\"index\":2,\"embedding\":[1,2]}]}", 4, "3 vectors for 4 inputs" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1,\"embedding\":[1,2]}]}",
		  1, "2 vectors for 1 inputs" },
		{ "{\"data\":[]}", 1, "0 vectors for 1 inputs" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1,\"embedding\":[1,2,3]}]}",
		  2, "lengths differ" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[0,0,0]}]}", 1, "a vector of zeros" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[0,-0.0,0e5]}]}", 1, "a vector of zeros" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1e300,1]}]}", 1, "a number out of range" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1e999,1]}]}", 1, "a number out of range" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[-1e999,1]}]}", 1, "a number out of range" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1,\"2\"]}]}", 1,
		  "an embedding that is not an array of numbers" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1,[2]]}]}", 1,
		  "an embedding that is not an array of numbers" },
		{ "{\"data\":[{\"index\":0,\"embedding\":\"AAAAAA==\"}]}", 1,
		  "an embedding that is not an array of numbers" },
		{ "{\"data\":[{\"index\":0}]}", 1, "an embedding that is not an array of numbers" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[]}]}", 1, "an empty vector" },
		{ "{\"data\":[{\"index\":1,\"embedding\":[1]}]}", 1, "an index out of range" },
		{ "{\"data\":[{\"index\":-1,\"embedding\":[1]}]}", 1, "an index out of range" },
		{ "{\"data\":[{\"index\":0.5,\"embedding\":[1]},{\"index\":1,\"embedding\":[1]}]}", 2,
		  "an index out of range" },
		{ "{\"data\":[{\"index\":\"0\",\"embedding\":[1]}]}", 1, "an index out of range" },
		{ "{\"data\":[{\"index\":0,\"embedding\":[1]},{\"index\":0,\"embedding\":[1]}]}", 2,
		  "the same index twice" },
		{ "{\"data\":[7]}", 1, "a data item that is not an object" },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		float *v[4] = { (float *)1, (float *)1, (float *)1, (float *)1 };
		size_t dim = 99;
		char why[256] = "";
		int rc = pb_embed_parse(cases[c].body, strlen(cases[c].body), cases[c].n, v, &dim,
					why, sizeof why);

		T_EQ_INT(rc, -1);
		T_EQ_STR(why, cases[c].why);
		T_EQ_INT(dim, 0);
		for (size_t i = 0; i < cases[c].n; i++)
			T_CHECK(v[i] == NULL);
	}

	/* a vector past 16384 numbers */
	{
		struct pb_buf b = { 0 };
		float *v[1];
		size_t dim;
		char why[256];

		pb_buf_puts(&b, "{\"data\":[{\"index\":0,\"embedding\":[1");
		for (int i = 0; i < 16384; i++)
			pb_buf_puts(&b, ",0");
		pb_buf_puts(&b, "]}]}");
		T_EQ_INT(pb_embed_parse(b.data, b.len, 1, v, &dim, why, sizeof why), -1);
		T_EQ_STR(why, "a vector longer than 16384");
		pb_buf_free(&b);
	}
	/* a NULL body and a tiny why buffer do no harm */
	{
		float *v[1];
		size_t dim;
		char why[4];

		T_EQ_INT(pb_embed_parse(NULL, 0, 1, v, &dim, why, sizeof why), -1);
		T_EQ_STR(why, "emp");
	}
}

/* Each server's way of refusing too much at once, or one input too long for the model. */
static void
test_refusal(void)
{
	static const struct {
		long status;
		const char *body;
		enum pb_embed_refusal want;
		size_t max;
	} cases[] = {
		/* text-embeddings-inference's --max-client-batch-size, with the size it takes */
		{ 413, "{\"message\": \"batch size 64 > maximum allowed batch size 32\", "
		  "\"code\": 413, \"type\": \"Validation\"}", PB_EMBED_BATCH_TOO_LARGE, 32 },
		{ 422, "{\"error\": {\"message\": \"input batch size 100 > maximum allowed batch "
		  "size 64\"}}", PB_EMBED_BATCH_TOO_LARGE, 64 },
		/* OpenAI's 300,000 tokens a request, Mistral's tokens in a batch */
		{ 400, "{\"error\": {\"message\": \"Requested 453357 tokens, max 300000 tokens per "
		  "request\", \"type\": \"max_tokens_per_request\", \"param\": null, \"code\": "
		  "\"max_tokens_per_request\"}}", PB_EMBED_BATCH_TOO_LARGE, 0 },
		{ 400, "{\"object\":\"error\",\"message\":\"Too many tokens in batch. Max is 16384 "
		  "got 17555\",\"type\":\"invalid_request_error\"}", PB_EMBED_BATCH_TOO_LARGE, 0 },
		/* a proxy's page */
		{ 413, "<html><title>413 Request Entity Too Large</title></html>",
		  PB_EMBED_BATCH_TOO_LARGE, 0 },
		/* one input beyond the window: TEI's 413 is not a batch's size */
		{ 413, "{\"message\": \"Input validation error: `inputs` must have less than 512 "
		  "tokens. Given: 1038\", \"code\": 413, \"type\": \"Validation\"}",
		  PB_EMBED_INPUT_TOO_LONG, 0 },
		{ 400, "{\"error\": {\"message\": \"This model's maximum context length is 8192 "
		  "tokens, however you requested 9000 tokens (9000 in your prompt; 0 for the "
		  "completion). Please reduce your prompt; or completion length.\", \"type\": "
		  "\"invalid_request_error\", \"param\": null, \"code\": null}}",
		  PB_EMBED_INPUT_TOO_LONG, 0 },
		{ 400, "{\"error\": {\"message\": \"Invalid 'input[22]': maximum input length is "
		  "8192 tokens.\"}}", PB_EMBED_INPUT_TOO_LONG, 0 },
		{ 400, "{\"error\":\"the input length exceeds the context length\"}",
		  PB_EMBED_INPUT_TOO_LONG, 0 },
		/* anything else is no refusal of a size */
		{ 400, "{\"error\": {\"message\": \"model not found\"}}", PB_EMBED_NOT_REFUSED, 0 },
		{ 401, "{\"error\": {\"message\": \"Incorrect API key provided\"}}",
		  PB_EMBED_NOT_REFUSED, 0 },
		{ 429, "{\"error\": {\"message\": \"Rate limit reached for requests\"}}",
		  PB_EMBED_NOT_REFUSED, 0 },
		{ 500, "{\"error\": {\"message\": \"batch size too large\"}}", PB_EMBED_NOT_REFUSED, 0 },
		{ 400, "", PB_EMBED_NOT_REFUSED, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t max = 99;
		enum pb_embed_refusal r = pb_embed_refusal(cases[i].status, cases[i].body,
							    strlen(cases[i].body), &max);

		if (r != cases[i].want || max != cases[i].max)
			fprintf(stderr, "refusal case %zu: %d max %zu\n", i, (int)r, max);
		T_EQ_INT(r, cases[i].want);
		T_EQ_INT(max, cases[i].max);
	}
	/* no body at all, no max wanted */
	T_EQ_INT(pb_embed_refusal(413, NULL, 0, NULL), PB_EMBED_BATCH_TOO_LARGE);
}

static void
test_rrf(void)
{
	/* both lists' first: 2/61 */
	T_CHECK(fabs(pb_rrf(0, 0, 60) - 2.0 / 61) < 1e-12);
	/* absent from the embedding list: the lexical part alone */
	T_CHECK(fabs(pb_rrf(4, SIZE_MAX, 60) - 1.0 / 65) < 1e-12);
	/* two fifth places beat a first and a tenth (2/65 > 1/61 + 1/70): fusion favours
	 * agreement over one list's enthusiasm */
	T_CHECK(pb_rrf(4, 4, 60) > pb_rrf(0, 9, 60));
	/* symmetric, decreasing in each rank */
	T_CHECK(pb_rrf(3, 7, 60) == pb_rrf(7, 3, 60));
	T_CHECK(pb_rrf(3, 7, 60) > pb_rrf(3, 8, 60));
	T_CHECK(pb_rrf(3, 7, 60) > pb_rrf(4, 7, 60));
	/* a paper with a vector outranks its lexical twin without one */
	T_CHECK(pb_rrf(5, 100, 60) > pb_rrf(5, SIZE_MAX, 60));
	/* a small k lets the top of either list dominate */
	T_CHECK(fabs(pb_rrf(0, 1, 1) - (0.5 + 1.0 / 3)) < 1e-12);
}

static void
test_find(void)
{
	char *k1 = "2411.00001v1", *k2 = "2411.00002v3", *k3 = "hep-th/0101001v2";
	float a[2] = { 1, 0 }, b[2] = { 0, 1 }, c[2] = { 0.6f, 0.8f };
	char *keys_sorted[3] = { k1, k2, k3 }, *keys_hand[3] = { k3, k1, k2 };
	float *vecs_sorted[3] = { a, b, c }, *vecs_hand[3] = { c, a, b };
	struct pb_embed_set s = { keys_sorted, vecs_sorted, 3, 2, 1 };
	struct pb_embed_set h = { keys_hand, vecs_hand, 3, 2, 0 };

	T_CHECK(pb_embed_find(&s, "2411.00001v1") == a);
	T_CHECK(pb_embed_find(&s, "2411.00002v3") == b);
	T_CHECK(pb_embed_find(&s, "hep-th/0101001v2") == c);
	T_CHECK(pb_embed_find(&s, "2411.00002v2") == NULL);
	T_CHECK(pb_embed_find(&s, "2411.00001") == NULL);
	T_CHECK(pb_embed_find(&h, "2411.00001v1") == a);
	T_CHECK(pb_embed_find(&h, "hep-th/0101001v2") == c);
	T_CHECK(pb_embed_find(&h, "zzz") == NULL);
	T_CHECK(pb_embed_find(NULL, "2411.00001v1") == NULL);
	T_CHECK(pb_embed_find(&s, NULL) == NULL);
	pb_embed_set_free(NULL);
}

static void
test_cache(const char *dir)
{
	char path[512], err[256];
	struct pb_state *st;
	float a[3] = { 1, 0, 0 }, b[3] = { 0, 0.6f, 0.8f }, c[2] = { 1, 0 };
	const char *keys[3] = { "2411.00001v1", "2411.00002v2", "2411.00003v1" };
	const float *vecs[3] = { a, b, NULL };
	float *got[3];
	size_t dims[3];

	snprintf(path, sizeof path, "%s/state.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_embed_cache_put(st, "m1", keys, vecs, 3, 3, 1000), 0);
	/* the same key under another model, of another length, later */
	vecs[0] = c;
	T_EQ_INT(pb_embed_cache_put(st, "m2", keys, vecs, 1, 2, 5000), 0);

	T_EQ_INT(pb_embed_cache_get(st, "m1", keys, 3, got, dims), 2);
	T_CHECK(got[0] && dims[0] == 3 && memcmp(got[0], a, sizeof a) == 0);
	T_CHECK(got[1] && dims[1] == 3 && memcmp(got[1], b, sizeof b) == 0);
	T_CHECK(got[2] == NULL && dims[2] == 0);
	free_vecs(got, 3);
	T_EQ_INT(pb_embed_cache_get(st, "m2", keys, 3, got, dims), 1);
	T_CHECK(got[0] && dims[0] == 2 && memcmp(got[0], c, sizeof c) == 0);
	T_CHECK(got[1] == NULL);
	free_vecs(got, 3);
	T_EQ_INT(pb_embed_cache_get(st, "m3", keys, 3, got, dims), 0);

	/* replacing a vector */
	vecs[0] = b;
	T_EQ_INT(pb_embed_cache_put(st, "m1", keys, vecs, 1, 3, 1000), 0);
	T_EQ_INT(pb_embed_cache_get(st, "m1", keys, 1, got, dims), 1);
	T_CHECK(got[0] && memcmp(got[0], b, sizeof b) == 0);
	free_vecs(got, 1);

	/* a length the state cannot hold is refused */
	T_EQ_INT(pb_embed_cache_put(st, "m1", keys, vecs, 1, 0, 1000), -1);

	/* survives closing and reopening */
	pb_state_close(st);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_embed_cache_get(st, "m1", keys, 2, got, dims), 2);
	free_vecs(got, 2);

	/* pruning by age: the m1 rows (1000) go, the m2 row (5000) stays */
	T_EQ_INT(pb_embed_cache_prune(st, 2000), 2);
	T_EQ_INT(pb_embed_cache_get(st, "m1", keys, 3, got, dims), 0);
	T_EQ_INT(pb_embed_cache_get(st, "m2", keys, 3, got, dims), 1);
	free_vecs(got, 3);
	T_EQ_INT(pb_embed_cache_prune(st, 2000), 0);
	pb_state_close(st);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static struct pb_config *
load_conf(const char *dir, const char *embeddings, struct pb_config_error *err)
{
	char path[512], text[2048];

	snprintf(text, sizeof text,
		 "state_dir = \"%s\";\narxiv = { categories = [\"cs.CV\"]; };\n%s\n"
		 "subscribers = ( { name = \"a\"; topics = ( { name = \"t\"; query = \"ti:x\"; } );"
		 " } );\n", dir, embeddings);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	write_file(path, text);
	memset(err, 0, sizeof *err);
	return pb_config_load(path, err);
}

static void
test_config(const char *dir)
{
	struct pb_config_error err;
	struct pb_config *cfg;

	cfg = load_conf(dir, "", &err);
	T_CHECK(cfg && !cfg->embeddings.enabled);
	if (cfg) {
		T_EQ_INT(cfg->embeddings.batch, 64);
		T_EQ_INT(cfg->embeddings.timeout_s, 30);
		T_EQ_INT(cfg->embeddings.deadline_s, 120);
	}
	pb_config_free(cfg);

	/* on when base_url is set */
	cfg = load_conf(dir, "embeddings = { base_url = \"http://127.0.0.1:9/v1\"; model = \"m\"; };",
			&err);
	T_CHECK(cfg && cfg->embeddings.enabled);
	pb_config_free(cfg);

	/* off when said so; then neither the model nor the key's variable is needed */
	unsetenv("PB_TEST_EMBED_KEY_UNSET");
	cfg = load_conf(dir, "embeddings = { enabled = false; base_url = \"http://127.0.0.1:9/v1\";"
			" api_key_env = \"PB_TEST_EMBED_KEY_UNSET\"; };", &err);
	T_CHECK(cfg && !cfg->embeddings.enabled);
	pb_config_free(cfg);

	/* on: the key's variable must be set */
	cfg = load_conf(dir, "embeddings = { base_url = \"http://127.0.0.1:9/v1\"; model = \"m\";"
			" api_key_env = \"PB_TEST_EMBED_KEY_UNSET\"; };", &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "PB_TEST_EMBED_KEY_UNSET") != NULL);
	pb_config_free(cfg);

	cfg = load_conf(dir, "embeddings = {\n  base_url = \"http://127.0.0.1:9/v1\";\n};", &err);
	T_CHECK(cfg == NULL);
	T_EQ_STR(err.key, "embeddings.model");
	T_CHECK(strstr(err.message, "required when embeddings are enabled") != NULL);
	T_EQ_INT(err.line, 3);
	pb_config_free(cfg);

	cfg = load_conf(dir, "embeddings = {\n  enabled = true;\n  model = \"m\";\n};", &err);
	T_CHECK(cfg == NULL);
	T_EQ_STR(err.key, "embeddings.base_url");
	T_CHECK(strstr(err.message, "missing (required when embeddings are enabled)") != NULL);
	pb_config_free(cfg);

	cfg = load_conf(dir, "embeddings = { base_url = \"ftp://x/v1\"; model = \"m\"; };", &err);
	T_CHECK(cfg == NULL);
	T_EQ_STR(err.key, "embeddings.base_url");
	pb_config_free(cfg);
}

static void
add_paper(struct pb_paperset *s, const char *id, int version, const char *title,
	  const char *abstract)
{
	struct pb_paper p;

	memset(&p, 0, sizeof p);
	p.id = pb_xstrdup(id);
	p.version = version;
	p.title = pb_xstrdup(title);
	p.abstract = pb_xstrdup(abstract);
	pb_paperset_add(s, &p);
}

/* A fetch against a port nothing listens on: every paper cached comes back, the rest get no
 * vector, and nothing fails. */
static void
test_fetch_cached(const char *dir)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	struct pb_state *st;
	struct pb_paperset day, liked;
	struct pb_profile prof[2];
	struct pb_embed_set set;
	char path[512], e[256];
	float a[2] = { 1, 0 }, b[2] = { 0, 1 }, c[2] = { 0.6f, 0.8f };
	const char *keys[3] = { "2411.00001v1", "2411.00002v2", "2301.00009v4" };
	const float *vecs[3] = { a, b, c };
	float *got[1];
	size_t dims[1];
	long n;

	/* port 9 (discard) is closed on the test machine: the connection is refused at once */
	cfg = load_conf(dir, "embeddings = { base_url = \"http://127.0.0.1:9/v1\"; model = \"m\";"
			" timeout = 2; deadline = 2; };", &err);
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	snprintf(path, sizeof path, "%s/fetch.db", dir);
	st = t_state_open(path, err.message, sizeof err.message);
	T_CHECK(st != NULL);
	if (!st) {
		pb_config_free(cfg);
		return;
	}
	pb_paperset_init(&day);
	pb_paperset_init(&liked);
	add_paper(&day, "2411.00001", 1, "Gaussian splatting", "Splats.");
	add_paper(&day, "2411.00002", 2, "Diffusion", "Noise.");
	add_paper(&day, "2411.00003", 1, "Not cached", "Nothing.");
	add_paper(&liked, "2301.00009", 4, "Liked", "An older paper.");
	memset(prof, 0, sizeof prof);
	prof[0].texts = liked;     /* both readers like it: counted once */
	prof[1].texts = liked;

	T_EQ_INT(pb_embed_cache_put(st, "m", keys, vecs, 3, 2, pb_now()), 0);
	n = pb_embed_fetch(cfg, st, NULL, &day, prof, 2, &set);
	T_EQ_INT(n, 3);
	T_EQ_INT(set.n, 3);
	T_EQ_INT(set.dim, 2);
	T_CHECK(set.sorted);
	T_CHECK(pb_embed_find(&set, "2411.00001v1") && pb_embed_find(&set, "2411.00001v1")[0] == 1);
	T_CHECK(pb_embed_find(&set, "2411.00002v2") != NULL);
	T_CHECK(pb_embed_find(&set, "2301.00009v4") != NULL);
	T_CHECK(pb_embed_find(&set, "2411.00003v1") == NULL);
	pb_embed_set_free(&set);
	T_EQ_INT(set.n, 0);

	/* a vector of the old version does not serve the new one */
	day.v[0].version = 2;
	n = pb_embed_fetch(cfg, st, NULL, &day, NULL, 0, &set);
	T_EQ_INT(n, 1);
	T_CHECK(pb_embed_find(&set, "2411.00001v2") == NULL);
	T_CHECK(pb_embed_find(&set, "2411.00002v2") != NULL);
	pb_embed_set_free(&set);

	/* a vector older than the longer of rank.corpus_days (120) and retention_days (90) is
	 * pruned before it is read, once a day: one put after the day's pruning stays */
	{
		const char *k2[1] = { "2411.00002v2" };
		const float *v2[1] = { b };

		T_EQ_INT(pb_embed_cache_put(st, "m", k2, v2, 1, 2, pb_now() - 200 * 86400LL), 0);
		pb_meta_put(st, "embeddings.pruned", "2000-01-01");
		T_EQ_INT(pb_embed_fetch(cfg, st, NULL, &day, NULL, 0, &set), 0);
		pb_embed_set_free(&set);
		T_EQ_INT(pb_embed_cache_get(st, "m", k2, 1, got, dims), 0);
		T_EQ_INT(pb_embed_cache_put(st, "m", k2, v2, 1, 2, pb_now() - 200 * 86400LL), 0);
		T_EQ_INT(pb_embed_fetch(cfg, st, NULL, &day, NULL, 0, &set), 1);
		T_CHECK(pb_embed_find(&set, "2411.00002v2") != NULL);
		pb_embed_set_free(&set);
	}

	/* switched off: nothing at all */
	cfg->embeddings.enabled = false;
	T_EQ_INT(pb_embed_fetch(cfg, st, NULL, &day, prof, 2, &set), 0);
	T_EQ_INT(set.n, 0);
	pb_embed_set_free(&set);

	/* no state: nothing cached, the endpoint down, no vectors and no failure */
	cfg->embeddings.enabled = true;
	T_EQ_INT(pb_embed_fetch(cfg, NULL, NULL, &day, NULL, 0, &set), 0);
	pb_embed_set_free(&set);
	(void)e;

	pb_paperset_free(&day);
	pb_paperset_free(&liked);
	pb_state_close(st);
	pb_config_free(cfg);
}

static void
rm_dir(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	char dir[] = "/tmp/pb-test-embed-XXXXXX";

	pb_log_setup(PB_LOG_ERROR, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_parse_good();
	test_parse_bad();
	test_refusal();
	test_rrf();
	test_find();
	test_cache(dir);
	test_config(dir);
	test_fetch_cached(dir);
	rm_dir(dir);
	return t_done("test_embed");
}
