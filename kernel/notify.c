/* Notifications: one word of bits per object, no message, no buffer.
 * notify ORs bits in and never blocks; wait returns the bits and clears
 * them.  Signals coalesce and nothing can overflow.  The same in every
 * variant. */
#include "kernel.h"

struct notification {
	struct kobj obj;
	uint64_t bits;
	bool dead;
	struct tqueue waiters;
};

int sys_notify_create(struct trap_frame *f)
{
	return kobj_create(f->rdi, sizeof(struct notification), OBJ_NOTIFICATION);
}

static int lookup(uint64_t slot, uint32_t right, struct notification **out)
{
	struct cap *c;
	int err = cap_get(slot, OBJ_NOTIFICATION, right, &c);
	if (err)
		return err;
	*out = (struct notification *)c->obj;
	return (*out)->dead ? E_DEAD : IPC_OK;
}

int sys_notify(struct trap_frame *f)
{
	struct notification *n;
	int err = lookup(f->rdi, RIGHT_SEND, &n);
	if (err)
		return err;
	n->bits |= f->rsi;
	struct thread *t = n->waiters.head;
	if (t && n->bits) {
		thread_frame(t)->rdi = n->bits;    /* what its SYS_WAIT returns */
		n->bits = 0;
		/* A waiter above us and every ready thread runs first (we are
		 * below it, so we count as ready); any other is left to the
		 * scheduler (a higher one runs when the call ends). */
		if (CONFIG_DIRECT_SWITCH && t->prio > current->prio && !sched_preempt_pending &&
		    sched_direct_ok_fp(t)) {
			wait_finish(t, IPC_OK);
			sched_preempt_to(t);       /* the waiter first; we go on after it */
		} else {
			wait_end(t, IPC_OK);
		}
	}
	return IPC_OK;
}

int sys_wait(struct trap_frame *f)
{
	struct notification *n;
	int err = lookup(f->rdi, RIGHT_RECV, &n);
	uint64_t timeout = f->rsi;
	if (err || (err = timeout_check(timeout)))
		return err;
	if (n->bits) {
		f->rdi = n->bits;
		n->bits = 0;
		return IPC_OK;
	}
	if (timeout == TIMEOUT_NONE)
		return E_TIMEOUT;
	return wait_block(&n->waiters, WAIT_NOTIFY, timeout, NULL);
}

void notify_signal(struct kobj *o, uint64_t bits)
{
	struct notification *n = (struct notification *)o;
	if (n->dead)
		return;
	n->bits |= bits;
	struct thread *t = n->waiters.head;
	if (t) {
		thread_frame(t)->rdi = n->bits;
		n->bits = 0;
		wait_end(t, IPC_OK);
	}
}

void notify_destroy(struct kobj *o)
{
	struct notification *n = (struct notification *)o;
	n->dead = true;
	wait_end_all(&n->waiters, E_DEAD);
}
