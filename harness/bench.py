"""Benchmark boots: each preset in each mode, collected into one run per mode.

The guest is booted with `run=bench bench=<names> unit=<unit>`; it prints one
result line per case.  The floor benchmarks (null_syscall, space_switch) are
always asked for, so every IPC figure has a floor from its own boot.  In
footprint and cycles modes the guest also gets `footprint=1`: it then runs each
case again between the plugin's markers, first saying which case each region ID is:

    bench: footprint region <id> = <bench> <case>

In cycles mode each result gets the cycle model's medians of its case's region
(model_cycles_warm, model_cycles_cold, model_profile: harness/plugin/cycles.py).
"""

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

from harness import boot, qemu, runs
from harness.qemu import DEFAULT_MACHINE
from harness.boot import BootRequest, HarnessError, Notify, say
from harness.qemu import DEFAULT_MEMORY
from harness.runs import HostInfo, Run
from harness.serial import Markers, load_markers

Clock = Callable[[], float]

# What the floor is made of: always asked for, so that the guest prints it.
FLOOR_PARTS = ("null_syscall", "space_switch")

_REGION_LINE = re.compile(r"bench: footprint region (\d+) = (\S+) (\S+)")
# A case that failed: a data check (`...: iteration 3, word 1: expected ...`,
# `...: iteration 3: impossible interval ...`) or an error (`... failed: error 2`).
_FAILED_CASE = re.compile(r"^bench: \S+ \S+(: iteration \d+[,:]| failed: error )")


@dataclass(frozen=True)
class Settings:
    """How every boot of a run or matrix is made."""

    benches: tuple[str, ...] = ()     # () = every benchmark
    timeout: Optional[float] = None
    build: bool = True
    echo: bool = False                # stream the serial output
    qemu: str = qemu.QEMU
    cpu: Optional[str] = None         # QEMU's -cpu model; None: the mode's
    smp: int = 1                      # CPUs the guest is given
    machine: str = DEFAULT_MACHINE    # QEMU's -M: pc or q35
    memory: str = DEFAULT_MEMORY     # the guest's RAM (-m)
    cpu_profile: str = boot.DEFAULT_PROFILE   # cycles mode: the model's CPU profile


@dataclass(frozen=True)
class PresetBoot:
    """One preset booted in one mode: its results, or why it has none."""

    config: str
    mode: str
    axes: dict
    results: tuple[dict, ...] = ()
    footprint: Optional[dict] = None
    problem: Optional[str] = None     # None: the boot passed with every result asked for
    passed: bool = False              # the guest powered off with EXIT_PASS
    seconds: float = 0.0


# --- Arguments ---------------------------------------------------------------------

def split_list(text: Optional[str]) -> tuple[str, ...]:
    """`a, b,a` -> ("a", "b"); None, "" and "all" -> () (everything)."""
    names = tuple(dict.fromkeys(n.strip() for n in (text or "").split(",") if n.strip()))
    return () if names in ((), ("all",)) else names


def with_floor(benches: Sequence[str]) -> tuple[str, ...]:
    """The benchmarks to ask for: the floor's first, then the rest; () stays all."""
    if not benches:
        return ()
    return tuple(dict.fromkeys((*FLOOR_PARTS, *benches)))


# The tick rate of every benchmark boot.  Each rpc case runs ten ticks per
# client, so the rate sets how long it takes (at 1000 Hz under icount: a
# million instructions a tick); and fixing it keeps the counts of a stored
# run independent of how the boot was started.
BENCH_HZ = 1000


def bench_arg(benches: Sequence[str]) -> str:
    """The guest's arguments: `bench=all` or `bench=a,b`, and the tick rate."""
    return f"bench={','.join(benches) if benches else 'all'} hz={BENCH_HZ}"


def resolve_modes(requested: Sequence[str],
                  facts: qemu.HostFacts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The modes to boot in (kvm may become icount; no mode twice), and notes."""
    modes, notes = [], []
    for mode in requested or ("kvm",):
        used, note = qemu.resolve_mode(mode, facts)
        if note and note not in notes:
            notes.append(note)
        if used not in modes:
            modes.append(used)
    return tuple(modes), tuple(notes)


# --- One boot -----------------------------------------------------------------------

def missing_benches(results: Sequence[dict], benches: Sequence[str]) -> tuple[str, ...]:
    """The benchmarks asked for that printed no result."""
    seen = {r["bench"] for r in results}
    return tuple(b for b in benches if b not in seen)


def judge_results(results: Sequence[dict], benches: Sequence[str], malformed: int,
                  footprint: Optional[dict] = None) -> Optional[str]:
    """What is wrong with the results of a passing boot, or None.

    footprint is what the plugin counted, in footprint mode only.
    """
    if not results:
        return "the guest printed no result line"
    problems = []
    missing = missing_benches(results, benches)
    if missing:
        problems.append(f"no result for {', '.join(missing)}")
    if malformed:
        problems.append(f"{malformed} malformed result lines")
    if footprint is not None and not footprint:
        problems.append("the plugin saw no marked region")
    return "; ".join(problems) or None


def region_labels(lines: Sequence[str]) -> dict[int, str]:
    """`bench case` by footprint region ID, from the guest's region lines."""
    return {int(m.group(1)): f"{m.group(2)} {m.group(3)}"
            for m in map(_REGION_LINE.search, lines) if m}


def failed_cases(lines: Sequence[str]) -> list[str]:
    """The guest's lines about cases that failed, in order."""
    return [line.rstrip("\r") for line in lines if _FAILED_CASE.match(line)]


def label_regions(footprint: Optional[dict], labels: dict[int, str]) -> dict[str, dict]:
    """The plugin's records by region ID (as text), each with its case as "label"."""
    return {str(region): {**record, **({"label": labels[region]} if region in labels else {})}
            for region, record in (footprint or {}).items()}


def boot_preset(root: Path, config: str, mode: str, settings: Settings, markers: Markers, *,
                notify: Notify = say, facts: Optional[qemu.HostFacts] = None) -> PresetBoot:
    """Boot one preset with the benchmark module and collect its results."""
    benches = with_floor(settings.benches)
    args = bench_arg(benches) + (" footprint=1" if mode in qemu.PLUGIN_MODES else "")
    request = BootRequest(config, mode, run="bench", extra_args=args,
                          timeout=settings.timeout, build=settings.build,
                          echo=settings.echo, qemu=settings.qemu, cpu=settings.cpu,
                          smp=settings.smp, machine=settings.machine,
                          memory=settings.memory, cpu_profile=settings.cpu_profile)
    axes = runs.config_axes(root, config)
    try:
        record = boot.boot(root, request, notify=notify, facts=facts)
    except HarnessError as err:
        return PresetBoot(config, mode, axes, problem=str(err))
    if record.serial.banner:
        axes = runs.read_banner(record.serial.banner, markers)[1] or axes
    unit = qemu.time_unit(record.mode)
    results = tuple(runs.mark_untimed(runs.complete(r, config, axes, unit), record.mode)
                    for r in record.serial.results if "bench" in r)
    counts = record.cycles if record.mode == "cycles" else record.footprint
    footprint = label_regions(counts, region_labels(record.finished.stdout))
    if record.mode == "cycles":
        results = tuple(boot.footprint_module(boot.CYCLES_MODULE).attach(list(results),
                                                                         footprint))
    if not record.passed:
        failed = failed_cases(record.finished.stdout)
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        problem = ((f"{failed[0]}{more}; " if failed else "")
                   + f"{record.explanation}; log {record.log}")
    else:
        # The ISO's grub.cfg says bench=all; the floor is wanted in every boot.
        asked = benches if benches and mode != "iso" else FLOOR_PARTS
        problem = judge_results(results, asked, len(record.serial.malformed),
                                footprint if record.mode in qemu.PLUGIN_MODES else None)
    return PresetBoot(config, record.mode, axes, results, footprint, problem, record.passed)


# --- Progress ---------------------------------------------------------------------------

def estimate_left(done: Sequence[tuple[str, float]], remaining: Sequence[str]) -> Optional[float]:
    """Seconds the remaining boots will take, from the boots done so far.

    done holds (mode, seconds) per finished boot, remaining the mode of each
    boot to come; each is expected to take as long as the mean boot of its
    mode so far, or of all modes when its mode has not been seen.  None when
    nothing is done yet.
    """
    if not done:
        return None if remaining else 0.0
    overall = sum(s for _, s in done) / len(done)
    by_mode: dict[str, list[float]] = {}
    for mode, seconds in done:
        by_mode.setdefault(mode, []).append(seconds)
    return sum(sum(by_mode[m]) / len(by_mode[m]) if m in by_mode else overall
               for m in remaining)


def fmt_duration(seconds: float) -> str:
    """0:07, 12:30, 1:02:03."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(index: int, total: int, done: PresetBoot, elapsed: float,
                  left: Optional[float]) -> str:
    """`[2/4] mach icount: 5 results in 0.8 s; 0:02 elapsed, about 0:02 left`."""
    took = f"{done.seconds:.1f} s"
    count = f"{len(done.results)} result{'' if len(done.results) == 1 else 's'}"
    if not done.passed:
        state = f"FAILED after {took}: {done.problem}"
    elif done.problem:
        state = f"{count} in {took}, incomplete: {done.problem}"
    else:
        state = f"{count} in {took}"
    if index == total:
        rest = "done"
    else:
        rest = "about ? left" if left is None else f"about {fmt_duration(left)} left"
    return (f"[{index}/{total}] {done.config} {done.mode}: {state}; "
            f"{fmt_duration(elapsed)} elapsed, {rest}")


# --- Runs -----------------------------------------------------------------------------

def make_run(mode: str, boots: Sequence[PresetBoot], info: HostInfo, date: str,
             settings: Settings, notes: Sequence[str] = ()) -> Run:
    """One mode's boots as a run: every preset's results, axes and failures."""
    results = [r for b in boots for r in b.results]
    extra = {"presets": {b.config: b.axes for b in boots},
             "benches": list(with_floor(settings.benches)) or "all",
             **runs.guest_meta(mode, settings.cpu, settings.smp, settings.machine)}
    failed = {b.config: b.problem for b in boots if b.problem}
    if failed:
        extra["failed"] = failed
    if notes:
        extra["notes"] = list(notes)
    footprint = {b.config: b.footprint for b in boots if b.footprint}
    return Run(runs.make_meta(info, mode, results, date, memory=settings.memory, **extra),
               results, footprint)


def run_matrix(root: Path, configs: Sequence[str], modes: Sequence[str], settings: Settings,
               info: HostInfo, *, notes: Sequence[str] = (),
               on_run: Callable[[Run], None] = lambda run: None, notify: Notify = say,
               facts: Optional[qemu.HostFacts] = None, clock: Clock = time.monotonic,
               date: Callable[[], str] = runs.now) -> tuple[list[Run], bool]:
    """Boot every preset in every mode, mode by mode, one progress line per boot.

    Each mode's run goes to on_run as soon as its last preset is done.
    Returns the runs and whether every boot gave every result asked for.
    """
    markers = load_markers(root)
    plan = [(mode, config) for mode in modes for config in configs]
    start, timings, made, ok = clock(), [], [], True
    for mode in modes:
        boots = []
        for config in configs:
            began = clock()
            done = boot_preset(root, config, mode, settings, markers, notify=notify,
                               facts=facts)
            done = replace(done, seconds=clock() - began)
            timings.append((mode, done.seconds))
            ok = ok and done.problem is None
            left = estimate_left(timings, [m for m, _ in plan[len(timings):]])
            notify(progress_line(len(timings), len(plan), done, clock() - start, left))
            boots.append(done)
        run = make_run(mode, boots, info, date(), settings, notes)
        made.append(run)
        on_run(run)
    return made, ok


def iso_note(modes: Sequence[str], settings: Settings) -> Optional[str]:
    """What to say when an ISO boot cannot be told which benchmarks to run."""
    if "iso" in modes and settings.benches:
        return "iso: the image's grub.cfg sets the kernel arguments, so --bench does not reach it"
    return None
