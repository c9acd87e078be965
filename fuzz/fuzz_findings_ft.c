/* Key findings from a full text on arbitrary bytes: the input is cut into an abstract, a
 * results section, a conclusion and a table (at 0x01 bytes); no crash, no leak, at most four
 * findings, each a sentence of the abstract or of those sections as written. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/fulltext.h"
#include "paperboy/summarize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = pb_xstrndup((const char *)data, size);   /* stops at an embedded NUL */
	char *part[4] = { text, "", "", "" }, *table, **v;
	struct pb_ft_section sec[2];
	struct pb_fulltext ft;
	size_t n;

	for (int k = 1; k < 4; k++) {
		char *cut = strchr(part[k - 1], '\x01');

		if (!cut)
			break;
		*cut = '\0';
		part[k] = cut + 1;
	}
	memset(&ft, 0, sizeof ft);
	memset(sec, 0, sizeof sec);
	sec[0].kind = size % 3 ? PB_FT_RESULTS : PB_FT_OTHER;
	sec[0].text = part[1];
	sec[1].kind = PB_FT_CONCLUSION;
	sec[1].text = part[2];
	table = part[3];
	ft.sections = sec;
	ft.n_sections = 2;
	ft.tables = &table;
	ft.n_tables = 1;
	n = pb_key_findings_ft(part[0], &ft, 4, &v);
	if (n > 4)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!v[i][0] || (!strstr(part[0], v[i]) && !strstr(part[1], v[i]) &&
				 !strstr(part[2], v[i])))
			abort();
		(void)pb_finding_has_number(v[i]);
	}
	pb_sentences_free(v, n);
	free(text);
	return 0;
}
