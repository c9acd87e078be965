/* The model answer parser on arbitrary bytes: no crash, no leak; an accepted answer is
 * non-empty, trimmed, valid text, and a rejected one says why. Also renders a prompt
 * template from the same bytes, and reads them as the answer's header lines that say when to
 * ask again and whether to (each line a header; a wait is -1 or within a day of an hour's
 * hints; x-should-retry yes or no) and as an error body that may say the quota is spent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_llm_answer a;
	char why[256], *tmpl, *sys, *user;
	const char *vars[] = { "language", "English", "title", "{title}", "abstract", "x", NULL };
	enum pb_llm_status st = pb_llm_parse((const char *)data, size, &a, why, sizeof why);

	if (st == PB_LLM_OK) {
		size_t n = a.content ? strlen(a.content) : 0;

		if (n == 0 || a.content[0] == ' ' || a.content[n - 1] == ' ')
			abort();
	} else if (a.content || why[0] == '\0') {
		abort();
	}
	if (a.total_tokens < 0)
		abort();
	pb_llm_answer_free(&a);
	if (pb_llm_unsupported((const char *)data, size) &
	    ~(unsigned)(PB_LLM_MAX_COMPLETION_TOKENS | PB_LLM_NO_TEMPERATURE))
		abort();

	tmpl = pb_xstrndup((const char *)data, size);
	{       /* unwrapping an answer cached as it came never makes it longer */
		char *t = pb_xstrdup(tmpl);
		size_t n = strlen(t);

		pb_llm_tidy(t);
		if (strlen(t) > n)
			abort();
		free(t);
	}
	pb_prompt_render(tmpl, vars, &sys, &user);
	free(sys);
	free(user);
	free(tmpl);

	{
		struct pb_llm_wait w;
		const char *p = (const char *)data, *end = p + size;
		long ms;

		memset(&w, 0, sizeof w);
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

			pb_llm_wait_header(&w, p, n);
			p += n;
		}
		if (memchr(w.retry_after, '\0', sizeof w.retry_after) == NULL ||
		    memchr(w.reset_tokens, '\0', sizeof w.reset_tokens) == NULL ||
		    memchr(w.should_retry, '\0', sizeof w.should_retry) == NULL)
			abort();
		/* x-should-retry may turn any status either way, and only to 0 or 1 */
		for (long st = 400; st < 600; st += 3) {
			int again = pb_llm_try_again(st, &w);

			if (again != 0 && again != 1)
				abort();
		}
		for (int limits = 0; limits < 2; limits++)
			if ((ms = pb_llm_wait_ms(&w, 1700000000L, limits)) < -1)
				abort();
		ms = pb_llm_duration_ms(w.reset_requests);
		if (ms < -1)
			abort();
		(void)pb_llm_quota_exhausted((const char *)data, size);
	}
	return 0;
}
