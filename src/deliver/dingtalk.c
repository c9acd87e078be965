/* The DingTalk (钉钉) custom robot: a webhook POST of {"msgtype":"markdown","markdown":
 * {"title":...,"text":...}}, the text the Markdown digest in DingTalk's dialect (robot_md.c:
 * headings, bold, italics, links, lists, quotes; a line break as two spaces and a newline).
 * DingTalk refuses a request body over 20,000 bytes, so each message's body stays within it.
 * With a secret (the robot's "signed" security setting) the URL carries &timestamp=<ms> and
 * &sign=urlencode(base64(HMAC-SHA256(secret, timestamp "\n" secret))), computed at each try:
 * DingTalk refuses a timestamp more than an hour old. The answer is JSON {"errcode":0,
 * "errmsg":"ok"}: 130101 and 410100 (sent too fast: the robot is throttled for ten minutes)
 * wait delivery.dingtalk_limit_wait_s, -1 (busy) and 5xx try again; 310000 (keyword, signature,
 * timestamp or IP refused: the robot's settings or the secret), 400105 (message type) and the
 * others are final for the message; 300005 and 300001 "token is not exist" (the robot removed
 * from its group, or its webhook reset: 300005 today, 300001 from older robots, which also
 * answered 300001 to a message without a title), 400101 (no such token), 400102 (robot
 * stopped), 400106 (no such robot) and 400013 (group disbanded) are final and suppress the
 * webhook: the robot is gone, and asking it every day changes nothing.
 * A robot takes 20 messages a minute: one per delivery.dingtalk_interval_ms (3 s) per webhook.
 * A digest in several messages opens each after the first with its title in bold, "(i/n)"
 * included: a robot whose security setting is a keyword looks for it in the text, and a
 * reader scrolling the group sees which digest a part continues. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "channel.h"
#include "paperboy/clock.h"
#include "paperboy/hash.h"

#define DINGTALK_MAX_BODY 20000
#define DINGTALK_TITLE_MAX 120   /* bytes of the title the chat list shows */
/* Room kept in each body for the title, twice (the title field, and the bold line opening a
 * later part), and for their escapes in JSON and the "(i/n)" */
#define DINGTALK_TITLE_ROOM (DINGTALK_TITLE_MAX * 4 + 96)

static void
dingtalk_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->sub->dingtalk_webhook && *c->sub->dingtalk_webhook)
		pb_chan_dest(out, "webhook");
}

/* The message title: the digest's first heading, cut at a character, with "(i/n)". */
static void
title_of(struct pb_buf *t, const char *text, size_t i, size_t n)
{
	const char *p = text, *e;
	size_t l;

	while (*p == '#')
		p++;
	while (*p == ' ')
		p++;
	e = strchr(p, '\n');
	l = e ? (size_t)(e - p) : strlen(p);
	while (l > 0 && p[l - 1] == ' ')
		l--;
	if (l > DINGTALK_TITLE_MAX) {
		l = DINGTALK_TITLE_MAX;
		while (l > 0 && ((unsigned char)p[l] & 0xC0) == 0x80)
			l--;
	}
	pb_buf_append(t, p, l);
	if (n > 1)
		pb_buf_printf(t, " (%zu/%zu)", i + 1, n);
}

static char *
body_of(const char *title, const char *text)
{
	cJSON *root = cJSON_CreateObject(), *m;
	char *s, *r;

	cJSON_AddStringToObject(root, "msgtype", "markdown");
	m = cJSON_AddObjectToObject(root, "markdown");
	cJSON_AddStringToObject(m, "title", title);
	cJSON_AddStringToObject(m, "text", text);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!s)
		return NULL;
	r = pb_xstrdup(s);
	cJSON_free(s);
	return r;
}

/* Splits text into pieces whose JSON body (escapes and the longest title included) fits
 * DingTalk's limit: when one does not, the whole text is split again at a lower limit. */
static void
split_fit(const char *text, size_t n, struct pb_parts *out)
{
	size_t limit = DINGTALK_MAX_BODY - DINGTALK_TITLE_ROOM;

	for (int round = 0;; round++) {
		int fits = 1;

		pb_md_split(text, n, limit, 1, out);
		for (size_t i = 0; fits && i < out->n; i++) {
			char *b = body_of("", out->v[i]);

			fits = b && strlen(b) + DINGTALK_TITLE_ROOM <= DINGTALK_MAX_BODY;
			free(b);
		}
		if (fits || round == 8 || limit <= 1024)
			return;
		pb_parts_free(out);
		limit = limit * 9 / 10;
	}
}

static int
dingtalk_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	       struct pb_parts *out, char *err, size_t errlen)
{
	struct pb_buf md = { 0 }, title = { 0 }, text = { 0 };
	struct pb_parts pieces = { 0 };
	int rc = -1;

	(void)dest;
	(void)msg_id;
	if (!c->out || c->out[PB_FMT_MD].n == 0) {
		snprintf(err, errlen, "dingtalk: no Markdown rendered");
		goto out;
	}
	pb_robot_md(&md, pb_md_body(c->out[PB_FMT_MD].v[0]),
		    PB_RMD_ITALIC | PB_RMD_BREAKS | PB_RMD_LISTS);
	split_fit(pb_buf_str(&md), md.len, &pieces);
	for (size_t i = 0; i < pieces.n; i++) {
		char *b;

		pb_buf_reset(&title);
		title_of(&title, pb_buf_str(&md), i, pieces.n);
		pb_buf_reset(&text);
		if (i > 0)
			pb_buf_printf(&text, "**%s**  \n\n", pb_buf_str(&title));
		pb_buf_puts(&text, pieces.v[i]);
		b = body_of(pb_buf_str(&title), pb_buf_str(&text));
		if (!b) {
			snprintf(err, errlen, "dingtalk: out of memory");
			goto out;
		}
		pb_parts_push(out, b);
	}
	if (out->n == 0) {
		snprintf(err, errlen, "dingtalk: nothing to send");
		goto out;
	}
	rc = 0;
out:
	pb_parts_free(&pieces);
	pb_buf_free(&title);
	pb_buf_free(&text);
	pb_buf_free(&md);
	return rc;
}

int
pb_dingtalk_sign_url(struct pb_buf *url, const char *webhook, const char *secret, int64_t ms)
{
	struct pb_buf msg = { 0 }, sig = { 0 };
	int rc = -1;

	pb_buf_puts(url, webhook);
	if (!secret || !*secret)
		return 0;
	pb_buf_printf(&msg, "%lld\n%s", (long long)ms, secret);
	if (pb_sign_hmac_sha256_b64(secret, strlen(secret), msg.data, msg.len, &sig) < 0)
		goto out;
	pb_buf_printf(url, "%ctimestamp=%lld&sign=", strchr(webhook, '?') ? '&' : '?',
		      (long long)ms);
	pb_sign_urlencode(url, pb_buf_str(&sig));
	rc = 0;
out:
	if (msg.data)
		memset(msg.data, 0, msg.len);
	pb_buf_free(&msg);
	pb_buf_free(&sig);
	return rc;
}

static int
dingtalk_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_subscriber *sub = pb_config_subscriber(x->cfg, x->msg->subscriber);

	if (!sub || !sub->dingtalk_webhook || !*sub->dingtalk_webhook) {
		snprintf(err, errlen, "no DingTalk webhook configured for this subscriber");
		return -1;
	}
	/* signed now, at each try: DingTalk takes a timestamp for an hour */
	if (pb_dingtalk_sign_url(&x->url, sub->dingtalk_webhook, sub->dingtalk_secret,
				 pb_wall_ms()) < 0) {
		snprintf(err, errlen, "cannot sign the DingTalk request (libcrypto)");
		return -1;
	}
	pb_xfer_json(x, NULL);
	return 0;
}

void
pb_dingtalk_classify_answer(long status, const char *body, size_t len, long limit_wait_s,
			    struct pb_result *r)
{
	long ec = 0;

	if (!pb_errcode_answer(status, body, len, &ec, r)) {
		/* a 429 from a gateway waits as DingTalk's own limit does */
		if (status == 429) {
			r->verdict = PB_V_TRANSIENT;
			r->retry_after_s = limit_wait_s;
		}
		return;
	}
	if (ec == 130101 || ec == 410100 || status == 429) {
		r->verdict = PB_V_TRANSIENT;
		r->retry_after_s = limit_wait_s;
	} else if (ec == -1 || ec == 0 || status >= 500) {
		r->verdict = PB_V_TRANSIENT;
	} else {
		r->verdict = PB_V_PERMANENT;
		r->suppress = ((ec == 300005 || ec == 300001) && strstr(r->reason, "token")) ||
			      ec == 400101 || ec == 400102 || ec == 400106 || ec == 400013;
	}
}

static void
dingtalk_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_dingtalk_classify_answer(status, x->resp.data, x->resp.len,
				    x->cfg->delivery.dingtalk_limit_wait_s, r);
}

static int
dingtalk_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	      int max)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, m->subscriber);

	if (max < 1)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "dingtalk:%016llx",
		 (unsigned long long)pb_fnv1a64_str(sub && sub->dingtalk_webhook
							    ? sub->dingtalk_webhook
							    : m->subscriber));
	p[0].interval_ms = cfg->delivery.dingtalk_interval_ms;
	return 1;
}

/* What "webhook" stands for, for the fingerprint of a suppression (pb_channel_dest_fp). */
static const char *
dingtalk_secret(const struct pb_subscriber *sub)
{
	return sub->dingtalk_webhook;
}

const struct pb_channel pb_channel_dingtalk = {
	.name = "dingtalk",
	.title = "DingTalk robots",
	.formats = 1u << PB_FMT_MD,
	.dests = dingtalk_dests,
	.secret = dingtalk_secret,
	.build = dingtalk_build,
	.prepare = dingtalk_prepare,
	.classify = dingtalk_classify,
	.pace = dingtalk_pace,
};
