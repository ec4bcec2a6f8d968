/* --perf: each case is run a second time, in a child under
 * `perf stat -e context-switches,task-clock -x,`.  The child's own results are dropped (perf
 * perturbs the timings); perf's figures for it become one key, "perf", of the results of the
 * unperturbed run. */
#define _GNU_SOURCE
#include "ipcbench.h"

#include <fcntl.h>
#include <limits.h>
#include <ipclab/result.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PERF_EVENTS "context-switches,task-clock"
#define PERF_CS     1
#define PERF_CLOCK  2
#define PERF_BOTH   (PERF_CS | PERF_CLOCK)

extern char **environ;

/* What perf stat counted. */
struct perf_figures {
	double context_switches;
	double task_clock_ms;
};

/* Starts argv with its stdout and stderr into a pipe whose read end is *out; with
 * out == NULL, stdout goes to /dev/null and stderr stays ours. */
static pid_t spawn_capture(char *const argv[], int *out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (out) {
		posix_spawn_file_actions_adddup2(&fa, p[1], 1);
		posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	}
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err || !out)
		close(p[0]);
	if (err) {
		errno = err;
		return -1;
	}
	if (out)
		*out = p[0];
	return pid;
}

/* Reads fd to its end and closes it: a malloc'd, NUL-terminated string. */
static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	for (ssize_t r = 1; buf && r != 0;) {
		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				break;
			buf = bigger;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r > 0)
			len += (size_t)r;
		else if (r < 0 && errno != EINTR)
			break;
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

/* Waits for pid: its exit status, or -1 if it did not exit normally. */
static int wait_exit(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last non-empty line of text, into out. */
static void last_line(const char *text, char *out, size_t len)
{
	const char *end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

/* Reads `perf stat -x,` lines (value,unit,event,...): which events were counted, as bits
 * PERF_CS and PERF_CLOCK. */
static int perf_parse(const char *text, struct perf_figures *f)
{
	int have = 0;
	char *copy = strdup(text ? text : ""), *rest = copy, *line;
	while (copy && (line = strsep(&rest, "\n"))) {
		char *value = strsep(&line, ","), *unit = strsep(&line, ","), *event = strsep(&line, ",");
		if (!event)
			continue;               /* a comment or a blank line */
		char *end;
		double v = strtod(value, &end);
		if (end == value || *end)
			continue;               /* <not counted>, <not supported> */
		if (strncmp(event, "context-switches", 16) == 0) {
			f->context_switches = v;
			have |= PERF_CS;
		} else if (strncmp(event, "task-clock", 10) == 0 && strcmp(unit, "msec") == 0) {
			f->task_clock_ms = v;
			have |= PERF_CLOCK;
		}
	}
	free(copy);
	return have;
}

/* 1 if `perf stat` counts both events here; else 0 and why. */
int perf_usable(char *why, size_t why_len)
{
	char *argv[] = { "perf", "stat", "-x,", "-e", PERF_EVENTS, "true", NULL };
	char line[200];
	int fd;
	pid_t pid = spawn_capture(argv, &fd);
	if (pid < 0) {
		snprintf(why, why_len, "cannot run perf: %s", strerror(errno));
		return 0;
	}
	char *out = read_all(fd);
	int status = wait_exit(pid);
	struct perf_figures f;
	int counted = status == 0 ? perf_parse(out, &f) : 0;
	last_line(out ? out : "", line, sizeof(line));
	if (status != 0)
		snprintf(why, why_len, "`perf stat -e %s true` failed (status %d): %s",
			 PERF_EVENTS, status, line);
	else if (counted != PERF_BOTH)
		snprintf(why, why_len, "`perf stat -e %s true` counted no %s", PERF_EVENTS,
			 counted & PERF_CS ? "task-clock" : "context-switches");
	free(out);
	return counted == PERF_BOTH;
}

/* Reads and removes perf's output file. */
static char *perf_log_take(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text = fd >= 0 ? read_all(fd) : NULL;
	unlink(path);
	return text;
}

/* The command that runs case case_index of this program (self) under perf stat, which
 * writes its figures to log.  The strings live in num, three numbers of 24 bytes. */
static void perf_command(char *argv[20], char num[3][24], const char *self, const char *log,
			 const struct run_opts *o, const char *only, size_t case_index)
{
	int n = 0;
	snprintf(num[0], 24, "%zu", o->samples);
	snprintf(num[1], 24, "%u", o->timeout_s);
	snprintf(num[2], 24, "%zu", case_index);
	const char *head[] = { "perf", "stat", "-x,", "-o", log, "-e", PERF_EVENTS, "--", self,
			       "--samples", num[0], "--timeout", num[1], "--case-index", num[2] };
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		argv[n++] = (char *)head[i];
	if (only) {
		argv[n++] = "--only";
		argv[n++] = (char *)only;
	}
	if (o->stall_peer)
		argv[n++] = "--stall-peer";
	argv[n] = NULL;
}

/* Runs case case_index of this program under perf stat: 0 and json = "perf":{...}, or -1. */
int perf_case_figures(const char *self, const struct run_opts *o, const char *only,
		      size_t case_index, char *json, size_t json_len)
{
	char log[PATH_MAX], num[3][24], line[200], *argv[20];
	const char *tmp = getenv("TMPDIR");
	snprintf(log, sizeof(log), "%s/ipcbench-perf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int lfd = mkstemp(log);
	if (lfd < 0) {
		fprintf(stderr, "ipcbench: --perf: cannot make %s: %s\n", log, strerror(errno));
		return -1;
	}
	close(lfd);
	perf_command(argv, num, self, log, o, only, case_index);
	pid_t pid = spawn_capture(argv, NULL);
	int status = pid < 0 ? -1 : wait_exit(pid);
	char *perf_log = perf_log_take(log);
	struct perf_figures f;
	int counted = status == 0 && perf_parse(perf_log, &f) == PERF_BOTH;
	if (counted) {
		size_t round_trips = WARMUP + o->samples;
		snprintf(json, json_len, "\"perf\":{\"context_switches\":%.0f,\"task_clock_ms\":%.3f,"
			 "\"round_trips\":%zu,\"context_switches_per_round_trip\":%.3f,"
			 "\"scope\":\"a second run of this case under perf stat: both processes; "
			 "setup, overhead, warm-up and samples\"}",
			 f.context_switches, f.task_clock_ms, round_trips,
			 f.context_switches / (double)round_trips);
	} else {
		last_line(perf_log ? perf_log : "", line, sizeof(line));
		fprintf(stderr, "ipcbench: --perf: case %zu: no figures (perf status %d)%s%s\n",
			case_index, status, *line ? ": " : "", line);
	}
	free(perf_log);
	return counted ? 0 : -1;
}
