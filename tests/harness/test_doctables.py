"""Tests of harness.doctables: the docs' tables of figures, made from runs."""

import unittest
from pathlib import Path

from harness import doctables
from harness.runs import Run

RPC = {"bench": "rpc", "unit": "instructions", "median": 261, "max": 900}


def rpc_run() -> Run:
    """A run with l4's rpc at 1 and 8 clients and mach's at 1 client only."""
    results = (
        {**RPC, "variant": "l4", "case": "1-client", "calls": 10, "elapsed": 2651},
        {**RPC, "variant": "l4", "case": "8-clients", "calls": 100, "elapsed": 26540,
         "ops_per_mi": 3767.8, "fairness": 0.95471, "per_client": [9, 14, 11]},
        {**RPC, "variant": "mach", "case": "1-client", "calls": 4, "elapsed": 3961},
    )
    return Run({"mode": "icount"}, results, {})


DOC = ("text\n<!-- table rpc-load results/runs/x.json l4 mach -->\n| stale |\n"
       "<!-- end table -->\nmore\n")


class DocTablesTest(unittest.TestCase):
    """Blocks between the markers are remade from the run they name."""

    def test_rpc_load(self):
        """Per call is the interval over the calls; a missing case is `-`."""
        made = doctables.regenerate(DOC, lambda path: rpc_run())
        self.assertIn("| l4 | 265.1 | 265.4 | 3767.8 | 0.955 | 9 to 14 | 261 / 900 |", made)
        self.assertIn("| mach | 990.2 | - | - | - | - | - |", made)
        self.assertNotIn("stale", made)
        self.assertTrue(made.startswith("text\n<!-- table") and made.endswith("end table -->\nmore\n"))
        self.assertEqual(doctables.regenerate(made, lambda path: rpc_run()), made)

    def test_names_the_run(self):
        """The block's run path is what gets loaded."""
        asked = []
        doctables.regenerate(DOC, lambda path: asked.append(path) or rpc_run())
        self.assertEqual(asked, ["results/runs/x.json"])

    def test_bad_blocks(self):
        """An unknown kind or a missing end line is a ValueError."""
        with self.assertRaisesRegex(ValueError, "unknown table kind 'nope'"):
            doctables.regenerate(DOC.replace("rpc-load", "nope"), lambda path: rpc_run())
        with self.assertRaisesRegex(ValueError, "no '<!-- end table -->' line"):
            doctables.regenerate(DOC.replace("<!-- end table -->", ""), lambda path: rpc_run())


ROUND = "l4:rpc:1-client"
PROSE = ("l4 costs <!-- fig R l4:rpc:1-client -->0<!-- /fig --> per call, mach "
         "<!-- ratio R mach:rpc:1-client:per_call l4:rpc:1-client:per_call -->9×<!-- /ratio -->"
         " as much,\n<!-- diff R\n  mach:rpc:1-client l4:rpc:1-client -->1<!-- /diff --> more; "
         "fairness <!-- fig R l4:rpc:8-clients:fairness -->1<!-- /fig -->, "
         "<!-- fig R l4:rpc:8-clients:client_max -->x<!-- /fig --> at most.\n")


class InlineFiguresTest(unittest.TestCase):
    """Inline figures are remade from the run and the figures they name."""

    def test_rewrite(self):
        """Each kind computes its figure; the markers and the rest stay."""
        made = doctables.regenerate(PROSE, lambda path: rpc_run())
        self.assertEqual(made, PROSE.replace("-->0<", "-->261<").replace("-->9×<", "-->3.74×<")
                         .replace("-->1<!-- /diff", "-->0<!-- /diff")
                         .replace("-->1<!-- /fig", "-->0.955<!-- /fig")
                         .replace("-->x<", "-->14<"))
        self.assertEqual(doctables.regenerate(made, lambda path: rpc_run()), made)
        self.assertEqual(doctables.stale_figures(made, lambda path: rpc_run()), [])

    def test_stale(self):
        """--check's lines: one per stale figure, with its line, old and new text."""
        stale = doctables.stale_figures(PROSE, lambda path: rpc_run())
        self.assertEqual(len(stale), 5)
        self.assertEqual(stale[0], f"line 1: fig {ROUND}: says '0', the run has '261'")
        self.assertTrue(stale[2].startswith("line 2: diff mach:rpc:1-client l4:rpc:1-client"))

    def test_code_span(self):
        """A marker in a code span (right after a backtick) is an example, left alone."""
        text = "write `<!-- fig RUN A:B:C -->264<!-- /fig -->` for a figure"
        self.assertEqual(doctables.regenerate(text, lambda path: rpc_run()), text)

    def test_bad_figures(self):
        """A malformed or missing figure, or the wrong number of them, is a ValueError."""
        for text, error in (("<!-- fig R l4:rpc -->1<!-- /fig -->", "not PRESET:BENCH:CASE"),
                            ("<!-- fig R l4:rpc:2-clients -->1<!-- /fig -->", "no rpc 2-clients"),
                            ("<!-- fig R l4:rpc:1-client:p99 -->1<!-- /fig -->", "has no p99"),
                            ("<!-- ratio R l4:rpc:1-client -->1<!-- /ratio -->", "takes 2")):
            with self.assertRaisesRegex(ValueError, error):
                doctables.regenerate(text, lambda path: rpc_run())


def frame(driver: str, size: int, batch: int, itr: int, per_frame: int, driver_part: int,
          interrupts: int) -> dict:
    """One e1000 result line of l4."""
    return {"variant": "l4", "bench": "e1000", "case": f"{driver}/{size}B", "driver": driver,
            "frame_bytes": size, "batch": batch, "itr": itr, "transport": "ipc",
            "instructions_per_frame": per_frame, "driver_per_frame": driver_part,
            "interrupts": interrupts}


class E1000TablesTest(unittest.TestCase):
    """The e1000 tables pick results by build, size, batch and itr; a missing one is `-`."""

    RUN = Run({}, [frame("user", 64, 32, 0, 370, 117, 510),
                   frame("kernel", 64, 32, 0, 364, 111, 482),
                   frame("user", 64, 1, 200, 906, 612, 93)], {})

    def test_frames(self):
        """Instructions per frame, the driver's part in parentheses."""
        rows = doctables.e1000_frames(self.RUN, ["l4"])
        self.assertEqual(rows[2], "| l4 | IPC | 370 (117) | 364 (111) | - | - | - | - |")
        self.assertEqual(rows[1], "|" + " --- |" * 8)

    def test_interrupts(self):
        """Interrupts per case at itr 0 and 200, a row per build."""
        rows = doctables.e1000_interrupts(self.RUN, ["l4"])
        self.assertEqual(rows[2:], ["| l4 | user (IPC) | 510 / - / - / - | - / - / - / 93 |",
                                    "| l4 | kernel | 482 / - / - / - | - / - / - / - |"])

    def test_per_request(self):
        """A difference of driver_per_request is the per-frame difference times the batch."""
        text = ("<!-- diff R l4:e1000:user/64B:driver_per_request "
                "l4:e1000:kernel/64B:driver_per_request -->?<!-- /diff -->")
        self.assertIn("-->192<", doctables.regenerate(text, lambda path: self.RUN))


class DocsUpToDateTest(unittest.TestCase):
    """The repository's docs say what their stored runs say (`make test` runs this)."""

    def test_docs(self):
        """`python3 -m harness doctables --check` would find nothing stale."""
        root = Path(__file__).resolve().parents[2]
        self.assertEqual(doctables.run(root, doctables.documents(root), check=True), [])


if __name__ == "__main__":
    unittest.main()
