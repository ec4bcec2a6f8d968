/* 4-level paging.  The kernel half (PML4 slots 256..511) is built once from
 * static tables and shared by reference with every address space. */
#include "mmu.h"
#include "cpu.h"
#include "frame.h"
#include "iobitmap.h"
#include <ipclab/abi.h>

#define TABLE_ENTRIES 512
typedef uint64_t table_t[TABLE_ENTRIES] __attribute__((aligned(4096)));

static table_t kernel_pml4;
static table_t physmap_pdpt, physmap_pd[4];     /* 4 x 1 GiB of 2 MiB pages */
static table_t image_pdpt, image_pd;             /* KERNEL_VMA: the first GiB */
static table_t device_pd, device_pt;             /* the last GiB: device windows */
static unsigned device_next;                     /* next free page in device_pt */

#define DEVICE_BASE 0xFFFFFFFFC0000000ull

static unsigned idx(vaddr_t va, unsigned level) { return va >> (12 + 9 * level) & 511; }
static paddr_t kphys(const void *table) { return kernel_virt_to_phys(table); }

void mmu_init(void)
{
	uint64_t g = cpu.pge ? PTE_G : 0, nx = cpu.nx ? PTE_NX : 0;
	for (unsigned gb = 0; gb < 4; gb++) {
		physmap_pdpt[gb] = kphys(physmap_pd[gb]) | PTE_P | PTE_W;
		for (unsigned i = 0; i < TABLE_ENTRIES; i++)
			physmap_pd[gb][i] = ((uint64_t)gb << 30 | (uint64_t)i << 21) |
					    PTE_P | PTE_W | PTE_PS | g | nx;
	}
	for (unsigned i = 0; i < TABLE_ENTRIES; i++)
		image_pd[i] = (uint64_t)i << 21 | PTE_P | PTE_W | PTE_PS | g;
	image_pdpt[510] = kphys(image_pd) | PTE_P | PTE_W;
	image_pdpt[511] = kphys(device_pd) | PTE_P | PTE_W;
	device_pd[0] = kphys(device_pt) | PTE_P | PTE_W;
	kernel_pml4[idx(PHYSMAP_BASE, 3)] = kphys(physmap_pdpt) | PTE_P | PTE_W;
	kernel_pml4[511] = kphys(image_pdpt) | PTE_P | PTE_W;
	kernel_pml4[IOWIN_SLOT] = iobitmap_init(kphys(&tss));   /* TSS and I/O bitmap */

	if (cpu.pge)
		write_cr4(read_cr4() | CR4_PGE);
	if (cpu.pcid)
		write_cr4(read_cr4() | CR4_PCIDE);
	write_cr3(kphys(kernel_pml4));
}

volatile void *mmu_map_device(paddr_t pa, size_t len)
{
	paddr_t base = PAGE_ALIGN_DOWN(pa);
	unsigned pages = (PAGE_ALIGN_UP(pa + len) - base) / PAGE_SIZE;
	if (device_next + pages > TABLE_ENTRIES)
		return NULL;
	vaddr_t va = DEVICE_BASE + (uint64_t)device_next * PAGE_SIZE;
	for (unsigned i = 0; i < pages; i++)
		device_pt[device_next + i] = (base + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_PCD |
					     PTE_PWT | (cpu.nx ? PTE_NX : 0);
	device_next += pages;
	return (volatile void *)(va + (pa - base));
}

paddr_t mmu_new_root(void)
{
	paddr_t root = frame_alloc();
	if (!root)
		return 0;
	uint64_t *t = phys_to_virt(root);
	for (unsigned i = TABLE_ENTRIES / 2; i < TABLE_ENTRIES; i++)
		t[i] = kernel_pml4[i];
	return root;
}

/* The leaf entry for va, creating tables on the way if create is set. */
static uint64_t *walk(paddr_t root, vaddr_t va, bool create)
{
	uint64_t *t = phys_to_virt(root);
	for (unsigned level = 3; level > 0; level--) {
		uint64_t *e = &t[idx(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			paddr_t next = frame_alloc();
			if (!next)
				return NULL;
			*e = next | PTE_P | PTE_W | PTE_U;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[idx(va, 0)];
}

int mmu_map_user(paddr_t root, vaddr_t va, paddr_t pa, uint64_t flags)
{
	if (va >= USER_TOP || va % PAGE_SIZE || pa % PAGE_SIZE)
		return E_INVAL;
	uint64_t *pte = walk(root, va, true);
	if (!pte)
		return E_NOMEM;
	if (*pte & PTE_P)
		return E_EXISTS;
	if (!cpu.nx)
		flags &= ~PTE_NX;
	*pte = pa | PTE_P | PTE_U | (flags & (PTE_W | PTE_NX | PTE_PCD | PTE_PWT | PTE_BORROWED));
	return IPC_OK;
}

uint64_t mmu_lookup_user(paddr_t root, vaddr_t va)
{
	if (va >= USER_TOP)
		return 0;
	uint64_t *pte = walk(root, va, false);
	return pte ? *pte : 0;
}

static void free_level(uint64_t *t, unsigned level, unsigned entries, void (*free_frame)(paddr_t))
{
	for (unsigned i = 0; i < entries; i++) {
		if (!(t[i] & PTE_P))
			continue;
		paddr_t pa = t[i] & PTE_ADDR;
		if (level > 0) {
			free_level(phys_to_virt(pa), level - 1, TABLE_ENTRIES, free_frame);
			frame_free(pa, 1);
		} else if (free_frame && !(t[i] & PTE_BORROWED)) {
			free_frame(pa);
		}
	}
}

void mmu_free_user(paddr_t root, void (*free_frame)(paddr_t))
{
	free_level(phys_to_virt(root), 3, TABLE_ENTRIES / 2, free_frame);
}

uint64_t mmu_cr3_value(paddr_t root, unsigned pcid, bool flush)
{
	uint64_t keep = pcid && !flush ? 1ull << 63 : 0;
	return root | pcid | keep;
}

void mmu_activate(paddr_t root, unsigned pcid, bool flush)
{
	write_cr3(mmu_cr3_value(root, pcid, flush));
}
