/* Every format has the same sections under the same words in the same order (summary,
 * contents, papers; the chats have no contents), says per topic how many matches a capped
 * digest leaves out, and the Markdown opens with front matter rather than a bare line. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "t.h"

static const char *
after(const char *s, const char *needle, const char *from, const char *what, int f)
{
	const char *p = from ? strstr(from, needle) : NULL;

	t_checked++;
	if (!p) {
		t_failed++;
		fprintf(stderr, "test_render_sections: %s: \"%s\" missing or out of order (%s)\n",
			pb_format_name((enum pb_format)f), needle, what);
	}
	(void)s;
	return p;
}

int
main(void)
{
	char *cats[] = { "cs.CV" };
	struct pb_paper p[2] = {
		{ .id = "2512.00001", .version = 1, .title = "First", .abstract = "One.",
		  .categories = cats, .n_categories = 1, .announce = PB_ANN_NEW },
		{ .id = "2512.00002", .version = 1, .title = "Second", .abstract = "Two.",
		  .categories = cats, .n_categories = 1, .announce = PB_ANN_NEW },
	};
	struct pb_digest_item it[2] = {
		{ .paper = &p[0], .topic = "3D", .score = 2 },
		{ .paper = &p[1], .topic = "Video", .score = 1 },
	};
	struct pb_digest_topic topics[3] = {
		{ "Video", 19, 1 }, { "3D", 31, 1 }, { "Quiet", 0, 0 },
	};
	struct pb_digest d = { 0 };

	d.subscriber = "alice";
	d.date = "2025-12-04";
	d.title = "Digest";
	d.exec_summary = "Two papers.";
	d.items = it;
	d.n_items = 2;
	d.n_matched = 50;
	d.topics = topics;
	d.n_topics = 3;
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts parts;
		struct pb_buf all = { 0 };
		const char *s, *q;
		int chat = f == PB_FMT_SLACK || f == PB_FMT_TELEGRAM;

		/* JSON is data, without headings: test_webhook.c checks its "more" */
		if (f == PB_FMT_JSON)
			continue;
		T_EQ_INT(pb_render(&d, (enum pb_format)f, NULL, &parts), 0);
		for (size_t i = 0; i < parts.n; i++)
			pb_buf_puts(&all, parts.v[i]);
		s = pb_buf_str(&all);
		after(s, "48 more papers matched and are not shown: 3D 30, Video 18.", s,
		      "per-topic count", f);
		T_CHECK(strstr(s, "Quiet") == NULL);
		q = after(s, "Executive Summary", s, "summary", f);
		if (!chat)
			q = after(s, "Table of Contents", q, "contents after summary", f);
		q = after(s, "Papers", q, "papers after contents", f);
		after(s, "First", q, "papers under their heading", f);
		T_CHECK(strstr(s, "EXECUTIVE") == NULL && strstr(s, ">Contents<") == NULL);
		if (f == PB_FMT_MD) {
			T_CHECK(strncmp(s, "---\ntitle: \"Digest\"\ndate: 2025-12-04\n---\n\n# Digest\n",
					48) == 0);
			T_CHECK(strstr(s, "time:") == NULL);
		}
		pb_buf_free(&all);
		pb_parts_free(&parts);
	}
	/* the file sink's full list: the shown papers, then the rest, ranked; the Markdown
	 * digest links to it */
	{
		struct pb_paper rp = { .id = "2204.00003", .version = 2, .title = "Third [x](y)",
				       .categories = cats, .n_categories = 1,
				       .announce = PB_ANN_REPLACE };
		struct pb_digest_more more[1] = { { &rp, "3D", 0.5 } };
		struct pb_render_opts o = { "", 0, NULL, NULL, 0, "all.md", 0, 0 };
		struct pb_parts parts;
		char *all;

		d.more = more;
		d.n_more = 1;
		all = pb_render_all_md(&d);
		T_CHECK(strncmp(all, "---\ntitle: \"Digest\"\n", 20) == 0);
		T_CHECK(strstr(all, "3 papers matched for alice; the digest shows the first 2.\n") != NULL);
		T_CHECK(strstr(all, "\n1. [First](https://arxiv.org/abs/2512.00001v1)") != NULL);
		T_CHECK(strstr(all, "\n2. [Second](https://arxiv.org/abs/2512.00002v1)") != NULL);
		T_CHECK(strstr(all, "\n3. [Third \\[x\\](y)](https://arxiv.org/abs/2204.00003v2)"
				    " — 3D · Revised (v2)\n") != NULL);
		free(all);
		T_EQ_INT(pb_render(&d, PB_FMT_MD, &o, &parts), 0);
		T_CHECK(parts.n == 1 && strstr(parts.v[0], "shown: 3D 30, Video 18. All of them: "
					       "[all.md](all.md).\n") != NULL);
		pb_parts_free(&parts);
		d.more = NULL;
		d.n_more = 0;
	}

	/* a digest that does not know its topics still says how many are left out */
	d.topics = NULL;
	d.n_topics = 0;
	{
		struct pb_parts parts;

		T_EQ_INT(pb_render(&d, PB_FMT_MD, NULL, &parts), 0);
		T_CHECK(parts.n == 1 && strstr(parts.v[0], "\n48 more papers matched and are not "
					       "shown.\n") != NULL);
		pb_parts_free(&parts);
	}
	return t_done("test_render_sections");
}
