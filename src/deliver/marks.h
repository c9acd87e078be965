/* The delivery loop's results, made durable in groups. Each pass of the loop commits its
 * results at once (synchronous=NORMAL: a killed process loses none of them); every
 * PB_MARKS_MS milliseconds or PB_MARKS_MAX results, whichever comes first, and at once when
 * the loop goes idle or ends, one commit with synchronous=FULL puts them on disk (in WAL mode
 * that sync covers every earlier commit). A message counts as sent only after that sync. A
 * SIGKILL therefore sends again only the messages in flight; a power loss also those of the
 * last unsynced group. Inside src/deliver only. */
#ifndef PAPERBOY_DELIVER_MARKS_H
#define PAPERBOY_DELIVER_MARKS_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/state.h"

#define PB_MARKS_MS 50
#define PB_MARKS_MAX 64

struct pb_marks_sent;

struct pb_marks {
	struct pb_state *st;
	int open;                      /* a pass's transaction is open */
	int no_sync;                   /* never ask for FULL (a benchmark's reference) */
	int64_t since_ms;              /* the first result not yet synced (monotonic) */
	long n;                        /* results not yet synced */
	struct pb_marks_sent *sent;    /* marked sent, the mark not yet committed */
	size_t n_sent, cap_sent;
};

/* Called with each message marked sent once the group's fate is known: ok 1 when its mark was
 * committed, 0 when it was lost (the message may go again). */
typedef void pb_marks_done_fn(void *ctx, const struct pb_outbox_msg *m, int64_t ms, int ok);

/* Before a result is recorded: opens the group's transaction when none is open (when that
 * fails the result is recorded on its own, in autocommit) and counts the result. */
void pb_marks_result(struct pb_marks *g);
/* m was marked sent (ms: how long it took): counted when the group is synced. */
void pb_marks_sent(struct pb_marks *g, const struct pb_outbox_msg *m, int64_t ms,
		   pb_marks_done_fn *done, void *ctx);
/* Commits the pass's results; syncs the group when it is due, or when force. 0, or -1 when
 * a commit or the sync failed (the group's sent messages are then reported lost). */
int pb_marks_end(struct pb_marks *g, int force, pb_marks_done_fn *done, void *ctx);
/* The state rolled the group's transaction back on its own (an I/O error): its sent messages
 * are reported lost and the group is closed. */
void pb_marks_lost(struct pb_marks *g, pb_marks_done_fn *done, void *ctx);
/* Milliseconds until the group is due (at least 1), or -1 when nothing waits for a sync. */
long pb_marks_due_in(const struct pb_marks *g);
void pb_marks_free(struct pb_marks *g);   /* the pending list; the group must be ended */

#endif
