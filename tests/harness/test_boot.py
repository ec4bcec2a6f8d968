"""Tests of harness.boot: whole boots against a fake QEMU in a fake tree."""

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

from harness.__main__ import main
from harness.boot import BootRequest, HarnessError, boot, make_argv
from harness.qemu import HostFacts, Outcome
from tests.harness.fakes import MARKERS, make_tree, write_config_header

PVM_HOST = HostFacts(True, True, "flags : fpu hypervisor\n", frozenset({"kvm_pvm"}))


class BootTest(unittest.TestCase):
    """boot() with build=False, a fake QEMU and a temporary tree."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        self.fake_qemu = str(make_tree(self.root))
        self.notes = []

    def tearDown(self):
        self.tmp.cleanup()

    def boot(self, mode="tcg", extra="", **kwargs):
        """Boot l4 quietly in the fake tree."""
        settings = {"build": False, "echo": False, "qemu": self.fake_qemu, **kwargs}
        request = BootRequest("l4", mode, run="ktest", extra_args=extra, **settings)
        return boot(self.root, request, notify=self.notes.append, facts=PVM_HOST)

    def qemu_argv(self):
        """The command line the fake QEMU was started with."""
        return json.loads((self.root / "qemu-argv.json").read_text())

    def test_cycles_plugin_told_what_a_cr3_write_does(self):
        """cycles mode: the model keeps TLB entries across CR3 writes for a kernel
        built with PCID=y on a profile whose CPU has PCID, flushes for PCID=n or a
        CPU without (zen2), and has no global pages with KPTI; from the axes make
        wrote into build/l4/config.h."""
        cases = (({"PCID": "y"}, "skylake", "keep", "on"),
                 ({"PCID": "n"}, "skylake", "flush", "on"),
                 ({"PCID": "y", "KPTI": "kpti"}, "skylake", "keep", "off"),
                 ({"PCID": "n", "KPTI": "kpti"}, "skylake", "flush", "off"),
                 ({"PCID": "y"}, "zen2", "flush", "on"))
        for axes, profile, cr3, global_pages in cases:
            with self.subTest(axes=axes, profile=profile):
                write_config_header(self.root, "l4", **axes)
                self.boot("cycles", cpu_profile=profile)
                spec = self.qemu_argv()[self.qemu_argv().index("-plugin") + 1].split(",")
                self.assertIn(f"cpu=harness/plugin/profiles/{profile}.conf", spec)
                self.assertIn(f"cr3={cr3}", spec)
                self.assertIn(f"global={global_pages}", spec)
        (self.root / "build/l4/config.h").unlink()
        with self.assertRaisesRegex(HarnessError, r"build/l4/config.h .*make CONFIG=l4"):
            self.boot("cycles")

    def test_passing_boot(self):
        """EXIT_PASS after the banner passes; the log is saved without \\r."""
        record = self.boot(extra="test=fault_pf")
        self.assertTrue(record.passed, record.explanation)
        self.assertEqual(record.verdict.outcome, Outcome.PASS)
        self.assertEqual(record.serial.banner, MARKERS.banner_prefix + "fake (x86_64)")
        self.assertEqual([t.name for t in record.serial.tests], ["fault_pf"])
        self.assertEqual(record.serial.results, ({"bench": "null", "median": 42},))
        log = (self.root / "build/l4/tcg.log").read_text()
        self.assertIn(MARKERS.banner_prefix, log)
        self.assertNotIn("\r", log)
        self.assertEqual(self.qemu_argv()[-1], "run=ktest test=fault_pf unit=tsc")
        self.assertRegex(record.summary(),
                         r"^harness: l4/tcg: guest passed \(EXIT_PASS\); tests: 1 ok, "
                         r"0 failed; results: 1; [0-9.]+ s; log build/l4/tcg.log$")

    def test_kvm_falls_back_to_icount(self):
        """On a PVM host, kvm becomes icount with one note, instruction units and log."""
        record = self.boot(mode="kvm")
        self.assertEqual(record.mode, "icount")
        self.assertEqual(len(self.notes), 1)
        self.assertTrue(self.notes[0].startswith("kvm unavailable: "))
        self.assertIn("-icount", self.qemu_argv())
        self.assertTrue(self.qemu_argv()[-1].endswith("unit=instructions"))
        self.assertTrue((self.root / "build/l4/icount.log").is_file())

    def test_hang_is_killed_and_explained(self):
        """A silent guest is killed at the timeout; the summary names the last line."""
        record = self.boot(extra="fake=hang", timeout=1)
        self.assertFalse(record.passed)
        self.assertEqual(record.verdict.outcome, Outcome.HUNG)
        self.assertTrue(record.summary().startswith(
            "harness: l4/tcg: guest hung: no power-off after 1 s "
            "(last line: 'ktest: waiting for a message')"))

    def test_failures(self):
        """Guest failure, panic, reset, QEMU error, and EXIT_PASS without a banner."""
        cases = {"test=broken": (Outcome.FAIL, "EXIT_FAIL"),
                 "fake=panic": (Outcome.PANIC, "PANIC: page fault"),
                 "fake=reset": (Outcome.UNEXPECTED, "triple fault"),
                 "fake=qemu-error": (Outcome.UNEXPECTED, "could not load kernel"),
                 "fake=nobanner": (Outcome.PASS, "no banner")}
        for extra, (outcome, words) in cases.items():
            with self.subTest(extra=extra):
                record = self.boot(extra=extra)
                self.assertFalse(record.passed)
                self.assertEqual(record.verdict.outcome, outcome)
                self.assertIn(words, record.explanation)

    def test_memory(self):
        """256M unless the request says otherwise; a malformed size is one-line error."""
        self.boot()
        argv = self.qemu_argv()
        self.assertEqual(argv[argv.index("-m") + 1], "256M")
        self.boot(memory="24M")
        argv = self.qemu_argv()
        self.assertEqual(argv[argv.index("-m") + 1], "24M")
        with self.assertRaisesRegex(HarnessError, "memory size '24 MB' is not a number"):
            self.boot(memory="24 MB")

    def test_iso(self):
        """The ISO boots from -cdrom with no kernel arguments."""
        record = self.boot(mode="iso")
        self.assertTrue(record.passed, record.explanation)
        self.assertEqual(self.qemu_argv()[-2:], ["-cdrom", "build/l4/ipclab.iso"])

    def test_missing_files_and_qemu(self):
        """Unbuilt files and a missing QEMU stop the boot with one-line errors."""
        (self.root / "build/l4/user/ktest.elf").unlink()
        with self.assertRaisesRegex(HarnessError, "build/l4/user/ktest.elf is missing"):
            self.boot()
        with self.assertRaisesRegex(HarnessError, "apt-get install qemu-system-x86"):
            self.boot(qemu="no-such-qemu-binary")

    def test_guest_machine(self):
        """The request's cpu, smp and machine reach QEMU; a bad machine is one line."""
        record = self.boot(cpu="EPYC", smp=3, machine="q35")
        self.assertTrue(record.passed, record.explanation)
        argv = self.qemu_argv()
        self.assertEqual(argv[:4], ["-M", "q35", "-smp", "3"])
        self.assertEqual(argv[argv.index("-cpu") + 1], "EPYC")
        with self.assertRaisesRegex(HarnessError, "^unknown machine 'isapc'; expected one of "
                                                  "pc, q35$"):
            self.boot(machine="isapc")

    def test_make_argv(self):
        """The build commands of the contract."""
        self.assertEqual(make_argv(None, "l4"), ["make", "-s", "CONFIG=l4"])
        self.assertEqual(make_argv("iso", "l4"), ["make", "-s", "iso", "CONFIG=l4"])
        self.assertEqual(make_argv("host-tests"), ["make", "-s", "host-tests"])


class BootCommandTest(unittest.TestCase):
    """`harness boot` refuses a bad --run before it builds or boots anything."""

    def test_bad_run_is_one_line_error(self):
        for bad in ("", ",", "ktest,", "ktest,,bench", " ktest"):
            with self.subTest(run=bad):
                err = io.StringIO()
                with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as done:
                    main(["boot", "--config", "l4", "--mode", "tcg", "--run", bad, "--no-build"])
                self.assertEqual(done.exception.code, 2)
                last = err.getvalue().splitlines()[-1]
                self.assertIn("error: argument --run:", last)
                self.assertIn("is not name[,name...]", last)


if __name__ == "__main__":
    unittest.main()
