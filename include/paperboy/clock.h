/* The clock every scheduling decision reads, so tests can move it. */
#ifndef PAPERBOY_CLOCK_H
#define PAPERBOY_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Unix seconds now. When the environment variable PAPERBOY_NOW is set (to unix seconds or to
 * "YYYY-MM-DDTHH:MM:SSZ") at the first call, the clock starts at that instant and then runs at
 * the real rate: tests fake the date without waiting for it. An unparsable value is ignored
 * (the real clock is used) and reported once with a warning. */
int64_t pb_now(void);

/* Milliseconds of the monotonic clock (for durations and spacing; not shifted by
 * PAPERBOY_NOW) and of the real clock. */
int64_t pb_mono_ms(void);
int64_t pb_wall_ms(void);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" (or unix seconds) into *t. Returns 0 or -1. */
int pb_parse_instant(const char *s, int64_t *t);

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void pb_format_instant(int64_t t, char *out, size_t n);

#endif
