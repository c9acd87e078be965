/* The fixed words in every language paperboy writes, one column per language, and the {name}
 * templates they are written in. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "paperboy/rule_note.h"
#include "paperboy/words.h"

/* A column: the language it is for, and the other tags that read it ("zh-CN" is "zh").
 * Traditional Chinese is written as in Taiwan (連結, 設定, 取消訂閱); Hong Kong and Macau read
 * it too rather than Simplified characters they did not ask for. */
struct lang {
	const char *tag;
	const char *const *aliases;
};

static const char *const zh_aliases[] = { "zh-CN", "zh-Hans", "zh-SG", NULL };
static const char *const zh_hant_aliases[] = { "zh-TW", "zh-HK", "zh-MO", NULL };

static const struct lang langs[] = {
	{ "en", NULL },
	{ "zh", zh_aliases },
	{ "zh-Hant", zh_hant_aliases },
};

#define N_LANGS (sizeof langs / sizeof langs[0])

/* One row per word, one column per language, in the order of langs. A missing entry (NULL)
 * reads English. Values of placeholders are escaped by the caller for its format; the words
 * themselves hold no markup character of any format (no & < > * _ [ ] ` #). */
static const char *const words[PB_W_COUNT][N_LANGS] = {
	[PB_W_SUMMARY] = { "Executive Summary", "执行摘要", "執行摘要" },
	[PB_W_CONTENTS] = { "Table of Contents", "目录", "目錄" },
	[PB_W_PAPERS] = { "Papers", "论文", "論文" },
	[PB_W_MORE_PAPERS] = { "More papers", "更多论文", "更多論文" },
	[PB_W_AUTHORS] = { "Authors", "作者", "作者" },
	[PB_W_CATEGORIES] = { "Categories", "分类", "分類" },
	[PB_W_TOPIC] = { "Topic", "主题", "主題" },
	[PB_W_TOPIC_LC] = { "topic", "主题", "主題" },
	[PB_W_ABSTRACT] = { "Abstract", "摘要", "摘要" },
	[PB_W_ANALYSIS] = { "Analysis", "分析", "分析" },
	[PB_W_FINDINGS] = { "Key findings", "要点", "重點" },
	[PB_W_FINDINGS_TITLE] = { "Key Findings", "要点", "重點" },
	[PB_W_LINKS] = { "Links", "链接", "連結" },
	[PB_W_PUBLISHED] = { "Published", "发表", "發表" },
	[PB_W_REVISED] = { "Revised", "修订", "修訂" },
	[PB_W_FIRST_SUBMITTED] = { "first submitted {date}", "首次提交于 {date}",
				   "首次提交於 {date}" },
	[PB_W_ET_AL] = { " et al. ({n} authors)", " 等（共 {n} 位作者）", " 等（共 {n} 位作者）" },
	[PB_W_WHY] = { "Why", "推荐理由", "推薦理由" },
	[PB_W_N_PAPERS_1] = { "{n} paper", "{n} 篇论文", "{n} 篇論文" },
	[PB_W_N_PAPERS] = { "{n} papers", "{n} 篇论文", "{n} 篇論文" },
	[PB_W_N_OF_M] = { "{n} of {m} matching papers", "{m} 篇匹配论文中的 {n} 篇",
			  "{m} 篇符合的論文中的 {n} 篇" },
	[PB_W_FOR] = { "{what} for {name}", "{what}，订阅者：{name}", "{what}，訂閱者：{name}" },
	[PB_W_ANNOUNCED] = { "{what}, announced {date}", "{what}，发布于 {date}",
			     "{what}，發布於 {date}" },
	[PB_W_NOT_SHOWN_1] = { "{n} more paper matched and is not shown",
			       "另有 {n} 篇匹配的论文未显示", "另有 {n} 篇符合的論文未顯示" },
	[PB_W_NOT_SHOWN] = { "{n} more papers matched and are not shown",
			     "另有 {n} 篇匹配的论文未显示", "另有 {n} 篇符合的論文未顯示" },
	[PB_W_TOPIC_COUNT] = { "{topic} {n}", "{topic} {n} 篇", "{topic} {n} 篇" },
	[PB_W_NO_PAPERS] = { "No new papers matched your topics in this announcement.",
			     "本次发布中没有与您的主题匹配的新论文。",
			     "本次發布中沒有符合您主題的新論文。" },
	[PB_W_ALL_OF_THEM] = { "All of them:", "全部列表见", "完整列表見" },
	[PB_W_MORE_ON_ARXIV] = { "and {n} more papers on arXiv.", "以及 arXiv 上的另外 {n} 篇论文。",
				 "以及 arXiv 上的另外 {n} 篇論文。" },
	[PB_W_ALL_HEADING] = { "{title}: all matching papers", "{title}：全部匹配论文",
			       "{title}：全部符合的論文" },
	[PB_W_ALL_COUNT] = { "{papers} matched; the digest shows the first {shown}.",
			     "共匹配 {papers}，摘要显示前 {shown} 篇。",
			     "共有 {papers}符合，摘要顯示前 {shown} 篇。" },
	[PB_W_ALL_COUNT_FOR] = { "{papers} matched for {name}; the digest shows the first {shown}.",
				 "为 {name} 匹配到 {papers}，摘要显示前 {shown} 篇。",
				 "為 {name} 找到符合的 {papers}，摘要顯示前 {shown} 篇。" },
	[PB_W_UNSUB_LEAD] = { "To change your settings or unsubscribe: ", "更改设置或退订：",
			      "變更設定或取消訂閱：" },
	[PB_W_SETTINGS] = { "Settings and unsubscribe: ", "设置与退订：", "設定與取消訂閱：" },
	[PB_W_CHANGE_SETTINGS] = { "Change settings or unsubscribe", "更改设置或退订",
				   "變更設定或取消訂閱" },
	[PB_W_REPLY_TO_CHANGE] = { "To change settings or unsubscribe, reply to this message.",
				   "如需更改设置或退订，请回复此邮件。",
				   "如需變更設定或取消訂閱，請回覆此郵件。" },
	[PB_W_RECEIVE] = { "You receive this digest of new arXiv papers. ",
			   "这是发给您的 arXiv 新论文摘要。", "這是發給您的 arXiv 新論文摘要。" },
	[PB_W_RECEIVE_AS] = { "You receive this digest of new arXiv papers as {name}. ",
			      "这是发给 {name} 的 arXiv 新论文摘要。",
			      "這是發給 {name} 的 arXiv 新論文摘要。" },
	[PB_W_MORE_LIKE] = { "More like this", "更多类似", "更多類似" },
	[PB_W_NOT_FOR_ME] = { "Not for me", "不感兴趣", "不感興趣" },
	[PB_W_MANAGE] = { "Manage your subscription", "管理订阅", "管理訂閱" },
	[PB_W_UNSUBSCRIBE] = { "Unsubscribe", "退订", "取消訂閱" },
	[PB_W_BUTTON_MORE] = { "{n}. more like this", "{n}. 更多类似", "{n}. 更多類似" },
	[PB_W_BUTTON_LESS] = { "{n}. not for me", "{n}. 不感兴趣", "{n}. 不感興趣" },
	[PB_W_FB_TITLE] = { "Feedback", "反馈", "意見回饋" },
	[PB_W_FB_ASK] = { "Mark {paper} as “{verdict}”?", "将 {paper} 标记为“{verdict}”？",
			  "將 {paper} 標記為「{verdict}」？" },
	[PB_W_FB_MARK] = { "Yes, mark it", "确定标记", "確定標記" },
	[PB_W_FB_THANKS] = { "Thank you", "谢谢", "謝謝" },
	[PB_W_FB_MARKED] = { "{paper} is marked “{verdict}”.",
			     "{paper} 已标记为“{verdict}”。", "{paper} 已標記為「{verdict}」。" },
	[PB_W_FB_INSTEAD] = { " Mark it “{verdict}” instead?", "改为标记为“{verdict}”？",
			      "改為標記為「{verdict}」？" },
	[PB_W_FB_UNDO] = { "Take it back", "撤销", "撤銷" },
	[PB_W_FB_UNDONE_TITLE] = { "Taken back", "已撤销", "已撤銷" },
	[PB_W_FB_UNDONE] = { "Your verdict on {paper} is taken back: it no longer shapes your "
			     "digest.", "您对 {paper} 的评价已撤销，不再影响您的摘要。",
			     "您對 {paper} 的評價已撤銷，不再影響您的摘要。" },
	[PB_W_FB_NOTE] = { "Your verdicts shape what the digest shows you first.",
			   "您的评价会影响摘要优先显示的内容。", "您的評價會影響摘要優先顯示的內容。" },
	[PB_W_COLON] = { ":", "：", "：" },
	[PB_W_LEAD] = { ": ", "：", "：" },
	[PB_W_CLAUSE_SEP] = { ", ", "，", "，" },
	[PB_W_LIST_SEP] = { ", ", "、", "、" },
	[PB_W_LIST_AND] = { " and ", " 和 ", " 和 " },
	[PB_W_STOP] = { ".", "。", "。" },
	[PB_W_TITLE] = { "arXiv {categories} Papers", "arXiv {categories} 论文",
			 "arXiv {categories} 論文" },
	[PB_W_TITLE_ANY] = { "arXiv Papers", "arXiv 论文", "arXiv 論文" },
	[PB_W_TITLE_DATE] = { "{title} - {date}", "{title} - {date}", "{title} - {date}" },
	[PB_W_SUBJECT] = { "arXiv {categories}: {papers} on {topics} ({date})",
			   "arXiv {categories} 每日论文 {date}：{count} 篇（{topics}）",
			   "arXiv {categories} 每日論文 {date}：{count} 篇（{topics}）" },
	[PB_W_SUBJECT_NO_TOPICS] = { "arXiv {categories}: {papers} ({date})",
				     "arXiv {categories} 每日论文 {date}：{count} 篇",
				     "arXiv {categories} 每日論文 {date}：{count} 篇" },
	[PB_W_SUBJECT_EMPTY] = { "arXiv {categories}: no new papers ({date})",
				 "arXiv {categories} 每日论文 {date}：无新论文",
				 "arXiv {categories} 每日論文 {date}：無新論文" },
	[PB_W_NO_ANNOUNCEMENT] = { "arXiv made no announcement for {date} (a weekend, a holiday or "
				   "a pause in announcements), so there is nothing new today.",
				   "arXiv 在 {date} 没有发布新论文（周末、假日或暂停发布）。"
				   "今天没有新的摘要。",
				   "arXiv 在 {date} 沒有發布新論文（週末、假日或暫停發布）。"
				   "今天沒有新的摘要。" },
	[PB_W_SIDE_BY_SIDE] = { "Topic {topic}: terms side by side must all match (AND): {pair}. "
				"arXiv's search takes any of them (OR). The topic is kept as "
				"written; for any of them write {either}, for a phrase put it in "
				"double quotes.",
				"主题 {topic}：并列的词须全部匹配（AND）：{pair}。arXiv 的搜索只需"
				"匹配其中之一（OR）。主题已按原样保存；若只需其一，请写 {either}；"
				"若是短语，请加上双引号。",
				"主題 {topic}：並列的詞須全部符合（AND）：{pair}。arXiv 的搜尋只需"
				"符合其中之一（OR）。主題已照原樣儲存；若只需其一，請寫 {either}；"
				"若是片語，請加上雙引號。" },
};

/* The column of the tag's first n bytes, or -1. */
static int
column_of(const char *lang, size_t n)
{
	for (size_t c = 0; c < N_LANGS; c++) {
		/* in any case, as BCP 47 reads tags: "zh-tw" is "zh-TW" */
		if (strlen(langs[c].tag) == n && strncasecmp(langs[c].tag, lang, n) == 0)
			return (int)c;
		for (size_t a = 0; langs[c].aliases && langs[c].aliases[a]; a++)
			if (strlen(langs[c].aliases[a]) == n &&
			    strncasecmp(langs[c].aliases[a], lang, n) == 0)
				return (int)c;
	}
	return -1;
}

/* The tag's column, found as RFC 4647's lookup finds one: the whole tag, then the tag with its
 * last subtag taken off, and so on ("zh-Hant-TW" reads "zh-Hant", "zh-Hans-CN" "zh-Hans"). */
static size_t
column(const char *lang)
{
	size_t n;

	if (!lang || !*lang)
		return 0;
	n = strlen(lang);
	while (n > 0) {
		int c = column_of(lang, n);

		if (c >= 0)
			return (size_t)c;
		while (n > 0 && lang[n - 1] != '-')
			n--;
		if (n > 0)
			n--;   /* the '-' */
	}
	return 0;
}

const char *
pb_word(const char *lang, enum pb_word w)
{
	const char *s;

	if ((unsigned)w >= PB_W_COUNT)
		return "";
	s = words[w][column(lang)];
	return s ? s : words[w][0] ? words[w][0] : "";
}

const char *
pb_words_column(const char *lang)
{
	return langs[column(lang)].tag;
}

const char *
pb_words_lang(const char *lang)
{
	const char *col = pb_words_column(lang);
	size_t n = strcspn(col, "-");

	/* the same language when the primary subtags agree: "zh-TW" reads "zh-Hant" */
	if (!lang || !*lang || strlen(lang) < n || strncasecmp(lang, col, n) != 0 ||
	    (lang[n] != '\0' && lang[n] != '-'))
		return col;
	return lang;
}

/* Words an English sentence can hardly do without, and no other language arXiv meets writes
 * as words of its own (not "a", "in", "on", "is", "die": Spanish, German, French, Dutch). */
static const char *const english_words[] = {
	"the", "of", "and", "with", "we", "our", "this", "that", "these", "for", "from", "which",
	"are", "its", "their", "by", "than", "can", "has", "have", "be", "such", "into",
};

int
pb_text_english(const char *text)
{
	size_t latin = 0, greek = 0, other = 0, words = 0, hits = 0;
	const char *p = text ? text : "";
	size_t len = strlen(p);

	for (size_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)p + i,
						      (utf8proc_ssize_t)(len - i), &cp);

		if (r <= 0) {
			i++;
			continue;
		}
		if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
			size_t k = i, n;

			/* an ASCII word: counted, and looked up when short */
			while (k < len && isalpha((unsigned char)p[k]))
				k++;
			n = k - i;
			latin += n;
			words++;
			if (n <= 5 && (k >= len || ((unsigned char)p[k] < 0x80 && !isalnum(
			    (unsigned char)p[k]))) && (i == 0 || !isalnum((unsigned char)p[i - 1]))) {
				for (size_t w = 0; w < sizeof english_words / sizeof *english_words;
				     w++)
					if (strlen(english_words[w]) == n &&
					    strncasecmp(english_words[w], p + i, n) == 0) {
						hits++;
						break;
					}
			}
			i = k;
			continue;
		}
		i += (size_t)r;
		if (cp < 0x80)
			continue;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
			break;
		default:
			continue;
		}
		if (cp < 0x250 || (cp >= 0x1e00 && cp < 0x1f00))
			latin++;        /* Latin-1, Latin Extended, é in "café" */
		else if ((cp >= 0x370 && cp < 0x400) || (cp >= 0x1d400 && cp < 0x1d800))
			greek++;        /* α, β, and mathematical alphanumerics */
		else
			other++;
	}
	if (!latin || !hits || hits * 20 < words)
		return 0;
	return greek * 10 <= latin && other * 100 <= latin;
}

void
pb_template_put(struct pb_buf *b, const char *tmpl, const char *const *vars)
{
	const char *p = tmpl ? tmpl : "";

	while (*p) {
		const char *e;
		size_t k;

		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			pb_buf_putc(b, p[0]);
			p += 2;
			continue;
		}
		if (*p != '{' || !(e = strchr(p + 1, '}'))) {
			pb_buf_putc(b, *p++);
			continue;
		}
		for (k = 0; vars && vars[k]; k += 2)
			if (strlen(vars[k]) == (size_t)(e - p - 1) &&
			    memcmp(vars[k], p + 1, (size_t)(e - p - 1)) == 0)
				break;
		if (vars && vars[k]) {
			pb_buf_puts(b, vars[k + 1] ? vars[k + 1] : "");
			p = e + 1;
		} else {
			pb_buf_putc(b, *p++);
		}
	}
}

/* Characters (code points) in s[0..n), an invalid byte counting one. */
static size_t
chars(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

int
pb_template_check(const char *tmpl, const char *const *names, char *msg, size_t n)
{
	const char *p = tmpl ? tmpl : "";
	struct pb_buf known = { 0 };
	int rc = -1;

	for (size_t k = 0; names && names[k]; k++)
		pb_buf_printf(&known, "%s{%s}", k ? ", " : "", names[k]);
	for (size_t i = 0; p[i];) {
		size_t col = chars(p, i) + 1, len = strlen(p + i), k;
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)p + i,
						      (utf8proc_ssize_t)len, &cp);
		const char *e;

		if (r <= 0) {
			snprintf(msg, n, "not UTF-8 at column %zu", col);
			goto out;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029) {
			snprintf(msg, n, "a control character (newline, tab, ...) at column %zu: "
				 "a subject is one line of text", col);
			goto out;
		}
		if ((p[i] == '{' && p[i + 1] == '{') || (p[i] == '}' && p[i + 1] == '}')) {
			i += 2;
			continue;
		}
		if (p[i] == '}') {
			snprintf(msg, n, "a '}' without its '{' at column %zu (write }} for a brace)",
				 col);
			goto out;
		}
		if (p[i] != '{') {
			i += (size_t)r;
			continue;
		}
		e = strchr(p + i + 1, '}');
		if (!e || memchr(p + i + 1, '{', (size_t)(e - p - i - 1))) {
			snprintf(msg, n, "the '{' at column %zu is not closed (write {{ for a brace); "
				 "placeholders: %s", col, pb_buf_str(&known));
			goto out;
		}
		for (k = 0; names && names[k]; k++)
			if (strlen(names[k]) == (size_t)(e - p - i - 1) &&
			    memcmp(names[k], p + i + 1, (size_t)(e - p - i - 1)) == 0)
				break;
		if (!names || !names[k]) {
			snprintf(msg, n, "unknown placeholder {%.*s} at column %zu; placeholders: %s",
				 (int)(e - p - i - 1 > 40 ? 40 : e - p - i - 1), p + i + 1, col,
				 pb_buf_str(&known));
			goto out;
		}
		i = (size_t)(e - p) + 1;
	}
	rc = 0;
out:
	pb_buf_free(&known);
	return rc;
}

int
pb_rule_side_by_side_note(const char *topic, const char *query, const char *lang,
			  struct pb_buf *out)
{
	char pair[160], either[170];
	const char *vars[] = { "topic", topic, "pair", pair, "either", either, NULL };

	if (!pb_rule_query_side_by_side(query, pair, sizeof pair, either, sizeof either))
		return 0;
	pb_template_put(out, pb_word(lang, PB_W_SIDE_BY_SIDE), vars);
	return 1;
}
