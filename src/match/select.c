/* Selecting one subscriber's papers from its candidates: the order of equal scores, the
 * topics' shares of the digest, the skip filter and the ranker's reasons. Shared by the
 * indexed and the reference evaluation, so both select alike. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/match.h"

#include "match_int.h"

/* ---- the order of equal scores ---- */

/* New papers first, then cross-lists, then revisions: at equal score a paper the reader has
 * not seen before is worth more than a new version of an old one. An API result says nothing
 * of its announcement: a version above 1 is a revision, as the renderers show it. */
static int
ann_class(const struct pb_paper *p)
{
	switch (p->announce) {
	case PB_ANN_CROSS:
		return 1;
	case PB_ANN_REPLACE:
	case PB_ANN_REPLACE_CROSS:
		return 2;
	case PB_ANN_UNKNOWN:
		return p->version > 1 ? 2 : 0;
	default:
		return 0;
	}
}

/* How recent an id is: *style 0 for a new-style id ("2411.17790", YYMM.NNNNN), 1 for an
 * old-style one ("hep-th/9901001", archive/YYMMNNN), 2 for anything else; the returned key
 * grows with the submission month and number within the style. */
static unsigned long long
id_key(const char *id, int *style)
{
	const char *d = id ? strchr(id, '/') : NULL;
	unsigned long long key = 0;
	size_t n = 0;
	int yy;

	*style = 2;
	if (!id)
		return 0;
	if (d) {
		d++;
		for (; d[n] >= '0' && d[n] <= '9'; n++)
			key = key * 10 + (unsigned)(d[n] - '0');
		if (n != 7 || d[n])
			return 0;
		yy = (d[0] - '0') * 10 + (d[1] - '0');
		*style = 1;
		/* old-style ids run from 1991 to 2007 */
		return (yy >= 91 ? 19ULL : 20ULL) * 10000000ULL * 100 + key;
	}
	for (; id[n] >= '0' && id[n] <= '9'; n++)
		key = key * 10 + (unsigned)(id[n] - '0');
	if (n != 4 || id[n] != '.')
		return 0;
	d = id + 5;
	for (n = 0; d[n] >= '0' && d[n] <= '9'; n++)
		key = key * 10 + (unsigned)(d[n] - '0');
	if (n < 4 || n > 5 || d[n])
		return 0;
	/* 0704.0001 ... 1412.9999 have four digits, later ids five: make them alike */
	if (n == 4)
		key = key / 10000 * 100000 + key % 10000;
	*style = 0;
	return key;
}

int
pb_match_tie_cmp(const struct pb_paper *a, const struct pb_paper *b)
{
	int ca = ann_class(a), cb = ann_class(b), sa, sb;
	unsigned long long ka, kb;

	if (ca != cb)
		return ca - cb;
	ka = id_key(a->id, &sa);
	kb = id_key(b->id, &sb);
	if (sa != sb)
		return sa - sb;
	if (ka != kb)
		return ka > kb ? -1 : 1;
	return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

void
mx_scratch_init(struct mx_scratch *sc, const struct pb_paperset *ps)
{
	size_t n = ps->n + 1;
	uint32_t *order, *tmp;

	sc->score = pb_xcalloc(n, sizeof *sc->score);
	sc->topic = pb_xcalloc(n, sizeof *sc->topic);
	sc->list = pb_xcalloc(n, sizeof *sc->list);
	sc->rank = pb_xcalloc(n, sizeof *sc->rank);
	sc->flags = pb_xcalloc(n, sizeof *sc->flags);
	sc->seen = pb_xcalloc(n, 1);
	sc->skip = NULL;
	sc->skip_ctx = NULL;
	sc->keep_rest = 1;
	sc->ranker = NULL;
	sc->cands = pb_xcalloc(n, sizeof *sc->cands);
	sc->lanes = NULL;
	sc->n_lanes = 0;
	sc->store = NULL;
	sc->n_store = 0;
	sc->sub_index = 0;
	sc->n = 0;
	/* Each paper's place in the tie order, once per run (merge sort: stable, n log n). */
	order = pb_xcalloc(n, sizeof *order);
	tmp = pb_xcalloc(n, sizeof *tmp);
	for (uint32_t i = 0; i < ps->n; i++)
		order[i] = i;
	for (size_t w = 1; w < ps->n; w *= 2)
		for (size_t lo = 0; lo < ps->n; lo += 2 * w) {
			size_t mid = lo + w < ps->n ? lo + w : ps->n;
			size_t hi = lo + 2 * w < ps->n ? lo + 2 * w : ps->n;
			size_t a = lo, b = mid, k = lo;

			while (a < mid || b < hi) {
				if (b >= hi)
					tmp[k++] = order[a++];
				else if (a >= mid)
					tmp[k++] = order[b++];
				else if (pb_match_tie_cmp(&ps->v[order[a]], &ps->v[order[b]]) <= 0)
					tmp[k++] = order[a++];
				else
					tmp[k++] = order[b++];
			}
			memcpy(order + lo, tmp + lo, (hi - lo) * sizeof *order);
		}
	for (uint32_t i = 0; i < ps->n; i++)
		sc->rank[order[i]] = i;
	free(tmp);
	free(order);
}

void
mx_scratch_free(struct mx_scratch *sc)
{
	free(sc->score);
	free(sc->topic);
	free(sc->list);
	free(sc->rank);
	free(sc->flags);
	free(sc->seen);
	free(sc->cands);
	free(sc->lanes);
	free(sc->store);
}

/* ---- ranking and sharing ---- */

static int
better(const struct mx_scratch *sc, const struct pb_hit *a, const struct pb_hit *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	return sc->rank[a->paper] < sc->rank[b->paper];
}

/* A candidate's sort key: its score, its paper's place in the tie order, where it is. */
struct skey {
	double score;
	uint32_t rank, at;
};

static inline int
skey_before(const struct skey *a, const struct skey *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	return a->rank < b->rank;
}

/* Sorts v[0..n) best first (tmp: room for n): runs of 16 by insertion, then merged side by
 * side. A few hundred candidates per subscriber, each subscriber of a run: the comparison
 * inline and the keys 16 bytes, not qsort's call per comparison over whole hits. */
static void
skey_sort(struct skey *v, struct skey *tmp, size_t n)
{
	struct skey *a = v, *b = tmp, *t;

	for (size_t lo = 0; lo < n; lo += 16) {
		size_t hi = lo + 16 < n ? lo + 16 : n;

		for (size_t i = lo + 1; i < hi; i++) {
			struct skey x = v[i];
			size_t j = i;

			while (j > lo && skey_before(&x, &v[j - 1])) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
	}
	for (size_t w = 16; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				b[k++] = skey_before(&a[j], &a[i]) ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		t = a, a = b, b = t;
	}
	if (a != v)
		memcpy(v, a, n * sizeof *v);
}

/* The lane a candidate goes to: a followed author's paper to the last (they come first, as
 * the reader named them), a hit whose topic is out of range (a subscriber without topics) to
 * the one before, any other to its topic's. */
static size_t
bucket(const struct pb_subscriber *sub, const struct pb_hit *h)
{
	if (h->flags & PB_HIT_FOLLOW)
		return sub->n_topics + 1;
	return h->topic < sub->n_topics ? h->topic : sub->n_topics;
}

static size_t
quota(const struct pb_subscriber *sub, size_t b)
{
	return b < sub->n_topics && sub->topics[b].max_papers > 0 ? (size_t)sub->topics[b].max_papers
								  : 0;
}

/* One topic's candidates during sharing: h[v[at..n)] are those not yet taken, best first. */
struct mx_lane {
	uint32_t *v;
	size_t n, at, taken, limit;
	int in;                 /* taking part in this round of sharing */
};

static int
wants(const struct mx_lane *l)
{
	return l->in && l->at < l->n && l->taken < l->limit;
}

/* Shares up to slots places among the lanes taking part: round by round each takes its next
 * best paper until it reaches its limit or runs out; when fewer places are left than lanes
 * want one, they go to the best papers left in those lanes, one at a time. Appends the chosen
 * (indexes into h) to out and returns how many. */
static size_t
share(const struct mx_scratch *sc, struct mx_lane *ln, size_t n_ln, const struct pb_hit *h,
      size_t slots, uint32_t *out)
{
	size_t filled = 0;

	while (filled < slots) {
		size_t want = 0;

		for (size_t b = 0; b < n_ln; b++)
			want += (size_t)wants(&ln[b]);
		if (!want)
			break;
		if (want <= slots - filled) {
			for (size_t b = 0; b < n_ln; b++)
				if (wants(&ln[b])) {
					out[filled++] = ln[b].v[ln[b].at++];
					ln[b].taken++;
				}
			continue;
		}
		while (filled < slots) {
			size_t best = n_ln;

			for (size_t b = 0; b < n_ln; b++)
				if (wants(&ln[b]) &&
				    (best == n_ln || better(sc, &h[ln[b].v[ln[b].at]],
							    &h[ln[best].v[ln[best].at]])))
					best = b;
			if (best == n_ln)
				break;
			out[filled++] = ln[best].v[ln[best].at++];
			ln[best].taken++;
		}
	}
	return filled;
}

/* The lanes of sub (see bucket), from the scratch's store. */
static struct mx_lane *
lanes(struct mx_scratch *sc, const struct pb_subscriber *sub, size_t *n_ln)
{
	*n_ln = sub->n_topics + 2;
	if (*n_ln > sc->n_lanes) {
		free(sc->lanes);
		sc->lanes = pb_xcalloc(*n_ln, sizeof *sc->lanes);
		sc->n_lanes = *n_ln;
	}
	memset(sc->lanes, 0, *n_ln * sizeof *sc->lanes);
	return sc->lanes;
}

static uint32_t *
store(struct mx_scratch *sc, size_t n)
{
	if (n > sc->n_store) {
		free(sc->store);
		sc->store = pb_xcalloc(n, sizeof *sc->store);
		sc->n_store = n;
	}
	return sc->store;
}

/* Chooses among h's candidates, sorted into lanes, which make the digest: the followed
 * authors' papers first, then the topics with a max_papers of their own take up to that many
 * (sharing round robin if their shares exceed the cap), then the other topics share the rest
 * round robin. Fills out with the chosen (indexes into h, at most cap of them) and returns
 * how many. */
static size_t
pick_fair(const struct mx_scratch *sc, const struct pb_subscriber *sub, struct mx_lane *ln,
	  size_t n_ln, const struct pb_hit *h, size_t cap, uint32_t *out)
{
	size_t follow = n_ln - 1, filled = 0;

	for (int phase = 0; phase < 3; phase++) {
		for (size_t b = 0; b < n_ln; b++) {
			size_t q = quota(sub, b);

			ln[b].in = phase == 0 ? b == follow : phase == 1 ? q > 0 : b != follow && !q;
			ln[b].limit = phase == 1 ? q : (size_t)-1;
		}
		filled += share(sc, ln, n_ln, h, cap - filled, out + filled);
	}
	return filled;
}

/* With a skip filter: every candidate in rank order is asked once, so a paper received
 * earlier gives its place to the next one of its topic; the others left out are the rest. */
static void
finish_filtered(struct mx_scratch *sc, struct pb_selection *sel, const struct pb_paperset *ps,
		const struct pb_hit *c, size_t n, size_t cap)
{
	const struct pb_subscriber *sub = sel->sub;
	struct skey *v = pb_xreallocarray(NULL, 2 * n + 1, sizeof *v);
	struct pb_hit *h = pb_xcalloc(n + 1, sizeof *h);
	unsigned char *pick;
	uint32_t *idx, *chosen;
	size_t kept = 0, n_ln, k;
	struct mx_lane *ln;

	for (size_t i = 0; i < n; i++)
		v[i] = (struct skey){ .score = c[i].score, .rank = sc->rank[c[i].paper],
				      .at = (uint32_t)i };
	skey_sort(v, v + n, n);
	for (size_t i = 0; i < n; i++) {
		const struct pb_hit *x = &c[v[i].at];

		if (sc->skip(sc->skip_ctx, sc->sub_index, &ps->v[x->paper]))
			continue;
		if (x->topic < sub->n_topics)
			sel->topic_matched[x->topic]++;
		h[kept++] = *x;
	}
	free(v);
	sel->n_matched = kept;
	/* each lane's candidates in rank order, side by side */
	ln = lanes(sc, sub, &n_ln);
	idx = store(sc, 2 * kept + 1);
	chosen = idx + kept;
	for (size_t i = 0; i < kept; i++)
		ln[bucket(sub, &h[i])].n++;
	for (size_t b = 0, at = 0; b < n_ln; b++) {
		ln[b].v = idx + at;
		at += ln[b].n;
		ln[b].n = 0;
	}
	for (size_t i = 0; i < kept; i++) {
		struct mx_lane *l = &ln[bucket(sub, &h[i])];

		l->v[l->n++] = (uint32_t)i;
	}
	k = pick_fair(sc, sub, ln, n_ln, h, cap, chosen);
	pick = pb_xcalloc(kept + 1, 1);
	for (size_t i = 0; i < k; i++)
		pick[chosen[i]] = 1;
	sel->hits = pb_xcalloc(k + 1, sizeof *sel->hits);
	for (size_t i = 0; i < kept; i++) {
		if (pick[i]) {
			sel->hits[sel->n_hits++] = h[i];
		} else if (sc->keep_rest) {
			if (!sel->rest)
				sel->rest = pb_xcalloc(kept - i, sizeof *sel->rest);
			sel->rest[sel->n_rest++] = h[i];
		}
	}
	free(pick);
	free(h);
}

/* The most papers lane b can get from pick_fair when the lanes hold cnt[] candidates: a
 * followed author's lane the cap, a topic with a quota its quota, any other what the others'
 * sure places leave. Each phase of pick_fair fills exactly as many places as its lanes can
 * take, and the first g rounds of the last phase are whole (g = its places / its lanes), so
 * every other lane o of that phase gets at least min(cnt[o], g). */
static void
lane_limits(const struct pb_subscriber *sub, struct mx_lane *ln, size_t n_ln, size_t cap)
{
	size_t follow = n_ln - 1, left = cap, lanes2 = 0, sure = 0, g, in_q = 0;

	left -= ln[follow].n < left ? ln[follow].n : left;
	for (size_t b = 0; b < follow; b++) {
		size_t q = quota(sub, b);

		if (q)
			in_q += ln[b].n < q ? ln[b].n : q;
		else
			lanes2 += ln[b].n > 0;
	}
	left -= in_q < left ? in_q : left;
	g = lanes2 ? left / lanes2 : 0;
	for (size_t b = 0; b < follow; b++)
		if (!quota(sub, b))
			sure += ln[b].n < g ? ln[b].n : g;
	for (size_t b = 0; b < n_ln; b++) {
		size_t q = quota(sub, b), mine = ln[b].n < g ? ln[b].n : g;

		if (b == follow)
			ln[b].limit = cap;
		else if (q)
			ln[b].limit = q < cap ? q : cap;
		else
			ln[b].limit = left - (sure - mine);
		if (ln[b].limit > ln[b].n)
			ln[b].limit = ln[b].n;
	}
}

/* Without a skip filter, when the topics must share: each lane (holding its count of
 * candidates) keeps only as many of its best as it can get (lane_limits), by insertion; the
 * chosen are then put in rank order. */
static void
finish_shared(struct mx_scratch *sc, struct pb_selection *sel, const struct pb_hit *c, size_t n,
	      size_t cap, struct mx_lane *ln, size_t n_ln)
{
	const struct pb_subscriber *sub = sel->sub;
	uint32_t *buf = store(sc, (n_ln + 1) * cap + 1), *chosen = buf + n_ln * cap;
	size_t k;

	lane_limits(sub, ln, n_ln, cap);
	for (size_t b = 0; b < n_ln; b++) {
		ln[b].v = buf + b * cap;
		ln[b].n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct mx_lane *l = &ln[bucket(sub, &c[i])];
		size_t j;

		if (l->n == l->limit && (l->limit == 0 || !better(sc, &c[i], &c[l->v[l->n - 1]])))
			continue;
		j = l->n < l->limit ? l->n++ : l->n - 1;
		while (j > 0 && better(sc, &c[i], &c[l->v[j - 1]])) {
			l->v[j] = l->v[j - 1];
			j--;
		}
		l->v[j] = (uint32_t)i;
	}
	k = pick_fair(sc, sub, ln, n_ln, c, cap, chosen);
	for (size_t i = 0; i < k; i++) {
		struct pb_hit h = c[chosen[i]];
		size_t j = sel->n_hits++;

		while (j > 0 && better(sc, &h, &sel->hits[j - 1])) {
			sel->hits[j] = sel->hits[j - 1];
			j--;
		}
		sel->hits[j] = h;
	}
}

/* The ranker's reasons for the hits that made the cut. */
static void
finish_why(struct mx_scratch *sc, struct pb_selection *sel, const struct pb_paperset *ps)
{
	struct pb_buf b = { 0 };

	if (!sc->ranker || !sc->ranker->why || !ps)
		return;
	sel->why = pb_xcalloc(sel->n_hits + 1, sizeof *sel->why);
	for (size_t i = 0; i < sel->n_hits; i++) {
		b.len = 0;
		sc->ranker->why(sc->ranker->ctx, sc->sub_index, ps, &sel->hits[i], &b);
		if (b.len)
			sel->why[i] = pb_xstrndup(b.data, b.len);
	}
	pb_buf_free(&b);
}

/* Turns the papers gathered in sc into a ranked, capped selection and resets sc: the
 * candidates are gathered, the ranker (when set) rescores them, then the topics share the
 * cap. */
void
mx_finish(struct mx_scratch *sc, const struct pb_subscriber *sub, struct pb_selection *sel,
	  const struct pb_paperset *ps)
{
	struct pb_hit *c = sc->cands;
	size_t n = sc->n, cap, k = 0, n_ln, used = 0;
	struct mx_lane *ln;
	int shared = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t p = sc->list[i];

		c[i] = (struct pb_hit){ p, sc->score[p], sc->topic[p], sc->flags[p] };
		sc->seen[p] = 0;
	}
	sc->n = 0;
	if (sc->ranker && sc->ranker->rank && ps && n)
		n = sc->ranker->rank(sc->ranker->ctx, sc->sub_index, ps, c, n);
	cap = sub->max_papers > 0 ? (size_t)sub->max_papers : n;
	sel->sub = sub;
	sel->topic_matched = pb_xcalloc(sub->n_topics + 1, sizeof *sel->topic_matched);
	if (sc->skip && ps) {
		finish_filtered(sc, sel, ps, c, n, cap);
		finish_why(sc, sel, ps);
		return;
	}
	sel->n_matched = n;
	ln = lanes(sc, sub, &n_ln);
	for (size_t i = 0; i < n; i++) {
		if (c[i].topic < sub->n_topics)
			sel->topic_matched[c[i].topic]++;
		ln[bucket(sub, &c[i])].n++;
	}
	/* Sharing matters when several lanes compete for the cap or a topic has more than its
	 * own share. */
	for (size_t b = 0; b < n_ln; b++) {
		used += ln[b].n > 0;
		shared |= quota(sub, b) && ln[b].n > quota(sub, b);
	}
	shared |= used > 1 && n > cap;
	sel->hits = pb_xcalloc((cap < n ? cap : n) + 1, sizeof *sel->hits);
	if (shared) {
		finish_shared(sc, sel, c, n, cap, ln, n_ln);
		finish_why(sc, sel, ps);
		return;
	}
	/* One topic, or room for all: the best cap in order, a handful of insertions. */
	for (size_t i = 0; i < n; i++) {
		struct pb_hit h = c[i];
		size_t j;

		if (k == cap && (cap == 0 || !better(sc, &h, &sel->hits[k - 1])))
			continue;
		j = k < cap ? k++ : k - 1;
		while (j > 0 && better(sc, &h, &sel->hits[j - 1])) {
			sel->hits[j] = sel->hits[j - 1];
			j--;
		}
		sel->hits[j] = h;
	}
	sel->n_hits = k;
	finish_why(sc, sel, ps);
}
