/* Category names, digest titles, and the digest with its built-in executive summary, built from
 * the ten papers of the reference digest. */
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/llm.h"
#include "paperboy/categories.h"
#include "paperboy/summarize.h"
#include "t.h"
#include "t_state.h"

static void
test_category_names(void)
{
	static const char *const want[][2] = {
		{ "cs.CV", "Computer Vision" },
		{ "cs.RO", "Robotics" },
		{ "cs.LG", "Machine Learning" },
		{ "cs.CL", "Computation and Language" },
		{ "cs.AI", "Artificial Intelligence" },
		{ "stat.ML", "Machine Learning" },
		{ "math.CV", "Complex Variables" },
		{ "math.ST", "Statistics Theory" },
		{ "astro-ph.CO", "Cosmology and Nongalactic Astrophysics" },
		{ "astro-ph", "Astrophysics" },
		{ "cond-mat.mes-hall", "Mesoscale and Nanoscale Physics" },
		{ "cond-mat.str-el", "Strongly Correlated Electrons" },
		{ "physics.optics", "Optics" },
		{ "physics.flu-dyn", "Fluid Dynamics" },
		{ "hep-th", "High Energy Physics - Theory" },
		{ "hep-ex", "High Energy Physics - Experiment" },
		{ "gr-qc", "General Relativity and Quantum Cosmology" },
		{ "nucl-th", "Nuclear Theory" },
		{ "quant-ph", "Quantum Physics" },
		{ "nlin.CD", "Chaotic Dynamics" },
		{ "q-bio.NC", "Neurons and Cognition" },
		{ "q-fin.ST", "Statistical Finance" },
		{ "eess.IV", "Image and Video Processing" },
		{ "eess.SY", "Systems and Control" },
		{ "econ.EM", "Econometrics" },
		{ "math-ph", "Mathematical Physics" },
		{ "solv-int", "Exactly Solvable and Integrable Systems" },
	};

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		T_EQ_STR(pb_category_name(want[i][0]), want[i][1]);
	T_CHECK(pb_category_name("cs.XX") == NULL);
	T_CHECK(pb_category_name("CS.CV") == NULL);   /* codes are case-sensitive */
	T_CHECK(pb_category_name("") == NULL);
	T_CHECK(pb_category_name(NULL) == NULL);
	/* every code of the table is found, whatever its place; one past the last is not */
	for (size_t i = 0; pb_category_at(i); i++) {
		char past[64];

		T_CHECK(pb_category_name(pb_category_at(i)) != NULL);
		snprintf(past, sizeof past, "%s~", pb_category_at(i));
		T_CHECK(pb_category_name(past) == NULL);
	}
	T_CHECK(pb_category_name("zzz") == NULL);
	T_CHECK(pb_category_name("a") == NULL);
}

static void
check_title(const char *const *cats, size_t n, const char *date, const char *want)
{
	char *t = pb_digest_title(cats, n, date);

	T_EQ_STR(t, want);
	free(t);
}

static void
test_titles(void)
{
	const char *one[] = { "cs.CV" };
	const char *two[] = { "cs.CV", "cs.RO" };
	const char *three[] = { "cs.CV", "cs.RO", "cs.LG" };
	const char *unknown[] = { "cs.CV", "xx.YY" };
	const char *dup[] = { "cs.SY", "eess.SY", "cs.RO" };

	check_title(one, 1, "2025-12-04", "arXiv Computer Vision Papers - 2025-12-04");
	check_title(two, 2, "2025-12-04", "arXiv Computer Vision and Robotics Papers - 2025-12-04");
	check_title(three, 3, "2025-12-04",
		    "arXiv Computer Vision, Robotics and Machine Learning Papers - 2025-12-04");
	check_title(unknown, 2, "2025-12-04", "arXiv Computer Vision and xx.YY Papers - 2025-12-04");
	check_title(dup, 3, "2025-12-04", "arXiv Systems and Control and Robotics Papers - 2025-12-04");
	check_title(NULL, 0, "2025-12-04", "arXiv Papers - 2025-12-04");
	check_title(one, 1, NULL, "arXiv Computer Vision Papers");
}

/* ---- the reference digest's papers as records ---- */

static char *
between(const char *s, const char *a, const char *b)
{
	const char *p = strstr(s, a), *q;

	if (!p)
		return NULL;
	p += strlen(a);
	q = strstr(p, b);
	return q ? pb_xstrndup(p, (size_t)(q - p)) : NULL;
}

static void
split_cats(struct pb_paper *p, const char *list)
{
	char *copy = pb_xstrdup(list), *save = NULL;

	p->categories = pb_xcalloc(8, sizeof *p->categories);
	for (char *tok = strtok_r(copy, ", ", &save); tok && p->n_categories < 8;
	     tok = strtok_r(NULL, ", ", &save))
		p->categories[p->n_categories++] = pb_xstrdup(tok);
	free(copy);
}

static size_t
load_papers(struct pb_paperset *set)
{
	FILE *f = fopen(t_fixture("../../reference/digest-cs.CV-2025-12-04.md"), "r");
	char line[16384];
	int state = 0;
	struct pb_paper *cur = NULL;

	memset(set, 0, sizeof *set);
	if (!f)
		return 0;
	set->v = pb_xcalloc(16, sizeof *set->v);
	set->cap = 16;
	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line);

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (strncmp(line, "## [", 4) == 0 && set->n < set->cap) {
			char *url;

			cur = &set->v[set->n++];
			cur->title = between(line, "## [", "](");
			url = between(line, "/abs/", ")");
			if (url) {
				char *v = strrchr(url, 'v');

				if (v) {
					cur->version = atoi(v + 1);
					*v = 0;
				}
				cur->id = url;
			}
			state = 0;
		} else if (cur && strncmp(line, "**Categories:** ", 16) == 0 && !cur->categories) {
			split_cats(cur, line + 16);
			state = 3;
		} else if (state == 3 && strcmp(line, "**Abstract:**") == 0) {
			state = 1;
		} else if (state == 1 && len > 0) {
			cur->abstract = pb_xstrdup(line);
			state = 0;
		}
	}
	fclose(f);
	set->announce_date = pb_xstrdup("2025-12-04");
	return set->n;
}

static void
free_papers(struct pb_paperset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct pb_paper *p = &set->v[i];

		free(p->id);
		free(p->title);
		free(p->abstract);
		for (size_t k = 0; k < p->n_categories; k++)
			free(p->categories[k]);
		free(p->categories);
	}
	free(set->v);
	free(set->announce_date);
}

static void
test_digest(void)
{
	struct pb_paperset set;
	struct pb_topic topics[3] = { { .name = "3D" }, { .name = "Video" }, { .name = "VLM" } };
	struct pb_subscriber sub = { .name = "alice", .language = "en", .max_papers = 10,
				     .topics = topics, .n_topics = 3 };
	char *cats[] = { "cs.CV" };
	struct pb_config cfg = { 0 };
	struct pb_hit hits[10];
	struct pb_selection sel = { .sub = &sub, .hits = hits };
	struct pb_digest d;
	struct pb_summarizer *s;
	char err[256] = "";
	size_t n = load_papers(&set);
	/* topic per paper (reference order): 3D for the 3D papers, Video, VLM for the rest */
	static const size_t topic_of[10] = { 2, 0, 1, 0, 2, 1, 2, 1, 0, 0 };

	T_EQ_INT(n, 10);
	if (n != 10)
		return;
	cfg.arxiv.categories = cats;
	cfg.arxiv.n_categories = 1;
	for (size_t i = 0; i < 10; i++) {
		hits[i].paper = i;
		hits[i].score = 10.0 - (double)i;
		hits[i].topic = topic_of[i];
	}
	sel.n_hits = 10;
	sel.n_matched = 14;

	s = pb_summarizer_new(&cfg, NULL, NULL, err, sizeof err);
	T_CHECK(s != NULL);
	T_EQ_INT(pb_summarizer_prepare(s, &set, &sel, 1), 0);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.title, "arXiv Computer Vision Papers - 2025-12-04");
	T_EQ_STR(d.date, "2025-12-04");
	T_EQ_STR(d.subscriber, "alice");
	T_EQ_STR(d.language, "en");
	T_EQ_INT(d.n_items, 10);
	T_EQ_INT(d.n_matched, 14);
	T_EQ_INT(d.exec_from_model, 0);
	T_CHECK(d.items[0].paper == &set.v[0]);
	T_EQ_STR(d.items[1].topic, "3D");
	T_CHECK(d.items[0].analysis == NULL);
	for (size_t i = 0; i < d.n_items; i++)
		T_CHECK(d.items[i].n_findings >= 1 && d.items[i].n_findings <= 4);
	/* the second paper falls back to its last two sentences, as in the reference */
	T_EQ_INT(d.items[1].n_findings, 2);
	T_CHECK(strncmp(d.items[1].findings[1], "We have published", 17) == 0);

	/* The executive summary a reader can use: counts per topic, themes, what to read first. */
	{
		const char *e = d.exec_summary;

		T_CHECK(e != NULL);
		if (!e)
			goto done;
		printf("---- built-in executive summary ----\n%s\n----\n", e);
		T_CHECK(strstr(e, "**10 papers** matched your topics") == e);
		T_CHECK(strstr(e, "**3D** (4)") != NULL);
		T_CHECK(strstr(e, "**Video** (3)") != NULL);
		T_CHECK(strstr(e, "**VLM** (3)") != NULL);
		T_CHECK(strstr(e, "14 matched in all, the best 10 are shown") != NULL);
		T_CHECK(strstr(e, "**Recurring themes:** ") != NULL);
		/* "video" recurs in RELIC, PSA, Unique Lives; "3D" in four titles */
		T_CHECK(strstr(e, "video") != NULL);
		T_CHECK(strstr(e, "3D") != NULL);
		T_CHECK(strstr(e, "**Read these first:**") != NULL);
		T_CHECK(strstr(e, "- **\002Active Visual Perception: Opportunities and Challenges\003** "
				  "(VLM, score 10): \002This paper explores both") != NULL);
		T_CHECK(strstr(e, "topics: **3D** (4), **VLM** (3), **Video** (3);") != NULL);
		T_CHECK(strstr(e, "- **\002What Is The Best 3D Scene Representation for Robotics? From "
				  "Geometric to Foundation Models\003** (3D, score 9)") != NULL);
		T_CHECK(strstr(e, "- **\002Unique Lives, Shared World") != NULL);
		T_CHECK(strstr(e, "Radiance Meshes") == NULL);   /* only three to read first */
		T_CHECK(e[strlen(e) - 1] != '\n');
		/* the summarizer's memoised theme words give the same text as the plain function */
		{
			char *plain = pb_exec_summary_builtin(&d);

			T_EQ_STR(e, plain);
			free(plain);
		}
	}
done:
	pb_digest_free(&d);
	pb_digest_free(&d);      /* a freed digest is empty: freeing again is harmless */

	/* A Chinese reader gets the built-in text in Chinese; titles and findings as written. */
	sub.language = "zh";
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.language, "zh");
	printf("---- built-in executive summary (zh) ----\n%s\n----\n", d.exec_summary);
	T_CHECK(strstr(d.exec_summary, "本期共有 **10 篇论文**与您的主题匹配：**3D**（4 篇）、"
				       "**VLM**（3 篇）、**Video**（3 篇）；共匹配 14 篇") == d.exec_summary);
	T_CHECK(strstr(d.exec_summary, "**反复出现的主题：**") != NULL);
	T_CHECK(strstr(d.exec_summary, "**建议优先阅读：**\n\n- **\002Active Visual Perception: "
				       "Opportunities and Challenges\003**（VLM，得分 10）：\002This paper") != NULL);
	pb_digest_free(&d);
	/* A reader of Traditional Chinese gets it in Traditional characters, none Simplified. */
	sub.language = "zh-TW";
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.language, "zh-TW");
	T_CHECK(strstr(d.exec_summary, "本期共有 **10 篇論文**符合您的主題：**3D**（4 篇）、"
				       "**VLM**（3 篇）、**Video**（3 篇）；共符合 14 篇，下面列出最相關的 "
				       "10 篇。") == d.exec_summary);
	T_CHECK(strstr(d.exec_summary, "**反覆出現的主題：**") != NULL);
	T_CHECK(strstr(d.exec_summary, "**建議優先閱讀：**\n\n- **\002Active Visual Perception: "
				       "Opportunities and Challenges\003**（VLM，得分 10）：\002This paper") != NULL);
	T_CHECK(strstr(d.exec_summary, "论") == NULL && strstr(d.exec_summary, "题") == NULL &&
		strstr(d.exec_summary, "与") == NULL && strstr(d.exec_summary, "阅") == NULL);
	pb_digest_free(&d);
	sub.language = NULL;     /* unset: English */
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.language, "en");
	T_CHECK(strncmp(d.exec_summary, "**10 papers**", 13) == 0);
	pb_digest_free(&d);

	/* One topic, fewer papers than three, no cap. */
	sel.n_hits = 2;
	sel.n_matched = 2;
	hits[1].topic = 2;
	T_EQ_INT(pb_digest_build(s, &set, &sel, NULL, &d), 0);
	T_EQ_STR(d.date, "2025-12-04");     /* from the paperset */
	T_CHECK(strstr(d.exec_summary, "**2 papers** matched your topic **VLM**.") != NULL);
	T_CHECK(strstr(d.exec_summary, "in all") == NULL);
	pb_digest_free(&d);
	sub.language = "zh-TW";
	T_EQ_INT(pb_digest_build(s, &set, &sel, NULL, &d), 0);
	T_CHECK(strncmp(d.exec_summary, "本期共有 **2 篇論文**符合您的主題 **VLM**。\n\n",
			strlen("本期共有 **2 篇論文**符合您的主題 **VLM**。\n\n")) == 0);
	pb_digest_free(&d);
	sub.language = NULL;

	/* Nothing matched. */
	sel.n_hits = 0;
	sel.n_matched = 0;
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_INT(d.n_items, 0);
	T_CHECK(d.exec_summary && strstr(d.exec_summary, "No new papers") != NULL);
	pb_digest_free(&d);
	sub.language = "zh";
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.exec_summary, "本期公告中没有与您的主题匹配的新论文。");
	pb_digest_free(&d);
	sub.language = "zh-HK";
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.exec_summary, "本期公告中沒有符合您主題的新論文。");
	pb_digest_free(&d);
	sub.language = NULL;

	/* The note of a day without an announcement, in the reader's language. */
	{
		static const char *const langs[][2] = {
			{ "en", "arXiv made no announcement for 2025-12-25 (a weekend, a holiday or "
				"a pause in announcements), so there is nothing new today." },
			{ "zh", "arXiv 在 2025-12-25 没有发布新论文（周末、假日或暂停发布）。"
				"今天没有新的摘要。" },
			{ "zh-TW", "arXiv 在 2025-12-25 沒有發布新論文（週末、假日或暫停發布）。"
				   "今天沒有新的摘要。" },
			{ "zh-Hant", "arXiv 在 2025-12-25 沒有發布新論文（週末、假日或暫停發布）。"
				     "今天沒有新的摘要。" },
		};

		for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
			struct pb_digest n = { .language = langs[i][0] };

			pb_digest_no_announcement(&n, "2025-12-25");
			T_EQ_STR(n.exec_summary, langs[i][1]);
			pb_digest_free(&n);
		}
	}

	/* A hit pointing outside the paperset is skipped, not followed. */
	hits[0].paper = 99;
	sel.n_hits = 2;
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_INT(d.n_items, 1);
	pb_digest_free(&d);

	/* Without a summarizer or configured categories the title comes from the papers. */
	hits[0].paper = 1;      /* cs.RO primary */
	hits[1].paper = 0;      /* cs.CV */
	T_EQ_INT(pb_digest_build(NULL, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.title, "arXiv Robotics and Computer Vision Papers - 2025-12-04");
	pb_digest_free(&d);

	pb_summarizer_free(s);
	pb_summarizer_free(NULL);
	pb_digest_free(NULL);
	free_papers(&set);
}

/* Digests built one after another with one summarizer (whose built-in summaries are reused
 * by digests made of the same) have the summary a fresh summarizer gives each: a change of a
 * score, a topic, the order, the count matched, the papers or the language is never served
 * the summary of another digest. */
static void
test_exec_memo(void)
{
	struct pb_paperset set;
	struct pb_topic topics[3] = { { .name = "3D" }, { .name = "Video" }, { .name = "VLM" } };
	struct pb_subscriber sub = { .name = "alice", .language = "en", .max_papers = 10,
				     .topics = topics, .n_topics = 3 };
	struct pb_config cfg = { 0 };
	struct pb_hit hits[10];
	struct pb_selection sel = { .sub = &sub, .hits = hits };
	struct pb_summarizer *s;
	char err[256] = "";

	if (load_papers(&set) != 10) {
		T_CHECK(0);
		return;
	}
	s = pb_summarizer_new(&cfg, NULL, NULL, err, sizeof err);
	for (int step = 0; step < 11; step++) {
		struct pb_summarizer *fresh = pb_summarizer_new(&cfg, NULL, NULL, err, sizeof err);
		struct pb_digest a, b;

		for (size_t i = 0; i < 10; i++) {
			hits[i].paper = i;
			hits[i].score = 10.0 - (double)i;
			hits[i].topic = i % 3;
		}
		sel.n_hits = 10;
		sel.n_matched = 14;
		sub.language = "en";
		switch (step) {
		case 1: hits[1].score = 8.75; break;           /* a score it shows */
		case 2: hits[2].topic = 0; break;              /* a topic */
		case 3: hits[0].paper = 9; hits[9].paper = 0; break;   /* the order */
		case 4: sel.n_matched = 20; break;             /* the count matched */
		case 5: sel.n_hits = 4; break;                 /* fewer papers */
		case 6: hits[5].paper = 6; break;              /* a paper twice */
		case 7: sub.language = "zh"; break;            /* the language */
		case 8: topics[1].name = "Video generation"; break;   /* a topic's name */
		case 9: topics[1].name = "Video"; break;       /* back: the first again */
		default: break;                                /* 0, 10: the first digest */
		}
		T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &a), 0);
		T_EQ_INT(pb_digest_build(fresh, &set, &sel, "2025-12-04", &b), 0);
		T_CHECK(a.exec_summary && b.exec_summary);
		if (a.exec_summary && b.exec_summary)
			T_EQ_STR(a.exec_summary, b.exec_summary);
		pb_digest_free(&a);
		pb_digest_free(&b);
		pb_summarizer_free(fresh);
	}
	pb_summarizer_free(s);
	free_papers(&set);
}

/* A word a theme never is: a verb of any paper ("containing") is no theme, however often it
 * recurs, while a subject that recurs as often is one. */
static void
test_theme_words(void)
{
	struct pb_paperset set;
	struct pb_topic topics[1] = { { .name = "graphs" } };
	struct pb_subscriber sub = { .name = "alice", .language = "en", .max_papers = 10,
				     .topics = topics, .n_topics = 1 };
	struct pb_config cfg = { 0 };
	struct pb_hit hits[3];
	struct pb_selection sel = { .sub = &sub, .hits = hits, .n_hits = 3, .n_matched = 3 };
	struct pb_summarizer *s;
	struct pb_digest d;
	const char *titles[3] = { "Hypergraphs containing long cycles",
				  "Tournaments containing hypergraphs",
				  "Matroids containing hypergraphs of bounded rank" };
	char err[256] = "";

	if (load_papers(&set) < 3) {
		T_CHECK(0);
		return;
	}
	for (size_t i = 0; i < 3; i++) {
		free(set.v[i].title);
		set.v[i].title = pb_xstrdup(titles[i]);
		hits[i] = (struct pb_hit){ .paper = i, .score = 3.0 - (double)i, .topic = 0 };
	}
	s = pb_summarizer_new(&cfg, NULL, NULL, err, sizeof err);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(d.exec_summary != NULL);
	if (d.exec_summary) {
		const char *t = strstr(d.exec_summary, "**Recurring themes:** ");
		char line[256] = "";

		T_CHECK(t != NULL);
		if (t)
			snprintf(line, sizeof line, "%.*s", (int)strcspn(t, "\n"), t);
		T_CHECK(strstr(line, "hypergraph (3") != NULL);
		T_CHECK(strstr(line, "containing") == NULL);
	}
	pb_digest_free(&d);
	pb_summarizer_free(s);
	free_papers(&set);
}

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

/* With a model configured: a missing prompt costs the model, not the digest; answers come from the
 * cache shared by all subscribers; an unreachable model falls back to the built-in text. */
static void
test_model_cache(void)
{
	struct pb_paperset set;
	struct pb_topic topics[1] = { { .name = "3D" } };
	struct pb_subscriber sub = { .name = "zoe", .language = "zh", .topics = topics,
				     .n_topics = 1 };
	struct pb_config cfg;
	struct pb_hit hits[3];
	struct pb_selection sel = { .sub = &sub, .hits = hits, .n_hits = 3, .n_matched = 3 };
	struct pb_http_opts ho = { .user_agent = "paperboy-test" };
	struct pb_http *h = pb_http_new(&ho);
	struct pb_state *st;
	struct pb_summarizer *s;
	struct pb_digest d;
	char dir[] = "/tmp/pb-test-summarize-XXXXXX", err[512] = "", path[600], hash[17];
	char *tmpl;

	if (!mkdtemp(dir)) {
		T_CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/paperboy.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	T_EQ_INT(load_papers(&set), 10);
	if (!st || set.n != 10)
		goto out;
	memset(&cfg, 0, sizeof cfg);
	cfg.summary.enabled = true;
	cfg.summary.base_url = "http://127.0.0.1:1/v1/";   /* nothing listens on port 1 */
	cfg.summary.model = "test-model";
	cfg.summary.prompt_dir = "no/such/dir";
	cfg.summary.timeout_s = 5;
	cfg.summary.max_tokens = 100;
	cfg.summary.deadline_s = 30;
	cfg.summary.analysis = true;

	for (size_t i = 0; i < 3; i++) {
		hits[i].paper = i;
		hits[i].score = 3.0 - (double)i;
		hits[i].topic = 0;
	}
	/* check names the file; a run goes on without the model, and its digests with them */
	T_EQ_INT(pb_summary_prompts_check(&cfg, err, sizeof err), -1);
	T_CHECK(strstr(err, "no/such/dir/analysis.txt") != NULL);
	s = pb_summarizer_new(&cfg, st, h, err, sizeof err);
	T_CHECK(s != NULL && err[0] == 0);
	T_EQ_INT(pb_summarizer_prepare(s, &set, &sel, 1), 0);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_CHECK(!d.exec_from_model && d.exec_summary && *d.exec_summary);
	pb_digest_free(&d);
	pb_summarizer_free(s);

	cfg.summary.prompt_dir = "conf/prompts";
	tmpl = slurp("conf/prompts/analysis.txt");
	T_CHECK(tmpl != NULL);
	pb_prompt_strip_comments(tmpl);    /* the notes of the file are no part of its hash */
	pb_prompt_hash(tmpl, hash, sizeof hash);
	free(tmpl);
	/* an earlier run (or another subscriber) asked about the second paper in Chinese */
	T_EQ_INT(pb_cache_put(st, "2512.03422v1", "test-model", "zh", hash, "analysis",
			      "**问题**：机器人的三维场景表示。", 42), 0);
	/* the same answer for another model, language or prompt does not count */
	T_EQ_INT(pb_cache_put(st, "2512.03687v1", "other-model", "zh", hash, "analysis", "x", 1), 0);
	T_EQ_INT(pb_cache_put(st, "2512.03687v1", "test-model", "en", hash, "analysis", "x", 1), 0);
	T_EQ_INT(pb_cache_put(st, "2512.03687v1", "test-model", "zh", "0000000000000000",
			      "analysis", "x", 1), 0);
	/* an answer in a code block, cached before answers were unwrapped */
	T_EQ_INT(pb_cache_put(st, "2512.04085v1", "test-model", "zh", hash, "analysis",
			      "Here is the analysis:\n\n```markdown\n**问题**：辐射网格。\n```", 42), 0);

	s = pb_summarizer_new(&cfg, st, h, err, sizeof err);
	T_CHECK(s != NULL);
	if (!s)
		goto out;
	/* the model is unreachable: everything not cached falls back, quickly */
	T_EQ_INT(pb_summarizer_prepare(s, &set, &sel, 1), 0);
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_INT(d.n_items, 3);
	T_CHECK(d.items[0].analysis == NULL);
	T_EQ_STR(d.items[1].analysis, "**问题**：机器人的三维场景表示。");
	T_EQ_STR(d.items[2].analysis, "**问题**：辐射网格。");
	T_EQ_INT(d.exec_from_model, 0);
	T_CHECK(strncmp(d.exec_summary, "本期共有 **3 篇论文**", 25) == 0);
	pb_digest_free(&d);
	pb_summarizer_free(s);
out:
	pb_state_close(st);
	pb_http_free(h);
	free_papers(&set);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	test_category_names();
	test_titles();
	test_digest();
	test_exec_memo();
	test_theme_words();
	test_model_cache();
	return t_done("test_summarize");
}
