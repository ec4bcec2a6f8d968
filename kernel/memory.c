/* The kernel's frame pool: all RAM below PHYSMAP_LIMIT that the loader
 * reported free, minus the kernel, the modules and the loader's data. */
#include "frame.h"
#include "mmu.h"
#include "console.h"

#define MAX_FRAMES (PHYSMAP_LIMIT / PAGE_SIZE)

struct frame_pool kernel_frames;
static uint64_t frame_bitmap[MAX_FRAMES / 64];

void memory_init(void)
{
	frame_pool_init(&kernel_frames, frame_bitmap, MAX_FRAMES);
}

paddr_t frame_alloc_n(uint64_t n)
{
	paddr_t pa = frame_pool_alloc(&kernel_frames, n);
	if (pa)
		memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
	return pa;
}

paddr_t frame_alloc(void)
{
	return frame_alloc_n(1);
}

void frame_free(paddr_t pa, uint64_t n)
{
	if (!frame_pool_free(&kernel_frames, pa, n))
		panic("frame_free: %lx (+%lu) was not allocated", pa, n);
}
