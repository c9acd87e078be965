/* Key findings from a paper's full text: sentences of its results, discussion and conclusion
 * that carry the numbers, preferred over everything else, and never one the abstract above
 * them already says. Text is kept as the extractor wrote it. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/fulltext.h"
#include "paperboy/summarize.h"
#include "summarize_int.h"

#define MIN_BYTES 40        /* shorter: a heading or a fragment */
#define MAX_BYTES 420       /* longer: a paragraph the splitter could not cut */
#define MAX_TEX 8           /* TeX marks (\\ { } ^ _): more is an equation, not a sentence */
#define MAX_CAND 4000       /* sentences looked at per paper */
#define DUP_PAIRS 50        /* percent of a sentence's word pairs the abstract has: a repeat */
#define DUP_WORDS 85        /* percent of its content words */

/* ---- numbers ---- */

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Units after a number that make it a measured value. */
static const char *const units[] = {
	"dB", "ms", "fps", "FPS", "GB", "MB", "TB", "GHz", "MHz", "Hz", "nm", "mm", "cm", "km",
	"kg", "K", "M", "B", "G", "T", "k", "s", "h", "min", "sec", "hours", "seconds", "days",
	"points", "pts", "pp", "mAP", "AP", "FID", "PSNR", "SSIM", "BLEU", "ROUGE", "eV", "keV",
	"MeV", "GeV", "TeV", "W", "mW", "kW", "J", "V", "mV", "sigma", "\\sigma", "\xCF\x83",
	"tokens", "params", "parameters", "steps", "epochs", NULL,
};

/* Is the word before position p (a number's start) in s one of words ("Table" in "Table 3")?
 * A list reaches back: "Sections 4.1 and 4.2", "Tables 2, 3 and 5". */
static int
after_word(const char *s, const char *p, const char *const *words)
{
	const char *e = p, *b;

	for (int hop = 0; hop < 6; hop++) {
		while (e > s && (e[-1] == ' ' || e[-1] == '~' || e[-1] == '(' || e[-1] == '.' ||
				 e[-1] == ','))
			e--;
		b = e;
		while (b > s && (alpha(b[-1]) || digit(b[-1]) || b[-1] == '.'))
			b--;
		if (b < e && digit(*b)) {           /* another number of the list */
			e = b;
			continue;
		}
		if ((e - b == 3 && strncmp(b, "and", 3) == 0) ||
		    (e - b == 2 && (strncmp(b, "or", 2) == 0 || strncmp(b, "to", 2) == 0))) {
			e = b;
			continue;
		}
		for (; *words; words++)
			if ((size_t)(e - b) == strlen(*words) &&
			    strncmp(b, *words, (size_t)(e - b)) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static const char *const not_values[] = {
	"Table", "Tab", "Tables", "Figure", "Fig", "Figs", "Figures", "Section", "Sec", "Sect",
	"Sections", "Eq", "Eqs", "Equation", "Appendix", "Algorithm", "Alg", "Theorem", "Lemma",
	"Corollary", "Proposition", "Definition", "Chapter", "Step", "Line", "Stage", "Phase",
	"Version", "v", "Sec", "Part", "Row", "Column", "Example", "Remark", "Assumption", NULL,
};

int
pb_finding_has_number(const char *s)
{
	const char *p;

	if (!s)
		return 0;
	for (p = s; *p; p++) {
		const char *b = p, *q;
		int dec = 0, digits = 0;

		if (!digit(*p) || (p > s && (alpha(p[-1]) || digit(p[-1]) || p[-1] == '_' ||
					      p[-1] == '[' || p[-1] == '^' || p[-1] == '.')))
			continue;
		/* part of a name: "Qwen3-1.7B", "GPT-4o", "ResNet-50" */
		if (p > s + 1 && p[-1] == '-' && (alpha(p[-2]) || digit(p[-2]))) {
			while (digit(p[1]) || (p[1] == '.' && digit(p[2])))
				p++;
			continue;
		}
		for (q = p; digit(*q) || ((*q == '.' || *q == ',') && digit(q[1])); q++) {
			if (*q == '.')
				dec = 1;
			if (digit(*q))
				digits++;
		}
		p = q - 1;
		if (*q == ']' || after_word(s, b, not_values))
			continue;   /* a reference, "Table 3", "Section 4.2" */
		if (*q == ' ' || *q == '~')
			q++;
		if (*q == '%' || (q[0] == '\\' && q[1] == '%') || strncmp(q, "percent", 7) == 0)
			return 1;
		if (((*q == 'x' || *q == 'X') && !alpha(q[1])) || strncmp(q, "\xC3\x97", 2) == 0 ||
		    strncmp(q, "-fold", 5) == 0 || strncmp(q, "fold", 4) == 0 ||
		    strncmp(q, "\\times", 6) == 0 || strncmp(q, "times", 5) == 0)
			return 1;
		/* a year is no value: "since 2020" */
		if (!dec && digits == 4 && (b[0] == '1' || b[0] == '2') &&
		    (b[1] == '9' || b[1] == '0'))
			continue;
		for (const char *const *u = units; *u; u++) {
			size_t n = strlen(*u);

			if (strncmp(q, *u, n) == 0 && !alpha(q[n]))
				return 1;
		}
		if (dec)
			return 1;   /* "31.2", "0.87": a measured value */
	}
	return 0;
}

/* ---- words, for the near-duplicate check ---- */

static const char *const filler[] = {
	"the", "and", "of", "to", "in", "a", "an", "for", "on", "with", "is", "are", "we", "our",
	"that", "this", "by", "as", "be", "it", "from", "at", "or", "its", "which", "can", "these",
	"was", "were", "has", "have", "than", "also", "both", "such", NULL,
};

struct wordset {
	char **v;
	size_t n, cap;
};

static void
ws_add(struct wordset *w, const char *s, size_t n)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = pb_xreallocarray(w->v, w->cap, sizeof *w->v);
	}
	w->v[w->n++] = pb_xstrndup(s, n);
}

static void
ws_free(struct wordset *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof *w);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
ws_has(const struct wordset *w, const char *s)
{
	return w->n && bsearch(&s, w->v, w->n, sizeof *w->v, cmp_strp) != NULL;
}

/* The content words of s (lowercased, a plural "s" dropped) and their adjacent pairs. */
static void
words_of(const char *s, struct wordset *uni, struct wordset *bi)
{
	char prev[48] = "", w[48];
	int have_prev = 0;

	while (*s) {
		size_t n = 0;

		while (*s && !(alpha(*s) || digit(*s) || (unsigned char)*s >= 0x80))
			s++;
		if (!*s)
			break;
		while (*s && (alpha(*s) || digit(*s) || (unsigned char)*s >= 0x80)) {
			if (n + 1 < sizeof w)
				w[n++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
			s++;
		}
		w[n] = 0;
		if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's')
			w[--n] = 0;
		{
			int skip = 0;

			for (const char *const *f = filler; *f; f++)
				if (strcmp(w, *f) == 0)
					skip = 1;
			if (skip)
				continue;   /* "accuracy of the model" pairs as "model accuracy" */
		}
		if (uni)
			ws_add(uni, w, n);
		if (bi && have_prev) {
			char pair[100];
			int k = snprintf(pair, sizeof pair, "%s %s", prev, w);

			ws_add(bi, pair, (size_t)k < sizeof pair ? (size_t)k : sizeof pair - 1);
		}
		memcpy(prev, w, n + 1);
		have_prev = 1;
	}
}

static void
ws_sort(struct wordset *w)
{
	if (w->n)
		qsort(w->v, w->n, sizeof *w->v, cmp_strp);
}

/* The numbers of the paper's tables, as table_value looks them up: from each place a number
 * starts (no digit or "." before it), every stretch of it that ends before a "." or its end
 * and holds a "." ("31.2.5" gives "31.2" and "31.2.5"). Gathered once per paper: looking
 * for each number of each sentence in every table again cost minutes on a hostile page. */
static void
table_numbers(const struct pb_fulltext *ft, struct wordset *w)
{
	for (size_t t = 0; t < ft->n_tables; t++) {
		const char *tb = ft->tables[t];

		for (const char *p = tb; p && *p; p++) {
			const char *e = p;
			int dot = 0;

			if (!digit(*p) || (p > tb && (digit(p[-1]) || p[-1] == '.')))
				continue;
			while (digit(*e) || *e == '.') {
				if (*e == '.' && e > p && digit(e[-1]) && dot && e - p >= 3 && e - p < 32)
					ws_add(w, p, (size_t)(e - p));
				dot |= *e == '.';
				e++;
			}
			if (e > p && digit(e[-1]) && dot && e - p >= 3 && e - p < 32)
				ws_add(w, p, (size_t)(e - p));
			p = e - 1;
		}
	}
	ws_sort(w);
}

/* Does a number of s (at least three characters, "31.2", "0.87") occur in one of the paper's
 * tables (their numbers in nums, from table_numbers)? Then the sentence reports a table
 * value. Whole numbers only: "31.2" is not in "131.25". */
static int
table_value(const char *s, const struct wordset *nums)
{
	if (!nums->n)
		return 0;
	for (const char *p = s; *p; p++) {
		char num[32];
		size_t n = 0;

		if (!digit(*p) || (p > s && (digit(p[-1]) || p[-1] == '.')))
			continue;
		while ((digit(p[n]) || (p[n] == '.' && digit(p[n + 1]))) && n + 1 < sizeof num) {
			num[n] = p[n];
			n++;
		}
		num[n] = 0;
		p += n - 1;
		if (n < 3 || !strchr(num, '.'))
			continue;
		if (ws_has(nums, num))
			return 1;
	}
	return 0;
}

/* Does s say again what the text behind (uni, bi) says? */
static int
repeats(const char *s, const struct wordset *uni, const struct wordset *bi)
{
	struct wordset su = { 0 }, sb = { 0 };
	size_t hu = 0, hb = 0;
	int dup;

	words_of(s, &su, &sb);
	for (size_t i = 0; i < su.n; i++)
		hu += ws_has(uni, su.v[i]);
	for (size_t i = 0; i < sb.n; i++)
		hb += ws_has(bi, sb.v[i]);
	dup = (sb.n >= 3 && hb * 100 >= sb.n * DUP_PAIRS) ||
	      (su.n >= 5 && hu * 100 >= su.n * DUP_WORDS);
	ws_free(&su);
	ws_free(&sb);
	return dup;
}

/* ---- choosing ---- */

/* Words of a result: a comparison or a change measured. */
static const char *const result_cues[] = {
	"outperform", "improv", "reduc", "increas", "higher", "lower", "better", "gain",
	"surpass", "achiev", "reach", "exceed", "faster", "speedup", "speed-up", "fewer",
	"decreas", "boost", "drop", "compared", "relative", "over the", "than", "yield",
	"accuracy", "error", NULL,
};
/* Words of an experimental setup: numbers that are settings, not results. */
static const char *const setup_cues[] = {
	"we train", "trained for", "we use ", "we used", "we set", "is set to", "are set to",
	"learning rate", "batch size", "epochs", "optimizer", "implemented in", "gpu", "we follow",
	"following ", "initialized", "we adopt", "consists of", "contains ", "we randomly",
	"hyperparameter", "we split", "dataset contains", "we simulate", "we construct",
	"we perform", "we conduct", "we primarily", "built on", "based on", "we implement",
	"we generate", "we sample", "we fix", "we choose", "we select", "we employ", "we apply",
	"we consider", "we define", "et al", NULL,
};
/* Words that announce rather than say: "In this section, we show the results of ...". */
static const char *const announce_cues[] = {
	"in this section", "this section", "we now", "are summarized in", "are shown in",
	"are reported in", "is shown in", "as follows", "are listed in", "are given in",
	"see appendix", "see section", "proofs are", "proof is", NULL,
};
/* Words of future work or thanks: not what the paper found. */
static const char *const future_cues[] = {
	"future work", "in the future", "we plan", "we will", "will explore", "will investigate",
	"we hope", "we thank", "acknowledg", "is left for", "remains for future", "we leave",
	"code is available", "code and data", "are available at", "is available at", "github",
	NULL,
};

static int
has_any(const char *s, const char *const *cues)
{
	for (; *cues; cues++) {
		for (const char *p = s; (p = strstr(p, *cues)) != NULL; p++)
			if (p == s || !(alpha(p[-1]) || digit(p[-1])))   /* at a word's start */
				return 1;
	}
	return 0;
}

static int
lower_has_any(const char *s, const char *const *cues)
{
	char buf[MAX_BYTES + 1];
	size_t n = strlen(s);

	if (n > MAX_BYTES)
		n = MAX_BYTES;
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	buf[n] = 0;
	return has_any(buf, cues);
}

struct cand {
	char *s;
	int rank;
	size_t order;
};

static int
looks_like_sentence(const char *s)
{
	size_t n = strlen(s), tex = 0;
	unsigned char c0 = (unsigned char)s[0];

	if (n < MIN_BYTES || n > MAX_BYTES)
		return 0;
	/* a fragment the extractor cut, a caption, a list's continuation */
	if (!((c0 >= 'A' && c0 <= 'Z') || c0 == '"' || c0 >= 0x80))
		return 0;
	if ((strncmp(s, "Figure ", 7) == 0 || strncmp(s, "Table ", 6) == 0 ||
	     strncmp(s, "Fig. ", 5) == 0) && strchr(s, ':') && strchr(s, ':') - s < 14)
		return 0;
	/* TeX the extractor kept for math: a formula, not a sentence a reader can take in */
	for (const char *p = s; *p; p++)
		if ((*p == '\\' && p[1] != '%') || *p == '{' || *p == '}' || *p == '^' || *p == '_')
			tex++;
	if (tex > MAX_TEX)
		return 0;
	{
		char e = s[n - 1];

		/* a sentence ends in a full stop (after a closing mark at most) */
		if (e == ')' || e == '"' || e == '\'')
			e = n > 1 ? s[n - 2] : e;
		if (e != '.' && e != '!')
			return 0;
	}
	return 1;
}

/* The rank of a candidate sentence of a results or conclusion section, or -1 when it is not
 * a finding. */
static int
rank_sentence(const char *s, const struct wordset *table_nums, int strict)
{
	int contrib = 0, result = 0, sc, num, cue;

	if (!looks_like_sentence(s) || pb_sentence_kind(s) != PB_SENT_PLAIN ||
	    lower_has_any(s, future_cues) || lower_has_any(s, announce_cues))
		return -1;
	sc = pb_finding_score(s, &contrib, &result);
	num = pb_finding_has_number(s);
	cue = lower_has_any(s, result_cues);
	/* numbers that are settings ("batch size 64") are no result */
	if (num && !cue && !result && lower_has_any(s, setup_cues))
		num = 0;
	if (!num && !cue && !result && lower_has_any(s, setup_cues))
		return -1;
	/* the contribution again ("In this paper, we proposed X"): the abstract says it */
	if (contrib && !num && !result)
		return -1;
	if (strict && !(num && (cue || result)))
		return -1;
	if (!num && !cue && sc < 2)
		return -1;
	return num * 20 + table_value(s, table_nums) * 4 + cue * 3 + (result > 2 ? 2 : result) * 2 +
	       (sc > 0 ? (sc > 6 ? 6 : sc) : 0);
}

static int
by_rank(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
by_order(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

static int
findings_kind(enum pb_ft_kind k)
{
	return k == PB_FT_RESULTS || k == PB_FT_DISCUSSION || k == PB_FT_CONCLUSION;
}

size_t
pb_key_findings_ft(const char *abstract, const struct pb_fulltext *ft, size_t max, char ***out)
{
	struct wordset au = { 0 }, ab = { 0 }, tn = { 0 };
	struct cand *c = NULL;
	size_t nc = 0, cap = 0, order = 0, nv = 0;
	char **v = NULL;
	int have_kinds = 0;

	*out = NULL;
	if (!ft || max == 0)
		return pb_key_findings(abstract, max, out);
	for (size_t i = 0; i < ft->n_sections; i++)
		if (findings_kind(ft->sections[i].kind))
			have_kinds = 1;
	words_of(abstract ? abstract : "", &au, &ab);
	ws_sort(&au);
	ws_sort(&ab);
	table_numbers(ft, &tn);
	for (size_t i = 0; i < ft->n_sections && order < MAX_CAND; i++) {
		const struct pb_ft_section *sec = &ft->sections[i];
		char **sent;
		size_t ns;
		/* Without headings (a PDF read as paragraphs) any body text may hold results, but
		 * only a sentence with a number and a comparison counts. */
		int strict = !have_kinds;

		if (!sec->text)
			continue;
		if (have_kinds ? !findings_kind(sec->kind) :
		    (sec->kind == PB_FT_ABSTRACT || sec->kind == PB_FT_RELATED ||
		     sec->kind == PB_FT_INTRODUCTION || sec->kind == PB_FT_APPENDIX))
			continue;
		ns = pb_split_sentences(sec->text, &sent);
		for (size_t k = 0; k < ns && order < MAX_CAND; k++, order++) {
			int r = rank_sentence(sent[k], &tn, strict);

			if (r < 0 || repeats(sent[k], &au, &ab))
				continue;
			if (nc == cap) {
				cap = cap ? cap * 2 : 32;
				c = pb_xreallocarray(c, cap, sizeof *c);
			}
			c[nc].s = sent[k];
			c[nc].rank = r;
			c[nc].order = order;
			sent[k] = NULL;
			nc++;
		}
		pb_sentences_free(sent, ns);
	}
	if (nc > 0) {
		struct cand *pick = pb_xcalloc(max, sizeof *pick);
		size_t np = 0;

		qsort(c, nc, sizeof *c, by_rank);
		/* the best, each saying something the ones before it do not */
		for (size_t i = 0; i < nc && np < max; i++) {
			struct wordset u = { 0 }, b = { 0 };
			int dup;

			for (size_t k = 0; k < np; k++)
				words_of(pick[k].s, &u, &b);
			ws_sort(&u);
			ws_sort(&b);
			dup = np > 0 && repeats(c[i].s, &u, &b);
			ws_free(&u);
			ws_free(&b);
			if (!dup) {
				pick[np++] = c[i];
				c[i].s = NULL;
			}
		}
		qsort(pick, np, sizeof *pick, by_order);   /* as the authors wrote them */
		v = pb_xcalloc(np ? np : 1, sizeof *v);
		for (size_t i = 0; i < np; i++)
			v[nv++] = pick[i].s;
		free(pick);
	}
	for (size_t i = 0; i < nc; i++)
		free(c[i].s);
	free(c);
	ws_free(&au);
	ws_free(&ab);
	ws_free(&tn);
	if (nv == 0) {
		free(v);
		return pb_key_findings(abstract, max, out);
	}
	*out = v;
	return nv;
}
