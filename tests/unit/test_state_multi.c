/* Several machines on one state: two handles on one database, each with its own machine
 * name, as two processes would be (SQLite, or PostgreSQL with PB_TEST_PG_CONNINFO). Fetch claims and the papers they pass on, outbox claims
 * (whole destinations, leases, release), shared pacing, heartbeats, digests found. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/paper.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

static char dir[256];

static struct pb_state *
open_as(const char *machine)
{
	char err[512] = "", path[512];
	struct pb_state *st;

	snprintf(path, sizeof path, "%s/shared.db", dir);
	st = t_state_open(path, err, sizeof err);
	if (!st) {
		fprintf(stderr, "open %s: %s\n", path, err);
		exit(1);
	}
	pb_state_set_machine(st, machine);
	return st;
}

static void
make_paper(struct pb_paper *p, const char *id, int version)
{
	memset(p, 0, sizeof *p);
	p->id = strdup(id);
	p->version = version;
	p->title = strdup("A title with \"quotes\" and ü");
	p->abstract = strdup("The abstract.");
	p->n_authors = 2;
	p->authors = calloc(2, sizeof *p->authors);
	p->authors[0].name = strdup("Ann Author");
	p->authors[0].n_affils = 1;
	p->authors[0].affils = calloc(1, sizeof(char *));
	p->authors[0].affils[0] = strdup("Somewhere U");
	p->authors[1].name = strdup("Bob");
	p->n_categories = 2;
	p->categories = calloc(2, sizeof(char *));
	p->categories[0] = strdup("cs.CL");
	p->categories[1] = strdup("cs.LG");
	p->announce = PB_ANN_REPLACE_CROSS;
	p->comment = strdup("12 pages");
	p->doi = strdup("10.1/x");
}

static void
test_fetch_claim(void)
{
	struct pb_state *a = open_as("alpha"), *b = open_as("beta");
	struct pb_paperset ps, got;
	struct pb_paper p;
	char msg[512];
	int fs = -1;
	long http = -1;

	pb_paperset_init(&ps);
	pb_paperset_init(&got);
	make_paper(&p, "2412.00001", 2);
	pb_paperset_add(&ps, &p);
	make_paper(&p, "2412.00002", 1);
	p.n_authors_all = 6120;         /* a large collaboration's: the first authors kept */
	pb_paperset_add(&ps, &p);
	ps.announce_date = strdup("2026-12-04");

	T_EQ_INT(pb_fetch_claim_take(a, "latest:2026-12-04", 1000, 600, 60, -1), PB_FETCH_CLAIM_MINE);
	/* The other machine waits while the lease lives. */
	T_EQ_INT(pb_fetch_claim_take(b, "latest:2026-12-04", 1001, 600, 60, -1), PB_FETCH_CLAIM_WAIT);
	T_EQ_INT(pb_fetch_claim_load(b, "latest:2026-12-04", &got, &fs, &http, msg, sizeof msg),
		 0);
	T_EQ_INT(pb_fetch_claim_finish(a, "latest:2026-12-04", 1, &ps, 0, 200, ""), 0);
	T_EQ_INT(pb_fetch_claim_take(b, "latest:2026-12-04", 1002, 600, 60, -1), PB_FETCH_CLAIM_DONE);
	T_EQ_INT(pb_fetch_claim_load(b, "latest:2026-12-04", &got, &fs, &http, msg, sizeof msg),
		 1);
	T_EQ_INT(fs, 0);
	T_EQ_INT(http, 200);
	T_EQ_INT(got.n, 2);
	T_EQ_STR(got.announce_date, "2026-12-04");
	if (got.n == 2) {
		/* Every field comes back as the fetcher had it. */
		for (size_t i = 0; i < 2; i++) {
			char *x = pb_paper_to_json(&ps.v[i]), *y = pb_paper_to_json(&got.v[i]);
			T_EQ_STR(y, x);
			free(x);
			free(y);
		}
		T_EQ_INT(got.v[0].announce, PB_ANN_REPLACE_CROSS);
		T_EQ_STR(got.v[0].authors[0].affils[0], "Somewhere U");
	}
	pb_paperset_free(&got);

	/* A fetcher that died: its lease runs out and another machine takes the claim; the dead
	 * one can no longer finish it. */
	T_EQ_INT(pb_fetch_claim_take(a, "2026-12-03", 2000, 10, 60, -1), PB_FETCH_CLAIM_MINE);
	T_EQ_INT(pb_fetch_claim_take(b, "2026-12-03", 2005, 10, 60, -1), PB_FETCH_CLAIM_WAIT);
	T_EQ_INT(pb_fetch_claim_take(b, "2026-12-03", 2011, 10, 60, -1), PB_FETCH_CLAIM_MINE);
	T_EQ_INT(pb_fetch_claim_renew(a, "2026-12-03", 2012, 10), 0);
	T_EQ_INT(pb_fetch_claim_renew(b, "2026-12-03", 2012, 10), 1);
	T_CHECK(pb_fetch_claim_finish(a, "2026-12-03", 1, &ps, 0, 200, "") < 0);

	/* A failure is passed on for a while (no second request), then tried again. */
	T_EQ_INT(pb_fetch_claim_finish(b, "2026-12-03", 0, NULL, 3, 503, "arXiv said 503"), 0);
	T_EQ_INT(pb_fetch_claim_take(a, "2026-12-03", (int64_t)time(NULL), 10, 60, -1),
		 PB_FETCH_CLAIM_FAILED);
	T_EQ_INT(pb_fetch_claim_load(a, "2026-12-03", &got, &fs, &http, msg, sizeof msg), 1);
	T_EQ_INT(fs, 3);
	T_EQ_INT(http, 503);
	T_EQ_STR(msg, "arXiv said 503");
	T_EQ_INT(got.n, 0);
	pb_paperset_free(&got);
	T_EQ_INT(pb_fetch_claim_take(a, "2026-12-03", (int64_t)time(NULL) + 61, 10, 60, -1),
		 PB_FETCH_CLAIM_MINE);
	/* A machine's own claim never serves it: alone, it fetches as it always did. */
	T_EQ_INT(pb_fetch_claim_finish(a, "2026-12-03", 1, &ps, 0, 200, ""), 0);
	T_EQ_INT(pb_fetch_claim_take(a, "2026-12-03", (int64_t)time(NULL) + 62, 10, 60, -1),
		 PB_FETCH_CLAIM_MINE);
	T_EQ_INT(pb_fetch_claim_finish(a, "2026-12-03", 1, &ps, 0, 200, ""), 0);
	/* Another's papers serve reuse_s, then they are fetched again. */
	T_EQ_INT(pb_fetch_claim_take(b, "2026-12-03", (int64_t)time(NULL) + 100, 10, 60, 1800),
		 PB_FETCH_CLAIM_DONE);
	T_EQ_INT(pb_fetch_claim_take(b, "2026-12-03", (int64_t)time(NULL) + 1801, 10, 60, 1800),
		 PB_FETCH_CLAIM_MINE);
	pb_paperset_free(&ps);
	pb_state_close(a);
	pb_state_close(b);
}

static void
put(struct pb_state *st, const char *sub, const char *dest, int part, int n_parts)
{
	struct pb_outbox_msg m;
	char id[128];

	snprintf(id, sizeof id, "2026-12-04/%s/email/%s/%d", sub, dest, part);
	memset(&m, 0, sizeof m);
	m.msg_id = id;
	m.subscriber = (char *)sub;
	m.channel = "email";
	m.dest = (char *)dest;
	m.digest_date = "2026-12-04";
	m.part = part;
	m.n_parts = n_parts;
	m.payload = "body";
	m.created = 100;
	T_EQ_INT(pb_outbox_put(st, &m), 1);
}

static void
test_outbox_claim(void)
{
	struct pb_state *a = open_as("alpha"), *b = open_as("beta");
	struct pb_outbox_msg *v = NULL, *w = NULL;
	struct pb_machine_row *mr = NULL;
	size_t n = 0, k = 0, nm = 0;

	put(a, "ann", "ann@x.org", 1, 2);
	put(a, "ann", "ann@x.org", 2, 2);
	put(a, "bob", "bob@x.org", 1, 1);
	put(a, "cat", "cat@x.org", 1, 1);
	T_EQ_INT(pb_outbox_has_digest(b, "2026-12-04", "ann", 0), 1);
	T_EQ_INT(pb_outbox_has_digest(b, "2026-12-05", "ann", 0), 0);
	T_EQ_INT(pb_outbox_has_digest(b, "2026-12-04", "an", 0), 0);

	/* alpha takes the first message only: ann's part 1. */
	T_EQ_INT(pb_outbox_claim(a, 1000, 60, 1, &v, &n), 0);
	T_EQ_INT(n, 1);
	if (n == 1) {
		T_EQ_STR(v[0].subscriber, "ann");
		T_EQ_INT(v[0].part, 1);
		T_EQ_STR(v[0].payload, "body");
	}
	pb_outbox_msgs_free(v, n);
	/* beta never gets ann's part 2 while alpha holds ann's destination. */
	T_EQ_INT(pb_outbox_claim(b, 1001, 60, 10, &w, &k), 0);
	T_EQ_INT(k, 2);
	for (size_t i = 0; i < k; i++)
		T_CHECK(strcmp(w[i].subscriber, "ann") != 0);
	pb_outbox_msgs_free(w, k);
	/* alpha again: its own first, then the rest of ann's digest; nothing of beta's. */
	T_EQ_INT(pb_outbox_claim(a, 1002, 60, 10, &v, &n), 0);
	T_EQ_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		T_EQ_STR(v[i].subscriber, "ann");
	if (n == 2)
		T_EQ_INT(pb_outbox_mark_sent(a, v[0].rowid, 1003), 0);
	pb_outbox_msgs_free(v, n);

	T_EQ_INT(pb_machine_beat(a, 11, 1000, 1003, 1), 0);
	T_EQ_INT(pb_machine_beat(a, 11, 1004, 1004, 0), 0);
	T_EQ_INT(pb_machine_beat(b, 22, 1001, 1004, 0), 0);
	T_EQ_INT(pb_machines_list(a, 1005, &mr, &nm), 0);
	T_EQ_INT(nm, 2);
	if (nm == 2) {
		T_EQ_STR(mr[0].name, "alpha");
		T_EQ_INT(mr[0].pid, 11);
		T_EQ_INT(mr[0].started, 1000);
		T_EQ_INT(mr[0].heartbeat, 1004);
		T_EQ_INT(mr[0].sent_total, 1);
		T_EQ_INT(mr[0].claims, 1);      /* ann's part 2 */
		T_EQ_STR(mr[1].name, "beta");
		T_EQ_INT(mr[1].claims, 2);
	}
	free(mr);

	/* alpha dies: once its lease has run out, beta takes ann's part 2. */
	T_EQ_INT(pb_outbox_claim(b, 1050, 60, 10, &w, &k), 0);
	T_EQ_INT(k, 2);
	pb_outbox_msgs_free(w, k);
	T_EQ_INT(pb_outbox_claim(b, 1070, 60, 10, &w, &k), 0);
	T_EQ_INT(k, 3);
	pb_outbox_msgs_free(w, k);
	/* Renewed, beta's claims keep alpha out; released, they are anyone's. */
	T_EQ_INT(pb_outbox_renew(b, 1120, 60), 3);
	T_EQ_INT(pb_outbox_claim(a, 1140, 60, 10, &v, &n), 0);
	T_EQ_INT(n, 0);
	pb_outbox_msgs_free(v, n);
	T_EQ_INT(pb_outbox_release(b), 3);
	T_EQ_INT(pb_outbox_claim(a, 1141, 60, 10, &v, &n), 0);
	T_EQ_INT(n, 3);
	pb_outbox_msgs_free(v, n);
	/* The plain due list still sees everything (one machine, no claims needed). */
	T_EQ_INT(pb_outbox_due(b, 1141, 10, &w, &k), 0);
	T_EQ_INT(k, 3);
	pb_outbox_msgs_free(w, k);
	pb_state_close(a);
	pb_state_close(b);
}

static void
test_pacing(void)
{
	struct pb_state *a = open_as("alpha"), *b = open_as("beta");
	const char *chat[2] = { "tg|chat|42", "tg|global" };
	const char *other[2] = { "tg|chat|43", "tg|global" };
	long iv[2] = { 1000, 34 };
	int64_t next = 0;

	T_EQ_INT(pb_pace_take(a, chat, iv, 2, 10000, &next), 1);
	/* The same chat from the other machine waits for the chat's interval ... */
	T_EQ_INT(pb_pace_take(b, chat, iv, 2, 10100, &next), 0);
	T_EQ_INT(next, 11000);
	/* ... another chat only for the global one, and no slot is spent meanwhile. */
	T_EQ_INT(pb_pace_take(b, other, iv, 2, 10020, &next), 0);
	T_EQ_INT(next, 10034);
	T_EQ_INT(pb_pace_take(b, other, iv, 2, 10034, &next), 1);
	T_EQ_INT(pb_pace_take(b, chat, iv, 2, 11000, &next), 1);
	T_EQ_INT(pb_pace_take(a, chat, iv, 2, 11500, &next), 0);
	T_EQ_INT(next, 12000);
	/* A hold of the global key (a service's global limit) keeps every chat back, on every
	 * machine, and never shortens a later slot. */
	T_EQ_INT(pb_pace_hold(a, "tg|global", 15000), 0);
	T_EQ_INT(pb_pace_take(b, other, iv, 2, 12000, &next), 0);
	T_EQ_INT(next, 15000);
	T_EQ_INT(pb_pace_hold(b, "tg|global", 13000), 0);
	T_EQ_INT(pb_pace_take(a, other, iv, 2, 14000, &next), 0);
	T_EQ_INT(next, 15000);
	T_EQ_INT(pb_pace_take(a, other, iv, 2, 15000, &next), 1);
	pb_state_close(a);
	pb_state_close(b);
}

struct pace_call {
	struct pb_state *st;
	const char *key;
	int rc, commit;   /* commit: then the transaction's commit, and its result */
};

static void *
pace_thread(void *arg)
{
	struct pace_call *c = arg;
	long iv = 1000;
	int64_t next;

	c->rc = pb_pace_take(c->st, &c->key, &iv, 1, 10000, &next);
	if (c->commit)
		c->commit = pb_state_commit(c->st);
	return NULL;
}

/* Delivery takes pacing slots inside the transaction that records its results. Two machines
 * taking two slots in opposite orders deadlock on PostgreSQL, which breaks it by failing one
 * statement: that slot alone is given up, never the results recorded before it in the same
 * transaction (they were rolled back, their messages sent again by the next run). */
static void
test_pacing_deadlock(void)
{
	struct pb_state *a, *b;
	struct pace_call ca, cb;
	struct pb_machine_row *v = NULL;
	pthread_t th;
	size_t n = 0;
	int found = 0;

	if (!t_state_pg())
		return;   /* SQLite has one writer: no two transactions wait for each other */
	a = open_as("gamma");
	b = open_as("delta");
	T_EQ_INT(pb_state_begin(a), 0);
	T_EQ_INT(pb_machine_beat(a, 1, 1, time(NULL), 1), 0);
	ca = (struct pace_call){ a, "dl|1", -2, 0 };
	pace_thread(&ca);
	T_EQ_INT(ca.rc, 1);
	T_EQ_INT(pb_state_begin(b), 0);
	T_EQ_INT(pb_machine_beat(b, 2, 1, time(NULL), 1), 0);
	cb = (struct pace_call){ b, "dl|2", -2, 0 };
	pace_thread(&cb);
	T_EQ_INT(cb.rc, 1);
	/* alpha waits for beta's slot, then beta for alpha's */
	ca = (struct pace_call){ a, "dl|2", -2, 1 };
	T_EQ_INT(pthread_create(&th, NULL, pace_thread, &ca), 0);
	usleep(300 * 1000);
	cb = (struct pace_call){ b, "dl|1", -2, 1 };
	pace_thread(&cb);
	pthread_join(th, NULL);
	T_CHECK(ca.rc == -1 || cb.rc == -1);   /* one of them was the deadlock's victim */
	T_EQ_INT(ca.commit, 0);
	T_EQ_INT(cb.commit, 0);
	/* both transactions' earlier writes kept */
	T_EQ_INT(pb_machines_list(a, time(NULL), &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		found += strcmp(v[i].name, "gamma") == 0 || strcmp(v[i].name, "delta") == 0;
	T_EQ_INT(found, 2);
	free(v);
	pb_state_close(a);
	pb_state_close(b);
}

/* A machine at work beats through pb_machine_alive: at once the first time, then not again
 * within a third of the lease, and never inside an open transaction. */
static void
test_machine_alive(void)
{
	struct pb_state *a = open_as("alpha");
	struct pb_machine_row *mr = NULL;
	size_t nm = 0;

	T_EQ_INT(pb_machine_beat_due(a, 60), 1);
	T_EQ_INT(pb_machine_alive(a, 60), 1);
	T_EQ_INT(pb_machine_beat_due(a, 60), 0);
	T_EQ_INT(pb_machine_alive(a, 60), 0);
	T_EQ_INT(pb_machines_list(a, time(NULL), &mr, &nm), 0);
	T_EQ_INT(nm >= 1, 1);
	if (nm >= 1) {
		T_EQ_STR(mr[0].name, "alpha");
		T_CHECK(mr[0].heartbeat >= time(NULL) - 1);
		T_EQ_INT(mr[0].pid, getpid());
	}
	free(mr);
	/* lease 5: due again after 1.67 s, but not inside a transaction */
	usleep(1800 * 1000);
	T_EQ_INT(pb_machine_beat_due(a, 5), 1);
	T_EQ_INT(pb_state_begin(a), 0);
	T_EQ_INT(pb_machine_alive(a, 5), 0);
	T_EQ_INT(pb_state_commit(a), 0);
	T_EQ_INT(pb_machine_alive(a, 5), 1);
	pb_state_close(a);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "%s/pb-test-multi-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_fetch_claim();
	test_outbox_claim();
	test_machine_alive();
	test_pacing();
	test_pacing_deadlock();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_state_multi");
}
