/* The Markdown of chat robots (WeCom, DingTalk): small dialects whose documentation names
 * headings, bold, links and quotes (DingTalk also italics and lists) and says nothing of
 * backslash escapes, while both read some HTML (<font>, WeCom's <@userid> mentions). The
 * digest's Markdown escapes outside text with backslashes; here every escaped character
 * becomes its full-width form instead, so that the text reads the same and no parser, whether
 * it knows escapes or not, can make markup of it. The renderer's own markup is kept where the
 * dialect has it: headings, bold, http(s) links, inline code; its HTML anchors, rules and
 * in-page links are dropped. */
#include <string.h>

#include "channel.h"

/* The full-width form of an escaped character, or NULL to keep it. */
static const char *
wide(char c, unsigned flags)
{
	switch (c) {
	case '\\': return "\xef\xbc\xbc";   /* U+FF3C */
	case '`': return "\xef\xbd\x80";    /* U+FF40 */
	case '*': return "\xef\xbc\x8a";    /* U+FF0A */
	case '[': return "\xef\xbc\xbb";    /* U+FF3B */
	case ']': return "\xef\xbc\xbd";    /* U+FF3D */
	case '<': return "\xef\xbc\x9c";    /* U+FF1C */
	case '>': return "\xef\xbc\x9e";    /* U+FF1E */
	case '#': return "\xef\xbc\x83";    /* U+FF03 */
	case '&': return "\xef\xbc\x86";    /* U+FF06 */
	case '_': return flags & PB_RMD_ITALIC ? "\xef\xbc\xbf" : NULL;   /* U+FF3F */
	/* escaped only where a line would open a list item with them (pb_esc_md_line) */
	case '.': return flags & PB_RMD_LISTS ? "\xef\xbc\x8e" : NULL;    /* U+FF0E */
	case ')': return flags & PB_RMD_LISTS ? "\xef\xbc\x89" : NULL;    /* U+FF09 */
	case '-': return flags & PB_RMD_LISTS ? "\xef\xbc\x8d" : NULL;    /* U+FF0D */
	case '+': return flags & PB_RMD_LISTS ? "\xef\xbc\x8b" : NULL;    /* U+FF0B */
	default: return NULL;
	}
}

static int
is_http(const char *u, size_t n)
{
	return (n > 7 && strncmp(u, "http://", 7) == 0) || (n > 8 && strncmp(u, "https://", 8) == 0);
}

static void inline_md(struct pb_buf *out, const char *s, size_t n, unsigned flags);

/* A link at s ("[text](url)", text holding escapes): its length, with the text's span and
 * the url's; 0 when there is none. */
static size_t
link_at(const char *s, size_t n, size_t *te, size_t *ua, size_t *ue)
{
	size_t j = 1;

	while (j < n && s[j] != ']' && s[j] != '\n') {
		if (s[j] == '`')
			return 0;
		j += s[j] == '\\' && j + 1 < n ? 2 : 1;
	}
	if (j + 1 >= n || s[j] != ']' || s[j + 1] != '(')
		return 0;
	*te = j;
	*ua = j + 2;
	for (j += 2; j < n && s[j] != ')' && s[j] != '\n' && s[j] != ' '; j++)
		;
	if (j >= n || s[j] != ')')
		return 0;
	*ue = j;
	return j + 1;
}

static void
inline_md(struct pb_buf *out, const char *s, size_t n, unsigned flags)
{
	size_t i = 0, te, ua, ue, l;
	const char *w;

	while (i < n) {
		char c = s[i];

		if (c == '\\' && i + 1 < n) {
			w = wide(s[i + 1], flags);
			if (w)
				pb_buf_puts(out, w);
			else
				pb_buf_putc(out, s[i + 1]);
			i += 2;
		} else if (c == '[' && (l = link_at(s + i, n - i, &te, &ua, &ue)) > 0) {
			/* only links that leave for the web; in-page anchors and files beside
			 * the digest (all.md) mean nothing in a chat: their text stays */
			int keep = is_http(s + i + ua, ue - ua);

			if (keep)
				pb_buf_putc(out, '[');
			inline_md(out, s + i + 1, te - 1, flags);
			if (keep) {
				pb_buf_puts(out, "](");
				pb_buf_append(out, s + i + ua, ue - ua);
				pb_buf_putc(out, ')');
			}
			i += l;
		} else if (c == '<') {
			/* the renderer's <https://...> and <mailto:...> */
			const char *e = memchr(s + i, '>', n - i);
			size_t ul = e ? (size_t)(e - s) - i - 1 : 0;

			if (e && is_http(s + i + 1, ul)) {
				pb_buf_putc(out, '[');
				pb_buf_append(out, s + i + 1, ul);
				pb_buf_puts(out, "](");
				pb_buf_append(out, s + i + 1, ul);
				pb_buf_putc(out, ')');
				i += ul + 2;
			} else if (e && ul > 7 && strncmp(s + i + 1, "mailto:", 7) == 0) {
				pb_buf_append(out, s + i + 8, ul - 7);
				i += ul + 2;
			} else {
				pb_buf_puts(out, wide('<', flags));
				i++;
			}
		} else if (c == '`') {
			/* inline code holds its text raw: no escapes, but no HTML either */
			const char *e = memchr(s + i + 1, '`', n - i - 1);
			size_t end = e ? (size_t)(e - s) : n;

			pb_buf_putc(out, '`');
			for (size_t k = i + 1; k < end; k++) {
				if (s[k] == '<' || s[k] == '&')
					pb_buf_puts(out, wide(s[k], flags));
				else
					pb_buf_putc(out, s[k]);
			}
			if (e)
				pb_buf_putc(out, '`');
			i = e ? end + 1 : n;
		} else if (c == '*' && i + 1 < n && s[i + 1] == '*') {
			pb_buf_puts(out, "**");
			i += 2;
		} else if (c == '*') {
			/* the renderer's italics, where the dialect has them */
			if (flags & PB_RMD_ITALIC)
				pb_buf_putc(out, '*');
			i++;
		} else {
			pb_buf_putc(out, c);
			i++;
		}
	}
}

void
pb_robot_md(struct pb_buf *out, const char *md, unsigned flags)
{
	const char *p = md ? md : "";
	int first = 1, gap = 0;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n >= 6 && strncmp(p, "<a id=", 6) == 0) {
			/* the anchors of the table of contents */
		} else if (n == 0 || (n >= 3 && strspn(p, "-") == n)) {
			/* a rule, which the dialects lack, becomes a paragraph break */
			gap = 1;
		} else {
			if (!first)
				pb_buf_puts(out, gap ? "\n\n" : flags & PB_RMD_BREAKS ? "  \n" : "\n");
			inline_md(out, p, n, flags);
			first = gap = 0;
		}
		p += n + (e ? 1 : 0);
	}
}
