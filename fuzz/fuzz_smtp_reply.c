/* SMTP replies from arbitrary bytes, split at arbitrary points: the reader never crashes,
 * hands over only codes 100-599 and single printable lines (a multi-line reply's joined) that
 * the RCPT classifier reads without harm, and splitting the same bytes differently gives the
 * same replies. The bytes read as an EHLO line offer one capability at most, and a SIZE limit
only with SIZE. Dot-stuffing of the same bytes keeps the message and
 * leaves no line that opens with a lone '.' except the final one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/deliver/channel.h"
#include "paperboy/hash.h"

struct acc {
	uint64_t hash;
	int n;
};

static int
on_reply(void *ctx, int code, const char *text)
{
	struct acc *a = ctx;
	unsigned char c2[2];

	if (code < 100 || code > 599)
		abort();

	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			abort();
	if (strlen(text) >= 512)
		abort();
	c2[0] = (unsigned char)pb_smtp_refuses_address(code, text, "digest@example.org");
	if (c2[0] > 1 || (code < 500 && c2[0]))
		abort();
	a->hash = pb_fnv1a64_more(a->hash, text, strlen(text));
	c2[0] = (unsigned char)(code >> 8);
	c2[1] = (unsigned char)code;
	a->hash = pb_fnv1a64_more(a->hash, c2, sizeof c2);
	a->n++;
	return 0;
}

static int
run(const uint8_t *d, size_t n, size_t step, struct acc *a)
{
	struct pb_smtp_reader rd;

	pb_smtp_reader_init(&rd);
	a->hash = PB_FNV1A64_BASIS;
	a->n = 0;
	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;
		if (pb_smtp_read(&rd, (const char *)d + off, k, on_reply, a) != 0)
			return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acc whole, pieces;
	struct pb_buf b = { 0 };
	size_t step;
	int r1, r2;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	r1 = run(data, size, size ? size : 1, &whole);
	r2 = run(data, size, step, &pieces);
	if (r1 != r2 || whole.n != pieces.n || whole.hash != pieces.hash)
		abort();

	{
		/* an EHLO line: one capability at most, a SIZE limit only with SIZE */
		size_t max = 1;
		int ext = pb_smtp_ehlo_line((const char *)data, size, &max);

		if ((ext & (ext - 1)) != 0 || ext > PB_SMTP_EXT_SMTPUTF8 ||
		    (max != 0 && ext != PB_SMTP_EXT_SIZE) || max > (size_t)1 << 40)
			abort();
	}
	pb_smtp_stuff(&b, (const char *)data, size);
	if (b.len < size + 3 || memcmp(b.data + b.len - 3, ".\r\n", 3) != 0)
		abort();
	/* Undo the stuffing: the original bytes come back. */
	{
		size_t i = 0, j = 0, end = b.len - 3;
		int bol = 1;
		while (i < end) {
			if (bol && b.data[i] == '.') {
				if (i + 1 >= end || b.data[i + 1] != '.')
					abort();
				i++;
			}
			if (j >= size || b.data[i] != (char)data[j])
				break;
			bol = b.data[i] == '\n';
			i++;
			j++;
		}
		if (j != size)
			abort();
	}
	pb_buf_free(&b);
	return 0;
}
