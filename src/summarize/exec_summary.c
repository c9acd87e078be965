/* The built-in executive summary: what a reader can use without a model. How many papers
 * matched which topics, the themes that recur across titles and findings, and the papers to
 * read first with a one-line reason each. Light Markdown (paragraphs, "- " bullets, **bold**);
 * titles and findings are data spans (digest.h), never markup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/digest.h"
#include "paperboy/fold.h"
#include "paperboy/hash.h"
#include "paperboy/summarize.h"
#include "summarize_int.h"

#define MAX_THEMES 6
#define READ_FIRST 3
#define REASON_MAX 220      /* bytes of a finding quoted as a reason */
#define MAX_WORD 40         /* longer "words" are no theme (and always fit the buffers) */

/* Never part of a theme. */
static const char *const stop_words[] = {
	/* sorted (strcmp order) for bsearch */
	"a", "able", "about", "above", "abstract", "according", "accurate", "accurately",
	"achieve", "achieved", "achieves", "achieving", "across", "additional", "additionally",
	"address", "addressed", "addresses", "addressing", "after", "against", "aim", "aims",
	"all", "allow", "allowing", "allows", "almost", "along", "also", "although", "among",
	"an", "and", "another", "any", "approach", "approaches", "are", "as", "aspect",
	"aspects", "associated", "at", "based", "be", "because", "been", "before", "being",
	"below", "benchmark", "benchmarks", "benefit", "benefits", "best", "better", "between",
	"beyond", "both", "broad", "but", "by", "called", "can", "cannot", "capable",
	"certain", "challenging", "common", "commonly", "comparable", "compared",
	"competitive", "complex", "comprehensive", "concerning", "consider", "considerable",
	"considered", "considering", "consistent", "consistently", "contain", "contained",
	"containing", "contains", "corresponding", "could", "critical", "crucial", "current",
	"demonstrate", "demonstrated", "demonstrates", "demonstrating", "derive", "derived",
	"despite", "develop", "developed", "developing", "develops", "different", "difficult",
	"directly", "diverse", "do", "does", "doing", "done", "due", "during", "dynamic",
	"each", "effective", "effectively", "efficiently", "either", "enable", "enables",
	"enabling", "enhance", "enhanced", "enhances", "ensure", "ensuring", "entire",
	"especially", "essential", "establish", "established", "establishes", "etc", "even",
	"ever", "every", "existing", "experiment", "experiments", "explore", "explored",
	"exploring", "extensive", "few", "finally", "fine", "first", "for", "framework",
	"frameworks", "from", "full", "fully", "fundamental", "further", "furthermore",
	"future", "general", "generally", "generic", "given", "good", "great", "had", "has",
	"have", "having", "he", "hence", "her", "here", "hers", "high", "higher", "highly",
	"his", "how", "however", "i", "if", "important", "impressive", "improve", "improved",
	"improvement", "improvements", "improves", "improving", "in", "include", "includes",
	"including", "incorporate", "incorporating", "individual", "individually", "inherent",
	"instead", "into", "introduce", "introduced", "introduces", "introducing", "involve",
	"involved", "involves", "involving", "is", "it", "its", "itself", "just", "key",
	"kind", "kinds", "known", "large", "large-scale", "lead", "leading", "leads", "least",
	"less", "leverage", "leverages", "leveraging", "like", "little", "long", "lot", "lots",
	"lower", "made", "main", "major", "make", "makes", "making", "many", "may", "method",
	"methods", "might", "more", "moreover", "most", "much", "multiple", "must", "named",
	"namely", "near", "neither", "new", "no", "nor", "not", "notably", "novel", "obtain",
	"obtained", "obtaining", "of", "off", "offer", "offers", "often", "on", "once", "one",
	"only", "onto", "or", "other", "others", "otherwise", "our", "ours", "out",
	"outperform", "outperforming", "outperforms", "over", "overall", "own", "paper",
	"particular", "per", "performance", "possible", "precise", "present", "presented",
	"presents", "previous", "prior", "promising", "propose", "proposed", "proposes",
	"proposing", "prove", "proved", "proven", "proves", "provide", "provides", "providing",
	"proving", "range", "rather", "reach", "reached", "reaches", "reaching", "recent",
	"recently", "regarding", "related", "relevant", "relies", "rely", "remain", "remained",
	"remaining", "remains", "remarkable", "require", "requires", "requiring", "respective",
	"respectively", "result", "results", "robustly", "same", "second", "several", "she",
	"short", "should", "show", "showing", "shown", "shows", "significant", "significantly",
	"similar", "simple", "simultaneously", "since", "so", "some", "specific",
	"specifically", "standard", "state-of-the-art", "still", "strong", "stronger", "study",
	"substantial", "such", "superior", "task", "tasks", "termed", "than", "that", "the",
	"their", "theirs", "them", "then", "there", "thereby", "therefore", "these", "they",
	"third", "this", "those", "though", "three", "through", "thus", "to", "toward",
	"towards", "two", "typically", "under", "unified", "unlike", "until", "up", "upon",
	"us", "use", "used", "uses", "using", "usually", "various", "very", "via", "was",
	"way", "ways", "we", "well", "were", "what", "when", "where", "whereas", "whether",
	"which", "while", "who", "whole", "whose", "why", "wide", "widely", "will", "with",
	"within", "without", "work", "works", "worse", "would", "yet", "yield", "yields",
	"you", "your",
};

/* May be part of a two-word theme ("language model") but is too common alone. */
static const char *const weak_words[] = {
	/* sorted (strcmp order) for bsearch */
	"ability", "accuracy", "algorithm", "algorithms", "analysis", "application",
	"approach", "architecture", "area", "aspect", "based", "baseline", "behavior",
	"behaviour", "capability", "case", "certain", "challenge", "challenging", "class",
	"component", "computational", "condition", "data", "dataset", "datasets", "deep",
	"degree", "design", "effect", "efficiency", "efficient", "element", "empirical", "end",
	"evaluation", "evidence", "experiment", "experimental", "factor", "fast", "feature",
	"features", "field", "finding", "following", "form", "framework", "function", "future",
	"general", "generation", "image", "images", "impact", "information", "input",
	"insight", "learning", "level", "limit", "line", "low", "main", "measure", "mechanism",
	"metric", "model", "module", "multi", "network", "neural", "new", "number",
	"numerical", "observation", "open", "opportunity", "order", "output", "paper",
	"parameter", "part", "point", "potential", "practical", "problem", "process",
	"property", "protection", "quality", "range", "rate", "real", "recent", "related",
	"representation", "representations", "result", "robust", "scale", "set", "sets",
	"setting", "significant", "simple", "single", "small", "solution", "space", "specific",
	"state", "step", "strategy", "structure", "study", "support", "system", "technique",
	"term", "theoretical", "time", "training", "type", "understanding", "value", "variety",
	"visual", "way", "well", "work", "world",
};

static int
cmp_word(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

/* The lists are sorted: a digest looks up every word of its titles and findings. */
static int
in_list(const char *w, const char *const *list, size_t n)
{
	return bsearch(w, list, n, sizeof *list, cmp_word) != NULL;
}

#define IN(w, l) in_list((w), (l), sizeof(l) / sizeof((l)[0]))

/* ---- a small string-keyed counter ---- */

struct phrase {
	char *key;          /* folded: "gaussian splatting" */
	uint64_t hash;      /* of key, kept so a paper's terms are hashed once per run */
	char *show;         /* as first written, lowercased unless an acronym */
	size_t df;          /* papers it appears in */
	size_t last;        /* last paper counted, so each paper counts once */
	int bigram;
	int owned;          /* key and show are ours to free (else borrowed from pb_terms) */
};

struct counter {
	struct phrase *v;
	size_t n, cap;      /* cap is a power of two; open addressing */
};


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
		size_t j = old[i].hash & (c->cap - 1);

		while (c->v[j].key)
			j = (j + 1) & (c->cap - 1);
		c->v[j] = old[i];
		c->n++;
	}
	free(old);
}

/* Counts key (its hash h, 0: computed here) once for paper. */
static void
counter_add(struct counter *c, const char *key, uint64_t h, const char *show, size_t paper,
	    int bigram, int copy)
{
	size_t j;

	if ((c->n + 1) * 2 > c->cap)
		counter_grow(c);
	if (!h)
		h = pb_fnv1a64_str(key);
	j = h & (c->cap - 1);
	while (c->v[j].key) {
		if (c->v[j].hash == h && strcmp(c->v[j].key, key) == 0) {
			if (c->v[j].last != paper) {
				c->v[j].df++;
				c->v[j].last = paper;
			}
			return;
		}
		j = (j + 1) & (c->cap - 1);
	}
	c->v[j].key = copy ? pb_xstrdup(key) : (char *)key;
	c->v[j].hash = h;
	c->v[j].show = copy ? pb_xstrdup(show) : (char *)show;
	c->v[j].df = 1;
	c->v[j].last = paper;
	c->v[j].bigram = bigram;
	c->v[j].owned = copy;
	c->n++;
}

/* An empty counter with room for n keys without growing. */
static void
counter_init(struct counter *c, size_t n)
{
	c->cap = 256;
	while (c->cap < n * 2 + 2)
		c->cap *= 2;
	c->v = pb_xcalloc(c->cap, sizeof *c->v);
	c->n = 0;
}

static void
counter_free(struct counter *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		if (c->v[i].owned) {
			free(c->v[i].key);
			free(c->v[i].show);
		}
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
	/* plurals: "properties" -> "property", "approaches" -> "approach", "models" -> "model";
	 * "process", "corpus", "analysis" stay */
	if (n > 4 && strcmp(key + n - 3, "ies") == 0) {
		key[n - 3] = 'y';
		key[n - 2] = 0;
	} else if (n > 5 && (strcmp(key + n - 4, "sses") == 0 || strcmp(key + n - 4, "ches") == 0 ||
			     strcmp(key + n - 4, "shes") == 0 || strcmp(key + n - 3, "xes") == 0)) {
		key[n - 2] = 0;
	} else if (n > 4 && key[n - 1] == 's' && key[n - 2] != 's' && key[n - 2] != 'u' &&
		   key[n - 2] != 'i') {
		key[n - 1] = 0;
	}
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

static int
ends_with(const char *w, const char *suffix)
{
	size_t n = strlen(w), k = strlen(suffix);

	return n > k + 2 && strcmp(w + n - k, suffix) == 0;
}

/* An adverb ("fully", "significantly"): filler wherever it stands, so it breaks a pair too. */
static int
adverb(const char *key)
{
	static const char *const sfx[] = {
		"ally", "ively", "ously", "ently", "antly", "edly", "ingly", "ately", "ibly",
		"ably", "ctly", "ully", "arly", "ifically", NULL,
	};

	for (const char *const *x = sfx; *x; x++)
		if (ends_with(key, *x))
			return 1;
	return 0;
}

/* An adjective by its ending: fine inside a pair ("generative model"),
 * no theme alone. */
static int
adjective(const char *key)
{
	static const char *const sfx[] = {
		"ive", "ous", "able", "ible", "ful", "less", "ical", "ial", NULL,
	};

	for (const char *const *x = sfx; *x; x++)
		if (ends_with(key, *x))
			return 1;
	return 0;
}

static void count_decoded(struct counter *c, const char *s, size_t paper);

/* Counts the words and adjacent word pairs of text for paper, TeX accents read as the letters
 * they make first ("Schr\"odinger" is one word, "Schrödinger", not "schr" and "odinger"). */
static void
count_text(struct counter *c, const char *s, size_t paper)
{
	struct pb_buf d = { 0 };

	pb_tex_decode(s, strlen(s), &d);
	count_decoded(c, pb_buf_str(&d), paper);
	pb_buf_free(&d);
}

/* A pair never spans punctuation, a stop word, a number or LaTeX, so "reconstruction of
 * scenes" yields no pair. */
static void
count_decoded(struct counter *c, const char *s, size_t paper)
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
			int mixed;

			/* words keep inner hyphens: "vision-language", "feed-forward" */
			while (*s && (word_byte((unsigned char)*s) ||
				      (*s == '-' && word_byte((unsigned char)s[1]) && s > b)))
				s++;
			if (s - b > MAX_WORD) {  /* a formula, a URL, a run of CJK: no theme */
				have_prev = 0;
				continue;
			}
			fold_word(b, (size_t)(s - b), key, show, sizeof key);
			mixed = strcmp(key, show) != 0;
			if (!countable(key) || IN(key, stop_words) ||
			    (mixed && IN(show, stop_words)) || adverb(key)) {
				have_prev = 0;
				continue;
			}
			if (!IN(key, weak_words) && !(mixed && IN(show, weak_words)) &&
			    (mixed || !adjective(key)))
				counter_add(c, key, 0, show, paper, 0, 1);
			if (have_prev) {
				char k2[130], s2[130];
				size_t a = strlen(pk), kb = strlen(key), sa = strlen(ps), sb = strlen(show);

				memcpy(k2, pk, a);
				k2[a] = ' ';
				memcpy(k2 + a + 1, key, kb + 1);
				memcpy(s2, ps, sa);
				s2[sa] = ' ';
				memcpy(s2 + sa + 1, show, sb + 1);
				counter_add(c, k2, 0, s2, paper, 1, 1);
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
struct pb_terms {
	struct phrase *v;   /* distinct, owned */
	size_t n;
};

static void
count_item(struct counter *c, const char *title, char *const *findings, size_t nf, size_t paper)
{
	if (title)
		count_text(c, title, paper);
	for (size_t k = 0; k < nf; k++)
		count_text(c, findings[k], paper);
}

struct pb_terms *
pb_terms_new(const char *title, char *const *findings, size_t n_findings)
{
	struct pb_terms *t = pb_xcalloc(1, sizeof *t);
	struct counter c = { 0 };

	count_item(&c, title, findings, n_findings, 1);
	t->v = pb_xcalloc(c.n ? c.n : 1, sizeof *t->v);
	for (size_t i = 0; i < c.cap; i++) {
		if (c.v[i].key) {
			t->v[t->n++] = c.v[i];
			c.v[i].owned = 0;       /* moved */
		}
	}
	counter_free(&c);
	return t;
}

void
pb_terms_free(struct pb_terms *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].show);
	}
	free(t->v);
	free(t);
}

static size_t
themes(struct pb_buf *b, const struct pb_digest *d, int zh, const struct pb_terms *const *terms)
{
	struct counter c = { 0 };
	struct phrase **cand = NULL, *chosen[MAX_THEMES];
	size_t nc = 0, nch = 0, total = 0;

	/* sized once for every paper's terms: no rehashing while counting */
	for (size_t i = 0; terms && i < d->n_items; i++)
		total += terms[i] ? terms[i]->n : 0;
	if (total)
		counter_init(&c, total);
	for (size_t i = 0; i < d->n_items; i++) {
		const struct pb_digest_item *it = &d->items[i];
		const struct pb_terms *t = terms ? terms[i] : NULL;

		if (t) {
			for (size_t k = 0; k < t->n; k++)
				counter_add(&c, t->v[k].key, t->v[k].hash, t->v[k].show, i + 1,
					    t->v[k].bigram, 0);
		} else {
			count_item(&c, it->paper ? it->paper->title : NULL, it->findings,
				   it->n_findings, i + 1);
		}
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
		if (zh)
			pb_buf_printf(b, "%s%s（%zu 篇）", i ? "、" : "", chosen[i]->show,
				      chosen[i]->df);
		else
			pb_buf_printf(b, i ? ", %s (%zu)" : "%s (%zu papers)", chosen[i]->show,
				      chosen[i]->df);
out:
	free(cand);
	counter_free(&c);
	return nch;
}

/* Appends s[0..n) as a data span (digest.h): outside text the renderers show and never read as
 * markup. The markers themselves and line breaks cannot occur inside. */
static void
put_data(struct pb_buf *b, const char *s, size_t n)
{
	pb_buf_putc(b, PB_DATA_OPEN);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == PB_DATA_OPEN || c == PB_DATA_CLOSE)
			continue;
		pb_buf_putc(b, c == '\n' || c == '\r' ? ' ' : c);
	}
	pb_buf_putc(b, PB_DATA_CLOSE);
}

/* A finding shortened at a word boundary for a one-line reason. */
static void
put_reason(struct pb_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n <= REASON_MAX) {
		put_data(b, s, n);
		return;
	}
	n = REASON_MAX;
	while (n > REASON_MAX / 2 && s[n] != ' ')
		n--;
	/* never cut inside a UTF-8 sequence */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	put_data(b, s, n);
	pb_buf_puts(b, "\xE2\x80\xA6");   /* … */
}

struct topic_count {
	const char *name;
	size_t n;
};

/* Chinese readers get the built-in text in Chinese, in the script of the words.h column their
 * tag reads (pb_summary_zh: "zh-TW" Traditional, "zh-CN" Simplified); everyone else in
 * English. Titles, topics and findings stay as written. */

static void
head_en(struct pb_buf *b, const struct pb_digest *d, const struct topic_count *tc, size_t ntc)
{
	pb_buf_printf(b, "**%zu %s** matched your %s", d->n_items,
		      d->n_items == 1 ? "paper" : "papers", ntc == 1 ? "topic" : "topics");
	if (ntc == 1) {
		pb_buf_printf(b, " **%s**", tc[0].name);
	} else {
		pb_buf_puts(b, ": ");
		for (size_t k = 0; k < ntc; k++)
			pb_buf_printf(b, "%s**%s** (%zu)", k ? ", " : "", tc[k].name, tc[k].n);
	}
	if (d->n_matched > d->n_items)
		pb_buf_printf(b, "; %zu matched in all, the best %zu are shown", d->n_matched,
			      d->n_items);
	pb_buf_puts(b, ".\n\n");
}

static void
head_zh(struct pb_buf *b, const struct pb_digest *d, int zh, const struct topic_count *tc,
	size_t ntc)
{
	int t = zh == PB_ZH_HANT;

	if (ntc == 1) {
		pb_buf_printf(b, t ? "本期共有 **%zu 篇論文**符合您的主題 **%s**"
				   : "本期共有 **%zu 篇论文**与您的主题 **%s** 匹配", d->n_items,
			      tc[0].name);
	} else {
		pb_buf_printf(b, t ? "本期共有 **%zu 篇論文**符合您的主題："
				   : "本期共有 **%zu 篇论文**与您的主题匹配：", d->n_items);
		for (size_t k = 0; k < ntc; k++)
			pb_buf_printf(b, "%s**%s**（%zu 篇）", k ? "、" : "", tc[k].name, tc[k].n);
	}
	if (d->n_matched > d->n_items)
		pb_buf_printf(b, t ? "；共符合 %zu 篇，下面列出最相關的 %zu 篇"
				   : "；共匹配 %zu 篇，下面列出最相关的 %zu 篇", d->n_matched,
			      d->n_items);
	pb_buf_puts(b, "。\n\n");
}

char *
pb_exec_summary_builtin(const struct pb_digest *d)
{
	return pb_exec_summary_terms(d, NULL);
}

char *
pb_exec_summary_terms(const struct pb_digest *d, const struct pb_terms *const *terms)
{
	struct pb_buf b = { 0 };
	struct topic_count *tc = NULL;
	size_t ntc = 0, read_first;
	int zh = d ? pb_summary_zh(d->language) : PB_ZH_NONE;

	if (!d || d->n_items == 0) {
		pb_buf_puts(&b, zh == PB_ZH_HANT ? "本期公告中沒有符合您主題的新論文。"
				: zh ? "本期公告中没有与您的主题匹配的新论文。"
				: "No new papers matched your topics in this announcement.");
		return pb_buf_detach(&b);
	}
	/* Papers per topic, most first; ties in the order topics first appear in the ranking. */
	tc = pb_xcalloc(d->n_items, sizeof *tc);
	for (size_t i = 0; i < d->n_items; i++) {
		const char *t = d->items[i].topic ? d->items[i].topic : (zh ? "其他" : "other");
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
	if (zh)
		head_zh(&b, d, zh, tc, ntc);
	else
		head_en(&b, d, tc, ntc);

	{
		struct pb_buf th = { 0 };

		if (themes(&th, d, zh, terms) > 0)
			pb_buf_printf(&b, zh == PB_ZH_HANT ? "**反覆出現的主題：**%s。\n\n"
					  : zh ? "**反复出现的主题：**%s。\n\n"
					  : "**Recurring themes:** %s.\n\n", th.data);
		pb_buf_free(&th);
	}

	read_first = d->n_items < READ_FIRST ? d->n_items : READ_FIRST;
	if (zh)
		pb_buf_puts(&b, zh == PB_ZH_HANT ? "**建議優先閱讀：**\n\n"
						 : "**建议优先阅读：**\n\n");
	else
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

		const char *title = it->paper && it->paper->title ? it->paper->title : "(untitled)";

		pb_buf_puts(&b, "- **");
		put_data(&b, title, strlen(title));
		pb_buf_puts(&b, "**");
		if (it->topic)
			pb_buf_printf(&b, zh ? "（%s，得分 %g）" : " (%s, score %g)", it->topic,
				      it->score);
		if (why) {
			pb_buf_puts(&b, zh ? "：" : ": ");
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
