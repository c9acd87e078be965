/* The ledger read once per subscriber: the paper ids a subscriber received, in a hash set the
 * matcher's filter asks without going back to the database for each candidate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/hash.h"
#include "state_internal.h"

/* The same answer as pb_ledger_has: any version, in a digest dated other than the exception.
 * A paper received in several versions comes back once per version; the set keeps one. */
#define SQL_ALL "SELECT paper_id FROM ledger WHERE subscriber = ?1"
#define SQL_EXCEPT "SELECT paper_id FROM ledger WHERE subscriber = ?1 AND digest_date <> ?2"

struct slot {
	uint32_t hash;      /* the id's hash, low 32 bits */
	uint32_t at;        /* offset of the id in ids, plus one; 0 = empty */
};

struct pb_ledger_reader {
	struct pb_state *st;
	char *except_date;      /* NULL = every date counts */
	pb_db_stmt *s;          /* prepared on the first load, kept for the next subscribers */
	struct pb_buf ids;      /* the loaded ids, each NUL-terminated */
	struct slot *slots;     /* open addressing, a power of two long, at most half full */
	size_t cap, n;
};

struct pb_ledger_reader *
pb_ledger_reader_new(struct pb_state *st, const char *except_date)
{
	struct pb_ledger_reader *r = pb_xcalloc(1, sizeof *r);

	r->st = st;
	r->except_date = pb_xstrdup(except_date);
	return r;
}

void
pb_ledger_reader_free(struct pb_ledger_reader *r)
{
	if (!r)
		return;
	pb_db_finalize(r->s);
	pb_buf_free(&r->ids);
	free(r->slots);
	free(r->except_date);
	free(r);
}

static void
clear(struct pb_ledger_reader *r)
{
	pb_buf_reset(&r->ids);
	if (r->slots)
		memset(r->slots, 0, r->cap * sizeof *r->slots);
	r->n = 0;
}

static const struct slot *
find(const struct pb_ledger_reader *r, const char *id, size_t len, uint32_t h)
{
	size_t mask = r->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct slot *sl = &r->slots[i];

		if (!sl->at)
			return sl;
		if (sl->hash == h && strncmp(r->ids.data + sl->at - 1, id, len + 1) == 0)
			return sl;
	}
}

static void
grow(struct pb_ledger_reader *r)
{
	struct slot *old = r->slots;
	size_t old_cap = r->cap;

	r->cap = r->cap ? r->cap * 2 : 64;
	r->slots = pb_xcalloc(r->cap, sizeof *r->slots);
	for (size_t i = 0; i < old_cap; i++) {
		size_t mask = r->cap - 1, j;

		if (!old[i].at)
			continue;
		for (j = old[i].hash & mask; r->slots[j].at; j = (j + 1) & mask)
			;
		r->slots[j] = old[i];
	}
	free(old);
}

static void
add(struct pb_ledger_reader *r, const char *id, size_t len)
{
	uint32_t h = (uint32_t)pb_fnv1a64(id, len);
	struct slot *sl;

	if ((r->n + 1) * 2 > r->cap)
		grow(r);
	sl = (struct slot *)find(r, id, len, h);
	if (sl->at)
		return;
	sl->hash = h;
	sl->at = (uint32_t)r->ids.len + 1;
	pb_buf_append(&r->ids, id, len);
	pb_buf_putc(&r->ids, '\0');
	r->n++;
}

int
pb_ledger_reader_load(struct pb_ledger_reader *r, const char *subscriber)
{
	int rc;

	clear(r);
	if (!r->s) {
		/* persistent: asked once per subscriber, 100,000 times in a run */
		r->s = pb_db_prepare(r->st->db, r->except_date ? SQL_EXCEPT : SQL_ALL, 1);
		if (!r->s) {
			pb_st_error(r->st, "ledger_load");
			return -1;
		}
	} else {
		pb_db_reset(r->s);
	}
	pb_st_bind_text(r->s, 1, subscriber);
	if (r->except_date)
		pb_st_bind_text(r->s, 2, r->except_date);
	while ((rc = pb_db_step(r->s)) == PB_DB_ROW) {
		const char *id = pb_db_col_text(r->s, 0);
		int len = pb_db_col_bytes(r->s, 0);

		/* ids are short; the offsets are 32-bit, far beyond one subscriber's ledger */
		if (id && len >= 0 && r->ids.len + (size_t)len + 1 < UINT32_MAX)
			add(r, id, (size_t)len);
	}
	if (rc != PB_DB_DONE) {
		pb_st_error(r->st, "ledger_load");
		clear(r);
		pb_db_reset(r->s);
		return -1;
	}
	/* a finished statement holds no read lock between subscribers */
	pb_db_reset(r->s);
	return 0;
}

int
pb_ledger_reader_has(const struct pb_ledger_reader *r, const char *paper_id)
{
	size_t len;

	if (!r->n || !paper_id)
		return 0;
	len = strlen(paper_id);
	return find(r, paper_id, len, (uint32_t)pb_fnv1a64(paper_id, len))->at != 0;
}

size_t
pb_ledger_reader_count(const struct pb_ledger_reader *r)
{
	return r->n;
}
