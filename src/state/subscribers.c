/* The subscribers table: rows in and out; what the settings mean is the config module's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "state_internal.h"

static void
read_row(pb_db_stmt *s, struct pb_sub_row *r)
{
	r->name = pb_st_col_dup(s, 0);
	r->settings = pb_st_col_dup(s, 1);
	r->state = pb_st_col_dup(s, 2);
	r->reason = pb_st_col_dup(s, 3);
	r->source = pb_st_col_dup(s, 4);
	r->created = pb_db_col_int64(s, 5);
	r->updated = pb_db_col_int64(s, 6);
	r->generation = pb_db_col_int64(s, 7);
}

int
pb_sub_list(struct pb_state *st, struct pb_sub_row **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUB_LIST);
	struct pb_sub_row *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		memset(&v[k], 0, sizeof v[k]);
		read_row(s, &v[k++]);
	}
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "subscriber list");
		pb_db_reset(s);
		pb_sub_rows_free(v, k);
		return -1;
	}
	pb_db_reset(s);
	*out = v;
	*n = k;
	return 0;
}

int
pb_sub_get(struct pb_state *st, const char *name, struct pb_sub_row *out)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUB_GET);
	int rc;

	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, name);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		read_row(s, out);
	else if (rc != PB_DB_DONE)
		pb_st_error(st, "subscriber get");
	pb_db_reset(s);
	return rc == PB_DB_ROW ? 1 : rc == PB_DB_DONE ? 0 : -1;
}

/* Settings put where there were none (no row, or the row of a subscriber of the file) are a
 * new stored subscriber: they take the name's next generation, counted apart from the rows (a
 * removal deletes them), so each subscriber of a name is told from those before it, by a run
 * that loaded one (pb_sub_stored_still) and by the outbox (pb_outbox_has_digest). The count
 * is taken first; a stored subscriber's row there already (or added meanwhile by another)
 * keeps its own. */
int
pb_sub_put(struct pb_state *st, const struct pb_sub_row *r)
{
	pb_db_stmt *g = pb_st_stmt(st, S_SUB_GEN_NEXT);
	pb_db_stmt *s;

	if (!g)
		return -1;
	pb_st_bind_text(g, 1, r->name);
	pb_db_bind_int(g, 2, r->settings != NULL);
	if (pb_st_run(st, g, "subscriber generation") < 0 || !(s = pb_st_stmt(st, S_SUB_PUT)))
		return -1;
	pb_st_bind_text(s, 1, r->name);
	pb_st_bind_text(s, 2, r->settings);
	pb_st_bind_text(s, 3, r->state ? r->state : "active");
	pb_st_bind_text(s, 4, r->reason);
	pb_st_bind_text(s, 5, r->source);
	pb_db_bind_int64(s, 6, pb_now());
	return pb_st_run(st, s, "subscriber put");
}

/* The removal's time is kept beside the name's generations (which a removal keeps for the
 * same reason): links name a subscriber by name, and the web endpoint refuses one made up to
 * then (pb_web_token_current), for a reader who is gone, whoever is given the name later. */
int
pb_sub_delete(struct pb_state *st, const char *name)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUB_DEL);
	int deleted;

	if (!s || pb_body_lock(st) < 0)
		return -1;
	pb_st_bind_text(s, 1, name);
	if (pb_st_run(st, s, "subscriber delete") < 0)
		return -1;
	if (!(deleted = pb_db_changes(st->db) > 0))
		return 0;
	if (!(s = pb_st_stmt(st, S_SUB_REMOVED_SET)))
		return -1;
	pb_st_bind_text(s, 1, name);
	pb_db_bind_int64(s, 2, pb_now());
	if (pb_st_run(st, s, "subscriber removal") < 0)
		return -1;
	return deleted;
}

/* The time statement which (of one name, one row at most) reads for name into *at: 0 when no
 * row. 0, or -1 (what names the read in the error). */
static int
time_of(struct pb_state *st, enum stmt_id which, const char *name, int64_t *at, const char *what)
{
	pb_db_stmt *s = pb_st_stmt(st, which);
	int rc;

	*at = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, name);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW)
		*at = pb_db_col_int64(s, 0);
	else if (rc != PB_DB_DONE)
		pb_st_error(st, what);
	pb_db_reset(s);
	return rc == PB_DB_ROW || rc == PB_DB_DONE ? 0 : -1;
}

int
pb_sub_removed(struct pb_state *st, const char *name, int64_t *at)
{
	return time_of(st, S_SUB_REMOVED_GET, name, at, "subscriber removal");
}

int
pb_sub_links_revoke(struct pb_state *st, const char *name, int64_t at)
{
	pb_db_stmt *s = pb_st_stmt(st, S_SUB_LINKS_SET);

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, name);
	pb_db_bind_int64(s, 2, at);
	return pb_st_run(st, s, "manage links revoke");
}

int
pb_sub_links_since(struct pb_state *st, const char *name, int64_t *at)
{
	return time_of(st, S_SUB_LINKS_GET, name, at, "manage links");
}

/* The lock first: taken, a removal or a pause committed before it is seen (each statement of
 * PostgreSQL's reads what was committed when it began) and one not begun yet waits for this
 * transaction, whose messages its own then settles or pauses. */
int
pb_sub_stored_still(struct pb_state *st, const char *name, int64_t generation, char *why,
		    size_t whylen)
{
	struct pb_sub_row r;
	int rc, still = 0;

	if (pb_body_lock(st) < 0 || (rc = pb_sub_get(st, name, &r)) < 0)
		return -1;
	if (rc == 0 || r.settings == NULL)
		snprintf(why, whylen, "the subscriber was removed");
	else if (r.generation != generation)
		snprintf(why, whylen, "the subscriber was removed and another added under its "
			 "name (generation %lld, loaded %lld)", (long long)r.generation,
			 (long long)generation);
	else if (strcmp(r.state, "active") != 0)
		snprintf(why, whylen, "the subscriber is %s", r.state);
	else
		still = 1;
	pb_sub_row_clear(&r);
	return still;
}

int
pb_sub_file_inactive(struct pb_state *st, int64_t since, struct pb_sub_row **out, size_t *n)
{
	pb_db_stmt *s;
	struct pb_sub_row *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	/* the lock first, as pb_sub_stored_still */
	if (pb_body_lock(st) < 0 || !(s = pb_st_stmt(st, S_SUB_FILE_INACTIVE)))
		return -1;
	pb_db_bind_int64(s, 1, since);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		memset(&v[k], 0, sizeof v[k]);
		read_row(s, &v[k++]);
	}
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "subscribers not active");
		pb_db_reset(s);
		pb_sub_rows_free(v, k);
		return -1;
	}
	pb_db_reset(s);
	*out = v;
	*n = k;
	return 0;
}

void
pb_sub_row_clear(struct pb_sub_row *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->settings);
	free(r->state);
	free(r->reason);
	free(r->source);
	memset(r, 0, sizeof *r);
}

void
pb_sub_rows_free(struct pb_sub_row *v, size_t n)
{
	for (size_t i = 0; i < n && v; i++)
		pb_sub_row_clear(&v[i]);
	free(v);
}
