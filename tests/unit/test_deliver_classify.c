/* Channel result classification: Slack webhook answers, Telegram Bot API answers, SMTP replies
 * and transport errors; Telegram chat_id rewriting for migrated groups. */
#include <string.h>

#include <cJSON.h>

#include "../../src/deliver/channel.h"
#include "t.h"

static struct pb_result
slack(long status, const char *body, const char *ra)
{
	struct pb_result r;

	pb_slack_classify_answer(status, body, body ? strlen(body) : 0, ra, &r);
	return r;
}

static struct pb_result
tg(long status, const char *body)
{
	struct pb_result r;

	pb_telegram_classify_answer(status, body, body ? strlen(body) : 0, &r);
	return r;
}

static void
test_slack(void)
{
	struct pb_result r;

	r = slack(200, "ok", NULL);
	T_EQ_INT(r.verdict, PB_V_SENT);
	r = slack(400, "invalid_payload", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "HTTP 400: invalid_payload");
	r = slack(403, "action_prohibited", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	/* a revoked webhook (the app uninstalled) or a closed workspace is gone */
	r = slack(403, "invalid_token", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "HTTP 403: invalid_token");
	r = slack(403, "team_disabled", NULL);
	T_EQ_INT(r.suppress, 1);
	r = slack(403, "posting_to_general_channel_denied", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	r = slack(404, "no_service", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "HTTP 404: no_service");
	r = slack(410, "channel_is_archived", NULL);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 1);
	T_EQ_STR(r.reason, "HTTP 410: channel_is_archived");
	r = slack(429, "rate_limited", "7");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 7);
	/* An HTTP date already past: try again at once. */
	r = slack(429, "rate_limited", "Wed, 21 Oct 2015 07:28:00 GMT");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 0);
	r = slack(429, "rate_limited", "soon");
	T_EQ_INT(r.retry_after_s, -1);
	r = slack(503, "<html>\r\nbusy</html>", NULL);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "HTTP 503: <html> busy</html>");
}

static void
test_telegram(void)
{
	struct pb_result r;

	r = tg(200, "{\"ok\":true,\"result\":{\"message_id\":5}}");
	T_EQ_INT(r.verdict, PB_V_SENT);
	/* a chat the bot no longer knows (deleted, the bot removed) is paused, as a blocked one */
	r = tg(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: chat not found\"}");
	T_EQ_INT(r.verdict, PB_V_PAUSED);
	T_EQ_STR(r.reason, "400 Bad Request: chat not found");
	r = tg(403, "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was kicked from the group chat\"}");
	T_EQ_INT(r.verdict, PB_V_PAUSED);
	r = tg(403, "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot is not a member of the channel chat\"}");
	T_EQ_INT(r.verdict, PB_V_PAUSED);
	/* a group that restricted the bot: final with Telegram's words, neither retried nor paused */
	r = tg(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: not enough rights to send text messages to the chat\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_INT(r.suppress, 0);
	T_EQ_STR(r.reason, "400 Bad Request: not enough rights to send text messages to the chat");
	r = tg(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: message thread not found\"}");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = tg(403, "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: bot was blocked by the user\"}");
	T_EQ_INT(r.verdict, PB_V_PAUSED);
	T_EQ_STR(r.reason, "403 Forbidden: bot was blocked by the user");
	r = tg(403, "{\"ok\":false,\"error_code\":403,\"description\":\"Forbidden: user is deactivated\"}");
	T_EQ_INT(r.verdict, PB_V_PAUSED);
	r = tg(429, "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after 3\","
		    "\"parameters\":{\"retry_after\":3}}");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.retry_after_s, 3);
	r = tg(400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: group chat was "
		    "upgraded to a supergroup chat\",\"parameters\":{\"migrate_to_chat_id\":-1001234567890}}");
	T_EQ_INT(r.verdict, PB_V_REDIRECT);
	T_EQ_STR(r.new_dest, "-1001234567890");
	r = tg(502, "<html>Bad Gateway</html>");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	r = tg(500, "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server Error\"}");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	/* the bot token refused: no chat's fault; the messages wait for it to be mended */
	r = tg(401, "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}");
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_INT(r.deferred, 1);
	T_EQ_STR(r.reason, "the Bot API refused the bot token (telegram.token): 401 Unauthorized");
	r = tg(404, "");
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	r = tg(200, "[1,2]");
	T_EQ_INT(r.verdict, PB_V_SENT);
}

static void
test_smtp(void)
{
	struct pb_result r;

	pb_smtp_classify(CURLE_OK, 250, "250 2.0.0 Ok: queued", "", &r);
	T_EQ_INT(r.verdict, PB_V_SENT);
	pb_smtp_classify(CURLE_SEND_ERROR, 550, "550 5.1.1 <x@y>: Recipient address rejected\r\n", "", &r);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	T_EQ_STR(r.reason, "550 5.1.1 <x@y>: Recipient address rejected");
	pb_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 451, "451 4.3.0 Try again later", "", &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	pb_smtp_classify(CURLE_COULDNT_CONNECT, 0, "", "Failed to connect to 127.0.0.1 port 9", &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_EQ_STR(r.reason, "Failed to connect to 127.0.0.1 port 9");
	pb_smtp_classify(CURLE_USE_SSL_FAILED, 250, "250 HELP", "STARTTLS not supported.", &r);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
	pb_smtp_classify(CURLE_OPERATION_TIMEDOUT, 0, "", "", &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
}

static void
test_set_chat(void)
{
	char *b = pb_telegram_set_chat("{\"chat_id\":-123,\"text\":\"hi\"}", 29, "-1001234567890");

	T_EQ_STR(b, "{\"text\":\"hi\",\"chat_id\":-1001234567890}");
	cJSON_free(b);
	b = pb_telegram_set_chat("{\"text\":\"x\"}", 12, "@channel");
	T_EQ_STR(b, "{\"text\":\"x\",\"chat_id\":\"@channel\"}");
	cJSON_free(b);
	T_CHECK(pb_telegram_set_chat("not json", 8, "1") == NULL);
	T_CHECK(pb_telegram_set_chat("[1]", 3, "1") == NULL);
}

int
main(void)
{
	test_slack();
	test_telegram();
	test_smtp();
	test_set_chat();
	return t_done("test_deliver_classify");
}
