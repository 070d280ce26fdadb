"""Contacts between the station and ground stations: windows above a minimum elevation.

What it computes, in the terms of STK's access reports:

* a :class:`GroundStation` (geodetic WGS84 latitude, longitude, height, minimum elevation);
* :func:`find_contacts`: every contact window over a span, per station: start, end and maximum
  elevation (a :class:`Contacts` of flat arrays);
* :func:`union`: the windows of a network (any station in contact), merged;
* :func:`statistics` / :func:`summary`: minutes of contact per day, passes per day and the longest
  gap without contact, per station and for the network;
* :func:`max_pass_duration_s`: a geometric upper bound on the length of one pass.

Geometry. The station's elevation seen from a ground station is measured above the ground
station's local horizon plane, the plane normal to the WGS84 ellipsoid normal (geodetic zenith) at
the ground station, with no refraction, as skyfield's ``(satellite - wgs84.latlon(...)).altaz()``:
``sin(el) = (s - g) . n / |s - g|``, with ``s`` the station and ``g`` the ground station in ITRS
(km) and ``n`` the unit normal. The station's positions are :meth:`rossim.orbit.Orbit.propagate`'s
(SGP4, TEME -> ITRS by GMST-1982: the same positions as skyfield's ``EarthSatellite`` to a
millimetre).

Method (no Python loop over the time samples):

1. The margin ``sin(el) - sin(min_el)`` of every (sample, ground station) pair, in arrays, a few
   ground stations at a time (two matrix products over the samples); in contact where >= 0.
2. Windows are the runs of in-contact samples; each start (end) lies in the step before (after)
   its run. The crossing is then found on the true geometry, not on an interpolation: steps of the
   Illinois variant of regula falsi in the bracketing step, each step propagating the orbit at the
   current estimates of all crossings at once (one SGP4 call for a few hundred times), until no
   estimate moves by a microsecond any more (4-5 steps at 20 s).
3. Grazing passes, whose samples are all below the minimum elevation although the pass crosses it
   between two samples: at each sample where the margin has a local maximum below zero, a parabola
   through the three samples estimates the peak; where it comes within ``_GRAZE_SLACK`` (scaled
   with the step) of zero, the peak is refined on the true geometry and, when above zero, gives a window with its two
   crossings refined as in 2.
4. Maximum elevation: each local maximum of the margin inside a window is refined by successive
   parabolic fits through freshly propagated points either side, a quarter step apart at first,
   then a quarter of that, down to 0.01 s (elevation moves up to ~1 deg/s near the zenith of a low
   pass, so the time of the peak matters). Near its peak ``sin(el)`` is the cosine of the zenith
   angle, a parabola in time up to a quartic term, so each fit lands well within the next
   spacing.
5. A window still open at the start or the end of the span starts or ends there. Samples where
   SGP4 failed (NaN) are never in contact; a window next to one starts or ends at its last good
   sample.

Times inside are float days since the start of the span (:mod:`rossim.clock`); the summary reports
minutes per day and hours.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from . import clock
from .errors import InputError
from .orbit import WGS84_A_KM, WGS84_F

__all__ = [
    "DEFAULT_MIN_ELEVATION_DEG",
    "DEFAULT_STEP_S",
    "MAX_STATIONS",
    "GroundStation",
    "Contacts",
    "shipped_stations",
    "station_ecef_km",
    "elevation_deg",
    "find_contacts",
    "union",
    "statistics",
    "summary",
    "max_pass_duration_s",
]

#: Default minimum elevation of a contact, deg. *Assumption*: a usual elevation mask of S-band
#: tracking and command antennas (below it, terrain, buildings and multipath); the masks of the
#: Russian stations are not published in the sources of ``rossim/data/ground_stations.json``.
#: A scenario sets its own (``ground_stations.min_elevation_deg``).
DEFAULT_MIN_ELEVATION_DEG = 5.0
#: Default step of the time samples, seconds (as the coverage search, ``coverage.DEFAULT_STEP_S``).
DEFAULT_STEP_S = 20.0
#: Most ground stations of one computation (each costs one array over the time samples).
MAX_STATIONS = 100

_DAY_S = 86400.0
_E2 = WGS84_F * (2.0 - WGS84_F)
#: Earth's rotation rate, rad/s (IERS: 7.292115e-5).
_EARTH_RATE_RAD_S = 7.292115e-5
#: Most Illinois steps per crossing (they stop when no estimate moves by a microsecond any more;
#: the method converges superlinearly: 4-5 steps from a 20 s bracket).
_CROSSING_STEPS = 30
#: Half-spacing of the last parabolic fit at a peak of elevation, s; the first is a quarter of the
#: step, each next one a quarter of the one before.
_PEAK_SPACING_S = 0.01
#: A local maximum of the sampled margin below zero is checked on the true geometry when the parabola
#: through its samples peaks above ``-_GRAZE_SLACK * (step / 20 s)^3`` (sin of elevation). The
#: parabola through three samples only ever underestimates a pass's peak (its top is a cone near the
#: zenith), measured over 10 days of the shipped stations (51.6 deg and sun-synchronous orbits, every
#: pass): by < 3e-6 for peaks below 6 deg, by up to 3.4e-3 near the zenith at 20 s steps, 9e-2 at
#: 60 s, 0.31 at 120 s (growing as the cube of the step, or slower). 1e-2 is three times the worst.
_GRAZE_SLACK = 1e-2
#: Samples x ground stations per block of the margin arrays (memory: ~8 bytes each, a few arrays).
_BLOCK = 2_000_000


# ---------------------------------------------------------------------------------------------
# Ground stations
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroundStation:
    """A ground station: ``name``, geodetic WGS84 ``lat_deg`` in [-90, 90], ``lon_deg`` in
    [-180, 360], ``height_m`` above the ellipsoid, ``min_elevation_deg`` in [0, 90)."""

    name: str
    lat_deg: float
    lon_deg: float
    height_m: float = 0.0
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG

    def __post_init__(self):
        checks = (("lat_deg", -90.0, 90.0), ("lon_deg", -180.0, 360.0), ("height_m", -1000.0, 100_000.0),
                  ("min_elevation_deg", 0.0, 90.0))
        for field, lo, hi in checks:
            v = getattr(self, field)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or not lo <= v <= hi or (field == "min_elevation_deg" and v == hi):
                closing = ")" if field == "min_elevation_deg" else "]"
                raise InputError(f"expected a number in [{lo:g}, {hi:g}{closing}, got {v!r}",
                                 field=f"ground_stations.{self.name}.{field}")


def shipped_stations(min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG) -> list[GroundStation]:
    """The Russian ground stations shipped in ``rossim/data/ground_stations.json`` (town-level
    positions, height 0; see ``rossim/data/README.md``), named by their ``id``, with the given
    minimum elevation. The file's entry for mission control (TsUP, Korolev) stands for the
    command-measurement stations of the Moscow region around it."""
    text = (resources.files("rossim") / "data" / "ground_stations.json").read_text(encoding="utf-8")
    return [GroundStation(s["id"], float(s["lat_deg"]), float(s["lon_deg"]), 0.0, float(min_elevation_deg))
            for s in json.loads(text)["stations"]]


def shipped_names() -> dict[str, str]:
    """The display name of each shipped ground station by its ``id`` ("NIP-18 Vorkuta" for
    ``nip18_vorkuta``), for what people read."""
    text = (resources.files("rossim") / "data" / "ground_stations.json").read_text(encoding="utf-8")
    return {s["id"]: s["name"] for s in json.loads(text)["stations"]}


def station_ecef_km(stations) -> tuple[np.ndarray, np.ndarray]:
    """ITRS positions (S,3) km and unit ellipsoid normals (S,3) of ground stations."""
    lat = np.radians([s.lat_deg for s in stations])
    lon = np.radians([s.lon_deg for s in stations])
    h = np.array([s.height_m for s in stations], dtype=float) / 1000.0
    sl, cl = np.sin(lat), np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - _E2 * sl * sl)
    pos = np.stack(((n + h) * cl * np.cos(lon), (n + h) * cl * np.sin(lon), (n * (1.0 - _E2) + h) * sl), axis=-1)
    normal = np.stack((cl * np.cos(lon), cl * np.sin(lon), sl), axis=-1)
    return pos.reshape(-1, 3), normal.reshape(-1, 3)


def _sin_elevation(sat, pos, normal):
    """sin(elevation) of (N,3) station positions from (S,3) ground stations: (N,S). NaN in, NaN out.

    ``(s.n - g.n) / sqrt(|s|^2 - 2 s.g + |g|^2)``, written as element-wise products of columns
    rather than matrix products: a (N,3) x (3,S) product goes to a threaded BLAS that only
    competes for the cores (measured 4x slower for 130,000 samples x 10 stations on 2 cores)."""
    x, y, z = (sat[:, i:i + 1] for i in range(3))
    s2 = x * x + y * y + z * z
    up = x * normal[:, 0] + y * normal[:, 1] + z * normal[:, 2] - np.einsum("ij,ij->i", pos, normal)
    dist2 = s2 - 2.0 * (x * pos[:, 0] + y * pos[:, 1] + z * pos[:, 2]) + np.einsum("ij,ij->i", pos, pos)
    return up / np.sqrt(dist2)


def _sin_elevation_pairs(sat, pos, normal):
    """sin(elevation) of row-paired (K,3) station positions and (K,3) ground stations: (K,)."""
    d = sat - pos
    return np.einsum("ij,ij->i", d, normal) / np.sqrt(np.einsum("ij,ij->i", d, d))


def elevation_deg(itrs_km, stations) -> np.ndarray:
    """Elevation (deg) of the station at ITRS positions ``itrs_km`` (N,3) seen from each ground
    station, above its geodetic horizon (no refraction): (N,S)."""
    pos, normal = station_ecef_km(stations)
    sat = np.asarray(itrs_km, dtype=float).reshape(-1, 3)
    return np.degrees(np.arcsin(np.clip(_sin_elevation(sat, pos, normal), -1.0, 1.0)))


# ---------------------------------------------------------------------------------------------
# Contact windows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contacts:
    """Contact windows of ground stations, flat arrays (W,) sorted by station then start.

    station:           index into ``names``
    start_days:        start, days since the start of the span
    end_days:          end, days since the start of the span
    max_elevation_deg: highest elevation during the window, deg
    peak_days:         when it is reached, days since the start of the span
    names:             the ground stations' names, in input order
    min_elevation_deg: their minimum elevations, deg
    span_days:         length of the span, days
    """

    station: np.ndarray
    start_days: np.ndarray
    end_days: np.ndarray
    max_elevation_deg: np.ndarray
    peak_days: np.ndarray
    names: tuple[str, ...]
    min_elevation_deg: tuple[float, ...]
    span_days: float

    def __len__(self) -> int:
        return int(self.station.size)

    @property
    def duration_s(self) -> np.ndarray:
        return (self.end_days - self.start_days) * _DAY_S

    def of(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(start_days, end_days) of ground station ``k``'s windows."""
        sel = self.station == k
        return self.start_days[sel], self.end_days[sel]


class _Geometry:
    """The true margin ``sin(el) - sin(min_el)`` at any times, for (time, ground station) pairs:
    propagates the orbit at the times (one SGP4 call for all pairs)."""

    def __init__(self, orbit, start, pos, normal, sin_min, span_days):
        self.orbit, self.start = orbit, start
        self.pos, self.normal, self.sin_min = pos, normal, sin_min
        self.span_days = span_days

    def margin(self, t_days, k):
        if t_days.size == 0:
            return np.empty(0)
        t_days = np.clip(t_days, 0.0, self.span_days)
        sat = self.orbit.propagate(clock.time_at(self.start, t_days)).itrs_km
        return _sin_elevation_pairs(sat, self.pos[k], self.normal[k]) - self.sin_min[k]


def _crossings(geo: _Geometry, a, b, fa, fb, k):
    """Zero of the margin in each bracket [a, b] (days; fa, fb of opposite signs, fb may be 0):
    Illinois regula falsi on the true geometry, all brackets at once. Returns (P,) days."""
    a, b, fa, fb = (np.array(x, dtype=float) for x in (a, b, fa, fb))
    for _ in range(_CROSSING_STEPS):
        with np.errstate(divide="ignore", invalid="ignore"):
            c = b - fb * (b - a) / (fb - fa)
        c = np.where(np.isfinite(c) & (fb != 0.0), c, b)
        fc = geo.margin(c, k)
        other_side = np.sign(fc) != np.sign(fb)
        fa = np.where(other_side, fb, 0.5 * fa)  # Illinois: halve the stale end's value
        a = np.where(other_side, b, a)
        moved = np.abs(c - b)
        b, fb = c, fc
        if np.all(moved * _DAY_S < 1e-6):  # superlinear: the last move bounds the error
            break
    return b


def _parabola_vertex(f0, f1, f2, h, reach: float = 1.0):
    """Offset from the middle point and value of the vertex of the parabola through (-h, f0),
    (0, f1), (h, f2); offset clipped to [-reach h, reach h], 0 where the parabola is not concave."""
    curv = f0 + f2 - 2.0 * f1
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(curv < 0, 0.5 * h * (f0 - f2) / curv, 0.0)
    x = np.clip(np.nan_to_num(x), -reach * h, reach * h)
    value = f1 + 0.5 * (f2 - f0) * x / h + 0.5 * curv * (x / h) ** 2
    return x, value


def _refine_peaks(geo: _Geometry, t_days, k, step_s: float):
    """Time (days) and margin of the peak of the margin near ``t_days`` for ground stations ``k``:
    successive parabolic fits through freshly propagated points either side, a quarter of
    ``step_s`` apart, then a quarter of that, down to ``_PEAK_SPACING_S``; each may move the
    estimate by up to four spacings."""
    c = np.array(t_days, dtype=float)
    p = c.size
    spacing = 0.25 * step_s
    while True:
        spacing = max(spacing, _PEAK_SPACING_S)
        h = spacing / _DAY_S
        f = geo.margin(np.concatenate((c - h, c, c + h)), np.concatenate((k, k, k)))
        x, _ = _parabola_vertex(f[:p], f[p:2 * p], f[2 * p:], h, reach=4.0)
        c = np.clip(c + x, 0.0, geo.span_days)
        if spacing <= _PEAK_SPACING_S:
            return c, geo.margin(c, k)
        spacing *= 0.25


def _sample_days(days: float, step_s: float) -> np.ndarray:
    n = int(np.ceil(days * _DAY_S / step_s - 1e-9)) + 1
    return np.linspace(0.0, float(days), max(n, 2))


def find_contacts(orbit, stations, start, days: float, step_s: float = DEFAULT_STEP_S, *,
                  t_days=None, itrs_km=None) -> Contacts:
    """Contact windows of ``orbit`` with each of ``stations`` over ``[start, start + days]``.

    ``orbit``: a :class:`rossim.orbit.Orbit`; ``stations``: :class:`GroundStation` s (at most
    :data:`MAX_STATIONS`); ``start``: UTC date/datetime; ``step_s``: the step of the samples (the
    largest <= ``step_s`` that divides the span, as :func:`rossim.coverage.analyze`). ``t_days``
    (N,) and ``itrs_km`` (N,3): samples already propagated with
    ``orbit.propagate(clock.time_at(start, t_days))`` (a coverage run's), used instead of sampling
    again; crossings and peaks are still refined on freshly propagated times. See the module
    docstring for the method; starts and ends are within about a microsecond of the true crossings.
    """
    stations = list(stations)
    if len(stations) > MAX_STATIONS:
        raise InputError(f"{len(stations)} ground stations, more than the limit of {MAX_STATIONS}",
                         field="ground_stations")
    names = tuple(s.name for s in stations)
    min_el = tuple(float(s.min_elevation_deg) for s in stations)
    start = clock.as_utc(start)
    if t_days is None:
        t_days = _sample_days(days, step_s)
        itrs_km = orbit.propagate(clock.time_at(start, t_days)).itrs_km
    t = np.asarray(t_days, dtype=float)
    sat = np.asarray(itrs_km, dtype=float).reshape(-1, 3)
    span = float(t[-1]) if days is None else float(days)
    empty = Contacts(np.empty(0, np.intp), *(np.empty(0) for _ in range(4)), names, min_el, span)
    if not stations or t.size < 2:
        return empty
    pos, normal = station_ecef_km(stations)
    sin_min = np.sin(np.radians(min_el))
    geo = _Geometry(orbit, start, pos, normal, sin_min, span)
    n = t.size

    # 1-2. margins in blocks of ground stations; runs of in-contact samples; grazes.
    starts, ends, graze, sampled = [], [], [], []
    block = max(1, _BLOCK // n)
    for j0 in range(0, len(stations), block):
        sl = slice(j0, min(j0 + block, len(stations)))
        m = (_sin_elevation(sat, pos[sl], normal[sl]) - sin_min[sl]).T  # (S_block, N)
        inside = m >= 0.0  # NaN: False
        edge = np.diff(np.pad(inside, ((0, 0), (1, 1))).view(np.int8), axis=1)
        js, i_first = np.nonzero(edge == 1)  # first in-contact sample of each window
        je, i_after = np.nonzero(edge == -1)  # first sample after it
        starts.append((js + j0, i_first, m[js, i_first], m[js, np.maximum(i_first - 1, 0)]))
        ends.append((je + j0, i_after - 1, m[je, i_after - 1], m[je, np.minimum(i_after, n - 1)]))
        # highest sampled margin of each window (rows of m flattened; one padding element)
        flat = np.append(m.ravel(), 0.0)
        bounds = np.stack((js * n + i_first, je * n + i_after), axis=1).ravel()
        sampled.append(np.maximum.reduceat(flat, bounds)[::2] if bounds.size else np.empty(0))
        # local maxima (strict on the right): window peaks (>= 0) and graze candidates (< 0)
        mid = m[:, 1:-1]
        peak = (mid >= m[:, :-2]) & (mid > m[:, 2:])
        jp, ip = np.nonzero(peak)
        ip = ip + 1
        graze.append((jp + j0, ip, m[jp, ip - 1], m[jp, ip], m[jp, ip + 1]))
    js, i_first, m_first, m_before = (np.concatenate(x) for x in zip(*starts))
    je, i_last, m_last, m_after = (np.concatenate(x) for x in zip(*ends))
    jp, ip, p0, p1, p2 = (np.concatenate(x) for x in zip(*graze))
    step = float(t[1] - t[0])

    # 2. crossings on the true geometry where the neighbouring sample is a good one
    start_days, end_days = t[i_first].copy(), t[i_last].copy()
    rs = (i_first > 0) & np.isfinite(m_before)
    re_ = (i_last < n - 1) & np.isfinite(m_after)
    both = _crossings(geo, np.concatenate((t[i_first[rs] - 1], t[i_last[re_] + 1])),
                      np.concatenate((t[i_first[rs]], t[i_last[re_]])), np.concatenate((m_before[rs], m_after[re_])),
                      np.concatenate((m_first[rs], m_last[re_])), np.concatenate((js[rs], je[re_])))
    start_days[rs], end_days[re_] = both[:int(rs.sum())], both[int(rs.sum()):]
    # margins and times of the peaks: a window's best sample (its start or end when the margin only
    # falls or rises in it, cut by the span); the refined local maxima are added below
    win_station, win_peak = js, np.concatenate(sampled)
    win_time = np.where(m_first >= m_last, start_days, end_days)

    # 3. grazes: a negative local maximum whose parabola reaches within _GRAZE_SLACK of zero
    ok = np.isfinite(p0) & np.isfinite(p1) & np.isfinite(p2)
    x, top = _parabola_vertex(p0, p1, p2, step)
    cand = ok & (p1 < 0) & (top > -_GRAZE_SLACK * (step * _DAY_S / 20.0) ** 3)
    in_window = ok & (p1 >= 0)
    c_all = np.concatenate((t[ip[in_window]] + x[in_window], t[ip[cand]] + x[cand]))
    k_all = np.concatenate((jp[in_window], jp[cand]))
    tc, fc = _refine_peaks(geo, c_all, k_all, step * _DAY_S)
    n_in = int(in_window.sum())
    g_t, g_f, g_k, g_i = tc[n_in:], fc[n_in:], jp[cand], ip[cand]
    hit = g_f >= 0.0
    g_t, g_f, g_k, g_i = g_t[hit], g_f[hit], g_k[hit], g_i[hit]
    both = _crossings(geo, np.concatenate((t[g_i - 1], t[g_i + 1])), np.concatenate((g_t, g_t)),
                      np.concatenate((p0[cand][hit], p2[cand][hit])), np.concatenate((g_f, g_f)),
                      np.concatenate((g_k, g_k)))
    g_start, g_end = both[:g_t.size], both[g_t.size:]

    # 4. window peaks: each refined local maximum raises its window's peak
    order = np.lexsort((start_days, win_station))
    win_station, start_days, end_days, win_peak, win_time = (
        a[order] for a in (win_station, start_days, end_days, win_peak, win_time))
    key = win_station * (span + 1.0) + start_days
    w = np.searchsorted(key, k_all[:n_in] * (span + 1.0) + tc[:n_in], side="right") - 1
    w0 = np.maximum(w, 0)
    good = (w >= 0) & (win_station[w0] == k_all[:n_in]) & (tc[:n_in] <= end_days[w0])
    w, t_peak, f_peak = w[good], tc[:n_in][good], fc[:n_in][good]
    better = f_peak > win_peak[w]
    up = np.argsort(f_peak[better], kind="stable")  # ascending: the highest of a window is written last
    win_peak[w[better][up]] = f_peak[better][up]
    win_time[w[better][up]] = t_peak[better][up]

    station = np.concatenate((win_station, g_k))
    s_days = np.concatenate((start_days, g_start))
    e_days = np.concatenate((end_days, g_end))
    peak = np.concatenate((win_peak, g_f))
    peak_days = np.concatenate((win_time, g_t))
    order = np.lexsort((s_days, station))
    max_el = np.degrees(np.arcsin(np.clip(peak[order] + sin_min[station[order]], -1.0, 1.0)))
    return Contacts(station[order].astype(np.intp), s_days[order], e_days[order], max_el, peak_days[order],
                    names, min_el, span)


# ---------------------------------------------------------------------------------------------
# Networks and statistics
# ---------------------------------------------------------------------------------------------


def union(start_days, end_days) -> tuple[np.ndarray, np.ndarray]:
    """Intervals merged where they overlap or touch: (starts, ends), sorted."""
    start_days = np.asarray(start_days, dtype=float)
    end_days = np.asarray(end_days, dtype=float)
    if start_days.size == 0:
        return start_days.copy(), end_days.copy()
    order = np.argsort(start_days, kind="stable")
    s, e = start_days[order], end_days[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    return s[first], np.maximum.reduceat(e, first)


def statistics(start_days, end_days, span_days: float) -> dict:
    """Contact figures of disjoint windows over ``[0, span_days]``: ``passes`` (windows),
    ``minutes_per_day`` (of contact), ``passes_per_day``, ``longest_gap_h`` (the longest stretch of
    the span with no contact, before the first and after the last window included; the whole span
    when there is none) and ``contact_minutes`` (total)."""
    s, e = union(start_days, end_days)
    total_days = float(np.sum(e - s))
    if s.size:
        gaps = np.concatenate(([s[0]], s[1:] - e[:-1], [span_days - e[-1]]))
        gap = float(max(0.0, gaps.max()))
    else:
        gap = float(span_days)
    return {
        "passes": int(s.size),
        "minutes_per_day": total_days * 1440.0 / span_days,
        "passes_per_day": s.size / span_days,
        "longest_gap_h": gap * 24.0,
        "contact_minutes": total_days * 1440.0,
    }


def summary(contacts: Contacts) -> dict:
    """:func:`statistics` of every ground station (by name) and of the ``network`` (their union):
    ``{"stations": {name: {...}}, "network": {...}}``."""
    stations = {name: statistics(*contacts.of(k), contacts.span_days) for k, name in enumerate(contacts.names)}
    return {"stations": stations,
            "network": statistics(contacts.start_days, contacts.end_days, contacts.span_days)}


# ---------------------------------------------------------------------------------------------
# A bound for checks
# ---------------------------------------------------------------------------------------------


def max_pass_duration_s(r_station_km: float, r_sat_max_km: float, rate_min_rad_s: float,
                        min_elevation_deg: float) -> float:
    """Upper bound (s) on the duration of one contact above ``min_elevation_deg`` (geodetic).

    Derivation. Put the station at geocentric radius ``r <= r_sat_max_km`` and the ground station at
    geocentric radius ``r_g`` (``r_station_km``); in their plane through the Earth's centre, with
    the central angle ``lam`` between them and the station's elevation ``e`` above the ground
    station's *geocentric* horizon, the triangle gives ``cos(lam + e) = (r_g / r) cos(e)``. The
    geodetic zenith tilts from the geocentric one by at most 0.1924 deg (WGS84, at 45 deg
    latitude), so in contact ``e >= e0 = min_el - 0.1924 deg``, and then
    ``lam <= LAM = arccos((r_g / r_sat_max) cos(e0)) - e0``. During a contact of duration T both
    ends are within ``LAM`` of the ground station, which itself turns with the Earth through at most
    ``omega_E T``; the station moves along its orbit plane (a great circle, up to its slow
    precession) through at least ``rate_min T`` (``rate_min_rad_s``: its smallest inertial angular
    rate, ``sqrt(mu p) / r_max^2`` for an orbit of semi-latus rectum p). By the triangle inequality
    on the sphere ``rate_min T <= 2 LAM + omega_E T``:

        T <= 2 LAM / (rate_min - omega_E).

    It is approached by a pass through the zenith at the apogee radius with the ground station moving
    along the track; a circular orbit at 400 km above the equator radius gives 512-529 s at 5 deg
    (ground stations from the equator to the poles).
    """
    tilt = math.radians(0.1924)
    e0 = math.radians(min_elevation_deg) - tilt
    lam = math.acos(min(1.0, r_station_km / r_sat_max_km * math.cos(e0))) - e0
    return 2.0 * lam / (rate_min_rad_s - _EARTH_RATE_RAD_S)
