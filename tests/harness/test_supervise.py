"""Tests of harness/supervise.py: what a supervision boot's log must show."""

import unittest

from harness import supervise
from harness.qemu import Outcome, Verdict

FAULT, EXIT, LOOP = supervise.CASES
PASSED = Verdict(Outcome.PASS, "guest passed (EXIT_PASS)")
FAILED = Verdict(Outcome.FAIL, "guest reported failure (EXIT_FAIL)")
TOTAL = supervise.CLIENTS * supervise.CALLS


def log(ending: str, restarts: int, summary: str = "") -> list[str]:
    """Root's lines for crashy ending `restarts` times, then its summary."""
    lines = [f"root: crashy {ending}: restart {n} of 10\r" for n in range(1, restarts + 1)]
    return lines + [summary or f"root: crashy restarted {restarts} times\r"]


def load(**changes) -> dict:
    """rpcload's result for a load on crashy_after=25: 6 deaths."""
    return {"test": "rpcload", "clients": supervise.CLIENTS, "calls": TOTAL,
            "answered": TOTAL, "dead": 6, "carried": 18, "instances": 7, "failed_clients": 0,
            **changes}


class LoadTest(unittest.TestCase):
    """A server that dies every 25 requests under 160 calls."""

    def test_good_fault_and_exit(self):
        self.assertEqual(supervise.problems(FAULT, PASSED, log("faulted (vector 14 at 0x0)", 6),
                                            [load()]), [])
        self.assertEqual(supervise.problems(EXIT, PASSED, log("exited with 3", 6), [load()]), [])

    def test_each_wrong_thing_is_named(self):
        """A hang, no restarts, a lost call, a death without E_DEAD, a wrong ending."""
        good = log("faulted (vector 14 at 0x0)", 6)
        cases = [
            (Verdict(Outcome.HUNG, "guest hung"), good, [load()], "expected pass, not: guest hung"),
            (PASSED, ["root: crashy restarted 0 times"], [load(dead=0, instances=1)],
             "root never restarted crashy"),
            (PASSED, good, [load(answered=TOTAL - 1, failed_clients=1)],
             f"{TOTAL - 1} of {TOTAL} calls answered"),
            (PASSED, good, [load(dead=5)], "5 calls ended in E_DEAD, not one per restart (6)"),
            (PASSED, good, [load(instances=6)], "6 server instances answered, not 7"),
            (PASSED, good, [load(carried=0)], "no call went on to a new instance"),
            (PASSED, log("exited with 3", 6), [load()], "crashy ended as 'exited with 3'"),
            (PASSED, log("faulted (vector 14 at 0x0)", 5), [load(dead=5, instances=6)],
             "make it die 6 times"),
            (PASSED, good[:-1], [load()], "no `crashy restarted N times` line"),
            (PASSED, good, [], "no rpcload result line"),
        ]
        for verdict, lines, results, words in cases:
            with self.subTest(words=words):
                found = supervise.problems(FAULT, verdict, lines, results)
                self.assertTrue(any(words in problem for problem in found), found)

    def test_summary_must_agree(self):
        lines = log("faulted (vector 14 at 0x0)", 6, "root: crashy restarted 7 times")
        found = supervise.problems(FAULT, PASSED, lines, [load()])
        self.assertEqual(found, ["root says it restarted crashy 7 times but printed 6 restarts"])


class CrashLoopTest(unittest.TestCase):
    """A server that never answers: root gives it up at its bound."""

    LINES = log("faulted (vector 14 at 0x0)", 10, "root: crashy restarted 10 times, then given up")
    GIVE_UP = "root: crashy faulted (vector 14 at 0x0): restarted 10 times already, giving it up"
    LOAD = load(answered=0, dead=256, carried=0, instances=0, failed_clients=supervise.CLIENTS)

    def test_good(self):
        lines = self.LINES[:-1] + [self.GIVE_UP] + self.LINES[-1:]
        self.assertEqual(supervise.problems(LOOP, FAILED, lines, [self.LOAD]), [])

    def test_no_give_up_or_a_pass(self):
        found = supervise.problems(LOOP, PASSED, self.LINES, [self.LOAD])
        self.assertIn("root printed no `giving it up` line", found)
        self.assertTrue(found[0].startswith("expected fail"))

    def test_stopped_before_the_bound(self):
        lines = log("faulted (vector 14 at 0x0)", 4, "root: crashy restarted 4 times, then given up")
        found = supervise.problems(LOOP, FAILED, lines + [self.GIVE_UP], [self.LOAD])
        self.assertEqual(found, ["root restarted crashy 4 times, not its bound 10"])


if __name__ == "__main__":
    unittest.main()
