/* Rendering: a digest into each channel's format, within each channel's limits. Escaping for
 * every format lives in escape.h; LaTeX-to-Unicode for display in latex.h.
 *
 * Every format, Markdown included, shows LaTeX converted to Unicode ($\alpha$ as α, R\'emy as
 * Rémy): a digest is read, not compiled, and most Markdown viewers (mail clients, chat, git
 * hosts) do not typeset math. The paper records keep the TeX as arXiv wrote it.
 *
 * Text the renderers did not write (titles, authors, abstracts, findings, and the model's
 * summary and analyses) is data: pb_text_clean removes control and bidi formatting characters
 * from all of it, then each format escapes it. A model's light Markdown keeps its bold,
 * italics, code, headings and lists, but links only to arXiv; any other [text](url) and any
 * HTML are shown as written. Sections are headed Executive Summary, Table of Contents (not in
 * chats) and Papers in every format; these and every other word the renderers write come from
 * words.h in the digest's language (d->language: English, Simplified Chinese for "zh"). */
#ifndef PAPERBOY_RENDER_H
#define PAPERBOY_RENDER_H

#include <stddef.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"

struct pb_secret;
struct pb_render_cache;

enum pb_format {
	PB_FMT_MD = 0,
	PB_FMT_HTML,
	PB_FMT_TEXT,
	PB_FMT_SLACK,       /* JSON bodies for an incoming webhook: {"text":..., "blocks":[...]} */
	PB_FMT_TELEGRAM,    /* JSON bodies for sendMessage: chat_id, text (HTML), parse_mode, ... */
	PB_FMT_JSON,        /* the digest as one JSON document (version 1), for webhooks */
	PB_FMT_COUNT
};

struct pb_render_opts {
	const char *telegram_chat;      /* chat_id put in Telegram bodies ("" when unknown) */
	long telegram_thread;           /* message_thread_id, 0 = none */
	const char *unsubscribe_url;    /* https URL for the settings/unsubscribe line, or NULL */
	const char *unsubscribe_mailto; /* mailto address, or NULL */
	size_t html_max_bytes;          /* 0 = 100 KB default (Gmail clips beyond 102 KB) */
	const char *full_list;          /* Markdown: the file beside it with every match
					 * ("all.md"), named where the digest says how many more
					 * matched; NULL when there is none */
	/* The reader's links, when the web endpoint is on (web.base_url set); all NULL
	 * otherwise, and then every format is what it was without them. */
	const char *manage_url;         /* the reader's manage page (/m/TOKEN), or NULL */
	const struct pb_secret *link_key;  /* signs the feedback links; NULL = none */
	const char *link_base;          /* web.base_url */
	const char *link_subject;       /* the subscriber's name */
	long long link_now;             /* unix seconds the links' validity counts from */
	/* "more like this" / "not for me" buttons under each paper of a Telegram / Slack digest
	 * (the chat commands answer them: bot.h) */
	int telegram_buttons;
	int slack_buttons;
	/* The run's cache of what a paper shows the same way in every digest (its display
	 * forms and rendered blocks, per language and date), or NULL: the output is the same
	 * bytes either way, only built once per paper instead of once per subscriber. */
	struct pb_render_cache *cache;
	/* When set (with cache): blocks[f] is filled with where the cache's blocks are in the
	 * document of format f (pb_block below), for the Markdown, text and HTML documents. */
	struct pb_blocks *blocks;
};

/* What the users of a paper's cached block derive from it, kept with the block in the run's
 * cache and so made once a run: its pieces for the state (state.h's pb_body_piece) and,
 * for email (mail.c), the quoted-printable form of its whole lines and that form's pieces.
 * The renderers never read it; it is freed with the cache. */
struct pb_body_piece;
struct pb_block_memo {
	struct pb_body_piece *raw;      /* the block's bytes cut in pieces, NULL before */
	size_t n_raw;
	int qp_done;
	size_t qp_from, qp_to;          /* its whole lines: bytes [qp_from, qp_to) */
	struct pb_buf qp;               /* those lines quoted-printable */
	struct pb_body_piece *qpp;      /* qp cut in pieces */
	size_t n_qpp;
};
/* A block in a rendered document: bytes [off, off + len) of it are a paper's block from the
 * run's cache, the same bytes in every document of the run that shows it. */
struct pb_block {
	size_t off, len;
	const char *bytes;              /* the cache's copy of them (len bytes), to check */
	struct pb_block_memo *memo;
};
struct pb_blocks {
	struct pb_block *v;
	size_t n, cap;
};
void pb_blocks_reset(struct pb_blocks *b);
void pb_blocks_free(struct pb_blocks *b);

/* A cache for the renderings of one run: made before the first digest, freed after the
 * last (entries borrow nothing from the papers but are keyed by their records, which must
 * outlive it). Memory stays under a bound (PB_RENDER_CACHE_MAX bytes); past it papers are
 * rendered uncached. */
#define PB_RENDER_CACHE_MAX ((size_t)256 << 20)
struct pb_render_cache *pb_render_cache_new(void);
void pb_render_cache_free(struct pb_render_cache *rc);     /* accepts NULL */
/* Entries made and times one was reused: for the logs and the tests. */
void pb_render_cache_stats(const struct pb_render_cache *rc, size_t *entries, size_t *hits);

/* The "more like this" (sign > 0) or "not for me" (sign < 0) link of paper_id (without its
 * version) for o's reader, appended to out: base_url /f/TOKEN (web.h, PB_LINK_FEEDBACK).
 * Returns 0, or -1 (nothing appended) when o carries no link key or the id cannot be
 * carried. The chat renderers use it for their buttons. */
int pb_render_feedback_url(const struct pb_render_opts *o, const char *paper_id, int sign,
			   struct pb_buf *out);

/* A rendered digest: one document (md, html, text) or several messages (slack, telegram). */
struct pb_parts {
	char **v;
	size_t n;
};

/* Channel limits the renderers keep. */
#define PB_TELEGRAM_MAX_TEXT 4096   /* visible UTF-16 units per message */
#define PB_SLACK_MAX_BLOCKS 50      /* blocks per message */
#define PB_SLACK_MAX_SECTION 3000   /* characters of a section's text */
#define PB_TEXT_WIDTH 76            /* columns of the plain-text alternative (< 78) */

/* Renders d in format f. Returns 0 with out filled (caller frees with pb_parts_free), -1 on
 * an internal error. */
int pb_render(const struct pb_digest *d, enum pb_format f, const struct pb_render_opts *o,
	      struct pb_parts *out);
void pb_parts_free(struct pb_parts *p);     /* accepts NULL */
void pb_parts_push(struct pb_parts *p, char *s);   /* takes s (malloc'd) */
/* Renders d in every format whose bit (1u << f) is set in formats into out[f] (the others are
 * left empty), converting the digest's text for display once for all of them. Returns 0, or
 * -1 with every out[f] empty. */
int pb_render_formats(const struct pb_digest *d, unsigned formats, const struct pb_render_opts *o,
		      struct pb_parts out[PB_FMT_COUNT]);
#define PB_FMT_ALL ((1u << PB_FMT_COUNT) - 1)
/* The full list of the digest's matches in Markdown (the file sink's all.md): the papers
 * the digest shows, then those the cap left out (d->more), ranked, one line each with the
 * title linked to arXiv, the first authors, the topic and whether it is a revision. Returns a
 * malloc'd document (never NULL). */
char *pb_render_all_md(const struct pb_digest *d);
/* pb_render_all_md through o's cache (o may be NULL), the same bytes; with blocks (and a
 * cache), where the cache's blocks are in it, as pb_render_opts.blocks says for the others. */
char *pb_render_all_md_opts(const struct pb_digest *d, const struct pb_render_opts *o,
			    struct pb_blocks *blocks);

/* "md", "html", "text", "slack", "telegram", "json"; returns -1 for unknown names. */
int pb_format_parse(const char *s);
const char *pb_format_name(enum pb_format f);
/* The file sink's name for a digest in format f ("digest.md", "digest-slack.json"). */
const char *pb_format_file(enum pb_format f);

/* Telegram HTML: the visible length in UTF-16 units (tags count 0, an entity 1, a character
 * outside the BMP 2). Returns -1 when s is not well-formed for Telegram: a tag it does not
 * accept, an <a> without href, unbalanced or crossed tags, a broken entity, a bare < > or &. */
long pb_telegram_check(const char *s, size_t n);

/* Splits well-formed Telegram HTML into pieces of at most limit (>= 512) visible units,
 * preferring paragraph, line, sentence and word boundaries, never inside a tag or an entity;
 * tags open at a cut are closed there and reopened in the next piece. Pieces (malloc'd) are
 * appended to out. Returns the number added. */
size_t pb_telegram_split(const char *s, size_t n, size_t limit, struct pb_parts *out);

/* Splits Slack mrkdwn into pieces of at most limit (>= 512) characters, counted in UTF-16
 * units, at the same boundaries, never inside an entity or a <url|text> link. Returns the
 * number added. */
size_t pb_slack_split(const char *s, size_t n, size_t limit, struct pb_parts *out);

/* The Markdown digest past its YAML front matter: what a chat service shows. */
const char *pb_md_body(const char *md);

/* Splits Markdown for a chat service into pieces of at most limit (>= 512) UTF-16 units, or
 * bytes when bytes is set, at the same boundaries, never inside a [text](url) link, a
 * backslash escape or a character. Returns the number added. */
size_t pb_md_split(const char *s, size_t n, size_t limit, int bytes, struct pb_parts *out);

/* Columns s[0..n) takes in a terminal (East Asian wide characters and emoji count 2). */
size_t pb_text_width(const char *s, size_t n);

#endif
