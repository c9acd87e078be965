/* The Slack channel: an incoming webhook POST of the Block Kit payload from the outbox.
 * Slack answers 200 "ok"; 400 invalid_payload, 403, 404 no_service and 410 channel_is_archived
 * are final, 404, 410 and 403 invalid_token (the app uninstalled, the webhook revoked) or
 * team_disabled suppressing the webhook; 429 carries Retry-After; 5xx is worth another try.
 * At most one message per second per webhook. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channel.h"
#include "paperboy/http.h"
#include "paperboy/hash.h"

static int
slack_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_subscriber *sub = pb_config_subscriber(x->cfg, x->msg->subscriber);

	if (!sub || !sub->slack_webhook || !*sub->slack_webhook) {
		snprintf(err, errlen, "no Slack webhook configured for this subscriber");
		return -1;
	}
	pb_buf_puts(&x->url, sub->slack_webhook);
	pb_xfer_json(x, NULL);
	return 0;
}

/* Retry-After as seconds from now (delta-seconds or an HTTP date), capped at a day; -1 when
 * absent or unreadable (our own backoff applies then). */
static long
retry_after_value(const char *v)
{
	long n = pb_http_parse_retry_after(v, (long)time(NULL));

	return n < 0 ? -1 : n > 86400 ? 86400 : n;
}

void
pb_slack_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			 struct pb_result *r)
{
	char words[256];

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	pb_reason_copy(words, sizeof words, body, len);
	if (status >= 200 && status < 300) {
		r->verdict = PB_V_SENT;
		return;
	}
	snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *words ? ": " : "", words);
	if (status == 429 || status >= 500 || status == 0) {
		r->verdict = PB_V_TRANSIENT;
		r->retry_after_s = retry_after_value(retry_after);
	} else if (status == 404 || status == 410) {
		/* no_service, channel_is_archived: the webhook is gone until a person acts; the
		 * destination is suppressed and costs no more requests. */
		r->verdict = PB_V_PERMANENT;
		r->suppress = 1;
	} else if (status == 403 && (strcmp(words, "invalid_token") == 0 ||
				     strcmp(words, "team_disabled") == 0)) {
		/* the webhook was revoked (its app uninstalled) or its workspace closed: gone
		 * as a 404's is */
		r->verdict = PB_V_PERMANENT;
		r->suppress = 1;
	} else {
		/* 400 invalid_payload, 403 action_prohibited (an administrator's restriction),
		 * and any other answer (a redirect to a login page, say) will not change on its
		 * own. */
		r->verdict = PB_V_PERMANENT;
	}
}

static void
slack_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_slack_classify_answer(status, x->resp.data, x->resp.len, x->retry_after, r);
}

static int
slack_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	   int max)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, m->subscriber);

	if (max < 1)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "slack:%016llx",
		 (unsigned long long)pb_fnv1a64_str(sub && sub->slack_webhook ? sub->slack_webhook
								      : m->subscriber));
	p[0].interval_ms = cfg->delivery.slack_interval_ms;
	return 1;
}

/* The webhook URL is a secret: the outbox names it "webhook". */
static void
slack_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->sub->slack_webhook && *c->sub->slack_webhook)
		pb_chan_dest(out, "webhook");
}

/* The buttons under each paper, when the endpoint can check Slack's answers to them. */
static void
slack_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro)
{
	ro->slack_buttons = c->cfg->slack.signing_secret != NULL;
}

/* What "webhook" stands for, for the fingerprint of a suppression (pb_channel_dest_fp). */
static const char *
slack_secret(const struct pb_subscriber *sub)
{
	return sub->slack_webhook;
}

const struct pb_channel pb_channel_slack = {
	.name = "slack",
	.title = "Slack webhooks",
	.formats = 1u << PB_FMT_SLACK,
	.dests = slack_dests,
	.secret = slack_secret,
	.render_opts = slack_render_opts,
	.prepare = slack_prepare,
	.classify = slack_classify,
	.pace = slack_pace,
};
