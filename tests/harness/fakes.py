"""A fake ipclab tree and a fake QEMU, for testing boots without a kernel.

The fake QEMU behaves as its kernel arguments say (`fake=hang`, `fake=fail`,
...) and prints the real markers from include/ipclab/result.h.  With
`run=bench` it prints the results of BENCH_TABLE (doubled for mach presets);
with `serve=crashy`, what root and rpcload print in harness.supervise's boots;
with the kernel arguments of a harness.badargs case (on l4), the lines it expects;
given `-plugin ... -D <file>` it writes FOOTPRINT to file as the plugin does.
"""

import json
import shutil
import stat
import sys
from pathlib import Path

from harness import badargs, hostile, qemu
from harness.serial import RESULT_HEADER, load_markers

TREE = Path(__file__).resolve().parents[2]
MARKERS = load_markers(TREE)

FAKE_QEMU = r'''#!{python}
"""A stand-in for qemu-system-x86_64, steered by `fake=` kernel arguments."""
import json, sys, time

BANNER, TEST = {banner!r}, {test!r}
RESULT_BEGIN, RESULT_END = {result_begin!r}, {result_end!r}
REFUSALS = {refusals!r}      # what the kernel says of harness.hostile's modules
BADARGS = {badargs!r}        # harness.badargs: -append -> (lines, passes)
ROOT_SAYS = {root_says!r}     # ... and root, after its name: "cannot start: " + this

FOOTPRINT = {footprint!r}
CYCLES = {cycles!r}
argv = sys.argv[1:]
if "--version" in argv:
    print("QEMU emulator version 7.2.99 (fake)")
    sys.exit(0)
args = argv[argv.index("-append") + 1].split() if "-append" in argv else ["iso"]
if "type=11,value=ipclab-boot=netbench" in argv:     # the ISO's e1000 entry
    args.append("test=e1000_user_bad_input")
with open("qemu-argv.json", "w") as f:
    json.dump(argv, f)

def say(text):
    print(text + "\r", flush=True)

if "-plugin" in argv:
    with open(argv[argv.index("-D") + 1], "w") as f:
        if "cycles.so" in argv[argv.index("-plugin") + 1]:
            f.write("@@ipclab-cycles " + json.dumps(CYCLES) + " @@end\n")
        else:
            f.write("@@ipclab-footprint " + json.dumps(FOOTPRINT) + " @@end\n")

if "fake=qemu-error" in args:
    print("qemu-system-x86_64: could not load kernel 'x'", file=sys.stderr)
    sys.exit(1)
def banner():
    """`fake (x86_64)`, or `<config> (<axes>)` with the axes the test wrote to
    build/<config>/fake-axes: a build made with other axes than its preset's."""
    if "-kernel" not in argv:
        return "fake (x86_64)"
    config = argv[argv.index("-kernel") + 1].split("/")[1]
    try:
        with open(f"build/{{config}}/fake-axes") as f:
            return f"{{config}} ({{f.read().strip()}})"
    except OSError:
        return "fake (x86_64)"

if "fake=nobanner" not in args:
    say("\x1b[2J\x1b[H" + BANNER + banner())
# The kernel's CPU and CPU-count lines, as -cpu and -smp make them.
cpu = argv[argv.index("-cpu") + 1] if "-cpu" in argv else "max"
say('ipclab: cpu Fake "fake %s": pcid=no rdtscp=%s' % (cpu, "no" if cpu == "qemu64" else "yes"))
smp = int(argv[argv.index("-smp") + 1]) if "-smp" in argv else 1
say("ipclab: %d cpu%s (ACPI MADT), running on apic id 0%s" % (
    smp, "s" if smp > 1 else "", "; unused: apic ids " + " ".join(map(str, range(1, smp)))
    if smp > 1 else ""))
append = argv[argv.index("-append") + 1] if "-append" in argv else ""
if append in BADARGS:
    lines, passes = BADARGS[append]
    for line in lines:
        say(line)
    sys.exit(33 if passes else 35)
if argv[argv.index("-m") + 1] == "2M":     # testrun's MEMORY_SHORT: the root task does not fit
    say("ipclab: PANIC: cannot load the root task root: out of memory (the memory quota, "
        "7/8 of the free frames): it needs 84 KiB, 20 KiB free (1 MiB RAM, kernel and "
        "modules take the rest)")
    sys.exit(37)
if "fake=hang" in args:
    say("ktest: waiting for a message")
    time.sleep(100)
if "fake=panic" in args:
    say("PANIC: page fault at 0xdead")
    sys.exit(37)
if "crash=kernel" in args:
    say("ipclab: KERNEL FAULT: vector 14 error 2 cr2 0x8")
    say("  rip ffffffff80109b37 cs 8 rflags 82 rsp ffffffff80111fb0 ss 10")
    say("  r13 0 r14 0 r15 0 cr3 000000000011f000")
    sys.exit(37)
if "fake=reset" in args:
    sys.exit(0)
if "run=bench" in args:
    config = argv[argv.index("-kernel") + 1].split("/")[1]
    if config.endswith("-break-copy"):   # a BREAK_COPY=y build: a data check fails
        say(BANNER + config + " (IPC=sync BREAK_COPY=y)")
        say("bench: pingpong roundtrip/same-space/16B: iteration 0, word 1: "
            "expected 0x1, seen 0x2")
        say("bench: bulk copied/16B: iteration 0, word 1: expected 0x1, seen 0x2")
        sys.exit(35)
    scale = 2 if config.startswith("mach") else 1
    unit = [a[len("unit="):] for a in args if a.startswith("unit=")][0]
    wanted = [a[len("bench="):] for a in args if a.startswith("bench=")][0].split(",")
    for bench, case, median in {bench_table!r}:
        if wanted == ["all"] or bench in wanted:
            result = {{"bench": bench, "case": case, "unit": unit, "samples": 10000,
                      "min": median * scale - 2, "median": median * scale}}
            say(RESULT_BEGIN + json.dumps(result) + RESULT_END)
    if "footprint=1" in args:
        say("bench: footprint region 1 = pingpong roundtrip/other-space/0w")
    sys.exit(33)
if "serve=crashy" in args:           # harness.supervise's boots, as root and rpcload say them
    opts = dict(a.partition("=")[::2] for a in args)
    after, clients = int(opts["crashy_after"]), int(opts["clients"])
    calls = clients * int(opts["calls"])
    ended = "exited with 3" if opts["crashy_how"] == "exit" else "faulted (vector 14 at 0x0)"
    restarts = (calls - 1) // after if after else 10
    for n in range(1, restarts + 1):
        say("root: crashy " + ended + ": restart %d of 10" % n)
    if not after:
        say("root: crashy " + ended + ": restarted 10 times already, giving it up")
    load = {{"test": "rpcload", "calls": calls, "answered": calls if after else 0,
            "dead": restarts if after else 256, "carried": 3 * restarts if after else 0,
            "instances": restarts + 1 if after else 0,
            "failed_clients": 0 if after else clients}}
    say(RESULT_BEGIN + json.dumps(load) + RESULT_END)
    say("root: crashy restarted %d times%s" % (restarts, "" if after else ", then given up"))
    sys.exit(33 if after else 35)
if "run=netbench" in args:             # the echo boot: frames through the sink and back
    sys.path.insert(0, {tree!r})
    import socket
    from tests.harness.test_netbench import make_frame
    port = int([a for a in args if a.startswith("nic=udp:")][0][len("nic=udp:"):])
    itrs = [int(i) for a in args if a.startswith("itr=") for i in a[4:].split(",")]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        for stream, itr in enumerate(itrs, 1):
            for seq in range(3):
                sock.sendto(make_frame(stream, seq, 64), ("127.0.0.1", port))
            back = [sock.recv(2048) for _ in range(3)]
            result = {{"bench": "e1000", "case": "user/64B/itr%d" % itr, "stream": stream,
                      "itr": itr, "frames": 3, "received": len(back), "frame_bytes": 64,
                      "interrupts": 1}}
            say(RESULT_BEGIN + json.dumps(result) + RESULT_END)
    sys.exit(33)
for word in args:
    if word.startswith("run="):
        for module in word[4:].split(","):
            if module in REFUSALS:
                say("ipclab: module " + module + " refused: " + REFUSALS[module])
                say("root: " + module + ": cannot start: " + ROOT_SAYS[module])
named = [a[len("test="):] for a in args if a.startswith("test=")]
failed = False
for name in named or ["ipc_basic", "fault_pf"]:
    if name == "broken" or name not in ("ipc_basic", "fault_pf", "null_syscall", "broken",
                                        "e1000_user_bad_input"):
        say(TEST + name + " FAIL " + ("no such test" if name != "broken" else "got 3, want 4"))
        failed = True
    else:
        say(TEST + name + " ok")
say(RESULT_BEGIN + json.dumps({{"bench": "null", "median": 42}}) + RESULT_END)
if "run=ktest,bench" in args:            # the benchmarks after ktest, as bench= names them
    wanted = [a[len("bench="):] for a in args if a.startswith("bench=")][0].split(",")
    for bench, case, median in {bench_table!r}:
        if bench in wanted:
            say(RESULT_BEGIN + json.dumps({{"bench": bench, "case": case, "median": median}})
                + RESULT_END)
sys.exit(35 if failed and "fake=liar" not in args else 33)
'''

# What the fake footprint plugin writes: the record of region 1 (the ping-pong).
FOOTPRINT = {"region": 1, "occurrences": 3, "unmatched": 0,
             "last": {"kernel_lines": 12, "kernel_pages": 2, "user_lines": 3}}

# What the fake cycle model writes: region 1's medians.
CYCLES = {"region": 1, "profile": "skylake", "warm": {"median": 500}, "cold": {"median": 9000}}

# What the fake guest's benchmarks print: (bench, case, median) for l4; the
# round-trip floor is 2 * 70 + 160 = 300.
BENCH_TABLE = (("null_syscall", "null", 70), ("space_switch", "roundtrip", 160),
               ("pingpong", "roundtrip/other-space/0w", 390), ("rpc", "call", 600))

MAKEFILE = """\
.PHONY: all iso host-tests plugin
all iso host-tests plugin:
\t@:
"""

# The README's minimum-RAM claim, as harness.testrun reads it.
README = "The default boot,\n`run=all` passes under icount with as little as 100 MiB of RAM.\n"

HOST_TESTS = {
    "test_good": "echo 'PASS alloc'; echo 'PASS free'",
    "test_bad": "echo 'PASS one'; echo 'FAIL two: want 2, got 3'; exit 1",
    "test_crash": "echo 'PASS first'; echo 'AddressSanitizer: SEGV' >&2; kill -SEGV $$",
}

TINY_UNITTEST = '''\
import unittest

class Tiny(unittest.TestCase):
    def test_one(self):
        """One."""

    def test_two(self):
        pass
'''


def write_script(path: Path, text: str) -> Path:
    """Write an executable file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


CONFIGS = {
    "l4": "# L4-style\nIPC             := sync\nDIRECT_SWITCH   := y  # direct\n",
    "mach": "# Mach-style\nIPC := async\nDIRECT_SWITCH := n\n",
}


def config_header(name: str, axes: dict) -> str:
    """A build/<name>/config.h as make writes it, as far as the harness reads it."""
    text = json.dumps(axes, separators=(",", ":")).replace('"', '\\"')
    return (f"/* generated from configs/{name}.mk and axes.mk: do not edit */\n"
            f"#define CONFIG_NAME \"{name}\"\n#define CONFIG_AXES_JSON \"{text}\"\n")


def write_config_header(root: Path, name: str, **axes: str) -> None:
    """build/<name>/config.h with the axes the harness asks about (PCID=y, KPTI=none
    unless given) and those of the fake preset's file."""
    found = dict(line.split("#")[0].split(":=") for line in CONFIGS.get(name, "").splitlines()
                 if ":=" in line)
    values = {"PCID": "y", "KPTI": "none",
              **{k.strip(): v.strip() for k, v in found.items()}, **axes}
    path = root / "build" / name / "config.h"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_header(name, values), encoding="utf-8")


def make_tree(root: Path, configs=("l4",)) -> Path:
    """Fill root with what a built tree looks like to the harness; return the fake QEMU."""
    header = root / RESULT_HEADER
    header.parent.mkdir(parents=True)
    shutil.copyfile(TREE / RESULT_HEADER, header)
    (root / "configs").mkdir()
    for config in configs:
        text = CONFIGS.get(config, "IPC := sync\n")
        (root / "configs" / f"{config}.mk").write_text(text, encoding="utf-8")
    (root / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (root / "README.md").write_text(README, encoding="utf-8")
    for config in configs:
        for name in ("kernel32.elf", "ipclab.iso", *(f"user/{m}.elf" for m in qemu.MODULES)):
            path = root / "build" / config / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"")
        write_config_header(root, config)
    for name, body in HOST_TESTS.items():
        write_script(root / "build/host-tests" / name, f"#!/bin/sh\n{body}\n")
    (root / "build/host-tests/helper.o").write_bytes(b"")
    (root / "build/plugin").mkdir(parents=True)
    (root / "build/plugin/cycles.so").write_bytes(b"")
    (root / "build/plugin/qemu-api").write_text("1\n")     # built for the fake QEMU's API
    (root / "harness/plugin/profiles").mkdir(parents=True)
    for profile in ("skylake.conf", "zen2.conf"):
        shutil.copyfile(TREE / "harness/plugin/profiles" / profile,
                        root / "harness/plugin/profiles" / profile)
    (root / "tests/harness").mkdir(parents=True)
    (root / "tests/harness/__init__.py").write_text("", encoding="utf-8")
    (root / "tests/__init__.py").write_text("", encoding="utf-8")
    (root / "tests/harness/test_tiny.py").write_text(TINY_UNITTEST, encoding="utf-8")
    return write_script(root / "fake-qemu", FAKE_QEMU.format(
        python=sys.executable, banner=MARKERS.banner_prefix, test=MARKERS.test_prefix,
        result_begin=MARKERS.result_begin, result_end=MARKERS.result_end,
        refusals={name: reason for name, (_, reason) in hostile.images(b"").items()},
        badargs={badargs.kernel_args(c, str(qemu.boot_files("l4", "tcg")[0])): (c.expect, c.passes)
                 for c in badargs.CASES},
        root_says={name: hostile.ROOT_SAYS.get(name, hostile.ROOT_SAYS_DEFAULT)
                   for name in hostile.images(b"")},
        bench_table=BENCH_TABLE, footprint=FOOTPRINT, cycles=CYCLES, tree=str(TREE)))
