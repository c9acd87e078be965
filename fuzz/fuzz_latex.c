/* libFuzzer target: the LaTeX display converter on arbitrary bytes, in both modes. It must
 * not crash, must terminate quickly on hostile nesting, and must keep valid UTF-8 valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "paperboy/latex.h"

static int
valid_utf8(const char *s, size_t n)
{
	utf8proc_int32_t cp;
	size_t i = 0;

	while (i < n) {
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(n - i), &cp);

		if (r <= 0)
			return 0;
		i += (size_t)r;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_buf b = { 0 };
	const char *s = (const char *)data;
	int in_ok = valid_utf8(s, size);

	for (int flags = 0; flags <= PB_LATEX_PROSE; flags++) {
		pb_buf_reset(&b);
		pb_latex_append(&b, s, size, flags);
		if (in_ok && memchr(s, 0, size) == NULL && !valid_utf8(b.data ? b.data : "", b.len))
			abort();
	}
	pb_buf_free(&b);
	return 0;
}
