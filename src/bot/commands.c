/* The chat commands both bots share: a chat's subscription as a stored subscriber, changed by
 * the same checks as `paperboy subscriber add` (pb_cli_stored_validate), each change
 * committed before the answer is written. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "paperboy/bot.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/fetch.h"
#include "paperboy/log.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/papers.h"
#include "paperboy/rank.h"
#include "paperboy/rule_note.h"
#include "paperboy/state.h"

#define PREVIEW_TITLES 10
#define PB_BOT_TELEGRAM_TEXT 3000   /* bytes of an answer's text in one Telegram message */
#define PB_BOT_TELEGRAM_PARTS 5     /* messages of one answer at most */

struct cmd {
	const char *path;
	struct pb_state *st;
	const struct pb_bot_chat *chat;
	int64_t now;
	struct pb_bot_answer *ans;
	struct pb_config *cfg;           /* every subscriber, inactive ones too */
	struct pb_sub_row *rows;
	size_t n_rows;
	const struct pb_subscriber *sub; /* the chat's, or NULL */
	const struct pb_sub_row *row;    /* its row, or NULL */
	char name[96];                   /* its name, or the one /add gives it */
	char dest[128];                  /* dest_of's */
	const char *moved_to;            /* pb_bot_migrate's new chat id, or NULL */
};

/* The commands as the service writes them: "/add" in Telegram, "/paperboy add" in Slack. */
static const struct { const char *cmd, *what; } help_rows[] = {
	{ "start", "subscribe this chat" },
	{ "add QUERY", "add a topic in arXiv's query syntax, e.g. add ti:\"gaussian splatting\" "
		       "OR abs:nerf" },
	{ "add NAME = QUERY", "the same with the topic's name, e.g. add robots = cat:cs.RO "
			      "ANDNOT ti:survey" },
	{ "topics", "list the topics" },
	{ "remove N", "remove topic N" },
	{ "pause", "no digests for a while" },
	{ "resume", "digests again" },
	{ "preview", "what the latest announcement gives the topics" },
	{ "stop", "unsubscribe" },
};

static void
say(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	/* Whole: a query of the file's (no bound there) was cut at 2 KB, inside a character as
	 * likely as not, and Telegram refuses a message that is not UTF-8 whole. */
	va_start(ap, fmt);
	pb_buf_vprintf(&c->ans->text, fmt, ap);
	va_end(ap);
}

static void
say_help(struct cmd *c)
{
	const char *pre = strcmp(c->chat->service, "telegram") == 0 ? "/" : "/paperboy ";

	say(c, "Commands:");
	for (size_t i = 0; i < sizeof help_rows / sizeof help_rows[0]; i++)
		say(c, "\n%s%s - %s", pre, help_rows[i].cmd, help_rows[i].what);
}

static const struct pb_sub_row *
row_of(const struct cmd *c, const char *name)
{
	for (size_t i = 0; i < c->n_rows; i++)
		if (strcmp(c->rows[i].name, name) == 0)
			return &c->rows[i];
	return NULL;
}

static int
telegram(const struct cmd *c)
{
	return strcmp(c->chat->service, "telegram") == 0;
}

static const char *
state_of(const struct cmd *c)
{
	return c->row ? c->row->state : "active";
}

/* Whether name may be the chat's own subscriber: no subscriber that loaded has it (the chat's
 * would have been found by its telegram_chat), and a stored row of that name, one whose
 * settings do not load, is this chat's (its telegram_chat). */
static int
name_free(const struct cmd *c, const char *name)
{
	const struct pb_sub_row *r = row_of(c, name);
	cJSON *o;
	const cJSON *tc;
	int mine;

	if (pb_config_subscriber(c->cfg, name))
		return 0;
	if (!r)
		return 1;
	o = r->settings ? cJSON_Parse(r->settings) : NULL;
	tc = cJSON_GetObjectItemCaseSensitive(o, "telegram_chat");
	mine = cJSON_IsString(tc) && strcmp(tc->valuestring, c->chat->chat) == 0;
	cJSON_Delete(o);
	return mine;
}

/* Finds the chat's subscriber (bot.h says how). A Telegram chat without one is named
 * "tg-<chat id>", or "tg-<chat id>-2", ... when that name is another's: a reader signed up on
 * the web as tg-<id>@example.org, a subscriber an administrator gave another chat. The chat's
 * /add would have written its topics and its chat into that subscriber. */
static void
find(struct cmd *c)
{
	for (size_t i = 0; i < c->cfg->n_subscribers && !c->sub; i++) {
		const struct pb_subscriber *s = &c->cfg->subscribers[i];
		const char *dest = telegram(c) ? s->telegram_chat : s->slack_channel;

		if (dest && strcmp(dest, c->chat->chat) == 0)
			c->sub = s;
	}
	if (c->sub) {
		snprintf(c->name, sizeof c->name, "%s", c->sub->name);
	} else if (telegram(c)) {
		snprintf(c->name, sizeof c->name, "tg-%s", c->chat->chat);
		for (int k = 2; !name_free(c, c->name) && k < 1000; k++)
			snprintf(c->name, sizeof c->name, "tg-%s-%d", c->chat->chat, k);
		if (!name_free(c, c->name))
			*c->name = '\0';   /* do_add says so */
	}
	c->row = *c->name ? row_of(c, c->name) : NULL;
}

static int
load(struct cmd *c)
{
	struct pb_config_error ce;
	struct pb_buf problems = { 0 };
	char msg[1024];

	memset(&ce, 0, sizeof ce);
	if (!(c->cfg = pb_config_load(c->path, &ce))) {
		pb_config_error_format(&ce, msg, sizeof msg);
		pb_err("bot.config", "error=%s", pb_q(msg));
		return -1;
	}
	c->cfg = pb_cli_with_stored(c->cfg, 1, &c->rows, &c->n_rows, &problems);
	pb_buf_free(&problems);
	find(c);
	return 0;
}

/* The destination the delivery knows this chat by, as its channel names it (a suppression
 * holds for that name): the Telegram chat id; for Slack "webhook", the subscriber's webhook
 * (the channel's id is no destination of its own, and the URL is a secret, never stored
 * outside its key). Written into c->dest. */
static const char *
dest_of(struct cmd *c)
{
	const struct pb_channel *ch = pb_channel_find(c->chat->service);
	struct pb_chan_ctx cx = { .cfg = c->cfg, .sub = c->sub };
	struct pb_parts d = { 0 };

	snprintf(c->dest, sizeof c->dest, "%s", telegram(c) ? c->chat->chat : "webhook");
	if (ch && c->sub) {
		pb_channel_dests(ch, &cx, &d);
		if (d.n && strlen(d.v[0]) < sizeof c->dest)
			snprintf(c->dest, sizeof c->dest, "%s", d.v[0]);
		pb_parts_free(&d);
	}
	return c->dest;
}

/* 1 when the subscriber has a destination besides this chat. */
static int
other_dests(const struct cmd *c)
{
	const struct pb_subscriber *s = c->sub;

	return s->n_emails || s->wecom_webhook || s->dingtalk_webhook || s->discord_webhook ||
	       s->ntfy_topic || s->matrix_room || s->feishu_webhook || s->webhook_url ||
	       (telegram(c) ? s->slack_webhook != NULL : s->telegram_chat != NULL);
}

/* A chat that moved (pb_bot_migrate): its suppression, when it has one, moves with it. */
static int
move_suppression(struct cmd *c, const char *name)
{
	struct pb_suppress_row *v = NULL;
	size_t n = 0;
	int rc = 0;

	if (pb_suppress_list(c->st, name, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (strcmp(v[i].channel, "telegram") == 0 && strcmp(v[i].dest, c->chat->chat) == 0 &&
		    (pb_suppress_put(c->st, name, "telegram", c->moved_to, v[i].reason, NULL) < 0 ||
		     pb_suppress_lift(c->st, name, "telegram", c->chat->chat) < 0))
			rc = -1;
	pb_suppress_rows_free(v, n);
	return rc;
}

/* What a change of state does besides the row: /stop suppresses this chat; a pause pauses
 * the subscriber's pending messages (a digest due for a retry, or not yet delivered) and a
 * resume puts them back, as `subscriber pause` and the manage page do. */
enum also { ALSO_NOTHING, ALSO_SUPPRESS, ALSO_PAUSE, ALSO_REQUEUE };

/* Writes row (and what also says) in one transaction with the command's stamp. 0 done, 1 a
 * replay (nothing done), -1 error (said in the answer). */
static int
commit(struct cmd *c, const struct pb_sub_row *row, enum also also)
{
	int claimed = 1;

	if (pb_state_begin(c->st) < 0)
		goto fail;
	if (c->chat->once_key &&
	    (claimed = pb_stamp_claim(c->st, c->chat->once_key, c->now, -1)) < 0)
		goto rollback;
	if (claimed == 0) {
		pb_state_rollback(c->st);
		c->ans->replay = 1;
		return 1;
	}
	if (pb_sub_put(c->st, row) < 0)
		goto rollback;
	if (c->moved_to && move_suppression(c, row->name) < 0)
		goto rollback;
	if (also == ALSO_SUPPRESS &&
	    pb_suppress_put(c->st, row->name, c->chat->service, dest_of(c),
			    "unsubscribed by the recipient (chat command /stop)", NULL) < 0)
		goto rollback;
	if (also == ALSO_PAUSE &&
	    pb_outbox_pause_subscriber(c->st, row->name, "the subscriber is paused") < 0)
		goto rollback;
	if (also == ALSO_REQUEUE && pb_outbox_requeue(c->st, row->name) < 0)
		goto rollback;
	if (pb_state_commit(c->st) < 0)
		goto fail;
	c->ans->changed = 1;
	pb_info("bot.change", "service=%s chat=%s subscriber=%s state=%s", c->chat->service,
		pb_q(c->chat->chat), pb_q(row->name), row->state);
	return 0;
rollback:
	pb_state_rollback(c->st);
fail:
	pb_err("bot.commit", "subscriber=%s error=%s", pb_q(row->name),
	       pb_q(pb_state_errmsg(c->st)));
	pb_buf_reset(&c->ans->text);
	say(c, "Sorry, the change could not be saved; try again later.");
	return -1;
}

/* Whether the command's stamp is there already (a replay): 1 yes (answered "done"), 0 no,
 * -1 error. The stamp is claimed and rolled back: it is written only with a change. */
static int
seen(struct cmd *c)
{
	int claimed;

	if (!c->chat->once_key)
		return 0;
	if (pb_state_begin(c->st) < 0)
		goto fail;
	claimed = pb_stamp_claim(c->st, c->chat->once_key, c->now, -1);
	pb_state_rollback(c->st);
	if (claimed < 0)
		goto fail;
	if (claimed == 0) {
		c->ans->replay = 1;
		say(c, "Done already.");
		return 1;
	}
	return 0;
fail:
	say(c, "Sorry, the bot cannot read its state just now; try again later.");
	return -1;
}

static int
put_state(struct cmd *c, const char *state, const char *reason, enum also also)
{
	struct pb_sub_row r = { 0 };

	r.name = c->name;
	r.settings = c->row ? c->row->settings : NULL;
	r.state = (char *)state;
	r.reason = (char *)reason;
	r.source = c->row ? c->row->source : (char *)"config";
	return commit(c, &r, also);
}

static int
need_sub(struct cmd *c)
{
	if (c->sub)
		return 0;
	if (telegram(c))
		say(c, "This chat has no subscription yet. Add a topic to start one:\n"
		       "/add ti:\"gaussian splatting\"");
	else
		say(c, "This channel is not linked to a subscription. An administrator links it "
		       "with: paperboy subscriber add NAME --set slack_webhook_env=VAR --set "
		       "slack_channel=%s --topic 'NAME=QUERY'", c->chat->chat);
	return -1;
}

static int
need_admin(struct cmd *c)
{
	if (c->chat->may_change > 0)
		return 0;
	if (c->chat->may_change < 0 && telegram(c))
		say(c, "Sorry, Telegram did not say whether you are one of the group's "
		       "administrators, who alone change its subscription; try again later.");
	else if (c->chat->may_change < 0)
		say(c, "Sorry, Slack did not say whether you are the channel's creator or one of "
		       "the workspace's admins, who alone change its subscription; try again "
		       "later.");
	else if (telegram(c))
		say(c, "Sorry, only the group's administrators can change its subscription.");
	else
		say(c, "Sorry, only the channel's creator and the workspace's admins and owners "
		       "can change its subscription.");
	return -1;
}

static void
count_line(struct cmd *c)
{
	size_t n = c->sub ? c->sub->n_topics : 0;

	say(c, "%zu topic%s. /topics lists them, /add adds one.", n, n == 1 ? "" : "s");
}

static int
do_start(struct cmd *c)
{
	int suppressed;

	if (!c->sub && !telegram(c))
		return need_sub(c), 0;
	if (!c->sub) {
		say(c, "Welcome! This chat gets a daily digest of new arXiv papers once it has a "
		       "topic. Add one in arXiv's query syntax:\n/add ti:\"gaussian splatting\"\n\n");
		say_help(c);
		return 0;
	}
	if ((suppressed = pb_suppress_has(c->st, c->name, c->chat->service, dest_of(c))) < 0)
		return -1;
	if (strcmp(state_of(c), "active") == 0 && !suppressed) {
		say(c, "This chat is subscribed (as %s). ", c->name);
		count_line(c);
		return 0;
	}
	if (need_admin(c) < 0)
		return 0;
	/* Lifting is per subscriber: another destination's suppression (a bounce) is the
	 * administrator's to lift. */
	if (suppressed && other_dests(c)) {
		say(c, "This chat was unsubscribed; ask the administrator to run: paperboy "
		       "subscriber resume %s", c->name);
		return 0;
	}
	if (suppressed && pb_suppress_clear(c->st, c->name) < 0)
		return -1;
	/* from a pause, what it held goes again, as with /resume */
	if (put_state(c, "active", NULL, strcmp(state_of(c), "paused") == 0 ? ALSO_REQUEUE
		      : ALSO_NOTHING) < 0)
		return -1;
	say(c, "Subscribed again (as %s). ", c->name);
	count_line(c);
	return 0;
}

/* "NAME = QUERY" when the text before the first '=' is a name, else QUERY alone. A name is
 * what the sign-up form and the configuration take (any letters, blanks inside), so the text
 * before the '=' is one unless it holds a query's own characters (a field's ':', a phrase's
 * '"', a group's parentheses): then the '=' is the query's. 0, or -1 when the name is longer
 * than nlen - 1 bytes. */
static int
split_topic(const char *arg, char *name, size_t nlen, const char **query)
{
	const char *eq = strchr(arg, '='), *end;
	size_t n;

	*name = '\0';
	*query = arg;
	if (!eq)
		return 0;
	for (end = eq; end > arg && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	n = (size_t)(end - arg);
	if (n == 0 || memchr(arg, ':', n) || memchr(arg, '"', n) || memchr(arg, '(', n) ||
	    memchr(arg, ')', n) || memchr(arg, '\n', n))
		return 0;
	if (n >= nlen)
		return -1;
	memcpy(name, arg, n);
	name[n] = '\0';
	for (*query = eq + 1; **query == ' ' || **query == '\t'; (*query)++)
		;
	return 0;
}

/* The rules' finding "subscriber S, topic T, column C: MESSAGE\nQUERY\n   ^" as text and a
 * code block; other reasons as text. */
static void
say_refusal(struct cmd *c, const char *why)
{
	const char *nl = strchr(why, '\n');
	char who[128];

	snprintf(who, sizeof who, "subscriber %s, ", c->name);
	if (strncmp(why, who, strlen(who)) == 0)
		why += strlen(who);
	nl = strchr(why, '\n');
	say(c, "That topic is refused: ");
	pb_buf_append(&c->ans->text, why, nl ? (size_t)(nl - why) : strlen(why));
	if (nl)
		pb_buf_puts(&c->ans->code, nl + 1);
}

/* Checks obj as the chat subscriber's settings (as `subscriber add` does) and stores them with
 * its state, reason and source kept, in one transaction with the command's stamp. 0 stored,
 * 1 a replay, 2 refused (said), -1 error (said). */
static int
save_settings(struct cmd *c, cJSON *obj)
{
	char *json = cJSON_PrintUnformatted(obj);
	struct pb_buf why = { 0 };
	struct pb_sub_row r = { 0 };
	int rc = 2;

	if (pb_cli_stored_validate(c->path, c->cfg, c->name, json,
				   &why) < 0) {
		say_refusal(c, why.data);
		goto out;
	}
	r.name = c->name;
	r.settings = json;
	r.state = (char *)state_of(c);
	r.reason = c->row ? c->row->reason : NULL;
	r.source = c->row ? c->row->source : (char *)c->chat->service;
	rc = commit(c, &r, ALSO_NOTHING);
out:
	pb_buf_free(&why);
	free(json);
	return rc;
}

static int
do_add(struct cmd *c, const char *arg)
{
	char tname[PB_BOT_NAME_MAX + 1];
	const char *query;
	cJSON *obj = NULL, *topics, *t;
	int rc = 0;

	if (need_admin(c) < 0)
		return 0;
	if (c->sub && !c->sub->stored) {
		say(c, "This chat's subscription (%s) is written in the configuration; ask the "
		       "administrator to change its topics.", c->name);
		return 0;
	}
	if (!c->sub && !telegram(c))
		return need_sub(c), 0;
	if (!c->sub && !*c->name) {
		say(c, "This chat cannot be given a subscription of its own; ask the "
		       "administrator.");
		return 0;
	}
	if (!*arg) {
		say(c, "Give a query: /add ti:\"gaussian splatting\" (or /add NAME = QUERY)");
		return 0;
	}
	if (split_topic(arg, tname, sizeof tname, &query) < 0) {
		say(c, "A topic's name is %d bytes at most.", PB_BOT_NAME_MAX);
		return 0;
	}
	if (strlen(query) > PB_BOT_QUERY_MAX) {
		say(c, "That query is %zu bytes long; %d at most.", strlen(query),
		    PB_BOT_QUERY_MAX);
		return 0;
	}
	if (!*query) {
		say(c, "Give a query after the '='.");
		return 0;
	}
	obj = c->row && c->row->settings ? cJSON_Parse(c->row->settings) : cJSON_CreateObject();
	if (!cJSON_IsObject(obj)) {
		say(c, "This chat's stored settings cannot be read; ask the administrator.");
		goto out;
	}
	if (!cJSON_GetObjectItemCaseSensitive(obj, "name"))
		cJSON_AddStringToObject(obj, "name", c->name);
	if (telegram(c) && !cJSON_GetObjectItemCaseSensitive(obj, "telegram_chat"))
		cJSON_AddStringToObject(obj, "telegram_chat", c->chat->chat);
	topics = cJSON_GetObjectItemCaseSensitive(obj, "topics");
	if (!cJSON_IsArray(topics)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "topics");
		topics = cJSON_AddArrayToObject(obj, "topics");
	}
	if (cJSON_GetArraySize(topics) >= PB_BOT_TOPICS_MAX) {
		say(c, "This chat has %d topics, the most it may have: /remove one first.",
		    PB_BOT_TOPICS_MAX);
		goto out;
	}
	/* a free name: topic1, topic2, ... */
	for (int k = 1; !*tname; k++) {
		int used = 0;

		snprintf(tname, sizeof tname, "topic%d", k);
		cJSON_ArrayForEach(t, topics) {
			cJSON *tn = cJSON_GetObjectItemCaseSensitive(t, "name");

			used |= cJSON_IsString(tn) && strcmp(tn->valuestring, tname) == 0;
		}
		if (used)
			*tname = '\0';
	}
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "name", tname);
	cJSON_AddStringToObject(t, "query", query);
	cJSON_AddItemToArray(topics, t);
	if ((rc = save_settings(c, obj)) != 0) {
		rc = rc < 0 ? -1 : 0;
		goto out;
	}
	say(c, "Topic %s added: %s\nThis chat has %d topic%s.", tname, query,
	    cJSON_GetArraySize(topics), cJSON_GetArraySize(topics) == 1 ? "" : "s");
	{
		/* A rule copied from arXiv's search ("ti:video ti:motion") reads AND here and
		 * OR there: said now, not found out from a thin digest. */
		const cJSON *lang = cJSON_GetObjectItemCaseSensitive(obj, "language");
		struct pb_buf note = { 0 };

		if (pb_rule_side_by_side_note(tname, query, cJSON_IsString(lang) ?
					      lang->valuestring : NULL, &note))
			say(c, "\n%s", note.data);
		pb_buf_free(&note);
	}
	if (strcmp(state_of(c), "active") != 0)
		say(c, "\nThe subscription is %s: /resume restarts it.", state_of(c));
out:
	cJSON_Delete(obj);
	return rc;
}

static int
do_topics(struct cmd *c)
{
	if (need_sub(c) < 0)
		return 0;
	say(c, "Topics of %s (%s):", c->name, state_of(c));
	for (size_t i = 0; i < c->sub->n_topics; i++)
		say(c, "\n%zu. %s: %s", i + 1, c->sub->topics[i].name,
		    c->sub->topics[i].query ? c->sub->topics[i].query : "(papers like the liked ones)");
	return 0;
}

static int
do_remove(struct cmd *c, const char *arg)
{
	cJSON *obj = NULL, *topics;
	char *end;
	long k;
	int rc = 0;

	if (need_sub(c) < 0 || need_admin(c) < 0)
		return 0;
	if (!c->sub->stored) {
		say(c, "This chat's subscription (%s) is written in the configuration; ask the "
		       "administrator to change its topics.", c->name);
		return 0;
	}
	k = strtol(arg, &end, 10);
	if (!*arg || *end || k < 1 || (size_t)k > c->sub->n_topics) {
		say(c, "Give a topic's number from /topics: /remove 1");
		return 0;
	}
	if (c->sub->n_topics == 1) {
		say(c, "That is the only topic; a subscription needs one. /stop unsubscribes.");
		return 0;
	}
	obj = cJSON_Parse(c->row->settings);
	topics = cJSON_GetObjectItemCaseSensitive(obj, "topics");
	if (!cJSON_IsArray(topics) || cJSON_GetArraySize(topics) != (int)c->sub->n_topics) {
		say(c, "This chat's stored settings cannot be read; ask the administrator.");
		goto out;
	}
	cJSON_DeleteItemFromArray(topics, (int)k - 1);
	if ((rc = save_settings(c, obj)) == 0)
		say(c, "Topic %ld (%s) removed.", k, c->sub->topics[k - 1].name);
	rc = rc < 0 ? -1 : 0;
out:
	cJSON_Delete(obj);
	return rc;
}

static int
do_pause(struct cmd *c, int pause)
{
	const char *st = state_of(c);

	if (need_sub(c) < 0 || need_admin(c) < 0)
		return 0;
	if (strcmp(st, pause ? "paused" : "active") == 0) {
		say(c, "The subscription is %s already.", st);
		return 0;
	}
	if (strcmp(st, "unsubscribed") == 0 || strcmp(st, "suppressed") == 0) {
		say(c, "The subscription is %s: /start subscribes again.", st);
		return 0;
	}
	if (put_state(c, pause ? "paused" : "active", pause ? "paused by a chat command" : NULL,
		      pause ? ALSO_PAUSE : ALSO_REQUEUE) < 0)
		return -1;
	say(c, pause ? "Paused: no digests until /resume." : "Resumed: digests start again.");
	return 0;
}

static int
do_stop(struct cmd *c)
{
	if (need_sub(c) < 0 || need_admin(c) < 0)
		return 0;
	if (strcmp(state_of(c), "unsubscribed") == 0) {
		say(c, "This chat is unsubscribed already. /start subscribes again.");
		return 0;
	}
	/* The convention: the destination is suppressed; the subscriber is unsubscribed when
	 * that leaves it none. */
	if (put_state(c, other_dests(c) ? state_of(c) : "unsubscribed",
		      other_dests(c) ? (c->row ? c->row->reason : NULL)
				     : "unsubscribed by the recipient (chat command /stop)",
		      ALSO_SUPPRESS) < 0)
		return -1;
	say(c, "Unsubscribed: this chat gets no more digests. /start subscribes again.");
	return 0;
}

/* The titles the latest announcement gives the chat's topics (the match the run makes). */
static int
do_preview(struct cmd *c)
{
	struct pb_matcher *m = NULL;
	struct pb_rank_run *rr = NULL;
	struct pb_selection *sel = NULL;
	struct pb_papers_req rq = { 0 };
	struct pb_fetch_result res;
	struct pb_paperset ps;
	struct pb_config one;
	char err[1024];

	if (need_sub(c) < 0)
		return 0;
	pb_paperset_init(&ps);
	memset(&res, 0, sizeof res);
	one = *c->cfg;
	one.subscribers = (struct pb_subscriber *)c->sub;
	one.n_subscribers = 1;
	if (!(m = pb_matcher_new(&one, err, sizeof err))) {
		say(c, "The topics do not compile: %s", err);
		goto out;
	}
	/* The announcement the last run fetched, from the HTTP cache; a Slack command (answered
	 * inside the web endpoint, within Slack's three seconds) never waits for arXiv, while
	 * the Telegram bot's own thread may fetch it. */
	if (pb_fetch_today_cached(c->cfg, &ps, &res) != PB_FETCH_OK) {
		pb_paperset_free(&ps);
		pb_paperset_init(&ps);
		memset(&res, 0, sizeof res);
		if (strcmp(c->chat->service, "slack") == 0) {
			say(c, "No announcement has been fetched yet; try again after the next run.");
			goto out;
		}
		pb_papers_load(NULL, c->cfg, &rq, &ps, &res);
	}
	if (res.status == PB_FETCH_NO_ANNOUNCEMENT) {
		say(c, "arXiv has no announcement today.");
		goto out;
	}
	if (res.status != PB_FETCH_OK) {
		pb_warn("bot.preview", "error=%s", pb_q(res.message));
		say(c, "The latest announcement cannot be read just now; try again later.");
		goto out;
	}
	rr = pb_rank_run_new(&one, c->st, NULL, &ps, NULL, c->now, m);    /* offline */
	if (pb_match_all(m, &ps, &sel, err, sizeof err) < 0) {
		say(c, "Matching failed: %s", err);
		goto out;
	}
	say(c, "The latest announcement%s%s gives %zu paper%s:", ps.announce_date ? " of " : "",
	    ps.announce_date ? ps.announce_date : "", sel[0].n_hits,
	    sel[0].n_hits == 1 ? "" : "s");
	for (size_t i = 0; i < sel[0].n_hits && i < PREVIEW_TITLES; i++) {
		const struct pb_paper *p = &ps.v[sel[0].hits[i].paper];

		say(c, "\n%zu. %s (%s)", i + 1, p->title ? p->title : "(untitled)", p->id);
	}
	if (sel[0].n_hits > PREVIEW_TITLES)
		say(c, "\n...");
out:
	pb_selections_free(sel, 1);
	pb_matcher_free(m);
	pb_rank_run_free(rr);
	pb_paperset_free(&ps);
	return 0;
}

int
pb_bot_known(const char *word)
{
	static const char *const words[] = {
		"start", "add", "topics", "remove", "pause", "resume", "preview", "stop", "help",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(word, words[i]) == 0)
			return 1;
	return 0;
}

int
pb_bot_parse_command(const char *text, char word[PB_BOT_WORD_MAX], const char **arg)
{
	size_t n = 0;

	*word = '\0';
	*arg = "";
	while (*text == ' ' || *text == '\t' || *text == '\n')
		text++;
	if (strlen(text) > PB_BOT_TEXT_MAX)
		return -1;
	if (*text == '/')
		text++;
	/* "/add@SomeBot x": the command, without the bot's name */
	while (text[n] && n + 1 < PB_BOT_WORD_MAX &&
	       (isalnum((unsigned char)text[n]) || text[n] == '_')) {
		word[n] = (char)tolower((unsigned char)text[n]);
		n++;
	}
	word[n] = '\0';
	text += n;
	if (*text == '@')
		text += strcspn(text, " \t\n");
	while (*text == ' ' || *text == '\t' || *text == '\n')
		text++;
	*arg = text;
	return 0;
}

int
pb_bot_command(const char *config_path, struct pb_state *st, const struct pb_bot_chat *chat,
	       const char *text, int64_t now, struct pb_bot_answer *ans)
{
	struct cmd c = { .path = config_path, .st = st, .chat = chat, .now = now, .ans = ans };
	char word[PB_BOT_WORD_MAX];
	const char *arg;
	int rc = 0;

	memset(ans, 0, sizeof *ans);
	if (pb_bot_parse_command(text, word, &arg) < 0) {
		say(&c, "That message is too long for a command.");
		return 0;
	}
	if (seen(&c) != 0)
		goto out;
	if (load(&c) < 0) {
		say(&c, "Sorry, the bot cannot read its configuration just now.");
		goto out;
	}
	pb_debug("bot.command", "service=%s chat=%s command=%s", chat->service, pb_q(chat->chat),
		 pb_q(word));
	if (strcmp(word, "start") == 0)
		rc = do_start(&c);
	else if (strcmp(word, "add") == 0)
		rc = do_add(&c, arg);
	else if (strcmp(word, "topics") == 0)
		rc = do_topics(&c);
	else if (strcmp(word, "remove") == 0)
		rc = do_remove(&c, arg);
	else if (strcmp(word, "pause") == 0)
		rc = do_pause(&c, 1);
	else if (strcmp(word, "resume") == 0)
		rc = do_pause(&c, 0);
	else if (strcmp(word, "preview") == 0)
		rc = do_preview(&c);
	else if (strcmp(word, "stop") == 0)
		rc = do_stop(&c);
	else
		say_help(&c);
	if (ans->replay) {
		pb_buf_reset(&ans->text);
		pb_buf_reset(&ans->code);
		say(&c, "Done already.");
	}
out:
	pb_config_free(c.cfg);
	pb_sub_rows_free(c.rows, c.n_rows);
	return rc;
}

int
pb_bot_migrate(const char *config_path, struct pb_state *st, const struct pb_bot_chat *chat,
	       const char *new_chat, struct pb_bot_answer *ans)
{
	struct cmd c = { .path = config_path, .st = st, .chat = chat, .now = (int64_t)time(NULL),
			 .ans = ans, .moved_to = new_chat };
	cJSON *obj = NULL;
	int rc = 0;

	memset(ans, 0, sizeof *ans);
	if (!new_chat || !*new_chat || strcmp(new_chat, chat->chat) == 0 || seen(&c) != 0)
		goto out;
	if (load(&c) < 0 || !c.sub)
		goto out;   /* no subscriber has the chat, or it has moved already */
	if (!c.sub->stored || !c.row || !c.row->settings) {
		pb_warn("bot.migrated", "subscriber=%s chat=%s new_chat=%s error=%s", pb_q(c.name),
			pb_q(chat->chat), pb_q(new_chat),
			pb_q("the group became a supergroup; its telegram_chat is in the "
			     "configuration file: give it the new chat id"));
		goto out;
	}
	obj = cJSON_Parse(c.row->settings);
	if (!cJSON_IsObject(obj)) {
		pb_err("bot.migrated", "subscriber=%s error=%s", pb_q(c.name),
		       pb_q("the stored settings are not JSON"));
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "telegram_chat");
	cJSON_AddStringToObject(obj, "telegram_chat", new_chat);
	rc = save_settings(&c, obj);
	if (rc == 0)
		pb_info("bot.migrated", "subscriber=%s chat=%s new_chat=%s", pb_q(c.name),
			pb_q(chat->chat), pb_q(new_chat));
	else if (rc == 2)
		pb_err("bot.migrated", "subscriber=%s new_chat=%s error=%s", pb_q(c.name),
		       pb_q(new_chat), pb_q(pb_buf_str(&ans->text)));
	rc = rc < 0 ? -1 : 0;
out:
	cJSON_Delete(obj);
	pb_config_free(c.cfg);
	pb_sub_rows_free(c.rows, c.n_rows);
	return rc;
}

void
pb_bot_answer_free(struct pb_bot_answer *ans)
{
	if (!ans)
		return;
	pb_buf_free(&ans->text);
	pb_buf_free(&ans->code);
}

void
pb_bot_answer_telegram(const struct pb_bot_answer *ans, struct pb_parts *out)
{
	const char *t = ans->text.data ? ans->text.data : "";
	size_t left = ans->text.len, parts = 0;
	struct pb_buf m = { 0 };

	/* A message holds 4096 characters: a long answer (ten topics of long queries) goes in
	 * several, each cut at a line's end where one is in reach, else on a character. */
	while (left > 0 && parts < PB_BOT_TELEGRAM_PARTS) {
		size_t n = left;

		if (n > PB_BOT_TELEGRAM_TEXT) {
			const char *nl = NULL;

			n = PB_BOT_TELEGRAM_TEXT;
			for (size_t i = n; i > n / 2; i--)
				if (t[i - 1] == '\n') {
					nl = t + i;
					break;
				}
			if (nl)
				n = (size_t)(nl - t);
			else
				while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
					n--;
		}
		pb_esc_telegram_n(&m, t, n);
		while (m.len && m.data[m.len - 1] == '\n')
			m.data[--m.len] = '\0';
		t += n;
		left -= n;
		if (left > 0 && ++parts == PB_BOT_TELEGRAM_PARTS)
			pb_buf_puts(&m, "\n…");   /* the rest is not sent */
		else if (left > 0)
			pb_parts_push(out, pb_buf_detach(&m));
	}
	if (ans->code.len) {
		/* after the last part when it fits there, else a message of its own */
		if (m.len + ans->code.len > PB_BOT_TELEGRAM_TEXT && m.len)
			pb_parts_push(out, pb_buf_detach(&m));
		pb_buf_puts(&m, m.len ? "\n<pre>" : "<pre>");
		pb_esc_telegram_n(&m, ans->code.data, ans->code.len);
		pb_buf_puts(&m, "</pre>");
	}
	if (m.len || out->n == 0)
		pb_parts_push(out, pb_buf_detach(&m));
	pb_buf_free(&m);
}

void
pb_bot_answer_slack(const struct pb_bot_answer *ans, struct pb_buf *out)
{
	pb_esc_slack_n(out, ans->text.data ? ans->text.data : "", ans->text.len);
	if (ans->code.len) {
		pb_buf_puts(out, "\n```\n");
		pb_esc_slack_n(out, ans->code.data, ans->code.len);
		pb_buf_puts(out, "\n```");
	}
}

int
pb_bot_feedback(const char *config_path, struct pb_state *st, const struct pb_bot_chat *chat,
		const char *paper_id, int verdict, int64_t pressed, struct pb_bot_answer *ans)
{
	struct cmd c = { .path = config_path, .st = st, .chat = chat, .ans = ans,
			 .now = pb_now() };
	char id[48];
	size_t n;
	int rc = 0, claimed = 1, put = 0, kept = 0;

	memset(ans, 0, sizeof *ans);
	/* "2411.17790v2" -> "2411.17790": only a trailing vN is a version */
	n = strlen(paper_id);
	for (size_t i = n; i > 1; i--)
		if (paper_id[i - 1] == 'v' && i < n && strspn(paper_id + i, "0123456789") == n - i) {
			n = i - 1;
			break;
		}
	if (n == 0 || n >= sizeof id || strspn(paper_id, "abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-") < n || (verdict != 1 && verdict != -1)) {
		say(&c, "That button is not one of paperboy's.");
		return 0;
	}
	memcpy(id, paper_id, n);
	id[n] = '\0';
	if (load(&c) < 0) {
		say(&c, "Sorry, the bot cannot read its configuration just now.");
		goto out;
	}
	if (!c.sub) {
		say(&c, "This chat has no subscription.");
		goto out;
	}
	if (pressed <= 0 || pressed > c.now)
		pressed = c.now;
	/* the press's stamp and its verdict in one transaction: a press delivered again is
	 * found by its stamp, one delivered late by a newer verdict's time */
	if (pb_state_begin(st) < 0)
		goto fail;
	if (chat->once_key && (claimed = pb_stamp_claim(st, chat->once_key, c.now, -1)) < 0)
		goto rollback;
	if (claimed && (put = pb_feedback_put_at(st, c.name, id, verdict, chat->service,
						 pressed)) < 0)
		goto rollback;
	if (claimed && put == 0 && pb_feedback_get(st, c.name, id, &kept) < 0)
		goto rollback;
	if (pb_state_commit(st) < 0)
		goto fail;
	if (!claimed) {
		ans->replay = 1;
		say(&c, "Done already.");
		goto out;
	}
	if (!put) {
		pb_info("bot.feedback", "service=%s subscriber=%s paper=%s verdict=%+d kept=%+d",
			chat->service, pb_q(c.name), pb_q(id), verdict, kept);
		say(&c, kept > 0 ? "A later press is kept: more like this."
			: "A later press is kept: not for you.");
		goto out;
	}
	pb_info("bot.feedback", "service=%s subscriber=%s paper=%s verdict=%+d", chat->service,
		pb_q(c.name), pb_q(id), verdict);
	say(&c, verdict > 0 ? "Noted: more like this." : "Noted: not for you.");
	goto out;
rollback:
	pb_state_rollback(st);
fail:
	pb_err("bot.feedback", "subscriber=%s paper=%s error=%s", pb_q(c.name), pb_q(id),
	       pb_q(pb_state_errmsg(st)));
	say(&c, "Sorry, that could not be saved; try again later.");
	rc = -1;
out:
	pb_config_free(c.cfg);
	pb_sub_rows_free(c.rows, c.n_rows);
	return rc;
}
