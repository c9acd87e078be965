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

struct loader {
	const struct pb_config *cfg;
	struct pb_state *st;
	const struct pb_paperset *day;
	struct pb_buf *warn;
	const struct pb_subscriber *sub;
	struct pb_profile *p;
	size_t cap;
	int64_t day_time;           /* the day's date, for a paper only the day knows */
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

/* Finds id's text: already in the profile, from the corpus, else from the day. Sets *when to
 * the paper's date. Returns 1 found, 0 not known yet, 2 missing or withdrawn (*why set). */
static int
find_text(struct loader *L, const char *id, int64_t *when, const char **why)
{
	struct pb_paper p;
	char date[16], status[16];
	long at;
	int rc;

	*when = 0;
	if (pb_paperset_find(&L->p->texts, id) >= 0)
		return 1;
	if (L->st) {
		rc = pb_corpus_get(L->st, id, &p, date);
		if (rc == 1) {
			*when = date_time(p.published ? p.published : date);
			pb_paperset_add(&L->p->texts, &p);
			pb_paper_free(&p);
			return 1;
		}
		if (rc == 2) {
			pb_corpus_status(L->st, id, status);
			*why = strcmp(status, "withdrawn") == 0 ? "withdrawn"
								: "unknown to arXiv";
			return 2;
		}
	}
	if (L->day && (at = pb_paperset_find(L->day, id)) >= 0) {
		paper_copy(&p, &L->day->v[at]);
		*when = L->day_time ? L->day_time : date_time(p.published);
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

static int
add_verdicts(struct loader *L)
{
	struct pb_feedback_row *rows;
	size_t n;

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
		if (find_text(L, id, &when, &why) != 2)
			push(L, id, rows[i].verdict > 0 ? +1 : -1, rows[i].created,
			     PB_LIKE_ALL_TOPICS, NULL);
next:
		free(id);
	}
	pb_feedback_rows_free(rows, n);
	return 0;
}

/* A paper both liked and disliked keeps the later verdict's labels only; then one label per
 * (id, topic), the first given (a `like` before an author's paper). */
static void
settle(struct pb_profile *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct pb_like *l = &p->likes[i];
		int keep = 1;

		for (size_t j = 0; j < p->n && keep; j++) {
			struct pb_like *o = &p->likes[j];

			if (j == i || strcmp(o->id, l->id) != 0)
				continue;
			if (o->verdict != l->verdict && o->when > l->when)
				keep = 0;    /* overruled by a later verdict */
			else if (o->verdict != l->verdict && o->when == l->when && o->verdict < 0)
				keep = 0;    /* a tie: "not for me" is the safer reading */
			else if (j < i && o->verdict == l->verdict && o->topic == l->topic)
				keep = 0;    /* a duplicate */
		}
		if (keep) {
			p->likes[k++] = *l;
		} else {
			free(l->id);
			free(l->via);
		}
	}
	p->n = k;
}

static int
load_one(struct loader *L)
{
	const struct pb_subscriber *s = L->sub;

	add_likes(L, s->like, s->n_like, PB_LIKE_ALL_TOPICS);
	for (size_t t = 0; t < s->n_topics; t++)
		add_likes(L, s->topics[t].like, s->topics[t].n_like, t);
	if (add_verdicts(L) < 0)
		return -1;
	if (add_authors(L, s->like_authors, s->n_like_authors, PB_LIKE_ALL_TOPICS) < 0)
		return -1;
	for (size_t t = 0; t < s->n_topics; t++)
		if (add_authors(L, s->topics[t].like_authors, s->topics[t].n_like_authors, t) < 0)
			return -1;
	settle(L->p);
	/* The texts are all in now: the pointers stay valid. */
	for (size_t i = 0; i < L->p->n; i++) {
		long at = pb_paperset_find(&L->p->texts, L->p->likes[i].id);

		L->p->likes[i].paper = at >= 0 ? &L->p->texts.v[at] : NULL;
		if (!L->p->likes[i].when && at >= 0)
			L->p->likes[i].when = date_time(L->p->texts.v[at].published);
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
	*out = NULL;
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		L.sub = &cfg->subscribers[i];
		L.p = &v[i];
		L.cap = 0;
		pb_paperset_init(&v[i].texts);
		if (load_one(&L) < 0) {
			pb_profiles_free(v, cfg->n_subscribers);
			return -1;
		}
	}
	*out = v;
	return 0;
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
	return 0;
out:
	if (pb_state_in_transaction(st))
		pb_state_rollback(st);
	return rc;
}
