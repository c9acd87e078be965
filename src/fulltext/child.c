/* Reading a document in a child process (ft_int.h: ft_child_run).
 *
 * The readers of outside documents are large libraries reading bytes anyone can write:
 * poppler held the run for minutes on one page (a decompression bomb), libxml2 builds a
 * tree of about 40 times an HTML page's size, and either can crash on a file made to crash
 * it. So a document is read in a child process made with fork: its data is capped at
 * FT_CHILD_MEMORY above what this process held, it dies with this process and with the
 * signals that end a program, and this process reads what it says through a pipe until
 * the deadline (the run's, and at most FT_CHILD_SECONDS a document), then kills it. The
 * child writes records (a type byte, a 4-byte little-endian length, the bytes) with
 * write(2) only, logs nothing and ends with _exit: it shares this process's locks, buffers
 * and open files as they were at the fork (glibc's allocator is made safe across fork; a log
 * line's lock or stderr's might be held by another thread). A run reads its documents before
 * its delivery thread starts (run.c: build_all), so no other thread of paperboy's holds a lock
 * at the fork: AddressSanitizer's allocator in Debian 12's libasan is not made safe across
 * fork, and a child forked while delivery allocated could wait for its lock for ever. */
#define _GNU_SOURCE 1   /* pipe2(2) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ft_int.h"
#include "paperboy/log.h"

/* AddressSanitizer's shadow memory is counted as data: no memory cap under it. */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_ASAN 1
#endif
#endif
#ifndef CHILD_ASAN
#define CHILD_ASAN 0
#endif

void
ft_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

uint32_t
ft_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int
ft_child_record(int fd, int type, const void *a, size_t na, const void *b, size_t nb)
{
	unsigned char head[5];
	struct iovec v[3] = { { head, 5 }, { (void *)(uintptr_t)a, na },
			      { (void *)(uintptr_t)b, nb } };
	size_t left = 5 + na + nb;
	int iv = 0;

	head[0] = (unsigned char)type;
	ft_put32(head + 1, (uint32_t)(na + nb));
	while (left > 0) {
		ssize_t w = writev(fd, v + iv, 3 - iv);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		left -= (size_t)w;
		while (iv < 3 && (size_t)w >= v[iv].iov_len) {
			w -= (ssize_t)v[iv].iov_len;
			iv++;
		}
		if (iv < 3) {
			v[iv].iov_base = (char *)v[iv].iov_base + w;
			v[iv].iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* The process's data size (VmData, bytes), the base of the child's cap; 0 when unknown. */
static long
data_size(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmData: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? kb * 1024 : 0;
}

static void
child_limits(long data_bytes, pid_t parent)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM, SIGINT,
				    SIGHUP, SIGPIPE, SIGXCPU };
	struct rlimit cpu = { FT_CHILD_SECONDS + 5, FT_CHILD_SECONDS + 5 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);   /* the parent was gone before the line above */
	/* another thread (the web endpoint's, a delivery) may have held the log's lock */
	pb_log_off();
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	setrlimit(RLIMIT_CPU, &cpu);
#if !CHILD_ASAN
	if (data_bytes > 0) {
		struct rlimit mem = { (rlim_t)data_bytes + FT_CHILD_MEMORY,
				      (rlim_t)data_bytes + FT_CHILD_MEMORY };

		setrlimit(RLIMIT_DATA, &mem);
	}
#else
	(void)data_bytes;
#endif
}

static int64_t
now_ms(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what the child says until it ends, the deadline (unix seconds, or 0) comes,
 * FT_CHILD_SECONDS pass, or it says more than max bytes. */
static enum ft_child_end
read_child(int fd, int64_t deadline, size_t max, struct pb_buf *said)
{
	int64_t cap = now_ms(CLOCK_MONOTONIC) + FT_CHILD_SECONDS * 1000;

	for (;;) {
		int64_t left = cap - now_ms(CLOCK_MONOTONIC);
		int late = 0, r;
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (deadline > 0 && deadline * 1000 - now_ms(CLOCK_REALTIME) < left) {
			left = deadline * 1000 - now_ms(CLOCK_REALTIME);
			late = 1;
		}
		if (left <= 0)
			return late ? FT_CHILD_LATE : FT_CHILD_SLOW;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno != EINTR)
			return FT_CHILD_ENDED;
		if (r <= 0)
			continue;
		pb_buf_reserve(said, 65536);
		n = read(fd, said->data + said->len, 65536);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return FT_CHILD_ENDED;
		said->len += (size_t)n;
		said->data[said->len] = '\0';
		if (said->len > max)
			return FT_CHILD_LOUD;
	}
}

int
ft_child_run(void (*body)(void *arg, int fd), void *arg, int64_t deadline, size_t max,
	     struct pb_buf *said, struct ft_child *how, char *why, size_t whylen)
{
	long data = data_size();
	int fds[2];
	pid_t pid, self = getpid();

	memset(how, 0, sizeof *how);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "cannot start a reader: pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "cannot start a reader: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child_limits(data, self);
		body(arg, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	how->end = read_child(fds[0], deadline, max, said);
	close(fds[0]);
	if (how->end != FT_CHILD_ENDED)
		kill(pid, SIGKILL);
	while (waitpid(pid, &how->status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

void
ft_child_said(const struct ft_child *how, char *out, size_t outlen)
{
	int st = how->status;

	if (how->end == FT_CHILD_SLOW)
		snprintf(out, outlen, "took more than %d s", FT_CHILD_SECONDS);
	else if (how->end == FT_CHILD_LOUD)
		snprintf(out, outlen, "said more than any document could");
	else if (WIFSIGNALED(st))
		snprintf(out, outlen, "was stopped by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(out, outlen, "ended with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}
