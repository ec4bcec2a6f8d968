"""The e1000 driver benchmark: build, boot, and count the frames outside the guest.

    python3 -m harness.netbench [--configs l4,mach] [--mode icount] [--traffic loop|peer|echo]

Every preset is built with E1000_IN_KERNEL=y, so one boot measures both the
user-level driver and the in-kernel one (docs/e1000.md), and booted with
`run=netbench`.  With `--traffic loop` the NIC's PHY returns each frame and
the guest checks it.  With `--traffic peer` QEMU's `-netdev socket` sends
every frame as a UDP datagram to a sink on 127.0.0.1 that this module runs:
it checks each frame's sequence number and checksum and times the stream on
the host's clock, so the figures are proven by something outside the guest.
With `--traffic echo` the sink also sends every `--echo`-th frame it has
checked back to the guest (source and destination swapped, checksum
updated), so the guest receives frames that arrive when they will, through
its driver's interrupt path, and checks them in turn.  A frame lost,
duplicated or corrupted anywhere fails the run.

The frame format and checksum are those of bench/netbench/frame.c.
"""

import argparse
import json
import operator
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from harness import qemu, runs
from harness.boot import BootRequest, HarnessError, boot, say
from harness.serial import load_markers

ETHERTYPE = 0x88B5
MAGIC = 0x4C435049           # "IPCL"
HEADER = 40
CSUM_K = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
CSUM_WORD = 4                # the checksum's own word, taken as 0
BENCH = "e1000"
RCVBUF = 64 << 20


# --- Frames -----------------------------------------------------------------------------

def frame_checksum(frame: bytes) -> int:
    """The checksum of bench/netbench/frame.c: Fletcher-style sums of 64-bit words."""
    data = frame + bytes(-len(frame) % 8)
    n = len(data) // 8
    words = list(struct.unpack(f"<{n}Q", data))
    if n > CSUM_WORD:
        words[CSUM_WORD] = 0
    a = sum(words)
    b = sum(map(operator.mul, range(n, 0, -1), words))
    return (a + b * CSUM_K) & MASK


@dataclass(frozen=True)
class Header:
    """What a frame says about itself."""

    stream: int
    seq: int
    length: int
    magic: int
    checksum: int
    ethertype: int


def read_header(frame: bytes) -> Optional[Header]:
    """The header of a frame, or None if it is too short to have one."""
    if len(frame) < HEADER:
        return None
    ethertype, = struct.unpack_from(">H", frame, 12)
    stream, seq, length, magic, checksum = struct.unpack_from("<HQIIQ", frame, 14)
    return Header(stream, seq, length, magic, checksum, ethertype)


def echo_frame(frame: bytes) -> bytes:
    """A frame sent back: destination and source swapped, the checksum made
    right again if it was right (a corrupted frame stays corrupted)."""
    back = bytearray(frame[6:12] + frame[0:6] + frame[12:])
    if frame_ok(frame):
        struct.pack_into("<Q", back, 8 * CSUM_WORD, frame_checksum(bytes(back)))
    return bytes(back)


def echoed(frame: bytes, every: int) -> bool:
    """Does the sink send this frame back: one of ours, sequence number a multiple of every?"""
    h = read_header(frame)
    return every > 0 and h is not None and h.ethertype == ETHERTYPE and h.seq % every == 0


def frame_ok(frame: bytes) -> bool:
    """Is this one of netbench's frames, whole and unchanged?"""
    h = read_header(frame)
    return (h is not None and h.ethertype == ETHERTYPE and h.magic == MAGIC
            and h.length == len(frame) and h.checksum == frame_checksum(frame))


@dataclass
class Stream:
    """What the sink saw of one stream (one case of the guest)."""

    frames: int = 0              # valid frames
    corrupted: int = 0
    lost: int = 0                # gaps in the sequence numbers
    out_of_order: int = 0        # late or duplicated
    bytes: int = 0
    next_seq: int = 0
    first: float = 0.0
    last: float = 0.0

    def rate(self) -> Optional[float]:
        """Frames per second on the host's clock, first to last frame."""
        span = self.last - self.first
        return (self.frames - 1) / span if self.frames > 1 and span > 0 else None


def tally(datagrams: Sequence[tuple[float, bytes]]) -> tuple[dict[int, Stream], int]:
    """Check every datagram; per-stream counts, and datagrams that are no frame of ours."""
    streams: dict[int, Stream] = {}
    stray = 0
    for when, frame in datagrams:
        h = read_header(frame)
        if h is None or h.ethertype != ETHERTYPE:
            stray += 1
            continue
        s = streams.setdefault(h.stream, Stream(first=when))
        if not frame_ok(frame):
            s.corrupted += 1
            continue
        s.frames += 1
        s.bytes += len(frame)
        s.last = when
        if h.seq == s.next_seq:
            s.next_seq += 1
        elif h.seq > s.next_seq:
            s.lost += h.seq - s.next_seq
            s.next_seq = h.seq + 1
        else:
            s.out_of_order += 1
    return streams, stray


# --- The sink ---------------------------------------------------------------------------

class Sink:
    """A UDP socket on 127.0.0.1 that keeps every datagram with its arrival time
    and, with echo=K, sends every K-th frame of ours straight back (echo_frame)."""

    def __init__(self, echo: int = 0) -> None:
        self.echo = echo
        self.echoed = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # SO_RCVBUFFORCE (33 on Linux; Python does not name it) passes rmem_max
        # where we may; a burst of the guest's frames must fit while we lag.
        force = getattr(socket, "SO_RCVBUFFORCE", 33 if sys.platform == "linux" else None)
        for option in (force, socket.SO_RCVBUF):
            if option is None:
                continue
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, option, RCVBUF)
                break
            except OSError:
                continue
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)

    def _receive(self) -> None:
        """Receive until stopped; checking waits until the end, to keep up,
        but for the frames echoed at once."""
        keep, clock = self.datagrams.append, time.monotonic
        while not self._stop.is_set():
            try:
                data, sender = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            keep((clock(), data))
            if echoed(data, self.echo):
                self.sock.sendto(echo_frame(data), sender)
                self.echoed += 1

    def __enter__(self) -> "Sink":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.3)                       # what is still in flight
        self._stop.set()
        self._thread.join()
        self.sock.close()


# --- Boots ------------------------------------------------------------------------------

@dataclass
class PresetRun:
    """One preset's boot: the guest's results, with the sink's counts where it ran."""

    config: str
    results: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def build_with_driver(root: Path, config: str) -> None:
    """make CONFIG=<config> E1000_IN_KERNEL=y; HarnessError if it fails."""
    done = subprocess.run(["make", "-s", f"CONFIG={config}", "E1000_IN_KERNEL=y"], cwd=root,
                          check=False)
    if done.returncode != 0:
        raise HarnessError(f"build of {config} with E1000_IN_KERNEL=y failed")


def compare(result: dict, stream: Optional[Stream]) -> tuple[dict, Optional[str]]:
    """A result line with the sink's counts added; a problem if they disagree."""
    sent = result.get("frames", 0)
    if stream is None:
        return {**result, "sink_frames": 0}, f"{result['case']}: the sink saw none of {sent} frames"
    rate = stream.rate()
    merged = {**result, "sink_frames": stream.frames, "sink_lost": sent - stream.frames,
              "sink_gaps": stream.lost, "sink_corrupted": stream.corrupted,
              "sink_out_of_order": stream.out_of_order,
              "sink_frames_per_s": round(rate) if rate else None,
              "sink_mbit_per_s": round(rate * result["frame_bytes"] * 8 / 1e6, 3) if rate else None,
              "sink_clock": "host wall clock (under TCG the emulator bounds it)"}
    bad = [f"{k[5:]} {merged[k]}" for k in ("sink_lost", "sink_gaps", "sink_corrupted",
                                             "sink_out_of_order") if merged[k]]
    return merged, f"{result['case']}: " + ", ".join(bad) if bad else None


def run_preset(root: Path, config: str, mode: str, traffic: str, guest_args: str,
               timeout: Optional[float], echo: bool, echo_every: int = 1) -> PresetRun:
    """Build and boot one preset with netbench; check its frames (echo: show
    the serial output; echo_every: with traffic echo, which frames return)."""
    out = PresetRun(config)
    try:
        build_with_driver(root, config)
        markers = load_markers(root)
        if traffic in ("peer", "echo"):
            every = echo_every if traffic == "echo" else 0
            with Sink(every) as sink:
                record = boot(root, BootRequest(config, mode, run="netbench",
                                                extra_args=f"nic=udp:{sink.port} echo={every} "
                                                           f"{guest_args}",
                                                timeout=timeout, build=False, echo=echo))
            streams, stray = tally(sink.datagrams)
        else:
            record = boot(root, BootRequest(config, mode, run="netbench",
                                            extra_args=f"nic=loop {guest_args}",
                                            timeout=timeout, build=False, echo=echo))
            streams, stray = {}, 0
    except HarnessError as err:
        out.problems.append(str(err))
        return out
    axes = runs.read_banner(record.serial.banner, markers)[1] if record.serial.banner else {}
    for r in record.serial.results:
        if r.get("bench") != BENCH:
            continue
        r = runs.mark_untimed(runs.complete(r, config, axes, qemu.time_unit(record.mode)),
                              record.mode)
        if traffic in ("peer", "echo"):
            r, problem = compare(r, streams.pop(r.get("stream"), None))
            if problem:
                out.problems.append(problem)
        if r.get("lost") or r.get("corrupted") or r.get("out_of_order"):
            out.problems.append(f"{r['case']}: the guest counted lost or bad frames")
        if traffic == "echo" and r.get("received", 0) < -(-r.get("frames", 0) // echo_every):
            out.problems.append(f"{r['case']}: {r.get('received', 0)} frames came back of "
                                f"{-(-r.get('frames', 0) // echo_every)} echoed")
        out.results.append(r)
    if traffic != "loop" and stray:
        out.problems.append(f"{stray} datagrams that are no frame of ours")
    failed = [t for t in record.serial.tests if not t.ok]
    out.problems += [f"TEST {t.name} FAIL {t.reason}" for t in failed]
    if not record.passed:
        out.problems.append(f"{record.explanation}; log {record.log}")
    return out


# --- Output -----------------------------------------------------------------------------

def table(preset_runs: Sequence[PresetRun], peer: bool) -> list[str]:
    """One line per case: cost per frame, rates, frames received and
    interrupts taken, and the sink's view."""
    head = f"{'preset':<9} {'case':<16} {'frames':>7} {'per frame':>10} {'driver':>7} " \
           f"{'cpu':>5} {'frames/s':>10} {'Mbit/s':>9} {'received':>8} {'irqs':>6}"
    if peer:
        head += f" {'sink frames':>11} {'sink fr/s':>10}"
    lines = [head]
    for p in preset_runs:
        for r in p.results:
            per = r.get("instructions_per_frame", r.get("tsc_per_frame"))
            line = (f"{p.config:<9} {r['case']:<16} {r.get('frames', 0):>7} {per:>10} "
                    f"{r.get('driver_per_frame', 0):>7} {r.get('cpu_util', 0):>5} "
                    f"{r.get('frames_per_s', 0):>10} {r.get('mbit_per_s', 0):>9} "
                    f"{r.get('received', 0):>8} {r.get('interrupts', 0):>6}")
            if peer:
                line += f" {r.get('sink_frames', 0):>11} {r.get('sink_frames_per_s') or '-':>10}"
            lines.append(line)
    results = [r for p in preset_runs for r in p.results]
    units = sorted({r.get("unit", "?") for r in results})
    bases = sorted({r.get("rate_basis", "not stated") for r in results})
    if results:
        lines.append(f"per frame, driver: {', '.join(units)} per frame; "
                     f"frames/s, Mbit/s: {'; '.join(bases)}")
    return lines


def run_mode(mode: str) -> str:
    """The mode of a stored e1000 run: e1000-<mode>, never a plain timing mode.

    `regress` and `compare` take the newest icount run with every preset as
    the ping-pong run; a driver run under that mode would hide it.
    """
    return f"{BENCH}-{mode}"


def make_run(preset_runs: Sequence[PresetRun], mode: str, traffic: str, info: runs.HostInfo,
             date: str) -> runs.Run:
    """The boots of one netbench invocation as a stored run of mode e1000-<mode>."""
    results = [r for p in preset_runs for r in p.results]
    extra = {"traffic": traffic, "qemu_mode": mode,
             "presets": [p.config for p in preset_runs]}
    failed = {p.config: "; ".join(p.problems) for p in preset_runs if p.problems}
    if failed:
        extra["failed"] = failed
    return runs.Run(runs.make_meta(info, run_mode(mode), results, date,
                                   accel=qemu.accelerator(mode), memory=qemu.DEFAULT_MEMORY,
                                   **extra), results)


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(prog="python3 -m harness.netbench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", default="l4", metavar="A,B|all", help="presets (default l4)")
    p.add_argument("--mode", default="icount", choices=("tcg", "icount", "kvm"))
    p.add_argument("--traffic", default="loop", choices=("loop", "peer", "echo"))
    p.add_argument("--echo", type=int, default=1, metavar="K",
                   help="with --traffic echo: the sink returns every K-th frame (default 1: all)")
    p.add_argument("--args", default="", metavar='"ARGS"',
                   help="more netbench arguments: frames=N sizes=64,512,1500 batch=N itr=N ...")
    p.add_argument("--output", type=Path, metavar="FILE",
                   help="write the results as JSON (default build/e1000-<mode>-<traffic>.json)")
    p.add_argument("--no-store", action="store_true",
                   help="do not store the run under results/runs")
    p.add_argument("--timeout", type=float, metavar="S", help="watchdog per boot")
    p.add_argument("--verbose", action="store_true", help="stream the serial output")
    p.add_argument("--root", type=Path, default=Path("."), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the benchmark on every preset asked for; 0 only if every frame arrived intact."""
    args = parse_args(argv)
    if args.echo < 1:
        say(f"--echo must be 1 or more, not {args.echo}")
        return 2
    root = args.root
    configs = (runs.all_configs(root)
               if args.configs == "all" else [c for c in args.configs.split(",") if c])
    done = []
    for config in configs:
        say(f"{config}: building with E1000_IN_KERNEL=y and booting netbench "
            f"({args.mode}, {args.traffic})")
        done.append(run_preset(root, config, args.mode, args.traffic, args.args, args.timeout,
                               args.verbose, args.echo))
    for line in table(done, args.traffic != "loop"):
        print(line)
    output = args.output or root / "build" / f"e1000-{args.mode}-{args.traffic}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"mode": args.mode, "traffic": args.traffic,
                                  "results": [r for p in done for r in p.results],
                                  "problems": {p.config: p.problems for p in done if p.problems}},
                                 indent=1) + "\n", encoding="utf-8")
    say(f"results in {output}")
    if any(p.results for p in done) and not args.no_store:
        run = make_run(done, args.mode, args.traffic, runs.host_info(root), runs.now())
        say(f"stored {runs.store_run(root, run)}")
    problems = [f"{p.config}: {msg}" for p in done for msg in p.problems]
    for msg in problems:
        say(msg)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
