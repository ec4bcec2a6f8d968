"""Command line: python3 -m harness {boot,test,axes,cpu,doctor,run,matrix,show,doctables,regress,
                                    ingest,host,compare,plots,plugin-api} ...

Exit status: 0 success; 1 a guest or a test failed, a benchmark result is
missing, or a metric regressed; 2 the harness could not run a guest at all
(build failed, QEMU missing, bad arguments) or could not read a run.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from harness import (axes, bench, doctables, doctor, plots, profile, qemu, regress, report,
                     runs, tables)
from harness.boot import (CYCLES_MODULE, DEFAULT_PROFILE, BootRequest, HarnessError, boot, build,
                          find_qemu, footprint_module, say)
from harness.plugin import cycles as cycles_plugin
from harness.process import run_watched
from harness.serial import MarkerError, load_markers
from harness.testrun import Options, configs_to_run, run_tests


def tree_root() -> Path:
    """The top of the ipclab tree: the directory that holds this package."""
    return Path(__file__).resolve().parent.parent


def root_of(args: argparse.Namespace) -> Path:
    """The tree to work in: --root (the unit tests' temporary trees) or this one."""
    return args.root or tree_root()


def positive_seconds(text: str) -> float:
    """argparse type: a timeout in seconds, greater than zero."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"timeout must be positive, not {text}")
    return value


def positive_count(text: str) -> int:
    """argparse type: a CPU count, a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"the CPU count must be a whole number of at least 1, "
                                         f"not {text!r}")
    return value


def cpu_model_name(text: str) -> str:
    """argparse type: a QEMU -cpu value such as qemu64, Haswell or max,+pcid."""
    if not text or text.startswith(("-", ",")) or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"not a QEMU CPU model: {text!r} (e.g. qemu64, "
                                         f"Haswell, EPYC, max; qemu-system-x86_64 -cpu help "
                                         f"lists them)")
    return text


def guest_of(args: argparse.Namespace) -> dict:
    """The --cpu, --smp, --machine and --memory options as BootRequest fields."""
    return {"cpu": args.cpu, "smp": args.smp, "machine": args.machine, "memory": args.memory}


def module_list(text: str) -> str:
    """argparse type: run=, one or more comma-separated module names (or all);
    the guest checks the names against its boot modules."""
    names = text.split(",")
    if not all(name.strip() and name == name.strip() for name in names):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not name[,name...]: a module name or all, comma-separated, "
            "without blanks")
    return text


def memory_size(text: str) -> str:
    """argparse type: a guest RAM size such as 64M (qemu.memory_size)."""
    try:
        return qemu.memory_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def cmd_boot(args: argparse.Namespace) -> int:
    """Build and boot one variant; 0 iff EXIT_PASS after the banner."""
    if args.mode == "iso" and args.args:
        say("--args is ignored in iso mode: the ISO's grub.cfg sets the kernel arguments "
            "(--run picks its entry: devtest or netbench boots the e1000 one)")
    request = BootRequest(args.config, args.mode, run=args.run,
                          extra_args=args.args, timeout=args.timeout,
                          build=not args.no_build, echo=not args.quiet, qemu=args.qemu,
                          cpu_profile=args.profile, **guest_of(args))
    root = root_of(args)
    if args.mode == "footprint":
        footprint_note(args.qemu)
    try:
        record = boot(root, request)
    except HarnessError as err:
        say(str(err))
        return 2
    print(record.summary(), flush=True)
    if record.axes is not None:
        print(f"harness: {args.config}/{record.mode}: booted "
              f"{' '.join(f'{k}={v}' for k, v in record.axes.items())}", flush=True)
        problem = axes_problem(root, runs.Run({"presets": {args.config: record.axes}}, []))
        if problem:
            say(f"note: {problem}: what this boot printed is not {args.config}'s")
    return 0 if record.passed else 1


def footprint_note(program: str) -> None:
    """Say in one line what footprint mode lacks on this QEMU's plugin API, if anything."""
    level, _ = qemu.plugin_api(qemu.release_of(qemu.qemu_version(program)))
    missing = qemu.plugin_api_missing(level)
    if missing:
        say(f"note: {missing}")


def cmd_test(args: argparse.Namespace) -> int:
    """Run the test suite; 1 if any test failed."""
    root = root_of(args)
    # The suites that start QEMU or make plugin themselves (tests/plugin) run this one.
    os.environ[qemu.QEMU_ENV] = args.qemu
    configs = configs_to_run(args.config or [], args.only, runs.all_configs(root))
    options = Options(root=root, configs=configs,
                      only=tuple(args.only), host=not args.skip_host,
                      target=not args.skip_target, iso=not args.skip_iso,
                      timeout=args.timeout, verbose=args.verbose, qemu=args.qemu,
                      jobs=args.jobs, **guest_of(args))
    return run_tests(options)


def positive_int(text: str) -> int:
    """argparse type: a count of at least one."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def cmd_axes(args: argparse.Namespace) -> int:
    """Build and boot ktest in every combination of the axes (make test-axes)."""
    combos = axes.select(axes.combinations(), args.only)
    if args.list:
        for combo in combos:
            print(f"{combo.name}: {' '.join(f'{k}={v}' for k, v in combo.axes)}")
        return 0
    if not combos:
        say(f"no combination's name contains {' or '.join(map(repr, args.only))} "
            f"(python3 -m harness axes --list shows them)")
        return 2
    try:
        find_qemu(args.qemu)
    except HarnessError as err:
        say(str(err))
        return 2
    began = time.monotonic()
    status = axes.run_axes(root_of(args), combos, args.jobs, args.timeout, args.qemu)
    say(f"axes: {len(combos)} combinations, --jobs {args.jobs}, "
        f"{time.monotonic() - began:.0f} s")
    return status


def cmd_cpu(args: argparse.Namespace) -> int:
    """Print the host CPU, the QEMU version and the accelerator choice."""
    for line in qemu.describe_host(qemu.host_facts(), qemu.qemu_version(args.qemu)):
        print(line)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Print the QEMU, its plugin API, the KVM kind and the modes this host can run."""
    for line in doctor.doctor_lines(doctor.this_host(root_of(args), args.qemu)):
        print(line)
    return 0


def cmd_plugin_api(args: argparse.Namespace) -> int:
    """Print the plugin API level to build for (plugin.mk); 2, one line said why, if none."""
    problem = qemu.qemu_problem(args.qemu)
    level, about = (None, problem) if problem else \
        qemu.plugin_api(qemu.release_of(qemu.qemu_version(args.qemu)))
    if level is None:
        say(f"cannot build the QEMU plugins for {args.qemu}: {about}")
        return 2
    print(level)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Boot one preset with the benchmarks, store the run, print its tables."""
    return measure(args, [args.config], [args.mode] if args.mode else [])


def cmd_matrix(args: argparse.Namespace) -> int:
    """Boot every preset in every mode, store one run per mode, print the tables."""
    configs = bench.split_list(args.configs) or runs.all_configs(root_of(args))
    return measure(args, configs, bench.split_list(args.modes))


def measure(args: argparse.Namespace, configs: Sequence[str], modes: Sequence[str]) -> int:
    """What run and matrix share: check, boot, store, print."""
    root = root_of(args)
    problem = bad_names("config", configs, runs.all_configs(root)) or \
        bad_names("mode", modes, qemu.MODES) or \
        ("cycles" in modes and bad_names("CPU profile", [args.profile],
                                         cycles_plugin.profiles(root))) or None
    if problem:
        say(problem)
        return 2
    facts = qemu.host_facts()
    modes, notes = bench.resolve_modes(modes, facts)
    settings = bench.Settings(bench.split_list(args.bench), args.timeout, not args.no_build,
                              args.verbose, args.qemu, cpu_profile=args.profile,
                              **guest_of(args))
    for note in (*notes, bench.iso_note(modes, settings)):
        if note:
            say(note)
    kept: list[bool] = []
    try:
        find_qemu(args.qemu)
        if "footprint" in modes:
            footprint_module()
            footprint_note(args.qemu)
        if "cycles" in modes:
            footprint_module(CYCLES_MODULE)
        made, ok = bench.run_matrix(root, configs, modes, settings,
                                    runs.host_info(root, args.qemu), notes=notes,
                                    on_run=lambda run: kept.append(keep(root, run,
                                                                        args.no_store)),
                                    facts=facts)
    except (HarnessError, MarkerError) as err:
        say(str(err))
        return 2
    ok = ok and all(kept)
    print("\n".join(tables.show([run for run in made if run.results], args.stat)), flush=True)
    if getattr(args, "compare", False) or getattr(args, "plots", None):
        ok &= bench_comparison(root, [run for run in made if run.results], args)
    return 0 if ok else 1


def bench_comparison(root: Path, made: Sequence[runs.Run], args: argparse.Namespace) -> bool:
    """make bench's ending: the Mach-style / L4-style ratios of these runs
    (--compare), and their plots drawn into --plots DIR; False if a plot failed."""
    try:
        presets = report.read_presets(root)
    except (OSError, ValueError) as err:
        say(f"cannot read the presets: {err}")
        return False
    sources = report.sort_sources([(f"this {run.meta.get('mode', '?')} run", run)
                                   for run in made], list(presets))
    l4, mach = report.model_pair(report.model_presets(presets))
    if args.compare and l4 and mach:
        lines = [line.replace("`", "") for run in sources.timing
                 for line in report.model_summary(run, l4, mach, args.stat)]
        print("\ncomparison\n" + "\n".join(lines or ["(no Mach-style and L4-style pair "
                                                      "in these runs)"]), flush=True)
    if not args.plots:
        return True
    if plots.find_gnuplot() is None:
        say(f"no plots: gnuplot not found (apt-get install {plots.GNUPLOT_PACKAGE})")
        return True
    made_plots, _ = plots.plan(sources, presets, args.stat)
    term, ok = plots.terminal(), True
    for plot in made_plots:
        drawn, problems = plots.draw(root, plot, term, out_dir=Path(args.plots))
        for problem in problems:
            say(problem)
        ok = ok and len(drawn) == len(plots.FORMATS)
        for path in drawn:
            print(f"plots: wrote {path}", flush=True)
    return ok


def bad_names(what: str, names: Sequence[str], known: Sequence[str]) -> Optional[str]:
    """A one-line complaint about the first name that is not known, or None."""
    unknown = [name for name in names if name not in known]
    if not unknown:
        return None
    return f"unknown {what} {unknown[0]!r}; the {what}s are: {', '.join(known)}"


def keep(root: Path, run: runs.Run, no_store: bool) -> bool:
    """Store a run unless told not to or it has no results; say where.

    False (said why) if a preset in it was booted with other axes than its
    configs/<name>.mk (`make CONFIG=l4 IPC=async`, then --no-build): such a
    run would carry a preset's name for another variant, so it is refused.
    """
    problem = axes_problem(root, run)
    if problem:
        say(f"not storing the {run.meta.get('mode', '?')} run: {problem}")
        return False
    if no_store:
        return True
    if not run.results:
        say(f"{run.meta['mode']}: no results, nothing stored")
        return True
    say(f"stored {runs.store_run(root, run)}")
    return True


def axes_problem(root: Path, run: runs.Run) -> Optional[str]:
    """Why a run may not be stored under its presets' names, or None."""
    try:
        presets = report.preset_axes(root)
    except (OSError, ValueError) as err:
        return f"cannot read the presets to check the booted axes: {err}"
    return runs.run_mismatch(run, presets)


def cmd_doctables(args: argparse.Namespace) -> int:
    """Rewrite (--check: only compare) the docs' tables of figures from their runs."""
    root = root_of(args)
    files = [Path(f) for f in args.files] or doctables.documents(root)
    try:
        changed = doctables.run(root, files, args.check)
    except (OSError, ValueError, runs.RunError) as err:
        say(str(err))
        return 2
    verb = "out of date" if args.check else "rewrote"
    for line in changed:
        print(f"doctables: {verb}: {line}", flush=True)
    if not changed:
        print("doctables: every table and figure is up to date", flush=True)
    return 1 if args.check and changed else 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the tables of stored runs (default: the newest)."""
    root = root_of(args)
    paths = [Path(f) for f in args.files] or [p for p in [runs.newest_run(root)] if p]
    if not paths:
        say(f"no stored run in {runs.RUNS_DIR} (python3 -m harness run --config l4 makes one)")
        return 2
    try:
        loaded = [runs.load_run(path) for path in paths]
    except runs.RunError as err:
        say(str(err))
        return 2
    print("\n".join(tables.show(loaded, args.stat)), flush=True)
    return 0


def cmd_regress(args: argparse.Namespace) -> int:
    """Compare a run with the baseline; 1 if a metric moved too far or vanished."""
    root = root_of(args)
    if args.reason is not None and not args.update:
        say("--reason goes with --update (it says why the baseline was re-recorded)")
        return 2
    baseline_path = Path(args.baseline) if args.baseline else root / runs.BASELINE
    try:
        baseline = runs.load_run(baseline_path) if baseline_path.exists() else None
        if baseline is None and not args.update:
            say(f"no baseline at {baseline_path}; make one from a run with: "
                f"python3 -m harness regress --update")
            return 2
        if args.configs:
            if args.update:
                say("--configs does not go with --update (a baseline holds every preset)")
                return 2
            baseline, problem = only_presets(baseline, bench.split_list(args.configs))
            if problem:
                say(problem)
                return 2
        # A new baseline takes the mode its file names (results/baseline/cycles.json).
        mode = (baseline.meta.get("mode", "icount") if baseline else
                baseline_path.stem if baseline_path.stem in regress.EXACT_MODES else "icount")
        wanted = {r.get("variant") for r in baseline.results} if baseline else set()
        run_path = Path(args.run) if args.run else runs.newest_covering(root, mode, wanted)
        if run_path is None:
            say(f"no stored {mode} run of every preset in the baseline in {runs.RUNS_DIR} "
                f"(python3 -m harness matrix --modes {mode} makes one)")
            return 2
        run = runs.load_run(run_path)
    except runs.RunError as err:
        say(str(err))
        return 2
    failed = baseline is not None and report_regressions(baseline, run, run_path,
                                                         baseline_path, args.threshold)
    if args.update:
        reason = {"reason": args.reason} if args.reason else {}
        runs.write_run(baseline_path, runs.Run({**run.meta, "source": run_path.name, **reason},
                                               run.results, run.footprint))
        print(f"regress: {baseline_path} is now the baseline, from {run_path}"
              + (f" ({args.reason})" if args.reason else ""))
        return 0
    return 1 if failed else 0


def only_presets(baseline: runs.Run, presets: Sequence[str]) -> tuple[runs.Run, Optional[str]]:
    """The baseline cut to some of its presets (regress --configs), or why not."""
    problem = bad_names("preset", presets, baseline.variants())
    if problem:
        return baseline, problem.replace("presets are", "baseline's presets are")
    kept = [result for result in baseline.results if result.get("variant") in presets]
    print(f"regress: note: only {', '.join(presets)} of the baseline's "
          f"{len(baseline.variants())} presets are compared (--configs)")
    return runs.Run(baseline.meta, kept, baseline.footprint), None


def report_regressions(baseline: runs.Run, run: runs.Run, run_path: Path,
                       baseline_path: Path, threshold: float) -> bool:
    """Print what moved between baseline and run; True if anything failed.  The run's mode
    picks the rule: exact counts (icount) fail on a move either way, other modes on a rise."""
    if baseline.meta.get("mode") != run.meta.get("mode"):
        print(f"regress: note: {run_path} is a {run.meta.get('mode')} run, the baseline "
              f"{baseline.meta.get('mode')}")
    if baseline.meta.get("reason"):
        print(f"regress: note: the baseline was recorded from {baseline.meta.get('source', '?')} "
              f"because: {baseline.meta['reason']}")
    for note in (regress.qemu_note(baseline.meta, run.meta),
                 regress.host_note(baseline.meta, run.meta)):
        if note:
            print(f"regress: note: {note}")
    comparison = regress.compare(baseline.results, run.results, threshold,
                                 exact=regress.is_exact(run.meta.get("mode")))
    for line in comparison.failures:
        print(f"regress: {line}")
    for line in comparison.notes:
        print(f"regress: note: {line}")
    if comparison.failed:
        print(f"regress: {regress.UPDATE_HINT}")
    print(f"regress: {run_path}: "
          f"{regress.summary(comparison, threshold, str(baseline_path))}", flush=True)
    return comparison.failed


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store the results of a serial log captured on a real PC as an iso-real run."""
    root = root_of(args)
    try:
        markers = load_markers(root)
        text = Path(args.file).read_text(encoding="utf-8", errors="replace")
    except MarkerError as err:
        say(str(err))
        return 2
    except OSError as err:
        say(f"cannot read {args.file}: {err.strerror}")
        return 2
    capture = runs.read_capture(text.replace("\r", "").split("\n"), markers, args.config,
                                lambda name: runs.config_axes(root, name))
    for problem in capture.problems:
        say(f"{args.file}: {problem}")
    if not capture.results:
        say(f"{args.file}: no result lines, nothing stored")
        return 1
    # The commit that built the image, as its kernel says; an older kernel
    # does not, and then the checkout here is all there is to go by.
    commit, dirty = capture.built_from or runs.git_state(root)
    if capture.built_from is None:
        say(f"{args.file}: the kernel does not say its commit; storing the run under "
            f"this checkout's ({commit[:12]})")
    info = runs.HostInfo(args.host, capture.cpu, None, commit, dirty)
    presets = {r["variant"]: r["axes"] for r in capture.results}
    meta = runs.make_meta(info, runs.REAL_MODE, capture.results, runs.now(), accel="none",
                          presets=presets, source=Path(args.file).name,
                          hypervisor=capture.hypervisor)
    run = runs.Run(meta, list(capture.results))
    problem = axes_problem(root, run)
    if problem:
        say(f"{args.file}: not storing it: {problem}")
        return 1
    say(f"stored {runs.store_run(root, run)}")
    print("\n".join(tables.show([run])), flush=True)
    return 1 if capture.problems else 0


HOST_BENCH = Path("build/host-bench/ipcbench")


def cmd_host(args: argparse.Namespace) -> int:
    """Build and run the Linux baselines (bench/host), store them as a host run."""
    root = root_of(args)
    try:
        markers = load_markers(root)
        build(root, "host-bench")
    except (HarnessError, MarkerError) as err:
        say(str(err))
        return 2
    argv = [str(root / HOST_BENCH), *(["--samples", str(args.samples)] if args.samples else [])]
    say(f"running {' '.join([str(HOST_BENCH), *argv[1:]])}")
    try:
        finished = run_watched(argv, args.timeout, cwd=root, on_stderr=say)
    except OSError as err:
        say(f"cannot run {HOST_BENCH}: {err.strerror}")
        return 2
    capture = runs.read_capture(finished.stdout, markers, "linux")
    for problem in capture.problems:
        say(f"{HOST_BENCH}: {problem}")
    if finished.timed_out:
        say(f"{HOST_BENCH} did not finish within {args.timeout:g} s")
    if not capture.results:
        say(f"{HOST_BENCH}: no result lines, nothing stored")
        return 1
    commit, dirty = runs.git_state(root)
    info = runs.HostInfo(runs.host_name(), qemu.cpu_model(qemu.host_facts().cpuinfo), None,
                         commit, dirty)
    meta = runs.make_meta(info, report.HOST_MODE, capture.results, runs.now(), accel="none",
                          kernel=platform.release(), samples=args.samples or "default")
    run = runs.Run(meta, list(capture.results))
    kept = keep(root, run, args.no_store)
    print("\n".join(tables.show([run], args.stat)), flush=True)
    return 0 if kept and finished.status == 0 and not capture.problems else 1


def chosen_runs(args: argparse.Namespace) -> Optional[tuple[report.Sources, dict]]:
    """The presets and the runs of --runs, or the newest of each kind; None (said why)."""
    root = root_of(args)
    try:
        presets = report.read_presets(root)
    except (OSError, ValueError) as err:
        say(f"cannot read the presets: {err}")
        return None
    paths = [Path(f) for f in args.runs] if args.runs else report.default_runs(root, list(presets))
    if not paths:
        say(f"no stored run in {runs.RUNS_DIR} (python3 -m harness matrix --modes icount "
            f"makes one)")
        return None
    try:
        return report.load_sources(root, paths, list(presets), paired_runs(args, root, paths)), \
            presets
    except runs.RunError as err:
        say(str(err))
        return None


def paired_runs(args: argparse.Namespace, root: Path, chosen: Sequence[Path]) -> list[Path]:
    """The runs read only to set the model beside real cycles: --pair-runs, else with
    the default runs every stored pair of the same commit, else none."""
    if getattr(args, "pair_runs", None):
        return [Path(f) for f in args.pair_runs]
    return [] if args.runs else report.default_pairs(root, chosen)


def cmd_compare(args: argparse.Namespace) -> int:
    """Write results/REPORT.md from stored runs."""
    root = root_of(args)
    chosen = chosen_runs(args)
    if chosen is None:
        return 2
    sources, presets = chosen
    output = args.output or root / report.REPORT
    report.write_report(output, report.build_report(sources, presets, args.stat,
                                                    report.preset_sizes(root, presets),
                                                    profile.newest_profiles(root)))
    names = ", ".join(sources.name(run) for run in sources.all())
    shown = output.relative_to(root) if output.is_relative_to(root) else output
    print(f"compare: wrote {shown} from {names}", flush=True)
    return 0


def cmd_plots(args: argparse.Namespace) -> int:
    """Write build/plots/*.dat and draw plots/*.png and *.svg with gnuplot."""
    root = root_of(args)
    if plots.find_gnuplot(args.gnuplot) is None:
        say(f"{args.gnuplot} not found; install it with: apt-get install "
            f"{plots.GNUPLOT_PACKAGE} (make plots does)")
        return 2
    chosen = chosen_runs(args)
    if chosen is None:
        return 2
    sources, presets = chosen
    made, notes = plots.plan(sources, presets)
    for note in notes:
        say(note)
    term = plots.terminal(args.gnuplot)
    failed = False
    for plot in made:
        drawn, problems = plots.draw(root, plot, term, args.gnuplot)
        for problem in problems:
            say(problem)
        failed = failed or len(drawn) < len(plots.FORMATS)
        for path in drawn:
            print(f"plots: wrote {path}", flush=True)
    return 1 if failed or not made else 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="python3 -m harness",
        description="Build ipclab variants, boot them under QEMU with a watchdog, "
                    "run the test suite, measure, store and compare runs.")
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)   # for the unit tests
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    p = commands.add_parser("boot", help="build and boot one variant",
                            description="Build a variant, boot it under QEMU, stream its "
                                        "serial output and save it to build/<config>/<mode>.log.")
    p.add_argument("--config", required=True, metavar="NAME",
                   help="the variant: configs/NAME.mk")
    p.add_argument("--mode", required=True, choices=qemu.MODES,
                   help="tcg (function), icount (instruction counts), kvm (cycles; falls "
                        "back to icount without hardware virtualization), iso (GRUB image), "
                        "footprint (icount with the QEMU footprint plugin), cycles (icount "
                        "with the cycle model plugin)")
    p.add_argument("--run", type=module_list, default="all", metavar="MODULES",
                   help="modules the root task starts: name[,name...] or all (default: all)")
    p.add_argument("--args", default="", metavar='"ARGS"',
                   help='more kernel arguments, e.g. "test=fault_pf" or "bench=pingpong"')
    _add_common(p)
    _add_profile(p)
    p.add_argument("--no-build", action="store_true", help="do not run make first")
    p.add_argument("--quiet", action="store_true", help="do not stream the serial output")
    p.set_defaults(func=cmd_boot)

    p = commands.add_parser("test", help="run the whole test suite (make test)",
                            description="Run host unit tests, harness unit tests, on-target "
                                        "tests (TCG) and the ISO boot; print one line per "
                                        "test and `N passed, N failed`.")
    p.add_argument("--config", action="append", metavar="NAME",
                   help="variant for on-target and ISO tests (repeatable; default: those "
                        "an --only target/NAME/... or iso/NAME/... names, else l4)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="keep tests whose full name contains NAME (repeatable); a bare name "
                        "is an on-target test, passed to the guest as test=NAME; prefix "
                        "host/, harness/ or iso/ for the others")
    p.add_argument("--skip-host", action="store_true", help="skip the host unit tests")
    p.add_argument("--skip-target", action="store_true", help="skip the on-target tests")
    p.add_argument("--skip-iso", action="store_true", help="skip the ISO boot")
    p.add_argument("--verbose", action="store_true", help="stream serial output while booting")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="presets whose on-target tests run at once (default: 1; make test "
                        "gives the cores)")
    _add_common(p)
    p.set_defaults(func=cmd_test)

    p = commands.add_parser("axes", help="every combination of the axes (make test-axes)",
                            description="Build every combination of IPC, DIRECT_SWITCH, "
                                        "SCHED_QUEUES and TIMEOUTS (with MSG_REGS and the "
                                        "async limits at their extremes) into "
                                        "build/axes-<name>/, boot ktest in each under "
                                        "icount; one line per combination and "
                                        "`N passed, N failed`.")
    p.add_argument("--jobs", type=positive_int, default=axes.default_jobs(), metavar="N",
                   help="combinations built and booted at once (default: the number of "
                        "cores, here %(default)s)")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="keep combinations whose name contains NAME (repeatable)")
    p.add_argument("--list", action="store_true",
                   help="print the combinations and their axes, build nothing")
    _add_common(p)
    p.set_defaults(func=cmd_axes)

    p = commands.add_parser("cpu", help="show what the harness detects on this host")
    p.add_argument("--qemu", default=qemu.default_qemu(), metavar="PROGRAM",
                   help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_cpu)

    p = commands.add_parser("doctor", help="what this host can run, and why not",
                            description="Print the QEMU (path, version), its TCG plugin API "
                                        "level, the kind of KVM, and which modes this host "
                                        "can run, with a one-line reason for each it cannot.")
    _add_qemu(p)
    p.set_defaults(func=cmd_doctor)

    p = commands.add_parser("plugin-api", help="the plugin API level make plugin builds for",
                            description="Print the TCG plugin API level of the QEMU "
                                        "(harness/plugin/qemu_plugin_api.h); exit 2 with "
                                        "one line if ipclab's plugins do not support it.")
    _add_qemu(p)
    p.set_defaults(func=cmd_plugin_api)

    _add_measuring(commands)
    _add_results(commands)
    _add_report(commands)
    # No abbreviations: `matrix --config l4 --config mach` must not be taken
    # for `--configs` and silently keep only the last value.
    for sub in [parser, *commands.choices.values()]:
        sub.allow_abbrev = False
    return parser


def _add_report(commands) -> None:
    """The host, compare and plots subcommands."""
    p = commands.add_parser("host", help="measure the Linux baselines and store a host run",
                            description="Build bench/host (make -s host-bench), run "
                                        f"{HOST_BENCH} and store its results as a run of "
                                        f"mode {report.HOST_MODE}.")
    p.add_argument("--samples", type=int, metavar="N",
                   help="timed round trips per case (default: ipcbench's own, 10000)")
    p.add_argument("--timeout", type=positive_seconds, default=600.0, metavar="S",
                   help="bound on the whole run in seconds (default: 600)")
    p.add_argument("--no-store", action="store_true", help="do not store the run")
    _add_stat(p)
    p.set_defaults(func=cmd_host)

    p = commands.add_parser("compare", help="write the comparison report (make report)",
                            description="Write results/REPORT.md from stored runs: every "
                                        "preset per benchmark, Mach-style / L4-style ratios, "
                                        "the cost of each technique, the paper check.")
    _add_runs(p)
    p.add_argument("--pair-runs", nargs="+", metavar="FILE",
                   help="more runs, read only to set the cycle model beside real cycles of "
                        "their commit (default with the default runs: every stored cycles "
                        "and real-cycle run of the same commit)")
    p.add_argument("--output", type=Path, metavar="FILE",
                   help=f"where to write the report (default: {report.REPORT})")
    _add_stat(p)
    p.set_defaults(func=cmd_compare)

    p = commands.add_parser("plots", help="draw plots/*.png and *.svg (make plots)",
                            description="Write the data of each plot to build/plots/*.dat and "
                                        "draw plots/<name>.png and .svg with gnuplot from "
                                        "plots/*.gp.")
    _add_runs(p)
    p.add_argument("--gnuplot", default=plots.GNUPLOT, metavar="PROGRAM",
                   help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_plots)


def _add_runs(parser: argparse.ArgumentParser) -> None:
    """The runs a report or plot is made from."""
    parser.add_argument("--runs", nargs="+", metavar="FILE",
                        help="stored runs (default: the newest icount, kvm, iso-real and host "
                             "runs and the newest footprint run of each preset)")


def _add_measuring(commands) -> None:
    """The run and matrix subcommands."""
    p = commands.add_parser("run", help="benchmark one preset and store the run",
                            description="Boot one preset with the benchmark module, store "
                                        "the run in results/runs/ and print its tables.")
    p.add_argument("--config", required=True, metavar="NAME", help="the preset: configs/NAME.mk")
    p.add_argument("--mode", choices=qemu.MODES,
                   help="default: kvm if this host can use it, else icount")
    _add_bench_options(p)
    p.set_defaults(func=cmd_run)

    p = commands.add_parser("matrix", help="benchmark every preset in every mode",
                            description="Boot every preset in every mode with one progress "
                                        "line per boot, store one run per mode and print the "
                                        "tables.")
    p.add_argument("--configs", default="all", metavar="all|A,B",
                   help="the presets (default: all of configs/*.mk)")
    p.add_argument("--modes", metavar="M,N",
                   help=f"modes from {', '.join(qemu.MODES)} (default: kvm if this host "
                        f"can use it, else icount)")
    _add_bench_options(p)
    p.add_argument("--compare", action="store_true",
                   help="also print the Mach-style / L4-style ratios of the runs made")
    p.add_argument("--plots", metavar="DIR",
                   help="also draw the runs' plots into DIR (relative to the tree), "
                        "e.g. build/bench")
    p.set_defaults(func=cmd_matrix)


def _add_profile(parser: argparse.ArgumentParser) -> None:
    """--profile: the cycle model's CPU (cycles mode)."""
    parser.add_argument("--profile", default=DEFAULT_PROFILE, metavar="NAME",
                        help="cycles mode: the model's CPU, harness/plugin/profiles/NAME.conf "
                             f"(skylake, zen2; default: {DEFAULT_PROFILE})")


def _add_bench_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by run and matrix."""
    _add_profile(parser)
    parser.add_argument("--bench", default="all", metavar="LIST",
                        help="benchmarks, name[,name...] or all (default); null_syscall and "
                             "space_switch, the floor, are always included")
    parser.add_argument("--no-store", action="store_true", help="do not store the run")
    parser.add_argument("--no-build", action="store_true", help="do not run make first")
    parser.add_argument("--verbose", action="store_true", help="stream the serial output")
    _add_stat(parser)
    _add_common(parser)


def _add_stat(parser: argparse.ArgumentParser) -> None:
    """The statistic the tables show."""
    parser.add_argument("--stat", default="median",
                        choices=("median", "min", "mean", "p99", "max", "stddev"),
                        help="the statistic in the tables (default: median)")


def _add_results(commands) -> None:
    """The show, regress and ingest subcommands."""
    p = commands.add_parser("show", help="print the tables of stored runs",
                            description="One table per benchmark and unit, presets side by "
                                        "side, IPC figures also as multiples of the floor.")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="stored runs (default: the newest in results/runs)")
    _add_stat(p)
    p.set_defaults(func=cmd_show)

    p = commands.add_parser("doctables", help="make the docs' tables of figures from runs",
                            description="Rewrite every block between `<!-- table KIND RUN "
                                        "PRESETS... -->` and `<!-- end table -->`, and every "
                                        "inline `<!-- fig|ratio|diff RUN FIGURES -->...<!-- "
                                        "/fig|ratio|diff -->`, in docs/*.md and README.md "
                                        "from the stored run it names.")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="documents (default: docs/*.md, README.md)")
    p.add_argument("--check", action="store_true",
                   help="rewrite nothing; one line per stale figure or table, exit 1 "
                        "if any")
    p.set_defaults(func=cmd_doctables)

    p = commands.add_parser("regress", help="compare a run with the baseline",
                            description="Compare the run's metrics with the baseline's; "
                                        "exit 1 naming each that moved by more than the "
                                        "threshold or vanished.  Exact counts (icount): every "
                                        "median, min, p99, p999, ops_per_mi and fairness, "
                                        "either direction; other modes: medians and minima, "
                                        "rises only.")
    p.add_argument("run", nargs="?", metavar="RUN",
                   help="a stored run (default: the newest of the baseline's mode)")
    p.add_argument("--baseline", metavar="FILE",
                   help=f"the baseline (default: {runs.BASELINE})")
    p.add_argument("--threshold", type=float, default=1.0, metavar="PERCENT",
                   help="how much a metric may move (default: 1.0)")
    p.add_argument("--configs", metavar="A,B",
                   help="compare only these presets of the baseline (the run may hold "
                        "only them: matrix --configs A,B)")
    p.add_argument("--update", action="store_true",
                   help="make the run the new baseline (exit 0)")
    p.add_argument("--reason", metavar="TEXT",
                   help="with --update: why the counts moved, kept in the baseline's metadata")
    p.set_defaults(func=cmd_regress)

    p = commands.add_parser("ingest", help="store a serial log captured on a real PC",
                            description="Read the result lines of a serial log and store "
                                        f"them as a {runs.REAL_MODE} run.")
    p.add_argument("file", metavar="FILE", help="the captured serial log")
    p.add_argument("--config", metavar="NAME",
                   help="the preset booted (default: from the log's banner)")
    p.add_argument("--host", default="real-pc", metavar="NAME",
                   help="the machine's name in the run file (default: real-pc)")
    p.set_defaults(func=cmd_ingest)


def _add_common(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that boot a guest."""
    parser.add_argument("--timeout", type=positive_seconds, metavar="S",
                        help="watchdog per boot in seconds (default: 120, kvm 60)")
    _add_qemu(parser)
    _add_guest(parser)


def _add_qemu(parser: argparse.ArgumentParser) -> None:
    """--qemu: the QEMU to run."""
    parser.add_argument("--qemu", default=qemu.default_qemu(), metavar="PROGRAM",
                        help=f"the QEMU binary, a name in PATH or a path (default: "
                             f"${qemu.QEMU_ENV} if set, else {qemu.QEMU}; now "
                             f"{qemu.default_qemu()})")


def _add_guest(parser: argparse.ArgumentParser) -> None:
    """The emulated PC: CPU model, CPU count, machine."""
    parser.add_argument("--cpu", type=cpu_model_name, metavar="MODEL",
                        help="QEMU's CPU model, e.g. qemu64 (no rdtscp, no PCID), Haswell, "
                             "EPYC (default: max; kvm: the host's)")
    parser.add_argument("--smp", type=positive_count, default=1, metavar="N",
                        help="CPUs the guest is given; the kernel uses one and names the "
                             "others in its banner (default: 1)")
    parser.add_argument("--machine", choices=qemu.MACHINES, default=qemu.DEFAULT_MACHINE,
                        help="QEMU's machine: pc (i440FX, default) or q35")
    parser.add_argument("--memory", type=memory_size, default=qemu.DEFAULT_MEMORY,
                        metavar="SIZE", help=f"the guest's RAM, e.g. 64M or 1G "
                                             f"(default: {qemu.DEFAULT_MEMORY})")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse the command line and run the command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130    # the watchdog's cleanup has already stopped QEMU


if __name__ == "__main__":
    sys.exit(main())
