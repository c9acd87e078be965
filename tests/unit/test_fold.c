/* Folding: TeX accents, Unicode accents, case, hyphens and spaces, tokens and positions. */
#include <stdint.h>

#include "paperboy/fold.h"
#include "t.h"

static const char *
fold(const char *s)
{
	static struct pb_buf b;

	pb_buf_reset(&b);
	pb_fold(s, strlen(s), &b);
	return pb_buf_str(&b);
}

static const char *
tex(const char *s)
{
	static struct pb_buf b;

	pb_buf_reset(&b);
	pb_tex_decode(s, strlen(s), &b);
	return pb_buf_str(&b);
}

static const struct {
	const char *in, *want;
} fold_cases[] = {
	/* TeX accents, every form */
	{ "R\\'emy", "remy" },
	{ "R\\'{e}my", "remy" },
	{ "R{\\'e}my", "remy" },
	{ "R{\\'{e}}my", "remy" },
	{ "Rémy", "remy" },
	{ "Re\xcc\x81my", "remy" },               /* e + combining acute (NFD) */
	{ "REMY", "remy" },
	{ "Schr\\\"odinger", "schrodinger" },
	{ "Schr\\\"{o}dinger", "schrodinger" },
	{ "Schr{\\\"o}dinger", "schrodinger" },
	{ "Fran\\c{c}ois", "francois" },
	{ "Fran\\c cois", "francois" },
	{ "Fran{\\c c}ois", "francois" },
	{ "Fran\xc3\xa7ois", "francois" },
	{ "Ho\\v{s}ek", "hosek" },
	{ "Dvo\\v{r}\\'ak", "dvorak" },
	{ "Stra\\ss e", "strasse" },
	{ "Stra\\ss{}e", "strasse" },
	{ "Straße", "strasse" },
	{ "STRASSE", "strasse" },
	{ "{\\O}rsted", "orsted" },              /* \O = Ø, folds to o as written */
	{ "\\O rsted", "orsted" },
	{ "\xc3\x98rsted", "orsted" },
	{ "Orsted", "orsted" },
	{ "\\AA ngstr\\\"om", "angstrom" },
	{ "\\aa", "a" },
	{ "Erd\\H{o}s", "erdos" },
	{ "\\L{}ukasz", "lukasz" },              /* \L = Ł */
	{ "\xc5\x81ukasz", "lukasz" },
	{ "I\xc5\x9f\xc4\xb1k", "isik" },         /* Işık: dotless i */
	{ "I\\c{s}{\\i}k", "isik" },             /* the same in TeX */
	{ "\xc4\x90or\xc4\x91" "evi\xc4\x87", "dordevic" },  /* Đorđević */
	{ "Pe\\~na", "pena" },
	{ "Pe\\~{n}a", "pena" },
	{ "\\^{\\i}le", "ile" },
	{ "na\\\"{\\i}ve", "naive" },
	{ "M\\=ori", "mori" },
	{ "\\k{a}", "a" },
	{ "\\r{u}", "u" },
	{ "\\.{Z}ycie", "zycie" },
	{ "\\u{g}", "g" },
	{ "\\d{s}", "s" },
	{ "K\\\"ahler", "kahler" },
	/* Unicode: compatibility forms and case */
	{ "\xef\xac\x81nd", "find" },             /* U+FB01 fi ligature */
	{ "ＧＰＵ", "gpu" },                      /* fullwidth */
	{ "ΑΒΓ", "alpha beta gamma" },
	{ "İstanbul", "istanbul" },
	/* separators */
	{ "3D-aware", "3d aware" },
	{ "3D aware", "3d aware" },
	{ "3D\xe2\x80\x93" "aware", "3d aware" },  /* en dash */
	{ "vision-language models", "vision language models" },
	{ "Gaussian   Splatting!", "gaussian splatting" },
	{ "$\\mathcal{O}(n)$ time", "o n time" },
	/* styling commands are not words: a phrase runs through them */
	{ "\\emph{not} new", "not new" },
	{ "3D \\emph{Gaussian Splatting}", "3d gaussian splatting" },
	{ "the \\textbf{first} transformer", "the first transformer" },
	{ "Hilmarsson {\\it et al}. showed", "hilmarsson et al showed" },
	{ "{\\em not}\\textit{new}", "not new" },
	{ "$\\alpha$-divergence", "alpha divergence" },  /* symbols stay words */
	/* a Greek letter is its name, written in Unicode or in TeX, each letter a word */
	{ "\xce\xb1-synuclein", "alpha synuclein" },
	{ "$\\alpha$-synuclein", "alpha synuclein" },
	{ "alpha-synuclein", "alpha synuclein" },
	{ "\xce\xb2-decay", "beta decay" },
	{ "$\\beta$-decay", "beta decay" },
	{ "H\xce\xb1 emission", "h alpha emission" },
	{ "H$\\alpha$ emission", "h alpha emission" },
	{ "\xce\x9b" "CDM", "lambda cdm" },
	{ "$\\Lambda$CDM", "lambda cdm" },
	{ "5 \xc2\xb5m", "5 mu m" },                 /* the micro sign */
	{ "5 $\\mu$m", "5 mu m" },
	{ "\xcf\x89Test", "omega test" },
	{ "\xe1\xbc\x80\xce\xbb\xcf\x86\xce\xb1", "alpha lambda phi alpha" },   /* with a breathing */
	{ "\xf0\x9d\x9b\xbc", "alpha" },            /* mathematical italic alpha */
	{ "\\alphabet \\Betamax", "alphabet betamax" }, /* not the letters */
	{ "\\emphasis \\itx", "emphasis itx" },
	/* a language's name keeps its symbol, in the paper and in a rule alike */
	{ "C++ and C# on .NET", "c++ and c# on .net" },
	{ "C/C++17, Notepad++", "c c++ 17 notepad++" },
	{ "C\\# and F\\#", "c# and f#" },
	{ "(.NET)", ".net" },
	{ "ASP.NET end.Next", "asp net end next" },  /* a dot inside a word separates */
	{ "x+++ a+b item#3 ab# #c", "x a b item 3 ab c" },
	{ "R\\&D", "r d" },
	{ "don't", "don t" },
	{ "soft\xc2\xadhyphen", "softhyphen" },   /* U+00AD is ignorable */
	{ "", "" },
	{ "---", "" },
	{ "a\xffz", "a z" },                      /* invalid UTF-8 separates */
	{ "trailing \\", "trailing" },
	{ "\\'", "" },
	{ "\\c", "c" },
	{ "{\\'", "" },
};

static const struct {
	const char *in, *want;
} tex_cases[] = {
	{ "R\\'emy", "Rémy" },
	{ "R{\\'e}my", "Rémy" },
	{ "Schr\\\"{o}dinger", "Schrödinger" },
	{ "Fran\\c{c}ois", "François" },
	{ "Stra\\ss e", "Straße" },
	{ "{\\O}rsted", "Ørsted" },
	{ "Ho\\v{s}ek", "Hošek" },
	{ "na\\\"{\\i}ve", "naïve" },
	{ "R\\&D 50\\%", "R&D 50%" },
	{ "$\\alpha$-stable", "$\\alpha$-stable" },
	{ "no tex", "no tex" },
	{ "\\emph{x}", "\\emph{x}" },
};

/* Every Greek letter TeX writes, and the var forms, fold as the letter does: to its name. */
static const struct {
	const char *tex, *letter, *want;
} greek[] = {
	{ "alpha", "α", "alpha" }, { "beta", "β", "beta" }, { "gamma", "γ", "gamma" },
	{ "delta", "δ", "delta" }, { "epsilon", "ε", "epsilon" }, { "zeta", "ζ", "zeta" },
	{ "eta", "η", "eta" }, { "theta", "θ", "theta" }, { "iota", "ι", "iota" },
	{ "kappa", "κ", "kappa" }, { "lambda", "λ", "lambda" }, { "mu", "μ", "mu" },
	{ "nu", "ν", "nu" }, { "xi", "ξ", "xi" }, { "omicron", "ο", "omicron" },
	{ "pi", "π", "pi" }, { "rho", "ρ", "rho" }, { "sigma", "σ", "sigma" },
	{ "tau", "τ", "tau" }, { "upsilon", "υ", "upsilon" }, { "phi", "φ", "phi" },
	{ "chi", "χ", "chi" }, { "psi", "ψ", "psi" }, { "omega", "ω", "omega" },
	{ "Gamma", "Γ", "gamma" }, { "Delta", "Δ", "delta" }, { "Theta", "Θ", "theta" },
	{ "Lambda", "Λ", "lambda" }, { "Xi", "Ξ", "xi" }, { "Pi", "Π", "pi" },
	{ "Sigma", "Σ", "sigma" }, { "Upsilon", "Υ", "upsilon" }, { "Phi", "Φ", "phi" },
	{ "Psi", "Ψ", "psi" }, { "Omega", "Ω", "omega" },
	{ "varepsilon", "ϵ", "epsilon" }, { "vartheta", "ϑ", "theta" }, { "varphi", "ϕ", "phi" },
	{ "varrho", "ϱ", "rho" }, { "varsigma", "ς", "sigma" }, { "varpi", "ϖ", "pi" },
	{ "Alpha", "Α", "alpha" }, { "Beta", "Β", "beta" }, { "Omicron", "Ο", "omicron" },
};

static void
test_greek(void)
{
	char in[64], want[64];

	for (size_t i = 0; i < sizeof greek / sizeof greek[0]; i++) {
		snprintf(want, sizeof want, "%s x", greek[i].want);
		snprintf(in, sizeof in, "$\\%s$-x", greek[i].tex);
		if (strcmp(fold(in), want) != 0)
			fprintf(stderr, "greek: fold(\"%s\")\n", in);
		T_EQ_STR(fold(in), want);
		snprintf(in, sizeof in, "%s-x", greek[i].letter);
		if (strcmp(fold(in), want) != 0)
			fprintf(stderr, "greek: fold(\"%s\")\n", in);
		T_EQ_STR(fold(in), want);
	}
}

int
main(void)
{
	struct pb_words t;

	for (size_t i = 0; i < sizeof fold_cases / sizeof fold_cases[0]; i++) {
		const char *got = fold(fold_cases[i].in);

		if (strcmp(got, fold_cases[i].want) != 0)
			fprintf(stderr, "case %zu: fold(\"%s\")\n", i, fold_cases[i].in);
		T_EQ_STR(got, fold_cases[i].want);
	}
	for (size_t i = 0; i < sizeof tex_cases / sizeof tex_cases[0]; i++)
		T_EQ_STR(tex(tex_cases[i].in), tex_cases[i].want);
	test_greek();
	/* UTF-8 validity: well-formed text, then overlong, surrogate, truncated, stray bytes. */
	T_EQ_INT(pb_utf8_valid("", 0), 1);
	T_EQ_INT(pb_utf8_valid("J\xc3\xb6rg \xe7\x94\xa8 \xf0\x9f\x93\xb0", 14), 1);
	T_EQ_INT(pb_utf8_valid("\xc0\xaf", 2), 0);
	T_EQ_INT(pb_utf8_valid("\xed\xa0\x80", 3), 0);
	T_EQ_INT(pb_utf8_valid("\xe7\x94", 2), 0);
	T_EQ_INT(pb_utf8_valid("a\x80" "b", 3), 0);
	T_EQ_INT(pb_utf8_valid("\xf4\x90\x80\x80", 4), 0);
	T_EQ_INT(pb_utf8_valid("j\xf6rg", 4), 0);

	/* Positions: consecutive within one add, a gap after pb_words_break. */
	pb_words_init(&t);
	pb_words_add(&t, "Seungryong Kim", 14);
	pb_words_break(&t);
	pb_words_add(&t, "Andrew Zisserman", 16);
	T_EQ_INT(t.n, 4);
	T_EQ_STR(pb_word(&t, 0), "seungryong");
	T_EQ_STR(pb_word(&t, 3), "zisserman");
	T_EQ_INT(t.len[3], 9);
	T_EQ_INT(t.pos[1], t.pos[0] + 1);
	T_CHECK(t.pos[2] > t.pos[1] + 1);
	T_EQ_INT(t.pos[3], t.pos[2] + 1);
	pb_words_reset(&t);
	T_EQ_INT(t.n, 0);
	pb_words_add(&t, "a b", 3);
	T_EQ_INT(t.pos[0], 0);
	pb_words_free(&t);
	pb_words_free(NULL);
	return t_done("test_fold");
}
