/* WeCom and DingTalk answer classification from arbitrary bytes: never crashes, always gives
 * a known verdict, reasons are single printable lines, waits are bounded. The first two bytes
 * choose the HTTP status; the rest is the body (and a Retry-After value for WeCom). The body
 * also goes through the robots' Markdown rewriting, in both dialects. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/deliver/channel.h"

static void
check(const struct pb_result *r)
{
	if (r->verdict != PB_V_SENT && r->verdict != PB_V_TRANSIENT && r->verdict != PB_V_PERMANENT)
		abort();
	for (const char *p = r->reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			abort();
	if (r->retry_after_s < -1 || r->retry_after_s > 86400)
		abort();
	if (r->verdict != PB_V_SENT && r->reason[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_result r;
	struct pb_buf md = { 0 };
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

	pb_wecom_classify_answer(status, body, size, ra, 60, &r);
	check(&r);
	pb_dingtalk_classify_answer(status, body, size, 600, &r);
	check(&r);
	pb_robot_md(&md, body, 0);
	pb_buf_reset(&md);
	pb_robot_md(&md, body, PB_RMD_ITALIC | PB_RMD_BREAKS);
	pb_buf_free(&md);
	free(body);
	return 0;
}
