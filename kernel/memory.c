/* The kernel's frame pool: all RAM below PHYSMAP_LIMIT that the loader
 * reported free, minus the kernel, the modules and the loader's data. */
#include "kernel.h"
#include "frame.h"
#include "mmu.h"

#define MAX_FRAMES (PHYSMAP_LIMIT / PAGE_SIZE)

struct frame_pool kernel_frames;
static uint64_t frame_bitmap[MAX_FRAMES / 64];

void memory_init(void)
{
	frame_pool_init(&kernel_frames, frame_bitmap, MAX_FRAMES);
}

/* Record why n frames could not be had: too few, or none n in a row.  Out
 * of line, so that the allocation's own path stays as short as it was. */
static void __attribute__((noinline, cold)) frames_short(uint64_t n)
{
	if (n <= kernel_frames.nfree)
		memory_short(NOMEM_CONTIGUOUS, n, frame_pool_longest_run(&kernel_frames));
	else
		memory_short(NOMEM_FRAMES, n, kernel_frames.nfree);
}

paddr_t frame_alloc_n(uint64_t n)
{
	paddr_t pa = frame_pool_alloc(&kernel_frames, n);
	if (pa)
		memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
	else
		frames_short(n);
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

struct shortage last_shortage;

int memory_short(uint32_t kind, uint64_t asked, uint64_t free)
{
	last_shortage = (struct shortage){ kind, asked, free };
	/* Per thread too, so that another thread's failure in between does not
	 * change what INFO_NOMEM tells this one. */
	if (current) {
		current->nomem_kind = kind;
		current->nomem_asked = asked;
		current->nomem_free = free;
	}
	return E_NOMEM;
}

void memory_refund(struct space *s)
{
	if (s->pool)
		s->pool->quota += s->charged;
	s->charged = 0;
}
