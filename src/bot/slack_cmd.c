/* Slack through the web endpoint: the slash command (POST /slack/command, a form) and the
 * digests' buttons (POST /slack/actions, a form whose "payload" is JSON), each request's
 * signature checked first; and Telegram's webhook (POST /telegram/webhook). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "paperboy/bot.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/http.h"
#include "paperboy/log.h"

int
pb_slack_verify(const char *secret, const char *ts, const char *sig, const char *body,
		size_t len, int64_t now, char *why, size_t whylen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 4];
	struct pb_buf base = { 0 };
	char *end;
	long long t;
	int rc = -1;

	if (!secret || !*secret) {
		snprintf(why, whylen, "no signing secret");
		return -1;
	}
	if (!ts || !*ts || !sig || !*sig) {
		snprintf(why, whylen, "missing signature or timestamp");
		return -1;
	}
	errno = 0;
	t = strtoll(ts, &end, 10);
	if (errno || *end || end == ts || strlen(ts) > 12) {
		snprintf(why, whylen, "bad timestamp");
		return -1;
	}
	if (t < now - PB_SLACK_WINDOW_S || t > now + PB_SLACK_WINDOW_S) {
		snprintf(why, whylen, "stale timestamp");
		return -1;
	}
	pb_buf_printf(&base, "v0:%s:", ts);
	pb_buf_append(&base, body ? body : "", body ? len : 0);
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)base.data,
		  base.len, mac, &maclen)) {
		snprintf(why, whylen, "HMAC failed");
		goto out;
	}
	memcpy(hex, "v0=", 3);
	for (unsigned int i = 0; i < maclen; i++)
		snprintf(hex + 3 + 2 * i, 3, "%02x", mac[i]);
	if (strlen(sig) != 3 + 2 * (size_t)maclen ||
	    CRYPTO_memcmp(hex, sig, 3 + 2 * (size_t)maclen) != 0) {
		snprintf(why, whylen, "bad signature");
		goto out;
	}
	rc = 0;
out:
	pb_buf_free(&base);
	return rc;
}

/* Whether t is one of Slack's ids (trigger_id, action_ts, user and channel ids): at most
 * 100 bytes of letters, digits, '.', '_' and '-'. */
static int
slack_id(const char *t)
{
	return t && *t && strlen(t) <= 100 &&
	       strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       strlen(t);
}

int
pb_slack_action_parse(const char *json, size_t len, struct pb_slack_action *out)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *ch, *acts, *a, *trig, *url;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(root))
		goto out;
	ch = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "channel"),
					      "id");
	if (!cJSON_IsString(ch))
		ch = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(root, "container"), "channel_id");
	if (!cJSON_IsString(ch) || !*ch->valuestring ||
	    strlen(ch->valuestring) >= sizeof out->channel)
		goto out;
	snprintf(out->channel, sizeof out->channel, "%s", ch->valuestring);
	acts = cJSON_GetObjectItemCaseSensitive(root, "actions");
	if (!cJSON_IsArray(acts))
		goto out;
	cJSON_ArrayForEach(a, acts) {
		const cJSON *aid = cJSON_GetObjectItemCaseSensitive(a, "action_id");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(a, "value");
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(a, "action_ts");

		if (!cJSON_IsString(aid) || !cJSON_IsString(val) || !*val->valuestring ||
		    strlen(val->valuestring) >= sizeof out->id)
			continue;
		if (strcmp(aid->valuestring, "fb+") && strcmp(aid->valuestring, "fb-"))
			continue;
		out->verdict = aid->valuestring[2] == '+' ? 1 : -1;
		snprintf(out->id, sizeof out->id, "%s", val->valuestring);
		/* "1548426417.840180": the press, as Slack's clock had it */
		if (cJSON_IsString(ts) && slack_id(ts->valuestring)) {
			long long t = strtoll(ts->valuestring, NULL, 10);

			out->at = t > 0 && t < 100000000000LL ? (int64_t)t : 0;
			snprintf(out->press, sizeof out->press, "action:%s", ts->valuestring);
		}
		rc = 0;
		break;
	}
	/* the trigger_id names the one press, sent again or not */
	trig = cJSON_GetObjectItemCaseSensitive(root, "trigger_id");
	if (rc == 0 && cJSON_IsString(trig) && slack_id(trig->valuestring))
		snprintf(out->press, sizeof out->press, "trigger:%s", trig->valuestring);
	url = cJSON_GetObjectItemCaseSensitive(root, "response_url");
	if (rc == 0 && cJSON_IsString(url) && strlen(url->valuestring) < sizeof out->response_url)
		snprintf(out->response_url, sizeof out->response_url, "%s", url->valuestring);
out:
	cJSON_Delete(root);
	return rc;
}

/* The length of url's scheme and host ("https://hooks.slack.com"), 0 when it has none of
 * http's or https's. */
static size_t
origin_len(const char *url)
{
	size_t n;

	if (strncmp(url, "https://", 8) == 0)
		n = 8;
	else if (strncmp(url, "http://", 7) == 0)
		n = 7;
	else
		return 0;
	if (!url[n] || strchr("/?#", url[n]))
		return 0;
	return n + strcspn(url + n, "/?#");
}

int
pb_slack_response_url_ok(const char *url, const char *api_url)
{
	static const char slack[] = "https://hooks.slack.com/";
	size_t o = api_url ? origin_len(api_url) : 0;

	if (!url)
		return 0;
	if (strncmp(url, slack, sizeof slack - 1) == 0)
		o = sizeof slack - 2;
	else if (!o || strncmp(url, api_url, o) != 0 || url[o] != '/')
		return 0;
	/* Slack's are /actions/T.../digits/letters: no blank, control byte or quote that a
	 * client would read otherwise */
	return strspn(url + o, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "-._~/%?=&+") == strlen(url + o);
}

/* Slack's answer to one Web API method: 1 yes, 0 no, -1 not said (why filled). */
static int
api_error(const cJSON *r, const char *method, char *why, size_t whylen)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
	const cJSON *need = cJSON_GetObjectItemCaseSensitive(r, "needed");
	struct pb_buf q = { 0 };

	if (cJSON_IsString(e))
		pb_http_quote_reply(&q, e->valuestring, strlen(e->valuestring), 80);
	if (cJSON_IsString(need) && cJSON_IsString(e))
		pb_buf_printf(&q, " (the bot token needs the scope %s)", need->valuestring);
	snprintf(why, whylen, "%s: %s", method, q.data ? q.data : "no answer");
	pb_buf_free(&q);
	return -1;
}

static int
user_says(const char *json, size_t len, char *why, size_t whylen)
{
	cJSON *r = json ? cJSON_ParseWithLength(json, len) : NULL;
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(r, "user");
	int rc;

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) || !cJSON_IsObject(u))
		rc = api_error(r, "users.info", why, whylen);
	else
		/* an admin of another organisation in a shared channel is none of this one */
		rc = (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "is_admin")) ||
		      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "is_owner"))) &&
		     !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "deleted")) &&
		     !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "is_stranger"));
	cJSON_Delete(r);
	return rc;
}

static int
channel_says(const char *json, size_t len, const char *user, char *why, size_t whylen)
{
	cJSON *r = json ? cJSON_ParseWithLength(json, len) : NULL;
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(r, "channel");
	const cJSON *creator = cJSON_GetObjectItemCaseSensitive(c, "creator");
	const cJSON *im_user = cJSON_GetObjectItemCaseSensitive(c, "user");
	int rc;

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) || !cJSON_IsObject(c))
		rc = api_error(r, "conversations.info", why, whylen);
	else
		rc = (cJSON_IsString(creator) && strcmp(creator->valuestring, user) == 0) ||
		     (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "is_im")) &&
		      cJSON_IsString(im_user) && strcmp(im_user->valuestring, user) == 0);
	cJSON_Delete(r);
	return rc;
}

int
pb_slack_member_may_change(const char *user_info, size_t ulen, const char *conv_info,
			   size_t clen, const char *user, char *why, size_t whylen)
{
	char w1[256] = "", w2[256] = "";
	int a, b;

	*why = '\0';
	if (!user || !*user)
		return 0;
	a = user_says(user_info, ulen, w1, sizeof w1);
	b = channel_says(conv_info, clen, user, w2, sizeof w2);
	if (a == 1 || b == 1)
		return 1;
	if (a < 0 || b < 0) {
		snprintf(why, whylen, "%s%s%s", w1, *w1 && *w2 ? "; " : "", w2);
		return -1;
	}
	return 0;
}

/* Asks Slack's Web API method (a form's body) with the bot token; the answer's body, or NULL
 * (why filled) when none came. */
static char *
slack_ask(struct pb_http *h, const struct pb_config *cfg, const char *method, const char *form,
	  char *why, size_t whylen)
{
	struct pb_http_response resp;
	struct pb_buf url = { 0 }, auth = { 0 };
	const char *api = cfg->slack.api_url && *cfg->slack.api_url ? cfg->slack.api_url
								    : "https://slack.com/api";
	size_t al = strlen(api);
	const char *hdrs[2];
	char herr[256];
	char *body = NULL;

	memset(&resp, 0, sizeof resp);
	pb_buf_append(&url, api, al && api[al - 1] == '/' ? al - 1 : al);
	pb_buf_printf(&url, "/%s", method);
	pb_buf_printf(&auth, "Authorization: Bearer %s", cfg->slack.bot_token);
	hdrs[0] = auth.data;
	hdrs[1] = NULL;
	/* within Slack's three seconds for the whole command */
	if (pb_http_post(h, url.data, "application/x-www-form-urlencoded", form, strlen(form),
			 hdrs, 0, 1, &resp, herr, sizeof herr) < 0 && resp.status == 0)
		snprintf(why, whylen, "%s: %s", method, herr);
	else
		body = pb_xstrdup(resp.body.data ? resp.body.data : "");
	pb_http_response_free(&resp);
	OPENSSL_cleanse(auth.data, auth.len);
	pb_buf_free(&auth);
	pb_buf_free(&url);
	return body;
}

/* Whether the command's user may change the channel's subscription (bot.h's may_change):
 * asked of Slack with the bot token, users.info first (a workspace admin or owner), then
 * conversations.info (the channel's creator). */
static int
may_change(const struct pb_config *cfg, const char *channel, const char *user)
{
	struct pb_http_opts o;
	struct pb_http *h;
	struct pb_buf form = { 0 };
	char why[600] = "", w1[300] = "", w2[300] = "";
	char *ui = NULL, *ci = NULL;
	int rc;

	/* without a bot token, Slack's own usage: any member of the channel manages what the
	 * channel receives (the administrator restricts it by giving one) */
	if (!cfg->slack.bot_token || !*cfg->slack.bot_token)
		return 1;
	if (!slack_id(user) || !slack_id(channel))
		return 0;
	memset(&o, 0, sizeof o);
	o.user_agent = cfg->user_agent;
	o.ca_file = cfg->ca_file;
	o.timeout_s = 1;
	o.connect_timeout_s = 1;
	o.max_retries = 0;
	if (!(h = pb_http_new(&o))) {
		pb_warn("slack.member", "channel=%s user=%s error=%s", pb_q(channel), pb_q(user),
			pb_q("cannot make an HTTP client"));
		return -1;
	}
	pb_buf_printf(&form, "user=%s", user);
	ui = slack_ask(h, cfg, "users.info", form.data, w1, sizeof w1);
	if (pb_slack_member_may_change(ui, ui ? strlen(ui) : 0, NULL, 0, user, why,
				       sizeof why) != 1) {
		pb_buf_reset(&form);
		pb_buf_printf(&form, "channel=%s", channel);
		ci = slack_ask(h, cfg, "conversations.info", form.data, w2, sizeof w2);
	}
	rc = pb_slack_member_may_change(ui, ui ? strlen(ui) : 0, ci, ci ? strlen(ci) : 0, user,
					why, sizeof why);
	if (rc < 0)
		/* a missing scope is the administrator's to add: said in the log */
		pb_warn("slack.member", "channel=%s user=%s error=%s%s%s%s%s", pb_q(channel),
			pb_q(user), pb_q(why), *w1 ? " users_info=" : "", *w1 ? pb_q(w1) : "",
			*w2 ? " conversations_info=" : "", *w2 ? pb_q(w2) : "");
	else
		pb_debug("slack.member", "channel=%s user=%s may_change=%d", pb_q(channel),
			 pb_q(user), rc);
	free(ci);
	free(ui);
	pb_buf_free(&form);
	pb_http_free(h);
	return rc;
}

static void
plain(struct pb_web_resp *resp, int status, const char *text)
{
	resp->status = status;
	resp->type = "text/plain; charset=utf-8";
	pb_buf_reset(&resp->body);
	pb_buf_puts(&resp->body, text);
	pb_buf_puts(&resp->body, "\n");
}

/* The answer as Slack's ephemeral message (JSON, the caller frees it with cJSON_free); for a
 * response_url, one that leaves the digest's message as it is. */
static char *
ephemeral_json(const struct pb_bot_answer *a, int for_url)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_buf text = { 0 };
	char *s;

	pb_bot_answer_slack(a, &text);
	cJSON_AddStringToObject(o, "response_type", "ephemeral");
	cJSON_AddStringToObject(o, "text", text.data ? text.data : "");
	if (for_url)
		cJSON_AddFalseToObject(o, "replace_original");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pb_buf_free(&text);
	return s;
}

static void
ephemeral(struct pb_web_resp *resp, const struct pb_bot_answer *a)
{
	char *s = ephemeral_json(a, 0);

	resp->status = 200;
	resp->type = "application/json";
	pb_buf_reset(&resp->body);
	pb_buf_puts(&resp->body, s);
	cJSON_free(s);
}

/* A response_url takes five messages within 30 minutes of the press ("Handling user
 * interaction in your Slack apps"): a post Slack did not take (5xx, 429, no answer) is made
 * again within them, after 1, 2, 4, 8 s or Slack's Retry-After; a minute of the 30 is kept
 * for the press's way here. */
#define REPLY_TRIES 5
#define REPLY_WINDOW_MS (29 * 60 * 1000L)
#define REPLY_TIMEOUT_MS 2000L
#define REPLY_BACKOFF_MS 1000L

/* A press's answer on its way to the payload's response_url, once Slack has its
 * acknowledgment: what the request needs, copied (the context may load another
 * configuration meanwhile). */
struct reply {
	char *url, *json, *user_agent, *ca_file;
	char origin[128];        /* url's scheme and host: what the log shows of it */
	char channel[80];
	int tries;               /* posts made */
	int64_t until_ms;        /* pb_mono_ms past which the URL is no longer asked */
};

static void
reply_free(struct reply *r)
{
	if (!r)
		return;
	/* the URL answers for the reader for half an hour */
	if (r->url)
		OPENSSL_cleanse(r->url, strlen(r->url));
	free(r->url);
	cJSON_free(r->json);
	free(r->user_agent);
	free(r->ca_file);
	free(r);
}

/* Keeps the start of Slack's answer to a post, for the log. */
static size_t
reply_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pb_buf *b = arg;
	size_t n = size * nmemb;

	if (b->len < 512)
		pb_buf_append(b, data, n < 512 - b->len ? n : 512 - b->len);
	return n;
}

/* Keeps Slack's Retry-After (a 429's), for the wait before the next post. */
static size_t
reply_header(char *data, size_t size, size_t nmemb, void *arg)
{
	size_t n = size * nmemb;

	pb_http_header_value(data, n, "Retry-After", arg, 32);
	return n;
}

/* Posts the answer (pb_web_resp.after, on the web server's thread for such work): within two
 * seconds, never redirected; made again as REPLY_TRIES says, never after a 4xx other than 429
 * (Slack's "expired_url", "used_url" stay so). libcurl directly, not pb_http, whose log lines
 * show the URL: its path is the reader's secret, and a failure is logged with its host
 * alone. A post that timed out may have reached Slack: the reader may then read the answer
 * twice, rather than never. */
static int64_t
reply_send(void *arg, const struct pb_web_after *how)
{
	struct reply *r = arg;
	struct pb_http_opts o;
	struct curl_slist *hdrs = NULL;
	struct pb_buf ans = { 0 }, q = { 0 };
	char err[CURL_ERROR_SIZE] = "", ra[32] = "";
	long status = 0, timeout_ms = REPLY_TIMEOUT_MS, wait_ms = 0, asked;
	CURL *e = NULL;
	CURLcode cc = CURLE_FAILED_INIT;

	if (how->dropped) {
		snprintf(err, sizeof err, "not sent: %s", how->dropped);
		pb_warn("slack.response_url", "channel=%s host=%s error=%s tries=%d",
			pb_q(r->channel), pb_q(r->origin), pb_q(err), r->tries);
		reply_free(r);
		return 0;
	}
	/* the server stopping gives the post what it has left */
	if (how->within_ms > 0 && how->within_ms < timeout_ms)
		timeout_ms = (long)how->within_ms;
	memset(&o, 0, sizeof o);
	o.user_agent = r->user_agent ? r->user_agent : "paperboy";
	o.ca_file = r->ca_file;
	o.timeout_s = 2;
	o.connect_timeout_s = 1;
	r->tries++;
	if (pb_http_global_init() == 0 && (e = curl_easy_init())) {
		pb_http_setup_easy(e, &o);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 1000 ? timeout_ms : 1000L);
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(e, CURLOPT_URL, r->url);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->json);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->json));
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, reply_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &ans);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, reply_header);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, ra);
		if ((cc = curl_easy_perform(e)) == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	}
	if (status >= 200 && status < 300) {
		pb_debug("slack.response_url", "channel=%s host=%s status=%ld tries=%d",
			 pb_q(r->channel), pb_q(r->origin), status, r->tries);
	} else {
		/* Slack says why in its body ("expired_url", "used_url") */
		if (status && ans.len)
			pb_http_quote_reply(&q, ans.data, ans.len, 80);
		else if (status)
			pb_buf_puts(&q, pb_q("an empty answer"));
		else
			pb_buf_puts(&q, pb_q(*err ? err : curl_easy_strerror(cc)));
		if (status == 0 || status == 429 || status >= 500) {
			asked = *ra ? pb_http_parse_retry_after(ra, (long)time(NULL)) : -1;
			/* a wait past the URL's half hour (or a Retry-After of hours) ends it */
			wait_ms = asked > 3600 ? REPLY_WINDOW_MS + 1
				: asked > 0    ? asked * 1000
					       : REPLY_BACKOFF_MS << (r->tries - 1);
			if (r->tries >= REPLY_TRIES || pb_mono_ms() + wait_ms > r->until_ms)
				wait_ms = 0;
		}
		if (wait_ms)
			pb_info("slack.response_url", "channel=%s host=%s status=%ld error=%s "
				"tries=%d again_in_ms=%ld", pb_q(r->channel), pb_q(r->origin), status,
				q.data, r->tries, wait_ms);
		else
			pb_warn("slack.response_url", "channel=%s host=%s status=%ld error=%s "
				"tries=%d", pb_q(r->channel), pb_q(r->origin), status, q.data,
				r->tries);
	}
	pb_buf_free(&q);
	pb_buf_free(&ans);
	curl_slist_free_all(hdrs);
	if (e)
		curl_easy_cleanup(e);
	if (!wait_ms)
		reply_free(r);
	return wait_ms;
}

/* 0 when the request is Slack's, else resp filled (404 not configured, 401 refused). */
static int
check(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	char why[128];

	if (!ctx->cfg->slack.signing_secret) {
		plain(resp, 404, "Slack is not configured here.");
		return -1;
	}
	if (pb_slack_verify(ctx->cfg->slack.signing_secret,
			    req->header(req, "X-Slack-Request-Timestamp"),
			    req->header(req, "X-Slack-Signature"), req->body, req->body_len,
			    pb_now(), why, sizeof why) < 0) {
		pb_info("slack.refused", "remote=%s reason=%s", pb_q(req->remote), pb_q(why));
		plain(resp, 401, "The request's signature does not check.");
		return -1;
	}
	return 0;
}

/* Appends Slack's text as the user typed it: Slack escapes "&", "<" and ">" in what it sends
 * an app (&amp; &lt; &gt;, its control characters), and nothing else. */
static void
slack_unescape(struct pb_buf *out, const char *t)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
	};

	while (*t) {
		size_t k = 0;

		if (*t == '&')
			for (; k < sizeof ents / sizeof ents[0]; k++)
				if (strncmp(t, ents[k].ent, strlen(ents[k].ent)) == 0)
					break;
		if (*t == '&' && k < sizeof ents / sizeof ents[0]) {
			pb_buf_append(out, &ents[k].c, 1);
			t += strlen(ents[k].ent);
		} else {
			pb_buf_append(out, t++, 1);
		}
	}
}

/* Whether the request is Slack's check of the command URL's certificate: ssl_check=1 in a
 * POST's form (with the app's verification token, unsigned) or, as Slack once sent it, in a
 * GET's query. Slack asks for 200 and nothing else. */
static int
ssl_check(const struct pb_web_req *req)
{
	const char *v = pb_form_get(&req->form, "ssl_check");

	if (!v)
		v = pb_form_get(&req->query, "ssl_check");
	return v && strcmp(v, "1") == 0;
}

/* The stamp a command's change is committed with (pb_bot_chat's once_key), so that a request
 * seen again changes nothing twice: a signature holds for its timestamp's five minutes, and
 * within them a request caught on its way (a proxy's log) checks again as Slack's. Keyed by
 * the command's trigger_id, Slack's id of the one invocation (the same in a request Slack
 * would send again with a new timestamp), else by the signature. */
static void
once_key(const struct pb_web_req *req, char *out, size_t n)
{
	const char *t = pb_form_get(&req->form, "trigger_id");

	if (slack_id(t))
		snprintf(out, n, "slack.trigger:%s", t);
	else
		snprintf(out, n, "slack.request:%s", req->header(req, "X-Slack-Signature"));
}

void
pb_bot_slack_command(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		     struct pb_web_resp *resp)
{
	struct pb_bot_chat chat = { .service = "slack", .may_change = 0 };
	struct pb_bot_answer a;
	struct pb_buf text = { 0 };
	const char *t, *ch, *arg;
	char once[128], word[PB_BOT_WORD_MAX];

	/* answered before the signature: it changes nothing, and is not always signed */
	if (ctx->cfg->slack.signing_secret && ssl_check(req)) {
		pb_info("slack.ssl_check", "remote=%s", pb_q(req->remote));
		plain(resp, 200, "");
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		plain(resp, 405, "This address takes Slack's POST requests.");
		pb_buf_puts(&resp->headers, "Allow: POST\r\n");
		return;
	}
	if (check(ctx, req, resp) < 0)
		return;
	t = pb_form_get(&req->form, "text");
	ch = pb_form_get(&req->form, "channel_id");
	if (!ch || !*ch || strlen(ch) > 64) {
		plain(resp, 400, "No channel_id.");
		return;
	}
	chat.chat = ch;
	once_key(req, once, sizeof once);
	chat.once_key = once;
	/* "/paperboy add x" arrives as text "add x": the shared commands read "/add x" */
	pb_buf_puts(&text, "/");
	slack_unescape(&text, t ? t + strspn(t, " \t/") : "");
	/* Slack is asked only for a command that may change something, within its three
	 * seconds: a channel's member reads, its creator and the workspace's admins change */
	if (pb_bot_parse_command(text.data, word, &arg) == 0 && pb_bot_known(word) &&
	    strcmp(word, "topics") != 0 && strcmp(word, "preview") != 0 &&
	    strcmp(word, "help") != 0)
		chat.may_change = may_change(ctx->cfg, ch, pb_form_get(&req->form, "user_id"));
	pb_bot_command(ctx->config_path, ctx->st, &chat, text.data, pb_now(), &a);
	ephemeral(resp, &a);
	pb_bot_answer_free(&a);
	pb_buf_free(&text);
}

void
pb_bot_slack_actions(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		     struct pb_web_resp *resp)
{
	struct pb_bot_chat chat = { .service = "slack", .may_change = 1 };
	struct pb_bot_answer a;
	struct pb_slack_action act;
	const char *payload;
	char once[160];

	if (check(ctx, req, resp) < 0)
		return;
	payload = pb_form_get(&req->form, "payload");
	if (!payload || pb_slack_action_parse(payload, strlen(payload), &act) < 0) {
		plain(resp, 400, "Not a paperboy button.");
		return;
	}
	chat.chat = act.channel;
	/* a press seen again (its trigger_id; else the request's signature, good for its
	 * timestamp's five minutes) records nothing twice */
	if (*act.press)
		snprintf(once, sizeof once, "slack.press:%s", act.press);
	else
		snprintf(once, sizeof once, "slack.request:%s",
			 req->header(req, "X-Slack-Signature"));
	chat.once_key = once;
	pb_bot_feedback(ctx->config_path, ctx->st, &chat, act.id, act.verdict, act.at, &a);
	/* Slack reads a press's HTTP answer as its acknowledgment only: what the reader is told
	 * goes to the payload's response_url, after the 200 has gone (Slack waits three
	 * seconds for that, and the post may take two) */
	if (*act.response_url &&
	    pb_slack_response_url_ok(act.response_url, ctx->cfg->slack.api_url)) {
		struct reply *r = pb_xcalloc(1, sizeof *r);

		r->url = pb_xstrdup(act.response_url);
		r->json = ephemeral_json(&a, 1);
		r->user_agent = pb_xstrdup(ctx->cfg->user_agent);
		r->ca_file = pb_xstrdup(ctx->cfg->ca_file);
		snprintf(r->origin, sizeof r->origin, "%.*s", (int)origin_len(r->url), r->url);
		snprintf(r->channel, sizeof r->channel, "%s", act.channel);
		r->until_ms = pb_mono_ms() + REPLY_WINDOW_MS;
		resp->status = 200;
		resp->type = "text/plain; charset=utf-8";
		pb_buf_reset(&resp->body);
		resp->after = reply_send;
		resp->after_arg = r;
	} else {
		char host[128];

		/* without a response_url, or with another host's (never asked), the answer
		 * stays in the acknowledgment, as it was */
		snprintf(host, sizeof host, "%.*s", (int)origin_len(act.response_url),
			 act.response_url);
		if (*act.response_url)
			pb_warn("slack.response_url", "channel=%s host=%s error=%s",
				pb_q(act.channel), pb_q(host), pb_q("not Slack's host, not asked"));
		ephemeral(resp, &a);
	}
	pb_bot_answer_free(&a);
}

void
pb_bot_telegram_webhook(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			struct pb_web_resp *resp)
{
	const char *want = ctx->cfg->telegram.webhook_secret;
	const char *got = req->header(req, "X-Telegram-Bot-Api-Secret-Token");
	struct pb_tg_update u;
	struct pb_tgbot *b;
	char err[256];

	if (!want || !*want || !ctx->cfg->telegram.commands) {
		plain(resp, 404, "The Telegram webhook is not configured here.");
		return;
	}
	if (!got || strlen(got) != strlen(want) || CRYPTO_memcmp(got, want, strlen(want)) != 0) {
		pb_info("telegram.refused", "remote=%s reason=%s", pb_q(req->remote),
			got ? "bad secret token" : "no secret token");
		plain(resp, 401, "The secret token does not match.");
		return;
	}
	if (pb_tg_update_parse(req->body, req->body_len, &u, err, sizeof err) < 0) {
		plain(resp, 400, "Not a Telegram update.");
		return;
	}
	if (!(b = pb_tgbot_new(ctx->cfg, ctx->config_path, NULL, err, sizeof err))) {
		pb_err("telegram.webhook", "error=%s", pb_q(err));
		plain(resp, 503, "The bot is not configured.");
	} else if (pb_tgbot_handle(b, ctx->st, &u, NULL) < 0) {
		/* not committed: Telegram sends the update again */
		plain(resp, 503, "Try again later.");
	} else {
		/* an answer refused by Telegram's flood control (429) is sent again here, the
		 * handle living for this update only; a short wait holds only this worker, and
		 * one worker at a time (Telegram posts up to 40 updates at once when it floods:
		 * the others' answers are given up at once, not the sign-up and manage pages) */
		static atomic_int waiting;
		int alone = atomic_fetch_add(&waiting, 1) == 0;

		pb_tgbot_flush(b, alone ? PB_TG_WEBHOOK_WAIT_S : 0);
		atomic_fetch_sub(&waiting, 1);
		resp->status = 200;
		resp->type = "application/json";
		pb_buf_reset(&resp->body);
		pb_buf_puts(&resp->body, "{}");
	}
	pb_tgbot_free(b);
	pb_tg_update_clear(&u);
}
