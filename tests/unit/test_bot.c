/* The chat commands without a network: Slack's request signature (Slack's documented example,
 * a wrong one, a stale and a future timestamp, missing headers), the slash command and the
 * buttons through the web dispatch (a linked channel adds a topic, a bad query is answered with
 * its column and caret, an unlinked channel is told how to link it, an unsigned request gets
 * 401; only the channel's creator and workspace admins change it, as the stand-in's Web API
 * says, any member without a bot token; a button's press replayed or older than the verdict
 * recorded, Slack's or Telegram's, does not undo a later one; a Slack press answered at its
 * response_url, on Slack's host or the stand-in's only, posted again after a 5xx or a 429 as
 * its Retry-After says, five times at most, never after another 4xx), the shared commands
 * for a Telegram chat (a replayed update changes nothing twice, a non-administrator changes
 * nothing), Telegram's refusals against a small forked stand-in of the Bot API (an answer
 * refused with 429 sent again once after retry_after, by the daemon's poll or within the
 * webhook's request, a button's toast too, kept in the state across a restart and sent by
 * the next start once, never when its request had begun or for another
 * bot; 403, a button's query too old and a retry_after past the cap not sent again;
 * getUpdates refused while a webhook is set not asked again before its pause), and the
 * parsers of getUpdates answers and button data. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <openssl/hmac.h>

#include "paperboy/bot.h"
#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "paperboy/web.h"
#include "../../src/web/routes.h"
#include "t.h"
#include "t_state.h"

#define SECRET "8f742231b10e8888abcd99yyyzzz85a5"

static int utf8_whole(const char *s);
static void api_start(const char *const *script, size_t n);
static void api_stop(void);
static int api_count(const char *method);

/* Slack's Web API as the stand-in answers it for every request: the user a workspace admin */
#define SLACK_ADMIN "+users.info 200 {\"ok\":true,\"user\":{\"id\":\"U1\"," \
	"\"is_admin\":true,\"is_owner\":false}}"

static char dir[256];
static struct pb_web_ctx ctx;
/* the waits a response's later work asked for before it was run again, in order */
static int64_t after_waits[8];
static size_t n_after_waits;
static char hdr_ts[32], hdr_sig[128], hdr_tg[64];

static const char *
path_of(const char *name)
{
	static char p[4][512];
	static int slot;
	char *o = p[slot++ % 4];

	snprintf(o, 512, "%s/%s", dir, name);
	return o;
}

static void
test_verify(void)
{
	const char *body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
		"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
		"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
		"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="
		"398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
	const char *sig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
	char why[128], bad[80];
	size_t n = strlen(body);

	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", sig, body, n, 1531420618 + 60, why,
				 sizeof why), 0);
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", sig, body, n, 1531420618 - 299, why,
				 sizeof why), 0);
	/* wrong: one hex digit changed, another secret, another body, cut */
	snprintf(bad, sizeof bad, "%s", sig);
	bad[10] = bad[10] == '0' ? '1' : '0';
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", bad, body, n, 1531420618, why, sizeof why),
		 -1);
	T_EQ_STR(why, "bad signature");
	T_EQ_INT(pb_slack_verify("another", "1531420618", sig, body, n, 1531420618, why,
				 sizeof why), -1);
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", sig, body, n - 1, 1531420618, why,
				 sizeof why), -1);
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", "v0=a2114d57", body, n, 1531420618, why,
				 sizeof why), -1);
	/* stale, and from the future */
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", sig, body, n, 1531420618 + 301, why,
				 sizeof why), -1);
	T_EQ_STR(why, "stale timestamp");
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", sig, body, n, 1531420618 - 301, why,
				 sizeof why), -1);
	/* missing */
	T_EQ_INT(pb_slack_verify(SECRET, NULL, sig, body, n, 1531420618, why, sizeof why), -1);
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", NULL, body, n, 1531420618, why,
				 sizeof why), -1);
	T_EQ_INT(pb_slack_verify(SECRET, "1531420618", "", body, n, 1531420618, why, sizeof why),
		 -1);
	T_EQ_INT(pb_slack_verify(NULL, "1531420618", sig, body, n, 1531420618, why, sizeof why),
		 -1);
	T_EQ_INT(pb_slack_verify(SECRET, "15314x0618", sig, body, n, 1531420618, why,
				 sizeof why), -1);
}

static const char *
headers(const struct pb_web_req *r, const char *name)
{
	(void)r;
	if (strcasecmp(name, "X-Slack-Request-Timestamp") == 0)
		return *hdr_ts ? hdr_ts : NULL;
	if (strcasecmp(name, "X-Slack-Signature") == 0)
		return *hdr_sig ? hdr_sig : NULL;
	if (strcasecmp(name, "X-Telegram-Bot-Api-Secret-Token") == 0)
		return *hdr_tg ? hdr_tg : NULL;
	return NULL;
}

/* Signs body as Slack does, at ts (sign: now). */
static void
sign_at(const char *secret, const char *body, long long ts)
{
	struct pb_buf b = { 0 };
	unsigned char mac[32];
	unsigned int len = 0;

	snprintf(hdr_ts, sizeof hdr_ts, "%lld", ts);
	pb_buf_printf(&b, "v0:%s:%s", hdr_ts, body);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)b.data, b.len, mac, &len);
	memcpy(hdr_sig, "v0=", 4);
	for (unsigned int i = 0; i < len; i++)
		snprintf(hdr_sig + 3 + 2 * i, 3, "%02x", mac[i]);
	pb_buf_free(&b);
}

static void
sign(const char *secret, const char *body)
{
	sign_at(secret, body, (long long)pb_now());
}

static void
post(const char *path, const char *body, struct pb_web_resp *resp)
{
	struct pb_web_req req;
	char msg[128];

	memset(&req, 0, sizeof req);
	memset(resp, 0, sizeof *resp);
	req.method = "POST";
	req.path = path;
	req.remote = "127.0.0.1";
	req.body = body;
	req.body_len = strlen(body);
	req.header = headers;
	if (strncmp(path, "/telegram/", 10) != 0)
		T_EQ_INT(pb_form_parse(body, strlen(body), &req.form, msg, sizeof msg), 0);
	pb_web_dispatch(&ctx, &req, resp);
	/* as the server does once the answer is out: run again, at once here, as often as it
	 * asks, the waits it asked for noted */
	n_after_waits = 0;
	while (resp->after) {
		struct pb_web_after how = { NULL, 0 };
		int64_t again = resp->after(resp->after_arg, &how);

		if (again <= 0)
			break;
		if (n_after_waits < sizeof after_waits / sizeof after_waits[0])
			after_waits[n_after_waits++] = again;
		else
			T_CHECK(!"a response's work asked to run again more than 8 times");
	}
	resp->after = NULL;
	pb_form_free(&req.form);
}

static void
resp_free(struct pb_web_resp *r)
{
	pb_buf_free(&r->body);
	pb_buf_free(&r->headers);
}

static int
topics_of(const char *name)
{
	struct pb_sub_row row;
	int n = -1;

	memset(&row, 0, sizeof row);
	if (pb_sub_get(ctx.st, name, &row) == 1 && row.settings) {
		n = 0;
		for (const char *p = row.settings; (p = strstr(p, "\"query\"")); p++)
			n++;
	}
	pb_sub_row_clear(&row);
	return n;
}

/* A pending message of subscriber sub (its digest of date, for its webhook), and the status
 * of one by id. */
static void
put_pending(const char *sub, const char *date)
{
	struct pb_outbox_msg m;
	struct pb_buf id = { 0 };

	memset(&m, 0, sizeof m);
	pb_buf_printf(&id, "%s/%s/slack/webhook/1", date, sub);
	m.msg_id = id.data;
	m.subscriber = (char *)sub;
	m.channel = (char *)"slack";
	m.dest = (char *)"webhook";
	m.digest_date = (char *)date;
	m.part = m.n_parts = 1;
	m.payload = (char *)"{\"text\": \"digest\"}";
	m.created = pb_now();
	T_EQ_INT(pb_outbox_put(ctx.st, &m), 1);
	pb_buf_free(&id);
}

static int
status_of(const char *sub, const char *date)
{
	struct pb_outbox_msg m;
	struct pb_buf id = { 0 };
	int status = -1;

	pb_buf_printf(&id, "%s/%s/slack/webhook/1", date, sub);
	memset(&m, 0, sizeof m);
	if (pb_outbox_get(ctx.st, id.data, &m) == 1)
		status = m.status;
	pb_outbox_msg_clear(&m);
	pb_buf_free(&id);
	return status;
}

static void
test_slack_command(void)
{
	struct pb_web_resp r;
	const char *add = "command=%2Fpaperboy&text=add+depth+%3D+ti%3Adepth&channel_id=C1&user_id=U1";
	const char *bad = "command=%2Fpaperboy&text=add+ti%3A%28depth+AND&channel_id=C1&user_id=U1";
	const char *other = "command=%2Fpaperboy&text=add+ti%3Ax&channel_id=C9&user_id=U1";

	static const char *const admin[] = { SLACK_ADMIN };

	api_start(admin, 1);
	T_EQ_INT(topics_of("team"), 1);
	sign(SECRET, add);
	post("/slack/command", add, &r);
	T_EQ_INT(r.status, 200);
	T_EQ_STR(r.type, "application/json");
	T_CHECK(strstr(pb_buf_str(&r.body), "\"response_type\":\"ephemeral\"") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.body), "Topic depth added") != NULL);
	T_EQ_INT(topics_of("team"), 2);
	resp_free(&r);
	/* the same request again, within its timestamp's window: answered, nothing added */
	post("/slack/command", add, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(pb_buf_str(&r.body), "Done already") != NULL);
	T_EQ_INT(topics_of("team"), 2);
	resp_free(&r);
	/* one invocation (its trigger_id) signed again at another instant: the same; another
	 * invocation of the same text is a command of its own */
	{
		const char *once = "command=%2Fpaperboy&text=remove+2&channel_id=C1&user_id=U1"
				   "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c4";
		const char *again = "command=%2Fpaperboy&text=remove+2&channel_id=C1&user_id=U1"
				    "&trigger_id=398738663016.47445629121.803a0bc887a14d10d2c5";

		const char *add2 = "command=%2Fpaperboy&text=add+depth2+%3D+ti%3Adepth2"
				   "&channel_id=C1&user_id=U1";
		const char *back = "command=%2Fpaperboy&text=add+depth+%3D+ti%3Adepth"
				   "&channel_id=C1&user_id=U1&trigger_id=398738663017.1.a";

		sign(SECRET, add2);
		post("/slack/command", add2, &r);
		resp_free(&r);
		T_EQ_INT(topics_of("team"), 3);
		sign(SECRET, once);
		post("/slack/command", once, &r);
		T_CHECK(strstr(pb_buf_str(&r.body), "Topic 2 (depth) removed") != NULL);
		resp_free(&r);
		T_EQ_INT(topics_of("team"), 2);
		sign_at(SECRET, once, (long long)pb_now() - 60);
		post("/slack/command", once, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(pb_buf_str(&r.body), "Done already") != NULL);
		resp_free(&r);
		T_EQ_INT(topics_of("team"), 2);
		sign(SECRET, again);
		post("/slack/command", again, &r);
		T_CHECK(strstr(pb_buf_str(&r.body), "removed") != NULL);
		resp_free(&r);
		T_EQ_INT(topics_of("team"), 1);
		sign(SECRET, back);
		post("/slack/command", back, &r);
		resp_free(&r);
		T_EQ_INT(topics_of("team"), 2);
	}

	sign(SECRET, bad);
	post("/slack/command", bad, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(pb_buf_str(&r.body), "column 11") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.body), "```\\nti:(depth AND\\n          ^\\n```") != NULL);
	T_EQ_INT(topics_of("team"), 2);
	resp_free(&r);

	/* a channel no subscriber names */
	sign(SECRET, other);
	post("/slack/command", other, &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "slack_channel=C9") != NULL);
	resp_free(&r);

	/* signed with another secret, unsigned, stale */
	sign("not-the-secret", add);
	post("/slack/command", add, &r);
	T_EQ_INT(r.status, 401);
	T_CHECK(strncmp(r.type, "text/plain", 10) == 0);
	resp_free(&r);
	*hdr_sig = *hdr_ts = '\0';
	post("/slack/command", add, &r);
	T_EQ_INT(r.status, 401);
	resp_free(&r);
	sign(SECRET, add);
	snprintf(hdr_ts, sizeof hdr_ts, "%lld", (long long)pb_now() - 400);
	post("/slack/command", add, &r);
	T_EQ_INT(r.status, 401);
	resp_free(&r);
	T_EQ_INT(topics_of("team"), 2);

	/* /paperboy pause: the row and the digest waiting to be sent, as `subscriber pause`
	 * and the manage page pause them; resume puts both back */
	{
		const char *b = "command=%2Fpaperboy&text=pause&channel_id=C1&user_id=U1";
		const char *res = "command=%2Fpaperboy&text=resume&channel_id=C1&user_id=U1";
		struct pb_sub_row row;

		put_pending("team", "2026-03-02");
		put_pending("lab", "2026-03-02");
		sign(SECRET, b);
		post("/slack/command", b, &r);
		T_CHECK(strstr(pb_buf_str(&r.body), "Paused") != NULL);
		resp_free(&r);
		memset(&row, 0, sizeof row);
		T_EQ_INT(pb_sub_get(ctx.st, "team", &row), 1);
		T_EQ_STR(row.state, "paused");
		pb_sub_row_clear(&row);
		T_EQ_INT(status_of("team", "2026-03-02"), PB_OUT_PAUSED);
		T_EQ_INT(status_of("lab", "2026-03-02"), PB_OUT_PENDING);
		sign(SECRET, res);
		post("/slack/command", res, &r);
		T_CHECK(strstr(pb_buf_str(&r.body), "Resumed") != NULL);
		resp_free(&r);
		T_EQ_INT(pb_sub_get(ctx.st, "team", &row), 1);
		T_EQ_STR(row.state, "active");
		pb_sub_row_clear(&row);
		T_EQ_INT(status_of("team", "2026-03-02"), PB_OUT_PENDING);
		/* paused again, as the rest of the test has it (another invocation: the same
		 * request would be a replay) */
		b = "command=%2Fpaperboy&text=pause&channel_id=C1&user_id=U1&trigger_id=2.2.b";
		sign(SECRET, b);
		post("/slack/command", b, &r);
		resp_free(&r);
		T_EQ_INT(status_of("team", "2026-03-02"), PB_OUT_PAUSED);
	}

	/* Slack's check of the URL's certificate: ssl_check=1 with the app's token, POSTed
	 * unsigned (or, as Slack once did, a GET's query), to be answered 200; nothing runs */
	{
		const char *chk = "ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO";
		struct pb_web_req req;
		char msg[128];

		*hdr_sig = *hdr_ts = '\0';
		post("/slack/command", chk, &r);
		T_EQ_INT(r.status, 200);
		T_CHECK(strstr(pb_buf_str(&r.body), "ephemeral") == NULL);
		resp_free(&r);
		sign(SECRET, chk);
		post("/slack/command", chk, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		*hdr_sig = *hdr_ts = '\0';
		post("/slack/command", "ssl_check=0&text=pause&channel_id=C1", &r);
		T_EQ_INT(r.status, 401);
		resp_free(&r);
		T_EQ_INT(topics_of("team"), 2);
		memset(&req, 0, sizeof req);
		memset(&r, 0, sizeof r);
		req.method = "GET";
		req.path = "/slack/command";
		req.remote = "127.0.0.1";
		req.body = "";
		req.header = headers;
		T_EQ_INT(pb_form_parse("ssl_check=1", 11, &req.query, msg, sizeof msg), 0);
		pb_web_dispatch(&ctx, &req, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		pb_form_free(&req.query);
		memset(&r, 0, sizeof r);
		pb_web_dispatch(&ctx, &req, &r);
		T_EQ_INT(r.status, 405);
		T_CHECK(strstr(pb_buf_str(&r.headers), "Allow: POST") != NULL);
		resp_free(&r);
	}
	api_stop();
}

static void
test_slack_actions(void)
{
	struct pb_web_resp r;
	const char *b = "payload=%7B%22type%22%3A%22block_actions%22%2C%22channel%22%3A%7B%22id%22"
			"%3A%22C1%22%7D%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22fb-%22%2C%22"
			"value%22%3A%222411.17790v3%22%7D%5D%7D";
	struct pb_feedback_row *fb = NULL;
	size_t n = 0;

	sign(SECRET, b);
	post("/slack/actions", b, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(pb_feedback_list(ctx.st, "team", &fb, &n), 0);
	T_EQ_INT(n, 1);
	if (n) {
		T_EQ_STR(fb[0].paper_id, "2411.17790");
		T_EQ_INT(fb[0].verdict, -1);
		T_EQ_STR(fb[0].source, "slack");
	}
	pb_feedback_rows_free(fb, n);
	sign("wrong", b);
	post("/slack/actions", b, &r);
	T_EQ_INT(r.status, 401);
	resp_free(&r);
}

/* Who changes a linked channel's subscription: its creator and the workspace's admins and
 * owners, as Slack's Web API says with the bot token; any member reads it. Without a bot
 * token no one changes it from Slack; when Slack does not say (a scope missing), no one
 * either, told to try again. */
static int
team_state_is(const char *want)
{
	struct pb_sub_row row;
	int yes;

	memset(&row, 0, sizeof row);
	yes = pb_sub_get(ctx.st, "team", &row) == 1 && strcmp(row.state, want) == 0;
	pb_sub_row_clear(&row);
	return yes;
}

static void
slack_cmd(const char *text, const char *user, const char *trigger, struct pb_web_resp *r)
{
	struct pb_buf b = { 0 };

	pb_buf_printf(&b, "command=%%2Fpaperboy&text=%s&channel_id=C1&user_id=%s&trigger_id=%s",
		      text, user, trigger);
	sign(SECRET, b.data);
	post("/slack/command", b.data, r);
	pb_buf_free(&b);
}

static void
test_slack_member(void)
{
	static const char *const member[] = {
		"+users.info 200 {\"ok\":true,\"user\":{\"id\":\"U2\",\"is_admin\":false,"
		"\"is_owner\":false}}",
		"+conversations.info 200 {\"ok\":true,\"channel\":{\"id\":\"C1\","
		"\"creator\":\"U9\"}}" };
	static const char *const stranger[] = {
		"+users.info 200 {\"ok\":true,\"user\":{\"id\":\"U5\",\"is_admin\":true,"
		"\"is_owner\":true,\"is_stranger\":true}}",
		"+conversations.info 200 {\"ok\":true,\"channel\":{\"id\":\"C1\","
		"\"creator\":\"U9\"}}" };
	static const char *const scopes[] = {
		"+users.info 200 {\"ok\":false,\"error\":\"missing_scope\","
		"\"needed\":\"users:read\",\"provided\":\"commands\"}",
		"+conversations.info 200 {\"ok\":false,\"error\":\"missing_scope\","
		"\"needed\":\"channels:read\",\"provided\":\"commands\"}" };
	static const char *const admin[] = { SLACK_ADMIN };
	struct pb_web_resp r;
	char *token = ctx.cfg->slack.bot_token;
	const char *start = team_state_is("paused") ? "resume" : "pause";
	const char *other = strcmp(start, "pause") == 0 ? "resume" : "pause";
	const char *after = strcmp(start, "pause") == 0 ? "paused" : "active";
	const char *before = strcmp(start, "pause") == 0 ? "active" : "paused";

	/* a member who neither created the channel nor is an admin: reads, changes nothing */
	api_start(member, 2);
	slack_cmd(start, "U2", "m.1", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel's creator and the workspace's "
				   "admins and owners") != NULL);
	resp_free(&r);
	T_CHECK(team_state_is(before));
	slack_cmd("add+ti%3Amember", "U2", "m.2", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel's creator") != NULL);
	resp_free(&r);
	slack_cmd("stop", "U2", "m.3", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel's creator") != NULL);
	resp_free(&r);
	T_CHECK(team_state_is(before));
	T_EQ_INT(api_count("users.info"), 3);
	T_EQ_INT(api_count("conversations.info"), 3);
	/* reading asks Slack nothing */
	slack_cmd("topics", "U2", "m.4", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "Topics of team") != NULL);
	resp_free(&r);
	T_EQ_INT(api_count("users.info"), 3);
	/* the channel's creator changes it */
	slack_cmd(start, "U9", "m.5", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel") == NULL);
	resp_free(&r);
	T_CHECK(team_state_is(after));
	api_stop();

	/* an admin of another organisation, in a channel shared with it: none of this one's */
	api_start(stranger, 2);
	slack_cmd(other, "U5", "s.1", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel's creator") != NULL);
	resp_free(&r);
	T_CHECK(team_state_is(after));
	api_stop();

	/* Slack does not say (the token lacks its scopes): nothing changes, try again */
	api_start(scopes, 2);
	slack_cmd(other, "U9", "k.1", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "Slack did not say whether you are the channel's "
				   "creator") != NULL);
	resp_free(&r);
	T_CHECK(team_state_is(after));
	api_stop();

	/* a workspace admin: users.info says so, conversations.info is not asked */
	api_start(admin, 1);
	slack_cmd(other, "U1", "a.1", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel") == NULL);
	resp_free(&r);
	T_CHECK(team_state_is(before));
	T_EQ_INT(api_count("users.info"), 1);
	T_EQ_INT(api_count("conversations.info"), 0);
	/* no bot token: any member changes the subscription (Slack's own usage), and Slack is
	 * not asked */
	ctx.cfg->slack.bot_token = NULL;
	slack_cmd(start, "U1", "n.1", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "only the channel") == NULL);
	resp_free(&r);
	T_CHECK(!team_state_is(before));
	slack_cmd("topics", "U1", "n.2", &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "Topics of team") != NULL);
	resp_free(&r);
	T_EQ_INT(api_count("users.info"), 1);
	ctx.cfg->slack.bot_token = token;
	api_stop();
}

/* A button's press delivered again (the same trigger_id, signed again; Telegram's callback
 * query read again) records nothing: it does not undo a later press on the other button; nor
 * does a press older (action_ts) than the verdict recorded. */
static void
slack_press_to(const char *action, const char *paper, const char *trigger, const char *ts,
	       const char *response_url, struct pb_web_resp *r)
{
	struct pb_buf json = { 0 }, form = { 0 };

	pb_buf_printf(&json, "{\"type\":\"block_actions\",\"trigger_id\":\"%s\","
		      "\"channel\":{\"id\":\"C1\"},\"actions\":[{\"action_id\":\"%s\","
		      "\"value\":\"%s\",\"action_ts\":\"%s\"}]", trigger, action, paper, ts);
	if (response_url)
		pb_buf_printf(&json, ",\"response_url\":\"%s\"", response_url);
	pb_buf_puts(&json, "}");
	pb_buf_puts(&form, "payload=");
	for (size_t i = 0; i < json.len; i++) {
		unsigned char ch = (unsigned char)json.data[i];

		if (isalnum(ch) || ch == '.' || ch == '-' || ch == '_')
			pb_buf_append(&form, json.data + i, 1);
		else
			pb_buf_printf(&form, "%%%02X", ch);
	}
	sign(SECRET, form.data);
	post("/slack/actions", form.data, r);
	pb_buf_free(&form);
	pb_buf_free(&json);
}

static void
slack_press(const char *action, const char *paper, const char *trigger, const char *ts,
	    struct pb_web_resp *r)
{
	slack_press_to(action, paper, trigger, ts, NULL, r);
}

static int
verdict_of(const char *sub, const char *paper)
{
	int v = 0;

	T_CHECK(pb_feedback_get(ctx.st, sub, paper, &v) >= 0);
	return v;
}

static void
test_button_replay(void)
{
	struct pb_web_resp r;
	char now[32], earlier[32];
	struct pb_tg_update u;
	struct pb_tgbot *b;
	char err[512];

	snprintf(now, sizeof now, "%lld.000200", (long long)pb_now());
	snprintf(earlier, sizeof earlier, "%lld.000100", (long long)pb_now() - 30);
	slack_press("fb+", "2501.00001v1", "11.1.a", now, &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "Noted: more like this") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("team", "2501.00001"), 1);
	slack_press("fb-", "2501.00001v1", "11.2.b", now, &r);
	resp_free(&r);
	T_EQ_INT(verdict_of("team", "2501.00001"), -1);
	/* the first press, delivered again: the second stays */
	slack_press("fb+", "2501.00001v1", "11.1.a", now, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(pb_buf_str(&r.body), "Done already") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("team", "2501.00001"), -1);
	/* a press of its own, but made before the verdict recorded: it is kept */
	slack_press("fb+", "2501.00001v1", "11.3.c", earlier, &r);
	T_CHECK(strstr(pb_buf_str(&r.body), "A later press is kept: not for you") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("team", "2501.00001"), -1);

	/* Telegram: the same callback query read again after a later opposite press */
	{
		struct pb_sub_row row;

		memset(&row, 0, sizeof row);
		row.name = "tg--4300";
		row.settings = "{\"name\": \"tg--4300\", \"telegram_chat\": \"-4300\", "
			       "\"topics\": [{\"name\": \"t\", \"query\": \"cat:cs.CL\"}]}";
		row.state = "active";
		row.source = "telegram";
		T_EQ_INT(pb_sub_put(ctx.st, &row), 0);
	}
	api_start(NULL, 0);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_CHECK(b != NULL);
	for (int i = 0; b && i < 3; i++) {
		static const char *const data[] = { "f+2501.00002", "f-2501.00002",
						    "f+2501.00002" };
		static const char *const ids[] = { "7001", "7002", "7001" };

		memset(&u, 0, sizeof u);
		u.update_id = 8100 + (i == 2 ? 0 : i);
		snprintf(u.chat, sizeof u.chat, "-4300");
		snprintf(u.chat_type, sizeof u.chat_type, "group");
		u.from_id = 5;
		u.cb_id = pb_xstrdup(ids[i]);
		u.cb_data = pb_xstrdup(data[i]);
		T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
		pb_tg_update_clear(&u);
		T_EQ_INT(verdict_of("tg--4300", "2501.00002"), i == 0 ? 1 : -1);
	}
	pb_tgbot_free(b);
	api_stop();
}

static void
test_telegram_commands(void)
{
	struct pb_bot_chat chat = { .service = "telegram", .chat = "777", .may_change = 1,
				    .once_key = "telegram.update:5" };
	struct pb_bot_answer a;

	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add@bot cat:cs.CV",
				pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "Topic topic1 added") != NULL);
	T_EQ_INT(a.changed, 1);
	pb_bot_answer_free(&a);
	T_EQ_INT(topics_of("tg-777"), 1);
	/* the same update again */
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add@bot cat:cs.CV",
				pb_now(), &a), 0);
	T_EQ_INT(a.replay, 1);
	T_EQ_INT(a.changed, 0);
	pb_bot_answer_free(&a);
	T_EQ_INT(topics_of("tg-777"), 1);
	/* a member who is not an administrator */
	chat.once_key = "telegram.update:6";
	chat.may_change = 0;
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add cat:cs.RO", pb_now(),
				&a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "only the group's administrators") != NULL);
	pb_bot_answer_free(&a);
	T_EQ_INT(topics_of("tg-777"), 1);
	/* reading is allowed */
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/topics", pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "1. topic1: cat:cs.CV") != NULL);
	pb_bot_answer_free(&a);
	/* bounds */
	chat.may_change = 1;
	chat.once_key = NULL;
	{
		char q[1100];

		memcpy(q, "/add ", 5);
		memset(q + 5, 'a', 1001);
		q[1006] = '\0';
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, q, pb_now(), &a), 0);
		T_CHECK(strstr(pb_buf_str(&a.text), "1000 at most") != NULL);
		pb_bot_answer_free(&a);
	}
	for (int i = 0; i < 12; i++) {
		char q[64];

		snprintf(q, sizeof q, "/add ti:w%d", i);
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, q, pb_now(), &a), 0);
		pb_bot_answer_free(&a);
	}
	T_EQ_INT(topics_of("tg-777"), PB_BOT_TOPICS_MAX);
	/* /pause pauses the chat's pending digest with the row, /start (as /resume) puts it
	 * back */
	{
		struct pb_sub_row row;

		put_pending("tg-777", "2026-03-03");
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/pause", pb_now(), &a),
			 0);
		T_CHECK(strstr(pb_buf_str(&a.text), "Paused") != NULL);
		pb_bot_answer_free(&a);
		memset(&row, 0, sizeof row);
		T_EQ_INT(pb_sub_get(ctx.st, "tg-777", &row), 1);
		T_EQ_STR(row.state, "paused");
		pb_sub_row_clear(&row);
		T_EQ_INT(status_of("tg-777", "2026-03-03"), PB_OUT_PAUSED);
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/start", pb_now(), &a),
			 0);
		pb_bot_answer_free(&a);
		T_EQ_INT(status_of("tg-777", "2026-03-03"), PB_OUT_PENDING);
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/pause", pb_now(), &a),
			 0);
		pb_bot_answer_free(&a);
		T_EQ_INT(status_of("tg-777", "2026-03-03"), PB_OUT_PAUSED);
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/resume", pb_now(), &a),
			 0);
		T_CHECK(strstr(pb_buf_str(&a.text), "Resumed") != NULL);
		pb_bot_answer_free(&a);
		T_EQ_INT(status_of("tg-777", "2026-03-03"), PB_OUT_PENDING);
		T_EQ_INT(pb_sub_get(ctx.st, "tg-777", &row), 1);
		T_EQ_STR(row.state, "active");
		pb_sub_row_clear(&row);
	}
	/* /stop suppresses the chat and unsubscribes; /start undoes both */
	{
		struct pb_sub_row row;

		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/stop", pb_now(), &a), 0);
		pb_bot_answer_free(&a);
		T_EQ_INT(pb_suppress_has(ctx.st, "tg-777", "telegram", "777"), 1);
		memset(&row, 0, sizeof row);
		T_EQ_INT(pb_sub_get(ctx.st, "tg-777", &row), 1);
		T_EQ_STR(row.state, "unsubscribed");
		pb_sub_row_clear(&row);
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/start", pb_now(), &a),
			 0);
		T_CHECK(strstr(pb_buf_str(&a.text), "Subscribed again") != NULL);
		pb_bot_answer_free(&a);
		T_EQ_INT(pb_suppress_has(ctx.st, "tg-777", "telegram", "777"), 0);
		T_EQ_INT(pb_sub_get(ctx.st, "tg-777", &row), 1);
		T_EQ_STR(row.state, "active");
		pb_sub_row_clear(&row);
	}
	/* Telegram HTML: outside text escaped */
	memset(&a, 0, sizeof a);
	pb_buf_puts(&a.text, "a <b> & c");
	pb_buf_puts(&a.code, "x<y");
	{
		struct pb_parts out = { 0 };
		struct pb_buf all = { 0 };

		pb_bot_answer_telegram(&a, &out);
		T_EQ_INT((int)out.n, 1);
		if (out.n == 1)
			T_EQ_STR(out.v[0], "a &lt;b&gt; &amp; c\n<pre>x&lt;y</pre>");
		pb_parts_free(&out);
		/* an answer longer than a message goes in several, each cut on a character */
		pb_buf_reset(&a.code);
		pb_buf_reset(&a.text);
		for (int i = 0; i < 2000; i++)
			pb_buf_puts(&a.text, "\xc3\xa9");
		pb_bot_answer_telegram(&a, &out);
		T_EQ_INT((int)out.n, 2);
		for (size_t i = 0; i < out.n; i++) {
			T_CHECK(strlen(out.v[i]) <= 3000);
			T_EQ_INT(utf8_whole(out.v[i]), 1);
			pb_buf_puts(&all, out.v[i]);
		}
		T_EQ_INT((int)all.len, 4000);   /* nothing lost */
		pb_parts_free(&out);
		pb_buf_free(&all);
		/* ten topics of long queries: every line sent, each message cut at a line's end */
		pb_buf_reset(&a.text);
		pb_buf_puts(&a.text, "10 topics:");
		for (int i = 1; i <= 10; i++) {
			pb_buf_printf(&a.text, "\n%d. t%d: ", i, i);
			for (int k = 0; k < 990; k++)
				pb_buf_putc(&a.text, "abc "[k % 4]);
		}
		pb_bot_answer_telegram(&a, &out);
		T_CHECK(out.n >= 4 && out.n <= 5);
		for (size_t i = 0; i < out.n; i++)
			T_CHECK(strlen(out.v[i]) <= 3000 && out.v[i][0] != '\n');
		T_CHECK(out.n > 0 && strstr(out.v[out.n - 1], "\n10. t10: ") != NULL);
		T_CHECK(out.n > 1 && strncmp(out.v[1], "3. t3: ", 7) == 0);
		pb_parts_free(&out);
		/* more than five messages' worth: five, the last saying there is more */
		pb_buf_reset(&a.text);
		for (int i = 0; i < 20000; i++)
			pb_buf_puts(&a.text, "x\n");
		pb_bot_answer_telegram(&a, &out);
		T_EQ_INT((int)out.n, 5);
		T_CHECK(out.n == 5 && strstr(out.v[4], "\n\xe2\x80\xa6") != NULL);
		pb_parts_free(&out);
	}
	pb_bot_answer_free(&a);
}

/* The webhook: only with the secret token; the update then handled like a polled one (its
 * answer fails to reach 127.0.0.1:9, which is logged, not an error). */
static void
test_telegram_webhook(void)
{
	const char *u = "{\"update_id\":900,\"message\":{\"message_id\":1,\"chat\":{\"id\":4242,"
			"\"type\":\"private\"},\"from\":{\"id\":4242},\"text\":\"/add ti:webhook\"}}";
	struct pb_web_resp r;

	*hdr_tg = '\0';
	post("/telegram/webhook", u, &r);
	T_EQ_INT(r.status, 401);
	resp_free(&r);
	snprintf(hdr_tg, sizeof hdr_tg, "wrong-token-0123");
	post("/telegram/webhook", u, &r);
	T_EQ_INT(r.status, 401);
	resp_free(&r);
	T_EQ_INT(topics_of("tg-4242"), -1);
	snprintf(hdr_tg, sizeof hdr_tg, "tg-hook-secret-1");
	post("/telegram/webhook", u, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(topics_of("tg-4242"), 1);
	/* Telegram sends it again: applied once */
	post("/telegram/webhook", u, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	T_EQ_INT(topics_of("tg-4242"), 1);
	post("/telegram/webhook", "{\"no\":1}", &r);
	T_EQ_INT(r.status, 400);
	resp_free(&r);
	*hdr_tg = '\0';
}

/* A group that becomes a supergroup gets a new chat id, announced by a service message in
 * each chat: the chat's subscriber follows it (its commands are found from the new chat, its
 * suppression moves), once, whichever message comes first. */
static void
test_telegram_migrate(void)
{
	const char *add = "{\"update_id\":970,\"message\":{\"message_id\":1,\"chat\":{\"id\":"
			  "-555,\"type\":\"group\"},\"from\":{\"id\":1087968824},"
			  "\"sender_chat\":{\"id\":-555,\"type\":\"group\"},"
			  "\"text\":\"/add ti:migrate\"}}";
	const char *to = "{\"update_id\":971,\"message\":{\"message_id\":2,\"chat\":{\"id\":"
			 "-555,\"type\":\"group\"},\"from\":{\"id\":5},"
			 "\"migrate_to_chat_id\":-100555}}";
	const char *from = "{\"update_id\":972,\"message\":{\"message_id\":1,\"chat\":{\"id\":"
			   "-100555,\"type\":\"supergroup\"},\"from\":{\"id\":5},"
			   "\"migrate_from_chat_id\":-555}}";
	struct pb_bot_chat chat = { .service = "telegram", .chat = "-100555", .may_change = 1 };
	struct pb_bot_answer a;
	struct pb_tg_update u;
	struct pb_sub_row row;
	struct pb_tgbot *b;
	char err[256];
	int changed = 0;

	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_CHECK(b != NULL);
	if (!b)
		return;
	T_EQ_INT(pb_tg_update_parse(add, strlen(add), &u, err, sizeof err), 0);
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(topics_of("tg--555"), 1);
	/* the group is stopped from a second address's point of view: its chat suppressed */
	T_EQ_INT(pb_suppress_put(ctx.st, "tg--555", "telegram", "-555",
				 "unsubscribed (test)", NULL), 0);
	T_EQ_INT(pb_tg_update_parse(to, strlen(to), &u, err, sizeof err), 0);
	T_EQ_STR(u.migrate_old, "-555");
	T_EQ_STR(u.migrate_new, "-100555");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, &changed), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(changed, 1);
	memset(&row, 0, sizeof row);
	T_EQ_INT(pb_sub_get(ctx.st, "tg--555", &row), 1);
	T_CHECK(row.settings && strstr(row.settings, "\"telegram_chat\":\"-100555\"") != NULL);
	pb_sub_row_clear(&row);
	T_EQ_INT(pb_suppress_has(ctx.st, "tg--555", "telegram", "-100555"), 1);
	T_EQ_INT(pb_suppress_has(ctx.st, "tg--555", "telegram", "-555"), 0);
	/* the new chat's commands find the subscription */
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/topics", pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "Topics of tg--555") != NULL);
	T_CHECK(strstr(pb_buf_str(&a.text), "1. topic1: ti:migrate") != NULL);
	pb_bot_answer_free(&a);
	/* the new chat's own service message changes nothing more */
	changed = 0;
	T_EQ_INT(pb_tg_update_parse(from, strlen(from), &u, err, sizeof err), 0);
	T_EQ_STR(u.migrate_old, "-555");
	T_EQ_STR(u.migrate_new, "-100555");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, &changed), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(changed, 0);
	T_EQ_INT(pb_suppress_has(ctx.st, "tg--555", "telegram", "-100555"), 1);
	T_EQ_INT(topics_of("tg--555"), 1);
	pb_tgbot_free(b);
}

/* A group's anonymous administrator writes as the group itself (sender_chat, from
 * GroupAnonymousBot): an administrator, though getChatMember cannot say so (here it is not
 * even reachable); a member who is not one still changes nothing. */
static void
test_telegram_anonymous_admin(void)
{
	const char *anon = "{\"update_id\":950,\"message\":{\"message_id\":3,\"chat\":{\"id\":"
			   "-100999,\"type\":\"supergroup\"},\"from\":{\"id\":1087968824},"
			   "\"sender_chat\":{\"id\":-100999,\"type\":\"supergroup\"},"
			   "\"text\":\"/add ti:anonymous\"}}";
	const char *member = "{\"update_id\":951,\"message\":{\"message_id\":4,\"chat\":{\"id\":"
			     "-100998,\"type\":\"supergroup\"},\"from\":{\"id\":77},"
			     "\"sender_chat\":{\"id\":-100123,\"type\":\"channel\"},"
			     "\"text\":\"/add ti:member\"}}";
	struct pb_tg_update u;
	struct pb_tgbot *b;
	char err[256];

	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_CHECK(b != NULL);
	if (!b)
		return;
	T_EQ_INT(pb_tg_update_parse(anon, strlen(anon), &u, err, sizeof err), 0);
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(topics_of("tg--100999"), 1);
	/* posted as a channel of the sender's own: no administrator of this group */
	T_EQ_INT(pb_tg_update_parse(member, strlen(member), &u, err, sizeof err), 0);
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(topics_of("tg--100998"), -1);
	pb_tgbot_free(b);
}

static void
test_parsers(void)
{
	const char *ans = "{\"ok\":true,\"result\":[{\"update_id\":10,\"message\":{\"message_id\":1,"
		"\"chat\":{\"id\":-1001234567890,\"type\":\"supergroup\"},\"from\":{\"id\":7},"
		"\"message_thread_id\":3,\"is_topic_message\":true,\"text\":\"/topics\"}},"
		"{\"update_id\":11,\"callback_query\":"
		"{\"id\":\"abc\",\"from\":{\"id\":8},\"data\":\"f+2411.17790\",\"message\":{\"chat\":"
		"{\"id\":42,\"type\":\"private\"}}}},{\"update_id\":12,\"edited_message\":{}},"
		"{\"message\":{}},"
		/* a reply in a group without topics: its thread is the replied-to message, no
		 * topic, and an answer sent to it is refused ("message thread not found") */
		"{\"update_id\":13,\"message\":{\"message_id\":5,\"chat\":{\"id\":-100555,"
		"\"type\":\"supergroup\"},\"from\":{\"id\":7},\"message_thread_id\":4,"
		"\"reply_to_message\":{\"message_id\":4},\"text\":\"/topics\"}}]}";
	struct pb_tg_update *v = NULL;
	size_t n = 0;
	char err[256], id[48], data[80];
	int verdict = 0;

	T_EQ_INT(pb_tg_updates_parse(ans, strlen(ans), &v, &n, err, sizeof err), 0);
	T_EQ_INT(n, 4);
	if (n == 4) {
		T_EQ_INT(v[0].update_id, 10);
		T_EQ_STR(v[0].chat, "-1001234567890");
		T_EQ_STR(v[0].chat_type, "supergroup");
		T_EQ_INT(v[0].from_id, 7);
		T_EQ_INT(v[0].thread_id, 3);
		T_EQ_STR(v[0].text, "/topics");
		T_EQ_STR(v[1].cb_id, "abc");
		T_EQ_STR(v[1].cb_data, "f+2411.17790");
		T_EQ_STR(v[1].chat, "42");
		T_EQ_INT(v[2].update_id, 12);
		T_EQ_STR(v[2].chat, "");
		T_EQ_STR(v[3].chat, "-100555");
		T_EQ_INT(v[3].thread_id, 0);
	}
	pb_tg_updates_free(v, n);
	T_EQ_INT(pb_tg_updates_parse("{\"ok\":false,\"error_code\":409,\"description\":\"Conflict\"}",
				     57, &v, &n, err, sizeof err), -1);
	T_CHECK(strstr(err, "Conflict") != NULL);
	T_EQ_INT(pb_tg_updates_parse("<html>", 6, &v, &n, err, sizeof err), -1);
	T_EQ_INT(pb_tg_updates_parse("", 0, &v, &n, err, sizeof err), -1);

	T_EQ_INT(pb_tg_feedback_data("2411.17790", 1, data, sizeof data), 0);
	T_EQ_STR(data, "f+2411.17790");
	T_EQ_INT(pb_tg_feedback_parse(data, id, sizeof id, &verdict), 0);
	T_EQ_STR(id, "2411.17790");
	T_EQ_INT(verdict, 1);
	T_EQ_INT(pb_tg_feedback_parse("x+1", id, sizeof id, &verdict), -1);
	T_EQ_INT(pb_tg_feedback_parse("f+", id, sizeof id, &verdict), -1);
	{
		char longid[80];

		memset(longid, '1', 70);
		longid[70] = '\0';
		T_EQ_INT(pb_tg_feedback_data(longid, -1, data, sizeof data), -1);
	}
}

/* Whether s is whole UTF-8 (no sequence cut short). */
static int
utf8_whole(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 :
			(*p & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0)
			return 0;
		p++;
		for (; n > 0; n--, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

/* A topic of the file's with a query longer than a line of the answer (the file has no bound
 * on queries), in letters of two bytes: /topics lists it whole, not cut inside a letter
 * (Telegram refuses a message that is not whole UTF-8). */
static void
test_long_file_query(void)
{
	struct pb_bot_chat chat = { .service = "telegram", .chat = "888", .may_change = 1 };
	struct pb_bot_answer a;
	struct pb_buf word = { 0 }, conf = { 0 };
	FILE *f;

	for (int i = 0; i < 1201; i++)
		pb_buf_puts(&word, "\xC3\xA9");     /* é: 2,402 bytes */
	pb_buf_printf(&conf, "state_dir = \"%s/state\";\n"
		      "arxiv = { categories = [\"cs.CV\"]; };\n"
		      "telegram = { token_env = \"PB_TEST_TG_TOKEN\"; api_url = \"http://127.0.0.1:9\";"
		      " commands = true; };\n"
		      "subscribers = ( { name = \"longq\"; telegram_chat = \"888\"; topics = ( {"
		      " name = \"t\"; query = \"ti:%s\"; } ); } );\n", dir, word.data);
	t_state_conf(&conf, path_of("state/paperboy.db"));
	f = fopen(path_of("long.conf"), "w");
	if (!f || fwrite(conf.data, 1, conf.len, f) != conf.len || fclose(f) != 0)
		perror("long.conf");
	memset(&a, 0, sizeof a);
	T_EQ_INT(pb_bot_command(path_of("long.conf"), ctx.st, &chat, "/topics", pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), word.data) != NULL);
	T_EQ_INT(utf8_whole(pb_buf_str(&a.text)), 1);
	pb_bot_answer_free(&a);
	pb_buf_free(&word);
	pb_buf_free(&conf);
}

/* /add NAME = QUERY takes the names the sign-up form and the configuration take: letters of
 * any script, blanks inside; a name too long is said to be, not read as part of the query. */
static void
test_topic_names(void)
{
	struct pb_bot_chat chat = { .service = "telegram", .chat = "5151", .may_change = 1 };
	struct pb_bot_answer a;
	char q[160];
	struct pb_sub_row row;

	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat,
				"/add \xd1\x80\xd0\xbe\xd0\xb1\xd0\xbe\xd1\x82\xd1\x8b = cat:cs.RO",
				pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text),
		       "Topic \xd1\x80\xd0\xbe\xd0\xb1\xd0\xbe\xd1\x82\xd1\x8b added: cat:cs.RO") != NULL);
	pb_bot_answer_free(&a);
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat,
				"/add gaussian splatting = ti:gaussian", pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "Topic gaussian splatting added: ti:gaussian") != NULL);
	pb_bot_answer_free(&a);
	/* the '=' inside a query's phrase or after a field is the query's */
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add ti:x = y", pb_now(), &a),
		 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "refused") != NULL);
	pb_bot_answer_free(&a);
	snprintf(q, sizeof q, "/add %0*d = cat:cs.CV", PB_BOT_NAME_MAX + 1, 0);
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, q, pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "100 bytes at most") != NULL);
	pb_bot_answer_free(&a);
	memset(&row, 0, sizeof row);
	T_EQ_INT(pb_sub_get(ctx.st, "tg-5151", &row), 1);
	T_CHECK(row.settings && strstr(row.settings, "\"name\":\"gaussian splatting\","
						 "\"query\":\"ti:gaussian\"") != NULL);
	pb_sub_row_clear(&row);
	T_EQ_INT(topics_of("tg-5151"), 2);
}

/* /add of a rule copied from arXiv's search, terms side by side ("ti:video ti:motion": AND
 * here, OR there): the topic is added as written, and the answer says what it means and how
 * to write OR, in the chat's language (English, Traditional Chinese). */
static void
test_add_side_by_side(void)
{
	struct pb_bot_chat chat = { .service = "telegram", .chat = "6161", .may_change = 1 };
	struct pb_bot_answer a;
	struct pb_sub_row row;
	const char *t;

	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add ti:video ti:motion",
				pb_now(), &a), 0);
	t = pb_buf_str(&a.text);
	T_CHECK(strstr(t, "Topic topic1 added: ti:video ti:motion") != NULL);
	T_CHECK(strstr(t, "Topic topic1: terms side by side must all match (AND): ti:video "
			  "ti:motion. arXiv's search takes any of them (OR).") != NULL);
	T_CHECK(strstr(t, "write ti:video OR ti:motion, for a phrase put it in double quotes") !=
		NULL);
	pb_bot_answer_free(&a);
	T_EQ_INT(topics_of("tg-6161"), 1);
	/* an operator or a phrase: nothing to say */
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat,
				"/add ti:video OR ti:\"optical flow\"", pb_now(), &a), 0);
	T_CHECK(strstr(pb_buf_str(&a.text), "added") != NULL);
	T_CHECK(strstr(pb_buf_str(&a.text), "side by side") == NULL);
	T_CHECK(strstr(pb_buf_str(&a.text), "AND") == NULL);
	pb_bot_answer_free(&a);
	/* a chat that reads Traditional Chinese */
	memset(&row, 0, sizeof row);
	row.name = (char *)"tg-6262";
	row.settings = (char *)"{\"name\": \"tg-6262\", \"telegram_chat\": \"6262\", "
			       "\"language\": \"zh-TW\", \"topics\": []}";
	row.state = (char *)"active";
	row.source = (char *)"bot";
	T_EQ_INT(pb_sub_put(ctx.st, &row), 0);
	chat.chat = "6262";
	T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add 動作 = cat:cs.CV cat:cs.LG",
				pb_now(), &a), 0);
	t = pb_buf_str(&a.text);
	T_CHECK(strstr(t, "Topic 動作 added") != NULL);
	T_CHECK(strstr(t, "主題 動作：並列的詞須全部符合（AND）：cat:cs.CV cat:cs.LG。") != NULL);
	T_CHECK(strstr(t, "請寫 cat:cs.CV OR cat:cs.LG") != NULL);
	pb_bot_answer_free(&a);
	T_EQ_INT(topics_of("tg-6262"), 1);
}

/* A chat without a subscriber is named tg-<chat id> only when that name is no one else's: a
 * reader of the web's sign-up (address tg-4242@example.org, a Slack webhook here) and a
 * subscriber an administrator gave another chat keep their topics and their chats, and the
 * chat's /add makes a subscriber of its own, which its next command finds. */
static void
test_name_taken(void)
{
	const char *rows[][2] = {
		{ "tg-4242", "{\"name\": \"tg-4242\", \"slack_webhook_env\": \"PB_TEST_HOOK\", "
			     "\"topics\": [{\"name\": \"t\", \"query\": \"cat:cs.CL\"}]}" },
		{ "tg-4343", "{\"name\": \"tg-4343\", \"telegram_chat\": \"9999\", "
			     "\"topics\": [{\"name\": \"t\", \"query\": \"cat:cs.CL\"}]}" },
	};
	struct pb_bot_chat chat = { .service = "telegram", .may_change = 1 };
	struct pb_bot_answer a;
	struct pb_sub_row row;

	for (size_t i = 0; i < 2; i++) {
		char q[96], mine[32];

		memset(&row, 0, sizeof row);
		row.name = (char *)rows[i][0];
		row.settings = (char *)rows[i][1];
		row.state = (char *)"active";
		row.source = (char *)"web";
		T_EQ_INT(pb_sub_put(ctx.st, &row), 0);
		chat.chat = rows[i][0] + 3;
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/add ti:mine", pb_now(),
					&a), 0);
		T_CHECK(strstr(pb_buf_str(&a.text), "Topic topic1 added") != NULL);
		pb_bot_answer_free(&a);
		memset(&row, 0, sizeof row);
		T_EQ_INT(pb_sub_get(ctx.st, rows[i][0], &row), 1);
		T_EQ_STR(row.settings, rows[i][1]);
		pb_sub_row_clear(&row);
		snprintf(mine, sizeof mine, "%s-2", rows[i][0]);
		T_EQ_INT(topics_of(mine), 1);
		memset(&row, 0, sizeof row);
		T_EQ_INT(pb_sub_get(ctx.st, mine, &row), 1);
		snprintf(q, sizeof q, "\"telegram_chat\":\"%s\"", chat.chat);
		T_CHECK(row.settings && strstr(row.settings, q) != NULL);
		pb_sub_row_clear(&row);
		T_EQ_INT(pb_bot_command(path_of("pb.conf"), ctx.st, &chat, "/topics", pb_now(), &a),
			 0);
		snprintf(q, sizeof q, "Topics of %s (active):\n1. topic1: ti:mine", mine);
		T_EQ_STR(pb_buf_str(&a.text), q);
		pb_bot_answer_free(&a);
	}
}

/* Telegram serves one getUpdates at a time: of the machines sharing a state one polls. While
 * another machine holds the poll's claim this one asks nothing (here Telegram, 127.0.0.1:9,
 * would refuse the connection); once that claim's lease has run out it takes the poll over,
 * and the other then waits. */
static void
test_poll_one_machine(void)
{
	struct pb_tgbot *b;
	char err[256] = "";
	int64_t now = (int64_t)time(NULL);
	int changed = 0;

	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_CHECK(b != NULL);
	if (!b)
		return;
	pb_state_set_machine(ctx.st, "other");
	T_EQ_INT(pb_fetch_claim_take(ctx.st, "telegram:getUpdates", now, 60, 0, -1),
		 PB_FETCH_CLAIM_MINE);
	pb_state_set_machine(ctx.st, "");
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 1, &changed, err, sizeof err), PB_TGBOT_OTHER);
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 1, &changed, err, sizeof err), PB_TGBOT_OTHER);
	/* the other machine stopped: its lease runs out, and this one polls */
	pb_state_set_machine(ctx.st, "other");
	T_EQ_INT(pb_fetch_claim_take(ctx.st, "telegram:getUpdates", now - 600, 60, 0, -1),
		 PB_FETCH_CLAIM_MINE);
	pb_state_set_machine(ctx.st, "");
	err[0] = '\0';
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 1, &changed, err, sizeof err), -1);
	T_CHECK(strncmp(err, "getUpdates: ", 12) == 0);
	pb_state_set_machine(ctx.st, "other");
	T_EQ_INT(pb_fetch_claim_take(ctx.st, "telegram:getUpdates", now, 60, 0, -1),
		 PB_FETCH_CLAIM_WAIT);
	pb_state_set_machine(ctx.st, "");
	pb_tgbot_free(b);
}

/* ---- a stand-in of the Bot API, forked: each request answered with the next of its
 * method's answers ("METHOD STATUS BODY"; ok once they are used up), one per connection,
 * and its method appended to a log, one line each ---- */
static pid_t api_pid;
static char api_url[64], api_log[300], api_bodies[300];
static char *api_url_before;   /* the configuration's telegram.api_url while the stand-in runs */
static char slack_api[80], *slack_api_before;   /* the same for slack.api_url */

static void
api_serve(int fd, const char *const *script, size_t n)
{
	size_t used[16] = { 0 };

	for (;;) {
		char req[8192], method[64] = "", out[1024], extra[64] = "";
		const char *body = "{\"ok\":true,\"result\":{\"message_id\":1}}", *m, *cl, *bar;
		size_t len = 0, want = 0;
		int c = accept(fd, NULL, NULL), status = 200;
		ssize_t r;
		FILE *log;

		if (c < 0)
			continue;
		/* the headers, then Content-Length bytes of body */
		while (len < sizeof req - 1 && (r = read(c, req + len, sizeof req - 1 - len)) > 0) {
			char *end;

			len += (size_t)r;
			req[len] = '\0';
			if (!(end = strstr(req, "\r\n\r\n")))
				continue;
			cl = strstr(req, "Content-Length:");
			want = (size_t)(end + 4 - req) + (cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0);
			if (len >= want)
				break;
		}
		req[len] = '\0';
		if ((m = strchr(req, ' ')) && (m = strchr(m + 1, '/')) && (m = strchr(m + 1, '/')))
			sscanf(m + 1, "%63[A-Za-z.]", method);
		/* a press's response_url, /actions/T.../.../... as Slack's */
		if (strncmp(req, "POST /actions/", 14) == 0)
			snprintf(method, sizeof method, "actions");
		for (size_t i = 0; i < n && i < 16; i++) {
			/* "+METHOD ...": the answer to every request of METHOD */
			const char *e = script[i] + (script[i][0] == '+');
			size_t l = strcspn(e, " ");

			if (strlen(method) != l || strncmp(e, method, l) != 0)
				continue;
			if (used[i])
				continue;
			used[i] = e == script[i];
			status = atoi(e + l + 1);
			body = strchr(e + l + 1, ' ') + 1;
			break;
		}
		/* Slack's Web API (users.info): only with the bot token, as a bearer */
		if (strchr(method, '.') &&
		    !strstr(req, "\r\nAuthorization: Bearer xoxb-test-token\r\n")) {
			status = 200;
			body = "{\"ok\":false,\"error\":\"not_authed\"}";
		}
		if ((log = fopen(api_log, "a"))) {
			fprintf(log, "%s\n", method);
			fclose(log);
		}
		/* the messages' bodies, for what a reader was told */
		if ((strcmp(method, "sendMessage") == 0 || strcmp(method, "actions") == 0) &&
		    strstr(req, "\r\n\r\n") &&
		    (log = fopen(api_bodies, "a"))) {
			fprintf(log, "%s\n", strstr(req, "\r\n\r\n") + 4);
			fclose(log);
		}
		/* "Retry-After: 3|BODY": the header, then the body */
		if (strncmp(body, "Retry-After: ", 13) == 0 && (bar = strchr(body, '|'))) {
			snprintf(extra, sizeof extra, "%.*s\r\n", (int)(bar - body), body);
			body = bar + 1;
		}
		snprintf(out, sizeof out, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s", status, extra,
			 strlen(body), body);
		if (write(c, out, strlen(out)) < 0)
			_exit(1);
		close(c);
	}
}

/* Starts the stand-in with script, and points the config's bot at it. */
static void
api_start(const char *const *script, size_t n)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
		getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 && listen(fd, 8) == 0);
	snprintf(api_log, sizeof api_log, "%s/api.log", dir);
	unlink(api_log);
	snprintf(api_bodies, sizeof api_bodies, "%s/api.bodies", dir);
	unlink(api_bodies);
	if ((api_pid = fork()) == 0) {
		api_serve(fd, script, n);
		_exit(0);
	}
	close(fd);
	snprintf(api_url, sizeof api_url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	/* the configuration's own, put back by api_stop (the config frees it) */
	api_url_before = ctx.cfg->telegram.api_url;
	ctx.cfg->telegram.api_url = api_url;
	slack_api_before = ctx.cfg->slack.api_url;
	snprintf(slack_api, sizeof slack_api, "%s/api", api_url);
	ctx.cfg->slack.api_url = slack_api;
}

static void
api_stop(void)
{
	kill(api_pid, SIGKILL);
	waitpid(api_pid, NULL, 0);
	ctx.cfg->telegram.api_url = api_url_before;
	ctx.cfg->slack.api_url = slack_api_before;
}

/* The requests of method the stand-in had. */
static int
api_count(const char *method)
{
	FILE *f = fopen(api_log, "r");
	char line[80];
	int n = 0;

	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		n += strcmp(line, method) == 0;
	}
	if (f)
		fclose(f);
	return n;
}

static void
tg_update(struct pb_tg_update *u, int64_t id, const char *chat, const char *text)
{
	memset(u, 0, sizeof *u);
	u->update_id = id;
	snprintf(u->chat, sizeof u->chat, "%s", chat);
	snprintf(u->chat_type, sizeof u->chat_type, "private");
	u->text = pb_xstrdup(text);
}

#define TOO_MANY(n) "sendMessage 429 {\"ok\":false,\"error_code\":429,\"description\":" \
	"\"Too Many Requests: retry after " #n "\",\"parameters\":{\"retry_after\":" #n "}}"

/* An answer refused with 429 is held, not lost: sent again once retry_after has passed, once
 * (the next poll's wait is cut to it); one refused for good (403), or asked to wait longer
 * than the cap, is not sent again. */
static void
test_flood(void)
{
	static const char *const once[] = { TOO_MANY(1) };
	static const char *const blocked[] = {
		"sendMessage 403 {\"ok\":false,\"error_code\":403,\"description\":"
		"\"Forbidden: bot was blocked by the user\"}" };
	static const char *const long_wait[] = { TOO_MANY(600) };
	static const char *const hook[] = {
		"getUpdates 409 {\"ok\":false,\"error_code\":409,\"description\":\"Conflict: "
		"can't use getUpdates method while webhook is active; use deleteWebhook to delete "
		"the webhook first\"}" };
	struct pb_tg_update u;
	struct pb_tgbot *b;
	char err[512];
	int64_t t0;
	int changed = 0;

	api_start(once, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_CHECK(b != NULL);
	tg_update(&u, 3001, "3101", "/topics");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(api_count("sendMessage"), 1);
	T_CHECK(pb_tgbot_pause_s(b, 25) <= 1);
	/* a second answer to the chat waits behind the first, in order */
	tg_update(&u, 3002, "3101", "/help");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(api_count("sendMessage"), 1);
	t0 = pb_mono_ms();
	pb_tgbot_flush(b, 5);
	T_CHECK(pb_mono_ms() - t0 >= 900);
	T_EQ_INT(api_count("sendMessage"), 3);
	T_EQ_INT(pb_tgbot_pause_s(b, 25), 25);   /* nothing held */
	pb_tgbot_free(b);
	api_stop();

	api_start(blocked, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	tg_update(&u, 3003, "3102", "/topics");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(pb_tgbot_pause_s(b, 25), 25);
	pb_tgbot_flush(b, 2);
	T_EQ_INT(api_count("sendMessage"), 1);
	pb_tgbot_free(b);
	api_stop();

	api_start(long_wait, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	tg_update(&u, 3004, "3103", "/topics");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_EQ_INT(pb_tgbot_pause_s(b, 25), 25);
	T_EQ_INT(api_count("sendMessage"), 1);
	pb_tgbot_free(b);
	api_stop();

	/* a reload keeps an answer held for the same bot, and drops it for another bot (the
	 * token changed): that one's chats never wrote to it */
	api_start(once, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	tg_update(&u, 3005, "3104", "/topics");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	pb_tg_update_clear(&u);
	T_CHECK(pb_tgbot_pause_s(b, 25) <= 1);
	{
		struct pb_tgbot *same = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
		char *token = ctx.cfg->telegram.token, other[] = "999:another-bot";
		struct pb_tgbot *next;

		pb_tgbot_carry(same, b);
		pb_tgbot_free(b);
		T_CHECK(pb_tgbot_pause_s(same, 25) <= 1);
		ctx.cfg->telegram.token = other;
		next = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
		ctx.cfg->telegram.token = token;
		pb_tgbot_carry(next, same);
		T_EQ_INT(pb_tgbot_pause_s(same, 25), 25);
		T_EQ_INT(pb_tgbot_pause_s(next, 25), 25);
		pb_tgbot_flush(next, 2);
		pb_tgbot_free(same);
		pb_tgbot_free(next);
	}
	T_EQ_INT(api_count("sendMessage"), 1);
	api_stop();

	/* getUpdates refused while a webhook is set: said, and not asked again at once */
	api_start(hook, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	pb_state_set_machine(ctx.st, "other");
	pb_fetch_claim_take(ctx.st, "telegram:getUpdates", (int64_t)time(NULL) - 600, 60, 0, -1);
	pb_state_set_machine(ctx.st, "");
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 1, &changed, err, sizeof err), PB_TGBOT_WEBHOOK);
	T_CHECK(strstr(err, "webhook is active") != NULL);
	T_EQ_INT(pb_tgbot_pause_s(b, 1), 5);
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 1, &changed, err, sizeof err), PB_TGBOT_WEBHOOK);
	T_EQ_INT(api_count("getUpdates"), 1);
	pb_tgbot_free(b);
	api_stop();
}

/* A button's answer refused with 429 is sent again once retry_after has passed, as a
 * message is (the reader's client shows the button pressed until then); one Telegram calls
 * too old is final, not sent again. */
static void
test_flood_button(void)
{
	static const char *const once[] = {
		"answerCallbackQuery 429 {\"ok\":false,\"error_code\":429,\"description\":"
		"\"Too Many Requests: retry after 1\",\"parameters\":{\"retry_after\":1}}" };
	static const char *const old[] = {
		"answerCallbackQuery 400 {\"ok\":false,\"error_code\":400,\"description\":"
		"\"Bad Request: query is too old and response timeout expired or query ID is "
		"invalid\"}" };
	struct pb_tg_update u;
	struct pb_tgbot *b;
	char err[512];

	api_start(once, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	tg_update(&u, 3006, "3105", "");
	u.cb_id = pb_xstrdup("4382bfdwdsb323b2d9");
	u.cb_data = pb_xstrdup("not-ours");
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	T_EQ_INT(api_count("answerCallbackQuery"), 1);
	T_CHECK(pb_tgbot_pause_s(b, 25) <= 1);
	pb_tgbot_flush(b, 5);
	T_EQ_INT(api_count("answerCallbackQuery"), 2);
	T_EQ_INT(pb_tgbot_pause_s(b, 25), 25);
	pb_tgbot_free(b);
	api_stop();

	api_start(old, 1);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
	T_EQ_INT(pb_tgbot_pause_s(b, 25), 25);
	pb_tgbot_flush(b, 2);
	T_EQ_INT(api_count("answerCallbackQuery"), 1);
	pb_tgbot_free(b);
	api_stop();
	pb_tg_update_clear(&u);
}

/* The daemon's held answers are kept in the state: a bot stopped (SIGTERM, a crash, a reload
 * that restarts) before retry_after has passed leaves them to the next start, which sends
 * them once. A kept answer whose request had begun (the process stopped before it knew the
 * outcome) is not sent again, nor one kept for another bot. */
static void
test_flood_kept(void)
{
	static const char *const flood[] = {
		"getUpdates 200 {\"ok\":true,\"result\":[{\"update_id\":3020,\"message\":"
		"{\"message_id\":1,\"chat\":{\"id\":3120,\"type\":\"private\"},\"from\":"
		"{\"id\":3120},\"text\":\"/topics\"}}]}",
		TOO_MANY(1) };
	struct pb_tg_held_row *v = NULL, r;
	struct pb_tgbot *b;
	char err[512];
	int changed = 0;
	size_t n = 0;

	pb_state_set_machine(ctx.st, "");
	api_start(flood, 2);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err), 1);
	T_EQ_INT(api_count("sendMessage"), 1);
	pb_tgbot_free(b);   /* stopped before retry_after has passed */
	T_EQ_INT(pb_tg_held_list(ctx.st, &v, &n), 0);
	T_EQ_INT((int)n, 1);
	if (n != 1) {
		pb_tg_held_rows_free(v, n);
		api_stop();
		return;
	}
	T_EQ_STR(v[0].chat, "3120");
	T_EQ_STR(v[0].command, "/topics");
	T_EQ_INT(v[0].tries, 1);
	T_EQ_INT(v[0].sending, 0);
	T_CHECK(strlen(v[0].bot) == 16 && !strstr(v[0].bot, "1:x"));
	/* one whose request had begun (its outcome lost with the process), one of another bot */
	r = v[0];
	snprintf(r.chat, sizeof r.chat, "3121");
	r.id = pb_tg_held_put(ctx.st, &r);
	T_CHECK(r.id > 0);
	T_EQ_INT(pb_tg_held_begin(ctx.st, r.id, 0), 1);
	T_EQ_INT(pb_tg_held_begin(ctx.st, r.id, 0), 0);   /* marked once */
	snprintf(r.chat, sizeof r.chat, "3122");
	snprintf(r.bot, sizeof r.bot, "0123456789abcdef");
	T_CHECK(pb_tg_held_put(ctx.st, &r) > 0);
	pb_tg_held_rows_free(v, n);

	/* the next start: the first sent once retry_after has passed, the others given up */
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err);
	T_CHECK(pb_tgbot_pause_s(b, 25) <= 1);
	pb_tgbot_flush(b, 5);
	T_EQ_INT(api_count("sendMessage"), 2);
	pb_tgbot_free(b);
	T_EQ_INT(pb_tg_held_list(ctx.st, &v, &n), 0);
	T_EQ_INT((int)n, 0);
	pb_tg_held_rows_free(v, n);
	/* and a start after that sends nothing */
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err);
	pb_tgbot_flush(b, 2);
	T_EQ_INT(api_count("sendMessage"), 2);
	pb_tgbot_free(b);
	/* a kept answer due far later (the clock set back while the daemon was stopped) waits
	 * no longer than a retry_after may */
	api_stop();
	api_start(flood, 2);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err);
	pb_tgbot_free(b);
	T_EQ_INT(t_state_raw_exec(path_of("state/paperboy.db"),
				  "UPDATE tg_held SET due = due + 7200"), 0);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err);
	T_CHECK(pb_tgbot_pause_s(b, 9000) <= 60);
	pb_tgbot_free(b);
	T_EQ_INT(t_state_raw_exec(path_of("state/paperboy.db"), "DELETE FROM tg_held"), 0);
	api_stop();
}

/* A kept answer whose part the state cannot mark begun (busy, or lost: it would not know the
 * part was sent) waits for the state, and is sent once it is written again; it was dropped,
 * left to a restart that may come after its hour. */
static void
test_flood_kept_stuck(void)
{
	static const char *const flood[] = {
		"getUpdates 200 {\"ok\":true,\"result\":[{\"update_id\":3030,\"message\":"
		"{\"message_id\":1,\"chat\":{\"id\":3130,\"type\":\"private\"},\"from\":"
		"{\"id\":3130},\"text\":\"/topics\"}}]}",
		TOO_MANY(1) };
	const char *db = path_of("state/paperboy.db");
	struct pb_tg_held_row *v = NULL;
	struct pb_tgbot *b;
	struct timespec ts = { 1, 200000000L };
	char err[512];
	int changed = 0;
	size_t n = 0;

	pb_state_set_machine(ctx.st, "");
	api_start(flood, 2);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_EQ_INT(pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err), 1);
	T_EQ_INT(api_count("sendMessage"), 1);
	/* the state refuses every change of the kept answers from now on */
	T_EQ_INT(t_state_raw_exec(db, t_state_pg()
		? "CREATE FUNCTION tg_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
		  " RAISE EXCEPTION 'disk full'; END $$; CREATE TRIGGER tg_fail BEFORE UPDATE"
		  " ON tg_held FOR EACH ROW EXECUTE FUNCTION tg_fail()"
		: "CREATE TRIGGER tg_fail BEFORE UPDATE ON tg_held BEGIN"
		  " SELECT RAISE(ABORT, 'disk full'); END"), 0);
	nanosleep(&ts, NULL);   /* past retry_after */
	pb_tgbot_poll(b, ctx.st, 0, &changed, err, sizeof err);
	T_EQ_INT(api_count("sendMessage"), 1);   /* not sent unmarked */
	T_CHECK(pb_tgbot_pause_s(b, 25) <= 5);  /* still held */
	T_EQ_INT(t_state_raw_exec(db, t_state_pg() ? "DROP TRIGGER tg_fail ON tg_held;"
					  " DROP FUNCTION tg_fail()" : "DROP TRIGGER tg_fail"), 0);
	pb_tgbot_flush(b, 8);
	T_EQ_INT(api_count("sendMessage"), 2);   /* sent once the state is written again */
	pb_tgbot_free(b);
	T_EQ_INT(pb_tg_held_list(ctx.st, &v, &n), 0);
	T_EQ_INT((int)n, 0);
	pb_tg_held_rows_free(v, n);
	api_stop();
}

/* The webhook's handle lives for one update: an answer refused with 429 is sent again within
 * the request. */
static void
test_flood_webhook(void)
{
	static const char *const once[] = { TOO_MANY(1) };
	const char *u = "{\"update_id\":3010,\"message\":{\"message_id\":1,\"chat\":{\"id\":"
			"3110,\"type\":\"private\"},\"from\":{\"id\":3110},\"text\":\"/topics\"}}";
	struct pb_web_resp r;

	api_start(once, 1);
	snprintf(hdr_tg, sizeof hdr_tg, "tg-hook-secret-1");
	post("/telegram/webhook", u, &r);
	T_EQ_INT(r.status, 200);
	resp_free(&r);
	*hdr_tg = '\0';
	T_EQ_INT(api_count("sendMessage"), 2);
	api_stop();
}

/* In a group, an administrator is asked of Telegram (getChatMember): when Telegram does not
 * answer (429 here), the reader is told to try again, not that they are no administrator;
 * nothing changes. */
static void
test_member_unknown(void)
{
	static const char *const busy[] = {
		"getChatMember 429 {\"ok\":false,\"error_code\":429,\"description\":"
		"\"Too Many Requests: retry after 5\",\"parameters\":{\"retry_after\":5}}",
		"getChatMember 200 {\"ok\":true,\"result\":{\"status\":\"member\"}}" };
	struct pb_tg_update u;
	struct pb_tgbot *b;
	char err[512], text[2048] = "";
	size_t n;
	FILE *f;

	api_start(busy, 2);
	b = pb_tgbot_new(ctx.cfg, ctx.config_path, NULL, err, sizeof err);
	T_CHECK(b != NULL);
	for (int i = 0; b && i < 2; i++) {
		tg_update(&u, 3900 + i, "-4200", "/add ti:x");
		snprintf(u.chat_type, sizeof u.chat_type, "group");
		u.from_id = 77;
		T_EQ_INT(pb_tgbot_handle(b, ctx.st, &u, NULL), 0);
		pb_tg_update_clear(&u);
	}
	pb_tgbot_free(b);
	api_stop();
	T_EQ_INT(api_count("getChatMember"), 2);
	T_EQ_INT(topics_of("tg--4200"), -1);
	f = fopen(api_bodies, "r");
	n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	/* the first asked when Telegram would not say, the second a member who is not one */
	T_CHECK(strstr(text, "Telegram did not say whether you are one of the group's") != NULL);
	T_CHECK(strstr(text, "only the group's administrators") != NULL);
	T_CHECK(strstr(text, "Telegram did not say") < strstr(text, "only the group's"));
}

/* The text of what the stand-in was sent (its bodies' file). */
static void
api_sent(char *out, size_t n)
{
	FILE *f = fopen(api_bodies, "r");
	size_t got = f ? fread(out, 1, n - 1, f) : 0;

	out[got] = '\0';
	if (f)
		fclose(f);
}

/* A press's answer goes to the payload's response_url (Slack takes the HTTP answer to a
 * block_actions payload as its acknowledgment, and shows the reader nothing of it): an
 * ephemeral message that leaves the digest as it is. Only Slack's hooks.slack.com, or the
 * host of slack.api_url (the stand-in), is asked; with another, or none, the answer stays in
 * the acknowledgment. */
static void
test_slack_response_url(void)
{
	static const char *const good[] = {
		"https://hooks.slack.com/actions/T0ABC/1234567890/AbCdEf123",
		"https://hooks.slack.com/commands/T0/1/x",
	};
	static const char *const bad[] = {
		"http://hooks.slack.com/actions/T0/1/x",
		"https://hooks.slack.com.example.org/actions/T0/1/x",
		"https://hooks.slack.com@example.org/actions/T0/1/x",
		"https://hooks.slack.com:8443/actions/T0/1/x",
		"https://hooks.slack.com",
		"https://example.org/actions/T0/1/x",
		"https://hooks.slack.com/actions/T0/1/x y",
		"https://hooks.slack.com/actions/T0/1/x\r\nHost: a",
		"https://hooks.slack.com/actions/\"x",
		"file:///etc/passwd",
		"",
	};
	struct pb_slack_action act;
	struct pb_web_resp r;
	char url[160], other[160], sent[4096], now[32];
	const char *p = "{\"channel\":{\"id\":\"C1\"},\"response_url\":\"https://hooks.slack.com/"
			"actions/T0/1/x\",\"actions\":[{\"action_id\":\"fb+\",\"value\":\"1\"}]}";

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		T_EQ_INT(pb_slack_response_url_ok(good[i], NULL), 1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		T_EQ_INT(pb_slack_response_url_ok(bad[i], "http://127.0.0.1:9/api"), 0);
	T_EQ_INT(pb_slack_response_url_ok(NULL, NULL), 0);
	/* the stand-in's: slack.api_url's scheme and host, its port too */
	T_EQ_INT(pb_slack_response_url_ok("http://127.0.0.1:9/actions/T0/1/x",
					  "http://127.0.0.1:9/api"), 1);
	T_EQ_INT(pb_slack_response_url_ok("http://127.0.0.1:9/x", "http://127.0.0.1:9"), 1);
	T_EQ_INT(pb_slack_response_url_ok("http://127.0.0.1:99/x", "http://127.0.0.1:9/api"), 0);
	T_EQ_INT(pb_slack_response_url_ok("http://127.0.0.1:9.example.org/x",
					  "http://127.0.0.1:9/api"), 0);
	T_EQ_INT(pb_slack_response_url_ok("https://127.0.0.1:9/x", "http://127.0.0.1:9/api"), 0);
	T_EQ_INT(pb_slack_response_url_ok("http://127.0.0.1:9/x", "127.0.0.1:9/api"), 0);
	T_EQ_INT(pb_slack_action_parse(p, strlen(p), &act), 0);
	T_EQ_STR(act.response_url, "https://hooks.slack.com/actions/T0/1/x");

	api_start(NULL, 0);
	snprintf(now, sizeof now, "%lld.000300", (long long)pb_now());
	snprintf(url, sizeof url, "%s/actions/T0/111/secretpart", api_url);
	slack_press_to("fb+", "2501.00009v1", "12.1.a", now, url, &r);
	/* the acknowledgment: 200, nothing in it */
	T_EQ_INT(r.status, 200);
	T_EQ_INT((int)r.body.len, 0);
	resp_free(&r);
	T_EQ_INT(verdict_of("team", "2501.00009"), 1);
	T_EQ_INT(api_count("actions"), 1);
	api_sent(sent, sizeof sent);
	T_CHECK(strstr(sent, "\"text\":\"Noted: more like this.\"") != NULL);
	T_CHECK(strstr(sent, "\"response_type\":\"ephemeral\"") != NULL);
	T_CHECK(strstr(sent, "\"replace_original\":false") != NULL);
	/* sent again: "Done already." reaches the reader the same way */
	slack_press_to("fb+", "2501.00009v1", "12.1.a", now, url, &r);
	T_EQ_INT((int)r.body.len, 0);
	resp_free(&r);
	T_EQ_INT(api_count("actions"), 2);
	api_sent(sent, sizeof sent);
	T_CHECK(strstr(sent, "Done already.") != NULL);
	/* another host (the same stand-in, named otherwise) is never asked: the answer stays in
	 * the acknowledgment */
	snprintf(other, sizeof other, "http://localhost:%s/actions/T0/222/x",
		 strrchr(api_url, ':') + 1);
	slack_press_to("fb-", "2501.00009v1", "12.2.b", now, other, &r);
	T_EQ_INT(r.status, 200);
	T_CHECK(strstr(pb_buf_str(&r.body), "\"response_type\":\"ephemeral\"") != NULL);
	T_CHECK(strstr(pb_buf_str(&r.body), "Noted: not for you.") != NULL);
	resp_free(&r);
	T_EQ_INT(verdict_of("team", "2501.00009"), -1);
	api_stop();
	T_EQ_INT(api_count("actions"), 2);
	/* Slack refuses the URL (used five times, or past its 30 minutes): the press is
	 * recorded all the same, the refusal logged */
	{
		static const char *const expired[] = { "+actions 404 expired_url" };

		api_start(expired, 1);
		snprintf(url, sizeof url, "%s/actions/T0/333/secretpart", api_url);
		slack_press_to("fb+", "2501.00009v1", "12.3.c", now, url, &r);
		T_EQ_INT(r.status, 200);
		resp_free(&r);
		api_stop();
		T_EQ_INT(api_count("actions"), 1);
		T_EQ_INT((int)n_after_waits, 0);
		T_EQ_INT(verdict_of("team", "2501.00009"), 1);
	}
	/* Slack's 503 and 429 are asked again (after 1 s; after its Retry-After), its other 4xx
	 * never; five posts at most, the waits doubling */
	{
		static const struct {
			const char *script[2];
			int posts;
			int64_t waits[4];
		} cases[] = {
			{ { "actions 503 service_unavailable" }, 2, { 1000 } },
			{ { "actions 429 Retry-After: 3|rate_limited" }, 2, { 3000 } },
			{ { "actions 503 x", "actions 429 rate_limited" }, 3, { 1000, 2000 } },
			{ { "+actions 410 used_url" }, 1, { 0 } },
			{ { "+actions 400 invalid_payload" }, 1, { 0 } },
			{ { "+actions 500 internal_error" }, 5, { 1000, 2000, 4000, 8000 } },
			/* a wait past the URL's 30 minutes is not waited */
			{ { "actions 429 Retry-After: 7200|rate_limited" }, 1, { 0 } },
		};

		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			char trig[32];
			size_t nw = 0;

			while (nw < 4 && cases[i].waits[nw])
				nw++;
			api_start(cases[i].script, cases[i].script[1] ? 2 : 1);
			snprintf(url, sizeof url, "%s/actions/T0/44%zu/secretpart", api_url, i);
			snprintf(trig, sizeof trig, "12.4%zu.d", i);
			slack_press_to("fb-", "2501.00010v1", trig, now, url, &r);
			T_EQ_INT(r.status, 200);
			resp_free(&r);
			api_stop();
			T_EQ_INT(api_count("actions"), cases[i].posts);
			T_EQ_INT((int)n_after_waits, (int)nw);
			for (size_t k = 0; k < nw && k < n_after_waits; k++)
				T_EQ_INT((int)after_waits[k], (int)cases[i].waits[k]);
		}
	}
	/* dropped (the queue full, the server stopping): freed, nothing posted */
	{
		struct pb_web_resp d;
		struct pb_web_req req;
		const struct pb_web_after how = { "the server stopped", 0 };

		api_start(NULL, 0);
		snprintf(url, sizeof url, "%s/actions/T0/555/secretpart", api_url);
		/* the press made by hand, its later work not run by post() */
		memset(&req, 0, sizeof req);
		memset(&d, 0, sizeof d);
		{
			struct pb_buf json = { 0 }, form = { 0 };
			char msg[128];

			pb_buf_printf(&json, "{\"type\":\"block_actions\",\"trigger_id\":\"12.5.e\","
				      "\"channel\":{\"id\":\"C1\"},\"response_url\":\"%s\","
				      "\"actions\":[{\"action_id\":\"fb+\",\"value\":"
				      "\"2501.00011v1\"}]}", url);
			pb_buf_puts(&form, "payload=");
			for (size_t i = 0; i < json.len; i++)
				pb_buf_printf(&form, "%%%02X", (unsigned char)json.data[i]);
			sign(SECRET, form.data);
			req.method = "POST";
			req.path = "/slack/actions";
			req.remote = "127.0.0.1";
			req.body = form.data;
			req.body_len = form.len;
			req.header = headers;
			T_EQ_INT(pb_form_parse(form.data, form.len, &req.form, msg, sizeof msg), 0);
			pb_web_dispatch(&ctx, &req, &d);
			T_CHECK(d.after != NULL);
			if (d.after)
				T_EQ_INT((int)d.after(d.after_arg, &how), 0);
			pb_form_free(&req.form);
			pb_buf_free(&form);
			pb_buf_free(&json);
		}
		resp_free(&d);
		api_stop();
		T_EQ_INT(api_count("actions"), 0);
	}
}

int
main(void)
{
	struct pb_config_error ce;
	struct pb_config *cfg;
	struct pb_sub_row row;
	char err[512];
	FILE *f;

	pb_log_setup(PB_LOG_ERROR, 0);
	snprintf(dir, sizeof dir, "/tmp/pb-test-bot.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("PB_TEST_TG_TOKEN", "1:x", 1);
	setenv("PB_TEST_SLACK_SECRET", SECRET, 1);
	setenv("PB_TEST_SLACK_BOT", "xoxb-test-token", 1);
	setenv("PB_TEST_TG_HOOK", "tg-hook-secret-1", 1);
	setenv("PB_TEST_HOOK", "https://hooks.slack.example/services/T/B/x", 1);
	f = fopen(path_of("pb.conf"), "w");
	fprintf(f, "state_dir = \"%s/state\";\n"
		"arxiv = { categories = [\"cs.CV\"]; };\n"
		"telegram = { token_env = \"PB_TEST_TG_TOKEN\"; api_url = \"http://127.0.0.1:9\";"
		" webhook_secret_env = \"PB_TEST_TG_HOOK\"; commands = true; };\n"
		"slack = { signing_secret_env = \"PB_TEST_SLACK_SECRET\";"
		" bot_token_env = \"PB_TEST_SLACK_BOT\"; api_url = \"http://127.0.0.1:9/api\"; };\n"
		"web = { listen = \"127.0.0.1:8425\"; base_url = \"https://d.example.org\"; };\n"
		"subscribers = ( { name = \"lab\"; topics = ( { name = \"t\"; query = \"cat:cs.RO\"; }"
		" ); } );\n", dir);
	{
		struct pb_buf sc = { 0 };

		t_state_conf(&sc, path_of("state/paperboy.db"));
		if (sc.len)
			fputs(sc.data, f);
		pb_buf_free(&sc);
	}
	fclose(f);
	pb_mkdirs(path_of("state"));
	memset(&ctx, 0, sizeof ctx);
	/* a copy: path_of's buffers are used again four calls later */
	ctx.config_path = pb_xstrdup(path_of("pb.conf"));
	ctx.st = t_state_open(path_of("state/paperboy.db"), err, sizeof err);
	T_CHECK(ctx.st != NULL);
	if (!ctx.st)
		return 1;
	memset(&row, 0, sizeof row);
	row.name = "team";
	row.settings = "{\"name\": \"team\", \"slack_webhook_env\": \"PB_TEST_HOOK\", "
		       "\"slack_channel\": \"C1\", "
		       "\"topics\": [{\"name\": \"t\", \"query\": \"cat:cs.CL\"}]}";
	row.state = "active";
	row.source = "cli";
	T_EQ_INT(pb_sub_put(ctx.st, &row), 0);
	cfg = pb_config_load(path_of("pb.conf"), &ce);
	T_CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "%s: %s\n", ce.key, ce.message);
		return 1;
	}
	{
		struct pb_buf problems = { 0 };

		ctx.cfg = pb_cli_with_stored(cfg, 1, NULL, NULL, &problems);
		T_EQ_STR(pb_buf_str(&problems), "");
		pb_buf_free(&problems);
	}
	T_EQ_INT(pb_secret_load(path_of("state/web.secret"), &ctx.secret, err, sizeof err), 0);

	test_verify();
	test_slack_command();
	test_slack_actions();
	test_slack_member();
	test_button_replay();
	test_slack_response_url();
	test_telegram_commands();
	test_telegram_webhook();
	test_telegram_anonymous_admin();
	test_telegram_migrate();
	test_long_file_query();
	test_topic_names();
	test_add_side_by_side();
	test_name_taken();
	test_poll_one_machine();
	test_flood();
	test_flood_button();
	test_flood_kept();
	test_flood_kept_stuck();
	test_flood_webhook();
	test_member_unknown();
	test_parsers();

	pb_config_free(ctx.cfg);
	pb_state_close(ctx.st);
	free((char *)ctx.config_path);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return t_done("test_bot");
}
