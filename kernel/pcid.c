/* The PCID allocator (pcid.h): a bitmap, searched from the lowest word. */
#include "pcid.h"

unsigned pcid_alloc(struct pcid_pool *p, unsigned limit)
{
	if (limit >= PCID_COUNT)
		limit = PCID_COUNT - 1;
	for (unsigned w = 0; w * 64 <= limit; w++) {
		/* PCID 0 is never handed out: it is the untagged one. */
		uint64_t free = ~p->taken[w] & (w ? ~0ull : ~1ull);
		if (!free)
			continue;
		unsigned pcid = w * 64 + (unsigned)__builtin_ctzll(free);
		if (pcid > limit)
			return 0;
		p->taken[w] |= 1ull << (pcid % 64);
		return pcid;
	}
	return 0;
}

void pcid_free(struct pcid_pool *p, unsigned pcid)
{
	if (pcid && pcid < PCID_COUNT)
		p->taken[pcid / 64] &= ~(1ull << (pcid % 64));
}

bool pcid_taken(const struct pcid_pool *p, unsigned pcid)
{
	return pcid < PCID_COUNT && p->taken[pcid / 64] >> (pcid % 64) & 1;
}
