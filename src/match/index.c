/* The matcher's inverted index: every paper folded once, word -> papers per field, and the
 * hit set of one term as a bitset over all papers. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/hash.h"

#include "match_int.h"

static const char *
word_at(const struct mx_index *ix, uint32_t id)
{
	return ix->arena.data + ix->woff[id];
}

/* Returns the word's id, or UINT32_MAX when absent. */
static uint32_t
vocab_find(const struct mx_index *ix, const char *w, size_t n)
{
	size_t mask = ix->n_slots - 1, i;

	if (!ix->n_slots)
		return UINT32_MAX;
	for (i = (size_t)mx_hash(w, n) & mask; ix->slots[i]; i = (i + 1) & mask) {
		uint32_t id = ix->slots[i] - 1;

		if (ix->wlen[id] == n && memcmp(word_at(ix, id), w, n) == 0)
			return id;
	}
	return UINT32_MAX;
}

static void
vocab_grow(struct mx_index *ix)
{
	size_t n = ix->n_slots ? ix->n_slots * 2 : 4096, mask = n - 1;

	free(ix->slots);
	ix->slots = pb_xcalloc(n, sizeof *ix->slots);
	ix->n_slots = n;
	for (uint32_t id = 0; id < ix->n_words; id++) {
		size_t i = (size_t)mx_hash(word_at(ix, id), ix->wlen[id]) & mask;

		while (ix->slots[i])
			i = (i + 1) & mask;
		ix->slots[i] = id + 1;
	}
}

static uint32_t
vocab_add(struct mx_index *ix, const char *w, size_t n)
{
	uint32_t id = vocab_find(ix, w, n);
	size_t mask, i;

	if (id != UINT32_MAX)
		return id;
	if (2 * (ix->n_words + 1) > ix->n_slots)
		vocab_grow(ix);
	if (ix->n_words == ix->cap_words) {
		ix->cap_words = ix->cap_words ? 2 * ix->cap_words : 4096;
		ix->woff = pb_xreallocarray(ix->woff, ix->cap_words, sizeof *ix->woff);
		ix->wlen = pb_xreallocarray(ix->wlen, ix->cap_words, sizeof *ix->wlen);
	}
	id = (uint32_t)ix->n_words++;
	ix->woff[id] = (uint32_t)ix->arena.len;
	ix->wlen[id] = (uint32_t)n;
	pb_buf_append(&ix->arena, w, n);
	pb_buf_putc(&ix->arena, '\0');
	mask = ix->n_slots - 1;
	for (i = (size_t)mx_hash(w, n) & mask; ix->slots[i]; i = (i + 1) & mask)
		;
	ix->slots[i] = id + 1;
	return id;
}

struct sort_word {
	const char *s;
	uint32_t id;
};

static int
cmp_words(const void *a, const void *b)
{
	return strcmp(((const struct sort_word *)a)->s, ((const struct sort_word *)b)->s);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
build_cats(struct mx_index *ix, const struct pb_paperset *ps)
{
	size_t n = 0, k = 0;

	for (size_t p = 0; p < ps->n; p++)
		n += ps->v[p].n_categories;
	ix->cats = pb_xcalloc(n + 1, sizeof *ix->cats);
	for (size_t p = 0; p < ps->n; p++)
		for (size_t c = 0; c < ps->v[p].n_categories; c++) {
			char *s;

			if (!ps->v[p].categories[c])
				continue;
			s = pb_xstrdup(ps->v[p].categories[c]);
			for (char *q = s; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
			ix->cats[k++] = s;
		}
	qsort(ix->cats, k, sizeof *ix->cats, cmp_str);
	n = 0;
	for (size_t i = 0; i < k; i++) {
		if (n && strcmp(ix->cats[n - 1], ix->cats[i]) == 0) {
			free(ix->cats[i]);
			continue;
		}
		ix->cats[n++] = ix->cats[i];
	}
	ix->n_cats = n;
	ix->catbits = pb_xcalloc(n * ix->W + 1, sizeof *ix->catbits);
	for (size_t p = 0; p < ps->n; p++)
		for (size_t c = 0; c < ps->v[p].n_categories; c++) {
			const char *s = ps->v[p].categories[c];
			size_t lo = 0, hi = n;

			if (!s)
				continue;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				int r = strcasecmp(ix->cats[mid], s);

				if (r == 0) {
					ix->catbits[mid * ix->W + p / 64] |= 1ULL << (p % 64);
					break;
				}
				if (r < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
		}
}

void
mx_index_build(struct mx_index *ix, const struct pb_paperset *ps)
{
	struct pb_doc doc;
	uint32_t *last;

	memset(ix, 0, sizeof *ix);
	ix->n_papers = ps->n;
	ix->W = (ps->n + 63) / 64;
	for (int f = 0; f < PB_N_TEXT_FIELDS; f++)
		ix->f[f].dstart = pb_xcalloc(ps->n + 1, sizeof(uint32_t));
	{
		size_t cap[PB_N_TEXT_FIELDS] = { 0 }, len[PB_N_TEXT_FIELDS] = { 0 };

		for (size_t p = 0; p < ps->n; p++) {
			pb_doc_init(&doc, &ps->v[p]);
			for (int f = 0; f < PB_N_TEXT_FIELDS; f++) {
				struct mx_field *mf = &ix->f[f];
				const struct pb_words *t = &doc.f[f];

				if (len[f] + t->n > cap[f]) {
					cap[f] = 2 * (len[f] + t->n) + 1024;
					mf->ids = pb_xreallocarray(mf->ids, cap[f], sizeof *mf->ids);
					mf->pos = pb_xreallocarray(mf->pos, cap[f], sizeof *mf->pos);
				}
				for (size_t i = 0; i < t->n; i++) {
					mf->ids[len[f]] = vocab_add(ix, pb_word(t, i), t->len[i]);
					mf->pos[len[f]++] = t->pos[i];
				}
				mf->dstart[p + 1] = (uint32_t)len[f];
			}
			pb_doc_free(&doc);
		}
	}
	/* Postings: each word's papers, ascending and distinct (counted, then filled). */
	last = pb_xmalloc((ix->n_words + 1) * sizeof *last);
	for (int f = 0; f < PB_N_TEXT_FIELDS; f++) {
		struct mx_field *mf = &ix->f[f];
		uint32_t *fill;

		mf->pstart = pb_xcalloc(ix->n_words + 2, sizeof *mf->pstart);
		memset(last, 0xff, (ix->n_words + 1) * sizeof *last);
		for (uint32_t p = 0; p < ps->n; p++)
			for (uint32_t i = mf->dstart[p]; i < mf->dstart[p + 1]; i++)
				if (last[mf->ids[i]] != p) {
					last[mf->ids[i]] = p;
					mf->pstart[mf->ids[i] + 1]++;
				}
		for (size_t w = 0; w < ix->n_words; w++)
			mf->pstart[w + 1] += mf->pstart[w];
		mf->post = pb_xmalloc((mf->pstart[ix->n_words] + 1) * sizeof *mf->post);
		fill = pb_xmalloc((ix->n_words + 1) * sizeof *fill);
		memcpy(fill, mf->pstart, ix->n_words * sizeof *fill);
		memset(last, 0xff, (ix->n_words + 1) * sizeof *last);
		for (uint32_t p = 0; p < ps->n; p++)
			for (uint32_t i = mf->dstart[p]; i < mf->dstart[p + 1]; i++)
				if (last[mf->ids[i]] != p) {
					last[mf->ids[i]] = p;
					mf->post[fill[mf->ids[i]]++] = p;
				}
		free(fill);
		/* Occurrences, for phrases: every position of every word. */
		mf->ostart = pb_xcalloc(ix->n_words + 2, sizeof *mf->ostart);
		for (uint32_t i = 0; i < mf->dstart[ps->n]; i++)
			mf->ostart[mf->ids[i] + 1]++;
		for (size_t w = 0; w < ix->n_words; w++)
			mf->ostart[w + 1] += mf->ostart[w];
		mf->occ = pb_xmalloc((mf->dstart[ps->n] + 1) * sizeof *mf->occ);
		fill = pb_xmalloc((ix->n_words + 1) * sizeof *fill);
		memcpy(fill, mf->ostart, ix->n_words * sizeof *fill);
		for (uint32_t i = 0; i < mf->dstart[ps->n]; i++)
			mf->occ[fill[mf->ids[i]]++] = i;
		free(fill);
	}
	free(last);
	/* Sorted vocabulary for prefixes. */
	ix->sorted = pb_xmalloc((ix->n_words + 1) * sizeof *ix->sorted);
	ix->rank = pb_xmalloc((ix->n_words + 1) * sizeof *ix->rank);
	{
		struct sort_word *sw = pb_xmalloc((ix->n_words + 1) * sizeof *sw);

		for (uint32_t w = 0; w < ix->n_words; w++) {
			sw[w].s = word_at(ix, w);
			sw[w].id = w;
		}
		qsort(sw, ix->n_words, sizeof *sw, cmp_words);
		for (uint32_t r = 0; r < ix->n_words; r++) {
			ix->sorted[r] = sw[r].id;
			ix->rank[sw[r].id] = r;
		}
		free(sw);
	}
	build_cats(ix, ps);
}

void
mx_index_free(struct mx_index *ix)
{
	if (!ix)
		return;
	free(ix->slots);
	pb_buf_free(&ix->arena);
	free(ix->woff);
	free(ix->wlen);
	free(ix->sorted);
	free(ix->rank);
	for (int f = 0; f < PB_N_TEXT_FIELDS; f++) {
		free(ix->f[f].dstart);
		free(ix->f[f].ids);
		free(ix->f[f].pos);
		free(ix->f[f].pstart);
		free(ix->f[f].post);
		free(ix->f[f].ostart);
		free(ix->f[f].occ);
	}
	for (size_t i = 0; i < ix->n_cats; i++)
		free(ix->cats[i]);
	free(ix->cats);
	free(ix->catbits);
	memset(ix, 0, sizeof *ix);
}

/* The ranks [*lo, *hi) of the words starting with w (n bytes). */
static void
prefix_range(const struct mx_index *ix, const char *w, size_t n, uint32_t *lo, uint32_t *hi)
{
	size_t a = 0, b = ix->n_words;

	while (a < b) {
		size_t mid = (a + b) / 2;

		if (strncmp(word_at(ix, ix->sorted[mid]), w, n) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = (uint32_t)a;
	while (b < ix->n_words && strncmp(word_at(ix, ix->sorted[b]), w, n) == 0)
		b++;
	*hi = (uint32_t)(b < a ? a : b);
}

static void
or_postings(const struct mx_field *mf, uint32_t w, uint64_t *out)
{
	for (uint32_t i = mf->pstart[w]; i < mf->pstart[w + 1]; i++)
		out[mf->post[i] >> 6] |= 1ULL << (mf->post[i] & 63);
}

/* Does paper p hold, in field mf, the phrase ids[0..k) (the last word any rank in
 * [lo, hi) when prefix)? *cur walks the first word's occurrences; papers come in ascending
 * order, so the walk is linear over the whole candidate set. */
static int
phrase_in(const struct mx_index *ix, const struct mx_field *mf, uint32_t p, const uint32_t *ids,
	  size_t k, int prefix, uint32_t lo, uint32_t hi, uint32_t *cur)
{
	uint32_t s = mf->dstart[p], e = mf->dstart[p + 1], end = mf->ostart[ids[0] + 1];
	uint32_t c = *cur;

	while (c < end && mf->occ[c] < s)
		c++;
	for (; c < end && mf->occ[c] < e; c++) {
		uint32_t i = mf->occ[c];
		size_t j;

		if (i + k > e)
			break;
		for (j = 1; j < k; j++) {
			uint32_t w = mf->ids[i + j];

			if (mf->pos[i + j] != mf->pos[i] + j)
				break;
			if (j == k - 1 && prefix) {
				if (ix->rank[w] < lo || ix->rank[w] >= hi)
					break;
			} else if (w != ids[j]) {
				break;
			}
		}
		if (j == k) {
			*cur = c;
			return 1;
		}
	}
	*cur = c;
	return 0;
}

/* Adds to out the papers where name term t hits an author: the candidates hold word need,
 * each is checked author by author (authors are runs of consecutive positions). */
static void
name_bits(const struct mx_index *ix, const struct pb_term *t, uint64_t *out)
{
	const struct mx_field *mf = &ix->f[PB_FIELD_AU];
	size_t need = t->name == PB_NAME_FULL ? t->n_words - 1 : 0;
	uint32_t id = vocab_find(ix, pb_term_word(t, need), pb_term_wlen(t, need));
	const char *w[64];
	uint32_t len[64];

	if (id == UINT32_MAX)
		return;
	for (uint32_t i = mf->pstart[id]; i < mf->pstart[id + 1]; i++) {
		uint32_t p = mf->post[i], j = mf->dstart[p], e = mf->dstart[p + 1];

		while (j < e) {
			size_t n = 0;

			do {
				if (n < 64) {
					w[n] = word_at(ix, mf->ids[j]);
					len[n++] = ix->wlen[mf->ids[j]];
				}
				j++;
			} while (j < e && mf->pos[j] == mf->pos[j - 1] + 1);
			if (pb_term_author_hits(t, w, len, n)) {
				out[p >> 6] |= 1ULL << (p & 63);
				break;
			}
		}
	}
}

/* The papers where the words of t (one word, a prefix or a phrase) occur in field f. */
static void
words_bits(const struct mx_index *ix, const struct pb_term *t, enum pb_field f, uint64_t *out)
{
	const struct mx_field *mf;
	uint32_t ids[64], lo = 0, hi = 0;
	size_t k = t->n_words, W = ix->W;
	uint64_t *tmp;

	memset(out, 0, W * sizeof *out);
	if (f == PB_FIELD_CAT) {
		for (size_t c = 0; c < ix->n_cats; c++)
			if (pb_term_cat_hits(t, ix->cats[c]))
				for (size_t i = 0; i < W; i++)
					out[i] |= ix->catbits[c * W + i];
		return;
	}
	if (k == 0 || f >= PB_N_TEXT_FIELDS || k > sizeof ids / sizeof ids[0])
		return;
	mf = &ix->f[f];
	for (size_t j = 0; j < k; j++) {
		if (j == k - 1 && t->prefix) {
			prefix_range(ix, pb_term_word(t, j), pb_term_wlen(t, j), &lo, &hi);
			if (lo == hi)
				return;
			continue;
		}
		ids[j] = vocab_find(ix, pb_term_word(t, j), pb_term_wlen(t, j));
		if (ids[j] == UINT32_MAX)
			return;
	}
	if (k == 1) {
		if (!t->prefix)
			or_postings(mf, ids[0], out);
		for (uint32_t r = lo; t->prefix && r < hi; r++)
			or_postings(mf, ix->sorted[r], out);
		return;
	}
	/* A phrase: the papers holding every word, then each checked for adjacency. */
	tmp = pb_xmalloc(W * sizeof *tmp);
	for (size_t j = 0; j < k; j++) {
		memset(tmp, 0, W * sizeof *tmp);
		if (j == k - 1 && t->prefix)
			for (uint32_t r = lo; r < hi; r++)
				or_postings(mf, ix->sorted[r], tmp);
		else
			or_postings(mf, ids[j], tmp);
		if (j == 0)
			memcpy(out, tmp, W * sizeof *tmp);
		else
			for (size_t i = 0; i < W; i++)
				out[i] &= tmp[i];
	}
	free(tmp);
	{
		uint32_t cur = mf->ostart[ids[0]];

		for (size_t i = 0; i < W; i++)
			for (uint64_t b = out[i]; b; b &= b - 1) {
				uint32_t p = (uint32_t)(i * 64 + (size_t)__builtin_ctzll(b));

				if (!phrase_in(ix, mf, p, ids, k, t->prefix, lo, hi, &cur))
					out[i] &= ~(1ULL << (p & 63));
			}
	}
}

void
mx_term_field_bits(const struct mx_index *ix, const struct pb_term *t, enum pb_field f,
		   uint64_t *out)
{
	uint64_t *tmp;

	if (f != PB_FIELD_AU || t->name == PB_NAME_NONE || t->n_words == 0) {
		words_bits(ix, t, f, out);
		return;
	}
	memset(out, 0, ix->W * sizeof *out);
	name_bits(ix, t, out);
	if (t->name == PB_NAME_SURNAME_INITIALS)
		return;
	/* A full name is also a plain phrase ("Del Maestro" inside "Adrian Del Maestro"). */
	tmp = pb_xmalloc((ix->W + 1) * sizeof *tmp);
	words_bits(ix, t, f, tmp);
	for (size_t i = 0; i < ix->W; i++)
		out[i] |= tmp[i];
	free(tmp);
}

uint64_t
mx_hash(const char *s, size_t n)
{
	uint64_t h = pb_fnv1a64(s, n);

	return h ^ (h >> 29);
}
