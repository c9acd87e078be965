/* The sentence splitter and key findings on arbitrary bytes: no crash, no leak, and every
 * sentence is a non-empty, trimmed piece of the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/summarize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = pb_xstrndup((const char *)data, size);   /* stops at an embedded NUL */
	char **v;
	size_t n = pb_split_sentences(text, &v);

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);

		if (len == 0 || v[i][0] == ' ' || v[i][len - 1] == ' ' || !strstr(text, v[i]))
			abort();
	}
	pb_sentences_free(v, n);
	n = pb_key_findings(text, 4, &v);
	if (n > 4)
		abort();
	pb_sentences_free(v, n);
	free(text);
	return 0;
}
