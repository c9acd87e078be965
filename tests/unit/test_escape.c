/* Escaping for every format, checked on its own. */
#include <string.h>

#include "paperboy/escape.h"
#include "t.h"

typedef void (*esc_fn)(struct pb_buf *, const char *);

static void
check(esc_fn f, const char *in, const char *want, int line)
{
	struct pb_buf b = { 0 };

	f(&b, in);
	t_checked++;
	if (strcmp(pb_buf_str(&b), want) != 0) {
		t_failed++;
		fprintf(stderr, "test_escape.c:%d: \"%s\"\n  got  \"%s\"\n  want \"%s\"\n", line, in,
			pb_buf_str(&b), want);
	}
	pb_buf_free(&b);
}

#define CHECK(f, in, want) check(f, in, want, __LINE__)

int
main(void)
{
	struct pb_buf b = { 0 };

	CHECK(pb_esc_html, "a < b & c > d \"q\" 'x'", "a &lt; b &amp; c &gt; d &quot;q&quot; &#39;x&#39;");
	CHECK(pb_esc_html, "line\nbreak\ttab\x01", "line\nbreak\ttab");
	CHECK(pb_esc_html, "Rémy 中文 😀", "Rémy 中文 😀");
	CHECK(pb_esc_html, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	CHECK(pb_esc_html_attr, "https://x.org/?a=1&b=\"2\"\n", "https://x.org/?a=1&amp;b=&quot;2&quot; ");
	CHECK(pb_esc_md, "A [bracketed] *title* with_under `code` <b> #1 a|b \\",
	      "A \\[bracketed\\] \\*title\\* with\\_under \\`code\\` \\<b\\> \\#1 a\\|b \\\\");
	CHECK(pb_esc_md, "two\nlines", "two lines");
	/* a character reference would bring back what the cleaner removed */
	CHECK(pb_esc_md, "&#x202E; &lt; R&D & x", "\\&\\#x202E; \\&lt; R\\&D & x");
	CHECK(pb_esc_telegram, "a\x02" "b\x1b[0m\tc", "ab[0m\tc");
	CHECK(pb_esc_md_url, "https://arxiv.org/abs/2512.03687v1", "https://arxiv.org/abs/2512.03687v1");
	CHECK(pb_esc_md_url, "https://x.org/a b(c)", "https://x.org/a%20b%28c%29");
	CHECK(pb_esc_slack, "R&D <b> a>b *bold*", "R&amp;D &lt;b&gt; a&gt;b *bold*");
	CHECK(pb_esc_slack_url, "https://x.org/a|b<c>?d=1&e=2", "https://x.org/a%7Cb%3Cc%3E?d=1&amp;e=2");
	CHECK(pb_esc_telegram, "a<b & c>d \"q\"", "a&lt;b &amp; c&gt;d \"q\"");
	CHECK(pb_esc_telegram_attr, "https://x.org/?a=1&b=\"2\"", "https://x.org/?a=1&amp;b=&quot;2&quot;");
	CHECK(pb_esc_header, "Subject\r\nBcc: evil@x.org", "Subject Bcc: evil@x.org");
	CHECK(pb_esc_header, "tab\there\n", "tab here ");
	/* NULL is the empty string everywhere */
	CHECK(pb_esc_html, NULL, "");
	CHECK(pb_esc_md, NULL, "");
	CHECK(pb_esc_slack, NULL, "");
	CHECK(pb_esc_telegram, NULL, "");
	CHECK(pb_esc_header, NULL, "");
	/* the _n forms stop at n */
	pb_esc_html_n(&b, "<a>bc", 3);
	T_EQ_STR(pb_buf_str(&b), "&lt;a&gt;");
	pb_buf_reset(&b);
	pb_esc_telegram_n(&b, "&&&", 2);
	T_EQ_STR(pb_buf_str(&b), "&amp;&amp;");
	pb_buf_free(&b);
	return t_done("test_escape");
}
