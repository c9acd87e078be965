/* The Feishu/Lark channel: its signature against vectors computed independently (Python's
 * hmac and base64), the classification of Feishu's answers, and the post bodies: hostile paper
 * text stays in text elements, the only links go to arXiv, every body within 20 KB, parts in
 * order with every paper. */
#include <string.h>

#include <cJSON.h>

#include "../../src/deliver/channel.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "t.h"

static struct pb_result
fs(long status, const char *body, const char *hint)
{
	struct pb_result r;

	pb_feishu_classify_answer(status, body, body ? strlen(body) : 0, hint, &r);
	return r;
}

static void
test_sign(void)
{
	char out[64];

	/* base64.b64encode(hmac.new(b"1599360473\nSEC1", b"", hashlib.sha256).digest()) */
	T_EQ_INT(pb_feishu_sign("SEC1", 1599360473LL, out, sizeof out), 0);
	T_EQ_STR(out, "0hLYmfoUxI4qR6gxrHZUwT+7HcMcncQkWF5gKyZReuU=");
	/* a UTF-8 secret: the key is its bytes */
	T_EQ_INT(pb_feishu_sign("秘密-key", 1700000000LL, out, sizeof out), 0);
	T_EQ_STR(out, "GUeq5Z9cqVMyBvO1s86z0W56ZWKO5uZF6xHOxwxcp1I=");
	T_EQ_INT(pb_feishu_sign("SEC1", 1, out, 10), -1);
	T_EQ_INT(pb_feishu_sign(NULL, 1, out, sizeof out), -1);
}

static void
test_classify(void)
{
	struct pb_result r;

	r = fs(200, "{\"code\":0,\"data\":{},\"msg\":\"success\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	/* the older answer's field names */
	r = fs(200, "{\"Extra\":null,\"StatusCode\":0,\"StatusMessage\":\"success\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = fs(200, "{\"code\":19021,\"data\":{},\"msg\":\"sign match fail or timestamp is not "
		    "within one hour from current time\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "19021 sign match fail or timestamp is not within one hour from "
			   "current time");
	T_EQ_INT(r.suppress, 0);
	r = fs(200, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "19024 Key Words Not Found");
	T_EQ_INT(r.suppress, 0);
	r = fs(200, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = fs(400, "{\"code\":19001,\"msg\":\"param invalid: incoming webhook access token "
		    "invalid\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "19001 param invalid: incoming webhook access token invalid");
	T_EQ_INT(r.suppress, 1);
	/* as Feishu answers it, with HTTP 200: the bot removed from its group, the webhook
	 * gone; suppressed, as a WeCom 93000 or a Slack 404 is */
	r = fs(200, "{\"code\":19001,\"data\":{},\"msg\":\"param invalid: incoming webhook "
		    "access token invalid\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	/* the message's own faults, the bot's settings: the webhook is not suppressed */
	r = fs(200, "{\"code\":19001,\"msg\":\"param invalid: msg_type\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = fs(400, "{\"code\":9499,\"msg\":\"Bad Request\",\"data\":{}}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	/* frequency limits: the gateway's hint, else a minute */
	r = fs(200, "{\"code\":11232,\"msg\":\"frequency limited psm[lark.oapi]\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 60);
	r = fs(429, "{\"code\":99991400,\"msg\":\"request trigger frequency limit\"}", "2");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 2);
	r = fs(400, "{\"code\":99991400,\"msg\":\"request trigger frequency limit\"}", "52");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 52);
	r = fs(200, "{\"code\":9499,\"msg\":\"too many request\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 60);
	r = fs(429, "", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 60);
	r = fs(429, "", "999999");
	T_EQ_INT(r.retry_after_s, 86400);
	/* no Feishu answer */
	r = fs(502, "<html><body>502 Bad Gateway</body></html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	T_CHECK(strncmp(r.reason, "HTTP 502: ", 10) == 0);
	r = fs(500, "{\"code\":500,\"msg\":\"internal\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = fs(200, "<html>login</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = fs(404, "404 page not found", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 404: 404 page not found");
	r = fs(200, "{\"code\":\"0\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = fs(200, "{\"code\":1e300,\"msg\":\"x\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	/* a message with controls is one printable line */
	r = fs(200, "{\"code\":19024,\"msg\":\"a\\nb\\u001b[31m\"}", NULL);
	T_CHECK(strchr(r.reason, '\n') == NULL && strchr(r.reason, '\x1b') == NULL);
	r = fs(0, NULL, NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
}

/* Walks every element of every post body: tags text and a only, links to arXiv, text
 * appended to all. Returns the number of bodies. */
static size_t
walk(const struct pb_parts *p, struct pb_buf *all)
{
	for (size_t i = 0; i < p->n; i++) {
		cJSON *root = cJSON_Parse(p->v[i]), *post, *para, *e;

		T_CHECK(strlen(p->v[i]) + 96 <= PB_FEISHU_MAX_BODY);
		T_CHECK(root != NULL);
		if (!root)
			continue;
		T_EQ_STR(cJSON_GetObjectItem(root, "msg_type")->valuestring, "post");
		post = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "content"),
							       "post"), "zh_cn");
		T_CHECK(cJSON_IsString(cJSON_GetObjectItem(post, "title")));
		cJSON_ArrayForEach(para, cJSON_GetObjectItem(post, "content")) {
			T_CHECK(cJSON_IsArray(para));
			cJSON_ArrayForEach(e, para) {
				const char *tag = cJSON_GetObjectItem(e, "tag")->valuestring;

				T_CHECK(strcmp(tag, "text") == 0 || strcmp(tag, "a") == 0);
				T_CHECK(cJSON_GetObjectItem(e, "un_escape") == NULL);
				if (strcmp(tag, "a") == 0)
					T_CHECK(strncmp(cJSON_GetObjectItem(e, "href")->valuestring,
							"https://arxiv.org/", 18) == 0);
				pb_buf_puts(all, cJSON_GetObjectItem(e, "text")->valuestring);
			}
			pb_buf_putc(all, '\n');
		}
		cJSON_Delete(root);
	}
	return p->n;
}

#define PHISH "https://phish.example/login"
#define HOSTILE "Splats <at user_id=\"all\">everyone</at> [Verify your account](" PHISH \
	") **now** <img src=x> _x_ @all"

static void
test_hostile(void)
{
	struct pb_author au[1] = { { "<at id=all></at> Mallory [x](" PHISH ")", NULL, 0 } };
	char *cats[] = { "cs.CV" };
	char *findings[1] = { "We show <at user_id=\"ou_1\">x</at> **bold** `code <b>` here." };
	struct pb_paper p = { 0 };
	struct pb_digest_item it = { 0 };
	struct pb_digest d = { 0 };
	struct pb_parts md = { 0 }, posts = { 0 };
	struct pb_buf all = { 0 };
	char err[256] = "";

	p.id = "2512.04076";
	p.version = 1;
	p.title = HOSTILE;
	p.authors = au;
	p.n_authors = 1;
	p.abstract = "An abstract & <script>alert(1)</script> with \\*stars\\*.";
	p.categories = cats;
	p.n_categories = 1;
	it.paper = &p;
	it.topic = "3D";
	it.findings = findings;
	it.n_findings = 1;
	d.subscriber = "alice";
	d.date = "2025-12-04";
	d.title = "Digest <at id=all></at>";
	d.exec_summary = "**Top:** [the paper](https://arxiv.org/abs/2512.04076v1) and "
			 "[login](" PHISH ") <at id=all></at>";
	d.exec_from_model = 1;
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;
	T_EQ_INT(pb_render(&d, PB_FMT_MD, NULL, &md), 0);
	T_EQ_INT(pb_feishu_posts(md.v[0], &posts, err, sizeof err), 0);
	T_EQ_INT(walk(&posts, &all), 1);
	if (getenv("PB_SHOW"))
		printf("%s\n%s\n", md.v[0], pb_buf_str(&all));
	/* the text as it is, in text elements: nothing became a mention, a link or a style */
	T_CHECK(strstr(pb_buf_str(&all), HOSTILE) != NULL);
	T_CHECK(strstr(pb_buf_str(&all), "<at id=all></at> Mallory [x](" PHISH ")") != NULL);
	T_CHECK(strstr(pb_buf_str(&all), "<at user_id=\"ou_1\">x</at> **bold**") != NULL);
	T_CHECK(strstr(pb_buf_str(&all), "<script>alert(1)</script> with *stars*") != NULL);
	T_CHECK(strstr(pb_buf_str(&all), "[login](" PHISH ")") != NULL);
	/* the model's link to arXiv is a link; the title is the post's */
	T_CHECK(strstr(posts.v[0], "\"tag\":\"a\",\"text\":\"the paper\",\"href\":"
				   "\"https://arxiv.org/abs/2512.04076v1\"") != NULL);
	T_CHECK(strstr(posts.v[0], "\"title\":\"Digest <at id=all></at>\"") != NULL);
	T_CHECK(strstr(posts.v[0], "\"text\":\"Top:\",\"style\":[\"bold\"]") != NULL);
	/* the digest's anchors are not shown */
	T_CHECK(strstr(pb_buf_str(&all), "<a id=") == NULL);
	pb_parts_free(&md);
	pb_parts_free(&posts);
	pb_buf_free(&all);
}

/* A long digest: CJK and emoji abstracts, many papers. Every body within the limit, the parts
 * numbered in order, every paper's title present once, in rank order. */
static void
test_split(void)
{
	enum { N = 60 };
	struct pb_paper p[N];
	struct pb_digest_item it[N];
	struct pb_digest d = { 0 };
	struct pb_parts md = { 0 }, posts = { 0 };
	struct pb_buf all = { 0 }, abs = { 0 }, title = { 0 };
	char *cats[] = { "cs.CV" }, ids[N][24], titles[N][64], err[256] = "";
	const char *at;
	size_t n;

	for (int k = 0; k < 40; k++)
		pb_buf_puts(&abs, "辐射场的实时渲染需要新的表示方法 😀 and \"quotes\" # back. ");
	memset(p, 0, sizeof p);
	memset(it, 0, sizeof it);
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "2512.%05d", i + 1);
		snprintf(titles[i], sizeof titles[i], "Paper number %03d on radiance", i + 1);
		p[i].id = ids[i];
		p[i].version = 1;
		p[i].title = titles[i];
		p[i].abstract = abs.data;
		p[i].categories = cats;
		p[i].n_categories = 1;
		it[i].paper = &p[i];
		it[i].topic = "3D";
	}
	d.subscriber = "bob";
	d.date = "2025-12-04";
	d.title = "Big digest";
	d.items = it;
	d.n_items = N;
	d.n_matched = N;
	T_EQ_INT(pb_render(&d, PB_FMT_MD, NULL, &md), 0);
	T_EQ_INT(pb_feishu_posts(md.v[0], &posts, err, sizeof err), 0);
	n = walk(&posts, &all);
	T_CHECK(n > 5);
	for (size_t i = 0; i < n; i++) {
		pb_buf_reset(&title);
		pb_buf_printf(&title, "\"title\":\"Big digest (%zu/%zu)\"", i + 1, n);
		T_CHECK(strstr(posts.v[i], pb_buf_str(&title)) != NULL);
	}
	at = pb_buf_str(&all);
	for (int i = 0; i < N; i++) {
		/* its own heading, in rank order, and nowhere else: no contents list (its
		 * entries link to anchors a post does not have) names it again */
		const char *c = strstr(at, titles[i]);

		T_CHECK(c != NULL);
		if (c) {
			T_CHECK(strstr(pb_buf_str(&all), titles[i]) == c);
			T_CHECK(strstr(c + 1, titles[i]) == NULL);
			at = c + 1;
		}
	}
	T_CHECK(strstr(pb_buf_str(&all), "Table of Contents") == NULL);
	T_CHECK(strstr(pb_buf_str(&all), "辐射场的实时渲染需要新的表示方法 😀 and \"quotes\" # back.")
		!= NULL);
	pb_parts_free(&md);
	pb_parts_free(&posts);
	pb_buf_free(&all);
	pb_buf_free(&abs);
	pb_buf_free(&title);
	/* not a digest */
	T_EQ_INT(pb_feishu_posts("no title here", &posts, err, sizeof err), -1);
	T_CHECK(strstr(err, "no title") != NULL);
}

int
main(void)
{
	test_sign();
	test_classify();
	test_hostile();
	test_split();
	return t_done("test_feishu");
}
