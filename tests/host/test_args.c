/* Host tests of the user programs' argument parser (user/lib/args.c) and of
 * the console escaping it uses (format_escape, include/ipclab/format.h). */
/* test-links: user/lib/args.c */
#include "check.h"
#include "../../user/lib/args.h"
#include <ipclab/format.h>

static struct args a;

/* The parser reads line for program "prog". */
static void start(const char *line) { args_init(&a, "prog", line); }

/* The error must be exactly want, and one line. */
static void check_error(const char *want)
{
	CHECK(a.bad);
	CHECK_STREQ(a.error, want);
	CHECK(!strchr(a.error, '\n'));
}

static const char *const fruit[] = { "apple", "banana", "cherry", "banana", NULL };

static void number_absent_is_default(void)
{
	start("other=1 calls_x=5");
	CHECK_EQ(args_number(&a, "calls", 20, 1, 100), 20);
	CHECK(!a.bad);
}

static void number_in_range(void)
{
	start("x=1 calls=100 xcalls=7");
	CHECK_EQ(args_number(&a, "calls", 20, 1, 100), 100);
	start("seed=18446744073709551615");
	CHECK_EQ(args_number(&a, "seed", 1, 0, UINT64_MAX), UINT64_MAX);
	CHECK(!a.bad);
}

static void number_overflow(void)
{
	start("calls=999999999999999999999");
	CHECK_EQ(args_number(&a, "calls", 20, 1, 1000), 20);
	CHECK_CALL(check_error("prog: calls=999999999999999999999: too large; "
			       "accepted: a whole number from 1 to 1000"));
	start("seed=18446744073709551616");
	args_number(&a, "seed", 1, 0, UINT64_MAX);
	CHECK_CALL(check_error("prog: seed=18446744073709551616: too large; "
			       "accepted: a whole number from 0 to 18446744073709551615"));
}

static void number_negative(void)
{
	start("crashy_after=-1");
	CHECK_EQ(args_number(&a, "crashy_after", 20, 0, 1000), 20);
	CHECK_CALL(check_error("prog: crashy_after=-1: negative; "
			       "accepted: a whole number from 0 to 1000"));
}

static void number_malformed(void)
{
	static const char *const bad[] = { "calls=", "calls=12x", "calls=0x10", "calls=+3",
					   "calls=1.5", "calls= 3" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(bad[i]);
		args_number(&a, "calls", 20, 0, 1000);
		CHECK(a.bad);
		CHECK(strstr(a.error, "empty") || strstr(a.error, "not a decimal number"));
		CHECK(strstr(a.error, "accepted: a whole number from 0 to 1000"));
	}
}

static void number_out_of_range(void)
{
	start("threads=0");
	args_number(&a, "threads", 4, 1, 8);
	CHECK_CALL(check_error("prog: threads=0: out of range; accepted: a whole number from 1 to 8"));
	start("threads=9");
	args_number(&a, "threads", 4, 1, 8);
	CHECK_CALL(check_error("prog: threads=9: out of range; accepted: a whole number from 1 to 8"));
}

static void given_twice(void)
{
	char out[16];
	start("calls=1 x=2 calls=2");
	args_number(&a, "calls", 20, 1, 100);
	CHECK_CALL(check_error("prog: calls=1: given more than once; give it once"));
	start("unit=tsc unit=tsc");
	args_text(&a, "unit", "tsc", out, sizeof(out));
	CHECK(a.bad);
	start("sizes=1 sizes=2");
	uint64_t v[2];
	args_numbers(&a, "sizes", "1", 0, 9, v, 2);
	CHECK(a.bad);
}

static void first_error_is_kept(void)
{
	start("a=x b=y");
	args_number(&a, "a", 0, 0, 1);
	args_number(&a, "b", 0, 0, 1);
	CHECK(strstr(a.error, "prog: a=x:") == a.error);
}

static void numbers_list(void)
{
	uint64_t v[4];
	start("sizes=64,512,1500");
	CHECK_EQ(args_numbers(&a, "sizes", "1", 14, 1514, v, 4), 3);
	CHECK_EQ(v[0], 64);
	CHECK_EQ(v[2], 1500);
	start("");
	CHECK_EQ(args_numbers(&a, "sizes", "64", 14, 1514, v, 4), 1);
	CHECK(!a.bad);
	start("sizes=64,,1500");
	CHECK_EQ(args_numbers(&a, "sizes", "1", 14, 1514, v, 4), 0);
	CHECK_CALL(check_error("prog: sizes=64,,1500: empty; "
			       "accepted: whole numbers, comma-separated, from 14 to 1514"));
	start("sizes=64,9000");
	args_numbers(&a, "sizes", "1", 14, 1514, v, 4);
	CHECK(strstr(a.error, "out of range"));
	start("sizes=1,2,3,4,5");
	args_numbers(&a, "sizes", "1", 0, 9, v, 4);
	CHECK_CALL(check_error("prog: sizes=1,2,3,4,5: more than 4 numbers"));
}

static void names_known(void)
{
	char out[32];
	start("run=banana,cherry");
	CHECK(args_names(&a, "run", "all", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out)));
	CHECK_STREQ(out, "banana,cherry");
	CHECK(!a.bad);
	start("");
	CHECK(!args_names(&a, "run", "all", ARGS_ALL, args_name_of_array, fruit, out, sizeof(out)));
	CHECK_STREQ(out, "all");
	CHECK(!a.bad);
	start("");          /* absent with an empty default: nothing to check */
	args_names(&a, "serve", "", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out));
	CHECK(!a.bad);
}

static void names_unknown(void)
{
	char out[32];
	start("run=apple,doesnotexist");
	args_names(&a, "run", "all", ARGS_ALL, args_name_of_array, fruit, out, sizeof(out));
	CHECK_CALL(check_error("prog: run=apple,doesnotexist: unknown name 'doesnotexist'; "
			       "accepted: a comma-separated list of all, apple, banana, cherry"));
	start("run=all");                 /* all only where ARGS_ALL says */
	args_names(&a, "run", "", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out));
	CHECK(strstr(a.error, "unknown name 'all'"));
	start("run=appl");                /* no beginnings where ARGS_PREFIX is not given */
	args_names(&a, "run", "", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out));
	CHECK(a.bad);
}

static void names_empty(void)
{
	char out[32];
	start("run=");
	args_names(&a, "run", "all", ARGS_ALL, args_name_of_array, fruit, out, sizeof(out));
	CHECK_CALL(check_error("prog: run=: empty; "
			       "accepted: a comma-separated list of all, apple, banana, cherry"));
	start("run=apple,,cherry");
	args_names(&a, "run", "all", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out));
	CHECK(strstr(a.error, "an empty name"));
	start("run=apple,");
	args_names(&a, "run", "all", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out));
	CHECK(strstr(a.error, "an empty name"));
}

static void names_prefix(void)
{
	char out[32];
	start("test=nosuchtest,ban");
	args_names(&a, "test", "", ARGS_PREFIX, args_name_of_array, fruit, out, sizeof(out));
	CHECK_CALL(check_error("prog: test=nosuchtest,ban: no name begins with 'nosuchtest'; "
			       "accepted: a comma-separated list of these names or their "
			       "beginnings: apple, banana, cherry"));
	start("test=ch,apple");
	args_names(&a, "test", "", ARGS_PREFIX, args_name_of_array, fruit, out, sizeof(out));
	CHECK(!a.bad);
	start("test=cherry_pie");
	args_names(&a, "test", "", ARGS_PREFIX, args_name_of_array, fruit, out, sizeof(out));
	CHECK(a.bad);
}

static void names_one(void)
{
	char out[32];
	start("unit=apple,cherry");
	args_names(&a, "unit", "apple", ARGS_ONE, args_name_of_array, fruit, out, sizeof(out));
	CHECK_CALL(check_error("prog: unit=apple,cherry: more than one name; "
			       "accepted: one of apple, banana, cherry"));
}

static void text_too_long(void)
{
	char out[8];
	start("unit=instructions");
	args_text(&a, "unit", "tsc", out, sizeof(out));
	CHECK_CALL(check_error("prog: unit=instructions: longer than 7 bytes"));
	CHECK_STREQ(out, "");
	start("unit=1234567");
	CHECK(args_text(&a, "unit", "tsc", out, sizeof(out)));
	CHECK_STREQ(out, "1234567");
	CHECK(!a.bad);
}

static void control_bytes_escaped(void)
{
	char out[32];
	start("run=ap\x07ple\x1b[2J\\");
	args_names(&a, "run", "", ARGS_EXACT, args_name_of_array, fruit, out, sizeof(out));
	CHECK(a.bad);
	CHECK(strstr(a.error, "run=ap\\x07ple\\x1b[2J\\x5c: unknown name 'ap\\x07ple\\x1b[2J\\x5c'"));
	for (const char *p = a.error; *p; p++)
		CHECK(*p >= 0x20 && *p < 0x7f);
}

static const char *const odd[] = { "ok", "be\x07ll", NULL };

static void known_names_escaped(void)
{
	char out[32];
	start("run=x");
	args_names(&a, "run", "", ARGS_EXACT, args_name_of_array, odd, out, sizeof(out));
	CHECK_CALL(check_error("prog: run=x: unknown name 'x'; "
			       "accepted: a comma-separated list of ok, be\\x07ll"));
}

static void long_value_cut_in_error(void)
{
	static char line[5000];
	memcpy(line, "calls=", 6);
	memset(line + 6, '9', 4000);
	start(line);
	args_number(&a, "calls", 1, 0, 10);
	CHECK(a.bad);
	CHECK(strlen(a.error) < 200);
	CHECK(strstr(a.error, "...: too large"));
}

static void args_fail_names_value(void)
{
	start("nic=usb:3");
	args_fail(&a, "nic", "unknown; accepted: loop or udp:PORT");
	CHECK_CALL(check_error("prog: nic=usb:3: unknown; accepted: loop or udp:PORT"));
}

static void escape_fits(void)
{
	char out[8];
	CHECK_EQ(format_escape(out, sizeof(out), "ab\x01" "cd", 5), 4);   /* 7 bytes and the NUL */
	CHECK_STREQ(out, "ab\\x01c");
	CHECK_EQ(format_escape(out, sizeof(out), "abcd\x01", 5), 4);      /* no half escape */
	CHECK_STREQ(out, "abcd");
	CHECK_EQ(format_escape(out, sizeof(out), "\xff", 1), 1);
	CHECK_STREQ(out, "\\xff");
	CHECK_EQ(format_escape(out, 1, "abc", 3), 0);
	CHECK_STREQ(out, "");
}

static void filter_items(void)
{
	char out[64];
	list_filter("dev_caps,null,dev_irq,fault", "dev_", true, out, sizeof(out));
	CHECK_STREQ(out, "dev_caps,dev_irq");
	list_filter("dev_caps,null,dev_irq,fault", "dev_", false, out, sizeof(out));
	CHECK_STREQ(out, "null,fault");
	list_filter("dev_caps", "dev_", false, out, sizeof(out));
	CHECK_STREQ(out, "");
}

static void lists_match(void)
{
	CHECK(list_has("a,all", "zzz"));
	CHECK(list_has("ktest,bench", "bench"));
	CHECK(!list_has("ktest,bench", "ben"));
	CHECK(list_has_prefix("fault_pf,ipc", "fault_pf_exec_nx"));
	CHECK(!list_has_prefix("fault_pf,ipc", "fault_gp"));
}

static void keys_known(void)
{
	static const char *const keys[] = { "run", "test", NULL };
	start("build/l4/kernel32.elf run=ktest  test=x plain");      /* a path, no '=': skipped */
	CHECK(args_known_keys(&a, keys));
	CHECK(!a.bad);
	start("run=ktest tset=null\x07 test=x");
	CHECK(!args_known_keys(&a, keys));
	check_error("prog: tset=null\\x07: no part of ipclab reads this argument; the keys are: "
		    "run, test");
	start("runx=1");                                  /* a key is matched whole */
	CHECK(!args_known_keys(&a, keys));
	start("hz=1000 crash=kernel run=all");            /* the kernel's and root's */
	CHECK(args_known_keys(&a, args_boot_keys));
}

static const struct check_case cases[] = {
	CASE(number_absent_is_default), CASE(number_in_range), CASE(number_overflow),
	CASE(number_negative), CASE(number_malformed), CASE(number_out_of_range),
	CASE(given_twice), CASE(first_error_is_kept), CASE(numbers_list), CASE(names_known), CASE(names_unknown),
	CASE(names_empty), CASE(names_prefix), CASE(names_one), CASE(text_too_long),
	CASE(control_bytes_escaped), CASE(known_names_escaped), CASE(long_value_cut_in_error), CASE(args_fail_names_value),
	CASE(escape_fits), CASE(filter_items), CASE(lists_match), CASE(keys_known),
};
CHECK_MAIN(cases)
