/* Turning the fields collected for one item into a paper record. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/log.h"
#include "parse_int.h"

void
pb_item_reset(struct pb_item *it)
{
	pb_paper_free(&it->p);
	free(it->desc);
	free(it->primary);
	free(it->keyname);
	free(it->forenames);
	free(it->suffix);
	memset(it, 0, sizeof *it);
}

void
pb_item_add_category(struct pb_item *it, char *cat)
{
	size_t i;

	if (!cat)
		return;
	if (strlen(cat) > 64 || it->p.n_categories >= PB_MAX_CATEGORIES) {
		if (!it->too_long)
			it->too_long = "categories";
		free(cat);
		return;
	}
	for (i = 0; i < it->p.n_categories; i++)
		if (strcmp(it->p.categories[i], cat) == 0) {
			free(cat);
			return;
		}
	it->p.categories = pb_xreallocarray(it->p.categories, it->p.n_categories + 1,
					    sizeof *it->p.categories);
	it->p.categories[it->p.n_categories++] = cat;
}

/* "Title. (arXiv:1805.08875v1 [hep-ex] CROSS LISTED)": the legacy RSS 1.0 title carries the
 * id, the primary category and the announce type; use them and strip the suffix. */
static void
rss1_title(struct pb_item *it)
{
	char **id = &it->p.id;
	int *ver = &it->p.version;
	char *t = it->p.title, *s, *e, *sp, *br, *rb;

	if (!t || !(s = strstr(t, " (arXiv:")))
		return;
	e = strrchr(s, ')');
	if (!e || e[1] != '\0')
		return;
	sp = strchr(s + 2, ' ');
	if (sp && sp < e && (!*id || !*ver)) {
		/* The link has the id without version; the title has both. */
		char *tok = pb_xstrndup(s + 2, (size_t)(sp - (s + 2))), *id2;
		int v2 = 0;
		id2 = pb_arxiv_id_split(tok, &v2);
		free(tok);
		if (id2 && (!*id || strcmp(*id, id2) == 0)) {
			free(*id);
			*id = id2;
			*ver = v2;
		} else {
			free(id2);
		}
	}
	br = strchr(s, '[');
	rb = br ? strchr(br, ']') : NULL;
	if (br && rb && rb < e) {
		char *cat = pb_xstrndup(br + 1, (size_t)(rb - br - 1));
		/* The bracketed one is the primary: it goes first. */
		if (it->primary)
			free(cat);
		else
			it->primary = cat;
		if (strstr(rb, "CROSS LISTED"))
			it->p.announce = PB_ANN_CROSS;
		else if (strstr(rb, "UPDATED"))
			it->p.announce = PB_ANN_REPLACE;
		else
			it->p.announce = PB_ANN_NEW;
	}
	/* Drop the suffix and the period arXiv put before it. */
	*s = '\0';
	if (s > t && s[-1] == '.')
		s[-1] = '\0';
}

/* Legacy RSS 1.0 descriptions and creators are escaped HTML: drop tags, decode the basic
 * entities once more. Links vanish without a trace, block tags become a space. */
char *
pb_strip_html(const char *s)
{
	static const struct {
		const char *e, *r;
	} ents[] = {
		{ "&lt;", "<" }, { "&gt;", ">" }, { "&amp;", "&" },
		{ "&quot;", "\"" }, { "&#39;", "'" }, { "&apos;", "'" },
	};
	struct pb_buf b;
	char *out;
	size_t k;

	pb_buf_init(&b);
	while (*s) {
		if (*s == '<') {
			const char *e = strchr(s, '>');
			if (!e)
				break;
			if (!(s[1] == 'a' || (s[1] == '/' && s[2] == 'a')))
				pb_buf_putc(&b, ' ');
			s = e + 1;
			continue;
		}
		if (*s == '&') {
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
				if (strncmp(s, ents[k].e, strlen(ents[k].e)) == 0)
					break;
			if (k < sizeof ents / sizeof ents[0]) {
				pb_buf_puts(&b, ents[k].r);
				s += strlen(ents[k].e);
				continue;
			}
		}
		pb_buf_putc(&b, *s++);
	}
	out = pb_norm_ws(b.data ? b.data : "", b.len);
	pb_buf_free(&b);
	return out;
}

static void
primary_first(struct pb_paper *p, const char *primary)
{
	size_t i;
	char *t;

	if (!primary)
		return;
	for (i = 0; i < p->n_categories; i++)
		if (strcmp(p->categories[i], primary) == 0)
			break;
	if (i == p->n_categories) {
		p->categories = pb_xreallocarray(p->categories, p->n_categories + 1,
						 sizeof *p->categories);
		p->categories[p->n_categories++] = pb_xstrdup(primary);
	}
	if (i > 0) {
		t = p->categories[i];
		memmove(p->categories + 1, p->categories, i * sizeof *p->categories);
		p->categories[0] = t;
	}
}

/* Warns naming the item by its place in the document, its id and its title. */
static void
skip_item(struct pb_parser *c, const char *why)
{
	const struct pb_paper *p = &c->it.p;

	pb_warn("parse_skip", "source=%s item=%zu id=%s title=%s reason=%s", pb_q(c->source),
		c->n_items, pb_q(p->id ? p->id : "-"), pb_q(p->title ? p->title : "-"),
		pb_q(why));
	c->n_skipped++;
}

void
pb_item_finish(struct pb_parser *c)
{
	struct pb_item *it = &c->it;
	struct pb_paper *p = &it->p;
	size_t i, k;

	c->n_items++;
	if (it->deleted) {
		pb_debug("parse_deleted", "source=%s id=%s", pb_q(c->source),
			 pb_q(p->id ? p->id : "-"));
		goto out;
	}
	/* The API's error entry: id https://arxiv.org/api/errors#..., title "Error". */
	if (!it->error_entry && c->kind == PB_FEED_API_ATOM && !p->id && p->title &&
	    strcmp(p->title, "Error") == 0)
		it->error_entry = 1;
	if (it->error_entry) {
		/* Its summary is arXiv's message. */
		if (!c->arxiv_error)
			c->arxiv_error = pb_xstrdup(it->desc ? it->desc :
						    p->title ? p->title : "arXiv API error");
		goto out;
	}
	if (c->kind == PB_FEED_RSS1)
		rss1_title(it);
	if (it->oai_version && !p->version)
		p->version = it->oai_version;

	if (c->kind == PB_FEED_RSS1 && it->desc) {
		p->abstract = pb_strip_html(it->desc);
	} else {
		p->abstract = it->desc; /* the prefix went when the field ended */
		it->desc = NULL;
	}
	if (!it->too_long && p->abstract && strlen(p->abstract) > PB_MAX_ABSTRACT)
		it->too_long = "abstract";
	if (!p->id) {
		skip_item(c, "no arXiv id");
		goto out;
	}
	if (it->too_long) {
		struct pb_buf why;
		pb_buf_init(&why);
		pb_buf_printf(&why, "%s too long", it->too_long);
		skip_item(c, pb_buf_str(&why));
		pb_buf_free(&why);
		goto out;
	}

	/* Authors without a name (an empty <name/>) are noise. */
	for (i = 0, k = 0; i < p->n_authors; i++) {
		if (p->authors[i].name)
			p->authors[k++] = p->authors[i];
		else
			pb_author_free(&p->authors[i]);
	}
	p->n_authors = k;
	primary_first(p, it->primary);

	if (c->n_pend == c->cap_pend) {
		c->cap_pend = c->cap_pend ? c->cap_pend * 2 : 256;
		c->pend = pb_xreallocarray(c->pend, c->cap_pend, sizeof *c->pend);
	}
	c->pend[c->n_pend++] = *p;
	memset(p, 0, sizeof *p);
out:
	pb_item_reset(it);
}
