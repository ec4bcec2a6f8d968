"""`make test-axes`: every combination of the independent axes, built and run.

axes.mk says how each axis is covered.  The crossed ones (IPC,
DIRECT_SWITCH, SCHED_QUEUES, TIMEOUTS: 12 combinations per model) are crossed in full.
The others with test values (MSG_REGS 1, 4, 8, the async limits at their
extremes, KPTI and PCID) are covered, not crossed: within each IPC model the
combinations take their values in turn (a mixed radix over the combination's
index, in runs that fit one model's share), so that every value appears with
each model (docs/variants.md).  Each
combination is built from configs/l4.mk with the axes on make's command line
into build/axes-<name>/, and ktest is booted under icount; the banner must
show the axes asked for.
"""

import itertools
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from harness import axistable, qemu, runs
from harness.boot import BootRequest, HarnessError, boot
from harness.serial import MarkerError, load_markers
from harness.testrun import TestOutcome, target_boot_problem

# The preset every combination starts from; all the axes below are given.
BASE_CONFIG = "l4"
# The tree whose axes.mk and ipc-variants/ say what to combine.
ROOT = Path(__file__).resolve().parents[1]

BUILD_PREFIX = "axes-"
# The kernel's room for a module's command line (kernel/bootinfo.h), NUL included.
MODULE_CMDLINE_MAX = 64
MODE = "icount"                    # deterministic: a failure repeats


@dataclass(frozen=True)
class Combination:
    """One set of axis values, and the short name of its build.

    The name (`sdlf-r1-q1-m8`) is short, because QEMU hands each module to the
    kernel as `<path> <name>` and the kernel keeps MODULE_CMDLINE_MAX bytes of
    that: a longer build directory would cut off the module's name.
    """

    axes: tuple[tuple[str, str], ...]     # (axis, value) in axes.mk's order
    name: str

    @property
    def build_name(self) -> str:
        """The directory under build/ (make's BUILD_NAME)."""
        return BUILD_PREFIX + self.name


def crossed(table: Sequence[axistable.Axis]) -> list[tuple[str, tuple[str, ...]]]:
    """The crossed axes with their values, in axes.mk's order."""
    return [(a.name, a.values) for a in table if a.crossed]


def covered(table: Sequence[axistable.Axis]) -> list[tuple[str, tuple[str, ...]]]:
    """The axes taken in turn, with the values each must take with each model."""
    return [(a.name, a.test) for a in table if a.test and not a.crossed]


def short(axis: axistable.Axis, value: str) -> str:
    """A crossed value in a combination's name: a flag's initial when y, else
    n; a choice's value's initial, or the whole value where another value of
    the axis has the same initial (models sync and sync2)."""
    if axis.kind == "flag":
        return axis.name[0].lower() if value == "y" else "n"
    return value[0] if [v[0] for v in axis.values].count(value[0]) == 1 else value


def short_number(value: str) -> str:
    """A range axis's value in a name: 4096 as 4k, 1024 as 1k, others as they are."""
    number = int(value)
    return f"{number // 1024}k" if number >= 1024 and number % 1024 == 0 else value


def name_of(table: Sequence[axistable.Axis], values: dict) -> str:
    """A combination's name: short() of each crossed axis, then -<letter><number>
    for each covered range axis, then one -<letter><initial>... for the covered
    choices and flags (short: the kernel keeps 64 bytes of a module's command
    line): `sdlt-r4-q1k-m8-fnkkpy`."""
    covered_ = [a for a in table if a.test and not a.crossed]
    ranges = "".join(f"-{a.letter}{short_number(values[a.name])}"
                     for a in covered_ if a.kind == "range")
    choices = "".join(f"{a.letter}{values[a.name] if a.kind == 'flag' else short(a, values[a.name])}"
                      for a in covered_ if a.kind != "range")
    head = "".join(short(a, values[a.name]) for a in table if a.crossed)
    return head + ranges + (f"-{choices}" if choices else "")


def groups(cover: Sequence[tuple[str, tuple[str, ...]]],
           per_model: int) -> list[list[tuple[str, tuple[str, ...]]]]:
    """The covered axes in runs, in order, whose numbers of values multiply
    to at most per_model (an axis with more values has a run of its own):
    within a run every combination of the values fits in one model's share."""
    runs_, size = [], per_model + 1
    for axis, vals in cover:
        if size * len(vals) > per_model:
            runs_.append([])
            size = 1
        runs_[-1].append((axis, vals))
        size *= len(vals)
    return runs_


def combinations(table: Optional[Sequence[axistable.Axis]] = None) -> list[Combination]:
    """Every crossed combination with the covered axes assigned in turn.

    Within one IPC model (the first crossed axis) the i-th combination takes
    in each run of groups() (N combinations of values in all) the k-th of
    them, k = (i + i // N) mod N, covered axis j of the run taking
    (k // n_0 ... n_j-1) mod n_j, n_m the number of values of axis m.  With
    12 per model, MSG_REGS (3), the queue length (2) and the message size
    (2) make the first run (k = i): each value appears and so does each pair
    of queue length and message size.  KPTI and PCID (2 x 2) make the
    second: each pair of theirs appears, and the shift by i // N keeps KPTI
    from following TIMEOUTS (i mod 2), so each KPTI value meets each timeout.
    """
    table = axistable.read_axes(ROOT) if table is None else table
    cross, cover = crossed(table), covered(table)
    every = list(itertools.product(*(vals for _, vals in cross)))
    runs_ = groups(cover, len(every) // len(cross[0][1]))
    made, seen = [], {}
    for values in every:
        chosen = dict(zip((axis for axis, _ in cross), values))
        i = seen[values[0]] = seen.get(values[0], -1) + 1
        for run in runs_:
            n = math.prod(len(vals) for _, vals in run)
            k = (i + i // n) % n
            for axis, vals in run:
                chosen[axis] = vals[k % len(vals)]
                k //= len(vals)
        pairs = tuple((a.name, chosen[a.name]) for a in table if a.name in chosen)
        made.append(Combination(pairs, name_of(table, chosen)))
    return made


def select(combos: Sequence[Combination], only: Sequence[str]) -> list[Combination]:
    """The combinations whose name contains one of only (all if only is empty)."""
    return [c for c in combos if not only or any(pattern in c.name for pattern in only)]


def make_argv(combo: Combination) -> list[str]:
    """The make command that builds a combination into build/<its build name>/."""
    return ["make", "-s", f"CONFIG={BASE_CONFIG}", f"BUILD_NAME={combo.build_name}",
            *(f"{axis}={value}" for axis, value in combo.axes), "all"]


def differing(wanted: dict, booted: dict) -> list[str]:
    """`AXIS=booted (wanted)` for each wanted axis the booted binary has otherwise."""
    return [f"{axis}={booted.get(axis, '?')} (wanted {value})"
            for axis, value in wanted.items() if str(booted.get(axis)) != str(value)]


def judge(combo: Combination, record, markers) -> TestOutcome:
    """One combination's verdict from its ktest boot."""
    name = f"axes/{combo.name}"
    tests = record.serial.tests
    failed = [f"{t.name}: {t.reason}" for t in record.serial.failed_tests()]
    skipped = sum(t.skipped for t in tests)
    problem = target_boot_problem(record.verdict, record.serial)
    problems = ([problem] if problem else []) + failed
    if record.serial.banner:
        wrong = differing(dict(combo.axes), runs.read_banner(record.serial.banner, markers)[1])
        if wrong:
            problems.insert(0, f"the banner says {', '.join(wrong)}")
    if problems:
        return TestOutcome(name, False, f"{'; '.join(problems)}; log {record.log}")
    counts = f"{len(tests) - skipped} passed" + (f", {skipped} skipped" if skipped else "")
    return TestOutcome(name, True, counts)


Builder = Callable[[Path, Combination], Optional[str]]


def build_combination(root: Path, combo: Combination) -> Optional[str]:
    """Build one combination; None, or on failure the last lines make printed
    (all of them are kept in build/axes-<name>/make.log)."""
    try:
        done = subprocess.run(make_argv(combo), cwd=root, capture_output=True, text=True,
                              check=False)
    except OSError as err:
        return f"cannot run make: {err.strerror}"
    if done.returncode == 0:
        return None
    log = qemu.build_dir(combo.build_name) / "make.log"
    (root / log).parent.mkdir(parents=True, exist_ok=True)
    (root / log).write_text(done.stdout + done.stderr, encoding="utf-8")
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return f"build failed: {' | '.join(lines[-3:])}; log {log}"


def run_one(root: Path, combo: Combination, timeout: Optional[float], qemu_program: str,
            builder: Builder = build_combination) -> TestOutcome:
    """Build a combination and boot its ktest; its outcome, with the seconds taken."""
    began = time.monotonic()
    problem = builder(root, combo)
    if problem:
        return TestOutcome(f"axes/{combo.name}", False, problem)
    request = BootRequest(combo.build_name, MODE, run="ktest", timeout=timeout, build=False,
                          echo=False, qemu=qemu_program)
    try:
        markers = load_markers(root)
        record = boot(root, request, notify=lambda note: None)
    except (HarnessError, MarkerError) as err:
        return TestOutcome(f"axes/{combo.name}", False, str(err))
    outcome = judge(combo, record, markers)
    if not outcome.passed:
        return outcome
    return TestOutcome(outcome.name, True, f"{outcome.reason} in "
                                           f"{time.monotonic() - began:.1f} s")


def outcome_line(outcome: TestOutcome) -> str:
    """`ok   axes/<name>: 44 passed in 9.1 s` or `FAIL axes/<name>: <why>`."""
    return f"{'ok  ' if outcome.passed else 'FAIL'} {outcome.name}: {outcome.reason}"


def default_jobs() -> int:
    """As many parallel builds and boots as this machine has cores."""
    return os.cpu_count() or 1


def run_axes(root: Path, combos: Sequence[Combination], jobs: int,
             timeout: Optional[float], qemu_program: str, out=None,
             builder: Builder = build_combination) -> int:
    """Build and boot every combination, jobs at a time; one line each as it
    finishes, then `N passed, N failed`.  Returns the exit status (0, 1)."""
    out = out or sys.stdout
    passed = failed = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_one, root, c, timeout, qemu_program, builder)
                   for c in combos]
        for future in futures:         # in the list's order, each as soon as it is done
            outcome = future.result()
            print(outcome_line(outcome), file=out, flush=True)
            passed, failed = passed + outcome.passed, failed + (not outcome.passed)
    print(f"{passed} passed, {failed} failed", file=out, flush=True)
    return 0 if combos and not failed else 1
