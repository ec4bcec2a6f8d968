"""Compare a run with the baseline: did any metric rise by more than the threshold?

A metric is one statistic (median, min) of one case of one benchmark of one
preset.  Lower is better for every metric compared here: they are costs.

The minimum of a case with several clients is left out: it is the luckiest
call of an interleaving that the timer tick decides, so it moves whenever
unrelated kernel code moves (seen: +30 % with no change to any IPC path).
Its median, and every statistic of single-client cases, repeat exactly.
"""

from dataclasses import dataclass
from typing import Iterable

from harness.tables import fmt_number, number

STATISTICS = ("median", "min")

Key = tuple[str, str, str, str]        # variant, bench, case, statistic


@dataclass(frozen=True)
class Metric:
    """One value with its unit."""

    value: float
    unit: str


@dataclass(frozen=True)
class Comparison:
    """The outcome of a comparison: failures make regress exit 1, notes do not."""

    failures: tuple[str, ...]
    notes: tuple[str, ...]
    compared: int

    @property
    def failed(self) -> bool:
        """Whether any metric rose, vanished or changed its unit."""
        return bool(self.failures)


def metrics(results: Iterable[dict], statistics: Iterable[str] = STATISTICS) -> dict[Key, Metric]:
    """The comparable metrics of a run's results (the last one wins on a repeat)."""
    found = {}
    for result in results:
        for stat in statistics:
            if stat == "min" and (number(result.get("clients")) or 0) > 1:
                continue                 # tick-driven: see the module's note
            value = number(result.get(stat))
            if value is not None:
                key = (result["variant"], result["bench"], result["case"], stat)
                found[key] = Metric(value, result["unit"])
    return found


def name(key: Key) -> str:
    """`l4 pingpong roundtrip/other-space/0w median`."""
    return " ".join(key)


def change_percent(old: float, new: float) -> float:
    """How much new differs from old, in percent of old."""
    if old == 0:
        return 0.0 if new == 0 else float("inf") if new > 0 else float("-inf")
    return (new - old) * 100.0 / old


def rose(old: float, new: float, threshold: float) -> bool:
    """Whether new exceeds old by more than threshold percent."""
    return (new - old) * 100.0 > threshold * old if old > 0 else new > old


def describe(key: Key, old: Metric, new: Metric) -> str:
    """`l4 pingpong x median 212 -> 223 instructions (+5.2 %)`."""
    return (f"{name(key)} {fmt_number(old.value)} -> {fmt_number(new.value)} {new.unit} "
            f"({change_percent(old.value, new.value):+.1f} %)")


def compare(baseline: Iterable[dict], run: Iterable[dict], threshold: float = 1.0) -> Comparison:
    """Compare the results of a run with those of the baseline."""
    old, new = metrics(baseline), metrics(run)
    failures, notes = [], []
    for key, before in old.items():
        after = new.get(key)
        if after is None:
            failures.append(f"{name(key)} missing from the run "
                            f"(baseline {fmt_number(before.value)} {before.unit})")
        elif after.unit != before.unit:
            failures.append(f"{name(key)} changed its unit: {before.unit} -> {after.unit}")
        elif rose(before.value, after.value, threshold):
            failures.append(describe(key, before, after))
        elif (before.value - after.value) * 100.0 > threshold * before.value:
            notes.append(f"fell: {describe(key, before, after)}")
    for key, after in new.items():
        if key not in old:
            notes.append(f"new: {name(key)} {fmt_number(after.value)} {after.unit} "
                         f"(not in the baseline)")
    return Comparison(tuple(failures), tuple(notes), len(old))


def summary(comparison: Comparison, threshold: float, baseline: str) -> str:
    """The last line of regress."""
    count = len(comparison.failures)
    verdict = (f"{count} failure{'' if count == 1 else 's'}" if comparison.failed
               else f"nothing rose by more than {threshold:g} %")
    return f"{comparison.compared} metrics compared with {baseline}: {verdict}"
