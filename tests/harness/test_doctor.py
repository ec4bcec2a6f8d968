"""Tests of harness.doctor: what it says about made-up hosts."""

import unittest

from harness import doctor
from tests.harness.test_qemu import PVM_CPUINFO, SVM_CPUINFO, VMX_CPUINFO, facts

V72 = "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
V10 = "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)"


def host(version=V10, cpuinfo=VMX_CPUINFO, modules=("kvm",), dev_kvm=True, problem=None,
         missing=(), built=4) -> doctor.Host:
    """A made-up host: tools in missing are not in PATH."""
    return doctor.Host(facts(cpuinfo, dev_kvm=dev_kvm, modules=modules), "/opt/q/qemu",
                       problem, version, lambda tool: tool not in missing, built)


def modes(lines):
    """The mode lines, by mode."""
    start = lines.index("modes:") + 1
    return {line.split()[0]: line.split(None, 1)[1] for line in lines[start:]}


class DoctorTest(unittest.TestCase):
    def test_everything_there(self):
        """QEMU 10 on a VT-x host with every tool: every mode, API 4, nothing missing."""
        lines = doctor.doctor_lines(host())
        self.assertEqual(lines[0], f"qemu:        /opt/q/qemu: {V10}")
        self.assertEqual(lines[1], "plugin api:  4 (QEMU 10.0.2: plugin API 4)")
        self.assertEqual(lines[2], "plugins:     built for API 4")
        self.assertEqual(lines[3], "kvm:         hardware: Intel VT-x (vmx)")
        self.assertEqual(modes(lines), {m: "yes" for m in doctor_modes()})

    def test_qemu_72_says_what_is_missing_and_how_to_get_10(self):
        """On 7.2 the API line names what is missing and the commands for QEMU 10."""
        lines = doctor.doctor_lines(host(V72, built=1))
        api = lines[1]
        self.assertTrue(api.startswith("plugin api:  1 (QEMU 7.2.22: plugin API 1); QEMU plugin "
                                       "API 1 cannot read guest registers and memory"), api)
        self.assertIn("apt-get install -t bookworm-backports qemu-system-x86", api)
        self.assertIn("tools/qemu-backports", api)
        self.assertEqual(modes(lines)["footprint"], "yes")

    def test_kvm_kinds(self):
        """Real VT-x / AMD-V, kvm_pvm or another nested hypervisor, absent."""
        self.assertEqual(doctor.kvm_kind(facts(SVM_CPUINFO)), "hardware: AMD-V (svm)")
        self.assertIn("kvm_pvm", doctor.kvm_kind(facts(PVM_CPUINFO, modules=("kvm_pvm",))))
        self.assertIn("nested hypervisor", doctor.kvm_kind(facts(PVM_CPUINFO)))
        self.assertEqual(doctor.kvm_kind(facts(VMX_CPUINFO, dev_kvm=False)),
                         "absent (no /dev/kvm)")

    def test_modes_that_cannot_run_say_why(self):
        """kvm on kvm_pvm, iso without grub, footprint on an unsupported QEMU or without cc."""
        said = modes(doctor.doctor_lines(host("QEMU emulator version 9.1.0", PVM_CPUINFO,
                                              ("kvm_pvm",), missing=("grub-mkrescue",))))
        self.assertEqual((said["icount"], said["tcg"]), ("yes", "yes"))
        self.assertTrue(said["kvm"].startswith("no: /dev/kvm is kvm_pvm"), said["kvm"])
        self.assertTrue(said["iso"].startswith("no: grub-mkrescue not found: apt-get install"))
        self.assertIn("QEMU 9.1.0 is not supported", said["footprint"])
        said = modes(doctor.doctor_lines(host(missing=("cc",))))
        self.assertTrue(said["footprint"].startswith("no: no C compiler"), said["footprint"])

    def test_no_qemu(self):
        """Without a QEMU no mode runs, each with the same reason."""
        lines = doctor.doctor_lines(host(None, problem="--qemu /x: no such file"))
        self.assertEqual(lines[0], "qemu:        /opt/q/qemu: --qemu /x: no such file")
        self.assertEqual(set(modes(lines).values()), {"no: --qemu /x: no such file"})

    def test_plugins_built_for_another_level(self):
        """Plugins built for 7.2 and a QEMU 10: doctor says a footprint boot rebuilds them."""
        self.assertIn("built for API 1, not this QEMU's 4",
                      doctor.doctor_lines(host(built=1))[2])
        self.assertIn("not built", doctor.doctor_lines(host(built=None))[2])


def doctor_modes():
    """The modes doctor reports on."""
    return ("icount", "tcg", "footprint", "kvm", "iso")


if __name__ == "__main__":
    unittest.main()
