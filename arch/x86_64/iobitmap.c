/* The I/O-port window of every address space (see iobitmap.h).  The TSS
 * bitmap format: Intel SDM vol. 1, section 19.5.2 (a set bit denies the
 * port; the CPU checks every bit an access covers). */
#include "iobitmap.h"
#include "asm.h"
#include "cpu.h"
#include "frame.h"
#include "mmu.h"
#include <ipclab/abi.h>

#define ENTRIES 512
#define TABLE_FLAGS (PTE_P | PTE_W)

static uint64_t shared_pdpt[ENTRIES] __attribute__((aligned(4096)));
static uint64_t shared_pd[ENTRIES] __attribute__((aligned(4096)));
static uint64_t shared_pt[ENTRIES] __attribute__((aligned(4096)));
static uint8_t deny_all[IOBITMAP_BYTES] __attribute__((aligned(4096)));
static uint64_t shared_entry;                  /* PML4 entry of the shared chain */
static paddr_t tss_page;

static paddr_t kphys(const void *p) { return kernel_virt_to_phys(p); }
static uint64_t nx(void) { return cpu.nx ? PTE_NX : 0; }

/* The window's four leaf entries: TSS, two bitmap pages, a page of ones.
 * Never global: each space may see its own. */
static void fill_window(uint64_t *pt, paddr_t bitmap0, paddr_t bitmap1)
{
	pt[0] = tss_page | PTE_P | PTE_W | nx();
	pt[1] = bitmap0 | PTE_P | nx();
	pt[2] = bitmap1 | PTE_P | nx();
	pt[3] = kphys(deny_all) | PTE_P | nx();
}

uint64_t iobitmap_init(paddr_t tss_phys)
{
	tss_page = tss_phys;
	memset(deny_all, 0xff, sizeof(deny_all));
	fill_window(shared_pt, kphys(deny_all), kphys(deny_all) + PAGE_SIZE);
	shared_pd[0] = kphys(shared_pt) | TABLE_FLAGS;
	shared_pdpt[0] = kphys(shared_pd) | TABLE_FLAGS;
	shared_entry = kphys(shared_pdpt) | TABLE_FLAGS;
	return shared_entry;
}

static uint64_t *table(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* root's private leaf table, or NULL while it shares the deny-all chain. */
static uint64_t *private_pt(paddr_t root)
{
	uint64_t e = ((uint64_t *)phys_to_virt(root))[IOWIN_SLOT];
	if ((e & PTE_ADDR) == (shared_entry & PTE_ADDR) || !(e & PTE_P))   /* the CPU sets A */
		return NULL;
	return table(table(table(e)[0])[0]);
}

/* Give root a private chain whose bitmap denies every port. */
static int make_private(paddr_t root)
{
	paddr_t pa[5];
	for (unsigned i = 0; i < 5; i++) {
		pa[i] = frame_alloc();
		if (!pa[i]) {
			while (i--)
				frame_free(pa[i], 1);
			return E_NOMEM;
		}
	}
	memset(phys_to_virt(pa[3]), 0xff, PAGE_SIZE);
	memset(phys_to_virt(pa[4]), 0xff, PAGE_SIZE);
	fill_window(phys_to_virt(pa[2]), pa[3], pa[4]);
	table(pa[1])[0] = pa[2] | TABLE_FLAGS;
	table(pa[0])[0] = pa[1] | TABLE_FLAGS;
	((uint64_t *)phys_to_virt(root))[IOWIN_SLOT] = pa[0] | TABLE_FLAGS;
	return IPC_OK;
}

int iobitmap_allow(paddr_t root, unsigned first, unsigned n, bool *tables_changed)
{
	*tables_changed = false;
	if (n == 0 || first >= IOPORTS || n > IOPORTS - first)
		return E_INVAL;
	uint64_t *pt = private_pt(root);
	if (!pt) {
		int err = make_private(root);
		if (err)
			return err;
		*tables_changed = true;
		pt = private_pt(root);
	}
	for (unsigned port = first; port < first + n; port++) {
		uint8_t *page = phys_to_virt(pt[1 + port / 32768] & PTE_ADDR);
		page[port % 32768 / 8] &= ~(1u << port % 8);
	}
	return IPC_OK;
}

bool iobitmap_allowed(paddr_t root, unsigned port)
{
	uint64_t *pt = private_pt(root);
	if (!pt || port >= IOPORTS)
		return false;
	const uint8_t *page = phys_to_virt(pt[1 + port / 32768] & PTE_ADDR);
	return !(page[port % 32768 / 8] & 1u << port % 8);
}

void iobitmap_free(paddr_t root)
{
	uint64_t *pml4 = phys_to_virt(root);
	uint64_t *pt = private_pt(root);
	if (!pt)
		return;
	paddr_t pdpt = pml4[IOWIN_SLOT] & PTE_ADDR, pd = table(pml4[IOWIN_SLOT])[0] & PTE_ADDR;
	frame_free(pt[1] & PTE_ADDR, 1);
	frame_free(pt[2] & PTE_ADDR, 1);
	frame_free(physmap_to_phys(pt), 1);
	frame_free(pd, 1);
	frame_free(pdpt, 1);
	pml4[IOWIN_SLOT] = shared_entry;
}
