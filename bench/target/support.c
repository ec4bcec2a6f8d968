/* Threads, servers and footprint markers for the benchmarks. */
#include "bench.h"

/* The second space was loaded by main with its stack below USER_STACK_TOP;
 * one server at a time runs there. */
long server_start(enum where w, void (*fn)(uint64_t), uint64_t arg)
{
	long err = ipc_create(EP);
	if (err)
		return err;
	if (w == SAME_SPACE)
		return thread_spawn(fn, arg, SERVER, BENCH_PRIO);
	if ((err = sys_cap_copy(EP, OTHER, EP, RIGHT_RECV)))
		return err;
	return sys_thread_create(OTHER, SERVER, (uint64_t)fn, USER_STACK_TOP - 8, arg, BENCH_PRIO);
}

long server_stop(void)
{
	uint64_t how, code, addr;
	long err = sys_cap_delete(EP);
	long jerr = sys_thread_join(SERVER, &how, &code, &addr);
	sys_cap_delete(SERVER);
	if (err || jerr)
		return err ? err : jerr;
	return how == JOIN_EXITED ? 0 : 2000 + (long)code;
}

uint64_t tick_edge(void)
{
	uint64_t t = sys_info(INFO_TICKS), now;
	while ((now = sys_info(INFO_TICKS)) == t)
		;
	return now;
}

long check_word_failed(const struct bench_case *c, unsigned i, unsigned k, uint64_t expected,
		       uint64_t seen)
{
	if (k == LEN_WORD)
		printf("bench: %s %s: iteration %u, length: expected %lu, seen %lu\n", c->bench,
		       c->name, i, expected, seen);
	else
		printf("bench: %s %s: iteration %u, word %u: expected 0x%lx, seen 0x%lx\n", c->bench,
		       c->name, i, k, expected, seen);
	return E_BENCH_CHECK;
}

long check_span(const struct bench_case *c, unsigned i, uint64_t lo, uint64_t start,
		uint64_t end, uint64_t hi)
{
	if (lo <= start && start <= end && end <= hi)
		return 0;
	printf("bench: %s %s: iteration %u: impossible interval: start %lu, end %lu, outside or "
	       "out of order within [%lu, %lu]\n", c->bench, c->name, i, start, end, lo, hi);
	return E_BENCH_CHECK;
}

/* One NOP per id: the id is part of the instruction. */
#define MARK(id)                                                                          \
	case id:                                                                          \
		if (begin)                                                                \
			asm volatile("nopl %c0(%%rax)" : : "i"(0x49500000 + id), "a"(0));   \
		else                                                                      \
			asm volatile("nopl %c0(%%rax)" : : "i"(0x49510000 + id), "a"(0));   \
		break;
#define MARK8(b) MARK(b + 1) MARK(b + 2) MARK(b + 3) MARK(b + 4) MARK(b + 5) MARK(b + 6) \
		 MARK(b + 7) MARK(b + 8)

void region_mark(bool begin, unsigned id)
{
	switch (id) {
		MARK8(0) MARK8(8) MARK8(16) MARK8(24) MARK8(32) MARK8(40)
		MARK(REGION_OVERHEAD)
	default:
		break;
	}
}
