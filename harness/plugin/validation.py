"""The cycle model's tables in docs/cycles.md, written from stored runs.

    python3 -m harness.plugin.validation            print the tables
    python3 -m harness.plugin.validation --write    replace them in docs/cycles.md

It reads the newest stored cycles run of each profile (results/runs/*-cycles.json),
the newest stored Linux-guest cycles run of each profile (*-linux-cycles.json,
`python3 -m harness.linuxguest --mode cycles --mitigations all`) and the profiles
themselves, and writes three tables between the markers `<!-- cycles:begin -->`
and `<!-- cycles:end -->`: l4 against mach per profile (instructions, model
cycles warm and cold), Linux's null system calls per mitigation setting, and the
model beside published figures, each with its source and the model's error.
Nothing in them is typed by hand but the published figures below, each with
where it was published.  Below them, the model beside real cycles: every stored
pair of a cycles run and a real-cycle run (kvm with hardware virtualization, an
ingested real PC's log) of the same commit, as the report's "Model against real
cycles" sets them, or a line saying that no pair is stored yet.
"""

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from harness import report, runs
from harness.tables import model_label
from harness.plugin import cycles
from harness.runs import Run

DOC = Path("docs/cycles.md")
BEGIN, END = "<!-- cycles:begin -->", "<!-- cycles:end -->"

# The cases the tables show: (bench, case).
HEADLINE = (("null_syscall", "null"), ("space_switch", "syscall+2switches"),
            ("pingpong", "roundtrip/same-space/0B"), ("pingpong", "roundtrip/other-space/0B"),
            ("pingpong", "oneway-call/other-space/0B"))

# The Linux guest's stored mode and its null system calls (harness/linuxguest.py).
LINUX_MODE = "linux-cycles"
LINUX_BENCH = "null_syscall"
LINUX_SETTINGS = ("off", "default", "pti")

Lookup = Callable[[Optional[Run], dict], Optional[float]]


@dataclass(frozen=True)
class Published:
    """A published figure and how to get the model's counterpart."""

    what: str
    profile: str
    value: float
    source: str
    model: Lookup
    how: str              # where the model's figure comes from: profile, run, linux (cr3
                          # flush), linux-keep (the plugin's cr3=keep: PCID)
    short: str = ""       # its name in the error line (whole-path figures on this CPU)


def result_of(run: Optional[Run], preset: str, bench: str, case: str) -> Optional[dict]:
    """One result of a run, or None."""
    for result in (run.results if run else ()):
        if (result.get("variant"), result.get("bench"), result.get("case")) == (preset, bench,
                                                                                 case):
            return result
    return None


def warm(preset: str, bench: str, case: str) -> Lookup:
    """The model's warm median of one case."""
    def lookup(run: Optional[Run], _profile: dict) -> Optional[float]:
        result = result_of(run, preset, bench, case)
        return result.get("model_cycles_warm") if result else None
    return lookup


def linux_warm(mitigations: str, case: str) -> Lookup:
    """The model's warm median of one of the Linux guest's null system calls."""
    return warm(f"linux-mitigations-{mitigations}", LINUX_BENCH, case)


def latency(key: str) -> Lookup:
    """A latency from the profile: a load that hits there costs exactly it in the model."""
    def lookup(_run: Optional[Run], profile: dict) -> Optional[float]:
        return profile.get(key)
    return lookup


SDM_OPT = ("Intel 64 and IA-32 Architectures Optimization Reference Manual, Skylake client "
           "cache parameters")
SEVEN_CPU_ZEN2 = "7-cpu.com, AMD Zen2 (3800X)"
L4RE = ("l4re.org/performance.html: L4Re microkernel on a Xeon Platinum 8352S (Ice Lake-SP), "
        "clocks unhalted; another kernel on another CPU")
OTC = ("Kurt Garloff, \"KPTI/IBRS/Retpoline Microbenchmarks\" (Open Telekom Cloud, January "
       "2018; imagefactory.otc.t-systems.com/Blog-Review/SpecExLeak/Benchmarks), old results: "
       "getppid() cycles, Linux 4.4 in a KVM guest, Xeon Gold 6161 (Skylake-SP), no IBRS")

PUBLISHED = (
    Published("L1D load-to-use latency", "skylake", 4, SDM_OPT, latency("l1d.latency"),
              "profile"),
    Published("L2 load latency", "skylake", 12, SDM_OPT, latency("l2.latency"), "profile"),
    Published("L3 load latency", "skylake", 44, SDM_OPT, latency("l3.latency"), "profile"),
    Published("L1D load-to-use latency", "zen2", 4, SEVEN_CPU_ZEN2, latency("l1d.latency"),
              "profile"),
    Published("L2 load latency", "zen2", 12, SEVEN_CPU_ZEN2, latency("l2.latency"), "profile"),
    Published("L3 load latency", "zen2", 39, SEVEN_CPU_ZEN2, latency("l3.latency"), "profile"),
    Published("null system call (L4Re: 160; l4's null_syscall, warm)", "skylake", 160, L4RE,
              warm("l4", "null_syscall", "null"), "run"),
    Published("one IPC between two spaces (L4Re inter: 1128; l4's one-way call, warm)",
              "skylake", 1128, L4RE, warm("l4", "pingpong", "oneway-call/other-space/0B"),
              "run"),
    Published("one IPC within a space (L4Re intra: 649; l4's one-way call, warm)", "skylake",
              649, L4RE, warm("l4", "pingpong", "oneway-call/same-space/0B"), "run"),
    Published("Linux getppid, mitigations=off (published: nopti)", "skylake", 120, OTC,
              linux_warm("off", "getppid"), "linux", "mitigations=off"),
    Published("Linux getppid, kernel's default (no KPTI under TCG, retpolines; published: "
              "nopti, no retpolines)", "skylake", 120, OTC, linux_warm("default", "getppid"),
              "linux", "kernel's default"),
    Published("Linux getppid, KPTI without PCID (pti=on; published: pti=auto nopcid)",
              "skylake", 1150, OTC, linux_warm("pti", "getppid"), "linux",
              "KPTI without PCID"),
    Published("Linux getppid, KPTI with PCID (published: pti=auto; QEMU's CPU has no PCID, "
              "so the model keeps the TLB across CR3 writes instead: cr3=keep)", "skylake",
              520, OTC, linux_warm("pti", "getppid"), "linux-keep",
              "KPTI with PCID (cr3=keep)"),
)


def read_profile(root: Path, name: str) -> dict:
    """A profile's numbers by key (the plugin checks the file; this only reads it)."""
    found = {}
    for line in (root / cycles.PROFILES / f"{name}.conf").read_text().splitlines():
        key, _, value = line.split("#")[0].partition("=")
        if value.strip():
            found[key.strip()] = float(value)
    return found


def newest_linux_runs(root: Path, cr3: str = "flush") -> dict[str, tuple[Path, Run]]:
    """The newest stored Linux-guest cycles run of each profile whose plugin treated CR3
    writes so (flush: as the guest's CPU without PCID does; keep: as with PCID)."""
    found: dict[str, tuple[Path, Run]] = {}
    for path in reversed(runs.stored_runs(root, LINUX_MODE)):
        run = runs.load_run(path)
        profiles = {r.get("model_profile") for r in run.results} - {None}
        if len(profiles) == 1 and run.meta.get("model_cr3", "flush") == cr3:
            found.setdefault(profiles.pop(), (path, run))
    return found


def newest_cycles_runs(root: Path) -> dict[str, tuple[Path, Run]]:
    """The newest stored cycles run of each profile that has l4 and mach."""
    found: dict[str, tuple[Path, Run]] = {}
    for path in reversed(runs.stored_runs(root, "cycles")):
        run = runs.load_run(path)
        profiles = {r.get("model_profile") for r in run.results} - {None}
        if len(profiles) == 1 and {"l4", "mach"} <= set(run.variants()):
            found.setdefault(profiles.pop(), (path, run))
    return found


def fmt(value: Optional[float]) -> str:
    """A figure as a cell."""
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def pair_table(name: str, path: Path, run: Run) -> list[str]:
    """l4 against mach in one run: instructions and model cycles warm and cold."""
    marked = [r for r in run.results if r.get("variant") in ("l4", "mach")
              and "model_cycles_warm" in r]
    label = model_label(marked) if marked else f"model cycles (profile {name})"
    lines = [f"{label[0].upper()}{label[1:]}, from `{path.name}` (commit "
             f"{str(run.meta.get('commit', '?'))[:12]}, mode cycles); instructions are the "
             f"guest's median, model cycles the median over the marked region's occurrences.",
             "", "| case | l4 instructions | l4 warm | l4 cold | mach instructions | mach warm "
                 "| mach cold |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for bench, case in HEADLINE:
        cells = []
        for preset in ("l4", "mach"):
            r = result_of(run, preset, bench, case) or {}
            cells += [fmt(r.get("median")), fmt(r.get("model_cycles_warm")),
                      fmt(r.get("model_cycles_cold"))]
        lines.append(f"| {bench} {case} | " + " | ".join(cells) + " |")
    return lines


def linux_table(name: str, path: Path, run: Run) -> list[str]:
    """Linux's null system calls per mitigation setting: what the kernel did about Meltdown,
    instructions and model cycles warm and cold."""
    lines = [f"Linux's null system calls in model cycles (profile {name}, plugin option "
             f"cr3={run.meta.get('model_cr3', 'flush')}), from `{path.name}` "
             f"(kernel {run.meta.get('kernel_release', '?')}, commit "
             f"{str(run.meta.get('commit', '?'))[:12]}, mode {LINUX_MODE}); each sample one "
             f"syscall() between the region markers, after a warm-up; meltdown is what the "
             f"guest's kernel said of it (sysfs), kpti whether the kernel ran with KPTI "
             f"(its cpuinfo flag pti), pcid whether QEMU's CPU has PCID.", "",
             "| setting | meltdown | kpti | pcid | case | instructions | warm | cold |",
             "| --- | --- | --- | --- | --- | ---: | ---: | ---: |"]
    for setting in LINUX_SETTINGS:
        for r in run.results:
            if r.get("variant") != f"linux-mitigations-{setting}" or r.get("bench") != LINUX_BENCH:
                continue
            pti, pcid = ({True: "yes", False: "no"}.get(r.get(k), "-") for k in ("pti", "pcid"))
            lines.append(f"| {setting} | {r.get('meltdown', '-')} | {pti} | {pcid} | {r['case']} | "
                         f"{fmt(r.get('median'))} | {fmt(r.get('model_cycles_warm'))} | "
                         f"{fmt(r.get('model_cycles_cold'))} |")
    return lines


def model_source(item: Published, run: Optional[Run], path: Optional[Path]) -> str:
    """Where a row's model figure comes from, as a cell."""
    if item.how == "profile":
        return "the profile (by construction)"
    return f"run {path.name}" if run and path else "no stored run"


def validation_table(root: Path, found: dict[str, tuple[Path, Run]],
                     linux: Optional[dict[str, tuple[Path, Run]]] = None,
                     linux_keep: Optional[dict[str, tuple[Path, Run]]] = None) -> list[str]:
    """The model beside published figures, with the error in percent; linux and linux_keep
    are the Linux guest's runs with the plugin's cr3=flush and cr3=keep."""
    lines = ["| figure | profile | published (cycles) | model (cycles) | error | model from "
             "| source |", "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    sources = {"linux": linux or {}, "linux-keep": linux_keep or {}}
    for item in PUBLISHED:
        path, run = sources.get(item.how, found).get(item.profile, (None, None))
        value = item.model(run, read_profile(root, item.profile))
        error = error_of(item, value)
        error = "-" if error is None else f"{error:+.0f} %"
        lines.append(f"| {item.what} | {item.profile} | {fmt(item.value)} | {fmt(value)} | "
                     f"{error} | {model_source(item, run, path)} | {item.source} |")
    return lines


def real_tables(root: Path) -> list[str]:
    """The model beside real cycles of the same commit, for every stored pair, or
    one line saying that none is stored and how to make one."""
    stored = report.stored_runs(root)
    pairs = report.model_real_pairs([run for _, run in stored])
    if not pairs:
        return ["Against real cycles: no stored pair yet of a cycles run and a real-cycle "
                "run of the same commit, so the model's error on ipclab's own paths is not "
                f"measured; {report.HOW_TO_PAIR}."]
    named = report.Sources(names={id(run): path.name for path, run in stored})
    return ["Against real cycles, every stored pair of the same commit "
            "(`python3 -m harness compare` sets the same in its report):",
            *(line for pair in pairs for line in ["", *report.model_real_table(pair, named)])]


def error_of(item: Published, value: Optional[float]) -> Optional[float]:
    """The model's error against a published figure, in percent; None without a figure."""
    return None if value is None else (value - item.value) * 100 / item.value


def error_line(root: Path, linux: dict[str, tuple[Path, Run]],
               linux_keep: dict[str, tuple[Path, Run]], goal: float = 25) -> list[str]:
    """One sentence: the model's error on each published whole-path figure of Linux's null
    system call, and how many are within the goal (docs/cycles.md, Known error)."""
    sources = {"linux": linux, "linux-keep": linux_keep}
    said, within = [], 0
    for item in PUBLISHED:
        if item.how not in sources:
            continue
        run = sources[item.how].get(item.profile, (None, None))[1]
        error = error_of(item, item.model(run, read_profile(root, item.profile)))
        said.append(f"{item.short} {'-' if error is None else f'{error:+.0f} %'}")
        within += error is not None and abs(error) <= goal
    return [f"Model error on Linux's null system call (getppid, warm, against the published "
            f"Skylake-SP figures above): {'; '.join(said)}; within +/-{goal:g} %: {within} of "
            f"{len(said)}."]


def tables(root: Path) -> list[str]:
    """Everything between the markers."""
    found = newest_cycles_runs(root)
    lines: list[str] = []
    for name in sorted(found):
        lines += pair_table(name, *found[name]) + [""]
    if not found:
        lines += ["(no stored cycles run with l4 and mach: `python3 -m harness matrix "
                  "--configs l4,mach --modes cycles` makes one)", ""]
    linux, keep = newest_linux_runs(root), newest_linux_runs(root, "keep")
    for name in sorted(linux):
        lines += linux_table(name, *linux[name]) + [""]
    for name in sorted(keep):
        lines += linux_table(name, *keep[name]) + [""]
    if not linux:
        lines += ["(no stored Linux-guest cycles run: `python3 -m harness.linuxguest --mode "
                  "cycles --mitigations all` makes one)", ""]
    return (lines + validation_table(root, found, linux, keep) + [""]
            + error_line(root, linux, keep) + [""] + real_tables(root))


def replace_between(text: str, body: list[str]) -> str:
    """text with the part between the markers replaced; ValueError without them."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{DOC} has no {BEGIN} ... {END}")
    return pattern.sub(lambda _: "\n".join([BEGIN, *body, END]), text)


def main(argv: Optional[list[str]] = None) -> int:
    """Print the tables, or write them into docs/cycles.md."""
    parser = argparse.ArgumentParser(prog="python3 -m harness.plugin.validation",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="the top of the tree")
    parser.add_argument("--write", action="store_true", help=f"replace the tables in {DOC}")
    args = parser.parse_args(argv)
    root = Path(args.root)
    try:
        body = tables(root)
        if args.write:
            doc = root / DOC
            doc.write_text(replace_between(doc.read_text(), body))
            print(f"validation: wrote the tables into {DOC}")
        else:
            print("\n".join(body))
    except (OSError, ValueError, runs.RunError) as err:
        print(f"validation: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
