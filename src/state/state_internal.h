/* Inside the state module: the handle and the helpers its files share. Not a contract: only
 * the files of src/state/ include it. */
#ifndef PAPERBOY_STATE_INTERNAL_H
#define PAPERBOY_STATE_INTERNAL_H

#include "paperboy/state.h"
#include "db.h"

enum stmt_id {
	S_OUT_PUT,
	S_OUT_PUT_BODY,
	S_OUT_DUE,
	S_OUT_NEXT,
	S_OUT_SENT,
	S_OUT_RETRY,
	S_OUT_STATUS,
	S_OUT_TRIED,
	S_OUT_REDIRECT,
	S_OUT_DEFER,
	S_OUT_PAUSE_DEST,
	S_OUT_PENDING,
	S_OUT_REQUEUE_ALL,
	S_OUT_REQUEUE_ONE,
	S_OUT_COUNTS,
	S_OUT_ERRORS,
	S_OUT_GET,
	S_LEDGER_HAS,
	S_LEDGER_HAS_EXCEPT,
	S_LEDGER_ADD,
	S_RUN_INTERRUPTED,
	S_RUN_BEGIN,
	S_RUN_END,
	S_RUN_ADD,
	S_RUN_DONE,
	S_RUN_LAST_DONE,
	S_RUN_RECENT,
	S_CACHE_GET,
	S_CACHE_PUT,
	S_TOK_GET,
	S_TOK_ADD,
	S_PAPER_SEEN,
	S_SUB_LIST,
	S_SUB_GET,
	S_SUB_PUT,
	S_SUB_DEL,
	S_FB_PUT,
	S_FB_DEL,
	S_FB_LIST,
	S_SUP_PUT,
	S_SUP_HAS,
	S_SUP_CLEAR,
	S_SUP_LIFT,
	S_SUP_LIST,
	S_SIGNUP_PUT,
	S_SIGNUP_GET,
	S_SIGNUP_DEL,
	S_STAMP_GET,
	S_STAMP_PUT,
	S_STAMP_DEL,
	S_META_GET,
	S_META_PUT,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_COUNT
};

struct pb_state {
	struct pb_db *db;
	pb_db_stmt *stmt[S_COUNT];
	int version;
	char last_error[256];   /* the last error logged: a savepoint's rollback resets the
				 * driver's */
	int own_error;          /* last_error is paperboy's, not SQLite's (whose code says nothing
				 * about it) */
};

/* Logs a failure that is not SQLite's (op and why) and makes it what pb_state_errmsg says. */
void pb_st_fail(struct pb_state *st, const char *op, const char *why);
/* The prepared statement id, reset and unbound (prepared on first use), or NULL (logged). */
pb_db_stmt *pb_st_stmt(struct pb_state *st, enum stmt_id id);
/* Steps a statement that returns no rows and resets it. 0 or -1 (logged with op). */
int pb_st_run(struct pb_state *st, pb_db_stmt *s, const char *op);
/* Steps a statement whose answer is "a row exists". 1, 0 or -1 (logged). */
int pb_st_exists(struct pb_state *st, pb_db_stmt *s, const char *op);
/* A statement prepared for one use (finalize it), or NULL (logged with op): for the tables
 * whose statements are not in the shared table. */
pb_db_stmt *pb_st_prepare(struct pb_state *st, const char *sql, const char *op);
/* Logs the connection's last error for op. */
void pb_st_error(struct pb_state *st, const char *op);
/* Binds v, or NULL when v is NULL. */
void pb_st_bind_text(pb_db_stmt *s, int i, const char *v);
/* Column i as a malloc'd string, NULL for NULL. */
char *pb_st_col_dup(pb_db_stmt *s, int i);
/* Column i copied into out ("" for NULL), truncated to n. */
void pb_st_col_copy(pb_db_stmt *s, int i, char *out, size_t n);

#endif
