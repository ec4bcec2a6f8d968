"""Tests of harness.regress and the regress command."""

import contextlib
import copy
import io
import tempfile
import unittest
from pathlib import Path

from harness import regress, runs
from harness.__main__ import main
from harness.runs import HostInfo, Run

CASE = "roundtrip/other-space/0w"


def results():
    """Two presets' results, as a stored icount run holds them."""
    rows = [("l4", "null_syscall", "null", 69, 68), ("l4", "pingpong", CASE, 212, 210),
            ("mach", "null_syscall", "null", 69, 68), ("mach", "pingpong", CASE, 700, 690)]
    return [runs.complete({"bench": b, "case": c, "median": med, "min": low}, v, {},
                          "instructions") for v, b, c, med, low in rows]


def lowered(rows, variant, bench, stat, percent):
    """A copy of rows with one statistic lowered by percent."""
    rows = copy.deepcopy(rows)
    for row in rows:
        if (row["variant"], row["bench"]) == (variant, bench):
            row[stat] = round(row[stat] * (1 - percent / 100))
    return rows


class CompareTest(unittest.TestCase):
    """compare() on result lists."""

    def test_equal_runs_pass(self):
        """Nothing moved: no failures, no notes; every median and min compared."""
        comparison = regress.compare(results(), results())
        self.assertFalse(comparison.failed)
        self.assertEqual((comparison.notes, comparison.compared), ((), 8))

    def test_lowered_baseline_fails_naming_the_metric(self):
        """A baseline value 5 % lower: the run rose by 5.2 %, and says where."""
        baseline = lowered(results(), "l4", "pingpong", "median", 5)
        self.assertEqual(baseline[1]["median"], 201)
        comparison = regress.compare(baseline, results())
        self.assertEqual(comparison.failures,
                         (f"l4 pingpong {CASE} median 201 -> 212 instructions (+5.5 %)",))

    def test_threshold(self):
        """Exactly the threshold passes; just above fails; a fall is only a note."""
        base = [runs.complete({"bench": "b", "median": 100}, "l4", {}, "tsc")]
        for new, failed in ((101, False), (101.5, True), (90, False)):
            run = [dict(base[0], median=new)]
            with self.subTest(new=new):
                self.assertEqual(regress.compare(base, run, 1.0).failed, failed)
        notes = regress.compare(base, [dict(base[0], median=90)]).notes
        self.assertEqual(notes, ("fell: l4 b b median 100 -> 90 tsc (-10.0 %)",))

    def test_missing_new_and_unit(self):
        """Missing fails, new is a note, a changed unit fails."""
        run = results()[1:] + [runs.complete({"bench": "rpc", "median": 5}, "l4", {}, "tsc")]
        run[0] = dict(run[0], unit="tsc")
        comparison = regress.compare(results(), run)
        self.assertEqual(comparison.failures, (
            "l4 null_syscall null median missing from the run (baseline 69 instructions)",
            "l4 null_syscall null min missing from the run (baseline 68 instructions)",
            f"l4 pingpong {CASE} median changed its unit: instructions -> tsc",
            f"l4 pingpong {CASE} min changed its unit: instructions -> tsc"))
        self.assertEqual(comparison.notes, ("new: l4 rpc rpc median 5 tsc (not in the baseline)",))

    def test_multi_client_minimum_is_not_compared(self):
        """The minimum of a several-client case moves with the tick; its median counts."""
        rpc = [runs.complete({"bench": "rpc", "case": "8-clients", "clients": 8, "median": 900,
                              "min": 400}, "mach", {}, "instructions")]
        moved = copy.deepcopy(rpc)
        moved[0]["min"] = 600
        self.assertFalse(regress.compare(rpc, moved).failed)
        moved[0]["median"] = 1000
        self.assertTrue(regress.compare(rpc, moved).failed)
        one = copy.deepcopy(rpc)
        one[0]["clients"], one[0]["case"] = 1, "1-client"
        lower = copy.deepcopy(one)
        lower[0]["min"] = 300
        self.assertTrue(regress.compare(lower, one).failed)

    def test_zero_baseline(self):
        """From 0 any rise fails, shown as +inf %."""
        base = [runs.complete({"bench": "b", "median": 0}, "l4", {}, "tsc")]
        comparison = regress.compare(base, [dict(base[0], median=1)])
        self.assertEqual(comparison.failures, ("l4 b b median 0 -> 1 tsc (+inf %)",))


class RegressCommandTest(unittest.TestCase):
    """python3 -m harness regress in a temporary tree."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        info = HostInfo("box", "cpu", "7.2.22", "abc", False)
        rows = results()
        self.run_path = runs.store_run(self.root, Run(
            runs.make_meta(info, "icount", rows, "2025-03-04T05:06:07+00:00"), rows))

    def tearDown(self):
        self.tmp.cleanup()

    def regress(self, *args):
        """Run the command; return its status and output lines."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = main(["--root", str(self.root), "regress", *args])
        return status, out.getvalue().splitlines()

    def test_update_then_compare(self):
        """No baseline: 2; --update makes one; the same run then passes."""
        self.assertEqual(self.regress()[0], 2)
        status, lines = self.regress("--update")
        self.assertEqual(status, 0)
        baseline = runs.load_run(self.root / runs.BASELINE)
        self.assertEqual(baseline.results, results())
        self.assertEqual(baseline.meta["source"], self.run_path.name)
        status, lines = self.regress()
        self.assertEqual(status, 0)
        self.assertTrue(lines[-1].endswith("8 metrics compared with "
                                           f"{self.root / runs.BASELINE}: nothing rose by "
                                           "more than 1 %"), lines)

    def test_lowered_baseline_fails(self):
        """The done-when check: a baseline value 5 % lower makes regress exit 1 naming it."""
        meta = runs.load_run(self.root / self.run_path).meta
        runs.write_run(self.root / runs.BASELINE,
                       Run(meta, lowered(results(), "mach", "pingpong", "min", 5)))
        status, lines = self.regress(str(self.root / self.run_path))
        self.assertEqual(status, 1)
        self.assertIn(f"regress: mach pingpong {CASE} min 656 -> 690 instructions (+5.2 %)",
                      lines)
        self.assertTrue(lines[-1].endswith(": 1 failure"), lines[-1])


if __name__ == "__main__":
    unittest.main()
