/* Likes into profiles: subscriber and topic `like`, liked authors' papers, verdicts; texts
 * from the corpus, else the day; malformed, missing and withdrawn ids warned and left out;
 * a paper both liked and disliked keeps the later verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"
#include "t.h"
#include "t_state.h"

static char dir[256];

static void
make_paper(struct pb_paper *p, const char *id, const char *title)
{
	memset(p, 0, sizeof *p);
	p->id = pb_xstrdup(id);
	p->version = 1;
	p->title = pb_xstrdup(title);
	p->abstract = pb_xstrdup("An abstract.");
	p->n_categories = 1;
	p->categories = pb_xcalloc(1, sizeof *p->categories);
	p->categories[0] = pb_xstrdup("cs.CV");
}

static const struct pb_like *
find_like(const struct pb_profile *p, const char *id, size_t topic)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->likes[i].id, id) == 0 && p->likes[i].topic == topic)
			return &p->likes[i];
	return NULL;
}

static size_t
count_id(const struct pb_profile *p, const char *id)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		k += strcmp(p->likes[i].id, id) == 0;
	return k;
}

/* arXiv's name forms for the au: lookup, and which listed authors are the one asked for. */
static void
test_names(void)
{
	static const struct { const char *name, *want; } q[] = {
		{ "Adrian Del Maestro", "au:\"Del Maestro, A\" OR au:Del_Maestro_A" },
		{ "A. Del Maestro", "au:\"Del Maestro, A\" OR au:Del_Maestro_A" },
		{ "Del Maestro, Adrian", "au:\"Del Maestro, A\" OR au:Del_Maestro_A" },
		{ "Johannes Diderik van der Waals", "au:\"van der Waals, J\" OR au:van_der_Waals_J" },
		{ "Jean-Pierre Serre", "au:\"Serre, J\" OR au:Serre_J" },
		{ "Ruth Goldman-Smith", "au:\"Goldman-Smith, R\" OR au:Goldman_Smith_R" },
		{ "Sachdev", "au:\"Sachdev\" OR au:Sachdev" },
		{ "Martin \"x:y\" Plenio", "au:\"Plenio, M\" OR au:Plenio_M" },
		{ "   ", "" },
	};

	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		struct pb_buf b = { 0 };

		pb_likes_author_query(q[i].name, &b);
		T_EQ_STR(pb_buf_str(&b), q[i].want);
		pb_buf_free(&b);
	}
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "A. Del Maestro"), 1);
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "Adrian Del Maestro"), 1);
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "Del Maestro, A."), 1);
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "ADRIAN DEL MAESTRO"), 1);
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "B. Del Maestro"), 0);
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "Adrian Maestro"), 0);
	T_EQ_INT(pb_likes_same_author("Adrian Del Maestro", "Subir Sachdev"), 0);
	T_EQ_INT(pb_likes_same_author("R\\'emy Dubertrand", "Rémy Dubertrand"), 1);
	T_EQ_INT(pb_likes_same_author("", "Rémy Dubertrand"), 0);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[512], err[512] = "";
	struct pb_buf cmd = { 0 }, warn = { 0 };
	struct pb_state *st;
	struct pb_paper p;
	struct pb_paperset day;
	struct pb_profile *prof = NULL;
	const struct pb_like *l;
	static const char *const del_maestro[] = { "1201.4869" };

	char *ann_like[] = { "2411.17790", "2310.08528v2", "not-an-id", "0808.05394",
			     "2401.00917", "2411.17790v3" };
	char *topic_like[] = { "2411.20001", "2502.1" };
	char *ann_authors[] = { "Adrian Del Maestro" };
	char *cy_like[] = { "1706.03762", "hep-th/9901001", "2411.17790" };
	struct pb_topic topics[1] = { {
		.name = "splats", .query = "abs:splatting",
		.like = topic_like, .n_like = 2, .line = 9,
	} };
	struct pb_topic dee_topics[3] = {
		{ .name = "splats", .query = "ti:splatting", .line = 20 },
		{ .name = "helium", .query = "ti:helium", .line = 21 },
		{ .name = "scenes", .query = "ti:scenes OR ti:attention", .line = 22 },
	};
	struct pb_topic eve_topics[2] = {
		{ .name = "splats", .query = "ti:splatting", .line = 30 },
		{ .name = "liked", .line = 31 },
	};
	struct pb_subscriber subs[5] = {
		{ .name = "ann", .like = ann_like, .n_like = 6, .like_authors = ann_authors,
		  .n_like_authors = 1, .topics = topics, .n_topics = 1 },
		{ .name = "bob" },
		{ .name = "cy", .like = cy_like, .n_like = 3 },
		{ .name = "dee", .topics = dee_topics, .n_topics = 3 },
		{ .name = "eve", .topics = eve_topics, .n_topics = 2 },
	};
	struct pb_config cfg;

	test_names();
	snprintf(dir, sizeof dir, "%s/pb-test-likes-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.subscribers = subs;
	cfg.n_subscribers = 5;
	cfg.rank.corpus_days = 120;

	snprintf(path, sizeof path, "%s/likes.db", dir);
	st = t_state_open(path, err, sizeof err);
	T_CHECK(st != NULL);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* The corpus knows two liked papers and one of the author's; arXiv knows neither
	 * 0808.05394 nor the withdrawn 2401.00917. */
	make_paper(&p, "2411.17790", "Gaussian splatting for scenes");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-11-28"), 0);
	pb_paper_free(&p);
	make_paper(&p, "2310.08528", "4D Gaussian splatting");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-10-20"), 0);
	pb_paper_free(&p);
	make_paper(&p, "1201.4869", "A Luttinger liquid core inside helium-4 filled nanopores");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-11-01"), 0);
	pb_paper_free(&p);
	/* cy's old papers, looked up on arXiv on 2024-11-28 (the lookup dates them so) */
	make_paper(&p, "1706.03762", "Attention is all you need");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-11-28"), 0);
	pb_paper_free(&p);
	make_paper(&p, "hep-th/9901001", "An old paper");
	T_EQ_INT(pb_corpus_put(st, &p, "2024-11-28"), 0);
	pb_paper_free(&p);
	T_EQ_INT(pb_corpus_mark(st, "0808.05394", "missing"), 0);
	T_EQ_INT(pb_corpus_mark(st, "2401.00917", "withdrawn"), 0);
	T_EQ_INT(pb_author_papers_put(st, "Adrian Del Maestro", del_maestro, 1), 0);
	/* Verdicts: "not for me" on a paper the config likes (later: it wins), "more like this"
	 * on a paper only the day knows. */
	T_EQ_INT(pb_feedback_put(st, "ann", "2310.08528v1", -1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "ann", "2411.30000", +1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "bob", "2411.17790", -1, "web"), 0);
	/* dee's verdicts: each paper's topic is the one topic whose query it matches ("4D
	 * Gaussian splatting"; helium), none when two match (splatting "for scenes") or none
	 * does (a paper only the day knows, whose text is "Another paper of the day");
	 * eve's similar topic could have shown any paper: no topic. */
	T_EQ_INT(pb_feedback_put(st, "dee", "2310.08528", +1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "dee", "1201.4869", -1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "dee", "2411.17790", +1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "dee", "2411.30000", +1, "web"), 0);
	T_EQ_INT(pb_feedback_put(st, "eve", "2310.08528", +1, "web"), 0);

	pb_paperset_init(&day);
	make_paper(&p, "2411.20001", "Splatting on the day");
	pb_paperset_add(&day, &p);
	make_paper(&p, "2411.30000", "Another paper of the day");
	pb_paperset_add(&day, &p);
	day.announce_date = pb_xstrdup("2024-11-28");

	T_EQ_INT(pb_profiles_load(&cfg, st, &day, &prof, &warn), 0);
	T_CHECK(prof != NULL);
	if (!prof)
		goto out;

	/* ann: the good likes count, each bad one is one warning line. */
	l = find_like(&prof[0], "2411.17790", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->verdict == 1 && l->paper && l->via == NULL);
	if (l && l->paper)
		T_EQ_STR(l->paper->title, "Gaussian splatting for scenes");
	if (l)
		T_EQ_INT(l->when, 1732752000);        /* 2024-11-28, its corpus date */
	T_EQ_INT(count_id(&prof[0], "2411.17790"), 1);   /* liked twice (v3): one label */
	T_EQ_INT(count_id(&prof[0], "2310.08528"), 1);
	l = find_like(&prof[0], "2310.08528", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->verdict == -1 && l->paper);  /* the later "not for me" wins */
	T_CHECK(find_like(&prof[0], "0808.05394", PB_LIKE_ALL_TOPICS) == NULL);
	T_CHECK(find_like(&prof[0], "2401.00917", PB_LIKE_ALL_TOPICS) == NULL);
	l = find_like(&prof[0], "2411.20001", 0);     /* the topic's like, text from the day */
	T_CHECK(l && l->verdict == 1 && l->paper);
	if (l && l->paper)
		T_EQ_STR(l->paper->title, "Splatting on the day");
	l = find_like(&prof[0], "2411.30000", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->verdict == 1 && l->paper && l->when > 1732752000);
	l = find_like(&prof[0], "1201.4869", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->verdict == 1 && l->paper && l->via);
	if (l && l->via)
		T_EQ_STR(l->via, "Adrian Del Maestro");
	/* a paper of 2012 found on 2024-11-01 is of January 2012, for its decay */
	if (l)
		T_EQ_INT(l->when, 1327968000);        /* 2012-01-31 */
	T_EQ_INT(prof[0].n, 5);
	T_EQ_INT(prof[0].texts.n, 5);

	T_CHECK(warn.data && strstr(warn.data, "subscriber ann: liked paper not-an-id: not an "
				   "arXiv id\n"));
	T_CHECK(warn.data && strstr(warn.data, "subscriber ann: liked paper 0808.05394: unknown "
				   "to arXiv\n"));
	T_CHECK(warn.data && strstr(warn.data, "subscriber ann: liked paper 2401.00917: "
				   "withdrawn\n"));
	T_CHECK(warn.data && strstr(warn.data, "subscriber ann, topic splats: liked paper "
				   "2502.1: not an arXiv id\n"));
	{
		size_t lines = 0;

		for (const char *c = warn.data; c && *c; c++)
			lines += *c == '\n';
		T_EQ_INT(lines, 4);
	}

	/* cy: papers looked up lately are as old as their ids say, not as the lookup; one
	 * announced is of its announcement. */
	l = find_like(&prof[2], "1706.03762", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->paper);
	if (l)
		T_EQ_INT(l->when, 1498780800);        /* 2017-06-30 */
	l = find_like(&prof[2], "hep-th/9901001", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->paper);
	if (l)
		T_EQ_INT(l->when, 917740800);         /* 1999-01-31 */
	l = find_like(&prof[2], "2411.17790", PB_LIKE_ALL_TOPICS);
	if (l)
		T_EQ_INT(l->when, 1732752000);        /* 2024-11-28 */

	/* bob: no likes, one verdict. */
	T_EQ_INT(prof[1].n, 1);
	if (prof[1].n)
		T_CHECK(prof[1].likes[0].verdict == -1 && prof[1].likes[0].paper);

	/* dee: a verdict's topic, where it tells; eve: none. */
	l = find_like(&prof[3], "2310.08528", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->verdict == 1 && l->home == 1);
	l = find_like(&prof[3], "1201.4869", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->verdict == -1 && l->home == 2);
	l = find_like(&prof[3], "2411.17790", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->home == 0);
	l = find_like(&prof[3], "2411.30000", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->paper && l->home == 0);
	l = find_like(&prof[4], "2310.08528", PB_LIKE_ALL_TOPICS);
	T_CHECK(l && l->home == 0);
	for (size_t i = 0; i < prof[0].n; i++)      /* ann: one topic, no verdict has one */
		T_EQ_INT(prof[0].likes[i].home, 0);

	/* Without a state: only the day's texts, no verdicts, no authors. */
	pb_profiles_free(prof, cfg.n_subscribers);
	prof = NULL;
	pb_buf_reset(&warn);
	T_EQ_INT(pb_profiles_load(&cfg, NULL, &day, &prof, &warn), 0);
	if (prof) {
		T_CHECK(find_like(&prof[0], "2411.20001", 0) != NULL);
		l = find_like(&prof[0], "2411.17790", PB_LIKE_ALL_TOPICS);
		T_CHECK(l && l->paper == NULL);        /* not known yet: kept without text */
		T_EQ_INT(prof[1].n, 0);
	}
out:
	pb_profiles_free(prof, cfg.n_subscribers);
	pb_paperset_free(&day);
	pb_buf_free(&warn);
	pb_state_close(st);
	pb_buf_printf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	pb_buf_free(&cmd);
	printf("test_likes: %d checks, %d failed\n", t_checked, t_failed);
	return t_failed ? 1 : 0;
}
