"""Tests of the cycle model plugin: its host side (profiles, options, log lines)
and end-to-end runs of the built plugin on a tiny guest (tests/plugin/cycles_tiny.S)
whose instructions are known, under -icount shift=0.

Run from the top of the tree:
    python3 -m unittest discover -s tests/plugin -t .
"""

import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness.plugin import cycles, validation
from tests.plugin.test_footprint import GUEST_EXIT, HERE, QEMU, ROOT, TOOLS, run

SKYLAKE = ROOT / cycles.PROFILES / "skylake.conf"

# A profile where only the named costs count: every latency and every other cost 0.
FLAT_COSTS = {"cost.cpuid": "100", "cost.rep_start": "35", "cost.rep_per_line": "2",
              "cost.mov_from_cr": "2", "cost.mov_cr3": "200", "cost.mov_cr3_noflush": "40"}


def flat_profile(text: str) -> str:
    """skylake.conf with every latency and cost 0 but FLAT_COSTS."""
    out = []
    for line in text.splitlines():
        key = line.split("#")[0].split("=")[0].strip()
        if key in FLAT_COSTS:
            line = f"{key} = {FLAT_COSTS[key]}"
        elif key.endswith(".latency") or key.startswith("cost."):
            line = f"{key} = 0"
        out.append(line)
    return "\n".join(out) + "\n"


class HostSideTest(unittest.TestCase):
    def test_profiles(self):
        self.assertEqual(cycles.profiles(ROOT), ["skylake", "zen2"])
        self.assertEqual(cycles.profile_path(ROOT, "zen2"), cycles.PROFILES / "zen2.conf")
        for bad in ("haswell", "../skylake", ""):
            with self.subTest(bad=bad), self.assertRaisesRegex(ValueError, "unknown CPU profile"):
                cycles.profile_path(ROOT, bad)

    def test_options(self):
        self.assertEqual(cycles.qemu_args("build/plugin/cycles.so", "p.conf", "log"),
                         ["-plugin", "file=build/plugin/cycles.so,cpu=p.conf,cr3=flush,global=on",
                          "-d", "plugin", "-D", "log"])
        self.assertIn("cr3=keep,global=off",
                      cycles.qemu_args("c.so", "p.conf", "log", "keep", "off")[1])
        with self.assertRaises(ValueError):
            cycles.qemu_args("c.so", "p.conf", "log", cr3="maybe")
        with self.assertRaises(ValueError):
            cycles.qemu_args("c.so", "p.conf", "log", global_pages="no")

    def test_tlb_options(self):
        """keep where the kernel would set the no-flush bit: PCID=y on a CPU with
        PCID (skylake, not zen2); global pages off with KPTI."""
        skylake = cycles.cpu_has_pcid(ROOT, cycles.profile_path(ROOT, "skylake"))
        zen2 = cycles.cpu_has_pcid(ROOT, cycles.profile_path(ROOT, "zen2"))
        self.assertEqual((skylake, zen2), (True, False))
        for pcid, kpti, has, want in (("y", "none", True, ("keep", "on")),
                                      ("n", "none", True, ("flush", "on")),
                                      ("y", "kpti", True, ("keep", "off")),
                                      ("y", "none", False, ("flush", "on")),
                                      ("n", "kpti", False, ("flush", "off"))):
            with self.subTest(pcid=pcid, kpti=kpti, has=has):
                got = cycles.tlb_options({"PCID": pcid, "KPTI": kpti}, has)
                self.assertEqual((got["cr3"], got["global"]), want)
        with self.assertRaisesRegex(ValueError, "no PCID"):
            cycles.tlb_options({"KPTI": "none"}, True)

    def test_parse_and_attach(self):
        text = ('noise\n@@ipclab-cycles {"region":2,"profile":"zen2","occurrences":3,'
                '"warm":{"median":10},"cold":{"median":90}} @@end\n')
        regions = cycles.parse(text)
        self.assertEqual(regions[2]["cold"]["median"], 90)
        results = [{"bench": "a", "case": "b", "median": 5}, {"bench": "a", "case": "c"}]
        out = cycles.attach(results, {"2": {**regions[2], "label": "a b"}})
        self.assertEqual(out[0]["model_cycles_warm"], 10)
        self.assertEqual(out[0]["model_cycles_cold"], 90)
        self.assertEqual(out[0]["model_profile"], "zen2")
        self.assertNotIn("model_pcid", out[0])          # a line from before cr3 was printed
        self.assertNotIn("model_cycles_warm", out[1])
        for cr3, said in (("keep", "kept"), ("flush", "flushed")):
            out = cycles.attach(results, {"2": {**regions[2], "cr3": cr3, "label": "a b"}})
            self.assertEqual(out[0]["model_pcid"], said)

    def test_attach_takes_the_measuring_overhead_off(self):
        """The overhead region's medians come off every case's, as the guest's
        overhead comes off its instructions, and are kept beside them."""
        region = {"profile": "skylake", "warm": {"median": 199}, "cold": {"median": 8518}}
        overhead = {"profile": "skylake", "warm": {"median": 74}, "cold": {"median": 4627}}
        out = cycles.attach([{"bench": "a", "case": "b"}],
                            {"1": {**region, "label": "a b"},
                             "49": {**overhead, "label": cycles.OVERHEAD_LABEL}})[0]
        self.assertEqual((out["model_cycles_warm"], out["model_cycles_cold"]), (125, 3891))
        self.assertEqual((out["model_overhead_warm"], out["model_overhead_cold"]), (74, 4627))

    def test_doc_tables_replace_only_between_markers(self):
        text = f"head\n{validation.BEGIN}\nold\n{validation.END}\ntail\n"
        self.assertEqual(validation.replace_between(text, ["| a |"]),
                         f"head\n{validation.BEGIN}\n| a |\n{validation.END}\ntail\n")
        with self.assertRaises(ValueError):
            validation.replace_between("no markers", [])
        doc = (ROOT / validation.DOC).read_text()
        self.assertIn(validation.BEGIN, doc)

    def test_linux_rows(self):
        """The Linux table shows every null system call of each setting with what the
        kernel said; the validation rows take the warm median of their setting's getppid
        and give the error against the published figure."""
        def result(setting, case, warm_cycles, pti):
            return {"variant": f"linux-mitigations-{setting}", "bench": "null_syscall",
                    "case": case, "median": 300, "model_cycles_warm": warm_cycles,
                    "model_cycles_cold": 9000, "model_profile": "skylake",
                    "meltdown": "Not affected", "pti": pti, "pcid": False}
        run = validation.Run({"kernel_release": "6.1.0-57-amd64", "commit": "abc"},
                             [result("off", "getpid", 250, False),
                              result("off", "getppid", 240, False),
                              result("default", "getppid", 240, False),
                              result("pti", "getppid", 1035, True),
                              {"variant": "l4", "bench": "null_syscall", "case": "null"}])
        path = Path("20261203-000000-vm-linux-cycles.json")
        table = validation.linux_table("skylake", path, run)
        self.assertIn("kernel 6.1.0-57-amd64", table[0])
        self.assertEqual(table[4], "| off | Not affected | no | no | getpid | 300 | 250 | 9000 |")
        self.assertEqual(table[-1], "| pti | Not affected | yes | no | getppid | 300 | 1035 | "
                                    "9000 |")
        self.assertEqual(len(table), 8)
        keep_path = Path("20261203-000001-vm-linux-cycles.json")
        keep = validation.Run({**run.meta, "model_cr3": "keep"},
                              [result("pti", "getppid", 468, True)])
        rows = validation.validation_table(ROOT, {}, {"skylake": (path, run)},
                                           {"skylake": (keep_path, keep)})
        linux = [row for row in rows if row.startswith("| Linux getppid")]
        by_setting = {item.what: item for item in validation.PUBLISHED}
        self.assertEqual(len(linux), 4)
        for row in linux:
            cells = [c.strip() for c in row.strip("|").split("|")]
            item = by_setting[cells[0]]
            with self.subTest(row=cells[0]):
                model = float(cells[3])
                self.assertEqual(cells[4], f"{(model - item.value) * 100 / item.value:+.0f} %")
                used = keep_path if item.how == "linux-keep" else path
                self.assertEqual(cells[5], f"run {used.name}")
        self.assertIn("| 1035 | -10 % |", " ".join(linux))
        self.assertIn("| 468 | -10 % |", " ".join(linux))
        self.assertIn("cr3=keep", validation.linux_table("skylake", keep_path, keep)[0])
        line = validation.error_line(ROOT, {"skylake": (path, run)},
                                     {"skylake": (keep_path, keep)})
        self.assertEqual(len(line), 1)
        self.assertIn("mitigations=off +100 %", line[0])      # 240 against 120
        self.assertIn("KPTI without PCID -10 %", line[0])
        self.assertIn("KPTI with PCID (cr3=keep) -10 %", line[0])
        self.assertTrue(line[0].endswith("within +/-25 %: 2 of 4."), line[0])
        self.assertTrue(validation.error_line(ROOT, {}, {})[0].endswith(": 0 of 4."))
        self.assertIn("kernel's default -", validation.error_line(ROOT, {}, {})[0])
        self.assertTrue(all("no stored run" in row for row in
                            validation.validation_table(ROOT, {}, {})
                            if row.startswith("| Linux getppid")))

    def test_malformed(self):
        for bad in ('@@ipclab-cycles {"region":1} @@end',
                    '@@ipclab-cycles {"region":1,"warm":{"median":1.5},"cold":{"median":1}} @@end',
                    '@@ipclab-cycles {"region":1,"warm":{"median":1},"cold":{"median":1}}'):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                cycles.parse(bad)


@unittest.skipUnless(all(shutil.which(tool) for tool in TOOLS),
                     f"needs {', '.join(TOOLS)}")
class EndToEndTest(unittest.TestCase):
    """Build the plugin and the tiny guest; boot it with a flat profile (exact
    costs) and with skylake.conf (twice: the runs must be identical)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cycles-test-")
        tmp = Path(cls.tmp.name)
        run(["make", "-s", "plugin"], cwd=ROOT)
        run(["gcc", "-c", "-o", tmp / "tiny.o", HERE / "cycles_tiny.S"], cwd=tmp)
        run(["ld", "-m", "elf_x86_64", "-n", "--no-warn-rwx-segments", "-T", HERE / "tiny.ld",
             "-o", tmp / "tiny64.elf", tmp / "tiny.o"], cwd=tmp)
        run(["objcopy", "-O", "elf32-i386", tmp / "tiny64.elf", tmp / "tiny.elf"], cwd=tmp)
        (tmp / "flat.conf").write_text(flat_profile(SKYLAKE.read_text()))
        cls.flat = cls.boot("flat.conf")
        cls.flat_keep = cls.boot("flat.conf", cr3="keep")
        cls.skylake = cls.boot(SKYLAKE)
        cls.again = cls.boot(SKYLAKE)
        cls.keep = cls.boot(SKYLAKE, cr3="keep")

    @classmethod
    def boot(cls, profile, cr3="flush"):
        """Boot the guest with a profile and a cr3 option: (QEMU's status and
        stderr, the log)."""
        tmp = Path(cls.tmp.name)
        log = tmp / f"{Path(profile).stem}-{len(list(tmp.glob('*.log')))}.log"
        argv = [QEMU, "-M", "pc", "-display", "none", "-no-reboot", "-monitor", "none",
                "-serial", "none", "-icount", "shift=0,sleep=off", "-kernel",
                str(tmp / "tiny.elf"), "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                *cycles.qemu_args(ROOT / cycles.PLUGIN, profile, log, cr3=cr3)]
        done = subprocess.run(argv, cwd=tmp, capture_output=True, text=True, timeout=25,
                              check=False)
        return done, log.read_text() if log.exists() else ""

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def regions(self, booted):
        done, log = booted
        self.assertEqual(done.returncode, GUEST_EXIT, done.stderr)
        return cycles.parse(log)

    def test_cpuid_costs_what_the_profile_says(self):
        region = self.regions(self.flat)[1]
        self.assertEqual(region["instructions"]["median"], 10)
        self.assertEqual(region["warm"]["median"], 10 * 100)
        self.assertEqual(region["cold"]["median"], 10 * 100)

    def test_rep_movs_costs_by_length(self):
        """Start-up, then 2 cycles per 64 bytes: 640 bytes cost 35 + 20."""
        region = self.regions(self.flat)[2]
        self.assertEqual(region["warm"]["median"], 35 + 20)

    def test_cr3_write(self):
        self.assertEqual(self.regions(self.flat)[3]["warm"]["median"], 2 + 200)
        self.assertEqual(self.regions(self.flat)[3]["cr3"], "flush")
        # PCID's no-flush write: its own cost.
        self.assertEqual(self.regions(self.flat_keep)[3]["warm"]["median"], 2 + 40)
        self.assertEqual(self.regions(self.flat_keep)[3]["cr3"], "keep")

    def test_keep_saves_the_refills_after_a_cr3_write(self):
        """The same 16 pages again after CR3 writes away and back: with cr3=keep
        every translation hits (no TLB cycles); with flush each one walks."""
        kept, flushed = self.regions(self.keep)[5], self.regions(self.skylake)[5]
        self.assertEqual(kept["instructions"], flushed["instructions"])
        self.assertEqual(kept["warm_parts"]["tlb"], 0)
        # 16 data pages and the code page, each walked (4 levels) at least through L1D.
        l1d = int(re.search(r"^l1d.latency = (\d+)", SKYLAKE.read_text(), re.M)[1])
        self.assertGreaterEqual(flushed["warm_parts"]["tlb"], 17 * 4 * l1d)
        self.assertLess(kept["warm"]["median"], flushed["warm"]["median"])

    def test_spaces_through_one_slot_keep_their_own_entries(self):
        """Two spaces whose CR3 values go through one shared slot, as KPTI's
        entry loads them: with cr3=keep, space B must not hit space A's TLB
        entries for the same pages (region 6 walks), and back in space A they
        are still there (region 7 hits every translation)."""
        other, back = self.regions(self.keep)[6], self.regions(self.keep)[7]
        self.assertEqual(other["instructions"], back["instructions"])
        l1d = int(re.search(r"^l1d.latency = (\d+)", SKYLAKE.read_text(), re.M)[1])
        self.assertGreaterEqual(other["warm_parts"]["tlb"], 16 * l1d)
        self.assertEqual(back["warm_parts"]["tlb"], 0)

    def test_keep_needs_a_cpu_with_pcid(self):
        done, _ = self.boot(ROOT / cycles.profile_path(ROOT, "zen2"), cr3="keep")
        self.assertNotEqual(done.returncode, GUEST_EXIT)
        self.assertIn(f"cycles: cr3=keep needs a CPU with PCID, but "
                      f"{ROOT / cycles.profile_path(ROOT, 'zen2')} says pcid = 0\n", done.stderr)

    def test_cold_costs_more_than_warm(self):
        region = self.regions(self.skylake)[4]
        self.assertEqual(region["occurrences"], 2)
        self.assertGreater(region["cold"]["median"], region["warm"]["median"])
        # Cold, each of the 64 lines comes from memory: at least its latency each.
        memory = int(re.search(r"^memory.latency = (\d+)", SKYLAKE.read_text(), re.M)[1])
        self.assertGreaterEqual(region["cold"]["median"], 64 * (memory - 4))

    def test_runs_repeat_exactly(self):
        self.assertEqual(self.regions(self.skylake), self.regions(self.again))

    def test_bad_profile_is_one_line(self):
        tmp = Path(self.tmp.name)
        (tmp / "bad.conf").write_text(SKYLAKE.read_text().replace("l2.ways = 4", "l2.wayz = 4"))
        done, _ = self.boot(tmp / "bad.conf")
        self.assertNotEqual(done.returncode, GUEST_EXIT)
        self.assertIn("bad.conf:", done.stderr)
        self.assertIn("unknown key 'l2.wayz'", done.stderr)


if __name__ == "__main__":
    unittest.main()
