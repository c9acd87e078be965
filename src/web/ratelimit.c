/* Per-client request counts: a minute's fixed window per key, in a table of bounded size
 * probed linearly over a few slots, so a flood of new addresses costs no memory. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/hash.h"
#include "routes.h"

#define WINDOW_MS 60000
#define PROBE 8
#define KEY_MAX 64

struct slot {
	char key[KEY_MAX];
	int64_t start_ms;        /* the window's start; 0 = free */
	int count;
};

struct pb_ratelimit {
	int per_min;
	size_t n;
	struct slot *v;
};

struct pb_ratelimit *
pb_ratelimit_new(int per_min, size_t slots)
{
	struct pb_ratelimit *rl = pb_xcalloc(1, sizeof *rl);

	rl->per_min = per_min;
	rl->n = slots < PROBE ? PROBE : slots;
	rl->v = pb_xcalloc(rl->n, sizeof *rl->v);
	return rl;
}

void
pb_ratelimit_free(struct pb_ratelimit *rl)
{
	if (!rl)
		return;
	free(rl->v);
	free(rl);
}

int
pb_ratelimit_hit(struct pb_ratelimit *rl, const char *key, int64_t now_ms, int *retry_s)
{
	char k[KEY_MAX];
	size_t h, pick = (size_t)-1;
	struct slot *s;

	*retry_s = 0;
	if (rl->per_min <= 0)
		return 1;
	/* Keys are client addresses: a longer one is cut (an IPv6 address fits). */
	memset(k, 0, sizeof k);
	strncpy(k, key ? key : "", KEY_MAX - 1);
	h = (size_t)(pb_fnv1a64_str(k) % rl->n);
	for (size_t i = 0; i < PROBE; i++) {
		struct slot *c = &rl->v[(h + i) % rl->n];

		if (c->start_ms && strcmp(c->key, k) == 0) {
			pick = (h + i) % rl->n;
			break;
		}
		/* Otherwise the first free or stale slot, else the oldest window. */
		if (pick == (size_t)-1 || (rl->v[pick].start_ms != 0 &&
					   (c->start_ms == 0 || c->start_ms < rl->v[pick].start_ms)))
			pick = (h + i) % rl->n;
	}
	s = &rl->v[pick];
	if (strcmp(s->key, k) != 0 || s->start_ms == 0 || now_ms - s->start_ms >= WINDOW_MS ||
	    now_ms < s->start_ms) {
		memcpy(s->key, k, sizeof k);
		s->start_ms = now_ms ? now_ms : 1;
		s->count = 0;
	}
	if (s->count >= rl->per_min) {
		int64_t left = s->start_ms + WINDOW_MS - now_ms;

		*retry_s = (int)((left + 999) / 1000);
		if (*retry_s < 1)
			*retry_s = 1;
		return 0;
	}
	s->count++;
	return 1;
}
