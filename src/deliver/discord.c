/* The Discord channel: an incoming webhook executed with ?wait=true, so the answer says whether
 * the message was saved. Each message is {"content": Markdown of at most 2,000 characters,
 * "allowed_mentions": {"parse": []}, "flags": SUPPRESS_EMBEDS}: text from a paper that reads
 * "@everyone" or "<@123>" pings nobody, and the digest's many arXiv links do not each unfold a
 * preview. Discord answers 200 with the message; 429 with {"retry_after": seconds (a float),
 * "global": bool} and a Retry-After header; 400 {"code": 50035, "message": "Invalid Form Body",
 * "errors": {...}}, 401, 403 and 404 {"code": 10015, "message": "Unknown Webhook"} are final;
 * the 404 and a 401 {"code": 50027, "message": "Invalid Webhook Token"} suppress the webhook:
 * Discord asks that a webhook answering 404 is not used again and that requests stop once a
 * token is invalid (each 401, 403 and 429 counts toward the 10,000 invalid requests in 10
 * minutes that get the address banned, for every webhook); 5xx is worth another try.
 * A webhook takes about 5 requests per 2 s and a channel 30 messages a minute: one message per
 * delivery.discord_interval_ms (2 s) per webhook, and at most 50 requests a second in all,
 * Discord's global limit for a client without a bot token.
 *
 * A 429 says which limit it is: "global": true in the answer, X-RateLimit-Global: true, or
 * X-RateLimit-Scope: global is the global limit, which Discord applies to every request of the
 * client (of a bot token; a webhook executed without one is counted by the client's address)
 * for retry_after, whichever webhook it goes to; then every Discord message of the run waits
 * that long (the pacing key of all of them), not only the one that met it, since each request
 * sent meanwhile is another 429, and too many of those get the address banned for a while
 * (Cloudflare's, at 10,000 refused requests in 10 minutes). Discord's own 429 always names its
 * scope (X-RateLimit-Scope "is returned only on HTTP 429 responses"): one that names none, or
 * whose answer is not Discord's JSON, comes from Cloudflare in front of the API, which bans the
 * address for a while, every webhook alike ({"code": 0, "message": "You are being blocked from
 * accessing our API temporarily ..."} without rate-limit headers, or an "error code: 1015"
 * page); it holds every Discord message of the run too, for its Retry-After or, when it names
 * none, the backoff of the message that met it (each one sent meanwhile counts as refused). Any
 * other 429 ("user": the webhook's own bucket, "shared": the channel's) delays that webhook
 * alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "channel.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"

#define DISCORD_MAX_CONTENT 2000        /* characters of content (counted in UTF-16 units) */
#define DISCORD_SUPPRESS_EMBEDS (1 << 2)
#define DISCORD_GLOBAL_MS 20            /* 50 requests a second */
#define DISCORD_ALL "discord:*"         /* the pacing key of every Discord message */

static int
discord_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	      struct pb_parts *out, char *err, size_t errlen)
{
	struct pb_buf md = { 0 }, esc = { 0 };
	struct pb_parts pieces = { 0 };
	int rc = -1;

	(void)dest;
	(void)msg_id;
	if (!c->out || c->out[PB_FMT_MD].n == 0) {
		snprintf(err, errlen, "discord: nothing rendered");
		goto out;
	}
	pb_chat_md(c->out[PB_FMT_MD].v[0], &md);
	pb_chat_md_tildes(pb_buf_str(&md), &esc);
	pb_md_split(pb_buf_str(&esc), esc.len, DISCORD_MAX_CONTENT, 0, &pieces);
	for (size_t i = 0; i < pieces.n; i++) {
		cJSON *o = cJSON_CreateObject(), *am = cJSON_AddObjectToObject(o, "allowed_mentions");
		char *json;

		cJSON_AddStringToObject(o, "content", pieces.v[i]);
		cJSON_AddArrayToObject(am, "parse");
		cJSON_AddNumberToObject(o, "flags", DISCORD_SUPPRESS_EMBEDS);
		json = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!json) {
			snprintf(err, errlen, "discord: cannot write the request");
			goto out;
		}
		pb_parts_push(out, pb_xstrdup(json));
		cJSON_free(json);
	}
	rc = pieces.n ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "discord: empty digest");
out:
	pb_parts_free(&pieces);
	pb_buf_free(&esc);
	pb_buf_free(&md);
	return rc;
}

static int
discord_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_subscriber *sub = pb_config_subscriber(x->cfg, x->msg->subscriber);
	const char *u = sub ? sub->discord_webhook : NULL, *p;

	if (!u || !*u) {
		snprintf(err, errlen, "no Discord webhook configured for this subscriber");
		return -1;
	}
	/* The URL Discord hands out has no API version, and Discord routes it to its default,
	 * v6, whose 429 gives retry_after and Retry-After in milliseconds (read as seconds, a
	 * 2.5 s wait would last 42 minutes). v10 says seconds, as pb_discord_classify_answer
	 * reads them. */
	p = strstr(u, "/api/webhooks/");
	if (p) {
		pb_buf_append(&x->url, u, (size_t)(p - u));
		pb_buf_puts(&x->url, "/api/v10");
		u = p + 4;
	}
	/* wait=true: Discord answers once the message is saved, or says why not. */
	pb_buf_printf(&x->url, "%s%swait=true", u, strchr(u, '?') ? "&" : "?");
	pb_xfer_json(x, NULL);
	return 0;
}

/* The first message of an "errors" tree of a 50035 answer, with its field's path:
 * {"content": {"_errors": [{"code": ..., "message": "Must be 2000 or fewer in length."}]}}. */
static int
first_error(const cJSON *e, int depth, struct pb_buf *path, struct pb_buf *out)
{
	const cJSON *it;

	if (!cJSON_IsObject(e) || depth > 8)
		return 0;
	it = cJSON_GetObjectItemCaseSensitive(e, "_errors");
	if (cJSON_IsArray(it)) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(it, 0),
								  "message");

		if (cJSON_IsString(m)) {
			pb_buf_printf(out, "%s%s%s", pb_buf_str(path), path->len ? ": " : "",
				      m->valuestring);
			return 1;
		}
	}
	cJSON_ArrayForEach(it, e) {
		size_t keep = path->len;

		if (!it->string || strcmp(it->string, "_errors") == 0)
			continue;
		pb_buf_printf(path, "%s%s", keep ? "." : "", it->string);
		if (first_error(it, depth + 1, path, out))
			return 1;
		pb_buf_truncate(path, keep);
	}
	return 0;
}

/* Whether Discord's answer is {"code": 50027, "message": "Invalid Webhook Token"}. */
static int
invalid_webhook_token(const cJSON *root)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");

	return cJSON_IsNumber(code) && code->valuedouble == 50027;
}

void
pb_discord_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			   const char *scope, struct pb_result *r)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	struct pb_buf words = { 0 }, path = { 0 }, detail = { 0 };
	const cJSON *code, *msg, *ra, *global;
	int is_global = scope && strcasecmp(scope, "global") == 0;
	/* a 429 that is not the API's (no scope, or not its JSON): the address's ban */
	int is_ban = status == 429 && !is_global && (!scope || !*scope || !cJSON_IsObject(root));
	long hdr = retry_after && *retry_after
			   ? pb_http_parse_retry_after(retry_after, (long)time(NULL)) : -1;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (status >= 200 && status < 300) {
		r->verdict = PB_V_SENT;
		goto out;
	}
	if (cJSON_IsObject(root)) {
		code = cJSON_GetObjectItemCaseSensitive(root, "code");
		msg = cJSON_GetObjectItemCaseSensitive(root, "message");
		ra = cJSON_GetObjectItemCaseSensitive(root, "retry_after");
		global = cJSON_GetObjectItemCaseSensitive(root, "global");
		if (cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble < 1e9)
			pb_buf_printf(&words, "%ld ", (long)code->valuedouble);
		pb_buf_puts(&words, cJSON_IsString(msg) ? msg->valuestring : "(no message)");
		if (cJSON_IsTrue(global))
			is_global = 1;
		if (is_global)
			pb_buf_puts(&words, " (global rate limit)");
		else if (is_ban)
			pb_buf_puts(&words, " (a ban of the address)");
		if (first_error(cJSON_GetObjectItemCaseSensitive(root, "errors"), 0, &path, &detail))
			pb_buf_printf(&words, " (%s)", pb_buf_str(&detail));
		/* The JSON value is exact (a float); the header is rounded up to whole seconds. */
		if (status == 429 && cJSON_IsNumber(ra) && ra->valuedouble >= 0) {
			double s = ceil(ra->valuedouble);

			r->retry_after_s = s > 86400 ? 86400 : (long)s;
		}
	} else {
		/* Not Discord's JSON: a proxy, or Cloudflare in front of it. */
		char w[256];

		pb_reason_copy(w, sizeof w, body, len);
		pb_buf_puts(&words, w);
		if (is_global)
			pb_buf_puts(&words, " (global rate limit)");
		else if (is_ban)
			pb_buf_puts(&words, " (a ban of the address)");
	}
	if (status == 429 && hdr > r->retry_after_s)
		r->retry_after_s = hdr > 86400 ? 86400 : hdr;
	/* held with or without a wait named (the loop holds for the message's backoff then) */
	if (status == 429 && (is_global || is_ban))
		snprintf(r->hold, sizeof r->hold, "%s", DISCORD_ALL);
	snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, words.len ? ": " : "",
		 pb_buf_str(&words));
	pb_reason_copy(r->reason, sizeof r->reason, r->reason, strlen(r->reason));
	if (status == 429 || status == 408 || status >= 500 || status == 0) {
		r->verdict = PB_V_TRANSIENT;
	} else {
		/* 400 Invalid Form Body, 401, 403 Missing Access, 404 Unknown Webhook, and anything
		 * else that will not change by itself. */
		r->verdict = PB_V_PERMANENT;
		/* 404: the webhook (or its thread) was deleted; Discord asks that it is not used
		 * again. 401 50027: the token in the URL is not the webhook's (the URL mistyped,
		 * or its webhook made anew); Discord asks that requests stop once a token is
		 * invalid. Either way the URL cannot work again: the destination is suppressed and
		 * costs no more requests. A bare 401 (code 0, or a proxy's) says nothing of the
		 * webhook and is only final. */
		r->suppress = status == 404 || (status == 401 && invalid_webhook_token(root));
	}
out:
	pb_buf_free(&detail);
	pb_buf_free(&path);
	pb_buf_free(&words);
	cJSON_Delete(root);
}

static void
discord_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_discord_classify_answer(status, x->resp.data, x->resp.len, x->retry_after,
				   x->rate_scope, r);
}

/* Per webhook (keyed by a hash of its URL, never the URL) and for all of them. */
static int
discord_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	     int max)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, m->subscriber);

	if (max < 2)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "discord:%016llx",
		 (unsigned long long)pb_fnv1a64_str(sub && sub->discord_webhook
							    ? sub->discord_webhook : m->subscriber));
	p[0].interval_ms = cfg->delivery.discord_interval_ms;
	snprintf(p[1].key, sizeof p[1].key, "%s", DISCORD_ALL);
	p[1].interval_ms = DISCORD_GLOBAL_MS;
	return 2;
}

/* The webhook URL is a secret: the outbox names it "webhook". */
static void
discord_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->sub->discord_webhook && *c->sub->discord_webhook)
		pb_chan_dest(out, "webhook");
}

/* What "webhook" stands for, for the fingerprint of a suppression (pb_channel_dest_fp). */
static const char *
discord_secret(const struct pb_subscriber *sub)
{
	return sub->discord_webhook;
}

const struct pb_channel pb_channel_discord = {
	.name = "discord",
	.title = "Discord webhooks",
	.formats = 1u << PB_FMT_MD,
	.dests = discord_dests,
	.secret = discord_secret,
	.build = discord_build,
	.prepare = discord_prepare,
	.classify = discord_classify,
	.pace = discord_pace,
};
