/* The checks of every subscriber's rules that `check` runs after loading (and a reload must
 * run too): all parse errors, not the first; and warnings for what parses but will not do what
 * it seems to say. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "paperboy/buf.h"
#include "paperboy/categories.h"
#include "paperboy/hash.h"
#include "paperboy/papers.h"
#include "paperboy/rules.h"

#define MAX_CONJ 256          /* alternatives examined per rule; more and no verdict is given */
#define MAX_LIT 32            /* category terms per alternative */

/* Rule texts already found clean (no error, no warning), borrowed from the config: the
 * findings depend only on the text and the config's categories, so a text many subscribers
 * write alike is parsed once. */
struct clean {
	const char **slot;     /* open addressing, a power of two long, at most half full */
	uint64_t *hash;
	size_t cap, n;
};

struct report {
	const struct pb_config *cfg;
	const char *prefix;
	struct pb_buf *out;
	size_t n_errors, n_warnings;
	struct clean clean[2];    /* [reach] */
};

static size_t
clean_find(const struct clean *c, const char *q, uint64_t h)
{
	size_t i = h & (c->cap - 1);

	while (c->slot[i] && (c->hash[i] != h || strcmp(c->slot[i], q) != 0))
		i = (i + 1) & (c->cap - 1);
	return i;
}

static bool
clean_has(const struct clean *c, const char *q)
{
	return c->n && c->slot[clean_find(c, q, pb_fnv1a64_str(q))] != NULL;
}

static void
clean_add(struct clean *c, const char *q)
{
	uint64_t h = pb_fnv1a64_str(q);
	size_t i;

	if ((c->n + 1) * 2 > c->cap) {
		struct clean g = { NULL, NULL, c->cap ? c->cap * 2 : 64, c->n };

		g.slot = pb_xcalloc(g.cap, sizeof *g.slot);
		g.hash = pb_xcalloc(g.cap, sizeof *g.hash);
		for (size_t j = 0; j < c->cap; j++)
			if (c->slot[j]) {
				size_t k = clean_find(&g, c->slot[j], c->hash[j]);

				g.slot[k] = c->slot[j];
				g.hash[k] = c->hash[j];
			}
		free(c->slot);
		free(c->hash);
		*c = g;
	}
	i = clean_find(c, q, h);
	if (!c->slot[i]) {
		c->slot[i] = q;
		c->hash[i] = h;
		c->n++;
	}
}

/* Where a rule lives, for messages: "FILE:LINE: KEY: subscriber S[, topic T][, WHAT]". */
struct where {
	const struct pb_subscriber *sub;
	size_t si;
	const struct pb_topic *topic;    /* NULL for the subscriber's own */
	size_t ti;
	const char *key;                 /* "query", "exclude", "follow_authors" */
	size_t elem;                     /* exclude N (from 1), 0 = not a list element */
};

/* The line of the rule itself when the loader knew it, else its topic's or subscriber's. */
static int
where_line(const struct where *w)
{
	int line = 0;

	if (w->topic && strcmp(w->key, "query") == 0) {
		line = w->topic->query_line;
	} else if (strcmp(w->key, "exclude") == 0 && w->elem) {
		const int *lines = w->topic ? w->topic->exclude_lines : w->sub->exclude_lines;

		line = lines ? lines[w->elem - 1] : 0;
	}
	if (line > 0)
		return line;
	return w->topic ? w->topic->line : w->sub->line;
}

static void
put_where(struct report *R, const struct where *w, int warning)
{
	char name[512];

	pb_buf_printf(R->out, "%s%s%s:%d: subscribers.[%zu].", R->prefix,
		      warning ? "warning: " : "",
		      w->sub->file ? w->sub->file : R->cfg->path, where_line(w), w->si);
	if (w->topic)
		pb_buf_printf(R->out, "topics.[%zu].", w->ti);
	pb_buf_printf(R->out, "%s: subscriber %s", w->key, w->sub->name);
	/* a stored subscriber's topic name is the reader's text (a web form, a chat), as are
	 * the terms quoted below: the report reaches the operator's terminal */
	if (w->topic) {
		pb_cfg_escape(name, sizeof name, w->topic->name ? w->topic->name : "");
		pb_buf_printf(R->out, ", topic %s", name);
	}
	if (w->elem)
		pb_buf_printf(R->out, ", %s %zu", w->key, w->elem);
}

static void
warn_at(struct report *R, const struct where *w, int col, const char *fmt, const char *a,
	const char *b)
{
	char msg[512], ea[512], eb[512];

	put_where(R, w, 1);
	if (col > 0)
		pb_buf_printf(R->out, ", column %d", col);
	pb_cfg_escape(ea, sizeof ea, a ? a : "");
	pb_cfg_escape(eb, sizeof eb, b ? b : "");
	snprintf(msg, sizeof msg, fmt, ea, eb);
	pb_buf_printf(R->out, ": %s\n", msg);
	R->n_warnings++;
}

/* ---- what a rule's category terms allow ---- */

struct conj {
	const struct pb_term *pos[MAX_LIT], *neg[MAX_LIT];
	size_t np, nn;
};

struct dnf {
	struct conj *v;
	size_t n;
	int overflow;
};

static void
dnf_free(struct dnf *d)
{
	free(d->v);
	memset(d, 0, sizeof *d);
}

static int
conj_add(struct dnf *d, const struct conj *c)
{
	if (d->n >= MAX_CONJ) {
		d->overflow = 1;
		return -1;
	}
	d->v = pb_xreallocarray(d->v, d->n + 1, sizeof *d->v);
	d->v[d->n++] = *c;
	return 0;
}

/* The alternatives of r (negated when neg) as conjunctions of category literals; text terms
 * can be true or false at will, so they add no condition. */
static void
to_dnf(const struct pb_rule *r, int neg, struct dnf *out)
{
	struct dnf a = { 0 }, b = { 0 };
	int and_like;

	memset(out, 0, sizeof *out);
	if (r->kind == PB_RULE_TERM) {
		struct conj c = { 0 };

		if (r->term->field == PB_FIELD_CAT) {
			if (neg)
				c.neg[c.nn++] = r->term;
			else
				c.pos[c.np++] = r->term;
		}
		conj_add(out, &c);
		return;
	}
	if (r->kind == PB_RULE_NOT) {
		to_dnf(r->a, !neg, out);
		return;
	}
	to_dnf(r->a, neg, &a);
	/* a ANDNOT b is a AND NOT b; NOT (a ANDNOT b) is NOT a OR b */
	to_dnf(r->b, r->kind == PB_RULE_ANDNOT ? !neg : neg, &b);
	and_like = (r->kind == PB_RULE_OR) == neg;
	if (a.overflow || b.overflow) {
		out->overflow = 1;
	} else if (!and_like) {
		for (size_t i = 0; i < a.n && !out->overflow; i++)
			conj_add(out, &a.v[i]);
		for (size_t i = 0; i < b.n && !out->overflow; i++)
			conj_add(out, &b.v[i]);
	} else {
		for (size_t i = 0; i < a.n && !out->overflow; i++)
			for (size_t j = 0; j < b.n && !out->overflow; j++) {
				struct conj c = a.v[i];
				const struct conj *d = &b.v[j];

				if (c.np + d->np > MAX_LIT || c.nn + d->nn > MAX_LIT) {
					out->overflow = 1;
					break;
				}
				memcpy(c.pos + c.np, d->pos, d->np * sizeof *d->pos);
				memcpy(c.neg + c.nn, d->neg, d->nn * sizeof *d->neg);
				c.np += d->np;
				c.nn += d->nn;
				conj_add(out, &c);
			}
	}
	dnf_free(&a);
	dnf_free(&b);
}

/* The categories a paper may list: arXiv's table, lower-cased for cat: terms. */
struct universe {
	const char *code[512];
	char low[512][48];
	size_t n;
};

static void
universe_init(struct universe *u)
{
	const char *c;

	u->n = 0;
	for (size_t i = 0; (c = pb_category_at(i)) != NULL && u->n < 512; i++) {
		u->code[u->n] = c;
		snprintf(u->low[u->n], sizeof u->low[0], "%s", c);
		for (char *q = u->low[u->n]; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		u->n++;
	}
}

static int
allowed(const struct conj *c, const char *low)
{
	for (size_t i = 0; i < c->nn; i++)
		if (pb_term_cat_hits(c->neg[i], low))
			return 0;
	return 1;
}

/* Whether a paper of the fetched feeds can satisfy c: it lists a fetched category the
 * negations allow, and for every positive term a category the negations allow (a paper may
 * be cross-listed anywhere). *outside gets a positive term only categories outside the
 * fetched ones satisfy, or NULL. */
static int
conj_possible(const struct conj *c, const struct universe *u, const char *const *cats, size_t n,
	      const struct pb_term **outside)
{
	int in_feed = 0;

	*outside = NULL;
	for (size_t k = 0; k < u->n && !in_feed; k++)
		in_feed = pb_category_in(u->code[k], cats, n) && allowed(c, u->low[k]);
	if (!in_feed)
		return 0;
	for (size_t i = 0; i < c->np; i++) {
		int any = 0, fetched = 0;

		for (size_t k = 0; k < u->n; k++)
			if (pb_term_cat_hits(c->pos[i], u->low[k]) && allowed(c, u->low[k])) {
				any = 1;
				fetched |= pb_category_in(u->code[k], cats, n);
			}
		if (!any)
			return 0;
		if (!fetched && !*outside)
			*outside = c->pos[i];
	}
	return 1;
}

/* Warns when every alternative of the query needs a category outside arxiv.categories (it
 * sees only papers cross-listed between the two) or none can hold in the fetched feeds. */
static void
check_reach(struct report *R, const struct where *w, const struct pb_rule *r,
	    const struct universe *u)
{
	const char *const *cats = (const char *const *)R->cfg->arxiv.categories;
	size_t n = R->cfg->arxiv.n_categories, possible = 0;
	const struct pb_term *first_out = NULL;
	struct pb_buf list = { 0 };
	struct dnf d;

	to_dnf(r, 0, &d);
	if (d.overflow || !n)
		goto out;
	for (size_t i = 0; i < d.n; i++) {
		const struct pb_term *o;

		if (!conj_possible(&d.v[i], u, cats, n, &o))
			continue;
		possible++;
		if (!o)
			goto out;           /* an alternative the fetched feeds serve in full */
		if (!first_out)
			first_out = o;
	}
	for (size_t i = 0; i < n; i++)
		pb_buf_printf(&list, "%s%s", i ? ", " : "", cats[i]);
	if (!possible)
		warn_at(R, w, 0, "can never match: no paper of the fetched categories (%s) "
			"satisfies its cat: terms%s", list.data, NULL);
	else
		warn_at(R, w, first_out->col, "every alternative of this rule needs %s, which is "
			"outside arxiv.categories (%s): it can match only papers of those categories "
			"cross-listed with it, never the rest of its announcements; add it to "
			"arxiv.categories to get them", first_out->src, list.data);
out:
	pb_buf_free(&list);
	dnf_free(&d);
}

/* ---- terms ---- */

static int
prefix_known(const char *low, const struct universe *u)
{
	size_t l = strlen(low);

	for (size_t k = 0; k < u->n; k++)
		if (strncmp(u->low[k], low, l) == 0)
			return 1;
	return 0;
}

/* Warns about unknown categories and lowercase operators; returns 1 when a category term is
 * unknown (the reach check is then skipped: it would only repeat the news). */
static int
check_terms(struct report *R, const struct where *w, const struct pb_rule *r,
	    const struct universe *u)
{
	const struct pb_term *t;

	if (r->kind != PB_RULE_TERM)
		return (r->a ? check_terms(R, w, r->a, u) : 0) |
		       (r->b ? check_terms(R, w, r->b, u) : 0);
	t = r->term;
	if (t->field == PB_FIELD_CAT) {
		char sug[64];

		if (t->prefix ? prefix_known(t->cat, u) : pb_category_known(t->cat, 1))
			return 0;
		if (!t->prefix && pb_cfg_closest_category(t->cat, sug, sizeof sug))
			warn_at(R, w, t->col, "%s: unknown arXiv category, it matches nothing; did "
				"you mean cat:%s?", t->src, sug);
		else
			warn_at(R, w, t->col, "%s: no arXiv category %s, it matches nothing",
				t->src, t->prefix ? "starts so" : "is named so");
		return 1;
	}
	/* "and" is a search word: arXiv's operators are upper case */
	if (t->field == PB_FIELD_ALL && t->src[0] != '"' && strncmp(t->src, "all:", 4) != 0 &&
	    (strcasecmp(t->src, "and") == 0 || strcasecmp(t->src, "or") == 0 ||
	     strcasecmp(t->src, "not") == 0 || strcasecmp(t->src, "andnot") == 0)) {
		char up[8];
		size_t i;

		for (i = 0; t->src[i] && i < sizeof up - 1; i++)
			up[i] = (char)toupper((unsigned char)t->src[i]);
		up[i] = '\0';
		warn_at(R, w, t->col, "'%s' is searched as a word; the operator is written in "
			"capitals: %s", t->src, up);
	}
	return 0;
}

/* Two terms side by side are both required here, as they were from the start; arXiv's search
 * (Lucene's default operator) takes either, so a rule copied from it (cat:cs.CV cat:cs.LG,
 * ti:(video motion)) silently asks for much less. Said once a rule, at the second term. */
static void
check_side_by_side(struct report *R, const struct where *w, const struct pb_rule *r)
{
	char pair[160];
	const struct pb_rule *s = pb_rule_side_by_side(r, pair, sizeof pair, NULL, 0);

	if (!s)
		return;
	warn_at(R, w, s->col, "%s: terms side by side must all hit (AND), where arXiv's search "
		"takes any of them (OR); write AND or OR between them, or quote a phrase%s",
		pair, NULL);
}

/* Parses one rule: an error (with the caret lines) or its warnings. */
static void
check_rule(struct report *R, const struct where *w, const char *q, int reach,
	   const struct universe *u)
{
	struct pb_rule_error e;
	struct pb_rule *r;
	size_t before = R->n_errors + R->n_warnings, terms_warned;
	int unknown;

	if (clean_has(&R->clean[reach != 0], q))
		return;
	r = pb_rule_parse(q, &e);
	if (!r) {
		put_where(R, w, 0);
		pb_buf_puts(R->out, ", ");
		pb_rule_error_format(q, &e, R->out);
		pb_buf_putc(R->out, '\n');
		R->n_errors++;
		return;
	}
	terms_warned = R->n_warnings;
	unknown = check_terms(R, w, r, u);
	/* after a warning about the terms (a lowercase "and") it would only repeat the news */
	if (R->n_warnings == terms_warned)
		check_side_by_side(R, w, r);
	if (!unknown && reach)
		check_reach(R, w, r, u);
	pb_rule_free(r);
	if (R->n_errors + R->n_warnings == before)
		clean_add(&R->clean[reach != 0], q);
}

static void
check_follow(struct report *R, const struct where *w, char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pb_rule *r = pb_rule_phrase(PB_FIELD_AU, names[i], "au:");

		if (!r) {
			put_where(R, w, 0);
			pb_buf_printf(R->out, ": followed author '%s' has no letters or digits\n",
				      names[i]);
			R->n_errors++;
		}
		pb_rule_free(r);
	}
}

size_t
pb_config_check_rules(const struct pb_config *cfg, const char *prefix, struct pb_buf *out,
		      size_t *n_warnings)
{
	struct report R = { cfg, prefix ? prefix : "", out, 0, 0, { { 0 }, { 0 } } };
	struct universe *u = pb_xmalloc(sizeof *u);

	universe_init(u);
	for (size_t s = 0; s < cfg->n_subscribers; s++) {
		const struct pb_subscriber *sub = &cfg->subscribers[s];
		struct where w = { sub, s, NULL, 0, "exclude", 0 };

		for (size_t i = 0; i < sub->n_exclude; i++) {
			w.elem = i + 1;
			check_rule(&R, &w, sub->exclude[i], 0, u);
		}
		w.elem = 0;
		w.key = "follow_authors";
		check_follow(&R, &w, sub->follow_authors, sub->n_follow_authors);
		for (size_t t = 0; t < sub->n_topics; t++) {
			const struct pb_topic *tp = &sub->topics[t];

			w = (struct where){ sub, s, tp, t, "query", 0 };
			if (tp->query)      /* none: ranked by the likes alone */
				check_rule(&R, &w, tp->query, 1, u);
			w.key = "exclude";
			for (size_t i = 0; i < tp->n_exclude; i++) {
				w.elem = i + 1;
				check_rule(&R, &w, tp->exclude[i], 0, u);
			}
			w.elem = 0;
			w.key = "follow_authors";
			check_follow(&R, &w, tp->follow_authors, tp->n_follow_authors);
		}
	}
	free(u);
	for (int i = 0; i < 2; i++) {
		free(R.clean[i].slot);
		free(R.clean[i].hash);
	}
	if (n_warnings)
		*n_warnings = R.n_warnings;
	return R.n_errors;
}
