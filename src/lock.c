/* The instance lock. flock(2) rather than a pid file alone: the kernel drops the lock when
 * the holder dies, so a stale file never blocks a restart; the pid inside is only for the
 * message. The file is never unlinked, so two starters always lock the same inode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/lock.h"

struct pb_lock {
	int fd;
};

/* Reads the pid the holder wrote; 0 when unreadable (it may be between open and write). */
static long
holder_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

struct pb_lock *
pb_lock_acquire(const char *state_dir, char *err, size_t errlen)
{
	struct pb_buf path = { 0 }, pid = { 0 };
	struct pb_lock *l = NULL;
	int fd, e = 0;

	pb_buf_printf(&path, "%s/paperboy.lock", state_dir);
	fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path.data, strerror(e));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		if (e == EWOULDBLOCK) {
			long p = 0;

			/* The holder writes its pid right after locking; give it a moment. */
			for (int i = 0; i < 20 && (p = holder_pid(fd)) == 0; i++)
				usleep(10000);
			if (p > 0)
				snprintf(err, errlen, "another paperboy (pid %ld) holds %s", p,
					 path.data);
			else
				snprintf(err, errlen, "another paperboy holds %s", path.data);
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path.data, strerror(e));
		}
		close(fd);
		goto out;
	}
	pb_buf_printf(&pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid.data, pid.len, 0) != (ssize_t)pid.len) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot write %s: %s", path.data, strerror(e));
		close(fd);
		goto out;
	}
	l = pb_xmalloc(sizeof *l);
	l->fd = fd;
out:
	pb_buf_free(&path);
	pb_buf_free(&pid);
	if (!l)
		errno = e;
	return l;
}

void
pb_lock_release(struct pb_lock *l)
{
	if (!l)
		return;
	/* Empty the file first so a reader never reports a pid that no longer holds it. */
	if (ftruncate(l->fd, 0) < 0) {
		/* Harmless: the lock itself goes with the descriptor. */
	}
	close(l->fd);
	free(l);
}

long
pb_lock_holder(const char *state_dir)
{
	struct pb_buf path = { 0 };
	long pid = -1;
	int fd;

	pb_buf_printf(&path, "%s/paperboy.lock", state_dir);
	fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		pid = errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		pid = 0;   /* we could take it: nobody holds it */
		flock(fd, LOCK_UN);
	} else if (errno == EWOULDBLOCK) {
		pid = holder_pid(fd);
		if (pid <= 0)
			pid = -1;
	}
	close(fd);
out:
	pb_buf_free(&path);
	return pid;
}
