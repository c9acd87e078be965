/* libFuzzer target for the feed parser: any bytes, whole or in two pieces, must give the same
 * answer, never crash or leak, and every record must serialise; whatever bytes came in, the
 * text of a record is valid UTF-8 (bad bytes were repaired, entities decoded to characters). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/fold.h"
#include "paperboy/log.h"
#include "paperboy/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pb_log_setup(PB_LOG_ERROR, 0); /* skipped records warn; keep the run quiet */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_paperset a, b;
	struct pb_parse_result ra, rb;
	struct pb_parser *p;
	size_t i, cut;

	pb_paperset_init(&a);
	pb_parse_feed((const char *)data, size, "fuzz", &a, &ra);
	if (ra.status != PB_PARSE_OK && a.n != 0)
		abort(); /* only a sound feed adds records */
	if (ra.n_added > ra.n_items || ra.n_skipped > ra.n_items)
		abort();
	if (ra.n_repaired + ra.n_skipped > ra.n_items)
		abort();
	for (i = 0; i < a.n; i++) {
		const struct pb_paper *q = &a.v[i];
		char *js = pb_paper_to_json(q);
		if (!q->id || pb_paperset_find(&a, q->id) != (long)i)
			abort();
		if ((q->title && !pb_utf8_valid(q->title, strlen(q->title))) ||
		    (q->abstract && !pb_utf8_valid(q->abstract, strlen(q->abstract))))
			abort();
		for (size_t k = 0; k < q->n_authors; k++)
			if (!pb_utf8_valid(q->authors[k].name, strlen(q->authors[k].name)))
				abort();
		free(js);
	}

	/* The same bytes in two pieces, split where the first byte says. */
	cut = size ? data[0] % (size + 1) : 0;
	p = pb_parser_new("fuzz-pieces");
	pb_parser_feed(p, (const char *)data, cut);
	pb_parser_feed(p, (const char *)data + cut, size - cut);
	pb_paperset_init(&b);
	pb_parser_finish(p, &b, &rb);
	pb_parser_free(p);
	if (rb.status != ra.status || b.n != a.n || rb.n_items != ra.n_items ||
	    rb.n_repaired != ra.n_repaired)
		abort();
	for (i = 0; i < a.n; i++)
		if (strcmp(a.v[i].id, b.v[i].id) != 0 || a.v[i].version != b.v[i].version)
			abort();
	pb_paperset_free(&b);
	pb_paperset_free(&a);

	/* The id splitter on the raw bytes as a string. */
	if (size < 256) {
		char *s = pb_xstrndup((const char *)data, size);
		int v;
		char *id = pb_arxiv_id_split(s, &v);
		if (id && v < 0)
			abort();
		free(id);
		free(s);
	}
	return 0;
}
