/* Feed parsing entry points: one streaming SAX2 pass (libxml2's push parser, no DOM) over an
 * arXiv response, whole or in pieces. The element handling lives in sax.c, the records in
 * record.c. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

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
pb_parser_set_sink(struct pb_parser *c, pb_record_fn fn, void *ud)
{
	c->sink = fn;
	c->sink_ud = ud;
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

/* A compressed body: a saved feed kept as .gz, or an answer compressed by a server or mirror
 * that did not say so (no Content-Encoding for the HTTP client to undo). Returns its format
 * and, in *undo, the tool that decompresses it; NULL for anything else. */
static const char *
compressed(const char *data, size_t len, const char **undo)
{
	static const struct {
		const char *magic;
		size_t n;
		const char *name, *tool;
	} z[] = {
		{ "\x1F\x8B", 2, "gzip", "gunzip" },
		{ "BZh", 3, "bzip2", "bunzip2" },
		{ "\xFD" "7zXZ\0", 6, "xz", "unxz" },
		{ "\x28\xB5\x2F\xFD", 4, "zstd", "unzstd" },
		{ "PK\x03\x04", 4, "zip", "unzip" },
	};

	for (size_t i = 0; i < sizeof z / sizeof z[0]; i++)
		if (len >= z[i].n && memcmp(data, z[i].magic, z[i].n) == 0) {
			*undo = z[i].tool;
			return z[i].name;
		}
	return NULL;
}

static int
from_url(const char *source)
{
	return source && (strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0);
}

/* libxml2 reports some encoding failures through its global generic handler, which prints
 * to stderr; the parser's own error callback already says what went wrong. */
static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Bytes as they are, to libxml2. */
static void
push_raw(struct pb_parser *c, const char *data, size_t len)
{
	xmlGenericErrorFunc old = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;

	if (!len)
		return;
	xmlSetGenericErrorFunc(NULL, quiet);
	while (len > 0 && !c->bad[0]) {
		size_t n = len < CHUNK ? len : CHUNK;

		if (xmlParseChunk(c->xp, data, (int)n, 0) != 0 && !c->bad[0])
			pb_parse_set_bad(c, "not well-formed XML", NULL, 0);
		data += n;
		len -= n;
	}
	xmlSetGenericErrorFunc(old_ctx, old);
}

/* Characters XML 1.0 allows in a document. */
static int
xml_char(long cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* The UTF-8 sequence at s[0..n): its length when valid (*cp its code point), 0 when s holds
 * only the valid beginning of one, -1 when invalid (overlong forms and surrogates included). */
static int
utf8_seq(const unsigned char *s, size_t n, long *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	utf8proc_int32_t v;
	size_t len, i;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return -1;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i < len && i < n; i++)
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return -1;
	if (n < len)
		return 0;
	if (utf8proc_iterate(s, (utf8proc_ssize_t)len, &v) != (utf8proc_ssize_t)len)
		return -1;
	*cp = v;
	return (int)len;
}

static int
ref_digit(unsigned char ch, int hex)
{
	return ch >= '0' && ch <= '9' ? ch - '0' :
	       hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* A numeric character reference at s ('&'): the length of one that names no XML character
 * (&#0;, &#xD800;, &#x1B;, &#123456789012;), 0 for anything else (libxml2 judges it), -1 when
 * s[0..n) may be the beginning of one (it waits in the carry: fewer than wait bytes). The
 * value is capped while digits are read. A reference whose digits run to wait bytes names no
 * character any feed writes: its first wait bytes are bad and *more is set, so that the
 * digits after them and the ';' are dropped too (push_repairing), whatever the pieces. */
static int
bad_char_ref(const unsigned char *s, size_t n, size_t wait, int *more)
{
	size_t i = 2, d0;
	int hex;
	long v = 0;

	*more = 0;
	if (n < 3)
		return n >= 2 && s[1] != '#' ? 0 : -1;
	if (s[1] != '#')
		return 0;
	hex = s[2] == 'x';
	i += (size_t)hex;
	for (d0 = i; i < n && i < wait; i++) {
		int dv = ref_digit(s[i], hex);

		if (dv < 0)
			break;
		v = v * (hex ? 16 : 10) + dv;
		if (v > 0x110000)
			v = 0x110000;
	}
	if (i == wait && i > d0) {
		*more = hex ? 2 : 1;
		return (int)i;
	}
	if (i == n)
		return -1;
	if (i == d0 || s[i] != ';')
		return 0;
	return xml_char(v) ? 0 : (int)(i + 1);
}

/* A repair happened at the current point of the document: it belongs to the open record,
 * whose start tag libxml2 has seen, since everything before it was pushed first. */
static void
note_repair(struct pb_parser *c)
{
	c->n_repairs++;
	if (c->item_depth)
		c->it.repaired++;
	else
		c->repaired_outside++;
}

/* The first index from i at which push_repairing must look at a byte: one that is not
 * ASCII, a '&', or a control other than tab, LF and CR. Most of a feed is none of these:
 * whole 16-byte blocks are passed over at once. */
static size_t
skip_plain(const unsigned char *s, size_t i, size_t n)
{
	while (i + 16 <= n) {
		pb_v16 v;
		pb_m16 m;
		uint64_t half[2];

		memcpy(&v, s + i, 16);
		m = (pb_m16)(v >= 0x80) | (pb_m16)(v == '&') |
		    ((pb_m16)(v < 0x20) & (pb_m16)(v != '\t') & (pb_m16)(v != '\n') &
		     (pb_m16)(v != '\r'));
		memcpy(half, &m, 16);
		if (half[0] | half[1])
			break;
		i += 16;
	}
	return i;
}

/* Pushes s[0..n) with what XML forbids replaced by U+FFFD: bytes that are not UTF-8, control
 * characters, NUL, references to such characters. Returns how much was taken: the rest, at
 * most a few bytes, may be the beginning of a character that the next piece completes. */
static size_t
push_repairing(struct pb_parser *c, const unsigned char *s, size_t n, int last)
{
	static const char fffd[] = "\xEF\xBF\xBD";
	size_t i = 0, run = 0, bad;
	long cp;
	int r, more = 0;

	while (i < n && !c->bad[0]) {
		unsigned char b;

		if (!c->ref_rest && (i = skip_plain(s, i, n)) >= n)
			break;
		b = s[i];
		if (c->ref_rest) {
			/* the rest of a reference too long to be one: dropped */
			int end = b == ';';

			if (ref_digit(b, c->ref_rest == 2) < 0)
				c->ref_rest = 0;
			else
				end = 0;
			if (end || c->ref_rest) {
				push_raw(c, (const char *)s + run, i - run);
				run = ++i;
				continue;
			}
		}
		if ((b >= 0x20 && b < 0x80 && b != '&') || b == '\t' || b == '\n' || b == '\r') {
			i++;
			continue;
		}
		if (b == '&') {
			r = bad_char_ref(s + i, n - i, sizeof c->carry, &more);
			if (r < 0 && !last)
				break;
			if (r <= 0) {
				i++;
				continue;
			}
			bad = (size_t)r;
		} else if (b < 0x80) {
			bad = 1;
		} else {
			r = utf8_seq(s + i, n - i, &cp);
			if (r == 0 && !last)
				break;
			if (r > 0 && xml_char(cp)) {
				i += (size_t)r;
				continue;
			}
			bad = r > 0 ? (size_t)r : r == 0 ? n - i : 1;
		}
		push_raw(c, (const char *)s + run, i - run);
		note_repair(c);
		push_raw(c, fffd, 3);
		i += bad;
		run = i;
		c->ref_rest = more;
		more = 0;
	}
	push_raw(c, (const char *)s + run, i - run);
	/* Once the document is bad, the rest is not looked at. */
	return c->bad[0] ? n : i;
}

/* The next piece of the document. In a UTF-8 document, what would stop libxml2 for good (one
 * bad byte anywhere) is repaired, so that it costs a warning about that record, not the feed;
 * a piece may end inside a character: its first bytes wait in c->carry. */
static void
push(struct pb_parser *c, const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *)data;

	if (!c->repair) {
		push_raw(c, data, len);
		return;
	}
	if (c->n_carry) {
		unsigned char j[sizeof c->carry + 32];
		size_t k = len < 32 ? len : 32, m;

		memcpy(j, c->carry, c->n_carry);
		memcpy(j + c->n_carry, d, k);
		m = push_repairing(c, j, c->n_carry + k, 0);
		if (m < c->n_carry) {
			/* Still the beginning of one character: all of data is in j. */
			c->n_carry = c->n_carry + k - m;
			memmove(c->carry, j + m, c->n_carry);
			return;
		}
		d += m - c->n_carry;
		len -= m - c->n_carry;
		c->n_carry = 0;
	}
	{
		size_t m = push_repairing(c, d, len, 0);

		/* What is left is shorter than the carry: bad_char_ref and utf8_seq wait for
		 * no more than that. */
		c->n_carry = len - m;
		if (c->n_carry > sizeof c->carry) {
			pb_parse_set_bad(c, "internal error: repair carry overflow", NULL, 0);
			c->n_carry = 0;
		}
		memcpy(c->carry, d + m, c->n_carry);
	}
}

/* The end of the document. */
static void
push_end(struct pb_parser *c)
{
	xmlGenericErrorFunc old = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;

	if (c->n_carry) {
		push_repairing(c, c->carry, c->n_carry, 1);
		c->n_carry = 0;
	}
	if (c->bad[0])
		return;
	/* The push parser waits for more input; an error now means the body stopped before
	 * the document did. */
	xmlSetGenericErrorFunc(NULL, quiet);
	c->finishing = 1;
	if (xmlParseChunk(c->xp, NULL, 0, 1) != 0 && !c->bad[0])
		/* libxml2 said nothing itself: its encoding layer gave up. */
		pb_parse_set_bad(c, "not a complete XML document (bad encoding?)", NULL, 0);
	xmlSetGenericErrorFunc(old_ctx, old);
}

/* Whether the document is UTF-8, XML's default: no UTF-16/32 byte order or zero bytes at
 * its start, no other encoding declared. Only such a document is repaired byte by byte. */
static int
is_utf8_doc(const char *h, size_t n)
{
	const char *e, *q;
	char enc[32], decl[256];
	size_t k;

	if (n >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0) {
		h += 3;
		n -= 3;
	} else if (n >= 2 && ((unsigned char)h[0] >= 0xFE || h[0] == '\0' || h[1] == '\0')) {
		return 0;
	}
	if (n < 5 || memcmp(h, "<?xml", 5) != 0)
		return 1;
	e = memchr(h, '>', n);
	if (!e || (size_t)(e - h) >= sizeof decl)
		return 1;
	memcpy(decl, h, (size_t)(e - h));
	decl[e - h] = '\0';
	q = strstr(decl, "encoding");
	if (!q)
		return 1;
	e = decl + (e - h);
	q += 8;
	while (q < e && (*q == ' ' || *q == '=' || *q == '\'' || *q == '"'))
		q++;
	for (k = 0; q + k < e && k < sizeof enc - 1 && q[k] != '\'' && q[k] != '"'; k++)
		enc[k] = q[k];
	enc[k] = '\0';
	return strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0;
}

static int
start(struct pb_parser *c, int last)
{
	xmlSAXHandler sax;
	const char *z, *undo;

	c->started = 1;
	if (c->head.len == 0) {
		pb_parse_set_bad(c, "empty response body", NULL, 0);
		return -1;
	}
	if (looks_html(c->head.data, c->head.len)) {
		pb_parse_set_bad(c, "an HTML page, not a feed", NULL, 0);
		return -1;
	}
	if ((z = compressed(c->head.data, c->head.len, &undo))) {
		char m[200];

		if (from_url(c->source))
			snprintf(m, sizeof m, "%s-compressed data, not a feed (the server compressed "
				 "it without a Content-Encoding that says so)", z);
		else
			snprintf(m, sizeof m, "%s-compressed data, not a feed: decompress it first "
				 "(%s)", z, undo);
		pb_parse_set_bad(c, m, NULL, 0);
		return -1;
	}
	if (not_markup(c->head.data, c->head.len)) {
		/* A rate limiter's "Rate exceeded.": say what the server said, not libxml2's
		 * "Document is empty". */
		struct pb_buf m = { 0 };

		pb_buf_puts(&m, from_url(c->source) ? "not XML; the server said " :
			    "not XML; it begins ");
		pb_http_quote_reply(&m, c->head.data, c->head.len, 160);
		pb_parse_set_bad(c, m.data, NULL, 0);
		pb_buf_free(&m);
		return -1;
	}
	pb_parse_sax_init(&sax);
	c->repair = is_utf8_doc(c->head.data, c->head.len);
	/* No bytes to the constructor: libxml2 detects the encoding from the first four it
	 * is pushed, which the repair may have changed. */
	c->xp = xmlCreatePushParserCtxt(&sax, c, NULL, 0, c->source);
	if (!c->xp) {
		pb_parse_set_bad(c, "cannot create an XML parser", NULL, 0);
		return -1;
	}
	/* No network, no entity substitution, no DTD loading (none of those options set). */
	xmlCtxtUseOptions(c->xp, XML_PARSE_NONET | XML_PARSE_NOCDATA);
	push(c, c->head.data, c->head.len);
	if (last)
		push_end(c);
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
		push(c, data, len);
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
			push_end(c);
	}
	if (!c->bad[0] && c->xp && (!c->xp->wellFormed || c->depth != 0))
		pb_parse_set_bad(c, "document ends early, truncated?", NULL, 0);
	if (!c->bad[0] && !c->root_seen)
		pb_parse_set_bad(c, "no XML document", NULL, 0);
	res->kind = c->kind;
	res->n_items = c->n_items;
	res->n_skipped = c->n_skipped;
	res->n_repaired = c->n_repaired;
	res->n_added = c->n_sunk;
	if (c->repaired_outside)
		pb_warn("parse.repair", "source=%s where=%s replaced=%zu note=%s", pb_q(c->source),
			pb_q("outside any record"), c->repaired_outside,
			pb_q("bytes that are not UTF-8 or not allowed in XML became U+FFFD"));
	if (c->bad[0]) {
		put_message(res, c->source, ": ", c->bad);
		goto out;
	}
	if (c->arxiv_error) {
		put_message(res, "", NULL, c->arxiv_error);
		st = PB_PARSE_ARXIV_ERROR;
		goto out;
	}
	if (pb_parse_error_feed(c)) {
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
