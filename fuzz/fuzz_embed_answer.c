/* An /embeddings answer from arbitrary bytes: never crashes; either every one of the n
 * vectors is there, of one length within bounds, finite and of unit length, or none is and
 * the reason is one printable line. The first byte chooses n (1..16); the rest is the body.
 * The same body as an error answer (a status of 400 to 415 from the first byte) is a
 * refusal of a known kind, with a batch size only for a batch too large. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/rank.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	float *vecs[16];
	size_t n, dim = 12345, max = 12345;
	char why[256];
	enum pb_embed_refusal r;
	int rc;

	if (size < 1)
		return 0;
	n = (size_t)(data[0] % 16) + 1;
	r = pb_embed_refusal(400 + data[0] % 16, (const char *)data + 1, size - 1, &max);
	if (r != PB_EMBED_NOT_REFUSED && r != PB_EMBED_BATCH_TOO_LARGE &&
	    r != PB_EMBED_INPUT_TOO_LONG)
		abort();
	if (max >= 100000 || (max && r != PB_EMBED_BATCH_TOO_LARGE))
		abort();
	memset(why, 'x', sizeof why);
	rc = pb_embed_parse((const char *)data + 1, size - 1, n, vecs, &dim, why, sizeof why);
	if (rc == 0) {
		if (dim < 1 || dim > 16384 || why[0] != '\0')
			abort();
		for (size_t i = 0; i < n; i++) {
			double s = 0;

			if (!vecs[i])
				abort();
			for (size_t k = 0; k < dim; k++) {
				if (!isfinite(vecs[i][k]))
					abort();
				s += (double)vecs[i][k] * vecs[i][k];
			}
			if (fabs(s - 1) > 1e-3)
				abort();
			free(vecs[i]);
		}
	} else {
		if (rc != -1 || dim != 0 || !why[0] || !memchr(why, 0, sizeof why))
			abort();
		for (size_t i = 0; i < n; i++)
			if (vecs[i])
				abort();
		for (const char *p = why; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7F)
				abort();
	}
	return 0;
}
