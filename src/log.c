#include "paperboy/log.h"
#include "paperboy/buf.h"
#include "paperboy/escape.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <utf8proc.h>


/* Process-wide by nature: there is one stderr and one syslog connection. */
static int log_level = PB_LOG_INFO;
static int log_syslog;
/* Secrets to mask, sorted by their first four bytes so a line is scanned once, whatever their
 * number (a deployment may hold a webhook per subscriber). */
struct secret {
	uint32_t prefix;
	char *s;
	size_t len;
};
static struct secret *secrets;
static size_t n_secrets, cap_secrets;
/* Threads log (the web endpoint's, a run's delivery beside its build) while one may add. */
static pthread_mutex_t secrets_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
pb_log_setup(enum pb_log_level level, int use_syslog)
{
	log_level = level;
	if (use_syslog && !log_syslog)
		openlog("paperboy", LOG_PID, LOG_DAEMON);
	log_syslog = use_syslog;
}

int
pb_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void
pb_log_off(void)
{
	log_level = -1;
}

int
pb_log_enabled(enum pb_log_level level)
{
	return (int)level <= log_level;
}

static uint32_t
prefix4(const char *p)
{
	return (uint32_t)(unsigned char)p[0] << 24 | (uint32_t)(unsigned char)p[1] << 16 |
	       (uint32_t)(unsigned char)p[2] << 8 | (uint32_t)(unsigned char)p[3];
}

/* Index of the first secret with this prefix, or n_secrets. */
static size_t
first_with(uint32_t pre)
{
	size_t lo = 0, hi = n_secrets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (secrets[mid].prefix < pre)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
pb_log_add_secret(const char *secret)
{
	size_t len = secret ? strlen(secret) : 0, at;
	uint32_t pre;

	if (len < 4)
		return;
	pre = prefix4(secret);
	pthread_mutex_lock(&secrets_mu);
	at = first_with(pre);
	for (size_t i = at; i < n_secrets && secrets[i].prefix == pre; i++)
		if (strcmp(secrets[i].s, secret) == 0) {
			pthread_mutex_unlock(&secrets_mu);
			return;
		}
	if (n_secrets == cap_secrets) {
		cap_secrets = cap_secrets ? cap_secrets * 2 : 16;
		secrets = pb_xreallocarray(secrets, cap_secrets, sizeof *secrets);
	}
	memmove(&secrets[at + 1], &secrets[at], (n_secrets - at) * sizeof *secrets);
	secrets[at].prefix = pre;
	secrets[at].s = pb_xstrdup(secret);
	secrets[at].len = len;
	n_secrets++;
	pthread_mutex_unlock(&secrets_mu);
}

/* Replaces every registered secret in b by "***" (longest match at each position). */
static void
redact(struct pb_buf *b)
{
	struct pb_buf out = { 0 };
	size_t i = 0;

	if (!n_secrets || b->len < 4)
		return;
	while (i < b->len) {
		size_t best = 0;

		if (b->len - i >= 4) {
			uint32_t pre = prefix4(b->data + i);

			for (size_t k = first_with(pre); k < n_secrets && secrets[k].prefix == pre; k++)
				if (secrets[k].len > best && secrets[k].len <= b->len - i &&
				    memcmp(b->data + i, secrets[k].s, secrets[k].len) == 0)
					best = secrets[k].len;
		}
		if (best) {
			pb_buf_puts(&out, "***");
			i += best;
		} else {
			pb_buf_putc(&out, b->data[i++]);
		}
	}
	pb_buf_free(b);
	*b = out;
}

void
pb_log_emit(enum pb_log_level level, const char *event, const char *fmt, ...)
{
	struct pb_buf line = { 0 }, out = { 0 };
	va_list ap;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;

	va_start(ap, fmt);
	pb_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&secrets_mu);
	redact(&line);
	pthread_mutex_unlock(&secrets_mu);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!log_syslog)
		pb_buf_printf(&out, "ts=%s ", ts);
	pb_buf_printf(&out, "level=%s event=%s", level_names[level], event);
	if (line.len)
		pb_buf_putc(&out, ' ');
	for (size_t i = 0; i < line.len; i++) {
		char c = line.data[i];

		if (c == '\n')
			pb_buf_puts(&out, "\\n");
		else if (c == '\r')
			pb_buf_puts(&out, "\\r");
		else
			pb_buf_putc(&out, c);
	}
	if (log_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
		syslog(prio[level], "%s", out.data);
	} else {
		pb_buf_putc(&out, '\n');
		fwrite(out.data, 1, out.len, stderr);
		fflush(stderr);
	}
	pb_buf_free(&line);
	pb_buf_free(&out);
}

const char *
pb_q(const char *s)
{
	/* Per thread: the web endpoint's thread logs beside the daemon's loop. */
	static _Thread_local char slots[8][420];
	static _Thread_local unsigned next;
	char *o = slots[next++ % 8];
	size_t n = 0, len;
	int plain = 1;

	if (!s)
		s = "";
	if (!*s)
		plain = 0;
	len = strlen(s);
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20 || *p == '\\')
			plain = 0;
	if (!plain)
		o[n++] = '"';
	/* Outside text (a title, a server's words) reaches log lines: the characters that
	 * pb_text_clean would not show, and bytes that are not UTF-8, become '?'. */
	for (size_t i = 0; i < len && n < 404;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &cp);

		if (k <= 0) {
			o[n++] = '?';
			i++;
		} else if (cp == '"' || cp == '\\') {
			if (!plain)
				o[n++] = '\\';
			o[n++] = (char)cp;
			i++;
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			o[n++] = '\\';
			o[n++] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
			i++;
		} else if (cp < 0x20 || pb_char_unsafe(cp)) {
			o[n++] = '?';
			i += (size_t)k;
		} else if (n + (size_t)k > 404) {
			break;
		} else {
			memcpy(o + n, s + i, (size_t)k);
			n += (size_t)k;
			i += (size_t)k;
		}
	}
	if (!plain)
		o[n++] = '"';
	o[n] = '\0';
	return o;
}
