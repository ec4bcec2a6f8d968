/* Every system call that takes a user address, given each kind of bad
 * address: the exact error docs/abi.md names, and nothing changed by a call
 * that was refused.  One table, call x address class -> expected error.  The
 * sync model takes no pointer at all (messages travel in registers): its row
 * sends the same addresses as message words, which must arrive untouched.
 * Where messages are copied, a "queued" message is in the queue (buffered
 * sends) or in a thread blocked sending it (a rendezvous, IPC_SENDS_BUFFERED
 * 0): the same cells, the same answers. */
#include "ktest.h"
#include "ipc.h"
#include "device.h"

#define SCRATCH (SLOT_FREE + 80)     /* a space to map and load into */
#define FRAMES (SLOT_FREE + 81)
#define PORT (SLOT_FREE + 82)
#define PEER (SLOT_FREE + 83)        /* the server or client thread */
#define CREATED (SLOT_FREE + 84)     /* the thread under test */
#define LOWEST (SLOT_FREE + 85)      /* until_blocked's */
#define SENDER (SLOT_FREE + 86)      /* a rendezvous' queued message (queue_msg) */
#define LAST_PAGE (USER_TOP - 4096)

_Static_assert(USER_TOP == 0x800000000000ul, "USER_TOP is the first non-canonical address");

/* An address class: a buffer (addr, len) and, for the map calls, the pages
 * (va, pages) it covers; mapped: addr is in our memory, and its first
 * bytes (as many as a message has) may be read. */
struct addr_class {
	const char *name;
	uint64_t addr, len;
	uint64_t va, pages;
	bool mapped;
};

enum { C_KERNEL, C_TOP, C_NONCANON, C_WRAP, C_LONG, C_UNMAPPED, C_NULL, C_STRADDLE, C_RDONLY,
       C_LAST, C_COUNT };

static const char ro_buf[] = "(read-only ok)\n";            /* .rodata: never writable */
static uint8_t long_buf[4096] __attribute__((aligned(4096)));

static struct addr_class classes[C_COUNT] = {
	/*                name                   addr                  len va         pages */
	[C_KERNEL]   = { "kernel half",          0xffffffff80000000ul, 8,  0xffffffff80000000ul, 1 },
	[C_TOP]      = { "USER_TOP",             USER_TOP,             8,  USER_TOP,  1 },
	[C_NONCANON] = { "0x8000000000000000",   0x8000000000000000ul, 8,  0x8000000000000000ul, 1 },
	[C_WRAP]     = { "wrapping past 2^64",   -16ul,                32, -4096ul,   2 },
	/* long_buf + 2048, a length ending 16 bytes past 2^64; 2^52 pages are
	 * 2^64 bytes, 0 when multiplied out (set by classes_init) */
	[C_LONG]     = { "length wrapping 2^64", 0,                    0,  0,         1ul << 52, true },
	[C_UNMAPPED] = { "unmapped",             0x1000,               8,  0x1000,    1 },
	[C_NULL]     = { "NULL",                 0,                    8,  0,         1 },
	[C_STRADDLE] = { "USER_TOP-1, 2 bytes",  USER_TOP - 1,         2,  LAST_PAGE, 2 },
	[C_RDONLY]   = { "read-only",            0 /* ro_buf */,       15, 0,         1, true },
	[C_LAST]     = { "last user byte",       USER_TOP - 1,         1,  LAST_PAGE, 1, true },
};
_Static_assert(sizeof(ro_buf) - 1 == 15, "C_RDONLY's length is ro_buf's");

/* The addresses only known at run time; the last user page mapped (so that
 * only the range check stands between a straddling copy and USER_TOP). */
static long classes_init(void)
{
	classes[C_LONG].addr = (uint64_t)long_buf + 2048;
	classes[C_LONG].len = -classes[C_LONG].addr + 16;
	classes[C_LONG].va = (uint64_t)long_buf;
	classes[C_RDONLY].addr = classes[C_RDONLY].va = (uint64_t)ro_buf;
	classes[C_RDONLY].va &= ~0xffful;
	long err = sys_map(SLOT_MEMORY, SLOT_SELF, LAST_PAGE, 1, MAP_WRITE);
	return err == E_EXISTS ? IPC_OK : err;
}

static const char *cur_call, *cur_class;
#define CELL_FAIL(fmt, ...) ktest_fail("%s, %s: " fmt, cur_call, cur_class, ##__VA_ARGS__)
#define SETUP(expr)                                                              \
	do {                                                                     \
		long e_ = (expr);                                                \
		if (e_ != IPC_OK) {                                              \
			CELL_FAIL("%s:%d: %s returned error %ld", __FILE__, __LINE__, #expr, e_); \
			return -1;                                               \
		}                                                                \
	} while (0)

/* Make the call under test: one that is refused must not take a frame or
 * give one back (no partial map, load, thread or message). */
static long under_test(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	sys_yield();                       /* dead threads are freed now, not during the call */
	uint64_t before = sys_info(INFO_FREE_FRAMES);
	long err = syscall6(nr, a0, a1, a2, a3, a4, a5).err;
	uint64_t after = sys_info(INFO_FREE_FRAMES);
	if (err != IPC_OK && after != before)
		CELL_FAIL("refused (%ld), yet the free frames went from %lu to %lu", err, before,
			  after);
	return err;
}

/* --- Console, module load, maps -------------------------------------- */

static long try_console(const struct addr_class *c)
{
	return under_test(SYS_CONSOLE_WRITE, SLOT_CONSOLE, c->addr, c->len, 0, 0, 0);
}

/* The arguments of a module load come from c.  Refused: the space is still
 * empty, so a good load succeeds; loaded: a second one finds it in use. */
static long try_module_load(const struct addr_class *c)
{
	uint64_t entry, stack;
	SETUP(sys_space_create(SCRATCH));
	long err = under_test(SYS_MODULE_LOAD, SLOT_SELF_IMAGE, SCRATCH, SLOT_MEMORY, c->addr,
			      c->len, 0);
	long again = sys_module_load(SLOT_SELF_IMAGE, SCRATCH, SLOT_MEMORY, "x", 1, &entry, &stack);
	if (err != IPC_OK && again != IPC_OK)
		CELL_FAIL("refused (%ld), yet the space was not left empty (%ld)", err, again);
	if (err == IPC_OK && again != E_EXISTS)
		CELL_FAIL("a second load into the loaded space returned %ld", again);
	sys_cap_delete(SCRATCH);
	return err;
}

/* A fresh space with a read-only page where ours has ro_buf. */
static long scratch_space(void)
{
	long err = sys_space_create(SCRATCH);
	return err ? err : sys_map(SLOT_MEMORY, SCRATCH, classes[C_RDONLY].va, 1, 0);
}

static long try_map(const struct addr_class *c)
{
	SETUP(scratch_space());
	long err = under_test(SYS_MAP, SLOT_MEMORY, SCRATCH, c->va, c->pages, MAP_WRITE, 0);
	sys_cap_delete(SCRATCH);
	return err;
}

/* Two frames, so that only the address can make a 2-page map fail. */
static long try_phys_map(const struct addr_class *c)
{
	uint64_t phys;
	SETUP(scratch_space());
	SETUP(sys_frames_create(SLOT_MEMORY, FRAMES, 2, &phys));
	long err = under_test(SYS_PHYS_MAP, FRAMES, SCRATCH, c->va, 0, c->pages, MAP_WRITE);
	sys_cap_delete(SCRATCH);
	sys_cap_delete(FRAMES);
	return err;
}

/* --- Threads ------------------------------------------------------- */

static uint64_t tstack[256] __attribute__((aligned(16)));
#define TSTACK ((uint64_t)&tstack[255])    /* rsp % 16 == 8, as after a call */
#define STACK_ARG 0x5a5aul

/* The thread under test: uses its stack, exits with its argument. */
static void touch_stack(uint64_t arg)
{
	volatile uint64_t on_stack = arg;
	sys_exit(on_stack);
}

/* Create the thread under test and wait for its end; refused, its slot
 * stays empty. */
static long create_and_join(uint64_t entry, uint64_t stack, uint64_t arg, uint64_t *how,
			    uint64_t *code, uint64_t *addr)
{
	long err = under_test(SYS_THREAD_CREATE, SLOT_SELF, CREATED, entry, stack, arg, TEST_PRIO);
	if (err != IPC_OK) {
		if (sys_cap_delete(CREATED) != E_BADCAP)
			CELL_FAIL("refused (%ld), yet a thread is in the slot", err);
		return err;
	}
	if (join(CREATED, how, code, addr) != IPC_OK)
		CELL_FAIL("the created thread could not be joined");
	return err;
}

/* Created at c (all mapped user pages here are NX): it faults there. */
static long try_thread_entry(const struct addr_class *c)
{
	uint64_t how, code, addr;
	long err = create_and_join(c->addr, TSTACK, 0, &how, &code, &addr);
	if (err == IPC_OK && !(how == JOIN_FAULTED && code == VEC_PF && addr == c->addr))
		CELL_FAIL("the thread ended how %lu code %lu at %p, not by a #PF at its entry", how,
			  code, (void *)addr);
	return err;
}

/* With its stack at c: it exits, or faults on its first push. */
static long try_thread_stack(const struct addr_class *c)
{
	uint64_t how, code, addr;
	long err = create_and_join((uint64_t)touch_stack, c->addr, STACK_ARG, &how, &code, &addr);
	if (err == IPC_OK && !(how == JOIN_EXITED && code == STACK_ARG) &&
	    !(how == JOIN_FAULTED && code == VEC_PF))
		CELL_FAIL("the thread ended how %lu code %lu", how, code);
	return err;
}

/* The argument (the start-info pointer of a program) is not read: it
 * arrives in rdi as it was. */
static long try_thread_arg(const struct addr_class *c)
{
	uint64_t how, code, addr;
	long err = create_and_join((uint64_t)touch_stack, TSTACK, c->addr, &how, &code, &addr);
	if (err == IPC_OK && !(how == JOIN_EXITED && code == c->addr))
		CELL_FAIL("the thread ended how %lu code %lx", how, code);
	return err;
}

/* --- IPC ----------------------------------------------------------- */

/* The info word's length (and capacity) for a buffer of c: the field's
 * largest value at most. */
static uint64_t ipc_len(const struct addr_class *c)
{
	return c->len < IPC_LEN_MASK ? c->len : IPC_LEN_MASK;
}

/* The length of a message that a receive into c has room for. */
static uint64_t msg_len(const struct addr_class *c)
{
	return c->len < IPC_MSG_MAX ? c->len : IPC_MSG_MAX;
}

static void fill(struct ipc_msg *m, uint64_t len, uint8_t seed)
{
	m->len = len;
	for (uint64_t i = 0; i < len; i++)
		m->b[i] = (uint8_t)(seed + i);
}

/* Does b hold the bytes fill(seed) makes? */
static bool holds(const volatile uint8_t *b, uint64_t len, uint8_t seed)
{
	for (uint64_t i = 0; i < len; i++)
		if (b[i] != (uint8_t)(seed + i))
			return false;
	return true;
}

/* Do a and b hold the same n bytes? */
static bool same(const volatile uint8_t *a, const volatile uint8_t *b, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static volatile uint64_t served, seen_w0;

/* The server: answers each request with its bytes plus one, until an empty
 * request (answered too); exits with 0 or the error that stopped it. */
static void echo(uint64_t slot)
{
	struct ipc_msg m = { 0 };
	long err = ipc_recv(slot, &m, TIMEOUT_FOREVER);
	for (; err == IPC_OK && m.len; err = ipc_reply_recv(slot, &m, TIMEOUT_FOREVER)) {
		served++;
		seen_w0 = m.w[0];
		for (uint64_t i = 0; i < m.len; i++)
			m.b[i]++;
	}
	if (err == IPC_OK && ipc_reply_recv(slot, &m, TIMEOUT_NONE) == E_TIMEOUT)
		err = IPC_OK;
	sys_exit(err);
}

/* Start the echo server on a new PORT. */
static long echo_start(void)
{
	long err = ipc_create(PORT);
	return err ? err : spawn(echo, PORT, PEER);
}

/* Stop the echo server; it must have ended well. */
static void echo_stop(void)
{
	uint64_t how, code, addr;
	struct ipc_msg m = { .len = 0 };
	long err = ipc_call(PORT, &m, TIMEOUT_FOREVER);
	if (err != IPC_OK || join(PEER, &how, &code, &addr) != IPC_OK || how != JOIN_EXITED ||
	    code != IPC_OK)
		CELL_FAIL("stopping the server: %ld, it ended how %lu code %lu", err, how, code);
	sys_cap_delete(PORT);
}

/* Sync: the addresses are message words and come back untouched. */
static long try_sync_words(const struct addr_class *c)
{
	const uint64_t len = IPC_MSG_MAX < 16 ? IPC_MSG_MAX : 16;   /* MSG_REGS=1: one word */
	struct ipc_msg m = { .len = len };
	SETUP(echo_start());
	m.w[0] = c->addr;
	if (len > 8)
		m.w[1] = c->len;
	long err = ipc_call(PORT, &m, TIMEOUT_FOREVER);
	if (err == IPC_OK && (seen_w0 != c->addr || m.len != len))
		CELL_FAIL("the server saw word 0 = %lx, the reply was %lu bytes", seen_w0, m.len);
	echo_stop();
	return err;
}

static struct ipc_msg peer_msg;

/* A rendezvous' queued message: a thread blocked sending peer_msg. */
static void peer_send(uint64_t slot)
{
	sys_exit(ipc_send(slot, &peer_msg, TIMEOUT_FOREVER));
}

/* A rendezvous' waiting receiver: a thread blocked receiving into peer_msg. */
static void peer_recv(uint64_t slot)
{
	sys_exit(ipc_recv(slot, &peer_msg, TIMEOUT_FOREVER));
}

/* Queue m on PORT: in the port, or (a rendezvous) in a thread blocked
 * sending it. */
static long queue_msg(struct ipc_msg *m)
{
	if (IPC_SENDS_BUFFERED)
		return ipc_send(PORT, m, TIMEOUT_NONE);
	peer_msg = *m;
	long err = spawn(peer_send, PORT, SENDER);
	if (err == IPC_OK)
		until_blocked(LOWEST);
	return err;
}

/* A rendezvous: queue_msg's sender has ended well, its message taken. */
static void queue_end(void)
{
	uint64_t how, code, addr;
	if (!IPC_SENDS_BUFFERED && (join(SENDER, &how, &code, &addr) != IPC_OK ||
				    how != JOIN_EXITED || code != IPC_OK))
		CELL_FAIL("the queued message's sender ended how %lu code %lu", how, code);
}

/* Rendezvous send from c to a waiting receiver: refused, it still waits
 * (and takes the next message); sent, it holds c's bytes. */
static long try_send_rendezvous(const struct addr_class *c)
{
	uint64_t how, code, addr;
	struct ipc_msg next = { .len = 1, .b = { 0x5a } };
	memset(&peer_msg, 0, sizeof(peer_msg));
	SETUP(ipc_create(PORT));
	SETUP(spawn(peer_recv, PORT, PEER));
	until_blocked(LOWEST);
	long err = under_test(SYS_SEND, PORT, ipc_len(c), TIMEOUT_NONE, 0, c->addr, 0);
	if (err != IPC_OK)
		SETUP(ipc_send(PORT, &next, TIMEOUT_NONE));
	if (join(PEER, &how, &code, &addr) != IPC_OK || how != JOIN_EXITED || code != IPC_OK)
		CELL_FAIL("returned %ld; the receiver ended how %lu code %lu", err, how, code);
	if (err != IPC_OK && !(peer_msg.len == 1 && peer_msg.b[0] == 0x5a))
		CELL_FAIL("refused (%ld), yet the receiver got %lu bytes", err, peer_msg.len);
	if (err == IPC_OK && !(peer_msg.len == c->len && c->mapped &&
			       same((const uint8_t *)c->addr, peer_msg.b, c->len)))
		CELL_FAIL("sent, but the receiver got %lu bytes", peer_msg.len);
	sys_cap_delete(PORT);
	return err;
}

/* Async send from c: refused, nothing is queued; sent, the bytes are c's. */
static long try_send(const struct addr_class *c)
{
	if (!IPC_SENDS_BUFFERED)
		return try_send_rendezvous(c);
	struct ipc_msg m = { 0 };
	SETUP(ipc_create(PORT));
	long err = under_test(SYS_SEND, PORT, ipc_len(c), TIMEOUT_NONE, 0, c->addr, 0);
	long got = ipc_recv(PORT, &m, TIMEOUT_NONE);
	if (err != IPC_OK && got != E_TIMEOUT)
		CELL_FAIL("refused (%ld), yet a message was queued (%ld)", err, got);
	if (err == IPC_OK && !(got == IPC_OK && m.len == c->len && c->mapped &&
			       same((const uint8_t *)c->addr, m.b, c->len)))
		CELL_FAIL("sent, but the receive got %ld, %lu bytes", got, m.len);
	sys_cap_delete(PORT);
	return err;
}

/* Receive into c of a message that fits: refused, it stays queued;
 * received, c holds it. */
static long try_recv(const struct addr_class *c)
{
	struct ipc_msg m = { 0 };
	SETUP(ipc_create(PORT));
	fill(&m, msg_len(c), 0x40);
	SETUP(queue_msg(&m));
	long err = under_test(SYS_RECV, PORT, ipc_len(c) << IPC_CAP_SHIFT, TIMEOUT_NONE, 0,
			      c->addr, 0);
	memset(&m, 0, sizeof(m));
	long got = ipc_recv(PORT, &m, TIMEOUT_NONE);
	if (err != IPC_OK && !(got == IPC_OK && m.len == msg_len(c) && holds(m.b, m.len, 0x40)))
		CELL_FAIL("refused (%ld), and the message did not stay queued (%ld)", err, got);
	if (err == IPC_OK && !(got == E_TIMEOUT && c->mapped &&
			       holds((const uint8_t *)c->addr, msg_len(c), 0x40)))
		CELL_FAIL("received, but not into the buffer, or twice (%ld)", got);
	queue_end();
	sys_cap_delete(PORT);
	return err;
}

/* Call with c as request and reply buffer.  Refused, the server saw
 * nothing (a readable but not writable buffer: the request went, the reply
 * could not come back); either way the next call gets its own reply. */
static long try_call(const struct addr_class *c)
{
	struct ipc_msg m;
	uint8_t first = c->mapped ? *(const uint8_t *)c->addr : 0;
	SETUP(echo_start());
	fill(&m, 8, 0x10);
	SETUP(ipc_call(PORT, &m, TIMEOUT_FOREVER));          /* our reply port exists now */
	until_blocked(LOWEST);
	uint64_t before = served;
	long err = under_test(SYS_CALL, PORT, ipc_len(c) | ipc_len(c) << IPC_CAP_SHIFT,
			      TIMEOUT_FOREVER, 0, c->addr, 0);
	until_blocked(LOWEST);
	uint64_t want = before + (err == IPC_OK || (err == E_FAULT && c->mapped));
	if (served != want)
		CELL_FAIL("returned %ld, and %lu requests reached the server, not %lu", err,
			  served - before, want - before);
	if (err == IPC_OK && !(c->mapped && *(const uint8_t *)c->addr == (uint8_t)(first + 1)))
		CELL_FAIL("the reply did not arrive in the buffer");
	fill(&m, 8, 0x20);
	SETUP(ipc_call(PORT, &m, TIMEOUT_FOREVER));
	if (m.len != 8 || !holds(m.b, 8, 0x21))
		CELL_FAIL("the next call got a stale reply (%lu bytes)", m.len);
	echo_stop();
	return err;
}

static volatile uint64_t client_len, client_b0;

/* The client of reply_recv's cells: one call; what came back. */
static void client(uint64_t slot)
{
	struct ipc_msg m = { .len = 8 };
	long err = ipc_call(slot, &m, TIMEOUT_FOREVER);
	client_b0 = m.b[0];
	client_len = m.len;
	sys_exit(err);
}

/* Refused: a good buffer now does what the refused call left undone (the
 * reply, unless it went) and finds the next request still queued. */
static void reply_recv_again(const struct addr_class *c, long err, bool replied)
{
	struct ipc_msg m;
	fill(&m, 8, 0x70);
	long got = replied ? ipc_recv(PORT, &m, TIMEOUT_NONE) :
			     ipc_reply_recv(PORT, &m, TIMEOUT_NONE);
	if (!(got == IPC_OK && m.len == msg_len(c) && holds(m.b, m.len, 0x40)))
		CELL_FAIL("refused (%ld), and the next request did not stay queued (%ld)", err,
			  got);
}

/* The client ended well, with a reply: the one under test's if it went,
 * else reply_recv_again's. */
static void client_end(bool replied)
{
	uint64_t how, code, addr;
	long err = join(PEER, &how, &code, &addr);
	if (err != IPC_OK || how != JOIN_EXITED || code != IPC_OK ||
	    (!replied && !(client_len == 8 && client_b0 == 0x70)))
		CELL_FAIL("the client ended how %lu code %lu with %lu bytes", how, code,
			  client_len);
}

/* reply_recv with c as reply and receive buffer, a client waiting for
 * the reply and a next request queued.  Refused before the reply, we keep
 * the right to answer and the request stays queued; a readable, not
 * writable buffer has answered, and only the receive failed. */
static long try_reply_recv(const struct addr_class *c)
{
	struct ipc_msg m = { 0 };
	uint8_t first = c->mapped ? *(const uint8_t *)c->addr : 0;
	client_len = ~0ul;
	SETUP(ipc_create(PORT));
	SETUP(spawn(client, PORT, PEER));
	until_blocked(LOWEST);
	SETUP(ipc_recv(PORT, &m, TIMEOUT_NONE));             /* its call: ours to answer */
	fill(&m, msg_len(c), 0x40);
	SETUP(queue_msg(&m));                                /* the next request */
	long err = under_test(SYS_REPLY_RECV, PORT, ipc_len(c) | ipc_len(c) << IPC_CAP_SHIFT,
			      TIMEOUT_NONE, 0, c->addr, 0);
	until_blocked(LOWEST);
	bool replied = err == IPC_OK || (err == E_FAULT && c->mapped);
	if (replied && !(client_len == c->len && client_b0 == first))
		CELL_FAIL("returned %ld; the client got %lu bytes, not the reply", err, client_len);
	if (!replied && client_len != ~0ul)
		CELL_FAIL("refused (%ld), yet the client got a reply", err);
	if (err == IPC_OK && !(c->mapped && holds((const uint8_t *)c->addr, msg_len(c), 0x40)))
		CELL_FAIL("the next request did not arrive in the buffer");
	if (err != IPC_OK)
		reply_recv_again(c, err, replied);
	client_end(replied);
	queue_end();
	sys_cap_delete(PORT);
	return err;
}

/* --- The table ------------------------------------------------------- */

/* Which models a row applies to: any, or those whose messages travel in
 * registers (model.h IPC_MSG_IN_REGS), or in memory. */
enum carrier { ANY, REGS, MEM };

struct row {
	const char *call;
	enum carrier carrier;
	long (*attempt)(const struct addr_class *c);
	long want[C_COUNT];
};

/* Columns: the classes above, in order (kernel half, USER_TOP,
 * 0x8000000000000000, wrapping past 2^64, length wrapping 2^64, unmapped,
 * NULL, USER_TOP-1 with 2 bytes, read-only, the last user byte); short
 * names for the errors. */
#define OK IPC_OK
#define FLT E_FAULT
#define INV E_INVAL
#define BIG E_TOOBIG
#define EXI E_EXISTS
static const struct row rows[] = {
	/* call           carr.  attempt             kern TOP  8000 wrap len  unmp NULL top1 r/o  last */
	{ "console",      ANY,   try_console,      { FLT, FLT, FLT, FLT, FLT, FLT, FLT, FLT, OK,  OK } },
	{ "module args",  ANY,   try_module_load,  { FLT, FLT, FLT, FLT, INV, FLT, FLT, FLT, OK,  OK } },
	{ "map",          ANY,   try_map,          { INV, INV, INV, INV, INV, OK,  OK,  INV, EXI, OK } },
	{ "phys map",     ANY,   try_phys_map,     { INV, INV, INV, INV, INV, OK,  OK,  INV, EXI, OK } },
	{ "thread entry", ANY,   try_thread_entry, { INV, INV, INV, INV, OK,  OK,  OK,  OK,  OK,  OK } },
	{ "thread stack", ANY,   try_thread_stack, { INV, OK,  INV, INV, OK,  OK,  OK,  OK,  OK,  OK } },
	{ "thread arg",   ANY,   try_thread_arg,   { OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK } },
	{ "sync words",   REGS,  try_sync_words,   { OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK,  OK } },
	{ "send",         MEM,   try_send,         { FLT, FLT, FLT, FLT, BIG, FLT, FLT, FLT, OK,  OK } },
	{ "recv",         MEM,   try_recv,         { FLT, FLT, FLT, FLT, OK,  FLT, FLT, FLT, FLT, OK } },
	{ "call",         MEM,   try_call,         { FLT, FLT, FLT, FLT, BIG, FLT, FLT, FLT, FLT, OK } },
	{ "reply_recv",   MEM,   try_reply_recv,   { FLT, FLT, FLT, FLT, BIG, FLT, FLT, FLT, FLT, OK } },
};

/* What a cell must return: its want, except that an async message longer
 * than the build's largest (ASYNC_MSG_MAX may be 8) is refused for its size
 * before its address is looked at. */
static long expected(const struct row *row, unsigned k)
{
	bool sends = row->attempt == try_send || row->attempt == try_call ||
		     row->attempt == try_reply_recv;
	return sends && ipc_len(&classes[k]) > IPC_MSG_MAX ? E_TOOBIG : row->want[k];
}

void test_user_pointers(void)
{
	EXPECT_OK(classes_init());
	for (unsigned r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct row *row = &rows[r];
		if (row->carrier != ANY && (row->carrier == REGS) != IPC_MSG_IN_REGS)
			continue;
		cur_call = row->call;
		for (unsigned k = 0; k < C_COUNT; k++) {
			cur_class = classes[k].name;
			*(volatile uint8_t *)(USER_TOP - 1) = '\n';   /* what the console prints */
			long err = row->attempt(&classes[k]);
			if (ktest_failed)
				return;
			EXPECT(err == expected(row, k), "%s, %s: error %ld, want %ld", row->call,
			       classes[k].name, err, expected(row, k));
		}
	}
	EXPECT_OK(sys_check());
}
