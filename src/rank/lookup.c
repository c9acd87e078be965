/* Looking up on arXiv what the state lacks for the likes: liked ids the corpus does not know
 * (id_list, in batches) and the papers of liked authors (one au: query each), through the
 * fetch module and its HTTP client (arXiv's shared request spacing, retries, conditional GET).
 * Everything asked is remembered, found or not, so it is asked once. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/fetch.h"
#include "paperboy/fetch_claim.h"
#include "paperboy/fold.h"
#include "paperboy/log.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"

#define AUTHOR_MAX_RESULTS 200   /* an author's newest papers; enough to learn a taste from */

/* A list of distinct strings, each with the first subscriber that named it. Thousands of
 * subscribers like tens of papers each: membership goes through a paper set's hash (its
 * records carry only the string, as id). */
struct wanted {
	char **v;
	const char **who;
	size_t n, cap;
	struct pb_paperset seen;
};

static void
wanted_add(struct wanted *w, const char *s, const char *who)
{
	struct pb_paper p;

	if (pb_paperset_find(&w->seen, s) >= 0)
		return;
	memset(&p, 0, sizeof p);
	p.id = pb_xstrdup(s);
	pb_paperset_add(&w->seen, &p);
	pb_paper_free(&p);
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->v = pb_xreallocarray(w->v, w->cap, sizeof *w->v);
		w->who = pb_xreallocarray(w->who, w->cap, sizeof *w->who);
	}
	w->v[w->n] = pb_xstrdup(s);
	w->who[w->n++] = who;
}

static void
wanted_free(struct wanted *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	free(w->who);
	pb_paperset_free(&w->seen);
	memset(w, 0, sizeof *w);
}

static void
add_ids(struct wanted *w, char *const *like, size_t n, const char *who)
{
	for (size_t i = 0; i < n; i++) {
		int version;
		char *id = pb_arxiv_id_split(like[i], &version);

		if (id)
			wanted_add(w, id, who);
		free(id);
	}
}

/* The papers of a subscriber's verdicts: their texts are pruned with the corpus like any
 * other, and a "more like this" of five months ago is a label as much as a `like`. */
static int
add_verdicts(struct wanted *w, struct pb_state *st, const char *who)
{
	struct pb_feedback_row *rows;
	size_t n;

	if (pb_feedback_list(st, who, &rows, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int version;
		char *id = rows[i].verdict ? pb_arxiv_id_split(rows[i].paper_id, &version) : NULL;

		if (id)
			wanted_add(w, id, who);
		free(id);
	}
	pb_feedback_rows_free(rows, n);
	return 0;
}

static void
add_names(struct wanted *w, char *const *names, size_t n, const char *who)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && *names[i])
			wanted_add(w, names[i], who);
}

static int
starts_ci(const char *s, const char *pre)
{
	while (s && isspace((unsigned char)*s))
		s++;
	return s && strncasecmp(s, pre, strlen(pre)) == 0;
}

/* arXiv shows a withdrawn paper by a last version whose comment (and often abstract) says so:
 * "This paper has been withdrawn by the author(s)". */
static int
is_withdrawn(const struct pb_paper *p)
{
	static const char *const notes[] = { "this paper has been withdrawn",
		"this submission has been withdrawn", "this article has been withdrawn",
		"this manuscript has been withdrawn", "withdrawn" };
	const char *texts[2] = { p->comment, p->abstract };

	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
			if (starts_ci(texts[t], notes[i]))
				return 1;
	return 0;
}

static int
is_particle(const char *w, size_t n)
{
	static const char *const parts[] = { "de", "del", "della", "der", "den", "van", "von",
		"da", "di", "du", "la", "le", "dos", "das", "ten", "ter", "bin", "al", "el", "st",
		"st." };

	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (strlen(parts[i]) == n && strncasecmp(w, parts[i], n) == 0)
			return 1;
	return 0;
}

/* Splits a name as people write it ("Adrian Del Maestro", "A. Del Maestro", "Del Maestro,
 * Adrian") into its surname ("Del Maestro") and the first initial ('A', or 0). */
static void
split_name(const char *name, struct pb_buf *surname, char *initial)
{
	const char *comma = strchr(name, ',');
	const char *w[32];
	size_t wl[32], n = 0, first;
	const char *s;

	pb_buf_reset(surname);
	*initial = 0;
	if (comma) {
		const char *e = comma;

		while (e > name && isspace((unsigned char)e[-1]))
			e--;
		s = name;
		while (s < e && isspace((unsigned char)*s))
			s++;
		pb_buf_append(surname, s, (size_t)(e - s));
		for (s = comma + 1; *s && !isalpha((unsigned char)*s); s++)
			;
		*initial = (char)toupper((unsigned char)*s);
		return;
	}
	for (s = name; *s && n < 32;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		w[n] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		wl[n] = (size_t)(s - w[n]);
		n++;
	}
	if (!n)
		return;
	first = n - 1;
	while (first > 1 && is_particle(w[first - 1], wl[first - 1]))
		first--;
	for (size_t i = first; i < n; i++) {
		if (i > first)
			pb_buf_putc(surname, ' ');
		pb_buf_append(surname, w[i], wl[i]);
	}
	if (first > 0 && isalpha((unsigned char)w[0][0]))
		*initial = (char)toupper((unsigned char)w[0][0]);
}

/* A byte of a surname that may stand in a query term: letters and digits (UTF-8 included),
 * and inside the quoted form also space, hyphen, dot and apostrophe. Quotes, colons,
 * parentheses, commas, TeX's backslashes and braces, and control bytes are left out, so the
 * name cannot end or change the query. */
static int
query_byte(unsigned char c, int quoted)
{
	if (isalnum(c) || c >= 0x80)
		return 1;
	return quoted && (c == ' ' || c == '-' || c == '.' || c == '\'');
}

void
pb_likes_author_query(const char *name, struct pb_buf *q)
{
	struct pb_buf sur = { 0 }, term = { 0 };
	char ini;
	int gap = 0;

	split_name(name, &sur, &ini);
	for (size_t i = 0; i < sur.len; i++) {
		unsigned char c = (unsigned char)sur.data[i];

		if (isspace(c) || c == '-') {
			gap = term.len > 0;
		} else if (query_byte(c, 0)) {
			if (gap)
				pb_buf_putc(&term, '_');
			pb_buf_putc(&term, (char)c);
			gap = 0;
		}
	}
	if (term.len) {
		pb_buf_puts(q, "au:\"");
		for (size_t i = 0; i < sur.len; i++) {
			unsigned char c = (unsigned char)sur.data[i];

			if (query_byte(c, 1))
				pb_buf_putc(q, (char)c);
			else if (isspace(c))
				pb_buf_putc(q, ' ');
		}
		if (ini)
			pb_buf_printf(q, ", %c", ini);
		pb_buf_printf(q, "\" OR au:%s", term.data);
		if (ini)
			pb_buf_printf(q, "_%c", ini);
	}
	pb_buf_free(&term);
	pb_buf_free(&sur);
}

/* Whether a paper's author is the name asked for. An au: query also finds namesakes. */
static int
same_folded(const char *want_sur, char want_ini, const char *listed)
{
	struct pb_buf sur = { 0 }, fa = { 0 };
	char ini;
	int same;

	split_name(listed, &sur, &ini);
	pb_fold(sur.data ? sur.data : "", sur.len, &fa);
	same = fa.data && *want_sur && strcmp(fa.data, want_sur) == 0 &&
	       (!want_ini || !ini || ini == want_ini);
	pb_buf_free(&fa);
	pb_buf_free(&sur);
	return same;
}

/* name's folded surname into fs and its first initial into *ini. */
static void
name_key(const char *name, struct pb_buf *fs, char *ini)
{
	struct pb_buf sur = { 0 };

	split_name(name, &sur, ini);
	pb_fold(sur.data ? sur.data : "", sur.len, fs);
	pb_buf_free(&sur);
}

int
pb_likes_same_author(const char *name, const char *listed)
{
	struct pb_buf fs = { 0 };
	char ini;
	int same;

	name_key(name, &fs, &ini);
	same = fs.data && same_folded(fs.data, ini, listed);
	pb_buf_free(&fs);
	return same;
}

static int
by_author(const struct pb_paper *p, const char *name)
{
	struct pb_buf fs = { 0 };
	char ini;
	int hit = 0;

	name_key(name, &fs, &ini);
	for (size_t i = 0; fs.data && !hit && i < p->n_authors; i++)
		hit = p->authors[i].name && same_folded(fs.data, ini, p->authors[i].name);
	pb_buf_free(&fs);
	return hit;
}

static void
today(char out[16])
{
	char t[32];

	pb_format_instant(pb_now(), t, sizeof t);
	snprintf(out, 16, "%.10s", t);
}

/* Stores one answered batch: found papers into the corpus, the rest marked. 0 / -1. */
static int
store_batch(struct pb_state *st, const struct wanted *w, size_t at, size_t n,
	    const struct pb_paperset *got, const char *date)
{
	if (pb_state_begin(st) < 0)
		return -1;
	for (size_t i = at; i < at + n; i++) {
		long k = pb_paperset_find(got, w->v[i]);
		int rc;

		if (k < 0) {
			pb_warn("rank.like_unknown", "subscriber=%s id=%s reason=%s", pb_q(w->who[i]),
				pb_q(w->v[i]), pb_q("unknown to arXiv"));
			rc = pb_corpus_mark(st, w->v[i], "missing");
		} else if (is_withdrawn(&got->v[k])) {
			pb_warn("rank.like_unknown", "subscriber=%s id=%s reason=withdrawn",
				pb_q(w->who[i]), pb_q(w->v[i]));
			rc = pb_corpus_mark(st, w->v[i], "withdrawn");
		} else {
			rc = pb_corpus_put(st, &got->v[k], date);
		}
		if (rc < 0) {
			pb_state_rollback(st);
			return -1;
		}
	}
	return pb_state_commit(st);
}

/* What a failed lookup means for the run: another machine took the claim over (the transfer
 * was stopped for that, and its outcome is awaited) or the ranking goes on without it. arXiv
 * asking to retry later than the HTTP client waits holds every request to it (the feed, the
 * full text, the other machines') till then: asking sooner is what its guidance takes for
 * abuse. */
static void
lookup_failed(struct pb_state *st, const struct pb_claim_hold *k, const char *what,
	      const char *value, const struct pb_fetch_result *res)
{
	const char *error = res->message;

	if (res->retry_after_s > 0)
		pb_arxiv_wait_hold(st, res->retry_after_s);
	if (pb_claim_hold_lost(k))
		pb_info("rank.lookup", "%s=%s error=%s note=%s", what, value, pb_q(error),
			pb_q("another machine took the lookups over; its outcome is awaited"));
	else
		pb_warn("rank.lookup", "%s=%s error=%s note=%s", what, value, pb_q(error),
			pb_q("ranking goes on with what the state has"));
}

static int
lookup_ids(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
	   const struct pb_claim_hold *k, struct wanted *w, size_t *budget, const char *date)
{
	size_t batch = cfg->arxiv.idlist_batch > 0 ? (size_t)cfg->arxiv.idlist_batch : 100;
	struct wanted ask = { 0 };
	int rc = 0;

	size_t deferred = 0;

	for (size_t i = 0; i < w->n; i++) {
		char status[16];
		int known = pb_corpus_status(st, w->v[i], status);

		if (known < 0) {
			wanted_free(&ask);
			return -1;
		}
		if (known == 0 && ask.n == *budget)
			deferred++;
		else if (known == 0)
			wanted_add(&ask, w->v[i], w->who[i]);
	}
	if (deferred)
		pb_info("rank.lookup", "deferred=%zu note=%s", deferred,
			pb_q("liked ids past rank.lookup_max; asked on a later run"));
	*budget -= ask.n;
	for (size_t at = 0; at < ask.n; at += batch) {
		size_t n = ask.n - at < batch ? ask.n - at : batch;
		struct pb_paperset got;
		struct pb_fetch_result res;

		pb_paperset_init(&got);
		if (pb_fetch_idlist(h, cfg, (const char *const *)ask.v + at, n, &got, &res) !=
		    PB_FETCH_OK) {
			char nids[24];

			snprintf(nids, sizeof nids, "%zu", n);
			lookup_failed(st, k, "ids", nids, &res);
			pb_paperset_free(&got);
			rc = -1;
			break;
		}
		if (store_batch(st, &ask, at, n, &got, date) < 0)
			rc = -1;
		pb_info("rank.lookup", "ids=%zu found=%zu requests=%zu", n, got.n,
			res.n_requests);
		pb_paperset_free(&got);
		if (rc)
			break;
	}
	wanted_free(&ask);
	return rc;
}

static int
lookup_author(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
	      const struct pb_claim_hold *k, const char *name, const char *date)
{
	struct pb_buf q = { 0 };
	struct pb_paperset got;
	struct pb_fetch_result res;
	const char **ids = NULL;
	size_t n = 0;
	int rc = -1;

	pb_paperset_init(&got);
	pb_likes_author_query(name, &q);
	if (!q.len) {
		rc = pb_author_papers_put(st, name, NULL, 0);
		goto out;
	}
	if (pb_fetch_search(h, cfg, q.data, AUTHOR_MAX_RESULTS, &got, &res) != PB_FETCH_OK) {
		lookup_failed(st, k, "author", pb_q(name), &res);
		goto out;
	}
	ids = pb_xcalloc(got.n + 1, sizeof *ids);
	if (pb_state_begin(st) < 0)
		goto out;
	for (size_t i = 0; i < got.n; i++) {
		if (!by_author(&got.v[i], name) || is_withdrawn(&got.v[i]))
			continue;
		if (pb_corpus_put(st, &got.v[i], date) < 0)
			goto fail;
		ids[n++] = got.v[i].id;
	}
	if (pb_author_papers_put(st, name, ids, n) < 0)
		goto fail;
	if (pb_state_commit(st) < 0)
		goto out;
	pb_info("rank.lookup", "author=%s query=%s results=%zu papers=%zu", pb_q(name),
		pb_q(q.data), got.n, n);
	rc = 0;
	goto out;
fail:
	pb_state_rollback(st);
out:
	free(ids);
	pb_paperset_free(&got);
	pb_buf_free(&q);
	return rc;
}

/* The lookups themselves: the liked ids, then the liked authors not yet looked up, within
 * *budget requests. 0, or -1 when the network or the state failed (logged). */
static int
lookup_all(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
	   const struct pb_claim_hold *k, struct wanted *ids, struct wanted *authors,
	   size_t *budget, const char *date)
{
	size_t deferred = 0;
	int rc = 0;

	if (ids->n && lookup_ids(cfg, st, h, k, ids, budget, date) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < authors->n; i++) {
		int done = pb_author_papers_looked_up(st, authors->v[i]);

		if (done != 0) {
			rc = done < 0 ? -1 : 0;
			continue;
		}
		if (!*budget) {
			deferred++;
			continue;
		}
		(*budget)--;
		if (lookup_author(cfg, st, h, k, authors->v[i], date) < 0)
			rc = -1;
	}
	if (deferred)
		pb_info("rank.lookup", "deferred_authors=%zu note=%s", deferred,
			pb_q("liked authors past rank.lookup_max; asked on a later run"));
	return rc;
}

/* Several machines on one state: the lookups of a day are made by one machine (a claim,
 * "lookup:" and the date, held as the announcement's fetch holds its claim: one lease, renewed
 * while the lookups run, pb_claim_hold_new); a machine that finds another at them waits as
 * long as that claim is renewed, and one that finds them done by another makes none: what
 * they found is in the state (liked papers in the corpus, authors marked as looked up), and
 * arXiv is asked once a day as with one machine. A claim whose machine died is taken over a
 * lease after its last renewal. Returns 1 when this machine holds the claim
 * (pb_fetch_claim_finish ends it), -1 when another machine made today's lookups or the run
 * is stopping, 0 when the claim could not be had (the lookups are made anyway: asking twice
 * loses nothing). */
static int
lookup_claim(struct pb_state *st, struct pb_http *h, const char *key, int lease)
{
	int64_t give_up = (int64_t)time(NULL) + pb_claim_wait_max_s(lease);
	int waited = 0;

	for (;;) {
		int64_t now = (int64_t)time(NULL);
		/* failed: taken again at once; done by another machine: never today */
		int c = pb_fetch_claim_take(st, key, now, lease, 0, -1);

		if (c == PB_FETCH_CLAIM_MINE)
			return 1;
		if (c == PB_FETCH_CLAIM_DONE) {
			pb_info("rank.lookup", "note=%s", pb_q("another machine made today's lookups"));
			return -1;
		}
		if (c < 0) {
			pb_warn("rank.lookup_claim", "error=%s", pb_q(pb_state_errmsg(st)));
			return 0;
		}
		if (pb_http_stopping(h)) {
			pb_info("rank.lookup", "note=%s", pb_q("stopped while another machine looks up"));
			return -1;
		}
		if (now > give_up) {
			pb_warn("rank.lookup_claim", "key=%s note=%s", key,
				pb_q("another machine's lookups outlived their claim; asking anyway"));
			return 0;
		}
		if (!waited++)
			pb_info("rank.lookup_waiting", "key=%s", pb_q(key));
		pb_claim_wait_step(st, lease, NULL);
	}
}

int
pb_likes_lookup(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h)
{
	struct wanted ids = { 0 }, authors = { 0 };
	size_t budget = cfg->rank.lookup_max > 0 ? (size_t)cfg->rank.lookup_max : 0;
	char date[16], key[32];
	int rc = 0, claimed = 0, lease = pb_claim_lease_s(cfg), window;
	int64_t left;

	if (!st || !h)
		return 0;
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		const struct pb_subscriber *sub = &cfg->subscribers[s];

		add_ids(&ids, sub->like, sub->n_like, sub->name);
		add_names(&authors, sub->like_authors, sub->n_like_authors, sub->name);
		for (size_t t = 0; t < sub->n_topics; t++) {
			add_ids(&ids, sub->topics[t].like, sub->topics[t].n_like, sub->name);
			add_names(&authors, sub->topics[t].like_authors,
				  sub->topics[t].n_like_authors, sub->name);
		}
	}
	/* the verdicts' papers after every `like`, which lookup_max serves first; read in one
	 * read window, as the profiles read them */
	window = pb_state_read_window(st, 1);
	for (size_t s = 0; s < cfg->n_subscribers && rc == 0; s++)
		if (add_verdicts(&ids, st, cfg->subscribers[s].name) < 0) {
			pb_warn("rank.lookup", "subscriber=%s error=%s",
				pb_q(cfg->subscribers[s].name), pb_q(pb_state_errmsg(st)));
			rc = -1;
		}
	if (window == 1)
		pb_state_read_window(st, 0);
	if (rc < 0)
		goto out;
	if (!ids.n && !authors.n)
		goto out;
	if (pb_http_denied(h)) {
		/* The feed's fetch was refused (logged as arxiv.denied): asking again is what
		 * arXiv takes for an attack. The next run looks them up. */
		pb_info("rank.lookup", "note=%s", pb_q("arXiv denied this client access (403) "
			"earlier in this run; the lookups wait for the next run"));
		goto out;
	}
	if ((left = pb_arxiv_wait_left(st)) > 0) {
		char why[160], note[256];

		/* A Retry-After answered to the feed, the full text or the lookups, here or on
		 * another machine: the profiles are made from what the state has. */
		pb_arxiv_wait_say(left, why, sizeof why);
		snprintf(note, sizeof note, "%s; the lookups wait for a later run", why);
		pb_info("rank.lookup", "wait_s=%lld note=%s", (long long)left, pb_q(note));
		goto out;
	}
	today(date);
	snprintf(key, sizeof key, "lookup:%s", date);
	for (;;) {
		struct pb_claim_hold *k;
		int lost;

		claimed = lookup_claim(st, h, key, lease);
		if (claimed < 0)
			goto out;
		k = claimed > 0 ? pb_claim_hold_new(h, st, key, lease, "rank.lookup_claim",
						     "lookups") : NULL;
		rc = lookup_all(cfg, st, h, k, &ids, &authors, &budget, date);
		lost = pb_claim_hold_lost(k);
		pb_claim_hold_free(k);
		if (!lost)
			break;
		/* Another machine makes (or has made) the lookups: its outcome is awaited, and
		 * what this machine stored before it gave up stays (each answer is whole). */
		rc = 0;
	}
	if (claimed > 0 && pb_fetch_claim_finish(st, key, rc == 0, NULL, 0, 0, NULL) < 0)
		pb_warn("rank.lookup_claim", "error=%s", pb_q(pb_state_errmsg(st)));
out:
	wanted_free(&ids);
	wanted_free(&authors);
	return rc;
}
