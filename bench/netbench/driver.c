/* The two builds of the e1000 driver behind one interface: the user-level
 * server (this program starts it in a space of its own, from the e1000
 * boot module root gave us, and calls it over IPC) and the in-kernel one
 * (SYS_NIC).  Both serve the requests of include/ipclab/nic.h on our region. */
#include "netbench.h"

uint8_t *region = (uint8_t *)REGION_VA;
volatile struct nic_shared *shared = (volatile struct nic_shared *)REGION_VA;
static uint64_t region_phys;

long region_create(uint64_t *phys)
{
	long err = sys_frames_create(SLOT_MEMORY, S_REGION, NIC_REGION_PAGES, &region_phys);
	if (err || (err = sys_phys_map(S_REGION, SLOT_SELF, REGION_VA, 0, NIC_REGION_PAGES, MAP_WRITE)))
		return err;
	*phys = region_phys;
	return IPC_OK;
}

/* Watches the user-level driver: when it ends, for whatever reason, its
 * endpoint is destroyed, so a client waiting in a call gets E_DEAD instead
 * of waiting for ever, and so is its space (deleting our creator's
 * capability), which gives back everything it held: its interrupt line
 * above all, which the next driver binds. */
static struct driver *watched;
static void reaper(uint64_t unused)
{
	(void)unused;
	uint64_t addr;
	long err = sys_thread_join(S_DTHREAD, &watched->how, &watched->code, &addr);
	if (err)
		watched->how = ~0ul;
	sys_cap_delete(S_EP);
	sys_cap_delete(S_BELL);
	sys_cap_delete(S_DONE);                  /* a client waiting on it gets E_DEAD */
	sys_cap_delete(S_DSPACE);
	watched->running = false;
	sys_exit(0);
}

static long user_start(struct driver *d, uint32_t flags, const char *extra)
{
	char args[160];
	int n = snprintf(args, sizeof(args), "e1000 loop=%u itr=%u bell=%u %s",
			 flags & NIC_LOOPBACK ? 1 : 0, flags >> NIC_ITR_SHIFT, d->bell, extra);
	uint64_t entry, stack;
	long err;
	if ((err = ipc_create(S_EP)) ||
	    (err = sys_space_create(S_DSPACE)) ||
	    (err = sys_cap_copy(SLOT_CONSOLE, S_DSPACE, SLOT_CONSOLE, RIGHT_WRITE)) ||
	    (err = sys_cap_copy(S_DSPACE, S_DSPACE, SLOT_SELF, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_MEMORY, S_DSPACE, SLOT_MEMORY, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_DEV_PORTS, S_DSPACE, SLOT_DEV_PORTS, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_DEV_MMIO, S_DSPACE, SLOT_DEV_MMIO, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(SLOT_DEV_IRQS, S_DSPACE, SLOT_DEV_IRQS, RIGHTS_ALL)) ||
	    (err = sys_cap_copy(S_REGION, S_DSPACE, NIC_SLOT_REGION, RIGHT_READ | RIGHT_WRITE)) ||
	    (err = sys_cap_copy(S_EP, S_DSPACE, NIC_SLOT_EP, RIGHT_RECV)))
		goto out;
	if (d->bell &&
	    ((err = notify_create(S_BELL)) || (err = notify_create(S_DONE)) ||
	     (err = sys_cap_copy(S_BELL, S_DSPACE, NIC_SLOT_BELL, RIGHT_RECV | RIGHT_SEND)) ||
	     (err = sys_cap_copy(S_DONE, S_DSPACE, NIC_SLOT_DONE, RIGHT_SEND))))
		goto out;
	shared->mailbox.req_seq = shared->mailbox.done_seq = shared->mailbox.client_waiting = 0;
	if ((err = sys_module_load(SLOT_DEV_DRIVER, S_DSPACE, SLOT_MEMORY, args, n, &entry, &stack)) ||
	    (err = sys_thread_create(S_DSPACE, S_DTHREAD, entry, stack, 0, DRIVER_PRIO)))
		goto out;
	d->running = true;
	d->how = d->code = 0;
	watched = d;
	return thread_spawn(reaper, 0, S_REAPER, REAPER_PRIO);
out:
	sys_cap_delete(S_DSPACE);
	return err;
}

long driver_start(struct driver *d, enum build b, uint32_t flags, const char *extra)
{
	d->build = b;
	if (b == KERNEL) {
		uint64_t out[3];
		return driver_call(d, NIC_ATTACH, SLOT_DEV_MMIO, SLOT_DEV_IRQS, flags, out);
	}
	return user_start(d, flags, extra);
}

/* A request through the mailbox (include/ipclab/nic.h): ring the doorbell;
 * the driver, above us in priority, has answered when the notify returns,
 * unless it had to wait for the device, and then it signals S_DONE. */
static long bell_call(uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t out[3])
{
	volatile struct nic_mailbox *mb = &shared->mailbox;
	uint64_t seq = mb->req_seq + 1;
	mb->op = op, mb->arg[0] = a1, mb->arg[1] = a2, mb->arg[2] = a3;
	__atomic_store_n(&mb->req_seq, seq, __ATOMIC_RELEASE);
	long err = ipc_notify(S_BELL, NIC_BELL_REQUEST);
	if (err)
		return err;
	if (__atomic_load_n(&mb->done_seq, __ATOMIC_ACQUIRE) != seq) {
		mb->client_waiting = 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);  /* client_waiting before done_seq */
		uint64_t bits;
		while (!err && __atomic_load_n(&mb->done_seq, __ATOMIC_ACQUIRE) != seq)
			err = ipc_wait(S_DONE, &bits, TIMEOUT_FOREVER);
		mb->client_waiting = 0;
		if (err)
			return err;
	}
	out[0] = mb->out[0], out[1] = mb->out[1], out[2] = mb->out[2];
	return (long)mb->err;
}

long driver_call(struct driver *d, uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t out[3])
{
	if (d->build == KERNEL) {
		struct sysret r = syscall6(SYS_NIC, S_REGION, op, a1, a2, a3, 0);
		out[0] = r.v0, out[1] = r.v1, out[2] = r.v2;
		return r.err;
	}
	if (d->bell)
		return bell_call(op, a1, a2, a3, out);
	/* Four words each way: a variant with smaller messages refuses (E_TOOBIG). */
	const uint64_t request[4] = { op, a1, a2, a3 };
	uint64_t answer[4];
	struct ipc_msg m = { 0 };    /* every message register is loaded */
	long err = ipc_msg_put(&m, request, sizeof(request));
	if (err || (err = ipc_call(S_EP, &m, TIMEOUT_FOREVER)))
		return err;
	if (m.len < sizeof(answer))
		return E_INVAL;
	ipc_msg_get(&m, answer, sizeof(answer));
	out[0] = answer[1], out[1] = answer[2], out[2] = answer[3];
	return (long)answer[0];
}

void driver_wait_end(struct driver *d)
{
	if (d->build == USER) {
		uint64_t how, code, addr;
		sys_thread_join(S_REAPER, &how, &code, &addr);
		sys_cap_delete(S_REAPER);
		sys_cap_delete(S_DTHREAD);
	}
}

long driver_stop(struct driver *d)
{
	uint64_t out[3];
	long err = driver_call(d, NIC_STOP, 0, 0, 0, out);
	driver_wait_end(d);
	return err;
}
