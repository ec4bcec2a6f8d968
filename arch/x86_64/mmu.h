/* Page tables: the kernel's half (shared by every space) and per-space user
 * halves.  All physical memory below 4 GiB is mapped at PHYSMAP_BASE. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include "asm.h"
#include "types.h"
#include <config.h>

#define PTE_P   0x001ull
#define PTE_W   0x002ull
#define PTE_U   0x004ull
#define PTE_PWT 0x008ull
#define PTE_PCD 0x010ull
#define PTE_A   0x020ull
#define PTE_PS  0x080ull
#define PTE_G   0x100ull
#define PTE_BORROWED 0x200ull   /* a free bit: the frame is not the space's to free */
#define PTE_NX  (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PHYSMAP_LIMIT (4ull << 30)   /* the physmap covers [0, 4 GiB) */

static inline void *phys_to_virt(paddr_t pa) { return (void *)(PHYSMAP_BASE + pa); }
static inline paddr_t physmap_to_phys(const void *va) { return (uint64_t)va - PHYSMAP_BASE; }
static inline paddr_t kernel_virt_to_phys(const void *va) { return (uint64_t)va - KERNEL_VMA; }

/* Build the kernel's page tables (static memory only) and switch to them. */
void mmu_init(void);
/* Map a device's registers uncached into the kernel; returns their address. */
volatile void *mmu_map_device(paddr_t pa, size_t len);
/* A new top-level table: empty user half, the kernel half shared; with KPTI
 * its user table follows it (MMU_ROOT_PAGES frames in all).  0 = no memory. */
paddr_t mmu_new_root(void);
#define MMU_ROOT_PAGES (CONFIG_KPTI_KPTI ? 2 : 1)
/* KPTI: the user table of root, what runs in user mode. */
static inline paddr_t mmu_user_root(paddr_t root) { return root + PAGE_SIZE; }
/* KPTI: root's I/O window (IOWIN_SLOT) changed; copy it to its user table. */
void mmu_sync_user_root(paddr_t root);
/* KPTI: NULL if root's user table maps the user half and, of the kernel,
 * only the entry trampoline and the I/O window; else what is wrong. */
const char *mmu_check_user_root(paddr_t root);
/* The highest PCID a space may get (0: PCIDs are off or absent). */
unsigned mmu_pcid_limit(void);
/* The PCID axis and what this CPU made of it, for the banner. */
const char *mmu_pcid_state(void);
/* Map one user page; PTE_ flags among W, NX, PCD, PWT and BORROWED (such
 * pages are left alone by mmu_free_user).  Returns an ipc_err. */
int mmu_map_user(paddr_t root, vaddr_t va, paddr_t pa, uint64_t flags);
/* The leaf entry of a user page, or 0 if it is not mapped. */
uint64_t mmu_lookup_user(paddr_t root, vaddr_t va);
/* Free every user page-table page and, if free_frames, the frames mapped. */
void mmu_free_user(paddr_t root, void (*free_frame)(paddr_t));
/* The cr3 value that runs on root with this PCID; without flush, loads keep
 * the PCID's TLB entries. */
uint64_t mmu_cr3_value(paddr_t root, unsigned pcid, bool flush);
/* Run on root, with this PCID (0 = none, flush). */
void mmu_activate(paddr_t root, unsigned pcid, bool flush);

#endif
