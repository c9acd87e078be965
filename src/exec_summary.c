/* The built-in executive summary: what a reader can use without a model. How many papers
 * matched which topics, the themes that recur across titles and findings, and the papers to
 * read first with a one-line reason each. Light Markdown (paragraphs, "- " bullets, **bold**). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/summarize.h"

#define MAX_THEMES 6
#define READ_FIRST 3
#define REASON_MAX 220      /* bytes of a finding quoted as a reason */

/* Never part of a theme. */
static const char *const stop_words[] = {
	"a", "about", "above", "across", "after", "against", "all", "almost", "along", "also",
	"although", "among", "an", "and", "another", "any", "are", "as", "at", "be", "because",
	"been", "before", "being", "below", "between", "beyond", "both", "but", "by", "can",
	"cannot", "could", "despite", "do", "does", "doing", "done", "due", "during", "each",
	"either", "enable", "enables", "enabling", "especially", "etc", "even", "ever", "every",
	"few", "for", "from", "further", "furthermore", "given", "had", "has", "have", "having",
	"he", "her", "here", "hers", "high", "highly", "his", "how", "however", "i", "if", "in",
	"into", "is", "it", "its", "itself", "just", "less", "like", "made", "make", "makes",
	"many", "may", "might", "more", "moreover", "most", "much", "must", "namely", "near",
	"neither", "new", "no", "nor", "not", "novel", "of", "off", "often", "on", "once", "one",
	"only", "onto", "or", "other", "others", "otherwise", "our", "ours", "out", "over", "own",
	"per", "rather", "same", "several", "she", "should", "show", "shows", "shown", "showing",
	"since", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then",
	"there", "therefore", "these", "they", "this", "those", "though", "three", "through",
	"thus", "to", "toward", "towards", "two", "under", "unlike", "until", "up", "upon",
	"us", "use", "used", "uses", "using", "very", "via", "was", "we", "well", "were",
	"what", "when", "where", "whereas", "whether", "which", "while", "who", "whose", "why",
	"will", "with", "within", "without", "would", "yet", "you", "your",
	/* the vocabulary of every abstract */
	"abstract", "achieve", "achieves", "achieved", "achieving", "address", "addresses",
	"based", "demonstrate", "demonstrates", "demonstrated", "demonstrating", "existing",
	"extensive", "first", "introduce", "introduces", "introduced", "introducing", "paper",
	"present", "presents", "presented", "propose", "proposes", "proposed", "proposing",
	"prior", "previous", "recent", "recently", "result", "results", "state-of-the-art",
	"significant", "significantly", "study", "superior", "work", "works", "second", "third",
	"finally", "effective", "effectively", "experiments", "experiment", "outperform",
	"outperforms", "outperforming", "approach", "approaches", "method", "methods", "task",
	"tasks", "performance", "provide", "provides", "key", "different", "various", "better",
	"able", "large-scale", "compared", "improve", "improves", "improved", "improving",
	"improvement", "improvements", "comparable", "across", "benchmark", "benchmarks",
	"framework", "frameworks", "diverse", "explore", "exploring", "explored", "remain",
	"remaining", "require", "requires", "requiring", "allow", "allows", "leverage",
	"leverages", "leveraging", "rely", "relies", "lead", "leads", "leading", "complex",
	"current", "future", "comprehensive", "critical", "crucial", "important", "inherent",
	"unified", "standard", "specific", "particular", "multiple", "additional", "overall",
	"including", "include", "includes", "various", "wide", "widely", "often", "typically",
	"usually", "generally", "common", "commonly", "strong", "stronger", "new", "without",
	"enhance", "enhances", "enhanced", "aim", "aims", "offer", "offers", "provide",
	"providing", "make", "making", "allowing", "consistent", "consistently", "yield",
	"yields", "thereby",
};

/* May be part of a two-word theme ("language model") but is too common alone. */
static const char *const weak_words[] = {
	"model", "learning", "network", "data", "system", "image", "images", "training",
	"problem", "analysis", "information", "feature", "features", "representation",
	"representations", "algorithm", "algorithms", "level", "scale", "time", "space",
	"quality", "accuracy", "efficiency", "efficient", "robust", "general", "deep", "neural",
	"based", "set", "sets", "end", "real", "world", "multi", "single", "large", "small",
	"low", "fast", "simple", "generation", "understanding", "dataset", "datasets", "module",
	"visual", "baseline", "challenge", "challenging", "opportunity", "capability",
	"ability", "setting", "approach", "way", "potential", "range", "variety", "number",
	"impact", "application", "process", "design", "strategy", "solution", "step",
};

static int
in_list(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return 1;
	return 0;
}

#define IN(w, l) in_list((w), (l), sizeof(l) / sizeof((l)[0]))

/* ---- a small string-keyed counter ---- */

struct phrase {
	char *key;          /* folded: "gaussian splatting" */
	char *show;         /* as first written, lowercased unless an acronym */
	size_t df;          /* papers it appears in */
	size_t last;        /* last paper counted, so each paper counts once */
	int bigram;
};

struct counter {
	struct phrase *v;
	size_t n, cap;      /* cap is a power of two; open addressing */
};

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void counter_add(struct counter *c, const char *key, const char *show, size_t paper,
			int bigram);

static void
counter_grow(struct counter *c)
{
	struct phrase *old = c->v;
	size_t oldcap = c->cap;

	c->cap = c->cap ? c->cap * 2 : 256;
	c->v = pb_xcalloc(c->cap, sizeof *c->v);
	c->n = 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].key)
			continue;
		size_t j = fnv(old[i].key) & (c->cap - 1);

		while (c->v[j].key)
			j = (j + 1) & (c->cap - 1);
		c->v[j] = old[i];
		c->n++;
	}
	free(old);
}

static void
counter_add(struct counter *c, const char *key, const char *show, size_t paper, int bigram)
{
	size_t j;

	if ((c->n + 1) * 2 > c->cap)
		counter_grow(c);
	j = fnv(key) & (c->cap - 1);
	while (c->v[j].key) {
		if (strcmp(c->v[j].key, key) == 0) {
			if (c->v[j].last != paper) {
				c->v[j].df++;
				c->v[j].last = paper;
			}
			return;
		}
		j = (j + 1) & (c->cap - 1);
	}
	c->v[j].key = pb_xstrdup(key);
	c->v[j].show = pb_xstrdup(show);
	c->v[j].df = 1;
	c->v[j].last = paper;
	c->v[j].bigram = bigram;
	c->n++;
}

static void
counter_free(struct counter *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		free(c->v[i].key);
		free(c->v[i].show);
	}
	free(c->v);
}

/* ---- words ---- */

static int
word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c >= 0x80;
}

/* Folds a word for counting: ASCII lowercase and a plural "s" dropped ("Gaussians" counts as
 * "gaussian"). Writes the display form too: the folded word, unless the word is an acronym or
 * mixed case past its first letter ("NeRF", "VLMs", "3D" stay as written). */
static void
fold_word(const char *w, size_t n, char *key, char *show, size_t cap)
{
	int mixed = 0;
	size_t k;

	if (n >= cap)
		n = cap - 1;
	for (k = 1; k < n; k++)
		if (w[k] >= 'A' && w[k] <= 'Z')
			mixed = 1;
	for (k = 0; k < n; k++) {
		char c = w[k];

		key[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		show[k] = c;
	}
	key[n] = show[n] = 0;
	if (n > 4 && key[n - 1] == 's' && key[n - 2] != 's' && key[n - 2] != 'u' &&
	    key[n - 2] != 'i')
		key[n - 1] = 0;
	if (!mixed)
		memcpy(show, key, strlen(key) + 1);
}

static int
countable(const char *key)
{
	int alpha = 0;

	for (const char *p = key; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (unsigned char)*p >= 0x80)
			alpha = 1;
	return alpha && strlen(key) >= 2;
}

/* Counts the words and adjacent word pairs of text for paper. A pair never spans punctuation,
 * a stop word, a number or LaTeX, so "reconstruction of scenes" yields no pair. */
static void
count_text(struct counter *c, const char *s, size_t paper)
{
	char pk[64] = "", ps[64] = "";
	int have_prev = 0;

	while (*s) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '$') {        /* math is no theme, and breaks a pair */
			const char *e = strchr(s + 1, '$');

			s = e ? e + 1 : s + 1;
			have_prev = 0;
			continue;
		}
		if (ch == '\\') {       /* a TeX macro name */
			s++;
			while (*s && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
				s++;
			have_prev = 0;
			continue;
		}
		if (word_byte(ch)) {
			const char *b = s;
			char key[64], show[64];

			/* words keep inner hyphens: "vision-language", "feed-forward" */
			while (*s && (word_byte((unsigned char)*s) ||
				      (*s == '-' && word_byte((unsigned char)s[1]) && s > b)))
				s++;
			fold_word(b, (size_t)(s - b), key, show, sizeof key);
			if (!countable(key) || IN(key, stop_words) || IN(show, stop_words)) {
				have_prev = 0;
				continue;
			}
			if (!IN(key, weak_words) && !IN(show, weak_words))
				counter_add(c, key, show, paper, 0);
			if (have_prev) {
				struct pb_buf k2 = { 0 }, s2 = { 0 };

				pb_buf_printf(&k2, "%s %s", pk, key);
				pb_buf_printf(&s2, "%s %s", ps, show);
				counter_add(c, k2.data, s2.data, paper, 1);
				pb_buf_free(&k2);
				pb_buf_free(&s2);
			}
			memcpy(pk, key, sizeof pk);
			memcpy(ps, show, sizeof ps);
			have_prev = 1;
			continue;
		}
		if (ch != ' ' && ch != '\t' && ch != '\n')
			have_prev = 0;  /* punctuation ends a phrase */
		s++;
	}
}

static int
by_df(const void *a, const void *b)
{
	const struct phrase *x = *(const struct phrase *const *)a;
	const struct phrase *y = *(const struct phrase *const *)b;

	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	if (x->bigram != y->bigram)
		return x->bigram ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Does the pair key contain word w as one of its two words? */
static int
pair_has(const char *pair, const char *w)
{
	const char *sp = strchr(pair, ' ');
	size_t n = strlen(w);

	if (!sp)
		return 0;
	return ((size_t)(sp - pair) == n && strncmp(pair, w, n) == 0) || strcmp(sp + 1, w) == 0;
}

/* Appends the recurring themes: phrases found in at least two papers, pairs before the words
 * they contain. Returns how many were written. */
static size_t
themes(struct pb_buf *b, const struct pb_digest *d)
{
	struct counter c = { 0 };
	struct phrase **cand = NULL, *chosen[MAX_THEMES];
	size_t nc = 0, nch = 0;

	for (size_t i = 0; i < d->n_items; i++) {
		const struct pb_digest_item *it = &d->items[i];

		if (it->paper && it->paper->title)
			count_text(&c, it->paper->title, i + 1);
		for (size_t k = 0; k < it->n_findings; k++)
			count_text(&c, it->findings[k], i + 1);
	}
	if (c.n == 0)
		goto out;
	cand = pb_xcalloc(c.n, sizeof *cand);
	for (size_t i = 0; i < c.cap; i++)
		if (c.v[i].key && c.v[i].df >= 2)
			cand[nc++] = &c.v[i];
	qsort(cand, nc, sizeof *cand, by_df);
	/* Pairs first: a pair that recurs says more than either of its words. */
	for (size_t i = 0; i < nc && nch < MAX_THEMES; i++)
		if (cand[i]->bigram && nch < MAX_THEMES - 2)
			chosen[nch++] = cand[i];
	for (size_t i = 0; i < nc && nch < MAX_THEMES; i++) {
		size_t k;

		if (cand[i]->bigram)
			continue;
		for (k = 0; k < nch; k++)
			if (chosen[k]->bigram && pair_has(chosen[k]->key, cand[i]->key) &&
			    chosen[k]->df * 2 >= cand[i]->df)
				break;
		if (k == nch)
			chosen[nch++] = cand[i];
	}
	qsort(chosen, nch, sizeof *chosen, by_df);
	for (size_t i = 0; i < nch; i++)
		pb_buf_printf(b, i ? ", %s (%zu)" : "%s (%zu papers)", chosen[i]->show, chosen[i]->df);
out:
	free(cand);
	counter_free(&c);
	return nch;
}

/* A finding shortened at a word boundary for a one-line reason. */
static void
put_reason(struct pb_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n <= REASON_MAX) {
		pb_buf_puts(b, s);
		return;
	}
	n = REASON_MAX;
	while (n > REASON_MAX / 2 && s[n] != ' ')
		n--;
	/* never cut inside a UTF-8 sequence */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	pb_buf_append(b, s, n);
	pb_buf_puts(b, "\xE2\x80\xA6");   /* … */
}

struct topic_count {
	const char *name;
	size_t n;
};

char *
pb_exec_summary_builtin(const struct pb_digest *d)
{
	struct pb_buf b = { 0 };
	struct topic_count *tc = NULL;
	size_t ntc = 0, read_first;

	if (!d || d->n_items == 0) {
		pb_buf_puts(&b, "No new papers matched your topics in this announcement.");
		return pb_buf_detach(&b);
	}
	/* Papers per topic, most first; ties in the order topics first appear in the ranking. */
	tc = pb_xcalloc(d->n_items, sizeof *tc);
	for (size_t i = 0; i < d->n_items; i++) {
		const char *t = d->items[i].topic ? d->items[i].topic : "other";
		size_t k;

		for (k = 0; k < ntc; k++)
			if (strcmp(tc[k].name, t) == 0)
				break;
		if (k == ntc)
			tc[ntc++].name = t;
		tc[k].n++;
	}
	for (size_t k = 1; k < ntc; k++) {     /* stable insertion sort: a handful of topics */
		struct topic_count t = tc[k];
		size_t j = k;

		for (; j > 0 && tc[j - 1].n < t.n; j--)
			tc[j] = tc[j - 1];
		tc[j] = t;
	}
	pb_buf_printf(&b, "**%zu %s** matched your %s", d->n_items,
		      d->n_items == 1 ? "paper" : "papers", ntc == 1 ? "topic" : "topics");
	if (ntc == 1) {
		pb_buf_printf(&b, " **%s**", tc[0].name);
	} else {
		pb_buf_puts(&b, ": ");
		for (size_t k = 0; k < ntc; k++)
			pb_buf_printf(&b, "%s**%s** (%zu)", k ? ", " : "", tc[k].name, tc[k].n);
	}
	if (d->n_matched > d->n_items)
		pb_buf_printf(&b, "; %zu matched in all, the best %zu are shown", d->n_matched,
			      d->n_items);
	pb_buf_puts(&b, ".\n\n");

	{
		struct pb_buf th = { 0 };

		if (themes(&th, d) > 0)
			pb_buf_printf(&b, "**Recurring themes:** %s.\n\n", th.data);
		pb_buf_free(&th);
	}

	read_first = d->n_items < READ_FIRST ? d->n_items : READ_FIRST;
	pb_buf_puts(&b, read_first == 1 ? "**Read first:**\n\n" : "**Read these first:**\n\n");
	for (size_t i = 0; i < read_first; i++) {
		const struct pb_digest_item *it = &d->items[i];
		const char *why = it->n_findings ? it->findings[0] : NULL;

		/* a contribution reads better as a reason than the problem it answers */
		for (size_t k = 0; k < it->n_findings; k++) {
			if (strncmp(it->findings[k], "However", 7) != 0) {
				why = it->findings[k];
				break;
			}
		}

		pb_buf_printf(&b, "- **%s**", it->paper && it->paper->title ? it->paper->title
									  : "(untitled)");
		if (it->topic)
			pb_buf_printf(&b, " (%s, score %g)", it->topic, it->score);
		if (why) {
			pb_buf_puts(&b, ": ");
			put_reason(&b, why);
		}
		pb_buf_putc(&b, '\n');
	}
	/* no trailing newline: the renderer places paragraphs */
	while (b.len && b.data[b.len - 1] == '\n')
		pb_buf_truncate(&b, b.len - 1);
	free(tc);
	return pb_buf_detach(&b);
}
