"""Tests of harness.process: line splitting and the watchdog, on real processes."""

import sys
import time
import unittest
from pathlib import Path

from harness.process import LineSplitter, run_watched


def python(code: str) -> list:
    """The command line that runs a Python one-liner."""
    return [sys.executable, "-c", code]


def alive(pid: int) -> bool:
    """Whether pid is a live (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class LineSplitterTest(unittest.TestCase):
    """Chunks in, lines out."""

    def test_lines_across_chunks(self):
        """Lines may span chunks; \\r disappears; the tail waits for flush."""
        splitter = LineSplitter()
        self.assertEqual(splitter.feed(b"one\r\ntw"), ["one"])
        self.assertEqual(splitter.feed(b"o\r\n\r\nthr"), ["two", ""])
        self.assertEqual(splitter.flush(), ["thr"])
        self.assertEqual(splitter.flush(), [])

    def test_utf8_split_inside_a_character(self):
        """A multi-byte character cut between chunks survives; bad bytes are replaced."""
        splitter = LineSplitter()
        data = "Größe\n".encode()
        self.assertEqual(splitter.feed(data[:3]), [])
        self.assertEqual(splitter.feed(data[3:]), ["Größe"])
        self.assertEqual(splitter.feed(b"\xff\n"), ["\ufffd"])


class RunWatchedTest(unittest.TestCase):
    """The watchdog always ends the run, and keeps what was printed."""

    def test_normal_exit(self):
        """Status and both streams come back; sinks see every line."""
        seen = []
        finished = run_watched(python("import sys; print('a'); print('b'); "
                                      "print('oops', file=sys.stderr); sys.exit(33)"),
                               10, on_stdout=seen.append)
        self.assertEqual(finished.status, 33)
        self.assertFalse(finished.timed_out)
        self.assertEqual(finished.stdout, ("a", "b"))
        self.assertEqual(finished.stderr, ("oops",))
        self.assertEqual(seen, ["a", "b"])
        self.assertEqual(finished.last_line(), "b")
        self.assertEqual(finished.last_error(), "oops")

    def test_silent_hang(self):
        """`sleep 100` printing nothing is killed at the deadline."""
        start = time.monotonic()
        finished = run_watched(["sleep", "100"], 0.5)
        self.assertLess(time.monotonic() - start, 10)
        self.assertTrue(finished.timed_out)
        self.assertIsNone(finished.status)
        self.assertEqual(finished.stdout, ())

    def test_prints_then_hangs(self):
        """Lines printed before the hang are kept, including an unfinished one,
        and were streamed while the program was still running."""
        arrivals = []
        code = ("import sys, time; print('booting', flush=True); "
                "sys.stdout.write('half a line'); sys.stdout.flush(); time.sleep(100)")
        start = time.monotonic()
        finished = run_watched(python(code), 1.5,
                               on_stdout=lambda line: arrivals.append(time.monotonic()))
        self.assertTrue(finished.timed_out)
        self.assertEqual(finished.stdout, ("booting", "half a line"))
        self.assertEqual(finished.last_line(), "half a line")
        self.assertLess(arrivals[0], start + 1.5)           # while it ran
        self.assertGreaterEqual(arrivals[1], start + 1.5)   # flushed at the end

    def test_whole_process_group_is_killed(self):
        """A grandchild in the group dies with the program."""
        code = ("import subprocess, time; p = subprocess.Popen(['sleep', '100']); "
                "print(p.pid, flush=True); time.sleep(100)")
        finished = run_watched(python(code), 1)
        self.assertTrue(finished.timed_out)
        grandchild = int(finished.stdout[0])
        deadline = time.monotonic() + 5
        while alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(alive(grandchild))

    def test_exit_while_a_child_holds_the_pipe(self):
        """A program that exits is not hung, even if a child keeps stdout open;
        the child is killed."""
        code = ("import subprocess; p = subprocess.Popen(['sleep', '30']); "
                "print(p.pid); print('bye')")
        start = time.monotonic()
        finished = run_watched(python(code), 20)
        self.assertFalse(finished.timed_out)
        self.assertEqual(finished.status, 0)
        self.assertEqual(finished.stdout[1:], ("bye",))
        self.assertLess(time.monotonic() - start, 10)
        child = int(finished.stdout[0])
        deadline = time.monotonic() + 5
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(alive(child))

    def test_killed_by_a_signal(self):
        """A signal death shows as a negative status, not as a hang."""
        finished = run_watched(python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"),
                               10)
        self.assertEqual(finished.status, -11)
        self.assertFalse(finished.timed_out)

    def test_missing_program(self):
        """A program that does not exist raises FileNotFoundError."""
        with self.assertRaises(FileNotFoundError):
            run_watched(["/nonexistent/qemu"], 1)

    def test_cwd(self):
        """The program runs in the given directory."""
        finished = run_watched(python("import os; print(os.getcwd())"), 10, cwd="/")
        self.assertEqual(finished.stdout, ("/",))


if __name__ == "__main__":
    unittest.main()
