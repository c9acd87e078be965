/* HTML5's named character references (the WHATWG list: 2,231 names, the two-code-point ones
 * among them) for what libxml2's HTML parser reads. That parser knows HTML 4's 253 names only,
 * each with its ';': a page written by its authors as HTML ("Filip Mari&cacute;",
 * "&Ccaron;esk&eacute; Bud&ecaron;jovice") would reach the text with its ampersands, where a
 * browser shows "Marić" and "České Budějovice". */
#ifndef PAPERBOY_HTML_REFS_H
#define PAPERBOY_HTML_REFS_H

#include <stddef.h>

#include "paperboy/buf.h"

/* The characters of the reference named name[0..len), without its '&' and with its ';' when
 * written with one ("cacute;", "copy"): writes its one or two code points to cp (cp[1] 0 for
 * one) and returns how many, or 0 for a name not in the list. Without ';' only HTML 4's
 * legacy names are in it: "copy" gives 1, "cacute" 0. */
int pb_html_entity(const char *name, size_t len, unsigned cp[2]);

/* Appends to out the page html[0..len) with every named reference that HTML5's tokenizer
 * decodes and libxml2's would not (or would decode to another character: &lang; &rang;)
 * written as the numeric references it does read ("&cacute;" as "&#263;", "&NotEqualTilde;"
 * as "&#8770;&#824;"), where both decode references: in text and in attribute values, not in
 * comments, declarations, tags' and attributes' names, script and style. HTML5's rules for a
 * legacy name written without ';' hold: "&copy 2024" is "© 2024" in text, "?a=1&copy=2" in an
 * attribute stays as it is. Everything else, "&amp;cacute;" and unknown names among it, is
 * left byte for byte. Returns 1 when it wrote the page to out, 0 when nothing needed
 * rewriting (out untouched: the page is read as it is). The result is at most three times as
 * long as the page. */
int pb_html_refs_rewrite(const char *html, size_t len, struct pb_buf *out);

#endif
