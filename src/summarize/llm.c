/* Chat completions as data: building requests and reading answers with cJSON, prompt
 * templates. Answers come from outside: every field is checked for type before use. */
#define _GNU_SOURCE 1   /* strcasestr */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/fold.h"
#include "paperboy/hash.h"
#include "paperboy/http.h"
#include "paperboy/llm.h"
#include "paperboy/state.h"

/* A longer answer is no summary of one paper or one digest. */
#define MAX_CONTENT (256 * 1024)

char *
pb_llm_request(const char *model, double temperature, int max_tokens, const char *system,
	       const char *user, unsigned flags)
{
	cJSON *root = cJSON_CreateObject(), *msgs, *m;
	char *out, *copy;

	cJSON_AddStringToObject(root, "model", model ? model : "");
	msgs = cJSON_AddArrayToObject(root, "messages");
	if (system && *system) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", system);
		cJSON_AddItemToArray(msgs, m);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user ? user : "");
	cJSON_AddItemToArray(msgs, m);
	if (!(flags & PB_LLM_NO_TEMPERATURE))
		cJSON_AddNumberToObject(root, "temperature", temperature);
	if (max_tokens > 0)
		cJSON_AddNumberToObject(root, flags & PB_LLM_MAX_COMPLETION_TOKENS ?
					"max_completion_tokens" : "max_tokens", max_tokens);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)       /* cJSON's allocation failed: the same policy as pb_xmalloc */
		abort();
	copy = pb_xstrdup(out);
	cJSON_free(out);
	return copy;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The text of a message's content: a string, or an array of {"type":"text","text":...} parts
 * as some compatible servers send. Appends to b; returns 0, or -1 for another shape. */
static int
content_text(const cJSON *c, struct pb_buf *b)
{
	const cJSON *part;

	if (cJSON_IsString(c)) {
		pb_buf_puts(b, c->valuestring);
		return 0;
	}
	if (cJSON_IsNull(c))
		return 0;
	if (!cJSON_IsArray(c))
		return -1;
	cJSON_ArrayForEach(part, c) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");

		if (cJSON_IsString(t))
			pb_buf_puts(b, t->valuestring);
	}
	return 0;
}

static long
usage_tokens(const cJSON *root)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "usage"), *t, *p, *c;
	double v = 0;

	if (!cJSON_IsObject(u))
		return 0;
	t = cJSON_GetObjectItemCaseSensitive(u, "total_tokens");
	p = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens");
	c = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens");
	if (cJSON_IsNumber(t))
		v = t->valuedouble;
	else
		v = (cJSON_IsNumber(p) ? p->valuedouble : 0) + (cJSON_IsNumber(c) ? c->valuedouble : 0);
	/* nonsense (negative, NaN, huge) counts as nothing rather than poisoning the budget */
	if (!(v >= 0) || v > 1e12)
		return 0;
	return (long)v;
}

static void
set_why(char *why, size_t n, const char *prefix, const char *detail)
{
	struct pb_buf b = { 0 };
	size_t cut;

	if (!why || !n)
		return;
	pb_buf_puts(&b, prefix);
	if (detail && *detail) {
		pb_buf_puts(&b, ": ");
		for (const char *p = detail; *p; p++)   /* one line */
			pb_buf_putc(&b, (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p);
	}
	/* at most 200 bytes, never inside a UTF-8 sequence */
	cut = b.len < n - 1 ? b.len : n - 1;
	if (cut > 200)
		cut = 200;
	while (cut > 0 && cut < b.len && ((unsigned char)b.data[cut] & 0xC0) == 0x80)
		cut--;
	pb_buf_truncate(&b, cut);
	snprintf(why, n, "%s", pb_buf_str(&b));
	pb_buf_free(&b);
}

enum pb_llm_status
pb_llm_parse(const char *body, size_t len, struct pb_llm_answer *a, char *why, size_t whylen)
{
	cJSON *root = NULL;
	const cJSON *err, *choices, *ch, *msg, *fr, *refusal;
	struct pb_buf text = { 0 };
	enum pb_llm_status st = PB_LLM_MALFORMED;
	size_t b, e;

	memset(a, 0, sizeof *a);
	if (why && whylen)
		why[0] = 0;
	if (!body || len == 0) {
		set_why(why, whylen, "empty body", NULL);
		goto out;
	}
	root = cJSON_ParseWithLength(body, len);
	if (!root || !cJSON_IsObject(root)) {
		set_why(why, whylen, "not JSON", NULL);
		goto out;
	}
	a->total_tokens = usage_tokens(root);
	err = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (!err || cJSON_IsNull(err)) {
		/* vLLM's own error form: {"object": "error", "message": "...", "code": 400} */
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "object");

		if (cJSON_IsString(o) && strcmp(o->valuestring, "error") == 0)
			err = root;
	}
	if (err && !cJSON_IsNull(err)) {
		const cJSON *m = cJSON_IsObject(err) ? cJSON_GetObjectItemCaseSensitive(err, "message")
						     : err;

		set_why(why, whylen, "API error", cJSON_IsString(m) ? m->valuestring : NULL);
		st = PB_LLM_API_ERROR;
		goto out;
	}
	choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
	ch = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
	if (!cJSON_IsObject(ch)) {
		set_why(why, whylen, "no choices", NULL);
		goto out;
	}
	fr = cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
	if (cJSON_IsString(fr))
		snprintf(a->finish_reason, sizeof a->finish_reason, "%s", fr->valuestring);
	msg = cJSON_GetObjectItemCaseSensitive(ch, "message");
	if (!cJSON_IsObject(msg)) {
		set_why(why, whylen, "no message", NULL);
		goto out;
	}
	refusal = cJSON_GetObjectItemCaseSensitive(msg, "refusal");
	if (cJSON_IsString(refusal) && refusal->valuestring[0]) {
		set_why(why, whylen, "refusal", refusal->valuestring);
		st = PB_LLM_REFUSED;
		goto out;
	}
	if (strcmp(a->finish_reason, "content_filter") == 0) {
		set_why(why, whylen, "refusal", "finish_reason content_filter");
		st = PB_LLM_REFUSED;
		goto out;
	}
	/* The model stopped at max_tokens mid-answer: kept, the half sentence would be cached
	 * and shown to every reader of the paper in that language. */
	if (strcmp(a->finish_reason, "length") == 0) {
		set_why(why, whylen, "cut off at max_tokens", "finish_reason length");
		st = PB_LLM_TRUNCATED;
		goto out;
	}
	if (content_text(cJSON_GetObjectItemCaseSensitive(msg, "content"), &text) < 0) {
		set_why(why, whylen, "content is not text", NULL);
		goto out;
	}
	if (text.len > MAX_CONTENT) {
		set_why(why, whylen, "answer too long", NULL);
		goto out;
	}
	if (!pb_utf8_valid(pb_buf_str(&text), text.len) ||
	    memchr(pb_buf_str(&text), 0, text.len)) {
		set_why(why, whylen, "content is not valid UTF-8 text", NULL);
		goto out;
	}
	b = 0;
	e = text.len;
	while (b < e && blank(text.data[b]))
		b++;
	/* Reasoning models may think aloud first; the reader wants the answer. Where the chat
	 * template opens the block itself (QwQ, DeepSeek-R1 distills, Qwen3 thinking models)
	 * the answer starts inside it: all before its "</think>" is thinking too. */
	{
		const char *t = pb_buf_str(&text), *close = strstr(t + b, "</think>");
		/* gpt-oss's channels, where the server leaves them in the content: the answer
		 * is the final channel's message, up to its end mark */
		const char *fin = strstr(t + b, "<|channel|>final<|message|>");

		if (fin) {
			const char *stop;

			b = (size_t)(fin - t) + strlen("<|channel|>final<|message|>");
			if ((stop = strstr(t + b, "<|return|>")) || (stop = strstr(t + b, "<|end|>")))
				e = (size_t)(stop - t);
		} else if (close) {
			b = (size_t)(close - t) + 8;
		} else if ((e - b >= 7 && strncmp(t + b, "<think>", 7) == 0) ||
			   strncmp(t + b, "<|channel|>", 11) == 0 ||
			   strncmp(t + b, "<|start|>", 9) == 0) {
			b = e;      /* cut off while thinking */
		}
	}
	while (b < e && blank(text.data[b]))
		b++;
	while (e > b && blank(text.data[e - 1]))
		e--;
	if (b == e) {
		set_why(why, whylen, "empty content", NULL);
		st = PB_LLM_EMPTY;
		goto out;
	}
	a->content = pb_xstrndup(text.data + b, e - b);
	pb_llm_tidy(a->content);
	st = PB_LLM_OK;
out:
	pb_buf_free(&text);
	cJSON_Delete(root);
	return st;
}

/* The length of the line at s (without its '\n'). */
static size_t
line_len(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? (size_t)(nl - s) : strlen(s);
}

/* Whether the line s[0..n) opens or closes a code fence: ``` or ~~~ (three or more) and at
 * most an info string ("markdown", "md") after it. */
static int
fence_line(const char *s, size_t n, int closing)
{
	size_t k = 0;

	while (n && blank(s[n - 1]))
		n--;
	while (k < n && s[k] == s[0])
		k++;
	if (k < 3 || (s[0] != '`' && s[0] != '~'))
		return 0;
	if (closing)
		return k == n;
	for (; k < n; k++)
		if (s[k] == '`' || s[k] == ' ')
			return 0;
	return 1;
}

/* Whether the line s[0..n) is a model's words about its answer before the answer: "Here is
 * the summary:", "Sure! Here's a short analysis of the paper in English:", in English or in
 * one of the languages readers ask for most; a short line ending with a colon. */
static int
preamble_line(const char *s, size_t n)
{
	static const char *const opens[] = {
		"here is", "here's", "here are", "sure", "certainly", "of course", "okay",
		"below is", "the following is", "voici", "hier ist", "hier sind", "aqu\xC3\xAD",
		"\xE4\xBB\xA5\xE4\xB8\x8B\xE6\x98\xAF",       /* 以下是 */
		"\xE4\xBB\xA5\xE4\xB8\x8B\xE3\x81\xAF",       /* 以下は */
		"\xE5\xA5\xBD\xE7\x9A\x84",                   /* 好的 */
	};

	while (n && blank(s[n - 1]))
		n--;
	if (n == 0 || n > 200 || memchr(s, '\n', n))
		return 0;
	if (!(s[n - 1] == ':' ||
	      (n >= 3 && memcmp(s + n - 3, "\xEF\xBC\x9A", 3) == 0)))    /* ： */
		return 0;
	for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++)
		if (strncasecmp(s, opens[i], strlen(opens[i])) == 0)
			return 1;
	return 0;
}

void
pb_llm_tidy(char *text)
{
	struct pb_buf b = { 0 };
	const char *p = text, *close = NULL;
	size_t n;

	if (!text)
		return;
	/* "Here is the summary:" above the answer */
	n = line_len(p);
	if (p[n] == '\n' && preamble_line(p, n)) {
		const char *q = p + n + 1;

		while (*q && blank(*q))
			q++;
		if (*q)
			p = q;
	}
	/* the answer as a code block: the light Markdown would show its fences as written */
	n = line_len(p);
	if (p[n] == '\n' && fence_line(p, n, 0)) {
		char f = p[0];

		p += n + 1;
		for (const char *l = p; *l; l += line_len(l) + (l[line_len(l)] ? 1 : 0))
			if (l[0] == f && fence_line(l, line_len(l), 1))
				close = l;
	}
	if (close) {    /* the closing fence goes; text after it stays */
		pb_buf_append(&b, p, (size_t)(close - p));
		close += line_len(close);
		pb_buf_puts(&b, *close ? close + 1 : close);
	} else {
		pb_buf_puts(&b, p);
	}
	/* blanks at both ends, as pb_llm_parse leaves them */
	p = pb_buf_str(&b);
	while (*p && blank(*p))
		p++;
	n = strlen(p);
	while (n && blank(p[n - 1]))
		n--;
	if (n) {        /* nothing but the wrapping: left as it was */
		memmove(text, p, n);
		text[n] = '\0';
	}
	pb_buf_free(&b);
}

/* The scripts an answer's letters are counted in. */
enum script { SC_OTHER, SC_LATIN, SC_HAN, SC_KANA, SC_HANGUL, SC_CYRILLIC, SC_GREEK, SC_ARABIC,
	      SC_HEBREW, SC_DEVANAGARI, SC_BENGALI, SC_THAI };

static enum script
script_of(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7))
		return SC_LATIN;
	if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F))
		return SC_HAN;
	if (c >= 0x3040 && c <= 0x30FF)
		return SC_KANA;
	if ((c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) ||
	    (c >= 0x3130 && c <= 0x318F))
		return SC_HANGUL;
	if (c >= 0x400 && c <= 0x4FF)
		return SC_CYRILLIC;
	if (c >= 0x370 && c <= 0x3FF)
		return SC_GREEK;
	if ((c >= 0x600 && c <= 0x6FF) || (c >= 0x750 && c <= 0x77F))
		return SC_ARABIC;
	if (c >= 0x590 && c <= 0x5FF)
		return SC_HEBREW;
	if (c >= 0x900 && c <= 0x97F)
		return SC_DEVANAGARI;
	if (c >= 0x980 && c <= 0x9FF)
		return SC_BENGALI;
	if (c >= 0xE00 && c <= 0xE7F)
		return SC_THAI;
	return SC_OTHER;
}

/* The scripts a language is written in, as a bit set of 1 << enum script (0: not known). */
static unsigned
scripts_of(const char *lang)
{
	static const struct { const char *code; unsigned set; } v[] = {
		{ "zh", 1u << SC_HAN }, { "ja", 1u << SC_HAN | 1u << SC_KANA },
		{ "ko", 1u << SC_HANGUL | 1u << SC_HAN }, { "ru", 1u << SC_CYRILLIC },
		{ "uk", 1u << SC_CYRILLIC }, { "el", 1u << SC_GREEK }, { "ar", 1u << SC_ARABIC },
		{ "fa", 1u << SC_ARABIC }, { "he", 1u << SC_HEBREW }, { "hi", 1u << SC_DEVANAGARI },
		{ "bn", 1u << SC_BENGALI }, { "th", 1u << SC_THAI },
		{ "en", 1u << SC_LATIN }, { "de", 1u << SC_LATIN }, { "fr", 1u << SC_LATIN },
		{ "es", 1u << SC_LATIN }, { "it", 1u << SC_LATIN }, { "pt", 1u << SC_LATIN },
		{ "pl", 1u << SC_LATIN }, { "nl", 1u << SC_LATIN }, { "sv", 1u << SC_LATIN },
		{ "da", 1u << SC_LATIN }, { "no", 1u << SC_LATIN }, { "fi", 1u << SC_LATIN },
		{ "cs", 1u << SC_LATIN }, { "tr", 1u << SC_LATIN }, { "vi", 1u << SC_LATIN },
		{ "id", 1u << SC_LATIN }, { "ms", 1u << SC_LATIN }, { "hu", 1u << SC_LATIN },
		{ "ro", 1u << SC_LATIN },
	};
	size_t n = lang ? strcspn(lang, "-_") : 0;

	if (!lang || !*lang)
		return 1u << SC_LATIN;      /* English, the default */
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (strlen(v[i].code) == n && strncasecmp(v[i].code, lang, n) == 0)
			return v[i].set;
	return 0;
}

int
pb_llm_language_ok(const char *text, const char *lang)
{
	unsigned want = scripts_of(lang);
	long in = 0, all = 0;
	const unsigned char *p = (const unsigned char *)text;

	if (!text || !want)
		return 1;
	while (*p) {
		uint32_t c = *p;
		int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		enum script sc;
		long w;

		if (n > 1) {
			c &= 0x3F >> (n - 1);
			for (int k = 1; k < n && p[k]; k++)
				c = c << 6 | (p[k] & 0x3F);
		}
		for (int k = 0; k < n && *p; k++)
			p++;
		if ((sc = script_of(c)) == SC_OTHER)
			continue;
		/* a Han, kana, Hangul or Thai character says about as much as a word's letters */
		w = sc == SC_HAN || sc == SC_KANA || sc == SC_HANGUL || sc == SC_THAI ? 3 : 1;
		all += w;
		if (want & 1u << sc)
			in += w;
	}
	/* Technical terms and model names stay in Latin letters in any language: a reader of
	 * another script is answered in the wrong language only when under a fifth of the
	 * letters are in its script, a reader of a Latin one when under half are. */
	if (all < 20)
		return 1;
	return want == 1u << SC_LATIN ? in * 2 >= all : in * 5 >= all;
}

int
pb_llm_context_exceeded(const char *body, size_t len)
{
	static const char *const says[] = {
		"maximum context length", "context length exceeded", "context_length_exceeded",
		"exceeds the available context size", "exceed context window",
		"exceeds the context window", "context window of", "prompt is too long",
		"input is too long", "too many tokens",
	};
	cJSON *root;
	const cJSON *err, *m, *c, *t;
	int yes = 0;

	if (!body || !len || !(root = cJSON_ParseWithLength(body, len)))
		return 0;
	err = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (!cJSON_IsObject(err))
		err = root;     /* vLLM's form, or {"error": "..."} (Ollama) */
	c = cJSON_GetObjectItemCaseSensitive(err, "code");
	t = cJSON_GetObjectItemCaseSensitive(err, "type");
	m = cJSON_IsString(err) ? err : cJSON_GetObjectItemCaseSensitive(err, "message");
	if (!cJSON_IsString(m))
		m = cJSON_GetObjectItemCaseSensitive(root, "error");
	if ((cJSON_IsString(c) && strcmp(c->valuestring, "context_length_exceeded") == 0) ||
	    (cJSON_IsString(t) && strcmp(t->valuestring, "exceed_context_size_error") == 0))
		yes = 1;
	for (size_t i = 0; !yes && cJSON_IsString(m) && i < sizeof says / sizeof says[0]; i++)
		yes = strcasestr(m->valuestring, says[i]) != NULL;
	cJSON_Delete(root);
	return yes;
}

unsigned
pb_llm_unsupported(const char *body, size_t len)
{
	cJSON *root;
	const cJSON *err, *m, *c, *p;
	unsigned flags = 0;

	if (!body || !len || !(root = cJSON_ParseWithLength(body, len)))
		return 0;
	err = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (!cJSON_IsObject(err))
		err = root;
	m = cJSON_GetObjectItemCaseSensitive(err, "message");
	c = cJSON_GetObjectItemCaseSensitive(err, "code");
	p = cJSON_GetObjectItemCaseSensitive(err, "param");
	if (cJSON_IsString(p) && cJSON_IsString(c) &&
	    (strcmp(c->valuestring, "unsupported_parameter") == 0 ||
	     strcmp(c->valuestring, "unsupported_value") == 0)) {
		if (strcmp(p->valuestring, "max_tokens") == 0)
			flags |= PB_LLM_MAX_COMPLETION_TOKENS;
		else if (strcmp(p->valuestring, "temperature") == 0)
			flags |= PB_LLM_NO_TEMPERATURE;
	}
	/* the same in words only, as proxies pass it on */
	if (cJSON_IsString(m)) {
		if (strcasestr(m->valuestring, "'max_tokens' is not supported") ||
		    strcasestr(m->valuestring, "use 'max_completion_tokens'"))
			flags |= PB_LLM_MAX_COMPLETION_TOKENS;
		if (strcasestr(m->valuestring, "'temperature' does not support") ||
		    strcasestr(m->valuestring, "'temperature' is not supported"))
			flags |= PB_LLM_NO_TEMPERATURE;
	}
	cJSON_Delete(root);
	return flags;
}

int
pb_llm_quota_exhausted(const char *body, size_t len)
{
	/* OpenAI's: the one type and the codes it gives it, and the hard limit of old */
	static const char *const spent[] = {
		"insufficient_quota", "credit_balance_exhausted",
		"organization_spend_limit_exceeded", "project_spend_limit_exceeded",
		"organization_usage_limit_exceeded", "billing_hard_limit_reached",
	};
	cJSON *root;
	const cJSON *err, *c, *t;
	int yes;

	if (!body || !len || !(root = cJSON_ParseWithLength(body, len)))
		return 0;
	err = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (!cJSON_IsObject(err))
		err = root;
	c = cJSON_GetObjectItemCaseSensitive(err, "code");
	t = cJSON_GetObjectItemCaseSensitive(err, "type");
	yes = 0;
	for (size_t i = 0; !yes && i < sizeof spent / sizeof spent[0]; i++)
		yes = (cJSON_IsString(c) && strcmp(c->valuestring, spent[i]) == 0) ||
		      (cJSON_IsString(t) && strcmp(t->valuestring, spent[i]) == 0);
	cJSON_Delete(root);
	return yes;
}

int
pb_llm_account_spent(long status, const char *body, size_t len)
{
	return status == 402 ||
	       (status >= 400 && status < 500 && pb_llm_quota_exhausted(body, len));
}

int
pb_llm_try_again(long status, const struct pb_llm_wait *w)
{
	/* the server's word outranks the status (OpenAI's clients obey it either way) */
	if (w && strcasecmp(w->should_retry, "true") == 0)
		return 1;
	if (w && strcasecmp(w->should_retry, "false") == 0)
		return 0;
	return status == 408 || status == 409 || status == 429 || status == 500 ||
	       status == 502 || status == 503 || status == 504;
}

void
pb_llm_wait_header(struct pb_llm_wait *w, const char *line, size_t len)
{
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		memset(w, 0, sizeof *w);
		return;
	}
	/* a value too long for its field is left out: no such header says anything useful */
	if (pb_http_header_value(line, len, "Retry-After", w->retry_after, sizeof w->retry_after) ||
	    pb_http_header_value(line, len, "retry-after-ms", w->retry_after_ms,
				 sizeof w->retry_after_ms) ||
	    pb_http_header_value(line, len, "x-ratelimit-reset-requests", w->reset_requests,
				 sizeof w->reset_requests) ||
	    pb_http_header_value(line, len, "x-ratelimit-reset-tokens", w->reset_tokens,
				 sizeof w->reset_tokens) ||
	    pb_http_header_value(line, len, "x-ratelimit-remaining-requests",
				 w->remaining_requests, sizeof w->remaining_requests) ||
	    pb_http_header_value(line, len, "x-should-retry", w->should_retry,
				 sizeof w->should_retry))
		return;
	pb_http_header_value(line, len, "x-ratelimit-remaining-tokens", w->remaining_tokens,
			     sizeof w->remaining_tokens);
}

/* A wait this long is "not in this run" whatever its exact size (a day and some). */
#define WAIT_MS_MAX 100000000L

/* A decimal number of digits and at most one '.' at *p, at least one digit: its value, *p past
 * it. -1 when there is none. */
static double
decimal(const char **p)
{
	const char *s = *p;
	double v = 0, scale = 0;
	int digits = 0;

	for (; (*s >= '0' && *s <= '9') || (*s == '.' && !scale); s++) {
		if (*s == '.') {
			scale = 1;
			continue;
		}
		if (scale)
			scale /= 10;
		v = scale ? v + (*s - '0') * scale : v * 10 + (*s - '0');
		digits++;
		if (v > 1e12)
			v = 1e12;       /* saturates: the caller caps it anyway */
	}
	if (!digits)
		return -1;
	*p = s;
	return v;
}

static long
ms_of(double ms)
{
	long v;

	if (!(ms >= 0))
		return -1;
	if (ms >= WAIT_MS_MAX)
		return WAIT_MS_MAX;
	v = (long)ms;
	return v < ms ? v + 1 : v;
}

long
pb_llm_duration_ms(const char *v)
{
	static const struct { const char *unit; double ms; } units[] = {
		/* "ms" before "m": the longest unit that matches */
		{ "ms", 1 }, { "us", 1e-3 }, { "\xC2\xB5s", 1e-3 }, { "ns", 1e-6 },
		{ "h", 3600e3 }, { "m", 60e3 }, { "s", 1e3 },
	};
	const char *p = v;
	double total = 0;

	if (!v)
		return -1;
	while (*p == ' ')
		p++;
	if (!*p)
		return -1;
	while (*p && *p != ' ') {
		double n = decimal(&p);
		size_t i;

		if (n < 0)
			return -1;
		for (i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strncmp(p, units[i].unit, strlen(units[i].unit)) == 0)
				break;
		if (i == sizeof units / sizeof units[0])
			return -1;      /* a bare number or another unit: not a duration */
		p += strlen(units[i].unit);
		total += n * units[i].ms;
	}
	while (*p == ' ')
		p++;
	return *p ? -1 : ms_of(total);
}

long
pb_llm_wait_ms(const struct pb_llm_wait *w, long now, int limits)
{
	long ra, req, tok;
	int req_spent, tok_spent;

	if (w->retry_after_ms[0]) {
		const char *p = w->retry_after_ms;
		double ms = decimal(&p);

		if (ms >= 0 && !*p)
			return ms_of(ms);
	}
	if ((ra = pb_http_parse_retry_after(w->retry_after[0] ? w->retry_after : NULL, now)) >= 0)
		return ra >= WAIT_MS_MAX / 1000 ? WAIT_MS_MAX : ra * 1000;
	if (!limits)
		return -1;
	/* OpenAI's own: when each of its limits (requests and tokens a minute) fills again. The
	 * one spent is the one to wait for; the requests' limit is often back in a second while
	 * the tokens' is minutes away. */
	req = pb_llm_duration_ms(w->reset_requests);
	tok = pb_llm_duration_ms(w->reset_tokens);
	req_spent = strcmp(w->remaining_requests, "0") == 0;
	tok_spent = strcmp(w->remaining_tokens, "0") == 0;
	if (req_spent != tok_spent) {
		long which = req_spent ? req : tok;

		if (which >= 0)
			return which;
	}
	return req > tok ? req : tok;
}

void
pb_llm_answer_free(struct pb_llm_answer *a)
{
	if (!a)
		return;
	free(a->content);
	a->content = NULL;
}

const char *
pb_llm_status_name(enum pb_llm_status s)
{
	switch (s) {
	case PB_LLM_OK: return "ok";
	case PB_LLM_MALFORMED: return "malformed";
	case PB_LLM_EMPTY: return "empty";
	case PB_LLM_REFUSED: return "refused";
	case PB_LLM_API_ERROR: return "api_error";
	case PB_LLM_TRUNCATED: return "truncated";
	}
	return "unknown";
}

static void
expand(struct pb_buf *b, const char *s, size_t n, const char *const *vars)
{
	size_t i = 0;

	while (i < n) {
		const char *close;

		if (s[i] == '{' && (close = memchr(s + i + 1, '}', n - i - 1)) != NULL) {
			size_t nl = (size_t)(close - (s + i + 1));
			const char *const *v;

			for (v = vars; v && v[0]; v += 2) {
				if (strlen(v[0]) == nl && strncmp(v[0], s + i + 1, nl) == 0) {
					pb_buf_puts(b, v[1] ? v[1] : "");
					break;
				}
			}
			if (v && v[0]) {
				i += nl + 2;
				continue;
			}
		}
		pb_buf_putc(b, s[i]);
		i++;
	}
}

void
pb_prompt_render(const char *tmpl, const char *const *vars, char **system, char **user)
{
	struct pb_buf sb = { 0 }, ub = { 0 };
	const char *sep = NULL, *p = tmpl ? tmpl : "";

	/* the separator: a line that is exactly "---" */
	for (const char *l = p; *l;) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);

		if (ll && l[ll - 1] == '\r')
			ll--;
		if (ll == 3 && strncmp(l, "---", 3) == 0) {
			sep = l;
			break;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	if (sep) {
		const char *after = strchr(sep, '\n');

		expand(&sb, p, (size_t)(sep - p), vars);
		p = after ? after + 1 : sep + strlen(sep);
	}
	expand(&ub, p, strlen(p), vars);
	/* trim the blank lines around each part */
	while (sb.len && blank(sb.data[sb.len - 1]))
		pb_buf_truncate(&sb, sb.len - 1);
	while (ub.len && blank(ub.data[ub.len - 1]))
		pb_buf_truncate(&ub, ub.len - 1);
	*system = sb.len ? pb_buf_detach(&sb) : NULL;
	pb_buf_free(&sb);
	{
		const char *u = pb_buf_str(&ub);

		while (*u == '\n' || *u == '\r')
			u++;
		*user = pb_xstrdup(u);
	}
	pb_buf_free(&ub);
}

void
pb_prompt_strip_comments(char *tmpl)
{
	char *r = tmpl, *w = tmpl;

	if (!tmpl)
		return;
	while (*r) {
		char *nl = strchr(r, '\n');
		size_t n = nl ? (size_t)(nl - r) + 1 : strlen(r);

		if (!(r[0] == '%' && r[1] == '%')) {
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	*w = '\0';
}

void
pb_prompt_hash(const char *text, char *out, size_t n)
{
	snprintf(out, n, "%016llx", (unsigned long long)pb_fnv1a64_str(text));
}

const char *
pb_language_name(const char *code)
{
	static const char *const names[][2] = {
		{ "en", "English" }, { "zh", "Chinese (Simplified)" },
		{ "zh-CN", "Chinese (Simplified)" }, { "zh-Hans", "Chinese (Simplified)" },
		{ "zh-SG", "Chinese (Simplified)" }, { "zh-TW", "Chinese (Traditional)" },
		{ "zh-Hant", "Chinese (Traditional)" }, { "zh-HK", "Chinese (Traditional)" },
		{ "zh-MO", "Chinese (Traditional)" },
		{ "ja", "Japanese" }, { "ko", "Korean" }, { "de", "German" }, { "fr", "French" },
		{ "es", "Spanish" }, { "it", "Italian" }, { "pt", "Portuguese" },
		{ "pt-BR", "Brazilian Portuguese" }, { "ru", "Russian" }, { "uk", "Ukrainian" },
		{ "pl", "Polish" }, { "nl", "Dutch" }, { "sv", "Swedish" }, { "da", "Danish" },
		{ "no", "Norwegian" }, { "fi", "Finnish" }, { "cs", "Czech" }, { "tr", "Turkish" },
		{ "ar", "Arabic" }, { "he", "Hebrew" }, { "fa", "Persian" }, { "hi", "Hindi" },
		{ "bn", "Bengali" }, { "vi", "Vietnamese" }, { "th", "Thai" },
		{ "id", "Indonesian" }, { "ms", "Malay" }, { "el", "Greek" }, { "hu", "Hungarian" },
		{ "ro", "Romanian" },
	};

	size_t n;

	if (!code || !*code)
		return "English";
	/* the whole tag, then without its last subtag, and so on ("zh-Hant-TW" is zh-Hant) */
	for (n = strlen(code); n > 0;) {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i][0]) == n && strncasecmp(names[i][0], code, n) == 0)
				return names[i][1];
		while (n > 0 && code[n - 1] != '-')
			n--;
		if (n > 0)
			n--;
	}
	return code;
}

int
pb_llm_kept_get(struct pb_state *st, const char *key, const char *url, const char *model,
		long keep_s, long *value)
{
	char *v = NULL, *p, *e;
	long n;
	long long at;
	int rc = 0;

	if (pb_meta_get(st, key, &v) != 1)
		return 0;
	n = strtol(v, &p, 10);
	if (*p != '\t')
		goto out;
	at = strtoll(p + 1, &e, 10);
	if (*e != '\t' || (long long)time(NULL) - at > keep_s)
		goto out;
	p = e + 1;
	e = strchr(p, '\t');
	if (!e || (size_t)(e - p) != strlen(url) || strncmp(p, url, (size_t)(e - p)) != 0 ||
	    strcmp(e + 1, model) != 0)
		goto out;
	*value = n;
	rc = 1;
out:
	free(v);
	return rc;
}

int
pb_llm_kept_put(struct pb_state *st, const char *key, const char *url, const char *model,
		long value)
{
	struct pb_buf v = { 0 };
	int rc;

	pb_buf_printf(&v, "%ld\t%lld\t%s\t%s", value, (long long)time(NULL), url, model);
	rc = pb_meta_put(st, key, pb_buf_str(&v));
	pb_buf_free(&v);
	return rc;
}
