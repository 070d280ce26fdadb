"""TAT-C 3.6's coverage analysis against the whole ``rossim coverage`` command, measured in one run.

Not a test. Run:  python bench/tatc_coverage.py [--rounds 3] [--tatc-python PATH] [--bytecode]
                  [--regions russia|all]

Issue 11 §5: "whole command >= 10x faster than TAT-C's analysis alone on the same case". The case
is ``rossim coverage scenarios/ross_high_latitude.toml --days 7 --resolution-km 50``. In rounds that
alternate (the machine is shared: its load falls on every contender), this script times

(a) the whole rossim command as a user runs it: ``python -m rossim.cli coverage ... --out DIR`` in a
    fresh interpreter (imports, grids, analysis, contacts, files, maps, figures, report), wall and
    CPU time (user + system of the child);
(b) TAT-C's analysis alone, in a child process of the TAT-C interpreter (``--tatc-python``), kept
    alive between rounds: for every instrument ``tatc.analysis.collect_observations`` of all the
    points at once (TAT-C's documented way for many points: each stage vectorized across them;
    ``collect_multi_observations`` is the same call for one point), then ``aggregate_observations``
    and ``reduce_observations`` (``tatc.analysis.coverage_metrics``: per point the number of
    accesses, mean access and mean revisit), the equivalent of rossim's access search and figures
    of merit. Wall and CPU time (``time.process_time`` of the child);
(c) rossim's analysis alone in this process: ``coverage_run.analyze_regions`` on the same points and
    instruments (propagation, access search, lighting filter, figures of merit), and as the command
    runs it (Russia, the Arctic zone and the NSR corridor together).

Each is the best of ``--rounds`` (wall and CPU each); printed as seconds and as ratios (TAT-C /
rossim). Both wall and CPU time: on a shared machine wall times carry the others' load.

Fairness (what makes it "the same case"; every item checked or printed by the script):

* Points: the cell centres the command analyses, from ``coverage_run.prepare`` (the same call the
  command makes): Russia's equal-area 50 km grid (7,533 cells), given to TAT-C as shapely points
  (lon, lat, elevation 0 m on WGS84, as rossim's cells). ``--regions all``: the command's three
  grids (Russia, Arctic zone, NSR corridor), which rossim's analysis searches together: 9,656
  cells at 7,995 places, each place one TAT-C point (TAT-C identifies a point by its coordinates:
  two identical points would be merged by its aggregation).
* Orbit: TAT-C's own ``GeneralPerturbationsOrbit`` with one ``GeneralPerturbationsElements`` holding
  the elements of rossim's SGP4 element set (``Orbit.satrec``) at full float precision, as TAT-C's
  ``GeneralPerturbationsElements.from_satrec`` reads them (epoch, Kozai mean motion, e, i, RAAN,
  argument of perigee, mean anomaly, B* = 0): the same SGP4 model (WGS72, improved mode), which
  TAT-C propagates through skyfield (TEME -> GCRS -> ITRS) and rossim through GMST-1982. Checked:
  the sub-satellite points of the two tools every minute over the whole span (printed: largest
  distance, km) and the heights.
* Instruments: the scenario's (``coverage_run.build_instruments``). A rossim cone of off-nadir
  half-angle ``a`` is a TAT-C ``Instrument`` with ``field_of_regard = 2a`` (TAT-C's field of regard
  is the full angle: its point sampling uses half of it as the largest angle from nadir;
  ``tatc/analysis/point_sampling.py``) and ``nadir_reference = "geocentric"`` (rossim's cone is
  about the geocentric nadir; TAT-C's default is the geodetic one, up to 0.19 deg apart). TAT-C also
  requires the elevation seen from the point to be at least that of the cone's edge less 1 deg,
  which never binds before the cone does; rossim's horizon (elevation > 0) does not bind at 30 deg
  either. ``min_sun_elevation_deg`` -> ``min_target_solar_elevation`` and ``station_sunlit`` ->
  ``req_self_sunlit``; both tools test them once per access, at its midpoint (TAT-C: the
  observation's epoch, its midpoint for this instrument type; rossim: ``filter_accesses``).
  TAT-C's Sun is the apparent one from DE421 (no refraction), rossim's ``rossim.sunlight``'s.
* Span: the scenario's start (the orbit's epoch, 2029-03-20 00:00 UTC) and 7 days. Step: TAT-C has
  no step setting: it screens at most every 60 s (``_SCREEN_STEP``), samples each window's parts
  and refines every crossing to 1 ms; rossim samples every ``coverage.step_s`` (20 s) and fits the
  crossings. Each tool runs as it is meant to be run.
* Agreement, per instrument (printed, from the last timed round): the share of the region's area
  observed at least once (TAT-C's points weighted by rossim's cell areas), the median number of
  accesses per cell (a cell never observed counts 0), the cells whose counts differ, the total of
  accesses, the median of the cells' mean revisit, and how far apart the starts and ends of the
  accesses are in the cells both count alike (largest and 99th percentile, s; TAT-C refines them
  to 1 ms). A lit instrument's counts may differ where the Sun at an access's midpoint is within
  the two Sun models' difference of the threshold (``tests/test_coverage_tatc.py``).
* Excluded from TAT-C's time: its import (printed apart) and a warm-up: the whole analysis (every
  instrument, aggregate, reduce) run once untimed on ``WARMUP_POINTS`` of the points over the full
  span, which compiles TAT-C's numba functions (``numba.njit(cache=True)``: compiled once, then
  loaded from TAT-C's cache), loads the ephemeris and the timescale and fills TAT-C's element
  caches. rossim's analysis (c) gets the same treatment (one untimed run in this process first).
  The whole command (a) pays everything, imports included: it is what a user waits for.

BLAS threads: TAT-C's analysis with OpenBLAS on its default threads (two here) took ~1.5x the wall
and CPU time it takes with one (2,000 of the points, radar, 7 days: 3.35 s against 2.2 s, two
alternate runs each: its idle BLAS threads wait busily on a shared 2-core machine); the rossim
command is indifferent (2.6-3.5 s either way). So every contender runs with one BLAS thread
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` in the children; threadpoolctl
here), TAT-C's faster setting; ``--blas-threads 0`` leaves the libraries' default.

The command's children run with the environment's bytecode setting (``PYTHONDONTWRITEBYTECODE``
set: every module compiled each run) unless ``--bytecode``: then they write and use bytecode
caches (a temporary ``PYTHONPYCACHEPREFIX``, after one untimed run), as an installed package does.

TAT-C: ``pip install 'rossim[bench]'`` (``tatc>=3.6``; on this project's environment it installs
tatc, numba, llvmlite, geopandas, pyogrio and spiceypy without changing any installed package).
Any interpreter where ``import tatc`` works can be given instead (``--tatc-python``), e.g. a separate
venv: ``python -m venv --system-site-packages V && V/bin/pip install tatc==3.6.0``. Without one:
a one-line message, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "ross_high_latitude.toml"
DAYS = 7.0
RESOLUTION_KM = 50.0
#: Where TAT-C was installed apart from the project when it was first measured (tried last).
FALLBACK_TATC_PYTHON = "/tmp/tatcvenv/bin/python"
#: Points of TAT-C's untimed warm-up run (the full span, every instrument).
WARMUP_POINTS = 200
#: Step of the ground-track comparison, s.
TRACK_STEP_S = 60.0
#: The variables that set the BLAS libraries' threads (OpenBLAS, OpenMP, MKL).
_BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: The child's answers on stdout start with this (anything else it prints is passed through).
_TAG = "TATC-JSON "
_DAY_S = 86400.0


# ---------------------------------------------------------------------------------------------
# The TAT-C side (runs in the TAT-C interpreter: numpy and the standard library, no rossim)
# ---------------------------------------------------------------------------------------------


def _tatc_satellite(case: dict):
    from tatc.schemas import GeneralPerturbationsOrbit, Instrument, Satellite
    from tatc.schemas.orbit.gp_elements import GeneralPerturbationsElements

    orbit = GeneralPerturbationsOrbit(elements=[GeneralPerturbationsElements(**case["elements"])])
    return Satellite(name=case["name"], orbit=orbit, instruments=[Instrument(**i) for i in case["instruments"]])


def _tatc_analysis(points, satellite, start, end) -> tuple[dict, list]:
    """TAT-C's coverage analysis of ``points`` by every instrument: ``(times, [(aggregated,
    reduced)] a frame pair per instrument)``."""
    from tatc.analysis import aggregate_observations, collect_observations, reduce_observations

    times, frames = {}, []
    for index, instrument in enumerate(satellite.instruments):
        w0, c0 = time.perf_counter(), time.process_time()
        observations = collect_observations(points, satellite, start, end, instrument_index=index)
        w1, c1 = time.perf_counter(), time.process_time()
        aggregated = aggregate_observations(observations)
        frames.append((aggregated, reduce_observations(aggregated)))
        w2, c2 = time.perf_counter(), time.process_time()
        times[instrument.name] = {"collect": w1 - w0, "collect CPU": c1 - c0,
                                  "aggregate + reduce": w2 - w1, "aggregate + reduce CPU": c2 - c1}
    return times, frames


def _per_point(aggregated, reduced, lon, lat, start) -> dict:
    """Accesses and mean revisit (s, None: fewer than 2 accesses) of every input point, in input
    order, from a ``reduce_observations`` frame (which lists only the points observed), and every
    access (``aggregate_observations``: its point, start and end in seconds from ``start``)."""
    index = {(x, y): k for k, (x, y) in enumerate(zip(lon, lat))}
    samples = np.zeros(len(lon), dtype=int)
    revisit_s = np.full(len(lon), np.nan)
    for geometry, n, revisit in zip(reduced.geometry, reduced["samples"], reduced["revisit"].dt.total_seconds()):
        k = index[(geometry.x, geometry.y)]
        samples[k] = n
        revisit_s[k] = revisit
    point = [index[(g.x, g.y)] for g in aggregated.geometry]
    start_s = (aggregated["start"] - start).dt.total_seconds().tolist()
    end_s = (aggregated["end"] - start).dt.total_seconds().tolist()
    return {"samples": samples.tolist(), "revisit_mean_s": [None if v != v else float(v) for v in revisit_s],
            "access_point": point, "access_start_s": start_s, "access_end_s": end_s}


def _tatc_track(satellite, start, days: float, step_s: float) -> dict:
    """TAT-C's sub-satellite point (geodetic, deg) and height (km) every ``step_s`` over the span."""
    from skyfield.api import wgs84
    from tatc.utils.time import _to_time_from_offsets

    seconds = np.arange(0.0, days * _DAY_S + 1e-6, step_s)
    track = satellite.orbit.to_gp_orbit().get_orbit_track_at_time(_to_time_from_offsets(start, seconds))
    sub = wgs84.geographic_position_of(track)
    return {"seconds": seconds.tolist(), "lat_deg": sub.latitude.degrees.tolist(),
            "lon_deg": sub.longitude.degrees.tolist(), "height_km": sub.elevation.km.tolist()}


def _say(message: dict) -> None:
    print(_TAG + json.dumps(message), flush=True)


def tatc_child(case_path: str) -> None:
    """The TAT-C process: import, track, warm-up, then one timed analysis per ``run`` line on stdin."""
    import datetime as dt

    # this script's folder holds bench/coverage.py, which would shadow the coverage package numba imports
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    w0, c0 = time.perf_counter(), time.process_time()
    import tatc
    import tatc.analysis  # noqa: F401  (what the analysis imports)
    imported = {"import": time.perf_counter() - w0, "import CPU": time.process_time() - c0}
    from shapely import geometry as geo

    case = json.loads(Path(case_path).read_text())
    start = dt.datetime.fromisoformat(case["start"])
    end = start + dt.timedelta(days=case["days"])
    satellite = _tatc_satellite(case)
    lon, lat = case["lon_deg"], case["lat_deg"]
    points = [geo.Point(x, y) for x, y in zip(lon, lat)]

    w0, c0 = time.perf_counter(), time.process_time()
    _tatc_analysis(points[:WARMUP_POINTS], satellite, start, end)
    imported.update({"warm-up": time.perf_counter() - w0, "warm-up CPU": time.process_time() - c0})
    _say({"version": tatc.__version__, "times": imported,
          "track": _tatc_track(satellite, start, case["days"], case["track_step_s"])})
    for line in sys.stdin:
        if line.strip() != "run":
            break
        w0, c0 = time.perf_counter(), time.process_time()
        times, frames = _tatc_analysis(points, satellite, start, end)
        times.update({"analysis": time.perf_counter() - w0, "analysis CPU": time.process_time() - c0})
        _say({"times": times, "cells": {i.name: _per_point(*f, lon, lat, start)
                                        for i, f in zip(satellite.instruments, frames)}})


class TatcProcess:
    """The TAT-C child, alive between rounds: ``run()`` times one analysis."""

    def __init__(self, python: str, case_path: Path, env: dict):
        self.python = python
        self.proc = subprocess.Popen([python, str(Path(__file__).resolve()), "--tatc-child", str(case_path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/", env=env)
        self.ready = self._answer()

    def _answer(self) -> dict:
        for line in self.proc.stdout:
            if line.startswith(_TAG):
                return json.loads(line[len(_TAG):])
            sys.stdout.write(line)
        print(f"error: --tatc-python {self.python}: the TAT-C process ended with status {self.proc.wait()} "
              "before answering", file=sys.stderr)
        raise SystemExit(2)

    def run(self) -> dict:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def _imports_tatc(python: str) -> bool:
    try:
        said = subprocess.run([python, "-c", "import tatc; print('tatc', tatc.__version__)"], cwd="/",
                              capture_output=True, text=True)
    except OSError:
        return False
    return said.returncode == 0 and said.stdout.startswith("tatc ")


def find_tatc_python(given: str | None) -> str:
    """The interpreter to run TAT-C with: ``given``, else this one if it imports tatc, else
    :data:`FALLBACK_TATC_PYTHON`; a one-line message and exit status 2 if none can."""
    candidates = [given] if given else [sys.executable, FALLBACK_TATC_PYTHON]
    for python in candidates:
        if (python == sys.executable and not given and _importable_here()) or _imports_tatc(python):
            return python
    where = f"--tatc-python {given}" if given else f"this interpreter or {FALLBACK_TATC_PYTHON}"
    print(f"error: --tatc-python: TAT-C cannot be imported by {where}; install it (pip install 'rossim[bench]', "
          "or python -m venv --system-site-packages V && V/bin/pip install tatc==3.6.0) and give that "
          "interpreter", file=sys.stderr)
    raise SystemExit(2)


def _importable_here() -> bool:
    import importlib.util

    return importlib.util.find_spec("tatc") is not None


# ---------------------------------------------------------------------------------------------
# The rossim side
# ---------------------------------------------------------------------------------------------


def _elements(satrec) -> dict:
    """The element set as ``tatc``'s ``GeneralPerturbationsElements.from_satrec`` reads it (its
    keyword arguments; angles in degrees, mean motion in deg/s), in full precision."""
    import math

    from sgp4.conveniences import sat_epoch_datetime

    return {"epoch": sat_epoch_datetime(satrec).isoformat(), "mean_motion": math.degrees(satrec.no_kozai) / 60.0,
            "eccentricity": satrec.ecco, "inclination": math.degrees(satrec.inclo),
            "ra_of_asc_node": math.degrees(satrec.nodeo) % 360.0,
            "arg_of_pericenter": math.degrees(satrec.argpo) % 360.0,
            "mean_anomaly": math.degrees(satrec.mo) % 360.0, "bstar": satrec.bstar,
            # sgp4's OMM exporter, which TAT-C propagates through, needs a designator
            "international_designator": "29001A"}


def _tatc_instrument(inst) -> dict:
    """A rossim :class:`~rossim.coverage.Instrument` as TAT-C ``Instrument`` keyword arguments."""
    return {"name": inst.name, "field_of_regard": 2.0 * inst.half_angle_deg, "nadir_reference": "geocentric",
            "min_target_solar_elevation": inst.min_sun_elevation_deg, "req_self_sunlit": inst.station_sunlit}


def prepare_case(regions: str):
    """The command's inputs (``coverage_run.prepare``), the case handed to TAT-C and the TAT-C point
    of each cell of the grids in turn (cells of two regions at the same place are one point: TAT-C
    identifies a point by its coordinates)."""
    from rossim import coverage_run

    sc = coverage_run.load_scenario(SCENARIO)
    days, res, orbit, instruments, start, grids = coverage_run.prepare(sc, days=DAYS, resolution_km=RESOLUTION_KM)
    if regions == "russia":
        grids = {"russia": grids["russia"]}
    pairs = np.column_stack([np.concatenate([g.lon_deg for g in grids.values()]),
                             np.concatenate([g.lat_deg for g in grids.values()])])
    _, first, inverse = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)  # the points in the order of the cells they first stand for
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    point_of_cell = rank[inverse.ravel()]
    lon, lat = pairs[first[order]].T
    case = {"name": sc.name, "elements": _elements(orbit.satrec), "instruments": [_tatc_instrument(i) for i in instruments],
            "start": start.isoformat(), "days": days, "lon_deg": lon.tolist(), "lat_deg": lat.tolist(),
            "track_step_s": TRACK_STEP_S}
    return sc, orbit, instruments, start, days, grids, case, point_of_cell


def _command(out: Path) -> list[str]:
    return [sys.executable, "-m", "rossim.cli", "coverage", str(SCENARIO), "--days", f"{DAYS:g}",
            "--resolution-km", f"{RESOLUTION_KM:g}", "--out", str(out)]


def _children_cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def whole_command(out: Path, env: dict) -> tuple[float, float]:
    """Wall and CPU time of the command in a fresh interpreter."""
    w0, c0 = time.perf_counter(), _children_cpu_s()
    subprocess.run(_command(out), check=True, cwd="/", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - w0, _children_cpu_s() - c0


def rossim_analysis(orbit, grids, instruments, start, days, step_s):
    """``(wall s, CPU s, results)`` of :func:`rossim.coverage_run.analyze_regions`."""
    from rossim import coverage_run

    w0, c0 = time.perf_counter(), time.process_time()
    results, _ = coverage_run.analyze_regions(orbit, grids, instruments, start, days, step_s)
    return time.perf_counter() - w0, time.process_time() - c0, results


def track_difference(orbit, start, tatc_track: dict) -> tuple[float, float]:
    """Largest distance (km, on a sphere of the Earth's mean radius) between the two tools'
    sub-satellite points, and largest height difference (km), at TAT-C's track samples."""
    from rossim import clock
    from rossim.coverage import EARTH_MEAN_RADIUS_KM

    days = np.asarray(tatc_track["seconds"]) / _DAY_S
    ours = orbit.propagate(clock.time_at(start, days))
    lat1, lon1 = np.radians(ours.lat_deg), np.radians(ours.lon_deg)
    lat2, lon2 = np.radians(tatc_track["lat_deg"]), np.radians(tatc_track["lon_deg"])
    hav = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    distance_km = 2.0 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(hav))
    return float(distance_km.max()), float(np.abs(ours.height_km - np.asarray(tatc_track["height_km"])).max())


def agreement(result, tatc_cells: dict, points: np.ndarray) -> dict:
    """The two tools' figures for one region and instrument: rossim's ``CoverageResult`` and
    TAT-C's per-point accesses (``_per_point``); ``points``: the TAT-C point of each of the region's
    cells (distinct)."""
    area = result.area_km2
    ours = np.asarray(result.access_count)
    theirs = np.asarray(tatc_cells["samples"])[points]
    revisit_h = np.array([np.nan if v is None else v / 3600.0 for v in tatc_cells["revisit_mean_s"]])[points]
    # the accesses of the cells both tools count alike, matched in order (both sorted by cell, start)
    cell_of_point = np.full(len(tatc_cells["samples"]), -1)
    cell_of_point[points] = np.arange(points.size)
    point = cell_of_point[np.asarray(tatc_cells["access_point"], dtype=int)]
    inside = point >= 0
    point = point[inside]
    their_start = np.asarray(tatc_cells["access_start_s"])[inside]
    their_end = np.asarray(tatc_cells["access_end_s"])[inside]
    order = np.lexsort((their_start, point))
    alike = ours == theirs
    mine, theirs_alike = alike[result.accesses.cell], alike[point[order]]
    off_s = np.abs(np.concatenate([result.accesses.start_days[mine] * _DAY_S - their_start[order][theirs_alike],
                                   result.accesses.end_days[mine] * _DAY_S - their_end[order][theirs_alike]]))
    return {
        "access times off s": (float(np.max(off_s, initial=0.0)), float(np.percentile(off_s, 99)) if off_s.size else 0.0),
        "observed %": (100.0 * area[ours > 0].sum() / area.sum(), 100.0 * area[theirs > 0].sum() / area.sum()),
        "accesses/cell median": (float(np.median(ours)), float(np.median(theirs))),
        "accesses total": (int(ours.sum()), int(theirs.sum())),
        "cell revisit mean h median": (float(np.nanmedian(result.cell_revisit_mean_h)), float(np.nanmedian(revisit_h))),
        "cells differing": int(np.count_nonzero(ours != theirs)),
        "cells off by > 1": int(np.count_nonzero(np.abs(ours - theirs) > 1)),
        "cells": int(ours.size),
    }


def _blas_limits(threads: int):
    """This process's BLAS libraries limited to ``threads`` (0: left alone), as a context manager
    already entered (``__exit__`` lifts it); threadpoolctl when it is installed (scikit-learn's)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas") if threads > 0 else contextlib.nullcontext()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tatc-python", help="an interpreter where `import tatc` works (default: this one if it "
                                          f"can, else {FALLBACK_TATC_PYTHON})")
    ap.add_argument("--regions", choices=("russia", "all"), default="russia",
                    help="the points given to TAT-C: Russia's cells, or the command's three grids")
    ap.add_argument("--bytecode", action="store_true", help="the command's children with bytecode caches")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS threads of every contender (default 1: TAT-C's faster setting; 0: the libraries' default)")
    ap.add_argument("--tatc-child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.tatc_child:
        tatc_child(args.tatc_child)
        return
    if args.rounds < 1:
        print(f"error: --rounds: must be at least 1, got {args.rounds}", file=sys.stderr)
        raise SystemExit(2)
    if args.blas_threads < 0:
        print(f"error: --blas-threads: must be 0 (the libraries' default) or more, got {args.blas_threads}",
              file=sys.stderr)
        raise SystemExit(2)
    python = find_tatc_python(args.tatc_python)
    sc, orbit, instruments, start, days, grids, case, point_of_cell = prepare_case(args.regions)
    step_s = sc.coverage.step_s
    from rossim import coverage_run

    all_grids = coverage_run.region_grids(RESOLUTION_KM, sc.coverage.nsr_corridor_width_km)
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH") or str(ROOT))
    if args.blas_threads > 0:
        env.update({name: str(args.blas_threads) for name in _BLAS_VARIABLES})
    best = {k: (float("inf"), float("inf")) for k in ("command", "tatc", "rossim same points", "rossim command's")}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
            whole_command(tmp / "warm", env)
        case_path = tmp / "case.json"
        case_path.write_text(json.dumps(case))
        tatc = TatcProcess(python, case_path, env)
        blas = _blas_limits(args.blas_threads)  # this process's rossim analysis, as the children
        rossim_analysis(orbit, grids, instruments, start, days, step_s)  # warm-up, untimed
        tatc_parts: dict[str, float] = {}
        try:
            for k in range(args.rounds):  # the contenders in turns, so that the machine's load falls on all
                got = {"command": whole_command(tmp / f"w{k}", env)}
                answer = tatc.run()
                got["tatc"] = (answer["times"]["analysis"], answer["times"]["analysis CPU"])
                for name, times in answer["times"].items():
                    if isinstance(times, dict):
                        for part, v in times.items():
                            key = f"{name}: {part}"
                            tatc_parts[key] = min(tatc_parts.get(key, float("inf")), v)
                wall, cpu, results = rossim_analysis(orbit, grids, instruments, start, days, step_s)
                got["rossim same points"] = (wall, cpu)
                got["rossim command's"] = rossim_analysis(orbit, all_grids, instruments, start, days, step_s)[:2]
                best = {key: tuple(min(a, b) for a, b in zip(best[key], got[key])) for key in best}
                print(f"  round {k + 1}: " + ", ".join(f"{key} {w:.2f} s ({c:.2f} CPU)" for key, (w, c) in got.items()),
                      flush=True)
        finally:
            tatc.close()
            blas.__exit__(None, None, None)

    cells = len(point_of_cell)
    print(f"\nrossim coverage {SCENARIO.relative_to(ROOT)} --days {DAYS:g} --resolution-km {RESOLUTION_KM:g} "
          f"against TAT-C {tatc.ready['version']} ({python}); best of {args.rounds} alternate rounds; "
          f"{'bytecode cached' if args.bytecode else 'modules compiled as the environment says'}; "
          + (f"{args.blas_threads} BLAS thread(s) each" if args.blas_threads else "BLAS threads as the libraries choose"))
    print(f"  points: {len(case['lon_deg']):,} for {cells:,} cells ({', '.join(grids)}); instruments: "
          + ", ".join(f"{i['name']} (field of regard {i['field_of_regard']:g} deg"
                      + (f", Sun >= {i['min_target_solar_elevation']:g} deg" if i["min_target_solar_elevation"] is not None else "")
                      + ")" for i in case["instruments"]))
    far_km, dh_km = track_difference(orbit, start, tatc.ready["track"])
    print(f"  orbit: sub-satellite points every {TRACK_STEP_S:g} s over {days:g} days at most {far_km * 1e3:.2g} m apart, "
          f"heights at most {dh_km * 1e3:.2g} m")
    t = tatc.ready["times"]
    print(f"  TAT-C excluded: import {t['import']:.2f} s ({t['import CPU']:.2f} CPU); warm-up ({WARMUP_POINTS} points, "
          f"every instrument, full span) {t['warm-up']:.2f} s ({t['warm-up CPU']:.2f} CPU)")
    print(f"\n  {'':44s} {'wall s':>8s} {'CPU s':>8s}")
    labels = {"tatc": "TAT-C analysis alone (collect+aggregate+reduce)", "command": "rossim whole command (fresh process)",
              "rossim same points": "rossim analysis, the same points",
              "rossim command's": "rossim analysis, the command's 3 grids"}
    for key, label in labels.items():
        print(f"  {label:44s} {best[key][0]:8.2f} {best[key][1]:8.2f}")
    for key in tatc_parts:
        if not key.endswith(" CPU"):
            print(f"    TAT-C {key:38s} {tatc_parts[key]:8.2f} {tatc_parts[key + ' CPU']:8.2f}")
    tw, tc = best["tatc"]
    print()
    for key, label in [("command", "rossim whole command"), ("rossim same points", "rossim analysis, same points"),
                       ("rossim command's", "rossim analysis, command's grids")]:
        print(f"  TAT-C analysis / {label:32s} {tw / best[key][0]:6.1f}x wall, {tc / best[key][1]:6.1f}x CPU"
              + ("   (issue 11: >= 10x)" if key == "command" else ""))

    print("\n  agreement (rossim | TAT-C), last round:")
    first = 0
    for region, g in grids.items():
        points = point_of_cell[first:first + len(g)]
        first += len(g)
        for inst in instruments:
            a = agreement(results[region][inst.name], answer["cells"][inst.name], points)
            print(f"    {region}, {inst.name}: observed {a['observed %'][0]:.2f} % | {a['observed %'][1]:.2f} % of the area; "
                  f"accesses a cell, median {a['accesses/cell median'][0]:g} | {a['accesses/cell median'][1]:g}, "
                  f"total {a['accesses total'][0]:,} | {a['accesses total'][1]:,}; cell mean revisit, median "
                  f"{a['cell revisit mean h median'][0]:.2f} | {a['cell revisit mean h median'][1]:.2f} h; "
                  f"counts differ in {a['cells differing']:,} of {a['cells']:,} cells ({a['cells off by > 1']} by more than 1); "
                  f"starts and ends of the accesses of the other cells at most {a['access times off s'][0]:.3f} s apart "
                  f"(99 % within {a['access times off s'][1]:.3f} s)")


if __name__ == "__main__":
    main()
