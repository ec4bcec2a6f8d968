/* Mach-style asynchronous IPC: a port holds a bounded kernel queue of
 * ASYNC_QUEUE_LEN messages of up to ASYNC_MSG_MAX bytes.  A send copies the
 * message from the sender's memory into the queue (copy 1) and returns; a
 * receive copies it out into the receiver's memory (copy 2).  call = a send
 * that carries the caller's reply port + a receive on that port;
 * reply_recv = a send to the reply port of the last message received + a
 * receive on our own port.  Messages accepted are delivered once, in order. */
#include "ipc.h"

/* ASYNC_FASTPATH: the largest message a sender puts straight into a
 * waiting receiver's buffer, and how such a receiver's wait ends (a value
 * no system call returns: port_get_msg turns it into IPC_OK). */
#define ASYNC_FP_MAX MIN(64, IPC_MSG_MAX)
enum { ASYNC_DELIVERED = E_ERR_COUNT };

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

/* The answer to a wait on a port destroyed before we ran again, however the
 * wait ended: E_DEAD, the message queued for us went with the port.  A
 * message the fast path put in our buffer goes too, and so does the reply
 * right it gave us, as if it had still been queued. */
static __attribute__((noinline, cold)) int port_died_in_wait(int err)
{
	if (CONFIG_ASYNC_FASTPATH && err == ASYNC_DELIVERED)
		reply_drop(current);
	return err && err != ASYNC_DELIVERED ? err : E_DEAD;
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
	return dead ? port_died_in_wait(err) : err;
}

/* Copy len bytes from the kernel at from to user address va of space s,
 * on s's page tables; E_FAULT if they are not all there.  Back on ours
 * after, unless stay and the copy worked (the caller switches to s's
 * thread next and touches no user memory before). */
static inline int copy_to_space_fp(struct space *s, vaddr_t va, const void *from, uint64_t len,
				   bool stay)
{
	if (unlikely(outside_user(va, len)))
		return E_FAULT;
	if (s == current->space)
		return (int)user_copy((void *)va, from, len);
	space_activate(s);
	int err = (int)user_copy((void *)va, from, len);
	if (err || !stay)
		space_activate(current->space);
	return err;
}

/* ASYNC_FASTPATH, before the point of no return: may the message of len
 * bytes at buf go straight into the buffer of r, who waits in a receive?
 * Yes if it is small, r's buffer has room and both buffers are user memory
 * that takes the copy (done now, through the kernel stack: copied once in
 * each space; stay: see copy_to_space_fp).  Any other case, a bad buffer
 * too, is the general path's; so is a receiver whose frame is not its
 * receive's: a kernel call's, or a fault held on the fault fast path (its
 * frame is as it faulted). */
static inline __attribute__((always_inline)) bool deliver_copy_fp(struct thread *r, vaddr_t buf,
							       uint64_t len, bool stay)
{
	struct trap_frame *rf = thread_frame(r);
	if (unlikely(len > ASYNC_FP_MAX || r->kernel_call || r->in_fault || current->kernel_call ||
		     !r->space->cr3 || len > (rf->rsi >> IPC_CAP_SHIFT & IPC_LEN_MASK)))
		return false;
	uint64_t words[ASYNC_FP_MAX / 8];
	uint64_t copied = CONFIG_BREAK_COPY && len >= 16 ? len - 8 : len;   /* as copy_out */
	return likely(!outside_user(buf, len)) && likely(!user_copy(words, (const void *)buf, len)) &&
	       likely(!copy_to_space_fp(r->space, rf->r8, words, copied, stay));
}

/* ASYNC_FASTPATH, the point of no return: r, whose buffer holds the
 * message (deliver_copy_fp), has received it as its receive would have:
 * badge and length in its frame, the message's reply right its own, its
 * wait ended with ASYNC_DELIVERED (it is not yet ready). */
static inline __attribute__((always_inline)) void deliver_commit_fp(struct thread *r, uint64_t badge,
								   uint64_t len, struct port *reply,
								   uint64_t reply_seq)
{
	struct trap_frame *rf = thread_frame(r);
	rf->rdi = badge;
	rf->rsi = len;
	if (r->reply_port)
		reply_drop(r);
	r->reply_port = reply;
	r->reply_seq = reply_seq;
	if (reply)
		reply->obj.refs++;
	struct tqueue *q = r->wq;
	if (likely(q->head == r && !r->timeout_at)) {   /* wait_finish, for the first in line */
		if (!(q->head = r->wnext))
			q->tail = NULL;
		r->wnext = NULL;
		r->wq = NULL;
		r->wait = WAIT_NONE;
		r->wait_err = ASYNC_DELIVERED;
	} else {
		wait_finish(r, ASYNC_DELIVERED);
	}
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
	struct thread *r = p->receivers.head;
	if (CONFIG_ASYNC_FASTPATH && r && !p->count && deliver_copy_fp(r, buf, len, false)) {
		deliver_commit_fp(r, badge, len, reply, reply_seq);
		*woken = r;
		return IPC_OK;
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
	r = tq_pop(&p->receivers);
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
		if (CONFIG_ASYNC_FASTPATH && err == ASYNC_DELIVERED)
			return IPC_OK;           /* a sender put it in our buffer */
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

/* A new call on our reply port: replies to earlier ones, queued or still
 * to come, are stale.  Returns the new call's number. */
static uint64_t call_begin(struct port *own)
{
	own->call_seq++;
	for (; own->count; own->count--, own->head = (own->head + 1) % CONFIG_ASYNC_QUEUE_LEN)
		;                                /* replies carry no reply right to put */
	return own->call_seq;
}

/* SYS_SEND to IPC_SLOT_REPLY: the reply to the last request received, as
 * SYS_REPLY_RECV sends it (never blocking; dropped if stale or the port is
 * gone).  A buffer that cannot be read keeps the right. */
static int send_reply(struct trap_frame *f)
{
	struct port *rp = current->reply_port;
	struct thread *c = NULL;
	if (!rp)
		return E_BADCAP;
	if ((f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX)
		return E_TOOBIG;
	if (!rp->dead && rp->call_seq == current->reply_seq) {
		int err = port_put_msg(rp, 0, NULL, 0, f->r8, f->rsi & IPC_LEN_MASK, TIMEOUT_NONE, &c);
		if (err == E_FAULT)
			return err;
	}
	reply_drop(current);
	if (c)
		sched_wake(c);
	return IPC_OK;
}

int ipc_send(struct trap_frame *f)
{
	struct port *p, *own = NULL;
	struct thread *r;
	uint64_t badge, seq = 0;
	if (f->rdi == IPC_SLOT_REPLY)
		return send_reply(f);
	int err = send_args(f, &p, &badge);
	if (err)
		return err;
	if (f->rsi & IPC_SEND_REPLY) {           /* the first half of a split call */
		if (!(own = own_port()))
			return E_NOMEM;
		seq = call_begin(own);
	}
	err = port_put_msg(p, badge, own, seq, f->r8, f->rsi & IPC_LEN_MASK, f->rdx, &r);
	if (err)
		return err;
	if (r)
		sched_wake(r);
	return IPC_OK;
}

/* SYS_RECV on IPC_SLOT_REPLY: the reply to our last split call; the call
 * is over however the receive ends. */
static int recv_reply(struct trap_frame *f)
{
	struct port *own = current->own_port;
	if (!own)
		return E_BADCAP;
	int err = port_get_msg(own, f, f->rdx, NULL);
	own->call_seq++;
	return err;
}

int ipc_recv(struct trap_frame *f)
{
	struct port *p;
	uint64_t badge;
	int err = timeout_check(f->rdx);
	if (!err && f->rdi == IPC_SLOT_REPLY)
		return recv_reply(f);
	if (err || (err = port_lookup(f->rdi, RIGHT_RECV, &p, &badge)))
		return err;
	return port_get_msg(p, f, f->rdx, NULL);
}

/* The call, its arguments checked: the message at f's buffer to p with our
 * reply port, then the reply into the same buffer. */
static inline int call_on(struct port *p, uint64_t badge, struct trap_frame *f)
{
	struct thread *r;
	struct port *own = own_port();
	if (!own)
		return E_NOMEM;
	uint64_t seq = call_begin(own);
	int err = port_put_msg(p, badge, own, seq, f->r8, f->rsi & IPC_LEN_MASK, f->rdx, &r);
	if (!err)
		err = port_get_msg(own, f, f->rdx ? f->rdx : TIMEOUT_FOREVER, r);
	own->call_seq++;                         /* this call is over, however it ended */
	return err;
}

/* ASYNC_FASTPATH with DIRECT_SWITCH: the common case of a call and of a
 * reply_recv in one straight line each.  The partner already waits in a
 * receive on an empty port and may run now (sched_direct_ok_fp: no thread
 * of higher priority is ready); the message is small; the timeout is for
 * ever.  Every check comes first, any surprise takes the general path,
 * which does the same as if the fast path did not exist. */

/* The port behind slot if it is live and the cap has the right, else NULL. */
static inline struct port *port_fp(uint64_t slot, uint32_t right, uint64_t *badge)
{
	if (unlikely(slot >= CAP_SLOTS))
		return NULL;
	const struct cap *c = &current->space->caps.slot[slot];
	struct port *p = (struct port *)c->obj;
	if (unlikely(!p || p->obj.type != OBJ_IPC || !(c->rights & right) || p->dead))
		return NULL;
	*badge = c->badge;
	return p;
}

/* Whether r, the first receiver waiting on q, may take a message on the
 * fast path: no timeout to disarm, and it may run on our time now. */
static inline bool partner_ok_fp(const struct tqueue *q, const struct thread *r)
{
	return r && q->head == r && !r->timeout_at && sched_direct_ok_fp(r);
}

/* Wait in a receive on port p (pinned, as port_wait does, unless it is
 * our own reply port) and run r at once, on our time.  Returns how our
 * receive ended: IPC_OK if a sender filled our frame; else as port_get_msg
 * after its wait (the message from the queue, or the error). */
static inline int wait_direct_fp(struct port *p, struct trap_frame *f, struct thread *r)
{
	bool pin = p != current->own_port;
	if (pin) {
		p->obj.refs++;
		current->pinned = p;
	}
	current->wait = WAIT_RECV;
	current->wait_err = IPC_OK;
	current->wnext = NULL;                   /* tq_push, inline */
	if (p->receivers.tail)
		p->receivers.tail->wnext = current;
	else
		p->receivers.head = current;
	p->receivers.tail = current;
	current->wq = &p->receivers;
	sched_block(current);
	sched_direct(r);
	int err = current->wait_err;
	if (pin && p->dead)
		err = port_died_in_wait(err);
	else if (err == ASYNC_DELIVERED)
		err = IPC_OK;
	else if (!err)
		err = port_get_msg(p, f, TIMEOUT_FOREVER, NULL);
	if (pin) {
		current->pinned = NULL;
		port_put(p);
	}
	return err;
}

/* A call on the fast path: true, with its outcome in *err, if it took it. */
static bool call_fp(struct trap_frame *f, int *err)
{
	uint64_t badge, len = f->rsi & IPC_LEN_MASK;
	struct port *own = current->own_port, *p = port_fp(f->rdi, RIGHT_SEND, &badge);
	struct thread *r = p ? p->receivers.head : NULL;
	if (unlikely(!CONFIG_DIRECT_SWITCH || !r || p->count || !own || own->count ||
		     f->rdx != TIMEOUT_FOREVER || !partner_ok_fp(&p->receivers, r) ||
		     !deliver_copy_fp(r, f->r8, len, true)))
		return false;
	/* Point of no return: r has our request and our reply right. */
	own->call_seq++;
	deliver_commit_fp(r, badge, len, own, own->call_seq);
	*err = wait_direct_fp(own, f, r);
	own->call_seq++;                         /* this call is over, however it ended */
	return true;
}

/* A reply_recv on the fast path: true, with its outcome in *err, if it took it. */
static bool reply_recv_fp(struct trap_frame *f, int *err)
{
	uint64_t badge, len = f->rsi & IPC_LEN_MASK;
	struct port *p = port_fp(f->rdi, RIGHT_RECV, &badge), *rp = current->reply_port;
	struct thread *c = rp ? rp->owner : NULL;
	if (unlikely(!CONFIG_DIRECT_SWITCH || !p || p->count || !c || rp->dead || rp->count ||
		     rp->call_seq != current->reply_seq || f->rdx != TIMEOUT_FOREVER ||
		     !partner_ok_fp(&rp->receivers, c) || !deliver_copy_fp(c, f->r8, len, true)))
		return false;
	/* Point of no return: c has our reply, we wait on p. */
	deliver_commit_fp(c, 0, len, NULL, 0);
	current->reply_port = NULL;              /* answered: the right goes */
	port_put(rp);
	*err = wait_direct_fp(p, f, c);
	return true;
}

int ipc_call(struct trap_frame *f)
{
	struct port *p;
	uint64_t badge;
	int err;
	if (CONFIG_ASYNC_FASTPATH && call_fp(f, &err))
		return err;
	err = send_args(f, &p, &badge);
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
	call_begin(own);
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
	int err;
	if (CONFIG_ASYNC_FASTPATH && reply_recv_fp(f, &err))
		return err;
	err = port_lookup(f->rdi, RIGHT_RECV, &p, &badge);
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
