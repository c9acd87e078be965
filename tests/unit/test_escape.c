/* Escaping for every format, checked on its own. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/config.h"
#include "paperboy/escape.h"
#include "paperboy/http.h"
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

/* One definition of what outside text may not carry as it is, used by every writer of it:
 * the cleaner, a quoted server reply, a config message. */
static void
test_unsafe(void)
{
	static const long drop[] = { 0x00, 0x1b, 0x7f, 0x80, 0x9b, 0x9f, 0x061c, 0x200e, 0x200f,
				     0x202a, 0x202e, 0x2066, 0x2069 };
	static const long brk[] = { '\r', 0x85, 0x2028, 0x2029 };
	static const long keep[] = { '\t', '\n', ' ', 'a', 0xa0, 0xe9, 0x05d0, 0x200d, 0x2030,
				     0x4e2d, 0xfffd, 0x1f600 };
	struct pb_buf b = { 0 };
	char dir[] = "/tmp/pb-test-escape-XXXXXX", path[300];
	struct pb_config_error err;
	struct pb_config *cfg;
	FILE *f;

	for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
		T_EQ_INT(pb_char_unsafe(drop[i]), PB_UNSAFE_DROP);
	for (size_t i = 0; i < sizeof brk / sizeof brk[0]; i++)
		T_EQ_INT(pb_char_unsafe(brk[i]), PB_UNSAFE_BREAK);
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
		T_EQ_INT(pb_char_unsafe(keep[i]), 0);

	/* one line for a terminal listing */
	{
		const char *in = "cs.\xE2\x80\xAELG\tA\nB\xE2\x80\xA8" "C";

		pb_text_clean(&b, in, strlen(in), PB_CLEAN_ONE_LINE);
	}
	T_EQ_STR(pb_buf_str(&b), "cs.LG A B C");
	pb_buf_reset(&b);

	/* for the operator's terminal: every control written escaped, nothing lost */
	pb_esc_term(&b, "away\x1b[2J\x1b]0;owned\x07\tnow\r\n\xE2\x80\xAE" "x\xC2\x9B" "1m\xFF "
		    "R\\'emy \xC3\xA9 \xE4\xB8\xAD");
	T_EQ_STR(pb_buf_str(&b), "away\\x1B[2J\\x1B]0;owned\\x07\\tnow\\r\\n\\u202Ex\\u009B1m\\xFF "
		 "R\\'emy \xC3\xA9 \xE4\xB8\xAD");
	pb_buf_reset(&b);
	pb_esc_term(&b, NULL);
	T_EQ_STR(pb_buf_str(&b), "");
	pb_buf_reset(&b);

	/* a server's reply: U+202E and U+2028 were let through (all of U+00A0 and up was) */
	{
		const char *in = "Rate \xE2\x80\xAE" "dedeecxe\xE2\x80\xA8" "fake: ok \xC3\xA9";

		pb_http_quote_reply(&b, in, strlen(in), 160);
	}
	T_EQ_STR(pb_buf_str(&b), "\"Rate \\u202Ededeecxe\\u2028fake: ok \xC3\xA9\"");
	pb_buf_free(&b);

	/* a config message quoting a value: the override is written as an escape */
	T_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (f) {
		fputs("arxiv = { categories = [\"cs.\xE2\x80\xAE" "VC\"]; };\n", f);
		fclose(f);
		memset(&err, 0, sizeof err);
		cfg = pb_config_load(path, &err);
		T_CHECK(cfg == NULL);
		T_CHECK(strstr(err.message, "\xE2\x80\xAE") == NULL);
		T_CHECK(strstr(err.message, "cs.\\u202eVC") != NULL);
		if (!strstr(err.message, "cs.\\u202eVC"))
			fprintf(stderr, "  message: %s\n", err.message);
		pb_config_free(cfg);
		unlink(path);
	}
	rmdir(dir);
}

/* The mail header writer the email channel uses: a field never ends early, never opens a
 * second one, is encoded when it is not plain ASCII and folded near 78 characters. The bytes of
 * whole messages are pinned by test_mail and test_mail_fold. */
static void
header_is(const char *value, const char *want, int line)
{
	struct pb_buf b = { 0 };

	pb_esc_header(&b, "Subject", value);
	t_checked++;
	if (strcmp(pb_buf_str(&b), want) != 0) {
		t_failed++;
		fprintf(stderr, "%s:%d: pb_esc_header:\n  got  \"%s\"\n  want \"%s\"\n", __FILE__, line,
			pb_buf_str(&b), want);
	}
	pb_buf_free(&b);
}

static void
test_mail_header(void)
{
	struct pb_buf b = { 0 };
	const char *p, *eol;

	header_is("Subject\r\nBcc: evil@x.org", "Subject: Subject Bcc: evil@x.org\r\n", __LINE__);
	header_is("tab\there\n", "Subject: tab here\r\n", __LINE__);
	header_is("  many   spaces  ", "Subject: many spaces\r\n", __LINE__);
	header_is(NULL, "Subject: \r\n", __LINE__);
	header_is("R\xc3\xa9my", "Subject: =?UTF-8?B?UsOpbXk=?=\r\n", __LINE__);
	/* an invalid byte becomes U+FFFD; so does each byte of a C1 control (here NEL) */
	header_is("a\xc2\x85" "b", "Subject: =?UTF-8?B?Ye+/ve+/vWI=?=\r\n", __LINE__);
	header_is("\xff", "Subject: =?UTF-8?B?77+9?=\r\n", __LINE__);
	/* text a reader would decode is encoded itself */
	header_is("=?UTF-8?B?QQ==?=", "Subject: =?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PQ==?=\r\n", __LINE__);

	T_EQ_INT(pb_esc_header_clean(&b, "plain\r\n"), 0);
	T_EQ_STR(pb_buf_str(&b), "plain");
	pb_buf_reset(&b);
	T_EQ_INT(pb_esc_header_clean(&b, "\xe4\xb8\xad"), 1);
	T_EQ_INT(pb_esc_header_plain_ok("a =? b"), 0);
	T_EQ_INT(pb_esc_header_plain_ok("a b"), 1);
	pb_buf_reset(&b);

	/* Long text folds before a space; every line within 78 characters. */
	pb_esc_header(&b, "Subject", "Daily digest of papers about diffusion models, transformers, "
		      "graph neural networks, and retrieval-augmented generation for 2026-01-05");
	T_CHECK(strstr(pb_buf_str(&b), "\r\n ") != NULL);
	for (p = pb_buf_str(&b); (eol = strstr(p, "\r\n")); p = eol + 2)
		T_CHECK(eol - p <= 78 && (p == b.data || *p == ' ' || *p == '\0'));
	T_CHECK(*p == '\0');
	pb_buf_free(&b);
}

int
main(void)
{
	struct pb_buf b = { 0 };

	test_unsafe();
	test_mail_header();

	CHECK(pb_esc_html, "a < b & c > d \"q\" 'x'", "a &lt; b &amp; c &gt; d &quot;q&quot; &#39;x&#39;");
	CHECK(pb_esc_html, "line\nbreak\ttab\x01", "line\nbreak\ttab");
	CHECK(pb_esc_html, "Rémy 中文 😀", "Rémy 中文 😀");
	CHECK(pb_esc_html, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	CHECK(pb_esc_html_attr, "https://x.org/?a=1&b=\"2\"\n", "https://x.org/?a=1&amp;b=&quot;2&quot; ");
	CHECK(pb_esc_md, "A [bracketed] *title* with_under `code` <b> #1 a|b \\",
	      "A \\[bracketed\\] \\*title\\* with\\_under \\`code\\` \\<b\\> \\#1 a\\|b \\\\");
	CHECK(pb_esc_md, "two\nlines", "two lines");
	/* text that starts a line opens no list item, and is still escaped as inline text */
	CHECK(pb_esc_md_line, "1. First *point*", "1\\. First \\*point\\*");
	CHECK(pb_esc_md_line, "\n\t12) x", "12\\) x");
	CHECK(pb_esc_md_line, "-", "\\-");
	CHECK(pb_esc_md_line, "7.", "7\\.");
	CHECK(pb_esc_md_line, "+\tx", "\\+ x");
	CHECK(pb_esc_md_line, "1.5x, -5 dB, +3, 2)x", "1.5x, -5 dB, +3, 2)x");
	CHECK(pb_esc_md_line, "    # code?", "\\# code?");
	CHECK(pb_esc_md_line, "", "");
	/* a character reference would bring back what the cleaner removed */
	CHECK(pb_esc_md, "&#x202E; &lt; R&D & x", "\\&\\#x202E; \\&lt; R\\&D & x");
	CHECK(pb_esc_telegram, "a\x02" "b\x1b[0m\tc", "ab[0m\tc");
	CHECK(pb_esc_md_url, "https://arxiv.org/abs/2512.03687v1", "https://arxiv.org/abs/2512.03687v1");
	CHECK(pb_esc_md_url, "https://x.org/a b(c)", "https://x.org/a%20b%28c%29");
	CHECK(pb_esc_slack, "R&D <b> a>b *bold*", "R&amp;D &lt;b&gt; a&gt;b *bold*");
	CHECK(pb_esc_slack_url, "https://x.org/a|b<c>?d=1&e=2", "https://x.org/a%7Cb%3Cc%3E?d=1&amp;e=2");
	CHECK(pb_esc_telegram, "a<b & c>d \"q\"", "a&lt;b &amp; c&gt;d \"q\"");
	CHECK(pb_esc_telegram_attr, "https://x.org/?a=1&b=\"2\"", "https://x.org/?a=1&amp;b=&quot;2&quot;");
	/* NULL is the empty string everywhere */
	CHECK(pb_esc_html, NULL, "");
	CHECK(pb_esc_md, NULL, "");
	CHECK(pb_esc_slack, NULL, "");
	CHECK(pb_esc_telegram, NULL, "");
	/* the _n forms stop at n */
	pb_esc_html_n(&b, "<a>bc", 3);
	T_EQ_STR(pb_buf_str(&b), "&lt;a&gt;");
	pb_buf_reset(&b);
	pb_esc_telegram_n(&b, "&&&", 2);
	T_EQ_STR(pb_buf_str(&b), "&amp;&amp;");
	pb_buf_free(&b);
	return t_done("test_escape");
}
