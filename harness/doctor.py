"""`python3 -m harness doctor`: what this host can run, and why not.

It prints the QEMU the harness would run (path and version), that QEMU's
TCG plugin API level, the kind of KVM the host has, and for each mode
(icount, tcg, footprint, kvm, iso) whether this host can run it, with a
one-line reason when not.  doctor_lines() is pure: the unit tests give it
made-up hosts.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from harness import qemu

# What footprint mode builds the plugin with, and what the ISO is made with.
PLUGIN_TOOLS = ("cc",)
ISO_TOOLS = ("grub-mkrescue", "xorriso", "mformat")
ISO_PACKAGES = "grub-pc-bin grub-common xorriso mtools"
PLUGIN_API_FILE = Path("build/plugin/qemu-api")   # written by plugin.mk


@dataclass(frozen=True)
class Host:
    """What doctor looks at."""

    facts: qemu.HostFacts
    qemu: str                        # the program asked for (--qemu)
    qemu_problem: Optional[str]      # why it cannot run, or None
    version: Optional[str]           # the first line of its --version
    have: Callable[[str], bool]      # whether a tool is in PATH
    plugin_built_for: Optional[int]  # the API level of the plugins built, None if not built


def kvm_kind(facts: qemu.HostFacts) -> str:
    """Real VT-x / AMD-V, a software nested hypervisor (kvm_pvm), or absent."""
    flags = qemu.cpu_flags(facts.cpuinfo)
    if not facts.dev_kvm:
        return "absent (no /dev/kvm)"
    if "vmx" in flags:
        return "hardware: Intel VT-x (vmx)"
    if "svm" in flags:
        return "hardware: AMD-V (svm)"
    if "kvm_pvm" in facts.kernel_modules:
        return "software: kvm_pvm, a nested hypervisor without vmx/svm"
    return "software: /dev/kvm without vmx/svm (a nested hypervisor)"


def plugin_line(host: Host) -> tuple[str, Optional[str]]:
    """The plugin API line, and why footprint mode cannot run (None: it can)."""
    level, about = qemu.plugin_api(qemu.release_of(host.version))
    if level is None:
        return f"none: {about}", about
    line = f"{level} ({about})"
    missing = qemu.plugin_api_missing(level)
    if missing:
        line += f"; {missing}"
    tools = [tool for tool in PLUGIN_TOOLS if not host.have(tool)]
    if tools:
        return line, f"no C compiler ({', '.join(tools)}) to build the plugin: apt-get install gcc"
    return line, None


def built_line(host: Host, level: Optional[int]) -> str:
    """Whether the plugins in build/plugin/ fit this QEMU."""
    if host.plugin_built_for is None:
        return "not built (make plugin, or any footprint boot, builds them)"
    if level is not None and host.plugin_built_for != level:
        return (f"built for API {host.plugin_built_for}, not this QEMU's {level}: a footprint "
                f"boot rebuilds them (make plugin QEMU={host.qemu})")
    return f"built for API {host.plugin_built_for}"


def mode_reasons(host: Host, footprint_problem: Optional[str]) -> dict[str, Optional[str]]:
    """Each mode, with why this host cannot run it (None: it can)."""
    if host.qemu_problem:
        return {mode: host.qemu_problem for mode in ("icount", "tcg", "footprint", "kvm", "iso")}
    kvm = qemu.kvm_check(host.facts)
    missing_iso = [tool for tool in ISO_TOOLS if not host.have(tool)]
    return {"icount": None, "tcg": None, "footprint": footprint_problem,
            "kvm": None if kvm.usable else f"{kvm.reason} (--mode kvm falls back to icount)",
            "iso": (f"{', '.join(missing_iso)} not found: apt-get install {ISO_PACKAGES}"
                    if missing_iso else None)}


def doctor_lines(host: Host) -> list[str]:
    """What doctor prints."""
    level, _ = qemu.plugin_api(qemu.release_of(host.version))
    api, footprint_problem = plugin_line(host)
    lines = [f"qemu:        {host.qemu}: {host.qemu_problem or host.version or 'no version'}",
             f"plugin api:  {api}",
             f"plugins:     {built_line(host, level)}",
             f"kvm:         {kvm_kind(host.facts)}",
             "modes:"]
    for mode, reason in mode_reasons(host, footprint_problem).items():
        lines.append(f"  {mode:<10} {'yes' if reason is None else 'no: ' + reason}")
    return lines


def read_built_level(root: Path) -> Optional[int]:
    """The plugin API level build/plugin/ was built for, None if unknown."""
    try:
        return int((root / PLUGIN_API_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def this_host(root: Path, program: str) -> Host:
    """This host, for the QEMU program."""
    problem = qemu.qemu_problem(program)
    version = None if problem else qemu.qemu_version(program)
    return Host(qemu.host_facts(), program, problem, version,
                lambda tool: shutil.which(tool) is not None, read_built_level(root))
