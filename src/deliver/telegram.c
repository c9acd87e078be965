/* The Telegram channel: Bot API sendMessage with the JSON body from the outbox, chat_id set to
 * the outbox destination (which follows a group's migration to a supergroup). Answers are
 * {"ok":true,...} or {"ok":false,"error_code":N,"description":"...","parameters":{...}}.
 * Limits: one message per second per chat, 20 per minute per group, 30 per second in all.
 * 401 Unauthorized is the bot token refused (revoked, or mistyped in telegram.token): no
 * fault of a chat or a message. The messages wait for it to be mended, as after an SMTP
 * session's refused login, tried again as after any temporary failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "channel.h"

char *
pb_telegram_set_chat(const char *body, size_t len, const char *chat)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	char *end, *out = NULL;
	long long id;

	if (!root || !cJSON_IsObject(root) || !chat || !*chat)
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(root, "chat_id");
	errno = 0;
	id = strtoll(chat, &end, 10);
	/* Numeric ids go as numbers (exact in a double up to 2^53); "@channel" as a string. */
	if (errno == 0 && *end == '\0' && end != chat && id > -(1LL << 53) && id < (1LL << 53))
		cJSON_AddNumberToObject(root, "chat_id", (double)id);
	else
		cJSON_AddStringToObject(root, "chat_id", chat);
	out = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return out;
}

static int
tg_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_config *cfg = x->cfg;
	const char *api = cfg->telegram.api_url && *cfg->telegram.api_url
				  ? cfg->telegram.api_url : "https://api.telegram.org";
	size_t al = strlen(api);
	char *body;

	if (!cfg->telegram.token || !*cfg->telegram.token) {
		snprintf(err, errlen, "telegram is not configured (no bot token)");
		return -1;
	}
	body = pb_telegram_set_chat(x->msg->payload, x->msg->payload_len, x->msg->dest);
	if (!body) {
		snprintf(err, errlen, "payload is not a JSON object, or no chat id");
		return -1;
	}
	pb_buf_puts(&x->body, body);
	cJSON_free(body);
	pb_buf_append(&x->url, api, al && api[al - 1] == '/' ? al - 1 : al);
	pb_buf_printf(&x->url, "/bot%s/sendMessage", cfg->telegram.token);
	x->send = x->body.data;
	x->send_len = x->body.len;
	pb_xfer_json(x, NULL);
	return 0;
}

/* Case-insensitive substring test (ASCII). */
static int
contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, nl) == 0)
			return 1;
	return 0;
}

/* Answers that mean the chat will not take messages until a person acts. "chat not found"
 * (400) is a chat the bot no longer knows: a group or channel deleted, or a bot removed from
 * one, as Telegram says to a user who deleted the chat; it stays so until a person adds the
 * bot again, and a new chat id is a new destination. "not enough rights to send text
 * messages" (400, a group that restricted the bot) is final, with Telegram's words, and not
 * paused: Telegram answered it for a day (October 2023) to bots that had every right, and a
 * pause would have stopped every such chat until `subscriber resume`; the next day's digest
 * is tried once, as any final refusal's is. */
static int
is_pause(long code, const char *desc)
{
	static const char *const words[] = {
		"bot was blocked by the user", "user is deactivated", "bot was kicked",
		"bot is not a member", "chat_write_forbidden", "have no rights to send",
		"chat not found",
	};

	if (code == 403)
		return 1;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (contains(desc, words[i]))
			return 1;
	return 0;
}

void
pb_telegram_classify_answer(long status, const char *body, size_t len, struct pb_result *r)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *ok, *code, *desc, *params, *ra, *mig;
	const char *d = NULL;
	long ec = status;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (!cJSON_IsObject(root)) {
		/* No Bot API answer: a proxy or a broken peer. Judge by the HTTP status alone. */
		char words[256];
		pb_reason_copy(words, sizeof words, body, len);
		snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *words ? ": " : "",
			 words);
		if (status >= 200 && status < 300)
			r->verdict = PB_V_SENT;
		else if (status == 429 || status >= 500 || status == 0)
			r->verdict = PB_V_TRANSIENT;
		else
			r->verdict = is_pause(status, words) ? PB_V_PAUSED : PB_V_PERMANENT;
		goto out;
	}
	ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
	if (cJSON_IsTrue(ok)) {
		r->verdict = PB_V_SENT;
		goto out;
	}
	code = cJSON_GetObjectItemCaseSensitive(root, "error_code");
	desc = cJSON_GetObjectItemCaseSensitive(root, "description");
	params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
	ra = cJSON_IsObject(params) ? cJSON_GetObjectItemCaseSensitive(params, "retry_after") : NULL;
	mig = cJSON_IsObject(params) ? cJSON_GetObjectItemCaseSensitive(params, "migrate_to_chat_id")
				     : NULL;
	if (cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble < 1000)
		ec = (long)code->valuedouble;
	if (cJSON_IsString(desc))
		d = desc->valuestring;
	snprintf(r->reason, sizeof r->reason, "%ld %s", ec, d ? d : "(no description)");
	pb_reason_copy(r->reason, sizeof r->reason, r->reason, strlen(r->reason));
	if (cJSON_IsNumber(mig) && mig->valuedouble > -9007199254740992.0 &&
	    mig->valuedouble < 9007199254740992.0 && mig->valuedouble != 0) {
		r->verdict = PB_V_REDIRECT;
		snprintf(r->new_dest, sizeof r->new_dest, "%lld", (long long)mig->valuedouble);
		goto out;
	}
	if (ec == 429 || cJSON_IsNumber(ra)) {
		r->verdict = PB_V_TRANSIENT;
		if (cJSON_IsNumber(ra) && ra->valuedouble >= 0)
			r->retry_after_s = ra->valuedouble > 86400 ? 86400 : (long)ra->valuedouble;
		goto out;
	}
	if (ec == 401) {
		char why[sizeof r->reason + 64];   /* the words and the reason whole: the copy
						    * below cuts them as every reason is cut */

		snprintf(why, sizeof why, "the Bot API refused the bot token (telegram.token): %s",
			 r->reason);
		pb_reason_copy(r->reason, sizeof r->reason, why, strlen(why));
		r->verdict = PB_V_TRANSIENT;
		r->deferred = 1;
		goto out;
	}
	if (ec >= 500 || ec == 0)
		r->verdict = PB_V_TRANSIENT;
	else if (is_pause(ec, d))
		r->verdict = PB_V_PAUSED;
	else
		r->verdict = PB_V_PERMANENT;   /* bad markup, not enough rights, ... */
out:
	cJSON_Delete(root);
}

static void
tg_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_telegram_classify_answer(status, x->resp.data, x->resp.len, r);
}

static int
tg_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p, int max)
{
	long chat = cfg->delivery.telegram_chat_interval_ms;
	long per_min = cfg->delivery.telegram_group_per_min > 0
			       ? cfg->delivery.telegram_group_per_min : 20;
	long per_s = cfg->delivery.telegram_global_per_s > 0
			     ? cfg->delivery.telegram_global_per_s : 30;
	const char *d = m->dest ? m->dest : "";

	if (max < 2)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "tg:%s", d);
	/* Groups and channels (negative ids, @names) have the stricter per-minute limit. */
	p[0].interval_ms = chat;
	if ((d[0] == '-' || d[0] == '@') && 60000 / per_min > chat)
		p[0].interval_ms = 60000 / per_min;
	snprintf(p[1].key, sizeof p[1].key, "tg:*");
	p[1].interval_ms = (1000 + per_s - 1) / per_s;
	return 2;
}

static void
tg_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->cfg->telegram.token)
		pb_chan_dest(out, c->sub->telegram_chat);
}

/* The bodies carry chat_id and message_thread_id (the delivery sets chat_id again from the
 * destination, which a migrated group changes). */
static void
tg_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro)
{
	ro->telegram_chat = c->sub->telegram_chat ? c->sub->telegram_chat : "";
	ro->telegram_thread = c->sub->telegram_thread;
	/* the buttons are answered only by the chat commands */
	ro->telegram_buttons = c->cfg->telegram.commands;
}

const struct pb_channel pb_channel_telegram = {
	.name = "telegram",
	.title = "Telegram chats",
	.formats = 1u << PB_FMT_TELEGRAM,
	.dests = tg_dests,
	.render_opts = tg_render_opts,
	.prepare = tg_prepare,
	.classify = tg_classify,
	.pace = tg_pace,
};
