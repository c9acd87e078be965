/* The paper record: freeing, the per-id set with its hash index, arXiv ids, JSON. */
#include "paperboy/paper.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/buf.h"
#include "paperboy/hash.h"

void
pb_paper_free(struct pb_paper *p)
{
	size_t i, j;

	if (!p)
		return;
	free(p->id);
	free(p->title);
	for (i = 0; i < p->n_authors; i++) {
		free(p->authors[i].name);
		for (j = 0; j < p->authors[i].n_affils; j++)
			free(p->authors[i].affils[j]);
		free(p->authors[i].affils);
	}
	free(p->authors);
	free(p->abstract);
	for (i = 0; i < p->n_categories; i++)
		free(p->categories[i]);
	free(p->categories);
	free(p->published);
	free(p->updated);
	free(p->comment);
	free(p->journal_ref);
	free(p->doi);
	memset(p, 0, sizeof *p);
}

/* Open addressing, linear probing; a slot holds position + 1 (0 = empty) and the id's hash, so
 * most probes settle without touching the record. The index remembers which array and length
 * it describes so a set edited directly is re-indexed, not misread. */
struct pb_slot {
	uint32_t pos1;
	uint32_t hash;
};

struct pb_index {
	struct pb_slot *slot;
	size_t mask;            /* capacity - 1, capacity a power of two */
	size_t n;               /* records indexed */
	const struct pb_paper *v;
};

static void
index_put(struct pb_index *ix, const struct pb_paper *v, size_t pos)
{
	uint64_t h;
	size_t i;

	if (!v[pos].id || pos >= UINT32_MAX)
		return;
	h = pb_fnv1a64_str(v[pos].id);
	i = (size_t)h & ix->mask;
	while (ix->slot[i].pos1)
		i = (i + 1) & ix->mask;
	ix->slot[i].pos1 = (uint32_t)(pos + 1);
	ix->slot[i].hash = (uint32_t)(h >> 32);
}

static void
index_rebuild(struct pb_index *ix, const struct pb_paperset *s, size_t room)
{
	size_t cap = 64, i;

	while (cap < (s->n > room ? s->n : room) * 2 + 2)
		cap *= 2;
	free(ix->slot);
	ix->slot = pb_xcalloc(cap, sizeof *ix->slot);
	ix->mask = cap - 1;
	for (i = 0; i < s->n; i++)
		index_put(ix, s->v, i);
	ix->n = s->n;
	ix->v = s->v;
}

static struct pb_index *
index_get(const struct pb_paperset *s)
{
	struct pb_index *ix = s->index;

	if (!ix)
		return NULL;
	if (ix->v != s->v || ix->n != s->n || !ix->slot)
		index_rebuild(ix, s, 0);
	return ix;
}

void
pb_paperset_init(struct pb_paperset *s)
{
	memset(s, 0, sizeof *s);
	s->total_results = -1;
	s->start_index = -1;
	s->index = pb_xcalloc(1, sizeof(struct pb_index));
}

void
pb_paperset_free(struct pb_paperset *s)
{
	size_t i;
	struct pb_index *ix;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		pb_paper_free(&s->v[i]);
	free(s->v);
	free(s->announce_date);
	free(s->feed_title);
	ix = s->index;
	if (ix)
		free(ix->slot);
	free(ix);
	memset(s, 0, sizeof *s);
	s->total_results = -1;
	s->start_index = -1;
}

void
pb_paperset_reserve(struct pb_paperset *s, size_t n)
{
	struct pb_index *ix;

	if (n > s->cap) {
		s->v = pb_xreallocarray(s->v, n, sizeof *s->v);
		s->cap = n;
	}
	if (!s->index)
		s->index = pb_xcalloc(1, sizeof(struct pb_index));
	ix = s->index;
	if (!ix->slot || ix->mask + 1 < n * 2 + 2 || ix->v != s->v || ix->n != s->n)
		index_rebuild(ix, s, n);
}

long
pb_paperset_find(const struct pb_paperset *s, const char *id)
{
	struct pb_index *ix;
	uint64_t h;
	size_t i;

	if (!s || !id)
		return -1;
	ix = index_get(s);
	if (!ix || s->n >= UINT32_MAX) {
		/* A set that skipped pb_paperset_init: stay correct, just slower. */
		for (i = 0; i < s->n; i++)
			if (s->v[i].id && strcmp(s->v[i].id, id) == 0)
				return (long)i;
		return -1;
	}
	h = pb_fnv1a64_str(id);
	i = (size_t)h & ix->mask;
	while (ix->slot[i].pos1) {
		size_t pos = ix->slot[i].pos1 - 1;
		if (ix->slot[i].hash == (uint32_t)(h >> 32) && pos < s->n && s->v[pos].id &&
		    strcmp(s->v[pos].id, id) == 0)
			return (long)pos;
		i = (i + 1) & ix->mask;
	}
	return -1;
}

static void
take_str(char **dst, char **src)
{
	if (!*dst && *src) {
		*dst = *src;
		*src = NULL;
	}
}

static void
replace_str(char **dst, char **src)
{
	if (*src) {
		free(*dst);
		*dst = *src;
		*src = NULL;
	}
}

static void
merge(struct pb_paper *e, struct pb_paper *p)
{
	size_t i, j;

	if (p->version > e->version) {
		/* A newer version: its text is the current one. */
		e->version = p->version;
		replace_str(&e->title, &p->title);
		replace_str(&e->abstract, &p->abstract);
		replace_str(&e->updated, &p->updated);
		replace_str(&e->comment, &p->comment);
		replace_str(&e->journal_ref, &p->journal_ref);
		replace_str(&e->doi, &p->doi);
	}
	take_str(&e->title, &p->title);
	take_str(&e->abstract, &p->abstract);
	take_str(&e->published, &p->published);
	take_str(&e->updated, &p->updated);
	take_str(&e->comment, &p->comment);
	take_str(&e->journal_ref, &p->journal_ref);
	take_str(&e->doi, &p->doi);
	if (e->announce == PB_ANN_UNKNOWN)
		e->announce = p->announce;

	if (e->n_authors == 0 && p->n_authors) {
		e->authors = p->authors;
		e->n_authors = p->n_authors;
		e->n_authors_all = p->n_authors_all;
		p->authors = NULL;
		p->n_authors = 0;
	} else if (e->n_authors == p->n_authors) {
		/* Both kept the first authors of a longer list: the count is either's. */
		if (p->n_authors_all > e->n_authors_all)
			e->n_authors_all = p->n_authors_all;
		/* Same author list from another source (RSS vs API): fill missing affiliations. */
		for (i = 0; i < e->n_authors; i++) {
			struct pb_author *a = &e->authors[i], *b = &p->authors[i];
			if (a->n_affils == 0 && b->n_affils) {
				free(a->affils);
				a->affils = b->affils;
				a->n_affils = b->n_affils;
				b->affils = NULL;
				b->n_affils = 0;
			}
		}
	}

	for (i = 0; i < p->n_categories; i++) {
		int dup = 0;
		for (j = 0; j < e->n_categories; j++)
			if (strcmp(e->categories[j], p->categories[i]) == 0) {
				dup = 1;
				break;
			}
		if (dup)
			continue;
		e->categories = pb_xreallocarray(e->categories, e->n_categories + 1,
						 sizeof *e->categories);
		e->categories[e->n_categories++] = p->categories[i];
		p->categories[i] = NULL;
	}
	pb_paper_free(p);
}

size_t
pb_paperset_add(struct pb_paperset *s, struct pb_paper *p)
{
	long at;
	struct pb_index *ix;

	if (!s->index) /* a zeroed set that skipped pb_paperset_init */
		s->index = pb_xcalloc(1, sizeof(struct pb_index));
	at = pb_paperset_find(s, p->id);

	if (at >= 0) {
		merge(&s->v[at], p);
		return (size_t)at;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = pb_xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n] = *p;
	memset(p, 0, sizeof *p);
	s->n++;
	ix = s->index;
	if (ix && ix->slot && ix->n == s->n - 1 &&
	    (ix->mask + 1) >= (s->n * 2 + 2)) {
		/* Common case: extend the index in place instead of rebuilding. */
		index_put(ix, s->v, s->n - 1);
		ix->n = s->n;
		ix->v = s->v;
	}
	return s->n - 1;
}

size_t
pb_paper_n_authors(const struct pb_paper *p)
{
	return p->n_authors_all > p->n_authors ? p->n_authors_all : p->n_authors;
}

int
pb_paper_has_category(const struct pb_paper *p, const char *cat)
{
	size_t i;

	if (!p || !cat)
		return 0;
	for (i = 0; i < p->n_categories; i++)
		if (strcmp(p->categories[i], cat) == 0)
			return 1;
	return 0;
}

const char *
pb_announce_name(enum pb_announce a)
{
	switch (a) {
	case PB_ANN_NEW: return "new";
	case PB_ANN_CROSS: return "cross";
	case PB_ANN_REPLACE: return "replace";
	case PB_ANN_REPLACE_CROSS: return "replace-cross";
	case PB_ANN_UNKNOWN: break;
	}
	return "unknown";
}

enum pb_announce
pb_announce_parse(const char *s)
{
	if (!s)
		return PB_ANN_UNKNOWN;
	if (strcmp(s, "new") == 0)
		return PB_ANN_NEW;
	if (strcmp(s, "cross") == 0)
		return PB_ANN_CROSS;
	if (strcmp(s, "replace") == 0)
		return PB_ANN_REPLACE;
	if (strcmp(s, "replace-cross") == 0)
		return PB_ANN_REPLACE_CROSS;
	return PB_ANN_UNKNOWN;
}

static int
has_prefix_ci(const char *s, const char *pre)
{
	return strncasecmp(s, pre, strlen(pre)) == 0;
}

/* Length of an id at s ("2411.12345", "0704.0001", "astro-ph/0601001", "math.GT/0309136"),
 * or 0. */
static size_t
id_len(const char *s)
{
	size_t i = 0, d;

	for (d = 0; isdigit((unsigned char)s[i]); i++)
		d++;
	if (d == 4 && s[i] == '.') {
		i++;
		for (d = 0; isdigit((unsigned char)s[i]); i++)
			d++;
		return (d == 4 || d == 5) ? i : 0;
	}
	/* Old style: archive[.SC]/YYMMNNN */
	i = 0;
	if (!islower((unsigned char)s[0]))
		return 0;
	while (islower((unsigned char)s[i]) || s[i] == '-')
		i++;
	if (s[i] == '.') {
		i++;
		for (d = 0; isalpha((unsigned char)s[i]); i++)
			d++;
		if (d < 1 || d > 3)
			return 0;
	}
	if (s[i] != '/')
		return 0;
	i++;
	for (d = 0; isdigit((unsigned char)s[i]); i++)
		d++;
	return d == 7 ? i : 0;
}

/* Skips the first of prefixes s begins with (any case); 1 when one did. */
static int
skip_prefix(const char **s, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (has_prefix_ci(*s, prefixes[i])) {
			*s += strlen(prefixes[i]);
			return 1;
		}
	return 0;
}

char *
pb_arxiv_id_split(const char *s, int *version)
{
	static const char *const schemes[] = { "https://", "http://" };
	static const char *const hosts[] = {
		"www.arxiv.org/", "export.arxiv.org/", "arxiv.org/",
	};
	static const char *const paths[] = { "abs/", "pdf/", "html/" };
	/* arXiv's DataCite DOI (10.48550/arXiv.ID, printed on every abstract page; DOIs
	 * ignore case, and DataCite lists them in capitals), bare or as a link */
	static const char *const doi_links[] = {
		"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
		"doi:",
	};
	static const char *const doi_arxiv[] = { "10.48550/arXiv." };
	size_t n;
	long v = 0;
	const char *t;
	int url = 0;

	if (version)
		*version = 0;
	if (!s)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	if (has_prefix_ci(s, "oai:arXiv.org:")) {
		s += strlen("oai:arXiv.org:");
	} else if (has_prefix_ci(s, "arXiv:")) {
		s += strlen("arXiv:");
	} else if (skip_prefix(&s, doi_links, sizeof doi_links / sizeof doi_links[0]) ||
		   has_prefix_ci(s, "10.")) {
		if (!skip_prefix(&s, doi_arxiv, 1))
			return NULL;
	} else {
		/* a link: abs, pdf or html, with or without its scheme */
		int scheme = skip_prefix(&s, schemes, sizeof schemes / sizeof schemes[0]);

		url = skip_prefix(&s, hosts, sizeof hosts / sizeof hosts[0]);
		if (scheme && !url)
			return NULL;
		if (url) {
			size_t i;

			for (i = 0; i < sizeof paths / sizeof paths[0]; i++)
				if (strncmp(s, paths[i], strlen(paths[i])) == 0)
					break;
			if (i == sizeof paths / sizeof paths[0])
				return NULL;
			s += strlen(paths[i]);
		}
	}
	n = id_len(s);
	if (!n)
		return NULL;
	t = s + n;
	if (*t == 'v' && isdigit((unsigned char)t[1])) {
		t++;
		while (isdigit((unsigned char)*t)) {
			v = v * 10 + (*t - '0');
			if (v > 100000)
				return NULL;
			t++;
		}
	}
	if (strncmp(t, ".pdf", 4) == 0)
		t += 4;
	if (url) {
		/* what a browser's address bar adds after the id: a closing slash, a query
		 * (?context=cs) or a section (#S3) */
		if (*t == '/')
			t++;
		if (*t == '?' || *t == '#')
			t += strcspn(t, " \t\r\n");
	}
	while (isspace((unsigned char)*t))
		t++;
	if (*t)
		return NULL;
	if (version)
		*version = (int)v;
	return pb_xstrndup(s, n);
}

/* 16 bytes at a time through the compiler's vector extension (SSE2 / NEON / generic). */
typedef unsigned char pb_pv16 __attribute__((vector_size(16)));
typedef signed char pb_pm16 __attribute__((vector_size(16)));

/* Appends n bytes; most appends fit the room already there, which saves the call. */
static inline void
put_n(struct pb_buf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n) {
		pb_buf_append(b, s, n);
		return;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
put_c(struct pb_buf *b, char c)
{
	put_n(b, &c, 1);
}

/* A literal, without measuring it. */
#define PUT_LIT(b, lit) put_n((b), (lit), sizeof(lit) - 1)

/* Whether 16 bytes at s hold nothing JSON escapes. */
static int
json_clean16(const char *s)
{
	pb_pv16 v;
	pb_pm16 m;
	uint64_t half[2];

	memcpy(&v, s, 16);
	m = (pb_pm16)(v < 0x20) | (pb_pm16)(v == '"') | (pb_pm16)(v == '\\');
	memcpy(half, &m, 16);
	return !(half[0] | half[1]);
}

/* s as a JSON string, or null, escaped as cJSON escapes (the bytes fetch --json has always
 * written): '"' and '\' with a backslash, \b \f \n \r \t, other controls as \u00XX in lower
 * case, everything else (UTF-8 included) as it is. Long clean stretches, most of an
 * abstract, are passed over sixteen bytes at a time. */
static void
json_str(struct pb_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0, n, lim;
	char *o;

	if (!s) {
		PUT_LIT(b, "null");
		return;
	}
	n = strlen(s);
	/* Room for the worst case (every byte \u00XX), so the bytes go straight in. */
	if (n > ((size_t)-1 - 3) / 6)
		abort();
	pb_buf_reserve(b, 6 * n + 2);
	o = b->data + b->len;
	*o++ = '"';
	while (i < n) {
		while (i + 16 <= n && json_clean16(s + i))
			i += 16;
		for (lim = i + 16 < n ? i + 16 : n; i < lim; i++) {
			unsigned char c = (unsigned char)s[i];
			char e = 0;

			if (c >= 0x20 && c != '"' && c != '\\')
				continue;
			switch (c) {
			case '"': e = '"'; break;
			case '\\': e = '\\'; break;
			case '\b': e = 'b'; break;
			case '\f': e = 'f'; break;
			case '\n': e = 'n'; break;
			case '\r': e = 'r'; break;
			case '\t': e = 't'; break;
			default: break;
			}
			memcpy(o, s + run, i - run);
			o += i - run;
			*o++ = '\\';
			if (e) {
				*o++ = e;
			} else {
				memcpy(o, "u00", 3);
				o[3] = hex[c >> 4];
				o[4] = hex[c & 15];
				o += 5;
			}
			run = i + 1;
		}
	}
	memcpy(o, s + run, n - run);
	o += n - run;
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

static void
json_uint(struct pb_buf *b, unsigned long long v)
{
	char d[24];
	size_t i = sizeof d;

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	put_n(b, d + i, sizeof d - i);
}

static void
json_int(struct pb_buf *b, int v)
{
	json_uint(b, v > 0 ? (unsigned long long)v : 0);
}

/* An abs or pdf link: base, the id and its version (an id has only the characters of
 * pb_arxiv_id_split: nothing to escape), or null. */
static void
json_url(struct pb_buf *b, const char *base, const struct pb_paper *p)
{
	if (!p->id) {
		PUT_LIT(b, "null");
		return;
	}
	put_c(b, '"');
	put_n(b, base, strlen(base));
	put_n(b, p->id, strlen(p->id));
	if (p->version > 0) {
		put_c(b, 'v');
		json_int(b, p->version);
	}
	put_c(b, '"');
}

/* A member ",\"key\":" then the string or null. */
#define JSON_MEMBER(b, lit, s) (PUT_LIT((b), lit), json_str((b), (s)))

void
pb_paper_json_append(struct pb_buf *b, const struct pb_paper *p)
{
	size_t i, j;

	JSON_MEMBER(b, "{\"id\":", p->id);
	PUT_LIT(b, ",\"version\":");
	if (p->version > 0)
		json_int(b, p->version);
	else
		PUT_LIT(b, "null");
	JSON_MEMBER(b, ",\"title\":", p->title);
	PUT_LIT(b, ",\"authors\":[");
	for (i = 0; i < p->n_authors; i++) {
		if (i)
			put_c(b, ',');
		json_str(b, p->authors[i].name);
	}
	PUT_LIT(b, "],\"affiliations\":[");
	for (i = 0; i < p->n_authors; i++) {
		if (i)
			put_c(b, ',');
		put_c(b, '[');
		for (j = 0; j < p->authors[i].n_affils; j++) {
			if (j)
				put_c(b, ',');
			json_str(b, p->authors[i].affils[j]);
		}
		put_c(b, ']');
	}
	/* More than authors lists when the feed's list was cut (a large collaboration's). */
	PUT_LIT(b, "],\"n_authors\":");
	json_uint(b, pb_paper_n_authors(p));
	JSON_MEMBER(b, ",\"abstract\":", p->abstract);
	PUT_LIT(b, ",\"categories\":[");
	for (i = 0; i < p->n_categories; i++) {
		if (i)
			put_c(b, ',');
		json_str(b, p->categories[i]);
	}
	JSON_MEMBER(b, "],\"announce_type\":", pb_announce_name(p->announce));
	JSON_MEMBER(b, ",\"published\":", p->published);
	JSON_MEMBER(b, ",\"updated\":", p->updated);
	JSON_MEMBER(b, ",\"comment\":", p->comment);
	JSON_MEMBER(b, ",\"journal_ref\":", p->journal_ref);
	JSON_MEMBER(b, ",\"doi\":", p->doi);
	PUT_LIT(b, ",\"abs_url\":");
	json_url(b, "https://arxiv.org/abs/", p);
	PUT_LIT(b, ",\"pdf_url\":");
	json_url(b, "https://arxiv.org/pdf/", p);
	put_c(b, '}');
}

char *
pb_paper_to_json(const struct pb_paper *p)
{
	struct pb_buf b = { 0 };

	pb_paper_json_append(&b, p);
	return pb_buf_detach(&b);
}
