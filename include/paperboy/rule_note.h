/* What a reader is told about a topic's query as they wrote it (the web pages, the bots' /add).
 * Apart from rules.h, whose fold.h has a pb_word of its own: words.h and this go together. */
#ifndef PAPERBOY_RULE_NOTE_H
#define PAPERBOY_RULE_NOTE_H

#include <stddef.h>

#include "paperboy/buf.h"

/* pb_rule_side_by_side of query parsed: 1 with pair and either filled (as there), 0 when it has
 * no terms side by side or does not parse. */
int pb_rule_query_side_by_side(const char *query, char *pair, size_t plen, char *either,
			       size_t elen);

/* Appends to out, in lang's words (PB_W_SIDE_BY_SIDE), the note for a reader whose topic's
 * query has terms side by side: both must hit here, where arXiv's search takes any (so a rule
 * copied from it silently narrows the digest), that the topic is kept as written, and how to
 * write OR or a phrase. Plain text with the values as written: the caller escapes it for its
 * format. Returns 1 when a note was written, 0 when there is none to write. */
int pb_rule_side_by_side_note(const char *topic, const char *query, const char *lang,
			      struct pb_buf *out);

#endif
