/* The email subject (a template per subscriber, a top-level one, per-language defaults), its
 * config check, the cutting of a long topic list, the title in the subscriber's language, and
 * the localised fixed words in every format. */
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"
#include "paperboy/web.h"
#include "paperboy/words.h"
#include "t.h"

/* ---- a digest by hand ---- */

struct fix {
	struct pb_paper papers[8];
	struct pb_digest d;
	char *cats[8][1];
};

/* n papers, the i-th under topics[i] (NULL: no topic). */
static void
fix_init(struct fix *f, size_t n, const char *const *topics, const char *lang)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < n; i++) {
		struct pb_paper *p = &f->papers[i];
		char id[32], title[64];

		snprintf(id, sizeof id, "2512.0%04zu", i + 1);
		snprintf(title, sizeof title, "Paper number %zu", i + 1);
		p->id = pb_xstrdup(id);
		p->version = 1;
		p->title = pb_xstrdup(title);
		p->abstract = pb_xstrdup("We show a thing. It works well.");
		p->published = pb_xstrdup("2025-12-03T18:00:00Z");
		f->cats[i][0] = pb_xstrdup("cs.CV");
		p->categories = f->cats[i];
		p->n_categories = 1;
	}
	f->d.items = pb_xcalloc(n ? n : 1, sizeof *f->d.items);
	f->d.n_items = f->d.n_matched = n;
	for (size_t i = 0; i < n; i++) {
		f->d.items[i].paper = &f->papers[i];
		f->d.items[i].topic = topics ? topics[i] : NULL;
		f->d.items[i].score = (double)(n - i);
	}
	f->d.subscriber = "alice";
	f->d.language = lang;
	f->d.date = pb_xstrdup("2025-12-04");
}

static void
fix_free(struct fix *f)
{
	for (size_t i = 0; i < 8; i++) {
		free(f->papers[i].id);
		free(f->papers[i].title);
		free(f->papers[i].abstract);
		free(f->papers[i].published);
		free(f->cats[i][0]);
	}
	free(f->d.items);
	free(f->d.date);
	free(f->d.title);
	free(f->d.subject);
}

static void
subject_is(struct fix *f, const char *tmpl, const char *cats, const char *want)
{
	char *s = pb_digest_subject(&f->d, tmpl, cats);

	T_EQ_STR(s, want);
	free(s);
}

/* 1 when s is well-formed UTF-8. */
static int
valid_utf8(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(n - i), &cp);

		if (r <= 0)
			return 0;
		i += (size_t)r;
	}
	return 1;
}

/* Columns s takes on screen (a wide character two). */
static size_t
n_cols(const char *s)
{
	size_t n = strlen(s), w = 0;

	for (size_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(n - i), &cp);

		if (r <= 0)
			return (size_t)-1;
		w += utf8proc_charwidth(cp) > 0 ? (size_t)utf8proc_charwidth(cp) : 0;
		i += (size_t)r;
	}
	return w;
}

/* ---- templates ---- */

static void
test_template_put(void)
{
	struct pb_buf b = { 0 };
	const char *vars[] = { "a", "1", "bb", "两", "none", NULL, NULL };

	pb_template_put(&b, "{a}-{bb} {{a}} {none}|{zz} { } }", vars);
	T_EQ_STR(pb_buf_str(&b), "1-两 {a} |{zz} { } }");
	pb_buf_free(&b);
}

static void
check_fails(const char *tmpl, const char *part1, const char *part2)
{
	char msg[300] = "";

	T_EQ_INT(pb_subject_check(tmpl, msg, sizeof msg), -1);
	if (!strstr(msg, part1) || (part2 && !strstr(msg, part2))) {
		fprintf(stderr, "check of \"%s\": \"%s\" lacks \"%s\" / \"%s\"\n", tmpl, msg, part1,
			part2 ? part2 : "");
		T_CHECK(0);
	}
}

static void
test_check(void)
{
	char msg[300] = "", big[256];

	T_EQ_INT(pb_subject_check("[arXiv] {date}: {count} {papers} on {topics} in {categories}",
				  msg, sizeof msg), 0);
	T_EQ_INT(pb_subject_check("{{literal}} {date}", msg, sizeof msg), 0);
	T_EQ_INT(pb_subject_check("arXiv 每日论文 {date}：{count} 篇（{topics}）", msg, sizeof msg), 0);
	check_fails("{date} {nope}", "unknown placeholder {nope}", "column 8");
	/* the column counts characters, not bytes */
	check_fails("arXiv 论文 {foo}", "unknown placeholder {foo}", "column 10");
	check_fails("{Date}", "unknown placeholder {Date}", "column 1");
	check_fails("a\tb {date}", "control character", "column 2");
	check_fails("a {date}\n", "control character", "column 9");
	check_fails("x\xc2\x85y", "control character", "column 2");   /* U+0085 NEL */
	check_fails("{date", "not closed", "column 1");
	check_fails("{da{te}", "not closed", "column 1");
	check_fails("x } {date}", "without its '{'", "column 3");
	check_fails("x \xff", "not UTF-8", "column 3");
	check_fails("   ", "spaces only", NULL);
	memset(big, 'x', 201);
	big[201] = '\0';
	check_fails(big, "201 characters", NULL);
	big[200] = '\0';
	T_EQ_INT(pb_subject_check(big, msg, sizeof msg), 0);
}

/* The loader runs the check on both keys and names file, line and key. */
static void
test_config(void)
{
	char dir[] = "/tmp/pb-test-subject-XXXXXX", path[300], buf[1024];
	struct pb_config_error err;
	struct pb_config *cfg;
	FILE *f;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(path, sizeof path, "%s/pb.conf", dir);
	f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (!f)
		return;
	fputs("arxiv = { categories = [\"cs.CV\"]; };\n"
	      "subject = \"[papers] {date}\";\n"
	      "subscribers = (\n"
	      "  { name = \"amy\"; subject = \"{count} new on {topics}\";\n"
	      "    topics = ( { name = \"t\"; query = \"ti:x\"; } ); },\n"
	      "  { name = \"bo\"; topics = ( { name = \"t\"; query = \"ti:x\"; } ); }\n"
	      ");\n", f);
	fclose(f);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg != NULL);
	if (cfg) {
		T_EQ_STR(cfg->subject, "[papers] {date}");
		T_EQ_STR(cfg->subscribers[0].subject, "{count} new on {topics}");
		T_CHECK(cfg->subscribers[1].subject == NULL);
		pb_config_free(cfg);
	}

	f = fopen(path, "w");
	fputs("arxiv = { categories = [\"cs.CV\"]; };\n"
	      "subscribers = (\n"
	      "  { name = \"amy\";\n"
	      "    subject = \"{date}: {paper_count} papers\";\n"
	      "    topics = ( { name = \"t\"; query = \"ti:x\"; } ); }\n"
	      ");\n", f);
	fclose(f);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg == NULL);
	pb_config_free(cfg);
	pb_config_error_format(&err, buf, sizeof buf);
	T_CHECK(strstr(buf, "pb.conf:4:") != NULL);
	T_CHECK(strstr(buf, "subject") != NULL);
	T_CHECK(strstr(buf, "unknown placeholder {paper_count} at column 9") != NULL);
	T_CHECK(strstr(buf, "{topics}") != NULL);   /* the message lists what is known */
	if (!strstr(buf, "column 9"))
		fprintf(stderr, "config error: %s\n", buf);

	f = fopen(path, "w");
	fputs("arxiv = { categories = [\"cs.CV\"]; };\n"
	      "subject = \"{date}\\n{count}\";\n"
	      "subscribers = ( { name = \"amy\"; topics = ( { name = \"t\"; query = \"ti:x\"; } ); } );\n",
	      f);
	fclose(f);
	cfg = pb_config_load(path, &err);
	T_CHECK(cfg == NULL);
	pb_config_free(cfg);
	pb_config_error_format(&err, buf, sizeof buf);
	T_CHECK(strstr(buf, "pb.conf:2: subject:") != NULL);
	T_CHECK(strstr(buf, "control character") != NULL && strstr(buf, "column 7") != NULL);
	if (!strstr(buf, "pb.conf:2: subject:"))
		fprintf(stderr, "config error: %s\n", buf);
	unlink(path);
	rmdir(dir);
}

/* ---- expansion ---- */

static void
test_expand(void)
{
	static const char *const topics[] = { "Video", "3D", "3D", "VLM", "VLM" };
	static const char *const one[] = { "3D" };
	struct fix f;

	/* most papers first; 3D and VLM tie, 3D ranks first */
	fix_init(&f, 5, topics, "en");
	subject_is(&f, NULL, "Computer Vision",
		   "arXiv Computer Vision: 5 papers on 3D, VLM, Video (2025-12-04)");
	subject_is(&f, "{count}|{papers}|{topics}|{categories}|{date}|{{x}}", "CV",
		   "5|5 papers|3D, VLM, Video|CV|2025-12-04|{x}");
	/* spaces made one, the ends trimmed */
	subject_is(&f, "  [x]   {date}  ", NULL, "[x] 2025-12-04");
	f.d.language = "zh";
	subject_is(&f, NULL, "Computer Vision",
		   "arXiv Computer Vision 每日论文 2025-12-04：5 篇（3D、VLM、Video）");
	subject_is(&f, "{papers}，{topics}", NULL, "5 篇论文，3D、VLM、Video");
	f.d.language = "zh-CN";   /* an alias of the column */
	subject_is(&f, "{papers}", NULL, "5 篇论文");
	f.d.language = "de";      /* no column: English */
	subject_is(&f, "{papers}", NULL, "5 papers");
	fix_free(&f);

	fix_init(&f, 1, one, "en");
	subject_is(&f, NULL, "Robotics", "arXiv Robotics: 1 paper on 3D (2025-12-04)");
	fix_free(&f);

	/* followed authors only: no topic, no "on" */
	fix_init(&f, 2, NULL, "en");
	subject_is(&f, NULL, "Computer Vision", "arXiv Computer Vision: 2 papers (2025-12-04)");
	f.d.language = "zh";
	subject_is(&f, NULL, "Computer Vision", "arXiv Computer Vision 每日论文 2025-12-04：2 篇");
	fix_free(&f);

	/* an empty digest (notify_empty on a day without announcement) */
	fix_init(&f, 0, NULL, "en");
	subject_is(&f, NULL, "Computer Vision", "arXiv Computer Vision: no new papers (2025-12-04)");
	subject_is(&f, "[arXiv] {date}: {papers} {topics}", NULL, "[arXiv] 2025-12-04: 0 papers");
	f.d.language = "zh";
	subject_is(&f, NULL, "Computer Vision", "arXiv Computer Vision 每日论文 2025-12-04：无新论文");
	fix_free(&f);
}

/* Topic names come from the config: a bidi override or a control in one never reaches the
 * header, and the subject stays one line. */
static void
test_hostile_topic(void)
{
	static const char *const topics[] = { "A\xe2\x80\xaeZ", "B\nC" };
	struct fix f;
	char *s;

	fix_init(&f, 2, topics, "en");
	s = pb_digest_subject(&f.d, "{topics}", NULL);
	T_CHECK(strchr(s, '\n') == NULL);
	T_CHECK(strstr(s, "\xe2\x80\xae") == NULL);
	T_CHECK(strstr(s, "A") && strstr(s, "Z") && strstr(s, "B") && strstr(s, "C"));
	free(s);
	fix_free(&f);
}

/* A long topic list is cut to PB_SUBJECT_TOPICS columns at a character's boundary. */
static void
test_cut(void)
{
	static const char *const zh[] = {
		"视觉语言模型与多模态大模型", "三维重建与神经辐射场", "视频理解与生成",
		"具身智能与机器人操作", "医学图像分割", "自动驾驶感知",
	};
	/* 58 letters, then "e" with a combining acute accent as characters 59 and 60 */
	static const char mark[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaae\xcc\x81zzz";
	/* 57 letters, a thumbs-up in columns 58-59 and its skin tone after the cut point */
	static const char tone[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				   "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbdzzz";
	const char *const marked[] = { mark }, *const toned[] = { tone };
	struct fix f;
	char *s, *full;
	size_t n;

	fix_init(&f, 6, zh, "zh");
	full = pb_digest_subject(&f.d, "{{{topics}", NULL);
	T_CHECK(valid_utf8(full));
	n = strlen(full);
	T_CHECK(n >= 4 && strcmp(full + n - 3, "…") == 0);
	T_CHECK(n_cols(full + 1) <= PB_SUBJECT_TOPICS);
	T_CHECK(n_cols(full + 1) >= PB_SUBJECT_TOPICS - 4);
	/* what is kept is the start of the list, and does not end in a separator */
	T_CHECK(strncmp(full, "{视觉语言模型与多模态大模型、三维重建与神经辐射场、", strlen("{视觉语言模型与多模态大模型、三维重建与神经辐射场、")) == 0);
	T_CHECK(n < 6 || strncmp(full + n - 6, "、", 3) != 0);
	free(full);

	/* the whole subject by default: topics cut, the rest whole */
	s = pb_digest_subject(&f.d, NULL, "Computer Vision");
	T_CHECK(valid_utf8(s));
	T_CHECK(strstr(s, "…）") != NULL);
	T_CHECK(strncmp(s, "arXiv Computer Vision 每日论文 2025-12-04：6 篇（视觉语言模型",
			strlen("arXiv Computer Vision 每日论文 2025-12-04：6 篇（视觉语言模型")) == 0);
	free(s);
	fix_free(&f);

	/* a combining mark stays with its letter */
	fix_init(&f, 1, marked, "en");
	s = pb_digest_subject(&f.d, "{topics}", NULL);
	T_CHECK(valid_utf8(s));
	T_CHECK(strstr(s, "e\xcc\x81…") != NULL);
	T_CHECK(strstr(s, "zzz") == NULL);
	free(s);
	fix_free(&f);
	/* and a skin-tone modifier with its emoji */
	fix_init(&f, 1, toned, "en");
	s = pb_digest_subject(&f.d, "{topics}", NULL);
	T_CHECK(valid_utf8(s));
	T_CHECK(strstr(s, "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd…") != NULL);
	free(s);
	fix_free(&f);

	/* a long list of categories is cut the same way */
	fix_init(&f, 1, marked, "en");
	s = pb_digest_subject(&f.d, "[{categories}]",
			      "Computer Vision, Robotics, Machine Learning, Artificial Intelligence "
			      "and Computation and Language");
	T_EQ_STR(s, "[Computer Vision, Robotics, Machine Learning, Artificial Int…]");
	free(s);
	fix_free(&f);

	/* exactly PB_SUBJECT_TOPICS characters: not cut */
	{
		char exact[PB_SUBJECT_TOPICS + 1];
		const char *const t[] = { exact };

		memset(exact, 'q', PB_SUBJECT_TOPICS);
		exact[PB_SUBJECT_TOPICS] = '\0';
		fix_init(&f, 1, t, "en");
		s = pb_digest_subject(&f.d, "{topics}", NULL);
		T_EQ_STR(s, exact);
		free(s);
		fix_free(&f);
	}
}

/* ---- titles and pb_digest_build ---- */

static void
test_title(void)
{
	const char *two[] = { "cs.CV", "cs.RO" }, *three[] = { "cs.CV", "cs.RO", "cs.LG" };
	char *t;
	struct pb_buf b = { 0 };

	t = pb_digest_title_lang(two, 2, "2025-12-04", "zh");
	T_EQ_STR(t, "arXiv Computer Vision 和 Robotics 论文 - 2025-12-04");
	free(t);
	t = pb_digest_title_lang(three, 3, "2025-12-04", "en");
	T_EQ_STR(t, "arXiv Computer Vision, Robotics and Machine Learning Papers - 2025-12-04");
	free(t);
	t = pb_digest_title_lang(NULL, 0, NULL, "zh");
	T_EQ_STR(t, "arXiv 论文");
	free(t);
	pb_category_names(&b, three, 3, "zh");
	T_EQ_STR(pb_buf_str(&b), "Computer Vision、Robotics 和 Machine Learning");
	pb_buf_free(&b);
}

static void
test_build(void)
{
	struct pb_paperset set = { 0 };
	struct pb_topic topics[2] = { { .name = "3D" }, { .name = "Video" } };
	struct pb_subscriber sub = { .name = "zoe", .language = "zh", .max_papers = 10,
				     .topics = topics, .n_topics = 2 };
	char *cats[] = { "cs.CV" };
	struct pb_config cfg = { 0 };
	struct pb_hit hits[3];
	struct pb_selection sel = { .sub = &sub, .hits = hits, .n_hits = 3, .n_matched = 3 };
	struct pb_summarizer *s;
	struct pb_digest d;
	struct fix f;
	char err[128];

	fix_init(&f, 3, NULL, "zh");
	set.v = f.papers;
	set.n = 3;
	for (size_t i = 0; i < 3; i++) {
		hits[i].paper = i;
		hits[i].score = 3.0 - (double)i;
		hits[i].topic = i == 0 ? 1 : 0;   /* Video, 3D, 3D */
	}
	cfg.arxiv.categories = cats;
	cfg.arxiv.n_categories = 1;
	s = pb_summarizer_new(&cfg, NULL, NULL, err, sizeof err);
	T_CHECK(s != NULL);

	/* no template anywhere: the language's own */
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.title, "arXiv Computer Vision 论文 - 2025-12-04");
	T_EQ_STR(d.subject, "arXiv Computer Vision 每日论文 2025-12-04：3 篇（3D、Video）");
	pb_digest_free(&d);
	T_CHECK(d.subject == NULL);

	/* the top-level template */
	cfg.subject = "[arXiv] {date} {count}";
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.subject, "[arXiv] 2025-12-04 3");
	pb_digest_free(&d);

	/* the subscriber's wins */
	sub.subject = "{topics} — {categories}";
	sub.language = "en";
	T_EQ_INT(pb_digest_build(s, &set, &sel, "2025-12-04", &d), 0);
	T_EQ_STR(d.subject, "3D, Video — Computer Vision");
	T_EQ_STR(d.title, "arXiv Computer Vision Papers - 2025-12-04");
	pb_digest_free(&d);

	pb_summarizer_free(s);
	fix_free(&f);
}

/* ---- the fixed words in every format ---- */

static void
has(const char *doc, const char *what, const char *fmt, int want)
{
	if ((strstr(doc, what) != NULL) != want) {
		fprintf(stderr, "%s output %s \"%s\"\n", fmt, want ? "lacks" : "has", what);
		T_CHECK(0);
	}
}

static void
test_formats(void)
{
	static const char *const topics[] = { "3D", "Video", "3D" };
	/* per format: the section headings as the format writes them */
	static const char *const zh[PB_FMT_COUNT][3] = {
		[PB_FMT_MD] = { "## 执行摘要", "## 目录", "## 论文" },
		[PB_FMT_HTML] = { ">执行摘要</h2>", ">目录</h2>", ">论文</h2>" },
		[PB_FMT_TEXT] = { "执行摘要\n--------\n", "目录\n----\n", "论文\n----\n" },
		[PB_FMT_SLACK] = { "*执行摘要*", "*论文*", "订阅者：alice" },
		[PB_FMT_TELEGRAM] = { "<b>执行摘要</b>", "<b>论文</b>", "订阅者：alice" },
	};
	static const char *const en[PB_FMT_COUNT][3] = {
		[PB_FMT_MD] = { "## Executive Summary", "## Table of Contents", "## Papers" },
		[PB_FMT_HTML] = { ">Executive Summary</h2>", ">Table of Contents</h2>", ">Papers</h2>" },
		[PB_FMT_TEXT] = { "Executive Summary\n-----------------\n", "Table of Contents\n",
				  "Papers\n------\n" },
		[PB_FMT_SLACK] = { "*Executive Summary*", "*Papers*", " for alice" },
		[PB_FMT_TELEGRAM] = { "<b>Executive Summary</b>", "<b>Papers</b>", " for alice" },
	};
	struct pb_render_opts o = { .telegram_chat = "42",
				    .unsubscribe_url = "https://example.org/settings",
				    .telegram_buttons = 1, .slack_buttons = 1 };
	struct fix f;

	for (int lang = 0; lang < 2; lang++) {
		fix_init(&f, 3, topics, lang ? "zh" : "en");
		f.d.n_matched = 7;      /* 4 not shown */
		f.d.title = pb_xstrdup("T");
		f.d.exec_summary = pb_xstrdup("Three papers.");
		for (int fmt = 0; fmt < PB_FMT_COUNT; fmt++) {
			struct pb_parts p;
			struct pb_buf all = { 0 };
			const char *name = pb_format_name((enum pb_format)fmt);

			/* the JSON document carries data, not words to read */
			if (fmt == PB_FMT_JSON)
				continue;
			T_EQ_INT(pb_render(&f.d, (enum pb_format)fmt, &o, &p), 0);
			for (size_t i = 0; i < p.n; i++)
				pb_buf_puts(&all, p.v[i]);
			for (int k = 0; k < 3; k++)
				has(pb_buf_str(&all), (lang ? zh : en)[fmt][k], name, 1);
			/* the count line (not in Markdown), the not-shown line, the footer */
			if (lang) {
				has(pb_buf_str(&all), "7 篇匹配论文中的 3 篇", name, fmt != PB_FMT_MD);
				has(pb_buf_str(&all), "另有 4 篇匹配的论文未显示", name, 1);
				has(pb_buf_str(&all), fmt == PB_FMT_MD ? "更改设置或退订：" :
				    fmt == PB_FMT_HTML ? "更改设置或退订</a>。" : "设置与退订：", name, 1);
				has(pb_buf_str(&all), "Executive Summary", name, 0);
				has(pb_buf_str(&all), "matching papers", name, 0);
				has(pb_buf_str(&all), "unsubscribe", name, 0);
			} else {
				has(pb_buf_str(&all), "3 of 7 matching papers", name, fmt != PB_FMT_MD);
				has(pb_buf_str(&all), "4 more papers matched and are not shown", name, 1);
				has(pb_buf_str(&all), "执行摘要", name, 0);
				has(pb_buf_str(&all), "论文", name, 0);
			}
			if (fmt == PB_FMT_MD)
				has(pb_buf_str(&all), lang ? "**作者：** " : "**Authors:** ", name, 1);
			if (fmt == PB_FMT_TEXT)
				has(pb_buf_str(&all), lang ? "    作者：" : "    Authors: ", name, 1);
			if (fmt == PB_FMT_HTML && !lang)
				has(pb_buf_str(&all), "Change settings or unsubscribe</a>.", name, 1);
			/* the chats' buttons under each paper */
			if (fmt == PB_FMT_TELEGRAM)
				has(pb_buf_str(&all), lang ? "\U0001F44D 2. 更多类似" :
				    "\U0001F44D 2. more like this", name, 1);
			if (fmt == PB_FMT_SLACK)
				has(pb_buf_str(&all), lang ? "\"不感兴趣\"" : "\"Not for me\"", name, 1);
			pb_buf_free(&all);
			pb_parts_free(&p);
		}
		free(f.d.exec_summary);
		fix_free(&f);
	}
}

/* Characters of Simplified Chinese whose Traditional form differs: each is in a word of the
 * "zh" column, and none may reach a reader of Traditional Chinese. */
static const char *const simplified_only[] = {
	"与", "为", "于", "优", "关", "兴", "发", "复", "录", "执", "无", "显", "暂", "没",
	"点", "现", "类", "给", "荐", "见", "订", "议", "论", "设", "请", "读", "这", "邮",
	"链", "阅", "题", NULL,
};

static void
no_simplified(const char *doc, const char *what)
{
	for (size_t k = 0; simplified_only[k]; k++) {
		if (strstr(doc, simplified_only[k])) {
			fprintf(stderr, "%s has the Simplified \"%s\"\n", what, simplified_only[k]);
			T_CHECK(0);
		}
	}
}

/* A reader of Traditional Chinese (zh-TW, zh-Hant, zh-HK, zh-MO, in any case) gets every word
 * in Traditional characters in every format, the built-in executive summary too, and the
 * document says its language. */
static void
test_formats_hant(void)
{
	static const char *const topics[] = { "3D", "Video", "3D" };
	static const char *const hant[PB_FMT_COUNT][3] = {
		[PB_FMT_MD] = { "## 執行摘要", "## 目錄", "## 論文" },
		[PB_FMT_HTML] = { ">執行摘要</h2>", ">目錄</h2>", ">論文</h2>" },
		[PB_FMT_TEXT] = { "執行摘要\n--------\n", "目錄\n----\n", "論文\n----\n" },
		[PB_FMT_SLACK] = { "*執行摘要*", "*論文*", "訂閱者：alice" },
		[PB_FMT_TELEGRAM] = { "<b>執行摘要</b>", "<b>論文</b>", "訂閱者：alice" },
	};
	static const char *const tags[] = { "zh-TW", "zh-Hant", "zh-HK", "zh-MO", "zh-tw" };
	static const struct pb_secret key;
	/* the footer's settings line; then the reader's links of the web endpoint */
	const struct pb_render_opts opts[2] = {
		{ .telegram_chat = "42", .unsubscribe_url = "https://example.org/settings" },
		{ .telegram_chat = "42", .unsubscribe_url = "https://example.org/u/x",
		  .manage_url = "https://example.org/m/x", .link_key = &key,
		  .link_base = "https://example.org", .link_subject = "alice",
		  .link_now = 1764806400, .telegram_buttons = 1, .slack_buttons = 1 },
	};
	struct fix f;

	for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
		fix_init(&f, 3, topics, tags[t]);
		f.d.n_matched = 7;      /* 4 not shown */
		f.d.title = pb_xstrdup("T");
		f.d.exec_summary = pb_exec_summary_builtin(&f.d);
		T_CHECK(strncmp(f.d.exec_summary, "本期共有 **3 篇論文**符合您的主題：**3D**（2 篇）、"
				"**Video**（1 篇）；共符合 7 篇，下面列出最相關的 3 篇。",
				strlen("本期共有 **3 篇論文**符合您的主題：**3D**（2 篇）、**Video**（1 篇）"
				       "；共符合 7 篇，下面列出最相關的 3 篇。")) == 0);
		T_CHECK(strstr(f.d.exec_summary, "**建議優先閱讀：**") != NULL);
		no_simplified(f.d.exec_summary, tags[t]);
		for (int o = 0; o < 2; o++) {
			for (int fmt = 0; fmt < PB_FMT_COUNT; fmt++) {
				struct pb_parts p;
				struct pb_buf all = { 0 };
				const char *name = pb_format_name((enum pb_format)fmt);

				if (fmt == PB_FMT_JSON)
					continue;
				T_EQ_INT(pb_render(&f.d, (enum pb_format)fmt, &opts[o], &p), 0);
				for (size_t i = 0; i < p.n; i++)
					pb_buf_puts(&all, p.v[i]);
				for (int k = 0; k < 3; k++)
					has(pb_buf_str(&all), hant[fmt][k], name, 1);
				has(pb_buf_str(&all), "7 篇符合的論文中的 3 篇", name, fmt != PB_FMT_MD);
				has(pb_buf_str(&all), "另有 4 篇符合的論文未顯示", name, 1);
				if (o == 0)
					has(pb_buf_str(&all), fmt == PB_FMT_MD ? "變更設定或取消訂閱：" :
					    fmt == PB_FMT_HTML ? "變更設定或取消訂閱</a>。" :
					    "設定與取消訂閱：", name, 1);
				if (o == 1 && (fmt == PB_FMT_HTML || fmt == PB_FMT_TEXT)) {
					has(pb_buf_str(&all), "更多類似", name, 1);
					has(pb_buf_str(&all), "不感興趣", name, 1);
					has(pb_buf_str(&all), "取消訂閱", name, 1);
				}
				if (o == 1 && fmt != PB_FMT_SLACK && fmt != PB_FMT_TELEGRAM)
					has(pb_buf_str(&all), "管理訂閱", name, 1);
				/* the chats' buttons under each paper */
				if (o == 1 && fmt == PB_FMT_SLACK) {
					has(pb_buf_str(&all), "\"更多類似\"", name, 1);
					has(pb_buf_str(&all), "\"不感興趣\"", name, 1);
				}
				if (o == 1 && fmt == PB_FMT_TELEGRAM) {
					has(pb_buf_str(&all), "\U0001F44D 1. 更多類似", name, 1);
					has(pb_buf_str(&all), "\U0001F44E 3. 不感興趣", name, 1);
				}
				has(pb_buf_str(&all), "ore like this", name, 0);
				has(pb_buf_str(&all), "ot for me", name, 0);
				if (fmt == PB_FMT_HTML) {
					char lang[32];

					snprintf(lang, sizeof lang, "<html lang=\"%s\">", tags[t]);
					has(pb_buf_str(&all), lang, name, 1);
				}
				has(pb_buf_str(&all), "Executive Summary", name, 0);
				has(pb_buf_str(&all), "Papers", name, 0);
				no_simplified(pb_buf_str(&all), name);
				pb_buf_free(&all);
				pb_parts_free(&p);
			}
		}
		free(f.d.exec_summary);
		fix_free(&f);
	}
}

/* Every word has an English, a Simplified and a Traditional Chinese form; the aliases, in any
 * case, and the fallback. */
static void
test_table(void)
{
	static const char *const hans[] = { "zh-CN", "zh-Hans", "zh-SG", "ZH-cn", NULL };
	static const char *const hant[] = { "zh-TW", "zh-HK", "zh-MO", "zh-tw", "ZH-HANT", NULL };

	for (int w = 0; w < PB_W_COUNT; w++) {
		const char *z = pb_word("zh-Hant", (enum pb_word)w);

		T_CHECK(*pb_word("en", (enum pb_word)w) != '\0');
		T_CHECK(*pb_word("zh", (enum pb_word)w) != '\0');
		T_CHECK(valid_utf8(pb_word("zh", (enum pb_word)w)));
		T_CHECK(*z != '\0' && valid_utf8(z));
		/* written, not left to read English */
		T_CHECK(z != pb_word("en", (enum pb_word)w) || w == PB_W_TITLE_DATE);
		no_simplified(z, "the zh-Hant column");
		for (size_t a = 0; hans[a]; a++)
			T_EQ_STR(pb_word(hans[a], (enum pb_word)w), pb_word("zh", (enum pb_word)w));
		for (size_t a = 0; hant[a]; a++)
			T_EQ_STR(pb_word(hant[a], (enum pb_word)w), z);
	}
	T_EQ_STR(pb_word(NULL, PB_W_PAPERS), "Papers");
	T_EQ_STR(pb_word("en", PB_W_LINKS), "Links");
	T_EQ_STR(pb_word("zh-Hans", PB_W_PAPERS), "论文");
	T_EQ_STR(pb_word("zh", PB_W_LINKS), "链接");
	T_EQ_STR(pb_word("zh-TW", PB_W_PAPERS), "論文");
	T_EQ_STR(pb_word("zh-TW", PB_W_LINKS), "連結");
	T_EQ_STR(pb_word("zh-HK", PB_W_CATEGORIES), "分類");
	T_EQ_STR(pb_word("zh-Hant", PB_W_PUBLISHED), "發表");
	T_EQ_STR(pb_word("zh-MO", PB_W_N_PAPERS), "{n} 篇論文");
	T_EQ_STR(pb_word("fr", PB_W_SUMMARY), "Executive Summary");
	T_EQ_STR(pb_word("zh", PB_W_COUNT), "");
	T_EQ_STR(pb_words_column("zh-tw"), "zh-Hant");
	T_EQ_STR(pb_words_column("zh-CN"), "zh");
	T_EQ_STR(pb_words_column("de"), "en");
	/* a longer tag reads the column of its first subtags (RFC 4647's lookup) */
	T_EQ_STR(pb_words_column("zh-Hans-CN"), "zh");
	T_EQ_STR(pb_words_column("zh-Hant-TW"), "zh-Hant");
	T_EQ_STR(pb_words_column("zh-TW-x-lab"), "zh-Hant");
	T_EQ_STR(pb_words_column("zh-Latn"), "zh");
	T_EQ_STR(pb_words_column("en-GB"), "en");
	T_EQ_STR(pb_words_column("zh-"), "zh");
	T_EQ_STR(pb_words_column("-"), "en");
	T_EQ_STR(pb_words_column("zhx"), "en");
	T_EQ_STR(pb_words_column(NULL), "en");
}

/* The email's lang says the language its words are in: the reader's tag when the table has its
 * column, English for one without (the words fall back to English), and then the model's
 * summary and analyses, written in the reader's language, say theirs. */
static void
test_html_lang(void)
{
	static const struct {
		const char *lang, *doc, *model;     /* model: the lang of the model's parts, or NULL */
	} cases[] = {
		{ "de", "en", "de" },
		{ "pt-BR", "en", "pt-BR" },
		{ "en", "en", NULL },
		{ "en-GB", "en-GB", NULL },
		{ "zh", "zh", NULL },
		{ "zh-TW", "zh-TW", NULL },
		{ "zh-Hant-TW", "zh-Hant-TW", NULL },
	};
	static const struct pb_render_opts opts = { .unsubscribe_url = "https://example.org/s" };
	struct fix f;

	T_EQ_STR(pb_words_lang("de"), "en");
	T_EQ_STR(pb_words_lang("zh-tw"), "zh-tw");
	T_EQ_STR(pb_words_lang("zhx"), "en");
	T_EQ_STR(pb_words_lang("en-US"), "en-US");
	T_EQ_STR(pb_words_lang(""), "en");
	T_EQ_STR(pb_words_lang(NULL), "en");
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		for (int model = 0; model < 2; model++) {
			struct pb_parts p;
			char want[64];
			const char *h;

			fix_init(&f, 2, NULL, cases[k].lang);
			f.d.title = pb_xstrdup("T");
			if (model) {
				f.d.exec_summary = pb_xstrdup("Zwei Arbeiten heute.");
				f.d.exec_from_model = 1;
				f.d.items[0].analysis = pb_xstrdup("Eine Analyse.");
			} else {
				f.d.exec_summary = pb_exec_summary_builtin(&f.d);
			}
			T_EQ_INT(pb_render(&f.d, PB_FMT_HTML, &opts, &p), 0);
			T_EQ_INT((int)p.n, 1);
			h = p.n ? p.v[0] : "";
			snprintf(want, sizeof want, "<html lang=\"%s\">", cases[k].doc);
			if (!strstr(h, want))
				fprintf(stderr, "language %s: no %s\n", cases[k].lang, want);
			T_CHECK(strstr(h, want) != NULL);
			snprintf(want, sizeof want, " lang=\"%s\"", cases[k].model ? cases[k].model
				 : "");
			if (model && cases[k].model) {
				/* the summary's block and the analysis' box, and nothing else */
				const char *s = strstr(h, "<div lang=");
				const char *a = strstr(h, "<div class=\"pb-box\" lang=");

				if (!s || !a)
					fprintf(stderr, "language %s: the model's parts have no%s\n",
						cases[k].lang, want);
				T_CHECK(s && strncmp(s + 4, want, strlen(want)) == 0 &&
					strstr(s, "Zwei Arbeiten heute.") != NULL);
				T_CHECK(a && strncmp(a + 19, want, strlen(want)) == 0 &&
					strstr(a, "Eine Analyse.") != NULL);
			}
			/* the built-in summary is in the words' language; so is everything for
			 * a reader whose language has a column, but for the papers' own English
			 * (their titles and abstracts, the summary's quotes of them) in a digest
			 * whose words are not English */
			if (!model || !cases[k].model) {
				const char *l = strstr(h, "<head>");
				int other = 0, en = 0;

				while (l && (l = strstr(l + 1, " lang=\"")))
					strncmp(l, " lang=\"en\"", 10) == 0 ? en++ : other++;
				T_EQ_INT(other, 0);
				if (strncmp(cases[k].doc, "en", 2) == 0)
					T_EQ_INT(en, 0);
				else
					T_CHECK(en > 0);
			}
			pb_parts_free(&p);
			free(f.d.exec_summary);
			free(f.d.items[0].analysis);
			fix_free(&f);
		}
	}
}

int
main(void)
{
	test_template_put();
	test_check();
	test_config();
	test_expand();
	test_hostile_topic();
	test_cut();
	test_title();
	test_build();
	test_formats();
	test_formats_hant();
	test_table();
	test_html_lang();
	return t_done("test_subject");
}
