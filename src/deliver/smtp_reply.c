/* The SMTP wire format the sessions (smtp_session.c) read and write: replies, single- and
 * multi-line (RFC 5321 4.2), cut into complete replies with their code and whole text, and
 * what a refusal at RCPT says of the address; and a message made safe for DATA (lines opening
 * with '.' doubled, the closing CRLF . CRLF). */
#define _GNU_SOURCE 1   /* strcasestr */
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "channel.h"

void
pb_smtp_reader_init(struct pb_smtp_reader *rd)
{
	memset(rd, 0, sizeof *rd);
}

/* The length of the enhanced status code (RFC 3463, "5.1.1") at the start of s, 0 for none:
 * a class, then a subject and a detail of one to three digits. */
static size_t
enhanced_len(const char *s, size_t len)
{
	size_t i = 1, n;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		for (i++, n = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
			;
		if (n == 0 || n > 3 || (part == 0 && (i >= len || s[i] != '.')))
			return 0;
	}
	return i == len || s[i] == ' ' ? i : 0;
}

/* Adds a line's words to the reply's text, after a space; the text keeps what fits. */
static void
text_add(struct pb_smtp_reader *rd, const char *s, size_t len)
{
	size_t j = strlen(rd->text);

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0 || j + 2 >= sizeof rd->text)
		return;
	rd->text[j] = ' ';
	pb_reason_copy(rd->text + j + 1, sizeof rd->text - j - 1, s, len);
	if (!rd->text[j + 1])
		rd->text[j] = '\0';
}

/* One complete line (without its line end) of a reply. A multi-line reply's text is its lines
 * joined, each after the first without its code and without the enhanced status code when it
 * repeats the first line's (RFC 2034 has every line carry it): Gmail's "550-5.1.1 The email
 * account that you tried to reach does not exist." goes on for three lines, the last with the
 * address of its explanation. */
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
		size_t e = len > 4 ? enhanced_len(l + 4, len - 4) : 0;

		rd->in_reply = 1;
		rd->code = code;
		pb_reason_copy(rd->text, sizeof rd->text, l, len);
		if (rd->text[3] == '-')
			rd->text[3] = ' ';
		memcpy(rd->esc, l + 4, e);
		rd->esc[e] = '\0';
	} else if (len > 4) {
		const char *w = l + 4;
		size_t wl = len - 4, e = enhanced_len(w, wl), el = strlen(rd->esc);

		if (e > 0 && e == el && memcmp(w, rd->esc, e) == 0) {
			w += e;
			wl -= e;
		}
		text_add(rd, w, wl);
	}
	if (!last)
		return 0;
	rd->in_reply = 0;
	return cb(ctx, rd->code, rd->text);
}

/* Whether a refusal at RCPT is of the sender rather than of the recipient: Postfix (whose
 * restrictions wait for RCPT by default, smtpd_delay_reject), sendmail's check_rcpt and Exim's
 * default configuration ("require verify = sender", asked of a client that logged in too) all
 * check the envelope sender when a recipient is given, and refuse every recipient alike when
 * email.from does not resolve or the relay does not know it. An enhanced status code of a bad
 * sender's address (RFC 3463 X.1.7, X.1.8), a reply that says so (Postfix's "Sender address
 * rejected", sendmail's "Domain of sender address", Exim's "Sender verify failed"), or one
 * that names the sender (Exim's first line, "Verification failed for <from>"). */
static int
sender_status(const char *text, int subject, int detail, const char *from)
{
	if (subject == 1 && (detail == 7 || detail == 8))
		return 1;
	if (strlen(text) > 4 && strcasestr(text + 4, "sender"))
		return 1;
	return from && strlen(from) > 2 && strcasestr(text, from) != NULL;
}

int
pb_smtp_refuses_address(int code, const char *text, const char *from)
{
	size_t n = strlen(text), e = n > 4 ? enhanced_len(text + 4, n - 4) : 0;
	int subject = -1, detail = -1;

	if (code < 500 || code >= 600)
		return 0;
	if (e > 0) {
		const char *s = text + 6;

		for (subject = 0; *s != '.'; s++)
			subject = subject * 10 + (*s - '0');
		for (detail = 0, s++; s < text + 4 + e; s++)
			detail = detail * 10 + (*s - '0');
	}
	/* An enhanced code other than X.0.X decides (RFC 3463 3): X.1.X is the address
	 * ("bad destination mailbox", "destination system", "moved"), unless it is the
	 * sender's; X.2.X the mailbox, "under the general control of the recipient", but for
	 * a message over its size (X.2.3), which another message might not be. The mail
	 * system (X.3), the network and routing (X.4), the protocol (X.5: "555 5.5.4", "501
	 * 5.5.2", a command of ours the server did not take), the message's content (X.6)
	 * and security or policy (X.7: a blocklisted client, relaying denied) are not the
	 * reader's address. Postfix's "550 5.1.1 ... User unknown in relay recipient table"
	 * is the address's, "relay" notwithstanding. */
	if (subject == 1)
		return !sender_status(text, subject, detail, from);
	if (subject == 2)
		return detail != 3;
	/* Microsoft 365 refuses an address it does not have (Directory-Based Edge Blocking)
	 * with "550 5.4.1 Recipient address rejected: Access denied": the address's, X.4
	 * notwithstanding, or a reader who left would fail every day. */
	if (subject == 4 && detail == 1 && code == 550 &&
	    strcasestr(text + 4, "Recipient address rejected"))
		return 1;
	if (subject > 2)
		return 0;
	/* Without one, the basic code (RFC 5321 4.2.1): x0z is syntax ("500", "501", "502",
	 * "503", "504"), 53z authentication, 555 a MAIL or RCPT parameter not taken; x5z
	 * is the mail system's, the mailbox's ("550 mailbox unavailable", "551 user not
	 * local", "553 mailbox name not allowed") but for a refusal to relay (Exim's
	 * default "550 relay not permitted", which every recipient of a smarthost set up
	 * wrong would get alike) or of the sender. */
	if (code / 10 != 55 || code == 555)
		return 0;
	if (strcasestr(text + (n > 4 ? 4 : n), "relay"))
		return 0;
	return !sender_status(text, subject, detail, from);
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

int
pb_smtp_ehlo_line(const char *p, size_t len, size_t *size_max)
{
	const char *kw;
	size_t kl, max = 0, i;

	*size_max = 0;
	if (len <= 4 || strncmp(p, "250", 3) != 0 || (p[3] != '-' && p[3] != ' '))
		return 0;
	kw = p + 4;
	kl = len - 4;
	while (kl > 0 && (kw[kl - 1] == '\r' || kw[kl - 1] == '\n' || kw[kl - 1] == ' '))
		kl--;
	if (kl == 10 && strncasecmp(kw, "PIPELINING", 10) == 0)
		return PB_SMTP_EXT_PIPELINING;
	if (kl == 8 && strncasecmp(kw, "SMTPUTF8", 8) == 0)
		return PB_SMTP_EXT_SMTPUTF8;
	if (kl < 4 || strncasecmp(kw, "SIZE", 4) != 0 || (kl > 4 && kw[4] != ' '))
		return 0;
	/* "SIZE 35882577" (Gmail), "SIZE 10240000" (Postfix's default), "SIZE" alone */
	for (i = 5; i < kl && kw[i] >= '0' && kw[i] <= '9'; i++) {
		max = max * 10 + (size_t)(kw[i] - '0');
		if (max > (size_t)1 << 40) {
			max = 0;   /* past any message: no limit to keep to */
			break;
		}
	}
	*size_max = max;
	return PB_SMTP_EXT_SIZE;
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
