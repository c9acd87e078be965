/* Inside the summarize stage (not a public interface): the theme terms of one paper, computed
 * once per run and shared by every digest that shows the paper. */
#ifndef PAPERBOY_SUMMARIZE_INT_H
#define PAPERBOY_SUMMARIZE_INT_H

#include <stddef.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/digest.h"

struct pb_terms;

/* The distinct words and word pairs of a title and findings that may make a theme. Never
 * NULL; free with pb_terms_free (accepts NULL). */
struct pb_terms *pb_terms_new(const char *title, char *const *findings, size_t n_findings);
void pb_terms_free(struct pb_terms *t);

/* pb_exec_summary_builtin with the terms of each item precomputed: terms[i] for d->items[i]
 * (terms or terms[i] may be NULL: then computed on the spot). Caller frees. */
char *pb_exec_summary_terms(const struct pb_digest *d, const struct pb_terms *const *terms);

/* The Chinese lang reads, by the words.h column of its tag: none (English), Simplified ("zh",
 * "zh-CN") or Traditional ("zh-TW", "zh-Hant"). For exec_summary.c, which cannot include
 * words.h beside fold.h: each names a function pb_word. */
enum { PB_ZH_NONE, PB_ZH_HANS, PB_ZH_HANT };
int pb_summary_zh(const char *lang);

/* Fills d->title and d->subject (subject.c) once d's language, date and items are set: the
 * categories are cfg->arxiv.categories, else the items' primary ones; the template is sub's
 * `subject`, else cfg's, else the language's default. cfg and sub may be NULL. */
void pb_digest_names(const struct pb_config *cfg, const struct pb_subscriber *sub,
		     struct pb_digest *d);

/* What a sentence says besides being a finding (findings.c). Background ("Recently, X has
 * achieved ..."), a problem statement ("However, ...", "... remains challenging") and an orphan
 * list item ("(3) The model ...") are never a key finding; a sentence where the authors speak
 * ("we", "our", "this paper") is neither background nor a problem. */
enum { PB_SENT_PLAIN = 0, PB_SENT_BACKGROUND, PB_SENT_PROBLEM, PB_SENT_ORPHAN };
int pb_sentence_kind(const char *s);
/* The finding score of a sentence (>= 2 qualifies); *contrib (a contribution: "we propose")
 * and *result (kinds of result evidence) may be NULL. */
int pb_finding_score(const char *s, int *contrib, int *result);

/* The placeholders of analysis.txt for paper p (analysis_vars.c): {language} {title} {authors}
 * {categories} {abstract} {id} (key) {published} {comment}, and {fulltext}: with a full text
 * (fulltext.h), "Excerpts of the full text (HTML):" and pb_fulltext_excerpt(ft,
 * excerpt_tokens), else empty. v is the NULL-terminated name, value list for
 * pb_prompt_render; it borrows from p, key and a. */
struct pb_analysis_vars {
	struct pb_buf authors, cats, fulltext;
	const char *v[20];
};
void pb_analysis_vars_init(struct pb_analysis_vars *a, const struct pb_paper *p, const char *lang,
			   const char *key, const struct pb_fulltext *ft, int excerpt_tokens);
void pb_analysis_vars_free(struct pb_analysis_vars *a);

#endif
