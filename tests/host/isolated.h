/* Running a host check in a child process, for code under test that may
 * hang or crash: the watchdog here only stops a hung child, it judges no
 * speed. */
#ifndef ISOLATED_H
#define ISOLATED_H

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Run fn in a child process.  Returns 0 if it exited with status 0 in time;
 * else fills why. */
static int isolated(int (*fn)(void), unsigned timeout_ms, char *why, size_t whylen)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork failed");
		return -1;
	}
	if (pid == 0)
		_exit(fn());
	int status;
	for (unsigned waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, whylen, "did not finish within %u ms (an endless loop?)", timeout_ms);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "crashed with signal %d", WTERMSIG(status));
		return -1;
	}
	if (WEXITSTATUS(status)) {
		snprintf(why, whylen, "exited with status %d (1: a sanitizer report, see stderr)",
			 WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

#endif
