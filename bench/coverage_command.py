"""Benchmark of the whole ``rossim coverage`` command against its analysis alone.

Not a test. Run:  python bench/coverage_command.py [--rounds N] [--days 7] [--resolution-km 50]

The case of issue 11 §5: ``scenarios/ross_high_latitude.toml`` (two instruments, the shipped ground
stations), 7 days at 50 km cells, every output (files, maps, figures, report).

(a) The whole command as a user runs it: ``python -m rossim.cli coverage ... --out DIR`` in a fresh
    interpreter, wall time; its imports from ``-X importtime`` (the top-level imports' cumulative
    times, in a second child so that the timing of the first is not burdened by the log).
(b) In a child process, after the imports: :func:`rossim.coverage_run.run` with its steps wrapped in
    timers (the module's own functions, so the path is the command's): scenario and orbit setup,
    region grids (the grids' disk cache as the command finds it), propagation + access search +
    figures of merit for every instrument (``analyze_regions``: "the analysis"), contacts, the
    summary's rest (regions' reach, disputed area), the data files, maps, figures, report; each as
    wall and CPU time, the best of the rounds after the process's first, and the first round's CPU
    time (what the command pays: fonts, caches and lazy imports loaded on first use).

Before/after: ``--before DIR`` times another tree's rossim (DIR holds ``rossim/``, e.g. a ``git
archive`` of an older commit) in alternate rounds with this checkout's, each in its own children
(parts in a child running this script with ``--parts-only``).
``--bytecode``: the child commands write and use bytecode caches (in a temporary
``PYTHONPYCACHEPREFIX``, after one untimed run), as an installed package does; without it they run
as the environment says (``PYTHONDONTWRITEBYTECODE`` set here: every module compiled each run).
The regions' disk cache (:func:`rossim.regions.cache_dir`) is used as found: "region grids
(first)" is the first in-process round.

Every part is given as a ratio to the analysis timed in the same run (CPU rows: to the analysis's
CPU time) (the machine is shared; ratios
move less than seconds). The whole command is also set against TAT-C 3.6's analysis alone on the
same case, ~11 s as issue 11 quotes it (the published figure, not a run), and against the ~22 s of
CPU that ``bench/tatc_coverage.py`` measured for it on this machine (not run by this script).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ross_high_latitude.toml"
#: TAT-C 3.6's analysis alone on the same case (issue 11 §5; not run here).
TATC_ANALYSIS_S = 11.0
#: TAT-C 3.6.0's analysis alone on this case as bench/tatc_coverage.py measured it on this machine
#: (the lowest of its runs, CPU s, one BLAS thread; design notes, "Against TAT-C, measured").
TATC_MEASURED_CPU_S = 22.0


def _command(days, res, out) -> list[str]:
    return [sys.executable, "-m", "rossim.cli", "coverage", str(SCENARIO), "--days", str(days),
            "--resolution-km", str(res), "--out", str(out)]


def _children_cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def whole_command(days, res, rounds, bytecode=False, tree=None) -> tuple[float, float, float]:
    """Best wall time of the command in a fresh interpreter, its imports' time and its CPU time
    (user + system; what the shared machine's load moves least), each the best of ``rounds``."""
    best, imports, cpu = float("inf"), float("inf"), float("inf")
    env = _tree_env(tree)
    with tempfile.TemporaryDirectory() as tmp:
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            subprocess.run(_command(days, res, Path(tmp) / "warm"), check=True, cwd="/", env=env,
                           stdout=subprocess.DEVNULL)
        for k in range(rounds):
            t0, c0 = time.perf_counter(), _children_cpu_s()
            subprocess.run(_command(days, res, Path(tmp) / f"w{k}"), check=True, cwd="/", env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - t0)
            cpu = min(cpu, _children_cpu_s() - c0)
            log = subprocess.run([sys.executable, "-X", "importtime", *_command(days, res, Path(tmp) / f"i{k}")[1:]],
                                 check=True, cwd="/", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True).stderr
            # top-level imports only (no indentation before the name): their cumulative times add up
            us = sum(int(m.group(1)) for m in re.finditer(r"^import time:\s+\d+ \|\s+(\d+) \| (\S)", log, re.M))
            imports = min(imports, us / 1e6)
    return best, imports, cpu


def parts_in_process(days, res, rounds) -> dict[str, float]:
    """Best time of each step of ``coverage_run.run`` over ``rounds`` runs in this process."""
    t0 = time.perf_counter()
    from rossim import cli, contacts, coverage_run, report  # noqa: F401  (the command's imports)
    imports = time.perf_counter() - t0

    spent: dict[str, float] = {}

    def timed(module, name, part):
        fn = getattr(module, name)

        @functools.wraps(fn)
        def wrapper(*a, **k):
            s, c = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[part] = spent.get(part, 0.0) + time.perf_counter() - s
                spent[f"{part} CPU"] = spent.get(f"{part} CPU", 0.0) + time.process_time() - c
        setattr(module, name, wrapper)

    for name, part in [("load_scenario", "scenario + orbit"), ("region_grids", "region grids"),
                       ("analyze_regions", "analysis"), ("_write_maps", "maps"), ("_write_figures", "figures"),
                       ("_write_cells_geojson", "files"), ("_write_ground_track", "files"),
                       ("_add_within_reach", "summary rest"), ("_add_without_disputed", "summary rest")]:
        timed(coverage_run, name, part)
    # the CSV and JSON writers (coverage_cells.csv's rows are made as they are written, contacts.csv
    # is one write_csv; timing the row generator alone missed the writing)
    timed(coverage_run.results, "write_csv", "files")
    timed(coverage_run.results, "write_json", "files")
    timed(coverage_run.contacts, "find_contacts", "contacts")
    timed(coverage_run.scenario, "build_orbit", "scenario + orbit")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(rounds):
            spent.clear()
            s, c = time.perf_counter(), time.process_time()
            sc = coverage_run.load_scenario(SCENARIO)
            coverage_run.run(sc, Path(tmp) / f"p{k}", days=days, resolution_km=res,
                             finish=cli._coverage_report)
            spent["in-process total"] = time.perf_counter() - s
            spent["in-process total CPU"] = time.process_time() - c
            for unit in ("", " CPU"):
                spent[f"report + rest{unit}"] = spent[f"in-process total{unit}"] - sum(
                    spent.get(f"{p}{unit}", 0.0) for p in _NAMED)
            for part, v in spent.items():
                if k == 0:  # the first round of a fresh process, as the command runs it
                    best[f"{part} first"] = v
                best[part] = min(best.get(part, float("inf")), v)
    best["imports (in process)"] = imports
    return best


#: The parts timed by name (the report and what is not named are the rest of the total).
_NAMED = ("scenario + orbit", "region grids", "analysis", "contacts", "summary rest", "files", "maps", "figures")


def _tree_env(tree: Path | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree) if tree is not None else (os.environ.get("PYTHONPATH") or str(ROOT))
    return env


def parts_child(tree, days, res) -> dict[str, float]:
    """:func:`parts_in_process` (one round, then a second: the best) in a child on ``tree``'s rossim."""
    out = subprocess.run([sys.executable, __file__, "--parts-only", "--rounds", "2", "--days", str(days),
                          "--resolution-km", str(res)], check=True, cwd="/", env=_tree_env(tree),
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--resolution-km", type=float, default=50.0)
    ap.add_argument("--bytecode", action="store_true", help="child commands with bytecode caches")
    ap.add_argument("--before", type=Path, help="another tree's rossim (a folder holding rossim/), timed in "
                                                  "alternate rounds with this one's")
    ap.add_argument("--parts-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.parts_only:
        print(json.dumps(parts_in_process(args.days, args.resolution_km, args.rounds)))
        return
    trees = {"after": None, **({"before": args.before.resolve()} if args.before else {})}
    parts: dict[str, dict[str, float]] = {k: {} for k in trees}
    whole: dict[str, tuple[float, float, float]] = {k: (float("inf"),) * 3 for k in trees}
    for _ in range(args.rounds):  # the trees in turns, so that the machine's load falls on both
        for label, tree in trees.items():
            got = parts_child(tree, args.days, args.resolution_km)
            parts[label] = {p: min(v, parts[label].get(p, float("inf"))) for p, v in got.items()}
            got_whole = whole_command(args.days, args.resolution_km, 1, args.bytecode, tree)
            whole[label] = tuple(min(a, b) for a, b in zip(got_whole, whole[label]))
    print(f"rossim coverage {SCENARIO.name} --days {args.days:g} --resolution-km {args.resolution_km:g} "
          f"(best of {args.rounds}; {'bytecode cached' if args.bytecode else 'modules compiled as the environment says'})")
    labels = list(trees)
    # wall and CPU time (best of the rounds after a process's first) and the first round's CPU time
    columns = [("s", ""), ("CPU s", " CPU"), ("1st CPU", " CPU first")]
    print(f"  {'part':26s}" + "".join(f" {lb + ' ' + c:>13s} {'x anal.':>7s}" for lb in labels for c, _ in columns))
    for name in ["whole command (fresh)", "whole command CPU", "imports (-X importtime)", "imports (in process)"]:
        row = f"  {name:26s}"
        for lb in labels:
            v = {"whole command (fresh)": whole[lb][0], "imports (-X importtime)": whole[lb][1],
                 "whole command CPU": whole[lb][2]}.get(name, parts[lb].get(name, float("nan")))
            ref = parts[lb]["analysis CPU" if "CPU" in name else "analysis"]
            row += f" {v:13.3f} {v / ref:7.1f}" + " " * 21 * (len(columns) - 1)
        print(row)
    for name in [*_NAMED, "report + rest", "in-process total"]:
        row = f"  {name:26s}"
        for lb in labels:
            for _, unit in columns:
                v = parts[lb].get(f"{name}{unit}", float("nan"))
                row += f" {v:13.3f} {v / parts[lb]['analysis' + (' CPU' if 'CPU' in unit else '')]:7.1f}"
        print(row)
    for lb in labels:
        print(f"  {lb}: TAT-C 3.6's analysis alone (~{TATC_ANALYSIS_S:g} s published, not run here) / whole command "
              f"= {TATC_ANALYSIS_S / whole[lb][0]:.1f}x; whole command / its analysis = "
              f"{whole[lb][0] / parts[lb]['analysis']:.1f}x wall, {whole[lb][2] / parts[lb]['analysis CPU']:.1f}x CPU")
        print(f"  {lb}: TAT-C 3.6.0's analysis as bench/tatc_coverage.py measured it here (~{TATC_MEASURED_CPU_S:g} s "
              f"CPU, not run now) / whole command's CPU = {TATC_MEASURED_CPU_S / whole[lb][2]:.1f}x")


if __name__ == "__main__":
    main()
