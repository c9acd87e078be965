/* libFuzzer target: the full-text HTML extractor on arbitrary bytes. It must not crash, must
 * end quickly on hostile nesting, must keep its bounds (sections, figures, links, text), give
 * only absolute http(s) image and code links, and its record must survive the JSON cache form
 * and the excerpt within the budget. The bytes, when they are UTF-8, are also one section's
 * text for the excerpt's sentence split directly (CJK full stops, closing brackets): within
 * the budget and UTF-8 still, never cut inside a character. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/fulltext/ft_int.h"
#include "paperboy/fold.h"
#include "paperboy/fulltext.h"

static void
check_url(const char *u)
{
	if (u && strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
		abort();
}

/* The excerpt of one section holding the input, at a few budgets. */
static void
excerpt_direct(const uint8_t *data, size_t size)
{
	static const int budgets[] = { 5, 17, 64 };
	struct pb_ft_section sec = { PB_FT_RESULTS, NULL, NULL };
	struct pb_fulltext ft;

	if (!size || memchr(data, 0, size) || !pb_utf8_valid((const char *)data, size))
		return;
	sec.text = malloc(size + 1);
	if (!sec.text)
		return;
	memcpy(sec.text, data, size);
	sec.text[size] = '\0';
	memset(&ft, 0, sizeof ft);
	ft.sections = &sec;
	ft.n_sections = 1;
	for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
		char *ex = pb_fulltext_excerpt(&ft, budgets[i]);

		if (ex && (strlen(ex) > (size_t)budgets[i] * 4 || !pb_utf8_valid(ex, strlen(ex))))
			abort();
		free(ex);
	}
	free(sec.text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_fulltext ft, back;
	char why[256], *json, *ex;
	size_t text = 0;

	excerpt_direct(data, size);
	if (pb_fulltext_from_html((const char *)data, size, "https://arxiv.org/html/2401.00001v1",
				  &ft, why, sizeof why) < 0) {
		if (ft.n_sections || ft.n_figures || !why[0])
			abort();
		return 0;
	}
	if (ft.n_sections > FT_MAX_SECTIONS || ft.n_figures > FT_MAX_FIGURES ||
	    ft.n_tables > FT_MAX_TABLES || ft.n_links > FT_MAX_LINKS ||
	    ft.n_affiliations > FT_MAX_AFFILIATIONS)
		abort();
	for (size_t i = 0; i < ft.n_sections; i++) {
		if (!ft.sections[i].text)
			abort();
		text += strlen(ft.sections[i].text);
	}
	if (text > FT_MAX_TEXT)
		abort();
	for (size_t i = 0; i < ft.n_figures; i++)
		check_url(ft.figures[i].image_url);
	for (size_t i = 0; i < ft.n_links; i++) {
		check_url(ft.links[i]);
		if (!ft_code_link(ft.links[i]))
			abort();
	}
	json = pb_fulltext_to_json(&ft);
	if (pb_fulltext_from_json(json, strlen(json), &back) < 0 || back.n_sections != ft.n_sections)
		abort();
	ex = pb_fulltext_excerpt(&ft, 64);
	if (ex && (strlen(ex) > 64 * 4 || !pb_utf8_valid(ex, strlen(ex))))
		abort();
	free(ex);
	free(json);
	pb_fulltext_clear(&back);
	pb_fulltext_clear(&ft);
	return 0;
}
