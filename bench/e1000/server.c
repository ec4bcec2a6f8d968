/* The user-level e1000 driver: a server in an address space of its own.
 *
 * Its client (bench/netbench) starts it with the device capabilities in the
 * SLOT_DEV_ slots, the client's region in NIC_SLOT_REGION and an endpoint
 * in NIC_SLOT_EP, and the arguments loop=0|1 itr=N.  It finds the 82540EM
 * through PCI configuration space (ports it was given), maps its registers
 * (device memory it was given), binds the device's interrupt line to a
 * notification, and then answers the requests of include/ipclab/nic.h until
 * NIC_STOP.  Waiting for a frame, it acknowledges the line and waits on the
 * notification while its client waits for the answer.  The requests come
 * by IPC on NIC_SLOT_EP, or with bell=1 through the mailbox in the
 * region's page 0 and the doorbell notification in NIC_SLOT_BELL (the
 * interrupt line is then bound to the doorbell too, with its own bit).
 *
 * For the bad-input tests it can also misbehave on purpose: fault=init
 * (fault once the device runs), fault=xfer (fault in the first transfer),
 * garbage=1 (program random values into every register, then exit). */
#include "ulib.h"
#include "device.h"
#include "ipc.h"
#include "nicport.h"

#define S_BAR (SLOT_FREE + 0)
#define S_IRQ (SLOT_FREE + 1)
#define S_NOTE (SLOT_FREE + 2)
#define S_RING (SLOT_FREE + 3)
#define BAR_VA 0x50000000ul
#define RING_VA 0x40000000ul
#define REGION_VA 0x41000000ul

static struct nic_port port;
static uint64_t note = S_NOTE;            /* what the line signals: S_NOTE or the doorbell */
static uint64_t irq_bit = 1;
static uint64_t pending;                  /* bits waited for but not yet used */

/* What the client (netbench's driver_start) asks for in our arguments. */
struct options {
	bool garbage, bell, loop, fault_init, fault_xfer;
	unsigned itr;
};

/* Our arguments into o; false (said in one line) if one is bad. */
static bool read_args(const char *line, struct options *o)
{
	static const char *const faults[] = { "none", "init", "xfer", NULL };
	struct args a;
	char fault[8];
	args_init(&a, "e1000", line);
	o->garbage = args_number(&a, "garbage", 0, 0, 1);
	o->bell = args_number(&a, "bell", 0, 0, 1);
	o->loop = args_number(&a, "loop", 1, 0, 1);
	o->itr = (unsigned)args_number(&a, "itr", 0, 0, 0xffff);
	args_names(&a, "fault", "none", ARGS_ONE, args_name_of_array, faults, fault, sizeof(fault));
	o->fault_init = !strcmp(fault, "init");
	o->fault_xfer = !strcmp(fault, "xfer");
	return args_done(&a);
}

/* Random values into every register but the four descriptor-base ones,
 * which get addresses above 4 GiB where nothing is: without an IOMMU a
 * driver can make the device write anywhere in RAM, and no kernel can stop
 * that, but nothing else it writes may harm the kernel. */
static void program_garbage(volatile uint32_t *regs)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (unsigned off = 0; off < 0x6000; off += 4) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t v = (uint32_t)x;
		if (off == E1000_RDBAH || off == E1000_TDBAH)
			v |= 0x100;
		regs[off / 4] = v;
	}
}

/* Find the device, map it, bind its line; E_ error or IPC_OK. */
static long setup(const struct options *o, volatile uint32_t **regs)
{
	struct e1000_pci pci;
	long err;
	if ((err = sys_ioport_allow(SLOT_DEV_PORTS, SLOT_SELF)))
		return err;
	if (!e1000_pci_find(&pci)) {
		printf("e1000: no 82540EM (8086:100e) on PCI bus 0\n");
		return E_INVAL;
	}
	if ((err = sys_dev_create(SLOT_DEV_MMIO, DEV_MMIO, S_BAR, pci.bar0, E1000_BAR_SIZE)) ||
	    (err = sys_phys_map(S_BAR, SLOT_SELF, BAR_VA, 0, E1000_BAR_SIZE / 4096, MAP_WRITE)))
		return err;
	*regs = (volatile uint32_t *)BAR_VA;
	if (o->garbage)
		return IPC_OK;
	if (o->bell)
		note = NIC_SLOT_BELL, irq_bit = NIC_BELL_IRQ;
	else if ((err = notify_create(S_NOTE)))
		return err;
	if ((err = sys_dev_create(SLOT_DEV_IRQS, DEV_IRQ, S_IRQ, pci.irq_line, 1)) ||
	    (err = sys_irq_bind(S_IRQ, note, irq_bit, IRQ_LEVEL | IRQ_ACTIVE_LOW)))
		return err;
	return IPC_OK;
}

/* Wait until one of the bits `want` has been signalled; keep the others. */
static long wait_bits(uint64_t want)
{
	while (!(pending & want)) {
		uint64_t bits;
		long err = ipc_wait(note, &bits, TIMEOUT_FOREVER);
		if (err)
			return err;
		pending |= bits;
	}
	pending &= ~want;
	return IPC_OK;
}

/* Wait for the device's interrupt: acknowledge the line, wait on its
 * notification. */
static long wait_irq(void)
{
	sys_irq_ack(S_IRQ);
	long err = wait_bits(irq_bit);
	if (!err)
		port.interrupts++;
	return err;
}

/* NIC_LINK: negotiate, then wait until the link is up. */
static long link(void)
{
	long err = nic_link_restart(&port);
	while (!err && !nic_link_up(&port))
		if (!nic_prepare_wait(&port) && !nic_link_up(&port))
			err = wait_irq();
	return err;
}

/* NIC_XFER, waiting for the interrupt if asked to and nothing came. */
static long xfer(uint64_t tx, uint64_t rx, uint64_t wait, uint64_t out[3])
{
	long err = nic_xfer(&port, tx, rx, out);
	while (!err && wait && out[1] == 0) {
		if (!nic_prepare_wait(&port) && (err = wait_irq()))
			break;
		err = nic_xfer(&port, 0, rx, out);
	}
	return err;
}

/* One request: its error, and out[0..2]. */
static long serve(uint64_t op, const uint64_t a[3], bool fault_xfer, uint64_t out[3])
{
	switch (op) {
	case NIC_INFO: nic_info(&port, out); return IPC_OK;
	case NIC_STATS: nic_stats(&port, out); return IPC_OK;
	case NIC_XFER:
		if (fault_xfer)
			*(volatile int *)0 = 2;
		return xfer(a[0], a[1], a[2], out);
	case NIC_LINK: return link();
	case NIC_STOP: e1000_stop(&port.hw); return IPC_OK;
	default: return E_INVAL;
	}
}

/* Requests by IPC until NIC_STOP (0) or an IPC error. */
static long serve_ipc(bool fault_xfer)
{
	struct ipc_msg m;
	memset(&m, 0, sizeof(m));
	long err = ipc_recv(NIC_SLOT_EP, &m, TIMEOUT_FOREVER);
	while (err == IPC_OK) {
		uint64_t req[4], out[3] = { 0, 0, 0 };
		ipc_msg_get(&m, req, sizeof(req));         /* zeros for words not sent */
		uint64_t op = m.len >= 8 ? req[0] : 0;
		long r = serve(op, &req[1], fault_xfer, out);
		const uint64_t answer[4] = { (uint64_t)r, out[0], out[1], out[2] };
		if (ipc_msg_put(&m, answer, sizeof(answer)))
			m.len = 0;    /* messages too small for the protocol: no request came */
		err = ipc_reply_recv(NIC_SLOT_EP, &m, op == NIC_STOP ? TIMEOUT_NONE : TIMEOUT_FOREVER);
		if (op == NIC_STOP)
			return IPC_OK;
	}
	return err;
}

/* Requests through the mailbox until NIC_STOP (0) or a notification error.
 * Each request is read once; the answer is published by done_seq, and the
 * client woken only if it said it waits. */
static long serve_bell(bool fault_xfer)
{
	volatile struct nic_mailbox *mb = &port.shared->mailbox;
	uint64_t served = mb->done_seq;
	for (;;) {
		long err = wait_bits(NIC_BELL_REQUEST);
		if (err)
			return err;
		uint64_t seq = mb->req_seq;
		if (seq == served)
			continue;                          /* a doorbell without a request */
		uint64_t op = mb->op, a[3] = { mb->arg[0], mb->arg[1], mb->arg[2] }, out[3] = { 0 };
		long r = serve(op, a, fault_xfer, out);
		mb->err = (uint64_t)r;
		mb->out[0] = out[0], mb->out[1] = out[1], mb->out[2] = out[2];
		__atomic_store_n(&mb->done_seq, seq, __ATOMIC_RELEASE);
		served = seq;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);  /* done_seq before client_waiting */
		if (mb->client_waiting && (err = ipc_notify(NIC_SLOT_DONE, 1)))
			return err;
		if (op == NIC_STOP)
			return IPC_OK;
	}
}

int main(struct start_info *info)
{
	volatile uint32_t *regs = NULL;
	uint64_t region_pa, region_size, kind, ring_pa;
	struct options o;
	if (!read_args(info->args, &o))
		return E_INVAL;
	long err = setup(&o, &regs);
	if (err)
		return (int)err;
	if (o.garbage) {
		program_garbage(regs);
		return 0;
	}
	uint32_t flags = (o.loop ? NIC_LOOPBACK : 0) | (uint32_t)o.itr << NIC_ITR_SHIFT;
	if ((err = sys_frames_create(SLOT_MEMORY, S_RING, 1, &ring_pa)) ||
	    (err = sys_phys_map(S_RING, SLOT_SELF, RING_VA, 0, 1, MAP_WRITE)) ||
	    (err = sys_dev_info(NIC_SLOT_REGION, &kind, &region_pa, &region_size)) ||
	    (err = sys_phys_map(NIC_SLOT_REGION, SLOT_SELF, REGION_VA, 0, region_size / 4096,
				MAP_WRITE)) ||
	    (err = nic_port_start(&port, regs, (void *)RING_VA, ring_pa, (void *)REGION_VA, region_pa,
				  region_size, flags)))
		return (int)err;
	/* Our space, and with it the interrupt line, is given back when our
	 * client deletes its capability to it, once our thread has ended. */
	if (o.fault_init)
		*(volatile int *)0 = 1;
	err = note == NIC_SLOT_BELL ? serve_bell(o.fault_xfer) : serve_ipc(o.fault_xfer);
	e1000_stop(&port.hw);
	return err == E_DEAD ? 0 : (int)err;
}
