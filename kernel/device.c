/* Device capabilities (device.h): creating and narrowing them, using them
 * (ports to a space, memory into a space, a line to a notification), and
 * delivering interrupts. */
#include "device.h"
#include "frame.h"
#include "ioapic.h"
#include "iobitmap.h"
#include "mmu.h"
#include "timer.h"

_Static_assert(sizeof(struct space) <= SPACE_PAGES * PAGE_SIZE, "struct space outgrew its pages");

#define FRAMES_MAX_PAGES 1024          /* one SYS_FRAMES_CREATE: 4 MiB at most */
#define PHYS_LIMIT (1ull << 52)         /* the architecture's largest physical address */
#define LOW_MEMORY 0x100000ull          /* BIOS, VGA text screen: the kernel's */

static struct boot_range ram[BOOT_MAX_RANGES];
static unsigned nram;
static paddr_t lapic_page;

/* Ports the kernel drives itself; they are never handed out. */
static const struct {
	uint16_t first, n;
} kernel_ports[] = {
	{ 0x20, 2 }, { 0xa0, 2 },      /* the 8259 PICs, masked */
	{ 0x40, 4 }, { 0x61, 1 },      /* the PIT and its gate: timer calibration */
	{ 0x3f8, 8 },                  /* COM1: the console */
	{ 0xf4, 4 },                   /* isa-debug-exit: power off under QEMU */
};

/* One I/O APIC line: who handles it and whether it waits for an ack. */
struct irq_line {
	struct devrange *owner;        /* the OBJ_IRQ bound to it, or NULL */
	struct kobj *notification;     /* a user handler: signalled with bits */
	uint64_t bits;
	void (*handler)(void *arg);    /* or a kernel handler (in-kernel driver) */
	void *arg;
	bool masked;                   /* delivered, not yet acknowledged */
	uint64_t count;
};
static struct irq_line lines[IRQ_LINES_MAX];

void device_init(const struct boot_range *r, unsigned n)
{
	nram = MIN(n, BOOT_MAX_RANGES);
	memcpy(ram, r, nram * sizeof(*r));
	lapic_page = PAGE_ALIGN_DOWN(rdmsr(MSR_APIC_BASE) & 0xffffffffff000ull);
	unsigned lines = ioapic_init();
	if (lines)
		kprintf("ipclab: I/O APIC at %lx: %u lines\n", IOAPIC_PHYS, lines);
	else
		kprintf("ipclab: no I/O APIC at %lx: no interrupt lines to hand out\n", IOAPIC_PHYS);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

bool devmem_mappable(paddr_t pa, uint64_t len)
{
	if (pa < LOW_MEMORY || len > PHYS_LIMIT - pa)
		return false;
	for (unsigned i = 0; i < nram; i++)
		if (overlaps(pa, len, ram[i].base, ram[i].len))
			return false;
	return !overlaps(pa, len, lapic_page, PAGE_SIZE) &&
	       !overlaps(pa, len, IOAPIC_PHYS, PAGE_SIZE);
}

static enum obj_type kind_type(uint64_t kind)
{
	switch (kind) {
	case DEV_IOPORT: return OBJ_IOPORT;
	case DEV_MMIO: return OBJ_DEVMEM;
	case DEV_IRQ: return OBJ_IRQ;
	default: return OBJ_NONE;
	}
}

/* May the machine capability make a range of this kind? */
static bool machine_range_ok(uint64_t kind, uint64_t base, uint64_t count)
{
	switch (kind) {
	case DEV_IOPORT:
		if (base >= IOPORTS || count > IOPORTS - base)
			return false;
		for (unsigned i = 0; i < ARRAY_SIZE(kernel_ports); i++)
			if (overlaps(base, count, kernel_ports[i].first, kernel_ports[i].n))
				return false;
		return true;
	case DEV_MMIO:
		return base < PHYS_LIMIT && count <= PHYS_LIMIT - base;
	case DEV_IRQ:
		return base < ioapic_lines() && count <= ioapic_lines() - base;
	default:
		return false;
	}
}

int sys_dev_create(struct trap_frame *f)
{
	uint64_t kind = f->rsi, dest = f->rdx, base = f->r10, count = f->r8;
	struct cap *src;
	int err = cap_get(f->rdi, OBJ_NONE, 0, &src);
	if (err)
		return err;
	enum obj_type type = kind_type(kind);
	if (type == OBJ_NONE || count == 0 ||
	    (kind == DEV_MMIO && (base % PAGE_SIZE || count % PAGE_SIZE)))
		return E_INVAL;
	uint32_t rights;
	if (src->obj->type == OBJ_MACHINE) {
		if (!(src->rights & RIGHT_CONTROL))
			return E_RIGHTS;
		if (!machine_range_ok(kind, base, count))
			return E_INVAL;
		rights = RIGHTS_ALL;
	} else if (src->obj->type == (uint32_t)type) {
		const struct devrange *r = (const struct devrange *)src->obj;
		if (base < r->base || base - r->base >= r->count || count > r->count - (base - r->base))
			return E_INVAL;
		rights = src->rights;
	} else {
		return E_BADCAP;
	}
	if ((err = cap_slot_empty(dest)))
		return err;
	struct devrange *d = kobj_alloc(sizeof(*d), type);
	if (!d)
		return E_NOMEM;
	d->base = base;
	d->count = count;
	return cap_insert(my_caps(), dest, &d->obj, rights, 0);
}

int sys_dev_info(struct trap_frame *f)
{
	struct cap *c;
	int err = cap_get(f->rdi, OBJ_NONE, 0, &c);
	if (err)
		return err;
	const struct devrange *r = (const struct devrange *)c->obj;
	const struct frames *fr = (const struct frames *)c->obj;
	switch (c->obj->type) {
	case OBJ_IOPORT: f->rdi = DEV_IOPORT; break;
	case OBJ_DEVMEM: f->rdi = DEV_MMIO; break;
	case OBJ_IRQ: f->rdi = DEV_IRQ; break;
	case OBJ_FRAMES:
		f->rdi = DEV_FRAMES;
		f->rsi = fr->base;
		f->rdx = fr->pages * PAGE_SIZE;
		return IPC_OK;
	default:
		return E_BADCAP;
	}
	f->rsi = r->base;
	f->rdx = r->count;
	return IPC_OK;
}

/* A space's top-level table changed where the TLB may remember it: its
 * next load flushes its PCID (now, if it is ours). */
static void space_tables_changed(struct space *s)
{
	mmu_sync_user_root(s->root);
	s->cr3 = 0;
	s->pcid_used = false;
	if (s == current->space)
		space_activate(s);
}

int sys_ioport_allow(struct trap_frame *f)
{
	struct cap *io, *sp;
	int err = cap_get(f->rdi, OBJ_IOPORT, RIGHT_READ | RIGHT_WRITE, &io);
	if (err || (err = cap_get(f->rsi, OBJ_SPACE, RIGHT_CONTROL, &sp)))
		return err;
	const struct devrange *r = (const struct devrange *)io->obj;
	struct space *s = (struct space *)sp->obj;
	bool changed;
	err = iobitmap_allow(s->root, (unsigned)r->base, (unsigned)r->count, &changed);
	if (changed)
		space_tables_changed(s);
	return err;
}

int sys_frames_create(struct trap_frame *f)
{
	struct cap *mc;
	int err = cap_get(f->rdi, OBJ_MEMORY, RIGHT_WRITE, &mc);
	if (err)
		return err;
	uint64_t dest = f->rsi, pages = f->rdx;
	if ((err = cap_slot_empty(dest)))
		return err;
	struct memory *pool = (struct memory *)mc->obj;
	if (pages == 0 || pages > FRAMES_MAX_PAGES)
		return E_INVAL;
	if (pool->quota < pages)
		return memory_short(NOMEM_QUOTA, pages, pool->quota);
	struct frames *fr = kobj_alloc(sizeof(*fr), OBJ_FRAMES);
	if (!fr)
		return E_NOMEM;
	fr->base = frame_alloc_n(pages);
	if (!fr->base) {
		kobj_free(&fr->obj, sizeof(*fr));
		return E_NOMEM;
	}
	fr->pages = pages;
	fr->pool = pool;
	pool->quota -= pages;
	f->rdi = fr->base;
	return cap_insert(my_caps(), dest, &fr->obj, RIGHTS_ALL, 0);
}

/* Let s hold a reference to o for as long as it lives (o is mapped there). */
static int space_borrow(struct space *s, struct kobj *o)
{
	for (unsigned i = 0; i < s->nborrowed; i++)
		if (s->borrowed[i] == o)
			return IPC_OK;
	if (s->nborrowed == SPACE_BORROWED_MAX)
		return memory_short(NOMEM_BORROWED, 1, 0);
	s->borrowed[s->nborrowed++] = o;
	o->refs++;
	return IPC_OK;
}

int sys_phys_map(struct trap_frame *f)
{
	uint64_t va = f->rdx, first = f->r10, pages = f->r8, flags = f->r9;
	struct cap *c, *sp;
	int err = cap_get(f->rdi, OBJ_NONE, RIGHT_READ, &c);
	if (err || (err = cap_get(f->rsi, OBJ_SPACE, RIGHT_CONTROL, &sp)))
		return err;
	paddr_t base;
	uint64_t npages, pte = PTE_BORROWED | PTE_NX;
	if (c->obj->type == OBJ_FRAMES) {
		base = ((struct frames *)c->obj)->base;
		npages = ((struct frames *)c->obj)->pages;
	} else if (c->obj->type == OBJ_DEVMEM) {
		base = ((struct devrange *)c->obj)->base;
		npages = ((struct devrange *)c->obj)->count / PAGE_SIZE;
		pte |= PTE_PCD | PTE_PWT;                  /* uncached */
	} else {
		return E_BADCAP;
	}
	if (flags & ~(uint64_t)MAP_WRITE)
		return E_INVAL;
	if (flags & MAP_WRITE) {
		if (!(c->rights & RIGHT_WRITE))
			return E_RIGHTS;
		pte |= PTE_W;
	}
	if (pages == 0 || first >= npages || pages > npages - first || va % PAGE_SIZE ||
	    va >= USER_TOP || pages > (USER_TOP - va) / PAGE_SIZE)
		return E_INVAL;
	paddr_t pa = base + first * PAGE_SIZE;
	if (c->obj->type == OBJ_DEVMEM && !devmem_mappable(pa, pages * PAGE_SIZE))
		return E_INVAL;
	struct space *s = (struct space *)sp->obj;
	for (uint64_t i = 0; i < pages; i++)
		if (mmu_lookup_user(s->root, va + i * PAGE_SIZE) & PTE_P)
			return E_EXISTS;
	if ((err = space_borrow(s, c->obj)))
		return err;
	for (uint64_t i = 0; i < pages; i++)
		if ((err = mmu_map_user(s->root, va + i * PAGE_SIZE, pa + i * PAGE_SIZE, pte)))
			return err;
	return IPC_OK;
}

void device_space_release(struct space *s)
{
	iobitmap_free(s->root);
	for (unsigned i = 0; i < s->nborrowed; i++)
		kobj_put(s->borrowed[i]);
	s->nborrowed = 0;
}

/* --- Interrupt lines --------------------------------------------------- */

static void line_unbind(unsigned gsi)
{
	struct irq_line *l = &lines[gsi];
	ioapic_mask(gsi);
	if (l->notification)
		kobj_put(l->notification);
	*l = (struct irq_line){ .count = l->count };
}

/* Bind irq's one line to a notification or a kernel handler and unmask it. */
static int line_bind(struct devrange *irq, struct kobj *n, uint64_t bits,
		     void (*handler)(void *), void *arg, uint64_t flags)
{
	if (irq->count != 1 || flags & ~(uint64_t)(IRQ_LEVEL | IRQ_ACTIVE_LOW))
		return E_INVAL;
	unsigned gsi = (unsigned)irq->base;
	struct irq_line *l = &lines[gsi];
	if (l->owner && l->owner != irq && zombies)
		thread_reap();              /* a dead driver's space may hold it until reaped */
	if (l->owner && l->owner != irq)
		return E_EXISTS;
	if (l->owner)
		line_unbind(gsi);                          /* bound again: start afresh */
	if (n)
		n->refs++;
	*l = (struct irq_line){ .owner = irq, .notification = n, .bits = bits,
				.handler = handler, .arg = arg, .count = l->count };
	ioapic_route(gsi, flags & IRQ_LEVEL, flags & IRQ_ACTIVE_LOW);
	ioapic_unmask(gsi);
	return IPC_OK;
}

int sys_irq_bind(struct trap_frame *f)
{
	struct cap *ic, *nc;
	int err = cap_get(f->rdi, OBJ_IRQ, RIGHT_CONTROL, &ic);
	if (err)
		return err;
	struct devrange *irq = (struct devrange *)ic->obj;
	if (f->rsi == 0) {                                 /* no notification: unbind */
		if (irq->count != 1 || lines[irq->base].owner != irq)
			return E_INVAL;
		line_unbind((unsigned)irq->base);
		return IPC_OK;
	}
	if ((err = cap_get(f->rsi, OBJ_NOTIFICATION, RIGHT_SEND, &nc)))
		return err;
	if (f->rdx == 0)
		return E_INVAL;
	return line_bind(irq, nc->obj, f->rdx, NULL, NULL, f->r10);
}

int irq_ack_line(struct devrange *irq)
{
	if (irq->count != 1 || lines[irq->base].owner != irq)
		return E_INVAL;
	struct irq_line *l = &lines[irq->base];
	if (l->masked) {
		l->masked = false;
		ioapic_unmask((unsigned)irq->base);
	}
	return IPC_OK;
}

int sys_irq_ack(struct trap_frame *f)
{
	struct cap *ic;
	int err = cap_get(f->rdi, OBJ_IRQ, RIGHT_CONTROL, &ic);
	return err ? err : irq_ack_line((struct devrange *)ic->obj);
}

int irq_bind_kernel(struct devrange *irq, void (*handler)(void *arg), void *arg, unsigned flags)
{
	return line_bind(irq, NULL, 0, handler, arg, flags);
}

void irq_unbind(struct devrange *irq)
{
	if (irq->count == 1 && lines[irq->base].owner == irq)
		line_unbind((unsigned)irq->base);
}

void irq_deliver(unsigned gsi)
{
	struct irq_line *l = &lines[gsi];
	ioapic_mask(gsi);                  /* first: a level line would fire again */
	l->masked = true;
	timer_eoi();
	l->count++;
	if (l->handler)
		l->handler(l->arg);
	else if (l->notification)
		notify_signal(l->notification, l->bits);
	else
		kprintf("ipclab: interrupt on unbound line %u: masked\n", gsi);
	if (unlikely(sched_preempt_pending))
		sched_yield();
}

void device_release(struct kobj *o)
{
	switch (o->type) {
	case OBJ_IRQ: {
		struct devrange *r = (struct devrange *)o;
		for (uint64_t g = r->base; g < r->base + r->count && g < IRQ_LINES_MAX; g++)
			if (lines[g].owner == r)
				line_unbind((unsigned)g);
		kobj_free(o, sizeof(*r));
		break;
	}
	case OBJ_FRAMES: {
		struct frames *fr = (struct frames *)o;
		frame_free(fr->base, fr->pages);
		fr->pool->quota += fr->pages;
		kobj_free(o, sizeof(*fr));
		break;
	}
	default:
		kobj_free(o, sizeof(struct devrange));
		break;
	}
}

int sys_nic(struct trap_frame *f)
{
	if (!CONFIG_E1000_IN_KERNEL)
		return E_NOSYS;
	return knic_syscall(f);
}
