"""Hostile boot modules: images the kernel must refuse, naming the module,
while the other modules boot (the robustness issue's "hostile boot input").

The images are made here, from the ELF-64 layout of the System V ABI, so
that each is wrong in exactly one way.
"""

import struct
from pathlib import Path

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")     # ELF-64 file header, 64 bytes
PHDR = struct.Struct("<IIQQQQQQ")             # ELF-64 program header, 56 bytes
PT_LOAD, PF_X, PF_R = 1, 1, 4


def elf_image(segments: list[tuple[int, bytes]], entry: int, memsz: int = 0) -> bytes:
    """A static x86_64 executable with one PT_LOAD per (vaddr, bytes), read+exec;
    memsz, if given, is every segment's size in memory (the rest zero-filled)."""
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    offset = EHDR.size + PHDR.size * len(segments)
    headers, data = [], b""
    for vaddr, body in segments:
        headers.append(PHDR.pack(PT_LOAD, PF_R | PF_X, offset + len(data), vaddr, vaddr,
                                 len(body), max(memsz, len(body)), 0x1000))
        data += body
    ehdr = EHDR.pack(ident, 2, 62, 1, entry, EHDR.size, 0, 0, EHDR.size, PHDR.size,
                     len(segments), 0, 0, 0)
    return ehdr + b"".join(headers) + data


def images(good: bytes) -> dict[str, tuple[bytes, str]]:
    """Each hostile module: its bytes and the reason the kernel should give."""
    code = b"\xeb\xfe" * 8                     # jmp . (never run)
    return {
        "truncated": (good[:200], "truncated image"),
        "notelf": (b"#!/bin/sh\necho this is not an ELF64 program\n" * 8,
                   "not an x86_64 ELF64 file"),
        "kerneladdr": (elf_image([(0xffffffff80100000, code)], 0xffffffff80100000),
                       "segment outside the image or user space"),
        "overlapping": (elf_image([(0x400000, code), (0x400800, code)], 0x400000),
                        "overlapping segments"),
        # A valid program whose segment asks for 1 TiB: refused by its size.
        "huge": (elf_image([(0x400000, code)], 0x400000, memsz=HUGE_BYTES),
                 f"its segments need {HUGE_BYTES >> 10} KiB"),
    }


HUGE_BYTES = 1 << 40

# What root says when it cannot start each hostile module, words first.
ROOT_SAYS = {"huge": "out of memory (quota): asked"}
ROOT_SAYS_DEFAULT = "not a loadable program (error 8)"


def write_images(directory: Path, good: bytes) -> dict[str, tuple[Path, str]]:
    """Write the hostile modules into directory; name -> (path, expected reason)."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (data, reason) in images(good).items():
        path = directory / f"{name}.elf"
        path.write_bytes(data)
        out[name] = (path, reason)
    return out


def problems(lines: list[str], expected: dict[str, str]) -> list[str]:
    """What is missing from a hostile boot's serial log: each refusal, and
    the good module's test passing after them."""
    text = "\n".join(lines)
    missing = [f"no refusal of {name} ({reason})" for name, reason in expected.items()
               if f"module {name} refused: {reason}" not in text]
    for name in expected:
        says = ROOT_SAYS.get(name, ROOT_SAYS_DEFAULT)
        if f"root: {name}: cannot start: {says}" not in text:
            missing.append(f"root does not say why {name} cannot start ({says!r})")
    if "TEST null_syscall ok" not in text:
        missing.append("the good module did not run after the refusals")
    return missing
