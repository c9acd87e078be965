/* The readers' side of the state: feedback, suppressed destinations, pending sign-ups, stamps
 * (rate limits, one-time tokens) and small named values. Rows in and out only; what they mean
 * is the web, bot and delivery modules'. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "state_internal.h"

int
pb_feedback_put(struct pb_state *st, const char *subscriber, const char *paper_id,
		int verdict, const char *source)
{
	pb_db_stmt *s;

	if (verdict == 0) {
		if (!(s = pb_st_stmt(st, S_FB_DEL)))
			return -1;
		pb_st_bind_text(s, 1, subscriber);
		pb_st_bind_text(s, 2, paper_id);
		return pb_st_run(st, s, "feedback delete");
	}
	if (!(s = pb_st_stmt(st, S_FB_PUT)))
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, paper_id);
	pb_db_bind_int(s, 3, verdict > 0 ? 1 : -1);
	pb_st_bind_text(s, 4, source ? source : "web");
	pb_db_bind_int64(s, 5, pb_now());
	return pb_st_run(st, s, "feedback put");
}

int
pb_feedback_put_at(struct pb_state *st, const char *subscriber, const char *paper_id,
		   int verdict, const char *source, int64_t at)
{
	pb_db_stmt *s = pb_st_stmt(st, S_FB_PUT_AT);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, paper_id);
	pb_db_bind_int(s, 3, verdict > 0 ? 1 : -1);
	pb_st_bind_text(s, 4, source ? source : "web");
	pb_db_bind_int64(s, 5, at);
	if (pb_st_run(st, s, "feedback put") < 0)
		return -1;
	return pb_db_changes(st->db) > 0;
}

int
pb_feedback_get(struct pb_state *st, const char *subscriber, const char *paper_id, int *verdict)
{
	pb_db_stmt *s = pb_st_stmt(st, S_FB_GET);
	int rc;

	*verdict = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, paper_id);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		*verdict = pb_db_col_int(s, 0) > 0 ? 1 : -1;
	pb_db_reset(s);
	if (rc == PB_DB_ROW)
		return 1;
	if (rc == PB_DB_DONE)
		return 0;
	pb_st_error(st, "feedback get");
	return -1;
}

int
pb_feedback_list(struct pb_state *st, const char *subscriber, struct pb_feedback_row **out,
		 size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_FB_LIST);
	struct pb_feedback_row *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		v[k].paper_id = pb_st_col_dup(s, 0);
		v[k].verdict = pb_db_col_int(s, 1);
		v[k].source = pb_st_col_dup(s, 2);
		v[k].created = pb_db_col_int64(s, 3);
		k++;
	}
	pb_db_reset(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "feedback list");
		pb_feedback_rows_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

void
pb_feedback_rows_free(struct pb_feedback_row *v, size_t n)
{
	for (size_t i = 0; i < n && v; i++) {
		free(v[i].paper_id);
		free(v[i].source);
	}
	free(v);
}

int
pb_suppress_put(struct pb_state *st, const char *subscriber, const char *channel,
		const char *dest, const char *reason, const char *fp)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUP_PUT);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, channel);
	pb_st_bind_text(s, 3, dest);
	pb_st_bind_text(s, 4, reason && *reason ? reason : "refused");
	pb_db_bind_int64(s, 5, pb_now());
	pb_st_bind_text(s, 6, fp && *fp ? fp : NULL);
	return pb_st_run(st, s, "suppress put");
}

int
pb_suppress_has(struct pb_state *st, const char *subscriber, const char *channel,
		const char *dest)
{
	int rc = pb_suppress_check(st, subscriber, channel, dest, NULL);

	return rc < 0 ? -1 : rc > 0;
}

int
pb_suppress_check(struct pb_state *st, const char *subscriber, const char *channel,
		  const char *dest, const char *fp)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUP_HAS);
	const char *had;
	int rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, channel);
	pb_st_bind_text(s, 3, dest);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW) {
		had = pb_db_col_text(s, 0);
		rc = pb_suppress_other_url(had, fp) ? PB_SUP_OTHER_URL : 1;
		pb_db_reset(s);
		return rc;
	}
	pb_db_reset(s);
	if (rc == PB_DB_DONE)
		return 0;
	pb_st_error(st, "suppress check");
	return -1;
}

int
pb_feedback_clear(struct pb_state *st, const char *subscriber)
{
	pb_db_stmt *s = pb_st_stmt(st, S_FB_CLEAR);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	if (pb_st_run(st, s, "feedback clear") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_suppress_clear(struct pb_state *st, const char *subscriber)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUP_CLEAR);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	if (pb_st_run(st, s, "suppress clear") < 0)
		return -1;
	return pb_db_changes(st->db);
}

int
pb_suppress_lift(struct pb_state *st, const char *subscriber, const char *channel,
		 const char *dest)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUP_LIFT);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, channel);
	pb_st_bind_text(s, 3, dest);
	if (pb_st_run(st, s, "suppress lift") < 0)
		return -1;
	return pb_db_changes(st->db) > 0;
}

int
pb_suppress_other_url(const char *had, const char *fp)
{
	return had && fp && *fp && strcmp(had, fp) != 0;
}

/* Runs a savepoint statement (no rows). */
static int
sp(struct pb_state *st, enum stmt_id id)
{
	pb_db_stmt *s = pb_st_stmt(st, id);

	return s ? pb_st_run(st, s, "suppress lift other") : -1;
}

int
pb_suppress_lift_other(struct pb_state *st, const char *subscriber, const char *channel,
		       const char *dest, const char *fp, long *released)
{
	pb_db_stmt *s;
	int alone = !pb_db_in_transaction(st->db), lifted;
	long n;

	if (released)
		*released = 0;
	if (!fp || !*fp)
		return 0;
	/* Alone, the savepoint is the transaction: the messages go back with the lift or not
	 * at all (a message put back under a suppression left would be paused again). */
	if (sp(st, S_SAVEPOINT) < 0)
		return -1;
	/* first what the suppression held, while the row says which reason was its */
	s = pb_st_stmt(st, S_OUT_RELEASE_SUP);
	if (!s)
		goto fail;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, channel);
	pb_st_bind_text(s, 3, dest);
	pb_st_bind_text(s, 4, fp);
	pb_st_bind_text(s, 5, PB_OUTBOX_SUPPRESSED);
	pb_db_bind_int64(s, 6, pb_now());
	if (pb_st_run(st, s, "suppress lift other: the messages it held") < 0)
		goto fail;
	n = pb_db_changes(st->db);
	s = pb_st_stmt(st, S_SUP_LIFT_OTHER);
	if (!s)
		goto fail;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, channel);
	pb_st_bind_text(s, 3, dest);
	pb_st_bind_text(s, 4, fp);
	if (pb_st_run(st, s, "suppress lift other") < 0)
		goto fail;
	lifted = pb_db_changes(st->db) > 0;
	if (sp(st, S_RELEASE) < 0 || (alone && pb_db_in_transaction(st->db)))
		goto fail;   /* (alone, a release that did not commit is a failure) */
	if (released)
		*released = n;
	return lifted;
fail:
	sp(st, S_ROLLBACK_TO);
	sp(st, S_RELEASE);
	return -1;
}

int
pb_suppress_list(struct pb_state *st, const char *subscriber, struct pb_suppress_row **out,
		 size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUP_LIST);
	struct pb_suppress_row *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		v[k].subscriber = pb_st_col_dup(s, 0);
		v[k].channel = pb_st_col_dup(s, 1);
		v[k].dest = pb_st_col_dup(s, 2);
		v[k].reason = pb_st_col_dup(s, 3);
		v[k].since = pb_db_col_int64(s, 4);
		v[k].fingerprint = pb_st_col_dup(s, 5);
		k++;
	}
	pb_db_reset(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "suppress list");
		pb_suppress_rows_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

void
pb_suppress_rows_free(struct pb_suppress_row *v, size_t n)
{
	for (size_t i = 0; i < n && v; i++) {
		free(v[i].subscriber);
		free(v[i].channel);
		free(v[i].dest);
		free(v[i].reason);
		free(v[i].fingerprint);
	}
	free(v);
}

int
pb_signup_put(struct pb_state *st, const struct pb_signup_row *r)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SIGNUP_PUT);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, r->id);
	pb_st_bind_text(s, 2, r->address);
	pb_st_bind_text(s, 3, r->name);
	pb_st_bind_text(s, 4, r->settings);
	pb_db_bind_int64(s, 5, r->created ? r->created : pb_now());
	return pb_st_run(st, s, "signup put");
}

int
pb_signup_take(struct pb_state *st, const char *id, struct pb_signup_row *out)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SIGNUP_GET);
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, id);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW) {
		out->id = pb_st_col_dup(s, 0);
		out->address = pb_st_col_dup(s, 1);
		out->name = pb_st_col_dup(s, 2);
		out->settings = pb_st_col_dup(s, 3);
		out->created = pb_db_col_int64(s, 4);
	} else if (rc != PB_DB_DONE) {
		pb_st_error(st, "signup get");
	}
	pb_db_reset(s);
	if (rc != PB_DB_ROW)
		return rc == PB_DB_DONE ? 0 : -1;
	if (!(s = pb_st_stmt(st, S_SIGNUP_DEL)) || (pb_st_bind_text(s, 1, id),
						    pb_st_run(st, s, "signup delete")) < 0) {
		pb_signup_row_clear(out);
		return -1;
	}
	return 1;
}

void
pb_signup_row_clear(struct pb_signup_row *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->address);
	free(r->name);
	free(r->settings);
	memset(r, 0, sizeof *r);
}

int
pb_stamp_claim(struct pb_state *st, const char *key, int64_t now, int64_t window)
{
	pb_db_stmt *s = pb_st_stmt(st, S_STAMP_GET);
	int rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW) {
		int64_t at = pb_db_col_int64(s, 0);

		pb_db_reset(s);
		if (window < 0 || at >= now - window)
			return 0;
	} else {
		pb_db_reset(s);
		if (rc != PB_DB_DONE) {
			pb_st_error(st, "stamp get");
			return -1;
		}
	}
	if (!(s = pb_st_stmt(st, S_STAMP_PUT)))
		return -1;
	pb_st_bind_text(s, 1, key);
	pb_db_bind_int64(s, 2, now);
	return pb_st_run(st, s, "stamp put") < 0 ? -1 : 1;
}

int
pb_stamp_release(struct pb_state *st, const char *key, int64_t at)
{
	pb_db_stmt *s = pb_st_stmt(st, S_STAMP_DEL);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	pb_db_bind_int64(s, 2, at);
	return pb_st_run(st, s, "stamp release");
}

int
pb_meta_get(struct pb_state *st, const char *key, char **out)
{
	pb_db_stmt *s = pb_st_stmt(st, S_META_GET);
	int rc;

	*out = NULL;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		*out = pb_st_col_dup(s, 0);
	else if (rc != PB_DB_DONE)
		pb_st_error(st, "meta get");
	pb_db_reset(s);
	return rc == PB_DB_ROW ? 1 : rc == PB_DB_DONE ? 0 : -1;
}

int
pb_meta_put(struct pb_state *st, const char *key, const char *value)
{
	pb_db_stmt *s;

	if (!key || strcmp(key, "schema_version") == 0) {
		pb_st_fail(st, "meta put", "schema_version is the state module's own");
		return -1;
	}
	if (!(s = pb_st_stmt(st, S_META_PUT)))
		return -1;
	pb_st_bind_text(s, 1, key);
	pb_st_bind_text(s, 2, value);
	return pb_st_run(st, s, "meta put");
}

int
pb_state_transient(struct pb_state *st)
{
	return pb_db_transient(st->db);
}
