/* deliver_drive: fills an outbox and runs the delivery stage against local peers, for the
 * integration tests and benchmarks. Message ids are deterministic, so a killed run can be run
 * again with the same arguments: nothing is enqueued twice and nothing sent is sent again.
 *
 *   deliver_drive --db FILE [options] [--email N|NAME=ADDR] [--slack NAME=PATH[:PARTS]]
 *                 [--telegram NAME=CHAT[:PARTS]] [--file NAME=DEST] ...
 *
 * A bare number after --email/--telegram/--file makes that many subscribers (s00000...).
 * --smtp-minute-ms MS scales the SMTP waits (RFC 5321's, in minutes): a minute lasts MS.
 * Prints one line of figures at the end: enqueued, sent, retried, failed, expired, paused,
 * pending, deliver_ms, rate (messages finished per second of delivery). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "../../src/config/internal.h"   /* pb_cfg_names_free: the config is made here */
#include "../../src/deliver/channel.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct spec {
	char *sub, *channel, *dest;   /* dest: address, chat id, webhook path, file name */
	int parts;
};

static struct spec *specs;
static size_t n_specs;

static void
add_spec(const char *channel, const char *sub, const char *dest, int parts)
{
	specs = pb_xreallocarray(specs, n_specs + 1, sizeof *specs);
	specs[n_specs].sub = pb_xstrdup(sub);
	specs[n_specs].channel = pb_xstrdup(channel);
	specs[n_specs].dest = pb_xstrdup(dest);
	specs[n_specs].parts = parts > 0 ? parts : 1;
	n_specs++;
}

/* "NAME=DEST[:PARTS]" or a count N. */
static void
parse_spec(const char *channel, const char *arg)
{
	char *s = pb_xstrdup(arg), *eq = strchr(s, '='), *colon;
	char name[32], dest[64];

	if (!eq) {
		long n = strtol(s, NULL, 10);
		for (long i = 0; i < n; i++) {
			snprintf(name, sizeof name, "s%05ld", i);
			if (strcmp(channel, "email") == 0)
				snprintf(dest, sizeof dest, "%s@test.example", name);
			else if (strcmp(channel, "telegram") == 0)
				snprintf(dest, sizeof dest, "%ld", 100000 + i);
			else if (strcmp(channel, "slack") == 0)
				snprintf(dest, sizeof dest, "/hooks/ok/%s", name);
			else
				snprintf(dest, sizeof dest, "%s", name);
			add_spec(channel, name, dest, 1);
		}
		free(s);
		return;
	}
	*eq = '\0';
	colon = strrchr(eq + 1, ':');
	int parts = 1;
	if (colon && strcmp(channel, "email") != 0) {
		*colon = '\0';
		parts = atoi(colon + 1);
	}
	add_spec(channel, s, eq + 1, parts);
	free(s);
}

static struct pb_subscriber *
find_sub(struct pb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		if (strcmp(cfg->subscribers[i].name, name) == 0)
			return &cfg->subscribers[i];
	cfg->subscribers = pb_xreallocarray(cfg->subscribers, cfg->n_subscribers + 1,
					    sizeof *cfg->subscribers);
	memset(&cfg->subscribers[cfg->n_subscribers], 0, sizeof *cfg->subscribers);
	cfg->subscribers[cfg->n_subscribers].name = pb_xstrdup(name);
	return &cfg->subscribers[cfg->n_subscribers++];
}

/* A plain-text body of about size bytes: lines like a digest's. */
static void
make_text(struct pb_buf *b, const char *name, size_t size)
{
	pb_buf_printf(b, "Hello %s,\n\nYour arXiv digest for 4 Dec 2025 — Zürich edition.\n\n",
		      name);
	for (int i = 1; b->len < size; i++)
		pb_buf_printf(b, "%d. Gaussian splatting for dynamic scenes, part %d: we propose a "
				 "method that renders 3D scenes in real time.\n   "
				 "https://arxiv.org/abs/2512.%05d\n", i, i, i);
}

static void
make_html(struct pb_buf *b, const char *text)
{
	pb_buf_puts(b, "<!DOCTYPE html><html><body><pre>");
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			pb_buf_puts(b, "&lt;");
		else if (*p == '&')
			pb_buf_puts(b, "&amp;");
		else
			pb_buf_putc(b, *p);
	}
	pb_buf_puts(b, "</pre></body></html>\n");
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: deliver_drive --db FILE [--smtp URL] [--tls none|starttls|implicit]\n"
		"  [--user U --pass P] [--ca FILE] [--from ADDR] [--slack-base URL]\n"
		"  [--telegram-api URL] [--token T] [--file-dir DIR] [--date D] [--subject S]\n"
		"  [--size BYTES] [--max-total N] [--max-host N] [--max-wait S] [--retry-base S]\n"
		"  [--smtp-minute-ms MS]\n"
		"  [--lifetime-h H] [--max-attempts N] [--created-ago S] [--no-pacing]\n"
		"  [--unsub-mailto A] [--unsub-url U] [--enqueue-only|--deliver-only] [--quiet]\n"
		"  [--sync normal|full]\n"
		"  [--email N|NAME=ADDR] [--slack NAME=PATH[:PARTS]] [--telegram N|NAME=CHAT[:PARTS]]\n"
		"  [--file N|NAME=DEST]\n");
	exit(64);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct pb_config cfg;
	struct pb_deliver_opts o;
	struct pb_deliver_stats ds;
	struct pb_state *st;
	const char *db = NULL, *slack_base = "http://127.0.0.1:1", *date = "2025-12-04";
	const char *subject = "arXiv digest — 4 Dec 2025: Gaussian Splatting, 视觉语言模型 & Zürich";
	long size = 4000, created_ago = 0, enqueued = 0;
	int mode = 0, quiet = 0;   /* 0 both, 1 enqueue only, 2 deliver only */
	const char *sync_mode = NULL;   /* "normal" or "full" (the delivery loop's own) */
	char err[512];
	int64_t t0, t1;
	int rc = 1;

	memset(&cfg, 0, sizeof cfg);
	memset(&o, 0, sizeof o);
	cfg.user_agent = "paperboy-test/1.0";
	cfg.email.from = "arXiv Digest — Lab <digest@lab.test.example>";
	cfg.email.tls = "starttls";
	cfg.telegram.api_url = "http://127.0.0.1:1";
	cfg.file.dir = "out";
	cfg.file.enabled = true;
	cfg.delivery.max_total = 16;
	cfg.delivery.max_per_host = 4;
	cfg.delivery.lifetime_h = 24;
	cfg.delivery.max_attempts = 8;
	cfg.delivery.slack_interval_ms = 1000;
	cfg.delivery.telegram_chat_interval_ms = 1000;
	cfg.delivery.telegram_group_per_min = 20;
	cfg.delivery.telegram_global_per_s = 30;
	cfg.delivery.retry_base_s = 1;
	o.max_wait_s = 30;
	o.stop = &stop_flag;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
		if (ARG("--db")) db = v;
		else if (ARG("--smtp")) cfg.email.smtp_url = (char *)v, cfg.email.enabled = true;
		else if (ARG("--tls")) cfg.email.tls = (char *)v;
		else if (ARG("--user")) cfg.email.username = (char *)v;
		else if (ARG("--pass")) cfg.email.password = (char *)v;
		else if (ARG("--ca")) cfg.ca_file = (char *)v;
		else if (ARG("--from")) cfg.email.from = (char *)v;
		else if (ARG("--unsub-mailto")) cfg.email.unsubscribe_mailto = (char *)v;
		else if (ARG("--unsub-url")) cfg.email.unsubscribe_url = (char *)v;
		else if (ARG("--slack-base")) slack_base = v;
		else if (ARG("--telegram-api")) cfg.telegram.api_url = (char *)v;
		else if (ARG("--token")) cfg.telegram.token = (char *)v;
		else if (ARG("--file-dir")) cfg.file.dir = (char *)v;
		else if (ARG("--date")) date = v;
		else if (ARG("--subject")) subject = v;
		else if (ARG("--size")) size = atol(v);
		else if (ARG("--max-total")) cfg.delivery.max_total = atoi(v);
		else if (ARG("--max-host")) cfg.delivery.max_per_host = atoi(v);
		else if (ARG("--max-wait")) o.max_wait_s = atoi(v);
		else if (ARG("--retry-base")) cfg.delivery.retry_base_s = atoi(v);
		else if (ARG("--lifetime-h")) cfg.delivery.lifetime_h = atoi(v);
		else if (ARG("--max-attempts")) cfg.delivery.max_attempts = atoi(v);
		else if (ARG("--smtp-minute-ms")) pb_smtp_timeouts_for_tests(atol(v));
		else if (ARG("--created-ago")) created_ago = atol(v);
		else if (ARG("--email")) parse_spec("email", v);
		else if (ARG("--slack")) parse_spec("slack", v);
		else if (ARG("--telegram")) parse_spec("telegram", v);
		else if (ARG("--file")) parse_spec("file", v);
		else if (strcmp(a, "--no-pacing") == 0) o.no_pacing = 1;
		else if (strcmp(a, "--enqueue-only") == 0) mode = 1;
		else if (strcmp(a, "--deliver-only") == 0) mode = 2;
		else if (strcmp(a, "--quiet") == 0) quiet = 1;
		else if (ARG("--sync")) sync_mode = v;
		else usage();
#undef ARG
	}
	if (!db)
		usage();
	pb_log_setup(quiet ? PB_LOG_WARN : PB_LOG_INFO, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* The config's subscribers: delivery holds a message of a subscriber it does not name
	 * (--deliver-only too), and webhooks live there. */
	for (size_t i = 0; i < n_specs; i++) {
		struct pb_subscriber *sub = find_sub(&cfg, specs[i].sub);
		if (strcmp(specs[i].channel, "slack") == 0) {
			struct pb_buf u = { 0 };
			pb_buf_printf(&u, "%s%s", slack_base, specs[i].dest);
			free(sub->slack_webhook);
			sub->slack_webhook = pb_buf_detach(&u);
		}
	}
	pb_config_index_subscribers(&cfg);   /* looked up per message */

	st = pb_state_open(db, err, sizeof err);
	if (!st) {
		fprintf(stderr, "deliver_drive: %s\n", err);
		return 1;
	}
	/* normal: the marks without a sync to disk, the reference for what the sync costs. */
	o.no_sync = sync_mode && strcmp(sync_mode, "normal") == 0;
	t0 = mono_ms();
	if (mode != 2) {
		struct pb_buf text = { 0 }, html = { 0 }, id = { 0 }, body = { 0 };
		if (pb_state_begin(st) != 0)
			goto out;
		for (size_t i = 0; i < n_specs; i++) {
			const struct spec *s = &specs[i];
			for (int part = 1; part <= s->parts; part++) {
				struct pb_outbox_msg m;
				char *payload = NULL;
				size_t len = 0;
				memset(&m, 0, sizeof m);
				pb_buf_reset(&id);
				pb_buf_printf(&id, "%s/%s/%s/%s/%d", date, s->sub, s->channel,
					      strcmp(s->channel, "slack") == 0 ? "webhook" : s->dest,
					      part);
				pb_buf_reset(&body);
				if (strcmp(s->channel, "email") == 0 ||
				    (strcmp(s->channel, "file") == 0 && strchr(s->dest, '@'))) {
					pb_buf_reset(&text);
					pb_buf_reset(&html);
					make_text(&text, s->sub, (size_t)size);
					make_html(&html, pb_buf_str(&text));
					payload = pb_mail_build(&cfg, s->dest, subject, text.data,
								html.data, id.data, time(NULL), &len);
				} else if (strcmp(s->channel, "slack") == 0) {
					pb_buf_printf(&body, "{\"text\":\"digest for %s, part %d/%d\","
						      "\"blocks\":[{\"type\":\"section\",\"text\":{\"type\":"
						      "\"mrkdwn\",\"text\":\"*part %d* of %d\"}}]}",
						      s->sub, part, s->parts, part, s->parts);
				} else {
					pb_buf_printf(&body, "{\"chat_id\":\"%s\",\"text\":\"<b>digest</b> "
						      "for %s, part %d/%d\",\"parse_mode\":\"HTML\","
						      "\"link_preview_options\":{\"is_disabled\":true}}",
						      s->dest, s->sub, part, s->parts);
				}
				m.msg_id = id.data;
				m.subscriber = s->sub;
				m.channel = s->channel;
				m.dest = strcmp(s->channel, "slack") == 0 ? "webhook" : s->dest;
				m.digest_date = (char *)date;
				m.part = part;
				m.n_parts = s->parts;
				m.payload = payload ? payload : body.data;
				m.payload_len = payload ? len : body.len;
				m.created = (int64_t)time(NULL) - created_ago;
				int r = pb_outbox_put(st, &m);
				free(payload);
				if (r < 0) {
					pb_state_rollback(st);
					goto out;
				}
				enqueued += r;
			}
		}
		if (pb_state_commit(st) != 0)
			goto out;
		pb_buf_free(&text);
		pb_buf_free(&html);
		pb_buf_free(&id);
		pb_buf_free(&body);
	}
	t1 = mono_ms();
	memset(&ds, 0, sizeof ds);
	if (mode != 1 && pb_deliver_run(st, &cfg, &o, &ds, err, sizeof err) != 0) {
		fprintf(stderr, "deliver_drive: %s\n", err);
		goto out;
	}
	{
		int64_t t2 = mono_ms(), ms = t2 - t1;
		long done = ds.sent + ds.failed + ds.expired + ds.paused;
		printf("enqueued=%ld enqueue_ms=%lld sent=%ld retried=%ld failed=%ld expired=%ld "
		       "paused=%ld pending=%ld deliver_ms=%lld rate=%.1f\n",
		       enqueued, (long long)(t1 - t0), ds.sent, ds.retried, ds.failed, ds.expired,
		       ds.paused, ds.pending, (long long)ms,
		       ms > 0 ? (double)done * 1000.0 / (double)ms : 0.0);
	}
	rc = stop_flag ? 2 : 0;
out:
	if (rc == 1 && st)
		fprintf(stderr, "deliver_drive: state: %s\n", pb_state_errmsg(st));
	pb_state_close(st);
	for (size_t i = 0; i < cfg.n_subscribers; i++) {
		free(cfg.subscribers[i].name);
		free(cfg.subscribers[i].slack_webhook);
	}
	free(cfg.subscribers);
	pb_cfg_names_free(cfg.names);
	for (size_t i = 0; i < n_specs; i++) {
		free(specs[i].sub);
		free(specs[i].channel);
		free(specs[i].dest);
	}
	free(specs);
	return rc;
}
