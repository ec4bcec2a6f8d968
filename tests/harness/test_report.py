"""Tests of harness.report: presets and their axes, run choice, ratios, markdown, the report."""

import json
import shutil
import tempfile
import unittest
import unittest.mock
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

from harness import report, runs
from harness.__main__ import main
from harness.runs import Run, complete
from tests.harness.fakes import TREE

# The tree's presets as they were written: two roots and five that include one.
CONFIGS = {
    "l4": "# L4-style\nIPC := sync\nDIRECT_SWITCH := y\nSCHED_QUEUES := lazy\nTIMEOUTS := flag\n",
    "l4-nods": "# no direct switch\ninclude configs/l4.mk\nDIRECT_SWITCH := n\n",
    "l4-eager": "include configs/l4.mk\nSCHED_QUEUES := eager\n",
    "l4-benno": "include configs/l4.mk\nSCHED_QUEUES := benno\n",
    "l4-ticks": "include configs/l4.mk\nTIMEOUTS := ticks\n",
    "mach": "IPC := async\nDIRECT_SWITCH := n\nSCHED_QUEUES := eager\nTIMEOUTS := ticks\n",
    "mach-ds": "include configs/mach.mk\nDIRECT_SWITCH := y\n",
}


def result(variant, bench, case, median, unit="instructions", **more):
    """A completed result line."""
    return complete({"bench": bench, "case": case, "unit": unit, "median": median, **more},
                    variant, {}, unit)


def rpc_result(variant, clients, per_call, unit="instructions"):
    """An rpc result as the guest prints it: response times, calls over the
    interval, throughput and fairness."""
    calls = 1000 * clients
    return result(variant, "rpc", f"{clients}-client{'s' if clients > 1 else ''}",
                  per_call * clients, unit, clients=clients, calls=calls,
                  elapsed=calls * per_call, ops_per_mi=round(1e6 / per_call, 1),
                  fairness=1.0, per_client=[1000] * clients, p99=per_call * clients,
                  p999=per_call * clients)


def boot(variant, scale, unit="instructions"):
    """One preset's results: the floor, ping-pong at three sizes, RPC and notify."""
    return [result(variant, "null_syscall", "null", 70, unit),
            result(variant, "space_switch", "syscall+2switches", 110, unit),
            result(variant, "floor", "roundtrip", 180, unit),
            *(result(variant, "pingpong", f"roundtrip/other-space/{n}B", scale * (200 + n), unit,
                     bytes=n) for n in (0, 8, 64)),
            result(variant, "pingpong", "oneway-call/other-space/0B", scale * 100, unit),
            rpc_result(variant, 1, scale * 190, unit),
            result(variant, "notify", "notify-to-wakeup", 270, unit)]


def timing_run(mode="icount", presets=None, date="2026-01-02T03:04:05+00:00", host="box"):
    """A timing run of these presets: mach-like presets cost four times as much."""
    presets = presets or ["l4", "l4-nods", "mach"]
    results = [r for p in presets for r in boot(p, 4 if p.startswith("mach") else 1,
                                                runs.qemu.time_unit(mode))]
    return Run({"date": date, "host": host, "cpu": "Test CPU", "mode": mode,
                "unit": runs.qemu.time_unit(mode), "commit": "abc123", "dirty": False},
               results)


def footprint_record(label, lines, pages):
    """A footprint plugin record of one region, split evenly between kernel and user."""
    return {"label": label, "occurrences": 100,
            "last": {"kernel_lines": lines - 10, "user_lines": 10,
                     "kernel_pages": pages - 5, "user_pages": 5}}


def footprint_run(presets=("l4", "mach"), date="2026-01-02T03:05:00+00:00"):
    """A footprint run: mach touches twice the lines of l4."""
    footprint = {p: {"1": footprint_record("pingpong roundtrip/other-space/0B",
                                           100 if p.startswith("mach") else 50, 20)}
                 for p in presets}
    return Run({"date": date, "host": "box", "mode": "footprint", "commit": "abc123"},
               [r for p in presets for r in boot(p, 1)], footprint)


def linux_run(mode="linux-icount", unit="instructions"):
    """A baseline run: Linux's transports, no preset."""
    return Run({"date": "2026-01-02T03:06:00+00:00", "host": "box", "mode": mode, "unit": unit},
               [result("linux", "pipe", "roundtrip/same-cpu/8B", 13000, unit),
                result("linux", "eventfd", "roundtrip/same-cpu/8B", 10400, unit)])


def guest_run():
    """A Linux guest run: one boot with mitigations=off, one with the default."""
    results = [result(f"linux-mitigations-{m}", bench, "roundtrip/same-cpu/8B", cost,
                      axes={"mode": "icount", "mitigations": m}, meltdown="Not affected",
                      spectre_v2="Vulnerable" if m == "off" else "Mitigation: Retpolines")
               for m, scale in (("off", 1), ("default", 2))
               for bench, cost in (("pipe", 13000 * scale), ("eventfd", 10400 * scale))]
    return Run({"date": "2026-01-02T03:06:00+00:00", "host": "box", "mode": "linux-icount",
                "unit": "instructions"}, results)


def driver_run(mode="e1000-icount", date="2026-01-02T03:07:00+00:00"):
    """An e1000 driver run: the user-level driver costs 10 more per frame, 100 one at a time."""
    results = []
    for p in ("l4", "mach"):
        for d, extra in (("user", 10), ("kernel", 0)):
            for n in (64, 1500):
                cost = n + 300 + extra
                results.append(result(p, "e1000", f"{d}/{n}B", 100, driver=d, frame_bytes=n,
                                      batch=32, instructions_per_frame=cost,
                                      frames_per_s=round(1e9 / cost)))
            cost = 700 + 10 * extra
            results.append(result(p, "e1000", f"{d}/64B/batch1", 100, driver=d, frame_bytes=64,
                                  batch=1, instructions_per_frame=cost,
                                  frames_per_s=round(1e9 / cost)))
    return Run({"date": date, "host": "box", "mode": mode, "unit": "instructions",
                "traffic": "loop"}, results)


class PresetTest(unittest.TestCase):
    """Config files, includes and the pairs of presets that differ in one axis."""

    def setUp(self):
        self.presets = report.resolve_presets(CONFIGS)

    def test_parse_config(self):
        """Includes by name; assignments with comments dropped."""
        includes, axes = report.parse_config("# x := y\ninclude configs/l4.mk\nA := 1 # c\n")
        self.assertEqual((includes, axes), (["l4"], {"A": "1"}))

    def test_includes_are_followed(self):
        """An including preset has its parent's axes, its own override them."""
        nods = self.presets["l4-nods"]
        self.assertEqual(nods.axes, {"IPC": "sync", "DIRECT_SWITCH": "n",
                                     "SCHED_QUEUES": "lazy", "TIMEOUTS": "flag"})
        self.assertEqual(nods.includes, ("l4",))
        self.assertEqual(self.presets["l4"].includes, ())

    def test_defaults_fill_axes_a_preset_leaves_out(self):
        """axes.mk's default fills an axis only some presets set; else "unset"."""
        texts = {**CONFIGS, "l4-stats": "include configs/l4.mk\nFASTPATH_STATS := y\n"}
        defaults = {"FASTPATH_STATS": "n"}
        presets = report.resolve_presets(texts, defaults)
        self.assertEqual(presets["l4"].axes["FASTPATH_STATS"], "n")
        self.assertNotIn("CONFIG", presets["l4"].axes)
        self.assertEqual(report.resolve_presets(texts)["mach"].axes["FASTPATH_STATS"], "unset")
        stats = [iso for iso in report.isolations(presets) if iso.axis == "FASTPATH_STATS"]
        self.assertEqual([iso.presets for iso in stats], [("l4", "l4-stats")])

    def test_bad_includes(self):
        """A loop or a missing file is a ValueError naming it."""
        with self.assertRaisesRegex(ValueError, "includes itself"):
            report.resolve_presets({"a": "include configs/b.mk\n", "b": "include configs/a.mk\n"})
        with self.assertRaisesRegex(ValueError, "nope.mk, which does not exist"):
            report.resolve_presets({"a": "include configs/nope.mk\n"})

    def test_isolations(self):
        """Every group equal in all axes but one, the included preset first."""
        found = [(iso.axis, iso.presets, iso.values) for iso in report.isolations(self.presets)]
        self.assertEqual(found, [
            ("DIRECT_SWITCH", ("l4", "l4-nods"), ("y", "n")),
            ("DIRECT_SWITCH", ("mach", "mach-ds"), ("n", "y")),
            ("SCHED_QUEUES", ("l4", "l4-benno", "l4-eager"), ("lazy", "benno", "eager")),
            ("TIMEOUTS", ("l4", "l4-ticks"), ("flag", "ticks"))])

    def test_nearest_pairs_for_an_axis_without_isolation(self):
        """IPC varies in no single-axis pair: the pairs differing in fewest axes stand in."""
        found = [(iso.presets, iso.also)
                 for iso in report.nearest_pairs(self.presets, ["DIRECT_SWITCH", "SCHED_QUEUES",
                                                                "TIMEOUTS"])]
        self.assertEqual(found, [(("l4-eager", "mach-ds"), ("TIMEOUTS",)),
                                 (("l4-ticks", "mach-ds"), ("SCHED_QUEUES",))])

    def test_models(self):
        """The roots are the models; l4 and mach differ in four axes."""
        self.assertEqual(report.model_presets(self.presets),
                         {"l4": "L4-style", "mach": "Mach-style"})
        self.assertEqual(report.differing_axes(self.presets["l4"], self.presets["mach"]),
                         ("IPC", "DIRECT_SWITCH", "SCHED_QUEUES", "TIMEOUTS"))

    def test_the_trees_own_presets(self):
        """configs/*.mk of this tree: l4 and l4-nods isolate direct switch."""
        presets = report.read_presets(TREE)
        pairs = [iso.presets for iso in report.isolations(presets) if iso.axis == "DIRECT_SWITCH"]
        self.assertIn(("l4", "l4-nods"), pairs)


class ArithmeticTest(unittest.TestCase):
    """Ratios, differences, slopes and sizes."""

    def test_ratio(self):
        """A quotient, or None without both numbers or with a zero denominator."""
        self.assertEqual(report.ratio(880, 220), 4.0)
        self.assertIsNone(report.ratio(None, 220))
        self.assertIsNone(report.ratio(880, 0))
        self.assertEqual(report.fmt_ratio(4.0), "4.00×")
        self.assertEqual(report.fmt_ratio(None), "-")

    def test_delta(self):
        """`value (+diff, ratio×)` beside a base."""
        self.assertEqual(report.fmt_delta(452, 217), "452 (+235, 2.08×)")
        self.assertEqual(report.fmt_delta(213, 217), "213 (−4, 0.98×)")
        self.assertEqual(report.fmt_delta(213, None), "213")
        self.assertEqual(report.fmt_delta(None, 217), "-")
        self.assertEqual([report.signed(v) for v in (3, -2, 0)], ["+3", "−2", "±0"])

    def test_slope_and_sizes(self):
        """Least-squares slope; sizes parsed from case names."""
        self.assertAlmostEqual(report.slope([(0, 880), (8, 884), (64, 912)]), 0.5)
        self.assertIsNone(report.slope([(8, 1), (8, 2)]))
        self.assertEqual(report.sized_case("roundtrip/other-space/64B"),
                         ("roundtrip/other-space", 64))
        self.assertIsNone(report.sized_case("1-client"))

    def test_values_of_a_run(self):
        """Values by preset and case; the floor; footprint lines and pages."""
        run = timing_run()
        self.assertEqual(report.value_of(run, "mach", "pingpong", "roundtrip/other-space/8B",
                                         "median"), 832)
        self.assertIsNone(report.value_of(run, "l4-eager", "rpc", "1-client", "median"))
        self.assertEqual(report.floor_value(run, "l4", "median"), 180)
        records = report.footprint_records([footprint_run()])
        self.assertEqual(report.footprint_value(records, "mach", "pingpong",
                                                "roundtrip/other-space/0B", "lines"), 100)
        self.assertEqual(report.footprint_value(records, "l4", "pingpong",
                                                "roundtrip/other-space/0B", "pages"), 20)
        self.assertIsNone(report.footprint_value(records, "l4", "rpc", "1-client", "lines"))

    def test_newer_footprint_runs_win(self):
        """A preset's newest footprint run holds its records; regions in numeric order."""
        old, new = footprint_run(date="2026-01-01T00:00:00+00:00"), footprint_run(("l4",))
        new.footprint["l4"]["1"]["last"]["user_lines"] = 30
        new.footprint["l4"]["10"] = footprint_record("notify notify-to-wakeup", 40, 10)
        new.footprint["l4"]["2"] = footprint_record("rpc 1-client", 40, 10)
        records = report.footprint_records([new, old])
        self.assertEqual(report.footprint_value(records, "l4", "pingpong",
                                                "roundtrip/other-space/0B", "lines"), 70)
        self.assertEqual(list(records["l4"]), ["pingpong roundtrip/other-space/0B",
                                               "rpc 1-client", "notify notify-to-wakeup"])
        self.assertIn("mach", records)


class MarkdownTest(unittest.TestCase):
    """Markdown tables."""

    def test_table(self):
        """Header, alignment row (left columns, then right), rows; pipes escaped."""
        self.assertEqual(report.md_table(["case", "l4", "mach"], [["a|b", "1", "2"]]),
                         ["| case | l4 | mach |", "| --- | ---: | ---: |",
                          "| a\\|b | 1 | 2 |"])
        self.assertEqual(report.md_table(["a", "b"], [], left=2)[1], "| --- | --- |")


class ChoiceTest(unittest.TestCase):
    """Which stored runs compare takes by default."""

    def setUp(self):
        self.root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.root)

    def store(self, name, run):
        """Write a run under results/runs/ with this file name."""
        runs.write_run(self.root / runs.RUNS_DIR / name, run)
        return runs.RUNS_DIR / name

    def test_default_runs(self):
        """The newest complete icount run, footprints per preset, a baseline per mode."""
        presets = ["l4", "l4-nods", "mach"]
        complete_run = self.store("20260101-000000-box-icount.json", timing_run())
        self.store("20260101-000100-box-icount.json", timing_run(presets=["l4"]))
        older_fp = self.store("20260101-000200-box-footprint.json", footprint_run(("l4-nods",)))
        newer_fp = self.store("20260101-000300-box-footprint.json", footprint_run())
        self.store("20260101-000350-box-footprint.json", footprint_run(("l4",)))
        linux = self.store("20260101-000400-box-linux-icount.json", linux_run())
        host = self.store("20260101-000500-box-host.json", linux_run("host", "tsc"))
        self.store("20260101-000550-box-e1000-icount.json", driver_run())
        e1000 = self.store("20260101-000600-box-e1000-icount.json", driver_run())
        found = [p.relative_to(self.root) for p in report.default_runs(self.root, presets)]
        newest_fp = runs.RUNS_DIR / "20260101-000350-box-footprint.json"
        self.assertEqual(found, [complete_run, newest_fp, newer_fp, older_fp, host, linux, e1000])

    def test_sources_sort_runs_by_kind(self):
        """Timing runs by mode, footprint runs newest first, baselines apart."""
        named = [("a", linux_run()), ("b", footprint_run()), ("c", timing_run("kvm")),
                 ("e", driver_run()), ("d", timing_run("icount"))]
        sources = report.sort_sources(named, ["l4", "mach"])
        self.assertEqual([r.meta["mode"] for r in sources.timing], ["icount", "kvm"])
        self.assertEqual([sources.name(r) for r in sources.drivers], ["e"])
        self.assertEqual([sources.name(r) for r in sources.all()], ["d", "c", "b", "a", "e"])


LADDER_CONFIGS = {**CONFIGS,
                  "mach-split": "include configs/mach.mk\nASYNC_RPC := split\n",
                  "mach-fast": "include configs/mach-ds.mk\nASYNC_FASTPATH := y\n",
                  "mach-fast-lazy": "include configs/mach-fast.mk\nSCHED_QUEUES := lazy\n"}


LADDER_DEFAULTS = {"ASYNC_RPC": "combined", "ASYNC_FASTPATH": "n"}


def ladder_run():
    """An icount run of the ladder: round trips 1100, 1000, 900, 600, 500 and l4's 250."""
    scale = {"mach-split": 5.5, "mach": 5, "mach-ds": 4.5, "mach-fast": 3, "mach-fast-lazy": 2.5, "l4": 1.25}
    results = [result(p, "pingpong", "roundtrip/other-space/0B", 200 * k) for p, k in scale.items()]
    results += [rpc_result(p, n, 100 * k) for p, k in scale.items() for n in (1, 8)]
    return Run({"date": "2026-01-02T03:04:05+00:00", "host": "box", "mode": "icount",
                "unit": "instructions"}, results)


def profile_rows(*rows):
    """Profile rows as harness.profile makes them."""
    from harness.profile import Row
    return [Row(*row) for row in rows]


class LadderTest(unittest.TestCase):
    """From Mach to L4: the ladder's table, the goal and what remains."""

    def setUp(self):
        self.presets = report.resolve_presets(LADDER_CONFIGS, LADDER_DEFAULTS)
        self.sources = report.sort_sources([("results/runs/ladder.json", ladder_run())],
                                           list(self.presets))

    def section(self, profiles=None):
        return "\n".join(report.section_ladder(self.sources, self.presets, "median", profiles))

    def test_steps_savings_and_ratios(self):
        text = self.section()
        self.assertIn("| `mach-split` | start | 1100 | - | 4.40× |", text)
        self.assertIn("| `mach` | ASYNC_RPC=combined | 1000 | 100 | 4.00× |", text)
        self.assertIn("| `mach-ds` | DIRECT_SWITCH=y | 900 | 100 | 3.60× |", text)
        self.assertIn("| `mach-fast` | ASYNC_FASTPATH=y | 600 | 300 | 2.40× |", text)
        self.assertIn("| `l4` | target | 250 | - | 1.00× |", text)
        self.assertIn("Best Mach-style preset: `mach-fast-lazy`, 500 against 250", text)
        self.assertIn("2.00×, the goal being at most 2.5× (met)", text)

    def test_goal_not_met_is_said(self):
        self.presets.pop("mach-fast-lazy")
        self.presets.pop("mach-fast")
        self.assertIn("(not met)", self.section())

    def test_remaining_by_cost_class(self):
        label = "pingpong roundtrip/other-space/0B"
        profiles = {"mach-fast-lazy": {label: profile_rows(("syscall_general", True, 40),
                                                           ("user_copy", True, 30),
                                                           ("sched_direct", True, 50),
                                                           ("bench_pingpong", False, 60))},
                    "l4": {label: profile_rows(("sync_fastpath_call", True, 60),
                                               ("bench_pingpong", False, 60))}}
        text = self.section(profiles)
        self.assertIn("| buffer copy | 30 | 0 | +30 |", text)
        self.assertIn("| scheduling and switch | 50 | 0 | +50 |", text)
        self.assertIn("| IPC checks and straight-line paths | 0 | 60 | −60 |", text)
        self.assertIn("| total | 180 | 120 | +60 |", text)

    def test_without_profiles_it_says_how_to_make_them(self):
        self.assertIn("harness.profile --config NAME", self.section({}))

    def test_mitigations_stay_off_the_ladder(self):
        """A preset that turns an axis that is no IPC design (KPTI, counters) is
        not a step, however its round trip falls; a model without a goal gets
        none: only the Mach-style ladder has issue 14's."""
        configs = {**LADDER_CONFIGS, "mach-kpti": "include configs/mach.mk\nKPTI := kpti\n"}
        presets = report.resolve_presets(configs, {**LADDER_DEFAULTS, "KPTI": "none"})
        self.assertNotIn("mach-kpti", report.ladder_members(presets, "mach"))
        self.assertIn("mach-fast-lazy", report.ladder_members(presets, "mach"))
        ladder, = report.ladders(ladder_run(), presets, "median")
        self.assertEqual(ladder.goal, 2.5)
        styles = {**report.MODEL_STYLES, "async": "Other-style"}
        with unittest.mock.patch.object(report, "MODEL_STYLES", styles):
            ladder, = report.ladders(ladder_run(), presets, "median")
        self.assertIsNone(ladder.goal)

    def test_without_the_ladder(self):
        sources = report.sort_sources([("results/runs/icount.json", timing_run(
            presets=["l4", "l4-nods"]))], list(self.presets))
        text = "\n".join(report.section_ladder(sources, self.presets, "median"))
        self.assertIn("No icount run with a ladder preset", text)


class ReportTest(unittest.TestCase):
    """The whole report from made-up runs."""

    def setUp(self):
        self.presets = report.resolve_presets(CONFIGS)
        named = [("results/runs/icount.json", timing_run()),
                 ("results/runs/footprint.json", footprint_run()),
                 ("results/runs/linux.json", linux_run())]
        self.sources = report.sort_sources(named, list(self.presets))
        self.text = report.build_report(self.sources, self.presets)

    def test_names_its_runs(self):
        """Every run is named, with the command that makes the report again."""
        self.assertIn("python3 -m harness compare --runs results/runs/icount.json "
                      "results/runs/footprint.json results/runs/linux.json", self.text)

    def test_model_ratios(self):
        """mach / l4 for every case and size; the model pair's differing axes are named."""
        self.assertIn("| pingpong | roundtrip/other-space/8B | 8 | 208 | 832 | 4.00× |", self.text)
        self.assertIn("`mach` (Mach-style, differing in 4 axes: IPC, DIRECT_SWITCH, "
                      "SCHED_QUEUES, TIMEOUTS)", self.text)
        self.assertIn("mach roundtrip/other-space 4.00", self.text)
        self.assertIn("| pingpong | roundtrip/other-space/0B | 50 | 100 | 2.00× | 20 | 20 | "
                      "1.00× |", self.text)

    def test_any_number_of_models(self):
        """A third model gets its column and its ratio to the base, named by its style."""
        presets = report.resolve_presets({**CONFIGS, "copy": "IPC := copy\n"})
        models = report.model_presets(presets, {"sync": "L4-style", "async": "Mach-style",
                                                "copy": "Copy-style"})
        self.assertEqual(report.model_order(models, "l4"), ["l4", "copy", "mach"])
        lines = report.section_models(self.sources, models, presets, "median", "l4")
        self.assertIn("### copy / l4, mach / l4: median instructions (icount, "
                      "`results/runs/icount.json`)", lines)
        self.assertIn("| pingpong | roundtrip/other-space/0B | 0 | 200 | - | 800 | - | 4.00× |",
                      lines)
        self.assertIn("`copy` (Copy-style", "\n".join(lines))

    def test_sizes(self):
        """Each preset's privileged lines against the goal."""
        sizes = report.Sizes("the tree at commit abc", {"l4": ("sync", 5100, 6000),
                                                        "mach": ("async", 4900, 5800)})
        text = report.build_report(self.sources, self.presets, sizes=sizes)
        self.assertIn("| `l4` | sync | 5100 | 6000 | no (+100) |", text)
        self.assertIn("| `mach` | async | 4900 | 5800 | yes |", text)

    def test_faults(self):
        """Each preset's fault round trip and pager fault beyond the map, over l4's
        round trip between spaces of the same run; presets without them are left out."""
        run = timing_run()
        run.results += [result("l4", "fault", "roundtrip/same-space", 300),
                        result("l4", "pagefault", "same-space/map-1-page", 1300),
                        result("l4", "pagefault", "no-fault/map-1-page", 1000),
                        result("mach", "fault", "roundtrip/same-space", 800)]
        text = "\n".join(report.section_faults(report.Sources(timing=[run]),
                                               report.model_presets(self.presets), "median"))
        self.assertIn("## Page faults through a pager", text)
        self.assertIn("`l4` round trip: 200", text)
        self.assertIn("| l4 | 300 | 1.50× | 300 | 1.50× |", text)
        self.assertIn("| mach | 800 | 4.00× | - | - |", text)
        self.assertNotIn("| l4-nods |", text)
        self.assertIn("## Page faults through a pager", self.text)

    def test_techniques(self):
        """Isolated pairs with differences; presets a run lacks show `-`."""
        self.assertIn("### Direct process switch on/off: DIRECT_SWITCH y (`l4`) vs n (`l4-nods`)",
                      self.text)
        self.assertIn("| pingpong roundtrip/other-space/0B | instructions (icount) | 200 | "
                      "200 (+0, 1.00×) |", self.text)
        self.assertIn("| rpc 1-client (per call: interval / calls) | instructions (icount) | 190 | - | - |",
                      self.text)

    def test_techniques_in_model_cycles(self):
        """A cycles run adds the model's warm and cold cycles as measures of each
        technique (its instructions are the icount run's); a case the model did
        not measure (rpc) has no row, never its instructions under a cycles label."""
        cycles = timing_run("cycles")
        for r in cycles.results:
            if r["bench"] != "rpc":
                r.update(model_cycles_warm=3 * r["median"], model_cycles_cold=30 * r["median"],
                         model_profile="skylake")
        sources = report.sort_sources([("i", timing_run()), ("c", cycles)], list(self.presets))
        text = "\n".join(report.section_techniques(sources, self.presets, "median"))
        self.assertIn("| pingpong roundtrip/other-space/0B | model cycles (profile skylake), "
                      "warm (cycles) | 600 | 600 (+0, 1.00×) |", text)
        self.assertIn("| pingpong roundtrip/other-space/0B | model cycles (profile skylake), "
                      "cold (cycles) | 6000 | 6000 (+0, 1.00×) |", text)
        self.assertNotIn("| rpc 1-client (per call: interval / calls) | model cycles", text)
        self.assertNotIn("instructions (cycles)", text)

    def test_tables_carry_the_floor(self):
        """Each benchmark table ends with the floor row; cells show × floor."""
        self.assertIn("| roundtrip/other-space/0B | 200 (1.11× floor) | 200 (1.11× floor) | "
                      "800 (4.44× floor) |", self.text)
        self.assertIn("| floor | 180 | 180 | 180 |", self.text)

    def test_baselines_compared_only_in_one_unit(self):
        """Linux in instructions is divided by icount figures; TSC ticks are not."""
        self.assertIn("| eventfd | 10400 | 50.00× | 50.00× | 12.50× |", self.text)
        tsc = report.sort_sources([("i", timing_run()), ("h", linux_run("host", "tsc"))],
                                  list(self.presets))
        self.assertIn("these figures are not divided by ipclab's",
                      report.build_report(tsc, self.presets))

    def test_guest_says_its_mitigations(self):
        """Each Linux guest table, ratio table and summary line says which mitigations."""
        sources = report.sort_sources([("i", timing_run()), ("g", guest_run())],
                                      list(self.presets))
        text = report.build_report(sources, self.presets)
        self.assertIn("### linux-mitigations-off (mitigations=off): mode linux-icount (`g`",
                      text)
        self.assertIn("### linux-mitigations-default (default mitigations): mode linux-icount",
                      text)
        self.assertIn("The guest's kernel reports Meltdown: Not affected; Spectre v2: "
                      "Vulnerable.", text)
        self.assertIn("Spectre v2: Mitigation: Retpolines.", text)
        self.assertIn("| linux-mitigations-off transport | Linux instructions |", text)
        self.assertIn("| linux-mitigations-default transport | Linux instructions |", text)
        self.assertIn("| eventfd | 20800 | 100.00× | 100.00× | 25.00× |", text)
        self.assertIn("- Linux (linux-icount, mitigations=off): its cheapest 8-byte round "
                      "trip, eventfd, is 10400 instructions, 50.00× `l4`'s (icount).", text)
        self.assertIn("- Linux (linux-icount, default mitigations): its cheapest 8-byte round "
                      "trip, eventfd, is 20800 instructions", text)
        self.assertIn("Linux's 8-byte round trip between two processes on one CPU, with "
                      "mitigations=off, as a multiple of", text)
        self.assertIn("Linux's 8-byte round trip between two processes on one CPU, with "
                      "default mitigations, as a multiple of", text)
        self.assertNotIn("- Linux (linux-icount): ", text)

    def test_an_unlabelled_guest_run_booted_with_the_default(self):
        """A Linux guest run from before the label: it booted without mitigations=off."""
        old = [dict(r, variant="linux-guest", axes={"mode": "icount"})
               for r in guest_run().results if r["axes"]["mitigations"] == "default"]
        self.assertEqual(report.baseline_label("linux-guest", old),
                         "linux-guest (default mitigations: booted without mitigations=off)")
        self.assertEqual(report.baseline_label("linux", linux_run().results), "linux")

    def test_a_guest_with_kpti_forced_says_so(self):
        """The Linux guest's third setting: the kernel's default plus pti=on."""
        forced = [dict(r, variant="linux-mitigations-pti",
                       axes={"mode": "cycles", "mitigations": "pti"})
                  for r in guest_run().results if r["axes"]["mitigations"] == "default"]
        self.assertEqual(report.baseline_label("linux-mitigations-pti", forced),
                         "linux-mitigations-pti (default mitigations and pti=on)")

    def test_paper_check(self):
        """The published figures with sources, ipclab's ratio beside them."""
        self.assertIn("Liedtke, “Improving IPC by Kernel Design”, SOSP 1993", self.text)
        self.assertIn("≈ 381–388 cycles", self.text)
        self.assertIn("section “What ipclab’s l4 does and does not do that seL4 does” lists",
                      self.text)
        self.assertIn("mach / l4, 8-byte round trip between two spaces: 4.00× "
                      "(instructions, icount)", self.text)
        self.assertIn("no cycle count: no kvm or iso-real run", self.text)

    def test_paper_check_with_cycles(self):
        """A kvm run gives the one-way figure in TSC ticks."""
        sources = report.sort_sources([("i", timing_run()), ("k", timing_run("kvm"))],
                                      list(self.presets))
        self.assertIn("; 100 TSC ticks (kvm)", report.build_report(sources, self.presets))


class DriverTest(unittest.TestCase):
    """The user-level driver against the in-kernel one."""

    def test_pairs(self):
        """One pair per preset, frame size and batch; batch1 cases apart."""
        pairs = report.driver_pairs(driver_run())
        self.assertEqual([(p.preset, p.frame_bytes, p.batch) for p in pairs],
                         [("l4", 64, "32"), ("l4", 1500, "32"), ("l4", 64, "1"),
                          ("mach", 64, "32"), ("mach", 1500, "32"), ("mach", 64, "1")])
        self.assertEqual((pairs[0].user_cost, pairs[0].kernel_cost, pairs[0].unit),
                         (374, 364, "instructions"))
        self.assertEqual((pairs[2].user_cost, pairs[2].kernel_cost), (800, 700))

    def test_echo_run(self):
        """Traffic echo: one pair per throttling setting, with the interrupts taken;
        the newest run of each traffic is reported."""
        results = [result("l4", "e1000", f"{d}/64B{suffix}", 100, driver=d, frame_bytes=64,
                          batch=32, itr=itr, interrupts=irqs, instructions_per_frame=400,
                          frames_per_s=1000, transport="doorbell" if d == "user" else "syscall")
                   for d in ("user", "kernel") for itr, suffix, irqs in ((0, "", 7), (200, "/itr200", 3))]
        echo = Run({"date": "2026-01-02T03:08:00+00:00", "host": "box", "mode": "e1000-icount",
                    "unit": "instructions", "traffic": "echo"}, results)
        pairs = report.driver_pairs(echo)
        self.assertEqual([(p.itr, p.user_irqs, p.kernel_irqs) for p in pairs],
                         [(0, 7, 7), (200, 3, 3)])
        text = "\n".join(report.section_drivers(report.Sources(drivers=[echo])))
        self.assertIn("| itr | interrupts user / kernel |", text)
        self.assertIn("| l4 (doorbell) | 64 | 32 | 400 | 400 | 1.00× |", text)
        self.assertIn("| 200 | 3 / 3 |", text)
        self.assertNotIn("interrupts user", "\n".join(
            report.section_drivers(report.Sources(drivers=[driver_run()]))))
        stored = [(Path("echo"), echo), (Path("loop"), driver_run()),
                  (Path("older"), driver_run(date="2026-01-01T00:00:00+00:00"))]
        self.assertEqual(report.newest_drivers(stored), [Path("echo"), Path("loop")])

    def test_section(self):
        """Ratios computed from the run; unit and the emulator's bound said."""
        presets = report.resolve_presets(CONFIGS)
        sources = report.sort_sources([("i", timing_run()), ("e", driver_run())], list(presets))
        text = report.build_report(sources, presets)
        self.assertIn("## User-level driver against in-kernel driver", text)
        self.assertIn("| l4 | 64 | 32 | 374 | 364 | 1.03× | 2673797 | 2747253 | 0.97× |", text)
        self.assertIn("| l4 | 64 | 1 | 800 | 700 | 1.14× |", text)
        self.assertIn("instructions", text)
        self.assertIn("the emulator bounds the rate", text)
        self.assertIn("frames per second of icount virtual time", text)
        self.assertIn("| user frames/virtual s | kernel frames/virtual s |", text)
        self.assertIn("moves 0.97× to 0.99× its frames per virtual second", text)
        self.assertIn("one frame at a time (64 B), 1.14× (100 more)", text)
        kvm = "\n".join(report.section_drivers(report.Sources(drivers=[driver_run("e1000-kvm")])))
        self.assertIn("| user frames/s | kernel frames/s |", kvm)
        self.assertIn("frames per second (kvm, real time)", kvm)
        self.assertNotIn("virtual", kvm)
        # The driver run is not a timing run: no ping-pong table of it.
        self.assertNotIn("e1000-icount (", text.split("## User-level")[0].split("## Runs")[0])
        self.assertIn("No e1000 driver run", "\n".join(report.section_drivers(report.Sources())))


class CommandTest(unittest.TestCase):
    """`harness compare` in a small tree of its own."""

    def test_compare_writes_the_report(self):
        """The report goes to results/REPORT.md and names the run it was made from."""
        root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, root)
        (root / "configs").mkdir()
        for name, text in CONFIGS.items():
            (root / "configs" / f"{name}.mk").write_text(text, encoding="utf-8")
        runs.write_run(root / runs.RUNS_DIR / "20260101-000000-box-icount.json", timing_run())
        out = StringIO()
        with redirect_stdout(out), redirect_stderr(StringIO()):
            status = main(["--root", str(root), "compare"])
        self.assertEqual(status, 0)
        self.assertIn("wrote results/REPORT.md", out.getvalue())
        text = (root / report.REPORT).read_text(encoding="utf-8")
        self.assertIn("`results/runs/20260101-000000-box-icount.json`", text)

    def test_compare_without_runs(self):
        """No stored run: exit 2 and say how to make one."""
        root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, root)
        (root / "configs").mkdir()
        err = StringIO()
        with redirect_stdout(StringIO()), redirect_stderr(err):
            self.assertEqual(main(["--root", str(root), "compare"]), 2)
        self.assertIn("no stored run", err.getvalue())

    def test_a_bad_run_file(self):
        """A file that is not a run: exit 2."""
        root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, root)
        (root / "configs").mkdir()
        bad = root / "bad.json"
        bad.write_text(json.dumps({"not": "a run"}), encoding="utf-8")
        with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
            self.assertEqual(main(["--root", str(root), "compare", "--runs", str(bad)]), 2)


if __name__ == "__main__":
    unittest.main()


class AsyncOnSyncTest(unittest.TestCase):
    """Kernel-buffered async (mach) against an async library over sync IPC (IPC_LIB)."""

    def setUp(self):
        configs = {**CONFIGS, "l4-async": "include configs/l4.mk\nIPC_LIB := asyncsync\n"}
        self.presets = report.resolve_presets(configs, {"IPC_LIB": "none"})
        run = timing_run(presets=["l4", "mach", "l4-async"])
        run.results.extend([result("mach", "send", "8-sends/other-space/8B", 1700, bytes=8),
                            result("l4", "send", "8-sends/other-space/8B", 4400, bytes=8),
                            result("l4-async", "send", "8-sends/other-space/8B", 1600, bytes=8)])
        self.sources = report.sort_sources([("results/runs/icount.json", run)],
                                           list(self.presets))

    def test_library_presets(self):
        """Only a preset with IPC_LIB set is a library; the rest are the kernel's own API."""
        self.assertEqual(report.library_presets(self.presets), ["l4-async"])

    def test_section(self):
        """The send cases first, then the key cases; the library's kernel stands beside."""
        text = "\n".join(report.section_async_on_sync(
            self.sources, report.model_presets(self.presets), self.presets, "median"))
        self.assertIn("| bench | case | mach | l4 | l4-async | l4-async / mach |", text)
        self.assertIn("| send | 8-sends/other-space/8B | 1700 | 4400 | 1600 | 0.94× |", text)
        self.assertIn("| pingpong | roundtrip/other-space/0B | 800 | 200 | 200 | 0.25× |", text)
        self.assertIn("the user library `asyncsync` over the kernel of `l4`", text)

    def test_size_models(self):
        """The size section's models are the root presets, then each library preset,
        named after its library and the model beneath it."""
        models = report.size_models(self.presets)
        self.assertEqual(list(models)[-1], "l4-async")
        self.assertEqual(models["l4-async"], "asyncsync library over L4-style")
        self.assertEqual(models["mach"], "Mach-style")

    def test_without_a_library(self):
        """No IPC_LIB preset: the section says so in one line."""
        presets = report.resolve_presets(CONFIGS)
        text = report.section_async_on_sync(self.sources, report.model_presets(presets),
                                            presets, "median")
        self.assertIn("no IPC_LIB preset", text[-1])


class ModelCyclesSummaryTest(unittest.TestCase):
    """The Mach-style / L4-style lines of a cycles run, in model cycles warm and cold."""

    def test_lines(self):
        rows = []
        for variant, warm in (("l4", 1000), ("mach", 1800)):
            for size, extra in ((0, 0), (64, 100)):
                case = f"roundtrip/other-space/{size}B"
                rows.append(complete({"bench": "pingpong", "case": case,
                                      "median": 300, "model_cycles_warm": warm + extra,
                                      "model_cycles_cold": 10 * warm,
                                      "model_profile": "zen2"}, variant, {}, "instructions"))
        run = Run({"mode": "cycles", "unit": "instructions"}, rows)
        lines = report.model_cycles_summary(run, "l4", "mach")
        self.assertEqual(lines, [
            "- `mach` / `l4`, ping-pong round trip (roundtrip/other-space), warm: 1.73×–1.80× "
            "(model cycles (profile zen2), warm: 1000–1100 (l4), 1800–1900 (mach)).",
            "- `mach` / `l4`, ping-pong round trip (roundtrip/other-space), cold: 1.80×–1.80× "
            "(model cycles (profile zen2), cold: 10000–10000 (l4), 18000–18000 (mach))."])
        self.assertIn("cycles mode", report.model_summary(run, "l4", "mach", "median")[0])
        self.assertEqual(report.model_cycles_summary(Run({"mode": "icount"}, []), "l4", "mach"),
                         [])
