"""Benchmark of the whole ``rossim coverage`` command against its analysis alone.

Not a test. Run:  python bench/coverage_command.py [--rounds N] [--days 7] [--resolution-km 50]

The case of issue 11 §5: ``scenarios/ross_high_latitude.toml`` (two instruments, the shipped ground
stations), 7 days at 50 km cells, every output (files, maps, figures, report).

(a) The whole command as a user runs it: ``python -m rossim.cli coverage ... --out DIR`` in a fresh
    interpreter, wall time; its imports from ``-X importtime`` (the top-level imports' cumulative
    times, in a second child so that the timing of the first is not burdened by the log).
(b) In this process, after the imports: :func:`rossim.coverage_run.run` with its steps wrapped in
    timers (the module's own functions, so the path is the command's): scenario and orbit setup,
    region grids (the first round of a fresh process: the grids' disk cache as the command finds
    it), propagation + access search + figures of merit for every instrument (``analyze_regions``:
    "the analysis"), contacts, the summary's rest (regions' reach, disputed area), the data files,
    maps, figures, report.

Every part is given as a ratio to the analysis timed in the same run (the machine is shared; ratios
move less than seconds). The whole command is also set against TAT-C 3.6's analysis alone on the
same case, ~11 s as issue 11 quotes it (TAT-C is not installed here: the published figure, not a
run).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ross_high_latitude.toml"
#: TAT-C 3.6's analysis alone on the same case (issue 11 §5; not run here).
TATC_ANALYSIS_S = 11.0


def _command(days, res, out) -> list[str]:
    return [sys.executable, "-m", "rossim.cli", "coverage", str(SCENARIO), "--days", str(days),
            "--resolution-km", str(res), "--out", str(out)]


def whole_command(days, res, rounds) -> tuple[float, float]:
    """Best wall time of the command in a fresh interpreter, and its imports' time (best)."""
    best, imports = float("inf"), float("inf")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(rounds):
            t0 = time.perf_counter()
            subprocess.run(_command(days, res, Path(tmp) / f"w{k}"), check=True, cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - t0)
            log = subprocess.run([sys.executable, "-X", "importtime", *_command(days, res, Path(tmp) / f"i{k}")[1:]],
                                 check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True).stderr
            # top-level imports only (no indentation before the name): their cumulative times add up
            us = sum(int(m.group(1)) for m in re.finditer(r"^import time:\s+\d+ \|\s+(\d+) \| (\S)", log, re.M))
            imports = min(imports, us / 1e6)
    return best, imports


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
            s = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[part] = spent.get(part, 0.0) + time.perf_counter() - s
        setattr(module, name, wrapper)

    for name, part in [("load_scenario", "scenario + orbit"), ("region_grids", "region grids"),
                       ("analyze_regions", "analysis"), ("_write_maps", "maps"), ("_write_figures", "figures"),
                       ("_write_cells_geojson", "files"), ("_write_ground_track", "files"),
                       ("_write_contacts", "files"), ("_cell_rows", "files"),
                       ("_add_within_reach", "summary rest"), ("_add_without_disputed", "summary rest")]:
        timed(coverage_run, name, part)
    timed(coverage_run.contacts, "find_contacts", "contacts")
    timed(coverage_run.scenario, "build_orbit", "scenario + orbit")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(rounds):
            spent.clear()
            s = time.perf_counter()
            sc = coverage_run.load_scenario(SCENARIO)
            coverage_run.run(sc, Path(tmp) / f"p{k}", days=days, resolution_km=res,
                             finish=cli._coverage_report)
            spent["in-process total"] = time.perf_counter() - s
            for part, v in spent.items():
                if k == 0 and part == "region grids":
                    best["region grids (first)"] = v
                best[part] = min(best.get(part, float("inf")), v)
    best["imports (in process)"] = imports
    named = {"scenario + orbit", "region grids", "analysis", "contacts", "summary rest", "files", "maps",
             "figures", "in-process total"}
    best["report + rest"] = best["in-process total"] - sum(v for p, v in best.items() if p in named - {"in-process total"})
    return best


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--resolution-km", type=float, default=50.0)
    args = ap.parse_args(argv)
    parts = parts_in_process(args.days, args.resolution_km, args.rounds)
    whole, imports = whole_command(args.days, args.resolution_km, args.rounds)
    analysis = parts["analysis"]
    print(f"rossim coverage {SCENARIO.name} --days {args.days:g} --resolution-km {args.resolution_km:g} "
          f"(best of {args.rounds})")
    print(f"  {'part':26s} {'s':>7s} {'x analysis':>11s}")
    rows = [("whole command (fresh)", whole), ("imports (-X importtime)", imports)]
    rows += [(p, v) for p, v in parts.items() if p != "in-process total"] + [("in-process total", parts["in-process total"])]
    for name, v in rows:
        print(f"  {name:26s} {v:7.3f} {v / analysis:11.1f}")
    print(f"  TAT-C 3.6 analysis alone (published ~{TATC_ANALYSIS_S:g} s, not run here) / whole command: "
          f"{TATC_ANALYSIS_S / whole:.1f}x")


if __name__ == "__main__":
    main()
