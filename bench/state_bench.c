/* state_bench DB N: the outbox as a cycle for N subscribers uses it. Prints the time of each
 * phase: enqueue (one transaction per subscriber: 2 messages of ~20 KB and 10 ledger rows),
 * due scans (batches of 500), marking each message sent in its own commit (as delivery does),
 * and a prune. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct pb_state *st;
	struct pb_buf payload = { 0 };
	char err[512], name[32], id[128], paper[32];
	double t0, t_enq, t_scan = 0, t_mark = 0;
	long n, sent = 0;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: state_bench DB N_SUBSCRIBERS\n");
		return 64;
	}
	st = pb_state_open(argv[1], err, sizeof err);
	if (!st) {
		fprintf(stderr, "state_bench: %s\n", err);
		return 1;
	}
	while (payload.len < (size_t)(getenv("PB_BENCH_PAYLOAD") ? atol(getenv("PB_BENCH_PAYLOAD")) : 20000))
		pb_buf_puts(&payload, "A line of a rendered digest, as long as a real one tends to be.\r\n");
	t0 = secs();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof name, "sub%06ld", i);
		if (pb_state_begin(st) < 0)
			return 1;
		for (int part = 1; part <= 2; part++) {
			struct pb_outbox_msg m;

			memset(&m, 0, sizeof m);
			snprintf(id, sizeof id, "2025-12-04/%s/email/%s@example.org/%d", name, name, part);
			m.msg_id = id;
			m.subscriber = name;
			m.channel = part == 1 ? "email" : "telegram";
			m.dest = "dest";
			m.digest_date = "2025-12-04";
			m.part = 1;
			m.n_parts = 1;
			m.payload = payload.data;
			m.payload_len = payload.len;
			if (pb_outbox_put(st, &m) < 0)
				return 1;
		}
		for (int k = 0; k < 10; k++) {
			snprintf(paper, sizeof paper, "2512.%05d", (int)((i * 7 + k) % 99999));
			if (pb_ledger_add(st, name, paper, 1, "2025-12-04") < 0)
				return 1;
		}
		if (pb_state_commit(st) < 0)
			return 1;
	}
	t_enq = secs() - t0;
	for (;;) {
		struct pb_outbox_msg *v = NULL;
		size_t k = 0;
		double a = secs(), b;

		if (pb_outbox_due(st, 10, 500, &v, &k) < 0)
			return 1;
		b = secs();
		t_scan += b - a;
		if (k == 0) {
			pb_outbox_msgs_free(v, k);
			break;
		}
		for (size_t i = 0; i < k; i++)
			if (pb_outbox_mark_sent(st, v[i].rowid, 1) == 0)
				sent++;
		t_mark += secs() - b;
		pb_outbox_msgs_free(v, k);
	}
	t0 = secs();
	pb_state_prune(st, 0);
	printf("subscribers %ld, messages %ld (payload %zu bytes)\n", n, sent, payload.len);
	printf("enqueue   %.3f s  (%.0f subscribers/s, one transaction each)\n", t_enq, n / t_enq);
	printf("due scans %.3f s  (batches of 500, payload loaded)\n", t_scan);
	printf("mark sent %.3f s  (%.0f commits/s)\n", t_mark, sent / t_mark);
	printf("prune     %.3f s\n", secs() - t0);
	pb_buf_free(&payload);
	pb_state_close(st);
	return 0;
}
