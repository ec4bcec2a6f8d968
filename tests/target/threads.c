/* Threads are created, run and report how they ended; the timer preempts a
 * thread that never yields. */
#include "ktest.h"

#define NTHREADS 8
#define WORKER (SLOT_FREE + 30)

static volatile uint64_t squares[NTHREADS];

static void square(uint64_t i)
{
	squares[i] = i * i;
	sys_exit(100 + i);
}

void test_threads_run(void)
{
	for (unsigned i = 0; i < NTHREADS; i++) {
		squares[i] = ~0ul;
		EXPECT_OK(spawn(square, i, WORKER + i));
	}
	for (unsigned i = 0; i < NTHREADS; i++) {
		uint64_t how, code, addr;
		EXPECT_OK(join(WORKER + i, &how, &code, &addr));
		EXPECT(how == JOIN_EXITED && code == 100 + i, "thread %u: how %lu code %lu", i, how, code);
		EXPECT(squares[i] == i * i, "thread %u did not run: %lu", i, squares[i]);
	}
}

static volatile uint64_t spins[2];
static volatile bool stop;

static void spinner(uint64_t i)
{
	while (!stop)
		spins[i]++;
	sys_exit(0);
}

/* Two threads that never yield both make progress: only the tick can take
 * the CPU from them. */
void test_preemption(void)
{
	spins[0] = spins[1] = 0;
	stop = false;
	EXPECT_OK(spawn(spinner, 0, WORKER));
	EXPECT_OK(spawn(spinner, 1, WORKER + 1));
	uint64_t start = sys_info(INFO_TICKS);
	while (sys_info(INFO_TICKS) - start < 200 && (spins[0] < 100000 || spins[1] < 100000))
		sys_yield();
	uint64_t a = spins[0], b = spins[1], waited = sys_info(INFO_TICKS) - start;
	stop = true;
	uint64_t how, code, addr;
	EXPECT_OK(join(WORKER, &how, &code, &addr));
	EXPECT_OK(join(WORKER + 1, &how, &code, &addr));
	EXPECT(a >= 100000 && b >= 100000, "after %lu ticks the spinners counted %lu and %lu",
	       waited, a, b);
}
