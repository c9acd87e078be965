/* Rendering: a digest into each channel's format, within each channel's limits. Escaping for
 * every format lives in escape.h; LaTeX-to-Unicode for display in latex.h. */
#ifndef PAPERBOY_RENDER_H
#define PAPERBOY_RENDER_H

#include <stddef.h>

#include "paperboy/digest.h"

enum pb_format {
	PB_FMT_MD = 0,
	PB_FMT_HTML,
	PB_FMT_TEXT,
	PB_FMT_SLACK,       /* JSON bodies for an incoming webhook: {"text":..., "blocks":[...]} */
	PB_FMT_TELEGRAM,    /* JSON bodies for sendMessage: chat_id, text (HTML), parse_mode, ... */
	PB_FMT_COUNT
};

struct pb_render_opts {
	const char *telegram_chat;      /* chat_id put in Telegram bodies ("" when unknown) */
	long telegram_thread;           /* message_thread_id, 0 = none */
	const char *unsubscribe_url;    /* https URL for the settings/unsubscribe line, or NULL */
	const char *unsubscribe_mailto; /* mailto address, or NULL */
	size_t html_max_bytes;          /* 0 = 100 KB default (Gmail clips beyond 102 KB) */
};

/* A rendered digest: one document (md, html, text) or several messages (slack, telegram). */
struct pb_parts {
	char **v;
	size_t n;
};

/* Renders d in format f. Returns 0 with out filled (caller frees with pb_parts_free), -1 on
 * an internal error. */
int pb_render(const struct pb_digest *d, enum pb_format f, const struct pb_render_opts *o,
	      struct pb_parts *out);
void pb_parts_free(struct pb_parts *p);     /* accepts NULL */
/* "md", "html", "text", "slack", "telegram"; returns -1 for unknown names. */
int pb_format_parse(const char *s);
const char *pb_format_name(enum pb_format f);

#endif
