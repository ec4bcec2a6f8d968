/* Fixed-priority round-robin scheduling with a timer tick, and the
 * variant's ready-queue policy. */
#include "kernel.h"
#include "timer.h"

struct thread *current;
uint64_t ticks;

/* The ready queues: a ring per priority.  Also edited by the IPC fast
 * path in assembly (ipc-variants/sync/entry_fastpath.S) for eager queues. */
struct thread *queue_head[NPRIO];
uint32_t ready_bitmap;                     /* bit p: queue p is not empty */
struct thread *idle_thread;

/* Append t to the tail of its priority's ring. */
void sched_enqueue(struct thread *t)
{
	if (t->in_queue)
		return;
	/* head in a local: the compiler cannot always tell that t's links are
	 * not queue_head's slots (it can only when struct thread is larger than
	 * the array), and would load it again after each store. */
	struct thread *head = queue_head[t->prio];
	if (!head) {
		t->next = t->prev = t;
		queue_head[t->prio] = t;
	} else {
		t->prev = head->prev;
		t->next = head;
		head->prev->next = t;
		head->prev = t;
	}
	t->in_queue = true;
	ready_bitmap |= 1u << t->prio;
}

void sched_dequeue(struct thread *t)
{
	if (!t->in_queue)
		return;
	struct thread **h = &queue_head[t->prio];
	if (t->next == t) {
		*h = NULL;
		ready_bitmap &= ~(1u << t->prio);
	} else {
		t->prev->next = t->next;
		t->next->prev = t->prev;
		if (*h == t)
			*h = t->next;
	}
	t->in_queue = false;
}

/* The ready-queue policies (docs/variants.md says what each costs):
 * - lazy:  the running thread stays queued; a thread that blocks in IPC is
 *          left in the queue and removed when the scheduler meets it.
 * - eager: the running thread stays queued; every block dequeues, every
 *          wake enqueues.
 * - benno: the running thread is never queued; a thread woken by IPC and
 *          run at once by a direct switch is never queued either. */
#define RUNNING_IS_QUEUED (CONFIG_SCHED_LAZY || CONFIG_SCHED_EAGER)

unsigned sched_top_prio(void)
{
	while (ready_bitmap) {
		unsigned p = 31 - __builtin_clz(ready_bitmap);
		struct thread *t = queue_head[p];
		if (CONFIG_SCHED_LAZY && (t->state == THREAD_BLOCKED || t->state == THREAD_DEAD)) {
			sched_dequeue(t);       /* the deferred work of lazy queues */
			continue;
		}
		return p;
	}
	return 0;
}

static struct thread *pick_next(void)
{
	unsigned p = sched_top_prio();
	if (!ready_bitmap)
		return idle_thread;
	struct thread *t = queue_head[p];
	if (!RUNNING_IS_QUEUED)
		sched_dequeue(t);
	return t;
}

bool sched_direct_ok(const struct thread *to)
{
	return sched_direct_ok_fp(to) || to->prio >= sched_top_prio();
}

/* Make next the running thread: its address space, its kernel stack. */
static inline void become(struct thread *next)
{
	struct thread *prev = current;
	current = next;
	next->state = THREAD_RUNNING;
	cpu_set_kernel_stack(thread_stack_top(next));
	if (next->space && next->space != prev->space)
		space_activate(next->space);
}

/* Switch to next, to come back here when prev runs again; or, if prev
 * blocked with wait_block_final, leave prev's kernel stack behind. */
static void switch_to(struct thread *next, bool final)
{
	struct thread *prev = current;
	become(next);
	if (final)
		context_restore(next->ksp);
	context_switch(&prev->ksp, next->ksp);
}

static void schedule_to(bool final)
{
	sched_preempt_pending = false;
	if (unlikely(zombies))
		thread_reap();
	struct thread *next = pick_next();
	if (next != current)
		switch_to(next, final);
	else
		current->state = THREAD_RUNNING;
}

void schedule(void)
{
	schedule_to(false);
}

void schedule_final(void)
{
	schedule_to(true);
	panic("a thread blocked for good was picked to run");
}

void sched_block(struct thread *t)
{
	t->state = THREAD_BLOCKED;
	if (CONFIG_SCHED_EAGER)
		sched_dequeue(t);
}

bool sched_preempt_pending;

void sched_wake(struct thread *t)
{
	t->state = THREAD_READY;
	sched_enqueue(t);               /* lazy: a no-op if it never left */
	if (current && t->prio > current->prio)
		sched_preempt_pending = true;   /* acted on when the system call ends */
}

/* The running thread goes on being ready, at the tail of its priority
 * (schedule() says RUNNING again if it picks it). */
static inline void requeue_current(void)
{
	current->state = THREAD_READY;
	if (RUNNING_IS_QUEUED)
		sched_dequeue(current);
	sched_enqueue(current);
}

void sched_yield(void)
{
	if (current != idle_thread)
		requeue_current();
	else
		current->state = THREAD_READY;
	schedule();
}

/* t, whose wait we just ended, outranks us: with direct switch it runs at
 * once, and we stay ready at the tail of our priority, as if preempted at
 * the end of this system call (which is what happens without). */
void sched_preempt_to(struct thread *t)
{
	requeue_current();
	sched_direct(t);
}

void sched_direct(struct thread *to)
{
	if (RUNNING_IS_QUEUED)
		sched_enqueue(to);      /* lazy: usually still queued, a no-op */
	switch_to(to, false);
}

void sched_direct_final(struct thread *to)
{
	if (RUNNING_IS_QUEUED)
		sched_enqueue(to);
	switch_to(to, true);
	__builtin_unreachable();
}

/* Every tick: expire timeouts, then round robin within the priority. */
void sched_tick(void)
{
	ticks++;
	wait_tick();
	sched_yield();
}

static void idle_loop(void)
{
	for (;;)
		asm volatile("sti; hlt; cli");
}

void sched_init(void)
{
	idle_thread = thread_create(NULL, (vaddr_t)idle_loop, 0, 0, 0);
	if (!idle_thread)
		panic("cannot make the idle thread: out of memory (free frames): it needs %lu KiB, "
		      "%lu KiB free", last_shortage.asked * (PAGE_SIZE >> 10),
		      last_shortage.free * (PAGE_SIZE >> 10));
	sched_dequeue(idle_thread);
}

void sched_start(void)
{
	static struct thread boot;                 /* stands for kmain's context */
	boot.space = NULL;
	current = &boot;
	schedule();
	panic("returned to the boot stack");
}
