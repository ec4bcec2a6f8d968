"""Tables of figures in docs/*.md, made from stored runs (`harness doctables`).

A table in a document is written between two marker lines, the first naming
the kind of table, the stored run and the presets:

    <!-- table rpc-load results/runs/<run>.json l4 l4-nods mach mach-ds -->
    | preset | ... |
    <!-- end table -->

`harness doctables` rewrites every such block from its run, so a figure in
the docs is never typed by hand; `--check` only says which blocks are out of
date.  Everything but the command's file handling is pure.

A figure in the prose is written the same way, inline: an HTML comment that
Markdown does not show, naming the run and the figure, then the figure:

    <!-- fig results/runs/<run>.json l4:pingpong:roundtrip/other-space/0B -->264<!-- /fig -->
    <!-- ratio RUN mach:pingpong:roundtrip/other-space/0B l4:pingpong:... -->3.69×<!-- /ratio -->
    <!-- diff RUN l4:pingpong:roundtrip/other-space/0B l4:floor:roundtrip -->83<!-- /diff -->

A figure is PRESET:BENCH:CASE[:STAT]; STAT is a key of the result line
(default median) or one of DERIVED.  `ratio` is the first over the second,
`diff` the first less the second.
"""

import re
from pathlib import Path
from typing import Callable, Optional, Sequence

from harness import runs
from harness.runs import Run

DOCS = Path("docs")
README = Path("README.md")
_BEGIN = re.compile(r"^<!-- table (\S+) (\S+)((?: \S+)*) -->$")
_END = "<!-- end table -->"


def _result(run: Run, preset: str, case: str) -> Optional[dict]:
    """The rpc result of one preset and case, or None."""
    return next((r for r in run.results if r["variant"] == preset and r["bench"] == "rpc"
                 and r["case"] == case), None)


def _per_call(result: Optional[dict]) -> str:
    """The whole interval over all calls, or `-`."""
    if not result or not result.get("calls"):
        return "-"
    return f"{result['elapsed'] / result['calls']:.1f}"


def rpc_load(run: Run, presets: Sequence[str]) -> list[str]:
    """RPC with 1 and 8 clients: cost per call, throughput, fairness, spread, response."""
    rows = []
    for preset in presets:
        one, eight = _result(run, preset, "1-client"), _result(run, preset, "8-clients")
        if eight is None:
            rows.append([preset, _per_call(one), "-", "-", "-", "-", "-"])
            continue
        spread = eight.get("per_client") or []
        rows.append([preset, _per_call(one), _per_call(eight), str(eight.get("ops_per_mi", "-")),
                     f"{eight['fairness']:.3f}" if "fairness" in eight else "-",
                     f"{min(spread)} to {max(spread)}" if spread else "-",
                     f"{eight['median']} / {eight['max']}"])
    head = ["preset", "per call, 1 client", "per call, 8 clients",
            "calls per million instructions, 8 clients", "fairness, 8 clients",
            "calls per client, 8 clients", "response time median / max, 8 clients"]
    return [f"| {' | '.join(head)} |", "| --- |" + " ---: |" * (len(head) - 1),
            *(f"| {' | '.join(row)} |" for row in rows)]


def _frame(run: Run, preset: str, driver: str, size: int, batch: int, itr: int = 0
           ) -> Optional[dict]:
    """The e1000 result of one preset, driver build, frame size, batch and itr, or None."""
    want = (preset, "e1000", driver, size, batch, itr)
    return next((r for r in run.results if (r["variant"], r["bench"], r.get("driver"),
                 r.get("frame_bytes"), r.get("batch"), r.get("itr")) == want), None)


def _transport(result: Optional[dict]) -> str:
    """How a user-level driver's client reaches it, as the prose names it."""
    name = (result or {}).get("transport", "-")
    return "IPC" if name == "ipc" else name


def e1000_frames(run: Run, presets: Sequence[str]) -> list[str]:
    """Loopback: instructions per frame (the driver's part) per build, size and batch."""
    cells = [("user", 64, 32), ("kernel", 64, 32), ("user", 1500, 32), ("kernel", 1500, 32),
             ("user", 64, 1), ("kernel", 64, 1)]
    rows = []
    for preset in presets:
        found = [_frame(run, preset, *cell) for cell in cells]
        rows.append([preset, _transport(found[0]), *(
            f"{r['instructions_per_frame']} ({r['driver_per_frame']})" if r else "-"
            for r in found)])
    head = ["preset", "user transport", "user 64B", "kernel 64B", "user 1500B", "kernel 1500B",
            "user 64B batch1", "kernel 64B batch1"]
    return [f"| {' | '.join(head)} |", "|" + " --- |" * len(head),
            *(f"| {' | '.join(row)} |" for row in rows)]


def e1000_interrupts(run: Run, presets: Sequence[str]) -> list[str]:
    """Echo: receive interrupts per case (64 / 512 / 1500 B / 64 B one per request)
    of each build, at itr 0 and 200."""
    cases = [(64, 32), (512, 32), (1500, 32), (64, 1)]
    rows = []
    for preset in presets:
        for driver in ("user", "kernel"):
            counts = [[_frame(run, preset, driver, size, batch, itr) for size, batch in cases]
                      for itr in (0, 200)]
            build = f"user ({_transport(counts[0][0])})" if driver == "user" else driver
            rows.append([preset, build, *(" / ".join(str(r["interrupts"]) if r else "-"
                                                     for r in at) for at in counts)])
    head = ["preset", "build", "itr 0", "itr 200 (51 µs)"]
    return [f"| {' | '.join(head)} |", "|" + " --- |" * len(head),
            *(f"| {' | '.join(row)} |" for row in rows)]


TABLES: dict[str, Callable[[Run, Sequence[str]], list[str]]] = {
    "rpc-load": rpc_load, "e1000-frames": e1000_frames, "e1000-interrupts": e1000_interrupts}

# An inline figure: kind, run, its figures, then the text up to the closing marker;
# one right after a backtick is an example in a code span, not a figure.
_FIGURE = re.compile(r"(?<!`)<!--\s+(fig|ratio|diff)\s+(\S+)((?:\s+[^\s-]\S*)+)\s+-->"
                     r"([^<]*)<!-- /\1 -->")
_OPERANDS = {"fig": 1, "ratio": 2, "diff": 2}

# Statistics that are not a key of the result line, made from it.
DERIVED: dict[str, Callable[[dict], float]] = {
    "per_call": lambda r: r["elapsed"] / r["calls"],
    "client_min": lambda r: min(r["per_client"]),
    "client_max": lambda r: max(r["per_client"]),
    "driver_per_request": lambda r: r["driver_per_frame"] * r["batch"],
}
# How a statistic is printed when it is not a whole number (default: as stored).
_FORMATS = {"per_call": ".1f", "fairness": ".3f"}


def figure(run: Run, ref: str) -> tuple[float, str]:
    """The value of PRESET:BENCH:CASE[:STAT] in run, and its format spec.
    ValueError names a malformed reference or a figure the run lacks."""
    parts = ref.split(":")
    if len(parts) not in (3, 4):
        raise ValueError(f"figure '{ref}' is not PRESET:BENCH:CASE[:STAT]")
    preset, bench, case, stat = (*parts, "median")[:4]
    result = next((r for r in run.results if (r["variant"], r["bench"], r["case"])
                   == (preset, bench, case)), None)
    if result is None:
        raise ValueError(f"figure '{ref}': no {bench} {case} of {preset} in the run")
    try:
        value = DERIVED[stat](result) if stat in DERIVED else result[stat]
    except (KeyError, ValueError, ZeroDivisionError):
        raise ValueError(f"figure '{ref}': the result has no {stat}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"figure '{ref}': {stat} is not a number")
    return value, _FORMATS.get(stat, "")


def _show(value: float, spec: str) -> str:
    """value as the docs print it: whole numbers bare, others by spec."""
    return str(value) if isinstance(value, int) else format(value, spec)


def inline(kind: str, run: Run, refs: Sequence[str]) -> str:
    """The text of one inline marker of kind over the figures refs."""
    if len(refs) != _OPERANDS[kind]:
        raise ValueError(f"{kind} takes {_OPERANDS[kind]} figure(s), not {len(refs)}: "
                         f"{' '.join(refs)}")
    values = [figure(run, ref) for ref in refs]
    if kind == "fig":
        return _show(*values[0])
    (a, spec), (b, _) = values
    if kind == "ratio":
        return f"{a / b:.2f}×"
    return _show(a - b, spec or ".1f")


def _figures(text: str, load: Callable[[str], Run]) -> list[tuple[re.Match, str]]:
    """Every inline marker of text with the text its run gives it."""
    return [(m, inline(m.group(1), load(m.group(2)), m.group(3).split()))
            for m in _FIGURE.finditer(text)]


def stale_figures(text: str, load: Callable[[str], Run]) -> list[str]:
    """One line per inline figure whose text is not what its run gives:
    `line N: KIND FIGURES: says OLD, the run has NEW`."""
    return [f"line {text.count(chr(10), 0, m.start()) + 1}: {m.group(1)} "
            f"{' '.join(m.group(3).split())}: says {m.group(4)!r}, the run has {made!r}"
            for m, made in _figures(text, load) if m.group(4) != made]


def _rewrite_figures(text: str, load: Callable[[str], Run]) -> str:
    """text with the text of every inline marker made from its run."""
    out, at = [], 0
    for m, made in _figures(text, load):
        out += [text[at:m.start(4)], made]
        at = m.end(4)
    return "".join(out) + text[at:]


def regenerate(text: str, load: Callable[[str], Run]) -> str:
    """text with every table block and inline figure rewritten from its run
    (load: path -> Run).  ValueError names an unknown kind, a block without
    its end line or a figure the run lacks."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        match = _BEGIN.match(lines[i])
        out.append(lines[i])
        i += 1
        if not match:
            continue
        kind, path, presets = match.group(1), match.group(2), match.group(3).split()
        if kind not in TABLES:
            raise ValueError(f"unknown table kind '{kind}' (known: {', '.join(TABLES)})")
        try:
            end = lines.index(_END, i)
        except ValueError:
            raise ValueError(f"table {kind} from {path} has no '{_END}' line") from None
        out += TABLES[kind](load(path), presets)
        i = end
    return _rewrite_figures("\n".join(out), load)


def documents(root: Path) -> list[Path]:
    """The files whose tables and figures `harness doctables` keeps: docs/*.md, README.md."""
    return sorted((root / DOCS).glob("*.md")) + [root / README]


def run(root: Path, files: Sequence[Path], check: bool) -> list[str]:
    """Rewrite (or with check, only compare) the tables and figures of files;
    one line per stale figure and per other file that changed (or would)."""
    loaded: dict[str, Run] = {}

    def load(path: str) -> Run:
        if path not in loaded:
            loaded[path] = runs.load_run(root / path)
        return loaded[path]

    changed = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        made = regenerate(text, load)
        if made == text:
            continue
        name = str(path.relative_to(root) if path.is_relative_to(root) else path)
        stale = stale_figures(text, load)
        tables = _rewrite_figures(made, load) != _rewrite_figures(text, load)
        changed += [f"{name}: {line}" for line in stale] + ([f"{name}: a table"] if tables else [])
        if not check:
            path.write_text(made, encoding="utf-8")
    return changed
