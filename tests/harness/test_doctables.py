"""Tests of harness.doctables: the docs' tables of figures, made from runs."""

import unittest

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


if __name__ == "__main__":
    unittest.main()
