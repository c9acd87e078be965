/* Likes: each subscriber's labels from the config and the state, and the day's papers into the
 * corpus. No network here (lookup.c asks arXiv for what the state lacks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/clock.h"
#include "paperboy/log.h"
#include "paperboy/rank.h"
#include "paperboy/rules.h"
#include "rank_int.h"

void
pb_profile_clear(struct pb_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->likes[i].id);
		free(p->likes[i].via);
	}
	free(p->likes);
	pb_paperset_free(&p->texts);
	memset(p, 0, sizeof *p);
}

void
pb_profiles_free(struct pb_profile *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		pb_profile_clear(&v[i]);
	free(v);
}

static char *
dup_or_null(const char *s)
{
	return s ? pb_xstrdup(s) : NULL;
}

/* A deep copy of p's fields that ranking reads (and the dates). */
static void
paper_copy(struct pb_paper *dst, const struct pb_paper *p)
{
	memset(dst, 0, sizeof *dst);
	dst->id = pb_xstrdup(p->id);
	dst->version = p->version;
	dst->title = dup_or_null(p->title);
	dst->abstract = dup_or_null(p->abstract);
	dst->announce = p->announce;
	dst->published = dup_or_null(p->published);
	dst->updated = dup_or_null(p->updated);
	if (p->n_authors) {
		dst->authors = pb_xcalloc(p->n_authors, sizeof *dst->authors);
		for (size_t i = 0; i < p->n_authors; i++)
			dst->authors[i].name = dup_or_null(p->authors[i].name);
		dst->n_authors = p->n_authors;
		dst->n_authors_all = p->n_authors_all;
	}
	if (p->n_categories) {
		dst->categories = pb_xcalloc(p->n_categories, sizeof *dst->categories);
		for (size_t i = 0; i < p->n_categories; i++)
			dst->categories[i] = pb_xstrdup(p->categories[i]);
		dst->n_categories = p->n_categories;
	}
}

/* Unix seconds of a date's midnight UTC ("YYYY-MM-DD", or the start of an instant), or 0. */
static int64_t
date_time(const char *s)
{
	char d[PB_DATE_LEN];
	long days;

	if (!s || strlen(s) < 10)
		return 0;
	memcpy(d, s, 10);
	d[10] = '\0';
	return pb_date_parse(d, &days) == 0 ? (int64_t)days * 86400 : 0;
}

/* Unix seconds of the last day of the month an arXiv id was given in ("1706.03762": June 2017,
 * "hep-th/9901001": January 1999), or 0. The id is given on the first version's submission,
 * so the paper is from that month at the latest. */
static int64_t
id_time(const char *id)
{
	const char *s = strchr(id, '/');
	char d[PB_DATE_LEN];
	int yy, mm;
	long days;

	s = s ? s + 1 : id;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	yy = (s[0] - '0') * 10 + (s[1] - '0');
	mm = (s[2] - '0') * 10 + (s[3] - '0');
	if (mm < 1 || mm > 12)
		return 0;
	/* old-style ids ran from 1991 to March 2007; new-style ones begin at 0704 */
	yy += s == id || yy < 91 ? 2000 : 1900;
	/* the first of the next month, less a day */
	snprintf(d, sizeof d, "%04d-%02d-01", mm == 12 ? yy + 1 : yy, mm == 12 ? 1 : mm + 1);
	return pb_date_parse(d, &days) == 0 ? (int64_t)(days - 1) * 86400 : 0;
}

/* The date of a liked paper: the day it was announced or looked up, but never after the month
 * of its id: a paper looked up on arXiv (or announced again as a revision) is as old as its
 * first version, not as the day the state learned of it. */
static int64_t
paper_time(const char *id, int64_t seen)
{
	int64_t t = id ? id_time(id) : 0;

	return t && (!seen || t < seen) ? t : seen;
}

struct loader {
	const struct pb_config *cfg;
	struct pb_state *st;
	const struct pb_paperset *day;
	struct pb_buf *warn;
	const struct pb_subscriber *sub;
	struct pb_profile *p;
	size_t cap;
	int64_t day_time;           /* the day's date, for a paper only the day knows */
	/* What the state said of each id, read once for all subscribers (many like the same
	 * papers): the corpus's records (published = its date), and the ids it marks (comment
	 * = why), and those it does not have. */
	struct pb_paperset known, marked, absent;
	/* The subscriber's topics' queries, parsed when a verdict needs them: NULL until then,
	 * or for a subscriber whose verdicts have no home (home_ok 0). */
	struct pb_rule **rules;
	int home_ok;
};

static void
warn_like(struct loader *L, size_t topic, const char *id, const char *why)
{
	if (!L->warn)
		return;
	pb_buf_printf(L->warn, "subscriber %s", L->sub->name);
	if (topic != PB_LIKE_ALL_TOPICS)
		pb_buf_printf(L->warn, ", topic %s", L->sub->topics[topic].name);
	pb_buf_printf(L->warn, ": liked paper %s: %s\n", id, why);
}

static void
remember(struct pb_paperset *set, const char *id, const char *note)
{
	struct pb_paper p;

	memset(&p, 0, sizeof p);
	p.id = pb_xstrdup(id);
	p.comment = note ? pb_xstrdup(note) : NULL;
	pb_paperset_add(set, &p);
	pb_paper_free(&p);
}

/* Looks id up in the state once: returns its index in L->known, or -1 (marked: *why set; or
 * absent). */
static long
from_state(struct loader *L, const char *id, const char **why)
{
	struct pb_paper p;
	char date[16], status[16];
	long at;
	int rc;

	if ((at = pb_paperset_find(&L->known, id)) >= 0)
		return at;
	if ((at = pb_paperset_find(&L->marked, id)) >= 0) {
		*why = L->marked.v[at].comment;
		return -1;
	}
	if (!L->st || pb_paperset_find(&L->absent, id) >= 0)
		return -1;
	memset(&p, 0, sizeof p);
	rc = pb_corpus_get(L->st, id, &p, date);
	if (rc == 1) {
		if (!p.published)
			p.published = pb_xstrdup(date);
		at = (long)pb_paperset_add(&L->known, &p);
		pb_paper_free(&p);
		return at;
	}
	if (rc == 2) {
		pb_corpus_status(L->st, id, status);
		remember(&L->marked, id, strcmp(status, "withdrawn") == 0 ? "withdrawn"
									  : "unknown to arXiv");
		*why = L->marked.v[pb_paperset_find(&L->marked, id)].comment;
		return -1;
	}
	remember(&L->absent, id, NULL);
	return -1;
}

/* Finds id's text: already in the profile, from the state, else from the day. Sets *when to
 * the paper's date. Returns 1 found, 0 not known yet, 2 missing or withdrawn (*why set). */
static int
find_text(struct loader *L, const char *id, int64_t *when, const char **why)
{
	struct pb_paper p;
	long at;

	*when = 0;
	*why = NULL;
	if ((at = pb_paperset_find(&L->p->texts, id)) >= 0) {
		*when = paper_time(id, date_time(L->p->texts.v[at].published));
		return 1;
	}
	if ((at = from_state(L, id, why)) >= 0) {
		paper_copy(&p, &L->known.v[at]);
		*when = paper_time(id, date_time(p.published));
		pb_paperset_add(&L->p->texts, &p);
		pb_paper_free(&p);
		return 1;
	}
	if (*why)
		return 2;
	if (L->day && (at = pb_paperset_find(L->day, id)) >= 0) {
		paper_copy(&p, &L->day->v[at]);
		*when = paper_time(id, L->day_time ? L->day_time : date_time(p.published));
		pb_paperset_add(&L->p->texts, &p);
		pb_paper_free(&p);
		return 1;
	}
	return 0;
}

static void
push(struct loader *L, const char *id, int verdict, int64_t when, size_t topic, const char *via)
{
	struct pb_like *l;

	if (L->p->n == L->cap) {
		L->cap = L->cap ? 2 * L->cap : 16;
		L->p->likes = pb_xreallocarray(L->p->likes, L->cap, sizeof *L->p->likes);
	}
	l = &L->p->likes[L->p->n++];
	memset(l, 0, sizeof *l);
	l->id = pb_xstrdup(id);
	l->verdict = verdict;
	l->when = when;
	l->topic = topic;
	l->via = dup_or_null(via);
}

static void
add_likes(struct loader *L, char *const *like, size_t n, size_t topic)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		int64_t when;
		int version;
		char *id = pb_arxiv_id_split(like[i], &version);

		if (!id) {
			warn_like(L, topic, like[i], "not an arXiv id");
			continue;
		}
		if (find_text(L, id, &when, &why) == 2)
			warn_like(L, topic, id, why);
		else
			push(L, id, +1, when, topic, NULL);
		free(id);
	}
}

static int
add_authors(struct loader *L, char *const *authors, size_t n, size_t topic)
{
	for (size_t i = 0; L->st && i < n; i++) {
		char **ids;
		size_t k;

		if (pb_author_papers_get(L->st, authors[i], &ids, &k) < 0)
			return -1;
		for (size_t j = 0; j < k; j++) {
			const char *why = NULL;
			int64_t when;

			/* An author's paper arXiv no longer shows is simply not one of theirs. */
			if (find_text(L, ids[j], &when, &why) != 2)
				push(L, ids[j], +1, when, topic, authors[i]);
			free(ids[j]);
		}
		free(ids);
	}
	return 0;
}

/* The topic a verdict on p was given in, + 1, or 0 when that cannot be told. A verdict
 * carries no topic, but the reader pressed it under the topic that matched the paper: when
 * exactly one of the subscriber's topics' queries matches, that is the one. A subscriber
 * with a topic without query (a similar one takes any paper) or with a query that does not
 * parse gives its verdicts no home: they count in every topic, as before. */
static size_t
home_of(struct loader *L, const struct pb_paper *p)
{
	const struct pb_subscriber *s = L->sub;
	struct pb_doc d;
	size_t home = 0, hits = 0;

	if (s->n_topics < 2)
		return 0;
	if (!L->rules) {
		L->rules = pb_xcalloc(s->n_topics, sizeof *L->rules);
		L->home_ok = 1;
		for (size_t t = 0; t < s->n_topics && L->home_ok; t++) {
			struct pb_rule_error err;

			if (!s->topics[t].query ||
			    !(L->rules[t] = pb_rule_parse(s->topics[t].query, &err)))
				L->home_ok = 0;
		}
	}
	if (!L->home_ok)
		return 0;
	pb_doc_init(&d, p);
	for (size_t t = 0; t < s->n_topics && hits < 2; t++)
		if (pb_rule_eval(L->rules[t], &d)) {
			home = t + 1;
			hits++;
		}
	pb_doc_free(&d);
	return hits == 1 ? home : 0;
}

static void
rules_free(struct loader *L)
{
	for (size_t t = 0; L->rules && t < L->sub->n_topics; t++)
		pb_rule_free(L->rules[t]);
	free(L->rules);
	L->rules = NULL;
	L->home_ok = 0;
}

static int
add_verdicts(struct loader *L)
{
	struct pb_feedback_row *rows;
	size_t n;
	long at;
	int rc;

	if (!L->st)
		return 0;
	if (pb_feedback_list(L->st, L->sub->name, &rows, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		int64_t when;
		int version;
		char *id = pb_arxiv_id_split(rows[i].paper_id, &version);

		if (!id || !rows[i].verdict)
			goto next;
		rc = find_text(L, id, &when, &why);
		if (rc != 2)
			push(L, id, rows[i].verdict > 0 ? +1 : -1, rows[i].created,
			     PB_LIKE_ALL_TOPICS, NULL);
		if (rc == 1 && (at = pb_paperset_find(&L->p->texts, id)) >= 0)
			L->p->likes[L->p->n - 1].home = home_of(L, &L->p->texts.v[at]);
next:
		free(id);
	}
	pb_feedback_rows_free(rows, n);
	return 0;
}

/* A label and its place in the profile's list, sorted by id, then verdict, topic and place. */
struct settle_ref {
	const struct pb_like *l;
	size_t i;
};

static int
settle_cmp(const void *a, const void *b)
{
	const struct settle_ref *x = a, *y = b;
	int c = strcmp(x->l->id, y->l->id);

	if (c)
		return c;
	if (x->l->verdict != y->l->verdict)
		return x->l->verdict < y->l->verdict ? -1 : 1;
	if (x->l->topic != y->l->topic)
		return x->l->topic < y->l->topic ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
rk_profile_settle(struct pb_profile *p)
{
	unsigned char *keep = pb_xcalloc(p->n + 1, 1);
	struct settle_ref *v = pb_xcalloc(p->n + 1, sizeof *v);
	size_t k = 0;

	/* Each label is judged against every other of its paper, kept or not (a later verdict,
	 * a tie, an earlier duplicate): sorted by paper, a paper's labels are looked at
	 * together, O(n log n) for a reader with tens of thousands of verdicts. */
	for (size_t i = 0; i < p->n; i++)
		v[i] = (struct settle_ref){ &p->likes[i], i };
	qsort(v, p->n, sizeof *v, settle_cmp);
	for (size_t a = 0, b; a < p->n; a = b) {
		int has_pos = 0, has_neg = 0;
		int64_t pos = 0, neg = 0;   /* the latest like, the latest "not for me" */

		for (b = a; b < p->n && strcmp(v[b].l->id, v[a].l->id) == 0; b++) {
			const struct pb_like *l = v[b].l;

			if (l->verdict > 0 && (!has_pos || l->when > pos)) {
				pos = l->when;
				has_pos = 1;
			} else if (l->verdict < 0 && (!has_neg || l->when > neg)) {
				neg = l->when;
				has_neg = 1;
			}
		}
		for (size_t c = a, kept = 0; c < b; c++) {
			const struct pb_like *l = v[c].l;

			if (c > a && (v[c - 1].l->verdict != l->verdict ||
				      v[c - 1].l->topic != l->topic))
				kept = 0;   /* the first of its verdict and topic */
			if (kept)
				continue;   /* a duplicate: an earlier label kept says the same */
			if (l->verdict > 0 && has_neg && neg >= l->when)
				continue;   /* overruled by a later "not for me", or tied with one:
					     * "not for me" is the safer reading */
			if (l->verdict < 0 && has_pos && pos > l->when)
				continue;   /* overruled by a later like */
			keep[v[c].i] = 1;
			kept = 1;
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		if (keep[i]) {
			p->likes[k++] = p->likes[i];
		} else {
			free(p->likes[i].id);
			free(p->likes[i].via);
		}
	}
	p->n = k;
	free(v);
	free(keep);
}

static int
load_one(struct loader *L)
{
	const struct pb_subscriber *s = L->sub;
	int rc;

	add_likes(L, s->like, s->n_like, PB_LIKE_ALL_TOPICS);
	for (size_t t = 0; t < s->n_topics; t++)
		add_likes(L, s->topics[t].like, s->topics[t].n_like, t);
	rc = add_verdicts(L);
	rules_free(L);
	if (rc < 0)
		return -1;
	if (add_authors(L, s->like_authors, s->n_like_authors, PB_LIKE_ALL_TOPICS) < 0)
		return -1;
	for (size_t t = 0; t < s->n_topics; t++)
		if (add_authors(L, s->topics[t].like_authors, s->topics[t].n_like_authors, t) < 0)
			return -1;
	rk_profile_settle(L->p);
	/* The texts are all in now: the pointers stay valid. */
	for (size_t i = 0; i < L->p->n; i++) {
		long at = pb_paperset_find(&L->p->texts, L->p->likes[i].id);

		L->p->likes[i].paper = at >= 0 ? &L->p->texts.v[at] : NULL;
		if (!L->p->likes[i].when && at >= 0)
			L->p->likes[i].when = paper_time(L->p->likes[i].id,
							 date_time(L->p->texts.v[at].published));
	}
	return 0;
}

int
pb_profiles_load(const struct pb_config *cfg, struct pb_state *st, const struct pb_paperset *day,
		 struct pb_profile **out, struct pb_buf *warn)
{
	struct pb_profile *v = pb_xcalloc(cfg->n_subscribers + 1, sizeof *v);
	struct loader L = { .cfg = cfg, .st = st, .day = day, .warn = warn };

	if (day && day->announce_date)
		L.day_time = date_time(day->announce_date);
	pb_paperset_init(&L.known);
	pb_paperset_init(&L.marked);
	pb_paperset_init(&L.absent);
	*out = NULL;
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		L.sub = &cfg->subscribers[i];
		L.p = &v[i];
		L.cap = 0;
		pb_paperset_init(&v[i].texts);
		if (load_one(&L) < 0) {
			pb_profiles_free(v, cfg->n_subscribers);
			v = NULL;
			break;
		}
	}
	pb_paperset_free(&L.absent);
	pb_paperset_free(&L.marked);
	pb_paperset_free(&L.known);
	*out = v;
	return v ? 0 : -1;
}

int
pb_likes_record_day(const struct pb_config *cfg, struct pb_state *st,
		    const struct pb_paperset *day, const char *date)
{
	char before[PB_DATE_LEN];
	long days;
	int corpus_days = cfg->rank.corpus_days > 0 ? cfg->rank.corpus_days : 120;
	int pruned, rc = -1;

	if (!st || !day || pb_date_parse(date, &days) < 0)
		return -1;
	if (pb_state_begin(st) < 0)
		return -1;
	for (size_t i = 0; i < day->n; i++)
		if (day->v[i].id && pb_corpus_put(st, &day->v[i], date) < 0)
			goto out;
	pb_date_format(days - corpus_days, before);
	if ((pruned = pb_corpus_prune(st, before)) < 0)
		goto out;
	if (pb_author_papers_prune(st, pb_now() - (int64_t)corpus_days * 86400) < 0)
		goto out;
	if (pb_state_commit(st) < 0)
		goto out;
	pb_info("rank.corpus", "date=%s recorded=%zu pruned=%d before=%s", date, day->n, pruned,
		before);
	rc = 0;
out:
	if (rc < 0 && pb_state_in_transaction(st))
		pb_state_rollback(st);
	return rc;
}
