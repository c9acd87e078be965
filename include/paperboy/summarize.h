/* Summarize: key findings from abstracts, an executive summary per digest, and (optionally)
 * model-written text from an OpenAI-compatible endpoint, cached per paper in the state. */
#ifndef PAPERBOY_SUMMARIZE_H
#define PAPERBOY_SUMMARIZE_H

#include <stddef.h>

#include "paperboy/config.h"
#include "paperboy/digest.h"
#include "paperboy/http.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "paperboy/state.h"

struct pb_summarizer;

/* cfg is borrowed. st and h may be NULL (then no cache / no model: extractive only).
 * Returns NULL with err filled only on a configuration problem (e.g. unreadable prompt). */
struct pb_summarizer *pb_summarizer_new(const struct pb_config *cfg, struct pb_state *st,
					struct pb_http *h, char *err, size_t errlen);
void pb_summarizer_free(struct pb_summarizer *s);   /* accepts NULL */

/* Asks the model (when configured) for every unique paper in the selections once, per
 * language, within the configured deadline and token budget; answers go to the cache.
 * Failures are logged and fall back to the built-in text later. Returns 0. */
int pb_summarizer_prepare(struct pb_summarizer *s, const struct pb_paperset *papers,
			  const struct pb_selection *sel, size_t n_sel);

/* Builds one subscriber's digest for announcement date (YYYY-MM-DD). out is owned by the
 * caller (pb_digest_free); items borrow from papers and sel->sub. Returns 0 or -1. */
int pb_digest_build(struct pb_summarizer *s, const struct pb_paperset *papers,
		    const struct pb_selection *sel, const char *date, struct pb_digest *out);

/* The built-in executive summary of a digest whose items (with findings) are filled: how many
 * papers matched which topics, the themes that recur across titles and findings, and the three
 * papers to read first with a one-line reason each. Light Markdown; caller frees. Used when no
 * model is configured and whenever the model fails. */
char *pb_exec_summary_builtin(const struct pb_digest *d);

/* Key findings of an abstract: at most max sentences (see DESIGN), each malloc'd in *out
 * (array malloc'd too). Returns the count. */
size_t pb_key_findings(const char *abstract, size_t max, char ***out);

/* Splits text into sentences, each trimmed and malloc'd in *out (array malloc'd too; free with
 * pb_sentences_free). A period ends a sentence only when followed by space and not a lowercase
 * word, and not after an abbreviation ("e.g.", "i.e.", "et al.", "Fig.", "Eq.", "vs."), an
 * initial ("J. Smith"), inside a number, a URL or `$...$` / `\(...\)` math; a blank line
 * ends one too. Returns the count (0 for NULL or blank text). */
size_t pb_split_sentences(const char *text, char ***out);
void pb_sentences_free(char **v, size_t n);   /* accepts NULL */

/* "Computer Vision" for "cs.CV"; NULL when unknown. */
const char *pb_category_name(const char *cat);
/* "Arxiv Computer Vision Papers - 2025-12-04" (several categories joined sensibly). Caller
 * frees. */
char *pb_digest_title(const char *const *cats, size_t n, const char *date);

#endif
