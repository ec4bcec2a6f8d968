"""Long system-call fuzz runs, one preset after another, with one table.

    python3 -m harness.fuzz [--configs all|A,B] [--seed N] [--calls N]

boots each preset under icount (where a seed repeats exactly) with the
fuzzer (tests/target/fuzz) and `seed=N calls=N`, and prints per preset the
calls made, the invariant checks and how many failed, the user faults the
fuzzed threads took (and how many of those went to a pager that then
failed them), and the verdict.  Exit status 1 if any preset crashed, hung,
broke an invariant or left its fuzzer without a summary; 2 if nothing could
be booted.  `make fuzz` runs it for CONFIG (or every preset with CONFIG=all).
"""

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from harness import runs
from harness.boot import BootRequest, HarnessError, boot, say

# Anywhere in a line: the fuzzer's console writes leave dots with no newline before it.
_SUMMARY = re.compile(r"fuzz: seed (\d+): (\d+) calls, (\d+) invariant checks, (\d+) broken")
_FAULT = "ipclab: fault: "


@dataclass(frozen=True)
class Outcome:
    config: str
    passed: bool
    calls: Optional[int] = None
    checks: Optional[int] = None
    broken: Optional[int] = None
    faults: int = 0
    pager_faults: int = 0
    explanation: str = ""
    log: str = ""


def summary(lines: Sequence[str]) -> Optional[re.Match]:
    """The fuzzer's last summary line, matched, or None."""
    found = [m for m in map(_SUMMARY.search, (line.rstrip("\r") for line in lines)) if m]
    return found[-1] if found else None


def outcome(config: str, lines: Sequence[str], passed: bool, explanation: str,
            log: str = "") -> Outcome:
    """What one fuzz boot's serial lines say.  The fuzzer's summary line
    (`fuzz: seed S: N calls, C invariant checks, B broken; ...`) is needed;
    without it, or with broken invariants, the run fails whatever QEMU said."""
    found = summary(lines)
    faults = sum(1 for line in lines if _FAULT in line)
    pager = sum(1 for line in lines if _FAULT in line and ": its pager " in line)
    if not found:
        return Outcome(config, False, faults=faults, pager_faults=pager,
                       explanation=explanation or "no fuzz summary line", log=log)
    _, calls, checks, broken = (int(g) for g in found.groups())
    ok = passed and broken == 0
    why = explanation if not passed else (f"{broken} invariant checks failed" if broken else "")
    return Outcome(config, ok, calls, checks, broken, faults, pager, why, log)


def table(outcomes: Sequence[Outcome], seed: int) -> list[str]:
    lines = [f"fuzz, seed {seed} (icount: the same seed repeats exactly)",
             f"{'preset':<10} {'calls':>9} {'checks':>7} {'broken':>7} {'faults':>7} "
             f"{'to pager':>8}  verdict"]
    for o in outcomes:
        def cell(value: Optional[int], width: int) -> str:
            return f"{'-' if value is None else value:>{width}}"
        lines.append(f"{o.config:<10} {cell(o.calls, 9)} {cell(o.checks, 7)} "
                     f"{cell(o.broken, 7)} {o.faults:>7} {o.pager_faults:>8}  "
                     f"{'ok' if o.passed else 'FAIL: ' + o.explanation}"
                     f"{'' if o.passed or not o.log else ' (log ' + o.log + ')'}")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m harness.fuzz",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default="all", metavar="all|A,B")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="watchdog per boot in seconds (default: 1800)")
    parser.add_argument("--no-build", action="store_true", help="do not run make first")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    known = runs.all_configs(root)
    configs = known if args.configs == "all" else [c for c in args.configs.split(",") if c]
    unknown = [c for c in configs if c not in known]
    if unknown:
        say(f"unknown config {unknown[0]!r}; the configs are: {', '.join(known)}")
        return 2
    done = []
    for config in configs:
        say(f"{config}: fuzzing, seed {args.seed}, {args.calls} calls (icount)")
        request = BootRequest(config, "icount", run="fuzz",
                              extra_args=f"seed={args.seed} calls={args.calls}",
                              timeout=args.timeout, build=not args.no_build, echo=False)
        try:
            record = boot(root, request)
        except HarnessError as err:
            done.append(Outcome(config, False, explanation=str(err)))
            continue
        done.append(outcome(config, record.finished.stdout, record.passed, record.explanation,
                            str(record.log)))
    print("\n".join(table(done, args.seed)))
    return 0 if all(o.passed for o in done) else 1


if __name__ == "__main__":
    sys.exit(main())
