"""The serial-line protocol between a guest and the harness.

The marker strings live in include/ipclab/result.h and only there; this module
reads them from the header.  A marker may appear anywhere in a line: whatever
precedes it (firmware or boot-loader debris, escape sequences) is ignored.

    <BANNER_PREFIX>...                         the kernel is up
    <TEST_PREFIX><name> ok                     an on-target test passed
    <TEST_PREFIX><name> FAIL <reason...>       an on-target test failed
    <TEST_PREFIX><name> skip <reason...>       a test that cannot apply to the variant
    <RESULT_BEGIN>{json object}<RESULT_END>    one benchmark result
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

RESULT_HEADER = Path("include/ipclab/result.h")

# `#define NAME "string"`, with the C escapes a marker might use.
_DEFINE = re.compile(r'^\s*#\s*define\s+(\w+)\s+"((?:[^"\\]|\\.)*)"', re.MULTILINE)
_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}

# Terminal control sequences (CSI, two-byte escapes) and other control bytes.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]")


class MarkerError(Exception):
    """The result header is missing or lacks a marker."""


@dataclass(frozen=True)
class Markers:
    """The protocol strings, as defined in include/ipclab/result.h."""

    result_begin: str
    result_end: str
    test_prefix: str
    banner_prefix: str


@dataclass(frozen=True)
class Banner:
    """The kernel's first line, from the banner prefix on."""

    text: str


@dataclass(frozen=True)
class TestLine:
    """One on-target test verdict."""

    name: str
    ok: bool                         # True also for a skipped test: it did not fail
    reason: str = ""
    skipped: bool = False


@dataclass(frozen=True)
class Result:
    """One benchmark result: the JSON object between the result markers."""

    data: dict


@dataclass(frozen=True)
class Malformed:
    """A result line whose JSON could not be read."""

    text: str


Item = Union[Banner, TestLine, Result, Malformed]


@dataclass(frozen=True)
class SerialReport:
    """Everything the harness understood in a serial log."""

    banner: Optional[str]            # the first banner line, from its prefix on
    tests: tuple[TestLine, ...]
    results: tuple[dict, ...]        # benchmark results, in order
    malformed: tuple[str, ...]       # result lines whose JSON did not parse

    def failed_tests(self) -> tuple[TestLine, ...]:
        """The tests that reported FAIL."""
        return tuple(t for t in self.tests if not t.ok)


def read_markers(header_text: str, source: str = str(RESULT_HEADER)) -> Markers:
    """Parse the marker #defines out of the text of result.h."""
    defines = {name: _unescape(value) for name, value in _DEFINE.findall(header_text)}
    wanted = ("RESULT_BEGIN", "RESULT_END", "TEST_PREFIX", "BANNER_PREFIX")
    missing = [name for name in wanted if not defines.get(name)]
    if missing:
        raise MarkerError(f"{source} does not define {', '.join(missing)}")
    return Markers(*(defines[name] for name in wanted))


def load_markers(root: Path) -> Markers:
    """Read the markers from the result header of the tree at root."""
    path = root / RESULT_HEADER
    try:
        return read_markers(path.read_text(encoding="utf-8"), str(path))
    except OSError as err:
        raise MarkerError(f"cannot read {path}: {err.strerror}") from err


def _unescape(c_string: str) -> str:
    """Undo the simple backslash escapes of a C string literal."""
    return re.sub(r"\\(.)", lambda m: _C_ESCAPES.get(m.group(1), m.group(1)), c_string)


def clean_line(line: str) -> str:
    """Drop carriage returns, terminal escape sequences and control bytes."""
    return _CONTROL.sub("", line)


def parse_test(text: str) -> Optional[TestLine]:
    """Parse what follows the test prefix: `<name> ok`, `<name> FAIL <reason>`
    or `<name> skip <reason>`."""
    words = text.split(None, 2)
    if len(words) < 2 or words[1] not in ("ok", "FAIL", "skip"):
        return None
    name, verdict = words[0], words[1]
    if verdict == "ok":
        return TestLine(name, True)
    reason = (words[2].strip() if len(words) > 2 else "") or "(no reason given)"
    return TestLine(name, verdict == "skip", reason, skipped=verdict == "skip")


def parse_result(text: str, markers: Markers) -> Item:
    """Parse what follows the result-begin marker: `{json object}<RESULT_END>`."""
    end = text.find(markers.result_end)
    if end < 0:
        return Malformed(text)
    try:
        value = json.loads(text[:end])
    except ValueError:
        return Malformed(text[:end])
    return Result(value) if isinstance(value, dict) else Malformed(text[:end])


def classify_line(line: str, markers: Markers) -> Optional[Item]:
    """What a serial line says, if it carries a marker; None for other output."""
    line = clean_line(line)
    at = line.find(markers.result_begin)
    if at >= 0:
        return parse_result(line[at + len(markers.result_begin):], markers)
    at = line.find(markers.banner_prefix)
    if at >= 0:
        return Banner(line[at:].rstrip())
    at = line.find(markers.test_prefix)
    if at >= 0:
        return parse_test(line[at + len(markers.test_prefix):])
    return None


def parse_serial(lines: Iterable[str], markers: Markers) -> SerialReport:
    """Collect the banner, test verdicts and results from serial lines."""
    banners, tests, results, malformed = [], [], [], []
    for line in lines:
        item = classify_line(line, markers)
        if isinstance(item, Banner):
            banners.append(item.text)
        elif isinstance(item, TestLine):
            tests.append(item)
        elif isinstance(item, Result):
            results.append(item.data)
        elif isinstance(item, Malformed):
            malformed.append(item.text)
    return SerialReport(banners[0] if banners else None,
                        tuple(tests), tuple(results), tuple(malformed))
