/* paperboy check: loads and validates the config and compiles every topic rule (no network),
 * then prints a short summary. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"

/* The holidays the calendar knows, and the year it knows none of when that is this year or
 * the next two weeks': that year's holidays would be taken for release days. */
static void
holidays_line(FILE *f, const struct pb_config *cfg)
{
	struct pb_calendar cal;
	int y, last;

	pb_calendar_init(&cal, cfg);
	last = pb_cal_last_year(&cal);
	if (cal.n_holidays == 0) {
		fprintf(f, "holidays: none\n");
		return;
	}
	fprintf(f, "holidays: %s up to %d", cfg->holidays ? "listed" : "built in", last);
	if ((y = pb_cal_unknown_year(&cal, pb_now())) > 0)
		fprintf(f, "; none for %d: add arXiv's to `holidays` "
			   "(https://info.arxiv.org/help/availability.html)", y);
	fprintf(f, "\n");
}

static void
summarize(FILE *f, const struct pb_config *cfg)
{
	size_t topics = 0;

	for (size_t i = 0; i < cfg->n_subscribers; i++)
		topics += cfg->subscribers[i].n_topics;
	fprintf(f, "config: %s ok\n", cfg->path);
	fprintf(f, "subscribers: %zu\n", cfg->n_subscribers);
	fprintf(f, "topics: %zu\n", topics);
	/* Destinations per channel, as the run would write them to the outbox, or what the
	 * channel says of itself (the file sink: its directory). */
	fprintf(f, "channels:");
	for (size_t k = 0, shown = 0; k < pb_channel_count(); k++) {
		const struct pb_channel *ch = pb_channel_at(k);
		const char *name = pb_channel_name(ch);
		struct pb_buf about = { 0 };
		size_t n = 0;

		if (pb_channel_describe(ch, cfg, &about)) {
			fprintf(f, "%s %s %s", shown++ ? "," : "", name, pb_buf_str(&about));
			pb_buf_free(&about);
			continue;
		}
		for (size_t i = 0; i < cfg->n_subscribers; i++) {
			struct pb_chan_ctx cx = { .cfg = cfg, .sub = &cfg->subscribers[i] };
			struct pb_parts d = { 0 };

			pb_channel_dests(ch, &cx, &d);
			n += d.n;
			pb_parts_free(&d);
		}
		fprintf(f, "%s %s %zu", shown++ ? "," : "", name, n);
	}
	fprintf(f, "\n");
	fprintf(f, "categories:");
	for (size_t i = 0; i < cfg->arxiv.n_categories; i++)
		fprintf(f, " %s", cfg->arxiv.categories[i]);
	fprintf(f, "\n");
	fprintf(f, "schedule:");
	for (size_t i = 0; i < cfg->n_schedule; i++)
		fprintf(f, " %s", cfg->schedule[i]);
	fprintf(f, " (%s)\n", cfg->timezone);
	holidays_line(f, cfg);
	if (cfg->summary.enabled)
		fprintf(f, "model: on (%s)\n", cfg->summary.model);
	else
		fprintf(f, "model: off\n");
	fprintf(f, "email: %s\n", cfg->email.enabled ? "on" : "off");
}

int
pb_cmd_check(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg;
	struct pb_buf report = { 0 };
	size_t n_warn = 0;
	char err[4096];
	int rc = EX_CONFIG, bad, left_out = 0;

	if (argc > 1) {
		fprintf(stderr, "paperboy: check takes no arguments (got %s)\n", argv[1]);
		pb_cli_usage(stderr, "check");
		return EX_USAGE;
	}
	cfg = pb_cli_load_config_file(config_path);
	if (!cfg)
		return EX_CONFIG;
	{
		/* The stored subscribers, paused ones too: each that cannot be used is named. */
		struct pb_buf problems = { 0 };

		cfg = pb_cli_with_stored(cfg, 1, NULL, NULL, &problems);
		for (const char *l = pb_buf_str(&problems); *l;) {
			size_t n = strcspn(l, "\n");

			fprintf(stderr, "paperboy: %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
		left_out = problems.len > 0;
		pb_buf_free(&problems);
	}
	/* Every rule of every subscriber (all errors and the warnings), they compile, and the
	 * schedule can be computed: what a reload checks too. */
	bad = pb_cli_verify_config(cfg, &report, &n_warn, err, sizeof err) < 0;
	if (report.len)
		fputs(report.data, stderr);
	if (bad) {
		fprintf(stderr, "paperboy: %s\n", err);
		goto out;
	}
	summarize(stdout, cfg);
	if (n_warn)
		printf("warnings: %zu (on stderr)\n", n_warn);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("paperboy: stdout");
		rc = EX_IOERR;
		goto out;
	}
	/* the others are fine, but a stored subscriber would be left out of the run */
	rc = left_out ? EX_CONFIG : 0;
out:
	pb_buf_free(&report);
	pb_config_free(cfg);
	return rc;
}
