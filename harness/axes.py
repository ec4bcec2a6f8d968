"""`make test-axes`: every combination of the independent axes, built and run.

The four axes with a few values each (IPC, DIRECT_SWITCH, SCHED_QUEUES,
TIMEOUTS) are crossed in full: 24 combinations.  The numeric axes are
covered, not crossed: within each IPC model the combinations take MSG_REGS
1, 4, 8 and the async limits at their extremes in turn, so that every
extreme value appears with each model (docs/variants.md).  Each combination
is built from configs/l4.mk with the axes on make's command line into
build/axes-<name>/, and ktest is booted under icount; the banner must show
the axes asked for.
"""

import itertools
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from harness import qemu, runs
from harness.boot import BootRequest, HarnessError, boot
from harness.serial import MarkerError, load_markers
from harness.testrun import TestOutcome, target_boot_problem

# The preset every combination starts from; all the axes below are given.
BASE_CONFIG = "l4"

# The axes crossed in full, in the order of a combination's name.
CROSSED = (("IPC", ("sync", "async")),
           ("DIRECT_SWITCH", ("y", "n")),
           ("SCHED_QUEUES", ("lazy", "eager", "benno")),
           ("TIMEOUTS", ("flag", "ticks")))

# The numeric axes: the values each must take with each IPC model.
MSG_REGS = (1, 4, 8)
QUEUE_LENS = (1, 1024)             # ASYNC_QUEUE_LEN, its range's ends
MSG_MAXES = (8, 4096)              # ASYNC_MSG_MAX, its range's ends

BUILD_PREFIX = "axes-"
# The kernel's room for a module's command line (kernel/bootinfo.h), NUL included.
MODULE_CMDLINE_MAX = 64
MODE = "icount"                    # deterministic: a failure repeats


@dataclass(frozen=True)
class Combination:
    """One set of axis values, and the short name of its build."""

    axes: tuple[tuple[str, str], ...]     # (axis, value) in the Makefile's order

    @property
    def name(self) -> str:
        """`sdlf-r1-q1-m8`: the first letter of IPC, DIRECT_SWITCH (d: y, n: n),
        SCHED_QUEUES and TIMEOUTS, then MSG_REGS, ASYNC_QUEUE_LEN, ASYNC_MSG_MAX.

        Short, because QEMU hands each module to the kernel as `<path> <name>`
        and the kernel keeps MODULE_CMDLINE_MAX bytes of that: a longer build
        directory would cut off the module's name.
        """
        a = dict(self.axes)
        ds = "d" if a["DIRECT_SWITCH"] == "y" else "n"
        return (f"{a['IPC'][0]}{ds}{a['SCHED_QUEUES'][0]}{a['TIMEOUTS'][0]}"
                f"-r{a['MSG_REGS']}-q{a['ASYNC_QUEUE_LEN']}-m{a['ASYNC_MSG_MAX']}")

    @property
    def build_name(self) -> str:
        """The directory under build/ (make's BUILD_NAME)."""
        return BUILD_PREFIX + self.name


def combinations() -> list[Combination]:
    """Every crossed combination with the numeric axes assigned in turn.

    Within one IPC model the i-th combination takes MSG_REGS[i % 3],
    QUEUE_LENS[i % 2] and MSG_MAXES[i // 2 % 2]: with 12 per model each value
    appears, and so does each pair of queue length and message size.
    """
    made, seen = [], {}
    for values in itertools.product(*(vals for _, vals in CROSSED)):
        crossed = tuple(zip((axis for axis, _ in CROSSED), values))
        i = seen[values[0]] = seen.get(values[0], -1) + 1
        numeric = (("MSG_REGS", str(MSG_REGS[i % len(MSG_REGS)])),
                   ("ASYNC_QUEUE_LEN", str(QUEUE_LENS[i % 2])),
                   ("ASYNC_MSG_MAX", str(MSG_MAXES[i // 2 % 2])))
        made.append(Combination(crossed + numeric))
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
