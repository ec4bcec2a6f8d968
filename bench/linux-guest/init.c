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
 * Before the ping-pongs it times the null system calls (bench "null_syscall"): glibc's
 * syscall() with SYS_getpid and SYS_getppid (cases "getpid", "getppid": real entries into
 * the kernel, which no glibc cache can skip; getppid is what some published figures time)
 * and with a number no kernel has (case "nonexistent": the dispatcher's -ENOSYS, the
 * shortest path through the entry code), each sample one call between the TSC
 * reads, after a warm-up, like ipclab's null_syscall.  With --regions 1 each sample's call
 * is also wrapped in the cycle plugin's region markers (harness/plugin/plugin_common.h: the
 * NOPs `nopl 0x4950xxxx(%rax)` and `nopl 0x4951xxxx(%rax)`), warm-up unmarked, and a line
 * "linux-guest: region <id> = null_syscall <case>" names each region first.
 *
 * Output: one result line per case (and direction) on stdout (the console, ttyS0), as in
 * docs/results.md, with variant "linux-mitigations-<M>" and axes {"kernel": uname release,
 * "mode": --mode, "mitigations": M}, where M is what the kernel booted with: "off" for
 * `mitigations=off` on its command line (/proc/cmdline), "pti" when it has `pti=on` (KPTI
 * forced on a CPU that says it needs none), "default" when it has neither, else the
 * mitigations= word's value; every line says what sysfs says of Meltdown ("meltdown":
 * "Not affected" under QEMU's TCG CPU, even with pti=on), whether the kernel runs with
 * KPTI ("pti": its cpuinfo flag) and whether the CPU has PCID ("pcid");
 * a ping-pong line adds "switches": the context switches of the
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
 *   --only T      one transport, or null_syscall: only the null system calls
 *   --timeout S   bound on one case, in guest seconds (default 30)
 *   --regions 0|1 wrap each timed system call in the cycle plugin's markers (default 0)
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
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define BYTES          8
#define DEBUG_EXIT     0xf4     /* isa-debug-exit,iobase=0xf4 */
#define EXIT_PASS      0x10     /* QEMU status (0x10 << 1) | 1 = 33 */
#define EXIT_FAIL      0x11     /* 35 */
#define OVERHEAD_ROUNDS 1000    /* empty timed regions; their least is the overhead */
#define NO_SUCH_SYSCALL 1000    /* beyond x86-64's table, without the x32 bit */
#define SYSCALL_BENCH  "null_syscall"

struct opts {
	struct run_opts run;
	const char *mode, *unit, *only;
	int regions;                    /* wrap timed system calls in region markers */
};

/* A null system call case: glibc's syscall() with a number. */
struct syscall_case {
	const char *name;
	long nr;
	unsigned region;                /* the plugin's region ID under --regions 1 */
};

static const struct syscall_case syscall_cases[] = {
	{ "getpid", SYS_getpid, 1 },
	{ "getppid", SYS_getppid, 2 },
	{ "nonexistent", NO_SUCH_SYSCALL, 3 },
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
static int cpu_pcid = -1;                       /* /proc/cpuinfo says pcid: 1, not: 0 */
static int kernel_pti = -1;                     /* /proc/cpuinfo says pti: 1, not: 0 */
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
 * kernel lets the last one win) into out; "pti" if a `pti=on` word forces KPTI; "default"
 * if there is neither. */
static void mitigations_parse(const char *cmdline, char *out, size_t len)
{
	int forced_pti = 0;
	snprintf(out, len, "default");
	for (const char *at = cmdline; *at;) {
		size_t word = strcspn(at, " \t\n");
		if (word == 2 && strncmp(at, "--", 2) == 0)
			break;          /* what follows is /init's, not the kernel's */
		if (word > 12 && strncmp(at, "mitigations=", 12) == 0)
			snprintf(out, len, "%.*s", (int)(word - 12), at + 12);
		forced_pti |= word == 6 && strncmp(at, "pti=on", 6) == 0;
		at += word;
		at += strspn(at, " \t\n");
	}
	if (forced_pti)
		snprintf(out, len, "pti");
}

/* Whether word is one of the space-separated words of line (a /proc/cpuinfo flags line). */
static int has_word(const char *line, const char *word)
{
	size_t len = strlen(word);
	for (const char *at = strstr(line, word); at; at = strstr(at + 1, word))
		if ((at == line || at[-1] == ' ') && strchr(" \n", at[len]) && at[len])
			return 1;
	return 0;
}

/* From the first flags line of /proc/cpuinfo: whether the CPU has PCID, and whether the
 * kernel runs with KPTI (its "pti" flag: sysfs's meltdown line says "Not affected" even
 * when pti=on forces it); both stay -1 if there is no such line. */
static void cpuinfo_read(FILE *f)
{
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "flags", 5) == 0 && colon) {
			cpu_pcid = has_word(colon + 1, "pcid");
			kernel_pti = has_word(colon + 1, "pti");
			return;
		}
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
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		cpuinfo_read(f);
		fclose(f);
	}
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
		else if (strcmp(opt, "--regions") == 0)
			o->regions = (int)num_arg(opt, val, 0, 1);
		else
			usage_fail("unknown argument", opt);
		i++;
	}
}


/* The start of a result line, up to and including its statistics and what the kernel did
 * about Meltdown and Spectre v2; every figure multiplied by scale. */
static void report_head(FILE *f, const char *bench, const char *kase, const struct opts *o,
			size_t n, const struct stats *s, int64_t overhead, double scale)
{
	static const char *names[] = { "min", "median", "mean", "stddev", "p99", "max", "overhead" };
	double vals[] = { s->min, s->median, s->mean, s->stddev, s->p99, s->max,
			  (double)overhead };
	fputs(RESULT_BEGIN "{\"bench\":", f);
	json_str(f, bench);
	fputs(",\"case\":", f);
	json_str(f, kase);
	fputs(",\"variant\":", f);
	json_str(f, variant);
	fputs(",\"axes\":{\"kernel\":", f);
	json_str(f, kernel_release);
	fputs(",\"mode\":", f);
	json_str(f, o->mode);
	fputs(",\"mitigations\":", f);
	json_str(f, mitigations);
	fputs("},\"unit\":", f);
	json_str(f, o->unit);
	fprintf(f, ",\"samples\":%zu,\"iterations\":1", n);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		fprintf(f, ",\"%s\":", names[i]);
		json_num(f, vals[i] * scale);
	}
	fputs(",\"counters\":\"absent: rdtsc (the guest TSC)\",\"meltdown\":", f);
	json_str(f, meltdown);
	fputs(",\"spectre_v2\":", f);
	json_str(f, spectre_v2);
	if (cpu_pcid >= 0)
		fprintf(f, ",\"pcid\":%s", cpu_pcid ? "true" : "false");
	if (kernel_pti >= 0)
		fprintf(f, ",\"pti\":%s", kernel_pti ? "true" : "false");
}

/* One ping-pong result line; one_way halves every figure. */
static void report_line(const struct bench_case *bc, const struct opts *o,
			const struct measurement *m, const struct stats *s,
			const struct switches *sw, int one_way)
{
	char kase[64];
	FILE *f = stdout;
	snprintf(kase, sizeof(kase), "%s/same-cpu/%zuB", one_way ? "oneway" : "roundtrip",
		 bc->bytes);
	report_head(f, bc->t->name, kase, o, m->n, s, m->overhead[0], one_way ? 0.5 : 1.0);
	if (one_way)
		fputs(",\"one_way\":\"half of round trip\"", f);
	fprintf(f, ",\"bytes\":%zu,\"cpus\":[0,0],\"peer\":\"process\",\"warmup\":%d,"
		"\"vcpus\":1", bc->bytes, WARMUP);
	fprintf(f, ",\"switches\":{\"initiator_voluntary\":%ld,\"initiator_involuntary\":%ld,"
		"\"responder_voluntary\":%ld,\"responder_involuntary\":%ld,\"round_trips\":%zu}",
		sw->initiator[0], sw->initiator[1], sw->responder[0], sw->responder[1],
		(size_t)WARMUP + m->n);
	fputs("}" RESULT_END "\n", f);
}

/* The cycle plugin's marker of region id (begin or end): the ID is part of the
 * instruction, so each ID of syscall_cases has its own pair. */
static inline void region_mark(int begin, unsigned id)
{
#define MARK(n)                                                                           \
	case n:                                                                           \
		if (begin)                                                                \
			__asm__ volatile("nopl %c0(%%rax)" : : "i"(0x49500000 + n), "a"(0)); \
		else                                                                      \
			__asm__ volatile("nopl %c0(%%rax)" : : "i"(0x49510000 + n), "a"(0)); \
		break;
	switch (id) {
		MARK(1) MARK(2) MARK(3)
	default:
		break;
	}
#undef MARK
}

/* One timed call of c: its TSC interval, the call alone between region markers if marked
 * (outside them the plugin's figures would hold the TSC reads, which the guest's
 * instruction figure subtracts); *ret gets the call's result and *err its errno. */
static int64_t syscall_timed(const struct syscall_case *c, int marked, long *ret, int *err)
{
	errno = 0;
	uint64_t t0 = tsc_begin();
	if (marked)
		region_mark(1, c->region);
	*ret = syscall(c->nr);
	if (marked)
		region_mark(0, c->region);
	uint64_t t1 = tsc_end();
	*err = errno;
	return (int64_t)(t1 - t0);
}

/* The least TSC interval of an empty timed region: what each sample's reads cost. */
static int64_t syscall_overhead(void)
{
	int64_t least = INT64_MAX;
	for (int i = 0; i < OVERHEAD_ROUNDS; i++) {
		uint64_t t0 = tsc_begin();
		int64_t d = (int64_t)(tsc_end() - t0);
		least = d < least ? d : least;
	}
	return least;
}

/* Whether a call of c returned what it must: our pid, our parent's, or -1 with ENOSYS. */
static int syscall_right(const struct syscall_case *c, long ret, int err)
{
	if (c->nr == NO_SUCH_SYSCALL)
		return ret == -1 && err == ENOSYS;
	return ret == (long)(c->nr == SYS_getppid ? getppid() : getpid());
}

/* Times c (warm-up, then samples) and prints its result line, or one FAIL line; 0 if it
 * ran and every call returned what it must. */
static int syscall_case_run(const struct syscall_case *c, const struct opts *o)
{
	size_t n = o->run.samples;
	int64_t *v = calloc(n, sizeof(*v));
	long ret = 0;
	int err = 0, wrong = 0;
	if (!v) {
		printf("linux-guest: FAIL " SYSCALL_BENCH " %s: out of memory for %zu samples\n",
		       c->name, n);
		return -1;
	}
	if (o->regions)
		printf("linux-guest: region %u = " SYSCALL_BENCH " %s\n", c->region, c->name);
	fflush(stdout);
	tcdrain(STDOUT_FILENO);         /* no UART interrupts in the samples */
	int64_t overhead = syscall_overhead();
	for (size_t i = 0; i < WARMUP + n; i++) {
		int64_t d = syscall_timed(c, o->regions && i >= WARMUP, &ret, &err);
		wrong |= !syscall_right(c, ret, err);
		if (i >= WARMUP)
			v[i - WARMUP] = d;
	}
	if (wrong) {
		printf("linux-guest: FAIL " SYSCALL_BENCH " %s: syscall(%ld) returned %ld (errno "
		       "%d)\n", c->name, c->nr, ret, err);
	} else {
		struct stats s;
		stats_of(v, n, overhead, &s);
		report_head(stdout, SYSCALL_BENCH, c->name, o, n, &s, overhead, 1.0);
		printf(",\"syscall_nr\":%ld,\"warmup\":%d,\"vcpus\":1}" RESULT_END "\n", c->nr,
		       WARMUP);
	}
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	free(v);
	return wrong ? -1 : 0;
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
	       "spectre_v2: %s, pcid: %s, pti: %s; console: %s\n", kernel_release, mitigations,
	       o.run.samples, meltdown, spectre_v2,
	       cpu_pcid < 0 ? "unknown" : cpu_pcid ? "yes" : "no",
	       kernel_pti < 0 ? "unknown" : kernel_pti ? "yes" : "no", console_how);
	for (size_t k = 0; k < sizeof(syscall_cases) / sizeof(syscall_cases[0]); k++) {
		if (o.only && strcmp(o.only, SYSCALL_BENCH) != 0)
			break;
		failed |= syscall_case_run(&syscall_cases[k], &o) != 0;
		ran++;
	}
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
