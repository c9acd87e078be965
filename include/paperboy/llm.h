/* The OpenAI-compatible chat completions protocol as data: request bodies, answer parsing and
 * prompt templates. No I/O: the summarizer sends the bodies through pb_http_post. */
#ifndef PAPERBOY_LLM_H
#define PAPERBOY_LLM_H

#include <stddef.h>

enum pb_llm_status {
	PB_LLM_OK = 0,
	PB_LLM_MALFORMED,       /* not JSON, or not the shape of a chat completion */
	PB_LLM_EMPTY,           /* no content, or only blanks */
	PB_LLM_REFUSED,         /* a "refusal" field, or finish_reason "content_filter" */
	PB_LLM_API_ERROR,       /* an {"error": {...}} object, or vLLM's {"object": "error", ...} */
	PB_LLM_TRUNCATED,       /* finish_reason "length": the answer was cut off at max_tokens */
};

struct pb_llm_answer {
	char *content;          /* the message text, trimmed, valid UTF-8; NULL unless PB_LLM_OK */
	long total_tokens;      /* usage.total_tokens (or prompt + completion); 0 when absent.
				 * Filled whatever the status: a refused answer still costs. */
	char finish_reason[32]; /* "stop", "length", ... or "" */
};

/* What a model refuses of a request (pb_llm_unsupported) and the request then leaves out. */
enum {
	PB_LLM_MAX_COMPLETION_TOKENS = 1,   /* the limit as max_completion_tokens, not max_tokens */
	PB_LLM_NO_TEMPERATURE = 2,          /* no temperature: the model's own (1) */
};

/* The JSON body of POST {base}/chat/completions: model, messages (a system message when
 * system is not NULL or empty, then the user message), temperature, max_tokens, as flags (the
 * PB_LLM_ values above, or 0) say. Caller frees. */
char *pb_llm_request(const char *model, double temperature, int max_tokens, const char *system,
		     const char *user, unsigned flags);
/* The PB_LLM_ flags a 400's error body of len bytes asks for: OpenAI's reasoning models (o1,
 * o3, gpt-5) refuse max_tokens ("Unsupported parameter: 'max_tokens' is not supported with
 * this model. Use 'max_completion_tokens' instead.", param "max_tokens") and any temperature
 * but their own ("Unsupported value: 'temperature' does not support 0.2 with this model",
 * param "temperature"). 0 for any other error, or not JSON. */
unsigned pb_llm_unsupported(const char *body, size_t len);

/* Parses an answer body of len bytes (need not be NUL-terminated). Fills *a (release with
 * pb_llm_answer_free, also after a failure) and, unless PB_LLM_OK, why with a short reason
 * for the log ("refusal: I can't help with that", "not JSON", "no choices"). A leading
 * "<think>...</think>" block some models emit is dropped, and so is all before a "</think>"
 * whose opening tag the server's chat template wrote; of gpt-oss's channels left in the
 * content ("<|channel|>analysis<|message|>...<|channel|>final<|message|>...") only the final
 * one's message is kept. The content is then unwrapped as pb_llm_tidy says. */
enum pb_llm_status pb_llm_parse(const char *body, size_t len, struct pb_llm_answer *a, char *why,
				size_t whylen);
void pb_llm_answer_free(struct pb_llm_answer *a);   /* accepts NULL */
/* Unwraps a model's answer in place (pb_llm_parse does it to every answer; the summarizer
 * to answers cached before): a first line that only announces the answer ("Here is the
 * summary:", "Sure! Here's ...:") and a code fence around it (```markdown ... ```), which the
 * digest's light Markdown would show as written. Text that is nothing but such wrapping is
 * left as it was. Accepts NULL. */
void pb_llm_tidy(char *text);
/* 1 when an error body of len bytes says the request does not fit the model's context (the
 * prompt and max_tokens together): OpenAI's code "context_length_exceeded", llama.cpp's type
 * "exceed_context_size_error", vLLM's "This model's maximum context length is ..." (in its
 * own {"object": "error", "message": ...} form, which pb_llm_parse reads as an API error
 * too), and the like in the message. 0 otherwise: another error, or not JSON. */
int pb_llm_context_exceeded(const char *body, size_t len);
const char *pb_llm_status_name(enum pb_llm_status s);
/* 1 when an error body of len bytes says the account's credit is spent, by its code (or
 * type): OpenAI's "insufficient_quota" (a 429, "You exceeded your current quota, please check
 * your plan and billing details"), the codes it now gives that type ("credit_balance_exhausted",
 * "organization_spend_limit_exceeded", "project_spend_limit_exceeded",
 * "organization_usage_limit_exceeded") and its older "billing_hard_limit_reached" (a 400 or a
 * 429). Waiting does not mend it, unlike the 429 of a rate limit. 0 otherwise, or not JSON.
 * A 402 Payment Required (OpenRouter, DeepSeek's "Insufficient Balance") says the same by its
 * status alone: pb_llm_account_spent tells both. */
int pb_llm_quota_exhausted(const char *body, size_t len);

/* Whether an answer of status with body says the account's credit is spent: a 402, or a 4xx
 * whose body pb_llm_quota_exhausted reads so. The model's and the embeddings' clients alike
 * stop asking on it. */
int pb_llm_account_spent(long status, const char *body, size_t len);

/* A size an endpoint's model takes or refuses (the summarizer's excerpt in tokens, the
 * embeddings' input in bytes), learnt by a run and kept in the state's meta under key for
 * the runs after it: "value<TAB>unix time<TAB>url<TAB>model". pb_llm_kept_get: 1 with *value
 * when the kept one is of this model at this url and at most keep_s old; 0 otherwise, the
 * state unreadable included (the run then learns it again). pb_llm_kept_put: 0, or -1 when
 * the state refuses (logged by the caller). */
struct pb_state;
int pb_llm_kept_get(struct pb_state *st, const char *key, const char *url, const char *model,
		    long keep_s, long *value);
int pb_llm_kept_put(struct pb_state *st, const char *key, const char *url, const char *model,
		    long value);

/* The headers of a model's answer that say whether and when to ask again, as sent ("" when
 * absent). */
struct pb_llm_wait {
	char retry_after[64];           /* Retry-After: seconds or an HTTP date */
	char retry_after_ms[32];        /* retry-after-ms (Azure OpenAI): milliseconds */
	char reset_requests[32];        /* x-ratelimit-reset-requests (OpenAI): "1s", "20ms" */
	char reset_tokens[32];          /* x-ratelimit-reset-tokens: "6m0s" */
	char remaining_requests[32];    /* x-ratelimit-remaining-requests: "0" when spent */
	char remaining_tokens[32];      /* x-ratelimit-remaining-tokens */
	char should_retry[8];           /* x-should-retry (OpenAI): "true" or "false" */
};
/* Keeps line (one header line as libcurl's header callback hands it) in *w when it is one of
 * the headers above; a status line ("HTTP/...") empties *w, so only the last answer's count
 * after redirects or a 100 Continue. */
void pb_llm_wait_header(struct pb_llm_wait *w, const char *line, size_t len);
/* The wait in milliseconds *w asks for: retry-after-ms, else Retry-After (now: the time of
 * day for a date), else, when limits is not 0 (a 429: OpenAI sends them with every answer,
 * they say when to ask again only of a limit reached), the x-ratelimit-reset-* of the limits
 * said to be spent (remaining "0"), or the longer of the two when neither says so. -1 when
 * none is there or readable. */
long pb_llm_wait_ms(const struct pb_llm_wait *w, long now, int limits);
/* 1 when a request answered status (not 2xx) is worth sending again, as OpenAI's own clients
 * judge: the answer's x-should-retry says so ("true"; "false" says not, whatever the status),
 * else the status is a passing one: 408 (the server's timeout), 409 (a lock's), 429 (a rate
 * limit), 500, 502, 503 or 504. 0 otherwise. How long to wait first is pb_llm_wait_ms's. */
int pb_llm_try_again(long status, const struct pb_llm_wait *w);
/* A duration as OpenAI's x-ratelimit-reset-* write it ("1s", "6m0s", "20ms", "1h2m3.5s", also
 * "us" and "ns"), in milliseconds rounded up. -1 when it is not one. */
long pb_llm_duration_ms(const char *v);
/* 0 when text is plainly not in the language lang (a BCP 47 tag: "zh-TW", "ru") asked for:
 * fewer than a fifth of its letters in the language's script (Han, kana, Hangul and Thai
 * characters weigh three letters each), fewer than half for a language in Latin letters
 * (an answer in any language keeps the paper's terms in them), as a model's English answer
 * to a Chinese reader or a Chinese answer to an English one. 1 otherwise: also for a short
 * text (under 20 letters' weight), and for a language whose script is not known here.
 * Languages written in the same script (English and German) are not told apart. */
int pb_llm_language_ok(const char *text, const char *lang);

/* A prompt file: everything before a line that is exactly "---" is the system message, the rest
 * the user message (no such line: all of it is the user message). {name} placeholders are
 * replaced from vars, a NULL-terminated list of name, value pairs ({language}, {title}, ...);
 * a placeholder with no value is left as written. *system and *user are malloc'd (*system may
 * be NULL). */
void pb_prompt_render(const char *tmpl, const char *const *vars, char **system, char **user);

/* Removes the comment lines of a prompt file in place: lines that start with "%%" (the file's
 * notes to its editor: what each placeholder holds). Done once after reading the file, before
 * its hash, so editing a comment asks the model nothing again. */
void pb_prompt_strip_comments(char *tmpl);

/* 16 lowercase hex digits (64-bit FNV-1a) of text into out (at least 17 bytes): the prompt's
 * part of a cache key, so editing a prompt file asks the model again. */
void pb_prompt_hash(const char *text, char *out, size_t n);

/* "Chinese (Simplified)" for "zh", "English" for "en", ...; the code itself when unknown. */
const char *pb_language_name(const char *code);

#endif
