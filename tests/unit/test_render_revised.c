/* A new version of an older paper shows as a revision in every format, with when it was first
 * submitted: from the API's published date, or from the id when the RSS feed gives only the
 * day of the announcement. A new paper still shows "Published". */
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "t.h"

struct want {
	const char *present[3];
	const char *absent;
};

static void
render_check(struct pb_paper *p, const struct want *w, int line)
{
	char *cats[] = { "cs.CV" };
	struct pb_digest_item it = { 0 };
	struct pb_digest d = { 0 };

	p->title = "A paper";
	p->abstract = "An abstract.";
	p->categories = cats;
	p->n_categories = 1;
	it.paper = p;
	it.topic = "3D";
	d.subscriber = "alice";
	d.date = "2024-11-28";
	d.title = "Digest";
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts parts;
		struct pb_buf all = { 0 };

		/* JSON says it as data ("revision", "version"): test_webhook.c */
		if (f == PB_FMT_JSON)
			continue;
		T_EQ_INT(pb_render(&d, (enum pb_format)f, NULL, &parts), 0);
		for (size_t i = 0; i < parts.n; i++)
			pb_buf_puts(&all, parts.v[i]);
		for (int k = 0; k < 3 && w->present[k]; k++) {
			t_checked++;
			if (!strstr(pb_buf_str(&all), w->present[k])) {
				t_failed++;
				fprintf(stderr, "test_render_revised.c:%d: %s lacks \"%s\"\n", line,
					pb_format_name((enum pb_format)f), w->present[k]);
			}
		}
		if (w->absent) {
			t_checked++;
			if (strstr(pb_buf_str(&all), w->absent)) {
				t_failed++;
				fprintf(stderr, "test_render_revised.c:%d: %s shows \"%s\"\n", line,
					pb_format_name((enum pb_format)f), w->absent);
			}
		}
		pb_buf_free(&all);
		pb_parts_free(&parts);
	}
}

int
main(void)
{
	/* RSS: a replace announced on 2024-11-28 of a paper from April 2022 */
	struct pb_paper rss = { .id = "2204.01234", .version = 2, .announce = PB_ANN_REPLACE,
				.published = "2024-11-28T00:00:00-05:00" };
	struct want w_rss = { { "Revised (v2)", "2024-11-28, first submitted 2022-04", NULL },
			      "Published" };
	/* a replace-cross of an old-style id */
	struct pb_paper old = { .id = "astro-ph/0601001", .version = 3,
				.announce = PB_ANN_REPLACE_CROSS,
				.published = "2024-11-28T00:00:00-05:00" };
	struct want w_old = { { "Revised (v3)", "first submitted 2006-01", NULL }, "Published" };
	/* API: v1 published 2022-04-06, this version updated 2024-11-27 */
	struct pb_paper api = { .id = "2204.01234", .version = 4,
				.published = "2022-04-06T17:59:59Z",
				.updated = "2024-11-27T10:00:00Z" };
	struct want w_api = { { "Revised (v4)", "2024-11-27, first submitted 2022-04-06", NULL },
			      "Published" };
	/* a new paper */
	struct pb_paper fresh = { .id = "2411.18380", .version = 1, .announce = PB_ANN_NEW,
				  .published = "2024-11-28T00:00:00-05:00" };
	struct want w_new = { { "2024-11-28", NULL, NULL }, "Revised" };

	render_check(&rss, &w_rss, __LINE__);
	render_check(&old, &w_old, __LINE__);
	render_check(&api, &w_api, __LINE__);
	render_check(&fresh, &w_new, __LINE__);
	return t_done("test_render_revised");
}
