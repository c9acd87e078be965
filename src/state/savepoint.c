/* Savepoints inside an open transaction: one part of a larger write undone alone (the run's
 * build stage puts many digests in one transaction, each under a savepoint of its own). The
 * statements are the same on SQLite and PostgreSQL. */

#include "paperboy/state.h"
#include "state_internal.h"

int
pb_st_exec(struct pb_state *st, const char *sql, const char *op)
{
	pb_db_stmt *s = pb_st_prepare(st, sql, op);
	int rc = s ? pb_st_run(st, s, op) : -1;

	pb_db_finalize(s);
	return rc;
}

int
pb_state_savepoint(struct pb_state *st)
{
	if (!pb_state_in_transaction(st)) {
		pb_st_fail(st, "savepoint", "no transaction is open");
		return -1;
	}
	if (pb_st_exec(st, "SAVEPOINT pb_part", "savepoint") < 0)
		return -1;
	st->part_open = 1;
	pb_body_savepoint(st);
	return 0;
}

int
pb_state_release(struct pb_state *st)
{
	st->part_open = 0;
	if (pb_st_exec(st, "RELEASE SAVEPOINT pb_part", "release savepoint") < 0)
		return -1;
	pb_body_release(st);
	return 0;
}

int
pb_state_rollback_to(struct pb_state *st)
{
	/* after a failure that rolled the whole transaction back there is nothing to return to */
	if (!pb_state_in_transaction(st))
		return -1;
	st->body_locked = 0;   /* a lock taken inside the savepoint may go with it */
	st->part_open = 0;
	if (pb_st_exec(st, "ROLLBACK TO SAVEPOINT pb_part", "rollback to savepoint") < 0)
		return -1;
	pb_body_rolled_back(st);
	return pb_st_exec(st, "RELEASE SAVEPOINT pb_part", "release savepoint");
}
