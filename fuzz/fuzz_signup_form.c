/* The sign-up and manage forms from arbitrary bytes: the body decoded (pb_form_parse), the
 * topics, language and cap read into settings (pb_pages_settings), and the error box that
 * echoes the queries (pb_pages_error). Never crashes, and nothing of the input becomes markup:
 * every '<' in the box opens one of the box's own tags. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "paperboy/web.h"
#include "../src/web/pages.h"

static const char *const tags[] = {
	"<div class=\"error\" role=\"alert\" id=\"" PB_PAGES_ERROR_ID "\">", "</div>", "<p>", "</p>",
	"<strong>", "</strong>", "<pre>", "<pre class=\"query\">", "</pre>", "<b>", "</b>", "<code>",
	"</code>", "<mark>", "</mark>",
};

static void
markup_ok(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		size_t i;

		for (i = 0; i < sizeof tags / sizeof tags[0]; i++)
			if (strncmp(p, tags[i], strlen(tags[i])) == 0)
				break;
		if (i == sizeof tags / sizeof tags[0])
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_form f;
	struct pb_buf why = { 0 };
	struct pb_web_resp resp;
	char msg[200];
	cJSON *obj;

	if (size > 16384 || pb_form_parse((const char *)data, size, &f, msg, sizeof msg) < 0)
		return 0;
	obj = cJSON_CreateObject();
	memset(&resp, 0, sizeof resp);
	if (pb_pages_settings(obj, &f, &why) < 0 && !why.len)
		abort();   /* a refusal always says why */
	pb_pages_error(&resp, why.len ? why.data : "x", pb_form_get(&f, "topics"));
	markup_ok(pb_buf_str(&resp.body));
	pb_buf_free(&resp.body);
	pb_buf_free(&resp.headers);
	pb_buf_free(&why);
	cJSON_Delete(obj);
	pb_form_free(&f);
	return 0;
}
