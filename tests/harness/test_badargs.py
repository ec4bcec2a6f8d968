"""Tests of harness.badargs: the bad-argument boots' command lines and judging."""

import unittest

from harness import badargs, qemu
from harness.qemu import Outcome, Verdict

PASSED = Verdict(Outcome.PASS, "guest passed (EXIT_PASS)")
FAILED = Verdict(Outcome.FAIL, "guest reported failure (EXIT_FAIL)")
KERNEL = "build/l4/kernel32.elf"


def case(name: str) -> badargs.Case:
    """The case called name."""
    return next(c for c in badargs.CASES if c.name == name)


class CommandLineTest(unittest.TestCase):
    """What each case boots with."""

    def test_padded_to_exact_length(self):
        """QEMU hands the kernel `<path> <append>`: that is what is padded."""
        for name, length in (("args_cmdline_4096", 4096), ("args_cmdline_too_long", 4097)):
            with self.subTest(name=name):
                args = badargs.kernel_args(case(name), KERNEL)
                self.assertEqual(len(f"{KERNEL} {args}"), length)
                self.assertRegex(args, r"^x+ run=")             # the real ones come last
                self.assertTrue(args.endswith("run=ktest test=null_syscall unit=tsc"))

    def test_unpadded(self):
        self.assertEqual(badargs.kernel_args(case("args_root"), KERNEL),
                         "run=ktest,doesnotexist\x07 unit=tsc")

    def test_too_long_arguments_refused(self):
        long_case = badargs.Case("x", "ktest", "a=" + "b" * 5000, length=4096)
        with self.assertRaises(ValueError):
            badargs.kernel_args(long_case, KERNEL)

    def test_extra_modules(self):
        """17 boot modules in all, or 18: copies of ktest named m1, m2, ..."""
        for name, total in (("args_modules_17", 17), ("args_modules_18", 18)):
            with self.subTest(name=name):
                argv = badargs.qemu_argv(case(name), "l4")
                initrd = argv[argv.index("-initrd") + 1].split(",")
                self.assertEqual(len(initrd), total)
                self.assertEqual(initrd[-1], f"build/l4/user/ktest.elf m{total - 4}")
                self.assertIn(f"run=m{total - 4} ", argv[argv.index("-append") + 1])

    def test_bad_cases_want_failure(self):
        """Only the good edges may pass; every case names what it expects."""
        good = {c.name for c in badargs.CASES if c.passes}
        self.assertEqual(good, {"args_cmdline_4096", "args_modules_17"})
        for c in badargs.CASES:
            self.assertTrue(c.expect, c.name)


class ProblemsTest(unittest.TestCase):
    """badargs.problems judges a boot by its outcome and its lines."""

    def test_expected_failure_with_its_line(self):
        c = case("args_root")
        line = c.expect[0] + ", crashy, rpcload"
        self.assertEqual(badargs.problems(c, FAILED, ["banner\r", line + "\r"]), [])

    def test_pass_is_wrong_for_a_bad_argument(self):
        """The bug: an unknown name ignored and the boot passing."""
        c = case("args_modules")
        found = badargs.problems(c, PASSED, ["TEST null_syscall ok", "ktest: 1 passed"])
        self.assertIn("expected fail, got guest passed (EXIT_PASS)", found)
        self.assertEqual(len(found), 1 + len(c.expect))

    def test_missing_line(self):
        c = case("args_cmdline_too_long")
        found = badargs.problems(c, FAILED, ["ipclab: power off (fail)"])
        self.assertEqual(found, [f"no line {qemu.quote(c.expect[0])}"])

    def test_raw_control_byte(self):
        """An echo of the arguments must show \\x07, not the byte itself."""
        c = case("args_root")
        raw = "root: run=ktest,doesnotexist\x07: unknown name"
        found = badargs.problems(c, FAILED, [c.expect[0], raw])
        self.assertEqual(len(found), 1)
        self.assertIn("echoed raw", found[0])


if __name__ == "__main__":
    unittest.main()
