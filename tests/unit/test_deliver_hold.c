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

/* The file's subscribers are amy, pat, those named in more ("NAME" each) and those whose
 * blocks' keys are in keyed ("NAME\0KEYS\0" each). Email goes to a port where nothing
 * listens: a message sent to is tried, and waits for a retry. */
static void
write_conf_keyed(const char *more, const char *keyed)
{
	struct pb_buf b = { 0 };
	FILE *f = fopen(path_of("pb.conf"), "w");

	if (!f)
		return;
	pb_buf_printf(&b, "state_dir = \"%s/state\";\narxiv = { categories = [\"cs.CL\"]; };\n"
		      "file = { dir = \"%s/out\"; };\n", dir, dir);
	pb_buf_puts(&b, "email = { smtp_url = \"smtp://127.0.0.1:1\"; tls = \"none\";\n"
		    "  from = \"digest <digest@example.org>\"; };\n");
	t_state_conf(&b, path_of("state/paperboy.db"));
	pb_buf_puts(&b, "subscribers = (\n");
	pb_buf_puts(&b, "  { name = \"amy\"; topics = ( { name = \"t\"; query = \"abs:x\"; } ); },\n");
	pb_buf_puts(&b, "  { name = \"pat\"; topics = ( { name = \"t\"; query = \"abs:x\"; } ); }");
	for (const char *p = more; p && *p; p += strlen(p) + 1)
		pb_buf_printf(&b, ",\n  { name = \"%s\"; topics = ( { name = \"t\"; "
			      "query = \"abs:x\"; } ); }", p);
	for (const char *p = keyed; p && *p; p += strlen(p) + 1) {
		const char *keys = p + strlen(p) + 1;

		pb_buf_printf(&b, ",\n  { name = \"%s\"; %s topics = ( { name = \"t\"; "
			      "query = \"abs:x\"; } ); }", p, keys);
		p = keys;
	}
	pb_buf_puts(&b, "\n);\n");
	fputs(b.data, f);
	fclose(f);
	pb_buf_free(&b);
}

static void
write_conf(const char *more)
{
	write_conf_keyed(more, NULL);
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

/* A message of sub to dest on channel, as a run makes it (fp: the webhook's fingerprint). */
static void
put_to(struct pb_state *st, const char *sub, const char *channel, const char *dest,
       const char *fp)
{
	struct pb_outbox_msg m;
	struct pb_buf id = { 0 };

	memset(&m, 0, sizeof m);
	pb_buf_printf(&id, DATE "/%s/%s/%s/1", sub, channel, dest);
	m.msg_id = id.data;
	m.subscriber = (char *)sub;
	m.channel = (char *)channel;
	m.dest = (char *)dest;
	m.fingerprint = (char *)fp;
	m.digest_date = (char *)DATE;
	m.part = m.n_parts = 1;
	m.payload = strcmp(channel, "email") == 0
			    ? (char *)"From: digest@example.org\r\nSubject: d\r\n\r\ndigest\r\n"
			    : (char *)"{\"text\": \"digest\"}";
	m.created = (int64_t)time(NULL);
	T_EQ_INT(pb_outbox_put(st, &m), 1);
	pb_buf_free(&id);
}

/* The message of sub on channel to dest: its status, attempts and last error. */
static int
get_to(struct pb_state *st, const char *sub, const char *channel, const char *dest,
       struct pb_outbox_msg *m)
{
	char id[160];

	snprintf(id, sizeof id, DATE "/%s/%s/%s/1", sub, channel, dest);
	return pb_outbox_get(st, id, m);
}

/* Sent (tried: the port refuses, so it waits for a retry), not settled. */
static void
check_tried(struct pb_state *st, const char *sub, const char *channel, const char *dest)
{
	struct pb_outbox_msg m;

	T_EQ_INT(get_to(st, sub, channel, dest, &m), 1);
	if (m.attempts != 1 || m.status != PB_OUT_PENDING)
		fprintf(stderr, "  %s %s %s: not tried: status %d attempts %d error %s\n", sub,
			channel, dest, (int)m.status, m.attempts, m.last_error ? m.last_error : "-");
	T_EQ_INT(m.status, PB_OUT_PENDING);
	T_EQ_INT(m.attempts, 1);
	pb_outbox_msg_clear(&m);
}

/* Settled, never tried: the destination was no longer the subscriber's. */
static void
check_dropped(struct pb_state *st, const char *sub, const char *channel, const char *dest)
{
	struct pb_outbox_msg m;

	T_EQ_INT(get_to(st, sub, channel, dest, &m), 1);
	if (m.status != PB_OUT_EXPIRED)
		fprintf(stderr, "  %s %s %s: not dropped: status %d attempts %d error %s\n", sub,
			channel, dest, (int)m.status, m.attempts, m.last_error ? m.last_error : "-");
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	T_EQ_INT(m.attempts, 0);
	T_EQ_STR(m.last_error, PB_OUTBOX_HELD_DROPPED);
	pb_outbox_msg_clear(&m);
}

/* Held messages whose subscriber's name comes back: to the same address (its domain in
 * another case) and the same webhook URL they go; to another address or URL (another reader
 * given the name), or to a webhook the message does not say, they are settled unsent. Both
 * ways: released at the start of delivery, and due on their own. */
static void
test_dest_back(struct pb_state *st)
{
	static const char before[] =
		"ed\0email = [\"Ed@Example.ORG\"];\0"
		"eo\0email = [\"eo@example.org\"];\0"
		"ws\0slack_webhook_env = \"PB_T_HOLD_A\";\0"
		"wo\0slack_webhook_env = \"PB_T_HOLD_A\";\0"
		"wd\0slack_webhook_env = \"PB_T_HOLD_A\";\0";
	/* back: ed's and ws's the same (an address's domain in any case), eo another reader at
	 * another address, wo and wd another team's webhook, wn's unsaid */
	static const char back[] =
		"ed\0email = [\"x@example.org\", \"Ed@example.org\"];\0"
		"eo\0email = [\"eo2@example.org\"];\0"
		"ws\0slack_webhook_env = \"PB_T_HOLD_A\";\0"
		"wo\0slack_webhook_env = \"PB_T_HOLD_B\";\0"
		"wd\0slack_webhook_env = \"PB_T_HOLD_B\";\0"
		"wn\0slack_webhook_env = \"PB_T_HOLD_A\";\0"
		"es\0email = [\"es@example.org\"];\0"
		"ex\0email = [\"ex2@example.org\"];\0";
	struct pb_deliver_stats ds;
	struct pb_outbox_msg m;
	struct pb_config *cfg;
	char fp[PB_DEST_FP_LEN];
	int64_t now;

	setenv("PB_T_HOLD_A", "http://127.0.0.1:1/hooks/a", 1);
	setenv("PB_T_HOLD_B", "http://127.0.0.1:1/hooks/b", 1);
	/* the messages as the run before the removal made them */
	write_conf_keyed(NULL, before);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("slack"), pb_config_subscriber(cfg, "ws"), fp),
		 1);
	pb_config_free(cfg);
	put_to(st, "ed", "email", "Ed@Example.ORG", NULL);
	put_to(st, "eo", "email", "eo@example.org", NULL);
	put_to(st, "ws", "slack", "webhook", fp);
	put_to(st, "wo", "slack", "webhook", fp);
	put_to(st, "wd", "slack", "webhook", fp);
	put_to(st, "wn", "slack", "webhook", NULL);   /* from before the outbox kept it */
	put_to(st, "es", "email", "es@example.org", NULL);
	put_to(st, "ex", "email", "ex@example.org", NULL);

	/* all removed: held */
	write_conf(NULL);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	T_EQ_INT(ds.held, 8);
	T_EQ_INT(ds.sent + ds.failed + ds.expired, 0);
	pb_config_free(cfg);
	/* es's, ex's and wd's held messages are due on their own (the daemon slept past them) */
	now = (int64_t)time(NULL);
	T_EQ_INT(get_to(st, "es", "email", "es@example.org", &m), 1);
	T_EQ_INT(pb_outbox_hold(st, m.rowid, now, now), 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(get_to(st, "ex", "email", "ex@example.org", &m), 1);
	T_EQ_INT(pb_outbox_hold(st, m.rowid, now, now), 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(get_to(st, "wd", "slack", "webhook", &m), 1);
	T_EQ_INT(pb_outbox_hold(st, m.rowid, now, now), 0);
	pb_outbox_msg_clear(&m);

	/* the names back */
	write_conf_keyed(NULL, back);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	check_tried(st, "ed", "email", "Ed@Example.ORG");
	check_tried(st, "ws", "slack", "webhook");
	check_tried(st, "es", "email", "es@example.org");
	check_dropped(st, "eo", "email", "eo@example.org");
	check_dropped(st, "wo", "slack", "webhook");
	check_dropped(st, "wd", "slack", "webhook");
	check_dropped(st, "wn", "slack", "webhook");
	check_dropped(st, "ex", "email", "ex@example.org");
	T_EQ_INT(ds.expired, 5);
	T_EQ_INT(ds.held, 0);
	T_EQ_INT(pb_outbox_held(st), 0);
	T_EQ_INT(pb_outbox_held_dropped(st), 5);
	pb_config_free(cfg);
}

/* Held messages due on their own, whose destination a suppression of the former reader's
 * names (an address that unsubscribed, a webhook that was revoked): the name back with
 * another address or URL, they are settled as not its, and are not paused for the
 * suppression (to go later with a resume) nor a cause for lifting it (which would put back
 * the former's lost digest for the new URL). */
static void
test_held_suppressed(struct pb_state *st)
{
	static const char before[] =
		"eu\0email = [\"eu@example.org\"];\0"
		"wu\0slack_webhook_env = \"PB_T_HOLD_A\";\0";
	static const char back[] =
		"eu\0email = [\"eu2@example.org\"];\0"
		"wu\0slack_webhook_env = \"PB_T_HOLD_B\";\0";
	struct pb_deliver_stats ds;
	struct pb_outbox_msg m;
	struct pb_config *cfg;
	char fp[PB_DEST_FP_LEN];
	int64_t now;

	setenv("PB_T_HOLD_A", "http://127.0.0.1:1/hooks/a", 1);
	setenv("PB_T_HOLD_B", "http://127.0.0.1:1/hooks/b", 1);
	write_conf_keyed(NULL, before);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("slack"), pb_config_subscriber(cfg, "wu"), fp),
		 1);
	pb_config_free(cfg);
	put_to(st, "eu", "email", "eu@example.org", NULL);
	put_to(st, "wu", "slack", "webhook", fp);
	/* the blocks deleted: held, then due on their own */
	write_conf(NULL);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	pb_config_free(cfg);
	now = (int64_t)time(NULL);
	T_EQ_INT(get_to(st, "eu", "email", "eu@example.org", &m), 1);
	T_EQ_STR(m.last_error, PB_OUTBOX_HELD);
	T_EQ_INT(pb_outbox_hold(st, m.rowid, now, now), 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(get_to(st, "wu", "slack", "webhook", &m), 1);
	T_EQ_STR(m.last_error, PB_OUTBOX_HELD);
	T_EQ_INT(pb_outbox_hold(st, m.rowid, now, now), 0);
	pb_outbox_msg_clear(&m);
	/* the former readers' suppressions: eu unsubscribed, wu's webhook refused a digest
	 * whose later part waits, paused, for it */
	T_EQ_INT(pb_suppress_put(st, "eu", "email", "eu@example.org", "unsubscribed", NULL), 0);
	T_EQ_INT(pb_suppress_put(st, "wu", "slack", "webhook", "HTTP 404: no_service", fp), 0);
	memset(&m, 0, sizeof m);
	m.msg_id = (char *)"2026-03-01/wu/slack/webhook/2";
	m.subscriber = (char *)"wu";
	m.channel = (char *)"slack";
	m.dest = (char *)"webhook";
	m.fingerprint = fp;
	m.digest_date = (char *)"2026-03-01";
	m.part = m.n_parts = 2;
	m.payload = (char *)"{\"text\": \"digest\"}";
	m.status = PB_OUT_PAUSED;
	m.last_error = (char *)PB_OUTBOX_SUPPRESSED;
	m.created = now;
	T_EQ_INT(pb_outbox_put(st, &m), 1);

	/* the names back, as other readers */
	write_conf_keyed(NULL, back);
	cfg = pb_cli_load_config(path_of("pb.conf"));
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	memset(&ds, 0, sizeof ds);
	T_EQ_INT(deliver(st, cfg, &ds), 0);
	check_dropped(st, "eu", "email", "eu@example.org");
	check_dropped(st, "wu", "slack", "webhook");
	T_EQ_INT(pb_outbox_get(st, "2026-03-01/wu/slack/webhook/2", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PAUSED);
	T_EQ_INT(m.attempts, 0);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(ds.sent + ds.retried + ds.failed, 0);
	pb_config_free(cfg);
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
	/* bo's, made due, is left out of what follows */
	T_EQ_INT(get(st, "bo", &m), 1);
	T_EQ_INT(pb_outbox_mark_status(st, m.rowid, PB_OUT_EXPIRED, NULL), 0);
	pb_outbox_msg_clear(&m);

	test_dest_back(st);
	test_held_suppressed(st);

	pb_state_close(st);
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_deliver_hold");
}
