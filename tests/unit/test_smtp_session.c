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
	/* A multi-line reply is one reply, with every line's words. */
	for (size_t step = 1; step <= 7; step += 3) {
		struct got g = { 0 };
		T_EQ_INT(feed(&g, ehlo, step), 0);
		T_EQ_INT(g.n, 1);
		T_EQ_INT(g.code[0], 250);
		T_EQ_STR(g.text[0], "250 mail.example.org PIPELINING SIZE 10240000 8BITMIME");
	}
	/* Gmail's refusal of an address that does not exist: the whole text, the code and the
	 * enhanced code said once, the explanation's address kept. */
	for (size_t step = 1; step <= 40; step += 13) {
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "550-5.1.1 The email account that you tried to reach does not "
			 "exist. Please try\r\n550-5.1.1 double-checking the recipient's email "
			 "address for typos or\r\n550-5.1.1 unnecessary spaces. Learn more at\r\n"
			 "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1-2 - gsmtp\r\n",
			 step), 0);
		T_EQ_INT(g.n, 1);
		T_EQ_INT(g.code[0], 550);
		T_EQ_STR(g.text[0], "550 5.1.1 The email account that you tried to reach does not "
			 "exist. Please try double-checking the recipient's email address for "
			 "typos or unnecessary spaces. Learn more at "
			 "https://support.google.com/mail/?p=NoSuchUser a1-2 - gsmtp");
	}
	/* Another enhanced code on a later line stays; control characters become spaces; an
	 * empty continuation adds nothing. */
	{
		struct got g = { 0 };
		T_EQ_INT(feed(&g, "550-5.1.1 no such\x1b[2J user\r\n550-\r\n"
			 "550 5.7.1 see\tthere\r\n", 64), 0);
		T_EQ_STR(g.text[0], "550 5.1.1 no such [2J user 5.7.1 see there");
	}
	/* A long reply keeps what fits, one printable line, never half a character. */
	{
		static const char line[] = "550-5.2.1 \xc3\xa9t\xc3\xa9 d\xc3\xa9sactiv\xc3\xa9\r\n";
		char big[8000];
		size_t o = 0;
		struct got g = { 0 };

		while (o + 40 < sizeof big) {
			memcpy(big + o, line, sizeof line - 1);
			o += sizeof line - 1;
		}
		memcpy(big + o, "550 5.2.1 end\r\n", 16);
		big[o + 16] = '\0';
		T_EQ_INT(feed(&g, big, 97), 0);
		T_EQ_INT(g.n, 1);
		T_CHECK(strncmp(g.text[0], "550 5.2.1 \xc3\xa9t\xc3\xa9 d", 16) == 0);
		T_CHECK(strlen(g.text[0]) > 480 && strlen(g.text[0]) < 512);
		T_CHECK(((unsigned char)g.text[0][strlen(g.text[0]) - 1] & 0xC0) != 0xC0);
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

/* Which refusals at RCPT are of the reader's address (suppressed) and which of our dealings
 * with the server or of the message (failed, nothing suppressed). */
static void
test_refuses_address(void)
{
	static const struct {
		int code;
		const char *text;
		int want;
	} c[] = {
		{ 550, "550 5.1.1 <a@b>: Recipient address rejected: User unknown", 1 },
		{ 550, "550 5.1.1 <a@b>: Recipient address rejected: User unknown in relay "
		       "recipient table", 1 },
		{ 550, "550 5.2.1 The email account that you tried to reach is disabled.", 1 },
		{ 553, "553 5.1.3 <a@@b>... Invalid route address", 1 },
		{ 556, "556 5.1.10 Recipient address has null MX", 1 },
		{ 550, "550 Requested action not taken: mailbox unavailable", 1 },
		{ 551, "551 User not local; please try <a@c>", 1 },
		/* the protocol: a command or parameter of ours the server did not take */
		{ 555, "555 5.5.4 Unsupported option: SMTPUTF8", 0 },
		{ 501, "501 5.5.2 Syntax error in parameters or arguments", 0 },
		{ 503, "503 5.5.1 Error: need MAIL command", 0 },
		{ 500, "500 5.5.1 Command unrecognized", 0 },
		{ 550, "550 5.5.0 Requested action not taken", 0 },
		{ 555, "555 MAIL FROM/RCPT TO parameters not recognized", 0 },
		{ 501, "501 Syntax error", 0 },
		{ 504, "504 Command parameter not implemented", 0 },
		/* the message, the mail system, the network */
		{ 552, "552 5.2.3 Message length exceeds administrative limit", 0 },
		{ 554, "554 5.6.0 Message content rejected", 0 },
		{ 554, "554 5.3.4 Message too big for system", 0 },
		{ 550, "550 5.4.6 Routing loop detected", 0 },
		{ 451, "451 4.4.1 Recipient address rejected: try again", 0 },
		{ 550, "550 5.4.1 Host unreachable", 0 },
		/* Microsoft 365's answer for an address it does not have */
		{ 550, "550 5.4.1 Recipient address rejected: Access denied. "
		       "[AM4PEPF00025F99.eurprd.prod.outlook.com]", 1 },
		/* policy, authentication, the sender */
		{ 554, "554 5.7.1 <a@b>: Relay access denied", 0 },
		{ 530, "530 5.7.0 Authentication required", 0 },
		{ 530, "530 Authentication required", 0 },
		{ 550, "550 relay not permitted", 0 },
		{ 550, "550 5.1.0 <d@x>: Sender address rejected: User unknown", 0 },
		{ 553, "553 5.1.8 <a@b>... Domain of sender address d@x does not exist", 0 },
		{ 550, "550 Verification failed for <d@x> Unrouteable address Sender verify failed",
		  0 },
		{ 550, "550 Verification failed for <d@x>", 0 },
		/* not permanent */
		{ 450, "450 4.1.1 <a@b>: Recipient address rejected: try later", 0 },
	};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		int got = pb_smtp_refuses_address(c[i].code, c[i].text, "d@x");

		if (got != c[i].want)
			fprintf(stderr, "refuses_address(\"%s\")\n", c[i].text);
		T_EQ_INT(got, c[i].want);
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

/* The EHLO reply's lines, as libcurl hands them over one by one. */
static void
test_ehlo(void)
{
	static const struct {
		const char *line;
		int ext;
		size_t max;
	} cases[] = {
		{ "250-PIPELINING\r\n", PB_SMTP_EXT_PIPELINING, 0 },
		{ "250-pipelining", PB_SMTP_EXT_PIPELINING, 0 },
		{ "250 SMTPUTF8\r\n", PB_SMTP_EXT_SMTPUTF8, 0 },
		{ "250-SIZE 10240000\r\n", PB_SMTP_EXT_SIZE, 10240000 },   /* Postfix */
		{ "250-SIZE 35882577\r\n", PB_SMTP_EXT_SIZE, 35882577 },   /* Gmail */
		{ "250-SIZE\r\n", PB_SMTP_EXT_SIZE, 0 },                   /* no limit named */
		{ "250 SIZE 0\r\n", PB_SMTP_EXT_SIZE, 0 },                 /* no limit (RFC 1870) */
		{ "250-SIZE 99999999999999999999999\r\n", PB_SMTP_EXT_SIZE, 0 },
		{ "250-SIZE  \r\n", PB_SMTP_EXT_SIZE, 0 },
		{ "250-SIZEX 100\r\n", 0, 0 },
		{ "250-8BITMIME\r\n", 0, 0 },
		{ "220-SIZE 100\r\n", 0, 0 },
		{ "250SIZE 100", 0, 0 },
		{ "250 ", 0, 0 },
		{ "25", 0, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t max = 7;
		int ext = pb_smtp_ehlo_line(cases[i].line, strlen(cases[i].line), &max);

		T_EQ_INT(ext, cases[i].ext);
		T_CHECK(max == cases[i].max);
	}
}

int
main(void)
{
	test_ehlo();
	test_replies();
	test_refuses_address();
	test_stuff();
	return t_done("test_smtp_session");
}
