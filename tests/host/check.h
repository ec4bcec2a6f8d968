/* A tiny header-only test framework for the host unit tests.
 *
 * A test file defines void functions, lists them in a table and ends with
 * CHECK_MAIN(table):
 *
 *     static void alloc_one(void) { CHECK_EQ(f(1), 2); }
 *     static const struct check_case cases[] = { CASE(alloc_one), ... };
 *     CHECK_MAIN(cases)
 *
 * `./test` runs every case, `./test name...` only the named ones.  Each case
 * prints exactly one line: `PASS <case>` or `FAIL <case>: <file>:<line>: <what>`.
 * The exit status is 1 if any case failed, 0 otherwise; an unknown name lists
 * the known ones on stderr and exits 2 without running anything.
 *
 * CHECK / CHECK_EQ / CHECK_NE / CHECK_STREQ record the first failure of the
 * case and return from the current function.  A helper that uses them should
 * be called through CHECK_CALL(helper(...)), which returns from the caller too
 * once the case has failed. */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check_case {
	const char *name;
	void (*fn)(void);
};

#define CASE(fn) { #fn, fn }

struct check_state {
	int failed;             /* the running case has failed */
	char what[768];         /* "<file>:<line>: <what>" of its first failure */
};

static struct check_state check_state __attribute__((unused));

__attribute__((format(printf, 3, 4), unused))
static void check_fail(const char *file, int line, const char *fmt, ...)
{
	if (check_state.failed)
		return;         /* keep the first failure */
	check_state.failed = 1;
	int n = snprintf(check_state.what, sizeof(check_state.what), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(check_state.what))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(check_state.what + n, sizeof(check_state.what) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line per case, whatever the message holds. */
	for (char *c = check_state.what; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
}

/* Has the running case failed (e.g. inside a helper)? */
static inline int check_has_failed(void)
{
	return check_state.failed;
}

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			check_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
			return;                                              \
		}                                                            \
	} while (0)

/* Integers, enums and pointers: both sides are evaluated once and compared
 * as 64-bit values. */
#define CHECK_CMP_(a, b, op, name)                                           \
	do {                                                                 \
		unsigned long long check_a_ = (unsigned long long)(a);      \
		unsigned long long check_b_ = (unsigned long long)(b);      \
		if (!(check_a_ op check_b_)) {                               \
			check_fail(__FILE__, __LINE__,                       \
				   name "(%s, %s) failed: %lld (0x%llx) vs %lld (0x%llx)", \
				   #a, #b, (long long)check_a_, check_a_,    \
				   (long long)check_b_, check_b_);           \
			return;                                              \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b) CHECK_CMP_(a, b, ==, "CHECK_EQ")
#define CHECK_NE(a, b) CHECK_CMP_(a, b, !=, "CHECK_NE")

#define CHECK_STREQ(a, b)                                                    \
	do {                                                                 \
		const char *check_sa_ = (a), *check_sb_ = (b);               \
		if (!check_sa_ || !check_sb_ || strcmp(check_sa_, check_sb_)) { \
			check_fail(__FILE__, __LINE__,                       \
				   "CHECK_STREQ(%s, %s) failed: \"%.200s\" vs \"%.200s\"", \
				   #a, #b, check_sa_ ? check_sa_ : "(null)", \
				   check_sb_ ? check_sb_ : "(null)");        \
			return;                                              \
		}                                                            \
	} while (0)

/* Call a helper that may CHECK; return from the caller if the case failed. */
#define CHECK_CALL(call)                                                     \
	do {                                                                 \
		call;                                                        \
		if (check_state.failed)                                      \
			return;                                              \
	} while (0)

/* A fixed-seed PRNG (xorshift64) for randomised tests: reproducible runs. */
static inline uint64_t check_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* A value in [0, n), n > 0. */
static inline uint64_t check_rand_below(uint64_t *s, uint64_t n)
{
	return check_rand(s) % n;
}

__attribute__((unused))
static int check_run(const struct check_case *cases, size_t ncases, int argc, char **argv)
{
	/* Check every name first, so a typo runs nothing. */
	for (int a = 1; a < argc; a++) {
		size_t i;
		for (i = 0; i < ncases; i++)
			if (!strcmp(argv[a], cases[i].name))
				break;
		if (i == ncases) {
			fprintf(stderr, "%s: no test case named '%s'; the cases are:\n",
				argv[0], argv[a]);
			for (i = 0; i < ncases; i++)
				fprintf(stderr, "  %s\n", cases[i].name);
			return 2;
		}
	}

	int any_failed = 0;
	for (size_t i = 0; i < ncases; i++) {
		if (argc > 1) {
			int wanted = 0;
			for (int a = 1; a < argc && !wanted; a++)
				wanted = !strcmp(argv[a], cases[i].name);
			if (!wanted)
				continue;
		}
		check_state.failed = 0;
		check_state.what[0] = 0;
		cases[i].fn();
		if (check_state.failed) {
			any_failed = 1;
			printf("FAIL %s: %s\n", cases[i].name, check_state.what);
		} else {
			printf("PASS %s\n", cases[i].name);
		}
		/* A later case that crashes (ASan, UBSan) must not eat this line. */
		fflush(stdout);
	}
	return any_failed;
}

#define CHECK_MAIN(table)                                                    \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		return check_run(table, sizeof(table) / sizeof((table)[0]), argc, argv); \
	}

#endif
