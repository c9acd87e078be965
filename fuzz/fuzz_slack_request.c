/* A Slack request from arbitrary bytes: the signature check (the first bytes as timestamp and
 * signature headers, the rest as the raw body), the form decoding, the interaction payload's
 * parser and the commands' parser. Never crashes; a request signed with another secret or out
 * of the window is never accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/bot.h"
#include "paperboy/web.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ts[16], sig[80], why[128], msg[128], channel[80], id[64], word[PB_BOT_WORD_MAX];
	const char *body, *arg;
	struct pb_form f;
	size_t bl;
	int verdict;

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
	if (pb_form_parse(body, bl, &f, msg, sizeof msg) == 0) {
		const char *p = pb_form_get(&f, "payload");
		const char *t = pb_form_get(&f, "text");

		if (p && pb_slack_action_parse(p, strlen(p), channel, sizeof channel, id,
					       sizeof id, &verdict) == 0 &&
		    (!*channel || !*id || (verdict != 1 && verdict != -1)))
			abort();
		if (t && pb_bot_parse_command(t, word, &arg) == 0 &&
		    (strlen(word) >= PB_BOT_WORD_MAX || !arg))
			abort();
		pb_form_free(&f);
	}
	return 0;
}
