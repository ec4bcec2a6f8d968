/* The duties a kernel owes besides moving the message, tested on every
 * variant: an IPC shows the receiver nothing of the sender but the message
 * (no register beyond it), and a direct switch never runs a thread ahead of
 * a ready one of higher priority (docs/abi.md, docs/variants.md). */
#include "ktest.h"
#include "ipc.h"

#define EP (SLOT_FREE + 80)
#define SERVER (SLOT_FREE + 81)
#define CLIENT (SLOT_FREE + 82)
#define MIDDLE (SLOT_FREE + 83)
#define WAITER (SLOT_FREE + 84)

/* Every general register but rsp, in this order. */
enum { R_RAX, R_RBX, R_RCX, R_RDX, R_RSI, R_RDI, R_RBP, R_R8, R_R9, R_R10, R_R11, R_R12,
       R_R13, R_R14, R_R15, NREGS };
struct regs {
	uint64_t r[NREGS];
};
static const char *const reg_names[NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12",
	"r13", "r14", "r15",
};
/* The sync message words, word 0 first (docs/abi.md). */
static const unsigned msg_regs[8] = { R_R8, R_R9, R_R10, R_R12, R_R13, R_R14, R_R15, R_RBX };

/* Load every register from io (rax the call number), make the system call,
 * and store every register back into io. */
static void __attribute__((noinline)) syscall_regs(struct regs *io)
{
	asm volatile(
		"sub $128, %%rsp\n\t"           /* keep out of the red zone */
		"push %[io]\n\t"
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"mov 48(%%rsp), %%rax\n\t"
		"mov 8(%%rax), %%rbx\n\t"
		"mov 16(%%rax), %%rcx\n\t"
		"mov 24(%%rax), %%rdx\n\t"
		"mov 32(%%rax), %%rsi\n\t"
		"mov 40(%%rax), %%rdi\n\t"
		"mov 48(%%rax), %%rbp\n\t"
		"mov 56(%%rax), %%r8\n\t"
		"mov 64(%%rax), %%r9\n\t"
		"mov 72(%%rax), %%r10\n\t"
		"mov 80(%%rax), %%r11\n\t"
		"mov 88(%%rax), %%r12\n\t"
		"mov 96(%%rax), %%r13\n\t"
		"mov 104(%%rax), %%r14\n\t"
		"mov 112(%%rax), %%r15\n\t"
		"mov 0(%%rax), %%rax\n\t"
		"syscall\n\t"
		"push %%rax\n\t"
		"mov 56(%%rsp), %%rax\n\t"      /* io */
		"mov %%rbx, 8(%%rax)\n\t"
		"mov %%rcx, 16(%%rax)\n\t"
		"mov %%rdx, 24(%%rax)\n\t"
		"mov %%rsi, 32(%%rax)\n\t"
		"mov %%rdi, 40(%%rax)\n\t"
		"mov %%rbp, 48(%%rax)\n\t"
		"mov %%r8, 56(%%rax)\n\t"
		"mov %%r9, 64(%%rax)\n\t"
		"mov %%r10, 72(%%rax)\n\t"
		"mov %%r11, 80(%%rax)\n\t"
		"mov %%r12, 88(%%rax)\n\t"
		"mov %%r13, 96(%%rax)\n\t"
		"mov %%r14, 104(%%rax)\n\t"
		"mov %%r15, 112(%%rax)\n\t"
		"pop %%rcx\n\t"
		"mov %%rcx, 0(%%rax)\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		"add $136, %%rsp\n\t"
		:
		: [io] "r"(io)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
}

/* Every register holds pattern + its index, then the call's own. */
static void regs_fill(struct regs *r, uint64_t pattern, uint64_t nr, uint64_t slot,
		      uint64_t len, uint64_t timeout, uint8_t *buf)
{
	for (unsigned i = 0; i < NREGS; i++)
		r->r[i] = pattern + i;
	r->r[R_RAX] = nr;
	r->r[R_RDI] = slot;
	r->r[R_RDX] = timeout;
	r->r[R_RSI] = len;
	if (!IPC_MSG_IN_REGS) {           /* the message is in memory at r8 */
		r->r[R_RSI] |= (uint64_t)IPC_MSG_MAX << IPC_CAP_SHIFT;
		r->r[R_R8] = (uint64_t)buf;
	}
}

#define PAT_CLIENT 0xc1c1c1c1c1c10000ul
#define PAT_SERVER 0x5e5e5e5e5e5e0000ul

/* The requests and replies of the leak test: lengths in bytes (cut to the
 * variant's largest message) and the call's timeout (0: the C path). */
static const struct {
	uint64_t request, reply, timeout;
} leak_cases[] = {
	{ 0, 0, TIMEOUT_FOREVER },  { 8, 13, TIMEOUT_FOREVER }, { 13, 8, TIMEOUT_FOREVER },
	{ 64, 0, TIMEOUT_FOREVER }, { 0, 64, TIMEOUT_FOREVER }, { 5, 0, TIMEOUT_NONE },
	{ 0, 5, TIMEOUT_NONE },     { 64, 64, TIMEOUT_FOREVER },
};
#define LEAK_CASES (sizeof(leak_cases) / sizeof(leak_cases[0]))

static uint64_t cut(uint64_t len)
{
	return len < IPC_MSG_MAX ? len : IPC_MSG_MAX;
}

/* The server's registers before (in) and after (saw) the system call that
 * received request i; in[i + 1] also carries its reply to request i. */
static struct regs server_in[LEAK_CASES + 1], server_saw[LEAK_CASES];
static uint8_t server_buf[IPC_MSG_MAX], client_buf[IPC_MSG_MAX];

static void leak_server(uint64_t unused)
{
	(void)unused;
	struct regs r;
	regs_fill(&server_in[0], PAT_SERVER, SYS_RECV, EP, 0, TIMEOUT_FOREVER, server_buf);
	r = server_in[0];
	syscall_regs(&r);
	unsigned i;
	for (i = 0; r.r[R_RAX] == IPC_OK && i < LEAK_CASES; i++) {
		server_saw[i] = r;
		regs_fill(&server_in[i + 1], PAT_SERVER + (i + 1) * 0x100, SYS_REPLY_RECV, EP,
			  cut(leak_cases[i].reply), TIMEOUT_FOREVER, server_buf);
		r = server_in[i + 1];
		syscall_regs(&r);
	}
	sys_exit(i);                      /* the last wait ends with the endpoint */
}

/* One side's registers after a message of len bytes arrived: sync, the
 * words it covers are the sender's and the others, and rdx, 0; async, all
 * but the results are what we had.  rbp survives in both. */
static void check_received(const char *who, unsigned i, const struct regs *before,
			   const struct regs *after, const struct regs *sender, uint64_t len)
{
	EXPECT(after->r[R_RAX] == IPC_OK, "case %u: %s's call returned %lu", i, who, after->r[R_RAX]);
	EXPECT(after->r[R_RSI] == len, "case %u: %s got length %lu, not %lu", i, who,
	       after->r[R_RSI], len);
	for (unsigned k = 0; k < NREGS; k++) {
		if (k == R_RAX || k == R_RCX || k == R_R11 || k == R_RSI || k == R_RDI)
			continue;         /* results, and sysret's rip and rflags */
		uint64_t want = before->r[k];
		if (IPC_MSG_IN_REGS && k == R_RDX)
			want = 0;
		for (unsigned w = 0; IPC_MSG_IN_REGS && w < 8; w++)
			if (msg_regs[w] == k)
				want = w * 8 < len ? sender->r[k] : 0;
		EXPECT(after->r[k] == want, "case %u (%lu bytes): %s's %s is %lx, not %lx%s", i, len,
		       who, reg_names[k], after->r[k], want,
		       (after->r[k] & ~0xfffful) == (sender->r[k] & ~0xfffful) ? " (the sender's)" : "");
	}
}

void test_ipc_no_register_leak(void)
{
	uint64_t how, code, addr;
	EXPECT_OK(ipc_create(EP));
	EXPECT_OK(spawn(leak_server, 0, SERVER));
	until_blocked(WAITER);                       /* it waits in its receive */
	for (unsigned i = 0; i < LEAK_CASES; i++) {
		struct regs before, r;
		regs_fill(&before, PAT_CLIENT + i * 0x100, SYS_CALL, EP, cut(leak_cases[i].request),
			  leak_cases[i].timeout, client_buf);
		r = before;
		syscall_regs(&r);
		check_received("the server", i, &server_in[i], &server_saw[i], &before,
			       cut(leak_cases[i].request));
		if (ktest_failed)
			break;
		check_received("the client", i, &before, &r, &server_in[i + 1], cut(leak_cases[i].reply));
		if (ktest_failed)
			break;
	}
	EXPECT_OK(sys_cap_delete(EP));
	EXPECT_OK(join(SERVER, &how, &code, &addr));
	EXPECT(ktest_failed || (how == JOIN_EXITED && code == LEAK_CASES),
	       "server: how %lu, %lu requests", how, code);
}

/* A thread above the lower of client and server, up to the higher one's
 * priority: made ready while the higher runs, it must run before the lower
 * does. */
static volatile uint64_t middle_ran;

static void prio_middle(uint64_t unused)
{
	(void)unused;
	middle_ran = 1;
	sys_exit(0);
}

/* Receives one call and answers whether the middle thread ran first. */
static void low_server(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	m.len = 8;
	m.w[0] = middle_ran;
	if (err == IPC_OK)
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);  /* ends with the endpoint */
	sys_exit(err == E_DEAD ? 0 : 1000 + (uint64_t)err);
}

/* Makes the middle thread ready at priority prio (not above its own), then
 * calls the server. */
static void high_client(uint64_t prio)
{
	struct ipc_msg m = { .len = 8 };
	long err = thread_spawn(prio_middle, 0, MIDDLE, prio);
	if (err == IPC_OK)
		err = ipc_call(EP, &m, TIMEOUT_FOREVER);
	sys_exit(err ? 1000 + (uint64_t)err : m.w[0]);
}

/* The call: the client at TEST_PRIO + 3, the server at TEST_PRIO + 1, the
 * middle thread between them or beside the client.  A direct switch to the
 * server would run it ahead of the middle thread. */
void test_ipc_prio_call(void)
{
	for (uint64_t prio = TEST_PRIO + 2; prio <= TEST_PRIO + 3; prio++) {
		uint64_t how, code, addr;
		middle_ran = 0;
		EXPECT_OK(ipc_create(EP));
		EXPECT_OK(thread_spawn(low_server, 0, SERVER, TEST_PRIO + 1));    /* runs, waits */
		EXPECT_OK(thread_spawn(high_client, prio, CLIENT, TEST_PRIO + 3)); /* runs, calls */
		EXPECT_OK(join(CLIENT, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 1, "the server (priority %d) ran before a ready "
		       "thread of priority %lu: how %lu code %lu", TEST_PRIO + 1, prio, how, code);
		EXPECT_OK(sys_cap_delete(EP));
		EXPECT_OK(join(SERVER, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 0, "server: how %lu code %lu", how, code);
		EXPECT_OK(join(MIDDLE, &how, &code, &addr));
	}
}

/* Makes the middle thread ready at priority prio (not above its own), then
 * replies. */
static void high_server(uint64_t prio)
{
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	if (err == IPC_OK)
		err = thread_spawn(prio_middle, 0, MIDDLE, prio);
	m.len = 8;
	if (err == IPC_OK)
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);  /* ends with the endpoint */
	sys_exit(err == E_DEAD ? 0 : 1000 + (uint64_t)err);
}

/* Says whether the middle thread ran before the reply woke us. */
static void low_client(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { .len = 8 };
	long err = ipc_call(EP, &m, TIMEOUT_FOREVER);
	sys_exit(err ? 1000 + (uint64_t)err : middle_ran);
}

/* The reply: the server at TEST_PRIO + 3, the client at TEST_PRIO + 1, the
 * middle thread between them or beside the server.  A direct switch to the
 * client would run it ahead of the middle thread. */
void test_ipc_prio_reply(void)
{
	for (uint64_t prio = TEST_PRIO + 2; prio <= TEST_PRIO + 3; prio++) {
		uint64_t how, code, addr;
		middle_ran = 0;
		EXPECT_OK(ipc_create(EP));
		EXPECT_OK(thread_spawn(high_server, prio, SERVER, TEST_PRIO + 3)); /* runs, waits */
		EXPECT_OK(thread_spawn(low_client, 0, CLIENT, TEST_PRIO + 1));     /* runs, calls */
		EXPECT_OK(join(CLIENT, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 1, "the client (priority %d) ran before a ready "
		       "thread of priority %lu: how %lu code %lu", TEST_PRIO + 1, prio, how, code);
		EXPECT_OK(sys_cap_delete(EP));
		EXPECT_OK(join(SERVER, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 0, "server: how %lu code %lu", how, code);
		EXPECT_OK(join(MIDDLE, &how, &code, &addr));
	}
}
