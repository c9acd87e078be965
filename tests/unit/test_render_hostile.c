/* Outside text is data in every format: a hostile title, abstract, author list and findings,
 * a model's summary and analysis with links off arXiv and raw HTML, and C1 / bidi controls.
 * No format may turn any of it into a link, markup or a hidden character. */
#include <string.h>

#include "paperboy/digest.h"
#include "paperboy/escape.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"
#include "t.h"

#define PHISH "https://phish.example/login"
#define TITLE "Gaussian splatting [Verify your account](" PHISH ") **now** <img src=x>"
/* U+202E RIGHT-TO-LEFT OVERRIDE, U+0085 NEL, U+009B CSI, U+2066 LRI, U+200F RLM */
#define RLO "\xE2\x80\xAE"
#define NEL "\xC2\x85"
#define CSI "\xC2\x9B"
#define LRI "\xE2\x81\xA6"
#define RLM "\xE2\x80\x8F"

static const char *const hidden[] = { RLO, NEL, CSI, LRI, RLM, "\x1b", "\x02", "\x03" };

static int
has(const char *s, const char *n)
{
	return strstr(s, n) != NULL;
}

/* Every occurrence of needle in s is preceded by a backslash (escaped Markdown). */
static int
all_escaped(const char *s, const char *needle)
{
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		if (p == s || p[-1] != '\\')
			return 0;
	return 1;
}

static void
no_hidden(const char *s, const char *what)
{
	for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; k++) {
		t_checked++;
		if (has(s, hidden[k])) {
			t_failed++;
			fprintf(stderr, "test_render_hostile: %s carries hidden character #%zu\n",
				what, k);
		}
	}
}

static void
check_format(enum pb_format f, const struct pb_parts *p, int model)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *s = p->v[i];

		no_hidden(s, pb_format_name(f));
		/* no live link to anywhere but arXiv, in any syntax */
		T_CHECK(!has(s, "href=\\\"" PHISH) && !has(s, "href=\"" PHISH));
		T_CHECK(!has(s, "href=\\\"https://evil.example") &&
			!has(s, "href=\"https://evil.example"));
		T_CHECK(!has(s, "<" PHISH "|") && !has(s, "<https://evil.example"));
		if (f == PB_FMT_MD)
			T_CHECK(all_escaped(s, "<img") && all_escaped(s, "<script"));
		else if (f != PB_FMT_TEXT)      /* plain text shows it as the text it is */
			T_CHECK(!has(s, "<img") && !has(s, "<script"));
		switch (f) {
		case PB_FMT_MD:
			T_CHECK(all_escaped(s, "](" PHISH));
			T_CHECK(all_escaped(s, "](https://evil.example"));
			T_CHECK(!has(s, "](#evil"));
			T_CHECK(has(s, "\\*\\*now\\*\\*"));
			/* a character reference would smuggle the override back in */
			T_CHECK(!has(s, " &#x202E;"));
			/* one escaping for the same text in the summary and the body */
			T_CHECK(!has(s, "&lt;"));
			break;
		case PB_FMT_HTML:
			T_CHECK(!has(s, "<strong>now</strong>"));
			T_CHECK(has(s, "**now**"));
			T_CHECK(has(s, "[Verify your account](" PHISH ")"));
			break;
		case PB_FMT_TELEGRAM:
			T_CHECK(!has(s, "<b>now</b>"));
			T_CHECK(!has(s, "<a href=\\\"https://phish"));
			break;
		case PB_FMT_SLACK:
			T_CHECK(!has(s, "*now*\\n") && !has(s, "<" PHISH));
			break;
		default:
			break;
		}
		if (model && f != PB_FMT_TEXT)
			/* the model's own link to arXiv still works */
			T_CHECK(has(s, "2512.04076") || p->n > 1);
	}
}

static void
render_all(struct pb_digest *d, int model)
{
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts p;

		T_EQ_INT(pb_render(d, (enum pb_format)f, NULL, &p), 0);
		check_format((enum pb_format)f, &p, model);
		if (getenv("PB_SHOW"))
			for (size_t i = 0; i < p.n; i++)
				printf("---- %s ----\n%s\n", pb_format_name((enum pb_format)f), p.v[i]);
		pb_parts_free(&p);
	}
}

static void
test_clean(void)
{
	struct pb_buf b = { 0 };
	const char *in = "a" RLO "b" NEL "c" CSI "d" LRI "e" RLM "f\x1b[31mg\r\nh\x02i\xff" "j";

	pb_text_clean(&b, in, strlen(in), 0);
	T_EQ_STR(pb_buf_str(&b), "ab c" "de" "f[31mg \nhi\xEF\xBF\xBDj");
	pb_buf_reset(&b);
	pb_text_clean(&b, "x\x02y\x03z", 5, PB_CLEAN_KEEP_DATA);
	T_EQ_STR(pb_buf_str(&b), "x\x02y\x03z");
	pb_buf_reset(&b);
	/* ordinary text, RTL letters included, is left alone */
	pb_text_clean(&b, "Rémy שלום 中文 😀\tx", strlen("Rémy שלום 中文 😀\tx"), 0);
	T_EQ_STR(pb_buf_str(&b), "Rémy שלום 中文 😀\tx");
	pb_buf_free(&b);
}

/* A topic's name is the reader's text (a web form, a chat's /add, an import): shown beside each
 * paper and in the list of those left out, it is cleaned as a title is, in every format and in
 * the full list. */
static void
test_topic(struct pb_digest *d, struct pb_digest_item *it)
{
	struct pb_digest_topic top = { "t" CSI "op" RLO "ic" NEL "x", 3, 1 };
	const char *was = it->topic;
	char *all;

	it->topic = top.name;
	d->topics = &top;
	d->n_topics = 1;
	d->n_matched = 3;
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts p;

		T_EQ_INT(pb_render(d, (enum pb_format)f, NULL, &p), 0);
		for (size_t i = 0; i < p.n; i++) {
			no_hidden(p.v[i], pb_format_name((enum pb_format)f));
			T_CHECK(has(p.v[i], "topic x"));
		}
		pb_parts_free(&p);
	}
	all = pb_render_all_md(d);
	no_hidden(all, "all");
	T_CHECK(has(all, "topic x"));
	free(all);
	it->topic = was;
	d->topics = NULL;
	d->n_topics = 0;
	d->n_matched = 1;
}

int
main(void)
{
	struct pb_author au[2] = {
		{ "Eve " RLO "rekcah" "\x1b[2J", NULL, 0 },
		{ "<b>Mallory</b> [x](" PHISH ")", NULL, 0 },
	};
	/* categories and ids come from the feed too (they once skipped the cleaner) */
	char *cats[] = { "cs.CV", "cs." RLO "LG" NEL "x", "cs." LRI "AI" CSI };
	struct pb_paper p = { 0 };
	struct pb_digest_item it = { 0 };
	struct pb_digest d = { 0 };
	char *findings[2];

	test_clean();
	p.id = "2512.04076" RLM;
	p.version = 1;
	p.title = TITLE " " RLO "txt.exe" NEL CSI "31m";
	p.authors = au;
	p.n_authors = 2;
	p.abstract = "Fast (<28 Mpc) &#x202E; splats. [Click here](" PHISH ") <script>x</script> "
		     "\x02 closes \x03 early" RLO ".";
	p.categories = cats;
	p.n_categories = 3;
	p.published = "2025-12-03T00:00:00Z";
	findings[0] = "We show [Verify your account](" PHISH ") **now** <img src=x> (<28 Mpc).";
	findings[1] = "Second `finding` " LRI "x";
	it.paper = &p;
	it.topic = "3D";
	it.score = 9;
	it.findings = findings;
	it.n_findings = 2;
	d.subscriber = "alice";
	d.language = "en";
	d.date = "2025-12-04";
	d.title = "Digest";
	d.items = &it;
	d.n_items = 1;
	d.n_matched = 1;

	/* the built-in summary quotes the title and a finding */
	d.exec_summary = pb_exec_summary_builtin(&d);
	T_CHECK(d.exec_summary && has(d.exec_summary, PHISH));
	render_all(&d, 0);
	free(d.exec_summary);
	d.exec_summary = NULL;
	test_topic(&d, &it);

	/* a model's summary and analysis: light Markdown, links to arXiv only, never HTML */
	d.exec_summary = "**Top:** [the paper](https://arxiv.org/abs/2512.04076v1), "
			 "[Verify your account](" PHISH ") and [x](https://evil.example/a) "
			 "<img src=x onerror=alert(1)> [y](#evil) " RLO "gnp.exe";
	d.exec_from_model = 1;
	it.analysis = "See [login](https://evil.example/b) <script>alert(1)</script> " NEL;
	render_all(&d, 1);
	d.exec_summary = NULL;
	d.exec_from_model = 0;
	it.analysis = NULL;

	/* Our own summary Markdown with a code span around a data span whose text holds a
	 * backtick: the span is never shown raw as code (its backtick would close the code
	 * early and the rest of the title would be read as Markdown). */
	d.exec_summary = "See `x \x02" "a` [Verify](" PHISH ") <b>b\x03" " y` end.";
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		struct pb_parts pp;

		T_EQ_INT(pb_render(&d, (enum pb_format)f, NULL, &pp), 0);
		for (size_t i = 0; i < pp.n; i++) {
			no_hidden(pp.v[i], pb_format_name((enum pb_format)f));
			T_CHECK(!has(pp.v[i], "href=\"" PHISH) && !has(pp.v[i], "<" PHISH "|"));
			if (f == PB_FMT_MD) {
				T_CHECK(has(pp.v[i], "a\\` \\[Verify\\]"));
				T_CHECK(all_escaped(pp.v[i], "<b>"));
			} else if (f == PB_FMT_HTML || f == PB_FMT_TELEGRAM) {
				T_CHECK(!has(pp.v[i], "<b>b"));
				T_CHECK(!has(pp.v[i], "<code>x a"));
			}
		}
		pb_parts_free(&pp);
	}
	d.exec_summary = NULL;

	/* An abstract or a finding that opens as a list item would do ("1. ", "2) ", "- ") is
	 * the paragraph it is, not a list; a number that is no marker ("1.5") is left alone. */
	{
		static const char *const abs[][2] = {
			{ "1. We show a result.", "**Abstract:**\n\n1\\. We show a result.\n" },
			{ "2) A second claim.", "**Abstract:**\n\n2\\) A second claim.\n" },
			{ "  - bullet", "**Abstract:**\n\n\\- bullet\n" },
			{ "+ plus", "**Abstract:**\n\n\\+ plus\n" },
			{ "1.5 times faster.", "**Abstract:**\n\n1.5 times faster.\n" },
			{ "-5 dB noise.", "**Abstract:**\n\n-5 dB noise.\n" },
			{ "1234567890. Big.", "**Abstract:**\n\n1234567890. Big.\n" },
		};
		char *fl[2] = { "3. Third", "- Dashed" };

		it.findings = fl;
		for (size_t k = 0; k < sizeof abs / sizeof abs[0]; k++) {
			struct pb_parts pp;

			p.abstract = (char *)abs[k][0];
			T_EQ_INT(pb_render(&d, PB_FMT_MD, NULL, &pp), 0);
			T_CHECK(pp.n == 1 && has(pp.v[0], abs[k][1]));
			T_CHECK(pp.n == 1 && has(pp.v[0], "\n- 3\\. Third\n- \\- Dashed\n"));
			if (pp.n != 1 || !has(pp.v[0], abs[k][1]))
				fprintf(stderr, "abstract \"%s\":\n%s\n", abs[k][0], pp.n ? pp.v[0] : "");
			pb_parts_free(&pp);
		}
	}
	return t_done("test_render_hostile");
}
