/* Content-defined chunking: where to cut a payload so that the same run of bytes is cut the
 * same way wherever it appears (a paper's block in many subscribers' digests), whatever comes
 * before it. Pure functions; used by the outbox's chunk store (chunks.c). */
#ifndef PAPERBOY_STATE_CDC_H
#define PAPERBOY_STATE_CDC_H

#include <stddef.h>
#include <stdint.h>

/* Chunk sizes: no chunk is shorter than PB_CDC_MIN (except a payload's last) or longer than
 * PB_CDC_MAX; cuts fall about every PB_CDC_MIN + 2^PB_CDC_BITS bytes (small chunks: the
 * parts that differ between two digests, their headers, counts and summaries, are short, and
 * every chunk that holds some of them is stored apart). Changing any of these
 * changes where new payloads are cut (old ones still read back exactly; they only share
 * fewer chunks with new ones). */
#define PB_CDC_MIN 64
#define PB_CDC_MAX 1024
#define PB_CDC_BITS 8

/* The gear table (256 pseudo-random words, the same on every machine). Fill once, use for
 * many calls. */
struct pb_cdc {
	uint64_t gear[256];
};
void pb_cdc_init(struct pb_cdc *g);

/* The length of the chunk that starts at p (n bytes left): n when n <= PB_CDC_MIN, else a
 * length in [PB_CDC_MIN, min(n, PB_CDC_MAX)] that depends only on the bytes of the chunk's
 * last 64 bytes. Returns 0 only for n == 0. */
size_t pb_cdc_next(const struct pb_cdc *g, const unsigned char *p, size_t n);

#endif
