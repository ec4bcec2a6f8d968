/* System-call dispatch: typed accessors over the saved registers, one
 * handler per call in a table. */
#include "kernel.h"
#include "ipc.h"
#include "frame.h"
#include "mmu.h"
#include "timer.h"
#include "device.h"

/* Arguments, in the order of the ABI (rdi, rsi, rdx, r10, r8, r9). */
static inline uint64_t arg0(const struct trap_frame *f) { return f->rdi; }
static inline uint64_t arg1(const struct trap_frame *f) { return f->rsi; }
static inline uint64_t arg2(const struct trap_frame *f) { return f->rdx; }
static inline uint64_t arg3(const struct trap_frame *f) { return f->r10; }
static inline uint64_t arg4(const struct trap_frame *f) { return f->r8; }
static inline uint64_t arg5(const struct trap_frame *f) { return f->r9; }

/* A live space behind a capability looked up with LOOKUP(sp, ...). */
#define LIVE_SPACE(cap) ({                                                       \
	struct space *s_ = (struct space *)(cap)->obj;                           \
	if (s_->dead)                                                            \
		return E_DEAD;                                                   \
	s_;                                                                      \
})

/* cap_get, returning its error: var_cap is the capability. */
#define LOOKUP(var, slot, type, rights)                                          \
	struct cap *var##_cap;                                                   \
	{                                                                        \
		int e_ = cap_get((slot), (type), (rights), &var##_cap);          \
		if (e_)                                                          \
			return e_;                                               \
	}

static int sys_null(struct trap_frame *f)
{
	(void)f;
	return IPC_OK;
}

static int sys_console_write(struct trap_frame *f)
{
	LOOKUP(con, arg0(f), OBJ_CONSOLE, RIGHT_WRITE);
	vaddr_t buf = arg1(f);
	uint64_t len = arg2(f);
	char chunk[128];
	if (outside_user(buf, len))
		return E_FAULT;                  /* refused before a byte is written */
	while (len) {
		size_t n = MIN(len, sizeof(chunk));
		int err = copy_from_user(chunk, buf, n);
		if (err)
			return err;
		console_write(chunk, n);
		buf += n;
		len -= n;
	}
	return IPC_OK;
}

static int sys_poweroff(struct trap_frame *f)
{
	LOOKUP(m, arg0(f), OBJ_MACHINE, RIGHT_CONTROL);
	poweroff(arg1(f) == 0);
	return IPC_OK;
}

static int sys_yield(struct trap_frame *f)
{
	(void)f;
	sched_yield();
	return IPC_OK;
}

static int __attribute__((noreturn)) sys_exit(struct trap_frame *f)
{
	thread_end(current, JOIN_EXITED, arg0(f), 0);
	panic("a dead thread ran");
}

static int sys_space_create(struct trap_frame *f)
{
	uint64_t slot = arg0(f);
	int err = cap_slot_empty(slot);
	if (err)
		return err;
	struct space *s = space_create("space");
	if (!s)
		return E_NOMEM;
	return cap_insert(my_caps(), slot, &s->obj, RIGHTS_ALL, 0);
}

static int sys_map(struct trap_frame *f)
{
	LOOKUP(mem, arg0(f), OBJ_MEMORY, RIGHT_WRITE);
	LOOKUP(sp, arg1(f), OBJ_SPACE, RIGHT_CONTROL);
	uint64_t flags = arg4(f);
	if (flags & ~(uint64_t)(MAP_WRITE | MAP_EXEC))
		return E_INVAL;
	return space_map_anon(LIVE_SPACE(sp_cap), (struct memory *)mem_cap->obj, arg2(f),
			      arg3(f), (flags & MAP_WRITE ? PTE_W : 0) | (flags & MAP_EXEC ? 0 : PTE_NX));
}

static int sys_module_load(struct trap_frame *f)
{
	LOOKUP(mod, arg0(f), OBJ_MODULE, RIGHT_READ);
	LOOKUP(sp, arg1(f), OBJ_SPACE, RIGHT_CONTROL);
	LOOKUP(mem, arg2(f), OBJ_MEMORY, RIGHT_WRITE);
	uint64_t len = arg4(f);
	static struct start_info info;
	memset(&info, 0, sizeof(info));
	if (len >= sizeof(info.args))
		return E_INVAL;
	int err = copy_from_user(info.args, arg3(f), len);
	if (err)
		return err;
	vaddr_t entry;
	err = space_load_module(LIVE_SPACE(sp_cap), (struct memory *)mem_cap->obj,
				(struct module *)mod_cap->obj, &info, &entry);
	if (err)
		return err;
	f->rdi = entry;
	f->rsi = USER_STACK_TOP;
	return IPC_OK;
}

static int sys_thread_create(struct trap_frame *f)
{
	LOOKUP(sp, arg0(f), OBJ_SPACE, RIGHT_CONTROL);
	uint64_t slot = arg1(f), entry = arg2(f), stack = arg3(f), prio = arg5(f);
	int err = cap_slot_empty(slot);
	if (err)
		return err;
	if (entry >= USER_TOP || stack > USER_TOP || prio >= NPRIO)
		return E_INVAL;
	struct thread *t = thread_create(LIVE_SPACE(sp_cap), entry, stack, arg4(f), prio);
	if (!t)
		return E_NOMEM;
	return cap_insert(my_caps(), slot, &t->obj, RIGHTS_ALL, 0);
}

static int sys_thread_join(struct trap_frame *f)
{
	LOOKUP(th, arg0(f), OBJ_THREAD, RIGHT_CONTROL);
	struct thread *t = (struct thread *)th_cap->obj;
	if (t == current)
		return E_INVAL;
	if (t->state != THREAD_DEAD) {
		if (t->joiner)
			return E_EXISTS;
		t->joiner = current;
		current->joining = t;
		wait_block(NULL, WAIT_JOIN, TIMEOUT_FOREVER, NULL);
		current->joining = NULL;
	}
	f->rdi = t->end_how;
	f->rsi = t->end_code;
	f->rdx = t->end_addr;
	return IPC_OK;
}

static int sys_thread_pager(struct trap_frame *f)
{
	LOOKUP(th, arg0(f), OBJ_THREAD, RIGHT_CONTROL);
	struct thread *t = (struct thread *)th_cap->obj;
	struct kobj *pager = NULL;
	uint64_t badge = 0;
	if (arg1(f)) {
		LOOKUP(ipc, arg1(f), OBJ_IPC, RIGHT_SEND);
		pager = ipc_cap->obj;
		badge = ipc_cap->badge;
		if (ipc_object_dead(pager))
			return E_DEAD;
	}
	if (t->state == THREAD_DEAD)
		return E_DEAD;
	if (pager)
		pager->refs++;
	if (t->pager)
		kobj_put(t->pager);
	t->pager = pager;
	t->pager_badge = badge;
	return IPC_OK;
}

static int sys_cap_copy(struct trap_frame *f)
{
	LOOKUP(src, arg0(f), OBJ_NONE, 0);
	LOOKUP(sp, arg1(f), OBJ_SPACE, RIGHT_CONTROL);
	return cap_copy(src_cap, &(LIVE_SPACE(sp_cap))->caps, arg2(f), (uint32_t)arg3(f),
			arg4(f));
}

static int sys_cap_delete(struct trap_frame *f)
{
	int err;
	cap_slot_delete(my_caps(), arg0(f), &err);
	return err;
}

static int sys_space_switch(struct trap_frame *f)
{
	LOOKUP(sp, arg0(f), OBJ_SPACE, 0);
	space_activate((struct space *)sp_cap->obj);
	space_activate(current->space);
	return IPC_OK;
}

static int sys_info(struct trap_frame *f)
{
	switch (arg0(f)) {
	case INFO_TICKS: f->rdi = ticks; break;
	case INFO_TICK_HZ: f->rdi = tick_hz; break;
	case INFO_TSC_KHZ: f->rdi = tsc_khz; break;
	case INFO_THREAD_ID: f->rdi = current->id; break;
	case INFO_FREE_FRAMES: f->rdi = kernel_frames.nfree; break;
	case INFO_MSG_MAX: f->rdi = IPC_MSG_MAX; break;
	case INFO_NOMEM:
		f->rdi = current->nomem_kind;
		f->rsi = current->nomem_asked;
		f->rdx = current->nomem_free;
		break;
	default: return E_INVAL;
	}
	return IPC_OK;
}

static int sys_check(struct trap_frame *f)
{
	if (arg0(f) == 1)
		kernel_dump_threads();
	return kernel_check();
}

static int (*const syscalls[SYS_COUNT])(struct trap_frame *) = {
	[SYS_NULL] = sys_null,
	[SYS_CONSOLE_WRITE] = sys_console_write,
	[SYS_POWEROFF] = sys_poweroff,
	[SYS_YIELD] = sys_yield,
	[SYS_EXIT] = sys_exit,
	[SYS_SPACE_CREATE] = sys_space_create,
	[SYS_MAP] = sys_map,
	[SYS_MODULE_LOAD] = sys_module_load,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_THREAD_JOIN] = sys_thread_join,
	[SYS_CAP_COPY] = sys_cap_copy,
	[SYS_CAP_DELETE] = sys_cap_delete,
	[SYS_SPACE_SWITCH] = sys_space_switch,
	[SYS_INFO] = sys_info,
	[SYS_IPC_CREATE] = ipc_create,
	[SYS_SEND] = ipc_send,
	[SYS_RECV] = ipc_recv,
	[SYS_CALL] = ipc_call,
	[SYS_REPLY_RECV] = ipc_reply_recv,
	[SYS_NOTIFY_CREATE] = sys_notify_create,
	[SYS_NOTIFY] = sys_notify,
	[SYS_WAIT] = sys_wait,
	[SYS_IPC_STATS] = ipc_stats,
	[SYS_CHECK] = sys_check,
	[SYS_DEV_CREATE] = sys_dev_create,
	[SYS_DEV_INFO] = sys_dev_info,
	[SYS_IOPORT_ALLOW] = sys_ioport_allow,
	[SYS_FRAMES_CREATE] = sys_frames_create,
	[SYS_PHYS_MAP] = sys_phys_map,
	[SYS_IRQ_BIND] = sys_irq_bind,
	[SYS_IRQ_ACK] = sys_irq_ack,
	[SYS_NIC] = sys_nic,
	[SYS_THREAD_PAGER] = sys_thread_pager,
};

void syscall_dispatch(struct trap_frame *f)
{
	uint64_t nr = f->rax;
	f->rax = nr < SYS_COUNT && syscalls[nr] ? (uint64_t)syscalls[nr](f) : E_NOSYS;
	if (unlikely(sched_preempt_pending))
		sched_yield();
}
