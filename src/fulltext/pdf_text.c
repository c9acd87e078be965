/* Sections from a PDF's extracted text: the headings papers print ("1 Introduction",
 * "4. Experiments", "V. CONCLUSION", "Conclusion"), paragraphs joined across line breaks
 * and hyphens, captions, code links. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ft_int.h"
#include "paperboy/hash.h"

#define LINE_MAX_BYTES 4096

struct tx {
	struct ftb *b;
	struct pb_buf para;          /* the paragraph being joined */
	struct pb_buf front;         /* text before the first heading, kept until one comes */
	int seen_heading;
	int last_num;                /* number of the last numbered section heading */
	int last_roman;
	int last_letter;             /* 'A'.. of the last appendix heading after the references */
	const char *next;            /* the next non-blank line (for a look ahead), or NULL */
	size_t next_len;
	size_t next2_len;            /* and the one after it: 0 when none */
	int skipping;                /* in the references */
	int caption;                 /* 1 figure, 2 table: the paragraph is a caption */
	size_t width;                /* longest line seen: a shorter line ending a sentence
				      * ends its paragraph */
	size_t prev_len;
	const uint64_t *hyphened;    /* the words written with a hyphen inside a line, hashed */
	size_t n_hyphened;
};

static const char *const known[] = {
	"abstract", "introduction", "related work", "related works", "background",
	"preliminaries", "method", "methods", "methodology", "approach", "experiments",
	"experimental results", "experimental setup", "results", "evaluation", "discussion",
	"limitations", "conclusion", "conclusions", "conclusion and future work",
	"conclusions and future work", "future work", "summary", "acknowledgments",
	"acknowledgements", "acknowledgment", "acknowledgement", "references", "bibliography",
	"appendix", "supplementary material", "related literature", "broader impact",
};

static int
roman(const char *s, size_t n)
{
	static const char *const r[] = { "I", "II", "III", "IV", "V", "VI", "VII", "VIII",
					 "IX", "X", "XI", "XII" };

	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
		if (strlen(r[i]) == n && strncmp(s, r[i], n) == 0)
			return (int)i + 1;
	return 0;
}

/* A heading's title: a few words, starting with a capital, no sentence end, few digits. */
static int
title_like(const char *t, size_t n)
{
	size_t words = 0, digits = 0, alpha = 0;

	static const char *const starts[] = { "We ", "In this ", "This ", "These ",
					      "It ", "They ", "Here ", "There ", "As ", "For " };

	if (n < 3 || n > 80 || !isupper((unsigned char)t[0]))
		return 0;
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
		if (n >= strlen(starts[i]) && strncmp(t, starts[i], strlen(starts[i])) == 0)
			return 0;
	if (memchr(t, ';', n))
		return 0;
	if (t[n - 1] == '.' || t[n - 1] == ',' || t[n - 1] == ';' || t[n - 1] == '=')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (isdigit((unsigned char)t[i]))
			digits++;
		if (isalpha((unsigned char)t[i]))
			alpha++;
		if (t[i] == ' ' && i + 1 < n && t[i + 1] != ' ')
			words++;
	}
	return words < 10 && digits * 4 < n && alpha * 2 >= n;
}

static int
is_known(const char *t, size_t n)
{
	while (n && (t[n - 1] == ':' || t[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i]) == n && strncasecmp(t, known[i], n) == 0)
			return 1;
	return 0;
}

/* The kind a heading of n bytes names (the line is not NUL-terminated). */
static enum pb_ft_kind
kind_of(const char *t, size_t n)
{
	char buf[96];
	size_t c = n < sizeof buf - 1 ? n : sizeof buf - 1;

	memcpy(buf, t, c);
	buf[c] = '\0';
	return ft_heading_kind(buf);
}

/* Text after a heading starts like a sentence or a subheading: a capital, a digit, a quote;
 * and an unnamed heading ("Method") is followed by prose, not by a table's next cell. */
static int
next_ok(const struct tx *x, int prose)
{
	unsigned char c;

	if (!x->next)
		return 1;
	c = (unsigned char)x->next[0];
	if (!(isupper(c) || isdigit(c) || c == '"' || c >= 0x80))
		return 0;
	/* "Experiments" / "Dataset" / "We use four datasets ...": a run-in subheading first. */
	return !prose || x->next_len >= 30 ||
	       ((x->prev_len == 0 || (x->para.len && strchr(".?!", x->para.data[x->para.len - 1]))) &&
		x->next_len < 30 && x->next2_len >= 30);
}

/* Is line a section heading? Fills *title (a pointer into line) and its length. */
static int
heading(struct tx *x, const char *l, size_t n, const char **title, size_t *tn)
{
	size_t i = 0;

	if (n > 90)
		return 0;
	if (is_known(l, n) &&
	    (next_ok(x, 1) || (n >= 10 && strncasecmp(l, "references", 10) == 0) ||
	     (n >= 12 && strncasecmp(l, "bibliography", 12) == 0))) {
		size_t k = n;

		while (k && (l[k - 1] == ':' || l[k - 1] == ' '))
			k--;
		/* A name already used is a table's column ("Method"), not a heading. */
		for (size_t i2 = 0; i2 < x->b->ft->n_sections; i2++) {
			const char *t = x->b->ft->sections[i2].title;

			if (t && strlen(t) == k && strncasecmp(t, l, k) == 0)
				return 0;
		}
		*title = l;
		*tn = k;
		return 1;
	}
	if (isdigit((unsigned char)l[0])) {
		int num = 0;

		while (i < n && isdigit((unsigned char)l[i]) && i < 2)
			num = num * 10 + (l[i++] - '0');
		if (i < n && l[i] == '.')
			i++;
		if (i >= n || l[i] != ' ')
			return 0;
		while (i < n && l[i] == ' ')
			i++;
		/* The next section in order, with a title, or a known name under any number. */
		if (title_like(l + i, n - i) && next_ok(x, 0) &&
		    (num == x->last_num + 1 || (num > x->last_num && num <= x->last_num + 2 &&
						kind_of(l + i, n - i) != PB_FT_OTHER) ||
		     is_known(l + i, n - i))) {
			x->last_num = num;
			*title = l + i;
			*tn = n - i;
			return 1;
		}
		return 0;
	}
	while (i < n && strchr("IVX", l[i]))
		i++;
	if (i && i < n && (l[i] == '.' || l[i] == ' ')) {
		int r = roman(l, i);

		if (l[i] == '.')
			i++;
		while (i < n && l[i] == ' ')
			i++;
		if (r && r == x->last_roman + 1 && title_like(l + i, n - i) && next_ok(x, 0)) {
			x->last_roman = r;
			*title = l + i;
			*tn = n - i;
			return 1;
		}
	}
	/* After the references: "A Proofs", "B. Additional results", "Appendix B ...". */
	if (x->skipping && n > 2 && l[0] == 'A' + x->last_letter && x->last_letter < 12 &&
	    (l[1] == ' ' || (l[1] == '.' && l[2] == ' ')) && next_ok(x, 0) &&
	    title_like(l + 2 + (l[1] == '.'), n - 2 - (l[1] == '.'))) {
		x->last_letter++;
		*title = l + 2 + (l[1] == '.');
		*tn = n - 2 - (l[1] == '.');
		while (*tn && **title == ' ')
			(*title)++, (*tn)--;
		return 2;
	}
	if (n > 9 && strncasecmp(l, "appendix ", 9) == 0 && n < 80) {
		*title = l;
		*tn = n;
		return 2;
	}
	return 0;
}

static void
links_in(struct tx *x, const char *l, size_t n)
{
	static const char *const marks[] = { "github.com/", "gitlab.com/", "huggingface.co/",
					     "github.io", "bitbucket.org/", "codeberg.org/" };

	for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
		size_t ml = strlen(marks[m]);

		for (size_t i = 0; i + ml <= n; i++) {
			size_t s = i, e = i + ml;
			struct pb_buf u = { 0 };

			if (strncasecmp(l + i, marks[m], ml) != 0)
				continue;
			while (s > 0 && !isspace((unsigned char)l[s - 1]) && l[s - 1] != '(' &&
			       l[s - 1] != '<' && l[s - 1] != '[')
				s--;
			while (e < n && !isspace((unsigned char)l[e]) && l[e] != ')' &&
			       l[e] != '>' && l[e] != ']' && l[e] != '"')
				e++;
			while (e > i + ml && (l[e - 1] == '.' || l[e - 1] == ',' || l[e - 1] == ';'))
				e--;
			if (strncasecmp(l + s, "http://", 7) != 0 &&
			    strncasecmp(l + s, "https://", 8) != 0)
				pb_buf_puts(&u, "https://");
			pb_buf_append(&u, l + s, e - s);
			ftb_link(x->b, u.data);
			pb_buf_free(&u);
			i = e;
		}
	}
}

static void
end_para(struct tx *x)
{
	ft_trim(&x->para);
	if (x->para.len) {
		if (x->caption == 1)
			ftb_figure(x->b, x->para.data, NULL, NULL);
		else if (x->caption == 2)
			ftb_table(x->b, x->para.data);
		else if (x->skipping)
			;
		else if (!x->seen_heading) {
			if (x->front.len < FT_MAX_TEXT / 4) {
				if (x->front.len)
					pb_buf_putc(&x->front, '\n');
				pb_buf_append(&x->front, x->para.data, x->para.len);
			}
		} else {
			ftb_para(x->b, x->para.data, x->para.len);
		}
	}
	pb_buf_reset(&x->para);
	x->caption = 0;
}

/* "Figure 3:", "Fig. 2.", "Table 1:", "TABLE II" at the start of a line. */
static int
caption_start(const char *l, size_t n)
{
	size_t i;

	if (n > 7 && (strncmp(l, "Figure ", 7) == 0 || strncmp(l, "FIGURE ", 7) == 0))
		i = 7;
	else if (n > 5 && strncmp(l, "Fig. ", 5) == 0)
		i = 5;
	else if (n > 6 && (strncmp(l, "Table ", 6) == 0 || strncmp(l, "TABLE ", 6) == 0))
		i = 6;
	else
		return 0;
	if (i >= n || !(isdigit((unsigned char)l[i]) || strchr("IVX", l[i])))
		return 0;
	while (i < n && (isalnum((unsigned char)l[i]) || l[i] == '.'))
		i++;
	if (i < n && (l[i] == ':' || l[i] == '|' || (l[i - 1] == '.' && l[i] == ' ') ||
		      i == n))
		return l[0] == 'T' ? 2 : 1;
	return 0;
}

/* ---- hyphens at line ends ---- */

#define HYPHEN_WORD 48               /* letters of each side looked at */
#define HYPHEN_MAX 65536             /* hyphened words remembered */

/* The hash of the lowercase "left-right", right being the letters r starts with. */
static uint64_t
hyphen_hash(const char *left, size_t ln, const char *r, size_t rn)
{
	char w[2 * HYPHEN_WORD + 1];
	size_t n = 0;

	for (size_t i = ln > HYPHEN_WORD ? ln - HYPHEN_WORD : 0; i < ln; i++)
		w[n++] = (char)tolower((unsigned char)left[i]);
	w[n++] = '-';
	for (size_t i = 0; i < rn && i < HYPHEN_WORD && isalpha((unsigned char)r[i]); i++)
		w[n++] = (char)tolower((unsigned char)r[i]);
	return pb_fnv1a64_more(PB_FNV1A64_BASIS, w, n);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The words of text written with a hyphen between two letters inside a line ("pre-trained",
 * the "the-art" of "state-of-the-art"), hashed and sorted into *out (malloc'd). Returns the
 * count. */
static size_t
hyphened_words(const char *text, size_t len, uint64_t **out)
{
	uint64_t *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 1; i + 1 < len && n < HYPHEN_MAX; i++) {
		size_t a = i;

		if (text[i] != '-' || !isalpha((unsigned char)text[i - 1]) ||
		    !isalpha((unsigned char)text[i + 1]))
			continue;
		while (a > 0 && isalpha((unsigned char)text[a - 1]))
			a--;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		v[n++] = hyphen_hash(text + a, i - a, text + i + 1, len - i - 1);
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_u64);
	*out = v;
	return n;
}

/* Does the paper write left-r (r's leading letters) with its hyphen inside a line? */
static int
hyphened(const struct tx *x, const char *left, size_t ln, const char *r, size_t rn)
{
	uint64_t h;

	if (!x->n_hyphened)
		return 0;
	h = hyphen_hash(left, ln, r, rn);
	return bsearch(&h, x->hyphened, x->n_hyphened, sizeof h, cmp_u64) != NULL;
}

static void
line(struct tx *x, const char *l, size_t n)
{
	const char *title;
	size_t tn, i;
	int h;

	while (n && isspace((unsigned char)*l))
		l++, n--;
	while (n && isspace((unsigned char)l[n - 1]))
		n--;
	if (!n) {
		end_para(x);
		x->prev_len = 0;
		return;
	}
	/* Page numbers and arXiv's stamp ("arXiv:2411.01234v2 [cs.LG] 3 Nov 2024"). */
	for (i = 0; i < n && isdigit((unsigned char)l[i]); i++)
		;
	if (i == n || (n > 7 && strncmp(l, "arXiv:", 6) == 0 && isdigit((unsigned char)l[6])))
		return;
	links_in(x, l, n);
	if ((h = heading(x, l, n, &title, &tn))) {
		char t[128];
		size_t c = tn < sizeof t - 1 ? tn : sizeof t - 1;

		memcpy(t, title, c);
		t[c] = '\0';
		end_para(x);
		x->prev_len = 0;
		if (strcasecmp(t, "References") == 0 || strcasecmp(t, "Bibliography") == 0) {
			x->skipping = 1;
			x->seen_heading = 1;
			return;
		}
		if (x->skipping && h != 2 && strncasecmp(t, "appendix", 8) != 0 &&
		    strncasecmp(t, "supplementa", 11) != 0)
			return;
		x->skipping = 0;
		x->seen_heading = 1;
		ftb_section(x->b, h == 2 ? PB_FT_APPENDIX : ft_heading_kind(t), t);
		return;
	}
	/* "Abstract—We ...", "Abstract. We ...": the heading runs into the text. */
	if (!x->seen_heading && n > 10 && strncasecmp(l, "abstract", 8) == 0 &&
	    !isalpha((unsigned char)l[8])) {
		end_para(x);
		x->seen_heading = 1;
		ftb_section(x->b, PB_FT_ABSTRACT, "Abstract");
		for (i = 8; i < n && !isalnum((unsigned char)l[i]); i++)
			;
		l += i;
		n -= i;
	}
	if ((h = caption_start(l, n))) {
		end_para(x);
		x->caption = h;
	} else if (x->prev_len && x->para.len &&
		   strchr(".?!:", x->para.data[x->para.len - 1]) && x->prev_len * 4 < x->width * 3) {
		/* The line before ended a sentence well short of the column: a new paragraph. */
		end_para(x);
	}
	if (n > x->width && n < 200)
		x->width = n;
	if (x->para.len && x->para.data[x->para.len - 1] == '-' && x->para.len > 1 &&
	    isalpha((unsigned char)x->para.data[x->para.len - 2]) && islower((unsigned char)l[0])) {
		/* "exam-" "ple" is one word; "parameter-" "efficient" keeps its hyphen when the
		 * paper writes it so inside a line */
		size_t a = x->para.len - 1;

		while (a > 0 && isalpha((unsigned char)x->para.data[a - 1]))
			a--;
		if (!hyphened(x, x->para.data + a, x->para.len - 1 - a, l, n))
			pb_buf_truncate(&x->para, x->para.len - 1);
	} else if (x->para.len) {
		pb_buf_putc(&x->para, ' ');
	}
	{
		int space = 0;

		ft_put_text(&x->para, l, n, &space);
	}
	x->prev_len = n;
}

/* ---- running heads and feet ---- */

/* A line at the top or the bottom of a page (one of its first or last EDGE_LINES lines with
 * something on them) that comes back at an edge of RUN_MIN_PAGES pages or more, and of a
 * quarter of the pages at least, is the journal's or the conference's running head or foot
 * ("Published as a conference paper at ICLR 2025", "IEEE TRANSACTIONS ON ..., VOL. 14,
 * 2021 3", "Preprint. Under review."), with the page's number in it or not. It is not the
 * paper's text: left in, it landed inside the sentence that goes on over the page. */
#define EDGE_LINES 2
#define RUN_MIN_PAGES 3
#define RUN_MAX_LINE 200
#define RUN_MAX_PAGES 1000

struct edge {
	size_t start;                /* where the line starts in the text */
	int page;
	uint64_t hash;
	char *norm;                  /* its words, each run of digits '#', runs of space one */
	size_t first;                /* the first edge line of the same form */
	size_t pages;                /* on the first: the pages that have the form at an edge */
	int last_page;               /* on the first: the last of them */
};

struct edges {
	struct edge *v;
	size_t n, cap;
	size_t *drop;                /* starts of the lines to leave out, ascending */
	size_t n_drop;
};

/* The line's form for comparing, or NULL when it has too few letters to tell by. */
static char *
edge_norm(const char *l, size_t n)
{
	struct pb_buf b = { 0 };
	size_t letters = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if (isdigit(c)) {
			while (i + 1 < n && isdigit((unsigned char)l[i + 1]))
				i++;
			pb_buf_putc(&b, '#');
		} else if (isspace(c)) {
			if (b.len && b.data[b.len - 1] != ' ')
				pb_buf_putc(&b, ' ');
		} else {
			if (isalpha(c) || c >= 0x80)
				letters++;
			pb_buf_putc(&b, (char)c);
		}
	}
	if (letters < 4) {
		pb_buf_free(&b);
		return NULL;
	}
	return pb_buf_detach(&b);
}

static void
edge_add(struct edges *ed, const char *text, size_t s, size_t e, int page)
{
	char *norm = edge_norm(text + s, e - s);

	if (!norm)
		return;
	if (ed->n == ed->cap) {
		ed->cap = ed->cap ? 2 * ed->cap : 64;
		ed->v = pb_xreallocarray(ed->v, ed->cap, sizeof *ed->v);
	}
	ed->v[ed->n++] = (struct edge){ s, page, pb_fnv1a64_str(norm), norm, 0, 0, -1 };
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The lines at the edges of each page of text ("\f" between pages). */
static int
edge_lines(const char *text, size_t len, struct edges *ed)
{
	size_t i = 0;
	int page = 0, pages = 0;

	while (i < len && page < RUN_MAX_PAGES) {
		size_t head[EDGE_LINES], tail[EDGE_LINES], tail_end[EDGE_LINES], head_end[EDGE_LINES];
		size_t n_lines = 0, n_head = 0, p = i;

		while (p < len && text[p] != '\f') {
			size_t e = p, a = p, z;

			while (e < len && text[e] != '\n' && text[e] != '\f')
				e++;
			while (a < e && isspace((unsigned char)text[a]))
				a++;
			for (z = e; z > a && isspace((unsigned char)text[z - 1]); z--)
				;
			if (a < z) {
				/* a long line is nobody's running head: kept as SIZE_MAX */
				size_t s = z - a <= RUN_MAX_LINE ? p : SIZE_MAX;

				if (n_head < EDGE_LINES) {
					head[n_head] = s;
					head_end[n_head++] = e;
				}
				tail[n_lines % EDGE_LINES] = s;
				tail_end[n_lines % EDGE_LINES] = e;
				n_lines++;
			}
			p = e < len && text[e] == '\n' ? e + 1 : e;
		}
		for (size_t k = 0; k < n_head; k++)
			if (head[k] != SIZE_MAX)
				edge_add(ed, text, head[k], head_end[k], page);
		for (size_t k = n_lines > EDGE_LINES ? n_lines - EDGE_LINES : 0; k < n_lines; k++) {
			size_t s = tail[k % EDGE_LINES];
			int dup = 0;

			for (size_t h = 0; h < n_head; h++)
				dup |= head[h] == s;
			if (s != SIZE_MAX && !dup)
				edge_add(ed, text, s, tail_end[k % EDGE_LINES], page);
		}
		pages += n_lines > 0;
		page++;
		i = p < len ? p + 1 : p;
	}
	return pages;
}

/* Finds the running heads and feet of text: ed->drop lists the lines to leave out. */
static void
running_lines(const char *text, size_t len, struct edges *ed)
{
	int pages;

	memset(ed, 0, sizeof *ed);
	pages = edge_lines(text, len, ed);
	if (pages < RUN_MIN_PAGES)
		return;
	/* the edges come page by page: a form's pages are counted on its first line */
	for (size_t a = 0; a < ed->n; a++) {
		struct edge *e = &ed->v[a], *f;
		size_t b = 0;

		while (b < a && (ed->v[b].hash != e->hash || strcmp(ed->v[b].norm, e->norm) != 0))
			b++;
		e->first = b;
		f = &ed->v[b];
		if (f->last_page != e->page) {
			f->last_page = e->page;
			f->pages++;
		}
	}
	for (size_t a = 0; a < ed->n; a++) {
		const struct edge *f = &ed->v[ed->v[a].first];

		if (f->pages >= RUN_MIN_PAGES && f->pages * 4 >= (size_t)pages) {
			if (!ed->drop)
				ed->drop = pb_xcalloc(ed->n, sizeof *ed->drop);
			ed->drop[ed->n_drop++] = ed->v[a].start;
		}
	}
	if (ed->n_drop)
		qsort(ed->drop, ed->n_drop, sizeof *ed->drop, cmp_size);
}

/* Is the line starting at start a running head or foot? */
static int
running(const struct edges *ed, size_t start)
{
	size_t lo = 0, hi = ed->n_drop;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ed->drop[mid] == start)
			return 1;
		if (ed->drop[mid] < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void
edges_free(struct edges *ed)
{
	for (size_t i = 0; i < ed->n; i++)
		free(ed->v[i].norm);
	free(ed->v);
	free(ed->drop);
	memset(ed, 0, sizeof *ed);
}

void
ft_text_sections(struct ftb *b, const char *text, size_t len)
{
	struct tx x;
	struct edges ed;
	uint64_t *hy = NULL;
	size_t i = 0;

	memset(&x, 0, sizeof x);
	x.b = b;
	running_lines(text, len, &ed);
	x.n_hyphened = hyphened_words(text, len, &hy);
	x.hyphened = hy;
	while (i < len) {
		size_t e = i, j, k;

		while (e < len && text[e] != '\n' && text[e] != '\f' && e - i < LINE_MAX_BYTES)
			e++;
		/* The next two lines with something on them, for the heading rules. */
		x.next = NULL;
		x.next_len = x.next2_len = 0;
		for (j = e + 1; j < len && j < e + 1 + 8 * LINE_MAX_BYTES; j = k + 1) {
			size_t a = j;

			for (k = j; k < len && text[k] != '\n' && text[k] != '\f'; k++)
				;
			while (a < k && isspace((unsigned char)text[a]))
				a++;
			if (a >= k || running(&ed, j))
				continue;
			if (!x.next) {
				x.next = text + a;
				x.next_len = k - a;
			} else {
				x.next2_len = k - a;
				break;
			}
		}
		if (!running(&ed, i))
			line(&x, text + i, e - i);
		if (e < len && text[e] == '\f') {
			/* A page ends: a paragraph may go on, but not across a caption. */
			if (x.caption)
				end_para(&x);
		}
		i = e < len && (text[e] == '\n' || text[e] == '\f') ? e + 1 : e;
	}
	end_para(&x);
	if (!x.seen_heading && x.front.len) {
		/* No heading at all: the paragraphs as they come. */
		const char *p = x.front.data;

		while (*p) {
			size_t n = strcspn(p, "\n");

			ftb_para(b, p, n);
			p += n + (p[n] == '\n');
		}
	}
	pb_buf_free(&x.para);
	pb_buf_free(&x.front);
	edges_free(&ed);
	free(hy);
}

void
ft_text_links(struct ftb *b, const char *text, size_t len)
{
	struct tx x;

	memset(&x, 0, sizeof x);
	x.b = b;
	for (size_t i = 0; i < len;) {
		size_t e = i;

		while (e < len && text[e] != '\n' && e - i < LINE_MAX_BYTES)
			e++;
		links_in(&x, text + i, e - i);
		i = e < len && text[e] == '\n' ? e + 1 : e;
	}
}
