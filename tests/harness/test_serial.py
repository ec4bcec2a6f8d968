"""Tests of harness.serial: markers from result.h and serial-log parsing."""

import unittest
from pathlib import Path

from harness.serial import (Banner, Malformed, MarkerError, Markers, Result, TestLine,
                            classify_line, clean_line, load_markers, parse_serial,
                            parse_test, read_markers)

TREE = Path(__file__).resolve().parents[2]

HEADER = r'''
/* comment */
#ifndef X
#define RESULT_BEGIN "<<r "
#define RESULT_END   " r>>"   /* trailing comment */
#  define TEST_PREFIX  "T: "
#define BANNER_PREFIX "hello \"kernel\" "
#define OTHER 42
#endif
'''

# The real markers, so these tests follow the header when it changes.
MARKERS = load_markers(TREE)
BANNER, TEST = MARKERS.banner_prefix, MARKERS.test_prefix


def result_line(text: str) -> str:
    """A result line carrying text between the real markers."""
    return f"{MARKERS.result_begin}{text}{MARKERS.result_end}"


class ReadMarkersTest(unittest.TestCase):
    """The markers come from the header, never from the harness."""

    def test_reads_defines_with_comments_and_escapes(self):
        """Every marker is read; C escapes are undone; other defines are ignored."""
        markers = read_markers(HEADER)
        self.assertEqual(markers, Markers("<<r ", " r>>", "T: ", 'hello "kernel" '))

    def test_missing_marker_is_an_error_naming_it(self):
        """A header without a marker is reported, naming what is missing."""
        text = HEADER.replace("TEST_PREFIX", "TEST_PREFIXES")
        with self.assertRaisesRegex(MarkerError, "TEST_PREFIX"):
            read_markers(text)

    def test_the_real_header(self):
        """include/ipclab/result.h defines all four markers."""
        markers = load_markers(TREE)
        self.assertTrue(all(vars(markers).values()))

    def test_missing_header(self):
        """A tree without the header gives a MarkerError, not an OSError."""
        with self.assertRaises(MarkerError):
            load_markers(TREE / "no-such-dir")


class ParseTest(unittest.TestCase):
    """Serial lines become banner, tests and results."""

    def test_clean_line_drops_cr_and_escape_sequences(self):
        """GRUB's screen-clearing escapes and carriage returns disappear."""
        self.assertEqual(clean_line("\x1b[2J\x1b[1;1Hipclab\r"), "ipclab")
        self.assertEqual(clean_line("a\tb"), "a\tb")

    def test_banner_anywhere_in_a_line(self):
        """The banner is found after firmware debris and kept from its prefix on."""
        item = classify_line(f"\x1b[0mjunk {BANNER}l4 (x86_64)\r", MARKERS)
        self.assertEqual(item, Banner(f"{BANNER}l4 (x86_64)"))

    def test_test_lines(self):
        """ok, FAIL with a reason, FAIL without one."""
        self.assertEqual(classify_line(f"{TEST}fault_pf ok", MARKERS),
                         TestLine("fault_pf", True))
        self.assertEqual(classify_line(f"[k] {TEST}ipc FAIL got 3, want 4\r", MARKERS),
                         TestLine("ipc", False, "got 3, want 4"))
        self.assertEqual(parse_test("x FAIL"), TestLine("x", False, "(no reason given)"))

    def test_skip_lines(self):
        """skip with its reason: not a failure, and marked as skipped."""
        line = classify_line(f"{TEST}pager_demand skip the message is cut\r", MARKERS)
        self.assertEqual(line, TestLine("pager_demand", True, "the message is cut", skipped=True))
        report = parse_serial([f"{TEST}a skip why", f"{TEST}b ok"], MARKERS)
        self.assertEqual(report.failed_tests(), ())

    def test_lines_that_merely_mention_the_prefix_are_ignored(self):
        """`TEST <name>` without ok or FAIL is not a verdict."""
        self.assertIsNone(classify_line(f"{TEST}fault_pf starting", MARKERS))
        self.assertIsNone(classify_line(TEST, MARKERS))
        self.assertIsNone(classify_line("plain output", MARKERS))

    def test_result_anywhere_in_a_line(self):
        """A JSON object between the markers is a result."""
        line = "noise " + result_line('{"bench": "null", "median": 42}') + "\r"
        self.assertEqual(classify_line(line, MARKERS),
                         Result({"bench": "null", "median": 42}))

    def test_malformed_results(self):
        """Bad JSON, a non-object, or a missing end marker are malformed."""
        lines = (result_line('{"a": }'), result_line("[1, 2]"),
                 MARKERS.result_begin + '{"a": 1}')
        for line in lines:
            with self.subTest(line=line):
                self.assertIsInstance(classify_line(line, MARKERS), Malformed)

    def test_parse_serial(self):
        """A whole log: first banner, all tests in order, results and bad results."""
        log = ["SeaBIOS", f"{BANNER}l4", f"{TEST}a ok", f"{TEST}b FAIL why",
               result_line('{"n": 1}'), result_line("oops"), f"{BANNER}again"]
        report = parse_serial(log, MARKERS)
        self.assertEqual(report.banner, f"{BANNER}l4")
        self.assertEqual([t.name for t in report.tests], ["a", "b"])
        self.assertEqual(report.failed_tests(), (TestLine("b", False, "why"),))
        self.assertEqual(report.results, ({"n": 1},))
        self.assertEqual(report.malformed, ("oops",))

    def test_empty_log(self):
        """Nothing printed: no banner, nothing else."""
        report = parse_serial([], MARKERS)
        self.assertIsNone(report.banner)
        self.assertEqual((report.tests, report.results), ((), ()))


if __name__ == "__main__":
    unittest.main()
