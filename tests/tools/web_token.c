/* web_token KEYFILE BASE_URL KIND SUBJECT DETAIL [NOW]: prints the reader's link that
 * pb_link_make builds (KIND unsub|manage|feedback|confirm), signed with the key in KEYFILE,
 * valid from NOW (unix seconds; default the clock's now). With KIND csrf it prints a CSRF
 * field's value for SUBJECT ("<form>:<subject>"), and with a KIND ending in "@" (e.g.
 * "unsub@") a bare token of that purpose expiring at NOW, for the tests of expired and
 * cross-purpose links. With SUBJECT "-" (and a DETAIL, ignored) it reads "SUBJECT DETAIL"
 * lines from stdin and prints a link for each. Exit 0, 2 on a bad argument or key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/web.h"

int
main(int argc, char **argv)
{
	static const char *const kinds[] = { "unsub", "manage", "feedback", "confirm" };
	struct pb_secret k;
	struct pb_buf out = { 0 };
	char err[512], tok[PB_TOKEN_MAX];
	int64_t now;
	size_t l;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: web_token KEYFILE BASE_URL KIND SUBJECT DETAIL [NOW]\n");
		return 2;
	}
	now = argc == 7 ? strtoll(argv[6], NULL, 10) : pb_now();
	if (pb_secret_load(argv[1], &k, err, sizeof err) < 0) {
		fprintf(stderr, "web_token: %s\n", err);
		return 2;
	}
	l = strlen(argv[3]);
	if (l > 1 && argv[3][l - 1] == '@') {
		char purpose[24];

		snprintf(purpose, sizeof purpose, "%.*s", (int)(l - 1), argv[3]);
		if (pb_token_make(&k, purpose, argv[4], argv[5], now, tok, sizeof tok) < 0)
			return 2;
		printf("%s\n", tok);
		return 0;
	}
	if (strcmp(argv[3], "csrf") == 0) {
		if (pb_token_make(&k, "csrf", argv[4], NULL, now + 7200, tok, sizeof tok) < 0)
			return 2;
		printf("%s\n", tok);
		return 0;
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(argv[3], kinds[i]) != 0)
			continue;
		/* SUBJECT "-": "SUBJECT DETAIL" lines from stdin, a link each (the benchmark's) */
		if (strcmp(argv[4], "-") == 0) {
			char line[512];

			while (fgets(line, sizeof line, stdin)) {
				char *sp;

				line[strcspn(line, "\r\n")] = '\0';
				if (!(sp = strchr(line, ' ')))
					continue;
				*sp = '\0';
				pb_buf_reset(&out);
				if (pb_link_make(&out, argv[2], &k, (enum pb_link)i, line, sp + 1,
						 now) < 0)
					return 2;
				printf("%s\n", out.data);
			}
			pb_buf_free(&out);
			return fflush(stdout) == 0 ? 0 : 2;
		}
		if (pb_link_make(&out, argv[2], &k, (enum pb_link)i, argv[4], argv[5], now) < 0) {
			fprintf(stderr, "web_token: the subject or detail cannot be carried\n");
			return 2;
		}
		printf("%s\n", out.data);
		pb_buf_free(&out);
		return 0;
	}
	fprintf(stderr, "web_token: unknown kind %s\n", argv[3]);
	return 2;
}
