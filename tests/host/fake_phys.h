/* A model of physical memory for host tests of kernel code that reads
 * firmware or loader tables: a set of regions, each its own heap block of
 * exactly its length, so that ASan reports any read past one; phys() maps
 * [pa, pa+len) only when it lies inside one region. */
#ifndef FAKE_PHYS_H
#define FAKE_PHYS_H

#include <stdint.h>
#include <stdlib.h>

struct region {
	paddr_t pa;
	uint64_t len;
	uint8_t *mem;
};
static struct region regions[64];
static unsigned nregions;

static void mem_reset(void)
{
	for (unsigned i = 0; i < nregions; i++)
		free(regions[i].mem);
	nregions = 0;
}

/* A fresh zeroed region [pa, pa+len). */
static uint8_t *region_new(paddr_t pa, uint64_t len)
{
	if (nregions == ARRAY_SIZE(regions))
		abort();
	uint8_t *m = calloc(1, len ? len : 1);
	if (!m)
		abort();
	regions[nregions++] = (struct region){ pa, len, m };
	return m;
}

static const void *phys(paddr_t pa, uint64_t len)
{
	for (unsigned i = 0; i < nregions; i++) {
		struct region *r = &regions[i];
		if (pa >= r->pa && pa - r->pa <= r->len && len <= r->len - (pa - r->pa))
			return r->mem + (pa - r->pa);
	}
	return NULL;
}

static void put(uint8_t *p, uint64_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

#endif
