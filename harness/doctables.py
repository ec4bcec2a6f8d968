"""Tables of figures in docs/*.md, made from stored runs (`harness doctables`).

A table in a document is written between two marker lines, the first naming
the kind of table, the stored run and the presets:

    <!-- table rpc-load results/runs/<run>.json l4 l4-nods mach mach-ds -->
    | preset | ... |
    <!-- end table -->

`harness doctables` rewrites every such block from its run, so a figure in
the docs is never typed by hand; `--check` only says which blocks are out of
date.  Everything but the command's file handling is pure.
"""

import re
from pathlib import Path
from typing import Callable, Optional, Sequence

from harness import runs
from harness.runs import Run

DOCS = Path("docs")
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


TABLES: dict[str, Callable[[Run, Sequence[str]], list[str]]] = {"rpc-load": rpc_load}


def regenerate(text: str, load: Callable[[str], Run]) -> str:
    """text with every table block rewritten from its run (load: path -> Run).
    ValueError names an unknown kind or a block without its end line."""
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
    return "\n".join(out)


def run(root: Path, files: Sequence[Path], check: bool) -> list[str]:
    """Rewrite (or with check, only compare) the tables of files; the files
    that changed (or would change)."""
    def load(path: str) -> Run:
        return runs.load_run(root / path)

    changed = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        made = regenerate(text, load)
        if made != text:
            changed.append(str(path.relative_to(root) if path.is_relative_to(root) else path))
            if not check:
                path.write_text(made, encoding="utf-8")
    return changed
