"""Command line: python3 -m harness {boot,test,cpu} ...

Exit status: 0 success; 1 a guest or a test failed; 2 the harness could not
run a guest at all (build failed, QEMU missing, bad arguments).
"""

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from harness import qemu
from harness.boot import BootRequest, HarnessError, boot, say
from harness.testrun import Options, run_tests


def tree_root() -> Path:
    """The top of the ipclab tree: the directory that holds this package."""
    return Path(__file__).resolve().parent.parent


def positive_seconds(text: str) -> float:
    """argparse type: a timeout in seconds, greater than zero."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"timeout must be positive, not {text}")
    return value


def cmd_boot(args: argparse.Namespace) -> int:
    """Build and boot one variant; 0 iff EXIT_PASS after the banner."""
    if args.mode == "iso" and (args.run or args.args):
        say("--run and --args are ignored in iso mode: the ISO's grub.cfg sets the kernel arguments")
    request = BootRequest(args.config, args.mode, run=args.run or "all",
                          extra_args=args.args, timeout=args.timeout,
                          build=not args.no_build, echo=not args.quiet, qemu=args.qemu)
    try:
        record = boot(tree_root(), request)
    except HarnessError as err:
        say(str(err))
        return 2
    print(record.summary(), flush=True)
    return 0 if record.passed else 1


def cmd_test(args: argparse.Namespace) -> int:
    """Run the test suite; 1 if any test failed."""
    options = Options(root=tree_root(), configs=tuple(args.config or ["l4"]),
                      only=tuple(args.only), host=not args.skip_host,
                      target=not args.skip_target, iso=not args.skip_iso,
                      timeout=args.timeout, verbose=args.verbose, qemu=args.qemu)
    return run_tests(options)


def cmd_cpu(args: argparse.Namespace) -> int:
    """Print the host CPU, the QEMU version and the accelerator choice."""
    for line in qemu.describe_host(qemu.host_facts(), qemu.qemu_version(args.qemu)):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with its three subcommands."""
    parser = argparse.ArgumentParser(
        prog="python3 -m harness",
        description="Build ipclab variants, boot them under QEMU with a watchdog, "
                    "and run the test suite.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    p = commands.add_parser("boot", help="build and boot one variant",
                            description="Build a variant, boot it under QEMU, stream its "
                                        "serial output and save it to build/<config>/<mode>.log.")
    p.add_argument("--config", required=True, metavar="NAME",
                   help="the variant: configs/NAME.mk")
    p.add_argument("--mode", required=True, choices=qemu.MODES,
                   help="tcg (function), icount (instruction counts), kvm (cycles; falls "
                        "back to icount without hardware virtualization), iso (GRUB image)")
    p.add_argument("--run", metavar="MODULES",
                   help="modules the root task starts: name[,name...] or all (default: all)")
    p.add_argument("--args", default="", metavar='"ARGS"',
                   help='more kernel arguments, e.g. "test=fault_pf" or "bench=pingpong"')
    _add_common(p)
    p.add_argument("--no-build", action="store_true", help="do not run make first")
    p.add_argument("--quiet", action="store_true", help="do not stream the serial output")
    p.set_defaults(func=cmd_boot)

    p = commands.add_parser("test", help="run the whole test suite (make test)",
                            description="Run host unit tests, harness unit tests, on-target "
                                        "tests (TCG) and the ISO boot; print one line per "
                                        "test and `N passed, N failed`.")
    p.add_argument("--config", action="append", metavar="NAME",
                   help="variant for on-target and ISO tests (repeatable; default: l4)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="keep tests whose full name contains NAME (repeatable); a bare name "
                        "is an on-target test, passed to the guest as test=NAME; prefix "
                        "host/, harness/ or iso/ for the others")
    p.add_argument("--skip-host", action="store_true", help="skip the host unit tests")
    p.add_argument("--skip-target", action="store_true", help="skip the on-target tests")
    p.add_argument("--skip-iso", action="store_true", help="skip the ISO boot")
    p.add_argument("--verbose", action="store_true", help="stream serial output while booting")
    _add_common(p)
    p.set_defaults(func=cmd_test)

    p = commands.add_parser("cpu", help="show what the harness detects on this host")
    p.add_argument("--qemu", default=qemu.QEMU, metavar="PROGRAM", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_cpu)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that boot a guest."""
    parser.add_argument("--timeout", type=positive_seconds, metavar="S",
                        help="watchdog per boot in seconds (default: 120, kvm 60)")
    parser.add_argument("--qemu", default=qemu.QEMU, metavar="PROGRAM",
                        help=f"the QEMU binary (default: {qemu.QEMU})")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse the command line and run the command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130    # the watchdog's cleanup has already stopped QEMU


if __name__ == "__main__":
    sys.exit(main())
