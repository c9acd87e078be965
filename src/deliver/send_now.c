/* One prepared message to one address, at once, through the email channel's own SMTP
 * sessions (smtp_session.c): the same connection, TLS and AUTH settings as the digests, without
 * the outbox. A sign-up's confirmation mail needs its result before the page answers; putting
 * it in the outbox would hand it to the next delivery, and a delivery run from a page would
 * send the digests waiting there too. */
#include <stdio.h>
#include <string.h>

#include "paperboy/clock.h"
#include "paperboy/log.h"

#include "channel.h"

struct one {
	int done;
	struct pb_result res;
};

static void
one_done(void *ctx, struct pb_xfer *x, const struct pb_result *res)
{
	struct one *o = ctx;

	(void)x;
	o->done = 1;
	o->res = *res;
}

int
pb_mail_send_now(const struct pb_config *cfg, const char *to, const char *msg, size_t len,
		 int timeout_s, char *err, size_t errlen)
{
	struct pb_outbox_msg m;
	struct pb_xfer x;
	struct pb_smtp_pool *p = NULL;
	struct curl_waitfd fds[PB_SMTP_FDS_PER_SESSION];
	struct one o;
	CURLM *multi = NULL;
	int64_t t0 = pb_mono_ms(), deadline = t0 + (int64_t)(timeout_s > 0 ? timeout_s : 30) * 1000;
	int rc = -1;

	memset(&m, 0, sizeof m);
	memset(&x, 0, sizeof x);
	memset(&o, 0, sizeof o);
	m.msg_id = (char *)"send-now";
	m.channel = (char *)"email";
	m.dest = (char *)to;
	m.payload = (char *)msg;
	m.payload_len = len;
	m.part = m.n_parts = 1;
	if (pb_smtp_check(&m, cfg, err, errlen) != 0)
		/* no server to ask is the installation's to mend; an address that cannot be
		 * written never goes */
		return cfg->email.smtp_url && *cfg->email.smtp_url ? -2 : -1;
	if (!(multi = curl_multi_init())) {
		snprintf(err, errlen, "curl_multi_init failed");
		return -1;
	}
	x.msg = &m;
	x.cfg = cfg;
	x.started_ms = t0;
	p = pb_smtp_pool_new(cfg, 1, one_done, &o);
	if (pb_smtp_pool_submit(p, &x) != 0) {
		snprintf(err, errlen, "no SMTP session could be opened");
		goto out;
	}
	while (!o.done) {
		int64_t left = deadline - pb_mono_ms();
		long t = pb_smtp_pool_timeout_ms(p);
		int n;

		if (left <= 0) {
			pb_smtp_pool_cut(p, "no answer in time");
			break;
		}
		if (t < 0 || t > left)
			t = (long)left;
		if (t > 1000)
			t = 1000;
		n = pb_smtp_pool_fds(p, fds, PB_SMTP_FDS_PER_SESSION);
		curl_multi_poll(multi, fds, (unsigned)n, (int)t, NULL);
		pb_smtp_pool_step(p, fds, n);
	}
	if (!o.done)
		snprintf(err, errlen, "the SMTP server did not answer in time");
	else if (o.res.verdict != PB_V_SENT)
		snprintf(err, errlen, "%s", o.res.reason[0] ? o.res.reason : "refused");
	else
		rc = 0;
	/* Refused for good is the address itself: a 5xx at RCPT that is not about us (nor an
	 * authentication nor a policy status), or an address this server cannot take without
	 * SMTPUTF8. A permanent refusal of our own dealings (a wrong password, relaying denied,
	 * the sender refused) is the installation's to mend: for the address, it may go later. */
	if (o.done && o.res.verdict == PB_V_PERMANENT && o.res.addr_refused)
		rc = -2;
	pb_info("mail.send_now", "status=%s ms=%lld%s%s",
		rc == 0 ? "sent" : rc == -2 ? "refused" : "failed",
		(long long)(pb_mono_ms() - t0), rc == 0 ? "" : " error=", rc == 0 ? "" : pb_q(err));
out:
	pb_smtp_pool_free(p);
	pb_buf_free(&x.body);
	pb_buf_free(&x.resp);
	pb_buf_free(&x.url);
	curl_multi_cleanup(multi);
	return rc;
}
