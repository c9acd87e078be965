/* Signed tokens and the key that signs them: HMAC-SHA256 from OpenSSL's libcrypto, compared
 * with CRYPTO_memcmp. The payload travels in the clear (base64url): it names a subscriber and
 * what the link may do, nothing secret. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "paperboy/web.h"

#define TAG "paperboy-token-v1\n"
#define MAC_LEN 32
#define PAYLOAD_MAX (24 + 2 * PB_TOKEN_FIELD_MAX + 32)

int
pb_secret_load(const char *path, struct pb_secret *out, char *err, size_t errlen)
{
	unsigned char buf[PB_SECRET_LEN];
	struct stat sb;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		if (RAND_bytes(buf, sizeof buf) != 1) {
			snprintf(err, errlen, "%s: the system's random source failed", path);
			return -1;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			ssize_t w = write(fd, buf, sizeof buf);
			int bad = w != (ssize_t)sizeof buf || fsync(fd) < 0;

			close(fd);
			OPENSSL_cleanse(buf, sizeof buf);
			if (bad) {
				snprintf(err, errlen, "%s: cannot write the new key: %s", path,
					 strerror(errno ? errno : EIO));
				unlink(path);
				return -1;
			}
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create the key: %s", path, strerror(errno));
			return -1;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errlen, "%s: readable by others (mode %03o): chmod 600 it", path,
			 (unsigned)(sb.st_mode & 0777));
		close(fd);
		return -1;
	}
	got = read(fd, out->key, sizeof out->key);
	close(fd);
	if (got != (ssize_t)sizeof out->key) {
		snprintf(err, errlen, "%s: shorter than %d bytes: remove it and a new key is made",
			 path, PB_SECRET_LEN);
		OPENSSL_cleanse(out->key, sizeof out->key);
		return -1;
	}
	return 0;
}

static size_t
b64url_encode(const unsigned char *p, size_t n, char *out)
{
	/* EVP_EncodeBlock writes standard base64 with padding; the URL alphabet swaps two
	 * characters and drops the padding. */
	int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);

	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return (size_t)len;
}

/* Decodes n characters of base64url into out (room for n * 3 / 4 + 3); -1 when not base64url. */
static int
b64url_decode(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
	char tmp[PB_TOKEN_MAX + 4];
	size_t pad = (4 - n % 4) % 4;
	int len;

	if (n == 0 || n % 4 == 1 || n + pad >= sizeof tmp)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')))
			return -1;
		tmp[i] = c;
	}
	for (size_t i = 0; i < pad; i++)
		tmp[n + i] = '=';
	len = EVP_DecodeBlock(out, (unsigned char *)tmp, (int)(n + pad));
	if (len < 0)
		return -1;
	*outlen = (size_t)len - pad;   /* EVP_DecodeBlock counts the padding's zero bytes */
	/* Only the one canonical spelling: the last character's unused bits must be zero, or
	 * four texts would carry the same bytes and an altered token would still check. */
	{
		char back[PB_TOKEN_MAX + 4];

		if (b64url_encode(out, *outlen, back) != n || memcmp(back, s, n) != 0)
			return -1;
	}
	return 0;
}

static void
mac(const struct pb_secret *k, const unsigned char *payload, size_t n, unsigned char out[MAC_LEN])
{
	unsigned char msg[sizeof TAG - 1 + PAYLOAD_MAX];
	unsigned int len = MAC_LEN;

	memcpy(msg, TAG, sizeof TAG - 1);
	memcpy(msg + sizeof TAG - 1, payload, n);
	HMAC(EVP_sha256(), k->key, PB_SECRET_LEN, msg, sizeof TAG - 1 + n, out, &len);
}

static int
purpose_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 23)
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

int
pb_token_make(const struct pb_secret *k, const char *purpose, const char *subject,
	      const char *detail, int64_t expires, char *out, size_t n)
{
	char payload[PAYLOAD_MAX + 1];
	unsigned char m[MAC_LEN];
	size_t len, at;
	int w;

	if (!detail)
		detail = "";
	if (n < PB_TOKEN_MAX || !purpose_ok(purpose) || !subject ||
	    strlen(subject) > PB_TOKEN_FIELD_MAX || strlen(detail) > PB_TOKEN_FIELD_MAX ||
	    strchr(subject, '\n') || strchr(detail, '\n') || expires < 0)
		return -1;
	w = snprintf(payload, sizeof payload, "%s\n%s\n%s\n%" PRId64, purpose, subject, detail,
		     expires);
	if (w < 0 || (size_t)w >= sizeof payload)
		return -1;
	len = (size_t)w;
	mac(k, (unsigned char *)payload, len, m);
	at = b64url_encode((unsigned char *)payload, len, out);
	out[at++] = '.';
	b64url_encode(m, sizeof m, out + at);
	return 0;
}

/* Splits payload (NUL-terminated) into its four fields. */
static int
split_payload(char *p, struct pb_token *t)
{
	char *f[4];
	char *end;
	long long e;

	for (int i = 0; i < 3; i++) {
		char *nl = strchr(p, '\n');

		if (!nl)
			return -1;
		*nl = '\0';
		f[i] = p;
		p = nl + 1;
	}
	f[3] = p;
	if (!purpose_ok(f[0]) || strlen(f[1]) > PB_TOKEN_FIELD_MAX ||
	    strlen(f[2]) > PB_TOKEN_FIELD_MAX || !*f[3])
		return -1;
	errno = 0;
	e = strtoll(f[3], &end, 10);
	if (*end || errno || e < 0 || f[3][0] == '+' || f[3][0] == '-' || f[3][0] == ' ')
		return -1;
	snprintf(t->purpose, sizeof t->purpose, "%s", f[0]);
	snprintf(t->subject, sizeof t->subject, "%s", f[1]);
	snprintf(t->detail, sizeof t->detail, "%s", f[2]);
	t->expires = (int64_t)e;
	return 0;
}

enum pb_token_status
pb_token_check(const struct pb_secret *k, const char *text, const char *purpose, int64_t now,
	       struct pb_token *out)
{
	unsigned char payload[PB_TOKEN_MAX], got[PB_TOKEN_MAX], want[MAC_LEN];
	size_t tlen, plen, mlen;
	const char *dot;

	memset(out, 0, sizeof *out);
	if (!text || (tlen = strnlen(text, PB_TOKEN_MAX)) >= PB_TOKEN_MAX)
		return PB_TOKEN_MALFORMED;
	dot = memchr(text, '.', tlen);
	if (!dot || memchr(dot + 1, '.', tlen - (size_t)(dot + 1 - text)))
		return PB_TOKEN_MALFORMED;
	if (b64url_decode(text, (size_t)(dot - text), payload, &plen) < 0 || plen > PAYLOAD_MAX ||
	    b64url_decode(dot + 1, tlen - (size_t)(dot + 1 - text), got, &mlen) < 0)
		return PB_TOKEN_MALFORMED;
	if (mlen != MAC_LEN)
		return PB_TOKEN_MALFORMED;
	mac(k, payload, plen, want);
	if (CRYPTO_memcmp(want, got, MAC_LEN) != 0)
		return PB_TOKEN_FORGED;
	if (memchr(payload, '\0', plen))
		return PB_TOKEN_MALFORMED;
	payload[plen] = '\0';
	if (split_payload((char *)payload, out) < 0) {
		memset(out, 0, sizeof *out);
		return PB_TOKEN_MALFORMED;
	}
	if (!purpose || strcmp(out->purpose, purpose) != 0)
		return PB_TOKEN_PURPOSE;
	if (out->expires < now)
		return PB_TOKEN_EXPIRED;
	return PB_TOKEN_OK;
}

const char *
pb_token_status_name(enum pb_token_status s)
{
	switch (s) {
	case PB_TOKEN_OK: return "ok";
	case PB_TOKEN_MALFORMED: return "malformed";
	case PB_TOKEN_FORGED: return "forged";
	case PB_TOKEN_PURPOSE: return "for another purpose";
	case PB_TOKEN_EXPIRED: return "expired";
	}
	return "unknown";
}

void
pb_token_digest(const char *text, char out[33])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(text, strlen(text), d, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const struct {
	const char *purpose, *path;
	int days;
} links[] = {
	[PB_LINK_UNSUB] = { "unsub", "/u/", PB_LINK_UNSUB_DAYS },
	[PB_LINK_MANAGE] = { "manage", "/m/", PB_LINK_MANAGE_DAYS },
	[PB_LINK_FEEDBACK] = { "feedback", "/f/", PB_LINK_FEEDBACK_DAYS },
	[PB_LINK_CONFIRM] = { "confirm", "/c/", PB_LINK_CONFIRM_DAYS },
};

const char *
pb_link_purpose(enum pb_link kind)
{
	return links[kind].purpose;
}

int64_t
pb_link_issued(enum pb_link kind, const struct pb_token *t)
{
	return t->expires - (int64_t)links[kind].days * 86400;
}

int
pb_link_make(struct pb_buf *out, const char *base_url, const struct pb_secret *k,
	     enum pb_link kind, const char *subject, const char *detail, int64_t now)
{
	char tok[PB_TOKEN_MAX];

	if (pb_token_make(k, links[kind].purpose, subject, detail,
			  now + (int64_t)links[kind].days * 86400, tok, sizeof tok) < 0)
		return -1;
	pb_buf_puts(out, base_url);
	pb_buf_puts(out, links[kind].path);
	pb_buf_puts(out, tok);
	return 0;
}
