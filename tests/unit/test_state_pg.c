/* The state on PostgreSQL alone: a connection lost mid-transaction and mid-run (the server
 * ends the session, as a restart does) or with a COMMIT's reply, the connection's keepalives,
 * the data version that stands in for SQLite's, and migrations that run once. Needs PB_TEST_PG_CONNINFO (make unit-pg, integration test 84);
 * without it the test says so and passes. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <libpq-fe.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"
/* White box: the session's own process id, to end it from outside; its libpq connection. */
#include "../../src/state/state_internal.h"
#include "../../src/state/db_int.h"

static char dir[256];

static const char *
db_path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* The server process of st's session; asked outside a transaction (inside, the question would
 * be part of what a replay must answer the same). */
static long long
session_of(struct pb_state *st)
{
	pb_db_stmt *s = pb_db_prepare(st->db, "SELECT pg_backend_pid()", 0);
	long long pid = 0;

	T_CHECK(s && pb_db_step(s) == PB_DB_ROW);
	if (s)
		pid = (long long)pb_db_col_int64(s, 0);
	pb_db_finalize(s);
	return pid;
}

/* Ends the session pid from another connection, as a server restart would. */
static void
kill_session(long long pid)
{
	struct pb_buf q = { 0 };
	PGconn *c;
	PGresult *r;

	pb_buf_printf(&q, "SELECT pg_terminate_backend(%lld)", pid);
	c = PQconnectdb(t_state_pg());
	r = PQexec(c, q.data);
	T_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	PQfinish(c);
	pb_buf_free(&q);
	usleep(100000);   /* the backend is gone before the next statement */
}

static int
put(struct pb_state *st, const char *sub, int part)
{
	struct pb_outbox_msg m;
	char id[128], payload[64];

	snprintf(id, sizeof id, "2025-12-04/%s/email/%s@x/%d", sub, sub, part);
	snprintf(payload, sizeof payload, "body %s %d \x01\x02", sub, part);
	memset(&m, 0, sizeof m);
	m.msg_id = id;
	m.subscriber = (char *)sub;
	m.channel = "email";
	m.dest = "x";
	m.digest_date = "2025-12-04";
	m.part = part;
	m.n_parts = 3;
	m.payload = payload;
	m.created = 1000;
	return pb_outbox_put(st, &m);
}

static long
count(const char *name, const char *sql)
{
	return t_state_raw_count(db_path(name), sql);
}

/* A transaction that loses its connection is replayed on the new one and commits whole, when
 * every statement answers as before. Enqueueing takes ids the database generates (the
 * message's row, new chunks), which move on with a new connection: such a transaction is not
 * replayed but fails whole, nothing of it committed, and is put again by its caller. */
static void
test_replay(void)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(db_path("replay"), err, sizeof err);
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;
	long long pid;

	T_CHECK(st != NULL);
	if (!st)
		return;
	pid = session_of(st);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "a", 1), 1);
	T_EQ_INT(put(st, "a", 2), 1);
	kill_session(pid);
	T_EQ_INT(put(st, "a", 3), -1);   /* reconnects; the replay answers otherwise: refused */
	T_EQ_INT(pb_state_in_transaction(st), 0);
	T_EQ_INT(pb_state_commit(st), -1);
	T_EQ_INT(count("replay", "SELECT count(*) FROM outbox"), 0);
	T_EQ_INT(count("replay", "SELECT count(*) FROM outbox_body"), 0);
	T_EQ_INT(count("replay", "SELECT count(*) FROM chunks"), 0);
	/* Put again by the caller, on the new connection. */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "a", 1), 1);
	T_EQ_INT(put(st, "a", 2), 1);
	T_EQ_INT(put(st, "a", 3), 1);
	T_EQ_INT(pb_state_in_transaction(st), 1);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("replay", "SELECT count(*) FROM outbox"), 3);
	T_EQ_INT(count("replay", "SELECT count(*) FROM outbox_body"), 3);

	/* Autocommit: the statement itself runs again; prepared statements are made again. */
	T_EQ_INT(pb_outbox_due(st, 2000, 10, &v, &n), 0);
	T_EQ_INT(n, 3);
	kill_session(session_of(st));
	if (n == 3) {
		T_EQ_INT(pb_outbox_mark_sent(st, v[0].rowid, 5), 0);
		T_EQ_STR(v[0].payload, "body a 1 \x01\x02");
	}
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(count("replay", "SELECT count(*) FROM outbox WHERE status = 1"), 1);

	/* A mark in a transaction whose COMMIT finds the connection gone is replayed too. */
	pid = session_of(st);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_outbox_due(st, 2000, 10, &v, &n), 0);
	T_EQ_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		T_EQ_INT(pb_outbox_mark_sent(st, v[i].rowid, 6), 0);
	pb_outbox_msgs_free(v, n);
	kill_session(pid);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("replay", "SELECT count(*) FROM outbox WHERE status = 1"), 3);
	pb_state_close(st);
}

/* Without patience: the failure is the caller's; the open transaction is gone and its COMMIT
 * fails, so no mark it held is made; pb_state_reconnect brings the connection back. */
static void
test_no_patience(void)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(db_path("impatient"), err, sizeof err);
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;
	long long pid;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(put(st, "b", 1), 1);
	T_EQ_INT(put(st, "b", 2), 1);
	pb_state_set_patience(st, 0);
	T_EQ_INT(pb_outbox_due(st, 2000, 10, &v, &n), 0);
	T_EQ_INT(n, 2);
	pid = session_of(st);
	T_EQ_INT(pb_state_begin(st), 0);
	if (n == 2)
		T_EQ_INT(pb_outbox_mark_sent(st, v[0].rowid, 5), 0);
	kill_session(pid);
	if (n == 2)
		T_EQ_INT(pb_outbox_mark_sent(st, v[1].rowid, 5), -1);
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(pb_state_lost(st), 1);
	T_EQ_INT(pb_state_in_transaction(st), 0);
	T_CHECK(strlen(pb_state_errmsg(st)) > 0);
	T_EQ_INT(pb_state_reconnect(st, 5000), 0);
	T_EQ_INT(pb_state_lost(st), 0);
	T_EQ_INT(pb_state_commit(st), -1);   /* the transaction died with the connection */
	T_EQ_INT(count("impatient", "SELECT count(*) FROM outbox WHERE status = 1"), 0);
	T_EQ_INT(pb_outbox_pending(st), 2);
	pb_state_close(st);
}

/* A statement that fails inside a transaction ends it (PostgreSQL refuses the rest), and its
 * COMMIT says so instead of committing nothing quietly; a failure inside pb_outbox_put's
 * savepoint leaves the transaction open, as on SQLite. */
static void
test_failed_statement(void)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(db_path("failing"), err, sizeof err);
	struct pb_sub_row bad = { .name = "x", .settings = "{}", .state = "bogus",
				  .source = "cli" };

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(t_state_raw_exec(db_path("failing"), "CREATE FUNCTION no_d() RETURNS trigger"
				  " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no d'; END $$;"
				  "CREATE TRIGGER no_d BEFORE INSERT ON outbox FOR EACH ROW"
				  " WHEN (NEW.subscriber = 'd') EXECUTE FUNCTION no_d()"), 0);
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "c", 1), 1);
	T_EQ_INT(put(st, "d", 1), -1);
	T_EQ_INT(pb_state_in_transaction(st), 1);
	T_CHECK(strstr(pb_state_errmsg(st), "no d") != NULL);
	T_EQ_INT(pb_sub_put(st, &bad), -1);   /* CHECK constraint: outside a savepoint */
	T_EQ_INT(pb_state_in_transaction(st), 0);
	T_EQ_INT(pb_state_commit(st), -1);
	T_EQ_INT(count("failing", "SELECT count(*) FROM outbox"), 0);
	T_EQ_INT(put(st, "c", 1), 1);   /* the handle goes on */
	pb_state_close(st);
}

/* The data version moves when any handle changes a stored subscriber's settings. */
static void
test_data_version(void)
{
	char err[512] = "";
	struct pb_state *a = t_state_open(db_path("dv"), err, sizeof err);
	struct pb_state *b = t_state_open(db_path("dv"), err, sizeof err);
	struct pb_sub_row r = { .name = "ann", .settings = "{\"x\":1}", .source = "cli" };
	int64_t v0 = -1, v1 = -1, v2 = -1, own = -1;

	T_CHECK(a && b);
	if (!a || !b)
		goto out;
	T_EQ_INT(pb_state_data_version(a, &v0), 0);
	T_EQ_INT(pb_sub_put(b, &r), 0);
	T_EQ_INT(pb_state_data_version(a, &v1), 0);
	T_CHECK(v1 > v0);
	r.state = "paused";   /* the settings stay: no change to what is loaded */
	T_EQ_INT(pb_sub_put(b, &r), 0);
	T_EQ_INT(pb_state_data_version(a, &v2), 0);
	T_EQ_INT(v2, v1);
	T_EQ_INT(pb_sub_delete(a, "ann"), 1);
	T_EQ_INT(pb_state_data_version(a, &v2), 0);
	T_CHECK(v2 > v1);
	T_EQ_INT(pb_sub_local_changes(a, &own), 0);
	T_EQ_INT(own, 0);
	T_EQ_STR(pb_state_backend(a), "postgresql");
out:
	pb_state_close(a);
	pb_state_close(b);
}

/* The value of key among the options c connected with ("" when unset), copied to out. */
static const char *
conn_option(PGconn *c, const char *key, char *out, size_t n)
{
	PQconninfoOption *opts = c ? PQconninfo(c) : NULL;

	snprintf(out, n, "%s", "");
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0 && o->val)
			snprintf(out, n, "%s", o->val);
	PQconninfoFree(opts);
	return out;
}

/* A database host that falls silent is noticed by TCP within about a minute (keepalives for an
 * idle connection, tcp_user_timeout for a statement never acknowledged), not after TCP's own
 * quarter of an hour; what the conninfo says instead wins. The options are the client's own
 * (nothing server-side shows them): PQconninfo says what the connection was made with. */
static void
test_keepalives(void)
{
	char err[512] = "", v[64];
	struct pb_state *st = t_state_open(db_path("alive"), err, sizeof err);
	struct pb_buf ci = { 0 };

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_STR(conn_option(st->db->conn, "keepalives", v, sizeof v), "1");
	T_EQ_STR(conn_option(st->db->conn, "keepalives_idle", v, sizeof v), "30");
	T_EQ_STR(conn_option(st->db->conn, "keepalives_interval", v, sizeof v), "10");
	T_EQ_STR(conn_option(st->db->conn, "keepalives_count", v, sizeof v), "3");
	T_EQ_STR(conn_option(st->db->conn, "tcp_user_timeout", v, sizeof v), "60000");
	T_EQ_STR(conn_option(st->db->conn, "connect_timeout", v, sizeof v), "10");
	/* Kept by a reconnection. */
	T_EQ_INT(pb_state_reconnect(st, 5000), 0);
	T_EQ_STR(conn_option(st->db->conn, "tcp_user_timeout", v, sizeof v), "60000");
	pb_state_close(st);

	t_state_pg_conninfo(db_path("alive"), 0, &ci);
	pb_buf_puts(&ci, " keepalives_idle=7 tcp_user_timeout=0 keepalives=0");
	st = pb_state_open_pg(ci.data, PB_STATE_CREATE, NULL, err, sizeof err);
	T_CHECK(st != NULL);
	if (st) {
		T_EQ_STR(conn_option(st->db->conn, "keepalives", v, sizeof v), "0");
		T_EQ_STR(conn_option(st->db->conn, "keepalives_idle", v, sizeof v), "7");
		T_EQ_STR(conn_option(st->db->conn, "tcp_user_timeout", v, sizeof v), "0");
		T_EQ_STR(conn_option(st->db->conn, "keepalives_count", v, sizeof v), "3");
	}
	pb_state_close(st);
	pb_buf_free(&ci);
}

/* ---- a COMMIT whose reply is lost ----
 *
 * A proxy between the state and the server, on a Unix socket of its own (a child process):
 * it forwards both ways until a signal arms it for the next COMMIT, once. SIGUSR1: the COMMIT
 * goes on, the server's reply (the transaction has committed) is dropped with the connection.
 * SIGUSR2: the COMMIT is dropped with the client's side of the connection, and the server's
 * side stays open, silent, as over a network that went away: the server process waits in its
 * transaction, its locks held, not knowing its client is gone. SIGHUP: as SIGUSR2, and the
 * next COMMIT (the replayed transaction's) as SIGUSR1. */

static volatile sig_atomic_t proxy_armed;
static char proxy_socket[300];

static void
proxy_arm(int sig)
{
	proxy_armed = sig == SIGHUP ? 3 : sig == SIGUSR2 ? 2 : 1;
}

static int
unix_socket(const char *path, int listening)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (fd < 0)
		return -1;
	if (listening ? bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0 :
			connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
holds(const char *b, size_t n, const char *what, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(b + i, what, m) == 0)
			return 1;
	return 0;
}

static void
proxy_loop(int lfd, const char *server)
{
	static const char commit[] = "Q\0\0\0\x0b" "COMMIT";   /* and its NUL */
	struct pollfd p[1 + 2 * 8];
	int cl[8], sv[8], dropping[8], n = 0;
	char buf[65536];

	signal(SIGUSR1, proxy_arm);
	signal(SIGUSR2, proxy_arm);
	signal(SIGHUP, proxy_arm);
	for (;;) {
		p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < n; i++) {
			p[1 + 2 * i] = (struct pollfd){ .fd = cl[i], .events = POLLIN };
			p[2 + 2 * i] = (struct pollfd){ .fd = sv[i], .events = POLLIN };
		}
		if (poll(p, (nfds_t)(1 + 2 * n), -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if ((p[0].revents & POLLIN) && n < 8) {
			int c = accept(lfd, NULL, NULL), sfd = c >= 0 ? unix_socket(server, 0) : -1;

			if (sfd >= 0) {
				cl[n] = c;
				sv[n] = sfd;
				dropping[n++] = 0;
			} else if (c >= 0) {
				close(c);
			}
			continue;   /* the poll set changed */
		}
		for (int i = 0; i < n; i++) {
			ssize_t k = 0;
			int gone = 0;

			if (p[1 + 2 * i].revents) {
				k = read(cl[i], buf, sizeof buf);
				gone = k <= 0;
				if (k > 0 && proxy_armed &&
				    holds(buf, (size_t)k, commit, sizeof commit)) {
					dropping[i] = proxy_armed == 3 ? 2 : proxy_armed;
					proxy_armed = proxy_armed == 3 ? 1 : 0;
				}
				if (dropping[i] == 2) {
					close(cl[i]);   /* sv[i] stays open, silent */
					cl[i] = cl[n - 1];
					sv[i] = sv[n - 1];
					dropping[i] = dropping[n - 1];
					n--;
					break;
				}
				if (k > 0 && write(sv[i], buf, (size_t)k) != k)
					gone = 1;
			} else if (p[2 + 2 * i].revents) {
				k = read(sv[i], buf, sizeof buf);
				gone = k <= 0 || dropping[i];
				if (!gone && write(cl[i], buf, (size_t)k) != k)
					gone = 1;
			}
			if (gone) {
				close(cl[i]);
				close(sv[i]);
				cl[i] = cl[n - 1];
				sv[i] = sv[n - 1];
				dropping[i] = dropping[n - 1];
				n--;
				break;   /* the poll set changed */
			}
		}
	}
}

/* Starts the proxy in front of the server of PB_TEST_PG_CONNINFO (a Unix socket directory);
 * its pid, the conninfo through it into ci (path's schema), -1 when the server is not on a
 * Unix socket. */
static pid_t
proxy_start(const char *path, char *pdir, size_t pdir_len, struct pb_buf *ci)
{
	PQconninfoOption *opts = PQconninfoParse(t_state_pg(), NULL);
	char server[256] = "";
	const char *host = "", *port = "5432";
	int lfd;
	pid_t pid;

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "host") == 0 && o->val)
			host = o->val;
		if (strcmp(o->keyword, "port") == 0 && o->val && *o->val)
			port = o->val;
	}
	if (host[0] == '/')
		snprintf(server, sizeof server, "%s/.s.PGSQL.%s", host, port);
	snprintf(pdir, pdir_len, "/tmp/pb-pgproxy.XXXXXX");
	if (!server[0] || !mkdtemp(pdir)) {
		PQconninfoFree(opts);
		return -1;
	}
	snprintf(proxy_socket, sizeof proxy_socket, "%s/.s.PGSQL.%s", pdir, port);
	PQconninfoFree(opts);
	if ((lfd = unix_socket(proxy_socket, 1)) < 0) {
		rmdir(pdir);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		proxy_loop(lfd, server);
	close(lfd);
	t_state_pg_conninfo(path, 0, ci);
	pb_buf_printf(ci, " host=%s", pdir);
	return pid;
}

static void
proxy_stop(pid_t pid, const char *pdir)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(proxy_socket);
	rmdir(pdir);
}

/* A COMMIT the server carried out but whose reply the connection lost: after reconnecting the
 * state asks the server what became of the transaction and does not replay it: every count
 * and reference it changed changes once, and the COMMIT says it committed. */
/* The outcome of a lost COMMIT asked of a server that has no record of the transaction: one
 * stopped at once (a crash) before the transaction's writes reached its log comes back with
 * that id unassigned, and answers "transaction ID ... is in the future". Nothing of the
 * transaction is there: it did not commit, and is replayed (0), not given up (-1). A
 * transaction the server knows answers as before. */
static void
test_commit_outcome_unknown_xid(void)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(db_path("futurexid"), err, sizeof err);
	pb_db_stmt *s;
	char xid[24] = "";

	T_CHECK(st != NULL);
	if (!st)
		return;
	/* an id far past any the server assigned */
	snprintf(st->db->xid, sizeof st->db->xid, "%s", "4000000000");
	T_EQ_INT(pb_dbpg_commit_outcome(st->db, 0, 1000), 0);
	/* one it assigned and committed */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_db_exec(st->db, "CREATE TABLE futurexid_t (n integer)", err, sizeof err), 0);
	s = pb_db_prepare(st->db, "SELECT pg_current_xact_id()::text", 0);
	T_CHECK(s != NULL);
	if (s && pb_db_step(s) == PB_DB_ROW)
		snprintf(xid, sizeof xid, "%s", pb_db_col_text(s, 0));
	pb_db_finalize(s);
	T_EQ_INT(pb_state_commit(st), 0);
	T_CHECK(xid[0] != '\0');
	snprintf(st->db->xid, sizeof st->db->xid, "%s", xid);
	T_EQ_INT(pb_dbpg_commit_outcome(st->db, 0, 1000), 1);
	pb_state_close(st);
}

/* A COMMIT's reply lost with a server that restarted: the lost transaction's id may have gone
 * to the first transaction after the restart, another machine's, and its status is then that
 * one's. The transaction's own mark answers instead. Here the id is of a transaction that
 * committed (as the other machine's would have), under a server start of another time. */
static void
test_commit_outcome_after_restart(void)
{
	char err[512] = "", xid[24] = "", mark[33] = "", start[64] = "";
	struct pb_state *st = t_state_open(db_path("reusedxid"), err, sizeof err);
	pb_db_stmt *s;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_db_exec(st->db, "CREATE TABLE reusedxid_t (n integer)", err, sizeof err), 0);
	s = pb_db_prepare(st->db, "SELECT pg_current_xact_id()::text, "
			  "pg_postmaster_start_time()::text", 0);
	T_CHECK(s != NULL);
	if (s && pb_db_step(s) == PB_DB_ROW) {
		snprintf(xid, sizeof xid, "%s", pb_db_col_text(s, 0));
		snprintf(start, sizeof start, "%s", pb_db_col_text(s, 1));
	}
	pb_db_finalize(s);
	T_EQ_INT(pb_state_commit(st), 0);
	/* the committed transaction left its mark */
	snprintf(mark, sizeof mark, "%s", st->db->mark);
	T_EQ_INT((int)strlen(mark), 32);
	T_CHECK(xid[0] != '\0' && start[0] != '\0');
	/* a read-only one writes none */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("reusedxid", "SELECT count(*) FROM pb_commit_marks"), 1);

	/* the lost transaction, of another mark, under a server that started since: its id's
	 * "committed" is another transaction's */
	snprintf(st->db->xid, sizeof st->db->xid, "%s", xid);
	snprintf(st->db->mark, sizeof st->db->mark, "%s", "0123456789abcdef0123456789abcdef");
	snprintf(st->db->xid_start, sizeof st->db->xid_start, "%s", "2000-01-01 00:00:00+00");
	T_EQ_INT(pb_dbpg_commit_outcome(st->db, 0, 1000), 0);
	/* its own mark: it committed */
	snprintf(st->db->mark, sizeof st->db->mark, "%s", mark);
	T_EQ_INT(pb_dbpg_commit_outcome(st->db, 0, 1000), 1);
	/* the server that gave the id: the id's status answers */
	snprintf(st->db->mark, sizeof st->db->mark, "%s", "0123456789abcdef0123456789abcdef");
	snprintf(st->db->xid_start, sizeof st->db->xid_start, "%s", start);
	T_EQ_INT(pb_dbpg_commit_outcome(st->db, 0, 1000), 1);

	/* pruning deletes the marks of more than an hour ago */
	T_EQ_INT(t_state_raw_exec(db_path("reusedxid"), "INSERT INTO pb_commit_marks VALUES "
				  "('old', 1000)"), 0);
	T_EQ_INT(pb_state_prune(st, 90) >= 0, 1);
	T_EQ_INT(count("reusedxid", "SELECT count(*) FROM pb_commit_marks WHERE token = 'old'"),
		 0);
	/* the recent one stays (and the prune's own is there too) */
	T_EQ_INT(count("reusedxid", "SELECT count(*) FROM pb_commit_marks WHERE created > 1000"),
		 2);
	pb_state_close(st);
}

static void
test_commit_reply_lost(void)
{
	char err[512] = "", pdir[64];
	struct pb_state *st = t_state_open(db_path("lostreply"), err, sizeof err);
	struct pb_buf ci = { 0 };
	pid_t proxy;

	T_CHECK(st != NULL);
	pb_state_close(st);
	T_EQ_INT(t_state_raw_exec(db_path("lostreply"),
				  "CREATE TABLE tally (n integer NOT NULL); INSERT INTO tally"
				  " VALUES (0)"), 0);
	proxy = proxy_start(db_path("lostreply"), pdir, sizeof pdir, &ci);
	if (proxy < 0) {
		printf("test_state_pg: the lost COMMIT reply is tested only with the server on a "
		       "Unix socket\n");
		pb_buf_free(&ci);
		return;
	}
	st = pb_state_open_pg(ci.data, PB_STATE_CREATE, NULL, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		goto out;

	/* A count: the replay would add it again. */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_db_exec(st->db, "UPDATE tally SET n = n + 1", err, sizeof err), 0);
	kill(proxy, SIGUSR1);
	usleep(100000);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("lostreply", "SELECT n FROM tally"), 1);

	/* A message enqueued (its row, its body's chunk references): committed once, and said
	 * to be, rather than refused as a replay that answers otherwise. */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(put(st, "e", 1), 1);
	kill(proxy, SIGUSR1);
	usleep(100000);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("lostreply", "SELECT count(*) FROM outbox"), 1);
	T_EQ_INT(count("lostreply", "SELECT count(*) FROM outbox_body"), 1);
	T_EQ_INT(put(st, "e", 1), 0);   /* already there */

	/* Nothing written, nothing to ask: the read-only transaction ends as before. */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_outbox_pending(st), 1);
	kill(proxy, SIGUSR1);
	usleep(100000);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(pb_db_exec(st->db, "UPDATE tally SET n = n + 1", err, sizeof err), 0);
	T_EQ_INT(count("lostreply", "SELECT n FROM tally"), 2);

	/* A COMMIT that never reached the server, whose process waits on, holding the row the
	 * transaction changed: ended, its transaction aborts, and the replay commits it once. */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_db_exec(st->db, "UPDATE tally SET n = n + 1", err, sizeof err), 0);
	kill(proxy, SIGUSR2);
	usleep(100000);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("lostreply", "SELECT n FROM tally"), 3);

	/* The same, and the replayed transaction's COMMIT carried out but its reply lost too:
	 * asked about in turn, committed once, and said to be. */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_db_exec(st->db, "UPDATE tally SET n = n + 1", err, sizeof err), 0);
	kill(proxy, SIGHUP);
	usleep(100000);
	T_EQ_INT(pb_state_commit(st), 0);
	T_EQ_INT(count("lostreply", "SELECT n FROM tally"), 4);

	/* A transaction too large to replay (more than the redo log keeps): its COMMIT, carried
	 * out but its reply lost, is asked about too, and succeeds once. */
	{
		size_t big = (64u << 20) + 4096;
		char *text = pb_xcalloc(big + 1, 1);
		pb_db_stmt *s;

		memset(text, 'x', big);
		T_EQ_INT(pb_state_begin(st), 0);
		T_EQ_INT(pb_db_exec(st->db, "UPDATE tally SET n = n + 1", err, sizeof err), 0);
		s = pb_db_prepare(st->db, "SELECT length(?1)", 0);
		T_CHECK(s != NULL);
		if (s) {
			pb_db_bind_text(s, 1, text);
			T_EQ_INT(pb_db_step(s), PB_DB_ROW);
			pb_db_finalize(s);
		}
		T_EQ_INT(st->db->logging, 2);
		free(text);
		kill(proxy, SIGUSR1);
		usleep(100000);
		T_EQ_INT(pb_state_commit(st), 0);
		T_EQ_INT(count("lostreply", "SELECT n FROM tally"), 5);
	}
out:
	pb_state_close(st);
	proxy_stop(proxy, pdir);
	pb_buf_free(&ci);
}

/* PB_TEST_PG_SILENT_HOST=live or dead, from integration test 96, which takes the network away
 * in the middle of the dead one: a statement that outlasts the keepalives' minute on a live
 * server ends as it should (its kernel answers them); one whose host falls silent fails within
 * about a minute instead of the quarter of an hour TCP would wait. */
static void
test_silent_host(const char *phase)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(db_path("silent"), err, sizeof err);
	int live = strcmp(phase, "live") == 0;
	time_t t0 = time(NULL);
	int rc;

	T_CHECK(st != NULL);
	if (!st)
		return;
	pb_state_set_patience(st, 0);
	printf("test_state_pg: %s: running\n", phase);
	fflush(stdout);
	rc = pb_db_exec(st->db, live ? "SELECT pg_sleep(70)" : "SELECT pg_sleep(600)", err,
			sizeof err);
	printf("test_state_pg: %s: %s after %lld s%s%s\n", phase, rc == 0 ? "ended" : "failed",
	       (long long)(time(NULL) - t0), rc ? ": " : "", rc ? err : "");
	T_EQ_INT(rc, live ? 0 : -1);
	if (!live) {
		T_CHECK(time(NULL) - t0 < 100);
		T_EQ_INT(pb_state_lost(st), 1);
	}
	pb_state_close(st);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR"), *silent = getenv("PB_TEST_PG_SILENT_HOST");

	if (!t_state_pg()) {
		printf("test_state_pg: skipped (PB_TEST_PG_CONNINFO is not set; make unit-pg)\n");
		return 0;
	}
	snprintf(dir, sizeof dir, "%s/pb-test-state-pg", tmp ? tmp : "/tmp");
	if (silent && *silent) {
		test_silent_host(silent);
		return t_done("test_state_pg");
	}
	test_replay();
	test_no_patience();
	test_failed_statement();
	test_data_version();
	test_keepalives();
	test_commit_reply_lost();
	test_commit_outcome_unknown_xid();
	test_commit_outcome_after_restart();
	return t_done("test_state_pg");
}
