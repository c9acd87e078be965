/* Between the two halves of the chunk store: chunks.c (writing, pruning) and chunk_read.c
 * (reading back). */
#ifndef PB_STATE_CHUNKS_INT_H
#define PB_STATE_CHUNKS_INT_H

#include <stddef.h>

#include "state_internal.h"

#define SHA_LEN 32
/* No stored chunk is longer: a sanity bound for reading, above any PB_CDC_MAX. */
#define CHUNK_LIMIT (1 << 20)

/* The body statement id, prepared once per handle, reset and unbound. NULL on error. */
pb_db_stmt *pb_body_stmt(struct pb_state *st, enum body_stmt_id id);
void pb_body_sha256(const void *p, size_t n, unsigned char out[SHA_LEN]);
/* The reads cache (chunk_read.c): emptied (its ids may be given again), or freed. */
void pb_body_reads_forget(struct pb_state *st);
void pb_body_reads_free(struct pb_state *st);
/* Reads ahead the bodies ids[0..n) and the chunks they need, a few dozen to a statement: the
 * messages of a claimed batch, which pb_body_get then reads without a round trip each. Only a
 * help: a failure leaves pb_body_get to read (and report) alone. */
void pb_body_prefetch(struct pb_state *st, const int64_t *ids, size_t n);

#endif
