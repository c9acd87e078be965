/* Full text: what a paper says beyond its abstract, from arXiv's HTML rendering (LaTeXML) or,
 * when there is none, its PDF (poppler). Fetched once per paper version for the papers
 * selected for at least one subscriber, cached in the state, read by the summarizer (key
 * findings, the model's excerpt) and the renderers (teaser figure, code links). */
#ifndef PAPERBOY_FULLTEXT_H
#define PAPERBOY_FULLTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/config.h"
#include "paperboy/http.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/state.h"

/* Section kinds, from the heading's words ("4 Experiments" -> results). */
enum pb_ft_kind {
	PB_FT_OTHER = 0,
	PB_FT_ABSTRACT,
	PB_FT_INTRODUCTION,
	PB_FT_RELATED,
	PB_FT_METHOD,
	PB_FT_RESULTS,               /* experiments, results, evaluation */
	PB_FT_DISCUSSION,
	PB_FT_LIMITATIONS,
	PB_FT_CONCLUSION,            /* conclusion, future work */
	PB_FT_APPENDIX,
};
/* "introduction", "results", ...; the inverse returns PB_FT_OTHER for an unknown name. */
const char *pb_ft_kind_name(enum pb_ft_kind k);
enum pb_ft_kind pb_ft_kind_parse(const char *s);

struct pb_ft_section {
	enum pb_ft_kind kind;
	char *title;                 /* the heading as written, number removed; may be NULL */
	char *text;                  /* paragraphs, "\n\n" between them; math as its TeX
				      * (alttext) */
};

struct pb_ft_figure {
	char *caption;               /* "Figure 1: ..." as written */
	char *image_url;             /* absolute URL of the image, or NULL */
	char *alt;                   /* alt text, or NULL (also for LaTeXML's placeholders
				      * "Refer to caption", "[Uncaptioned image]") */
};

/* Everything kept of one paper's full text. Strings are UTF-8, owned, outside text: escape
 * them for the format they go to. */
struct pb_fulltext {
	char *paper_key;             /* "2411.17790v2" */
	char *source;                /* "html" or "pdf" */
	int reader;                  /* the version of the source's reader that made it
				      * (pb_fulltext_reader); 0 for a text cached before versions
				      * were kept */
	struct pb_ft_section *sections;
	size_t n_sections;
	struct pb_ft_figure *figures;   /* in order: figures[0] is the teaser */
	size_t n_figures;
	char **tables;               /* each table's caption and cells as text */
	size_t n_tables;
	char **links;                /* code and project links (GitHub, GitLab, project pages),
				      * absolute http(s) URLs, each once */
	size_t n_links;
	char **affiliations;
	size_t n_affiliations;
};
void pb_fulltext_clear(struct pb_fulltext *ft);   /* frees members, zeroes; accepts NULL */

/* Extracts from an arXiv HTML page (LaTeXML) of len bytes; base is the page's URL, for
 * relative image and link URLs (the page's <base> applies on top). Non-LaTeXML HTML gives
 * plain paragraphs (one section of kind other). Bounded in time and memory whatever the
 * input. Returns 0, or -1 with why filled: "no text", "not HTML: ...", "withdrawn", "arXiv
 * could not convert the paper to HTML", "arXiv has no HTML for the paper" (the last two:
 * try the PDF). */
int pb_fulltext_from_html(const char *html, size_t len, const char *base,
			  struct pb_fulltext *out, char *why, size_t whylen);
/* Extracts from a PDF of len bytes: sections where the headings allow, else paragraphs; at
 * most max_pages pages. Returns 0, or -1 with why ("encrypted", "no text layer", "not a
 * PDF: ...", ...), or -2 when this installation cannot read PDFs at all (the PDF module,
 * paperboy-pdf.so, is missing or of another version: why says which file). */
int pb_fulltext_from_pdf(const char *pdf, size_t len, int max_pages, struct pb_fulltext *out,
			 char *why, size_t whylen);
/* The same within a deadline (unix seconds; 0: none), looked at after each page: a PDF still
 * being read when it comes gives -3 (why says how many pages were read), the paper not to
 * blame. poppler takes seconds on a page drawn to be slow, and a small file can repeat such a
 * page on every one of its pages. */
int pb_fulltext_from_pdf_until(const char *pdf, size_t len, int max_pages, int64_t deadline,
			       struct pb_fulltext *out, char *why, size_t whylen);

/* The version of the reader of source ("html", "pdf") in this build, raised whenever what it
 * extracts changes; 0 for another source. A cached text made by another version is extracted
 * again (the network allowing), so a mended reader reaches the texts already cached. */
int pb_fulltext_reader(const char *source);

/* The cache's form: one JSON object. to_json returns a malloc'd string; from_json returns 0,
 * or -1 for text that is not such an object (out cleared). */
char *pb_fulltext_to_json(const struct pb_fulltext *ft);
int pb_fulltext_from_json(const char *json, size_t len, struct pb_fulltext *out);

/* The full texts of one run, by paper id. */
struct pb_fulltext_set {
	struct pb_fulltext *v;
	size_t n;
};
/* Gets the full text of the papers in sel (every subscriber's hits, each paper once, best
 * ranked first, at most fulltext.max_papers): from the cache, else arXiv's HTML
 * (fulltext.html_url/<id>v<n>), else the PDF, through h (arXiv's shared gate, conditional
 * GET), until deadline (unix seconds; also fulltext.deadline). A paper whose text could not
 * be had is absent, with one log line; nothing here holds a digest. out owned by the caller
 * (pb_fulltext_set_free). Returns the number of papers with a text. */
long pb_fulltext_fetch(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		       const struct pb_paperset *papers, const struct pb_selection *sel,
		       size_t n_sel, int64_t deadline, struct pb_fulltext_set *out);
/* Only what the cache holds (no network): preview without fetching, tests. */
long pb_fulltext_cached(const struct pb_config *cfg, struct pb_state *st,
			const struct pb_paperset *papers, const struct pb_selection *sel,
			size_t n_sel, struct pb_fulltext_set *out);
void pb_fulltext_set_free(struct pb_fulltext_set *s);   /* accepts NULL */
/* The full text of paper id (no version), or NULL. */
const struct pb_fulltext *pb_fulltext_find(const struct pb_fulltext_set *s, const char *id);

/* The model's excerpt: the parts that matter (method, results with their numbers,
 * limitations, conclusion; then introduction), cut to about max_tokens tokens (4 bytes a
 * token) at sentence boundaries, each part under its heading ("## Results"); never longer
 * than max_tokens * 4 bytes. Without sections of those kinds, the text as it comes. Caller
 * frees; NULL when ft is NULL, max_tokens < 1 or there is no text. */
char *pb_fulltext_excerpt(const struct pb_fulltext *ft, int max_tokens);

#endif
