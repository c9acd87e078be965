/* link_check SECRET_FILE PURPOSE URL-OR-TOKEN: checks a reader's link as the endpoint would
 * (pb_token_check with the key file, for the purpose, now) and prints "ok SUBJECT\tDETAIL",
 * or the refusal ("forged", "expired", ...). Exit 0 when the token checks, 1 when refused,
 * 2 on a usage or key error. The token is what follows the URL's last '/'. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "paperboy/web.h"

int
main(int argc, char **argv)
{
	struct pb_secret k;
	struct pb_token t;
	enum pb_token_status s;
	const char *tok;
	char err[512];

	if (argc != 4) {
		fprintf(stderr, "usage: link_check SECRET_FILE PURPOSE URL-OR-TOKEN\n");
		return 2;
	}
	if (pb_secret_load(argv[1], &k, err, sizeof err) < 0) {
		fprintf(stderr, "link_check: %s\n", err);
		return 2;
	}
	tok = strrchr(argv[3], '/');
	tok = tok ? tok + 1 : argv[3];
	s = pb_token_check(&k, tok, argv[2], (int64_t)time(NULL), &t);
	if (s != PB_TOKEN_OK) {
		printf("%s\n", pb_token_status_name(s));
		return 1;
	}
	printf("ok %s\t%s\n", t.subject, t.detail);
	return 0;
}
