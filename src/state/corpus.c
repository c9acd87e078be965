/* The corpus (recent papers' text, for ranking) and the papers of liked authors. Statements
 * are prepared per call: they run once per paper of a day at most, and keeping them out of the
 * shared statement table leaves that table to the modules that run hot. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/state.h"
#include "state_internal.h"

/* Authors are kept one per line (names never hold a newline: paper.h normalises whitespace),
 * categories separated by spaces (they never hold one). */
static char *
join_authors(const struct pb_paper *p)
{
	struct pb_buf b = { 0 };

	for (size_t i = 0; i < p->n_authors; i++) {
		if (i)
			pb_buf_putc(&b, '\n');
		pb_buf_puts(&b, p->authors[i].name ? p->authors[i].name : "");
	}
	return pb_buf_detach(&b);
}

static char *
join_categories(const struct pb_paper *p)
{
	struct pb_buf b = { 0 };

	for (size_t i = 0; i < p->n_categories; i++) {
		if (i)
			pb_buf_putc(&b, ' ');
		pb_buf_puts(&b, p->categories[i]);
	}
	return pb_buf_detach(&b);
}

static void
split_authors(const char *s, struct pb_paper *p)
{
	while (s && *s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n) {
			p->authors = pb_xreallocarray(p->authors, p->n_authors + 1,
						      sizeof *p->authors);
			memset(&p->authors[p->n_authors], 0, sizeof *p->authors);
			p->authors[p->n_authors++].name = pb_xstrndup(s, n);
		}
		s = e ? e + 1 : NULL;
	}
}

static void
split_categories(const char *s, struct pb_paper *p)
{
	while (s && *s) {
		const char *e = strchr(s, ' ');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n) {
			p->categories = pb_xreallocarray(p->categories, p->n_categories + 1,
							 sizeof *p->categories);
			p->categories[p->n_categories++] = pb_xstrndup(s, n);
		}
		s = e ? e + 1 : NULL;
	}
}

/* Steps a statement without rows and finalizes it. Returns the rows changed or -1. */
static int
run_once(struct pb_state *st, pb_db_stmt *s, const char *op)
{
	int rc;

	if (!s)
		return -1;
	rc = pb_db_step(s);
	pb_db_finalize(s);
	if (rc != PB_DB_DONE) {
		pb_st_error(st, op);
		return -1;
	}
	return pb_db_changes(st->db);
}

int
pb_corpus_put(struct pb_state *st, const struct pb_paper *p, const char *date)
{
	pb_db_stmt *s;
	char *authors, *cats;
	int rc;

	if (!p || !p->id || !date) {
		pb_st_fail(st, "corpus put", "a paper without id or date");
		return -1;
	}
	/* one statement for the day's papers (S_CORPUS_PUT) */
	if (!(s = pb_st_stmt(st, S_CORPUS_PUT)))
		return -1;
	authors = join_authors(p);
	cats = join_categories(p);
	pb_st_bind_text(s, 1, p->id);
	pb_db_bind_int(s, 2, p->version);
	pb_st_bind_text(s, 3, date);
	pb_st_bind_text(s, 4, p->title);
	pb_st_bind_text(s, 5, p->abstract);
	pb_st_bind_text(s, 6, authors);
	pb_st_bind_text(s, 7, cats);
	pb_st_bind_text(s, 8, pb_announce_name(p->announce));
	pb_db_bind_int64(s, 9, pb_now());
	rc = pb_st_run(st, s, "corpus put");
	free(authors);
	free(cats);
	return rc < 0 ? -1 : 0;
}

#define CORPUS_COLS "id, version, date, title, abstract, authors, categories, announce"

static void
row_paper(pb_db_stmt *s, struct pb_paper *out)
{
	const char *a = pb_db_col_text(s, 5);
	const char *c = pb_db_col_text(s, 6);
	const char *ann = pb_db_col_text(s, 7);

	memset(out, 0, sizeof *out);
	out->id = pb_st_col_dup(s, 0);
	out->version = pb_db_col_int(s, 1);
	out->title = pb_st_col_dup(s, 3);
	out->abstract = pb_st_col_dup(s, 4);
	split_authors(a, out);
	split_categories(c, out);
	out->announce = ann ? pb_announce_parse(ann) : PB_ANN_UNKNOWN;
}

int
pb_corpus_get(struct pb_state *st, const char *id, struct pb_paper *out, char *date)
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT " CORPUS_COLS ", status FROM corpus WHERE id = ?1",
				  "corpus get");
	int rc = -1, step;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, id);
	step = pb_db_step(s);
	if (step == PB_DB_DONE) {
		rc = 0;
	} else if (step != PB_DB_ROW) {
		pb_st_error(st, "corpus get");
	} else if (strcmp(pb_db_col_text(s, 8), "ok") != 0) {
		rc = 2;
	} else {
		row_paper(s, out);
		if (date)
			pb_st_col_copy(s, 2, date, 16);
		rc = 1;
	}
	pb_db_finalize(s);
	return rc;
}

int
pb_corpus_status(struct pb_state *st, const char *id, char status[16])
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT status FROM corpus WHERE id = ?1", "corpus status");
	int rc = -1, step;

	status[0] = '\0';
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, id);
	step = pb_db_step(s);
	if (step == PB_DB_ROW) {
		pb_st_col_copy(s, 0, status, 16);
		rc = 1;
	} else if (step == PB_DB_DONE) {
		rc = 0;
	} else {
		pb_st_error(st, "corpus status");
	}
	pb_db_finalize(s);
	return rc;
}

int
pb_corpus_mark(struct pb_state *st, const char *id, const char *status)
{
	char today[32];
	int64_t now = pb_now();
	pb_db_stmt *s;

	if (!status || (strcmp(status, "missing") != 0 && strcmp(status, "withdrawn") != 0)) {
		pb_st_fail(st, "corpus mark", "status is neither missing nor withdrawn");
		return -1;
	}
	/* Dated today, so the id is asked again once the mark is pruned. */
	pb_format_instant(now, today, sizeof today);
	today[10] = '\0';
	s = pb_st_prepare(st, "INSERT INTO corpus(id, version, date, status, added)"
			" VALUES(?1, 0, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE"
			" SET status = excluded.status, date = excluded.date", "corpus mark");
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, id);
	pb_st_bind_text(s, 2, today);
	pb_st_bind_text(s, 3, status);
	pb_db_bind_int64(s, 4, now);
	return run_once(st, s, "corpus mark") < 0 ? -1 : 0;
}

int
pb_corpus_each(struct pb_state *st, const char *since,
	       int (*fn)(void *ctx, const struct pb_paper *p, const char *date), void *ctx)
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT " CORPUS_COLS " FROM corpus WHERE status = 'ok'"
				      " AND (CAST(?1 AS TEXT) IS NULL OR date >= ?1) ORDER BY date, id",
				  "corpus each");
	int rc = 0, step;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, since);
	while ((step = pb_db_step(s)) == PB_DB_ROW) {
		struct pb_paper p;
		char date[16];

		row_paper(s, &p);
		pb_st_col_copy(s, 2, date, sizeof date);
		rc = fn(ctx, &p, date);
		pb_paper_free(&p);
		if (rc)
			break;
	}
	if (!rc && step != PB_DB_DONE) {
		pb_st_error(st, "corpus each");
		rc = -1;
	}
	pb_db_finalize(s);
	return rc;
}

int
pb_corpus_prune(struct pb_state *st, const char *before)
{
	pb_db_stmt *s = pb_st_prepare(st, "DELETE FROM corpus WHERE date < ?1", "corpus prune");

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, before);
	return run_once(st, s, "corpus prune");
}

/* ---- liked authors' papers ----
 * An author looked up is kept with a row whose paper_id is "" (so an author with no paper is
 * not asked again), beside one row per paper found. */

int
pb_author_papers_put(struct pb_state *st, const char *author, const char *const *ids, size_t n)
{
	int64_t now = pb_now();
	int rc = -1;

	for (size_t i = 0; i <= n; i++) {
		pb_db_stmt *s = pb_st_prepare(st, "INSERT INTO author_papers(author, paper_id, fetched)"
					      " VALUES(?1, ?2, ?3) ON CONFLICT(author, paper_id) DO UPDATE"
					      " SET fetched = excluded.fetched",
					  "author papers put");

		if (!s)
			goto out;
		pb_st_bind_text(s, 1, author);
		pb_st_bind_text(s, 2, i < n ? ids[i] : "");
		pb_db_bind_int64(s, 3, now);
		if (run_once(st, s, "author papers put") < 0)
			goto out;
	}
	rc = 0;
out:
	return rc;
}

int
pb_author_papers_looked_up(struct pb_state *st, const char *author)
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT 1 FROM author_papers WHERE author = ?1 AND"
				      " paper_id = ''", "author papers looked up");

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, author);
	switch (pb_db_step(s)) {
	case PB_DB_ROW:
		pb_db_finalize(s);
		return 1;
	case PB_DB_DONE:
		pb_db_finalize(s);
		return 0;
	default:
		pb_db_finalize(s);
		pb_st_error(st, "author papers looked up");
		return -1;
	}
}

int
pb_author_papers_get(struct pb_state *st, const char *author, char ***ids, size_t *n)
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT paper_id FROM author_papers WHERE author = ?1 AND"
				      " paper_id <> '' ORDER BY paper_id", "author papers get");
	int rc;

	*ids = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, author);
	rc = pb_st_col_list(st, s, "author papers get", ids, n);
	pb_db_finalize(s);
	return rc;
}

int
pb_author_papers_prune(struct pb_state *st, int64_t before)
{
	pb_db_stmt *s = pb_st_prepare(st, "DELETE FROM author_papers WHERE author IN"
				      " (SELECT author FROM author_papers WHERE paper_id = ''"
				      " AND fetched < ?1)", "author papers prune");

	if (!s)
		return -1;
	pb_db_bind_int64(s, 1, before);
	return run_once(st, s, "author papers prune");
}
