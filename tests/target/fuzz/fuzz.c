/* The system-call fuzzer, in the style of trinity: several threads call
 * every system call with random and boundary arguments, biased toward valid
 * capability slots, flags with single bits flipped, lengths at powers of
 * two and one either side, and pointers into kernel space, unmapped,
 * misaligned and straddling a page end.  After every batch the kernel
 * checks its own invariants (SYS_CHECK).  Arguments: seed=N (printed; the
 * same seed makes the same run), calls=N, threads=N.  Exits 0 if no
 * invariant broke; a kernel crash or hang shows in the harness instead.
 *
 * What it never does, so that it can go on measuring: delete or overwrite
 * the slots below SLOT_FREE + 32 other than its playground, start a thread
 * in a space at a random address that is mapped (a random jump into its own
 * code would corrupt the fuzzer itself), call SYS_EXIT from a worker, or
 * copy its own space's capability with RIGHT_CONTROL (deleting such a copy
 * destroys the space, the fuzzer with it). */
#include "ulib.h"
#include "ipc.h"

#define PLAY_LO SLOT_FREE             /* slots the fuzzer may create and destroy */
#define PLAY_N 32
#define WORKER_SLOT 200               /* the workers' thread capabilities */
#define MAX_WORKERS 8
#define CALLS_MAX 100000000ul     /* hours under TCG: more is a typo */
#define BATCH 500
#define STACK_BASE 0x20000000ul
#define SCRATCH 0x30000000ul          /* a page of ours for valid pointers */

static uint64_t seed, total_calls;
static unsigned nworkers;
static volatile uint64_t calls_done;
static volatile uint64_t last_call[MAX_WORKERS][7];   /* what each worker is in */
static volatile unsigned finished;
static volatile bool stop;

static uint64_t next(uint64_t *s)      /* xorshift64* */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static uint64_t pick(uint64_t *s, uint64_t n) { return next(s) % n; }

/* A boundary number: 0, ~0, 2^k and its neighbours. */
static uint64_t boundary(uint64_t *s)
{
	uint64_t k = pick(s, 64), v = 1ull << k;
	switch (pick(s, 6)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return v - 1;
	case 3: return v + 1;
	case 4: return v;
	default: return pick(s, 4096);
	}
}

static uint64_t any_slot(uint64_t *s)
{
	switch (pick(s, 5)) {
	case 0: return pick(s, SLOT_FREE);                 /* the standard slots */
	case 1: case 2: return PLAY_LO + pick(s, PLAY_N);  /* the playground */
	case 3: return boundary(s);                          /* forged */
	default: return pick(s, CAP_SLOTS);
	}
}

/* For calls that write or delete a slot: the playground, or no slot at all
 * (past the table), so that unstick() can always end what was made. */
static uint64_t own_slot(uint64_t *s)
{
	if (pick(s, 8))
		return PLAY_LO + pick(s, PLAY_N);
	uint64_t v = boundary(s);
	return v < CAP_SLOTS ? CAP_SLOTS + v : v;        /* never wraps into the table */
}

static uint64_t pointer(uint64_t *s)
{
	switch (pick(s, 8)) {
	case 0: return SCRATCH + pick(s, 4096);                 /* valid, maybe misaligned */
	case 1: return SCRATCH + 4096 - pick(s, 8);             /* straddles the page end */
	case 2: return 0xffffffff80100000ull + pick(s, 4096);   /* the kernel image */
	case 3: return 0xffff800000000000ull + pick(s, 1u << 30); /* the physmap */
	case 4: return pick(s, 0x10000);                        /* low, unmapped */
	case 5: return 0x8000000000000000ull;                   /* not canonical */
	case 6: return USER_TOP - pick(s, 16);                  /* the last user bytes */
	default: return boundary(s);
	}
}

static uint64_t length(uint64_t *s)
{
	return pick(s, 4) ? boundary(s) & 0x1fff : boundary(s);
}

static uint64_t timeout(uint64_t *s)
{
	switch (pick(s, 4)) {
	case 0: return TIMEOUT_NONE;
	case 1: return TIMEOUT_FOREVER;
	case 2: return pick(s, 3);                               /* ticks, or E_INVAL */
	default: return boundary(s);
	}
}

static uint64_t flags(uint64_t *s)
{
	return pick(s, 2) ? 1ull << pick(s, 64) : pick(s, 4);
}

/* What fuzzed threads run: a fault, an exit, or a short spin. */
static void victim(uint64_t how)
{
	switch (how % 4) {
	case 0: *(volatile int *)0 = 1; break;
	case 1: asm volatile("ud2"); break;
	case 2: for (volatile int i = 0; i < 1000; i++); break;
	default: break;
	}
	sys_exit(how);
}

static uint64_t entry(uint64_t *s)
{
	switch (pick(s, 4)) {
	case 0: return (uint64_t)victim;
	case 1: return 0x1000;                                   /* unmapped: faults at once */
	case 2: return 0xffffffff80100000ull;                    /* refused */
	default: return 0x8000000000000000ull;                   /* refused */
	}
}

/* One fuzzed system call. */
static void fuzz_one(uint64_t *s, unsigned me)
{
	uint64_t nr = pick(s, 10) ? pick(s, SYS_COUNT) : boundary(s);
	uint64_t a[6] = { any_slot(s), boundary(s), boundary(s), boundary(s), boundary(s), boundary(s) };
	switch (nr) {
	case SYS_EXIT:
		return;                                          /* workers keep going */
	case SYS_CONSOLE_WRITE:
		a[1] = pick(s, 2) ? SCRATCH : pointer(s);        /* SCRATCH holds dots */
		a[2] = pick(s, 2) ? pick(s, 4) : length(s);
		break;
	case SYS_SPACE_CREATE:
	case SYS_IPC_CREATE:
	case SYS_NOTIFY_CREATE:
	case SYS_CAP_DELETE:
	case SYS_THREAD_JOIN:                                    /* never a worker: no cycles */
		a[0] = own_slot(s);
		break;
	case SYS_MAP:
		a[0] = any_slot(s), a[1] = any_slot(s), a[2] = pointer(s) & ~0xfffull;
		a[3] = pick(s, 8) ? pick(s, 4) : boundary(s), a[4] = flags(s);
		break;
	case SYS_MODULE_LOAD:
		a[1] = own_slot(s), a[2] = SLOT_MEMORY, a[3] = pointer(s), a[4] = length(s);
		break;
	case SYS_THREAD_CREATE:
		a[0] = pick(s, 2) ? SLOT_SELF : own_slot(s), a[1] = own_slot(s), a[2] = entry(s);
		a[3] = pick(s, 2) ? STACK_BASE + MAX_WORKERS * 0x10000 + 0x8000 : pointer(s);
		/* Not below the workers' priority: main's yield loop would starve
		 * such a thread, and a worker joining it would wait for ever. */
		a[4] = next(s), a[5] = 10 + pick(s, 30);
		if (a[0] != SLOT_SELF && pick(s, 2))
			a[5] = 10;                               /* runs after we set its pager */
		break;
	case SYS_CAP_COPY:
		a[1] = pick(s, 2) ? SLOT_SELF : any_slot(s), a[2] = own_slot(s), a[3] = flags(s);
		a[4] = pick(s, 2) ? 0 : next(s);
		if (a[1] == SLOT_SELF && (a[2] < PLAY_LO || a[2] >= PLAY_LO + PLAY_N))
			a[2] = PLAY_LO;                          /* never over our own slots */
		if (a[0] == SLOT_SELF)                           /* a copy that could destroy us */
			a[3] &= ~(uint64_t)RIGHT_CONTROL;
		break;
	case SYS_SEND:
	case SYS_RECV:
	case SYS_CALL:
	case SYS_REPLY_RECV:
		a[1] = pick(s, 2) ? length(s) : length(s) | length(s) << IPC_CAP_SHIFT;
		a[2] = timeout(s);
		a[4] = pointer(s);                               /* r8: word 0, or the buffer */
		break;
	case SYS_THREAD_PAGER:                                   /* victims' faults to a worker */
		a[0] = own_slot(s), a[1] = pick(s, 4) ? own_slot(s) : 0;
		break;
	case SYS_NOTIFY:
		a[1] = flags(s);
		break;
	case SYS_WAIT:
		a[1] = timeout(s);
		break;
	default:
		break;
	}
	last_call[me][0] = nr;
	for (int i = 0; i < 6; i++)
		last_call[me][i + 1] = a[i];
	struct sysret r = syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	/* Only threads of the playground's spaces get pagers: unstick() kills
	 * them with their space.  One of ours could wait for ever on a worker
	 * that took its fault and then joins it. */
	if (nr == SYS_THREAD_CREATE && r.err == IPC_OK && a[0] != SLOT_SELF && a[5] == 10) {
		uint64_t pager = own_slot(s);                   /* an endpoint there, if it can be */
		syscall6(SYS_IPC_CREATE, pager, 0, 0, 0, 0, 0);
		syscall6(SYS_THREAD_PAGER, a[1], pager, 0, 0, 0, 0);
	}
	last_call[me][0] = ~0ull;
}

static void worker(uint64_t index)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + index + 1;
	while (!stop && calls_done < total_calls) {
		fuzz_one(&s, (unsigned)index);
		calls_done++;                            /* one CPU, no preemption in a ++ that matters */
	}
	finished++;
	sys_exit(0);
}

/* The workers stopped making progress: say where they are, and what the
 * kernel sees. */
static void report_stuck(void)
{
	printf("fuzz: no progress after %lu calls (seed %lu); the workers are in:\n", calls_done,
	       seed);
	for (unsigned i = 0; i < nworkers; i++)
		printf("fuzz:   worker %u: call %lx (%lx, %lx, %lx, %lx, %lx, %lx)\n", i,
		       last_call[i][0], last_call[i][1], last_call[i][2], last_call[i][3],
		       last_call[i][4], last_call[i][5], last_call[i][6]);
	syscall6(SYS_CHECK, 1, 0, 0, 0, 0, 0);
}

/* Every worker blocked for good (a receive with no sender, a join on a
 * blocked thread...): destroying the playground's objects ends those waits. */
static void unstick(void)
{
	for (uint64_t slot = PLAY_LO; slot < PLAY_LO + PLAY_N; slot++)
		sys_cap_delete(slot);
}

int main(struct start_info *info)
{
	struct args a;
	args_init(&a, "fuzz", info->args);
	seed = args_number(&a, "seed", 1, 0, UINT64_MAX);
	total_calls = args_number(&a, "calls", 20000, 1, CALLS_MAX);
	nworkers = (unsigned)args_number(&a, "threads", 4, 1, MAX_WORKERS);
	if (!args_done(&a))
		return 1;
	printf("fuzz: seed %lu, %lu calls, %u threads\n", seed, total_calls, nworkers);

	char why[ERROR_TEXT_MAX];
	long err;
	if ((err = sys_map(SLOT_MEMORY, SLOT_SELF, SCRATCH, 1, MAP_WRITE)) ||
	    (err = sys_map(SLOT_MEMORY, SLOT_SELF, STACK_BASE, (MAX_WORKERS + 1) * 16, MAP_WRITE))) {
		printf("fuzz: cannot map its memory: %s\n", error_text(why, sizeof(why), err, NULL));
		return 1;
	}
	memset((void *)SCRATCH, '.', 4096);
	for (unsigned i = 0; i < nworkers; i++)
		if ((err = sys_thread_create(SLOT_SELF, WORKER_SLOT + i, (uint64_t)worker,
					     STACK_BASE + (i + 1) * 0x10000 - 8, i, 10))) {
			printf("fuzz: cannot start worker %u: %s\n", i,
			       error_text(why, sizeof(why), err, NULL));
			return 1;
		}

	unsigned checks = 0, failures = 0, stuck = 0;
	uint64_t last = 0, idle = 0;
	while (calls_done < total_calls) {
		sys_yield();
		if (calls_done - last < BATCH && ++idle < 2000)
			continue;
		if (calls_done == last && ++stuck == 5) {
			report_stuck();
			return 2;
		}
		if (calls_done == last)
			unstick();                               /* everyone is blocked */
		else
			stuck = 0;
		last = calls_done;
		idle = 0;
		checks++;
		if (sys_check() != IPC_OK)
			failures++;
	}
	stop = true;
	unsigned spins = 0;
	for (; finished < nworkers && spins < 10000; spins++) {   /* end every wait */
		unstick();
		sys_yield();
	}
	unsigned left = nworkers - finished;
	if (left) {
		/* A known gap, not a kernel failure: an object whose capabilities all
		 * sit in spaces that keep each other alive (a space holding a
		 * capability to itself) can no longer be destroyed from here, and
		 * a worker waiting on it waits for ever.  Say so and go on. */
		report_stuck();
		printf("fuzz: %u worker(s) left waiting on objects kept alive by a capability "
		       "cycle\n", left);
	}
	for (unsigned i = 0; i < nworkers && !left; i++) {
		uint64_t how, code, addr;
		sys_thread_join(WORKER_SLOT + i, &how, &code, &addr);
	}
	unstick();
	checks++;
	if (sys_check() != IPC_OK)
		failures++;
	printf("fuzz: seed %lu: %lu calls, %u invariant checks, %u broken; the kernel survived\n",
	       seed, calls_done, checks, failures);
	return failures ? 1 : 0;
}
