"""The test runner behind `make test`.

Four groups of tests, each test with a full name:

    host/<binary>/<case>     C unit tests on the host (build/host-tests/*)
    harness/<test id>        the harness's own unit tests (tests/harness)
    target/<config>/<name>   on-target tests: `TEST <name> ok|FAIL|skip` from ktest
    iso/<config>/banner      the GRUB ISO boots to the banner and passes
    iso/<config>/netbench    its e1000 entry: devtest and netbench pass

`--only PATTERN` keeps the tests whose full name contains PATTERN.  A bare
name (no '/') names an on-target test and reaches the guest as
`test=<name>`; host, harness and ISO tests are named with their prefix
(`host/test_cap`, `harness/test_serial`, `iso`).
"""

import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

from harness import badargs, bench, fuzz, hostile, netbench, qemu, runs, supervise
from harness.boot import BootRecord, BootRequest, HarnessError, boot, build, save_log
from harness.qemu import DEFAULT_MACHINE, DEFAULT_MEMORY
from harness.process import Finished, run_watched, signal_name
from harness.serial import (Markers, MarkerError, SerialReport, TestLine, classify_line,
                            load_markers)

HOST_TEST_DIR = Path("build/host-tests")
HOST_TEST_TIMEOUT = 120.0
# Every Python suite: tests/harness, tests/plugin, tests/hostbench.
UNITTEST_ARGV = ("-m", "unittest", "discover", "-s", "tests", "-t", ".")
UNITTEST_TIMEOUT = 600.0


@dataclass(frozen=True)
class TestOutcome:
    """One finished test (or, with count > 1, a batch that passed together)."""

    name: str
    passed: bool
    reason: str = ""
    count: int = 1
    skipped: bool = False          # the test said it cannot apply (passed stays True)

    def line(self) -> str:
        """The result line: `ok   <name>`, `skip <name>: <reason>` or `FAIL <name>: <reason>`."""
        if self.skipped:
            return f"skip {self.name}: {self.reason}"
        return f"ok   {self.name}" if self.passed else f"FAIL {self.name}: {self.reason}"


Report = Callable[[TestOutcome], None]


class Tally:
    """Prints each outcome as it arrives and counts them."""

    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.lock = threading.Lock()       # presets tested at once report here

    def __call__(self, outcome: TestOutcome) -> None:
        """Print one result line and count it."""
        with self.lock:
            print(outcome.line(), file=self.out, flush=True)
            if outcome.skipped:
                self.skipped += outcome.count
            elif outcome.passed:
                self.passed += outcome.count
            else:
                self.failed += outcome.count

    def summary(self) -> str:
        """The last line of a run: `N passed, N failed` (`, N skipped` if any were)."""
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return f"{self.passed} passed, {self.failed} failed{skipped}"


@dataclass(frozen=True)
class Options:
    """What `harness test` was asked to do."""

    root: Path
    configs: tuple[str, ...] = ("l4",)
    only: tuple[str, ...] = ()
    host: bool = True
    target: bool = True
    iso: bool = True
    timeout: Optional[float] = None
    verbose: bool = False          # stream serial output while booting
    qemu: str = qemu.QEMU
    cpu: Optional[str] = None      # the emulated PC of the target and ISO boots
    smp: int = 1
    machine: str = DEFAULT_MACHINE
    memory: str = DEFAULT_MEMORY   # the guests' RAM, but for the tests of memory sizes
    jobs: int = 1                  # presets whose on-target tests run at once

    def guest(self) -> dict:
        """The BootRequest fields of the emulated PC."""
        return {"cpu": self.cpu, "smp": self.smp, "machine": self.machine,
                "memory": self.memory}


# --- Selection -----------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """The part of a group of tests that --only selects."""

    everything: bool
    names: tuple[str, ...] = ()     # what follows the group's prefix, when named

    def __bool__(self) -> bool:
        return self.everything or bool(self.names)


def narrow(patterns: Iterable[str], prefix: str, bare: bool = False) -> Selection:
    """Which tests named `prefix + rest` the --only patterns select.

    A pattern inside the prefix selects the whole group; a pattern that
    starts with the prefix names the rest; with bare, so does a pattern
    without a '/'.  No patterns select everything.
    """
    patterns = tuple(patterns)
    if not patterns:
        return Selection(True)
    names = []
    for pattern in patterns:
        if pattern in prefix:
            return Selection(True)
        if pattern.startswith(prefix):
            names.append(pattern[len(prefix):])
        elif bare and "/" not in pattern:
            names.append(pattern)
    return Selection(False, tuple(dict.fromkeys(names)))


def configs_to_run(asked: Iterable[str], patterns: Iterable[str],
                   presets: Iterable[str]) -> tuple[str, ...]:
    """The variants a test run boots: those asked for with --config, then every
    preset an --only pattern names (`iso/l4-benno/banner`, `target/mach/...`);
    l4 when neither names one."""
    presets = set(presets)
    named = [parts[1] for parts in (p.split("/") for p in patterns)
             if len(parts) >= 2 and parts[0] in ("target", "iso") and parts[1] in presets]
    return tuple(dict.fromkeys([*asked, *named])) or ("l4",)


# --- Host unit tests ------------------------------------------------------------

def host_binaries(directory: Path) -> list[Path]:
    """The executable files in directory, by name."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and os.access(p, os.X_OK) and p.suffix not in (".o", ".d"))


_SANITIZER = re.compile(r"runtime error:|ERROR: \w+Sanitizer|SUMMARY: \w+Sanitizer")


def parse_host_line(line: str) -> Optional[tuple[str, bool, str]]:
    """`PASS <case>` or `FAIL <case>: <reason>` as (case, passed, reason); else None."""
    verdict, _, rest = line.partition(" ")
    case, _, reason = rest.partition(":")
    if verdict not in ("PASS", "FAIL") or not case.strip():
        return None
    if verdict == "PASS":
        return case.strip(), True, ""
    return case.strip(), False, reason.strip() or "(no reason given)"


def judge_host_binary(binary: str, finished: Finished, selection: Selection,
                      timeout: float) -> list[TestOutcome]:
    """Outcomes from one host test binary's PASS/FAIL lines, as selection keeps them.

    A binary that hangs, crashes, exits non-zero or trips a sanitizer without
    a FAIL line, or prints no verdict at all, is one failed test of its own.
    """
    verdicts = [v for v in map(parse_host_line, finished.stdout) if v is not None]
    outcomes = [TestOutcome(f"host/{binary}/{case}", passed, reason)
                for case, passed, reason in verdicts
                if selection.everything or any(case.startswith(n) for n in selection.names)]
    problem = _host_binary_problem(finished, verdicts, timeout)
    if problem:
        outcomes.append(TestOutcome(f"host/{binary}", False, problem))
    return outcomes


def _host_binary_problem(finished: Finished, verdicts: list, timeout: float) -> Optional[str]:
    """Why a host binary failed beyond its FAIL lines, or None."""
    if finished.timed_out:
        return f"hung: no exit after {timeout:g} s (last line: {qemu.quote(finished.last_line())})"
    if any(not passed for _, passed, _ in verdicts):
        return None
    sanitizer = next((l.strip() for l in finished.stderr if _SANITIZER.search(l)), "")
    if finished.status != 0:
        how = (f"killed by {signal_name(-finished.status)}" if finished.status < 0
               else f"exited with status {finished.status}")
        detail = sanitizer or finished.last_error()
        return f"{how}: {detail}" if detail else how
    if sanitizer:
        return sanitizer
    if not verdicts:
        return "printed no PASS/FAIL line"
    return None


def run_host_tests(options: Options, report: Report) -> None:
    """Build the host unit tests and run every binary."""
    if not options.host or not narrow(options.only, "host/"):
        return
    try:
        build(options.root, "host-tests")
    except HarnessError as err:
        report(TestOutcome("host/build", False, str(err)))
        return
    for binary in host_binaries(options.root / HOST_TEST_DIR):
        selection = narrow(options.only, f"host/{binary.name}/")
        if selection:
            finished = run_watched([str(binary)], HOST_TEST_TIMEOUT, cwd=options.root)
            for outcome in judge_host_binary(binary.name, finished, selection,
                                             HOST_TEST_TIMEOUT):
                report(outcome)


# --- Harness unit tests ---------------------------------------------------------

_SEPARATORS = ("=" * 70, "-" * 70)   # unittest's separator1 and separator2
_FAILURE_HEADER = re.compile(r"^(?:FAIL|ERROR|UNEXPECTED SUCCESS): \S+ \(([^)]*)\)")
_RAN = re.compile(r"^Ran (\d+) tests? in ")
_COUNTS = re.compile(r"(failures|errors|unexpected successes)=(\d+)")


@dataclass(frozen=True)
class UnittestSummary:
    """What `python3 -m unittest` said at the end of a run."""

    ran: Optional[int]                       # None: no "Ran N tests" line
    failures: tuple[tuple[str, str], ...]    # (test id, last line of the report)
    failed: int                              # failures + errors + unexpected successes


def parse_unittest(lines: Iterable[str]) -> UnittestSummary:
    """Read unittest's stderr: the failure reports, `Ran N tests`, `FAILED (...)`."""
    lines = list(lines)
    ran, failed, failures = None, 0, []
    for i, line in enumerate(lines):
        header = _FAILURE_HEADER.match(line)
        if header:
            failures.append((header.group(1), _report_last_line(lines, i + 1)))
        elif ran_line := _RAN.match(line):
            ran = int(ran_line.group(1))
        elif line.startswith("FAILED ("):
            failed = sum(int(n) for _, n in _COUNTS.findall(line))
    return UnittestSummary(ran, tuple(failures), max(failed, len(failures)))


def _report_last_line(lines: list[str], start: int) -> str:
    """The last non-blank line of the failure report beginning at lines[start]."""
    body = []
    seen_dashes = False
    for line in lines[start:]:
        if line in _SEPARATORS:
            if seen_dashes or line.startswith("="):
                break
            seen_dashes = True   # the line under the header: the traceback follows
            continue
        if seen_dashes and line.strip():
            body.append(line.strip())
    return body[-1] if body else "(no report)"


def judge_unittest(finished: Finished, timeout: float) -> list[TestOutcome]:
    """Outcomes of the harness unit-test run: one per failure, one batch for the rest."""
    if finished.timed_out:
        return [TestOutcome("harness", False, f"unittest hung: no exit after {timeout:g} s")]
    summary = parse_unittest(finished.stderr)
    if summary.ran is None:
        return [TestOutcome("harness", False, "unittest did not run: "
                            + (finished.last_error() or f"status {finished.status}"))]
    if summary.ran == 0:
        return [TestOutcome("harness", False, "no harness unit test ran")]
    outcomes = [TestOutcome(f"harness/{_short_id(test_id)}", False, reason)
                for test_id, reason in summary.failures]
    unnamed = summary.failed - len(summary.failures)
    if unnamed > 0:
        outcomes.append(TestOutcome("harness", False,
                                    f"{unnamed} more failures without a report", unnamed))
    elif finished.status != 0 and not summary.failed:
        outcomes.append(TestOutcome("harness", False,
                                    f"unittest exited with status {finished.status}"))
    passed = summary.ran - summary.failed
    if passed > 0:
        outcomes.append(TestOutcome(f"harness ({passed} tests)", True, count=passed))
    return outcomes


def _short_id(test_id: str) -> str:
    """tests.harness.test_serial.X.test_y -> test_serial.X.test_y"""
    return test_id.removeprefix("tests.")


def run_harness_tests(options: Options, report: Report) -> None:
    """Run the harness's unit tests in a subprocess and report them."""
    selection = narrow(options.only, "harness/")
    if not selection:
        return
    argv = [sys.executable, *UNITTEST_ARGV]
    for name in selection.names:
        argv += ["-k", name]
    finished = run_watched(argv, UNITTEST_TIMEOUT, cwd=options.root)
    for outcome in judge_unittest(finished, UNITTEST_TIMEOUT):
        report(outcome)


# --- On-target tests --------------------------------------------------------------

def target_boot_problem(verdict: qemu.Verdict, serial: SerialReport) -> Optional[str]:
    """Why an on-target test boot failed as a whole, or None if it did not.

    Failing tests end the boot with EXIT_FAIL, which is fine; anything else
    that is not EXIT_PASS after passing tests is a problem of the boot.
    """
    outcome = verdict.outcome
    failed = serial.failed_tests()
    if outcome in (qemu.Outcome.HUNG, qemu.Outcome.PANIC, qemu.Outcome.UNEXPECTED):
        return verdict.explanation
    if serial.banner is None:
        return f"no banner line; {verdict.explanation}"
    if not serial.tests:
        return f"no TEST line; {verdict.explanation}"
    if outcome is qemu.Outcome.FAIL and not failed:
        return "guest reported failure (EXIT_FAIL) although every test passed"
    if outcome is qemu.Outcome.PASS and failed:
        return "guest powered off with EXIT_PASS although a test failed"
    return None


def run_target_tests(options: Options, report: Report) -> None:
    """Boot each configuration under TCG with ktest and report its TEST lines;
    options.jobs configurations at once (each boot is one QEMU, one core)."""
    if not options.target:
        return
    if options.jobs > 1 and len(options.configs) > 1:
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            list(pool.map(lambda config: target_tests_of(options, config, report),
                          options.configs))
        return
    for config in options.configs:
        target_tests_of(options, config, report)


def target_tests_of(options: Options, config: str, report: Report) -> None:
    """One configuration's on-target tests: its ktest boot and its own boots."""
    selection = narrow(options.only, f"target/{config}/", bare=True)
    if not selection:
        return
    try:
        build(options.root, None, config)
        markers = load_markers(options.root)
    except (HarnessError, MarkerError) as err:
        report(TestOutcome(f"target/{config}/build", False, str(err)))
        return
    # kernel_fault, fuzz, ... are boots of their own, not ktest tests.
    tests = ("",) if selection.everything else tuple(
        name for name in selection.names
        if not any(boot_test.startswith(name) for boot_test in BOOT_TESTS))
    for test in tests:
        _boot_target(options, config, test, markers, report)
    for name, runs_on, boot_test in own_boots():
        if (runs_on is None or config in runs_on) and \
                narrow(options.only, f"target/{config}/{name}"):
            boot_test(options, config, report)


KERNEL_FAULT_TEST = "kernel_fault"
HOSTILE_TEST = "hostile_modules"
FUZZ_TEST = "fuzz"
FUZZ_ARGS = "seed=1 calls=20000"     # short and seeded: the same run every time
ECHO_TEST = "e1000_echo"
QEMU64_TEST = "cpu_qemu64"
SMP_TEST = "smp_banner"
BREAK_COPY_TEST = "break_copy"
MEMORY_MIN_TEST = "memory_min"
MEMORY_SHORT_TEST = "memory_short"
# QEMU's oldest 64-bit CPU model: no rdtscp, no PCID, no INVPCID.  The
# benchmarks and a test run on it, the floor only, to stay short.
QEMU64_CPU = "qemu64"
QEMU64_BENCHES = ("null_syscall",)
# A Q35 PC with CPUs the kernel leaves idle: its banner must name them.
SMP_MACHINE, SMP_CPUS = "q35", 4

# `ipclab: 4 cpus (ACPI MADT), running on apic id 0; unused: apic ids 1 2 3`
_CPUS_LINE = re.compile(r"ipclab: (\d+) cpus? \(([^)]*)\), running on apic id (\d+)"
                        r"(?:; unused: apic ids ([\d ]+))?")
_CPU_FEATURES = re.compile(r'ipclab: cpu \S+ "[^"]*": (.*)')
# The user-level driver with and without interrupt throttling, every frame
# sent to the harness's sink and echoed back: short, and judged by counts only.
ECHO_ITRS = (0, 200)
ECHO_ARGS = (f"echo=1 frames=500 sizes=64,1500 single=0 checks=0 builds=user "
             f"itr={','.join(map(str, ECHO_ITRS))}")


def echo_problems(results: list[dict], streams: dict, itrs=ECHO_ITRS) -> list[str]:
    """What is wrong with an echo boot's e1000 results and the sink's streams:
    a frame lost, corrupted, late or missing either way, a throttling setting
    without cases, or one whose cases took no receive interrupt."""
    problems = []
    for r in results:
        _, problem = netbench.compare(r, streams.get(r.get("stream")))
        bad = [f"{k} {r.get(k)}" for k in ("lost", "corrupted", "out_of_order") if r.get(k)]
        if r.get("received") != r.get("frames"):
            bad.append(f"{r.get('received')} of {r.get('frames')} came back")
        problems += ([problem] if problem else []) + [f"{r.get('case')}: {b}" for b in bad]
    for itr in itrs:
        cases = [r for r in results if r.get("itr") == itr]
        if not cases:
            problems.append(f"itr {itr}: no case")
        elif not sum(r.get("interrupts", 0) for r in cases):
            problems.append(f"itr {itr}: no receive interrupt taken")
    return problems


def _boot_echo(options: Options, config: str, report: Report) -> None:
    """Frames through the host's sink and back: the driver waits for every
    echo by its interrupt; none may be lost or bad, and interrupts are taken."""
    name = f"target/{config}/{ECHO_TEST}"
    try:
        with netbench.Sink(echo=1) as sink:
            request = BootRequest(config, "tcg", run="netbench",
                                  extra_args=f"nic=udp:{sink.port} {ECHO_ARGS}",
                                  timeout=options.timeout, build=False, echo=options.verbose,
                                  qemu=options.qemu, **options.guest())
            record = boot(options.root, request)
    except (HarnessError, OSError) as err:
        report(TestOutcome(name, False, str(err)))
        return
    streams, _ = netbench.tally(sink.datagrams)
    results = [r for r in record.serial.results if r.get("bench") == netbench.BENCH]
    problems = echo_problems(results, streams)
    if not record.passed:
        problems.insert(0, record.explanation)
    report(TestOutcome(name, not problems, "; ".join(problems) + f"; log {record.log}"))


def _boot_hostile(options: Options, config: str, report: Report) -> None:
    """Modules that are truncated, not ELF64, aimed at the kernel or overlapping
    are refused by name, and a good module still runs."""
    name = f"target/{config}/{HOSTILE_TEST}"
    out = options.root / qemu.build_dir(config)
    bad = hostile.write_images(out / "hostile", (out / "user" / "ktest.elf").read_bytes())
    argv = qemu.qemu_argv(config, "tcg", "run=ktest," + ",".join(bad) + " test=null_syscall",
                          options.qemu, **options.guest())
    at = argv.index("-initrd") + 1
    argv[at] += "".join(f",{path.relative_to(options.root)} {mod}" for mod, (path, _) in bad.items())
    finished = run_watched(argv, options.timeout or 120, cwd=options.root)
    lines = [line.rstrip("\r") for line in finished.stdout]
    missing = hostile.problems(lines, {mod: reason for mod, (_, reason) in bad.items()})
    if finished.timed_out:
        missing.insert(0, "the boot hung")
    report(TestOutcome(name, not missing, "; ".join(missing)))


def _boot_badargs(options: Options, config: str, case: badargs.Case, report: Report) -> None:
    """A bad argument or boot-module table fails the run with its one-line
    error; the edges that are good pass."""
    name = f"target/{config}/{case.name}"
    timeout = options.timeout or 120
    finished = run_watched(badargs.qemu_argv(case, config, options.qemu), timeout,
                           cwd=options.root)
    verdict = qemu.judge_exit(finished.status, timed_out=finished.timed_out, timeout=timeout,
                              last_line=finished.last_line(), qemu_error=finished.last_error())
    found = badargs.problems(case, verdict, finished.stdout)
    report(TestOutcome(name, not found, "; ".join(found)))


# The benchmarks must notice a broken message copy: one build per IPC model
# (each root preset) with BREAK_COPY=y (Makefile), in its own folder, whose
# ping-pong and bulk cases must fail with the line of a failed data check
# (bench/target/); and the presets whose messages take a copy of their own
# (BREAK_COPY_OWN_COPY: the async fast path's, ASYNC_FASTPATH), where they exist.
_TREE = Path(__file__).resolve().parents[1]
# The root presets (one per model, including no other): the boots that test
# the kernel's core apart from the IPC axes (arguments, memory, the e1000 echo,
# SMP, the ISO through GRUB) run on these only, so that a preset which only
# turns an axis costs make test its ktest and its IPC boots, not a copy of all.
ROOT_CONFIGS = tuple(runs.root_presets(_TREE))
BREAK_COPY_OWN_COPY = ("mach-fast-lazy",)
BREAK_COPY_CONFIGS = ROOT_CONFIGS + tuple(
    p for p in BREAK_COPY_OWN_COPY if p in runs.preset_files(_TREE))
BREAK_COPY_BENCHES = ("pingpong", "bulk")
BREAK_COPY_ARGS = "bench=" + ",".join(BREAK_COPY_BENCHES)
_MISMATCH = re.compile(r"^bench: (\S+) \S+: iteration \d+, (word \d+|the message's round word): "
                       r"expected 0x[0-9a-f]+, seen 0x[0-9a-f]+$")


def break_copy_dir(config: str) -> Path:
    """Where `make CONFIG=<config> BREAK_COPY=y` builds (Makefile: never build/<config>)."""
    return qemu.build_dir(config).with_name(f"{config}-break-copy")


def break_copy_problem(verdict: qemu.Verdict, lines: Iterable[str]) -> Optional[str]:
    """Why a BREAK_COPY=y ping-pong and bulk boot did not fail as it must:
    the banner says BREAK_COPY=y, in each benchmark a data check names the
    word it saw wrong, and the guest reports failure."""
    lines = [line.rstrip("\r") for line in lines]
    if not any("BREAK_COPY=y" in line for line in lines):
        return "the banner does not say BREAK_COPY=y"
    failed = {m.group(1) for m in map(_MISMATCH.match, lines) if m}
    for bench in BREAK_COPY_BENCHES:
        if bench not in failed:
            return f"no data check failed (no `bench: {bench} ...: expected ..., seen ...` line)"
    if verdict.outcome is not qemu.Outcome.FAIL:
        return f"expected the guest to report failure; {verdict.explanation}"
    return None


def _boot_break_copy(options: Options, config: str, report: Report) -> None:
    """With one message word's copy broken on purpose, the ping-pong and
    bulk benchmarks must fail the boot with mismatch lines."""
    name = f"target/{config}/{BREAK_COPY_TEST}"
    try:
        build(options.root, None, config, ("BREAK_COPY=y",))
    except HarnessError as err:
        report(TestOutcome(name, False, str(err)))
        return
    argv = qemu.qemu_argv(config, "tcg", qemu.kernel_args("tcg", "bench", BREAK_COPY_ARGS),
                          options.qemu, out=break_copy_dir(config))
    timeout = options.timeout or 120
    finished = run_watched(argv, timeout, cwd=options.root)
    verdict = qemu.judge_exit(finished.status, timed_out=finished.timed_out, timeout=timeout,
                              last_line=finished.last_line(), qemu_error=finished.last_error())
    log = break_copy_dir(config) / "tcg.log"
    save_log(options.root / log, finished.stdout)
    problem = break_copy_problem(verdict, finished.stdout)
    report(TestOutcome(name, problem is None, f"{problem}; log {log}" if problem else ""))


def _test_boot(options: Options, name: str, report: Report, config: str, mode: str, run: str,
               args: str, guest: Optional[dict] = None) -> Optional[BootRecord]:
    """Boot for the test `name` (on the PC of guest, default the options'); if
    the guest cannot be booted at all, report the test failed and return None."""
    request = BootRequest(config, mode, run=run, extra_args=args, timeout=options.timeout,
                          build=False, echo=options.verbose, qemu=options.qemu,
                          **(guest or options.guest()))
    try:
        return boot(options.root, request)
    except HarnessError as err:
        report(TestOutcome(name, False, str(err)))
        return None


def _boot_fuzz(options: Options, config: str, report: Report) -> None:
    """A short seeded system-call fuzz: no crash, hang or broken invariant."""
    name = f"target/{config}/{FUZZ_TEST}"
    # icount: the interleaving of the fuzzing threads, and so the run, repeats exactly.
    record = _test_boot(options, name, report, config, "icount", "fuzz", FUZZ_ARGS)
    if not record:
        return
    found = fuzz.summary(record.finished.stdout)
    detail = found.group(0) if found else "no fuzz summary line"
    report(TestOutcome(name, record.passed, "" if record.passed else
                       f"{record.explanation}; {detail}; log {record.log}"))


def _boot_supervise(options: Options, config: str, case: supervise.Case,
                    report: Report) -> None:
    """Root restarts a server that dies under an RPC load; no client hangs."""
    name = f"target/{config}/{case.name}"
    # icount: the interleaving of clients and deaths repeats exactly.
    record = _test_boot(options, name, report, config, "icount", "rpcload", case.args())
    if not record:
        return
    found = supervise.problems(case, record.verdict, record.finished.stdout,
                               record.serial.results)
    report(TestOutcome(name, not found, f"{'; '.join(found)}; log {record.log}"))


def cpu_features(lines: Iterable[str]) -> dict[str, str]:
    """The kernel's CPU line as {feature: yes/no/...}; {} if there is none."""
    for line in lines:
        if found := _CPU_FEATURES.search(line):
            return dict(w.split("=", 1) for w in found.group(1).split() if "=" in w)
    return {}


def qemu64_problem(record: BootRecord, benches: Iterable[str]) -> Optional[str]:
    """Why the boot on a CPU without rdtscp did not pass with every benchmark
    result, or None.  The CPU line must say rdtscp=no: on a CPU with it the
    boot would prove nothing."""
    if not record.passed:
        return record.explanation
    rdtscp = cpu_features(record.finished.stdout).get("rdtscp")
    if rdtscp != "no":
        return f"the kernel's CPU line says rdtscp={rdtscp}, expected no"
    missing = bench.missing_benches(record.serial.results, tuple(benches))
    if missing:
        return f"no result from {', '.join(missing)}"
    return None


def _boot_qemu64(options: Options, config: str, report: Report) -> None:
    """ktest and the benchmarks on a CPU without rdtscp or PCID (icount, so
    that the measuring overhead is stable)."""
    name = f"target/{config}/{QEMU64_TEST}"
    benches = bench.with_floor(QEMU64_BENCHES)
    guest = {**options.guest(), "cpu": QEMU64_CPU}
    record = _test_boot(options, name, report, config, "icount", "ktest,bench",
                        f"test=null_syscall bench={','.join(benches)}", guest)
    if record:
        problem = qemu64_problem(record, benches)
        report(TestOutcome(name, problem is None, f"{problem}; log {record.log}"))


def smp_problem(lines: Iterable[str], cpus: int) -> Optional[str]:
    """Why the banner of a boot given cpus CPUs does not count them all and
    name every one but its own as unused, or None."""
    found = next((m for m in map(_CPUS_LINE.search, lines) if m), None)
    if not found:
        return "no `ipclab: N cpus (...)` line"
    count, source, self_id = int(found.group(1)), found.group(2), found.group(3)
    unused = (found.group(4) or "").split()
    if count != cpus:
        return f"the banner counts {count} cpus ({source}), the guest has {cpus}"
    if len(set(unused)) != cpus - 1 or self_id in unused:
        return f"the banner names {len(set(unused))} unused cpus besides apic id {self_id}, " \
               f"expected {cpus - 1}"
    return None


# The cycle model (harness/plugin/cycles.c) keeps its promises on a real
# kernel: two cycles boots give the same figures, and cold costs more than warm.
CYCLES_TEST = "cycles_repeat"
CYCLES_CONFIGS = ("l4", "mach")
CYCLES_ARGS = "bench=null_syscall,space_switch footprint=1 hz=1000"


def cycles_problem(first: BootRecord, second: BootRecord) -> Optional[str]:
    """Why two cycles boots of one preset break the model's promises, or None:
    both passed with model figures, every region's cold median is above its warm
    one, and the two boots gave the same results and the same model figures."""
    for record in (first, second):
        if not record.passed:
            return record.explanation
        if not record.cycles:
            return "the cycle model saw no marked region"
    for region, found in sorted(first.cycles.items()):
        warm, cold = found["warm"]["median"], found["cold"]["median"]
        if cold <= warm:
            return f"region {region}: cold {cold} is not above warm {warm} model cycles"
    if first.cycles != second.cycles:
        return "two boots gave different model cycles"
    if first.serial.results != second.serial.results:
        return "two boots gave different results"
    return None


def _boot_cycles(options: Options, config: str, report: Report) -> None:
    """Two boots in cycles mode with the floor benchmarks: see cycles_problem."""
    name = f"target/{config}/{CYCLES_TEST}"
    try:
        build(options.root, "plugin")
    except HarnessError as err:
        report(TestOutcome(name, False, str(err)))
        return
    records = []
    for _ in range(2):
        record = _test_boot(options, name, report, config, "cycles", "bench", CYCLES_ARGS)
        if not record:
            return
        records.append(record)
    problem = cycles_problem(*records)
    report(TestOutcome(name, problem is None, f"{problem}; log {records[-1].log}"
                       if problem else ""))


def _boot_smp(options: Options, config: str, report: Report) -> None:
    """A Q35 PC with four CPUs: the kernel runs on one and names the other three."""
    name = f"target/{config}/{SMP_TEST}"
    guest = {**options.guest(), "smp": SMP_CPUS, "machine": SMP_MACHINE}
    record = _test_boot(options, name, report, config, "tcg", "ktest", "test=null_syscall",
                        guest)
    if record:
        problem = (record.explanation if not record.passed else
                   smp_problem(record.finished.stdout, SMP_CPUS))
        report(TestOutcome(name, problem is None, f"{problem}; log {record.log}"))


# The README's claim: the default boot (run=all: ktest, bench, fuzz) passes
# with this little RAM, measured on MEMORY_MIN_CONFIG under icount.
README = Path("README.md")
MEMORY_MIN_CONFIG = "l4"
# At the benchmarks' tick rate: the rpc cases run ten ticks a client, which
# at the default 100 Hz are ten times as many instructions; memory is the same.
MEMORY_MIN_ARGS = "hz=1000"
_MEMORY_CLAIM = re.compile(r"`run=all` passes under icount with as little as (\d+) MiB of RAM")
# Far too little: the idle thread or the root task does not fit (which one
# depends on the modules' sizes), and the panic says what ran short.
MEMORY_SHORT = "2M"
_BOOT_SHORT = re.compile(r"PANIC: cannot [^:]+: out of memory \([^)]+\): "
                         r"it needs (\d+) KiB, (\d+) KiB free")


def memory_claim(readme: str) -> Optional[str]:
    """The minimum RAM the README claims for run=all, as a --memory size, or None."""
    found = _MEMORY_CLAIM.search(" ".join(readme.split()))
    return f"{found.group(1)}M" if found else None


def _boot_memory_min(options: Options, config: str, report: Report) -> None:
    """run=all passes with the RAM the README says is its minimum."""
    name = f"target/{config}/{MEMORY_MIN_TEST}"
    try:
        memory = memory_claim((options.root / README).read_text(encoding="utf-8"))
    except OSError as err:
        memory, why = None, f"cannot read {README}: {err.strerror}"
    else:
        why = f"{README} states no minimum RAM (want {_MEMORY_CLAIM.pattern!r})"
    if memory is None:
        report(TestOutcome(name, False, why))
        return
    record = _test_boot(options, name, report, config, "icount", "all", MEMORY_MIN_ARGS,
                        {**options.guest(), "memory": memory})
    if record:
        report(TestOutcome(name, record.passed, "" if record.passed else
                           f"with {memory}: {record.explanation}; log {record.log}"))


def memory_short_problem(verdict: qemu.Verdict, lines: Iterable[str]) -> Optional[str]:
    """Why a boot with far too little RAM did not end in a panic that says
    what ran short, how much was needed and how much was free (None: it did)."""
    if verdict.outcome is not qemu.Outcome.PANIC:
        return f"expected a kernel panic; {verdict.explanation}"
    for line in lines:
        found = _BOOT_SHORT.search(line)
        if found and int(found.group(1)) > int(found.group(2)):
            return None
    return "no panic line saying what ran short, the KiB needed and the KiB free"


def _boot_memory_short(options: Options, config: str, report: Report) -> None:
    """With MEMORY_SHORT of RAM the kernel stops, saying in words what ran short."""
    name = f"target/{config}/{MEMORY_SHORT_TEST}"
    record = _test_boot(options, name, report, config, "icount", "all", "",
                        {**options.guest(), "memory": MEMORY_SHORT})
    if not record:
        return
    problem = memory_short_problem(record.verdict, record.finished.stdout)
    report(TestOutcome(name, problem is None, f"{problem}; log {record.log}" if problem else ""))


def kernel_fault_problem(verdict: qemu.Verdict, lines: Iterable[str]) -> Optional[str]:
    """Why a boot with crash=kernel did not end as a reported kernel fault."""
    if verdict.outcome is not qemu.Outcome.PANIC:
        return f"expected the kernel-fault exit status; {verdict.explanation}"
    text = "\n".join(lines)
    for needed in ("KERNEL FAULT", "rip ", "cr3 "):
        if needed not in text:
            return f"the register dump lacks {needed.strip()!r}"
    return None


def _boot_kernel_fault(options: Options, config: str, report: Report) -> None:
    """A deliberate kernel fault prints the registers and exits with its own status."""
    name = f"target/{config}/{KERNEL_FAULT_TEST}"
    record = _test_boot(options, name, report, config, "tcg", "none", "crash=kernel")
    if not record:
        return
    problem = kernel_fault_problem(record.verdict, record.finished.stdout)
    report(TestOutcome(name, problem is None, f"{problem}; log {record.log}" if problem else ""))


# devtest's tests are the ones named dev_*; ktest has the others.  Both read
# test=, and each refuses a name that begins none of its tests.
DEVTEST_PREFIX = "dev_"


# A program's one-line error about its arguments (user/lib/args.c):
# "prog: key=value: what is wrong; accepted: ...".
_ARGUMENT_ERROR = re.compile(r"^[a-z0-9_]+: [a-z0-9_]+=\S*: ")


def argument_error(lines: Iterable[str]) -> Optional[str]:
    """The first line in which a program refused an argument, or None."""
    return next((line.rstrip("\r") for line in lines if _ARGUMENT_ERROR.match(line)), None)


def target_modules(test: str) -> str:
    """The run= of the on-target boot for one test name: the module that has
    it (ktest, or devtest for dev_*), or both for every test ("")."""
    if not test:
        return "ktest,devtest"
    return "devtest" if test.startswith(DEVTEST_PREFIX) else "ktest"


def _boot_target(options: Options, config: str, test: str, markers: Markers,
                 report: Report) -> None:
    """One on-target boot of test (every test if ""); each TEST line is
    reported the moment it arrives."""
    def watch(line: str) -> None:
        item = classify_line(line, markers)
        if isinstance(item, TestLine):
            report(TestOutcome(f"target/{config}/{item.name}", item.ok, item.reason,
                               skipped=item.skipped))

    # devtest checks the device mechanisms; it needs the e1000 (nic=loop).
    args = f"nic=loop test={test}" if test else "nic=loop"
    request = BootRequest(config, "tcg", run=target_modules(test), extra_args=args,
                          timeout=options.timeout, build=False, echo=options.verbose,
                          qemu=options.qemu, **options.guest())
    name = f"target/{config}/boot"
    try:
        record = boot(options.root, request, watch=watch)
    except HarnessError as err:
        report(TestOutcome(name, False, str(err)))
        return
    problem = target_boot_problem(record.verdict, record.serial)
    if problem:
        said = argument_error(record.finished.stdout)     # e.g. test= names no test
        report(TestOutcome(name, False, f"{said + '; ' if said else ''}{problem}; log {record.log}"))


# --- ISO ------------------------------------------------------------------------------

# The ISO's GRUB entries and what a test boots them with: run= picks the
# entry (qemu.iso_entry), the rest is baked into the image.
ISO_TESTS = (("banner", "all"), ("netbench", "devtest,netbench"))


def iso_problem(record, run: str) -> Optional[str]:
    """Why an ISO boot failed, or None: EXIT_PASS after the banner, and for the
    device entry every module's TEST lines present and passing."""
    failed = [f"TEST {t.name} FAIL {t.reason}" for t in record.serial.failed_tests()]
    if failed:
        return "; ".join(failed)
    if not record.passed:
        return record.explanation
    if "netbench" in run and not any(t.name.startswith("e1000_user") for t in record.serial.tests):
        return "netbench ran no check (no e1000_user TEST line)"
    return None


def run_iso_tests(options: Options, report: Report) -> None:
    """Build each root preset's ISO (or one --only names), boot each entry, and
    check banner and EXIT_PASS."""
    if not options.iso:
        return
    for config in options.configs:
        for test, run in ISO_TESTS:
            name = f"iso/{config}/{test}"
            named = any(p.startswith(f"iso/{config}/") for p in options.only)
            if not narrow(options.only, name) or (config not in ROOT_CONFIGS and not named):
                continue
            request = BootRequest(config, "iso", run=run, timeout=options.timeout,
                                  echo=options.verbose, qemu=options.qemu, **options.guest())
            try:
                record = boot(options.root, request)
            except HarnessError as err:
                report(TestOutcome(name, False, str(err)))
                continue
            problem = iso_problem(record, run)
            report(TestOutcome(name, problem is None, f"{problem}; log {record.log}"))


# --- The whole run ------------------------------------------------------------------

def run_tests(options: Options, tally: Optional[Tally] = None) -> int:
    """Run every selected test, print `N passed, N failed`; return the exit status."""
    tally = tally or Tally()
    for stage in (run_host_tests, run_harness_tests, run_target_tests, run_iso_tests):
        stage(options, tally)
    print(tally.summary(), file=tally.out, flush=True)
    if tally.passed + tally.failed + tally.skipped == 0:
        print("harness: no test was selected", file=sys.stderr)
        return 1
    return 1 if tally.failed else 0


# The boots of their own, not ktest tests, in the order they run: each test's
# name, the presets it runs on (None: every one) and what boots it.
BootTest = Callable[[Options, str, Report], None]


def own_boots() -> list[tuple[str, Optional[tuple[str, ...]], BootTest]]:
    """Every boot of its own that run_target_tests may make for a preset."""
    def supervised(case: supervise.Case) -> BootTest:
        return lambda options, config, report: _boot_supervise(options, config, case, report)

    def bad_args(case: badargs.Case) -> BootTest:
        return lambda options, config, report: _boot_badargs(options, config, case, report)

    return [(KERNEL_FAULT_TEST, None, _boot_kernel_fault), (FUZZ_TEST, None, _boot_fuzz),
            (HOSTILE_TEST, None, _boot_hostile),
            *((c.name, None, supervised(c)) for c in supervise.CASES),
            (ECHO_TEST, ROOT_CONFIGS, _boot_echo), (QEMU64_TEST, None, _boot_qemu64),
            (SMP_TEST, ROOT_CONFIGS, _boot_smp),
            *((c.name, ROOT_CONFIGS, bad_args(c)) for c in badargs.CASES),
            (BREAK_COPY_TEST, BREAK_COPY_CONFIGS, _boot_break_copy),
            (MEMORY_MIN_TEST, (MEMORY_MIN_CONFIG,), _boot_memory_min),
            (MEMORY_SHORT_TEST, ROOT_CONFIGS, _boot_memory_short),
            (CYCLES_TEST, CYCLES_CONFIGS, _boot_cycles)]


BOOT_TESTS = tuple(name for name, _, _ in own_boots())
