/* PCIDs handed to address spaces: each live space has its own, or 0 (none
 * left: it runs untagged and every load of its table flushes).  A dead
 * space's PCID is taken again, lowest first; its TLB entries may still be
 * there, so the new owner's first load must flush (space_activate_first). */
#ifndef KERNEL_PCID_H
#define KERNEL_PCID_H

#include "types.h"

#define PCID_COUNT 4096              /* cr3 has 12 bits for it */

struct pcid_pool {
	uint64_t taken[PCID_COUNT / 64];  /* bit n: PCID n belongs to a live space */
};

/* The lowest free PCID in [1, limit], now taken; 0 if none is (or limit is 0). */
unsigned pcid_alloc(struct pcid_pool *p, unsigned limit);
/* Give a PCID back; 0 is ignored. */
void pcid_free(struct pcid_pool *p, unsigned pcid);
/* Does a live space hold this PCID? */
bool pcid_taken(const struct pcid_pool *p, unsigned pcid);

#endif
