"""Tests of harness.tables: cells, floors, and whole tables."""

import unittest

from harness import tables
from harness.runs import Run, complete


def result(variant, bench, case, median, unit="instructions", **more):
    """A completed result line."""
    return complete({"bench": bench, "case": case, "unit": unit, "median": median, **more},
                    variant, {}, unit)


def boot_results(variant, null, switch, pingpong, unit="instructions"):
    """The results of one boot: the floor and one ping-pong case."""
    return [result(variant, "null_syscall", "null", null, unit),
            result(variant, "space_switch", "roundtrip", switch, unit),
            result(variant, "pingpong", "roundtrip/other-space/0w", pingpong, unit)]


def run(mode, *results):
    """A run of this mode holding these results."""
    return Run({"date": "2025-03-04T05:06:07+00:00", "host": "box", "mode": mode},
               [r for group in results for r in group])


class CellTest(unittest.TestCase):
    """Numbers and floor multiples."""

    def test_numbers(self):
        """Whole numbers stay whole; others get one decimal."""
        self.assertEqual(tables.fmt_number(212), "212")
        self.assertEqual(tables.fmt_number(212.0), "212")
        self.assertEqual(tables.fmt_number(3.14159), "3.1")

    def test_cells(self):
        """`value (N.NN× floor)`, or the value alone without a floor."""
        self.assertEqual(tables.fmt_cell(381, 300), "381 (1.27× floor)")
        self.assertEqual(tables.fmt_cell(381, None), "381")
        self.assertEqual(tables.fmt_cell(381, 0), "381")

    def test_floor(self):
        """2 × null + switch, from named cases, or a bench's only result."""
        floor = tables.floor_of(boot_results("l4", 70, 160, 390))
        self.assertEqual(floor, tables.Floor(300, "instructions", True))
        only = [result("l4", "null_syscall", "null_syscall", 69),
                result("l4", "space_switch", "x", 150)]
        self.assertEqual(tables.floor_of(only).roundtrip, 288)
        self.assertIsNone(tables.floor_of(only[:1]))
        mixed = [only[0], result("l4", "space_switch", "x", 150, unit="tsc")]
        self.assertIsNone(tables.floor_of(mixed))

    def test_the_guests_floor_wins(self):
        """A guest that prints bench floor, case roundtrip, has the last word."""
        printed = [*boot_results("l4", 70, 160, 390), result("l4", "floor", "roundtrip", 231)]
        self.assertEqual(tables.floor_of(printed), tables.Floor(231, "instructions", False))
        lines = tables.result_tables([run("icount", printed)])
        self.assertEqual(lines[1:5], ["case                     l4", "null_syscall null        70",
                                      "space_switch roundtrip  160", "floor roundtrip         231"])
        self.assertIn("roundtrip/other-space/0w  390 (1.69× floor)", lines)


class TableTest(unittest.TestCase):
    """Whole tables: rows are cases, columns presets, one unit per table."""

    def test_two_presets(self):
        """The floor table first, then ping-pong with multiples of each preset's floor."""
        lines = tables.result_tables([run("icount", boot_results("l4", 70, 160, 381),
                                          boot_results("mach", 100, 200, 1200))])
        self.assertEqual(lines, [
            "floor (median, instructions; the least a round trip between two spaces costs)",
            "case                       l4  mach",
            "null_syscall null          70   100",
            "space_switch roundtrip    160   200",
            "floor: 2 × null + switch  300   400",
            "",
            "pingpong (median, instructions; × floor = multiple of the round-trip floor)",
            "case                                     l4                mach",
            "roundtrip/other-space/0w  381 (1.27× floor)  1200 (3.00× floor)",
            "note: the floors differ (least 300; mach 400): each × floor is against its own, "
            "so what a kernel adds to every system call (the sync model's fast-path dispatch) "
            "is in its floor and not in its × floor; compare the figures themselves across "
            "presets"])
        same = tables.result_tables([run("icount", boot_results("l4", 70, 160, 381),
                                         boot_results("mach", 70, 160, 1200))])
        self.assertFalse([line for line in same if line.startswith("note:")])

    def test_one_unit_per_table(self):
        """An icount run and a kvm run side by side make separate tables."""
        lines = tables.result_tables([run("icount", boot_results("l4", 70, 160, 381)),
                                      run("kvm", boot_results("l4", 90, 400, 900, "tsc"))])
        titles = [line for line in lines if "(median" in line]
        self.assertEqual(len(titles), 4)
        self.assertEqual(sum("instructions" in t for t in titles), 2)
        self.assertIn("case                                 l4 kvm", lines)
        self.assertIn("roundtrip/other-space/0w  900 (1.55× floor)", lines)

    def test_model_label_says_a_per_preset_cr3_mode_once(self):
        """One profile with the CR3 mode per preset is named once; two profiles apart."""
        kept = {"model_profile": "skylake", "model_pcid": "kept"}
        flushed = {"model_profile": "skylake", "model_pcid": "flushed"}
        self.assertEqual(tables.model_label([kept]), "model cycles (profile skylake, "
                         + tables.MODEL_PCID_WORDS["kept"] + ")")
        self.assertEqual(tables.model_label([kept, flushed]),
                         "model cycles (profile skylake, TLB per preset's PCID)")
        self.assertIn("; zen2", tables.model_label([kept, {"model_profile": "zen2"}]))

    def test_tcg_times_are_labelled(self):
        """tcg (and iso under QEMU) say their times mean nothing."""
        lines = tables.result_tables([run("tcg", boot_results("l4", 70, 160, 381, "tsc"))])
        self.assertIn("tsc, tcg: not meaningful, function only", lines[0])

    def test_linux_guest_columns_say_their_mitigations(self):
        """A Linux guest run's two boots are two columns named by their mitigations."""
        guest = [result(f"linux-mitigations-{m}", "pipe", "roundtrip/same-cpu/8B", cost)
                 for m, cost in (("off", 12924), ("default", 13130))]
        lines = tables.result_tables([run("linux-icount", guest)])
        self.assertIn("case                   linux-mitigations-off  linux-mitigations-default",
                      lines)
        self.assertIn("roundtrip/same-cpu/8B                  12924                      13130",
                      lines)

    def test_missing_floor_and_cells(self):
        """No space_switch: no multiples, and a note; a missing cell is `-`."""
        only_null = [result("l4", "null_syscall", "null", 69),
                     result("l4", "pingpong", "a", 400)]
        lines = tables.result_tables([run("icount", only_null, boot_results("mach", 1, 2, 3))])
        self.assertIn("a                         400                -", lines)
        self.assertEqual(lines[-1], "note: no floor, so no × floor, for l4: it needs "
                                    "null_syscall and space_switch from the same boot")

    def test_show_with_footprint(self):
        """show: one header line per run, tables, then the plugin's counts per round trip."""
        stored = run("footprint", boot_results("l4", 70, 160, 381))
        stored.footprint = {"l4": {"7": {"region": 7, "occurrences": 10, "unclosed": 1,
                                         "last": {"kernel_lines": 40, "user_pages": 2}}}}
        lines = tables.show([stored])
        self.assertTrue(lines[0].startswith("run 2025-03-04T05:06:07+00:00 on box"))
        self.assertEqual(lines[-3:], [
            "preset region  kernel lines  kernel pages  user lines  user pages  kernel instr"
            "  user instr  occurrences",
            "l4 region 7              40             -           -           2             -"
            "           -           10",
            "note: l4 region 7: 1 begin markers without an end"])

if __name__ == "__main__":
    unittest.main()


class CyclesTableTest(unittest.TestCase):
    """The cycle model's table: only cycles runs, every figure named with its profile."""

    def test_model_cycles_beside_instructions(self):
        rows = boot_results("l4", 70, 100, 260)
        rows[2] = {**rows[2], "model_cycles_warm": 1094, "model_cycles_cold": 19406,
                   "model_profile": "skylake"}
        lines = tables.cycles_tables([run("cycles", rows)])
        self.assertIn("model cycles (profile skylake) beside instructions", lines[0])
        self.assertEqual(lines[2].split(), ["l4", "pingpong", "roundtrip/other-space/0w",
                                            "260", "1094", "19406"])
        self.assertEqual(len(lines), 3)          # results without the model's figures left out
        self.assertEqual(tables.cycles_tables([run("icount", rows)]), [])
        self.assertIn(lines[0], tables.show([run("cycles", rows)]))
