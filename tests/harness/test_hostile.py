"""The hostile boot modules: each wrong in one way, and the log check."""

import struct
import unittest

from harness import hostile


class ImagesTest(unittest.TestCase):
    def test_elf_image_layout(self):
        """The header says what the System V ABI says an x86_64 executable is."""
        image = hostile.elf_image([(0x400000, b"\x90" * 16)], 0x400000)
        ident, etype, machine, _, entry, phoff = struct.unpack_from("<16sHHIQQ", image)
        self.assertEqual(ident[:4], b"\x7fELF")
        self.assertEqual((ident[4], ident[5], etype, machine), (2, 1, 2, 62))
        self.assertEqual((entry, phoff), (0x400000, 64))
        ptype, _, offset, vaddr = struct.unpack_from("<IIQQ", image, 64)
        self.assertEqual((ptype, vaddr), (1, 0x400000))
        self.assertEqual(image[offset:offset + 16], b"\x90" * 16)

    def test_each_image_is_wrong_in_its_own_way(self):
        good = hostile.elf_image([(0x400000, b"\x90" * 300)], 0x400000)
        made = hostile.images(good)
        self.assertEqual(len(made["truncated"][0]), 200)
        self.assertFalse(made["notelf"][0].startswith(b"\x7fELF"))
        self.assertEqual(len({reason for _, reason in made.values()}), 5)

    def test_huge_segment_is_small_on_disk_and_1_tib_in_memory(self):
        good = hostile.elf_image([(0x400000, b"\x90" * 300)], 0x400000)
        image, reason = hostile.images(good)["huge"]
        self.assertLess(len(image), 4096)
        filesz, memsz = struct.unpack_from("<QQ", image, 64 + 32)
        self.assertEqual((filesz, memsz), (16, 1 << 40))
        self.assertEqual(reason, "its segments need 1073741824 KiB")


class ProblemsTest(unittest.TestCase):
    EXPECTED = {"truncated": "truncated image", "notelf": "not an x86_64 ELF64 file"}

    ROOT_LINES = ["root: truncated: cannot start: not a loadable program (error 8)",
                  "root: notelf: cannot start: not a loadable program (error 8)"]

    def test_all_refused_and_the_good_one_ran(self):
        lines = ["ipclab: module truncated refused: truncated image",
                 "ipclab: module notelf refused: not an x86_64 ELF64 file",
                 *self.ROOT_LINES, "TEST null_syscall ok"]
        self.assertEqual(hostile.problems(lines, self.EXPECTED), [])

    def test_missing_refusal_and_missing_run(self):
        lines = ["ipclab: module truncated refused: truncated image", *self.ROOT_LINES]
        self.assertEqual(hostile.problems(lines, self.EXPECTED),
                         ["no refusal of notelf (not an x86_64 ELF64 file)",
                          "the good module did not run after the refusals"])

    def test_root_must_say_why_in_words(self):
        lines = ["ipclab: module huge refused: its segments need 1073741824 KiB, more than",
                 "root: huge: cannot start: error 5", "TEST null_syscall ok"]
        self.assertEqual(hostile.problems(lines, {"huge": "its segments need 1073741824 KiB"}),
                         ["root does not say why huge cannot start "
                          "('out of memory (quota): asked')"])


if __name__ == "__main__":
    unittest.main()
