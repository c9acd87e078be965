/* Signed tokens (round trip, forged, altered, expired, cross-purpose, malformed), the key
 * file (created 0600, refused when readable by others or short), form decoding, and the
 * readers' tables of the state (feedback, suppressions, sign-ups, stamps, meta). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "paperboy/web.h"
#include "t.h"
#include "t_state.h"

static char dir[256];

static void
test_tokens(void)
{
	struct pb_secret k, k2;
	struct pb_token t;
	char tok[PB_TOKEN_MAX], bad[PB_TOKEN_MAX], long_s[PB_TOKEN_FIELD_MAX + 2];

	memset(&k, 7, sizeof k);
	memset(&k2, 8, sizeof k2);
	T_EQ_INT(pb_token_make(&k, "unsub", "ann", "ann@example.org", 2000, tok, sizeof tok), 0);
	T_CHECK(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
		== strlen(tok));
	T_EQ_INT(pb_token_check(&k, tok, "unsub", 1000, &t), PB_TOKEN_OK);
	T_EQ_STR(t.subject, "ann");
	T_EQ_STR(t.detail, "ann@example.org");
	T_EQ_INT((int)t.expires, 2000);
	T_EQ_INT(pb_token_check(&k, tok, "unsub", 2001, &t), PB_TOKEN_EXPIRED);
	T_EQ_INT(pb_token_check(&k, tok, "manage", 1000, &t), PB_TOKEN_PURPOSE);
	T_EQ_INT(pb_token_check(&k2, tok, "unsub", 1000, &t), PB_TOKEN_FORGED);
	T_EQ_STR(t.subject, "");
	/* One character changed anywhere: forged or malformed, never accepted. */
	for (size_t i = 0; tok[i]; i++) {
		enum pb_token_status s;

		snprintf(bad, sizeof bad, "%s", tok);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		if (tok[i] == '.')
			bad[i] = '.' ;
		if (strcmp(bad, tok) == 0)
			continue;
		s = pb_token_check(&k, bad, "unsub", 1000, &t);
		T_CHECK(s == PB_TOKEN_FORGED || s == PB_TOKEN_MALFORMED);
	}
	/* The last character of the MAC carries two unused bits: its other spellings are not
	 * the token. */
	{
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		size_t n = strlen(tok);
		const char *at = strchr(b64, tok[n - 1]);
		int base = at ? (int)(at - b64) & ~3 : 0;

		T_CHECK(at != NULL);
		for (int j = 0; j < 4; j++) {
			snprintf(bad, sizeof bad, "%s", tok);
			bad[n - 1] = b64[base + j];
			T_EQ_INT(pb_token_check(&k, bad, "unsub", 1000, &t),
				 bad[n - 1] == tok[n - 1] ? PB_TOKEN_OK : PB_TOKEN_MALFORMED);
		}
	}
	T_EQ_INT(pb_token_check(&k, "", "unsub", 0, &t), PB_TOKEN_MALFORMED);
	T_EQ_INT(pb_token_check(&k, "abc", "unsub", 0, &t), PB_TOKEN_MALFORMED);
	T_EQ_INT(pb_token_check(&k, "a.b.c", "unsub", 0, &t), PB_TOKEN_MALFORMED);
	T_EQ_INT(pb_token_check(&k, "<script>.x", "unsub", 0, &t), PB_TOKEN_MALFORMED);
	T_EQ_INT(pb_token_check(&k, NULL, "unsub", 0, &t), PB_TOKEN_MALFORMED);
	/* Fields that cannot be carried are refused. */
	T_EQ_INT(pb_token_make(&k, "Unsub", "ann", NULL, 1, tok, sizeof tok), -1);
	T_EQ_INT(pb_token_make(&k, "unsub", "a\nb", NULL, 1, tok, sizeof tok), -1);
	T_EQ_INT(pb_token_make(&k, "unsub", "ann", NULL, 1, tok, 10), -1);
	memset(long_s, 'x', sizeof long_s - 1);
	long_s[sizeof long_s - 1] = '\0';
	T_EQ_INT(pb_token_make(&k, "unsub", long_s, NULL, 1, tok, sizeof tok), -1);
	long_s[PB_TOKEN_FIELD_MAX] = '\0';
	T_EQ_INT(pb_token_make(&k, "feedback-less", long_s, long_s, INT64_MAX / 2, tok, sizeof tok),
		 0);
	T_CHECK(strlen(tok) < PB_TOKEN_MAX);
	T_EQ_INT(pb_token_check(&k, tok, "feedback-less", 0, &t), PB_TOKEN_OK);
	T_EQ_STR(t.detail, long_s);
}

static void
test_secret(void)
{
	char path[512], err[512] = "";
	struct pb_secret a, b;
	struct stat sb;
	int fd;

	snprintf(path, sizeof path, "%s/web.secret", dir);
	T_EQ_INT(pb_secret_load(path, &a, err, sizeof err), 0);
	T_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size == PB_SECRET_LEN);
	T_EQ_INT(pb_secret_load(path, &b, err, sizeof err), 0);
	T_CHECK(memcmp(&a, &b, sizeof a) == 0);
	chmod(path, 0644);
	T_EQ_INT(pb_secret_load(path, &b, err, sizeof err), -1);
	T_CHECK(strstr(err, "chmod 600") != NULL);
	snprintf(path, sizeof path, "%s/short.secret", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	T_CHECK(fd >= 0 && write(fd, "abc", 3) == 3);
	close(fd);
	T_EQ_INT(pb_secret_load(path, &b, err, sizeof err), -1);
	T_CHECK(strstr(err, "shorter") != NULL);
}

static void
test_form(void)
{
	struct pb_form f;
	char msg[256];
	const char *s = "email=ann%40example.org&topics=cat%3Acs.CV+AND+ti%3Agaussian&&x&n=%E6%97%A5";

	T_EQ_INT(pb_form_parse(s, strlen(s), &f, msg, sizeof msg), 0);
	T_EQ_STR(pb_form_get(&f, "email"), "ann@example.org");
	T_EQ_STR(pb_form_get(&f, "topics"), "cat:cs.CV AND ti:gaussian");
	T_EQ_STR(pb_form_get(&f, "x"), "");
	T_EQ_STR(pb_form_get(&f, "n"), "\xe6\x97\xa5");
	T_CHECK(pb_form_get(&f, "nope") == NULL);
	pb_form_free(&f);
	T_EQ_INT(pb_form_parse("a=%4", 4, &f, msg, sizeof msg), -1);
	T_EQ_INT(pb_form_parse("a=%00", 5, &f, msg, sizeof msg), -1);
	T_EQ_INT(pb_form_parse("a=%ff", 5, &f, msg, sizeof msg), -1);
	T_EQ_INT(pb_form_parse("=1", 2, &f, msg, sizeof msg), -1);
	T_EQ_INT(pb_form_parse("", 0, &f, msg, sizeof msg), 0);
	T_EQ_INT((int)f.n, 0);
}

/* Puts one message of (sub, channel, "webhook") for date and part, settled as status with why
 * and one attempt when it was tried, created two days ago. */
static void
put_msg(struct pb_state *st, const char *sub, const char *channel, const char *date, int part,
	enum pb_outbox_status status, const char *why)
{
	struct pb_outbox_msg m;
	char id[128];

	snprintf(id, sizeof id, "%s/%s/%s/webhook/%d", date, sub, channel, part);
	memset(&m, 0, sizeof m);
	m.msg_id = id;
	m.subscriber = (char *)sub;
	m.channel = (char *)channel;
	m.dest = "webhook";
	m.digest_date = (char *)date;
	m.part = part;
	m.n_parts = 3;
	m.payload = "{\"text\":\"a digest\"}";
	m.status = status;
	m.attempts = status == PB_OUT_PAUSED ? 0 : 1;
	m.next_attempt = 1;
	m.created = pb_now() - 2 * 86400;
	m.last_error = (char *)why;
	T_EQ_INT(pb_outbox_put(st, &m), 1);
}

/* The status of the message of (sub, channel) for date and part, and into *created its
 * creation (-1: not there). */
static int
msg_status(struct pb_state *st, const char *sub, const char *channel, const char *date,
	   int part, int64_t *created)
{
	struct pb_outbox_msg m;
	char id[128];
	int rc;

	snprintf(id, sizeof id, "%s/%s/%s/webhook/%d", date, sub, channel, part);
	if (pb_outbox_get(st, id, &m) != 1)
		return -1;
	rc = (int)m.status;
	if (created)
		*created = m.created;
	if (m.status == PB_OUT_PENDING)
		T_EQ_INT(m.attempts, 0);
	pb_outbox_msg_clear(&m);
	return rc;
}

static void
test_state(void)
{
	char path[512], err[512] = "", *v = NULL;
	struct pb_state *st;
	struct pb_feedback_row *fb = NULL;
	struct pb_suppress_row *sr = NULL;
	struct pb_signup_row su = { 0 }, got;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/s.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	T_EQ_INT(pb_state_schema_version(st), PB_STATE_SCHEMA);
	T_EQ_INT(pb_feedback_put(st, "ann", "2411.17790", 1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "ann", "2411.00001", -1, "telegram"), 0);
	T_EQ_INT(pb_feedback_put(st, "ann", "2411.00001", 1, "slack"), 0);
	T_EQ_INT(pb_feedback_put(st, "bob", "2411.17790", -1, "web"), 0);
	T_EQ_INT(pb_feedback_list(st, "ann", &fb, &n), 0);
	T_EQ_INT((int)n, 2);
	for (size_t i = 0; i < n; i++)
		if (strcmp(fb[i].paper_id, "2411.00001") == 0) {
			T_EQ_INT(fb[i].verdict, 1);
			T_EQ_STR(fb[i].source, "slack");
		}
	pb_feedback_rows_free(fb, n);
	{
		int v = 7;

		T_EQ_INT(pb_feedback_get(st, "ann", "2411.00001", &v), 1);
		T_EQ_INT(v, 1);
		T_EQ_INT(pb_feedback_get(st, "bob", "2411.17790", &v), 1);
		T_EQ_INT(v, -1);
		T_EQ_INT(pb_feedback_get(st, "bob", "2411.00001", &v), 0);
		T_EQ_INT(v, 0);
	}
	T_EQ_INT(pb_feedback_put(st, "ann", "2411.00001", 0, "web"), 0);
	T_EQ_INT(pb_feedback_list(st, "ann", &fb, &n), 0);
	T_EQ_INT((int)n, 1);
	pb_feedback_rows_free(fb, n);
	{
		int v = 7;

		T_EQ_INT(pb_feedback_get(st, "ann", "2411.00001", &v), 0);
		T_EQ_INT(v, 0);
		T_EQ_INT(pb_feedback_get(st, "ann", "2411.17790", &v), 1);   /* the other stays */
		T_EQ_INT(v, 1);
	}

	T_EQ_INT(pb_suppress_has(st, "ann", "email", "ann@x.org"), 0);
	T_EQ_INT(pb_suppress_put(st, "ann", "email", "ann@x.org",
				 "550 5.1.1 no such user", NULL), 0);
	T_EQ_INT(pb_suppress_put(st, "ann", "telegram", "42", "403 bot was blocked", NULL), 0);
	T_EQ_INT(pb_suppress_put(st, "bob", "email", "bob@x.org",
				 "the recipient unsubscribed", NULL), 0);
	T_EQ_INT(pb_suppress_has(st, "ann", "email", "ann@x.org"), 1);
	T_EQ_INT(pb_suppress_has(st, "bob", "email", "ann@x.org"), 0);
	T_EQ_INT(pb_suppress_list(st, NULL, &sr, &n), 0);
	T_EQ_INT((int)n, 3);
	pb_suppress_rows_free(sr, n);
	T_EQ_INT(pb_suppress_list(st, "ann", &sr, &n), 0);
	T_EQ_INT((int)n, 2);
	T_EQ_STR(n ? sr[0].channel : NULL, "email");
	pb_suppress_rows_free(sr, n);
	T_EQ_INT(pb_suppress_clear(st, "ann"), 2);
	T_EQ_INT(pb_suppress_has(st, "ann", "telegram", "42"), 0);

	/* a webhook's suppression is the URL's it was refused at (its fingerprint), not a new
	 * one's: told apart, and lifted only for another */
	T_EQ_INT(pb_suppress_put(st, "team", "slack", "webhook", "HTTP 404: no_service",
				 "0123456789abcdef"), 0);
	T_EQ_INT(pb_suppress_check(st, "team", "slack", "webhook", "0123456789abcdef"), 1);
	T_EQ_INT(pb_suppress_check(st, "team", "slack", "webhook", NULL), 1);
	T_EQ_INT(pb_suppress_check(st, "team", "slack", "webhook", "fedcba9876543210"),
		 PB_SUP_OTHER_URL);
	T_EQ_INT(pb_suppress_check(st, "team", "discord", "webhook", "fedcba9876543210"), 0);
	T_EQ_INT(pb_suppress_has(st, "team", "slack", "webhook"), 1);
	T_EQ_INT(pb_suppress_list(st, "team", &sr, &n), 0);
	T_EQ_STR(n ? sr[0].fingerprint : NULL, "0123456789abcdef");
	pb_suppress_rows_free(sr, n);
	/* What it held: the digest refused (part 1, failed with its reason) and its later parts
	 * (paused for it), the team's messages of that channel; beside them what it did not
	 * hold (expired, sent, paused with the subscriber, failed for another reason, another
	 * subscriber's or channel's) */
	put_msg(st, "team", "slack", "2026-03-02", 1, PB_OUT_FAILED, "HTTP 404: no_service");
	put_msg(st, "team", "slack", "2026-03-02", 2, PB_OUT_PAUSED, PB_OUTBOX_SUPPRESSED);
	put_msg(st, "team", "slack", "2026-03-02", 3, PB_OUT_PAUSED, PB_OUTBOX_SUPPRESSED);
	put_msg(st, "team", "slack", "2026-03-01", 1, PB_OUT_EXPIRED,
		"older than the delivery lifetime");
	put_msg(st, "team", "slack", "2026-02-28", 1, PB_OUT_SENT, NULL);
	put_msg(st, "team", "slack", "2026-02-27", 1, PB_OUT_PAUSED, "the subscriber is paused");
	put_msg(st, "team", "slack", "2026-02-26", 1, PB_OUT_FAILED, "HTTP 400: invalid_payload");
	put_msg(st, "crew", "slack", "2026-03-02", 1, PB_OUT_PAUSED, PB_OUTBOX_SUPPRESSED);
	put_msg(st, "team", "discord", "2026-03-02", 1, PB_OUT_PAUSED, PB_OUTBOX_SUPPRESSED);
	{
		long released = -1;
		int64_t created = 0, now = pb_now();

		/* the same URL, or one that names itself: nothing lifted, nothing put back */
		T_EQ_INT(pb_suppress_lift_other(st, "team", "slack", "webhook", "0123456789abcdef",
						&released), 0);
		T_EQ_INT(released, 0);
		T_EQ_INT(pb_suppress_lift_other(st, "team", "slack", "webhook", NULL, &released), 0);
		T_EQ_INT(msg_status(st, "team", "slack", "2026-03-02", 2, NULL), PB_OUT_PAUSED);
		/* inside a transaction undone, the lift and the messages are undone together */
		T_EQ_INT(pb_state_begin(st), 0);
		T_EQ_INT(pb_suppress_lift_other(st, "team", "slack", "webhook", "fedcba9876543210",
						&released), 1);
		T_EQ_INT(released, 3);
		pb_state_rollback(st);
		T_EQ_INT(pb_suppress_has(st, "team", "slack", "webhook"), 1);
		T_EQ_INT(msg_status(st, "team", "slack", "2026-03-02", 1, NULL), PB_OUT_FAILED);
		T_EQ_INT(msg_status(st, "team", "slack", "2026-03-02", 2, NULL), PB_OUT_PAUSED);
		/* another URL: lifted, and the digest it held goes to the new one, whole, with a
		 * fresh delivery lifetime, as `retry` puts it back */
		released = -1;
		T_EQ_INT(pb_suppress_lift_other(st, "team", "slack", "webhook", "fedcba9876543210",
						&released), 1);
		T_EQ_INT(released, 3);
		for (int part = 1; part <= 3; part++) {
			T_EQ_INT(msg_status(st, "team", "slack", "2026-03-02", part, &created),
				 PB_OUT_PENDING);
			T_CHECK(created >= now);
		}
		T_EQ_INT(msg_status(st, "team", "slack", "2026-03-01", 1, NULL), PB_OUT_EXPIRED);
		T_EQ_INT(msg_status(st, "team", "slack", "2026-02-28", 1, NULL), PB_OUT_SENT);
		T_EQ_INT(msg_status(st, "team", "slack", "2026-02-27", 1, NULL), PB_OUT_PAUSED);
		T_EQ_INT(msg_status(st, "team", "slack", "2026-02-26", 1, NULL), PB_OUT_FAILED);
		T_EQ_INT(msg_status(st, "crew", "slack", "2026-03-02", 1, NULL), PB_OUT_PAUSED);
		T_EQ_INT(msg_status(st, "team", "discord", "2026-03-02", 1, NULL), PB_OUT_PAUSED);
		T_EQ_INT(pb_suppress_has(st, "team", "slack", "webhook"), 0);
		/* lifted once: a second lift has nothing to put back */
		T_EQ_INT(pb_suppress_lift_other(st, "team", "slack", "webhook", "fedcba9876543210",
						&released), 0);
		T_EQ_INT(released, 0);
	}
	/* the rule status applies to a row it holds */
	T_EQ_INT(pb_suppress_other_url("0123456789abcdef", "fedcba9876543210"), 1);
	T_EQ_INT(pb_suppress_other_url("0123456789abcdef", "0123456789abcdef"), 0);
	T_EQ_INT(pb_suppress_other_url(NULL, "fedcba9876543210"), 0);
	T_EQ_INT(pb_suppress_other_url("0123456789abcdef", ""), 0);
	T_EQ_INT(pb_suppress_other_url("0123456789abcdef", NULL), 0);
	/* one without (from before fingerprints, a reader's unsubscribe, put over a refusal)
	 * holds whatever the URL */
	T_EQ_INT(pb_suppress_put(st, "team", "slack", "webhook", "HTTP 404: no_service",
				 "0123456789abcdef"), 0);
	T_EQ_INT(pb_suppress_put(st, "team", "slack", "webhook", "unsubscribed", NULL), 0);
	T_EQ_INT(pb_suppress_check(st, "team", "slack", "webhook", "fedcba9876543210"), 1);
	T_EQ_INT(pb_suppress_lift_other(st, "team", "slack", "webhook", "fedcba9876543210",
					NULL), 0);
	T_EQ_INT(pb_suppress_clear(st, "team"), 1);

	su.id = "abc123";
	su.address = "cy@example.org";
	su.name = "cy";
	su.settings = "{\"name\":\"cy\"}";
	T_EQ_INT(pb_signup_put(st, &su), 0);
	T_EQ_INT(pb_signup_take(st, "abc123", &got), 1);
	T_EQ_STR(got.address, "cy@example.org");
	T_EQ_STR(got.settings, "{\"name\":\"cy\"}");
	pb_signup_row_clear(&got);
	T_EQ_INT(pb_signup_take(st, "abc123", &got), 0);

	T_EQ_INT(pb_stamp_claim(st, "confirm-mail:cy@example.org", 1000, 3600), 1);
	T_EQ_INT(pb_stamp_claim(st, "confirm-mail:cy@example.org", 2000, 3600), 0);
	T_EQ_INT(pb_stamp_claim(st, "confirm-mail:cy@example.org", 4601, 3600), 1);
	T_EQ_INT(pb_stamp_claim(st, "used:x", 10, -1), 1);
	T_EQ_INT(pb_stamp_claim(st, "used:x", 999999, -1), 0);

	T_EQ_INT(pb_meta_get(st, "telegram.offset", &v), 0);
	T_EQ_INT(pb_meta_put(st, "telegram.offset", "1234"), 0);
	T_EQ_INT(pb_meta_get(st, "telegram.offset", &v), 1);
	T_EQ_STR(v, "1234");
	free(v);
	T_EQ_INT(pb_meta_put(st, "schema_version", "1"), -1);
	pb_state_close(st);
}

int
main(void)
{
	struct pb_buf cmd = { 0 };

	snprintf(dir, sizeof dir, "/tmp/pb-token.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_tokens();
	test_secret();
	test_form();
	test_state();
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	return t_done("test_web_token");
}
