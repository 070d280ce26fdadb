"""Benchmark of rossim.coverage: a month over Russia, the fast search against brute force, accuracy.

Not a test. Run:  python bench/coverage.py [--quick]

(a) Wall time of a 30-day analysis of Russia on a 25 km equal-area grid, a 30 deg instrument on a
    ~400 km sun-synchronous orbit, 20 s steps, split into propagation (Time building + SGP4 + ITRS),
    access search and figures of merit. Best of ROUNDS rounds (the machine is shared).
(b) The fast access search against brute force on a small case, in the same process, rounds
    alternating: brute force = every sample against every cell at the same 20 s step (numpy, the
    dot products as one BLAS matrix product per chunk, in-view matrix, no refinement).
(c) Accuracy of start/end times at 10-30 s steps against a 0.05 s brute-force twin (cells scattered
    around one orbit's ground track), and the accesses the fast search misses (grazing passes).
(d) Miss rate over a day of Russia's 100 km grid against a 1 s brute-force twin.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np

from rossim import clock, coverage, regions
from rossim.orbit import Orbit

ROUNDS = 3
EPOCH = dt.datetime(2028, 3, 1, tzinfo=dt.timezone.utc)
DAY_S = 86400.0


def _best(fn, rounds=ROUNDS):
    best, out = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def month_over_russia(days: float) -> None:
    grid = regions.equal_area_grid(regions.russia(), 25.0)
    orbit = Orbit.from_elements(EPOCH, 400.0, sun_synchronous=True, ltan_h=10.5)
    inst = coverage.Instrument("cam30", 30.0)
    n = int(np.ceil(days * DAY_S / coverage.DEFAULT_STEP_S)) + 1
    t_days = np.linspace(0.0, days, n)

    t_prop, track = _best(lambda: orbit.propagate(clock.time_at(EPOCH, t_days)))
    t_acc, acc = _best(lambda: coverage.access_intervals(t_days, track.itrs_km, grid.ecef_km, inst.half_angle_deg))
    t_fom, res = _best(lambda: coverage.figures_of_merit(acc, grid.area_km2, days, lat_deg=grid.lat_deg))
    t_all, whole = _best(lambda: coverage.analyze(orbit, grid, inst, EPOCH, days))
    assert len(whole.accesses) == len(acc)
    print(f"(a) {days:g} days, Russia 25 km grid: {len(grid)} cells, {n} samples "
          f"(20 s), {len(acc)} accesses, i = {orbit.inclination_deg:.2f} deg")  # fmt: skip
    print(f"    propagation      {t_prop:6.2f} s")
    print(f"    access search    {t_acc:6.2f} s")
    print(f"    figures of merit {t_fom:6.2f} s")
    print(f"    sum of parts     {t_prop + t_acc + t_fom:6.2f} s;  analyze() end to end {t_all:6.2f} s")
    s = res.summary()
    print("    summary:", {k: (round(v, 2) if isinstance(v, float) else v) for k, v in s.items()})


def _brute_inview(sat, cells, half_deg, chunk=2000):
    """(N,M) in-view matrix, every sample against every cell (same geometry as the fast search)."""
    normal = coverage._ellipsoid_normal(cells)
    c2 = np.einsum("ij,ij->i", cells, cells)
    cn = np.einsum("ij,ij->i", cells, normal)
    sec2 = 1.0 / np.cos(np.radians(half_deg)) ** 2
    out = np.zeros((sat.shape[0], cells.shape[0]), dtype=bool)
    for a in range(0, sat.shape[0], chunk):
        s = sat[a : a + chunk]
        s2 = np.einsum("ij,ij->i", s, s)[:, None]
        cs = s @ cells.T
        dot = s2 - cs
        dist2 = c2 + s2 - 2.0 * cs
        with np.errstate(invalid="ignore"):
            out[a : a + chunk] = (sec2 - dist2 * s2 / (dot * dot) >= 0) & ((s @ normal.T - cn) > 0)
    return out


def _intervals(t, inview):
    """(cell, start, end) from an in-view matrix, edges midway between samples."""
    n = t.size
    pad = np.zeros((1, inview.shape[1]), dtype=np.int8)
    step = np.diff(np.vstack([pad, inview.astype(np.int8), pad]), axis=0).T
    c, i_s = np.nonzero(step == 1)
    _, i_e = np.nonzero(step == -1)
    half = 0.5 * np.median(np.diff(t))
    return c, t[i_s] - np.where(i_s > 0, half, 0.0), t[i_e - 1] + np.where(i_e < n, half, 0.0)


def fast_vs_brute() -> None:
    grid = regions.equal_area_grid(regions.russia(), 100.0)
    orbit = Orbit.from_elements(EPOCH, 400.0, sun_synchronous=True, ltan_h=10.5)
    t_days = np.arange(0.0, DAY_S + 1e-9, coverage.DEFAULT_STEP_S) / DAY_S
    sat = orbit.propagate(clock.time_at(EPOCH, t_days)).itrs_km
    best = [float("inf"), float("inf")]
    for _ in range(ROUNDS):
        start = time.perf_counter()
        acc = coverage.access_intervals(t_days, sat, grid.ecef_km, 30.0)
        best[0] = min(best[0], time.perf_counter() - start)
        start = time.perf_counter()
        ref = _intervals(t_days, _brute_inview(sat, grid.ecef_km, 30.0))
        best[1] = min(best[1], time.perf_counter() - start)
    pairs = t_days.size * len(grid)
    print(f"(b) 1 day, Russia 100 km grid ({len(grid)} cells x {t_days.size} samples = {pairs / 1e6:.1f} M pairs):")
    print(f"    fast {best[0] * 1e3:7.1f} ms   brute force {best[1] * 1e3:7.1f} ms   ratio {best[1] / best[0]:5.1f}x")
    print(f"    accesses: fast {len(acc)}, brute force at the same step {ref[0].size} "
          f"(brute force misses the accesses shorter than a step that fall between samples)")  # fmt: skip
    per_pair = best[1] / pairs
    big = 129_601 * 28_774
    print(f"    brute force extrapolated to (a) (30 d, 25 km): {per_pair * big:6.0f} s ({per_pair * 1e9:.1f} ns/pair)")


def accuracy() -> None:
    rng = np.random.default_rng(1)
    period_s = 5400.0  # ~one orbit, a multiple of every step below (the spans must end together)
    orbit = Orbit.from_elements(EPOCH, 400.0, 51.6, raan_deg=30.0)
    probe = np.linspace(0.0, period_s, 300) / DAY_S
    tr = orbit.propagate(clock.time_at(EPOCH, probe))
    lat = tr.lat_deg + rng.uniform(-3.0, 3.0, probe.size)
    lon = tr.lon_deg + rng.uniform(-3.0, 3.0, probe.size)
    cells = regions._geodetic_to_ecef_km(lat, lon)
    fine_step = 0.05
    fine = np.arange(0.0, period_s + 1e-9, fine_step) / DAY_S
    sat_fine = orbit.propagate(clock.time_at(EPOCH, fine)).itrs_km
    rc, rs, re_ = _intervals(fine, _brute_inview(sat_fine, cells, 30.0))
    print(f"(c) accuracy vs a {fine_step} s brute force, one orbit, {cells.shape[0]} cells within 3 deg of the"
          f" track, {rc.size} accesses (twin's own error <= {fine_step / 2} s):")  # fmt: skip
    for step in (10.0, 15.0, 20.0, 25.0, 30.0):
        coarse = np.arange(0.0, period_s + 1e-9, step) / DAY_S
        sat = orbit.propagate(clock.time_at(EPOCH, coarse)).itrs_km
        acc = coverage.access_intervals(coarse, sat, cells, 30.0)
        errs, missed = [], []
        used = np.zeros(len(acc), dtype=bool)
        for c, s, e in zip(rc, rs, re_):
            hit = np.flatnonzero((acc.cell == c) & (acc.start_days <= e + 2 / DAY_S) & (acc.end_days >= s - 2 / DAY_S))
            if hit.size != 1:
                missed.append((e - s) * DAY_S)
                continue
            used[hit] = True
            errs += [abs(acc.start_days[hit[0]] - s) * DAY_S, abs(acc.end_days[hit[0]] - e) * DAY_S]
        extra = acc.duration_days[~used] * DAY_S
        errs = np.array(errs)
        print(f"    step {step:4.0f} s: |error| max {errs.max():.3f} s, p99 {np.percentile(errs, 99):.3f} s, "
              f"median {np.median(errs):.3f} s; missed {len(missed)} {np.round(missed, 1).tolist()}, "
              f"extra {extra.size} {np.round(extra, 2).tolist()}")  # fmt: skip


def miss_rate(hours: float) -> None:
    """Accesses of a 1 s brute force that the 20 s search misses, over Russia's 100 km grid."""
    grid = regions.equal_area_grid(regions.russia(), 100.0)
    orbit = Orbit.from_elements(EPOCH, 400.0, sun_synchronous=True, ltan_h=10.5)
    fine = np.arange(0.0, hours * 3600.0 + 1e-9, 1.0) / DAY_S
    coarse = np.arange(0.0, hours * 3600.0 + 1e-9, coverage.DEFAULT_STEP_S) / DAY_S
    sat_fine = orbit.propagate(clock.time_at(EPOCH, fine)).itrs_km
    rc, rs, re_ = _intervals(fine, _brute_inview(sat_fine, grid.ecef_km, 30.0))
    acc = coverage.access_intervals(coarse, orbit.propagate(clock.time_at(EPOCH, coarse)).itrs_km, grid.ecef_km, 30.0)
    # Match by (cell, overlap within 2 s): sort both by (cell, start) and compare cell by cell.
    key_f = rc.astype(np.int64)
    missed = 0
    errs = []
    used = np.zeros(len(acc), dtype=bool)
    lo = np.searchsorted(acc.cell, key_f, side="left")
    hi = np.searchsorted(acc.cell, key_f, side="right")
    for a, b, s, e in zip(lo, hi, rs, re_):
        j = a + np.flatnonzero((acc.start_days[a:b] <= e + 2 / DAY_S) & (acc.end_days[a:b] >= s - 2 / DAY_S))
        if j.size != 1:
            missed += 1
            continue
        used[j] = True
        errs += [abs(acc.start_days[j[0]] - s) * DAY_S, abs(acc.end_days[j[0]] - e) * DAY_S]
    extra = acc.duration_days[~used] * DAY_S
    print(f"(d) {hours:g} h over Russia's 100 km grid, 1 s brute force vs 20 s search: {rc.size} accesses, "
          f"missed {missed}; {extra.size} found only by the search, all shorter than "
          f"{extra.max() if extra.size else 0:.2f} s (the 1 s twin cannot see those); |start/end error| max "
          f"{max(errs):.2f} s (twin's own <= 0.5 s)")  # fmt: skip


def main(argv) -> None:
    quick = "--quick" in argv
    month_over_russia(3.0 if quick else 30.0)
    fast_vs_brute()
    accuracy()
    miss_rate(3.0 if quick else 24.0)


if __name__ == "__main__":
    main(sys.argv[1:])
