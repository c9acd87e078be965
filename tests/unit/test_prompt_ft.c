/* The model's excerpt of a paper's full text: analysis.txt's {fulltext} holds it within the
 * configured token budget and is empty without a text; the prompt files' %% notes never reach
 * the model; an analysis written with the text is cached under its own key, found by the
 * digest with or without the text. */
#include "../../src/summarize/summarize_int.h"
#include "paperboy/fulltext.h"
#include "paperboy/http.h"
#include "paperboy/llm.h"
#include "paperboy/state.h"
#include "paperboy/summarize.h"
#include "t.h"
#include "t_state.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct pb_buf b = { 0 };
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&b, chunk, n);
	fclose(f);
	return pb_buf_detach(&b);
}

#define METHOD "We cut each scene into tetrahedra and store radiance per cell. "
#define RESULT "Radiance meshes reach 31.4 dB PSNR on Mip-NeRF 360 at 120 fps. "

static void
make_ft(struct pb_fulltext *ft, struct pb_ft_section *sec, struct pb_buf *long_text)
{
	for (int i = 0; i < 400; i++)
		pb_buf_puts(long_text, i % 2 ? METHOD : RESULT);
	memset(ft, 0, sizeof *ft);
	sec[0].kind = PB_FT_METHOD;
	sec[0].title = (char *)"Method";
	sec[0].text = long_text->data;
	sec[1].kind = PB_FT_RESULTS;
	sec[1].title = (char *)"Experiments";
	sec[1].text = (char *)RESULT;
	ft->paper_key = (char *)"2512.04076v1";
	ft->source = (char *)"html";
	ft->sections = sec;
	ft->n_sections = 2;
}

static void
test_prompt(void)
{
	char *tmpl = slurp("conf/prompts/analysis.txt"), *sys = NULL, *user = NULL;
	struct pb_paper p = { 0 };
	struct pb_author au = { "Ada Lovelace", NULL, 0 };
	struct pb_ft_section sec[2];
	struct pb_fulltext ft;
	struct pb_buf text = { 0 };
	struct pb_analysis_vars av;
	const char *ex;

	T_CHECK(tmpl != NULL);
	if (!tmpl)
		return;
	T_CHECK(strstr(tmpl, "{fulltext}") != NULL);
	T_CHECK(strstr(tmpl, "%%") != NULL);
	pb_prompt_strip_comments(tmpl);
	T_CHECK(strstr(tmpl, "%%") == NULL);
	T_CHECK(strstr(tmpl, "{fulltext}") != NULL);    /* the placeholder itself stays */
	p.id = "2512.04076";
	p.version = 1;
	p.title = "Radiance Meshes for Volumetric Reconstruction";
	p.abstract = "We introduce radiance meshes.";
	p.authors = &au;
	p.n_authors = 1;
	make_ft(&ft, sec, &text);

	/* with the text: the excerpt, under its line, within the budget (4 bytes a token) */
	pb_analysis_vars_init(&av, &p, "en", "2512.04076v1", &ft, 500);
	pb_prompt_render(tmpl, av.v, &sys, &user);
	T_CHECK(sys && strstr(sys, "%%") == NULL && strstr(sys, "placeholder") == NULL);
	ex = user ? strstr(user, "Excerpts of the full text (HTML):\n\n") : NULL;
	T_CHECK(ex != NULL);
	T_CHECK(user && strstr(user, "Radiance meshes reach 31.4 dB") != NULL);
	T_CHECK(user && strstr(user, "{fulltext}") == NULL);
	T_CHECK(user && strstr(user, "Limitations") && strstr(user, "Future work") &&
		strstr(user, "Results") && strstr(user, "Problem") && strstr(user, "Method"));
	T_CHECK(av.fulltext.len > 100);
	T_CHECK(av.fulltext.len <= 500 * 4 + 64);
	T_CHECK(strlen(user) < 500 * 4 + 3000);
	free(sys);
	free(user);
	pb_analysis_vars_free(&av);

	/* a larger budget gives more of it */
	pb_analysis_vars_init(&av, &p, "en", "2512.04076v1", &ft, 3000);
	T_CHECK(av.fulltext.len > 500 * 4 + 64 && av.fulltext.len <= 3000 * 4 + 64);
	pb_analysis_vars_free(&av);

	/* without: nothing where it was, no placeholder left */
	pb_analysis_vars_init(&av, &p, "en", "2512.04076v1", NULL, 500);
	pb_prompt_render(tmpl, av.v, &sys, &user);
	T_CHECK(user && strstr(user, "Excerpts of the full text") == NULL);
	T_CHECK(user && strstr(user, "{fulltext}") == NULL);
	T_CHECK(user && strstr(user, "We introduce radiance meshes.") != NULL);
	free(sys);
	free(user);
	pb_analysis_vars_free(&av);
	pb_buf_free(&text);
	free(tmpl);

	/* comment lines only where they start a line */
	{
		char t[] = "%% note\nkeep 100%% of it\n%%x\nlast";

		pb_prompt_strip_comments(t);
		T_EQ_STR(t, "keep 100%% of it\nlast");
	}
}

/* The cache: the answer written with the text under its own prompt hash; a digest finds it
 * with the text and, when a later run has no text, still prefers it. */
static void
test_cache(void)
{
	char dir[] = "/tmp/pb-test-promptft-XXXXXX", path[600], err[256] = "", h_ft[17], h[17];
	struct pb_config cfg;
	struct pb_http_opts ho = { .user_agent = "paperboy-test" };
	struct pb_http *http = pb_http_new(&ho);
	struct pb_state *st;
	struct pb_summarizer *s;
	struct pb_paperset set = { 0 };
	struct pb_paper *p;
	struct pb_topic topics[1] = { { .name = "3D" } };
	struct pb_subscriber sub = { .name = "zoe", .language = "en", .topics = topics,
				     .n_topics = 1 };
	struct pb_hit hit = { .paper = 0, .score = 1, .topic = 0 };
	struct pb_selection sel = { .sub = &sub, .hits = &hit, .n_hits = 1, .n_matched = 1 };
	struct pb_ft_section sec[2];
	struct pb_fulltext ft;
	struct pb_fulltext_set fts;
	struct pb_buf text = { 0 }, b = { 0 };
	struct pb_digest d;
	char *tmpl;

	if (!mkdtemp(dir)) {
		T_CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/paperboy.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st)
		return;
	tmpl = slurp("conf/prompts/analysis.txt");
	pb_prompt_strip_comments(tmpl);
	pb_prompt_hash(tmpl, h, sizeof h);
	pb_buf_printf(&b, "%s\n{fulltext given}", tmpl);
	pb_prompt_hash(b.data, h_ft, sizeof h_ft);
	T_CHECK(strcmp(h, h_ft) != 0);
	free(tmpl);
	pb_buf_free(&b);

	set.v = pb_xcalloc(1, sizeof *set.v);
	set.n = set.cap = 1;
	p = &set.v[0];
	p->id = pb_xstrdup("2512.04076");
	p->version = 1;
	p->title = pb_xstrdup("Radiance Meshes");
	p->abstract = pb_xstrdup("We introduce radiance meshes.");
	make_ft(&ft, sec, &text);
	fts.v = &ft;
	fts.n = 1;

	memset(&cfg, 0, sizeof cfg);
	cfg.summary.enabled = true;
	cfg.summary.base_url = "http://127.0.0.1:1/v1/";   /* nothing listens */
	cfg.summary.model = "m";
	cfg.summary.prompt_dir = "conf/prompts";
	cfg.summary.timeout_s = 2;
	cfg.summary.max_tokens = 100;
	cfg.summary.deadline_s = 10;
	cfg.summary.analysis = true;
	cfg.fulltext.excerpt_tokens = 500;

	/* the answer from the abstract alone is no answer for a run with the text */
	T_EQ_INT(pb_cache_put(st, "2512.04076v1", "m", "en", h, "analysis", "from abstract", 1), 0);
	s = pb_summarizer_new(&cfg, st, http, err, sizeof err);
	T_CHECK(s != NULL);
	if (!s)
		goto out;
	pb_summarizer_set_fulltext(s, &fts);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.n_items == 1 && d.items[0].fulltext == &ft);
	/* nothing under the text's key yet: the abstract's answer is shown meanwhile */
	T_CHECK(d.n_items == 1 && d.items[0].analysis &&
		strcmp(d.items[0].analysis, "from abstract") == 0);
	pb_digest_free(&d);

	T_EQ_INT(pb_cache_put(st, "2512.04076v1", "m", "en", h_ft, "analysis", "from text", 1), 0);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.n_items == 1 && d.items[0].analysis &&
		strcmp(d.items[0].analysis, "from text") == 0);
	pb_digest_free(&d);
	/* a later run without the text still shows the better answer */
	pb_summarizer_set_fulltext(s, NULL);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.n_items == 1 && d.items[0].fulltext == NULL && d.items[0].analysis &&
		strcmp(d.items[0].analysis, "from text") == 0);
	pb_digest_free(&d);

	/* the executive summary: one written from the abstracts is shown while none written
	 * with the text's findings is cached, then that one */
	tmpl = slurp("conf/prompts/summary.txt");
	pb_prompt_strip_comments(tmpl);
	pb_prompt_hash(tmpl, h, sizeof h);
	free(tmpl);
	pb_prompt_hash("2512.04076v1\n", h_ft, sizeof h_ft);
	pb_buf_reset(&b);
	pb_buf_printf(&b, "digest:%s:1", h_ft);
	T_EQ_INT(pb_cache_put(st, b.data, "m", "en", h, "summary", "from abstracts", 1), 0);
	pb_summarizer_set_fulltext(s, &fts);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.exec_from_model && strcmp(d.exec_summary, "from abstracts") == 0);
	pb_digest_free(&d);
	pb_prompt_hash("2512.04076v1+ft\n", h_ft, sizeof h_ft);
	pb_buf_reset(&b);
	pb_buf_printf(&b, "digest:%s:1", h_ft);
	T_EQ_INT(pb_cache_put(st, b.data, "m", "en", h, "summary", "from texts", 1), 0);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.exec_from_model && strcmp(d.exec_summary, "from texts") == 0);
	pb_digest_free(&d);
	/* a run without the text: the abstracts' */
	pb_summarizer_set_fulltext(s, NULL);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.exec_from_model && strcmp(d.exec_summary, "from abstracts") == 0);
	pb_digest_free(&d);
	pb_buf_free(&b);
	pb_summarizer_free(s);
out:
	pb_buf_free(&text);
	pb_paperset_free(&set);
	pb_state_close(st);
	pb_http_free(http);
	unlink(path);
	{
		struct pb_buf c = { 0 };

		pb_buf_printf(&c, "rm -rf '%s'", dir);
		if (system(c.data) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
		pb_buf_free(&c);
	}
}

int
main(void)
{
	test_prompt();
	test_cache();
	return t_done("test_prompt_ft");
}
