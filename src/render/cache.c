/* The per-run render cache: a paper's display forms and rendered blocks, made once and reused
 * by every digest that shows the same paper in the same language on the same date. The key is
 * everything the shared part of a display depends on (the paper's record and version, the
 * digest's language and date, the item's analysis, findings and full text), written as
 * length-prefixed fields so two different keys never read alike. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/deliver.h"
#include "paperboy/fulltext.h"
#include "paperboy/hash.h"
#include "render_int.h"

#define RECENT_SLOTS 4096u
#define SHARED_MAX 64
#define SUM_SLOTS 4096u
/* A summary is kept from its second digest on (one that a single reader has would cost memory
 * and save nothing), in at most SUM_BYTES in all; the hashes of those met once fill SUM_SEEN
 * slots (emptied when half full). */
#define SUM_BYTES ((size_t)16 << 20)
#define SUM_SEEN (1u << 16)

/* An executive summary as the digests that share it show it (pb_rcache_summary). */
struct pb_rsum {
	struct pb_rsum *next;           /* same bucket */
	uint64_t hash;
	char *key;                      /* language, NUL, source byte, the summary's bytes */
	size_t key_len;
	char *display;
	unsigned have;                  /* bit s: seg[s] is built */
	struct pb_buf seg[PB_SUM_COUNT];
	struct pb_block_memo memo[PB_SUM_COUNT];
};

struct pb_rcache_entry {
	struct pb_rcache_entry *next;   /* same bucket */
	struct pb_render_cache *rc;     /* the cache it counts in */
	uint64_t hash;
	char *key;
	size_t key_len;
	struct pb_disp disp;            /* why is always NULL here */
	unsigned have;                  /* bit s: seg[s] is built */
	struct pb_buf seg[PB_SEG_COUNT];
	struct pb_block_memo memo[PB_SEG_COUNT];
	size_t qpb[PB_SEG_COUNT];       /* seg[s]'s pb_mail_qp_piece_bound, when bit s of */
	unsigned qpb_have;              /* this is set (pb_render_seg_b) */
	/* Made for a bare item (no analysis, findings nor full text: all.md's lines past the
	 * digest's papers, hundreds a digest): the record it was made from, its fields as they
	 * were, and the date and language, so the next bare item of that paper is checked
	 * against them (bare_is) instead of against the key. */
	int bare;
	const struct pb_paper *src;
	struct pb_paper snap;
	char *date, *lang;
};

struct pb_render_cache {
	struct pb_rcache_entry **tab;
	size_t cap;                     /* a power of two */
	size_t n;
	size_t bytes;                   /* roughly what the entries hold */
	size_t hits;
	struct pb_buf key;              /* the key being looked up */
	/* The entry last found for a paper, by the record's address: the next digest that shows
	 * the paper (all.md lists every match: a day's digests name the same few thousand papers
	 * again and again) checks that entry's key field by field, with no key written out nor
	 * hashed. Only a shortcut: an entry whose key differs is looked up as usual. */
	struct pb_rcache_entry *recent[RECENT_SLOTS];
	/* Text many digests share whole, by its bytes (pb_render_shared): a few a run, one per
	 * format, language and title. */
	struct shared_block {
		uint64_t hash;
		struct pb_buf bytes;
		struct pb_block_memo memo;
	} shared[SHARED_MAX];
	size_t n_shared;
	struct pb_rsum **sums;          /* SUM_SLOTS buckets, made on first use */
	size_t sum_bytes;               /* what they hold */
	struct pb_seen sum_seen;        /* summaries met once (SUM_SEEN slots) */
};

struct pb_render_cache *
pb_render_cache_new(void)
{
	struct pb_render_cache *rc = pb_xcalloc(1, sizeof *rc);

	rc->cap = 256;
	rc->tab = pb_xcalloc(rc->cap, sizeof *rc->tab);
	return rc;
}

static void
memo_free(struct pb_block_memo *m)
{
	free(m->raw);
	free(m->qpp);
	pb_buf_free(&m->qp);
}

static void
entry_free(struct pb_rcache_entry *e)
{
	e->disp.entry = NULL;
	pb_disp_free(&e->disp);
	for (int s = 0; s < PB_SEG_COUNT; s++) {
		pb_buf_free(&e->seg[s]);
		memo_free(&e->memo[s]);
	}
	free(e->key);
	free(e->date);
	free(e->lang);
	free(e);
}

void
pb_render_cache_free(struct pb_render_cache *rc)
{
	if (!rc)
		return;
	for (size_t i = 0; i < rc->cap; i++)
		for (struct pb_rcache_entry *e = rc->tab[i], *nx; e; e = nx) {
			nx = e->next;
			entry_free(e);
		}
	free(rc->tab);
	pb_buf_free(&rc->key);
	for (size_t i = 0; i < rc->n_shared; i++) {
		pb_buf_free(&rc->shared[i].bytes);
		memo_free(&rc->shared[i].memo);
	}
	for (size_t i = 0; rc->sums && i < SUM_SLOTS; i++)
		for (struct pb_rsum *e = rc->sums[i], *nx; e; e = nx) {
			nx = e->next;
			for (int s = 0; s < PB_SUM_COUNT; s++) {
				pb_buf_free(&e->seg[s]);
				memo_free(&e->memo[s]);
			}
			free(e->display);
			free(e->key);
			free(e);
		}
	free(rc->sums);
	pb_seen_free(&rc->sum_seen);
	free(rc);
}

void
pb_render_cache_stats(const struct pb_render_cache *rc, size_t *entries, size_t *hits)
{
	*entries = rc ? rc->n : 0;
	*hits = rc ? rc->hits : 0;
}

/* Where a key's fields go: written out into b, or (b NULL) compared with the key cmp[0..len),
 * from at on; diff is set at the first field that differs. */
struct ksink {
	struct pb_buf *b;
	const char *cmp;
	size_t at, len;
	int diff;
};

static void
key_put(struct ksink *k, const void *p, size_t n)
{
	if (k->b) {
		pb_buf_append(k->b, p, n);
	} else if (!k->diff) {
		if (k->len - k->at < n || memcmp(k->cmp + k->at, p, n) != 0)
			k->diff = 1;
		else
			k->at += n;
	}
}

static void
key_num(struct ksink *k, uint64_t v)
{
	key_put(k, &v, sizeof v);
}

/* A string with its length first; NULL differs from "". */
static void
key_str(struct ksink *k, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	key_num(k, s ? (uint64_t)n : UINT64_MAX);
	key_put(k, s ? s : "", n);
}

static void
key_ptr(struct ksink *k, const void *p)
{
	key_num(k, (uint64_t)(uintptr_t)p);
}

/* What pb_disp_fill_shared reads: the paper's record (its fields by address, within a run
 * they do not change; id, version and title by value), the date and language, the item's
 * analysis and findings, and the full text's teaser and links. */
static void
make_key(struct ksink *k, const struct pb_digest_item *it, const char *date, const char *lang)
{
	const struct pb_paper *p = it->paper;
	const struct pb_fulltext *ft = it->fulltext;

	key_ptr(k, p);
	key_str(k, p->id);
	key_num(k, (uint64_t)(int64_t)p->version);
	key_num(k, (uint64_t)p->announce);
	key_str(k, p->title);
	key_ptr(k, p->abstract);
	key_ptr(k, p->authors);
	key_num(k, p->n_authors);
	key_num(k, p->n_authors_all);
	key_ptr(k, p->categories);
	key_num(k, p->n_categories);
	key_ptr(k, p->published);
	key_ptr(k, p->updated);
	key_str(k, date);
	key_str(k, lang);
	key_str(k, it->analysis);
	key_num(k, it->n_findings);
	for (size_t i = 0; i < it->n_findings; i++)
		key_str(k, it->findings[i]);
	key_num(k, ft ? 1 : 0);
	if (ft) {
		key_num(k, ft->n_figures);
		if (ft->n_figures) {
			key_str(k, ft->figures[0].image_url);
			key_str(k, ft->figures[0].alt);
			key_str(k, ft->figures[0].caption);
		}
		key_num(k, ft->n_links);
		for (size_t i = 0; i < ft->n_links; i++)
			key_str(k, ft->links[i]);
	}
}

/* Whether e's key is the key of (it, date, lang). */
static int
key_is(const struct pb_rcache_entry *e, const struct pb_digest_item *it, const char *date,
       const char *lang)
{
	struct ksink k = { .cmp = e->key, .len = e->key_len };

	make_key(&k, it, date, lang);
	return !k.diff && k.at == k.len;
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether e was made for a bare item of the record p as it is now, on date in lang: then e's
 * key is the key of any bare item of p. A record's fields do not change during a run (the key
 * holds most of them by address already), so its id and title are compared by address here
 * too, with every other field the key holds. */
static int
bare_is(const struct pb_rcache_entry *e, const struct pb_paper *p, const char *date,
	const char *lang)
{
	const struct pb_paper *s = &e->snap;

	return e->bare && e->src == p && p->id == s->id && p->version == s->version &&
	       p->title == s->title && p->abstract == s->abstract && p->authors == s->authors &&
	       p->n_authors == s->n_authors && p->n_authors_all == s->n_authors_all &&
	       p->categories == s->categories &&
	       p->n_categories == s->n_categories && p->announce == s->announce &&
	       p->published == s->published && p->updated == s->updated &&
	       same_str(e->date, date) && same_str(e->lang, lang);
}

static int
is_bare(const struct pb_digest_item *it)
{
	return !it->analysis && it->n_findings == 0 && !it->fulltext;
}

/* The recent slot of a paper's record, by its address. */
static size_t
recent_slot(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	v ^= v >> 29;
	v *= 0x9e3779b97f4a7c15ull;
	return (size_t)(v >> 52) & (RECENT_SLOTS - 1);
}

static size_t
disp_bytes(const struct pb_disp *x)
{
	size_t n = 512;

	n += strlen(x->title) + strlen(x->authors) + strlen(x->authors_short);
	n += strlen(x->abstract) + (x->analysis ? strlen(x->analysis) : 0);
	for (size_t i = 0; i < x->n_findings; i++)
		n += strlen(x->findings[i]);
	return n;
}

static void
grow(struct pb_render_cache *rc)
{
	size_t cap = rc->cap * 2;
	struct pb_rcache_entry **tab = pb_xcalloc(cap, sizeof *tab);

	for (size_t i = 0; i < rc->cap; i++)
		for (struct pb_rcache_entry *e = rc->tab[i], *nx; e; e = nx) {
			nx = e->next;
			e->next = tab[e->hash & (cap - 1)];
			tab[e->hash & (cap - 1)] = e;
		}
	free(rc->tab);
	rc->tab = tab;
	rc->cap = cap;
}

int
pb_rcache_disp(struct pb_render_cache *rc, struct pb_disp *x, const struct pb_digest_item *it,
	       const char *date, const char *lang)
{
	struct pb_rcache_entry *e;
	uint64_t h;
	size_t slot;
	int bare;

	if (!rc || !it->paper)
		return -1;
	slot = recent_slot(it->paper);
	bare = is_bare(it);
	if ((e = rc->recent[slot]) &&
	    (bare ? bare_is(e, it->paper, date, lang) : key_is(e, it, date, lang))) {
		rc->hits++;
		goto found;
	}
	pb_buf_reset(&rc->key);
	make_key(&(struct ksink){ .b = &rc->key }, it, date, lang);
	h = pb_hash64_mem(rc->key.data, rc->key.len);
	for (e = rc->tab[h & (rc->cap - 1)]; e; e = e->next)
		if (e->hash == h && e->key_len == rc->key.len &&
		    memcmp(e->key, rc->key.data, e->key_len) == 0)
			break;
	if (e) {
		rc->hits++;
	} else {
		if (rc->bytes >= PB_RENDER_CACHE_MAX)
			return -1;
		e = pb_xcalloc(1, sizeof *e);
		e->hash = h;
		e->key_len = rc->key.len;
		e->key = pb_xmalloc(rc->key.len);
		memcpy(e->key, rc->key.data, rc->key.len);
		e->rc = rc;
		if (bare) {
			e->bare = 1;
			e->src = it->paper;
			e->snap = *it->paper;
			e->date = date ? pb_xstrdup(date) : NULL;
			e->lang = lang ? pb_xstrdup(lang) : NULL;
		}
		pb_disp_fill_shared(&e->disp, it, date, lang);
		rc->bytes += e->key_len + disp_bytes(&e->disp);
		if (rc->n + 1 > rc->cap / 2)
			grow(rc);
		e->next = rc->tab[h & (rc->cap - 1)];
		rc->tab[h & (rc->cap - 1)] = e;
		rc->n++;
	}
	rc->recent[slot] = e;
found:
	e->disp.entry = e;
	*x = e->disp;
	e->disp.entry = NULL;
	pb_disp_reader(x, it);
	return 0;
}

/* Notes that out holds a cached block's bytes at off, until they reach the document. */
static void
mark(const struct pb_rctx *c, const struct pb_buf *out, size_t off, size_t len,
     const char *bytes, struct pb_block_memo *memo)
{
	/* c is the renderer's own context: its list of marks is for writing */
	struct pb_rctx *w = (struct pb_rctx *)c;

	if (w->n_marks == w->cap_marks) {
		w->cap_marks = w->cap_marks ? 2 * w->cap_marks : 64;
		w->marks = pb_xreallocarray(w->marks, w->cap_marks, sizeof *w->marks);
	}
	w->marks[w->n_marks++] = (struct pb_rmark){
		.buf = out, .off = off, .len = len, .bytes = bytes, .memo = memo,
	};
}

void
pb_render_seg(const struct pb_rctx *c, size_t i, unsigned seg, size_t arg, pb_seg_fn fn,
	      struct pb_buf *out)
{
	struct pb_rcache_entry *e = c->disp[i].entry;

	if (!e || seg >= PB_SEG_COUNT) {
		fn(c, i, arg, out);
		return;
	}
	if (!(e->have & 1u << seg)) {
		fn(c, i, arg, &e->seg[seg]);
		e->have |= 1u << seg;
		e->rc->bytes += e->seg[seg].len;
	}
	pb_buf_append(out, e->seg[seg].data ? e->seg[seg].data : "", e->seg[seg].len);
	if (c->o->blocks && e->seg[seg].len)
		mark(c, out, out->len - e->seg[seg].len, e->seg[seg].len, e->seg[seg].data,
		     &e->memo[seg]);
}

void
pb_render_seg_b(const struct pb_rctx *c, size_t i, unsigned seg, size_t arg, pb_seg_fn fn,
		struct pb_buf *out, size_t *bound)
{
	struct pb_rcache_entry *e = c->disp[i].entry;
	size_t at = out->len;

	pb_render_seg(c, i, seg, arg, fn, out);
	if (e && seg < PB_SEG_COUNT && (e->have & 1u << seg)) {
		if (!(e->qpb_have & 1u << seg)) {
			e->qpb[seg] = pb_mail_qp_piece_bound(e->seg[seg].data ? e->seg[seg].data : "",
							     e->seg[seg].len);
			e->qpb_have |= 1u << seg;
		}
		*bound += e->qpb[seg];
	} else {
		*bound += pb_mail_qp_piece_bound(out->data + at, out->len - at);
	}
}

void
pb_render_shared(const struct pb_rctx *c, const struct pb_buf *out, size_t off, size_t len)
{
	struct pb_render_cache *rc = c->o->cache;
	struct shared_block *x = NULL;
	uint64_t h;

	if (!rc || !c->o->blocks || len == 0 || off > out->len || out->len - off < len)
		return;
	h = pb_hash64_mem(out->data + off, len);
	for (size_t i = 0; i < rc->n_shared && !x; i++)
		if (rc->shared[i].hash == h && rc->shared[i].bytes.len == len &&
		    memcmp(rc->shared[i].bytes.data, out->data + off, len) == 0)
			x = &rc->shared[i];
	if (!x) {
		if (rc->n_shared == SHARED_MAX || rc->bytes >= PB_RENDER_CACHE_MAX)
			return;
		x = &rc->shared[rc->n_shared++];
		x->hash = h;
		pb_buf_append(&x->bytes, out->data + off, len);
		rc->bytes += len;
	}
	mark(c, out, off, len, x->bytes.data, &x->memo);
}

void
pb_render_marks_move(struct pb_rctx *c, const struct pb_buf *buf, size_t base)
{
	struct pb_blocks *b;

	if (!c->o->blocks)
		return;
	b = &c->o->blocks[c->fmt];
	for (size_t i = 0; i < c->n_marks; i++) {
		if (c->marks[i].buf != buf)
			continue;
		if (b->n == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 64;
			b->v = pb_xreallocarray(b->v, b->cap, sizeof *b->v);
		}
		b->v[b->n++] = (struct pb_block){ .off = base + c->marks[i].off,
						  .len = c->marks[i].len,
						  .bytes = c->marks[i].bytes,
						  .memo = c->marks[i].memo };
		c->marks[i].buf = NULL;   /* moved */
	}
}

void
pb_blocks_reset(struct pb_blocks *b)
{
	b->n = 0;
}

void
pb_blocks_free(struct pb_blocks *b)
{
	free(b->v);
	memset(b, 0, sizeof *b);
}

int
pb_rcache_summary(struct pb_render_cache *rc, const struct pb_digest *d,
		  char *(*make)(const struct pb_digest *), struct pb_rsum **e, char **display)
{
	const char *lang = d->language ? d->language : "";
	struct pb_buf k = { 0 };
	struct pb_rsum *x;
	uint64_t h;
	size_t slot;

	*e = NULL;
	if (!rc || !d->exec_summary || !*d->exec_summary)
		return -1;
	pb_buf_append(&k, lang, strlen(lang) + 1);
	pb_buf_putc(&k, d->exec_from_model ? 'm' : 'b');
	pb_buf_puts(&k, d->exec_summary);
	h = pb_hash64_mem(k.data, k.len);
	if (!rc->sums)
		rc->sums = pb_xcalloc(SUM_SLOTS, sizeof *rc->sums);
	slot = h & (SUM_SLOTS - 1);
	for (x = rc->sums[slot]; x; x = x->next)
		if (x->hash == h && x->key_len == k.len && memcmp(x->key, k.data, k.len) == 0)
			break;
	if (!x) {
		if (rc->sum_bytes >= SUM_BYTES || !pb_seen_again(&rc->sum_seen, SUM_SEEN, h)) {
			pb_buf_free(&k);
			return -1;
		}
		x = pb_xcalloc(1, sizeof *x);
		x->hash = h;
		x->key_len = k.len;
		x->key = pb_buf_detach(&k);
		x->display = make(d);
		x->next = rc->sums[slot];
		rc->sums[slot] = x;
		rc->sum_bytes += 2 * x->key_len;
	}
	pb_buf_free(&k);
	*e = x;
	*display = x->display;
	return 0;
}

size_t
pb_render_summary(const struct pb_rctx *c, unsigned seg, pb_sum_fn fn, struct pb_buf *out,
		  int mark_it)
{
	struct pb_rsum *e = c->sum;
	size_t at = out->len;

	if (!e || seg >= PB_SUM_COUNT) {
		fn(c, out);
		return at;
	}
	if (!(e->have & 1u << seg)) {
		fn(c, &e->seg[seg]);
		e->have |= 1u << seg;
		if (c->o->cache)
			c->o->cache->sum_bytes += e->seg[seg].len;
	}
	pb_buf_append(out, e->seg[seg].data ? e->seg[seg].data : "", e->seg[seg].len);
	if (mark_it)
		pb_render_summary_mark(c, seg, out, at);
	return at;
}

void
pb_render_summary_mark(const struct pb_rctx *c, unsigned seg, const struct pb_buf *out,
		       size_t off)
{
	struct pb_rsum *e = c->sum;

	if (!e || seg >= PB_SUM_COUNT || !(e->have & 1u << seg) || !c->o->blocks ||
	    !e->seg[seg].len || off > out->len || out->len - off < e->seg[seg].len ||
	    memcmp(out->data + off, e->seg[seg].data, e->seg[seg].len) != 0)
		return;
	mark(c, out, off, e->seg[seg].len, e->seg[seg].data, &e->memo[seg]);
}
