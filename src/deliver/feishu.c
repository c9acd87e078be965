/* The Feishu / Lark channel: a custom bot's webhook (https://open.feishu.cn/open-apis/bot/v2/hook/…
 * or open.larksuite.com) gets the digest as "post" rich-text messages built from the chat
 * Markdown. A post holds text and link elements, never markup: Feishu reads no Markdown, no
 * HTML and no <at> mention in a text element, so outside text stays text without escaping, and
 * only the Markdown paperboy wrote (bold, italics, links) becomes styles and links.
 * Each request body stays within Feishu's 20 KB. With a secret, the body carries "timestamp"
 * and "sign" = base64(HMAC-SHA256(key = timestamp "\n" secret, message = "")), computed when the
 * message is sent (Feishu refuses a signature older than an hour; a retry is signed anew).
 * Answers are {"code":0,...} or {"code":N,"msg":"..."}, an error mostly with HTTP 200;
 * 19001 "incoming webhook access token invalid" (the bot removed from its group) suppresses
 * the webhook. A bot may post 100 messages a minute and 5 a second: one message per
 * delivery.feishu_interval_ms (650) per webhook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"

/* What a Markdown piece may take before its post is built; lowered when a post comes out
 * larger than PB_FEISHU_MAX_BODY (JSON quoting and the elements' keys add to it). */
#define FIRST_LIMIT 12000
/* Room left in each body for "timestamp" and "sign", added when it is sent. */
#define SIGN_ROOM 96
/* Feishu gives no hint after its own frequency-limit codes: its window is a minute. */
#define LIMIT_WAIT_S 60

int
pb_feishu_sign(const char *secret, long long ts, char *out, size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct pb_buf key = { 0 };
	int rc = -1;

	if (!secret || n < 45)
		return -1;
	pb_buf_printf(&key, "%lld\n%s", ts, secret);
	/* the key is timestamp and secret; the message is empty */
	if (!HMAC(EVP_sha256(), key.data, (int)key.len, (const unsigned char *)"", 0, mac,
		  &maclen) || maclen != 32)
		goto out;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
	rc = 0;
out:
	pb_buf_free(&key);
	return rc;
}

/* ---- payloads: chat Markdown into post paragraphs ---- */

struct post {
	cJSON *para;           /* the paragraph being filled */
	struct pb_buf text;    /* text not yet pushed, in the current style */
	int bold, italic, force_bold;
};

static void
flush(struct post *p)
{
	cJSON *e, *st;

	if (p->text.len == 0)
		return;
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "tag", "text");
	cJSON_AddStringToObject(e, "text", pb_buf_str(&p->text));
	if (p->bold || p->italic || p->force_bold) {
		st = cJSON_AddArrayToObject(e, "style");
		if (p->bold || p->force_bold)
			cJSON_AddItemToArray(st, cJSON_CreateString("bold"));
		if (p->italic)
			cJSON_AddItemToArray(st, cJSON_CreateString("italic"));
	}
	cJSON_AddItemToArray(p->para, e);
	pb_buf_reset(&p->text);
}

/* Markdown's backslash escape: a backslash before ASCII punctuation stands for it. */
static int
is_punct(char c)
{
	return c && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) != NULL;
}

/* Appends s[0..n) with Markdown's escapes undone. */
static void
unescape(struct pb_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && is_punct(s[i + 1]))
			i++;
		pb_buf_putc(b, s[i]);
	}
}

static void
add_link(struct post *p, const char *text, size_t tn, const char *url, size_t un)
{
	cJSON *e;
	char *href;

	flush(p);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "tag", "a");
	unescape(&p->text, text, tn);
	cJSON_AddStringToObject(e, "text", pb_buf_str(&p->text));
	pb_buf_reset(&p->text);
	href = pb_xstrndup(url, un);
	cJSON_AddStringToObject(e, "href", href);
	free(href);
	cJSON_AddItemToArray(p->para, e);
}

static int
web_url(const char *u, size_t n)
{
	return (n > 8 && strncmp(u, "https://", 8) == 0) || (n > 7 && strncmp(u, "http://", 7) == 0);
}

/* The end of "[text](url)" opening at s[i] (past its ')'), or 0; the spans are set. Outside
 * text never forms one: its brackets are escaped. */
static size_t
md_link(const char *s, size_t n, size_t i, size_t *ts, size_t *tn, size_t *us, size_t *un)
{
	size_t j = i + 1, k;

	while (j < n && s[j] != ']') {
		if (s[j] == '\\' && j + 1 < n)
			j++;
		j++;
	}
	if (j + 1 >= n || s[j + 1] != '(')
		return 0;
	for (k = j + 2; k < n && s[k] != ')' && s[k] != ' '; k++)
		;
	if (k >= n || s[k] != ')')
		return 0;
	*ts = i + 1;
	*tn = j - i - 1;
	*us = j + 2;
	*un = k - j - 2;
	return k + 1;
}

/* One line of inline Markdown into the current paragraph. */
static void
inline_md(struct post *p, const char *s, size_t n)
{
	size_t i = 0, ts, tn, us, un, e;
	const char *z = NULL;

	while (i < n) {
		char c = s[i];

		if (c == '\\' && i + 1 < n && is_punct(s[i + 1])) {
			pb_buf_putc(&p->text, s[i + 1]);
			i += 2;
		} else if (c == '*') {
			int two = i + 1 < n && s[i + 1] == '*';

			flush(p);
			if (two)
				p->bold = !p->bold;
			else
				p->italic = !p->italic;
			i += two ? 2 : 1;
		} else if (c == '`') {
			/* a code span: its text as written, backticks kept (a post has no code) */
			z = memchr(s + i + 1, '`', n - i - 1);
			e = z ? (size_t)(z - s) + 1 : i + 1;
			pb_buf_append(&p->text, s + i, e - i);
			i = e;
		} else if (c == '[' && (e = md_link(s, n, i, &ts, &tn, &us, &un)) != 0) {
			/* links to the digest's own anchors mean nothing in a chat: their text */
			if (web_url(s + us, un))
				add_link(p, s + ts, tn, s + us, un);
			else
				unescape(&p->text, s + ts, tn);
			i = e;
		} else if (c == '<' && (z = memchr(s + i, '>', n - i)) != NULL &&
			   web_url(s + i + 1, (size_t)(z - s) - i - 1)) {
			/* an autolink <https://…> (the settings line) */
			add_link(p, s + i + 1, (size_t)(z - s) - i - 1, s + i + 1,
				 (size_t)(z - s) - i - 1);
			i = (size_t)(z - s) + 1;
		} else if (c == '<' && z && strncmp(s + i + 1, "mailto:", 7) == 0) {
			/* <mailto:…>: an address to write to, shown as such */
			pb_buf_append(&p->text, s + i + 8, (size_t)(z - s) - i - 8);
			i = (size_t)(z - s) + 1;
		} else {
			pb_buf_putc(&p->text, c);
			i++;
		}
	}
	flush(p);
	p->bold = p->italic = 0;
}

static cJSON *
text_para(const char *t)
{
	cJSON *para = cJSON_CreateArray(), *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "tag", "text");
	cJSON_AddStringToObject(e, "text", t);
	cJSON_AddItemToArray(para, e);
	return para;
}

/* The paragraphs of a piece of chat Markdown: a line each, a blank line between blocks. */
static cJSON *
paragraphs(const char *s, size_t n)
{
	cJSON *content = cJSON_CreateArray();
	struct post p = { 0 };
	int blank = 0;

	for (size_t i = 0; i < n;) {
		const char *z = memchr(s + i, '\n', n - i);
		size_t e = z ? (size_t)(z - s) : n, len = e - i, h = 0;
		const char *l = s + i;

		i = z ? e + 1 : n;
		while (len && (l[len - 1] == ' ' || l[len - 1] == '\r'))
			len--;
		/* the digest's anchors: "<a id='…'></a>" */
		if (len >= 12 && strncmp(l, "<a id='", 7) == 0 &&
		    strncmp(l + len - 4, "</a>", 4) == 0)
			continue;
		if (len == 0) {
			blank = cJSON_GetArraySize(content) > 0;
			continue;
		}
		if (blank)
			cJSON_AddItemToArray(content, text_para(""));
		blank = 0;
		if (len == 3 && strncmp(l, "---", 3) == 0) {
			cJSON_AddItemToArray(content, text_para("———"));
			continue;
		}
		while (h < len && h < 6 && l[h] == '#')
			h++;
		p.force_bold = h > 0 && h < len && l[h] == ' ';
		if (p.force_bold) {
			l += h + 1;
			len -= h + 1;
		}
		p.para = cJSON_CreateArray();
		inline_md(&p, l, len);
		cJSON_AddItemToArray(content, p.para);
	}
	pb_buf_free(&p.text);
	return content;
}

static char *
post_json(const char *title, const char *s, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *content, *post, *lang;
	char *out, *p;

	cJSON_AddStringToObject(root, "msg_type", "post");
	content = cJSON_AddObjectToObject(root, "content");
	post = cJSON_AddObjectToObject(content, "post");
	lang = cJSON_AddObjectToObject(post, "zh_cn");
	cJSON_AddStringToObject(lang, "title", title);
	cJSON_AddItemToObject(lang, "content", paragraphs(s, n));
	p = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	out = p ? pb_xstrdup(p) : NULL;
	cJSON_free(p);
	return out;
}

int
pb_feishu_posts(const char *md, struct pb_parts *out, char *err, size_t errlen)
{
	const char *body, *t, *rest;
	struct pb_buf chat = { 0 }, title = { 0 }, tt = { 0 };
	size_t limit = FIRST_LIMIT;
	int rc = -1;

	/* The digest as a chat shows it: no table of contents (its titles link to anchors a
	 * post does not have, and would come twice), no rules, no anchors. */
	pb_chat_md(md, &chat);
	body = pb_buf_str(&chat);
	/* The post's title is the digest's: the heading the Markdown opens with. */
	if (strncmp(body, "# ", 2) != 0) {
		snprintf(err, errlen, "feishu: the Markdown digest has no title");
		pb_buf_free(&chat);
		return -1;
	}
	t = body + 2;
	rest = strchr(t, '\n');
	rest = rest ? rest : t + strlen(t);
	unescape(&title, t, (size_t)(rest - t));
	for (;;) {
		struct pb_parts pieces = { 0 };
		size_t big = 0;

		if (pb_md_split(rest, strlen(rest), limit, 1, &pieces) == 0) {
			snprintf(err, errlen, "feishu: the Markdown digest is empty");
			break;
		}
		for (size_t i = 0; i < pieces.n; i++) {
			char *j;

			pb_buf_reset(&tt);
			pb_buf_puts(&tt, pb_buf_str(&title));
			if (pieces.n > 1)
				pb_buf_printf(&tt, " (%zu/%zu)", i + 1, pieces.n);
			j = post_json(pb_buf_str(&tt), pieces.v[i], strlen(pieces.v[i]));
			if (!j || strlen(j) + SIGN_ROOM > PB_FEISHU_MAX_BODY)
				big = 1;
			if (j)
				pb_parts_push(out, j);
		}
		pb_parts_free(&pieces);
		if (!big) {
			rc = 0;
			break;
		}
		pb_parts_free(out);
		if (limit <= 512) {
			snprintf(err, errlen, "feishu: a message does not fit in %d bytes",
				 PB_FEISHU_MAX_BODY);
			break;
		}
		limit = limit * 3 / 4 < 512 ? 512 : limit * 3 / 4;
	}
	pb_buf_free(&title);
	pb_buf_free(&tt);
	pb_buf_free(&chat);
	return rc;
}

static int
feishu_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	     struct pb_parts *out, char *err, size_t errlen)
{
	(void)dest;
	(void)msg_id;
	if (!c->out || c->out[PB_FMT_MD].n == 0) {
		snprintf(err, errlen, "feishu: nothing rendered");
		return -1;
	}
	return pb_feishu_posts(c->out[PB_FMT_MD].v[0], out, err, errlen);
}

/* ---- the request ---- */

/* Keeps the last response's wait hint: Feishu's gateway says x-ogw-ratelimit-reset (seconds)
 * with a 429; Retry-After is read too. */
static size_t
header_cb(char *p, size_t size, size_t n, void *userp)
{
	struct pb_xfer *x = userp;
	size_t len = size * n;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		x->retry_after[0] = '\0';
	if (!pb_http_header_value(p, len, "x-ogw-ratelimit-reset", x->retry_after,
				  sizeof x->retry_after))
		pb_http_header_value(p, len, "Retry-After", x->retry_after, sizeof x->retry_after);
	return len;
}

static int
feishu_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_subscriber *sub = pb_config_subscriber(x->cfg, x->msg->subscriber);

	if (!sub || !sub->feishu_webhook || !*sub->feishu_webhook) {
		snprintf(err, errlen, "no Feishu webhook configured for this subscriber");
		return -1;
	}
	x->send = x->msg->payload;
	x->send_len = x->msg->payload_len;
	if (sub->feishu_secret && *sub->feishu_secret) {
		cJSON *root = cJSON_ParseWithLength(x->msg->payload, x->msg->payload_len);
		long long ts = (long long)time(NULL);
		char sign[64], tss[32];
		char *b;

		if (!cJSON_IsObject(root)) {
			cJSON_Delete(root);
			snprintf(err, errlen, "feishu: payload is not a JSON object");
			return -1;
		}
		if (pb_feishu_sign(sub->feishu_secret, ts, sign, sizeof sign) < 0) {
			cJSON_Delete(root);
			snprintf(err, errlen, "feishu: cannot compute the signature (libcrypto)");
			return -1;
		}
		snprintf(tss, sizeof tss, "%lld", ts);
		cJSON_DeleteItemFromObjectCaseSensitive(root, "timestamp");
		cJSON_DeleteItemFromObjectCaseSensitive(root, "sign");
		cJSON_AddStringToObject(root, "timestamp", tss);
		cJSON_AddStringToObject(root, "sign", sign);
		b = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		if (!b) {
			snprintf(err, errlen, "feishu: cannot print the signed body");
			return -1;
		}
		pb_buf_puts(&x->body, b);
		cJSON_free(b);
		x->send = x->body.data;
		x->send_len = x->body.len;
	}
	pb_buf_puts(&x->url, sub->feishu_webhook);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	pb_xfer_json(x, NULL);
	return 0;
}

/* ---- answers ---- */

static int
has_word(const char *s, const char *w)
{
	for (size_t n = strlen(w); s && *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return 1;
	return 0;
}

/* Feishu's codes for "too many messages": 11232 (the bot's 100/min, 5/s), 99991400 (the
 * gateway's frequency control); 9499 when its words say so (9499 is also "Bad Request"). */
static int
is_limit(long code, const char *msg)
{
	return code == 11232 || code == 99991400 ||
	       (code == 9499 && (has_word(msg, "too many") || has_word(msg, "frequen") ||
				 has_word(msg, "limit")));
}

void
pb_feishu_classify_answer(long status, const char *body, size_t len, const char *hint,
			  struct pb_result *r)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *code = NULL, *msg = NULL;
	long wait = pb_http_parse_retry_after(hint, (long)time(NULL));
	long ec = 0;
	char words[256];

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	wait = wait < 0 ? -1 : wait > 86400 ? 86400 : wait;
	if (cJSON_IsObject(root)) {
		code = cJSON_GetObjectItemCaseSensitive(root, "code");
		if (!code)
			code = cJSON_GetObjectItemCaseSensitive(root, "StatusCode");
		msg = cJSON_GetObjectItemCaseSensitive(root, "msg");
		if (!msg)
			msg = cJSON_GetObjectItemCaseSensitive(root, "StatusMessage");
	}
	if (!cJSON_IsNumber(code)) {
		/* No Feishu answer: a proxy, a gateway, or not Feishu at all. */
		pb_reason_copy(words, sizeof words, body, len);
		snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *words ? ": " : "",
			 *words ? words : "");
		if (status == 429) {
			r->verdict = PB_V_TRANSIENT;
			r->retry_after_s = wait >= 0 ? wait : LIMIT_WAIT_S;
		} else if (status >= 500 || status == 0 || status == 408) {
			r->verdict = PB_V_TRANSIENT;
			r->retry_after_s = wait;
		} else {
			/* a 2xx that is not Feishu's answer is a webhook that is not Feishu's */
			r->verdict = PB_V_PERMANENT;
		}
		goto out;
	}
	if (code->valuedouble > -1e15 && code->valuedouble < 1e15)
		ec = (long)code->valuedouble;
	else
		ec = -1;
	pb_reason_copy(words, sizeof words, cJSON_IsString(msg) ? msg->valuestring : "",
		       cJSON_IsString(msg) ? strlen(msg->valuestring) : 0);
	snprintf(r->reason, sizeof r->reason, "%ld %s", ec, *words ? words : "(no message)");
	if (ec == 0 && status >= 200 && status < 300) {
		r->verdict = PB_V_SENT;
	} else if (is_limit(ec, words) || status == 429) {
		r->verdict = PB_V_TRANSIENT;
		r->retry_after_s = wait >= 0 ? wait : LIMIT_WAIT_S;
	} else if (status >= 500 || status == 0) {
		r->verdict = PB_V_TRANSIENT;
		r->retry_after_s = wait;
	} else {
		/* 19001 param invalid, 19021 sign match fail, 19022 ip not allowed, 19024 key
		 * words not found, 19002/19007 no such bot, ...: wrong until someone acts */
		r->verdict = PB_V_PERMANENT;
		/* 19001 "incoming webhook access token invalid" (with HTTP 200) is what a bot
		 * removed from its group, or a webhook that never was, answers: the webhook is
		 * gone, as a WeCom 93000's or a Slack 404's, and is suppressed, costing no more
		 * requests until `subscriber resume` or a new webhook. */
		r->suppress = ec == 19001 && has_word(words, "token");
	}
out:
	cJSON_Delete(root);
}

static void
feishu_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_feishu_classify_answer(status, x->resp.data, x->resp.len, x->retry_after, r);
}

static int
feishu_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	    int max)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, m->subscriber);

	if (max < 1)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "feishu:%016llx",
		 (unsigned long long)pb_fnv1a64_str(sub && sub->feishu_webhook ? sub->feishu_webhook
									: m->subscriber));
	p[0].interval_ms = cfg->delivery.feishu_interval_ms;
	return 1;
}

/* The webhook URL is a secret: the outbox names it "webhook". */
static void
feishu_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->sub->feishu_webhook && *c->sub->feishu_webhook)
		pb_chan_dest(out, "webhook");
}

/* What "webhook" stands for, for the fingerprint of a suppression (pb_channel_dest_fp). */
static const char *
feishu_secret(const struct pb_subscriber *sub)
{
	return sub->feishu_webhook;
}

const struct pb_channel pb_channel_feishu = {
	.name = "feishu",
	.title = "Feishu/Lark bots",
	.formats = 1u << PB_FMT_MD,
	.dests = feishu_dests,
	.secret = feishu_secret,
	.build = feishu_build,
	.prepare = feishu_prepare,
	.classify = feishu_classify,
	.pace = feishu_pace,
};
