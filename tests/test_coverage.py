"""Tests of rossim.coverage against independent truth.

* A brute-force twin (every sample against every cell at a fine step, intervals read off the boolean
  matrix, with its own geometry: off-nadir angle by arctan2 of cross and dot products, elevation
  above the horizon from the cell's geodetic latitude and longitude) must equal the fast search.
* A synthetic circular orbit (an inclined circle turning under the Earth-fixed frame, no sgp4) drives
  the core tests; the same checks then run with a real ``Orbit``.
* Figures of merit are checked on hand-made accesses with exact numbers, and against a per-cell
  Python loop on random accesses (hypothesis).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rossim import coverage
from rossim.coverage import (
    ACCESS_TIME_TOL_S,
    Accesses,
    Instrument,
    access_intervals,
    figures_of_merit,
    filter_accesses,
    footprint_central_angle_rad,
)
from rossim.errors import InputError

DAY_S = 86400.0
MU_KM3_S2 = 398600.4418
EARTH_ROTATION_RAD_S = 7.2921150e-5
WGS84_A_KM = 6378.137
WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)

#: Step of the brute-force twin, s. Its start/end estimate (midway between the last sample out of
#: view and the first in view) is within half a step of the truth.
BRUTE_STEP_S = 1.0
#: Fast vs brute start/end agreement: half a brute step (the twin's own uncertainty) plus the fast
#: search's bound ACCESS_TIME_TOL_S, rounded up to a whole second.
BRUTE_MATCH_TOL_S = 0.5 * BRUTE_STEP_S + ACCESS_TIME_TOL_S + 0.5
#: Step of the fine twin used to check ACCESS_TIME_TOL_S itself; its own error is <= 0.05 s.
FINE_STEP_S = 0.1


# --- synthetic truth ------------------------------------------------------------------------------


def circular_orbit_ecef_km(t_days, altitude_km=400.0, inclination_deg=51.6, raan_deg=0.0, u0_deg=0.0):
    """(N,3) Earth-fixed positions of a circular Keplerian orbit of radius a + h (WGS84 a), the frame
    turning at the Earth's sidereal rate about z (RAAN fixed in inertial space)."""
    r = WGS84_A_KM + altitude_km
    n = np.sqrt(MU_KM3_S2 / r**3)
    ts = np.asarray(t_days, dtype=float) * DAY_S
    u = np.radians(u0_deg) + n * ts
    inc = np.radians(inclination_deg)
    node = np.radians(raan_deg) - EARTH_ROTATION_RAD_S * ts
    x = r * (np.cos(u) * np.cos(node) - np.sin(u) * np.cos(inc) * np.sin(node))
    y = r * (np.cos(u) * np.sin(node) + np.sin(u) * np.cos(inc) * np.cos(node))
    z = r * np.sin(u) * np.sin(inc)
    return np.stack([x, y, z], axis=-1)


def geodetic_to_ecef_km(lat_deg, lon_deg):
    """(M,3) WGS84 surface points."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = WGS84_A_KM / np.sqrt(1 - WGS84_E2 * np.sin(lat) ** 2)
    return np.stack(
        [n * np.cos(lat) * np.cos(lon), n * np.cos(lat) * np.sin(lon), n * (1 - WGS84_E2) * np.sin(lat)],
        axis=-1,
    )


def geodetic_up(lat_deg, lon_deg):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


@dataclasses.dataclass
class Cells:
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    ecef_km: np.ndarray
    area_km2: np.ndarray


def patch(lat0, lat1, dlat, lon0, lon1, dlon):
    lat, lon = np.meshgrid(np.arange(lat0, lat1, dlat), np.arange(lon0, lon1, dlon), indexing="ij")
    lat, lon = lat.ravel(), lon.ravel()
    return Cells(lat, lon, geodetic_to_ecef_km(lat, lon), np.cos(np.radians(lat)))


def brute_inview(sat_km, cells: Cells, half_angle_deg):
    """(N,M) bool: off-nadir <= half-angle and the station above the cell's geodetic horizon."""
    d = cells.ecef_km[None, :, :] - sat_km[:, None, :]
    nadir = -sat_km[:, None, :]
    off = np.degrees(np.arctan2(np.linalg.norm(np.cross(d, nadir), axis=-1), np.sum(d * nadir, axis=-1)))
    up = geodetic_up(cells.lat_deg, cells.lon_deg)[None]
    above = np.sum(-d * up, axis=-1) > 0
    with np.errstate(invalid="ignore"):
        return (off <= half_angle_deg) & above


def brute_accesses(t_days, sat_km, cells: Cells, half_angle_deg):
    """(cell, start_days, end_days) read off the boolean matrix: each edge midway between the
    bracketing samples (or at the span's end)."""
    n = t_days.size
    chunks = [brute_inview(sat_km[a : a + 2000], cells, half_angle_deg) for a in range(0, n, 2000)]
    inview = np.vstack(chunks)
    pad = np.zeros((1, inview.shape[1]), dtype=np.int8)
    step = np.diff(np.vstack([pad, inview.astype(np.int8), pad]), axis=0).T  # (M, N+1)
    c_s, i_s = np.nonzero(step == 1)
    c_e, i_e = np.nonzero(step == -1)
    half = 0.5 * np.median(np.diff(t_days))
    start = t_days[i_s] - np.where(i_s > 0, half, 0.0)
    end = t_days[i_e - 1] + np.where(i_e < n, half, 0.0)
    assert np.array_equal(c_s, c_e)
    return c_s, start, end


def match(acc: Accesses, ref, tol_s, short_s):
    """Match reference intervals to fast ones (same cell, overlapping within tol). Returns the start
    and end errors (s) of the matches; fails on any reference interval without exactly one match, or
    on a fast interval longer than ``short_s`` that matches nothing."""
    rc, rs, re_ = ref
    tol = tol_s / DAY_S
    used = np.zeros(len(acc), dtype=bool)
    errs = []
    for c, s, e in zip(rc, rs, re_):
        hit = np.flatnonzero((acc.cell == c) & (acc.start_days <= e + tol) & (acc.end_days >= s - tol))
        assert hit.size == 1, f"cell {c} [{s * DAY_S:.1f}, {e * DAY_S:.1f}] s: {hit.size} matches"
        used[hit] = True
        errs.append(((acc.start_days[hit[0]] - s) * DAY_S, (acc.end_days[hit[0]] - e) * DAY_S))
    extra = acc.duration_days[~used] * DAY_S
    assert np.all(extra < short_s), f"fast intervals not in the reference: {extra}"
    return np.abs(np.array(errs))


# --- instrument geometry ---------------------------------------------------------------------------


def test_footprint_central_angle_matches_data_table():
    # shared/data/README.md: 30 deg off nadir at 400 km -> 2.10 deg; horizon at 400 km -> 19.79 deg
    # (both with R = 6371 km).
    assert np.degrees(footprint_central_angle_rad(30.0, 400.0, 6371.0)) == pytest.approx(2.10, abs=0.005)
    assert np.degrees(footprint_central_angle_rad(89.0, 400.0, 6371.0)) == pytest.approx(19.79, abs=0.005)
    lam = footprint_central_angle_rad(np.array([10.0, 30.0, 80.0]), 400.0)
    assert lam.shape == (3,) and np.all(np.diff(lam) > 0)


def test_swath_round_trip_and_bad_input():
    half = 30.0
    lam = footprint_central_angle_rad(half, 400.0)
    inst = Instrument.from_swath("cam", 2 * lam * coverage.EARTH_MEAN_RADIUS_KM, 400.0)
    assert inst.half_angle_deg == pytest.approx(half, abs=1e-9)
    with pytest.raises(InputError, match="horizon"):
        Instrument.from_swath("cam", 5000.0, 400.0)
    with pytest.raises(InputError, match="half_angle_deg"):
        Instrument("cam", 95.0)


# --- the fast search against its brute-force twin --------------------------------------------------


@pytest.mark.parametrize(
    "inclination_deg, half_angle_deg, lat0",
    [
        (51.6, 30.0, 40.0),  # ISS-like orbit, cells up to and beyond its reach
        (97.0, 30.0, 60.0),  # sun-synchronous over the Arctic
        (51.6, 75.0, 35.0),  # cone wider than the limb (70.2 deg at 400 km): the horizon binds
    ],
)
def test_fast_search_equals_brute_force(inclination_deg, half_angle_deg, lat0):
    cells = patch(lat0, lat0 + 20.0, 1.3, 20.0, 70.0, 3.0)  # ~250-300 cells
    hours = 4.0
    fine = np.arange(0.0, hours * 3600.0 + 1e-9, BRUTE_STEP_S) / DAY_S
    coarse = np.arange(0.0, hours * 3600.0 + 1e-9, coverage.DEFAULT_STEP_S) / DAY_S
    kw = dict(inclination_deg=inclination_deg, raan_deg=40.0)
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine, **kw), cells, half_angle_deg)
    acc = access_intervals(coarse, circular_orbit_ecef_km(coarse, **kw), cells.ecef_km, half_angle_deg)
    assert ref[0].size > 20
    errs = match(acc, ref, BRUTE_MATCH_TOL_S, short_s=BRUTE_STEP_S)
    assert errs.max() <= BRUTE_MATCH_TOL_S
    # Per-cell access counts agree, leaving out fast intervals too short for the twin to sample.
    longer = acc.subset(acc.duration_days * DAY_S >= BRUTE_STEP_S)
    assert np.array_equal(
        np.bincount(longer.cell, minlength=cells.lat_deg.size), np.bincount(ref[0], minlength=cells.lat_deg.size)
    )


def test_start_end_error_is_within_stated_bound():
    # 0.1 s twin over one orbit: measures the fast search's own timing error at the default step.
    # Cells scattered within +-3 deg of the ground track (the footprint reaches 2.1 deg), so that
    # most are crossed, many near the swath edge.
    rng = np.random.default_rng(20280301)
    track = circular_orbit_ecef_km(np.linspace(0.0, 5400.0, 150) / DAY_S)
    lat = np.degrees(np.arcsin(track[:, 2] / np.linalg.norm(track, axis=1))) + rng.uniform(-3, 3, 150)
    lon = np.degrees(np.arctan2(track[:, 1], track[:, 0])) + rng.uniform(-3, 3, 150)
    cells = Cells(lat, lon, geodetic_to_ecef_km(lat, lon), np.ones(150))
    fine = np.arange(0.0, 5400.0 + 1e-9, FINE_STEP_S) / DAY_S
    coarse = np.arange(0.0, 5400.0 + 1e-9, coverage.DEFAULT_STEP_S) / DAY_S
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine), cells, 30.0)
    acc = access_intervals(coarse, circular_orbit_ecef_km(coarse), cells.ecef_km, 30.0)
    errs = match(acc, ref, 2.0, short_s=FINE_STEP_S)
    assert ref[0].size > 60
    assert errs.max() <= ACCESS_TIME_TOL_S + 0.5 * FINE_STEP_S


def test_start_end_error_holds_where_the_cone_edge_nears_the_horizon():
    # A 70 deg cone from 400 km: its edge is seen at ~0.6 deg elevation (the horizon is 70.2 deg off
    # nadir), so the cone and horizon terms cross inside a step near the edge and their minimum has
    # a kink there. Fitting the minimum as one smooth curve put one start here 2.96 s off; each
    # term's own root is within the stated bound.
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(-40, 40, 300), rng.uniform(-30, 30, 300)
    cells = Cells(lat, lon, geodetic_to_ecef_km(lat, lon), np.ones(lat.size))
    fine = np.arange(5400.0, 6000.0 + 1e-9, 0.05) / DAY_S
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine), cells, 70.0)
    coarse = np.arange(5400.0, 6000.0 + 1e-9, coverage.DEFAULT_STEP_S) / DAY_S
    acc = access_intervals(coarse, circular_orbit_ecef_km(coarse), cells.ecef_km, 70.0)
    errs = match(acc, ref, 5.0, short_s=0.05)
    assert ref[0].size > 20
    assert errs.max() <= ACCESS_TIME_TOL_S + 0.5 * 0.05


def test_grazing_pass_between_samples_is_found():
    # A cell just inside the swath edge, so that its access (a few seconds) falls between two 20 s
    # samples that are both out of view: found only by the grazing-pass fit.
    half = 30.0
    t = np.arange(0.0, 600.0 + 1e-9, 20.0) / DAY_S
    sat = circular_orbit_ecef_km(t, inclination_deg=0.0)
    # Equatorial orbit, track along the equator: pick a cell at cross-track central angle just inside
    # the footprint edge, and an along-track phase midway between two samples.
    r_sat = WGS84_A_KM + 400.0
    lam = np.arcsin(r_sat / WGS84_A_KM * np.sin(np.radians(half))) - np.radians(half)
    lat = np.degrees(lam) - 0.003  # ~0.3 km inside the edge: an access of a few seconds
    # longitude of the sub-station point midway between samples 10 and 11
    sub = circular_orbit_ecef_km(np.array([10.5 * 20.0 / DAY_S]), inclination_deg=0.0)[0]
    lon = np.degrees(np.arctan2(sub[1], sub[0]))
    cells = Cells(np.array([lat]), np.array([lon]), geodetic_to_ecef_km(np.array([lat]), np.array([lon])), np.ones(1))
    fine = np.arange(0.0, 600.0 + 1e-9, 0.05) / DAY_S
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine, inclination_deg=0.0), cells, half)
    assert ref[0].size == 1
    assert (ref[2][0] - ref[1][0]) * DAY_S < 20.0
    inview = brute_inview(sat, cells, half)
    assert not inview.any()  # no coarse sample sees it
    acc = access_intervals(t, sat, cells.ecef_km, half)
    assert len(acc) == 1
    assert abs(acc.start_days[0] - ref[1][0]) * DAY_S < 0.5
    assert abs(acc.end_days[0] - ref[2][0]) * DAY_S < 0.5


def graze_cells(half_angle_deg, depths_rad, phases, **orbit):
    """Cells just inside the footprint's edge: for each depth (rad of central angle inside the edge,
    for the cell's own radius and the station's) and phase (fraction of the 20 s step from sample
    10 at which the station passes closest), one cell on either side of the track. Grazes of about
    a second, between two samples that both miss them."""
    eta = np.radians(half_angle_deg)
    lats, lons = [], []
    for depth in depths_rad:
        for phase in phases:
            tm = (10.0 + phase) * 20.0 / DAY_S
            p = circular_orbit_ecef_km(np.array([tm - 1e-6, tm, tm + 1e-6]), **orbit)
            r_s = np.linalg.norm(p[1])
            up = p[1] / r_s
            across = np.cross(up, p[2] - p[0])
            across /= np.linalg.norm(across)
            for side in (-1.0, 1.0):
                gamma = 0.03
                for _ in range(4):  # the cell's radius depends on where it lands: iterate
                    c = up * np.cos(gamma) + side * across * np.sin(gamma)
                    lat = np.degrees(np.arctan(np.tan(np.arcsin(c[2])) / (1 - WGS84_E2)))
                    lon = np.degrees(np.arctan2(c[1], c[0]))
                    r_c = np.linalg.norm(geodetic_to_ecef_km(np.array([lat]), np.array([lon]))[0])
                    gamma = np.arcsin(r_s / r_c * np.sin(eta)) - eta - depth
                lats.append(lat)
                lons.append(lon)
    lat, lon = np.array(lats), np.array(lons)
    return Cells(lat, lon, geodetic_to_ecef_km(lat, lon), np.ones(lat.size))


@pytest.mark.parametrize("half_angle_deg", [30.0, 60.0])
def test_grazes_of_about_a_second_are_all_found(half_angle_deg):
    # The earlier margin, tan^2(half) - tan^2(off_nadir), found 0 of these 12 grazes at 30 deg and 4
    # of 12 at 60 deg (its 3-point fit turned the vertex negative); cos(gamma) - cos(gamma_edge) is
    # quadratic in time to ~4e-5 relative and finds them all, to the twin's resolution.
    orbit = dict(inclination_deg=51.6, raan_deg=30.0)
    cells = graze_cells(half_angle_deg, [2e-6, 5e-6], [0.3, 0.5, 0.7], **orbit)
    fine_step_s = 0.02
    fine = np.arange(0.0, 400.0 + 1e-9, fine_step_s) / DAY_S
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine, **orbit), cells, half_angle_deg)
    durations = (ref[2] - ref[1]) * DAY_S
    assert ref[0].size == cells.lat_deg.size and np.all((durations > 0.3) & (durations < 3.0))
    t = np.arange(0.0, 400.0 + 1e-9, 20.0) / DAY_S
    sat = circular_orbit_ecef_km(t, **orbit)
    assert not brute_inview(sat, cells, half_angle_deg).any()  # no sample sees any of them
    acc = access_intervals(t, sat, cells.ecef_km, half_angle_deg)
    errs = match(acc, ref, 1.0, short_s=fine_step_s)
    assert len(acc) == cells.lat_deg.size
    assert errs.max() <= ACCESS_TIME_TOL_S + 0.5 * fine_step_s


@pytest.mark.parametrize("span_s", [(200.0, 400.0), (0.0, 220.0)], ids=["first-step", "last-step"])
def test_grazes_in_the_span_edge_steps_are_all_found(span_s):
    # Closest approach in the span's first (or last) step: the sample beyond it is missing, so the
    # middle-peak fit cannot see the grazes whose margin falls away from the edge sample. Before the
    # one-sided fit (k, k+1, k+2), 4 of these 12 were found in the first step.
    orbit = dict(inclination_deg=51.6, raan_deg=30.0)
    cells = graze_cells(30.0, [5e-6, 2e-5], [0.2, 0.3, 0.7], **orbit)
    t_lo, t_hi = span_s
    fine_step_s = 0.02
    fine = np.arange(t_lo, t_hi + 1e-9, fine_step_s) / DAY_S
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine, **orbit), cells, 30.0)
    assert ref[0].size == cells.lat_deg.size  # every graze lies inside the span
    t = np.arange(t_lo, t_hi + 1e-9, 20.0) / DAY_S
    sat = circular_orbit_ecef_km(t, **orbit)
    assert not brute_inview(sat, cells, 30.0).any()
    acc = access_intervals(t, sat, cells.ecef_km, 30.0)
    errs = match(acc, ref, 1.0, short_s=fine_step_s)
    assert len(acc) == cells.lat_deg.size
    assert errs.max() <= ACCESS_TIME_TOL_S + 0.5 * fine_step_s


def test_access_in_progress_at_the_span_start():
    # A cell under the station 25 s before the span starts: its access ends ~8 s into the span, inside
    # the first step, which has no sample before it (the fit uses the sample after the bracket).
    sub = circular_orbit_ecef_km(np.array([-25.0 / DAY_S]))[0]
    lat = np.array([np.degrees(np.arcsin(sub[2] / np.linalg.norm(sub)))])
    lon = np.array([np.degrees(np.arctan2(sub[1], sub[0]))])
    cells = Cells(lat, lon, geodetic_to_ecef_km(lat, lon), np.ones(1))
    fine = np.arange(0.0, 120.0 + 1e-9, 0.05) / DAY_S
    ref = brute_accesses(fine, circular_orbit_ecef_km(fine), cells, 30.0)
    coarse = np.arange(0.0, 120.0 + 1e-9, 20.0) / DAY_S
    acc = access_intervals(coarse, circular_orbit_ecef_km(coarse), cells.ecef_km, 30.0)
    assert len(acc) == 1 and acc.start_days[0] == 0.0
    assert 0.0 < ref[2][0] * DAY_S < 20.0
    assert abs(acc.end_days[0] - ref[2][0]) * DAY_S <= ACCESS_TIME_TOL_S


def test_nan_samples_and_gaps_break_intervals():
    cells = patch(40.0, 56.0, 1.5, 20.0, 60.0, 4.0)
    t = np.arange(0.0, 6 * 3600.0 + 1e-9, 20.0) / DAY_S
    sat = circular_orbit_ecef_km(t)
    base = access_intervals(t, sat, cells.ecef_km, 30.0)
    # A sample in the middle of a long access.
    i = int(np.argmax(base.duration_days))
    k = int(np.argmin(np.abs(t - base.mid_days[i])))
    bad = sat.copy()
    bad[k] = np.nan
    acc = access_intervals(t, bad, cells.ecef_km, 30.0)
    inview_at_k = brute_inview(sat[k : k + 1], cells, 30.0)[0]
    # Every cell in view at the failed sample loses it: its access splits in two (or shrinks when the
    # failed sample was its first or last in-view sample); no access spans the failed sample.
    assert not np.any((acc.start_days < t[k]) & (acc.end_days > t[k]))
    assert len(acc) >= len(base)
    assert np.array_equal(
        np.bincount(acc.cell, minlength=len(cells.lat_deg))[~inview_at_k],
        np.bincount(base.cell, minlength=len(cells.lat_deg))[~inview_at_k],
    )
    # A gap in the time grid (steps > 3 x median): removing samples k..k+2 splits too.
    keep = np.ones(t.size, dtype=bool)
    keep[k : k + 3] = False
    acc_gap = access_intervals(t[keep], sat[keep], cells.ecef_km, 30.0)
    assert not np.any((acc_gap.start_days < t[k - 1] + 1e-9) & (acc_gap.end_days > t[k + 3] - 1e-9))
    # All-NaN input: no accesses.
    assert len(access_intervals(t, np.full_like(sat, np.nan), cells.ecef_km, 30.0)) == 0


def test_latitude_limit_of_an_inclined_orbit():
    inc, half, alt = 51.6, 30.0, 400.0
    cells = patch(40.0, 58.0, 0.1, 0.0, 360.0, 20.0)
    lat = cells.lat_deg
    t = np.arange(0.0, DAY_S + 1e-9, 20.0) / DAY_S
    acc = access_intervals(t, circular_orbit_ecef_km(t, alt, inc, raan_deg=17.0), cells.ecef_km, half)
    count = np.bincount(acc.cell, minlength=lat.size)
    # Reach in geocentric latitude: i + the largest footprint central angle for the actual radii.
    r_sat = WGS84_A_KM + alt
    r_cell = np.linalg.norm(cells.ecef_km, axis=1)
    lam = np.degrees(np.arcsin(r_sat / r_cell * np.sin(np.radians(half))) - np.radians(half))
    geocentric = np.degrees(np.arctan2(cells.ecef_km[:, 2], np.hypot(cells.ecef_km[:, 0], cells.ecef_km[:, 1])))
    assert np.all(count[geocentric > inc + lam + 0.01] == 0)
    # Near its turning latitude the track piles up: within a day it passes over every cell of the
    # 3 deg band below the reach (further south a day's 16 tracks leave gaps between them).
    assert np.all(count[(geocentric < inc + lam - 1.0) & (geocentric > inc - 2.5)] > 0)
    # 51.6 + 2.10 geocentric is 53.88 deg geodetic at the surface: the data table's 53.70 deg is the
    # geocentric sum; the boundary found here lies between the two.
    seen = lat[count > 0]
    assert 53.6 < seen.max() < 53.95


def test_progress_callback_reaches_total():
    cells = patch(40.0, 56.0, 2.0, 20.0, 60.0, 5.0)
    t = np.arange(0.0, DAY_S + 1e-9, 20.0) / DAY_S
    calls = []
    access_intervals(t, circular_orbit_ecef_km(t), cells.ecef_km, 30.0, progress=lambda d, n: calls.append((d, n)))
    done = [d for d, _ in calls]
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] > 0
    assert done == sorted(done)


# --- figures of merit on hand-made accesses --------------------------------------------------------


def h(x):
    return np.asarray(x, dtype=float) / 24.0


def test_revisit_of_a_hand_made_cell():
    # cell 0: [1,2], [5,6], [10,11] h -> gaps 3 h and 4 h; cell 1: never; cell 2: one access [20,21] h
    acc = Accesses.from_intervals([0, 2, 0, 0], h([5, 20, 1, 10]), h([6, 21, 2, 11]), 3)
    r = figures_of_merit(acc, np.array([1.0, 1.0, 2.0]), span_days=1.0)
    assert r.access_count.tolist() == [3, 0, 1]
    assert r.first_access_days[0] * 24 == pytest.approx(1.0)
    assert np.isnan(r.first_access_days[1])
    assert r.cell_revisit_mean_h[0] == pytest.approx(3.5)
    assert r.cell_revisit_max_h[0] == pytest.approx(4.0)
    assert np.isnan(r.cell_revisit_mean_h[1]) and np.isnan(r.cell_revisit_mean_h[2])
    # with edges: cell 0 max(1, 4, 24 - 11) = 13 h; never observed = 24 h; cell 2 max(20, 3) = 20 h
    assert r.cell_max_gap_with_edges_h == pytest.approx([13.0, 24.0, 20.0])
    assert r.percent_area_observed == pytest.approx(75.0)
    assert r.revisit_mean_h == pytest.approx(3.5)  # only cell 0 has gaps
    assert r.revisit_max_h == pytest.approx(4.0)
    # union of intervals: [1,2],[5,6],[10,11],[20,21] -> gaps 1, 3, 4, 9 and the end 3: longest 9 h
    assert r.longest_gap_h == pytest.approx(9.0)


def test_time_to_percent_of_area_two_cells():
    acc = Accesses.from_intervals([0, 1], h([2, 5]), h([2.01, 5.01]), 2)
    r = figures_of_merit(acc, np.array([1.0, 3.0]), span_days=1.0)  # 25 % at 2 h, 100 % at 5 h
    assert (r.time_to_50pct_h, r.time_to_90pct_h, r.time_to_99pct_h) == pytest.approx((5.0, 5.0, 5.0))
    r = figures_of_merit(acc, np.array([3.0, 1.0]), span_days=1.0)  # 75 % at 2 h
    assert (r.time_to_50pct_h, r.time_to_90pct_h) == pytest.approx((2.0, 5.0))
    assert r.curve_days * 24 == pytest.approx([2.0, 5.0])
    assert r.curve_percent == pytest.approx([75.0, 100.0])
    one = Accesses.from_intervals([0], h([2]), h([3]), 2)
    s = figures_of_merit(one, np.array([3.0, 1.0]), span_days=1.0).summary()
    assert s["time_to_50pct_h"] == pytest.approx(2.0)
    assert s["time_to_90pct_h"] is None and s["time_to_99pct_h"] is None
    assert s["revisit_mean_h"] is None and s["revisit_max_h"] is None


def test_longest_gap_of_a_region_from_the_union():
    # Overlapping cells' intervals: [1,2] and [1.5,3] merge; [7,8]; span 10 h -> gaps 1, 4, 2.
    acc = Accesses.from_intervals([0, 1, 2], h([1, 1.5, 7]), h([2, 3, 8]), 3)
    assert figures_of_merit(acc, np.ones(3), span_days=h(10)).longest_gap_h == pytest.approx(4.0)
    # The edges count: first access at 6 h.
    acc = Accesses.from_intervals([0, 1], h([6, 8]), h([7, 9]), 2)
    assert figures_of_merit(acc, np.ones(2), span_days=h(10)).longest_gap_h == pytest.approx(6.0)
    nothing = Accesses.from_intervals([], [], [], 2)
    r = figures_of_merit(nothing, np.ones(2), span_days=h(10))
    assert r.longest_gap_h == pytest.approx(10.0) and r.percent_area_observed == 0.0


def test_p95_is_area_weighted_over_all_gaps():
    # cell 0 (area 1): gaps 1 h x 19 ; cell 1 (area 19): one gap of 10 h. Weights: the 19 short gaps
    # hold 19, the long one 19: the 95th percentile is the long gap, the 40th a short one.
    starts = np.arange(20) * 2.0
    acc = Accesses.from_intervals(
        np.r_[np.zeros(20, int), [1, 1]], h(np.r_[starts, 0, 11]), h(np.r_[starts + 1, 1, 12]), 2
    )
    r = figures_of_merit(acc, np.array([1.0, 19.0]), span_days=2.0)
    assert r.revisit_p95_h == pytest.approx(10.0)
    assert coverage._weighted_percentile(np.r_[np.ones(19), 10.0], np.r_[np.ones(19), 19.0], 40.0) == 1.0
    assert r.revisit_mean_h == pytest.approx((1.0 * 1.0 + 19.0 * 10.0) / 20.0)


def test_summary_keys_and_latitude_bands():
    acc = Accesses.from_intervals([0, 0, 1], h([1, 5, 2]), h([2, 6, 3]), 3)
    r = figures_of_merit(acc, np.array([1.0, 2.0, 3.0]), 1.0, lat_deg=np.array([50.0, 52.0, 57.0]))
    assert list(r.summary()) == [
        "percent_area_observed", "time_to_50pct_h", "time_to_90pct_h", "time_to_99pct_h",
        "revisit_mean_h", "revisit_p95_h", "revisit_max_h", "longest_gap_h",
        "accesses_total", "cells", "area_km2",
    ]  # fmt: skip
    b = r.bands
    assert b["lat_lo_deg"].tolist() == [50.0, 55.0]
    assert b["area_km2"].tolist() == [3.0, 3.0]
    assert b["percent_observed"] == pytest.approx([100.0, 0.0])
    assert b["revisit_mean_h"][0] == pytest.approx(3.0) and np.isnan(b["revisit_mean_h"][1])


def test_filter_and_merge():
    acc = Accesses.from_intervals([1, 0, 0, 0], [0.5, 0.0, 0.15, 0.3], [0.6, 0.2, 0.25, 0.4], 2)
    assert acc.cell.tolist() == [0, 0, 1]  # [0, 0.2] and [0.15, 0.25] merged
    assert acc.end_days.tolist() == [0.25, 0.4, 0.6]  # exact: merged ends are taken, not recomputed
    assert len(filter_accesses(acc, np.array([True, False, True]))) == 2
    kept = filter_accesses(acc, lambda mid, cell: mid > 0.3)
    assert kept.start_days.tolist() == [0.3, 0.5]


def test_exactly_touching_intervals_merge_for_any_cell_index():
    # Intervals [a, b] and [b, c] of one cell touch: one access. Cell indices up to 10^5 and times up
    # to 30 days (a month over a fine grid): the merge must not round the ends (it once offset them
    # by cell x span, and about half of such pairs stayed split).
    rng = np.random.default_rng(0)
    n = 2000
    cell = rng.choice(100_000, n, replace=False)
    a = rng.uniform(0.0, 30.0, n)
    b = a + rng.uniform(0.0, 0.01, n)
    c = b + rng.uniform(0.0, 0.01, n)
    acc = Accesses.from_intervals(np.r_[cell, cell], np.r_[b, a], np.r_[c, b], 100_000)
    assert len(acc) == n
    order = np.argsort(cell)
    assert np.array_equal(acc.cell, cell[order])
    assert np.array_equal(acc.start_days, a[order]) and np.array_equal(acc.end_days, c[order])
    # A gap of one ulp keeps them apart.
    apart = Accesses.from_intervals([7, 7], [0.0, np.nextafter(0.5, 1.0)], [0.5, 1.0], 8)
    assert len(apart) == 2


# --- figures of merit against a per-cell loop ------------------------------------------------------


@st.composite
def access_sets(draw):
    n_cells = draw(st.integers(1, 5))
    span = 10.0
    cells, starts, ends = [], [], []
    for c in range(n_cells):
        cuts = sorted(draw(st.lists(st.floats(0.0, span), max_size=8, unique=True)))
        for a, b in zip(cuts[::2], cuts[1::2]):
            if b - a > 1e-6:
                cells.append(c)
                starts.append(a)
                ends.append(b)
    area = np.array(draw(st.lists(st.floats(0.1, 10.0), min_size=n_cells, max_size=n_cells)))
    return Accesses.from_intervals(cells, starts, ends, n_cells), area, span


@settings(max_examples=60, deadline=None, derandomize=True)
@given(access_sets())
def test_figures_of_merit_equal_a_per_cell_loop(case):
    acc, area, span = case
    r = figures_of_merit(acc, area, span)
    all_gaps, weights = [], []
    for c in range(acc.n_cells):
        s = acc.start_days[acc.cell == c]
        e = acc.end_days[acc.cell == c]
        gaps = [(s[j + 1] - e[j]) * 24 for j in range(len(s) - 1)]
        all_gaps += gaps
        weights += [area[c]] * len(gaps)
        if gaps:
            assert r.cell_revisit_mean_h[c] == pytest.approx(sum(gaps) / len(gaps))
            assert r.cell_revisit_max_h[c] == pytest.approx(max(gaps))
        edges = [s[0] * 24, (span - e[-1]) * 24] if len(s) else [span * 24]
        assert r.cell_max_gap_with_edges_h[c] == pytest.approx(max(edges + gaps))
    if all_gaps:
        assert r.revisit_max_h == pytest.approx(max(all_gaps))
    # Longest unobserved stretch by walking a 0.001-day time grid over the span.
    grid = np.linspace(0.0, span, 10001)
    covered = np.zeros(grid.size, dtype=bool)
    for s, e in zip(acc.start_days, acc.end_days):
        covered |= (grid >= s) & (grid <= e)
    run, best = 0, 0
    for cov in covered:
        run = 0 if cov else run + 1
        best = max(best, run)
    assert r.longest_gap_h == pytest.approx(best * span / 10000 * 24, abs=2 * span / 10000 * 24)


# --- with the real orbit, regions and sunlight modules ---------------------------------------------

EPOCH = dt.datetime(2028, 3, 1, tzinfo=dt.timezone.utc)


def clock_time(days):
    from rossim import clock

    return clock.time_at(EPOCH, days)


def test_real_orbit_equals_brute_force():
    from rossim import clock
    from rossim.orbit import Orbit

    orbit = Orbit.from_elements(EPOCH, 400.0, 51.6, raan_deg=120.0)
    cells = patch(40.0, 58.0, 1.5, 0.0, 180.0, 6.0)
    hours = 3.0
    fine = np.arange(0.0, hours * 3600.0 + 1e-9, BRUTE_STEP_S) / DAY_S
    coarse = np.arange(0.0, hours * 3600.0 + 1e-9, coverage.DEFAULT_STEP_S) / DAY_S
    sat_fine = orbit.propagate(clock.time_at(EPOCH, fine)).itrs_km
    sat_coarse = orbit.propagate(clock.time_at(EPOCH, coarse)).itrs_km
    ref = brute_accesses(fine, sat_fine, cells, 30.0)
    acc = access_intervals(coarse, sat_coarse, cells.ecef_km, 30.0)
    assert ref[0].size > 20
    match(acc, ref, BRUTE_MATCH_TOL_S, short_s=BRUTE_STEP_S)


@pytest.fixture(scope="module")
def russia_grid():
    from rossim import regions

    return regions.equal_area_grid(regions.russia(), 50.0)


def test_iss_orbit_cannot_see_four_fifths_of_russia(russia_grid):
    from rossim.orbit import Orbit

    inc, half = 51.6, 30.0
    orbit = Orbit.from_elements(EPOCH, 400.0, inc, raan_deg=0.0)
    r = coverage.analyze(orbit, russia_grid, Instrument("cam", half), EPOCH, 3.0)
    unobserved = 100.0 - r.percent_area_observed
    # shared/data/README.md: 80.8 % of Russia lies north of 53.70 deg (51.6 + 2.10 geocentric). The
    # exact reach is a little further north (geodetic latitude, station ~15 km higher above the
    # flattened Earth there), and the 50 km grid's rows quantize the edge.
    assert 79.0 <= unobserved <= 81.0
    # Reach: the largest central angle for the largest station radius over the cells' radius,
    # converted to geodetic latitude at the surface; no cell beyond it is ever seen.
    track_r = np.linalg.norm(orbit.propagate(clock_time(r.track.days)).itrs_km, axis=1)
    r_cell = np.linalg.norm(russia_grid.ecef_km, axis=1).min()
    lam = np.arcsin(np.nanmax(track_r) / r_cell * np.sin(np.radians(half))) - np.radians(half)
    reach_geocentric = np.radians(inc) + lam
    reach_geodetic = np.degrees(np.arctan(np.tan(reach_geocentric) / (1 - WGS84_E2)))
    never = np.isnan(r.first_access_days)
    assert russia_grid.lat_deg[~never].max() <= reach_geodetic
    assert 53.8 < reach_geodetic < 54.1
    assert r.track is not None and r.track.days.size == r.track.lat_deg.size
    assert np.nanmax(r.track.lat_deg) == pytest.approx(51.8, abs=0.1)


def test_sun_synchronous_orbit_sees_russia_within_three_days(russia_grid):
    from rossim.orbit import Orbit

    orbit = Orbit.from_elements(EPOCH, 400.0, sun_synchronous=True, ltan_h=10.5)
    r = coverage.analyze(orbit, russia_grid, Instrument("cam", 30.0), EPOCH, 3.0)
    assert r.percent_area_observed > 95.0
    assert r.time_to_90pct_h is not None and r.time_to_90pct_h < 72.0
    assert r.bands is not None and r.bands["area_km2"].sum() == pytest.approx(russia_grid.area_km2.sum())


def test_lighting_constraints(russia_grid):
    from rossim import clock, sunlight
    from rossim.orbit import Orbit

    orbit = Orbit.from_elements(EPOCH, 400.0, sun_synchronous=True, ltan_h=10.5)
    every = coverage.analyze(orbit, russia_grid, Instrument("cam", 30.0), EPOCH, 1.0)
    lit = coverage.analyze(orbit, russia_grid, Instrument("cam", 30.0, station_sunlit=True), EPOCH, 1.0)
    dark = coverage.analyze(orbit, russia_grid, Instrument("cam", 30.0, station_sunlit=False), EPOCH, 1.0)
    assert len(lit.accesses) + len(dark.accesses) == len(every.accesses)
    assert 0 < len(lit.accesses) < len(every.accesses)
    day = coverage.analyze(orbit, russia_grid, Instrument("cam", 30.0, min_sun_elevation_deg=10.0), EPOCH, 1.0)
    acc = day.accesses
    assert 0 < len(acc) < len(every.accesses)
    elev = sunlight.sun_elevation_deg(
        clock.time_at(EPOCH, acc.mid_days), russia_grid.lat_deg[acc.cell], russia_grid.lon_deg[acc.cell]
    )
    assert np.all(elev >= 10.0)


def test_northern_sea_route_longest_gap():
    from rossim import regions
    from rossim.orbit import Orbit

    corridor = regions.equal_area_grid(regions.nsr_corridor(100.0), 50.0)
    inst = Instrument("cam", 30.0)
    iss = coverage.analyze(Orbit.from_elements(EPOCH, 400.0, 51.6, raan_deg=0.0), corridor, inst, EPOCH, 2.0)
    # The whole route lies north of 66 deg: never seen from 51.6 deg, the gap is the whole span.
    assert iss.percent_area_observed == 0.0 and iss.longest_gap_h == pytest.approx(48.0)
    assert iss.summary()["revisit_mean_h"] is None
    sso = coverage.analyze(
        Orbit.from_elements(EPOCH, 400.0, sun_synchronous=True, ltan_h=10.5), corridor, inst, EPOCH, 2.0
    )
    # A polar orbit crosses the route's latitudes on every revolution and the route spans ~110 deg of
    # longitude: some part of it is seen every few revolutions (measured 6.3 h over 3 days).
    assert sso.percent_area_observed > 90.0
    assert sso.longest_gap_h < 12.0
    assert sso.longest_gap_h <= np.nanmin(sso.cell_max_gap_with_edges_h) + 1e-9
