/* Async on top of sync, in user space: the seed article's "asynchronous IPC
 * can be implemented on top [of synchronous] by using helper threads".
 *
 * A send that finds a receiver waiting is the kernel's rendezvous send.
 * Otherwise the message is copied into a lane, a bounded queue of this
 * space for the capability slot it was sent on, and the send returns; the
 * lane's helper thread delivers the lane's messages in order, each with a
 * blocking kernel send, so a queued message waits in the kernel's endpoint
 * as the helper's message until a receiver takes it.  Receives, and the
 * reply half of reply_recv, are the kernel's.  A call first waits for this
 * space's earlier sends on the slot to be delivered, then is the kernel's
 * call.  docs/variants.md compares this with the kernel-buffered model.
 *
 * Threads of a space share its lanes, and any of them may be preempted
 * anywhere: a lane is a lock-free bounded queue (many senders, one helper)
 * in which each cell's sequence number says whose turn it is. */
#include "ulib.h"
#include "ipc.h"

/* A cell of a lane: for position pos, seq == pos means free for the sender
 * that takes pos; seq == pos + 1, pos's message is there for the helper;
 * the helper frees it for pos + QUEUE_LEN once the message is delivered. */
struct cell {
	uint64_t seq;
	struct ipc_msg msg;
};

/* This space's queue of messages to one slot, and its helper thread. */
struct lane {
	uint64_t slot;                /* 0: free */
	uint64_t gen;                 /* which helper serves it (a new one per start) */
	uint32_t ready;               /* its notifications and helper exist */
	uint32_t idle;                /* the helper waits, or is about to, for work */
	uint32_t room_waiters;        /* threads waiting for it to have room or drain */
	uint64_t head;                /* the helper's position; advanced once delivered */
	uint64_t tail;                /* the next position a sender takes */
	struct cell q[ASYNCSYNC_QUEUE_LEN];
};

static struct lane lanes[ASYNCSYNC_LANES];
uint32_t asyncsync_lanes_used;

/* The slots of lane i's helper's work notification, its senders' room
 * notification and its helper thread. */
static inline uint64_t slot_work(unsigned i) { return ASYNCSYNC_SLOT_BASE + 3 * i; }
static inline uint64_t slot_room(unsigned i) { return ASYNCSYNC_SLOT_BASE + 3 * i + 1; }
static inline uint64_t slot_helper(unsigned i) { return ASYNCSYNC_SLOT_BASE + 3 * i + 2; }

static inline uint64_t load(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void store(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

/* Whether every message queued in l has been delivered. */
static inline bool drained(struct lane *l)
{
	return load(&l->head) == load(&l->tail);
}

/* The lane that serves slot in this space, ready or being started; NULL
 * if none does. */
static struct lane *lane_find(uint64_t slot)
{
	for (unsigned i = 0; i < ASYNCSYNC_LANES; i++)
		if (__atomic_load_n(&lanes[i].slot, __ATOMIC_ACQUIRE) == slot)
			return &lanes[i];
	return NULL;
}

/* The helper of lane i, generation gen is gone: free the lane, unless a
 * newer helper serves it already.  Messages still queued are dropped, as a
 * destroyed port drops its queue. */
static void lane_reset(unsigned i, uint64_t gen)
{
	struct lane *l = &lanes[i];
	if (load(&l->gen) != gen)
		return;
	__atomic_store_n(&l->ready, 0, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&asyncsync_lanes_used, ~(1u << i), __ATOMIC_SEQ_CST);
	store(&l->slot, 0);
}

/* One message: the helper's turn at pos holds it. */
static inline struct cell *cell_at(struct lane *l, uint64_t pos)
{
	return &l->q[pos % ASYNCSYNC_QUEUE_LEN];
}

/* Sleep until a sender says there is work; false once the lane's work
 * notification is gone (the program deleted the library's slots). */
static bool helper_sleep(struct lane *l, unsigned i)
{
	uint64_t bits;
	__atomic_store_n(&l->idle, 1, __ATOMIC_SEQ_CST);
	/* A sender that published before seeing idle has not notified: look again. */
	if (load(&cell_at(l, l->head)->seq) == l->head + 1) {
		__atomic_store_n(&l->idle, 0, __ATOMIC_SEQ_CST);
		return true;
	}
	long err = ipc_wait(slot_work(i), &bits, TIMEOUT_FOREVER);
	__atomic_store_n(&l->idle, 0, __ATOMIC_SEQ_CST);
	return err == IPC_OK;
}

/* The helper of lane arg & 0xff, generation arg >> 8: delivers the lane's
 * messages one by one with the kernel's blocking send; a send that fails
 * (the endpoint destroyed) drops its message, as the port would. */
static void helper(uint64_t arg)
{
	unsigned i = arg & 0xff;
	struct lane *l = &lanes[i];
	for (;;) {
		struct cell *c = cell_at(l, l->head);
		if (load(&c->seq) != l->head + 1) {
			if (!helper_sleep(l, i))
				break;
			continue;
		}
		kipc_send(l->slot, &c->msg, TIMEOUT_FOREVER);
		uint64_t head = l->head + 1;
		bool was_full = load(&l->tail) - l->head >= ASYNCSYNC_QUEUE_LEN;
		store(&c->seq, l->head + ASYNCSYNC_QUEUE_LEN);
		store(&l->head, head);
		/* Waiters want room (there was none) or an empty lane (a call):
		 * waking them for anything else would only cost switches. */
		if (__atomic_load_n(&l->room_waiters, __ATOMIC_SEQ_CST) &&
		    (was_full || load(&l->tail) == head))
			ipc_notify(slot_room(i), 1);
	}
	lane_reset(i, arg >> 8);
	sys_exit(0);
}

/* Lane i, just claimed for its slot: an empty queue, its notifications and
 * a new helper.  Whatever a previous helper left in its slots goes first. */
static long lane_start(unsigned i)
{
	struct lane *l = &lanes[i];
	for (unsigned k = 0; k < ASYNCSYNC_QUEUE_LEN; k++)
		l->q[k].seq = k;
	l->head = l->tail = 0;
	l->idle = l->room_waiters = 0;
	uint64_t gen = load(&l->gen) + 1;
	store(&l->gen, gen);
	sys_cap_delete(slot_work(i));
	sys_cap_delete(slot_room(i));
	sys_cap_delete(slot_helper(i));
	long err = notify_create(slot_work(i));
	if (!err)
		err = notify_create(slot_room(i));
	if (!err)
		err = thread_spawn(helper, i | gen << 8, slot_helper(i), ASYNCSYNC_HELPER_PRIO);
	return err;
}

/* A free lane for slot, started; NULL with *err if none is free. */
static struct lane *lane_claim(uint64_t slot, long *err)
{
	for (unsigned i = 0; i < ASYNCSYNC_LANES; i++) {
		uint64_t free = 0;
		if (!__atomic_compare_exchange_n(&lanes[i].slot, &free, slot, false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			continue;
		if ((*err = lane_start(i))) {
			sys_cap_delete(slot_work(i));
			sys_cap_delete(slot_room(i));
			store(&lanes[i].slot, 0);
			return NULL;
		}
		__atomic_store_n(&lanes[i].ready, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_or(&asyncsync_lanes_used, 1u << i, __ATOMIC_SEQ_CST);
		return &lanes[i];
	}
	*err = E_NOMEM;                                 /* every lane is in use */
	return NULL;
}

/* Copy m into l's next free cell (the first of the two copies an async
 * message takes); E_FULL if there is none. */
static long lane_push(struct lane *l, const struct ipc_msg *m)
{
	uint64_t pos = __atomic_load_n(&l->tail, __ATOMIC_RELAXED);
	struct cell *c;
	for (;;) {
		c = cell_at(l, pos);
		int64_t turn = (int64_t)(load(&c->seq) - pos);
		if (turn < 0)
			return E_FULL;                  /* the cell still holds pos - QUEUE_LEN */
		if (turn == 0 && __atomic_compare_exchange_n(&l->tail, &pos, pos + 1, false,
							    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			break;
		if (turn > 0)
			pos = __atomic_load_n(&l->tail, __ATOMIC_RELAXED);
	}
	c->msg.len = m->len;
	for (unsigned k = 0; k < (m->len + 7) / 8; k++)     /* whole words: the buffer has room */
		c->msg.w[k] = m->w[k];
	store(&c->seq, pos + 1);
	return IPC_OK;
}

/* Wait on l's room notification until done(l) holds or the wait fails. */
static long lane_wait(struct lane *l, bool (*done)(struct lane *, const struct ipc_msg *),
		      const struct ipc_msg *m, uint64_t timeout)
{
	unsigned i = (unsigned)(l - lanes);
	long err = IPC_OK;
	uint64_t bits;
	__atomic_fetch_add(&l->room_waiters, 1, __ATOMIC_SEQ_CST);
	while (!done(l, m) && !(err = ipc_wait(slot_room(i), &bits, timeout)))
		;
	__atomic_fetch_sub(&l->room_waiters, 1, __ATOMIC_SEQ_CST);
	return err;
}

/* lane_wait's test for a send: m went into the lane. */
static bool pushed(struct lane *l, const struct ipc_msg *m)
{
	return lane_push(l, m) == IPC_OK;
}

/* lane_wait's test for a call: the lane is empty. */
static bool emptied(struct lane *l, const struct ipc_msg *m)
{
	(void)m;
	return drained(l);
}

/* Queue m in l (waiting for room per timeout) and wake the helper if it
 * sleeps. */
static long lane_put(struct lane *l, const struct ipc_msg *m, uint64_t timeout)
{
	long err = lane_push(l, m);
	if (err == E_FULL && timeout != TIMEOUT_NONE)
		err = lane_wait(l, pushed, m, timeout);
	if (err)
		return err;
	if (__atomic_load_n(&l->idle, __ATOMIC_SEQ_CST))
		return ipc_notify(slot_work((unsigned)(l - lanes)), 1);
	return IPC_OK;
}

long ipc_send(uint64_t slot, struct ipc_msg *m, uint64_t timeout)
{
	if (m->len > IPC_MSG_MAX)
		return E_TOOBIG;
	if (!CONFIG_TIMEOUT_TICKS && timeout != TIMEOUT_NONE && timeout != TIMEOUT_FOREVER)
		return E_INVAL;
	struct lane *l = lane_find(slot);
	long err;
	if (!l || drained(l)) {
		/* Nothing of ours is queued before it: a waiting receiver takes it
		 * now, and a bad slot, right or dead endpoint says so here. */
		if ((err = kipc_send(slot, m, TIMEOUT_NONE)) != E_TIMEOUT)
			return err;
	}
	if (!l && !(l = lane_claim(slot, &err)))
		return err;
	if (!__atomic_load_n(&l->ready, __ATOMIC_SEQ_CST)) {
		/* Another thread is starting this lane: no queue yet, so wait as
		 * sync IPC does rather than spin on a thread that may not run. */
		err = kipc_send(slot, m, timeout);
		return err == E_TIMEOUT && timeout == TIMEOUT_NONE ? E_FULL : err;
	}
	return lane_put(l, m, timeout);
}

long asyncsync_drain(uint64_t slot, uint64_t timeout)
{
	struct lane *l = lane_find(slot);
	if (!l || !__atomic_load_n(&l->ready, __ATOMIC_SEQ_CST))
		return IPC_OK;                  /* being started: nothing queued yet */
	return drained(l) ? IPC_OK : lane_wait(l, emptied, NULL, timeout);
}
