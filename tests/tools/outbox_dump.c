/* outbox_dump: writes the payloads of outbox messages, exactly as pb_outbox_get returns them,
 * for the tests that compare what a peer received with what was enqueued.
 *
 *   outbox_dump DB DIR < MSG_IDS
 *
 * Reads one msg_id a line; writes DIR/NNNNNN.out (the payload) and prints "NNNNNN msg_id" a
 * line. Exit 0; 1 when a message is missing or cannot be read (the error names it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/state.h"

int
main(int argc, char **argv)
{
	struct pb_state *st;
	char err[512], line[1024], path[4096];
	int n = 0, rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: outbox_dump DB DIR < MSG_IDS\n");
		return 64;
	}
	st = pb_state_open_mode(argv[1], PB_STATE_READ, err, sizeof err);
	if (!st) {
		fprintf(stderr, "outbox_dump: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof line, stdin)) {
		struct pb_outbox_msg m;
		FILE *f;
		int got;

		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		got = pb_outbox_get(st, line, &m);
		if (got != 1) {
			fprintf(stderr, "outbox_dump: %s: %s\n", line,
				got == 0 ? "no such message" : pb_state_errmsg(st));
			rc = 1;
			continue;
		}
		snprintf(path, sizeof path, "%s/%06d.out", argv[2], ++n);
		f = fopen(path, "wb");
		if (!f || fwrite(m.payload, 1, m.payload_len, f) != m.payload_len || fclose(f) != 0) {
			perror(path);
			rc = 1;
		}
		printf("%06d %s\n", n, line);
		pb_outbox_msg_clear(&m);
	}
	pb_state_close(st);
	return rc;
}
