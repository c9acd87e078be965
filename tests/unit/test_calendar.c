/* arXiv's calendar and schedule arithmetic: what a date is, release days vs Friday/Saturday and
 * holidays, the 14:00 ET submission cutoffs and the latest announcement at instants around
 * 20:00 ET on both sides of DST, catch-up lists, and the next wake-up across DST changes in
 * New York and Berlin, and in Shanghai (no DST). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/calendar.h"
#include "paperboy/clock.h"
#include "t.h"

static int64_t
at(const char *iso)
{
	int64_t t = -1;

	if (pb_parse_instant(iso, &t) < 0)
		fprintf(stderr, "bad instant in test: %s\n", iso);
	return t;
}

static const char *
iso(int64_t t)
{
	static char b[4][32];
	static int k;
	char *p = b[k++ % 4];

	pb_format_instant(t, p, 32);
	return p;
}

static struct pb_calendar cal;

static const char *
latest(const char *instant)
{
	static char out[PB_DATE_LEN];

	if (pb_cal_latest(&cal, at(instant), out) < 0)
		return "(none)";
	return out;
}

/* pb_date_valid: the one test of a date. */
static const struct {
	const char *s;
	int valid;
} dates[] = {
	{ "2024-02-29", 1 },    /* a leap day */
	{ "2000-02-29", 1 },    /* divisible by 400: leap */
	{ "2100-02-29", 0 },    /* by 100, not 400: not leap */
	{ "2025-02-29", 0 },
	{ "2025-02-30", 0 },
	{ "2024-02-30", 0 },
	{ "2025-02-28", 1 },
	{ "2025-04-31", 0 },
	{ "2025-04-30", 1 },
	{ "2025-12-31", 1 },
	{ "2025-12-32", 0 },
	{ "2025-13-01", 0 },
	{ "2025-00-10", 0 },
	{ "2025-01-00", 0 },
	{ "1991-01-01", 1 },    /* arXiv's first year */
	{ "1990-12-31", 0 },
	{ "1970-01-01", 0 },
	{ "0000-01-01", 0 },
	{ "9999-12-31", 1 },
	{ "2025-2-3", 0 },
	{ "2025-12-4", 0 },
	{ "20251204", 0 },
	{ "2025/12/04", 0 },
	{ "2025-12-04x", 0 },
	{ "2025-12-04 ", 0 },
	{ " 2025-12-04", 0 },
	{ "+025-12-04", 0 },
	{ "2025-+1-04", 0 },
	{ "2025-12-0x", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

static void
test_dates(void)
{
	long d;
	char s[PB_DATE_LEN];

	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		T_EQ_INT(pb_date_valid(dates[i].s), dates[i].valid);
		T_EQ_INT(pb_date_parse(dates[i].s, &d), dates[i].valid ? 0 : -1);
		if (pb_date_valid(dates[i].s) != dates[i].valid)
			fprintf(stderr, "  (date \"%s\")\n", dates[i].s ? dates[i].s : "(null)");
		if (dates[i].valid) {
			pb_date_format(d, s);
			T_EQ_STR(s, dates[i].s);
		}
	}
	T_EQ_INT(pb_date_parse("1991-01-01", &d), 0);
	T_EQ_INT(d, 7670);
	T_EQ_INT(pb_date_parse("2025-12-04", &d), 0);
	T_EQ_INT(d, 20426);
	pb_date_format(0, s);
	T_EQ_STR(s, "1970-01-01");
	/* Every day from 1991 to 2099 goes round through its day number. */
	{
		long first, last, back, wrong = 0;

		pb_date_parse("1991-01-01", &first);
		pb_date_parse("2099-12-31", &last);
		for (d = first; d <= last; d++) {
			pb_date_format(d, s);
			if (!pb_date_valid(s) || pb_date_parse(s, &back) < 0 || back != d)
				wrong++;
		}
		T_EQ_INT(wrong, 0);
	}
}

/* The cutoffs of a listing: 14:00 ET, EST (19:00 UTC) or EDT (18:00 UTC) as New York's clocks
 * are on that day, on both sides of each change. The announcement dated d is mailed the
 * evening before; its window closes at that day's cutoff (Friday's for Monday's mailing). */
static const struct {
	const char *date;
	int rc;
	const char *start, *end;
} cutoffs[] = {
	/* Spring 2025 (Sunday 2025-03-09): Monday's listing lies in EST, Tuesday's opens in EST
	 * and closes in EDT, Wednesday's lies in EDT. */
	{ "2025-03-10", 0, "2025-03-06T19:00:00Z", "2025-03-07T19:00:00Z" },
	{ "2025-03-11", 0, "2025-03-07T19:00:00Z", "2025-03-10T18:00:00Z" },
	{ "2025-03-12", 0, "2025-03-10T18:00:00Z", "2025-03-11T18:00:00Z" },
	/* Autumn 2025 (Sunday 2025-11-02): the other way round. */
	{ "2025-11-03", 0, "2025-10-30T18:00:00Z", "2025-10-31T18:00:00Z" },
	{ "2025-11-04", 0, "2025-10-31T18:00:00Z", "2025-11-03T19:00:00Z" },
	{ "2025-11-05", 0, "2025-11-03T19:00:00Z", "2025-11-04T19:00:00Z" },
	/* Before 2007 the clocks changed on April's first and October's last Sunday. */
	{ "2006-04-04", 0, "2006-03-31T19:00:00Z", "2006-04-03T18:00:00Z" },
	{ "2006-10-31", 0, "2006-10-27T18:00:00Z", "2006-10-30T19:00:00Z" },
	{ "2006-03-14", 0, "2006-03-10T19:00:00Z", "2006-03-13T19:00:00Z" },
	/* Thanksgiving 2025 (Thursday): no release, no cutoff; Monday's listing opens on
	 * Wednesday. Nothing is listed on the Friday after, nor on a Saturday or a Sunday. */
	{ "2025-11-28", 1, NULL, NULL },
	{ "2025-12-01", 0, "2025-11-26T19:00:00Z", "2025-11-28T19:00:00Z" },
	{ "2025-12-06", 1, NULL, NULL },
	{ "2025-12-07", 1, NULL, NULL },
	/* Independence Day 2025 (Friday): Sunday's release is skipped, so Tuesday's listing
	 * (mailed Monday) takes everything since Thursday's cutoff; the windows meet. */
	{ "2025-07-04", 0, "2025-07-02T18:00:00Z", "2025-07-03T18:00:00Z" },
	{ "2025-07-07", 1, NULL, NULL },
	{ "2025-07-08", 0, "2025-07-03T18:00:00Z", "2025-07-07T18:00:00Z" },
	/* Christmas 2026 (Friday): the same. */
	{ "2026-12-25", 0, "2026-12-23T19:00:00Z", "2026-12-24T19:00:00Z" },
	{ "2026-12-29", 0, "2026-12-24T19:00:00Z", "2026-12-28T19:00:00Z" },
	/* The turn of 2025 (arXiv's list: Thursday 25 and Tuesday 30 December, Thursday 1
	 * January): no release on those evenings and no cutoff on those days, so Thursday's
	 * listing of New Year's Day takes everything since Monday's cutoff. */
	{ "2025-12-26", 1, NULL, NULL },
	{ "2025-12-30", 0, "2025-12-26T19:00:00Z", "2025-12-29T19:00:00Z" },
	{ "2025-12-31", 1, NULL, NULL },
	{ "2026-01-01", 0, "2025-12-29T19:00:00Z", "2025-12-31T19:00:00Z" },
	{ "2026-01-02", 1, NULL, NULL },
	{ "2026-01-05", 0, "2025-12-31T19:00:00Z", "2026-01-02T19:00:00Z" },
	/* Not dates. */
	{ "2025-02-30", -1, NULL, NULL },
	{ "2025-13-01", -1, NULL, NULL },
};

static void
test_cutoffs(void)
{
	for (size_t i = 0; i < sizeof cutoffs / sizeof cutoffs[0]; i++) {
		int64_t s = -1, e = -1;
		int rc = pb_cal_submission_window(&cal, cutoffs[i].date, &s, &e);

		T_EQ_INT(rc, cutoffs[i].rc);
		if (rc != cutoffs[i].rc)
			fprintf(stderr, "  (date %s)\n", cutoffs[i].date);
		if (rc == 0 && cutoffs[i].rc == 0) {
			T_EQ_STR(iso(s), cutoffs[i].start);
			T_EQ_STR(iso(e), cutoffs[i].end);
		}
	}
}

/* Every submission lies in exactly one listing: over the years of the built-in holidays, each
 * announcement's window opens where the one before closed. */
static void
test_windows_meet(void)
{
	long d, first, last;
	int64_t prev_end = -1;
	char date[PB_DATE_LEN];

	pb_date_parse("2025-01-01", &first);
	pb_date_parse("2026-12-31", &last);
	for (d = first; d <= last; d++) {
		int64_t s, e;

		pb_date_format(d, date);
		if (pb_cal_submission_window(&cal, date, &s, &e) != 0)
			continue;
		if (prev_end >= 0 && s != prev_end) {
			T_EQ_STR(iso(s), iso(prev_end));
			fprintf(stderr, "  (the window of %s)\n", date);
		}
		T_CHECK(s < e);
		prev_end = e;
	}
}

static void
test_release_days(void)
{
	/* Sunday to Thursday release; Friday and Saturday do not. */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-07"), 1);   /* Sun */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-08"), 1);   /* Mon */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-10"), 1);   /* Wed */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-11"), 1);   /* Thu */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-12"), 0);   /* Fri */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-13"), 0);   /* Sat */
	/* Holidays from the built-in list. */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-11-27"), 0);   /* Thanksgiving, Thu */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-07-06"), 0);   /* Sun after July 4th */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-01-20"), 0);   /* MLK day */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-25"), 0);   /* Christmas, Thu */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-30"), 0);   /* Tue, on arXiv's list */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-12-31"), 1);
	T_EQ_INT(pb_cal_releases_on(&cal, "2026-01-01"), 0);
	T_EQ_INT(pb_cal_releases_on(&cal, "2026-12-29"), 0);   /* Tue, on arXiv's list */
	T_EQ_INT(pb_cal_releases_on(&cal, "2026-12-31"), 0);   /* Thu, on arXiv's list */
	T_EQ_INT(pb_cal_releases_on(&cal, "2025-13-01"), -1);

	/* Announcement dates are the day after: Monday to Friday. */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-12-04"), 1);   /* the reference digest */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-12-05"), 1);   /* Fri */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-12-06"), 0);   /* Sat */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-12-07"), 0);   /* Sun */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-12-08"), 1);   /* Mon */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-11-28"), 0);   /* after Thanksgiving */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-11-27"), 1);   /* released Wed 26 */
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-07-07"), 0);
	T_EQ_INT(pb_cal_is_announcement(&cal, "2025-07-04"), 1);   /* released Thu 3 */

	/* A config's list replaces the built-in one; an empty list means no holidays. */
	{
		struct pb_config cfg;
		struct pb_calendar c2;
		char *hol[] = { "2025-12-10" };

		memset(&cfg, 0, sizeof cfg);
		cfg.holidays = hol;
		cfg.n_holidays = 1;
		pb_calendar_init(&c2, &cfg);
		T_EQ_INT(pb_cal_releases_on(&c2, "2025-12-10"), 0);
		T_EQ_INT(pb_cal_releases_on(&c2, "2025-11-27"), 1);
		T_EQ_INT(pb_cal_is_announcement(&c2, "2025-12-11"), 0);
		/* A Friday, as arXiv's 2026 list writes Juneteenth: no cutoff that day, so no
		 * release on the Sunday after; Monday's listing opens at Thursday's cutoff. */
		hol[0] = "2026-06-19";
		pb_calendar_init(&c2, &cfg);
		T_EQ_INT(pb_cal_releases_on(&c2, "2026-06-21"), 0);
		T_EQ_INT(pb_cal_is_announcement(&c2, "2026-06-22"), 0);
		T_EQ_INT(pb_cal_is_announcement(&c2, "2026-06-23"), 1);
		{
			char out[PB_DATE_LEN];
			int64_t s = -1, e = -1;

			T_EQ_INT(pb_cal_next(&c2, "2026-06-19", out), 0);
			T_EQ_STR(out, "2026-06-23");
			T_EQ_INT(pb_cal_submission_window(&c2, "2026-06-23", &s, &e), 0);
			T_EQ_STR(iso(s), "2026-06-18T18:00:00Z");
			T_EQ_STR(iso(e), "2026-06-22T18:00:00Z");
		}
		cfg.n_holidays = 0;
		pb_calendar_init(&c2, &cfg);
		T_EQ_INT(pb_cal_releases_on(&c2, "2025-12-10"), 1);
		cfg.holidays = NULL;
		pb_calendar_init(&c2, &cfg);
		T_EQ_INT(pb_cal_releases_on(&c2, "2025-11-27"), 0);
		T_EQ_INT(c2.n_holidays, pb_arxiv_n_holidays);
	}
	/* The built-in list is sorted, well-formed and never on Friday or Saturday. */
	for (size_t i = 0; i < pb_arxiv_n_holidays; i++) {
		long d;

		T_EQ_INT(pb_date_parse(pb_arxiv_holidays[i], &d), 0);
		T_CHECK(((d % 7) + 11) % 7 != 5 && ((d % 7) + 11) % 7 != 6);
		if (i)
			T_CHECK(strcmp(pb_arxiv_holidays[i - 1], pb_arxiv_holidays[i]) < 0);
	}
}

static void
test_release_time(void)
{
	/* Wednesday 20:00 EST = Thursday 01:00 UTC. */
	T_EQ_STR(iso(pb_cal_release_time("2025-12-04")), "2025-12-04T01:00:00Z");
	/* Monday 20:00 EDT = Tuesday 00:00 UTC. */
	T_EQ_STR(iso(pb_cal_release_time("2025-07-01")), "2025-07-01T00:00:00Z");
	/* The Sunday the clocks spring forward: already EDT at 20:00. */
	T_EQ_STR(iso(pb_cal_release_time("2025-03-10")), "2025-03-10T00:00:00Z");
	/* The Sunday they fall back: EST at 20:00. */
	T_EQ_STR(iso(pb_cal_release_time("2025-11-03")), "2025-11-03T01:00:00Z");
	T_EQ_INT(pb_cal_release_time("nope"), -1);
	/* rss.arxiv.org serves an announcement from midnight ET of its date. */
	T_EQ_STR(iso(pb_cal_feed_time("2025-12-04")), "2025-12-04T05:00:00Z");
	T_EQ_STR(iso(pb_cal_feed_time("2025-07-02")), "2025-07-02T04:00:00Z");
	T_EQ_INT(pb_cal_feed_time("nope"), -1);
}

static void
test_latest(void)
{
	/* Winter, either side of 20:00 EST. */
	T_EQ_STR(latest("2025-12-04T00:59:59Z"), "2025-12-03");
	T_EQ_STR(latest("2025-12-04T01:00:00Z"), "2025-12-04");
	/* Summer, either side of 20:00 EDT. */
	T_EQ_STR(latest("2025-07-01T23:59:59Z"), "2025-07-01");
	T_EQ_STR(latest("2025-07-02T00:00:00Z"), "2025-07-02");
	/* The spring-forward Sunday: 20:00 EDT is 00:00 UTC, an hour earlier than the week before. */
	T_EQ_STR(latest("2025-03-09T23:59:59Z"), "2025-03-07");
	T_EQ_STR(latest("2025-03-10T00:00:00Z"), "2025-03-10");
	/* The fall-back Sunday: 20:00 EST is 01:00 UTC. */
	T_EQ_STR(latest("2025-11-03T00:30:00Z"), "2025-10-31");
	T_EQ_STR(latest("2025-11-03T01:00:00Z"), "2025-11-03");
	/* Weekend: Friday's announcement holds until Sunday 20:00. */
	T_EQ_STR(latest("2025-12-06T12:00:00Z"), "2025-12-05");
	T_EQ_STR(latest("2025-12-07T23:00:00Z"), "2025-12-05");
	T_EQ_STR(latest("2025-12-08T01:00:00Z"), "2025-12-08");
	/* Thanksgiving: no release Thursday evening, so Thursday's announcement holds to Monday. */
	T_EQ_STR(latest("2025-11-28T12:00:00Z"), "2025-11-27");
	T_EQ_STR(latest("2025-11-30T12:00:00Z"), "2025-11-27");
	T_EQ_STR(latest("2025-12-01T01:00:00Z"), "2025-12-01");
	/* Tuesday 30 December 2025: no release, so Tuesday's announcement holds a day longer. */
	T_EQ_STR(latest("2025-12-31T12:00:00Z"), "2025-12-30");
	T_EQ_STR(latest("2026-01-01T01:00:00Z"), "2026-01-01");
}

static void
test_prev_next(void)
{
	char out[PB_DATE_LEN];

	T_EQ_INT(pb_cal_next(&cal, "2025-12-05", out), 0);
	T_EQ_STR(out, "2025-12-08");
	T_EQ_INT(pb_cal_prev(&cal, "2025-12-08", out), 0);
	T_EQ_STR(out, "2025-12-05");
	T_EQ_INT(pb_cal_prev(&cal, "2025-12-06", out), 0);   /* not itself an announcement */
	T_EQ_STR(out, "2025-12-05");
	T_EQ_INT(pb_cal_prev(&cal, "2025-12-01", out), 0);
	T_EQ_STR(out, "2025-11-27");
	T_EQ_INT(pb_cal_next(&cal, "2025-11-27", out), 0);
	T_EQ_STR(out, "2025-12-01");
	T_EQ_INT(pb_cal_next(&cal, "2025-07-03", out), 0);
	T_EQ_STR(out, "2025-07-04");
	T_EQ_INT(pb_cal_next(&cal, "2025-07-04", out), 0);
	T_EQ_STR(out, "2025-07-08");
	T_EQ_INT(pb_cal_next(&cal, "bad", out), -1);
}

static void
test_missed(void)
{
	char out[16][PB_DATE_LEN];
	int n;

	n = pb_cal_missed(&cal, pb_cal_release_time("2025-12-01"), at("2025-12-05T12:00:00Z"), 7,
			  out, 16);
	T_EQ_INT(n, 4);
	if (n == 4) {
		T_EQ_STR(out[0], "2025-12-02");
		T_EQ_STR(out[3], "2025-12-05");
	}
	/* Bounded by the catch-up window... */
	n = pb_cal_missed(&cal, pb_cal_release_time("2025-12-01"), at("2025-12-05T12:00:00Z"), 2,
			  out, 16);
	T_EQ_INT(n, 2);
	if (n == 2) {
		T_EQ_STR(out[0], "2025-12-04");
		T_EQ_STR(out[1], "2025-12-05");
	}
	/* ...and by max, keeping the newest. */
	n = pb_cal_missed(&cal, 0, at("2025-12-05T12:00:00Z"), 30, out, 3);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(out[0], "2025-12-03");
		T_EQ_STR(out[2], "2025-12-05");
	}
	/* Across Thanksgiving and a weekend. */
	n = pb_cal_missed(&cal, pb_cal_release_time("2025-11-26"), at("2025-12-02T12:00:00Z"), 10,
			  out, 16);
	T_EQ_INT(n, 3);
	if (n == 3) {
		T_EQ_STR(out[0], "2025-11-27");
		T_EQ_STR(out[1], "2025-12-01");
		T_EQ_STR(out[2], "2025-12-02");
	}
	/* Nothing missed: the last one done is the latest. */
	n = pb_cal_missed(&cal, pb_cal_release_time("2025-12-05"), at("2025-12-06T12:00:00Z"), 7,
			  out, 16);
	T_EQ_INT(n, 0);
	T_EQ_INT(pb_cal_missed(&cal, 10, 5, 7, out, 16), -1);
	T_EQ_INT(pb_cal_missed(&cal, 0, 5, -1, out, 16), -1);
}

static const char *
wake(const char *tz, const char *when, const char *after)
{
	char *sched[4], buf[64], err[256] = "";
	size_t n = 0;
	int64_t t;

	snprintf(buf, sizeof buf, "%s", when);
	for (char *p = strtok(buf, ","); p && n < 4; p = strtok(NULL, ","))
		sched[n++] = p;
	t = pb_next_wakeup(tz, sched, n, at(after), err, sizeof err);
	if (t < 0) {
		fprintf(stderr, "next_wakeup(%s, %s): %s\n", tz, when, err);
		return "(error)";
	}
	return iso(t);
}

static void
test_wakeup(void)
{
	const char *ny = "America/New_York", *be = "Europe/Berlin", *sh = "Asia/Shanghai";
	char err[256];
	char *bad[] = { "25:00" }, *bad2[] = { "8:30" }, *ok[] = { "08:30" };

	/* New York, an ordinary evening time across the spring change. */
	T_EQ_STR(wake(ny, "20:30", "2025-03-08T12:00:00Z"), "2025-03-09T01:30:00Z");
	T_EQ_STR(wake(ny, "20:30", "2025-03-09T01:30:00Z"), "2025-03-10T00:30:00Z");
	/* 02:30 does not exist on 2025-03-09: run at 03:00 EDT, the first valid minute. */
	T_EQ_STR(wake(ny, "02:30", "2025-03-08T12:00:00Z"), "2025-03-09T07:00:00Z");
	T_EQ_STR(wake(ny, "02:30", "2025-03-09T07:00:00Z"), "2025-03-10T06:30:00Z");
	/* Two times that fall on the same instant run once. */
	T_EQ_STR(wake(ny, "02:30,03:00", "2025-03-09T05:00:00Z"), "2025-03-09T07:00:00Z");
	T_EQ_STR(wake(ny, "02:30,03:00", "2025-03-09T07:00:00Z"), "2025-03-10T06:30:00Z");
	/* 01:30 happens twice on 2025-11-02: run at the first only. */
	T_EQ_STR(wake(ny, "01:30", "2025-11-01T12:00:00Z"), "2025-11-02T05:30:00Z");
	T_EQ_STR(wake(ny, "01:30", "2025-11-02T05:30:00Z"), "2025-11-03T06:30:00Z");
	/* Berlin: the spring change on 2025-03-30 (02:00 CET -> 03:00 CEST). */
	T_EQ_STR(wake(be, "08:30", "2025-03-29T12:00:00Z"), "2025-03-30T06:30:00Z");
	T_EQ_STR(wake(be, "08:30", "2025-03-29T06:00:00Z"), "2025-03-29T07:30:00Z");
	T_EQ_STR(wake(be, "02:30", "2025-03-29T12:00:00Z"), "2025-03-30T01:00:00Z");
	/* Berlin: the autumn change on 2025-10-26 (03:00 CEST -> 02:00 CET). */
	T_EQ_STR(wake(be, "02:30", "2025-10-25T12:00:00Z"), "2025-10-26T00:30:00Z");
	T_EQ_STR(wake(be, "02:30", "2025-10-26T00:30:00Z"), "2025-10-27T01:30:00Z");
	T_EQ_STR(wake(be, "08:30", "2025-10-26T00:30:00Z"), "2025-10-26T07:30:00Z");
	/* Shanghai has no DST: 08:30 is always 00:30 UTC. */
	T_EQ_STR(wake(sh, "08:30", "2025-03-09T00:00:00Z"), "2025-03-09T00:30:00Z");
	T_EQ_STR(wake(sh, "08:30", "2025-03-09T00:30:00Z"), "2025-03-10T00:30:00Z");
	T_EQ_STR(wake(sh, "08:30", "2025-11-02T06:00:00Z"), "2025-11-03T00:30:00Z");
	T_EQ_STR(wake(sh, "20:00,08:30", "2025-03-09T01:00:00Z"), "2025-03-09T12:00:00Z");
	/* Across a year end. */
	T_EQ_STR(wake(sh, "08:30", "2025-12-31T23:59:00Z"), "2026-01-01T00:30:00Z");
	T_EQ_STR(wake("UTC", "00:00", "2025-12-31T23:59:00Z"), "2026-01-01T00:00:00Z");

	/* Errors. */
	T_EQ_INT(pb_next_wakeup("Mars/Olympus_Mons", ok, 1, 0, err, sizeof err), -1);
	T_CHECK(strstr(err, "Mars/Olympus_Mons") != NULL);
	T_EQ_INT(pb_next_wakeup(ny, bad, 1, 0, err, sizeof err), -1);
	T_CHECK(strstr(err, "25:00") != NULL);
	T_EQ_INT(pb_next_wakeup(ny, bad2, 1, 0, err, sizeof err), -1);
	T_EQ_INT(pb_next_wakeup(ny, ok, 0, 0, err, sizeof err), -1);
	T_EQ_INT(pb_tz_valid("../../etc/passwd"), 0);
	T_EQ_INT(pb_tz_valid("/etc/localtime"), 0);
	T_EQ_INT(pb_tz_valid(""), 0);
	T_EQ_INT(pb_tz_valid("UTC"), 1);
	T_EQ_INT(pb_tz_valid(be), 1);
}

static void
test_conversions(void)
{
	int64_t t;
	struct tm tm;

	/* A gap time is the instant of the change; a repeated one is the first occurrence. */
	T_EQ_INT(pb_tz_to_instant("Europe/Berlin", 2025, 3, 30, 2, 0, &t), 0);
	T_EQ_STR(iso(t), "2025-03-30T01:00:00Z");
	T_EQ_INT(pb_tz_to_instant("Europe/Berlin", 2025, 3, 30, 3, 0, &t), 0);
	T_EQ_STR(iso(t), "2025-03-30T01:00:00Z");
	T_EQ_INT(pb_tz_to_instant("America/New_York", 2025, 11, 2, 1, 0, &t), 0);
	T_EQ_STR(iso(t), "2025-11-02T05:00:00Z");
	T_EQ_INT(pb_tz_to_instant("America/New_York", 2025, 11, 2, 2, 0, &t), 0);
	T_EQ_STR(iso(t), "2025-11-02T07:00:00Z");
	T_EQ_INT(pb_tz_to_instant("Nowhere/City", 2025, 1, 1, 0, 0, &t), -1);
	T_EQ_INT(pb_tz_breakdown("Asia/Shanghai", at("2025-07-01T00:30:00Z"), &tm), 0);
	T_EQ_INT(tm.tm_hour, 8);
	T_EQ_INT(tm.tm_gmtoff, 8 * 3600);
	T_EQ_INT(pb_tz_breakdown("Europe/Berlin", at("2025-07-01T00:30:00Z"), &tm), 0);
	T_EQ_INT(tm.tm_isdst, 1);

	/* The caller's TZ survives; unset, it becomes what its absence means (and is only ever
	 * replaced from then on: adding it could move the environment under another thread). */
	setenv("TZ", "Asia/Tokyo", 1);
	pb_tz_to_instant("Europe/Berlin", 2025, 1, 1, 0, 0, &t);
	T_EQ_STR(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	pb_tz_to_instant("Europe/Berlin", 2025, 1, 1, 0, 0, &t);
	T_EQ_STR(getenv("TZ"), ":/etc/localtime");
	unsetenv("TZ");
	pb_tz_init();
	T_EQ_STR(getenv("TZ"), ":/etc/localtime");

	T_EQ_INT(pb_parse_instant("2025-12-04T01:00:00Z", &t), 0);
	T_EQ_INT(t, 1764810000);
	T_EQ_INT(pb_parse_instant("1764810000", &t), 0);
	T_EQ_INT(t, 1764810000);
	T_EQ_INT(pb_parse_instant("yesterday", &t), -1);
}

/* Threads converting in different zones at once (the daemon's schedule beside the web
 * endpoint's threads): each gets its own zone's answer, every time. */
struct zone_job {
	const char *tz;
	long offset;   /* seconds east of UTC in July 2025 */
	int wrong;
};

static void *
zone_worker(void *arg)
{
	struct zone_job *j = arg;
	int64_t july = 1751329800;   /* 2025-07-01T00:30:00Z */

	for (int i = 0; i < 3000; i++) {
		struct tm tm;
		int64_t t;

		if (pb_tz_breakdown(j->tz, july + i, &tm) != 0 || tm.tm_gmtoff != j->offset)
			j->wrong++;
		if (pb_tz_to_instant(j->tz, 2025, 7, 1, 12, 0, &t) != 0 ||
		    t != 1751371200 - j->offset)
			j->wrong++;
	}
	return NULL;
}

static void
test_zones_threads(void)
{
	struct zone_job jobs[4] = { { "Asia/Tokyo", 9 * 3600, 0 },
				    { "America/New_York", -4 * 3600, 0 },
				    { "Europe/Berlin", 2 * 3600, 0 },
				    { "UTC", 0, 0 } };
	pthread_t th[4];

	for (int i = 0; i < 4; i++)
		T_EQ_INT(pthread_create(&th[i], NULL, zone_worker, &jobs[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		T_EQ_INT(jobs[i].wrong, 0);
	}
}

/* A schedule (one time in zone tz) runs soon after every release of a year, in EST and in EDT
 * alike (a time that falls between 00:00 and 01:00 UTC would not). */
static void
check_schedule(const char *what, const char *tz, char *hm)
{
	char *sched[1] = { hm };
	long d, first, last;

	T_CHECK(tz[0] && hm[0]);
	if (!tz[0] || !hm[0]) {
		fprintf(stderr, "  %s: no time zone or time found\n", what);
		return;
	}
	pb_date_parse("2026-01-01", &first);
	pb_date_parse("2026-12-31", &last);
	for (d = first; d <= last; d++) {
		char date[PB_DATE_LEN], err[128];
		int64_t rel, next;

		pb_date_format(d, date);
		if (pb_cal_is_announcement(&cal, date) != 1)
			continue;
		rel = pb_cal_release_time(date);
		next = pb_next_wakeup(tz, sched, 1, rel - 1, err, sizeof err);
		if (next - rel > 12 * 3600) {
			fprintf(stderr, "  %s: %s %s: the announcement of %s waits until %s\n", what,
				tz, hm, date, iso(next));
			T_CHECK(next - rel <= 12 * 3600);
			break;
		}
	}
}

/* The schedules shipped, paperboy.conf(5)'s example and the run timer of contrib/systemd,
 * run within 12 hours of every release of 2026 (not half an hour before it in winter). */
static void
test_example_schedule(void)
{
	FILE *f = fopen("man/paperboy.conf.5", "r");
	char line[256], tz[64] = "", hm[8] = "";
	int in_example = 0;

	T_CHECK(f != NULL);
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, ".SH ", 4) == 0)
			in_example = strncmp(line, ".SH EXAMPLE", 11) == 0;
		if (in_example && !tz[0])
			sscanf(line, "timezone = \"%63[^\"]\";", tz);
		if (in_example && !hm[0])
			sscanf(line, "schedule = [\"%5[0-9:]\"];", hm);
	}
	if (f)
		fclose(f);
	check_schedule("paperboy.conf(5)", tz, hm);
	tz[0] = hm[0] = '\0';
	f = fopen("contrib/systemd/paperboy-run.timer", "r");
	T_CHECK(f != NULL);
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "OnCalendar=%*s *-*-* %5[0-9:]:00 %63s", hm, tz) == 2)
			break;
	if (f)
		fclose(f);
	check_schedule("paperboy-run.timer", tz, hm);
}

/* The years the holiday list names, and a year it does not (this one or two weeks ahead). */
static void
test_unknown_year(void)
{
	struct pb_calendar c2;
	const char *const mine[] = { "2026-12-29", "2027-01-18" };
	int64_t t;

	T_EQ_INT(pb_cal_last_year(&cal), 2026);
	T_CHECK(pb_parse_instant("2026-06-01T12:00:00Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&cal, t), 0);
	T_CHECK(pb_parse_instant("2026-12-17T23:59:59Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&cal, t), 0);
	T_CHECK(pb_parse_instant("2026-12-18T00:00:00Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&cal, t), 2027);   /* 1 January in two weeks */
	T_CHECK(pb_parse_instant("2028-03-01T00:00:00Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&cal, t), 2028);
	T_CHECK(pb_parse_instant("2024-03-01T00:00:00Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&cal, t), 2024);
	/* a list of the operator's own: the years it names */
	c2.holidays = mine;
	c2.n_holidays = 2;
	T_CHECK(pb_parse_instant("2026-12-20T00:00:00Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&c2, t), 0);
	T_EQ_INT(pb_cal_last_year(&c2), 2027);
	T_CHECK(pb_parse_instant("2027-12-20T00:00:00Z", &t) == 0);
	T_EQ_INT(pb_cal_unknown_year(&c2, t), 2028);
	/* holidays = []: none, on purpose */
	c2.n_holidays = 0;
	T_EQ_INT(pb_cal_unknown_year(&c2, t), 0);
	T_EQ_INT(pb_cal_last_year(&c2), 0);
}

/* New York's changes of 2026 (spring forward Sunday 8 March, fall back Sunday 1 November) give
 * the same instants whatever the machine's own zone: Berlin changes on other days (29 March,
 * 25 October), Shanghai never. */
static void
test_dst_2026_any_machine_zone(void)
{
	static const char *const machine[] = { "Europe/Berlin", "Asia/Shanghai", "America/New_York",
					       "UTC" };
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	for (size_t z = 0; z < sizeof machine / sizeof machine[0]; z++) {
		int64_t s = -1, e = -1;

		setenv("TZ", machine[z], 1);
		tzset();
		/* Thursday 5 March 20:00 EST; Sunday 8 March 20:00 EDT, the evening of the change. */
		T_EQ_STR(iso(pb_cal_release_time("2026-03-06")), "2026-03-06T01:00:00Z");
		T_EQ_STR(iso(pb_cal_release_time("2026-03-09")), "2026-03-09T00:00:00Z");
		T_EQ_STR(iso(pb_cal_feed_time("2026-03-09")), "2026-03-09T04:00:00Z");
		T_EQ_STR(latest("2026-03-08T23:59:59Z"), "2026-03-06");
		T_EQ_STR(latest("2026-03-09T00:00:00Z"), "2026-03-09");
		/* Friday's cutoff at 14:00 EST, Monday's at 14:00 EDT. */
		T_EQ_INT(pb_cal_submission_window(&cal, "2026-03-10", &s, &e), 0);
		T_EQ_STR(iso(s), "2026-03-06T19:00:00Z");
		T_EQ_STR(iso(e), "2026-03-09T18:00:00Z");
		/* Thursday 29 October 20:00 EDT; Sunday 1 November 20:00 EST. */
		T_EQ_STR(iso(pb_cal_release_time("2026-10-30")), "2026-10-30T00:00:00Z");
		T_EQ_STR(iso(pb_cal_release_time("2026-11-02")), "2026-11-02T01:00:00Z");
		T_EQ_STR(iso(pb_cal_feed_time("2026-11-02")), "2026-11-02T05:00:00Z");
		T_EQ_STR(latest("2026-11-02T00:30:00Z"), "2026-10-30");
		T_EQ_STR(latest("2026-11-02T01:00:00Z"), "2026-11-02");
		T_EQ_INT(pb_cal_submission_window(&cal, "2026-11-03", &s, &e), 0);
		T_EQ_STR(iso(s), "2026-10-30T18:00:00Z");
		T_EQ_STR(iso(e), "2026-11-02T19:00:00Z");
		/* A schedule in New York: 02:30 is skipped on 8 March, 01:30 repeats on 1 November
		 * (once); the release time itself runs at the release, in EST and EDT alike. */
		T_EQ_STR(wake("America/New_York", "02:30", "2026-03-07T12:00:00Z"),
			 "2026-03-08T07:00:00Z");
		T_EQ_STR(wake("America/New_York", "01:30", "2026-10-31T12:00:00Z"),
			 "2026-11-01T05:30:00Z");
		T_EQ_STR(wake("America/New_York", "01:30", "2026-11-01T05:30:00Z"),
			 "2026-11-02T06:30:00Z");
		T_EQ_STR(wake("America/New_York", "20:00", "2026-03-08T12:00:00Z"),
			 "2026-03-09T00:00:00Z");
		T_EQ_STR(wake("America/New_York", "20:00", "2026-11-01T12:00:00Z"),
			 "2026-11-02T01:00:00Z");
		/* The default schedule, 02:00 UTC, after every release of the two weeks. */
		T_EQ_STR(wake("UTC", "02:00", "2026-03-09T00:00:00Z"), "2026-03-09T02:00:00Z");
		T_EQ_STR(wake("UTC", "02:00", "2026-11-02T01:00:00Z"), "2026-11-02T02:00:00Z");
		/* The machine's zone is left as it was. */
		T_EQ_STR(getenv("TZ"), machine[z]);
	}
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else
		unsetenv("TZ");
	tzset();
}

int
main(void)
{
	pb_calendar_init(&cal, NULL);
	test_dates();
	test_cutoffs();
	test_windows_meet();
	test_release_days();
	test_release_time();
	test_latest();
	test_prev_next();
	test_missed();
	test_wakeup();
	test_conversions();
	test_zones_threads();
	test_example_schedule();
	test_unknown_year();
	test_dst_2026_any_machine_zone();
	return t_done("test_calendar");
}
