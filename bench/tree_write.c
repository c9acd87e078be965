/* tree_write: the file system's own work for a tree of files, as a floor beside the file sink.
 *
 *   tree_write MANIFEST DIR
 *
 * MANIFEST has one line per file, "SIZE PATH" (what `find OUT -type f -printf '%s %P\n'`
 * prints), PATH relative, without "..". Under DIR, each file is made with its folders, SIZE
 * bytes written to it in one write of a constant buffer, and closed; at the end one syncfs
 * puts everything on the disk. Nothing is rendered, read, renamed or synced file by file: less
 * work than any sink that keeps what it wrote, on the same disk. Prints the files, the bytes
 * and the seconds. Exit 1 on any failure, with the path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF_MAX (4u << 20)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Makes every folder of path (relative to dfd) up to its last '/'. 0 or -1. */
static int
make_parents(int dfd, char *path)
{
	for (char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdirat(dfd, path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char buf[BUF_MAX];
	char line[4096], last_dir[4096] = "";
	unsigned long long files = 0, bytes = 0;
	double t0;
	FILE *m;
	int dfd;

	if (argc != 3) {
		fprintf(stderr, "usage: tree_write MANIFEST DIR\n");
		return 2;
	}
	if (!(m = fopen(argv[1], "r"))) {
		fprintf(stderr, "tree_write: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "tree_write: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if ((dfd = open(argv[2], O_RDONLY | O_DIRECTORY)) < 0) {
		fprintf(stderr, "tree_write: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	memset(buf, 'x', sizeof buf);
	t0 = now_s();
	while (fgets(line, sizeof line, m)) {
		char *end, *path, *slash;
		unsigned long long size = strtoull(line, &end, 10);
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (end == line || *end != ' ' || !end[1] || end[1] == '/' || strstr(end, "..") ||
		    size > BUF_MAX) {
			fprintf(stderr, "tree_write: %s: a bad line: %s\n", argv[1], line);
			return 1;
		}
		path = end + 1;
		slash = strrchr(path, '/');
		if (slash && ((size_t)(slash - path) != strlen(last_dir) ||
			      strncmp(path, last_dir, (size_t)(slash - path)) != 0)) {
			/* a folder not made yet (the manifest lists a folder's files together) */
			if (make_parents(dfd, path) < 0) {
				fprintf(stderr, "tree_write: %s: %s\n", path, strerror(errno));
				return 1;
			}
			snprintf(last_dir, sizeof last_dir, "%.*s", (int)(slash - path), path);
		}
		fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, buf, (size_t)size) != (ssize_t)size || close(fd) < 0) {
			fprintf(stderr, "tree_write: %s: %s\n", path, strerror(errno));
			return 1;
		}
		files++;
		bytes += size;
	}
	fclose(m);
	if (syncfs(dfd) < 0) {
		fprintf(stderr, "tree_write: syncfs: %s\n", strerror(errno));
		return 1;
	}
	close(dfd);
	printf("tree_write: %llu files, %llu bytes in %.2f s\n", files, bytes, now_s() - t0);
	return 0;
}
