"""Tests of harness.sizes and the size series it gives tables, the report and the plots."""

import unittest

from harness import plots, report, sizes, tables
from harness.runs import Run
from tests.harness.test_report import CONFIGS, result, timing_run

PRESETS = report.resolve_presets(CONFIGS)


def bulk_results(preset, largest, base, copy_per_byte, shared_per_byte=1.5):
    """A preset's bulk cases: copied up to largest, shared up to 4 KiB, each a
    straight line in the size."""
    found = []
    for size in (0, 8, 16, 32, 64, 256, 1024, 4096):
        if size <= largest:
            found.append(result(preset, "bulk", f"copied/{size}B", base + copy_per_byte * size))
        found.append(result(preset, "bulk", f"shared/{size}B", base + 10 + shared_per_byte * size))
    return found


def bulk_run():
    """l4 copies up to 64 B at 1.5 per byte; mach up to 4 KiB at 2 per byte."""
    run = timing_run()
    run.results += bulk_results("l4", 64, 300, 1.5) + bulk_results("mach", 4096, 1000, 2)
    return run


class SeriesTest(unittest.TestCase):
    """Sizes from case names, slopes, one preset's series."""

    def test_sized_case(self):
        self.assertEqual(sizes.sized_case("shared/4096B"), ("shared", 4096))
        self.assertIsNone(sizes.sized_case("1-client"))

    def test_slope(self):
        self.assertAlmostEqual(sizes.slope([(0, 880), (8, 884), (64, 912)]), 0.5)
        self.assertIsNone(sizes.slope([(8, 1), (8, 2)]))

    def test_series_keeps_its_preset_and_way(self):
        run = bulk_run()
        self.assertEqual(sizes.series(run.results, "l4", "bulk", "copied", "median"),
                         [(0, 300), (8, 312), (16, 324), (32, 348), (64, 396)])
        self.assertEqual(len(sizes.series(run.results, "mach", "bulk", "shared", "median")), 8)

    def test_byte_costs_state_their_sizes(self):
        costs = {(c.preset, c.method): c for c in
                 sizes.byte_costs(bulk_run().results, ["l4", "mach"], "median")}
        self.assertAlmostEqual(costs[("l4", "copied")].per_byte, 1.5)
        self.assertEqual(costs[("l4", "copied")].sizes, (0, 8, 16, 32, 64))
        self.assertAlmostEqual(costs[("mach", "copied")].per_byte, 2)
        self.assertEqual(costs[("mach", "shared")].sizes[-1], 4096)
        self.assertEqual(costs[("l4", "copied")].text("instructions"),
                         "l4 copied: 1.500 instructions per byte (fitted on 0, 8, 16, 32, 64 B)")

    def test_one_size_has_no_slope(self):
        run = Run({"mode": "icount"}, [result("l4", "bulk", "shared/256B", 700)])
        self.assertEqual(sizes.byte_costs(run.results, ["l4"], "median"), [])

    def test_rows_leave_gaps_where_a_model_carries_no_such_message(self):
        run = bulk_run()
        columns = sizes.bulk_columns(run.results, ["l4", "l4-nods", "mach"])
        self.assertEqual(columns, [("l4", "copied"), ("l4", "shared"), ("mach", "copied"),
                                   ("mach", "shared")])
        rows = sizes.bulk_rows(run.results, columns, "median")
        self.assertEqual(rows[-1], [4096, None, 300 + 10 + 1.5 * 4096, 1000 + 2 * 4096,
                                    1000 + 10 + 1.5 * 4096])

    def test_bulk_rows_in_order(self):
        rows = {"shared/8B": 1, "copied/4096B": 2, "copied/0B": 3, "shared/0B": 4}
        self.assertEqual(list(sizes.in_order("bulk", rows)),
                         ["copied/0B", "copied/4096B", "shared/0B", "shared/8B"])
        self.assertEqual(list(sizes.in_order("pingpong", rows)), list(rows))


class ShownTest(unittest.TestCase):
    """Where the series and their slopes appear: tables, report, plot."""

    def test_tables_end_with_the_cost_of_a_byte(self):
        lines = tables.result_tables([bulk_run()])
        at = lines.index("bulk: cost of one more byte, client to server (least-squares slope "
                         "of the median against the size)")
        self.assertIn("  mach copied: 2.000 instructions per byte (fitted on 0, 8, 16, 32, 64, "
                      "256, 1024, 4096 B)", lines[at:])
        self.assertNotIn("bulk: cost", "\n".join(tables.result_tables([timing_run()])))

    def test_report_section(self):
        sources = report.sort_sources([("r.json", bulk_run())], list(PRESETS))
        text = "\n".join(report.section_sizes(sources, report.model_presets(PRESETS), "median"))
        self.assertIn("| bytes | l4 copied | l4 shared | mach copied | mach shared |", text)
        self.assertIn("| 4096 | - | 6454 | 9192 | 7154 |", text)
        self.assertIn("- l4 shared: 1.500 instructions per byte", text)
        empty = report.sort_sources([("r.json", timing_run())], list(PRESETS))
        self.assertIn("No timing run has `bulk` results.",
                      report.section_sizes(empty, report.model_presets(PRESETS), "median"))

    def test_plot(self):
        plot = plots.bulk_plot(bulk_run(), report.model_presets(PRESETS), "median")
        self.assertEqual(plot.name, "bulk-icount")
        self.assertEqual(plot.data.splitlines()[0],
                         "# bytes  l4-copied  l4-shared  mach-copied  mach-shared")
        self.assertEqual(plot.data.splitlines()[-1], "4096  NaN  6454  9192  7154")
        self.assertEqual((plot.variables["t3"], plot.variables["c3"], plot.variables["d3"],
                          plot.variables["d4"]), ("mach (Mach-style) copied", 2, 1, 2))
        self.assertIsNone(plots.bulk_plot(timing_run(), report.model_presets(PRESETS), "median"))


if __name__ == "__main__":
    unittest.main()
