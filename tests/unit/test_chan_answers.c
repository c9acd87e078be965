/* What every HTTP channel shares: a proxy's 408 is retried by each; a reason cut to its buffer
 * never ends in half a UTF-8 character; GFM chats get paper text's ~ escaped, also after an
 * escaped "](" in the text. */
#include <stdlib.h>
#include <string.h>

#include "../../src/deliver/channel.h"
#include "t.h"

static void
test_408(void)
{
	struct pb_result r;
	const char *body = "<html>Request Timeout</html>";
	size_t n = strlen(body);

	pb_discord_classify_answer(408, body, n, NULL, NULL, &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	pb_ntfy_classify_answer(408, body, n, NULL, &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	pb_matrix_classify_answer(408, body, n, NULL, &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	pb_wecom_classify_answer(408, body, n, NULL, 60, &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	pb_dingtalk_classify_answer(408, body, n, 600, &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	pb_feishu_classify_answer(408, body, n, NULL, &r);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	/* and a 404 stays permanent */
	pb_discord_classify_answer(404, "{\"code\":10015,\"message\":\"Unknown Webhook\"}", 43,
				   NULL, NULL, &r);
	T_EQ_INT(r.verdict, PB_V_PERMANENT);
}

static int
utf8_whole(const char *s)
{
	for (size_t i = 0; s[i];) {
		unsigned char c = (unsigned char)s[i];
		size_t l = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;

		if (!l)
			return 0;
		for (size_t k = 1; k < l; k++)
			if (((unsigned char)s[i + k] & 0xC0) != 0x80)
				return 0;
		i += l;
	}
	return 1;
}

static void
test_reason_cut(void)
{
	/* "频率超限" (3 bytes each) cut at every buffer size */
	const char *zh = "errcode 45009: 频率超限频率超限频率超限";
	char dst[64];

	for (size_t n = 1; n <= sizeof dst; n++) {
		pb_reason_copy(dst, n, zh, strlen(zh));
		T_CHECK(strlen(dst) < n);
		T_CHECK(utf8_whole(dst));
		T_CHECK(strncmp(dst, zh, strlen(dst)) == 0);
	}
	pb_reason_copy(dst, sizeof dst, zh, strlen(zh));
	T_EQ_STR(dst, zh);
}

static void
test_tildes(void)
{
	struct pb_buf b = { 0 };

	pb_chat_md_tildes("at ~10 K [x](https://arxiv.org/a~b) ~~s~~", &b);
	T_EQ_STR(pb_buf_str(&b), "at \\~10 K [x](https://arxiv.org/a~b) \\~\\~s\\~\\~");
	pb_buf_reset(&b);
	/* an escaped ] in paper text opens no link target */
	pb_chat_md_tildes("## [A\\](b ~~struck~~](https://arxiv.org/abs/1)", &b);
	T_EQ_STR(pb_buf_str(&b), "## [A\\](b \\~\\~struck\\~\\~](https://arxiv.org/abs/1)");
	pb_buf_reset(&b);
	pb_chat_md_tildes("~~~\ncode", &b);
	T_EQ_STR(pb_buf_str(&b), "\\~\\~\\~\ncode");
	pb_buf_reset(&b);
	/* a code span shows a backslash as it is: its ~ stays bare, the text's around it not */
	pb_chat_md_tildes("set `~/.cache` or `a~~b~~` ~~x~~", &b);
	T_EQ_STR(pb_buf_str(&b), "set `~/.cache` or `a~~b~~` \\~\\~x\\~\\~");
	pb_buf_reset(&b);
	/* an escaped backtick opens none, nor one left open at the line's end */
	pb_chat_md_tildes("\\` ~a ` ~b\n~c`", &b);
	T_EQ_STR(pb_buf_str(&b), "\\` \\~a ` \\~b\n\\~c`");
	pb_buf_free(&b);
}

int
main(void)
{
	test_408();
	test_reason_cut();
	test_tildes();
	return t_done("test_chan_answers");
}
