"""Compare a run with the baseline: did any metric move by more than the threshold?

A metric is one statistic of one case of one benchmark of one preset.  Which
metrics are compared, and which way a move fails, depends on the run's mode
(its metadata says it):

- Exact counts (ipclab's icount and footprint runs: the guest's TSC counts
  instructions, and a run repeats to the instruction on one host): every
  tracked statistic of every case (median, min, p99, and p999, ops_per_mi and
  fairness where a result has them), multi-client minima included, and a move
  in EITHER direction beyond the threshold fails.  A fall is no less a change
  of the counts than a rise: the baseline is re-recorded with a reason.  Two
  statistics of a case with several clients are compared but only noted: its
  fairness and p99.9.  They hang on which thread runs when each tick lands,
  and a case starts on a tick only to within one turn of the loop that waits
  for it, so any change before the case (root's code, the kernel's boot)
  moves them while every other count of the run stays put (seen: l4-benno's
  8-client fairness 0.458 -> 0.367 from a change to root alone).
- Other modes (kvm, iso-real, and the Linux guest's linux-icount, whose minima
  and p99 move between boots): only median and min are compared, only a rise
  fails (a fall is a note), and the minimum of a case with several clients is
  left out: it is the luckiest call of an interleaving that the timer tick
  decides.

In both, a metric of the baseline missing from the run fails, a metric new in
the run is a note, and a changed unit fails.
"""

from dataclasses import dataclass
from typing import Iterable, Optional

from harness.tables import model_label, number

# Exact counts: every statistic tracked, in the order they are reported.
EXACT_STATISTICS = ("median", "min", "p99", "p999", "ops_per_mi", "fairness",
                    "model_cycles_warm", "model_cycles_cold")
# Other modes: the statistics a jittering clock still repeats.
TIMED_STATISTICS = ("median", "min")

# Modes whose figures are instruction counts that repeat exactly.
EXACT_MODES = ("icount", "footprint", "cycles")

# Statistics of a multi-client case that the tick's phase decides: noted, not
# failed (the module's note says why).
PHASE_STATISTICS = ("fairness", "p999")

# Statistics with a unit of their own, not the result's.
STAT_UNITS = {"ops_per_mi": "operations per million instructions",
              "fairness": "(Jain's index)"}

UPDATE_HINT = ("if the change is deliberate, re-record the baseline with "
               "`python3 -m harness regress --update --reason \"<why the counts moved>\"` "
               "and commit it with the change that caused it")

Key = tuple[str, str, str, str]        # variant, bench, case, statistic


@dataclass(frozen=True)
class Metric:
    """One value with its unit."""

    value: float
    unit: str
    phase: bool = False        # decided by where the ticks land (PHASE_STATISTICS)


@dataclass(frozen=True)
class Comparison:
    """The outcome of a comparison: failures make regress exit 1, notes do not."""

    failures: tuple[str, ...]
    notes: tuple[str, ...]
    compared: int
    exact: bool = True

    @property
    def failed(self) -> bool:
        """Whether any metric moved too far, vanished or changed its unit."""
        return bool(self.failures)


def is_exact(mode: Optional[str]) -> bool:
    """Whether a run of this mode repeats its counts exactly: icount, footprint."""
    return mode in EXACT_MODES


def metrics(results: Iterable[dict], exact: bool = True) -> dict[Key, Metric]:
    """The comparable metrics of a run's results (the last one wins on a repeat)."""
    found = {}
    for result in results:
        for stat in EXACT_STATISTICS if exact else TIMED_STATISTICS:
            if not exact and stat == "min" and (number(result.get("clients")) or 0) > 1:
                continue                 # tick-driven: see the module's note
            value = number(result.get(stat))
            if value is not None:
                key = (result["variant"], result["bench"], result["case"], stat)
                phase = stat in PHASE_STATISTICS and (number(result.get("clients")) or 0) > 1
                found[key] = Metric(value, stat_unit(stat, result), phase)
    return found


def stat_unit(stat: str, result: dict) -> str:
    """The unit of one statistic of a result: its own, the model's, or the result's."""
    if stat.startswith("model_cycles_"):
        return model_label([result]) if "model_profile" in result else "model cycles (profile ?)"
    return STAT_UNITS.get(stat, result["unit"])


def name(key: Key) -> str:
    """`l4 pingpong roundtrip/other-space/0w median`."""
    return " ".join(key)


def fmt_value(value: float) -> str:
    """212 for whole numbers, else six significant digits (a fairness of 0.98 stays 0.98)."""
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def change_percent(old: float, new: float) -> float:
    """How much new differs from old, in percent of old."""
    if old == 0:
        return 0.0 if new == 0 else float("inf") if new > 0 else float("-inf")
    return (new - old) * 100.0 / old


def moved(old: float, new: float, threshold: float) -> bool:
    """Whether new differs from old by more than threshold percent of old, either way."""
    return abs(new - old) * 100.0 > threshold * abs(old) if old else new != old


def rose(old: float, new: float, threshold: float) -> bool:
    """Whether new exceeds old by more than threshold percent."""
    return new > old and moved(old, new, threshold)


def describe(key: Key, old: Metric, new: Metric) -> str:
    """`rose: l4 pingpong x median 212 -> 223 instructions (+5.2 %)` (or fell:)."""
    way = "rose" if new.value > old.value else "fell"
    return (f"{way}: {name(key)} {fmt_value(old.value)} -> {fmt_value(new.value)} {new.unit} "
            f"({change_percent(old.value, new.value):+.1f} %)")


def compare(baseline: Iterable[dict], run: Iterable[dict], threshold: float = 1.0,
            exact: bool = True) -> Comparison:
    """Compare the results of a run with those of the baseline, by the rule of exact counts
    (any move fails) or of a timed mode (a rise fails, a fall is a note)."""
    old, new = metrics(baseline, exact), metrics(run, exact)
    failures, notes = [], []
    for key, before in old.items():
        after = new.get(key)
        if after is None:
            failures.append(f"missing: {name(key)} is in the baseline "
                            f"({fmt_value(before.value)} {before.unit}), not in the run")
        elif after.unit != before.unit:
            failures.append(f"{name(key)} changed its unit: {before.unit} -> {after.unit} "
                            f"({fmt_value(before.value)} -> {fmt_value(after.value)})")
        elif before.phase and moved(before.value, after.value, threshold):
            notes.append(describe(key, before, after) + "; where the ticks land decides it, "
                         "so it is noted, not failed")
        elif (exact or after.value > before.value) and moved(before.value, after.value,
                                                             threshold):
            failures.append(describe(key, before, after))
        elif moved(before.value, after.value, threshold):
            notes.append(describe(key, before, after))
    for key, after in new.items():
        if key not in old:
            notes.append(f"new: {name(key)} {fmt_value(after.value)} {after.unit} "
                         f"(not in the baseline)")
    return Comparison(tuple(failures), tuple(notes), len(old), exact)


def qemu_note(baseline_meta: dict, run_meta: dict) -> Optional[str]:
    """A note when baseline and run come from different QEMU versions; None if the same."""
    old, new = baseline_meta.get("qemu"), run_meta.get("qemu")
    if old == new:
        return None
    return (f"the baseline comes from QEMU {old or 'unknown'}, the run from QEMU "
            f"{new or 'unknown'}: a move may be QEMU's own (compared all the same)")


def host_note(baseline_meta: dict, run_meta: dict) -> Optional[str]:
    """A note when baseline and run were measured on different CPUs; None if the same.

    icount counts should not depend on the host, yet the minima of multi-client cases at
    one commit were seen to differ between an Intel and an AMD host (medians and p99 did
    not): such a failure may be the host's, not the code's."""
    old, new = baseline_meta.get("cpu"), run_meta.get("cpu")
    if old == new:
        return None
    return (f"the baseline was measured on {old or 'an unknown CPU'}, the run on "
            f"{new or 'an unknown CPU'}: multi-client minima have differed between hosts at "
            f"one commit (compared all the same)")


def rule(comparison: Comparison, threshold: float) -> str:
    """The rule a comparison applied, in a few words."""
    if comparison.exact:
        return f"exact counts: a move either way beyond {threshold:g} % fails"
    return f"not exact: a rise beyond {threshold:g} % fails"


def summary(comparison: Comparison, threshold: float, baseline: str) -> str:
    """The last line of regress."""
    count = len(comparison.failures)
    verdict = (f"{count} failure{'' if count == 1 else 's'}" if comparison.failed
               else f"nothing {'moved' if comparison.exact else 'rose'} by more than "
                    f"{threshold:g} %")
    return (f"{comparison.compared} metrics compared with {baseline} "
            f"({rule(comparison, threshold)}): {verdict}")
