"""Tests of harness/profile.py: symbols, the per-function sums, the table."""

import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import profile

NM = """\
ffffffff80100000 T syscall_entry
ffffffff80100040 t syscall_general
ffffffff80100040 t alias_of_general
ffffffff80100100 T port_put_msg
ffffffff80200000 D some_data
0000000000401000 T main
0000000000401100 t echo_server
                 U undefined_thing
"""


class SymbolsTest(unittest.TestCase):
    def setUp(self):
        self.symbols = profile.read_symbols(NM.splitlines())

    def test_text_symbols_only(self):
        self.assertNotIn("some_data", self.symbols.names)
        self.assertNotIn("undefined_thing", self.symbols.names)
        self.assertEqual(list(self.symbols.starts), sorted(self.symbols.starts))

    def test_names(self):
        s = self.symbols
        self.assertEqual(s.name(0xffffffff80100000), "syscall_entry")
        self.assertEqual(s.name(0xffffffff8010003f), "syscall_entry")
        self.assertEqual(s.name(0xffffffff80100040), "syscall_general")   # the first name wins
        self.assertEqual(s.name(0xffffffff80100200), "port_put_msg")
        self.assertEqual(s.name(0x401050), "main")
        self.assertEqual(s.name(0x1000), "0x1000")                        # before every symbol


class ByFunctionTest(unittest.TestCase):
    def test_sums_per_occurrence(self):
        symbols = profile.read_symbols(NM.splitlines())
        pcs = {0xffffffff80100000: 100, 0xffffffff80100004: 100, 0xffffffff80100100: 300,
               0x401100: 50}
        rows = profile.by_function(pcs, 100, symbols)
        self.assertEqual([(r.function, r.kernel, r.per_iteration) for r in rows],
                         [("port_put_msg", True, 3.0), ("syscall_entry", True, 2.0),
                          ("echo_server", False, 0.5)])
        table = profile.format_table("mach pingpong x", rows, top=2)
        self.assertEqual(table[0], "mach pingpong x: 5.50 instructions per iteration "
                                   "(kernel 5, user 0.50)")
        self.assertIn("port_put_msg", table[2])
        self.assertIn("54.5%", table[2])
        self.assertTrue(table[-1].strip().endswith("(1 more functions)"))
        self.assertTrue(table[-1].strip().startswith("0.50"))
        self.assertEqual(len(profile.format_table("x", rows, top=None)), 2 + 3)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(shutil.which("gcc") and shutil.which("objdump") and shutil.which("nm"),
                     "needs gcc, objdump and nm")
class InlinedTest(unittest.TestCase):
    """--inlined: an address counts for the innermost function inlined there."""

    def test_read_inlined(self):
        text = ("0xffffffff80100010\ndeliver_copy_fp\nasync.c:170\nipc_call\nasync.c:400\n"
                "0xffffffff80100020\nipc_call\nasync.c:401\n0xffffffff80100030\n??\n??:0\n")
        self.assertEqual(profile.read_inlined(text), {0xffffffff80100010: "deliver_copy_fp",
                                                      0xffffffff80100020: "ipc_call",
                                                      0xffffffff80100030: "??"})

    def test_by_function_with_inlined_names(self):
        symbols = profile.read_symbols(["ffffffff80100000 T ipc_call"])
        pcs = {0xffffffff80100010: 30, 0xffffffff80100020: 10}
        rows = profile.by_function(pcs, 10, symbols, {0xffffffff80100010: "deliver_copy_fp"})
        self.assertEqual(rows, [profile.Row("deliver_copy_fp", True, 3.0),
                                profile.Row("ipc_call", True, 1.0)])


class StoreTest(unittest.TestCase):
    """--store keeps the rows; the report reads the newest of each preset."""

    def test_newest_of_each_preset(self):
        root = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, root)
        label = "pingpong roundtrip/other-space/0B"
        for date, n in (("2026-12-03T10:00:00+00:00", 100), ("2026-12-03T11:00:00+00:00", 90)):
            rows = {label: [profile.Row("ipc_call", True, n), profile.Row("main", False, 7)]}
            profile.store_profile(root, profile.profile_record("mach", date, "abc", False, rows))
        (root / profile.PROFILES_DIR / "broken.json").write_text("{", encoding="utf-8")
        found = profile.newest_profiles(root)
        self.assertEqual(list(found), ["mach"])
        self.assertEqual(found["mach"][label], [profile.Row("ipc_call", True, 90.0),
                                                profile.Row("main", False, 7.0)])


class AnnotateTest(unittest.TestCase):
    def test_counts_beside_instructions(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, obj = Path(tmp) / "f.c", Path(tmp) / "f.o"
            src.write_text("int g(int x) { return x * 3 + 1; }\nint h(int x) { return x; }\n")
            subprocess.run(["gcc", "-O1", "-c", "-o", str(obj), str(src)], check=True)
            symbols = profile.symbols_of([obj])
            start = symbols.starts[symbols.names.index("g")]
            lines = profile.annotate(obj, symbols, "g", {start: 300}, 100)
            with self.assertRaises(profile.HarnessError):
                profile.annotate(obj, symbols, "nothere", {}, 1)
        self.assertEqual(lines[0], "g: instructions run per iteration, by address")
        self.assertTrue(lines[1].split()[0] == "3" and lines[1].split()[1] == f"{start:x}:",
                        lines[1])
        self.assertTrue(all(line.split()[0] == "." for line in lines[2:]), lines)
        self.assertGreater(len(lines), 2)
        self.assertFalse(any("h>" in line or "<h" in line for line in lines[1:]))
