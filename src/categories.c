/* arXiv's subject classes by code, and the digest title built from them (in the words of the
 * subscriber's language, words.h).
 * Names follow arXiv's category taxonomy; cs.CV is shortened to "Computer Vision" as digest
 * titles have always said. Archives without subject classes (gr-qc, quant-ph, ...) and the
 * old archives that still appear in old-style ids (solv-int, alg-geom, ...) are listed too. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/buf.h"
#include "paperboy/categories.h"
#include "paperboy/summarize.h"
#include "paperboy/words.h"

struct cat_name {
	const char *code;
	const char *name;
};

static const struct cat_name cats[] = {
	/* Computer Science */
	{ "cs", "Computer Science" },
	{ "cs.AI", "Artificial Intelligence" },
	{ "cs.AR", "Hardware Architecture" },
	{ "cs.CC", "Computational Complexity" },
	{ "cs.CE", "Computational Engineering, Finance, and Science" },
	{ "cs.CG", "Computational Geometry" },
	{ "cs.CL", "Computation and Language" },
	{ "cs.CR", "Cryptography and Security" },
	{ "cs.CV", "Computer Vision" },
	{ "cs.CY", "Computers and Society" },
	{ "cs.DB", "Databases" },
	{ "cs.DC", "Distributed, Parallel, and Cluster Computing" },
	{ "cs.DL", "Digital Libraries" },
	{ "cs.DM", "Discrete Mathematics" },
	{ "cs.DS", "Data Structures and Algorithms" },
	{ "cs.ET", "Emerging Technologies" },
	{ "cs.FL", "Formal Languages and Automata Theory" },
	{ "cs.GL", "General Literature" },
	{ "cs.GR", "Graphics" },
	{ "cs.GT", "Computer Science and Game Theory" },
	{ "cs.HC", "Human-Computer Interaction" },
	{ "cs.IR", "Information Retrieval" },
	{ "cs.IT", "Information Theory" },
	{ "cs.LG", "Machine Learning" },
	{ "cs.LO", "Logic in Computer Science" },
	{ "cs.MA", "Multiagent Systems" },
	{ "cs.MM", "Multimedia" },
	{ "cs.MS", "Mathematical Software" },
	{ "cs.NA", "Numerical Analysis" },
	{ "cs.NE", "Neural and Evolutionary Computing" },
	{ "cs.NI", "Networking and Internet Architecture" },
	{ "cs.OH", "Other Computer Science" },
	{ "cs.OS", "Operating Systems" },
	{ "cs.PF", "Performance" },
	{ "cs.PL", "Programming Languages" },
	{ "cs.RO", "Robotics" },
	{ "cs.SC", "Symbolic Computation" },
	{ "cs.SD", "Sound" },
	{ "cs.SE", "Software Engineering" },
	{ "cs.SI", "Social and Information Networks" },
	{ "cs.SY", "Systems and Control" },
	/* Economics */
	{ "econ", "Economics" },
	{ "econ.EM", "Econometrics" },
	{ "econ.GN", "General Economics" },
	{ "econ.TH", "Theoretical Economics" },
	/* Electrical Engineering and Systems Science */
	{ "eess", "Electrical Engineering and Systems Science" },
	{ "eess.AS", "Audio and Speech Processing" },
	{ "eess.IV", "Image and Video Processing" },
	{ "eess.SP", "Signal Processing" },
	{ "eess.SY", "Systems and Control" },
	/* Mathematics */
	{ "math", "Mathematics" },
	{ "math.AC", "Commutative Algebra" },
	{ "math.AG", "Algebraic Geometry" },
	{ "math.AP", "Analysis of PDEs" },
	{ "math.AT", "Algebraic Topology" },
	{ "math.CA", "Classical Analysis and ODEs" },
	{ "math.CO", "Combinatorics" },
	{ "math.CT", "Category Theory" },
	{ "math.CV", "Complex Variables" },
	{ "math.DG", "Differential Geometry" },
	{ "math.DS", "Dynamical Systems" },
	{ "math.FA", "Functional Analysis" },
	{ "math.GM", "General Mathematics" },
	{ "math.GN", "General Topology" },
	{ "math.GR", "Group Theory" },
	{ "math.GT", "Geometric Topology" },
	{ "math.HO", "History and Overview" },
	{ "math.IT", "Information Theory" },
	{ "math.KT", "K-Theory and Homology" },
	{ "math.LO", "Logic" },
	{ "math.MG", "Metric Geometry" },
	{ "math.MP", "Mathematical Physics" },
	{ "math.NA", "Numerical Analysis" },
	{ "math.NT", "Number Theory" },
	{ "math.OA", "Operator Algebras" },
	{ "math.OC", "Optimization and Control" },
	{ "math.PR", "Probability" },
	{ "math.QA", "Quantum Algebra" },
	{ "math.RA", "Rings and Algebras" },
	{ "math.RT", "Representation Theory" },
	{ "math.SG", "Symplectic Geometry" },
	{ "math.SP", "Spectral Theory" },
	{ "math.ST", "Statistics Theory" },
	/* Physics: astro-ph */
	{ "astro-ph", "Astrophysics" },
	{ "astro-ph.CO", "Cosmology and Nongalactic Astrophysics" },
	{ "astro-ph.EP", "Earth and Planetary Astrophysics" },
	{ "astro-ph.GA", "Astrophysics of Galaxies" },
	{ "astro-ph.HE", "High Energy Astrophysical Phenomena" },
	{ "astro-ph.IM", "Instrumentation and Methods for Astrophysics" },
	{ "astro-ph.SR", "Solar and Stellar Astrophysics" },
	/* Physics: cond-mat */
	{ "cond-mat", "Condensed Matter" },
	{ "cond-mat.dis-nn", "Disordered Systems and Neural Networks" },
	{ "cond-mat.mes-hall", "Mesoscale and Nanoscale Physics" },
	{ "cond-mat.mtrl-sci", "Materials Science" },
	{ "cond-mat.other", "Other Condensed Matter" },
	{ "cond-mat.quant-gas", "Quantum Gases" },
	{ "cond-mat.soft", "Soft Condensed Matter" },
	{ "cond-mat.stat-mech", "Statistical Mechanics" },
	{ "cond-mat.str-el", "Strongly Correlated Electrons" },
	{ "cond-mat.supr-con", "Superconductivity" },
	/* Physics: archives without subject classes */
	{ "gr-qc", "General Relativity and Quantum Cosmology" },
	{ "hep-ex", "High Energy Physics - Experiment" },
	{ "hep-lat", "High Energy Physics - Lattice" },
	{ "hep-ph", "High Energy Physics - Phenomenology" },
	{ "hep-th", "High Energy Physics - Theory" },
	{ "math-ph", "Mathematical Physics" },
	{ "nucl-ex", "Nuclear Experiment" },
	{ "nucl-th", "Nuclear Theory" },
	{ "quant-ph", "Quantum Physics" },
	/* Physics: nlin */
	{ "nlin", "Nonlinear Sciences" },
	{ "nlin.AO", "Adaptation and Self-Organizing Systems" },
	{ "nlin.CD", "Chaotic Dynamics" },
	{ "nlin.CG", "Cellular Automata and Lattice Gases" },
	{ "nlin.PS", "Pattern Formation and Solitons" },
	{ "nlin.SI", "Exactly Solvable and Integrable Systems" },
	/* Physics: physics */
	{ "physics", "Physics" },
	{ "physics.acc-ph", "Accelerator Physics" },
	{ "physics.ao-ph", "Atmospheric and Oceanic Physics" },
	{ "physics.app-ph", "Applied Physics" },
	{ "physics.atm-clus", "Atomic and Molecular Clusters" },
	{ "physics.atom-ph", "Atomic Physics" },
	{ "physics.bio-ph", "Biological Physics" },
	{ "physics.chem-ph", "Chemical Physics" },
	{ "physics.class-ph", "Classical Physics" },
	{ "physics.comp-ph", "Computational Physics" },
	{ "physics.data-an", "Data Analysis, Statistics and Probability" },
	{ "physics.ed-ph", "Physics Education" },
	{ "physics.flu-dyn", "Fluid Dynamics" },
	{ "physics.gen-ph", "General Physics" },
	{ "physics.geo-ph", "Geophysics" },
	{ "physics.hist-ph", "History and Philosophy of Physics" },
	{ "physics.ins-det", "Instrumentation and Detectors" },
	{ "physics.med-ph", "Medical Physics" },
	{ "physics.optics", "Optics" },
	{ "physics.plasm-ph", "Plasma Physics" },
	{ "physics.pop-ph", "Popular Physics" },
	{ "physics.soc-ph", "Physics and Society" },
	{ "physics.space-ph", "Space Physics" },
	/* Quantitative Biology */
	{ "q-bio", "Quantitative Biology" },
	{ "q-bio.BM", "Biomolecules" },
	{ "q-bio.CB", "Cell Behavior" },
	{ "q-bio.GN", "Genomics" },
	{ "q-bio.MN", "Molecular Networks" },
	{ "q-bio.NC", "Neurons and Cognition" },
	{ "q-bio.OT", "Other Quantitative Biology" },
	{ "q-bio.PE", "Populations and Evolution" },
	{ "q-bio.QM", "Quantitative Methods" },
	{ "q-bio.SC", "Subcellular Processes" },
	{ "q-bio.TO", "Tissues and Organs" },
	/* Quantitative Finance */
	{ "q-fin", "Quantitative Finance" },
	{ "q-fin.CP", "Computational Finance" },
	{ "q-fin.EC", "Economics" },
	{ "q-fin.GN", "General Finance" },
	{ "q-fin.MF", "Mathematical Finance" },
	{ "q-fin.PM", "Portfolio Management" },
	{ "q-fin.PR", "Pricing of Securities" },
	{ "q-fin.RM", "Risk Management" },
	{ "q-fin.ST", "Statistical Finance" },
	{ "q-fin.TR", "Trading and Market Microstructure" },
	/* Statistics */
	{ "stat", "Statistics" },
	{ "stat.AP", "Applications" },
	{ "stat.CO", "Computation" },
	{ "stat.ME", "Methodology" },
	{ "stat.ML", "Machine Learning" },
	{ "stat.OT", "Other Statistics" },
	{ "stat.TH", "Statistics Theory" },
	/* Archives merged into others long ago; old-style ids still carry them. */
	{ "acc-phys", "Accelerator Physics" },
	{ "adap-org", "Adaptation, Noise, and Self-Organizing Systems" },
	{ "alg-geom", "Algebraic Geometry" },
	{ "ao-sci", "Atmospheric-Oceanic Sciences" },
	{ "atom-ph", "Atomic, Molecular and Optical Physics" },
	{ "bayes-an", "Bayesian Analysis" },
	{ "chao-dyn", "Chaotic Dynamics" },
	{ "chem-ph", "Chemical Physics" },
	{ "cmp-lg", "Computation and Language" },
	{ "comp-gas", "Cellular Automata and Lattice Gases" },
	{ "dg-ga", "Differential Geometry" },
	{ "funct-an", "Functional Analysis" },
	{ "mtrl-th", "Materials Theory" },
	{ "patt-sol", "Pattern Formation and Solitons" },
	{ "plasm-ph", "Plasma Physics" },
	{ "q-alg", "Quantum Algebra and Topology" },
	{ "solv-int", "Exactly Solvable and Integrable Systems" },
	{ "supr-con", "Superconductivity" },
};

const char *
pb_category_at(size_t i)
{
	return i < sizeof cats / sizeof cats[0] ? cats[i].code : NULL;
}

int
pb_category_known(const char *code, int nocase)
{
	for (size_t i = 0; code && i < sizeof cats / sizeof cats[0]; i++)
		if ((nocase ? strcasecmp(cats[i].code, code) : strcmp(cats[i].code, code)) == 0)
			return 1;
	return 0;
}

int
pb_category_has_classes(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (!n || strchr(code, '.'))
		return 0;
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		if (strncmp(cats[i].code, code, n) == 0 && cats[i].code[n] == '.')
			return 1;
	return 0;
}

const char *
pb_category_spelling(const char *code)
{
	for (size_t i = 0; code && i < sizeof cats / sizeof cats[0]; i++)
		if (strcasecmp(cats[i].code, code) == 0)
			return cats[i].code;
	return NULL;
}

/* The table's entries in the order of their codes, sorted once for the process: a digest's
 * title names every configured category (twenty archives for a broad instance), for every
 * subscriber. */
static const struct cat_name *by_code[sizeof cats / sizeof cats[0]];
static pthread_once_t by_code_once = PTHREAD_ONCE_INIT;

static int
cmp_code(const void *a, const void *b)
{
	return strcmp((*(const struct cat_name *const *)a)->code,
		      (*(const struct cat_name *const *)b)->code);
}

static void
sort_codes(void)
{
	for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
		by_code[i] = &cats[i];
	qsort(by_code, sizeof cats / sizeof cats[0], sizeof by_code[0], cmp_code);
}

const char *
pb_category_name(const char *cat)
{
	size_t lo = 0, hi = sizeof cats / sizeof cats[0];

	if (!cat)
		return NULL;
	pthread_once(&by_code_once, sort_codes);
	/* arXiv codes are case-sensitive ("math.CV" and "cs.CV" differ only in the archive), so
	 * the comparison is exact. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(by_code[mid]->code, cat);

		if (r == 0)
			return by_code[mid]->name;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
pb_category_names(struct pb_buf *b, const char *const *in, size_t n, const char *lang)
{
	const char **names = NULL;
	size_t k = 0;

	/* Unique display names in the order given: "cs.SY" and "eess.SY" both read "Systems and
	 * Control" and should appear once. Unknown codes are shown as the code. */
	if (n)
		names = pb_xcalloc(n, sizeof *names);
	for (size_t i = 0; i < n; i++) {
		const char *nm;
		size_t j;

		if (!in[i] || !*in[i])
			continue;
		nm = pb_category_name(in[i]);
		if (!nm)
			nm = in[i];
		for (j = 0; j < k; j++)
			if (strcmp(names[j], nm) == 0)
				break;
		if (j == k)
			names[k++] = nm;
	}
	for (size_t i = 0; i < k; i++) {
		if (i > 0)
			pb_buf_puts(b, pb_word(lang, i + 1 == k ? PB_W_LIST_AND : PB_W_LIST_SEP));
		pb_buf_puts(b, names[i]);
	}
	free(names);
}

char *
pb_digest_title_lang(const char *const *in, size_t n, const char *date, const char *lang)
{
	struct pb_buf b = { 0 }, cats = { 0 }, t = { 0 };

	pb_category_names(&cats, in, n, lang);
	if (cats.len) {
		const char *vars[] = { "categories", cats.data, NULL };

		pb_template_put(&t, pb_word(lang, PB_W_TITLE), vars);
	} else {
		pb_buf_puts(&t, pb_word(lang, PB_W_TITLE_ANY));
	}
	if (date && *date) {
		const char *vars[] = { "title", pb_buf_str(&t), "date", date, NULL };

		pb_template_put(&b, pb_word(lang, PB_W_TITLE_DATE), vars);
	} else {
		pb_buf_puts(&b, pb_buf_str(&t));
	}
	pb_buf_free(&cats);
	pb_buf_free(&t);
	return pb_buf_detach(&b);
}

char *
pb_digest_title(const char *const *in, size_t n, const char *date)
{
	return pb_digest_title_lang(in, n, date, "en");
}
