/* paperboy fetch: prints one announcement's papers (a table, or JSON lines with --json) and a
 * summary line with counts by announce type on stderr (stdout stays machine-readable). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/categories.h"
#include "paperboy/escape.h"
#include "paperboy/cli.h"
#include "paperboy/config.h"
#include "paperboy/fetch.h"
#include "paperboy/papers.h"
#include "paperboy/render.h"
#include "paperboy/log.h"

#define TITLE_COLS 70

static void
usage(FILE *f)
{
	pb_cli_usage(f, "fetch");
}

/* Appends s cut to at most cols terminal columns (pb_text_width: a CJK character takes two, a
 * combining mark none and stays with its letter), "..." when cut. */
static void
put_cut(struct pb_buf *b, const char *s, size_t cols)
{
	size_t len, i = 0, w = 0;

	if (!s)
		return;
	len = strlen(s);
	if (pb_text_width(s, len) <= cols) {
		pb_buf_append(b, s, len);
		return;
	}
	while (i < len) {
		size_t k = 1, cw;

		while (s[i + k] && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k++;
		cw = pb_text_width(s + i, k);
		if (w + cw > cols - 3)
			break;
		pb_buf_append(b, s + i, k);
		w += cw;
		i += k;
	}
	pb_buf_puts(b, "...");
}

/* One table line: feed text on a terminal, so no controls, no bidi overrides, one line. */
static void
put_table_line(struct pb_buf *b, const struct pb_paper *p)
{
	char *id, *cat, *title;

	id = pb_text_clean_dup(p->id ? p->id : "?", PB_CLEAN_ONE_LINE);
	cat = pb_text_clean_dup(p->n_categories ? p->categories[0] : "-", PB_CLEAN_ONE_LINE);
	title = pb_text_clean_dup(p->title, PB_CLEAN_ONE_LINE);
	pb_buf_printf(b, "%-18s v%-2d %-13s %-17s ", id, p->version,
		      pb_announce_name(p->announce), cat);
	put_cut(b, title, TITLE_COLS);
	pb_buf_putc(b, '\n');
	free(id);
	free(cat);
	free(title);
}

/* Where the lines go. A saved feed is read as a stream, each record written (to a buffer of
 * OUT_BATCH, then on) and freed as it comes, yet a broken body still prints nothing, as the
 * whole-set path never did: stdout, a regular file, is cut back to its length at the start;
 * a pipe, a socket or a terminal gets the lines only at the end, kept until then in memory up
 * to SPOOL_MEM and beyond that in an unlinked temporary file; another character device
 * (/dev/null) gets them as they come. */
#define OUT_BATCH (256 * 1024)
#define SPOOL_MEM (1024 * 1024)

enum out_mode {
	OUT_DIRECT,     /* straight to stdout: the whole set (known sound), or /dev/null */
	OUT_FILE,       /* streaming into a regular file, cut back to start on failure */
	OUT_SPOOL,      /* streaming, held back until the document is known sound */
};

struct out {
	enum out_mode mode;
	int json;
	off_t start;            /* OUT_FILE: the file's length when streaming began */
	FILE *spool;            /* OUT_SPOOL beyond SPOOL_MEM */
	struct pb_buf b;        /* lines not written yet */
	size_t counts[5], shown;
	const char *no_spool;   /* why the spool failed (the whole set is read instead) */
	int werr;               /* a write failed */
};

/* Writes what the buffer holds to stdout or the spool (a spool within SPOOL_MEM stays in
 * memory). Returns 0, or -1 (werr or no_spool set). */
static int
out_flush(struct out *o)
{
	FILE *f = stdout;

	if (o->mode == OUT_SPOOL) {
		if (!o->spool && o->b.len < SPOOL_MEM)
			return 0;
		if (!o->spool && !(o->spool = tmpfile())) {
			o->no_spool = strerror(errno);
			return -1;
		}
		f = o->spool;
	}
	if (o->b.len && fwrite(o->b.data, 1, o->b.len, f) != o->b.len) {
		o->werr = 1;
		return -1;
	}
	pb_buf_reset(&o->b);
	return 0;
}

static int
out_paper(struct out *o, const struct pb_paper *p)
{
	if (o->json) {
		pb_paper_json_append(&o->b, p);
		pb_buf_putc(&o->b, '\n');
	} else {
		put_table_line(&o->b, p);
	}
	o->shown++;
	o->counts[(unsigned)p->announce < 5 ? p->announce : 0]++;
	return o->b.len >= OUT_BATCH ? out_flush(o) : 0;
}

/* The record handler of the streaming path (pb_papers_load_each). */
static int
stream_paper(void *ud, struct pb_paper *p)
{
	return out_paper(ud, p);
}

/* Chooses how to stream into stdout (nothing is written yet). */
static void
out_begin(struct out *o)
{
	struct stat st;
	off_t at;
	int fl;

	o->mode = OUT_SPOOL;
	if (fflush(stdout) != 0 || fstat(STDOUT_FILENO, &st) != 0)
		return;
	if (S_ISCHR(st.st_mode) && !isatty(STDOUT_FILENO)) {
		/* /dev/null: nobody reads it, nothing to take back. */
		o->mode = OUT_DIRECT;
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	fl = fcntl(STDOUT_FILENO, F_GETFL);
	at = fl >= 0 && (fl & O_APPEND) ? st.st_size : lseek(STDOUT_FILENO, 0, SEEK_CUR);
	/* Only at the file's end: cutting back must not take what was there before. */
	if (at >= 0 && at == st.st_size) {
		o->mode = OUT_FILE;
		o->start = at;
	}
}

/* Forgets what was written: the document was broken or the whole set must be read. Returns
 * 0, or -1 when stdout could not be cut back (it may hold part of the answer). */
static int
out_discard(struct out *o)
{
	pb_buf_reset(&o->b);
	if (o->spool)
		fclose(o->spool);
	o->spool = NULL;
	memset(o->counts, 0, sizeof o->counts);
	o->shown = 0;
	if (o->mode != OUT_FILE)
		return 0;
	fflush(stdout);
	clearerr(stdout);
	if (ftruncate(STDOUT_FILENO, o->start) != 0 || fseeko(stdout, o->start, SEEK_SET) != 0)
		return -1;
	return 0;
}

/* The document was sound: everything reaches stdout. Returns 0 or -1 (a write failed). */
static int
out_end(struct out *o)
{
	if (o->spool) {
		char chunk[65536];
		size_t n;

		if (out_flush(o) != 0 || fflush(o->spool) != 0 || fseeko(o->spool, 0, SEEK_SET) != 0)
			o->werr = 1;
		while (!o->werr && (n = fread(chunk, 1, sizeof chunk, o->spool)) > 0)
			if (fwrite(chunk, 1, n, stdout) != n)
				o->werr = 1;
		if (ferror(o->spool))
			o->werr = 1;
	} else if (o->b.len && fwrite(o->b.data, 1, o->b.len, stdout) != o->b.len) {
		o->werr = 1;
	}
	pb_buf_reset(&o->b);
	if (fflush(stdout) != 0 || ferror(stdout))
		o->werr = 1;
	return o->werr ? -1 : 0;
}

static void
out_free(struct out *o)
{
	if (o->spool)
		fclose(o->spool);
	pb_buf_free(&o->b);
}

/* Whether the saved feed can be read a second time (a repeated id needs the whole set): a
 * regular file, by name or on stdin; *in0 gets stdin's offset. */
static int
rereadable(const char *feed, off_t *in0)
{
	struct stat st;

	if (strcmp(feed, "-") != 0)
		return stat(feed, &st) == 0 && S_ISREG(st.st_mode);
	if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	*in0 = lseek(STDIN_FILENO, 0, SEEK_CUR);
	return *in0 >= 0;
}

/* The streaming path for a saved feed. Returns the exit code, or -1 when the whole set must
 * be read instead (nothing is left on stdout then; the parser's warnings about the records
 * before the repeated id come again with the second reading). */
static int
fetch_streamed(const struct pb_config *cfg, struct pb_papers_req *rq, struct out *o,
	       struct pb_paperset *set, struct pb_fetch_result *res)
{
	off_t in0 = 0;

	if (!rereadable(rq->feed, &in0))
		return -1;
	out_begin(o);
	pb_papers_load_each(cfg, rq, stream_paper, o, set, res);
	if (rq->repeated_id || o->no_spool) {
		pb_debug("fetch.whole_set", "feed=%s reason=%s", pb_q(rq->feed),
			 pb_q(rq->repeated_id ? "an id listed twice: its records merge" :
			      o->no_spool));
		if (out_discard(o) != 0) {
			fprintf(stderr, "paperboy: fetch: cannot take back the output written: %s\n",
				strerror(errno));
			return EX_IOERR;
		}
		if (strcmp(rq->feed, "-") == 0) {
			clearerr(stdin);
			if (fseeko(stdin, in0, SEEK_SET) != 0) {
				fprintf(stderr, "paperboy: fetch: cannot read stdin again: %s\n",
					strerror(errno));
				return EX_IOERR;
			}
		}
		pb_paperset_free(set);
		pb_paperset_init(set);
		return -1;
	}
	if (o->werr) {
		out_discard(o);
		fprintf(stderr, "paperboy: fetch: writing the output failed\n");
		return EX_IOERR;
	}
	if (res->status != PB_FETCH_OK && out_discard(o) != 0)
		fprintf(stderr, "paperboy: fetch: cannot take back the output written: %s\n",
			strerror(errno));
	return pb_cli_papers_outcome(rq, res);
}

int
pb_cmd_fetch(int argc, char **argv, const char *config_path)
{
	char **cats = NULL;
	size_t n_cats = 0;
	const char *date = NULL, *feed = NULL;
	int json = 0, rc = EX_OK;
	struct pb_config *cfg = NULL;
	struct pb_papers_req rq = { 0 };
	struct pb_paperset set;
	struct pb_fetch_result res;
	struct out o = { 0 };
	size_t *counts, shown;

	pb_paperset_init(&set);
	memset(&res, 0, sizeof res);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if ((strcmp(a, "--category") == 0 || strcmp(a, "--date") == 0 ||
			    strcmp(a, "--feed") == 0) && i + 1 < argc) {
			const char *v = argv[++i];

			if (a[2] == 'c') {
				/* arXiv reads "cs.lg" as cs.LG (its feeds and its query API
				 * alike); so does the selection of a saved feed and the date
				 * query's new/cross, which compare codes as written. */
				const char *sp = pb_category_spelling(v);
				char why[256];

				/* one arXiv does not have would fetch nothing, or an error feed */
				if (!sp && pb_config_check_category(v, why, sizeof why) < 0) {
					fprintf(stderr, "paperboy: fetch: --category %s: %s\n", v,
						why);
					rc = EX_USAGE;
					goto out;
				}
				cats = pb_xreallocarray(cats, n_cats + 1, sizeof *cats);
				cats[n_cats++] = (char *)(sp ? sp : v);
			} else if (a[2] == 'd') {
				date = v;
			} else {
				feed = v;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			goto out;
		} else {
			rc = pb_cli_bad_arg("fetch", a);
			goto out;
		}
	}
	if (date && pb_cli_date_arg("fetch", date) < 0) {
		rc = EX_USAGE;
		goto out;
	}
	if (feed && date) {
		fprintf(stderr, "paperboy: fetch: --feed and --date exclude each other\n");
		rc = EX_USAGE;
		goto out;
	}

	/* A saved response needs no config; a readable one is still loaded (it sets the log level
	 * and the categories, and a broken one is reported rather than ignored). */
	if (!feed || (config_path && access(config_path, R_OK) == 0)) {
		cfg = pb_cli_load_config(config_path);
		if (!cfg) {
			rc = EX_CONFIG;
			goto out;
		}
	}
	rq.feed = feed;
	rq.date = date;
	rq.categories = (const char *const *)cats;
	rq.n_categories = n_cats;
	o.json = json;
	rc = feed ? fetch_streamed(cfg, &rq, &o, &set, &res) : -1;
	if (rc < 0) {
		o.mode = OUT_DIRECT;
		rc = pb_cli_load_papers(cfg, &rq, &set, &res);
		for (size_t i = 0; rc == 0 && i < set.n; i++) {
			if (out_paper(&o, &set.v[i]) != 0)
				break;
			/* Written: its memory can go now rather than at the end. */
			pb_paper_free(&set.v[i]);
		}
	}
	if (rc != 0)
		goto out;
	if (res.status == PB_FETCH_NO_ANNOUNCEMENT) {
		fprintf(stderr, "paperboy: no announcement%s%s\n", res.message[0] &&
			strcmp(res.message, "no announcement") ? ": " : "",
			strcmp(res.message, "no announcement") ? res.message : "");
		goto out;
	}
	if (out_end(&o) != 0) {
		fprintf(stderr, "paperboy: fetch: writing the output failed\n");
		rc = EX_IOERR;
		goto out;
	}
	shown = o.shown;
	counts = o.counts;
	fprintf(stderr, "papers=%zu new=%zu cross=%zu replace=%zu replace-cross=%zu", shown,
		counts[PB_ANN_NEW], counts[PB_ANN_CROSS], counts[PB_ANN_REPLACE],
		counts[PB_ANN_REPLACE_CROSS]);
	if (counts[PB_ANN_UNKNOWN])
		fprintf(stderr, " unknown=%zu", counts[PB_ANN_UNKNOWN]);
	if (res.n_skipped)
		fprintf(stderr, " skipped=%zu", res.n_skipped);
	if (res.n_repaired)
		fprintf(stderr, " repaired=%zu", res.n_repaired);
	if (set.announce_date)
		fprintf(stderr, " date=%s", set.announce_date);
	fprintf(stderr, "\n");
	if (feed && rq.n_outside) {
		const char *const *c = rq.n_categories ? rq.categories
				       : (const char *const *)cfg->arxiv.categories;
		size_t n = rq.n_categories ? rq.n_categories : cfg->arxiv.n_categories;

		fprintf(stderr, "paperboy: %zu papers of the feed list none of", rq.n_outside);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s %s", i ? "," : "", c[i]);
		fprintf(stderr, " (%s): left out, as arXiv's own feed for them would leave them\n",
			rq.n_categories ? "--category" : "arxiv.categories");
	}
out:
	out_free(&o);
	pb_paperset_free(&set);
	pb_config_free(cfg);
	free(cats);
	return rc;
}
