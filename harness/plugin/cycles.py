"""The cycles plugin from the harness's side: profiles, QEMU options, log lines.

The plugin (harness/plugin/cycles.c, built by `make plugin` into
build/plugin/cycles.so) estimates the cycles of every occurrence of each
footprint region (the same begin/end marker NOPs) with a model of one CPU,
read from a profile file harness/plugin/profiles/<name>.conf.  At exit it
writes one line per region ID into QEMU's log:

    @@ipclab-cycles {"region": ID, "profile": "skylake", "cr3": "keep" or "flush",
      "global": "on" or "off", "occurrences": n,
      "unmatched": u, "unclosed": c,
      "instructions": {"median", "min", "max"},     per occurrence
      "warm": {"median", "min", "max"},             model cycles per occurrence
      "cold": {"median", "min", "max"},             the same, caches and TLBs
                                                    emptied at each begin
      "warm_parts": {"instructions", "data", "fetch", "tlb"},   mean cycles per
      "cold_parts": {...}}                          occurrence by where they went
    @@end

Every figure is "model cycles (profile <name>, ...)", never a measurement.

What a CR3 write does to the model's TLBs is chosen per preset (tlb_options):
the kernel keeps each space's entries (cr3=keep, with PCID's no-flush bit)
when its PCID axis is y and the profile's CPU has PCID (`pcid = 1`), as it
would on that CPU; else every CR3 write empties the non-global entries.
With KPTI the kernel maps no global pages (arch/x86_64/mmu.c), so then
global=off.  QEMU's own CPU has no PCID under TCG: the kernel ran its no-PCID
path, and the model stands in for what the PCID path would have kept
(docs/cycles.md says what that leaves out).
"""

import json
import re
from pathlib import Path
from typing import Union

from harness.plugin import footprint

PLUGIN = Path("build/plugin/cycles.so")            # relative to the top of the tree
PROFILES = Path("harness/plugin/profiles")
DEFAULT_PROFILE = "skylake"

LINE_BEGIN = "@@ipclab-cycles "
LINE_END = " @@end"
_LINE = re.compile(re.escape(LINE_BEGIN) + r"(.*?)" + re.escape(LINE_END) + r"\s*$")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")

PathLike = Union[str, Path]


def profiles(root: Path) -> list[str]:
    """The names of the profiles in the tree, sorted."""
    return sorted(p.stem for p in (root / PROFILES).glob("*.conf"))


def profile_path(root: Path, name: str) -> Path:
    """The profile file of a name, relative to the tree; ValueError (one line) if none."""
    known = profiles(root)
    if not _NAME.fullmatch(name) or name not in known:
        raise ValueError(f"unknown CPU profile {name!r}; known: {', '.join(known) or 'none'}")
    return PROFILES / f"{name}.conf"


# The real CPUs each profile models, told by their brand string (CPUID's, as a
# kvm run records the host's and an ingested log the PC's): the family's name
# and a pattern.  A brand no pattern matches counts as another family, so a
# missing pattern only makes a comparison be called indicative.
PROFILE_CPUS = {
    "skylake": ("Skylake client: Core i3/i5/i7/i9 6000 to 9000 and 10000 (Comet Lake), "
                "Xeon E3 v5/v6 and E-2100/2200",
                re.compile(r"Intel.*(\bi[3579]-([6-9]\d{3}|10\d{3})(?!G)|E3-12\d\d v[56]"
                           r"|\bE-2[12]\d\d)")),
    "zen2": ("Zen 2: Ryzen 3000 desktop (not G), Ryzen 4000, Threadripper 3000, EPYC 7002",
             re.compile(r"AMD (Ryzen \d (PRO )?(3\d{3}(?![GUH\d])|4\d{3})"
                        r"|Ryzen Threadripper (PRO )?3\d{3}|EPYC 7\d\d2)")),
}


def profile_family(profile: str) -> str:
    """The CPU family a profile models, in words; the profile's name if unknown."""
    return PROFILE_CPUS.get(profile, (profile, None))[0]


def models_cpu(profile: str, brand: str) -> bool:
    """Whether a real CPU (its brand string) is of the family the profile models."""
    pattern = PROFILE_CPUS.get(profile, (None, None))[1]
    return bool(pattern and pattern.search(brand or ""))


def label(profile: str) -> str:
    """How every figure of the model is named."""
    return f"model cycles (profile {profile})"


def cpu_has_pcid(root: Path, profile_file: PathLike) -> bool:
    """The profile's `pcid` key (relative to root): whether its CPU has PCID;
    ValueError (one line) if the key is missing or not 0 or 1."""
    path = root / profile_file
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.split("#")[0].partition("=")
        if key.strip() == "pcid":
            if value.strip() not in ("0", "1"):
                raise ValueError(f"{profile_file}: pcid must be 0 or 1, not {value.strip()!r}")
            return value.strip() == "1"
    raise ValueError(f"{profile_file}: no pcid key (1 if the CPU has PCID, else 0)")


def tlb_options(axes: dict, has_pcid: bool) -> dict[str, str]:
    """The plugin's cr3= and global= for a kernel built with these axes on a CPU
    with or without PCID: keep where the kernel would set the no-flush bit (PCID=y
    on a CPU with PCID), global off where it maps no global pages (KPTI).
    ValueError if the axes lack PCID or KPTI."""
    missing = [axis for axis in ("PCID", "KPTI") if axis not in axes]
    if missing:
        raise ValueError(f"the kernel's axes name no {' or '.join(missing)}")
    return {"cr3": "keep" if axes["PCID"] == "y" and has_pcid else "flush",
            "global": "off" if axes["KPTI"] == "kpti" else "on"}


def qemu_args(plugin_path: PathLike, profile_file: PathLike, log_path: PathLike,
              cr3: str = "flush", global_pages: str = "on") -> list[str]:
    """The QEMU options that load the plugin with a profile and send its output
    to log_path (`-d plugin -D log_path`, as the footprint plugin's).
    cr3: flush (a CR3 write empties the non-global TLB entries) or keep (PCID);
    global_pages: on (kernel-half entries are global) or off."""
    if cr3 not in ("flush", "keep"):
        raise ValueError(f"cr3 must be flush or keep, not {cr3!r}")
    if global_pages not in ("on", "off"):
        raise ValueError(f"global must be on or off, not {global_pages!r}")
    return footprint.plugin_args(plugin_path, log_path, [f"cpu={profile_file}", f"cr3={cr3}",
                                                         f"global={global_pages}"])


def parse(text: str) -> dict[int, dict]:
    """The cycles lines of a QEMU log, by region ID; ValueError if one is malformed
    or a region has two lines."""
    regions: dict[int, dict] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if LINE_BEGIN.strip() not in line:
            continue
        match = _LINE.search(line)
        try:
            record = json.loads(match.group(1)) if match else None
            region = record["region"]
            ok = (isinstance(region, int) and not isinstance(region, bool)
                  and 0 <= region <= 0xffff and region not in regions
                  and all(isinstance(record[k]["median"], int) for k in ("warm", "cold")))
        except (ValueError, TypeError, KeyError):
            ok = False
        if not ok:
            raise ValueError(f"log line {number}: malformed cycles line: {line[:120]!r}")
        regions[region] = record
    return regions


# A region line's cr3 as a result's model_pcid.
MODEL_PCID = {"keep": "kept", "flush": "flushed"}


# The region of the guest's measuring nothing (bench/target/main.c,
# footprint_overhead): two TSC reads and the markers' own calls.
OVERHEAD_LABEL = "overhead measuring"


def attach(results: list[dict], regions: dict[str, dict]) -> list[dict]:
    """The results, each with the model's medians of its case's region (found by
    the region's "label", `bench case`) as model_cycles_warm and _cold, less
    those of the overhead region (OVERHEAD_LABEL, kept as model_overhead_warm
    and _cold), as a result's instructions are less its overhead; the profile
    as model_profile, and what the model did with a CR3 write as model_pcid
    ("kept" or "flushed", from the plugin's own line).  Results without a
    region are left as they are."""
    by_label = {r["label"]: r for r in regions.values() if "label" in r}
    overhead = by_label.get(OVERHEAD_LABEL)
    less = {k: overhead[k]["median"] if overhead else 0 for k in ("warm", "cold")}
    out = []
    for result in results:
        region = by_label.get(f"{result.get('bench')} {result.get('case')}")
        if region:
            result = {**result,
                      "model_cycles_warm": max(0, region["warm"]["median"] - less["warm"]),
                      "model_cycles_cold": max(0, region["cold"]["median"] - less["cold"]),
                      "model_profile": region["profile"]}
            if overhead:
                result["model_overhead_warm"] = less["warm"]
                result["model_overhead_cold"] = less["cold"]
            if region.get("cr3") in MODEL_PCID:
                result["model_pcid"] = MODEL_PCID[region["cr3"]]
        out.append(result)
    return out
