/* The Telegram bot's held answers kept in the state (tg_held, state.h), so that a restart, a
 * crash or a machine taking the poll over sends them, and none twice (telegram_int.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "paperboy/bot.h"
#include "paperboy/clock.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "telegram_int.h"

/* A held answer kept in the state is sent by the next start unless it was first held longer
 * ago than this: a daemon down for hours would answer readers long gone. */
#define HELD_AGE_MAX_S 3600
/* A part whose mark the state refused (busy, lost) is tried again after this */
#define STATE_WAIT_S 5

void
pb_tgb_fingerprint(const char *base, size_t len, char fp[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	memset(fp, 0, 17);
	/* (libcrypto's SHA-256 does not fail; without it the bot's kept answers are of no bot,
	 * and given up at the next start) */
	if (EVP_Digest(base, len, md, &n, EVP_sha256(), NULL) && n >= 8)
		for (int i = 0; i < 8; i++) {
			fp[2 * i] = hex[md[i] >> 4];
			fp[2 * i + 1] = hex[md[i] & 15];
		}
}

/* When held h is due, in unix seconds. */
static int64_t
due_unix(const struct pb_tgb_held *h)
{
	int64_t now = (int64_t)time(NULL), w = h->due_ms - pb_mono_ms();

	return w > 0 ? now + (w + 999) / 1000 : now;
}

/* The parts as kept: a JSON list of strings (malloc'd), or NULL. */
static char *
parts_json(const struct pb_parts *p)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (size_t i = 0; i < p->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->v[i]));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

/* The parts read back into out: 0, or -1 (out empty) when json is not a list of strings. */
static int
parts_parse(const char *json, struct pb_parts *out)
{
	cJSON *a = json ? cJSON_Parse(json) : NULL;
	const cJSON *it;
	int rc = cJSON_IsArray(a) ? 0 : -1;

	memset(out, 0, sizeof *out);
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it)) {
			rc = -1;
			break;
		}
		pb_parts_push(out, pb_xstrdup(it->valuestring));
	}
	cJSON_Delete(a);
	if (rc < 0)
		pb_parts_free(out);
	return rc;
}

void
pb_tgb_keep_new(struct pb_tgbot *b, struct pb_tgb_held *h)
{
	struct pb_tg_held_row r;
	int64_t id;

	if (!b->keep || h->row)
		return;
	memset(&r, 0, sizeof r);
	snprintf(r.bot, sizeof r.bot, "%s", b->fp);
	snprintf(r.chat, sizeof r.chat, "%s", h->chat);
	r.thread_id = h->thread_id;
	r.update_id = h->update_id;
	snprintf(r.command, sizeof r.command, "%s", h->command);
	r.callback = *h->callback ? h->callback : NULL;
	r.parts = parts_json(&h->msgs);
	r.next_part = (int)h->next;
	r.tries = h->tries;
	r.due = due_unix(h);
	r.held_at = h->held_at;
	id = r.parts ? pb_tg_held_put(b->keep, &r) : -1;
	free(r.parts);
	if (id > 0)
		h->row = id;
	else
		pb_warn("telegram.answer", "chat=%s update=%" PRId64 " command=%s error=%s note=%s",
			pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
			pb_q(pb_state_errmsg(b->keep)),
			pb_q("not kept in the state: a restart before it is sent loses it"));
}

int
pb_tgb_begin_part(struct pb_tgbot *b, size_t i)
{
	struct pb_tgb_held *h = &b->held[i];
	int rc = pb_tg_held_begin(b->keep, h->row, (int)h->next);

	if (rc == 1) {
		if (h->stuck)
			pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s note=%s",
				pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
				pb_q("the state is written again: sent now"));
		h->stuck = 0;
		return 1;
	}
	if (rc == 0) {
		pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s note=%s",
			pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
			pb_q("sent or given up by another process of the state"));
		pb_tgb_held_drop(b, i);
		return 0;
	}
	/* A busy or lost state (a writer holding it, PostgreSQL restarting) is not the answer's
	 * end: dropped here, it waited for a restart that may come days later, and its hour had
	 * passed by then. It waits here, its chat's later answers behind it, within that hour. */
	if ((int64_t)time(NULL) - h->held_at > HELD_AGE_MAX_S) {
		pb_warn("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%zu/%zu "
			"error=%s note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
			h->next + 1, h->msgs.n, pb_q(pb_state_errmsg(b->keep)),
			pb_q("given up: the state it is kept in could not be written for an hour"));
		pb_tgb_forget(b, i);
		return 0;
	}
	if (!h->stuck)
		pb_warn("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%zu/%zu "
			"error=%s note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)),
			h->next + 1, h->msgs.n, pb_q(pb_state_errmsg(b->keep)),
			pb_q("not sent now: the state it is kept in cannot be written (it would "
			     "not know the part was sent); tried again every few seconds"));
	h->stuck = 1;
	h->due_ms = pb_mono_ms() + STATE_WAIT_S * 1000;
	return -1;
}

void
pb_tgb_end_part(struct pb_tgbot *b, struct pb_tgb_held *h, size_t next)
{
	if (pb_tg_held_end(b->keep, h->row, (int)next, h->tries, due_unix(h)) != 1)
		h->row = 0;
}

void
pb_tgb_forget(struct pb_tgbot *b, size_t i)
{
	if (b->held[i].row && b->keep)
		pb_tg_held_del(b->keep, b->held[i].row);
	pb_tgb_held_drop(b, i);
}

void
pb_tgb_load_kept(struct pb_tgbot *b)
{
	struct pb_tg_held_row *v = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;

	if (pb_tg_held_list(b->keep, &v, &n) < 0) {
		pb_warn("telegram.answer", "error=%s note=%s", pb_q(pb_state_errmsg(b->keep)),
			pb_q("the answers kept in the state cannot be read; asked again at the "
			     "next poll"));
		return;
	}
	b->loaded = 1;
	for (size_t k = 0; k < n; k++) {
		const struct pb_tg_held_row *r = &v[k];
		struct pb_parts msgs;
		const char *why = NULL;
		struct pb_tgb_held *h;
		int mine = 0;

		for (size_t i = 0; i < b->n_held; i++)
			mine |= b->held[i].row == r->id;
		if (mine)
			continue;
		memset(&msgs, 0, sizeof msgs);
		if (strcmp(r->bot, b->fp) != 0)
			why = "kept for another bot (the token changed): this one cannot answer for it";
		else if (r->sending)
			why = "its request had begun when the process holding it stopped: it may have "
			      "been sent, and is not sent again";
		else if (now - r->held_at > HELD_AGE_MAX_S)
			why = "given up: held for over an hour";
		else if (b->n_held >= HELD_MAX)
			why = "not sent: too many answers wait for Telegram's flood control";
		else if (parts_parse(r->parts, &msgs) < 0 || r->next_part < 0 ||
			 (size_t)r->next_part >= msgs.n ||
			 strlen(r->chat) >= sizeof b->held->chat ||
			 (r->callback && strlen(r->callback) >= sizeof b->held->callback))
			why = "its row in the state cannot be read";
		if (why) {
			pb_warn("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%d "
				"note=%s", pb_q(r->chat), r->update_id,
				pb_q(pb_tgb_command_name(r->callback, r->command)),
				r->next_part + 1, pb_q(why));
			pb_parts_free(&msgs);
			pb_tg_held_del(b->keep, r->id);
			continue;
		}
		b->held = pb_xreallocarray(b->held, b->n_held + 1, sizeof *b->held);
		h = &b->held[b->n_held++];
		memset(h, 0, sizeof *h);
		snprintf(h->chat, sizeof h->chat, "%s", r->chat);
		h->thread_id = r->thread_id;
		h->update_id = r->update_id;
		snprintf(h->command, sizeof h->command, "%.*s", PB_BOT_WORD_MAX, r->command);
		snprintf(h->callback, sizeof h->callback, "%s", r->callback ? r->callback : "");
		h->msgs = msgs;
		h->next = (size_t)r->next_part;
		h->tries = r->tries;
		/* (a clock set back while the daemon was stopped moves the due time on; the
		 * retry_after it stands for was at most ANSWER_WAIT_MAX_S) */
		h->due_ms = r->due <= now ? 0 : pb_mono_ms() +
			    (r->due - now > ANSWER_WAIT_MAX_S ? ANSWER_WAIT_MAX_S : r->due - now) * 1000;
		h->held_at = r->held_at;
		h->row = r->id;
		pb_info("telegram.answer", "chat=%s update=%" PRId64 " command=%s part=%zu/%zu "
			"note=%s", pb_q(h->chat), h->update_id, pb_q(pb_tgb_command_of(h)), h->next + 1,
			h->msgs.n, pb_q("kept in the state by a process that stopped: sent now"));
	}
	pb_tg_held_rows_free(v, n);
}
