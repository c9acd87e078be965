/* The Markdown digest as a chat service shows it. The Markdown renderer writes a document:
 * front matter, a table of contents linking to in-page anchors (<a id='...'></a> lines), and
 * "---" rules between sections. A chat shows none of these as meant: no anchors to jump to,
 * raw HTML and rules printed as text. What is left is the digest the chat formats carry
 * (Slack and Telegram have no table of contents either). Outside text cannot produce any of
 * the lines dropped here: the renderer escapes its < [ ] # and | (escape.h). */
#include <string.h>

#include "channel.h"

/* "<a id='2411.12345v1'></a>": the renderer's anchor before each paper. */
static int
is_anchor(const char *s, size_t n)
{
	return n >= 13 && strncmp(s, "<a id='", 7) == 0 && strncmp(s + n - 6, "'></a>", 6) == 0;
}

/* "3. [Title](#2411.12345v1)": an entry of the table of contents. */
static int
is_toc_item(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i + 3 > n || s[i] != '.' || s[i + 1] != ' ' || s[i + 2] != '[' ||
	    s[n - 1] != ')')
		return 0;
	for (; i + 2 < n; i++)
		if (s[i] == ']' && s[i + 1] == '(' && s[i + 2] == '#' && s[i - 1] != '\\')
			return 1;
	return 0;
}

static int
escaped(const char *s, size_t i)
{
	size_t k = 0;

	while (k < i && s[i - 1 - k] == '\\')
		k++;
	return k % 2;
}

/* Writes the line s[0..n) with a link to a place a chat cannot open ("[all.md](all.md)", the
 * file beside the digest in the file sink) as its text alone. */
static void
put_line(const char *s, size_t n, struct pb_buf *out)
{
	size_t i = 0, from = 0;

	while (i < n) {
		size_t j, k;

		if (s[i] != '[' || escaped(s, i)) {
			i++;
			continue;
		}
		for (j = i + 1; j + 1 < n && !(s[j] == ']' && s[j + 1] == '(' && !escaped(s, j)); j++)
			;
		for (k = j + 2; k < n && s[k] != ')'; k++)
			;
		if (j + 1 >= n || k >= n) {
			i++;
			continue;
		}
		if (strncmp(s + j + 2, "https://", 8) != 0 && strncmp(s + j + 2, "http://", 7) != 0) {
			pb_buf_append(out, s + from, i - from);
			pb_buf_append(out, s + i + 1, j - i - 1);
			from = k + 1;
		}
		i = k + 1;
	}
	pb_buf_append(out, s + from, n - from);
}

static size_t
line_len(const char *s)
{
	const char *e = strchr(s, '\n');

	return e ? (size_t)(e - s) : strlen(s);
}

/* The next line after the one at s that is not blank, and its length. */
static const char *
next_text(const char *s, size_t *n)
{
	for (s += line_len(s); *s; s += line_len(s)) {
		s++;
		if ((*n = line_len(s)) > 0)
			return s;
	}
	*n = 0;
	return s;
}

void
pb_chat_md(const char *md, struct pb_buf *out)
{
	const char *s = pb_md_body(md ? md : "");
	size_t start = out->len;
	int blank = 1;   /* the last line written was blank (or nothing was written) */

	while (*s) {
		size_t n = line_len(s), nn;
		const char *nx = next_text(s, &nn);
		int drop = is_anchor(s, n) || is_toc_item(s, n) || (n == 3 && strncmp(s, "---", 3) == 0) ||
			   (n > 3 && strncmp(s, "## ", 3) == 0 && is_toc_item(nx, nn));

		if (n == 0) {
			if (!blank)
				pb_buf_putc(out, '\n');
			blank = 1;
		} else if (!drop) {
			put_line(s, n, out);
			pb_buf_putc(out, '\n');
			blank = 0;
		}
		s += n;
		if (*s == '\n')
			s++;
	}
	while (out->len > start && out->data[out->len - 1] == '\n')
		pb_buf_truncate(out, out->len - 1);
}

/* GFM (Discord, ntfy's web app) strikes text out between ~~ and opens a code fence at ~~~;
 * CommonMark does neither, so the Markdown renderer leaves ~ as it is. Every ~ outside a link's
 * target and outside a code span becomes \~. A link's target is what follows the renderer's
 * own, unescaped "](": in outside text a ] is escaped. A code span is the renderer's own too
 * (outside text has its backticks escaped), closed on its line: inside it a backslash is shown
 * as it is, and nothing is struck out. */
void
pb_chat_md_tildes(const char *s, struct pb_buf *out)
{
	int in_url = 0;

	for (size_t i = 0; s[i]; i++) {
		if (!in_url && s[i] == '`' && !escaped(s, i)) {
			size_t e = i + 1;

			while (s[e] && s[e] != '`' && s[e] != '\n')
				e++;
			if (s[e] == '`') {
				pb_buf_append(out, s + i, e + 1 - i);
				i = e;
				continue;
			}
		}
		if (in_url && (s[i] == ')' || s[i] == '\n'))
			in_url = 0;
		else if (!in_url && s[i] == ']' && s[i + 1] == '(' && !escaped(s, i))
			in_url = 1;
		if (s[i] == '~' && !in_url)
			pb_buf_putc(out, '\\');
		pb_buf_putc(out, s[i]);
	}
}
