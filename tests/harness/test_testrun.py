"""Tests of harness.testrun: selection, result parsing, and whole runs on fakes."""

import contextlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import types
import unittest
from pathlib import Path

from harness.process import Finished
from harness.qemu import Outcome, Verdict
from harness.serial import SerialReport, TestLine
from harness import testrun
from harness.testrun import (Options, cycles_problem, Selection, Tally, TestOutcome, configs_to_run,
                             host_binaries,
                             judge_host_binary, judge_unittest, narrow, parse_unittest,
                             break_copy_dir, break_copy_problem, echo_problems, iso_problem,
                             kernel_fault_problem, memory_claim, memory_short_problem, run_tests,
                             target_boot_problem, cpu_features, smp_problem, target_modules,
                             argument_error)
from harness.netbench import Stream
from tests.harness.fakes import make_tree


def finished(stdout=(), stderr=(), status=0, timed_out=False) -> Finished:
    """A made-up finished program."""
    return Finished(None if timed_out else status, timed_out, 0.1, tuple(stdout), tuple(stderr))


class ConfigsToRunTest(unittest.TestCase):
    """Which variants a test run boots, from --config and --only."""

    PRESETS = ("l4", "l4-benno", "mach")

    def test_only_names_the_preset(self):
        """iso/l4-benno/banner and target/mach/... need no --config."""
        self.assertEqual(configs_to_run([], ["iso/l4-benno/banner"], self.PRESETS),
                         ("l4-benno",))
        self.assertEqual(configs_to_run([], ["target/mach/ipc_order", "iso/l4-benno"],
                                        self.PRESETS), ("mach", "l4-benno"))

    def test_config_and_only_add_up(self):
        """--config l4 with --only iso/l4-benno/banner boots both, each once."""
        self.assertEqual(configs_to_run(["l4"], ["iso/l4-benno/banner", "iso/l4/banner"],
                                        self.PRESETS), ("l4", "l4-benno"))

    def test_default_is_l4(self):
        """Bare names, other groups and unknown presets leave the default."""
        self.assertEqual(configs_to_run([], ["fault_pf", "host/test_cap", "iso/nope/banner",
                                             "harness/l4-benno/x"], self.PRESETS), ("l4",))


class NarrowTest(unittest.TestCase):
    """--only patterns against groups of test names."""

    def test_no_patterns_select_everything(self):
        """Without --only every group runs whole."""
        self.assertEqual(narrow([], "host/"), Selection(True))

    def test_pattern_inside_the_prefix_selects_the_group(self):
        """`host`, `l4` and `iso` each name a whole group."""
        self.assertTrue(narrow(["host"], "host/").everything)
        self.assertTrue(narrow(["l4"], "target/l4/", bare=True).everything)
        self.assertTrue(narrow(["iso"], "iso/l4/banner").everything)
        self.assertTrue(narrow(["banner"], "iso/l4/banner").everything)

    def test_pattern_past_the_prefix_names_tests(self):
        """What follows the prefix is passed down as a name."""
        self.assertEqual(narrow(["host/test_cap/al"], "host/test_cap/"),
                         Selection(False, ("al",)))
        self.assertEqual(narrow(["target/l4/fault_pf"], "target/l4/", bare=True),
                         Selection(False, ("fault_pf",)))

    def test_bare_names_are_on_target_tests(self):
        """`fault_pf` reaches the target (once), and neither host nor ISO."""
        self.assertEqual(narrow(["fault_pf", "fault_pf"], "target/l4/", bare=True),
                         Selection(False, ("fault_pf",)))
        self.assertFalse(narrow(["fault_pf"], "host/"))
        self.assertFalse(narrow(["fault_pf"], "iso/l4/banner"))

    def test_other_groups_are_not_selected(self):
        """Another config or binary is left alone."""
        self.assertFalse(narrow(["target/mach/x"], "target/l4/", bare=True))
        self.assertFalse(narrow(["host/test_a/"], "host/test_b/"))


class HostBinaryTest(unittest.TestCase):
    """PASS/FAIL lines of a host test binary, and how it ended."""

    def judge(self, fin, selection=Selection(True)):
        """Outcomes of binary t for fin."""
        return judge_host_binary("t", fin, selection, 60)

    def test_pass_and_fail_lines(self):
        """Each PASS/FAIL line is a test; other output is ignored."""
        outcomes = self.judge(finished(["PASS a", "noise", "FAIL b: want 1, got 2"], status=1))
        self.assertEqual(outcomes, [TestOutcome("host/t/a", True),
                                    TestOutcome("host/t/b", False, "want 1, got 2")])

    def test_crash_without_fail_line_is_one_failure(self):
        """A signal death, with the sanitizer's summary as the reason."""
        fin = finished(["PASS a"], ["==1==ERROR: AddressSanitizer: heap-use-after-free",
                                    "SUMMARY: AddressSanitizer: heap-use-after-free x.c:3"],
                       status=-6)
        outcomes = self.judge(fin)
        self.assertEqual(len(outcomes), 2)
        self.assertEqual(outcomes[1].name, "host/t")
        self.assertFalse(outcomes[1].passed)
        self.assertIn("killed by SIGABRT", outcomes[1].reason)
        self.assertIn("AddressSanitizer", outcomes[1].reason)

    def test_sanitizer_report_with_exit_zero_fails(self):
        """A recovered UBSan report still fails the binary."""
        fin = finished(["PASS a"], ["x.c:3:5: runtime error: signed integer overflow"])
        self.assertIn("runtime error", self.judge(fin)[-1].reason)

    def test_hang_and_silence(self):
        """A hung binary fails; so does one that reports nothing."""
        self.assertIn("hung", self.judge(finished(["PASS a"], timed_out=True))[-1].reason)
        self.assertEqual(self.judge(finished(["hello"]))[0].reason, "printed no PASS/FAIL line")
        self.assertEqual(self.judge(finished(["PASS a"]), Selection(False, ("b",))), [])

    def test_case_filter(self):
        """Named cases keep only the cases that start with a name."""
        fin = finished(["PASS alloc_one", "PASS free_one"])
        names = [o.name for o in self.judge(fin, Selection(False, ("alloc",)))]
        self.assertEqual(names, ["host/t/alloc_one"])

    def test_host_binaries_lists_executables_only(self):
        """Object files and missing directories give no binaries."""
        with tempfile.TemporaryDirectory() as tmp:
            make_tree(Path(tmp))
            names = [p.name for p in host_binaries(Path(tmp) / "build/host-tests")]
            self.assertEqual(names, ["test_bad", "test_crash", "test_good"])
            self.assertEqual(host_binaries(Path(tmp) / "nowhere"), [])


SAMPLE_TESTS = '''\
import unittest

class Sample(unittest.TestCase):
    def test_ok(self):
        pass

    def test_fail(self):
        """Has a docstring."""
        self.assertEqual(1, 2)

    def test_error(self):
        raise KeyError("boom")

    @unittest.skip("not today")
    def test_skip(self):
        pass
'''


class UnittestOutputTest(unittest.TestCase):
    """Reading what `python3 -m unittest` prints, from a real run."""

    @classmethod
    def setUpClass(cls):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "test_sample.py").write_text(SAMPLE_TESTS)
            done = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", tmp],
                                  capture_output=True, text=True, cwd=tmp, check=False)
        cls.stderr = done.stderr.splitlines()
        cls.status = done.returncode

    def test_parse(self):
        """Ran, the failure count, and each failure with its last line."""
        summary = parse_unittest(self.stderr)
        self.assertEqual(summary.ran, 4)
        self.assertEqual(summary.failed, 2)
        self.assertEqual(dict(summary.failures),
                         {"test_sample.Sample.test_error": "KeyError: 'boom'",
                          "test_sample.Sample.test_fail": "AssertionError: 1 != 2"})

    def test_judge(self):
        """Two named failures, and one line for the two that passed (one skipped)."""
        outcomes = judge_unittest(finished(stderr=self.stderr, status=self.status), 60)
        self.assertEqual([(o.name, o.passed, o.count) for o in outcomes],
                         [("harness/test_sample.Sample.test_error", False, 1),
                          ("harness/test_sample.Sample.test_fail", False, 1),
                          ("harness (2 tests)", True, 2)])

    def test_no_run(self):
        """Hung, crashed before running, or ran nothing: one failure each."""
        for fin in (finished(timed_out=True),
                    finished(stderr=["ImportError: x"], status=1),
                    finished(stderr=["Ran 0 tests in 0.000s", "OK"])):
            outcomes = judge_unittest(fin, 60)
            self.assertEqual(len(outcomes), 1)
            self.assertFalse(outcomes[0].passed)


class TargetBootTest(unittest.TestCase):
    """When an on-target test boot fails as a whole."""

    def problem(self, outcome, tests, banner="ipclab: variant l4"):
        """target_boot_problem for a made-up boot."""
        return target_boot_problem(Verdict(outcome, f"{outcome.value} explained"),
                                   SerialReport(banner, tuple(tests), (), ()))

    def test_good_boots(self):
        """All passed with EXIT_PASS, or some failed with EXIT_FAIL."""
        self.assertIsNone(self.problem(Outcome.PASS, [TestLine("a", True)]))
        self.assertIsNone(self.problem(Outcome.FAIL, [TestLine("a", False, "x")]))

    def test_bad_boots(self):
        """Hangs, panics, no tests, and an exit status that contradicts the tests."""
        cases = [(Outcome.HUNG, [TestLine("a", True)], "hung explained"),
                 (Outcome.PANIC, [], "panic explained"),
                 (Outcome.PASS, [], "no TEST line"),
                 (Outcome.FAIL, [TestLine("a", True)], "although every test passed"),
                 (Outcome.PASS, [TestLine("a", False, "x")], "although a test failed")]
        for outcome, tests, words in cases:
            with self.subTest(words=words):
                self.assertIn(words, self.problem(outcome, tests))
        self.assertIn("no banner", self.problem(Outcome.PASS, [TestLine("a", True)], None))


class IsoProblemTest(unittest.TestCase):
    """When an ISO entry's boot fails."""

    @staticmethod
    def record(passed, tests):
        """A made-up BootRecord: only what iso_problem reads."""
        serial = SerialReport("ipclab: variant l4", tuple(tests), (), ())
        return types.SimpleNamespace(passed=passed, serial=serial, explanation="explained")

    def test_entries(self):
        """The e1000 entry must have run netbench's checks, and every TEST passes."""
        e1000 = TestLine("e1000_user_bad_input", True)
        self.assertIsNone(iso_problem(self.record(True, []), "all"))
        self.assertIsNone(iso_problem(self.record(True, [e1000]), "devtest,netbench"))
        self.assertIn("no e1000_user TEST line",
                      iso_problem(self.record(True, [TestLine("dev_irq", True)]),
                                  "devtest,netbench"))
        self.assertEqual(iso_problem(self.record(False, [TestLine("dev_irq", False, "x")]),
                                     "devtest,netbench"), "TEST dev_irq FAIL x")
        self.assertEqual(iso_problem(self.record(False, []), "all"), "explained")


class EchoProblemsTest(unittest.TestCase):
    """The echo boot's verdict, from the guest's results and the sink's streams."""

    @staticmethod
    def result(stream, itr, **changes):
        """One e1000 result line of the echo boot, every frame back."""
        return {"case": f"user/64B/itr{itr}", "stream": stream, "itr": itr, "frames": 10,
                "received": 10, "frame_bytes": 64, "interrupts": 2, **changes}

    def test_good_and_bad(self):
        """Nothing wrong; then a frame lost each way, and a setting without interrupts."""
        streams = {s: Stream(frames=10, next_seq=10) for s in (1, 2)}
        good = [self.result(1, 0), self.result(2, 200)]
        self.assertEqual(echo_problems(good, streams), [])
        problems = echo_problems([self.result(1, 0, received=9, lost=1),
                                  self.result(2, 200, interrupts=0)],
                                 {1: Stream(frames=10, next_seq=10), 2: Stream(frames=9)})
        self.assertEqual(problems, ["user/64B/itr0: lost 1", "user/64B/itr0: 9 of 10 came back",
                                    "user/64B/itr200: lost 1",
                                    "itr 200: no receive interrupt taken"])
        self.assertEqual(echo_problems([], {}), ["itr 0: no case", "itr 200: no case"])


class KernelFaultTest(unittest.TestCase):
    """crash=kernel must end in the panic status with a register dump."""

    DUMP = ("ipclab: KERNEL FAULT: vector 14 error 2 cr2 0x8",
            "  rip ffffffff80109b37 cs 8 rflags 82 rsp ffffffff80111fb0 ss 10",
            "  r13 0 r14 0 r15 0 cr3 000000000011f000")

    def test_panic_with_dump_passes(self):
        self.assertIsNone(kernel_fault_problem(Verdict(Outcome.PANIC, "panic"), self.DUMP))

    def test_other_outcomes_fail(self):
        for outcome in (Outcome.PASS, Outcome.FAIL, Outcome.HUNG, Outcome.UNEXPECTED):
            self.assertIsNotNone(kernel_fault_problem(Verdict(outcome, "x"), self.DUMP))

    def test_missing_registers_fail(self):
        problem = kernel_fault_problem(Verdict(Outcome.PANIC, "panic"), self.DUMP[:1])
        self.assertIn("rip", problem)


class MachineTestsTest(unittest.TestCase):
    """The kernel's CPU line, and its count of the CPUs it leaves unused."""

    CPUS = "ipclab: 4 cpus (ACPI MADT), running on apic id 0; unused: apic ids 1 2 3"

    def test_cpu_features(self):
        line = ('ipclab: cpu AuthenticAMD "QEMU Virtual CPU version 2.5+": pcid=no '
                'rdtscp=no pmu=absent')
        self.assertEqual(cpu_features(["boot", line]),
                         {"pcid": "no", "rdtscp": "no", "pmu": "absent"})
        self.assertEqual(cpu_features(["no cpu line"]), {})

    def test_every_other_cpu_named(self):
        self.assertIsNone(smp_problem(["x", self.CPUS + "\r"], 4))
        self.assertIsNone(smp_problem(["ipclab: 2 cpus (ACPI MADT), running on apic id 1; "
                                       "unused: apic ids 0"], 2))

    def test_wrong_or_missing_count(self):
        self.assertIn("counts 4 cpus", smp_problem([self.CPUS], 2))
        self.assertIn("no `ipclab: N cpus", smp_problem(["ipclab: cpu count unknown (no usable "
                                                         "ACPI MADT)"], 4))
        self.assertIn("expected 3", smp_problem([self.CPUS.replace(" 3", "")], 4))
        self.assertIn("expected 3", smp_problem([self.CPUS.replace("1 2 3", "0 1 2")], 4))
        self.assertIn("expected 3", smp_problem(["ipclab: 4 cpus (ACPI MADT), running on "
                                                 "apic id 0"], 4))


class BreakCopyTest(unittest.TestCase):
    """A BREAK_COPY=y boot must say so, print a failed data check and fail."""

    LINES = ("ipclab: variant l4 (IPC=sync MSG_REGS=8 BREAK_COPY=y)\r",
             "bench: pingpong roundtrip/same-space/16B: iteration 0, word 1: "
             "expected 0xe1e335dda4cea270, seen 0xbbb96f87fe94f82a",
             "bench: bulk shared/0B: iteration 0, the message's round word: "
             "expected 0x0, seen 0x1")

    def test_failed_check_and_failed_boot_pass(self):
        self.assertIsNone(break_copy_problem(Verdict(Outcome.FAIL, "fail"), self.LINES))

    def test_a_passing_boot_fails(self):
        problem = break_copy_problem(Verdict(Outcome.PASS, "pass"), self.LINES)
        self.assertIn("report failure", problem)

    def test_no_mismatch_line_fails(self):
        lines = (self.LINES[0], "bench: pingpong roundtrip/same-space/16B failed: error 3")
        self.assertIn("no data check failed",
                      break_copy_problem(Verdict(Outcome.FAIL, "fail"), lines))

    def test_bulk_must_fail_too(self):
        problem = break_copy_problem(Verdict(Outcome.FAIL, "fail"), self.LINES[:2])
        self.assertIn("bench: bulk", problem)

    def test_a_normal_build_fails(self):
        lines = (self.LINES[0].replace("BREAK_COPY=y", "BREAK_COPY=n"),) + self.LINES[1:]
        self.assertIn("banner", break_copy_problem(Verdict(Outcome.FAIL, "fail"), lines))

    def test_its_own_build_folder(self):
        self.assertEqual(str(break_copy_dir("mach")), "build/mach-break-copy")


class MemoryTest(unittest.TestCase):
    """The README's minimum-RAM claim, and the panic of a boot with far too little."""

    PANIC = ("ipclab: boot multiboot1, 1 MiB RAM, 7 frames free, 4 modules",
             "ipclab: PANIC: cannot load the root task root: out of memory (the memory "
             "quota, 7/8 of the free frames): it needs 84 KiB, 20 KiB free (1 MiB RAM, kernel "
             "and modules take the rest)")

    def test_claim(self):
        self.assertEqual(memory_claim("so\n`run=all` passes under icount with as\nlittle "
                                      "as 97 MiB of RAM (measured)"), "97M")
        self.assertIsNone(memory_claim("`run=all` passes with 97 MiB"))

    def test_panic_in_words_passes(self):
        self.assertIsNone(memory_short_problem(Verdict(Outcome.PANIC, "panic"), self.PANIC))
        idle = ("ipclab: PANIC: cannot make the idle thread: out of memory (free frames): it "
                "needs 8 KiB, 4 KiB free",)
        self.assertIsNone(memory_short_problem(Verdict(Outcome.PANIC, "panic"), idle))

    def test_bare_panic_or_no_panic_fails(self):
        bare = ("ipclab: PANIC: cannot load the root task",
                "ipclab: PANIC: no memory for the idle thread")
        self.assertIn("no panic line", memory_short_problem(Verdict(Outcome.PANIC, "p"), bare))
        enough = (self.PANIC[1].replace("84 KiB, 20", "84 KiB, 84"),)
        self.assertIsNotNone(memory_short_problem(Verdict(Outcome.PANIC, "p"), enough))
        self.assertIn("expected a kernel panic",
                      memory_short_problem(Verdict(Outcome.FAIL, "EXIT_FAIL"), self.PANIC))


class ReportTest(unittest.TestCase):
    """Result lines and the final count."""

    def test_lines_and_summary(self):
        """ok/FAIL lines as they come, then `N passed, N failed`."""
        out = io.StringIO()
        tally = Tally(out)
        tally(TestOutcome("target/l4/fault_pf", True))
        tally(TestOutcome("target/l4/ipc", False, "got 3"))
        tally(TestOutcome("harness (5 tests)", True, count=5))
        self.assertEqual(out.getvalue().splitlines(),
                         ["ok   target/l4/fault_pf", "FAIL target/l4/ipc: got 3",
                          "ok   harness (5 tests)"])
        self.assertEqual(tally.summary(), "6 passed, 1 failed")

    def test_skipped_tests_are_counted_apart(self):
        """A test that cannot apply says why and neither passes nor fails."""
        out = io.StringIO()
        tally = Tally(out)
        tally(TestOutcome("target/l4/a", True))
        tally(TestOutcome("target/l4/b", True, "MSG_REGS=1", skipped=True))
        self.assertEqual(out.getvalue().splitlines(),
                         ["ok   target/l4/a", "skip target/l4/b: MSG_REGS=1"])
        self.assertEqual(tally.summary(), "1 passed, 0 failed, 1 skipped")


@unittest.skipIf(shutil.which("make") is None, "make is not installed")
class WholeRunTest(unittest.TestCase):
    """run_tests in a fake tree: fake make targets, host binaries and QEMU."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.fake_qemu = str(make_tree(self.root))

    def tearDown(self):
        self.tmp.cleanup()

    def run_tests(self, **kwargs):
        """Run the suite; return (exit status, output lines)."""
        out = io.StringIO()
        options = Options(root=self.root, qemu=self.fake_qemu, **kwargs)
        with contextlib.redirect_stderr(io.StringIO()):
            status = run_tests(options, Tally(out))
        return status, out.getvalue().splitlines()

    def test_everything(self):
        """All four groups: host cases, a crash, harness, target and ISO."""
        status, lines = self.run_tests()
        self.assertEqual(status, 1)
        self.assertEqual(lines[-1], "31 passed, 2 failed")
        for case in ("args_modules", "args_root", "args_unknown_key", "args_kernel",
                     "args_cmdline_4096",
                     "args_cmdline_too_long",
                     "args_modules_17", "args_modules_18"):
            self.assertIn(f"ok   target/l4/{case}", lines)
        self.assertIn("ok   target/l4/memory_min", lines)
        self.assertIn("ok   target/l4/memory_short", lines)
        self.assertIn("ok   target/l4/e1000_echo", lines)
        self.assertIn("ok   target/l4/cpu_qemu64", lines)
        self.assertIn("ok   target/l4/smp_banner", lines)
        self.assertIn("ok   target/l4/break_copy", lines)
        self.assertIn("ok   target/l4/hostile_modules", lines)
        for case in ("supervise_fault", "supervise_exit", "supervise_crashloop"):
            self.assertIn(f"ok   target/l4/{case}", lines)
        self.assertIn("ok   target/l4/kernel_fault", lines)
        self.assertIn("ok   target/l4/fuzz", lines)
        self.assertIn("ok   target/l4/cycles_repeat", lines)
        self.assertIn("FAIL host/test_bad/two: want 2, got 3", lines)
        self.assertIn("ok   target/l4/fault_pf", lines)
        self.assertIn("ok   iso/l4/banner", lines)
        self.assertIn("ok   iso/l4/netbench", lines)
        self.assertIn("ok   harness (2 tests)", lines)
        crash = [line for line in lines if line.startswith("FAIL host/test_crash:")]
        self.assertEqual(len(crash), 1)
        self.assertIn("killed by SIGSEGV", crash[0])

    def test_only_one_target_test(self):
        """A bare name runs that on-target test alone."""
        status, lines = self.run_tests(only=("fault_pf",))
        self.assertEqual((status, lines), (0, ["ok   target/l4/fault_pf", "1 passed, 0 failed"]))
        argv = (self.root / "qemu-argv.json").read_text()
        self.assertIn("run=ktest nic=loop test=fault_pf unit=tsc", argv)

    def test_presets_at_once(self):
        """--jobs 2 tests two presets at once: the same lines as one at a time
        (in the order they finish), each counted once."""
        root = Path(self.tmp.name) / "two"
        root.mkdir()
        fake = str(make_tree(root, configs=("l4", "mach")))
        outcomes = {}
        for jobs in (1, 2):
            out = io.StringIO()
            options = Options(root=root, qemu=fake, configs=("l4", "mach"),
                              only=("fault_pf",), jobs=jobs)
            with contextlib.redirect_stderr(io.StringIO()):
                status = run_tests(options, Tally(out))
            lines = out.getvalue().splitlines()
            self.assertEqual((status, lines[-1]), (0, "2 passed, 0 failed"))
            outcomes[jobs] = sorted(lines[:-1])
        self.assertEqual(outcomes[2], ["ok   target/l4/fault_pf", "ok   target/mach/fault_pf"])
        self.assertEqual(outcomes[1], outcomes[2])

    def test_argument_error(self):
        """A program's refusal of an argument is found, root's start-up line is not."""
        lines = ["root: 3 boot modules, run=ktest\r",
                 "ktest: test=nosuch: no name begins with 'nosuch'; accepted: ...\r",
                 "ipclab: power off (fail)\r"]
        self.assertEqual(argument_error(lines),
                         "ktest: test=nosuch: no name begins with 'nosuch'; accepted: ...")
        self.assertIsNone(argument_error(lines[:1] + lines[2:]))

    def test_target_modules(self):
        """A test name boots the module that has it: devtest's are dev_*."""
        self.assertEqual(target_modules("fault_pf"), "ktest")
        self.assertEqual(target_modules("dev_irq"), "devtest")
        self.assertEqual(target_modules(""), "ktest,devtest")

    def test_machine_tests(self):
        """cpu_qemu64 runs ktest and the floor on qemu64; smp_banner a Q35 with 4 CPUs."""
        status, lines = self.run_tests(only=("cpu_qemu64",))
        self.assertEqual((status, lines), (0, ["ok   target/l4/cpu_qemu64", "1 passed, 0 failed"]))
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertEqual(argv[argv.index("-cpu") + 1], "qemu64")
        self.assertIn("-icount", argv)
        self.assertIn("bench=null_syscall,space_switch", argv[-1])
        status, lines = self.run_tests(only=("smp_banner",), cpu="Haswell")
        self.assertEqual((status, lines), (0, ["ok   target/l4/smp_banner", "1 passed, 0 failed"]))
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertEqual(argv[:4], ["-M", "q35", "-smp", "4"])
        self.assertEqual(argv[argv.index("-cpu") + 1], "Haswell")     # --cpu still holds

    def test_guest_options_reach_every_boot(self):
        """--cpu, --smp and --machine shape the boots of the on-target tests."""
        status, lines = self.run_tests(only=("fault_pf",), cpu="EPYC", smp=2, machine="q35")
        self.assertEqual(status, 0, lines)
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertEqual(argv[:4], ["-M", "q35", "-smp", "2"])
        self.assertEqual(argv[argv.index("-cpu") + 1], "EPYC")

    def test_memory_tests(self):
        """memory_min boots run=all with the README's figure; memory_short with 2M."""
        status, lines = self.run_tests(only=("memory_min",))
        self.assertEqual((status, lines), (0, ["ok   target/l4/memory_min", "1 passed, 0 failed"]))
        argv = json.loads((self.root / "qemu-argv.json").read_text())
        self.assertEqual(argv[argv.index("-m") + 1], "100M")
        self.assertTrue(argv[-1].startswith("run=all "), argv[-1])
        status, lines = self.run_tests(only=("memory_short",))
        self.assertEqual((status, lines), (0, ["ok   target/l4/memory_short",
                                               "1 passed, 0 failed"]))
        (self.root / "README.md").write_text("no claim here\n", encoding="utf-8")
        status, lines = self.run_tests(only=("memory_min",))
        self.assertEqual(status, 1)
        self.assertTrue(lines[0].startswith("FAIL target/l4/memory_min: README.md states no "
                                            "minimum RAM"), lines[0])

    def test_iso_entries(self):
        """Each ISO test boots its GRUB entry, named in an SMBIOS OEM string."""
        for test, entry in (("banner", "ipclab"), ("netbench", "netbench")):
            with self.subTest(test=test):
                status, lines = self.run_tests(only=(f"iso/l4/{test}",))
                self.assertEqual((status, lines), (0, [f"ok   iso/l4/{test}", "1 passed, 0 failed"]))
                argv = json.loads((self.root / "qemu-argv.json").read_text())
                self.assertIn(f"type=11,value=ipclab-boot={entry}", argv)
                self.assertEqual("e1000,netdev=n0" in argv, entry == "netbench")

    def test_axis_presets_skip_the_core_boots(self):
        """A preset that includes another (it only turns axes) boots its ktest and
        its IPC boots, not the core's argument, SMP and ISO tests, unless named."""
        self.assertIn("l4", testrun.ROOT_CONFIGS)
        self.assertNotIn("l4-nods", testrun.ROOT_CONFIGS)
        runs_on = {name: where for name, where, _ in testrun.own_boots()}
        for name in ("fuzz", "hostile_modules", "kernel_fault", "cpu_qemu64"):
            self.assertIsNone(runs_on[name], name)
        for name in ("smp_banner", "e1000_echo", "memory_short", "args_root"):
            self.assertEqual(runs_on[name], testrun.ROOT_CONFIGS, name)
        _, lines = self.run_tests(configs=("l4-nods",), only=("iso/",))
        self.assertEqual(lines[-1], "0 passed, 0 failed")
        _, lines = self.run_tests(configs=("l4-nods",), only=("iso/l4-nods/banner",))
        self.assertIn("iso/l4-nods/banner", lines[0])     # named: booted (no ISO here)

    def test_failing_target_test(self):
        """A FAIL line fails its test; EXIT_FAIL then is no boot failure."""
        status, lines = self.run_tests(only=("target/l4/broken",))
        self.assertEqual((status, lines),
                         (1, ["FAIL target/l4/broken: got 3, want 4", "0 passed, 1 failed"]))

    def test_skips_and_nothing_selected(self):
        """Skipped groups do not run; selecting nothing fails."""
        status, lines = self.run_tests(host=False, target=False, iso=False)
        self.assertEqual((status, lines), (0, ["ok   harness (2 tests)", "2 passed, 0 failed"]))
        status, lines = self.run_tests(only=("nothing/like/this",))
        self.assertEqual((status, lines), (1, ["0 passed, 0 failed"]))


if __name__ == "__main__":
    unittest.main()


class CyclesProblemTest(unittest.TestCase):
    """cycles_repeat's verdict on two cycles boots of one preset."""

    @staticmethod
    def record(warm=199, cold=8001, results=({"bench": "null_syscall", "median": 75},),
               passed=True):
        return types.SimpleNamespace(
            passed=passed, explanation="guest hung", serial=types.SimpleNamespace(
                results=list(results)),
            cycles={1: {"warm": {"median": warm}, "cold": {"median": cold}}})

    def test_verdicts(self):
        record = self.record
        self.assertIsNone(cycles_problem(record(), record()))
        self.assertEqual(cycles_problem(record(), record(warm=200)),
                         "two boots gave different model cycles")
        self.assertEqual(cycles_problem(record(), record(results=())),
                         "two boots gave different results")
        self.assertEqual(cycles_problem(record(cold=199), record(cold=199)),
                         "region 1: cold 199 is not above warm 199 model cycles")
        self.assertEqual(cycles_problem(record(passed=False), record()), "guest hung")
        empty = record()
        empty.cycles = {}
        self.assertEqual(cycles_problem(empty, record()),
                         "the cycle model saw no marked region")
