/* libFuzzer target: Telegram, Slack and Markdown splitting on arbitrary text. The input becomes
 * escaped text with tags or links around parts of it, is split with a limit taken from the
 * input, and every piece must be within the limit and well-formed (Markdown: no piece ends in
 * a backslash that escapes nothing). Then the same text goes through the
 * Telegram and Slack renderers as title, abstract, summary and analysis, and every message
 * must keep the channel's limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "paperboy/escape.h"
#include "paperboy/render.h"

static const char *const tags[] = { "b", "i", "u", "s", "code", "pre", "blockquote" };

static size_t
u16(const char *s)
{
	size_t u = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			u += (unsigned char)*s >= 0xf0 ? 2 : 1;
	return u;
}

/* Input bytes 0x01..0x07 open a tag (or a link), 0x08 closes the innermost one; NULs are
 * dropped (the renderers only ever see C strings). */
static void
build(const char *s, size_t n, int slack, struct pb_buf *out)
{
	const char *open[16];
	int depth = 0;
	size_t from = 0;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)s[i] : 0;

		if (i < n && c > 8)
			continue;
		if (slack)
			pb_esc_slack_n(out, s + from, i - from);
		else
			pb_esc_telegram_n(out, s + from, i - from);
		from = i + 1;
		if (i == n)
			break;
		if (slack) {
			if (c >= 1 && c <= 7)
				pb_buf_puts(out, "<https://x.org/?a=1&amp;b=2|a link>");
			continue;
		}
		if (c >= 1 && c <= 7 && depth < 16) {
			open[depth++] = tags[c - 1];
			pb_buf_printf(out, "<%s>", tags[c - 1]);
			if (c == 1)
				pb_buf_puts(out, "<a href=\"https://x.org/?q=&quot;1&quot;\">x</a>");
		} else if (c == 8 && depth > 0) {
			pb_buf_printf(out, "</%s>", open[--depth]);
		}
	}
	while (!slack && depth > 0)
		pb_buf_printf(out, "</%s>", open[--depth]);
}

static void
render_checks(const char *text)
{
	struct pb_paper p = { 0 };
	struct pb_author a = { (char *)text, NULL, 0 };
	char *cats[] = { "cs.CV" };
	char *findings[] = { (char *)text, (char *)text };
	struct pb_digest_item it = { &p, text, 1.0, findings, 2, (char *)text };
	struct pb_digest d = { 0 };
	struct pb_render_opts o = { .telegram_chat = "1", .unsubscribe_url = text };
	struct pb_parts parts;

	p.id = "2512.00001";
	p.version = 1;
	p.title = (char *)text;
	p.abstract = (char *)text;
	p.authors = &a;
	p.n_authors = 1;
	p.categories = cats;
	p.n_categories = 1;
	d.subscriber = text;
	d.date = "2025-12-04";
	d.title = (char *)text;
	d.exec_summary = (char *)text;
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;
	if (pb_render(&d, PB_FMT_TELEGRAM, &o, &parts) == 0) {
		for (size_t i = 0; i < parts.n; i++) {
			cJSON *m = cJSON_Parse(parts.v[i]);
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(m, "text"));
			long u = t ? pb_telegram_check(t, strlen(t)) : -1;

			if (u < 0 || u > PB_TELEGRAM_MAX_TEXT)
				abort();
			cJSON_Delete(m);
		}
		pb_parts_free(&parts);
	}
	if (pb_render(&d, PB_FMT_SLACK, &o, &parts) == 0) {
		for (size_t i = 0; i < parts.n; i++) {
			cJSON *m = cJSON_Parse(parts.v[i]), *blk;

			if (!m || cJSON_GetArraySize(cJSON_GetObjectItem(m, "blocks")) >
					  PB_SLACK_MAX_BLOCKS)
				abort();
			cJSON_ArrayForEach(blk, cJSON_GetObjectItem(m, "blocks")) {
				const char *t = cJSON_GetStringValue(
					cJSON_GetObjectItem(cJSON_GetObjectItem(blk, "text"), "text"));

				if (t && u16(t) > PB_SLACK_MAX_SECTION)
					abort();
			}
			cJSON_Delete(m);
		}
		pb_parts_free(&parts);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_buf b = { 0 };
	struct pb_parts parts = { 0 };
	size_t limit;
	char *text;

	if (size < 2)
		return 0;
	limit = 512 + (size_t)data[0] * 16;
	for (int slack = 0; slack <= 1; slack++) {
		pb_buf_reset(&b);
		build((const char *)data + 2, size - 2, slack, &b);
		if (slack)
			pb_slack_split(b.data ? b.data : "", b.len, limit, &parts);
		else
			pb_telegram_split(b.data ? b.data : "", b.len, limit, &parts);
		for (size_t i = 0; i < parts.n; i++) {
			const char *s = parts.v[i];

			if (slack) {
				const char *amp = strrchr(s, '&');

				if (u16(s) > limit || (amp && !strchr(amp, ';')))
					abort();
			} else {
				long u = pb_telegram_check(s, strlen(s));

				if (u < 0 || (size_t)u > limit)
					abort();
			}
		}
		pb_parts_free(&parts);
	}
	/* Markdown, in UTF-16 units and in bytes */
	for (int bytes = 0; bytes <= 1; bytes++) {
		pb_buf_reset(&b);
		pb_esc_md_n(&b, (const char *)data + 2, size - 2);
		pb_md_split(b.data ? b.data : "", b.len, limit, bytes, &parts);
		for (size_t i = 0; i < parts.n; i++) {
			const char *s = parts.v[i];
			size_t l = strlen(s), k = l;

			while (k > 0 && s[k - 1] == '\\')
				k--;
			if ((bytes ? l : u16(s)) > limit || (l - k) % 2)
				abort();
		}
		pb_parts_free(&parts);
	}
	/* the renderers, on the raw text (NULs end it) */
	if (data[1] & 1) {
		text = malloc(size - 1);
		if (text) {
			memcpy(text, data + 2, size - 2);
			text[size - 2] = '\0';
			render_checks(text);
			free(text);
		}
	}
	pb_buf_free(&b);
	return 0;
}
