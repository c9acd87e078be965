/* 64-bit FNV-1a (Fowler, Noll, Vo), the hash of the program, and a faster one for long keys
 * of tables in memory. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/hash.h"

#define FNV1A64_PRIME 0x100000001b3ULL

uint64_t
pb_fnv1a64_more(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * FNV1A64_PRIME;
	return h;
}

uint64_t
pb_fnv1a64(const void *p, size_t n)
{
	return pb_fnv1a64_more(PB_FNV1A64_BASIS, p, n);
}

uint64_t
pb_fnv1a64_str(const char *s)
{
	return s ? pb_fnv1a64(s, strlen(s)) : PB_FNV1A64_BASIS;
}

/* One word into a lane: multiply and mix. */
static inline uint64_t
mix8(uint64_t h, uint64_t w)
{
	w *= 0x9E3779B97F4A7C15ULL;
	w ^= w >> 29;
	h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 32);
}

/* Four lanes of 8 bytes side by side over each 32 bytes (their multiplies do not wait for
 * one another: about three times the speed of one lane on long keys), then one lane over
 * what is left, eight bytes at a time. */
uint64_t
pb_hash64_mem(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xC2B2AE3D27D4EB4FULL ^ (n * 0x9E3779B97F4A7C15ULL), w;
	size_t i = 0;

	if (n >= 32) {
		uint64_t a = h, b = h ^ 0x243F6A8885A308D3ULL, c = h ^ 0x13198A2E03707344ULL,
			 d = h ^ 0xA4093822299F31D0ULL, w0, w1, w2, w3;

		for (; i + 32 <= n; i += 32) {
			memcpy(&w0, s + i, 8);
			memcpy(&w1, s + i + 8, 8);
			memcpy(&w2, s + i + 16, 8);
			memcpy(&w3, s + i + 24, 8);
			a = mix8(a, w0);
			b = mix8(b, w1);
			c = mix8(c, w2);
			d = mix8(d, w3);
		}
		h = mix8(mix8(mix8(mix8(h, a), b), c), d);
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix8(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, s + i, n - i);
		h = mix8(h, w);
	}
	h ^= h >> 31;
	return h * 0x94D049BB133111EBULL;
}

int
pb_seen_again(struct pb_seen *s, size_t slots, uint64_t h)
{
	size_t i, mask;

	if (!h)
		h = 1;   /* 0 marks an empty slot */
	if (!s->v) {
		s->v = pb_xcalloc(slots, sizeof *s->v);
		s->slots = slots;
		s->n = 0;
	}
	mask = s->slots - 1;
	for (i = h & mask; s->v[i]; i = (i + 1) & mask)
		if (s->v[i] == h)
			return 1;
	if (s->n >= s->slots / 2) {
		memset(s->v, 0, s->slots * sizeof *s->v);
		s->n = 0;
		i = h & mask;
	}
	s->v[i] = h;
	s->n++;
	return 0;
}

void
pb_seen_free(struct pb_seen *s)
{
	free(s->v);
	s->v = NULL;
	s->slots = s->n = 0;
}
