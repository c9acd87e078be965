/* libFuzzer target: outside text through every renderer. The input (NUL-separated) gives a
 * title, an author, an abstract, a finding, a model summary and an analysis; the digest is
 * rendered once with the built-in summary (which quotes title and finding as data spans) and
 * once with the model's, in English or Chinese (where the paper's text and the summary's
 * quotes may be marked English) by the input's length. No format may carry a bidi override
 * or C1 control, a link anywhere but arXiv, or raw HTML from the input; Telegram HTML must
 * stay well-formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/digest.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"

static char *
field(const char **p, const char *end)
{
	const char *s = *p, *z = memchr(s, '\0', (size_t)(end - s));
	size_t n = z ? (size_t)(z - s) : (size_t)(end - s);
	char *r = malloc(n + 1);

	if (!r)
		abort();
	memcpy(r, s, n);
	r[n] = '\0';
	*p = z ? z + 1 : end;
	return r;
}

/* Whether p is inside a `code` span of its line (Markdown reads no links there). */
static int
in_code(const char *s, const char *p)
{
	const char *q = p;
	int in = 0;

	while (q > s && q[-1] != '\n')
		q--;
	for (; q < p; q++)
		if (*q == '`' && (q == s || q[-1] != '\\' || in))
			in = !in;
	return in;
}

static void
check_out(enum pb_format f, const char *s)
{
	static const char *const hidden[] = { "\xE2\x80\xAE", "\xE2\x80\xAD", "\xC2\x85",
					      "\xC2\x9B", "\xE2\x81\xA6", "\x02", "\x03" };
	const char *p;

	for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; k++)
		if (strstr(s, hidden[k]))
			abort();
	/* every link the renderers make points at arXiv (or the digest's own anchors); plain
	 * text has no links, only text */
	for (p = f == PB_FMT_TEXT ? NULL : strstr(s, "<a href="); p; p = strstr(p + 1, "<a href=")) {
		const char *u = p + 8;

		if (f == PB_FMT_MD && ((p > s && p[-1] == '\\') || in_code(s, p)))
			continue;       /* escaped or code: shown as text */

		if (*u == '\\')
			u++;
		if (*u == '"')
			u++;
		if (strncmp(u, "https://arxiv.org/", 18) && strncmp(u, "http://arxiv.org/", 17) &&
		    strncmp(u, "https://www.arxiv.org/", 22) &&
		    strncmp(u, "https://export.arxiv.org/", 25) && *u != '#')
			abort();
	}
	if (f == PB_FMT_HTML && (strstr(s, "<script") || strstr(s, "<img")))
		abort();
	if (f == PB_FMT_MD)
		for (p = strstr(s, "]("); p; p = strstr(p + 1, "]("))
			if (p[-1] != '\\' && !in_code(s, p) &&
			    strncmp(p + 2, "https://arxiv.org/", 18) &&
			    strncmp(p + 2, "http://arxiv.org/", 17) &&
			    strncmp(p + 2, "https://www.arxiv.org/", 22) &&
			    strncmp(p + 2, "https://export.arxiv.org/", 25) && p[2] != '#')
				abort();
	if (f == PB_FMT_SLACK)
		for (p = strstr(s, "<http"); p; p = strstr(p + 1, "<http"))
			if (strncmp(p + 1, "https://arxiv.org/", 18) &&
			    strncmp(p + 1, "http://arxiv.org/", 17) &&
			    strncmp(p + 1, "https://www.arxiv.org/", 22) &&
			    strncmp(p + 1, "https://export.arxiv.org/", 25))
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *title = field(&p, end), *author = field(&p, end), *abstract = field(&p, end);
	char *finding = field(&p, end), *summary = field(&p, end), *analysis = field(&p, end);
	char *cats[] = { "cs.CV" };
	struct pb_author au = { author, NULL, 0 };
	struct pb_paper paper = { 0 };
	struct pb_digest_item it = { 0 };
	struct pb_digest d = { 0 };
	char *findings[1] = { finding };

	paper.id = "2512.04076";
	paper.version = 2;
	paper.title = title;
	paper.authors = &au;
	paper.n_authors = 1;
	paper.abstract = abstract;
	paper.categories = cats;
	paper.n_categories = 1;
	paper.announce = PB_ANN_REPLACE;
	it.paper = &paper;
	it.topic = "T";
	it.findings = findings;
	it.n_findings = 1;
	d.subscriber = "s";
	d.date = "2025-12-04";
	d.title = "Digest";
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;
	for (int model = 0; model < 2; model++) {
		struct pb_parts out[PB_FMT_COUNT];

		/* in English, or in Chinese by the input's length (both passes): a paper's text,
		 * and the built-in summary's quotes, told English or not (words.c) */
		d.language = size % 2 ? "zh" : "en";
		if (model) {
			d.exec_summary = summary;
			d.exec_from_model = 1;
			it.analysis = analysis;
		} else {
			d.exec_summary = pb_exec_summary_builtin(&d);
		}
		if (pb_render_formats(&d, PB_FMT_ALL, NULL, out) < 0)
			abort();
		for (int f = 0; f < PB_FMT_COUNT; f++) {
			for (size_t i = 0; i < out[f].n; i++)
				check_out((enum pb_format)f, out[f].v[i]);
			pb_parts_free(&out[f]);
		}
		if (!model)
			free(d.exec_summary);
	}
	free(title);
	free(author);
	free(abstract);
	free(finding);
	free(summary);
	free(analysis);
	return 0;
}
