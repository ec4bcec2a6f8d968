"""The footprint plugin from the harness's side: QEMU options and the log lines.

The plugin (harness/plugin/footprint.c, built by `make plugin` into
build/plugin/footprint.so) counts what the guest executes between a begin
marker `nopl 0x49500000+ID(%rax)` and an end marker `nopl 0x49510000+ID(%rax)`.
At exit it writes one line per region ID into QEMU's log:

    @@ipclab-footprint {json} @@end

    {"region": ID, "occurrences": n, "unmatched": u, "unclosed": c,
     "kernel": {"instructions", "loads", "stores", "lines", "fetch_lines",
                "data_lines", "pages", "per_occurrence": {"instructions",
                "loads", "stores"}},
     "user": {the same},
     "last": {"kernel_lines", "user_lines", "kernel_pages", "user_pages",
              "kernel_instructions", "user_instructions"}}

Instructions, loads and stores are totals over all occurrences, split by the
address of the instruction; lines (64 bytes) and pages (4 KiB) are distinct
counts over the union of all occurrences, split by their own address (kernel:
>= 0xffff800000000000); "lines" is the union of fetched and data lines, and
"pages" the pages of those lines.
"last" is the last occurrence alone.  "unmatched" counts end markers without a
begin, "unclosed" begins without an end.  The markers are not counted.
"""

import json
import re
from pathlib import Path
from typing import Union

PLUGIN = Path("build/plugin/footprint.so")   # relative to the top of the tree

LINE_BEGIN = "@@ipclab-footprint "
LINE_END = " @@end"
_LINE = re.compile(re.escape(LINE_BEGIN) + r"(.*?)" + re.escape(LINE_END) + r"\s*$")

PathLike = Union[str, Path]


def plugin_args(plugin_path: PathLike, log_path: PathLike, options=()) -> list[str]:
    """The QEMU options that load a plugin (ours: this one or the cycle model)
    with options (`key=value`, commas in them escaped) and send its output to
    log_path.

    The plugin writes through QEMU's log, so this sets `-d plugin -D log_path`;
    QEMU keeps only the last -d and -D, so a caller that needs other log items
    must merge them into this -d.  Relative paths are taken from QEMU's
    working directory.
    """
    plugin = str(plugin_path)
    if "/" not in plugin:
        plugin = "./" + plugin          # else the dynamic loader searches its path
    log = str(log_path)
    if "%" in log:
        raise ValueError(f"QEMU's -D treats '%' specially; pick another log path: {log!r}")
    spec = ",".join(option.replace(",", ",,") for option in ["file=" + plugin, *options])
    return ["-plugin", spec, "-d", "plugin", "-D", log]


def qemu_args(plugin_path: PathLike, log_path: PathLike, profile: bool = False) -> list[str]:
    """plugin_args for this plugin; profile turns on the per-address counts
    (see parse_profile)."""
    return plugin_args(plugin_path, log_path, ["profile=on"] if profile else [])


def parse(text: str) -> dict[int, dict]:
    """The footprint lines of a QEMU log, by region ID.

    Other log lines are skipped.  A footprint line that is not well formed, or
    a second line for the same region, raises ValueError.
    """
    regions: dict[int, dict] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if LINE_BEGIN.strip() not in line:
            continue
        match = _LINE.search(line)
        if not match:
            raise ValueError(f"log line {number}: malformed footprint line: {line!r}")
        try:
            record = json.loads(match.group(1))
        except json.JSONDecodeError as err:
            raise ValueError(f"log line {number}: bad footprint JSON: {err}") from None
        region = record.get("region") if isinstance(record, dict) else None
        if not isinstance(region, int) or isinstance(region, bool) or not 0 <= region <= 0xffff:
            raise ValueError(f"log line {number}: footprint line without a region ID 0..0xffff")
        if region in regions:
            raise ValueError(f"log line {number}: a second footprint line for region {region}")
        regions[region] = record
    return regions


PROFILE_BEGIN = "@@ipclab-profile "
_PROFILE = re.compile(re.escape(PROFILE_BEGIN) + r"(.*?)" + re.escape(LINE_END) + r"\s*$")


def parse_profile(text: str) -> dict[int, dict[int, int]]:
    """The profile lines of a QEMU log (plugin option profile=on): for each
    region ID, the instructions executed at each address while it was open.

        @@ipclab-profile {"region": ID, "pcs": [["<hex address>", count], ...]} @@end

    Other lines are skipped; a malformed profile line raises ValueError.
    """
    profiles: dict[int, dict[int, int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if PROFILE_BEGIN.strip() not in line:
            continue
        match = _PROFILE.search(line)
        try:
            record = json.loads(match.group(1)) if match else None
            region, pcs = record["region"], record["pcs"]
            counts = {int(pc, 16): count for pc, count in pcs}
            if (not isinstance(region, int) or isinstance(region, bool) or region in profiles
                    or not all(isinstance(c, int) and c > 0 for c in counts.values())):
                raise ValueError
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ValueError(f"log line {number}: malformed profile line: {line[:120]!r}") from None
        profiles[region] = counts
    return profiles
