/* Feed parsing: bytes from arXiv into struct pb_paper records. No I/O. */
#ifndef PAPERBOY_PARSE_H
#define PAPERBOY_PARSE_H

#include <stddef.h>

#include "paperboy/paper.h"

enum pb_feed_kind {
	PB_FEED_UNKNOWN = 0,
	PB_FEED_API_ATOM,       /* export.arxiv.org/api/query (2016 and current layouts) */
	PB_FEED_RSS2,           /* rss.arxiv.org/rss/... */
	PB_FEED_ATOM,           /* rss.arxiv.org/atom/... */
	PB_FEED_RSS1,           /* legacy export.arxiv.org/rss RDF */
};

enum pb_parse_status {
	PB_PARSE_OK = 0,        /* papers appended (some records may have been skipped: see n_skipped) */
	PB_PARSE_EMPTY,         /* a valid feed with no items: "no announcement", not an error */
	PB_PARSE_ARXIV_ERROR,   /* arXiv said error; message holds arXiv's own words */
	PB_PARSE_BAD,           /* not a feed: HTML page, truncated, not XML, bad UTF-8; message says why */
};

struct pb_parse_result {
	enum pb_parse_status status;
	enum pb_feed_kind kind;
	size_t n_items;         /* items seen in the document */
	size_t n_added;         /* records appended or merged into the set */
	size_t n_skipped;       /* items rejected with a warning each */
	char message[512];      /* error text, or "" */
};

/* Parses one response body and appends its papers to *out (merging duplicates by id).
 * source names the input in messages (a file name or a URL). Never aborts on bad input.
 * Returns the status (also stored in res->status). */
enum pb_parse_status pb_parse_feed(const char *data, size_t len, const char *source,
				   struct pb_paperset *out, struct pb_parse_result *res);

const char *pb_feed_kind_name(enum pb_feed_kind k);

#endif
