/* feedback_put: records readers' verdicts in a state database, as the web's and the chats'
 * feedback buttons do (pb_feedback_put, source "cli"), for the ranking's integration test.
 *
 * usage: feedback_put DB SUBSCRIBER PAPER_ID +|- [SUBSCRIBER PAPER_ID +|- ...]
 * Exit: 0, 1 when the state refused, 2 on bad usage. */
#include <stdio.h>
#include <string.h>

#include "paperboy/state.h"

int
main(int argc, char **argv)
{
	struct pb_state *st;
	char err[512];
	int rc = 0;

	if (argc < 5 || (argc - 2) % 3 != 0) {
		fprintf(stderr, "usage: feedback_put DB SUBSCRIBER PAPER_ID +|- ...\n");
		return 2;
	}
	for (int i = 2; i < argc; i += 3)
		if (strcmp(argv[i + 2], "+") != 0 && strcmp(argv[i + 2], "-") != 0) {
			fprintf(stderr, "feedback_put: verdict %s: want + or -\n", argv[i + 2]);
			return 2;
		}
	if (!(st = pb_state_open(argv[1], err, sizeof err))) {
		fprintf(stderr, "feedback_put: %s\n", err);
		return 1;
	}
	for (int i = 2; i < argc; i += 3)
		if (pb_feedback_put(st, argv[i], argv[i + 1], argv[i + 2][0] == '+' ? 1 : -1,
				    "cli") < 0) {
			fprintf(stderr, "feedback_put: cannot record %s %s\n", argv[i], argv[i + 1]);
			rc = 1;
		}
	pb_state_close(st);
	return rc;
}
