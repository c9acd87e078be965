/* The outbox: every message is written here before it is sent and marked after. Message ids
 * are deterministic, so putting the same message twice changes nothing, and a restart resumes
 * whatever is pending. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/log.h"
#include "chunks_int.h"
#include "state_internal.h"

static const char *const status_names[] = { "pending", "sent", "failed", "expired", "paused" };

const char *
pb_outbox_status_name(enum pb_outbox_status s)
{
	if ((unsigned)s < sizeof status_names / sizeof status_names[0])
		return status_names[s];
	return "unknown";
}

/* Runs a savepoint statement (no rows). */
static int
sp(struct pb_state *st, enum stmt_id id)
{
	pb_db_stmt *s = pb_st_stmt(st, id);

	return s ? pb_st_run(st, s, "outbox_put") : -1;
}

int
pb_outbox_put(struct pb_state *st, const struct pb_outbox_msg *m)
{
	pb_db_stmt *s;
	size_t len;
	int64_t now = pb_now(), id = 0;
	int inserted, rc, alone = !pb_db_in_transaction(st->db);
	/* Inside the caller's savepoint (a digest's messages), a failure is undone with it:
	 * no savepoint of the put's own (two round trips to a server fewer). */
	int own = alone || !st->part_open;

	if (!m->msg_id || !m->subscriber || !m->channel || !m->dest || !m->digest_date ||
	    !m->payload) {
		pb_st_fail(st, "outbox_put", "missing field");
		return -1;
	}
	len = m->payload_len ? m->payload_len : strlen(m->payload);
	if (m->prep && pb_body_prep_len(m->prep) != len) {
		pb_st_fail(st, "outbox_put", "the body worked out ahead is of another payload");
		return -1;
	}
	/* The row and its payload go together, inside the caller's transaction or alone. */
	if (own && sp(st, S_SAVEPOINT) < 0)
		return -1;
	if (pb_body_lock(st) < 0)
		goto fail;
	s = pb_st_stmt(st, S_OUT_PUT);
	if (!s)
		goto fail;
	pb_st_bind_text(s, 1, m->msg_id);
	pb_st_bind_text(s, 2, m->subscriber);
	pb_st_bind_text(s, 3, m->channel);
	pb_st_bind_text(s, 4, m->dest);
	pb_st_bind_text(s, 5, m->digest_date);
	pb_db_bind_int(s, 6, m->part);
	pb_db_bind_int(s, 7, m->n_parts);
	pb_db_bind_int(s, 8, (int)m->status);
	pb_db_bind_int(s, 9, m->attempts);
	pb_db_bind_int64(s, 10, m->next_attempt);
	pb_db_bind_int64(s, 11, m->created ? m->created : now);
	pb_st_bind_text(s, 12, m->last_error);
	pb_db_bind_int64(s, 13, m->generation);
	pb_st_bind_text(s, 14, m->fingerprint && *m->fingerprint ? m->fingerprint : NULL);
	/* A row back: inserted, with its id; none: the message existed. */
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		id = pb_db_col_int64(s, 0);
	pb_db_reset(s);
	if (rc != PB_DB_ROW && rc != PB_DB_DONE) {
		pb_st_error(st, "outbox_put");
		goto fail;
	}
	inserted = rc == PB_DB_ROW;
	if (inserted && (m->prep ? pb_body_put_prepared(st, id, m->payload, m->prep)
				 : pb_body_put(st, id, m->payload, len, m->hints, m->n_hints)) < 0)
		goto fail;
	/* Alone, the put is its own transaction: its chunk counts go with it. */
	if ((alone && pb_body_flush(st) < 0) || (own && sp(st, S_RELEASE) < 0))
		goto fail;
	if (alone && pb_db_in_transaction(st->db))
		goto fail;   /* the release did not commit: as a failure */
	if (alone)
		st->body_locked = 0;   /* its transaction ended */
	return inserted;
fail:
	if (own) {
		st->body_locked = 0;
		sp(st, S_ROLLBACK_TO);
		sp(st, S_RELEASE);
	}
	/* The counts gained since the transaction began are unknown now: inside one, its commit
	 * fails (the caller rolls it back, as run.c does for a digest it could not enqueue). */
	pb_body_failed(st, alone);
	return -1;
}

/* Fills m from a row of OUT_COLS (the payload is read apart, by load_bodies). */
static void
read_msg(pb_db_stmt *s, struct pb_outbox_msg *m)
{
	memset(m, 0, sizeof *m);
	m->rowid = pb_db_col_int64(s, 0);
	m->msg_id = pb_st_col_dup(s, 1);
	m->subscriber = pb_st_col_dup(s, 2);
	m->channel = pb_st_col_dup(s, 3);
	m->dest = pb_st_col_dup(s, 4);
	m->digest_date = pb_st_col_dup(s, 5);
	m->part = pb_db_col_int(s, 6);
	m->n_parts = pb_db_col_int(s, 7);
	m->status = (enum pb_outbox_status)pb_db_col_int(s, 8);
	m->attempts = pb_db_col_int(s, 9);
	m->next_attempt = pb_db_col_int64(s, 10);
	m->created = pb_db_col_int64(s, 11);
	m->last_error = pb_st_col_dup(s, 12);
	m->fingerprint = pb_st_col_dup(s, 13);
}

/* Reads the payloads of v[0..*n). A message whose body does not come back exactly is marked
 * failed with the reason and left out (never sent); *n shrinks. 0, or -1 on a database
 * error. */
static int
load_bodies(struct pb_state *st, struct pb_outbox_msg *v, size_t *n)
{
	int64_t *ids = pb_xcalloc(*n + 1, sizeof *ids);
	size_t k = 0;

	/* the rows and their chunks read ahead, a few dozen to a statement */
	for (size_t i = 0; i < *n; i++)
		ids[i] = v[i].rowid;
	pb_body_prefetch(st, ids, *n);
	free(ids);
	for (size_t i = 0; i < *n; i++) {
		int rc = pb_body_get(st, v[i].rowid, v[i].msg_id, &v[i].payload,
				     &v[i].payload_len);

		if (rc == -1) {
			pb_body_prefetch(st, NULL, 0);
			return -1;
		}
		if (rc == -2) {
			pb_outbox_mark_status(st, v[i].rowid, PB_OUT_FAILED, st->last_error);
			pb_outbox_msg_clear(&v[i]);
			continue;
		}
		if (k != i) {
			v[k] = v[i];
			memset(&v[i], 0, sizeof v[i]);
		}
		k++;
	}
	*n = k;
	pb_body_prefetch(st, NULL, 0);   /* what was read ahead is not kept */
	return 0;
}

/* Collects every row of s into a message array, with the payloads when load. */
static int
read_msgs(struct pb_state *st, pb_db_stmt *s, struct pb_outbox_msg **out, size_t *n,
	  const char *op, int load)
{
	struct pb_outbox_msg *v = NULL;
	size_t k = 0, cap = 0, rows;
	int rc;

	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		read_msg(s, &v[k++]);
	}
	pb_db_reset(s);
	if (rc != PB_DB_DONE)
		pb_st_error(st, op);
	/* Entries load_bodies leaves out or moves are zeroed: freeing all rows read is safe. */
	rows = k;
	if (rc != PB_DB_DONE || (load && load_bodies(st, v, &k) < 0)) {
		pb_outbox_msgs_free(v, rows);
		*out = NULL;
		*n = 0;
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

int
pb_st_outbox_due(struct pb_state *st, int64_t now, size_t max, const char *claimed_by,
		 struct pb_outbox_msg **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_DUE);

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, now);
	pb_db_bind_int64(s, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	pb_st_bind_text(s, 3, claimed_by);
	return read_msgs(st, s, out, n, "outbox_due", 1);
}

int
pb_outbox_due(struct pb_state *st, int64_t now, size_t max, struct pb_outbox_msg **out,
	      size_t *n)
{
	return pb_st_outbox_due(st, now, max, NULL, out, n);
}

int64_t
pb_outbox_next_due(struct pb_state *st)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_NEXT);
	int64_t v = -1;
	int rc;

	if (!s)
		return -1;
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW && pb_db_col_type(s, 0) != PB_DB_NULL)
		v = pb_db_col_int64(s, 0);
	else if (rc != PB_DB_ROW && rc != PB_DB_DONE)
		pb_st_error(st, "outbox_next_due");
	pb_db_reset(s);
	return v;
}

int
pb_outbox_mark_sent(struct pb_state *st, int64_t rowid, int64_t now)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_SENT);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, rowid);
	pb_db_bind_int64(s, 2, now);
	return pb_st_run(st, s, "outbox_mark_sent");
}

int
pb_outbox_mark_retry(struct pb_state *st, int64_t rowid, int64_t when, const char *why)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_RETRY);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, rowid);
	pb_db_bind_int64(s, 2, when);
	pb_st_bind_text(s, 3, why);
	pb_db_bind_int64(s, 4, pb_now());
	return pb_st_run(st, s, "outbox_mark_retry");
}

/* A settled status for one message, through the statement that counts an attempt or not. */
static int
mark_with(struct pb_state *st, enum stmt_id id, const char *op, int64_t rowid,
	  enum pb_outbox_status status, const char *why)
{
	pb_db_stmt *s = pb_st_stmt(st, id);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, rowid);
	pb_db_bind_int(s, 2, (int)status);
	pb_st_bind_text(s, 3, why);
	pb_db_bind_int64(s, 4, pb_now());
	return pb_st_run(st, s, op);
}

int
pb_outbox_mark_status(struct pb_state *st, int64_t rowid, enum pb_outbox_status status,
		      const char *why)
{
	return mark_with(st, S_OUT_STATUS, "outbox_mark_status", rowid, status, why);
}

int
pb_outbox_mark_tried(struct pb_state *st, int64_t rowid, enum pb_outbox_status status,
		     const char *why)
{
	return mark_with(st, S_OUT_TRIED, "outbox_mark_tried", rowid, status, why);
}

int
pb_outbox_redirect(struct pb_state *st, const char *channel, const char *dest,
		   const char *new_dest)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_REDIRECT);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, channel);
	pb_st_bind_text(s, 2, dest);
	pb_st_bind_text(s, 3, new_dest);
	pb_db_bind_int64(s, 4, pb_now());
	if (pb_st_run(st, s, "outbox_redirect") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_outbox_defer_after(struct pb_state *st, const struct pb_outbox_msg *m, int64_t when)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_DEFER);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, when);
	pb_st_bind_text(s, 2, m->subscriber);
	pb_st_bind_text(s, 3, m->channel);
	pb_st_bind_text(s, 4, m->dest);
	pb_st_bind_text(s, 5, m->digest_date);
	pb_db_bind_int(s, 6, m->part);
	if (pb_st_run(st, s, "outbox_defer_after") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_outbox_pause_dest(struct pb_state *st, const char *channel, const char *dest,
		     const char *why, int64_t now)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_PAUSE_DEST);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, channel);
	pb_st_bind_text(s, 2, dest);
	pb_st_bind_text(s, 3, why);
	pb_db_bind_int64(s, 4, now);
	if (pb_st_run(st, s, "outbox_pause_dest") < 0)
		return -1;
	return pb_db_changes(st->db);
}

long
pb_outbox_pending(struct pb_state *st)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_PENDING);
	long n = -1;
	int rc;

	if (!s)
		return -1;
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		n = (long)pb_db_col_int64(s, 0);
	else
		pb_st_error(st, "outbox_pending");
	pb_db_reset(s);
	return n;
}

int
pb_outbox_requeue(struct pb_state *st, const char *subscriber)
{
	pb_db_stmt *s = pb_st_stmt(st, subscriber ? S_OUT_REQUEUE_ONE : S_OUT_REQUEUE_ALL);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, pb_now());
	if (subscriber)
		pb_st_bind_text(s, 2, subscriber);
	if (pb_st_run(st, s, "outbox_requeue") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_outbox_settle_subscriber(struct pb_state *st, const char *subscriber, const char *why)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_SETTLE_SUB);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, why);
	pb_db_bind_int64(s, 3, pb_now());
	if (pb_st_run(st, s, "outbox_settle_subscriber") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_outbox_pause_subscriber(struct pb_state *st, const char *subscriber, const char *why)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_PAUSE_SUB);

	/* After the lock, this sees every message of a run that enqueued before it; a run
	 * after it waits for this transaction, then sees the pause (pb_sub_stored_still). */
	if (!s || pb_body_lock(st) < 0)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, why);
	pb_db_bind_int64(s, 3, pb_now());
	if (pb_st_run(st, s, "outbox_pause_subscriber") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_outbox_hold(struct pb_state *st, int64_t rowid, int64_t when, int64_t now)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_HOLD);

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, rowid);
	pb_db_bind_int64(s, 2, when);
	pb_st_bind_text(s, 3, PB_OUTBOX_HELD);
	pb_db_bind_int64(s, 4, now);
	return pb_st_run(st, s, "outbox_hold");
}

int
pb_outbox_held_subscribers(struct pb_state *st, int64_t now, char ***names, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_HELD_SUBS);
	int rc;

	*names = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, now);
	pb_st_bind_text(s, 2, PB_OUTBOX_HELD);
	rc = pb_st_col_list(st, s, "outbox_held_subscribers", names, n);
	pb_db_reset(s);
	return rc;
}

int
pb_outbox_held_of(struct pb_state *st, const char *subscriber, int64_t now,
		  struct pb_outbox_msg **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_HELD_OF);

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_db_bind_int64(s, 2, now);
	pb_st_bind_text(s, 3, PB_OUTBOX_HELD);
	return read_msgs(st, s, out, n, "outbox_held_of", 0);
}

int
pb_outbox_unhold(struct pb_state *st, const char *subscriber, int64_t now)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_UNHOLD);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_db_bind_int64(s, 2, now);
	pb_st_bind_text(s, 3, PB_OUTBOX_HELD);
	if (pb_st_run(st, s, "outbox_unhold") < 0)
		return -1;
	return pb_db_changes(st->db);
}

long
pb_outbox_held(struct pb_state *st)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_HELD);
	long n = -1;
	int rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, PB_OUTBOX_HELD);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		n = (long)pb_db_col_int64(s, 0);
	else
		pb_st_error(st, "outbox_held");
	pb_db_reset(s);
	return n;
}

long
pb_outbox_held_dropped(struct pb_state *st)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_HELD_DROPPED);
	long n = -1;
	int rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, PB_OUTBOX_HELD_DROPPED);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		n = (long)pb_db_col_int64(s, 0);
	else
		pb_st_error(st, "outbox_held_dropped");
	pb_db_reset(s);
	return n;
}

void
pb_outbox_msg_clear(struct pb_outbox_msg *m)
{
	if (!m)
		return;
	free(m->msg_id);
	free(m->subscriber);
	free(m->channel);
	free(m->dest);
	free(m->digest_date);
	free(m->payload);
	free(m->last_error);
	free(m->fingerprint);
	memset(m, 0, sizeof *m);
}

void
pb_outbox_msgs_free(struct pb_outbox_msg *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		pb_outbox_msg_clear(&v[i]);
	free(v);
}

int
pb_outbox_counts(struct pb_state *st, struct pb_outbox_count **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_COUNTS);
	struct pb_outbox_count *v = NULL;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		pb_st_col_copy(s, 0, v[k].channel, sizeof v[k].channel);
		v[k].status = (enum pb_outbox_status)pb_db_col_int(s, 1);
		v[k].n = (long)pb_db_col_int64(s, 2);
		k++;
	}
	pb_db_reset(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "outbox_counts");
		free(v);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

int
pb_outbox_errors(struct pb_state *st, size_t max, struct pb_outbox_msg **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_ERRORS);

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	return read_msgs(st, s, out, n, "outbox_errors", 0);
}

int
pb_outbox_get(struct pb_state *st, const char *msg_id, struct pb_outbox_msg *out)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_GET);
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, msg_id);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		read_msg(s, out);
	else if (rc != PB_DB_DONE)
		pb_st_error(st, "outbox_get");
	pb_db_reset(s);
	if (rc != PB_DB_ROW)
		return rc == PB_DB_DONE ? 0 : -1;
	if (pb_body_get(st, out->rowid, out->msg_id, &out->payload, &out->payload_len) < 0) {
		pb_outbox_msg_clear(out);
		return -1;
	}
	return 1;
}
