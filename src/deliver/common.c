/* Helpers every channel shares: turning server and curl words into a recorded reason, and the
 * classification of transport failures. */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "channel.h"

void
pb_reason_copy(char *dst, size_t n, const char *s, size_t len)
{
	size_t j = 0;

	if (n == 0)
		return;
	for (size_t i = 0; s && i < len && s[i] && j + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* One line, printable: server text goes into logs and the state as it is. */
		if (c < 0x20 || c == 0x7F) {
			if (j > 0 && dst[j - 1] != ' ')
				dst[j++] = ' ';
			continue;
		}
		dst[j++] = (char)c;
	}
	/* a cut never leaves half a UTF-8 character */
	if (j > 0 && j + 1 >= n && ((unsigned char)dst[j - 1] & 0x80)) {
		size_t k = j;

		while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0xC0) {
			unsigned char lead = (unsigned char)dst[k - 1];
			size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;

			if (j - (k - 1) < want)
				j = k - 1;
		}
	}
	while (j > 0 && dst[j - 1] == ' ')
		j--;
	dst[j] = '\0';
}

void
pb_xfer_json(struct pb_xfer *x, const char *method)
{
	if (!x->send) {
		x->send = x->msg->payload;
		x->send_len = x->msg->payload_len;
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, pb_buf_str(&x->url));
	x->list = curl_slist_append(x->list, "Content-Type: application/json; charset=utf-8");
	/* No "Expect: 100-continue" round trip before the body. */
	x->list = curl_slist_append(x->list, "Expect:");
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->list);
	if (method)
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->send);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->send_len);
}

void
pb_classify_curl(CURLcode rc, const char *curl_err, struct pb_result *r)
{
	const char *words = curl_err && *curl_err ? curl_err : curl_easy_strerror(rc);

	r->retry_after_s = -1;
	pb_reason_copy(r->reason, sizeof r->reason, words, strlen(words));
	switch (rc) {
	case CURLE_OK:
		r->verdict = PB_V_SENT;
		break;
	/* Failures that stay until someone changes the configuration: retrying cannot help. */
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_USE_SSL_FAILED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_LOGIN_DENIED:
		r->verdict = PB_V_PERMANENT;
		break;
	default:
		/* Connection refused, timeouts, resets, DNS: the peer may be back later. */
		r->verdict = PB_V_TRANSIENT;
		break;
	}
}

int
pb_errcode_answer(long status, const char *body, size_t len, long *ec, struct pb_result *r)
{
	cJSON *root = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *code = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "errcode")
						: NULL;
	const cJSON *msg = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "errmsg")
					       : NULL;
	char words[256];
	int refused = 0;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (!cJSON_IsNumber(code) || code->valuedouble < -2147483648.0 ||
	    code->valuedouble > 2147483647.0) {
		/* No answer of the service's: a proxy, a gateway or a broken peer. */
		pb_reason_copy(words, sizeof words, body, len);
		snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%s", status, *words ? ": " : "",
			 words);
		/* a 2xx without errcode did not say the message was taken */
		r->verdict = status == 408 || status >= 500 || status == 0 ||
			     (status >= 200 && status < 300) ? PB_V_TRANSIENT : PB_V_PERMANENT;
		goto out;
	}
	*ec = (long)code->valuedouble;
	if (*ec == 0 && status >= 200 && status < 300) {
		r->verdict = PB_V_SENT;
		goto out;
	}
	snprintf(r->reason, sizeof r->reason, "errcode %ld: %s", *ec,
		 cJSON_IsString(msg) ? msg->valuestring : "(no errmsg)");
	pb_reason_copy(r->reason, sizeof r->reason, r->reason, strlen(r->reason));
	refused = 1;
out:
	cJSON_Delete(root);
	return refused;
}
