// SPDX-License-Identifier: GPL-2.0
/*
 * timeout - the test guest's /usr/bin/timeout, for the kselftest runner:
 *
 *   timeout [--foreground] SECONDS COMMAND [ARG]...
 *
 * Runs COMMAND; if it has not ended after SECONDS (0: no limit), sends it
 * SIGTERM, waits for it and exits with 124, as GNU timeout does; otherwise
 * exits with COMMAND's status (128 + N if signal N ended it).  --foreground is
 * accepted and changes nothing: COMMAND always stays in the caller's
 * process group.
 *
 * Busybox's timeout would do, but its watcher is a process of its own that
 * checks once a second whether COMMAND is still there: it outlives COMMAND
 * by up to a second, and the runner nests two timeouts per test.  A test
 * that walks /proc (selftests/proc: read) then sees the previous test's
 * watchers exit under it: readdir() of their directory fails with ENOENT,
 * and the test with it.  This one is the parent of COMMAND and leaves
 * nothing behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec now, deadline, left;
	int i = 1, status;
	unsigned long secs;
	sigset_t chld;
	char *end;
	pid_t pid, done;

	if (i < argc && !strcmp(argv[i], "--foreground"))
		i++;
	if (argc - i < 2) {
		fprintf(stderr, "usage: timeout [--foreground] SECONDS COMMAND [ARG]...\n");
		return 125;
	}
	secs = strtoul(argv[i], &end, 10);
	if (end == argv[i] || (*end && strcmp(end, "s"))) {
		fprintf(stderr, "timeout: invalid duration '%s'\n", argv[i]);
		return 125;
	}

	/* SIGCHLD blocked, to be taken with sigtimedwait(): no lost wakeup. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += secs;
	pid = fork();
	if (pid < 0) {
		perror("timeout: fork");
		return 125;
	}
	if (!pid) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "timeout: %s: %s\n", argv[i + 1], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	while ((done = waitpid(pid, &status, secs ? WNOHANG : 0)) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000;
		}
		if (left.tv_sec < 0 ||
		    (sigtimedwait(&chld, NULL, &left) < 0 && errno == EAGAIN)) {
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			return 124;
		}
	}
	if (done < 0) {
		perror("timeout: waitpid");
		return 125;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
