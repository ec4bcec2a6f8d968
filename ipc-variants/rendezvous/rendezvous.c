/* The rendezvous's objects and threads (rendezvous.h): an endpoint's life
 * and the links between a call and its server, the same in every model
 * that uses it. */
#include "rendezvous.h"

int ipc_create(struct trap_frame *f)
{
	return kobj_create(f->rdi, sizeof(struct endpoint), OBJ_IPC);
}

int ipc_check_thread(const struct thread *t)
{
	CHECK(!t->caller || (t->caller->callee == t && t->caller->wait == WAIT_REPLY),
	      "thread %u's caller %u does not wait for it", t->id, t->caller->id);
	CHECK(!t->callee || t->callee->caller == t, "thread %u's callee %u forgot it", t->id,
	      t->callee->id);
	return IPC_OK;
}

const struct thread *ipc_waits_for(const struct thread *t)
{
	return t->wait == WAIT_REPLY ? t->callee : NULL;
}

void ipc_wait_cancelled(struct thread *t)
{
	if (t->wait == WAIT_REPLY && t->callee)
		call_unlink(t->callee, t);
}

void ipc_thread_dies(struct thread *t)
{
	if (t->caller)
		reply_abandon(t);
	if (t->wait != WAIT_NONE) {
		ipc_wait_cancelled(t);
		wait_finish(t, E_DEAD);
	}
}

bool ipc_object_dead(const struct kobj *o)
{
	return ((const struct endpoint *)o)->dead;
}

void ipc_object_destroy(struct kobj *o)
{
	struct endpoint *ep = (struct endpoint *)o;
	if (ep->dead)
		return;
	ep->dead = true;
	wait_end_all(&ep->senders, E_DEAD);
	wait_end_all(&ep->receivers, E_DEAD);
}

void ipc_object_free(struct kobj *o)
{
	ipc_object_destroy(o);
	kobj_free(o, sizeof(struct endpoint));
}
