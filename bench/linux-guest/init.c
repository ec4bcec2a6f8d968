/* /init of the Linux guest: the host baselines' ping-pongs inside a Linux guest booted by
 * harness/linuxguest.py under QEMU icount, so that Linux and ipclab figures share a unit.
 *
 * It runs as PID 1 of a tiny initramfs whose only other entries are /dev and /dev/console.
 * The transports and the measuring (warm-up, overhead, per-case time bound) are
 * bench/host/transports.c and bench/host/run.c, linked in unchanged with
 * bench/host/counters_none.c: the clock is the TSC (lfence; rdtsc ... lfence; rdtsc; lfence),
 * which counts instructions under `-icount shift=0`.  Only same-cpu 8-byte cases run: the
 * guest has one vCPU.
 *
 * Output: one result line per case and direction on stdout (the console, ttyS0), as in
 * docs/results.md, with variant "linux-mitigations-<M>" and axes {"kernel": uname release,
 * "mode": --mode, "mitigations": M}, where M is what the kernel booted with: "off" for
 * `mitigations=off` on its command line (/proc/cmdline), "default" when the command line has
 * no mitigations= word, else the word's value; plus "switches": the context switches of the
 * initiator and of the responder during the whole case (getrusage), which tell whether the
 * responder blocked (voluntary) or was preempted by the initiator's wakeup (involuntary) in
 * each round trip; notes and failures as "linux-guest: ..." lines.  Then it powers the
 * machine off through QEMU's isa-debug-exit device at port 0xf4 (code 0x10 all cases ran,
 * 0x11 one failed: QEMU exits with status 33 or 35), or reboot(RB_POWER_OFF) when that
 * device cannot be reached.
 *
 * Arguments (the kernel passes what follows `--` on its command line, after any word of its
 * own command line that it did not recognise, such as `nokaslr`: such words are skipped):
 *   --samples N   timed round trips per case (default 10000)
 *   --mode M      the "mode" axis (default icount)
 *   --unit U      the unit the TSC counts in (default instructions)
 *   --only T      one transport
 *   --timeout S   bound on one case, in guest seconds (default 30)
 */
#define _GNU_SOURCE
#include "counters.h"
#include "ipcbench.h"

#include <ipclab/result.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define BYTES          8
#define DEBUG_EXIT     0xf4     /* isa-debug-exit,iobase=0xf4 */
#define EXIT_PASS      0x10     /* QEMU status (0x10 << 1) | 1 = 33 */
#define EXIT_FAIL      0x11     /* 35 */

struct opts {
	struct run_opts run;
	const char *mode, *unit, *only;
};

/* Context switches during one case (overhead batches, warm-up and samples): the
 * initiator's (this process) and the responder's (a reaped child), from getrusage. */
struct switches {
	long initiator[2], responder[2];        /* voluntary, involuntary */
};

static char kernel_release[65] = "unknown";
static char mitigations[64] = "unknown";        /* from /proc/cmdline: off, default, ... */
static char variant[96] = "linux-mitigations-unknown";
static char meltdown[128] = "unknown", spectre_v2[256] = "unknown";
static const char *console_how = "the kernel opened /dev/console";

/* Stops the machine: QEMU's debug-exit device if we may reach it, else a power-off. */
static void power_off(int code)
{
	fflush(NULL);
	tcdrain(STDOUT_FILENO);         /* the console's last bytes out of the UART first */
	sync();
	if (ioperm(DEBUG_EXIT, 4, 1) == 0)
		outb((unsigned char)code, DEBUG_EXIT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();                /* PID 1 must not exit: that panics the kernel */
}

/* Makes sure fds 0-2 are the console: the kernel opens /dev/console of the initramfs for
 * us; if that failed (no such node), mount devtmpfs on /dev and open it from there. */
static void console_open(void)
{
	if (fcntl(STDOUT_FILENO, F_GETFD) == 0)
		return;
	mkdir("/dev", 0755);
	console_how = "opened /dev/console itself";
	if (access("/dev/console", F_OK) != 0) {
		console_how = "mounted devtmpfs on /dev for /dev/console";
		if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0) {
			console_how = "made /dev/console with mknod";
			mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
		}
	}
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		power_off(EXIT_FAIL);   /* nowhere to say anything */
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* The first line of a file, without its newline, into buf; buf unchanged if unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/* The value of the last `mitigations=` word of a kernel command line before `--` (the
 * kernel lets the last one win) into out; "default" if there is none. */
static void mitigations_parse(const char *cmdline, char *out, size_t len)
{
	snprintf(out, len, "default");
	for (const char *at = cmdline; *at;) {
		size_t word = strcspn(at, " \t\n");
		if (word == 2 && strncmp(at, "--", 2) == 0)
			break;          /* what follows is /init's, not the kernel's */
		if (word > 12 && strncmp(at, "mitigations=", 12) == 0)
			snprintf(out, len, "%.*s", (int)(word - 12), at + 12);
		at += word;
		at += strspn(at, " \t\n");
	}
}

/* What the kernel was told about mitigations, from /proc/cmdline (proc mounted for this
 * and unmounted): the label of every result, so that it says what was measured. */
static void mitigations_read(void)
{
	char cmdline[4096] = "";
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		return;         /* stays "unknown": the harness refuses such results */
	FILE *f = fopen("/proc/cmdline", "r");
	if (f && fgets(cmdline, sizeof(cmdline), f))
		mitigations_parse(cmdline, mitigations, sizeof(mitigations));
	if (f)
		fclose(f);
	umount("/proc");
	snprintf(variant, sizeof(variant), "linux-mitigations-%s", mitigations);
}

/* The kernel release and what it does about Meltdown (KPTI) and Spectre v2, which decide
 * much of a system call's cost.  Needs sysfs, mounted read-only for this and unmounted. */
static void facts_read(void)
{
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(kernel_release, sizeof(kernel_release), "%s", u.release);
	mkdir("/sys", 0555);
	if (mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		return;
	read_line("/sys/devices/system/cpu/vulnerabilities/meltdown", meltdown, sizeof(meltdown));
	read_line("/sys/devices/system/cpu/vulnerabilities/spectre_v2", spectre_v2,
		  sizeof(spectre_v2));
	umount("/sys");
}

static void usage_fail(const char *what, const char *arg)
{
	printf("linux-guest: FAIL bad argument: %s '%s'\n", what, arg ? arg : "");
	power_off(EXIT_FAIL);
}

static long num_arg(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || v < lo || v > hi)
		usage_fail(opt, s);
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .run = { .samples = 10000, .timeout_s = 30, .cpu = { 0, -1 } },
			    .mode = "icount", .unit = "instructions" };
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strncmp(opt, "--", 2) != 0)
			continue;       /* a kernel argument the kernel passed on */
		if (strcmp(opt, "--samples") == 0)
			o->run.samples = (size_t)num_arg(opt, val, 1, 10000000);
		else if (strcmp(opt, "--timeout") == 0)
			o->run.timeout_s = (unsigned)num_arg(opt, val, 1, 3600);
		else if (strcmp(opt, "--mode") == 0 && val)
			o->mode = val;
		else if (strcmp(opt, "--unit") == 0 && val)
			o->unit = val;
		else if (strcmp(opt, "--only") == 0 && val)
			o->only = val;
		else
			usage_fail("unknown argument", opt);
		i++;
	}
}





/* One result line; one_way halves every figure. */
static void report_line(const struct bench_case *bc, const struct opts *o,
			const struct measurement *m, const struct stats *s,
			const struct switches *sw, int one_way)
{
	static const char *names[] = { "min", "median", "mean", "stddev", "p99", "max", "overhead" };
	double vals[] = { s->min, s->median, s->mean, s->stddev, s->p99, s->max,
			  (double)m->overhead[0] };
	double scale = one_way ? 0.5 : 1.0;
	FILE *f = stdout;
	fprintf(f, RESULT_BEGIN "{\"bench\":\"%s\",\"case\":\"%s/same-cpu/%zuB\",\"variant\":",
		bc->t->name, one_way ? "oneway" : "roundtrip", bc->bytes);
	json_str(f, variant);
	fputs(",\"axes\":{\"kernel\":", f);
	json_str(f, kernel_release);
	fputs(",\"mode\":", f);
	json_str(f, o->mode);
	fputs(",\"mitigations\":", f);
	json_str(f, mitigations);
	fputs("},\"unit\":", f);
	json_str(f, o->unit);
	fprintf(f, ",\"samples\":%zu,\"iterations\":1", m->n);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		fprintf(f, ",\"%s\":", names[i]);
		json_num(f, vals[i] * scale);
	}
	fputs(",\"counters\":\"absent: rdtsc (the guest TSC)\"", f);
	if (one_way)
		fputs(",\"one_way\":\"half of round trip\"", f);
	fprintf(f, ",\"bytes\":%zu,\"cpus\":[0,0],\"peer\":\"process\",\"warmup\":%d,"
		"\"vcpus\":1,\"meltdown\":", bc->bytes, WARMUP);
	json_str(f, meltdown);
	fputs(",\"spectre_v2\":", f);
	json_str(f, spectre_v2);
	fprintf(f, ",\"switches\":{\"initiator_voluntary\":%ld,\"initiator_involuntary\":%ld,"
		"\"responder_voluntary\":%ld,\"responder_involuntary\":%ld,\"round_trips\":%zu}",
		sw->initiator[0], sw->initiator[1], sw->responder[0], sw->responder[1],
		(size_t)WARMUP + m->n);
	fputs("}" RESULT_END "\n", f);
}

/* Measures one case and prints its two lines, or one FAIL line; 0 if it ran. */
static int case_run(const struct bench_case *bc, const struct opts *o)
{
	char why[256];
	struct measurement m = { .hw = 0 };
	struct rusage self[2], child[2];
	struct switches sw;
	m.v[0] = calloc(o->run.samples, sizeof(int64_t));
	m.v[1] = calloc(o->run.samples, sizeof(int64_t));
	int rc = -1;
	if (!m.v[0] || !m.v[1])
		snprintf(why, sizeof(why), "out of memory for %zu samples", o->run.samples);
	else {
		getrusage(RUSAGE_SELF, &self[0]);
		getrusage(RUSAGE_CHILDREN, &child[0]);
		rc = run_case(bc, &o->run, &m, why, sizeof(why));
		getrusage(RUSAGE_SELF, &self[1]);
		getrusage(RUSAGE_CHILDREN, &child[1]);  /* run_case reaped the responder */
	}
	if (rc == 0) {
		struct stats s;
		sw = (struct switches){
			{ self[1].ru_nvcsw - self[0].ru_nvcsw, self[1].ru_nivcsw - self[0].ru_nivcsw },
			{ child[1].ru_nvcsw - child[0].ru_nvcsw, child[1].ru_nivcsw - child[0].ru_nivcsw } };
		stats_of(m.v[0], m.n, m.overhead[0], &s);
		report_line(bc, o, &m, &s, &sw, 0);
		report_line(bc, o, &m, &s, &sw, 1);
	} else {
		printf("linux-guest: FAIL %s same-cpu/%zuB: %s\n", bc->t->name, bc->bytes, why);
	}
	/* Out through the UART before the next case, so that its interrupts do not land in
	 * the next case's samples. */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	free(m.v[0]);
	free(m.v[1]);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	console_open();
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv, &o);
	facts_read();
	mitigations_read();
	run_install_signals();
	int failed = 0, ran = 0;
	printf("linux-guest: kernel %s, mitigations %s, %zu samples per case, meltdown: %s, "
	       "spectre_v2: %s; console: %s\n", kernel_release, mitigations, o.run.samples,
	       meltdown, spectre_v2, console_how);
	for (size_t t = 0; t < transports_len; t++) {
		if (o.only && strcmp(o.only, transports[t].name) != 0)
			continue;
		struct bench_case bc = { &transports[t], 0, BYTES };
		failed |= case_run(&bc, &o) != 0;
		ran++;
	}
	if (!ran)
		usage_fail("--only names no transport", o.only);
	printf("linux-guest: done: %d cases, %s\n", ran, failed ? "some failed" : "all ran");
	power_off(failed ? EXIT_FAIL : EXIT_PASS);
}
