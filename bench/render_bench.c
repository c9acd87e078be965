/* Render benchmark: N personalised digests from the papers of a fixture feed, each rendered
 * in all five formats. Each digest picks its own papers (a seeded choice among the feed's
 * papers, 5 to 15 of them), subscriber name and language; one in four carries model-style
 * analyses. Key findings are extracted once per paper (as the summarize stage caches them) and
 * the built-in executive summary is written per digest; only rendering is timed: all five
 * formats of a digest through pb_render_formats, as a run renders them. Times are the
 * process's CPU time, so other load on the machine skews them less than wall time would.
 *
 * usage: render_bench FEED [DIGESTS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/paper.h"
#include "paperboy/parse.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"

static const char analysis_zh[] =
	"**核心贡献：** 论文提出了一种新的表示方法，在多个基准上取得了最先进的结果。\n\n"
	"**方法：**\n\n*   使用 $\\alpha$-blending 的可微渲染\n*   **高效：** 速度提升 2--3$\\times$\n\n"
	"---\n\n总而言之，这项工作对三维重建和机器人感知都有重要意义。";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift: the same choices on every run */
static unsigned long
rnd(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int
main(int argc, char **argv)
{
	static const char *const langs[] = { "en", "zh", "de", "en" };
	static const char *const topics[] = { "3D", "Video", "VLM", "Robotics" };
	struct pb_paperset ps;
	struct pb_parse_result res;
	struct pb_render_opts o = { "-1001234567", 0, "https://example.org/settings", NULL, 0,
				    NULL, 0, 0 };
	char ***findings, err[512], *data = NULL, name[64];
	size_t *n_findings, len = 0, n, digests, bytes[PB_FMT_COUNT] = { 0 }, parts = 0;
	double t_render[PB_FMT_COUNT] = { 0 }, t_build = 0, t_all = 0, t0, t1, total;
	struct pb_parts out[PB_FMT_COUNT];
	unsigned long seed = 88172645463325252UL;

	if (argc < 2) {
		fprintf(stderr, "usage: render_bench FEED [DIGESTS]\n");
		return 64;
	}
	digests = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	pb_paperset_init(&ps);
	if (pb_read_file(argv[1], &data, &len, err, sizeof err) < 0) {
		fprintf(stderr, "render_bench: %s\n", err);
		return 66;
	}
	if (pb_parse_feed(data, len, argv[1], &ps, &res) != PB_PARSE_OK || ps.n == 0) {
		fprintf(stderr, "render_bench: %s: %s\n", argv[1], res.message);
		return 65;
	}
	free(data);
	n = ps.n;
	findings = pb_xcalloc(n, sizeof *findings);
	n_findings = pb_xcalloc(n, sizeof *n_findings);
	for (size_t i = 0; i < n; i++)
		n_findings[i] = pb_key_findings(ps.v[i].abstract, 4, &findings[i]);

	total = now();
	for (size_t k = 0; k < digests; k++) {
		struct pb_digest d;
		size_t m = 5 + rnd(&seed) % 11;

		t0 = now();
		memset(&d, 0, sizeof d);
		snprintf(name, sizeof name, "subscriber%zu", k);
		d.subscriber = name;
		d.language = langs[k % 4];
		d.date = ps.announce_date ? ps.announce_date : "2024-11-28";
		d.title = "arXiv Computer Vision and Robotics Papers - 2024-11-28";
		d.items = pb_xcalloc(m, sizeof *d.items);
		d.n_items = m;
		d.n_matched = m + rnd(&seed) % 20;
		for (size_t i = 0; i < m; i++) {
			size_t p = rnd(&seed) % n;

			d.items[i].paper = &ps.v[p];
			d.items[i].topic = topics[(k + i) % 4];
			d.items[i].score = (double)(m - i);
			d.items[i].findings = findings[p];
			d.items[i].n_findings = n_findings[p];
			d.items[i].analysis = k % 4 == 1 ? (char *)analysis_zh : NULL;
		}
		d.exec_summary = pb_exec_summary_builtin(&d);
		t_build += now() - t0;
		t0 = now();
		if (pb_render_formats(&d, PB_FMT_ALL, &o, out) < 0) {
			fprintf(stderr, "render_bench: render failed\n");
			return 70;
		}
		t_all += now() - t0;
		for (int f = 0; f < PB_FMT_COUNT; f++) {
			for (size_t i = 0; i < out[f].n; i++)
				bytes[f] += strlen(out[f].v[i]);
			parts += out[f].n;
			pb_parts_free(&out[f]);
		}
		/* the share of each format, from one digest in twenty rendered one format at a time */
		for (int f = 0; k % 20 == 0 && f < PB_FMT_COUNT; f++) {
			struct pb_parts one;

			t0 = now();
			if (pb_render(&d, (enum pb_format)f, &o, &one) < 0)
				return 70;
			t1 = now();
			t_render[f] += t1 - t0;
			pb_parts_free(&one);
		}
		free(d.exec_summary);
		free(d.items);
	}
	total = now() - total;

	printf("papers in feed:      %zu\n", n);
	printf("digests:             %zu (all five formats, %zu messages/documents)\n", digests,
	       parts);
	printf("render time:         %.3f s CPU  (%.0f digests/s in all five formats)\n", t_all,
	       t_all > 0 ? (double)digests / t_all : 0.0);
	printf("per format (one at a time, every twentieth digest; display conversion repeated):\n");
	for (int f = 0; f < PB_FMT_COUNT; f++)
		printf("  %-9s %7.1f us/digest  %10.1f KB out in all\n",
		       pb_format_name((enum pb_format)f),
		       t_render[f] * 1e6 / (double)((digests + 19) / 20), (double)bytes[f] / 1024.0);
	printf("digest building:     %.3f s (selection and built-in executive summary; not "
	       "rendering)\n", t_build);
	printf("building+rendering:  %.3f s CPU\n", total);
	for (size_t i = 0; i < n; i++)
		pb_sentences_free(findings[i], n_findings[i]);
	free(findings);
	free(n_findings);
	pb_paperset_free(&ps);
	return 0;
}
