/* A gear rolling hash (as in FastCDC): h = (h << 1) + gear[byte], so bit k of h depends on
 * the last k + 1 bytes only; a cut falls after a byte where the top PB_CDC_BITS bits of h are
 * all zero, i.e. where the last 64 bytes say so, wherever they stand in the payload. */
#include "cdc.h"

void
pb_cdc_init(struct pb_cdc *g)
{
	/* splitmix64 from a fixed seed: the same table everywhere, so cuts never change. */
	uint64_t x = 0x7061706572626f79ULL;   /* "paperboy" */

	for (int i = 0; i < 256; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		g->gear[i] = z ^ (z >> 31);
	}
}

size_t
pb_cdc_next(const struct pb_cdc *g, const unsigned char *p, size_t n)
{
	const uint64_t mask = ((UINT64_C(1) << PB_CDC_BITS) - 1) << (64 - PB_CDC_BITS);
	size_t end = n < PB_CDC_MAX ? n : PB_CDC_MAX, i;
	uint64_t h = 0;

	if (n <= PB_CDC_MIN)
		return n;
	/* The 64 bytes before the minimum fill the hash, so a cut right at the minimum depends
	 * on the bytes before it as any other does. */
	_Static_assert(PB_CDC_MIN >= 64, "the hash window is 64 bytes");
	for (i = PB_CDC_MIN - 64; i < PB_CDC_MIN; i++)
		h = (h << 1) + g->gear[p[i]];
	for (; i < end; i++) {
		h = (h << 1) + g->gear[p[i]];
		if (!(h & mask))
			return i + 1;
	}
	return end;
}
