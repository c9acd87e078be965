/* The generic JSON webhook: its signature against vectors computed independently (Python's
 * hmac), the classification of answers, and the JSON document: valid JSON with every paper and
 * field, hostile text kept as the exact text, < > & as \u escapes, the count left out. */
#include <string.h>

#include <cJSON.h>

#include "../../src/deliver/channel.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"
#include "t.h"

static struct pb_result
wh(long status, const char *body, const char *ra)
{
	struct pb_result r;

	pb_webhook_classify_answer(status, body, body ? strlen(body) : 0, ra, &r);
	return r;
}

static void
test_sign(void)
{
	char out[65];
	const char *body = "{\"a\":1}";

	/* hmac.new(b"whsec_test", b'1700000000.{"a":1}', hashlib.sha256).hexdigest() */
	T_EQ_INT(pb_webhook_sign("whsec_test", 1700000000LL, body, strlen(body), out, sizeof out),
		 0);
	T_EQ_STR(out, "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
	/* another second, another signature */
	T_EQ_INT(pb_webhook_sign("whsec_test", 1700000001LL, body, strlen(body), out, sizeof out),
		 0);
	T_EQ_STR(out, "26284b7c7d415dfc00bef6e3cf4549b9b5bec8ba9f639ab537fbfec18d0d398b");
	T_EQ_INT(pb_webhook_sign("k", 1, body, strlen(body), out, 64), -1);
}

static void
test_classify(void)
{
	struct pb_result r;
	char big[600];

	T_EQ_INT(wh(200, "ok", NULL).verdict, PB_V_SENT);
	T_EQ_INT(wh(204, NULL, NULL).verdict, PB_V_SENT);
	r = wh(429, "slow down", "2");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 2);
	T_EQ_STR(r.reason, "HTTP 429: slow down");
	r = wh(429, "", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	r = wh(503, "upstream unavailable", "Wed, 21 Oct 2015 07:28:00 GMT");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 0);
	T_EQ_INT(wh(408, "timeout", NULL).verdict, PB_V_TRANSIENT);
	T_EQ_INT(wh(0, NULL, NULL).verdict, PB_V_TRANSIENT);
	r = wh(410, "gone: this hook was deleted", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 410: gone: this hook was deleted");
	T_EQ_INT(wh(400, "bad", NULL).verdict, PB_V_PERMANENT);
	T_EQ_INT(wh(401, "signature", NULL).verdict, PB_V_PERMANENT);
	T_EQ_INT(wh(301, "moved", NULL).verdict, PB_V_PERMANENT);
	T_EQ_INT(wh(302, "", NULL).verdict, PB_V_PERMANENT);
	/* the first words only, on one line */
	memset(big, 'w', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[3] = '\n';
	r = wh(400, big, NULL);
	T_CHECK(strlen(r.reason) < 200 && strchr(r.reason, '\n') == NULL);
}

#define PHISH "https://phish.example/login"
#define TITLE "Splats [Verify](" PHISH ") **now** <img src=x> & \"quotes\" # back"

static void
test_json(void)
{
	struct pb_author au[2] = { { "Rémy <b>Sabathier</b>", NULL, 0 }, { "Eve", NULL, 0 } };
	char *cats[] = { "cs.CV", "cs.LG" };
	char *findings[2] = { "First <finding>.", "Second & last." };
	struct pb_paper p[3];
	struct pb_digest_item it[3];
	struct pb_digest d = { 0 };
	struct pb_parts out = { 0 };
	cJSON *root, *papers, *x;
	const char *ids[3] = { "2512.00001", "2204.01234", "astro-ph/0601001" };

	memset(p, 0, sizeof p);
	memset(it, 0, sizeof it);
	for (int i = 0; i < 3; i++) {
		p[i].id = (char *)ids[i];
		p[i].version = i + 1;
		p[i].title = i == 0 ? TITLE : "Plain title";
		p[i].authors = au;
		p[i].n_authors = 2;
		p[i].abstract = "An abstract with $\\alpha$ and \x1b[31m" "colour \xE2\x80\xAE.";
		p[i].categories = cats;
		p[i].n_categories = 2;
		p[i].announce = i == 1 ? PB_ANN_REPLACE : PB_ANN_NEW;
		it[i].paper = &p[i];
		it[i].topic = i ? "Video" : "3D";
		it[i].score = 9.5 - i;
		it[i].findings = i == 0 ? findings : NULL;
		it[i].n_findings = i == 0 ? 2 : 0;
	}
	it[2].analysis = "**Core:** a *new* method.\n\n- fast\n- [paper](https://arxiv.org/abs/2512.00001)";
	d.subscriber = "alice";
	d.date = "2025-12-04";
	d.title = "Digest <x>";
	d.exec_summary = "**Top** papers:\n\n- one\n- two";
	d.exec_from_model = 1;
	d.items = it;
	d.n_items = 3;
	d.n_matched = 17;
	T_EQ_INT(pb_render(&d, PB_FMT_JSON, NULL, &out), 0);
	T_EQ_INT(out.n, 1);
	T_EQ_STR(pb_format_file(PB_FMT_JSON), "digest.json");
	T_EQ_INT(pb_format_parse("json"), PB_FMT_JSON);
	/* nothing for HTML to read in the document itself */
	T_CHECK(strchr(out.v[0], '<') == NULL && strchr(out.v[0], '>') == NULL &&
		strchr(out.v[0], '&') == NULL);
	T_CHECK(strstr(out.v[0], "\\u003cimg src=x\\u003e \\u0026") != NULL);
	root = cJSON_Parse(out.v[0]);
	T_CHECK(root != NULL);
	if (!root)
		goto out;
	T_EQ_INT(cJSON_GetObjectItem(root, "version")->valueint, 1);
	T_EQ_STR(cJSON_GetObjectItem(root, "subscriber")->valuestring, "alice");
	T_EQ_STR(cJSON_GetObjectItem(root, "date")->valuestring, "2025-12-04");
	T_EQ_STR(cJSON_GetObjectItem(root, "title")->valuestring, "Digest <x>");
	T_EQ_STR(cJSON_GetObjectItem(root, "summary")->valuestring, "Top papers:\n\n- one\n- two");
	T_EQ_INT(cJSON_GetObjectItem(root, "more")->valueint, 14);
	papers = cJSON_GetObjectItem(root, "papers");
	T_EQ_INT(cJSON_GetArraySize(papers), 3);
	x = cJSON_GetArrayItem(papers, 0);
	/* the hostile title is the exact text, nothing dropped or escaped in the value */
	T_EQ_STR(cJSON_GetObjectItem(x, "title")->valuestring, TITLE);
	T_EQ_STR(cJSON_GetObjectItem(x, "id")->valuestring, "2512.00001");
	T_EQ_INT(cJSON_GetObjectItem(x, "version")->valueint, 1);
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "authors"), 0)->valuestring,
		 "Rémy <b>Sabathier</b>");
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(x, "authors")), 2);
	/* LaTeX as Unicode, controls and bidi overrides gone */
	T_EQ_STR(cJSON_GetObjectItem(x, "abstract")->valuestring,
		 "An abstract with α and [31mcolour .");
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "categories"), 1)->valuestring,
		 "cs.LG");
	T_EQ_STR(cJSON_GetObjectItem(x, "primary")->valuestring, "cs.CV");
	T_EQ_STR(cJSON_GetObjectItem(x, "url")->valuestring, "https://arxiv.org/abs/2512.00001v1");
	T_EQ_STR(cJSON_GetObjectItem(x, "pdf_url")->valuestring,
		 "https://arxiv.org/pdf/2512.00001v1");
	T_EQ_STR(cJSON_GetObjectItem(x, "topic")->valuestring, "3D");
	T_CHECK(cJSON_GetObjectItem(x, "score")->valuedouble == 9.5);
	T_EQ_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "findings"), 0)->valuestring,
		 "First <finding>.");
	T_CHECK(cJSON_IsNull(cJSON_GetObjectItem(x, "analysis")));
	T_CHECK(cJSON_IsFalse(cJSON_GetObjectItem(x, "revision")));
	x = cJSON_GetArrayItem(papers, 1);
	T_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(x, "revision")));
	T_EQ_INT(cJSON_GetObjectItem(x, "version")->valueint, 2);
	T_EQ_STR(cJSON_GetObjectItem(x, "topic")->valuestring, "Video");
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(x, "findings")), 0);
	x = cJSON_GetArrayItem(papers, 2);
	T_EQ_STR(cJSON_GetObjectItem(x, "id")->valuestring, "astro-ph/0601001");
	T_EQ_STR(cJSON_GetObjectItem(x, "url")->valuestring,
		 "https://arxiv.org/abs/astro-ph/0601001v3");
	T_EQ_STR(cJSON_GetObjectItem(x, "analysis")->valuestring,
		 "Core: a new method.\n\n- fast\n- paper (https://arxiv.org/abs/2512.00001)");
	cJSON_Delete(root);
	pb_parts_free(&out);
	/* the built-in summary quotes titles as data spans: their markers never reach the
	 * document, and the quoted title is its text */
	d.exec_summary = pb_exec_summary_builtin(&d);
	d.exec_from_model = 0;
	T_EQ_INT(pb_render(&d, PB_FMT_JSON, NULL, &out), 0);
	T_CHECK(strstr(out.v[0], "\\u0002") == NULL && strstr(out.v[0], "\\u0003") == NULL);
	root = cJSON_Parse(out.v[0]);
	T_CHECK(root && strstr(cJSON_GetObjectItem(root, "summary")->valuestring,
			       "Splats [Verify](" PHISH ") **now** <img src=x>") != NULL);
	cJSON_Delete(root);
	free(d.exec_summary);
out:
	pb_parts_free(&out);
	/* an empty digest is a document too */
	d.n_items = 0;
	d.n_matched = 0;
	d.exec_summary = NULL;
	T_EQ_INT(pb_render(&d, PB_FMT_JSON, NULL, &out), 0);
	root = cJSON_Parse(out.v[0]);
	T_CHECK(root && cJSON_GetArraySize(cJSON_GetObjectItem(root, "papers")) == 0 &&
		cJSON_GetObjectItem(root, "more")->valueint == 0 &&
		strcmp(cJSON_GetObjectItem(root, "summary")->valuestring, "") == 0);
	cJSON_Delete(root);
	pb_parts_free(&out);
}

int
main(void)
{
	test_sign();
	test_classify();
	test_json();
	return t_done("test_webhook");
}
