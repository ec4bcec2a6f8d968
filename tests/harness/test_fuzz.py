"""Tests of harness/fuzz.py: what a fuzz boot's lines say, and the table."""

import unittest

from harness import fuzz

LINES = [
    "fuzz: seed 7, 1000 calls, 4 threads\r",
    "ipclab: fault: thread fuzz.9: #PF page fault (not present fetch) at 0x1000, rip 0x1000: "
    "thread stopped",
    "ipclab: fault: thread fuzz.12: #PF page fault (not present write) at 0x0, rip 0x401072: "
    "its pager is gone",
    "fuzz: seed 7: 1003 calls, 5 invariant checks, 0 broken; the kernel survived\r",
]


class OutcomeTest(unittest.TestCase):
    def test_passing_run(self):
        o = fuzz.outcome("l4", LINES, True, "")
        self.assertEqual((o.passed, o.calls, o.checks, o.broken, o.faults, o.pager_faults),
                         (True, 1003, 5, 0, 2, 1))

    def test_summary_after_console_dots(self):
        """The fuzzer's console writes have no newline: its summary and the
        kernel's fault lines may follow dots on the same line."""
        lines = ["........" + LINES[1], "....." + LINES[3]]
        o = fuzz.outcome("l4-nods", lines, True, "")
        self.assertEqual((o.passed, o.calls, o.faults), (True, 1003, 1))
        self.assertEqual(fuzz.summary(lines).group(0),
                         "fuzz: seed 7: 1003 calls, 5 invariant checks, 0 broken")

    def test_broken_invariants_fail_even_if_the_guest_passed(self):
        lines = LINES[:-1] + ["fuzz: seed 7: 1003 calls, 5 invariant checks, 2 broken; ..."]
        o = fuzz.outcome("l4", lines, True, "")
        self.assertFalse(o.passed)
        self.assertEqual(o.explanation, "2 invariant checks failed")

    def test_no_summary_fails(self):
        o = fuzz.outcome("mach", LINES[:1], True, "")
        self.assertFalse(o.passed)
        self.assertEqual(o.explanation, "no fuzz summary line")
        o = fuzz.outcome("mach", LINES[:1], False, "guest hung: no power-off after 1800 s")
        self.assertEqual(o.explanation, "guest hung: no power-off after 1800 s")

    def test_failed_guest_with_summary(self):
        o = fuzz.outcome("mach", LINES, False, "guest reported failure (EXIT_FAIL)", "b/x.log")
        self.assertFalse(o.passed)
        self.assertEqual(o.calls, 1003)

    def test_table(self):
        rows = fuzz.table([fuzz.outcome("l4", LINES, True, ""),
                           fuzz.Outcome("mach", False, explanation="QEMU missing")], 7)
        self.assertEqual(rows[0], "fuzz, seed 7 (icount: the same seed repeats exactly)")
        self.assertEqual(rows[2].split(), ["l4", "1003", "5", "0", "2", "1", "ok"])
        self.assertEqual(rows[3].split()[:6], ["mach", "-", "-", "-", "0", "0"])
        self.assertTrue(rows[3].endswith("FAIL: QEMU missing"))


if __name__ == "__main__":
    unittest.main()
