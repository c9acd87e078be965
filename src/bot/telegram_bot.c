/* The Telegram bot: getUpdates long polls (or a webhook's updates), each command answered by
 * sendMessage and each button by answerCallbackQuery. The update's change and a stamp of its
 * id are committed together before the answer, and the offset moves past an update only
 * after that: a process killed at any point reads again at most the update it had not
 * finished, and the stamp makes that replay change nothing twice. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "paperboy/bot.h"
#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/http.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "telegram_int.h"

#define OFFSET_KEY "telegram.offset"
#define POLL_CLAIM "telegram:getUpdates"   /* the claim of the long poll among machines */
#define MAX_UPDATES 100
/* An answer Telegram refused with 429 is sent again after its retry_after at most this many
 * times (and not when retry_after is over ANSWER_WAIT_MAX_S, telegram_int.h). */
#define ANSWER_TRIES 3
/* getUpdates refused while a webhook is set (409): asked again after pauses growing from the
 * first to the last, not at every poll */
#define HOOK_WAIT_MIN_S 5
#define HOOK_WAIT_MAX_S 300

/* ---- parsing ---- */

/* A JSON number that is an integer a double holds exactly. */
static int
int_of(const cJSON *j, int64_t *out)
{
	if (!cJSON_IsNumber(j) || j->valuedouble != j->valuedouble ||
	    j->valuedouble <= -9007199254740992.0 || j->valuedouble >= 9007199254740992.0 ||
	    j->valuedouble != (double)(int64_t)j->valuedouble)
		return -1;
	*out = (int64_t)j->valuedouble;
	return 0;
}

static const cJSON *
get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static char *
str_dup(const cJSON *j)
{
	return cJSON_IsString(j) ? pb_xstrdup(j->valuestring) : NULL;
}

static void
chat_of(const cJSON *msg, struct pb_tg_update *u)
{
	const cJSON *chat = get(msg, "chat"), *type = get(chat, "type");
	int64_t v;

	if (int_of(get(chat, "id"), &v) == 0)
		snprintf(u->chat, sizeof u->chat, "%" PRId64, v);
	if (cJSON_IsString(type) && strlen(type->valuestring) < sizeof u->chat_type)
		snprintf(u->chat_type, sizeof u->chat_type, "%s", type->valuestring);
	/* A reply in a group has a message_thread_id too, the replied-to message's, which is no
	 * forum topic: an answer sent to it is refused ("message thread not found"). */
	if (cJSON_IsTrue(get(msg, "is_topic_message")) &&
	    int_of(get(msg, "message_thread_id"), &v) == 0 && v > 0 && v < 2147483647)
		u->thread_id = (long)v;
}

static int
parse_one(const cJSON *o, struct pb_tg_update *u)
{
	const cJSON *msg = get(o, "message"), *cb = get(o, "callback_query");
	int64_t v;

	memset(u, 0, sizeof *u);
	if (int_of(get(o, "update_id"), &u->update_id) < 0 || u->update_id < 0)
		return -1;
	if (cJSON_IsObject(msg)) {
		chat_of(msg, u);
		if (int_of(get(get(msg, "from"), "id"), &v) == 0)
			u->from_id = v;
		/* the group as its sender: Telegram's anonymous administrators (from is then
		 * GroupAnonymousBot, whom getChatMember does not know as one) */
		if (*u->chat && int_of(get(get(msg, "sender_chat"), "id"), &v) == 0) {
			char sender[sizeof u->chat];

			snprintf(sender, sizeof sender, "%" PRId64, v);
			u->as_chat = strcmp(sender, u->chat) == 0;
		}
		u->text = str_dup(get(msg, "text"));
		/* a group upgraded to a supergroup: two service messages, one in each chat */
		if (*u->chat && int_of(get(msg, "migrate_to_chat_id"), &v) == 0 && v != 0) {
			snprintf(u->migrate_old, sizeof u->migrate_old, "%s", u->chat);
			snprintf(u->migrate_new, sizeof u->migrate_new, "%" PRId64, v);
		} else if (*u->chat && int_of(get(msg, "migrate_from_chat_id"), &v) == 0 && v != 0) {
			snprintf(u->migrate_old, sizeof u->migrate_old, "%" PRId64, v);
			snprintf(u->migrate_new, sizeof u->migrate_new, "%s", u->chat);
		}
	} else if (cJSON_IsObject(cb) && cJSON_IsString(get(cb, "id"))) {
		chat_of(get(cb, "message"), u);
		if (int_of(get(get(cb, "from"), "id"), &v) == 0)
			u->from_id = v;
		u->cb_id = str_dup(get(cb, "id"));
		u->cb_data = str_dup(get(cb, "data"));
	}
	return 0;
}

void
pb_tg_update_clear(struct pb_tg_update *u)
{
	if (!u)
		return;
	free(u->text);
	free(u->cb_id);
	free(u->cb_data);
	memset(u, 0, sizeof *u);
}

void
pb_tg_updates_free(struct pb_tg_update *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		pb_tg_update_clear(&v[i]);
	free(v);
}

int
pb_tg_update_parse(const char *body, size_t len, struct pb_tg_update *u, char *err,
		   size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	int rc = 0;

	memset(u, 0, sizeof *u);
	if (!cJSON_IsObject(root) || parse_one(root, u) < 0) {
		snprintf(err, errlen, "not a Telegram update (no update_id)");
		pb_tg_update_clear(u);
		rc = -1;
	}
	cJSON_Delete(root);
	return rc;
}

int
pb_tg_updates_parse(const char *body, size_t len, struct pb_tg_update **out, size_t *n,
		    char *err, size_t errlen)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *res, *it;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsObject(root)) {
		struct pb_buf q = { 0 };

		pb_http_quote_reply(&q, body ? body : "", body ? len : 0, 120);
		snprintf(err, errlen, "getUpdates: not a Bot API answer: %s", q.data ? q.data : "");
		pb_buf_free(&q);
		goto out;
	}
	if (!cJSON_IsTrue(get(root, "ok"))) {
		const cJSON *d = get(root, "description");
		struct pb_buf q = { 0 };

		if (cJSON_IsString(d))
			pb_http_quote_reply(&q, d->valuestring, strlen(d->valuestring), 200);
		snprintf(err, errlen, "getUpdates: %s", q.data ? q.data : "\"ok\" is not true");
		pb_buf_free(&q);
		goto out;
	}
	res = get(root, "result");
	if (!cJSON_IsArray(res)) {
		snprintf(err, errlen, "getUpdates: no \"result\" list");
		goto out;
	}
	*out = pb_xcalloc((size_t)cJSON_GetArraySize(res) + 1, sizeof **out);
	cJSON_ArrayForEach(it, res) {
		if (*n >= MAX_UPDATES)
			break;
		if (parse_one(it, &(*out)[*n]) == 0)
			(*n)++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int
pb_tg_feedback_data(const char *paper_id, int verdict, char *out, size_t n)
{
	int w = snprintf(out, n, "f%c%s", verdict > 0 ? '+' : '-', paper_id);

	return w < 0 || (size_t)w >= n || w > 64 ? -1 : 0;
}

int
pb_tg_feedback_parse(const char *data, char *id, size_t n, int *verdict)
{
	size_t l;

	if (!data || data[0] != 'f' || (data[1] != '+' && data[1] != '-'))
		return -1;
	l = strlen(data + 2);
	if (l == 0 || l >= n || l > 62)
		return -1;
	memcpy(id, data + 2, l + 1);
	*verdict = data[1] == '+' ? 1 : -1;
	return 0;
}

/* ---- the Bot API ---- */

struct pb_tgbot *
pb_tgbot_new(const struct pb_config *cfg, const char *config_path,
	     const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct pb_http_opts o;
	struct pb_tgbot *b;
	const char *api = cfg->telegram.api_url && *cfg->telegram.api_url
				  ? cfg->telegram.api_url : "https://api.telegram.org";
	size_t al = strlen(api);
	struct pb_buf base = { 0 };

	if (!cfg->telegram.token || !*cfg->telegram.token) {
		snprintf(err, errlen, "telegram.commands needs telegram.token");
		return NULL;
	}
	memset(&o, 0, sizeof o);
	o.user_agent = cfg->user_agent;
	o.ca_file = cfg->ca_file;
	o.timeout_s = 40;         /* the long poll (<= 25 s) and a margin */
	o.connect_timeout_s = 15;
	o.max_retries = 0;
	b = pb_xcalloc(1, sizeof *b);
	b->http = pb_http_new(&o);
	o.stop = stop;
	b->poll = pb_http_new(&o);
	if (!b->http || !b->poll) {
		snprintf(err, errlen, "cannot make an HTTP client");
		pb_http_free(b->poll);
		pb_http_free(b->http);
		free(b);
		return NULL;
	}
	pb_buf_append(&base, api, al && api[al - 1] == '/' ? al - 1 : al);
	pb_buf_printf(&base, "/bot%s/", cfg->telegram.token);
	b->base = pb_xstrdup(base.data);
	pb_tgb_fingerprint(base.data, base.len, b->fp);
	pb_buf_free(&base);
	b->config_path = pb_xstrdup(config_path);
	b->machine = pb_xstrdup(cfg->state_machine ? cfg->state_machine : "");
	b->lease_s = (cfg->state_lease_s > 0 ? cfg->state_lease_s : 60) +
		     (cfg->telegram.poll_timeout_s > 0 ? cfg->telegram.poll_timeout_s : 25);
	return b;
}

static void give_up(struct pb_tgbot *b, size_t i, const char *err, const char *why);

void
pb_tgbot_free(struct pb_tgbot *b)
{
	if (!b)
		return;
	while (b->n_held) {
		struct pb_tgb_held *h = &b->held[0];

		pb_tgb_keep_new(b, h);
		if (!h->row) {
			give_up(b, 0, "", "the bot stops before Telegram's retry_after has passed");
			continue;
		}
		pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%zu/%zu "
			"note=%s", pb_q(h->chat), h->update_id,
			pb_q(pb_tgb_command_of(h)), h->next + 1, h->msgs.n,
			pb_q("the bot stops before Telegram's retry_after has passed: kept in the "
			     "state, and sent by the next start"));
		pb_tgb_held_drop(b, 0);
	}
	free(b->held);
	pb_http_free(b->poll);
	pb_http_free(b->http);
	free(b->base);
	free(b->config_path);
	free(b->machine);
	free(b);
}

/* POSTs body (JSON) to method; 0 when the answer says ok (its "result" into *result when
 * wanted, the caller cJSON_Deletes *root), -1 with err filled. retry_after (may be NULL) is
 * set to the seconds a 429 asks to wait (its parameters.retry_after, at least 1), else -1. */
static int
call(struct pb_tgbot *b, const char *method, cJSON *body, long timeout_s, cJSON **root,
     const cJSON **result, long *retry_after, char *err, size_t errlen)
{
	struct pb_http_response resp;
	struct pb_buf url = { 0 };
	char *text = cJSON_PrintUnformatted(body);
	cJSON *r = NULL;
	char herr[384];
	int rc = -1;

	memset(&resp, 0, sizeof resp);
	if (retry_after)
		*retry_after = -1;
	pb_buf_printf(&url, "%s%s", b->base, method);
	if (pb_http_post(b->http, url.data, NULL, text, strlen(text), NULL, 0, timeout_s, &resp,
			 herr, sizeof herr) < 0 && resp.status == 0) {
		snprintf(err, errlen, "%s: %s", method, herr);
		goto out;
	}
	r = cJSON_ParseWithLength(resp.body.data ? resp.body.data : "", resp.body.len);
	if (!cJSON_IsTrue(get(r, "ok"))) {
		const cJSON *d = get(r, "description");
		struct pb_buf q = { 0 };
		int64_t code = 0, ra = 0;

		/* flood control: {"error_code":429,"parameters":{"retry_after":N}} */
		if (retry_after && (resp.status == 429 ||
				    (int_of(get(r, "error_code"), &code) == 0 && code == 429))) {
			if (int_of(get(get(r, "parameters"), "retry_after"), &ra) < 0 || ra < 1)
				ra = 1;
			*retry_after = ra > 86400 ? 86400 : (long)ra;
		}

		if (cJSON_IsString(d))
			pb_http_quote_reply(&q, d->valuestring, strlen(d->valuestring), 200);
		else
			pb_http_quote_reply(&q, resp.body.data ? resp.body.data : "", resp.body.len,
					    120);
		snprintf(err, errlen, "%s: HTTP %ld %s", method, resp.status, q.data ? q.data : "");
		pb_buf_free(&q);
		goto out;
	}
	if (result)
		*result = get(r, "result");
	rc = 0;
out:
	if (rc == 0 && root)
		*root = r;
	else
		cJSON_Delete(r);
	pb_http_response_free(&resp);
	pb_buf_free(&url);
	free(text);
	return rc;
}

static void
add_chat(cJSON *o, const char *chat)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(chat, &end, 10);
	if (errno == 0 && *end == '\0' && end != chat)
		cJSON_AddNumberToObject(o, "chat_id", (double)id);
	else
		cJSON_AddStringToObject(o, "chat_id", chat);
}

/* 1 when the sender may change the chat's subscription: anyone in a private chat, the
 * creator and administrators of a group (an anonymous one writes as the group); 0 otherwise;
 * -1 when Telegram does not say (getChatMember refused, 429, or unreached: the reader is told
 * to try again, not that they are no administrator). */
static int
may_change(struct pb_tgbot *b, const struct pb_tg_update *u)
{
	cJSON *body, *root = NULL;
	const cJSON *res = NULL, *status;
	char err[512];
	int ok = 0;

	if (strcmp(u->chat_type, "private") == 0 || u->as_chat)
		return 1;
	if (u->from_id == 0)
		return 0;
	body = cJSON_CreateObject();
	add_chat(body, u->chat);
	cJSON_AddNumberToObject(body, "user_id", (double)u->from_id);
	if (call(b, "getChatMember", body, 10, &root, &res, NULL, err, sizeof err) < 0) {
		pb_warn("telegram.member", "chat=%s update=%" PRId64 " user=%" PRId64 " error=%s",
			pb_q(u->chat), u->update_id, u->from_id, pb_q(err));
		ok = -1;
	} else {
		status = get(res, "status");
		ok = cJSON_IsString(status) && (strcmp(status->valuestring, "creator") == 0 ||
						strcmp(status->valuestring, "administrator") == 0);
	}
	cJSON_Delete(root);
	cJSON_Delete(body);
	return ok;
}

/* Whether an answer held before held[i] goes to the same chat (held[i] then waits for it).
 * Buttons' answers neither wait nor are waited for. */
static int
behind(const struct pb_tgbot *b, size_t i)
{
	if (*b->held[i].callback)
		return 0;
	for (size_t k = 0; k < i; k++)
		if (!*b->held[k].callback && strcmp(b->held[k].chat, b->held[i].chat) == 0)
			return 1;
	return 0;
}

void
pb_tgb_held_drop(struct pb_tgbot *b, size_t i)
{
	pb_parts_free(&b->held[i].msgs);
	memmove(&b->held[i], &b->held[i + 1], (b->n_held - i - 1) * sizeof *b->held);
	b->n_held--;
}

const char *
pb_tgb_command_name(const char *callback, const char *command)
{
	return callback && *callback ? "(button)" : command && *command ? command : "(text)";
}

const char *
pb_tgb_command_of(const struct pb_tgb_held *h)
{
	return pb_tgb_command_name(h->callback, h->command);
}

/* Logs held[i] as not sent (the chat and the command, for the administrator to tell the
 * reader) and drops it. */
static void
give_up(struct pb_tgbot *b, size_t i, const char *err, const char *why)
{
	const struct pb_tgb_held *h = &b->held[i];

	pb_warn("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%zu/%zu error=%s "
		"note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
		h->next + 1, h->msgs.n, pb_q(err), pb_q(why));
	pb_tgb_forget(b, i);
}

/* Telegram's "query is too old and response timeout expired or query ID is invalid": a
 * button's answer that came too late, or to a query Telegram no longer knows. */
static int
query_gone(const char *err)
{
	return strstr(err, "query is too old") || strstr(err, "query ID is invalid");
}

/* Sends held[i] from its next part on. 0 when every part went (or an error other than 429
 * ended it: logged, dropped), 1 when Telegram asked to wait again (held[i] stays, due after
 * retry_after), the state it is kept in cannot mark its part now (stays, due a few seconds
 * later) or held[i] was given up after a 429 (dropped); in either case held[i] is no longer
 * at i when it was dropped. */
static int
send_held(struct pb_tgbot *b, size_t i)
{
	struct pb_tgb_held *h = &b->held[i];
	const char *method = *h->callback ? "answerCallbackQuery" : "sendMessage";
	char err[512], why[160];
	long ra;

	for (; h->next < h->msgs.n; h->next++) {
		cJSON *body;
		int rc;

		if (h->row && (rc = pb_tgb_begin_part(b, i)) != 1)
			return rc < 0;   /* dropped, or waits for the state */
		body = cJSON_CreateObject();
		if (*h->callback) {
			cJSON_AddStringToObject(body, "callback_query_id", h->callback);
			cJSON_AddStringToObject(body, "text", h->msgs.v[h->next]);
		} else {
			add_chat(body, h->chat);
			if (h->thread_id)
				cJSON_AddNumberToObject(body, "message_thread_id",
							(double)h->thread_id);
			cJSON_AddStringToObject(body, "text", h->msgs.v[h->next]);
			cJSON_AddStringToObject(body, "parse_mode", "HTML");
			cJSON_AddTrueToObject(body, "disable_web_page_preview");
		}
		rc = call(b, method, body, 15, NULL, NULL, &ra, err, sizeof err);
		cJSON_Delete(body);
		if (rc == 0) {
			if (h->row && h->next + 1 < h->msgs.n)
				pb_tgb_end_part(b, h, h->next + 1);
			continue;
		}
		if (ra < 0 && *h->callback && query_gone(err)) {
			/* final, and nothing the administrator can do: the reader's client gave
			 * up waiting for the toast */
			pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s error=%s "
				"note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
				pb_q(err), pb_q("the button's answer came too late for Telegram: "
						"not sent again"));
			pb_tgb_forget(b, i);
			return 0;
		}
		if (ra < 0) {
			/* refused for good (400 bad markup, 403 blocked) or unreached: not retried;
			 * the next part would not make sense without this one */
			give_up(b, i, err, "not sent again");
			return 0;
		}
		if (ra > ANSWER_WAIT_MAX_S) {
			snprintf(why, sizeof why, "given up: Telegram's retry_after (%ld s) is longer "
				 "than %d s", ra, ANSWER_WAIT_MAX_S);
			give_up(b, i, err, why);
			return 1;
		}
		if (++h->tries > ANSWER_TRIES) {
			snprintf(why, sizeof why, "given up after %d refusals (429)", h->tries);
			give_up(b, i, err, why);
			return 1;
		}
		h->due_ms = pb_mono_ms() + ra * 1000;
		if (h->row)
			pb_tgb_end_part(b, h, h->next);
		else
			pb_tgb_keep_new(b, h);
		pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%zu/%zu "
			"retry_after=%ld note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
			h->next + 1, h->msgs.n, ra,
			pb_q("Telegram's flood control: sent again then"));
		return 1;
	}
	if (h->tries)
		pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s refused=%d "
			"note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)), h->tries,
			pb_q("sent once Telegram's flood control let it"));
	pb_tgb_forget(b, i);
	return 0;
}

/* Sends the held answers that are due, each chat's in order. */
static void
send_due(struct pb_tgbot *b)
{
	size_t i = 0;

	while (i < b->n_held) {
		size_t n = b->n_held;

		if (behind(b, i) || b->held[i].due_ms > pb_mono_ms()) {
			i++;
			continue;
		}
		send_held(b, i);
		/* held[i] stays only when it waits again; else the one after it is at i now */
		if (b->n_held == n)
			i++;
	}
}

/* Milliseconds until the first held answer that is not behind another is due (0: now), or
 * -1 when none is held. */
static int64_t
due_in_ms(const struct pb_tgbot *b)
{
	int64_t now = pb_mono_ms(), best = -1;

	for (size_t i = 0; i < b->n_held; i++) {
		int64_t w = b->held[i].due_ms - now;

		if (behind(b, i))
			continue;
		if (w < 0)
			w = 0;
		if (best < 0 || w < best)
			best = w;
	}
	return best;
}

/* A new held answer to u (its parts still to add), last in b's list; NULL, logged, when too
 * many wait already. */
static struct pb_tgb_held *
held_add(struct pb_tgbot *b, const struct pb_tg_update *u)
{
	struct pb_tgb_held *h;

	if (b->n_held >= HELD_MAX) {
		pb_warn("telegram.answer", "chat=%s update=%" PRId64 " note=%s", pb_q(u->chat),
			u->update_id, pb_q("not sent: too many answers wait for Telegram's "
					   "flood control"));
		return NULL;
	}
	b->held = pb_xreallocarray(b->held, b->n_held + 1, sizeof *b->held);
	h = &b->held[b->n_held++];
	memset(h, 0, sizeof *h);
	snprintf(h->chat, sizeof h->chat, "%s", u->chat);
	h->thread_id = u->thread_id;
	h->update_id = u->update_id;
	h->held_at = (int64_t)time(NULL);
	return h;
}

/* The answer to u, sent now, or held when Telegram asks to wait (429), or behind an answer of
 * the chat held already: it is sent by a later poll (pb_tgbot_poll, pb_tgbot_flush), once. */
static void
send_answer(struct pb_tgbot *b, const struct pb_tg_update *u, const struct pb_bot_answer *a)
{
	struct pb_tgb_held *h = held_add(b, u);
	char word[PB_BOT_WORD_MAX];
	const char *arg;

	if (!h)
		return;
	if (u->text && pb_bot_parse_command(u->text, word, &arg) == 0 && *word)
		snprintf(h->command, sizeof h->command, "/%s", word);
	pb_bot_answer_telegram(a, &h->msgs);
	if (behind(b, b->n_held - 1))
		pb_tgb_keep_new(b, h);   /* held already, as the one it waits for is */
	else
		send_held(b, b->n_held - 1);
}

/* The toast answering a button, held as an answer is (its one part) when Telegram asks to
 * wait: until it is answered the reader's client shows the button pressed. */
static void
answer_callback(struct pb_tgbot *b, const struct pb_tg_update *u, const char *text)
{
	struct pb_tgb_held *h;

	if (strlen(u->cb_id) >= sizeof h->callback) {
		pb_warn("telegram.answer", "chat=%s update=%" PRId64 " note=%s", pb_q(u->chat),
			u->update_id, pb_q("not answered: the button's query id is too long"));
		return;
	}
	if (!(h = held_add(b, u)))
		return;
	snprintf(h->callback, sizeof h->callback, "%s", u->cb_id);
	pb_parts_push(&h->msgs, pb_xstrdup(text));
	send_held(b, b->n_held - 1);
}

/* The bot's own username, asked once (getMe); NULL when Telegram does not say. */
static const char *
own_name(struct pb_tgbot *b)
{
	cJSON *body, *root = NULL;
	const cJSON *res = NULL, *name;
	char err[512];

	if (*b->username)
		return b->username;
	body = cJSON_CreateObject();
	if (call(b, "getMe", body, 10, &root, &res, NULL, err, sizeof err) < 0) {
		pb_warn("telegram.getme", "error=%s", pb_q(err));
	} else if (cJSON_IsString(name = get(res, "username")) && *name->valuestring &&
		   strlen(name->valuestring) < sizeof b->username) {
		snprintf(b->username, sizeof b->username, "%s", name->valuestring);
	}
	cJSON_Delete(root);
	cJSON_Delete(body);
	return *b->username ? b->username : NULL;
}

/* In a group, a command addressed to another bot ("/start@OtherBot") or one paperboy does
 * not have ("/weather", another bot's) is not paperboy's to answer: 0; else 1. */
static int
for_us(struct pb_tgbot *b, const char *text)
{
	char word[PB_BOT_WORD_MAX];
	const char *arg, *at, *me;
	size_t n;

	if (pb_bot_parse_command(text, word, &arg) < 0)
		return 1;
	if (!pb_bot_known(word))
		return 0;
	text += strspn(text, " \t\n") + 1;
	at = text + strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (*at != '@')
		return 1;
	n = strcspn(at + 1, " \t\n");
	/* without its own name the bot cannot tell, and answers */
	if (!(me = own_name(b)))
		return 1;
	return strlen(me) == n && strncasecmp(me, at + 1, n) == 0;
}

int
pb_tgbot_handle(struct pb_tgbot *b, struct pb_state *st, const struct pb_tg_update *u,
		int *changed)
{
	struct pb_bot_chat chat = { .service = "telegram", .chat = u->chat };
	struct pb_bot_answer a;
	char once[64];
	int rc = 0;

	memset(&a, 0, sizeof a);
	if (!*u->chat)
		return 0;   /* another kind of update: nothing to do */
	if (u->cb_id) {
		char id[48];
		int verdict;

		if (!u->cb_data || pb_tg_feedback_parse(u->cb_data, id, sizeof id, &verdict) < 0) {
			answer_callback(b, u, "That button is not one of paperboy's.");
			return 0;
		}
		/* the query's id names the one press: delivered again (the update read again
		 * after a crash, a webhook's retry), it records nothing, and cannot undo a
		 * later press on the other button */
		snprintf(once, sizeof once, "telegram.press:%.40s", u->cb_id);
		chat.once_key = once;
		rc = pb_bot_feedback(b->config_path, st, &chat, id, verdict, 0, &a);
		if (rc == 0)
			answer_callback(b, u, a.text.data ? a.text.data : "");
		pb_bot_answer_free(&a);
		return rc;
	}
	if (*u->migrate_old) {
		/* no answer: a service message, and the old chat takes none any more */
		chat.chat = u->migrate_old;
		snprintf(once, sizeof once, "telegram.update:%" PRId64, u->update_id);
		chat.once_key = once;
		rc = pb_bot_migrate(b->config_path, st, &chat, u->migrate_new, &a);
		if (changed && a.changed)
			*changed = 1;
		pb_bot_answer_free(&a);
		return rc;
	}
	if (!u->text)
		return 0;
	/* In groups the bot answers commands only, not the conversation. */
	if (strcmp(u->chat_type, "private") != 0 && u->text[0] != '/')
		return 0;
	if (strcmp(u->chat_type, "channel") == 0)
		return 0;
	if (strcmp(u->chat_type, "private") != 0 && !for_us(b, u->text))
		return 0;
	chat.may_change = may_change(b, u);
	snprintf(once, sizeof once, "telegram.update:%" PRId64, u->update_id);
	chat.once_key = once;
	rc = pb_bot_command(b->config_path, st, &chat, u->text, (int64_t)time(NULL), &a);
	if (changed && a.changed)
		*changed = 1;
	if (rc == 0)
		send_answer(b, u, &a);
	pb_bot_answer_free(&a);
	return rc;
}

/* Whether a 409 to getUpdates is Telegram's "can't use getUpdates method while webhook is
 * active" (not "terminated by other getUpdates request", another poller). */
static int
webhook_set(const struct pb_http_response *resp)
{
	cJSON *r = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
	const cJSON *d = get(r, "description");
	int yes = cJSON_IsString(d) && strstr(d->valuestring, "webhook") != NULL;

	cJSON_Delete(r);
	return yes;
}

/* getUpdates refused while a webhook is set: the next pause, twice the last (up to
 * HOOK_WAIT_MAX_S); said once, with what to do, until a poll works again. */
static int
hook_refused(struct pb_tgbot *b, const char *err)
{
	if (!b->hook_wait_s)
		pb_warn("telegram.poll", "error=%s note=%s", pb_q(err),
			pb_q("a webhook is set for this bot, and Telegram refuses getUpdates while "
			     "it is: delete it (the Bot API's deleteWebhook, "
			     "https://api.telegram.org/bot<token>/deleteWebhook) or take the "
			     "updates by it instead (telegram.webhook_secret_env and the web "
			     "endpoint); asked again after pauses growing to 5 min"));
	else
		pb_debug("telegram.poll", "error=%s wait=%d", pb_q(err), b->hook_wait_s);
	b->hook_wait_s = !b->hook_wait_s ? HOOK_WAIT_MIN_S
			 : b->hook_wait_s * 2 > HOOK_WAIT_MAX_S ? HOOK_WAIT_MAX_S
			 : b->hook_wait_s * 2;
	b->hook_until_ms = pb_mono_ms() + (int64_t)b->hook_wait_s * 1000;
	return PB_TGBOT_WEBHOOK;
}

int
pb_tgbot_pause_s(const struct pb_tgbot *b, int max_s)
{
	int64_t p = max_s, due = due_in_ms(b), now = pb_mono_ms();

	if (b->hook_wait_s && b->hook_until_ms > now)
		p = (b->hook_until_ms - now + 999) / 1000;
	if (due >= 0 && (due + 999) / 1000 < p)
		p = (due + 999) / 1000;
	return p < 0 ? 0 : (int)p;
}

void
pb_tgbot_flush(struct pb_tgbot *b, int wait_s)
{
	int64_t end = pb_mono_ms() + (int64_t)wait_s * 1000;

	for (;;) {
		int64_t due;
		struct timespec ts;

		send_due(b);
		if ((due = due_in_ms(b)) < 0)
			return;
		if (pb_mono_ms() + due > end)
			break;
		ts.tv_sec = (time_t)(due / 1000);
		ts.tv_nsec = (long)(due % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	while (b->n_held) {
		char why[96];

		if (wait_s > 0)
			snprintf(why, sizeof why, "given up: not due within the %d s it may wait",
				 wait_s);
		else
			snprintf(why, sizeof why, "given up: another answer is waiting already");
		give_up(b, 0, "", why);
	}
}

void
pb_tgbot_carry(struct pb_tgbot *to, struct pb_tgbot *from)
{
	if (!to || !from)
		return;
	/* Another bot (the token changed) cannot answer for this one: its chats never wrote to
	 * it, and an answer from it would come from a stranger. */
	if (strcmp(to->base, from->base) != 0) {
		while (from->n_held)
			give_up(from, 0, "", "the bot's token changed before Telegram's retry_after "
				"had passed");
		return;
	}
	if (from->n_held) {
		to->held = pb_xreallocarray(to->held, to->n_held + from->n_held, sizeof *to->held);
		memcpy(to->held + to->n_held, from->held, from->n_held * sizeof *from->held);
		to->n_held += from->n_held;
		from->n_held = 0;
	}
	/* the same bot: what Telegram said of it holds, and its answers are kept as they were */
	to->keep = from->keep;
	to->loaded = from->loaded;
	to->hook_wait_s = from->hook_wait_s;
	to->hook_until_ms = from->hook_until_ms;
	to->mem_offset = from->mem_offset;
	to->mem_stored = from->mem_stored;
	to->mem_set = from->mem_set;
	to->waiting = from->waiting;
	memcpy(to->username, from->username, sizeof to->username);
}

int
pb_tgbot_poll(struct pb_tgbot *b, struct pb_state *st, int timeout_s, int *changed,
	      char *err, size_t errlen)
{
	struct pb_http_response resp;
	struct pb_tg_update *v = NULL;
	struct pb_buf url = { 0 };
	char *off = NULL, herr[384], val[32];
	long long offset = 0, stored;
	size_t n = 0;
	int rc = -1, handled = 0;

	memset(&resp, 0, sizeof resp);
	b->keep = st;
	/* answers held back by Telegram's flood control go first, whoever polls */
	send_due(b);
	/* Telegram serves one getUpdates at a time: machines sharing the state that each polled
	 * ended each other's poll (409 "terminated by other getUpdates request") every few
	 * seconds, and an update read by two of them was answered twice. One machine polls
	 * under a claim it renews at each poll; another takes it over once its lease runs out
	 * (that machine stopped, died, or is busy with a long run). */
	pb_state_set_machine(st, b->machine);
	switch (pb_fetch_claim_take(st, POLL_CLAIM, (int64_t)time(NULL), b->lease_s, 0, -1)) {
	case PB_FETCH_CLAIM_MINE:
		if (b->waiting)
			pb_info("telegram.poll", "note=%s", pb_q("this machine polls Telegram now"));
		b->waiting = 0;
		/* the answers a process that stopped kept (this machine's, or one whose poll
		 * it takes over) */
		if (!b->loaded) {
			pb_tgb_load_kept(b);
			send_due(b);
		}
		break;
	case -1:
		snprintf(err, errlen, "cannot claim the poll: %s", pb_state_errmsg(st));
		return -1;
	default:
		if (!b->waiting)
			pb_info("telegram.poll", "note=%s",
				pb_q("another machine of the state polls Telegram"));
		b->waiting = 1;
		b->loaded = 0;
		return PB_TGBOT_OTHER;
	}
	if (b->hook_wait_s && pb_mono_ms() < b->hook_until_ms) {
		snprintf(err, errlen, "getUpdates: refused while a webhook is set (asked again in "
			 "%d s at most)", b->hook_wait_s);
		return PB_TGBOT_WEBHOOK;
	}
	if (pb_meta_get(st, OFFSET_KEY, &off) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", OFFSET_KEY, pb_state_errmsg(st));
		return -1;
	}
	if (off)
		offset = strtoll(off, NULL, 10);
	free(off);
	stored = offset;
	if (b->mem_set && b->mem_stored == stored)
		offset = b->mem_offset;
	else
		b->mem_set = 0;
	/* the long poll ends when a held answer is due */
	if (due_in_ms(b) >= 0 && timeout_s > (due_in_ms(b) + 999) / 1000)
		timeout_s = (int)((due_in_ms(b) + 999) / 1000);
	if (timeout_s < 0)
		timeout_s = 0;
	pb_buf_printf(&url, "%sgetUpdates?timeout=%d&limit=%d", b->base, timeout_s, MAX_UPDATES);
	if (offset > 0)
		pb_buf_printf(&url, "&offset=%lld", offset);
	pb_buf_puts(&url, "&allowed_updates=%5B%22message%22%2C%22callback_query%22%5D");
	if (pb_http_get(b->poll, url.data, &resp, herr, sizeof herr) < 0 && resp.status == 0) {
		snprintf(err, errlen, "getUpdates: %s", herr);
		goto out;
	}
	if (pb_tg_updates_parse(resp.body.data, resp.body.len, &v, &n, err, errlen) < 0) {
		if (resp.status == 409 && webhook_set(&resp))
			rc = hook_refused(b, err);
		goto out;
	}
	if (b->hook_wait_s)
		pb_info("telegram.poll", "note=%s", pb_q("getUpdates works again: the webhook "
							 "is gone, and the bot polls"));
	b->hook_wait_s = 0;
	/* Telegram answers only updates it was not told were read: one below the offset is of
	 * a new sequence (after a week without updates the Bot API starts its ids again at
	 * random), and the offset follows it. The update's stamp keeps a replay from changing
	 * anything twice. */
	for (size_t i = 0; i < n; i++) {
		/* stopping: the offset stays before the updates not handled, for the next start */
		if (pb_http_stopping(b->poll))
			break;
		if (pb_tgbot_handle(b, st, &v[i], changed) < 0) {
			snprintf(err, errlen, "update %" PRId64 " not handled: %s", v[i].update_id,
				 pb_state_errmsg(st));
			goto out;
		}
		snprintf(val, sizeof val, "%" PRId64, v[i].update_id + 1);
		offset = v[i].update_id + 1;
		if (pb_meta_put(st, OFFSET_KEY, val) < 0) {
			/* handled and answered: held here (a restart asks for it again; its stamp
			 * keeps it from changing anything twice) */
			pb_warn("telegram.offset", "update=%" PRId64 " error=%s", v[i].update_id,
				pb_q(pb_state_errmsg(st)));
			b->mem_set = 1;
			b->mem_offset = offset;
			b->mem_stored = stored;
		} else {
			stored = offset;
			b->mem_set = 0;
		}
		handled++;
	}
	rc = handled;
out:
	pb_tg_updates_free(v, n);
	pb_http_response_free(&resp);
	pb_buf_free(&url);
	return rc;
}
