/* The kernel's objects and the calls between its parts. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include "types.h"
#include "cap.h"
#include "console.h"
#include "cpu.h"
#include <config.h>
#include <ipclab/abi.h>

#define NPRIO 32                 /* thread priorities 0 (lowest) .. 31 */
#define ROOT_PRIO 16
#define THREAD_PAGES 2           /* struct thread, then its kernel stack */
#define SPACE_PAGES 2            /* struct space with its capability table */

enum thread_state { THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct space {
	struct kobj obj;
	paddr_t root;                /* top-level page table */
	unsigned pcid;               /* 0: this CPU has no PCID, or they ran out */
	bool pcid_used;              /* loaded once: later loads may keep the TLB */
	char name[MODULE_NAME_MAX];
	struct cap_table caps;
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
	struct thread *joiner;       /* blocked in SYS_THREAD_JOIN on this thread */
	uint32_t end_how;            /* JOIN_ */
	uint64_t end_code, end_addr;
	struct thread *zombie_next;
};
_Static_assert(sizeof(struct thread) < 1024, "leave room for the kernel stack");

struct memory {
	struct kobj obj;
	uint64_t quota;              /* frames that may still be mapped through it */
};

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

/* sched.c */
extern struct thread *current;
void sched_init(void);
void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
void schedule(void);                       /* run the best ready thread */
void sched_start(void) __attribute__((noreturn));
void sched_tick(void);
extern uint64_t ticks;

/* thread.c */
extern struct thread *root_thread;        /* its end powers the machine off */
struct thread *thread_create(struct space *s, vaddr_t entry, vaddr_t stack, uint64_t arg,
			     unsigned prio);
void thread_end(struct thread *t, unsigned how, uint64_t code, uint64_t addr);
void thread_fault(struct trap_frame *f) __attribute__((noreturn));
void thread_release(struct thread *t);     /* drop one reference */
void thread_reap(void);
void thread_name(const struct thread *t, char *buf, size_t n);

/* space.c */
struct space *space_create(const char *name);
void space_release(struct space *s);
void space_activate(struct space *s);
int space_map_anon(struct space *s, struct memory *pool, vaddr_t va, uint64_t pages, uint64_t flags);
int space_load_module(struct space *s, struct memory *pool, const struct module *m,
		      const struct start_info *info, vaddr_t *entry);
int copy_from_user(void *dst, vaddr_t src, size_t n);
void kobj_release(struct kobj *o);

/* syscall.c, trap.c */
void kernel_fault(const struct trap_frame *f) __attribute__((noreturn));
void poweroff(bool pass) __attribute__((noreturn));

#endif
