/* pb_mail_build with arbitrary From, To, Subject, text and HTML (NUL-separated fields): every
 * line ends in CRLF, none is longer than 998 octets, the header block holds no bare CR or LF and
 * no header line that the inputs could have injected. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/deliver.h"

static const char *
field(const char **p, const char *end)
{
	const char *s = *p;
	const char *z = memchr(s, '\0', (size_t)(end - s));

	*p = z ? z + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_config cfg;
	char *copy = malloc(size + 1), *m;
	const char *p, *end, *from, *to, *subj, *text, *html;
	size_t len, col = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	from = field(&p, end);
	to = p < end ? field(&p, end) : "";
	subj = p < end ? field(&p, end) : "";
	text = p < end ? field(&p, end) : "";
	html = p < end ? field(&p, end) : NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.email.from = (char *)from;
	cfg.email.unsubscribe_url = (char *)subj;
	cfg.email.unsubscribe_mailto = (char *)to;
	m = pb_mail_build(&cfg, to, subj, text, html, from, 0, &len);
	for (size_t i = 0; i < len; i++) {
		if (m[i] == '\r') {
			if (i + 1 >= len || m[i + 1] != '\n')
				abort();
			i++;
			col = 0;
			continue;
		}
		if (m[i] == '\n' || ++col > 998)
			abort();
	}
	if (col != 0)
		abort();
	/* The header block: every line is a known header or a continuation. */
	{
		static const char *const known[] = { "From:", "To:", "Subject:", "Date:",
			"Message-ID:", "MIME-Version:", "Auto-Submitted:", "List-Unsubscribe:",
			"List-Unsubscribe-Post:", "Content-Type:", "Content-Transfer-Encoding:" };
		const char *h = m, *hend = strstr(m, "\r\n\r\n");
		if (!hend)
			abort();
		while (h < hend + 2) {
			int ok = *h == ' ';
			for (size_t k = 0; !ok && k < sizeof known / sizeof known[0]; k++)
				ok = strncmp(h, known[k], strlen(known[k])) == 0;
			if (!ok)
				abort();
			h = strstr(h, "\r\n") + 2;
		}
	}
	free(m);
	free(copy);
	return 0;
}
