/* paperboy state migrate --to postgresql [--from FILE] [--replace]: copies a SQLite state into
 * the PostgreSQL state the configuration names, in one transaction, and prints the rows of
 * every table in both. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/lock.h"
#include "paperboy/state.h"

static int
usage(void)
{
	fprintf(stderr, "usage: paperboy state migrate --to postgresql [--from FILE] "
		"[--replace]\n");
	return EX_USAGE;
}

/* Takes the lock of the state directory dir; 0, else the exit code after saying why. */
static int
lock_dir(const char *dir, struct pb_lock **lock)
{
	char err[768];

	if ((*lock = pb_lock_acquire(dir, err, sizeof err)))
		return 0;
	fprintf(stderr, "paperboy: %s\n", err);
	/* 75 only when another paperboy holds it; a lock file that cannot be written is 73, as
	 * for run and the daemon */
	return errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT;
}

/* The directory of the state file path when it is not state_dir (by device and inode), else
 * NULL (also when there is no such file: opening it says so); caller frees. */
static char *
other_dir(const char *path, const char *state_dir)
{
	char *copy, *dir;
	struct stat a, b;

	if (stat(path, &a) < 0 || !(copy = strdup(path)))
		return NULL;
	dir = dirname(copy);
	if (stat(dir, &a) == 0 && stat(state_dir, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		free(copy);
		return NULL;
	}
	memmove(copy, dir, strlen(dir) + 1);
	return copy;
}

static int
migrate(const struct pb_config *cfg, const char *from_path, int replace)
{
	struct pb_state *from = NULL, *to = NULL;
	struct pb_state_table_count *c = NULL;
	struct pb_lock *lock = NULL, *from_lock = NULL;
	struct pb_buf path = { 0 };
	char *from_dir = NULL;
	size_t n = 0;
	long total = 0;
	char err[768], where[320];
	int rc, copied;

	if (!cfg->state_backend || strcmp(cfg->state_backend, "postgresql") != 0) {
		fprintf(stderr, "paperboy: state migrate: %s does not set state.backend = "
			"\"postgresql\" (and its conninfo): say there where the state goes\n",
			cfg->path);
		return EX_CONFIG;
	}
	if (from_path)
		pb_buf_puts(&path, from_path);
	else
		pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	/* Nothing may change the SQLite state while it is copied (a run, the daemon): the lock
	 * of the configured state directory, and of the one --from's file is in, which its own
	 * daemon holds. */
	if ((rc = lock_dir(cfg->state_dir, &lock)) != 0)
		goto out;
	if (from_path && (from_dir = other_dir(from_path, cfg->state_dir)) &&
	    (rc = lock_dir(from_dir, &from_lock)) != 0)
		goto out;
	/* Read-write: an older schema is brought up to date first, as a run would. */
	if (!(from = pb_state_open_mode(path.data, PB_STATE_WRITE, err, sizeof err))) {
		fprintf(stderr, "paperboy: state migrate: %s\n", err);
		rc = EX_NOINPUT;
		goto out;
	}
	if ((rc = pb_cli_open_state_rc(cfg, PB_STATE_CREATE, &to)) != 0)
		goto out;
	pb_cli_state_where(cfg, where, sizeof where);
	copied = pb_state_copy(from, to, replace, &c, &n, err, sizeof err);
	if (n)
		printf("%-16s %10s %10s\n", "TABLE", "SQLITE", "POSTGRESQL");
	for (size_t i = 0; i < n; i++) {
		printf("%-16s %10ld %10ld%s\n", c[i].table, c[i].source, c[i].copied,
		       c[i].source == c[i].copied ? "" : "  DIFFERS");
		total += c[i].copied;
	}
	if (copied == -2) {
		fprintf(stderr, "paperboy: state migrate: %s: %s; nothing was copied (--replace "
			"deletes what is there first)\n", where, err);
		rc = EX_CANTCREAT;
	} else if (copied < 0) {
		fprintf(stderr, "paperboy: state migrate: %s; nothing was copied\n", err);
		rc = EX_IOERR;
	} else {
		printf("copied %s into %s: %zu tables, %ld rows, every count verified\n",
		       path.data, where, n, total);
	}
out:
	free(c);
	pb_state_close(to);
	pb_state_close(from);
	pb_lock_release(from_lock);
	pb_lock_release(lock);
	free(from_dir);
	pb_buf_free(&path);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = EX_IOERR;
	return rc;
}

int
pb_cmd_state(int argc, char **argv, const char *config_path)
{
	struct pb_config *cfg;
	const char *to = NULL, *from = NULL;
	int replace = 0, rc;

	if (argc < 2 || strcmp(argv[1], "migrate") != 0)
		return usage();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--replace") == 0)
			replace = 1;
		else
			return pb_cli_bad_arg("state", argv[i]);
	}
	if (!to || strcmp(to, "postgresql") != 0) {
		fprintf(stderr, "paperboy: state migrate: --to postgresql is the one target\n");
		return EX_USAGE;
	}
	/* The file alone: the stored subscribers are read from the target, which the copy is
	 * about to fill (an empty one would only be warned about). */
	if (!(cfg = pb_cli_load_config_file(config_path)))
		return EX_CONFIG;
	rc = migrate(cfg, from, replace);
	pb_config_free(cfg);
	return rc;
}
