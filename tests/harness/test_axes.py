"""Tests of harness.axes: the combination list, the verdicts, the output."""

import io
import itertools
import types
import unittest
from pathlib import Path

from harness import axes, axistable, qemu
from harness.qemu import Outcome, Verdict
from harness.serial import SerialReport, TestLine
from tests.harness.fakes import MARKERS

AXES = "IPC={} DIRECT_SWITCH=y SCHED_QUEUES=lazy TIMEOUTS=flag MSG_REGS=1 " \
       "ASYNC_QUEUE_LEN=1 ASYNC_MSG_MAX=8 ASYNC_FASTPATH=n ASYNC_RPC=combined FASTPATH_STATS=n " \
       "E1000_IN_KERNEL=n KPTI=none PCID=y"


class CombinationsTest(unittest.TestCase):
    """The list make test-axes builds."""

    def setUp(self):
        self.table = axistable.read_axes(axes.ROOT)
        self.combos = axes.combinations(self.table)

    def values(self, combo):
        return dict(combo.axes)

    def test_every_crossed_combination_once(self):
        """models x 2 x 3 x 2 (24 with two models), each set of the four crossed
        axes exactly once."""
        cross = axes.crossed(self.table)
        crossed = [tuple(self.values(c)[axis] for axis, _ in cross) for c in self.combos]
        wanted = list(itertools.product(*(values for _, values in cross)))
        self.assertEqual(len(self.combos), len(axistable.read_models(axes.ROOT)) * 2 * 3 * 2)
        self.assertEqual(sorted(crossed), sorted(wanted))

    def test_every_extreme_with_each_ipc_model(self):
        """MSG_REGS 1, 4, 8 and both ends of each async limit, with sync and async."""
        for ipc in ("sync", "async"):
            mine = [self.values(c) for c in self.combos if self.values(c)["IPC"] == ipc]
            for axis, wanted in axes.covered(self.table):
                self.assertEqual({v[axis] for v in mine}, {str(w) for w in wanted},
                                 f"{axis} with {ipc}")
            pairs = {(v["ASYNC_QUEUE_LEN"], v["ASYNC_MSG_MAX"]) for v in mine}
            self.assertEqual(len(pairs), 4, f"queue length and message size pairs with {ipc}")

    def test_address_space_axes_with_each_model(self):
        """KPTI x PCID: every pair with sync and with async, and each KPTI value
        with each value of every crossed axis (not tied to TIMEOUTS)."""
        for ipc in ("sync", "async"):
            mine = [self.values(c) for c in self.combos if self.values(c)["IPC"] == ipc]
            self.assertEqual({(v["KPTI"], v["PCID"]) for v in mine},
                             {("none", "y"), ("none", "n"), ("kpti", "y"), ("kpti", "n")}, ipc)
            for axis, values in axes.crossed(self.table)[1:]:
                pairs = {(v["KPTI"], v[axis]) for v in mine}
                self.assertEqual(pairs, set(itertools.product(("none", "kpti"), values)),
                                 f"KPTI and {axis} with {ipc}")

    def test_groups_fit_one_models_share(self):
        """Covered axes go in runs whose value counts multiply to at most the
        share; an axis that would overflow its run starts the next."""
        cover = [("R", ("1", "4", "8")), ("Q", ("1", "2")), ("M", ("8", "9")),
                 ("K", ("a", "b")), ("P", ("y", "n"))]
        self.assertEqual([[a for a, _ in run] for run in axes.groups(cover, 12)],
                         [["R", "Q", "M"], ["K", "P"]])
        self.assertEqual([[a for a, _ in run] for run in axes.groups(cover[:1], 2)], [["R"]])

    def test_extremes_are_inside_the_ranges(self):
        """A range's test values include both ends of the range axes.mk allows."""
        for axis in self.table:
            if axis.kind == "range" and axis.test:
                ends = tuple(sorted((int(axis.values[0]), int(axis.values[1]))))
                tested = sorted(int(v) for v in axis.test)
                self.assertEqual((tested[0], tested[-1]), ends, axis.name)

    def test_async_fastpath_with_each_async_axis(self):
        """Both ASYNC_FASTPATH values with each pair of direct switch and ready
        queues, each timeout kind, each queue length and each message size."""
        mine = [self.values(c) for c in self.combos if self.values(c)["IPC"] == "async"]
        for axes_of in (("DIRECT_SWITCH", "SCHED_QUEUES"), ("TIMEOUTS",), ("ASYNC_QUEUE_LEN",),
                        ("ASYNC_MSG_MAX",)):
            seen = {(tuple(v[a] for a in axes_of), v["ASYNC_FASTPATH"]) for v in mine}
            keys = {tuple(v[a] for a in axes_of) for v in mine}
            self.assertEqual(len(seen), 2 * len(keys), f"ASYNC_FASTPATH with {axes_of}")

    def test_async_rpc_with_each_async_axis(self):
        """Both ASYNC_RPC values with each value of DIRECT_SWITCH, ASYNC_FASTPATH,
        the queue length and the message size."""
        mine = [self.values(c) for c in self.combos if self.values(c)["IPC"] == "async"]
        for axis in ("DIRECT_SWITCH", "ASYNC_FASTPATH", "ASYNC_QUEUE_LEN", "ASYNC_MSG_MAX"):
            seen = {(v[axis], v["ASYNC_RPC"]) for v in mine}
            self.assertEqual(len(seen), 4, axis)

    def test_names_are_distinct_directories(self):
        """One build directory each, a single path component under build/."""
        names = [c.build_name for c in self.combos]
        self.assertEqual(len(set(names)), len(names))
        for name in names:
            self.assertTrue(name.startswith("axes-") and "/" not in name and " " not in name)

    def test_module_command_lines_fit_the_kernel(self):
        """`build/<dir>/user/<m>.elf <m>` stays within what the kernel keeps, so
        no module loses its name (it did, with longer names)."""
        modules = (*qemu.MODULES, *qemu.DEVICE_MODULES, *qemu.SUPERVISION_MODULES)
        for combo in self.combos:
            for module in modules:
                line = f"{qemu.build_dir(combo.build_name)}/user/{module}.elf {module}"
                self.assertLess(len(line), axes.MODULE_CMDLINE_MAX, line)

    def test_make_argv(self):
        """Built from l4 into its own directory, with every axis on the command line."""
        combo = self.combos[0]
        argv = axes.make_argv(combo)
        self.assertEqual(argv[:4], ["make", "-s", "CONFIG=l4", f"BUILD_NAME={combo.build_name}"])
        self.assertEqual(argv[-1], "all")
        for axis, value in combo.axes:
            self.assertIn(f"{axis}={value}", argv)

    def test_select(self):
        """--only keeps the names that contain a pattern."""
        models = len(axistable.read_models(axes.ROOT))
        self.assertEqual(len(axes.select(self.combos, [])), models * 12)
        self.assertEqual(len(axes.select(self.combos, ["-r1-"])), models * 4)
        self.assertEqual({c.name[0] for c in axes.select(self.combos, ["a"])}, {"a"})


def record(banner_ipc="sync", tests=(TestLine("a", True),), outcome=Outcome.PASS):
    """A finished ktest boot of combination sdlf-r1-q1-m8, as judge sees it."""
    banner = f"{MARKERS.banner_prefix}l4 ({AXES.format(banner_ipc)})"
    return types.SimpleNamespace(serial=SerialReport(banner, tuple(tests), (), ()),
                                 verdict=Verdict(outcome, "explained"), log=Path("x.log"))


class JudgeTest(unittest.TestCase):
    """One combination's verdict."""

    combo = next(c for c in axes.combinations() if c.name.startswith("sdlf-r1-q1-m8"))

    def test_pass_counts_skips(self):
        outcome = axes.judge(self.combo, record(tests=(TestLine("a", True), TestLine(
            "b", True, "MSG_REGS=1", skipped=True))), MARKERS)
        self.assertTrue(outcome.passed)
        self.assertEqual(outcome.reason, "1 passed, 1 skipped")

    def test_banner_with_other_axes_fails(self):
        """A build that is not what was asked for fails, naming the axis."""
        outcome = axes.judge(self.combo, record(banner_ipc="async"), MARKERS)
        self.assertFalse(outcome.passed)
        self.assertIn("IPC=async (wanted sync)", outcome.reason)

    def test_failed_test_and_hang_fail(self):
        failed = axes.judge(self.combo, record(tests=(TestLine("a", False, "why"),),
                                               outcome=Outcome.FAIL), MARKERS)
        self.assertFalse(failed.passed)
        self.assertIn("a: why", failed.reason)
        hung = axes.judge(self.combo, record(outcome=Outcome.HUNG), MARKERS)
        self.assertFalse(hung.passed)


class RunAxesTest(unittest.TestCase):
    """The output: one line per combination, in order, then the count."""

    def test_build_failures_are_reported_per_combination(self):
        combos = axes.combinations()[:3]
        out = io.StringIO()
        status = axes.run_axes(Path("/nonexistent"), combos, 2, None, "qemu", out,
                               builder=lambda root, combo: f"build failed: {combo.name}")
        lines = out.getvalue().splitlines()
        self.assertEqual(status, 1)
        self.assertEqual(lines, [f"FAIL axes/{c.name}: build failed: {c.name}" for c in combos]
                         + ["0 passed, 3 failed"])


if __name__ == "__main__":
    unittest.main()
