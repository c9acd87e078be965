/* libFuzzer target: the PDF path. The first byte chooses: odd, the bytes go to poppler as a
 * PDF (at most 3 pages, in the reader's child process); 2 modulo 4, they are what that child
 * says (its records, read as the parent reads them, then the text's sections); 4 modulo 8,
 * they are the HTML reader's answer from its child process; else they are the extracted
 * text and go to the heading and paragraph finder directly. None may crash or break the
 * bounds, and the excerpt keeps to its budget. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/fulltext/ft_int.h"
#include "paperboy/fulltext.h"

static void
check(const struct pb_fulltext *ft)
{
	size_t text = 0;
	char *ex;

	if (ft->n_sections > FT_MAX_SECTIONS || ft->n_figures > FT_MAX_FIGURES ||
	    ft->n_tables > FT_MAX_TABLES || ft->n_links > FT_MAX_LINKS)
		abort();
	for (size_t i = 0; i < ft->n_sections; i++) {
		if (!ft->sections[i].text || !ft->sections[i].text[0])
			abort();
		text += strlen(ft->sections[i].text);
	}
	if (text > FT_MAX_TEXT)
		abort();
	for (size_t i = 0; i < ft->n_links; i++)
		if (!ft_code_link(ft->links[i]))
			abort();
	ex = pb_fulltext_excerpt(ft, 50);
	if (ex && strlen(ex) > 200)
		abort();
	free(ex);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_fulltext ft;
	char why[256];

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		int rc = pb_fulltext_from_pdf((const char *)data + 1, size - 1, 3, &ft, why,
					      sizeof why);

		if (rc == 0)
			check(&ft);
		else if (!why[0])
			abort();
		else if (rc == -2) {
			/* The PDF module did not load: nothing of poppler would be fuzzed. */
			fprintf(stderr, "%s\n", why);
			abort();
		}
	} else if ((data[0] & 3) == 2) {
		struct page_and_links pl = { { 0 }, NULL, -1, 0, 0, 0, { 0 } };
		struct ft_pdf_said said;
		struct ftb b;

		memset(&ft, 0, sizeof ft);
		memset(&said, 0, sizeof said);
		ftb_init(&b, &ft);
		pl.b = &b;
		said.pl = &pl;
		if (ft_pdf_records((const char *)data + 1, size - 1, &said) >= 0) {
			if (pl.pages > pl.to_read || pl.text.len > 8u * 1024u * 1024u + (size_t)pl.pages)
				abort();
			if (pl.text.len)
				ft_text_sections(&b, pl.text.data, pl.text.len);
		}
		ftb_finish(&b);
		pb_buf_free(&pl.text);
		pb_buf_free(&pl.notes);
		check(&ft);
	} else if ((data[0] & 7) == 4) {
		int rc = ft_html_answer((const char *)data + 1, size - 1, &ft, why, sizeof why);

		if (rc == 0)
			check(&ft);
		else if (rc == -1)
			for (const char *c = why; *c; c++)
				if ((unsigned char)*c < 0x20)
					abort();   /* the reader's why is one line */
	} else {
		struct ftb b;

		memset(&ft, 0, sizeof ft);
		ftb_init(&b, &ft);
		ft_text_sections(&b, (const char *)data + 1, size - 1);
		ftb_finish(&b);
		check(&ft);
	}
	pb_fulltext_clear(&ft);
	return 0;
}
