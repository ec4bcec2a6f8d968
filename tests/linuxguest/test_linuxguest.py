"""Tests of harness/linuxguest.py: the Linux-guest baselines.

The cpio writer, the command lines, the kernel search, the result parsing and the
watchdog run without a kernel (a fake QEMU stands in).  TestRealBoot boots Debian's
kernel under QEMU icount with few samples (about 10-15 s); it is skipped, with the
reason, when the kernel image, QEMU or gcc is missing or the image is unreadable.

    python3 -m unittest tests.linuxguest.test_linuxguest
    python3 -m unittest tests.linuxguest.test_linuxguest.TestRealBoot
"""

import gzip
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from harness import linuxguest as lg
from harness import qemu, runs
from harness.process import Finished
from harness.serial import RESULT_HEADER, load_markers, parse_serial

TREE = Path(__file__).resolve().parents[2]
MARKERS = load_markers(TREE)


def result_line(bench, case, mitigations="default", **extra):
    """A guest result line as /init prints it."""
    data = {"bench": bench, "case": case, "variant": f"linux-mitigations-{mitigations}",
            "axes": {"kernel": "6.1.0-56-amd64", "mode": "icount", "mitigations": mitigations},
            "unit": "instructions", "samples": 100, "iterations": 1, "min": 10, "median": 12,
            "mean": 12.5, "stddev": 1, "p99": 14, "max": 20, "overhead": 7, **extra}
    return MARKERS.result_begin + json.dumps(data) + MARKERS.result_end


def all_result_lines(samples=100, mitigations="default"):
    """Every line a complete run prints."""
    return [result_line(b, c, mitigations, samples=samples) for b, c in lg.expected_cases()]


def finished(lines, status=qemu.STATUS_PASS, timed_out=False, stderr=()):
    """A made-up QEMU ending."""
    return Finished(None if timed_out else status, timed_out, 1.0, tuple(lines), tuple(stderr))


# --- cpio ---------------------------------------------------------------------------------

class TestNewc(unittest.TestCase):

    def sample_entries(self):
        return [lg.directory("dev"), lg.char_device("dev/console", 5, 1),
                lg.regular("init", b"\x7fELF" + bytes(range(256)) * 3, 0o755),
                lg.regular("empty", b""), lg.regular("a", b"x"),
                lg.regular("etc/odd-name.txt", b"12345", 0o600)]

    def test_round_trip(self):
        entries = self.sample_entries()
        self.assertEqual(lg.parse_newc(lg.newc_archive(entries)), entries)

    def test_header_layout(self):
        """A directory `dev`: 110-byte header, `dev\\0`, padded to 116; exact fields."""
        member = lg.newc_member(lg.directory("dev"), 1)
        self.assertEqual(len(member), 116)
        self.assertEqual(member[:6], b"070701")
        fields = [int(member[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        self.assertEqual(dict(zip(lg.NEWC_FIELDS, fields)),
                         {"ino": 1, "mode": 0o40755, "uid": 0, "gid": 0, "nlink": 2,
                          "mtime": 0, "filesize": 0, "devmajor": 0, "devminor": 0,
                          "rdevmajor": 0, "rdevminor": 0, "namesize": 4, "check": 0})
        self.assertEqual(member[110:], b"dev\0\0\0")
        self.assertRegex(member[6:110].decode(), r"^[0-9A-F]{104}$")

    def test_alignment_of_names_and_data(self):
        """Header + name and data are each padded to a multiple of 4, for every length."""
        for name_len in range(1, 10):
            for data_len in range(0, 9):
                name, data = "n" * name_len, bytes([0xAA]) * data_len
                member = lg.newc_member(lg.regular(name, data), 7)
                data_at = 110 + name_len + 1
                data_at += -data_at % 4
                with self.subTest(name_len=name_len, data_len=data_len):
                    self.assertEqual(data_at % 4, 0)
                    self.assertEqual(member[110:110 + name_len + 1], name.encode() + b"\0")
                    self.assertEqual(member[110 + name_len + 1:data_at],
                                     b"\0" * (data_at - 110 - name_len - 1))
                    self.assertEqual(member[data_at:data_at + data_len], data)
                    self.assertEqual(len(member), data_at + data_len + (-data_len % 4))
                    self.assertEqual(len(member) % 4, 0)

    def test_members_start_aligned_and_trailer_ends(self):
        archive = lg.newc_archive(self.sample_entries())
        self.assertEqual(len(archive) % 512, 0)
        at = 0
        names = []
        while True:
            self.assertEqual(at % 4, 0)
            self.assertEqual(archive[at:at + 6], b"070701")
            namesize = int(archive[at + 94:at + 102], 16)
            filesize = int(archive[at + 54:at + 62], 16)
            name = archive[at + 110:at + 110 + namesize - 1].decode()
            names.append(name)
            at += 110 + namesize
            at += -at % 4
            at += filesize + (-filesize % 4)
            if name == "TRAILER!!!":
                break
        self.assertEqual(names[-1], "TRAILER!!!")
        self.assertEqual(archive[at:], b"\0" * (len(archive) - at))

    def test_device_numbers(self):
        entry = lg.parse_newc(lg.newc_archive([lg.char_device("dev/console", 5, 1)]))[0]
        self.assertEqual(stat.S_IFMT(entry.mode), stat.S_IFCHR)
        self.assertEqual(entry.rdev, (5, 1))

    def test_only_files_carry_data(self):
        with self.assertRaises(ValueError):
            lg.newc_member(lg.CpioEntry("dev", lg.S_IFDIR | 0o755, b"x"), 1)

    def test_parser_refuses_damage(self):
        archive = lg.newc_archive(self.sample_entries())
        with self.assertRaisesRegex(lg.CpioError, "magic"):
            lg.parse_newc(b"070707" + archive[6:])
        with self.assertRaisesRegex(lg.CpioError, "truncated|past the end"):
            lg.parse_newc(archive[:300])
        with self.assertRaisesRegex(lg.CpioError, "not hex"):
            lg.parse_newc(archive[:6] + b"zz" + archive[8:])
        with self.assertRaisesRegex(lg.CpioError, "aligned|magic"):
            lg.parse_newc(b"\0\0" + archive)

    def test_initramfs_holds_dev_console_and_init(self):
        image = lg.initramfs(b"ELF!")
        entries = {e.name: e for e in lg.parse_newc(image)}
        self.assertEqual(sorted(entries), ["dev", "dev/console", "init"])
        self.assertEqual(entries["init"].data, b"ELF!")
        self.assertEqual(entries["init"].mode, stat.S_IFREG | 0o755)
        self.assertTrue(stat.S_ISDIR(entries["dev"].mode))
        self.assertEqual(entries["dev/console"].rdev, (5, 1))

    def test_gzip(self):
        packed = lg.initramfs(b"ELF!", compress=True)
        self.assertEqual(packed[:2], b"\x1f\x8b")
        self.assertEqual(gzip.decompress(packed), lg.initramfs(b"ELF!"))

    @unittest.skipUnless(shutil.which("cpio"), "GNU cpio is not installed")
    def test_gnu_cpio_reads_ours_and_we_read_its(self):
        archive = lg.newc_archive(self.sample_entries())
        listed = subprocess.run(["cpio", "-it", "--quiet"], input=archive, capture_output=True,
                                check=True, timeout=30)
        self.assertEqual(listed.stdout.decode().split(),
                         [e.name for e in self.sample_entries()])
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "f").write_bytes(b"hello")
            Path(tmp, "d").mkdir()
            made = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=b"f\nd\n",
                                  cwd=tmp, capture_output=True, check=True, timeout=30)
        got = {e.name: e for e in lg.parse_newc(made.stdout)}
        self.assertEqual(got["f"].data, b"hello")
        self.assertTrue(stat.S_ISDIR(got["d"].mode))


# --- Kernel search ------------------------------------------------------------------------

class TestKernelSearch(unittest.TestCase):

    def test_version_order(self):
        releases = ["6.10.0-1-amd64", "6.1.0-9-amd64", "6.1.0-56-amd64", "5.10.0-30-amd64"]
        self.assertEqual(sorted(releases, key=lg.version_key),
                         ["5.10.0-30-amd64", "6.1.0-9-amd64", "6.1.0-56-amd64",
                          "6.10.0-1-amd64"])

    def test_newest_image(self):
        with tempfile.TemporaryDirectory() as tmp:
            boot = Path(tmp)
            for release in ("6.1.0-9-amd64", "6.1.0-56-amd64", "5.10.0-30-amd64"):
                (boot / f"vmlinuz-{release}").write_bytes(b"x")
            (boot / "initrd.img-6.9.0-1-amd64").write_bytes(b"x")
            self.assertEqual(lg.find_kernel(boot).name, "vmlinuz-6.1.0-56-amd64")
            self.assertEqual(lg.release_of(lg.find_kernel(boot)), "6.1.0-56-amd64")

    def test_no_image(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(lg.LinuxGuestError, "linux-image-amd64"):
                lg.find_kernel(Path(tmp))
            with self.assertRaisesRegex(lg.LinuxGuestError, "linux-image-amd64"):
                lg.ensure_kernel(TREE, Path(tmp), install=False)

    @unittest.skipIf(os.geteuid() == 0, "root reads files of any mode")
    def test_unreadable_image_is_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            image = Path(tmp, "vmlinuz-6.1.0-56-amd64")
            image.write_bytes(b"x")
            image.chmod(0o600 & ~stat.S_IRUSR)
            why = lg.unreadable(image)
            self.assertIn("cannot read", why)
            self.assertIn("chmod 0644", why)
            self.assertNotIn("\n", why)

    def test_readable_image(self):
        with tempfile.TemporaryDirectory() as tmp:
            image = Path(tmp, "vmlinuz-1")
            image.write_bytes(b"x")
            self.assertIsNone(lg.unreadable(image))
            self.assertIn("No such file", lg.unreadable(Path(tmp, "nothing")))

    def test_install_command(self):
        self.assertIn("apt-get install", lg.install_command())
        self.assertIn("linux-image-amd64", lg.install_command())


# --- Command lines ------------------------------------------------------------------------

class TestCommandLines(unittest.TestCase):

    def test_qemu_argv_is_ipclab_icount_with_one_cpu(self):
        argv = lg.qemu_argv(Path("/boot/vmlinuz-x"), Path("build/linux-guest/initramfs.cpio"),
                            "console=ttyS0", "qemu-x")
        self.assertEqual(argv[0], "qemu-x")
        joined = " ".join(argv)
        self.assertIn("-accel tcg -cpu max -icount shift=0,sleep=off", joined)
        self.assertIn("-device isa-debug-exit,iobase=0xf4,iosize=0x04", joined)
        self.assertIn("-no-reboot", argv)
        self.assertEqual(argv[argv.index("-smp") + 1], "1")
        self.assertEqual(argv[argv.index("-kernel") + 1], "/boot/vmlinuz-x")
        self.assertEqual(argv[argv.index("-initrd") + 1], "build/linux-guest/initramfs.cpio")
        self.assertEqual(argv[argv.index("-append") + 1], "console=ttyS0")
        self.assertEqual(argv[argv.index("-serial") + 1], "stdio")

    def test_kernel_cmdline(self):
        line = lg.kernel_cmdline(1234)
        kernel, _, init = line.partition(" -- ")
        self.assertIn("console=ttyS0", kernel.split())
        self.assertIn("panic=-1", kernel.split())
        self.assertEqual(init.split(), ["--samples", "1234", "--mode", "icount", "--unit",
                                        "instructions", "--timeout", str(lg.GUEST_CASE_TIMEOUT)])
        self.assertTrue(lg.kernel_cmdline(5, only="futex").endswith("--only futex"))
        self.assertFalse([w for w in kernel.split() if w.startswith("mitigations=")])

    def test_mitigations_off_goes_to_the_kernel_not_to_init(self):
        kernel, _, init = lg.kernel_cmdline(10, mitigations="off").partition(" -- ")
        self.assertIn("mitigations=off", kernel.split())
        self.assertNotIn("mitigations", init)
        with self.assertRaisesRegex(ValueError, "unknown mitigation setting 'on'"):
            lg.kernel_cmdline(10, mitigations="on")

    def test_variants_name_the_setting(self):
        self.assertEqual([lg.variant_of(m) for m in lg.MITIGATIONS],
                         ["linux-mitigations-off", "linux-mitigations-default",
                          "linux-mitigations-pti"])
        self.assertEqual(lg.settings("both"), ("off", "default"))
        self.assertEqual(lg.settings("all"), ("off", "default", "pti"))
        self.assertEqual(lg.settings("off"), ("off",))
        self.assertEqual(lg.settings("pti"), ("pti",))

    def test_pti_forces_kpti_on_the_kernel_command_line(self):
        kernel, _, init = lg.kernel_cmdline(10, mitigations="pti").partition(" -- ")
        self.assertIn("pti=on", kernel.split())
        self.assertFalse([w for w in kernel.split() if w.startswith("mitigations=")])
        self.assertNotIn("pti", init)

    def test_cycles_mode_marks_regions_and_runs_the_null_system_calls(self):
        """Cycles mode: /init gets --regions 1 and, unless told otherwise, only the null
        system calls; QEMU gets icount's options and the plugin's."""
        self.assertEqual(lg.default_only("cycles", None), "null_syscall")
        self.assertEqual(lg.default_only("cycles", "pipe"), "pipe")
        self.assertIsNone(lg.default_only("icount", None))
        init = lg.kernel_cmdline(7, "cycles", "null_syscall").partition(" -- ")[2].split()
        self.assertEqual(init, ["--samples", "7", "--mode", "cycles", "--unit", "instructions",
                                "--timeout", str(lg.GUEST_CASE_TIMEOUT), "--only",
                                "null_syscall", "--regions", "1"])
        self.assertNotIn("--regions", lg.kernel_cmdline(7))
        argv = lg.qemu_argv(Path("k"), Path("i"), "c", "qemu-x", "cycles",
                            ["-plugin", "file=p", "-d", "plugin"])
        self.assertIn("-icount shift=0,sleep=off", " ".join(argv))
        self.assertEqual(argv[-4:], ["-plugin", "file=p", "-d", "plugin"])
        self.assertEqual(argv[argv.index("-seed") + 1], "1")        # the same KASLR each boot
        self.assertIn("clock=vm", argv[argv.index("-rtc") + 1])
        self.assertNotIn("-seed", lg.qemu_argv(Path("k"), Path("i"), "c", "qemu-x"))
        self.assertEqual(lg.stored_mode("cycles"), "linux-cycles")
        self.assertEqual(lg.stored_mode("icount"), lg.MODE)

    def test_init_build_command(self):
        argv = lg.init_command(Path("build/linux-guest/init"))
        self.assertIn("-static", argv)
        self.assertIn("-O2", argv)
        self.assertIn("bench/host/transports.c", argv)
        self.assertIn("bench/linux-guest/init.c", argv)
        for path in (*lg.INIT_SOURCES, *lg.INIT_HEADERS):
            self.assertTrue((TREE / path).is_file(), path)

    def test_options(self):
        args = lg.build_parser().parse_args(["--samples", "50", "--no-store", "--only", "pipe"])
        self.assertEqual((args.samples, args.no_store, args.only), (50, True, "pipe"))
        self.assertEqual(lg.samples_of(lg.build_parser().parse_args([])), 10000)
        self.assertEqual(lg.samples_of(lg.build_parser().parse_args(["--mode", "cycles"])),
                         lg.DEFAULT_CYCLES_SAMPLES)
        self.assertEqual(lg.samples_of(lg.build_parser().parse_args(
            ["--mode", "cycles", "--samples", "3"])), 3)
        self.assertEqual(lg.build_parser().parse_args(["--mode", "cycles"]).profile, "skylake")
        self.assertEqual(lg.timeout_of(lg.build_parser().parse_args([])), lg.DEFAULT_TIMEOUT)
        self.assertEqual(lg.timeout_of(lg.build_parser().parse_args(["--mode", "cycles"])),
                         lg.DEFAULT_CYCLES_TIMEOUT)
        self.assertEqual(lg.timeout_of(lg.build_parser().parse_args(["--timeout", "9"])), 9)
        self.assertEqual(lg.build_parser().parse_args([]).mitigations, "both")
        self.assertEqual(lg.build_parser().parse_args(["--mitigations", "off"]).mitigations,
                         "off")
        with self.assertRaises(SystemExit), open(os.devnull, "w") as null:
            stderr, sys.stderr = sys.stderr, null
            try:
                lg.build_parser().parse_args(["--samples", "0"])
            finally:
                sys.stderr = stderr


# --- Results ------------------------------------------------------------------------------

class TestResults(unittest.TestCase):

    def test_expected_cases(self):
        cases = lg.expected_cases()
        self.assertEqual(len(cases), 13)
        self.assertIn(("mqueue", "oneway/same-cpu/8B"), cases)
        self.assertEqual(cases[:3], [("null_syscall", "getpid"), ("null_syscall", "getppid"),
                                     ("null_syscall", "nonexistent")])
        self.assertEqual(lg.expected_cases("pipe"),
                         [("pipe", "roundtrip/same-cpu/8B"), ("pipe", "oneway/same-cpu/8B")])
        self.assertEqual(lg.expected_cases("null_syscall"), cases[:3])

    def test_check_results_wants_kpti_as_the_setting_says(self):
        """pti=on must give a kernel with KPTI, mitigations=off one without; the default's
        depends on the CPU, so either passes; a line that does not say is not judged."""
        def line(setting, pti):
            return {"bench": "null_syscall", "case": "getpid", "samples": 100,
                    "variant": lg.variant_of(setting), "axes": {"mitigations": setting},
                    **({} if pti is None else {"pti": pti})}
        def kpti(setting, pti):
            results = [line(setting, pti)]
            return [p for p in lg.check_results(results, "null_syscall", mitigations=setting)
                    if "KPTI" in p]
        self.assertEqual(kpti("pti", True), [])
        self.assertEqual(kpti("pti", False),
                         ["null_syscall getpid: the kernel runs without KPTI under pti=on"])
        self.assertEqual(kpti("off", True),
                         ["null_syscall getpid: the kernel runs with KPTI under "
                          "mitigations=off"])
        self.assertEqual(kpti("off", False), [])
        for pti in (True, False, None):
            self.assertEqual(kpti("default", pti), [])
        self.assertEqual(kpti("pti", None), [])

    def test_plugin_options(self):
        """Cycles mode loads the plugin with the profile and the CR3 treatment asked for and
        removes the boot's old plugin log; icount mode loads nothing; a bad profile is one
        line."""
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "harness/plugin/profiles").mkdir(parents=True)
            (root / "harness/plugin/profiles/skylake.conf").write_text("")
            old_log = root / lg.plugin_log("pti")
            old_log.parent.mkdir(parents=True)
            old_log.write_text("stale")
            self.assertEqual(lg.plugin_options(root, "icount", "skylake", "pti"), [])
            self.assertTrue(old_log.exists())
            argv = lg.plugin_options(root, "cycles", "skylake", "pti", "keep")
            self.assertFalse(old_log.exists())
            self.assertEqual(argv[:2], ["-plugin", "file=build/plugin/cycles.so,cpu=harness/"
                                                   "plugin/profiles/skylake.conf,cr3=keep,global=on"])
            self.assertEqual(argv[-1], str(lg.plugin_log("pti")))
            self.assertIn("cr3=flush", lg.plugin_options(root, "cycles", "skylake", "off")[1])
            with self.assertRaisesRegex(lg.LinuxGuestError, "unknown CPU profile 'zen9'"):
                lg.plugin_options(root, "cycles", "zen9", "off")

    def test_region_labels(self):
        """/init's region lines, with a console's debris around them; other lines ignored."""
        lines = ["linux-guest: region 1 = null_syscall getpid",
                 "[  1.0] x linux-guest: region 3 = null_syscall nonexistent\r",
                 "linux-guest: region two = null_syscall getppid",
                 "bench: footprint region 2 = pingpong roundtrip"]
        self.assertEqual(lg.region_labels(lines), {1: "null_syscall getpid",
                                                   3: "null_syscall nonexistent"})

    def test_model_figures_attach_by_label(self):
        """The plugin's records reach the result of their region's case; a null system call
        without a region, and markers that do not pair, are problems."""
        record = {"region": 1, "profile": "skylake", "occurrences": 5, "unmatched": 0,
                  "unclosed": 0, "warm": {"median": 273}, "cold": {"median": 19349}}
        results = [{"bench": "null_syscall", "case": "getpid"},
                   {"bench": "null_syscall", "case": "getppid"}, {"bench": "pipe", "case": "x"}]
        attached = lg.with_model(results, {1: record}, {1: "null_syscall getpid"})
        self.assertEqual(attached[0], {"bench": "null_syscall", "case": "getpid",
                                       "model_cycles_warm": 273, "model_cycles_cold": 19349,
                                       "model_profile": "skylake"})
        self.assertEqual(attached[1:], results[1:])
        self.assertEqual(lg.model_problems(attached, {1: record}),
                         ["null_syscall getppid: no model cycles (no marked region)"])
        self.assertEqual(lg.model_problems(attached[:1], {1: {**record, "unclosed": 1}}),
                         ["region 1: 0 unmatched and 1 unclosed markers"])
        unlabelled = lg.with_model(results[:1], {1: record}, {})
        self.assertNotIn("model_cycles_warm", unlabelled[0])

    def test_median_lines_show_the_model_where_there_is_one(self):
        base = {"variant": "linux-mitigations-off", "bench": "null_syscall", "median": 329,
                "min": 329, "p99": 330, "samples": 5, "unit": "instructions"}
        lines = lg.median_lines([{**base, "case": "getpid", "model_cycles_warm": 273,
                                  "model_cycles_cold": 19349, "model_profile": "skylake"},
                                 {**base, "case": "getppid"}])
        self.assertIn("warm (model cycles (profile skylake))", lines[0])
        self.assertTrue(lines[1].split()[-2:] == ["273", "19349"], lines[1])
        self.assertEqual(lines[2].split()[-2:], ["-", "-"])
        self.assertNotIn("warm", lg.median_lines([{**base, "case": "getpid"}])[0])

    def test_parse_with_debris(self):
        lines = ["\x1b[2J[    0.000000] Linux version 6.1.0", "noise" + all_result_lines()[0],
                 *all_result_lines()[1:], "linux-guest: done: 5 cases, all ran"]
        serial = parse_serial(lines, MARKERS)
        results = lg.complete_results(serial.results)
        self.assertEqual(len(results), 13)
        self.assertEqual(results[3]["case"], "roundtrip/same-cpu/8B")
        self.assertEqual(lg.check_results(results, samples=100), [])
        self.assertEqual(lg.guest_lines(lines), ["linux-guest: done: 5 cases, all ran"])

    def test_complete_fills_in_what_the_guest_left_out(self):
        line = {"bench": "pipe", "case": "roundtrip/same-cpu/8B", "median": 5}
        done = lg.complete_results([line], mitigations="off")[0]
        self.assertEqual((done["variant"], done["axes"], done["unit"]),
                         ("linux-mitigations-off", {"mode": "icount", "mitigations": "off"},
                          "instructions"))

    def test_check_results_wants_the_boots_label(self):
        """Results must say the mitigations the boot asked for: the label is not typed in."""
        off = lg.complete_results(parse_serial(all_result_lines(mitigations="off"),
                                               MARKERS).results, mitigations="off")
        self.assertEqual(lg.check_results(off, samples=100, mitigations="off"), [])
        problems = lg.check_results(off, samples=100, mitigations="default")
        self.assertIn("pipe roundtrip/same-cpu/8B: variant 'linux-mitigations-off', not "
                      "'linux-mitigations-default'", problems)
        self.assertIn("pipe roundtrip/same-cpu/8B: the guest says mitigations 'off', the boot "
                      "asked for 'default'", problems)
        unknown = [dict(off[0], axes={"mitigations": "unknown"})]
        self.assertIn("the guest says mitigations 'unknown'",
                      lg.check_results(unknown, "pipe", 100, "off")[-1])

    def test_check_results(self):
        results = lg.complete_results(parse_serial(all_result_lines()[:-1], MARKERS).results)
        problems = lg.check_results(results, samples=100)
        self.assertEqual(problems, ["missing results: mqueue oneway/same-cpu/8B"])
        self.assertIn("50 samples, not 100",
                      lg.check_results([{**results[0], "samples": 50}], "pipe", 100)[-1])

    def judge(self, lines, **kw):
        fin = finished(lines, **{k: v for k, v in kw.items() if k in ("status", "timed_out")})
        serial = parse_serial(lines, MARKERS)
        return lg.judge(fin, serial, 30, samples=kw.get("samples", 100),
                        results=lg.complete_results(serial.results))

    def test_judge_pass(self):
        self.assertEqual(self.judge(all_result_lines()),
                         (True, "linux guest passed: 13 result lines "
                                "(linux-mitigations-default)"))

    def test_judge_missing(self):
        ok, why = self.judge(all_result_lines()[:3] + all_result_lines()[5:])
        self.assertFalse(ok)
        self.assertIn("missing results: pipe roundtrip/same-cpu/8B", why)
        ok, why = self.judge(all_result_lines()[1:])
        self.assertIn("missing results: null_syscall getpid", why)

    def test_judge_guest_fail(self):
        lines = [*all_result_lines()[:8], "linux-guest: FAIL mqueue same-cpu/8B: mq_open: x"]
        ok, why = self.judge(lines, status=qemu.STATUS_FAIL)
        self.assertFalse(ok)
        self.assertIn("FAIL mqueue same-cpu/8B: mq_open: x", why)
        self.assertNotIn("\n", why)

    def test_judge_hang(self):
        ok, why = self.judge(["[    0.1] booting"], timed_out=True)
        self.assertFalse(ok)
        self.assertIn("hung: no power-off after 30 s", why)
        self.assertIn("booting", why)

    def test_judge_panic(self):
        lines = ["[    1.7] Kernel panic - not syncing: Attempted to kill init!"]
        ok, why = self.judge(lines, status=0)
        self.assertFalse(ok)
        self.assertIn("Kernel panic", why)

    def test_judge_reset(self):
        ok, why = self.judge([], status=0)
        self.assertFalse(ok)
        self.assertIn("status 0", why)

    def guest(self, mitigations):
        """A made-up boot with every result, at a mitigation setting."""
        lines = all_result_lines(mitigations=mitigations)
        serial = parse_serial(lines, MARKERS)
        return lg.GuestBoot(("qemu", "-append", lg.kernel_cmdline(100, mitigations=mitigations)),
                            finished(lines), serial,
                            tuple(lg.complete_results(serial.results, mitigations=mitigations)),
                            lg.Timeline(4.0, 9.0, 9.1, 14.0), True, "ok",
                            Path(f"build/linux-guest/serial-{mitigations}.log"), mitigations)

    def test_make_run(self):
        info = runs.HostInfo("box", "Some CPU", "7.2.22", "abc", False)
        run = lg.make_run(TREE, [self.guest("off"), self.guest("default")],
                          Path("/boot/vmlinuz-6.1.0-56-amd64"), info, "2026-01-02T03:04:05+00:00")
        self.assertEqual(run.meta["mode"], "linux-icount")
        self.assertEqual(run.meta["unit"], "instructions")
        self.assertEqual(run.meta["accel"], "tcg")
        self.assertEqual(run.meta["kernel_release"], "6.1.0-56-amd64")
        self.assertEqual(run.meta["mitigations"], ["off", "default"])
        self.assertEqual([b["boot_seconds"] for b in run.meta["boots"]], [9.0, 9.0])
        self.assertIn("mitigations=off", run.meta["boots"][0]["cmdline"])
        self.assertNotIn("mitigations=", run.meta["boots"][1]["cmdline"])
        self.assertEqual(runs.run_name(run.meta), "20260102-030405-box-linux-icount.json")
        again = runs.loads(runs.dumps(run))
        self.assertEqual(again.results, run.results)
        self.assertEqual(again.variants(), ["linux-mitigations-off", "linux-mitigations-default"])
        self.assertEqual({r["axes"]["mitigations"] for r in again.results}, {"off", "default"})

    def test_median_lines(self):
        results = lg.complete_results(parse_serial(all_result_lines(), MARKERS).results)
        lines = lg.median_lines(results)
        self.assertEqual(len(lines), 14)
        self.assertIn("median", lines[0])
        self.assertIn("getpid", lines[1])
        self.assertIn("roundtrip/same-cpu/8B", lines[4])
        self.assertTrue(lines[1].startswith("linux-mitigations-default "), lines[1])


# --- Boots with a fake QEMU: the watchdog ---------------------------------------------

FAKE_QEMU = '''#!{python}
import sys, time
argv = sys.argv[1:]
lines = {lines!r}
for line in lines:
    print(line + "\\r", flush=True)
if "{behaviour}" == "hang":
    time.sleep(60)
sys.exit({status})
'''


class TestFakeBoot(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        header = self.root / RESULT_HEADER
        header.parent.mkdir(parents=True)
        shutil.copyfile(TREE / RESULT_HEADER, header)

    def tearDown(self):
        self.tmp.cleanup()

    def fake(self, lines, status=33, behaviour="exit"):
        path = self.root / "fake-qemu"
        path.write_text(FAKE_QEMU.format(python=sys.executable, lines=list(lines),
                                         status=status, behaviour=behaviour))
        path.chmod(0o755)
        return str(path)

    def test_pass(self):
        lines = ["linux-guest: kernel 6.1.0-56-amd64, 100 samples per case", *all_result_lines()]
        guest = lg.boot(self.root, Path("vmlinuz"), Path("initrd"), 100,
                        qemu_program=self.fake(lines), timeout=20, notify=lambda s: None)
        self.assertTrue(guest.ok, guest.explanation)
        self.assertEqual(len(guest.results), 13)
        self.assertEqual(guest.log, lg.BUILD_DIR / "serial-default.log")
        self.assertIsNotNone(guest.timeline.init)
        self.assertIsNotNone(guest.timeline.first_result)
        self.assertTrue((self.root / guest.log).is_file())
        self.assertEqual(guest.argv[guest.argv.index("-smp") + 1], "1")

    def test_hang_is_one_line_within_the_timeout(self):
        guest = lg.boot(self.root, Path("vmlinuz"), Path("initrd"), 100,
                        qemu_program=self.fake(["[    0.5] stuck"], behaviour="hang"),
                        timeout=1.5, notify=lambda s: None)
        self.assertFalse(guest.ok)
        self.assertTrue(guest.finished.timed_out)
        self.assertLess(guest.finished.elapsed, 10)
        self.assertIn("hung", guest.explanation)
        self.assertNotIn("\n", guest.explanation)

    def test_missing_qemu(self):
        with self.assertRaisesRegex(lg.LinuxGuestError, "not found"):
            lg.boot(self.root, Path("vmlinuz"), Path("initrd"), 100,
                    qemu_program=str(self.root / "no-such-qemu"), timeout=5)

    def test_write_initramfs(self):
        init = self.root / "build" / "linux-guest" / "init"
        init.parent.mkdir(parents=True)
        init.write_bytes(b"ELF")
        path = lg.write_initramfs(self.root, lg.BUILD_DIR / "init")
        self.assertEqual(path, lg.BUILD_DIR / "initramfs.cpio")
        entries = lg.parse_newc((self.root / path).read_bytes())
        self.assertEqual([e.name for e in entries], ["dev", "dev/console", "init"])


# --- The real thing -----------------------------------------------------------------------

def real_boot_skip_reason():
    """Why the real boot cannot run here, or None."""
    images = lg.kernel_images()
    if not images:
        return f"no kernel image in {lg.BOOT_DIR} (install Debian's {lg.PACKAGE})"
    why = lg.unreadable(images[-1])
    if why:
        return why
    if not shutil.which(qemu.QEMU):
        return f"{qemu.QEMU} is not installed"
    if not shutil.which("gcc"):
        return "gcc is not installed"
    return None


@unittest.skipIf(real_boot_skip_reason(), real_boot_skip_reason())
class TestRealBoot(unittest.TestCase):
    """Boots Debian's kernel twice with 200 samples per case: about 20-30 s."""

    SAMPLES = 200

    def boot(self, mitigations, only=None):
        """One real boot at a mitigation setting."""
        kernel = lg.find_kernel()
        init = lg.build_init(TREE)
        initrd = lg.write_initramfs(TREE, init)
        return kernel, lg.boot(TREE, kernel, initrd, self.SAMPLES, timeout=90, only=only,
                               notify=lambda s: None, mitigations=mitigations)

    def test_default_mitigations_are_labelled(self):
        """No mitigations= on the command line: /init labels its results default."""
        kernel, guest = self.boot("default", only="pipe")
        self.assertTrue(guest.ok, guest.explanation)
        self.assertEqual({r["variant"] for r in guest.results}, {"linux-mitigations-default"})
        self.assertEqual({r["axes"]["mitigations"] for r in guest.results}, {"default"})

    def test_boot(self):
        """mitigations=off: every case, labelled off by /init from /proc/cmdline."""
        kernel, guest = self.boot("off")
        self.assertTrue(guest.ok, guest.explanation)
        self.assertEqual(guest.finished.status, qemu.STATUS_PASS)
        self.assertEqual(sorted((r["bench"], r["case"]) for r in guest.results),
                         sorted(lg.expected_cases()))
        for r in guest.results:
            with self.subTest(bench=r["bench"], case=r["case"]):
                self.assertEqual(r["variant"], "linux-mitigations-off")
                self.assertEqual(r["axes"], {"kernel": lg.release_of(kernel), "mode": "icount",
                                             "mitigations": "off"})
                self.assertEqual(r["unit"], "instructions")
                self.assertEqual(r["samples"], self.SAMPLES)
                self.assertLessEqual(r["min"], r["median"])
                self.assertLessEqual(r["median"], r["p99"])
                self.assertLessEqual(r["p99"], r["max"])
                self.assertGreater(r["min"], 100)        # a round trip through Linux
                self.assertGreater(r["overhead"], 0)
                self.assertEqual(r["meltdown"], "Not affected")   # QEMU's TCG `max` CPU
                if r["bench"] == "null_syscall":
                    self.assertIn("syscall_nr", r)
                    continue
                if r["case"].startswith("oneway"):
                    self.assertEqual(r["one_way"], "half of round trip")
                sw = r["switches"]
                self.assertEqual(sw["round_trips"], 1000 + self.SAMPLES)
                self.assertGreaterEqual(sw["initiator_voluntary"], sw["round_trips"])
        by_case = {(r["bench"], r["case"]): r for r in guest.results}
        for bench in lg.TRANSPORTS:
            whole = by_case[(bench, "roundtrip/same-cpu/8B")]["median"]
            self.assertAlmostEqual(by_case[(bench, "oneway/same-cpu/8B")]["median"], whole / 2,
                                   delta=0.05)      # one decimal printed


if __name__ == "__main__":
    unittest.main()
