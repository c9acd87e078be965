/* Escaping for every output format, in one place. Each function appends the escaped form of
 * the NUL-terminated UTF-8 string s (NULL is treated as "") to b; none of them fails (allocation
 * failure aborts in the buffer). The *_n variants take an explicit length. */
#ifndef PAPERBOY_ESCAPE_H
#define PAPERBOY_ESCAPE_H

#include <stddef.h>

#include "paperboy/buf.h"

/* HTML text content: & < > become entities; quotes too, so the same text is also safe in an
 * attribute. Control characters other than tab and newline are dropped. */
void pb_esc_html(struct pb_buf *b, const char *s);
void pb_esc_html_n(struct pb_buf *b, const char *s, size_t n);
/* An attribute value in double quotes: as pb_esc_html, and tab/newline become spaces. */
void pb_esc_html_attr(struct pb_buf *b, const char *s);

/* Markdown inline text (titles in links, names, abstracts): a backslash before each of
 * \ ` * _ [ ] < > # | (and & before a letter or #, which would start a character reference) so
 * nothing becomes markup, a link, raw HTML or a hidden character; newlines become spaces. */
void pb_esc_md(struct pb_buf *b, const char *s);
void pb_esc_md_n(struct pb_buf *b, const char *s, size_t n);
/* Markdown text that starts a line: a paragraph (an abstract) or a list item's text (a
 * finding). As pb_esc_md, without leading blanks (four would make a code block), and what
 * would open a list item there is escaped too: a - or + before a blank or the end ("\- "),
 * and the . or ) after one to nine digits ("1\. ", "2\) "), which CommonMark and GFM (Discord,
 * ntfy, DingTalk, a git host showing the file) read as the start of a list. */
void pb_esc_md_line(struct pb_buf *b, const char *s);

/* A URL inside a Markdown link's parentheses: space ( ) < > and controls percent-encoded. */
void pb_esc_md_url(struct pb_buf *b, const char *s);

/* Slack mrkdwn text: & < > as &amp; &lt; &gt; (Slack's own three); controls other than tab and
 * newline dropped. */
void pb_esc_slack(struct pb_buf *b, const char *s);
void pb_esc_slack_n(struct pb_buf *b, const char *s, size_t n);
/* The URL part of a Slack link <url|text>: | < > space and controls percent-encoded, & as
 * &amp; (Slack decodes it). */
void pb_esc_slack_url(struct pb_buf *b, const char *s);

/* Telegram HTML parse mode text: & < > as &amp; &lt; &gt;; controls other than tab and newline
 * dropped. */
void pb_esc_telegram(struct pb_buf *b, const char *s);
void pb_esc_telegram_n(struct pb_buf *b, const char *s, size_t n);
/* A Telegram href value in double quotes: & < > " escaped. */
void pb_esc_telegram_attr(struct pb_buf *b, const char *s);

/* Whether code point cp must not be shown as it is in outside text (titles, ids, categories,
 * a server's reply, a config value): C0 controls other than tab and newline, DEL, C1 controls
 * (U+0080-U+009F) and the bidirectional formatting characters (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069), which could reverse the text around them or smuggle
 * terminal and parser controls (PB_UNSAFE_DROP); CR, U+0085 (NEL), U+2028 and U+2029, which
 * break a line (PB_UNSAFE_BREAK). 0 for any other code point. The one definition every
 * writer of outside text uses (pb_text_clean, quoted server replies, config messages). */
#define PB_UNSAFE_DROP 1
#define PB_UNSAFE_BREAK 2
int pb_char_unsafe(long cp);

/* Outside text made safe to show, before any format's escaping: what pb_char_unsafe calls
 * unsafe is removed, or becomes a space when it breaks a line; an invalid UTF-8 byte becomes
 * U+FFFD. The one filter every renderer and terminal listing applies to text it did not
 * write. With PB_CLEAN_KEEP_DATA the data-span markers of digest.h (0x02, 0x03) are kept;
 * with PB_CLEAN_ONE_LINE tab and newline become spaces too (a listing's one line). */
#define PB_CLEAN_KEEP_DATA 1
#define PB_CLEAN_ONE_LINE 2
void pb_text_clean(struct pb_buf *b, const char *s, size_t n, int flags);
/* pb_text_clean of the string s (NULL as ""), malloc'd; caller frees. */
char *pb_text_clean_dup(const char *s, int flags);

/* Outside text (NULL as "") for the operator's terminal, one line, nothing of it lost: what
 * pb_char_unsafe calls unsafe, tab and newline are written escaped, an ASCII control as \t,
 * \n, \r or \x1B, a Unicode one as \u202E (as pb_http_quote_reply), an invalid UTF-8 byte
 * as \xFF; the
 * rest as it is. A subscriber's name, addresses, rules and reasons, shown by `subscriber` and
 * `status`, can come from a web form, a chat or an import. */
void pb_esc_term(struct pb_buf *b, const char *s);

/* Mail headers (RFC 5322, RFC 2047), as the email channel writes them. */
/* A whole unstructured header field "name: value\r\n": value cleaned by pb_esc_header_clean,
 * then written as-is and folded before spaces near 78 characters when it is plain ASCII
 * (pb_esc_header_plain_ok), else as encoded words. No CR, LF or other control character of
 * value ever reaches b, so a value can never start a new header. */
void pb_esc_header(struct pb_buf *b, const char *name, const char *value);
/* Appends s (NULL as "") as a header value: valid UTF-8 only (an invalid byte, and each byte of
 * a C1 control, becomes U+FFFD), every ASCII control character (CR and LF included) a space,
 * runs of spaces collapsed, the end trimmed. Returns 1 when the result is not pure ASCII. */
int pb_esc_header_clean(struct pb_buf *b, const char *s);
/* 1 when cleaned ASCII text v can go into a header as-is: no word long enough for a line to
 * pass 998 octets, and no "=?" a reader would take for an encoded word. */
int pb_esc_header_plain_ok(const char *v);
/* Appends value (cleaned UTF-8) as RFC 2047 B encoded words, each at most 75 characters and each
 * line at most 76, split only between UTF-8 sequences; col is the length of the line so far. */
void pb_esc_header_words(struct pb_buf *b, const char *value, size_t col);

#endif
