/* Prints, as Markdown, the built-in key findings of real papers with and without their full
 * text: for each arXiv HTML page given, the abstract (the page's own) and its findings, then
 * the findings with the full text, and how many of each carry a result number; a summary
 * table first. For the note; nothing here is asserted.
 *
 * Usage: findings_table PAGE.html... (a page's name, less .html, is its arXiv id) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/fulltext.h"
#include "paperboy/summarize.h"

#define MAX_FINDINGS 4

struct row {
	char id[64];
	char **abs, **ft;
	size_t n_abs, n_ft, num_abs, num_ft, from_results, in_abstract;
	int ok;
	char why[300];
};

/* One line of a table cell: no pipes, no newlines. */
static void
cell(struct pb_buf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && n < max; s++, n++) {
		if (*s == '|')
			pb_buf_puts(b, "\\|");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			pb_buf_putc(b, ' ');
		else
			pb_buf_putc(b, *s);
	}
	if (*s) {
		while (((unsigned char)*s & 0xC0) == 0x80)   /* end the character */
			pb_buf_putc(b, *s++);
		pb_buf_puts(b, "…");
	}
}

/* Is s in the text of a results, discussion or conclusion section? */
static int
in_results(const struct pb_fulltext *ft, const char *s)
{
	for (size_t i = 0; i < ft->n_sections; i++) {
		enum pb_ft_kind k = ft->sections[i].kind;

		if ((k == PB_FT_RESULTS || k == PB_FT_DISCUSSION || k == PB_FT_CONCLUSION) &&
		    ft->sections[i].text && strstr(ft->sections[i].text, s))
			return 1;
	}
	return 0;
}

static void
one(const char *path, struct row *r)
{
	char *data = NULL, err[256], why[256] = "";
	size_t len;
	struct pb_fulltext ft;
	const char *abstract = NULL, *base = strrchr(path, '/');
	struct pb_buf url = { 0 };

	memset(r, 0, sizeof *r);
	base = base ? base + 1 : path;
	/* the arXiv id in the name: "arxiv-2501.11120v1.html", "2510.14362v1.html" */
	while (*base && !(base[0] >= '0' && base[0] <= '9' && base[4] == '.'))
		base++;
	snprintf(r->id, sizeof r->id, "%.*s", (int)strcspn(base, "_-h"), base);
	if (strlen(r->id) > 0 && r->id[strlen(r->id) - 1] == '.')
		r->id[strlen(r->id) - 1] = '\0';
	if (pb_read_file(path, &data, &len, err, sizeof err) < 0) {
		snprintf(r->why, sizeof r->why, "%s", err);
		return;
	}
	pb_buf_printf(&url, "https://arxiv.org/html/%s/", r->id);
	if (pb_fulltext_from_html(data, len, url.data, &ft, why, sizeof why) < 0) {
		snprintf(r->why, sizeof r->why, "%s", why);
		free(data);
		pb_buf_free(&url);
		return;
	}
	for (size_t i = 0; i < ft.n_sections; i++)
		if (ft.sections[i].kind == PB_FT_ABSTRACT && ft.sections[i].text) {
			abstract = ft.sections[i].text;
			break;
		}
	if (!abstract) {
		snprintf(r->why, sizeof r->why, "no abstract in the page");
	} else {
		r->ok = 1;
		r->n_abs = pb_key_findings(abstract, MAX_FINDINGS, &r->abs);
		r->n_ft = pb_key_findings_ft(abstract, &ft, MAX_FINDINGS, &r->ft);
		for (size_t k = 0; k < r->n_abs; k++)
			r->num_abs += pb_finding_has_number(r->abs[k]);
		for (size_t k = 0; k < r->n_ft; k++) {
			int res = in_results(&ft, r->ft[k]);

			r->from_results += res;
			r->in_abstract += strstr(abstract, r->ft[k]) != NULL;
			r->num_ft += res && pb_finding_has_number(r->ft[k]);
		}
	}
	pb_fulltext_clear(&ft);
	free(data);
	pb_buf_free(&url);
}

int
main(int argc, char **argv)
{
	struct row *rows;
	struct pb_buf b = { 0 };
	size_t papers = 0, n_abs = 0, n_ft = 0, num_abs = 0, num_ft = 0, with_num_abs = 0,
	       with_num_ft = 0, in_abstract = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: findings_table PAGE.html...\n");
		return 2;
	}
	rows = calloc((size_t)argc, sizeof *rows);
	if (!rows)
		return 1;
	for (int i = 1; i < argc; i++)
		one(argv[i], &rows[i - 1]);

	pb_buf_puts(&b, "| paper | findings without the full text (with a number) | findings with "
		       "the full text (from results/conclusion, with a number from them) | first "
		       "finding with the full text |\n|---|---|---|---|\n");
	for (int i = 0; i < argc - 1; i++) {
		struct row *r = &rows[i];

		pb_buf_printf(&b, "| [%s](https://arxiv.org/abs/%s) | ", r->id, r->id);
		if (!r->ok) {
			pb_buf_puts(&b, "- | - | not read: ");
			cell(&b, r->why, 100);
			pb_buf_puts(&b, " |\n");
			continue;
		}
		papers++;
		n_abs += r->n_abs;
		n_ft += r->n_ft;
		num_abs += r->num_abs;
		num_ft += r->num_ft;
		with_num_abs += r->num_abs > 0;
		with_num_ft += r->num_ft > 0;
		in_abstract += r->in_abstract;
		pb_buf_printf(&b, "%zu (%zu) | %zu (%zu, %zu) | ", r->n_abs, r->num_abs, r->n_ft,
			      r->from_results, r->num_ft);
		cell(&b, r->n_ft ? r->ft[0] : "-", 160);
		pb_buf_puts(&b, " |\n");
	}
	pb_buf_printf(&b, "| **%zu papers** | %zu (%zu); %zu papers with a number | %zu (%zu from "
		      "results); %zu papers with a number; %zu said by the abstract | |\n\n", papers,
		      n_abs, num_abs, with_num_abs, n_ft, num_ft, with_num_ft, in_abstract);

	/* every paper's findings in full */
	for (int i = 0; i < argc - 1; i++) {
		struct row *r = &rows[i];

		if (!r->ok)
			continue;
		pb_buf_printf(&b, "### %s\n\nWithout the full text:\n\n", r->id);
		for (size_t k = 0; k < r->n_abs; k++) {
			pb_buf_printf(&b, "- %s", pb_finding_has_number(r->abs[k]) ? "[n] " : "");
			cell(&b, r->abs[k], 1000);
			pb_buf_putc(&b, '\n');
		}
		pb_buf_puts(&b, "\nWith the full text:\n\n");
		for (size_t k = 0; k < r->n_ft; k++) {
			pb_buf_printf(&b, "- %s", pb_finding_has_number(r->ft[k]) ? "[n] " : "");
			cell(&b, r->ft[k], 1000);
			pb_buf_putc(&b, '\n');
		}
		pb_buf_putc(&b, '\n');
	}
	fwrite(b.data, 1, b.len, stdout);
	pb_buf_free(&b);
	for (int i = 0; i < argc - 1; i++) {
		pb_sentences_free(rows[i].abs, rows[i].n_abs);
		pb_sentences_free(rows[i].ft, rows[i].n_ft);
	}
	free(rows);
	return fflush(stdout) == 0 ? 0 : 1;
}
