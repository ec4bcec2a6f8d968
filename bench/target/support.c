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
	default:
		break;
	}
}
