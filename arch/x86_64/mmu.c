/* 4-level paging.  The kernel half (PML4 slots 256..511) is built once from
 * static tables and shared by reference with every address space.  With
 * KPTI each space has a second top-level table, its user table, in the page
 * after its root: the same user half, and of the kernel only the entry
 * trampoline (.entry.text, .entry.data) and the TSS's I/O window. */
#include "mmu.h"
#include "cpu.h"
#include "frame.h"
#include "iobitmap.h"
#include "console.h"
#include <ipclab/abi.h>

#define TABLE_ENTRIES 512
typedef uint64_t table_t[TABLE_ENTRIES] __attribute__((aligned(4096)));

static table_t kernel_pml4;
static table_t physmap_pdpt, physmap_pd[4];     /* 4 x 1 GiB of 2 MiB pages */
static table_t image_pdpt, image_pd;             /* KERNEL_VMA: the first GiB */
static table_t device_pd, device_pt;             /* the last GiB: device windows */
static unsigned device_next;                     /* next free page in device_pt */
static table_t tramp_pdpt, tramp_pd, tramp_pt;   /* KPTI: the trampoline in user tables */
static bool pcid_on;                             /* CR4.PCIDE set: spaces get PCIDs */

#define DEVICE_BASE 0xFFFFFFFFC0000000ull

static unsigned idx(vaddr_t va, unsigned level) { return va >> (12 + 9 * level) & 511; }
static paddr_t kphys(const void *table) { return kernel_virt_to_phys(table); }

/* Map [start, end) of the kernel image into the trampoline's leaf table. */
static void map_trampoline(const char *start, const char *end, uint64_t flags)
{
	for (const char *va = start; va < end; va += PAGE_SIZE) {
		if (idx((vaddr_t)va, 1) != idx((vaddr_t)entry_text_start, 1))
			panic("KPTI: the entry trampoline crosses a 2 MiB boundary at %p",
			      (const void *)va);
		tramp_pt[idx((vaddr_t)va, 0)] = kphys(va) | PTE_P | flags;
	}
}

/* KPTI: the chain every user table points its slot 511 at, with 4 KiB
 * pages for the trampoline's code (read-only) and data (no execute). */
static void trampoline_init(uint64_t nx)
{
	map_trampoline(entry_text_start, entry_text_end, 0);
	map_trampoline(entry_data_start, entry_data_end, PTE_W | nx);
	tramp_pd[idx((vaddr_t)entry_text_start, 1)] = kphys(tramp_pt) | PTE_P | PTE_W;
	tramp_pdpt[idx((vaddr_t)entry_text_start, 2)] = kphys(tramp_pd) | PTE_P | PTE_W;
}

const char *mmu_pcid_state(void)
{
	if (!CONFIG_PCID)
		return "off (PCID=n): every cr3 load flushes the TLB";
	if (!cpu.pcid)
		return "requested (PCID=y) but absent on this CPU: every cr3 load flushes the TLB";
	return CONFIG_KPTI_KPTI ? "on: a PCID per space, another for its user table"
			   : "on: a PCID per space";
}

unsigned mmu_pcid_limit(void)
{
	return !pcid_on ? 0 : CONFIG_KPTI_KPTI ? PCID_USER_BIT - 1 : 4095;
}

void mmu_init(void)
{
	/* KPTI: no global kernel pages, or their TLB entries would outlive
	 * the switch to a user table. */
	uint64_t g = cpu.pge && !CONFIG_KPTI_KPTI ? PTE_G : 0, nx = cpu.nx ? PTE_NX : 0;
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
	if (CONFIG_KPTI_KPTI)
		trampoline_init(nx);

	if (cpu.pge)
		write_cr4(read_cr4() | CR4_PGE);
	pcid_on = CONFIG_PCID && cpu.pcid;
	if (pcid_on)
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
	paddr_t root = frame_alloc_n(MMU_ROOT_PAGES);
	if (!root)
		return 0;
	uint64_t *t = phys_to_virt(root);
	for (unsigned i = TABLE_ENTRIES / 2; i < TABLE_ENTRIES; i++)
		t[i] = kernel_pml4[i];
	if (CONFIG_KPTI_KPTI) {
		uint64_t *u = phys_to_virt(mmu_user_root(root));
		u[511] = kphys(tramp_pdpt) | PTE_P | PTE_W;
		u[IOWIN_SLOT] = t[IOWIN_SLOT];
	}
	return root;
}

void mmu_sync_user_root(paddr_t root)
{
	if (CONFIG_KPTI_KPTI)
		((uint64_t *)phys_to_virt(mmu_user_root(root)))[IOWIN_SLOT] =
			((uint64_t *)phys_to_virt(root))[IOWIN_SLOT];
}

/* Is the trampoline chain (tramp_pdpt down) as trampoline_init built it,
 * mapping nothing of the kernel but the trampoline's pages? */
static const char *check_trampoline(void)
{
	vaddr_t base = (vaddr_t)entry_text_start & ~((1ull << 21) - 1);
	for (unsigned i = 0; i < TABLE_ENTRIES; i++) {
		bool want_pdpt = i == idx(base, 2), want_pd = i == idx(base, 1);
		if (!!tramp_pdpt[i] != want_pdpt || !!tramp_pd[i] != want_pd)
			return "the trampoline's upper tables map more than its 2 MiB";
		vaddr_t va = base + (vaddr_t)i * PAGE_SIZE;
		bool text = va >= (vaddr_t)entry_text_start && va < (vaddr_t)entry_text_end;
		bool data = va >= (vaddr_t)entry_data_start && va < (vaddr_t)entry_data_end;
		if (!(text || data) ? tramp_pt[i] != 0 :
		    (tramp_pt[i] & (PTE_ADDR | PTE_P | PTE_U | PTE_W)) !=
		    (kphys((const void *)va) | PTE_P | (data ? PTE_W : 0)))
			return "a user table maps a kernel page outside the trampoline";
	}
	return NULL;
}

const char *mmu_check_user_root(paddr_t root)
{
	if (!CONFIG_KPTI_KPTI)
		return NULL;
	const uint64_t *t = phys_to_virt(root), *u = phys_to_virt(mmu_user_root(root));
	for (unsigned i = 0; i < TABLE_ENTRIES; i++) {
		uint64_t want = i < TABLE_ENTRIES / 2 || i == IOWIN_SLOT ? t[i] :
				i == 511 ? (kphys(tramp_pdpt) | PTE_P | PTE_W) : 0;
		if ((u[i] ^ want) & ~PTE_A)        /* the CPU sets A in either */
			return i < TABLE_ENTRIES / 2 ? "a user table's user half differs from its root's"
						     : "a user table maps a kernel slot beyond the trampoline";
	}
	return check_trampoline();
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
			if (CONFIG_KPTI_KPTI && level == 3)   /* the user table shares it */
				((uint64_t *)phys_to_virt(mmu_user_root(root)))[idx(va, 3)] = *e;
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
