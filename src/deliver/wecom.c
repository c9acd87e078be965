/* The WeCom (企业微信) group robot: a webhook POST of {"msgtype":"markdown","markdown":
 * {"content":...}}, the content the Markdown digest in WeCom's dialect (robot_md.c: headings,
 * bold, links, inline code; no italics, lists or rules), at most 4,096 bytes of UTF-8 each.
 * The answer is JSON {"errcode":0,"errmsg":"ok"}: 45009 (API frequency limit) and 45033
 * (concurrency limit) and -1 (system busy) are worth another try, after
 * delivery.wecom_limit_wait_s for the frequency limit; 93000 (invalid webhook URL: the robot
 * was removed from its group, or its key is wrong) is final and suppresses the webhook, as
 * Slack's 404 does; 40058 (content too long), 40008 (bad message type) and every other code
 * are final for the message alone. A robot takes
 * 20 messages a minute: one per delivery.wecom_interval_ms (3 s) per webhook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "channel.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"

#define WECOM_MAX_BYTES 4096

static void
wecom_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->sub->wecom_webhook && *c->sub->wecom_webhook)
		pb_chan_dest(out, "webhook");
}

static int
wecom_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	    struct pb_parts *out, char *err, size_t errlen)
{
	struct pb_buf md = { 0 };
	struct pb_parts pieces = { 0 };
	int rc = -1;

	(void)dest;
	(void)msg_id;
	if (!c->out || c->out[PB_FMT_MD].n == 0) {
		snprintf(err, errlen, "wecom: no Markdown rendered");
		goto out;
	}
	pb_robot_md(&md, pb_md_body(c->out[PB_FMT_MD].v[0]), 0);
	pb_md_split(pb_buf_str(&md), md.len, WECOM_MAX_BYTES, 1, &pieces);
	for (size_t i = 0; i < pieces.n; i++) {
		cJSON *root = cJSON_CreateObject(), *m;
		char *s;

		cJSON_AddStringToObject(root, "msgtype", "markdown");
		m = cJSON_AddObjectToObject(root, "markdown");
		cJSON_AddStringToObject(m, "content", pieces.v[i]);
		s = cJSON_PrintUnformatted(root);
		cJSON_Delete(root);
		if (!s) {
			snprintf(err, errlen, "wecom: out of memory");
			goto out;
		}
		pb_parts_push(out, pb_xstrdup(s));
		cJSON_free(s);
	}
	if (out->n == 0) {
		snprintf(err, errlen, "wecom: nothing to send");
		goto out;
	}
	rc = 0;
out:
	pb_parts_free(&pieces);
	pb_buf_free(&md);
	return rc;
}

static int
wecom_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_subscriber *sub = pb_config_subscriber(x->cfg, x->msg->subscriber);

	if (!sub || !sub->wecom_webhook || !*sub->wecom_webhook) {
		snprintf(err, errlen, "no WeCom webhook configured for this subscriber");
		return -1;
	}
	pb_buf_puts(&x->url, sub->wecom_webhook);
	pb_xfer_json(x, NULL);
	return 0;
}

void
pb_wecom_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			 long limit_wait_s, struct pb_result *r)
{
	long ec = 0;

	if (status == 429) {
		long ra = pb_http_parse_retry_after(retry_after, (long)time(NULL));
		char words[256];

		memset(r, 0, sizeof *r);
		pb_reason_copy(words, sizeof words, body, len);
		snprintf(r->reason, sizeof r->reason, "HTTP 429%s%s", *words ? ": " : "", words);
		r->verdict = PB_V_TRANSIENT;
		r->retry_after_s = ra >= 0 ? (ra > 86400 ? 86400 : ra) : limit_wait_s;
		return;
	}
	if (!pb_errcode_answer(status, body, len, &ec, r))
		return;
	if (ec == 45009) {
		r->verdict = PB_V_TRANSIENT;
		r->retry_after_s = limit_wait_s;
	} else if (ec == 45033 || ec == -1 || ec == 0 || status >= 500) {
		r->verdict = PB_V_TRANSIENT;
	} else {
		r->verdict = PB_V_PERMANENT;
		/* the webhook itself is gone: it costs no more requests (`subscriber resume`
		 * after a new one is set) */
		r->suppress = ec == 93000;
	}
}

static void
wecom_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_wecom_classify_answer(status, x->resp.data, x->resp.len, x->retry_after,
				 x->cfg->delivery.wecom_limit_wait_s, r);
}

static int
wecom_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	   int max)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, m->subscriber);

	if (max < 1)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "wecom:%016llx",
		 (unsigned long long)pb_fnv1a64_str(sub && sub->wecom_webhook ? sub->wecom_webhook
								      : m->subscriber));
	p[0].interval_ms = cfg->delivery.wecom_interval_ms;
	return 1;
}

/* What "webhook" stands for, for the fingerprint of a suppression (pb_channel_dest_fp). */
static const char *
wecom_secret(const struct pb_subscriber *sub)
{
	return sub->wecom_webhook;
}

const struct pb_channel pb_channel_wecom = {
	.name = "wecom",
	.title = "WeCom group robots",
	.formats = 1u << PB_FMT_MD,
	.dests = wecom_dests,
	.secret = wecom_secret,
	.build = wecom_build,
	.prepare = wecom_prepare,
	.classify = wecom_classify,
	.pace = wecom_pace,
};
