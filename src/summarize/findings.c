/* Key findings: a sentence splitter for abstracts and the choice of the sentences that carry a
 * paper's contribution and results. Text is kept exactly as written (LaTeX included); turning
 * it into display text is the renderer's job. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/sentence.h"
#include "paperboy/summarize.h"
#include "summarize_int.h"

/* Longest inline math we skip over: a `$` with no partner within this span is a literal
 * dollar, and the bound keeps the splitter linear on hostile input. */
#define MATH_SPAN 600

/* Words that end in a period without ending the sentence, lowercased. "et al." is "al". */
static const char *const abbrevs[] = {
	"al", "app", "approx", "art", "ca", "cca", "cf", "ch", "chap", "co", "col", "cols",
	"cor", "def", "dept", "dr", "ed", "eds", "eq", "eqn", "eqns", "eqs", "esp", "fig",
	"figs", "inc", "jr", "lem", "ltd", "mr", "mrs", "ms", "no", "nos", "pp", "prof",
	"prop", "ref", "refs", "resp", "sec", "sect", "secs", "sr", "st", "tab", "thm",
	"univ", "viz", "vol", "vols", "vs", "ph.d", "ibid",
};

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Skips a math span starting at s[i] ('$', "$$" or "\("); returns the index after its end, or
 * i when the span does not close within MATH_SPAN bytes. */
static size_t
skip_math(const char *s, size_t len, size_t i)
{
	size_t lim = len - i > MATH_SPAN ? i + MATH_SPAN : len;

	if (s[i] == '$') {
		int dbl = i + 1 < len && s[i + 1] == '$';
		size_t j = i + (dbl ? 2 : 1);

		for (; j < lim; j++) {
			if (s[j] == '\\') {
				j++;
				continue;
			}
			if (s[j] == '$') {
				if (!dbl)
					return j + 1;
				if (j + 1 < len && s[j + 1] == '$')
					return j + 2;
			}
		}
		return i;
	}
	/* "\(" ... "\)" */
	for (size_t j = i + 2; j + 1 < lim; j++)
		if (s[j] == '\\' && s[j + 1] == ')')
			return j + 2;
	return i;
}

/* Is the period at s[dot] part of an abbreviation or an initial rather than a sentence end? */
static int
is_abbrev(const char *s, size_t from, size_t dot)
{
	size_t b = dot, n;
	char low[16];
	int all_single = 1, parts = 0;

	while (b > from && (is_alnum((unsigned char)s[b - 1]) || s[b - 1] == '.'))
		b--;
	while (b < dot && s[b] == '.')
		b++;
	n = dot - b;
	if (n == 0 || n >= sizeof low)
		return 0;
	/* A URL or path ending in "x." is no initial: the token must start a word. */
	if (b > from && !is_space((unsigned char)s[b - 1]) && s[b - 1] != '(' && s[b - 1] != '[' &&
	    s[b - 1] != '-' && s[b - 1] != '"')
		return 0;
	for (size_t k = 0; k < n; k++)
		low[k] = (char)tolower((unsigned char)s[b + k]);
	low[n] = 0;
	/* Initials: "J. Smith", "J.R.R. Tolkien". */
	if (n == 1 && s[b] >= 'A' && s[b] <= 'Z')
		return 1;
	/* Dotted letter groups: "e.g.", "i.e.", "w.r.t.", "a.k.a.", "U.S.". */
	for (size_t k = 0, run = 0; k <= n; k++) {
		if (k == n || low[k] == '.') {
			if (run != 1)
				all_single = 0;
			parts++;
			run = 0;
		} else {
			run++;
		}
	}
	if (parts > 1 && all_single)
		return 1;
	for (size_t k = 0; k < sizeof abbrevs / sizeof abbrevs[0]; k++)
		if (strcmp(low, abbrevs[k]) == 0)
			return 1;
	return 0;
}

/* "intensity.Consequently, ...": a period with the space forgotten. Only between a whole
 * lowercase word of three letters or more and a capitalised word, so "e.g.", "arxiv.org",
 * "github.com/x.Y" and "3.5" stay whole. */
static int
glued_end(const char *s, size_t len, size_t from, size_t dot)
{
	size_t b = dot, e = dot + 1;

	while (b > from && s[b - 1] >= 'a' && s[b - 1] <= 'z')
		b--;
	if (dot - b < 3 || (b > from && !is_space((unsigned char)s[b - 1]) && s[b - 1] != '('))
		return 0;
	if (e >= len || s[e] < 'A' || s[e] > 'Z')
		return 0;
	e++;
	if (e >= len || s[e] < 'a' || s[e] > 'z')
		return 0;
	while (e < len && s[e] >= 'a' && s[e] <= 'z')
		e++;
	return e == len || s[e] == ' ' || s[e] == ',';
}

static void
emit(char ***v, size_t *n, size_t *cap, const char *s, size_t a, size_t b)
{
	while (a < b && is_space((unsigned char)s[a]))
		a++;
	while (b > a && is_space((unsigned char)s[b - 1]))
		b--;
	if (a == b)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = pb_xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = pb_xstrndup(s + a, b - a);
}

/* Closing marks that stay with the sentence they end: ) ] } " ', the right quotes and the CJK
 * closing brackets and quotes. */
static size_t
skip_closers(const char *s, size_t len, size_t j)
{
	for (;;) {
		j = pb_sentence_closers(s, j, len);
		if (j < len && s[j] == '}')
			j++;
		else
			return j;
	}
}

size_t
pb_split_sentences(const char *text, char ***out)
{
	char **v = NULL;
	size_t n = 0, cap = 0, len, start = 0, i = 0;
	const char *s = text;

	*out = NULL;
	if (!s)
		return 0;
	len = strlen(s);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '$' || (c == '\\' && i + 1 < len && s[i + 1] == '(')) {
			size_t e = skip_math(s, len, i);

			i = e > i ? e : i + 1;
			continue;
		}
		if (c == '\\') {            /* "\." "\%" "\$": escaped, never a boundary */
			i += 2;
			continue;
		}
		if (c == '\n') {            /* a blank line ends a paragraph and its sentence */
			size_t k = i + 1;

			while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
				k++;
			if (k < len && s[k] == '\n') {
				emit(&v, &n, &cap, s, start, i);
				start = i = k + 1;
				continue;
			}
			i++;
			continue;
		}
		/* 。！？ and the danda end a sentence with no space after them (Chinese,
		 * Japanese, Hindi) */
		if (c >= 0xC0 && pb_sentence_stop(s, i, len) > 0) {
			size_t j = i, m;

			while ((m = pb_sentence_stop(s, j, len)) > 0)
				j += m;
			j = skip_closers(s, len, j);
			emit(&v, &n, &cap, s, start, j);
			start = i = j;
			continue;
		}
		if (c == '.' || c == '!' || c == '?') {
			size_t j = i + 1, k;

			while (j < len && (s[j] == '.' || s[j] == '!' || s[j] == '?'))
				j++;
			j = skip_closers(s, len, j);
			if (c == '.' && j == i + 1 && glued_end(s, len, start, i)) {
				emit(&v, &n, &cap, s, start, j);
				start = i = j;
				continue;
			}
			/* Decimals, URLs, "e.g." inside: the mark must be followed by space or end. */
			if (j < len && !is_space((unsigned char)s[j])) {
				i = j;
				continue;
			}
			k = j;
			while (k < len && is_space((unsigned char)s[k]))
				k++;
			if (k < len) {
				unsigned char nx = (unsigned char)s[k];

				/* A lowercase word or a comma after the mark continues the sentence
				 * ("e.g. the", "vs. prior work", "etc., and"). */
				if ((nx >= 'a' && nx <= 'z') || nx == ',' || nx == ';' || nx == ':' ||
				    nx == ')' || (c == '.' && j == i + 1 && is_abbrev(s, start, i))) {
					i = j;
					continue;
				}
			}
			emit(&v, &n, &cap, s, start, j);
			start = i = k;
			continue;
		}
		i++;
	}
	emit(&v, &n, &cap, s, start, len);
	*out = v;
	return n;
}

void
pb_sentences_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- which sentences carry findings ---- */

#define MAX_TOK 256
#define TOK_LEN 24

struct toks {
	char t[MAX_TOK][TOK_LEN];
	size_t n;
};

/* Lowercased ASCII words; '-' and punctuation separate ("state-of-the-art" is four words), bytes
 * >= 0x80 belong to words so CJK or accented text never splits into fake English. */
static void
tokenize(const char *s, struct toks *tk)
{
	tk->n = 0;
	while (*s && tk->n < MAX_TOK) {
		size_t k = 0;

		while (*s && !(is_alnum((unsigned char)*s) || (unsigned char)*s >= 0x80))
			s++;
		if (!*s)
			break;
		while (*s && (is_alnum((unsigned char)*s) || (unsigned char)*s >= 0x80)) {
			if (k + 1 < TOK_LEN)
				tk->t[tk->n][k++] = (char)tolower((unsigned char)*s);
			s++;
		}
		tk->t[tk->n][k] = 0;
		tk->n++;
	}
}

/* Endings a stem ("propos*") may take: the forms of a verb or adverb, not new words
 * ("outperformer", "provide" from "prov"). */
static const char *const endings[] = {
	"", "e", "s", "es", "ed", "d", "ing", "ly", "y", "ies", "ied", "ze", "zes", "zed",
	"se", "ses", "sed", "sis", "al", "ion", "ions", NULL,
};

/* Is w one of the words in list? An entry ending in '*' is a stem taking the endings above. */
static int
word_in(const char *w, const char *const *list)
{
	for (; *list; list++) {
		size_t n = strlen(*list);

		if ((*list)[n - 1] == '*') {
			if (strncmp(w, *list, n - 1) == 0) {
				for (const char *const *e = endings; *e; e++)
					if (strcmp(w + n - 1, *e) == 0)
						return 1;
			}
		} else if (strcmp(w, *list) == 0) {
			return 1;
		}
	}
	return 0;
}

static const char *const contrib_verbs[] = {
	"propos*", "introduc*", "present*", "develop*", "design*", "devis*", "formulat*",
	"build", "builds", "built", "construct*", "releas*", "contribut*", "establish*",
	"deriv*", "prove", "proved", "proven", "put", "creat*", "unveil*", NULL,
};
static const char *const result_verbs[] = {
	"show*", "demonstrat*", "find", "finds", "found", "observ*", "report*", "achiev*",
	"obtain*", "confirm*", "validat*", "verif*", "reveal*", "discover*", "attain*",
	"outperform*", "improv*", "surpass*", NULL,
};
/* What "this paper ..." may do beyond the contribution verbs. */
static const char *const paper_verbs[] = {
	"explor*", "investigat*", "studies", "examin*", "address*", "describ*", "review*",
	"survey*", "analy*", "tackl*", "offers", "provides", "aims", "focus*", NULL,
};
/* What "we" do in a study that is method rather than contribution: a finding, weaker. */
static const char *const study_verbs[] = {
	"investigat*", "explor*", "examin*", "study", "studied", "analy*", "evaluat*",
	"consider*", "compar*", "simulat*", "assess*", "quantif*", "measur*", "characteriz*",
	"characteris*", "identif*", "suggest*", NULL,
};
/* "... show that ...": a claim, unless passive background ("it has been shown that"). */
static const char *const claim_verbs[] = {
	"show*", "demonstrat*", "find", "finds", "found", "reveal*", "indicat*", "suggest*",
	"prove", "proves", "proved", "proven", "confirm*", "establish*", NULL,
};
/* Somebody else's claim: "recent studies indicate that ...". */
static const char *const others_marks[] = {
	"recent", "recently", "previous", "previously", "prior", "existing", "earlier", "past",
	"conventional", "traditional", "literature", "researchers", "many", "numerous", NULL,
};
static const char *const passive_marks[] = {
	"been", "is", "was", "were", "are", "be", "has", "have", "had", "previously", "widely",
	"well", "commonly", "often", "recently", NULL,
};
static const char *const paper_nouns[] = {
	"paper", "work", "study", "article", "letter", "survey", "thesis", "report", NULL,
};
static const char *const our_nouns[] = {
	"result*", "experiment*", "method*", "approach*", "model*", "framework*", "system*",
	"analys*", "finding*", "evaluation*", "algorithm*", "technique*", "solution*",
	"pipeline*", "contribution*", NULL,
};
/* Words that may sit between "we" and its verb ("we further propose", "we have shown"). */
static const char *const we_adverbs[] = {
	"also", "further", "then", "first", "additionally", "here", "now", "thus", "therefore",
	"finally", "empirically", "experimentally", "theoretically", "extensively", "formally",
	"have", "hereby", "next", "subsequently", "moreover", "furthermore", "consequently",
	"successfully", "systematically", "rigorously", "can", "will", "newly", "carefully",
	"instead", "thereby", "analytically", "numerically", NULL,
};
static const char *const ordinals[] = {
	"first", "firstly", "second", "secondly", "third", "thirdly", "finally", "lastly", NULL,
};
static const char *const evidence_verbs[] = {
	"show*", "demonstrat*", "indicat*", "suggest*", "reveal*", "confirm*", "validat*",
	"verif*", "highlight*", NULL,
};
static const char *const strong_words[] = {
	"outperform*", "surpass*", "sota", NULL,
};
static const char *const mild_words[] = {
	"achiev*", "significant*", "speedup*", "faster", "novel", NULL,
};

/* Numbers with a percent sign ("3.5%", "12 %", "40\%") or a factor ("2x", "3.1×", "10-fold"). */
static int
has_figures(const char *s)
{
	int pct = 0, factor = 0;

	for (const char *p = s; *p; p++) {
		const char *q;

		if (!(*p >= '0' && *p <= '9'))
			continue;
		q = p;
		while ((*q >= '0' && *q <= '9') || (*q == '.' && q[1] >= '0' && q[1] <= '9'))
			q++;
		if (*q == ' ')
			q++;
		if (*q == '%' || (q[0] == '\\' && q[1] == '%') || strncmp(q, "percent", 7) == 0)
			pct = 1;
		else if (((*q == 'x' || *q == 'X') && !is_alnum((unsigned char)q[1])) ||
			 strncmp(q, "\xC3\x97", 2) == 0 || strncmp(q, "-fold", 5) == 0 ||
			 strncmp(q, "\\times", 6) == 0)
			factor = 1;
		p = q > p ? q - 1 : p;
	}
	return pct ? 2 : factor ? 1 : 0;
}

/* Does one of the four words before the verb at v say the claim is someone else's? */
static int
others_claim(const struct toks *tk, size_t v)
{
	for (size_t k = 1; k <= 4 && k <= v; k++)
		if (word_in(tk->t[v - k], others_marks))
			return 1;
	return 0;
}

/* The score of a sentence: 0 for background, >= 2 for a finding. *contrib_out and *result_out
 * (may be NULL) say whether it states a contribution and how many kinds of result evidence it
 * has. */
static int
score_sentence(const char *s, struct toks *tk, int *contrib_out, int *result_out)
{
	int sc = 0, contrib = 0, result = 0, study = 0, exper = 0, evid = 0;

	tokenize(s, tk);
	for (size_t i = 0; i < tk->n; i++) {
		const char *w = tk->t[i];
		const char *n1 = i + 1 < tk->n ? tk->t[i + 1] : "";
		const char *n2 = i + 2 < tk->n ? tk->t[i + 2] : "";

		if (strcmp(w, "we") == 0 || strcmp(w, "i") == 0) {
			/* "we propose", and "we further/also/then propose"; single authors too */
			const char *v = word_in(n1, we_adverbs) ? n2 : n1;

			if (word_in(v, contrib_verbs) || word_in(n1, contrib_verbs))
				contrib = 1;
			else if (word_in(v, result_verbs) || word_in(n1, result_verbs))
				result++;
			else if (word_in(v, study_verbs))
				study = 1;
		} else if (strcmp(w, "that") == 0 && i > 0 && word_in(tk->t[i - 1], claim_verbs) &&
			   !(i > 1 && word_in(tk->t[i - 2], passive_marks)) &&
			   !others_claim(tk, i - 1)) {
			result++;
		} else if (strcmp(w, "it") == 0 && i == 0 && word_in(n1, contrib_verbs) &&
			   n1[strlen(n1) - 1] == 's') {
			contrib = 1;    /* "It proposes ...", after "This article ..." */
		} else if (strcmp(w, "this") == 0 && word_in(n1, paper_nouns) &&
			   (word_in(n2, contrib_verbs) || word_in(n2, paper_verbs))) {
			contrib = 1;
		} else if (strcmp(w, "our") == 0 && word_in(n1, our_nouns)) {
			sc += 1;
		} else if ((strcmp(w, "results") == 0 || strcmp(w, "experiments") == 0 ||
			    strcmp(w, "evaluations") == 0 || strcmp(w, "experiment") == 0) &&
			   word_in(n1, evidence_verbs)) {
			result++;
		} else if (strcmp(w, "state") == 0 && strcmp(n1, "of") == 0 &&
			   strcmp(n2, "the") == 0 && i + 3 < tk->n &&
			   strcmp(tk->t[i + 3], "art") == 0) {
			result++;
		} else if (word_in(w, strong_words)) {
			result++;
		} else if (word_in(w, mild_words)) {
			sc += 1;
		}
		if (strncmp(w, "experiment", 10) == 0)
			exper = 1;
		if (word_in(w, evidence_verbs))
			evid = 1;
	}
	if (tk->n > 0 && word_in(tk->t[0], ordinals))   /* "Second, we show ..." lists results */
		sc += 1;
	if (tk->n < 7)              /* "Our experiments show three findings." announces, not says */
		sc -= 2;
	if (exper && evid && !result)   /* "Extensive experiments on X demonstrate ..." */
		result++;
	if (contrib_out)
		*contrib_out = contrib;
	if (result_out)
		*result_out = result;
	/* a contribution outweighs one result; two kinds of result evidence outweigh it */
	sc += 4 * contrib + 3 * (result > 2 ? 2 : result) + 2 * (study && !contrib && !result) +
	      has_figures(s);
	/* a measured value ("31.2 dB", "0.87 AUC") says more than words */
	if (!has_figures(s) && pb_finding_has_number(s))
		sc += 2;
	return sc;
}

/* ---- what is never a key finding ---- */

/* Openings of background: the state of the field, not this paper ("Recently, ...", "With the
 * rapid development of ...", "In recent years ..."). */
static const char *const background_first[] = {
	"recently", "recent", "nowadays", "traditionally", "conventionally", "historically",
	"currently", "existing", "previous", "prior", "classical", "conventional", "traditional",
	"today", "lately", "increasingly", NULL,
};
/* "X has achieved / have attracted ...": somebody's past success, the field's background. */
static const char *const background_perfect[] = {
	"achieved", "attracted", "emerged", "become", "gained", "shown", "demonstrated", "made",
	"enabled", "revolutionized", "revolutionised", "witnessed", "seen", "received",
	"transformed", "advanced", "spurred", "drawn", "garnered", "proven", "established", NULL,
};
/* Openings of a problem statement: the gap the paper answers, which the abstract states. */
static const char *const problem_first[] = {
	"however", "yet", "unfortunately", "nevertheless", "nonetheless", "but", "despite",
	"although", "though", "while", "whereas", "still", NULL,
};
/* Problem words anywhere: "remains challenging", "suffer from", "struggle". */
static const char *const problem_words[] = {
	"suffer*", "struggl*", "hinder*", "bottleneck*", "underexplored", "unexplored",
	"unsolved", "elusive", "prohibitive", "lack", "lacks", "lacking", NULL,
};
static const char *const remain_adjs[] = {
	"challenging", "challenge", "open", "difficult", "unclear", "limited", "unsolved",
	"elusive", "underexplored", "unknown", "hard", "problematic", "scarce", NULL,
};

/* "(3) The IIDM model ...", "ii) ...", "(b) ...": an item of a list whose other items are
 * elsewhere; alone it reads as a fragment. */
static int
orphan_item(const char *s)
{
	const char *p = s;
	size_t n = 0;
	int paren = 0;

	if (*p == '(') {
		paren = 1;
		p++;
	}
	while ((p[n] >= '0' && p[n] <= '9') || p[n] == 'i' || p[n] == 'v' || p[n] == 'x' ||
	       (n == 0 && p[n] >= 'a' && p[n] <= 'h'))
		n++;
	if (n == 0 || n > 4 || p[n] != ')' || p[n + 1] != ' ')
		return 0;
	/* a lone letter needs its parenthesis: "a) " is rare, "(a) " is a list */
	return paren || (p[0] >= '0' && p[0] <= '9') || p[0] == 'i' || p[0] == 'v' || p[0] == 'x';
}

/* The authors speak: "we", "our", "this paper", "the proposed", "these results". */
static int
own_claim(const struct toks *tk)
{
	for (size_t i = 0; i < tk->n; i++) {
		const char *w = tk->t[i];

		if (strcmp(w, "we") == 0 || strcmp(w, "our") == 0 || strcmp(w, "ours") == 0 ||
		    strcmp(w, "us") == 0 || strcmp(w, "proposed") == 0 ||
		    ((strcmp(w, "these") == 0 || strcmp(w, "the") == 0) && i + 1 < tk->n &&
		     (strcmp(tk->t[i + 1], "results") == 0 ||
		      strcmp(tk->t[i + 1], "experiments") == 0 ||
		      strcmp(tk->t[i + 1], "findings") == 0)) ||
		    (strcmp(w, "this") == 0 && i + 1 < tk->n && word_in(tk->t[i + 1], paper_nouns)))
			return 1;
	}
	return 0;
}

static int
sentence_kind(const char *s, struct toks *tk)
{
	tokenize(s, tk);
	if (orphan_item(s))
		return PB_SENT_ORPHAN;
	if (tk->n == 0 || own_claim(tk))
		return PB_SENT_PLAIN;
	if (word_in(tk->t[0], problem_first))
		return PB_SENT_PROBLEM;
	if (word_in(tk->t[0], background_first) ||
	    (tk->n > 2 && strcmp(tk->t[0], "in") == 0 &&
	     (strcmp(tk->t[1], "recent") == 0 || strcmp(tk->t[1], "the") == 0) &&
	     (strcmp(tk->t[2], "years") == 0 || strcmp(tk->t[2], "past") == 0 ||
	      strcmp(tk->t[2], "last") == 0 || strcmp(tk->t[2], "era") == 0)) ||
	    (tk->n > 2 && (strcmp(tk->t[0], "over") == 0 || strcmp(tk->t[0], "during") == 0) &&
	     strcmp(tk->t[1], "the") == 0 &&
	     (strcmp(tk->t[2], "past") == 0 || strcmp(tk->t[2], "last") == 0)) ||
	    (tk->n > 2 && strcmp(tk->t[0], "with") == 0 && strcmp(tk->t[1], "the") == 0 &&
	     (strcmp(tk->t[2], "rapid") == 0 || strcmp(tk->t[2], "recent") == 0 ||
	      strcmp(tk->t[2], "advent") == 0 || strcmp(tk->t[2], "growing") == 0 ||
	      strcmp(tk->t[2], "increasing") == 0 || strcmp(tk->t[2], "rise") == 0 ||
	      strcmp(tk->t[2], "development") == 0 || strcmp(tk->t[2], "success") == 0 ||
	      strcmp(tk->t[2], "emergence") == 0 || strcmp(tk->t[2], "proliferation") == 0)))
		return PB_SENT_BACKGROUND;
	for (size_t i = 0; i + 1 < tk->n; i++) {
		const char *w = tk->t[i], *n1 = tk->t[i + 1];
		const char *n2 = i + 2 < tk->n ? tk->t[i + 2] : "";

		if ((strcmp(w, "has") == 0 || strcmp(w, "have") == 0) &&
		    (word_in(n1, background_perfect) ||
		     ((strcmp(n1, "recently") == 0 || strcmp(n1, "long") == 0 ||
		       strcmp(n1, "been") == 0) && (word_in(n2, background_perfect) ||
						    strcmp(n2, "widely") == 0 ||
						    strcmp(n2, "been") == 0))))
			return PB_SENT_BACKGROUND;
		if (strcmp(w, "plays") == 0 || strcmp(w, "play") == 0)
			if (strcmp(n1, "a") == 0 || strcmp(n1, "an") == 0 ||
			    strcmp(n1, "crucial") == 0 || strcmp(n1, "important") == 0)
				return PB_SENT_BACKGROUND;
		if ((strcmp(w, "remain") == 0 || strcmp(w, "remains") == 0) &&
		    (word_in(n1, remain_adjs) || word_in(n2, remain_adjs)))
			return PB_SENT_PROBLEM;
		if (strcmp(w, "fail") == 0 || strcmp(w, "fails") == 0 || strcmp(w, "poorly") == 0 ||
		    word_in(w, problem_words))
			return PB_SENT_PROBLEM;
		if ((strcmp(w, "is") == 0 || strcmp(w, "are") == 0) &&
		    (strcmp(n1, "limited") == 0 || strcmp(n1, "challenging") == 0 ||
		     strcmp(n1, "costly") == 0 || strcmp(n1, "expensive") == 0 ||
		     ((strcmp(n1, "still") == 0 || strcmp(n1, "often") == 0) &&
		      (strcmp(n2, "limited") == 0 || strcmp(n2, "challenging") == 0))))
			return PB_SENT_PROBLEM;
	}
	return PB_SENT_PLAIN;
}

int
pb_sentence_kind(const char *s)
{
	struct toks *tk = pb_xmalloc(sizeof *tk);
	int k = sentence_kind(s ? s : "", tk);

	free(tk);
	return k;
}

int
pb_finding_score(const char *s, int *contrib, int *result)
{
	struct toks *tk = pb_xmalloc(sizeof *tk);
	int sc = score_sentence(s ? s : "", tk, contrib, result);

	free(tk);
	return sc;
}

size_t
pb_key_findings(const char *abstract, size_t max, char ***out)
{
	char **sent = NULL, **v = NULL;
	size_t ns, nv = 0;
	int *score = NULL;
	char *chosen = NULL;
	struct toks *tk = NULL;

	*out = NULL;
	ns = pb_split_sentences(abstract, &sent);
	if (ns == 0 || max == 0)
		goto out;
	score = pb_xcalloc(ns, sizeof *score);
	tk = pb_xmalloc(sizeof *tk);
	/* background, problem statements and orphan list items never */
	for (size_t i = 0; i < ns; i++)
		score[i] = sentence_kind(sent[i], tk) != PB_SENT_PLAIN ? -100 :
			   score_sentence(sent[i], tk, NULL, NULL);
	v = pb_xcalloc(max, sizeof *v);
	/* The best max sentences that qualify (ties go to the earlier one), kept in the order the
	 * authors wrote them. */
	chosen = pb_xcalloc(ns, 1);
	for (size_t k = 0; k < max; k++) {
		size_t best = ns;

		for (size_t i = 0; i < ns; i++)
			if (!chosen[i] && score[i] >= 2 && (best == ns || score[i] > score[best]))
				best = i;
		if (best == ns)
			break;
		chosen[best] = 1;
	}
	for (size_t i = 0; i < ns; i++) {
		if (chosen[i]) {
			v[nv++] = sent[i];
			sent[i] = NULL;
		}
	}
	if (nv == 0) {              /* nothing qualifies: the closing sentences that may */
		size_t from = ns, k = 0;

		while (from > 0 && k < 2)
			if (score[--from] > -100)
				k++;
		for (size_t i = from; i < ns && nv < max; i++) {
			if (score[i] <= -100)
				continue;
			v[nv++] = sent[i];
			sent[i] = NULL;
		}
	}
out:
	pb_sentences_free(sent, ns);
	free(score);
	free(chosen);
	free(tk);
	if (nv == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	return nv;
}
