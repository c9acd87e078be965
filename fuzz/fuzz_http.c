/* Fuzzes what the HTTP client parses from a server's answer: Retry-After values (seconds and
 * HTTP dates), the header lines the header callback picks apart, and a body quoted into an
 * error message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "paperboy/buf.h"
#include "paperboy/escape.h"
#include "paperboy/fold.h"
#include "paperboy/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "ETag", "Last-Modified", "Retry-After",
					     "Content-Type" };
	char *s = pb_xstrndup((const char *)data, size), out[256];
	struct pb_buf b = { 0 };
	long v;

	/* The input as a header value: never negative except -1, never huge. */
	v = pb_http_parse_retry_after(s, 1700000000L);
	if (v < -1 || v > 1000000000L)
		__builtin_trap();
	/* The input as header lines, as libcurl hands them (not NUL-terminated). */
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int rc = pb_http_header_value((const char *)data, size, names[i], out, sizeof out);

		if (rc == 1 && strlen(out) >= sizeof out)
			__builtin_trap();
		if (rc == 1 && names[i][0] == 'R')
			(void)pb_http_parse_retry_after(out, 0);
	}
	/* And as something to put in a query string. */
	pb_http_urlencode(&b, s);
	if (strspn(pb_buf_str(&b), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789-._~%") != b.len)
		__builtin_trap();
	/* The input as a body quoted in a message: one line of valid UTF-8 without control
	 * characters, bounded. */
	pb_buf_reset(&b);
	pb_http_quote_reply(&b, (const char *)data, size, 100);
	if (b.len > 2 + 4 * 100 + 3 || !pb_utf8_valid(b.data, b.len))
		__builtin_trap();
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			__builtin_trap();
	/* nor any character pb_char_unsafe names (bidi overrides, U+2028, ...) */
	for (size_t i = 0; i < b.len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)b.data + i,
						      (utf8proc_ssize_t)(b.len - i), &cp);

		if (r <= 0 || pb_char_unsafe(cp))
			__builtin_trap();
		i += (size_t)r;
	}
	pb_buf_free(&b);
	free(s);
	return 0;
}
