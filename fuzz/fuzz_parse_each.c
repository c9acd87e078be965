/* libFuzzer target for the streaming parse (pb_parser_set_sink) and the JSON line of a record
 * (pb_paper_json_append): any bytes, in two pieces split where the first byte says, must never
 * crash or leak; when the whole-set parse is OK and lists no id twice, the handler got the
 * same records in the same order, and every JSON line is one line of escaped text (no raw
 * control byte) that cJSON reads back to the record's title. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "paperboy/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pb_log_setup(PB_LOG_ERROR, 0);
	return 0;
}

struct got {
	struct pb_buf lines;
	size_t n;
	int stop_at;            /* the handler says stop at this record (0: never) */
};

static int
take(void *ud, struct pb_paper *p)
{
	struct got *g = ud;
	size_t at = g->lines.len;
	cJSON *o;

	pb_paper_json_append(&g->lines, p);
	for (size_t i = at; i < g->lines.len; i++)
		if ((unsigned char)g->lines.data[i] < 0x20)
			abort(); /* a raw control byte: not escaped */
	o = cJSON_Parse(g->lines.data + at);
	if (!o)
		abort();
	if (p->title) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "title");

		if (!cJSON_IsString(t) || strcmp(t->valuestring, p->title) != 0)
			abort();
	}
	cJSON_Delete(o);
	pb_buf_putc(&g->lines, '\n');
	return ++g->n == (size_t)g->stop_at ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_paperset whole, meta;
	struct pb_parse_result rw, rs;
	struct got g = { { 0 }, 0, 0 };
	struct pb_parser *p;
	size_t cut = size ? data[0] % (size + 1) : 0;

	pb_paperset_init(&whole);
	pb_parse_feed((const char *)data, size, "fuzz", &whole, &rw);

	g.stop_at = size > 1 && data[1] == 's' ? 2 : 0;
	p = pb_parser_new("fuzz-each");
	pb_parser_set_sink(p, take, &g);
	pb_parser_feed(p, (const char *)data, cut);
	pb_parser_feed(p, (const char *)data + cut, size - cut);
	pb_paperset_init(&meta);
	pb_parser_finish(p, &meta, &rs);
	pb_parser_free(p);
	if (meta.n != 0 || rs.n_added != g.n)
		abort(); /* records go to the handler only */
	if (g.stop_at && g.n == (size_t)g.stop_at && rs.status != PB_PARSE_BAD)
		abort();
	if (rw.status == PB_PARSE_OK && !g.stop_at && whole.n == rw.n_added) {
		/* Every record added was new (none merged): the stream is the set, line for
		 * line. */
		struct pb_buf want = { 0 };

		for (size_t i = 0; i < whole.n; i++) {
			pb_paper_json_append(&want, &whole.v[i]);
			pb_buf_putc(&want, '\n');
		}
		if (rs.status != PB_PARSE_OK || g.n != whole.n || want.len != g.lines.len ||
		    (want.len && memcmp(want.data, g.lines.data, want.len) != 0))
			abort();
		pb_buf_free(&want);
	}
	pb_buf_free(&g.lines);
	pb_paperset_free(&meta);
	pb_paperset_free(&whole);
	return 0;
}
