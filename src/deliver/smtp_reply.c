/* The SMTP wire format the sessions (smtp_session.c) read and write: replies, single- and
 * multi-line (RFC 5321 4.2), cut into complete replies with their code and first line; and a
 * message made safe for DATA (lines opening with '.' doubled, the closing CRLF . CRLF). */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "channel.h"

void
pb_smtp_reader_init(struct pb_smtp_reader *rd)
{
	memset(rd, 0, sizeof *rd);
}

/* One complete line (without its line end) of a reply. */
static int
reader_line(struct pb_smtp_reader *rd, const char *l, size_t len, pb_smtp_reply_fn cb,
	    void *ctx)
{
	int code, last;

	if (len < 3 || l[0] < '1' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
	    l[2] > '9' || (len > 3 && l[3] != ' ' && l[3] != '-'))
		return -1;
	code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	last = len == 3 || l[3] == ' ';
	if (rd->in_reply && code != rd->code)
		return -1;
	if (!rd->in_reply) {
		rd->in_reply = 1;
		rd->code = code;
		pb_reason_copy(rd->text, sizeof rd->text, l, len);
	}
	if (!last)
		return 0;
	rd->in_reply = 0;
	return cb(ctx, rd->code, rd->text);
}

int
pb_smtp_read(struct pb_smtp_reader *rd, const char *p, size_t n, pb_smtp_reply_fn cb,
	     void *ctx)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		/* Lines longer than the buffer keep their beginning: the code and the first
		 * words are what matter. */
		size_t room = sizeof rd->line - 1 - rd->len;
		size_t keep = take < room ? take : room;

		memcpy(rd->line + rd->len, p, keep);
		rd->len += keep;
		if (!nl)
			return 0;
		p += take + 1;
		n -= take + 1;
		if (rd->len > 0 && rd->line[rd->len - 1] == '\r')
			rd->len--;
		rd->line[rd->len] = '\0';
		{
			size_t len = rd->len;
			rd->len = 0;
			if (reader_line(rd, rd->line, len, cb, ctx) != 0)
				return -1;
		}
	}
	return 0;
}

/* Appends the message with every line that opens with '.' stuffed, ending in CRLF . CRLF. */
/* The first line opening with '.' in [q, end), q > s (a line opens after an LF): the dot's
 * address, or NULL. Sixteen bytes at a time where SSE2 is there (x86-64 always): a message
 * has about one line end every 60 bytes and none of its lines opens with a dot, so looking
 * at each line end in turn cost more than the copy. */
static const char *
next_dot_line(const char *q, const char *end)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n'), dot = _mm_set1_epi8('.');

	for (; end - q >= 16; q += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(q - 1));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)q);
		int m = _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, lf),
							_mm_cmpeq_epi8(b, dot)));

		if (m)
			return q + __builtin_ctz((unsigned)m);
	}
#endif
	for (; q < end; q++)
		if (*q == '.' && q[-1] == '\n')
			return q;
	return NULL;
}

void
pb_smtp_stuff(struct pb_buf *out, const char *s, size_t len)
{
	const char *end = s + len, *start = s, *q;

	pb_buf_reserve(out, len + 8);
	if (len > 0 && s[0] == '.')
		pb_buf_putc(out, '.');
	/* copied in one piece up to the next line that needs its dot doubled: in
	 * quoted-printable, none does */
	for (q = len ? next_dot_line(s + 1, end) : NULL; q; q = next_dot_line(q + 1, end)) {
		pb_buf_append(out, start, (size_t)(q - start));
		pb_buf_putc(out, '.');
		start = q;
	}
	pb_buf_append(out, start, (size_t)(end - start));
	if (len < 2 || end[-2] != '\r' || end[-1] != '\n')
		pb_buf_append(out, "\r\n", 2);
	pb_buf_append(out, ".\r\n", 3);
}
