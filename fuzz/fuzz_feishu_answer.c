/* Feishu and JSON-webhook answer classification from arbitrary bytes: never crashes, always a
 * known verdict (never a redirect), reasons are single printable lines, waits are -1 or within
 * a day, and only a Feishu answer with code 0 (or a 2xx to the webhook) counts as sent. The
 * first two bytes choose the HTTP status; the rest is the body, and its first bytes the wait
 * hint (x-ogw-ratelimit-reset or Retry-After). The bytes as a Markdown digest's body go
 * through the post builder too: every body is a JSON post within the limit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../src/deliver/channel.h"

static void
check(const struct pb_result *r)
{
	if (r->verdict != PB_V_SENT && r->verdict != PB_V_TRANSIENT &&
	    r->verdict != PB_V_PERMANENT)
		abort();
	for (const char *p = r->reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			abort();
	if (r->retry_after_s < -1 || r->retry_after_s > 86400)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_result r;
	long status;
	char hint[32];
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
	n = size < sizeof hint - 1 ? size : sizeof hint - 1;
	memcpy(hint, data, n);
	hint[n] = '\0';

	pb_feishu_classify_answer(status, body, size, hint, &r);
	check(&r);
	/* sent only on a 2xx whose body holds a code of 0 (cJSON reads NUL as blank) */
	if (r.verdict == PB_V_SENT && (status < 200 || status >= 300 || !memchr(body, '0', size)))
		abort();
	pb_feishu_classify_answer(status, body, size, NULL, &r);
	check(&r);
	pb_webhook_classify_answer(status, body, size, hint, &r);
	check(&r);
	if ((r.verdict == PB_V_SENT) != (status >= 200 && status < 300))
		abort();
	{
		struct pb_parts posts = { 0 };
		char *md = malloc(size + 5), err[256];

		if (!md)
			abort();
		memcpy(md, "# t\n", 4);
		memcpy(md + 4, body, size + 1);
		if (pb_feishu_posts(md, &posts, err, sizeof err) == 0 && posts.n == 0)
			abort();
		for (size_t i = 0; i < posts.n; i++) {
			cJSON *j = cJSON_Parse(posts.v[i]);

			if (!j || strlen(posts.v[i]) > PB_FEISHU_MAX_BODY)
				abort();
			cJSON_Delete(j);
		}
		pb_parts_free(&posts);
		free(md);
	}
	free(body);
	return 0;
}
