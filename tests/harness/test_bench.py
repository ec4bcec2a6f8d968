"""Tests of harness.bench and the run, matrix, show and ingest commands, on fakes."""

import contextlib
import io
import json
import sys
import tempfile
import types
import unittest
from pathlib import Path
from unittest import mock

from harness import bench, boot, plots, qemu, runs, tables
from harness.__main__ import main
from harness.plugin import cycles as cycles_plugin
from harness.bench import PresetBoot, Settings
from harness.boot import BootRequest, HarnessError
from harness.runs import HostInfo
from tests.harness.fakes import FOOTPRINT, TREE, make_tree
from tests.harness.test_boot import PVM_HOST
from tests.harness.test_runs import CAPTURED

ROOT = Path(__file__).resolve().parents[2]

INFO = HostInfo("box", "Test CPU", "7.2.22", "abc", False)


class ArgumentTest(unittest.TestCase):
    """Benchmark lists and modes."""

    def test_lists(self):
        """Comma lists without repeats; `all` and nothing mean everything."""
        self.assertEqual(bench.split_list(" rpc, pingpong,rpc"), ("rpc", "pingpong"))
        self.assertEqual(bench.split_list("all"), ())
        self.assertEqual(bench.split_list(None), ())

    def test_floor_is_always_asked_for(self):
        """The floor's benchmarks come first, once; all stays all."""
        self.assertEqual(bench.with_floor(("pingpong", "null_syscall")),
                         ("null_syscall", "space_switch", "pingpong"))
        self.assertEqual(bench.with_floor(()), ())
        self.assertEqual(bench.bench_arg(()), "bench=all hz=1000")
        self.assertEqual(bench.bench_arg(("a", "b")), "bench=a,b hz=1000")

    def test_modes(self):
        """On a PVM host kvm becomes icount, once, with the reason."""
        modes, notes = bench.resolve_modes(("kvm", "icount", "tcg"), PVM_HOST)
        self.assertEqual(modes, ("icount", "tcg"))
        self.assertEqual(len(notes), 1)
        self.assertIn("kvm_pvm", notes[0])
        self.assertEqual(bench.resolve_modes((), PVM_HOST)[0], ("icount",))


class JudgeResultsTest(unittest.TestCase):
    """What makes a passing benchmark boot incomplete."""

    def test_problems(self):
        """Nothing printed, a benchmark missing, bad lines, no footprint region."""
        one = ({"bench": "null_syscall"},)
        self.assertEqual(bench.judge_results((), (), 0), "the guest printed no result line")
        self.assertIsNone(bench.judge_results(one, ("null_syscall",), 0))
        self.assertEqual(bench.judge_results(one, bench.FLOOR_PARTS, 2, {}),
                         "no result for space_switch; 2 malformed result lines; "
                         "the plugin saw no marked region")
        self.assertIsNone(bench.judge_results(one, (), 0, {"1": {}}))

    def test_failed_cases(self):
        """A failed data check or case error is named; other bench lines are not."""
        lines = ["bench: footprint region 3 = pingpong roundtrip/same-space/0B",
                 "bench: pingpong roundtrip/same-space/16B: iteration 0, word 1: "
                 "expected 0x1, seen 0x2\r",
                 "bench: notify notify-to-wakeup: iteration 7: impossible interval: start 9, "
                 "end 8, outside or out of order within [9, 10]",
                 "bench: rpc 2-clients failed: error 3",
                 "bench: the measuring overhead is unstable (min 1, median 2, p90 9 tsc): x"]
        self.assertEqual(bench.failed_cases(lines), [line.rstrip("\r") for line in lines[1:4]])

    def test_region_labels(self):
        """The guest names each footprint region before it runs it."""
        lines = ["bench: footprint region 3 = pingpong roundtrip/same-space/0B", "other"]
        labels = bench.region_labels(lines)
        self.assertEqual(labels, {3: "pingpong roundtrip/same-space/0B"})
        self.assertEqual(bench.label_regions({3: {"region": 3}, 4: {"region": 4}}, labels),
                         {"3": {"region": 3, "label": "pingpong roundtrip/same-space/0B"},
                          "4": {"region": 4}})


class ProgressTest(unittest.TestCase):
    """The matrix's estimate of the time left, and its progress lines."""

    def test_estimate(self):
        """Each boot to come takes the mean of its mode so far, or of all boots."""
        self.assertIsNone(bench.estimate_left([], ["icount"]))
        self.assertEqual(bench.estimate_left([], []), 0.0)
        done = [("icount", 10.0), ("icount", 20.0)]
        self.assertEqual(bench.estimate_left(done, ["icount", "icount"]), 30.0)
        done.append(("footprint", 100.0))
        self.assertAlmostEqual(bench.estimate_left(done, ["footprint", "kvm"]),
                               100.0 + 130.0 / 3)

    def test_durations(self):
        """m:ss, or h:mm:ss from an hour on."""
        self.assertEqual(bench.fmt_duration(7.4), "0:07")
        self.assertEqual(bench.fmt_duration(750), "12:30")
        self.assertEqual(bench.fmt_duration(3723), "1:02:03")

    def test_lines(self):
        """Counts, the time of the boot, elapsed and left; failures say why."""
        good = PresetBoot("mach", "icount", {}, ({},) * 5, passed=True, seconds=0.84)
        self.assertEqual(bench.progress_line(2, 4, good, 2.2, 2.0),
                         "[2/4] mach icount: 5 results in 0.8 s; 0:02 elapsed, "
                         "about 0:02 left")
        bad = PresetBoot("l4", "kvm", {}, problem="guest hung", seconds=60)
        self.assertEqual(bench.progress_line(4, 4, bad, 75, 0),
                         "[4/4] l4 kvm: FAILED after 60.0 s: guest hung; 1:15 elapsed, done")
        short = PresetBoot("l4", "icount", {}, ({},), problem="no result for rpc",
                           passed=True, seconds=1)
        self.assertIn("1 result in 1.0 s, incomplete: no result for rpc",
                      bench.progress_line(1, 2, short, 1, 1))


def fake_footprint_module() -> types.ModuleType:
    """A stand-in for harness/plugin/footprint.py, with its options and log lines."""
    module = types.ModuleType(boot.FOOTPRINT_MODULE)
    module.qemu_args = lambda plugin, log, profile=False: [
        "-plugin", f"file={plugin}" + (",profile=on" if profile else ""), "-d", "plugin",
        "-D", str(log)]

    def parse(text):
        records = [json.loads(line.split(" ", 1)[1].rsplit(" ", 1)[0])
                   for line in text.splitlines()]
        return {record["region"]: record for record in records}
    module.parse = parse
    return module


class FakeTreeTest(unittest.TestCase):
    """Boots of the fake QEMU in a temporary tree with l4 and mach."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.fake_qemu = str(make_tree(self.root, ("l4", "mach")))
        self.notes = []

    def tearDown(self):
        self.tmp.cleanup()

    def matrix(self, modes=("icount",), **settings):
        """run_matrix on both presets with a clock that ticks 10 s per call."""
        ticks = iter(range(0, 10000, 10))
        settings = Settings(build=False, qemu=self.fake_qemu, **settings)
        return bench.run_matrix(self.root, ("l4", "mach"), modes, settings, INFO,
                                notify=self.notes.append, facts=PVM_HOST,
                                clock=lambda: next(ticks), date=lambda: "2025-03-04T05:06:07")

    def test_matrix(self):
        """Two modes × two presets: four progress lines, one run per mode."""
        made, ok = self.matrix(("icount", "tcg"), benches=("pingpong",))
        self.assertTrue(ok, self.notes)
        self.assertEqual(self.notes, [
            "[1/4] l4 icount: 3 results in 10.0 s; 0:30 elapsed, about 0:30 left",
            "[2/4] mach icount: 3 results in 10.0 s; 1:00 elapsed, about 0:20 left",
            "[3/4] l4 tcg: 3 results in 10.0 s; 1:30 elapsed, about 0:10 left",
            "[4/4] mach tcg: 3 results in 10.0 s; 2:00 elapsed, done"])
        self.assertEqual([run.meta["mode"] for run in made], ["icount", "tcg"])
        icount = made[0]
        self.assertEqual(icount.meta["unit"], "instructions")
        self.assertEqual(icount.meta["presets"]["mach"], {"IPC": "async", "DIRECT_SWITCH": "n"})
        self.assertEqual(icount.meta["benches"], ["null_syscall", "space_switch", "pingpong"])
        self.assertEqual([(r["variant"], r["bench"], r["median"]) for r in icount.results], [
            ("l4", "null_syscall", 70), ("l4", "space_switch", 160), ("l4", "pingpong", 390),
            ("mach", "null_syscall", 140), ("mach", "space_switch", 320),
            ("mach", "pingpong", 780)])
        self.assertEqual(made[1].meta["unit"], "tsc")
        self.assertEqual(icount.meta["memory"], "256M")

    def test_memory_goes_to_qemu_and_the_run(self):
        """--memory: QEMU's -m of every boot, and the run's metadata."""
        made, ok = self.matrix(benches=("pingpong",), memory="64M")
        self.assertTrue(ok, self.notes)
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertEqual(argv[argv.index("-m") + 1], "64M")
        self.assertEqual(made[0].meta["memory"], "64M")
        self.assertEqual(list(made[0].meta)[:10], ["date", "host", "cpu", "mode", "unit", "qemu",
                                                   "commit", "dirty", "accel", "memory"])

    def test_matrix_repeats_and_flags_missing_results(self):
        """Two matrices give the same results; an unknown benchmark is reported."""
        first, _ = self.matrix(benches=("rpc",))
        again, ok = self.matrix(benches=("rpc", "notify"))
        self.assertEqual([r for r in first[0].results],
                         [r for r in again[0].results])
        self.assertFalse(ok)
        self.assertIn("incomplete: no result for notify", self.notes[-1])
        self.assertEqual(again[0].meta["failed"], {"l4": "no result for notify",
                                                   "mach": "no result for notify"})

    def test_failed_boot(self):
        """A preset whose files are missing fails alone; the other is kept."""
        (self.root / "build/mach/kernel32.elf").unlink()
        made, ok = self.matrix()
        self.assertFalse(ok)
        self.assertIn("[2/2] mach icount: FAILED after 10.0 s: build/mach/kernel32.elf "
                      "is missing", self.notes[-1])
        self.assertEqual({r["variant"] for r in made[0].results}, {"l4"})

    def test_footprint(self):
        """footprint: icount plus the plugin's options; its counts land in the run."""
        with mock.patch.dict(sys.modules, {boot.FOOTPRINT_MODULE: fake_footprint_module()}):
            with self.assertRaisesRegex(HarnessError, r"^build/plugin/footprint.so is missing "
                                                      r"\(make plugin QEMU=\S+ builds it\)$"):
                boot.boot(self.root, BootRequest("l4", "footprint", build=False, echo=False,
                                                 qemu=self.fake_qemu))
            self.make_plugin(api=4)
            with self.assertRaisesRegex(HarnessError, r"^build/plugin/footprint.so was built for "
                                                      r"plugin API 4, but \S+ offers 1 "
                                                      r"\(QEMU 7.2.99: plugin API 1\): "
                                                      r"make plugin QEMU=\S+$"):
                boot.boot(self.root, BootRequest("l4", "footprint", build=False, echo=False,
                                                 qemu=self.fake_qemu))
            self.make_plugin()
            made, ok = self.matrix(("footprint",))
        self.assertTrue(ok, self.notes)
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertIn("-icount", argv)
        self.assertEqual(argv[argv.index("-D") + 1], "build/mach/footprint-plugin.log")
        self.assertEqual(made[0].footprint["l4"],
                         {"1": {**FOOTPRINT, "label": "pingpong roundtrip/other-space/0w"}})
        self.assertIn("footprint=1", argv[-1])
        self.assertEqual(made[0].meta["unit"], "instructions")
        lines = tables.footprint_tables(made)
        self.assertEqual(lines[1:], [
            "preset region                           kernel lines  kernel pages  user lines"
            "  user pages  kernel instr  user instr  occurrences",
            "l4 pingpong roundtrip/other-space/0w              12             2           3"
            "           -             -           -            3",
            "mach pingpong roundtrip/other-space/0w            12             2           3"
            "           -             -           -            3"])

    def test_cycles(self):
        """cycles: icount plus the cycle model's plugin and profile; each result of a
        marked case gets the model's medians, labelled with the profile."""
        module = types.ModuleType(boot.CYCLES_MODULE)
        module.profile_path = lambda root, name: cycles_plugin.profile_path(ROOT, name)
        module.qemu_args = cycles_plugin.qemu_args
        module.cpu_has_pcid = cycles_plugin.cpu_has_pcid
        module.tlb_options = cycles_plugin.tlb_options
        module.attach = cycles_plugin.attach
        module.parse = lambda text: {1: {"region": 1, "profile": "zen2", "warm": {"median": 500},
                                         "cold": {"median": 9000}}}
        with mock.patch.dict(sys.modules, {boot.CYCLES_MODULE: module}):
            (self.root / boot.CYCLES_PLUGIN).parent.mkdir(parents=True, exist_ok=True)
            (self.root / boot.CYCLES_PLUGIN).write_bytes(b"")
            (self.root / boot.FOOTPRINT_API).write_text("1\n")   # the fake QEMU's level
            made, ok = self.matrix(("cycles",), cpu_profile="zen2")
            with self.assertRaisesRegex(HarnessError, r"^unknown CPU profile 'p4'; known: "):
                boot.boot(self.root, BootRequest("l4", "cycles", build=False, echo=False,
                                                 qemu=self.fake_qemu, cpu_profile="p4"))
        self.assertTrue(ok, self.notes)
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertIn("-icount", argv)
        self.assertIn("cpu=harness/plugin/profiles/zen2.conf",
                      argv[argv.index("-plugin") + 1].split(","))
        self.assertEqual(argv[argv.index("-D") + 1], "build/mach/cycles-plugin.log")
        self.assertIn("footprint=1", argv[-1])
        marked = [r for r in made[0].results if "model_cycles_warm" in r]
        self.assertEqual([(r["variant"], r["case"], r["model_cycles_warm"],
                           r["model_cycles_cold"], r["model_profile"]) for r in marked],
                         [("l4", "roundtrip/other-space/0w", 500, 9000, "zen2"),
                          ("mach", "roundtrip/other-space/0w", 500, 9000, "zen2")])
        self.assertIn("model cycles (profile zen2)", "\n".join(tables.show(made)))

    def make_plugin(self, api=1):
        """An empty build/plugin/footprint.so, built for plugin API api (the fake
        QEMU's is 1)."""
        (self.root / boot.FOOTPRINT_PLUGIN).parent.mkdir(parents=True, exist_ok=True)
        (self.root / boot.FOOTPRINT_PLUGIN).write_bytes(b"")
        (self.root / boot.FOOTPRINT_API).write_text(f"{api}\n")

    @unittest.skipUnless((TREE / "harness/plugin/footprint.py").is_file(),
                         "harness/plugin/footprint.py is not in this tree")
    def test_footprint_with_the_real_module(self):
        """The plugin's own Python side reads what the fake plugin wrote."""
        self.make_plugin()
        made, ok = self.matrix(("footprint",))
        self.assertTrue(ok, self.notes)
        self.assertEqual(made[0].footprint["mach"]["1"]["last"]["kernel_lines"], 12)

    def test_footprint_module_missing(self):
        """Without harness/plugin/footprint.py the boot stops with one line."""
        with mock.patch.dict(sys.modules, {boot.FOOTPRINT_MODULE: None}):
            with self.assertRaisesRegex(HarnessError, r"^footprint mode needs "
                                                      r"harness/plugin/footprint.py"):
                boot.footprint_module()

    def command(self, *args):
        """Run a harness command in the fake tree; return status, stdout, stderr."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["--root", str(self.root), *args])
        return status, out.getvalue().splitlines(), err.getvalue().splitlines()

    def test_run_and_show_commands(self):
        """run stores a run and prints its tables; show prints the same."""
        status, out, err = self.command("run", "--config", "mach", "--mode", "icount",
                                        "--no-build", "--qemu", self.fake_qemu)
        self.assertEqual(status, 0, err)
        stored = sorted((self.root / runs.RUNS_DIR).glob("*-icount.json"))
        self.assertEqual(len(stored), 1)
        self.assertIn(f"harness: stored {stored[0].relative_to(self.root)}", err)
        self.assertIn("call  1200 (2.00× floor)", out)
        self.assertEqual(self.command("show")[1], out)
        status, _, err = self.command("run", "--config", "bsd", "--qemu", self.fake_qemu)
        self.assertEqual((status, err), (2, ["harness: unknown config 'bsd'; the configs "
                                             "are: l4, mach"]))

    def test_run_records_the_guest_machine(self):
        """--cpu, --smp and --machine reach QEMU and the stored run's metadata."""
        status, _, err = self.command("run", "--config", "l4", "--mode", "icount", "--no-build",
                                      "--qemu", self.fake_qemu, "--cpu", "qemu64", "--smp", "2",
                                      "--machine", "q35")
        self.assertEqual(status, 0, err)
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertEqual(argv[:4], ["-M", "q35", "-smp", "2"])
        self.assertEqual(argv[argv.index("-cpu") + 1], "qemu64")
        meta = runs.load_run(runs.newest_run(self.root, "icount")).meta
        self.assertEqual((meta["guest_cpu"], meta["smp"], meta["machine"]), ("qemu64", 2, "q35"))
        self.assertEqual(meta["cpu"], qemu.cpu_model(qemu.host_facts().cpuinfo))  # the host's
        made, _ = self.matrix()
        self.assertEqual((made[0].meta["guest_cpu"], made[0].meta["smp"],
                          made[0].meta["machine"]), ("max", 1, "pc"))

    def test_bad_guest_options(self):
        """A bad --cpu, --smp or --machine stops the command with one line and status 2."""
        for bad in (["--cpu", ""], ["--cpu", "qemu64 -smp 2"], ["--cpu", "-x"],
                    ["--smp", "0"], ["--smp", "two"], ["--machine", "isapc"]):
            for command in (["boot", "--config", "l4", "--mode", "tcg"],
                            ["run", "--config", "l4"], ["test"]):
                with self.subTest(bad=bad, command=command[0]):
                    err = io.StringIO()
                    with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as done:
                        main([*command, *bad, "--qemu", self.fake_qemu])
                    self.assertEqual(done.exception.code, 2)
                    self.assertIn(f"argument {bad[0]}", err.getvalue().splitlines()[-1])

    def test_no_abbreviated_options(self):
        """`matrix --config l4 --config mach` is refused, not taken for --configs
        (which kept only the last value and silently ran mach alone)."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as done:
            main(["matrix", "--config", "l4", "--config", "mach", "--qemu", self.fake_qemu])
        self.assertEqual(done.exception.code, 2)
        self.assertIn("unrecognized arguments: --config l4 --config mach", err.getvalue())

    def test_run_refuses_a_build_with_other_axes(self):
        """--no-build boots what is in build/l4; built with IPC=async it is no
        l4 run: refused with one line naming the axis, nothing stored."""
        (self.root / "build/l4/fake-axes").write_text("IPC=async DIRECT_SWITCH=y MSG_REGS=8")
        status, _, err = self.command("run", "--config", "l4", "--mode", "icount",
                                      "--no-build", "--qemu", self.fake_qemu)
        self.assertEqual(status, 1)
        self.assertIn("harness: not storing the icount run: l4 was booted with IPC=async, "
                      "but configs/l4.mk has IPC=sync", err)
        self.assertEqual(list((self.root / runs.RUNS_DIR).glob("*.json")), [])
        (self.root / "build/l4/fake-axes").write_text("IPC=sync DIRECT_SWITCH=y MSG_REGS=8")
        status, _, err = self.command("run", "--config", "l4", "--mode", "icount",
                                      "--no-build", "--qemu", self.fake_qemu)
        self.assertEqual(status, 0, err)
        run = runs.load_run(runs.newest_run(self.root, "icount"))
        self.assertEqual(run.meta["presets"], {"l4": {"IPC": "sync", "DIRECT_SWITCH": "y",
                                                      "MSG_REGS": "8"}})
        self.assertEqual(run.results[0]["axes"]["IPC"], "sync")

    def test_boot_says_what_it_booted(self):
        """boot --no-build prints the booted axes and notes a preset's they are not."""
        (self.root / "build/mach/fake-axes").write_text("IPC=sync DIRECT_SWITCH=n")
        status, out, err = self.command("boot", "--config", "mach", "--mode", "icount",
                                        "--no-build", "--quiet", "--qemu", self.fake_qemu)
        self.assertIn("harness: mach/icount: booted IPC=sync DIRECT_SWITCH=n", out)
        self.assertEqual(err, ["harness: note: mach was booted with IPC=sync, but "
                               "configs/mach.mk has IPC=async: what this boot printed is not "
                               "mach's"])

    def test_ingest_refuses_a_log_of_other_axes(self):
        """--config mach on a log whose banner says IPC=sync: refused, not stored."""
        log = self.root / "pc.log"
        log.write_bytes(CAPTURED.encode())
        status, _, err = self.command("ingest", str(log), "--config", "mach")
        self.assertEqual(status, 1)
        self.assertIn(f"harness: {log}: not storing it: mach was booted with IPC=sync "
                      f"DIRECT_SWITCH=y, but configs/mach.mk has IPC=async DIRECT_SWITCH=n", err)
        self.assertIsNone(runs.newest_run(self.root, runs.REAL_MODE))

    def test_run_command_memory(self):
        """run --memory boots with that RAM and stores it; a bad size is refused."""
        status, _, err = self.command("run", "--config", "l4", "--mode", "icount", "--no-build",
                                      "--memory", "96m", "--qemu", self.fake_qemu)
        self.assertEqual(status, 0, err)
        run = runs.load_run(runs.newest_run(self.root, "icount"))
        self.assertEqual(run.meta["memory"], "96M")
        with self.assertRaises(SystemExit):
            self.command("run", "--config", "l4", "--memory", "lots", "--qemu", self.fake_qemu)

    def test_matrix_compare_and_plots(self):
        """make bench's ending: the comparison is printed; without gnuplot the
        plots are skipped with a one-line reason, not a failure."""
        with mock.patch.object(plots, "find_gnuplot", return_value=None):
            status, out, err = self.command("matrix", "--configs", "l4,mach", "--modes",
                                            "icount", "--no-build", "--qemu", self.fake_qemu,
                                            "--compare", "--plots", "build/bench")
        self.assertEqual(status, 0, err)
        self.assertIn("comparison", out)
        self.assertEqual(out[out.index("comparison") + 1],
                         "- mach / l4, RPC: 2.00× with call (instructions, icount).")
        self.assertIn("harness: no plots: gnuplot not found (apt-get install gnuplot-nox)", err)

    def test_ingest_command(self):
        """A captured log becomes an iso-real run with the PC's CPU."""
        log = self.root / "pc.log"
        log.write_bytes(CAPTURED.encode())
        status, out, err = self.command("ingest", str(log))
        self.assertEqual(status, 1)     # one malformed line
        self.assertIn("malformed result line", err[0])
        run = runs.load_run(runs.newest_run(self.root, runs.REAL_MODE))
        self.assertEqual((run.meta["mode"], run.meta["unit"], run.meta["host"]),
                         ("iso-real", "tsc", "real-pc"))
        self.assertEqual(run.meta["cpu"], "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz")
        self.assertIsNone(run.meta["hypervisor"])     # the log's CPU line does not say
        self.assertEqual(list(run.meta["presets"]), ["l4", "mach"])
        self.assertIn("null_syscall  104   107", out)


if __name__ == "__main__":
    unittest.main()
