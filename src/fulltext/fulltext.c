/* Full text: the record, the section kinds, and the bounded builder both extractors fill. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "paperboy/escape.h"
#include "ft_int.h"

static const char *const kind_names[] = {
	[PB_FT_OTHER] = "other",
	[PB_FT_ABSTRACT] = "abstract",
	[PB_FT_INTRODUCTION] = "introduction",
	[PB_FT_RELATED] = "related",
	[PB_FT_METHOD] = "method",
	[PB_FT_RESULTS] = "results",
	[PB_FT_DISCUSSION] = "discussion",
	[PB_FT_LIMITATIONS] = "limitations",
	[PB_FT_CONCLUSION] = "conclusion",
	[PB_FT_APPENDIX] = "appendix",
};

const char *
pb_ft_kind_name(enum pb_ft_kind k)
{
	if ((unsigned)k >= sizeof kind_names / sizeof kind_names[0])
		return "other";
	return kind_names[k];
}

enum pb_ft_kind
pb_ft_kind_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (enum pb_ft_kind)i;
	return PB_FT_OTHER;
}

int
pb_fulltext_reader(const char *source)
{
	if (source && strcmp(source, "html") == 0)
		return FT_READER_HTML;
	if (source && strcmp(source, "pdf") == 0)
		return FT_READER_PDF;
	return 0;
}

void
pb_fulltext_clear(struct pb_fulltext *ft)
{
	if (!ft)
		return;
	free(ft->paper_key);
	free(ft->source);
	for (size_t i = 0; i < ft->n_sections; i++) {
		free(ft->sections[i].title);
		free(ft->sections[i].text);
	}
	free(ft->sections);
	for (size_t i = 0; i < ft->n_figures; i++) {
		free(ft->figures[i].caption);
		free(ft->figures[i].image_url);
		free(ft->figures[i].alt);
	}
	free(ft->figures);
	for (size_t i = 0; i < ft->n_tables; i++)
		free(ft->tables[i]);
	free(ft->tables);
	for (size_t i = 0; i < ft->n_links; i++)
		free(ft->links[i]);
	free(ft->links);
	for (size_t i = 0; i < ft->n_affiliations; i++)
		free(ft->affiliations[i]);
	free(ft->affiliations);
	memset(ft, 0, sizeof *ft);
}

void
pb_fulltext_set_free(struct pb_fulltext_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		pb_fulltext_clear(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

const struct pb_fulltext *
pb_fulltext_find(const struct pb_fulltext_set *s, const char *id)
{
	size_t n;

	if (!s || !id)
		return NULL;
	n = strlen(id);
	for (size_t i = 0; i < s->n; i++) {
		const char *k = s->v[i].paper_key;

		/* paper_key is the id and its version: "2411.17790v2". */
		if (k && strncmp(k, id, n) == 0 && (k[n] == '\0' || k[n] == 'v'))
			return &s->v[i];
	}
	return NULL;
}

/* ---- text helpers ---- */

void
ft_put_text(struct pb_buf *b, const char *s, size_t len, int *space)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';

		if (c >= 0x80) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
							      (utf8proc_ssize_t)(len - i), &cp);

			/* libxml2 passes on bytes that are not UTF-8 as they came; the record
			 * promises UTF-8 (a model's API refuses a request that is not). */
			if (k <= 0) {
				pb_buf_puts(b, "\xEF\xBF\xBD");
				*space = 0;
				continue;
			}
			if (cp == 0xA0 || pb_char_unsafe(cp) == PB_UNSAFE_BREAK) {
				ws = 1;   /* LaTeXML's ~, a line or paragraph separator */
			} else if (pb_char_unsafe(cp)) {
				i += (size_t)k - 1;   /* C1 controls, bidi controls */
				continue;
			} else {
				pb_buf_append(b, s + i, (size_t)k);
				*space = 0;
				i += (size_t)k - 1;
				continue;
			}
			i += (size_t)k - 1;
		}
		if (ws) {
			if (!*space && b->len)
				pb_buf_putc(b, ' ');
			*space = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7F)
			continue;
		pb_buf_putc(b, (char)c);
		*space = 0;
	}
}

void
ft_trim(struct pb_buf *b)
{
	size_t i = 0, n = b->len;

	while (n > 0 && isspace((unsigned char)b->data[n - 1]))
		n--;
	while (i < n && isspace((unsigned char)b->data[i]))
		i++;
	if (i)
		memmove(b->data, b->data + i, n - i);
	if (b->data)
		pb_buf_truncate(b, n - i);
}

void
ft_cut(struct pb_buf *b, size_t max)
{
	size_t n = max;

	if (b->len <= max)
		return;
	while (n > 0 && ((unsigned char)b->data[n] & 0xC0) == 0x80)
		n--;
	pb_buf_truncate(b, n);
}

static char *
dup_cut(const char *s, size_t max)
{
	struct pb_buf b = { 0 };
	int space = 1;

	ft_put_text(&b, s, strlen(s), &space);
	ft_trim(&b);
	ft_cut(&b, max);
	ft_trim(&b);
	if (!b.len) {
		pb_buf_free(&b);
		return NULL;
	}
	return pb_buf_detach(&b);
}

/* ---- section kinds ---- */

/* Word prefixes per kind. The first word of a heading that names a kind decides
 * ("Limitations and Future Work" is limitations, "Conclusion and Limitations" a conclusion,
 * "Results and Discussion" results), but an appendix is an appendix whatever else it says. */
static const struct {
	enum pb_ft_kind kind;
	const char *words[12];
} kind_words[] = {
	{ PB_FT_APPENDIX, { "appendix", "appendices", "supplementa", NULL } },
	{ PB_FT_ABSTRACT, { "abstract", NULL } },
	{ PB_FT_INTRODUCTION, { "introduction", "motivation", NULL } },
	{ PB_FT_RELATED, { "related", "prior", "background", "literature", "previous", NULL } },
	{ PB_FT_CONCLUSION, { "conclusion", "conclusions", "concluding", "future", "summary",
			      "outlook", NULL } },
	{ PB_FT_LIMITATIONS, { "limitation", "threats", "caveats", "shortcoming", NULL } },
	{ PB_FT_RESULTS, { "experiment", "result", "evaluation", "evaluating", "empirical",
			   "benchmark", "ablation", "performance", "comparison", "findings",
			   NULL } },
	{ PB_FT_DISCUSSION, { "discussion", "analysis", "implications", NULL } },
	{ PB_FT_METHOD, { "method", "approach", "model", "framework", "architecture",
			  "algorithm", "proposed", "design", "formulation", "technique",
			  "implementation", NULL } },
};

static enum pb_ft_kind
word_kind(const char *w)
{
	for (size_t k = 0; k < sizeof kind_words / sizeof kind_words[0]; k++)
		for (size_t j = 0; kind_words[k].words[j]; j++) {
			const char *x = kind_words[k].words[j];

			if (strncmp(w, x, strlen(x)) == 0)
				return kind_words[k].kind;
		}
	return PB_FT_OTHER;
}

enum pb_ft_kind
ft_heading_kind(const char *heading)
{
	char w[64];
	enum pb_ft_kind first = PB_FT_OTHER;
	const char *p = heading;

	if (!heading)
		return PB_FT_OTHER;
	while (*p) {
		size_t n = 0;
		enum pb_ft_kind k;

		while (*p && !isalpha((unsigned char)*p))
			p++;
		while (*p && isalpha((unsigned char)*p)) {
			if (n + 1 < sizeof w)
				w[n++] = (char)tolower((unsigned char)*p);
			p++;
		}
		w[n] = '\0';
		if (!n)
			continue;
		k = word_kind(w);
		if (k == PB_FT_APPENDIX)
			return k;
		if (first == PB_FT_OTHER)
			first = k;
	}
	return first;
}

/* ---- links ---- */

int
ft_code_link(const char *url)
{
	static const char *const hosts[] = {
		"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co",
	};
	const char *h, *end, *path;
	size_t hl;

	if (strncasecmp(url, "https://", 8) == 0)
		h = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		h = url + 7;
	else
		return 0;
	if (strncasecmp(h, "www.", 4) == 0)
		h += 4;
	/* user information before the host (RFC 3986 3.2.1): "https://x.github.io:a@b.example/"
	 * goes to b.example */
	if (memchr(h, '@', strcspn(h, "/?#")))
		return 0;
	end = h + strcspn(h, "/?#:");
	hl = (size_t)(end - h);
	path = *end == '/' ? end + 1 : "";
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7F || *c == '"' ||
		    *c == '<' || *c == '>' || *c == '\\' || *c == '`')
			return 0;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		const char *slash = strchr(path, '/');

		if (hl != strlen(hosts[i]) || strncasecmp(h, hosts[i], hl) != 0)
			continue;
		/* An owner and a project ("owner/repo"), not the site's own pages. */
		if (!slash || slash == path || slash[1] == '\0' || slash[1] == '/' ||
		    slash[1] == '?' || slash[1] == '#')
			return 0;
		if (strncasecmp(path, "about/", 6) == 0 || strncasecmp(path, "features/", 9) == 0 ||
		    strncasecmp(path, "login", 5) == 0 || strncasecmp(path, "help/", 5) == 0 ||
		    strncasecmp(path, "docs/", 5) == 0)
			return 0;
		return 1;
	}
	if (hl > 10 && (strncasecmp(end - 10, ".github.io", 10) == 0 ||
			strncasecmp(end - 10, ".gitlab.io", 10) == 0))
		return 1;
	return 0;
}

/* The link as kept: no fragment, no trailing slash or ".git", for comparing. */
static void
link_norm(const char *url, struct pb_buf *b)
{
	size_t n = strcspn(url, "#");

	while (n > 0 && (url[n - 1] == '/' || url[n - 1] == '.' || url[n - 1] == ',' ||
			 url[n - 1] == ')' || url[n - 1] == ';'))
		n--;
	if (n > 4 && strncasecmp(url + n - 4, ".git", 4) == 0)
		n -= 4;
	pb_buf_append(b, url, n);
}

/* ---- the builder ---- */

void
ftb_init(struct ftb *b, struct pb_fulltext *ft)
{
	memset(b, 0, sizeof *b);
	b->ft = ft;
}

static void
close_section(struct ftb *b)
{
	struct pb_ft_section *s;

	if (!b->open)
		return;
	s = &b->ft->sections[b->ft->n_sections - 1];
	free(s->text);
	s->text = b->cur.len ? pb_xstrndup(b->cur.data, b->cur.len) : NULL;
	pb_buf_reset(&b->cur);
	b->open = 0;
}

void
ftb_section(struct ftb *b, enum pb_ft_kind kind, const char *title)
{
	struct pb_fulltext *ft = b->ft;
	struct pb_ft_section *s;

	if (ft->n_sections >= FT_MAX_SECTIONS) {
		/* Past the bound, the text goes on into the last section. */
		if (!b->open) {
			struct pb_ft_section *last = &ft->sections[ft->n_sections - 1];

			if (last->text)
				pb_buf_puts(&b->cur, last->text);
			b->open = 1;
		}
		return;
	}
	close_section(b);
	if (ft->n_sections == b->cap_sections) {
		b->cap_sections = b->cap_sections ? 2 * b->cap_sections : 16;
		ft->sections = pb_xreallocarray(ft->sections, b->cap_sections, sizeof *s);
	}
	s = &ft->sections[ft->n_sections++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->title = title ? dup_cut(title, FT_MAX_TITLE) : NULL;
	b->open = 1;
}

void
ftb_para(struct ftb *b, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\n'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n'))
		len--;
	if (!len)
		return;
	if (b->text_total + len + 2 > FT_MAX_TEXT) {
		b->text_dropped += len;
		return;
	}
	if (!b->open)
		ftb_section(b, PB_FT_OTHER, NULL);
	if (b->cur.len) {
		pb_buf_puts(&b->cur, "\n\n");
		b->text_total += 2;
	}
	pb_buf_append(&b->cur, s, len);
	b->text_total += len;
}

void
ftb_figure(struct ftb *b, const char *caption, const char *image_url, const char *alt)
{
	struct pb_fulltext *ft = b->ft;
	struct pb_ft_figure *f;

	if (ft->n_figures >= FT_MAX_FIGURES || (!caption && !image_url))
		return;
	if (ft->n_figures == b->cap_figures) {
		b->cap_figures = b->cap_figures ? 2 * b->cap_figures : 8;
		ft->figures = pb_xreallocarray(ft->figures, b->cap_figures, sizeof *f);
	}
	f = &ft->figures[ft->n_figures];
	memset(f, 0, sizeof *f);
	f->caption = caption ? dup_cut(caption, FT_MAX_CAPTION) : NULL;
	f->image_url = image_url && strlen(image_url) <= FT_MAX_URL ? pb_xstrdup(image_url) : NULL;
	f->alt = alt ? dup_cut(alt, FT_MAX_CAPTION) : NULL;
	if (!f->caption && !f->image_url) {
		free(f->alt);
		return;
	}
	ft->n_figures++;
}

static void
push_str(char ***v, size_t *n, size_t *cap, char *s)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*v = pb_xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = s;
}

void
ftb_table(struct ftb *b, const char *text)
{
	struct pb_buf t = { 0 };

	if (b->ft->n_tables >= FT_MAX_TABLES || !text)
		return;
	pb_buf_puts(&t, text);
	ft_trim(&t);
	ft_cut(&t, FT_MAX_TABLE);
	if (!t.len) {
		pb_buf_free(&t);
		return;
	}
	push_str(&b->ft->tables, &b->ft->n_tables, &b->cap_tables, pb_buf_detach(&t));
}

void
ftb_link(struct ftb *b, const char *url)
{
	struct pb_buf n = { 0 }, o = { 0 };

	if (b->ft->n_links >= FT_MAX_LINKS || strlen(url) > FT_MAX_URL)
		return;
	/* What is kept (no fragment, no trailing slash) must still be a project's address. */
	link_norm(url, &n);
	if (!n.len || !ft_code_link(n.data)) {
		pb_buf_free(&n);
		return;
	}
	for (size_t i = 0; i < b->ft->n_links; i++) {
		pb_buf_reset(&o);
		link_norm(b->ft->links[i], &o);
		if (o.len == n.len && strncasecmp(o.data, n.data, n.len) == 0) {
			pb_buf_free(&n);
			pb_buf_free(&o);
			return;
		}
	}
	pb_buf_free(&o);
	push_str(&b->ft->links, &b->ft->n_links, &b->cap_links, pb_buf_detach(&n));
}

void
ftb_affiliation(struct ftb *b, const char *s)
{
	char *a;

	if (b->ft->n_affiliations >= FT_MAX_AFFILIATIONS || !s)
		return;
	a = dup_cut(s, FT_MAX_AFFILIATION);
	if (!a)
		return;
	/* "Affiliation: " is LaTeXML's label, a trailing comma the author's list. */
	if (strncmp(a, "Affiliation:", 12) == 0)
		memmove(a, a + 12 + (a[12] == ' '), strlen(a + 12 + (a[12] == ' ')) + 1);
	for (size_t n = strlen(a); n > 0 && (a[n - 1] == ',' || a[n - 1] == ';' ||
					     a[n - 1] == ' '); n--)
		a[n - 1] = '\0';
	if (!*a) {
		free(a);
		return;
	}
	for (size_t i = 0; i < b->ft->n_affiliations; i++)
		if (strcmp(b->ft->affiliations[i], a) == 0) {
			free(a);
			return;
		}
	push_str(&b->ft->affiliations, &b->ft->n_affiliations, &b->cap_affiliations, a);
}

size_t
ftb_finish(struct ftb *b)
{
	struct pb_fulltext *ft = b->ft;
	size_t j = 0;

	close_section(b);
	pb_buf_free(&b->cur);
	for (size_t i = 0; i < ft->n_sections; i++) {
		if (!ft->sections[i].text) {
			free(ft->sections[i].title);
			continue;
		}
		ft->sections[j++] = ft->sections[i];
	}
	ft->n_sections = j;
	return b->text_total;
}
