/* SAX2 callbacks of the feed parser: which element means what, text capture with limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlerror.h>

#include "parse_int.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_ARXIV "http://arxiv.org/schemas/atom"
#define NS_OS "http://a9.com/-/spec/opensearch/1.1/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_RSS1 "http://purl.org/rss/1.0/"
#define NS_OAI "http://www.openarchives.org/OAI/2.0/"

static const struct {
	const char *name;
	size_t cap;             /* longest value kept, after whitespace normalisation */
} fields[F_COUNT] = {
	[F_NONE] = { "-", 0 },
	[F_ID] = { "id", PB_MAX_TINY },
	[F_GUID] = { "guid", PB_MAX_TINY },
	[F_LINK] = { "link", PB_MAX_TINY },
	[F_TITLE] = { "title", PB_MAX_TITLE },
	/* RSS descriptions carry "arXiv:ID Announce Type: T Abstract: " before the abstract. */
	[F_ABSTRACT] = { "abstract", PB_MAX_ABSTRACT + 512 },
	[F_PUBLISHED] = { "published", PB_MAX_TINY },
	[F_UPDATED] = { "updated", PB_MAX_TINY },
	[F_CATEGORY] = { "category", PB_MAX_TINY },
	[F_CATS] = { "categories", PB_MAX_SMALL },
	[F_ANNOUNCE] = { "announce_type", PB_MAX_TINY },
	[F_CREATOR] = { "authors", PB_MAX_CREATOR },
	[F_AUTHOR_NAME] = { "author name", PB_MAX_SMALL },
	[F_AFFIL] = { "affiliation", PB_MAX_SMALL },
	[F_KEYNAME] = { "author name", PB_MAX_SMALL },
	[F_FORENAMES] = { "author name", PB_MAX_SMALL },
	[F_SUFFIX] = { "author name", PB_MAX_SMALL },
	[F_VDATE] = { "version date", PB_MAX_TINY },
	[F_COMMENT] = { "comment", PB_MAX_SMALL },
	[F_JREF] = { "journal_ref", PB_MAX_SMALL },
	[F_DOI] = { "doi", PB_MAX_TINY },
	[F_FEED_TITLE] = { "feed title", PB_MAX_SMALL },
	[F_FEED_DESC] = { "feed description", PB_MAX_ABSTRACT },
	[F_FEED_DATE] = { "feed date", PB_MAX_TINY },
	[F_FEED_ID] = { "feed id", PB_MAX_TINY },
	[F_TOTAL] = { "totalResults", PB_MAX_TINY },
	[F_START] = { "startIndex", PB_MAX_TINY },
	[F_OAI_ERROR] = { "OAI error", PB_MAX_SMALL },
};

void
pb_parse_set_bad(struct pb_parser *c, const char *what, const char *detail, long line)
{
	struct pb_buf b;

	if (c->bad[0])
		return;
	pb_buf_init(&b);
	pb_buf_puts(&b, what);
	if (detail && *detail) {
		size_t i;
		pb_buf_puts(&b, " (");
		/* libxml2 messages carry newlines; a message is one line. */
		for (i = 0; detail[i]; i++)
			pb_buf_putc(&b, detail[i] == '\n' || detail[i] == '\r' ? ' ' : detail[i]);
		while (b.len && b.data[b.len - 1] == ' ')
			pb_buf_truncate(&b, b.len - 1);
		pb_buf_putc(&b, ')');
	}
	if (line > 0)
		pb_buf_printf(&b, " at line %ld", line);
	snprintf(c->bad, sizeof c->bad, "%s", pb_buf_str(&b));
	pb_buf_free(&b);
}

static int
uri_is(const xmlChar *uri, const char *want)
{
	return uri && strcmp((const char *)uri, want) == 0;
}

static int
name_is(const xmlChar *local, const char *want)
{
	return strcmp((const char *)local, want) == 0;
}

/* The value of an un-namespaced attribute, whitespace-normalised, or NULL. Caller frees. */
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

static long
attr_long(int nb, const xmlChar **attrs, const char *name)
{
	char *v = attr_value(nb, attrs, name), *e;
	long n = -1;

	if (v) {
		n = strtol(v, &e, 10);
		if (*e || n < 0)
			n = -1;
	}
	free(v);
	return n;
}

static void
start_field(struct pb_parser *c, enum pb_field f)
{
	c->field = f;
	c->field_depth = c->depth;
	c->overflow = 0;
	c->cut = 0;
	memset(&c->rest, 0, sizeof c->rest);
	c->pending_ws = 0;
	pb_buf_reset(&c->text);
}

static void
start_author(struct pb_parser *c)
{
	struct pb_item *it = &c->it;
	struct pb_paper *p = &it->p;

	c->author_depth = c->depth;
	/* Past the cap an author is counted, not kept (open_author then gives none). */
	if (it->n_listed++ >= PB_MAX_AUTHORS)
		return;
	p->authors = pb_xreallocarray(p->authors, p->n_authors + 1, sizeof *p->authors);
	memset(&p->authors[p->n_authors++], 0, sizeof *p->authors);
}

static void
start_root(struct pb_parser *c, const xmlChar *local, const xmlChar *uri)
{
	c->root_seen = 1;
	if (name_is(local, "rss") && !uri)
		c->kind = PB_FEED_RSS2;
	else if (name_is(local, "feed") && uri_is(uri, NS_ATOM))
		c->kind = PB_FEED_API_ATOM; /* becomes ATOM on an rss.arxiv.org id or oai: entries */
	else if (name_is(local, "RDF") && uri_is(uri, NS_RDF))
		c->kind = PB_FEED_RSS1;
	else if (name_is(local, "OAI-PMH") && uri_is(uri, NS_OAI))
		c->kind = PB_FEED_OAI;
	else {
		if (strcasecmp((const char *)local, "html") == 0)
			pb_parse_set_bad(c, "an HTML page, not a feed", NULL, 0);
		else
			pb_parse_set_bad(c, "not an arXiv feed: unknown root element",
					 (const char *)local, 0);
		xmlStopParser(c->xp);
	}
}

/* Elements outside items: channel/feed metadata and where items start. */
static void
start_outside(struct pb_parser *c, const xmlChar *local, const xmlChar *uri, int nb_attrs,
	      const xmlChar **attrs)
{
	int d = c->depth;

	switch (c->kind) {
	case PB_FEED_RSS2:
		if (d != 3 || uri)
			break;
		if (name_is(local, "item"))
			c->item_depth = d;
		else if (name_is(local, "title"))
			start_field(c, F_FEED_TITLE);
		else if (name_is(local, "description"))
			start_field(c, F_FEED_DESC);
		else if (name_is(local, "pubDate"))
			start_field(c, F_FEED_DATE);
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
			else if (name_is(local, "subtitle"))
				start_field(c, F_FEED_DESC); /* an error feed's message */
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
		if (d == 2 && uri_is(uri, NS_RSS1) && name_is(local, "item"))
			c->item_depth = d;
		else if (d == 3 && uri_is(uri, NS_RSS1) && name_is(local, "title"))
			start_field(c, F_FEED_TITLE);
		else if (d == 3 && uri_is(uri, NS_DC) && name_is(local, "date"))
			start_field(c, F_FEED_DATE);
		break;
	case PB_FEED_OAI:
		if (!uri_is(uri, NS_OAI))
			break;
		if (name_is(local, "record")) {
			c->item_depth = d;
		} else if (d == 2 && name_is(local, "error")) {
			char *code = attr_value(nb_attrs, attrs, "code");
			if (code && strcmp(code, "noRecordsMatch") == 0)
				c->oai_no_records = 1;
			else
				start_field(c, F_OAI_ERROR);
			free(code);
		} else if (name_is(local, "resumptionToken")) {
			long n = attr_long(nb_attrs, attrs, "completeListSize");
			if (n >= 0)
				c->total = n;
			n = attr_long(nb_attrs, attrs, "cursor");
			if (n >= 0)
				c->start = n;
		}
		break;
	default:
		break;
	}
}

/* Children of an Atom <entry>, RSS <item> (2.0 or 1.0). */
static void
start_entry_child(struct pb_parser *c, const xmlChar *local, const xmlChar *uri, int nb_attrs,
		  const xmlChar **attrs)
{
	struct pb_item *it = &c->it;
	const char *own;

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
	own = c->kind == PB_FEED_RSS1 ? NS_RSS1 : NS_ATOM;
	if (c->kind == PB_FEED_RSS2 ? uri != NULL : !uri_is(uri, own))
		return;
	switch (local[0]) {
	case 't':
		if (name_is(local, "title"))
			start_field(c, F_TITLE);
		break;
	case 'l':
		if (name_is(local, "link") && c->kind != PB_FEED_API_ATOM &&
		    c->kind != PB_FEED_ATOM)
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
		if (!name_is(local, "category"))
			break;
		if (c->kind == PB_FEED_RSS2)
			start_field(c, F_CATEGORY);
		else
			pb_item_add_category(it, attr_value(nb_attrs, attrs, "term"));
		break;
	case 'a':
		if (name_is(local, "author") && c->kind != PB_FEED_RSS2 && c->kind != PB_FEED_RSS1)
			start_author(c);
		break;
	default:
		break;
	}
}

/* Inside an OAI <record>: header/identifier, and the arXiv or arXivRaw metadata. */
static void
start_oai_child(struct pb_parser *c, const xmlChar *local, const xmlChar *uri, int nb_attrs,
		const xmlChar **attrs)
{
	struct pb_item *it = &c->it;
	int rel = c->depth - c->item_depth;

	if (rel == 1 && uri_is(uri, NS_OAI) && name_is(local, "header")) {
		char *st = attr_value(nb_attrs, attrs, "status");
		if (st && strcmp(st, "deleted") == 0)
			it->deleted = 1;
		free(st);
		return;
	}
	if (rel == 2 && uri_is(uri, NS_OAI) && name_is(local, "identifier")) {
		start_field(c, F_GUID);
		return;
	}
	if (rel == 3) {
		/* record/metadata/<arXiv|arXivRaw>/field */
		if (name_is(local, "id"))
			start_field(c, F_ID);
		else if (name_is(local, "title"))
			start_field(c, F_TITLE);
		else if (name_is(local, "abstract"))
			start_field(c, F_ABSTRACT);
		else if (name_is(local, "categories"))
			start_field(c, F_CATS);
		else if (name_is(local, "comments"))
			start_field(c, F_COMMENT);
		else if (name_is(local, "journal-ref"))
			start_field(c, F_JREF);
		else if (name_is(local, "doi"))
			start_field(c, F_DOI);
		else if (name_is(local, "created"))
			start_field(c, F_PUBLISHED);
		else if (name_is(local, "updated"))
			start_field(c, F_UPDATED);
		else if (name_is(local, "authors"))
			/* arXivRaw: a flat string; arXiv: <author> children (text then ignored). */
			start_field(c, F_CREATOR);
		else if (name_is(local, "version")) {
			char *v = attr_value(nb_attrs, attrs, "version");
			if (v && v[0] == 'v') {
				long n = strtol(v + 1, NULL, 10);
				if (n > it->oai_version && n < 100000)
					it->oai_version = (int)n;
			}
			free(v);
		}
		return;
	}
	if (rel == 4 && name_is(local, "date") && c->field == F_NONE)
		start_field(c, F_VDATE);
	else if (rel == 4 && name_is(local, "author"))
		start_author(c);
	else if (rel == 5 && c->author_depth) {
		if (name_is(local, "keyname"))
			start_field(c, F_KEYNAME);
		else if (name_is(local, "forenames"))
			start_field(c, F_FORENAMES);
		else if (name_is(local, "suffix"))
			start_field(c, F_SUFFIX);
		else if (name_is(local, "affiliation"))
			start_field(c, F_AFFIL);
	}
}

static void
on_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int nb_ns,
	 const xmlChar **ns, int nb_attrs, int nb_def, const xmlChar **attrs)
{
	struct pb_parser *c = ud;

	(void)prefix;
	(void)nb_ns;
	(void)ns;
	(void)nb_def;
	c->depth++;
	if (c->field != F_NONE) {
		/* arXiv format <authors> holds <author> elements: structure, not text. */
		if (c->field == F_CREATOR && c->kind == PB_FEED_OAI &&
		    c->depth == c->field_depth + 1) {
			c->field = F_NONE;
			start_oai_child(c, local, uri, nb_attrs, attrs);
		}
		return; /* other markup inside a text field: its text still counts */
	}
	if (c->depth == 1) {
		start_root(c, local, uri);
		return;
	}
	if (c->item_depth == 0) {
		start_outside(c, local, uri, nb_attrs, attrs);
		return;
	}
	if (c->kind == PB_FEED_OAI) {
		start_oai_child(c, local, uri, nb_attrs, attrs);
		return;
	}
	if (c->author_depth) {
		if (c->depth == c->author_depth + 1) {
			if (uri_is(uri, NS_ATOM) && name_is(local, "name"))
				start_field(c, F_AUTHOR_NAME);
			else if (uri_is(uri, NS_ARXIV) && name_is(local, "affiliation"))
				start_field(c, F_AFFIL);
		}
		return;
	}
	if (c->depth == c->item_depth + 1)
		start_entry_child(c, local, uri, nb_attrs, attrs);
}

static void
on_text(void *ud, const xmlChar *s, int len)
{
	struct pb_parser *c = ud;

	if (c->field == F_NONE || c->overflow || len <= 0)
		return;
	if (c->cut) {
		pb_count_creators(&c->rest, (const char *)s, (size_t)len, c->kind == PB_FEED_OAI);
		return;
	}
	/* Normalised as it arrives; past the cap the value is dropped (a creator list's names
	 * past it are only counted), which bounds memory whatever the input. */
	pb_norm_append(&c->text, (const char *)s, (size_t)len, &c->pending_ws);
	if (c->text.len > fields[c->field].cap) {
		size_t at;

		/* A large collaboration's creator list keeps the names that fit. */
		if (c->field == F_CREATOR &&
		    (at = pb_creators_cut(c->text.data, c->text.len, fields[F_CREATOR].cap,
					  c->kind == PB_FEED_OAI)) > 0) {
			c->cut = 1;
			pb_count_creators(&c->rest, c->text.data + at, c->text.len - at,
					  c->kind == PB_FEED_OAI);
			pb_buf_truncate(&c->text, at);
			return;
		}
		c->overflow = 1;
		pb_buf_free(&c->text);
	}
}

static void
set_str(char **dst, const char *v, size_t len)
{
	free(*dst);
	*dst = v ? pb_xstrndup(v, len) : NULL;
}

static void
set_id(struct pb_parser *c, const char *v, int rank)
{
	struct pb_item *it = &c->it;
	char *id;
	int ver = 0;

	if (!v || rank <= it->id_rank || !(id = pb_arxiv_id_split(v, &ver)))
		return;
	free(it->p.id);
	it->p.id = id;
	it->p.version = ver;
	it->id_rank = rank;
}

/* "arXiv:2411.17700v1 Announce Type: new Abstract: ..." (RSS 2.0, rss Atom): takes the id,
 * version and type from the prefix and returns where the abstract starts. v is the field's
 * own buffer, cut briefly to read the id. */
static char *
desc_prefix(struct pb_parser *c, char *v)
{
	char *sp, *t;

	if (strncmp(v, "arXiv:", 6) != 0)
		return v;
	sp = strchr(v, ' ');
	if (sp)
		*sp = '\0';
	set_id(c, v, 3);
	if (!sp)
		return v + strlen(v);
	*sp = ' ';
	v = sp + 1;
	if (strncmp(v, "Announce Type: ", 15) == 0) {
		t = v + 15;
		sp = strchr(t, ' ');
		if (sp)
			*sp = '\0';
		if (c->it.p.announce == PB_ANN_UNKNOWN)
			c->it.p.announce = pb_announce_parse(t);
		if (!sp)
			return t + strlen(t);
		*sp = ' ';
		v = sp + 1;
	}
	if (strncmp(v, "Abstract:", 9) == 0) {
		v += 9;
		if (*v == ' ')
			v++;
	}
	return v;
}

static void
set_date(struct pb_parser *c, char **dst, const char *v)
{
	char day[11] = "";

	free(*dst);
	*dst = v ? pb_date_utc(v, day) : NULL;
	/* rss.arxiv.org Atom items are published at midnight ET of the announcement day. */
	if (*dst && dst == &c->it.p.published && c->kind == PB_FEED_ATOM && !c->announce_day[0])
		memcpy(c->announce_day, day, sizeof day);
}

static struct pb_author *
open_author(struct pb_parser *c)
{
	struct pb_item *it = &c->it;

	if (!c->author_depth || !it->p.n_authors || it->too_long || it->n_listed > PB_MAX_AUTHORS)
		return NULL;
	return &it->p.authors[it->p.n_authors - 1];
}

static void
creators(struct pb_parser *c, char *v)
{
	struct pb_item *it = &c->it;
	char *cr = NULL, *t;

	if (!v || it->p.n_authors || it->too_long)
		return;
	if (c->kind == PB_FEED_RSS1) {
		/* Escaped HTML links; "Collaboration: A. Author, ..." -- the colon separates too. */
		cr = pb_strip_html(v);
		for (t = cr; t && (t = strstr(t, ": ")); t++)
			*t = ',';
	}
	it->n_listed = pb_split_creators(cr ? cr : v, &it->p, PB_MAX_AUTHORS,
					 c->kind == PB_FEED_OAI) + c->rest.names;
	free(cr);
}

/* A text field ended: normalise it in place in c->text and keep what the record needs. */
static void
end_field(struct pb_parser *c)
{
	struct pb_item *it = &c->it;
	enum pb_field f = c->field;
	struct pb_author *a;
	char *v = NULL, *e;
	size_t len = 0;
	long n;

	c->field = F_NONE;
	if (!c->overflow)
		len = c->text.len; /* normalised by on_text */
	if (c->overflow || len > fields[f].cap) {
		if (f < F_FEED_TITLE && !it->too_long)
			it->too_long = fields[f].name;
		return;
	}
	if (len)
		v = c->text.data;
	switch (f) {
	case F_ID:
		if (v && strstr(v, "/api/errors")) {
			it->error_entry = 1;
			break;
		}
		set_id(c, v, c->kind == PB_FEED_OAI ? 6 : 4);
		if (it->id_rank == 4 && strncmp(v, "oai:", 4) == 0 && c->kind == PB_FEED_API_ATOM)
			c->kind = PB_FEED_ATOM;
		break;
	case F_GUID: set_id(c, v, 6); break;
	case F_LINK: set_id(c, v, 2); break;
	case F_TITLE: set_str(&it->p.title, v, len); break;
	case F_ABSTRACT:
		if (v && c->kind != PB_FEED_RSS1) {
			char *d = desc_prefix(c, v);
			len -= (size_t)(d - v);
			v = len ? d : NULL;
		}
		set_str(&it->desc, v, len);
		break;
	case F_PUBLISHED: set_date(c, &it->p.published, v); break;
	case F_UPDATED: set_date(c, &it->p.updated, v); break;
	case F_VDATE:
		/* arXivRaw lists versions oldest first: the first is the submission. */
		if (!it->p.published)
			set_date(c, &it->p.published, v);
		set_date(c, &it->p.updated, v);
		break;
	case F_CATEGORY:
		if (v)
			pb_item_add_category(it, pb_xstrndup(v, len));
		break;
	case F_CATS:
		if (v) {
			char *save = NULL, *tok;
			for (tok = strtok_r(v, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
				pb_item_add_category(it, pb_xstrdup(tok));
		}
		break;
	case F_ANNOUNCE: it->p.announce = pb_announce_parse(v); break;
	case F_CREATOR: creators(c, v); break;
	case F_AUTHOR_NAME:
		if ((a = open_author(c)))
			set_str(&a->name, v, len);
		break;
	case F_AFFIL:
		if (v && (a = open_author(c))) {
			a->affils = pb_xreallocarray(a->affils, a->n_affils + 1, sizeof *a->affils);
			a->affils[a->n_affils++] = pb_xstrndup(v, len);
		}
		break;
	case F_KEYNAME: set_str(&it->keyname, v, len); break;
	case F_FORENAMES: set_str(&it->forenames, v, len); break;
	case F_SUFFIX: set_str(&it->suffix, v, len); break;
	case F_COMMENT: set_str(&it->p.comment, v, len); break;
	case F_JREF: set_str(&it->p.journal_ref, v, len); break;
	case F_DOI: set_str(&it->p.doi, v, len); break;
	/* The channel's own come first; RSS 1.0 <image> has a <title> too. */
	case F_FEED_TITLE:
		if (!c->feed_title)
			set_str(&c->feed_title, v, len);
		break;
	case F_FEED_DESC:
		if (!c->feed_desc)
			set_str(&c->feed_desc, v, len);
		break;
	case F_FEED_DATE:
		if (!c->feed_date_raw)
			set_str(&c->feed_date_raw, v, len);
		break;
	case F_FEED_ID:
		if (v && strstr(v, "rss.arxiv.org"))
			c->kind = PB_FEED_ATOM;
		set_str(&c->feed_id, v, len);
		break;
	case F_TOTAL:
	case F_START:
		if (!v)
			break;
		n = strtol(v, &e, 10);
		if (*e == '\0' && n >= 0)
			*(f == F_TOTAL ? &c->total : &c->start) = n;
		break;
	case F_OAI_ERROR:
		if (!c->arxiv_error)
			c->arxiv_error = pb_xstrdup(v ? v : "OAI-PMH error");
		break;
	case F_NONE:
	case F_COUNT:
		break;
	}
}

/* OAI arXiv format: <author><keyname/><forenames/><suffix/></author> -> "Forenames Keyname". */
static void
end_oai_author(struct pb_parser *c)
{
	struct pb_item *it = &c->it;
	struct pb_author *a = open_author(c);

	if (a && !a->name && (it->keyname || it->forenames)) {
		struct pb_buf b;
		pb_buf_init(&b);
		if (it->forenames)
			pb_buf_printf(&b, "%s ", it->forenames);
		if (it->keyname)
			pb_buf_puts(&b, it->keyname);
		if (it->suffix)
			pb_buf_printf(&b, " %s", it->suffix);
		a->name = pb_norm_ws(b.data, b.len);
		pb_buf_free(&b);
	}
	free(it->keyname);
	free(it->forenames);
	free(it->suffix);
	it->keyname = it->forenames = it->suffix = NULL;
}

static void
on_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct pb_parser *c = ud;

	(void)local;
	(void)prefix;
	(void)uri;
	if (c->field != F_NONE && c->depth == c->field_depth)
		end_field(c);
	if (c->author_depth && c->depth == c->author_depth) {
		if (c->kind == PB_FEED_OAI)
			end_oai_author(c);
		c->author_depth = 0;
	}
	if (c->item_depth && c->depth == c->item_depth) {
		pb_item_finish(c);
		c->item_depth = 0;
		c->author_depth = 0;
	}
	c->depth--;
}

static void
on_error(void *ud, xmlErrorPtr e)
{
	struct pb_parser *c = ud;
	const char *msg;

	if (!e || e->level == XML_ERR_WARNING || c->xml_error)
		return;
	c->xml_error = 1;
	msg = e->message ? e->message : "XML error";
	switch (e->code) {
	case XML_ERR_INVALID_CHAR:
	case XML_ERR_INVALID_ENCODING:
	case XML_ERR_UNKNOWN_ENCODING:
	case XML_ERR_UNSUPPORTED_ENCODING:
		pb_parse_set_bad(c, "invalid UTF-8 or encoding", msg, e->line);
		break;
	case XML_ERR_DOCUMENT_EMPTY:
		pb_parse_set_bad(c, "not XML", msg, e->line);
		break;
	default:
		if (c->finishing)
			pb_parse_set_bad(c, "document ends early, truncated?", msg, e->line);
		else
			pb_parse_set_bad(c, "not well-formed XML", msg, e->line);
		break;
	}
}

/* arXiv never sends a DTD; one in a response is a different document or an attack
 * (entity expansion), so it ends the parse before any declaration is read. */
static void
on_doctype(void *ud, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	struct pb_parser *c = ud;

	(void)ext_id;
	(void)sys_id;
	if (name && strcasecmp((const char *)name, "html") == 0)
		pb_parse_set_bad(c, "an HTML page, not a feed", NULL, 0);
	else
		pb_parse_set_bad(c, "a DOCTYPE declaration, which no arXiv feed has", NULL, 0);
	xmlStopParser(c->xp);
}

void
pb_parse_sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof *sax);
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_text;
	sax->cdataBlock = on_text;
	sax->serror = on_error;
	sax->internalSubset = on_doctype;
	/* No entity or external-subset callbacks: nothing outside the body is loaded and
	 * entity references other than the predefined ones are errors. */
}
