"""Linux-guest baselines: null system calls and the host ping-pongs inside a Linux guest
under QEMU icount, or under the cycle model (`--mode cycles`).

Debian's kernel (package linux-image-amd64, /boot/vmlinuz-*) boots with a tiny
initramfs built here: /dev, /dev/console and one static /init
(bench/linux-guest/init.c, linking the host baselines' transports and measuring
code from bench/host/).  /init times the null system calls (bench null_syscall:
syscall(SYS_getpid), syscall(SYS_getppid) and a number no kernel has, one call per
sample, like ipclab's null_syscall), plays pipe, unix_socket, futex, eventfd and
mqueue ping-pong between two processes on the one vCPU, prints one result line
per case (and direction; docs/results.md; variant "linux-mitigations-<M>", axes
kernel, mode and mitigations) and powers off through isa-debug-exit.  QEMU runs in ipclab's
icount mode (`-accel tcg -cpu max -icount shift=0,sleep=off`), so the guest TSC
counts instructions and Linux and ipclab figures share one unit.

In cycles mode (`--mode cycles`, docs/cycles.md) QEMU also loads the cycle
model's plugin (build/plugin/cycles.so, profile --profile) and /init runs only
the null system calls, each sample's call between the plugin's region markers
(`--regions 1`); each result gets the model's medians (model_cycles_warm,
model_cycles_cold, model_profile, as ipclab's cycles runs) and the run is stored
with mode "linux-cycles".

ipclab has no Spectre or Meltdown mitigations, Linux has them on by default, so
the guest boots twice: with `mitigations=off` (variant linux-mitigations-off,
like for like with ipclab) and with the kernel's default (variant
linux-mitigations-default, Linux as shipped).  QEMU's TCG `max` CPU says it is
not affected by Meltdown, so the default boot has no KPTI; a third setting,
`pti` (variant linux-mitigations-pti, the kernel's default plus `pti=on`),
forces KPTI, as Linux runs on a Meltdown-affected Skylake.  /init reads the
label from /proc/cmdline, so it says what the kernel was given, and each result
line says what the kernel did (sysfs's meltdown line) and whether the CPU has
PCID.  The boots' results are stored as one run of mode "linux-icount" (or
"linux-cycles") next to ipclab's runs.

    python3 -m harness.linuxguest [--mode icount|cycles] [--profile NAME] [--cr3 flush|keep]
                                  [--samples N] [--mitigations off|default|pti|both|all]
                                  [--no-store] [--timeout S]

Everything but find_kernel, ensure_kernel, build_init, boot and main is pure.
"""

import argparse
import gzip
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from harness import boot as ipclab_boot
from harness import qemu, runs, tables
from harness.plugin import cycles
from harness.process import Finished, last_nonblank, run_watched
from harness.serial import MarkerError, SerialReport, load_markers, parse_serial

PACKAGE = "linux-image-amd64"
NEED_PACKAGES = Path("tools/need-packages")
BOOT_DIR = Path("/boot")

MODE = "linux-icount"           # the mode of the stored run (icount)
QEMU_MODE = "icount"            # the harness.qemu mode the guest boots in
CYCLES_MODE = "cycles"          # the harness.qemu mode of the cycle model
QEMU_MODES = (QEMU_MODE, CYCLES_MODE)
UNIT = "instructions"

# The mitigation settings a guest boots with: `mitigations=off`, none given (the
# kernel's default), or the default with KPTI forced (`pti=on`).  ipclab has none, so
# "off" is the like-for-like comparison.
MITIGATIONS = ("off", "default", "pti")
# Whether the kernel must run with KPTI (its cpuinfo flag "pti") under a setting; the
# default's depends on whether the CPU says it is affected by Meltdown.
KPTI_OF = {"off": False, "pti": True}
# What --mitigations may name besides one setting: both = off and default, all = every one.
MITIGATION_GROUPS = {"both": ("off", "default"), "all": MITIGATIONS}

SOURCE_DIR = Path("bench/linux-guest")
BUILD_DIR = Path("build/linux-guest")
INIT_SOURCES = (SOURCE_DIR / "init.c", Path("bench/host/transports.c"),
                Path("bench/host/run.c"), Path("bench/host/stats.c"),
                Path("bench/host/counters_none.c"))
INIT_HEADERS = (Path("bench/host/ipcbench.h"), Path("bench/host/counters.h"),
                Path("include/ipclab/result.h"))
INIT_CFLAGS = ("-static", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Iinclude", "-Ibench/host")
INIT_LIBS = ("-lrt", "-lm")

TRANSPORTS = ("pipe", "unix_socket", "futex", "eventfd", "mqueue")
SYSCALL_BENCH = "null_syscall"
SYSCALL_CASES = ("getpid", "getppid", "nonexistent")    # init.c's syscall_cases, in order
BYTES = 8
DEFAULT_SAMPLES = 10000
# Cycles mode: the model's callbacks slow the guest, and a null system call's median
# settles long before this.
DEFAULT_CYCLES_SAMPLES = 1000
# Seconds QEMU may run in all before the watchdog calls the guest hung.  A boot
# takes about 10 s on the machine this was written on, 10000 samples of the
# five cases about 5 s more (see the module's report).
DEFAULT_TIMEOUT = 150.0
# Cycles mode: a boot with the plugin took 40-70 s here on a shared 2-core machine.
DEFAULT_CYCLES_TIMEOUT = 300.0
# The guest's own bound on one case, in guest seconds (under icount: 10^9 instructions).
GUEST_CASE_TIMEOUT = 30

GUEST_PREFIX = "linux-guest: "  # what /init's own lines start with
# /init's line naming a cycle-plugin region: `linux-guest: region 1 = null_syscall getpid`.
_REGION_LINE = re.compile(r"linux-guest: region (\d+) = (\S+) (\S+)\s*$")

Say = Callable[[str], None]


class LinuxGuestError(Exception):
    """Something that stops the run before or instead of a guest boot (one line)."""


def say(message: str) -> None:
    """One `harness: linux-guest: ...` line on stderr."""
    print(f"harness: linux-guest: {message}", file=sys.stderr, flush=True)


# --- The newc cpio format ------------------------------------------------------------

NEWC_MAGIC = b"070701"
NEWC_HEADER_LEN = 110                  # magic + 13 fields of 8 hex digits
TRAILER = "TRAILER!!!"
S_IFDIR, S_IFREG, S_IFCHR = 0o040000, 0o100000, 0o020000

# The header fields after the magic, in order.
NEWC_FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
               "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check")


@dataclass(frozen=True)
class CpioEntry:
    """One member of a cpio archive: a path (no leading /), its mode and contents."""

    name: str
    mode: int                          # file type and permission bits, as st_mode
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)     # (major, minor) of a device node
    uid: int = 0
    gid: int = 0
    mtime: int = 0


def directory(name: str, perm: int = 0o755) -> CpioEntry:
    """A directory entry."""
    return CpioEntry(name, S_IFDIR | perm)


def regular(name: str, data: bytes, perm: int = 0o644) -> CpioEntry:
    """A regular file entry."""
    return CpioEntry(name, S_IFREG | perm, data)


def char_device(name: str, major: int, minor: int, perm: int = 0o600) -> CpioEntry:
    """A character device node: no mknod (and no root) needed to put one in an archive."""
    return CpioEntry(name, S_IFCHR | perm, rdev=(major, minor))


def pad4(length: int) -> int:
    """How many NUL bytes bring length up to a multiple of 4."""
    return -length % 4


def newc_header(fields: dict[str, int]) -> bytes:
    """The 110-byte header: the magic, then each field as 8 upper-case hex digits."""
    for name in NEWC_FIELDS:
        if not 0 <= fields[name] <= 0xFFFFFFFF:
            raise ValueError(f"cpio field {name} out of range: {fields[name]}")
    return NEWC_MAGIC + b"".join(b"%08X" % fields[name] for name in NEWC_FIELDS)


def newc_member(entry: CpioEntry, ino: int) -> bytes:
    """One member: header, NUL-terminated name padded so that the data starts on a 4-byte
    boundary, then the data padded to a 4-byte boundary."""
    name = entry.name.encode("utf-8") + b"\0"
    kind = entry.mode & 0o170000
    if entry.data and kind != S_IFREG:
        raise ValueError(f"cpio entry {entry.name!r}: only regular files carry data")
    header = newc_header({
        "ino": ino, "mode": entry.mode, "uid": entry.uid, "gid": entry.gid,
        "nlink": 2 if kind == S_IFDIR else 1, "mtime": entry.mtime,
        "filesize": len(entry.data), "devmajor": 0, "devminor": 0,
        "rdevmajor": entry.rdev[0], "rdevminor": entry.rdev[1],
        "namesize": len(name), "check": 0})
    head = header + name
    return head + b"\0" * pad4(len(head)) + entry.data + b"\0" * pad4(len(entry.data))


def newc_archive(entries: Iterable[CpioEntry], block: int = 512) -> bytes:
    """A newc ("070701") cpio archive of entries, its TRAILER!!! member, padded with NULs
    to a multiple of block bytes."""
    parts = [newc_member(entry, ino) for ino, entry in enumerate(entries, start=1)]
    trailer = newc_member(CpioEntry(TRAILER, 0), 0)
    # The trailer's nlink is conventionally 1, as GNU cpio writes it; the kernel ignores it.
    archive = b"".join(parts) + trailer
    return archive + b"\0" * (-len(archive) % block if block else 0)


class CpioError(ValueError):
    """An archive this reader cannot parse."""


def parse_newc(archive: bytes) -> list[CpioEntry]:
    """The members of a newc archive up to its trailer (strict: checks magic, field
    syntax, 4-byte alignment, NUL terminators and padding)."""
    entries, at = [], 0
    while True:
        if at + NEWC_HEADER_LEN > len(archive):
            raise CpioError(f"truncated header at offset {at}")
        if at % 4:
            raise CpioError(f"member at offset {at} is not 4-byte aligned")
        if archive[at:at + 6] != NEWC_MAGIC:
            raise CpioError(f"bad magic {archive[at:at + 6]!r} at offset {at}")
        fields = {}
        for i, name in enumerate(NEWC_FIELDS):
            text = archive[at + 6 + 8 * i:at + 14 + 8 * i]
            if not re.fullmatch(rb"[0-9A-Fa-f]{8}", text):
                raise CpioError(f"field {name} at offset {at} is not hex: {text!r}")
            fields[name] = int(text, 16)
        name_at = at + NEWC_HEADER_LEN
        name_end = name_at + fields["namesize"]
        if fields["namesize"] < 1 or name_end > len(archive) or archive[name_end - 1] != 0:
            raise CpioError(f"bad name at offset {name_at}")
        name = archive[name_at:name_end - 1].decode("utf-8")
        data_at = name_end + pad4(name_end - at)
        data_end = data_at + fields["filesize"]
        if data_end > len(archive):
            raise CpioError(f"{name}: data runs past the end of the archive")
        padding = archive[name_end:data_at] + archive[data_end:data_end + pad4(data_end)]
        if padding.strip(b"\0"):
            raise CpioError(f"{name}: padding is not NUL bytes")
        if name == TRAILER:
            return entries
        entries.append(CpioEntry(name, fields["mode"], archive[data_at:data_end],
                                 (fields["rdevmajor"], fields["rdevminor"]),
                                 fields["uid"], fields["gid"], fields["mtime"]))
        at = data_end + pad4(data_end)


def initramfs_entries(init: bytes) -> list[CpioEntry]:
    """What the guest's initramfs holds: /dev, /dev/console (5, 1) and /init.

    The kernel opens /dev/console of the initramfs as /init's stdin, stdout and
    stderr, so /init needs to mount nothing to print; /init falls back on devtmpfs
    should the node be missing."""
    return [directory("dev"), char_device("dev/console", 5, 1), regular("init", init, 0o755)]


def initramfs(init: bytes, compress: bool = False) -> bytes:
    """The initramfs image: a newc archive, gzipped if asked (the kernel takes both)."""
    archive = newc_archive(initramfs_entries(init))
    return gzip.compress(archive, compresslevel=6, mtime=0) if compress else archive


# --- The kernel ---------------------------------------------------------------------------

def version_key(release: str) -> tuple:
    """A sort key that orders kernel releases numerically: 6.1.0-9 < 6.1.0-56 < 6.10.0-1."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|[^\d.+~-]+", release))


def release_of(image: Path) -> str:
    """`/boot/vmlinuz-6.1.0-56-amd64` -> `6.1.0-56-amd64`."""
    return image.name.removeprefix("vmlinuz-")


def kernel_images(boot_dir: Path = BOOT_DIR) -> list[Path]:
    """The vmlinuz-* images in boot_dir, oldest release first."""
    try:
        images = [p for p in boot_dir.glob("vmlinuz-*") if p.is_file()]
    except OSError:
        return []
    return sorted(images, key=lambda p: version_key(release_of(p)))


def unreadable(image: Path) -> Optional[str]:
    """Why image cannot be read, in one line; None if it can."""
    try:
        with open(image, "rb") as f:
            f.read(1)
        return None
    except PermissionError:
        mode = oct(image.stat().st_mode & 0o777)[2:].rjust(4, "0")
        return (f"cannot read {image} (mode {mode}, owner uid {image.stat().st_uid}): "
                f"run as root, or: sudo chmod 0644 {image}")
    except OSError as err:
        return f"cannot read {image}: {err.strerror}"


def find_kernel(boot_dir: Path = BOOT_DIR) -> Path:
    """The newest readable-or-not kernel image; LinuxGuestError if there is none."""
    images = kernel_images(boot_dir)
    if not images:
        raise LinuxGuestError(f"no kernel image ({boot_dir}/vmlinuz-*): "
                              f"install Debian's {PACKAGE}")
    return images[-1]


def install_command() -> str:
    """The exact command that installs the kernel package."""
    return f"sudo apt-get update && sudo apt-get install -y --no-install-recommends {PACKAGE}"


def ensure_kernel(root: Path, boot_dir: Path = BOOT_DIR, install: bool = True,
                  notify: Say = say) -> Path:
    """The newest kernel image, readable; installs the package first (as root, with
    tools/need-packages) when there is none.  LinuxGuestError (one line) otherwise."""
    if not kernel_images(boot_dir) and install:
        if os.geteuid() != 0:
            raise LinuxGuestError(f"no kernel image in {boot_dir}; as root the harness "
                                  f"installs it, or run: {install_command()}")
        notify(f"no kernel image in {boot_dir}: installing {PACKAGE} "
               f"(apt-get update and install; a minute or so)")
        try:
            done = subprocess.run([str(root / NEED_PACKAGES), PACKAGE], cwd=root,
                                  capture_output=True, text=True, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise LinuxGuestError(f"{NEED_PACKAGES} {PACKAGE} failed: {err}") from err
        if done.returncode != 0:
            raise LinuxGuestError(last_nonblank(done.stderr.splitlines())
                                  or f"{NEED_PACKAGES} {PACKAGE} failed ({done.returncode})")
    image = find_kernel(boot_dir)
    why = unreadable(image)
    if why:
        raise LinuxGuestError(why)
    return image


# --- /init ----------------------------------------------------------------------------------

def init_command(output: Path, cc: str = "gcc") -> list[str]:
    """The compiler command that builds /init (paths relative to the tree)."""
    return [cc, *INIT_CFLAGS, "-o", str(output), *map(str, INIT_SOURCES), *INIT_LIBS]


def build_init(root: Path, cc: str = "gcc") -> Path:
    """Build build/linux-guest/init when a source is newer; return its path in the tree."""
    output = BUILD_DIR / "init"
    target = root / output
    inputs = [root / p for p in (*INIT_SOURCES, *INIT_HEADERS)]
    try:
        newest = max(p.stat().st_mtime for p in inputs)
    except OSError as err:
        raise LinuxGuestError(f"missing source: {err.filename}") from err
    if target.exists() and target.stat().st_mtime >= newest:
        return output
    target.parent.mkdir(parents=True, exist_ok=True)
    argv = init_command(output, cc)
    try:
        done = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=120,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise LinuxGuestError(f"cannot build {output}: {err}") from err
    if done.returncode != 0:
        first = next((line for line in done.stderr.splitlines() if "error" in line),
                     last_nonblank(done.stderr.splitlines()))
        hint = " (static linking needs libc6-dev)" if "cannot find -l" in done.stderr else ""
        raise LinuxGuestError(f"cannot build {output}: {first}{hint}")
    return output


def write_initramfs(root: Path, init: Path, compress: bool = False) -> Path:
    """Write build/linux-guest/initramfs.cpio[.gz] around the built /init."""
    output = BUILD_DIR / ("initramfs.cpio.gz" if compress else "initramfs.cpio")
    (root / output).parent.mkdir(parents=True, exist_ok=True)
    (root / output).write_bytes(initramfs((root / init).read_bytes(), compress))
    return output


# --- Command lines ----------------------------------------------------------------------------

def init_args(samples: int, mode: str = QEMU_MODE, only: Optional[str] = None,
              case_timeout: int = GUEST_CASE_TIMEOUT) -> list[str]:
    """/init's arguments; in cycles mode the timed system calls get region markers."""
    args = ["--samples", str(samples), "--mode", mode, "--unit", qemu.time_unit(mode),
            "--timeout", str(case_timeout)]
    return (args + (["--only", only] if only else [])
            + (["--regions", "1"] if mode == CYCLES_MODE else []))


# Cycles mode: the same guest randomness and clock every boot.  Under icount the kernel's
# instructions repeat, but its addresses do not: KASLR and the rest seed from RDRAND (the
# host's entropy under TCG unless -seed) and the RTC (the host's time), so code and data
# land elsewhere and the model's cache and TLB figures moved by a few percent between two
# boots.  With both fixed two boots give the same model figures.
REPEATABLE = ("-seed", "1", "-rtc", "base=2026-01-01T00:00:00,clock=vm")

# The kernel's own arguments: the serial console; quiet (a printk on the UART costs guest
# instructions and wall time); a panic resets at once, which -no-reboot turns into a QEMU
# exit; no crypto self-tests at boot (about 0.74e9 of the 1.7e9 instructions before /init).
KERNEL_ARGS = ("console=ttyS0", "quiet", "panic=-1", "cryptomgr.notests")


def variant_of(mitigations: str) -> str:
    """The variant of a boot's results: `linux-mitigations-off`, `linux-mitigations-default`."""
    return f"linux-mitigations-{mitigations}"


def mitigation_args(mitigations: str) -> tuple[str, ...]:
    """The kernel arguments of a mitigation setting: `mitigations=off`, none, or
    `pti=on` (KPTI forced on a CPU that says it needs none)."""
    if mitigations not in MITIGATIONS:
        raise ValueError(f"unknown mitigation setting {mitigations!r}; expected one of "
                         f"{', '.join(MITIGATIONS)}")
    return {"off": ("mitigations=off",), "default": (), "pti": ("pti=on",)}[mitigations]


def kernel_cmdline(samples: int, mode: str = QEMU_MODE, only: Optional[str] = None,
                   mitigations: str = "default") -> str:
    """The kernel command line: KERNEL_ARGS and the mitigation setting, then /init's
    arguments after `--`."""
    return " ".join([*KERNEL_ARGS, *mitigation_args(mitigations), "--",
                     *init_args(samples, mode, only)])


def qemu_argv(kernel: Path, initrd: Path, cmdline: str, qemu_program: str = qemu.QEMU,
              mode: str = QEMU_MODE, plugin: Sequence[str] = ()) -> list[str]:
    """QEMU's command line: ipclab's machine and accelerator options, one vCPU, and in
    cycles mode REPEATABLE and the plugin's options."""
    return [qemu_program, *qemu.machine_args(), *qemu.BASE_ARGS, *qemu.memory_args(),
            *qemu.accel_args(mode), "-smp", "1", "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", cmdline, *(REPEATABLE if mode == CYCLES_MODE else ()), *plugin]


def default_only(mode: str, only: Optional[str]) -> Optional[str]:
    """What /init runs: in cycles mode only the null system calls (the ping-pongs carry no
    region markers), else what --only says (None: everything)."""
    return SYSCALL_BENCH if mode == CYCLES_MODE and only is None else only


def stored_mode(mode: str) -> str:
    """The mode of the stored run: linux-icount, linux-cycles."""
    return f"linux-{mode}"


def plugin_log(mitigations: str) -> Path:
    """Where the cycle plugin writes its records for one boot, relative to the tree."""
    return BUILD_DIR / f"cycles-{mitigations}.log"


# --- Results -----------------------------------------------------------------------------------

def expected_cases(only: Optional[str] = None) -> list[tuple[str, str]]:
    """(bench, case) of every result line the guest should print: the null system calls,
    then each transport's round trip and one way; only: null_syscall or one transport."""
    calls = [(SYSCALL_BENCH, c) for c in SYSCALL_CASES if only in (None, SYSCALL_BENCH)]
    return calls + [(t, f"{direction}/same-cpu/{BYTES}B")
                    for t in TRANSPORTS if only in (None, t)
                    for direction in ("roundtrip", "oneway")]


def region_labels(lines: Iterable[str]) -> dict[int, str]:
    """`bench case` by the cycle plugin's region ID, from /init's region lines."""
    return {int(m.group(1)): f"{m.group(2)} {m.group(3)}"
            for m in map(_REGION_LINE.search, lines) if m}


def with_model(results: Sequence[dict], records: dict[int, dict],
               labels: dict[int, str]) -> list[dict]:
    """The results, each with the model's medians of its case's region (model_cycles_warm,
    model_cycles_cold, model_profile); records are the plugin's, by region ID."""
    labelled = {str(region): {**record, "label": labels[region]}
                for region, record in records.items() if region in labels}
    return cycles.attach(list(results), labelled)


def model_problems(results: Sequence[dict], records: dict[int, dict]) -> list[str]:
    """What is wrong with a cycles boot's model figures: a null system call without them,
    a region whose markers do not pair.  [] if nothing."""
    problems = [f"{r['bench']} {r['case']}: no model cycles (no marked region)"
                for r in results if r.get("bench") == SYSCALL_BENCH
                and "model_cycles_warm" not in r]
    for region, record in sorted(records.items()):
        if record.get("unmatched") or record.get("unclosed"):
            problems.append(f"region {region}: {record.get('unmatched')} unmatched and "
                            f"{record.get('unclosed')} unclosed markers")
    return problems


def guest_lines(lines: Iterable[str]) -> list[str]:
    """/init's own notes and failures (`linux-guest: ...`)."""
    return [line[line.find(GUEST_PREFIX):].strip() for line in lines if GUEST_PREFIX in line]


def complete_results(results: Iterable[dict], mode: str = QEMU_MODE,
                     mitigations: str = "default") -> list[dict]:
    """The result lines with variant, axes and unit filled in where the guest left them out."""
    axes = {"mode": mode, "mitigations": mitigations}
    return [runs.mark_untimed(runs.complete(r, variant_of(mitigations), axes,
                                            qemu.time_unit(mode)), mode)
            for r in results if "bench" in r]


def check_results(results: Sequence[dict], only: Optional[str] = None,
                  samples: Optional[int] = None, mitigations: str = "default") -> list[str]:
    """What is wrong with a boot's results: missing cases, a variant or mitigations label
    other than the boot's, a wrong sample count.  [] if nothing."""
    problems = []
    have = {(r["bench"], r["case"]) for r in results}
    missing = [f"{b} {c}" for b, c in expected_cases(only) if (b, c) not in have]
    if missing:
        problems.append(f"missing results: {', '.join(missing)}")
    variant = variant_of(mitigations)
    for r in results:
        label = f"{r['bench']} {r['case']}"
        if r.get("variant") != variant:
            problems.append(f"{label}: variant {r.get('variant')!r}, not {variant!r}")
        said = (r.get("axes") or {}).get("mitigations")
        if said != mitigations:
            problems.append(f"{label}: the guest says mitigations {said!r}, "
                            f"the boot asked for {mitigations!r}")
        if mitigations in KPTI_OF and r.get("pti", KPTI_OF[mitigations]) != KPTI_OF[mitigations]:
            problems.append(f"{label}: the kernel runs {'with' if r['pti'] else 'without'} "
                            f"KPTI under {mitigation_args(mitigations)[0]}")
        if samples is not None and r.get("samples") != samples:
            problems.append(f"{label}: {r.get('samples')} samples, not {samples}")
    return problems


@dataclass(frozen=True)
class Timeline:
    """Seconds after QEMU started when the guest said something."""

    first_line: Optional[float] = None     # the first serial line at all
    init: Optional[float] = None           # /init's first line: the boot is over
    first_result: Optional[float] = None
    end: float = 0.0                       # QEMU exited (or was killed)


@dataclass
class _Clock:
    """Records when lines arrive, echoes them if asked, and reports progress."""

    start: float
    echo: bool
    notify: Say
    marker: str
    times: dict = field(default_factory=dict)

    def line(self, text: str) -> None:
        now = time.monotonic() - self.start
        self.times.setdefault("first_line", now)
        if GUEST_PREFIX in text:
            self.times.setdefault("init", now)
        if self.marker in text:
            self.times.setdefault("first_result", now)
        if self.echo:
            print(text, flush=True)
        elif "FAIL" in text and GUEST_PREFIX in text:
            self.notify(text[text.find(GUEST_PREFIX) + len(GUEST_PREFIX):].strip())


@dataclass(frozen=True)
class GuestBoot:
    """One boot of the Linux guest."""

    argv: tuple[str, ...]
    finished: Finished
    serial: SerialReport
    results: tuple[dict, ...]
    timeline: Timeline
    ok: bool
    explanation: str                       # one line
    log: Path
    mitigations: str = "default"           # the setting it booted with (MITIGATIONS)
    mode: str = QEMU_MODE                  # icount or cycles
    profile: Optional[str] = None          # cycles mode: the model's CPU profile
    cr3: Optional[str] = None              # cycles mode: the plugin's cr3=flush|keep


def judge(finished: Finished, serial: SerialReport, timeout: float,
          only: Optional[str] = None, samples: Optional[int] = None,
          results: Optional[Sequence[dict]] = None,
          mitigations: str = "default") -> tuple[bool, str]:
    """Whether a boot gave every result, and one line saying how it went."""
    results = list(serial.results) if results is None else list(results)
    notes = guest_lines(finished.stdout)
    fails = [n.removeprefix(GUEST_PREFIX) for n in notes if " FAIL " in f" {n} "]
    panic = next((line.strip() for line in finished.stdout if "Kernel panic" in line), "")
    verdict = qemu.judge_exit(finished.status, timed_out=finished.timed_out, timeout=timeout,
                              last_line=finished.last_line(), qemu_error=finished.last_error())
    if verdict.outcome is qemu.Outcome.HUNG:
        got = f"; {len(results)} result lines before that" if results else ""
        return False, f"linux guest hung: no power-off after {timeout:g} s{got} " \
                      f"(last line: {qemu.quote(finished.last_line())})"
    if panic:
        return False, f"linux guest: {qemu.quote(panic)}"
    problems = [*fails, *(f"malformed result line {qemu.quote(m)}" for m in serial.malformed),
                *check_results(results, only, samples, mitigations)]
    if verdict.outcome is qemu.Outcome.PASS and not problems:
        return True, f"linux guest passed: {len(results)} result lines ({variant_of(mitigations)})"
    if verdict.outcome is qemu.Outcome.FAIL:
        return False, "linux guest: " + ("; ".join(problems) or "a case failed")
    if verdict.outcome is qemu.Outcome.PASS:
        return False, "linux guest: " + "; ".join(problems)
    return False, f"linux guest: {verdict.explanation}"


def boot(root: Path, kernel: Path, initrd: Path, samples: int, *,
         timeout: float = DEFAULT_TIMEOUT, qemu_program: str = qemu.QEMU,
         only: Optional[str] = None, echo: bool = False, notify: Say = say,
         mitigations: str = "default", mode: str = QEMU_MODE,
         profile: str = cycles.DEFAULT_PROFILE, cr3: str = "flush") -> GuestBoot:
    """Boot the guest once under the watchdog with a mitigation setting, in icount or cycles
    mode (the plugin must be built: prepare_plugin); save the serial log in
    build/linux-guest/serial-<setting>.log (cycles mode: serial-cycles-<setting>.log)."""
    try:
        markers = load_markers(root)
    except MarkerError as err:
        raise LinuxGuestError(str(err)) from err
    only = default_only(mode, only)
    cmdline = kernel_cmdline(samples, mode, only, mitigations)
    plugin = plugin_options(root, mode, profile, mitigations, cr3)
    argv = qemu_argv(kernel, initrd, cmdline, qemu_program, mode, plugin)
    clock = _Clock(time.monotonic(), echo, notify, markers.result_begin)
    try:
        finished = run_watched(argv, timeout, cwd=root, on_stdout=clock.line)
    except FileNotFoundError as err:
        raise LinuxGuestError(f"{qemu_program} not found: apt-get install "
                              f"{qemu.QEMU_PACKAGE}") from err
    log = BUILD_DIR / ("serial-" + ("cycles-" if mode == CYCLES_MODE else "") +
                       f"{mitigations}.log")
    (root / log).parent.mkdir(parents=True, exist_ok=True)
    (root / log).write_text("".join(line + "\n" for line in finished.stdout), encoding="utf-8")
    serial = parse_serial(finished.stdout, markers)
    results = complete_results(serial.results, mode, mitigations)
    ok, explanation = judge(finished, serial, timeout, only, samples, results, mitigations)
    if mode == CYCLES_MODE:
        results, ok, explanation = model_figures(root, results, finished, mitigations, ok,
                                                 explanation)
    timeline = Timeline(clock.times.get("first_line"), clock.times.get("init"),
                        clock.times.get("first_result"), finished.elapsed)
    return GuestBoot(tuple(argv), finished, serial, tuple(results), timeline, ok, explanation,
                     log, mitigations, mode, *((profile, cr3) if mode == CYCLES_MODE
                                               else (None, None)))


def plugin_options(root: Path, mode: str, profile: str, mitigations: str,
                   cr3: str = "flush") -> list[str]:
    """The cycle plugin's QEMU options in cycles mode (its old log removed), else none;
    LinuxGuestError for an unknown profile.  cr3: flush (a CR3 write empties the model's
    non-global TLB entries, as on a CPU without PCID) or keep (as if the kernel set the
    PCID no-flush bit)."""
    if mode != CYCLES_MODE:
        return []
    try:
        profile_file = cycles.profile_path(root, profile)
    except ValueError as err:
        raise LinuxGuestError(str(err)) from err
    (root / plugin_log(mitigations)).unlink(missing_ok=True)
    return cycles.qemu_args(str(cycles.PLUGIN), str(profile_file), str(plugin_log(mitigations)),
                            cr3)


def model_figures(root: Path, results: list[dict], finished: Finished, mitigations: str,
                  ok: bool, explanation: str) -> tuple[list[dict], bool, str]:
    """A cycles boot's results with the plugin's figures attached, and its verdict made
    worse if they are missing or the log cannot be read."""
    try:
        records = cycles.parse((root / plugin_log(mitigations)).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return results, False, f"linux guest: cannot read {plugin_log(mitigations)}: {err}"
    results = with_model(results, records, region_labels(finished.stdout))
    problems = model_problems(results, records)
    if ok and problems:
        return results, False, "linux guest: " + "; ".join(problems)
    return results, ok, explanation


def prepare_plugin(root: Path, qemu_program: str) -> None:
    """Build the cycle plugin for this QEMU's plugin API; LinuxGuestError (one line)."""
    try:
        program = ipclab_boot.find_qemu(qemu_program)
        ipclab_boot.build(root, "plugin", variables=[f"QEMU={program}"])
        ipclab_boot.check_plugin(root, program, cycles.PLUGIN)
    except ipclab_boot.HarnessError as err:
        raise LinuxGuestError(str(err)) from err


def boot_meta(guest: GuestBoot) -> dict:
    """What a run's metadata says about one boot: its setting, what the kernel did about
    Meltdown, command line and times."""
    t = guest.timeline
    cmdline = guest.argv[guest.argv.index("-append") + 1] if "-append" in guest.argv else None
    said = {key: next((r[key] for r in guest.results if key in r), None)
            for key in ("meltdown", "pti", "pcid")}
    return {"mitigations": guest.mitigations, "variant": variant_of(guest.mitigations),
            "cmdline": cmdline, **said,
            "boot_seconds": None if t.init is None else round(t.init, 1),
            "run_seconds": round(t.end, 1)}


def make_run(root: Path, guests: Sequence[GuestBoot], kernel: Path,
             info: Optional[runs.HostInfo] = None, date: Optional[str] = None) -> runs.Run:
    """A stored run (mode linux-icount or linux-cycles) of the boots' results, one variant
    per boot."""
    info = info or runs.host_info(root, guests[0].argv[0])
    results = [r for guest in guests for r in guest.results]
    mode = guests[0].mode
    extra = {"kernel": str(kernel), "kernel_release": release_of(kernel),
             "mitigations": [g.mitigations for g in guests],
             "boots": [boot_meta(g) for g in guests], "qemu_mode": mode, "vcpus": 1}
    if mode == CYCLES_MODE:
        extra["model_profile"] = guests[0].profile
        extra["model_cr3"] = guests[0].cr3
    return runs.Run(runs.make_meta(info, stored_mode(mode), results, date or runs.now(),
                                   accel=qemu.accelerator(mode),
                                   memory=qemu.DEFAULT_MEMORY, **extra), results)


def median_lines(results: Iterable[dict]) -> list[str]:
    """One line per result: variant (which says the mitigations), bench, case, median, min
    and p99, in the result's unit; with the model's warm and cold medians where it has them
    (in model cycles of the profile the header names)."""
    results = list(results)
    profiles = sorted({r["model_profile"] for r in results if "model_profile" in r})
    model = [f"warm ({cycles.label(', '.join(profiles))})", "cold"] if profiles else []
    rows = [[r["variant"], r["bench"], r["case"], tables.fmt_number(r["median"]),
             tables.fmt_number(r["min"]), tables.fmt_number(r["p99"]),
             str(r.get("samples", "?")), r["unit"],
             *([tables.fmt_number(r["model_cycles_warm"]),
                tables.fmt_number(r["model_cycles_cold"])] if "model_cycles_warm" in r
               else ["-", "-"])[:len(model)]] for r in results]
    return tables.render(["variant", "bench", "case", "median", "min", "p99", "samples",
                          "unit", *model], rows)


# --- Command line -----------------------------------------------------------------------------

def positive_int(text: str) -> int:
    """argparse type: a whole number > 0."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number of seconds > 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The options of `python3 -m harness.linuxguest`."""
    p = argparse.ArgumentParser(
        prog="python3 -m harness.linuxguest",
        description="Boot Debian's kernel under QEMU icount with a tiny initramfs that times "
                    "null system calls and runs the host ping-pongs (pipe, unix_socket, "
                    "futex, eventfd, mqueue; 8 bytes; one vCPU), once with mitigations=off "
                    "and once with the kernel's default mitigations, print the results in "
                    "instructions and store them as one linux-<mode> run.  --mode cycles "
                    "adds the cycle model's figures (null system calls only).")
    p.add_argument("--mode", choices=QEMU_MODES, default=QEMU_MODE,
                   help="icount (instructions), or cycles: icount with the cycle model's "
                        "plugin, warm and cold model cycles per null system call "
                        "(docs/cycles.md)")
    p.add_argument("--cr3", choices=("flush", "keep"), default="flush",
                   help="cycles mode: a CR3 write empties the model's non-global TLB entries "
                        "(flush, default: QEMU's CPU has no PCID, so the guest's kernel uses "
                        "none), or keeps them (keep: as if the kernel set the PCID no-flush "
                        "bit; the run's model_cr3 says which)")
    p.add_argument("--profile", default=cycles.DEFAULT_PROFILE, metavar="NAME",
                   help="cycles mode: the model's CPU, harness/plugin/profiles/NAME.conf "
                        f"(default {cycles.DEFAULT_PROFILE})")
    p.add_argument("--samples", type=positive_int, metavar="N",
                   help=f"timed calls or round trips per case (default {DEFAULT_SAMPLES}; "
                        f"cycles mode {DEFAULT_CYCLES_SAMPLES})")
    p.add_argument("--only", choices=(SYSCALL_BENCH, *TRANSPORTS),
                   help="only the null system calls, or one transport (cycles mode: "
                        f"{SYSCALL_BENCH}, the only cases with model figures)")
    p.add_argument("--mitigations", choices=(*MITIGATIONS, *MITIGATION_GROUPS), default="both",
                   help="boot with mitigations=off, with the kernel's default, with the "
                        "default and pti=on (KPTI forced), both (off and default) or all "
                        "three (default: both, one boot each)")
    p.add_argument("--no-store", action="store_true", help="do not store the run")
    p.add_argument("--timeout", type=positive_float, metavar="S",
                   help=f"watchdog on the whole boot, in seconds (default {DEFAULT_TIMEOUT:g}; "
                        f"cycles mode {DEFAULT_CYCLES_TIMEOUT:g})")
    p.add_argument("--kernel", type=Path, metavar="IMAGE",
                   help=f"the kernel image (default: the newest {BOOT_DIR}/vmlinuz-*)")
    p.add_argument("--qemu", default=qemu.QEMU, metavar="PROGRAM",
                   help=f"the QEMU binary (default: {qemu.QEMU})")
    p.add_argument("--gzip", action="store_true", help="gzip the initramfs")
    p.add_argument("--echo", action="store_true", help="print the guest's serial output")
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    return p


def tree_root() -> Path:
    """The top of the ipclab tree."""
    return Path(__file__).resolve().parent.parent


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Exit status: 0 every result stored; 1 the guest failed, hung or lacks results;
    2 nothing could be booted (no kernel, no compiler, no QEMU)."""
    args = build_parser().parse_args(argv)
    root = args.root or tree_root()
    try:
        if args.kernel:
            kernel = args.kernel
            why = unreadable(kernel)
            if why:
                raise LinuxGuestError(why)
        else:
            kernel = ensure_kernel(root)
        if args.mode == CYCLES_MODE:
            prepare_plugin(root, args.qemu)
        init = build_init(root)
        initrd = write_initramfs(root, init, args.gzip)
        guests = [boot_one(root, kernel, initrd, args, setting)
                  for setting in settings(args.mitigations)]
    except LinuxGuestError as err:
        say(str(err))
        return 2
    except KeyboardInterrupt:
        return 130
    results = [r for guest in guests for r in guest.results]
    ok = all(guest.ok for guest in guests)
    if results:
        print("\n".join(median_lines(results)), flush=True)
    if ok and not args.no_store:
        say(f"stored {runs.store_run(root, make_run(root, guests, kernel))}")
    elif results and not args.no_store:
        say("not stored: a boot did not give every result")
    return 0 if ok else 1


def settings(choice: str) -> tuple[str, ...]:
    """The mitigation settings to boot with: a group's (both, all), or the one named."""
    return MITIGATION_GROUPS.get(choice, (choice,))


def samples_of(args: argparse.Namespace) -> int:
    """--samples, or the mode's default."""
    if args.samples:
        return args.samples
    return DEFAULT_CYCLES_SAMPLES if args.mode == CYCLES_MODE else DEFAULT_SAMPLES


def timeout_of(args: argparse.Namespace) -> float:
    """--timeout, or the mode's default."""
    if args.timeout:
        return args.timeout
    return DEFAULT_CYCLES_TIMEOUT if args.mode == CYCLES_MODE else DEFAULT_TIMEOUT


def boot_one(root: Path, kernel: Path, initrd: Path, args: argparse.Namespace,
             mitigations: str) -> GuestBoot:
    """One boot of main's, said before and after."""
    model = (f" with {cycles.label(args.profile)}, cr3={args.cr3}"
             if args.mode == CYCLES_MODE else "")
    say(f"booting {kernel} under QEMU icount{model}, {variant_of(mitigations)}, "
        f"{samples_of(args)} samples per case (watchdog {timeout_of(args):g} s)")
    guest = boot(root, kernel, initrd, samples_of(args), timeout=timeout_of(args),
                 qemu_program=args.qemu, only=args.only, echo=args.echo,
                 mitigations=mitigations, mode=args.mode, profile=args.profile,
                 cr3=args.cr3)
    t = guest.timeline
    boot_s = "/init never spoke" if t.init is None else f"boot {t.init:.1f} s"
    say(f"{guest.explanation}; {boot_s}, whole run {t.end:.1f} s; log {guest.log}")
    return guest


if __name__ == "__main__":
    sys.exit(main())
