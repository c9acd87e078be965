/* pb_mail_build: headers, RFC 2047 encoded words (decoded back here), quoted-printable line
 * lengths and round trip, CR/LF injection stripped, multipart structure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/deliver.h"
#include "t.h"

/* Every line ends in CRLF (no bare CR or LF) and has at most max octets before it. */
static int
lines_ok(const char *m, size_t len, size_t max)
{
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		if (m[i] == '\r') {
			if (i + 1 >= len || m[i + 1] != '\n')
				return 0;
			i++;
			col = 0;
			continue;
		}
		if (m[i] == '\n')
			return 0;
		if (++col > max)
			return 0;
	}
	return col == 0;
}

/* The unfolded value of header name (first occurrence) in the header block; malloc'd. */
static char *
header(const char *m, const char *name)
{
	const char *end = strstr(m, "\r\n\r\n");
	size_t nl = strlen(name);
	struct pb_buf b = { 0 };
	const char *p = m;

	while (p && p < end) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			for (;;) {
				const char *e = strstr(p, "\r\n");
				pb_buf_append(&b, p, (size_t)(e - p));
				p = e + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			return pb_buf_detach(&b);
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return NULL;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes an unfolded header value made of =?UTF-8?B?...?= words (white space between
 * adjacent encoded words is dropped, as RFC 2047 says). Checks each word's length. */
static char *
decode_words(const char *v, int *bad)
{
	struct pb_buf out = { 0 };
	const char *p = v;

	while (*p) {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			const char *e = strstr(p + 10, "?=");
			unsigned acc = 0;
			int bits = 0;
			if (!e) {
				*bad = 1;
				break;
			}
			if (e + 2 - p > 75)
				*bad = 1;
			for (const char *q = p + 10; q < e; q++) {
				int v6 = b64val(*q);
				if (v6 < 0)
					continue;
				acc = (acc << 6) | (unsigned)v6;
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					pb_buf_putc(&out, (char)((acc >> bits) & 0xFF));
				}
			}
			p = e + 2;
			if (*p == ' ' && strncmp(p + 1, "=?", 2) == 0)
				p++;
			continue;
		}
		pb_buf_putc(&out, *p++);
	}
	return pb_buf_detach(&out);
}

/* Decodes quoted-printable; checks every encoded line is at most 76 characters. */
static char *
decode_qp(const char *s, size_t n, int *bad)
{
	struct pb_buf out = { 0 };
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			pb_buf_puts(&out, "\r\n");
			i++;
			col = 0;
			continue;
		}
		if (++col > 76)
			*bad = 1;
		if (s[i] == '=') {
			if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
				i += 2;
				col = 0;
				continue;
			}
			if (i + 2 < n) {
				char hx[3] = { s[i + 1], s[i + 2], 0 };
				pb_buf_putc(&out, (char)strtol(hx, NULL, 16));
				i += 2;
				col += 2;
				continue;
			}
			*bad = 1;
		}
		pb_buf_putc(&out, s[i]);
	}
	return pb_buf_detach(&out);
}

/* The body of the part whose Content-Type starts with type (between its blank line and the
 * next boundary line); returns a pointer into m and its length. */
static const char *
part_body(const char *m, const char *type, const char *boundary, size_t *n)
{
	char needle[128], delim[128];
	const char *p, *e;

	snprintf(needle, sizeof needle, "Content-Type: %s", type);
	snprintf(delim, sizeof delim, "\r\n--%s", boundary);
	p = strstr(strstr(m, "\r\n\r\n"), needle);
	if (!p)
		return NULL;
	p = strstr(p, "\r\n\r\n");
	if (!p)
		return NULL;
	p += 4;
	e = strstr(p, delim);
	if (!e)
		return NULL;
	*n = (size_t)(e - p);
	return p;
}

static struct pb_config *
cfg_new(void)
{
	struct pb_config *c = pb_xcalloc(1, sizeof *c);
	c->email.from = pb_xstrdup("arXiv Digest — Lab <digest@lab.example.org>");
	c->email.unsubscribe_mailto = pb_xstrdup("mailto:unsubscribe@lab.example.org");
	c->email.unsubscribe_url = pb_xstrdup("https://lab.example.org/unsub?u=alice");
	return c;
}

static void
cfg_free(struct pb_config *c)
{
	free(c->email.from);
	free(c->email.unsubscribe_mailto);
	free(c->email.unsubscribe_url);
	free(c);
}

static void
test_headers_and_structure(void)
{
	struct pb_config *cfg = cfg_new();
	const char *subj = "arXiv cs.CV — 4 Dec 2025: 12 papers on 3D Gaussian Splatting, "
			   "视觉语言模型 and Zürich's NeRF (Ünïcödé test with many words to fold)";
	const char *text = "Line one\nLine two with trailing space \nA very long line: "
			   "0123456789012345678901234567890123456789012345678901234567890123456789"
			   "0123456789012345678901234567890123456789 end\n.leading dot\n"
			   "Umlauts äöü and = signs\n";
	const char *html = "<html><body><p>Hello — digest</p></body></html>";
	size_t len = 0, n;
	char *m = pb_mail_build(cfg, "alice@example.org", subj, text, html,
				"2025-12-04/alice/email/alice@example.org/1", 1764806400, &len);
	char *v, *d, *ct, *boundary;
	int bad = 0;
	const char *body, *tp, *hp;

	T_CHECK(m != NULL);
	T_EQ_INT(strlen(m), len);
	T_CHECK(lines_ok(m, len, 998));

	v = header(m, "Subject");
	T_CHECK(v && strncmp(v, "=?UTF-8?B?", 10) == 0);
	d = decode_words(v, &bad);
	T_EQ_STR(d, subj);
	T_EQ_INT(bad, 0);
	free(v);
	free(d);
	/* Each line of the Subject header stays within 76 characters. */
	{
		const char *s = strstr(m, "\r\nSubject: ") + 2;
		for (;;) {
			const char *e = strstr(s, "\r\n");
			T_CHECK(e - s <= 76);
			s = e + 2;
			if (*s != ' ')
				break;
		}
	}

	v = header(m, "From");
	T_CHECK(v && strstr(v, "<digest@lab.example.org>") != NULL);
	d = decode_words(v, &bad);
	T_CHECK(strstr(d, "arXiv Digest — Lab") != NULL);
	free(v);
	free(d);

	v = header(m, "To");
	T_EQ_STR(v, "alice@example.org");
	free(v);
	v = header(m, "Date");
	T_EQ_STR(v, "Thu, 04 Dec 2025 00:00:00 +0000");
	free(v);
	v = header(m, "Message-ID");
	T_EQ_STR(v, "<2025-12-04/alice/email/alice=40example=2Eorg/1@lab.example.org>");
	free(v);
	v = header(m, "MIME-Version");
	T_EQ_STR(v, "1.0");
	free(v);
	v = header(m, "Auto-Submitted");
	T_EQ_STR(v, "auto-generated");
	free(v);
	v = header(m, "List-Unsubscribe");
	T_EQ_STR(v, "<mailto:unsubscribe@lab.example.org>, <https://lab.example.org/unsub?u=alice>");
	free(v);
	/* one URL for every recipient names none of them: no one-click (RFC 8058) */
	T_CHECK(strstr(m, "List-Unsubscribe-Post") == NULL);

	ct = header(m, "Content-Type");
	T_CHECK(ct && strncmp(ct, "multipart/alternative;", 22) == 0);
	boundary = ct ? strstr(ct, "boundary=\"") : NULL;
	T_CHECK(boundary != NULL);
	if (boundary) {
		boundary += 10;
		*strchr(boundary, '"') = '\0';
		tp = strstr(m, "Content-Type: text/plain; charset=UTF-8");
		hp = strstr(m, "Content-Type: text/html; charset=UTF-8");
		T_CHECK(tp && hp && tp < hp);
		body = part_body(m, "text/plain", boundary, &n);
		T_CHECK(body != NULL);
		if (body) {
			d = decode_qp(body, n, &bad);
			T_EQ_STR(d, "Line one\r\nLine two with trailing space \r\nA very long line: "
				    "0123456789012345678901234567890123456789012345678901234567890123456789"
				    "0123456789012345678901234567890123456789 end\r\n.leading dot\r\n"
				    "Umlauts äöü and = signs\r\n");
			T_EQ_INT(bad, 0);
			free(d);
		}
		body = part_body(m, "text/html", boundary, &n);
		T_CHECK(body != NULL);
		if (body) {
			d = decode_qp(body, n, &bad);
			T_EQ_STR(d, "<html><body><p>Hello — digest</p></body></html>\r\n");
			free(d);
		}
		char closing[128];
		snprintf(closing, sizeof closing, "\r\n--%s--\r\n", boundary);
		T_CHECK(len > strlen(closing) && strcmp(m + len - strlen(closing), closing) == 0);
	}
	free(ct);
	free(m);
	cfg_free(cfg);
}

static void
test_injection_stripped(void)
{
	struct pb_config *cfg = cfg_new();
	size_t len;
	char *m, *v;

	free(cfg->email.from);
	cfg->email.from = pb_xstrdup("Evil\r\nBcc: victim@example.org <digest@lab.example.org\r\nX: y>");
	free(cfg->email.unsubscribe_url);
	cfg->email.unsubscribe_url = pb_xstrdup("https://x.example/\r\nBcc: a@b");
	m = pb_mail_build(cfg, "bob@example.org\r\nBcc: other@example.org",
			  "Title\r\nBcc: injected@example.org\nX-Evil: 1\rZ\x01\x7f end", "body",
			  NULL, "id\r\n1", 0, &len);
	T_CHECK(lines_ok(m, len, 998));
	T_CHECK(strstr(m, "\r\nBcc:") == NULL);
	T_CHECK(strstr(m, "\r\nX-Evil:") == NULL);
	T_CHECK(strstr(m, "\r\nX: y") == NULL);
	v = header(m, "Subject");
	T_EQ_STR(v, "Title Bcc: injected@example.org X-Evil: 1 Z end");
	free(v);
	v = header(m, "To");
	T_EQ_STR(v, "bob@example.orgBcc:other@example.org");
	free(v);
	v = header(m, "Message-ID");
	T_EQ_STR(v, "<id=0D=0A1@lab.example.orgXy>");
	free(v);
	/* A single part when there is no HTML. */
	v = header(m, "Content-Type");
	T_EQ_STR(v, "text/plain; charset=UTF-8");
	free(v);
	T_CHECK(strstr(m, "List-Unsubscribe-Post") == NULL);
	free(m);
	cfg_free(cfg);
}

static void
test_stable_id_and_plain_subject(void)
{
	struct pb_config *cfg = cfg_new();
	size_t l1, l2;
	char *a, *b, *ha, *hb;
	char longsub[400];

	a = pb_mail_build(cfg, "a@example.org", "Plain subject", "x", "<p>x</p>", "d/s/email/a/1",
			  1000, &l1);
	b = pb_mail_build(cfg, "a@example.org", "Plain subject", "x", "<p>x</p>", "d/s/email/a/1",
			  999999, &l2);
	ha = header(a, "Message-ID");
	hb = header(b, "Message-ID");
	T_EQ_STR(ha, hb);
	free(ha);
	free(hb);
	ha = header(a, "Subject");
	T_EQ_STR(ha, "Plain subject");
	free(ha);
	free(a);
	free(b);

	/* A long ASCII subject is folded at spaces, never encoded, and unfolds to itself. */
	memset(longsub, 0, sizeof longsub);
	for (int i = 0; i < 30; i++)
		strcat(longsub, "word123 ");
	strcat(longsub, "end");
	a = pb_mail_build(cfg, "a@example.org", longsub, "x", NULL, "id", 0, &l1);
	T_CHECK(lines_ok(a, l1, 78));
	ha = header(a, "Subject");
	T_EQ_STR(ha, longsub);
	free(ha);
	free(a);

	/* No unsubscribe configured: neither header; https missing: no -Post. */
	free(cfg->email.unsubscribe_url);
	cfg->email.unsubscribe_url = NULL;
	a = pb_mail_build(cfg, "a@example.org", "s", "x", NULL, "id", 0, &l1);
	T_CHECK(strstr(a, "List-Unsubscribe: <mailto:unsubscribe@lab.example.org>\r\n") != NULL);
	T_CHECK(strstr(a, "List-Unsubscribe-Post") == NULL);
	free(a);
	cfg_free(cfg);
}

static void
test_long_lines_and_invalid_utf8(void)
{
	struct pb_config *cfg = cfg_new();
	size_t n = 5000, len;
	char *text = pb_xmalloc(n + 1), *m, *v, *d;
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		text[i] = (char)("a=\xc3\xa9 \t"[i % 6]);
	text[n] = '\0';
	m = pb_mail_build(cfg, "a@example.org", "bad \xff\xfe utf8 \xc3", text, text, "id", 0, &len);
	T_CHECK(lines_ok(m, len, 998));
	v = header(m, "Subject");
	d = decode_words(v, &bad);
	T_EQ_STR(d, "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8 \xEF\xBF\xBD");
	T_EQ_INT(bad, 0);
	free(v);
	free(d);
	/* Body lines: quoted-printable keeps them within 76. */
	T_CHECK(lines_ok(strstr(m, "\r\n\r\n") + 4, len - (size_t)(strstr(m, "\r\n\r\n") + 4 - m), 76));
	free(m);

	/* A subject of one 2000-byte word is encoded (so it can be split), lines stay short. */
	memset(text, 'x', 2000);
	text[2000] = '\0';
	m = pb_mail_build(cfg, "a@example.org", text, "t", NULL, "id", 0, &len);
	T_CHECK(lines_ok(m, len, 998));
	v = header(m, "Subject");
	d = decode_words(v, &bad);
	T_EQ_STR(d, text);
	free(v);
	free(d);
	free(m);
	free(text);
	cfg_free(cfg);

	/* No config at all still builds a valid message. */
	m = pb_mail_build(NULL, "a@example.org", "s", "t", NULL, "id", 0, &len);
	T_CHECK(m && strstr(m, "From: paperboy@localhost\r\n") == m);
	T_CHECK(strstr(m, "@paperboy.invalid>") != NULL);
	free(m);
}

/* A display name written as a quoted-string with quoted-pairs in it is shown as its text: the
 * From header quotes it once, never the backslashes of the config's own escaping. */
static void
test_quoted_display_name(void)
{
	struct pb_config *cfg = cfg_new();
	size_t len;
	char *m, *v, *d;
	int bad = 0;

	free(cfg->email.from);
	cfg->email.from = pb_xstrdup("\"Ann \\\"Nan\\\" Lee, Lab \\\\ CV\" <digest@lab.example.org>");
	m = pb_mail_build(cfg, "alice@example.org", "s", "t\n", NULL, "q1", 0, &len);
	v = header(m, "From");
	T_EQ_STR(v, "\"Ann \\\"Nan\\\" Lee, Lab \\\\ CV\" <digest@lab.example.org>");
	free(v);
	free(m);
	/* the same name with a letter outside ASCII goes as encoded words */
	free(cfg->email.from);
	cfg->email.from = pb_xstrdup("\"Zo\xc3\xab \\\"Z\\\" Lee\" <digest@lab.example.org>");
	m = pb_mail_build(cfg, "alice@example.org", "s", "t\n", NULL, "q2", 0, &len);
	v = header(m, "From");
	T_CHECK(v && strncmp(v, "=?UTF-8?B?", 10) == 0);
	*strrchr(v, ' ') = '\0';
	d = decode_words(v, &bad);
	T_EQ_STR(d, "Zo\xc3\xab \"Z\" Lee");
	T_EQ_INT(bad, 0);
	free(d);
	free(v);
	free(m);
	cfg_free(cfg);
}

/* For a server without SMTPUTF8: an internationalised domain in A-labels, in an address and
 * in a message's headers; a local part that is not ASCII refused, saying so. */
static void
test_ascii_forms(void)
{
	struct pb_config *cfg = cfg_new();
	struct pb_buf b = { 0 };
	char err[256] = "";
	size_t len;
	char *m, *v;

	T_EQ_INT(pb_mail_addr_ascii(&b, "ann@B\xc3\xbc" "cher.example", 19, err, sizeof err), 0);
	T_EQ_STR(pb_buf_str(&b), "ann@xn--bcher-kva.example");
	pb_buf_reset(&b);
	T_EQ_INT(pb_mail_addr_ascii(&b, "ann@example.org", 15, err, sizeof err), 0);
	T_EQ_STR(pb_buf_str(&b), "ann@example.org");
	pb_buf_reset(&b);
	T_EQ_INT(pb_mail_addr_ascii(&b, "j\xc3\xb6rg@example.org", 16, err, sizeof err), -1);
	T_CHECK(strstr(err, "local part") != NULL);
	pb_buf_reset(&b);
	T_EQ_INT(pb_mail_addr_ascii(&b, "bo@\xe2\x98\x83.example", 14, err, sizeof err), -2);
	T_CHECK(strstr(err, "IDNA") != NULL);
	pb_buf_reset(&b);

	free(cfg->email.from);
	cfg->email.from = pb_xstrdup("B\xc3\xbc" "cherei <news@b\xc3\xbc" "cher.example>");
	m = pb_mail_build(cfg, "ann@b\xc3\xbc" "cher.example", "s", "t\n", "<p>h</p>\n", "q1", 0,
			  &len);
	/* Message-ID names the sender's domain in A-labels whatever the server */
	v = header(m, "Message-ID");
	T_EQ_STR(v, "<q1@xn--bcher-kva.example>");
	free(v);
	T_EQ_INT(pb_mail_headers_ascii(&b, m, len, err, sizeof err), 0);
	v = header(b.data, "To");
	T_EQ_STR(v, "ann@xn--bcher-kva.example");
	free(v);
	v = header(b.data, "From");
	T_CHECK(v && strstr(v, " <news@xn--bcher-kva.example>") != NULL);
	free(v);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] >= 0x80) {
			T_CHECK(!"a byte past ASCII");
			break;
		}
	/* only the headers changed: the body is as it was */
	T_CHECK(strcmp(strstr(b.data, "\r\n\r\n"), strstr(m, "\r\n\r\n")) == 0);
	free(m);
	pb_buf_reset(&b);

	m = pb_mail_build(cfg, "j\xc3\xb6rg@b\xc3\xbc" "cher.example", "s", "t\n", NULL, "q2", 0,
			  &len);
	T_EQ_INT(pb_mail_headers_ascii(&b, m, len, err, sizeof err), -1);
	T_CHECK(strstr(err, "local part") != NULL);
	T_EQ_INT((long)b.len, 0);
	free(m);
	pb_buf_free(&b);
	cfg_free(cfg);
}

int
main(void)
{
	test_headers_and_structure();
	test_injection_stripped();
	test_stable_id_and_plain_subject();
	test_long_lines_and_invalid_utf8();
	test_quoted_display_name();
	test_ascii_forms();
	return t_done("test_mail");
}
