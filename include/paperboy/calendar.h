/* arXiv's calendar and the daemon's clock arithmetic.
 *
 * arXiv releases an announcement at 20:00 America/New_York (EST or EDT) on Sunday to Thursday,
 * none on Friday and Saturday nor on its holidays. An announcement is named by its DATE: the
 * listing date arXiv prints, the RSS feed's pubDate and the name of a digest. That is the day
 * after the 20:00 release, so announcement dates fall on Monday to Friday: the release on
 * Wednesday 2025-12-03 20:00 ET is the announcement 2025-12-04.
 *
 * Holidays are written as arXiv's own list writes them: the US Eastern day whose 20:00 release
 * is skipped ("Thu 27 November 2025" = no release that Thursday evening, so no announcement
 * dated Friday 2025-11-28). A Friday on the list (arXiv writes Juneteenth 2026 so) has no
 * cutoff, which leaves the Sunday after it no release.
 *
 * Dates are "YYYY-MM-DD" strings; instants are unix seconds. Zone conversion sets TZ and calls
 * tzset() inside a helper that sets it back afterwards, one conversion at a time under a lock
 * (the web endpoint's threads convert beside the daemon's); pb_tz_init, at the start, sets an
 * unset TZ once, so the environment is only ever replaced, never grown or shrunk. */
#ifndef PAPERBOY_CALENDAR_H
#define PAPERBOY_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "paperboy/config.h"

#define PB_ARXIV_TZ "America/New_York"
#define PB_DATE_LEN 11   /* "YYYY-MM-DD" and its NUL */
#define PB_DATE_FIRST_YEAR 1991   /* arXiv's first: no date before it is one (pb_date_valid) */

/* arXiv's holidays known for 2025 and 2026 (release days, as above), sorted. The config uses
 * this list when its `holidays` key is unset. */
extern const char *const pb_arxiv_holidays[];
extern const size_t pb_arxiv_n_holidays;

struct pb_calendar {
	const char *const *holidays;   /* borrowed, "YYYY-MM-DD" release days */
	size_t n_holidays;
};

/* Uses cfg->holidays, or the built-in list when cfg is NULL or cfg->holidays is NULL (a
 * non-NULL list with no entries means "no holidays"). The calendar borrows from cfg. */
void pb_calendar_init(struct pb_calendar *cal, const struct pb_config *cfg);

/* 1 when arXiv releases an announcement at 20:00 ET on the Eastern day et_day (Sunday to
 * Thursday, not a holiday), 0 when not, -1 for a malformed date. */
int pb_cal_releases_on(const struct pb_calendar *cal, const char *et_day);
/* 1 when date names an announcement (the day after a release day), 0 when not, -1 malformed. */
int pb_cal_is_announcement(const struct pb_calendar *cal, const char *date);
/* The instant of the release of the announcement named date (the day before, 20:00 ET),
 * whether or not arXiv announces that day; -1 for a malformed date. */
int64_t pb_cal_release_time(const char *date);
/* The instant rss.arxiv.org starts to serve the announcement named date: 00:00 ET that day.
 * Its feeds are rebuilt at midnight Eastern ("Feeds are updated daily at midnight", arXiv's
 * RSS help), so from the 20:00 release until then the feed is still the day before's. -1 for
 * a malformed date. */
int64_t pb_cal_feed_time(const char *date);
/* The submissions listed in the announcement named date. arXiv cuts submissions off at 14:00
 * ET (EST or EDT, as the tz database has it) on Monday to Friday, holidays excepted; an
 * announcement closes at the last cutoff on or before the day it is released and opens where
 * the previous release closed (so the windows of consecutive releases meet, also around a
 * Friday holiday that skips Sunday's release). Sets *start (opening) and *end (closing) to those two instants; a
 * submission at *end belongs to the next announcement. Returns 0; 1 when date names no
 * announcement (released on a Friday, a Saturday or a holiday) or no cutoff lies within two
 * weeks before it; -1 when date is not a date (pb_date_valid) or PB_ARXIV_TZ is missing from
 * the tz database. */
int pb_cal_submission_window(const struct pb_calendar *cal, const char *date, int64_t *start,
			     int64_t *end);
/* The latest announcement released at or before t, into out. 0, or -1 (none within a year). */
int pb_cal_latest(const struct pb_calendar *cal, int64_t t, char out[PB_DATE_LEN]);
/* The announcement before / after date (strictly; date itself need not be one). 0 or -1. */
int pb_cal_prev(const struct pb_calendar *cal, const char *date, char out[PB_DATE_LEN]);
int pb_cal_next(const struct pb_calendar *cal, const char *date, char out[PB_DATE_LEN]);
/* The announcements released in (from, to] but not before to - catchup_days days, oldest
 * first, at most max of them (the newest max when there are more). Returns the count written
 * to out, or -1 for bad arguments. */
int pb_cal_missed(const struct pb_calendar *cal, int64_t from, int64_t to, int catchup_days,
		  char (*out)[PB_DATE_LEN], size_t max);

/* The first year, among t's and that of two weeks after t (UTC dates), for which the
 * calendar's holiday list names no day: arXiv publishes each year's holidays late in the year
 * before, and a year the list does not know has its holidays taken for release days (the
 * daemon waits for releases that do not come, and catch-ups ask for the wrong windows). 0 when
 * both years are known, or the list is empty (the config's `holidays = []`, "none"). */
int pb_cal_unknown_year(const struct pb_calendar *cal, int64_t t);
/* The last year the holiday list names a day of, or 0 when it names none. */
int pb_cal_last_year(const struct pb_calendar *cal);

/* ---- time zones ---- */

/* 1 when tz names a zone in the system's tz database (TZDIR or /usr/share/zoneinfo), or is
 * "UTC"; 0 otherwise. Rejects absolute paths and "..". */
int pb_tz_valid(const char *tz);
/* Sets TZ to what its absence means (the system's zone) when it is not set, so that zone
 * conversions later only ever replace it: called first thing, before any thread starts. */
void pb_tz_init(void);
/* Whether path is a compiled zone file (a regular file starting "TZif"): zoneinfo also holds
 * other files (leapseconds, zone.tab), which the C library would take for UTC. */
int pb_tz_file_ok(const char *path);
/* Parses "HH:MM" (00:00-23:59). 0 or -1. */
int pb_parse_hhmm(const char *s, int *hour, int *minute);
/* The instant of the local wall time y-m-d h:mi in tz. A time skipped by a spring-forward gap
 * gives the first valid minute after it (the instant of the change); a time that occurs twice
 * at fall-back gives the first occurrence. 0 or -1 (bad zone or date). */
int pb_tz_to_instant(const char *tz, int y, int mo, int d, int h, int mi, int64_t *out);
/* Breaks t down in tz into *tm (tm_gmtoff and tm_isdst set). 0 or -1. */
int pb_tz_breakdown(const char *tz, int64_t t, struct tm *tm);
/* The first instant strictly after `after` at which one of the n "HH:MM" schedule times
 * occurs in tz (DST rules as pb_tz_to_instant: a skipped time runs at the first valid minute,
 * a repeated one runs once). Returns -1 with err filled on a bad zone or time. */
int64_t pb_next_wakeup(const char *tz, char *const *schedule, size_t n, int64_t after,
		       char *err, size_t errlen);

/* ---- dates ---- */

/* 1 when s is a date: "YYYY-MM-DD", four, two and two digits, naming a day that exists in the
 * Gregorian calendar (2024-02-29 does; 2025-02-29, 2025-02-30 and 2025-13-01 do not) from
 * 1991-01-01, the year arXiv began, to 9999-12-31. 0 otherwise, NULL included. The one test
 * of a date: --date, the config's holidays and every function here that takes a date use it. */
int pb_date_valid(const char *s);
/* Parses a date (pb_date_valid) into days since 1970-01-01. 0 or -1. */
int pb_date_parse(const char *s, long *days);
/* Formats days since 1970-01-01 as "YYYY-MM-DD". */
void pb_date_format(long days, char out[PB_DATE_LEN]);

#endif
