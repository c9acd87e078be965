/* HTML5's named character references, given to libxml2's HTML parser as numeric ones. The
 * parser (2.9) decodes &name; for HTML 4's 253 names and leaves every other name as text,
 * ampersand and all; it has no way to be handed a larger table. So the page's bytes are
 * rewritten before it reads them, and only where the parser itself decodes references, so
 * that what it makes of the page is otherwise unchanged: text and attribute values are
 * rewritten, comments, declarations and script and style are not. The table is generated
 * (html_entities.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "paperboy/html_refs.h"

#include "html_entities.h"

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int
pb_html_entity(const char *name, size_t len, unsigned cp[2])
{
	size_t lo = 0, hi = sizeof html_entities / sizeof html_entities[0];

	if (len == 0 || len > HTML_ENTITY_MAX)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *e = html_entities[mid].name;
		size_t n = strlen(e);
		int c = memcmp(name, e, len < n ? len : n);

		if (c == 0)
			c = len < n ? -1 : len > n;
		if (c == 0) {
			cp[0] = html_entities[mid].cp[0];
			cp[1] = html_entities[mid].cp[1];
			return cp[1] ? 2 : 1;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* The parser decodes name[0..len) itself, to the same character: HTML 4's names with their
 * ';', except lang and rang, which HTML5 took for U+27E8 and U+27E9. */
static int
parser_decodes(const char *name, size_t len, const unsigned cp[2])
{
	char s[HTML_ENTITY_MAX + 1];
	const htmlEntityDesc *e;

	if (len < 2 || name[len - 1] != ';' || cp[1])
		return 0;
	memcpy(s, name, len - 1);
	s[len - 1] = '\0';
	e = htmlEntityLookup((const xmlChar *)s);
	return e && e->value == cp[0];
}

struct rw {
	const char *s;
	size_t n, i;
	size_t done;            /* s[0..done) is in out (or needed no change) */
	struct pb_buf *out;
	int changed;
};

/* The '&' at s[i], in text or (attr) in an attribute's value: HTML5's named character
 * reference state. The longest name of the list that the input starts with is taken (a
 * name with its ';', else a legacy one without, "&notit;" being "¬it;"); in an attribute a
 * legacy name without ';' that a letter, digit or '=' follows is no reference. */
static void
amp(struct rw *r, int attr)
{
	const char *s = r->s + r->i + 1;
	size_t avail = r->n - r->i - 1, run = 0, k = 0;
	unsigned cp[2];
	int m = 0;

	while (run < avail && run <= HTML_ENTITY_MAX && is_alnum(s[run]))
		run++;
	if (run < avail && s[run] == ';' && (m = pb_html_entity(s, run + 1, cp)) > 0) {
		k = run + 1;
	} else {
		for (k = run < HTML_LEGACY_MAX ? run : HTML_LEGACY_MAX; k > 0; k--)
			if ((m = pb_html_entity(s, k, cp)) > 0)
				break;
		if (m && attr && k < avail && (s[k] == '=' || is_alnum(s[k])))
			m = 0;
	}
	if (!m || parser_decodes(s, k, cp)) {
		/* Letters and digits start nothing: they are passed over with the '&'. */
		r->i += 1 + (m ? k : run);
		return;
	}
	if (!r->changed)
		pb_buf_reserve(r->out, r->n + r->n / 8);
	r->changed = 1;
	pb_buf_append(r->out, r->s + r->done, r->i - r->done);
	for (int j = 0; j < m; j++)
		pb_buf_printf(r->out, "&#%u;", cp[j]);
	r->i += 1 + k;
	r->done = r->i;
}

/* Moves past the first occurrence of what at or after s[i], or to the end. */
static void
skip_past(struct rw *r, const char *what)
{
	size_t w = strlen(what);

	while (r->i < r->n) {
		if (r->i + w <= r->n && memcmp(r->s + r->i, what, w) == 0) {
			r->i += w;
			return;
		}
		r->i++;
	}
}

/* A start tag at s[i] ('<' and a letter): its attributes' values are rewritten. After a
 * script's or a style's, the raw text is passed over up to "</" and a letter: the parser
 * stops there and reads the end tag, which may close the script (</script>, </p> around
 * it) or not (</b>, and the script goes on). Rewriting a little of a script is harmless,
 * missing a reference in the text after it would not be. */
static void
start_tag(struct rw *r)
{
	const char *s = r->s;
	size_t name = ++r->i, name_len;

	while (r->i < r->n && !is_space(s[r->i]) && s[r->i] != '>' && s[r->i] != '/')
		r->i++;
	name_len = r->i - name;
	for (;;) {
		while (r->i < r->n && (is_space(s[r->i]) || s[r->i] == '/'))
			r->i++;
		if (r->i >= r->n)
			return;
		if (s[r->i] == '>') {
			r->i++;
			break;
		}
		/* A name (a '=' first is part of it), then perhaps '=' and a value. */
		r->i++;
		while (r->i < r->n && !is_space(s[r->i]) && s[r->i] != '>' && s[r->i] != '/' &&
		       s[r->i] != '=')
			r->i++;
		while (r->i < r->n && is_space(s[r->i]))
			r->i++;
		if (r->i >= r->n || s[r->i] != '=')
			continue;
		r->i++;
		while (r->i < r->n && is_space(s[r->i]))
			r->i++;
		if (r->i < r->n && (s[r->i] == '"' || s[r->i] == '\'')) {
			char q = s[r->i++];

			while (r->i < r->n && s[r->i] != q) {
				if (s[r->i] == '&')
					amp(r, 1);
				else
					r->i++;
			}
			if (r->i < r->n)
				r->i++;
		} else {
			while (r->i < r->n && !is_space(s[r->i]) && s[r->i] != '>') {
				if (s[r->i] == '&')
					amp(r, 1);
				else
					r->i++;
			}
		}
	}
	if ((name_len == 6 && strncasecmp(s + name, "script", 6) == 0) ||
	    (name_len == 5 && strncasecmp(s + name, "style", 5) == 0))
		while (r->i < r->n &&
		       !(s[r->i] == '<' && r->i + 2 < r->n && s[r->i + 1] == '/' &&
			 is_alpha(s[r->i + 2])))
			r->i++;
}

int
pb_html_refs_rewrite(const char *html, size_t len, struct pb_buf *out)
{
	struct rw r = { html, len, 0, 0, out, 0 };

	while (r.i < r.n) {
		char c = html[r.i], d = r.i + 1 < r.n ? html[r.i + 1] : '\0';

		if (c == '&')
			amp(&r, 0);
		else if (c != '<')
			r.i++;
		else if (d == '!' && r.i + 4 <= r.n && memcmp(html + r.i, "<!--", 4) == 0) {
			r.i += 4;
			skip_past(&r, "-->");
		} else if (d == '!' || d == '?' || d == '/')
			skip_past(&r, ">");
		else if (is_alpha(d))
			start_tag(&r);
		else
			r.i++;
	}
	if (r.changed)
		pb_buf_append(out, html + r.done, len - r.done);
	return r.changed;
}
