"""Tests of the footprint plugin: the log parser, the QEMU options, and an
end-to-end run of the built plugin on a tiny guest (tests/plugin/tiny.S).

Run from the top of the tree:
    python3 -m unittest discover -s tests/plugin -t .
with the QEMU in $IPCLAB_QEMU if set (python3 -m harness test --qemu sets it),
else qemu-system-x86_64; the plugin is built for that QEMU's plugin API.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import qemu
from harness.plugin import footprint

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
QEMU = qemu.default_qemu()
TOOLS = ("make", "gcc", "ld", "objcopy", "nm", QEMU)

# isa-debug-exit status for the guest's `outb 0x10, 0xf4`: (0x10 << 1) | 1.
GUEST_EXIT = 33


def side(instructions=0, loads=0, stores=0, lines=0, fetch_lines=0, data_lines=0,
         pages=0, per=None) -> dict:
    """One kernel/user object of a footprint line."""
    return {"instructions": instructions, "loads": loads, "stores": stores, "lines": lines,
            "fetch_lines": fetch_lines, "data_lines": data_lines, "pages": pages,
            "per_occurrence": per or {"instructions": 0, "loads": 0, "stores": 0}}


SAMPLE = (
    'footprint: something before\n'
    '@@ipclab-footprint {"region":1,"occurrences":2,"unmatched":1,"unclosed":0,'
    '"kernel":{"instructions":10,"loads":4,"stores":2,"lines":3,"fetch_lines":2,'
    '"data_lines":1,"pages":1,"per_occurrence":{"instructions":5,"loads":2,"stores":1}},'
    '"user":{"instructions":0,"loads":0,"stores":0,"lines":0,"fetch_lines":0,'
    '"data_lines":0,"pages":0,"per_occurrence":{"instructions":0,"loads":0,"stores":0}},'
    '"last":{"kernel_lines":3,"user_lines":0,"kernel_pages":1,"user_pages":0,'
    '"kernel_instructions":5,"user_instructions":0}} @@end\r\n'
    'qemu-system-x86_64: terminating on signal 15\n'
    '@@ipclab-footprint {"region":65535,"occurrences":3,"unmatched":0,"unclosed":1,'
    '"kernel":{},"user":{},"last":{}} @@end\n'
    'footprint: 2 region id(s); whole run: 10 kernel, 20 user instructions\n')


class ParseProfileTest(unittest.TestCase):
    def test_reads_regions(self):
        text = ('noise\n@@ipclab-profile {"region":1,"pcs":[["100000",3],["ffffffff80100000",2]]}'
                ' @@end\r\n@@ipclab-profile {"region":7,"pcs":[]} @@end\n')
        self.assertEqual(footprint.parse_profile(text),
                         {1: {0x100000: 3, 0xffffffff80100000: 2}, 7: {}})
        self.assertEqual(footprint.parse(text), {})    # not footprint lines

    def test_malformed(self):
        for bad in ('@@ipclab-profile {"region":1,"pcs":[]}',               # no end
                    '@@ipclab-profile {"region":1} @@end',                  # no pcs
                    '@@ipclab-profile {"region":1,"pcs":[["xyz",1]]} @@end',
                    '@@ipclab-profile {"region":1,"pcs":[["10",0]]} @@end',
                    '@@ipclab-profile {"region":true,"pcs":[]} @@end',
                    '@@ipclab-profile [1] @@end',
                    '@@ipclab-profile {"region":1,"pcs":[]} @@end\n'
                    '@@ipclab-profile {"region":1,"pcs":[]} @@end'):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                footprint.parse_profile(bad)

    def test_option(self):
        args = footprint.qemu_args("build/plugin/footprint.so", "log", profile=True)
        self.assertEqual(args[1], "file=build/plugin/footprint.so,profile=on")


class ParseTest(unittest.TestCase):
    def test_reads_every_region(self):
        regions = footprint.parse(SAMPLE)
        self.assertEqual(sorted(regions), [1, 65535])
        self.assertEqual(regions[1]["occurrences"], 2)
        self.assertEqual(regions[1]["unmatched"], 1)
        self.assertEqual(regions[1]["kernel"]["per_occurrence"]["instructions"], 5)
        self.assertEqual(regions[1]["last"]["kernel_lines"], 3)
        self.assertEqual(regions[65535]["unclosed"], 1)

    def test_no_lines(self):
        self.assertEqual(footprint.parse(""), {})
        self.assertEqual(footprint.parse("just QEMU talking\n"), {})

    def test_marker_after_other_text(self):
        line = 'junk @@ipclab-footprint {"region":7} @@end'
        self.assertEqual(footprint.parse(line), {7: {"region": 7}})

    def test_fractional_mean(self):
        line = ('@@ipclab-footprint {"region":2,"user":{"per_occurrence":'
                '{"instructions":2.333}}} @@end')
        self.assertAlmostEqual(footprint.parse(line)[2]["user"]["per_occurrence"]["instructions"],
                               2.333)

    def test_malformed_lines(self):
        for bad in ('@@ipclab-footprint {"region":1}',             # no end marker
                    '@@ipclab-footprint {"region":1 @@end',         # bad JSON
                    '@@ipclab-footprint [1] @@end',                 # not an object
                    '@@ipclab-footprint {"occurrences":1} @@end',   # no region
                    '@@ipclab-footprint {"region":"1"} @@end',
                    '@@ipclab-footprint {"region":true} @@end',
                    '@@ipclab-footprint {"region":65536} @@end'):
            with self.subTest(line=bad), self.assertRaises(ValueError):
                footprint.parse(bad)

    def test_duplicate_region(self):
        line = '@@ipclab-footprint {"region":4} @@end\n'
        with self.assertRaisesRegex(ValueError, "second footprint line for region 4"):
            footprint.parse(line * 2)


class QemuArgsTest(unittest.TestCase):
    def test_options(self):
        self.assertEqual(footprint.qemu_args("build/plugin/footprint.so", "build/fp.log"),
                         ["-plugin", "file=build/plugin/footprint.so",
                          "-d", "plugin", "-D", "build/fp.log"])

    def test_path_objects(self):
        args = footprint.qemu_args(Path("/a/b.so"), Path("/tmp/x.log"))
        self.assertEqual(args[1], "file=/a/b.so")
        self.assertEqual(args[-1], "/tmp/x.log")

    def test_bare_file_name_is_made_a_path(self):
        self.assertEqual(footprint.qemu_args("footprint.so", "log")[1], "file=./footprint.so")

    def test_comma_is_escaped(self):
        self.assertEqual(footprint.qemu_args("/a,b/f.so", "log")[1], "file=/a,,b/f.so")

    def test_percent_in_log_path(self):
        with self.assertRaises(ValueError):
            footprint.qemu_args("/f.so", "/tmp/log%d")


def run(argv, cwd, timeout=60.0) -> subprocess.CompletedProcess:
    """Run a command; fail the test with its output if it fails."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} failed ({done.returncode}):\n"
                             f"{done.stdout}{done.stderr}")
    return done


@unittest.skipUnless(all(shutil.which(tool) for tool in TOOLS),
                     f"needs {', '.join(TOOLS)}")
class EndToEndTest(unittest.TestCase):
    """Build the plugin and the tiny guest, boot it, check the counts exactly.

    The guest (tests/plugin/tiny.S) says what each region executes.  Regions
    1, 3 and 0xffff run in 32-bit mode, where every address is below
    0xffff800000000000, so all their counts are "user" by the address rule;
    region 5 runs in long mode, partly at kernel addresses.
    """

    PROFILE = False

    @classmethod
    def setUpClass(cls):
        started = time.monotonic()
        cls.tmp = tempfile.TemporaryDirectory(prefix="footprint-test-")
        tmp = Path(cls.tmp.name)
        run(["make", "-s", "plugin", f"QEMU={QEMU}"], cwd=ROOT)
        plugin = ROOT / footprint.PLUGIN
        cls.api, _ = qemu.plugin_api(qemu.release_of(qemu.qemu_version(QEMU)))
        run(["gcc", "-c", "-o", tmp / "tiny.o", HERE / "tiny.S"], cwd=tmp)
        run(["ld", "-m", "elf_x86_64", "-n", "--no-warn-rwx-segments", "-T", HERE / "tiny.ld",
             "-o", tmp / "tiny64.elf", tmp / "tiny.o"], cwd=tmp)
        run(["objcopy", "-O", "elf32-i386", tmp / "tiny64.elf", tmp / "tiny.elf"], cwd=tmp)
        cls.symbols = {}
        for line in run(["nm", tmp / "tiny64.elf"], cwd=tmp).stdout.splitlines():
            address, _, name = line.split()
            cls.symbols[name] = int(address, 16)
        log = tmp / "footprint.log"
        argv = [QEMU, "-M", "pc", "-display", "none", "-no-reboot", "-monitor", "none",
                "-serial", "none", "-kernel", str(tmp / "tiny.elf"),
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                *footprint.qemu_args(plugin, log, profile=cls.PROFILE)]
        cls.qemu = subprocess.run(argv, cwd=tmp, capture_output=True, text=True, timeout=25,
                                  check=False)
        cls.log = log.read_text() if log.exists() else ""
        cls.elapsed = time.monotonic() - started

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.assertEqual(self.qemu.returncode, GUEST_EXIT,
                         f"QEMU status {self.qemu.returncode}; stderr:\n{self.qemu.stderr}")
        self.regions = footprint.parse(self.log)

    def test_guest_layout(self):
        """What the expected counts assume about where the code is."""
        s = self.symbols
        self.assertEqual(s["outer"] % 64, 0)
        self.assertLess(s["r1_part1_end"] - s["outer"], 64)
        self.assertEqual(s["far"] % 64, 60)            # its 5-byte mov crosses a line
        self.assertEqual(s["r3_start"] % 64, 0)
        self.assertEqual(s["kcode"] % 64, 0)
        self.assertEqual(s["upart"] % 64, 0)
        pages = {s[n] // 4096 for n in ("outer", "far", "buf", "result")}
        self.assertEqual(len(pages), 4)

    def test_regions_found(self):
        self.assertEqual(sorted(self.regions), [1, 3, 5, 9, 0xffff], self.log)

    def test_repeated_region(self):
        r = self.regions[1]
        self.assertEqual(r["occurrences"], 2)
        self.assertEqual(r["unmatched"], 1)       # the end marker before any begin
        self.assertEqual(r["unclosed"], 0)
        self.assertEqual(r["user"], side(instructions=330, loads=64, stores=2, lines=20,
                                         fetch_lines=3, data_lines=17, pages=4,
                                         per={"instructions": 165, "loads": 32, "stores": 1}))
        self.assertEqual(r["kernel"], side())
        self.assertEqual(r["last"], {"kernel_lines": 0, "user_lines": 20, "kernel_pages": 0,
                                     "user_pages": 4, "kernel_instructions": 0,
                                     "user_instructions": 165})

    def test_nested_regions(self):
        inner, outer = self.regions[0xffff], self.regions[3]
        per = {"instructions": 2, "loads": 1, "stores": 1}
        self.assertEqual(inner["occurrences"], 1)
        self.assertEqual(inner["user"], side(2, 1, 1, 2, 1, 1, 2, per))
        # The inner markers are not counted; the nop after the inner end is.
        self.assertEqual(outer["user"], side(3, 1, 1, 2, 1, 1, 2, dict(per, instructions=3)))

    def test_kernel_and_user(self):
        r = self.regions[5]
        self.assertEqual(r["occurrences"], 1)
        self.assertEqual(r["kernel"], side(6, 2, 1, 2, 1, 1, 2,
                                           {"instructions": 6, "loads": 2, "stores": 1}))
        self.assertEqual(r["user"], side(4, 0, 1, 2, 1, 1, 2,
                                         {"instructions": 4, "loads": 0, "stores": 1}))
        self.assertEqual(r["last"], {"kernel_lines": 2, "user_lines": 2, "kernel_pages": 2,
                                     "user_pages": 2, "kernel_instructions": 6,
                                     "user_instructions": 4})

    def test_unclosed_region(self):
        r = self.regions[9]
        self.assertEqual((r["occurrences"], r["unclosed"], r["unmatched"]), (0, 1, 0))

    def test_cr3_where_registers_can_be_read(self):
        """Plugin API 4 reads CR3 at each begin: 0 before paging is on (regions
        1, 3), the tiny guest's PML4 in long mode (region 5).  API 1 cannot."""
        cr3 = {region: r.get("cr3") for region, r in self.regions.items() if region != 9}
        if self.api is not None and self.api >= 4:
            self.assertEqual(cr3, {1: "0", 3: "0", 0xffff: "0",
                                   5: f"{self.symbols['pml4']:x}"})
        else:
            self.assertEqual(cr3, {1: None, 3: None, 0xffff: None, 5: None})

    def test_fast_enough(self):
        self.assertLess(self.elapsed, 30.0)

    def test_no_profile_unless_asked(self):
        if not self.PROFILE:
            self.assertEqual(footprint.parse_profile(self.log), {})


@unittest.skipUnless(all(shutil.which(tool) for tool in ("gcc", QEMU)), f"needs gcc, {QEMU}")
class VersionMismatchTest(unittest.TestCase):
    """A plugin built for another plugin API level than the QEMU's loads no
    further than QEMU's version check (its calls are weak references), which
    refuses it in one line, not with an undefined symbol."""

    def test_other_level_refused_in_one_line(self):
        level, _ = qemu.plugin_api(qemu.release_of(qemu.qemu_version(QEMU)))
        other = 1 if level == 4 else 4
        with tempfile.TemporaryDirectory(prefix="footprint-api-") as tmp:
            plugin = Path(tmp) / "footprint.so"
            run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC",
                 "-fvisibility=hidden", "-shared", f"-DIPCLAB_QEMU_PLUGIN_API={other}",
                 "-o", plugin, ROOT / "harness/plugin/footprint.c", "-lpthread"], cwd=tmp)
            done = subprocess.run([QEMU, "-M", "none", "-display", "none", "-monitor", "none",
                                   "-plugin", f"file={plugin}"], capture_output=True,
                                  text=True, timeout=25, check=False)
        self.assertEqual(done.returncode, 1, done.stderr)
        said = [line for line in done.stderr.splitlines() if str(plugin) in line]
        self.assertEqual(len(said), 1, done.stderr)
        self.assertIn(f"API version {other}", said[0])
        self.assertNotIn("undefined symbol", done.stderr)


# A plugin written against QEMU 7.2's API (qemu_plugin_api.h before QEMU 10
# was supported), as the other plugins here may still be.
OLD_STYLE_PLUGIN = r"""
#include "qemu_plugin_api.h"
QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;
static uint64_t executed, physical;
static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *u)
{
	(void)vcpu;
	(void)u;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (hw && !qemu_plugin_hwaddr_is_io(hw))
		physical += qemu_plugin_hwaddr_phys_addr(hw) & 1;
}
static void on_insn(unsigned int vcpu, void *u)
{
	(void)vcpu;
	(void)u;
}
static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *bytes = qemu_plugin_insn_data(insn);
		if (bytes[0] == 0x90 && qemu_plugin_insn_vaddr(insn) && qemu_plugin_insn_size(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, 0);
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							   &executed, 1);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, 0);
	}
}
static void at_end(qemu_plugin_id_t id, void *u)
{
	(void)id;
	(void)u;
	qemu_plugin_outs(executed ? "old-style: counted\n" : "old-style: nothing\n");
}
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	(void)info;
	(void)argc;
	(void)argv;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_end, 0);
	return 0;
}
"""


@unittest.skipUnless(shutil.which("gcc"), "needs gcc")
class OldStyleBuildTest(unittest.TestCase):
    """A plugin written against 7.2's calls (instruction bytes by pointer, the
    inline add to a variable, the physical address of an access) builds for
    both API levels, -Wall -Wextra -Werror."""

    def test_builds_for_both_levels(self):
        with tempfile.TemporaryDirectory(prefix="plugin-old-") as tmp:
            source = Path(tmp) / "old.c"
            source.write_text(OLD_STYLE_PLUGIN)
            for level in (1, 4):
                with self.subTest(level=level):
                    run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC",
                         "-fvisibility=hidden", "-shared", f"-DIPCLAB_QEMU_PLUGIN_API={level}",
                         f"-I{ROOT / 'harness/plugin'}", "-o", Path(tmp) / f"old{level}.so",
                         source], cwd=tmp)


class ProfileEndToEndTest(EndToEndTest):
    """The same guest with profile=on: the totals are unchanged, and each
    region's per-address counts add up to its instructions, at the addresses
    its code is at."""

    PROFILE = True

    def test_counts_add_up(self):
        profiles = footprint.parse_profile(self.log)
        self.assertEqual(sorted(profiles), [1, 3, 5, 9, 0xffff])
        for region, counts in profiles.items():
            if region == 9:
                continue                 # never closed: its totals are never taken
            r = self.regions[region]
            self.assertEqual(sum(counts.values()),
                             r["user"]["instructions"] + r["kernel"]["instructions"], region)

    def test_addresses(self):
        counts = footprint.parse_profile(self.log)[1]
        s = self.symbols
        # Region 1, twice: the loop's 5 instructions 32 times each time.
        loop = [pc for pc in counts if s["r1_start"] < pc < s["r1_part1_end"]]
        self.assertEqual(sorted(counts[pc] for pc in loop)[-5:], [64] * 5)
        self.assertEqual(counts[s["far"]], 2)
        self.assertTrue(all(s["outer"] <= pc < s["r1_end"] or s["far"] <= pc < s["r1_end"]
                            for pc in counts), [hex(pc) for pc in counts])
        kernel = [pc for pc in footprint.parse_profile(self.log)[5] if pc >= 0xffff800000000000]
        self.assertEqual(len(kernel), 6)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(all(shutil.which(tool) for tool in (*TOOLS, "objdump")),
                     f"needs {', '.join(TOOLS)}, objdump")
class ProfileToolTest(unittest.TestCase):
    """python3 -m harness.profile on the real kernel: a null system call's
    instructions by function, the kernel's entry and exit among them."""

    def test_null_syscall(self):
        done = subprocess.run(["python3", "-m", "harness.profile", "--config", "l4", "--bench",
                               "null_syscall", "--case", "null", "--top", "0",
                               "--annotate", "syscall_entry"],
                              cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        lines = done.stdout.splitlines()
        head = re.match(r"l4 null_syscall null: (\d+) instructions per iteration "
                        r"\(kernel (\d+), user (\d+)\)$", lines[0])
        self.assertTrue(head, lines[0])
        total, kernel, user = map(int, head.groups())
        self.assertEqual(total, kernel + user)
        self.assertTrue(40 <= kernel <= 200, kernel)
        functions = {line.split()[-1] for line in lines[2:] if "%" in line and "(user)" not in line}
        self.assertLessEqual({"syscall_entry", "syscall_return"}, functions, lines)
        self.assertTrue(any(line.endswith("bench_null (user)") for line in lines), lines)
        annotated = lines.index("syscall_entry: instructions run per iteration, by address")
        self.assertIn("swapgs", lines[annotated + 1])
