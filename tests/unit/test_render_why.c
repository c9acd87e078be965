/* The ranker's reason for a paper (pb_digest_item.why) is shown under the paper in every
 * format, labelled in the digest's language, as text and never as markup however hostile,
 * and only for the papers that have one; JSON carries it as "why" (null without one). A
 * revision is marked in every format beside it. The chats' and the robots' Markdown, made from
 * the Markdown digest, keep the line and its escapes. */
#include <string.h>

#include <cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "../../src/deliver/channel.h"
#include "t.h"

#define HOSTILE "<script>alert(1)</script> *b* _i_ [x](https://evil.example/) & \x1b[31m\nnext"

/* Every string of a JSON document, one per line: what a Slack or Telegram client reads. */
static void
strings(const cJSON *j, struct pb_buf *b)
{
	const cJSON *c;

	if (cJSON_IsString(j)) {
		pb_buf_puts(b, j->valuestring);
		pb_buf_putc(b, '\n');
	}
	cJSON_ArrayForEach(c, j)
		strings(c, b);
}

/* The rendered text of format f as its reader gets it. */
static void
render_text(const struct pb_digest *d, enum pb_format f, struct pb_buf *out)
{
	struct pb_parts parts;

	pb_buf_reset(out);
	T_EQ_INT(pb_render(d, f, NULL, &parts), 0);
	for (size_t i = 0; i < parts.n; i++) {
		if (f == PB_FMT_SLACK || f == PB_FMT_TELEGRAM) {
			cJSON *j = cJSON_Parse(parts.v[i]);

			T_CHECK(j != NULL);
			strings(j, out);
			cJSON_Delete(j);
		} else {
			pb_buf_puts(out, parts.v[i]);
		}
	}
	pb_parts_free(&parts);
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void
has(const char *s, const char *needle, enum pb_format f, int line, int want)
{
	t_checked++;
	if ((strstr(s, needle) != NULL) != want) {
		t_failed++;
		fprintf(stderr, "test_render_why.c:%d: %s %s \"%s\"\n", line,
			pb_format_name(f), want ? "lacks" : "shows", needle);
	}
}

#define HAS(s, n) has((s), (n), f, __LINE__, 1)
#define LACKS(s, n) has((s), (n), f, __LINE__, 0)

static void
fill(struct pb_digest *d, struct pb_digest_item it[2], struct pb_paper p[2], char **cats)
{
	memset(d, 0, sizeof *d);
	memset(it, 0, 2 * sizeof *it);
	memset(p, 0, 2 * sizeof *p);
	/* a 2022 paper revised on the day, with a reason; a new paper without one */
	p[0] = (struct pb_paper){ .id = "2204.02688", .version = 2, .announce = PB_ANN_REPLACE,
				  .title = "MM-SEAL: A Large-scale Video Dataset",
				  .abstract = "We introduce a dataset.", .categories = cats,
				  .n_categories = 1, .published = "2024-11-28T00:00:00-05:00" };
	p[1] = (struct pb_paper){ .id = "2411.18314", .version = 1, .announce = PB_ANN_NEW,
				  .title = "A new video paper", .abstract = "Fresh.",
				  .categories = cats, .n_categories = 1,
				  .published = "2024-11-28T00:00:00-05:00" };
	it[0].paper = &p[0];
	it[0].topic = "Video";
	it[0].why = HOSTILE;
	it[1].paper = &p[1];
	it[1].topic = "Video";
	d->subscriber = "alice";
	d->date = "2024-11-28";
	d->title = "Digest";
	d->items = it;
	d->n_items = 2;
	d->n_matched = 2;
}

static void
test_formats(void)
{
	char *cats[] = { "cs.CV" };
	struct pb_paper p[2];
	struct pb_digest_item it[2];
	struct pb_digest d;
	struct pb_buf b = { 0 };

	fill(&d, it, p, cats);
	for (int fi = 0; fi < PB_FMT_COUNT; fi++) {
		enum pb_format f = (enum pb_format)fi;
		const char *s;

		render_text(&d, f, &b);
		s = pb_buf_str(&b);
		if (f != PB_FMT_TEXT)     /* plain text: nothing is markup */
			LACKS(s, "<script>alert");
		if (getenv("SHOW"))
			fprintf(stderr, "%s", s);
		LACKS(s, "\x1b");
		if (f == PB_FMT_JSON)
			continue;
		HAS(s, "Revised (v2)");
		t_checked++;
		if (count(s, "Why") != 1) {     /* the second paper has no reason */
			t_failed++;
			fprintf(stderr, "%s: \"Why\" %zu times, want 1\n", pb_format_name(f),
				count(s, "Why"));
		}
		switch (f) {
		case PB_FMT_MD:
			HAS(s, "**Why:** \\<script\\>alert(1)\\</script\\> \\*b\\* \\_i\\_ "
			       "\\[x\\](https://evil.example/) & \\[31m next\n");
			break;
		case PB_FMT_HTML:
			HAS(s, "<strong>Why:</strong> &lt;script&gt;alert(1)&lt;/script&gt; *b* _i_ "
			       "[x](https://evil.example/) &amp; [31m next</p>");
			LACKS(s, "href=\"https://evil");
			break;
		case PB_FMT_TEXT:
			HAS(s, "    Why: <script>alert(1)</script> *b* _i_ [x](https://evil.example/)");
			break;
		case PB_FMT_SLACK:
			HAS(s, "\nWhy: &lt;script&gt;alert(1)&lt;/script&gt; *b* _i_ "
			       "[x](https://evil.example/) &amp; [31m next");
			LACKS(s, "<https://evil");
			break;
		case PB_FMT_TELEGRAM:
			HAS(s, "\n<i>Why: &lt;script&gt;alert(1)&lt;/script&gt; *b* _i_ "
			       "[x](https://evil.example/) &amp; [31m next</i>");
			LACKS(s, "<a href=\"https://evil");
			break;
		default:
			break;
		}
	}
	/* a reason that is only controls and blanks is no reason */
	it[0].why = "\x1b \n \x02";
	for (int fi = 0; fi < PB_FMT_COUNT; fi++) {
		enum pb_format f = (enum pb_format)fi;

		render_text(&d, f, &b);
		LACKS(pb_buf_str(&b), "Why");
	}
	it[0].why = HOSTILE;
	/* JSON: the reason as data, cleaned to one line; null without one */
	{
		enum pb_format f = PB_FMT_JSON;
		cJSON *j, *papers, *w0, *w1;

		render_text(&d, f, &b);
		LACKS(pb_buf_str(&b), "<");
		j = cJSON_Parse(pb_buf_str(&b));
		T_CHECK(j != NULL);
		papers = cJSON_GetObjectItemCaseSensitive(j, "papers");
		T_EQ_INT(cJSON_GetArraySize(papers), 2);
		w0 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(papers, 0), "why");
		w1 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(papers, 1), "why");
		T_CHECK(cJSON_IsString(w0));
		if (cJSON_IsString(w0))
			T_EQ_STR(w0->valuestring, "<script>alert(1)</script> *b* _i_ "
				 "[x](https://evil.example/) & [31m next");
		T_CHECK(cJSON_IsNull(w1));
		T_CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(papers, 0),
								       "revision")));
		T_CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(papers, 1),
									"revision")));
		cJSON_Delete(j);
	}
	pb_buf_free(&b);
}

/* Matrix/Discord-style chat Markdown and the WeCom/DingTalk robots' dialect keep the line. */
static void
test_chat_md(void)
{
	char *cats[] = { "cs.CV" };
	struct pb_paper p[2];
	struct pb_digest_item it[2];
	struct pb_digest d;
	struct pb_buf md = { 0 }, out = { 0 };
	enum pb_format f = PB_FMT_MD;

	fill(&d, it, p, cats);
	render_text(&d, PB_FMT_MD, &md);
	pb_chat_md(pb_buf_str(&md), &out);
	HAS(pb_buf_str(&out), "**Why:** \\<script\\>alert(1)\\</script\\>");
	HAS(pb_buf_str(&out), "Revised (v2)");
	pb_buf_reset(&out);
	pb_robot_md(&out, pb_md_body(pb_buf_str(&md)), PB_RMD_ITALIC);
	/* the robots read no escapes: the specials become their full-width forms */
	HAS(pb_buf_str(&out), "**Why:** \xef\xbc\x9cscript\xef\xbc\x9e");
	LACKS(pb_buf_str(&out), "<script>");
	LACKS(pb_buf_str(&out), "[x](https://evil");
	HAS(pb_buf_str(&out), "Revised (v2)");
	pb_buf_free(&md);
	pb_buf_free(&out);
}

/* In Chinese: the language's words for the label and the revision. */
static void
test_language(void)
{
	char *cats[] = { "cs.CV" };
	struct pb_paper p[2];
	struct pb_digest_item it[2];
	struct pb_digest d;
	struct pb_buf b = { 0 };

	fill(&d, it, p, cats);
	d.language = "zh";
	it[0].why = "similar to 2411.17790 (0.41)";
	for (int fi = 0; fi < PB_FMT_COUNT; fi++) {
		enum pb_format f = (enum pb_format)fi;

		if (f == PB_FMT_JSON)
			continue;
		render_text(&d, f, &b);
		HAS(pb_buf_str(&b), "推荐理由");
		HAS(pb_buf_str(&b), "similar to 2411.17790 (0.41)");
		HAS(pb_buf_str(&b), "修订 (v2)");
		LACKS(pb_buf_str(&b), "Why");
	}
	pb_buf_free(&b);
}

int
main(void)
{
	test_formats();
	test_chat_md();
	test_language();
	return t_done("test_render_why");
}
