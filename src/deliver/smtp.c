/* The email channel: SMTP sessions opened by libcurl (smtp_session.c), one transaction per
 * recipient so each recipient's result is known. STARTTLS is required unless the config says
 * tls = "none"; smtps:// (or tls = "implicit") is TLS from the first byte. */
#include <stdio.h>
#include <string.h>

#include "channel.h"

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

const struct pb_channel pb_channel_email = {
	.name = "email",
	.check = pb_smtp_check,
};
