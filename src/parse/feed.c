/* Feed parsing entry points: one streaming SAX2 pass (libxml2's push parser, no DOM) over an
 * arXiv response, whole or in pieces. The element handling lives in sax.c, the records in
 * record.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/http.h"
#include "paperboy/log.h"
#include "parse_int.h"

/* Bytes held back before parsing starts, enough to tell an HTML page from a feed. */
#define HEAD 512
/* Largest piece handed to libxml2 at once (its length argument is an int). */
#define CHUNK (256 * 1024)

const char *
pb_feed_kind_name(enum pb_feed_kind k)
{
	switch (k) {
	case PB_FEED_API_ATOM: return "api-atom";
	case PB_FEED_RSS2: return "rss2";
	case PB_FEED_ATOM: return "atom";
	case PB_FEED_RSS1: return "rss1";
	case PB_FEED_OAI: return "oai-pmh";
	case PB_FEED_UNKNOWN: break;
	}
	return "unknown";
}

struct pb_parser *
pb_parser_new(const char *source)
{
	struct pb_parser *c = pb_xcalloc(1, sizeof *c);

	xmlInitParser(); /* idempotent; libxml2 wants it before use from several threads */
	c->source = pb_xstrdup(source ? source : "feed");
	c->total = c->start = -1;
	return c;
}

void
pb_parser_free(struct pb_parser *c)
{
	size_t i;

	if (!c)
		return;
	if (c->xp) {
		/* libxml2 may have started a document for DTD bookkeeping; it is ours to free. */
		if (c->xp->myDoc)
			xmlFreeDoc(c->xp->myDoc);
		xmlFreeParserCtxt(c->xp);
	}
	pb_item_reset(&c->it);
	pb_buf_free(&c->text);
	pb_buf_free(&c->head);
	for (i = 0; i < c->n_pend; i++)
		pb_paper_free(&c->pend[i]);
	free(c->pend);
	free(c->feed_title);
	free(c->feed_desc);
	free(c->feed_id);
	free(c->feed_date_raw);
	free(c->arxiv_error);
	free(c->source);
	free(c);
}

/* HTML error pages are the most common non-feed answer; say so instead of an XML error. */
static int
looks_html(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (len - i >= 14 && strncasecmp(data + i, "<!DOCTYPE html", 14) == 0)
		return 1;
	if (len - i >= 5 && strncasecmp(data + i, "<html", 5) == 0)
		return 1;
	return 0;
}

/* Text that cannot start an XML document (UTF-16 byte order marks aside). */
static int
not_markup(const char *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	else if (len >= 2 && ((unsigned char)data[0] == 0xFE || (unsigned char)data[0] == 0xFF))
		return 0;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	return i < len && data[i] != '<';
}

/* libxml2 reports some encoding failures through its global generic handler, which prints
 * to stderr; the parser's own error callback already says what went wrong. */
static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
push(struct pb_parser *c, const char *data, size_t len, int last)
{
	xmlGenericErrorFunc old = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;

	xmlSetGenericErrorFunc(NULL, quiet);
	while (len > 0 && !c->bad[0]) {
		size_t n = len < CHUNK ? len : CHUNK;

		if (xmlParseChunk(c->xp, data, (int)n, 0) != 0 && !c->bad[0])
			pb_parse_set_bad(c, "not well-formed XML", NULL, 0);
		data += n;
		len -= n;
	}
	if (last && !c->bad[0]) {
		/* The push parser waits for more input; an error now means the body stopped
		 * before the document did. */
		c->finishing = 1;
		if (xmlParseChunk(c->xp, NULL, 0, 1) != 0 && !c->bad[0])
			/* libxml2 said nothing itself: its encoding layer gave up. */
			pb_parse_set_bad(c, "not a complete XML document (bad encoding?)", NULL,
					 0);
	}
	xmlSetGenericErrorFunc(old_ctx, old);
}

static int
start(struct pb_parser *c, int last)
{
	xmlSAXHandler sax;
	size_t n0;

	c->started = 1;
	if (c->head.len == 0) {
		pb_parse_set_bad(c, "empty response body", NULL, 0);
		return -1;
	}
	if (looks_html(c->head.data, c->head.len)) {
		pb_parse_set_bad(c, "an HTML page, not a feed", NULL, 0);
		return -1;
	}
	if (not_markup(c->head.data, c->head.len)) {
		/* A rate limiter's "Rate exceeded.": say what the server said, not libxml2's
		 * "Document is empty". */
		struct pb_buf m = { 0 };

		pb_buf_puts(&m, "not XML; the server said ");
		pb_http_quote_reply(&m, c->head.data, c->head.len, 160);
		pb_parse_set_bad(c, m.data, NULL, 0);
		pb_buf_free(&m);
		return -1;
	}
	pb_parse_sax_init(&sax);
	/* The first bytes go to the constructor so libxml2 can detect the encoding. */
	n0 = c->head.len < 4 ? c->head.len : 4;
	c->xp = xmlCreatePushParserCtxt(&sax, c, c->head.data, (int)n0, c->source);
	if (!c->xp) {
		pb_parse_set_bad(c, "cannot create an XML parser", NULL, 0);
		return -1;
	}
	/* No network, no entity substitution, no DTD loading (none of those options set). */
	xmlCtxtUseOptions(c->xp, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	push(c, c->head.data + n0, c->head.len - n0, last);
	pb_buf_free(&c->head);
	return c->bad[0] ? -1 : 0;
}

int
pb_parser_feed(struct pb_parser *c, const char *data, size_t len)
{
	if (c->bad[0])
		return -1;
	if (!c->started) {
		size_t take = HEAD - c->head.len;
		if (take > len)
			take = len;
		pb_buf_append(&c->head, data, take);
		data += take;
		len -= take;
		if (c->head.len < HEAD)
			return 0;
		if (start(c, 0) < 0)
			return -1;
	}
	if (len)
		push(c, data, len, 0);
	return c->bad[0] ? -1 : 0;
}

static void
put_message(struct pb_parse_result *res, const char *a, const char *b, const char *d)
{
	snprintf(res->message, sizeof res->message, "%s%s%s", a, b ? b : "", d ? d : "");
}

enum pb_parse_status
pb_parser_finish(struct pb_parser *c, struct pb_paperset *out, struct pb_parse_result *res)
{
	enum pb_parse_status st = PB_PARSE_BAD;
	char day[11] = "", *t;
	size_t i;

	memset(res, 0, sizeof *res);
	if (!c->bad[0]) {
		if (!c->started)
			start(c, 1);
		else
			push(c, "", 0, 1);
	}
	if (!c->bad[0] && c->xp && (!c->xp->wellFormed || c->depth != 0))
		pb_parse_set_bad(c, "document ends early, truncated?", NULL, 0);
	if (!c->bad[0] && !c->root_seen)
		pb_parse_set_bad(c, "no XML document", NULL, 0);
	res->kind = c->kind;
	res->n_items = c->n_items;
	res->n_skipped = c->n_skipped;
	if (c->bad[0]) {
		put_message(res, c->source, ": ", c->bad);
		goto out;
	}
	if (c->arxiv_error) {
		put_message(res, "", NULL, c->arxiv_error);
		st = PB_PARSE_ARXIV_ERROR;
		goto out;
	}
	if (c->kind == PB_FEED_RSS2 && c->feed_title &&
	    strncmp(c->feed_title, "Feed error for query", 20) == 0) {
		put_message(res, "", NULL, c->feed_desc ? c->feed_desc : c->feed_title);
		st = PB_PARSE_ARXIV_ERROR;
		goto out;
	}

	if (c->feed_title && !out->feed_title)
		out->feed_title = pb_xstrdup(c->feed_title);
	/* The RSS channel's pubDate (RSS 1.0: dc:date) names the announcement day. */
	if (c->feed_date_raw && (c->kind == PB_FEED_RSS2 || c->kind == PB_FEED_RSS1)) {
		t = pb_date_utc(c->feed_date_raw, day);
		if (t)
			memcpy(c->announce_day, day, sizeof day);
		free(t);
	}
	if (c->announce_day[0] && !out->announce_date)
		out->announce_date = pb_xstrdup(c->announce_day);
	if (c->total >= 0)
		out->total_results = c->total;
	if (c->start >= 0)
		out->start_index = c->start;

	if (out->n == 0 && !out->v && c->n_pend) {
		/* An empty set takes over the record array instead of copying it, which keeps
		 * peak memory at one array; duplicates within the feed still merge. */
		size_t n = c->n_pend;
		out->v = c->pend;
		out->cap = c->cap_pend;
		c->pend = NULL;
		c->n_pend = c->cap_pend = 0;
		pb_paperset_reserve(out, n);
		for (i = 0; i < n; i++) {
			struct pb_paper p = out->v[i];
			memset(&out->v[i], 0, sizeof p);
			pb_paperset_add(out, &p); /* out->n <= i < cap: stays in place */
			res->n_added++;
		}
		if (out->cap > out->n + out->n / 4 + 16) {
			out->cap = out->n + out->n / 4 + 16;
			out->v = pb_xreallocarray(out->v, out->cap, sizeof *out->v);
		}
	}
	if (c->n_pend)
		pb_paperset_reserve(out, out->n + c->n_pend);
	for (i = 0; i < c->n_pend; i++) {
		pb_paperset_add(out, &c->pend[i]);
		res->n_added++;
	}
	c->n_pend = 0;
	st = c->n_items == 0 ? PB_PARSE_EMPTY : PB_PARSE_OK;
out:
	res->status = st;
	return st;
}

enum pb_parse_status
pb_parse_feed(const char *data, size_t len, const char *source, struct pb_paperset *out,
	      struct pb_parse_result *res)
{
	struct pb_parser *c = pb_parser_new(source);
	enum pb_parse_status st;

	if (data && len)
		pb_parser_feed(c, data, len);
	st = pb_parser_finish(c, out, res);
	pb_parser_free(c);
	return st;
}
