/* Private to the Telegram bot: its handle and held answers, shared by telegram_bot.c (the Bot
 * API, the updates, sending and holding answers) and telegram_kept.c (the held answers kept
 * in the state across a restart, tg_held). */
#ifndef PAPERBOY_TELEGRAM_INT_H
#define PAPERBOY_TELEGRAM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/bot.h"
#include "paperboy/state.h"

#define HELD_MAX 200             /* answers held back at once */
/* An answer is not held when Telegram's retry_after is longer than this, nor does one kept
 * in the state wait longer: a command answered minutes later is answered to a reader who
 * has moved on. */
#define ANSWER_WAIT_MAX_S 60

/* An answer held back by Telegram's flood control (429), sent from its part next on when
 * due. The answers of a chat go in order: one behind another of the same chat waits for it.
 * A button's answer (answerCallbackQuery, its one part the toast) waits for none: the
 * reader's client shows it pressed until it comes. */
struct pb_tgb_held {
	char chat[24];
	long thread_id;
	int64_t update_id;
	char command[PB_BOT_WORD_MAX + 1];   /* "/add", for the log; "" for plain text */
	char callback[96];       /* a button's callback query id; "" for messages */
	struct pb_parts msgs;
	size_t next;             /* the first part not sent */
	int tries;               /* 429s so far */
	int64_t due_ms;          /* monotonic; 0 = as soon as the chat's earlier answers are sent */
	int64_t held_at;         /* unix seconds */
	int64_t row;             /* its row in the state (tg_held), 0 = none */
	int stuck;               /* the state refused its part's mark (warned once) */
};

struct pb_tgbot {
	char *config_path;
	char *base;              /* api_url "/bot" token: never logged */
	/* The long poll ends at a stop; an update's calls (getChatMember, sendMessage, ...) do
	 * not: its change is committed by then, and an answer given up is never sent. */
	struct pb_http *poll;    /* getUpdates, with the caller's stop */
	struct pb_http *http;    /* the rest, without it */
	char username[64];       /* the bot's own (getMe), "" until known */
	/* An offset that could not be stored (a full disk): held here, so the updates answered
	 * are not asked for (and answered) again at every poll. Used while the stored one is
	 * still what it was then (mem_stored); another process moving it wins. */
	long long mem_offset, mem_stored;
	int mem_set;
	char *machine;           /* state.machine: the claim's owner */
	int lease_s;             /* of the poll's claim: state.lease_s and telegram.poll_timeout */
	int waiting;             /* another machine polls (logged once) */
	struct pb_tgb_held *held; /* answers to send again, in the order of their updates */
	size_t n_held;
	/* The state the held answers are kept in, so that a restart sends them: the poll's
	 * (borrowed, set by pb_tgbot_poll). NULL for a handle that does not poll (the webhook's
	 * sends or gives up its answers within its request). */
	struct pb_state *keep;
	int loaded;              /* the answers kept there taken up since this machine polls */
	/* The bot, named without its token (the first 16 hex digits of the SHA-256 of base):
	 * an answer kept for another bot is not sent by this one. */
	char fp[17];
	/* getUpdates refused while a webhook is set (409): the pause now in force (0 = none) and
	 * the time (monotonic) it ends; warned once, and once again when polling works */
	int hook_wait_s;
	int64_t hook_until_ms;
};

/* ---- telegram_bot.c ---- */

/* Drops held[i] from b's list (its row, if any, left as it is). */
void pb_tgb_held_drop(struct pb_tgbot *b, size_t i);
/* The command h answers, for the log: "/add", "(button)" or "(text)". */
const char *pb_tgb_command_of(const struct pb_tgb_held *h);
/* The same of an answer's callback (a button's; NULL or "" for none) and command. */
const char *pb_tgb_command_name(const char *callback, const char *command);

/* ---- telegram_kept.c: the held answers kept in the state ----
 * An answer is kept from its first 429 on (or from when it waits behind its chat's), and its
 * row follows it: each part's request is marked begun before it is made, and its outcome
 * written after. A process that stops (SIGTERM, a crash) leaves the rows to the next start,
 * which sends them; one whose request was begun and not known to have ended is given up,
 * logged, not sent again: the part may have gone, and a reader is never answered twice. */

/* fp (17 bytes) set to the bot's name in the state: the first 16 hex digits of the SHA-256
 * of base (api_url "/bot" token, len bytes); "" when it cannot be made. */
void pb_tgb_fingerprint(const char *base, size_t len, char fp[17]);
/* Keeps held h in the state, when the bot keeps its answers there and h is not yet; a
 * failure is logged, and h is held in memory alone, as it would be without the state. */
void pb_tgb_keep_new(struct pb_tgbot *b, struct pb_tgb_held *h);
/* Marks held[i]'s next part begun in the state, before its request. 1 when it may be sent;
 * 0 when held[i] was dropped: another process of the state sent it or gave it up, or the
 * state could not be written for the hour it may be held (logged); -1 when the state cannot
 * be written now: held[i] stays, due again a few seconds later. */
int pb_tgb_begin_part(struct pb_tgbot *b, size_t i);
/* Writes held h's progress (next, its first part not sent; its 429s and due time) to its
 * row, the mark cleared. When that fails the row stays marked, and is given up by the next
 * start, not sent twice; h goes on in memory alone. */
void pb_tgb_end_part(struct pb_tgbot *b, struct pb_tgb_held *h, size_t next);
/* Drops held[i] and its row (a row that cannot be deleted is met again by the next start,
 * which does not send a part whose request had begun). */
void pb_tgb_forget(struct pb_tgbot *b, size_t i);
/* The answers kept in the state, taken up when this machine polls (at its start, or when it
 * takes the poll over from a machine that stopped): those of this bot, not begun, first held
 * within the hour, after the ones in memory; the others are given up, logged. A failure to
 * read them is logged, and tried again at the next poll. */
void pb_tgb_load_kept(struct pb_tgbot *b);

#endif
