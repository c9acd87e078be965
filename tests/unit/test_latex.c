/* LaTeX for display: each case is TeX as arXiv writes it and the Unicode a reader sees. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/latex.h"
#include "t.h"
#include "../../src/latex/latex_int.h"

static void
check(const char *in, const char *want, int flags, int line)
{
	struct pb_buf b = { 0 };

	pb_latex_append(&b, in, strlen(in), flags);
	t_checked++;
	if (strcmp(pb_buf_str(&b), want) != 0) {
		t_failed++;
		fprintf(stderr, "test_latex.c:%d: \"%s\"\n  got  \"%s\"\n  want \"%s\"\n", line, in,
			pb_buf_str(&b), want);
	}
	pb_buf_free(&b);
}

static int
cmp_name(const void *k, const void *e)
{
	return strcmp(k, ((const struct pb_latex_macro *)e)->name);
}

#define TEXT(in, want) check(in, want, PB_LATEX_TEXT, __LINE__)
#define PROSE(in, want) check(in, want, PB_LATEX_PROSE, __LINE__)

int
main(void)
{
	char *s;

	/* the brief's examples */
	TEXT("$\\alpha$-blending", "α-blending");
	TEXT("\\'e", "é");
	TEXT("area in m$^{2}$", "area in m²");
	TEXT("$x_{ij}$ and $x_1$", "xᵢⱼ and x₁");
	TEXT("$\\mathbf{x}$ and \\mathbf{y}", "x and y");
	TEXT("R\\&D at 100\\% \\$5 \\#1 a\\_b", "R&D at 100% $5 #1 a_b");
	TEXT("5--10 and a---b", "5–10 and a—b");
	TEXT("Fig.~3", "Fig.\u00a03");
	TEXT("\\textit{very} \\emph{much} \\textbf{so}", "very much so");
	/* every TeX accent, braced or not */
	TEXT("\\'a \\`a \\^a \\\"a \\~n \\=a \\.z \\u{a} \\v{s} \\H{o} \\c{c} \\k{a} \\r{a} \\d{s} \\b{b}",
	     "á à â ä ñ ā ż ă š ő ç ą å ṣ ḇ");
	TEXT("\\'{e} {\\'e} \\v s \\\"{\\i} \\'\\i", "é é š ï í");
	TEXT("R\\'emy Erd\\H{o}s G\\\"odel \\AA ngstr\\\"om \\o rsted \\ss{} x", "Rémy Erdős Gödel Ångström ørsted ß x");
	/* math symbols */
	TEXT("$\\alpha\\beta\\gamma\\Delta\\Omega$", "αβγΔΩ");
	TEXT("$a \\times b \\leq c \\rightarrow \\infty$", "a × b ≤ c → ∞");
	TEXT("$\\sim 3$ $\\approx 2$ $\\pm 1$ $a \\cdot b$ $\\ell_1$ $\\ell_2$", "∼ 3 ≈ 2 ± 1 a · b ℓ₁ ℓ₂");
	TEXT("$\\geq$ $\\neq$ $\\in$ $\\forall$ $\\partial$ $\\nabla$ $\\sum$", "≥ ≠ ∈ ∀ ∂ ∇ ∑");
	TEXT("$10^{-3}$ $90^\\circ$ $x^{n+1}$ $W^T$ $A^\\top$", "10⁻³ 90° xⁿ⁺¹ Wᵀ Aᵀ");
	TEXT("$\\mathbb{R}^{d}$ $\\mathbb{E}[x]$", "ℝᵈ 𝔼[x]");
	TEXT("$L_{\\text{total}}$ $W_\\theta$ $x_{\\mathrm{max}}$", "Lₜₒₜₐₗ W_θ xₘₐₓ");
	TEXT("$\\frac{1}{2}$ $\\frac{n+1}{2}$ $\\sqrt{x}$ $\\sqrt{x+1}$", "½ (n+1)/2 √x √(x+1)");
	TEXT("$\\hat{x}$ $\\bar{y}$ $\\tilde{z}$", "x̂ ȳ z̃");
	TEXT("$O(n \\log n)$ $f'(x)$", "O(n log n) f′(x)");
	TEXT("$\\mathcal{O}(N^2)$ $\\textbf{AP}_{50}$ $\\mathrm{mIoU}$", "𝒪(N²) AP₅₀ mIoU");
	TEXT("$\\left( x \\right)$", "( x )");
	TEXT("$$E=mc^2$$", "E=mc²");
	TEXT("\\(a^2\\) and \\[b_1\\]", "a² and b₁");
	/* unknown macros degrade to their argument, or to their name: an author's own macro
	 * stands for something (arXiv metadata, 2014: "t\\in \\Real, x\\in\\Real^n" read
	 * "t∈ , x∈^n") */
	TEXT("see \\unknown{this} now", "see this now");
	TEXT("a \\foo b", "a foo b");
	TEXT("$t\\in \\Real, x\\in\\Real^n$", "t∈ Real, x∈Realⁿ");
	TEXT("$\\Aut(T^p)$ and $\\PGL_2(\\mathbb{Q}_p)$", "Aut(Tᵖ) and PGL₂(ℚₚ)");
	TEXT("the \\DuMPOnline{} tool", "the DuMPOnline tool");
	/* and the ones authors define alike everywhere are what they mean */
	TEXT("$1/q\\in\\Z\\setminus\\{-1;1\\}$ for $s\\in\\N^*$ over $\\Q$, $\\RR^{p+2}$",
	     "1/q∈ℤ∖{-1;1} for s∈ℕ* over ℚ, ℝᵖ⁺²");
	TEXT("(\\eg, a \\ie b)", "(e.g., a i.e. b)");
	/* TeX's own: \\Bbb, \\cal, \\Bbbk, \\not, and \\over, \\choose, \\atop over their group */
	TEXT("$n\\in \\Bbb{N} \\cup \\{\\aleph_{0}\\}$ and ${\\cal N}$", "n∈ ℕ ∪ {ℵ₀} and 𝒩");
	TEXT("$\\operatorname{Der}(\\Bbbk[x_1,\\cdots,x_n])$", "Der(𝕜[x₁,⋯,xₙ])");
	TEXT("$p^\\ell\\,{\\not\\equiv}\\,3$, $a \\not= b$, $x\\not\\in A$", "p^ℓ\u2009≢\u20093, a ≠ b, x∉ A");
	TEXT("$\\vec{Q}_{0}=({1\\over 2}, {1\\over 2}, {1\\over 4})$", "Q⃗₀=(½, ½, ¼)");
	TEXT("$2 - (\\sum_{i=1}^q {h_i \\choose 2})/{k \\choose 2}$",
	     "2 - (∑ᵢ₌₁^q (hᵢ choose 2))/(k choose 2)");
	TEXT("$\\mathcal{F}\\subseteq \\left[V\\atop k\\right]_q$", "ℱ⊆ [V; k]_q");
	TEXT("$a \\over b \\over c$ $\\frac{a \\over b}{c}$ $\\over$ text \\over here",
	     "a/(b/c) (a/b)/c / text/here");
	/* ~ in math is a tie, never "approximately" (\\sim is) */
	TEXT("$T^{*}\\simeq~200~\\textrm{K}$ and $0.8(2)~$s", "T*≃\u00a0200\u00a0K and 0.8(2)\u00a0s");
	/* a citation shows its keys as a reference, not as a word */
	TEXT("given in \\cite{CK2005} and \\citealt{a,b} respectively", "given in [CK2005] and [a,b] respectively");
	TEXT("\\cite[\\S3.5]{Kig01} \\cite{}", "[Kig01, §3.5] ");
	TEXT("\\href{http://x.org}{the site} \\url{http://a_b.org/~c}", "the site http://a_b.org/~c");
	TEXT("{\\bf bold} and {\\em it}", "bold and it");
	TEXT("\\LaTeX{} system", "LaTeX system");
	TEXT("``quoted''", "“quoted”");
	/* malformed input never breaks */
	TEXT("unbalanced {brace", "unbalanced brace");
	TEXT("extra } brace", "extra  brace");
	TEXT("a lone $ dollar", "a lone $ dollar");
	TEXT("trailing \\", "trailing ");
	TEXT("$x^$", "x");
	TEXT("\\frac{1}", "1/");
	TEXT("{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{deep}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}", "deep");
	TEXT("\\'", "");
	TEXT("plain text stays plain", "plain text stays plain");
	TEXT("中文标题 with $\\alpha$ 😀", "中文标题 with α 😀");
	/* prose (model Markdown): only math and macros */
	PROSE("costs $5 and $10 -- or ~3", "costs $5 and $10 -- or ~3");
	PROSE("**bold** --- $x^2$ and \\alpha", "**bold** --- x² and α");
	PROSE("- a bullet\n---\n", "- a bullet\n---\n");
	PROSE("$5-$10, $x$ and $\\sim$2$\\times$ faster", "$5-$10, x and ∼2× faster");

	/* environments: \begin/\end and column specs go, rows and columns stay apart */
	TEXT("$\\begin{equation*}\\left\\{\\begin{array}{l} u_t = \\Delta u \\\\ u(0)=u_0 "
	     "\\end{array}\\right.\\end{equation*}$ holds",
	     "{ uₜ = Δ u; u(0)=u₀ holds");
	TEXT("We solve \\begin{equation*} \\left\\{\\begin{array}{lcr} x & = & 1 \\\\ y & = & 2 "
	     "\\end{array}\\right. \\end{equation*} exactly",
	     "We solve { x = 1; y = 2 exactly");
	TEXT("$\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}$", "(a b; c d)");
	TEXT("$f=\\begin{cases} 1 & x>0 \\\\ 0 & \\text{else} \\end{cases}$", "f={ 1 x>0; 0 else");
	TEXT("\\begin{tabular}[t]{|c|c|} a & b \\end{tabular}", "a & b ");
	TEXT("$\\left\\langle x \\right\\rangle$ and $\\bigl. y \\bigr|$", "⟨ x ⟩ and y |");
	TEXT("\\begin{equation} never closed", "never closed");
	TEXT("so \\begin{alignat}{2} x &= y \\end{alignat} holds", "so x = y holds");
	/* every letter of the double-struck, script and Fraktur alphabets Unicode has */
	TEXT("$\\mathbb{T}^{d}$, $\\mathbb{R}^n$, $\\mathbb{E}$, $\\mathbb{k}$, $\\mathbb{1}$",
	     "𝕋ᵈ, ℝⁿ, 𝔼, 𝕜, 𝟙");
	TEXT("$\\mathbb{CHNPQRZ}$ $\\mathbb{ABDz09}$", "ℂℍℕℙℚℝℤ 𝔸𝔹𝔻𝕫𝟘𝟡");
	TEXT("$\\mathcal{L} \\mathcal{A} \\mathscr{B} \\mathcal{e}$", "ℒ 𝒜 ℬ ℯ");
	TEXT("$\\mathfrak{g} \\mathfrak{R} \\mathfrak{A}$ $\\mathbb{\\alpha}$", "𝔤 ℜ 𝔄 α");
	/* ~ is a no-break space, or "approximately" before a number after a symbol */
	TEXT("at z~1.5 and z=~2, T ~ 100 K, at ~10 pc, M~$10^{9}$",
	     "at z∼1.5 and z=∼2, T ∼ 100 K, at ∼10 pc, M∼10⁹");
	TEXT("Fig.~3, Section~2, Ref.~[4], Table~1, Eq.~(3), Dr.~Smith",
	     "Fig.\u00a03, Section\u00a02, Ref.\u00a0[4], Table\u00a01, Eq.\u00a0(3), Dr.\u00a0Smith");

	/* the macro table is in bsearch order, and every entry converts */
	for (size_t i = 0; i + 1 < pb_latex_n_macros; i++) {
		t_checked++;
		if (strcmp(pb_latex_macros[i].name, pb_latex_macros[i + 1].name) >= 0) {
			t_failed++;
			fprintf(stderr, "macro table out of order at %s\n", pb_latex_macros[i].name);
		}
	}
	for (size_t i = 0; i < pb_latex_n_macros; i++) {
		struct pb_buf b = { 0 };
		char in[64];

		snprintf(in, sizeof in, "$\\%s{x}{y}$ \\%s{x}", pb_latex_macros[i].name,
			 pb_latex_macros[i].name);
		pb_latex_append(&b, in, strlen(in), PB_LATEX_TEXT);
		T_CHECK(strchr(pb_buf_str(&b), '\\') == NULL || strcmp(pb_latex_macros[i].out, "\\") == 0);
		pb_buf_free(&b);
	}
	/* the lower-case Greek letters, by code point: each converts to its letter, is no entry
	 * of the macro table, and is found both ways for folding */
	TEXT("$\\alpha\\beta\\gamma\\delta\\epsilon\\zeta\\eta\\theta\\iota\\kappa\\lambda\\mu$ "
	     "$\\nu\\xi\\omicron\\pi\\rho\\varsigma\\sigma\\tau\\upsilon\\phi\\chi\\psi\\omega$",
	     "αβγδεζηθικλμ νξοπρςστυφχψω");
	for (size_t i = 0; i < sizeof pb_latex_greek / sizeof pb_latex_greek[0]; i++) {
		const char *name = pb_latex_greek[i];
		int32_t cp = PB_LATEX_GREEK_FIRST + (int32_t)i;

		T_CHECK(bsearch(name, pb_latex_macros, pb_latex_n_macros, sizeof pb_latex_macros[0],
				cmp_name) == NULL);
		T_EQ_INT(pb_latex_greek_letter(name, strlen(name)), cp);
		T_EQ_STR(pb_latex_greek_name(cp), name);
	}
	T_EQ_INT(pb_latex_greek_letter("Gamma", 5), 0x393);
	T_EQ_INT(pb_latex_greek_letter("vartheta", 8), 0x3D1);
	T_EQ_INT(pb_latex_greek_letter("alphax", 5), 0x3B1);
	T_EQ_INT(pb_latex_greek_letter("alphax", 6), 0);
	T_EQ_INT(pb_latex_greek_letter("infty", 5), 0);
	T_EQ_INT(pb_latex_greek_letter("LaTeXe", 6), 0);
	T_EQ_INT(pb_latex_greek_letter("", 0), 0);
	T_CHECK(pb_latex_greek_name(0x3B0) == NULL);
	T_CHECK(pb_latex_greek_name(0x3CA) == NULL);
	T_CHECK(pb_latex_greek_name('a') == NULL);
	s = pb_latex_to_unicode("$\\beta$-VAE");
	T_EQ_STR(s, "β-VAE");
	free(s);
	T_CHECK(pb_latex_to_unicode(NULL) == NULL);
	T_CHECK(pb_latex_is_plain("nothing here", 12, PB_LATEX_TEXT));
	T_CHECK(!pb_latex_is_plain("a -- b", 6, PB_LATEX_TEXT));
	T_CHECK(pb_latex_is_plain("a -- b", 6, PB_LATEX_PROSE));
	return t_done("test_latex");
}
