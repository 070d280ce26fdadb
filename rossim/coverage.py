"""Coverage of ground cells by a station's instrument: access intervals and figures of merit.

What it computes, in the terms of STK's coverage module and NASA TAT-C:

* an :class:`Instrument` (a nadir cone of half-angle ``half_angle_deg``, optional lighting constraints);
* :func:`access_intervals`: for every cell, the time intervals during which it lies inside the cone
  and above the station's horizon (an :class:`Accesses` of flat arrays);
* :func:`filter_accesses`: drop accesses that fail a constraint evaluated at each access's mid-time;
* :func:`figures_of_merit`: percent of area observed and its curve over time, time to 50/90/99 %,
  accesses per cell, revisit time per cell and over the region, the region's longest unobserved
  gap, per-latitude-band summaries (a :class:`CoverageResult`);
* :func:`analyze`: all of the above for an ``Orbit``, a ``Grid`` and an ``Instrument`` over a span.

Geometry. A cell (a point on the WGS84 surface, Earth-fixed km) is *in view* of the station at a time
when both margins are >= 0:

* cone margin  ``half_angle - off_nadir``, where ``off_nadir`` is the angle at the station between the
  station->cell vector and the station->Earth-centre direction (geocentric nadir);
* horizon margin ``elevation``: the station's elevation seen from the cell above the cell's WGS84
  tangent plane (ellipsoid normal), i.e. the line of sight does not pass below the ground.

The search interpolates a smooth stand-in for these margins with the same zero crossings,
``min(cos(gamma) - cos(gamma_edge), sin(elevation))`` (see :func:`_margin`): ``gamma`` the Earth
central angle from the station to the cell, ``gamma_edge`` that of the cone's edge for the pair's
radii. Along a pass it is quadratic in time to ~4e-5 relative at 20 s steps; the angle itself has a
kink at nadir, and ``tan^2(off_nadir)`` curves enough to lose grazes of a second or two.

Method (cost grows with passes x cells in the swath, not samples x cells):

1. A :class:`rossim.capsearch.CapIndex` holds the cells' geocentric unit vectors by latitude band
   and longitude. For each valid coarse sample (default 20 s) it returns the cells within the search
   radius of the sub-station unit vector (in each band a contiguous range of longitudes, then the
   chord test a KD-tree's ``query_ball_point`` makes: the same cells): the largest footprint central
   angle for this orbit's radii and the grid's radii (see
   :func:`_search_radius_rad`) plus half the ground-relative angle the sub-station point moves in one
   step. A cell in view at any instant is within the footprint of the instant's sub-station point, so it
   is a candidate at the nearer bracketing sample.
2. For each candidate pair (sample k, cell c) the margin is evaluated at k-1, k and k+1 (margins
   at neighbouring samples are computed directly, so no sort of the candidates is needed and chunks of
   samples are independent).
3. An access *starts* at an in-view candidate whose previous sample is out of view, and *ends* at one
   whose next sample is out of view. The crossing time is the root, inside the bracketing step, of the
   quadratic through the bracket and the sample on its other side (or the one beyond the bracket
   when that is missing, e.g. at the span's start; linear when both are). Where the horizon term
   is active (a cone within a few degrees of the horizon's angle off nadir) the two terms are fitted
   apart and the crossing is the later (start) or earlier (end) of the roots of the terms out of view
   at the bracket's outer sample: their minimum has a kink where they cross, and fitting it whole
   put a start 2.96 s off for a 70 deg cone from 400 km (0.025 s apart; test). Measured against a
   0.05 s brute force (``bench/coverage.py``): see ``ACCESS_TIME_TOL_S``. Grazes (step 4) still fit
   the minimum: grazes of 2-10 s at the edge of 69-70.1 deg cones, where the horizon binds on one
   side of the track, were all found, worst 0.033 s (18 per angle, the tests' ``graze_cells``, 0.02 s
   twin); one in which the two terms cross is not bounded by ``ACCESS_TIME_TOL_S``.
4. Grazing passes, where the footprint edge sweeps over a cell between two samples that are both out of
   view: at each candidate whose margin is a local maximum over (k-1, k, k+1) but negative, the
   quadratic through the three margins is checked; if its vertex is positive the two roots are an
   access. Beside a break (the span's first or last step, a data gap) the sample on the far side is
   missing: where the margin falls away from the break's sample, the quadratic through k, k+1, k+2
   (or k-2, k-1, k) is checked, its roots kept inside the step next to the break (12 of 12 grazes
   of 1-2 s with the closest approach in the first or last step, tests). Every one of 420 passes over cells 1e-6 to 3e-3 rad inside the edge of 10, 30, 50 and
   65 deg cones (grazes from 0.3 s up; closest approach anywhere between two 20 s samples) is found
   against a 0.02 s brute force; the earlier ``tan^2`` margin missed up to a third of them (142 at
   10 deg, all under 2 s; tests: graze cases).
   Over 6 h of Russia's 100 km grid (bench/coverage.py, 1 s brute force): 0 of 576 accesses missed.
5. NaN samples (sgp4 errors) are never in view and break intervals; a step longer than
   ``GAP_FACTOR`` x the median step also breaks intervals (no interpolation across it). An access
   touching a break starts/ends at the last in-view sample.

Times inside are float days since the analysis epoch (``rossim.clock``); figures of merit are reported
in hours. The footprint helper :func:`footprint_central_angle_rad` uses a spherical Earth of mean radius
``EARTH_MEAN_RADIUS_KM``; the access search itself uses the exact cell and station radii.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np

from rossim.capsearch import CapIndex
from rossim.errors import InputError

__all__ = [
    "EARTH_MEAN_RADIUS_KM",
    "DEFAULT_STEP_S",
    "GAP_FACTOR",
    "ACCESS_TIME_TOL_S",
    "Instrument",
    "footprint_central_angle_rad",
    "Accesses",
    "access_intervals",
    "filter_accesses",
    "GroundTrack",
    "CoverageResult",
    "figures_of_merit",
    "analyze",
]

#: Mean Earth radius (IUGG arithmetic mean R1 = (2a + b)/3 of WGS84), km, for the spherical-Earth
#: footprint and swath conversions.
EARTH_MEAN_RADIUS_KM = 6371.0088
#: WGS84 semi-major axis and flattening (for the ellipsoid normal at each cell).
_WGS84_A_KM = 6378.137
_WGS84_F = 1.0 / 298.257223563
_WGS84_B_KM = _WGS84_A_KM * (1.0 - _WGS84_F)
#: Largest angle between the WGS84 ellipsoid normal and the geocentric radius (0.1924 deg at 45 deg
#: latitude), rounded up; the horizon test uses the ellipsoid normal, so the visible cap can reach
#: this much further than a spherical horizon.
_MAX_NORMAL_TILT_RAD = np.radians(0.2)
#: Extra search radius for floating-point safety (0.01 deg ~ 1 km at the surface).
_SEARCH_PAD_RAD = np.radians(0.01)

#: Default coarse step of the access search, seconds. At 20 s the start/end error is a few
#: hundredths of a second and grazes of a fraction of a second are caught (see module docstring and
#: bench/coverage.py).
DEFAULT_STEP_S = 20.0
#: A step longer than this many times the median step is a data gap: it splits intervals.
GAP_FACTOR = 3.0
#: Bound on the error of access start/end times at the default step for a station in low Earth
#: orbit (quadratic root of the margin). Measured against a 0.05 s brute force (bench/coverage.py,
#: 242 accesses of 300 cells along one orbit, sgp4 at 400 km): worst 0.025 s at every step from 10 to
#: 30 s, the twin's own resolution; against a 0.01 s twin on the synthetic orbit of the tests, 0.005
#: s (the earlier tan^2 margin: 0.11 s at 20 s, 0.50 s at 30 s). The bound is 0.1 s, 4x the worst
#: measured at 20 s, tight enough that a change of method that costs accuracy (a linear fit errs by
#: up to 1.2 s, the tan^2 margin by 0.11 s) fails the tests. It holds as well where the cone's edge
#: nears the horizon (66-75 deg from 400 km: worst 0.044 s; a 70 deg start was 2.96 s off when the
#: two terms' minimum was fitted whole), but not for a graze in which the two terms cross (step 4).
ACCESS_TIME_TOL_S = 0.1

_SECONDS_PER_DAY = 86400.0
_HOURS_PER_DAY = 24.0
#: Target number of (sample, cell) candidate pairs per chunk (memory bound: ~300 bytes per pair).
_PAIRS_PER_CHUNK = 2_000_000
#: Samples per block of the cell search (bounds the memory of its (sample, band) ranges).
_SAMPLES_PER_BLOCK = 4096
#: Latitude bands of the cell search per search radius: a band's longitude range is its widest
#: latitude's, so wider bands test more candidates, narrower ones search more ranges. The access
#: search's CPU time with 2 / 4 / 8 (7 days at 50 km unless said; cKDTree's before): 5 deg cone
#: 0.024-0.029 / 0.031-0.037 / 0.040-0.053 s (0.036), 30 deg 0.067-0.077 / 0.077-0.094 /
#: 0.083-0.093 (0.126), 60 deg 0.48-0.58 / 0.44-0.46 / 0.40-0.45 (0.71), 30 deg over 1 day of
#: 217,000 cells of 10 km 0.26-0.29 / 0.23-0.24 / 0.23-0.25 (0.31).
_BANDS_PER_RADIUS = 4
#: Narrowest band (rad): a tiny search radius does not make millions of bands.
_BAND_MIN_RAD = 1e-5


# ---------------------------------------------------------------------------------------------
# Instrument and footprint geometry
# ---------------------------------------------------------------------------------------------


def footprint_central_angle_rad(half_angle_deg, altitude_km, radius_km: float = EARTH_MEAN_RADIUS_KM):
    """Earth central angle (rad) from the sub-satellite point to the edge of a nadir cone.

    Spherical Earth of radius ``radius_km`` (default the mean radius ``EARTH_MEAN_RADIUS_KM``). With
    ``rho = R / (R + h)``, the elevation at the footprint edge is ``eps = arccos(sin(eta) / rho)`` and
    the central angle is ``lambda = pi/2 - eta - eps``. A cone wider than the Earth's limb
    (``sin(eta) >= rho``) is clipped to the horizon, ``lambda = arccos(rho)``.

    ``half_angle_deg`` and ``altitude_km`` broadcast (scalars or arrays). Example: 30 deg at 400 km
    gives 0.0366 rad (2.10 deg).
    """
    eta = np.radians(np.asarray(half_angle_deg, dtype=float))
    rho = radius_km / (radius_km + np.asarray(altitude_km, dtype=float))
    beyond = np.sin(eta) >= rho  # the cone's edge misses the Earth: the horizon bounds the footprint
    cos_eps = np.clip(np.sin(eta) / rho, -1.0, 1.0)
    lam = np.where(beyond, np.arccos(rho), 0.5 * np.pi - eta - np.arccos(cos_eps))
    return lam if lam.ndim else float(lam)


def _half_angle_from_central_angle_rad(lam_rad, altitude_km, radius_km=EARTH_MEAN_RADIUS_KM):
    """Off-nadir angle (rad) of a ground point at central angle ``lam_rad`` (spherical Earth)."""
    r_sat = radius_km + altitude_km
    return np.arctan2(radius_km * np.sin(lam_rad), r_sat - radius_km * np.cos(lam_rad))


@dataclasses.dataclass(frozen=True)
class Instrument:
    """A nadir-pointing instrument: a cone of off-nadir half-angle ``half_angle_deg``.

    Constraints (``None`` = don't care):

    * ``min_sun_elevation_deg``: the Sun's elevation at the observed cell must be at least this
      (optical work in daylight, e.g. 10 deg);
    * ``station_sunlit``: True requires the station in sunlight, False in the Earth's shadow.

    Both are evaluated once per access, at its mid-time (see :func:`filter_accesses`).
    """

    name: str
    half_angle_deg: float
    min_sun_elevation_deg: float | None = None
    station_sunlit: bool | None = None

    def __post_init__(self):
        if not (0.0 < float(self.half_angle_deg) < 90.0):
            raise InputError(
                f"half_angle_deg must be in (0, 90) degrees off nadir, got {self.half_angle_deg}",
                field=f"instrument.{self.name}.half_angle_deg",
            )
        if self.min_sun_elevation_deg is not None and not (-90.0 <= self.min_sun_elevation_deg <= 90.0):
            raise InputError(
                f"min_sun_elevation_deg must be in [-90, 90], got {self.min_sun_elevation_deg}",
                field=f"instrument.{self.name}.min_sun_elevation_deg",
            )

    @classmethod
    def from_swath(cls, name: str, swath_km: float, altitude_km: float, **constraints) -> "Instrument":
        """The instrument whose ground swath (full width, across track, km) is ``swath_km`` at
        ``altitude_km``.

        Spherical Earth of mean radius ``EARTH_MEAN_RADIUS_KM``: the swath edge is at central angle
        ``lambda = swath / (2 R)`` and the off-nadir half-angle is
        ``eta = atan2(R sin(lambda), R + h - R cos(lambda))``. A swath reaching beyond the horizon is an
        :class:`~rossim.errors.InputError`.
        """
        if not swath_km > 0 or not altitude_km > 0:
            raise InputError(
                f"swath_km and altitude_km must be > 0, got {swath_km} and {altitude_km}",
                field=f"instrument.{name}.swath_km",
            )
        lam = 0.5 * swath_km / EARTH_MEAN_RADIUS_KM
        lam_horizon = np.arccos(EARTH_MEAN_RADIUS_KM / (EARTH_MEAN_RADIUS_KM + altitude_km))
        if lam >= lam_horizon:
            limit = 2.0 * lam_horizon * EARTH_MEAN_RADIUS_KM
            raise InputError(
                f"swath {swath_km} km reaches beyond the horizon at {altitude_km} km "
                f"(at most {limit:.0f} km)",
                field=f"instrument.{name}.swath_km",
            )
        eta = _half_angle_from_central_angle_rad(lam, altitude_km)
        return cls(name, float(np.degrees(eta)), **constraints)

    def footprint_central_angle_rad(self, altitude_km) -> float:
        """Footprint central angle (rad) at ``altitude_km``; see :func:`footprint_central_angle_rad`."""
        return footprint_central_angle_rad(self.half_angle_deg, altitude_km)


# ---------------------------------------------------------------------------------------------
# Accesses
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Accesses:
    """Access intervals of ``n_cells`` cells, as flat arrays sorted by (cell, start).

    ``cell`` (K,) int cell index, ``start_days`` / ``end_days`` (K,) float days since the epoch.
    Intervals of one cell never overlap nor touch (touching or overlapping ones are merged).
    """

    cell: np.ndarray
    start_days: np.ndarray
    end_days: np.ndarray
    n_cells: int

    def __len__(self) -> int:
        return int(self.cell.size)

    @property
    def duration_days(self) -> np.ndarray:
        """(K,) duration of each access, days."""
        return self.end_days - self.start_days

    @property
    def mid_days(self) -> np.ndarray:
        """(K,) mid-time of each access, days."""
        return 0.5 * (self.start_days + self.end_days)

    def subset(self, mask: np.ndarray) -> "Accesses":
        """The accesses where ``mask`` (K,) bool is True (order kept)."""
        mask = np.asarray(mask, dtype=bool)
        return Accesses(self.cell[mask], self.start_days[mask], self.end_days[mask], self.n_cells)

    @classmethod
    def from_intervals(cls, cell, start_days, end_days, n_cells: int) -> "Accesses":
        """Accesses from unsorted, possibly overlapping intervals: sorted by (cell, start) and merged."""
        cell = np.asarray(cell, dtype=np.intp).ravel()
        start = np.asarray(start_days, dtype=float).ravel()
        end = np.asarray(end_days, dtype=float).ravel()
        return cls(*_sort_and_merge(cell, start, end), int(n_cells))


def _sort_and_merge(cell, start, end):
    """Sort intervals by (cell, start) and merge those of one cell that overlap or touch.

    The running maximum of the end within each cell is taken exactly: on integer keys ``cell x U +
    rank of the end among the U distinct ends``, whose one global ``maximum.accumulate`` restarts
    at each cell (its keys are larger than any earlier cell's), so an interval starting exactly
    where the previous one ends is merged. (Offsetting the float ends by ``cell x width`` instead
    rounds them by up to an ulp of ``cell x width``: about half of exactly touching pairs stayed
    split.)
    """
    if cell.size == 0:
        return cell.astype(np.intp), start.astype(float), end.astype(float)
    order = np.lexsort((start, cell))
    cell, start, end = cell[order], start[order], end[order]
    ends, rank = np.unique(end, return_inverse=True)
    base = cell.astype(np.int64) * ends.size
    running_end = ends[np.maximum.accumulate(base + rank.ravel()) - base]
    new = np.ones(cell.size, dtype=bool)
    new[1:] = (cell[1:] != cell[:-1]) | (start[1:] > running_end[:-1])
    first = np.flatnonzero(new)
    return cell[first], start[first], np.maximum.reduceat(end, first)


def _unit(v):
    """Unit vectors and norms of (..., 3) vectors."""
    n = np.sqrt(np.einsum("...i,...i->...", v, v))
    return v / n[..., None], n


def _ellipsoid_normal(cell_ecef_km):
    """(M,3) outward WGS84 ellipsoid normals at surface points (km)."""
    g = cell_ecef_km / np.array([_WGS84_A_KM**2, _WGS84_A_KM**2, _WGS84_B_KM**2])
    return _unit(g)[0]


def _margin(sx, sy, sz, s2, cx, cy, cz, c2, sin_half, cos_half, horizon=None, terms=False):
    """Access margin of (sample, cell) pairs, dimensionless; >= 0 means in view.

    ``cos(gamma) - cos(gamma_edge)``: ``gamma`` the Earth central angle between the station and the
    cell, ``gamma_edge`` the central angle of the cone's edge for this pair's radii (the plane
    triangle Earth centre, station, cell: ``sin(eta + gamma_edge) = (|s| / |c|) sin(eta)``, so
    ``cos(gamma_edge) = sqrt(1 - x^2) cos(eta) + x sin(eta)`` with ``x = (|s| / |c|) sin(eta)``);
    the off-nadir angle grows with ``gamma`` up to the horizon, so the sign is that of
    ``eta - off_nadir``. Where ``x >= 1`` the cone's edge misses the Earth and only the horizon
    bounds the view (cone term +1). When ``horizon = (nx, ny, nz, cn)`` is given, the minimum of
    that and ``sin(elevation)``. Station (``s*``, ``s2 = |s|^2``) and cell (``c*``, ``c2 = |c|^2``)
    Earth-fixed km; ``n*`` the cell's ellipsoid normal and ``cn = c . n``. All (P,); NaN where the
    station is NaN. ``terms`` (with ``horizon``): the two terms (cone, ``sin(elevation)``) apart.

    Why this form: along a pass the station's ground point runs nearly on a great circle, where
    ``cos(gamma) = cos(gamma_0) cos(omega t)`` (spherical right triangle): quadratic in time up to a
    relative ``(omega h)^2 / 12`` (~4e-5 at 20 s steps), and ``gamma_edge`` changes only with the
    radii, over an orbit. So 3-point fits find the crossings, and the vertex of a graze, almost
    exactly. The earlier ``tan^2(half) - tan^2(off_nadir)`` has a curvature in ``gamma`` of relative
    order ``R gamma^2 / h`` (~2 % at the edge of a 30 deg cone from 400 km), enough to turn the fitted
    vertex of a graze of up to a few seconds negative (tests/test_coverage.py: graze cases).
    ``sin(elevation)`` is the station's height above the cell's tangent plane over a slowly varying
    distance. Plain element-wise arithmetic, so a pair's margin is bit-identical whichever batch it is
    computed in.
    """
    cs = sx * cx + sy * cy + sz * cz
    rr = np.sqrt(s2 * c2)
    x = np.sqrt(s2 / c2) * sin_half
    with np.errstate(invalid="ignore"):
        cos_edge = np.sqrt(1.0 - x * x) * cos_half + x * sin_half
    m = np.where(x < 1.0, cs / rr - cos_edge, 1.0)
    if horizon is not None:
        nx, ny, nz, cn = horizon
        dist2 = c2 + s2 - 2.0 * cs
        sin_el = (sx * nx + sy * ny + sz * nz - cn) / np.sqrt(dist2)
        if terms:
            return np.where(np.isnan(cs), np.nan, m), sin_el
        m = np.minimum(m, sin_el)
    return np.where(np.isnan(cs), np.nan, m)


def _horizon_can_bind(half_rad, ratio):
    """Whether a point inside the cone can be below the horizon, for station/cell radius ratios up to
    ``ratio``: the footprint edge's elevation over a sphere through the cell is
    ``arccos(ratio sin(half))``; the ellipsoid normal tilts the horizon by at most
    ``_MAX_NORMAL_TILT_RAD``; a margin of one more tilt keeps the test safe."""
    return np.arccos(min(1.0, ratio * np.sin(half_rad))) <= 2.0 * _MAX_NORMAL_TILT_RAD


def _search_radius_rad(half_rad, ratio, step_angle_max):
    """Central angle (rad) around a sample's sub-station point that holds every cell that can be in
    view at any time within half a step of that sample.

    Exact plane geometry of the triangle (Earth centre, station, cell): a cell at central angle gamma
    is seen at off-nadir angle eta with ``sin(eta + gamma) = (r_sat / r_cell) sin(eta)``; gamma grows
    with ``r_sat / r_cell``, so ``ratio`` = largest station radius / smallest cell radius bounds it. The
    horizon bound ``arccos(r_cell / r_sat)`` is widened by the largest ellipsoid-normal tilt. Half the
    largest ground-relative step angle covers the motion to the nearer sample.
    """
    s = ratio * np.sin(half_rad)
    gamma_cone = np.arcsin(s) - half_rad if s < 1.0 else np.inf  # s >= 1: the cone's edge misses the Earth
    gamma_horizon = np.arccos(min(1.0 / ratio, 1.0)) + _MAX_NORMAL_TILT_RAD
    return min(gamma_cone, gamma_horizon) + 0.5 * step_angle_max + _SEARCH_PAD_RAD


def _bracket_root(a, b, ma, mb, c, mc):
    """Zero crossing of the margin inside the step [a, b], from three samples.

    Bracket (a, ma), (b, mb) with opposite signs and a third sample (c, mc) outside it, either side
    (arrays (P,)). The root in [a, b] of the quadratic through the three points; where the third
    point is NaN or the quadratic has no root in the bracket, of the line through the bracket's ends.
    """
    h = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        x_lin = h * ma / (ma - mb)
        # p(x) = ma + s x + A x (x - h), x = t - a; s, A: first and second divided differences.
        s = (mb - ma) / h
        curv = ((mc - mb) / (c - b) - s) / (c - a)
        qb = s - curv * h
        disc = np.maximum(qb * qb - 4.0 * curv * ma, 0.0)
        q = -0.5 * (qb + np.copysign(np.sqrt(disc), qb))
        r1 = q / curv
        r2 = ma / q
        tol = 1e-9 * h
        in1 = (r1 >= -tol) & (r1 <= h + tol)
        in2 = (r2 >= -tol) & (r2 <= h + tol)
        x = np.where(in2, r2, np.where(in1, r1, x_lin))
    x = np.where(np.isfinite(x), x, x_lin)
    return a + np.clip(x, 0.0, h)


def _graze_roots(t0, t1, t2, m0, m1, m2, lo_bound, hi_bound):
    """Grazing accesses: where the quadratic through three samples (t0 < t1 < t2) of a negative
    margin is concave and rises above zero between ``lo_bound`` and ``hi_bound``, its two roots
    (start, end) clipped to those bounds; NaN elsewhere. Arrays (P,).

    A peak at the middle sample (bounds t0, t2), or, beside a break, a margin falling from the
    first sample (bounds t0, t1; roots before t0 lie outside the span and are dropped)."""
    h0 = t1 - t0
    h1 = t2 - t1
    with np.errstate(divide="ignore", invalid="ignore"):
        curv = ((m2 - m1) / h1 - (m1 - m0) / h0) / (h0 + h1)
        slope = (m2 - m1) / h1 - curv * h1  # derivative at t1
        disc = slope * slope - 4.0 * curv * m1  # > 0 iff the vertex is above zero (curv < 0)
        ok = (curv < 0) & (disc > 0)
        sq = np.sqrt(np.where(ok, disc, np.nan))
        xa = (-slope + sq) / (2.0 * curv)
        xb = (-slope - sq) / (2.0 * curv)
        lo = t1 + np.minimum(xa, xb)
        hi = t1 + np.maximum(xa, xb)
        ok &= (hi > lo_bound) & (lo < hi_bound)
    lo = np.clip(lo, lo_bound, hi_bound)
    hi = np.clip(hi, lo_bound, hi_bound)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def access_intervals(
    t_days,
    sat_ecef_km,
    cell_ecef_km,
    half_angle_deg: float,
    *,
    progress: Callable[[int, int], Any] | None = None,
) -> Accesses:
    """Access intervals of every cell seen by a nadir cone of half-angle ``half_angle_deg``.

    ``t_days`` (N,) increasing float days; ``sat_ecef_km`` (N,3) station positions, Earth-fixed km
    (NaN rows: failed samples, never in view, they break intervals); ``cell_ecef_km`` (M,3) cell
    centres on the WGS84 surface, Earth-fixed km. Samples should be 10-30 s apart (default 20 s) for a
    low orbit; see the module docstring for the method and its accuracy. ``progress(done, total)`` is
    called after each block of samples (``total`` = valid samples).

    Returns an :class:`Accesses` with ``n_cells = M``, sorted by (cell, start), start/end inside
    ``[t_days[0], t_days[-1]]``.
    """
    t = np.asarray(t_days, dtype=float).ravel()
    sat = np.asarray(sat_ecef_km, dtype=float).reshape(-1, 3)
    cells = np.asarray(cell_ecef_km, dtype=float).reshape(-1, 3)
    n, m = t.size, cells.shape[0]
    empty = Accesses(np.zeros(0, np.intp), np.zeros(0), np.zeros(0), m)
    valid = np.isfinite(sat).all(axis=1)
    if n == 0 or m == 0 or not valid.any():
        if progress is not None:
            progress(0, 0)
        return empty
    half = np.radians(float(half_angle_deg))

    u_sat, r_sat = _unit(np.where(valid[:, None], sat, np.nan))
    u_cell, r_cell = _unit(cells)
    ratio = float(np.nanmax(r_sat)) / float(r_cell.min())
    geo = _PairGeometry(sat, cells, _ellipsoid_normal(cells), half, _horizon_can_bind(half, ratio))

    # linked[k]: samples k and k+1 are both valid and at most GAP_FACTOR median steps apart.
    linked = np.zeros(n, dtype=bool)
    step_angle_max = 0.0
    if n > 1:
        linked[:-1] = valid[:-1] & valid[1:] & (np.diff(t) <= GAP_FACTOR * np.median(np.diff(t)))
        kl = np.flatnonzero(linked)
        if kl.size:
            cosang = np.einsum("ij,ij->i", u_sat[kl], u_sat[kl + 1])
            step_angle_max = float(np.arccos(np.clip(cosang, -1.0, 1.0)).max())

    radius = _search_radius_rad(half, ratio, step_angle_max)
    chord = 2.0 * np.sin(0.5 * min(radius, np.pi))
    index = CapIndex(u_cell, band_rad=max(min(radius, np.pi) / _BANDS_PER_RADIUS, _BAND_MIN_RAD))

    # Blocks of samples; in each, batches of about _PAIRS_PER_CHUNK candidate pairs.
    starts, ends, grazes = [], [], []
    idx_valid = np.flatnonzero(valid)
    total = int(idx_valid.size)
    if progress is not None:
        progress(0, total)
    for lo in range(0, total, _SAMPLES_PER_BLOCK):
        ks = idx_valid[lo : lo + _SAMPLES_PER_BLOCK]
        for rows, c in index.pairs(u_sat[ks], chord, max_candidates=_PAIRS_PER_CHUNK):
            if c.size:
                s, e, g = _events_of_pairs(ks[rows], c, t, geo, linked)
                starts.append(s)
                ends.append(e)
                grazes.append(g)
        if progress is not None:
            progress(min(lo + _SAMPLES_PER_BLOCK, total), total)
    if not starts:
        return empty

    s_cell, s_k, s_t = (np.concatenate(x) for x in zip(*starts))
    e_cell, e_k, e_t = (np.concatenate(x) for x in zip(*ends))
    g_cell, g_lo, g_hi = (np.concatenate(x) for x in zip(*grazes))
    # Match each start with the first end of the same cell at or after its sample.
    e_key = e_cell.astype(np.int64) * (n + 1) + e_k
    order = np.argsort(e_key, kind="stable")
    e_key, e_cell, e_t = e_key[order], e_cell[order], e_t[order]
    s_key = s_cell.astype(np.int64) * (n + 1) + s_k
    j = np.searchsorted(e_key, s_key, side="left")
    j_ok = j < e_key.size
    j_c = np.minimum(j, max(e_key.size - 1, 0))
    matched = j_ok & (e_cell[j_c] == s_cell) if e_key.size else np.zeros(s_key.size, dtype=bool)
    end_t = np.where(matched, e_t[j_c] if e_key.size else s_t, s_t)
    cell = np.concatenate([s_cell, g_cell])
    start = np.concatenate([s_t, g_lo])
    end = np.concatenate([np.maximum(end_t, s_t), g_hi])
    return Accesses(*_sort_and_merge(cell, start, end), m)


class _PairGeometry:
    """Station and cell coordinates as contiguous columns, for margins of (sample, cell) pairs.

    ``horizon``: whether the horizon term is needed (it is not when every point inside the cone is
    well above the horizon, e.g. 30 deg at 400 km: the footprint edge is seen at 58 deg elevation).
    """

    def __init__(self, sat, cells, normal, half_rad, horizon: bool):
        self.s = tuple(np.ascontiguousarray(sat[:, i]) for i in range(3))
        self.s2 = np.einsum("ij,ij->i", sat, sat)
        self.c = tuple(np.ascontiguousarray(cells[:, i]) for i in range(3))
        self.c2 = np.einsum("ij,ij->i", cells, cells)
        self.nrm = tuple(np.ascontiguousarray(normal[:, i]) for i in range(3)) if horizon else None
        self.cn = np.einsum("ij,ij->i", cells, normal) if horizon else None
        self.sin_half = float(np.sin(half_rad))
        self.cos_half = float(np.cos(half_rad))

    def gather_cells(self, c):
        """Per-pair cell quantities for cell indices ``c`` (P,)."""
        cols = (self.c[0][c], self.c[1][c], self.c[2][c], self.c2[c])
        hor = None if self.nrm is None else (self.nrm[0][c], self.nrm[1][c], self.nrm[2][c], self.cn[c])
        return cols, hor

    def margin(self, k, cells, terms=False):
        """(P,) margins of pairs (sample ``k``, cells from :meth:`gather_cells`); ``terms``: the cone
        and horizon terms apart (only with the horizon term)."""
        (cx, cy, cz, c2), hor = cells
        sx, sy, sz = (a[k] for a in self.s)
        return _margin(sx, sy, sz, self.s2[k], cx, cy, cz, c2, self.sin_half, self.cos_half, hor, terms)


def _two_term_roots(rows, k_out, k_in, k_third, ok_third, t, geo, cg, root, start):
    """Crossing times where the horizon term is active: the root of each term (cone, horizon)
    that is out of view at the bracket's out-of-view sample ``k_out``, from the quadratic through
    that term at ``k_out``, ``k_in`` and ``k_third`` (NaN where not ``ok_third``), the last of them
    for a ``start`` (``k_out = k_in - 1``), the first for an end; ``root`` (the fit of their minimum) where
    no term is. The minimum of the two has a kink where they cross inside the step (a cone edge
    within about a degree of the horizon): fitting it as one smooth curve erred by up to 3 s; each
    term alone is smooth. Pair indices ``rows`` (R,), samples (R,)."""
    cells = tuple(None if col is None else tuple(x[rows] for x in col) for col in cg)
    a = geo.margin(k_out, cells, terms=True)
    b = geo.margin(k_in, cells, terms=True)
    c = geo.margin(k_third, cells, terms=True)
    best = np.full(rows.size, -np.inf if start else np.inf)
    for ma, mb, mc in zip(a, b, c):
        mc = np.where(ok_third, mc, np.nan)
        r = (_bracket_root(t[k_out], t[k_in], ma, mb, t[k_third], mc) if start else
             _bracket_root(t[k_in], t[k_out], mb, ma, t[k_third], mc))
        out = ma < 0.0
        best = np.where(out, np.maximum(best, r), best) if start else np.where(out, np.minimum(best, r), best)
    return np.where(np.isfinite(best), best, root)


def _third_point(rows, k_sel, offset, t, geo, cg, linked, t_default, m_default, missing):
    """Third sample for a bracket fit: the default neighbour, or, for the ``missing`` ones (pair
    indices ``rows``), sample ``k + offset`` (offset -2 or +2) when linked to the bracket (else NaN)."""
    tc = t_default.copy()
    mc = m_default.copy()
    if rows.size:
        n = t.size
        kk = k_sel[missing]
        k3 = np.clip(kk + offset, 0, n - 1)
        step = np.clip(kk + offset // 2, 0, n - 1)  # the sample between the bracket and the third
        ok = (kk + offset >= 0) & (kk + offset < n) & linked[np.minimum(step, k3)]
        cells = tuple(None if col is None else tuple(x[rows] for x in col) for col in cg)
        m3 = np.where(ok, geo.margin(k3, cells), np.nan)
        tc[missing] = t[k3]
        mc[missing] = m3
    return tc, mc


def _events_of_pairs(k, c, t, geo, linked):
    """Access events among candidate pairs (sample ``k``, cell ``c``) (P,).

    Returns three tuples of arrays: run starts (cell, sample, refined start time), run ends (cell,
    sample, refined end time) and grazing accesses (cell, start, end). Margins at k-1 and k+1 are
    computed directly (NaN where the neighbour is not linked to k).
    """
    n = t.size
    cg = geo.gather_cells(c)
    kp = np.maximum(k - 1, 0)
    kn = np.minimum(k + 1, n - 1)
    has_prev = linked[kp] & (k > 0)
    has_next = linked[k]
    m_cur = geo.margin(k, cg)
    m_prev = np.where(has_prev, geo.margin(kp, cg), np.nan)
    m_next = np.where(has_next, geo.margin(kn, cg), np.nan)

    inview = m_cur >= 0.0
    t0, t1, t2 = t[kp], t[k], t[kn]

    # Starts: crossing in [k-1, k], third point k+1, or k-2 where k+1 is missing.
    s = np.flatnonzero(inview & ~(m_prev >= 0.0))
    tc, mc = _third_point(s[~has_next[s]], k[s], -2, t, geo, cg, linked, t2[s], m_next[s], ~has_next[s])
    root = _bracket_root(t0[s], t1[s], m_prev[s], m_cur[s], tc, mc)
    if geo.nrm is not None:
        k3 = np.where(has_next[s], kn[s], np.maximum(k[s] - 2, 0))
        ok3 = has_next[s] | ((k[s] >= 2) & linked[np.maximum(k[s] - 2, 0)])
        root = _two_term_roots(s, kp[s], k[s], k3, ok3, t, geo, cg, root, True)
    start_t = np.where(has_prev[s], root, t1[s])

    # Ends: crossing in [k, k+1], third point k-1, or k+2 where k-1 is missing (e.g. the span start).
    e = np.flatnonzero(inview & ~(m_next >= 0.0))
    tc, mc = _third_point(e[~has_prev[e]], k[e], +2, t, geo, cg, linked, t0[e], m_prev[e], ~has_prev[e])
    root = _bracket_root(t1[e], t2[e], m_cur[e], m_next[e], tc, mc)
    if geo.nrm is not None:
        k3 = np.where(has_prev[e], kp[e], np.minimum(k[e] + 2, n - 1))
        ok3 = has_prev[e] | ((k[e] + 2 < n) & linked[np.minimum(k[e] + 1, n - 1)])
        root = _two_term_roots(e, kn[e], k[e], k3, ok3, t, geo, cg, root, False)
    end_t = np.where(has_next[e], root, t1[e])

    # Grazing: a negative local maximum of the margin (NaN neighbours compare False: no fit).
    g = np.flatnonzero(~inview & (m_cur >= m_prev) & (m_cur > m_next))
    g_lo, g_hi = _graze_roots(t0[g], t1[g], t2[g], m_prev[g], m_cur[g], m_next[g], t0[g], t2[g])
    # Beside a break (the span's start or end, a gap) the closest approach can lie in the one step
    # next to it, with the margin falling away from the break's sample: one-sided fit through
    # k, k+1, k+2 (or k-2, k-1, k), roots kept inside the step next to the break.
    a = np.flatnonzero(~inview & ~has_prev & (m_cur > m_next))
    _, m_a = _third_point(a, k[a], +2, t, geo, cg, linked, t2[a], m_next[a], np.ones(a.size, bool))
    k_a = np.minimum(k[a] + 2, n - 1)
    a_lo, a_hi = _graze_roots(t1[a], t2[a], t[k_a], m_cur[a], m_next[a], m_a, t1[a], t2[a])
    b = np.flatnonzero(~inview & ~has_next & (m_cur > m_prev))
    _, m_b = _third_point(b, k[b], -2, t, geo, cg, linked, t0[b], m_prev[b], np.ones(b.size, bool))
    k_b = np.maximum(k[b] - 2, 0)
    b_lo, b_hi = _graze_roots(t[k_b], t0[b], t1[b], m_b, m_prev[b], m_cur[b], t0[b], t1[b])
    g_cell = np.concatenate([c[g], c[a], c[b]])
    g_lo = np.concatenate([g_lo, a_lo, b_lo])
    g_hi = np.concatenate([g_hi, a_hi, b_hi])
    ok = np.isfinite(g_lo)
    return (c[s], k[s], start_t), (c[e], k[e], end_t), (g_cell[ok], g_lo[ok], g_hi[ok])


# ---------------------------------------------------------------------------------------------
# Constraints
# ---------------------------------------------------------------------------------------------


def filter_accesses(acc: Accesses, keep) -> Accesses:
    """The accesses that satisfy a constraint evaluated once per access, at its mid-time.

    ``keep`` is a (K,) bool array aligned with ``acc``, or a callable
    ``keep(mid_days (K,), cell (K,)) -> (K,) bool``.

    One evaluation per access, at ``acc.mid_days``, keeps or drops the access whole (no splitting):

    * Sun elevation at a fixed ground point changes by at most 0.25 deg/min (the Earth turns
      15 deg/h), and an access of a 30 deg cone from 400 km lasts at most ~70 s, so evaluating at the
      mid-point errs by < 0.15 deg (< 0.25 deg x duration/2 in general);
    * the station's own sunlit flag can flip inside an access: it crosses the terminator twice per
      ~92 min orbit, so about 2 x 70 s / 92 min ~ 2.5 % of 70 s accesses straddle a crossing and are
      kept or dropped whole by the state at their mid-time.
    """
    if callable(keep):
        keep = keep(acc.mid_days, acc.cell)
    return acc.subset(np.asarray(keep, dtype=bool))


# ---------------------------------------------------------------------------------------------
# Figures of merit
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class GroundTrack:
    """The station's sampled track: ``days`` (N,) since the analysis start, geodetic ``lat_deg``,
    ``lon_deg``, ``height_km`` (N,) (NaN where propagation failed), ``error`` (N,) sgp4 code."""

    days: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    height_km: np.ndarray
    error: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class CoverageResult:
    """Coverage of a grid of M cells over the span ``[0, span_days]`` (days since the analysis start).

    Per cell (M,):
        ``access_count`` int; ``first_access_days`` (NaN if never observed);
        ``cell_revisit_mean_h``, ``cell_revisit_max_h``: mean / longest gap between the end of one
        access and the start of the next (end gaps ignored, as STK's Revisit Time with End Gaps =
        Ignore and TAT-C's revisit); NaN for cells with fewer than 2 accesses;
        ``cell_max_gap_with_edges_h``: longest gap counting the gaps from the span's start to the
        first access and from the last access to the span's end (STK's End Gaps = Include); the
        whole span for a cell never observed.
    Curve: ``curve_days`` (P,) the first-access times of observed cells, sorted; ``curve_percent``
        (P,) percent of the grid's area observed at least once by then.
    Scalars (float, NaN where never reached or undefined):
        ``percent_area_observed``; ``time_to_50pct_h`` / ``90`` / ``99``: hours from the span's
        start until that share of the area was observed at least once;
        ``revisit_mean_h``: area-weighted mean of the per-cell mean revisit (cells with >= 2 accesses);
        ``revisit_p95_h``: area-weighted 95th percentile of all revisit gaps of all cells, each gap
        weighted by its cell's area (so that it does not depend on the grid's resolution): the
        smallest gap g such that gaps <= g hold >= 95 % of the total weight;
        ``revisit_max_h``: longest revisit gap of any cell (end gaps ignored);
        ``longest_gap_h``: longest time during which no cell at all was observed, from the union of
        all cells' intervals, *including* the gaps at the span's start and end (the whole span if
        nothing was observed) -- the figure for a region as a whole (Arctic, Northern Sea Route).
    ``bands``: per-latitude-band summary (dict of (B,) arrays: ``lat_lo_deg``, ``lat_hi_deg``,
    ``cells``, ``area_km2``, ``percent_observed``, ``revisit_mean_h``) when cell latitudes were given.
    ``track``: the ground track when produced by :func:`analyze`.
    """

    accesses: Accesses
    area_km2: np.ndarray
    span_days: float
    access_count: np.ndarray
    first_access_days: np.ndarray
    cell_revisit_mean_h: np.ndarray
    cell_revisit_max_h: np.ndarray
    cell_max_gap_with_edges_h: np.ndarray
    curve_days: np.ndarray
    curve_percent: np.ndarray
    percent_area_observed: float
    time_to_50pct_h: float
    time_to_90pct_h: float
    time_to_99pct_h: float
    revisit_mean_h: float
    revisit_p95_h: float
    revisit_max_h: float
    longest_gap_h: float
    bands: dict[str, np.ndarray] | None = None
    lat_deg: np.ndarray | None = None
    lon_deg: np.ndarray | None = None
    track: GroundTrack | None = None

    def summary(self) -> dict[str, float | int | None]:
        """Scalar figures as plain Python numbers (None where never reached / undefined)."""

        def num(x):
            return float(x) if np.isfinite(x) else None

        return {
            "percent_area_observed": num(self.percent_area_observed),
            "time_to_50pct_h": num(self.time_to_50pct_h),
            "time_to_90pct_h": num(self.time_to_90pct_h),
            "time_to_99pct_h": num(self.time_to_99pct_h),
            "revisit_mean_h": num(self.revisit_mean_h),
            "revisit_p95_h": num(self.revisit_p95_h),
            "revisit_max_h": num(self.revisit_max_h),
            "longest_gap_h": num(self.longest_gap_h),
            "accesses_total": len(self.accesses),
            "cells": int(self.area_km2.size),
            "area_km2": float(self.area_km2.sum()),
        }


#: A share of the area counts as reached when the cumulative share is within this (percent points)
#: of it: float sums of cell areas are not exact, and 1e-9 % of Russia is 0.2 m^2.
_PERCENT_EPS = 1e-9


def figures_of_merit(
    acc: Accesses,
    area_km2,
    span_days: float,
    *,
    lat_deg=None,
    band_deg: float = 5.0,
) -> CoverageResult:
    """Figures of merit of accesses over the span ``[0, span_days]``; vectorized over cells.

    ``acc``: sorted, merged accesses (as :func:`access_intervals` returns them) of M = ``acc.n_cells``
    cells; ``area_km2`` (M,) cell areas; ``lat_deg`` (M,) optional cell latitudes for the
    per-latitude-band summary in bands of ``band_deg``. See :class:`CoverageResult` for definitions.
    """
    area = np.asarray(area_km2, dtype=float)
    m = area.size
    span_days = float(span_days)
    total_area = float(area.sum())
    cell, start, end = acc.cell, acc.start_days, acc.end_days
    k = cell.size

    count = np.bincount(cell, minlength=m)
    has = count > 0
    first_idx = np.r_[0, np.cumsum(count)[:-1]]  # index of each cell's first access (if any)
    last_idx = first_idx + count - 1
    first = np.full(m, np.nan)
    first[has] = start[first_idx[has]]

    # Revisit gaps: end of one access to the start of the next, within a cell.
    same = cell[1:] == cell[:-1] if k > 1 else np.zeros(0, dtype=bool)
    gap_days = (start[1:] - end[:-1])[same]
    gap_cell = cell[1:][same]
    n_gaps = np.bincount(gap_cell, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_mean_h = np.bincount(gap_cell, weights=gap_days, minlength=m) / n_gaps * _HOURS_PER_DAY
    cell_max_h = np.full(m, -np.inf)
    np.maximum.at(cell_max_h, gap_cell, gap_days * _HOURS_PER_DAY)
    cell_max_h[n_gaps == 0] = np.nan
    cell_mean_h[n_gaps == 0] = np.nan

    # Longest gap per cell counting the span's edges.
    edges = np.full(m, span_days)
    edges[has] = np.maximum(start[first_idx[has]], span_days - end[last_idx[has]])
    with_edges_h = np.fmax(edges * _HOURS_PER_DAY, cell_max_h)

    # Area observed at least once and its curve.
    order = np.argsort(first[has], kind="stable")
    curve_days = first[has][order]
    curve_percent = 100.0 * np.cumsum(area[has][order]) / total_area if total_area > 0 else curve_days * 0
    percent_observed = 100.0 * float(area[has].sum()) / total_area if total_area > 0 else np.nan

    def time_to(pct):
        i = np.searchsorted(curve_percent, pct - _PERCENT_EPS, side="left")
        return float(curve_days[i] * _HOURS_PER_DAY) if i < curve_days.size else np.nan

    # Region-level revisit statistics.
    revisiting = n_gaps > 0
    w = area[revisiting]
    revisit_mean = float(np.sum(w * cell_mean_h[revisiting]) / w.sum()) if w.sum() > 0 else np.nan
    revisit_p95 = _weighted_percentile(gap_days * _HOURS_PER_DAY, area[gap_cell], 95.0)
    revisit_max = float(gap_days.max() * _HOURS_PER_DAY) if gap_days.size else np.nan

    bands = None
    if lat_deg is not None:
        bands = _latitude_bands(np.asarray(lat_deg, dtype=float), area, has, cell_mean_h, band_deg)

    return CoverageResult(
        accesses=acc,
        area_km2=area,
        span_days=span_days,
        access_count=count,
        first_access_days=first,
        cell_revisit_mean_h=cell_mean_h,
        cell_revisit_max_h=cell_max_h,
        cell_max_gap_with_edges_h=with_edges_h,
        curve_days=curve_days,
        curve_percent=curve_percent,
        percent_area_observed=percent_observed,
        time_to_50pct_h=time_to(50.0),
        time_to_90pct_h=time_to(90.0),
        time_to_99pct_h=time_to(99.0),
        revisit_mean_h=revisit_mean,
        revisit_p95_h=revisit_p95,
        revisit_max_h=revisit_max,
        longest_gap_h=_longest_union_gap_days(start, end, span_days) * _HOURS_PER_DAY,
        bands=bands,
        lat_deg=None if lat_deg is None else np.asarray(lat_deg, dtype=float),
    )


def _weighted_percentile(values, weights, pct):
    """Smallest value v such that values <= v hold >= pct % of the total weight; NaN if empty."""
    if values.size == 0 or weights.sum() <= 0:
        return np.nan
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    i = np.searchsorted(cum, pct / 100.0 * cum[-1] * (1.0 - 1e-12), side="left")
    return float(values[order][min(i, values.size - 1)])


def _longest_union_gap_days(start, end, span_days):
    """Longest stretch of ``[0, span_days]`` covered by no interval (edges included), days."""
    if start.size == 0:
        return span_days
    order = np.argsort(start, kind="stable")
    s, e = start[order], end[order]
    reach = np.maximum.accumulate(e)  # latest end so far
    inner = s[1:] - reach[:-1]
    candidates = [s[0], span_days - reach[-1]]
    if inner.size:
        candidates.append(inner.max())
    return float(max(0.0, *candidates))


def _latitude_bands(lat, area, observed, cell_mean_h, band_deg):
    """Per-band (floor(lat / band_deg)) cells, area, percent observed, area-weighted mean revisit."""
    band = np.floor(lat / band_deg).astype(np.intp)
    ids, inv = np.unique(band, return_inverse=True)
    nb = ids.size
    cells = np.bincount(inv, minlength=nb)
    b_area = np.bincount(inv, weights=area, minlength=nb)
    b_obs = np.bincount(inv, weights=area * observed, minlength=nb)
    ok = np.isfinite(cell_mean_h)
    w = np.bincount(inv[ok], weights=area[ok], minlength=nb)
    wr = np.bincount(inv[ok], weights=(area * np.where(ok, cell_mean_h, 0.0))[ok], minlength=nb)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100.0 * b_obs / b_area
        rev = np.where(w > 0, wr / w, np.nan)
    return {
        "lat_lo_deg": ids * band_deg,
        "lat_hi_deg": (ids + 1) * band_deg,
        "cells": cells,
        "area_km2": b_area,
        "percent_observed": pct,
        "revisit_mean_h": rev,
    }


# ---------------------------------------------------------------------------------------------
# The whole analysis
# ---------------------------------------------------------------------------------------------


def analyze(
    orbit,
    grid,
    instrument: Instrument,
    start: dt.date | dt.datetime,
    days: float,
    step_s: float = DEFAULT_STEP_S,
    progress: Callable[[int, int], Any] | None = None,
) -> CoverageResult:
    """Coverage of ``grid`` by ``instrument`` on ``orbit`` over ``[start, start + days]``.

    ``orbit``: a :class:`rossim.orbit.Orbit` (``.propagate(Time) -> Track``); ``grid``: a
    :class:`rossim.regions.Grid` (``lat_deg``, ``lon_deg``, ``area_km2`` (M,), ``ecef_km`` (M,3));
    ``start``: UTC date/datetime; ``days``: span length; ``step_s``: coarse sample step (the actual
    step is the largest <= ``step_s`` that divides the span). Propagates the orbit in one array
    call, finds accesses (:func:`access_intervals`), applies the instrument's lighting constraints at
    each access's mid-time (:func:`filter_accesses`; Sun elevation at the cell and station sunlight
    from :mod:`rossim.sunlight`, the station's position at mid-time interpolated linearly between the
    bracketing samples: < 0.2 km off at 20 s steps), then the figures of merit over
    ``[0, days]``. The result keeps the ground track (``result.track``) and the cell coordinates.
    """
    from rossim import clock, sunlight

    n = int(np.ceil(days * _SECONDS_PER_DAY / step_s - 1e-9)) + 1
    t_days = np.linspace(0.0, float(days), max(n, 2))
    t = clock.time_at(start, t_days)
    track = orbit.propagate(t)
    sat = np.asarray(track.itrs_km, dtype=float)
    acc = access_intervals(t_days, sat, grid.ecef_km, instrument.half_angle_deg, progress=progress)

    keep = np.ones(len(acc), dtype=bool)
    if len(acc) and (instrument.min_sun_elevation_deg is not None or instrument.station_sunlit is not None):
        mid = acc.mid_days
        t_mid = clock.time_at(start, mid)
        if instrument.min_sun_elevation_deg is not None:
            elev = sunlight.sun_elevation_deg(t_mid, grid.lat_deg[acc.cell], grid.lon_deg[acc.cell])
            keep &= elev >= instrument.min_sun_elevation_deg
        if instrument.station_sunlit is not None:
            lit = sunlight.is_sunlit(t_mid, _interpolate_rows(t_days, sat, mid))
            keep &= lit == bool(instrument.station_sunlit)
    acc = filter_accesses(acc, keep)

    result = figures_of_merit(acc, grid.area_km2, days, lat_deg=grid.lat_deg)
    ground = GroundTrack(
        t_days,
        np.asarray(track.lat_deg, dtype=float),
        np.asarray(track.lon_deg, dtype=float),
        np.asarray(track.height_km, dtype=float),
        np.asarray(track.error),
    )
    return dataclasses.replace(result, lon_deg=np.asarray(grid.lon_deg, dtype=float), track=ground)


def _interpolate_rows(t, xyz, when):
    """(K,3) linear interpolation of rows ``xyz`` (N,3) sampled at ``t`` (N,) at times ``when`` (K,)."""
    i = np.clip(np.searchsorted(t, when, side="right") - 1, 0, t.size - 2)
    f = ((when - t[i]) / (t[i + 1] - t[i]))[:, None]
    return xyz[i] * (1.0 - f) + xyz[i + 1] * f
