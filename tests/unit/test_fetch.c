/* Fetching's pure parts: the submittedDate window of an announcement date (14:00 ET cutoffs,
 * weekends, DST, holidays), and reading saved responses. */
#include "paperboy/categories.h"
#include "paperboy/fetch.h"
#include "paperboy/log.h"
#include "t.h"

static void
win(const char *date, const char *const *hol, size_t nh, int want_rc, const char *ws,
    const char *we)
{
	char s[16] = "", e[16] = "";
	int rc = pb_fetch_date_window(date, hol, nh, s, e);

	T_EQ_INT(rc, want_rc);
	if (rc != want_rc)
		fprintf(stderr, "  (date %s)\n", date);
	if (want_rc == 0) {
		T_EQ_STR(s, ws);
		T_EQ_STR(e, we);
	}
}

static void
test_window(void)
{
	static const char *const thanksgiving[] = { "2024-11-28", "not-a-date" };

	/* Thursday's listing: mailed Wednesday 20:00 ET, Tue 14:00 to Wed 14:00 EST. */
	win("2025-12-04", NULL, 0, 0, "202512021900", "202512031859");
	/* Monday's listing (mailed Sunday): Thu 14:00 to Fri 14:00. */
	win("2025-12-01", NULL, 0, 0, "202511271900", "202511281859");
	/* Tuesday's listing (mailed Monday): the weekend, Fri 14:00 to Mon 14:00. */
	win("2025-12-02", NULL, 0, 0, "202511281900", "202512011859");
	/* Across the spring change (Sun 2024-03-10): Fri in EST, Mon in EDT. */
	win("2024-03-12", NULL, 0, 0, "202403081900", "202403111759");
	/* Across the autumn change (Sun 2024-11-03): Fri in EDT, Mon in EST. */
	win("2024-11-05", NULL, 0, 0, "202411011800", "202411041859");
	/* Summer: 14:00 EDT is 18:00 UTC. */
	win("2025-07-10", NULL, 0, 0, "202507081800", "202507091759");
	/* Before 2007 DST ran from April's first Sunday to October's last. */
	win("2006-04-05", NULL, 0, 0, "200604031800", "200604041759");
	win("2006-03-15", NULL, 0, 0, "200603131900", "200603141859");
	/* Nothing is listed on Saturday or Sunday (mailed Friday / Saturday evening). */
	win("2025-12-06", NULL, 0, 1, NULL, NULL);
	win("2025-12-07", NULL, 0, 1, NULL, NULL);
	/* Thanksgiving 2024 (Thu 28 Nov) had no announcement and no cutoff: Friday's listing is
	 * gone, Monday's takes Wednesday 14:00 to Friday 14:00. */
	win("2024-11-29", thanksgiving, 2, 1, NULL, NULL);
	win("2024-12-02", thanksgiving, 2, 0, "202411271900", "202411291859");
	win("2024-11-28", thanksgiving, 2, 0, "202411261900", "202411271859");
	/* Malformed dates. */
	win("2025-13-01", NULL, 0, -1, NULL, NULL);
	win("2025-02-30", NULL, 0, -1, NULL, NULL);
	win("2024-02-30", NULL, 0, -1, NULL, NULL);
	win("1990-12-31", NULL, 0, -1, NULL, NULL);   /* before arXiv */
	win("20251204", NULL, 0, -1, NULL, NULL);
	win("2025-12-4", NULL, 0, -1, NULL, NULL);
	win("2025-12-04x", NULL, 0, -1, NULL, NULL);
	win("", NULL, 0, -1, NULL, NULL);
	win(NULL, NULL, 0, -1, NULL, NULL);
}

/* The windows of the listings around every change of the clocks, under both US rules (before
 * and since 2007), as the API's submittedDate query writes them. The table was written by the
 * hand-made DST rules fetch.c had before it used the calendar's tz-based cutoffs: the query
 * for any past date stays the same. On the Friday before a change and the Monday after it the
 * window lies on one side; Tuesday's runs from Friday's offset to Monday's. */
static const struct {
	const char *date;
	int rc;
	const char *start, *end;
} dst_windows[] = {
	/* The clocks change on Sunday 2005-04-03 (spring, the rules before 2007: first Sunday of April). */
	{ "2005-04-01", 0, "200503301900", "200503311859" },
	{ "2005-04-03", 1, NULL, NULL },
	{ "2005-04-04", 0, "200503311900", "200504011859" },
	{ "2005-04-05", 0, "200504011900", "200504041759" },
	{ "2005-04-06", 0, "200504041800", "200504051759" },
	/* The clocks change on Sunday 2005-10-30 (autumn, the rules before 2007: last Sunday of October). */
	{ "2005-10-28", 0, "200510261800", "200510271759" },
	{ "2005-10-30", 1, NULL, NULL },
	{ "2005-10-31", 0, "200510271800", "200510281759" },
	{ "2005-11-01", 0, "200510281800", "200510311859" },
	{ "2005-11-02", 0, "200510311900", "200511011859" },
	/* The clocks change on Sunday 2006-04-02 (spring). */
	{ "2006-03-31", 0, "200603291900", "200603301859" },
	{ "2006-04-02", 1, NULL, NULL },
	{ "2006-04-03", 0, "200603301900", "200603311859" },
	{ "2006-04-04", 0, "200603311900", "200604031759" },
	{ "2006-04-05", 0, "200604031800", "200604041759" },
	/* The clocks change on Sunday 2006-10-29 (autumn). */
	{ "2006-10-27", 0, "200610251800", "200610261759" },
	{ "2006-10-29", 1, NULL, NULL },
	{ "2006-10-30", 0, "200610261800", "200610271759" },
	{ "2006-10-31", 0, "200610271800", "200610301859" },
	{ "2006-11-01", 0, "200610301900", "200610311859" },
	/* The clocks change on Sunday 2007-03-11 (spring, the first year of the rules since 2007: second Sunday of March). */
	{ "2007-03-09", 0, "200703071900", "200703081859" },
	{ "2007-03-11", 1, NULL, NULL },
	{ "2007-03-12", 0, "200703081900", "200703091859" },
	{ "2007-03-13", 0, "200703091900", "200703121759" },
	{ "2007-03-14", 0, "200703121800", "200703131759" },
	/* The clocks change on Sunday 2007-11-04 (autumn: first Sunday of November). */
	{ "2007-11-02", 0, "200710311800", "200711011759" },
	{ "2007-11-04", 1, NULL, NULL },
	{ "2007-11-05", 0, "200711011800", "200711021759" },
	{ "2007-11-06", 0, "200711021800", "200711051859" },
	{ "2007-11-07", 0, "200711051900", "200711061859" },
	/* The clocks change on Sunday 2024-03-10 (spring). */
	{ "2024-03-08", 0, "202403061900", "202403071859" },
	{ "2024-03-10", 1, NULL, NULL },
	{ "2024-03-11", 0, "202403071900", "202403081859" },
	{ "2024-03-12", 0, "202403081900", "202403111759" },
	{ "2024-03-13", 0, "202403111800", "202403121759" },
	/* The clocks change on Sunday 2024-11-03 (autumn). */
	{ "2024-11-01", 0, "202410301800", "202410311759" },
	{ "2024-11-03", 1, NULL, NULL },
	{ "2024-11-04", 0, "202410311800", "202411011759" },
	{ "2024-11-05", 0, "202411011800", "202411041859" },
	{ "2024-11-06", 0, "202411041900", "202411051859" },
	/* The clocks change on Sunday 2025-03-09 (spring). */
	{ "2025-03-07", 0, "202503051900", "202503061859" },
	{ "2025-03-09", 1, NULL, NULL },
	{ "2025-03-10", 0, "202503061900", "202503071859" },
	{ "2025-03-11", 0, "202503071900", "202503101759" },
	{ "2025-03-12", 0, "202503101800", "202503111759" },
	/* The clocks change on Sunday 2025-11-02 (autumn). */
	{ "2025-10-31", 0, "202510291800", "202510301759" },
	{ "2025-11-02", 1, NULL, NULL },
	{ "2025-11-03", 0, "202510301800", "202510311759" },
	{ "2025-11-04", 0, "202510311800", "202511031859" },
	{ "2025-11-05", 0, "202511031900", "202511041859" },
	/* The clocks change on Sunday 2026-03-08 (spring). */
	{ "2026-03-06", 0, "202603041900", "202603051859" },
	{ "2026-03-08", 1, NULL, NULL },
	{ "2026-03-09", 0, "202603051900", "202603061859" },
	{ "2026-03-10", 0, "202603061900", "202603091759" },
	{ "2026-03-11", 0, "202603091800", "202603101759" },
	/* The clocks change on Sunday 2026-11-01 (autumn). */
	{ "2026-10-30", 0, "202610281800", "202610291759" },
	{ "2026-11-01", 1, NULL, NULL },
	{ "2026-11-02", 0, "202610291800", "202610301759" },
	{ "2026-11-03", 0, "202610301800", "202611021859" },
	{ "2026-11-04", 0, "202611021900", "202611031859" },
};

static void
test_window_dst(void)
{
	for (size_t i = 0; i < sizeof dst_windows / sizeof dst_windows[0]; i++)
		win(dst_windows[i].date, NULL, 0, dst_windows[i].rc, dst_windows[i].start,
		    dst_windows[i].end);
}

static void
test_file(void)
{
	struct pb_paperset s;
	struct pb_fetch_result r;

	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file(t_fixture("rss2-all-archives-2024-11-28-1504items.xml"), &s, &r),
		 PB_FETCH_OK);
	T_EQ_INT(s.n, 1504);
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file(t_fixture("rss2-empty-feed-test-archive.xml"), &s, &r),
		 PB_FETCH_NO_ANNOUNCEMENT);
	T_EQ_INT(s.n, 0);
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file(t_fixture("api2026-error-bad-id.xml"), &s, &r),
		 PB_FETCH_ARXIV_ERROR);
	T_CHECK(strstr(r.message, "incorrect id format for abc") != NULL);
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file(t_fixture("rss2-error-bad-archive.xml"), &s, &r),
		 PB_FETCH_ARXIV_ERROR);
	T_CHECK(strstr(r.message, "Bad archive 'astroph'") != NULL);
	pb_paperset_free(&s);

	/* The same error from rss.arxiv.org/atom (tests/fixtures/feed): arXiv's words, not "no
	 * announcement", which would settle the day with nothing in it. */
	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file("tests/fixtures/feed/atom-error-bad-archive.xml", &s, &r),
		 PB_FETCH_ARXIV_ERROR);
	T_CHECK(strstr(r.message, "Bad archive 'astroph'. Valid archive names are: ") != NULL);
	T_EQ_INT(s.n, 0);
	pb_paperset_free(&s);

	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file("/nonexistent/feed.xml", &s, &r), PB_FETCH_UNAVAILABLE);
	T_EQ_INT(r.http_status, 0);
	T_CHECK(strstr(r.message, "/nonexistent/feed.xml") != NULL);
	pb_paperset_free(&s);
}

/* The date query: an archive with subject classes is asked as "cat:cs.*" too (the API's
 * "cat:cs" finds only papers from before the archive's classes), one without as itself, a
 * class as itself. */
static void
query(const char *const *cats, size_t n, const char *want)
{
	struct pb_buf q = { 0 };

	pb_fetch_date_query(&q, cats, n, "202512021900", "202512031859");
	T_EQ_STR(pb_buf_str(&q), want);
	pb_buf_free(&q);
}

static void
test_date_query(void)
{
	static const char *const one[] = { "cs.CV" };
	static const char *const two[] = { "cs.SE", "cs.AI" };
	static const char *const arch[] = { "cs", "hep-th", "astro-ph", "math.AG", "physics",
					    "quant-ph", "stat" };

	query(one, 1, "cat:cs.CV AND submittedDate:[202512021900 TO 202512031859]");
	query(two, 2, "(cat:cs.SE OR cat:cs.AI) AND submittedDate:[202512021900 TO 202512031859]");
	static const char *const cs[] = { "cs" };

	query(arch, 7, "(cat:cs OR cat:cs.* OR cat:hep-th OR cat:astro-ph OR cat:astro-ph.* OR "
		       "cat:math.AG OR cat:physics OR cat:physics.* OR cat:quant-ph OR cat:stat OR "
		       "cat:stat.*) AND submittedDate:[202512021900 TO 202512031859]");
	query(cs, 1, "(cat:cs OR cat:cs.*) AND submittedDate:[202512021900 TO 202512031859]");
	T_CHECK(pb_category_has_classes("cond-mat"));
	T_CHECK(pb_category_has_classes("q-bio"));
	T_CHECK(!pb_category_has_classes("gr-qc"));
	T_CHECK(!pb_category_has_classes("cs.CV"));
	T_CHECK(!pb_category_has_classes("c"));
	T_CHECK(!pb_category_has_classes(""));
	T_CHECK(!pb_category_has_classes(NULL));
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_window();
	test_window_dst();
	test_file();
	test_date_query();
	return t_done("test_fetch");
}
