/* Token text from arbitrary bytes, checked with a fixed key (pb_token_check): never crashes,
 * always a known status; a token not genuine leaves the fields empty and is never OK (the
 * fuzzer cannot forge the MAC); a genuine one (from the seeds) has bounded, newline-free
 * fields. Then the bytes as the fields of a new token: made, it checks back to the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/web.h"

static const char *const purposes[] = { "unsub", "manage", "feedback", "confirm", "csrf" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_secret k;
	struct pb_token t;
	char *text = malloc(size + 1), tok[PB_TOKEN_MAX], subject[PB_TOKEN_FIELD_MAX + 1];
	const char *purpose = purposes[size % 5];
	enum pb_token_status s;

	memset(&k, 0x42, sizeof k);
	memcpy(text, data, size);
	text[size] = '\0';
	s = pb_token_check(&k, text, purpose, 1700000000, &t);
	if (s > PB_TOKEN_EXPIRED || !pb_token_status_name(s))
		abort();
	if (s == PB_TOKEN_MALFORMED || s == PB_TOKEN_FORGED) {
		if (t.subject[0] || t.detail[0] || t.purpose[0] || t.expires)
			abort();
	} else {
		if (strlen(t.subject) > PB_TOKEN_FIELD_MAX || strlen(t.detail) > PB_TOKEN_FIELD_MAX ||
		    strchr(t.subject, '\n') || strchr(t.detail, '\n'))
			abort();
	}
	/* round trip: the bytes up to the first NUL or newline as the subject */
	{
		size_t n = strcspn(text, "\n");

		if (n > PB_TOKEN_FIELD_MAX)
			n = PB_TOKEN_FIELD_MAX;
		memcpy(subject, text, n);
		subject[n] = '\0';
		if (pb_token_make(&k, purpose, subject, subject, 1800000000, tok, sizeof tok) == 0) {
			if (pb_token_check(&k, tok, purpose, 1700000000, &t) != PB_TOKEN_OK ||
			    strcmp(t.subject, subject) != 0 || strcmp(t.detail, subject) != 0)
				abort();
			if (pb_token_check(&k, tok, purpose, 1900000000, &t) != PB_TOKEN_EXPIRED)
				abort();
		}
	}
	free(text);
	return 0;
}
