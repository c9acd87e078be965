/* The ledger: which papers each subscriber received. One row per digest date and subscriber
 * (schema.c, versions 9 and 10), its papers in one text, "ID:VERSION" entries separated by
 * spaces (an id holds no space: pb_arxiv_id_split; the version follows the id's last colon).
 * A digest writes one row, after the rows of its date; a run reads the ledger once (the
 * reader below), keeping of it only the day's papers. */
#define _GNU_SOURCE 1   /* qsort_r */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "state_internal.h"

/* The next entry's id in *p (its length in *len), *p moved past the entry; 0 at the end. */
static int
entry_next(const char **p, const char **id, size_t *len)
{
	const char *s = *p, *e, *colon;

	while (*s == ' ')
		s++;
	if (!*s)
		return 0;
	e = strchr(s, ' ');
	if (!e)
		e = s + strlen(s);
	colon = e;
	while (colon > s && colon[-1] != ':')
		colon--;
	*id = s;
	*len = colon > s ? (size_t)(colon - 1 - s) : (size_t)(e - s);
	*p = e;
	return 1;
}

/* Appends a digest's entries to b. 0, or -1 with *bad the refused id (NULL for none): an id
 * with a space, which no arXiv id has. */
static int
entries_put(struct pb_buf *b, size_t n, const char *const *ids, const int *versions,
	    const char **bad)
{
	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || strchr(ids[i], ' ')) {
			*bad = ids[i];
			return -1;
		}
		if (b->len)
			pb_buf_putc(b, ' ');
		pb_buf_printf(b, "%s:%d", ids[i], versions ? versions[i] : 0);
	}
	return 0;
}

int
pb_ledger_add_many(struct pb_state *st, const char *subscriber, const char *digest_date,
		   size_t n, const char *const *ids, const int *versions)
{
	struct pb_buf papers = { 0 };
	const char *bad = NULL;
	pb_db_stmt *s;
	int rc;

	if (!n)
		return 0;
	if (entries_put(&papers, n, ids, versions, &bad) < 0) {
		char why[256];

		/* the whole digest's rows: a row of the ledger cannot hold this id */
		snprintf(why, sizeof why, "subscriber %s: paper id %s %s", subscriber,
			 bad ? bad : "(none)", bad ? "holds a space" : "missing");
		pb_buf_free(&papers);
		pb_st_fail(st, "ledger_add", why);
		return -1;
	}
	if (!(s = pb_st_stmt(st, S_LEDGER_ADD))) {
		pb_buf_free(&papers);
		return -1;
	}
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, digest_date);
	pb_db_bind_int64(s, 3, pb_now());
	pb_st_bind_text(s, 4, papers.data);
	rc = pb_st_run(st, s, "ledger_add");
	pb_buf_free(&papers);
	return rc;
}

int
pb_ledger_add(struct pb_state *st, const char *subscriber, const char *paper_id, int version,
	      const char *digest_date)
{
	return pb_ledger_add_many(st, subscriber, digest_date, 1, &paper_id, &version);
}

int
pb_ledger_clear(struct pb_state *st, const char *subscriber)
{
	pb_db_stmt *s = pb_st_stmt(st, S_LEDGER_CLEAR);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	if (pb_st_run(st, s, "ledger_clear") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_ledger_has(struct pb_state *st, const char *subscriber, const char *paper_id,
	      const char *except_date)
{
	pb_db_stmt *s;
	size_t want;
	int rc = PB_DB_DONE, found = 0;

	if (!paper_id)
		return 0;
	if (!(s = pb_st_stmt(st, except_date ? S_LEDGER_GET_EXCEPT : S_LEDGER_GET)))
		return -1;
	want = strlen(paper_id);
	pb_st_bind_text(s, 1, subscriber);
	if (except_date)
		pb_st_bind_text(s, 2, except_date);
	while (!found && (rc = pb_db_step(s)) == PB_DB_ROW) {
		const char *p = pb_db_col_text(s, 0), *id;
		size_t len;

		while (p && !found && entry_next(&p, &id, &len))
			found = len == want && memcmp(id, paper_id, len) == 0;
	}
	if (!found && rc != PB_DB_DONE) {
		pb_st_error(st, "ledger_has");
		found = -1;
	}
	pb_db_reset(s);
	return found;
}

/* ---- the reader ---- */

struct slot {
	uint32_t hash;      /* the id's hash, low 32 bits */
	uint32_t at;        /* offset of the id in ids, plus one; 0 = empty */
};

/* A set of ids: open addressing, a power of two long, at most half full. */
struct idset {
	struct pb_buf ids;      /* the ids, each NUL-terminated */
	struct slot *slots;
	size_t cap, n;
};

/* With only, the whole ledger is read once (scan): every subscriber's entries that are among
 * the day's ids, as hits, sorted by subscriber; a load takes its subscriber's from them. */
struct hit {
	uint32_t sub;           /* offset of the subscriber's name in names */
	uint32_t at;            /* the id's slot in day (its offset in day.ids, plus one) */
};

struct pb_ledger_reader {
	struct pb_state *st;
	char *except_date;      /* NULL = every date counts */
	struct idset got;       /* the loaded subscriber's ids */
	struct idset day;       /* with only: the ids that can be asked about */
	int only;
	int scanned;            /* with only: hits holds the whole ledger's */
	struct pb_buf names;    /* the hits' subscribers, each NUL-terminated */
	struct hit *hits;
	size_t n_hits, cap_hits;
};

struct pb_ledger_reader *
pb_ledger_reader_new(struct pb_state *st, const char *except_date)
{
	struct pb_ledger_reader *r = pb_xcalloc(1, sizeof *r);

	r->st = st;
	r->except_date = pb_xstrdup(except_date);
	return r;
}

static void
set_free(struct idset *t)
{
	pb_buf_free(&t->ids);
	free(t->slots);
	memset(t, 0, sizeof *t);
}

void
pb_ledger_reader_free(struct pb_ledger_reader *r)
{
	if (!r)
		return;
	set_free(&r->got);
	set_free(&r->day);
	pb_buf_free(&r->names);
	free(r->hits);
	free(r->except_date);
	free(r);
}

static void
set_clear(struct idset *t)
{
	pb_buf_reset(&t->ids);
	if (t->slots)
		memset(t->slots, 0, t->cap * sizeof *t->slots);
	t->n = 0;
}

/* A paper id's hash, eight bytes at a step: a run hashes every entry of every subscriber's
 * history (at 20,000 subscribers and 90 days, 18,000,000), where FNV-1a, a byte at a step,
 * took 15% of the reader's time. */
static uint32_t
id_hash(const char *id, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ len, w;

	for (; len >= 8; id += 8, len -= 8) {
		memcpy(&w, id, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, id, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)h;
}

/* The slot of id (len bytes, not necessarily ending there), or the empty one where it goes. */
static const struct slot *
find(const struct idset *t, const char *id, size_t len, uint32_t h)
{
	size_t mask = t->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct slot *sl = &t->slots[i];

		if (!sl->at)
			return sl;
		if (sl->hash == h && memcmp(t->ids.data + sl->at - 1, id, len) == 0 &&
		    t->ids.data[sl->at - 1 + len] == '\0')
			return sl;
	}
}

static void
grow(struct idset *t)
{
	struct slot *old = t->slots;
	size_t old_cap = t->cap;

	t->cap = t->cap ? t->cap * 2 : 64;
	t->slots = pb_xcalloc(t->cap, sizeof *t->slots);
	for (size_t i = 0; i < old_cap; i++) {
		size_t mask = t->cap - 1, j;

		if (!old[i].at)
			continue;
		for (j = old[i].hash & mask; t->slots[j].at; j = (j + 1) & mask)
			;
		t->slots[j] = old[i];
	}
	free(old);
}

/* Adds id (hash h) unless held. ids are short; the offsets are 32-bit, far beyond a set's. */
static void
add(struct idset *t, const char *id, size_t len, uint32_t h)
{
	struct slot *sl;

	if (t->ids.len + len + 1 >= UINT32_MAX)
		return;
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	sl = (struct slot *)find(t, id, len, h);
	if (sl->at)
		return;
	sl->hash = h;
	sl->at = (uint32_t)t->ids.len + 1;
	pb_buf_append(&t->ids, id, len);
	pb_buf_putc(&t->ids, '\0');
	t->n++;
}

void
pb_ledger_reader_only(struct pb_ledger_reader *r, size_t n, const char *const *ids)
{
	set_clear(&r->day);
	set_clear(&r->got);
	pb_buf_reset(&r->names);
	r->n_hits = 0;
	r->scanned = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i])
			add(&r->day, ids[i], strlen(ids[i]), id_hash(ids[i], strlen(ids[i])));
	r->only = 1;
}

static int
hit_cmp(const void *a, const void *b, void *names)
{
	const struct hit *x = a, *y = b;
	int c = strcmp((const char *)names + x->sub, (const char *)names + y->sub);

	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Keeps of the papers p of subscriber's row the entries among the day's ids. */
static void
keep_row(struct pb_ledger_reader *r, const char *subscriber, const char *p)
{
	size_t sub = SIZE_MAX, len;
	const char *id;

	while (p && r->day.n && entry_next(&p, &id, &len)) {
		const struct slot *sl = find(&r->day, id, len, id_hash(id, len));

		/* most of a history is papers of other days: looked up, not kept */
		if (!sl->at)
			continue;
		if (sub == SIZE_MAX) {
			if (r->names.len + strlen(subscriber) + 1 >= UINT32_MAX)
				return;
			sub = r->names.len;
			pb_buf_puts(&r->names, subscriber);
			pb_buf_putc(&r->names, '\0');
		}
		if (r->n_hits == r->cap_hits) {
			r->cap_hits = r->cap_hits ? 2 * r->cap_hits : 256;
			r->hits = pb_xreallocarray(r->hits, r->cap_hits, sizeof *r->hits);
		}
		r->hits[r->n_hits++] = (struct hit){ .sub = (uint32_t)sub, .at = sl->at };
	}
}

/* Reads the whole ledger (but the except date's rows) once, keeping of each row the entries
 * among the day's ids, with the row's subscriber. The ledger is kept by date, then subscriber
 * (schema.c, version 10): a digest's row goes at the end of its date's, so a run's writes fill
 * pages one after the other where, kept by subscriber, each touched a page of its own; a
 * subscriber's history is then spread over every date, and one pass over the table reads the
 * run's histories at once. The pass goes a page of rows at a time, each after the last row
 * read, so no answer holds the whole ledger at once (PostgreSQL's client keeps an answer
 * whole: at 20,000 subscribers and 90 days, 1,800,000 rows). */
static int
scan(struct pb_ledger_reader *r)
{
	char *date = pb_xstrdup(""), *sub = pb_xstrdup("");
	int rc = PB_DB_DONE;
	size_t rows;

	pb_buf_reset(&r->names);
	r->n_hits = 0;
	do {
		pb_db_stmt *s = pb_st_stmt(r->st, r->except_date ? S_LEDGER_SCAN_EXCEPT :
								   S_LEDGER_SCAN);

		if (!s) {
			rc = PB_DB_ERROR;
			break;
		}
		pb_st_bind_text(s, 1, date);
		pb_st_bind_text(s, 2, sub);
		if (r->except_date)
			pb_st_bind_text(s, 3, r->except_date);
		rows = 0;
		while ((rc = pb_db_step(s)) == PB_DB_ROW) {
			const char *d = pb_db_col_text(s, 0), *n = pb_db_col_text(s, 1);

			rows++;
			keep_row(r, n ? n : "", pb_db_col_text(s, 2));
			if (rows == PB_LEDGER_PAGE) {
				/* where the next page starts */
				free(date);
				free(sub);
				date = pb_xstrdup(d ? d : "");
				sub = pb_xstrdup(n ? n : "");
			}
		}
		/* a finished statement holds no read lock */
		pb_db_reset(s);
	} while (rc == PB_DB_DONE && rows == PB_LEDGER_PAGE);
	free(date);
	free(sub);
	if (rc != PB_DB_DONE) {
		pb_st_error(r->st, "ledger_load");
		r->n_hits = 0;
		return -1;
	}
	if (r->n_hits)
		qsort_r(r->hits, r->n_hits, sizeof *r->hits, hit_cmp, r->names.data);
	r->scanned = 1;
	return 0;
}

/* With only: subscriber's ids from the scan's hits. */
static int
load_hits(struct pb_ledger_reader *r, const char *subscriber)
{
	size_t lo = 0, hi;

	if (!r->scanned && scan(r) < 0)
		return -1;   /* tried again at the next load */
	hi = r->n_hits;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->names.data + r->hits[mid].sub, subscriber) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->n_hits && strcmp(r->names.data + r->hits[lo].sub, subscriber) == 0; lo++) {
		const char *id = r->day.ids.data + r->hits[lo].at - 1;
		size_t len = strlen(id);

		add(&r->got, id, len, id_hash(id, len));
	}
	return 0;
}

int
pb_ledger_reader_load(struct pb_ledger_reader *r, const char *subscriber)
{
	pb_db_stmt *s;
	int rc;

	set_clear(&r->got);
	if (!subscriber)
		return 0;
	if (r->only)
		return load_hits(r, subscriber);
	/* a subscriber's rows, every date or all but one (the ledger read through for them,
	 * as pb_ledger_has does): the state's shared statement, read to its end before anything
	 * else asks the state */
	if (!(s = pb_st_stmt(r->st, r->except_date ? S_LEDGER_GET_EXCEPT : S_LEDGER_GET)))
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	if (r->except_date)
		pb_st_bind_text(s, 2, r->except_date);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		const char *p = pb_db_col_text(s, 0), *id;
		size_t len;

		while (p && entry_next(&p, &id, &len))
			add(&r->got, id, len, id_hash(id, len));
	}
	/* a finished statement holds no read lock between subscribers */
	pb_db_reset(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(r->st, "ledger_load");
		set_clear(&r->got);
		return -1;
	}
	return 0;
}

int
pb_ledger_reader_has(const struct pb_ledger_reader *r, const char *paper_id)
{
	size_t len;

	if (!r->got.n || !paper_id)
		return 0;
	len = strlen(paper_id);
	return find(&r->got, paper_id, len, id_hash(paper_id, len))->at != 0;
}

size_t
pb_ledger_reader_count(const struct pb_ledger_reader *r)
{
	return r->got.n;
}
