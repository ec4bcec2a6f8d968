/* Address spaces: page tables, capability table, loading programs, and safe
 * access to user memory. */
#include "kernel.h"
#include "elf.h"
#include "frame.h"
#include "mmu.h"
#include "device.h"
#include "pcid.h"

_Static_assert(E_FAULT == 4, "usercopy.S returns 4");

struct pcid_pool space_pcids;
struct space *all_spaces;

struct space *space_create(const char *name)
{
	paddr_t pa = frame_alloc_n(SPACE_PAGES);
	if (!pa)
		return NULL;
	struct space *s = phys_to_virt(pa);
	s->root = mmu_new_root();
	if (!s->root) {
		frame_free(pa, SPACE_PAGES);
		return NULL;
	}
	s->obj = (struct kobj){ .type = OBJ_SPACE, .refs = 0 };
	/* A dead space's PCID may come back: pcid_used is false, so the first
	 * load flushes what it left.  With none free, PCID 0: always flush. */
	s->pcid = pcid_alloc(&space_pcids, mmu_pcid_limit());
	size_t n = strnlen(name, sizeof(s->name) - 1);
	memcpy(s->name, name, n);
	s->name[n] = 0;
	LIST_PUSH(all_spaces, s, all_next, all_prev);
	return s;
}

static void free_user_frame(paddr_t pa)
{
	frame_free(pa, 1);
}

/* Drop a reference; the last one frees the page tables, the frames mapped and
 * the capabilities held. */
void space_release(struct space *s)
{
	if (--s->obj.refs)
		return;
	for (unsigned i = 1; i < CAP_SLOTS; i++) {
		int err;
		cap_slot_delete(&s->caps, i, &err);
	}
	mmu_free_user(s->root, free_user_frame);
	memory_refund(s);                    /* the frames just freed */
	device_space_release(s);             /* I/O bitmap, mapped frames and devices */
	frame_free(s->root, MMU_ROOT_PAGES);
	pcid_free(&space_pcids, s->pcid);
	LIST_UNLINK(all_spaces, s, all_next, all_prev);
	frame_free(physmap_to_phys(s), SPACE_PAGES);
}

void space_destroy(struct space *s)
{
	if (s->dead) {
		space_release(s);
		return;
	}
	s->dead = true;
	for (struct thread *t = all_threads; t; t = t->all_next)
		if (t->space == s && t != current && t->state != THREAD_DEAD)
			thread_kill(t);
	for (unsigned i = 1; i < CAP_SLOTS; i++) {   /* breaks any cycle through s */
		int err;
		cap_slot_delete(&s->caps, i, &err);
	}
	bool self = current->space == s;
	space_release(s);                        /* the caller's; its threads still hold it */
	if (self)
		thread_kill(current);            /* does not return */
}

void space_activate_first(struct space *s)
{
	bool flush = !s->pcid_used;
	unsigned user_pcid = s->pcid ? s->pcid | PCID_USER_BIT : 0;
	paddr_t user_root = mmu_user_root(s->root);
	if (CONFIG_KPTI_KPTI && flush && user_pcid)   /* its user PCID too may hold stale entries */
		kpti_flush_user_pcid(mmu_cr3_value(user_root, user_pcid, true),
				     mmu_cr3_value(s->root, s->pcid, true));
	else
		mmu_activate(s->root, s->pcid, flush);
	s->pcid_used = true;
	s->cr3 = mmu_cr3_value(s->root, s->pcid, false);
	if (CONFIG_KPTI_KPTI) {
		s->user_cr3 = mmu_cr3_value(user_root, user_pcid, false);
		cpu_set_entry_cr3(s->cr3, s->user_cr3);
	}
}

/* Map one fresh zeroed frame at va in s; *pa gets it.  The caller charges it. */
static int map_fresh(struct space *s, vaddr_t va, uint64_t flags, paddr_t *pa)
{
	*pa = frame_alloc();
	if (!*pa)
		return E_NOMEM;                  /* frame_alloc said what ran short */
	int err = mmu_map_user(s->root, va, *pa, flags);
	if (err)
		frame_free(*pa, 1);
	return err;
}

/* Can pool and the kernel's frames give n frames to s?  E_NOMEM says which
 * ran short. */
static int can_charge(struct space *s, struct memory *pool, uint64_t n)
{
	int err = memory_can_charge(pool, s, n);
	if (!err && unlikely(kernel_frames.nfree < n))
		err = memory_short(NOMEM_FRAMES, n, kernel_frames.nfree);
	return err;
}

/* Map pages of fresh zeroed frames at va, charged to pool. */
int space_map_anon(struct space *s, struct memory *pool, vaddr_t va, uint64_t pages, uint64_t flags)
{
	if (va % PAGE_SIZE || pages == 0 || va >= USER_TOP || pages > (USER_TOP - va) / PAGE_SIZE)
		return E_INVAL;
	int err = memory_can_charge(pool, s, pages);   /* first: bounds the walk below */
	if (err)
		return err;
	for (uint64_t i = 0; i < pages; i++)
		if (mmu_lookup_user(s->root, va + i * PAGE_SIZE) & PTE_P)
			return E_EXISTS;
	uint64_t done = 0;
	paddr_t pa;
	while (done < pages && !(err = map_fresh(s, va + done * PAGE_SIZE, flags, &pa)))
		done++;
	/* What got mapped, also after a failure: the space frees it when it dies. */
	memory_charge(s, done);
	if (unlikely(err == E_NOMEM) && last_shortage.kind == NOMEM_FRAMES)
		memory_short(NOMEM_FRAMES, pages - done, kernel_frames.nfree);  /* all still asked */
	return err;
}

/* Copy one ELF segment into fresh frames mapped in s; *mapped counts them. */
static int load_segment(struct space *s, const uint8_t *image, const struct elf_segment *seg,
			uint64_t *mapped)
{
	uint64_t flags = (seg->flags & ELF_SEG_WRITE ? PTE_W : 0) |
			 (seg->flags & ELF_SEG_EXEC ? 0 : PTE_NX);
	for (vaddr_t page = PAGE_ALIGN_DOWN(seg->vaddr); page < seg->vaddr + seg->memsz;
	     page += PAGE_SIZE) {
		paddr_t pa;
		int err = map_fresh(s, page, flags, &pa);
		if (err)
			return err;
		(*mapped)++;
		/* The part of [page, page+4K) that the file provides. */
		vaddr_t lo = MAX(page, seg->vaddr), hi = MIN(page + PAGE_SIZE, seg->vaddr + seg->filesz);
		if (lo < hi)
			memcpy((uint8_t *)phys_to_virt(pa) + (lo - page),
			       image + seg->offset + (lo - seg->vaddr), hi - lo);
	}
	return IPC_OK;
}

/* Map the program's segments and its start information pages into s, and
 * charge s's pool (can_charge set it) for what got mapped, also after a failure. */
static int load_image(struct space *s, const uint8_t *image,
		      const struct elf_program *prog, const struct start_info *info)
{
	_Static_assert(sizeof(*info) <= USER_START_INFO_PAGES * PAGE_SIZE, "USER_START_INFO_PAGES");
	uint64_t mapped = 0;
	int err = IPC_OK;
	for (unsigned i = 0; i < prog->nsegments && !err; i++)
		err = load_segment(s, image, &prog->seg[i], &mapped);
	for (uint64_t off = 0; off < USER_START_INFO_PAGES * PAGE_SIZE && !err; off += PAGE_SIZE) {
		paddr_t pa;
		if ((err = map_fresh(s, USER_START_INFO + off, PTE_NX, &pa)))
			break;
		mapped++;
		if (off < sizeof(*info))
			memcpy(phys_to_virt(pa), (const char *)info + off, MIN(sizeof(*info) - off,
									PAGE_SIZE));
	}
	memory_charge(s, mapped);
	return err;
}

/* Load module m into s with its start information and first stack. */
int space_load_module(struct space *s, struct memory *pool, const struct module *m,
		      const struct start_info *info, vaddr_t *entry)
{
	struct elf_program prog;
	const uint8_t *image = phys_to_virt(m->start);
	enum elf_status st = elf_parse(image, m->size, USER_IMAGE_BASE, USER_STACK_TOP - 
				       USER_STACK_PAGES * PAGE_SIZE, &prog);
	if (st != ELF_OK) {
		kprintf("ipclab: module %s refused: %s\n", m->name, elf_status_name(st));
		return E_BADELF;
	}
	/* Its segments, the start information page and the stack; elf_parse
	 * kept every segment in user space, so the sum cannot overflow. */
	uint64_t pages = elf_program_pages(&prog), need = pages + USER_START_INFO_PAGES +
							   USER_STACK_PAGES;
	if (pages > pool->total) {
		kprintf("ipclab: module %s refused: its segments need %lu KiB, more than the %lu "
			"KiB its memory capability ever held\n", m->name, pages * (PAGE_SIZE >> 10),
			pool->total * (PAGE_SIZE >> 10));
		return memory_short(NOMEM_QUOTA, need, pool->quota);
	}
	int err = can_charge(s, pool, need);
	if (err || (err = load_image(s, image, &prog, info)))
		return err;
	err = space_map_anon(s, pool, USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE,
			     USER_STACK_PAGES, PTE_W | PTE_NX);
	if (err)
		return err;
	if (!strncmp(s->name, "space", sizeof(s->name)))   /* unnamed until now */
		memcpy(s->name, m->name, sizeof(s->name));
	*entry = prog.entry;
	return IPC_OK;
}
