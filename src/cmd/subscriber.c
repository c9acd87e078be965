/* paperboy subscriber: the subscribers kept in the state, and the state (paused, ...) of the
 * config's own. Every setting goes through the config's checks (pb_config_load_stored) and
 * the rules through check's (pb_cli_stored_error) before a row is written. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"

struct opts {
	const char *action, *name, *file, *reason;
	const char **emails, **topics, **sets;
	size_t n_emails, n_topics, n_sets;
	const char *language, *max_papers;
	int all;
};

struct ctx {
	const char *path;
	struct pb_config *cfg;       /* every subscriber, inactive ones too */
	struct pb_sub_row *rows;
	size_t n_rows;
	struct pb_suppress_row *sup;  /* every suppressed destination */
	size_t n_sup;
	int sup_unread;               /* the state has them, but they could not be read */
	struct pb_buf problems;
};

static int
usage(const char *why)
{
	if (why)
		fprintf(stderr, "paperboy: subscriber: %s\n", why);
	pb_cli_usage(stderr, "subscriber");
	return EX_USAGE;
}

static void
push(const char ***v, size_t *n, const char *s)
{
	*v = pb_xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

/* Fills o from the arguments; on a mistake says which argument and returns EX_USAGE. */
static int
parse(int argc, char **argv, struct opts *o)
{
	static const char *const actions[] = { "list", "show", "add", "edit", "pause", "resume",
					       "remove", "export", "import" };
	int pos = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;

		if (strcmp(a, "--all") == 0)
			o->all = 1;
		else if (strcmp(a, "--email") == 0 && more)
			push(&o->emails, &o->n_emails, argv[++i]);
		else if (strcmp(a, "--topic") == 0 && more)
			push(&o->topics, &o->n_topics, argv[++i]);
		else if (strcmp(a, "--set") == 0 && more)
			push(&o->sets, &o->n_sets, argv[++i]);
		else if (strcmp(a, "--language") == 0 && more)
			o->language = argv[++i];
		else if (strcmp(a, "--max-papers") == 0 && more)
			o->max_papers = argv[++i];
		else if (strcmp(a, "--reason") == 0 && more)
			o->reason = argv[++i];
		else if (a[0] == '-' && a[1])
			return pb_cli_bad_arg("subscriber", a);
		else if (pos == 0 && ++pos)
			o->action = a;
		else if (pos == 1 && ++pos)
			o->name = a;
		else
			return pb_cli_bad_arg("subscriber", a);
	}
	if (!o->action)
		return usage("give an action: list, show, add, edit, pause, resume, remove, export "
			     "or import");
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(o->action, actions[i]) == 0)
			return 0;
	{
		char near[128];

		fprintf(stderr, "paperboy: subscriber: unknown action %s%s\n", o->action,
			pb_cli_did_you_mean_word(o->action, actions,
						 sizeof actions / sizeof actions[0], near,
						 sizeof near));
	}
	return usage(NULL);
}

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pb_sub_row *)a)->name, ((const struct pb_sub_row *)b)->name);
}

/* The row named name (c->rows is kept in name order: load), or NULL. */
static const struct pb_sub_row *
row_of(const struct ctx *c, const char *name)
{
	struct pb_sub_row key = { .name = (char *)name };

	return c->n_rows ? bsearch(&key, c->rows, c->n_rows, sizeof *c->rows, row_cmp) : NULL;
}

/* The subscriber's destinations on the channels that reach a reader (the file sink, which
 * describes itself instead and is never suppressed, is none), and how many of them are
 * suppressed (all of those by their readers' unsubscribing: *n_unsub). */
static size_t
count_dests(const struct ctx *c, const struct pb_subscriber *s, size_t *n_sup, size_t *n_unsub)
{
	struct pb_chan_ctx cx = { .cfg = c->cfg, .sub = s };
	size_t n = 0;

	*n_sup = *n_unsub = 0;
	for (size_t i = 0; i < pb_channel_count(); i++) {
		const struct pb_channel *ch = pb_channel_at(i);
		struct pb_buf about = { 0 };
		struct pb_parts d = { 0 };
		int own = pb_channel_describe(ch, c->cfg, &about);

		pb_buf_free(&about);
		if (own)
			continue;
		pb_channel_dests(ch, &cx, &d);
		for (size_t k = 0; k < d.n; k++, n++)
			for (size_t j = 0; j < c->n_sup; j++) {
				const struct pb_suppress_row *x = &c->sup[j];

				if (strcmp(x->subscriber, s->name) || strcmp(x->channel,
				    pb_channel_name(ch)) || strcmp(x->dest, d.v[k]))
					continue;
				/* about the team's former webhook: lifted by the next run,
				 * it holds nothing back from the new one */
				if (pb_suppress_outdated(c->cfg, x))
					break;
				(*n_sup)++;
				if (x->reason && strncmp(x->reason, "unsubscribed", 12) == 0)
					(*n_unsub)++;
				break;
			}
		pb_parts_free(&d);
	}
	return n;
}

/* "active", "paused", ... as stored; for an active one whose destinations are suppressed,
 * "suppressed" (all of them), "unsubscribed" (all, by their readers) or "active (1 of 2
 * suppressed)". Written into buf. */
static const char *
state_of(const struct ctx *c, const char *name, const struct pb_subscriber *s, char *buf,
	 size_t n)
{
	const struct pb_sub_row *r = row_of(c, name);
	size_t dests, sup, unsub;

	if (r && strcmp(r->state, "active") != 0)
		return r->state;
	if (!s || !(dests = count_dests(c, s, &sup, &unsub)) || !sup)
		return "active";
	if (sup == dests)
		return unsub == sup ? "unsubscribed" : "suppressed";
	snprintf(buf, n, "active (%zu of %zu suppressed)", sup, dests);
	return buf;
}

static void
load_suppressed(struct ctx *c)
{
	struct pb_state *st;

	if (pb_cli_state_exists(c->cfg) &&
	    (st = pb_cli_open_state_mode(c->cfg, PB_STATE_READ))) {
		if (pb_suppress_list(st, NULL, &c->sup, &c->n_sup) < 0) {
			pb_buf_printf(&c->problems, "the suppressed destinations cannot be read: "
				      "%s\n", pb_state_errmsg(st));
			c->sup_unread = 1;
		}
		pb_state_close(st);
	}
}

static void
channels(const struct pb_subscriber *s, struct pb_buf *b)
{
	const struct { const char *name; const void *set; } ch[] = {
		{ "email", s->n_emails ? s : NULL }, { "slack", s->slack_webhook },
		{ "wecom", s->wecom_webhook }, { "dingtalk", s->dingtalk_webhook },
		{ "telegram", s->telegram_chat }, { "discord", s->discord_webhook },
		{ "ntfy", s->ntfy_topic }, { "matrix", s->matrix_room },
		{ "feishu", s->feishu_webhook }, { "webhook", s->webhook_url },
	};

	for (size_t i = 0; i < sizeof ch / sizeof ch[0]; i++)
		if (ch[i].set)
			pb_buf_printf(b, "%s%s", b->len ? "," : "", ch[i].name);
	if (!b->len)
		pb_buf_puts(b, "file");
}

/* The state a command that writes or exports subscribers needs read: pb_cli_with_stored
 * goes on without a store it cannot read (list and show say so and show the file's), but an
 * add would then not see the stored subscriber it replaces, nor an export the ones it is
 * asked for. A state of an older schema is brought up to date first, as the write would. */
static int
check_store(const struct pb_config *cfg, int writes)
{
	struct pb_buf path = { 0 };
	struct pb_state *st;
	struct stat sb;
	int rc = 0;

	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	if (!pb_cli_state_exists(cfg) && stat(path.data, &sb) < 0 && errno == ENOENT)
		goto out;   /* no state yet: nothing stored */
	rc = pb_cli_open_state_rc(cfg, writes ? PB_STATE_WRITE : PB_STATE_READ, &st);
	if (rc == 0)
		pb_state_close(st);
	else if (!writes && rc != EX_TEMPFAIL)
		rc = EX_NOINPUT;
out:
	pb_buf_free(&path);
	return rc;
}

static int
load(struct ctx *c, const char *action)
{
	int rc;

	if (!(c->cfg = pb_cli_load_config_file(c->path)))
		return EX_CONFIG;
	if (strcmp(action, "list") && strcmp(action, "show") &&
	    (rc = check_store(c->cfg, strcmp(action, "export") != 0)) != 0)
		return rc;
	c->cfg = pb_cli_with_stored(c->cfg, 1, &c->rows, &c->n_rows, &c->problems);
	/* in name order (as the state lists them already), for row_of's look-ups: a list of tens
	 * of thousands looked each one up through all of them */
	if (c->n_rows > 1)
		qsort(c->rows, c->n_rows, sizeof *c->rows, row_cmp);
	load_suppressed(c);
	return 0;
}

/* s as the terminal may show it (pb_esc_term), in b: names, addresses, rules and reasons may
 * come from a web form, a chat or an import. */
static const char *
esc(struct pb_buf *b, const char *s)
{
	pb_buf_reset(b);
	pb_esc_term(b, s);
	return pb_buf_str(b);
}

static int
do_list(struct ctx *c)
{
	char *listed = pb_xcalloc(c->n_rows + 1, 1);

	printf("%-20s %-7s %-12s %-24s %s\n", "NAME", "SOURCE", "STATE", "CHANNELS", "TOPICS");
	for (size_t i = 0; i < c->cfg->n_subscribers; i++) {
		const struct pb_subscriber *s = &c->cfg->subscribers[i];
		const struct pb_sub_row *r = row_of(c, s->name);
		struct pb_buf ch = { 0 }, n = { 0 }, st = { 0 }, why = { 0 };
		char sb[96];

		if (r)
			listed[r - c->rows] = 1;

		channels(s, &ch);
		printf("%-20s %-7s %-12s %-24s %zu%s%s\n", esc(&n, s->name),
		       s->stored ? "stored" : "config", esc(&st, state_of(c, s->name, s, sb, sizeof sb)),
		       ch.data, s->n_topics, r && r->reason ? "  " : "",
		       r && r->reason ? esc(&why, r->reason) : "");
		pb_buf_free(&why);
		pb_buf_free(&st);
		pb_buf_free(&n);
		pb_buf_free(&ch);
	}
	/* stored rows that could not be loaded (the loaded ones marked above) */
	for (size_t i = 0; i < c->n_rows; i++)
		if (c->rows[i].settings && !listed[i]) {
			struct pb_buf n = { 0 };

			printf("%-20s %-7s %-12s %-24s %s\n", esc(&n, c->rows[i].name), "stored",
			       "invalid", "-", "-");
			pb_buf_free(&n);
		}
	free(listed);
	if (c->problems.len)
		fprintf(stderr, "%s", c->problems.data);
	fflush(stdout);
	return ferror(stdout) ? EX_IOERR : 0;
}

static void
list_line(const char *key, char **v, size_t n)
{
	struct pb_buf b = { 0 };

	if (!n)
		return;
	printf("%-16s", key);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "", esc(&b, v[i]));
	printf("\n");
	pb_buf_free(&b);
}

static const char *
when(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(buf, n, "-");
	return buf;
}

/* The reader's verdicts ("more like this" +1, "not for me" -1), newest first. */
static void
show_feedback(struct ctx *c, const char *name)
{
	struct pb_feedback_row *v = NULL;
	struct pb_state *st;
	size_t n = 0;

	if (pb_cli_state_exists(c->cfg) &&
	    (st = pb_cli_open_state_mode(c->cfg, PB_STATE_READ))) {
		struct pb_buf a = { 0 }, b = { 0 };

		if (pb_feedback_list(st, name, &v, &n) == 0)
			for (size_t i = 0; i < n; i++)
				printf("%-16s%s %+d %s\n", "feedback", esc(&a, v[i].paper_id),
				       v[i].verdict, v[i].source ? esc(&b, v[i].source) : "-");
		pb_buf_free(&b);
		pb_buf_free(&a);
		pb_feedback_rows_free(v, n);
		pb_state_close(st);
	}
}

static int
do_show(struct ctx *c, const char *name)
{
	const struct pb_subscriber *s = pb_config_subscriber(c->cfg, name);
	const struct pb_sub_row *r = row_of(c, name);
	struct pb_buf ch = { 0 }, e = { 0 }, e2 = { 0 };
	char sb[96];
	const struct { const char *key; const char *v; } secret[] = {
		{ "slack_webhook", s ? s->slack_webhook : NULL },
		{ "wecom_webhook", s ? s->wecom_webhook : NULL },
		{ "dingtalk_webhook", s ? s->dingtalk_webhook : NULL },
		{ "discord_webhook", s ? s->discord_webhook : NULL },
		{ "feishu_webhook", s ? s->feishu_webhook : NULL },
		{ "webhook_url", s ? s->webhook_url : NULL },
	};

	if (!s) {
		fprintf(stderr, "paperboy: subscriber: no subscriber named %s%s%s\n", esc(&e, name),
			r && r->settings ? " can be loaded (see `paperboy check`)" : "",
			r ? "" : pb_cli_did_you_mean(c->cfg, name, sb, sizeof sb));
		pb_buf_free(&e);
		if (c->problems.len)
			fprintf(stderr, "%s", c->problems.data);
		return r ? EX_CONFIG : EX_USAGE;
	}
	channels(s, &ch);
	printf("%-16s%s\n", "name", esc(&e, s->name));
	printf("%-16s%s\n", "source", s->stored ? (r && r->source ? esc(&e, r->source) : "stored")
						 : "config");
	if (!s->stored)
		printf("%-16s%s:%d\n", "defined at", esc(&e, s->file), s->line);
	printf("%-16s%s\n", "state",
	       esc(&e, state_of(c, name, pb_config_subscriber(c->cfg, name), sb, sizeof sb)));
	if (r && r->reason)
		printf("%-16s%s\n", "reason", esc(&e, r->reason));
	printf("%-16s%s\n", "channels", ch.data);
	list_line("email", s->emails, s->n_emails);
	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (secret[i].v)
			printf("%-16s***\n", secret[i].key);
	if (s->telegram_chat)
		printf("%-16s%s\n", "telegram_chat", esc(&e, s->telegram_chat));
	if (s->matrix_room)
		printf("%-16s%s\n", "matrix_room", esc(&e, s->matrix_room));
	if (s->ntfy_topic)
		printf("%-16s%s\n", "ntfy_topic", esc(&e, s->ntfy_topic));
	printf("%-16s%s\n", "language", esc(&e, s->language));
	printf("%-16s%d\n", "max_papers", s->max_papers);
	printf("%-16s%s\n", "include_cross", s->include_cross ? "true" : "false");
	printf("%-16s%s\n", "include_replace", s->include_replace ? "true" : "false");
	list_line("follow_authors", s->follow_authors, s->n_follow_authors);
	list_line("exclude", s->exclude, s->n_exclude);
	for (size_t i = 0; i < s->n_topics; i++)
		printf("%-16s%s = %s\n", "topic", esc(&e, s->topics[i].name),
		       s->topics[i].query ? esc(&e2, s->topics[i].query)
					  : "(papers like the liked ones)");
	for (size_t i = 0; i < c->n_sup; i++)
		if (strcmp(c->sup[i].subscriber, name) == 0) {
			struct pb_buf d = { 0 };

			/* one stored by an older version under its webhook's URL is masked */
			pb_config_mask_secrets(c->cfg, &d, c->sup[i].dest);
			printf("%-16s%s %s since %s: %s%s\n", "suppressed", c->sup[i].channel,
			       esc(&e, pb_buf_str(&d)), when(c->sup[i].since, sb, sizeof sb),
			       c->sup[i].reason ? esc(&e2, c->sup[i].reason) : "-",
			       pb_suppress_outdated(c->cfg, &c->sup[i])
			       ? " (outdated: webhook changed since; lifted at the next run)" : "");
			pb_buf_free(&d);
		}
	show_feedback(c, name);
	pb_buf_free(&e2);
	pb_buf_free(&e);
	pb_buf_free(&ch);
	fflush(stdout);
	return ferror(stdout) ? EX_IOERR : 0;
}

/* Puts name in obj's "name", in place when there is one (an export reads back the same). */
static void
set_name(cJSON *obj, const char *name)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, "name"))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, "name", cJSON_CreateString(name));
	else
		cJSON_AddStringToObject(obj, "name", name);
}

/* Applies the options to obj (a subscriber's settings). */
static int
apply(cJSON *obj, const struct opts *o)
{
	char msg[400];

	if (o->n_emails) {
		cJSON *a = cJSON_CreateArray();

		for (size_t i = 0; i < o->n_emails; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(o->emails[i]));
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "email");
		cJSON_AddItemToObject(obj, "email", a);
	}
	if (o->n_topics) {
		cJSON *a = cJSON_CreateArray();

		for (size_t i = 0; i < o->n_topics; i++) {
			const char *eq = strchr(o->topics[i], '=');
			cJSON *t;

			if (!eq || eq == o->topics[i] || !eq[1]) {
				cJSON_Delete(a);
				fprintf(stderr, "paperboy: subscriber: --topic %s: give TOPIC=QUERY\n",
					o->topics[i]);
				return EX_USAGE;
			}
			char *tn = pb_xstrndup(o->topics[i], (size_t)(eq - o->topics[i]));

			t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "name", tn);
			cJSON_AddStringToObject(t, "query", eq + 1);
			free(tn);
			cJSON_AddItemToArray(a, t);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "topics");
		cJSON_AddItemToObject(obj, "topics", a);
	}
	if ((o->language && pb_config_stored_set(obj, "language", o->language, msg,
						 sizeof msg) < 0) ||
	    (o->max_papers && pb_config_stored_set(obj, "max_papers", o->max_papers, msg,
						   sizeof msg) < 0)) {
		fprintf(stderr, "paperboy: subscriber: %s\n", msg);
		return EX_USAGE;
	}
	for (size_t i = 0; i < o->n_sets; i++) {
		const char *eq = strchr(o->sets[i], '=');
		char key[96];

		if (!eq || eq == o->sets[i] || (size_t)(eq - o->sets[i]) >= sizeof key) {
			fprintf(stderr, "paperboy: subscriber: --set %s: give KEY=VALUE\n", o->sets[i]);
			return EX_USAGE;
		}
		snprintf(key, sizeof key, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
		/* a list key given again starts over rather than adding to the stored list */
		for (size_t j = 0; j < i; j++)
			if (strncmp(o->sets[j], key, strlen(key)) == 0 && o->sets[j][strlen(key)] == '=')
				goto set;
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
set:
		if (pb_config_stored_set(obj, key, eq + 1, msg, sizeof msg) < 0) {
			fprintf(stderr, "paperboy: subscriber: --set: %s\n", msg);
			return EX_USAGE;
		}
	}
	return 0;
}

/* The config with the stored subscribers that load and obj in place of name's settings; 0
 * or EX_CONFIG with the reason on stderr (pb_cli_stored_validate). */
static int
validate(struct ctx *c, const char *where, const char *name, const char *json)
{
	struct pb_buf why = { 0 };
	int rc = 0;

	if (pb_cli_stored_validate(c->path, c->cfg, name, json, &why) < 0) {
		pb_cli_drop_name(&why, 0, name);
		fprintf(stderr, "paperboy: %ssubscriber %s: %s\n", where, name, why.data);
		rc = EX_CONFIG;
	}
	pb_buf_free(&why);
	return rc;
}

/* Writes r; fresh: a new subscriber of a name no subscriber has, in one transaction with
 * the removal of what the state kept under the name of a former one (a subscriber of the
 * file taken out of it, which `subscriber remove` never saw): its row (its state and start
 * are not the new one's), its verdicts, its ledger and its suppressions, and its messages
 * not sent settled. Kept, the new subscriber would learn from the former's verdicts, be kept
 * from the papers the former was sent, and be sent nothing at a destination suppressed for
 * the former (a Slack webhook is suppressed as "webhook", whatever its URL); the former's
 * pending digest for a webhook would go to the new one's webhook, found by the name, and its
 * failed ones with the new one's `resume` or a `retry`. */
static int
write_row(struct ctx *c, const struct pb_sub_row *r, int fresh)
{
	struct pb_state *st;
	int rc = pb_cli_open_state_rc(c->cfg, PB_STATE_CREATE, &st);

	if (rc)
		return rc;
	if (fresh ? pb_state_begin(st) < 0 || pb_sub_delete(st, r->name) < 0 ||
		    pb_outbox_settle_subscriber(st, r->name, "the subscriber was removed") < 0 ||
		    pb_feedback_clear(st, r->name) < 0 || pb_ledger_clear(st, r->name) < 0 ||
		    pb_suppress_clear(st, r->name) < 0 ||
		    pb_sub_put(st, r) < 0 || pb_state_commit(st) < 0
		  : pb_sub_put(st, r) < 0) {
		char what[300];

		snprintf(what, sizeof what, "subscriber %s", r->name);
		rc = pb_cli_write_failed(c->cfg, st, what);
		if (pb_state_in_transaction(st))
			pb_state_rollback(st);
	}
	pb_state_close(st);
	return rc;
}

static int
do_add_edit(struct ctx *c, const struct opts *o, int add)
{
	const struct pb_sub_row *r = row_of(c, o->name);
	const struct pb_subscriber *s = pb_config_subscriber(c->cfg, o->name);
	struct pb_sub_row nr = { 0 };
	cJSON *obj = NULL;
	char *json = NULL;
	int rc;

	if (add && (s || (r && r->settings))) {
		fprintf(stderr, "paperboy: subscriber %s: the name is taken by %s\n", o->name,
			s && !s->stored ? s->file : "a stored subscriber");
		return EX_CONFIG;
	}
	if (!add && s && !s->stored) {
		fprintf(stderr, "paperboy: subscriber %s: declared in %s:%d: edit the file\n",
			o->name, s->file, s->line);
		return EX_CONFIG;
	}
	if (!add && !(r && r->settings)) {
		char near[96];

		fprintf(stderr, "paperboy: subscriber: no stored subscriber named %s%s\n", o->name,
			pb_cli_did_you_mean(c->cfg, o->name, near, sizeof near));
		return EX_USAGE;
	}
	obj = add ? cJSON_CreateObject() : cJSON_Parse(r->settings);
	if (!cJSON_IsObject(obj)) {
		fprintf(stderr, "paperboy: subscriber %s: the stored settings are not JSON\n",
			o->name);
		rc = EX_DATAERR;
		goto out;
	}
	set_name(obj, o->name);
	if ((rc = apply(obj, o)) != 0)
		goto out;
	json = cJSON_PrintUnformatted(obj);
	if ((rc = validate(c, "", o->name, json)) != 0)
		goto out;
	nr.name = (char *)o->name;
	nr.settings = json;
	/* added: active, from the command line, whatever a row left by a subscriber of the
	 * file under this name said (paused, its source, its start) */
	nr.state = !add && r ? r->state : "active";
	nr.reason = !add && r ? r->reason : NULL;
	nr.source = !add && r ? r->source : "cli";
	if ((rc = write_row(c, &nr, add)) == 0)
		printf("subscriber %s %s\n", o->name, add ? "added" : "changed");
out:
	free(json);
	cJSON_Delete(obj);
	return rc;
}

/* Paused: the row's state and the subscriber's pending messages (a digest waiting for a
 * retry, or not yet delivered) paused with it, in one transaction: a paused subscriber is
 * sent nothing, and `resume` puts them back. */
static int
do_state(struct ctx *c, const struct opts *o, const char *state)
{
	const struct pb_sub_row *r = row_of(c, o->name);
	const struct pb_subscriber *s = pb_config_subscriber(c->cfg, o->name);
	struct pb_sub_row nr = { 0 };
	struct pb_state *st;
	int held = 0, rc;

	if (!s && !(r && r->settings)) {
		char near[96];

		fprintf(stderr, "paperboy: subscriber: no subscriber named %s%s\n", o->name,
			pb_cli_did_you_mean(c->cfg, o->name, near, sizeof near));
		return EX_USAGE;
	}
	nr.name = (char *)o->name;
	nr.settings = r ? r->settings : NULL;
	nr.state = (char *)state;
	nr.reason = (char *)(strcmp(state, "active") == 0 ? NULL : o->reason ? o->reason
			     : "by the administrator");
	nr.source = r ? r->source : "config";
	if ((rc = pb_cli_open_state_rc(c->cfg, PB_STATE_CREATE, &st)) != 0)
		return rc;
	if (pb_state_begin(st) < 0 || pb_sub_put(st, &nr) < 0 ||
	    (held = pb_outbox_pause_subscriber(st, o->name, "the subscriber is paused")) < 0 ||
	    pb_state_commit(st) < 0) {
		char what[300];

		snprintf(what, sizeof what, "subscriber %s", o->name);
		rc = pb_cli_write_failed(c->cfg, st, what);
		pb_state_rollback(st);
	} else {
		printf("subscriber %s %s", o->name, state);
		if (held)
			printf(" (%d pending message%s paused)", held, held == 1 ? "" : "s");
		printf("\n");
	}
	pb_state_close(st);
	return rc;
}

/* Active again: the row's state, every suppressed destination lifted and the paused (and
 * failed) messages requeued, in one transaction. */
static int
do_resume(struct ctx *c, const struct opts *o)
{
	const struct pb_sub_row *r = row_of(c, o->name);
	const struct pb_subscriber *s = pb_config_subscriber(c->cfg, o->name);
	struct pb_sub_row nr = { 0 };
	struct pb_state *st;
	int lifted = 0, requeued = 0, rc = 0;

	if (!s && !(r && r->settings)) {
		char near[96];

		fprintf(stderr, "paperboy: subscriber: no subscriber named %s%s\n", o->name,
			pb_cli_did_you_mean(c->cfg, o->name, near, sizeof near));
		return EX_USAGE;
	}
	if ((rc = pb_cli_open_state_rc(c->cfg, PB_STATE_CREATE, &st)) != 0)
		return rc;
	nr.name = (char *)o->name;
	nr.settings = r ? r->settings : NULL;
	nr.state = "active";
	nr.source = r ? r->source : "config";
	if (pb_state_begin(st) < 0 || (r && pb_sub_put(st, &nr) < 0) ||
	    (lifted = pb_suppress_clear(st, o->name)) < 0 ||
	    (requeued = pb_outbox_requeue(st, o->name)) < 0 || pb_state_commit(st) < 0) {
		char what[300];

		snprintf(what, sizeof what, "subscriber %s", o->name);
		rc = pb_cli_write_failed(c->cfg, st, what);
		pb_state_rollback(st);
	} else {
		printf("subscriber %s active", o->name);
		if (lifted || requeued)
			printf(" (%d suppressed destination%s lifted, %d message%s requeued)", lifted,
			       lifted == 1 ? "" : "s", requeued, requeued == 1 ? "" : "s");
		printf("\n");
	}
	pb_state_close(st);
	return rc;
}

/* The row and what the state holds for the subscriber, in one transaction: its messages not
 * sent settled (a reader removed gets nothing more, `retry` included); its verdicts, its
 * ledger and its suppressions deleted (the next subscriber given the name, as a web sign-up
 * gives its address's, would learn from the first, be kept from papers by the second and
 * sent nothing at the addresses of the third). Sign-ups waiting for their confirmation stay:
 * each is a new request, confirmed by its address. */
static int
do_remove(struct ctx *c, const struct opts *o)
{
	const struct pb_sub_row *r = row_of(c, o->name);
	const struct pb_subscriber *s = pb_config_subscriber(c->cfg, o->name);
	struct pb_state *st;
	int settled = 0, rc = 0;

	if (s && !s->stored) {
		fprintf(stderr, "paperboy: subscriber %s: declared in %s:%d: remove it from the "
			"file (or pause it: paperboy subscriber pause %s)\n", o->name, s->file,
			s->line, o->name);
		return EX_CONFIG;
	}
	if (!(r && r->settings)) {
		char near[96];

		fprintf(stderr, "paperboy: subscriber: no stored subscriber named %s%s\n", o->name,
			pb_cli_did_you_mean(c->cfg, o->name, near, sizeof near));
		return EX_USAGE;
	}
	if ((rc = pb_cli_open_state_rc(c->cfg, PB_STATE_CREATE, &st)) != 0)
		return rc;
	if (pb_state_begin(st) < 0 || pb_sub_delete(st, o->name) < 0 ||
	    (settled = pb_outbox_settle_subscriber(st, o->name,
						   "the subscriber was removed")) < 0 ||
	    pb_feedback_clear(st, o->name) < 0 || pb_ledger_clear(st, o->name) < 0 ||
	    pb_suppress_clear(st, o->name) < 0 || pb_state_commit(st) < 0) {
		char what[300];

		snprintf(what, sizeof what, "subscriber %s", o->name);
		rc = pb_cli_write_failed(c->cfg, st, what);
		pb_state_rollback(st);
	} else {
		printf("subscriber %s removed", o->name);
		if (settled)
			printf(" (%d unsent message%s expired)", settled, settled == 1 ? "" : "s");
		printf("\n");
	}
	pb_state_close(st);
	return rc;
}

/* One JSON line: {"name", "source", "state", "reason", "settings", "suppressed"}, the last
 * the subscriber's suppressed destinations ({"channel", "dest", "reason"}; a secret
 * destination is named as delivery names it, "webhook", with the "fingerprint" of the URL
 * refused when it is known): a reader who unsubscribed one address, or an address that
 * bounced, stays so in the state the line is imported into. */
static void
export_line(const struct ctx *c, const char *name, const char *source, const char *state,
	    const char *reason, cJSON *settings)
{
	cJSON *o = cJSON_CreateObject(), *sup;
	char *line;

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "source", source);
	cJSON_AddStringToObject(o, "state", state);
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	else
		cJSON_AddNullToObject(o, "reason");
	cJSON_AddItemToObject(o, "settings", settings ? settings : cJSON_CreateNull());
	sup = cJSON_AddArrayToObject(o, "suppressed");
	for (size_t i = 0; i < c->n_sup; i++) {
		struct pb_buf masked = { 0 };
		cJSON *d;
		int secret;

		if (strcmp(c->sup[i].subscriber, name) != 0)
			continue;
		/* one an older version stored under a webhook's URL holds a secret and names no
		 * destination delivery knows: left out */
		pb_config_mask_secrets(c->cfg, &masked, c->sup[i].dest);
		secret = strcmp(pb_buf_str(&masked), c->sup[i].dest) != 0;
		pb_buf_free(&masked);
		if (secret)
			continue;
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "channel", c->sup[i].channel);
		cJSON_AddStringToObject(d, "dest", c->sup[i].dest);
		cJSON_AddStringToObject(d, "reason", c->sup[i].reason ? c->sup[i].reason : "refused");
		if (c->sup[i].fingerprint)
			cJSON_AddStringToObject(d, "fingerprint", c->sup[i].fingerprint);
		cJSON_AddItemToArray(sup, d);
	}
	line = cJSON_PrintUnformatted(o);
	printf("%s\n", line);
	free(line);
	cJSON_Delete(o);
}

/* The file's subscribers (with --all; settings null: only their state is stored), then every
 * stored row as stored, whether or not it loads here: one the configuration no longer
 * supports, or whose secret is in the service's environment and not the shell's, is still
 * the administrator's to keep. */
static int
do_export(struct ctx *c, int all)
{
	int rc = 0;

	if (c->sup_unread) {
		fprintf(stderr, "paperboy: subscriber export: %s", c->problems.data);
		return EX_NOINPUT;
	}
	for (size_t i = 0; all && i < c->cfg->n_subscribers; i++) {
		const struct pb_subscriber *s = &c->cfg->subscribers[i];
		const struct pb_sub_row *r = row_of(c, s->name);

		if (!s->stored)
			export_line(c, s->name, "config", r ? r->state : "active",
				    r ? r->reason : NULL, NULL);
	}
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct pb_sub_row *r = &c->rows[i];
		cJSON *set;

		if (!r->settings)
			continue;
		if (!cJSON_IsObject(set = cJSON_Parse(r->settings))) {
			fprintf(stderr, "paperboy: subscriber export: subscriber %s: the stored "
				"settings are not JSON\n", r->name);
			cJSON_Delete(set);
			rc = EX_DATAERR;
			continue;
		}
		export_line(c, r->name, r->source ? r->source : "stored", r->state, r->reason,
			    set);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("paperboy: subscriber export");
		return EX_IOERR;
	}
	return rc;
}

static int
known_state(const char *s)
{
	return s && (strcmp(s, "active") == 0 || strcmp(s, "paused") == 0 ||
		     strcmp(s, "unsubscribed") == 0 || strcmp(s, "suppressed") == 0);
}

struct imp {
	struct pb_sub_row row;   /* strings owned */
	int line;
	/* the line's "suppressed": the subscriber's suppressions become these (channel, dest,
	 * reason, owned); without the key (an older export) they stay as they are */
	int has_sup;
	struct pb_suppress_row *sup;
	size_t n_sup;
};

/* Reads the line's "suppressed" list into im; 0, or -1 with the reason on stderr. */
static int
import_suppressed(const cJSON *list, int line, struct imp *im)
{
	const cJSON *d;

	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list)) {
		fprintf(stderr, "paperboy: import: line %d: \"suppressed\" is not a list\n", line);
		return -1;
	}
	im->has_sup = 1;
	cJSON_ArrayForEach(d, list) {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(d, "channel");
		const cJSON *dest = cJSON_GetObjectItemCaseSensitive(d, "dest");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(d, "reason");
		const cJSON *fp = cJSON_GetObjectItemCaseSensitive(d, "fingerprint");
		struct pb_suppress_row *x;

		if (!cJSON_IsString(ch) || !pb_channel_find(ch->valuestring) ||
		    !cJSON_IsString(dest) || !*dest->valuestring ||
		    (why && !cJSON_IsNull(why) && !cJSON_IsString(why)) ||
		    (fp && !cJSON_IsNull(fp) &&
		     (!cJSON_IsString(fp) || strlen(fp->valuestring) != PB_DEST_FP_LEN - 1 ||
		      strspn(fp->valuestring, "0123456789abcdef") != PB_DEST_FP_LEN - 1))) {
			fprintf(stderr, "paperboy: import: line %d: \"suppressed\": each is "
				"{\"channel\", \"dest\", \"reason\"} with a channel paperboy has "
				"(and a \"fingerprint\" of 16 hex digits, if any)\n", line);
			return -1;
		}
		im->sup = pb_xreallocarray(im->sup, im->n_sup + 1, sizeof *im->sup);
		x = &im->sup[im->n_sup++];
		memset(x, 0, sizeof *x);
		x->channel = pb_xstrdup(ch->valuestring);
		x->dest = pb_xstrdup(dest->valuestring);
		x->reason = cJSON_IsString(why) ? pb_xstrdup(why->valuestring) : NULL;
		x->fingerprint = cJSON_IsString(fp) ? pb_xstrdup(fp->valuestring) : NULL;
	}
	return 0;
}

/* Makes the subscriber's suppressions im's: those not on the line lifted, those on it put
 * (one there already keeps its since). 0 / -1. */
static int
import_put_suppressed(struct pb_state *st, const struct imp *im)
{
	struct pb_suppress_row *cur = NULL;
	size_t n_cur = 0;
	int rc = -1;

	if (!im->has_sup)
		return 0;
	if (pb_suppress_list(st, im->row.name, &cur, &n_cur) < 0)
		return -1;
	for (size_t i = 0; i < n_cur; i++) {
		int keep = 0;

		for (size_t k = 0; k < im->n_sup && !keep; k++)
			keep = strcmp(cur[i].channel, im->sup[k].channel) == 0 &&
			       strcmp(cur[i].dest, im->sup[k].dest) == 0;
		if (!keep && pb_suppress_lift(st, im->row.name, cur[i].channel, cur[i].dest) < 0)
			goto out;
	}
	for (size_t k = 0; k < im->n_sup; k++)
		if (pb_suppress_put(st, im->row.name, im->sup[k].channel, im->sup[k].dest,
				    im->sup[k].reason, im->sup[k].fingerprint) < 0)
			goto out;
	rc = 0;
out:
	pb_suppress_rows_free(cur, n_cur);
	return rc;
}

/* Reads one line into im; 0, or EX_DATAERR with the reason on stderr. */
static int
import_line(struct ctx *c, const char *text, int line, struct imp *im)
{
	/* the whole line: text after the object (two objects on a line, a cut copy) is refused
	 * rather than dropped */
	cJSON *o = cJSON_ParseWithOpts(text, NULL, 1), *name, *state, *reason, *source, *set;
	cJSON *inner;
	const struct pb_subscriber *s;
	int rc = EX_DATAERR;

	im->line = line;
	if (!cJSON_IsObject(o)) {
		fprintf(stderr, "paperboy: import: line %d: not a JSON object\n", line);
		goto out;
	}
	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	state = cJSON_GetObjectItemCaseSensitive(o, "state");
	reason = cJSON_GetObjectItemCaseSensitive(o, "reason");
	source = cJSON_GetObjectItemCaseSensitive(o, "source");
	set = cJSON_GetObjectItemCaseSensitive(o, "settings");
	if (!cJSON_IsString(name) || !*name->valuestring) {
		fprintf(stderr, "paperboy: import: line %d: no \"name\"\n", line);
		goto out;
	}
	/* the name is said in the messages below: no control character reaches the terminal */
	if (pb_config_check_line(name->valuestring, NULL, 0) < 0) {
		fprintf(stderr, "paperboy: import: line %d: \"name\" holds a control character\n",
			line);
		goto out;
	}
	if (state && !cJSON_IsNull(state) && !(cJSON_IsString(state) &&
					       known_state(state->valuestring))) {
		fprintf(stderr, "paperboy: import: line %d: \"state\" is not active, paused, "
			"unsubscribed or suppressed\n", line);
		goto out;
	}
	if ((reason && !cJSON_IsNull(reason) && !cJSON_IsString(reason)) ||
	    (source && !cJSON_IsNull(source) && !cJSON_IsString(source))) {
		fprintf(stderr, "paperboy: import: line %d: \"reason\" and \"source\" are strings\n",
			line);
		goto out;
	}
	s = pb_config_subscriber(c->cfg, name->valuestring);
	im->row.name = pb_xstrdup(name->valuestring);
	im->row.state = pb_xstrdup(cJSON_IsString(state) ? state->valuestring : "active");
	im->row.reason = cJSON_IsString(reason) ? pb_xstrdup(reason->valuestring) : NULL;
	if (import_suppressed(cJSON_GetObjectItemCaseSensitive(o, "suppressed"), line, im) < 0)
		goto out;
	if (!set || cJSON_IsNull(set)) {
		/* the state of a config subscriber */
		if (!s || s->stored) {
			fprintf(stderr, "paperboy: import: line %d: no settings, and the config "
				"declares no subscriber %s\n", line, name->valuestring);
			goto out;
		}
		im->row.source = pb_xstrdup("config");
		rc = 0;
		goto out;
	}
	if (!cJSON_IsObject(set)) {
		fprintf(stderr, "paperboy: import: line %d: \"settings\" is not an object\n", line);
		goto out;
	}
	inner = cJSON_GetObjectItemCaseSensitive(set, "name");
	if (inner && !(cJSON_IsString(inner) && strcmp(inner->valuestring,
							name->valuestring) == 0)) {
		/* which of the two was meant is not for the import to guess */
		if (cJSON_IsString(inner) && pb_config_check_line(inner->valuestring, NULL, 0) == 0)
			fprintf(stderr, "paperboy: import: line %d: \"name\" is \"%s\" but the "
				"settings' \"name\" is \"%s\": give the same name in both, or "
				"leave it out of the settings\n", line, name->valuestring,
				inner->valuestring);
		else
			fprintf(stderr, "paperboy: import: line %d: the settings' \"name\" is not "
				"\"%s\": give \"%s\" there too, or leave it out\n", line,
				name->valuestring, name->valuestring);
		goto out;
	}
	if (s && !s->stored) {
		/* as `add` says it: the name is the file's */
		fprintf(stderr, "paperboy: import: line %d: subscriber %s is declared in %s:%d: "
			"a line for it carries no settings (its state alone), or give it another "
			"name\n", line, name->valuestring, s->file, s->line);
		rc = EX_CONFIG;
		goto out;
	}
	set_name(set, name->valuestring);
	im->row.settings = cJSON_PrintUnformatted(set);
	im->row.source = pb_xstrdup(cJSON_IsString(source) && strcmp(source->valuestring,
		"config") ? source->valuestring : "import");
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static int
imp_cmp(const void *x, const void *y)
{
	const struct imp *a = *(const struct imp *const *)x, *b = *(const struct imp *const *)y;
	int c = strcmp(a->row.name, b->row.name);

	return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* The line of name in v (sorted by imp_cmp), or NULL. */
static const struct imp *
imp_find(struct imp *const *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid]->row.name, name);

		if (c == 0)
			return v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Every address of a config's subscribers, with the subscriber it is of, sorted as strcasecmp
 * compares them (then by subscriber): an import of thousands looks each of its addresses up
 * here instead of comparing it with every address. */
struct addr {
	const char *email;
	size_t sub;
};

static int
addr_cmp(const void *x, const void *y)
{
	const struct addr *a = x, *b = y;
	int c = strcasecmp(a->email, b->email);

	return c ? c : (a->sub > b->sub) - (a->sub < b->sub);
}

static struct addr *
addr_index(const struct pb_config *cfg, size_t *n)
{
	struct addr *v;
	size_t k = 0;

	for (size_t i = 0; i < cfg->n_subscribers; i++)
		k += cfg->subscribers[i].n_emails;
	v = pb_xcalloc(k + 1, sizeof *v);
	k = 0;
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		for (size_t a = 0; a < cfg->subscribers[i].n_emails; a++)
			v[k++] = (struct addr){ cfg->subscribers[i].emails[a], i };
	qsort(v, k, sizeof *v, addr_cmp);
	*n = k;
	return v;
}

/* The first subscriber of cfg other than me (in the config's order) with one of me's
 * addresses, *a set to the index of that address in me; NULL when there is none. */
static const struct pb_subscriber *
addr_other(const struct addr *v, size_t n, const struct pb_config *cfg,
	   const struct pb_subscriber *me, size_t *a)
{
	size_t self = (size_t)(me - cfg->subscribers), best = SIZE_MAX;

	for (size_t e = 0; e < me->n_emails; e++) {
		size_t lo = 0, hi = n;

		while (lo < hi) {   /* the first entry not below the address */
			size_t mid = lo + (hi - lo) / 2;

			if (strcasecmp(v[mid].email, me->emails[e]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && strcasecmp(v[lo].email, me->emails[e]) == 0; lo++)
			if (v[lo].sub != self && v[lo].sub < best) {
				best = v[lo].sub;
				*a = e;
				break;
			}
	}
	return best == SIZE_MAX ? NULL : &cfg->subscribers[best];
}

/* All or nothing: every line is read and checked (alone, then all together with the stored
 * subscribers they do not replace) before one transaction writes them. */
static int
do_import(struct ctx *c, const char *file)
{
	struct imp *v = NULL;
	size_t n = 0, n_file = 0, len = 0, nv = 0;
	char *data = NULL, err[512], where[64];
	const char **all = NULL;
	struct pb_config *cfg = NULL;
	struct pb_config_error ce;
	struct pb_state *st = NULL;
	struct imp **by_name = NULL;
	struct addr *addrs = NULL;
	const struct pb_subscriber *o;
	size_t n_addrs = 0, a;
	int rc = EX_DATAERR, line = 0;

	if (pb_read_file(file, &data, &len, err, sizeof err) < 0) {
		fprintf(stderr, "paperboy: import: %s\n", err);
		return EX_NOINPUT;
	}
	if (strlen(data) != len) {
		fprintf(stderr, "paperboy: import: %s: holds a NUL byte\n", file);
		goto out;
	}
	for (char *p = data, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		line++;
		if (nl)
			*nl = '\0';
		if (!*(p + strspn(p, " \t\r")))
			continue;
		v = pb_xreallocarray(v, n + 1, sizeof *v);
		memset(&v[n], 0, sizeof v[n]);
		if ((rc = import_line(c, p, line, &v[n++])) != 0)
			goto out;
	}
	rc = EX_DATAERR;
	/* the lines by name: a name twice, and the rows they replace, found by bisection */
	by_name = pb_xcalloc(n + 1, sizeof *by_name);
	for (size_t j = 0; j < n; j++)
		by_name[j] = &v[j];
	qsort(by_name, n, sizeof *by_name, imp_cmp);
	{
		const struct imp *again = NULL, *first = NULL;

		for (size_t j = 1; j < n; j++)
			if (strcmp(by_name[j]->row.name, by_name[j - 1]->row.name) == 0 &&
			    by_name[j - 1]->line < by_name[j]->line &&
			    (!again || by_name[j]->line < again->line)) {
				size_t g = j - 1;

				while (g > 0 && strcmp(by_name[g - 1]->row.name,
						       by_name[j]->row.name) == 0)
					g--;
				again = by_name[j];
				first = by_name[g];
			}
		if (again) {
			fprintf(stderr, "paperboy: import: line %d: subscriber %s is on line %d "
				"too\n", again->line, again->row.name, first->line);
			goto out;
		}
	}
	/* all together: stored ones kept, then the imported ones */
	for (size_t i = 0; i < c->cfg->n_subscribers; i++)
		n_file += !c->cfg->subscribers[i].stored;
	all = pb_xcalloc(c->n_rows + n + 1, sizeof *all);
	for (size_t i = 0; i < c->n_rows; i++) {
		int replaced = 0;

		replaced = imp_find(by_name, n, c->rows[i].name) != NULL;
		if (c->rows[i].settings && !replaced && pb_config_subscriber(c->cfg, c->rows[i].name))
			all[nv++] = c->rows[i].settings;
	}
	{
		size_t first = nv;

		for (size_t j = 0; j < n; j++)
			if (v[j].row.settings)
				all[nv++] = v[j].row.settings;
		/* One load checks them all; only when it fails is each line checked alone, to
		 * name the line (an import of thousands parses the file once). */
		if (nv > first && !(cfg = pb_config_load_stored(c->path, all, nv, &ce))) {
			for (size_t j = 0; j < n; j++) {
				snprintf(where, sizeof where, "import: line %d: ", v[j].line);
				if (v[j].row.settings &&
				    (rc = validate(c, where, v[j].row.name, v[j].row.settings)) != 0)
					goto out;
			}
			fprintf(stderr, "paperboy: import: %s: %s (the lines together)\n", ce.key,
				ce.message);
			rc = EX_CONFIG;
			goto out;
		}
		/* each imported one's rules alone, and its addresses unique */
		for (size_t j = 0, k = n_file + first; cfg && j < n; j++) {
			struct pb_buf why = { 0 };
			const struct pb_subscriber *me;

			if (!v[j].row.settings)
				continue;
			me = &cfg->subscribers[k++];
			if (pb_cli_stored_error(cfg, (size_t)(me - cfg->subscribers), &why) < 0) {
				pb_cli_drop_name(&why, 0, me->name);
				fprintf(stderr, "paperboy: import: line %d: subscriber %s: %s\n",
					v[j].line, me->name, why.data);
				pb_buf_free(&why);
				rc = EX_CONFIG;
				goto out;
			}
			pb_buf_free(&why);
			if (!addrs)
				addrs = addr_index(cfg, &n_addrs);
			if ((o = addr_other(addrs, n_addrs, cfg, me, &a)) != NULL) {
				fprintf(stderr, "paperboy: import: line %d: subscriber %s: email %s "
					"is subscriber %s's\n", v[j].line, me->name, me->emails[a],
					o->name);
				rc = EX_CONFIG;
				goto out;
			}
		}
	}
	if ((rc = pb_cli_open_state_rc(c->cfg, PB_STATE_CREATE, &st)) != 0)
		goto out;
	rc = EX_IOERR;
	if (pb_state_begin(st) < 0)
		goto fail;
	for (size_t j = 0; j < n; j++)
		if (pb_sub_put(st, &v[j].row) < 0 || import_put_suppressed(st, &v[j]) < 0) {
			pb_state_rollback(st);
			goto fail;
		}
	if (pb_state_commit(st) < 0)
		goto fail;
	printf("%zu subscriber%s imported\n", n, n == 1 ? "" : "s");
	rc = 0;
	goto out;
fail:
	rc = pb_cli_write_failed(c->cfg, st, "import: nothing imported");
out:
	pb_state_close(st);
	pb_config_free(cfg);
	free(all);
	free(by_name);
	free(addrs);
	for (size_t j = 0; j < n; j++) {
		pb_sub_row_clear(&v[j].row);
		pb_suppress_rows_free(v[j].sup, v[j].n_sup);
	}
	free(v);
	free(data);
	return rc;
}

int
pb_cmd_subscriber(int argc, char **argv, const char *config_path)
{
	struct opts o = { 0 };
	struct ctx c = { .path = config_path };
	int rc, needs_name, edits;

	if ((rc = parse(argc, argv, &o)) != 0)
		goto done;
	needs_name = strcmp(o.action, "list") && strcmp(o.action, "export") &&
		     strcmp(o.action, "import");
	edits = o.n_emails || o.n_topics || o.n_sets || o.language || o.max_papers;
	if (needs_name && !o.name) {
		rc = usage("give the subscriber's NAME");
		goto done;
	}
	if (edits && strcmp(o.action, "add") && strcmp(o.action, "edit")) {
		rc = usage("settings are given to add and edit only");
		goto done;
	}
	/* an option the action would ignore: the administrator meant something else */
	if (o.reason && strcmp(o.action, "pause")) {
		rc = usage("--reason is given to pause only");
		goto done;
	}
	if (o.all && strcmp(o.action, "export")) {
		rc = usage("--all is given to export only");
		goto done;
	}
	if ((rc = load(&c, o.action)) != 0)
		goto done;
	if (strcmp(o.action, "list") == 0)
		rc = o.name ? usage("list takes no NAME") : do_list(&c);
	else if (strcmp(o.action, "show") == 0)
		rc = do_show(&c, o.name);
	else if (strcmp(o.action, "add") == 0)
		rc = do_add_edit(&c, &o, 1);
	else if (strcmp(o.action, "edit") == 0)
		rc = do_add_edit(&c, &o, 0);
	else if (strcmp(o.action, "pause") == 0)
		rc = do_state(&c, &o, "paused");
	else if (strcmp(o.action, "resume") == 0)
		rc = do_resume(&c, &o);
	else if (strcmp(o.action, "remove") == 0)
		rc = do_remove(&c, &o);
	else if (strcmp(o.action, "export") == 0)
		rc = o.name ? usage("export takes no NAME") : do_export(&c, o.all);
	else if (strcmp(o.action, "import") == 0)
		rc = do_import(&c, o.name ? o.name : "-");
done:
	pb_config_free(c.cfg);
	pb_sub_rows_free(c.rows, c.n_rows);
	pb_suppress_rows_free(c.sup, c.n_sup);
	pb_buf_free(&c.problems);
	free(o.emails);
	free(o.topics);
	free(o.sets);
	return rc;
}
