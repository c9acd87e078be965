#include "paperboy/log.h"
#include "paperboy/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define MAX_SECRETS 64

/* Process-wide by nature: there is one stderr and one syslog connection. */
static int log_level = PB_LOG_INFO;
static int log_syslog;
static char *secrets[MAX_SECRETS];
static size_t n_secrets;

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

int
pb_log_enabled(enum pb_log_level level)
{
	return (int)level <= log_level;
}

void
pb_log_add_secret(const char *secret)
{
	if (!secret || strlen(secret) < 4 || n_secrets == MAX_SECRETS)
		return;
	for (size_t i = 0; i < n_secrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	secrets[n_secrets++] = pb_xstrdup(secret);
}

static void
redact(struct pb_buf *b)
{
	for (size_t i = 0; i < n_secrets; i++) {
		size_t sl = strlen(secrets[i]);
		char *p;

		while ((p = strstr(b->data, secrets[i])) != NULL) {
			size_t off = (size_t)(p - b->data);

			memmove(p + 3, p + sl, b->len - off - sl + 1);
			memcpy(p, "***", 3);
			b->len = b->len - sl + 3;
		}
	}
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
	redact(&line);
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
	static char slots[8][420];
	static unsigned next;
	char *o = slots[next++ % 8];
	size_t n = 0;
	int plain = 1;

	if (!s)
		s = "";
	if (!*s)
		plain = 0;
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20 || *p == '\\')
			plain = 0;
	if (!plain)
		o[n++] = '"';
	for (const char *p = s; *p && n < 404; p++) {
		unsigned char c = (unsigned char)*p;

		if (!plain && (c == '"' || c == '\\')) {
			o[n++] = '\\';
			o[n++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			o[n++] = '\\';
			o[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20) {
			o[n++] = '?';
		} else {
			o[n++] = (char)c;
		}
	}
	if (!plain)
		o[n++] = '"';
	o[n] = '\0';
	return o;
}
