/* Copy-style synchronous IPC (QNX MsgSend, L4 long IPC): a rendezvous on an
 * endpoint, as in sync, but a message of up to IPC_MSG_MAX bytes lives in
 * user memory (at r8, its length in rsi's bits 0..15, a buffer's room in
 * bits 16..31), and the kernel copies it once, when both parties are there,
 * from the sender's buffer straight into the receiver's.  The party that is
 * not running is reached through its own page tables and the physmap, so
 * no kernel buffer holds the message.  call = send + wait for the reply
 * into the same buffer; reply_recv = reply to our caller + wait for the
 * next message.  There is no fast path: with direct switch the general
 * path hands over to the partner (wait_block_final), as sync's C path does,
 * and page faults take the general path (ipc_kernel_call).  The endpoint,
 * its life and the call links are the shared rendezvous's (rendezvous.h). */
#include "rendezvous/rendezvous.h"
#include "mmu.h"

/* Where the copy reads (write: writes) t's buffer byte at va, up to the end
 * of its page; NULL if it may not.  The running thread's memory and a
 * kernel buffer (ipc_kernel_call) are used as they are, through the page
 * tables loaded now; the other party's user memory through its own page
 * tables and the physmap: a present user page (writable, to write) of
 * memory the physmap covers, never device registers (PCD). */
static void *buf_at(const struct thread *t, vaddr_t va, bool write)
{
	if (t == current || t->kernel_buf)
		return (void *)va;
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
	uint64_t pte = mmu_lookup_user(t->space->root, va);
	paddr_t pa = pte & PTE_ADDR;
	if ((pte & need) != need || (pte & PTE_PCD) || pa >= PHYSMAP_LIMIT)
		return NULL;
	return (uint8_t *)phys_to_virt(pa) + va % PAGE_SIZE;
}

/* Copy n bytes from from's buffer at src into to's at dst, in pieces that
 * cross no page of either.  IPC_OK, or E_FAULT with *bad the thread whose
 * address is wrong: a user range reaching USER_TOP (as copy_from_user and
 * copy_to_user refuse it), a page buf_at refuses, or a fault of user_copy,
 * which can only be in the running thread's memory (the physmap and kernel
 * buffers do not fault). */
static int copy_bytes(struct thread *to, vaddr_t dst, struct thread *from, vaddr_t src,
		      uint64_t n, struct thread **bad)
{
	*bad = from;
	if (!from->kernel_buf && outside_user(src, n))
		return E_FAULT;
	*bad = to;
	if (!to->kernel_buf && outside_user(dst, n))
		return E_FAULT;
	while (n) {
		uint64_t piece = MIN(n, PAGE_SIZE - MAX(src % PAGE_SIZE, dst % PAGE_SIZE));
		const void *s = buf_at(from, src, false);
		void *d = buf_at(to, dst, true);
		if (!s || !d || user_copy(d, s, piece)) {
			*bad = !s || (d && from == current) ? from : to;
			return E_FAULT;
		}
		src += piece;
		dst += piece;
		n -= piece;
	}
	return IPC_OK;
}

/* The one copy: from's message (its frame: length, r8) into to's buffer
 * (its frame: room, r8); to's frame then holds the length (rsi) and the
 * badge (rdi).  Returns IPC_OK, or the error of *bad, the party at fault:
 * from (E_FAULT: its message cannot be read) or to (E_FAULT: its buffer
 * cannot be written; E_TOOBIG: it is too small, and its rsi says how much
 * room the message needs).  (BREAK_COPY=y, a test build: the last word is
 * not copied, which the benchmarks' checks must notice.) */
static int transfer(struct thread *to, struct thread *from, uint64_t badge, struct thread **bad)
{
	struct trap_frame *tf = thread_frame(to);
	const struct trap_frame *ff = thread_frame(from);
	uint64_t len = ff->rsi & IPC_LEN_MASK;
	*bad = to;
	if (len > (tf->rsi >> IPC_CAP_SHIFT & IPC_LEN_MASK)) {
		tf->rsi = len;
		return E_TOOBIG;
	}
	uint64_t n = CONFIG_BREAK_COPY && len >= 16 ? len - 8 : len;
	int err = copy_bytes(to, tf->r8, from, ff->r8, n, bad);
	if (err)
		return err;
	tf->rsi = len;
	tf->rdi = badge;
	return IPC_OK;
}

/* Our message (current's) to the first receiver of ep that can take it; a
 * receiver that cannot (its buffer too small or not writable) ends its
 * receive with that error, and the next one is tried.  Returns the
 * receiver, its wait finished but not yet ready, or NULL: none waits, or
 * *err says our message cannot be read (the receivers wait on). */
static struct thread *give(struct endpoint *ep, uint64_t badge, int *err)
{
	struct thread *r, *bad;
	*err = IPC_OK;
	while ((r = ep->receivers.head)) {
		int e = transfer(r, current, badge, &bad);
		if (e && bad == current) {
			*err = e;
			return NULL;
		}
		if (!e) {
			wait_finish(r, IPC_OK);
			return r;
		}
		wait_end(r, e);
	}
	return NULL;
}

/* The first waiting sender's message into our buffer; a sender whose
 * message cannot be read ends its send with E_FAULT, and the next one is
 * tried.  A caller then waits for our reply; a plain sender is done.
 * Returns IPC_OK; E_TIMEOUT if no sender waits; or our buffer's error
 * (E_FAULT, E_TOOBIG), the sender staying queued. */
static int take(struct endpoint *ep)
{
	struct thread *s, *bad;
	while ((s = ep->senders.head)) {
		int err = transfer(current, s, s->badge, &bad);
		if (err && bad == current)
			return err;
		tq_pop(&ep->senders);
		if (err) {
			wait_end(s, err);
		} else if (s->wait == WAIT_CALL) {
			call_taken_from(s);
			return IPC_OK;
		} else {
			wait_end(s, IPC_OK);
			return IPC_OK;
		}
	}
	return E_TIMEOUT;
}

int ipc_send(struct trap_frame *f)
{
	struct endpoint *ep;
	uint64_t badge;
	int err = send_args(f, &ep, &badge);
	if (err)
		return err;
	struct thread *r = give(ep, badge, &err);
	if (r) {
		sched_wake(r);                  /* it runs when the scheduler says */
		return IPC_OK;
	}
	if (err)
		return err;
	if (f->rdx == TIMEOUT_NONE)
		return E_TIMEOUT;
	current->badge = badge;                 /* the message waits in our buffer */
	wait_block_final(&ep->senders, WAIT_SEND, f->rdx, NULL);
}

int ipc_recv(struct trap_frame *f)
{
	struct endpoint *ep;
	uint64_t badge;
	int err = ep_lookup(f->rdi, RIGHT_RECV, &ep, &badge);
	if (err || (err = timeout_check(f->rdx)))
		return err;
	err = take(ep);
	if (err != E_TIMEOUT || f->rdx == TIMEOUT_NONE)
		return err;
	wait_block_final(&ep->receivers, WAIT_RECV, f->rdx, NULL);
}

/* The call, its arguments checked: our message to a waiting receiver, or
 * queued, then wait for the reply into the same buffer.  final: return to
 * user from the wait (a system call); else come back here (the kernel's). */
static int call_on(struct endpoint *ep, uint64_t badge, uint64_t timeout, bool final)
{
	int err;
	struct thread *r = give(ep, badge, &err);
	return err ? err : call_wait(ep, r, badge, timeout, final);
}

int ipc_call(struct trap_frame *f)
{
	struct endpoint *ep;
	uint64_t badge;
	int err = send_args(f, &ep, &badge);
	return err ? err : call_on(ep, badge, f->rdx, true);
}

/* The fault message and the reply travel through a kernel buffer on our
 * stack: r8 points at it for the time of the call (kernel_buf), and the
 * core restores the frame afterwards.  A reply longer than the fault
 * message does not fit (E_TOOBIG), as in async. */
int ipc_kernel_call(struct kobj *o, uint64_t badge, const uint64_t msg[FAULT_MSG_WORDS],
		    uint64_t reply[2])
{
	struct endpoint *ep = (struct endpoint *)o;
	struct trap_frame *f = thread_frame(current);
	uint64_t buf[FAULT_MSG_WORDS];
	if (ep->dead)
		return E_DEAD;
	memcpy(buf, msg, sizeof(buf));
	f->r8 = (uint64_t)buf;
	f->rsi = sizeof(buf) << IPC_CAP_SHIFT | sizeof(buf);
	current->kernel_buf = true;
	int err = call_on(ep, badge, TIMEOUT_FOREVER, false);
	current->kernel_buf = false;
	uint64_t len = f->rsi & IPC_LEN_MASK;
	reply[0] = !err && len >= 8 ? buf[0] : ~0ul;
	reply[1] = !err && len >= 16 ? buf[1] : ~0ul;
	return err;
}

/* No fast path for faults: the general one (ipc_kernel_call) takes them all. */
void ipc_fault_fast(struct trap_frame *f, uint64_t addr)
{
	(void)f;
	(void)addr;
}

int ipc_fault_reply(uint64_t reply[2])
{
	(void)reply;
	return E_DEAD;                          /* unreachable: ipc_fault_fast takes none */
}

int ipc_reply_recv(struct trap_frame *f)
{
	struct endpoint *ep;
	struct thread *bad;
	uint64_t badge;
	int err = ep_lookup(f->rdi, RIGHT_RECV, &ep, &badge);
	if (err || (err = timeout_check(f->rdx)))
		return err;
	if ((f->rsi & IPC_LEN_MASK) > IPC_MSG_MAX)
		return E_TOOBIG;
	/* The reply: never blocks, since our caller is waiting for it.  A
	 * reply we cannot read keeps the right (answer again with a good
	 * buffer); one the caller cannot take ends its call with that error. */
	struct thread *c = current->caller;
	if (c) {
		err = transfer(c, current, 0, &bad);
		if (err && bad == current)
			return err;
		call_unlink(current, c);
		wait_finish(c, err);
	}
	/* The receive. */
	err = take(ep);
	if (err != E_TIMEOUT || f->rdx == TIMEOUT_NONE) {
		if (c)
			sched_wake(c);
		return err;
	}
	wait_block_final(&ep->receivers, WAIT_RECV, f->rdx, c);
}

int ipc_stats(struct trap_frame *f)
{
	(void)f;
	return E_NOSYS;
}
