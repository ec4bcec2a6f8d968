"""Plots of stored runs (`harness plots`): build/plots/*.dat, then gnuplot.

Each plot is a gnuplot script plots/<script>.gp that reads one data file and
a few variables (the mode, unit and series titles) given with `gnuplot -e`;
it is drawn twice, as plots/<name>.png and plots/<name>.svg.  The scripts load
plots/common.gp, which sets the terminal: pngcairo where gnuplot has it, else
png.  Everything here but draw() and terminal() is pure.
"""

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from harness import report, sizes, tables
from harness.report import Sources
from harness.runs import Run
from harness.tables import fmt_number, number

PLOTS_DIR = Path("plots")
DATA_DIR = Path("build/plots")
FORMATS = ("png", "svg")
GNUPLOT = "gnuplot"
GNUPLOT_PACKAGE = "gnuplot-nox"
MISSING = "NaN"              # gnuplot leaves NaN points out

# The ping-pong family the round-trip and message-size plots show.
FAMILY = "roundtrip/other-space"

# The driver benchmark and the keys its results may carry.
DRIVER_BENCH = "e1000"
FRAME_SIZE_KEYS = ("frame_bytes", "frame_size", "bytes")
FRAME_RATE_KEYS = ("frames_per_s", "fps")
DRIVERS = ("user", "kernel")        # drawn solid and dashed
MAX_DRIVER_LINES = 8                # more, and only the model presets are drawn


@dataclass(frozen=True)
class Plot:
    """One plot: its name, its script, its data and the variables the script reads."""

    name: str                       # plots/<name>.png and .svg, build/plots/<name>.dat
    script: str                     # plots/<script>.gp
    data: str                       # the text of the data file
    variables: dict = field(default_factory=dict)


# --- Data files ---------------------------------------------------------------------------

def dat_cell(value) -> str:
    """A data-file cell: numbers as they are, strings quoted, None as NaN."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return '"' + value.replace('"', "'") + '"'
    if number(value) is None:
        return MISSING
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def dat_text(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A gnuplot data file: a comment naming the columns, then one line per row."""
    lines = ["# " + "  ".join(header)]
    lines += ["  ".join(dat_cell(cell) for cell in row) for row in rows]
    return "\n".join(lines) + "\n"


def titles(names: Sequence[str]) -> dict:
    """Series titles as the scripts read them: n, t1..tn."""
    return {"n": len(names), **{f"t{i}": name for i, name in enumerate(names, 1)}}


def base_variables(run: Run, stat: str) -> dict:
    """The variables every plot of a timing run has: mode, unit, stat."""
    return {"mode": run.meta.get("mode", "?"), "unit": report.unit_of(run), "stat": stat}


def family_sizes(run: Run, family: str = FAMILY) -> list[int]:
    """The message sizes of a ping-pong family in a run, smallest first."""
    sizes = {sized[1] for r in run.results if r["bench"] == "pingpong"
             for sized in [report.sized_case(r["case"])] if sized and sized[0] == family}
    return sorted(sizes)


# --- The plots ------------------------------------------------------------------------------

def roundtrip_plot(run: Run, stat: str) -> Optional[Plot]:
    """Round trip per preset, smallest and largest message, with each preset's floor."""
    sizes = family_sizes(run)
    if not sizes:
        return None
    small, large = sizes[0], sizes[-1]
    rows = []
    for preset in run.variants():
        floor = report.floor_value(run, preset, stat)
        rows.append([preset,
                     report.value_of(run, preset, "pingpong", f"{FAMILY}/{small}B", stat),
                     report.value_of(run, preset, "pingpong", f"{FAMILY}/{large}B", stat), floor])
    mode = run.meta.get("mode", "?")
    return Plot(f"roundtrip-{mode}", "roundtrip",
                dat_text(["preset", f"{small}B", f"{large}B", "floor"], rows),
                {**base_variables(run, stat), "n": len(rows), "small": f"{small}-byte message",
                 "large": f"{large}-byte message"})


def msgsize_plot(run: Run, models: dict[str, str], stat: str) -> Optional[Plot]:
    """Round trip against message size for each IPC model, each with its floor."""
    presets = [p for p in models if p in run.variants()]
    sizes = family_sizes(run)
    if not presets or len(sizes) < 2:
        return None
    rows = [[size, *(report.value_of(run, p, "pingpong", f"{FAMILY}/{size}B", stat)
                     for p in presets),
             *(report.floor_value(run, p, stat) for p in presets)] for size in sizes]
    names = [f"{p} ({models[p]})" for p in presets]
    mode = run.meta.get("mode", "?")
    return Plot(f"msgsize-{mode}", "msgsize",
                dat_text(["bytes", *presets, *(f"floor-{p}" for p in presets)], rows),
                {**base_variables(run, stat), **titles(names),
                 **{f"p{i}": p for i, p in enumerate(presets, 1)}})


def bulk_plot(run: Run, models: dict[str, str], stat: str) -> Optional[Plot]:
    """Bulk data from client to server against its size, 0 B to 4 KiB: a line
    per model preset and way (copied solid, shared dashed), a colour per preset."""
    presets = [p for p in models if p in run.variants()] or run.variants()
    columns = sizes.bulk_columns(run.results, presets)
    rows = sizes.bulk_rows(run.results, columns, stat)
    if not columns or len(rows) < 2:
        return None
    names = [f"{p} ({models[p]}) {m}" if p in models else f"{p} {m}" for p, m in columns]
    style = {**{f"c{i}": presets.index(p) + 1 for i, (p, _) in enumerate(columns, 1)},
             **{f"d{i}": sizes.METHODS.index(m) + 1 for i, (_, m) in enumerate(columns, 1)}}
    mode = run.meta.get("mode", "?")
    return Plot(f"bulk-{mode}", "bulk", dat_text(["bytes", *(f"{p}-{m}" for p, m in columns)],
                                                 rows),
                {**base_variables(run, stat), **titles(names), **style})


def rate_label(run: Run, what: str) -> str:
    """What a per-second figure of this run means: virtual time under icount."""
    mode = report.base_mode(run.meta.get("mode", "?"))
    if report.virtual_time(mode):
        return f"{what} per second of icount virtual time (1 instruction = 1 ns)"
    if mode in ("tcg", "iso"):
        return f"{what} per second ({mode}: not meaningful)"
    return f"{what} per second ({mode})"


def second_word(run: Run) -> str:
    """The second of a plot's title: `virtual second` under icount, else `second`."""
    return "virtual second" if report.virtual_time(run.meta.get("mode", "?")) else "second"


def rpc_plot(run: Run) -> Optional[Plot]:
    """RPC throughput (calls of all clients per million units of the run's clock)
    against the number of clients, one line per preset."""
    found = {(r["variant"], number(r.get("clients"))): number(r.get("ops_per_mi"))
             for r in run.results if r["bench"] == "rpc" and tables.is_throughput(r)}
    clients = sorted({c for _, c in found if c is not None})
    presets = [p for p in run.variants() if any((p, c) in found for c in clients)]
    if len(clients) < 2:
        return None
    rows = [[c, *(found.get((p, c)) for p in presets)] for c in clients]
    mode = run.meta.get("mode", "?")
    unit = report.unit_of(run)
    return Plot(f"rpc-{mode}", "rpc", dat_text(["clients", *presets], rows),
                {"mode": mode, "rate": f"calls of all clients per million {unit}",
                 **titles(presets)})


def footprint_plot(sources: Sources) -> Optional[Plot]:
    """Cache lines and pages of one round trip per preset, kernel and user stacked."""
    records = report.footprint_records(sources.footprint)
    bench, case = report.HEADLINE
    rows = []
    for preset, regions in records.items():
        last = regions.get(f"{bench} {case}", {}).get("last", {})
        rows.append([preset, *(number(last.get(key)) for key in
                               ("kernel_lines", "user_lines", "kernel_pages", "user_pages"))])
    if not any(cell is not None for row in rows for cell in row[1:]):
        return None
    return Plot("footprint", "footprint",
                dat_text(["preset", "kernel-lines", "user-lines", "kernel-pages", "user-pages"],
                         rows), {"mode": "footprint", "case": f"{bench} {case}", "n": len(rows)})


def waterfall_plot(run: Run, ladder, many: bool, stat: str) -> Optional[Plot]:
    """A ladder (report.Ladder) as a waterfall: the first step whole, each later
    step as the saving it makes (a floating bar), the target whole; the goal
    (the model's report.LADDER_GOALS times the target, if it has one) as a line.  many: more than one
    ladder, so that the plot's name says the model's."""
    bench, case = report.HEADLINE
    values, target = list(ladder.steps), ladder.target_value
    if len(values) < 2 or target is None:
        return None
    rows = [[1, values[0][0], 0, values[0][1], 1, fmt_number(values[0][1])]]
    for i, ((_, before), (name, after)) in enumerate(zip(values, values[1:]), 2):
        rows.append([i, f"+ {name}", min(before, after), max(before, after), 2,
                     f"{fmt_number(after)} ({'−' if after <= before else '+'}"
                     f"{fmt_number(abs(before - after))})"])
    rows.append([len(rows) + 1, ladder.target, 0, target, 3, fmt_number(target)])
    goal = ladder.goal * target if ladder.goal else 0     # 0: no goal line
    name = f"ladder-{ladder.model}-" if many else "ladder-"
    return Plot(f"{name}{run.meta.get('mode', '?')}", "waterfall",
                dat_text(["index", "step", "bottom", "top", "kind", "shown"], rows),
                {**base_variables(run, stat), "case": f"{bench} {case}", "goal": goal,
                 "laddertitle": ladder.title,
                 "goaltext": f"goal: {ladder.goal:g} × {ladder.target} = {fmt_number(goal)}"
                             if ladder.goal else ""})


def first_key(result: dict, keys: Sequence[str]) -> Optional[float]:
    """The value of the first of keys that the result has as a number."""
    for key in keys:
        if number(result.get(key)) is not None:
            return result[key]
    return None


def driver_line(result: dict) -> tuple[str, Optional[str]]:
    """The line a driver result belongs to: (preset, "user"/"kernel"/None)."""
    driver = result.get("driver")
    return result["variant"], driver if driver in DRIVERS else None


def driver_plot(run: Run, keep: Sequence[str] = ()) -> Optional[Plot]:
    """The driver's frames per second against frame size, a line per preset and driver.

    The /batch1 cases, and those with interrupt throttling, are left out; a
    run of traffic other than loop gets a plot of its own name.  With more than MAX_DRIVER_LINES lines
    only the presets in keep (the models' roots) are drawn, and the title
    says so.  Each preset has its colour; the user-level driver is solid,
    the in-kernel one dashed.
    """
    found = {}
    for r in run.results:
        if r["bench"] == DRIVER_BENCH and not r["case"].endswith("/batch1") and not r.get("itr"):
            size, rate = first_key(r, FRAME_SIZE_KEYS), first_key(r, FRAME_RATE_KEYS)
            if size is not None and rate is not None:
                found[(driver_line(r), size)] = rate
    sizes = sorted({s for _, s in found})
    if len(sizes) < 2:
        return None
    lines = list(dict.fromkeys(line for line, _ in found))
    subset = ""
    if len(lines) > MAX_DRIVER_LINES and any(line[0] in keep for line in lines):
        lines = [line for line in lines if line[0] in keep]
        subset = f"only presets {', '.join(dict.fromkeys(p for p, _ in lines))}"
    presets = list(dict.fromkeys(p for p, _ in lines))
    rows = [[s, *(found.get((line, s)) for line in lines)] for s in sizes]
    names = [f"{p} {d}" if d else p for p, d in lines]
    mode = report.base_mode(run.meta.get("mode", "?"))
    style = {**{f"c{i}": presets.index(p) + 1 for i, (p, _) in enumerate(lines, 1)},
             **{f"d{i}": 2 if d == "kernel" else 1 for i, (_, d) in enumerate(lines, 1)}}
    traffic = run.meta.get("traffic", "loop")
    return Plot(f"driver-{mode}" + (f"-{traffic}" if traffic != "loop" else ""), "driver",
                dat_text(["frame-bytes", *(n.replace(" ", "-") for n in names)], rows),
                {"mode": mode, "rate": rate_label(run, "frames"), "subset": subset,
                 "second": second_word(run),
                 **titles(names), **style})


def cycles_plots(run: Run, models: dict[str, str]) -> list[Plot]:
    """A cycles run's message-size plot again in the model's warm and in its cold
    cycles (the instruction one is the icount run's), labelled with the profile."""
    label = tables.model_label(run.results)
    made = []
    for state in ("warm", "cold"):
        plot = msgsize_plot(run, models, f"model_cycles_{state}")
        if plot:
            made.append(Plot(f"msgsize-cycles-{state}", plot.script, plot.data,
                             {**plot.variables, "stat": f"median, {state}",
                              "unit": label}))
    return made


def plan(sources: Sources, presets: dict, stat: str = "median") -> tuple[list[Plot], list[str]]:
    """Every plot the runs allow, and a note for each that they do not."""
    models = report.model_presets(presets)
    made, notes = [], []
    for run in sources.timing:
        mode = run.meta.get("mode", "?")
        if mode == report.CYCLES_MODE:
            made += cycles_plots(run, models) or []
        for name, plot in (("round trip", roundtrip_plot(run, stat)),
                           ("message size", msgsize_plot(run, models, stat)),
                           ("bulk data", bulk_plot(run, report.size_models(presets), stat)),
                           ("rpc", rpc_plot(run))):
            if plot:
                made.append(plot)
            else:
                notes.append(f"{mode}: no {name} plot: the run has no such results")
        found = report.ladders(run, presets, stat)
        for ladder in found:
            plot = waterfall_plot(run, ladder, len(found) > 1, stat)
            made += [plot] if plot else []
            if not plot and len(ladder.steps) > 1:
                notes.append(f"{mode}: no ladder plot of {ladder.model}: the run lacks "
                             f"{ladder.target}'s {' '.join(report.HEADLINE)}, or all but one "
                             f"step's")
    footprint = footprint_plot(sources)
    made += [footprint] if footprint else []
    if not footprint:
        notes.append("no footprint plot: no footprint run with the "
                     f"{' '.join(report.HEADLINE)} region")
    drivers = [p for run in [*sources.drivers, *sources.timing]
               for p in [driver_plot(run, list(models))] if p]
    made += drivers
    if not drivers:
        notes.append(f"no driver plot: no {DRIVER_BENCH} results with a frame size and "
                     f"frames per second in the runs (python3 -m harness.netbench stores them)")
    if not sources.timing:
        notes.append("no timing run (icount, kvm, iso-real): no round trip, message size "
                     "or rpc plot")
    return made, notes


# --- gnuplot ---------------------------------------------------------------------------------

def gnuplot_string(text: str) -> str:
    """A gnuplot single-quoted string: quotes doubled, no backslash escapes."""
    return "'" + str(text).replace("'", "''") + "'"


def assignments(variables: dict) -> str:
    """`name='text'; n=3` for `gnuplot -e`."""
    parts = []
    for name, value in variables.items():
        shown = fmt_number(value) if number(value) is not None else gnuplot_string(value)
        parts.append(f"{name}={shown}")
    return "; ".join(parts)


def gnuplot_argv(plot: Plot, fmt: str, term: str, data_path: Path, out_path: Path,
                 program: str = GNUPLOT) -> list[str]:
    """The gnuplot command that draws one plot in one format (paths relative to the tree)."""
    variables = {**plot.variables, "fmt": fmt, "term": term, "datafile": str(data_path),
                 "out": str(out_path)}
    return [program, "-e", assignments(variables), str(PLOTS_DIR / f"{plot.script}.gp")]


def terminal(program: str = GNUPLOT) -> str:
    """pngcairo if gnuplot has it, else png."""
    done = subprocess.run([program, "-e", "set terminal pngcairo"], capture_output=True,
                          text=True, timeout=30, check=False)
    return "pngcairo" if done.returncode == 0 and not done.stderr.strip() else "png"


def find_gnuplot(program: str = GNUPLOT) -> Optional[str]:
    """The path of gnuplot, or None."""
    return shutil.which(program)


def draw(root: Path, plot: Plot, term: str, program: str = GNUPLOT,
         out_dir: Path = PLOTS_DIR) -> tuple[list[Path], list[str]]:
    """Write a plot's data and draw it in every format into out_dir (relative to
    the tree): the files drawn, gnuplot's complaints."""
    data_path = DATA_DIR / f"{plot.name}.dat"
    (root / DATA_DIR).mkdir(parents=True, exist_ok=True)
    (root / data_path).write_text(plot.data, encoding="utf-8")
    drawn, problems = [], []
    for fmt in FORMATS:
        out_path = out_dir / f"{plot.name}.{fmt}"
        (root / out_dir).mkdir(parents=True, exist_ok=True)
        done = subprocess.run(gnuplot_argv(plot, fmt, term, data_path, out_path, program),
                              cwd=root,
                              capture_output=True, text=True, timeout=120, check=False)
        said = [line for line in done.stderr.splitlines() if line.strip()]
        if done.returncode != 0:
            problems.append(f"{out_path}: gnuplot failed: {' / '.join(said[-3:])}")
        else:
            drawn.append(out_path)
            problems += [f"{out_path}: gnuplot: {line}" for line in said]
    return drawn, problems
