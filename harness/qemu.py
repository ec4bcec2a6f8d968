"""QEMU: command lines, accelerator choice, and what an exit status means.

Everything here but host_facts() and qemu_version() is pure, so the unit tests
can check it against made-up hosts.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Optional, Sequence

from harness.process import signal_name

QEMU = "qemu-system-x86_64"
QEMU_PACKAGE = "qemu-system-x86"   # the Debian/Ubuntu package that provides it
# The QEMU the harness runs when no --qemu is given, if set (else QEMU); the
# harness sets it for what it starts (the plugin tests, make plugin).
QEMU_ENV = "IPCLAB_QEMU"

MODES = ("tcg", "icount", "kvm", "iso", "footprint", "cycles")

# Modes that run under -icount with a TCG plugin of harness/plugin.
PLUGIN_MODES = ("footprint", "cycles")

# Modes whose guest TSC is plain TCG time: good for function, not for measuring.
UNTIMED_MODES = ("tcg", "iso")

# The machines a boot may ask for (--machine): the i440FX PC, the default,
# and the Q35 PC with PCI Express.
MACHINES = ("pc", "q35")
DEFAULT_MACHINE = "pc"

# Every boot's options but the machine (machine_args) and the accelerator.
BASE_ARGS = ("-display", "none", "-serial", "stdio",
             "-monitor", "none", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04")

# The guest's RAM when nothing else is asked for (--memory).
DEFAULT_MEMORY = "256M"
_MEMORY = re.compile(r"([1-9][0-9]*)([KMG]?)", re.IGNORECASE)
_MEMORY_SHIFT = {"K": 10, "M": 20, "G": 30}
# The kernel is loaded at 1 MiB (arch/x86_64/kernel.ld): with less RAM than
# this the guest prints nothing at all, so such a size is refused up front.
MEMORY_MIN_BYTES = 2 << 20

# The boot modules, root first; the word after each path is the module's name.
MODULES = ("root", "ktest", "bench", "fuzz")

# QEMU exit statuses written through isa-debug-exit: (code << 1) | 1, with the
# codes from include/ipclab/abi.h (EXIT_PASS, EXIT_FAIL, EXIT_PANIC).
STATUS_PASS = (0x10 << 1) | 1
STATUS_FAIL = (0x11 << 1) | 1
STATUS_PANIC = (0x12 << 1) | 1


# --- Which QEMU, and its plugin API -------------------------------------------

# The TCG plugin API levels ipclab's plugins build for (harness/plugin/
# qemu_plugin_api.h), by QEMU release: [first, end) -> level.  QEMU 9.0 and
# 9.1 (levels 2 and 3) are between the two and not supported.
PLUGIN_API_LEVELS = (((7, 2), (9, 0), 1), ((9, 2), (99, 0), 4))
# The QEMUs the plugins are tested with (README.md, "QEMU versions").
TESTED_QEMUS = ("7.2", "10.0")
# What brings QEMU 10 to a Debian 12 machine beside its own 7.2.
QEMU10_HOWTO = ("tools/qemu-backports (apt-get download + dpkg -x of bookworm-backports' "
                "qemu-system-x86 into /opt/qemu10), then --qemu "
                "/opt/qemu10/bin/qemu-system-x86_64; or, replacing 7.2: echo 'deb "
                "http://deb.debian.org/debian bookworm-backports main' > "
                "/etc/apt/sources.list.d/backports.list && apt-get update && "
                "apt-get install -t bookworm-backports qemu-system-x86")


def plugin_api_missing(level: Optional[int]) -> Optional[str]:
    """One line: what ipclab's plugins cannot do at this plugin API level, and how
    to get QEMU 10 on Debian 12; None if nothing is missing."""
    if level is None or level >= 4:
        return None
    return (f"QEMU plugin API {level} cannot read guest registers and memory (no cr3 in "
            f"the footprint lines, no compat_read_cr3 for the cycle model): that needs "
            f"QEMU 9.2 or later; on Debian 12: {QEMU10_HOWTO}")


def default_qemu() -> str:
    """The QEMU to run when --qemu is not given: $IPCLAB_QEMU, else qemu-system-x86_64."""
    return os.environ.get(QEMU_ENV) or QEMU


def qemu_problem(program: str) -> Optional[str]:
    """Why program cannot be run as QEMU (one line), or None.  A path must be an
    executable file; a bare name is looked up in PATH."""
    if "/" not in program:
        found = shutil.which(program)
        return None if found else (f"{program} not found in PATH; install it with: "
                                   f"apt-get install {QEMU_PACKAGE}, or give --qemu PATH")
    if not os.path.exists(program):
        return f"--qemu {program}: no such file"
    if os.path.isdir(program) or not os.access(program, os.X_OK):
        return f"--qemu {program}: not an executable file"
    return None


def release_of(version_line: Optional[str]) -> Optional[tuple[int, int, int]]:
    """`QEMU emulator version 10.0.2 (Debian ...)` -> (10, 0, 2); None if unreadable."""
    found = re.search(r"version (\d+)\.(\d+)(?:\.(\d+))?", version_line or "")
    if not found:
        return None
    return int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)


def plugin_api(release: Optional[tuple[int, int, int]]) -> tuple[Optional[int], str]:
    """The plugin API level to build ipclab's plugins for, for a QEMU release,
    and a few words about it; None (with why) if the plugins do not support it."""
    if release is None:
        return None, "QEMU's version is unknown"
    for first, end, level in PLUGIN_API_LEVELS:
        if first <= release[:2] < end:
            return level, f"QEMU {'.'.join(map(str, release))}: plugin API {level}"
    shown = ".".join(map(str, release))
    return None, (f"QEMU {shown} is not supported by ipclab's TCG plugins (they build for "
                  f"QEMU 7.2 to 8.2, plugin API 1, and 9.2 and later, plugin API 4)")


# --- Accelerator choice ------------------------------------------------------

@dataclass(frozen=True)
class HostFacts:
    """What decides whether KVM can be used."""

    dev_kvm: bool                 # /dev/kvm exists
    dev_kvm_access: bool          # ... and we may open it read-write
    cpuinfo: str                  # the text of /proc/cpuinfo
    kernel_modules: frozenset     # names under /sys/module


@dataclass(frozen=True)
class KvmCheck:
    """Whether KVM is usable, and why (not)."""

    usable: bool
    reason: str


def host_facts() -> HostFacts:
    """Look at this host: /dev/kvm, /proc/cpuinfo, loaded kernel modules."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = ""
    try:
        modules = frozenset(os.listdir("/sys/module"))
    except OSError:
        modules = frozenset()
    return HostFacts(dev_kvm=os.path.exists("/dev/kvm"),
                     dev_kvm_access=os.access("/dev/kvm", os.R_OK | os.W_OK),
                     cpuinfo=cpuinfo, kernel_modules=modules)


def cpu_flags(cpuinfo: str) -> frozenset:
    """The flags of the first CPU listed in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def cpu_model(cpuinfo: str) -> str:
    """The model name of the first CPU listed in a /proc/cpuinfo text."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def kvm_check(facts: HostFacts) -> KvmCheck:
    """Decide whether QEMU can use KVM: /dev/kvm and a vmx or svm CPU flag.

    A software nested hypervisor such as PVM (kvm_pvm) provides /dev/kvm
    without hardware virtualization; QEMU's `-cpu host` runs badly or not at
    all on it, so it does not count.
    """
    if not facts.dev_kvm:
        return KvmCheck(False, "no /dev/kvm")
    flags = cpu_flags(facts.cpuinfo)
    if not flags & {"vmx", "svm"}:
        if "kvm_pvm" in facts.kernel_modules:
            what = "/dev/kvm is kvm_pvm, a software nested hypervisor"
        elif "hypervisor" in flags:
            what = "/dev/kvm is a software nested hypervisor"
        else:
            what = "/dev/kvm exists but the CPU lacks hardware virtualization"
        return KvmCheck(False, f"{what} (no vmx/svm flag in /proc/cpuinfo)")
    if not facts.dev_kvm_access:
        return KvmCheck(False, "/dev/kvm is not readable and writable by this user")
    flag = "vmx" if "vmx" in flags else "svm"
    return KvmCheck(True, f"/dev/kvm present and the CPU has {flag}")


def resolve_mode(requested: str, facts: Optional[HostFacts]) -> tuple[str, Optional[str]]:
    """The mode to boot in, and a one-line note when it differs from the request."""
    if requested != "kvm":
        return requested, None
    if facts is None:
        raise ValueError("resolve_mode needs the host facts for kvm")
    check = kvm_check(facts)
    if check.usable:
        return "kvm", None
    return "icount", f"kvm unavailable: {check.reason}; using icount (TCG) instead"


def describe_host(facts: HostFacts, version: Optional[str]) -> list[str]:
    """What `harness cpu` prints: host CPU, QEMU version, accelerator choice."""
    flags = cpu_flags(facts.cpuinfo)
    virt = sorted(flags & {"vmx", "svm", "hypervisor"})
    mode, _ = resolve_mode("kvm", facts)
    check = kvm_check(facts)
    accel = (f"kvm ({check.reason})" if mode == "kvm" else
             f"{mode} (TCG; --mode kvm falls back to it): kvm unavailable: {check.reason}")
    return [f"host cpu:    {cpu_model(facts.cpuinfo)}"
            f" (flags: {', '.join(virt) if virt else 'no vmx/svm/hypervisor'})",
            f"qemu:        {version or f'{QEMU} not found (apt-get install {QEMU_PACKAGE})'}",
            f"accelerator: {accel}"]


# --- Command lines ------------------------------------------------------------

def default_timeout(mode: str) -> float:
    """Seconds a boot may take before the watchdog calls it hung."""
    if mode in PLUGIN_MODES:
        return 600.0          # the plugin looks at every memory access
    return 60.0 if mode == "kvm" else 120.0


def time_unit(mode: str) -> str:
    """What the guest's TSC counts in this mode (the kernel's `unit=` argument)."""
    return "instructions" if mode in ("icount", *PLUGIN_MODES) else "tsc"


def accelerator(mode: str) -> str:
    """The QEMU accelerator a mode uses: kvm or tcg."""
    return "kvm" if mode == "kvm" else "tcg"


def guest_cpu(mode: str, cpu: Optional[str] = None) -> str:
    """QEMU's -cpu value: the one asked for, else the host's CPU (kvm) or max."""
    if cpu:
        return cpu
    return "host,-arch-capabilities" if mode == "kvm" else "max"


def accel_args(mode: str, cpu: Optional[str] = None) -> tuple[str, ...]:
    """The accelerator and CPU options of a mode; cpu replaces the mode's CPU model."""
    model = ("-cpu", guest_cpu(mode, cpu))
    if mode == "kvm":
        return ("-accel", "kvm", *model)
    if mode in ("icount", *PLUGIN_MODES):
        return ("-accel", "tcg", *model, "-icount", "shift=0,sleep=off")
    if mode in ("tcg", "iso"):
        return ("-accel", "tcg", *model)
    raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")


def machine_args(machine: str = DEFAULT_MACHINE, smp: int = 1) -> tuple[str, ...]:
    """-M machine, and -smp when the guest gets more than one CPU."""
    if machine not in MACHINES:
        raise ValueError(f"unknown machine {machine!r}; expected one of {', '.join(MACHINES)}")
    if smp < 1:
        raise ValueError(f"a guest needs at least one CPU, not {smp}")
    return ("-M", machine, *(("-smp", str(smp)) if smp > 1 else ()))


def kernel_args(mode: str, run: str, extra: str = "") -> str:
    """The kernel command line: `run=<modules> <extra> unit=<unit>`.

    The unit is left out when extra already sets one.
    """
    words = [f"run={run}", *extra.split()]
    if not any(word.startswith("unit=") for word in words):
        words.append(f"unit={time_unit(mode)}")
    return " ".join(words)


def memory_size(text: str) -> str:
    """A RAM size for QEMU's -m, checked: digits and K, M or G (none: MiB),
    e.g. 64M; returned with its unit in capitals.  ValueError if malformed."""
    found = _MEMORY.fullmatch(text.strip())
    if not found:
        raise ValueError(f"memory size {text!r} is not a number with K, M or G, e.g. 64M")
    size = found.group(1) + (found.group(2).upper() or "M")
    if int(found.group(1)) << _MEMORY_SHIFT[size[-1]] < MEMORY_MIN_BYTES:
        raise ValueError(f"memory size {size} is too small: the kernel is loaded at 1 MiB, "
                         f"so the guest needs {MEMORY_MIN_BYTES >> 20}M at least")
    return size


def memory_args(memory: str = DEFAULT_MEMORY) -> list[str]:
    """QEMU's options for the guest's RAM."""
    return ["-m", memory_size(memory)]


def build_dir(config: str) -> Path:
    """Where `make CONFIG=<config>` puts its output, relative to the tree."""
    return Path("build") / config


def boot_files(config: str, mode: str, out: Optional[Path] = None) -> tuple[Path, ...]:
    """The files a boot needs, relative to the tree, from out (default build_dir(config))."""
    out = out or build_dir(config)
    if mode == "iso":
        return (out / "ipclab.iso",)
    return (out / "kernel32.elf", *(out / "user" / f"{m}.elf" for m in MODULES))


def qemu_argv(config: str, mode: str, args: str, qemu: str = QEMU,
              plugin: Sequence[str] = (), out: Optional[Path] = None, *,
              cpu: Optional[str] = None, smp: int = 1, machine: str = DEFAULT_MACHINE,
              memory: str = DEFAULT_MEMORY) -> list[str]:
    """The full QEMU command line; paths are relative to the top of the tree.

    In iso mode the kernel arguments are baked into the image's GRUB entries:
    args only picks the entry (iso_entry) and its NIC.  plugin holds the TCG
    plugin's options (footprint mode); out, the build folder of the kernel and
    the boot modules, if not build_dir(config) (a test build).  cpu (None: the
    mode's), smp, machine and memory (-m) choose the emulated PC.
    """
    argv = [qemu, *machine_args(machine, smp), *BASE_ARGS, *memory_args(memory),
            *accel_args(mode, cpu), *plugin]
    files = boot_files(config, mode, out)
    if mode == "iso":
        entry = iso_entry(args)
        _, nic = device_args(config, ISO_DEVICE_ARGS, "") if entry == ISO_DEVICE_ENTRY else ("", [])
        return argv + nic + ["-smbios", f"type=11,value=ipclab-boot={entry}",
                             "-cdrom", str(files[0])]
    kernel, *modules = files
    initrd = ",".join(f"{path} {name}" for path, name in zip(modules, MODULES))
    initrd, nic = device_args(config, args, initrd)
    initrd = supervision_args(config, args, initrd)
    return argv + nic + ["-kernel", str(kernel), "-initrd", initrd, "-append", args]


# The device modules (docs/devices.md) are loaded only when run= names one of
# them; such a boot also gets an e1000 as nic= asks: "loop" (the driver loops
# frames back through its PHY), "udp:PORT" (frames go as UDP datagrams to
# 127.0.0.1:PORT, where harness.netbench's sink counts them), or QEMU's
# default NIC (an e1000 on -M pc) when nic= is absent.
DEVICE_MODULES = ("devtest", "e1000", "netbench")


# The ISO's GRUB entries (tools/grub.cfg.in), by id: the tests and IPC
# benchmarks, and the device modules' tests and driver benchmark.  GRUB boots
# the one an SMBIOS OEM string names at once, without its menu.
ISO_ENTRY = "ipclab"
ISO_DEVICE_ENTRY = "netbench"
ISO_DEVICE_ARGS = "run=devtest,netbench nic=loop"     # what that entry boots with


def iso_entry(args: str) -> str:
    """The ISO entry for kernel arguments: the device entry when run= names a device module."""
    words = dict(w.partition("=")[::2] for w in args.split())
    wanted = set(words.get("run", "").split(","))
    return ISO_DEVICE_ENTRY if wanted & set(DEVICE_MODULES) else ISO_ENTRY


def device_args(config: str, args: str, initrd: str) -> tuple[str, list[str]]:
    """The initrd list with the device modules, and the NIC options, for args."""
    words = dict(w.partition("=")[::2] for w in args.split())
    if not set(words.get("run", "").split(",")) & set(DEVICE_MODULES):
        return initrd, []
    out = build_dir(config) / "user"
    initrd = ",".join([initrd, *(f"{out / m}.elf {m}" for m in DEVICE_MODULES)])
    nic = words.get("nic", "")
    if nic == "loop":
        return initrd, ["-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0"]
    if nic.startswith("udp:"):
        port = int(nic[4:])
        return initrd, ["-netdev", f"socket,id=n0,udp=127.0.0.1:{port},localaddr=127.0.0.1:0",
                        "-device", "e1000,netdev=n0"]
    return initrd, []


# The supervision test's modules (README, "Supervision"): each is loaded
# only when run= or serve= names it.
SUPERVISION_MODULES = ("crashy", "rpcload")


def supervision_args(config: str, args: str, initrd: str) -> str:
    """The initrd list with the supervision modules that args names."""
    words = dict(w.partition("=")[::2] for w in args.split())
    named = {m for key in ("run", "serve") for m in words.get(key, "").split(",")}
    out = build_dir(config) / "user"
    return ",".join([initrd, *(f"{out / m}.elf {m}" for m in SUPERVISION_MODULES
                              if m in named)])


def qemu_version(qemu: str = QEMU) -> Optional[str]:
    """The first line of `qemu --version`, or None if QEMU cannot be run."""
    try:
        done = subprocess.run([qemu, "--version"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.splitlines()
    return lines[0].strip() if done.returncode == 0 and lines else None


# --- Exit status ----------------------------------------------------------------

class Outcome(Enum):
    """How a boot ended."""

    PASS = "pass"
    FAIL = "fail"
    PANIC = "panic"
    HUNG = "hung"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Verdict:
    """A boot's outcome with a one-line explanation."""

    outcome: Outcome
    explanation: str


def judge_exit(status: Optional[int], *, timed_out: bool = False, timeout: float = 0,
               last_line: str = "", qemu_error: str = "") -> Verdict:
    """Say what a QEMU exit status (or a watchdog kill) means."""
    last = f"(last line: {quote(last_line)})" if last_line else "(no serial output)"
    if timed_out or status is None:
        return Verdict(Outcome.HUNG, f"guest hung: no power-off after {timeout:g} s {last}")
    if status == STATUS_PASS:
        return Verdict(Outcome.PASS, "guest passed (EXIT_PASS)")
    if status == STATUS_FAIL:
        return Verdict(Outcome.FAIL, f"guest reported failure (EXIT_FAIL) {last}")
    if status == STATUS_PANIC:
        return Verdict(Outcome.PANIC, f"kernel panic (EXIT_PANIC) {last}")
    return Verdict(Outcome.UNEXPECTED, _unexpected(status, last, qemu_error))


def _unexpected(status: int, last: str, qemu_error: str) -> str:
    """Explain an exit status that is none of the guest's three."""
    if status < 0:
        return f"QEMU killed by {signal_name(-status)} {last}"
    if status == 0:
        return f"QEMU exited with status 0: guest reset or triple fault (-no-reboot) {last}"
    if status == 1:
        if qemu_error:
            return f"QEMU failed: {qemu_error}"
        return f"QEMU exited with status 1 (a QEMU error, or debug-exit code 0) {last}"
    if status & 1:
        code = status >> 1
        return f"guest wrote unknown debug-exit code {code:#x} (QEMU status {status}) {last}"
    return f"QEMU exited with unexpected status {status} {last}"


def quote(text: str, limit: int = 100) -> str:
    """A short, quoted rendering of a line for one-line messages."""
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return repr(text)
