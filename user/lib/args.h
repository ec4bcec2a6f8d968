/* Reading a program's arguments: the key=value words of the kernel command
 * line, or of the string a parent passes.  Each getter checks its value; the
 * first bad one becomes a one-line error that names the argument and what it
 * accepts, and the program fails instead of running on a default.  Pure
 * logic: the host unit tests (tests/host/test_args.c) compile it unchanged. */
#ifndef USER_ARGS_H
#define USER_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef HOST_TEST
#include <stdio.h>
#include <string.h>
#else
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif

/* Room for the error line: enough to list every ktest test name. */
#define ARGS_ERROR_MAX 2048
/* At most this many bytes of a bad value are shown (escaped) in the error. */
#define ARGS_SHOW_MAX 64

/* One program's arguments being read. */
struct args {
	const char *prog;               /* who speaks in the error: "fuzz" */
	const char *line;               /* "key=value key=value ...", space-separated */
	bool bad;                       /* error holds the first bad argument */
	char error[ARGS_ERROR_MAX];     /* "prog: key=value: what is wrong; accepted: ..." */
};

/* The names a list argument accepts: names(ctx, 0), names(ctx, 1), ... up to
 * the first NULL. */
typedef const char *(*args_name_fn)(const void *ctx, unsigned i);
/* args_name_fn over a NULL-terminated array of strings (ctx). */
const char *args_name_of_array(const void *ctx, unsigned i);

/* How args_names checks each item of a comma-separated list. */
#define ARGS_EXACT  0u    /* an item is one of the names */
#define ARGS_PREFIX 1u    /* an item begins at least one name (test=fault_pf) */
#define ARGS_ALL    2u    /* "all" is an item too */
#define ARGS_ONE    4u    /* exactly one item */

/* Start reading line on behalf of program prog. */
void args_init(struct args *a, const char *prog, const char *line);

/* Where key's value starts in line (its length in *len), or NULL if no word
 * is key=...; the first such word counts (the getters below refuse a second). */
const char *arg_find(const char *line, const char *key, size_t *len);

/* key's value copied into out (n bytes), or dflt if key is absent; a value
 * that does not fit is an error.  True if key was given. */
bool args_text(struct args *a, const char *key, const char *dflt, char *out, size_t n);

/* key's decimal number, or dflt if absent; a malformed, negative, too large
 * or out-of-range ([min, max]) value is an error (the result is then dflt). */
uint64_t args_number(struct args *a, const char *key, uint64_t dflt, uint64_t min,
		     uint64_t max);

/* key's comma-separated decimal numbers (dflt if absent), each in [min, max],
 * into out (at most cap); returns how many.  An empty or bad item, or more
 * than cap items, is an error. */
unsigned args_numbers(struct args *a, const char *key, const char *dflt, uint64_t min,
		      uint64_t max, uint64_t *out, unsigned cap);

/* key's comma-separated list of names (dflt if absent) copied into out, each
 * item checked against names as how says (ARGS_*).  True if key was given. */
bool args_names(struct args *a, const char *key, const char *dflt, unsigned how,
		args_name_fn names, const void *ctx, char *out, size_t n);

/* Record a bad value of key that the caller checked itself: "prog:
 * key=value: what" (what says what is wrong and what is accepted). */
void args_fail(struct args *a, const char *key, const char *what);

/* The keys some part of a boot reads from the shared command line: the
 * kernel's, root's and every module's (NULL-terminated).  One list, so that
 * root can refuse a key nobody reads (a misspelt one) instead of ignoring it. */
extern const char *const args_boot_keys[];

/* Fail on the first key=value word of the line whose key is not in known
 * (NULL-terminated); words without '=' (a loader's kernel path) are not
 * arguments. */
bool args_known_keys(struct args *a, const char *const *known);

/* Check a list already read (the value of key) as args_names does. */
bool args_check_list(struct args *a, const char *key, const char *list, unsigned how,
		     args_name_fn names, const void *ctx);

/* Is word an item of a comma-separated list? "all" matches everything. */
bool list_has(const char *list, const char *word);
/* Does an item of a comma-separated list begin name (test=a,b selects the
 * tests whose names start with a or b)? */
bool list_has_prefix(const char *list, const char *name);
/* The items of list that begin with prefix (mine), or those that do not
 * (!mine), into out (n bytes, as long as list). */
void list_filter(const char *list, const char *prefix, bool mine, char *out, size_t n);

#endif
