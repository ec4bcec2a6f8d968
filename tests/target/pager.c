/* User-level pagers: a page fault of a thread with a pager reaches the pager
 * as a call (address, access, instruction) with the pager capability's
 * badge; the pager maps a frame and replies FAULT_RESUME, and the thread
 * goes on as if the page had been there.  A pager that refuses, dies or
 * loses its endpoint gets the thread stopped and reported like any fault.
 * The paged threads run in a space of their own (a fresh copy of this
 * program), as a pager's clients would. */
#include "ktest.h"
#include "ipc.h"

#define P_EP (SLOT_FREE + 90)        /* the pager's endpoint or port */
#define P_EP_BADGED (SLOT_FREE + 91) /* ... the capability the kernel calls through */
#define P_SPACE (SLOT_FREE + 92)     /* the paged space */
#define P_THREAD (SLOT_FREE + 93)    /* the paged thread */
#define P_PAGER (SLOT_FREE + 94)     /* the pager thread */
#define P_BADGE 0x7a6eul
#define P_BASE 0x50000000ul          /* nothing is mapped here until the pager says */
#define P_PAGES 16
#define P_WORDS (P_PAGES * 4096 / 8)

/* What the pager saw, for the test to check. */
static volatile uint64_t faults, bad_messages, last_addr, last_access, last_rip;
enum pager_mode { PAGER_MAPS, PAGER_REFUSES_SECOND, PAGER_DIES };
static volatile enum pager_mode mode;

/* Runs in the paged space: fill the region, then read it all back.  Every
 * first touch of a page is a write fault its pager resolves. */
static void paged_worker(uint64_t seed)
{
	volatile uint64_t *w = (volatile uint64_t *)P_BASE;
	for (uint64_t i = 0; i < P_WORDS; i++)
		w[i] = seed ^ (i * 0x9e3779b97f4a7c15ul);
	for (uint64_t i = 0; i < P_WORDS; i++)
		if (w[i] != (seed ^ (i * 0x9e3779b97f4a7c15ul)))
			sys_exit(1000 + i);
	sys_exit(0);
}

/* The pager: a message per fault, checked; then map (into the paged
 * space), refuse, or die holding the call, per mode.  Ends when its
 * endpoint is destroyed. */
static void pager(uint64_t arg)
{
	(void)arg;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(P_EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		faults++;
		if (m.badge != P_BADGE || m.len != (IPC_MSG_MAX < 24 ? IPC_MSG_MAX : 24u))
			bad_messages++;
		last_addr = m.w[FAULT_MSG_ADDR];
		last_access = m.w[FAULT_MSG_ACCESS];
		last_rip = m.w[FAULT_MSG_RIP];
		uint64_t verdict = FAULT_RESUME;
		if (mode == PAGER_DIES)
			sys_exit(0);
		if (mode == PAGER_REFUSES_SECOND)
			verdict = faults >= 2;          /* the first: resume without mapping */
		else if (last_addr - P_BASE >= P_PAGES * 4096 ||
			 sys_map(SLOT_MEMORY, P_SPACE, last_addr & ~0xffful, 1, MAP_WRITE))
			verdict = 1;
		m.len = 8;
		m.w[0] = verdict;
		err = ipc_reply_recv(P_EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(err == E_DEAD ? 0 : 100 + (uint64_t)err);
}

/* A paged space running paged_worker, its pager's capability badged, and
 * (unless skipped) the pager thread.  The worker runs below our priority,
 * so nothing of it runs before its pager is set. */
static long start(enum pager_mode m, bool with_pager)
{
	uint64_t entry, stack;
	long err;
	faults = bad_messages = last_addr = last_access = last_rip = 0;
	mode = m;
	if ((err = ipc_create(P_EP)) ||
	    (err = sys_cap_copy_badged(P_EP, SLOT_SELF, P_EP_BADGED, RIGHT_SEND, P_BADGE)) ||
	    (err = sys_space_create(P_SPACE)) ||
	    (err = sys_module_load(SLOT_SELF_IMAGE, P_SPACE, SLOT_MEMORY, "paged", 5, &entry, &stack)) ||
	    (err = sys_thread_create(P_SPACE, P_THREAD, (uint64_t)paged_worker, stack - 8, 42,
				     TEST_PRIO - 1)) ||
	    (err = sys_thread_pager(P_THREAD, P_EP_BADGED)))
		return err;
	return with_pager ? spawn(pager, 0, P_PAGER) : IPC_OK;
}

/* Destroy the endpoint and the space; the pager, if any, must end cleanly. */
static void finish(bool with_pager)
{
	uint64_t how, code, addr;
	EXPECT_OK(sys_cap_delete(P_EP));
	if (with_pager) {
		EXPECT_OK(join(P_PAGER, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 0, "pager: how %lu code %lu", how, code);
	}
	EXPECT_OK(sys_cap_delete(P_SPACE));
}

void test_pager_demand(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(start(PAGER_MAPS, true));
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "paged thread: how %lu code %lu addr %p", how,
	       code, (void *)addr);
	EXPECT(faults == P_PAGES, "%lu faults for %u pages", faults, P_PAGES);
	EXPECT(bad_messages == 0, "%lu fault messages with a wrong badge or length", bad_messages);
	EXPECT(last_addr >> 12 == (P_BASE >> 12) + P_PAGES - 1, "last fault at %p",
	       (void *)last_addr);
	finish(true);
	SKIP_IF(IPC_MSG_MAX < FAULT_MSG_WORDS * 8, "the fault message is cut to %u bytes here: "
		"its access and rip words, which this test checks, do not come", IPC_MSG_MAX);
	EXPECT((last_access & 0x7) == 0x6, "access %lx: not a user write to a missing page",
	       last_access);
	EXPECT(last_rip >= USER_IMAGE_BASE && last_rip < USER_IMAGE_BASE + 0x100000,
	       "fault rip %p is not in the program", (void *)last_rip);
}

/* The pager says resume without mapping: the same fault comes again; then
 * it refuses and the thread is stopped at that address. */
void test_pager_refuses(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(start(PAGER_REFUSES_SECOND, true));
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == P_BASE,
	       "paged thread: how %lu code %lu addr %p", how, code, (void *)addr);
	EXPECT(faults == 2 && last_addr == P_BASE, "%lu faults, last at %p", faults,
	       (void *)last_addr);
	finish(true);
}

static void destroyer(uint64_t slot)
{
	sys_exit((uint64_t)sys_cap_delete(slot));
}

/* A pager that dies holding the fault, and an endpoint destroyed with a
 * fault queued on it: either way the thread is stopped, not left hanging. */
void test_pager_dies(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(start(PAGER_DIES, true));
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == P_BASE,
	       "paged thread, pager died: how %lu code %lu addr %p", how, code, (void *)addr);
	EXPECT(faults == 1, "%lu faults", faults);
	EXPECT_OK(join(P_PAGER, &how, &code, &addr));
	EXPECT_OK(sys_cap_delete(P_EP));
	EXPECT_OK(sys_cap_delete(P_EP_BADGED));
	EXPECT_OK(sys_cap_delete(P_SPACE));

	/* No one receives: the fault waits in the queue until the destroyer,
	 * which runs only once the worker is blocked, deletes the endpoint. */
	EXPECT_OK(start(PAGER_MAPS, false));
	EXPECT_OK(thread_spawn(destroyer, P_EP, P_PAGER, TEST_PRIO - 2));
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == P_BASE,
	       "paged thread, endpoint destroyed: how %lu code %lu addr %p", how, code,
	       (void *)addr);
	EXPECT_OK(join(P_PAGER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == IPC_OK, "destroyer: how %lu code %lu", how, code);
	EXPECT_OK(sys_cap_delete(P_SPACE));
}

/* Bad arguments get errors and change nothing. */
void test_pager_bad_args(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(ipc_create(P_EP));
	EXPECT_OK(sys_cap_copy(P_EP, SLOT_SELF, P_EP_BADGED, RIGHT_RECV));
	EXPECT_OK(spawn(paged_worker, 1, P_THREAD));            /* faults: it has no pager */
	EXPECT(sys_thread_pager(P_THREAD, CAP_SLOTS) == E_BADCAP, "slot out of range");
	EXPECT(sys_thread_pager(P_THREAD, P_SPACE) == E_BADCAP, "empty slot");
	EXPECT(sys_thread_pager(P_THREAD, SLOT_CONSOLE) == E_BADCAP, "the console as pager");
	EXPECT(sys_thread_pager(P_THREAD, P_EP_BADGED) == E_RIGHTS, "no send right");
	EXPECT(sys_thread_pager(SLOT_CONSOLE, P_EP) == E_BADCAP, "not a thread");
	EXPECT(sys_thread_pager(P_SPACE, P_EP) == E_BADCAP, "empty thread slot");
	EXPECT_OK(sys_thread_join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF, "no pager: how %lu code %lu", how, code);
	EXPECT(sys_thread_pager(P_THREAD, P_EP) == E_DEAD, "a dead thread takes a pager");
	EXPECT_OK(sys_cap_delete(P_THREAD));
	EXPECT_OK(thread_spawn(paged_worker, 1, P_THREAD, TEST_PRIO - 1));
	EXPECT_OK(sys_cap_copy(P_EP, SLOT_SELF, P_SPACE, RIGHT_SEND));
	EXPECT_OK(sys_cap_delete(P_EP));                          /* destroyed */
	EXPECT(sys_thread_pager(P_THREAD, P_SPACE) == E_DEAD, "a destroyed endpoint as pager");
	EXPECT_OK(sys_thread_join(P_THREAD, &how, &code, &addr));
	EXPECT_OK(sys_cap_delete(P_THREAD));
	EXPECT_OK(sys_cap_delete(P_SPACE));
}

/* --- A pager in the same space, for the tests below -------------------------- */

#define Q_SVC (SLOT_FREE + 95)       /* a service endpoint or port */
#define Q_SERVER (SLOT_FREE + 96)
#define Q_BASE 0x51000000ul          /* our own region, mapped by self_pager */

/* Maps each faulting page into our own space and resumes; ends with its
 * endpoint. */
static void self_pager(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(P_EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		faults++;
		m.w[0] = sys_map(SLOT_MEMORY, SLOT_SELF, m.w[FAULT_MSG_ADDR] & ~0xffful, 1,
				 MAP_WRITE) ? 1 : FAULT_RESUME;
		m.len = 8;
		err = ipc_reply_recv(P_EP, &m, TIMEOUT_FOREVER);
	}
	sys_exit(0);
}

/* A server that touches demand-paged memory while it holds a call. */
static void touching_server(uint64_t base)
{
	struct ipc_msg m = { 0 };
	long err = ipc_recv(Q_SVC, &m, TIMEOUT_FOREVER);
	for (uint64_t i = 0; err == IPC_OK; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(base + i * 4096);
		*p = m.w[0];                             /* a fault, served by the pager */
		m.len = 8;
		m.w[0] = *p + 1;
		err = ipc_reply_recv(Q_SVC, &m, TIMEOUT_FOREVER);
	}
	sys_exit(0);
}

/* A fault leaves the thread as it was: a server that faults while it
 * holds a call can still answer it (async: its reply right survives the
 * kernel's call to the pager). */
void test_pager_fault_keeps_reply(void)
{
	uint64_t how, code, addr;
	faults = 0;
	EXPECT_OK(ipc_create(Q_SVC));
	EXPECT_OK(ipc_create(P_EP));
	EXPECT_OK(spawn(self_pager, 0, P_PAGER));
	EXPECT_OK(spawn(touching_server, Q_BASE, Q_SERVER));
	EXPECT_OK(sys_thread_pager(Q_SERVER, P_EP));
	for (uint64_t i = 0; i < 3; i++) {
		struct ipc_msg m = { .len = 8 };
		m.w[0] = 41 + i;
		long err = ipc_call(Q_SVC, &m, TIMEOUT_FOREVER);
		EXPECT(err == IPC_OK && m.w[0] == 42 + i, "call %lu, answered after the server's "
		       "fault: error %ld, word %lu", i, err, m.w[0]);
	}
	EXPECT(faults == 3, "%lu faults", faults);
	EXPECT_OK(sys_cap_delete(Q_SVC));
	EXPECT_OK(join(Q_SERVER, &how, &code, &addr));
	EXPECT_OK(sys_cap_delete(P_EP));
	EXPECT_OK(join(P_PAGER, &how, &code, &addr));
}

/* Every general register as it was across a fault the pager serves. */
static void register_worker(uint64_t addr)
{
	uint64_t bad;
	asm volatile(
		"push %%rbp\n"
		"mov $0x1111, %%rax\n mov $0x2222, %%rbx\n mov $0x3333, %%rcx\n"
		"mov $0x4444, %%rdx\n mov $0x5555, %%rsi\n mov $0x7777, %%rbp\n"
		"mov $0x8888, %%r8\n mov $0x9999, %%r9\n mov $0xaaaa, %%r10\n mov $0xbbbb, %%r11\n"
		"mov $0xcccc, %%r12\n mov $0xdddd, %%r13\n mov $0xeeee, %%r14\n mov $0xffff, %%r15\n"
		"movq $1, (%%rdi)\n"                    /* the fault */
		"cmp $0x1111, %%rax\n jne 1f\n cmp $0x2222, %%rbx\n jne 1f\n"
		"cmp $0x3333, %%rcx\n jne 1f\n cmp $0x4444, %%rdx\n jne 1f\n"
		"cmp $0x5555, %%rsi\n jne 1f\n cmp $0x7777, %%rbp\n jne 1f\n"
		"cmp $0x8888, %%r8\n jne 1f\n cmp $0x9999, %%r9\n jne 1f\n"
		"cmp $0xaaaa, %%r10\n jne 1f\n cmp $0xbbbb, %%r11\n jne 1f\n"
		"cmp $0xcccc, %%r12\n jne 1f\n cmp $0xdddd, %%r13\n jne 1f\n"
		"cmp $0xeeee, %%r14\n jne 1f\n cmp $0xffff, %%r15\n jne 1f\n"
		"mov $0, %%rax\n jmp 2f\n1: mov $1, %%rax\n2: pop %%rbp\n"
		: "=a"(bad), "+D"(addr)
		:
		: "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		  "memory", "cc");
	sys_exit(bad);
}

void test_pager_registers(void)
{
	uint64_t how, code, addr;
	faults = 0;
	EXPECT_OK(ipc_create(P_EP));
	EXPECT_OK(spawn(self_pager, 0, P_PAGER));
	EXPECT_OK(thread_spawn(register_worker, Q_BASE + 0x100000, P_THREAD, TEST_PRIO - 1));
	EXPECT_OK(sys_thread_pager(P_THREAD, P_EP));
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0 && faults == 1,
	       "registers across a fault: how %lu code %lu (1: changed), %lu faults", how, code,
	       faults);
	EXPECT_OK(sys_cap_delete(P_EP));
	EXPECT_OK(join(P_PAGER, &how, &code, &addr));
}

/* The faulting thread's space destroyed while we, its pager, hold its
 * fault, or while the fault waits in the queue; the pager changed while we
 * hold a fault.  The kernel's invariants hold at every step. */
void test_pager_lifetimes(void)
{
	uint64_t how, code, addr;
	struct ipc_msg m = { 0 };

	EXPECT_OK(start(PAGER_MAPS, false));           /* held, then its space goes */
	EXPECT_OK(ipc_recv(P_EP, &m, TIMEOUT_FOREVER));
	EXPECT(m.w[FAULT_MSG_ADDR] == P_BASE, "fault at %p", (void *)m.w[FAULT_MSG_ADDR]);
	EXPECT_OK(sys_cap_delete(P_SPACE));
	EXPECT_OK(sys_check());
	m.len = 8;
	m.w[0] = FAULT_RESUME;
	EXPECT(ipc_reply_recv(P_EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "a reply to no one");
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_KILLED, "held faulter: how %lu", how);
	EXPECT_OK(sys_cap_delete(P_EP));
	EXPECT_OK(sys_cap_delete(P_EP_BADGED));

	EXPECT_OK(start(PAGER_MAPS, false));           /* queued, then its space goes */
	until_blocked(Q_SERVER);
	EXPECT_OK(sys_cap_delete(P_SPACE));
	EXPECT_OK(sys_check());
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_KILLED, "queued faulter: how %lu", how);
	EXPECT_OK(sys_cap_delete(P_EP));
	EXPECT_OK(sys_cap_delete(P_EP_BADGED));

	EXPECT_OK(start(PAGER_MAPS, false));           /* a new pager while we hold one */
	EXPECT_OK(ipc_recv(P_EP, &m, TIMEOUT_FOREVER));
	EXPECT_OK(ipc_create(Q_SVC));
	EXPECT_OK(sys_thread_pager(P_THREAD, Q_SVC));
	m.len = 8;
	m.w[0] = FAULT_RESUME;                         /* resume without mapping */
	EXPECT(ipc_reply_recv(P_EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "the old pager's reply");
	EXPECT_OK(sys_cap_delete(P_EP));               /* the old pager goes entirely */
	EXPECT_OK(ipc_recv(Q_SVC, &m, TIMEOUT_FOREVER));   /* the same fault, at the new one */
	EXPECT(m.w[FAULT_MSG_ADDR] == P_BASE && m.badge == 0, "second fault at %p, badge %lx",
	       (void *)m.w[FAULT_MSG_ADDR], m.badge);
	EXPECT_OK(sys_check());
	m.len = 8;
	m.w[0] = 1;                                    /* the new pager refuses */
	EXPECT(ipc_reply_recv(Q_SVC, &m, TIMEOUT_NONE) == E_TIMEOUT, "the new pager's reply");
	EXPECT_OK(sys_cap_delete(Q_SVC));
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && addr == P_BASE, "re-paged faulter: how %lu addr %p", how,
	       (void *)addr);
	EXPECT_OK(sys_cap_delete(P_EP_BADGED));
	EXPECT_OK(sys_cap_delete(P_SPACE));
	EXPECT_OK(sys_check());
}

/* --- The fast path rejects what the general path rejects --------------------- */

#define R_BASE 0x52000000ul          /* never mapped: every load here faults */

/* Loads from addr (rdi); a pager that steps over the load resumes it at
 * skip_resume, which returns 7. */
uint64_t skip_touch(uint64_t addr);
extern const char skip_load[], skip_resume[];
asm(".text\n"
    ".globl skip_touch, skip_load, skip_resume\n"
    "skip_touch:\n"
    "skip_load:\n"
    "	mov (%rdi), %rax\n"
    "	ret\n"
    "skip_resume:\n"
    "	mov $7, %eax\n"
    "	ret\n");

static void skip_worker(uint64_t addr)
{
	sys_exit(skip_touch(addr));
}

/* A pager's reply to a fault at R_BASE: the words and length it sends, and
 * whether the faulter goes on (past the load: it exits 7). */
struct skip_reply {
	const char *what;
	uint64_t len, w0, w1;
	bool resumes;
};

/* The faulter's fault as the pager sees it, answered with reply r; queued
 * first (the general path) or with the pager already waiting (the fast
 * path where the model has one).  The faulter must resume or be stopped at
 * its address as r says, and the kernel's invariants must hold. */
static void skip_case(const struct skip_reply *r, bool queued)
{
	uint64_t how, code, addr;
	struct ipc_msg m = { 0 };
	const char *path = queued ? "queued" : "pager waiting";
	EXPECT_OK(thread_spawn(skip_worker, R_BASE, P_THREAD, TEST_PRIO - 1));
	EXPECT_OK(sys_thread_pager(P_THREAD, P_EP));
	if (queued)
		until_blocked(Q_SERVER);                 /* it faults and waits in the queue */
	EXPECT_OK(ipc_recv(P_EP, &m, TIMEOUT_FOREVER));
	EXPECT(m.w[FAULT_MSG_ADDR] == R_BASE && m.w[FAULT_MSG_RIP] == (uint64_t)skip_load &&
	       (IPC_MSG_MAX < 16 || m.w[FAULT_MSG_ACCESS] == 4),
	       "%s, %s: fault at %p, rip %p, access %lu", r->what, path,
	       (void *)m.w[FAULT_MSG_ADDR], (void *)m.w[FAULT_MSG_RIP], m.w[FAULT_MSG_ACCESS]);
	m.len = r->len;
	m.w[0] = r->w0;
	m.w[1] = r->w1;
	m.w[2] = m.w[3] = 0;
	EXPECT(ipc_reply_recv(P_EP, &m, TIMEOUT_NONE) == E_TIMEOUT, "%s, %s: the reply", r->what,
	       path);
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	if (r->resumes)
		EXPECT(how == JOIN_EXITED && code == 7, "%s, %s: how %lu code %lu (7: resumed)",
		       r->what, path, how, code);
	else
		EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == R_BASE,
		       "%s, %s: how %lu code %lu addr %p (stopped at %p)", r->what, path, how, code,
		       (void *)addr, (void *)R_BASE);
	EXPECT_OK(sys_check());
}

/* Every reply, good and bad, on both paths: the fast path takes the fault
 * only when the pager already waits (sync) or its port has room (async, so
 * both are fast there but for the first fault of a thread). */
void test_pager_fast_replies(void)
{
	const struct skip_reply replies[] = {
		{ "resume past the load", 16, FAULT_RESUME_AT, (uint64_t)skip_resume, true },
		{ "resume at a kernel address", 16, FAULT_RESUME_AT, 0xffffffff80000000ul, false },
		{ "resume at USER_TOP", 16, FAULT_RESUME_AT, USER_TOP, false },
		{ "resume with no address", 8, FAULT_RESUME_AT, (uint64_t)skip_resume, false },
		{ "an empty reply", 0, FAULT_RESUME, 0, false },
		{ "a refusal", 8, 1, 0, false },
		/* copied messages: longer than the fault message, as the general path refuses it */
		{ "a long reply", 32, FAULT_RESUME_AT, (uint64_t)skip_resume, IPC_MSG_IN_REGS },
	};
	if (IPC_MSG_MAX < 16) {
		printf("ktest: pager_fast_replies: messages of %u bytes carry no resume address\n",
		       (unsigned)IPC_MSG_MAX);
		return;
	}
	EXPECT_OK(ipc_create(P_EP));
	for (unsigned i = 0; i < sizeof(replies) / sizeof(replies[0]) && !ktest_failed; i++) {
		skip_case(&replies[i], false);
		skip_case(&replies[i], true);
	}
	EXPECT_OK(sys_cap_delete(P_EP));
}

/* A pager that dies holding a fault it took on the fast path: the faulter
 * is stopped at its address and the kernel holds.  (A faulter killed while
 * its pager holds the fault on the fast path: pager_lifetimes.) */
static void dying_pager(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	ipc_recv(P_EP, &m, TIMEOUT_FOREVER);
	sys_exit(m.w[FAULT_MSG_ADDR] == R_BASE ? 0 : 1);
}

void test_pager_fast_dies(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(ipc_create(P_EP));
	EXPECT_OK(spawn(dying_pager, 0, P_PAGER));       /* it waits first: the fast path */
	EXPECT_OK(thread_spawn(skip_worker, R_BASE, P_THREAD, TEST_PRIO - 1));
	EXPECT_OK(sys_thread_pager(P_THREAD, P_EP));
	EXPECT_OK(join(P_PAGER, &how, &code, &addr));
	EXPECT(how == JOIN_EXITED && code == 0, "dying pager: how %lu code %lu", how, code);
	EXPECT_OK(join(P_THREAD, &how, &code, &addr));
	EXPECT(how == JOIN_FAULTED && code == VEC_PF && addr == R_BASE,
	       "its faulter: how %lu code %lu addr %p", how, code, (void *)addr);
	EXPECT_OK(sys_check());
	EXPECT_OK(sys_cap_delete(P_EP));
}
