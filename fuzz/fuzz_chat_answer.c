/* Slack and Telegram answer classification from arbitrary bytes: never crashes, always gives
 * a known verdict, reasons are single printable lines, redirects name a chat. The first two
 * bytes choose the HTTP status; the rest is the body (and a Retry-After value for Slack). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../src/deliver/channel.h"

static void
check(const struct pb_result *r)
{
	if (r->verdict > PB_V_REDIRECT)
		abort();
	for (const char *p = r->reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			abort();
	if (r->verdict == PB_V_REDIRECT && r->new_dest[0] == '\0')
		abort();
	if (r->retry_after_s < -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_result r;
	long status;
	char ra[32];
	size_t n;
	char *body;

	if (size < 2)
		return 0;
	status = (long)(((unsigned)data[0] << 8 | data[1]) % 600);
	data += 2;
	size -= 2;
	body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	n = size < sizeof ra - 1 ? size : sizeof ra - 1;
	memcpy(ra, data, n);
	ra[n] = '\0';

	pb_telegram_classify_answer(status, body, size, &r);
	check(&r);
	pb_slack_classify_answer(status, body, size, ra, &r);
	check(&r);
	char *b = pb_telegram_set_chat(body, size, "-100123");
	if (b)
		cJSON_free(b);
	free(body);
	return 0;
}
