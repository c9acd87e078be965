/* config_bench: what loading a config costs, beside libconfig reading the same file.
 *
 *   config_bench load|libconfig FILE
 *
 * "load" runs pb_config_load (parse, walk, checks, secrets) and frees the result; "libconfig"
 * only config_read_file and config_destroy, the floor under any loader built on libconfig.
 * Prints the wall time, and for "load" the heap the loaded config keeps (malloc's bytes in use
 * after the load, libconfig's tree already gone), in all and per subscriber. Peak memory is
 * the caller's to measure (/usr/bin/time -f %M). */
#include <libconfig.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "paperboy/config.h"

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
	double t0;

	if (argc != 3 || (strcmp(argv[1], "load") && strcmp(argv[1], "libconfig"))) {
		fprintf(stderr, "usage: config_bench load|libconfig FILE\n");
		return 64;
	}
	t0 = now_s();
	if (strcmp(argv[1], "libconfig") == 0) {
		config_t cf;

		config_init(&cf);
		if (!config_read_file(&cf, argv[2])) {
			fprintf(stderr, "config_bench: %s:%d: %s\n", argv[2], config_error_line(&cf),
				config_error_text(&cf));
			config_destroy(&cf);
			return 1;
		}
		config_destroy(&cf);
		printf("libconfig config_read_file: %.3f s\n", now_s() - t0);
	} else {
		struct pb_config_error err;
		struct pb_config *cfg = pb_config_load(argv[2], &err);
		double t = now_s() - t0;
		struct mallinfo2 mi = mallinfo2();
		char msg[1024];

		if (!cfg) {
			pb_config_error_format(&err, msg, sizeof msg);
			fprintf(stderr, "config_bench: %s\n", msg);
			return 1;
		}
		printf("pb_config_load: %.3f s, %zu subscribers, %.2f us each; kept %zu bytes "
		       "(%.0f per subscriber)\n", t, cfg->n_subscribers,
		       t * 1e6 / (double)(cfg->n_subscribers ? cfg->n_subscribers : 1),
		       mi.uordblks, (double)mi.uordblks /
		       (double)(cfg->n_subscribers ? cfg->n_subscribers : 1));
		pb_config_free(cfg);
	}
	return 0;
}
