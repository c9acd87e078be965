/* 64-bit FNV-1a (Fowler, Noll, Vo), the one hash of the program. */
#include <string.h>

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
