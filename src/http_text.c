/* The HTTP client's text helpers: what it reads from a server's headers and body (Retry-After,
 * header values, a body quoted into a message) and what it writes into URLs and cache names.
 * No I/O, no state. */
#include "paperboy/http.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <utf8proc.h>

#include "paperboy/escape.h"
#include "paperboy/hash.h"

long
pb_http_parse_retry_after(const char *value, long now)
{
	const char *p = value, *e;
	long v = 0;
	time_t t;

	if (!value)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e == p)
		return -1;
	if (isdigit((unsigned char)*p)) {
		const char *q;

		for (q = p; q < e; q++) {
			if (!isdigit((unsigned char)*q))
				break;
			/* Saturate: a huge delay means "not now", its exact size does not matter. */
			if (v < 1000000000L)
				v = v * 10 + (*q - '0');
		}
		if (q == e)
			return v > 1000000000L ? 1000000000L : v;
		/* Digits followed by something else: maybe a date such as "06 Nov 1994 ...". */
	}
	{
		char tmp[128];
		size_t n = (size_t)(e - p);

		if (n >= sizeof tmp)
			return -1;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		t = curl_getdate(tmp, NULL);
	}
	if (t == (time_t)-1)
		return -1;
	if ((long)t <= now)
		return 0;
	if ((long)t - now > 1000000000L)
		return 1000000000L;
	return (long)t - now;
}

void
pb_http_quote_reply(struct pb_buf *b, const char *s, size_t len, size_t max)
{
	size_t i = 0, end, start;

	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	for (end = i; end < len && s[end] != '\n' && s[end] != '\r'; end++)
		;
	while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	start = i;
	pb_buf_putc(b, '"');
	while (i < end && i - start < max) {
		unsigned char ch = (unsigned char)s[i];
		utf8proc_int32_t cp;
		utf8proc_ssize_t n;

		if (ch == '"' || ch == '\\') {
			pb_buf_putc(b, '\\');
			pb_buf_putc(b, (char)ch);
		} else if (ch == '\t') {
			pb_buf_puts(b, "\\t");
		} else if (ch >= 0x20 && ch < 0x7f) {
			pb_buf_putc(b, (char)ch);
		} else if (ch >= 0x80 &&
			   (n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						 (utf8proc_ssize_t)(end - i), &cp)) > 1 &&
			   cp >= 0xa0) {
			/* Printable text beyond ASCII stays as it is (never cut in the middle);
			 * C1 controls, bidi overrides and line separators are written as
			 * \u escapes, so a reply cannot reorder or split the line it is in. */
			if ((size_t)n > max - (i - start))
				break;
			if (pb_char_unsafe(cp)) {
				pb_buf_printf(b, "\\u%04X", (unsigned)cp);
				i += (size_t)n;
				continue;
			}
			pb_buf_append(b, s + i, (size_t)n);
			i += (size_t)n;
			continue;
		} else {
			pb_buf_printf(b, "\\x%02X", ch);
		}
		i++;
	}
	pb_buf_putc(b, '"');
	if (i < end)
		pb_buf_puts(b, "...");
}

void
pb_http_urlencode(struct pb_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			pb_buf_putc(b, (char)*p);
		} else {
			pb_buf_putc(b, '%');
			pb_buf_putc(b, hex[*p >> 4]);
			pb_buf_putc(b, hex[*p & 15]);
		}
	}
}

void
pb_http_cache_name(const char *url, char *out, size_t n)
{
	/* The entry also stores its URL, so a collision is only a cache miss. */
	snprintf(out, n, "%016llx.cache", (unsigned long long)pb_fnv1a64_str(url));
}

int
pb_http_header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name), i, j;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	i = nl + 1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	j = len;
	while (j > i && (line[j - 1] == '\r' || line[j - 1] == '\n' || line[j - 1] == ' ' ||
			 line[j - 1] == '\t'))
		j--;
	if (j - i >= outlen)
		return 0;
	for (size_t k = i; k < j; k++)
		if ((unsigned char)line[k] < 0x20 || line[k] == 0x7f)
			return 0;   /* control characters never go into the cache file or logs */
	memcpy(out, line + i, j - i);
	out[j - i] = '\0';
	return 1;
}
