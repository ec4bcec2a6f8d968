"""Tests of the cycle model set beside real cycles of the same commit (harness.report's
"Model against real cycles", harness.plugin.validation's table), on small synthetic runs."""

import shutil
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

from harness import report, runs
from harness.__main__ import main
from harness.plugin import cycles, validation
from harness.runs import Run, complete

SKYLAKE_CPU = "Intel(R) Core(TM) i7-6700K CPU @ 4.00GHz"
ZEN3_CPU = "AMD Ryzen 9 5950X 16-Core Processor"

# (preset, bench, case): real TSC median, model warm, model cold.
FIGURES = {("l4", "null_syscall", "null"): (200, 180, 8000),
           ("l4", "pingpong", "roundtrip/other-space/0B"): (1000, 1100, 20000),
           ("mach", "pingpong", "roundtrip/other-space/0B"): (2000, 1700, 30000)}


def meta(mode, commit, date, **more):
    """A run's metadata as the harness writes it."""
    accel = {"kvm": "kvm", runs.REAL_MODE: "none"}.get(mode, "tcg")
    return {"date": date, "host": "box", "cpu": SKYLAKE_CPU, "mode": mode,
            "unit": runs.qemu.time_unit(mode), "qemu": "7.2.22", "commit": commit,
            "dirty": False, "accel": accel, **more}


def real_run(mode="kvm", commit="c0ffee", date="2026-01-02T03:00:00+00:00", **more):
    """A run of real TSC figures (kvm, or an ingested real PC's log)."""
    results = [complete({"bench": b, "case": c, "unit": "tsc", "median": real}, p, {}, "tsc")
               for (p, b, c), (real, _, _) in FIGURES.items()]
    return Run(meta(mode, commit, date, **more), results)


def cycles_run(commit="c0ffee", date="2026-01-02T04:00:00+00:00", profile="skylake"):
    """A cycles run: instructions, and the model's warm and cold cycles of each case."""
    results = [complete({"bench": b, "case": c, "median": 100, "model_cycles_warm": warm,
                         "model_cycles_cold": cold, "model_profile": profile},
                        p, {}, "instructions")
               for (p, b, c), (_, warm, cold) in FIGURES.items()]
    return Run(meta("cycles", commit, date), results)


def section(*named):
    """The report's section for these (file name, run) pairs."""
    sources = report.sort_sources(list(named), ["l4", "mach"])
    return "\n".join(report.section_model_real(sources))


class PairTest(unittest.TestCase):
    """Which runs are paired: a real CPU's and the model's, of one clean commit."""

    def test_same_commit_is_paired(self):
        """A kvm run on hardware virtualization and a cycles run of its commit."""
        real, model = real_run(), cycles_run()
        pairs = report.model_real_pairs([model, real])
        self.assertEqual([(p.commit, p.real, p.model, p.profile) for p in pairs],
                         [("c0ffee", real, model, "skylake")])

    def test_other_commits_are_not_paired(self):
        """A real run and a cycles run of two commits are no pair."""
        self.assertEqual(report.model_real_pairs([real_run(commit="aaa"),
                                                  cycles_run(commit="bbb")]), [])

    def test_a_fallback_to_tcg_is_not_real(self):
        """`--mode kvm` without hardware virtualization stores an icount run on TCG, and a
        kvm run whose accelerator was TCG is no real CPU's clock either."""
        fallback = real_run("icount", notes=["kvm unavailable: no /dev/kvm; using icount "
                                             "(TCG) instead"])
        on_tcg = real_run("kvm", accel="tcg")
        for run in (fallback, on_tcg):
            with self.subTest(meta=run.meta):
                self.assertIsNone(report.real_source(run.meta))
                self.assertEqual(report.model_real_pairs([run, cycles_run()]), [])

    def test_ingested_log_from_a_virtual_machine_is_not_real(self):
        """An ingested log is a real PC's unless its CPU said it ran under a hypervisor."""
        pc = real_run(runs.REAL_MODE, hypervisor=False)
        vm = real_run(runs.REAL_MODE, hypervisor=True)
        self.assertEqual(len(report.model_real_pairs([pc, cycles_run()])), 1)
        self.assertEqual(report.model_real_pairs([vm, cycles_run()]), [])

    def test_uncommitted_changes_are_not_paired(self):
        """A run of a tree with changes is not the commit it names."""
        dirty = cycles_run()
        dirty.meta["dirty"] = True
        self.assertEqual(report.model_real_pairs([real_run(), dirty]), [])

    def test_newest_of_each_kind_per_commit(self):
        """Per commit the newest real run and the newest cycles run of each profile."""
        newer = cycles_run(date="2026-01-03T00:00:00+00:00")
        zen2 = cycles_run(profile="zen2")
        pairs = report.model_real_pairs([cycles_run(), newer, zen2, real_run()])
        self.assertEqual([(p.model, p.profile) for p in pairs],
                         [(newer, "skylake"), (zen2, "zen2")])


class SectionTest(unittest.TestCase):
    """The report's section."""

    def test_table_with_ratios(self):
        """Real median with its unit and CPU, model warm and cold, and model / real."""
        text = section(("k.json", real_run()), ("c.json", cycles_run()))
        self.assertIn(f"### Commit c0ffee: kvm on {SKYLAKE_CPU} against model cycles "
                      "(profile skylake)", text)
        self.assertIn(f"Real: kvm with hardware virtualization, tsc, CPU {SKYLAKE_CPU}", text)
        self.assertIn("| `l4` | null_syscall null | 200 | 180 | 8000 | 0.90× | 40.00× |", text)
        self.assertIn("| `mach` | pingpong roundtrip/other-space/0B | 2000 | 1700 | 30000 | "
                      "0.85× | 15.00× |", text)
        self.assertIn("over these 3 cases: warm 0.85×–1.10×, cold 15.00×–40.00×", text)
        self.assertNotIn("indicative", text)

    def test_another_family_is_indicative(self):
        """A real Zen 3 against the skylake profile: the ratio is indicative only."""
        text = section(("k.json", real_run(cpu=ZEN3_CPU)), ("c.json", cycles_run()))
        self.assertIn(f"indicative only: the real CPU ({ZEN3_CPU}) is not of the family "
                      "profile skylake models", text)

    def test_no_pair_says_how_to_make_one(self):
        """Without a pair: one line, with the commands."""
        lines = report.section_model_real(report.sort_sources(
            [("c.json", cycles_run()), ("k.json", real_run(commit="other"))], ["l4", "mach"]))
        self.assertEqual(lines[:2], ["## Model against real cycles", ""])
        self.assertEqual(len(lines), 3)
        self.assertIn("python3 -m harness run --config l4 --mode kvm", lines[2])
        self.assertIn("python3 -m harness ingest <serial log>", lines[2])

    def test_the_profiles_families(self):
        """Each profile names real CPUs of its own family only."""
        self.assertTrue(cycles.models_cpu("skylake", SKYLAKE_CPU))
        self.assertFalse(cycles.models_cpu("skylake", ZEN3_CPU))
        self.assertTrue(cycles.models_cpu("zen2", "AMD Ryzen 7 3800X 8-Core Processor"))
        self.assertFalse(cycles.models_cpu("zen2", ZEN3_CPU))
        self.assertFalse(cycles.models_cpu("unknown-profile", SKYLAKE_CPU))


class StoredTest(unittest.TestCase):
    """Pairs found among stored runs: compare's default choice, the validation table."""

    def setUp(self):
        self.root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.root)
        (self.root / "configs").mkdir()
        for name, text in (("l4", "IPC := sync\n"), ("mach", "IPC := async\n")):
            (self.root / "configs" / f"{name}.mk").write_text(text, encoding="utf-8")

    def store(self, name, run):
        """Write a run under results/runs/ with this file name."""
        runs.write_run(self.root / runs.RUNS_DIR / name, run)
        return self.root / runs.RUNS_DIR / name

    def test_compare_reads_an_older_pair(self):
        """The newest cycles run is of another commit: compare also reads the cycles run
        of the kvm run's commit, lists it, and says how to read the same runs again."""
        self.store("20260102-030000-box-kvm.json", real_run())
        older = self.store("20260102-040000-box-cycles.json", cycles_run())
        self.store("20260105-000000-box-cycles.json",
                   cycles_run("d00d", "2026-01-05T00:00:00+00:00"))
        chosen = report.default_runs(self.root, ["l4", "mach"])
        self.assertEqual(report.default_pairs(self.root, chosen), [older])
        with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
            self.assertEqual(main(["--root", str(self.root), "compare"]), 0)
        text = (self.root / report.REPORT).read_text(encoding="utf-8")
        self.assertIn("| `l4` | null_syscall null | 200 | 180 | 8000 | 0.90× | 40.00× |", text)
        self.assertIn("--pair-runs results/runs/20260102-040000-box-cycles.json", text)

    def test_validation_table(self):
        """docs/cycles.md's part: the pair's table, or one line when none is stored."""
        self.store("20260102-040000-box-cycles.json", cycles_run())
        self.assertIn("no stored pair yet", validation.real_tables(self.root)[0])
        self.store("20260102-030000-box-kvm.json", real_run())
        text = "\n".join(validation.real_tables(self.root))
        self.assertIn("`20260102-030000-box-kvm.json`", text)
        self.assertIn("| `l4` | pingpong roundtrip/other-space/0B | 1000 | 1100 | 20000 | "
                      "1.10× | 20.00× |", text)


if __name__ == "__main__":
    unittest.main()
