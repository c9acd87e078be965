/* The values of analysis.txt's placeholders for one paper: its metadata and, when the run
 * read its full text, a bounded excerpt of it. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/fulltext.h"
#include "paperboy/llm.h"
#include "summarize_int.h"

void
pb_analysis_vars_init(struct pb_analysis_vars *a, const struct pb_paper *p, const char *lang,
		      const char *key, const struct pb_fulltext *ft, int excerpt_tokens)
{
	const char **v = a->v;

	memset(a, 0, sizeof *a);
	for (size_t i = 0; i < p->n_authors && i < 30; i++)
		pb_buf_printf(&a->authors, "%s%s", i ? ", " : "",
			      p->authors[i].name ? p->authors[i].name : "");
	if (pb_paper_n_authors(p) > 30)
		pb_buf_printf(&a->authors, " and %zu more", pb_paper_n_authors(p) - 30);
	for (size_t i = 0; i < p->n_categories; i++)
		pb_buf_printf(&a->cats, "%s%s", i ? ", " : "",
			      p->categories[i] ? p->categories[i] : "");
	if (ft) {
		/* a config built by hand (tests, tools) may leave the budget unset */
		char *ex = pb_fulltext_excerpt(ft, excerpt_tokens > 0 ? excerpt_tokens : 3000);

		if (ex && *ex)
			pb_buf_printf(&a->fulltext, "Excerpts of the full text (%s):\n\n%s",
				      ft->source && strcmp(ft->source, "pdf") == 0 ? "PDF" : "HTML",
				      ex);
		free(ex);
	}
	*v++ = "language";
	*v++ = pb_language_name(lang);
	*v++ = "title";
	*v++ = p->title ? p->title : "";
	*v++ = "authors";
	*v++ = pb_buf_str(&a->authors);
	*v++ = "categories";
	*v++ = pb_buf_str(&a->cats);
	*v++ = "abstract";
	*v++ = p->abstract ? p->abstract : "";
	*v++ = "id";
	*v++ = key;
	*v++ = "published";
	*v++ = p->published ? p->published : "";
	*v++ = "comment";
	*v++ = p->comment ? p->comment : "";
	*v++ = "fulltext";
	*v++ = pb_buf_str(&a->fulltext);
	*v = NULL;
}

void
pb_analysis_vars_free(struct pb_analysis_vars *a)
{
	pb_buf_free(&a->authors);
	pb_buf_free(&a->cats);
	pb_buf_free(&a->fulltext);
}
