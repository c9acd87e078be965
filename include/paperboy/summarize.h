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
 * Does not fail (err is left empty): a prompt file that cannot be read is logged
 * (summary.model_off, level error) and the digests are built without the model.
 * The model is used when cfg->summary.enabled, h and st are all given. h only says the
 * network may be used: the model is asked through a client of the summarizer's own, with
 * summary.timeout per request, no retries and no arXiv spacing. The prompts are
 * {prompt_dir}/analysis.txt and summary.txt (see llm.h for their form; analysis.txt may use
 * {language} {title} {authors} {categories} {abstract} {id} {published} {comment} and
 * {fulltext}: the paper's full-text excerpt (pb_fulltext_excerpt within
 * fulltext.excerpt_tokens, under a line "Excerpts of the full text (HTML):") when the run read
 * it, else empty; summary.txt
 * {language} {date} {count} {papers}, the list of titles with their key findings); the API
 * key goes in an "Authorization: Bearer" header and is registered with the log as a secret.
 * s may be NULL in pb_digest_build (extractive, nothing memoised). */
struct pb_summarizer *pb_summarizer_new(const struct pb_config *cfg, struct pb_state *st,
					struct pb_http *h, char *err, size_t errlen);
void pb_summarizer_free(struct pb_summarizer *s);   /* accepts NULL */

/* Whether the model's prompt files ({prompt_dir}/analysis.txt and summary.txt) can be read,
 * when the model is enabled: 0, or -1 with err naming the file and what is wrong. What
 * `check`, the daemon's start and a reload verify, where a run only logs it. */
int pb_summary_prompts_check(const struct pb_config *cfg, char *err, size_t errlen);

struct pb_fulltext_set;
/* The full texts of the papers (fulltext.h; borrowed, must outlive s's use; NULL = none): the
 * digest's items point at them, and the findings and the model's analysis read them. */
void pb_summarizer_set_fulltext(struct pb_summarizer *s, const struct pb_fulltext_set *ft);

/* Asks the model (when configured) for every unique paper in the selections once, per
 * language, within the configured deadline and token budget; answers go to the cache.
 * Failures are logged and fall back to the built-in text later. Returns 0.
 * Order: the executive summaries first (one per distinct set of papers and language), then
 * analyses by rank across subscribers, so a deadline cuts the least read ones.
 * Cache keys (state summary_cache): kind "analysis" per (paper id+version, model, language,
 * hash of analysis.txt, another hash when the paper's full text went into a prompt that has
 * {fulltext}: a paper first asked about without its text is asked again once it has one, and
 * an answer written with the text is used also by a later run without it); kind "summary" per ("digest:<hash of the sorted paper keys>:<n>",
 * model, language, hash of summary.txt). Shared by every subscriber and every later run.
 * Stops asking (the rest falls back) when summary.deadline seconds have passed since the first
 * request, when the day's tokens (UTC, usage.total_tokens of the answers) reach
 * summary.daily_token_budget, after three failures in a row, and for Retry-After seconds
 * after a 429 (2 s when it has none, unless its body says "insufficient_quota"); the request
 * answered 429 goes again once that wait ends before the deadline. Each fallback is one line:
 *   level=warn event=summary.fallback kind=analysis paper=2512.04040v1 lang=zh reason="HTTP 500"
 *   level=warn event=summary.fallback kind=summary paper=digest:...:10 subscriber=alice ...
 * with reasons such as "timeout after N s", "HTTP 429, retry after N s", "HTTP 500: <the API's
 * message>", "no answer: <network error>", "not JSON", "no choices", "empty content",
 * "refusal: ...", "API error: ...", and once the model is left alone: "deadline reached",
 * "daily token budget spent", "model failed repeatedly", "the model refuses the API key",
 * "no such model or endpoint", "rate limited by the model (429), waiting N s". A request the
 * model refuses as longer than its context (pb_llm_context_exceeded) is made again shorter
 * and sent again, logged summary.shorter, not counted as a failure: an analysis with a quarter
 * of its excerpt, then without it (cached as one from the abstract); a summary with a quarter
 * of its list of papers; as short as it gets, it falls back. */
int pb_summarizer_prepare(struct pb_summarizer *s, const struct pb_paperset *papers,
			  const struct pb_selection *sel, size_t n_sel);

/* Builds one subscriber's digest for announcement date (YYYY-MM-DD; NULL = the paperset's).
 * out is owned by the caller (pb_digest_free); items borrow from papers and sel->sub.
 * The title names cfg->arxiv.categories (else the papers' primary categories), in the words of
 * the subscriber's language; the subject is pb_digest_subject's of the subscriber's (else the
 * top-level) `subject` template; findings are
 * memoised per paper in s; analysis and a model-written executive summary come only from the
 * cache (no request is made here), else the built-in summary. Returns 0 or -1 (NULL input). */
int pb_digest_build(struct pb_summarizer *s, const struct pb_paperset *papers,
		    const struct pb_selection *sel, const char *date, struct pb_digest *out);

/* Replaces d's executive summary with the short note a subscriber with notify_empty gets on a
 * day without announcement (date: that day), in the digest's language. */
void pb_digest_no_announcement(struct pb_digest *d, const char *date);

/* The built-in executive summary of a digest whose items (with findings) are filled: how many
 * papers matched which topics, the themes that recur across titles and findings, and the three
 * papers to read first with a one-line reason each. Light Markdown; caller frees. Used when no
 * model is configured and whenever the model fails. */
char *pb_exec_summary_builtin(const struct pb_digest *d);

/* Key findings of an abstract: at most max sentences (see DESIGN), each malloc'd in *out
 * (array malloc'd too). Returns the count. */
size_t pb_key_findings(const char *abstract, size_t max, char ***out);

/* Background ("Recently, X has achieved ..."), problem statements ("However, ...", "...
 * remains challenging") and orphan list items ("(3) The model ...") are never among them. */
struct pb_fulltext;
/* Key findings with the paper's full text (fulltext.h; NULL: pb_key_findings of the
 * abstract): sentences of its results, discussion and conclusion sections (of any body text,
 * with a number and a comparison, when the text has no such headings), those that carry a
 * result number first (pb_finding_has_number; a value its tables hold counts more), then other
 * results; never background, a problem statement, an orphan list item, future work, a setup
 * ("batch size 64") or the contribution restated, and never a sentence the abstract already
 * says (most of its word pairs or content words are the abstract's) or one that repeats a
 * finding chosen before it. At most max, in the order written. When the text has none, the
 * abstract's findings. Same ownership as pb_key_findings. */
size_t pb_key_findings_ft(const char *abstract, const struct pb_fulltext *ft, size_t max,
			  char ***out);
/* 1 when s carries a result number: a percentage, a factor ("2.3x", "10-fold", "3 times"), a
 * decimal value ("31.2", "0.87") or a number with a unit ("12 ms", "3 dB"); not a year, a
 * reference ("[12]") or the number of a table, figure, section or equation. */
int pb_finding_has_number(const char *s);

/* Splits text into sentences, each trimmed and malloc'd in *out (array malloc'd too; free with
 * pb_sentences_free). A period ends a sentence only when followed by space and not a lowercase
 * word, and not after an abbreviation ("e.g.", "i.e.", "et al.", "Fig.", "Eq.", "vs."), an
 * initial ("J. Smith"), inside a number, a URL or `$...$` / `\(...\)` math; a blank line
 * ends one too. Returns the count (0 for NULL or blank text). */
size_t pb_split_sentences(const char *text, char ***out);
void pb_sentences_free(char **v, size_t n);   /* accepts NULL */

/* "Computer Vision" for "cs.CV"; NULL when unknown. */
const char *pb_category_name(const char *cat);
/* "arXiv Computer Vision Papers - 2025-12-04" (several categories joined sensibly). Caller
 * frees. */
char *pb_digest_title(const char *const *cats, size_t n, const char *date);
/* The same in the words of lang (words.h): "arXiv Computer Vision 论文 - 2025-12-04". */
char *pb_digest_title_lang(const char *const *cats, size_t n, const char *date,
			   const char *lang);
/* Appends the display names of cats, each once, joined as in the title ("Computer Vision and
 * Robotics"; zh "Computer Vision 和 Robotics"); an unknown code is shown as the code. */
void pb_category_names(struct pb_buf *b, const char *const *cats, size_t n, const char *lang);

/* The email subject. A template (the subscriber's `subject`, else the top-level one, else
 * the default of the digest's language in words.h) with the placeholders:
 *   {date}        the announcement date, YYYY-MM-DD
 *   {count}       the papers in the digest, a number
 *   {papers}      the same with its noun: "1 paper", "12 papers", zh "12 篇论文"
 *   {topics}      the topics that have papers in the digest, most papers first (ties in rank
 *                 order), joined ("3D, Video"; zh "3D、Video"), cut to PB_SUBJECT_TOPICS
 *                 columns (a wide character takes two, as on screen) at a character's
 *                 boundary, a combining mark kept with its letter, ending in "…"; empty
 *                 when none
 *   {categories}  the category names as in the title ("Computer Vision and Robotics"),
 *                 cut as {topics} is when longer
 * and "{{" "}}" for braces. The result is one line of text (controls and bidi overrides
 * removed, runs of spaces made one, trimmed). A digest without papers gets its language's
 * "no new papers" subject unless a template is set (then {count} is 0, {topics} empty). */
#define PB_SUBJECT_TOPICS 60        /* columns of {topics} */
#define PB_SUBJECT_MAX 200          /* characters of a template */
/* The placeholder names, NULL-terminated. */
extern const char *const pb_subject_placeholders[];
/* The config check of a template: one line, known placeholders, at most PB_SUBJECT_MAX
 * characters. Returns 0, or -1 with msg naming the fault and its column. */
int pb_subject_check(const char *tmpl, char *msg, size_t n);
/* Expands tmpl (NULL: the language's default) for d; categories is the names as in the title
 * (may be NULL). Returns a malloc'd string (never NULL). */
char *pb_digest_subject(const struct pb_digest *d, const char *tmpl, const char *categories);

#endif
