/* The chat completions protocol as data: request bodies, every answer shape the model path
 * must survive, prompt templates and their hashes. */
#include <cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/llm.h"
#include "t.h"

static void
test_request(void)
{
	char *body = pb_llm_request("gpt-4o-mini", 0.2, 512, "Be brief.", "Say \"hi\"\n\xE4\xBD\xA0\xE5\xA5\xBD", 0);
	cJSON *j = cJSON_Parse(body), *m;

	T_CHECK(j != NULL);
	if (!j)
		goto out;
	T_EQ_STR(cJSON_GetObjectItem(j, "model")->valuestring, "gpt-4o-mini");
	T_CHECK(cJSON_GetObjectItem(j, "temperature")->valuedouble > 0.19 &&
		cJSON_GetObjectItem(j, "temperature")->valuedouble < 0.21);
	T_EQ_INT(cJSON_GetObjectItem(j, "max_tokens")->valueint, 512);
	m = cJSON_GetObjectItem(j, "messages");
	T_EQ_INT(cJSON_GetArraySize(m), 2);
	T_EQ_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "role")->valuestring, "system");
	T_EQ_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 1), "role")->valuestring, "user");
	T_EQ_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 1), "content")->valuestring,
		 "Say \"hi\"\n\xE4\xBD\xA0\xE5\xA5\xBD");
	cJSON_Delete(j);
	free(body);

	/* a reasoning model's request: max_completion_tokens, no temperature */
	body = pb_llm_request("gpt-5-mini", 0.2, 512, NULL, "u",
			      PB_LLM_MAX_COMPLETION_TOKENS | PB_LLM_NO_TEMPERATURE);
	j = cJSON_Parse(body);
	T_CHECK(cJSON_GetObjectItem(j, "max_tokens") == NULL);
	T_CHECK(cJSON_GetObjectItem(j, "temperature") == NULL);
	T_CHECK(cJSON_IsNumber(cJSON_GetObjectItem(j, "max_completion_tokens")) &&
		cJSON_GetObjectItem(j, "max_completion_tokens")->valueint == 512);
	cJSON_Delete(j);
	free(body);
	body = pb_llm_request("o3", 0.2, 512, NULL, "u", PB_LLM_NO_TEMPERATURE);
	j = cJSON_Parse(body);
	T_CHECK(cJSON_GetObjectItem(j, "temperature") == NULL);
	T_CHECK(cJSON_GetObjectItem(j, "max_tokens") != NULL);
	cJSON_Delete(j);
	free(body);

	/* no system message when there is none */
	body = pb_llm_request("m", 0, 0, NULL, "u", 0);
	j = cJSON_Parse(body);
	T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "messages")), 1);
	T_CHECK(cJSON_GetObjectItem(j, "max_tokens") == NULL);
out:
	cJSON_Delete(j);
	free(body);
}

struct answer_case {
	const char *body;
	enum pb_llm_status want;
	const char *content;        /* when OK */
	const char *why;            /* prefix of the reason otherwise */
	long tokens;
};

static const struct answer_case answers[] = {
	{ "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"  Hello.\\n\"},"
	  "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,"
	  "\"total_tokens\":15}}", PB_LLM_OK, "Hello.", NULL, 15 },
	/* usage without total_tokens */
	{ "{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"usage\":{\"prompt_tokens\":7,"
	  "\"completion_tokens\":3}}", PB_LLM_OK, "x", NULL, 10 },
	/* content as parts */
	{ "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
	  "{\"type\":\"text\",\"text\":\"b\"}]}}]}", PB_LLM_OK, "ab", NULL, 0 },
	/* a reasoning block is dropped */
	{ "{\"choices\":[{\"message\":{\"content\":\"<think>hmm</think>\\n\\nAnswer\"}}]}",
	  PB_LLM_OK, "Answer", NULL, 0 },
	/* a chat template that opens the block itself (QwQ, DeepSeek-R1 distills, Qwen3
	 * thinking models): the answer holds the thinking and its closing tag only */
	{ "{\"choices\":[{\"message\":{\"content\":\"Okay, the user wants an analysis. Let me "
	  "think.\\n</think>\\n\\nAnswer\"}}]}", PB_LLM_OK, "Answer", NULL, 0 },
	/* gpt-oss's channels left in the content (a server without its reasoning parser):
	 * the final channel's message is the answer, the analysis channel is thinking */
	{ "{\"choices\":[{\"message\":{\"content\":\"<|channel|>analysis<|message|>The user "
	  "wants an analysis.<|end|><|start|>assistant<|channel|>final<|message|>**Problem**: x."
	  "<|return|>\"}}]}", PB_LLM_OK, "**Problem**: x.", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"<|channel|>analysis<|message|>hmm<|end|>"
	  "<|start|>assistant<|channel|>final<|message|>Answer\"}}]}", PB_LLM_OK, "Answer", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"<|channel|>analysis<|message|>The user "
	  "wants\"}}]}", PB_LLM_EMPTY, NULL, "empty", 0 },
	/* blanks before the block */
	{ "{\"choices\":[{\"message\":{\"content\":\"\\n\\n<think>hmm</think>\\nAnswer\"}}]}",
	  PB_LLM_OK, "Answer", NULL, 0 },
	/* an answer in a code block: the digest's light Markdown would show the fences */
	{ "{\"choices\":[{\"message\":{\"content\":\"```markdown\\n**Problem**: x.\\n\\n- a\\n```\\n\"}}]}",
	  PB_LLM_OK, "**Problem**: x.\n\n- a", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"```\\nPlain.\\n```\"}}]}", PB_LLM_OK,
	  "Plain.", NULL, 0 },
	/* ... after the model's words about it, and after its thinking */
	{ "{\"choices\":[{\"message\":{\"content\":\"<think>hmm</think>\\nHere is the summary:"
	  "\\n\\n```md\\n**Theme**: y.\\n```\"}}]}", PB_LLM_OK, "**Theme**: y.", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"Sure! Here's a short analysis of the paper "
	  "in English:\\n\\n**Problem**: z.\"}}]}", PB_LLM_OK, "**Problem**: z.", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"\xE4\xBB\xA5\xE4\xB8\x8B\xE6\x98\xAF"
	  "\xE5\x88\x86\xE6\x9E\x90\xEF\xBC\x9A\\n**\xE9\x97\xAE\xE9\xA2\x98**\"}}]}",
	  PB_LLM_OK, "**\xE9\x97\xAE\xE9\xA2\x98**", NULL, 0 },
	/* a colon ending a first line that is the answer's own, a fence inside the answer, and
	 * an opening fence without its closer */
	{ "{\"choices\":[{\"message\":{\"content\":\"The paper shows two things:\\n- a\\n- b\"}}]}",
	  PB_LLM_OK, "The paper shows two things:\n- a\n- b", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"Code:\\n```\\nx = 1\\n```\"}}]}",
	  PB_LLM_OK, "Code:\n```\nx = 1\n```", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"```markdown\\nOpen only.\"}}]}",
	  PB_LLM_OK, "Open only.", NULL, 0 },
	/* nothing but the wrapping stays as it was */
	{ "{\"choices\":[{\"message\":{\"content\":\"```\\n```\"}}]}", PB_LLM_OK, "```\n```",
	  NULL, 0 },
	/* unicode escapes become UTF-8 */
	{ "{\"choices\":[{\"message\":{\"content\":\"\\u4f60\\u597d\"}}]}", PB_LLM_OK,
	  "\xE4\xBD\xA0\xE5\xA5\xBD", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],"
	  "\"usage\":{\"total_tokens\":9}}", PB_LLM_EMPTY, NULL, "empty content", 9 },
	{ "{\"choices\":[{\"message\":{\"content\":\" \\n\\t \"}}]}", PB_LLM_EMPTY, NULL,
	  "empty content", 0 },
	{ "{\"choices\":[{\"message\":{\"content\":null}}]}", PB_LLM_EMPTY, NULL, "empty", 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"<think>only thinking\"}}]}", PB_LLM_EMPTY,
	  NULL, "empty", 0 },
	{ "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"No.\"}}],"
	  "\"usage\":{\"total_tokens\":4}}", PB_LLM_REFUSED, NULL, "refusal: No.", 4 },
	{ "{\"choices\":[{\"message\":{\"content\":\"partial\"},\"finish_reason\":"
	  "\"content_filter\"}]}", PB_LLM_REFUSED, NULL, "refusal: finish_reason content_filter", 0 },
	/* cut off at max_tokens: half an analysis is no analysis, but it still cost */
	{ "{\"choices\":[{\"message\":{\"content\":\"The method improves accuracy by\"},"
	  "\"finish_reason\":\"length\"}],\"usage\":{\"total_tokens\":1100}}", PB_LLM_TRUNCATED,
	  NULL, "cut off at max_tokens", 1100 },
	{ "{\"error\":{\"message\":\"Invalid API key\",\"type\":\"auth\"}}", PB_LLM_API_ERROR, NULL,
	  "API error: Invalid API key", 0 },
	{ "{\"error\":\"overloaded\"}", PB_LLM_API_ERROR, NULL, "API error: overloaded", 0 },
	/* vLLM's own form, its message at the top */
	{ "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 "
	  "tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
	  PB_LLM_API_ERROR, NULL, "API error: This model's maximum context length is 4096", 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"unterminated", PB_LLM_MALFORMED, NULL,
	  "not JSON", 0 },
	{ "<html>502 Bad Gateway</html>", PB_LLM_MALFORMED, NULL, "not JSON", 0 },
	{ "[]", PB_LLM_MALFORMED, NULL, "not JSON", 0 },
	{ "{}", PB_LLM_MALFORMED, NULL, "no choices", 0 },
	{ "{\"choices\":[]}", PB_LLM_MALFORMED, NULL, "no choices", 0 },
	{ "{\"choices\":[{\"text\":\"legacy\"}]}", PB_LLM_MALFORMED, NULL, "no message", 0 },
	{ "{\"choices\":[{\"message\":{\"content\":42}}]}", PB_LLM_MALFORMED, NULL,
	  "content is not text", 0 },
	/* cJSON ends a string at an escaped NUL: the text before it is kept */
	{ "{\"choices\":[{\"message\":{\"content\":\"a\\u0000b\"}}]}", PB_LLM_OK, "a", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"\\ud800\"}}]}", PB_LLM_MALFORMED, NULL,
	  "", 0 },
	/* nonsense usage counts as nothing */
	{ "{\"choices\":[{\"message\":{\"content\":\"ok\"}}],\"usage\":{\"total_tokens\":-5}}",
	  PB_LLM_OK, "ok", NULL, 0 },
	{ "{\"choices\":[{\"message\":{\"content\":\"ok\"}}],\"usage\":{\"total_tokens\":\"5\"}}",
	  PB_LLM_OK, "ok", NULL, 0 },
	{ "", PB_LLM_MALFORMED, NULL, "empty body", 0 },
};

static void
test_answers(void)
{
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
		const struct answer_case *c = &answers[i];
		struct pb_llm_answer a;
		char why[256];
		enum pb_llm_status st = pb_llm_parse(c->body, strlen(c->body), &a, why, sizeof why);

		if (st != c->want)
			fprintf(stderr, "case %zu: status %s (%s)\n", i, pb_llm_status_name(st), why);
		T_EQ_INT(st, c->want);
		T_EQ_INT(a.total_tokens, c->tokens);
		if (c->want == PB_LLM_OK) {
			T_EQ_STR(a.content, c->content);
		} else {
			T_CHECK(a.content == NULL);
			T_CHECK(strncmp(why, c->why, strlen(c->why)) == 0);
			if (strncmp(why, c->why, strlen(c->why)) != 0)
				fprintf(stderr, "case %zu: why \"%s\", want \"%s...\"\n", i, why, c->why);
		}
		pb_llm_answer_free(&a);
	}
	/* the body need not be NUL-terminated */
	{
		const char *b = "{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}GARBAGE";
		struct pb_llm_answer a;
		char why[64];

		T_EQ_INT(pb_llm_parse(b, strlen(b) - 7, &a, why, sizeof why), PB_LLM_OK);
		T_EQ_STR(a.content, "hi");
		pb_llm_answer_free(&a);
		pb_llm_answer_free(NULL);
	}
	/* a long refusal is cut for the log, on a UTF-8 boundary */
	{
		struct pb_buf b = { 0 };
		struct pb_llm_answer a;
		char why[512];

		pb_buf_puts(&b, "{\"choices\":[{\"message\":{\"refusal\":\"");
		for (int i = 0; i < 200; i++)
			pb_buf_puts(&b, "\xE4\xBD\xA0");
		pb_buf_puts(&b, "\"}}]}");
		T_EQ_INT(pb_llm_parse(b.data, b.len, &a, why, sizeof why), PB_LLM_REFUSED);
		T_CHECK(strlen(why) <= 200);
		T_CHECK((strlen(why) - strlen("refusal: ")) % 3 == 0);
		pb_llm_answer_free(&a);
		pb_buf_free(&b);
	}
}

/* What a reasoning model refuses of a request, and errors that are something else. */
static void
test_unsupported(void)
{
	static const struct {
		const char *body;
		unsigned want;
	} cases[] = {
		{ "{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens' is not supported "
		  "with this model. Use 'max_completion_tokens' instead.\",\"type\":"
		  "\"invalid_request_error\",\"param\":\"max_tokens\",\"code\":"
		  "\"unsupported_parameter\"}}", PB_LLM_MAX_COMPLETION_TOKENS },
		{ "{\"error\":{\"message\":\"Unsupported value: 'temperature' does not support 0.2 "
		  "with this model. Only the default (1) value is supported.\",\"type\":"
		  "\"invalid_request_error\",\"param\":\"temperature\",\"code\":"
		  "\"unsupported_value\"}}", PB_LLM_NO_TEMPERATURE },
		/* a proxy's form: the words without param and code */
		{ "{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens' is not supported "
		  "with this model. Use 'max_completion_tokens' instead.\",\"code\":"
		  "\"invalid_request_body\"}}", PB_LLM_MAX_COMPLETION_TOKENS },
		{ "{\"error\":{\"message\":\"This model's maximum context length is 4096 tokens.\","
		  "\"code\":\"context_length_exceeded\",\"param\":\"messages\"}}", 0 },
		{ "{\"error\":{\"message\":\"max_tokens is too large: 100000.\",\"param\":"
		  "\"max_tokens\",\"code\":null}}", 0 },
		{ "{\"error\":{\"message\":\"Invalid API key\"}}", 0 },
		{ "<html>400</html>", 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned got = pb_llm_unsupported(cases[i].body, strlen(cases[i].body));

		if (got != cases[i].want)
			fprintf(stderr, "unsupported case %zu: %u, want %u\n", i, got, cases[i].want);
		T_EQ_INT(got, cases[i].want);
	}
	T_EQ_INT(pb_llm_unsupported(NULL, 0), 0);
}

static void
test_prompts(void)
{
	const char *vars[] = { "language", "Chinese (Simplified)", "title", "A {b} c", NULL };
	char *sys, *user, h1[17], h2[17];

	pb_prompt_render("You write in {language}.\n---\nTitle: {title}\nKeep {unknown} and {.\n",
			 vars, &sys, &user);
	T_EQ_STR(sys, "You write in Chinese (Simplified).");
	/* values are not expanded again; unknown placeholders stay */
	T_EQ_STR(user, "Title: A {b} c\nKeep {unknown} and {.");
	free(sys);
	free(user);

	pb_prompt_render("No separator, {language}.", vars, &sys, &user);
	T_CHECK(sys == NULL);
	T_EQ_STR(user, "No separator, Chinese (Simplified).");
	free(user);

	pb_prompt_render("a --- b\n----\nc", NULL, &sys, &user);   /* only a line "---" separates */
	T_CHECK(sys == NULL);
	T_EQ_STR(user, "a --- b\n----\nc");
	free(user);

	pb_prompt_render("sys\r\n---\r\nuser\r\n", NULL, &sys, &user);
	T_EQ_STR(sys, "sys");
	T_EQ_STR(user, "user");
	free(sys);
	free(user);

	pb_prompt_hash("prompt one", h1, sizeof h1);
	pb_prompt_hash("prompt one!", h2, sizeof h2);
	T_EQ_INT(strlen(h1), 16);
	T_CHECK(strcmp(h1, h2) != 0);
	pb_prompt_hash("", h1, sizeof h1);
	T_EQ_STR(h1, "cbf29ce484222325");   /* the FNV-1a offset basis: hash of nothing */

	T_EQ_STR(pb_language_name("zh"), "Chinese (Simplified)");
	T_EQ_STR(pb_language_name("zh-SG"), "Chinese (Simplified)");
	/* the tags whose digest reads Traditional characters ask the model for them too */
	T_EQ_STR(pb_language_name("zh-TW"), "Chinese (Traditional)");
	T_EQ_STR(pb_language_name("zh-Hant"), "Chinese (Traditional)");
	T_EQ_STR(pb_language_name("zh-HK"), "Chinese (Traditional)");
	T_EQ_STR(pb_language_name("zh-MO"), "Chinese (Traditional)");
	T_EQ_STR(pb_language_name("en"), "English");
	T_EQ_STR(pb_language_name("de"), "German");
	T_EQ_STR(pb_language_name("tlh"), "tlh");
	T_EQ_STR(pb_language_name("zh-Hant-HK"), "Chinese (Traditional)");
	T_EQ_STR(pb_language_name("zh-Hans-CN"), "Chinese (Simplified)");
	T_EQ_STR(pb_language_name("de-AT"), "German");
	T_EQ_STR(pb_language_name("pt-BR"), "Brazilian Portuguese");
	T_EQ_STR(pb_language_name("tlh-x-q"), "tlh-x-q");
	T_EQ_STR(pb_language_name(NULL), "English");
}

/* The errors of a request longer than the model's context, as each server words them; other
 * errors are not. */
static void
test_context_exceeded(void)
{
	static const char *const yes[] = {
		/* OpenAI */
		"{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens. "
		"However, your messages resulted in 130512 tokens. Please reduce the length of the "
		"messages.\",\"type\":\"invalid_request_error\",\"param\":\"messages\","
		"\"code\":\"context_length_exceeded\"}}",
		/* vLLM */
		"{\"object\":\"error\",\"message\":\"This model's maximum context length is 32768 "
		"tokens. However, you requested 41648 tokens (37552 in the messages, 4096 in the "
		"completion). Please reduce the length of the messages or completion.\","
		"\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
		/* llama.cpp's server */
		"{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context "
		"size, try increasing it\",\"type\":\"exceed_context_size_error\","
		"\"n_prompt_tokens\":14429,\"n_ctx\":8192}}",
		"{\"error\":{\"code\":500,\"message\":\"the request exceeds the available context "
		"size. try increasing the context size or enable context shift\"}}",
		/* a plain string */
		"{\"error\":\"Requested tokens (5000) exceed context window of 4096\"}",
	};
	static const char *const no[] = {
		"{\"error\":{\"message\":\"Invalid API key\",\"type\":\"auth\"}}",
		"{\"error\":{\"message\":\"Rate limit reached for requests\",\"type\":\"requests\"}}",
		"{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"code\":404}",
		"<html>maximum context length</html>",
		"",
	};

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (!pb_llm_context_exceeded(yes[i], strlen(yes[i])))
			fprintf(stderr, "not taken for a context too long: %s\n", yes[i]);
		T_CHECK(pb_llm_context_exceeded(yes[i], strlen(yes[i])) == 1);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		if (pb_llm_context_exceeded(no[i], strlen(no[i])))
			fprintf(stderr, "taken for a context too long: %s\n", no[i]);
		T_CHECK(pb_llm_context_exceeded(no[i], strlen(no[i])) == 0);
	}
}

/* An answer plainly in another script than the reader's language is told apart; one in the
 * right language full of English terms, numbers and formulas is not. */
static void
test_language(void)
{
	static const char en[] = "**Problem**: 3D scene representation for robots. The method "
				 "fits Gaussian splats to RGB-D frames and reaches 31.4 dB PSNR.";
	static const char zh[] = "**问题**：机器人的三维场景表示。本文提出 GS-SLAM，用 Gaussian "
				 "Splatting 拟合 RGB-D 帧，在 Replica 上达到 31.4 dB PSNR，优于 "
				 "NICE-SLAM 和 Co-SLAM。";
	static const char ja[] = "**課題**：ロボットのための三次元シーン表現。提案手法は "
				 "Gaussian Splatting を用いて RGB-D フレームを統合する。";
	static const char ru[] = "**Проблема**: представление трёхмерных сцен для роботов. Метод "
				 "использует Gaussian splatting и достигает 31.4 dB PSNR.";
	static const struct { const char *text, *lang; int ok; } v[] = {
		{ en, "en", 1 }, { en, NULL, 1 }, { en, "de", 1 }, { en, "pt-BR", 1 },
		{ en, "zh", 0 }, { en, "zh-TW", 0 }, { en, "zh-Hant-TW", 0 }, { en, "ja", 0 },
		{ en, "ko", 0 }, { en, "ru", 0 },
		{ zh, "zh", 1 }, { zh, "zh-CN", 1 }, { zh, "en", 0 }, { zh, "fr", 0 },
		{ zh, "ja", 1 },        /* kanji alone are not told from Chinese: kept */
		{ ja, "ja", 1 }, { ja, "en", 0 },
		{ ru, "ru", 1 }, { ru, "uk", 1 }, { ru, "en", 0 }, { ru, "zh", 0 },
		/* too short to judge, or a language whose script is not known here */
		{ "OK, GS-SLAM.", "zh", 1 }, { en, "sw", 1 }, { zh, "x-klingon", 1 },
		/* formulas and symbols are nobody's letters */
		{ "$\\alpha + \\beta = 0.5$ → ∑ ≤ 3 ± 0.1 %% 2024-12-04 [1] (2) {3} — …", "zh", 1 },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		int got = pb_llm_language_ok(v[i].text, v[i].lang);

		if (got != v[i].ok)
			fprintf(stderr, "language %s: %d, want %d: %s\n", v[i].lang ? v[i].lang : "(none)",
				got, v[i].ok, v[i].text);
		T_EQ_INT(got, v[i].ok);
	}
}

/* What a model's error answer says of when to ask again: the quota spent (never), Azure's
 * retry-after-ms, OpenAI's x-ratelimit-reset-* durations of the limit reached. */
static void
test_waits(void)
{
	static const struct { const char *v; long ms; } durations[] = {
		{ "1s", 1000 }, { "6m0s", 360000 }, { "20ms", 20 }, { "8.64s", 8640 },
		{ "1h2m3.5s", 3723500 }, { "0s", 0 }, { "1.5ms", 2 }, { "300us", 1 },
		{ "2\xC2\xB5s", 1 }, { "17ns", 1 }, { " 2s ", 2000 },
		{ "", -1 }, { "12", -1 }, { "1x", -1 }, { "s", -1 }, { "-1s", -1 }, { "1s 2s", -1 },
		{ "1..5s", -1 }, { "99999999h", 100000000 },
	};
	static const char *const headers[] = {
		"HTTP/1.1 429 Too Many Requests\r\n", "retry-after-ms: 2500\r\n",
		"X-RateLimit-Reset-Requests: 2.5s\r\n", "x-ratelimit-reset-tokens: 6m0s\r\n",
		"x-ratelimit-remaining-requests: 0\r\n", "x-ratelimit-remaining-tokens: 149000\r\n",
		"Retry-After: 7\r\n", "x-request-id: req_1\r\n",
	};
	struct pb_llm_wait w;
	const char *quota = "{\"error\":{\"message\":\"You exceeded your current quota, please check "
			    "your plan and billing details.\",\"type\":\"insufficient_quota\","
			    "\"param\":null,\"code\":\"insufficient_quota\"}}";
	const char *limit = "{\"error\":{\"message\":\"Rate limit reached for requests; "
			    "insufficient_quota is another error\",\"type\":\"requests\","
			    "\"code\":\"rate_limit_exceeded\"}}";

	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		long got = pb_llm_duration_ms(durations[i].v);

		if (got != durations[i].ms)
			fprintf(stderr, "duration \"%s\": %ld, want %ld\n", durations[i].v, got,
				durations[i].ms);
		T_EQ_INT(got, durations[i].ms);
	}
	T_EQ_INT(pb_llm_duration_ms(NULL), -1);

	T_EQ_INT(pb_llm_quota_exhausted(quota, strlen(quota)), 1);
	T_EQ_INT(pb_llm_quota_exhausted(limit, strlen(limit)), 0);
	T_EQ_INT(pb_llm_quota_exhausted("{\"code\":\"insufficient_quota\"}", 29), 1);
	T_EQ_INT(pb_llm_quota_exhausted("insufficient_quota", 18), 0);
	T_EQ_INT(pb_llm_quota_exhausted(NULL, 0), 0);
	/* the status as well: a 402 alone, a billing code only in a 4xx */
	T_EQ_INT(pb_llm_account_spent(402, NULL, 0), 1);
	T_EQ_INT(pb_llm_account_spent(429, quota, strlen(quota)), 1);
	T_EQ_INT(pb_llm_account_spent(429, limit, strlen(limit)), 0);
	T_EQ_INT(pb_llm_account_spent(500, quota, strlen(quota)), 0);
	{       /* OpenAI's billing codes, under the type insufficient_quota or another */
		static const char *const spent[] = {
			"{\"error\":{\"message\":\"Billing hard limit has been reached\","
			"\"type\":\"invalid_request_error\",\"param\":null,"
			"\"code\":\"billing_hard_limit_reached\"}}",
			"{\"error\":{\"message\":\"x\",\"type\":\"insufficient_quota\","
			"\"code\":\"credit_balance_exhausted\"}}",
			"{\"error\":{\"message\":\"x\",\"code\":\"credit_balance_exhausted\"}}",
			"{\"error\":{\"code\":\"organization_spend_limit_exceeded\"}}",
			"{\"error\":{\"code\":\"project_spend_limit_exceeded\"}}",
			"{\"error\":{\"code\":\"organization_usage_limit_exceeded\"}}",
		};
		/* DeepSeek's 402 and OpenRouter's: the status says it, not the body */
		const char *deepseek = "{\"error\":{\"message\":\"Insufficient Balance\","
				       "\"type\":\"unknown_error\",\"param\":null,"
				       "\"code\":\"invalid_request_error\"}}";
		const char *openrouter = "{\"error\":{\"code\":402,\"message\":\"Insufficient "
					 "credits\"}}";

		for (size_t i = 0; i < sizeof spent / sizeof spent[0]; i++) {
			if (!pb_llm_quota_exhausted(spent[i], strlen(spent[i])))
				fprintf(stderr, "not a quota spent: %s\n", spent[i]);
			T_EQ_INT(pb_llm_quota_exhausted(spent[i], strlen(spent[i])), 1);
		}
		T_EQ_INT(pb_llm_quota_exhausted(deepseek, strlen(deepseek)), 0);
		T_EQ_INT(pb_llm_quota_exhausted(openrouter, strlen(openrouter)), 0);
	}

	memset(&w, 0, sizeof w);
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
		pb_llm_wait_header(&w, headers[i], strlen(headers[i]));
	T_EQ_STR(w.retry_after_ms, "2500");
	T_EQ_STR(w.reset_requests, "2.5s");
	T_EQ_STR(w.remaining_tokens, "149000");
	/* retry-after-ms first, then Retry-After, then the limits (for a 429 only) */
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 2500);
	w.retry_after_ms[0] = '\0';
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 7000);
	w.retry_after[0] = '\0';
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 2500);       /* the requests' limit is spent */
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 0), -1);         /* a 5xx: the limits say nothing */
	snprintf(w.remaining_requests, sizeof w.remaining_requests, "12");
	snprintf(w.remaining_tokens, sizeof w.remaining_tokens, "0");
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 360000);     /* the tokens' */
	w.remaining_tokens[0] = '\0';
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 360000);     /* not said which: the longer */
	snprintf(w.retry_after_ms, sizeof w.retry_after_ms, "12.5");
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 13);
	snprintf(w.retry_after_ms, sizeof w.retry_after_ms, "soon");   /* not read */
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), 360000);
	/* a new status line (after a 100 Continue) forgets the headers before it */
	pb_llm_wait_header(&w, "HTTP/1.1 500 Internal Server Error\r\n", 36);
	T_EQ_INT(pb_llm_wait_ms(&w, 0, 1), -1);
	pb_llm_wait_header(&w, "Retry-After: Wed, 21 Oct 2015 07:28:10 GMT\r\n", 44);
	T_EQ_INT(pb_llm_wait_ms(&w, 1445412480L, 0), 10000);
}

/* Which failed requests go again: the passing statuses OpenAI's clients retry, unless the
 * answer's x-should-retry says otherwise, either way. */
static void
test_try_again(void)
{
	static const struct { long status; int yes; } st[] = {
		{ 408, 1 }, { 409, 1 }, { 429, 1 }, { 500, 1 }, { 502, 1 }, { 503, 1 }, { 504, 1 },
		{ 400, 0 }, { 401, 0 }, { 402, 0 }, { 403, 0 }, { 404, 0 }, { 422, 0 }, { 501, 0 },
		{ 0, 0 },
	};
	struct pb_llm_wait w;

	memset(&w, 0, sizeof w);
	for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
		if (pb_llm_try_again(st[i].status, &w) != st[i].yes)
			fprintf(stderr, "try again after %ld: want %d\n", st[i].status, st[i].yes);
		T_EQ_INT(pb_llm_try_again(st[i].status, &w), st[i].yes);
	}
	T_EQ_INT(pb_llm_try_again(503, NULL), 1);
	pb_llm_wait_header(&w, "HTTP/1.1 503 Service Unavailable\r\n", 34);
	pb_llm_wait_header(&w, "X-Should-Retry: false\r\n", 23);
	T_EQ_STR(w.should_retry, "false");
	T_EQ_INT(pb_llm_try_again(503, &w), 0);
	T_EQ_INT(pb_llm_try_again(429, &w), 0);
	pb_llm_wait_header(&w, "HTTP/1.1 400 Bad Request\r\n", 26);
	T_EQ_STR(w.should_retry, "");
	pb_llm_wait_header(&w, "x-should-retry:  true \r\n", 24);
	T_EQ_INT(pb_llm_try_again(400, &w), 1);
	/* anything else says nothing: the status decides */
	pb_llm_wait_header(&w, "HTTP/1.1 400 Bad Request\r\n", 26);
	pb_llm_wait_header(&w, "x-should-retry: maybe\r\n", 23);
	T_EQ_INT(pb_llm_try_again(400, &w), 0);
	T_EQ_INT(pb_llm_try_again(408, &w), 1);
	pb_llm_wait_header(&w, "x-should-retry: much too long a value\r\n", 39);
	T_EQ_INT(pb_llm_try_again(409, &w), 1);
}

int
main(void)
{
	test_request();
	test_answers();
	test_unsupported();
	test_context_exceeded();
	test_language();
	test_waits();
	test_try_again();
	test_prompts();
	return t_done("test_llm");
}
