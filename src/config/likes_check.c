/* A subscriber's likes and rank modes (rank.h), checked after the walk: liked ids are arXiv
 * ids, rank is a mode, a topic without query has likes to be ranked by, and a subscriber with
 * likes and no topics gets one query-less topic named "liked". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "paperboy/buf.h"
#include "paperboy/fold.h"
#include "paperboy/paper.h"
#include "paperboy/rank.h"

#define ID_EXAMPLES "(2411.17790, 2310.08528v2, hep-th/9901001)"

static config_setting_t *
member(config_setting_t *g, const char *path)
{
	config_setting_t *s = g ? config_setting_lookup(g, path) : NULL;

	return s ? s : g;
}

static config_setting_t *
elem(config_setting_t *g, size_t i)
{
	config_setting_t *s = g ? config_setting_get_elem(g, (unsigned)i) : NULL;

	return s ? s : g;
}

config_setting_t *
pb_cfg_sub_group(config_setting_t *root, size_t i)
{
	config_setting_t *subs = config_setting_get_member(root, "subscribers");

	return subs ? config_setting_get_elem(subs, (unsigned)i) : NULL;
}

struct ctx {
	struct pb_load *L;
	const struct pb_subscriber *s;
	const struct pb_topic *t;        /* NULL: the subscriber's own keys */
	config_setting_t *g;             /* the subscriber's or topic's group */
	char prefix[96];                 /* "subscribers.[2]" or "subscribers.[2].topics.[0]" */
	char who[320];                   /* "subscriber S" or "subscriber S, topic T" */
};

static void
ctx_set(struct ctx *c, size_t i, config_setting_t *sg, size_t t)
{
	char name[128], tname[128];

	pb_cfg_escape(name, sizeof name, c->s->name ? c->s->name : "");
	if (!c->t) {
		snprintf(c->prefix, sizeof c->prefix, "subscribers.[%zu]", i);
		snprintf(c->who, sizeof c->who, "subscriber %s", name);
		c->g = sg;
		return;
	}
	pb_cfg_escape(tname, sizeof tname, c->t->name ? c->t->name : "");
	snprintf(c->prefix, sizeof c->prefix, "subscribers.[%zu].topics.[%zu]", i, t);
	snprintf(c->who, sizeof c->who, "subscriber %s, topic %s", name, tname);
	c->g = elem(member(sg, "topics"), t);
}

static int
fail(struct ctx *c, const char *key, config_setting_t *s, const char *fmt, const char *v)
{
	char kp[160], esc[200];

	snprintf(kp, sizeof kp, "%s.%s", c->prefix, key);
	pb_cfg_escape(esc, sizeof esc, v ? v : "");
	if (!s)
		s = member(c->g, key);
	return pb_cfg_fail(c->L, s, kp, fmt, c->who, esc);
}

/* A DOI, bare ("10.1103/...") or as a link: a journal's, when it is not an arXiv id. */
static int
is_doi(const char *s)
{
	static const char *const pre[] = {
		"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/",
		"doi:",
	};

	while (*s == ' ' || *s == '\t')
		s++;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		if (strncasecmp(s, pre[i], strlen(pre[i])) == 0) {
			s += strlen(pre[i]);
			break;
		}
	return strncmp(s, "10.", 3) == 0 && strchr(s, '/') != NULL;
}

static int
check_ids(struct ctx *c, char *const *like, size_t n)
{
	config_setting_t *list = c->g ? config_setting_get_member(c->g, "like") : NULL;
	int rc = 0;

	for (size_t k = 0; k < n; k++) {
		int version;
		char *id = pb_arxiv_id_split(like[k], &version);

		if (!id && is_doi(like[k]))
			rc = fail(c, "like", elem(list, k), "%s: \"%s\" is a DOI other than "
				  "arXiv's (10.48550/arXiv.ID): give the paper's arXiv id "
				  ID_EXAMPLES, like[k]);
		else if (!id)
			rc = fail(c, "like", elem(list, k), "%s: \"%s\" is not an arXiv id "
				  ID_EXAMPLES, like[k]);
		free(id);
	}
	return rc;
}

static int
check_authors(struct ctx *c, char *const *names, size_t n)
{
	config_setting_t *list = c->g ? config_setting_get_member(c->g, "like_authors") : NULL;
	int rc = 0;

	for (size_t k = 0; k < n; k++) {
		struct pb_buf f = { 0 };

		pb_fold(names[k], strlen(names[k]), &f);
		if (!f.len)
			rc = fail(c, "like_authors", elem(list, k),
				  "%s: liked author \"%s\" has no letters or digits", names[k]);
		pb_buf_free(&f);
	}
	return rc;
}

static int
check_mode(struct ctx *c, const char *rank)
{
	if (rank && pb_rank_mode_parse(rank) < 0)
		return fail(c, "rank", NULL, "%s: \"%s\" is not a rank mode: give rules, filter "
			    "or similar", rank);
	return 0;
}

/* The one topic of a subscriber that only likes: no query, everything else inherited. */
static void
add_liked_topic(struct pb_subscriber *s)
{
	free(s->topics);
	s->topics = pb_xcalloc(1, sizeof *s->topics);
	s->topics[0].name = pb_xstrdup("liked");
	s->topics[0].include_cross = PB_INHERIT;
	s->topics[0].include_replace = PB_INHERIT;
	s->topics[0].line = s->line;
	s->n_topics = 1;
}

int
pb_cfg_check_likes(struct pb_load *L, config_setting_t *sg, size_t i)
{
	struct pb_subscriber *s = &L->cfg->subscribers[i];
	struct ctx c = { .L = L, .s = s };
	int sub_likes = s->n_like || s->n_like_authors;
	int rc = 0;

	ctx_set(&c, i, sg, 0);
	if (check_mode(&c, s->rank) < 0)
		rc = -1;
	if (check_ids(&c, s->like, s->n_like) < 0)
		rc = -1;
	if (check_authors(&c, s->like_authors, s->n_like_authors) < 0)
		rc = -1;
	if (!s->n_topics) {
		config_setting_t *ts = sg ? config_setting_get_member(sg, "topics") : NULL;
		char kp[128];

		if (sub_likes) {
			add_liked_topic(s);
			return rc;
		}
		snprintf(kp, sizeof kp, "subscribers.[%zu].topics", i);
		return pb_cfg_fail(L, ts ? ts : sg, kp, "%s (or like / like_authors, for a digest "
				   "ranked by similarity alone)",
				   ts ? "at least one is required" : "missing (required)");
	}
	for (size_t t = 0; t < s->n_topics; t++) {
		const struct pb_topic *tp = &s->topics[t];
		const char *rank = tp->rank ? tp->rank : s->rank;
		int mode = pb_rank_mode_parse(rank);

		c.t = tp;
		ctx_set(&c, i, sg, t);
		if (check_mode(&c, tp->rank) < 0)
			rc = -1;
		if (check_ids(&c, tp->like, tp->n_like) < 0)
			rc = -1;
		if (check_authors(&c, tp->like_authors, tp->n_like_authors) < 0)
			rc = -1;
		if (tp->query)
			continue;
		if (!sub_likes && !tp->n_like && !tp->n_like_authors)
			rc = fail(&c, "query", c.g, "missing (required) in %s%s: give a query, or "
				  "like / like_authors to rank the topic by similarity alone", "");
		else if (mode == PB_RANK_RULES || mode == PB_RANK_FILTER)
			rc = fail(&c, "rank", tp->rank ? NULL : member(sg, "rank"),
				  "%s: rank = \"%s\" needs a query", rank);
	}
	return rc;
}
