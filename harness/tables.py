"""Tables of stored runs: one per benchmark and unit, presets side by side.

Each IPC figure is also shown as a multiple of the floor of the same boot:
two null system calls plus one round trip of address-space switches, the
least any round trip between two spaces must cost.  The guest prints it as
bench "floor", case "roundtrip"; from a guest that does not, the harness
computes 2 × null_syscall + space_switch.
"""

from dataclasses import dataclass
from numbers import Real
from typing import Optional, Sequence

from harness import qemu, sizes
from harness.runs import Run

FLOOR_BENCHES = ("null_syscall", "space_switch", "floor")
FLOOR_CASES = {"null_syscall": "null", "space_switch": "roundtrip", "floor": "roundtrip"}
BENCH_ORDER = ("floor", "pingpong", "rpc", "notify", "fault", "pagefault")
FLOOR_ROW = "floor: 2 × null + switch"
MISSING = "-"


@dataclass(frozen=True)
class Floor:
    """The floor of one boot: the least a round trip between two spaces costs."""

    roundtrip: float
    unit: str
    computed: bool        # by the harness, as 2 × null + switch (not printed by the guest)


@dataclass(frozen=True)
class Column:
    """One preset of one run: a column of every table."""

    label: str
    mode: str
    results: tuple[dict, ...]


def number(value) -> Optional[float]:
    """value if it is a number (not a bool), else None."""
    return value if isinstance(value, Real) and not isinstance(value, bool) else None


def is_throughput(result: dict) -> bool:
    """Whether a result is a multi-client run measured as throughput (rpc today):
    its calls, the interval they took and the completions of each client."""
    return all(number(result.get(k)) is not None for k in ("calls", "elapsed", "ops_per_mi"))


def per_call(result: dict) -> Optional[float]:
    """The whole interval over the calls completed in it: the cost of one call
    at the rate all clients together achieved (the inverse of throughput)."""
    calls, elapsed = number(result.get("calls")), number(result.get("elapsed"))
    return elapsed / calls if calls and elapsed is not None else None


def fmt_number(value: float) -> str:
    """212 for whole numbers, 212.5 otherwise."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def fmt_cell(value: float, floor: Optional[float]) -> str:
    """A table cell: `223 (1.27× floor)`, or just the value without a floor."""
    if not floor:
        return fmt_number(value)
    return f"{fmt_number(value)} ({value / floor:.2f}× floor)"


def unit_label(unit: str, mode: str) -> str:
    """The unit as a table names it; plain TCG time is marked as meaningless."""
    if mode in qemu.UNTIMED_MODES:
        return f"{unit}, {mode}: not meaningful, function only"
    return unit


# What the cycle model did with a CR3 write (a result's model_pcid), as its unit says it.
MODEL_PCID_WORDS = {"kept": "PCID: TLB kept", "flushed": "no PCID: TLB flushed"}


def model_name(result: dict) -> str:
    """What a result's model cycles are of: `skylake, PCID: TLB kept`; the profile
    alone for a result from before the CR3 mode was recorded (model_pcid)."""
    profile = result.get("model_profile", "?")
    pcid = result.get("model_pcid")
    return f"{profile}, {MODEL_PCID_WORDS.get(pcid, pcid)}" if pcid else profile


def model_label(results: Sequence[dict]) -> str:
    """`model cycles (profile skylake, PCID: TLB kept)` for the results with model
    cycles; one profile whose CR3 mode follows each preset's PCID axis is said
    once, and other mixtures are joined by `; `."""
    marked = [r for r in results if "model_profile" in r]
    names = sorted({model_name(r) for r in marked}) or ["?"]
    profiles = sorted({r["model_profile"] for r in marked})
    if len(names) > 1 and len(profiles) == 1:
        return f"model cycles (profile {profiles[0]}, TLB per preset's PCID)"
    return f"model cycles (profile {'; '.join(names)})"


def find_result(results: Sequence[dict], bench: str, case: str) -> Optional[dict]:
    """The result of bench with this case, or its only result if it has one."""
    mine = [r for r in results if r["bench"] == bench]
    named = [r for r in mine if r["case"] == case]
    if named:
        return named[0]
    return mine[0] if len(mine) == 1 else None


def floor_of(results: Sequence[dict], stat: str = "median") -> Optional[Floor]:
    """The floor of one boot: the guest's, or 2 × null_syscall + space_switch."""
    guest = find_result(results, "floor", FLOOR_CASES["floor"])
    if guest is not None and number(guest.get(stat)) is not None:
        return Floor(guest[stat], guest["unit"], False)
    null = find_result(results, "null_syscall", FLOOR_CASES["null_syscall"])
    switch = find_result(results, "space_switch", FLOOR_CASES["space_switch"])
    if null is None or switch is None or null["unit"] != switch["unit"]:
        return None
    values = number(null.get(stat)), number(switch.get(stat))
    if None in values:
        return None
    return Floor(2 * values[0] + values[1], null["unit"], True)


def columns(runs: Sequence[Run]) -> list[Column]:
    """One column per preset per run, labelled so that no two look alike."""
    found = [(run, variant) for run in runs for variant in run.variants()]
    many_modes = len({run.meta.get("mode") for run in runs}) > 1
    labels = [f"{v} {run.meta.get('mode', '?')}" if many_modes else v for run, v in found]
    if len(set(labels)) < len(labels):
        labels = [f"{label} {run.meta.get('date', '?')[:16]}"
                  for label, (run, _) in zip(labels, found)]
    return [Column(label, run.meta.get("mode", "?"),
                   tuple(r for r in run.results if r["variant"] == v))
            for label, (run, v) in zip(labels, found)]


def bench_key(bench: str) -> tuple:
    """Sort key of tables: the floor, the IPC benchmarks, then the others by name."""
    return (BENCH_ORDER.index(bench) if bench in BENCH_ORDER else len(BENCH_ORDER), bench)


def collect(cols: Sequence[Column], stat: str) -> dict[tuple[str, str], dict[str, dict]]:
    """Cells by table (bench, unit label), then row, then column index."""
    tables: dict[tuple[str, str], dict[str, dict]] = {}
    for index, col in enumerate(cols):
        floor = floor_of(col.results, stat)
        for result in col.results:
            value = number(result.get(stat))
            if value is None or is_throughput(result):
                continue
            in_floor = result["bench"] in FLOOR_BENCHES
            table = ("floor" if in_floor else result["bench"],
                     unit_label(result["unit"], col.mode))
            row = floor_row(result) if in_floor else result["case"]
            scale = floor.roundtrip if floor and floor.unit == result["unit"] else None
            text = fmt_number(value) if in_floor else fmt_cell(value, scale)
            if result.get("stable") is False and col.mode not in qemu.UNTIMED_MODES:
                text += " unstable"
            tables.setdefault(table, {}).setdefault(row, {})[index] = text
        if floor and floor.computed:
            table = ("floor", unit_label(floor.unit, col.mode))
            tables.setdefault(table, {}).setdefault(FLOOR_ROW, {})[index] = \
                fmt_number(floor.roundtrip)
    for rows in tables.values():     # the floor's own row goes last
        if FLOOR_ROW in rows:
            rows[FLOOR_ROW] = rows.pop(FLOOR_ROW)
    return tables


def floor_row(result: dict) -> str:
    """The row of a floor result: `null_syscall null`, or the bench alone without a case."""
    bench, case = result["bench"], result["case"]
    return bench if case == bench else f"{bench} {case}"


def title(bench: str, unit: str, stat: str) -> str:
    """What a table shows, in one line."""
    if bench == "floor":
        return f"floor ({stat}, {unit}; the least a round trip between two spaces costs)"
    return f"{bench} ({stat}, {unit}; × floor = multiple of the round-trip floor)"


def render(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """An aligned text table: the first column left, the others right-aligned."""
    widths = [max(len(line[i]) for line in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        parts = [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:])]
        return "  ".join(parts).rstrip()
    return [line(header), *(line(r) for r in rows)]


# The throughput tables: (title, cell of one result).  A cell is MISSING
# where the result lacks a figure.
def _rate_cell(r: dict) -> str:
    return f"{r['ops_per_mi']} ({float(r.get('fairness', 0)):.3f})"


def _latency_cell(r: dict) -> str:
    figures = [number(r.get(k)) for k in ("median", "p99", "p999", "max")]
    return " / ".join(MISSING if v is None else fmt_number(v) for v in figures)


def _clients_cell(r: dict) -> str:
    return ",".join(str(n) for n in r.get("per_client", ())) or MISSING


THROUGHPUT_TABLES = (
    ("throughput: calls of all clients per million {unit} (Jain's fairness index over the "
     "clients' completions, 1 = equal)", _rate_cell),
    ("response time, {unit}, from ready to call to return, waits for other clients included: "
     "median / p99 / p99.9 / max", _latency_cell),
    ("completed calls per client", _clients_cell),
)


def throughput_tables(cols: Sequence[Column]) -> dict[str, dict[str, dict]]:
    """Cells of the multi-client results by table title, then row, then column index."""
    tables: dict[str, dict[str, dict]] = {}
    for index, col in enumerate(cols):
        for result in filter(is_throughput, col.results):
            unit = unit_label(result["unit"], col.mode)
            for heading, cell in THROUGHPUT_TABLES:
                text = cell(result)
                if result.get("stable") is False and col.mode not in qemu.UNTIMED_MODES:
                    text += " unstable"
                key = f"{result['bench']} {heading.format(unit=unit)}"
                tables.setdefault(key, {}).setdefault(result["case"], {})[index] = text
    return tables


def result_tables(runs: Sequence[Run], stat: str = "median") -> list[str]:
    """Every table of the runs' results, separated by blank lines."""
    cols = columns(runs)
    tables = collect(cols, stat)
    titled = [(title(bench, unit, stat), sizes.in_order(bench, tables[(bench, unit)]))
              for bench, unit in sorted(tables, key=lambda key: (bench_key(key[0]), key[1]))]
    titled += list(throughput_tables(cols).items())
    lines: list[str] = []
    for heading, rows in titled:
        used = sorted({i for cells in rows.values() for i in cells})
        header = ["case", *(cols[i].label for i in used)]
        body = [[row, *(cells.get(i, MISSING) for i in used)] for row, cells in rows.items()]
        lines += ([""] if lines else []) + [heading, *render(header, body)]
    floorless = [col.label for col in cols if col.results and not floor_of(col.results, stat)]
    if floorless:
        lines.append(f"note: no floor, so no × floor, for {', '.join(floorless)}: it needs "
                     f"null_syscall and space_switch from the same boot")
    lines += floor_note(cols, stat)
    lines += byte_cost_lines(cols, stat)
    return lines


def byte_cost_lines(cols: Sequence[Column], stat: str) -> list[str]:
    """The cost of one more byte of each column's bulk series (copied, shared):
    the least-squares slope of the statistic against the size, and its sizes."""
    found = []
    for col in cols:
        variants = list(dict.fromkeys(r["variant"] for r in col.results))
        unit = next((unit_label(r["unit"], col.mode) for r in col.results
                     if r["bench"] == sizes.BULK_BENCH), "")
        found += [f"  {col.label} {cost.text(unit)[len(cost.preset) + 1:]}"
                  for cost in sizes.byte_costs(col.results, variants, stat)]
    if not found:
        return []
    return ["", f"{sizes.BULK_BENCH}: cost of one more byte, client to server (least-squares "
                f"slope of the {stat} against the size)", *found]


def floor_note(cols: Sequence[Column], stat: str) -> list[str]:
    """A note when the presets' floors differ: each × floor is against its own
    boot's floor, which holds whatever that kernel adds to every system call
    (the sync model's fast-path dispatch), so × floor does not charge it."""
    floors = {col.label: floor_of(col.results, stat) for col in cols}
    known = {label: f for label, f in floors.items() if f}
    if len({(f.roundtrip, f.unit) for f in known.values()}) < 2:
        return []
    low = min(f.roundtrip for f in known.values())
    dearer = [f"{label} {fmt_number(f.roundtrip)}" for label, f in known.items()
              if f.roundtrip > low]
    return [f"note: the floors differ (least {fmt_number(low)}; {', '.join(dearer)}): each "
            f"× floor is against its own, so what a kernel adds to every system call (the "
            f"sync model's fast-path dispatch) is in its floor and not in its × floor; "
            f"compare the figures themselves across presets"]


# The footprint table's columns: (heading, path into the plugin's record).
# "last" is one occurrence of the marked region, i.e. one round trip.
FOOTPRINT_COLUMNS = (("kernel lines", ("last", "kernel_lines")),
                     ("kernel pages", ("last", "kernel_pages")),
                     ("user lines", ("last", "user_lines")),
                     ("user pages", ("last", "user_pages")),
                     ("kernel instr", ("last", "kernel_instructions")),
                     ("user instr", ("last", "user_instructions")),
                     ("occurrences", ("occurrences",)))

MARKER_TROUBLE = (("unmatched", "end markers without a begin"),
                  ("unclosed", "begin markers without an end"))


def dig(record, path: Sequence[str]):
    """record[path[0]][path[1]]..., or None where a key is missing."""
    for key in path:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def footprint_tables(runs: Sequence[Run]) -> list[str]:
    """The footprint plugin's counts per round trip: one row per preset and region."""
    lines: list[str] = []
    for run in runs:
        if run.meta.get("mode") == "cycles":
            continue                     # the cycle model's records: cycles_tables
        body, warnings = [], []
        for preset, regions in run.footprint.items():
            for region, record in regions.items():
                label = record.get("label") or f"region {region}"
                body.append([f"{preset} {label}",
                             *(fmt_value(dig(record, path)) for _, path in FOOTPRINT_COLUMNS)])
                odd = [f"{dig(record, (key,))} {what}" for key, what in MARKER_TROUBLE
                       if dig(record, (key,))]
                if odd:
                    warnings.append(f"note: {preset} {label}: {', '.join(odd)}")
        if body:
            lines += ([""] if lines else []) + [
                f"footprint per round trip (one occurrence of each marked region; "
                f"64-byte lines, 4 KiB pages; run {run.meta.get('date', '?')})",
                *render(["preset region", *(h for h, _ in FOOTPRINT_COLUMNS)], body),
                *warnings]
    return lines


def cycles_tables(runs: Sequence[Run], stat: str = "median") -> list[str]:
    """The cycle model's figures beside the instructions, per case of each cycles run:
    the guest's own count (stat) and the model's medians over the region's occurrences."""
    lines: list[str] = []
    for run in runs:
        if run.meta.get("mode") != "cycles":
            continue
        body, marked = [], []
        for result in run.results:
            if "model_cycles_warm" not in result:
                continue
            marked.append(result)
            body.append([f"{result['variant']} {result['bench']} {result['case']}",
                         fmt_value(result.get(stat)), fmt_value(result["model_cycles_warm"]),
                         fmt_value(result["model_cycles_cold"])])
        if body:
            label = model_label(marked)
            lines += ([""] if lines else []) + [
                f"{label} beside instructions ({stat}); warm: after warm-up, cold: the "
                f"model's caches and TLBs emptied before each sample; medians over the "
                f"marked region's occurrences (run {run.meta.get('date', '?')})",
                *render(["preset case", "instructions", f"{label} warm", "cold"], body)]
    return lines


def fmt_value(value) -> str:
    """A count as a cell; `-` where the plugin reported none."""
    if number(value) is None:
        return MISSING
    return fmt_number(value)


def run_headers(runs: Sequence[Run]) -> list[str]:
    """One line per run: where and how it was measured."""
    lines = []
    for run in runs:
        meta = run.meta
        dirty = " (uncommitted changes)" if meta.get("dirty") else ""
        lines.append(f"run {meta.get('date', '?')} on {meta.get('host', '?')} "
                     f"({meta.get('cpu', '?')}): mode {meta.get('mode', '?')}, "
                     f"accel {meta.get('accel', '?')}, qemu {meta.get('qemu') or '-'}, "
                     f"commit {str(meta.get('commit', '?'))[:12]}{dirty}")
    return lines


def show(runs: Sequence[Run], stat: str = "median") -> list[str]:
    """Everything `harness show` prints for these runs."""
    body = result_tables(runs, stat) or ["no results"]
    prints = footprint_tables(runs) + cycles_tables(runs, stat)
    return [*run_headers(runs), "", *body, *([""] + prints if prints else [])]
