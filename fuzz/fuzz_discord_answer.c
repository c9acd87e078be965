/* discord answer classification from arbitrary bytes: never crashes, always gives a known
 * verdict, a reason that is one printable line, a retry hint of -1 or 0..86400 seconds, a
 * suppression only of a final 401 or 404, and a hold of every webhook only on a 429.
 * The first two bytes choose the HTTP status; the rest is the body, and its first bytes are
 * also the Retry-After header's value. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/deliver/channel.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_result r;
	long status;
	char ra[32];
	size_t n;

	if (size < 2)
		return 0;
	status = (long)(((unsigned)data[0] << 8 | data[1]) % 600);
	data += 2;
	size -= 2;
	n = size < sizeof ra - 1 ? size : sizeof ra - 1;
	memcpy(ra, data, n);
	ra[n] = '\0';
	/* The body as the delivery loop hands it over: not NUL-terminated. */
	pb_discord_classify_answer(status, (const char *)data, size, ra, NULL, &r);
	if (r.verdict > PB_V_REDIRECT || r.verdict == PB_V_REDIRECT)
		abort();
	for (const char *p = r.reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			abort();
	if (r.retry_after_s < -1 || r.retry_after_s > 86400)
		abort();
	if (r.verdict == PB_V_SENT && !(status >= 200 && status < 300))
		abort();
	/* only a webhook gone (404) or its token refused (401) is suppressed */
	if (r.suppress && !(r.verdict == PB_V_PERMANENT && (status == 401 || status == 404)))
		abort();
	/* the answer gives no scope (the fuzzer's), so every 429 is the address's: it holds
	 * every webhook, under their common pacing key; no other answer holds anything */
	if (strcmp(r.hold, status == 429 ? "discord:*" : "") != 0)
		abort();
	return 0;
}
