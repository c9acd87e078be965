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
	PB_FEED_OAI,            /* export.arxiv.org/oai2 ListRecords/GetRecord, arXiv or arXivRaw */
};

enum pb_parse_status {
	PB_PARSE_OK = 0,        /* papers appended (some records may have been skipped: see n_skipped) */
	PB_PARSE_EMPTY,         /* a valid feed with no items: "no announcement", not an error */
	PB_PARSE_ARXIV_ERROR,   /* arXiv said error; message holds arXiv's own words */
	PB_PARSE_BAD,           /* not a feed: HTML page, truncated, not XML; message says why.
				 * In a UTF-8 document (arXiv's) an invalid byte, a NUL or another
				 * character XML forbids is not fatal: it becomes U+FFFD and the
				 * record that holds it is warned about */
};

struct pb_parse_result {
	enum pb_parse_status status;
	enum pb_feed_kind kind;
	size_t n_items;         /* items/entries/records seen, an API error entry and deleted
				 * OAI records included */
	size_t n_added;         /* records appended or merged into the set */
	size_t n_skipped;       /* items rejected with a warning each */
	size_t n_repaired;      /* items kept with bytes that are not UTF-8, NUL or other
				 * characters XML forbids replaced by U+FFFD (a warning each) */
	char message[512];      /* error text, or "" */
};

/* Parses one response body and appends its papers to *out (merging duplicates by id).
 * source names the input in messages (a file name or a URL). Never aborts on bad input.
 * Nothing is added to *out unless the whole document was read (status OK); on OK and EMPTY
 * the set's feed_title, announce_date (when unset), total_results and start_index are
 * filled from the feed.
 * OAI-PMH: the resumptionToken's completeListSize and cursor go to total_results and
 * start_index; error noRecordsMatch is EMPTY, other OAI errors ARXIV_ERROR.
 * Returns the status (also stored in res->status). */
enum pb_parse_status pb_parse_feed(const char *data, size_t len, const char *source,
				   struct pb_paperset *out, struct pb_parse_result *res);

/* Incremental parsing, for a body that arrives in pieces (an HTTP transfer, a large file):
 * memory holds the records and a small window of the document, not the whole body.
 * pb_parser_new copies source; it never returns NULL. */
struct pb_parser;
struct pb_parser *pb_parser_new(const char *source);
/* Hands over the next piece. Returns 0, or -1 once the body is known to be bad (later
 * pieces are ignored; pb_parser_finish gives the reason). */
int pb_parser_feed(struct pb_parser *p, const char *data, size_t len);
/* Ends the document and, as pb_parse_feed does, fills *res and appends to *out. */
enum pb_parse_status pb_parser_finish(struct pb_parser *p, struct pb_paperset *out,
				      struct pb_parse_result *res);
void pb_parser_free(struct pb_parser *p);               /* accepts NULL */

/* A record handler: gets each record as soon as its end tag is read. It owns *rec for the
 * call (what it leaves there is freed after it returns; it may move the fields out and zero
 * them). Returns 0 to go on, -1 to stop the parse. */
typedef int (*pb_record_fn)(void *ud, struct pb_paper *rec);

/* Streaming (call before the first piece): each record goes to fn, in document order,
 * instead of being kept for pb_parser_finish; memory then holds one record and a window of the document whatever
 * its size. What the whole set would do is the handler's to do: records with the same id
 * are not merged, and a record reaches fn before the document is known to be sound (a
 * truncated or broken body is only known at pb_parser_finish; the handler must be ready to
 * throw away what it did). Records after arXiv's error entry are not handed on. When fn
 * returns -1 the parse stops and pb_parser_finish returns PB_PARSE_BAD ("stopped by the
 * record handler"). pb_parser_finish still fills the set's feed_title, announce_date,
 * total_results and start_index, and res->n_added counts the records handed to fn. */
void pb_parser_set_sink(struct pb_parser *p, pb_record_fn fn, void *ud);

/* "api-atom", "rss2", "atom", "rss1", "oai-pmh", "unknown". */
const char *pb_feed_kind_name(enum pb_feed_kind k);

#endif
