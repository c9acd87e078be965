/* Logging: one key=value line per event, level checked before formatting. */
#ifndef PAPERBOY_LOG_H
#define PAPERBOY_LOG_H

enum pb_log_level {
	PB_LOG_ERROR = 0,
	PB_LOG_WARN = 1,
	PB_LOG_INFO = 2,
	PB_LOG_DEBUG = 3,
};

/* Chooses the threshold and the sink (stderr, or syslog with ident "paperboy"). */
void pb_log_setup(enum pb_log_level level, int use_syslog);
/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int pb_log_level_parse(const char *s);
int pb_log_enabled(enum pb_log_level level);
/* Nothing is logged from here on: for a child process made with fork, where another thread of
 * the parent may have held the log's lock or stderr's at the fork. */
void pb_log_off(void);

/* Registers a secret (copied) that is replaced by "***" in every later log line.
 * Strings shorter than 4 bytes are ignored. */
void pb_log_add_secret(const char *secret);

/* Writes "ts=... level=... event=EVENT <fmt...>". fmt should produce key=value pairs;
 * newlines in the result are escaped so an entry is always one line. */
void pb_log_emit(enum pb_log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Quotes s for use as a value: returned as-is when it has no space, quote, '=' or control
 * character, else in double quotes with \" \\ \n escaped; truncated to 400 bytes. The result
 * lives in one of 8 rotating slots of the calling thread: use it in the same log call only. */
const char *pb_q(const char *s);

#define pb_log(level, event, ...) \
	do { \
		if (pb_log_enabled(level)) \
			pb_log_emit((level), (event), __VA_ARGS__); \
	} while (0)
#define pb_err(event, ...) pb_log(PB_LOG_ERROR, event, __VA_ARGS__)
#define pb_warn(event, ...) pb_log(PB_LOG_WARN, event, __VA_ARGS__)
#define pb_info(event, ...) pb_log(PB_LOG_INFO, event, __VA_ARGS__)
#define pb_debug(event, ...) pb_log(PB_LOG_DEBUG, event, __VA_ARGS__)

#endif
