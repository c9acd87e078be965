/* The Matrix channel: the classification of the client-server API's answers, the transaction
 * id (stable, URL-safe, one per outbox message), the HTML and plain body made from the
 * Telegram renderer's HTML, events kept within their size with every piece of text once and
 * in order, and the configuration's checks of matrix_room and the matrix group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../../src/deliver/channel.h"
#include "paperboy/config.h"
#include "t.h"

static struct pb_result
mx(long status, const char *body, const char *ra)
{
	struct pb_result r;

	pb_matrix_classify_answer(status, body, body ? strlen(body) : 0, ra, &r);
	return r;
}

static void
test_classify(void)
{
	struct pb_result r;

	r = mx(200, "{\"event_id\":\"$YUwRidLecu:example.com\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	/* A 200 without an event id (a proxy's page): sending again is safe with the same
	 * transaction id. */
	r = mx(200, "<html>ok</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "HTTP 200 without an event_id");
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too many requests\","
		    "\"retry_after_ms\":2000}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 2);
	T_EQ_STR(r.reason, "HTTP 429: M_LIMIT_EXCEEDED: Too many requests");
	/* Milliseconds round up: never shorter than asked. */
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1001}", NULL);
	T_EQ_INT(r.retry_after_s, 2);
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1}", NULL);
	T_EQ_INT(r.retry_after_s, 1);
	/* The body's hint first, else the Retry-After header (spec v1.10), else our backoff. */
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":3000}", "9");
	T_EQ_INT(r.retry_after_s, 3);
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"slow down\"}", "7");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 7);
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\"}", NULL);
	T_EQ_INT(r.retry_after_s, -1);
	/* no wait said: nothing to hold the other rooms for */
	T_EQ_STR(r.hold, "");
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1e12}", NULL);
	T_EQ_INT(r.retry_after_s, 86400);
	/* M_LIMIT_EXCEEDED under another status is still a rate limit. */
	r = mx(400, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":500}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 1);
	T_EQ_STR(r.hold, "mx:*");
	/* The limit is the account's (Synapse's rc_message, whatever the room): a 429 holds
	 * every event to the homeserver (their common pacing key), not only its room's. */
	r = mx(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":4800}", NULL);
	T_EQ_STR(r.hold, "mx:*");
	T_EQ_INT(r.retry_after_s, 5);
	r = mx(429, "<html>Too Many Requests</html>", "12");
	T_EQ_STR(r.hold, "mx:*");
	T_EQ_INT(r.retry_after_s, 12);
	{
		struct pb_pace p[2];
		struct pb_outbox_msg m = { .subscriber = "a", .channel = "matrix",
					   .dest = "!ok:example.org" };
		struct pb_config cfg = { 0 };

		T_EQ_INT(pb_channel_matrix.pace(&m, &cfg, p, 2), 2);
		T_EQ_STR(p[1].key, r.hold);
	}
	/* Other answers hold nothing beyond their room. */
	r = mx(502, "<html>Bad Gateway</html>", "30");
	T_EQ_STR(r.hold, "");

	r = mx(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token passed.\","
		    "\"soft_logout\":false}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 401: M_UNKNOWN_TOKEN: Invalid access token passed.");
	r = mx(401, "{\"errcode\":\"M_MISSING_TOKEN\",\"error\":\"Missing access token\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = mx(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"User @bot:example.org not in room\"}",
	       NULL);
	T_EQ_INT(r.verdict, PB_V_PAUSED);
	T_EQ_STR(r.reason, "HTTP 403: M_FORBIDDEN: User @bot:example.org not in room");
	r = mx(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"Unknown room\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = mx(404, "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = mx(400, "{\"errcode\":\"M_BAD_JSON\",\"error\":\"Missing body\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = mx(400, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"?\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = mx(413, "{\"errcode\":\"M_TOO_LARGE\",\"error\":\"event too large\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = mx(500, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Internal server error\"}", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, -1);
	r = mx(502, "<html>\r\nBad Gateway</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "HTTP 502: <html> Bad Gateway</html>");
	/* The server's words never break the log line. */
	r = mx(400, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"a\\nb\\u0007c\"}", NULL);
	T_CHECK(strchr(r.reason, '\n') == NULL && strchr(r.reason, '\a') == NULL);
	r = mx(400, NULL, NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 400");
}

static int
url_safe(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~", *s))
			return 0;
	return 1;
}

static void
test_txn_id(void)
{
	char a[PB_MATRIX_TXN_LEN], b[PB_MATRIX_TXN_LEN], c[PB_MATRIX_TXN_LEN];
	const char *id1 = "2024-11-28/alice/matrix/!ok1:example.org/1";

	pb_matrix_txn_id(id1, a);
	pb_matrix_txn_id(id1, b);
	pb_matrix_txn_id("2024-11-28/alice/matrix/!ok1:example.org/2", c);
	T_EQ_STR(a, b);
	T_CHECK(strcmp(a, c) != 0);
	T_EQ_INT(strlen(a), PB_MATRIX_TXN_LEN - 1);
	T_CHECK(url_safe(a));
	/* "pb" and the first 128 bits of SHA-256 (computed apart: Python's hashlib). It must
	 * never change: an upgrade in the middle of a delivery would send twice. */
	T_EQ_STR(a, "pb8fae1816d074ba46d4796428adeb24b6");
	T_EQ_STR(c, "pbd9a6060c32acb872e8d6a149e5d781af");
	/* The room and the subscriber are part of the id. */
	pb_matrix_txn_id("2024-11-28/bob/matrix/!ok1:example.org/1", c);
	T_CHECK(strcmp(a, c) != 0);
	pb_matrix_txn_id("2024-11-28/alice/matrix/!ok2:example.org/1", c);
	T_CHECK(strcmp(a, c) != 0);
}

static void
conv(const char *tg, const char *want_html, const char *want_plain)
{
	struct pb_buf h = { 0 }, p = { 0 };

	pb_matrix_from_telegram(tg, strlen(tg), &h, &p);
	T_EQ_STR(pb_buf_str(&h), want_html);
	T_EQ_STR(pb_buf_str(&p), want_plain);
	pb_buf_free(&h);
	pb_buf_free(&p);
}

static void
test_convert(void)
{
	conv("<b>1. <a href=\"https://arxiv.org/abs/2411.1\">A &lt;b&gt; &amp; B</a></b>\n<i>X</i>",
	     "<b>1. <a href=\"https://arxiv.org/abs/2411.1\">A &lt;b&gt; &amp; B</a></b><br><i>X</i>",
	     "1. A <b> & B (https://arxiv.org/abs/2411.1)\nX");
	/* A link whose text is its URL is not repeated; an escaped href is decoded. */
	conv("<a href=\"https://x.org/?a=1&amp;b=2\">https://x.org/?a=1&amp;b=2</a>",
	     "<a href=\"https://x.org/?a=1&amp;b=2\">https://x.org/?a=1&amp;b=2</a>",
	     "https://x.org/?a=1&b=2");
	conv("<pre>a\nb</pre>\n<code>&quot;x&quot;</code>",
	     "<pre>a\nb</pre><br><code>&quot;x&quot;</code>", "a\nb\n\"x\"");
	/* A bare ampersand (never written by the renderer) leaves as &amp;. */
	conv("R&D &unknown; @room", "R&amp;D &amp;unknown; @room", "R&D &unknown; @room");
	conv("<blockquote>q</blockquote>", "<blockquote>q</blockquote>", "q");
}

/* A Telegram sendMessage body with text t. */
static char *
tg_body(const char *t)
{
	cJSON *m = cJSON_CreateObject();
	char *s, *r;

	cJSON_AddStringToObject(m, "chat_id", "");
	cJSON_AddStringToObject(m, "text", t);
	cJSON_AddStringToObject(m, "parse_mode", "HTML");
	s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	r = strdup(s);
	cJSON_free(s);
	return r;
}

static void
test_payloads(void)
{
	struct pb_parts tg = { 0 }, out = { 0 };
	struct pb_buf t = { 0 }, all = { 0 };
	char err[256] = "", *in_order;
	size_t next = 0;

	/* Twelve messages of Telegram's size with markers P000..P599, each marker paper
	 * dense with text that grows as HTML and as JSON (& < > "). */
	for (int m = 0; m < 12; m++) {
		pb_buf_reset(&t);
		for (int k = 0; k < 50; k++)
			pb_buf_printf(&t, "%s<b>P%03d</b> <a href=\"https://arxiv.org/abs/%d\">t</a> "
				      "&amp;&lt;&gt;\"\"\"\" &amp;&amp;&amp;&amp; x",
				      k ? "\n\n" : "", m * 50 + k, k);
		pb_parts_push(&tg, tg_body(pb_buf_str(&t)));
	}
	/* One message whose HTML alone passes the cap: 4,000 ampersands (20,000 bytes). */
	pb_buf_reset(&t);
	pb_buf_puts(&t, "<b>P600</b> ");
	for (int k = 0; k < 4000; k++)
		pb_buf_puts(&t, "&amp;");
	pb_buf_puts(&t, " <b>P601</b>");
	pb_parts_push(&tg, tg_body(pb_buf_str(&t)));

	T_EQ_INT(pb_matrix_payloads(&tg, NULL, &out, err, sizeof err), 0);
	T_EQ_STR(err, "");
	T_CHECK(out.n >= 3 && out.n < tg.n + 2);   /* packed, and the long one cut */
	for (size_t i = 0; i < out.n; i++) {
		cJSON *ev = cJSON_Parse(out.v[i]);
		const cJSON *fb = cJSON_GetObjectItemCaseSensitive(ev, "formatted_body");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(ev, "body");
		const cJSON *men = cJSON_GetObjectItemCaseSensitive(ev, "m.mentions");
		char *fbjs = cJSON_PrintUnformatted(fb);

		T_CHECK(strlen(out.v[i]) <= 40960);
		T_CHECK(fbjs && strlen(fbjs) <= 16384 + 2);
		T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "msgtype")),
			 "m.notice");
		T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "format")),
			 "org.matrix.custom.html");
		T_CHECK(cJSON_IsObject(men) && men->child == NULL);
		T_CHECK(cJSON_IsString(body) && strstr(body->valuestring, "&amp;") == NULL);
		if (cJSON_IsString(body))
			pb_buf_puts(&all, body->valuestring);
		cJSON_free(fbjs);
		cJSON_Delete(ev);
	}
	/* Every marker once, in order, across the events' plain bodies. */
	in_order = all.data;
	for (int k = 0; k <= 601; k++) {
		char mark[16], *at;

		snprintf(mark, sizeof mark, "P%03d", k);
		at = in_order ? strstr(in_order, mark) : NULL;
		T_CHECK(at != NULL);
		if (!at)
			break;
		T_CHECK(strstr(at + 4, mark) == NULL);
		in_order = at + 4;
		next++;
	}
	T_EQ_INT(next, 602);
	pb_parts_free(&out);

	pb_matrix_payloads(&tg, "m.text", &out, err, sizeof err);
	T_CHECK(out.n > 0 && strstr(out.v[0], "\"msgtype\":\"m.text\"") != NULL);
	pb_parts_free(&out);
	/* A rendered message without text is an error, not an empty event. */
	pb_parts_free(&tg);
	pb_parts_push(&tg, strdup("{\"chat_id\":\"\"}"));
	T_EQ_INT(pb_matrix_payloads(&tg, NULL, &out, err, sizeof err), -1);
	T_EQ_INT(out.n, 0);
	pb_parts_free(&tg);
	pb_buf_free(&t);
	pb_buf_free(&all);
}

/* ---- configuration ---- */

static const char *
load(const char *body, char *msg, size_t n)
{
	char dir[] = "/tmp/pb-test-matrix-XXXXXX", path[300];
	struct pb_config_error err;
	struct pb_config *cfg;
	FILE *f;

	msg[0] = '\0';
	if (!mkdtemp(dir))
		return "mkdtemp";
	snprintf(path, sizeof path, "%s/main.conf", dir);
	f = fopen(path, "w");
	if (!f)
		return "fopen";
	fprintf(f, "arxiv = { categories = [\"cs.CV\"]; };\nfile = { enabled = false; };\n%s", body);
	fclose(f);
	cfg = pb_config_load(path, &err);
	if (!cfg)
		pb_config_error_format(&err, msg, n);
	else if (cfg->n_subscribers)
		snprintf(msg, n, "ok %s %s %s", cfg->subscribers[0].matrix_room,
			 cfg->matrix.msgtype, cfg->matrix.token ? "token" : "-");
	pb_config_free(cfg);
	unlink(path);
	rmdir(dir);
	return msg;
}

#define SUB(room) "subscribers = ( { name = \"a\";\n matrix_room = \"" room "\";\n" \
		  " topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n"
#define GROUP "matrix = { homeserver = \"https://matrix.example.org\"; token_env = \"PB_T_MX\"; };\n"

static void
test_config(void)
{
	char m[1200];

	setenv("PB_T_MX", "syt_test_token_123", 1);
	T_EQ_STR(load(GROUP SUB("!abc:example.org"), m, sizeof m),
		 "ok !abc:example.org m.notice token");
	T_EQ_STR(load(GROUP SUB("!abc:[::1]:8448"), m, sizeof m),
		 "ok !abc:[::1]:8448 m.notice token");
	T_EQ_STR(load(GROUP SUB("!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM"), m, sizeof m),
		 "ok !31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM m.notice token");
	T_EQ_STR(load("matrix = { homeserver = \"https://m.example.org\"; token_env = \"PB_T_MX\";"
		      " msgtype = \"m.text\"; };\n" SUB("!a:b.c"), m, sizeof m),
		 "ok !a:b.c m.text token");
	load("matrix = { homeserver = \"https://m.example.org\"; token_env = \"PB_T_MX\";"
	     " msgtype = \"m.emote\"; };\n" SUB("!a:b.c"), m, sizeof m);
	T_CHECK(strstr(m, "matrix.msgtype") && strstr(m, "is not m.notice or m.text"));
	/* An alias is refused, saying what to give instead. */
	load(GROUP SUB("#papers:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "main.conf:5: subscribers.[0].matrix_room") != NULL);
	T_CHECK(strstr(m, "is a room alias: give the room id") != NULL);
	load(GROUP SUB("abc:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "is not a Matrix room id") != NULL);
	load(GROUP SUB("!abc:exa mple.org"), m, sizeof m);
	T_CHECK(strstr(m, "is not a Matrix room id") != NULL);
	load(GROUP SUB("!abc:example.org:99999x"), m, sizeof m);
	T_CHECK(strstr(m, "is not a Matrix room id") != NULL);
	load(GROUP SUB("!:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "is not a Matrix room id") != NULL);
	/* A room needs the homeserver and the token. */
	load("matrix = { token_env = \"PB_T_MX\"; };\n" SUB("!abc:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "matrix_room given but matrix.homeserver is not set") != NULL);
	T_CHECK(strstr(m, "main.conf:5:") != NULL);
	load("matrix = { homeserver = \"https://m.example.org\"; };\n" SUB("!abc:example.org"), m,
	     sizeof m);
	T_CHECK(strstr(m, "matrix_room given but matrix.token is not set (as _env or _file)") != NULL);
	load(SUB("!abc:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "matrix.homeserver is not set") != NULL);
	load("matrix = { homeserver = \"ftp://m.example.org\"; token_env = \"PB_T_MX\"; };\n"
	     SUB("!abc:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "matrix.homeserver") && strstr(m, "not an http:// or https:// URL"));
	/* The token is never inline, and never in a message. */
	load("matrix = { homeserver = \"https://m.example.org\"; token = \"syt_inline\"; };\n"
	     SUB("!abc:example.org"), m, sizeof m);
	T_CHECK(strstr(m, "syt_inline") == NULL && m[0] != 'o');
	/* Unused, an unset token variable is no error. */
	unsetenv("PB_T_MX");
	T_EQ_STR(load(GROUP "subscribers = ( { name = \"a\"; email = [\"a@example.org\"]; "
		      "topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:25\"; from = \"a@example.org\"; };\n",
		      m, sizeof m), "ok (null) m.notice -");
}

int
main(void)
{
	test_classify();
	test_txn_id();
	test_convert();
	test_payloads();
	test_config();
	return t_done("test_matrix");
}
