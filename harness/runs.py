"""Stored runs: results/runs/<date>-<host>-<mode>.json (see docs/results.md).

A run is the metadata of where and how it was measured plus the result lines
of one or more presets, each completed with its case, variant, axes and unit
when the guest left them out.  Everything here but host_info() and
git_state() is pure or touches only the files it is given.
"""

import json
import re
import socket
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Optional

from harness import qemu
from harness.serial import Banner, Malformed, Markers, Result, classify_line

RUNS_DIR = Path("results/runs")
BASELINE = Path("results/baseline/icount.json")
CONFIGS_DIR = Path("configs")

# The mode of a serial log captured on a real PC and ingested.
REAL_MODE = "iso-real"

# `KEY := value` (also `=` and `?=`) in a configs/<name>.mk file.
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|=)\s*(.*?)\s*$")

# The kernel's CPU line: `ipclab: cpu <vendor> "<model>": ... hypervisor=<yes|no> ...`.
_CPU_LINE = re.compile(r'ipclab: cpu \S+ "([^"]*)"')
_HYPERVISOR = re.compile(r"\bhypervisor=(yes|no)\b")
# The kernel's build line: `ipclab: built from commit <40 hex>[ with changes]`.
_BUILT_FROM = re.compile(r"ipclab: built from commit ([0-9a-f]{40})( with changes)?")


class RunError(Exception):
    """A run file that cannot be read."""


@dataclass
class Run:
    """One stored run: metadata, results, and the footprint plugin's counts."""

    meta: dict
    results: list[dict]
    footprint: dict = field(default_factory=dict)   # preset -> {region: {counter: n}}

    def variants(self) -> list[str]:
        """The presets in this run, in the order their results appear."""
        return list(dict.fromkeys(r["variant"] for r in self.results))


@dataclass(frozen=True)
class HostInfo:
    """Where a run is made: the metadata that does not depend on the boots."""

    host: str
    cpu: str
    qemu: Optional[str]       # QEMU's version number, None if it is not installed
    commit: str
    dirty: Optional[bool]     # None: not a git tree


# --- Variants and their axes ---------------------------------------------------

def read_axes(text: str) -> dict[str, str]:
    """The `KEY := value` assignments of a configs/<name>.mk text, comments dropped."""
    axes = {}
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line.split("#", 1)[0])
        if match:
            axes[match.group(1)] = match.group(2)
    return axes


# Where presets live: configs/, and a model's own folder (so that a new model
# needs no file outside ipc-variants/<model>/).  The Makefile looks in the same.
PRESET_GLOBS = (f"{CONFIGS_DIR}/*.mk", "ipc-variants/*/configs/*.mk")


def preset_files(root: Path) -> dict[str, Path]:
    """Every preset's name and file, by name."""
    return dict(sorted((path.stem, path) for pattern in PRESET_GLOBS
                       for path in root.glob(pattern)))


def config_axes(root: Path, config: str) -> dict[str, str]:
    """The axes of a preset's own file; {} if there is no such preset."""
    path = preset_files(root).get(config)
    try:
        return read_axes(path.read_text(encoding="utf-8")) if path else {}
    except OSError:
        return {}


def all_configs(root: Path) -> list[str]:
    """Every preset's name, sorted."""
    return list(preset_files(root))


def root_presets(root: Path) -> list[str]:
    """The presets that include no other: one or more per IPC model."""
    return [name for name, path in preset_files(root).items()
            if not re.search(r"^\s*-?s?include\s", path.read_text(encoding="utf-8"), re.MULTILINE)]


def read_banner(banner: str, markers: Markers) -> tuple[str, dict[str, str]]:
    """The variant and axes of a banner: `<prefix>l4 (IPC=sync DIRECT_SWITCH=y ...)`."""
    text = banner[banner.find(markers.banner_prefix) + len(markers.banner_prefix):]
    name, _, rest = text.strip().partition(" ")
    words = rest.strip().removeprefix("(").removesuffix(")").split()
    return name, dict(word.split("=", 1) for word in words if "=" in word)


def axes_mismatch(config: str, expected: dict, booted: dict) -> Optional[str]:
    """One line naming the axes in which a binary booted as config was built
    otherwise than configs/<config>.mk says, or None.

    Only axes both name are compared (a bench line leaves E1000_IN_KERNEL
    out); numbers compare as text, since the guest prints MSG_REGS as 8.
    """
    wrong = [a for a in booted if a in expected and str(booted[a]) != str(expected[a])]
    if not wrong:
        return None
    return (f"{config} was booted with {' '.join(f'{a}={booted[a]}' for a in wrong)}, "
            f"but configs/{config}.mk has {' '.join(f'{a}={expected[a]}' for a in wrong)}")


def run_mismatch(run: "Run", presets: dict) -> Optional[str]:
    """The first axes_mismatch of a run: its presets' banner axes (meta
    "presets") and each result's axes, against presets {name: axes}; a
    variant that is no preset (linux) is not checked."""
    booted = [*(run.meta.get("presets") or {}).items(),
              *((r.get("variant"), r.get("axes")) for r in run.results)]
    for name, axes in booted:
        if name in presets and isinstance(axes, dict):
            problem = axes_mismatch(name, presets[name], axes)
            if problem:
                return problem
    return None


def complete(result: dict, variant: str, axes: dict, unit: str) -> dict:
    """A result line with the keys the guest may leave out filled in.

    The case defaults to the benchmark's name; variant, axes and unit to
    those of the boot.  The guest's own values win.
    """
    head = {"bench": result["bench"], "case": result.get("case", result["bench"]),
            "variant": result.get("variant", variant), "axes": result.get("axes", axes),
            "unit": result.get("unit", unit)}
    return {**head, **{k: v for k, v in result.items() if k not in head}}


# What a rate (a `*_per_s` key) of a result counts under icount: seconds of the guest's
# virtual clock, which the instruction count drives, not the host's.
VIRTUAL_RATE = ("virtual: seconds of icount guest time (1 instruction = 1 ns), not a real rate; "
                "compare instruction counts instead")


def mark_untimed(result: dict, mode: str) -> dict:
    """The result, marked unstable when its mode's clock is plain TCG time, and its rates
    marked virtual when the clock is icount's.

    Under TCG without -icount (and in the ISO boot) the guest TSC follows the
    host's load, so even a steady measuring overhead says nothing: such figures
    check function only, and they are marked so that no later step reads them
    as measurements.  The guest's own "stable": false is kept in every mode.
    Under icount a second is 10^9 instructions, so `calls_per_s` and the like
    get "rate_basis" (the guest's own, if it gave one, is kept).
    """
    if qemu.time_unit(mode) == "instructions" and any(k.endswith("_per_s") for k in result):
        result = {**result, "rate_basis": result.get("rate_basis", VIRTUAL_RATE)}
    if mode not in qemu.UNTIMED_MODES:
        return result
    return {**result, "stable": False, "unstable": f"{mode}: the TSC is host time"}


def run_unit(results: Iterable[dict], mode: str) -> str:
    """The unit of a run: that of its results ("mixed" if they differ), else the mode's."""
    units = sorted({r["unit"] for r in results})
    if not units:
        return qemu.time_unit(mode)
    return units[0] if len(units) == 1 else "mixed"


# --- Serial logs captured elsewhere ------------------------------------------------

@dataclass(frozen=True)
class Capture:
    """What a serial log holds: completed results, the CPU, and what went wrong."""

    results: tuple[dict, ...]
    cpu: str
    problems: tuple[str, ...]
    # Whether the CPU said it runs under a hypervisor (CPUID's bit): a log from a
    # virtual machine is no real PC's.  None: the CPU line did not say.
    hypervisor: Optional[bool] = None
    # The commit the kernel was built from and whether that tree had changes
    # (the banner's build line), or None: the kernel did not say.
    built_from: Optional[tuple[str, bool]] = None


def read_capture(lines: Iterable[str], markers: Markers, config: Optional[str] = None,
                 axes_of: Callable[[str], dict] = lambda name: {}) -> Capture:
    """Results of a serial log, each under the variant of the banner before it.

    config names the variant when the log has no banner (and wins over it);
    axes_of(name) gives a variant's axes when neither result nor banner does.
    """
    variant, axes, cpu, hypervisor, built_from = config, {}, "unknown", None, None
    results, problems = [], []
    for line in lines:
        if built_from is None and (built := _BUILT_FROM.search(line)):
            built_from = built.group(1), bool(built.group(2))
        if cpu == "unknown" and (match := _CPU_LINE.search(line)):
            cpu = match.group(1).strip()
            said = _HYPERVISOR.search(line)
            hypervisor = said.group(1) == "yes" if said else None
        item = classify_line(line, markers)
        if isinstance(item, Banner):
            name, axes = read_banner(item.text, markers)
            variant = config or name
        elif isinstance(item, Malformed):
            problems.append(f"malformed result line: {qemu.quote(item.text)}")
        elif isinstance(item, Result):
            if "bench" not in item.data:
                problems.append(f"result without a bench: {qemu.quote(json.dumps(item.data))}")
            elif variant is None and "variant" not in item.data:
                problems.append("a result before any banner; name the variant with --config")
            else:
                name = item.data.get("variant", variant)
                results.append(complete(item.data, name, axes or axes_of(name), "tsc"))
    return Capture(tuple(results), cpu, tuple(problems), hypervisor, built_from)


# --- Metadata ---------------------------------------------------------------------

def git_state(root: Path) -> tuple[str, Optional[bool]]:
    """The commit checked out at root and whether the tree has changes."""
    def git(*args: str) -> Optional[str]:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return "unknown", None
    status = git("status", "--porcelain")
    return commit.strip(), None if status is None else bool(status.strip())


def qemu_release(version_line: Optional[str]) -> Optional[str]:
    """`QEMU emulator version 7.2.22 (Debian ...)` -> `7.2.22`."""
    if not version_line:
        return None
    match = re.search(r"version (\S+)", version_line)
    return match.group(1) if match else version_line


def host_name() -> str:
    """This machine's short name, safe in a file name."""
    name = socket.gethostname().split(".")[0]
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "host"


def host_info(root: Path, qemu_program: str = qemu.QEMU) -> HostInfo:
    """Name, CPU, QEMU version and git state of this host and tree."""
    commit, dirty = git_state(root)
    return HostInfo(host_name(), qemu.cpu_model(qemu.host_facts().cpuinfo),
                    qemu_release(qemu.qemu_version(qemu_program)), commit, dirty)


def now() -> str:
    """The local time with its offset, to the second, as a run's date."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def make_meta(info: HostInfo, mode: str, results: Iterable[dict], date: str,
              accel: Optional[str] = None, memory: Optional[str] = None, **extra) -> dict:
    """A run's metadata in the order of docs/results.md, then extra keys;
    memory is the QEMU guest's RAM (None: not a QEMU guest, e.g. a real PC)."""
    meta = {"date": date, "host": info.host, "cpu": info.cpu, "mode": mode,
            "unit": run_unit(results, mode), "qemu": info.qemu, "commit": info.commit,
            "dirty": info.dirty, "accel": accel or qemu.accelerator(mode)}
    if memory is not None:
        meta["memory"] = memory
    return {**meta, **extra}


def guest_meta(mode: str, cpu: Optional[str], smp: int, machine: str) -> dict:
    """The emulated PC of a run's boots: QEMU's -cpu model, the CPU count, -M."""
    return {"guest_cpu": qemu.guest_cpu(mode, cpu), "smp": smp, "machine": machine}


# --- Files ---------------------------------------------------------------------------

def run_name(meta: dict) -> str:
    """<YYYYmmdd-HHMMSS>-<host>-<mode>.json for a run's metadata."""
    stamp = datetime.fromisoformat(meta["date"]).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{meta['host']}-{meta['mode']}.json"


def dumps(run: Run) -> str:
    """A run as JSON text: one line for the metadata and one per result."""
    parts = ['{"meta": ' + json.dumps(run.meta) + ",",
             ' "results": [' + ",".join("\n  " + json.dumps(r) for r in run.results)
             + ("\n ]" if run.results else "]")]
    if run.footprint:
        parts[-1] += ","
        parts.append(' "footprint": ' + json.dumps(run.footprint, sort_keys=True))
    return "\n".join(parts) + "}\n"


def loads(text: str, source: str = "run") -> Run:
    """A run from its JSON text; RunError if it is not one."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise RunError(f"{source}: not JSON: {err}") from err
    if (not isinstance(data, dict) or not isinstance(data.get("meta"), dict)
            or not isinstance(data.get("results"), list)):
        raise RunError(f"{source}: not a stored run (wants an object with meta and results)")
    results = [r for r in data["results"] if isinstance(r, dict) and "bench" in r]
    if len(results) != len(data["results"]):
        raise RunError(f"{source}: a result without a bench key")
    mode = data["meta"].get("mode", "")
    results = [complete(r, r.get("variant", "?"), {}, qemu.time_unit(mode)) for r in results]
    return Run(data["meta"], results, data.get("footprint") or {})


def store_run(root: Path, run: Run, directory: Path = RUNS_DIR) -> Path:
    """Write a run under directory (relative to root); return its path there.

    A second run of the same second, host and mode gets a -2 suffix.
    """
    name = run_name(run.meta)
    path = root / directory / name
    serial = 2
    while path.exists():
        path = root / directory / f"{name.removesuffix('.json')}-{serial}.json"
        serial += 1
    write_run(path, run)
    return path.relative_to(root)


def write_run(path: Path, run: Run) -> None:
    """Write a run to path, creating its directory, replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(dumps(run), encoding="utf-8")
    scratch.replace(path)


def load_run(path: Path) -> Run:
    """Read a stored run; RunError if it is missing or malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise RunError(f"cannot read {path}: {err.strerror}") from err
    return loads(text, str(path))


def stored_runs(root: Path, mode: Optional[str] = None,
                directory: Path = RUNS_DIR) -> list[Path]:
    """The stored runs (of this mode, if given), oldest first by the date in their names."""
    paths = sorted((root / directory).glob("*.json"),
                   key=lambda p: (p.name[:15], p.stat().st_mtime))
    if mode is not None:
        suffix = re.compile(rf"-{re.escape(mode)}(?:-\d+)?\.json$")
        paths = [p for p in paths if suffix.search(p.name) and _mode_of(p) == mode]
    return paths


def _mode_of(path: Path) -> Optional[str]:
    """The mode a run file says it has (a name ending in -icount may be linux-icount)."""
    try:
        return load_run(path).meta.get("mode")
    except RunError:
        return None


def newest_run(root: Path, mode: Optional[str] = None,
               directory: Path = RUNS_DIR) -> Optional[Path]:
    """The newest stored run (of this mode, if given), by the date in its name."""
    paths = stored_runs(root, mode, directory)
    return paths[-1] if paths else None


def newest_covering(root: Path, mode: str, variants: set,
                    directory: Path = RUNS_DIR) -> Optional[Path]:
    """The newest run of this mode with results for every one of these variants.

    `make bench` stores runs of two presets; a comparison with a baseline of
    all presets wants the newest run that has them all (a matrix run).
    """
    for path in reversed(stored_runs(root, mode, directory)):
        try:
            present = {r.get("variant") for r in load_run(path).results}
        except RunError:
            continue
        if variants <= present:
            return path
    return None
