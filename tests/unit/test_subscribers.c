/* Stored subscribers: the state's table (rows in and out, the allowed states, the migration
 * from schema 3, generations), and the config's loading of JSON settings through the same key
 * table as the file (types, checks, required root keys, duplicate names), --set's typing, what
 * `subscriber remove` leaves of a subscriber (nothing more is sent to it), and a run's view of
 * a subscriber removed, replaced or paused while it builds. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/run.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

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

static void
test_store(void)
{
	char err[512] = "";
	struct pb_state *st = t_state_open(path_of("a.db"), err, sizeof err);
	struct pb_sub_row r = { 0 }, got, *v = NULL;
	size_t n = 0;
	int64_t g1;

	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	T_EQ_INT(pb_sub_get(st, "ann", &got), 0);
	r.name = "ann";
	r.settings = "{\"name\":\"ann\"}";
	r.source = "cli";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	r.name = "bob";
	r.settings = NULL;
	r.state = "paused";
	r.reason = "on leave";
	r.source = "config";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	T_EQ_INT(pb_sub_get(st, "ann", &got), 1);
	T_EQ_STR(got.state, "active");
	T_EQ_STR(got.source, "cli");
	T_EQ_STR(got.settings, "{\"name\":\"ann\"}");
	T_CHECK(got.reason == NULL);
	T_CHECK(got.created > 0 && got.updated >= got.created);
	pb_sub_row_clear(&got);
	/* a state outside the four is refused by the table */
	r.state = "deleted";
	T_EQ_INT(pb_sub_put(st, &r), -1);
	T_EQ_INT(pb_sub_get(st, "bob", &got), 1);
	T_EQ_STR(got.state, "paused");
	T_EQ_STR(got.reason, "on leave");
	T_CHECK(got.settings == NULL);
	pb_sub_row_clear(&got);
	/* a put replaces, keeping created */
	r.state = "active";
	r.reason = NULL;
	T_EQ_INT(pb_sub_put(st, &r), 0);
	T_EQ_INT(pb_sub_list(st, &v, &n), 0);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(v[0].name, "ann");
		T_EQ_STR(v[1].name, "bob");
		T_EQ_STR(v[1].state, "active");
		T_CHECK(v[1].reason == NULL);
	}
	pb_sub_rows_free(v, n);
	/* generations: a put keeps the row's; settings where there were none (another ann
	 * after a removal, a stored bob on the file's bob's row) are a subscriber after all
	 * before it of the name */
	T_EQ_INT(pb_sub_get(st, "ann", &got), 1);
	g1 = got.generation;
	T_CHECK(g1 > 0);
	pb_sub_row_clear(&got);
	r.name = "ann";
	r.settings = "{\"name\":\"ann\",\"language\":\"de\"}";
	r.source = "cli";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	T_EQ_INT(pb_sub_get(st, "ann", &got), 1);
	T_EQ_INT(got.generation, g1);
	pb_sub_row_clear(&got);
	T_EQ_INT(pb_sub_delete(st, "ann"), 1);
	T_EQ_INT(pb_sub_delete(st, "ann"), 0);
	T_EQ_INT(pb_sub_get(st, "ann", &got), 0);
	T_EQ_INT(pb_sub_put(st, &r), 0);
	T_EQ_INT(pb_sub_get(st, "ann", &got), 1);
	T_CHECK(got.generation > g1);
	pb_sub_row_clear(&got);
	T_EQ_INT(pb_sub_get(st, "bob", &got), 1);
	g1 = got.generation;
	pb_sub_row_clear(&got);
	r.name = "bob";
	r.settings = "{\"name\":\"bob\"}";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	T_EQ_INT(pb_sub_get(st, "bob", &got), 1);
	T_CHECK(got.generation > g1);
	pb_sub_row_clear(&got);
	pb_state_close(st);
}

/* A database of schema 3 gains the table, its rows kept. */
static void
test_migrate(void)
{
	sqlite3 *db = NULL;
	char err[512] = "";
	struct pb_state *st;
	struct pb_sub_row r = { .name = "x", .settings = "{}", .source = "cli" };

	if (t_state_pg())
		return;   /* a SQLite file of schema 3 */
	T_EQ_INT(sqlite3_open(path_of("old.db"), &db), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(db, "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
			      "INSERT INTO meta VALUES('schema_version', '3');"
			      "CREATE TABLE keepme(a);"
			      /* what later migrations alter, as schema 3 had them */
			      "CREATE TABLE outbox(rowid INTEGER PRIMARY KEY, msg_id TEXT,"
			      " subscriber TEXT, channel TEXT, dest TEXT, digest_date TEXT,"
			      " status INTEGER NOT NULL DEFAULT 0);"
			      "CREATE TABLE runs(id INTEGER PRIMARY KEY, digest_date TEXT,"
			      " status TEXT);"
			      "CREATE TABLE ledger(subscriber TEXT, paper_id TEXT, version INTEGER,"
			      " digest_date TEXT, added INTEGER);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = t_state_open(path_of("old.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	T_EQ_INT(pb_sub_put(st, &r), 0);
	pb_state_close(st);
}

static void
write_conf(const char *name, const char *extra)
{
	FILE *f = fopen(path_of(name), "w");

	if (!f)
		return;
	fprintf(f, "state_dir = \"%s/state\";\n"
		"arxiv = { categories = [\"cs.CL\"]; };\n"
		"%s\n"
		"subscribers = ( { name = \"lab\"; topics = ( { name = \"t\"; query = \"abs:x\"; } ); } );\n",
		dir, extra);
	fclose(f);
}

/* Loads the config with one stored subscriber; returns the first error's "KEY: MESSAGE", or
 * "ok" when it loads. */
static const char *
load_one(const char *conf, const char *json)
{
	static char out[1024];
	struct pb_config_error ce;
	struct pb_config *cfg = pb_config_load_stored(path_of(conf), &json, 1, &ce);

	if (!cfg) {
		snprintf(out, sizeof out, "%s: %s", ce.key, ce.message);
		return out;
	}
	snprintf(out, sizeof out, "ok");
	pb_config_free(cfg);
	return out;
}

static void
test_load(void)
{
	struct pb_config_error ce;
	const char *j = "{\"name\":\"ann\",\"email\":[\"ann@example.org\"],\"max_papers\":5,"
			"\"include_cross\":false,\"topics\":[{\"name\":\"nlp\",\"query\":"
			"\"cat:cs.CL\"}]}";
	struct pb_config *cfg;

	write_conf("mail.conf", "email = { smtp_url = \"smtp://127.0.0.1:2525\"; "
		   "from = \"b@example.org\"; tls = \"none\"; };");
	write_conf("plain.conf", "");
	cfg = pb_config_load_stored(path_of("mail.conf"), &j, 1, &ce);
	T_CHECK(cfg != NULL);
	if (cfg) {
		const struct pb_subscriber *s = pb_config_subscriber(cfg, "ann");

		T_EQ_INT(cfg->n_subscribers, 2);
		T_CHECK(!cfg->subscribers[0].stored);
		T_CHECK(s && s->stored);
		if (s) {
			T_EQ_INT(s->max_papers, 5);
			T_CHECK(!s->include_cross);
			T_EQ_STR(s->language, "en");      /* the table's default */
			T_EQ_INT(s->n_emails, 1);
			T_EQ_INT(s->n_topics, 1);
			T_EQ_STR(s->topics[0].query, "cat:cs.CL");
			T_EQ_STR(s->file, "(stored)");
		}
		pb_config_free(cfg);
	}
	/* the same checks as the file */
	T_CHECK(strstr(load_one("plain.conf", j), "email: email given but email.smtp_url is not set"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"email\":\"nope\",\"topics\":"
				"[{\"name\":\"t\",\"query\":\"x\"}]}"), "is not an email address"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"max_papers\":0,\"topics\":"
				"[{\"name\":\"t\",\"query\":\"x\"}]}"), "out of range"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"max_papers\":\"5\",\"topics\":"
				"[{\"name\":\"t\",\"query\":\"x\"}]}"), "expected an integer"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"colour\":1,\"topics\":"
				"[{\"name\":\"t\",\"query\":\"x\"}]}"), "unknown key"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\"}"), "topics: missing"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"lab\",\"topics\":"
				"[{\"name\":\"t\",\"query\":\"x\"}]}"), "duplicate subscriber name"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"slack_webhook\":\"https://x\","
				"\"topics\":[{\"name\":\"t\",\"query\":\"x\"}]}"),
		       "secrets are not written in the config"));
	/* what JSON can say and libconfig cannot hold */
	T_CHECK(strstr(load_one("mail.conf", "[1,2]"), "not a JSON object"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":null}"), "null"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"bad key\":1}"), "is not a key"));
	T_CHECK(strstr(load_one("mail.conf", "{\"name\":\"a\",\"name\":\"b\"}"), "given twice"));
	T_CHECK(strstr(load_one("mail.conf", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}"),
		       "nested too deeply"));
	T_CHECK(strstr(load_one("mail.conf", "not json"), "not JSON"));
	/* a topic's own lists (exclude, like, follow_authors), as the file has them */
	T_EQ_STR(load_one("mail.conf", "{\"name\":\"a\",\"topics\":[{\"name\":\"t\","
			  "\"query\":\"abs:robot\",\"exclude\":[\"ti:survey\",\"ti:review\"],"
			  "\"follow_authors\":[\"Plenio, M\"]}]}"), "ok");
	j = "{\"name\":\"b\",\"email\":\"b@example.org\",\"topics\":[{\"name\":\"t\","
	    "\"query\":\"abs:robot\",\"exclude\":[\"ti:survey\"]}]}";
	cfg = pb_config_load_stored(path_of("mail.conf"), &j, 1, &ce);
	T_CHECK(cfg != NULL);
	if (cfg) {
		const struct pb_subscriber *s = pb_config_subscriber(cfg, "b");

		T_CHECK(s && s->n_topics == 1 && s->topics[0].n_exclude == 1);
		if (s && s->n_topics == 1 && s->topics[0].n_exclude == 1)
			T_EQ_STR(s->topics[0].exclude[0], "ti:survey");
		pb_config_free(cfg);
	}
}

static void
test_set(void)
{
	cJSON *o = cJSON_CreateObject();
	char msg[400];
	char *s;

	T_EQ_INT(pb_config_stored_set(o, "max_papers", "7", msg, sizeof msg), 0);
	T_EQ_INT(pb_config_stored_set(o, "include_cross", "false", msg, sizeof msg), 0);
	T_EQ_INT(pb_config_stored_set(o, "telegram_chat", "12345", msg, sizeof msg), 0);
	T_EQ_INT(pb_config_stored_set(o, "slack_webhook_env", "HOOK", msg, sizeof msg), 0);
	T_EQ_INT(pb_config_stored_set(o, "exclude", "abs:survey", msg, sizeof msg), 0);
	T_EQ_INT(pb_config_stored_set(o, "exclude", "ti:review", msg, sizeof msg), 0);
	s = cJSON_PrintUnformatted(o);
	T_EQ_STR(s, "{\"max_papers\":7,\"include_cross\":false,\"telegram_chat\":\"12345\","
		 "\"slack_webhook_env\":\"HOOK\",\"exclude\":[\"abs:survey\",\"ti:review\"]}");
	free(s);
	T_EQ_INT(pb_config_stored_set(o, "max_papers", "many", msg, sizeof msg), -1);
	T_CHECK(strstr(msg, "not a number"));
	T_EQ_INT(pb_config_stored_set(o, "include_cross", "yes", msg, sizeof msg), -1);
	T_EQ_INT(pb_config_stored_set(o, "slack_webhook", "https://x", msg, sizeof msg), -1);
	T_CHECK(strstr(msg, "KEY_env or KEY_file"));
	T_EQ_INT(pb_config_stored_set(o, "topics", "x", msg, sizeof msg), -1);
	T_EQ_INT(pb_config_stored_set(o, "state_dir", "/x", msg, sizeof msg), -1);
	cJSON_Delete(o);
}


/* The state of `subscriber remove`'s test: the stored subscriber "gone" to remove and the
 * file's "lab", each with rows of its own. */
static const char *
remove_conf(void)
{
	struct pb_buf c = { 0 };
	FILE *f;

	pb_buf_printf(&c, "state_dir = \"%s/rm\";\n"
		      "arxiv = { categories = [\"cs.CL\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n"
		      "subscribers = ( { name = \"lab\"; email = \"lab@example.org\";"
		      " topics = ( { name = \"t\"; query = \"abs:x\"; } ); } );\n", dir);
	t_state_conf(&c, path_of("rm/paperboy.db"));
	f = fopen(path_of("rm.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("rm.conf");
	pb_buf_free(&c);
	mkdir(path_of("rm"), 0700);
	return path_of("rm.conf");
}

static void
put_msg(struct pb_state *st, const char *sub, const char *date, enum pb_outbox_status status)
{
	struct pb_outbox_msg m;
	char id[128], dest[64];

	snprintf(dest, sizeof dest, "%s@example.org", sub);
	snprintf(id, sizeof id, "%s/%s/email/%s/1", date, sub, dest);
	memset(&m, 0, sizeof m);
	m.msg_id = id;
	m.subscriber = (char *)sub;
	m.channel = "email";
	m.dest = dest;
	m.digest_date = (char *)date;
	m.part = m.n_parts = 1;
	m.payload = "Subject: digest\r\n\r\npapers\r\n";
	m.status = status;
	T_EQ_INT(pb_outbox_put(st, &m), 1);
}

/* The subscribers of the pending messages due now, space-separated, in delivery order. */
static const char *
due_subs(struct pb_state *st)
{
	static char out[256];
	struct pb_outbox_msg *v = NULL;
	size_t n = 0, k = 0;

	out[0] = '\0';
	T_EQ_INT(pb_outbox_due(st, pb_now() + 86400, 100, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, k < sizeof out ? sizeof out - k : 0, "%s%s",
				      i ? " " : "", v[i].subscriber);
	pb_outbox_msgs_free(v, n);
	return out;
}

/* `paperboy subscriber remove NAME` on conf, its output to /dev/null. Its exit status. */
static int
remove_cmd(const char *conf, const char *name)
{
	char *argv[] = { "subscriber", "remove", (char *)name, NULL };
	int saved, fd, rc;

	fflush(stdout);
	saved = dup(1);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	close(fd);
	rc = pb_cmd_subscriber(3, argv, conf);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

static void
test_remove(void)
{
	const char *conf = remove_conf();
	char err[512] = "";
	struct pb_state *st = t_state_open(path_of("rm/paperboy.db"), err, sizeof err);
	struct pb_sub_row r = { 0 };
	struct pb_outbox_msg m;
	struct pb_feedback_row *fb = NULL;
	size_t n = 0;

	T_CHECK(st != NULL);
	if (!st) {
		fprintf(stderr, "state: %s\n", err);
		return;
	}
	r.name = "gone";
	r.settings = "{\"name\":\"gone\",\"email\":[\"gone@example.org\"],"
		     "\"topics\":[{\"name\":\"t\",\"query\":\"abs:y\"}]}";
	r.source = "web";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	/* gone's: one sent, one waiting for its SMTP server, one failed, one paused */
	put_msg(st, "gone", "2026-03-02", PB_OUT_SENT);
	put_msg(st, "gone", "2026-03-03", PB_OUT_PENDING);
	put_msg(st, "gone", "2026-03-04", PB_OUT_FAILED);
	put_msg(st, "gone", "2026-03-05", PB_OUT_PAUSED);
	put_msg(st, "lab", "2026-03-03", PB_OUT_PENDING);
	T_EQ_STR(due_subs(st), "gone lab");
	T_EQ_INT(pb_feedback_put(st, "gone", "2401.00001", -1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "lab", "2401.00001", 1, "web"), 0);
	T_EQ_INT(pb_ledger_add(st, "gone", "2401.00002", 1, "2026-03-02"), 0);
	T_EQ_INT(pb_ledger_add(st, "lab", "2401.00002", 1, "2026-03-02"), 0);
	T_EQ_INT(pb_suppress_put(st, "gone", "email", "gone@example.org",
				 "the recipient unsubscribed", NULL), 0);
	T_EQ_INT(pb_suppress_put(st, "lab", "email", "lab@example.org",
				 "550 no such user", NULL), 0);
	pb_state_close(st);

	T_EQ_INT(remove_cmd(conf, "gone"), 0);
	st = t_state_open(path_of("rm/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_sub_get(st, "gone", &r), 0);
	/* nothing more goes to gone: not now, not after `paperboy retry` */
	T_EQ_STR(due_subs(st), "lab");
	T_EQ_INT(pb_outbox_requeue(st, NULL), 0);
	T_EQ_STR(due_subs(st), "lab");
	T_EQ_INT(pb_outbox_get(st, "2026-03-03/gone/email/gone@example.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	T_EQ_STR(m.last_error, "the subscriber was removed");
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2026-03-02/gone/email/gone@example.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_SENT);   /* what was sent stays said so */
	pb_outbox_msg_clear(&m);
	/* its verdicts go with it: the next subscriber given the name learns none of them */
	T_EQ_INT(pb_feedback_list(st, "gone", &fb, &n), 0);
	T_EQ_INT(n, 0);
	pb_feedback_rows_free(fb, n);
	T_EQ_INT(pb_feedback_list(st, "lab", &fb, &n), 0);
	T_EQ_INT(n, 1);
	pb_feedback_rows_free(fb, n);
	/* and the papers it was sent: the next one of the name is sent them as anyone new */
	T_EQ_INT(pb_ledger_has(st, "gone", "2401.00002", NULL), 0);
	T_EQ_INT(pb_ledger_has(st, "lab", "2401.00002", NULL), 1);
	/* and its suppressions: a sign-up of the address again, confirmed, is sent its digest */
	T_EQ_INT(pb_suppress_has(st, "gone", "email", "gone@example.org"), 0);
	T_EQ_INT(pb_suppress_has(st, "lab", "email", "lab@example.org"), 1);
	pb_state_close(st);
}

/* A run that loaded a stored subscriber before `subscriber remove` deleted it enqueues nothing
 * for it: the removal settled what was enqueued when it ran, and would not see what came after.
 * The run is given the configuration as loaded before the removal. */
static void
test_remove_during_run(void)
{
	const char *stored[] = { "{\"name\":\"late\",\"email\":[\"late@example.org\"],"
				 "\"topics\":[{\"name\":\"t\",\"query\":\"ti:outlier\"}]}" };
	struct pb_buf c = { 0 };
	struct pb_config_error ce;
	struct pb_config *cfg = NULL;
	struct pb_run_opts o = { 0 };
	struct pb_run_report rep;
	struct pb_sub_row r = { 0 };
	struct pb_state *st;
	char err[512] = "";
	FILE *f;

	mkdir(path_of("race"), 0700);
	pb_buf_printf(&c, "state_dir = \"%s/race\";\n"
		      "arxiv = { categories = [\"cs.LG\", \"stat.ML\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n"
		      "subscribers = ( { name = \"lab\"; email = \"lab@example.org\";"
		      " topics = ( { name = \"t\"; query = \"ti:outlier\"; } ); } );\n", dir);
	t_state_conf(&c, path_of("race/paperboy.db"));
	f = fopen(path_of("race.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("race.conf");
	pb_buf_free(&c);
	st = t_state_open(path_of("race/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	r.name = "late";
	r.settings = (char *)stored[0];
	r.source = "web";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	/* the run's view: loaded with late */
	cfg = pb_config_load_stored(path_of("race.conf"), stored, 1, &ce);
	T_CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "race.conf: %s\n", ce.message);
		pb_state_close(st);
		return;
	}
	T_EQ_INT((int)cfg->n_subscribers, 2);
	/* removed meanwhile */
	T_EQ_INT(pb_state_begin(st), 0);
	T_EQ_INT(pb_sub_delete(st, "late"), 1);
	T_EQ_INT(pb_state_commit(st), 0);

	o.feed = t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml");
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_INT(pb_outbox_has_digest(st, rep.date, "lab", 0), 1);
	T_EQ_INT(pb_outbox_has_digest(st, rep.date, "late", 0), 0);
	pb_config_free(cfg);
	pb_state_close(st);
}

/* The stored subscribers of a configuration whose file has none (an installation served from
 * the web alone): loaded, and one whose address another stored one has is left out, naming it.
 * Nothing taken yet when the first is looked at. */
static void
test_stored_only(void)
{
	struct pb_buf c = { 0 }, problems = { 0 };
	struct pb_config_error ce;
	struct pb_config *cfg;
	struct pb_sub_row r = { 0 };
	struct pb_state *st;
	char err[512] = "";
	FILE *f;

	mkdir(path_of("only"), 0700);
	pb_buf_printf(&c, "state_dir = \"%s/only\";\n"
		      "arxiv = { categories = [\"cs.CV\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n", dir);
	t_state_conf(&c, path_of("only/paperboy.db"));
	f = fopen(path_of("only.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("only.conf");
	pb_buf_free(&c);
	st = t_state_open(path_of("only/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	r.source = "web";
	r.name = "p1";
	r.settings = "{\"name\":\"p1\",\"email\":[\"P@example.org\"],"
		     "\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	r.name = "p2";
	r.settings = "{\"name\":\"p2\",\"email\":[\"p@example.org\"],"
		     "\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	r.name = "p3";
	r.settings = "{\"name\":\"p3\",\"email\":[\"p3@example.org\"],"
		     "\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	/* an address from the web form may hold a right-to-left override (U+202E, which UTF-8
	 * mail allows): the message about it reaches the terminal escaped */
	r.name = "p4";
	r.settings = "{\"name\":\"p4\",\"email\":[\"q\xE2\x80\xAEx@example.org\"],"
		     "\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	r.name = "p5";
	r.settings = "{\"name\":\"p5\",\"email\":[\"Q\xE2\x80\xAEx@example.org\"],"
		     "\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	pb_state_close(st);
	cfg = pb_config_load(path_of("only.conf"), &ce);
	T_CHECK(cfg != NULL);
	if (!cfg)
		return;
	T_EQ_INT((int)cfg->n_subscribers, 0);
	cfg = pb_cli_with_stored(cfg, 0, NULL, NULL, &problems);
	T_EQ_INT((int)cfg->n_subscribers, 3);
	T_CHECK(pb_config_subscriber(cfg, "p1") && pb_config_subscriber(cfg, "p3"));
	T_CHECK(strstr(pb_buf_str(&problems), "stored subscriber p2 is left out: its address "
		       "p@example.org is already used by stored subscriber p1") != NULL);
	T_CHECK(strstr(pb_buf_str(&problems), "stored subscriber p5 is left out: its address "
		       "Q\\u202Ex@example.org is already used by stored subscriber p4") != NULL);
	T_CHECK(strstr(pb_buf_str(&problems), "\xE2\x80\xAE") == NULL);
	pb_buf_free(&problems);
	pb_config_free(cfg);
}


/* `paperboy subscriber ARGS...` on conf, its output to /dev/null. Its exit status. */
static int
subscriber_cmd(const char *conf, char **args)
{
	char *argv[16] = { "subscriber" };
	int argc = 1, saved, fd, rc;

	while (args[argc - 1] && argc < 15) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(1);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	close(fd);
	rc = pb_cmd_subscriber(argc, argv, conf);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

/* A name a subscriber of the file had, freed when the administrator took it out of the file,
 * given by `subscriber add` to a new (stored) subscriber: the new one starts without what the
 * state kept of the former (its verdicts, the papers it was sent, its suppressed
 * destinations; its paused row), as after `subscriber remove`. Another's rows stay. */
static void
test_add_freed_name(void)
{
	struct pb_outbox_msg m;
	struct pb_buf c = { 0 };
	struct pb_feedback_row *fb = NULL;
	struct pb_sub_row r = { 0 };
	struct pb_state *st;
	char err[512] = "";
	size_t n = 0;
	FILE *f;
	char *add_old[] = { "add", "old", "--email", "new@example.org", "--topic", "t=abs:y",
			    "--set", "slack_webhook_env=PB_TEST_FREED_HOOK", NULL };
	char *add_paused[] = { "add", "paused", "--email", "p2@example.org", "--topic",
			       "t=abs:y", NULL };

	mkdir(path_of("freed"), 0700);
	pb_buf_printf(&c, "state_dir = \"%s/freed\";\n"
		      "arxiv = { categories = [\"cs.CL\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n"
		      "subscribers = ( { name = \"lab\"; email = \"lab@example.org\";"
		      " topics = ( { name = \"t\"; query = \"abs:x\"; } ); } );\n", dir);
	t_state_conf(&c, path_of("freed/paperboy.db"));
	f = fopen(path_of("freed.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("freed.conf");
	pb_buf_free(&c);
	setenv("PB_TEST_FREED_HOOK", "http://127.0.0.1:9/hook", 1);
	st = t_state_open(path_of("freed/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	/* what two former subscribers of the file left: "old" (never paused: no row) and
	 * "paused" (a row with its state) */
	T_EQ_INT(pb_feedback_put(st, "old", "2401.00001", -1, "web"), 0);
	T_EQ_INT(pb_ledger_add(st, "old", "2401.00002", 1, "2026-03-02"), 0);
	T_EQ_INT(pb_suppress_put(st, "old", "slack", "webhook", "HTTP 404: no_service", NULL), 0);
	T_EQ_INT(pb_suppress_put(st, "old", "email", "new@example.org",
				 "550 no such user", NULL), 0);
	r.name = "paused";
	r.state = "paused";
	r.reason = "on leave";
	r.source = "config";
	T_EQ_INT(pb_sub_put(st, &r), 0);
	T_EQ_INT(pb_ledger_add(st, "paused", "2401.00003", 1, "2026-03-02"), 0);
	T_EQ_INT(pb_feedback_put(st, "lab", "2401.00001", 1, "web"), 0);
	T_EQ_INT(pb_ledger_add(st, "lab", "2401.00002", 1, "2026-03-02"), 0);
	T_EQ_INT(pb_suppress_put(st, "lab", "email", "lab@example.org",
				 "550 no such user", NULL), 0);
	/* the former ones' messages not sent (a retry due, one failed), and lab's */
	put_msg(st, "old", "2026-03-02", PB_OUT_PENDING);
	put_msg(st, "paused", "2026-03-02", PB_OUT_FAILED);
	put_msg(st, "lab", "2026-03-02", PB_OUT_PENDING);
	pb_state_close(st);

	T_EQ_INT(subscriber_cmd(path_of("freed.conf"), add_old), 0);
	T_EQ_INT(subscriber_cmd(path_of("freed.conf"), add_paused), 0);
	st = t_state_open(path_of("freed/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_sub_get(st, "old", &r), 1);
	T_EQ_STR(r.state, "active");
	pb_sub_row_clear(&r);
	T_EQ_INT(pb_sub_get(st, "paused", &r), 1);
	T_EQ_STR(r.state, "active");
	pb_sub_row_clear(&r);
	/* the new "old" is sent to its webhook and its address, and every paper */
	T_EQ_INT(pb_suppress_has(st, "old", "slack", "webhook"), 0);
	T_EQ_INT(pb_suppress_has(st, "old", "email", "new@example.org"), 0);
	T_EQ_INT(pb_ledger_has(st, "old", "2401.00002", NULL), 0);
	T_EQ_INT(pb_ledger_has(st, "paused", "2401.00003", NULL), 0);
	T_EQ_INT(pb_feedback_list(st, "old", &fb, &n), 0);
	T_EQ_INT(n, 0);
	pb_feedback_rows_free(fb, n);
	/* lab's are its own */
	T_EQ_INT(pb_feedback_list(st, "lab", &fb, &n), 0);
	T_EQ_INT(n, 1);
	pb_feedback_rows_free(fb, n);
	T_EQ_INT(pb_ledger_has(st, "lab", "2401.00002", NULL), 1);
	T_EQ_INT(pb_suppress_has(st, "lab", "email", "lab@example.org"), 1);
	/* the former ones' unsent messages are settled, as a removal settles them: neither sent
	 * to the new one's destinations (a webhook is named "webhook" whatever its URL) nor
	 * requeued by its `resume`; lab's waits */
	T_EQ_INT(pb_outbox_requeue(st, NULL), 0);
	T_EQ_INT(pb_outbox_get(st, "2026-03-02/old/email/old@example.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	T_EQ_STR(m.last_error, "the subscriber was removed");
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_outbox_get(st, "2026-03-02/paused/email/paused@example.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	pb_outbox_msg_clear(&m);
	T_EQ_STR(due_subs(st), "lab");
	pb_state_close(st);
}

/* `subscriber pause` of a subscriber with a digest pending (due for a retry, or not yet
 * delivered): it waits, paused, and is not sent while the subscriber is; `resume` sends it.
 * Runs on test_add_freed_name's state, where lab's message is pending. */
static void
test_pause_pending(void)
{
	struct pb_outbox_msg m;
	struct pb_state *st;
	char err[512] = "";
	char *pause[] = { "pause", "lab", NULL }, *resume[] = { "resume", "lab", NULL };

	T_EQ_INT(subscriber_cmd(path_of("freed.conf"), pause), 0);
	st = t_state_open(path_of("freed/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_STR(due_subs(st), "");
	T_EQ_INT(pb_outbox_get(st, "2026-03-02/lab/email/lab@example.org/1", &m), 1);
	T_EQ_INT(m.status, PB_OUT_PAUSED);
	T_EQ_STR(m.last_error, "the subscriber is paused");
	pb_outbox_msg_clear(&m);
	pb_state_close(st);
	/* resume lifts lab's suppressed address too; the message goes again */
	T_EQ_INT(subscriber_cmd(path_of("freed.conf"), resume), 0);
	st = t_state_open(path_of("freed/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_STR(due_subs(st), "lab");
	pb_state_close(st);
}

/* The pending messages due by tomorrow as "subscriber:dest" (and " (g)" after one whose id
 * tells its subscriber from a former one of its name), space-separated, in delivery order. */
static const char *
due_dests(struct pb_state *st)
{
	static char out[512];
	struct pb_outbox_msg *v = NULL;
	size_t n = 0, k = 0;

	out[0] = '\0';
	T_EQ_INT(pb_outbox_due(st, pb_now() + 86400, 100, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, k < sizeof out ? sizeof out - k : 0, "%s%s:%s%s",
				      i ? " " : "", v[i].subscriber, v[i].dest,
				      strstr(v[i].msg_id, "/1/g") ? " (g)" : "");
	pb_outbox_msgs_free(v, n);
	return out;
}

/* The configuration as a run loads it: the file's subscribers and the stored active ones. */
static struct pb_config *
load_run_cfg(const char *conf)
{
	struct pb_config_error ce;
	struct pb_buf problems = { 0 };
	struct pb_config *cfg = pb_config_load(conf, &ce);

	T_CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "%s: %s\n", conf, ce.message);
		return NULL;
	}
	cfg = pb_cli_with_stored(cfg, 0, NULL, NULL, &problems);
	T_EQ_STR(pb_buf_str(&problems), "");
	pb_buf_free(&problems);
	return cfg;
}

/* A stored subscriber removed and another added under its name the same day is another
 * subscriber to a run: a run that loaded the former enqueues nothing for the new one (the
 * former's settings are not its), nor for a subscriber paused since it loaded them; the new
 * one's digest of the day is built though the former's is in the outbox (`run --only`), under
 * ids of its own, and once. */
static void
test_same_name_again(void)
{
	struct pb_buf c = { 0 };
	struct pb_config *old = NULL, *cfg = NULL;
	struct pb_run_opts o = { 0 };
	struct pb_run_report rep;
	struct pb_outbox_msg m;
	struct pb_state *st;
	char err[512] = "", id[128];
	FILE *f;
	char *add1[] = { "add", "ann", "--email", "a1@example.org", "--topic", "t=ti:outlier", NULL };
	char *add2[] = { "add", "ann", "--email", "a2@example.org", "--topic", "t=ti:outlier", NULL };
	char *add3[] = { "add", "ann", "--email", "a3@example.org", "--topic", "t=ti:outlier", NULL };
	char *add_bea[] = { "add", "bea", "--email", "bea@example.org", "--topic", "t=ti:outlier",
			    NULL };
	char *rm[] = { "remove", "ann", NULL }, *pause[] = { "pause", "bea", NULL };

	mkdir(path_of("again"), 0700);
	pb_buf_printf(&c, "state_dir = \"%s/again\";\n"
		      "arxiv = { categories = [\"cs.LG\", \"stat.ML\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n"
		      "file = { enabled = false; };\n"
		      "subscribers = ( { name = \"lab\"; email = \"lab@example.org\";"
		      " topics = ( { name = \"t\"; query = \"ti:outlier\"; } ); } );\n", dir);
	t_state_conf(&c, path_of("again/paperboy.db"));
	f = fopen(path_of("again.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("again.conf");
	pb_buf_free(&c);
	st = t_state_open(path_of("again/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	o.feed = t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml");

	/* A run loads ann and bea; before it enqueues, ann is removed and another ann added,
	 * and bea is paused. */
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), add1), 0);
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), add_bea), 0);
	old = load_run_cfg(path_of("again.conf"));
	if (!old)
		goto out;
	T_EQ_INT((int)old->n_subscribers, 3);
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), rm), 0);
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), add2), 0);
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), pause), 0);
	T_EQ_INT(pb_run_cycle(old, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "lab:lab@example.org");
	snprintf(id, sizeof id, "%s/ann/email/a1@example.org/1", rep.date);
	T_EQ_INT(pb_outbox_get(st, id, &m), 0);

	/* The new ann's digest of the day: nothing of it is in the outbox yet */
	cfg = load_run_cfg(path_of("again.conf"));
	if (!cfg)
		goto out;
	o.only = "ann";
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "ann:a2@example.org lab:lab@example.org");
	snprintf(id, sizeof id, "%s/ann/email/a2@example.org/1", rep.date);
	T_EQ_INT(pb_outbox_get(st, id, &m), 1);   /* the ids of the common case */
	pb_outbox_msg_clear(&m);
	pb_config_free(cfg);

	/* Removed, and a third ann added the same day: the second's digest is in the outbox
	 * (expired by the removal), and the third is sent its own, once. */
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), rm), 0);
	T_EQ_INT(subscriber_cmd(path_of("again.conf"), add3), 0);
	cfg = load_run_cfg(path_of("again.conf"));
	if (!cfg)
		goto out;
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "ann:a3@example.org (g) lab:lab@example.org");
	T_EQ_INT(pb_outbox_get(st, id, &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);
	pb_outbox_msg_clear(&m);
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 0);
	T_EQ_STR(due_dests(st), "ann:a3@example.org (g) lab:lab@example.org");
out:
	pb_config_free(cfg);
	pb_config_free(old);
	pb_state_close(st);
}

/* Writes conf (a name in dir) for the state in sub/ (a name in dir) with the file's
 * subscribers subs (the elements of its list), each a topic "t" = ti:outlier. */
static void
write_run_conf(const char *conf, const char *sub, const char *subs)
{
	struct pb_buf c = { 0 }, db = { 0 };
	FILE *f;

	mkdir(path_of(sub), 0700);
	pb_buf_printf(&db, "%s/paperboy.db", path_of(sub));
	pb_buf_printf(&c, "state_dir = \"%s\";\n"
		      "arxiv = { categories = [\"cs.LG\", \"stat.ML\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n"
		      "file = { enabled = false; };\n"
		      "subscribers = ( %s );\n", path_of(sub), subs);
	t_state_conf(&c, db.data);
	f = fopen(path_of(conf), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror(conf);
	pb_buf_free(&db);
	pb_buf_free(&c);
}

#define T_SUB(name, email) "{ name = \"" name "\"; email = \"" email "\";" \
	" topics = ( { name = \"t\"; query = \"ti:outlier\"; } ); }"

/* A subscriber of the file paused (`subscriber pause`) while a run builds, after the run
 * loaded the configuration, is enqueued nothing by it, as a stored one is not: the check is
 * one query for the batch, not one a subscriber. Resumed, it is built again. */
static void
test_file_pause_mid_run(void)
{
	struct pb_config *old = NULL, *cfg = NULL;
	struct pb_run_opts o = { 0 };
	struct pb_run_report rep;
	struct pb_state *st;
	char err[512] = "";
	char *pause[] = { "pause", "zed", NULL }, *resume[] = { "resume", "zed", NULL };

	write_run_conf("fpause.conf", "fpause", T_SUB("lab", "lab@example.org") ", "
		       T_SUB("zed", "zed@example.org"));
	st = t_state_open(path_of("fpause/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	o.feed = t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml");
	old = load_run_cfg(path_of("fpause.conf"));
	if (!old)
		goto out;
	T_EQ_INT((int)old->n_subscribers, 2);
	T_CHECK(old->rows_read > 0);
	T_EQ_INT(subscriber_cmd(path_of("fpause.conf"), pause), 0);
	T_EQ_INT(pb_run_cycle(old, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "lab:lab@example.org");
	T_EQ_INT(pb_outbox_has_digest(st, rep.date, "zed", 0), 0);

	/* resumed: its digest of the day is built */
	T_EQ_INT(subscriber_cmd(path_of("fpause.conf"), resume), 0);
	cfg = load_run_cfg(path_of("fpause.conf"));
	if (!cfg)
		goto out;
	o.only = "zed";
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "lab:lab@example.org zed:zed@example.org");
out:
	pb_config_free(cfg);
	pb_config_free(old);
	pb_state_close(st);
}

/* Marks every pending message of subscriber sent, as delivery would. */
static void
mark_sent(struct pb_state *st, const char *subscriber)
{
	struct pb_outbox_msg *v = NULL;
	size_t n = 0;

	T_EQ_INT(pb_outbox_due(st, pb_now() + 86400, 100, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].subscriber, subscriber) == 0)
			T_EQ_INT(pb_outbox_mark_sent(st, v[i].rowid, pb_now()), 0);
	pb_outbox_msgs_free(v, n);
}

/* A reader given a new subscriber of the name on a day the former's digest was built (moved
 * from the file into the state; removed and added again to start afresh) is not sent the
 * day's digest a second time at an address that has it: only at an address of its own, and
 * a digest that would go only where the former's went is not built. An address whose message
 * a removal settled unsent gets it. */
static void
test_same_address_again(void)
{
	struct pb_config *cfg = NULL;
	struct pb_run_opts o = { 0 };
	struct pb_run_report rep;
	struct pb_state *st;
	char err[512] = "";
	char *move[] = { "add", "ann", "--email", "same@example.org", "--email", "new@example.org",
			 "--topic", "t=ti:outlier", NULL };
	char *again[] = { "add", "ann", "--email", "Same@Example.org", "--topic", "t=ti:outlier",
			  NULL };
	char *add_bob[] = { "add", "bob", "--email", "bob@example.org", "--topic", "t=ti:outlier",
			    NULL };
	char *rm[] = { "remove", "ann", NULL }, *rm_bob[] = { "remove", "bob", NULL };

	write_run_conf("same.conf", "same", T_SUB("lab", "lab@example.org") ", "
		       T_SUB("ann", "same@example.org"));
	st = t_state_open(path_of("same/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	o.feed = t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml");
	cfg = load_run_cfg(path_of("same.conf"));
	if (!cfg)
		goto out;
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 2);
	T_EQ_STR(due_dests(st), "ann:same@example.org lab:lab@example.org");
	mark_sent(st, "ann");
	pb_config_free(cfg);

	/* ann moved from the file into the state, with another address beside hers */
	write_run_conf("same.conf", "same", T_SUB("lab", "lab@example.org"));
	T_EQ_INT(subscriber_cmd(path_of("same.conf"), move), 0);
	cfg = load_run_cfg(path_of("same.conf"));
	if (!cfg)
		goto out;
	o.only = "ann";
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "ann:new@example.org (g) lab:lab@example.org");
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 0);
	mark_sent(st, "ann");
	pb_config_free(cfg);

	/* removed and added again at her one address (its case changed: one mailbox), which has
	 * the day's digest: none */
	T_EQ_INT(subscriber_cmd(path_of("same.conf"), rm), 0);
	T_EQ_INT(subscriber_cmd(path_of("same.conf"), again), 0);
	cfg = load_run_cfg(path_of("same.conf"));
	if (!cfg)
		goto out;
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 0);
	T_EQ_STR(due_dests(st), "lab:lab@example.org");
	T_EQ_INT(pb_outbox_has_digest(st, rep.date, "ann",
				      pb_config_subscriber(cfg, "ann")->generation), 2);
	pb_config_free(cfg);

	/* bob's digest, never sent, settled by his removal: bob added again is sent one */
	T_EQ_INT(subscriber_cmd(path_of("same.conf"), add_bob), 0);
	cfg = load_run_cfg(path_of("same.conf"));
	if (!cfg)
		goto out;
	o.only = "bob";
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "bob:bob@example.org lab:lab@example.org");
	pb_config_free(cfg);
	T_EQ_INT(subscriber_cmd(path_of("same.conf"), rm_bob), 0);
	T_EQ_INT(subscriber_cmd(path_of("same.conf"), add_bob), 0);
	cfg = load_run_cfg(path_of("same.conf"));
	if (!cfg)
		goto out;
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "bob:bob@example.org (g) lab:lab@example.org");
out:
	pb_config_free(cfg);
	pb_state_close(st);
}

/* A stored subscriber removed with its digest of the day unsent (settled by the removal) and
 * a subscriber of the file given its name and address the same day: the file's is sent the
 * day's digest, under ids of its own, not taken for the former's settled one. */
static void
test_file_after_stored(void)
{
	struct pb_config *cfg = NULL;
	struct pb_run_opts o = { 0 };
	struct pb_run_report rep;
	struct pb_outbox_msg m;
	struct pb_state *st;
	char err[512] = "", id[128];
	char *add[] = { "add", "ann", "--email", "ann@example.org", "--topic", "t=ti:outlier",
			NULL };
	char *rm[] = { "remove", "ann", NULL };

	write_run_conf("fas.conf", "fas", T_SUB("lab", "lab@example.org"));
	st = t_state_open(path_of("fas/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	o.feed = t_fixture("rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml");
	T_EQ_INT(subscriber_cmd(path_of("fas.conf"), add), 0);
	cfg = load_run_cfg(path_of("fas.conf"));
	if (!cfg)
		goto out;
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 2);
	T_EQ_STR(due_dests(st), "ann:ann@example.org lab:lab@example.org");
	pb_config_free(cfg);
	cfg = NULL;

	/* removed before it went (its message settled), then written into the file */
	T_EQ_INT(subscriber_cmd(path_of("fas.conf"), rm), 0);
	write_run_conf("fas.conf", "fas", T_SUB("lab", "lab@example.org") ", "
		       T_SUB("ann", "ann@example.org"));
	cfg = load_run_cfg(path_of("fas.conf"));
	if (!cfg)
		goto out;
	T_EQ_INT((int)pb_config_subscriber(cfg, "ann")->generation, 0);
	o.only = "ann";
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 1);
	T_EQ_STR(due_dests(st), "ann:ann@example.org (g) lab:lab@example.org");
	snprintf(id, sizeof id, "%s/ann/email/ann@example.org/1", rep.date);
	T_EQ_INT(pb_outbox_get(st, id, &m), 1);
	T_EQ_INT(m.status, PB_OUT_EXPIRED);   /* the former's, as the removal left it */
	pb_outbox_msg_clear(&m);
	/* once */
	T_EQ_INT(pb_run_cycle(cfg, st, &o, &rep, err, sizeof err), PB_RUN_OK);
	T_EQ_INT(rep.digests, 0);
	T_EQ_STR(due_dests(st), "ann:ann@example.org (g) lab:lab@example.org");
out:
	pb_config_free(cfg);
	pb_state_close(st);
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The look-up of a subscriber by name, which delivery makes for every chat message (Slack,
 * Discord, Feishu, WeCom, DingTalk, webhooks): looking up each of 20,000 subscribers costs far
 * less than loading them (a scan of the list, each time, cost four times the load). And it
 * stays right for a list changed after the load and for a copy of the config holding one of
 * its subscribers (a preview's). */
static void
test_lookup(void)
{
	enum { N = 20000 };
	struct pb_config_error ce;
	struct pb_config *cfg, one;
	FILE *f = fopen(path_of("many.conf"), "w");
	double t0, t_load, t_look;
	size_t right = 0;
	char name[32];

	if (!f)
		return;
	fprintf(f, "state_dir = \"%s/many\";\narxiv = { categories = [\"cs.CL\"]; };\n"
		"subscribers = (\n", dir);
	for (int i = 0; i < N; i++)
		fprintf(f, "{ name = \"reader%05d\"; topics = ( { name = \"t\"; query = "
			"\"abs:x\"; } ); }%s\n", i, i + 1 < N ? "," : "");
	fprintf(f, ");\n");
	T_EQ_INT(fclose(f), 0);
	t0 = secs();
	cfg = pb_config_load(path_of("many.conf"), &ce);
	t_load = secs() - t0;
	T_CHECK(cfg != NULL);
	if (!cfg) {
		fprintf(stderr, "many.conf: %s\n", ce.message);
		return;
	}
	T_EQ_INT((int)cfg->n_subscribers, N);
	t0 = secs();
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		right += pb_config_subscriber(cfg, cfg->subscribers[i].name) == &cfg->subscribers[i];
	t_look = secs() - t0;
	T_EQ_INT((long)right, N);
	T_CHECK(pb_config_subscriber(cfg, "reader") == NULL);
	T_CHECK(pb_config_subscriber(cfg, "reader20000") == NULL);
	if (!(t_look * 4 < t_load))
		fprintf(stderr, "looking up %d subscribers: %.3f s; loading them: %.3f s\n", N,
			t_look, t_load);
	T_CHECK(t_look * 4 < t_load);
	/* one of them alone, as a preview's copy of the config has it */
	one = *cfg;
	one.subscribers = &cfg->subscribers[7];
	one.n_subscribers = 1;
	T_CHECK(pb_config_subscriber(&one, "reader00007") == &cfg->subscribers[7]);
	T_CHECK(pb_config_subscriber(&one, "reader00008") == NULL);
	T_CHECK(pb_config_subscriber(&one, "reader00000") == NULL);
	/* a subscriber dropped: the ones after it moved down */
	pb_config_drop_subscriber(cfg, 3);
	T_CHECK(pb_config_subscriber(cfg, "reader00003") == NULL);
	T_CHECK(pb_config_subscriber(cfg, "reader00004") == &cfg->subscribers[3]);
	pb_config_index_subscribers(cfg);
	T_CHECK(pb_config_subscriber(cfg, "reader00003") == NULL);
	snprintf(name, sizeof name, "reader%05d", N - 1);
	T_CHECK(pb_config_subscriber(cfg, name) == &cfg->subscribers[N - 2]);
	pb_config_free(cfg);
}

/* `paperboy subscriber ARGS...` on conf with its output in the file out. Its exit status. */
static int
subscriber_cmd_to(const char *conf, char **args, const char *out)
{
	char *argv[16] = { "subscriber" };
	int argc = 1, saved, fd, rc;

	while (args[argc - 1] && argc < 15) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	rc = pb_cmd_subscriber(argc, argv, conf);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

/* `subscriber import` of an export of 12,000 stored subscribers over themselves (a restore)
 * costs less than six times what listing them does, not the square of their number: each
 * line's name and addresses are looked up, not compared with every other line's and every
 * subscriber's. A line that repeats a name or takes another's address is still named. */
static void
test_import_scale(void)
{
	enum { N = 12000 };
	struct pb_buf c = { 0 };
	struct pb_sub_row r = { 0 };
	struct pb_state *st;
	char err[512] = "", name[32], settings[256];
	char *exp[] = { "export", NULL }, *list[] = { "list", NULL };
	char p_all[512], p_dup[512], p_addr[512];
	char *imp[] = { "import", p_all, NULL };
	char *dup_args[] = { "import", p_dup, NULL };
	char *addr_args[] = { "import", p_addr, NULL };
	double t0, t_list, t_import;
	FILE *f;

	snprintf(p_all, sizeof p_all, "%s", path_of("scale.jsonl"));
	snprintf(p_dup, sizeof p_dup, "%s", path_of("scale-dup.jsonl"));
	snprintf(p_addr, sizeof p_addr, "%s", path_of("scale-addr.jsonl"));
	mkdir(path_of("scale"), 0700);
	pb_buf_printf(&c, "state_dir = \"%s/scale\";\n"
		      "arxiv = { categories = [\"cs.CL\"]; };\n"
		      "email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"b@example.org\";"
		      " tls = \"none\"; };\n"
		      "subscribers = ( { name = \"lab\"; email = \"lab@example.org\";"
		      " topics = ( { name = \"t\"; query = \"abs:x\"; } ); } );\n", dir);
	t_state_conf(&c, path_of("scale/paperboy.db"));
	f = fopen(path_of("scale.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("scale.conf");
	pb_buf_free(&c);
	st = t_state_open(path_of("scale/paperboy.db"), err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_begin(st), 0);
	r.source = "web";
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "r%05d", i);
		snprintf(settings, sizeof settings, "{\"name\":\"%s\",\"email\":[\"%s@example.org\"],"
			 "\"topics\":[{\"name\":\"t\",\"query\":\"abs:robot\"}]}", name, name);
		r.name = name;
		r.settings = settings;
		if (pb_sub_put(st, &r) != 0) {
			T_CHECK(0);
			break;
		}
	}
	T_EQ_INT(pb_state_commit(st), 0);
	pb_state_close(st);

	T_EQ_INT(subscriber_cmd_to(path_of("scale.conf"), exp, path_of("scale.jsonl")), 0);
	t0 = secs();
	T_EQ_INT(subscriber_cmd_to(path_of("scale.conf"), list, path_of("scale.list")), 0);
	t_list = secs() - t0;
	t0 = secs();
	T_EQ_INT(subscriber_cmd_to(path_of("scale.conf"), imp, path_of("scale.out")), 0);
	t_import = secs() - t0;
	/* on PostgreSQL each row written is a round trip: the ratio says nothing there */
	if (!t_state_pg() && !(t_import < 6 * t_list))
		fprintf(stderr, "import of %d: %.2f s; list: %.2f s\n", N, t_import, t_list);
	T_CHECK(t_state_pg() || t_import < 6 * t_list);

	/* still refused, and named: a name twice (the earliest repeat), an address another's */
	f = fopen(path_of("scale-dup.jsonl"), "w");
	if (f) {
		fprintf(f, "{\"name\":\"z2\",\"settings\":{\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}}\n"
			   "{\"name\":\"z1\",\"settings\":{\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}}\n"
			   "{\"name\":\"z1\",\"settings\":{\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}}\n"
			   "{\"name\":\"z2\",\"settings\":{\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}}\n"
			   "{\"name\":\"z1\",\"settings\":{\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}}\n");
		fclose(f);
	}
	f = fopen(path_of("scale-addr.jsonl"), "w");
	if (f) {
		fprintf(f, "{\"name\":\"y1\",\"settings\":{\"email\":[\"y1@example.org\"],"
			   "\"topics\":[{\"name\":\"t\",\"query\":\"abs:x\"}]}}\n"
			   "{\"name\":\"y2\",\"settings\":{\"email\":[\"y2@example.org\","
			   "\"R00042@Example.org\"],\"topics\":[{\"name\":\"t\",\"query\":"
			   "\"abs:x\"}]}}\n");
		fclose(f);
	}
	{
		int saved = dup(2), fd = open(path_of("scale.err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		char *text = NULL;
		size_t len = 0;

		dup2(fd, 2);
		close(fd);
		T_EQ_INT(subscriber_cmd_to(path_of("scale.conf"), dup_args, path_of("scale.out")), 65);
		T_EQ_INT(subscriber_cmd_to(path_of("scale.conf"), addr_args, path_of("scale.out")), 78);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		T_EQ_INT(pb_read_file(path_of("scale.err"), &text, &len, err, sizeof err), 0);
		T_CHECK(text && strstr(text, "import: line 3: subscriber z1 is on line 2 too"));
		T_CHECK(text && strstr(text, "import: line 2: subscriber y2: email R00042@Example.org "
				       "is subscriber r00042's"));
		if (text && (!strstr(text, "line 3: subscriber z1") || !strstr(text, "r00042's")))
			fprintf(stderr, "%s", text);
		free(text);
	}
}

/* A write that finds the SQLite state busy after it was opened (another process took the
 * write lock since, and held it past the busy timeout) is said to be busy, nothing changed,
 * exit 75, in the words of an open that finds it so; not SQLite's bare words and 74. */
static void
test_write_busy(void)
{
	struct pb_buf c = { 0 };
	struct pb_config_error ce;
	struct pb_config *cfg;
	struct pb_sub_row r = { 0 };
	struct pb_state *st;
	sqlite3 *h = NULL;
	char err[512] = "", said[1024] = "";
	int fd, saved, rc;
	FILE *f;

	mkdir(path_of("busy"), 0700);
	pb_buf_printf(&c, "state_dir = \"%s/busy\";\n"
		      "arxiv = { categories = [\"cs.LG\"]; };\n"
		      "subscribers = ( { name = \"lab\"; topics = ( { name = \"t\"; "
		      "query = \"ti:x\"; } ); } );\n", dir);
	f = fopen(path_of("busy.conf"), "w");
	if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f) != 0)
		perror("busy.conf");
	pb_buf_free(&c);
	cfg = pb_config_load(path_of("busy.conf"), &ce);
	T_CHECK(cfg != NULL);
	st = pb_state_open_mode(path_of("busy/paperboy.db"), PB_STATE_CREATE, err, sizeof err);
	T_CHECK(st != NULL);
	if (!cfg || !st) {
		pb_state_close(st);
		pb_config_free(cfg);
		return;
	}
	T_EQ_INT(sqlite3_open(path_of("busy/paperboy.db"), &h), SQLITE_OK);
	T_EQ_INT(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	pb_state_set_busy_wait(st, 200);
	r.name = "late";
	r.settings = "{\"name\":\"late\",\"topics\":[{\"name\":\"t\",\"query\":\"ti:x\"}]}";
	r.state = "active";
	r.source = "cli";
	T_EQ_INT(pb_sub_put(st, &r), -1);
	fflush(stderr);
	saved = dup(2);
	fd = open(path_of("busy.err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	rc = pb_cli_write_failed(cfg, st, "subscriber late");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path_of("busy.err"), "r");
	if (f) {
		size_t n = fread(said, 1, sizeof said - 1, f);

		said[n] = '\0';
		fclose(f);
	}
	T_EQ_INT(rc, 75);
	T_CHECK(strstr(said, "paperboy: subscriber late: ") != NULL);
	T_CHECK(strstr(said, "busy/paperboy.db is busy: another process") != NULL);
	T_CHECK(strstr(said, "nothing was changed") != NULL);
	T_CHECK(strstr(said, "try again later") != NULL);
	if (!strstr(said, "is busy"))
		fprintf(stderr, "said: %s", said);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	/* the lock let go, the same write goes through */
	T_EQ_INT(pb_sub_put(st, &r), 0);
	pb_state_close(st);
	pb_config_free(cfg);
}

int
main(void)
{
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "/tmp/pb-subs.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_store();
	test_migrate();
	test_load();
	test_set();
	test_remove();
	test_remove_during_run();
	test_stored_only();
	test_lookup();
	test_add_freed_name();
	test_pause_pending();
	test_same_name_again();
	test_file_pause_mid_run();
	test_same_address_again();
	test_file_after_stored();
	test_import_scale();
	test_write_busy();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_subscribers");
}
