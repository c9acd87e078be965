/* Internal to the feed parser (src/parse/): the parser state shared by its files. */
#ifndef PAPERBOY_PARSE_INT_H
#define PAPERBOY_PARSE_INT_H

#include <stddef.h>

#include <libxml/parser.h>

#include "paperboy/buf.h"
#include "paperboy/paper.h"
#include "paperboy/parse.h"

/* Per-record limits: beyond them a record is not a paper but garbage or an attack. Authors
 * are the exception: a large collaboration's paper keeps its first PB_MAX_AUTHORS (and the
 * creator field's first PB_MAX_CREATOR bytes) and counts the rest. */
#define PB_MAX_TITLE 4096
#define PB_MAX_ABSTRACT 65536
/* make fuzz lowers the authors' caps (-D) so that an input of a few kilobytes goes past them:
 * 5,000 names do not fit the fuzzer's 64 KB, and the paths past the caps would go untried. */
#ifndef PB_MAX_AUTHORS
#define PB_MAX_AUTHORS 5000
#endif
#define PB_MAX_SMALL 16384      /* comment, journal ref, author name, affiliation */
#define PB_MAX_TINY 1024        /* ids, dates, DOIs, categories */
#ifndef PB_MAX_CREATOR
#define PB_MAX_CREATOR (PB_MAX_AUTHORS * 256)
#endif
#define PB_MAX_CATEGORIES 500

enum pb_field {
	F_NONE = 0,
	/* item */
	F_ID, F_GUID, F_LINK, F_TITLE, F_ABSTRACT, F_PUBLISHED, F_UPDATED, F_CATEGORY, F_CATS,
	F_ANNOUNCE, F_CREATOR, F_AUTHOR_NAME, F_AFFIL, F_KEYNAME, F_FORENAMES, F_SUFFIX,
	F_VDATE, F_COMMENT, F_JREF, F_DOI,
	/* feed */
	F_FEED_TITLE, F_FEED_DESC, F_FEED_DATE, F_FEED_ID, F_TOTAL, F_START, F_OAI_ERROR,
	F_COUNT
};

/* The names of a creator list past its cap, counted by their separators (pb_count_creators). */
struct pb_name_count {
	size_t names;
	int depth;              /* parentheses open */
	int and_at;             /* how much of " and " the text so far ends with, 0..4 */
};

struct pb_item {
	struct pb_paper p;      /* filled as fields end */
	char *desc;             /* description/summary/abstract, normalised, "arXiv:... Abstract: "
				 * prefix removed */
	char *primary;          /* arxiv:primary_category, or the legacy title's [cat] */
	char *keyname, *forenames, *suffix;     /* OAI arXiv format, the open <author> */
	int id_rank;            /* where p.id came from: 6 guid/OAI id, 4 Atom id, 3 the
				 * description's "arXiv:ID", 2 link; a better source replaces it */
	int error_entry;        /* the API's error entry (id .../api/errors#...) */
	int oai_version;        /* highest <version version='vN'> seen (arXivRaw) */
	int deleted;            /* OAI header status="deleted" */
	size_t n_listed;        /* authors the record lists, kept or not: <author> elements or
				 * the names of the creator field */
	const char *too_long;   /* the first field over its limit, or NULL */
	size_t repaired;        /* characters replaced by U+FFFD inside the record */
};

struct pb_parser {
	xmlParserCtxtPtr xp;
	char *source;
	enum pb_feed_kind kind;
	int depth;
	int root_seen;
	int item_depth;         /* depth of the open item/entry/record, 0 outside */
	int author_depth;       /* depth of the open <author>, 0 outside */
	enum pb_field field;
	int field_depth;
	int overflow;           /* current field exceeded its cap */
	int cut;                /* the creator field ran past its cap: the text holds the names
				 * that fit, the rest are only counted in rest */
	struct pb_name_count rest;
	int pending_ws;         /* the field's text so far ends in a whitespace run */
	struct pb_buf text;
	struct pb_item it;

	struct pb_buf head;     /* first bytes, held back until the body can be sniffed */
	int started;            /* head handed to libxml2 */
	int repair;             /* a UTF-8 document: bad bytes are replaced, not fatal */
	unsigned char carry[16];/* the start of a character or reference cut by a piece's end */
	size_t n_carry;
	int ref_rest;           /* dropping the rest of a too long reference: 1 decimal, 2 hex */
	size_t n_repairs;       /* replacements in all */
	size_t repaired_outside;/* of them, outside any record */
	size_t n_repaired;      /* records kept with replacements (warned) */

	char *feed_title, *feed_desc, *feed_id, *feed_date_raw;
	char announce_day[11];
	long total, start;
	char *arxiv_error;      /* arXiv's own error message (API entry, OAI error) */
	int oai_no_records;     /* OAI error noRecordsMatch: an empty answer, not an error */

	struct pb_paper *pend;  /* parsed records, handed to the set only if the feed is sound */
	size_t n_pend, cap_pend;
	pb_record_fn sink;      /* streaming: records go here instead of pend */
	void *sink_ud;
	size_t n_sunk;          /* records handed to sink */
	int sink_stopped;       /* sink returned -1 */
	size_t n_items, n_skipped;
	int xml_error;
	int finishing;          /* the end of input was signalled to libxml2 */
	char bad[400];
};

/* 16 bytes at a time through the compiler's vector extension (SSE2 / NEON / generic). */
typedef unsigned char pb_v16 __attribute__((vector_size(16)));
typedef signed char pb_m16 __attribute__((vector_size(16)));

/* sax.c */
void pb_parse_sax_init(xmlSAXHandler *sax);
void pb_parse_set_bad(struct pb_parser *c, const char *what, const char *detail, long line);

/* record.c */
/* Whether the document is rss.arxiv.org's error feed, RSS 2.0 or Atom: no items, the title
 * "Feed error for query: URL" and arXiv's message as the description (Atom: subtitle). */
int pb_parse_error_feed(const struct pb_parser *c);
void pb_item_reset(struct pb_item *it);
void pb_item_add_category(struct pb_item *it, char *cat);   /* takes cat */
void pb_item_finish(struct pb_parser *c);                   /* at the item's end tag */
/* Legacy RSS 1.0 text is escaped HTML: tags dropped, basic entities decoded, whitespace
 * normalised. Caller frees; NULL when nothing is left. */
char *pb_strip_html(const char *s);

/* text.c */
/* Copy of s[0..n) with whitespace runs collapsed to one space and trimmed; NULL when nothing
 * but whitespace is left. Caller frees. */
char *pb_norm_ws(const char *s, size_t n);
/* Appends s[0..n), one piece of a longer text, to b normalised: leading whitespace dropped,
 * runs collapsed to one space, which is written only once more text follows (*pending
 * carries an open run between pieces; start it at 0). */
void pb_norm_append(struct pb_buf *b, const char *s, size_t n, int *pending);
/* The same, also giving the result's length (0 for NULL). */
char *pb_norm_ws_len(const char *s, size_t n, size_t *out_len);
/* ISO 8601 ("2024-11-28", "2024-11-28T00:00:00-05:00", "...T04:00:11.6005+00:00", "...Z")
 * or RFC 822 ("Thu, 28 Nov 2024 00:00:00 -0500", "... GMT") into "YYYY-MM-DDTHH:MM:SSZ" (UTC).
 * local_day (optional) receives the date as written. NULL when s is neither. Caller frees. */
char *pb_date_utc(const char *s, char local_day[11]);
/* Splits "First Last (Affil, Affil), Second Author" into p->authors (appended) until it holds
 * max_authors. "et al." segments are dropped; with and_sep, " and " also separates. Returns
 * how many names s holds, kept or not. */
size_t pb_split_creators(const char *s, struct pb_paper *p, size_t max_authors, int and_sep);
/* A creator list that ran past max bytes is cut before its last separator (a comma outside
 * parentheses; with and_sep " and " too) at or before s[max]: returns where, or 0 when there
 * is none. */
size_t pb_creators_cut(const char *s, size_t n, size_t max, int and_sep);
/* The rest of a cut creator list, a piece at a time from where it was cut: each separator is
 * one more name. */
void pb_count_creators(struct pb_name_count *nc, const char *s, size_t n, int and_sep);
void pb_author_free(struct pb_author *a);

#endif
