/* I/O-port permissions per address space, through the TSS I/O bitmap.
 *
 * The CPU reaches the TSS, and the bitmap after it, by a linear address.
 * The kernel loads the TSS through an alias in a PML4 slot of its own
 * (IOWIN_SLOT): its first page maps the TSS, the next two the 8 KiB
 * bitmap, the fourth a page of ones (the byte the CPU may read past the
 * bitmap).  Spaces without ports all point that slot at one shared chain
 * whose bitmap denies every port; a space that is given ports gets a
 * private chain and bitmap.  So loading a space's cr3 also loads its
 * bitmap, and nothing is copied on a switch. */
#ifndef ARCH_IOBITMAP_H
#define ARCH_IOBITMAP_H

#include "types.h"

#define IOWIN_SLOT 510                           /* PML4 slot of the window */
#define IOWIN_BASE 0xFFFFFF0000000000ull         /* its first address: the TSS */
#define IOBITMAP_OFFSET 4096u                    /* the bitmap, from the TSS */
#define IOBITMAP_BYTES 8192u                     /* one bit per port */
#define IOPORTS 65536u

/* Build the shared chain around the TSS at tss_phys (page-aligned);
 * returns the PML4 entry every top-level table carries in IOWIN_SLOT. */
uint64_t iobitmap_init(paddr_t tss_phys);
/* Let the space whose top-level table is root use ports [first, first+n).
 * *tables_changed says whether its IOWIN_SLOT entry changed (the caller
 * must then flush that space's TLB).  Returns an ipc_err. */
int iobitmap_allow(paddr_t root, unsigned first, unsigned n, bool *tables_changed);
/* Does root have a private bitmap, and does it allow this port? */
bool iobitmap_allowed(paddr_t root, unsigned port);
/* Free root's private chain, if it has one. */
void iobitmap_free(paddr_t root);

#endif
