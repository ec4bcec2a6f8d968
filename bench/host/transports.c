/* The transports: one row each of {name, setup, ping, pong, teardown}.
 *
 * ping runs in the initiator: send the message, wait for its echo.  pong runs in the
 * responder: wait for a message, send it back.  A signal that ends the case (time bound,
 * responder gone) makes a blocking call fail with EINTR, which ping and pong pass on. */
#define _GNU_SOURCE
#include "ipcbench.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Reads exactly n bytes from fd; end of file counts as a broken pipe. */
static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == 0) {
			errno = EPIPE;
			return -1;
		} else if (!retry_after(errno)) {
			return -1;
		}
	}
	return 0;
}

/* Writes exactly n bytes to fd. */
static int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r >= 0) {
			p += r;
			n -= (size_t)r;
		} else if (!retry_after(errno)) {
			return -1;
		}
	}
	return 0;
}

/* Closes every descriptor the channel holds. */
static void fds_close(struct chan *c)
{
	for (int i = 0; i < 4; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
}

/* pipe: fd[0..1] carry requests, fd[2..3] replies (read end, write end). */
static int pipe_setup(struct chan *c)
{
	if (pipe2(c->fd, O_CLOEXEC) == 0 && pipe2(c->fd + 2, O_CLOEXEC) == 0)
		return 0;
	int err = errno;
	fds_close(c);
	errno = err;
	return -1;
}

static int pipe_ping(struct chan *c, void *msg)
{
	return write_full(c->fd[1], msg, c->bytes) || read_full(c->fd[2], msg, c->bytes) ? -1 : 0;
}

static int pipe_pong(struct chan *c, void *msg)
{
	return read_full(c->fd[0], msg, c->bytes) || write_full(c->fd[3], msg, c->bytes) ? -1 : 0;
}

/* unix_socket: one stream socketpair; fd[0] is the initiator's end, fd[1] the responder's. */
static int socket_setup(struct chan *c)
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->fd);
}

static int socket_ping(struct chan *c, void *msg)
{
	return write_full(c->fd[0], msg, c->bytes) || read_full(c->fd[0], msg, c->bytes) ? -1 : 0;
}

static int socket_pong(struct chan *c, void *msg)
{
	return read_full(c->fd[1], msg, c->bytes) || write_full(c->fd[1], msg, c->bytes) ? -1 : 0;
}

/* eventfd: fd[0] counts requests, fd[1] replies; the message is the 8-byte count, never 0. */
static int eventfd_setup(struct chan *c)
{
	if ((c->fd[0] = eventfd(0, EFD_CLOEXEC)) >= 0 && (c->fd[1] = eventfd(0, EFD_CLOEXEC)) >= 0)
		return 0;
	int err = errno;
	fds_close(c);
	errno = err;
	return -1;
}

static int eventfd_ping(struct chan *c, void *msg)
{
	return write_full(c->fd[0], msg, 8) || read_full(c->fd[1], msg, 8) ? -1 : 0;
}

static int eventfd_pong(struct chan *c, void *msg)
{
	return read_full(c->fd[0], msg, 8) || write_full(c->fd[1], msg, 8) ? -1 : 0;
}

/* futex: a shared page; req and rsp hold the number of the last request and reply. */
struct futex_box {
	_Alignas(64) _Atomic uint32_t req;
	_Alignas(64) _Atomic uint32_t rsp;
	_Alignas(64) unsigned char msg[MSG_MAX];
};

static int futex_setup(struct chan *c)
{
	void *p = mmap(NULL, sizeof(struct futex_box), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	c->box = p;             /* zero-filled: no request, no reply */
	c->seq = 0;
	return 0;
}

/* Shared (not private) futexes: the two waiters are in two processes. */
static long futex_call(_Atomic uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* Sleeps on word until it holds want. */
static int futex_wait_for(_Atomic uint32_t *word, uint32_t want)
{
	uint32_t v;
	while ((v = atomic_load_explicit(word, memory_order_acquire)) != want)
		if (futex_call(word, FUTEX_WAIT, v) != 0 && errno != EAGAIN && !retry_after(errno))
			return -1;
	return 0;
}

/* Publishes val in word and wakes its one waiter, if any. */
static int futex_post(_Atomic uint32_t *word, uint32_t val)
{
	atomic_store_explicit(word, val, memory_order_release);
	return futex_call(word, FUTEX_WAKE, 1) < 0 ? -1 : 0;
}

static int futex_ping(struct chan *c, void *msg)
{
	struct futex_box *b = c->box;
	uint32_t seq = ++c->seq;
	memcpy(b->msg, msg, c->bytes);
	if (futex_post(&b->req, seq) || futex_wait_for(&b->rsp, seq))
		return -1;
	memcpy(msg, b->msg, c->bytes);
	return 0;
}

static int futex_pong(struct chan *c, void *msg)
{
	struct futex_box *b = c->box;
	uint32_t seq = ++c->seq;
	if (futex_wait_for(&b->req, seq))
		return -1;
	memcpy(msg, b->msg, c->bytes);
	memcpy(b->msg, msg, c->bytes);  /* the echo: the reply carries the message back */
	return futex_post(&b->rsp, seq);
}

static void futex_teardown(struct chan *c)
{
	munmap(c->box, sizeof(struct futex_box));
}

/* mqueue: two queues of one message each, unlinked at once: only the descriptors live on. */
static int mqueue_setup(struct chan *c)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = (long)c->bytes };
	for (int i = 0; i < 2; i++) {
		char name[64];
		snprintf(name, sizeof(name), "/ipclab-ipcbench-%d-%d", (int)getpid(), i);
		c->mq[i] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (c->mq[i] == (mqd_t)-1) {
			int err = errno;
			if (i)
				mq_close(c->mq[0]);
			errno = err;
			return -1;
		}
		mq_unlink(name);
	}
	return 0;
}

/* Sends one message on q. */
static int mq_put(mqd_t q, const void *msg, size_t n)
{
	while (mq_send(q, msg, n, 0) != 0)
		if (!retry_after(errno))
			return -1;
	return 0;
}

/* Receives one message of n bytes from q. */
static int mq_get(mqd_t q, void *msg, size_t n)
{
	ssize_t r;
	while ((r = mq_receive(q, msg, n, NULL)) < 0)
		if (!retry_after(errno))
			return -1;
	if ((size_t)r != n) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static int mqueue_ping(struct chan *c, void *msg)
{
	return mq_put(c->mq[0], msg, c->bytes) || mq_get(c->mq[1], msg, c->bytes) ? -1 : 0;
}

static int mqueue_pong(struct chan *c, void *msg)
{
	return mq_get(c->mq[0], msg, c->bytes) || mq_put(c->mq[1], msg, c->bytes) ? -1 : 0;
}

static void mqueue_teardown(struct chan *c)
{
	mq_close(c->mq[0]);
	mq_close(c->mq[1]);
}

const struct transport transports[] = {
	{ "pipe",        1, pipe_setup,    pipe_ping,    pipe_pong,    fds_close },
	{ "unix_socket", 1, socket_setup,  socket_ping,  socket_pong,  fds_close },
	{ "futex",       0, futex_setup,   futex_ping,   futex_pong,   futex_teardown },
	{ "eventfd",     0, eventfd_setup, eventfd_ping, eventfd_pong, fds_close },
	{ "mqueue",      1, mqueue_setup,  mqueue_ping,  mqueue_pong,  mqueue_teardown },
};
const size_t transports_len = sizeof(transports) / sizeof(transports[0]);
