/* The kernel's invariants, checked on request (SYS_CHECK, used by the
 * system-call fuzzer after every batch): ready queues, blocked threads and
 * their queues, call links, capability tables, the free-frame count.  A
 * broken invariant is printed and reported as E_INVAL; nothing is fixed. */
#include "kernel.h"
#include "frame.h"
#include "ipc.h"
#include "mmu.h"
#include "pcid.h"

static int check_ready_queues(unsigned nthreads, unsigned *queued)
{
	*queued = 0;
	for (unsigned p = 0; p < NPRIO; p++) {
		struct thread *h = queue_head[p];
		CHECK(!h == !(ready_bitmap & 1u << p), "ready bitmap bit %u disagrees with its queue", p);
		if (!h)
			continue;
		struct thread *t = h;
		unsigned n = 0;
		do {
			CHECK(t->in_queue && t->prio == p, "thread %u in queue %u (in_queue %d, prio %u)",
			      t->id, p, t->in_queue, t->prio);
			CHECK(t->next->prev == t, "ready ring of priority %u is broken at thread %u", p, t->id);
			CHECK(t->state != THREAD_DEAD, "dead thread %u is ready", t->id);
			CHECK(CONFIG_SCHED_LAZY || t->state != THREAD_BLOCKED,
			      "blocked thread %u is queued with non-lazy queues", t->id);
			CHECK(++n <= nthreads, "ready ring of priority %u does not close", p);
			t = t->next;
		} while (t != h);
		*queued += n;
	}
	return IPC_OK;
}

static bool in_tqueue(const struct tqueue *q, const struct thread *t)
{
	for (const struct thread *u = q->head; u; u = u->wnext)
		if (u == t)
			return true;
	return false;
}

static int check_thread(const struct thread *t)
{
	CHECK(t->state <= THREAD_DEAD, "thread %u has state %u", t->id, t->state);
	CHECK((t->wait != WAIT_NONE) == (t->state == THREAD_BLOCKED) || t->state == THREAD_DEAD,
	      "thread %u: wait %u but state %u", t->id, t->wait, t->state);
	CHECK(!t->wq || in_tqueue(t->wq, t), "thread %u is not in the queue it names", t->id);
	CHECK(!t->timeout_at || CONFIG_TIMEOUT_TICKS, "thread %u has a timeout in a flag variant",
	      t->id);
	return ipc_check_thread(t);
}

static int check_caps(const struct space *s)
{
	for (unsigned i = 0; i < CAP_SLOTS; i++) {
		const struct cap *c = &s->caps.slot[i];
		if (!c->obj)
			continue;
		CHECK(i != 0, "space %s has a capability in slot 0", s->name);
		CHECK(c->obj->type > OBJ_NONE && c->obj->type < OBJ_TYPE_COUNT,
		      "space %s slot %u names an object of type %u", s->name, i, c->obj->type);
		CHECK(c->obj->refs > 0, "space %s slot %u names an object with no references", s->name, i);
		CHECK(!(c->rights & ~RIGHTS_ALL), "space %s slot %u has rights %x", s->name, i, c->rights);
	}
	return IPC_OK;
}

/* Its address-space tags and tables: a PCID no other live space holds (a
 * shared one would let a space use another's TLB entries), and with KPTI a
 * user table that maps nothing of the kernel's but the trampoline. */
static int check_space_tables(const struct space *s)
{
	CHECK(s->pcid <= mmu_pcid_limit(), "space %s has PCID %u, above the limit %u", s->name,
	      s->pcid, mmu_pcid_limit());
	CHECK(!s->pcid || pcid_taken(&space_pcids, s->pcid), "space %s has PCID %u, which is free",
	      s->name, s->pcid);
	for (const struct space *o = s->all_next; o && s->pcid; o = o->all_next)
		CHECK(o->pcid != s->pcid, "spaces %s and %s share PCID %u", s->name, o->name, s->pcid);
	const char *wrong = mmu_check_user_root(s->root);
	CHECK(!wrong, "space %s: %s", s->name, wrong);
	return IPC_OK;
}

static unsigned ones(uint64_t x)
{
	unsigned n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

static int check_frames(void)
{
	const struct frame_pool *p = &kernel_frames;
	uint64_t free = 0;
	for (uint64_t w = 0; w < (p->nframes + 63) / 64; w++)
		free += 64 - ones(p->used[w]);
	CHECK(free == p->nfree, "%lu frames free in the bitmap, %lu counted", free, p->nfree);
	return IPC_OK;
}

void kernel_dump_threads(void)
{
	static const char *const states[] = { "ready", "running", "blocked", "dead" };
#define WAIT_KIND_NAME(kind, name) name,
	static const char *const waits[] = { "-", "join", "notify", IPC_WAIT_KINDS(WAIT_KIND_NAME) };
	for (const struct thread *t = all_threads; t; t = t->all_next) {
		char name[48], partner[48] = "";
		thread_name(t, name, sizeof(name));
		if (ipc_waits_for(t))
			thread_name(ipc_waits_for(t), partner, sizeof(partner));
		kprintf("ipclab: thread %s: %s, priority %u, wait %s%s%s%s%s%s\n", name,
			t->state <= THREAD_DEAD ? states[t->state] : "?", t->prio,
			t->wait < WAIT_KINDS ? waits[t->wait] : "?", partner[0] ? " from " : "",
			partner, t->pager ? ", has a pager" : "", t->in_queue ? ", queued" : "",
			t == current ? ", current" : "");
	}
}

int kernel_check(void)
{
	int err;
	unsigned nthreads = 0, in_queue = 0, queued;
	for (const struct thread *t = all_threads; t; t = t->all_next) {
		if ((err = check_thread(t)))
			return err;
		nthreads++;
		in_queue += t->in_queue;
	}
	if ((err = check_ready_queues(nthreads, &queued)))
		return err;
	CHECK(queued == in_queue, "%u threads say they are queued, the queues hold %u", in_queue,
	      queued);
	for (const struct space *s = all_spaces; s; s = s->all_next)
		if ((err = check_caps(s)) || (err = check_space_tables(s)))
			return err;
	return check_frames();
}
