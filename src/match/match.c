/* Matching every subscriber against the day's papers.
 *
 * pb_matcher_new parses every topic once and interns its terms: the same term written by many
 * subscribers (ti:"gaussian splatting", cat:cs.CV, ...) is one entry. Each topic becomes a small
 * postfix program over term numbers. pb_match_all folds each paper once into an inverted index,
 * computes each distinct term's hit set as a bitset over all papers, then runs every topic's
 * program as bitset algebra (one pass over a few dozen 64-bit words, whatever the number of
 * papers hit), and scores only the papers a topic selected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/escape.h"
#include "paperboy/log.h"
#include "paperboy/match.h"
#include "paperboy/rules.h"

#include "match_int.h"

#define OP_BASE 0xFFFFFFE0u     /* program words at or above this are operators */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
pb_matcher_stats(const struct pb_matcher *m, struct pb_match_stats *st)
{
	*st = m->st;
	st->n_terms = m->n_terms;
}

/* ---- compiling ---- */

/* Terms are interned by what they match: field, prefix flag, category, folded words. The
 * keys live in one arena so that a lookup touches a few cache lines, not the scattered terms. */
static void
term_key(const struct pb_term *t, struct pb_buf *k)
{
	pb_buf_reset(k);
	pb_buf_putc(k, (char)('0' + t->field));
	pb_buf_putc(k, t->prefix ? '*' : '=');
	pb_buf_putc(k, (char)('0' + t->name));
	pb_buf_putc(k, (char)('0' + (t->n_surname & 63)));
	if (t->cat)
		pb_buf_puts(k, t->cat);
	for (size_t j = 0; j < t->n_words; j++) {
		pb_buf_putc(k, '\x1f');
		pb_buf_append(k, pb_term_word(t, j), pb_term_wlen(t, j));
	}
}

static void
intern_grow(struct pb_matcher *m)
{
	size_t n = m->n_slots ? 2 * m->n_slots : 1024, mask = n - 1;

	free(m->slots);
	m->slots = pb_xcalloc(n, sizeof *m->slots);
	m->n_slots = n;
	for (size_t id = 0; id < m->n_terms; id++) {
		size_t i = (size_t)m->terms[id].hash & mask;

		while (m->slots[i].ref)
			i = (i + 1) & mask;
		m->slots[i].ref = (uint32_t)m->terms[id].koff + 1;
		m->slots[i].hash = (uint32_t)m->terms[id].hash;
	}
}

/* Gives t the number of the first term equal to it (a new number when it is the first).
 * An arena entry is the term number, the key length and the key, 4-byte aligned, so a lookup
 * reads the slot and one entry. */
static uint32_t
intern(struct pb_matcher *m, struct pb_term *t)
{
	struct pb_buf *k = &m->key;
	uint32_t hdr[2];
	uint64_t h;
	size_t mask, i;

	m->st.n_term_uses++;
	term_key(t, k);
	h = mx_hash(k->data, k->len);
	if (2 * (m->n_terms + 1) > m->n_slots)
		intern_grow(m);
	mask = m->n_slots - 1;
	for (i = (size_t)h & mask; m->slots[i].ref; i = (i + 1) & mask) {
		const char *e = m->keys.data + m->slots[i].ref - 1;

		memcpy(hdr, e, sizeof hdr);
		if (m->slots[i].hash == (uint32_t)h && hdr[1] == k->len &&
		    memcmp(e + sizeof hdr, k->data, k->len) == 0)
			return t->id = hdr[0];
	}
	if (m->n_terms == m->cap_terms) {
		m->cap_terms = m->cap_terms ? 2 * m->cap_terms : 1024;
		m->terms = pb_xreallocarray(m->terms, m->cap_terms, sizeof *m->terms);
	}
	m->terms[m->n_terms].t = t;
	m->terms[m->n_terms].hash = h;
	m->terms[m->n_terms].koff = m->keys.len;
	hdr[0] = (uint32_t)m->n_terms;
	hdr[1] = (uint32_t)k->len;
	pb_buf_append(&m->keys, hdr, sizeof hdr);
	pb_buf_append(&m->keys, k->data, k->len);
	while (m->keys.len % 4)
		pb_buf_putc(&m->keys, '\0');
	m->slots[i].ref = (uint32_t)m->terms[m->n_terms].koff + 1;
	m->slots[i].hash = (uint32_t)h;
	return t->id = (uint32_t)m->n_terms++;
}

struct prog {
	uint32_t *v;
	size_t n, cap;
};

static void
emit(struct prog *p, uint32_t w)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->v = pb_xreallocarray(p->v, p->cap, sizeof *p->v);
	}
	p->v[p->n++] = w;
}

/* Emits r in postfix; returns the stack depth it needs. A binary operator whose right
 * operand is a term takes the term directly (OP_TERM_ARG + kind, then the term number),
 * which saves copying its bitset onto the stack. */
#define OP_TERM_ARG 8u

static size_t
compile(struct pb_matcher *m, struct pb_rule *r, struct prog *p)
{
	size_t da, db;

	if (r->kind == PB_RULE_TERM) {
		emit(p, intern(m, r->term));
		return 1;
	}
	da = compile(m, r->a, p);
	if (r->kind == PB_RULE_NOT) {
		emit(p, OP_BASE + PB_RULE_NOT);
		return da;
	}
	if (r->b->kind == PB_RULE_TERM) {
		emit(p, OP_BASE + OP_TERM_ARG + r->kind);
		emit(p, intern(m, r->b->term));
		return da;
	}
	db = compile(m, r->b, p) + 1;
	emit(p, OP_BASE + r->kind);
	return da > db ? da : db;
}

static void
collect_pos(struct pb_rule *r, int positive, struct ctopic *ct)
{
	switch (r->kind) {
	case PB_RULE_TERM:
		/* cat: decides membership only: a filter clause must not lift a topic's scores
		 * above those of a topic written without it */
		if (!positive || r->term->field == PB_FIELD_CAT)
			return;
		for (size_t i = 0; i < ct->n_pos; i++)
			if (ct->pos[i] == r->term->id)
				return;
		ct->pos[ct->n_pos++] = r->term->id;
		return;
	case PB_RULE_NOT:
		collect_pos(r->a, !positive, ct);
		return;
	case PB_RULE_ANDNOT:
		collect_pos(r->a, positive, ct);
		collect_pos(r->b, !positive, ct);
		return;
	default:
		collect_pos(r->a, positive, ct);
		collect_pos(r->b, positive, ct);
	}
}

/* A followed author as the rule au:"name"; NULL when the name has no words. */
static struct pb_rule *
follow_rule(struct pb_matcher *m, const char *name)
{
	struct pb_buf src = { 0 };
	struct pb_rule *r;

	pb_buf_printf(&src, "au:\"%s\"", name);
	r = pb_rule_phrase(PB_FIELD_AU, name, src.data);
	pb_buf_free(&src);
	if (r)
		intern(m, r->term);
	return r;
}

static void
rule_error(const struct pb_subscriber *s, const char *topic, const char *what, const char *q,
	   const struct pb_rule_error *e, char *err, size_t errlen)
{
	struct pb_buf b = { 0 };

	pb_buf_printf(&b, "subscriber %s, topic ", s->name ? s->name : "?");
	/* the reader's text (a web form, a chat): the error reaches a terminal */
	pb_esc_term(&b, topic ? topic : "?");
	pb_buf_printf(&b, ", %s", what);
	pb_rule_error_format(q, e, &b);
	snprintf(err, errlen, "%s", pb_buf_str(&b));
	pb_buf_free(&b);
}

/* Parses and compiles a list of exclusions into one program that ORs them. topic is NULL for
 * the subscriber's own. */
static int
compile_excl(struct pb_matcher *m, const struct pb_subscriber *s, const char *topic,
	     const char *const *q, size_t n, struct pb_rule ***rules, size_t *n_rules,
	     uint32_t **prog, size_t *n_prog, char *err, size_t errlen)
{
	struct pb_rule_error e;
	struct prog p = { 0 };
	size_t d;

	if (n)
		*rules = pb_xcalloc(n, sizeof **rules);
	for (size_t i = 0; i < n; i++) {
		char what[64];

		if (!((*rules)[i] = pb_rule_parse(q[i], &e))) {
			snprintf(what, sizeof what, "exclude %zu, ", i + 1);
			if (topic) {
				rule_error(s, topic, what, q[i], &e, err, errlen);
			} else {
				struct pb_buf b = { 0 };

				pb_buf_printf(&b, "subscriber %s, %s", s->name ? s->name : "?", what);
				pb_rule_error_format(q[i], &e, &b);
				snprintf(err, errlen, "%s", pb_buf_str(&b));
				pb_buf_free(&b);
			}
			free(p.v);
			return -1;
		}
		(*n_rules)++;
		d = compile(m, (*rules)[i], &p) + (i > 0);
		if (i)
			emit(&p, OP_BASE + PB_RULE_OR);
		if (d > m->stack)
			m->stack = d;
	}
	*prog = p.v;
	*n_prog = p.n;
	return 0;
}

static int
compile_topic(struct pb_matcher *m, const struct pb_subscriber *s, const struct pb_topic *tp,
	      struct ctopic *ct, char *err, size_t errlen)
{
	struct pb_rule_error e;
	struct prog p = { 0 };
	size_t d;

	ct->cross = tp->include_cross == PB_INHERIT ? s->include_cross : tp->include_cross != 0;
	ct->replace = tp->include_replace == PB_INHERIT ? s->include_replace
							 : tp->include_replace != 0;
	if (tp->query && !(ct->query = pb_rule_parse(tp->query, &e))) {
		rule_error(s, tp->name, "", tp->query, &e, err, errlen);
		return -1;
	}
	if (ct->query) {
		d = compile(m, ct->query, &p);
		if (d > m->stack)
			m->stack = d;
		ct->prog = p.v;
		ct->n_prog = p.n;
		ct->pos = pb_xmalloc(p.n * sizeof *ct->pos);    /* at most one per term */
		collect_pos(ct->query, 1, ct);
	}

	if (compile_excl(m, s, tp->name, (const char *const *)tp->exclude, tp->n_exclude,
			 &ct->excl, &ct->n_excl, &ct->xprog, &ct->n_xprog, err, errlen) < 0)
		return -1;

	if (tp->n_follow_authors)
		ct->follow = pb_xcalloc(tp->n_follow_authors, sizeof *ct->follow);
	for (size_t i = 0; i < tp->n_follow_authors; i++) {
		if (!(ct->follow[ct->n_follow] = follow_rule(m, tp->follow_authors[i]))) {
			struct pb_buf t = { 0 }, a = { 0 };

			pb_esc_term(&t, tp->name);
			pb_esc_term(&a, tp->follow_authors[i]);
			snprintf(err, errlen, "subscriber %s, topic %s: followed author '%s' has no "
				 "letters or digits", s->name, pb_buf_str(&t), pb_buf_str(&a));
			pb_buf_free(&a);
			pb_buf_free(&t);
			return -1;
		}
		ct->n_follow++;
	}
	return 0;
}

/* Compiles one subscriber's topics and followed authors into cs. Returns 0, or -1 with err
 * filled (cs then holds what was compiled so far, for pb_matcher_free). */
static int
compile_sub(struct pb_matcher *m, const struct pb_subscriber *sub, struct csub *cs, char *err,
	    size_t errlen)
{
	cs->cross = sub->include_cross;
	cs->replace = sub->include_replace;
	cs->open = sub->n_topics == 0;
	cs->t = pb_xcalloc(sub->n_topics + 1, sizeof *cs->t);
	for (size_t t = 0; t < sub->n_topics; t++) {
		cs->n_t++;
		m->st.n_topics++;
		if (compile_topic(m, sub, &sub->topics[t], &cs->t[t], err, errlen) < 0)
			return -1;
	}
	if (compile_excl(m, sub, NULL, (const char *const *)sub->exclude, sub->n_exclude,
			 &cs->excl, &cs->n_excl, &cs->xprog, &cs->n_xprog, err, errlen) < 0)
		return -1;
	if (sub->n_follow_authors)
		cs->follow = pb_xcalloc(sub->n_follow_authors, sizeof *cs->follow);
	for (size_t i = 0; i < sub->n_follow_authors; i++) {
		if (!(cs->follow[cs->n_follow] = follow_rule(m, sub->follow_authors[i]))) {
			struct pb_buf a = { 0 };

			pb_esc_term(&a, sub->follow_authors[i]);
			snprintf(err, errlen, "subscriber %s: followed author '%s' has no "
				 "letters or digits", sub->name, pb_buf_str(&a));
			pb_buf_free(&a);
			return -1;
		}
		cs->n_follow++;
	}
	return 0;
}

/* each: a subscriber whose rules do not compile is set aside (see struct csub) and the
 * others are compiled; otherwise the first error fails the whole matcher. */
static struct pb_matcher *
matcher_new(const struct pb_config *cfg, int each, char *err, size_t errlen)
{
	struct pb_matcher *m = pb_xcalloc(1, sizeof *m);
	char one[2048];

	m->cfg = cfg;
	m->stack = 1;
	m->n_subs = cfg->n_subscribers;
	m->subs = pb_xcalloc(m->n_subs + 1, sizeof *m->subs);
	for (size_t s = 0; s < m->n_subs; s++) {
		struct csub *cs = &m->subs[s];

		if (compile_sub(m, &cfg->subscribers[s], cs, one, sizeof one) == 0)
			continue;
		if (!each) {
			snprintf(err, errlen, "%s", one);
			goto bad;
		}
		cs->error = pb_xstrdup(one);
		cs->broken_t = cs->t;
		cs->n_broken_t = cs->n_t;
		cs->broken_follow = cs->follow;
		cs->n_broken_follow = cs->n_follow;
		cs->t = NULL;
		cs->n_t = 0;
		cs->follow = NULL;
		cs->n_follow = 0;
	}
	pb_debug("match.compiled", "subscribers=%zu terms=%zu", m->n_subs, m->n_terms);
	return m;
bad:
	pb_matcher_free(m);
	return NULL;
}

struct pb_matcher *
pb_matcher_new(const struct pb_config *cfg, char *err, size_t errlen)
{
	return matcher_new(cfg, 0, err, errlen);
}

struct pb_matcher *
pb_matcher_new_each(const struct pb_config *cfg)
{
	return matcher_new(cfg, 1, NULL, 0);
}

const char *
pb_matcher_broken(const struct pb_matcher *m, size_t s)
{
	return m && s < m->n_subs ? m->subs[s].error : NULL;
}

static void
free_topics(struct ctopic *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ctopic *ct = &t[i];

		pb_rule_free(ct->query);
		for (size_t k = 0; k < ct->n_excl; k++)
			pb_rule_free(ct->excl[k]);
		free(ct->excl);
		for (size_t k = 0; k < ct->n_follow; k++)
			pb_rule_free(ct->follow[k]);
		free(ct->follow);
		free(ct->prog);
		free(ct->xprog);
		free(ct->pos);
	}
	free(t);
}

static void
free_follow(struct pb_rule **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pb_rule_free(v[i]);
	free(v);
}

void
pb_matcher_free(struct pb_matcher *m)
{
	if (!m)
		return;
	for (size_t s = 0; s < m->n_subs; s++) {
		struct csub *cs = &m->subs[s];

		free_topics(cs->t, cs->n_t);
		free_follow(cs->follow, cs->n_follow);
		free_topics(cs->broken_t, cs->n_broken_t);
		free_follow(cs->broken_follow, cs->n_broken_follow);
		free(cs->error);
		for (size_t i = 0; i < cs->n_excl; i++)
			pb_rule_free(cs->excl[i]);
		free(cs->excl);
		free(cs->xprog);
	}
	free(m->subs);
	free(m->terms);
	free(m->slots);
	pb_buf_free(&m->keys);
	pb_buf_free(&m->key);
	free(m);
}

/* ---- selecting: shared by the indexed and the reference evaluation ---- */

int
mx_allowed(enum pb_announce a, int cross, int replace)
{
	switch (a) {
	case PB_ANN_CROSS:
		return cross;
	case PB_ANN_REPLACE:
		return replace;
	case PB_ANN_REPLACE_CROSS:
		return cross && replace;
	default:
		return 1;
	}
}

/* A topic hit paper p with this score; the best topic wins, the first on ties. */
void
mx_consider(struct mx_scratch *sc, uint32_t p, uint32_t t, double score, unsigned flags)
{
	if (!sc->seen[p]) {
		sc->seen[p] = 1;
		sc->list[sc->n++] = p;
		sc->score[p] = score;
		sc->topic[p] = t;
		sc->flags[p] = flags;
		return;
	}
	if (score > sc->score[p]) {
		sc->score[p] = score;
		sc->topic[p] = t;
	}
	sc->flags[p] |= flags;
}

/* A subscriber-level followed author wrote paper p. */
void
mx_consider_follow(struct mx_scratch *sc, uint32_t p)
{
	if (sc->seen[p]) {
		sc->score[p] += PB_SCORE_FOLLOW;
		sc->flags[p] |= PB_HIT_FOLLOW;
		return;
	}
	mx_consider(sc, p, 0, PB_SCORE_FOLLOW, PB_HIT_FOLLOW);
}

void
pb_matcher_set_skip(struct pb_matcher *m, pb_match_skip_fn skip, void *ctx)
{
	m->skip = skip;
	m->skip_ctx = ctx;
}

void
pb_matcher_set_ranker(struct pb_matcher *m, const struct pb_match_ranker *r)
{
	if (r)
		m->ranker = *r;
	else
		memset(&m->ranker, 0, sizeof m->ranker);
}

void
pb_selections_free(struct pb_selection *sel, size_t n)
{
	if (!sel)
		return;
	for (size_t i = 0; i < n; i++) {
		free(sel[i].hits);
		free(sel[i].topic_matched);
		free(sel[i].rest);
		for (size_t j = 0; sel[i].why && j < sel[i].n_hits; j++)
			free(sel[i].why[j]);
		free(sel[i].why);
	}
	free(sel);
}

/* ---- the indexed evaluation ---- */

/* A distinct term's hits. Most terms hit a handful of papers: those also keep the list, so
 * the topic programs touch a few bytes instead of a whole cold bitset. */
#define SPARSE_MAX 16

struct tres {
	uint64_t *u;                     /* papers the term hits */
	uint64_t *ti, *au, *abs;         /* all: terms, per field (for the score); else NULL */
	double w;                        /* the weight of a hit in the term's own field */
	const uint32_t *list;            /* the papers, ascending, when at most SPARSE_MAX */
	uint32_t n_list;
	int sparse;
};

static void
term_results(const struct pb_matcher *m, const struct mx_index *ix, struct tres *res,
	     uint64_t **pool, uint32_t **lists)
{
	static const double weight[] = { PB_SCORE_TI, PB_SCORE_ABS, PB_SCORE_AU, PB_SCORE_CO,
					 PB_SCORE_JR, PB_SCORE_CAT, 0 };
	size_t W = ix->W, n_all = 0;
	uint64_t *b, *extra, *tmp;
	uint32_t *l;

	for (size_t i = 0; i < m->n_terms; i++)
		n_all += m->terms[i].t->field == PB_FIELD_ALL;
	/* The unions side by side (the programs read them), the per-field sets of all: terms
	 * after them (only scoring reads those). */
	b = *pool = pb_xcalloc((m->n_terms + 3 * n_all) * W + 1, sizeof *b);
	extra = b + m->n_terms * W;
	l = *lists = pb_xcalloc(m->n_terms * SPARSE_MAX + 1, sizeof *l);
	tmp = pb_xcalloc(W + 1, sizeof *tmp);
	for (size_t i = 0; i < m->n_terms; i++) {
		const struct pb_term *t = m->terms[i].t;
		struct tres *r = &res[i];
		size_t n = 0;

		r->u = b + i * W;
		r->w = weight[t->field];
		if (t->field != PB_FIELD_ALL) {
			mx_term_field_bits(ix, t, t->field, r->u);
		} else {
			r->ti = extra;
			r->au = extra + W;
			r->abs = extra + 2 * W;
			extra += 3 * W;
			mx_term_field_bits(ix, t, PB_FIELD_TI, r->ti);
			mx_term_field_bits(ix, t, PB_FIELD_AU, r->au);
			mx_term_field_bits(ix, t, PB_FIELD_ABS, r->abs);
			mx_term_field_bits(ix, t, PB_FIELD_CO, tmp);
			for (size_t w = 0; w < W; w++)
				r->u[w] = r->ti[w] | r->au[w] | r->abs[w] | tmp[w];
			/* co and jr weigh the same: score_block's last case is either */
			mx_term_field_bits(ix, t, PB_FIELD_JR, tmp);
			for (size_t w = 0; w < W; w++)
				r->u[w] |= tmp[w];
		}
		for (size_t w = 0; w < W && n <= SPARSE_MAX; w++)
			n += (size_t)__builtin_popcountll(r->u[w]);
		if (n > SPARSE_MAX)
			continue;
		r->sparse = 1;
		r->list = l;
		for (size_t w = 0; w < W; w++)
			for (uint64_t x = r->u[w]; x; x &= x - 1)
				l[r->n_list++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(x));
		l += SPARSE_MAX;
	}
	free(tmp);
}

/* a = a AND / OR / ANDNOT b, over W words. */
static void
combine(uint64_t *a, const uint64_t *b, unsigned op, size_t W)
{
	switch (op) {
	case PB_RULE_AND:
		for (size_t w = 0; w < W; w++)
			a[w] &= b[w];
		break;
	case PB_RULE_OR:
		for (size_t w = 0; w < W; w++)
			a[w] |= b[w];
		break;
	default:
		for (size_t w = 0; w < W; w++)
			a[w] &= ~b[w];
	}
}

/* a <op> term r, where op is 0 for a push onto a cleared slot. */
static void
apply_term(uint64_t *a, unsigned op, const struct tres *r, size_t W)
{
	const uint64_t *b = r->u;

	if (r->sparse) {
		const uint32_t *l = r->list;
		uint32_t n = r->n_list;

		switch (op) {
		case 0:
			memset(a, 0, W * sizeof *a);
			/* FALLTHROUGH */
		case PB_RULE_OR:
			for (uint32_t i = 0; i < n; i++)
				a[l[i] >> 6] |= 1ULL << (l[i] & 63);
			return;
		case PB_RULE_ANDNOT:
			for (uint32_t i = 0; i < n; i++)
				a[l[i] >> 6] &= ~(1ULL << (l[i] & 63));
			return;
		default: {
			uint32_t keep[SPARSE_MAX];
			uint32_t k = 0;

			for (uint32_t i = 0; i < n; i++)
				if ((a[l[i] >> 6] >> (l[i] & 63)) & 1)
					keep[k++] = l[i];
			memset(a, 0, W * sizeof *a);
			for (uint32_t i = 0; i < k; i++)
				a[keep[i] >> 6] |= 1ULL << (keep[i] & 63);
			return;
		}
		}
	}
	if (op == 0)
		memcpy(a, b, W * sizeof *a);
	else
		combine(a, b, op, W);
}

/* Runs a postfix program; the result is left at stack[0..W). */
static void
run(const uint32_t *prog, size_t n, const struct tres *res, uint64_t *stack, size_t W,
    const uint64_t *all)
{
	size_t sp = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t op = prog[i];
		uint64_t *a, *b;

		if (op < OP_BASE) {
			apply_term(stack + sp * W, 0, &res[op], W);
			sp++;
			continue;
		}
		op -= OP_BASE;
		a = stack + (sp - 1) * W;
		if (op == PB_RULE_NOT) {
			for (size_t w = 0; w < W; w++)
				a[w] = ~a[w] & all[w];
			continue;
		}
		if (op >= OP_TERM_ARG) {
			apply_term(a, op - OP_TERM_ARG, &res[prog[++i]], W);
			continue;
		}
		b = a;
		a -= W;
		sp--;
		combine(a, b, op, W);
	}
}

/* Scores the papers of one 64-paper block that topic ct selected (rb: its query, fb: its
 * followed authors) and hands them to mx_consider(). Terms outside, papers inside, so each
 * term's bitset word is read once; each paper's sum is still taken in term order, as the
 * reference does, so the scores are bit-identical. */
static void
score_block(const struct ctopic *ct, const struct tres *res, size_t w, uint64_t rb, uint64_t fb,
	    uint32_t t, struct mx_scratch *sc)
{
	double s[64];

	for (uint64_t b = rb | fb; b; b &= b - 1)
		s[__builtin_ctzll(b)] = 0;
	for (size_t i = 0; i < ct->n_pos; i++) {
		const struct tres *r = &res[ct->pos[i]];
		uint64_t hb = rb & r->u[w];

		for (; hb; hb &= hb - 1) {
			int bit = __builtin_ctzll(hb);

			if (!r->ti)
				s[bit] += r->w;
			else if ((r->ti[w] >> bit) & 1)
				s[bit] += PB_SCORE_TI;
			else if ((r->au[w] >> bit) & 1)
				s[bit] += PB_SCORE_AU;
			else if ((r->abs[w] >> bit) & 1)
				s[bit] += PB_SCORE_ABS;
			else
				s[bit] += PB_SCORE_CO;
		}
	}
	for (uint64_t b = rb | fb; b; b &= b - 1) {
		int bit = __builtin_ctzll(b);
		unsigned flags = 0;

		if ((rb >> bit) & 1)
			flags |= PB_HIT_TOPIC;
		if ((fb >> bit) & 1) {
			flags |= PB_HIT_FOLLOW;
			s[bit] += PB_SCORE_FOLLOW;
		}
		mx_consider(sc, (uint32_t)(w * 64 + (size_t)bit), t, s[bit], flags);
	}
}

/* Matches subscribers from..to-1 into out[0..to-from-1]; keep_rest says whether each
 * selection gets its rest. */
static void
match_range(struct pb_matcher *m, const struct pb_paperset *papers, size_t from, size_t to,
	    struct pb_selection *out, int keep_rest)
{
	struct mx_index ix;
	struct mx_scratch sc;
	struct tres *res;
	uint64_t *pool, *stack, *R, *F, *V, *masks, *all;
	uint32_t *lists;
	size_t W;
	double t0 = now_s(), t1, t2;

	mx_index_build(&ix, papers);
	W = ix.W;
	m->st.n_words = ix.n_words;
	t1 = now_s();
	res = pb_xcalloc(m->n_terms + 1, sizeof *res);
	term_results(m, &ix, res, &pool, &lists);
	t2 = now_s();
	stack = pb_xcalloc((m->stack + 1) * W + 1, sizeof *stack);
	R = pb_xcalloc(W + 1, sizeof *R);
	F = pb_xcalloc(W + 1, sizeof *F);
	V = pb_xcalloc(W + 1, sizeof *V);
	masks = pb_xcalloc(5 * W + 1, sizeof *masks);   /* [cross * 2 + replace], then all */
	all = masks + 4 * W;
	for (size_t p = 0; p < papers->n; p++) {
		for (int c = 0; c < 4; c++)
			if (mx_allowed(papers->v[p].announce, c >> 1, c & 1))
				masks[c * W + p / 64] |= 1ULL << (p % 64);
		all[p / 64] |= 1ULL << (p % 64);
	}
	mx_scratch_init(&sc, papers);
	sc.skip = m->skip;
	sc.skip_ctx = m->skip_ctx;
	sc.ranker = m->ranker.rank || m->ranker.why ? &m->ranker : NULL;
	sc.keep_rest = keep_rest;
	for (size_t s = from; s < to && s < m->n_subs; s++) {
		const struct csub *cs = &m->subs[s];

		/* V: the papers the subscriber's exclusions leave (all when it has none). */
		if (cs->n_xprog) {
			run(cs->xprog, cs->n_xprog, res, stack, W, all);
			for (size_t w = 0; w < W; w++)
				V[w] = all[w] & ~stack[w];
		} else {
			memcpy(V, all, W * sizeof *V);
		}
		for (size_t t = 0; t < cs->n_t; t++) {
			const struct ctopic *ct = &cs->t[t];
			const uint64_t *mask = masks + (size_t)(ct->cross * 2 + ct->replace) * W;

			if (ct->query) {
				run(ct->prog, ct->n_prog, res, stack, W, all);
				memcpy(R, stack, W * sizeof *R);
			} else if (mx_open_topic(m, ct)) {
				memcpy(R, all, W * sizeof *R);
			} else {
				memset(R, 0, W * sizeof *R);
			}
			if (ct->n_xprog) {
				run(ct->xprog, ct->n_xprog, res, stack, W, all);
				for (size_t w = 0; w < W; w++)
					R[w] &= ~stack[w];
			}
			memset(F, 0, W * sizeof *F);
			for (size_t i = 0; i < ct->n_follow; i++)
				apply_term(F, PB_RULE_OR, &res[ct->follow[i]->term->id], W);
			for (size_t w = 0; w < W; w++)
				if ((R[w] | F[w]) & mask[w] & V[w])
					score_block(ct, res, w, R[w] & mask[w] & V[w],
						    F[w] & mask[w] & V[w], (uint32_t)t, &sc);
		}
		if (cs->open && m->ranker.rank) {
			const uint64_t *mask = masks + (size_t)(cs->cross * 2 + cs->replace) * W;

			for (size_t w = 0; w < W; w++)
				for (uint64_t bits = mask[w] & V[w]; bits; bits &= bits - 1)
					mx_consider(&sc, (uint32_t)(w * 64 +
						(size_t)__builtin_ctzll(bits)), 0, 0, 0);
		}
		if (cs->n_follow) {
			const uint64_t *mask = masks + (size_t)(cs->cross * 2 + cs->replace) * W;

			memset(F, 0, W * sizeof *F);
			for (size_t i = 0; i < cs->n_follow; i++)
				apply_term(F, PB_RULE_OR, &res[cs->follow[i]->term->id], W);
			for (size_t w = 0; w < W; w++)
				for (uint64_t bits = F[w] & mask[w] & V[w]; bits; bits &= bits - 1)
					mx_consider_follow(&sc, (uint32_t)(w * 64 +
						(size_t)__builtin_ctzll(bits)));
		}
		sc.sub_index = s;
		mx_finish(&sc, &m->cfg->subscribers[s], &out[s - from], papers);
	}
	mx_scratch_free(&sc);
	free(masks);
	free(V);
	free(F);
	free(R);
	free(stack);
	free(pool);
	free(lists);
	free(res);
	mx_index_free(&ix);
	m->st.index_s = t1 - t0;
	m->st.terms_s = t2 - t1;
	m->st.topics_s = now_s() - t2;
	pb_debug("match.done", "papers=%zu subscribers=%zu terms=%zu index_s=%.3f terms_s=%.3f "
		 "topics_s=%.3f", papers->n, to - from, m->n_terms, m->st.index_s, m->st.terms_s,
		 m->st.topics_s);
}

int
pb_match_all(struct pb_matcher *m, const struct pb_paperset *papers, struct pb_selection **out,
	     char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	*out = pb_xcalloc(m->n_subs + 1, sizeof **out);
	match_range(m, papers, 0, m->n_subs, *out, !m->no_rest);
	return 0;
}

void
pb_matcher_keep_rest(struct pb_matcher *m, int keep)
{
	m->no_rest = !keep;
}

void
pb_match_rest(struct pb_matcher *m, const struct pb_paperset *papers, struct pb_selection *sel,
	      size_t from, size_t to)
{
	struct pb_match_stats st = m->st;
	struct pb_selection *tmp;

	if (to > m->n_subs)
		to = m->n_subs;
	if (from >= to)
		return;
	tmp = pb_xcalloc(to - from, sizeof *tmp);
	match_range(m, papers, from, to, tmp, 1);
	for (size_t s = from; s < to; s++) {
		free(sel[s].rest);
		sel[s].rest = tmp[s - from].rest;
		sel[s].n_rest = tmp[s - from].n_rest;
		tmp[s - from].rest = NULL;
		tmp[s - from].n_rest = 0;
	}
	pb_selections_free(tmp, to - from);
	m->st = st;   /* the figures stay those of pb_match_all */
}

void
pb_selection_drop_rest(struct pb_selection *sel)
{
	free(sel->rest);
	sel->rest = NULL;
	sel->n_rest = 0;
}
