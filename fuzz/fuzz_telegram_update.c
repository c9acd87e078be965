/* A getUpdates answer (and a webhook's single update) from arbitrary bytes through the bot's
 * parser: never crashes, every update kept has an update_id >= 0, chats are decimal ids, texts
 * are NUL-terminated, at most 100 updates; button data read back only as f+ID / f-ID. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/bot.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_tg_update *v = NULL, one;
	size_t n = 0;
	char err[512];

	if (pb_tg_updates_parse((const char *)data, size, &v, &n, err, sizeof err) == 0) {
		if (n > 100)
			abort();
		for (size_t i = 0; i < n; i++) {
			char id[48];
			int verdict = 0;

			if (v[i].update_id < 0)
				abort();
			if (v[i].chat[0] && strspn(v[i].chat, "-0123456789") != strlen(v[i].chat))
				abort();
			if (v[i].text)
				(void)strlen(v[i].text);
			if (v[i].cb_data &&
			    pb_tg_feedback_parse(v[i].cb_data, id, sizeof id, &verdict) == 0 &&
			    (verdict != 1 && verdict != -1))
				abort();
		}
	} else if (!memchr(err, '\0', sizeof err)) {
		abort();
	}
	pb_tg_updates_free(v, n);
	if (pb_tg_update_parse((const char *)data, size, &one, err, sizeof err) == 0 &&
	    one.update_id < 0)
		abort();
	pb_tg_update_clear(&one);
	return 0;
}
