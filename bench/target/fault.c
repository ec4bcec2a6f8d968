/* A fault round trip without a mapping, as sel4bench's fault benchmark
 * measures one: the faulting thread loads from an unmapped address, the
 * kernel delivers the page fault to its handler (the thread's pager, a
 * thread of the same space), and the handler replies FAULT_RESUME_AT with
 * the instruction after the load, so the faulter goes on without any page
 * being mapped.  Only fault delivery, the handler's receive and its
 * reply-and-resume are timed.  Round i faults at REGION + 8 i; the handler
 * checks every message (address, access, instruction) and stops the faulter
 * at the first wrong one; the faulter checks that the registers the load and
 * a system-call return would clobber (rax, rcx, r11) come back as it left
 * them. */
#include "bench.h"

#define FAULTER (CLIENT0 + 7)
#define REGION 0x300000000ul          /* 12 GiB up: never mapped */
#define FAULT_ACCESS 4ul              /* #PF error code: a user read, not present */

/* Loads from addr with rax, rcx and r11 set to keep; the handler resumes it
 * at fault_resume, past the load.  Returns 0 if the three registers still
 * hold keep there. */
uint64_t fault_touch(uint64_t addr, uint64_t keep);
extern const char fault_load[], fault_resume[];
asm(".text\n"
    ".globl fault_touch, fault_load, fault_resume\n"
    "fault_touch:\n"
    "	mov %rsi, %rax\n"
    "	mov %rsi, %rcx\n"
    "	mov %rsi, %r11\n"
    "fault_load:\n"
    "	mov (%rdi), %rax\n"           /* the fault: never completes */
    "fault_resume:\n"
    "	xor %rsi, %rax\n"
    "	xor %rsi, %rcx\n"
    "	xor %rsi, %r11\n"
    "	or %rcx, %rax\n"
    "	or %r11, %rax\n"
    "	ret\n");

static uint64_t *fault_samples;
static unsigned fault_warmup, fault_n;
/* What the handler saw: faults served, and the first wrong word (its round + 1). */
static volatile uint64_t served, bad_round, bad_word, bad_expected, bad_seen;
/* The first round whose registers came back changed (+ 1), and how. */
static volatile uint64_t faulter_bad, faulter_seen;

/* Fault message m of round i is wrong: note its first wrong word (once)
 * and return the reply that stops the faulter. */
static __attribute__((noinline)) uint64_t fault_wrong(const struct ipc_msg *m, unsigned i)
{
	const uint64_t expected[FAULT_MSG_WORDS] = {
		[FAULT_MSG_ADDR] = REGION + 8ul * i, [FAULT_MSG_ACCESS] = FAULT_ACCESS,
		[FAULT_MSG_RIP] = (uint64_t)fault_load,
	};
	unsigned k = 0;
	while (k < FAULT_MSG_WORDS && m->w[k] == expected[k])
		k++;
	if (!bad_round) {
		bool len = m->len != FAULT_MSG_WORDS * 8;
		bad_round = i + 1;
		bad_word = len ? LEN_WORD : k;
		bad_expected = len ? FAULT_MSG_WORDS * 8 : expected[k];
		bad_seen = len ? m->len : m->w[k];
	}
	return 1;
}

/* The handler: one message per fault, checked in one comparison; a wrong
 * one stops the faulter (fault_wrong), a right one resumes it past the
 * load.  Ends with its endpoint. */
static void handler(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	uint64_t i = 0;
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		uint64_t verdict = FAULT_RESUME_AT;
		if ((m.len ^ FAULT_MSG_WORDS * 8) | (m.w[FAULT_MSG_ADDR] ^ (REGION + 8 * i)) |
		    (m.w[FAULT_MSG_ACCESS] ^ FAULT_ACCESS) | (m.w[FAULT_MSG_RIP] ^ (uint64_t)fault_load))
			verdict = fault_wrong(&m, (unsigned)i);
		served = ++i;
		m.w[0] = verdict;
		m.w[FAULT_REPLY_RIP] = (uint64_t)fault_resume;
		m.len = 16;
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(0);
}

/* Runs below the handler's priority and ours: it starts once we wait for it. */
static void faulter(uint64_t unused)
{
	(void)unused;
	for (unsigned i = 0; i < fault_warmup + fault_n; i++) {
		round_begin(i, fault_warmup);
		uint64_t keep = pattern(i, 0);
		fp_begin();
		uint64_t t0 = tsc_begin();
		uint64_t changed = fault_touch(REGION + 8ul * i, keep);
		uint64_t t1 = tsc_end();
		fp_end();
		if (changed && !faulter_bad) {
			faulter_bad = i + 1;
			faulter_seen = changed;
		}
		fault_samples[sample_slot(i, fault_warmup)] = t1 - t0;
	}
	sys_exit(0);
}

/* After the rounds: every fault delivered right, once, and every round
 * resumed with its registers. */
static long check_faults(const struct bench_case *c, uint64_t how, unsigned rounds)
{
	if (bad_round)
		return check_word_failed(c, (unsigned)bad_round - 1, (unsigned)bad_word, bad_expected,
					 bad_seen);
	if (how != JOIN_EXITED || served != rounds) {
		printf("bench: %s %s: %lu faults served of %u, the faulter %s\n", c->bench, c->name,
		       (uint64_t)served, rounds, how == JOIN_EXITED ? "exited" : "was stopped");
		return E_BENCH_CHECK;
	}
	if (faulter_bad) {
		printf("bench: %s %s: iteration %lu: rax, rcx or r11 changed across the fault "
		       "(xor with what they held: 0x%lx)\n", c->bench, c->name,
		       (uint64_t)faulter_bad - 1, (uint64_t)faulter_seen);
		return E_BENCH_CHECK;
	}
	return 0;
}

long bench_fault(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	uint64_t how, code, addr;
	fault_samples = s;
	fault_warmup = warmup;
	fault_n = n;
	served = bad_round = faulter_bad = 0;
	long err = server_start(SAME_SPACE, handler, 0);
	if (err || (err = thread_spawn(faulter, 0, FAULTER, BENCH_PRIO - 1)) ||
	    (err = sys_thread_pager(FAULTER, EP)) ||
	    (err = sys_thread_join(FAULTER, &how, &code, &addr)))
		return err;
	sys_cap_delete(FAULTER);
	long stop = server_stop();
	long bad = check_faults(c, how, warmup + n);
	return bad ? bad : stop;
}
