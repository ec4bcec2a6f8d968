/* The kernel's objects and the calls between its parts. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include "types.h"
#include "cap.h"
#include "console.h"
#include "cpu.h"
#include <config.h>
#include <ipclab/abi.h>
#include "ipc_thread.h"          /* the compiled model's per-thread state and wait kinds */

#define NPRIO 32                 /* thread priorities 0 (lowest) .. 31 */
#define ROOT_PRIO 16
#define THREAD_PAGES 2           /* struct thread, then its kernel stack */
#define SPACE_PAGES 2            /* struct space with its capability table */
#define SPACE_BORROWED_MAX 16    /* frames/device objects one space may map */

enum thread_state { THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

/* What a blocked thread waits for: the core's kinds, then the model's. */
#define WAIT_KIND_ENUM(kind, name) WAIT_##kind,
enum wait_kind {
	WAIT_NONE,
	WAIT_JOIN,        /* SYS_THREAD_JOIN */
	WAIT_NOTIFY,      /* in a notification's queue */
	IPC_WAIT_KINDS(WAIT_KIND_ENUM)
	WAIT_KINDS
};

struct thread;

/* Push x at the head of the NULL-ended doubly linked list whose first
 * element is head, linked through x's fields next and prev. */
#define LIST_PUSH(head, x, next, prev) do {                                     \
	(x)->prev = NULL;                                                        \
	(x)->next = (head);                                                      \
	if (head)                                                                \
		(head)->prev = (x);                                              \
	(head) = (x);                                                            \
} while (0)
/* Take x out of that list. */
#define LIST_UNLINK(head, x, next, prev) do {                                   \
	if ((x)->prev)                                                           \
		(x)->prev->next = (x)->next;                                     \
	else                                                                     \
		(head) = (x)->next;                                              \
	if ((x)->next)                                                           \
		(x)->next->prev = (x)->prev;                                     \
} while (0)

/* A FIFO of blocked threads (linked through thread.wnext). */
struct tqueue {
	struct thread *head, *tail;
};

struct space {
	struct kobj obj;
	paddr_t root;                /* top-level page table */
	unsigned pcid;               /* 0: this CPU has no PCID, or they ran out */
	bool pcid_used;              /* loaded once: later loads may keep the TLB */
	bool dead;                   /* destroyed: its threads killed, its caps dropped */
	uint64_t cr3;                /* what later loads write to cr3 (0: not loaded yet) */
	uint64_t user_cr3;           /* KPTI: what exits to user load (set with cr3) */
	char name[MODULE_NAME_MAX];
	struct space *all_next, *all_prev;  /* every space, for the invariant checks */
	struct cap_table caps;
	/* Frames and device memory mapped here (SYS_PHYS_MAP) but owned by
	 * those objects: one reference each, dropped with the space. */
	struct kobj *borrowed[SPACE_BORROWED_MAX];
	unsigned nborrowed;
	/* The memory object that paid for the frames mapped here, and how
	 * many: its quota gets them back when the space dies. */
	struct memory *pool;
	uint64_t charged;
};

struct thread {
	struct kobj obj;
	uint64_t ksp;                /* kernel rsp while switched out */
	struct space *space;
	struct thread *next, *prev;  /* ready queue */
	uint32_t id;
	uint8_t prio;
	uint8_t state;               /* enum thread_state */
	bool in_queue;
	uint32_t prio_bit;           /* our priority's ready_bitmap bit */
	uint32_t prio_above;         /* the ready_bitmap bits of higher priorities */
	struct thread *joiner;       /* blocked in SYS_THREAD_JOIN on this thread */
	struct thread *joining;      /* the thread we wait for in SYS_THREAD_JOIN */
	/* Blocking: what we wait for, in which queue, until which tick. */
	uint8_t wait;                /* enum wait_kind */
	struct tqueue *wq;           /* the queue we are in, or NULL */
	struct thread *wnext;
	struct thread *tnext, *tprev;/* the timeout list, when timeout_at != 0 */
	uint64_t timeout_at;         /* tick at which the wait ends with E_TIMEOUT */
	int wait_err;                /* how the wait ended, set by whoever ended it */
	bool resume_user;            /* ksp is a resume frame: see wait_block_final */
	IPC_THREAD_STATE;            /* the compiled model's (ipc-variants/<model>/ipc_thread.h) */
	struct kobj *pager;          /* the IPC object our page faults are sent to, or NULL */
	uint64_t pager_badge;
	/* A page fault the pager holds, taken on the fast path (ipc_fault_fast):
	 * we resume through resume_fault, the frame as we faulted. */
	bool in_fault;
	uint64_t fault_addr;
	uint64_t fault_reply[2];     /* sync: the pager's reply words (~0: none) */
	uint32_t end_how;            /* JOIN_ */
	uint64_t end_code, end_addr;
	uint32_t nomem_kind;         /* the last E_NOMEM of our calls (INFO_NOMEM) */
	uint64_t nomem_asked, nomem_free;
	struct thread *zombie_next;
	struct thread *all_next, *all_prev; /* every thread, for the invariant checks */
};
_Static_assert(sizeof(struct thread) < 1024, "leave room for the kernel stack");

struct memory {
	struct kobj obj;
	uint64_t quota;              /* frames that may still be mapped through it */
	uint64_t total;              /* the quota it started with: no program gets more */
};

/* memory.c: what ran short when an allocation failed (INFO_NOMEM). */
struct shortage {
	uint32_t kind;               /* NOMEM_ */
	uint64_t asked, free;        /* in frames (NOMEM_BORROWED: in slots) */
};
extern struct shortage last_shortage;
/* Record a shortage for the current thread and for the boot; returns E_NOMEM. */
int memory_short(uint32_t kind, uint64_t asked, uint64_t free) __attribute__((cold));
/* May pool pay for n more frames mapped in s?  The first memory object to
 * ask pays for the space from then on, so that its death knows whom to
 * refund; E_INVAL for another one, E_NOMEM (recorded) if the quota is short. */
static inline int memory_can_charge(struct memory *pool, struct space *s, uint64_t n)
{
	if (unlikely(s->pool != pool)) {
		if (s->pool)
			return E_INVAL;
		s->pool = pool;
	}
	if (unlikely(pool->quota < n))
		return memory_short(NOMEM_QUOTA, n, pool->quota);
	return IPC_OK;
}
/* Take n frames, allowed by memory_can_charge, from s's pool's quota. */
static inline void memory_charge(struct space *s, uint64_t n)
{
	s->pool->quota -= n;
	s->charged += n;
}
/* Give back to its memory object what s was charged. */
void memory_refund(struct space *s);

struct module {
	struct kobj obj;
	paddr_t start;
	uint64_t size;
	char name[MODULE_NAME_MAX];
};

static inline uint64_t thread_stack_top(const struct thread *t)
{
	return (uint64_t)t + THREAD_PAGES * PAGE_SIZE;
}

/* The registers the thread saved when it last entered the kernel. */
static inline struct trap_frame *thread_frame(const struct thread *t)
{
	return (struct trap_frame *)thread_stack_top(t) - 1;
}

/* sched.c: the ready-queue policy (lazy, eager, benno) lives here. */
extern struct thread *current;
extern struct thread *queue_head[NPRIO];
extern uint32_t ready_bitmap;
extern struct thread *idle_thread;
void sched_init(void);
void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
void schedule(void);                       /* run the best ready thread */
void sched_block(struct thread *t);        /* current stops being runnable */
void sched_wake(struct thread *t);         /* a blocked thread becomes ready */
void sched_yield(void);                    /* current to the back of its queue */
void sched_direct(struct thread *to);      /* current blocked: run to at once */
/* The highest priority of a ready thread, 0 if none (lazy and eager count a
 * running current, none counts a blocked one); lazy queues first drop the
 * blocked threads at their heads, as the scheduler would. */
unsigned sched_top_prio(void);
/* Whether running to now puts no thread ahead of a ready one of higher
 * priority: a direct switch is allowed, else the scheduler decides. */
bool sched_direct_ok(const struct thread *to);
/* sched_direct_ok without walking a queue, for the fast paths, current
 * about to block: no queue of higher priority than to's is non-empty, but
 * for current's own if current is alone in it (lazy and eager queue the
 * running thread).  It may refuse what sched_direct_ok allows (lazy queues
 * also hold blocked threads), never the other way round. */
static inline bool sched_direct_ok_fp(const struct thread *to)
{
	uint32_t above = ready_bitmap & to->prio_above;
	return !above || ((CONFIG_SCHED_LAZY || CONFIG_SCHED_EAGER) && above == current->prio_bit &&
			  current->in_queue && current->next == current);
}
void sched_preempt_to(struct thread *t);   /* t outranks current, which stays ready */
/* The same, for a current thread that blocked with wait_block_final. */
void sched_direct_final(struct thread *to) __attribute__((noreturn));
void schedule_final(void) __attribute__((noreturn));
/* A thread of higher priority than current became ready: current yields
 * to it when its system call ends. */
extern bool sched_preempt_pending;

/* The current thread's capability table. */
static inline struct cap_table *my_caps(void)
{
	return &current->space->caps;
}
/* The one way to look up a capability of the current thread's: cap_lookup
 * in my_caps(). */
static inline int cap_get(uint64_t slot, enum obj_type type, uint32_t rights, struct cap **out)
{
	return cap_lookup(my_caps(), slot, type, rights, out);
}
/* Whether slot of the current thread's table can take a new capability:
 * IPC_OK, E_BADCAP (out of range or slot 0) or E_EXISTS. */
static inline int cap_slot_empty(uint64_t slot)
{
	if (slot == 0 || slot >= CAP_SLOTS)
		return E_BADCAP;
	return my_caps()->slot[slot].obj ? E_EXISTS : IPC_OK;
}

/* wait.c: blocking with timeouts, and FIFOs of blocked threads. */
void tq_push(struct tqueue *q, struct thread *t);
/* The first thread of q, taken out of it, or NULL. */
static inline struct thread *tq_pop(struct tqueue *q)
{
	struct thread *t = q->head;
	if (t) {
		q->head = t->wnext;
		if (!q->head)
			q->tail = NULL;
		t->wnext = NULL;
		t->wq = NULL;
	}
	return t;
}
void tq_remove(struct tqueue *q, struct thread *t);
/* Is timeout acceptable to this variant?  E_INVAL otherwise. */
int timeout_check(uint64_t timeout);
/* Block current on q (may be NULL) until woken; returns the wait's error.
 * to, if not NULL, runs next (direct switch). */
int wait_block(struct tqueue *q, enum wait_kind kind, uint64_t timeout, struct thread *to);
/* The same for a system call that has nothing left to do when the wait
 * ends: current will return to user mode straight from its trap frame, with
 * the wait's error in rax (the waker may also have written other registers
 * of the frame).  Its kernel stack is not kept, which makes both the block
 * and the wake-up cheaper. */
void wait_block_final(struct tqueue *q, enum wait_kind kind, uint64_t timeout,
		      struct thread *to) __attribute__((noreturn));
/* Prepare current to resume through resume_user; used by the fast paths. */
void wait_resume_at_user(void);
/* Prepare current to resume through resume_fault (a page fault its pager
 * holds); used by the fast paths. */
void wait_resume_at_fault(void);
/* Block current (for a page fault the pager holds) on q, which may be
 * NULL, for ever; it resumes through resume_fault with its frame as it
 * faulted, and its kernel stack is not kept.  to, if not NULL, runs next. */
void wait_block_fault(struct tqueue *q, enum wait_kind kind, struct thread *to)
	__attribute__((noreturn));
/* End t's wait with err and make it ready (it does not run yet). */
void wait_end(struct thread *t, int err);
/* End t's wait with err, leaving it to the caller to run or wake it. */
void wait_finish(struct thread *t, int err);
void wait_tick(void);                      /* expire timeouts */
/* End every wait in q with err. */
void wait_end_all(struct tqueue *q, int err);
void sched_start(void) __attribute__((noreturn));
void sched_tick(void);
extern uint64_t ticks;

/* thread.c */
extern struct thread *root_thread;        /* its end powers the machine off */
struct thread *thread_create(struct space *s, vaddr_t entry, vaddr_t stack, uint64_t arg,
			     unsigned prio);
void thread_end(struct thread *t, unsigned how, uint64_t code, uint64_t addr);
void thread_kill(struct thread *t);        /* ends t as JOIN_KILLED, wherever it is */
void thread_fault(struct trap_frame *f);       /* returns if the thread goes on */
/* A pager's reply (first two words, ~0 where it has none) to the page fault
 * of the thread whose frame is f: NULL if the thread runs on (at the
 * instruction the pager named, for FAULT_RESUME_AT), else why it stops.  A
 * resume address outside user space would fault the kernel's own iretq. */
static inline const char *fault_verdict(struct trap_frame *f, uint64_t word0, uint64_t word1)
{
	if (likely(word0 == FAULT_RESUME))
		return NULL;
	if (word0 != FAULT_RESUME_AT)
		return "its pager refused";
	if (word1 >= USER_TOP)
		return "its pager's reply is malformed";
	f->rip = word1;
	return NULL;
}
void thread_release(struct thread *t);     /* drop one reference */
void thread_reap(void);
extern struct thread *zombies;             /* what thread_reap frees */
void thread_name(const struct thread *t, char *buf, size_t n);

/* space.c */
extern struct pcid_pool space_pcids;       /* the PCIDs live spaces hold */
struct space *space_create(const char *name);
void space_release(struct space *s);
/* The creator's capability is gone: kill every thread of s (current last,
 * and then it does not return) and drop every capability s holds.  Takes
 * over one reference the caller holds. */
void space_destroy(struct space *s);
void space_activate_first(struct space *s);
/* Run on s's page tables (after the first time, one write to cr3). */
static inline void space_activate(struct space *s)
{
	if (unlikely(!s->cr3)) {
		space_activate_first(s);
		return;
	}
	write_cr3(s->cr3);
	if (CONFIG_KPTI_KPTI)
		cpu_set_entry_cr3(s->cr3, s->user_cr3);
}
int space_map_anon(struct space *s, struct memory *pool, vaddr_t va, uint64_t pages, uint64_t flags);
int space_load_module(struct space *s, struct memory *pool, const struct module *m,
		      const struct start_info *info, vaddr_t *entry);
/* Whether [addr, addr + n) reaches USER_TOP or beyond (no overflow). */
static inline bool outside_user(vaddr_t addr, size_t n)
{
	return addr >= USER_TOP || n > USER_TOP - addr;
}

/* Copy n bytes from the current space's user memory at src; a bad page
 * ends it with E_FAULT (arch/x86_64/usercopy.S). */
static inline int copy_from_user(void *dst, vaddr_t src, size_t n)
{
	if (unlikely(outside_user(src, n)))
		return E_FAULT;
	return (int)user_copy(dst, (const void *)src, n);
}

/* Copy n bytes to the current space's user memory at dst, which must be
 * mapped writable; a bad page ends it with E_FAULT. */
static inline int copy_to_user(vaddr_t dst, const void *src, size_t n)
{
	if (unlikely(outside_user(dst, n)))
		return E_FAULT;
	return (int)user_copy((void *)dst, src, n);
}
void kobj_release(struct kobj *o);
/* Drop one reference to o (not a capability's: cap_drop does those). */
static inline void kobj_put(struct kobj *o)
{
	if (--o->refs == 0)
		kobj_release(o);
}

/* check.c: the kernel's own consistency, checked on request (SYS_CHECK).
 * CHECK(cond, fmt, ...) returns E_INVAL from the caller, after one line,
 * when cond does not hold. */
#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (unlikely(!(cond))) {                                         \
			kprintf("ipclab: invariant broken: " __VA_ARGS__);       \
			kprintf("\n");                                           \
			return E_INVAL;                                          \
		}                                                                \
	} while (0)
extern struct thread *all_threads;
extern struct space *all_spaces;
int kernel_check(void);
void kernel_dump_threads(void);       /* one line per thread: SYS_CHECK with rdi = 1 */

/* notify.c */
int sys_notify_create(struct trap_frame *f);
int sys_notify(struct trap_frame *f);
int sys_wait(struct trap_frame *f);
void notify_destroy(struct kobj *o);
/* Signal o from the kernel (an interrupt), as SYS_NOTIFY with these bits. */
void notify_signal(struct kobj *o, uint64_t bits);

/* Objects: destroying (last RIGHT_CONTROL capability gone) and freeing
 * (last reference gone). */
void cap_slot_delete(struct cap_table *t, uint64_t slot, int *err);
void *kobj_alloc(size_t size, enum obj_type type);
/* A new zeroed object for the caller, with every right, in its empty slot. */
int kobj_create(uint64_t slot, size_t size, enum obj_type type);
void kobj_free(struct kobj *o, size_t size);

/* syscall.c, trap.c */
void kernel_fault(const struct trap_frame *f) __attribute__((noreturn));
void poweroff(bool pass) __attribute__((noreturn));

#endif
