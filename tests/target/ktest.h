/* The on-target test suite's shared parts: a test table where every test
 * runs alone by name, expectations that stop a test with a reason, and
 * helpers to start threads and spaces. */
#ifndef KTEST_H
#define KTEST_H

#include "ulib.h"
#include "ipc.h"                 /* with the model's traits (model.h): a test
				  * asks IPC_MSG_IN_REGS, IPC_SENDS_BUFFERED, ...
				  * rather than which model it runs against */

struct ktest {
	const char *name;
	void (*fn)(void);
};

/* Record why the running test failed (the first reason wins). */
void ktest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool ktest_failed;

/* Mark the running test as one that cannot apply to this variant (why, for
 * the TEST line); it neither passes nor fails. */
void ktest_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Skip the rest of the test, saying why, when cond holds: for an axis value
 * the test's premise does not hold for (e.g. a fault message that does not
 * fit MSG_REGS). */
#define SKIP_IF(cond, ...)                                                       \
	do {                                                                     \
		if (cond) {                                                      \
			ktest_skip(__VA_ARGS__);                                 \
			return;                                                  \
		}                                                                \
	} while (0)

#define EXPECT(cond, ...)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			ktest_fail(__VA_ARGS__);                                 \
			return;                                                  \
		}                                                                \
	} while (0)
#define EXPECT_OK(expr)                                                          \
	do {                                                                     \
		long e_ = (expr);                                                \
		char w_[ERROR_TEXT_MAX];                                         \
		EXPECT(e_ == IPC_OK, "%s:%d: %s returned %s", __FILE__, __LINE__, #expr, \
		       error_text(w_, sizeof(w_), e_, NULL));                    \
	} while (0)

#define TEST_PRIO 10

/* thread_spawn (user/lib) at TEST_PRIO. */
long spawn(void (*fn)(uint64_t), uint64_t arg, uint64_t slot);
/* Return once every thread of ours above TEST_PRIO - 2 has blocked: join a
 * thread of that priority, in the free slot given, which runs only then. */
void until_blocked(uint64_t slot);
/* Wait for the thread in slot, then free the slot. */
long join(uint64_t slot, uint64_t *how, uint64_t *code, uint64_t *addr);

#endif
