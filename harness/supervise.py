"""The supervision test (issue #7; README, "Supervision").

The root task supervises the servers named by `serve=`.  Each case boots
`run=rpcload serve=crashy`: rpcload's client threads call crashy, whose every
instance answers `after` requests and then dies holding the next call, by a
fault or an exit.  The boot must end (no client hangs) and the serial log
must show that root restarted crashy once per death and that every client's
calls were answered, the dead ones after calling again.  A crash loop
(after=0) must end too: root gives crashy up after its bound of restarts,
the clients' calls end in E_DEAD, and the machine reports failure.

Everything here is pure, so the unit tests can feed it made-up logs.
"""

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from harness import qemu

CLIENTS, CALLS = 4, 40         # rpcload: client threads, calls each

# How crashy's instances end, as root's lines say it.
ENDINGS = {"fault": "faulted (vector 14 at 0x0)", "exit": "exited with 3"}

_RESTART = re.compile(r"root: crashy (.*): restart (\d+) of (\d+)$")
_GIVE_UP = re.compile(r"root: crashy (.*): restarted (\d+) times already, giving it up$")
_SUMMARY = re.compile(r"root: crashy restarted (\d+) times(, then given up)?$")


@dataclass(frozen=True)
class Case:
    """One supervision boot."""

    name: str       # the test is target/<config>/<name>
    how: str        # crashy_how: fault or exit
    after: int      # crashy_after: requests each instance answers; 0 is a crash loop

    @property
    def crash_loop(self) -> bool:
        """Whether crashy never answers, so that root must give it up."""
        return self.after == 0

    def args(self) -> str:
        """The kernel arguments beyond run=rpcload."""
        return (f"serve=crashy crashy_how={self.how} crashy_after={self.after} "
                f"clients={CLIENTS} calls={CALLS}")


CASES = (Case("supervise_fault", "fault", 25),
         Case("supervise_exit", "exit", 25),
         Case("supervise_crashloop", "fault", 0))


def problems(case: Case, verdict: qemu.Verdict, lines: Iterable[str],
             results: Sequence[dict]) -> list[str]:
    """What is wrong with a supervision boot: its outcome, root's restart
    lines and summary, and rpcload's result line.  Empty if nothing is."""
    want = qemu.Outcome.FAIL if case.crash_loop else qemu.Outcome.PASS
    found = [] if verdict.outcome is want else [
        f"expected {want.value}, not: {verdict.explanation}"]
    lines = [line.rstrip("\r\n") for line in lines]
    restarts = [m for m in map(_RESTART.search, lines) if m]
    found += _restart_problems(case, restarts)
    found += _summary_problems(case, lines, len(restarts))
    loads = [r for r in results if r.get("test") == "rpcload"]
    if not loads:
        return found + ["no rpcload result line"]
    if case.crash_loop:
        return found + _crash_loop_problems(loads[-1], restarts, lines)
    return found + _load_problems(case, loads[-1], len(restarts))


def _restart_problems(case: Case, restarts: list) -> list[str]:
    """Root's `restart N of M` lines: some, numbered 1.., each of the right ending."""
    if not restarts:
        return ["root never restarted crashy"]
    found = []
    endings = {m.group(1) for m in restarts} - {ENDINGS[case.how]}
    if endings:
        found.append(f"crashy ended as {sorted(endings)[0]!r}, not {ENDINGS[case.how]!r}")
    if [int(m.group(2)) for m in restarts] != list(range(1, len(restarts) + 1)):
        found.append("root's restarts are not numbered 1, 2, ...")
    return found


def _summary_problems(case: Case, lines: list[str], restarts: int) -> list[str]:
    """Root's last word on crashy agrees with its restart lines."""
    summaries = [m for m in map(_SUMMARY.search, lines) if m]
    if not summaries:
        return ["root printed no `crashy restarted N times` line"]
    count, given_up = int(summaries[-1].group(1)), bool(summaries[-1].group(2))
    found = []
    if count != restarts:
        found.append(f"root says it restarted crashy {count} times but printed {restarts} "
                     "restarts")
    if given_up != case.crash_loop:
        found.append("root gave crashy up" if given_up else "root did not give crashy up")
    return found


def _load_problems(case: Case, load: dict, k: int) -> list[str]:
    """A load on a server that died k times: every call answered, every
    death cost one call an E_DEAD, each instance answered someone, and
    calls waiting when it died reached the next one."""
    total = CLIENTS * CALLS
    found = []
    if load.get("answered") != total or load.get("failed_clients") != 0:
        found.append(f"{load.get('answered')} of {total} calls answered, "
                     f"{load.get('failed_clients')} clients failed")
    # Each instance takes after + 1 requests but the last, which answers 1..after.
    deaths = (total - 1) // case.after
    if k != deaths:
        found.append(f"root restarted crashy {k} times; {total} calls at {case.after} per "
                     f"instance make it die {deaths} times")
    if load.get("dead") != k:
        found.append(f"{load.get('dead')} calls ended in E_DEAD, not one per restart ({k})")
    if load.get("instances") != k + 1:
        found.append(f"{load.get('instances')} server instances answered, not {k + 1}")
    # crashy holds each call a while, so the other clients' calls wait in the
    # endpoint or port when it dies, and go on to the next instance untouched.
    if not load.get("carried"):
        found.append("no call went on to a new instance without an E_DEAD")
    return found


def _crash_loop_problems(load: dict, restarts: list, lines: list[str]) -> list[str]:
    """A server that never answers: root stops at its bound and gives it
    up, and every client's calls end in E_DEAD instead of waiting."""
    found = []
    bound = int(restarts[-1].group(3)) if restarts else None
    if restarts and len(restarts) != bound:
        found.append(f"root restarted crashy {len(restarts)} times, not its bound {bound}")
    if not any(map(_GIVE_UP.search, lines)):
        found.append("root printed no `giving it up` line")
    if load.get("answered") != 0 or load.get("instances") != 0:
        found.append(f"{load.get('answered')} calls answered by a server that never answers")
    if load.get("failed_clients") != CLIENTS:
        found.append(f"{load.get('failed_clients')} of {CLIENTS} clients saw the service go")
    return found
