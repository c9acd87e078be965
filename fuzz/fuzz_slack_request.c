/* A Slack request from arbitrary bytes: the signature check (the first bytes as timestamp and
 * signature headers, the rest as the raw body), the form decoding, the interaction payload's
 * parser and the check of its response_url, the commands' parser and the reading of the Web
 * API's users.info and conversations.info answers (the body as either). Never crashes; a
 * request signed with another secret or out of the window is never accepted; a response_url
 * accepted is on hooks.slack.com or the stand-in's host, with no blank or control byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/bot.h"
#include "paperboy/web.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ts[16], sig[80], why[128], msg[128], word[PB_BOT_WORD_MAX], mwhy[300];
	const char *body, *arg;
	struct pb_slack_action act;
	struct pb_form f;
	size_t bl;
	int may;

	if (size < sizeof ts + sizeof sig)
		return 0;
	memcpy(ts, data, sizeof ts - 1);
	ts[sizeof ts - 1] = '\0';
	memcpy(sig, data + sizeof ts, sizeof sig - 1);
	sig[sizeof sig - 1] = '\0';
	body = (const char *)data + sizeof ts + sizeof sig;
	bl = size - sizeof ts - sizeof sig;
	/* nothing an input can hold matches an HMAC under a key it does not know, in time */
	if (pb_slack_verify("fuzz-secret", ts, sig, body, bl, 1700000000, why, sizeof why) == 0)
		abort();
	/* the body as a users.info and a conversations.info answer: a yes only from one */
	may = pb_slack_member_may_change(body, bl, body, bl, "U1", mwhy, sizeof mwhy);
	if (may < -1 || may > 1 || (may < 0 && !*mwhy))
		abort();
	if (pb_slack_member_may_change(NULL, 0, NULL, 0, "U1", mwhy, sizeof mwhy) != -1)
		abort();
	if (pb_form_parse(body, bl, &f, msg, sizeof msg) == 0) {
		const char *p = pb_form_get(&f, "payload");
		const char *t = pb_form_get(&f, "text");

		if (p && pb_slack_action_parse(p, strlen(p), &act) == 0) {
			const char *u = act.response_url;

			if (!*act.channel || !*act.id || (act.verdict != 1 && act.verdict != -1) ||
			    act.at < 0 || strlen(act.press) >= sizeof act.press ||
			    strlen(u) >= sizeof act.response_url)
				abort();
			if (pb_slack_response_url_ok(u, "http://127.0.0.1:9/api") &&
			    ((strncmp(u, "https://hooks.slack.com/", 24) != 0 &&
			      strncmp(u, "http://127.0.0.1:9/", 19) != 0) ||
			     strcspn(u, " \t\r\n\"<>\\") != strlen(u)))
				abort();
		}
		/* the body itself as a response_url */
		if (p && pb_slack_response_url_ok(p, NULL) &&
		    strncmp(p, "https://hooks.slack.com/", 24) != 0)
			abort();
		if (t && pb_bot_parse_command(t, word, &arg) == 0 &&
		    (strlen(word) >= PB_BOT_WORD_MAX || !arg))
			abort();
		pb_form_free(&f);
	}
	return 0;
}
