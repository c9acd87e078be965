/* WeCom and DingTalk robots: the Markdown rewritten for their dialects (hostile outside text,
 * escaped by the Markdown escaper, never becomes a link, a mention, a tag, a heading or bold),
 * the classification of their JSON answers, and DingTalk's signed URL against a vector
 * computed with Python's hmac/base64/urllib (not with this code). */
#include <stdlib.h>
#include <string.h>

#include "../../src/deliver/channel.h"
#include "paperboy/escape.h"
#include "t.h"

#define PHISH "https://phish.example/login"
#define TITLE "Splats [Verify your account](" PHISH ") **now** <@all> <font color=\"warning\">x</font> `c` #1 > 2 & &lt;b&gt; a\\b snake_case *it*"

static int
has(const char *s, const char *n)
{
	return strstr(s, n) != NULL;
}

/* The digest's Markdown as the renderer writes it around outside text. */
static char *
digest_md(void)
{
	struct pb_buf b = { 0 };

	pb_buf_puts(&b, "# Digest ");
	pb_esc_md(&b, TITLE);
	pb_buf_puts(&b, "\n\n## Summary\n\nA *light* summary with `<code & more>`.\n\n---\n\n"
		    "## Contents\n\n1. [");
	pb_esc_md(&b, TITLE);
	pb_buf_puts(&b, "](#2411.1v1)\n2. [Second](#2411.2v1)\n\nMore matched. All of them: [all.md](all.md).\n\n---\n\n"
		    "<a id='2411.1v1'></a>\n## [");
	pb_esc_md(&b, TITLE);
	pb_buf_puts(&b, "](https://arxiv.org/abs/2411.1v1)\n\n**Authors:** ");
	pb_esc_md(&b, "# Mallory <@all>, [x](" PHISH ")");
	pb_buf_puts(&b, "\n\n**Abstract:**\n\n");
	pb_esc_md(&b, "> quoted\n# heading\n![img](" PHISH ".png) `code` **bold**");
	pb_buf_puts(&b, "\n\n**Links:**\n\n- [PDF](https://arxiv.org/pdf/2411.1v1)\n\n---\n\n"
		    "To change your settings or unsubscribe: <https://example.org/u?a=1>\n");
	return pb_buf_detach(&b);
}

static void
check_dialect(const char *out, int dingtalk)
{
	T_CHECK(!has(out, "](" PHISH));
	T_CHECK(!has(out, "<"));           /* no tag, no mention: the only '<' were outside text */
	T_CHECK(!has(out, "\\"));          /* no escapes left for a dialect that may not read them */
	T_CHECK(!has(out, "&lt;"));
	T_CHECK(!has(out, "**now**") && !has(out, "**bold**"));
	T_CHECK(!has(out, "\n# heading") && !has(out, "\n> quoted") && !has(out, "\n# Mallory"));
	T_CHECK(!has(out, "`c`") && !has(out, "`code`"));
	T_CHECK(!has(out, "<a id"));
	T_CHECK(!has(out, "(#2411"));      /* in-page links: text only */
	T_CHECK(!has(out, "](all.md)") && has(out, "All of them: all.md."));
	T_CHECK(!has(out, "\n---"));
	/* the renderer's markup stays */
	T_CHECK(has(out, "# Digest Splats"));
	T_CHECK(has(out, "](https://arxiv.org/abs/2411.1v1)"));
	T_CHECK(has(out, "[PDF](https://arxiv.org/pdf/2411.1v1)"));
	T_CHECK(has(out, "**Authors:** "));
	T_CHECK(has(out, "[https://example.org/u?a=1](https://example.org/u?a=1)"));
	/* outside text readable in full-width forms */
	T_CHECK(has(out, "\xef\xbc\xbbVerify your account\xef\xbc\xbd(" PHISH ")"));
	T_CHECK(has(out, "\xef\xbc\x9c@all\xef\xbc\x9e"));
	T_CHECK(has(out, "\xef\xbc\x8a\xef\xbc\x8anow\xef\xbc\x8a\xef\xbc\x8a"));
	T_CHECK(has(out, "\xef\xbc\x83" "1 \xef\xbc\x9e 2 & \xef\xbc\x86lt;b"));
	T_CHECK(has(out, "a\xef\xbc\xbc" "b"));
	/* inline code of the summary: its text raw but for '<' and '&' */
	T_CHECK(has(out, "`\xef\xbc\x9c" "code \xef\xbc\x86 more>`"));
	if (dingtalk) {
		T_CHECK(has(out, "A *light* summary"));
		T_CHECK(has(out, "snake\xef\xbc\xbf" "case"));
		T_CHECK(has(out, "**Links:**\n\n- [PDF]"));
		T_CHECK(has(out, "1. Splats ") && has(out, "  \n2. Second\n\n"));
	} else {
		T_CHECK(has(out, "A light summary"));
		T_CHECK(has(out, "snake_case"));
		T_CHECK(!has(out, "  \n") && has(out, "\n2. Second\n\n"));
	}
}

static void
test_robot_md(void)
{
	char *md = digest_md();
	struct pb_buf w = { 0 }, d = { 0 };

	pb_robot_md(&w, md, 0);
	check_dialect(pb_buf_str(&w), 0);
	pb_robot_md(&d, md, PB_RMD_ITALIC | PB_RMD_BREAKS);
	check_dialect(pb_buf_str(&d), 1);
	/* a dangling escape, an unclosed link and code: kept as text, no crash */
	pb_buf_reset(&w);
	pb_robot_md(&w, "a\\", 0);
	T_EQ_STR(pb_buf_str(&w), "a\\");
	pb_buf_reset(&w);
	pb_robot_md(&w, "[x](https://a.example", 0);
	T_EQ_STR(pb_buf_str(&w), "[x](https://a.example");
	pb_buf_reset(&w);
	pb_robot_md(&w, "`<b", 0);
	T_EQ_STR(pb_buf_str(&w), "`\xef\xbc\x9c" "b");
	pb_buf_reset(&w);
	pb_robot_md(&w, "<b>", 0);
	T_EQ_STR(pb_buf_str(&w), "\xef\xbc\x9c" "b>");
	/* a paragraph that would open a list item: none in DingTalk, which has lists; WeCom,
	 * which has none, shows the character */
	pb_buf_reset(&w);
	pb_robot_md(&w, "1\\. One\n\n2\\) Two\n\n- \\- Three\n\n1.5 x", PB_RMD_LISTS);
	T_EQ_STR(pb_buf_str(&w), "1\xef\xbc\x8e One\n\n2\xef\xbc\x89 Two\n\n- \xef\xbc\x8d Three\n\n1.5 x");
	pb_buf_reset(&w);
	pb_robot_md(&w, "1\\. One\n\n- \\+ Two", 0);
	T_EQ_STR(pb_buf_str(&w), "1. One\n\n- + Two");
	pb_buf_free(&w);
	pb_buf_free(&d);
	free(md);
}

static struct pb_result
wecom(long status, const char *body, const char *ra)
{
	struct pb_result r;

	pb_wecom_classify_answer(status, body, body ? strlen(body) : 0, ra, 60, &r);
	return r;
}

static struct pb_result
ding(long status, const char *body)
{
	struct pb_result r;

	pb_dingtalk_classify_answer(status, body, body ? strlen(body) : 0, 600, &r);
	return r;
}

static void
test_wecom_answers(void)
{
	struct pb_result r;

	r = wecom(200, "{\"errcode\":0,\"errmsg\":\"ok\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = wecom(200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 60);
	T_EQ_STR(r.reason, "errcode 45009: api freq out of limit");
	/* the webhook is gone: final, and no more requests to it */
	r = wecom(200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url, hint: [1]\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "errcode 93000: invalid webhook url, hint: [1]");
	r = wecom(200, "{\"errcode\":40058,\"errmsg\":\"markdown.content exceed max length 4096\"}",
		  NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = wecom(200, "{\"errcode\":40008,\"errmsg\":\"invalid message type\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = wecom(200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	r = wecom(200, "{\"errcode\":45033,\"errmsg\":\"api concurrent out of limit\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = wecom(429, "", "7");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 7);
	r = wecom(429, "{\"errcode\":45009}", NULL);
	T_EQ_INT(r.retry_after_s, 60);
	r = wecom(502, "<html>bad gateway</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "HTTP 502: <html>bad gateway</html>");
	r = wecom(200, "<html>portal</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = wecom(404, "not found", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = wecom(200, "{\"errcode\":\"0\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = wecom(200, "{\"errcode\":1e300}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = wecom(200, "{\"errcode\":93000,\"errmsg\":\"a\\nb\\u0007c\"}", NULL);
	T_CHECK(!strchr(r.reason, '\n') && !strchr(r.reason, '\a'));
}

static void
test_dingtalk_answers(void)
{
	struct pb_result r;

	r = ding(200, "{\"errcode\":0,\"errmsg\":\"ok\"}");
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = ding(200, "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 600);
	T_EQ_STR(r.reason, "errcode 130101: send too fast, exceed 20 times per minute");
	r = ding(200, "{\"errcode\":410100,\"errmsg\":\"too fast\"}");
	T_EQ_INT(r.retry_after_s, 600);
	/* the robot's settings refuse the message: final, the webhook kept */
	r = ding(200, "{\"errcode\":310000,\"errmsg\":\"sign not match, more: [x]\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	T_EQ_STR(r.reason, "errcode 310000: sign not match, more: [x]");
	r = ding(200, "{\"errcode\":310000,\"errmsg\":\"keywords not in content, more: [x]\"}");
	T_EQ_INT(r.suppress, 0);
	r = ding(200, "{\"errcode\":400105,\"errmsg\":\"unsupported msgtype\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	/* the robot is gone: final, and no more requests to it */
	r = ding(200, "{\"errcode\":300001,\"errmsg\":\"token is not exist\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	/* as DingTalk answers today for a robot kicked from its group or a webhook reset */
	r = ding(200, "{\"errcode\":300005,\"errmsg\":\"token is not exist\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "errcode 300005: token is not exist");
	/* 300001 about the message itself leaves the webhook alone */
	r = ding(200, "{\"errmsg\":\"message param title is null \",\"errcode\":300001}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = ding(200, "{\"errcode\":400102,\"errmsg\":\"robot stopped\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	for (size_t i = 0; i < 3; i++) {
		static const char *const gone[] = {
			"{\"errcode\":400101,\"errmsg\":\"access_token not exist\"}",
			"{\"errcode\":400106,\"errmsg\":\"robot not exist\"}",
			"{\"errcode\":400013,\"errmsg\":\"group disbanded\"}",
		};
		r = ding(200, gone[i]);
		T_EQ_INT(r.verdict, PB_V_PERMANENT);
		T_EQ_INT(r.suppress, 1);
	}
	r = ding(200, "{\"errcode\":-1,\"errmsg\":\"system busy\"}");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	r = ding(503, "");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "HTTP 503");
	r = ding(403, "forbidden");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = ding(200, "[]");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
}

static void
test_dingtalk_sign(void)
{
	struct pb_buf u = { 0 }, b = { 0 };
	const char *sec = "SECd1f2a3b4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

	/* python3: base64(hmac.new(sec, b"1577808000009\n" + sec, sha256)), quote(safe='') */
	T_EQ_INT(pb_dingtalk_sign_url(&u, "https://oapi.dingtalk.com/robot/send?access_token=t",
				      sec, 1577808000009LL), 0);
	T_EQ_STR(pb_buf_str(&u), "https://oapi.dingtalk.com/robot/send?access_token=t"
		 "&timestamp=1577808000009&sign=smsP8rkWY4Np90%2BA2ZPiKKCjmJnMg3MLeH4qw8%2FCjtM%3D");
	pb_buf_reset(&u);
	T_EQ_INT(pb_dingtalk_sign_url(&u, "https://oapi.dingtalk.com/robot/send?access_token=t",
				      sec, 1577808000000LL), 0);
	T_CHECK(has(pb_buf_str(&u), "&sign=sKAGAvLSMchROSKaIJyTaCyYFq0ccKeRZ38tY1kqFWA%3D"));
	/* no secret: the webhook as it is */
	pb_buf_reset(&u);
	T_EQ_INT(pb_dingtalk_sign_url(&u, "http://127.0.0.1:1/robot/send?access_token=t", NULL, 1), 0);
	T_EQ_STR(pb_buf_str(&u), "http://127.0.0.1:1/robot/send?access_token=t");
	/* RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") */
	T_EQ_INT(pb_sign_hmac_sha256_b64("Jefe", 4, "what do ya want for nothing?", 28, &b), 0);
	T_EQ_STR(pb_buf_str(&b), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
	pb_buf_reset(&b);
	pb_sign_urlencode(&b, "a+b/c=d e~_.-\xc3\xa9");
	T_EQ_STR(pb_buf_str(&b), "a%2Bb%2Fc%3Dd%20e~_.-%C3%A9");
	pb_buf_free(&u);
	pb_buf_free(&b);
}

int
main(void)
{
	test_robot_md();
	test_wecom_answers();
	test_dingtalk_answers();
	test_dingtalk_sign();
	return t_done("test_robots");
}
