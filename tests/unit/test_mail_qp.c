/* pb_mail_qp: the quoted-printable body encoder. Fixed cases with their exact encodings (long
 * lines, trailing white space, '=', 8-bit, line endings, a line of exactly 76 and of 75, a
 * leading '.'), then a bounded differential run against the byte-at-a-time encoder it
 * replaced (kept here as the reference), and the rules every output must keep. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/deliver.h"
#include "t.h"

/* The encoder as it was: one byte, one token at a time. */
static void
ref_qp(struct pb_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char line[76 + 8];
	size_t col = 0, tl;
	char tok[4];

	while (*p) {
		if (*p == '\r' || *p == '\n') {
			if (p[0] == '\r' && p[1] == '\n')
				p++;
			p++;
			line[col++] = '\r';
			line[col++] = '\n';
			pb_buf_append(b, line, col);
			col = 0;
			continue;
		}
		int eol = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
		if ((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !eol)) {
			tok[0] = (char)*p;
			tl = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[*p >> 4];
			tok[2] = hex[*p & 15];
			tl = 3;
		}
		if (col + tl > (eol ? 76u : 75u)) {
			line[col++] = '=';
			line[col++] = '\r';
			line[col++] = '\n';
			pb_buf_append(b, line, col);
			col = 0;
		}
		if (col == 0 && tl == 1 && tok[0] == '.') {
			memcpy(line, "=2E", 3);
			col = 3;
		} else if (col == 0 && strncmp((const char *)p, "From ", 5) == 0) {
			memcpy(line, "=46", 3);
			col = 3;
		} else {
			memcpy(line + col, tok, tl);
			col += tl;
		}
		p++;
	}
	if (col > 0) {
		line[col++] = '\r';
		line[col++] = '\n';
		pb_buf_append(b, line, col);
	}
}

static char *
qp(const char *s)
{
	struct pb_buf b = { 0 };

	pb_mail_qp(&b, s);
	return pb_buf_detach(&b);
}

/* Decodes quoted-printable back (soft breaks removed, =XX read); CRLF stays CRLF. */
static char *
unqp(const char *s)
{
	struct pb_buf b = { 0 };

	for (const char *p = s; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (p[0] == '=' && p[1] && p[2]) {
			char h[3] = { p[1], p[2], 0 };

			pb_buf_putc(&b, (char)strtol(h, NULL, 16));
			p += 2;
		} else {
			pb_buf_putc(&b, *p);
		}
	}
	return pb_buf_detach(&b);
}

/* Lines end in CRLF, at most 76 octets, no white space before a line end, only printable
 * ASCII, no '.' opening a line. */
static int
rules_ok(const char *m)
{
	size_t col = 0;

	for (const char *p = m; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\r') {
			if (p[1] != '\n' || (p > m && (p[-1] == ' ' || p[-1] == '\t')))
				return 0;
			p++;
			col = 0;
			continue;
		}
		if (c == '\n' || c > 126 || (c < 32 && c != '\t'))
			return 0;
		if (col == 0 && (c == '.' || strncmp(p, "From ", 5) == 0))
			return 0;
		if (++col > 76)
			return 0;
	}
	return col == 0;
}

static void
check_case(const char *in, const char *want)
{
	char *got = qp(in);
	struct pb_buf r = { 0 };

	T_EQ_STR(got, want);
	ref_qp(&r, in);
	T_EQ_STR(got, pb_buf_str(&r));
	T_CHECK(rules_ok(got));
	pb_buf_free(&r);
	free(got);
}

static void
test_fixed(void)
{
	char l76[77], l75[76], l80[81], want[200];

	check_case("", "");
	check_case(NULL, "");
	check_case("plain", "plain\r\n");
	check_case("a=b", "a=3Db\r\n");
	check_case("trailing space \nand tab\t\r\nend", "trailing space=20\r\nand tab=09\r\nend\r\n");
	check_case("in the middle\tstays", "in the middle\tstays\r\n");
	check_case("caf\xc3\xa9 \xe2\x80\x94 \xff", "caf=C3=A9 =E2=80=94 =FF\r\n");
	check_case("cr\rlf\ncrlf\r\n\r\nlast\n", "cr\r\nlf\r\ncrlf\r\n\r\nlast\r\n");
	check_case(".lead\n..two\nmid.dle", "=2Elead\r\n=2E.two\r\nmid.dle\r\n");
	check_case("ctl\x01\x7f", "ctl=01=7F\r\n");
	/* "From " opening a line (an mbox would make it ">From "): its F encoded; elsewhere not */
	check_case("From the papers\nFrom\nFromage\nsaid From here",
		   "=46rom the papers\r\nFrom\r\nFromage\r\nsaid From here\r\n");
	/* exactly 76: one line; 77: a soft break at 75 */
	memset(l76, 'x', 76);
	l76[76] = '\0';
	snprintf(want, sizeof want, "%s\r\n", l76);
	check_case(l76, want);
	memset(l80, 'y', 80);
	l80[80] = '\0';
	snprintf(want, sizeof want, "%.75s=\r\n%s\r\n", l80, l80 + 75);
	check_case(l80, want);
	/* 75 characters and a trailing space: the space (=20) goes to the next line */
	memset(l75, 'z', 75);
	l75[75] = '\0';
	{
		char in[80];

		snprintf(in, sizeof in, "%s ", l75);
		snprintf(want, sizeof want, "%s=\r\n=20\r\n", l75);
		check_case(in, want);
	}
	/* an encoded byte that would cross column 76 moves to the next line whole */
	{
		char in[90];

		snprintf(in, sizeof in, "%.74s=tail", l80);
		snprintf(want, sizeof want, "%.74s=\r\n=3Dtail\r\n", l80);
		check_case(in, want);
	}
	/* a soft break before "From " encodes its F */
	{
		char in[90];

		snprintf(in, sizeof in, "%.75sFrom x", l80);
		snprintf(want, sizeof want, "%.75s=\r\n=46rom x\r\n", l80);
		check_case(in, want);
	}
	/* a soft break before a '.' encodes it */
	{
		char in[90];

		snprintf(in, sizeof in, "%.75s.x", l80);
		snprintf(want, sizeof want, "%.75s=\r\n=2Ex\r\n", l80);
		check_case(in, want);
	}
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

/* Random texts weighted toward the edges: long words, runs of spaces and tabs, line endings
 * of every kind, '=', '.', 8-bit and control bytes. */
static void
test_differential(void)
{
	static const char pool[] = "abcdefghij     \t\t..==\r\n\n\x01\x80\xc3\xa9\xff"
				   "KLMNOPQRSTUVWXYZ0123456789";
	static const char *const words[] = { "From ", "\nFrom ", "\r\nFrom x", "From" };
	int bad = 0;

	for (int k = 0; k < 4000; k++) {
		size_t n = next() % 400;
		char *in = malloc(n + 1), *got, *back, *orig;
		struct pb_buf r = { 0 };
		int mode = (int)(next() % 4);

		for (size_t i = 0; i < n; i++) {
			if (mode == 0)
				in[i] = pool[next() % (sizeof pool - 1)];
			else if (mode == 1)   /* mostly letters: long runs */
				in[i] = next() % 50 ? (char)('a' + next() % 26) : pool[next() % (sizeof pool - 1)];
			else if (mode == 2)
				in[i] = (char)(next() % 255 + 1);
			else   /* printable ASCII, a rare other byte: the encoder's 8-byte steps */
				in[i] = next() % 97 ? (char)(' ' + next() % 95)
						    : pool[next() % (sizeof pool - 1)];
		}
		in[n] = '\0';
		/* now and then "From " where a line or a soft-broken line may open */
		for (int w = (int)(next() % 4); w > 0 && n > 8; w--) {
			const char *x = words[next() % 4];
			size_t at = next() % (n - 7);

			memcpy(in + at, x, strlen(x));
		}
		got = qp(in);
		ref_qp(&r, in);
		if (strcmp(got, pb_buf_str(&r)) != 0 || !rules_ok(got)) {
			if (bad++ < 3)
				fprintf(stderr, "differs for input %d (%zu bytes)\n", k, n);
		}
		/* decoding gives the input back, its line endings as CRLF */
		back = unqp(got);
		{
			struct pb_buf w = { 0 };

			for (size_t i = 0; i < n; i++) {
				if (in[i] == '\r' || in[i] == '\n') {
					if (in[i] == '\r' && in[i + 1] == '\n')
						i++;
					pb_buf_puts(&w, "\r\n");
				} else {
					pb_buf_putc(&w, in[i]);
				}
			}
			if (w.len && w.data[w.len - 1] != '\n')
				pb_buf_puts(&w, "\r\n");
			orig = pb_buf_detach(&w);
		}
		if (strcmp(back, orig) != 0 && bad++ < 3)
			fprintf(stderr, "round trip differs for input %d\n", k);
		free(orig);
		free(back);
		pb_buf_free(&r);
		free(got);
		free(in);
	}
	T_EQ_INT(bad, 0);
}

/* Appending to a buffer that holds text already, in pieces that end with a line ending, gives
 * the whole's encoding. */
static void
test_pieces(void)
{
	struct pb_buf a = { 0 }, b = { 0 };
	const char *p1 = "first piece, a line long enough to need a soft break somewhere along it "
			 "yes\n", *p2 = ".second = piece \n";
	char whole[300];

	snprintf(whole, sizeof whole, "%s%s", p1, p2);
	pb_buf_puts(&a, "head\r\n");
	pb_buf_puts(&b, "head\r\n");
	pb_mail_qp(&a, whole);
	pb_mail_qp(&b, p1);
	pb_mail_qp(&b, p2);
	T_EQ_STR(pb_buf_str(&a), pb_buf_str(&b));
	pb_buf_free(&a);
	pb_buf_free(&b);
}

/* pb_mail_qp_bound is never below the encoding's length, and is it for lines that need no
 * soft break; nor is pb_mail_qp_most of the input's length. Fixed edges (lines of 75, 76 and
 * 77, dots and '=' where a soft break falls, a space ending a line), CJK, long lines, then
 * random texts of every kind. */
static size_t
bound_gap(const char *in, size_t n, int *below)
{
	size_t exact = pb_mail_qp_len(in, n), b = pb_mail_qp_bound(in, n);

	if (pb_mail_qp_most(n) < exact && (*below)++ < 3)
		fprintf(stderr, "most %zu below %zu for %zu bytes\n", pb_mail_qp_most(n), exact, n);
	/* the piece bounds of any cut of it add up to at least its encoding: whole, then cut
	 * at one to five places (inside lines, between a CR and its LF, in "From ") */
	for (int t = 0; t < 4; t++) {
		size_t cuts[7], m = 0, sum = 0;

		cuts[m++] = 0;
		for (int k = t == 0 ? 0 : (int)(next() % 5) + 1; k > 0 && n > 0; k--)
			cuts[m++] = next() % (n + 1);
		cuts[m++] = n;
		for (size_t x = 1; x < m; x++)   /* in order */
			for (size_t y = x; y > 0 && cuts[y] < cuts[y - 1]; y--) {
				size_t tmp = cuts[y];

				cuts[y] = cuts[y - 1];
				cuts[y - 1] = tmp;
			}
		for (size_t x = 0; x + 1 < m; x++)
			sum += pb_mail_qp_piece_bound(in + cuts[x], cuts[x + 1] - cuts[x]);
		if (sum < exact && (*below)++ < 3)
			fprintf(stderr, "piece bounds %zu below %zu for \"%.60s\" cut %zu times\n",
				sum, exact, in, m - 2);
	}
	if (b < exact) {
		if ((*below)++ < 3)
			fprintf(stderr, "bound %zu below %zu for \"%.60s\" (%zu bytes)\n", b, exact,
				in, n);
		return 0;
	}
	return b - exact;
}

static void
test_bound(void)
{
	static const char *const fixed[] = {
		"", "plain", "a=b\n", "trailing space \nand tab\t\r\nend", ".lead\n..two\n",
		"From the papers\nFrom\n", "cr\rlf\ncrlf\r\n\r\nlast\n", "\r\r\n\n\r",
		"caf\xc3\xa9 \xe2\x80\x94 \xff", "ctl\x01\x7f\n", " ", ".", "=",
	};
	static const char unit[] = "x.= F\xe4";
	static const char pool[] = "abcdefghij     \t\t..==\r\n\n\x01\x80\xc3\xa9\xff"
				   "KLMNOPQRSTUVWXYZ0123456789";
	struct pb_buf b = { 0 };
	int below = 0;
	size_t gap = 0;

	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		gap += bound_gap(fixed[i], strlen(fixed[i]), &below);
	T_EQ_INT(gap, 0);   /* no line here needs a soft break */
	/* lines of 70 to 240 bytes ending, or with a '.', '=', space, "From " or a CJK
	 * character, at every column around a soft break */
	for (size_t len = 70; len <= 240; len++)
		for (size_t u = 0; u < sizeof unit - 1; u++)
			for (size_t at = len > 12 ? len - 12 : 0; at < len; at++) {
				pb_buf_reset(&b);
				for (size_t i = 0; i < len; i++)
					pb_buf_putc(&b, i >= at && (i - at) % 2 == 0 ?
						    unit[u] : 'a' + (char)(i % 26));
				if (unit[u] == 'F' && at + 5 <= len)
					memcpy(b.data + at, "From ", 5);
				bound_gap(b.data, b.len, &below);
				pb_buf_putc(&b, '\n');
				bound_gap(b.data, b.len, &below);
			}
	/* the lines with the most soft breaks for their length: one at column 73 before each '='
	 * ("=3D" and 70 bytes a line), or at 75 before each '.' (made "=2E", and 72 bytes) */
	for (size_t lead = 60; lead <= 80; lead++)
		for (size_t k = 1; k < 80; k += 3)
			for (int dot = 0; dot < 2; dot++) {
				pb_buf_reset(&b);
				for (size_t i = 0; i < lead; i++)
					pb_buf_putc(&b, 'a');
				for (size_t j = 0; j < k; j++) {
					pb_buf_putc(&b, dot ? '.' : '=');
					for (size_t i = 0; i < (dot ? 72u : 70u); i++)
						pb_buf_putc(&b, 'a');
				}
				pb_buf_putc(&b, 'b');
				bound_gap(b.data, b.len, &below);
			}
	/* whole lines of dots, of '=', of spaces, of CJK, of "From " */
	{
		static const char *const runs[] = { ".", "=", " ", "\xe4\xb8\xad", "From ",
						    ". ", "=.", "\t" };

		for (size_t r = 0; r < sizeof runs / sizeof *runs; r++)
			for (size_t k = 1; k < 200; k += 7) {
				pb_buf_reset(&b);
				for (size_t i = 0; i < k; i++)
					pb_buf_puts(&b, runs[r]);
				bound_gap(b.data, b.len, &below);
				pb_buf_puts(&b, "\n.");
				bound_gap(b.data, b.len, &below);
			}
	}
	/* random texts as above, and with long lines of printable ASCII */
	for (int k = 0; k < 20000; k++) {
		size_t n = next() % (k % 10 == 0 ? 4000 : 400);
		int mode = (int)(next() % 4);

		pb_buf_reset(&b);
		for (size_t i = 0; i < n; i++) {
			char ch;

			if (mode == 0)
				ch = pool[next() % (sizeof pool - 1)];
			else if (mode == 1)
				ch = next() % 50 ? (char)('a' + next() % 26) :
						   pool[next() % (sizeof pool - 1)];
			else if (mode == 2)
				ch = (char)(next() % 256);
			else
				ch = next() % 97 ? (char)(' ' + next() % 95) : ".=. \n"[next() % 5];
			pb_buf_putc(&b, ch);
		}
		bound_gap(b.data, b.len, &below);
	}
	T_EQ_INT(below, 0);
	pb_buf_free(&b);
}

int
main(void)
{
	test_fixed();
	test_differential();
	test_pieces();
	test_bound();
	return t_done("mail_qp");
}
