/* Internal to the feed parser (src/parse/): text helpers shared by its files. */
#ifndef PAPERBOY_PARSE_INT_H
#define PAPERBOY_PARSE_INT_H

#include <stddef.h>

#include "paperboy/paper.h"

/* Copy of s[0..n) with whitespace runs collapsed to one space and trimmed; NULL when nothing
 * but whitespace is left. Caller frees. */
char *pb_norm_ws(const char *s, size_t n);

/* "2024-11-28T00:00:00-05:00" / "...T04:00:11.6005+00:00" / "...Z" into
 * "YYYY-MM-DDTHH:MM:SSZ" (UTC). local_day (optional) receives the date as written.
 * NULL when s is not such a date. Caller frees. */
char *pb_date_iso_utc(const char *s, char local_day[11]);
/* The same for RFC 822 dates: "Thu, 28 Nov 2024 00:00:00 -0500". */
char *pb_date_rfc822_utc(const char *s, char local_day[11]);

/* Splits "First Last (Affil, Affil), Second Author" into p->authors (appended). "et al."
 * segments are dropped. Returns -1 when more than max_authors would result. */
int pb_split_creators(const char *s, struct pb_paper *p, size_t max_authors);
void pb_author_free(struct pb_author *a);

#endif
