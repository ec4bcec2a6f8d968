/* The physical frame allocator: one bit per 4 KiB frame, fed by the boot
 * memory map.  Pure logic over a caller-provided bitmap (host-tested). */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include "types.h"

struct frame_pool {
	uint64_t *used;      /* bit set = frame not available */
	uint64_t nframes;    /* frames the bitmap describes, from physical 0 */
	uint64_t nfree;
	uint64_t hint;       /* where the next search starts */
};

/* Start with every frame unavailable; bitmap must hold nframes bits. */
void frame_pool_init(struct frame_pool *p, uint64_t *bitmap, uint64_t nframes);
/* Make the whole frames inside [base, base+len) available. */
void frame_pool_add(struct frame_pool *p, paddr_t base, uint64_t len);
/* Take the frames touching [base, base+len) out of the pool. */
void frame_pool_reserve(struct frame_pool *p, paddr_t base, uint64_t len);
/* Allocate n physically contiguous frames; returns the base or 0 if none. */
paddr_t frame_pool_alloc(struct frame_pool *p, uint64_t n);
/* Give back n frames from base; freeing a free frame returns false. */
bool frame_pool_free(struct frame_pool *p, paddr_t base, uint64_t n);
/* The most frames frame_pool_alloc could hand out at once now (frame 0 aside):
 * says why a contiguous allocation failed while nfree was large enough. */
uint64_t frame_pool_longest_run(const struct frame_pool *p);

/* The kernel's one pool, and shorthands for it. */
extern struct frame_pool kernel_frames;
paddr_t frame_alloc(void);              /* one zeroed frame, or 0 */
paddr_t frame_alloc_n(uint64_t n);      /* n zeroed contiguous frames, or 0 */
void frame_free(paddr_t pa, uint64_t n);
void memory_init(void);                 /* an empty kernel pool */

#endif
