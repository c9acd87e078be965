/* The rule parser (every operator, precedence, fields, phrases, prefixes, errors with their
 * exact column) and the straightforward evaluator on hand-built papers. */
#include "paperboy/rules.h"
#include "t.h"

static const char *
canon(const char *q)
{
	static struct pb_buf b;
	struct pb_rule_error e;
	struct pb_rule *r = pb_rule_parse(q, &e);

	pb_buf_reset(&b);
	if (!r) {
		pb_buf_printf(&b, "ERROR %d: %s", e.col, e.msg);
		return pb_buf_str(&b);
	}
	pb_rule_format(r, &b);
	pb_rule_free(r);
	return pb_buf_str(&b);
}

static const struct {
	const char *q, *want;
} parse_cases[] = {
	/* terms and fields */
	{ "nerf", "all:nerf" },
	{ "ti:nerf", "ti:nerf" },
	{ "TI:NeRF", "ti:nerf" },
	{ "abs:nerf", "abs:nerf" },
	{ "au:Zisserman", "au:zisserman" },
	{ "co:CVPR", "co:cvpr" },
	{ "jr:\"Phys. Rev. Lett.\"", "jr:\"phys rev lett\"" },
	{ "JR:Nature", "jr:nature" },
	{ "all:nerf", "all:nerf" },
	{ "cat:cs.CV", "cat:cs.cv" },
	{ "cat:cs.*", "cat:cs.*" },
	{ "cat:astro-ph", "cat:astro-ph" },
	{ "ti:\"gaussian splatting\"", "ti:\"gaussian splatting\"" },
	{ "ti:\"Gaussian  Splatting\"", "ti:\"gaussian splatting\"" },
	{ "ti:3D-aware", "ti:\"3d aware\"" },
	{ "ti:\"3D aware\"", "ti:\"3d aware\"" },
	{ "au:R\\'emy", "au:remy" },
	{ "ti:\"Schr\\\"odinger equation\"", "ti:\"schrodinger equation\"" },
	{ "au:del_maestro", "au:del_maestro" },   /* arXiv's surname form: see test_authors */
	{ "au:Zisserman,A", "au:zisserman_a" },   /* "Surname,Initials" as au:"Zisserman, A" */
	{ "au:del_maestro,a", "au:del_maestro_a" },
	{ "ti:gauss*", "ti:gauss*" },
	{ "ti:\"neural radian*\"", "ti:\"neural radian*\"" },
	{ "ti:\"neural radian\"*", "ti:\"neural radian*\"" },
	{ "\"gaussian splatting\"", "all:\"gaussian splatting\"" },
	/* operators */
	{ "a AND b", "(all:a AND all:b)" },
	{ "a OR b", "(all:a OR all:b)" },
	{ "a ANDNOT b", "(all:a ANDNOT all:b)" },
	{ "NOT a", "NOT all:a" },
	{ "a NOT b", "(all:a AND NOT all:b)" },
	{ "a b", "(all:a AND all:b)" },
	{ "a and b", "((all:a AND all:and) AND all:b)" },   /* lower case is a word */
	/* precedence: NOT > AND = ANDNOT > OR, left to right */
	{ "a OR b AND c", "(all:a OR (all:b AND all:c))" },
	{ "a AND b OR c", "((all:a AND all:b) OR all:c)" },
	{ "a ANDNOT b OR c", "((all:a ANDNOT all:b) OR all:c)" },
	{ "a OR b ANDNOT c", "(all:a OR (all:b ANDNOT all:c))" },
	{ "a AND b ANDNOT c", "((all:a AND all:b) ANDNOT all:c)" },
	{ "a ANDNOT b AND c", "((all:a ANDNOT all:b) AND all:c)" },
	{ "a OR b OR c", "((all:a OR all:b) OR all:c)" },
	{ "NOT a AND b", "(NOT all:a AND all:b)" },
	{ "NOT NOT a", "NOT NOT all:a" },
	{ "NOT (a OR b)", "NOT (all:a OR all:b)" },
	/* parentheses */
	{ "(a OR b) AND c", "((all:a OR all:b) AND all:c)" },
	{ "a AND (b OR c)", "(all:a AND (all:b OR all:c))" },
	{ "((a))", "all:a" },
	{ "((a OR (b AND (c ANDNOT d))) OR e)",
	  "((all:a OR (all:b AND (all:c ANDNOT all:d))) OR all:e)" },
	{ "ti:(video OR motion)", "(ti:video OR ti:motion)" },
	{ "ti:(video OR au:smith)", "(ti:video OR au:smith)" },
	{ "ti:\"gaussian splatting\" OR (abs:nerf AND cat:cs.CV) ANDNOT ti:survey",
	  "(ti:\"gaussian splatting\" OR ((abs:nerf AND cat:cs.cv) ANDNOT ti:survey))" },
	{ "  ti:a\tOR\nti:b  ", "(ti:a OR ti:b)" },
	{ "(a)b", "(all:a AND all:b)" },
	/* typographic quotes (a phone's or a word processor's) make a phrase as '"' does */
	{ "ti:\u201cgaussian splatting\u201d", "ti:\"gaussian splatting\"" },
	{ "ti:\u201egaussian splatting\u201c", "ti:\"gaussian splatting\"" },
	{ "\u201cgaussian splatting\u201d OR ti:nerf", "(all:\"gaussian splatting\" OR ti:nerf)" },
	{ "ti:\u201cgaussian splat*\u201d", "ti:\"gaussian splat*\"" },
	{ "ti:\u201cneural radian\u201d*", "ti:\"neural radian*\"" },
	{ "au:\u201cDel Maestro, A\u201d", "au:del_maestro_a" },
	{ "ti:\"gaussian splatting\u201d", "ti:\"gaussian splatting\"" },
	{ "ti:video\u201cx\u201d", "(ti:video AND all:x)" },
	/* '-' inside or before a digit stays a word's */
	{ "ti:self-supervised", "ti:\"self supervised\"" },
	{ "abs:-1", "abs:1" },
	/* '+', ':' and ',' inside a word that name no field are separators as before */
	{ "ti:a+b", "ti:\"a b\"" },
	{ "abs:ratio:2", "abs:\"ratio 2\"" },
	{ "video,nerf", "all:\"video nerf\"" },
	/* a question mark in a phrase is the pasted title's, as arXiv takes a phrase literally */
	{ "ti:\"Is attention all you need?\"", "ti:\"is attention all you need\"" },
};

static const struct {
	const char *q;
	int col;
	const char *msg;
} error_cases[] = {
	{ "", 1, "empty query" },
	{ "   ", 1, "empty query" },
	{ "(a OR b", 1, "unclosed '('" },
	{ "a AND (b OR (c)", 7, "unclosed '('" },
	{ "a OR b)", 7, "unexpected ')' (no '(' to close)" },
	{ ")", 1, "unexpected ')' (no '(' to close)" },
	{ "a ()", 3, "empty parentheses" },
	{ "ti:\"\"", 4, "empty phrase" },
	{ "ti:\"  \" OR a", 4, "empty phrase" },
	{ "\"open", 1, "unterminated phrase (no closing '\"')" },
	{ "xx:foo", 1, "unknown field 'xx' (fields: ti, abs, au, co, jr, cat, all)" },
	{ "a OR title:foo", 6, "unknown field 'title' (fields: ti, abs, au, co, jr, cat, all)" },
	{ "a AND", 3, "'AND' needs a term after it" },
	{ "a OR", 3, "'OR' needs a term after it" },
	{ "a ANDNOT", 3, "'ANDNOT' needs a term after it" },
	{ "NOT", 1, "'NOT' needs a term after it" },
	{ "(a AND)", 4, "'AND' needs a term after it" },
	{ "AND a", 1, "'AND' needs a term before it" },
	{ "(OR a)", 2, "'OR' needs a term before it" },
	{ "a AND OR b", 7, "expected a term after 'AND', found 'OR'" },
	{ "ti:", 1, "'ti:' needs a term after it" },
	{ "a ti: b", 3, "'ti:' needs a term after it" },
	{ "ti:*", 4, "'*' needs a word before it" },
	{ "ga*ss", 3, "'*' is only allowed at the end of a term" },
	{ "ti:---", 1, "'ti:---' has no letters or digits to match" },
	{ "a OR rn:CERN-TH-2023-001", 6, "rn: (report number) is not in arXiv's feed nor its "
	  "API's answers: no paper would match" },
	{ "id:2411.00001", 1, "id: is not a topic: like = [\"ID\"] names a paper" },
	{ "x OR au:Smith,J,Jones,K", 6, "'au:Smith,J,Jones,K' is more than one name: write each "
	  "author as au:Surname_Initials and join them with OR or AND" },
	{ "au:,A", 1, "'au:,A' is not a name in arXiv's Surname,Initials form" },
	/* several terms glued into one word are not one phrase of all their words */
	{ "ti:video,abs:nerf", 10, "a field inside a term: write the terms apart, joined by AND "
	  "or OR, as ti:video AND abs:nerf" },
	{ "x OR ti:C++;au:smith", 13, "a field inside a term: write the terms apart, joined by "
	  "AND or OR, as ti:C++ AND au:smith" },
	{ "au:del_maestro+AND+ti:checkerboard", 15,
	  "'+' is a space in an API URL: write spaces between terms and operators" },
	{ "ti:gauss+cat:cs.CV", 9,
	  "'+' is a space in an API URL: write spaces between terms and operators" },
	{ "ti:%22quantum criticality%22", 4,
	  "'%22' is URL encoding: write a space, '\"', '(' or ')' for %20, %22, %28, %29" },
	{ "cat:", 1, "'cat:' needs a term after it" },
	{ "é AND", 3, "'AND' needs a term after it" },        /* columns count characters */
	{ "ti:\"ab\"* x*y", 11, "'*' is only allowed at the end of a term" },
	{ "ti:\u201cgaussian splatting", 4, "unterminated phrase (no closing '\"')" },
	/* a search engine's exclusion is not arXiv's: read as a word it would ask for the term */
	{ "video -survey", 7, "'-' does not leave papers out: write ANDNOT survey" },
	{ "ti:video -ti:survey", 10, "'-' does not leave papers out: write ANDNOT ti:survey" },
	{ "ti:video ti:-survey", 13, "'-' does not leave papers out: write ANDNOT ti:survey" },
	{ "video -\"a b\"", 7, "'-' does not leave papers out: write ANDNOT \"...\"" },
	{ "video -(a OR b)", 7, "'-' does not leave papers out: write ANDNOT (...)" },
	{ "video -\u00e9quation", 7, "'-' does not leave papers out: write ANDNOT \u00e9quation" },
	/* arXiv's one-character wildcard: folded as punctuation it would ask for another word */
	{ "ti:colo?r", 8, "'?' (arXiv's one-character wildcard) is not supported: write ti:colo*, "
	  "or the spellings joined by OR" },
	{ "x OR ti:robot?", 14, "'?' (arXiv's one-character wildcard) is not supported: write "
	  "ti:robot*, or the spellings joined by OR" },
	{ "cat:cs.?I", 8, "'?' (arXiv's one-character wildcard) is not supported: write cat:cs.*, "
	  "or the spellings joined by OR" },
	{ "au:??tskever", 4, "'?' (arXiv's one-character wildcard) is not supported: write a "
	  "prefix with '*', or the spellings joined by OR" },
	{ "ti:video ?", 10, "'?' has no letters or digits to match" },
	{ "mod\u00e8le?", 7, "'?' (arXiv's one-character wildcard) is not supported: write "
	  "mod\u00e8le*, or the spellings joined by OR" },
};

struct fpaper {
	const char *title, *abstract, *comment;
	const char *authors[4];
	const char *cats[3];
};

static void
mkpaper(struct pb_paper *p, struct pb_author *au, char **cats, const struct fpaper *f)
{
	memset(p, 0, sizeof *p);
	p->id = (char *)"2411.00001";
	p->title = (char *)f->title;
	p->abstract = (char *)f->abstract;
	p->comment = (char *)f->comment;
	for (size_t i = 0; i < 4 && f->authors[i]; i++) {
		memset(&au[i], 0, sizeof au[i]);
		au[i].name = (char *)f->authors[i];
		p->n_authors++;
	}
	p->authors = au;
	for (size_t i = 0; i < 3 && f->cats[i]; i++)
		cats[p->n_categories++] = (char *)f->cats[i];
	p->categories = cats;
}

static const struct fpaper doc_paper = {
	"3D-Aware Gaussian Splatting for Renewable Scenes",
	"We present a new method for neural radiance fields (NeRF) in Schr\\\"odinger-type "
	"settings. Vision-language models help.",
	"Accepted at CVPR 2025; 12 pages",
	{ "R\\'emy Dupont", "Seungryong Kim", "Andrew Zisserman", NULL },
	{ "cs.CV", "astro-ph.GA", NULL },
};

static const struct {
	const char *q;
	int want;
} eval_cases[] = {
	{ "ti:gaussian", 1 },
	{ "ti:GAUSSIAN", 1 },
	{ "ti:\"gaussian splatting\"", 1 },
	{ "ti:\"splatting gaussian\"", 0 },
	{ "ti:\u201csplatting gaussian\u201d", 0 },
	{ "ti:\u201cgaussian splatting\u201d", 1 },
	{ "ti:\"3D aware\"", 1 },
	{ "ti:3D-aware", 1 },
	{ "ti:\"3d-aware gaussian\"", 1 },
	{ "ti:renew", 0 },                 /* word boundaries */
	{ "ti:renew*", 1 },
	{ "ti:new", 0 },
	{ "abs:new", 1 },
	{ "ti:scene", 0 },
	{ "ti:scene*", 1 },
	{ "ti:\"gaussian splat*\"", 1 },
	{ "ti:\"gaussian splot*\"", 0 },
	{ "abs:nerf", 1 },
	{ "abs:\"radiance fields\"", 1 },
	{ "abs:\"radiance fields nerf\"", 1 },  /* punctuation is not a word */
	{ "abs:schrodinger", 1 },
	{ "abs:Schrödinger", 1 },
	{ "abs:Schr\\\"{o}dinger", 1 },
	{ "abs:\"Schr\\\"odinger-type settings\"", 1 },
	{ "abs:\"vision language\"", 1 },
	{ "ti:nerf", 0 },
	{ "au:remy", 1 },
	{ "au:Rémy", 1 },
	{ "au:R\\'emy", 1 },
	{ "au:\"Seungryong Kim\"", 1 },
	{ "au:\"Kim Andrew\"", 0 },        /* a phrase stays inside one author */
	{ "au:zisserman", 1 },
	{ "au:zisser*", 1 },
	{ "au:gaussian", 0 },
	{ "co:cvpr", 1 },
	{ "co:\"12 pages\"", 1 },
	{ "co:2025", 1 },
	{ "ti:cvpr", 0 },
	{ "cat:cs.CV", 1 },
	{ "cat:cs.cv", 1 },
	{ "cat:cs.LG", 0 },
	{ "cat:cs.*", 1 },
	{ "cat:cs", 1 },                   /* an archive takes its subject classes */
	{ "cat:astro-ph", 1 },
	{ "cat:astro", 0 },
	{ "cat:astro*", 1 },
	{ "cat:cs.C", 0 },
	{ "all:zisserman", 1 },
	{ "zisserman", 1 },
	{ "cvpr", 1 },
	{ "cs", 0 },                       /* all: does not search categories */
	{ "gaussian AND nerf", 1 },
	{ "gaussian AND transformer", 0 },
	{ "gaussian OR transformer", 1 },
	{ "transformer OR diffusion", 0 },
	{ "gaussian ANDNOT nerf", 0 },
	{ "gaussian ANDNOT transformer", 1 },
	{ "NOT transformer", 1 },
	{ "NOT gaussian", 0 },
	{ "transformer OR gaussian AND nerf", 1 },
	{ "(transformer OR gaussian) AND diffusion", 0 },
	{ "transformer OR (gaussian AND diffusion)", 0 },
	{ "gaussian ANDNOT transformer OR diffusion", 1 },
	{ "gaussian ANDNOT (transformer OR nerf)", 0 },
	{ "ti:\"gaussian splatting\" OR (abs:nerf AND cat:cs.CV) ANDNOT ti:survey", 1 },
	{ "ti:survey OR (abs:transformer AND cat:cs.CV) ANDNOT ti:survey", 0 },
	{ "ti:(survey OR splatting)", 1 },
	{ "ti:(survey OR nerf)", 0 },
};

static const struct {
	const char *q, *title;
	int want;
} greek_cases[] = {
	{ "ti:\"\xce\xb1-synuclein\"", "$\\alpha$-synuclein aggregation in neurons", 1 },
	{ "ti:\"$\\alpha$-synuclein\"", "\xce\xb1-synuclein aggregation in neurons", 1 },
	{ "ti:alpha-synuclein", "\xce\xb1-synuclein aggregation in neurons", 1 },
	{ "ti:alpha-synuclein", "$\\alpha$-synuclein aggregation in neurons", 1 },
	{ "ti:\"\xce\xb1-synuclein aggregation\"", "Alpha-Synuclein Aggregation", 1 },
	{ "ti:\"$\\beta$-decay\"", "Double \xce\xb2-decay of $^{76}$Ge", 1 },
	{ "ti:\"\xce\xb2-decay\"", "Double $\\beta$-decay of $^{76}$Ge", 1 },
	{ "ti:\"\xce\xb2-decay\"", "Double $\\beta$ decay of $^{76}$Ge", 1 },
	{ "ti:\"\xce\xb2-decay\"", "Double $\\alpha$-decay of $^{76}$Ge", 0 },
	{ "ti:\"$\\varepsilon$-net\"", "Small \xce\xb5-nets", 0 },   /* whole words */
	{ "ti:\"$\\varepsilon$-nets\"", "Small \xce\xb5-nets", 1 },
	{ "ti:\"\xce\x9b" "CDM\"", "Tensions in $\\Lambda$CDM", 1 },
	{ "ti:\xce\xb1* AND ti:synuclein", "$\\alpha$-synuclein aggregation in neurons", 1 },
};

/* A language's name is a word with its symbol: ti:C++ is not the letter c. */
static const struct {
	const char *q, *title;
	int want;
} symbol_cases[] = {
	{ "ti:C++", "Fuzzing C++ Compilers", 1 },
	{ "ti:C++", "Profiling C/C++17 Code", 1 },
	{ "ti:c++", "Fuzzing C++ Compilers", 1 },
	{ "ti:C++", "Type C and Type D Vertices", 0 },
	{ "ti:c", "Fuzzing C++ Compilers", 0 },
	{ "ti:c", "Type C and Type D Vertices", 1 },
	{ "ti:C#", "Verifying C\\# Programs", 1 },
	{ "ti:C#", "Type C Vertices", 0 },
	{ "ti:\"F# scripts\"", "Typed F# Scripts", 1 },
	{ "ti:.NET", "Porting .NET Services", 1 },
	{ "ti:.NET", "A Residual Net for Denoising", 0 },
	{ "ti:net", "Porting .NET Services", 0 },
};

int
main(void)
{
	struct pb_paper p;
	struct pb_author au[4];
	char *cats[3];
	struct pb_doc d;
	struct pb_rule_error e;
	struct pb_buf b = { 0 };

	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const char *got = canon(parse_cases[i].q);

		if (strcmp(got, parse_cases[i].want) != 0)
			fprintf(stderr, "parse case %zu: %s\n", i, parse_cases[i].q);
		T_EQ_STR(got, parse_cases[i].want);
	}
	for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
		struct pb_rule *r = pb_rule_parse(error_cases[i].q, &e);

		T_CHECK(r == NULL);
		pb_rule_free(r);
		if (e.col != error_cases[i].col || strcmp(e.msg, error_cases[i].msg) != 0)
			fprintf(stderr, "error case %zu: %s\n", i, error_cases[i].q);
		T_EQ_INT(e.col, error_cases[i].col);
		T_EQ_STR(e.msg, error_cases[i].msg);
	}

	/* The caret sits under the column. */
	T_CHECK(pb_rule_parse("ti:a AND (b OR", &e) == NULL);
	pb_rule_error_format("ti:a AND (b OR", &e, &b);
	T_EQ_STR(pb_buf_str(&b), "column 13: 'OR' needs a term after it\n"
				 "ti:a AND (b OR\n"
				 "            ^");
	pb_buf_reset(&b);
	T_CHECK(pb_rule_parse("é\tx:1", &e) == NULL);
	pb_rule_error_format("é\tx:1", &e, &b);
	T_EQ_STR(pb_buf_str(&b), "column 3: unknown field 'x' (fields: ti, abs, au, co, jr, cat, all)\n"
				 "é\tx:1\n \t^");
	pb_buf_reset(&b);
	/* A stored subscriber's rule is the reader's text: a C1 CSI (U+009B), an ESC and a
	 * right-to-left override (U+202E) are shown escaped, in the message's quoted term too,
	 * and the caret is moved past each escape */
	T_CHECK(pb_rule_parse("ti:(a\xC2\x9B\x1b b \xE2\x80\xAE AND", &e) == NULL);
	pb_rule_error_format("ti:(a\xC2\x9B\x1b b \xE2\x80\xAE AND", &e, &b);
	T_EQ_STR(pb_buf_str(&b), "column 11: 'ti:\\u202E' has no letters or digits to match\n"
				 "ti:(a\\u009B\\x1B b \\u202E AND\n"
				 "                  ^");
	pb_buf_reset(&b);
	/* wide (CJK) characters take two columns of a terminal, a combining accent none */
	T_CHECK(pb_rule_parse("ti:(深度 e\xCC\x81 AND", &e) == NULL);
	pb_rule_error_format("ti:(深度 e\xCC\x81 AND", &e, &b);
	T_EQ_STR(pb_buf_str(&b), "column 11: 'AND' needs a term after it\n"
				 "ti:(深度 e\xCC\x81 AND\n"
				 "           ^");
	pb_buf_free(&b);

	/* Limits: deep nesting and huge rules are errors, not crashes. */
	{
		struct pb_buf q = { 0 };

		for (int i = 0; i < 100; i++)
			pb_buf_putc(&q, '(');
		pb_buf_putc(&q, 'a');
		for (int i = 0; i < 100; i++)
			pb_buf_putc(&q, ')');
		T_CHECK(pb_rule_parse(pb_buf_str(&q), &e) == NULL);
		T_EQ_STR(e.msg, "parentheses nested deeper than 64");
		T_EQ_INT(e.col, 65);
		pb_buf_reset(&q);
		for (int i = 0; i < 300; i++)
			pb_buf_puts(&q, "a ");
		T_CHECK(pb_rule_parse(pb_buf_str(&q), &e) == NULL);
		T_EQ_INT(e.col, 513);
		pb_buf_free(&q);
	}

	/* Terms remember where they were written. */
	{
		struct pb_rule *r = pb_rule_parse("ti:a OR  \"b c\"", &e);

		T_CHECK(r && r->kind == PB_RULE_OR);
		if (r) {
			T_EQ_INT(r->a->term->col, 1);
			T_EQ_INT(r->b->term->col, 10);
			T_EQ_STR(r->a->term->src, "ti:a");
			T_EQ_STR(r->b->term->src, "\"b c\"");
		}
		pb_rule_free(r);
	}

	mkpaper(&p, au, cats, &doc_paper);
	pb_doc_init(&d, &p);
	for (size_t i = 0; i < sizeof eval_cases / sizeof eval_cases[0]; i++) {
		struct pb_rule *r = pb_rule_parse(eval_cases[i].q, &e);

		T_CHECK(r != NULL);
		if (!r) {
			fprintf(stderr, "eval case %zu does not parse: %s (%s)\n", i,
				eval_cases[i].q, e.msg);
			continue;
		}
		if (pb_rule_eval(r, &d) != eval_cases[i].want)
			fprintf(stderr, "eval case %zu: %s\n", i, eval_cases[i].q);
		T_EQ_INT(pb_rule_eval(r, &d), eval_cases[i].want);
		pb_rule_free(r);
	}
	pb_doc_free(&d);

	/* A phrase runs through TeX styling in the paper: \emph is not a word of the title. */
	{
		static const struct fpaper styled = {
			"3D \\emph{Gaussian} Splatting with {\\it in situ} \\textbf{NeRF}s", "", "",
			{ "A. Author", NULL }, { "cs.CV", NULL },
		};
		struct pb_rule *r = pb_rule_parse("ti:\"3D Gaussian Splatting\" AND "
						  "ti:\"with in situ\"", &e);

		mkpaper(&p, au, cats, &styled);
		pb_doc_init(&d, &p);
		T_CHECK(r != NULL);
		T_EQ_INT(r ? pb_rule_eval(r, &d) : -1, 1);
		pb_rule_free(r);
		pb_doc_free(&d);
	}

	/* A Greek letter in Unicode, in TeX and spelled out is one term, in the rule and in the
	 * paper alike. */
	for (size_t i = 0; i < sizeof greek_cases / sizeof greek_cases[0]; i++) {
		const struct fpaper gp = {
			greek_cases[i].title, "", "", { "A. Author", NULL }, { "q-bio.BM", NULL },
		};
		struct pb_rule *r = pb_rule_parse(greek_cases[i].q, &e);
		int got;

		mkpaper(&p, au, cats, &gp);
		pb_doc_init(&d, &p);
		T_CHECK(r != NULL);
		got = r ? pb_rule_eval(r, &d) : -1;
		if (got != greek_cases[i].want)
			fprintf(stderr, "greek case %zu: %s on \"%s\"\n", i, greek_cases[i].q,
				greek_cases[i].title);
		T_EQ_INT(got, greek_cases[i].want);
		pb_rule_free(r);
		pb_doc_free(&d);
	}
	for (size_t i = 0; i < sizeof symbol_cases / sizeof symbol_cases[0]; i++) {
		const struct fpaper sp = {
			symbol_cases[i].title, "", "", { "A. Author", NULL }, { "cs.PL", NULL },
		};
		struct pb_rule *r = pb_rule_parse(symbol_cases[i].q, &e);
		int got;

		mkpaper(&p, au, cats, &sp);
		pb_doc_init(&d, &p);
		got = r ? pb_rule_eval(r, &d) : -1;
		if (got != symbol_cases[i].want)
			fprintf(stderr, "symbol case %zu: %s on \"%s\"\n", i, symbol_cases[i].q,
				symbol_cases[i].title);
		T_EQ_INT(got, symbol_cases[i].want);
		pb_rule_free(r);
		pb_doc_free(&d);
	}
	pb_doc_free(NULL);
	pb_rule_free(NULL);
	return t_done("test_rules");
}
