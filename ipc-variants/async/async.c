/* Mach-style asynchronous IPC: a port holds a bounded kernel queue of
 * ASYNC_QUEUE_LEN messages of up to ASYNC_MSG_MAX bytes.  A send copies the
 * message from the sender's memory into the queue (copy 1) and returns; a
 * receive copies it out into the receiver's memory (copy 2).  call = a send
 * that carries the caller's reply port + a receive on that port;
 * reply_recv = a send to the reply port of the last message received + a
 * receive on our own port.  Messages accepted are delivered once, in order. */
#include "ipc.h"

struct amsg {
	uint64_t badge;
	uint64_t len;
	struct port *reply;           /* holds a reference while queued */
	uint64_t reply_seq;           /* which call of the reply port's owner it is */
	uint8_t data[IPC_MSG_MAX];
};

struct port {
	struct kobj obj;
	bool dead;
	uint32_t head, count;         /* the ring: q[head] is the oldest */
	struct thread *owner;         /* for a thread's implicit reply port */
	uint64_t call_seq;            /* ... the owner's call in progress: a reply for an
				       * earlier call is stale and dropped */
	struct tqueue senders;        /* blocked on a full queue */
	struct tqueue receivers;      /* blocked on an empty queue */
	struct amsg q[CONFIG_ASYNC_QUEUE_LEN];
};

static struct port *port_new(void)
{
	return kobj_alloc(sizeof(struct port), OBJ_IPC);
}

static void port_put(struct port *p)
{
	if (--p->obj.refs == 0)
		ipc_object_free(&p->obj);
}

int ipc_create(struct trap_frame *f)
{
	return kobj_create(f->rdi, sizeof(struct port), OBJ_IPC);
}

static inline int port_lookup(uint64_t slot, uint32_t right, struct port **p, uint64_t *badge)
{
	struct cap *c;
	int err = cap_get(slot, OBJ_IPC, right, &c);
	if (err)
		return err;
	*p = (struct port *)c->obj;
	*badge = c->badge;
	return (*p)->dead ? E_DEAD : IPC_OK;
}

/* Copy 1 and copy 2 move between user memory and the queue, except in a
 * call the kernel makes itself (ipc_kernel_call), whose buffers are its
 * own: the user range check refuses them, and only then do we look why. */
static __attribute__((noinline, cold)) int copy_kernel(void *to, const void *from, uint64_t len)
{
	if (!current->kernel_call)
		return E_FAULT;
	memcpy(to, from, len);
	return IPC_OK;
}

static inline int copy_in(void *to, vaddr_t from, uint64_t len)
{
	if (unlikely(outside_user(from, len)))
		return copy_kernel(to, (const void *)from, len);
	return (int)user_copy(to, (const void *)from, len);
}

static inline int copy_out(vaddr_t to, const void *from, uint64_t len)
{
	if (CONFIG_BREAK_COPY && len >= 16)
		len -= 8;                /* test build: the last word is not delivered */
	if (unlikely(outside_user(to, len)))
		return copy_kernel((void *)to, from, len);
	return (int)user_copy((void *)to, from, len);
}

/* Nobody will answer call seq on rp: its owner, if still waiting for that
 * call, learns it. */
static void reply_abandon(struct port *rp, uint64_t seq)
{
	if (rp->owner && rp->call_seq == seq && rp->owner->wq == &rp->receivers)
		wait_end(rp->owner, E_DEAD);
}

/* t gives up the reply right it holds, if any. */
static void reply_drop(struct thread *t)
{
	struct port *rp = t->reply_port;
	if (!rp)
		return;
	t->reply_port = NULL;
	reply_abandon(rp, t->reply_seq);
	port_put(rp);
}

/* Wait in one of p's queues.  p must outlive the wait even if every
 * capability to it goes meanwhile: we hold a reference (pinned, which
 * ipc_thread_dies drops for a thread killed in the wait).  A port
 * destroyed meanwhile gives E_DEAD, whoever woke us.  Our own reply port
 * needs no pin: we hold it. */
static int port_wait(struct port *p, struct tqueue *q, enum wait_kind kind, uint64_t timeout,
		     struct thread *to)
{
	if (p == current->own_port)
		return wait_block(q, kind, timeout, to);
	p->obj.refs++;
	current->pinned = p;
	int err = wait_block(q, kind, timeout, to);
	current->pinned = NULL;
	bool dead = p->dead;
	port_put(p);
	return err ? err : dead ? E_DEAD : IPC_OK;
}

/* Copy 1: the message at buf into p's queue, blocking while it is full
 * (per timeout).  On success *woken is a receiver whose wait we ended (it
 * is not yet ready), or NULL. */
static int port_put_msg(struct port *p, uint64_t badge, struct port *reply, uint64_t reply_seq,
			vaddr_t buf, uint64_t len, uint64_t timeout, struct thread **woken)
{
	*woken = NULL;
	while (p->count == CONFIG_ASYNC_QUEUE_LEN) {
		if (timeout == TIMEOUT_NONE)
			return E_FULL;
		int err = port_wait(p, &p->senders, WAIT_SEND, timeout, NULL);
		if (err)
			return err;
	}
	struct amsg *m = &p->q[(p->head + p->count) % CONFIG_ASYNC_QUEUE_LEN];
	int err = copy_in(m->data, buf, len);
	if (err)
		return err;
	m->badge = badge;
	m->len = len;
	m->reply = reply;
	m->reply_seq = reply_seq;
	if (reply)
		reply->obj.refs++;
	p->count++;
	struct thread *r = tq_pop(&p->receivers);
	if (r) {
		wait_finish(r, IPC_OK);
		*woken = r;
	}
	return IPC_OK;
}

/* Copy 2: the oldest message of p into the buffer of frame f, or block
 * (per timeout) until there is one.  The message's reply port becomes
 * ours to answer.  to, if not NULL, runs while we wait. */
static int port_get_msg(struct port *p, struct trap_frame *f, uint64_t timeout, struct thread *to)
{
	while (p->count == 0) {
		if (timeout == TIMEOUT_NONE) {
			if (to)
				sched_wake(to);
			return E_TIMEOUT;
		}
		int err = port_wait(p, &p->receivers, WAIT_RECV, timeout, to);
		to = NULL;
		if (err)
			return err;
	}
	if (to)
		sched_wake(to);
	struct amsg *m = &p->q[p->head];
	uint64_t capacity = f->rsi >> IPC_CAP_SHIFT & IPC_LEN_MASK;
	if (m->len > capacity) {
		f->rsi = m->len;                 /* how much room it needs */
		return E_TOOBIG;
	}
	int err = copy_out(f->r8, m->data, m->len);
	if (err)
		return err;
	f->rdi = m->badge;
	f->rsi = m->len;
	if (!current->kernel_call) {             /* (the pager's reply: our right stays) */
		reply_drop(current);             /* one reply at a time: the old call dies */
		current->reply_port = m->reply;  /* the message's reference moves */
		current->reply_seq = m->reply_seq;
	}
	p->head = (p->head + 1) % CONFIG_ASYNC_QUEUE_LEN;
	p->count--;
	struct thread *s = tq_pop(&p->senders);
	if (s)
		wait_end(s, IPC_OK);             /* there is room again */
	return IPC_OK;
}

/* Check a send's arguments: port, length, timeout. */
static int send_args(struct trap_frame *f, struct port **p, uint64_t *badge)
{
	int err = port_lookup(f->rdi, RIGHT_SEND, p, badge);
	if (err)
		return err;
	if ((f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX)
		return E_TOOBIG;
	return timeout_check(f->rdx);
}

int ipc_send(struct trap_frame *f)
{
	struct port *p;
	struct thread *r;
	uint64_t badge;
	int err = send_args(f, &p, &badge);
	if (err || (err = port_put_msg(p, badge, NULL, 0, f->r8, f->rsi & IPC_LEN_MASK, f->rdx, &r)))
		return err;
	if (r)
		sched_wake(r);
	return IPC_OK;
}

int ipc_recv(struct trap_frame *f)
{
	struct port *p;
	uint64_t badge;
	int err = port_lookup(f->rdi, RIGHT_RECV, &p, &badge);
	if (err || (err = timeout_check(f->rdx)))
		return err;
	return port_get_msg(p, f, f->rdx, NULL);
}

/* current's implicit reply port, made at its first call; NULL if there
 * is no memory for it. */
static struct port *own_port(void)
{
	struct port *own = current->own_port;
	if (likely(own))
		return own;
	if (!(own = current->own_port = port_new()))
		return NULL;
	own->obj.refs = 1;
	own->owner = current;
	return own;
}

/* The call, its arguments checked: the message at f's buffer to p with our
 * reply port, then the reply into the same buffer. */
static inline int call_on(struct port *p, uint64_t badge, struct trap_frame *f)
{
	struct thread *r;
	struct port *own = own_port();
	if (!own)
		return E_NOMEM;
	/* A new call: replies to earlier ones, queued or still to come, are stale. */
	own->call_seq++;
	for (; own->count; own->count--, own->head = (own->head + 1) % CONFIG_ASYNC_QUEUE_LEN)
		;                                /* replies carry no reply right to put */
	int err = port_put_msg(p, badge, own, own->call_seq, f->r8, f->rsi & IPC_LEN_MASK, f->rdx, &r);
	if (!err)
		err = port_get_msg(own, f, f->rdx ? f->rdx : TIMEOUT_FOREVER, r);
	own->call_seq++;                         /* this call is over, however it ended */
	return err;
}

int ipc_call(struct trap_frame *f)
{
	struct port *p;
	uint64_t badge;
	int err = send_args(f, &p, &badge);
	return err ? err : call_on(p, badge, f);
}

int ipc_kernel_call(struct kobj *o, uint64_t badge, const uint64_t msg[FAULT_MSG_WORDS],
		    uint64_t reply[2])
{
	struct port *p = (struct port *)o;
	if (p->dead)
		return E_DEAD;
	uint64_t buf[FAULT_MSG_WORDS];
	memcpy(buf, msg, sizeof(buf));
	struct trap_frame kf = {
		.r8 = (uint64_t)buf, .rdx = TIMEOUT_FOREVER,
		.rsi = sizeof(buf) << IPC_CAP_SHIFT | MIN(sizeof(buf), IPC_MSG_MAX),
	};
	current->kernel_call = true;
	int err = call_on(p, badge, &kf);
	current->kernel_call = false;
	reply[0] = (kf.rsi & IPC_LEN_MASK) >= 8 ? buf[0] : ~0ul;
	reply[1] = (kf.rsi & IPC_LEN_MASK) >= 16 ? buf[1] : ~0ul;
	return err;
}

/* A page fault of current for a pager whose port has room: the fault
 * message goes from the kernel straight into the port's queue with our
 * reply port, as ipc_kernel_call's would, and we wait on the reply port
 * for good, our frame as we faulted: no kernel buffers, no frame to save
 * and restore, no kernel stack kept. */
void ipc_fault_fast(struct trap_frame *f, uint64_t addr)
{
	struct port *p = (struct port *)current->pager, *own;
	if (unlikely(p->dead || p->count == CONFIG_ASYNC_QUEUE_LEN || !(own = own_port())))
		return;
	/* Point of no return: a new call, so replies to earlier ones are stale. */
	own->call_seq++;
	for (; own->count; own->count--, own->head = (own->head + 1) % CONFIG_ASYNC_QUEUE_LEN)
		;
	const uint64_t msg[FAULT_MSG_WORDS] = {
		[FAULT_MSG_ADDR] = addr, [FAULT_MSG_ACCESS] = f->error, [FAULT_MSG_RIP] = f->rip,
	};
	struct amsg *m = &p->q[(p->head + p->count) % CONFIG_ASYNC_QUEUE_LEN];
	m->len = MIN(sizeof(msg), CONFIG_ASYNC_MSG_MAX);
	__builtin_memcpy(m->data, msg, MIN(sizeof(msg), CONFIG_ASYNC_MSG_MAX));   /* a few stores */
	m->badge = current->pager_badge;
	m->reply = own;
	m->reply_seq = own->call_seq;
	own->obj.refs++;
	p->count++;
	struct thread *r = tq_pop(&p->receivers);
	if (r)
		wait_finish(r, IPC_OK);
	current->in_fault = true;
	current->fault_addr = addr;
	wait_block_fault(&own->receivers, WAIT_RECV, r);
}

int ipc_fault_reply(uint64_t reply[2])
{
	struct port *own = current->own_port;
	int err = current->wait_err;
	if (!err && !own->count)
		err = E_DEAD;                    /* woken with no reply: none will come */
	if (!err) {
		struct amsg *m = &own->q[own->head];
		uint64_t w[2] = { ~0ul, ~0ul };
		__builtin_memcpy(w, m->data, MIN(sizeof(w), CONFIG_ASYNC_MSG_MAX));  /* two loads */
		reply[0] = m->len >= 8 ? w[0] : ~0ul;
		reply[1] = m->len >= 16 ? w[1] : ~0ul;
		if (m->len > FAULT_MSG_WORDS * 8)
			err = E_TOOBIG;          /* as the general path's buffer refuses it */
		own->head = (own->head + 1) % CONFIG_ASYNC_QUEUE_LEN;
		own->count--;
	}
	own->call_seq++;                         /* this call is over, however it ended */
	return err;
}

int ipc_reply_recv(struct trap_frame *f)
{
	struct port *p;
	struct thread *c = NULL;
	uint64_t badge;
	int err = port_lookup(f->rdi, RIGHT_RECV, &p, &badge);
	if (err || (err = timeout_check(f->rdx)))
		return err;
	if ((f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX)
		return E_TOOBIG;
	struct port *rp = current->reply_port;
	if (rp && !rp->dead && rp->call_seq == current->reply_seq) {   /* the reply: never blocks */
		err = port_put_msg(rp, 0, NULL, 0, f->r8, f->rsi & IPC_LEN_MASK, TIMEOUT_NONE, &c);
		if (err == E_FAULT)
			return err;                      /* keep the right: try again with a good buffer */
	}
	reply_drop(current);                     /* answered, stale, or undeliverable */
	return port_get_msg(p, f, f->rdx, c);
}

int ipc_stats(struct trap_frame *f)
{
	(void)f;
	return E_NOSYS;
}

int ipc_check_thread(const struct thread *t)
{
	(void)t;                                 /* nothing beyond the core's checks */
	return IPC_OK;
}

const struct thread *ipc_waits_for(const struct thread *t)
{
	(void)t;                                 /* a reply comes through a port, from anyone */
	return NULL;
}

void ipc_wait_cancelled(struct thread *t)
{
	(void)t;                                 /* queues are all: wait_finish does it */
}

void ipc_thread_dies(struct thread *t)
{
	reply_drop(t);
	if (t->wait != WAIT_NONE)
		wait_finish(t, E_DEAD);
	if (t->pinned) {                         /* killed in port_wait, or before it resumed */
		struct port *p = t->pinned;
		t->pinned = NULL;
		port_put(p);
	}
	if (t->own_port) {
		t->own_port->owner = NULL;
		ipc_object_destroy(&t->own_port->obj);
		port_put(t->own_port);
		t->own_port = NULL;
	}
}

bool ipc_object_dead(const struct kobj *o)
{
	return ((const struct port *)o)->dead;
}

void ipc_object_destroy(struct kobj *o)
{
	struct port *p = (struct port *)o;
	if (p->dead)
		return;
	p->dead = true;
	wait_end_all(&p->senders, E_DEAD);
	wait_end_all(&p->receivers, E_DEAD);
	for (; p->count; p->count--, p->head = (p->head + 1) % CONFIG_ASYNC_QUEUE_LEN) {
		struct port *rp = p->q[p->head].reply;
		if (rp == p) {
			p->obj.refs--;                   /* never the last: our caller holds one */
		} else if (rp) {
			reply_abandon(rp, p->q[p->head].reply_seq);
			port_put(rp);
		}
	}
}

void ipc_object_free(struct kobj *o)
{
	ipc_object_destroy(o);
	kobj_free(o, sizeof(struct port));
}
