/* The e1000 driver inside the kernel (E1000_IN_KERNEL=y): the same core
 * (../e1000.c) and client requests (../nic.c) as the user-level server,
 * reached through SYS_NIC instead of IPC.  A client attaches with its
 * region of DMA frames and the device capabilities that cover the NIC's
 * registers and interrupt line; every later request names the same region,
 * which is the client's authority.  The request runs in the client's
 * system call; a wait for the device blocks the client in the kernel until
 * the interrupt handler wakes it. */
#include "kernel.h"
#include "device.h"
#include "frame.h"
#include "mmu.h"
#include "nicport.h"               /* bench/e1000: the driver core */

static struct {
	struct nic_port port;
	struct frames *region;      /* the attached client's; NULL: detached */
	struct devrange *irq;       /* the kernel's own one-line IRQ object */
	struct tqueue waiters;      /* clients waiting for the interrupt */
	paddr_t ring;               /* one frame of descriptor rings */
	paddr_t regs_pa;            /* BAR0 mapped at regs (device windows are never unmapped) */
	volatile void *regs;
} knic;

/* Interrupt time, line masked: wake whoever waits; they look at the device. */
static void knic_interrupt(void *unused)
{
	(void)unused;
	knic.port.interrupts++;
	struct thread *t;
	while ((t = knic.waiters.head))
		wait_end(t, IPC_OK);
}

/* Unmask the line and block until the interrupt. */
static int knic_wait_irq(void)
{
	irq_ack_line(knic.irq);
	return wait_block(&knic.waiters, WAIT_NOTIFY, TIMEOUT_FOREVER, NULL);
}

static int knic_attach(struct frames *region, struct trap_frame *f)
{
	struct cap *mem, *irqc;
	int err = cap_get(f->rdx, OBJ_DEVMEM, RIGHT_READ | RIGHT_WRITE, &mem);
	if (err || (err = cap_get(f->r10, OBJ_IRQ, RIGHT_CONTROL, &irqc)))
		return err;
	if (knic.region)
		return E_EXISTS;
	struct e1000_pci pci;
	if (!e1000_pci_find(&pci))
		return E_INVAL;
	/* The client's capabilities must cover the device it asks us to run. */
	const struct devrange *m = (const struct devrange *)mem->obj, *l = (const struct devrange *)irqc->obj;
	if (pci.bar0 < m->base || pci.bar0 + E1000_BAR_SIZE > m->base + m->count ||
	    !devmem_mappable(pci.bar0, E1000_BAR_SIZE) || pci.irq_line < l->base ||
	    pci.irq_line >= l->base + l->count)
		return E_RIGHTS;
	if (!knic.regs || knic.regs_pa != pci.bar0) {
		knic.regs = mmu_map_device(pci.bar0, E1000_BAR_SIZE);
		knic.regs_pa = pci.bar0;
		if (!knic.regs)
			return E_NOMEM;
	}
	if (!knic.ring && !(knic.ring = frame_alloc()))
		return E_NOMEM;
	if (!knic.irq) {
		knic.irq = kobj_alloc(sizeof(*knic.irq), OBJ_IRQ);
		if (!knic.irq)
			return E_NOMEM;
		knic.irq->obj.refs = 1;                  /* the kernel's own, for good */
	}
	knic.irq->base = pci.irq_line;
	knic.irq->count = 1;
	if ((err = irq_bind_kernel(knic.irq, knic_interrupt, NULL, IRQ_LEVEL | IRQ_ACTIVE_LOW)))
		return err;
	err = nic_port_start(&knic.port, knic.regs, phys_to_virt(knic.ring), knic.ring,
			     phys_to_virt(region->base), region->base, region->pages * PAGE_SIZE,
			     (uint32_t)f->r8);
	if (err) {
		irq_unbind(knic.irq);
		return err;
	}
	region->obj.refs++;                               /* the device writes into it */
	knic.region = region;
	return IPC_OK;
}

static void knic_detach(void)
{
	e1000_stop(&knic.port.hw);
	irq_unbind(knic.irq);
	wait_end_all(&knic.waiters, E_DEAD);
	if (--knic.region->obj.refs == 0)
		kobj_release(&knic.region->obj);
	knic.region = NULL;
}

static int knic_xfer(uint64_t tx, uint64_t rx, uint64_t wait, uint64_t out[3])
{
	int err = nic_xfer(&knic.port, tx, rx, out);
	while (!err && wait && out[1] == 0) {
		if (!nic_prepare_wait(&knic.port) && (err = knic_wait_irq()))
			break;
		if (!knic.region)
			return E_DEAD;                        /* detached meanwhile */
		err = nic_xfer(&knic.port, 0, rx, out);
	}
	return err;
}

static int knic_link(void)
{
	int err = nic_link_restart(&knic.port);
	while (!err && !nic_link_up(&knic.port)) {
		if (!nic_prepare_wait(&knic.port) && !nic_link_up(&knic.port))
			err = knic_wait_irq();
		if (!knic.region)
			return E_DEAD;
	}
	return err;
}

int knic_syscall(struct trap_frame *f)
{
	struct cap *rc;
	int err = cap_get(f->rdi, OBJ_FRAMES, RIGHT_READ | RIGHT_WRITE, &rc);
	if (err)
		return err;
	struct frames *region = (struct frames *)rc->obj;
	uint64_t op = f->rsi, out[3] = { 0, 0, 0 };
	if (op == NIC_ATTACH)
		return knic_attach(region, f);
	if (region != knic.region)
		return knic.region ? E_RIGHTS : E_INVAL;      /* not the attached client */
	switch (op) {
	case NIC_INFO: nic_info(&knic.port, out); break;
	case NIC_STATS: nic_stats(&knic.port, out); break;
	case NIC_XFER: err = knic_xfer(f->rdx, f->r10, f->r8, out); break;
	case NIC_LINK: err = knic_link(); break;
	case NIC_STOP: knic_detach(); break;
	default: return E_INVAL;
	}
	f->rdi = out[0];
	f->rsi = out[1];
	f->rdx = out[2];
	return err;
}
