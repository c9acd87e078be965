/* The process clock, with a test hook (PAPERBOY_NOW) that shifts it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/clock.h"
#include "paperboy/log.h"

int
pb_parse_instant(const char *s, int64_t *t)
{
	struct tm tm;
	char *end;
	long long v;
	int y, mo, d, h, mi, se;
	char z, extra;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end == '\0' && errno == 0 && v >= 0) {
		*t = (int64_t)v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y, &mo, &d, &h, &mi, &se, &z, &extra) != 7 ||
	    z != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = (int64_t)timegm(&tm);
	return 0;
}

void
pb_format_instant(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "%lld", (long long)t);
}

/* Process-wide by nature, like the real clock it stands in for; the hook is read once, by
 * whichever thread asks first (the web endpoint's several among them). */
static int64_t now_offset;
static pthread_once_t now_once = PTHREAD_ONCE_INIT;

static void
now_init(void)
{
	const char *e = getenv("PAPERBOY_NOW");
	struct timespec ts;
	int64_t fake;

	if (!e || !*e)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (pb_parse_instant(e, &fake) == 0)
		now_offset = fake - (int64_t)ts.tv_sec;
	else
		pb_warn("clock.bad_now", "PAPERBOY_NOW=%s", pb_q(e));
}

int64_t
pb_now(void)
{
	struct timespec ts;

	pthread_once(&now_once, now_init);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + now_offset;
}

int64_t
pb_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
pb_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
