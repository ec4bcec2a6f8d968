"""Where a benchmark case's instructions go, function by function.

    python3 -m harness.profile --config mach --bench pingpong --case roundtrip/other-space/0B

boots the preset in footprint mode with the plugin's per-address counts on
(harness/plugin/footprint.c, option profile=on), runs the benchmark's cases a
hundred times each between their markers, and prints, for each case asked
for, the instructions per iteration of every kernel and user function that
ran, most first (and with --annotate FUNCTION, that function's disassembly
with the count of each instruction).  Addresses are named from the kernel's and the benchmark
program's symbol tables (`nm`).  The counts are exact and repeat from run to
run, like every icount figure: they are the guest's instructions, not time.
"""

import argparse
import bisect
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from harness import bench, qemu, runs
from harness.boot import (BootRequest, HarnessError, boot, footprint_log, footprint_module,
                          say)

KERNEL_BASE = 0xffff800000000000
PROFILES_DIR = Path("results/profiles")


@dataclass(frozen=True)
class Symbols:
    """Function start addresses, sorted, and their names."""

    starts: tuple[int, ...]
    names: tuple[str, ...]

    def name(self, pc: int) -> str:
        """The function that holds pc, or its address in hex if none does."""
        i = bisect.bisect_right(self.starts, pc) - 1
        return self.names[i] if i >= 0 else f"{pc:#x}"


def read_symbols(nm_lines: Iterable[str]) -> Symbols:
    """Text symbols from `nm` output lines (address, type, name); other
    symbols are left out.  Of several names at one address the first wins."""
    table: dict[int, str] = {}
    for line in nm_lines:
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            table.setdefault(int(parts[0], 16), parts[2])
    starts = tuple(sorted(table))
    return Symbols(starts, tuple(table[a] for a in starts))


def symbols_of(paths: Sequence[Path]) -> Symbols:
    """The text symbols of every ELF file in paths (kernel and user do not overlap)."""
    lines: list[str] = []
    for path in paths:
        try:
            done = subprocess.run(["nm", "--defined-only", str(path)], capture_output=True,
                                  text=True, check=True)
        except (OSError, subprocess.CalledProcessError) as err:
            raise HarnessError(f"cannot read the symbols of {path}: {err}") from None
        lines += done.stdout.splitlines()
    return read_symbols(lines)


@dataclass(frozen=True)
class Row:
    function: str
    kernel: bool
    per_iteration: float


def read_inlined(addr2line_out: str) -> dict[int, str]:
    """The innermost function of each address from `addr2line -a -f -i`
    output: an address line, then function and place lines, innermost first."""
    found: dict[int, str] = {}
    lines = addr2line_out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("0x") and i + 1 < len(lines):
            try:
                found[int(line, 16)] = lines[i + 1].strip()
            except ValueError:
                continue
    return found


def inlined_names(elf: Path, pcs: Iterable[int]) -> dict[int, str]:
    """The innermost (inlined) function of each of pcs in elf, by its debug
    information; addresses it cannot name are left out."""
    wanted = "\n".join(f"{pc:#x}" for pc in sorted(set(pcs)))
    try:
        done = subprocess.run(["addr2line", "-a", "-f", "-i", "-e", str(elf)], input=wanted,
                              capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as err:
        raise HarnessError(f"cannot read the inlining of {elf}: {err}") from None
    return {pc: name for pc, name in read_inlined(done.stdout).items() if name != "??"}


def by_function(pcs: dict[int, int], occurrences: int, symbols: Symbols,
                inlined: Optional[dict[int, str]] = None) -> list[Row]:
    """Per-address counts summed by function, per occurrence, most first;
    with inlined, an address counts for the function inlined there."""
    totals: dict[tuple[str, bool], int] = {}
    for pc, count in pcs.items():
        name = (inlined or {}).get(pc) or symbols.name(pc)
        key = (name, pc >= KERNEL_BASE)
        totals[key] = totals.get(key, 0) + count
    rows = [Row(name, kernel, total / occurrences) for (name, kernel), total in totals.items()]
    return sorted(rows, key=lambda r: (-r.per_iteration, r.function))


def format_table(label: str, rows: Sequence[Row], top: Optional[int]) -> list[str]:
    total = sum(r.per_iteration for r in rows)
    kernel = sum(r.per_iteration for r in rows if r.kernel)
    out = [f"{label}: {fmt(total)} instructions per iteration "
           f"(kernel {fmt(kernel)}, user {fmt(total - kernel)})",
           f"  {'instructions':>12}  {'share':>6}  function"]
    shown = rows if top is None else rows[:top]
    for r in shown:
        share = 100 * r.per_iteration / total if total else 0.0
        out.append(f"  {fmt(r.per_iteration):>12}  {share:5.1f}%  {r.function}"
                   f"{'' if r.kernel else ' (user)'}")
    if len(shown) < len(rows):
        rest = sum(r.per_iteration for r in rows[len(shown):])
        out.append(f"  {fmt(rest):>12}  {100 * rest / total:5.1f}%  "
                   f"({len(rows) - len(shown)} more functions)")
    return out


def annotate(elf: Path, symbols: Symbols, function: str, pcs: dict[int, int],
             occurrences: int) -> list[str]:
    """The function's disassembly (objdump), each instruction with how many
    times it ran per iteration."""
    if function not in symbols.names:
        raise HarnessError(f"no function {function} in the symbols")
    i = symbols.names.index(function)
    start = symbols.starts[i]
    stop = symbols.starts[i + 1] if i + 1 < len(symbols.starts) else start + 4096
    try:
        done = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--start-address={start}",
                               f"--stop-address={stop}", str(elf)], capture_output=True,
                              text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as err:
        raise HarnessError(f"cannot disassemble {function}: {err}") from None
    out = [f"{function}: instructions run per iteration, by address"]
    for line in done.stdout.splitlines():
        address, colon, text = line.partition(":")
        try:
            pc = int(address.strip(), 16)
        except ValueError:
            continue
        if not colon or not text.strip():
            continue
        count = pcs.get(pc, 0) / occurrences
        out.append(f"  {fmt(count) if count else '.':>8}  {pc:x}:{text.rstrip()}")
    return out


def profile_record(config: str, date: str, commit: str, dirty: bool,
                   cases: dict[str, list[Row]], inlined: bool = False) -> dict:
    """What --store writes: the preset, when and at which commit, whether
    inlined functions were named (--inlined), and each case's rows
    (function, kernel or user, instructions per iteration)."""
    return {"meta": {"config": config, "date": date, "commit": commit, "dirty": dirty,
                     "unit": "instructions", "mode": "footprint", "inlined": inlined},
            "cases": {label: [[r.function, r.kernel, r.per_iteration] for r in rows]
                      for label, rows in cases.items()}}


def store_profile(root: Path, record: dict) -> Path:
    """Write a profile record to results/profiles/<date>-<config>.json."""
    stamp = record["meta"]["date"][:19].replace("-", "").replace(":", "").replace("T", "-")
    path = root / PROFILES_DIR / f"{stamp}-{record['meta']['config']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path


def newest_profiles(root: Path) -> dict[str, dict[str, list[Row]]]:
    """The newest stored profile of each preset: {preset: {case label: rows}}.
    Files that cannot be read are skipped."""
    found: dict[str, tuple[str, dict]] = {}
    for path in sorted((root / PROFILES_DIR).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            config, date = record["meta"]["config"], record["meta"]["date"]
            cases = {label: [Row(str(f), bool(k), float(n)) for f, k, n in rows]
                     for label, rows in record["cases"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if config not in found or date >= found[config][0]:
            found[config] = (date, cases)
    return {config: cases for config, (_, cases) in found.items()}


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m harness.profile",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the preset: configs/NAME.mk")
    parser.add_argument("--bench", default="pingpong",
                        help="the benchmark(s) to run: name[,name...] (default: pingpong)")
    parser.add_argument("--case", action="append",
                        help="only this case (repeatable; default: every case of the benchmark)")
    parser.add_argument("--top", type=int, default=25,
                        help="functions shown per case (default: 25; 0: all)")
    parser.add_argument("--annotate", metavar="FUNCTION", action="append", default=[],
                        help="also print this function's disassembly with the count of "
                             "every instruction (repeatable)")
    parser.add_argument("--no-build", action="store_true", help="do not run make first")
    parser.add_argument("--qemu", default=qemu.default_qemu(), metavar="PROGRAM",
                        help=f"the QEMU binary (default: ${qemu.QEMU_ENV} if set, "
                             f"else {qemu.QEMU})")
    parser.add_argument("--inlined", action="store_true",
                        help="count each kernel instruction for the function inlined there "
                             "(addr2line -i), not the one it was inlined into")
    parser.add_argument("--store", action="store_true",
                        help=f"also keep the rows of every case in {PROFILES_DIR}/")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    try:
        plugin = footprint_module()
        request = BootRequest(args.config, "footprint", run="bench",
                              extra_args=bench.bench_arg(args.bench.split(",")) + " footprint=1",
                              build=not args.no_build, echo=False, profile=True,
                              qemu=args.qemu)
        record = boot(root, request)
        if not record.passed:
            raise HarnessError(f"{args.config}/footprint: {record.explanation}")
        text = (root / footprint_log(args.config)).read_text(encoding="utf-8", errors="replace")
        profiles = plugin.parse_profile(text)
        elves = [root / qemu.build_dir(args.config) / "kernel.elf",
                 root / qemu.build_dir(args.config) / "user" / "bench.elf"]
        symbols = symbols_of(elves)
    except (HarnessError, OSError, ValueError) as err:
        say(str(err))
        return 2
    labels = bench.region_labels(record.finished.stdout)
    shown, kept = 0, {}
    for region in sorted(profiles):
        label = labels.get(region, f"region {region}")
        if args.case and label.split(" ", 1)[-1] not in args.case:
            continue
        occurrences = (record.footprint or {}).get(region, {}).get("occurrences", 0)
        if not occurrences:
            continue
        inlined = inlined_names(elves[0], [pc for pc in profiles[region] if pc >= KERNEL_BASE]) \
            if args.inlined else None
        rows = by_function(profiles[region], occurrences, symbols, inlined)
        kept[label] = rows
        print("\n".join(format_table(f"{args.config} {label}", rows, args.top or None)))
        print()
        for function in args.annotate:
            start = symbols.starts[symbols.names.index(function)] \
                if function in symbols.names else KERNEL_BASE
            elf = elves[0] if start >= KERNEL_BASE else elves[1]
            try:
                print("\n".join(annotate(elf, symbols, function, profiles[region], occurrences)))
            except HarnessError as err:
                say(str(err))
                return 2
            print()
        shown += 1
    if not shown:
        say(f"no profiled case matched (cases: {', '.join(sorted(labels.values()))})")
        return 1
    if args.store:
        commit, dirty = runs.git_state(root)
        record = profile_record(args.config, runs.now(), commit, dirty, kept, args.inlined)
        path = store_profile(root, record)
        say(f"profile: stored {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
