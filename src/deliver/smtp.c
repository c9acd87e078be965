/* The email channel: SMTP through libcurl, one transfer per recipient so each recipient's
 * result is known. STARTTLS is required unless the config says tls = "none"; smtps:// (or
 * tls = "implicit") is TLS from the first byte. */
#include <stdio.h>
#include <string.h>

#include "channel.h"

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *userp)
{
	struct pb_xfer *x = userp;
	size_t room = size * nitems, left = x->send_len - x->send_off;
	size_t n = left < room ? left : room;

	memcpy(buf, x->send + x->send_off, n);
	x->send_off += n;
	return n;
}

/* The bare address inside "Name <addr>" (or addr itself), with nothing SMTP-unsafe. */
static void
envelope_addr(struct pb_buf *b, const char *s)
{
	const char *lt = s ? strrchr(s, '<') : NULL;
	const char *p = lt ? lt + 1 : s;

	pb_buf_putc(b, '<');
	for (; p && *p && *p != '>'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c > 0x20 && c < 0x7F && c != '<' && c != '>')
			pb_buf_putc(b, (char)c);
	}
	pb_buf_putc(b, '>');
}

static int
smtp_prepare(struct pb_xfer *x, char *err, size_t errlen)
{
	const struct pb_config *cfg = x->cfg;
	const char *url = cfg->email.smtp_url, *tls = cfg->email.tls;
	struct pb_buf from = { 0 }, rcpt = { 0 };
	int rc = -1;

	if (!url || !*url) {
		snprintf(err, errlen, "email is not configured (no email.smtp_url)");
		goto out;
	}
	if (!x->msg->dest || !strchr(x->msg->dest, '@')) {
		snprintf(err, errlen, "not an email address");
		goto out;
	}
	for (const char *p = x->msg->dest; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F || *p == '<' || *p == '>') {
			snprintf(err, errlen, "not an email address");
			goto out;
		}
	if (tls && strcmp(tls, "implicit") == 0 && strncmp(url, "smtp://", 7) == 0)
		pb_buf_printf(&x->url, "smtps://%s", url + 7);
	else
		pb_buf_puts(&x->url, url);
	/* libcurl takes the EHLO name from the URL's path. */
	if (cfg->email.helo && *cfg->email.helo) {
		const char *after = strstr(pb_buf_str(&x->url), "://");
		if (after && !strchr(after + 3, '/'))
			pb_buf_printf(&x->url, "/%s", cfg->email.helo);
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, pb_buf_str(&x->url));
	if (tls && strcmp(tls, "none") == 0 && strncmp(url, "smtps://", 8) != 0)
		curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	else
		curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->email.username && *cfg->email.username) {
		curl_easy_setopt(x->easy, CURLOPT_USERNAME, cfg->email.username);
		curl_easy_setopt(x->easy, CURLOPT_PASSWORD,
				 cfg->email.password ? cfg->email.password : "");
	}
	envelope_addr(&from, cfg->email.from);
	curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, pb_buf_str(&from));
	envelope_addr(&rcpt, x->msg->dest);
	x->list = curl_slist_append(NULL, pb_buf_str(&rcpt));
	curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->list);
	x->send = x->msg->payload;
	x->send_len = x->msg->payload_len;
	x->send_off = 0;
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->send_len);
	/* A digest email fits in one upload buffer: fewer passes of libcurl's dot-stuffing and
	 * fewer writes per message. */
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);
	rc = x->list ? 0 : -1;
	if (rc)
		snprintf(err, errlen, "out of memory");
out:
	pb_buf_free(&from);
	pb_buf_free(&rcpt);
	return rc;
}

void
pb_smtp_classify(CURLcode rc, long code, const char *reply, const char *curl_err,
		 struct pb_result *r)
{
	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (rc == CURLE_OK) {
		r->verdict = PB_V_SENT;
		return;
	}
	/* The server's reply decides when there is one: 4xx later, 5xx never. */
	if (code >= 400 && code < 600) {
		r->verdict = code < 500 ? PB_V_TRANSIENT : PB_V_PERMANENT;
		if (reply && *reply)
			pb_reason_copy(r->reason, sizeof r->reason, reply, strlen(reply));
		else
			snprintf(r->reason, sizeof r->reason, "SMTP %ld", code);
		return;
	}
	pb_classify_curl(rc, curl_err, r);
}

static void
smtp_classify(struct pb_xfer *x, CURLcode rc, struct pb_result *r)
{
	long code = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	pb_smtp_classify(rc, code, x->reply, x->errbuf, r);
}

const struct pb_channel pb_channel_email = {
	.name = "email",
	.prepare = smtp_prepare,
	.classify = smtp_classify,
};
