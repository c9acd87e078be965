/* The Matrix channel: m.room.message events sent with the client-server API,
 * PUT {homeserver}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}, the access
 * token as a Bearer header. Each event carries the digest as HTML (format
 * org.matrix.custom.html: the Telegram renderer's b, i, a href, code, pre and blockquote, its
 * newlines as <br>) and as plain text in body, "m.mentions": {} so no paper text can notify
 * the room (@room) or a member (a display name); msgtype m.notice by default (what bots send:
 * other bots never answer it, clients do not notify it) or m.text.
 *
 * The transaction id is a hash of the outbox message id: a message resent after a crash, a
 * cut-off or a lost answer reuses it, and the homeserver answers with the event it already
 * has instead of storing a second one (Synapse keeps transaction ids for a day, the default
 * delivery.lifetime_hours).
 *
 * Events stay far below the 65,536-byte event limit: at most MX_HTML_MAX bytes of HTML each,
 * the plain body cut from the same piece. Answers: 200 {"event_id"} sent; 429 or
 * M_LIMIT_EXCEEDED after retry_after_ms (or Retry-After), in every room: the limit is the
 * account's (Synapse's rc_message counts the events a user sends, whatever the room: 10 at
 * once, then one per 5 s by default), so an event to another room meanwhile would be one more
 * 429 and one more of its attempts spent, and a room far down the line would give up; 403
 * (not in the room, banned, no power to post, terms not accepted) pauses the room until a
 * person acts, as a blocked Telegram bot does; 401 M_UNKNOWN_TOKEN / M_MISSING_TOKEN, 400
 * M_BAD_JSON / M_NOT_JSON / M_UNKNOWN, 404 M_NOT_FOUND / M_UNRECOGNIZED, 413 M_TOO_LARGE are
 * final; 5xx is retried.
 * Pacing: one event per delivery.matrix_room_interval_ms per room, and one per
 * delivery.matrix_interval_ms on the homeserver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/evp.h>

#include "channel.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"

/* HTML per event, as JSON: a quarter of the event limit, so the plain body and the
 * homeserver's own fields (sender, room, hashes, signatures, unsigned) always fit. */
#define MX_HTML_MAX 16384
/* What an event's content may take here: HTML and body (each at most MX_HTML_MAX as JSON),
 * with room to spare below the 65,536 bytes of a whole event. */
#define MX_CONTENT_MAX 40960
#define MX_ALL "mx:*"   /* the pacing key of every event to the homeserver */

/* ---- the transaction id ---- */

void
pb_matrix_txn_id(const char *msg_id, char out[PB_MATRIX_TXN_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	memcpy(out, "pb", 2);
	if (!EVP_Digest(msg_id ? msg_id : "", msg_id ? strlen(msg_id) : 0, md, &n, EVP_sha256(),
			NULL) || n < 16) {
		/* Cannot happen with libcrypto's own SHA-256; stay stable all the same. */
		uint64_t h = pb_fnv1a64_str(msg_id);
		memset(md, 0, 16);
		memcpy(md, &h, sizeof h);
	}
	for (int i = 0; i < 16; i++) {
		out[2 + 2 * i] = hex[md[i] >> 4];
		out[3 + 2 * i] = hex[md[i] & 15];
	}
	out[34] = '\0';
}

/* ---- payloads ---- */

/* The entity at s[0..n): its length, and the character it stands for in *c (0 when it is
 * none this code writes: then '&' is taken alone). */
static size_t
entity(const char *s, size_t n, char *c)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
		{ "&#39;", '\'' },
	};

	for (size_t i = 0; i < sizeof ents / sizeof ents[0]; i++) {
		size_t l = strlen(ents[i].e);
		if (n >= l && memcmp(s, ents[i].e, l) == 0) {
			*c = ents[i].c;
			return l;
		}
	}
	*c = 0;
	return 1;
}

/* Appends the escaped text s[0..n) unescaped. */
static void
unescape(struct pb_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		char c;
		size_t l = s[i] == '&' ? entity(s + i, n - i, &c) : 0;

		if (l) {
			pb_buf_putc(b, c ? c : '&');
			i += l;
		} else {
			pb_buf_putc(b, s[i++]);
		}
	}
}

/* The value of href="..." in the tag s[0..n), still escaped; an empty span when none. */
static void
tag_href(const char *s, size_t n, const char **v, size_t *vn)
{
	*v = "";
	*vn = 0;
	for (size_t i = 0; i + 6 <= n; i++)
		if (memcmp(s + i, "href=\"", 6) == 0) {
			const char *end = memchr(s + i + 6, '"', n - i - 6);

			*v = s + i + 6;
			*vn = end ? (size_t)(end - *v) : 0;
			return;
		}
}

static int
tag_is(const char *s, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n > l && memcmp(s, name, l) == 0 && (s[l] == ' ' || s[l] == '>');
}

void
pb_matrix_from_telegram(const char *s, size_t n, struct pb_buf *html, struct pb_buf *plain)
{
	struct pb_buf link = { 0 };
	size_t text_at = 0;
	int pre = 0, in_a = 0;

	for (size_t i = 0; i < n;) {
		if (s[i] == '<') {
			const char *gt = memchr(s + i, '>', n - i), *v;
			size_t e = gt ? (size_t)(gt - s) : n - 1, tn = e + 1 - i, vn;

			/* The renderer's tags are ones Matrix clients accept: copied as they are. */
			pb_buf_append(html, s + i, tn);
			if (tag_is(s + i, tn, "<pre")) {
				pre = 1;
			} else if (tag_is(s + i, tn, "</pre")) {
				pre = 0;
			} else if (tag_is(s + i, tn, "<a")) {
				tag_href(s + i, tn, &v, &vn);
				pb_buf_reset(&link);
				unescape(&link, v, vn);
				in_a = 1;
				text_at = plain->len;
			} else if (tag_is(s + i, tn, "</a") && in_a) {
				/* The plain body says where a link goes, unless its text does. */
				if (link.len && (plain->len - text_at != link.len ||
						 memcmp(plain->data + text_at, link.data, link.len)))
					pb_buf_printf(plain, " (%s)", pb_buf_str(&link));
				in_a = 0;
			}
			i = e + 1;
		} else if (s[i] == '&') {
			char c;
			size_t l = entity(s + i, n - i, &c);

			if (c)
				pb_buf_append(html, s + i, l);
			else
				pb_buf_puts(html, "&amp;");
			pb_buf_putc(plain, c ? c : '&');
			i += l;
		} else if (s[i] == '\n') {
			pb_buf_puts(html, pre ? "\n" : "<br>");
			pb_buf_putc(plain, '\n');
			i++;
		} else {
			size_t k = i;

			while (k < n && s[k] != '<' && s[k] != '&' && s[k] != '\n')
				k++;
			pb_buf_append(html, s + i, k - i);
			pb_buf_append(plain, s + i, k - i);
			i = k;
		}
	}
	pb_buf_free(&link);
}

/* The bytes Telegram text takes in an event's formatted_body once converted (newlines become
 * <br>) and written as JSON (a quote or backslash escaped, a tab as \t). The plain body
 * takes fewer: it drops the tags, and a link's URL once is less than its tag. */
static size_t
html_bytes(const char *s, size_t n)
{
	size_t b = n;

	for (size_t i = 0; i < n; i++)
		b += s[i] == '\n' ? 3 : s[i] == '"' || s[i] == '\\' || s[i] == '\t' ? 1
				    : (unsigned char)s[i] < 0x20 ? 5 : 0;
	return b;
}

/* Cuts Telegram HTML into pieces whose converted HTML is at most MX_HTML_MAX bytes: whole
 * when it fits, else split at ever smaller visible lengths. Appends them to out. */
static void
cut(const char *s, size_t n, struct pb_parts *out)
{
	struct pb_parts p = { 0 };

	if (html_bytes(s, n) <= MX_HTML_MAX) {
		pb_parts_push(out, pb_xstrndup(s, n));
		return;
	}
	for (size_t limit = PB_TELEGRAM_MAX_TEXT; ; limit /= 2) {
		int fits = 1;

		pb_parts_free(&p);
		pb_telegram_split(s, n, limit, &p);
		for (size_t i = 0; i < p.n; i++)
			fits = fits && html_bytes(p.v[i], strlen(p.v[i])) <= MX_HTML_MAX;
		/* 512 visible units cannot pass the cap: an entity is at most 6 bytes, a tag
		 * around each unit at most a few dozen. */
		if (fits || limit <= 512)
			break;
	}
	for (size_t i = 0; i < p.n; i++) {
		pb_parts_push(out, p.v[i]);
		p.v[i] = NULL;
	}
	pb_parts_free(&p);
}

int
pb_matrix_payloads(const struct pb_parts *telegram, const char *msgtype, struct pb_parts *out,
		   char *err, size_t errlen)
{
	struct pb_parts pieces = { 0 };
	struct pb_buf cur = { 0 }, html = { 0 }, plain = { 0 };
	int rc = -1;

	for (size_t i = 0; telegram && i < telegram->n; i++) {
		cJSON *m = cJSON_Parse(telegram->v[i]);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "text");

		if (!cJSON_IsString(t)) {
			cJSON_Delete(m);
			snprintf(err, errlen, "matrix: rendered message %zu has no text", i + 1);
			goto out;
		}
		cut(t->valuestring, strlen(t->valuestring), &pieces);
		cJSON_Delete(m);
	}
	/* Telegram's messages (4,096 visible units each) packed into as few events as fit. */
	for (size_t i = 0; i <= pieces.n; i++) {
		const char *p = i < pieces.n ? pieces.v[i] : NULL;
		cJSON *ev;
		char *js;

		if (p && (cur.len == 0 || html_bytes(cur.data, cur.len) + 2 * 4 +
					  html_bytes(p, strlen(p)) <= MX_HTML_MAX)) {
			if (cur.len)
				pb_buf_puts(&cur, "\n\n");
			pb_buf_puts(&cur, p);
			continue;
		}
		if (cur.len == 0)
			break;
		pb_buf_reset(&html);
		pb_buf_reset(&plain);
		pb_matrix_from_telegram(cur.data, cur.len, &html, &plain);
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "msgtype", msgtype && *msgtype ? msgtype : "m.notice");
		cJSON_AddStringToObject(ev, "body", pb_buf_str(&plain));
		cJSON_AddStringToObject(ev, "format", "org.matrix.custom.html");
		cJSON_AddStringToObject(ev, "formatted_body", pb_buf_str(&html));
		/* Mentions are only what this says: none (no @room, no display name). */
		cJSON_AddItemToObject(ev, "m.mentions", cJSON_CreateObject());
		js = cJSON_PrintUnformatted(ev);
		cJSON_Delete(ev);
		if (!js || strlen(js) > MX_CONTENT_MAX) {
			snprintf(err, errlen, "matrix: an event of %zu bytes (at most %d are sent)",
				 js ? strlen(js) : 0, MX_CONTENT_MAX);
			cJSON_free(js);
			goto out;
		}
		pb_parts_push(out, pb_xstrdup(js));
		cJSON_free(js);
		pb_buf_reset(&cur);
		if (p)
			i--;   /* p starts the next event */
	}
	if (out->n == 0) {
		snprintf(err, errlen, "matrix: nothing rendered");
		goto out;
	}
	rc = 0;
out:
	pb_parts_free(&pieces);
	pb_buf_free(&cur);
	pb_buf_free(&html);
	pb_buf_free(&plain);
	return rc;
}

static int
mx_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	 struct pb_parts *out, char *err, size_t errlen)
{
	(void)dest;
	(void)msg_id;
	if (!c->out) {
		snprintf(err, errlen, "matrix: nothing rendered");
		return -1;
	}
	return pb_matrix_payloads(&c->out[PB_FMT_TELEGRAM], c->cfg->matrix.msgtype, out, err,
				  errlen);
}

/* ---- the request ---- */

static int
mx_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_config *cfg = x->cfg;
	const char *hs = cfg->matrix.homeserver, *room = x->msg->dest;
	char txn[PB_MATRIX_TXN_LEN], *esc;
	struct pb_buf auth = { 0 };
	size_t hl;

	if (!hs || !*hs || !cfg->matrix.token || !*cfg->matrix.token) {
		snprintf(err, errlen, "matrix is not configured (matrix.homeserver and "
			 "matrix.token_env or _file)");
		return -1;
	}
	if (!room || room[0] != '!') {
		snprintf(err, errlen, "not a Matrix room id");
		return -1;
	}
	esc = curl_easy_escape(x->easy, room, 0);
	if (!esc) {
		snprintf(err, errlen, "cannot encode the room id");
		return -1;
	}
	pb_matrix_txn_id(x->msg->msg_id, txn);
	hl = strlen(hs);
	while (hl && hs[hl - 1] == '/')
		hl--;
	pb_buf_append(&x->url, hs, hl);
	pb_buf_printf(&x->url, "/_matrix/client/v3/rooms/%s/send/m.room.message/%s", esc, txn);
	curl_free(esc);
	pb_buf_printf(&auth, "Authorization: Bearer %s", cfg->matrix.token);
	x->list = curl_slist_append(NULL, pb_buf_str(&auth));
	memset(auth.data, 0, auth.cap);
	pb_buf_free(&auth);
	pb_xfer_json(x, "PUT");
	return 0;
}

/* ---- the answer ---- */

static long
cap_day(double s)
{
	return s < 0 ? -1 : s > 86400 ? 86400 : (long)s;
}

void
pb_matrix_classify_answer(long status, const char *body, size_t len, const char *retry_after,
			  struct pb_result *r)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *code = NULL, *words = NULL, *ms = NULL, *ev = NULL;
	const char *ec = "";
	char said[256];

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (cJSON_IsObject(root)) {
		code = cJSON_GetObjectItemCaseSensitive(root, "errcode");
		words = cJSON_GetObjectItemCaseSensitive(root, "error");
		ms = cJSON_GetObjectItemCaseSensitive(root, "retry_after_ms");
		ev = cJSON_GetObjectItemCaseSensitive(root, "event_id");
		if (cJSON_IsString(code))
			ec = code->valuestring;
		snprintf(said, sizeof said, "%s%s%s", ec, *ec && cJSON_IsString(words) ? ": " : "",
			 cJSON_IsString(words) ? words->valuestring : "");
	} else {
		said[0] = '\0';
		if (body)
			pb_reason_copy(said, sizeof said, body, len);
	}
	snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *said ? ": " : "", said);
	pb_reason_copy(r->reason, sizeof r->reason, r->reason, strlen(r->reason));
	if (status >= 200 && status < 300) {
		/* Without an event id the event may not exist: sending again is safe, the
		 * transaction id makes the homeserver keep one. */
		if (cJSON_IsString(ev) && ev->valuestring[0] == '$') {
			r->verdict = PB_V_SENT;
			r->reason[0] = '\0';
		} else {
			r->verdict = PB_V_TRANSIENT;
			snprintf(r->reason, sizeof r->reason, "HTTP %ld without an event_id", status);
		}
		goto out;
	}
	if (status == 429 || strcmp(ec, "M_LIMIT_EXCEEDED") == 0) {
		r->verdict = PB_V_TRANSIENT;
		if (cJSON_IsNumber(ms) && ms->valuedouble >= 0)
			r->retry_after_s = cap_day((ms->valuedouble + 999) / 1000);
		else if (retry_after)
			r->retry_after_s = cap_day((double)pb_http_parse_retry_after(retry_after,
									    (long)time(NULL)));
		/* The account's limit: every room waits, not only this one. */
		if (r->retry_after_s >= 0)
			snprintf(r->hold, sizeof r->hold, "%s", MX_ALL);
		goto out;
	}
	if (status == 408 || status >= 500 || status == 0)
		r->verdict = PB_V_TRANSIENT;
	else if (status == 403)
		r->verdict = PB_V_PAUSED;   /* M_FORBIDDEN: a person must invite, unban, grant */
	else
		r->verdict = PB_V_PERMANENT;   /* 400, 401, 404, 413 and the rest */
out:
	cJSON_Delete(root);
}

static void
mx_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long status = 0;

	if (rc != CURLE_OK) {
		pb_classify_curl(rc, x->errbuf, r);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	pb_matrix_classify_answer(status, x->resp.data, x->resp.len, x->retry_after, r);
}

static int
mx_pace(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_pace *p, int max)
{
	if (max < 2)
		return 0;
	snprintf(p[0].key, sizeof p[0].key, "mx:%016llx",
		 (unsigned long long)pb_fnv1a64_str(m->dest));
	p[0].interval_ms = cfg->delivery.matrix_room_interval_ms;
	snprintf(p[1].key, sizeof p[1].key, "%s", MX_ALL);
	p[1].interval_ms = cfg->delivery.matrix_interval_ms;
	return 2;
}

static void
mx_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (c->cfg->matrix.homeserver)
		pb_chan_dest(out, c->sub->matrix_room);
}

const struct pb_channel pb_channel_matrix = {
	.name = "matrix",
	.title = "Matrix rooms",
	.formats = 1u << PB_FMT_TELEGRAM,
	.dests = mx_dests,
	.build = mx_build,
	.prepare = mx_prepare,
	.classify = mx_classify,
	.pace = mx_pace,
};
