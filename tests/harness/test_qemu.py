"""Tests of harness.qemu: accelerator choice, command lines, exit statuses."""

import os
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from harness import qemu
from harness.qemu import HostFacts, Outcome

PVM_CPUINFO = """\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Processor
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep hypervisor lahf_lm
"""
VMX_CPUINFO = PVM_CPUINFO.replace("hypervisor", "vmx ept")
SVM_CPUINFO = PVM_CPUINFO.replace("hypervisor", "svm npt")


def facts(cpuinfo: str, dev_kvm: bool = True, access: bool = True,
          modules: tuple = ("kvm",)) -> HostFacts:
    """A made-up host."""
    return HostFacts(dev_kvm, access, cpuinfo, frozenset(modules))


class AcceleratorTest(unittest.TestCase):
    """KVM needs /dev/kvm and hardware virtualization."""

    def test_cpuinfo_fields(self):
        """Flags and model name come from the first CPU."""
        self.assertIn("hypervisor", qemu.cpu_flags(PVM_CPUINFO))
        self.assertEqual(qemu.cpu_model(PVM_CPUINFO), "Intel(R) Xeon(R) Processor")
        self.assertEqual(qemu.cpu_flags(""), frozenset())
        self.assertEqual(qemu.cpu_model(""), "unknown")

    def test_vmx_and_svm_hosts_use_kvm(self):
        """Either flag with /dev/kvm is enough."""
        for cpuinfo in (VMX_CPUINFO, SVM_CPUINFO):
            with self.subTest(cpuinfo=cpuinfo[-20:]):
                self.assertTrue(qemu.kvm_check(facts(cpuinfo)).usable)
                self.assertEqual(qemu.resolve_mode("kvm", facts(cpuinfo)), ("kvm", None))

    def test_pvm_host_falls_back_to_icount(self):
        """/dev/kvm from kvm_pvm without vmx/svm: icount, with the reason in one line."""
        host = facts(PVM_CPUINFO, modules=("kvm", "kvm_pvm"))
        mode, note = qemu.resolve_mode("kvm", host)
        self.assertEqual(mode, "icount")
        self.assertEqual(note, "kvm unavailable: /dev/kvm is kvm_pvm, a software nested "
                               "hypervisor (no vmx/svm flag in /proc/cpuinfo); "
                               "using icount (TCG) instead")
        self.assertNotIn("\n", note)

    def test_other_reasons(self):
        """No /dev/kvm; a nested hypervisor we cannot name; no permission."""
        self.assertEqual(qemu.kvm_check(facts(VMX_CPUINFO, dev_kvm=False)).reason,
                         "no /dev/kvm")
        self.assertIn("software nested hypervisor",
                      qemu.kvm_check(facts(PVM_CPUINFO)).reason)
        check = qemu.kvm_check(facts(VMX_CPUINFO, access=False))
        self.assertFalse(check.usable)
        self.assertIn("not readable and writable", check.reason)

    def test_other_modes_are_kept(self):
        """Only kvm is ever changed, and the host is not even looked at."""
        for mode in ("tcg", "icount", "iso"):
            self.assertEqual(qemu.resolve_mode(mode, None), (mode, None))

    def test_describe_host(self):
        """`harness cpu` names the CPU, QEMU and the accelerator with its reason."""
        lines = qemu.describe_host(facts(PVM_CPUINFO, modules=("kvm_pvm",)), None)
        self.assertEqual(len(lines), 3)
        self.assertIn("Intel(R) Xeon(R) Processor", lines[0])
        self.assertIn("apt-get install qemu-system-x86", lines[1])
        self.assertIn("icount", lines[2])
        self.assertIn("kvm_pvm", lines[2])


class CommandLineTest(unittest.TestCase):
    """The QEMU command line of each mode."""

    BASE = ["qemu-system-x86_64", "-M", "pc", "-display", "none",
            "-serial", "stdio", "-monitor", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-m", "256M"]
    INITRD = ",".join(f"build/l4/user/{m}.elf {m}" for m in qemu.MODULES)

    def direct(self, *accel: str, args: str) -> list:
        """The expected command line of a -kernel boot of l4."""
        return [*self.BASE, *accel, "-kernel", "build/l4/kernel32.elf",
                "-initrd", self.INITRD, "-append", args]

    def test_tcg(self):
        """TCG: -kernel, the modules root first, unit=tsc."""
        args = qemu.kernel_args("tcg", "ktest", "test=fault_pf")
        self.assertEqual(args, "run=ktest test=fault_pf unit=tsc")
        self.assertEqual(qemu.qemu_argv("l4", "tcg", args),
                         self.direct("-accel", "tcg", "-cpu", "max", args=args))

    def test_icount(self):
        """icount: -icount shift=0,sleep=off and unit=instructions."""
        args = qemu.kernel_args("icount", "all")
        self.assertEqual(args, "run=all unit=instructions")
        self.assertEqual(qemu.qemu_argv("l4", "icount", args),
                         self.direct("-accel", "tcg", "-cpu", "max",
                                     "-icount", "shift=0,sleep=off", args=args))

    def test_kvm(self):
        """kvm: the host CPU without arch-capabilities, unit=tsc."""
        args = qemu.kernel_args("kvm", "bench", "bench=pingpong")
        self.assertEqual(args, "run=bench bench=pingpong unit=tsc")
        self.assertEqual(qemu.qemu_argv("l4", "kvm", args),
                         self.direct("-accel", "kvm", "-cpu", "host,-arch-capabilities",
                                     args=args))

    def test_iso(self):
        """The ISO carries its own kernel arguments; run= only picks its GRUB entry."""
        self.assertEqual(qemu.qemu_argv("mach", "iso", "run=all bench=x"),
                         [*self.BASE, "-accel", "tcg", "-cpu", "max",
                          "-smbios", "type=11,value=ipclab-boot=ipclab",
                          "-cdrom", "build/mach/ipclab.iso"])
        self.assertEqual(qemu.qemu_argv("l4", "iso", "run=netbench nic=udp:9"),
                         [*self.BASE, "-accel", "tcg", "-cpu", "max",
                          "-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0",
                          "-smbios", "type=11,value=ipclab-boot=netbench",
                          "-cdrom", "build/l4/ipclab.iso"])

    def test_cpu_smp_machine(self):
        """--cpu replaces the mode's CPU model (kvm's host too); -M and -smp come first."""
        args = "run=all unit=tsc"
        argv = qemu.qemu_argv("l4", "tcg", args, cpu="qemu64", smp=4, machine="q35")
        self.assertEqual(argv[:5], ["qemu-system-x86_64", "-M", "q35", "-smp", "4"])
        self.assertEqual(argv[5:], self.direct("-accel", "tcg", "-cpu", "qemu64",
                                               args=args)[3:])
        self.assertEqual(qemu.accel_args("kvm", "EPYC"), ("-accel", "kvm", "-cpu", "EPYC"))
        self.assertEqual(qemu.accel_args("icount", "Haswell"),
                         ("-accel", "tcg", "-cpu", "Haswell", "-icount", "shift=0,sleep=off"))
        self.assertEqual(qemu.guest_cpu("kvm"), "host,-arch-capabilities")
        self.assertEqual(qemu.guest_cpu("iso"), "max")
        self.assertEqual(qemu.machine_args(), ("-M", "pc"))
        with self.assertRaisesRegex(ValueError, "unknown machine 'isapc'"):
            qemu.machine_args("isapc")
        with self.assertRaisesRegex(ValueError, "at least one CPU"):
            qemu.qemu_argv("l4", "tcg", args, smp=0)

    def test_memory(self):
        """256M unless asked; the size is checked and its unit written out."""
        argv = qemu.qemu_argv("l4", "tcg", "", memory="48m")
        self.assertEqual(argv[argv.index("-m") + 1], "48M")
        self.assertEqual(argv.count("-m"), 1)
        self.assertEqual(qemu.memory_size("64"), "64M")
        self.assertEqual(qemu.memory_size(" 1g"), "1G")
        self.assertEqual(qemu.memory_size("2048k"), "2048K")
        self.assertEqual(qemu.memory_size("2M"), "2M")
        with self.assertRaisesRegex(ValueError, "1M is too small: the kernel is loaded at 1 MiB"):
            qemu.memory_size("1M")
        for bad in ("", "0", "64MB", "-8M", "1.5G", "M", "2047K", "1024K"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                qemu.memory_size(bad)

    def test_iso_entry(self):
        """A run= naming a device module picks the e1000 entry, anything else the first."""
        self.assertEqual(qemu.iso_entry("run=devtest unit=tsc"), "netbench")
        self.assertEqual(qemu.iso_entry("run=ktest,e1000"), "netbench")
        self.assertEqual(qemu.iso_entry("run=all"), "ipclab")
        self.assertEqual(qemu.iso_entry(""), "ipclab")

    def test_explicit_unit_wins(self):
        """unit= given by the caller is not doubled."""
        self.assertEqual(qemu.kernel_args("icount", "ktest", "unit=tsc"), "run=ktest unit=tsc")

    def test_other_qemu_binary_and_unknown_mode(self):
        """Another QEMU binary may be named; an unknown mode is refused."""
        self.assertEqual(qemu.qemu_argv("l4", "tcg", "", qemu="/opt/q")[0], "/opt/q")
        with self.assertRaises(ValueError):
            qemu.qemu_argv("l4", "bochs", "")

    def test_supervision_modules_only_when_named(self):
        """crashy and rpcload are loaded when run= or serve= names them, and only then."""
        self.assertEqual(qemu.supervision_args("l4", "run=ktest,bench unit=tsc", "x"), "x")
        self.assertEqual(qemu.supervision_args("l4", "run=rpcload serve=crashy", "x"),
                         "x,build/l4/user/crashy.elf crashy,build/l4/user/rpcload.elf rpcload")
        self.assertEqual(qemu.supervision_args("mach", "run=ktest serve=crashy", "x"),
                         "x,build/mach/user/crashy.elf crashy")
        args = "run=rpcload serve=crashy unit=tsc"
        initrd = qemu.qemu_argv("l4", "tcg", args)[-3]
        self.assertTrue(initrd.startswith(self.INITRD + ",build/l4/user/crashy.elf crashy"))

    def test_boot_files_and_timeouts(self):
        """The files a boot needs, and the default watchdog per mode."""
        self.assertEqual([str(p) for p in qemu.boot_files("l4", "iso")],
                         ["build/l4/ipclab.iso"])
        self.assertEqual(len(qemu.boot_files("l4", "tcg")), 1 + len(qemu.MODULES))  # kernel too
        self.assertEqual(qemu.default_timeout("kvm"), 60)
        self.assertEqual(qemu.default_timeout("icount"), 120)


class ExitStatusTest(unittest.TestCase):
    """QEMU exit statuses and what they mean."""

    def test_guest_statuses(self):
        """33, 35, 37: EXIT_PASS, EXIT_FAIL, EXIT_PANIC shifted by isa-debug-exit."""
        self.assertEqual(qemu.judge_exit(33).outcome, Outcome.PASS)
        self.assertEqual(qemu.judge_exit(35).outcome, Outcome.FAIL)
        panic = qemu.judge_exit(37, last_line="PANIC: page fault at 0x0")
        self.assertEqual(panic.outcome, Outcome.PANIC)
        self.assertIn("PANIC: page fault", panic.explanation)

    def test_hung(self):
        """A watchdog kill says how long and the last line, on one line."""
        verdict = qemu.judge_exit(None, timed_out=True, timeout=120.0, last_line="ktest: x")
        self.assertEqual(verdict.outcome, Outcome.HUNG)
        self.assertEqual(verdict.explanation,
                         "guest hung: no power-off after 120 s (last line: 'ktest: x')")
        silent = qemu.judge_exit(None, timed_out=True, timeout=1.5)
        self.assertIn("no power-off after 1.5 s (no serial output)", silent.explanation)

    def test_unexpected(self):
        """Reset, QEMU errors, signals and stray codes are all unexpected."""
        cases = {0: "triple fault", 1: "QEMU failed: could not load kernel",
                 3: "unknown debug-exit code 0x1", -9: "SIGKILL", 2: "unexpected status 2"}
        for status, words in cases.items():
            with self.subTest(status=status):
                verdict = qemu.judge_exit(status, qemu_error="could not load kernel")
                self.assertEqual(verdict.outcome, Outcome.UNEXPECTED)
                self.assertIn(words, verdict.explanation)
                self.assertNotIn("\n", verdict.explanation)

    def test_long_last_line_is_shortened(self):
        """A huge last line does not make a huge message."""
        verdict = qemu.judge_exit(0, last_line="x" * 500)
        self.assertLess(len(verdict.explanation), 200)


if __name__ == "__main__":
    unittest.main()


class WhichQemuTest(unittest.TestCase):
    """--qemu's default, its checks, and the plugin API level of a QEMU."""

    def test_default_from_the_environment(self):
        """$IPCLAB_QEMU when set and not empty, else qemu-system-x86_64."""
        with mock.patch.dict(os.environ, {qemu.QEMU_ENV: "/opt/q/bin/qemu"}):
            self.assertEqual(qemu.default_qemu(), "/opt/q/bin/qemu")
        with mock.patch.dict(os.environ, {qemu.QEMU_ENV: ""}):
            self.assertEqual(qemu.default_qemu(), "qemu-system-x86_64")

    def test_bad_paths_in_one_line(self):
        """A missing path, a directory, a file that is not executable, an unknown name."""
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "qemu"
            plain.write_text("")
            self.assertEqual(qemu.qemu_problem(f"{tmp}/none"), f"--qemu {tmp}/none: no such file")
            self.assertEqual(qemu.qemu_problem(tmp), f"--qemu {tmp}: not an executable file")
            self.assertEqual(qemu.qemu_problem(str(plain)),
                             f"--qemu {plain}: not an executable file")
            plain.chmod(0o755)
            self.assertIsNone(qemu.qemu_problem(str(plain)))
        self.assertIn("not found in PATH", qemu.qemu_problem("no-such-qemu-here"))

    def test_release(self):
        """The version numbers of `qemu --version`'s first line."""
        self.assertEqual(qemu.release_of("QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2)"),
                         (10, 0, 2))
        self.assertEqual(qemu.release_of("QEMU emulator version 9.2"), (9, 2, 0))
        self.assertIsNone(qemu.release_of("something else"))
        self.assertIsNone(qemu.release_of(None))

    def test_plugin_api(self):
        """7.2 to 8.2: level 1; 9.2 and later: 4; 9.0, 9.1 and older ones: none, said why."""
        for release, level in (((7, 2, 22), 1), ((8, 2, 2), 1), ((9, 2, 0), 4),
                               ((10, 0, 2), 4), ((10, 1, 0), 4), ((9, 0, 0), None),
                               ((9, 1, 3), None), ((6, 2, 0), None), (None, None)):
            with self.subTest(release=release):
                got, about = qemu.plugin_api(release)
                self.assertEqual(got, level)
                self.assertNotIn("\n", about)
        self.assertIn("not supported", qemu.plugin_api((9, 1, 0))[1])

    def test_what_level_1_lacks(self):
        """Level 1 names what is missing and how to get QEMU 10, in one line; 4 lacks nothing."""
        note = qemu.plugin_api_missing(1)
        self.assertTrue(note.startswith("QEMU plugin API 1 cannot read guest registers"), note)
        self.assertIn("apt-get install -t bookworm-backports qemu-system-x86", note)
        self.assertNotIn("\n", note)
        self.assertIsNone(qemu.plugin_api_missing(4))
        self.assertIsNone(qemu.plugin_api_missing(None))
