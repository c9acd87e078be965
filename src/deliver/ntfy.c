/* The ntfy channel: a push notification to a topic, published as JSON to the server's root URL
 * (ntfy's "publish as JSON"): {"topic", "message": Markdown of at most 4,096 bytes (a longer one
 * would become an attachment), "markdown": true, "title": the digest's title, "click": the
 * first arXiv link of the message, "priority": ntfy.priority, "tags": ["newspaper"]}, the whole
 * body at most 8,192 bytes (ntfy reads a JSON body of twice its message limit and answers a
 * longer one 413 "JSON body too large"). The whole
 * request is the outbox payload: a retry sends it as it was, `preview` prints it, and a title
 * in any script needs no header encoding. With ntfy.token, "Authorization: Bearer".
 * ntfy answers 200 with the message as JSON; errors are {"code": 42901, "http": 429,
 * "error": "limit reached: too many requests", "link": ...}: 429 (and 5xx) are retried,
 * Retry-After honoured when given; 400, 401, 403, 404 and 413 are final, and ntfy's 403 40301
 * "forbidden" suppresses the topic: ntfy answers it when the server's access control denies
 * this publisher (anonymous, or ntfy.token's user) writing to the topic (a topic reserved by
 * another account on ntfy.sh, a server with auth-default-access deny-all), which no retry and
 * no later day changes. ntfy.sh lets a visitor
 * fire 60 requests, then one every 5 s: one message per delivery.ntfy_interval_ms (5 s) per
 * server, which never runs the bucket dry (a server of one's own may allow more). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "channel.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"

#define NTFY_MAX_MESSAGE 4096      /* bytes */
#define NTFY_MAX_BODY 8192         /* bytes of the JSON request */
#define NTFY_DEFAULT_URL "https://ntfy.sh"

static const char *
base_url(const struct pb_config *cfg)
{
	return cfg->ntfy.base_url && *cfg->ntfy.base_url ? cfg->ntfy.base_url : NTFY_DEFAULT_URL;
}

/* The first arXiv link of s ("](https://arxiv.org/abs/2411.12345v1)"), malloc'd, or NULL.
 * Only the renderer's own "](" opens a link's target: paper text has its ] escaped ("\]("),
 * and a title holding "](https://arxiv.org/abs/..." would send the tap where it says. */
static char *
first_arxiv_link(const char *s)
{
	const char *p, *e;

	for (p = s; p && (p = strstr(p, "](https://arxiv.org/abs/")) != NULL; p++) {
		const char *b = p;

		while (b > s && b[-1] == '\\')
			b--;
		if ((p - b) % 2 == 0)
			break;
	}
	if (!p)
		return NULL;
	p += 2;
	e = strchr(p, ')');
	return e ? pb_xstrndup(p, (size_t)(e - p)) : NULL;
}

/* The requests for the pieces of md cut at limit bytes each, appended to out. Returns 1 when
 * one of them is longer than ntfy reads, 0 when all fit, -1 when cJSON cannot write one. */
static int
ntfy_requests(const struct pb_chan_ctx *c, const char *dest, const struct pb_buf *md,
	      size_t limit, struct pb_parts *out)
{
	struct pb_buf title = { 0 };
	struct pb_parts pieces = { 0 };
	char *fallback = NULL;
	int rc = 0;

	pb_md_split(pb_buf_str(md), md->len, limit, 1, &pieces);
	fallback = first_arxiv_link(pb_buf_str(md));
	for (size_t i = 0; i < pieces.n; i++) {
		cJSON *o = cJSON_CreateObject(), *tags;
		char *click = first_arxiv_link(pieces.v[i]), *json;

		pb_buf_reset(&title);
		pb_buf_puts(&title, c->d && c->d->title ? c->d->title : "arXiv digest");
		if (pieces.n > 1)
			pb_buf_printf(&title, " (%zu/%zu)", i + 1, pieces.n);
		cJSON_AddStringToObject(o, "topic", dest);
		cJSON_AddStringToObject(o, "title", pb_buf_str(&title));
		cJSON_AddStringToObject(o, "message", pieces.v[i]);
		cJSON_AddTrueToObject(o, "markdown");
		cJSON_AddNumberToObject(o, "priority", c->cfg->ntfy.priority);
		tags = cJSON_AddArrayToObject(o, "tags");
		cJSON_AddItemToArray(tags, cJSON_CreateString("newspaper"));
		if (click || fallback)
			cJSON_AddStringToObject(o, "click", click ? click : fallback);
		free(click);
		json = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!json) {
			rc = -1;
			break;
		}
		if (strlen(json) > NTFY_MAX_BODY)
			rc = 1;
		pb_parts_push(out, pb_xstrdup(json));
		cJSON_free(json);
	}
	free(fallback);
	pb_parts_free(&pieces);
	pb_buf_free(&title);
	return rc;
}

static int
ntfy_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	   struct pb_parts *out, char *err, size_t errlen)
{
	struct pb_buf md = { 0 }, chat = { 0 };
	int rc = -1, fit;

	(void)msg_id;
	if (!c->out || c->out[PB_FMT_MD].n == 0) {
		snprintf(err, errlen, "ntfy: nothing rendered");
		goto out;
	}
	pb_chat_md(c->out[PB_FMT_MD].v[0], &chat);
	/* ntfy's web app reads GFM: ~~ would strike paper text out */
	pb_chat_md_tildes(pb_buf_str(&chat), &md);
	/* A message JSON writes longer (quotes and backslashes take two bytes there) is cut
	 * smaller, down to a quarter, which fits whatever it holds. */
	for (size_t limit = NTFY_MAX_MESSAGE;; limit = limit * 3 / 4) {
		fit = ntfy_requests(c, dest, &md, limit, out);
		if (fit <= 0 || limit <= NTFY_MAX_MESSAGE / 4)
			break;
		pb_parts_free(out);
	}
	if (fit < 0) {
		snprintf(err, errlen, "ntfy: cannot write the request");
		goto out;
	}
	if (fit > 0) {
		snprintf(err, errlen, "ntfy: a message does not fit in %d bytes", NTFY_MAX_BODY);
		goto out;
	}
	rc = out->n ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "ntfy: empty digest");
out:
	pb_buf_free(&chat);
	pb_buf_free(&md);
	return rc;
}

static int
ntfy_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const char *u = base_url(x->cfg);
	size_t ul = strlen(u);

	if (!x->msg->dest || !*x->msg->dest) {
		snprintf(err, errlen, "no ntfy topic");
		return -1;
	}
	/* Published as JSON to the root URL: the topic is in the body. */
	pb_buf_append(&x->url, u, ul && u[ul - 1] == '/' ? ul - 1 : ul);
	pb_buf_putc(&x->url, '/');
	if (x->cfg->ntfy.token && *x->cfg->ntfy.token) {
		pb_buf_printf(&x->body, "Authorization: Bearer %s", x->cfg->ntfy.token);
		x->list = curl_slist_append(x->list, pb_buf_str(&x->body));
		/* the token leaves no copy behind in the buffer */
		memset(x->body.data, 0, x->body.cap);
		pb_buf_reset(&x->body);
	}
	pb_xfer_json(x, NULL);
	return 0;
}

void
pb_ntfy_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			struct pb_result *r)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
	char words[256] = "";
	long n;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (status >= 200 && status < 300) {
		r->verdict = PB_V_SENT;
		goto out;
	}
	if (cJSON_IsString(error))
		snprintf(words, sizeof words, "%ld %s",
			 cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble < 1e9
				 ? (long)code->valuedouble : status, error->valuestring);
	else
		pb_reason_copy(words, sizeof words, body, len);
	snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *words ? ": " : "", words);
	pb_reason_copy(r->reason, sizeof r->reason, r->reason, strlen(r->reason));
	if (status == 429 || status == 408 || status >= 500 || status == 0) {
		r->verdict = PB_V_TRANSIENT;
		n = retry_after && *retry_after
			    ? pb_http_parse_retry_after(retry_after, (long)time(NULL)) : -1;
		r->retry_after_s = n < 0 ? -1 : n > 86400 ? 86400 : n;
	} else {
		/* 400 invalid request, 401 (the token is wrong), 403 (the topic is not ours to
		 * write), 404, 413 too large: none of them changes by itself. */
		r->verdict = PB_V_PERMANENT;
		/* 403 40301: the server's access control refuses this publisher the topic
		 * (reserved by another account, or anonymous writing denied): every later
		 * message would be refused alike, until someone grants access or sets
		 * ntfy.token. The topic is suppressed and costs no more requests. A 401 is about
		 * the token, the same for every topic, and a 403 without ntfy's code (a proxy's
		 * page) says nothing of the topic: both are only final. */
		r->suppress = status == 403 && cJSON_IsNumber(code) && code->valuedouble == 40301;
	}
out:
	cJSON_Delete(root);
}

static void
ntfy_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_ntfy_classify_answer(status, x->resp.data, x->resp.len, x->retry_after, r);
}

/* ntfy limits requests per visitor on each server, whatever the topic. */
static int
ntfy_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p,
	  int max)
{
	(void)m;
	if (max < 1)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "ntfy:%016llx",
		 (unsigned long long)pb_fnv1a64_str(base_url(cfg)));
	p[0].interval_ms = cfg->delivery.ntfy_interval_ms;
	return 1;
}

static void
ntfy_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	pb_chan_dest(out, c->sub->ntfy_topic);
}

const struct pb_channel pb_channel_ntfy = {
	.name = "ntfy",
	.title = "ntfy topics",
	.formats = 1u << PB_FMT_MD,
	.dests = ntfy_dests,
	.build = ntfy_build,
	.prepare = ntfy_prepare,
	.classify = ntfy_classify,
	.pace = ntfy_pace,
};
