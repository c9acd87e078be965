/* The SMTP session's pure parts: reading replies (multi-line, split anywhere, CRLF or LF,
 * malformed), and the message written after DATA (dot-stuffing, the final CRLF . CRLF). */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "../../src/deliver/channel.h"
#include "t.h"

struct got {
	int n;
	int code[8];
	char text[8][512];
	int stop_at;     /* the callback refuses the reply with this number (1-based); 0 = never */
};

static int
on_reply(void *ctx, int code, const char *text)
{
	struct got *g = ctx;

	if (g->n < 8) {
		g->code[g->n] = code;
		snprintf(g->text[g->n], sizeof g->text[g->n], "%s", text);
	}
	g->n++;
	return g->stop_at && g->n == g->stop_at ? -1 : 0;
}

/* Feeds s in pieces of step bytes. */
static int
feed(struct got *g, const char *s, size_t step)
{
	struct pb_smtp_reader rd;
	size_t len = strlen(s);

	pb_smtp_reader_init(&rd);
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		if (pb_smtp_read(&rd, s + off, n, on_reply, g) != 0)
			return -1;
	}
	return 0;
}

static void
test_replies(void)
{
	const char *pipelined = "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n";
	const char *ehlo = "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";

	/* Every split of the same bytes gives the same replies. */
	for (size_t step = 1; step <= strlen(pipelined); step++) {
		struct got g = { 0 };
		T_EQ_INT(feed(&g, pipelined, step), 0);
		T_EQ_INT(g.n, 3);
		T_EQ_INT(g.code[0], 250);
		T_EQ_INT(g.code[2], 354);
		T_EQ_STR(g.text[1], "250 2.1.5 Ok");
	}
	/* A multi-line reply is one reply, with its first line. */
	for (size_t step = 1; step <= 7; step += 3) {
		struct got g = { 0 };
		T_EQ_INT(feed(&g, ehlo, step), 0);
		T_EQ_INT(g.n, 1);
		T_EQ_INT(g.code[0], 250);
		T_EQ_STR(g.text[0], "250-mail.example.org");
	}
	/* Bare LF line ends, a bare code, a refusal's words kept as one printable line. */
	{
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "250\n550 5.1.1 <a@b>: Recipient\taddress rejected\r\n", 64), 0);
		T_EQ_INT(g.n, 2);
		T_EQ_INT(g.code[0], 250);
		T_EQ_INT(g.code[1], 550);
		T_EQ_STR(g.text[1], "550 5.1.1 <a@b>: Recipient address rejected");
	}
	/* Not a reply: fails, and nothing after it is read. */
	{
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "250 ok\r\nHTTP/1.1 200 OK\r\n250 ok\r\n", 64), -1);
		T_EQ_INT(g.n, 1);
	}
	{
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "25\r\n", 64), -1);
		T_EQ_INT(g.n, 0);
	}
	{
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "600 no such class\r\n", 64), -1);
	}
	{
		/* A continuation with another code is out of step. */
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "250-first\r\n251 second\r\n", 64), -1);
		T_EQ_INT(g.n, 0);
	}
	{
		/* The callback stops the reading. */
		struct got g = { .stop_at = 2 };
		T_EQ_INT(feed(&g, "250 a\r\n421 closing\r\n250 c\r\n", 64), -1);
		T_EQ_INT(g.n, 2);
		T_EQ_INT(g.code[1], 421);
	}
	{
		/* An over-long line keeps its beginning. */
		char big[3000];
		struct got g = { 0 };
		memset(big, 'x', sizeof big);
		memcpy(big, "452 4.3.1 ", 10);
		memcpy(big + sizeof big - 3, "\r\n", 3);
		T_EQ_INT(feed(&g, big, 100), 0);
		T_EQ_INT(g.n, 1);
		T_EQ_INT(g.code[0], 452);
		T_CHECK(strncmp(g.text[0], "452 4.3.1 xxx", 13) == 0);
	}
}

static void
stuff_case(const char *in, const char *want)
{
	struct pb_buf b = { 0 };

	pb_smtp_stuff(&b, in, strlen(in));
	T_EQ_STR(pb_buf_str(&b), want);
	pb_buf_free(&b);
}

static void
test_stuff(void)
{
	stuff_case("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n.\r\n");
	/* A line that is a lone dot, a dot opening the message and a line, dots elsewhere. */
	stuff_case(".a\r\nb.c\r\n.\r\n..\r\nend.\r\n", "..a\r\nb.c\r\n..\r\n...\r\nend.\r\n.\r\n");
	/* No final line end: one is added before the end of data. */
	stuff_case("a\r\n.b", "a\r\n..b\r\n.\r\n");
	stuff_case("", "\r\n.\r\n");
	stuff_case(".", "..\r\n.\r\n");
	/* a bare LF ends a line too; a dot as the very last byte; lines without dots */
	stuff_case("a\n.b\r\nc", "a\n..b\r\nc\r\n.\r\n");
	stuff_case("x\r\n.", "x\r\n..\r\n.\r\n");
	stuff_case("\n\n\n", "\n\n\n\r\n.\r\n");
	/* against a byte-at-a-time reference: dots and line ends at every offset of the 16-byte
	 * steps, a NUL among them */
	{
		static const char alpha[] = "\n.\r.a\n.\0";
		uint64_t x = 88172645463325252ULL;

		for (int round = 0; round < 3000; round++) {
			size_t n = (size_t)(round % 97);
			char in[100];
			struct pb_buf got = { 0 }, want = { 0 };

			for (size_t i = 0; i < n; i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				in[i] = alpha[x % (sizeof alpha - 1)];
			}
			for (size_t i = 0; i < n; i++) {
				if (in[i] == '.' && (i == 0 || in[i - 1] == '\n'))
					pb_buf_putc(&want, '.');
				pb_buf_putc(&want, in[i]);
			}
			if (n < 2 || in[n - 2] != '\r' || in[n - 1] != '\n')
				pb_buf_append(&want, "\r\n", 2);
			pb_buf_append(&want, ".\r\n", 3);
			pb_smtp_stuff(&got, in, n);
			T_CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
			pb_buf_free(&got);
			pb_buf_free(&want);
		}
	}
}

int
main(void)
{
	test_replies();
	test_stuff();
	return t_done("test_smtp_session");
}
