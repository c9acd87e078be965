/* Private to the renderers: the interface every format implements, the display forms of a
 * digest's fields that all formats share, the light-Markdown reader for the executive summary
 * and analyses, and the message splitters. */
#ifndef PAPERBOY_RENDER_INT_H
#define PAPERBOY_RENDER_INT_H

#include <stddef.h>

#include <cJSON.h>

#include "paperboy/buf.h"

#include "paperboy/render.h"
#include "paperboy/words.h"

/* Display forms of one digest item: LaTeX converted, URLs built. Owned by the context. */
struct pb_disp {
	char *title;
	char *authors;          /* every name, ", "-joined */
	char *authors_short;    /* at most 8 names, then "et al. (N authors)" */
	char *abstract;
	char *analysis;         /* NULL when absent */
	char **findings;
	size_t n_findings;
	char *categories;       /* "cs.CV, cs.RO" */
	const char *date_label; /* "Published", or "Revised (v2)" for a new version */
	char *published;        /* "YYYY-MM-DD"; a revision's adds ", first submitted ..." */
	int revised;            /* a new version of an older paper */
	char *label_buf;        /* storage of a revision's date_label */
	char *why;              /* the ranker's reason on one line, or NULL */
	char *topic;            /* the item's topic name on one line, cleaned, or NULL */
	int en;                 /* the title and abstract read as English (pb_text_english) in a
				 * digest whose words are another language's: marked lang="en" */
	char *vid;              /* versioned id: the anchor, "2512.03687v1" */
	char *abs_url;
	char *pdf_url;
	/* from the paper's full text (fulltext.h), when the digest has one (teaser.c) */
	char *teaser_url;       /* the first figure's image: an http(s) URL (pb_render_url_ok) of
				 * at most 600 bytes, or NULL */
	char *teaser_alt;       /* its alt text, else its caption, one line, at most ~300 bytes,
				 * LaTeX converted; set whenever teaser_url is */
	char *teaser_label;     /* "Figure 1" (the caption's label when short), for a link */
	char **links;           /* code and project links: http(s) URLs (pb_render_url_ok) of at
				 * most 300 bytes, each once, at most PB_RENDER_MAX_LINKS */
	char **link_labels;     /* "github.com/org/repo": the URL without its scheme, cut */
	size_t n_links;
	/* the per-run cache's entry every field but why and topic is borrowed from (cache.c),
	 * or NULL when this display owns its fields */
	struct pb_rcache_entry *entry;
};

#define PB_RENDER_MAX_LINKS 5

/* Outside text for display: cleaned of controls and bidi overrides, LaTeX converted with
 * flags (latex.h). Returns a malloc'd string, NULL for s NULL. */
char *pb_disp_display(const char *s, int flags);
/* Fills x (zeroed by the caller) from it for a digest of date in language lang: every field
 * but why and topic, which depend on the reader, not on the paper. */
void pb_disp_fill_shared(struct pb_disp *x, const struct pb_digest_item *it, const char *date,
			 const char *lang);
/* Sets x->why (the ranker's reason) and x->topic (the topic's name, the reader's own text)
 * from it, each on one line, NULL when there is nothing to show. */
void pb_disp_reader(struct pb_disp *x, const struct pb_digest_item *it);
/* pb_disp_fill_shared then pb_disp_reader. */
void pb_disp_fill(struct pb_disp *x, const struct pb_digest_item *it, const char *date,
		  const char *lang);
/* Releases what x owns: everything, or only why and topic when x borrows from the cache. */
void pb_disp_free(struct pb_disp *x);

/* The per-run cache (pb_render_cache, render.h). Each entry is one paper as one digest
 * language and date show it (its version, its full text, its analysis and findings are part
 * of the key), holding its display forms and the rendered segments below, built on first
 * use. A segment may depend only on the display forms (why excepted) and the language:
 * whatever differs per reader (numbers, topic, why, links) stays outside. */
enum pb_seg {
	PB_SEG_TEXT_TITLE = 0,          /* + the prefix's width ("[12] " is 5), below 8 */
	PB_SEG_TEXT_HEAD = 8,           /* authors, date, categories */
	PB_SEG_TEXT_BODY,               /* abstract to the last link */
	PB_SEG_HTML_TOP,                /* the block's opening and anchor */
	PB_SEG_HTML_HEAD,               /* title link to categories */
	PB_SEG_HTML_BODY,               /* abstract to the links */
	PB_SEG_HTML_TOC,                /* its line in the contents */
	PB_SEG_HTML_COMPACT,            /* its item of the compact list */
	PB_SEG_MD_HEAD,                 /* anchor and title to categories */
	PB_SEG_MD_BODY,                 /* abstract to the links and the rule */
	PB_SEG_ALL_LINE,                /* all.md: its linked title and first authors */
	PB_SEG_COUNT,
	PB_SEG_NONE = PB_SEG_COUNT      /* not cached: always rendered */
};
/* Fills x from it through the cache rc: the shared fields borrowed from rc's entry (made on
 * first use), why x's own. Returns 0, or -1 (x untouched) when rc is NULL or full; the
 * caller then fills x with pb_disp_fill. */
int pb_rcache_disp(struct pb_render_cache *rc, struct pb_disp *x,
		   const struct pb_digest_item *it, const char *date, const char *lang);

/* The executive summary as digests that share it show it: its display form and its rendering
 * in each format below, made once a run by the cache (keyed by the summary's bytes, whether a
 * model wrote it, and the language). Subscribers whose selections come out the same share
 * one summary, and with it these bytes and their encoding in the email. */
enum pb_sum_seg {
	PB_SUM_TEXT,                    /* lm_text of it, not indented */
	PB_SUM_HTML,                    /* lm_html of it, whole */
	PB_SUM_COUNT
};
struct pb_rsum;
/* The display form of d's executive summary through the cache rc: made by make(d), owned by
 * the entry *e. Returns 0, or -1 (*e NULL) when rc is NULL or full, d has no summary, or no
 * digest before had this one (a summary is kept from its second reader on); the caller then
 * makes its own. */
int pb_rcache_summary(struct pb_render_cache *rc, const struct pb_digest *d,
		      char *(*make)(const struct pb_digest *), struct pb_rsum **e, char **display);

struct pb_rctx;
/* Renders c->summary (not NULL) in one way into out. */
typedef void (*pb_sum_fn)(const struct pb_rctx *c, struct pb_buf *out);
/* Appends rendering seg of c->summary to out: the entry's bytes when c->sum is set (fn makes
 * them on first use), else fn's output directly; the same bytes either way. With mark set,
 * they become a block of the run in out (as pb_render_seg's). Returns where they start. */
size_t pb_render_summary(const struct pb_rctx *c, unsigned seg, pb_sum_fn fn, struct pb_buf *out,
			 int mark);
/* Makes the bytes of rendering seg at off in out a block of the run: for a renderer that
 * measured its summary in a buffer of its own before copying it into out. Nothing happens
 * without c->sum, blocks to fill, or those bytes at off. */
void pb_render_summary_mark(const struct pb_rctx *c, unsigned seg, const struct pb_buf *out,
			    size_t off);

/* Writes segment of item i to out; arg is the segment's own parameter. */
typedef void (*pb_seg_fn)(const struct pb_rctx *c, size_t i, size_t arg, struct pb_buf *out);
/* Appends segment seg of item i to out: the cached bytes when c->disp[i] has an entry (fn
 * builds them on first use), else fn's output directly. Either way the same bytes. */
void pb_render_seg(const struct pb_rctx *c, size_t i, unsigned seg, size_t arg, pb_seg_fn fn,
		   struct pb_buf *out);
/* pb_render_seg, adding to *bound the segment's pb_mail_qp_piece_bound: kept with the
 * entry's bytes, so a paper met in every digest is measured once a run. */
void pb_render_seg_b(const struct pb_rctx *c, size_t i, unsigned seg, size_t arg, pb_seg_fn fn,
		     struct pb_buf *out, size_t *bound);
/* Makes bytes [off, off + len) of out, which the renderer has just written, a block of the
 * run: text that many digests share whole (a format's head with its style sheet and the
 * digest's title), kept once in the cache by its bytes, so its encoding is made once a run.
 * Nothing happens without a cache and blocks to fill, or past the cache's bound. */
void pb_render_shared(const struct pb_rctx *c, const struct pb_buf *out, size_t off,
		      size_t len);
/* The cached blocks appended to buf, now at base in the document: into o->blocks[c->fmt].
 * A renderer calls it as it copies buf into the document, or with buf the document itself
 * (base 0) before pushing it. */
void pb_render_marks_move(struct pb_rctx *c, const struct pb_buf *buf, size_t base);

/* Fills the full-text fields of x from ft (NULL leaves them empty); pb_disp_fulltext_free
 * releases them. Outside URLs that are not plain http(s) (javascript:, data:, a space, a
 * quote, a control character, non-ASCII) are dropped. */
void pb_disp_fulltext(struct pb_disp *x, const struct pb_fulltext *ft);
void pb_disp_fulltext_free(struct pb_disp *x);
/* 1 when u is an absolute http:// or https:// URL with a host, of printable ASCII without
 * space, quotes, < > \ ` or control characters, at most 2048 bytes; else 0. */
int pb_render_url_ok(const char *u);

/* A cached block appended to one of a renderer's buffers, until that buffer's bytes reach
 * the document (pb_render_marks_move). */
struct pb_rmark {
	const struct pb_buf *buf;
	size_t off, len;
	const char *bytes;
	struct pb_block_memo *memo;
};

struct pb_rctx {
	const struct pb_digest *d;
	const struct pb_render_opts *o;
	int fmt;                        /* the format being rendered */
	struct pb_rmark *marks;         /* kept only when o->blocks is set */
	size_t n_marks, cap_marks;
	struct pb_disp *disp;           /* d->n_items entries */
	char *title;                    /* display title */
	char *summary;                  /* display executive summary (light Markdown) or NULL */
	struct pb_rsum *sum;            /* the cache's entry that owns summary, or NULL (own) */
	struct pb_parts *out;
	struct pb_buf doc;              /* the document, for single-part formats */
	size_t size_hint;               /* bytes to reserve for doc */
	void *priv;                     /* the renderer's own state */
};

/* One format: begin once, paper for each item in rank order, end once. end moves the result
 * into c->out (a single-part format pushes c->doc). Each returns 0 or -1. Every function must
 * release priv itself when it fails or at end; cleanup() is called on any failure. */
struct pb_renderer {
	const char *name;
	int (*begin)(struct pb_rctx *c);
	int (*paper)(struct pb_rctx *c, size_t i);
	int (*end)(struct pb_rctx *c);
	void (*cleanup)(struct pb_rctx *c);
	const char *file;       /* the file sink's name for it: "digest.md", "digest-slack.json" */
};

extern const struct pb_renderer pb_renderer_md;
extern const struct pb_renderer pb_renderer_html;
extern const struct pb_renderer pb_renderer_text;
extern const struct pb_renderer pb_renderer_slack;
extern const struct pb_renderer pb_renderer_telegram;
extern const struct pb_renderer pb_renderer_json;

/* Appends s (taken over) as the next part. */
/* Prints m (unformatted JSON), frees it and appends the text as the next part. 0, or -1 when
 * cJSON cannot print. */
int pb_parts_push_json(struct pb_parts *p, cJSON *m);

/* Section headings, the same words in every format, in this order: the English forms of
 * PB_W_SUMMARY, PB_W_CONTENTS and PB_W_PAPERS. A renderer writes PB_WORD(c, PB_W_...): the
 * word in the digest's language (words.h). */
#define PB_SEC_SUMMARY "Executive Summary"
#define PB_SEC_CONTENTS "Table of Contents"
#define PB_SEC_PAPERS "Papers"
#define PB_WORD(c, w) pb_word((c)->d->language, (w))

/* Appends the digest's count line: "3 of 5 matching papers" or "5 papers", "... for NAME"
 * with name (already escaped for the format; NULL or "" leaves it out) and ", announced DATE"
 * with date (NULL leaves it out), in the digest's language. The words hold no markup. */
void pb_render_count(const struct pb_rctx *c, struct pb_buf *b, const char *name,
		     const char *date);

/* Appends, as plain text to escape, what a capped digest leaves out: "48 more papers matched
 * and are not shown: 3D 30, Video 18." (per topic when the digest knows), or nothing when the
 * digest shows every match. */
void pb_render_more(const struct pb_rctx *c, struct pb_buf *b);
/* Markdown's YAML front matter (title, and the date when it is one), then a blank line. */
void pb_md_front_matter(struct pb_buf *b, const char *title, const char *date);

/* The unsubscribe/settings target for the footer: URL, then mailto, then the digest's own
 * text; NULL when none is known. *is_url says whether it is a link. */
const char *pb_render_unsub(const struct pb_rctx *c, int *is_url, int *is_mailto);

/* Light Markdown, as the summarizer and the model write it. */
enum pb_lm_kind {
	PB_LM_PARA,             /* lines of a paragraph, '\n'-separated */
	PB_LM_HEADING,          /* level 1..6 */
	PB_LM_BULLET,           /* "- ", "* ", "+ "; level = nesting from indentation */
	PB_LM_NUMBERED,         /* "1. "; num holds the number */
	PB_LM_HR,               /* ---, ***, ___ */
};

struct pb_lm_block {
	enum pb_lm_kind kind;
	int level;
	long num;
	const char *text;       /* borrowed from the parsed string, trimmed */
	size_t len;
};

/* Splits s into blocks; *out is malloc'd (caller frees, the texts borrow from s). Returns
 * the count. */
size_t pb_lm_parse(const char *s, struct pb_lm_block **out);

/* How one format shows inline Markdown: bold, code and [text](url). */
struct pb_lm_style {
	void (*esc)(struct pb_buf *b, const char *s, size_t n);
	const char *bold_on, *bold_off;
	const char *it_on, *it_off;
	const char *code_on, *code_off;
	/* appends a link; text is raw (to escape), url raw */
	void (*link)(struct pb_buf *b, const char *text, size_t tn, const char *url, size_t un);
	/* escapes the text of `code`; NULL means esc */
	void (*code_esc)(struct pb_buf *b, const char *s, size_t n);
	/* around a data span that reads as English (pb_text_english), in a document whose
	 * words are another language's; NULL: none */
	const char *en_on, *en_off;
};

/* Appends s[0..n) with **bold**, *italic* (or _italic_), `code` and [text](url) rendered by
 * st, all else escaped. Only links to arXiv are links: any other [text](url) is shown as
 * written. Data spans (digest.h) are shown as text and never read as markup. */
void pb_lm_inline(struct pb_buf *b, const char *s, size_t n, const struct pb_lm_style *st);
/* Appends light Markdown s as chat text (Slack mrkdwn, Telegram HTML): paragraphs apart,
 * list items on single lines with bullets, headings in st's bold, "———" for a rule. */
void pb_lm_chat(struct pb_buf *b, const char *s, const struct pb_lm_style *st);
/* Appends s[0..n) as plain text: markers dropped, arXiv links as "text (url)". No escaping. */
void pb_lm_plain(struct pb_buf *b, const char *s, size_t n);

/* UTF-16 units of s[0..n) (4-byte UTF-8 sequences count 2; an invalid byte counts 1). */
size_t pb_utf16_len(const char *s, size_t n);

#endif
