/* Turning the fields collected for one item into a paper record. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "paperboy/html_refs.h"
#include "paperboy/log.h"
#include "parse_int.h"

int
pb_parse_error_feed(const struct pb_parser *c)
{
	/* An Atom feed is API_ATOM until its id names rss.arxiv.org, which a mirror's does not. */
	return (c->kind == PB_FEED_RSS2 || c->kind == PB_FEED_ATOM ||
		c->kind == PB_FEED_API_ATOM) && c->feed_title &&
	       strncmp(c->feed_title, "Feed error for query", 20) == 0;
}

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

/* Whether cat belongs to what the legacy feed was asked for, as its channel title names it
 * ("cs updates on arXiv.org", "hep-ex, nucl-ex updates on arXiv.org"): an archive covers its
 * subject classes (cs holds cs.CV). Without a title that says, every category belongs. */
static int
rss1_in_feed(const char *feed_title, const char *cat)
{
	const char *end = feed_title ? strstr(feed_title, " updates on ") : NULL;
	const char *p = feed_title;

	if (!end || end == feed_title)
		return 1;
	while (p < end) {
		size_t n = strcspn(p, ",+ ");

		if (p + n > end)
			n = (size_t)(end - p);
		if (n && strncmp(cat, p, n) == 0 && (cat[n] == '\0' || cat[n] == '.'))
			return 1;
		p += n;
		while (p < end && (*p == ',' || *p == '+' || *p == ' '))
			p++;
	}
	return 0;
}

/* A cross-list of a legacy feed names only its primary category; the feed it came in is the
 * other. Lists the feed's own codes (from the channel title) among the item's categories, so
 * that the item is kept where the feed's categories are selected and cat: rules see it. */
static void
rss1_add_feed_cats(struct pb_item *it, const char *feed_title)
{
	const char *end = feed_title ? strstr(feed_title, " updates on ") : NULL;
	const char *p = feed_title;

	if (!end || end == feed_title)
		return;
	while (p < end) {
		size_t n = strcspn(p, ",+ ");

		if (p + n > end)
			n = (size_t)(end - p);
		if (n)
			pb_item_add_category(it, pb_xstrndup(p, n));
		p += n;
		while (p < end && (*p == ',' || *p == '+' || *p == ' '))
			p++;
	}
}

/* "Title. (arXiv:1805.08875v1 [hep-ex] CROSS LISTED)": the legacy RSS 1.0 title carries the
 * id, the primary category and the announce type; use them and strip the suffix. A primary
 * category outside the feed's archives makes the item a cross-list (replace-cross when
 * UPDATED), as the RSS 2.0 feeds say in words. */
static void
rss1_title(struct pb_item *it, const char *feed_title)
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
		int outside = !rss1_in_feed(feed_title, it->primary);

		if (outside || strstr(rb, "CROSS LISTED"))
			rss1_add_feed_cats(it, feed_title);
		if (strstr(rb, "CROSS LISTED"))
			it->p.announce = PB_ANN_CROSS;
		else if (strstr(rb, "UPDATED"))
			it->p.announce = outside ? PB_ANN_REPLACE_CROSS : PB_ANN_REPLACE;
		else
			it->p.announce = outside ? PB_ANN_CROSS : PB_ANN_NEW;
	}
	/* Drop the suffix and the period arXiv put before it. */
	*s = '\0';
	if (s > t && s[-1] == '.')
		s[-1] = '\0';
}

/* The character reference at s (which starts with '&'): numeric (&#233; &#xe9;) or one of
 * HTML5's named ones with its ';' (&eacute; &cacute; &NotEqualTilde;, html_refs.h). Appends
 * its characters to b and returns the reference's length, or 0 when s starts none (the '&'
 * is then text). A number that is no character (NUL, a surrogate, beyond U+10FFFF) or a
 * control character becomes U+FFFD, as HTML's own rules have it. */
static size_t
html_char_ref(struct pb_buf *b, const char *s)
{
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t n;
	const char *p = s + 1;
	unsigned cp[2] = { 0, 0 };
	int m = 1;

	if (*p == '#') {
		int hex = p[1] == 'x' || p[1] == 'X';
		const char *d;
		unsigned long v = 0;

		p += hex ? 2 : 1;
		for (d = p; hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p); p++)
			if (v <= 0x10FFFF)
				v = v * (hex ? 16 : 10) +
				    (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' :
						    tolower((unsigned char)*p) - 'a' + 10);
		if (p == d || *p != ';')
			return 0;
		cp[0] = (unsigned)v;
		if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
		    (v < 0x20 && v != '\t' && v != '\n' && v != '\r') || (v >= 0x7F && v < 0xA0))
			cp[0] = 0xFFFD;
	} else {
		while (isalnum((unsigned char)*p))
			p++;
		if (*p != ';' || !(m = pb_html_entity(s + 1, (size_t)(p + 1 - (s + 1)), cp)))
			return 0;
	}
	for (int i = 0; i < m; i++) {
		n = utf8proc_encode_char((utf8proc_int32_t)cp[i], enc);
		pb_buf_append(b, enc, (size_t)n);
	}
	return (size_t)(p + 1 - s);
}

/* Legacy RSS 1.0 descriptions and creators are escaped HTML: drop tags, decode the character
 * references once more. Links vanish without a trace, block tags become a space. */
char *
pb_strip_html(const char *s)
{
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
		if (*s == '&' && (k = html_char_ref(&b, s)) > 0) {
			s += k;
			continue;
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

	pb_warn("parse.skip", "source=%s item=%zu id=%s title=%s reason=%s replaced=%zu",
		pb_q(c->source), c->n_items, pb_q(p->id ? p->id : "-"),
		pb_q(p->title ? p->title : "-"), pb_q(why), c->it.repaired);
	c->n_skipped++;
}

/* Streaming: the record goes to the caller's handler now. Nothing follows arXiv's error
 * (which the whole-set parse would report instead of any record). */
static void
hand_on(struct pb_parser *c, struct pb_paper *p)
{
	if (c->sink_stopped || c->arxiv_error || pb_parse_error_feed(c))
		return;
	c->n_sunk++;
	if (c->sink(c->sink_ud, p) != 0) {
		c->sink_stopped = 1;
		pb_parse_set_bad(c, "stopped by the record handler", NULL, 0);
		xmlStopParser(c->xp);
	}
}

void
pb_item_finish(struct pb_parser *c)
{
	struct pb_item *it = &c->it;
	struct pb_paper *p = &it->p;
	size_t i, k;

	c->n_items++;
	if (it->deleted) {
		pb_debug("parse.deleted", "source=%s id=%s", pb_q(c->source),
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
		rss1_title(it, c->feed_title);
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

	if (it->repaired) {
		/* Kept: one bad byte costs a character, not the record or the feed. */
		pb_warn("parse.repair", "source=%s item=%zu id=%s title=%s replaced=%zu note=%s",
			pb_q(c->source), c->n_items, pb_q(p->id), pb_q(p->title ? p->title : "-"),
			it->repaired, pb_q("bytes that are not UTF-8 or not allowed in XML became "
					   "U+FFFD"));
		c->n_repaired++;
	}

	/* Authors without a name (an empty <name/>) are noise. */
	for (i = 0, k = 0; i < p->n_authors; i++) {
		if (p->authors[i].name)
			p->authors[k++] = p->authors[i];
		else
			pb_author_free(&p->authors[i]);
	}
	/* A large collaboration's paper: the first authors kept, the rest counted, so the
	 * digest can still say how many there are. */
	if (it->n_listed > p->n_authors) {
		p->n_authors_all = k + (it->n_listed - p->n_authors);
		pb_warn("parse.authors", "source=%s item=%zu id=%s authors=%zu kept=%zu",
			pb_q(c->source), c->n_items, pb_q(p->id), p->n_authors_all, k);
	}
	p->n_authors = k;
	primary_first(p, it->primary);

	if (c->sink) {
		hand_on(c, p);
		goto out;
	}
	if (c->n_pend == c->cap_pend) {
		c->cap_pend = c->cap_pend ? c->cap_pend * 2 : 256;
		c->pend = pb_xreallocarray(c->pend, c->cap_pend, sizeof *c->pend);
	}
	c->pend[c->n_pend++] = *p;
	memset(p, 0, sizeof *p);
out:
	pb_item_reset(it);
}
