/* Threads: creation, death (exit or fault) and the join that reports it. */
#include "kernel.h"
#include "ipc.h"
#include "frame.h"
#include "mmu.h"

struct thread *root_thread;
struct thread *all_threads;
static uint32_t next_id = 1;
struct thread *zombies;                  /* dead, unreferenced, to be freed */

void thread_name(const struct thread *t, char *buf, size_t n)
{
	const char *space = t->space ? t->space->name : "kernel";
	size_t len = strnlen(space, n - 12);
	memcpy(buf, space, len);
	buf[len++] = '.';
	char digits[11];
	int d = 0;
	uint32_t id = t->id;
	do {
		digits[d++] = '0' + id % 10;
		id /= 10;
	} while (id);
	while (d)
		buf[len++] = digits[--d];
	buf[len] = 0;
}

/* A thread that starts at entry with stack and arg in rdi.  Without a space
 * it is a kernel thread (the idle thread).  It is ready at once. */
struct thread *thread_create(struct space *s, vaddr_t entry, vaddr_t stack, uint64_t arg,
			     unsigned prio)
{
	paddr_t pa = frame_alloc_n(THREAD_PAGES);
	if (!pa)
		return NULL;
	struct thread *t = phys_to_virt(pa);
	t->obj = (struct kobj){ .type = OBJ_THREAD, .refs = 1 };   /* 1: alive */
	LIST_PUSH(all_threads, t, all_next, all_prev);
	t->space = s;
	t->id = next_id++;
	t->prio = prio;
	t->prio_bit = 1u << prio;
	t->prio_above = ~0u << prio << 1;       /* two shifts: prio 31 has none above */
	if (s)
		s->obj.refs++;

	/* The first switch to it "returns" into trap_return with this frame. */
	struct trap_frame *f = thread_frame(t);
	*f = (struct trap_frame){
		.rip = entry, .rdi = arg, .rflags = 0x202,
		.cs = s ? SEL_UCODE : SEL_KCODE, .ss = s ? SEL_UDATA : SEL_KDATA,
		.rsp = s ? stack : thread_stack_top(t),
	};
	struct switch_frame *sw = (struct switch_frame *)f - 1;
	*sw = (struct switch_frame){ .rip = (uint64_t)trap_return };
	t->ksp = (uint64_t)sw;
	sched_wake(t);
	return t;
}

/* A thread has ended: record how, wake the joiner, never run it again. */
void thread_end(struct thread *t, unsigned how, uint64_t code, uint64_t addr)
{
	if (t->state == THREAD_DEAD)
		return;
	ipc_thread_dies(t);
	sched_dequeue(t);
	t->state = THREAD_DEAD;
	t->end_how = how;
	t->end_code = code;
	t->end_addr = addr;
	if (t->pager)
		kobj_put(t->pager);
	t->pager = NULL;
	if (t->joiner) {
		t->joiner->joining = NULL;
		wait_end(t->joiner, IPC_OK);
		t->joiner = NULL;
	}
	if (t->joining) {                        /* killed while joining */
		t->joining->joiner = NULL;
		t->joining = NULL;
	}
	if (t == root_thread) {
		kprintf("ipclab: the root task ended (%s %lu)\n",
			how == JOIN_EXITED ? "exit" : "fault", code);
		poweroff(how == JOIN_EXITED && code == 0);
	}
	thread_release(t);                       /* the "alive" reference */
	if (t == current)
		schedule();
}

void thread_kill(struct thread *t)
{
	thread_end(t, JOIN_KILLED, 0, 0);
}

static const char *const vector_names[32] = {
	[0] = "#DE divide error", [1] = "#DB debug", [3] = "#BP breakpoint",
	[4] = "#OF overflow", [5] = "#BR bound range", [6] = "#UD invalid opcode",
	[7] = "#NM no FPU", [8] = "#DF double fault", [10] = "#TS bad TSS",
	[11] = "#NP segment not present", [12] = "#SS stack fault",
	[13] = "#GP general protection", [14] = "#PF page fault", [16] = "#MF x87 error",
	[17] = "#AC alignment check", [18] = "#MC machine check", [19] = "#XM SIMD error",
};

/* Why a fault call that ended with err stops the thread. */
static const char *fault_call_failed(int err)
{
	return err == E_DEAD ? "its pager is gone" : "its pager's reply is malformed";
}

/* A page fault in a thread with a pager becomes a call to the pager on the
 * thread's behalf (docs/abi.md); the thread's registers are kept aside
 * meanwhile.  Returns the reason to stop it, or NULL to run the faulting
 * instruction again (or the one the pager named). */
static const char *fault_to_pager(struct trap_frame *f, uint64_t addr)
{
	struct trap_frame saved = *f;
	uint64_t msg[FAULT_MSG_WORDS] = {
		[FAULT_MSG_ADDR] = addr, [FAULT_MSG_ACCESS] = f->error, [FAULT_MSG_RIP] = f->rip,
	}, reply[2];
	int err = ipc_kernel_call(current->pager, current->pager_badge, msg, reply);
	*f = saved;
	return err ? fault_call_failed(err) : fault_verdict(f, reply[0], reply[1]);
}

/* Report current's fault in one line, saying why, and stop it. */
static void __attribute__((noreturn)) fault_stop(struct trap_frame *f, uint64_t addr,
						 const char *why)
{
	char name[48];
	thread_name(current, name, sizeof(name));
	const char *what = vector_names[f->vector] ? vector_names[f->vector] : "exception";
	if (f->vector == VEC_PF)
		kprintf("ipclab: fault: thread %s: %s (%s %s) at %p, rip %p: %s\n",
			name, what, f->error & 1 ? "protection" : "not present",
			f->error & 16 ? "fetch" : f->error & 2 ? "write" : "read",
			(void *)addr, (void *)f->rip, why);
	else
		kprintf("ipclab: fault: thread %s: %s (error %lu) at rip %p: %s\n",
			name, what, f->error, (void *)f->rip, why);
	thread_end(current, JOIN_FAULTED, f->vector, addr);
	panic("a dead thread ran");
}

/* A user thread faulted: give a page fault to its pager, if it has one (on
 * the model's fast path if it can, else the general one); else (or if the
 * pager will not resolve it) report it in one line and stop the thread. */
void thread_fault(struct trap_frame *f)
{
	uint64_t addr = f->vector == VEC_PF ? read_cr2() : f->rip;
	const char *why = "thread stopped";
	if (f->vector == VEC_PF && current->pager) {
		ipc_fault_fast(f, addr);         /* returns only if it did not take the fault */
		if (!(why = fault_to_pager(f, addr)))
			return;
	}
	fault_stop(f, addr, why);
}

void resume_fault_c(struct trap_frame *f);
/* resume_fault (entry.S): current's fault, held on the fast path, has its
 * reply: apply it to the frame, or stop the thread as the general path
 * would have. */
void resume_fault_c(struct trap_frame *f)
{
	uint64_t reply[2];
	current->in_fault = false;
	int err = ipc_fault_reply(reply);
	const char *why = err ? fault_call_failed(err) : fault_verdict(f, reply[0], reply[1]);
	if (unlikely(why))
		fault_stop(f, current->fault_addr, why);
	if (unlikely(sched_preempt_pending))
		sched_yield();
}

void thread_release(struct thread *t)
{
	if (--t->obj.refs == 0) {
		t->zombie_next = zombies;
		zombies = t;
	}
}

/* Free dead threads nobody refers to, except the one whose stack we are on. */
void thread_reap(void)
{
	struct thread **pp = &zombies;
	while (*pp) {
		struct thread *t = *pp;
		if (t == current) {
			pp = &t->zombie_next;
			continue;
		}
		*pp = t->zombie_next;
		if (t->space)
			space_release(t->space);
		LIST_UNLINK(all_threads, t, all_next, all_prev);
		frame_free(physmap_to_phys(t), THREAD_PAGES);
	}
}
