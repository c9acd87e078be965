/* arXiv's calendar, and wall-clock arithmetic in IANA zones.
 *
 * Zone conversion goes through the C library: the zone is selected by setting TZ and calling
 * tzset() in tz_push(), and the caller's TZ is restored by tz_pop(), one thread at a time. Converting a wall time
 * to an instant does not trust mktime() with gaps and folds (its choice there is
 * unspecified); it tries the UTC offsets in force two days before and after and checks which
 * one reproduces the wall time, then handles the gap and the fold explicitly. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"

/* Source: arXiv's "Availability of submissions" page (info.arxiv.org/help/availability,
 * source/help/availability.md in arXiv/arxiv-docs), which lists the 2025 holidays (Tuesday 30
 * December among them) and the 2026 ones. Its Fridays are written here as the Sunday whose
 * release they skip (no Friday cutoff leaves that release nothing), as the 2025 list wrote
 * 6 July. arXiv adds deferred mailings now and then: override `holidays` in the config. */
const char *const pb_arxiv_holidays[] = {
	"2025-01-01",   /* Wed, New Year's Day */
	"2025-01-20",   /* Mon, Martin Luther King Jr. Day */
	"2025-06-19",   /* Thu, Juneteenth */
	"2025-07-06",   /* Sun, after Independence Day (Fri) */
	"2025-09-01",   /* Mon, Labor Day */
	"2025-11-27",   /* Thu, Thanksgiving */
	"2025-12-25",   /* Thu, Christmas */
	"2025-12-30",   /* Tue */
	"2026-01-01",   /* Thu, New Year's Day */
	"2026-01-19",   /* Mon, Martin Luther King Jr. Day */
	"2026-06-21",   /* Sun, after Juneteenth (Fri 19 June) */
	"2026-07-05",   /* Sun, after Independence Day observed (Fri 3 July) */
	"2026-09-07",   /* Mon, Labor Day */
	"2026-11-26",   /* Thu, Thanksgiving */
	"2026-12-27",   /* Sun, after Christmas (Fri 25 December) */
	"2026-12-29",   /* Tue */
	"2026-12-31",   /* Thu, New Year's Eve */
};
const size_t pb_arxiv_n_holidays = sizeof pb_arxiv_holidays / sizeof pb_arxiv_holidays[0];

/* ---- dates as days since the epoch ---- */

/* Proleptic Gregorian day numbers (days since 1970-01-01) from and to y-m-d, in integers, so
 * no date goes through time_t or the C library's zone. */
static long
days_from_ymd(int y, int m, int d)
{
	long yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void
ymd_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Splits a date pb_date_valid accepts into its numbers; 0 or -1. */
static int
date_split(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = *y % 4 == 0 && (*y % 100 != 0 || *y % 400 == 0);
	if (*y < PB_DATE_FIRST_YEAR || *m < 1 || *m > 12 || *d < 1 ||
	    *d > mdays[*m - 1] + (*m == 2 && leap))
		return -1;
	return 0;
}

int
pb_date_valid(const char *s)
{
	int y, m, d;

	return date_split(s, &y, &m, &d) == 0;
}

int
pb_date_parse(const char *s, long *days)
{
	int y, m, d;

	if (date_split(s, &y, &m, &d) < 0)
		return -1;
	*days = days_from_ymd(y, m, d);
	return 0;
}

void
pb_date_format(long days, char out[PB_DATE_LEN])
{
	int y, m, d;

	ymd_from_days(days, &y, &m, &d);
	/* The moduli only tell the compiler the ranges it cannot see (a year of 4 digits). */
	snprintf(out, PB_DATE_LEN, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

/* 0 = Sunday .. 6 = Saturday; 1970-01-01 was a Thursday. */
static int
weekday(long days)
{
	return (int)(((days % 7) + 7 + 4) % 7);
}

/* ---- zones ---- */

struct tz_saved {
	char *old;
};

/* The zone is the process's (TZ), so conversions take turns: two threads converting at once
 * (the daemon's schedule, the web endpoint's threads) would each read the other's zone. And
 * TZ is only ever replaced, never added or removed once there: adding a variable can move the
 * environment, under a getenv in another thread. Without TZ the C library reads
 * /etc/localtime, as with TZ=":/etc/localtime", which stands for it. */
static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;
#define TZ_UNSET ":/etc/localtime"

void
pb_tz_init(void)
{
	pthread_mutex_lock(&tz_mu);
	if (!getenv("TZ"))
		setenv("TZ", TZ_UNSET, 1);
	pthread_mutex_unlock(&tz_mu);
}

static void
tz_push(const char *tz, struct tz_saved *s)
{
	const char *o;

	pthread_mutex_lock(&tz_mu);
	if (!(o = getenv("TZ"))) {
		setenv("TZ", TZ_UNSET, 1);
		o = getenv("TZ");
	}
	s->old = pb_xstrdup(o);
	setenv("TZ", tz, 1);
	tzset();
}

static void
tz_pop(struct tz_saved *s)
{
	setenv("TZ", s->old, 1);
	tzset();
	free(s->old);
	pthread_mutex_unlock(&tz_mu);
}

int
pb_tz_file_ok(const char *path)
{
	struct stat sb;
	char magic[4];
	FILE *f;
	int ok;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || !(f = fopen(path, "rb")))
		return 0;
	ok = fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

int
pb_tz_valid(const char *tz)
{
	const char *dir = getenv("TZDIR");
	struct pb_buf p = { 0 };
	int ok;

	if (!tz || !*tz || tz[0] == '/' || tz[0] == ':' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	pb_buf_printf(&p, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	ok = pb_tz_file_ok(p.data);
	pb_buf_free(&p);
	return ok;
}

int
pb_parse_hhmm(const char *s, int *hour, int *minute)
{
	if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
	    s[1] > '9' || s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	*hour = (s[0] - '0') * 10 + (s[1] - '0');
	*minute = (s[3] - '0') * 10 + (s[4] - '0');
	return *hour < 24 && *minute < 60 ? 0 : -1;
}

/* The wall clock of t in the current TZ, as seconds since the epoch "as if UTC". */
static int64_t
wall(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return (int64_t)timegm(&tm);
}

/* The instant of wall time w in the current TZ (see pb_tz_to_instant). */
static int64_t
wall_to_instant(int64_t w)
{
	int64_t oa = wall(w - 2 * 86400) - (w - 2 * 86400);
	int64_t ob = wall(w + 2 * 86400) - (w + 2 * 86400);
	int64_t ta = w - oa, tb = w - ob, lo, hi;
	int va = wall(ta) == w, vb = wall(tb) == w;

	if (va && vb)
		return ta < tb ? ta : tb;   /* a repeated hour: the first occurrence */
	if (va)
		return ta;
	if (vb)
		return tb;
	/* A gap: find the change of offset, the first instant whose wall time is past w. */
	lo = ta < tb ? ta : tb;
	hi = ta < tb ? tb : ta;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (wall(mid) > w)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo % 60)
		lo += 60 - lo % 60;
	return lo;
}

static int64_t
civil(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm);
}

int
pb_tz_to_instant(const char *tz, int y, int mo, int d, int h, int mi, int64_t *out)
{
	struct tz_saved s;

	if (!pb_tz_valid(tz) || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59)
		return -1;
	tz_push(tz, &s);
	*out = wall_to_instant(civil(y, mo, d, h, mi));
	tz_pop(&s);
	return 0;
}

int
pb_tz_breakdown(const char *tz, int64_t t, struct tm *tm)
{
	struct tz_saved s;
	time_t tt = (time_t)t;
	int ok;

	if (!pb_tz_valid(tz))
		return -1;
	tz_push(tz, &s);
	ok = localtime_r(&tt, tm) != NULL;
	tz_pop(&s);
	return ok ? 0 : -1;
}

int64_t
pb_next_wakeup(const char *tz, char *const *schedule, size_t n, int64_t after, char *err,
	       size_t errlen)
{
	struct tz_saved s;
	int64_t best = -1, today;
	int hm[64][2];
	time_t tt = (time_t)after;
	struct tm tm;

	if (!pb_tz_valid(tz)) {
		snprintf(err, errlen, "unknown time zone \"%s\"", tz ? tz : "");
		return -1;
	}
	if (n == 0 || n > 64) {
		snprintf(err, errlen, "the schedule needs 1 to 64 times, not %zu", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (pb_parse_hhmm(schedule[i], &hm[i][0], &hm[i][1]) < 0) {
			snprintf(err, errlen, "schedule time \"%s\" is not HH:MM", schedule[i]);
			return -1;
		}
	tz_push(tz, &s);
	localtime_r(&tt, &tm);
	today = civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0);
	/* Yesterday's times can still lie ahead near a fold; two days ahead covers any gap. */
	for (int k = -1; k <= 2; k++)
		for (size_t i = 0; i < n; i++) {
			int64_t w = today + (int64_t)k * 86400 + hm[i][0] * 3600 + hm[i][1] * 60;
			int64_t t = wall_to_instant(w);

			if (t > after && (best < 0 || t < best))
				best = t;
		}
	tz_pop(&s);
	return best;
}

/* ---- arXiv ---- */

void
pb_calendar_init(struct pb_calendar *cal, const struct pb_config *cfg)
{
	if (cfg && cfg->holidays) {
		cal->holidays = (const char *const *)cfg->holidays;
		cal->n_holidays = cfg->n_holidays;
	} else {
		cal->holidays = pb_arxiv_holidays;
		cal->n_holidays = pb_arxiv_n_holidays;
	}
}

static int
is_holiday(const struct pb_calendar *cal, long day)
{
	char s[PB_DATE_LEN];

	pb_date_format(day, s);
	for (size_t i = 0; i < cal->n_holidays; i++)
		if (cal->holidays[i] && strcmp(cal->holidays[i], s) == 0)
			return 1;
	return 0;
}

static int
year_known(const struct pb_calendar *cal, int year)
{
	char pre[16];

	snprintf(pre, sizeof pre, "%04d-", year);
	for (size_t i = 0; i < cal->n_holidays; i++)
		if (cal->holidays[i] && strncmp(cal->holidays[i], pre, 5) == 0)
			return 1;
	return 0;
}

int
pb_cal_last_year(const struct pb_calendar *cal)
{
	int last = 0;

	for (size_t i = 0; i < cal->n_holidays; i++) {
		int y = cal->holidays[i] ? atoi(cal->holidays[i]) : 0;

		if (y > last)
			last = y;
	}
	return last;
}

int
pb_cal_unknown_year(const struct pb_calendar *cal, int64_t t)
{
	const int64_t ahead = 14 * 86400;
	int64_t at[2] = { t, t + ahead };

	if (cal->n_holidays == 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		time_t tt = (time_t)at[i];
		struct tm tm;

		if (!gmtime_r(&tt, &tm))
			return 0;
		if (!year_known(cal, tm.tm_year + 1900))
			return tm.tm_year + 1900;
	}
	return 0;
}

static int
releases(const struct pb_calendar *cal, long day)
{
	int w = weekday(day);

	if (w == 5 || w == 6 || is_holiday(cal, day))
		return 0;
	/* Sunday's release lists what Friday's cutoff closed; arXiv's list names a Friday
	 * holiday (Friday 2026-06-19) rather than the Sunday it skips, and without a Friday
	 * cutoff Monday's release takes everything since Thursday's. */
	return w != 0 || !is_holiday(cal, day - 2);
}

int
pb_cal_releases_on(const struct pb_calendar *cal, const char *et_day)
{
	long d;

	if (pb_date_parse(et_day, &d) < 0)
		return -1;
	return releases(cal, d);
}

int
pb_cal_is_announcement(const struct pb_calendar *cal, const char *date)
{
	long d;

	if (pb_date_parse(date, &d) < 0)
		return -1;
	return releases(cal, d - 1);
}

/* The instant of hour:00 America/New_York on the Eastern day day; -1 without the zone. */
static int64_t
et_instant(long day, int hour)
{
	int64_t t;
	int y, m, d;

	ymd_from_days(day, &y, &m, &d);
	if (pb_tz_to_instant(PB_ARXIV_TZ, y, m, d, hour, 0, &t) < 0)
		return -1;
	return t;
}

static int64_t
release_of(long date_days)
{
	return et_instant(date_days - 1, 20);
}

int64_t
pb_cal_release_time(const char *date)
{
	long d;

	if (pb_date_parse(date, &d) < 0)
		return -1;
	return release_of(d);
}

int64_t
pb_cal_feed_time(const char *date)
{
	long d;

	if (pb_date_parse(date, &d) < 0)
		return -1;
	return et_instant(d, 0);
}

int
pb_cal_latest(const struct pb_calendar *cal, int64_t t, char out[PB_DATE_LEN])
{
	/* The UTC day after t bounds every ET date at t; walk back from there. */
	long d = (long)(t / 86400) + 2;

	for (int i = 0; i < 400; i++, d--)
		if (releases(cal, d - 1) && release_of(d) <= t) {
			pb_date_format(d, out);
			return 0;
		}
	return -1;
}

int
pb_cal_prev(const struct pb_calendar *cal, const char *date, char out[PB_DATE_LEN])
{
	long d;

	if (pb_date_parse(date, &d) < 0)
		return -1;
	for (int i = 0; i < 400; i++)
		if (releases(cal, --d - 1)) {
			pb_date_format(d, out);
			return 0;
		}
	return -1;
}

int
pb_cal_next(const struct pb_calendar *cal, const char *date, char out[PB_DATE_LEN])
{
	long d;

	if (pb_date_parse(date, &d) < 0)
		return -1;
	for (int i = 0; i < 400; i++)
		if (releases(cal, ++d - 1)) {
			pb_date_format(d, out);
			return 0;
		}
	return -1;
}

/* A day whose 14:00 ET may close the submissions of an announcement: Monday to Friday, not a
 * holiday. */
static int
is_cutoff_day(const struct pb_calendar *cal, long day)
{
	int w = weekday(day);

	return w >= 1 && w <= 5 && !is_holiday(cal, day);
}

/* The day of the cutoff that closes the release on day rel: the last one on or before it.
 * 0, or -1 when none lies within two weeks. */
static int
closing_cutoff(const struct pb_calendar *cal, long rel, long *day)
{
	long e;

	for (e = rel; e > rel - 14 && !is_cutoff_day(cal, e); e--)
		;
	*day = e;
	return is_cutoff_day(cal, e) ? 0 : -1;
}

int
pb_cal_submission_window(const struct pb_calendar *cal, const char *date, int64_t *start,
			 int64_t *end)
{
	long ann, e, s, prev;

	if (pb_date_parse(date, &ann) < 0)
		return -1;
	ann--;      /* the evening it was mailed */
	if (!releases(cal, ann))
		return 1;
	/* The window opens where the previous release's closed, not at the cutoff day before:
	 * a Friday holiday skips Sunday's release, and the Friday that no release closes at
	 * must not cut Thursday evening's submissions out of every window. */
	for (prev = ann - 1; prev > ann - 14 && !releases(cal, prev); prev--)
		;
	if (closing_cutoff(cal, ann, &e) < 0 || !releases(cal, prev) ||
	    closing_cutoff(cal, prev, &s) < 0 || s >= e)
		return 1;
	*start = et_instant(s, 14);
	*end = et_instant(e, 14);
	return *start < 0 || *end < 0 ? -1 : 0;
}

int
pb_cal_missed(const struct pb_calendar *cal, int64_t from, int64_t to, int catchup_days,
	      char (*out)[PB_DATE_LEN], size_t max)
{
	int64_t lower = to - (int64_t)catchup_days * 86400;
	char cur[PB_DATE_LEN];
	size_t n = 0;

	if (catchup_days < 0 || to < from)
		return -1;
	if (from > lower)
		lower = from;
	if (max == 0 || pb_cal_latest(cal, to, cur) < 0)
		return 0;
	/* Newest first into out, then reversed. */
	while (n < max && pb_cal_release_time(cur) > lower) {
		memcpy(out[n++], cur, PB_DATE_LEN);
		if (pb_cal_prev(cal, cur, cur) < 0)
			break;
	}
	for (size_t i = 0; i < n / 2; i++) {
		char tmp[PB_DATE_LEN];

		memcpy(tmp, out[i], PB_DATE_LEN);
		memcpy(out[i], out[n - 1 - i], PB_DATE_LEN);
		memcpy(out[n - 1 - i], tmp, PB_DATE_LEN);
	}
	return (int)n;
}
