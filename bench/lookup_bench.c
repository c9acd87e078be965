/* lookup_bench: what the chat channels' look-up of a message's subscriber costs delivery.
 *
 *   lookup_bench FILE
 *
 * Loads FILE (not timed), then asks the Slack channel for the pacing of one message per
 * subscriber, as the delivery loop does before it starts each (prepare looks the subscriber
 * up the same way once more), every subscriber in turn. Prints the wall time of those
 * requests. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "paperboy/config.h"
#include "paperboy/state.h"
#include "../src/deliver/channel.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct pb_config_error err;
	struct pb_config *cfg;
	struct pb_pace p[4];
	size_t found = 0;
	double t0, t;
	char msg[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: lookup_bench FILE\n");
		return 64;
	}
	if (!(cfg = pb_config_load(argv[1], &err))) {
		pb_config_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "lookup_bench: %s\n", msg);
		return 1;
	}
	t0 = now_s();
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		struct pb_outbox_msg m;

		memset(&m, 0, sizeof m);
		m.subscriber = cfg->subscribers[i].name;
		m.channel = (char *)"slack";
		m.dest = (char *)"webhook";
		if (pb_channel_slack.pace(&m, cfg, p, 4) == 1 &&
		    pb_config_subscriber(cfg, m.subscriber) == &cfg->subscribers[i])
			found++;
	}
	t = now_s() - t0;
	if (found != cfg->n_subscribers) {
		fprintf(stderr, "lookup_bench: %zu of %zu subscribers found\n", found,
			cfg->n_subscribers);
		pb_config_free(cfg);
		return 1;
	}
	printf("slack pace of %zu messages: %.3f s\n", cfg->n_subscribers, t);
	pb_config_free(cfg);
	return 0;
}
