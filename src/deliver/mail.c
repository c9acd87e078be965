/* The email message builder: RFC 5322 headers (RFC 2047 encoded words for non-ASCII text),
 * multipart/alternative with text/plain first and text/html last, quoted-printable bodies.
 * Every header value passes through the one sanitizer of escape.h (pb_esc_header_clean) so no
 * CR, LF or other control character from a title, a name or a config value ever reaches the
 * header block; escape.h also encodes and folds them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <idn2.h>

#include "paperboy/buf.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/hash.h"

#define LINE_SOFT 78     /* RFC 5322 recommended header line length */
#define QP_LINE 76       /* RFC 2045 quoted-printable line limit */
#define QP_LEN_STEP 65536  /* bytes pb_mail_qp_len encodes at a time */

static int
has_8bit(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* Keeps only the characters an addr-spec may hold in a header: printable ASCII without
 * spaces, quotes, angle brackets, commas, semicolons or parentheses. */
static void
clean_addr(struct pb_buf *b, const char *s)
{
	/* UTF-8 stays: an internationalised address goes out only with SMTPUTF8, whose
	 * messages carry UTF-8 headers (RFC 6532). */
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == 0x7F || strchr("<>\",;()[]\\", c))
			continue;
		pb_buf_putc(b, (char)c);
	}
}

/* Appends an unbreakable token (an address, a URL in angle brackets) to a header whose current
 * line is *col long: after a space when it fits within 78 characters, else on a continuation
 * line. A token that could not fit on any line is cut (callers keep tokens short). */
static void
put_token(struct pb_buf *b, size_t *col, const char *t, size_t n, int space)
{
	if (n > PB_MAIL_TOKEN_MAX + 2)
		n = PB_MAIL_TOKEN_MAX + 2;
	if (*col > 1 && *col + (size_t)space + n > LINE_SOFT) {
		pb_buf_puts(b, "\r\n ");
		*col = 1;
	} else if (space) {
		pb_buf_putc(b, ' ');
		(*col)++;
	}
	pb_buf_append(b, t, n);
	*col += n;
}

/* Splits "Display Name <addr@host>" (or a bare address) into name and addr. */
static void
split_mailbox(const char *s, struct pb_buf *name, struct pb_buf *addr)
{
	const char *lt = s ? strrchr(s, '<') : NULL;
	const char *gt = lt ? strchr(lt, '>') : NULL;
	char *raw;

	if (!s)
		return;
	if (lt && gt) {
		raw = pb_xstrndup(s, (size_t)(lt - s));
		pb_esc_header_clean(name, raw);
		free(raw);
		/* A quoted display name ("Ann \"Nan\" Lee") is its text: the surrounding quotes
		 * dropped and each quoted-pair (RFC 5322 3.2.4) read as the character it
		 * escapes, so put_from's own quoting does not show the backslashes. */
		if (name->len >= 2 && name->data[0] == '"' && name->data[name->len - 1] == '"') {
			size_t o = 0;

			for (size_t i = 1; i + 1 < name->len; i++) {
				if (name->data[i] == '\\' && i + 2 < name->len)
					i++;
				name->data[o++] = name->data[i];
			}
			pb_buf_truncate(name, o);
		}
		raw = pb_xstrndup(lt + 1, (size_t)(gt - lt - 1));
		clean_addr(addr, raw);
		free(raw);
	} else {
		clean_addr(addr, s);
	}
}

/* " <addr>" after a display name that left the line col long. */
static void
put_bracketed(struct pb_buf *b, const struct pb_buf *addr, size_t col)
{
	struct pb_buf t = { 0 };

	pb_buf_putc(&t, '<');
	pb_buf_append(&t, addr->data ? addr->data : "", addr->len > PB_MAIL_TOKEN_MAX ?
		      PB_MAIL_TOKEN_MAX : addr->len);
	pb_buf_putc(&t, '>');
	put_token(b, &col, t.data, t.len, 1);
	pb_buf_free(&t);
}

/* From: with the display name as a quoted-string (ASCII) or encoded words. */
static void
put_from(struct pb_buf *b, const char *from, const char *addr_fallback)
{
	struct pb_buf name = { 0 }, addr = { 0 };
	const char *n;
	int non_ascii;
	size_t start;

	split_mailbox(from, &name, &addr);
	if (addr.len == 0)
		pb_buf_puts(&addr, addr_fallback);
	n = pb_buf_str(&name);
	non_ascii = 0;
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p >= 0x80)
			non_ascii = 1;
	start = b->len;
	pb_buf_puts(b, "From: ");
	if (name.len == 0) {
		size_t col = 6;

		put_token(b, &col, addr.data, addr.len, 0);
	} else if (non_ascii || !pb_esc_header_plain_ok(n) || name.len > 200) {
		pb_esc_header_words(b, n, 6);
		put_bracketed(b, &addr, LINE_SOFT);     /* a line of its own, as always */
	} else {
		pb_buf_putc(b, '"');
		for (const char *p = n; *p; p++) {
			if (*p == '"' || *p == '\\')
				pb_buf_putc(b, '\\');
			pb_buf_putc(b, *p);
		}
		pb_buf_putc(b, '"');
		put_bracketed(b, &addr, b->len - start);
	}
	pb_buf_puts(b, "\r\n");
	pb_buf_free(&name);
	pb_buf_free(&addr);
}

/* The domain of the From address, for Message-ID; "paperboy.invalid" when there is none. */
static void
from_domain(struct pb_buf *d, const char *from)
{
	struct pb_buf name = { 0 }, addr = { 0 }, idn = { 0 };
	const char *at, *p;

	split_mailbox(from, &name, &addr);
	at = strrchr(pb_buf_str(&addr), '@');
	p = at ? at + 1 : NULL;
	/* an internationalised domain in its A-labels (the filter below would drop its
	 * letters that are not ASCII, and name another domain) */
	if (p && has_8bit(p, strlen(p)) && pb_mail_domain_ascii(&idn, p, strlen(p), NULL, 0) == 0)
		p = pb_buf_str(&idn);
	for (; p && *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
			pb_buf_putc(d, *p);
	/* no DNS name is longer than 253 octets */
	if (d->len == 0 || d->len > 253 || d->data[0] == '.' || d->data[d->len - 1] == '.')
		pb_buf_reset(d), pb_buf_puts(d, "paperboy.invalid");
	pb_buf_free(&idn);
	pb_buf_free(&name);
	pb_buf_free(&addr);
}

/* The left part of Message-ID: msg_id with every byte outside atext (and '.', so the result
 * is always a valid dot-atom) written as =XX. Deterministic, so retries keep the same id. */
static void
msgid_left(struct pb_buf *b, const char *id)
{
	static const char hex[] = "0123456789ABCDEF";
	/* This seed (the FNV basis short of its last digit) is what earlier versions used: a
	 * message retried after an upgrade keeps its Message-ID. */
	uint64_t h = pb_fnv1a64_more(1469598103934665603ULL, id ? id : "", id ? strlen(id) : 0);

	for (const unsigned char *p = (const unsigned char *)(id ? id : ""); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-/?^_`{|}~", *p)) {
			pb_buf_putc(b, (char)*p);
		} else {
			pb_buf_putc(b, '=');
			pb_buf_putc(b, hex[*p >> 4]);
			pb_buf_putc(b, hex[*p & 15]);
		}
	}
	if (b->len > 400) {
		/* Keep the header line well under 998 octets; the hash keeps it unique. */
		pb_buf_truncate(b, 300);
		pb_buf_printf(b, "=%016llx", (unsigned long long)h);
	}
	if (b->len == 0)
		pb_buf_puts(b, "paperboy");
}

static void
put_date(struct pb_buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof tm), tm.tm_mday = 1, tm.tm_year = 70;
	pb_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7],
		      tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
		      tm.tm_min, tm.tm_sec);
}

/* A config URL for List-Unsubscribe: printable ASCII without spaces or angle brackets. */
static void
clean_url(struct pb_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > 0x20 && c < 0x7F && c != '<' && c != '>' && c != '"')
			pb_buf_putc(b, (char)c);
	}
}

/* List-Unsubscribe (RFC 2369) with each URL in angle brackets, folded between them: the https
 * URL url and email.unsubscribe_mailto, url first when url_first (a recipient's own link) or
 * the mailto first (the static config pair); a URL too long for any line is left out (config
 * check refuses one). List-Unsubscribe-Post (RFC 8058) follows when url may take the
 * one-click POST (post) and is https. */
static void
put_unsub(struct pb_buf *b, const struct pb_config *cfg, const char *u, int url_first,
	  int post)
{
	struct pb_buf mailto = { 0 }, url = { 0 }, t = { 0 };
	const char *m = cfg->email.unsubscribe_mailto;
	size_t col = 17;

	clean_url(&url, u);
	if (m && strncasecmp(m, "mailto:", 7) == 0)
		m += 7;
	clean_url(&mailto, m);
	if (url.len > PB_MAIL_TOKEN_MAX)
		pb_buf_reset(&url);
	/* "<mailto:" m ">," must fit put_token's PB_MAIL_TOKEN_MAX + 2: PB_MAIL_MAILTO_MAX. */
	if (mailto.len > PB_MAIL_MAILTO_MAX)
		pb_buf_reset(&mailto);
	if (url.len || mailto.len) {
		pb_buf_puts(b, "List-Unsubscribe:");
		for (int i = 0; i < 2; i++) {
			int is_url = (i == 0) == (url_first != 0);
			const struct pb_buf *v = is_url ? &url : &mailto;

			if (!v->len)
				continue;
			pb_buf_reset(&t);
			pb_buf_printf(&t, "<%s%s>%s", is_url ? "" : "mailto:", pb_buf_str(v),
				      i == 0 && (is_url ? mailto.len : url.len) ? "," : "");
			put_token(b, &col, t.data, t.len, 1);
		}
		pb_buf_puts(b, "\r\n");
	}
	/* RFC 8058 3.1: the one-click URI must be HTTPS (a plain-http base_url, a test or a
	 * machine behind no proxy, keeps the link and loses the button) */
	if (post && url.len && strncasecmp(url.data, "https://", 8) == 0)
		pb_buf_puts(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
	pb_buf_free(&t);
	pb_buf_free(&mailto);
	pb_buf_free(&url);
}

/* The static pair of the config (email.unsubscribe_url, _mailto). Never one-click: RFC 8058
 * wants a URL that names its recipient, and one URL shared by every recipient does not, so
 * the button a mail reader shows for List-Unsubscribe-Post would post to it and remove
 * nobody; the reader follows the link instead. */
static void
put_unsubscribe(struct pb_buf *b, const struct pb_config *cfg)
{
	if (cfg)
		put_unsub(b, cfg, cfg->email.unsubscribe_url, 0, 0);
}

/* A recipient's List-Unsubscribe: its own link first, then the mailto address, then the
 * one-click and List-Id headers. */
static void
put_list(struct pb_buf *b, const struct pb_config *cfg, const struct pb_mail_list *l)
{
	struct pb_buf t = { 0 };
	size_t col = 9;

	if (cfg)
		put_unsub(b, cfg, l->unsub_url, 1, 1);
	if (l->list_id && *l->list_id) {
		/* pb_mail_list_id's form: printable ASCII, no space */
		for (const char *p = l->list_id; *p; p++)
			if (*p > 0x20 && *p < 0x7F)
				pb_buf_putc(&t, *p);
		pb_buf_puts(b, "List-Id:");
		put_token(b, &col, t.data, t.len, 1);
		pb_buf_puts(b, "\r\n");
	}
	pb_buf_free(&t);
}

void
pb_mail_list_id(struct pb_buf *out, const char *subscriber, const char *base_url)
{
	const char *h = base_url ? strstr(base_url, "://") : NULL;
	size_t start = out->len, n = 0, host_at;
	int dash = 0;

	pb_buf_putc(out, '<');
	for (const char *p = subscriber ? subscriber : ""; *p && n < 60; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			pb_buf_putc(out, (char)c);
			dash = 0;
			n++;
		} else if (!dash && n) {
			/* one '-' for a run of others, none leading */
			pb_buf_putc(out, '-');
			dash = 1;
			n++;
		}
	}
	if (dash)
		pb_buf_truncate(out, out->len - 1);
	if (out->len == start + 1)
		pb_buf_puts(out, "digest");
	pb_buf_putc(out, '.');
	host_at = out->len;
	if (h) {
		const char *p = h + 3, *end = p + strcspn(p, "/?#"), *at;

		/* past any user@, before any :port */
		for (at = p; at < end; at++)
			if (*at == '@')
				p = at + 1;
		for (; p < end && *p != ':'; p++) {
			char c = *p;

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    (c == '.' && out->len > host_at && out->data[out->len - 1] != '.'))
				pb_buf_putc(out, c);
		}
		while (out->len > host_at && out->data[out->len - 1] == '.')
			pb_buf_truncate(out, out->len - 1);
	}
	if (out->len == host_at || out->len - host_at > 253) {
		pb_buf_truncate(out, host_at);
		pb_buf_puts(out, "invalid");
	}
	pb_buf_putc(out, '>');
}

int
pb_mail_domain_ascii(struct pb_buf *out, const char *d, size_t len, char *err, size_t errlen)
{
	char *in, *a = NULL;
	int rc;

	if (!has_8bit(d, len)) {
		pb_buf_append(out, d, len);
		return 0;
	}
	/* UTS #46 non-transitional, as browsers and mail servers look names up: "ß" stays
	 * itself, capitals are mapped to small letters */
	in = pb_xstrndup(d, len);
	rc = idn2_to_ascii_8z(in, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	free(in);
	if (rc != IDN2_OK || !a) {
		if (err && errlen)
			snprintf(err, errlen, "%s", idn2_strerror(rc));
		return -1;
	}
	pb_buf_puts(out, a);
	idn2_free(a);
	return 0;
}

int
pb_mail_addr_ascii(struct pb_buf *out, const char *addr, size_t len, char *err, size_t errlen)
{
	const char *at = NULL;
	char why[200];

	for (size_t i = 0; i < len; i++)
		if (addr[i] == '@')
			at = addr + i;
	if (!at || has_8bit(addr, (size_t)(at - addr))) {
		snprintf(err, errlen, "its local part (before the @) is not ASCII, which only "
			 "SMTPUTF8 carries");
		return -1;
	}
	pb_buf_append(out, addr, (size_t)(at + 1 - addr));
	if (pb_mail_domain_ascii(out, at + 1, len - (size_t)(at + 1 - addr), why,
				 sizeof why) < 0) {
		snprintf(err, errlen, "IDNA cannot write its domain in ASCII (%s)", why);
		return -2;
	}
	return 0;
}

int
pb_mail_headers_ascii(struct pb_buf *out, const char *msg, size_t len, char *err,
		      size_t errlen)
{
	const char *end = msg + len, *p, *h;
	size_t start = out->len, hlen;
	char why[200];

	for (h = msg; h + 4 <= end && memcmp(h, "\r\n\r\n", 4) != 0; h++)
		;
	hlen = (size_t)(h - msg);
	pb_buf_reserve(out, len + 256);
	/* Only addresses carry 8-bit bytes there (From, To: every other text is encoded words
	 * or ASCII), and an address is never folded inside: its domain runs from the '@' to
	 * the '>' or the line's end. */
	for (p = msg; p < msg + hlen;) {
		const char *d = p + 1;
		size_t n;

		if (*p != '@') {
			pb_buf_putc(out, *p++);
			continue;
		}
		n = strcspn(d, ">\r\n \t,;");
		if (n > (size_t)(msg + hlen - d))
			n = (size_t)(msg + hlen - d);
		pb_buf_putc(out, '@');
		if (has_8bit(d, n) && pb_mail_domain_ascii(out, d, n, why, sizeof why) < 0) {
			snprintf(err, errlen, "IDNA cannot write the domain %.*s of its headers in "
				 "ASCII (%s)", (int)(n > 200 ? 200 : n), d, why);
			pb_buf_truncate(out, start);
			return -1;
		}
		if (!has_8bit(d, n))
			pb_buf_append(out, d, n);
		p = d + n;
	}
	if (has_8bit(out->data + start, out->len - start)) {
		snprintf(err, errlen, "its headers hold an address whose local part is not "
			 "ASCII, which only SMTPUTF8 carries");
		pb_buf_truncate(out, start);
		return -1;
	}
	pb_buf_append(out, h, (size_t)(end - h));
	return 0;
}

/* What put_qp does with a byte: QP_LIT written as it is, QP_WS (space, tab) written as it
 * is unless it ends a line, QP_ENC always "=XX", QP_EOL ends the line (CR, LF, NUL). */
enum { QP_LIT, QP_WS, QP_ENC, QP_EOL };
static const unsigned char qp_class[256] = {
	3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 3, 2, 2, 3, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Whether the 8 bytes at p all go out as they are: printable ASCII or space, no '=' (a word
 * with a tab or anything else goes byte by byte). The tests are exact for "any byte":
 * below 0x20, equal to '=' or 0x7F (a zero byte after the xor), 0x80 and above. */
static int
qp_plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t w, eq, del;

	memcpy(&w, p, 8);
	eq = w ^ (ones * '=');
	del = w ^ (ones * 0x7F);
	return !((w | ((w - ones * 0x20) & ~w) | ((eq - ones) & ~eq) | ((del - ones) & ~del)) &
		 highs);
}

/* Quoted-printable (RFC 2045) with CRLF hard breaks: any input line ending (CRLF, LF, CR)
 * becomes CRLF, lines are at most 76 characters, trailing white space is encoded, a '.'
 * opening a line is encoded (so no SMTP layer ever needs to stuff it), and so is the 'F' of a
 * line opening with "From " (=46rom: a mailbox stored as mbox would write it ">From ", and
 * the reader would see the '>'; RFC 2049 section 3). Runs of bytes that go out as they are
 * (most of a digest) are copied a run at a time; the rest a byte at a time. */
/* The end of the line at p: its first CR or LF, or end. */
static const unsigned char *
line_end(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *lf = memchr(p, '\n', (size_t)(end - p));
	const unsigned char *cr = memchr(p, '\r', (size_t)((lf ? lf : end) - p));

	return cr ? cr : lf ? lf : end;
}

/* Whether the byte at p, which would open an output line, is the 'F' of "From ". */
static int
opens_from(const unsigned char *p, const unsigned char *e)
{
	return *p == 'F' && e - p >= 5 && memcmp(p, "From ", 5) == 0;
}

void
pb_mail_qp(struct pb_buf *b, const char *s)
{
	if (s)
		pb_mail_qp_n(b, s, strlen(s));
}

void
pb_mail_qp_n(struct pb_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		const unsigned char *e = line_end(p, end);
		size_t col = 0, n;
		char *o;

		n = (size_t)(e - p);
		/* at most 3 bytes out per byte in, plus "=\r\n" per 73 bytes out, plus CRLF */
		pb_buf_reserve(b, n * 3 + (n * 3 / 73 + 1) * 3 + 2);
		o = b->data + b->len;
		while (p < e) {
			unsigned char c = *p;
			int lit;

			/* a run of bytes that stay as they are and are not the line's last: copied
			 * whole up to column 75 (the last column is kept for "=" or a last byte) */
			if (col < QP_LINE - 1 && !(col == 0 && (c == '.' || opens_from(p, e)))) {
				const unsigned char *q = p, *lim = p + (QP_LINE - 1 - col);

				if (lim > e - 1)
					lim = e - 1;
				while (q + 8 <= lim && qp_plain8(q))
					q += 8;
				while (q < lim && qp_class[*q] <= QP_WS)
					q++;
				if (q > p) {
					memcpy(o, p, (size_t)(q - p));
					o += q - p;
					col += (size_t)(q - p);
					p = q;
					continue;
				}
			}
			/* one token, as RFC 2045 rules 1-3 and 5 say */
			{
				int eol = p + 1 == e;
				size_t tl;

				lit = qp_class[c] == QP_LIT || (qp_class[c] == QP_WS && !eol);
				tl = lit ? 1 : 3;
				/* a line's last token may reach column 76 only when the line ends
				 * there */
				if (col + tl > (eol ? QP_LINE : QP_LINE - 1)) {
					memcpy(o, "=\r\n", 3);
					o += 3;
					col = 0;
				}
				if (col == 0 && lit && c == '.') {
					memcpy(o, "=2E", 3);
					o += 3;
					col = 3;
				} else if (col == 0 && opens_from(p, e)) {
					memcpy(o, "=46", 3);
					o += 3;
					col = 3;
				} else if (lit) {
					*o++ = (char)c;
					col++;
				} else {
					o[0] = '=';
					o[1] = hex[c >> 4];
					o[2] = hex[c & 15];
					o += 3;
					col += 3;
				}
				p++;
			}
		}
		/* the line ends: CRLF for an input CRLF, LF or CR, or after the last line */
		if (p < end && (*p == '\r' || *p == '\n')) {
			if (p[0] == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			p++;
			memcpy(o, "\r\n", 2);
			o += 2;
		} else if (col > 0) {
			memcpy(o, "\r\n", 2);
			o += 2;
		}
		b->len = (size_t)(o - b->data);
		b->data[b->len] = '\0';
	}
}

size_t
pb_mail_qp_len(const char *s, size_t len)
{
	struct pb_buf t = { 0 };
	size_t n = 0, at = 0;

	/* Lines are encoded alone, so whole lines at a time count as the whole at once, in a
	 * buffer that stays small. */
	while (at < len) {
		size_t cut = len - at;

		if (cut > QP_LEN_STEP) {
			const char *p = s + at + QP_LEN_STEP, *nl;

			/* up to the step's last line end, else to the first one after it */
			while (p > s + at && p[-1] != '\n')
				p--;
			if (p == s + at) {
				nl = memchr(s + at + QP_LEN_STEP, '\n', len - at - QP_LEN_STEP);
				p = nl ? nl + 1 : s + len;
			}
			cut = (size_t)(p - (s + at));
		}
		pb_buf_reset(&t);
		pb_mail_qp_n(&t, s + at, cut);
		n += t.len;
		at += cut;
	}
	pb_buf_free(&t);
	return n;
}

/* Soft breaks in a line that would be w bytes without them: none when it fits in 76. Else each
 * comes at column 73 or later (a token that would cross 75 moves on) and a token follows the
 * last: at most (w - 1) / 73 of them. Each is "=\r\n", and may make the byte after it a
 * line's first, a '.' or the F of "From " then written =XX: two bytes more, but only after a
 * break at column 75 (a one-byte token moved on), which the 73 leaves room for. */
#define QP_BREAKS(w) ((w) > QP_LINE ? ((w) - 1) / (QP_LINE - 3) : 0)

/* The count of pb_mail_qp_bound, or with piece set of pb_mail_qp_piece_bound: made so that
 * the bounds of the pieces of a text add up to at least the text's, a piece starting or
 * ending inside a line. Then its first byte and the first of each line may open an output
 * line ('.' or the F of "From ", whose rest may be in the next piece), its last may end one
 * (a space or tab, counted as for any line), and a line's soft breaks are counted per piece
 * of it, ceil(w / 73) of them, which add up to at least the whole line's (w - 1) / 73. */
static size_t
qp_bound(const char *s, size_t len, int piece)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n = 0;

	while (p < end) {
		const unsigned char *e = line_end(p, end), *q = p;
		size_t w = (size_t)(e - p);

		/* every byte once, and twice more those written =XX wherever they are */
		while (q < e) {
			if (e - q >= 8 && qp_plain8(q))
				q += 8;
			else
				w += qp_class[*q++] >= QP_ENC ? 2 : 0;
		}
		/* a space or tab ending the line, a '.' or the F of "From " opening it */
		if (e > p && qp_class[e[-1]] == QP_WS)
			w += 2;
		if (e > p && (*p == '.' || (piece ? *p == 'F' : opens_from(p, e))))
			w += 2;
		n += w + (piece ? (w + QP_LINE - 4) / (QP_LINE - 3) : QP_BREAKS(w)) * 5;
		/* its end as the encoder writes it: one CRLF for CRLF, LF or CR, or after the last
		 * line */
		p = e;
		if (p < end) {
			if (p[0] == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			p++;
			n += 2;
		} else if (w > 0) {
			n += 2;
		}
	}
	return n;
}

size_t
pb_mail_qp_bound(const char *s, size_t len)
{
	return qp_bound(s, len, 0);
}

size_t
pb_mail_qp_piece_bound(const char *s, size_t len)
{
	return qp_bound(s, len, 1);
}

size_t
pb_mail_qp_most(size_t len)
{
	/* every byte three at most (a line end's one or two bytes become two), each line's soft
	 * breaks five bytes per 73 of it (QP_BREAKS), and a CRLF after the last line */
	return 3 * len + 15 * len / (QP_LINE - 3) + 2;
}

/* The memo of a block (render.h) for email: the block's whole lines quoted-printable, and
 * that cut in pieces for the state. Its whole lines run from its start when it opens a line
 * where it is first met (then it is taken only where it opens a line), else from after its
 * first line end, to its last line end. Lines are encoded alone (pb_mail_qp), so these
 * bytes are the ones the whole body's encoding has there, whatever comes before and after.
 * 0, or -1 when the block holds no whole line here. */
static int
block_qp(struct pb_block_memo *m, const char *p, size_t len, int line_start)
{
	const char *first, *last;

	if (m->qp_done)
		return m->qp_to > m->qp_from && (m->qp_from > 0 || line_start) ? 0 : -1;
	m->qp_done = 1;
	if (!len || !(first = memchr(p, '\n', len)))
		return -1;
	for (last = p + len - 1; *last != '\n'; last--)
		;
	m->qp_from = line_start ? 0 : (size_t)(first + 1 - p);
	m->qp_to = (size_t)(last + 1 - p);
	if (m->qp_to <= m->qp_from)
		return -1;
	pb_mail_qp_n(&m->qp, p + m->qp_from, m->qp_to - m->qp_from);
	m->qpp = pb_body_pieces(m->qp.data, m->qp.len, &m->n_qpp);
	return 0;
}

/* A part: its headers, then body quoted-printable. With blocks (where the run's cached
 * blocks are in body), each block's whole lines are the memo's encoding, copied, and noted
 * in hints as pieces whose hashes are known; only the bytes between are encoded here. */
static void
put_part(struct pb_buf *b, const char *type, const char *body, size_t len,
	 const struct pb_blocks *bl, struct pb_body_hints *hints)
{
	size_t pos = 0;

	pb_buf_printf(b, "Content-Type: %s; charset=UTF-8\r\n"
			 "Content-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	for (size_t k = 0; bl && hints && k < bl->n; k++) {
		const struct pb_block *x = &bl->v[k];
		struct pb_block_memo *m = x->memo;
		size_t from, base;

		/* a block is taken only where the document holds its bytes */
		if (x->off < pos || x->off > len || len - x->off < x->len ||
		    memcmp(body + x->off, x->bytes, x->len) != 0 ||
		    block_qp(m, x->bytes, x->len, x->off == 0 || body[x->off - 1] == '\n') < 0)
			continue;
		from = x->off + m->qp_from;
		pb_mail_qp_n(b, body + pos, from - pos);
		base = b->len;
		for (size_t i = 0; i < m->n_qpp; i++)
			pb_body_hints_push(hints, base + i * PB_BODY_PIECE_MAX, &m->qpp[i]);
		pb_buf_append(b, m->qp.data, m->qp.len);
		pos = x->off + m->qp_to;
	}
	pb_mail_qp_n(b, body ? body + pos : "", len - pos);
}

char *
pb_mail_build(const struct pb_config *cfg, const char *to, const char *subject,
	      const char *text, const char *html, const char *msg_id, time_t date,
	      size_t *len)
{
	return pb_mail_build_list(cfg, to, subject, text, html, msg_id, date, NULL, len);
}

char *
pb_mail_build_list(const struct pb_config *cfg, const char *to, const char *subject,
		   const char *text, const char *html, const char *msg_id, time_t date,
		   const struct pb_mail_list *l, size_t *len)
{
	return pb_mail_build_blocks(cfg, to, subject, text, html, msg_id, date, l, NULL, NULL,
				    NULL, len);
}

char *
pb_mail_build_blocks(const struct pb_config *cfg, const char *to, const char *subject,
		     const char *text, const char *html, const char *msg_id, time_t date,
		     const struct pb_mail_list *l, const struct pb_blocks *text_blocks,
		     const struct pb_blocks *html_blocks, struct pb_body_hints *hints,
		     size_t *len)
{
	struct pb_buf b = { 0 }, tmp = { 0 };
	const char *from = cfg ? cfg->email.from : NULL;
	char boundary[64];
	size_t n_text = text ? strlen(text) : 0, n_html = html ? strlen(html) : 0;

	/* The message in one allocation of about its size (quoted-printable adds a few percent
	 * to a digest: 71,114 bytes from 67,604 of text and HTML), not a buffer doubled from 64
	 * bytes that copies the message over at each step. */
	pb_buf_reserve(&b, 4096 + n_text + n_text / 4 + n_html + n_html / 4);
	put_from(&b, from, "paperboy@localhost");
	clean_addr(&tmp, to);
	{
		size_t col = 4;

		pb_buf_puts(&b, "To: ");
		put_token(&b, &col, tmp.data ? tmp.data : "", tmp.len, 0);
		pb_buf_puts(&b, "\r\n");
	}
	pb_buf_reset(&tmp);
	pb_esc_header(&b, "Subject", subject);
	put_date(&b, date);
	msgid_left(&tmp, msg_id);
	pb_buf_printf(&b, "Message-ID: <%s@", pb_buf_str(&tmp));
	pb_buf_reset(&tmp);
	from_domain(&tmp, from);
	pb_buf_printf(&b, "%s>\r\n", pb_buf_str(&tmp));
	pb_buf_free(&tmp);
	pb_buf_puts(&b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	if (l && l->unsub_url)
		put_list(&b, cfg, l);
	else
		put_unsubscribe(&b, cfg);

	if (!html) {
		put_part(&b, "text/plain", text, n_text, text_blocks, hints);
	} else {
		/* "=_" never occurs in quoted-printable output, so the boundary cannot collide
		 * with the body; the hash only makes it look distinct per message. */
		snprintf(boundary, sizeof boundary, "=_pb_%016llx",
			 (unsigned long long)pb_fnv1a64_str(msg_id));
		pb_buf_printf(&b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
				  "This is a MIME message; your reader shows either part.\r\n",
			      boundary);
		pb_buf_printf(&b, "\r\n--%s\r\n", boundary);
		put_part(&b, "text/plain", text, n_text, text_blocks, hints);
		pb_buf_printf(&b, "\r\n--%s\r\n", boundary);
		put_part(&b, "text/html", html, n_html, html_blocks, hints);
		pb_buf_printf(&b, "\r\n--%s--\r\n", boundary);
	}
	if (len)
		*len = b.len;
	return pb_buf_detach(&b);
}
