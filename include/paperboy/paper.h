/* The paper record every stage reads: what parse produces, plain data. */
#ifndef PAPERBOY_PAPER_H
#define PAPERBOY_PAPER_H

#include <stddef.h>

enum pb_announce {
	PB_ANN_UNKNOWN = 0,     /* API results: no announcement context */
	PB_ANN_NEW,
	PB_ANN_CROSS,
	PB_ANN_REPLACE,
	PB_ANN_REPLACE_CROSS,
};

struct pb_author {
	char *name;             /* as arXiv wrote it, TeX accents kept, whitespace normalised */
	char **affils;          /* may be NULL when n_affils == 0 */
	size_t n_affils;
};

/* All strings are UTF-8, owned by the record, whitespace-normalised (runs of space collapsed,
 * trimmed). Missing optional fields are NULL, never "". */
struct pb_paper {
	char *id;               /* without version: "2411.12345", "astro-ph/0601001" */
	int version;            /* 1.., or 0 when unknown */
	char *title;
	struct pb_author *authors;
	size_t n_authors;
	size_t n_authors_all;   /* how many authors arXiv listed when the record keeps only the
				 * first of them (the parser keeps 5,000); 0 when it keeps all */
	char *abstract;
	char **categories;      /* primary first */
	size_t n_categories;
	enum pb_announce announce;
	char *published;        /* "YYYY-MM-DDTHH:MM:SSZ" (RSS: the announcement day) or NULL */
	char *updated;
	char *comment;
	char *journal_ref;
	char *doi;
};

/* A growable list of papers with one record per id. A zeroed struct works like an
 * initialised one; a set owns its index, so never copy one by value. */
struct pb_paperset {
	struct pb_paper *v;
	size_t n, cap;
	char *announce_date;    /* "YYYY-MM-DD" from the feed (RSS pubDate), or NULL */
	char *feed_title;       /* channel/feed title, or NULL */
	long total_results;     /* API opensearch:totalResults, -1 when absent */
	long start_index;       /* API opensearch:startIndex, -1 when absent */
	void *index;            /* private: id -> position hash, rebuilt when stale */
};

void pb_paper_free(struct pb_paper *p);               /* frees members; accepts NULL */
void pb_paperset_init(struct pb_paperset *s);
void pb_paperset_free(struct pb_paperset *s);         /* accepts NULL */
/* Makes room for n records in all (array and index), so that many adds neither move the
 * array nor rebuild the index. */
void pb_paperset_reserve(struct pb_paperset *s, size_t n);
/* Returns the index of the paper with this id (no version), or -1. O(1) through a private
 * hash that is rebuilt when v/n were changed behind the set's back. */
long pb_paperset_find(const struct pb_paperset *s, const char *id);
/* Moves *p into the set (p is zeroed). If the id is already present the records are merged:
 * fields missing in the existing record are taken from p, categories are united keeping the
 * existing primary first, and the higher version wins. Returns the index. */
size_t pb_paperset_add(struct pb_paperset *s, struct pb_paper *p);

/* The paper's author count: n_authors_all when the record keeps only some, else n_authors. */
size_t pb_paper_n_authors(const struct pb_paper *p);

/* Returns 1 when p lists category cat (exact, e.g. "cs.CV"), else 0. */
int pb_paper_has_category(const struct pb_paper *p, const char *cat);
/* One line of JSON (no newline) with id, version, title, authors (names), affiliations,
 * n_authors (pb_paper_n_authors), abstract, categories (primary first), announce_type,
 * published, updated, comment, journal_ref, doi, abs_url, pdf_url. Caller frees. */
char *pb_paper_to_json(const struct pb_paper *p);
/* The same line appended to b (no newline): written directly, byte for byte what a cJSON
 * object with those members prints unformatted, without building one. */
struct pb_buf;
void pb_paper_json_append(struct pb_buf *b, const struct pb_paper *p);

/* "new", "cross", "replace", "replace-cross", "unknown". */
const char *pb_announce_name(enum pb_announce a);
/* The inverse; returns PB_ANN_UNKNOWN for anything else. */
enum pb_announce pb_announce_parse(const char *s);

/* Splits "2411.12345v3" / "astro-ph/0601001v1" / "arXiv:2411.12345" /
 * "http://arxiv.org/abs/2411.12345v2" (abs, pdf or html, the scheme optional, a closing slash,
 * query or fragment ignored) / "oai:arXiv.org:2411.12345v1" / arXiv's DOI
 * "10.48550/arXiv.2411.12345" (bare, "doi:" or a doi.org link) into an id (caller frees) and a
 * version (0 if none). Returns NULL when s is not an arXiv id. */
char *pb_arxiv_id_split(const char *s, int *version);

#endif
