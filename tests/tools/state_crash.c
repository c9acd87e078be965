/* state_crash DB N_SUBSCRIBERS SENT_LOG: a stand-in for one cycle that exercises the state the
 * way paperboy does, to be killed with SIGKILL at random points and started again:
 *  - per subscriber, in one transaction: two outbox parts and the ledger rows (as run.c does);
 *  - then delivery: take due messages, "send" each by appending its msg_id to SENT_LOG (the
 *    server accepting it), then mark it sent, with 1 ms of "network" before and after.
 * A kill between the append and the mark repeats that one message on restart; nothing else
 * may repeat and nothing may be lost. Exits 0 when everything is sent. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"

static int
enqueue(struct pb_state *st, int sub)
{
	char name[32], id[128], paper[32];

	snprintf(name, sizeof name, "s%05d", sub);
	if (pb_state_begin(st) < 0)
		return -1;
	for (int part = 1; part <= 2; part++) {
		struct pb_outbox_msg m;

		memset(&m, 0, sizeof m);
		snprintf(id, sizeof id, "2025-12-04/%s/email/%s@example.org/%d", name, name, part);
		m.msg_id = id;
		m.subscriber = name;
		m.channel = "email";
		m.dest = "x@example.org";
		m.digest_date = "2025-12-04";
		m.part = part;
		m.n_parts = 2;
		m.payload = "Subject: digest\r\n\r\nbody\r\n";
		if (pb_outbox_put(st, &m) < 0)
			goto fail;
	}
	snprintf(paper, sizeof paper, "2512.%05d", sub);
	if (pb_ledger_add(st, name, paper, 1, "2025-12-04") < 0)
		goto fail;
	return pb_state_commit(st);
fail:
	pb_state_rollback(st);
	return -1;
}

int
main(int argc, char **argv)
{
	struct pb_state *st;
	char err[512];
	int n, fd, rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: state_crash DB N_SUBSCRIBERS SENT_LOG\n");
		return 64;
	}
	n = atoi(argv[2]);
	st = pb_state_open(argv[1], err, sizeof err);
	if (!st) {
		fprintf(stderr, "state_crash: %s\n", err);
		return 1;
	}
	fd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[3]);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (enqueue(st, i) < 0)
			goto out;
	for (;;) {
		struct pb_outbox_msg *v = NULL;
		size_t k = 0;

		if (pb_outbox_due(st, INT64_MAX, 64, &v, &k) < 0)
			goto out;
		if (k == 0)
			break;
		for (size_t i = 0; i < k; i++) {
			struct pb_buf line = { 0 };

			/* A send takes time, and the server's answer comes a moment after it
			 * took the message: kills land in every phase, this window included. */
			usleep(1000);
			pb_buf_printf(&line, "%s\n", v[i].msg_id);
			if (write(fd, line.data, line.len) != (ssize_t)line.len) {
				pb_buf_free(&line);
				pb_outbox_msgs_free(v, k);
				goto out;
			}
			usleep(1000);
			if (pb_outbox_mark_sent(st, v[i].rowid, 1) < 0) {
				pb_buf_free(&line);
				pb_outbox_msgs_free(v, k);
				goto out;
			}
			pb_buf_free(&line);
		}
		pb_outbox_msgs_free(v, k);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	pb_state_close(st);
	return rc;
}
