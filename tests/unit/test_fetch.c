/* Fetching's pure parts: the submittedDate window of an announcement date (14:00 ET cutoffs,
 * weekends, DST, holidays), and reading saved responses. */
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
	win("20251204", NULL, 0, -1, NULL, NULL);
	win("2025-12-4", NULL, 0, -1, NULL, NULL);
	win("2025-12-04x", NULL, 0, -1, NULL, NULL);
	win("", NULL, 0, -1, NULL, NULL);
	win(NULL, NULL, 0, -1, NULL, NULL);
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

	pb_paperset_init(&s);
	T_EQ_INT(pb_fetch_file("/nonexistent/feed.xml", &s, &r), PB_FETCH_UNAVAILABLE);
	T_EQ_INT(r.http_status, 0);
	T_CHECK(strstr(r.message, "/nonexistent/feed.xml") != NULL);
	pb_paperset_free(&s);
}

int
main(void)
{
	pb_log_setup(PB_LOG_ERROR, 0);
	test_window();
	test_file();
	return t_done("test_fetch");
}
