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
    """compare() on result lists: exact counts (the default) and timed modes."""

    def test_equal_runs_pass(self):
        """Nothing moved: no failures, no notes; every median and min compared."""
        comparison = regress.compare(results(), results())
        self.assertFalse(comparison.failed)
        self.assertEqual((comparison.notes, comparison.compared), ((), 8))

    def test_lowered_baseline_fails_naming_the_metric(self):
        """A baseline value 5 % lower: the run rose by 5.5 %, and says where."""
        baseline = lowered(results(), "l4", "pingpong", "median", 5)
        self.assertEqual(baseline[1]["median"], 201)
        comparison = regress.compare(baseline, results())
        self.assertEqual(comparison.failures,
                         (f"rose: l4 pingpong {CASE} median 201 -> 212 instructions (+5.5 %)",))

    def test_model_cycles_compared_like_instructions(self):
        """A cycles run: the model's warm and cold medians are metrics in their own unit;
        a move fails, and so does another profile (a changed unit)."""
        def with_cycles(rows, warm, profile="skylake"):
            return [{**r, "model_cycles_warm": warm, "model_cycles_cold": 10 * warm,
                     "model_profile": profile} for r in copy.deepcopy(rows)]
        base = with_cycles(results(), 400)
        self.assertFalse(regress.compare(base, with_cycles(results(), 400)).failed)
        moved = regress.compare(base, with_cycles(results(), 440)).failures
        self.assertIn(f"rose: l4 pingpong {CASE} model_cycles_warm 400 -> 440 model cycles "
                      f"(profile skylake) (+10.0 %)", moved)
        self.assertEqual(len(moved), 8)         # warm and cold of four results
        other = regress.compare(base, with_cycles(results(), 400, "zen2")).failures
        self.assertEqual(len(other), 8)
        self.assertTrue(all("unit" in line for line in other), other)

    def test_model_pcid_is_part_of_the_unit(self):
        """What the model did with a CR3 write (model_pcid) is part of the unit: kept
        against flushed, or against a run from before it was recorded, fails."""
        def with_pcid(pcid):
            return [{**r, "model_cycles_warm": 400, "model_cycles_cold": 4000,
                     "model_profile": "skylake", **({"model_pcid": pcid} if pcid else {})}
                    for r in results()]
        self.assertFalse(regress.compare(with_pcid("kept"), with_pcid("kept")).failed)
        for old, new in (("flushed", "kept"), (None, "kept")):
            with self.subTest(old=old):
                failures = regress.compare(with_pcid(old), with_pcid(new)).failures
                self.assertEqual(len(failures), 8)
                was = "skylake, no PCID: TLB flushed" if old else "skylake"
                self.assertIn(f"l4 pingpong {CASE} model_cycles_warm changed its unit: "
                              f"model cycles (profile {was}) -> model cycles (profile "
                              f"skylake, PCID: TLB kept) (400 -> 400)", failures)

    def test_a_fall_fails_in_exact_counts(self):
        """Exact counts: a run 5 % below the baseline fails too, reported as fell."""
        run = lowered(results(), "mach", "pingpong", "min", 5)
        comparison = regress.compare(results(), run)
        self.assertEqual(comparison.failures,
                         (f"fell: mach pingpong {CASE} min 690 -> 656 instructions (-4.9 %)",))
        self.assertEqual(comparison.notes, ())

    def test_threshold_either_way(self):
        """Exact: up to the threshold passes, beyond it fails, rising or falling."""
        base = [runs.complete({"bench": "b", "median": 100}, "l4", {}, "tsc")]
        for new, failed in ((101, False), (99, False), (101.5, True), (98.5, True), (90, True)):
            with self.subTest(new=new):
                run = [dict(base[0], median=new)]
                self.assertEqual(regress.compare(base, run, 1.0).failed, failed)

    def test_every_tracked_statistic(self):
        """Exact: p99, p999, ops_per_mi and fairness are compared, each in its own unit."""
        row = {"bench": "rpc", "case": "8-clients", "clients": 8, "median": 900, "min": 400,
               "p99": 1200, "p999": 1500, "ops_per_mi": 1111.5, "fairness": 0.98, "max": 9000}
        base = [runs.complete(row, "mach", {}, "instructions")]
        self.assertEqual(regress.compare(base, base).compared, 6)       # max is not tracked
        cases = {"p99": (1300, "rose: mach rpc 8-clients p99 1200 -> 1300 instructions "
                               "(+8.3 %)"),
                 "ops_per_mi": (1000, "fell: mach rpc 8-clients ops_per_mi 1111.5 -> 1000 "
                                      "operations per million instructions (-10.0 %)"),
                 "min": (600, "rose: mach rpc 8-clients min 400 -> 600 instructions "
                              "(+50.0 %)")}
        for stat, (value, message) in cases.items():
            with self.subTest(stat=stat):
                run = [dict(base[0], **{stat: value})]
                self.assertEqual(regress.compare(base, run).failures, (message,))
        # Decided by where the ticks land: noted, not failed, for several clients only.
        noted = {"p999": (1400, "fell: mach rpc 8-clients p999 1500 -> 1400 instructions "
                                "(-6.7 %)"),
                 "fairness": (0.9, "fell: mach rpc 8-clients fairness 0.98 -> 0.9 "
                                   "(Jain's index) (-8.2 %)")}
        for stat, (value, message) in noted.items():
            with self.subTest(stat=stat):
                found = regress.compare(base, [dict(base[0], **{stat: value})])
                self.assertEqual(found.failures, ())
                self.assertEqual(found.notes, (message + "; where the ticks land decides it, "
                                               "so it is noted, not failed",))
        one = [dict(base[0], clients=1)]
        self.assertTrue(regress.compare(one, [dict(one[0], p999=1400)]).failed)

    def test_missing_new_and_unit(self):
        """Missing fails, new is a note, a changed unit fails."""
        run = results()[1:] + [runs.complete({"bench": "rpc", "median": 5}, "l4", {}, "tsc")]
        run[0] = dict(run[0], unit="tsc")
        comparison = regress.compare(results(), run)
        self.assertEqual(comparison.failures, (
            "missing: l4 null_syscall null median is in the baseline (69 instructions), "
            "not in the run",
            "missing: l4 null_syscall null min is in the baseline (68 instructions), "
            "not in the run",
            f"l4 pingpong {CASE} median changed its unit: instructions -> tsc (212 -> 212)",
            f"l4 pingpong {CASE} min changed its unit: instructions -> tsc (210 -> 210)"))
        self.assertEqual(comparison.notes, ("new: l4 rpc rpc median 5 tsc (not in the baseline)",))

    def test_missing_and_new_statistic(self):
        """A p99 only the baseline has fails; a p999 only the run has is a note."""
        base = [runs.complete({"bench": "b", "median": 10, "p99": 12}, "l4", {}, "tsc")]
        run = [runs.complete({"bench": "b", "median": 10, "p999": 13}, "l4", {}, "tsc")]
        comparison = regress.compare(base, run)
        self.assertEqual(comparison.failures, ("missing: l4 b b p99 is in the baseline "
                                               "(12 tsc), not in the run",))
        self.assertEqual(comparison.notes, ("new: l4 b b p999 13 tsc (not in the baseline)",))

    def test_timed_rule(self):
        """Timed modes: only median and min, a rise fails, a fall is a note, and the
        minimum of a several-client case (the tick decides it) is left out."""
        rpc = [runs.complete({"bench": "rpc", "case": "8-clients", "clients": 8, "median": 900,
                              "min": 400, "p99": 1000}, "mach", {}, "tsc")]
        self.assertEqual(regress.compare(rpc, rpc, exact=False).compared, 1)
        moved = [dict(rpc[0], min=600, p99=2000)]
        self.assertFalse(regress.compare(rpc, moved, exact=False).failed)
        self.assertTrue(regress.compare(rpc, moved).failed)             # exact: min and p99
        fell = regress.compare(rpc, [dict(rpc[0], median=800)], exact=False)
        self.assertEqual((fell.failures, fell.notes),
                         ((), ("fell: mach rpc 8-clients median 900 -> 800 tsc (-11.1 %)",)))
        rose = regress.compare(rpc, [dict(rpc[0], median=1000)], exact=False)
        self.assertEqual(rose.failures, ("rose: mach rpc 8-clients median 900 -> 1000 tsc "
                                         "(+11.1 %)",))
        one = [dict(rpc[0], clients=1, case="1-client")]
        self.assertTrue(regress.compare(one, [dict(one[0], min=600)], exact=False).failed)

    def test_which_modes_are_exact(self):
        """ipclab's icount and footprint runs count exactly; the Linux guest (its minima move
        between boots), kvm and TCG time do not."""
        for mode, exact in (("icount", True), ("footprint", True), ("linux-icount", False),
                            ("e1000-icount", False), ("kvm", False), ("iso-real", False),
                            ("tcg", False), ("host", False), (None, False)):
            with self.subTest(mode=mode):
                self.assertEqual(regress.is_exact(mode), exact)

    def test_zero_baseline(self):
        """From 0 any change fails, shown as +inf % (or -inf %)."""
        base = [runs.complete({"bench": "b", "median": 0}, "l4", {}, "tsc")]
        comparison = regress.compare(base, [dict(base[0], median=1)])
        self.assertEqual(comparison.failures, ("rose: l4 b b median 0 -> 1 tsc (+inf %)",))
        self.assertTrue(regress.compare(base, [dict(base[0], median=-1)]).failed)
        self.assertFalse(regress.compare(base, [dict(base[0], median=-1)], exact=False).failed)

    def test_qemu_note(self):
        """Different QEMU versions are said; the same version says nothing."""
        self.assertIsNone(regress.qemu_note({"qemu": "7.2.22"}, {"qemu": "7.2.22"}))
        self.assertEqual(regress.qemu_note({"qemu": "7.2.22"}, {"qemu": "8.2.2"}),
                         "the baseline comes from QEMU 7.2.22, the run from QEMU 8.2.2: a move "
                         "may be QEMU's own (compared all the same)")


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
        self.assertNotIn("reason", baseline.meta)
        status, lines = self.regress()
        self.assertEqual(status, 0)
        self.assertTrue(lines[-1].endswith("8 metrics compared with "
                                           f"{self.root / runs.BASELINE} (exact counts: a "
                                           "move either way beyond 1 % fails): nothing moved "
                                           "by more than 1 %"), lines)

    def test_lowered_baseline_fails(self):
        """The done-when check: a baseline value 5 % lower makes regress exit 1 naming it."""
        self.write_baseline(lowered(results(), "mach", "pingpong", "min", 5))
        status, lines = self.regress(str(self.root / self.run_path))
        self.assertEqual(status, 1)
        self.assertIn(f"regress: rose: mach pingpong {CASE} min 656 -> 690 instructions "
                      "(+5.2 %)", lines)
        self.assertTrue(lines[-1].endswith(": 1 failure"), lines[-1])

    def test_fall_fails_and_says_how_to_re_record(self):
        """An icount run below the baseline exits 1, says fell, and how to re-record."""
        raised = copy.deepcopy(results())
        raised[3]["median"] = 800
        self.write_baseline(raised)
        status, lines = self.regress()
        self.assertEqual(status, 1)
        self.assertIn(f"regress: fell: mach pingpong {CASE} median 800 -> 700 instructions "
                      "(-12.5 %)", lines)
        self.assertIn(f"regress: {regress.UPDATE_HINT}", lines)
        self.assertIn("--update --reason", regress.UPDATE_HINT)

    def test_timed_run_keeps_rises_only(self):
        """A kvm run below a kvm baseline passes with a note: its clock jitters."""
        raised = copy.deepcopy(results())
        raised[3]["median"] = 800
        self.write_baseline(raised, mode="kvm")
        kvm = self.store_run(results(), mode="kvm")
        status, lines = self.regress(str(self.root / kvm))
        self.assertEqual(status, 0, lines)
        self.assertIn(f"regress: note: fell: mach pingpong {CASE} median 800 -> 700 "
                      "instructions (-12.5 %)", lines)
        self.assertIn("(not exact: a rise beyond 1 % fails): nothing rose", lines[-1])

    def test_other_qemu_is_said_and_still_compared(self):
        """A baseline from another QEMU version: a note, and the comparison still fails."""
        self.write_baseline(lowered(results(), "l4", "pingpong", "median", 5), qemu="8.2.2")
        status, lines = self.regress()
        self.assertEqual(status, 1)
        self.assertIn("regress: note: the baseline comes from QEMU 8.2.2, the run from QEMU "
                      "7.2.22: a move may be QEMU's own (compared all the same)", lines)
        self.write_baseline(results())
        self.assertEqual([line for line in self.regress()[1] if "comes from QEMU" in line], [])

    def test_qemu_10_with_the_same_counts_passes_with_the_note(self):
        """Baseline and run from different QEMUs (10.0.2, 7.2.22) with the same counts:
        the note, then every metric compared and nothing moved (CI's QEMU 10 step)."""
        self.write_baseline(results(), qemu="10.0.2")
        status, lines = self.regress()
        self.assertEqual(status, 0, lines)
        self.assertIn("regress: note: the baseline comes from QEMU 10.0.2, the run from QEMU "
                      "7.2.22: a move may be QEMU's own (compared all the same)", lines)
        self.assertIn("nothing moved by more than 1 %", lines[-1])

    def test_some_presets_only(self):
        """--configs l4: a run of l4 alone is compared with l4's part of the baseline;
        an unknown preset and --update with it are refused in one line."""
        self.write_baseline(results())
        l4 = [row for row in results() if row["variant"] == "l4"]
        path = str(self.root / self.store_run(l4))
        self.assertEqual(self.regress(path)[0], 1)       # mach's metrics are missing
        status, lines = self.regress(path, "--configs", "l4")
        self.assertEqual(status, 0, lines)
        self.assertIn("regress: note: only l4 of the baseline's 2 presets are compared "
                      "(--configs)", lines)
        self.assertIn(": 4 metrics compared with", lines[-1])
        path = str(self.root / self.store_run(lowered(l4, "l4", "pingpong", "median", 5),
                                              date="06:00:00"))
        self.assertEqual(self.regress(path, "--configs", "l4")[0], 1)
        status, lines = self.regress("--configs", "l4,x86")
        self.assertEqual((status, lines), (2, ["harness: unknown preset 'x86'; the baseline's "
                                               "presets are: l4, mach"]))
        self.assertEqual(self.regress("--configs", "l4", "--update")[0], 2)

    def test_other_cpu_is_said(self):
        """A baseline from another CPU: a note; the same CPU says nothing."""
        info = HostInfo("box", "Other CPU", "7.2.22", "abc", False)
        runs.write_run(self.root / runs.BASELINE, Run(
            runs.make_meta(info, "icount", results(), "2025-03-04T05:06:07+00:00"), results()))
        status, lines = self.regress()
        self.assertEqual(status, 0)
        self.assertIn("regress: note: the baseline was measured on Other CPU, the run on cpu: "
                      "multi-client minima have differed between hosts at one commit "
                      "(compared all the same)", lines)
        self.write_baseline(results())
        self.assertEqual([line for line in self.regress()[1] if "measured on" in line], [])

    def test_reason_is_kept_and_shown(self):
        """--update --reason stores why; later comparisons show it; --reason alone is refused."""
        self.assertEqual(self.regress("--reason", "why")[0], 2)
        status, lines = self.regress("--update", "--reason", "mach: one copy less per send")
        self.assertEqual(status, 0, lines)
        baseline = runs.load_run(self.root / runs.BASELINE)
        self.assertEqual(baseline.meta["reason"], "mach: one copy less per send")
        lines = self.regress()[1]
        self.assertIn(f"regress: note: the baseline was recorded from {self.run_path.name} "
                      "because: mach: one copy less per send", lines)

    def store_run(self, rows, mode="icount", qemu="7.2.22", date="05:06:08"):
        """Store a run of rows; its path."""
        info = HostInfo("box", "cpu", qemu, "abc", False)
        return runs.store_run(self.root, Run(
            runs.make_meta(info, mode, rows, f"2025-03-04T{date}+00:00"), rows))

    def write_baseline(self, rows, mode="icount", qemu="7.2.22"):
        """Write the baseline from rows."""
        info = HostInfo("box", "cpu", qemu, "abc", False)
        runs.write_run(self.root / runs.BASELINE, Run(
            runs.make_meta(info, mode, rows, "2025-03-04T05:06:07+00:00"), rows))


if __name__ == "__main__":
    unittest.main()
