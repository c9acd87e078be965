/* The digest: one subscriber's selection with everything the renderers show. Built by the
 * summarize stage, read by the render stage. */
#ifndef PAPERBOY_DIGEST_H
#define PAPERBOY_DIGEST_H

#include <stddef.h>

#include "paperboy/paper.h"

struct pb_fulltext;

#define PB_DATA_OPEN '\x02'
#define PB_DATA_CLOSE '\x03'

struct pb_digest_item {
	const struct pb_paper *paper;     /* borrowed from the paperset */
	const char *topic;                /* borrowed topic name */
	double score;
	char **findings;                  /* key findings: sentences of the abstract, as written */
	size_t n_findings;
	char *analysis;                   /* model-written analysis (light Markdown) or NULL */
	char *why;                        /* the ranker's reason ("similar to 2411.17790 (0.41)"),
					   * outside text, or NULL */
	const struct pb_fulltext *fulltext;   /* borrowed (fulltext.h), or NULL */
};

/* Papers per topic: how many matched before the cap and how many the digest shows. */
struct pb_digest_topic {
	const char *name;                 /* borrowed topic name */
	size_t matched;
	size_t shown;
};

/* A match the cap left out. */
struct pb_digest_more {
	const struct pb_paper *paper;     /* borrowed from the paperset */
	const char *topic;                /* borrowed topic name */
	double score;
};

struct pb_digest {
	const char *subscriber;           /* borrowed name */
	const char *language;             /* borrowed, "en" default: the words (words.h) */
	char *date;                       /* announcement date "YYYY-MM-DD" */
	char *title;                      /* "arXiv Computer Vision Papers - 2025-12-04" */
	char *subject;                    /* the email subject (pb_digest_subject) */
	/* light Markdown: paragraphs, "- " bullets, **bold**. When the built-in summarizer wrote
	 * it, every piece of outside text in it (a title, a finding) is a data span between
	 * PB_DATA_OPEN and PB_DATA_CLOSE: the renderers show a span's text (LaTeX converted) and
	 * never read markup in it. A model's summary has no spans (they are removed). */
	char *exec_summary;
	int exec_from_model;              /* 1 when the model wrote exec_summary */
	struct pb_digest_item *items;     /* ranked */
	size_t n_items;
	size_t n_matched;                 /* before the max_papers cap */
	struct pb_digest_topic *topics;   /* the subscriber's topics in config order, or NULL */
	size_t n_topics;
	struct pb_digest_more *more;      /* the matches past the cap, ranked, when known */
	size_t n_more;
	const char *unsubscribe;          /* borrowed "settings/unsubscribe" text or URL, or NULL */
};

void pb_digest_free(struct pb_digest *d);   /* frees members; accepts NULL */

#endif
