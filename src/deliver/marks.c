/* Group commit of delivery results: see marks.h. */
#include <stdlib.h>
#include <string.h>

#include "marks.h"
#include "paperboy/buf.h"
#include "paperboy/clock.h"

struct pb_marks_sent {
	struct pb_outbox_msg m;   /* subscriber, channel, dest, part, n_parts, attempts */
	int64_t ms;
};

void
pb_marks_result(struct pb_marks *g)
{
	if (!g->open)
		g->open = pb_state_begin(g->st) == 0;
	if (g->n == 0 && g->n_sent == 0)
		g->since_ms = pb_mono_ms();
	g->n++;
}

void
pb_marks_sent(struct pb_marks *g, const struct pb_outbox_msg *m, int64_t ms,
	      pb_marks_done_fn *done, void *ctx)
{
	struct pb_marks_sent *u;

	(void)done;
	(void)ctx;
	if (g->n_sent == g->cap_sent) {
		g->cap_sent = g->cap_sent ? g->cap_sent * 2 : 64;
		g->sent = pb_xreallocarray(g->sent, g->cap_sent, sizeof *g->sent);
	}
	u = &g->sent[g->n_sent++];
	u->m = (struct pb_outbox_msg){ .subscriber = pb_xstrdup(m->subscriber),
				       .channel = pb_xstrdup(m->channel),
				       .dest = pb_xstrdup(m->dest), .part = m->part,
				       .n_parts = m->n_parts, .attempts = m->attempts };
	u->ms = ms;
}

static void
report(struct pb_marks *g, int ok, pb_marks_done_fn *done, void *ctx)
{
	for (size_t i = 0; i < g->n_sent; i++) {
		done(ctx, &g->sent[i].m, g->sent[i].ms, ok);
		pb_outbox_msg_clear(&g->sent[i].m);
	}
	g->n_sent = 0;
	g->n = 0;
}

int
pb_marks_end(struct pb_marks *g, int force, pb_marks_done_fn *done, void *ctx)
{
	int due, ok = 1;

	if (!g->open && g->n == 0 && g->n_sent == 0)
		return 0;
	due = force || g->n >= PB_MARKS_MAX || pb_mono_ms() - g->since_ms >= PB_MARKS_MS;
	if (g->open) {   /* a pass's commit costs no sync */
		ok = pb_state_commit(g->st) == 0;
		g->open = 0;
	}
	if (ok && due && !g->no_sync)
		ok = pb_state_sync(g->st) == 0;   /* the group's commits, on disk */
	if (!ok) {
		report(g, 0, done, ctx);
		return -1;
	}
	if (due)
		report(g, 1, done, ctx);
	return 0;
}

void
pb_marks_lost(struct pb_marks *g, pb_marks_done_fn *done, void *ctx)
{
	g->open = 0;
	report(g, 0, done, ctx);
}

long
pb_marks_due_in(const struct pb_marks *g)
{
	int64_t d;

	if (!g->open && g->n == 0 && g->n_sent == 0)
		return -1;
	d = g->since_ms + PB_MARKS_MS - pb_mono_ms();
	return d < 1 ? 1 : (long)d;
}

void
pb_marks_free(struct pb_marks *g)
{
	for (size_t i = 0; i < g->n_sent; i++)
		pb_outbox_msg_clear(&g->sent[i].m);
	free(g->sent);
	g->sent = NULL;
	g->n_sent = g->cap_sent = 0;
}
