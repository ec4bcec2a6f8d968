"""Run a program under a watchdog and read its output line by line.

The program runs in its own session, so the watchdog can kill it together with
everything it started.  Output is read with a selector, not a blocking read, so
the deadline fires even when the program prints nothing at all.
"""

import codecs
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Optional, Sequence

# How long a finished program's pipes may stay open (held by something it
# started) before we stop reading them.
DRAIN_GRACE_S = 1.0

# How often the watchdog looks at the clock and the program while it is silent.
POLL_S = 0.25

# How long a program gets to exit after SIGTERM before it gets SIGKILL.
TERM_GRACE_S = 2.0

LineSink = Callable[[str], None]


class LineSplitter:
    """Turns chunks of bytes into text lines: UTF-8, carriage returns removed."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""

    def feed(self, chunk: bytes) -> list[str]:
        """Add a chunk; return the lines it completed (without their newline)."""
        text = self._partial + self._decoder.decode(chunk).replace("\r", "")
        *lines, self._partial = text.split("\n")
        return lines

    def flush(self) -> list[str]:
        """Return the last, unterminated line, if there is one."""
        text = self._partial + self._decoder.decode(b"", final=True).replace("\r", "")
        self._partial = ""
        return [text] if text else []


@dataclass(frozen=True)
class Finished:
    """How a watched program ended and what it printed."""

    status: Optional[int]       # exit status; negative = signal; None = killed by us
    timed_out: bool             # the watchdog killed it
    elapsed: float              # seconds from start to end
    stdout: tuple[str, ...]     # lines printed on stdout
    stderr: tuple[str, ...]     # lines printed on stderr

    def last_line(self) -> str:
        """The last non-blank stdout line, or '' if it printed nothing."""
        return last_nonblank(self.stdout)

    def last_error(self) -> str:
        """The last non-blank stderr line, or ''."""
        return last_nonblank(self.stderr)


def last_nonblank(lines: Sequence[str]) -> str:
    """The last line that is not blank, stripped; '' if there is none."""
    return next((line.strip() for line in reversed(lines) if line.strip()), "")


def signal_name(number: int) -> str:
    """SIGKILL for 9, and so on."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_watched(argv: Sequence[str], timeout: Optional[float], *,
                cwd: Optional[os.PathLike] = None,
                on_stdout: Optional[LineSink] = None,
                on_stderr: Optional[LineSink] = None) -> Finished:
    """Run argv, passing each output line to the sinks as it arrives.

    After `timeout` seconds (None: no limit) the program and its whole process
    group are killed and the result says timed_out.  Raises FileNotFoundError
    when the program does not exist.
    """
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    out, err = _Stream(on_stdout), _Stream(on_stderr)
    with subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as proc:
        try:
            end = _pump(proc, deadline, {proc.stdout.fileno(): out, proc.stderr.fileno(): err})
            if end is _End.CLOSED:
                exited = _wait_until(proc, deadline)
            elif end is _End.ABANDONED:
                exited = True
                _killpg_quietly(proc.pid, signal.SIGKILL)   # what holds the pipes
            else:
                exited = proc.poll() is not None
                kill_group(proc)
        finally:
            if proc.poll() is None:
                kill_group(proc)
    out.take(b"")
    err.take(b"")
    return Finished(proc.returncode if exited else None, not exited,
                    time.monotonic() - start, tuple(out.lines), tuple(err.lines))


class _Stream:
    """One output pipe: the lines read so far, and who else wants them."""

    def __init__(self, sink: Optional[LineSink]) -> None:
        self.lines: list[str] = []
        self.splitter = LineSplitter()
        self.sink = sink

    def take(self, chunk: bytes) -> None:
        """Take a chunk read from the pipe; b"" (end of file) flushes the last line."""
        new = self.splitter.feed(chunk) if chunk else self.splitter.flush()
        self.lines.extend(new)
        if self.sink is not None:
            for line in new:
                self.sink(line)


class _End(Enum):
    """Why _pump stopped reading."""

    CLOSED = "both pipes reached end of file"
    DEADLINE = "the deadline passed"
    ABANDONED = "the program exited, but something it started holds the pipes open"


def _pump(proc: subprocess.Popen, deadline: Optional[float],
          streams: dict[int, _Stream]) -> _End:
    """Read the pipes into their streams until they close or time runs out."""
    drain_until = None
    with selectors.DefaultSelector() as selector:
        for fd in streams:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if drain_until is None and proc.poll() is not None:
                drain_until = now + DRAIN_GRACE_S
            if drain_until is not None and now >= drain_until:
                return _End.ABANDONED
            if deadline is not None and now >= deadline:
                return _End.DEADLINE
            wait = POLL_S if deadline is None else min(POLL_S, deadline - now)
            for key, _ in selector.select(wait):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                streams[key.fd].take(chunk)
    return _End.CLOSED


def _wait_until(proc: subprocess.Popen, deadline: Optional[float]) -> bool:
    """Wait for proc to exit by the deadline; False if it did not."""
    try:
        proc.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return True
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return False


def kill_group(proc: subprocess.Popen) -> None:
    """Stop proc's whole process group: SIGTERM, then SIGKILL for what is left."""
    _killpg_quietly(proc.pid, signal.SIGTERM)
    try:
        proc.wait(TERM_GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    _killpg_quietly(proc.pid, signal.SIGKILL)
    proc.wait()


def _killpg_quietly(pgid: int, sig: int) -> None:
    """Send sig to a process group that may already be empty."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
