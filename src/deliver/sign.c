/* Signatures of signed webhooks: HMAC-SHA256 in base64 (libcrypto), and URL encoding for
 * putting one in a query string. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"

int
pb_sign_hmac_sha256_b64(const void *key, size_t klen, const void *msg, size_t mlen,
			struct pb_buf *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int ml = 0;
	int n;

	if (klen > 0x7fffffff ||
	    !HMAC(EVP_sha256(), key, (int)klen, msg, mlen, mac, &ml))
		return -1;
	n = EVP_EncodeBlock(b64, mac, (int)ml);
	if (n <= 0)
		return -1;
	pb_buf_append(out, b64, (size_t)n);
	return 0;
}

void
pb_sign_urlencode(struct pb_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			pb_buf_putc(out, (char)c);
		} else {
			pb_buf_putc(out, '%');
			pb_buf_putc(out, hex[c >> 4]);
			pb_buf_putc(out, hex[c & 15]);
		}
	}
}
