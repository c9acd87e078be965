/* The non-cryptographic hash: 64-bit FNV-1a. Hash tables use it, and so do names that are
 * stored or sent (HTTP cache file names, prompt ids, Message-IDs, MIME boundaries, pacing keys),
 * so its values must never change: tests/unit/test_hash.c pins them. Not for secrets' integrity:
 * anyone can forge a collision. */
#ifndef PAPERBOY_HASH_H
#define PAPERBOY_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The FNV-1a 64 offset basis: the hash of nothing, and the seed of pb_fnv1a64_more. */
#define PB_FNV1A64_BASIS 0xcbf29ce484222325ULL

/* FNV-1a 64 of the n bytes at p (p may be NULL when n is 0). */
uint64_t pb_fnv1a64(const void *p, size_t n);
/* FNV-1a 64 of the NUL-terminated string s; NULL hashes as "". */
uint64_t pb_fnv1a64_str(const char *s);
/* Continues hash h over the n bytes at p: pb_fnv1a64_more(pb_fnv1a64(a), b) is the hash of a
 * followed by b; with h = PB_FNV1A64_BASIS it is pb_fnv1a64(p, n). */
uint64_t pb_fnv1a64_more(uint64_t h, const void *p, size_t n);

/* A faster hash of the n bytes at p, eight at a time (multiply and mix), for tables kept in
 * memory only, over long keys: its values are never stored or sent and may change. */
uint64_t pb_hash64_mem(const void *p, size_t n);

/* A set of hashes met once, to tell what comes a second time (worth keeping) from what is
 * met once only: open addressing over slots (a power of two), emptied when half full, so
 * memory stays at slots x 8 bytes and a hash forgotten that way is only met "once" again.
 * Zero-initialised; the table is made on first use. */
struct pb_seen {
	uint64_t *v;
	size_t slots, n;
};
/* 1 when h was met before; else 0, and h is noted as met. */
int pb_seen_again(struct pb_seen *s, size_t slots, uint64_t h);
void pb_seen_free(struct pb_seen *s);

#endif
