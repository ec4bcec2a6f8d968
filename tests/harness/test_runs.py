"""Tests of harness.runs: axes, completed results, run files, captured logs."""

import json
import tempfile
import unittest
from pathlib import Path

from harness import runs
from harness.runs import HostInfo, Run, RunError
from tests.harness.fakes import MARKERS

INFO = HostInfo("box", "Test CPU 3000", "7.2.22", "abc123", False)

# A serial log as a terminal program on a second machine captures it: GRUB's
# escape sequences, carriage returns, a broken line, two boots.
CAPTURED = (
    "\x1b[2J\x1b[HGRUB loading.\r\n"
    f"{MARKERS.banner_prefix}l4 (IPC=sync DIRECT_SWITCH=y MSG_REGS=8)\r\n"
    'ipclab: cpu GenuineIntel "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz": pcid=yes\r\n'
    "TEST ipc_basic ok\r\n"
    f'{MARKERS.result_begin}{{"bench":"null_syscall","samples":10000,"unit":"tsc",'
    f'"min":101,"median":104,"overhead":20}}{MARKERS.result_end}\r\n'
    f'{MARKERS.result_begin}{{"bench":"pingpong","case":"rt",{MARKERS.result_end}\r\n'
    f"{MARKERS.banner_prefix}mach (IPC=async DIRECT_SWITCH=n)\r\n"
    f'noise {MARKERS.result_begin}{{"bench":"null_syscall","unit":"tsc",'
    f'"median":107}}{MARKERS.result_end}\r\n')


class AxesTest(unittest.TestCase):
    """Variants and their axes, from config files and banners."""

    def test_read_axes(self):
        """`KEY := value` lines, with comments and blank lines ignored."""
        text = ("# L4-style: synchronous IPC := not an axis\n\nIPC             := sync\n"
                "DIRECT_SWITCH   := y   # direct\nMSG_REGS ?= 8\nnot an assignment\n")
        self.assertEqual(runs.read_axes(text),
                         {"IPC": "sync", "DIRECT_SWITCH": "y", "MSG_REGS": "8"})

    def test_config_axes_of_the_real_presets(self):
        """configs/l4.mk of this tree has the axes the Makefile checks."""
        root = Path(__file__).resolve().parents[2]
        self.assertIn("l4", runs.all_configs(root))
        axes = runs.config_axes(root, "l4")
        self.assertEqual(axes["IPC"], "sync")
        self.assertLessEqual({"DIRECT_SWITCH", "SCHED_QUEUES", "TIMEOUTS"}, set(axes))
        self.assertEqual(runs.config_axes(root, "no-such-preset"), {})

    def test_read_banner(self):
        """The banner names the variant and its axes; anything before is ignored."""
        banner = f"xx{MARKERS.banner_prefix}mach (IPC=async DIRECT_SWITCH=n)"
        self.assertEqual(runs.read_banner(banner, MARKERS),
                         ("mach", {"IPC": "async", "DIRECT_SWITCH": "n"}))
        self.assertEqual(runs.read_banner(f"{MARKERS.banner_prefix}x", MARKERS), ("x", {}))

    def test_axes_mismatch_names_the_differing_axes(self):
        """One line with each differing axis as booted and as configured; the
        guest's numbers equal the config's text; an axis one side lacks is
        not compared."""
        preset = {"IPC": "sync", "SCHED_QUEUES": "lazy", "MSG_REGS": "8", "CONFIG": "l4"}
        self.assertIsNone(runs.axes_mismatch("l4", preset, {"IPC": "sync", "MSG_REGS": 8,
                                                            "E1000_IN_KERNEL": "n"}))
        self.assertEqual(runs.axes_mismatch("l4", preset, {"IPC": "async", "MSG_REGS": 8,
                                                           "SCHED_QUEUES": "eager"}),
                         "l4 was booted with IPC=async SCHED_QUEUES=eager, but "
                         "configs/l4.mk has IPC=sync SCHED_QUEUES=lazy")

    def test_run_mismatch_checks_banners_and_results(self):
        """The banner axes in meta presets and each result's axes are checked;
        a variant that is no preset (linux) is not."""
        presets = {"l4": {"IPC": "sync"}, "mach": {"IPC": "async"}}
        good = Run({"presets": {"l4": {"IPC": "sync"}}},
                   [{"bench": "x", "variant": "mach", "axes": {"IPC": "async"}},
                    {"bench": "x", "variant": "linux", "axes": {"IPC": "pipe"}}])
        self.assertIsNone(runs.run_mismatch(good, presets))
        bad_banner = Run({"presets": {"l4": {"IPC": "async"}}}, [])
        self.assertIn("l4 was booted with IPC=async", runs.run_mismatch(bad_banner, presets))
        bad_result = Run({}, [{"bench": "x", "variant": "mach", "axes": {"IPC": "sync"}}])
        self.assertIn("mach was booted with IPC=sync", runs.run_mismatch(bad_result, presets))

    def test_complete_fills_what_the_guest_left_out(self):
        """Today's guest prints no case, variant or axes; its own values win."""
        result = {"bench": "null_syscall", "samples": 10000, "median": 69}
        done = runs.complete(result, "l4", {"IPC": "sync"}, "instructions")
        self.assertEqual(list(done)[:5], ["bench", "case", "variant", "axes", "unit"])
        self.assertEqual(done, {"bench": "null_syscall", "case": "null_syscall",
                                "variant": "l4", "axes": {"IPC": "sync"},
                                "unit": "instructions", "samples": 10000, "median": 69})
        full = {"bench": "b", "case": "c", "variant": "v", "axes": {}, "unit": "tsc"}
        self.assertEqual(runs.complete(full, "l4", {"IPC": "sync"}, "instructions"), full)

    def test_mark_untimed(self):
        """TCG and ISO figures are marked unstable; icount and kvm keep the guest's word."""
        for mode in ("tcg", "iso"):
            marked = runs.mark_untimed({"bench": "b", "stable": True}, mode)
            self.assertIs(marked["stable"], False)
            self.assertIn(mode, marked["unstable"])
        for mode in ("icount", "kvm", "footprint"):
            self.assertEqual(runs.mark_untimed({"bench": "b", "stable": True}, mode),
                             {"bench": "b", "stable": True})
        self.assertIs(runs.mark_untimed({"stable": False}, "kvm")["stable"], False)

    def test_icount_rates_are_marked_virtual(self):
        """calls_per_s under icount is virtual time, and says so; under kvm it is real."""
        rpc = {"bench": "rpc", "median": 190, "calls_per_s": 5263157}
        for mode in ("icount", "footprint"):
            self.assertEqual(runs.mark_untimed(rpc, mode)["rate_basis"], runs.VIRTUAL_RATE)
        self.assertTrue(runs.VIRTUAL_RATE.startswith("virtual: "))
        self.assertNotIn("rate_basis", runs.mark_untimed(rpc, "kvm"))
        self.assertNotIn("rate_basis", runs.mark_untimed({"bench": "b", "median": 1}, "icount"))
        own = dict(rpc, rate_basis="guest virtual time")
        self.assertEqual(runs.mark_untimed(own, "icount")["rate_basis"], "guest virtual time")

    def test_run_unit(self):
        """The results' unit, `mixed`, or the mode's when there are no results."""
        self.assertEqual(runs.run_unit([{"unit": "tsc"}], "icount"), "tsc")
        self.assertEqual(runs.run_unit([{"unit": "tsc"}, {"unit": "ns"}], "kvm"), "mixed")
        self.assertEqual(runs.run_unit([], "icount"), "instructions")


class StoreTest(unittest.TestCase):
    """Run files: names, round trips, the newest."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def run_at(self, date: str, mode: str = "icount") -> Run:
        """A small run made at date."""
        results = [runs.complete({"bench": "null_syscall", "median": 69, "min": 68},
                                 "l4", {"IPC": "sync"}, "instructions")]
        meta = runs.make_meta(INFO, mode, results, date, presets={"l4": {"IPC": "sync"}})
        return Run(meta, results, {"l4": {"1": {"kernel_lines": 12}}})

    def test_meta(self):
        """The keys of docs/results.md, in its order, then the extras."""
        meta = self.run_at("2025-03-04T05:06:07+01:00").meta
        self.assertEqual(list(meta), ["date", "host", "cpu", "mode", "unit", "qemu", "commit",
                                      "dirty", "accel", "presets"])
        self.assertEqual((meta["unit"], meta["accel"]), ("instructions", "tcg"))
        meta = runs.make_meta(INFO, "icount", [], "2025-03-04T05:06:07+01:00", memory="64M",
                              presets={})
        self.assertEqual(list(meta)[8:], ["accel", "memory", "presets"])
        self.assertEqual(meta["memory"], "64M")

    def test_round_trip(self):
        """What is stored loads back equal, under <date>-<host>-<mode>.json."""
        run = self.run_at("2025-03-04T05:06:07+01:00")
        path = runs.store_run(self.root, run)
        self.assertEqual(path, Path("results/runs/20250304-050607-box-icount.json"))
        self.assertEqual(runs.load_run(self.root / path), run)
        text = (self.root / path).read_text()
        self.assertEqual(json.loads(text)["results"], run.results)
        self.assertEqual(len(text.splitlines()), 5)     # meta, results[, one, ], footprint

    def test_same_second_gets_a_suffix(self):
        """Two runs in one second do not overwrite each other."""
        run = self.run_at("2025-03-04T05:06:07+01:00")
        first, second = runs.store_run(self.root, run), runs.store_run(self.root, run)
        self.assertEqual(second.name, "20250304-050607-box-icount-2.json")
        self.assertNotEqual(first, second)

    def test_newest(self):
        """By the date in the name, optionally of one mode only."""
        self.assertIsNone(runs.newest_run(self.root))
        for date, mode in (("2025-01-01T00:00:00", "icount"), ("2025-02-01T00:00:00", "kvm"),
                           ("2024-12-01T00:00:00", "icount")):
            runs.store_run(self.root, self.run_at(date, mode))
        self.assertEqual(runs.newest_run(self.root).name, "20250201-000000-box-kvm.json")
        self.assertEqual(runs.newest_run(self.root, "icount").name,
                         "20250101-000000-box-icount.json")
        self.assertIsNone(runs.newest_run(self.root, "iso"))

    def test_newest_covering(self):
        """A run of fewer presets than asked for is passed over."""
        old = self.run_at("2025-01-01T00:00:00")
        both = Run(old.meta, old.results + [dict(old.results[0], variant="mach")], {})
        runs.store_run(self.root, both)
        runs.store_run(self.root, self.run_at("2025-02-01T00:00:00"))    # l4 only
        self.assertEqual(runs.newest_covering(self.root, "icount", {"l4", "mach"}).name,
                         "20250101-000000-box-icount.json")
        self.assertEqual(runs.newest_covering(self.root, "icount", {"l4"}).name,
                         "20250201-000000-box-icount.json")
        self.assertIsNone(runs.newest_covering(self.root, "icount", {"l4-nods"}))

    def test_bad_files(self):
        """Missing, not JSON, or not a run: one-line errors."""
        path = self.root / "x.json"
        with self.assertRaisesRegex(RunError, "cannot read"):
            runs.load_run(path)
        for text, words in (("{", "not JSON"), ('{"results": []}', "not a stored run"),
                            ('{"meta": {}, "results": [{"x": 1}]}', "without a bench")):
            path.write_text(text)
            with self.subTest(text=text), self.assertRaisesRegex(RunError, words):
                runs.load_run(path)


class CaptureTest(unittest.TestCase):
    """A serial log captured on a real PC."""

    def test_two_boots(self):
        """Each result belongs to the banner before it; the CPU line is read."""
        capture = runs.read_capture(CAPTURED.split("\n"), MARKERS)
        self.assertEqual(capture.cpu, "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz")
        self.assertEqual([(r["variant"], r["bench"], r["median"]) for r in capture.results],
                         [("l4", "null_syscall", 104), ("mach", "null_syscall", 107)])
        first = capture.results[0]
        self.assertEqual((first["case"], first["unit"], first["axes"]["MSG_REGS"]),
                         ("null_syscall", "tsc", "8"))
        self.assertEqual(len(capture.problems), 1)
        self.assertIn("malformed", capture.problems[0])

    def test_config_names_the_variant(self):
        """Without a banner --config is needed; with one, it wins; axes come from it."""
        lines = CAPTURED.split("\n")[4:5]     # one result line, no banner
        capture = runs.read_capture(lines, MARKERS)
        self.assertEqual(capture.results, ())
        self.assertIn("--config", capture.problems[0])
        capture = runs.read_capture(lines, MARKERS, "l4", lambda name: {"IPC": name})
        self.assertEqual(capture.results[0]["variant"], "l4")
        self.assertEqual(capture.results[0]["axes"], {"IPC": "l4"})
        self.assertEqual(capture.cpu, "unknown")

    def test_hypervisor_flag(self):
        """The CPU line's hypervisor= tells a real PC's log from a virtual machine's."""
        line = 'ipclab: cpu AuthenticAMD "AMD EPYC": pcid=no hypervisor={} pmu=absent'
        for said, seen in (("yes", True), ("no", False)):
            capture = runs.read_capture([line.format(said)], MARKERS)
            self.assertEqual((capture.cpu, capture.hypervisor), ("AMD EPYC", seen))
        self.assertIsNone(runs.read_capture(CAPTURED.split("\n"), MARKERS).hypervisor)

    def test_built_from(self):
        """The build line names the commit a run is stored under, changes or not."""
        commit = "0123456789abcdef0123456789abcdef01234567"
        for tail, changed in (("", False), (" with changes", True)):
            line = f"ipclab: built from commit {commit}{tail}\r"
            self.assertEqual(runs.read_capture([line], MARKERS).built_from, (commit, changed))
        self.assertIsNone(runs.read_capture(["ipclab: built from commit unknown"],
                                            MARKERS).built_from)
        self.assertIsNone(runs.read_capture(CAPTURED.split("\n"), MARKERS).built_from)


if __name__ == "__main__":
    unittest.main()
