"""The comparison report: results/REPORT.md from stored runs (`harness compare`).

It sets every preset side by side, measures every IPC model against the
default preset's (each named by its model.h), isolates the cost of each technique by comparing presets that
differ in exactly one axis, and puts the classic published figures beside the
ratios measured here, and sets the cycle model beside real cycles (kvm, a real
PC) of the same commit.  Every number comes from the runs it names, except the
published figures, which are quoted with their sources, and the size of each
kernel, counted in the tree.

Which presets differ in one axis is worked out from configs/*.mk (following
their `include configs/<name>.mk` lines), never written down here.
Everything but the functions that read files is pure.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional, Sequence

from harness import axistable, qemu, runs, sizes, tables
from harness.plugin import cycles
from harness.runs import Run
from harness.sizes import sized_case, slope
from harness.tables import fmt_number, number

REPORT = Path("results/REPORT.md")

# Modes whose runs hold timings, in the order the report shows them.
TIMING_MODES = ("icount", "kvm", runs.REAL_MODE)
FOOTPRINT_MODE = "footprint"
CYCLES_MODE = "cycles"     # instructions and the cycle model's figures (a timing run)

# The e1000 driver benchmark (`python3 -m harness.netbench`) stores its runs
# under mode e1000-<mode>, apart from the ping-pong runs.
DRIVER_BENCH = "e1000"
DRIVER_PREFIX = "e1000-"
DRIVER_COST_KEYS = ("instructions_per_frame", "tsc_per_frame")
HOST_MODE = "host"

# The tree this module belongs to: its axes.mk and its models.
TREE = Path(__file__).resolve().parents[1]
# What each axis is, as a technique (axes.mk's `about`); an axis not named
# there is shown by its name.
TECHNIQUES = {axis.name: axis.about for axis in axistable.read_axes(TREE)}
# How the report names each model (its model.h's IPC_MODEL_STYLE).
_MODELS = axistable.read_models(TREE)
MODEL_STYLES = {model: axistable.model_style(_MODELS, model) for model in _MODELS}
# The preset the models are compared against: make's default CONFIG.
BASE_PRESET = axistable.default_preset(TREE)

# The cases each technique is judged on: a cross-space round trip with the
# smallest and the largest message, each direction of a call one way, RPC
# with one client and with many, a notification, and a page fault delivered
# and resumed without a mapping.  Cases a run lacks are left out.
KEY_CASES = (("pingpong", "roundtrip/other-space/0B"), ("pingpong", "roundtrip/other-space/64B"),
             ("pingpong", "oneway-call/other-space/0B"),
             ("pingpong", "oneway-reply/other-space/0B"), ("rpc", "1-client"), ("rpc", "8-clients"),
             ("notify", "notify-to-wakeup"), ("fault", "roundtrip/same-space"))

# The case the one-line summaries and the footprint table use.
HEADLINE = KEY_CASES[0]

# `include configs/l4.mk` (also -include, sinclude) in a configs/<name>.mk text.
_INCLUDE = re.compile(r"^\s*-?s?include\s+(\S+\.mk)\s*$")



# --- Presets and their axes -------------------------------------------------------

@dataclass(frozen=True)
class Preset:
    """A configs/<name>.mk file with its includes followed."""

    name: str
    axes: dict
    includes: tuple[str, ...] = ()      # every preset it includes, nearest first


@dataclass(frozen=True)
class Isolation:
    """Presets that differ in one axis (plus `also`, for a nearest pair only)."""

    axis: str
    presets: tuple[str, ...]            # the base first
    values: tuple[str, ...]             # the axis's value in each preset
    also: tuple[str, ...] = ()          # other axes in which the presets differ


def parse_config(text: str) -> tuple[list[str], dict[str, str]]:
    """The presets a config text includes (by name) and its own assignments."""
    includes = [Path(m.group(1)).stem for m in map(_INCLUDE.match, text.splitlines()) if m]
    return includes, runs.read_axes(text)


def resolve_presets(texts: dict[str, str], defaults: Optional[dict] = None) -> dict[str, Preset]:
    """Every preset of {name: config text}, includes followed; ValueError on a loop.

    An axis that some preset sets and another leaves out takes its value from
    defaults (axes.mk's), else "unset".
    """
    done: dict[str, Preset] = {}

    def resolve(name: str, path: tuple[str, ...]) -> Preset:
        if name in path:
            raise ValueError(f"configs/{name}.mk includes itself: {' -> '.join(path + (name,))}")
        if name not in done:
            if name not in texts:
                raise ValueError(f"configs/{path[-1]}.mk includes configs/{name}.mk, "
                                 f"which does not exist")
            includes, own = parse_config(texts[name])
            axes, chain = {}, []
            for parent in map(lambda n: resolve(n, path + (name,)), includes):
                axes.update(parent.axes)
                chain += [parent.name, *parent.includes]
            axes.update(own)
            done[name] = Preset(name, axes, tuple(dict.fromkeys(chain)))
        return done[name]

    found = {name: resolve(name, ()) for name in sorted(texts)}
    axes = list(dict.fromkeys(a for p in found.values() for a in p.axes))
    return {name: Preset(name, {a: p.axes.get(a, (defaults or {}).get(a, "unset")) for a in axes},
                         p.includes) for name, p in found.items()}


def axis_defaults(root: Path) -> dict[str, str]:
    """The defaults of axes.mk: the value of an axis a preset leaves out."""
    try:
        return {a.name: a.default for a in axistable.read_axes(root) if a.default is not None}
    except (OSError, ValueError):
        return {}


def read_presets(root: Path) -> dict[str, Preset]:
    """The presets of the tree at root, with axes.mk's defaults."""
    texts = {name: path.read_text(encoding="utf-8")
             for name, path in runs.preset_files(root).items()}
    return resolve_presets(texts, axis_defaults(root))


def preset_axes(root: Path) -> dict[str, dict]:
    """Every preset's axes with axes.mk's defaults for those it leaves
    out: what `make CONFIG=<name>` builds, to check a booted binary against."""
    defaults = axis_defaults(root)
    return {name: {**defaults, **preset.axes} for name, preset in read_presets(root).items()}


def differing_axes(a: Preset, b: Preset) -> tuple[str, ...]:
    """The axes in which two presets differ, in the order of a's axes."""
    names = list(dict.fromkeys([*a.axes, *b.axes]))
    return tuple(n for n in names if a.axes.get(n) != b.axes.get(n))


def base_of(names: Sequence[str], presets: dict[str, Preset]) -> str:
    """The preset the others of a group include, else the first by name."""
    for name in sorted(names):
        if all(name == other or name in presets[other].includes for other in names):
            return name
    return sorted(names)[0]


def make_isolation(axis: str, names: Sequence[str], presets: dict[str, Preset],
                   also: tuple[str, ...] = ()) -> Isolation:
    """An Isolation of these presets, its base first and the rest by name."""
    base = base_of(names, presets)
    ordered = (base, *sorted(n for n in names if n != base))
    return Isolation(axis, ordered, tuple(presets[n].axes.get(axis, "?") for n in ordered), also)


def isolations(presets: dict[str, Preset]) -> list[Isolation]:
    """Groups of presets equal in every axis but one, in which they all differ."""
    axes = list(dict.fromkeys(a for p in presets.values() for a in p.axes))
    found = []
    for axis in axes:
        groups: dict[tuple, list[str]] = {}
        for name, preset in presets.items():
            rest = tuple((a, preset.axes.get(a)) for a in axes if a != axis)
            groups.setdefault(rest, []).append(name)
        for names in groups.values():
            if len({presets[n].axes.get(axis) for n in names}) == len(names) > 1:
                found.append(make_isolation(axis, names, presets))
    return sorted(found, key=lambda iso: (technique_rank(iso.axis), iso.presets))


def technique_rank(axis: str) -> int:
    """The order of techniques in the report: that of TECHNIQUES, others after."""
    order = list(TECHNIQUES)
    return order.index(axis) if axis in order else len(order)


def nearest_pairs(presets: dict[str, Preset], isolated: Iterable[str]) -> list[Isolation]:
    """For each axis that varies but has no isolation, the pairs differing in fewest axes."""
    axes = list(dict.fromkeys(a for p in presets.values() for a in p.axes))
    names = sorted(presets)
    pairs = [(a, b, differing_axes(presets[a], presets[b]))
             for i, a in enumerate(names) for b in names[i + 1:]]
    found = []
    for axis in (a for a in axes if a not in set(isolated)):
        candidates = [(a, b, d) for a, b, d in pairs if axis in d]
        if not candidates:
            continue
        fewest = min(len(d) for _, _, d in candidates)
        found += [make_isolation(axis, (a, b), presets, tuple(x for x in d if x != axis))
                  for a, b, d in candidates if len(d) == fewest]
    return sorted(found, key=lambda iso: (technique_rank(iso.axis), iso.presets))


def model_presets(presets: dict[str, Preset],
                  styles: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The model each root preset (one that includes none) stands for, named by
    styles ({IPC value: name}, default each model.h's IPC_MODEL_STYLE), else
    `IPC=<value>`: {"l4": "L4-style", "mach": "Mach-style"} for this tree."""
    styles = MODEL_STYLES if styles is None else styles
    return {name: styles.get(p.axes.get("IPC", ""), f"IPC={p.axes.get('IPC', '?')}")
            for name, p in presets.items() if not p.includes}


def size_models(presets: dict[str, Preset]) -> dict[str, str]:
    """model_presets and, after them, each preset whose API is a user library
    over its kernel's IPC (IPC_LIB), named after the library and the model
    beneath it: the models the size section and plot set side by side."""
    models = model_presets(presets)
    libs = {name: f"{p.axes['IPC_LIB']} library over "
                  f"{MODEL_STYLES.get(p.axes.get('IPC', ''), p.axes.get('IPC', '?'))}"
            for name, p in presets.items()
            if p.axes.get("IPC_LIB", "none") not in ("none", "unset", "")}
    return {**models, **libs}


def model_order(models: dict[str, str], base: Optional[str] = None) -> list[str]:
    """The root presets of models, base (make's default preset) first, then by name."""
    base = BASE_PRESET if base is None else base
    return sorted(models, key=lambda name: (name != base, name))


# --- Choosing and loading runs ------------------------------------------------------

def run_order(path: Path) -> tuple:
    """Sort key of stored runs: the date in the name, then the file's age."""
    return (path.name[:15], path.stat().st_mtime)


def stored_runs(root: Path) -> list[tuple[Path, Run]]:
    """Every readable stored run, newest first."""
    found = []
    for path in sorted((root / runs.RUNS_DIR).glob("*.json"), key=run_order, reverse=True):
        try:
            found.append((path, runs.load_run(path)))
        except runs.RunError:
            continue
    return found


def is_baseline(run: Run, preset_names: Iterable[str]) -> bool:
    """Whether a run measures something other than ipclab's presets (Linux, say)."""
    return bool(run.results) and not set(run.variants()) & set(preset_names)


def newest_timing(stored: Sequence[tuple[Path, Run]], mode: str,
                  preset_names: Sequence[str]) -> Optional[Path]:
    """The newest run of a mode that has every preset, else the newest run of the mode."""
    of_mode = [(path, run) for path, run in stored if run.meta.get("mode") == mode]
    complete = [path for path, run in of_mode if set(preset_names) <= set(run.variants())]
    return (complete or [path for path, _ in of_mode] or [None])[0]


def newest_footprints(stored: Sequence[tuple[Path, Run]]) -> list[Path]:
    """The newest footprint run of each preset: newer runs first, each adding a preset."""
    chosen, covered = [], set()
    for path, run in stored:
        if run.meta.get("mode") == FOOTPRINT_MODE and set(run.footprint) - covered:
            chosen.append(path)
            covered |= set(run.footprint)
    return chosen


def is_driver_run(run: Run) -> bool:
    """Whether a run is one of the e1000 driver benchmark's (mode e1000-<mode>)."""
    return str(run.meta.get("mode", "")).startswith(DRIVER_PREFIX)


def base_mode(mode: str) -> str:
    """The QEMU mode of a run's mode: icount for e1000-icount."""
    return mode.removeprefix(DRIVER_PREFIX)


def newest_drivers(stored: Sequence[tuple[Path, Run]]) -> list[Path]:
    """The newest e1000 driver run of each mode (e1000-icount, e1000-kvm, ...) and
    traffic (loop, peer, echo)."""
    chosen: dict[tuple, Path] = {}
    for path, run in stored:
        if is_driver_run(run):
            chosen.setdefault((run.meta["mode"], run.meta.get("traffic")), path)
    return list(chosen.values())


def newest_baselines(stored: Sequence[tuple[Path, Run]], preset_names: Sequence[str]) -> list[Path]:
    """The newest baseline run (no preset in it: host Linux, a Linux guest) of each mode."""
    chosen: dict[str, Path] = {}
    for path, run in stored:
        mode = run.meta.get("mode", "?")
        if mode not in chosen and is_baseline(run, preset_names):
            chosen[mode] = path
    return list(chosen.values())


def default_runs(root: Path, preset_names: Sequence[str]) -> list[Path]:
    """The runs compare uses by default: the newest of each kind.

    The newest icount, kvm, iso-real and cycles runs (each the newest with every
    preset, if there is one), the newest footprint run of each preset, and
    the newest baseline run of each mode (the host's Linux, a Linux guest), and
    the newest e1000 driver run of each mode.
    """
    stored = stored_runs(root)
    picked = [newest_timing(stored, mode, preset_names) for mode in (*TIMING_MODES, CYCLES_MODE)]
    picked += newest_footprints(stored) + newest_baselines(stored, preset_names)
    picked += newest_drivers(stored)
    return [path for path in picked if path is not None]


@dataclass
class Sources:
    """The runs a report is made from, sorted by kind."""

    timing: list[Run] = field(default_factory=list)      # icount, kvm, iso-real, ...
    footprint: list[Run] = field(default_factory=list)   # newest first
    baselines: list[Run] = field(default_factory=list)   # Linux on the host, in a guest
    drivers: list[Run] = field(default_factory=list)     # e1000-<mode>: the driver benchmark
    # Runs read only to set the model beside real cycles of their commit
    # (section_model_real), older than the newest of their kind.
    paired: list[Run] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # id(run) -> its file

    def all(self) -> list[Run]:
        """Every run, timing runs first."""
        return [*self.timing, *self.footprint, *self.baselines, *self.drivers, *self.paired]

    def name(self, run: Run) -> str:
        """The file a run was read from."""
        return self.names.get(id(run), "?")


def sort_sources(named: Sequence[tuple[str, Run]], preset_names: Sequence[str]) -> Sources:
    """Sort (file name, run) pairs into a Sources."""
    sources = Sources()
    for name, run in named:
        if is_driver_run(run):
            sources.drivers.append(run)
        elif run.meta.get("mode") == FOOTPRINT_MODE or (run.footprint
                                                         and run.meta.get("mode") != CYCLES_MODE):
            sources.footprint.append(run)
        elif is_baseline(run, preset_names):
            sources.baselines.append(run)
        else:
            sources.timing.append(run)
        sources.names[id(run)] = name
    rank = {m: i for i, m in enumerate(TIMING_MODES)}
    sources.timing.sort(key=lambda r: rank.get(r.meta.get("mode"), len(rank)))
    sources.footprint.sort(key=lambda r: r.meta.get("date", ""), reverse=True)
    return sources


def load_sources(root: Path, paths: Sequence[Path], preset_names: Sequence[str],
                 paired: Sequence[Path] = ()) -> Sources:
    """Read the runs, and those read only for the model against real cycles
    (Sources.paired); RunError if one cannot be read."""
    def shown(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            return str(path)
    sources = sort_sources([(shown(p), runs.load_run(p)) for p in paths], preset_names)
    for path in paired:
        run = runs.load_run(path)
        sources.paired.append(run)
        sources.names[id(run)] = shown(path)
    return sources


def default_pairs(root: Path, chosen: Sequence[Path]) -> list[Path]:
    """The stored runs of every pair of model and real cycles (model_real_pairs)
    that the chosen runs leave out: what compare reads beside default_runs."""
    stored = stored_runs(root)
    path_of = {id(run): path for path, run in stored}
    taken = {path.resolve() for path in chosen}
    found: list[Path] = []
    for pair in model_real_pairs([run for _, run in stored]):
        for path in (path_of[id(pair.real)], path_of[id(pair.model)]):
            if path.resolve() not in taken and path not in found:
                found.append(path)
    return found


# --- Looking values up ----------------------------------------------------------------

# How a multi-client case's figure is labelled: not a statistic of samples
# but the whole interval over the calls completed in it (value_of).
PER_CALL = " (per call: interval / calls)"


def per_call_note(result: dict) -> str:
    """PER_CALL for a throughput result, else nothing."""
    return PER_CALL if tables.is_throughput(result) else ""


def value_of(run: Run, preset: str, bench: str, case: str, stat: str) -> Optional[float]:
    """A statistic of one result of a run, or None.

    A multi-client result (rpc) gives its cost per call over the whole
    interval, whatever the statistic: that is the inverse of its throughput, so
    a ratio of two such figures is a ratio of throughputs, and no client's
    untimed wait is left out of it.
    """
    for result in run.results:
        if (result["variant"], result["bench"], result["case"]) == (preset, bench, case):
            if stat.startswith("model_cycles_"):    # the model's figure or none
                return number(result.get(stat))
            if tables.is_throughput(result):
                return tables.per_call(result)
            return number(result.get(stat))
    return None


def floor_value(run: Run, preset: str, stat: str) -> Optional[float]:
    """The round-trip floor of one preset's boot, or None."""
    floor = tables.floor_of([r for r in run.results if r["variant"] == preset], stat)
    return floor.roundtrip if floor else None


def unit_of(run: Run) -> str:
    """The unit of a timing run's figures."""
    return run.meta.get("unit") or "?"


def footprint_records(footprint_runs: Sequence[Run]) -> dict[str, dict[str, dict]]:
    """The plugin's records by preset, then `bench case`; newer runs win."""
    found: dict[str, dict[str, dict]] = {}
    for run in footprint_runs:
        for preset, regions in run.footprint.items():
            if preset in found:
                continue
            ordered = sorted(regions.items(), key=lambda item: region_key(item[0]))
            found[preset] = {rec.get("label"): rec for _, rec in ordered if rec.get("label")}
    return found


def region_key(region: str) -> tuple:
    """Regions in the order the guest numbered them: 2 before 10."""
    return (0, int(region), "") if str(region).isdigit() else (1, 0, str(region))


def footprint_value(records: dict, preset: str, bench: str, case: str,
                    what: str) -> Optional[float]:
    """Cache lines or pages ("lines", "pages") of one round trip, kernel plus user."""
    last = records.get(preset, {}).get(f"{bench} {case}", {}).get("last", {})
    parts = [number(last.get(f"kernel_{what}")), number(last.get(f"user_{what}"))]
    return None if None in parts else parts[0] + parts[1]


@dataclass(frozen=True)
class Measure:
    """One way of measuring a case: a run's timings, or the footprint's lines or pages."""

    unit: str                           # instructions, tsc, cache lines, pages
    source: str                         # the mode that measured it
    run: Optional[Run] = None           # a timing run
    what: str = ""                      # "lines" or "pages" for the footprint
    stat: str = ""                      # this statistic, not the report's (model cycles)

    @property
    def label(self) -> str:
        """`instructions (icount)`."""
        return f"{self.unit} ({self.source})"

    def get(self, records: dict, preset: str, bench: str, case: str,
            stat: str) -> Optional[float]:
        """The measure's value for one preset and case, or None."""
        if self.run is not None:
            return value_of(self.run, preset, bench, case, self.stat or stat)
        return footprint_value(records, preset, bench, case, self.what)


def measures(sources: Sources) -> list[Measure]:
    """Every measure the sources have: each timing run's unit, then lines and pages."""
    found = []
    for run in sources.timing:
        mode = run.meta.get("mode", "?")
        if mode != CYCLES_MODE:
            found.append(Measure(unit_of(run), mode, run))
            continue
        # A cycles run's instructions are its icount run's; its own are the model's.
        label = tables.model_label(run.results)
        found += [Measure(f"{label}, {state}", mode, run,
                          stat=f"model_cycles_{state}") for state in ("warm", "cold")]
    if sources.footprint:
        found += [Measure("cache lines", FOOTPRINT_MODE, what="lines"),
                  Measure("pages", FOOTPRINT_MODE, what="pages")]
    return found


# --- Arithmetic -----------------------------------------------------------------------

def ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    """numerator / denominator, or None if either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def fmt_ratio(value: Optional[float]) -> str:
    """`4.56×`, or `-` for no ratio."""
    return tables.MISSING if value is None else f"{value:.2f}×"


def fmt_delta(value: Optional[float], base: Optional[float]) -> str:
    """A cell beside a base: `452 (+235, 2.08×)`; the value alone without a base."""
    if value is None:
        return tables.MISSING
    if base is None:
        return fmt_number(value)
    diff = value - base
    sign = "+" if diff >= 0 else "−"
    return f"{fmt_number(value)} ({sign}{fmt_number(abs(diff))}, {fmt_ratio(ratio(value, base))})"


def size_series(run: Run, preset: str, family: str, stat: str) -> list[tuple[int, float]]:
    """(bytes, value) of one preset's pingpong cases of a family, by size."""
    points = []
    for result in run.results:
        sized = sized_case(result["case"])
        value = number(result.get(stat))
        if (result["variant"] == preset and result["bench"] == "pingpong" and sized
                and sized[0] == family and value is not None):
            points.append((sized[1], value))
    return sorted(points)


# --- Markdown ---------------------------------------------------------------------------

def md_escape(text: str) -> str:
    """A cell's text with the characters markdown tables treat specially escaped."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """A markdown table: the first `left` columns left-aligned, the others right."""
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(md_escape(c) for c in cells) + " |"
    rule = ["---" if i < left else "---:" for i in range(len(header))]
    return [line(header), "| " + " | ".join(rule) + " |", *(line(r) for r in rows)]


def code(text: str) -> str:
    """Inline code."""
    return f"`{text}`"


# --- Sections ---------------------------------------------------------------------------

def section_runs(sources: Sources) -> list[str]:
    """The runs the report is made from, and how to make it again."""
    rows = []
    for run in sources.all():
        meta = run.meta
        presets = run.footprint if meta.get("mode") == FOOTPRINT_MODE else run.variants()
        commit = str(meta.get("commit", "?"))[:12] + (" + changes" if meta.get("dirty") else "")
        rows.append([code(sources.name(run)), meta.get("mode", "?"), meta.get("date", "?"),
                     f"{meta.get('host', '?')} ({meta.get('cpu', '?')})", commit,
                     meta.get("qemu") or "-", ", ".join(presets)])
    lines = ["## Runs", "",
             "Every figure in this report comes from these stored runs (`results/runs/`, format in "
             "`docs/results.md`); the published figures of the paper check are quoted with "
             "their sources.", "",
             *md_table(["run", "mode", "date", "host (cpu)", "commit", "qemu", "presets"], rows, 7),
             "", "To make this report again from the same runs:", "",
             "    " + rerun_command(sources)]
    return lines + run_warnings(sources)


def rerun_command(sources: Sources) -> str:
    """The compare command that reads the same runs, each in the same role."""
    paired = {id(run) for run in sources.paired}
    command = "python3 -m harness compare --runs " + " ".join(
        sources.name(run) for run in sources.all() if id(run) not in paired)
    if sources.paired:
        command += " --pair-runs " + " ".join(sources.name(run) for run in sources.paired)
    return command


def run_warnings(sources: Sources) -> list[str]:
    """Notes on runs that may not be comparable: several commits, uncommitted changes."""
    notes = []
    guest = [*sources.timing, *sources.footprint, *sources.drivers]
    commits = {str(r.meta.get("commit", "?"))[:12] for r in guest}
    if len(commits) > 1:
        notes.append(f"The guest runs come from {len(commits)} commits "
                     f"({', '.join(sorted(commits))}): figures from different runs may "
                     f"differ because the kernel changed, not only because the preset did.")
    dirty = [sources.name(r) for r in guest if r.meta.get("dirty")]
    if dirty:
        notes.append("Built from a tree with uncommitted changes: " +
                     ", ".join(code(d) for d in dirty) + ".")
    failed = [f"{sources.name(r)}: {preset}: {why}" for r in sources.all()
              for preset, why in (r.meta.get("failed") or {}).items()]
    notes += [f"A boot of this run failed: {f}." for f in failed]
    return [line for note in notes for line in ("", f"> Note: {note}")]


def section_measurements(sources: Sources, stat: str) -> list[str]:
    """A table per benchmark and unit of each timing run, every preset, with its floor."""
    lines = ["## Every preset, per benchmark", "",
             f"The {stat} of each case, per operation.  `× floor` is the multiple of the floor "
             "of the same boot: two null system calls and a round trip of address-space "
             "switches, the least a round trip between two spaces can cost.  The floor is "
             "the last row of each table."]
    for run in sources.timing:
        lines += run_tables(run, sources.name(run), stat)
    if not sources.timing:
        lines += ["", "No timing run (icount, kvm or iso-real) was given."]
    return lines


def run_tables(run: Run, name: str, stat: str) -> list[str]:
    """The per-benchmark tables of one timing run."""
    mode = run.meta.get("mode", "?")
    presets = run.variants()
    floors = {p: tables.floor_of([r for r in run.results if r["variant"] == p], stat)
              for p in presets}
    groups: dict[tuple[str, str], list[str]] = {}
    for result in run.results:
        cases = groups.setdefault((result["bench"], result["unit"]), [])
        if result["case"] not in cases:
            cases.append(result["case"])
    lines = []
    throughput = {(r["bench"], r["unit"]) for r in run.results if tables.is_throughput(r)}
    for bench, unit in sorted(groups, key=lambda key: (tables.bench_key(key[0]), key[1])):
        if bench in tables.FLOOR_BENCHES or (bench, unit) in throughput:
            continue
        rows = [[case, *(floor_cell(value_of(run, p, bench, case, stat), floors[p], unit)
                         for p in presets)] for case in groups[(bench, unit)]]
        rows.append(["floor", *(fmt_number(floors[p].roundtrip) if floors[p] else tables.MISSING
                                for p in presets)])
        lines += ["", f"### {bench}: {stat} {tables.unit_label(unit, mode)} ({mode}, "
                      f"{code(name)})", "", *md_table(["case", *presets], rows)]
    cols = [tables.Column(p, mode, tuple(r for r in run.results if r["variant"] == p))
            for p in presets]
    for heading, rows in tables.throughput_tables(cols).items():
        lines += ["", f"### {heading} ({mode}, {code(name)})", "",
                  *md_table(["case", *presets], [[case, *(cells.get(i, tables.MISSING)
                                                          for i in range(len(presets)))]
                                                 for case, cells in rows.items()])]
    lines += floor_table(run, presets, stat)
    below = below_floor(run, floors, stat)
    if below:
        lines += ["", "Below the floor: " + "; ".join(below) + ".  A round trip cheaper "
                  "than the floor means the IPC path is shorter than the generic "
                  "system-call path the floor is made of."]
    return lines


def floor_cell(value: Optional[float], floor: Optional[tables.Floor], unit: str) -> str:
    """A cell: the value and its multiple of the floor, if the floor is in its unit."""
    if value is None:
        return tables.MISSING
    return tables.fmt_cell(value, floor.roundtrip if floor and floor.unit == unit else None)


def floor_table(run: Run, presets: Sequence[str], stat: str) -> list[str]:
    """What the floor of each preset is made of."""
    rows = []
    for bench in tables.FLOOR_BENCHES:
        for case in dict.fromkeys(r["case"] for r in run.results if r["bench"] == bench):
            rows.append([f"{bench} {case}",
                         *(fmt_or_missing(value_of(run, p, bench, case, stat)) for p in presets)])
    if not rows:
        return []
    mode = run.meta.get("mode", "?")
    return ["", f"### The floor: {stat} {tables.unit_label(unit_of(run), mode)} ({mode})", "",
            *md_table(["part", *presets], rows)]


def fmt_or_missing(value: Optional[float]) -> str:
    """A number, or `-`."""
    return tables.MISSING if value is None else fmt_number(value)


def below_floor(run: Run, floors: dict, stat: str) -> list[str]:
    """`l4 rpc 1-client 197 < 207` for each round-trip case below its preset's floor."""
    found = []
    for result in run.results:
        floor = floors.get(result["variant"])
        value = number(result.get(stat))
        if (floor and floor.unit == result["unit"] and value is not None
                and value < floor.roundtrip and is_round_trip(result)):
            found.append(f"{result['variant']} {result['bench']} {result['case']} "
                         f"{fmt_number(value)} < {fmt_number(floor.roundtrip)}")
    return found


def is_round_trip(result: dict) -> bool:
    """Whether a result is a round trip between two threads: RPC or a ping-pong round trip."""
    return result["bench"] == "rpc" or (result["bench"] == "pingpong"
                                        and result["case"].startswith("roundtrip"))


def section_models(sources: Sources, models: dict[str, str], presets: dict[str, Preset],
                   stat: str, base: Optional[str] = None) -> list[str]:
    """Every model against the base one, for every benchmark and message size."""
    order = model_order(models, base)
    lines = ["## The IPC models against each other", ""]
    if len(order) < 2:
        return lines + ["The presets include fewer than two models' root presets to compare."]
    others = [f"{code(p)} ({models[p]}, differing in {len(d)} axes: {', '.join(d)})"
              for p in order[1:] for d in [differing_axes(presets[order[0]], presets[p])]]
    lines += [f"Each model's root preset (one that includes no other) against "
              f"{code(order[0])} ({models[order[0]]}): {'; '.join(others)}.  This is the "
              f"comparison of whole models, not of one technique; the techniques are isolated "
              f"in the next section.  A ratio above 1 means the model costs more than "
              f"{code(order[0])}."]
    for run in sources.timing:
        lines += model_ratio_table(run, sources.name(run), order, stat)
        lines += per_byte_lines(run, order, stat)
    records = footprint_records(sources.footprint)
    shown = [p for p in order if p in records]
    if len(shown) > 1 and shown[0] == order[0]:
        lines += footprint_ratio_table(records, shown)
    return lines


# The cases of the fault section: a fault round trip with nothing mapped, a
# fault a pager serves by mapping one page, and that mapping alone.
FAULT_CASE = ("fault", "roundtrip/same-space")
PAGER_MAP_CASE = ("pagefault", "same-space/map-1-page")
MAP_ALONE_CASE = ("pagefault", "no-fault/map-1-page")
# Goal of issue 14: a fault and its resumption within this multiple of the
# L4-style preset's round trip between spaces, beyond the map itself.
FAULT_GOAL = 1.5


def section_faults(sources: Sources, models: dict[str, str], stat: str) -> list[str]:
    """Page faults through a pager against the L4-style round trip, per preset."""
    l4, _ = model_pair(models)
    lines = ["## Page faults through a pager", ""]
    if l4 is None:
        return lines + ["The presets include no sync root preset to compare with."]
    lines += [f"`fault {FAULT_CASE[1]}`: a fault delivered to the thread's pager, which "
              f"resumes it past the faulting load with nothing mapped (sel4bench's fault "
              f"case). `pagefault`: a fault the pager serves by mapping one page, less the "
              f"mapping alone (`{MAP_ALONE_CASE[1]}`), is what the fault and its two "
              f"messages cost. Each as a multiple of {code(l4)}'s round trip between spaces "
              f"(`{HEADLINE[0]} {HEADLINE[1]}`) in the same run; the goal is at most "
              f"{FAULT_GOAL}×."]
    for run in sources.timing:
        lines += fault_table(run, sources.name(run), l4, stat)
    return lines


def fault_table(run: Run, name: str, l4: str, stat: str) -> list[str]:
    """One timing run's fault figures, one row per preset that has them."""
    trip = value_of(run, l4, *HEADLINE, stat)
    rows = []
    for preset in run.variants():
        fault = value_of(run, preset, *FAULT_CASE, stat)
        served = value_of(run, preset, *PAGER_MAP_CASE, stat)
        alone = value_of(run, preset, *MAP_ALONE_CASE, stat)
        beyond = served - alone if served is not None and alone is not None else None
        if fault is None and beyond is None:
            continue
        rows.append([preset, fmt_or_missing(fault), fmt_ratio(ratio(fault, trip)),
                     fmt_or_missing(beyond), fmt_ratio(ratio(beyond, trip))])
    if not rows:
        return []
    mode = run.meta.get("mode", "?")
    unit = tables.unit_label(unit_of(run), mode)
    return ["", f"### {stat} {unit} ({mode}, {code(name)}); {code(l4)} round trip: "
                f"{fmt_or_missing(trip)}", "",
            *md_table(["preset", "fault round trip", f"÷ {l4} round trip",
                       "pager fault − map alone", f"÷ {l4} round trip"], rows)]


BULK_INTRO = (
    "The `bulk` cases move N bytes from a client to a server in another space, two ways: "
    "`copied`, the bytes are the message (the sync model's registers, the async model's two "
    "copies through the port's queue), as far as the model's largest message goes; and "
    "`shared`, the bytes are in a buffer mapped into both spaces and the message is two words "
    "(length, round): the L4 way to move bulk data.  Both time the same duties, from before "
    "the client writes the bytes to after the server's one-word answer is back: the client's "
    "write, the IPC, the server's read and check of every word.  Left out: setting up the "
    "buffer (once, before the rounds), the copy a server that distrusts its client would make "
    "before checking (with shared memory the client can change the bytes meanwhile), one "
    "buffer per client, and caches and TLBs, which instruction counts do not see "
    "(docs/results.md).")


def section_sizes(sources: Sources, models: dict[str, str], stat: str) -> list[str]:
    """Each model's bulk series, 0 B to 4 KiB, copied and shared, and its cost per byte."""
    lines = ["## Message sizes and bulk data", "", BULK_INTRO]
    shown = False
    for run in sources.timing:
        presets = [p for p in models if p in run.variants()] or run.variants()
        columns = sizes.bulk_columns(run.results, presets)
        if not columns:
            continue
        shown = True
        mode, unit, name = run.meta.get("mode", "?"), unit_of(run), sources.name(run)
        rows = [[str(row[0]), *(fmt_or_missing(v) for v in row[1:])]
                for row in sizes.bulk_rows(run.results, columns, stat)]
        costs = sizes.byte_costs(run.results, presets, stat)
        lines += ["", f"### bulk: {stat} {tables.unit_label(unit, mode)} per round, client to "
                      f"server ({mode}, {code(name)})", "",
                  *md_table(["bytes", *(f"{p} {m}" for p, m in columns)], rows),
                  "", f"Cost of one more byte (least-squares slope of the {stat} against the "
                      f"size, over the sizes each series has):", "",
                  *(f"- {cost.text(unit)}" for cost in costs)]
    if not shown:
        lines += ["", "No timing run has `bulk` results."]
    return lines


# The cases that set kernel-buffered async against async built on sync: the
# bursts of one-way sends, then the key cases (calls go straight to the kernel).
LIB_BENCHES = ("send",)


def library_presets(presets: dict[str, Preset]) -> list[str]:
    """The presets whose IPC API is a user library over the kernel's (IPC_LIB set)."""
    return sorted(name for name, p in presets.items()
                  if p.axes.get("IPC_LIB", "none") not in ("none", "unset", ""))


def section_async_on_sync(sources: Sources, models: dict[str, str],
                          presets: dict[str, Preset], stat: str) -> list[str]:
    """Kernel-buffered async (the Mach-style preset) against each async library over sync IPC."""
    _, mach = model_pair(models)
    libs = library_presets(presets)
    lines = ["## Kernel-buffered async against async on top of sync", ""]
    if mach is None or not libs:
        return lines + ["The presets include no Mach-style preset and no IPC_LIB preset to compare."]
    lines += [f"{code(mach)} buffers messages in the kernel's ports; "
              + "; ".join(f"{code(lib)} gives the same API as the user library "
                          f"{code(presets[lib].axes['IPC_LIB'])} over the kernel of "
                          f"{code(presets[lib].includes[0] if presets[lib].includes else lib)}"
                          for lib in libs)
              + ": helper threads deliver a queue kept in the sender's space with sync IPC "
              "(docs/variants.md).  A `send` case is a burst of one-way sends to a busy "
              "server in the other space: `sends` is what the sender spends in them, "
              "`delivered` lasts until the server has received and checked them all.  A "
              "ratio above 1 means the library costs more than the kernel's ports."]
    for run in sources.timing:
        for lib in libs:
            lines += lib_ratio_table(run, sources.name(run), mach, lib, presets, stat)
    return lines


def lib_ratio_table(run: Run, name: str, mach: str, lib: str, presets: dict[str, Preset],
                    stat: str) -> list[str]:
    """lib / mach (and the library's own kernel beside them) for the send cases and key cases."""
    base = presets[lib].includes[0] if presets[lib].includes else None
    shown = [p for p in (mach, base, lib) if p]
    keys = [(r["bench"], r["case"]) for r in run.results
            if r["variant"] == lib and r["bench"] in LIB_BENCHES]
    keys += [k for k in KEY_CASES if k not in keys]
    rows = []
    for bench, case in keys:
        values = [value_of(run, p, bench, case, stat) for p in shown]
        if values[0] is None or values[-1] is None:
            continue
        rows.append([bench, case, *map(fmt_or_missing, values),
                     fmt_ratio(ratio(values[-1], values[0]))])
    if not rows:
        return []
    mode = run.meta.get("mode", "?")
    return ["", f"### {lib} / {mach}: {stat} {tables.unit_label(unit_of(run), mode)} "
                f"({mode}, {code(name)})", "",
            *md_table(["bench", "case", *shown, f"{lib} / {mach}"], rows, 2)]


def model_pair(models: dict[str, str]) -> tuple[Optional[str], Optional[str]]:
    """The L4-style and the Mach-style root presets, if there are both: the
    published figures the summary and the last section quote compare those two
    styles (their names come from the models' model.h)."""
    by_model = {model: name for name, model in sorted(models.items())}
    return by_model.get("L4-style"), by_model.get("Mach-style")


def model_ratio_table(run: Run, name: str, order: Sequence[str], stat: str) -> list[str]:
    """Every case of one timing run for each preset of order, each against the first."""
    base, rows = order[0], []
    for result in run.results:
        if result["variant"] != base:
            continue
        bench, case = result["bench"], result["case"]
        values = [value_of(run, p, bench, case, stat) for p in order]
        size = sized_case(case)
        rows.append([bench, case + per_call_note(result), str(size[1]) if size else "",
                     *map(fmt_or_missing, values),
                     *(fmt_ratio(ratio(v, values[0])) for v in values[1:])])
    if not rows:
        return []
    mode = run.meta.get("mode", "?")
    ratios = [f"{p} / {base}" for p in order[1:]]
    return ["", f"### {', '.join(ratios)}: {stat} {tables.unit_label(unit_of(run), mode)} "
                f"({mode}, {code(name)})", "",
            *md_table(["bench", "case", "bytes", *order, *ratios], rows, 2)]


def per_byte_lines(run: Run, presets: Sequence[str], stat: str) -> list[str]:
    """The cost of each further message byte, as a least-squares slope per preset."""
    families = dict.fromkeys(sized_case(r["case"])[0] for r in run.results
                             if r["bench"] == "pingpong" and sized_case(r["case"]))
    parts = []
    for family in families:
        for preset in presets:
            points = size_series(run, preset, family, stat)
            rise = slope(points)
            if rise is not None:
                parts.append(f"{preset} {family} {rise:.2f} "
                             f"({points[0][0]}–{points[-1][0]} B)")
    if not parts:
        return []
    return ["", f"Cost of one more message byte (least-squares slope, {unit_of(run)} per byte, "
                f"{run.meta.get('mode', '?')}): " + "; ".join(parts) + "."]


def footprint_ratio_table(records: dict, order: Sequence[str]) -> list[str]:
    """Cache lines and pages of each pingpong case, each preset against the first."""
    base, rows = order[0], []
    for label in records[base]:
        bench, _, case = label.partition(" ")
        cells = [bench, case]
        for what in ("lines", "pages"):
            values = [footprint_value(records, p, bench, case, what) for p in order]
            cells += [*map(fmt_or_missing, values),
                      *(fmt_ratio(ratio(v, values[0])) for v in values[1:])]
        rows.append(cells)
    head = [f"{what} {p}" for what in ("lines", "pages")
            for p in [*order, *(f"{q} / {base}" for q in order[1:])]]
    return ["", f"### {', '.join(f'{p} / {base}' for p in order[1:])}: cache lines and pages "
                f"touched by one operation (footprint, kernel + user, 64-byte lines, 4 KiB "
                f"pages)", "",
            *md_table(["bench", "case", *head], rows, 2)]


def section_techniques(sources: Sources, presets: dict[str, Preset], stat: str) -> list[str]:
    """The cost of each technique: presets that differ in one axis, side by side."""
    found = isolations(presets)
    nearest = nearest_pairs(presets, {iso.axis for iso in found})
    checks = measures(sources)
    records = footprint_records(sources.footprint)
    lines = ["## The cost of each technique", "",
             "Each table compares presets that differ in exactly one axis (found from "
             "`configs/*.mk`, includes followed); the first column is the base and the "
             "others show their difference from it and their multiple of it.  Measures: " +
             (", ".join(m.label for m in checks) or "none") + "."]
    for iso in found:
        lines += isolation_table(iso, checks, records, stat)
    for iso in nearest:
        lines += isolation_table(iso, checks, records, stat)
    missing = sorted({a for p in presets.values() for a in p.axes
                      if len({q.axes.get(a) for q in presets.values()}) > 1}
                     - {iso.axis for iso in (*found, *nearest)})
    if missing:
        lines += ["", f"No pair of presets isolates {', '.join(missing)}."]
    return lines


def isolation_title(iso: Isolation) -> str:
    """`Direct process switch on/off: DIRECT_SWITCH y (l4) vs n (l4-nods)`."""
    sides = " vs ".join(f"{v} ({code(p)})" for p, v in zip(iso.presets, iso.values))
    title = f"{TECHNIQUES.get(iso.axis, iso.axis)}: {iso.axis} {sides}"
    if iso.also:
        title += f" — nearest pair, also differing in {', '.join(iso.also)}"
    return title


def isolation_table(iso: Isolation, checks: Sequence[Measure], records: dict,
                    stat: str) -> list[str]:
    """One technique: every key case in every measure, each preset against the base."""
    rows = []
    for bench, case in KEY_CASES:
        for check in checks:
            values = [check.get(records, p, bench, case, stat) for p in iso.presets]
            if all(v is None for v in values):
                continue
            note = PER_CALL if bench == "rpc" and check.source != "footprint" else ""
            rows.append([f"{bench} {case}{note}", check.label, fmt_or_missing(values[0]),
                         *(fmt_delta(v, values[0]) for v in values[1:])])
    lines = ["", f"### {isolation_title(iso)}", ""]
    if iso.also:
        lines += [f"No preset pair differs in {iso.axis} alone; these differ also in "
                  f"{', '.join(iso.also)}, whose own cost is isolated above where a pair "
                  f"allows.", ""]
    if not rows:
        return lines + ["No measurement of these presets in the runs."]
    header = ["case", "measure", *(f"{p} ({v})" for p, v in zip(iso.presets, iso.values))]
    return lines + md_table(header, rows, 2)


def summary_line(iso: Isolation, checks: Sequence[Measure], records: dict,
                 stat: str) -> Optional[str]:
    """One bullet: what the technique costs in the headline case, in every measure."""
    bench, case = HEADLINE
    parts = []
    for other, value in zip(iso.presets[1:], iso.values[1:]):
        costs = []
        for check in checks:
            base = check.get(records, iso.presets[0], bench, case, stat)
            mine = check.get(records, other, bench, case, stat)
            if base is not None and mine is not None:
                costs.append(f"{signed(mine - base)} {check.unit} ({check.source}, "
                             f"{fmt_ratio(ratio(mine, base))})")
        if costs:
            parts.append(f"{value} ({code(other)}): " + ", ".join(costs))
    if not parts:
        return None
    also = f", also differing in {', '.join(iso.also)}" if iso.also else ""
    return (f"- **{TECHNIQUES.get(iso.axis, iso.axis)}** ({iso.axis}, base "
            f"{iso.values[0]} = {code(iso.presets[0])}{also}): " + "; ".join(parts) + ".")


def signed(value: float) -> str:
    """`+235`, `−4`, `±0`."""
    if value == 0:
        return "±0"
    return ("+" if value > 0 else "−") + fmt_number(abs(value))


# --- The model against real cycles ---------------------------------------------------------

# The units of a real CPU's clock: the TSC (kvm, a real PC) or a cycle counter.
REAL_UNITS = ("tsc", "cycles")

HOW_TO_PAIR = (
    "make one with `python3 -m harness run --config l4 --mode kvm` on a host with VT-x/AMD-V, "
    "or `make iso`, a boot of build/l4/ipclab.iso on a PC and `python3 -m harness ingest "
    "<serial log>` (stored under the commit the kernel's banner names); then `python3 -m "
    "harness run --config l4 "
    "--mode cycles` of the same commit, both from a tree without uncommitted changes")

MODEL_REAL_INTRO = (
    "Each commit that has a cycles run and a real-cycle run (kvm with hardware "
    "virtualization, or a serial log of a real PC) sets the cycle model beside the real "
    "CPU, case by case, so that the model can be judged: real is the guest's median per "
    "operation in its unit after the warm-up rounds, with the cost of reading the clock "
    "subtracted, so warm / real judges the model and cold / real shows what a cold start "
    "would add; the model's region also holds the two clock reads (docs/cycles.md).  "
    "TSC ticks run at the CPU's "
    "nominal clock, not its core clock (turbo, power saving), so a ratio of 1 is the "
    "model meeting the TSC, not necessarily the cycles.  Runs of a tree with uncommitted "
    "changes are not paired.")


def real_source(meta: dict) -> Optional[str]:
    """Where a run's real cycles come from, in words; None if its clock is no real CPU's.

    A kvm run is real when QEMU used KVM (accel kvm): the harness takes kvm only on a
    CPU with vmx or svm, and stores a run that fell back as icount on TCG.  An
    ingested log is real unless its CPU said it ran under a hypervisor.
    """
    mode = meta.get("mode")
    if mode == "kvm" and meta.get("accel") == "kvm":
        return "kvm with hardware virtualization"
    if mode == runs.REAL_MODE and meta.get("hypervisor") is not True:
        return "a real PC (ingested serial log)"
    return None


def clean_commit(meta: dict) -> Optional[str]:
    """The commit a run was built from; None if unknown or the tree had changes."""
    commit = str(meta.get("commit") or "unknown")
    return None if commit == "unknown" or meta.get("dirty") is not False else commit


def model_profile(run: Run) -> Optional[str]:
    """The profile of a cycles run's model figures, or None if it has none."""
    return ", ".join(sorted({str(r["model_profile"]) for r in run.results
                             if "model_profile" in r})) or None


def run_date(run: Run) -> float:
    """A run's date as a timestamp, for ordering; 0 if it has none."""
    try:
        return datetime.fromisoformat(str(run.meta.get("date"))).timestamp()
    except ValueError:
        return 0.0


@dataclass(frozen=True)
class ModelReal:
    """A real-cycle run and a cycles run of the same commit."""

    commit: str
    real: Run
    model: Run
    profile: str


def model_real_pairs(candidates: Sequence[Run]) -> list[ModelReal]:
    """For each commit, its newest real-cycle run of each mode and CPU beside its
    newest cycles run of each profile; newest real runs first."""
    real: dict[tuple, Run] = {}
    model: dict[tuple, Run] = {}
    for run in sorted(candidates, key=run_date, reverse=True):
        commit, profile = clean_commit(run.meta), model_profile(run)
        if commit is None:
            continue
        if real_source(run.meta):
            real.setdefault((commit, run.meta.get("mode"), run.meta.get("cpu")), run)
        elif run.meta.get("mode") == CYCLES_MODE and profile:
            model.setdefault((commit, profile), run)
    return [ModelReal(commit, run, cycles_run, profile)
            for (commit, _, _), run in real.items()
            for (model_commit, profile), cycles_run in model.items() if model_commit == commit]


def real_value(result: dict) -> Optional[float]:
    """A result's real median per operation, or None (another unit, a throughput case)."""
    if result.get("unit") not in REAL_UNITS or tables.is_throughput(result):
        return None
    return number(result.get("median"))


def model_real_rows(pair: ModelReal) -> list[tuple[dict, float, dict]]:
    """(real result, its median, the model's result) of every case in both runs."""
    model = {(r["variant"], r["bench"], r["case"]): r for r in pair.model.results
             if number(r.get("model_cycles_warm")) is not None}
    rows = []
    for result in pair.real.results:
        value = real_value(result)
        other = model.get((result["variant"], result["bench"], result["case"]))
        if value is not None and other is not None:
            rows.append((result, value, other))
    return rows


def model_real_cells(real: dict, value: float, model: dict) -> list[str]:
    """One row: preset, case, real, model warm and cold, and model / real."""
    warm, cold = number(model.get("model_cycles_warm")), number(model.get("model_cycles_cold"))
    shown = fmt_number(value) + (" (unstable)" if real.get("stable") is False else "")
    return [code(real["variant"]), f"{real['bench']} {real['case']}", shown,
            fmt_or_missing(warm), fmt_or_missing(cold), fmt_ratio(ratio(warm, value)),
            fmt_ratio(ratio(cold, value))]


def family_note(pair: ModelReal) -> list[str]:
    """A note when the real CPU is not of the family the profile models."""
    cpu = str(pair.real.meta.get("cpu") or "unknown")
    if cycles.models_cpu(pair.profile, cpu):
        return []
    return ["", f"> Note: indicative only: the real CPU ({cpu}) is not of the family profile "
                f"{pair.profile} models ({cycles.profile_family(pair.profile)}), so the "
                f"ratios mix the model's error with the difference between the CPUs."]


def ratio_span(rows: Sequence[tuple[dict, float, dict]], key: str) -> str:
    """`0.80×–1.30×`: the least and most model / real over the rows."""
    found = [r for r in (ratio(number(m.get(key)), v) for _, v, m in rows) if r is not None]
    return f"{fmt_ratio(min(found))}–{fmt_ratio(max(found))}" if found else tables.MISSING


def model_real_table(pair: ModelReal, sources: Sources) -> list[str]:
    """One pair's heading, where each side comes from, and its rows."""
    meta, unit = pair.real.meta, unit_of(pair.real)
    cpu = meta.get("cpu") or "unknown"
    rows = model_real_rows(pair)
    lines = [f"### Commit {pair.commit[:12]}: {meta.get('mode', '?')} on {cpu} against "
             f"{cycles.label(pair.profile)}", "",
             f"Real: {real_source(meta)}, {unit}, CPU {cpu} as the run recorded it, "
             f"`{sources.name(pair.real)}`.  Model: {cycles.label(pair.profile)}, the median "
             f"over the marked region's occurrences, `{sources.name(pair.model)}`.",
             *family_note(pair), ""]
    if not rows:
        return lines + ["The two runs have no case in common."]
    header = ["preset", "case", f"real median ({unit})", "model warm", "model cold",
              "warm / real", "cold / real"]
    spans = [f"{state} {ratio_span(rows, f'model_cycles_{state}')}" for state in ("warm", "cold")]
    return lines + md_table(header, [model_real_cells(*row) for row in rows], 2) + [
        "", f"Model / real over these {len(rows)} cases: {', '.join(spans)}."]


def section_model_real(sources: Sources) -> list[str]:
    """The cycle model beside real cycles of the same commit, or how to get them."""
    pairs = model_real_pairs([*sources.timing, *sources.paired])
    title = "## Model against real cycles"
    if not pairs:
        return [title, "", "No commit among these runs has both a cycles run and a real-cycle "
                           f"run, so the model is not set beside real cycles: {HOW_TO_PAIR}."]
    return [title, "", MODEL_REAL_INTRO,
            *(line for pair in pairs for line in ["", *model_real_table(pair, sources)])]


def section_footprint(sources: Sources) -> list[str]:
    """Lines and pages per preset for each footprint region, kernel and user apart."""
    records = footprint_records(sources.footprint)
    if not records:
        return ["## Footprint", "", "No footprint run was given "
                "(`python3 -m harness matrix --modes footprint` makes one)."]
    labels = list(dict.fromkeys(label for regions in records.values() for label in regions))
    chosen = [label for label in labels if not label.startswith("pingpong")] + \
        [" ".join(HEADLINE)] + [label for label in labels
                                if label.startswith("pingpong") and label.endswith("/64B")
                                and "other-space" in label and "roundtrip" in label]
    chosen = [label for label in dict.fromkeys(chosen) if label in labels]
    rows = [[preset, *(footprint_cell(records, preset, label) for label in chosen)]
            for preset in records]
    return ["## Footprint", "",
            "Distinct cache lines (64 bytes) and pages (4 KiB) touched by one occurrence of "
            "each case, as counted by the QEMU footprint plugin (kernel + user, `lines / "
            "pages`).  Runs: " + ", ".join(code(sources.name(r)) for r in sources.footprint)
            + ".", "", *md_table(["preset", *chosen], rows)]


def footprint_cell(records: dict, preset: str, label: str) -> str:
    """`33 / 17`: lines and pages of one region, or `-`."""
    bench, _, case = label.partition(" ")
    lines = footprint_value(records, preset, bench, case, "lines")
    pages = footprint_value(records, preset, bench, case, "pages")
    if lines is None or pages is None:
        return tables.MISSING
    return f"{fmt_number(lines)} / {fmt_number(pages)}"


# The Linux guest's variant before its results said their mitigations: it booted without
# mitigations=off, so with the kernel's default.
LEGACY_GUEST = "linux-guest"


def mitigations_label(variant: str, results: Iterable[dict]) -> Optional[str]:
    """What a Linux baseline's results were measured with: `mitigations=off`, `default
    mitigations`; None where they do not say (Linux on the host)."""
    said = sorted({str((r.get("axes") or {}).get("mitigations")) for r in results
                   if r["variant"] == variant and "mitigations" in (r.get("axes") or {})})
    if not said:
        legacy = variant == LEGACY_GUEST
        return "default mitigations: booted without mitigations=off" if legacy else None
    words = {"default": "default mitigations", "pti": "default mitigations and pti=on"}
    return ", ".join(words.get(m, f"mitigations={m}") for m in said)


def baseline_label(variant: str, results: Iterable[dict]) -> str:
    """`linux-mitigations-off (mitigations=off)`, or the variant alone if it says nothing."""
    said = mitigations_label(variant, results)
    return f"{variant} ({said})" if said else variant


def vulnerability_lines(results: Sequence[dict], variant: str) -> list[str]:
    """What the guest's kernel said about Meltdown and Spectre v2 (sysfs), if it said."""
    said = {(r.get("meltdown"), r.get("spectre_v2")) for r in results if r["variant"] == variant}
    said = {pair for pair in said if pair != (None, None)}
    if len(said) != 1:
        return []
    meltdown, spectre = said.pop()
    return ["", f"The guest's kernel reports Meltdown: {md_escape(str(meltdown))}; Spectre v2: "
                f"{md_escape(str(spectre))}."]


def section_baselines(sources: Sources, stat: str) -> list[str]:
    """Linux's IPC on the host (and in a guest), and ipclab's beside it where units allow."""
    lines = ["## Linux baselines", ""]
    if not sources.baselines:
        return lines + ["No baseline run was given (`python3 -m harness host` makes one)."]
    transports = dict.fromkeys(r["bench"] for run in sources.baselines for r in run.results)
    lines.append(f"Linux's own IPC: ping-pong between two processes over "
                 f"{', '.join(transports)} (the transports of `bench/host`), on the host or in "
                 f"a Linux guest as each run's mode says.  ipclab has no Spectre or Meltdown "
                 f"mitigations; the Linux guest boots with `mitigations=off` (like for like) "
                 f"and with the kernel's default (Linux as shipped), and each heading says "
                 f"which.")
    for run in sources.baselines:
        meta = run.meta
        where = meta.get("kernel_release") or meta.get("kernel") or "?"
        for variant in run.variants():
            rows = [[r["bench"], r["case"], fmt_or_missing(number(r.get(stat))),
                     fmt_or_missing(number(r.get("min"))), fmt_or_missing(number(r.get("p99"))),
                     r["unit"]] for r in run.results if r["variant"] == variant]
            lines += ["", f"### {baseline_label(variant, run.results)}: mode "
                          f"{meta.get('mode', '?')} ({code(sources.name(run))}, kernel {where})",
                      *vulnerability_lines(run.results, variant),
                      "", *md_table(["transport", "case", stat, "min", "p99", "unit"], rows, 2)]
        lines += baseline_comparison(run, sources.timing, stat)
    return lines


@dataclass(frozen=True)
class DriverPair:
    """The user-level and in-kernel driver's figures for one preset, frame size and batch."""

    preset: str
    frame_bytes: int
    batch: str                          # the batch size, or "1" for the /batch1 cases
    unit: str
    user_cost: Optional[float] = None   # per frame, in unit
    kernel_cost: Optional[float] = None
    user_fps: Optional[float] = None
    kernel_fps: Optional[float] = None
    itr: int = 0                        # interrupt throttling (256 ns units)
    transport: str = ""                 # how the user-level driver was reached (ipc, doorbell)
    user_irqs: Optional[float] = None   # receive interrupts the driver waited for
    kernel_irqs: Optional[float] = None


def driver_pairs(run: Run) -> list[DriverPair]:
    """User against kernel driver per preset, frame size, batch and interrupt
    throttling, in the run's order."""
    found: dict[tuple, dict] = {}
    for r in run.results:
        driver, size = r.get("driver"), number(r.get("frame_bytes"))
        if r["bench"] != DRIVER_BENCH or driver not in ("user", "kernel") or size is None:
            continue
        batch = "1" if r["case"].endswith("/batch1") else str(r.get("batch", "?"))
        cost = next((number(r.get(k)) for k in DRIVER_COST_KEYS
                     if number(r.get(k)) is not None), None)
        itr = int(number(r.get("itr")) or 0)
        slot = found.setdefault((r["variant"], int(size), batch, itr),
                                {"unit": r.get("unit", "?"), "itr": itr})
        slot[f"{driver}_cost"], slot[f"{driver}_fps"] = cost, number(r.get("frames_per_s"))
        slot[f"{driver}_irqs"] = number(r.get("interrupts"))
        if driver == "user" and r.get("transport"):
            slot["transport"] = r["transport"]
    return [DriverPair(preset, size, batch, **values)
            for (preset, size, batch, _), values in found.items()]


def section_drivers(sources: Sources) -> list[str]:
    """The e1000 driver in user space against the same driver in the kernel."""
    lines = ["## User-level driver against in-kernel driver", ""]
    if not sources.drivers:
        return lines + ["No e1000 driver run was given (`python3 -m harness.netbench` makes "
                        "one, mode e1000-<mode>)."]
    lines.append("The e1000 benchmark (`python3 -m harness.netbench`, docs/e1000.md) boots each "
                 "preset once with both drivers: the user-level driver and the same driver "
                 "built into the kernel (`E1000_IN_KERNEL=y`), moving the same frames.  "
                 "`user ÷ kernel` above 1 means the user-level driver costs more per frame, or "
                 "moves more frames per second.  The `batch1` rows hand the driver one frame "
                 "at a time; beside the preset, how its client reached the user-level driver "
                 "(IPC, or a doorbell notification and a mailbox).")
    for run in sources.drivers:
        mode = base_mode(run.meta.get("mode", "?"))
        pairs = driver_pairs(run)
        unit = ", ".join(dict.fromkeys(p.unit for p in pairs)) or unit_of(run)
        # Interrupts only where the driver waits for them: not in loopback.
        irqs = run.meta.get("traffic") not in (None, "loop")
        rows = [[f"{p.preset} ({p.transport})" if p.transport else p.preset,
                 str(p.frame_bytes), p.batch,
                 fmt_or_missing(p.user_cost), fmt_or_missing(p.kernel_cost),
                 fmt_ratio(ratio(p.user_cost, p.kernel_cost)),
                 fmt_or_missing(p.user_fps), fmt_or_missing(p.kernel_fps),
                 fmt_ratio(ratio(p.user_fps, p.kernel_fps))]
                + ([str(p.itr), f"{fmt_or_missing(p.user_irqs)} / {fmt_or_missing(p.kernel_irqs)}"]
                   if irqs else []) for p in pairs]
        rate, per_s = rate_words(mode)
        lines += ["", f"### Mode {run.meta.get('mode', '?')}, traffic "
                      f"{run.meta.get('traffic', '?')} ({code(sources.name(run))})", "",
                  f"Cost per frame in {unit} (whole frame path: driver, IPC and the sender); "
                  f"{rate}.", "",
                  *md_table(["preset", "frame bytes", "batch", "user per frame",
                             "kernel per frame", "user ÷ kernel", f"user frames/{per_s}",
                             f"kernel frames/{per_s}", "user ÷ kernel"]
                            + (["itr", "interrupts user / kernel"] if irqs else []), rows, 1)]
        lines += driver_summary(pairs, unit, virtual_time(mode))
    return lines


def virtual_time(mode: str) -> bool:
    """Whether a run's seconds are icount virtual time (1 instruction = 1 ns), not real:
    icount, footprint and their flavours (e1000-icount, linux-icount)."""
    return mode.rsplit("-", 1)[-1] in ("icount", "footprint", "cycles")


def rate_words(mode: str) -> tuple[str, str]:
    """What a mode's frames per second are, as a sentence, and the second of a column head
    (`virtual s` under icount: not a real rate; a real one only with kvm or real hardware)."""
    if virtual_time(mode):
        return ("frames per second of icount virtual time (1 instruction = 1 virtual ns), not "
                "a real rate: the emulator bounds the rate, so compare the drivers with it, not "
                "with real hardware"), "virtual s"
    if mode in qemu.UNTIMED_MODES:
        return f"frames per second of {mode} host time: not meaningful, function only", \
            f"s ({mode})"
    return f"frames per second ({mode}, real time)", "s"


def driver_summary(pairs: Sequence[DriverPair], unit: str, virtual: bool = False) -> list[str]:
    """One line per preset: the user-level driver's extra cost, batched and one at a time
    (frame rates said to be virtual under icount)."""
    def span(values: Sequence[float], fmt) -> str:
        low, high = min(values), max(values)
        return fmt(low) if fmt(low) == fmt(high) else f"{fmt(low)} to {fmt(high)}"

    notes = []
    for preset in dict.fromkeys(p.preset for p in pairs):
        both = [p for p in pairs if p.preset == preset and None not in (p.user_cost, p.kernel_cost)]
        batched = [p for p in both if p.batch != "1"]
        single = [p for p in both if p.batch == "1"]
        parts = []
        if batched:
            rates = [p.user_fps / p.kernel_fps for p in batched if p.user_fps and p.kernel_fps]
            parts.append(f"batched, {span([p.user_cost / p.kernel_cost for p in batched], fmt_ratio)}"
                         f" the in-kernel driver's {unit} per frame "
                         f"({span([p.user_cost - p.kernel_cost for p in batched], fmt_number)} "
                         f"more, frames of {span([p.frame_bytes for p in batched], str)} B)"
                         + (f" and moves {span(rates, fmt_ratio)} its frames per "
                            f"{'virtual ' if virtual else ''}second" if rates else ""))
        parts += [f"one frame at a time ({p.frame_bytes} B), "
                  f"{fmt_ratio(p.user_cost / p.kernel_cost)} "
                  f"({fmt_number(p.user_cost - p.kernel_cost)} more)" for p in single]
        if parts:
            notes.append(f"- {code(preset)}: the user-level driver costs " + "; ".join(parts) + ".")
    return ["", *notes] if notes else []


def comparable(baseline: Run, timing: Sequence[Run]) -> list[Run]:
    """The timing runs measured on the same host in the same unit as a baseline run."""
    return [run for run in timing if unit_of(run) == unit_of(baseline)
            and run.meta.get("host") == baseline.meta.get("host")]


def baseline_comparison(baseline: Run, timing: Sequence[Run], stat: str) -> list[str]:
    """Linux's 8-byte round trips against ipclab's, where the units are the same."""
    same = comparable(baseline, timing)
    if not same:
        units = " and ".join(sorted({f"{unit_of(r)} ({r.meta.get('mode')})" for r in timing}))
        return ["", f"No ipclab run given measures {unit_of(baseline)} on "
                    f"{baseline.meta.get('host', '?')} (they count {units or 'nothing'}), so "
                    f"these figures are not divided by ipclab's: different units are different "
                    f"quantities.  A kvm run, or an iso-real run from this machine, would "
                    f"allow it."]
    lines = []
    for run, variant in ((run, v) for run in same for v in baseline.variants()):
        linux = [r for r in baseline.results
                 if r["variant"] == variant and r["case"] == "roundtrip/same-cpu/8B"]
        presets = run.variants()
        rows = [[r["bench"], fmt_or_missing(number(r.get(stat))),
                 *(fmt_ratio(ratio(number(r.get(stat)),
                                   value_of(run, p, "pingpong", "roundtrip/other-space/8B", stat)))
                   for p in presets)] for r in linux]
        if rows:
            said = mitigations_label(variant, baseline.results)
            lines += ["", f"Linux's 8-byte round trip between two processes on one CPU"
                          f"{f', with {said},' if said else ''} as a multiple of "
                          f"ipclab's 8-byte round trip between two spaces ({stat} "
                          f"{unit_of(run)}; ipclab from {run.meta.get('mode')}, no "
                          f"mitigations):", "",
                      *md_table([f"{variant} transport", f"Linux {unit_of(run)}",
                                 *(f"÷ {p}" for p in presets)], rows)]
    return lines


# --- The paper check ------------------------------------------------------------------

@dataclass(frozen=True)
class Published:
    """A published figure, quoted with its source."""

    what: str
    figure: str
    source: str


PUBLISHED = (
    Published("L3 against Mach: short-message IPC on an i486",
              "L3 5 µs, Mach ~115 µs: Mach ≈ 23× L3 (the ratio of the two quoted figures)",
              "J. Liedtke, “Improving IPC by Kernel Design”, SOSP 1993"),
    Published("seL4 IPC Call, one way, x86_64, Intel Core i7-6700 (Skylake)",
              "≈ 381–388 cycles",
              "seL4 Foundation, published sel4bench figures, "
              "https://sel4.systems/performance.html"),
    Published("L4Linux and MkLinux (Linux on Mach) against native Linux",
              "getpid: L4Linux costs more than native Linux and MkLinux far more, in-kernel "
              "and still more user-mode (exact figures not quoted here).  AIM benchmark "
              "(abstract): L4Linux's maximum throughput only 5% below native Linux; the "
              "penalty 5 times higher for in-kernel MkLinux and 7 times higher for "
              "user-level MkLinux",
              "H. Härtig, M. Hohmuth, J. Liedtke, S. Schönberg, J. Wolter, “The Performance "
              "of µ-Kernel-Based Systems”, SOSP 1997"),
)


@dataclass(frozen=True)
class Measured:
    """The figures of this report the paper check uses; None where a run lacks them."""

    l4: Optional[str] = None
    mach: Optional[str] = None
    short_ratio: Optional[float] = None         # mach / l4, 8-byte round trip
    short_unit: str = ""
    oneway: Optional[float] = None              # l4 one way, first timing run
    oneway_unit: str = ""
    oneway_floor: Optional[float] = None        # its multiple of the floor
    cycles: Optional[float] = None              # l4 one way in a tsc/cycles run
    cycles_mode: str = ""
    rpc_ratios: tuple = ()                      # (clients case, mach / l4)
    lines_ratio: Optional[float] = None         # footprint, headline case
    pages_ratio: Optional[float] = None
    mach_direct: str = ""                       # DIRECT_SWITCH of the Mach-style preset


def measured(sources: Sources, presets: dict[str, Preset], stat: str) -> Measured:
    """Gather what the paper check compares with the published figures."""
    l4, mach = model_pair(model_presets(presets))
    if l4 is None or mach is None or not sources.timing:
        return Measured(l4, mach)
    run = sources.timing[0]
    short = ("pingpong", "roundtrip/other-space/8B")
    one = ("pingpong", "oneway-call/other-space/0B")
    oneway = value_of(run, l4, *one, stat)
    timed = [r for r in sources.timing if unit_of(r) in ("tsc", "cycles")]
    rpc = tuple((case, ratio(value_of(run, mach, "rpc", case, stat),
                             value_of(run, l4, "rpc", case, stat)))
                for case in dict.fromkeys(r["case"] for r in run.results if r["bench"] == "rpc"))
    records = footprint_records(sources.footprint)
    return Measured(
        l4, mach, ratio(value_of(run, mach, *short, stat), value_of(run, l4, *short, stat)),
        f"{unit_of(run)}, {run.meta.get('mode')}", oneway, f"{unit_of(run)}, "
        f"{run.meta.get('mode')}", ratio(oneway, floor_value(run, l4, stat)),
        value_of(timed[0], l4, *one, stat) if timed else None,
        timed[0].meta.get("mode", "") if timed else "", rpc,
        ratio(footprint_value(records, mach, *HEADLINE, "lines"),
              footprint_value(records, l4, *HEADLINE, "lines")),
        ratio(footprint_value(records, mach, *HEADLINE, "pages"),
              footprint_value(records, l4, *HEADLINE, "pages")),
        presets[mach].axes.get("DIRECT_SWITCH", ""))


def section_paper(sources: Sources, presets: dict[str, Preset], stat: str) -> list[str]:
    """The classic published figures beside what ipclab measures, and what that says."""
    m = measured(sources, presets, stat)
    ours = [paper_liedtke(m), paper_sel4(m), paper_hartig(m)]
    rows = [[p.what, p.figure, p.source, mine] for p, mine in zip(PUBLISHED, ours)]
    return ["## Paper check", "",
            "The published figures are quoted from their sources; the right column is "
            "measured by the runs above.", "",
            *md_table(["comparison", "published", "source", "ipclab measures"], rows, 4),
            "", *paper_paragraph(m)]


def paper_liedtke(m: Measured) -> str:
    """ipclab's counterpart of Liedtke 1993: the 8-byte round trip, mach / l4."""
    if m.short_ratio is None:
        return "no 8-byte round trip of both models in the runs"
    return (f"{m.mach} / {m.l4}, 8-byte round trip between two spaces: "
            f"{fmt_ratio(m.short_ratio)} ({m.short_unit})")


# Where the differences in work behind seL4's figure and ipclab's are listed.
SEL4_DUTIES = ("docs/variants.md, section “What ipclab’s l4 does and does not do that seL4 "
               "does”")


def paper_sel4(m: Measured) -> str:
    """ipclab's counterpart of seL4's one-way Call."""
    if m.oneway is None:
        return "no one-way figure of the L4-style preset in the runs"
    text = (f"{m.l4} one way between two spaces: {fmt_number(m.oneway)} {m.oneway_unit}"
            + (f" ({fmt_ratio(m.oneway_floor)} the round-trip floor)" if m.oneway_floor else ""))
    if m.cycles is not None:
        return text + f"; {fmt_number(m.cycles)} TSC ticks ({m.cycles_mode})"
    return text + "; no cycle count: no kvm or iso-real run"


def paper_hartig(m: Measured) -> str:
    """ipclab's counterpart of Härtig et al.: RPC to a server, mach / l4."""
    known = [(case, r) for case, r in m.rpc_ratios if r is not None]
    if not known:
        return "no RPC figures of both models in the runs"
    return ("RPC to a server, " + f"{m.mach} / {m.l4}: " +
            ", ".join(f"{fmt_ratio(r)} with {case}" for case, r in known) +
            f" ({m.short_unit}); ipclab runs no Linux server, so there is no getpid")


def second_reason(unit: str) -> str:
    """Why the measure itself shrinks the gap: instructions are not time."""
    if unit.startswith("instructions"):
        return ("Second, instructions are not time: under icount every instruction costs the "
                "same, while on real hardware a larger working set also costs cache and TLB "
                "misses, which Liedtke names as a main cost of first-generation kernels.")
    return ("Second, a modern x86_64 is not an i486: its larger caches and deeper pipeline "
            "change what copies, queue edits and misses cost relative to each other.")


def rpc_growth(m: Measured) -> str:
    """What the growth of the RPC ratio with clients says, if it grows."""
    known = [r for _, r in m.rpc_ratios if r is not None]
    if len(known) < 2 or known[-1] < 1.1 * known[0]:
        return ""
    why = (" Without direct switch every call waits for the other clients' turns in the "
           "ready queue." if m.mach_direct == "n" else "")
    return (f"The ratio's growth with clients ({fmt_ratio(known[0])} to {fmt_ratio(known[-1])})"
            f" is ipclab's own finding.{why}")


def paper_paragraph(m: Measured) -> list[str]:
    """What agrees with the published figures, what does not, and why."""
    if m.short_ratio is None:
        return ["Without figures of both models there is nothing to set beside the papers."]
    direction = "agrees" if m.short_ratio > 1 else "does not agree"
    text = (f"The direction {direction} with Liedtke 1993: the Mach-style preset needs "
            f"{fmt_ratio(m.short_ratio)} the L4-style preset's count for a short round trip. "
            f"The size does not: ~23× in 1993 against {fmt_ratio(m.short_ratio)} here. "
            f"Three reasons. First, ipclab's Mach-style model is not Mach: "
            f"it runs in the same small kernel with the same system-call entry, address-space "
            f"switch and capability lookup, and its ports have no port-right translation or "
            f"message parsing, so both models share the floor and only the IPC path differs. "
            + second_reason(m.short_unit))
    if m.lines_ratio is not None and m.pages_ratio is not None:
        text += (f" The footprint run shows that part: a Mach-style round trip touches "
                 f"{fmt_ratio(m.lines_ratio)} the cache lines and {fmt_ratio(m.pages_ratio)} "
                 f"the pages of an L4-style one, a cost icount cannot see.")
    text += (" Third, the 1993 figures are times on an i486 and these are counts on an "
             "emulated x86_64, so only the ratios can be set side by side at all.")
    sel4 = (f"seL4's ≈ 381–388 cycles are cycles on real hardware; ipclab's one-way figure "
            f"({fmt_number(m.oneway)} {m.oneway_unit}) is not, so the two are not set "
            f"against each other as a ratio.") if m.oneway is not None else ""
    if m.cycles is not None:
        sel4 = (f"seL4's ≈ 381–388 cycles set beside ipclab's {fmt_number(m.cycles)} TSC "
                f"ticks ({m.cycles_mode}) compare two fast paths on different CPUs; TSC "
                f"ticks are cycles only where the TSC runs at the core clock.")
    if sel4:
        sel4 += (" Nor is it the same work: " + SEL4_DUTIES + " lists what ipclab's l4 does "
                 "and does not do that seL4 does.")
    hartig = ("Härtig et al. measured whole systems: a Linux server over each kernel. ipclab "
              "has no such server, so its RPC benchmark stands in for the IPC under each "
              "system call of such a personality. Its Mach-style / L4-style ratio points the "
              "same way as the paper's conclusion that the µ-kernel's performance is crucial, "
              "but the two cannot be compared in size: the paper's AIM penalties are whole-"
              "system throughput, diluted by all the work that is not IPC.")
    return [text, "", " ".join(s for s in (sel4, hartig, rpc_growth(m)) if s)]


# --- The summary ---------------------------------------------------------------------------

def section_summary(sources: Sources, presets: dict[str, Preset], stat: str) -> list[str]:
    """The key figures, each taken from the sections below."""
    models = model_presets(presets)
    l4, mach = model_pair(models)
    lines = []
    if l4 and mach:
        for run in sources.timing:
            lines += model_summary(run, l4, mach, stat)
        records = footprint_records(sources.footprint)
        lines_ratio = ratio(footprint_value(records, mach, *HEADLINE, "lines"),
                            footprint_value(records, l4, *HEADLINE, "lines"))
        pages_ratio = ratio(footprint_value(records, mach, *HEADLINE, "pages"),
                            footprint_value(records, l4, *HEADLINE, "pages"))
        if lines_ratio and pages_ratio:
            lines.append(f"- Footprint of one {' '.join(HEADLINE)}: {code(mach)} touches "
                         f"{fmt_ratio(lines_ratio)} the cache lines and {fmt_ratio(pages_ratio)} "
                         f"the pages of {code(l4)}.")
        for baseline in sources.baselines:
            lines += baseline_summary(baseline, sources.timing, l4, stat)
    found = isolations(presets)
    checks, records = measures(sources), footprint_records(sources.footprint)
    costs = [summary_line(iso, checks, records, stat)
             for iso in (*found, *nearest_pairs(presets, {iso.axis for iso in found}))]
    costs = [line for line in costs if line]
    if costs:
        lines += ["", f"What each technique costs in a {' '.join(HEADLINE)} (the next sections "
                      f"have every case):", "", *costs]
    return ["## Summary", "", *(lines or ["Not enough runs for a summary."])]


def model_summary(run: Run, l4: str, mach: str, stat: str) -> list[str]:
    """Mach-style / L4-style for the round trip over all sizes and for RPC, one run."""
    mode, unit = run.meta.get("mode", "?"), unit_of(run)
    if mode == CYCLES_MODE:
        mode = "cycles mode"     # its instructions are not cycles: say which is the mode
    family = sized_case(HEADLINE[1])[0]
    ratios = [ratio(value_of(run, mach, "pingpong", f"{family}/{size}B", stat), value)
              for size, value in size_series(run, l4, family, stat)]
    ratios = [r for r in ratios if r is not None]
    lines = []
    if ratios:
        sizes = size_series(run, l4, family, stat)
        lines.append(f"- {code(mach)} / {code(l4)}, ping-pong round trip ({family}), "
                     f"{sizes[0][0]}–{sizes[-1][0]} bytes: {fmt_ratio(min(ratios))}–"
                     f"{fmt_ratio(max(ratios))} ({stat} {unit}, {mode}); the floors are "
                     f"{fmt_or_missing(floor_value(run, l4, stat))} ({l4}) and "
                     f"{fmt_or_missing(floor_value(run, mach, stat))} ({mach}).")
    mine = [r for r in run.results if r["variant"] == l4 and r["bench"] == "rpc"]
    rpc = [(r["case"], ratio(value_of(run, mach, "rpc", r["case"], stat),
                             value_of(run, l4, "rpc", r["case"], stat))) for r in mine]
    rpc = [(case, r) for case, r in rpc if r is not None]
    if rpc:
        what = (f"RPC throughput, {code(l4)}'s over {code(mach)}'s (all clients' calls over "
                f"the whole interval)" if all(tables.is_throughput(r) for r in mine)
                else f"{code(mach)} / {code(l4)}, RPC")
        lines.append(f"- {what}: " + ", ".join(f"{fmt_ratio(r)} with {case}" for case, r in rpc)
                     + f" ({unit}, {mode}).")
    return lines + model_cycles_summary(run, l4, mach)


def span(values: Sequence[float]) -> str:
    """`least–most` of some figures."""
    return f"{fmt_number(min(values))}–{fmt_number(max(values))}" if values else "-"


def model_cycles_summary(run: Run, l4: str, mach: str) -> list[str]:
    """Mach-style / L4-style in the cycle model's figures (cycles runs): the ping-pong
    round trip over all sizes, warm and cold, each with the two presets' figures."""
    family = sized_case(HEADLINE[1])[0]
    label = tables.model_label(run.results)
    lines = []
    for stat, state in (("model_cycles_warm", "warm"), ("model_cycles_cold", "cold")):
        pairs = [(value, value_of(run, mach, "pingpong", f"{family}/{size}B", stat))
                 for size, value in size_series(run, l4, family, stat)]
        ratios = [ratio(m, v) for v, m in pairs if m is not None]
        ratios = [r for r in ratios if r is not None]
        if ratios:
            lines.append(f"- {code(mach)} / {code(l4)}, ping-pong round trip ({family}), "
                         f"{state}: {fmt_ratio(min(ratios))}–{fmt_ratio(max(ratios))} "
                         f"({label}, {state}: "
                         f"{span([v for v, _ in pairs])} ({l4}), "
                         f"{span([m for _, m in pairs if m is not None])} ({mach})).")
    return lines


def baseline_summary(baseline: Run, timing: Sequence[Run], l4: str, stat: str) -> list[str]:
    """Linux's cheapest 8-byte round trip as a multiple of l4's, where units allow: one line
    per variant, which says the guest's mitigations."""
    lines = []
    for run, variant in ((run, v) for run in comparable(baseline, timing)
                         for v in baseline.variants()):
        linux = [(number(r.get(stat)), r["bench"]) for r in baseline.results
                 if r["variant"] == variant and r["case"] == "roundtrip/same-cpu/8B"
                 and number(r.get(stat)) is not None]
        mine = value_of(run, l4, "pingpong", "roundtrip/other-space/8B", stat)
        if linux and mine:
            cost, bench = min(linux)
            said = mitigations_label(variant, baseline.results)
            lines.append(f"- Linux ({baseline.meta.get('mode', '?')}"
                         f"{f', {said}' if said else ''}): its cheapest 8-byte "
                         f"round trip, {bench}, is {fmt_number(cost)} {unit_of(run)}, "
                         f"{fmt_ratio(ratio(cost, mine))} {code(l4)}'s "
                         f"({run.meta.get('mode', '?')}).")
    return lines


# --- The size of each kernel --------------------------------------------------------------

# At most this many lines of privileged code per preset, counted as the field
# counts kernel sizes (SLOCCount, as in the L4 and seL4 papers): lines that hold
# code, not blank or comment-only lines.  All lines are shown beside them.
SIZE_GOAL = 5000


@dataclass(frozen=True)
class Sizes:
    """Each preset's model and its privileged lines, counted in one tree."""

    where: str                          # `the tree at commit 1234567` (and whether changed)
    lines: dict                         # {preset: (model, code lines, all lines)}


def preset_sizes(root: Path, presets: dict[str, Preset]) -> Sizes:
    """Count each preset's privileged code (axistable.privileged_files) at root:
    code lines as its preprocessor keeps them, all lines of the files."""
    commit, dirty = runs.git_state(root)
    try:
        table = axistable.read_axes(root)
    except OSError:
        table = []                      # no axes.mk: nothing is known to be left out
    lines = {}
    for name, preset in presets.items():
        model = preset.axes.get("IPC", "?")
        defines = axistable.preset_defines(root, table, preset.axes)
        lines[name] = (model, axistable.privileged_code_lines(root, model, defines),
                       axistable.privileged_lines(root, model))
    return Sizes(f"the tree at commit {commit[:12]}" + (" with changes" if dirty else ""), lines)


def section_size(sizes: Optional[Sizes]) -> list[str]:
    """The privileged lines of each preset against the goal."""
    if sizes is None:
        return []
    rows = [[code(name), model, str(n), str(total),
             "yes" if n <= SIZE_GOAL else f"no (+{n - SIZE_GOAL})"]
            for name, (model, n, total) in sorted(sizes.lines.items())]
    return ["## Privileged code per preset", "",
            f"C and assembly compiled into each preset's kernel: `arch/x86_64/`, `kernel/` "
            f"(not `kernel/drivers/`, linked in only with `E1000_IN_KERNEL=y`) and "
            f"`ipc-variants/` with the preset's model and the shared parts it builds on "
            f"(its `model.mk`; `harness/axistable.py`, `privileged_files`), counted in "
            f"{sizes.where}.  `code lines` leaves out blank and comment-only lines, as "
            f"SLOCCount does and as published kernel sizes are given, and the lines the "
            f"preset's own preprocessor leaves out (an `#if` on its axes, as in the "
            f"assembly: `l4-nods` assembles no fast path; C's `if (CONFIG_X)` code counts "
            f"even where the compiler drops it); `all lines` is `wc -l` of every file.  "
            f"The goal is at most {SIZE_GOAL} code lines.", "",
            *md_table(["preset", "model", "code lines", "all lines", f"≤ {SIZE_GOAL}"], rows)]


# --- From Mach to L4 -----------------------------------------------------------------------

# A ladder (issue 14): a model's presets from its dearest round trip down,
# each step what the next preset's axes change, set against the base preset
# (make's default, l4): for the async model, Mach-style IPC with a call in
# two system calls (mach-split), then each optimization in turn.
# Issue 14's goal for the Mach-style model: its best round trip at most this
# multiple of the base preset's.  Other models' ladders are shown without one.
LADDER_GOALS = {"Mach-style": 2.5}
# Axes that are no IPC design of the model's (a mitigation, counters, a driver,
# a library over it): a preset that sets one apart from its root preset stays
# off the ladder (each has its own section in "The cost of each technique").
LADDER_APART = ("FASTPATH_STATS", "KPTI", "PCID", "IPC_LIB", "E1000_IN_KERNEL")
LADDER_RPC = (("rpc", "1-client"), ("rpc", "8-clients"))

# Where a profiled function's instructions go, by the first matching name
# prefix.  Profiles stored with --inlined name the function inlined at each
# instruction; others count inlined code in the function it was inlined into.
COST_CLASSES = (
    ("entry and exit", ("syscall_", "resume_user")),
    ("scheduling and switch", ("sched_", "schedule", "switch_to", "context_", "wait_",
                               "block_current", "tq_", "fastpath_switch", "become",
                               "space_activate", "write_cr3", "cpu_set_kernel_stack")),
    ("queue management", ("port_put_msg", "port_get_msg", "port_wait", "call_on")),
    ("reply-port handling", ("reply_", "deliver_commit", "port_put", "call_begin", "own_port")),
    ("buffer copy", ("user_copy", "memcpy", "copy_", "deliver_copy", "fp_clear", "outside_user")),
    ("IPC checks and straight-line paths", ("ipc_", "sync_fastpath", "call_fp", "reply_recv_fp",
                                            "port_fp", "partner_ok", "cap_", "port_lookup",
                                            "send_args", "timeout_check", "thread_frame",
                                            "thread_stack_top")),
)
OTHER_KERNEL = "other kernel functions"
USER_CODE = "user code (the benchmark)"


def cost_class(function: str, kernel: bool) -> str:
    """The COST_CLASSES name of a profiled function (or the user or other row)."""
    if not kernel:
        return USER_CODE
    for name, prefixes in COST_CLASSES:
        if function.startswith(prefixes):
            return name
    return OTHER_KERNEL


def cost_by_class(rows: Iterable) -> dict[str, float]:
    """Instructions per iteration by cost class, from profile rows
    (function, kernel, per_iteration)."""
    found: dict[str, float] = {}
    for row in rows:
        key = cost_class(row.function, row.kernel)
        found[key] = found.get(key, 0.0) + row.per_iteration
    return found


def ladder_step_text(prev: Optional[Preset], preset: Preset) -> str:
    """What a step adds: `DIRECT_SWITCH=y`, or `start` for the first."""
    if prev is None:
        return "start"
    return ", ".join(f"{a}={preset.axes.get(a)}" for a in differing_axes(prev, preset))


@dataclass(frozen=True)
class Ladder:
    """One model's ladder in one run: its presets by headline round trip,
    dearest first, against the base preset."""

    model: str                           # the model's root preset
    steps: tuple                         # ((preset, round trip), ...)
    target: str                          # the base preset
    target_value: Optional[float]
    model_ipc: str = ""                  # their IPC values, for the title
    target_ipc: str = ""
    goal: Optional[float] = None         # LADDER_GOALS of the model's style, if any

    @property
    def title(self) -> str:
        """`From Mach to L4`: the models' styles without `-style`."""
        def short(name: str) -> str:
            style = MODEL_STYLES.get(name, name)
            return style[:-len("-style")] if style.endswith("-style") else style
        return f"From {short(self.model_ipc)} to {short(self.target_ipc)}"


def ladder_members(presets: dict[str, Preset], root: str) -> list[str]:
    """The presets of root's model that differ from it only in IPC designs:
    same IPC, and root's value of every LADDER_APART axis."""
    mine = presets[root].axes
    return [name for name, p in presets.items() if p.axes.get("IPC") == mine.get("IPC")
            and all(p.axes.get(a) == mine.get(a) for a in LADDER_APART)]


def ladders(run: Run, presets: dict[str, Preset], stat: str,
            base: Optional[str] = None) -> list[Ladder]:
    """A ladder per model other than the base preset's, from the presets the run has."""
    order = model_order(model_presets(presets), base)
    if not order or order[0] not in presets:
        return []
    bench, case = HEADLINE
    target = order[0]
    made = []
    for root in order[1:]:
        found = [(value_of(run, name, bench, case, stat), name)
                 for name in ladder_members(presets, root)]
        steps = tuple((n, v) for v, n in sorted(((v, n) for v, n in found if v is not None),
                                                key=lambda vn: (-vn[0], vn[1])))
        if steps:
            made.append(Ladder(root, steps, target, value_of(run, target, bench, case, stat),
                               presets[root].axes.get("IPC", root),
                               presets[target].axes.get("IPC", target),
                               LADDER_GOALS.get(MODEL_STYLES.get(presets[root].axes.get("IPC")))))
    return made


def ladder_rows(ladder: Ladder, run: Run, records: dict, presets: dict[str, Preset],
                stat: str) -> list[list[str]]:
    """One table row per ladder step, then the target."""
    bench, case = HEADLINE
    rows, prev, prev_value = [], None, None
    for name, value in [*ladder.steps, (ladder.target, ladder.target_value)]:
        if value is None:
            continue
        last = name == ladder.target
        step = "target" if last else ladder_step_text(prev, presets[name])
        saving = tables.MISSING if prev_value is None or last else fmt_number(prev_value - value)
        rpc = [fmt_or_missing(value_of(run, name, b, c, stat)) for b, c in LADDER_RPC]
        lines = footprint_value(records, name, bench, case, "lines")
        pages = footprint_value(records, name, bench, case, "pages")
        rows.append([code(name), step, fmt_number(value), saving,
                     fmt_ratio(ratio(value, ladder.target_value)),
                     *rpc, fmt_or_missing(lines), fmt_or_missing(pages)])
        prev, prev_value = presets[name], value
    return rows


def remaining_table(profiles: dict, best: str, target: str) -> list[str]:
    """Best Mach-style preset against the target, by cost class, from profiles."""
    label = " ".join(HEADLINE)
    mine, theirs = profiles.get(best, {}).get(label), profiles.get(target, {}).get(label)
    if not mine or not theirs:
        return ["", f"No stored profile of {code(label)} for both {code(best)} and "
                    f"{code(target)} (`python3 -m harness.profile --config NAME "
                    f"--case {HEADLINE[1]} --inlined --store` makes one)."]
    a, b = cost_by_class(mine), cost_by_class(theirs)
    classes = [name for name, _ in COST_CLASSES] + [OTHER_KERNEL, USER_CODE]
    rows = [[name, fmt_number(a.get(name, 0)), fmt_number(b.get(name, 0)),
             signed(a.get(name, 0) - b.get(name, 0))] for name in classes
            if a.get(name) or b.get(name)]
    rows.append(["total", fmt_number(sum(a.values())), fmt_number(sum(b.values())),
                 signed(sum(a.values()) - sum(b.values()))])
    return ["", f"### What remains between {code(best)} and {code(target)}", "",
            f"Instructions per round trip ({code(label)}) by where they run, from the "
            f"newest stored profile of each preset (`python3 -m harness.profile --inlined "
            f"--store`: "
            f"footprint mode with per-address counts, so it includes the benchmark's "
            f"measuring code, which both presets share).  With `--inlined` each kernel "
            f"instruction counts for the function inlined there; a fast path in assembly "
            f"is one function, its checks, copy and switch together.  Message "
            f"handoff (the partner's frame, its wait ended) counts with reply-port "
            f"handling.", "",
            *md_table(["cost", best, target, "difference"], rows)]


def section_ladder(sources: Sources, presets: dict[str, Preset], stat: str,
                   profiles: Optional[dict] = None, base: Optional[str] = None) -> list[str]:
    """From Mach to L4, for each model against the base preset: each step's
    round trip, RPC and footprint, its saving, the best step against the
    target and the goal, and what remains."""
    run = next((r for r in sources.timing if r.meta.get("mode") == "icount"), None)
    found = ladders(run, presets, stat, base) if run else []
    if not found:
        return ["## From each model to the base preset", "",
                "No icount run with a ladder preset: a preset of a model other than the base "
                "preset's "
                "(`python3 -m harness matrix --configs mach-split,mach,mach-ds,mach-fast,"
                "mach-fast-lazy,l4 --modes icount,footprint` makes one)."]
    records = footprint_records(sources.footprint)
    unit = tables.unit_label(unit_of(run), "icount")
    lines: list[str] = []
    for ladder in found:
        style = MODEL_STYLES.get(ladder.model_ipc, ladder.model_ipc)
        lines += [f"## {ladder.title}", "",
                  f"The {style} presets from the dearest round trip down, each step what the "
                  f"next preset's axes change (configs/*.mk), against {code(ladder.target)}.  "
                  f"Round trip: {code(' '.join(HEADLINE))}, {stat} {unit}; saving: against the "
                  f"step before; RPC: {unit} per call over the whole interval (the inverse of "
                  f"throughput); footprint: cache lines and pages of one round trip, kernel + "
                  f"user.  Runs: {code(sources.name(run))}"
                  + "".join(f", {code(sources.name(r))}" for r in sources.footprint[:1]) + ".",
                  "",
                  *md_table(["preset", "adds", "round trip", "saving", f"× {ladder.target}",
                             *(f"{b} {c}" for b, c in LADDER_RPC), "lines", "pages"],
                            ladder_rows(ladder, run, records, presets, stat), 2)]
        best, best_value = ladder.steps[-1]
        if ladder.target_value:
            reached, goal = best_value / ladder.target_value, ladder.goal
            verdict = (f", the goal being at most {goal:g}× "
                       f"({'met' if reached <= goal else 'not met'})" if goal else "")
            lines += ["", f"Best {style} preset: {code(best)}, {fmt_number(best_value)} "
                          f"against {fmt_number(ladder.target_value)} {unit} for "
                          f"{code(ladder.target)}: {fmt_ratio(reached)}{verdict}."]
            lines += remaining_table(profiles or {}, best, ladder.target)
        lines.append("")
    return lines[:-1]


# --- The whole report --------------------------------------------------------------------

def build_report(sources: Sources, presets: dict[str, Preset], stat: str = "median",
                 sizes: Optional[Sizes] = None, profiles: Optional[dict] = None) -> str:
    """The text of results/REPORT.md (sizes: preset_sizes, if counted; profiles:
    harness.profile.newest_profiles, for the attribution of each ladder)."""
    models = model_presets(presets)
    parts = [["# ipclab: comparison report", "",
              "Generated by `python3 -m harness compare` (`make report`) from the runs listed "
              "below; do not edit by hand.  Unit per mode: icount and footprint count guest "
              "instructions, kvm and iso-real TSC ticks, host runs TSC ticks or cycles."],
             section_summary(sources, presets, stat), section_runs(sources),
             section_models(sources, models, presets, stat), section_faults(sources, models, stat),
             section_sizes(sources, size_models(presets), stat),
             section_ladder(sources, presets, stat, profiles),
             section_async_on_sync(sources, models, presets, stat),
             section_techniques(sources, presets, stat), section_measurements(sources, stat),
             section_model_real(sources), section_footprint(sources),
             section_baselines(sources, stat),
             section_drivers(sources), section_size(sizes),
             section_paper(sources, presets, stat)]
    return "\n".join(line for part in parts for line in ["", *part]).lstrip("\n") + "\n"


def write_report(path: Path, text: str) -> None:
    """Write the report, replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)
