/* Fixed-priority round-robin scheduling with a timer tick.  The running
 * thread is not in a ready queue; whoever takes the CPU from it decides
 * whether it goes back (yield, preemption) or not (block, death). */
#include "kernel.h"
#include "timer.h"

struct thread *current;
uint64_t ticks;

static struct thread *queue_head[NPRIO];
static uint32_t ready_bitmap;              /* bit p: queue p is not empty */
static struct thread *idle;

/* Append t to the tail of its priority's ring. */
void sched_enqueue(struct thread *t)
{
	if (t->in_queue)
		return;
	struct thread **h = &queue_head[t->prio];
	if (!*h) {
		t->next = t->prev = t;
		*h = t;
	} else {
		t->prev = (*h)->prev;
		t->next = *h;
		(*h)->prev->next = t;
		(*h)->prev = t;
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

static struct thread *pick_next(void)
{
	if (!ready_bitmap)
		return idle;
	struct thread *t = queue_head[31 - __builtin_clz(ready_bitmap)];
	sched_dequeue(t);
	return t;
}

/* Give the CPU to next: its address space, its kernel stack. */
static void switch_to(struct thread *next)
{
	struct thread *prev = current;
	current = next;
	next->state = THREAD_RUNNING;
	cpu_set_kernel_stack(thread_stack_top(next));
	if (next->space && next->space != prev->space)
		space_activate(next->space);
	context_switch(&prev->ksp, next->ksp);
}

void schedule(void)
{
	thread_reap();
	struct thread *next = pick_next();
	if (next != current)
		switch_to(next);
	else
		current->state = THREAD_RUNNING;
}

/* Preempt on every tick: the running thread goes to the back of its queue. */
void sched_tick(void)
{
	ticks++;
	if (current != idle)
		sched_enqueue(current);
	schedule();
}

static void idle_loop(void)
{
	for (;;)
		asm volatile("sti; hlt; cli");
}

void sched_init(void)
{
	idle = thread_create(NULL, (vaddr_t)idle_loop, 0, 0, 0);
	if (!idle)
		panic("no memory for the idle thread");
	sched_dequeue(idle);
}

void sched_start(void)
{
	static struct thread boot;                 /* stands for kmain's context */
	boot.space = NULL;
	current = &boot;
	schedule();
	panic("returned to the boot stack");
}
