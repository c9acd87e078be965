/* What the full-text extractors (HTML, PDF) share: a builder that keeps what is found within
 * fixed bounds, the section kinds by heading words, link and text helpers. Private to
 * src/fulltext/ (and the fuzz targets). */
#ifndef PAPERBOY_FT_INT_H
#define PAPERBOY_FT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/fulltext.h"
#include "pdf_module.h"

/* The readers' versions (pb_fulltext_reader): raise one whenever what that reader extracts
 * changes (a fault mended, a part read differently), and every text it cached before is read
 * again from arXiv the next time its paper is selected, not kept for fulltext.cache_days.
 * html 1: the first; 2: HTML5's named references decoded (Mari&cacute;). pdf 2: running
 * heads and feet left out, a compound's hyphen at a line's end kept; 3: the first page's
 * footnotes left out of its text. */
#define FT_READER_HTML 2
#define FT_READER_PDF 3

/* Bounds on what one paper's full text may hold, whatever its source. */
#define FT_MAX_TEXT (2u * 1024u * 1024u)  /* bytes of section text in all */
#define FT_MAX_SECTIONS 96
#define FT_MAX_FIGURES 64
#define FT_MAX_TABLES 64
#define FT_MAX_LINKS 16
#define FT_MAX_AFFILIATIONS 32
#define FT_MAX_CAPTION 2000           /* bytes of one caption */
#define FT_MAX_TABLE 6000             /* bytes of one table's text */
#define FT_MAX_URL 2048
#define FT_MAX_TITLE 200
#define FT_MAX_AFFILIATION 300

/* Collects one paper's full text. Sections are opened with ftb_section and receive
 * paragraphs; everything past the bounds above is dropped quietly (text_dropped counts it). */
struct ftb {
	struct pb_fulltext *ft;
	size_t text_total;           /* bytes of section text so far */
	size_t text_dropped;
	size_t cap_sections, cap_figures, cap_tables, cap_links, cap_affiliations;
	struct pb_buf cur;           /* the open section's text */
	int open;                    /* a section is open (the last of ft->sections) */
};

void ftb_init(struct ftb *b, struct pb_fulltext *ft);
/* Opens a section (closing the one before); title may be NULL. Past FT_MAX_SECTIONS the
 * paragraphs go on into the last section. */
void ftb_section(struct ftb *b, enum pb_ft_kind kind, const char *title);
/* Appends one paragraph (whitespace already collapsed) to the open section, opening one of
 * kind other when none is. */
void ftb_para(struct ftb *b, const char *s, size_t len);
void ftb_figure(struct ftb *b, const char *caption, const char *image_url, const char *alt);
void ftb_table(struct ftb *b, const char *text);
/* Adds url when it is a code or project link (ft_code_link) not yet listed. */
void ftb_link(struct ftb *b, const char *url);
void ftb_affiliation(struct ftb *b, const char *s);
/* Closes the open section; drops sections left empty. Returns the bytes of text kept. */
size_t ftb_finish(struct ftb *b);

/* The kind a heading names: its first word that names one ("4 Experiments" -> results,
 * "Limitations and Future Work" -> limitations), an appendix whatever else it says,
 * PB_FT_OTHER when its words say nothing known. */
enum pb_ft_kind ft_heading_kind(const char *heading);

/* 1 when url (absolute http/https) points at code or a project page: github.com, gitlab.com,
 * bitbucket.org, codeberg.org, huggingface.co, or a *.github.io / *.gitlab.io page; not
 * github.com itself or its help pages. */
int ft_code_link(const char *url);

/* Appends s[0..len) to b with runs of white space (ASCII and U+00A0) made one space, control
 * characters dropped and each byte that is not UTF-8 made U+FFFD; *space says whether b
 * ends with a space (updated). */
void ft_put_text(struct pb_buf *b, const char *s, size_t len, int *space);
/* Trims ASCII white space at both ends of b. */
void ft_trim(struct pb_buf *b);
/* Cuts b to at most max bytes at a UTF-8 character boundary. */
void ft_cut(struct pb_buf *b, size_t max);

/* Sections from plain text (a PDF's pages, "\f" between pages): lines like "1 Introduction",
 * "4. Experiments", "Conclusion" open sections, the text after "References" is skipped until
 * an appendix heading, captions ("Figure 2: ...", "Table 1: ...") become figures and tables,
 * code links found in the text are listed; a running head or foot (a line at the top or the
 * bottom of at least three pages and a quarter of them, the page number in it aside) is left
 * out. Bounded like everything else. */
void ft_text_sections(struct ftb *b, const char *text, size_t len);

/* The code links written in text that is not the paper's sentences (a PDF's footnotes). */
void ft_text_links(struct ftb *b, const char *text, size_t len);

/* A document read in a child process (child.c): body(arg, fd) runs there and writes records
 * to fd with ft_child_record; this process gathers them in said until the child ends, the
 * deadline (unix seconds, or 0) comes, FT_CHILD_SECONDS pass, or said passes max bytes, and
 * then kills it. Returns 0 with how it ended in *how, or -1 when no child could be made
 * (why says why). */
#define FT_CHILD_SECONDS 120
#define FT_CHILD_MEMORY (1024L * 1024 * 1024)   /* bytes of data above this process's */
enum ft_child_end {
	FT_CHILD_ENDED,              /* it closed its end: done or dead (status says) */
	FT_CHILD_LATE,               /* the deadline came */
	FT_CHILD_SLOW,               /* FT_CHILD_SECONDS passed */
	FT_CHILD_LOUD,               /* it said more than max */
};
struct ft_child {
	enum ft_child_end end;
	int status;                  /* waitpid's */
};
int ft_child_run(void (*body)(void *arg, int fd), void *arg, int64_t deadline, size_t max,
		 struct pb_buf *said, struct ft_child *how, char *why, size_t whylen);
/* One record: type, then a's and b's bytes as one. 0, or -1 when the reader is gone. */
int ft_child_record(int fd, int type, const void *a, size_t na, const void *b, size_t nb);
/* What became of a child that gave no answer (the deadline aside, which each caller says in
 * its own words): "was stopped by signal 11 (...)", "took more than 120 s", ... */
void ft_child_said(const struct ft_child *how, char *out, size_t outlen);
void ft_put32(unsigned char *p, uint32_t v);
uint32_t ft_get32(const unsigned char *p);

/* pb_fulltext_from_html in a child process (html.c): 0, -1 with why (the page gives no full
 * text, or the reader crashed or outgrew its memory or time), -2 when no reader could be
 * started, -3 when the deadline (unix seconds, or 0) came. */
int ft_html_isolated(const char *html, size_t len, const char *base, int64_t deadline,
		     struct pb_fulltext *out, char *why, size_t whylen);
/* The HTML reader's answer as this process reads it: 0 with out filled, -1 with the
 * reader's why, -2 when it is not one whole answer. */
int ft_html_answer(const char *buf, size_t len, struct pb_fulltext *out, char *why,
		   size_t whylen);

/* The PDF reader's records (pdf.c says what they are), read by the process that made it:
 * pages and links go to pl, the end to rc and res. Returns 0
 * when len ends after a whole record, 1 when the last one is cut short (the reader was
 * stopped), -1 for records that are not the reader's (out of order, of a wrong size, after
 * the end). */
struct page_and_links {
	struct pb_buf text;          /* the pages' text, each ended by a form feed */
	struct ftb *b;               /* the links go to it */
	int n_pages;                 /* in the document (-1 until it is open) */
	int to_read;                 /* of them, to be read */
	int pages;                   /* read so far */
	size_t link_bytes;
	struct pb_buf notes;         /* the first page's footnote lines, each ended by '\n' */
};
struct ft_pdf_said {
	struct page_and_links *pl;
	int rc;                      /* the module's answer (pdf_module.h), once ended */
	int ended;                   /* the 'R' record came */
	struct pb_pdf_result res;
};
int ft_pdf_records(const char *buf, size_t len, struct ft_pdf_said *out);

#endif
