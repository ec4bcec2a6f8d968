"""Tests of harness.plots: data files, the plots a set of runs allows, gnuplot's command."""

import shutil
import tempfile
import unittest
from pathlib import Path

from harness import plots, report
from harness.runs import Run
from tests.harness.fakes import TREE
from tests.harness.test_sizes import bulk_results
from tests.harness.test_report import (CONFIGS, LADDER_CONFIGS, LADDER_DEFAULTS, driver_run,
                                       footprint_run, ladder_run, result, rpc_result, timing_run)

PRESETS = report.resolve_presets(CONFIGS)


def icount_run():
    """A timing run whose RPC also has two and four clients, with bulk cases."""
    run = timing_run()
    run.results += [rpc_result(p, n, 100 * n) for p in ("l4", "mach") for n in (2, 4)]
    run.results += bulk_results("l4", 64, 300, 1.5) + bulk_results("mach", 4096, 1000, 2)
    return run


class DataTest(unittest.TestCase):
    """The text of build/plots/*.dat."""

    def test_dat_text(self):
        """A comment naming the columns; strings quoted; None as NaN; whole numbers whole."""
        text = plots.dat_text(["preset", "0B", "floor"], [["l4", 217, 181.0], ['a"b', None, 0.25]])
        self.assertEqual(text, '# preset  0B  floor\n"l4"  217  181\n"a\'b"  NaN  0.25\n')

    def test_roundtrip(self):
        """One row per preset: smallest and largest message, and the floor."""
        plot = plots.roundtrip_plot(timing_run(), "median")
        self.assertEqual(plot.name, "roundtrip-icount")
        self.assertEqual(plot.data.splitlines()[1:], ['"l4"  200  264  180',
                                                      '"l4-nods"  200  264  180',
                                                      '"mach"  800  1056  180'])
        self.assertEqual((plot.variables["mode"], plot.variables["unit"], plot.variables["n"]),
                         ("icount", "instructions", 3))
        self.assertEqual(plot.variables["large"], "64-byte message")

    def test_msgsize(self):
        """One row per size: each model's value, then each model's floor."""
        plot = plots.msgsize_plot(timing_run(), report.model_presets(PRESETS), "median")
        self.assertEqual(plot.data.splitlines(), ["# bytes  l4  mach  floor-l4  floor-mach",
                                                  "0  200  800  180  180", "8  208  832  180  180",
                                                  "64  264  1056  180  180"])
        self.assertEqual((plot.variables["t1"], plot.variables["p2"]), ("l4 (L4-style)", "mach"))

    def test_cycles(self):
        """A cycles run also draws message size in the model's warm and cold cycles,
        labelled with the profile; results without model cycles are NaN there."""
        run = timing_run("cycles")
        for r in run.results:
            if r["variant"] == "l4":
                r.update(model_cycles_warm=2 * r["median"], model_cycles_cold=20 * r["median"],
                         model_profile="zen2")
        made = plots.cycles_plots(run, report.model_presets(PRESETS))
        self.assertEqual([p.name for p in made], ["msgsize-cycles-warm", "msgsize-cycles-cold"])
        self.assertEqual(made[0].data.splitlines()[1], "0  400  NaN  360  NaN")
        self.assertEqual(made[1].data.splitlines()[1], "0  4000  NaN  3600  NaN")
        self.assertEqual(made[0].variables["unit"], "model cycles (profile zen2)")

    def test_rpc(self):
        """Throughput by clients, in calls per million of the run's unit."""
        plot = plots.rpc_plot(icount_run())
        self.assertEqual(plot.data.splitlines(), ["# clients  l4  l4-nods  mach",
                                                  "1  5263.2  5263.2  1315.8",
                                                  "2  5000  NaN  5000",
                                                  "4  2500  NaN  2500"])
        self.assertEqual(plot.variables["rate"], "calls of all clients per million instructions")
        self.assertIsNone(plots.rpc_plot(timing_run()))

    def test_footprint(self):
        """Kernel and user lines and pages of the headline case, per preset."""
        sources = report.sort_sources([("f", footprint_run())], list(PRESETS))
        plot = plots.footprint_plot(sources)
        self.assertEqual(plot.data.splitlines()[1:],
                         ['"l4"  40  10  15  5', '"mach"  90  10  15  5'])
        self.assertIsNone(plots.footprint_plot(report.Sources()))

    def test_driver(self):
        """Frames per second by frame size, once the driver prints them."""
        self.assertIsNone(plots.driver_plot(timing_run()))
        run = Run({"mode": "kvm"}, [result("l4", "e1000", f"tx/{n}B", 1, "tsc", frame_bytes=n,
                                           frames_per_s=2000 - n) for n in (64, 1514)])
        plot = plots.driver_plot(run)
        self.assertEqual(plot.data.splitlines(), ["# frame-bytes  l4", "64  1936", "1514  486"])
        self.assertEqual(plot.variables["rate"], "frames per second (kvm)")

    def test_driver_lines(self):
        """A line per preset and driver, batch1 left out; user solid, kernel dashed."""
        plot = plots.driver_plot(driver_run(), ["l4", "mach"])
        self.assertEqual(plot.name, "driver-icount")
        self.assertEqual(plot.data.splitlines(),
                         ["# frame-bytes  l4-user  l4-kernel  mach-user  mach-kernel",
                          "64  2673797  2747253  2673797  2747253",
                          "1500  552486  555556  552486  555556"])
        self.assertEqual([plot.variables[f"t{i}"] for i in range(1, 5)],
                         ["l4 user", "l4 kernel", "mach user", "mach kernel"])
        self.assertEqual([plot.variables[f"c{i}"] for i in range(1, 5)], [1, 1, 2, 2])
        self.assertEqual([plot.variables[f"d{i}"] for i in range(1, 5)], [1, 2, 1, 2])
        self.assertEqual(plot.variables["subset"], "")
        self.assertIn("icount virtual time", plot.variables["rate"])

    def test_driver_echo(self):
        """An echo run has a plot of its own; throttled cases stay out of it."""
        run = driver_run()
        run.meta["traffic"] = "echo"
        throttled = [dict(r, itr=200, frames_per_s=1) for r in run.results]
        run.results.extend(throttled)
        plot = plots.driver_plot(run, ["l4", "mach"])
        self.assertEqual(plot.name, "driver-icount-echo")
        self.assertNotIn("  1  ", plot.data)
        self.assertIn("64  2673797  2747253", plot.data)

    def test_driver_too_many_lines(self):
        """More than eight lines: only the model presets, and the title says so."""
        run = driver_run()
        run.results += [dict(r, variant=p) for p in ("l4-nods", "l4-eager", "mach-ds")
                        for r in driver_run().results if r["variant"] == "l4"]
        plot = plots.driver_plot(run, ["l4", "mach"])
        self.assertEqual(plot.variables["n"], 4)
        self.assertEqual(plot.variables["subset"], "only presets l4, mach")

    def test_waterfall(self):
        """The first step whole, each later one as its saving, the target whole, the goal."""
        presets = report.resolve_presets(LADDER_CONFIGS, LADDER_DEFAULTS)
        ladder, = report.ladders(ladder_run(), presets, "median")
        plot = plots.waterfall_plot(ladder_run(), ladder, False, "median")
        rows = [line.split("  ") for line in plot.data.splitlines()[1:]]
        self.assertEqual(rows[0], ["1", '"mach-split"', "0", "1100", "1", '"1100"'])
        self.assertEqual(rows[3], ["4", '"+ mach-fast"', "600", "900", "2", '"600 (−300)"'])
        self.assertEqual(rows[-1], ["6", '"l4"', "0", "250", "3", '"250"'])
        self.assertEqual(plot.variables["goal"], 625)
        self.assertEqual(plot.variables["laddertitle"], "From Mach to L4")
        self.assertEqual(report.ladders(timing_run(presets=["l4", "l4-nods"]), presets, "median"),
                         [])

    def test_plan_says_what_it_skips(self):
        """Each plot the runs allow; a note for the driver that does not exist yet."""
        sources = report.sort_sources([("i", icount_run()), ("f", footprint_run())],
                                      list(PRESETS))
        made, notes = plots.plan(sources, PRESETS)
        self.assertEqual([p.name for p in made],
                         ["roundtrip-icount", "msgsize-icount", "bulk-icount", "rpc-icount", "footprint"])
        self.assertEqual(len(notes), 1)
        self.assertIn("no driver plot", notes[0])


class GnuplotTest(unittest.TestCase):
    """gnuplot's command line, and the scripts themselves where gnuplot is installed."""

    def test_assignments(self):
        """Strings single-quoted with quotes doubled; numbers bare."""
        self.assertEqual(plots.assignments({"mode": "icount", "n": 3, "t1": "it's"}),
                         "mode='icount'; n=3; t1='it''s'")

    def test_argv(self):
        """The script comes last; format, terminal, data and output are variables."""
        plot = plots.Plot("rpc-icount", "rpc", "", {"mode": "icount"})
        argv = plots.gnuplot_argv(plot, "svg", "pngcairo", Path("build/plots/rpc-icount.dat"),
                                  Path("plots/rpc-icount.svg"))
        self.assertEqual(argv[0], "gnuplot")
        self.assertEqual(argv[-1], "plots/rpc.gp")
        self.assertIn("fmt='svg'; term='pngcairo'", argv[2])
        self.assertIn("out='plots/rpc-icount.svg'", argv[2])

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed")
    def test_every_script_draws(self):
        """Each plot of made-up runs draws as PNG and SVG without a word from gnuplot."""
        root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, root)
        shutil.copytree(TREE / plots.PLOTS_DIR, root / plots.PLOTS_DIR,
                        ignore=shutil.ignore_patterns("*.png", "*.svg"))
        driver = Run({"mode": "kvm"}, [result("l4", "e1000", "tx", 1, "tsc", frame_bytes=n,
                                              frames_per_s=1e6 / n) for n in (64, 1514)])
        presets = report.resolve_presets(LADDER_CONFIGS, LADDER_DEFAULTS)
        sources = report.sort_sources([("i", icount_run()), ("f", footprint_run()),
                                       ("k", driver), ("e", driver_run()),
                                       ("l", ladder_run())], list(presets))
        made, _ = plots.plan(sources, presets)
        self.assertIn("ladder-icount", [p.name for p in made])
        self.assertIn("driver-kvm", [p.name for p in made])
        self.assertIn("driver-icount", [p.name for p in made])
        self.assertIn("bulk-icount", [p.name for p in made])
        term = plots.terminal()
        for plot in made:
            if plot.name.endswith("-kvm") and plot.script != "driver":
                continue
            drawn, problems = plots.draw(root, plot, term)
            self.assertEqual(problems, [], plot.name)
            self.assertEqual(len(drawn), len(plots.FORMATS))
            for path in drawn:
                self.assertGreater((root / path).stat().st_size, 1000, path)


if __name__ == "__main__":
    unittest.main()
