"""Message sizes and bulk data: per preset, a series of cases against size.

The `bulk` benchmark (bench/target/bulk.c) moves N bytes from a client to a
server in another space, in two ways: `copied/<N>B`, the data is the message
(registers, or the kernel's copies), up to the model's largest message; and
`shared/<N>B`, the data is in a buffer mapped into both spaces and the
message is two words.  Both time the same duties: the client writing the N
bytes, the IPC, the server reading and checking every word, and its one-word
answer.  The cost of one more byte is the least-squares slope of a series,
stated with the sizes it is fitted on.  Pure: no files, no printing.
"""

import re
from dataclasses import dataclass
from numbers import Real
from typing import Iterable, Optional, Sequence

BULK_BENCH = "bulk"
METHODS = ("copied", "shared")

# A case that ends in a message size: `roundtrip/other-space/64B`.
_SIZED_CASE = re.compile(r"^(.*)/(\d+)B$")


def sized_case(case: str) -> Optional[tuple[str, int]]:
    """(`roundtrip/other-space`, 64) for `roundtrip/other-space/64B`, else None."""
    match = _SIZED_CASE.match(case)
    return (match.group(1), int(match.group(2))) if match else None


def slope(points: Sequence[tuple[float, float]]) -> Optional[float]:
    """The least-squares slope of y against x, or None with fewer than two x values."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return cov / var


def series(results: Iterable[dict], preset: str, bench: str, family: str,
           stat: str) -> list[tuple[int, float]]:
    """(bytes, value) of one preset's cases `<family>/<N>B` of bench, by size."""
    points = []
    for result in results:
        sized = sized_case(result["case"])
        value = result.get(stat)
        if (result["variant"] == preset and result["bench"] == bench and sized
                and sized[0] == family and isinstance(value, Real)
                and not isinstance(value, bool)):
            points.append((sized[1], value))
    return sorted(points)


@dataclass(frozen=True)
class ByteCost:
    """The cost of one more byte of one preset's series, and what it is fitted on."""

    preset: str
    method: str
    per_byte: float
    sizes: tuple[int, ...]

    def text(self, unit: str) -> str:
        """`l4 shared: 1.75 instructions per byte (fitted on 0, 8, ..., 4096 B)`."""
        sizes = ", ".join(str(s) for s in self.sizes)
        return (f"{self.preset} {self.method}: {self.per_byte:.3f} {unit} per byte "
                f"(fitted on {sizes} B)")


def byte_costs(results: Sequence[dict], presets: Sequence[str], stat: str) -> list[ByteCost]:
    """The slope of every bulk series (copied, shared) of each preset that has two sizes."""
    costs = []
    for preset in presets:
        for method in METHODS:
            points = series(results, preset, BULK_BENCH, method, stat)
            rise = slope(points)
            if rise is not None:
                costs.append(ByteCost(preset, method, rise, tuple(x for x, _ in points)))
    return costs


def bulk_sizes(results: Iterable[dict]) -> list[int]:
    """Every size of the bulk cases in the results, smallest first."""
    return sorted({sized[1] for r in results if r["bench"] == BULK_BENCH
                   for sized in [sized_case(r["case"])] if sized and sized[0] in METHODS})


def bulk_columns(results: Sequence[dict], presets: Sequence[str]) -> list[tuple[str, str]]:
    """(preset, method) of every bulk series the results hold, presets in order."""
    have = {(r["variant"], sized[0]) for r in results if r["bench"] == BULK_BENCH
            for sized in [sized_case(r["case"])] if sized and sized[0] in METHODS}
    return [(p, m) for p in presets for m in METHODS if (p, m) in have]


def bulk_rows(results: Sequence[dict], columns: Sequence[tuple[str, str]],
              stat: str) -> list[list]:
    """One row per size: the size, then each column's value (None where it has none)."""
    found = {(p, m): dict(series(results, p, BULK_BENCH, m, stat)) for p, m in columns}
    return [[size, *(found[col].get(size) for col in columns)] for size in bulk_sizes(results)]


def in_order(bench: str, rows: dict) -> dict:
    """A table's rows by case; the bulk cases by way, then size (a preset's
    series can have sizes another's lacks, which would come last)."""
    if bench != BULK_BENCH:
        return rows
    def key(case: str) -> tuple:
        sized = sized_case(case)
        if not sized or sized[0] not in METHODS:
            return (len(METHODS), 0, case)
        return (METHODS.index(sized[0]), sized[1], "")
    return dict(sorted(rows.items(), key=lambda item: key(item[0])))
