"""The kernel's edges for arguments: boots with a bad kernel argument or boot
module table must end in a failed run whose console says, in one line, what
was wrong and what is accepted; the good edges (a command line of exactly
4096 bytes, 17 boot modules) must pass.

A module's bad argument stops only that module, so one boot checks the
modules' cases together; root's and the kernel's stop the boot, one each.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from harness import qemu

CMDLINE_MAX = 4096            # bytes the kernel command line holds (kernel/bootinfo.h)
MODULES_MAX = 17              # boot modules: the root task and 16 (START_MODULES_MAX)


@dataclass(frozen=True)
class Case:
    """One boot with bad (or edge) arguments."""

    name: str                   # the test is target/<config>/<name>
    run: str                    # root's run=
    args: str = ""              # more kernel arguments
    passes: bool = False        # EXIT_PASS wanted (else EXIT_FAIL)
    expect: tuple[str, ...] = ()  # the console must have a line beginning with each
    modules: int = 0            # extra boot modules m1, m2, ... (copies of ktest)
    length: int = 0             # pad the kernel's command line to exactly this many bytes


CASES = (
    Case("args_modules", "ktest,bench,fuzz,crashy",
         "test=nosuchtest,null_syscall bench=nosuchbench calls=999999999999999999999 "
         "crashy_after=-1",
         expect=("ktest: test=nosuchtest,null_syscall: no name begins with 'nosuchtest'; "
                 "accepted: a comma-separated list of these names or their beginnings: "
                 "null_syscall, ",
                 "bench: bench=nosuchbench: unknown name 'nosuchbench'; accepted: a "
                 "comma-separated list of all, null_syscall, space_switch, pingpong, ",
                 "fuzz: calls=999999999999999999999: too large; accepted: a whole number "
                 "from 1 to 100000000",
                 "crashy: crashy_after=-1: negative; accepted: a whole number from 0 to 1000000",
                 "root: ktest exited with 1", "root: bench exited with 1",
                 "root: fuzz exited with 1", "root: crashy exited with 1")),
    Case("args_root", "ktest,doesnotexist\x07",
         expect=("root: run=ktest,doesnotexist\\x07: unknown name 'doesnotexist\\x07'; "
                 "accepted: a comma-separated list of all, ktest, bench, fuzz",)),
    Case("args_unknown_key", "ktest", "tset=null_syscall",
         expect=("root: tset=null_syscall: no part of ipclab reads this argument; the keys "
                 "are: hz, crash, run, serve, unit, nic, test, ",)),
    Case("args_kernel", "ktest", "crash=kernal test=null_syscall",
         expect=("ipclab: crash=kernal: unknown; accepted: crash=kernel; refusing to boot",)),
    Case("args_cmdline_4096", "ktest", "test=null_syscall", passes=True,
         expect=("TEST null_syscall ok", "ktest: 1 passed, 0 failed"), length=CMDLINE_MAX),
    Case("args_cmdline_too_long", "ktest", "test=null_syscall", length=CMDLINE_MAX + 1,
         expect=(f"ipclab: the kernel command line is longer than {CMDLINE_MAX} bytes; "
                 "refusing to boot",)),
    Case("args_modules_17", f"m{MODULES_MAX - len(qemu.MODULES)}", "test=null_syscall",
         passes=True, modules=MODULES_MAX - len(qemu.MODULES),
         expect=("TEST null_syscall ok",
                 f"root: m{MODULES_MAX - len(qemu.MODULES)} exited with 0")),
    Case("args_modules_18", f"m{MODULES_MAX + 1 - len(qemu.MODULES)}", "test=null_syscall",
         modules=MODULES_MAX + 1 - len(qemu.MODULES),
         expect=(f"ipclab: boot module 'm{MODULES_MAX + 1 - len(qemu.MODULES)}' and 0 after it "
                 f"dropped: at most {MODULES_MAX} boot modules (the root task and "
                 f"{MODULES_MAX - 1} more); refusing to boot",)),
)


def kernel_args(case: Case, kernel: str, mode: str = "tcg") -> str:
    """The case's kernel arguments after a word xxx... (no '=': an argument
    nobody reads, which root would refuse), so that the command line the
    kernel gets (QEMU puts the kernel's path and a blank in front) is
    case.length bytes."""
    args = qemu.kernel_args(mode, case.run, case.args)
    if not case.length:
        return args
    need = case.length - len(f"{kernel}  {args}")
    if need < 0:
        raise ValueError(f"{case.name}: the arguments alone are longer than {case.length}")
    return f"{'x' * need} {args}"            # first: a cut would lose the arguments after it


def qemu_argv(case: Case, config: str, program: str = qemu.QEMU) -> list[str]:
    """The QEMU command line of a case, with its extra boot modules."""
    kernel = str(qemu.boot_files(config, "tcg")[0])
    argv = qemu.qemu_argv(config, "tcg", kernel_args(case, kernel), program)
    ktest = Path(qemu.build_dir(config)) / "user" / "ktest.elf"
    at = argv.index("-initrd") + 1
    argv[at] += "".join(f",{ktest} m{i}" for i in range(1, case.modules + 1))
    return argv


def problems(case: Case, verdict: qemu.Verdict, lines: Iterable[str]) -> list[str]:
    """What is wrong with a case's boot: its outcome, an expected line
    missing, or a control byte echoed raw.  Empty if nothing is."""
    lines = [line.rstrip("\r") for line in lines]
    want = qemu.Outcome.PASS if case.passes else qemu.Outcome.FAIL
    found = [] if verdict.outcome is want else [
        f"expected {want.value}, got {verdict.explanation}"]
    found += [f"no line {qemu.quote(e)}" for e in case.expect
              if not any(line.startswith(e) for line in lines)]
    raw = {c for c in case.run + case.args if ord(c) < 0x20}
    found += [f"a control byte of the arguments echoed raw: {line!r}" for line in lines
              if raw & set(line)]
    return found
