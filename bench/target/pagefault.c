/* A page fault served by a user-level pager (docs/abi.md, SYS_THREAD_PAGER):
 * from the faulting store to its completion, through the kernel's call to
 * the pager, the pager's SYS_MAP of one fresh (zeroed) page and its reply.
 * The pager is a thread of the same space; the faulting thread measures
 * itself, one new page per sample, and never gives a page back.  Beside
 * it, the SYS_MAP of one fresh page alone: the difference is what the
 * fault and the two messages cost.  Round i stores pattern(i, 0) into
 * its page; afterwards every page must hold that word and zeros. */
#include "bench.h"

#define TOUCHER (CLIENT0 + 7)
#define REGION 0x200000000ul          /* 8 GiB up: fresh pages for every run */

static uint64_t next_page = REGION;
struct nomem_info bench_nomem;
static uint64_t *touch_samples;
static unsigned touch_warmup, touch_n;      /* rounds: warmup + n */

static void pager(uint64_t unused)
{
	(void)unused;
	struct ipc_msg m = { 0 };
	long err = ipc_recv(EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		uint64_t page = m.w[FAULT_MSG_ADDR] & ~0xffful;
		long map_err = sys_map(SLOT_MEMORY, SLOT_SELF, page, 1, MAP_WRITE);
		if (map_err == E_NOMEM)
			bench_nomem = sys_nomem_info();   /* ours: the bench thread reports it */
		m.w[0] = map_err ? 1 : FAULT_RESUME;
		m.len = 8;
		err = ipc_reply_recv(EP, &m, TIMEOUT_FOREVER);
	}
	sys_cap_delete(EP);
	sys_exit(0);
}

/* Runs below the pager's priority and ours: it starts once we wait for it. */
static void toucher(uint64_t base)
{
	for (unsigned i = 0; i < touch_warmup + touch_n; i++) {
		round_begin(i, touch_warmup);
		volatile uint64_t *p = (volatile uint64_t *)(base + i * 4096ul);
		uint64_t v = pattern(i, 0);
		fp_begin();
		uint64_t t0 = tsc_begin();
		*p = v;
		uint64_t t1 = tsc_end();
		fp_end();
		touch_samples[sample_slot(i, touch_warmup)] = t1 - t0;
	}
	sys_exit(0);
}

/* The pages of rounds [0, rounds) from base: each holds its round's word
 * and zeros (a fresh page, and no other round's). */
static long check_pages(const struct bench_case *c, uint64_t base, unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		const uint64_t *p = (const uint64_t *)(base + i * 4096ul);
		for (unsigned k = 0; k < 512; k++)
			if (p[k] != (k ? 0 : pattern(i, 0)))
				return check_word_failed(c, i, k, k ? 0 : pattern(i, 0), p[k]);
	}
	return 0;
}

long bench_pagefault(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	uint64_t how, code, addr, base = next_page;
	next_page += (warmup + n) * 4096ul;
	touch_samples = s;
	touch_warmup = warmup;
	touch_n = n;
	long err = server_start(SAME_SPACE, pager, 0);
	if (err || (err = thread_spawn(toucher, base, TOUCHER, BENCH_PRIO - 1)) ||
	    (err = sys_thread_pager(TOUCHER, EP)) ||
	    (err = sys_thread_join(TOUCHER, &how, &code, &addr)))
		return err;
	sys_cap_delete(TOUCHER);
	long stop = server_stop();
	if (how != JOIN_EXITED)                  /* the pager refused: bench_nomem says why */
		return bench_nomem.kind ? E_NOMEM : 3000 + (long)code;
	return stop ? stop : check_pages(c, base, warmup + n);
}

long bench_map(const struct bench_case *c, uint64_t *s, unsigned warmup, unsigned n)
{
	(void)c;
	uint64_t base = next_page;
	next_page += (warmup + n) * 4096ul;
	for (unsigned i = 0; i < warmup + n; i++) {
		round_begin(i, warmup);
		fp_begin();
		uint64_t t0 = tsc_begin();
		long err = sys_map(SLOT_MEMORY, SLOT_SELF, base + i * 4096ul, 1, MAP_WRITE);
		uint64_t t1 = tsc_end();
		fp_end();
		if (err)
			return err;
		s[sample_slot(i, warmup)] = t1 - t0;
	}
	return 0;
}
