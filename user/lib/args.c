/* Reading and checking a program's arguments (args.h). */
#include "args.h"
#include <ipclab/format.h>

void args_init(struct args *a, const char *prog, const char *line)
{
	a->prog = prog;
	a->line = line ? line : "";
	a->bad = false;
	a->error[0] = 0;
}

const char *args_name_of_array(const void *ctx, unsigned i)
{
	return ((const char *const *)ctx)[i];
}

const char *arg_find(const char *line, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	for (const char *p = line; *p;) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - word) > klen && !strncmp(word, key, klen) && word[klen] == '=') {
			*len = (size_t)(p - word) - klen - 1;
			return word + klen + 1;
		}
	}
	return NULL;
}

/* Append to the error line, cutting what does not fit. */
static void append(struct args *a, const char *s, size_t n)
{
	size_t at = strlen(a->error);
	if (n > sizeof(a->error) - 1 - at)
		n = sizeof(a->error) - 1 - at;
	memcpy(a->error + at, s, n);
	a->error[at + n] = 0;
}

/* Append the string s to the error line. */
static void append_str(struct args *a, const char *s) { append(a, s, strlen(s)); }

/* Begin the error line "prog: key=value: problem" with the value (len bytes)
 * escaped and cut to ARGS_SHOW_MAX; false if an earlier error is kept. */
static bool fail(struct args *a, const char *key, const char *val, size_t len,
		 const char *problem)
{
	if (a->bad)
		return false;
	a->bad = true;
	char shown[ARGS_SHOW_MAX * 4 + 1];
	size_t used = format_escape(shown, sizeof(shown), val, len < ARGS_SHOW_MAX ? len :
				    ARGS_SHOW_MAX);
	snprintf(a->error, sizeof(a->error), "%s: %s=%s%s: %s", a->prog, key, shown,
		 used < len ? "..." : "", problem);
	return true;
}

/* The same, the problem naming one item of a list: "problem 'item'". */
static bool fail_item(struct args *a, const char *key, const char *val, size_t len,
		      const char *problem, const char *item, size_t ilen)
{
	char shown[ARGS_SHOW_MAX * 4 + 1], what[ARGS_SHOW_MAX * 4 + 64];
	size_t used = format_escape(shown, sizeof(shown), item, ilen < ARGS_SHOW_MAX ? ilen :
				    ARGS_SHOW_MAX);
	snprintf(what, sizeof(what), "%s '%s%s'", problem, shown, used < ilen ? "..." : "");
	return fail(a, key, val, len, what);
}

void args_fail(struct args *a, const char *key, const char *what)
{
	size_t len = 0;
	const char *val = arg_find(a->line, key, &len);
	fail(a, key, val ? val : "", len, what);
}

const char *const args_boot_keys[] = {
	"hz", "crash",                                  /* the kernel (kernel/main.c) */
	"run", "serve", "unit", "nic",                  /* root, the harness's boots */
	"test", "child",                                /* ktest, devtest */
	"bench", "footprint",                           /* bench */
	"seed", "calls",                                /* fuzz, rpcload */
	"clients", "crashy_after", "crashy_how",        /* supervision */
	"sizes", "threads", "single", "loop", "garbage", "fault", "echo", "checks",
	"builds", "batch", "bell", "itr", "frames",     /* e1000, netbench */
	NULL,
};

bool args_known_keys(struct args *a, const char *const *known)
{
	for (const char *p = a->line; *p;) {
		while (*p == ' ')
			p++;
		const char *word = p, *eq = NULL;
		while (*p && *p != ' ') {
			if (*p == '=' && !eq)
				eq = p;
			p++;
		}
		if (!eq)
			continue;
		size_t klen = (size_t)(eq - word);
		bool ok = false;
		for (unsigned i = 0; known[i] && !ok; i++)
			ok = strlen(known[i]) == klen && !strncmp(known[i], word, klen);
		if (ok)
			continue;
		char key[ARGS_SHOW_MAX * 4 + 1];
		format_escape(key, sizeof(key), word, klen < ARGS_SHOW_MAX ? klen : ARGS_SHOW_MAX);
		if (fail(a, key, eq + 1, (size_t)(p - eq - 1), "no part of ipclab reads this "
			 "argument; the keys are: "))
			for (unsigned i = 0; known[i]; i++) {
				append_str(a, i ? ", " : "");
				append_str(a, known[i]);
			}
		return false;
	}
	return true;
}

/* key's value as arg_find finds it; a second key=... is an error, as it
 * is not clear which one was meant. */
static const char *value_of(struct args *a, const char *key, size_t *len)
{
	const char *val = arg_find(a->line, key, len);
	size_t again;
	if (val && arg_find(val + *len, key, &again))
		fail(a, key, val, *len, "given more than once; give it once");
	return val;
}

bool args_text(struct args *a, const char *key, const char *dflt, char *out, size_t n)
{
	size_t len;
	const char *val = value_of(a, key, &len);
	if (!val) {
		val = dflt ? dflt : "";
		len = strlen(val);
	}
	if (len >= n) {
		char what[64];
		snprintf(what, sizeof(what), "longer than %lu bytes", (unsigned long)(n - 1));
		fail(a, key, val, len, what);
		len = 0;
	}
	memcpy(out, val, len);
	out[len] = 0;
	return arg_find(a->line, key, &len) != NULL;
}

/* Parse s[0..len) as a decimal number into *v; NULL, or what is wrong. */
static const char *parse_number(const char *s, size_t len, uint64_t *v)
{
	if (len == 0)
		return "empty";
	if (s[0] == '-')
		return "negative";
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "not a decimal number";
		uint64_t d = (uint64_t)(s[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return "too large";
		*v = *v * 10 + d;
	}
	return NULL;
}

/* Check item s[0..len) of key's value val as a number in [min, max]. */
static bool check_number(struct args *a, const char *key, const char *val, size_t vlen,
			 const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *v)
{
	const char *problem = parse_number(s, len, v);
	if (!problem && (*v < min || *v > max))
		problem = "out of range";
	if (!problem)
		return true;
	if (fail(a, key, val, vlen, problem)) {
		char what[80];
		snprintf(what, sizeof(what), "; accepted: %s from %lu to %lu",
			 vlen == len ? "a whole number" : "whole numbers, comma-separated,",
			 (unsigned long)min, (unsigned long)max);
		append_str(a, what);
	}
	return false;
}

uint64_t args_number(struct args *a, const char *key, uint64_t dflt, uint64_t min,
		     uint64_t max)
{
	size_t len;
	const char *val = value_of(a, key, &len);
	uint64_t v;
	if (!val || !check_number(a, key, val, len, val, len, min, max, &v))
		return dflt;
	return v;
}

unsigned args_numbers(struct args *a, const char *key, const char *dflt, uint64_t min,
		      uint64_t max, uint64_t *out, unsigned cap)
{
	size_t len;
	const char *val = value_of(a, key, &len);
	if (!val) {
		val = dflt;
		len = strlen(dflt);
	}
	unsigned count = 0;
	for (size_t at = 0; at <= len; at++) {
		size_t n = 0;
		while (at + n < len && val[at + n] != ',')
			n++;
		if (count == cap) {
			char what[48];
			snprintf(what, sizeof(what), "more than %u numbers", cap);
			fail(a, key, val, len, what);
			return 0;
		}
		if (!check_number(a, key, val, len, val + at, n, min, max, &out[count]))
			return 0;
		count++;
		at += n;
	}
	return count;
}

/* Is item s[0..len) accepted among names as how says? */
static bool name_known(const char *s, size_t len, unsigned how, args_name_fn names,
		       const void *ctx)
{
	if (how & ARGS_ALL && len == 3 && !strncmp(s, "all", 3))
		return true;
	for (unsigned i = 0; names(ctx, i); i++) {
		const char *name = names(ctx, i);
		if ((how & ARGS_PREFIX ? strlen(name) >= len : strlen(name) == len) &&
		    !strncmp(name, s, len))
			return true;
	}
	return false;
}

/* Append "; accepted: ..." with each name once. */
static void append_accepted(struct args *a, unsigned how, args_name_fn names, const void *ctx)
{
	append_str(a, how & ARGS_ONE ? "; accepted: one of " : how & ARGS_PREFIX ?
		   "; accepted: a comma-separated list of these names or their beginnings: " :
		   "; accepted: a comma-separated list of ");
	if (how & ARGS_ALL)
		append_str(a, "all, ");
	for (unsigned i = 0; names(ctx, i); i++) {
		unsigned j = 0;
		while (j < i && strcmp(names(ctx, j), names(ctx, i)))
			j++;
		if (j < i)
			continue;                    /* bench names repeat across cases */
		char shown[ARGS_SHOW_MAX * 4 + 1];     /* boot module names come from the loader */
		format_escape(shown, sizeof(shown), names(ctx, i), ARGS_SHOW_MAX);
		if (i)
			append_str(a, ", ");
		append_str(a, shown);
	}
}

bool args_check_list(struct args *a, const char *key, const char *list, unsigned how,
		     args_name_fn names, const void *ctx)
{
	size_t len = strlen(list);
	unsigned items = 0;
	bool ok = len > 0;
	for (size_t at = 0; at <= len && ok; at++, items++) {
		size_t n = 0;
		while (at + n < len && list[at + n] != ',')
			n++;
		if (n && !name_known(list + at, n, how, names, ctx)) {
			if (fail_item(a, key, list, len, how & ARGS_PREFIX ? "no name begins with" :
				      "unknown name", list + at, n))
				append_accepted(a, how, names, ctx);
			return false;
		}
		ok = n > 0;
		at += n;
	}
	const char *problem = !len ? "empty" : !ok ? "an empty name" :
			      how & ARGS_ONE && items != 1 ? "more than one name" : NULL;
	if (problem && fail(a, key, list, len, problem))
		append_accepted(a, how, names, ctx);
	return !problem;
}

bool args_names(struct args *a, const char *key, const char *dflt, unsigned how,
		args_name_fn names, const void *ctx, char *out, size_t n)
{
	bool given = args_text(a, key, dflt, out, n);
	if (!a->bad && (given || out[0]))      /* absent with an empty default: no names */
		args_check_list(a, key, out, how, names, ctx);
	return given;
}

bool list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	for (const char *p = list; *p;) {
		const char *item = p;
		while (*p && *p != ',')
			p++;
		size_t len = (size_t)(p - item);
		if ((len == 3 && !strncmp(item, "all", 3)) || (len == wlen && !strncmp(item, word, len)))
			return true;
		if (*p)
			p++;
	}
	return false;
}

bool list_has_prefix(const char *list, const char *name)
{
	for (const char *p = list; *p;) {
		size_t n = 0;
		while (p[n] && p[n] != ',')
			n++;
		if (n && !strncmp(name, p, n))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

void list_filter(const char *list, const char *prefix, bool mine, char *out, size_t n)
{
	size_t plen = strlen(prefix), at = 0;
	for (const char *p = list; *p;) {
		size_t len = 0;
		while (p[len] && p[len] != ',')
			len++;
		bool has = len >= plen && !strncmp(p, prefix, plen);
		if (has == mine && at + (at > 0) + len < n) {
			if (at)
				out[at++] = ',';
			memcpy(out + at, p, len);
			at += len;
		}
		p += len + (p[len] == ',');
	}
	if (n)
		out[at] = 0;
}
