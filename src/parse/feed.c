/* Feed parsing: one streaming SAX2 pass over an arXiv response (no DOM), turning API Atom,
 * rss.arxiv.org RSS 2.0 / Atom, legacy RSS 1.0 and OAI-PMH records into struct pb_paper. */
#include "paperboy/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "parse_int.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_ARXIV "http://arxiv.org/schemas/atom"
#define NS_OS "http://a9.com/-/spec/opensearch/1.1/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_RSS1 "http://purl.org/rss/1.0/"

/* Per-record limits: beyond them a record is not a paper but garbage or an attack. */
#define MAX_TITLE 4096
#define MAX_ABSTRACT 65536
#define MAX_AUTHORS 5000
#define MAX_SMALL 16384         /* comment, journal ref, author name, affiliation */
#define MAX_TINY 1024           /* ids, dates, DOIs, categories */
#define MAX_CREATOR (MAX_AUTHORS * 256)
#define MAX_CATEGORIES 500
#define CHUNK (256 * 1024)

enum field {
	F_NONE = 0,
	/* item */
	F_ID, F_GUID, F_LINK, F_TITLE, F_ABSTRACT, F_PUBLISHED, F_UPDATED, F_CATEGORY,
	F_ANNOUNCE, F_CREATOR, F_AUTHOR_NAME, F_AFFIL, F_COMMENT, F_JREF, F_DOI,
	/* feed */
	F_FEED_TITLE, F_FEED_DESC, F_FEED_DATE, F_FEED_ID, F_TOTAL, F_START,
};

static const struct {
	const char *name;
	size_t cap;
} fields[] = {
	[F_NONE] = { "-", 0 },
	[F_ID] = { "id", MAX_TINY },
	[F_GUID] = { "guid", MAX_TINY },
	[F_LINK] = { "link", MAX_TINY },
	[F_TITLE] = { "title", MAX_TITLE },
	[F_ABSTRACT] = { "abstract", MAX_ABSTRACT + 512 },
	[F_PUBLISHED] = { "published", MAX_TINY },
	[F_UPDATED] = { "updated", MAX_TINY },
	[F_CATEGORY] = { "category", MAX_TINY },
	[F_ANNOUNCE] = { "announce_type", MAX_TINY },
	[F_CREATOR] = { "creator", MAX_CREATOR },
	[F_AUTHOR_NAME] = { "author", MAX_SMALL },
	[F_AFFIL] = { "affiliation", MAX_SMALL },
	[F_COMMENT] = { "comment", MAX_SMALL },
	[F_JREF] = { "journal_ref", MAX_SMALL },
	[F_DOI] = { "doi", MAX_TINY },
	[F_FEED_TITLE] = { "feed title", MAX_SMALL },
	[F_FEED_DESC] = { "feed description", MAX_ABSTRACT },
	[F_FEED_DATE] = { "feed date", MAX_TINY },
	[F_FEED_ID] = { "feed id", MAX_TINY },
	[F_TOTAL] = { "totalResults", MAX_TINY },
	[F_START] = { "startIndex", MAX_TINY },
};

struct item {
	struct pb_paper p;
	char *guid, *link, *atom_id, *desc, *creator, *primary, *pub_raw, *upd_raw;
	const char *too_long;   /* the first field over its limit, or NULL */
};

struct ctx {
	xmlParserCtxtPtr xp;
	const char *source;
	enum pb_feed_kind kind;
	int is_oai;
	int depth;
	int root_seen;
	int item_depth;         /* depth of the open item/entry, 0 outside */
	int author_depth;       /* depth of the open Atom <author>, 0 outside */
	enum field field;
	int field_depth;
	int overflow;           /* current field exceeded its raw cap */
	struct pb_buf text;
	struct item it;

	char *feed_title, *feed_desc, *feed_id, *feed_date_raw;
	char announce_day[11];
	long total, start;
	char *api_error;

	struct pb_paper *pend;  /* parsed records, handed to the set only if the feed is sound */
	size_t n_pend, cap_pend;
	size_t n_items, n_skipped;
	int xml_error;
	char bad[512];
};

static void
item_reset(struct item *it)
{
	pb_paper_free(&it->p);
	free(it->guid);
	free(it->link);
	free(it->atom_id);
	free(it->desc);
	free(it->creator);
	free(it->primary);
	free(it->pub_raw);
	free(it->upd_raw);
	memset(it, 0, sizeof *it);
}

static void
set_bad(struct ctx *c, const char *fmt, const char *a, long line)
{
	if (c->bad[0])
		return;
	snprintf(c->bad, sizeof c->bad, fmt, a ? a : "", line);
}

static int
uri_is(const xmlChar *uri, const char *want)
{
	if (!uri)
		return want == NULL;
	return want && strcmp((const char *)uri, want) == 0;
}

static int
name_is(const xmlChar *local, const char *want)
{
	return strcmp((const char *)local, want) == 0;
}

static char *
attr_value(int nb, const xmlChar **attrs, const char *name)
{
	int i;

	for (i = 0; i < nb; i++) {
		const xmlChar **a = attrs + i * 5;
		if (!a[2] && strcmp((const char *)a[0], name) == 0)
			return pb_norm_ws((const char *)a[3], (size_t)(a[4] - a[3]));
	}
	return NULL;
}

static void
add_category(struct item *it, char *cat)
{
	size_t i;

	if (!cat)
		return;
	if (strlen(cat) > 64 || it->p.n_categories >= MAX_CATEGORIES) {
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

static void
start_field(struct ctx *c, enum field f)
{
	c->field = f;
	c->field_depth = c->depth;
	c->overflow = 0;
	pb_buf_reset(&c->text);
}

/* Decides what an element opening at c->depth means. */
static void
on_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nb_ns,
	 const xmlChar **ns, int nb_attrs, int nb_def, const xmlChar **attrs)
{
	struct ctx *c = ud;
	struct item *it = &c->it;
	int d;

	(void)prefix;
	(void)nb_ns;
	(void)ns;
	(void)nb_def;
	d = ++c->depth;
	if (c->field != F_NONE)
		return; /* markup inside a text field (rare): its text still counts */

	if (d == 1) {
		c->root_seen = 1;
		if (name_is(local, "rss") && !uri)
			c->kind = PB_FEED_RSS2;
		else if (name_is(local, "feed") && uri_is(uri, NS_ATOM))
			c->kind = PB_FEED_API_ATOM; /* refined to ATOM by the feed id or entries */
		else if (name_is(local, "RDF") && uri_is(uri, NS_RDF))
			c->kind = PB_FEED_RSS1;
		else {
			if (strcasecmp((const char *)local, "html") == 0)
				set_bad(c, "an HTML page, not a feed%s", NULL, 0);
			else
				set_bad(c, "not an arXiv feed: root element <%s>", (const char *)local, 0);
			xmlStopParser(c->xp);
		}
		return;
	}

	if (c->item_depth == 0) {
		switch (c->kind) {
		case PB_FEED_RSS2:
			if (d == 3 && !uri && name_is(local, "item")) {
				c->item_depth = d;
			} else if (d == 3 && !uri) {
				if (name_is(local, "title"))
					start_field(c, F_FEED_TITLE);
				else if (name_is(local, "description"))
					start_field(c, F_FEED_DESC);
				else if (name_is(local, "pubDate"))
					start_field(c, F_FEED_DATE);
			}
			break;
		case PB_FEED_API_ATOM:
		case PB_FEED_ATOM:
			if (d != 2)
				break;
			if (uri_is(uri, NS_ATOM)) {
				if (name_is(local, "entry"))
					c->item_depth = d;
				else if (name_is(local, "title"))
					start_field(c, F_FEED_TITLE);
				else if (name_is(local, "id"))
					start_field(c, F_FEED_ID);
			} else if (uri_is(uri, NS_OS)) {
				if (name_is(local, "totalResults"))
					start_field(c, F_TOTAL);
				else if (name_is(local, "startIndex"))
					start_field(c, F_START);
			}
			break;
		case PB_FEED_RSS1:
			if (d == 2 && uri_is(uri, NS_RSS1) && name_is(local, "item")) {
				c->item_depth = d;
			} else if (d == 3) {
				if (uri_is(uri, NS_RSS1) && name_is(local, "title"))
					start_field(c, F_FEED_TITLE);
				else if (uri_is(uri, NS_RSS1) && name_is(local, "description"))
					start_field(c, F_FEED_DESC);
				else if (uri_is(uri, NS_DC) && name_is(local, "date"))
					start_field(c, F_FEED_DATE);
			}
			break;
		default:
			break;
		}
		return;
	}

	/* Inside an item. */
	if (c->author_depth && d == c->author_depth + 1) {
		if (uri_is(uri, NS_ATOM) && name_is(local, "name"))
			start_field(c, F_AUTHOR_NAME);
		else if (uri_is(uri, NS_ARXIV) && name_is(local, "affiliation"))
			start_field(c, F_AFFIL);
		return;
	}
	if (d != c->item_depth + 1)
		return;
	if (uri_is(uri, NS_ARXIV)) {
		if (name_is(local, "announce_type"))
			start_field(c, F_ANNOUNCE);
		else if (name_is(local, "comment"))
			start_field(c, F_COMMENT);
		else if (name_is(local, "journal_ref") || name_is(local, "journal_reference"))
			start_field(c, F_JREF);
		else if (name_is(local, "doi") || name_is(local, "DOI"))
			start_field(c, F_DOI);
		else if (name_is(local, "primary_category")) {
			free(it->primary);
			it->primary = attr_value(nb_attrs, attrs, "term");
		}
		return;
	}
	if (uri_is(uri, NS_DC)) {
		if (name_is(local, "creator"))
			start_field(c, F_CREATOR);
		return;
	}
	if (c->kind == PB_FEED_RSS2 ? !uri : uri_is(uri, c->kind == PB_FEED_RSS1 ? NS_RSS1 : NS_ATOM)) {
		switch (local[0]) {
		case 't':
			if (name_is(local, "title"))
				start_field(c, F_TITLE);
			break;
		case 'l':
			if (name_is(local, "link"))
				start_field(c, F_LINK);
			break;
		case 'd':
			if (name_is(local, "description"))
				start_field(c, F_ABSTRACT);
			break;
		case 's':
			if (name_is(local, "summary"))
				start_field(c, F_ABSTRACT);
			break;
		case 'g':
			if (name_is(local, "guid"))
				start_field(c, F_GUID);
			break;
		case 'i':
			if (name_is(local, "id"))
				start_field(c, F_ID);
			break;
		case 'p':
			if (name_is(local, "pubDate") || name_is(local, "published"))
				start_field(c, F_PUBLISHED);
			break;
		case 'u':
			if (name_is(local, "updated"))
				start_field(c, F_UPDATED);
			break;
		case 'c':
			if (name_is(local, "category")) {
				if (c->kind == PB_FEED_RSS2)
					start_field(c, F_CATEGORY);
				else
					add_category(it, attr_value(nb_attrs, attrs, "term"));
			}
			break;
		case 'a':
			if (name_is(local, "author") && c->kind != PB_FEED_RSS2) {
				struct pb_paper *p = &it->p;
				c->author_depth = d;
				if (p->n_authors >= MAX_AUTHORS) {
					if (!it->too_long)
						it->too_long = "authors";
					break;
				}
				p->authors = pb_xreallocarray(p->authors, p->n_authors + 1,
							      sizeof *p->authors);
				memset(&p->authors[p->n_authors++], 0, sizeof *p->authors);
			}
			break;
		default:
			break;
		}
	}
}

static void
on_text(void *ud, const xmlChar *s, int len)
{
	struct ctx *c = ud;

	if (c->field == F_NONE || c->overflow || len <= 0)
		return;
	/* Raw text may carry wrapping whitespace, so the raw cap is looser than the final one. */
	if (c->text.len + (size_t)len > fields[c->field].cap * 2 + 4096) {
		c->overflow = 1;
		pb_buf_reset(&c->text);
		return;
	}
	pb_buf_append(&c->text, s, (size_t)len);
}

static void
set_str(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

static void
end_field(struct ctx *c)
{
	struct item *it = &c->it;
	enum field f = c->field;
	char *v = NULL;

	c->field = F_NONE;
	if (c->overflow || c->text.len > fields[f].cap * 2 + 4096) {
		if (f >= F_FEED_TITLE)
			return;
		if (!it->too_long)
			it->too_long = fields[f].name;
		return;
	}
	v = pb_norm_ws(c->text.data ? c->text.data : "", c->text.len);
	if (v && strlen(v) > fields[f].cap) {
		free(v);
		if (f < F_FEED_TITLE && !it->too_long)
			it->too_long = fields[f].name;
		return;
	}
	switch (f) {
	case F_ID: set_str(&it->atom_id, v); break;
	case F_GUID: set_str(&it->guid, v); break;
	case F_LINK: set_str(&it->link, v); break;
	case F_TITLE: set_str(&it->p.title, v); break;
	case F_ABSTRACT: set_str(&it->desc, v); break;
	case F_PUBLISHED: set_str(&it->pub_raw, v); break;
	case F_UPDATED: set_str(&it->upd_raw, v); break;
	case F_CATEGORY: add_category(it, v); break;
	case F_ANNOUNCE:
		it->p.announce = pb_announce_parse(v);
		free(v);
		break;
	case F_CREATOR: set_str(&it->creator, v); break;
	case F_AUTHOR_NAME:
		if (it->p.n_authors && c->author_depth)
			set_str(&it->p.authors[it->p.n_authors - 1].name, v);
		else
			free(v);
		break;
	case F_AFFIL:
		if (v && it->p.n_authors && c->author_depth) {
			struct pb_author *a = &it->p.authors[it->p.n_authors - 1];
			a->affils = pb_xreallocarray(a->affils, a->n_affils + 1, sizeof *a->affils);
			a->affils[a->n_affils++] = v;
		} else {
			free(v);
		}
		break;
	case F_COMMENT: set_str(&it->p.comment, v); break;
	case F_JREF: set_str(&it->p.journal_ref, v); break;
	case F_DOI: set_str(&it->p.doi, v); break;
	case F_FEED_TITLE: set_str(&c->feed_title, v); break;
	case F_FEED_DESC: set_str(&c->feed_desc, v); break;
	case F_FEED_DATE: set_str(&c->feed_date_raw, v); break;
	case F_FEED_ID:
		if (v && strstr(v, "rss.arxiv.org"))
			c->kind = PB_FEED_ATOM;
		set_str(&c->feed_id, v);
		break;
	case F_TOTAL:
	case F_START:
		if (v) {
			char *e;
			long n = strtol(v, &e, 10);
			if (*e == '\0' && n >= 0)
				*(f == F_TOTAL ? &c->total : &c->start) = n;
		}
		free(v);
		break;
	case F_NONE:
		free(v);
		break;
	}
}

/* "Title. (arXiv:1805.08875v1 [hep-ex] CROSS LISTED)": the legacy RSS 1.0 title carries the
 * id, the primary category and the announce type; strip and use them. */
static void
rss1_title(struct item *it, char **id, int *ver)
{
	char *t = it->p.title, *s, *e;

	if (!t || !(s = strstr(t, " (arXiv:")))
		return;
	e = strchr(s, ')');
	if (!e || e[1] != '\0')
		return;
	{
		char *sp = strchr(s + 2, ' '), *br, *cat;
		if (sp && sp < e && !*id) {
			char *tok = pb_xstrndup(s + 2, (size_t)(sp - (s + 2)));
			*id = pb_arxiv_id_split(tok, ver);
			free(tok);
		}
		br = strchr(s, '[');
		if (br && br < e) {
			char *rb = strchr(br, ']');
			if (rb && rb < e) {
				cat = pb_xstrndup(br + 1, (size_t)(rb - br - 1));
				add_category(it, cat);
				if (strstr(rb, "CROSS LISTED"))
					it->p.announce = PB_ANN_CROSS;
				else if (strstr(rb, "UPDATED"))
					it->p.announce = PB_ANN_REPLACE;
				else
					it->p.announce = PB_ANN_NEW;
			}
		}
	}
	/* Drop the suffix and the period arXiv put before it. */
	*s = '\0';
	if (s > t && s[-1] == '.')
		s[-1] = '\0';
}

/* Legacy descriptions and creators are escaped HTML: drop tags, decode the basic entities. */
static char *
strip_html(const char *s)
{
	struct pb_buf b;
	char *out;

	pb_buf_init(&b);
	while (*s) {
		if (*s == '<') {
			const char *e = strchr(s, '>');
			if (!e)
				break;
			s = e + 1;
			pb_buf_putc(&b, ' ');
			continue;
		}
		if (*s == '&') {
			static const struct { const char *e, *r; } ents[] = {
				{ "&lt;", "<" }, { "&gt;", ">" }, { "&amp;", "&" },
				{ "&quot;", "\"" }, { "&#39;", "'" }, { "&apos;", "'" },
			};
			size_t k;
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
primary_first(struct pb_paper *p, char *primary)
{
	size_t i;

	if (!primary)
		return;
	for (i = 0; i < p->n_categories; i++)
		if (strcmp(p->categories[i], primary) == 0)
			break;
	if (i == p->n_categories) {
		p->categories = pb_xreallocarray(p->categories, p->n_categories + 1,
						 sizeof *p->categories);
		p->n_categories++;
		p->categories[i] = pb_xstrdup(primary);
	}
	if (i > 0) {
		char *t = p->categories[i];
		memmove(p->categories + 1, p->categories, i * sizeof *p->categories);
		p->categories[0] = t;
	}
}

static void
skip_item(struct ctx *c, const char *id, const char *why)
{
	pb_warn("parse_skip", "source=%s item=%zu id=%s reason=%s", pb_q(c->source), c->n_items,
		pb_q(id ? id : "-"), pb_q(why));
	c->n_skipped++;
}

static void
end_item(struct ctx *c)
{
	struct item *it = &c->it;
	struct pb_paper *p = &it->p;
	char *id = NULL, day[11] = "";
	int ver = 0;
	const char *d;

	c->n_items++;
	if (it->atom_id && strstr(it->atom_id, "/api/errors")) {
		/* The API's error entry: its summary is arXiv's message. */
		if (!c->api_error)
			c->api_error = pb_xstrdup(it->desc ? it->desc :
						  p->title ? p->title : it->atom_id);
		goto out;
	}
	if (it->guid)
		id = pb_arxiv_id_split(it->guid, &ver);
	if (!id && it->atom_id) {
		id = pb_arxiv_id_split(it->atom_id, &ver);
		if (id && strncmp(it->atom_id, "oai:", 4) == 0)
			c->kind = PB_FEED_ATOM;
	}
	if (c->kind == PB_FEED_RSS1)
		rss1_title(it, &id, &ver);

	/* "arXiv:2411.17700v1 Announce Type: new Abstract: ..." (RSS 2.0 and rss Atom). */
	d = it->desc;
	if (d && strncmp(d, "arXiv:", 6) == 0) {
		const char *sp = strchr(d, ' ');
		size_t n = sp ? (size_t)(sp - d) : strlen(d);
		if (!id || !ver) {
			char *tok = pb_xstrndup(d, n), *id2;
			int v2 = 0;
			id2 = pb_arxiv_id_split(tok, &v2);
			free(tok);
			if (!id) {
				id = id2;
				ver = v2;
			} else {
				if (id2 && strcmp(id, id2) == 0)
					ver = v2;
				free(id2);
			}
		}
		d += n;
		while (*d == ' ')
			d++;
		if (strncmp(d, "Announce Type: ", 15) == 0) {
			const char *t = d + 15;
			const char *te = strchr(t, ' ');
			size_t tn = te ? (size_t)(te - t) : strlen(t);
			if (p->announce == PB_ANN_UNKNOWN) {
				char *tok = pb_xstrndup(t, tn);
				p->announce = pb_announce_parse(tok);
				free(tok);
			}
			d = t + tn;
			while (*d == ' ')
				d++;
		}
		if (strncmp(d, "Abstract:", 9) == 0) {
			d += 9;
			while (*d == ' ')
				d++;
		}
	}
	if (d) {
		if (c->kind == PB_FEED_RSS1)
			p->abstract = strip_html(d);
		else if (*d)
			p->abstract = pb_xstrdup(d);
	}
	if (!it->too_long && p->abstract && strlen(p->abstract) > MAX_ABSTRACT)
		it->too_long = "abstract";
	if (!id && it->link)
		id = pb_arxiv_id_split(it->link, &ver);
	if (!id) {
		skip_item(c, it->guid ? it->guid : it->atom_id ? it->atom_id : it->link,
			  "no arXiv id");
		goto out;
	}
	if (it->too_long) {
		struct pb_buf why;
		pb_buf_init(&why);
		pb_buf_printf(&why, "%s too long", it->too_long);
		skip_item(c, id, pb_buf_str(&why));
		pb_buf_free(&why);
		free(id);
		goto out;
	}
	p->id = id;
	p->version = ver;

	if (it->creator && p->n_authors == 0) {
		char *cr = c->kind == PB_FEED_RSS1 ? strip_html(it->creator) : NULL;
		if (pb_split_creators(cr ? cr : it->creator, p, MAX_AUTHORS) < 0) {
			free(cr);
			skip_item(c, id, "authors too many");
			goto out;
		}
		free(cr);
	}
	/* Atom authors without a name (empty <name/>) are noise. */
	{
		size_t i, k = 0;
		for (i = 0; i < p->n_authors; i++) {
			if (p->authors[i].name)
				p->authors[k++] = p->authors[i];
			else
				pb_author_free(&p->authors[i]);
		}
		p->n_authors = k;
	}
	primary_first(p, it->primary);

	if (c->kind == PB_FEED_RSS2)
		p->published = pb_date_rfc822_utc(it->pub_raw, day);
	else
		p->published = pb_date_iso_utc(it->pub_raw, day);
	p->updated = pb_date_iso_utc(it->upd_raw, NULL);
	if (!c->announce_day[0] && day[0] &&
	    (c->kind == PB_FEED_ATOM || c->kind == PB_FEED_RSS2))
		memcpy(c->announce_day, day, sizeof day);

	if (c->n_pend == c->cap_pend) {
		c->cap_pend = c->cap_pend ? c->cap_pend * 2 : 256;
		c->pend = pb_xreallocarray(c->pend, c->cap_pend, sizeof *c->pend);
	}
	c->pend[c->n_pend++] = *p;
	memset(p, 0, sizeof *p);
out:
	item_reset(it);
}

static void
on_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct ctx *c = ud;

	(void)local;
	(void)prefix;
	(void)uri;
	if (c->field != F_NONE && c->depth == c->field_depth)
		end_field(c);
	if (c->author_depth && c->depth == c->author_depth)
		c->author_depth = 0;
	if (c->item_depth && c->depth == c->item_depth) {
		end_item(c);
		c->item_depth = 0;
		c->author_depth = 0;
	}
	c->depth--;
}

static void
on_error(void *ud, xmlErrorPtr e)
{
	struct ctx *c = ud;
	char msg[300];
	size_t n;

	if (!e || e->level == XML_ERR_WARNING || c->xml_error)
		return;
	c->xml_error = 1;
	snprintf(msg, sizeof msg, "%s", e->message ? e->message : "XML error");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	switch (e->code) {
	case XML_ERR_INVALID_CHAR:
	case XML_ERR_INVALID_ENCODING:
	case XML_ERR_UNKNOWN_ENCODING:
	case XML_ERR_UNSUPPORTED_ENCODING:
		set_bad(c, "invalid UTF-8 or encoding (%s) at line %ld", msg, e->line);
		break;
	case XML_ERR_DOCUMENT_END:
	case XML_ERR_DOCUMENT_EMPTY:
	case XML_ERR_TAG_NOT_FINISHED:
	case XML_ERR_LTSLASH_REQUIRED:
	case XML_ERR_GT_REQUIRED:
		set_bad(c, "document ends early, truncated? (%s) at line %ld", msg, e->line);
		break;
	default:
		set_bad(c, "not well-formed XML (%s) at line %ld", msg, e->line);
		break;
	}
}

/* A quick look at the first bytes: HTML error pages are the most common non-feed answer. */
static int
looks_html(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (len - i >= 14 && strncasecmp(data + i, "<!DOCTYPE html", 14) == 0)
		return 1;
	if (len - i >= 5 && strncasecmp(data + i, "<html", 5) == 0)
		return 1;
	return 0;
}

static void
ctx_free(struct ctx *c)
{
	size_t i;

	item_reset(&c->it);
	pb_buf_free(&c->text);
	for (i = 0; i < c->n_pend; i++)
		pb_paper_free(&c->pend[i]);
	free(c->pend);
	free(c->feed_title);
	free(c->feed_desc);
	free(c->feed_id);
	free(c->feed_date_raw);
	free(c->api_error);
}

static void
copy_msg(struct pb_parse_result *res, const char *prefix, const char *msg)
{
	snprintf(res->message, sizeof res->message, "%s%s", prefix ? prefix : "", msg ? msg : "");
}

const char *
pb_feed_kind_name(enum pb_feed_kind k)
{
	switch (k) {
	case PB_FEED_API_ATOM: return "api-atom";
	case PB_FEED_RSS2: return "rss2";
	case PB_FEED_ATOM: return "atom";
	case PB_FEED_RSS1: return "rss1";
	case PB_FEED_UNKNOWN: break;
	}
	return "unknown";
}

enum pb_parse_status
pb_parse_feed(const char *data, size_t len, const char *source, struct pb_paperset *out,
	      struct pb_parse_result *res)
{
	xmlSAXHandler sax;
	struct ctx c;
	size_t off, i;
	enum pb_parse_status st = PB_PARSE_BAD;

	memset(res, 0, sizeof *res);
	memset(&c, 0, sizeof c);
	c.source = source ? source : "feed";
	c.total = c.start = -1;

	if (!data || len == 0) {
		copy_msg(res, c.source, ": empty response body");
		goto out;
	}
	if (looks_html(data, len)) {
		copy_msg(res, c.source, ": an HTML page, not a feed");
		goto out;
	}
	if (len > (size_t)1 << 31) {
		copy_msg(res, c.source, ": response larger than 2 GB");
		goto out;
	}

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_text;
	sax.cdataBlock = on_text;
	sax.serror = on_error;
	/* No entity, DTD or external-subset callbacks: nothing outside the body is loaded and
	 * undeclared entities are errors. */
	c.xp = xmlCreatePushParserCtxt(&sax, &c, NULL, 0, c.source);
	if (!c.xp) {
		copy_msg(res, c.source, ": cannot create XML parser");
		goto out;
	}
	xmlCtxtUseOptions(c.xp, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	for (off = 0; off < len && !c.bad[0]; off += CHUNK) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		int last = off + n >= len;
		if (xmlParseChunk(c.xp, data + off, (int)n, last) != 0 && !c.bad[0])
			set_bad(&c, "not well-formed XML%s", NULL, 0);
	}
	if (!c.bad[0] && (!c.xp->wellFormed || c.depth != 0))
		set_bad(&c, "document ends early, truncated?%s", NULL, 0);
	if (!c.bad[0] && !c.root_seen)
		set_bad(&c, "no XML document%s", NULL, 0);
	xmlFreeParserCtxt(c.xp);
	c.xp = NULL;

	res->kind = c.kind;
	res->n_items = c.n_items;
	res->n_skipped = c.n_skipped;
	if (c.bad[0]) {
		copy_msg(res, c.source, ": ");
		snprintf(res->message + strlen(res->message),
			 sizeof res->message - strlen(res->message), "%s", c.bad);
		goto out;
	}
	if (c.api_error) {
		copy_msg(res, NULL, c.api_error);
		st = PB_PARSE_ARXIV_ERROR;
		goto out;
	}
	if (c.kind == PB_FEED_RSS2 && c.feed_title &&
	    strncmp(c.feed_title, "Feed error for query", 20) == 0) {
		copy_msg(res, NULL, c.feed_desc ? c.feed_desc : c.feed_title);
		st = PB_PARSE_ARXIV_ERROR;
		goto out;
	}

	if (c.feed_title && !out->feed_title)
		out->feed_title = pb_xstrdup(c.feed_title);
	if (c.feed_date_raw && !c.announce_day[0] && c.kind != PB_FEED_API_ATOM) {
		char *t = c.kind == PB_FEED_RSS2 ? pb_date_rfc822_utc(c.feed_date_raw, c.announce_day)
						 : pb_date_iso_utc(c.feed_date_raw, c.announce_day);
		free(t);
	}
	if (c.feed_date_raw && c.kind == PB_FEED_RSS2) {
		/* The channel's pubDate names the announcement day, whatever the items say. */
		char day[11] = "", *t = pb_date_rfc822_utc(c.feed_date_raw, day);
		free(t);
		if (day[0])
			memcpy(c.announce_day, day, sizeof day);
	}
	if (c.announce_day[0] && !out->announce_date)
		out->announce_date = pb_xstrdup(c.announce_day);
	if (c.total >= 0)
		out->total_results = c.total;
	if (c.start >= 0)
		out->start_index = c.start;

	for (i = 0; i < c.n_pend; i++) {
		pb_paperset_add(out, &c.pend[i]);
		res->n_added++;
	}
	st = c.n_items == 0 ? PB_PARSE_EMPTY : PB_PARSE_OK;
out:
	if (c.xp)
		xmlFreeParserCtxt(c.xp);
	ctx_free(&c);
	res->status = st;
	return st;
}
