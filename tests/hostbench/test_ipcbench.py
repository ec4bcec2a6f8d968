#!/usr/bin/env python3
"""Tests of build/host-bench/ipcbench, the Linux host baselines (bench/host/).

Builds the program with `make -s host-bench`, runs it with few samples and checks its result
lines against docs/results.md.  Standard library only; run from anywhere:

    python3 -m unittest tests.hostbench.test_ipcbench            # every test
    python3 -m unittest tests.hostbench.test_ipcbench Bad        # one class, or Class.test_name
"""
import json
import pathlib
import subprocess
import tempfile
import time
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "build" / "host-bench" / "ipcbench"
SAMPLES = 200

# The matrix ipcbench runs: transport -> message sizes.
SIZES = {"pipe": (8, 64), "unix_socket": (8, 64), "futex": (8,), "eventfd": (8,),
         "mqueue": (8, 64)}
STATS = ("min", "median", "mean", "stddev", "p99", "max")
REQUIRED = ("bench", "case", "variant", "axes", "unit", "samples", "iterations", *STATS,
            "overhead", "counters", "stable", "overhead_spread")


def result_begin_end():
    """The result-line markers, read from include/ipclab/result.h as the harness does."""
    text = (ROOT / "include" / "ipclab" / "result.h").read_text()
    markers = {}
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] == "#define" and parts[1] in ("RESULT_BEGIN", "RESULT_END"):
            markers[parts[1]] = json.loads(parts[2])
    return markers["RESULT_BEGIN"], markers["RESULT_END"]


def build(*make_args):
    """Builds ipcbench quietly; fails the calling test with make's output if that fails."""
    proc = subprocess.run(["make", "-s", "host-bench", *make_args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"make host-bench failed:\n{proc.stdout}{proc.stderr}")


def run(*args, program=PROGRAM, timeout=60):
    """Runs ipcbench with args: the completed process (text stdout and stderr)."""
    return subprocess.run([str(program), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def results_of(stdout):
    """The JSON objects of the result lines in stdout, in order."""
    begin, end = result_begin_end()
    found = []
    for line in stdout.splitlines():
        if line.startswith(begin):
            if not line.endswith(end):
                raise AssertionError(f"result line without its end marker: {line!r}")
            found.append(json.loads(line[len(begin):len(line) - len(end)]))
    return found


def expected_cases(stderr):
    """(bench, case) of every result line the full matrix should give."""
    placements = ["same-cpu"] if "cross-cpu skipped" in stderr else ["same-cpu", "cross-cpu"]
    return {(bench, f"{way}/{cpus}/{size}B")
            for bench, sizes in SIZES.items() for cpus in placements for size in sizes
            for way in ("roundtrip", "oneway")}


class FullRun(unittest.TestCase):
    """The whole matrix, once, with few samples."""

    @classmethod
    def setUpClass(cls):
        build()
        cls.proc = run("--samples", str(SAMPLES))
        cls.results = results_of(cls.proc.stdout)

    def test_exit_status_and_no_failures(self):
        """Every case ran: status 0, no FAIL line."""
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertNotIn("FAIL", self.proc.stderr)

    def test_every_case_has_its_lines(self):
        """One result line per transport, placement, size and direction; none twice."""
        got = [(r["bench"], r["case"]) for r in self.results]
        self.assertEqual(len(got), len(set(got)), "a case was printed twice")
        self.assertEqual(set(got), expected_cases(self.proc.stderr))

    def test_required_keys(self):
        """The keys of docs/results.md, with the host baseline's values."""
        for r in self.results:
            with self.subTest(bench=r.get("bench"), case=r.get("case")):
                for key in REQUIRED:
                    self.assertIn(key, r)
                self.assertEqual(r["variant"], "linux")
                self.assertEqual(set(r["axes"]), {"kernel", "cpu"})
                self.assertEqual(r["samples"], SAMPLES)
                self.assertEqual(r["iterations"], 1)
                self.assertIsInstance(r["stable"], bool)
                self.assertGreaterEqual(r["overhead_spread"], 0)

    def test_statistics_are_ordered(self):
        """min <= median <= p99 <= max, and the mean lies between min and max."""
        for r in self.results:
            with self.subTest(bench=r["bench"], case=r["case"]):
                self.assertLessEqual(r["min"], r["median"])
                self.assertLessEqual(r["median"], r["p99"])
                self.assertLessEqual(r["p99"], r["max"])
                self.assertLessEqual(r["min"], r["mean"])
                self.assertLessEqual(r["mean"], r["max"])
                self.assertGreaterEqual(r["stddev"], 0)

    def test_unit_says_which_clock(self):
        """cycles with an instructions statistic, or tsc with counters "absent: <why>"."""
        for r in self.results:
            with self.subTest(bench=r["bench"], case=r["case"]):
                self.assertIn(r["unit"], ("tsc", "cycles"))
                if r["unit"] == "tsc":
                    self.assertRegex(r["counters"], r"^absent: \S")
                    self.assertNotIn("instructions", r)
                else:
                    self.assertFalse(r["counters"].startswith("absent"))
                    self.assertLessEqual(r["instructions"]["min"], r["instructions"]["max"])

    def test_one_way_is_half_the_round_trip(self):
        """Each oneway line says so and carries half of its round trip's figures."""
        by_case = {(r["bench"], r["case"]): r for r in self.results}
        for (bench, case), r in by_case.items():
            if not case.startswith("oneway/"):
                continue
            with self.subTest(bench=bench, case=case):
                self.assertEqual(r["one_way"], "half of round trip")
                rt = by_case[(bench, case.replace("oneway/", "roundtrip/", 1))]
                self.assertNotIn("one_way", rt)
                for key in STATS:
                    self.assertAlmostEqual(r[key], rt[key] / 2, delta=0.1)


class Bad(unittest.TestCase):
    """Bad arguments and stuck peers."""

    @classmethod
    def setUpClass(cls):
        build()

    def test_bad_arguments_get_one_usage_line(self):
        """Status 2, nothing measured, one line on stderr naming the fault and the usage."""
        for args in (["--bogus"], ["--samples"], ["--samples", "0"], ["--samples", "x"],
                     ["--only", "tcp"], ["--timeout", "-1"], ["stray"]):
            with self.subTest(args=args):
                proc = run(*args)
                self.assertEqual(proc.returncode, 2)
                self.assertEqual(proc.stdout, "")
                lines = proc.stderr.splitlines()
                self.assertEqual(len(lines), 1, proc.stderr)
                self.assertIn("usage: ipcbench", lines[0])

    def test_stuck_peer_fails_within_the_bound(self):
        """A responder that stops answering fails its case after --timeout, not never."""
        start = time.monotonic()
        proc = run("--only", "eventfd", "--samples", str(SAMPLES), "--timeout", "1",
                   "--stall-peer", timeout=20)
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(results_of(proc.stdout), [])
        fails = [l for l in proc.stderr.splitlines() if "FAIL eventfd" in l]
        self.assertGreaterEqual(len(fails), 1, proc.stderr)
        for line in fails:
            self.assertIn("timed out after 1 s", line)
        self.assertLess(elapsed, 2 * len(fails) + 3)


class Options(unittest.TestCase):
    """The optional parts: a build without PAPI, perf stat."""

    def test_built_without_papi(self):
        """HOST_PAPI=n builds a program that says so in one key and uses the TSC."""
        with tempfile.TemporaryDirectory() as out:
            build("HOST_PAPI=n", f"HOST_BENCH_DIR={out}")
            proc = run("--only", "futex", "--samples", str(SAMPLES),
                       program=pathlib.Path(out) / "ipcbench")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr.count("FAIL"), 0)
        results = results_of(proc.stdout)
        self.assertTrue(results)
        for r in results:
            self.assertEqual(r["unit"], "tsc")
            self.assertEqual(r["counters"], "absent: built without PAPI")

    def test_perf_adds_figures_or_says_why_not(self):
        """--perf: a "perf" key in every result, or one line saying why there is none."""
        build()
        proc = run("--perf", "--only", "eventfd", "--samples", str(SAMPLES))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        results = results_of(proc.stdout)
        self.assertEqual({r["case"] for r in results},
                         {c for b, c in expected_cases(proc.stderr) if b == "eventfd"})
        refusals = [l for l in proc.stderr.splitlines() if l.startswith("ipcbench: --perf:")]
        if refusals:
            self.assertEqual(len(refusals), 1, proc.stderr)
            self.assertIn("going on without perf", refusals[0])
            return
        for r in results:
            with self.subTest(case=r["case"]):
                perf = r["perf"]
                self.assertGreater(perf["context_switches"], 0)
                self.assertGreater(perf["task_clock_ms"], 0)
                self.assertEqual(perf["round_trips"], r["warmup"] + SAMPLES)


if __name__ == "__main__":
    unittest.main()
