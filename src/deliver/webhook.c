/* The generic JSON webhook: one POST per digest of the JSON document (render/json.c) to the
 * subscriber's URL, for anything paperboy does not speak itself. Headers:
 *   X-Paperboy-Delivery: the outbox message id (the same on every retry: an idempotency key)
 *   X-Paperboy-Timestamp, X-Paperboy-Signature: sha256=<hex HMAC-SHA256(secret,
 *     timestamp "." body)>, when the subscriber has a webhook secret (Stripe's and Slack's
 *     scheme: a receiver recomputes it and refuses an old timestamp). Signed at send time.
 * 2xx is sent; 408, 429 (after its Retry-After) and 5xx are tried again; a redirect (not
 * followed) and any other 4xx fail at once with the first words of the answer. One request
 * per delivery.webhook_interval_ms (1000) per URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"

int
pb_webhook_sign(const char *secret, long long ts, const char *body, size_t len, char *out,
		size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct pb_buf m = { 0 };
	int ok;

	if (!secret || n < 65)
		return -1;
	pb_buf_printf(&m, "%lld.", ts);
	pb_buf_append(&m, body, len);
	ok = HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)m.data, m.len,
		  mac, &maclen) != NULL && maclen == 32;
	pb_buf_free(&m);
	if (!ok)
		return -1;
	for (unsigned int i = 0; i < maclen; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

static int
webhook_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_subscriber *sub = pb_config_subscriber(x->cfg, x->msg->subscriber);
	struct pb_buf h = { 0 };

	if (!sub || !sub->webhook_url || !*sub->webhook_url) {
		snprintf(err, errlen, "no webhook URL configured for this subscriber");
		return -1;
	}
	x->send = x->msg->payload;
	x->send_len = x->msg->payload_len;
	pb_buf_puts(&x->url, sub->webhook_url);
	/* the id is ours: a date, a subscriber name, channel, "webhook" and a number */
	pb_buf_printf(&h, "X-Paperboy-Delivery: %s", x->msg->msg_id ? x->msg->msg_id : "");
	x->list = curl_slist_append(x->list, pb_buf_str(&h));
	if (sub->webhook_secret && *sub->webhook_secret) {
		long long ts = (long long)time(NULL);
		char sig[65];

		if (pb_webhook_sign(sub->webhook_secret, ts, x->send, x->send_len, sig,
				    sizeof sig) < 0) {
			pb_buf_free(&h);
			snprintf(err, errlen, "webhook: cannot compute the signature");
			return -1;
		}
		pb_buf_reset(&h);
		pb_buf_printf(&h, "X-Paperboy-Timestamp: %lld", ts);
		x->list = curl_slist_append(x->list, pb_buf_str(&h));
		pb_buf_reset(&h);
		pb_buf_printf(&h, "X-Paperboy-Signature: sha256=%s", sig);
		x->list = curl_slist_append(x->list, pb_buf_str(&h));
	}
	pb_buf_free(&h);
	pb_xfer_json(x, NULL);
	return 0;
}

void
pb_webhook_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			   struct pb_result *r)
{
	char words[160];
	long wait;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (status >= 200 && status < 300) {
		r->verdict = PB_V_SENT;
		return;
	}
	/* the first words of the answer: enough to say why, short in the status listing */
	pb_reason_copy(words, sizeof words, body, len);
	snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *words ? ": " : "", words);
	if (status == 429 || status == 408 || status >= 500 || status == 0) {
		r->verdict = PB_V_TRANSIENT;
		wait = pb_http_parse_retry_after(retry_after, (long)time(NULL));
		r->retry_after_s = wait < 0 ? -1 : wait > 86400 ? 86400 : wait;
	} else {
		/* 3xx (never followed: a POST is not moved silently), 400, 401, 403, 404, 410,
		 * 413, ...: the receiver or its address has to change */
		r->verdict = PB_V_PERMANENT;
	}
}

static void
webhook_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_webhook_classify_answer(status, x->resp.data, x->resp.len, x->retry_after, r);
}

static int
webhook_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	     int max)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, m->subscriber);

	if (max < 1)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "webhook:%016llx",
		 (unsigned long long)pb_fnv1a64_str(sub && sub->webhook_url ? sub->webhook_url
									     : m->subscriber));
	p[0].interval_ms = cfg->delivery.webhook_interval_ms;
	return 1;
}

/* The URL is a secret: the outbox names it "webhook". */
static void
webhook_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->sub->webhook_url && *c->sub->webhook_url)
		pb_chan_dest(out, "webhook");
}

/* What "webhook" stands for, for the fingerprint of a suppression (pb_channel_dest_fp). */
static const char *
webhook_secret(const struct pb_subscriber *sub)
{
	return sub->webhook_url;
}

const struct pb_channel pb_channel_webhook = {
	.name = "webhook",
	.title = "JSON webhooks",
	.formats = 1u << PB_FMT_JSON,
	.dests = webhook_dests,
	.secret = webhook_secret,
	.prepare = webhook_prepare,
	.classify = webhook_classify,
	.pace = webhook_pace,
};
