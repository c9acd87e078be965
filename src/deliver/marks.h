/* The delivery loop's results, recorded in groups: one transaction, one sync to disk
 * (synchronous=FULL) for every result of the last PB_MARKS_MS milliseconds or PB_MARKS_MAX
 * results, whichever comes first, and at once when the loop goes idle or ends. A message
 * counts as sent only once its mark is committed. A power loss therefore sends again at most
 * the messages in flight and those awaiting the group's commit. Inside src/deliver only. */
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
	int open;                      /* the group's transaction is open */
	int64_t since_ms;              /* when it opened (monotonic) */
	long n;                        /* results recorded in it */
	struct pb_marks_sent *sent;    /* marked sent, the mark not yet committed */
	size_t n_sent, cap_sent;
};

/* Called with each message marked sent once the group's fate is known: ok 1 when its mark was
 * committed, 0 when it was lost (the message may go again). */
typedef void pb_marks_done_fn(void *ctx, const struct pb_outbox_msg *m, int64_t ms, int ok);

/* Before a result is recorded: opens the group's transaction when none is open (when that
 * fails the result is recorded on its own, in autocommit) and counts the result. */
void pb_marks_result(struct pb_marks *g);
/* m was marked sent (ms: how long it took): counted when the group commits; at once (done,
 * ok 1) when no group is open, the mark being committed already. */
void pb_marks_sent(struct pb_marks *g, const struct pb_outbox_msg *m, int64_t ms,
		   pb_marks_done_fn *done, void *ctx);
/* Commits the group when it is due, or when force. 0, or -1 when the commit failed (its sent
 * messages are then reported lost). */
int pb_marks_end(struct pb_marks *g, int force, pb_marks_done_fn *done, void *ctx);
/* The state rolled the group's transaction back on its own (an I/O error): its sent messages
 * are reported lost and the group is closed. */
void pb_marks_lost(struct pb_marks *g, pb_marks_done_fn *done, void *ctx);
/* Milliseconds until the open group is due (at least 1), or -1 when none is open. */
long pb_marks_due_in(const struct pb_marks *g);
void pb_marks_free(struct pb_marks *g);   /* the pending list; the group must be ended */

#endif
