/* The ranker's vectors: folded words and bigrams of title and abstract, tf-idf weighted, unit
 * length. The folding is the matcher's (fold.h), so "R\'emy" and "Rémy" are one word here
 * as in the rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/fold.h"
#include "paperboy/hash.h"

#include "rank_int.h"

/* English function words (and a few of every abstract's boilerplate) weigh nothing. Sorted
 * for bsearch. */
static const char *const stop[] = {
	"a", "about", "above", "across", "after", "again", "against", "all", "almost", "along",
	"already", "also", "although", "always", "am", "among", "an", "and", "another", "any",
	"are", "around", "as", "at", "be", "became", "because", "become", "been", "before",
	"being", "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do",
	"does", "doing", "done", "down", "due", "during", "each", "either", "else", "enough",
	"etc", "even", "ever", "every", "few", "for", "from", "further", "had", "has", "have",
	"having", "he", "hence", "her", "here", "herein", "hers", "him", "his", "how",
	"however", "i", "ie", "if", "in", "into", "is", "it", "its", "itself", "just", "less",
	"many", "may", "me", "might", "more", "moreover", "most", "much", "must", "my", "namely",
	"neither", "no", "nor", "not", "now", "of", "off", "often", "on", "once", "one", "only",
	"onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out", "over",
	"own", "paper", "per", "rather", "same", "several", "she", "should", "show", "shows",
	"since", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
	"themselves", "then", "there", "thereby", "therefore", "these", "they", "this", "those",
	"though", "through", "thus", "to", "together", "too", "toward", "towards", "under",
	"until", "up", "upon", "us", "use", "used", "uses", "using", "very", "via", "was", "we",
	"well", "were", "what", "when", "where", "whereas", "whether", "which", "while", "who",
	"whole", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet",
	"you", "your",
};

static int
cmp_stop(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

int
rk_stopword(const char *w, size_t len)
{
	char tmp[16];

	if (len >= sizeof tmp)
		return 0;
	memcpy(tmp, w, len);
	tmp[len] = '\0';
	return bsearch(tmp, stop, sizeof stop / sizeof stop[0], sizeof stop[0], cmp_stop) != NULL;
}

/* A word worth a dimension: two bytes or more, not only digits, not a stop word. */
static int
keep_word(const char *w, size_t len)
{
	size_t digits = 0;

	if (len < 2)
		return 0;
	for (size_t i = 0; i < len; i++)
		digits += w[i] >= '0' && w[i] <= '9';
	return digits < len && !rk_stopword(w, len);
}

/* ---- vocabulary ---- */

static void
vocab_grow(struct rk_vocab *v)
{
	size_t n = v->n_slots ? 2 * v->n_slots : 4096, mask = n - 1;

	free(v->slots);
	v->slots = pb_xcalloc(n, sizeof *v->slots);
	v->n_slots = n;
	for (size_t id = 0; id < v->n; id++) {
		size_t i = (size_t)v->hash[id] & mask;

		while (v->slots[i])
			i = (i + 1) & mask;
		v->slots[i] = (uint32_t)id + 1;
	}
}

uint32_t
rk_vocab_get(struct rk_vocab *v, const char *s, size_t len, uint64_t h, int add)
{
	size_t mask, i;

	if (!v->n_slots) {
		if (!add)
			return RK_NONE;
		vocab_grow(v);
	}
	mask = v->n_slots - 1;
	for (i = (size_t)h & mask; v->slots[i]; i = (i + 1) & mask) {
		uint32_t id = v->slots[i] - 1;
		const char *e = v->arena.data + v->off[id];

		if (v->hash[id] == h && memcmp(e, s, len) == 0 && e[len] == '\0')
			return id;
	}
	if (!add)
		return RK_NONE;
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 4096;
		v->hash = pb_xreallocarray(v->hash, v->cap, sizeof *v->hash);
		v->off = pb_xreallocarray(v->off, v->cap, sizeof *v->off);
		v->df = pb_xreallocarray(v->df, v->cap, sizeof *v->df);
	}
	v->hash[v->n] = h;
	v->off[v->n] = (uint32_t)v->arena.len;
	v->df[v->n] = 0;
	pb_buf_append(&v->arena, s, len);
	pb_buf_putc(&v->arena, '\0');
	v->slots[i] = (uint32_t)v->n + 1;
	if (2 * ++v->n > v->n_slots)
		vocab_grow(v);
	return (uint32_t)v->n - 1;
}

const char *
rk_vocab_term(const struct rk_vocab *v, uint32_t id)
{
	return v->arena.data + v->off[id];
}

void
rk_vocab_free(struct rk_vocab *v)
{
	free(v->slots);
	free(v->hash);
	free(v->off);
	free(v->df);
	pb_buf_free(&v->arena);
	memset(v, 0, sizeof *v);
}

/* ---- id sets ---- */

static void
idset_grow(struct rk_idset *s)
{
	size_t n = s->n_slots ? 2 * s->n_slots : 1024, mask = n - 1;
	uint64_t *h = pb_xcalloc(n, sizeof *h);
	char **v = pb_xcalloc(n, sizeof *v);
	uint32_t *val = pb_xcalloc(n, sizeof *val);

	for (size_t i = 0; i < s->n_slots; i++) {
		size_t j;

		if (!s->s[i])
			continue;
		for (j = (size_t)s->h[i] & mask; v[j]; j = (j + 1) & mask)
			;
		v[j] = s->s[i];
		h[j] = s->h[i];
		val[j] = s->v[i];
	}
	free(s->h);
	free(s->s);
	free(s->v);
	s->h = h;
	s->s = v;
	s->v = val;
	s->n_slots = n;
}

int
rk_idset_add(struct rk_idset *s, const char *id, uint32_t **val)
{
	uint64_t h = pb_fnv1a64_str(id);
	size_t mask, i;

	if (2 * (s->n + 1) > s->n_slots)
		idset_grow(s);
	mask = s->n_slots - 1;
	for (i = (size_t)h & mask; s->s[i]; i = (i + 1) & mask)
		if (s->h[i] == h && strcmp(s->s[i], id) == 0) {
			if (val)
				*val = &s->v[i];
			return 0;
		}
	s->s[i] = pb_xstrdup(id);
	s->h[i] = h;
	s->v[i] = 0;
	s->n++;
	if (val)
		*val = &s->v[i];
	return 1;
}

uint32_t
rk_idset_find(const struct rk_idset *s, const char *id)
{
	uint64_t h = pb_fnv1a64_str(id);
	size_t mask = s->n_slots - 1;

	if (!s->n_slots)
		return RK_NONE;
	for (size_t i = (size_t)h & mask; s->s[i]; i = (i + 1) & mask)
		if (s->h[i] == h && strcmp(s->s[i], id) == 0)
			return s->v[i];
	return RK_NONE;
}

void
rk_idset_free(struct rk_idset *s)
{
	for (size_t i = 0; i < s->n_slots; i++)
		free(s->s[i]);
	free(s->s);
	free(s->h);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- a document's terms ---- */

static void
push_hash(struct rk_terms *t, size_t *n, uint64_t h)
{
	if (*n == t->hcap) {
		t->hcap = t->hcap ? 2 * t->hcap : 512;
		t->h = pb_xreallocarray(t->h, t->hcap, sizeof *t->h);
		t->hid = pb_xreallocarray(t->hid, t->hcap, sizeof *t->hid);
	}
	t->h[(*n)++] = h;
}

/* The kept words of one field, then their bigrams (adjacent kept words: sklearn's order of
 * stop word removal before n-grams). Each term's hash goes to t->h, its id to t->hid. */
static void
field_terms(struct rk_vocab *v, const char *s, int add, struct pb_words *w, struct rk_terms *t,
	    size_t *n)
{
	size_t prev = (size_t)-1;

	if (!s)
		return;
	pb_words_reset(w);
	pb_words_add(w, s, strlen(s));
	for (size_t i = 0; i < w->n; i++) {
		const char *x = pb_word(w, i);
		size_t lx = w->len[i];
		uint64_t h;

		if (!keep_word(x, lx))
			continue;
		h = pb_fnv1a64(x, lx);
		push_hash(t, n, h);
		t->hid[*n - 1] = rk_vocab_get(v, x, lx, h, add);
		if (prev != (size_t)-1) {
			struct pb_buf *k = &t->key;

			pb_buf_reset(k);
			pb_buf_append(k, pb_word(w, prev), w->len[prev]);
			pb_buf_putc(k, ' ');
			pb_buf_append(k, x, lx);
			h = pb_fnv1a64(k->data, k->len);
			push_hash(t, n, h);
			t->hid[*n - 1] = rk_vocab_get(v, k->data, k->len, h, add);
		}
		prev = i;
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_pair(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

void
rk_terms_of(struct rk_vocab *v, const struct pb_paper *p, int add, struct rk_terms *out)
{
	struct pb_words w;
	size_t n = 0, nk = 0, nu = 0;
	uint32_t *pairs;

	pb_words_init(&w);
	field_terms(v, p->title, add, &w, out, &n);
	field_terms(v, p->abstract, add, &w, out, &n);
	pb_words_free(&w);
	out->n = out->n_unknown = 0;
	if (n > out->cap) {
		out->cap = n;
		out->id = pb_xreallocarray(out->id, n, sizeof *out->id);
		out->tf = pb_xreallocarray(out->tf, n, sizeof *out->tf);
	}
	if (n > out->ucap) {
		out->ucap = n;
		out->utf = pb_xreallocarray(out->utf, n, sizeof *out->utf);
	}
	/* Known terms: sort (id, 1) pairs and merge; unknown ones: sort their hashes. */
	pairs = pb_xmalloc((2 * n + 1) * sizeof *pairs);
	for (size_t i = 0; i < n; i++)
		if (out->hid[i] != RK_NONE) {
			pairs[2 * nk] = out->hid[i];
			pairs[2 * nk + 1] = 1;
			nk++;
		} else {
			out->h[nu++] = out->h[i];     /* unknown hashes to the front */
		}
	qsort(pairs, nk, 2 * sizeof *pairs, cmp_pair);
	for (size_t i = 0; i < nk; i++) {
		if (out->n && out->id[out->n - 1] == pairs[2 * i]) {
			out->tf[out->n - 1]++;
			continue;
		}
		out->id[out->n] = pairs[2 * i];
		out->tf[out->n++] = 1;
	}
	free(pairs);
	qsort(out->h, nu, sizeof *out->h, cmp_u64);
	for (size_t i = 0; i < nu; i++) {
		if (i && out->h[i] == out->h[i - 1]) {
			out->utf[out->n_unknown - 1]++;
			continue;
		}
		out->utf[out->n_unknown++] = 1;
	}
}

void
rk_terms_free(struct rk_terms *t)
{
	free(t->id);
	free(t->tf);
	free(t->utf);
	free(t->h);
	free(t->hid);
	pb_buf_free(&t->key);
	memset(t, 0, sizeof *t);
}

/* ---- weights ---- */

void
rk_df_bounds(size_t n_docs, size_t *min, size_t *max)
{
	*min = 1;
	*max = n_docs;
	if (n_docs < RK_DF_CUT_DOCS)
		return;
	*min = n_docs / 500 < 1 ? 1 : n_docs / 500 > RK_MIN_DF ? RK_MIN_DF : n_docs / 500;
	*max = (size_t)(RK_MAX_DF * (double)n_docs);
}

static double
idf(size_t n_docs, size_t df)
{
	return log((1.0 + (double)n_docs) / (1.0 + (double)df)) + 1.0;
}

struct rk_vec
rk_weigh(const struct rk_vocab *v, size_t n_docs, const struct rk_terms *t, struct rk_pool *pool)
{
	struct rk_vec out = { pool->n, 0 };
	double norm = 0, rare = idf(n_docs, 1);
	size_t mindf, maxdf;

	if (pool->n + t->n > pool->cap) {
		pool->cap = pool->cap * 2 > pool->n + t->n ? pool->cap * 2 : pool->n + t->n + 1024;
		pool->t = pb_xreallocarray(pool->t, pool->cap, sizeof *pool->t);
		pool->w = pb_xreallocarray(pool->w, pool->cap, sizeof *pool->w);
	}
	rk_df_bounds(n_docs, &mindf, &maxdf);
	/* only the terms that weigh are kept: ascending ids stay ascending */
	for (size_t i = 0; i < t->n; i++) {
		size_t df = v->df[t->id[i]];
		double x;

		if (df < mindf || df > maxdf)
			continue;
		x = (1.0 + log((double)t->tf[i])) * idf(n_docs, df);
		pool->t[pool->n + out.n] = t->id[i];
		pool->w[pool->n + out.n++] = (float)x;
		norm += x * x;
	}
	for (size_t i = 0; i < t->n_unknown && mindf <= 1; i++) {
		double x = (1.0 + log((double)t->utf[i])) * rare;

		norm += x * x;
	}
	norm = norm > 0 ? 1.0 / sqrt(norm) : 0;
	for (uint32_t i = 0; i < out.n; i++)
		pool->w[pool->n + i] = (float)(pool->w[pool->n + i] * norm);
	pool->n += out.n;
	return out;
}

void
rk_pool_free(struct rk_pool *p)
{
	free(p->t);
	free(p->w);
	memset(p, 0, sizeof *p);
}

double
rk_dot(const struct rk_pool *pa, struct rk_vec a, const struct rk_pool *pb, struct rk_vec b)
{
	const uint32_t *ta = pa->t + a.off, *tb = pb->t + b.off;
	const float *wa = pa->w + a.off, *wb = pb->w + b.off;
	size_t i = 0, j = 0;
	double s = 0;

	while (i < a.n && j < b.n) {
		if (ta[i] < tb[j])
			i++;
		else if (ta[i] > tb[j])
			j++;
		else
			s += (double)wa[i++] * wb[j++];
	}
	return s;
}
