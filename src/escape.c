/* Escaping for every output format. Kept byte-oriented: every special character is ASCII, so
 * UTF-8 sequences pass through untouched. Mail headers, last, are cleaned, encoded (RFC 2047)
 * and folded. */
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "paperboy/escape.h"

/* Appends the run s[from..i) when a special byte is met, then its replacement. */
#define FLUSH() \
	do { \
		if (i > from) \
			pb_buf_append(b, s + from, i - from); \
		from = i + 1; \
	} while (0)

static const char hexdig[] = "0123456789ABCDEF";

static void
pct(struct pb_buf *b, unsigned char c)
{
	char e[3] = { '%', hexdig[c >> 4], hexdig[c & 15] };

	pb_buf_append(b, e, 3);
}

/* Bytes Markdown would read as markup. */
static const unsigned char md_special[256] = {
	['\\'] = 1, ['`'] = 1, ['*'] = 1, ['_'] = 1, ['['] = 1, [']'] = 1, ['<'] = 1, ['>'] = 1,
	['#'] = 1, ['|'] = 1,
};

/* Bytes HTML escaping looks at: markup characters and controls. */
static const unsigned char html_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
	[0x08] = 1, ['\t'] = 1, ['\n'] = 1, [0x0b] = 1, [0x0c] = 1, ['\r'] = 1, [0x0e] = 1,
	[0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1,
	[0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1,
	[0x1d] = 1, [0x1e] = 1, [0x1f] = 1, [0x7f] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1,
	['"'] = 1, ['\''] = 1,
};

static void
html_n(struct pb_buf *b, const char *s, size_t n, int attr)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *r;

		if (!html_special[c])
			continue;
		switch (c) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		case '\t':
		case '\n':
			if (!attr)
				continue;
			r = " ";
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				r = "";
			else
				continue;
		}
		FLUSH();
		pb_buf_puts(b, r);
	}
	if (n > from)
		pb_buf_append(b, s + from, n - from);
}

void
pb_esc_html_n(struct pb_buf *b, const char *s, size_t n)
{
	html_n(b, s ? s : "", s ? n : 0, 0);
}

void
pb_esc_html(struct pb_buf *b, const char *s)
{
	pb_esc_html_n(b, s, s ? strlen(s) : 0);
}

void
pb_esc_html_attr(struct pb_buf *b, const char *s)
{
	html_n(b, s ? s : "", s ? strlen(s) : 0, 1);
}

void
pb_esc_md_n(struct pb_buf *b, const char *s, size_t n)
{
	size_t i, from = 0;

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (md_special[c] || (c == '&' && i + 1 < n && (s[i + 1] == '#' ||
		    (s[i + 1] >= 'a' && s[i + 1] <= 'z') || (s[i + 1] >= 'A' && s[i + 1] <= 'Z')))) {
			/* "&#x202E;" or "&lt;" would be read as a character reference */
			FLUSH();
			pb_buf_putc(b, '\\');
			pb_buf_putc(b, (char)c);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			FLUSH();
			pb_buf_putc(b, ' ');
		} else if (c < 0x20 || c == 0x7f) {
			FLUSH();
		}
	}
	if (n > from)
		pb_buf_append(b, s + from, n - from);
}

void
pb_esc_md(struct pb_buf *b, const char *s)
{
	pb_esc_md_n(b, s, s ? strlen(s) : 0);
}

void
pb_esc_md_line(struct pb_buf *b, const char *s)
{
	size_t n, i = 0, d = 0;

	if (!s)
		return;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	s += i;
	n = strlen(s);
	while (d < n && d < 10 && s[d] >= '0' && s[d] <= '9')
		d++;
	/* a list marker is followed by a blank or ends the line */
	if (d == 0 && n > 0 && (s[0] == '-' || s[0] == '+') &&
	    (n == 1 || s[1] == ' ' || s[1] == '\t' || s[1] == '\n' || s[1] == '\r')) {
		pb_buf_putc(b, '\\');
		pb_buf_putc(b, s[0]);
		s++, n--;
	} else if (d > 0 && d <= 9 && d < n && (s[d] == '.' || s[d] == ')') &&
		   (d + 1 == n || s[d + 1] == ' ' || s[d + 1] == '\t' || s[d + 1] == '\n' ||
		    s[d + 1] == '\r')) {
		pb_buf_append(b, s, d);
		pb_buf_putc(b, '\\');
		pb_buf_putc(b, s[d]);
		s += d + 1, n -= d + 1;
	}
	pb_esc_md_n(b, s, n);
}

/* Percent-encodes the bytes in set plus controls, space and non-ASCII-safe bytes stay. */
static void
url_enc(struct pb_buf *b, const char *s, const char *set)
{
	size_t i, from = 0, n;

	if (!s)
		return;
	n = strlen(s);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || (strchr(set, c) && c)) {
			FLUSH();
			pct(b, c);
		}
	}
	if (n > from)
		pb_buf_append(b, s + from, n - from);
}

void
pb_esc_md_url(struct pb_buf *b, const char *s)
{
	url_enc(b, s, "()<>\"'`");
}

/* &, < and > as entities (and " too when quot), for Slack mrkdwn and Telegram HTML. */
static void
amp_lt_gt(struct pb_buf *b, const char *s, size_t n, int quot)
{
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *r;

		switch (s[i]) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"':
			if (!quot)
				continue;
			r = "&quot;";
			break;
		default:
			/* controls other than tab and newline never reach a chat */
			if ((unsigned char)s[i] >= 0x20 || s[i] == '\t' || s[i] == '\n')
				continue;
			r = "";
		}
		FLUSH();
		pb_buf_puts(b, r);
	}
	if (n > from)
		pb_buf_append(b, s + from, n - from);
}

void
pb_esc_slack_n(struct pb_buf *b, const char *s, size_t n)
{
	if (s)
		amp_lt_gt(b, s, n, 0);
}

void
pb_esc_slack(struct pb_buf *b, const char *s)
{
	if (s)
		amp_lt_gt(b, s, strlen(s), 0);
}

void
pb_esc_slack_url(struct pb_buf *b, const char *s)
{
	struct pb_buf t = { 0 };

	/* Slack reads &amp; inside a link back as & */
	url_enc(&t, s, "|<>");
	amp_lt_gt(b, t.data ? t.data : "", t.len, 0);
	pb_buf_free(&t);
}

void
pb_esc_telegram_n(struct pb_buf *b, const char *s, size_t n)
{
	if (s)
		amp_lt_gt(b, s, n, 0);
}

void
pb_esc_telegram(struct pb_buf *b, const char *s)
{
	if (s)
		amp_lt_gt(b, s, strlen(s), 0);
}

void
pb_esc_telegram_attr(struct pb_buf *b, const char *s)
{
	if (s)
		amp_lt_gt(b, s, strlen(s), 1);
}

/* Bidirectional formatting characters: marks, embeddings, overrides and isolates. */
static int
is_bidi(long cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

int
pb_char_unsafe(long cp)
{
	if (cp == '\t' || cp == '\n')
		return 0;
	if (cp < 0x20 || cp == 0x7f)
		return cp == '\r' ? PB_UNSAFE_BREAK : PB_UNSAFE_DROP;
	if (cp == 0x85 || cp == 0x2028 || cp == 0x2029)
		return PB_UNSAFE_BREAK;
	if ((cp >= 0x80 && cp <= 0x9f) || is_bidi(cp))
		return PB_UNSAFE_DROP;
	return 0;
}

void
pb_text_clean(struct pb_buf *b, const char *s, size_t n, int flags)
{
	size_t i = 0, from = 0;

	if (!s)
		return;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		utf8proc_int32_t cp = c;
		utf8proc_ssize_t r = 1;
		const char *rep;
		int u;

		if (c >= 0x80)
			r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
					     (utf8proc_ssize_t)(n - i), &cp);
		u = r <= 0 ? 0 : pb_char_unsafe(cp);
		if ((flags & PB_CLEAN_ONE_LINE) && (cp == '\t' || cp == '\n'))
			u = PB_UNSAFE_BREAK;
		if ((flags & PB_CLEAN_KEEP_DATA) && (c == 0x02 || c == 0x03))
			u = 0;
		if (r <= 0) {
			r = 1;
			rep = "\xEF\xBF\xBD";
		} else if (!u) {
			i += (size_t)r;
			continue;
		} else {
			rep = u == PB_UNSAFE_BREAK ? " " : "";
		}
		pb_buf_append(b, s + from, i - from);
		pb_buf_puts(b, rep);
		i += (size_t)r;
		from = i;
	}
	pb_buf_append(b, s + from, n - from);
}

char *
pb_text_clean_dup(const char *s, int flags)
{
	struct pb_buf b = { 0 };

	pb_text_clean(&b, s ? s : "", s ? strlen(s) : 0, flags);
	return pb_buf_detach(&b);
}

void
pb_esc_term(struct pb_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0, i = 0, from = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		utf8proc_int32_t cp = c;
		utf8proc_ssize_t r = 1;

		if (c >= 0x80)
			r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
					     (utf8proc_ssize_t)(n - i), &cp);
		if (r > 0 && cp != '\t' && cp != '\n' && !pb_char_unsafe(cp)) {
			i += (size_t)r;
			continue;
		}
		pb_buf_append(b, s + from, i - from);
		if (r <= 0 || cp < 0x80) {
			r = 1;
			if (c == '\t' || c == '\n' || c == '\r')
				pb_buf_printf(b, "\\%c", c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
			else
				pb_buf_printf(b, "\\x%02X", c);
		} else {
			pb_buf_printf(b, "\\u%04X", (unsigned)cp);
		}
		i += (size_t)r;
		from = i;
	}
	if (s)
		pb_buf_append(b, s + from, n - from);
}

/* ---- mail headers (RFC 5322, RFC 2047) ---- */

#define LINE_SOFT 78     /* RFC 5322 recommended header line length */
#define ENC_LINE 76      /* a line holding encoded words (RFC 2047 section 2) */

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not valid
 * (overlongs, surrogates and code points past U+10FFFF are invalid). */
static size_t
mail_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	/* C1 controls (U+0080..U+009F) are controls too. */
	if (cp >= 0x80 && cp <= 0x9F)
		return 0;
	return len;
}

int
pb_esc_header_clean(struct pb_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0, l;
	int non_ascii = 0;

	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7F || p[i] == ' ') {
			if (b->len && b->data[b->len - 1] != ' ')
				pb_buf_putc(b, ' ');
			i++;
			continue;
		}
		l = mail_utf8_len(p + i, n - i);
		if (l == 0) {
			pb_buf_puts(b, "\xEF\xBF\xBD");
			non_ascii = 1;
			i++;
			continue;
		}
		if (l > 1)
			non_ascii = 1;
		pb_buf_append(b, p + i, l);
		i += l;
	}
	while (b->len && b->data[b->len - 1] == ' ')
		pb_buf_truncate(b, b->len - 1);
	return non_ascii;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
base64_put(struct pb_buf *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		pb_buf_putc(b, b64[p[i] >> 2]);
		pb_buf_putc(b, b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		pb_buf_putc(b, b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)]);
		pb_buf_putc(b, b64[p[i + 2] & 63]);
	}
	if (n - i == 1) {
		pb_buf_putc(b, b64[p[i] >> 2]);
		pb_buf_putc(b, b64[(p[i] & 3) << 4]);
		pb_buf_puts(b, "==");
	} else if (n - i == 2) {
		pb_buf_putc(b, b64[p[i] >> 2]);
		pb_buf_putc(b, b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)]);
		pb_buf_putc(b, b64[(p[i + 1] & 15) << 2]);
		pb_buf_putc(b, '=');
	}
}

void
pb_esc_header_words(struct pb_buf *b, const char *value, size_t col)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t n = strlen(value), i = 0;

	while (i < n) {
		/* Room on this line for the word; "=?UTF-8?B?" + "?=" is 12 characters. */
		size_t room = (col + 75 <= ENC_LINE ? 75 : ENC_LINE - col);
		size_t max_raw = room > 12 ? (room - 12) / 4 * 3 : 0;
		size_t take = 0, l;

		if (max_raw < 3) {
			pb_buf_puts(b, "\r\n ");
			col = 1;
			continue;
		}
		while (i + take < n) {
			l = mail_utf8_len(p + i + take, n - i - take);
			if (l == 0)
				l = 1;   /* cannot happen after pb_esc_header_clean; never loop forever */
			if (take + l > max_raw)
				break;
			take += l;
		}
		if (take == 0) {
			pb_buf_puts(b, "\r\n ");
			col = 1;
			continue;
		}
		pb_buf_puts(b, "=?UTF-8?B?");
		base64_put(b, p + i, take);
		pb_buf_puts(b, "?=");
		col += 12 + (take + 2) / 3 * 4;
		i += take;
		if (i < n) {
			pb_buf_puts(b, "\r\n ");
			col = 1;
		}
	}
}

/* Appends ASCII text folded before spaces so lines stay near 78 characters. */
static void
put_folded_ascii(struct pb_buf *b, const char *value, size_t col)
{
	const char *p = value;

	while (*p) {
		const char *sp = strchr(p + 1, ' ');
		size_t wl = sp ? (size_t)(sp - p) : strlen(p);
		if (*p == ' ' && col + wl > LINE_SOFT && col > 1) {
			pb_buf_puts(b, "\r\n");
			col = 0;
		}
		pb_buf_append(b, p, wl);
		col += wl;
		p += wl;
	}
}

int
pb_esc_header_plain_ok(const char *v)
{
	size_t run = 0;

	if (strstr(v, "=?"))
		return 0;
	for (; *v; v++) {
		run = *v == ' ' ? 0 : run + 1;
		if (run > 900)
			return 0;
	}
	return 1;
}

void
pb_esc_header(struct pb_buf *b, const char *name, const char *value)
{
	struct pb_buf v = { 0 };
	int non_ascii = pb_esc_header_clean(&v, value);

	pb_buf_printf(b, "%s: ", name);
	if (non_ascii || !pb_esc_header_plain_ok(pb_buf_str(&v)))
		pb_esc_header_words(b, pb_buf_str(&v), strlen(name) + 2);
	else
		put_folded_ascii(b, pb_buf_str(&v), strlen(name) + 2);
	pb_buf_puts(b, "\r\n");
	pb_buf_free(&v);
}
