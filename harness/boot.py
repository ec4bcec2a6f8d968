"""One boot of one variant: build it, run QEMU under the watchdog, keep the log."""

import importlib
import json
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from harness import qemu, runs
from harness.qemu import DEFAULT_MACHINE, DEFAULT_MEMORY
from harness.process import Finished, LineSink, run_watched
from harness.serial import Markers, MarkerError, SerialReport, load_markers, parse_serial

Notify = Callable[[str], None]

# Footprint mode: the TCG plugin's host side (imported on first use, since it
# is optional) and the plugin itself, built by `make plugin`.
FOOTPRINT_MODULE = "harness.plugin.footprint"
FOOTPRINT_PLUGIN = Path("build/plugin/footprint.so")
FOOTPRINT_API = Path("build/plugin/qemu-api")    # its API level, written by plugin.mk
# Cycles mode: the cycle model's plugin and its host side (harness/plugin/cycles.py).
CYCLES_MODULE = "harness.plugin.cycles"
CYCLES_PLUGIN = Path("build/plugin/cycles.so")
DEFAULT_PROFILE = "skylake"           # the CPU profile of cycles mode (--profile)


class HarnessError(Exception):
    """Something that stops the harness before a guest can run (exit status 2)."""


def say(message: str) -> None:
    """Print one `harness: ...` line on stderr."""
    print(f"harness: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class BootRequest:
    """What to boot and how."""

    config: str
    mode: str                         # as asked for; kvm may fall back to icount
    run: str = "all"                  # the root task's run= argument
    extra_args: str = ""              # more kernel arguments, e.g. "test=fault_pf"
    timeout: Optional[float] = None   # None: the mode's default
    build: bool = True                # run make first
    echo: bool = True                 # stream the serial output to stdout
    qemu: str = qemu.QEMU
    profile: bool = False             # footprint mode: also count instructions by address
    cpu: Optional[str] = None         # QEMU's -cpu model; None: the mode's (max, kvm: host)
    smp: int = 1                      # CPUs the guest is given (the kernel uses one)
    machine: str = DEFAULT_MACHINE    # QEMU's -M: pc or q35
    memory: str = DEFAULT_MEMORY      # the guest's RAM, QEMU's -m (e.g. 64M)
    cpu_profile: str = DEFAULT_PROFILE  # cycles mode: the model's CPU profile


@dataclass(frozen=True)
class BootRecord:
    """What happened during one boot."""

    config: str
    mode: str                         # the mode actually used
    argv: tuple[str, ...]
    finished: Finished
    serial: SerialReport
    verdict: qemu.Verdict
    passed: bool                      # EXIT_PASS and the banner was seen
    explanation: str                  # one line, without the config/mode prefix
    log: Path                         # the saved serial log, relative to the tree
    footprint: Optional[dict] = None  # footprint mode: what the plugin counted
    axes: Optional[dict] = None       # the axes the banner printed (None: no banner)
    cycles: Optional[dict] = None     # cycles mode: the model's records by region ID

    def summary(self) -> str:
        """The final one-line summary of the boot."""
        parts = [self.explanation]
        tests = self.serial.tests
        if tests:
            failed = len(self.serial.failed_tests())
            skipped = sum(t.skipped for t in tests)
            parts.append(f"tests: {len(tests) - failed - skipped} ok, {failed} failed"
                         + (f", {skipped} skipped" if skipped else ""))
        if self.serial.results:
            parts.append(f"results: {len(self.serial.results)}")
        if self.serial.malformed:
            parts.append(f"malformed result lines: {len(self.serial.malformed)}")
        if self.footprint is not None:
            parts.append(f"footprint regions: {len(self.footprint)}")
        if self.cycles is not None:
            parts.append(f"cycles regions: {len(self.cycles)}")
        if not self.finished.timed_out:
            parts.append(f"{self.finished.elapsed:.1f} s")
        parts.append(f"log {self.log}")
        return f"harness: {self.config}/{self.mode}: " + "; ".join(parts)


def make_argv(target: Optional[str] = None, config: Optional[str] = None,
              variables: Sequence[str] = ()) -> list[str]:
    """The quiet make command for a target (None: the default) and a variant,
    with more `NAME=value` variables (a test build's knobs)."""
    return ["make", "-s", *([target] if target else []),
            *([f"CONFIG={config}"] if config else []), *variables]


# One make at a time, whichever thread asks (harness test --jobs): builds of
# different presets share build/plugin/ and the dependency check.
_MAKE_LOCK = threading.Lock()


def build(root: Path, target: Optional[str] = None, config: Optional[str] = None,
          variables: Sequence[str] = ()) -> None:
    """Run make in the tree; raise HarnessError if it fails."""
    what = " ".join([str(config or target), *variables])
    try:
        with _MAKE_LOCK:
            done = subprocess.run(make_argv(target, config, variables), cwd=root, check=False)
    except OSError as err:
        raise HarnessError(f"build of {what} failed: cannot run make: {err.strerror}") from err
    if done.returncode != 0:
        raise HarnessError(f"build of {what} failed")


def find_qemu(program: str) -> str:
    """The path of the QEMU binary; raise HarnessError (one line) if it is not
    installed, or is a path that is missing or not executable."""
    problem = qemu.qemu_problem(program)
    if problem:
        raise HarnessError(problem)
    return shutil.which(program) or program


def check_files(root: Path, config: str, mode: str) -> None:
    """Raise HarnessError if a file the boot needs has not been built."""
    for path in qemu.boot_files(config, mode):
        if not (root / path).is_file():
            target = "iso " if mode == "iso" else ""
            raise HarnessError(f"{path} is missing (make {target}CONFIG={config} builds it)")


_AXES_JSON = re.compile(r'^#define CONFIG_AXES_JSON "(.*)"\s*$', re.MULTILINE)


def built_axes(root: Path, config: str) -> dict:
    """The axes the preset's kernel was built with, from the config.h that make
    wrote beside it (configs/<config>.mk over axes.mk's defaults); HarnessError
    (one line) if it is missing or unreadable."""
    path = qemu.build_dir(config) / "config.h"
    try:
        found = _AXES_JSON.search((root / path).read_text(encoding="utf-8"))
        axes = json.loads(found.group(1).replace('\\"', '"')) if found else None
    except (OSError, ValueError) as err:
        raise HarnessError(f"cannot read the axes in {path} (make CONFIG={config} "
                           f"writes it): {err}") from err
    if not isinstance(axes, dict):
        raise HarnessError(f"{path} has no CONFIG_AXES_JSON line (make CONFIG={config} "
                           f"writes it)")
    return axes


def footprint_module(name: str = FOOTPRINT_MODULE):
    """A plugin's host side (harness/plugin/footprint.py by default), imported now;
    HarnessError if it is missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name not in ("harness.plugin", name):
            raise HarnessError(f"cannot import {name}: {err}") from err
        mode, path = name.rsplit(".", 1)[-1], name.replace(".", "/")
        raise HarnessError(f"{mode} mode needs {path}.py, which is not in this tree") from err


def check_plugin(root: Path, program: str, plugin: Path = FOOTPRINT_PLUGIN) -> None:
    """Raise HarnessError (one line) if the plugin is not built, or was built
    for another plugin API level than this QEMU's."""
    rebuild = f"make plugin QEMU={program}"
    if not (root / plugin).is_file():
        raise HarnessError(f"{plugin} is missing ({rebuild} builds it)")
    level, about = qemu.plugin_api(qemu.release_of(qemu.qemu_version(program)))
    if level is None:
        raise HarnessError(f"{plugin.stem} plugin: {about}")
    try:
        built = int((root / FOOTPRINT_API).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        built = None
    if built != level:
        raise HarnessError(f"{plugin} was built for plugin API {built or 'unknown'}, "
                           f"but {program} offers {level} ({about}): {rebuild}")


def footprint_log(config: str, mode: str = "footprint") -> Path:
    """Where the mode's plugin writes its counts, relative to the tree."""
    return qemu.build_dir(config) / f"{mode}-plugin.log"


def read_footprint(root: Path, config: str, module, notify: Notify,
                   mode: str = "footprint") -> Optional[dict]:
    """The plugin's counts, parsed by its module; None (with a note) if it wrote none."""
    path = root / footprint_log(config, mode)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        notify(f"{mode}: the plugin wrote no {footprint_log(config, mode)}")
        return None
    try:
        return module.parse(text)
    except ValueError as err:
        notify(f"{mode}: cannot read {footprint_log(config, mode)}: {err}")
        return None


def plugin_args(root: Path, request: BootRequest, mode: str, module, program: str) -> list[str]:
    """The QEMU options of the mode's plugin; HarnessError if it is not built (for
    this QEMU's plugin API) or the CPU profile is unknown.  The plugin's old log
    is removed first.  The cycle model is told what a CR3 write does on its CPU
    with this kernel (cycles.tlb_options: the preset's PCID and KPTI axes as
    built, and whether the profile's CPU has PCID)."""
    plugin = CYCLES_PLUGIN if mode == "cycles" else FOOTPRINT_PLUGIN
    check_plugin(root, program, plugin)
    log = footprint_log(request.config, mode)
    (root / log).unlink(missing_ok=True)
    if mode == "footprint":
        return module.qemu_args(str(plugin), str(log), profile=request.profile)
    axes = built_axes(root, request.config)
    try:
        profile = module.profile_path(root, request.cpu_profile)
        tlb = module.tlb_options(axes, module.cpu_has_pcid(root, profile))
    except ValueError as err:
        raise HarnessError(str(err)) from err
    return module.qemu_args(str(plugin), str(profile), str(log), cr3=tlb["cr3"],
                            global_pages=tlb["global"])


def judge_boot(verdict: qemu.Verdict, serial: SerialReport,
               markers: Markers) -> tuple[bool, str]:
    """A boot passes when the guest powered off with EXIT_PASS after its banner."""
    if verdict.outcome is qemu.Outcome.PASS and serial.banner is None:
        return False, (f"guest passed (EXIT_PASS) but printed no banner "
                       f"(a line with {markers.banner_prefix!r})")
    return verdict.outcome is qemu.Outcome.PASS, verdict.explanation


def boot(root: Path, request: BootRequest, *, notify: Notify = say,
         watch: Optional[LineSink] = None,
         facts: Optional[qemu.HostFacts] = None) -> BootRecord:
    """Build (unless told not to) and boot one variant; save its serial log.

    notify gets one-line notes such as the KVM fallback; watch, if given, sees
    each serial line as it arrives; facts describes the host for the KVM check
    (default: this host).  Raises HarnessError when the guest cannot be
    started at all.
    """
    program = find_qemu(request.qemu)
    try:
        markers = load_markers(root)
    except MarkerError as err:
        raise HarnessError(str(err)) from err
    if facts is None and request.mode == "kvm":
        facts = qemu.host_facts()
    mode, note = qemu.resolve_mode(request.mode, facts)
    if note:
        notify(note)
    plugin = (footprint_module(CYCLES_MODULE if mode == "cycles" else FOOTPRINT_MODULE)
              if mode in qemu.PLUGIN_MODES else None)
    if plugin and mode == "cycles":
        try:
            plugin.profile_path(root, request.cpu_profile)    # a bad name stops before make
        except ValueError as err:
            raise HarnessError(str(err)) from err
    if request.build:
        build(root, "iso" if mode == "iso" else None, request.config)
        if plugin:
            # For the plugin API of the QEMU that will load it (plugin.mk).
            build(root, "plugin", variables=[f"QEMU={program}"])
    check_files(root, request.config, mode)

    options = plugin_args(root, request, mode, plugin, program) if plugin else []
    args = qemu.kernel_args(mode, request.run, request.extra_args)
    try:
        argv = qemu.qemu_argv(request.config, mode, args, program, options,
                              cpu=request.cpu, smp=request.smp, machine=request.machine,
                              memory=request.memory)
    except ValueError as err:
        raise HarnessError(str(err)) from err
    timeout = request.timeout or qemu.default_timeout(mode)
    finished = run_watched(argv, timeout, cwd=root,
                           on_stdout=_serial_sink(request.echo, watch),
                           on_stderr=_echo_stderr if request.echo else None)
    log = qemu.build_dir(request.config) / f"{mode}.log"
    save_log(root / log, finished.stdout)

    serial = parse_serial(finished.stdout, markers)
    verdict = qemu.judge_exit(finished.status, timed_out=finished.timed_out,
                              timeout=timeout, last_line=finished.last_line(),
                              qemu_error=finished.last_error())
    passed, explanation = judge_boot(verdict, serial, markers)
    counts = read_footprint(root, request.config, plugin, notify, mode) if plugin else None
    axes = runs.read_banner(serial.banner, markers)[1] if serial.banner else None
    return BootRecord(request.config, mode, tuple(argv), finished, serial, verdict,
                      passed, explanation, log, counts if mode == "footprint" else None, axes,
                      counts if mode == "cycles" else None)


def save_log(path: Path, lines: tuple[str, ...]) -> None:
    """Write the serial lines to path, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def _serial_sink(echo: bool, watch: Optional[LineSink]) -> LineSink:
    """What to do with each serial line: echo it to stdout, show it to watch."""
    def sink(line: str) -> None:
        if echo:
            print(line, flush=True)
        if watch is not None:
            watch(line)
    return sink


def _echo_stderr(line: str) -> None:
    """Stream a QEMU diagnostic to our stderr."""
    print(line, file=sys.stderr, flush=True)
