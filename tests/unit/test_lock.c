/* The instance lock: one holder per state directory, the holder's pid in the message, the
 * lock gone with its holder (release or death), and pb_lock_holder for `paperboy status`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paperboy/lock.h"
#include "t.h"

int
main(void)
{
	char dir[] = "/tmp/pb-test-lock-XXXXXX", err[512], want[600], cmd[600];
	struct pb_lock *a, *b;
	int fds[2];
	pid_t child;
	char c;

	if (!mkdtemp(dir))
		return 1;
	T_EQ_INT(pb_lock_holder(dir), 0);   /* no file yet */
	a = pb_lock_acquire(dir, err, sizeof err);
	T_CHECK(a != NULL);
	T_EQ_INT(pb_lock_holder(dir), (long)getpid());
	/* A second acquisition (another open file description) is refused, naming the holder. */
	b = pb_lock_acquire(dir, err, sizeof err);
	T_CHECK(b == NULL);
	snprintf(want, sizeof want, "another paperboy (pid %ld) holds %s/paperboy.lock",
		 (long)getpid(), dir);
	T_EQ_STR(err, want);
	pb_lock_release(a);
	T_EQ_INT(pb_lock_holder(dir), 0);
	b = pb_lock_acquire(dir, err, sizeof err);
	T_CHECK(b != NULL);
	pb_lock_release(b);
	pb_lock_release(NULL);

	/* A holder killed with SIGKILL leaves no lock behind. */
	if (pipe(fds) < 0)
		return 1;
	child = fork();
	if (child == 0) {
		struct pb_lock *l = pb_lock_acquire(dir, err, sizeof err);

		if (write(fds[1], l ? "y" : "n", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	T_EQ_INT(read(fds[0], &c, 1), 1);
	T_EQ_INT(c, 'y');
	T_EQ_INT(pb_lock_holder(dir), (long)child);
	b = pb_lock_acquire(dir, err, sizeof err);
	T_CHECK(b == NULL);
	snprintf(want, sizeof want, "(pid %ld)", (long)child);
	T_CHECK(strstr(err, want) != NULL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	b = pb_lock_acquire(dir, err, sizeof err);
	T_CHECK(b != NULL);
	pb_lock_release(b);

	/* A directory that does not exist is an error with a reason, not a crash. */
	b = pb_lock_acquire("/nonexistent/pb-dir", err, sizeof err);
	T_CHECK(b == NULL);
	T_CHECK(strstr(err, "cannot open") != NULL);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return t_done("test_lock");
}
