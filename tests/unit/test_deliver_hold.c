/* Delivery of messages whose subscriber an administrator took out of the configuration (its
 * block deleted from the file, and not stored either): held, not sent and not settled; the
 * held are counted; they go once the subscriber is back, and expire with the delivery
 * lifetime as any message. A subscriber the load left out for a while (paused) and one stored
 * in the state after the configuration was loaded (a sign-up on another machine) keep being
 * delivered to as before. Through the file sink, on the config as the commands load it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

#define DATE "2026-03-02"
#define LIFETIME_S (24 * 3600)

static char dir[256];

static const char *
path_of(const char *name)
{
	static char p[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

/* The file's subscribers are amy, pat and those named in more ("NAME" each). */
static void
write_conf(const char *more)
{
	struct pb_buf b = { 0 };
	FILE *f = fopen(path_of("pb.conf"), "w");

	if (!f)
		return;
	pb_buf_printf(&b, "state_dir = \"%s/state\";\narxiv = { categories = [\"cs.CL\"]; };\n"
		      "file = { dir = \"%s/out\"; };\n", dir, dir);
	t_state_conf(&b, path_of("state/paperboy.db"));
	pb_buf_puts(&b, "subscribers = (\n");
	pb_buf_puts(&b, "  { name = \"amy\"; topics = ( { name = \"t\"; query = \"abs:x\"; } ); },\n");
	pb_buf_puts(&b, "  { name = \"pat\"; topics = ( { name = \"t\"; query = \"abs:x\"; } ); }");
	for (const char *p = more; p && *p; p += strlen(p) + 1)
		pb_buf_printf(&b, ",\n  { name = \"%s\"; topics = ( { name = \"t\"; "
			      "query = \"abs:x\"; } ); }", p);
	pb_buf_puts(&b, "\n);\n");
	fputs(b.data, f);
	fclose(f);
	pb_buf_free(&b);
}

static void
put(struct pb_state *st, const char *sub, int64_t created)
{
	struct pb_outbox_msg m;
	struct pb_buf id = { 0 };

	memset(&m, 0, sizeof m);
	pb_buf_printf(&id, DATE "/%s/file/digest.md/1", sub);
	m.msg_id = id.data;
	m.subscriber = (char *)sub;
	m.channel = (char *)"file";
	m.dest = (char *)"digest.md";
	m.digest_date = (char *)DATE;
	m.part = m.n_parts = 1;
	m.payload = (char *)"# digest\n";
	m.created = created;
	T_EQ_INT(pb_outbox_put(st, &m), 1);
	pb_buf_free(&id);
}

/* The message of sub, its status, attempts, next attempt and last error. */
static int
get(struct pb_state *st, const char *sub, struct pb_outbox_msg *m)
{
	char id[128];

	snprintf(id, sizeof id, DATE "/%s/file/digest.md/1", sub);
	return pb_outbox_get(st, id, m);
}

static int
written(const char *sub)
{
	struct stat sb;
	char p[64];

	snprintf(p, sizeof p, "out/" DATE "/%s/digest.md", sub);
	return stat(path_of(p), &sb) == 0;
}

static int
deliver(struct pb_state *st, const struct pb_config *cfg, struct pb_deliver_stats *ds)
{
	struct pb_deliver_opts o;
	char err[512] = "";
	int rc;

	memset(&o, 0, sizeof o);
	rc = pb_deliver_run(st, cfg, &o, ds, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "deliver: %s\n", err);
	return rc;
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	struct pb_deliver_stats ds;
	struct pb_outbox_msg m;
	struct pb_sub_row row = { 0 };
	struct pb_config *cfg;
	struct pb_state *st;
	struct pb_buf cmd = { 0 };
	char err[512] = "";
	int64_t now = (int64_t)time(NULL), old;

	pb_log_setup(PB_LOG_WARN, 0);
	snprintf(dir, sizeof dir, "%s/pb-test-hold-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	mkdir(path_of("state"), 0700);
	st = t_state_open(path_of("state/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return t_done("test_deliver_hold");
	/* pat is paused: its block is there, the load leaves it out */
	row.name = "pat";
	row.state = "paused";
	row.source = "config";
	T_EQ_INT(pb_sub_put(st, &row), 0);
	/* bo's block was deleted: a row of the file's subscriber (resumed once) is all that is
	 * left of it, and so is nothing of zoe */
	row.name = "bo";
	row.state = "active";
	T_EQ_INT(pb_sub_put(st, &row), 0);
	write_conf(NULL);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return t_done("test_deliver_hold");
	T_CHECK(pb_config_subscriber(cfg, "pat") == NULL);
	T_EQ_INT(pb_config_left_out(cfg, "pat"), 1);
	T_EQ_INT(pb_config_left_out(cfg, "bo"), 0);
	/* web signed up after this config was loaded (on another machine sharing the state) */
	row.name = "web";
	row.settings = "{\"name\":\"web\",\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}";
	row.source = "web";
	T_EQ_INT(pb_sub_put(st, &row), 0);
	put(st, "amy", now);
	put(st, "pat", now);
	put(st, "web", now);
	put(st, "bo", now);
	put(st, "zoe", now);
	/* ol's is two seconds from the end of its lifetime */
	old = now - LIFETIME_S + 2;
	put(st, "ol", old);

	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	T_EQ_INT(ds.sent, 3);
	T_EQ_INT(written("amy"), 1);
	T_EQ_INT(written("pat"), 1);   /* as before: the paused keep their own handling */
	T_EQ_INT(written("web"), 1);
	/* the removed are held: pending, no attempt, looked at again later, none written */
	T_EQ_INT(ds.held, 3);
	T_EQ_INT(ds.pending, 3);
	T_EQ_INT(ds.expired, 0);
	T_EQ_INT(ds.failed, 0);
	T_EQ_INT(written("bo"), 0);
	T_EQ_INT(written("zoe"), 0);
	T_EQ_INT(written("ol"), 0);
	T_EQ_INT(get(st, "zoe", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PENDING);
	T_EQ_INT(m.attempts, 0);
	T_EQ_STR(m.last_error, PB_OUTBOX_HELD);
	T_CHECK(m.next_attempt > now + 60);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(get(st, "bo", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PENDING);
	pb_outbox_msg_clear(&m);
	/* not looked at past the end of its lifetime */
	T_EQ_INT(get(st, "ol", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PENDING);
	T_EQ_INT(m.next_attempt, old + LIFETIME_S);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_held(st), 3);
	/* nothing to wait for: a run's --wait and the daemon do not wake for the held */
	T_EQ_INT(pb_outbox_next_due(st), -1);

	/* again at once: nothing due, nothing sent, still held */
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	T_EQ_INT(ds.sent, 0);
	T_EQ_INT(ds.held, 3);
	T_EQ_INT(written("zoe"), 0);

	/* at the end of its lifetime, a held message expires as any other */
	while ((int64_t)time(NULL) < old + LIFETIME_S)
		usleep(100000);
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	T_EQ_INT(ds.expired, 1);
	T_EQ_INT(ds.held, 2);
	T_EQ_INT(get(st, "ol", &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(written("ol"), 0);

	/* zoe's block is back: her held message goes at once; bo is still out */
	pb_config_free(cfg);
	write_conf("zoe\0");
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return t_done("test_deliver_hold");
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	T_EQ_INT(ds.sent, 1);
	T_EQ_INT(written("zoe"), 1);
	T_EQ_INT(written("bo"), 0);
	T_EQ_INT(ds.held, 1);
	T_EQ_INT(get(st, "zoe", &m), 1);
	T_EQ_INT(m.status, PB_OUT_SENT);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_held(st), 1);
	/* made due, a message is no longer counted held, and is waited for */
	T_EQ_INT(pb_outbox_unhold(st, "bo", (int64_t)time(NULL)), 1);
	T_EQ_INT(pb_outbox_held(st), 0);
	T_CHECK(pb_outbox_next_due(st) > 0);

	pb_config_free(cfg);
	pb_state_close(st);
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_deliver_hold");
}
