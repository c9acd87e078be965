/* Chat commands: a Telegram chat or a Slack channel manages its own subscription.
 *
 * A chat maps to a stored subscriber: for Telegram the subscriber (of the file or the store)
 * whose telegram_chat is the chat's id, else the stored one named "tg-<chat id>" that /add
 * creates ("tg-<chat id>-2", ... when that name is another subscriber's); for Slack the
 * subscriber whose slack_channel is the channel's id (an administrator links a channel with
 * `paperboy subscriber add NAME --set slack_webhook_env=VAR --set slack_channel=C0123`, since
 * a Slack destination is a secret webhook URL).
 *
 * Commands (Telegram writes "/add x", Slack "/paperboy add x"; both reach pb_bot_command as
 * "/add x"): /start, /add [NAME =] QUERY, /topics, /remove N, /pause, /resume, /preview,
 * /stop, /help. A topic is checked by the same code as `paperboy subscriber add`
 * (pb_cli_stored_validate); a rule error is answered with its column, the query and a caret.
 * Every change is committed to the state before pb_bot_command returns. */
#ifndef PAPERBOY_BOT_H
#define PAPERBOY_BOT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"
#include "paperboy/render.h"
#include "paperboy/web.h"

struct pb_state;

#define PB_BOT_QUERY_MAX 1000    /* bytes of one topic's query */
#define PB_BOT_TOPICS_MAX 10     /* topics one chat may hold */
#define PB_BOT_NAME_MAX 100      /* bytes of a topic's name given with /add NAME = QUERY */
#define PB_BOT_TEXT_MAX 4096     /* a command's text; longer is refused */

struct pb_bot_chat {
	const char *service;     /* "telegram" or "slack" */
	const char *chat;        /* the Telegram chat id, or the Slack channel id */
	int may_change;          /* 0: a group member who is not an administrator, a Slack
				  * member who is neither the channel's creator nor a
				  * workspace admin or owner (read only); -1: the service did
				  * not say whether they are one (read only, told to try
				  * again) */
	const char *once_key;    /* when set, a stamp committed with the change: a command
				  * seen again (a replayed update, a button's press) changes
				  * nothing twice */
};

/* What the bot answers, markup-free: each bot escapes it for its service. */
struct pb_bot_answer {
	struct pb_buf text;      /* plain text, lines separated by '\n' */
	struct pb_buf code;      /* a preformatted block after the text (a query and its caret
				  * line), or empty */
	int changed;             /* 1 when the state was changed (the caller reloads) */
	int replay;              /* 1 when once_key was already stamped: nothing was done */
};

#define PB_BOT_WORD_MAX 32
/* Splits a command text ("/add@SomeBot x", Slack's "/add x") into its word, lower case
 * without the slash and the bot's name ("add"; "" when there is none), and *arg (borrowed
 * from text, blanks skipped). 0, or -1 when text is longer than PB_BOT_TEXT_MAX. */
int pb_bot_parse_command(const char *text, char word[PB_BOT_WORD_MAX], const char **arg);
/* 1 when word (as pb_bot_parse_command gives it) is one of the commands, "help" included. */
int pb_bot_known(const char *word);

/* Runs one command text for chat with the config at config_path (loaded with the stored
 * subscribers, inactive ones too) and the open state st. Fills *ans (pb_bot_answer_free) and
 * returns 0; -1 only when the state could not be written (ans then says so). Unknown commands
 * and plain text get the help. */
int pb_bot_command(const char *config_path, struct pb_state *st, const struct pb_bot_chat *chat,
		   const char *text, int64_t now, struct pb_bot_answer *ans);
void pb_bot_answer_free(struct pb_bot_answer *ans);      /* accepts NULL */

/* The answer as Telegram HTML (parse_mode "HTML": text escaped, code in <pre>), one message
 * of out each (pb_parts_free): a text longer than a message goes in several, cut at lines'
 * ends, five at most (the last then ends with "…"); the code after the text, in a message of
 * its own when it would not fit. At least one message. */
void pb_bot_answer_telegram(const struct pb_bot_answer *ans, struct pb_parts *out);
/* The answer as Slack mrkdwn (text escaped, code in ``` fences) into out. */
void pb_bot_answer_slack(const struct pb_bot_answer *ans, struct pb_buf *out);

/* A reader's button under a paper: verdict +1 "more like this", -1 "not for me" on paper_id
 * (an arXiv id, its version dropped) for the chat's subscriber, pressed at the instant
 * pressed (unix seconds; 0 or later than now: now), committed with pb_feedback_put_at(...,
 * chat->service) and chat->once_key's stamp (the press's id): a press delivered again
 * changes nothing (ans->replay), nor does one older than the paper's recorded verdict. Fills
 * *ans with a short confirmation (or why not) and returns 0; -1 when the state could not be
 * written. */
int pb_bot_feedback(const char *config_path, struct pb_state *st, const struct pb_bot_chat *chat,
		    const char *paper_id, int verdict, int64_t pressed, struct pb_bot_answer *ans);

/* A Telegram group became a supergroup, whose chat id is new: the subscriber whose
 * telegram_chat is old_chat gets new_chat instead (a stored one; one of the file is logged,
 * bot.migrated, for the administrator to change), a suppression of the old chat moving with
 * it, committed with chat->once_key's stamp; its commands are then found from the new chat.
 * chat->chat is old_chat. 0 (also when no subscriber has the chat, or it moved already), -1
 * when the state could not be written. */
int pb_bot_migrate(const char *config_path, struct pb_state *st, const struct pb_bot_chat *chat,
		   const char *new_chat, struct pb_bot_answer *ans);

/* ---- Telegram ---- */
struct pb_config;

/* One update of the Bot API, the parts the bot uses. */
struct pb_tg_update {
	int64_t update_id;
	char chat[24];           /* the chat's id as text; "" when the update has no chat */
	char chat_type[16];      /* "private", "group", "supergroup", "channel" */
	int64_t from_id;         /* the sender's user id, 0 when unknown */
	int as_chat;             /* 1: sent as the group itself, by an anonymous administrator */
	long thread_id;          /* a forum topic's message_thread_id, 0 = none */
	char *text;              /* a message's text, or NULL */
	/* a group that became a supergroup: the service message's old and new chat ids (either
	 * message of the two, migrate_to_chat_id in the old group or migrate_from_chat_id in
	 * the new one), "" otherwise */
	char migrate_old[24], migrate_new[24];
	char *cb_id;             /* a callback query's id, or NULL for a message */
	char *cb_data;           /* its data, or NULL */
};
/* Parses a getUpdates answer ({"ok":true,"result":[update...]}). Updates without an
 * update_id are skipped; those of other kinds keep only their update_id (the offset still
 * moves past them). 0 with *out owned by the caller (pb_tg_updates_free), or -1 with err
 * filled (not JSON, "ok" false: the description quoted). */
int pb_tg_updates_parse(const char *body, size_t len, struct pb_tg_update **out, size_t *n,
			char *err, size_t errlen);
/* Parses one update (a webhook's body). 0 / -1 with err filled. *u is cleared with
 * pb_tg_update_clear. */
int pb_tg_update_parse(const char *body, size_t len, struct pb_tg_update *u, char *err,
		       size_t errlen);
void pb_tg_update_clear(struct pb_tg_update *u);         /* accepts NULL */
void pb_tg_updates_free(struct pb_tg_update *v, size_t n);

/* The button data under a paper: "f+<id>" / "f-<id>" (<= 64 bytes, Telegram's limit).
 * pb_tg_feedback_data writes it into out (n >= 65); 0, or -1 when the id does not fit.
 * pb_tg_feedback_parse reads it: 0 with the id (no version) in id (n >= 48) and *verdict,
 * or -1 for other data. */
int pb_tg_feedback_data(const char *paper_id, int verdict, char *out, size_t n);
int pb_tg_feedback_parse(const char *data, char *id, size_t n, int *verdict);

/* The Telegram bot: answers commands (pb_bot_command) and buttons (pb_bot_feedback) by
 * sendMessage and answerCallbackQuery at cfg's telegram.api_url with its token. In a group or
 * supergroup only administrators (getChatMember: creator or administrator) change the
 * subscription. The handle copies what it needs from cfg. stop (may be NULL): when it points
 * at non-zero, a getUpdates long poll in flight ends within a second and pb_tgbot_poll takes
 * up no further update; the update being handled is still answered. NULL with err filled
 * when telegram.token is not set or no HTTP client can be made. pb_tgbot_free logs the held
 * answers it drops unsent, and leaves those kept in the state (pb_tgbot_poll) for the next
 * start. */
struct pb_tgbot;
struct pb_tgbot *pb_tgbot_new(const struct pb_config *cfg, const char *config_path,
			      const volatile sig_atomic_t *stop, char *err, size_t errlen);
void pb_tgbot_free(struct pb_tgbot *b);                  /* accepts NULL */
/* Handles one update: the command's or button's change committed (with a stamp of the
 * update id, so a replay changes nothing twice), then the answer sent. *changed (may be
 * NULL) is set to 1 when a subscriber changed. 0, or -1 when the state could not be written
 * (then the update is to be read again). A failed answer is logged, not an error. An answer
 * Telegram's flood control refuses (429) is held in b and sent again once its retry_after has
 * passed, by pb_tgbot_poll or pb_tgbot_flush (from the part refused on, a chat's answers in
 * order, so none twice); given up, and logged with the chat and the command, after 3 refusals
 * or when retry_after is over 60 s. A permanent refusal (400, 403) is not sent again. A
 * button's answer (answerCallbackQuery) is held the same way, in no chat's order; Telegram's
 * "query is too old" ends it, logged at info. */
int pb_tgbot_handle(struct pb_tgbot *b, struct pb_state *st, const struct pb_tg_update *u,
		    int *changed);
/* One getUpdates long poll (at most timeout_s seconds, 100 updates) from the offset kept in
 * st's meta "telegram.offset"; each update handled, then the offset moved past it. On a stop
 * the updates not handled yet are left before the offset, for the next poll. Telegram takes
 * one poll at a time, so of the machines sharing st one polls, under a claim (key
 * "telegram:getUpdates", state.lease_s and telegram.poll_timeout; st is set to the config's
 * state.machine) renewed at each poll and taken over by
 * another when it runs out. The held answers that are due are sent first (by the machine
 * holding them, polling or not), and the long poll ends when the next one is due. From the
 * first poll on, b keeps its held answers in st (borrowed until pb_tgbot_free: tg_held,
 * state.h), each part's request marked begun before it is made; on taking the poll (its first,
 * or after another machine's) it takes up the answers kept there by a process that stopped:
 * this bot's, first held within the hour, whose request had not begun (the others given up,
 * logged, so none is sent twice nor by another bot).
 * Returns the number of updates handled; PB_TGBOT_OTHER, nothing
 * asked, while another machine holds the claim (the caller sleeps as it would without the
 * bot, and asks again later); PB_TGBOT_WEBHOOK, err filled, when Telegram refuses getUpdates
 * because a webhook is set for the bot (409), logged once with what to do (and once when
 * polling works again): nothing is asked then until a pause has passed, growing from 5 s to
 * 5 min; or -1 with err filled (a poll ended by the stop is -1 too). After any but a count
 * the caller waits pb_tgbot_pause_s before the next poll. */
#define PB_TGBOT_OTHER (-2)
#define PB_TGBOT_WEBHOOK (-3)
int pb_tgbot_poll(struct pb_tgbot *b, struct pb_state *st, int timeout_s, int *changed,
		  char *err, size_t errlen);
/* Seconds to wait before the next pb_tgbot_poll: max_s, or while getUpdates is refused for a
 * webhook what is left of that pause; shorter when a held answer is due sooner. */
int pb_tgbot_pause_s(const struct pb_tgbot *b, int max_s);
/* Sends the held answers, waiting for them up to wait_s seconds in all (the webhook's handler,
 * whose handle lives for one update: PB_TG_WEBHOOK_WAIT_S); those not due by then are given
 * up, logged. */
#define PB_TG_WEBHOOK_WAIT_S 10
void pb_tgbot_flush(struct pb_tgbot *b, int wait_s);
/* Moves what from holds to to (a handle made again with a reloaded config): the held answers,
 * and, for the same bot, the webhook's pause and the offset not stored. Either may be NULL. */
void pb_tgbot_carry(struct pb_tgbot *to, struct pb_tgbot *from);


/* ---- Slack ---- */
#define PB_SLACK_WINDOW_S 300    /* a request's timestamp within this of now */
/* Checks a Slack request: sig (X-Slack-Signature) must be "v0=" + hex HMAC-SHA256(secret,
 * "v0:" ts ":" body), compared in constant time, and ts (X-Slack-Request-Timestamp, unix
 * seconds) within PB_SLACK_WINDOW_S of now. 0, or -1 with why ("missing signature", "stale
 * timestamp", "bad signature", ...; never the secret). */
int pb_slack_verify(const char *secret, const char *ts, const char *sig, const char *body,
		    size_t len, int64_t now, char *why, size_t whylen);
/* A Slack button's press, from its interaction payload. */
struct pb_slack_action {
	char channel[80];        /* from "channel" or "container" */
	char id[64];             /* the paper: the action's value */
	int verdict;             /* action_id "fb+" +1, "fb-" -1 */
	char press[128];         /* the press's own key: "trigger:<trigger_id>", else
				  * "action:<action_ts>"; "" when the payload has neither */
	int64_t at;              /* the press's instant (action_ts, seconds), 0 unknown */
	char response_url[512];  /* where the answer goes (the payload's response_url, as
				  * sent; not checked), "" none or longer than this */
};
/* Reads a Slack button's interaction payload (JSON, the "payload" field of /slack/actions):
 * the first action with action_id "fb+" or "fb-", its value the paper id. 0, or -1 when it is
 * not one of paperboy's. */
int pb_slack_action_parse(const char *json, size_t len, struct pb_slack_action *out);
/* Whether url may be asked with a press's answer: https on Slack's hooks.slack.com, or on the
 * scheme and host of api_url (slack.api_url, a stand-in; NULL none), then a path of URL
 * characters. Anything else in a payload is never asked. 1 yes, 0 no. */
int pb_slack_response_url_ok(const char *url, const char *api_url);

/* Whether Slack's user may change a channel's subscription, from the Web API's answers (JSON,
 * NULL when not asked or unreached): users.info's user (scope users:read) a workspace admin
 * or owner of the app's workspace (not deleted, not from another organisation), or
 * conversations.info's channel (channels:read, groups:read for a private one, im:read for a
 * direct message) created by user, or the app's direct message with user. 1 either says yes;
 * -1 neither does and one is missing or an error (why: the method and Slack's error, with
 * the scope it needs when it says so); else 0. */
int pb_slack_member_may_change(const char *user_info, size_t ulen, const char *conv_info,
			       size_t clen, const char *user, char *why, size_t whylen);

/* Web handlers (rows of src/web/routes.c). Slack's: 401 plain text unless the signature checks
 * (404 when slack.signing_secret is not set), then an ephemeral JSON answer
 * {"response_type":"ephemeral","text":...}, a command's change committed with a stamp of its
 * trigger_id (else its signature), so a request seen again changes nothing twice, and made
 * only for the channel's creator or a workspace admin or owner (pb_slack_member_may_change,
 * asked with slack.bot_token; without one, for any member); a button's press likewise once (its
 * trigger_id, else its signature), answered with an empty 200 (Slack's acknowledgment) and,
 * once that is sent, the ephemeral answer ("replace_original":false) POSTed to the payload's
 * response_url when pb_slack_response_url_ok (pb_web_resp.after: made again after a 5xx, a
 * 429 or no answer, five posts at most within 30 minutes), else in the 200 as a command's;
 * the command's URL answers Slack's certificate check (ssl_check=1, POSTed or in a GET's
 * query, signed or not) 200 and does nothing else, any other GET 405. Telegram's webhook:
 * 401 unless the X-Telegram-Bot-Api-Secret-Token header equals telegram.webhook_secret
 * (constant time; 404 when it or telegram.commands is not set), then the update handled as a
 * polled one, answered 200 "{}" (503 when its change could not be committed: Telegram sends
 * it again). */
void pb_bot_slack_command(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			  struct pb_web_resp *resp);
void pb_bot_slack_actions(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			  struct pb_web_resp *resp);
void pb_bot_telegram_webhook(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			     struct pb_web_resp *resp);

#endif
