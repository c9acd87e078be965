/* The client a web limit counts, on arbitrary bytes: the first line is web.trusted_proxies'
 * entries (separated by spaces, each through pb_cidr_parse, as the configuration reads
 * them), the second the peer's address, the rest the X-Forwarded-For header a proxy (or a
 * client) sent. No crash, no read past the input; the answer is a NUL-terminated string
 * within its buffer, never empty when the peer is not, and the same whatever the header when
 * the peer is no trusted proxy (a header from anyone else is never believed). A parsed
 * network holds no bit past its prefix and is within its own network. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "paperboy/buf.h"
#include "paperboy/web.h"
#include "../src/web/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TRUSTED 8

static void
check_cidr(const struct pb_cidr *c)
{
	int width = c->family == AF_INET ? 32 : 128;

	if ((c->family != AF_INET && c->family != AF_INET6) || c->bits < 0 || c->bits > width)
		abort();
	for (int i = c->bits; i < width; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			abort();
	if (!pb_cidr_has(c, c))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = pb_xstrndup((const char *)data, size), *line2, *xff, *p, *save = NULL;
	struct pb_cidr trusted[MAX_TRUSTED];
	size_t n_trusted = 0;
	char out[128];

	if (!(line2 = strchr(text, '\n'))) {
		free(text);
		return 0;
	}
	*line2++ = '\0';
	xff = strchr(line2, '\n');
	if (xff)
		*xff++ = '\0';
	for (p = strtok_r(text, " ", &save); p && n_trusted < MAX_TRUSTED;
	     p = strtok_r(NULL, " ", &save))
		if (pb_cidr_parse(p, &trusted[n_trusted]) == 0)
			check_cidr(&trusted[n_trusted++]);
	for (int with_list = 0; with_list < 2; with_list++) {
		char bare[sizeof out];

		memset(out, 'x', sizeof out);
		pb_web_client(with_list ? trusted : NULL, with_list ? n_trusted : 0, line2, xff,
			      out, sizeof out);
		if (!memchr(out, '\0', sizeof out))
			abort();
		if (*line2 && !*out)
			abort();
		/* the header changes the answer only for a trusted peer */
		pb_web_client(with_list ? trusted : NULL, with_list ? n_trusted : 0, line2, NULL,
			      bare, sizeof bare);
		if (strcmp(out, bare) != 0) {
			struct pb_cidr a;
			int trusted_peer = 1;    /* a peer written otherwise: not judged here */

			if (pb_cidr_parse(line2, &a) == 0 && a.bits == (a.family == AF_INET ? 32 : 128)) {
				trusted_peer = 0;
				if (!with_list || n_trusted == 0)
					trusted_peer = (a.family == AF_INET && a.addr[0] == 127) ||
						(a.family == AF_INET6 && a.addr[15] == 1 &&
						 !memcmp(a.addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15));
				for (size_t i = 0; with_list && i < n_trusted; i++)
					trusted_peer |= pb_cidr_has(&trusted[i], &a);
			}
			if (!trusted_peer)
				abort();
		}
	}
	free(text);
	return 0;
}
