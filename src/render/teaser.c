/* What every format shows of a paper's full text: its teaser figure (the first figure's
 * image, with alt text) and its code and project links. The URLs come from the paper's HTML:
 * outside text, so only plain http(s) URLs are kept, and every format escapes them again. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/escape.h"
#include "paperboy/fulltext.h"
#include "paperboy/latex.h"
#include "render_int.h"

#define MAX_URL 2048
#define MAX_ALT 300         /* bytes of alt text */
#define MAX_LABEL 60        /* bytes of a link's label */
/* Longer ones are left out: Slack's context line holds PDF, arXiv, the teaser and five links
 * within its 3000 characters. */
#define MAX_TEASER_URL 600
#define MAX_LINK_URL 300

int
pb_render_url_ok(const char *u)
{
	size_t n, host;

	if (!u)
		return 0;
	if (strncmp(u, "https://", 8) == 0)
		host = 8;
	else if (strncmp(u, "http://", 7) == 0)
		host = 7;
	else
		return 0;
	n = strlen(u);
	if (n > MAX_URL || n == host || u[host] == '/' || u[host] == '.' || u[host] == ':' ||
	    u[host] == '@')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' ||
		    c == '\\' || c == '`' || c == '{' || c == '}' || c == '|' || c == '^')
			return 0;
	}
	/* No user information (RFC 3986 3.2.1): "https://x.github.io:a@evil.example/" goes to
	 * evil.example, while its label, cut to MAX_LABEL, shows only the part before the '@'. */
	if (memchr(u + host, '@', strcspn(u + host, "/?#")))
		return 0;
	return 1;
}

/* s cleaned to one line, LaTeX converted, cut at max bytes on a character boundary (with
 * "…" when cut). */
static char *
one_line(const char *s, size_t max)
{
	struct pb_buf t = { 0 }, b = { 0 };

	pb_text_clean(&t, s, strlen(s), PB_CLEAN_ONE_LINE);
	pb_latex_append(&b, pb_buf_str(&t), t.len, PB_LATEX_TEXT);
	pb_buf_free(&t);
	while (b.len && b.data[b.len - 1] == ' ')
		pb_buf_truncate(&b, b.len - 1);
	if (b.len > max) {
		size_t n = max;

		while (n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80)
			n--;
		pb_buf_truncate(&b, n);
		pb_buf_puts(&b, "\xE2\x80\xA6");
	}
	return pb_buf_detach(&b);
}

/* "Figure 1" from "Figure 1: Overview of ...", when the part before the colon is short. */
static char *
label_of(const char *caption)
{
	const char *colon = caption ? strchr(caption, ':') : NULL;

	if (colon && colon > caption && colon - caption <= 16) {
		char *l = pb_xstrndup(caption, (size_t)(colon - caption));
		char *s = one_line(l, 16);

		free(l);
		if (*s)
			return s;
		free(s);
	}
	return pb_xstrdup("Figure 1");
}

void
pb_disp_fulltext(struct pb_disp *x, const struct pb_fulltext *ft)
{
	if (!ft)
		return;
	if (ft->n_figures > 0 && pb_render_url_ok(ft->figures[0].image_url) &&
	    strlen(ft->figures[0].image_url) <= MAX_TEASER_URL) {
		const struct pb_ft_figure *f = &ft->figures[0];
		const char *alt = f->alt && *f->alt ? f->alt : f->caption && *f->caption ?
				  f->caption : "Figure 1";

		x->teaser_url = pb_xstrdup(f->image_url);
		x->teaser_alt = one_line(alt, MAX_ALT);
		x->teaser_label = label_of(f->caption);
	}
	if (ft->n_links > 0) {
		size_t cap = ft->n_links < PB_RENDER_MAX_LINKS ? ft->n_links : PB_RENDER_MAX_LINKS;

		x->links = pb_xcalloc(cap, sizeof *x->links);
		x->link_labels = pb_xcalloc(cap, sizeof *x->link_labels);
		for (size_t i = 0; i < ft->n_links && x->n_links < cap; i++) {
			const char *u = ft->links[i];
			size_t k;

			if (!pb_render_url_ok(u) || strlen(u) > MAX_LINK_URL)
				continue;
			for (k = 0; k < x->n_links; k++)
				if (strcmp(x->links[k], u) == 0)
					break;
			if (k < x->n_links)
				continue;
			x->links[x->n_links] = pb_xstrdup(u);
			{
				const char *l = strchr(u, ':') + 3;   /* checked: http(s):// */
				size_t n = strlen(l);

				while (n > 0 && l[n - 1] == '/')
					n--;
				if (strncmp(l, "www.", 4) == 0) {
					l += 4;
					n -= 4;
				}
				if (n > MAX_LABEL) {
					x->link_labels[x->n_links] = pb_xstrndup(l, MAX_LABEL);
					x->link_labels[x->n_links] =
						pb_xrealloc(x->link_labels[x->n_links],
							    MAX_LABEL + 4);
					memcpy(x->link_labels[x->n_links] + MAX_LABEL,
					       "\xE2\x80\xA6", 4);
				} else {
					x->link_labels[x->n_links] = pb_xstrndup(l, n);
				}
			}
			x->n_links++;
		}
	}
}

void
pb_disp_fulltext_free(struct pb_disp *x)
{
	free(x->teaser_url);
	free(x->teaser_alt);
	free(x->teaser_label);
	for (size_t i = 0; i < x->n_links; i++) {
		free(x->links[i]);
		free(x->link_labels[i]);
	}
	free(x->links);
	free(x->link_labels);
	x->teaser_url = x->teaser_alt = x->teaser_label = NULL;
	x->links = x->link_labels = NULL;
	x->n_links = 0;
}
