/* PostgreSQL's bytea values as the server writes them in text (the state reads every blob
 * column so): any bytes decode without a crash to at most half their length ("\x" hex) or
 * their length (escape format), and hex written back decodes to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/state/db_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out, *hex, *back;
	size_t len, len2;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	out = pb_dbpg_bytea(in, strlen(in), &len);
	if (len > size || out[len] != '\0')
		abort();
	if (size >= 2 && in[0] == '\\' && in[1] == 'x' && len > (size - 2) / 2)
		abort();
	/* round trip: encode out as hex, decode again */
	hex = malloc(2 * len + 3);
	if (hex) {
		memcpy(hex, "\\x", 2);
		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 + 2 * i, 3, "%02x", (unsigned char)out[i]);
		hex[2 + 2 * len] = '\0';
		back = pb_dbpg_bytea(hex, 2 + 2 * len, &len2);
		if (len2 != len || memcmp(back, out, len) != 0)
			abort();
		free(back);
		free(hex);
	}
	free(out);
	free(in);
	return 0;
}
