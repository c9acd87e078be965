/* The Telegram answers held back by the Bot API's flood control (state.h). A few rows, and
 * only while Telegram floods: statements prepared per call, out of the shared table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"
#include "state_internal.h"

int64_t
pb_tg_held_put(struct pb_state *st, const struct pb_tg_held_row *r)
{
	pb_db_stmt *s = pb_st_prepare(st, "INSERT INTO tg_held(bot, chat, thread_id, update_id,"
				      " command, callback, parts, next_part, tries, due, held_at,"
				      " sending) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
				      " ?11, 0) RETURNING id", "tg_held_put");
	int64_t id = -1;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, r->bot);
	pb_st_bind_text(s, 2, r->chat);
	pb_db_bind_int64(s, 3, r->thread_id);
	pb_db_bind_int64(s, 4, r->update_id);
	pb_st_bind_text(s, 5, r->command);
	pb_st_bind_text(s, 6, r->callback);
	pb_st_bind_text(s, 7, r->parts ? r->parts : "[]");
	pb_db_bind_int(s, 8, r->next_part);
	pb_db_bind_int(s, 9, r->tries);
	pb_db_bind_int64(s, 10, r->due);
	pb_db_bind_int64(s, 11, r->held_at);
	if (pb_db_step(s) == PB_DB_ROW)
		id = pb_db_col_int64(s, 0);
	else
		pb_st_error(st, "tg_held_put");
	pb_db_finalize(s);
	return id;
}

void
pb_tg_held_rows_free(struct pb_tg_held_row *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].callback);
		free(v[i].parts);
	}
	free(v);
}

int
pb_tg_held_list(struct pb_state *st, struct pb_tg_held_row **out, size_t *n)
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT id, bot, chat, thread_id, update_id, command,"
				      " callback, parts, next_part, tries, due, held_at, sending"
				      " FROM tg_held ORDER BY id", "tg_held_list");
	struct pb_tg_held_row *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		struct pb_tg_held_row *r;

		v = pb_xreallocarray(v, k + 1, sizeof *v);
		r = &v[k++];
		memset(r, 0, sizeof *r);
		r->id = pb_db_col_int64(s, 0);
		pb_st_col_copy(s, 1, r->bot, sizeof r->bot);
		pb_st_col_copy(s, 2, r->chat, sizeof r->chat);
		r->thread_id = (long)pb_db_col_int64(s, 3);
		r->update_id = pb_db_col_int64(s, 4);
		pb_st_col_copy(s, 5, r->command, sizeof r->command);
		r->callback = pb_st_col_dup(s, 6);
		r->parts = pb_st_col_dup(s, 7);
		r->next_part = pb_db_col_int(s, 8);
		r->tries = pb_db_col_int(s, 9);
		r->due = pb_db_col_int64(s, 10);
		r->held_at = pb_db_col_int64(s, 11);
		r->sending = pb_db_col_int(s, 12);
	}
	pb_db_finalize(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "tg_held_list");
		pb_tg_held_rows_free(v, k);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Runs s (bound), then says how many rows it changed: its count, or -1 (logged as op). */
static long
changes(struct pb_state *st, pb_db_stmt *s, const char *op)
{
	long n = pb_st_run(st, s, op) < 0 ? -1 : pb_db_changes(st->db);

	pb_db_finalize(s);
	return n;
}

int
pb_tg_held_begin(struct pb_state *st, int64_t id, int next_part)
{
	/* one statement: of two processes holding the row, one marks it */
	pb_db_stmt *s = pb_st_prepare(st, "UPDATE tg_held SET sending = 1 WHERE id = ?1"
				      " AND next_part = ?2 AND sending = 0", "tg_held_begin");
	long n;

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, id);
	pb_db_bind_int(s, 2, next_part);
	n = changes(st, s, "tg_held_begin");
	return n < 0 ? -1 : n > 0;
}

int
pb_tg_held_end(struct pb_state *st, int64_t id, int next_part, int tries, int64_t due)
{
	pb_db_stmt *s = pb_st_prepare(st, "UPDATE tg_held SET sending = 0, next_part = ?2,"
				      " tries = ?3, due = ?4 WHERE id = ?1", "tg_held_end");
	long n;

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, id);
	pb_db_bind_int(s, 2, next_part);
	pb_db_bind_int(s, 3, tries);
	pb_db_bind_int64(s, 4, due);
	n = changes(st, s, "tg_held_end");
	return n < 0 ? -1 : n > 0;
}

int
pb_tg_held_del(struct pb_state *st, int64_t id)
{
	pb_db_stmt *s = pb_st_prepare(st, "DELETE FROM tg_held WHERE id = ?1", "tg_held_del");

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, id);
	return changes(st, s, "tg_held_del") < 0 ? -1 : 0;
}
