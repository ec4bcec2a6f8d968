"""Tests of harness.axistable: axes.mk and the models' traits, read."""

import tempfile
import unittest
from pathlib import Path

from harness import axes, axistable, runs

TEXT = """# comment
AXES := IPC FLAG \\
        NUM
IPC.kind := choice
IPC.values := $(MODELS)   # the folders
IPC.test := cross
FLAG.kind := flag
FLAG.default := n
FLAG.about := A flag
NUM.kind := range
NUM.values := 1 8
NUM.test := 1 8
NUM.letter := r
"""


class AxisTableTest(unittest.TestCase):
    """axes.mk as the harness sees it."""

    def test_fields_and_order(self):
        """AXES gives the order, continuation lines joined; $(MODELS) is the models."""
        table = axistable.parse_axes(TEXT, ("a", "b", "c"))
        self.assertEqual([a.name for a in table], ["IPC", "FLAG", "NUM"])
        ipc, flag, num = table
        self.assertEqual((ipc.values, ipc.crossed, ipc.about), (("a", "b", "c"), True, "IPC"))
        self.assertEqual((flag.values, flag.default, flag.about), (("y", "n"), "n", "A flag"))
        self.assertEqual((num.kind, num.values, num.test, num.crossed), ("range", ("1", "8"),
                                                                        ("1", "8"), False))

    def test_axis_added_on_a_line_of_its_own(self):
        """`AXES += X` appends X to the order (a line that merges cleanly)."""
        table = axistable.parse_axes(TEXT + "AXES += MORE\nMORE.kind := flag\n", ("a",))
        self.assertEqual([a.name for a in table], ["IPC", "FLAG", "NUM", "MORE"])

    def test_axis_without_kind(self):
        """An axis AXES lists but does not describe is a ValueError naming it."""
        with self.assertRaisesRegex(ValueError, "NUM"):
            axistable.parse_axes("AXES := NUM\n", ())

    def test_combinations_of_any_table(self):
        """A new crossed axis doubles the combinations; names stay distinct."""
        table = axistable.parse_axes(TEXT, ("a", "b"))
        combos = axes.combinations(table)
        self.assertEqual([c.name for c in combos], ["a-r1", "b-r1"])
        more = axistable.parse_axes(TEXT.replace("FLAG.about", "FLAG.test := cross\nFLAG.about"),
                                    ("a", "b"))
        self.assertEqual(sorted(c.name for c in axes.combinations(more)),
                         ["af-r1", "an-r8", "bf-r1", "bn-r8"])
        alike = axistable.parse_axes(TEXT, ("sync", "sync2", "async"))
        self.assertEqual([c.name for c in axes.combinations(alike)],
                         ["sync-r1", "sync2-r1", "a-r1"])

    def test_model_traits(self):
        """A model's string traits, and its style name with the folder's as fallback."""
        traits = axistable.model_traits('#define IPC_MODEL_STYLE "L4-style"  /* x */\n'
                                        '#define IPC_MSG_MAX 64\n')
        self.assertEqual(traits, {"IPC_MODEL_STYLE": "L4-style"})
        self.assertEqual(axistable.model_style({"sync": traits}, "sync"), "L4-style")
        self.assertEqual(axistable.model_style({}, "copy"), "copy")

    def test_code_lines(self):
        """Blank and comment-only lines do not count; code beside a comment does,
        and a comment opener inside a string is not a comment."""
        text = ("/* a comment\n   over two lines */\n\n"
                "int a; /* code beside */\n"
                "// a line comment\n"
                "char *s = \"/* not a comment\";\n"
                "\t/* x */ movq %rax, %rbx\n"
                "char c = '\"'; /* a quote char */\n"
                "   \t\n")
        self.assertEqual(axistable.code_lines_of(text), 4)
        self.assertEqual(axistable.code_lines_of(""), 0)

    def test_the_tree(self):
        """The tree's axes.mk parses, and every model has a style name."""
        table = axistable.read_axes(axes.ROOT)
        self.assertIn("IPC", [a.name for a in table])
        for model, traits in axistable.read_models(axes.ROOT).items():
            self.assertIn("IPC_MODEL_STYLE", traits, model)

    def test_every_preset_within_the_size_goal(self):
        """Issue 15's budget holds in the tree: each preset's kernel (arch/,
        kernel/, its model, as its preprocessor keeps them) has at most
        report.SIZE_GOAL code lines."""
        from harness import report
        for name, size in report.preset_sizes(axes.ROOT,
                                              report.read_presets(axes.ROOT)).lines.items():
            self.assertLessEqual(size[1], report.SIZE_GOAL,
                                 f"{name}: {size[1]} code lines of privileged code")

    def test_config_defines_of_the_tree(self):
        """config_defines gives what the Makefile writes into config.h: a flag's
        0/1, a range's number, a choice's constant per value (c's prefix)."""
        table = axistable.read_axes(axes.ROOT)
        found = axistable.config_defines(table, {"IPC": "sync", "SCHED_QUEUES": "eager",
                                                 "MSG_REGS": "4", "DIRECT_SWITCH": "y"})
        self.assertEqual((found["CONFIG_IPC_SYNC"], found["CONFIG_IPC_ASYNC"]), ("1", "0"))
        self.assertEqual((found["CONFIG_SCHED_EAGER"], found["CONFIG_SCHED_LAZY"]), ("1", "0"))
        self.assertEqual((found["CONFIG_MSG_REGS"], found["CONFIG_DIRECT_SWITCH"]), ("4", "1"))



class SharedPartTest(unittest.TestCase):
    """A shared part (ipc-variants/rendezvous/) counted for the models that use it."""

    def test_the_tree(self):
        """The rendezvous is privileged code of l4's and copy's kernels, not of
        mach's, and no model (no IPC value of its own)."""
        part = {axes.ROOT / "ipc-variants/rendezvous" / name
                for name in ("rendezvous.c", "rendezvous.h", "rendezvous_thread.h")}
        for preset, counted in (("l4", True), ("copy", True), ("mach", False)):
            model = runs.config_axes(axes.ROOT, preset)["IPC"]
            files = set(axistable.privileged_files(axes.ROOT, model))
            self.assertEqual(part & files, part if counted else set(), preset)
        self.assertNotIn("rendezvous", axistable.read_models(axes.ROOT))

    def test_model_mk(self):
        """IPC_SHARED (`:=`, `+=`, comments) names the parts; the model.mk itself
        is not counted; a part that is a model or no folder is a ValueError."""
        self.assertEqual(axistable.parse_shared_parts(
            "# uses\nIPC_SHARED := a b  # two\nIPC_SHARED += c\nOTHER := d\n"), ("a", "b", "c"))
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for path, text in (("ipc-variants/m/model.h", "x;\n"),
                               ("ipc-variants/m/model.mk", "IPC_SHARED := part\n"),
                               ("ipc-variants/part/part.c", "y;\nz;\n"),
                               ("ipc-variants/other/model.h", "w;\n")):
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                (root / path).write_text(text)
            self.assertEqual([p.relative_to(root).as_posix()
                              for p in axistable.privileged_files(root, "m")],
                             ["ipc-variants/m/model.h", "ipc-variants/part/part.c"])
            self.assertEqual(axistable.privileged_code_lines(root, "m"), 3)
            self.assertEqual(axistable.privileged_code_lines(root, "other"), 1)
            for bad in ("other", "missing"):
                (root / "ipc-variants/m/model.mk").write_text(f"IPC_SHARED := {bad}\n")
                with self.assertRaisesRegex(ValueError, f"model.mk: IPC_SHARED names '{bad}'"):
                    axistable.privileged_files(root, "m")


class PreprocessorTest(unittest.TestCase):
    """What a preset's preprocessor keeps, counted."""

    DEFINES = {"CONFIG_A": "1", "CONFIG_B": "0", "CONFIG_N": "8", "TRAIT": "CONFIG_A"}

    def test_cpp_value(self):
        """#if expressions as cpp computes them; an unknown name decides nothing."""
        value = lambda expr: axistable.cpp_value(expr, self.DEFINES)
        self.assertEqual(value("CONFIG_A"), 1)
        self.assertEqual(value("!CONFIG_A || CONFIG_B"), 0)
        self.assertEqual(value("TRAIT && (CONFIG_N >= 8)"), 1)
        self.assertEqual(value("defined(CONFIG_B)"), 1)
        self.assertIsNone(value("CONFIG_UNKNOWN"))
        self.assertIsNone(value("CONFIG_A +"))

    def test_code_lines_kept(self):
        """A known-false block is left out, its directives counted; #else and
        #elif follow; an undecided condition keeps every branch."""
        text = ("a;\n#if CONFIG_B\nb;\nb;\n#elif TRAIT\nc;\n#else\nd;\n#endif\n"
                "#ifndef GUARD_H\ne; /* comment */\n#if CONFIG_A\n#else\nf;\n#endif\n#endif\n"
                "#if OTHER\ng;\n#else\nh;\n#endif\n")
        self.assertEqual(axistable.code_lines_kept(text, self.DEFINES),
                         1 + 5 + 6 + 5)
        self.assertEqual(axistable.code_lines_kept(text, {}), axistable.code_lines_of(text))

    def test_preset_defines(self):
        """A preset's defines hold its model.h's value traits beside config.h's."""
        table = axistable.read_axes(axes.ROOT)
        found = axistable.preset_defines(axes.ROOT, table, {"IPC": "sync",
                                                            "DIRECT_SWITCH": "n"})
        self.assertEqual(axistable.cpp_value("IPC_ENTRY_FASTPATH", found), 0)


class PresetFilesTest(unittest.TestCase):
    """Presets in configs/ and in a model's own folder."""

    def test_model_folder_presets(self):
        """A model's configs/*.mk are presets too; root presets include no other."""
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "configs").mkdir()
            (root / "ipc-variants/copy/configs").mkdir(parents=True)
            (root / "configs/l4.mk").write_text("IPC := sync\n")
            (root / "configs/l4-nods.mk").write_text("include configs/l4.mk\nDIRECT_SWITCH := n\n")
            (root / "ipc-variants/copy/configs/copy.mk").write_text("IPC := copy\n")
            self.assertEqual(runs.all_configs(root), ["copy", "l4", "l4-nods"])
            self.assertEqual(runs.root_presets(root), ["copy", "l4"])
            self.assertEqual(runs.config_axes(root, "copy"), {"IPC": "copy"})
            self.assertEqual(runs.config_axes(root, "none"), {})


if __name__ == "__main__":
    unittest.main()
