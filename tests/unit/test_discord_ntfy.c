/* The Discord and ntfy channels: their answers classified as the services document them, the
 * payloads built from a Markdown digest (split within 2,000 characters / 4,096 bytes, mentions
 * parsed by no one, ~ escaped for Discord, title, click and topic for ntfy), the chat Markdown
 * they share, their pacing keys, and their configuration keys. */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../../src/deliver/channel.h"
#include "t.h"

static struct pb_result
discord(long status, const char *body, const char *ra)
{
	struct pb_result r;

	pb_discord_classify_answer(status, body, body ? strlen(body) : 0, ra, NULL, &r);
	return r;
}

static struct pb_result
ntfy(long status, const char *body, const char *ra)
{
	struct pb_result r;

	pb_ntfy_classify_answer(status, body, body ? strlen(body) : 0, ra, &r);
	return r;
}

static void
test_discord_answers(void)
{
	struct pb_result r;

	r = discord(200, "{\"id\":\"1\",\"content\":\"x\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = discord(204, NULL, NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = discord(404, "{\"message\": \"Unknown Webhook\", \"code\": 10015}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 404: 10015 Unknown Webhook");
	/* a deleted webhook is suppressed: the next digests make no request to it */
	T_EQ_INT(r.suppress, 1);
	r = discord(404, "<html>Not Found</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	r = discord(401, "{\"message\": \"401: Unauthorized\", \"code\": 0}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	T_EQ_STR(r.reason, "HTTP 401: 0 401: Unauthorized");
	/* A token Discord says is not the webhook's: the URL cannot work again, and Discord
	 * asks that requests stop once a token is invalid (401s count toward its ban). */
	r = discord(401, "{\"message\": \"Invalid Webhook Token\", \"code\": 50027}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "HTTP 401: 50027 Invalid Webhook Token");
	/* the code on another status, or a proxy's 401, suppresses nothing */
	r = discord(400, "{\"message\": \"Invalid Webhook Token\", \"code\": 50027}", NULL);
	T_EQ_INT(r.suppress, 0);
	r = discord(401, "<html>401 Authorization Required</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = discord(403, "{\"message\": \"Missing Access\", \"code\": 50001}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = discord(400, "{\"message\": \"Invalid Form Body\", \"code\": 50035, \"errors\": "
			 "{\"content\": {\"_errors\": [{\"code\": \"BASE_TYPE_MAX_LENGTH\", "
			 "\"message\": \"Must be 2000 or fewer in length.\"}]}}}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 400: 50035 Invalid Form Body (content: Must be 2000 or fewer "
			   "in length.)");
	r = discord(400, "{\"message\": \"Invalid Form Body\", \"code\": 50035, \"errors\": "
			 "{\"embeds\": {\"0\": {\"description\": {\"_errors\": [{\"code\": \"X\", "
			 "\"message\": \"Too long.\"}]}}}}}", NULL);
	T_EQ_STR(r.reason, "HTTP 400: 50035 Invalid Form Body (embeds.0.description: Too long.)");
	/* 429: the JSON's float, rounded up; the header when it says longer; a day at most.
	 * (Discord's example of a webhook's own limit, with its X-RateLimit-Scope: user.) */
	{
		static const char a[] = "{\"message\": \"You are being rate limited.\", "
					"\"retry_after\": 64.57, \"global\": false}";

		pb_discord_classify_answer(429, a, sizeof a - 1, "65", "user", &r);
	}
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 65);
	T_EQ_STR(r.reason, "HTTP 429: You are being rate limited.");
	r = discord(429, "{\"message\": \"You are being rate limited.\", \"retry_after\": 0.3, "
			 "\"global\": true}", NULL);
	T_EQ_INT(r.retry_after_s, 1);
	T_EQ_STR(r.reason, "HTTP 429: You are being rate limited. (global rate limit)");
	/* The global limit holds every Discord message (their common pacing key); a webhook's
	 * own bucket, or a shared one, that webhook alone. */
	T_EQ_STR(r.hold, "discord:*");
	{
		struct pb_pace p[2];
		struct pb_outbox_msg m = { .subscriber = "nobody", .channel = "discord" };
		struct pb_config cfg = { 0 };

		T_EQ_INT(pb_channel_discord.pace(&m, &cfg, p, 2), 2);
		T_EQ_STR(p[1].key, r.hold);
	}
	pb_discord_classify_answer(429, "{\"retry_after\": 2.5, \"global\": false}", 38, "3",
				   "user", &r);
	T_EQ_STR(r.hold, "");
	T_EQ_STR(r.reason, "HTTP 429: (no message)");
	pb_discord_classify_answer(429, "{\"retry_after\": 2.5}", 20, "3", "shared", &r);
	T_EQ_STR(r.hold, "");
	pb_discord_classify_answer(429, "{\"retry_after\": 2.5}", 20, "3", "user", &r);
	T_EQ_STR(r.hold, "");
	/* the headers say it when the answer does not (X-RateLimit-Scope; X-RateLimit-Global
	 * comes as the scope "global") */
	pb_discord_classify_answer(429, "{\"retry_after\": 2.5}", 20, "3", "global", &r);
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_INT(r.retry_after_s, 3);
	pb_discord_classify_answer(429, "<html>error code: 1015</html>", 29, "20", "global", &r);
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_STR(r.reason, "HTTP 429: <html>error code: 1015</html> (global rate limit)");
	/* no wait said: held all the same (for the backoff of the message that met it) */
	pb_discord_classify_answer(429, "{\"global\": true}", 16, NULL, NULL, &r);
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_INT(r.retry_after_s, -1);
	/* Discord's own 429 always names its scope: one without, or not Discord's JSON, is
	 * Cloudflare's ban of the address, which refuses every webhook alike and grows with
	 * each request sent meanwhile: every Discord message waits, whether it names a wait or
	 * not (discord-api-docs issue 5810: a JSON answer without rate-limit headers). */
	r = discord(429, "{\"code\": 0, \"message\": \"You are being blocked from accessing our "
			 "API temporarily due to exceeding our rate limits frequently.\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_STR(r.reason, "HTTP 429: 0 You are being blocked from accessing our API temporarily "
			   "due to exceeding our rate limits frequently. (a ban of the address)");
	r = discord(429, "{\"retry_after\": 2.5, \"global\": false}", "3");
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_INT(r.retry_after_s, 3);
	pb_discord_classify_answer(429, "error code: 1015", 16, "3600", "", &r);
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_INT(r.retry_after_s, 3600);
	/* a scope on a page that is not Discord's JSON: a proxy's, or Cloudflare's */
	pb_discord_classify_answer(429, "<html>error code: 1015</html>", 29, NULL, "user", &r);
	T_EQ_STR(r.hold, "discord:*");
	/* a hint of a ban on an answer that is not 429 holds nothing */
	r = discord(403, "error code: 1015", NULL);
	T_EQ_STR(r.hold, "");
	r = discord(429, "{\"retry_after\": 1.5}", "3");
	T_EQ_INT(r.retry_after_s, 3);
	r = discord(429, "{\"retry_after\": 1e12}", NULL);
	T_EQ_INT(r.retry_after_s, 86400);
	r = discord(429, "<html>error code: 1015</html>", "20");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 20);
	T_EQ_STR(r.hold, "discord:*");
	T_EQ_STR(r.reason, "HTTP 429: <html>error code: 1015</html> (a ban of the address)");
	/* A hint on an answer that is not 429 is not a rate limit. */
	r = discord(404, "{\"message\": \"Unknown Webhook\", \"code\": 10015, \"retry_after\": 5}",
		    "5");
	T_EQ_INT(r.retry_after_s, -1);
	r = discord(502, "<html>Bad gateway</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	r = discord(0, NULL, NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = discord(400, "{\"message\": \"x\\ny\\u0001\"}", NULL);
	T_EQ_STR(r.reason, "HTTP 400: x y");
}

static void
test_ntfy_answers(void)
{
	struct pb_result r;

	r = ntfy(200, "{\"id\":\"a\",\"event\":\"message\",\"topic\":\"t\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = ntfy(429, "{\"code\":42901,\"http\":429,\"error\":\"limit reached: too many requests\","
		      "\"link\":\"https://ntfy.sh/docs/publish/#limitations\"}", "2");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 2);
	T_EQ_STR(r.reason, "HTTP 429: 42901 limit reached: too many requests");
	r = ntfy(429, "{\"code\":42901,\"http\":429,\"error\":\"limit reached\"}", NULL);
	T_EQ_INT(r.retry_after_s, -1);
	r = ntfy(401, "{\"code\":40101,\"http\":401,\"error\":\"unauthorized\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 401: 40101 unauthorized");
	/* the token is wrong: every topic's, nothing of this one */
	T_EQ_INT(r.suppress, 0);
	/* The server's access control refuses us the topic (reserved by another account,
	 * anonymous writing denied): the topic is suppressed, no later message asks again. */
	r = ntfy(403, "{\"code\":40301,\"http\":403,\"error\":\"forbidden\","
		      "\"link\":\"https://ntfy.sh/docs/publish/#authentication\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "HTTP 403: 40301 forbidden");
	/* a proxy's 403 page, or another code, says nothing of the topic */
	r = ntfy(403, "<html>403 Forbidden</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = ntfy(400, "{\"code\":40301,\"http\":400,\"error\":\"forbidden\"}", NULL);
	T_EQ_INT(r.suppress, 0);
	r = ntfy(400, "{\"code\":40009,\"http\":400,\"error\":\"invalid request: topic invalid\"}",
		 NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = ntfy(413, "{\"code\":41301,\"http\":413,\"error\":\"too large\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = ntfy(500, "{\"code\":50001,\"http\":500,\"error\":\"internal server error\"}", "x");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	r = ntfy(502, "bad gateway\n", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "HTTP 502: bad gateway");
	r = ntfy(404, NULL, NULL);
	T_EQ_STR(r.reason, "HTTP 404");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
}

static const char DOC[] =
	"---\ntitle: \"T\"\ndate: 2024-11-28\n---\n\n"
	"# Digest - 2024-11-28\n\n## Executive Summary\n\n**2 papers** matched.\n\n"
	"---\n\n## Table of Contents\n\n1. [A \\[b\\]](#2411.00001v1)\n2. [C](#2411.00002v1)\n\n"
	"9 more papers matched. All of them: [all.md](all.md).\n\n---\n\n## Papers\n\n"
	"<a id='2411.00001v1'></a>\n## [A \\[b\\]](https://arxiv.org/abs/2411.00001v1)\n\n"
	"@everyone ~~gone~~ \\[x\\](y) see [PDF](https://arxiv.org/pdf/2411.00001v1~1)\n\n---\n\n"
	"<a id='2411.00002v1'></a>\n## [C](https://arxiv.org/abs/2411.00002v1)\n\nText.\n";

static void
test_chat_md(void)
{
	struct pb_buf b = { 0 };

	pb_chat_md(DOC, &b);
	T_EQ_STR(pb_buf_str(&b),
		 "# Digest - 2024-11-28\n\n## Executive Summary\n\n**2 papers** matched.\n\n"
		 "9 more papers matched. All of them: all.md.\n\n## Papers\n\n"
		 "## [A \\[b\\]](https://arxiv.org/abs/2411.00001v1)\n\n"
		 "@everyone ~~gone~~ \\[x\\](y) see [PDF](https://arxiv.org/pdf/2411.00001v1~1)\n\n"
		 "## [C](https://arxiv.org/abs/2411.00002v1)\n\nText.");
	pb_buf_free(&b);
}

/* A digest long enough to need several messages: n papers of a long abstract each. */
static char *
long_doc(int n)
{
	struct pb_buf b = { 0 };

	pb_buf_puts(&b, "---\ntitle: \"T\"\n---\n\n# Long digest\n\n## Papers\n\n");
	for (int i = 0; i < n; i++) {
		pb_buf_printf(&b, "<a id='2411.%05dv1'></a>\n## [Paper %d ~~s~~ ünïcödé 論文]"
			      "(https://arxiv.org/abs/2411.%05dv1)\n\n", i, i, i);
		for (int k = 0; k < 12; k++)
			pb_buf_puts(&b, "An abstract sentence with some words, ünïcödé and 論文. ");
		pb_buf_puts(&b, "\n\n---\n\n");
	}
	return pb_buf_detach(&b);
}

static size_t
utf16_len(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n += (*p >= 0xF0) ? 2 : 1;
	return n;
}

static void
setup(struct pb_config *cfg, struct pb_subscriber *sub, struct pb_digest *d,
      struct pb_parts out[PB_FMT_COUNT], struct pb_chan_ctx *c, char *doc)
{
	memset(cfg, 0, sizeof *cfg);
	memset(sub, 0, sizeof *sub);
	memset(d, 0, sizeof *d);
	memset(out, 0, sizeof(struct pb_parts) * PB_FMT_COUNT);
	memset(c, 0, sizeof *c);
	cfg->ntfy.priority = 3;
	cfg->delivery.discord_interval_ms = 2000;
	cfg->delivery.ntfy_interval_ms = 5000;
	sub->name = "ann";
	d->title = "Arxiv Papers - 2024-11-28";
	pb_parts_push(&out[PB_FMT_MD], doc);
	c->cfg = cfg;
	c->sub = sub;
	c->d = d;
	c->out = out;
}

static void
test_discord_build(void)
{
	struct pb_config cfg;
	struct pb_subscriber sub;
	struct pb_digest d;
	struct pb_parts out[PB_FMT_COUNT], p = { 0 };
	struct pb_chan_ctx c;
	struct pb_buf all = { 0 };
	char err[256] = "";

	setup(&cfg, &sub, &d, out, &c, long_doc(20));
	T_EQ_INT(pb_channel_discord.build(&c, "webhook", "id", &p, err, sizeof err), 0);
	T_CHECK(p.n >= 3);
	for (size_t i = 0; i < p.n; i++) {
		cJSON *o = cJSON_Parse(p.v[i]);
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(o, "content");
		const cJSON *am = cJSON_GetObjectItemCaseSensitive(o, "allowed_mentions");
		const cJSON *parse = cJSON_GetObjectItemCaseSensitive(am, "parse");
		const cJSON *flags = cJSON_GetObjectItemCaseSensitive(o, "flags");

		T_CHECK(strchr(p.v[i], '\n') == NULL);
		T_CHECK(cJSON_IsString(content));
		T_CHECK(cJSON_IsArray(parse) && cJSON_GetArraySize(parse) == 0);
		T_CHECK(cJSON_IsNumber(flags) && flags->valueint == 4);
		if (cJSON_IsString(content)) {
			T_CHECK(utf16_len(content->valuestring) <= 2000);
			T_CHECK(strstr(content->valuestring, "~~") == NULL);
			T_CHECK(strstr(content->valuestring, "<a id=") == NULL);
			pb_buf_printf(&all, "%s\n", content->valuestring);
		}
		cJSON_Delete(o);
	}
	T_CHECK(strstr(pb_buf_str(&all), "## [Paper 0 \\~\\~s\\~\\~ ünïcödé 論文]"
				 "(https://arxiv.org/abs/2411.00000v1)") != NULL);
	T_CHECK(strstr(pb_buf_str(&all), "(https://arxiv.org/abs/2411.00019v1)") != NULL);
	/* parts in order */
	T_CHECK(strstr(pb_buf_str(&all), "Paper 3 ") < strstr(pb_buf_str(&all), "Paper 17 "));
	pb_parts_free(&p);
	pb_parts_free(&out[PB_FMT_MD]);
	pb_buf_free(&all);

	/* A link's target keeps its ~. */
	setup(&cfg, &sub, &d, out, &c, pb_xstrdup(DOC));
	T_EQ_INT(pb_channel_discord.build(&c, "webhook", "id", &p, err, sizeof err), 0);
	T_EQ_INT(p.n, 1);
	T_CHECK(strstr(p.v[0], "\\\\~\\\\~gone\\\\~\\\\~") != NULL);
	T_CHECK(strstr(p.v[0], "(https://arxiv.org/pdf/2411.00001v1~1)") != NULL);
	pb_parts_free(&p);
	pb_parts_free(&out[PB_FMT_MD]);

	/* Nothing rendered: an error, not a crash. */
	memset(out, 0, sizeof out);
	T_EQ_INT(pb_channel_discord.build(&c, "webhook", "id", &p, err, sizeof err), -1);
	T_EQ_STR(err, "discord: nothing rendered");
}

static void
test_ntfy_build(void)
{
	struct pb_config cfg;
	struct pb_subscriber sub;
	struct pb_digest d;
	struct pb_parts out[PB_FMT_COUNT], p = { 0 };
	struct pb_chan_ctx c;
	char err[256] = "", want[64];

	setup(&cfg, &sub, &d, out, &c, long_doc(20));
	cfg.ntfy.priority = 5;
	T_EQ_INT(pb_channel_ntfy.build(&c, "papers_ann", "id", &p, err, sizeof err), 0);
	T_CHECK(p.n >= 2);
	for (size_t i = 0; i < p.n; i++) {
		cJSON *o = cJSON_Parse(p.v[i]);
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "message");
		const cJSON *title = cJSON_GetObjectItemCaseSensitive(o, "title");
		const cJSON *click = cJSON_GetObjectItemCaseSensitive(o, "click");
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");

		T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "topic")),
			 "papers_ann");
		T_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "markdown")));
		T_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "priority")), 5);
		T_CHECK(cJSON_IsArray(tags) && cJSON_GetArraySize(tags) == 1);
		T_CHECK(cJSON_IsString(msg) && strlen(msg->valuestring) <= 4096);
		snprintf(want, sizeof want, "Arxiv Papers - 2024-11-28 (%zu/%zu)", i + 1, p.n);
		T_EQ_STR(cJSON_GetStringValue(title), want);
		/* the click URL is the first arXiv link of this message */
		if (cJSON_IsString(msg) && cJSON_IsString(click)) {
			const char *l = strstr(msg->valuestring, "](https://arxiv.org/abs/");
			T_CHECK(l && strncmp(l + 2, click->valuestring,
					     strlen(click->valuestring)) == 0);
		} else {
			T_CHECK(0);
		}
		cJSON_Delete(o);
	}
	pb_parts_free(&p);
	pb_parts_free(&out[PB_FMT_MD]);

	/* The tap goes to the first paper's page, whatever its title says: a ] in paper text is
	 * escaped (\]), so "](https://arxiv.org/abs/..." there is no link of the digest's. A
	 * title ending in a backslash (\\ before the renderer's own "](") is still a link. */
	{
		static const struct { const char *title, *click; } cases[] = {
			{ "X\\](https://arxiv.org/abs/0000.00000) Y",
			  "https://arxiv.org/abs/2411.00001v1" },
			{ "\\\\\\](https://arxiv.org/abs/0000.00000) Y",
			  "https://arxiv.org/abs/2411.00001v1" },
			{ "A \\\\", "https://arxiv.org/abs/2411.00001v1" },
		};

		for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
			struct pb_buf doc = { 0 };
			cJSON *o;

			pb_buf_printf(&doc, "---\ntitle: \"T\"\n---\n\n# Hostile\n\n## Papers\n\n"
				      "## [%s](https://arxiv.org/abs/2411.00001v1)\n\nText.\n",
				      cases[k].title);
			setup(&cfg, &sub, &d, out, &c, pb_buf_detach(&doc));
			T_EQ_INT(pb_channel_ntfy.build(&c, "papers_ann", "id", &p, err, sizeof err),
				 0);
			T_EQ_INT(p.n, 1);
			o = cJSON_Parse(p.n ? p.v[0] : "{}");
			T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "click")),
				 cases[k].click);
			cJSON_Delete(o);
			pb_parts_free(&p);
			pb_parts_free(&out[PB_FMT_MD]);
		}
	}

	/* ntfy reads a JSON body of at most twice its message limit (8,192 bytes) and answers a
	 * longer one 413 "JSON body too large": a message of 4,096 bytes that JSON writes
	 * longer (quotes, backslashes) is cut smaller, and no text is lost. */
	{
		struct pb_buf doc = { 0 }, all = { 0 };
		size_t quotes = 0;

		pb_buf_puts(&doc, "---\ntitle: \"T\"\n---\n\n# Quoted\n\n## Papers\n\n"
			    "## [A](https://arxiv.org/abs/2411.00001v1)\n\n");
		for (int k = 0; k < 3000; k++)
			pb_buf_puts(&doc, "\"\\\\");
		pb_buf_puts(&doc, "\n");
		setup(&cfg, &sub, &d, out, &c, pb_buf_detach(&doc));
		T_EQ_INT(pb_channel_ntfy.build(&c, "papers_ann", "id", &p, err, sizeof err), 0);
		T_CHECK(p.n >= 2);
		for (size_t i = 0; i < p.n; i++) {
			cJSON *o = cJSON_Parse(p.v[i]);
			const char *msg = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(o, "message"));

			T_CHECK(strlen(p.v[i]) <= 8192);
			T_CHECK(msg && strlen(msg) <= 4096);
			pb_buf_puts(&all, msg ? msg : "");
			cJSON_Delete(o);
		}
		for (const char *q = pb_buf_str(&all); (q = strchr(q, '"')) != NULL; q++)
			quotes++;
		T_EQ_INT(quotes, 3000);
		pb_parts_free(&p);
		pb_parts_free(&out[PB_FMT_MD]);
		pb_buf_free(&all);
	}
}

static void
test_pace(void)
{
	struct pb_config cfg;
	struct pb_subscriber subs[2];
	struct pb_outbox_msg m;
	struct pb_pace p[4], q[4];

	memset(&cfg, 0, sizeof cfg);
	memset(subs, 0, sizeof subs);
	memset(&m, 0, sizeof m);
	subs[0].name = "a";
	subs[0].discord_webhook = "https://discord.com/api/webhooks/1/secret-one";
	subs[1].name = "b";
	subs[1].discord_webhook = "https://discord.com/api/webhooks/2/secret-two";
	cfg.subscribers = subs;
	cfg.n_subscribers = 2;
	cfg.delivery.discord_interval_ms = 2000;
	cfg.delivery.ntfy_interval_ms = 5000;
	m.subscriber = "a";
	m.dest = "webhook";
	T_EQ_INT(pb_channel_discord.pace(&m, &cfg, p, 4), 2);
	T_EQ_INT(p[0].interval_ms, 2000);
	T_CHECK(strstr(p[0].key, "secret") == NULL && strstr(p[0].key, "discord.com") == NULL);
	T_EQ_STR(p[1].key, "discord:*");
	m.subscriber = "b";
	T_EQ_INT(pb_channel_discord.pace(&m, &cfg, q, 4), 2);
	T_CHECK(strcmp(p[0].key, q[0].key) != 0);
	/* ntfy: one key per server, whatever the topic */
	m.dest = "topic_one";
	T_EQ_INT(pb_channel_ntfy.pace(&m, &cfg, p, 4), 1);
	m.dest = "topic_two";
	T_EQ_INT(pb_channel_ntfy.pace(&m, &cfg, q, 4), 1);
	T_EQ_STR(p[0].key, q[0].key);
	T_EQ_INT(p[0].interval_ms, 5000);
	cfg.ntfy.base_url = "http://127.0.0.1:8080";
	T_EQ_INT(pb_channel_ntfy.pace(&m, &cfg, q, 4), 1);
	T_CHECK(strcmp(p[0].key, q[0].key) != 0);
}

static struct pb_config *
load(const char *text, struct pb_config_error *err)
{
	char path[] = "/tmp/pb-test-dn-XXXXXX";
	int fd = mkstemp(path);
	struct pb_config *cfg;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		T_CHECK(0);
		return NULL;
	}
	close(fd);
	cfg = pb_config_load(path, err);
	unlink(path);
	return cfg;
}

static void
test_config(void)
{
	struct pb_config_error err;
	struct pb_config *cfg;

	setenv("PB_TEST_DISCORD", "https://discord.com/api/webhooks/1/tok", 1);
	cfg = load("state_dir = \"/tmp\"; arxiv = { categories = [\"cs.CV\"]; };\n"
		   "file = { enabled = false; };\n"
		   "subscribers = ( { name = \"a\"; discord_webhook_env = \"PB_TEST_DISCORD\";\n"
		   "  ntfy_topic = \"Papers_a-1\"; topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n",
		   &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_STR(cfg->subscribers[0].discord_webhook, "https://discord.com/api/webhooks/1/tok");
		T_EQ_STR(cfg->subscribers[0].ntfy_topic, "Papers_a-1");
		T_EQ_STR(cfg->ntfy.base_url, "https://ntfy.sh");
		T_CHECK(cfg->ntfy.token == NULL);
		T_EQ_INT(cfg->ntfy.priority, 3);
		T_EQ_INT(cfg->delivery.discord_interval_ms, 2000);
		T_EQ_INT(cfg->delivery.ntfy_interval_ms, 5000);
	}
	pb_config_free(cfg);
	/* ntfy's topic rule, and the priority's bounds */
	cfg = load("state_dir = \"/tmp\"; arxiv = { categories = [\"cs.CV\"]; };\n"
		   "subscribers = ( { name = \"a\";\n"
		   "  ntfy_topic = \"a/b\"; topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n",
		   &err);
	T_CHECK(cfg == NULL);
	T_EQ_INT(err.line, 3);
	T_EQ_STR(err.key, "subscribers.[0].ntfy_topic");
	T_CHECK(strstr(err.message, "not an ntfy topic name") != NULL);
	cfg = load("state_dir = \"/tmp\"; arxiv = { categories = [\"cs.CV\"]; };\n"
		   "subscribers = ( { name = \"a\"; ntfy_topic = "
		   "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";\n"
		   "  topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n", &err);
	T_CHECK(cfg == NULL);    /* 65 characters */
	cfg = load("state_dir = \"/tmp\"; arxiv = { categories = [\"cs.CV\"]; };\n"
		   "ntfy = { priority = 6; };\n"
		   "subscribers = ( { name = \"a\"; ntfy_topic = \"x\";\n"
		   "  topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n", &err);
	T_CHECK(cfg == NULL);
	T_EQ_STR(err.key, "ntfy.priority");
	/* A webhook that is not a URL. */
	setenv("PB_TEST_DISCORD", "discord.com/api/webhooks/1/tok", 1);
	cfg = load("state_dir = \"/tmp\"; arxiv = { categories = [\"cs.CV\"]; };\n"
		   "subscribers = ( { name = \"a\"; discord_webhook_env = \"PB_TEST_DISCORD\";\n"
		   "  topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n", &err);
	T_CHECK(cfg == NULL);
	T_CHECK(strstr(err.message, "not an http(s) URL") != NULL);
	T_CHECK(strstr(err.message, "discord.com/api") == NULL);
}

int
main(void)
{
	test_discord_answers();
	test_ntfy_answers();
	test_chat_md();
	test_discord_build();
	test_ntfy_build();
	test_pace();
	test_config();
	return t_done("test_discord_ntfy");
}
