/* Blocking: FIFOs of waiting threads, timeouts in ticks, and the one way a
 * wait ends (wait_end), whoever ends it. */
#include "kernel.h"
#include "ipc.h"

static struct thread *timeouts;            /* threads with timeout_at != 0 */

void tq_push(struct tqueue *q, struct thread *t)
{
	t->wnext = NULL;
	if (q->tail)
		q->tail->wnext = t;
	else
		q->head = t;
	q->tail = t;
	t->wq = q;
}

void tq_remove(struct tqueue *q, struct thread *t)
{
	struct thread **pp = &q->head, *prev = NULL;
	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->wnext;
	}
	if (!*pp)
		return;
	*pp = t->wnext;
	if (q->tail == t)
		q->tail = prev;
	t->wnext = NULL;
	t->wq = NULL;
}

int timeout_check(uint64_t timeout)
{
	if (CONFIG_TIMEOUT_TICKS || timeout == TIMEOUT_NONE || timeout == TIMEOUT_FOREVER)
		return IPC_OK;
	return E_INVAL;
}

static void timeout_arm(struct thread *t, uint64_t timeout)
{
	t->timeout_at = ticks + timeout + 1;    /* at least `timeout` whole ticks */
	LIST_PUSH(timeouts, t, tnext, tprev);
}

static void timeout_disarm(struct thread *t)
{
	if (!t->timeout_at)
		return;
	LIST_UNLINK(timeouts, t, tnext, tprev);
	t->timeout_at = 0;
}

/* Always inlined: each blocking path keeps its own straight-line copy. */
static inline __attribute__((always_inline)) void block_current(struct tqueue *q,
								 enum wait_kind kind,
								 uint64_t timeout)
{
	current->wait = kind;
	current->wait_err = IPC_OK;
	if (q)
		tq_push(q, current);
	if (CONFIG_TIMEOUT_TICKS && timeout != TIMEOUT_FOREVER)
		timeout_arm(current, timeout);
	sched_block(current);
}

/* The resume frame: context_restore pops a switch frame whose registers
 * do not matter and returns into resume (resume_user, resume_fault) with rsp
 * at the trap frame. */
static void resume_at(void (*resume)(void))
{
	struct switch_frame *sw = (struct switch_frame *)thread_frame(current) - 1;
	sw->rip = (uint64_t)resume;
	current->ksp = (uint64_t)sw;
}

void wait_resume_at_user(void)
{
	resume_at(resume_user);
	current->resume_user = true;
}

void wait_resume_at_fault(void)
{
	resume_at(resume_fault);
}

void resume_user_c(struct trap_frame *f);
void resume_user_c(struct trap_frame *f)
{
	f->rax = (uint64_t)current->wait_err;
	current->resume_user = false;
	if (unlikely(sched_preempt_pending))
		sched_yield();
}

/* current, blocked for good, hands over to to (or to the scheduler). */
static void __attribute__((noreturn)) switch_final(struct thread *to)
{
	if (to && CONFIG_DIRECT_SWITCH && sched_direct_ok(to))
		sched_direct_final(to);
	if (to)
		sched_wake(to);
	schedule_final();
}

void wait_block_final(struct tqueue *q, enum wait_kind kind, uint64_t timeout, struct thread *to)
{
	block_current(q, kind, timeout);
	wait_resume_at_user();
	switch_final(to);
}

void wait_block_fault(struct tqueue *q, enum wait_kind kind, struct thread *to)
{
	block_current(q, kind, TIMEOUT_FOREVER);
	wait_resume_at_fault();
	switch_final(to);
}

int wait_block(struct tqueue *q, enum wait_kind kind, uint64_t timeout, struct thread *to)
{
	block_current(q, kind, timeout);
	if (to && CONFIG_DIRECT_SWITCH && sched_direct_ok(to)) {
		sched_direct(to);
	} else {
		if (to)
			sched_wake(to);
		schedule();
	}
	return current->wait_err;
}

/* End t's wait without making it ready: its waker may run it directly. */
void wait_finish(struct thread *t, int err)
{
	if (t->wq)
		tq_remove(t->wq, t);
	if (CONFIG_TIMEOUT_TICKS)
		timeout_disarm(t);
	t->wait = WAIT_NONE;
	t->wait_err = err;
}

void wait_end(struct thread *t, int err)
{
	wait_finish(t, err);
	sched_wake(t);
}

void wait_end_all(struct tqueue *q, int err)
{
	struct thread *t;
	while ((t = q->head)) {
		ipc_wait_cancelled(t);
		wait_end(t, err);
	}
}

void wait_tick(void)
{
	if (!CONFIG_TIMEOUT_TICKS)
		return;
	for (struct thread *t = timeouts, *next; t; t = next) {
		next = t->tnext;
		if (t->timeout_at <= ticks) {
			ipc_wait_cancelled(t);
			wait_end(t, E_TIMEOUT);
		}
	}
}
