/* pb_matcher_new_each: a subscriber whose rules do not compile (a query, an exclusion, a
 * followed author) is set aside with its error, and every other subscriber is matched exactly
 * as pb_matcher_new would match it alone; pb_matcher_new itself still refuses the config. The
 * broken subscriber comes first and shares a term (cat:cs.CV) with a good one, so a term
 * interned from the broken subscriber's rules must stay valid (run under ASan). */
#include <stdbool.h>
#include <unistd.h>

#include "paperboy/config.h"
#include "paperboy/match.h"
#include "paperboy/paper.h"
#include "t.h"

static const char conf_all[] =
	"state_dir = \"/tmp/pb-test-match-each-state\";\n"
	"arxiv = { categories = [\"cs.CV\"]; };\n"
	"subscribers = (\n"
	"  { name = \"x\"; topics = ( { name = \"X\"; query = \"cat:cs.CV\";\n"
	"                               exclude = [\"ti:(survey\"]; } ); },\n"
	"  { name = \"a\"; topics = ( { name = \"A\"; query = \"cat:cs.CV ANDNOT ti:survey\"; } ); },\n"
	"  { name = \"b\"; topics = ( { name = \"T\"; query = \"ti:(video\"; } ); },\n"
	"  { name = \"c\"; follow_authors = [\"!!!\"];\n"
	"    topics = ( { name = \"C\"; query = \"ti:video\"; } ); },\n"
	"  { name = \"d\"; topics = ( { name = \"D\"; query = \"ti:splatting OR abs:nerf\"; } ); } );\n";

/* The same good subscribers alone. */
static const char conf_good[] =
	"state_dir = \"/tmp/pb-test-match-each-state\";\n"
	"arxiv = { categories = [\"cs.CV\"]; };\n"
	"subscribers = (\n"
	"  { name = \"a\"; topics = ( { name = \"A\"; query = \"cat:cs.CV ANDNOT ti:survey\"; } ); },\n"
	"  { name = \"d\"; topics = ( { name = \"D\"; query = \"ti:splatting OR abs:nerf\"; } ); } );\n";

static struct pb_config *
load(const char *text)
{
	char path[] = "/tmp/pb-test-match-each-XXXXXX";
	struct pb_config_error err;
	struct pb_config *cfg;
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		perror("mkstemp");
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	memset(&err, 0, sizeof err);
	cfg = pb_config_load(path, &err);
	if (!cfg)
		fprintf(stderr, "config: %s:%d: %s: %s\n", err.file, err.line, err.key, err.message);
	unlink(path);
	return cfg;
}

static void
add(struct pb_paperset *ps, const char *id, const char *title, const char *abstract,
    const char *cat)
{
	struct pb_paper p;

	memset(&p, 0, sizeof p);
	p.id = pb_xstrdup(id);
	p.version = 1;
	p.title = pb_xstrdup(title);
	p.abstract = pb_xstrdup(abstract);
	p.authors = pb_xcalloc(1, sizeof *p.authors);
	p.authors[p.n_authors++].name = pb_xstrdup("Alice Smith");
	p.categories = pb_xcalloc(1, sizeof *p.categories);
	p.categories[p.n_categories++] = pb_xstrdup(cat);
	p.announce = PB_ANN_NEW;
	pb_paperset_add(ps, &p);
}

static bool
same(const struct pb_selection *x, const struct pb_selection *y)
{
	if (x->n_hits != y->n_hits || x->n_matched != y->n_matched)
		return false;
	for (size_t i = 0; i < x->n_hits; i++)
		if (x->hits[i].paper != y->hits[i].paper || x->hits[i].score != y->hits[i].score ||
		    x->hits[i].topic != y->hits[i].topic)
			return false;
	return true;
}

int
main(void)
{
	struct pb_config *all = load(conf_all), *good = load(conf_good);
	struct pb_paperset ps;
	struct pb_matcher *m, *mg;
	struct pb_selection *sel = NULL, *ref = NULL, *gsel = NULL;
	char err[1024];

	if (!all || !good)
		return 2;
	pb_paperset_init(&ps);
	add(&ps, "2411.00001", "Gaussian Splatting for Dynamic Scenes", "We build on NeRF.", "cs.CV");
	add(&ps, "2411.00002", "A Survey of Gaussian Splatting", "Everything about splats.", "cs.CV");
	add(&ps, "2411.00003", "Video Diffusion Models", "Temporal video.", "cs.LG");
	add(&ps, "2411.00004", "Depth from Video", "Monocular depth.", "cs.CV");

	/* The strict constructor refuses the whole config, naming the first broken one. */
	m = pb_matcher_new(all, err, sizeof err);
	T_CHECK(m == NULL);
	T_CHECK(strncmp(err, "subscriber x, topic X, exclude 1, column", 40) == 0);
	pb_matcher_free(m);

	m = pb_matcher_new_each(all);
	T_CHECK(m != NULL);
	T_CHECK(pb_matcher_broken(m, 0) != NULL &&
		strncmp(pb_matcher_broken(m, 0), "subscriber x, topic X, exclude 1, column", 40) == 0);
	T_CHECK(pb_matcher_broken(m, 1) == NULL);
	T_CHECK(pb_matcher_broken(m, 2) != NULL &&
		strncmp(pb_matcher_broken(m, 2), "subscriber b, topic T, column 4: unclosed", 41) == 0);
	T_CHECK(pb_matcher_broken(m, 3) != NULL &&
		strstr(pb_matcher_broken(m, 3), "subscriber c: followed author '!!!'") != NULL);
	T_CHECK(pb_matcher_broken(m, 4) == NULL);
	T_CHECK(pb_matcher_broken(m, 5) == NULL);   /* past the end */
	T_CHECK(pb_matcher_broken(NULL, 0) == NULL);

	T_EQ_INT(pb_match_all(m, &ps, &sel, err, sizeof err), 0);
	T_EQ_INT(pb_match_all_reference(m, &ps, &ref, err, sizeof err), 0);
	mg = pb_matcher_new(good, err, sizeof err);
	T_CHECK(mg != NULL);
	T_EQ_INT(pb_match_all(mg, &ps, &gsel, err, sizeof err), 0);
	/* Set aside: nothing selected (c's topic alone would have matched two papers). */
	T_EQ_INT(sel[0].n_hits, 0);
	T_EQ_INT(sel[2].n_hits, 0);
	T_EQ_INT(sel[3].n_hits, 0);
	T_EQ_INT(ref[3].n_hits, 0);
	/* The others: as if alone, and by both evaluations. */
	T_EQ_INT(sel[1].n_hits, 2);        /* 00001 and 00004: cs.CV, not a survey */
	T_EQ_INT(sel[4].n_hits, 2);        /* 00001 and 00002 */
	T_CHECK(same(&sel[1], &gsel[0]));
	T_CHECK(same(&sel[4], &gsel[1]));
	T_CHECK(same(&sel[1], &ref[1]));
	T_CHECK(same(&sel[4], &ref[4]));

	pb_selections_free(sel, all->n_subscribers);
	pb_selections_free(ref, all->n_subscribers);
	pb_selections_free(gsel, good->n_subscribers);
	pb_matcher_free(mg);
	pb_matcher_free(m);
	pb_paperset_free(&ps);
	pb_config_free(good);
	pb_config_free(all);
	return t_done("test_match_each");
}
