/* Matrix answer classification from arbitrary bytes: never crashes, always gives a known
 * verdict (never a redirect), reasons are single printable lines, a retry hint is -1 or a
 * delay of at most a day, and a hold is the homeserver's pacing key, with a wait only. The first two bytes choose the HTTP status; the rest is the body
 * (and its first bytes a Retry-After value). The same bytes also go through the conversion of
 * Telegram HTML into an event's bodies, which must not read past its input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/deliver/channel.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_result r;
	struct pb_buf h = { 0 }, p = { 0 };
	long status;
	char ra[32];
	size_t n;
	char *body;

	if (size < 2)
		return 0;
	status = (long)(((unsigned)data[0] << 8 | data[1]) % 600);
	data += 2;
	size -= 2;
	/* Not NUL-terminated: the classifier is given a length. */
	body = malloc(size ? size : 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	n = size < sizeof ra - 1 ? size : sizeof ra - 1;
	memcpy(ra, data, n);
	ra[n] = '\0';

	pb_matrix_classify_answer(status, body, size, ra, &r);
	if (r.verdict > PB_V_PAUSED || r.retry_after_s < -1 || r.retry_after_s > 86400)
		abort();
	for (const char *c = r.reason; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			abort();
	if (r.verdict == PB_V_SENT && (status < 200 || status >= 300))
		abort();
	if (r.hold[0] && (strcmp(r.hold, "mx:*") != 0 || r.verdict != PB_V_TRANSIENT ||
			  r.retry_after_s < 0))
		abort();
	pb_matrix_from_telegram(body, size, &h, &p);
	pb_buf_free(&h);
	pb_buf_free(&p);
	free(body);
	return 0;
}
