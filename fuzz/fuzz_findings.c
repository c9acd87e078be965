/* The sentence splitter, key findings and the built-in executive summary on arbitrary bytes:
 * no crash, no leak; every sentence is a non-empty, trimmed piece of the input; at most four
 * findings; valid UTF-8 in gives valid UTF-8 out (reasons are cut on character boundaries). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"
#include "paperboy/summarize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
utf8_valid(const unsigned char *s)
{
	while (*s) {
		size_t k = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2
			 : (*s & 0xF8) == 0xF0 ? 3 : 9;

		if (k == 9 || (k == 1 && *s < 0xC2))
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((s[j] & 0xC0) != 0x80)
				return 0;
		s += k + 1;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = pb_xstrndup((const char *)data, size);   /* stops at an embedded NUL */
	char **v, **kf;
	size_t n = pb_split_sentences(text, &v), nkf;
	struct pb_paper p;
	struct pb_digest_item items[2];
	struct pb_digest d;
	char *sum;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);

		if (len == 0 || v[i][0] == ' ' || v[i][len - 1] == ' ' || !strstr(text, v[i]))
			abort();
	}
	pb_sentences_free(v, n);
	nkf = pb_key_findings(text, 4, &kf);
	if (nkf > 4)
		abort();

	/* the same paper twice, so every word recurs and makes a theme */
	memset(&p, 0, sizeof p);
	p.id = "2401.00001";
	p.title = text;
	memset(items, 0, sizeof items);
	memset(&d, 0, sizeof d);
	for (int i = 0; i < 2; i++) {
		items[i].paper = &p;
		items[i].topic = i ? "B" : "A";
		items[i].score = 2 - i;
		items[i].findings = kf;
		items[i].n_findings = nkf;
	}
	d.items = items;
	d.n_items = 2;
	d.n_matched = 3;
	d.language = size % 2 ? "zh" : "en";
	sum = pb_exec_summary_builtin(&d);
	if (!sum || (utf8_valid((const unsigned char *)text) && !utf8_valid((unsigned char *)sum)))
		abort();
	free(sum);
	pb_sentences_free(kf, nkf);
	free(text);
	return 0;
}
