/* Form bodies and query strings from arbitrary bytes (pb_form_parse): never crashes; on
 * success every field is a NUL-terminated name and value with the length it says, free of
 * the control characters the parser refuses, and at most PB_FORM_MAX_FIELDS of them; the
 * first field is found by name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/web.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_form f;
	char msg[256];

	if (pb_form_parse((const char *)data, size, &f, msg, sizeof msg) < 0) {
		if (!memchr(msg, '\0', sizeof msg) || !msg[0])
			abort();
		return 0;
	}
	if (f.n > PB_FORM_MAX_FIELDS)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		if (!f.f[i].name || !f.f[i].value || strlen(f.f[i].value) != f.f[i].value_len)
			abort();
		if (strlen(f.f[i].name) > 64)
			abort();
		for (const char *p = f.f[i].value; *p; p++) {
			unsigned char c = (unsigned char)*p;

			if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
				abort();
		}
	}
	if (f.n && pb_form_get(&f, f.f[0].name) != f.f[0].value)
		abort();
	pb_form_free(&f);
	return 0;
}
