/* The state tests on either backend. Without PB_TEST_PG_CONNINFO a test's state is the SQLite
 * file it names; with it (a libpq conninfo: tests/lib/pg.sh, `make unit-pg`) the same path
 * names a PostgreSQL schema of its own, dropped and made afresh at the path's first open in the
 * process, so every test starts as empty as with a new file and a reopen sees what was kept.
 * t_state_raw_exec / t_state_raw_count reach the tables as the test's own connection. */
#ifndef PAPERBOY_T_STATE_H
#define PAPERBOY_T_STATE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"

static inline const char *
t_state_pg(void)
{
	const char *c = getenv("PB_TEST_PG_CONNINFO");

	return c && *c ? c : NULL;
}

/* The conninfo of path's schema into b; with fresh, the schema is dropped and made again. */
static inline int
t_state_pg_conninfo(const char *path, int fresh, struct pb_buf *b)
{
	char schema[32];
	uint64_t h = 1469598103934665603ULL;
	PGconn *c;
	PGresult *r;
	struct pb_buf q = { 0 };
	int ok;

	for (const char *p = path; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(schema, sizeof schema, "t_%016llx", (unsigned long long)h);
	pb_buf_printf(b, "%s options='-c search_path=%s'", t_state_pg(), schema);
	if (!fresh)
		return 0;
	c = PQconnectdb(t_state_pg());
	pb_buf_printf(&q, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE;"
		      " CREATE SCHEMA %s", schema, schema);
	r = PQexec(c, q.data);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "t_state: %s: %s", schema, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	pb_buf_free(&q);
	return ok ? 0 : -1;
}

/* Whether path was opened before in this process (and remembers it). */
static inline int
t_state_seen(const char *path)
{
	static char seen[128][1024];
	static int n;

	for (int i = 0; i < n; i++)
		if (strcmp(seen[i], path) == 0)
			return 1;
	if (n < 128)
		snprintf(seen[n++], sizeof seen[0], "%s", path);
	return 0;
}

static inline struct pb_state *
t_state_open_mode(const char *path, enum pb_state_mode mode, char *err, size_t errlen)
{
	struct pb_buf ci = { 0 };
	struct pb_state *st;

	if (!t_state_pg())
		return pb_state_open_mode(path, mode, err, errlen);
	if (t_state_pg_conninfo(path, !t_state_seen(path), &ci) < 0) {
		snprintf(err, errlen, "cannot make the schema of %.200s", path);
		pb_buf_free(&ci);
		return NULL;
	}
	st = pb_state_open_pg(ci.data, mode, NULL, err, errlen);
	pb_buf_free(&ci);
	return st;
}

static inline struct pb_state *
t_state_open(const char *path, char *err, size_t errlen)
{
	return t_state_open_mode(path, PB_STATE_CREATE, err, errlen);
}

/* The config line naming path's state, appended to out with PostgreSQL (so that what the code
 * under test opens from its config file is the test's state); nothing with SQLite. */
static inline void
t_state_conf(struct pb_buf *out, const char *path)
{
	struct pb_buf ci = { 0 };

	if (!t_state_pg())
		return;
	t_state_pg_conninfo(path, 0, &ci);
	pb_buf_printf(out, "state = { backend = \"postgresql\"; conninfo = \"%s\"; };\n",
		      ci.data);
	pb_buf_free(&ci);
}

/* Runs sql on path's state as a connection of the test's own. 0 or -1 (said on stderr). */
static inline int
t_state_raw_exec(const char *path, const char *sql)
{
	struct pb_buf ci = { 0 };
	int rc = -1;

	if (t_state_pg()) {
		PGconn *c;
		PGresult *r;

		t_state_pg_conninfo(path, 0, &ci);
		c = PQconnectdb(ci.data);
		r = PQexec(c, sql);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ?
		     0 : -1;
		if (rc)
			fprintf(stderr, "%s: %s", path, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *db = NULL;

		if (sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
			rc = 0;
		else
			fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
	}
	pb_buf_free(&ci);
	return rc;
}

/* The first column of the first row of sql on path's state, or -1. */
static inline long
t_state_raw_count(const char *path, const char *sql)
{
	struct pb_buf ci = { 0 };
	long n = -1;

	if (t_state_pg()) {
		PGconn *c;
		PGresult *r;

		t_state_pg_conninfo(path, 0, &ci);
		c = PQconnectdb(ci.data);
		r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
			n = atol(PQgetvalue(r, 0, 0));
		else
			fprintf(stderr, "%s: %s", path, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *db = NULL;
		sqlite3_stmt *q = NULL;

		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(q, 0);
		else
			fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_finalize(q);
		sqlite3_close(db);
	}
	pb_buf_free(&ci);
	return n;
}

#endif
