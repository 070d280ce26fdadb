"""Points of the unit sphere within a spherical cap, found by latitude band and longitude range.

The coverage search (:func:`rossim.coverage.access_intervals`) asks, for every sample of an orbit,
which cells lie within a central angle of the sub-station point. The cells of a grid lie in
latitude rows (:mod:`rossim.regions`), so the cells of a cap are, in every latitude band, one
contiguous range of longitudes (two across the antimeridian): the band's cells sorted by longitude
and the range's ends found by ``np.searchsorted``, for all samples x bands at once. A final test of
the chord, ``|u_cell - u_point|^2 <= chord^2`` summed as ``scipy.spatial.cKDTree`` sums it (x, then
y, then z), keeps exactly the points a KD-tree's ``query_ball_point`` returns (tests: against an
all-pairs brute force and against cKDTree, near the poles, across the antimeridian, on the cap's
edge). It replaces that KD-tree, whose import (``scipy.spatial``: qhull, linalg, sparse) took
~0.44 s of every ``rossim coverage`` command; the access search is no slower for a 5 deg cone
and faster for wider ones (design notes, ``coverage._BANDS_PER_RADIUS``). :meth:`CapIndex.nearest`
serves the maps' pixel -> nearest cell lookup the same way.

Geometry. A point at latitude ``phi`` and longitude difference ``dlon`` from a cap's centre
``(phi_s, lon_s)`` lies within the central angle ``rho`` when (spherical law of cosines)
``cos(dlon) >= (cos(rho) - sin(phi_s) sin(phi)) / (cos(phi_s) cos(phi))``. Over a band of
latitudes the widest ``dlon`` is at the latitude nearest to ``phi* = arcsin(sin(phi_s) / cos(rho))``
(the cap's widest parallel; the half-width rises to it and falls after): that half-width, padded
by ``_LON_PAD_RAD``, bounds every point of the band. A cap holding a pole spans every longitude.

Works for any points (cells off their row, e.g. boundary cells' centres moved into the region, or
random points): bands are bins of latitude of width ``band_rad``, each band's range bounded by its
points' own extreme latitudes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["CapIndex", "spacing_rad"]

#: Padding of each band's longitude half-width (rad, ~6 m at the surface): covers the rounding of the
#: arccos near its ends (error ~sqrt(ulp)); only adds candidates, which the chord test removes.
_LON_PAD_RAD = 1e-6
#: Padding of the latitude window (rad): the latitudes come from arctan2, accurate to an ulp.
_LAT_PAD_RAD = 1e-9
#: The key of a (band, longitude): band position x this + (longitude + pi); > 2 pi.
_KEY_STRIDE = 8.0
#: A range's end at +-pi is searched at +-_EDGE (rad): beyond any longitude, within one band's keys.
_EDGE = 3.5


def _lat_lon(u) -> tuple[np.ndarray, np.ndarray]:
    """Geocentric latitude and longitude (rad) of (K,3) unit vectors (arctan2: accurate at the poles)."""
    x, y, z = u[:, 0], u[:, 1], u[:, 2]
    return np.arctan2(z, np.hypot(x, y)), np.arctan2(y, x)


def spacing_rad(unit_xyz) -> float:
    """A typical distance (rad) between neighbouring vectors of (M,3) unit ``unit_xyz``: the square
    root of the area of their latitude-longitude box (the longitudes' circular span) per vector. A
    starting radius for :meth:`CapIndex.nearest`."""
    u = np.asarray(unit_xyz, dtype=float).reshape(-1, 3)
    if u.shape[0] == 0:
        return 0.0
    lat, lon = _lat_lon(u)
    lon = np.sort(lon)
    gaps = np.diff(np.concatenate([lon, [lon[0] + 2.0 * np.pi]]))
    span = 2.0 * np.pi - float(gaps.max())
    area = (np.sin(lat.max()) - np.sin(lat.min())) * max(span, 1e-9) + 1e-18
    return float(np.sqrt(area / u.shape[0]))


class CapIndex:
    """(M,3) unit vectors ``unit_xyz``, sorted by latitude band (bins of ``band_rad``) then longitude.

    :meth:`pairs` gives, for (K,3) unit vectors, every (point, indexed vector) pair whose chord is at
    most ``chord``, in batches of a bounded number of candidates; :meth:`nearest` the nearest
    indexed vector of each point.
    """

    def __init__(self, unit_xyz, band_rad: float):
        u = np.ascontiguousarray(unit_xyz, dtype=float).reshape(-1, 3)
        self.u = u
        self.cols = tuple(np.ascontiguousarray(u[:, i]) for i in range(3))
        lat, lon = _lat_lon(u)
        band = np.floor((lat + 0.5 * np.pi) / float(band_rad)).astype(np.int64)
        self.order = np.lexsort((lon, band))
        band_sorted = band[self.order]
        new = np.ones(band_sorted.size, dtype=bool)
        new[1:] = band_sorted[1:] != band_sorted[:-1]
        first = np.flatnonzero(new)
        lat_sorted = lat[self.order]
        #: each band's lowest and highest latitude (bands in increasing latitude)
        self.lat_lo = np.minimum.reduceat(lat_sorted, first) if first.size else np.zeros(0)
        self.lat_hi = np.maximum.reduceat(lat_sorted, first) if first.size else np.zeros(0)
        position = np.cumsum(new) - 1  # each sorted vector's band position
        self.key = position * _KEY_STRIDE + (lon[self.order] + np.pi)

    def ranges(self, points, rho_rad: float):
        """Index ranges into the sorted vectors that hold every vector within the central angle
        ``rho_rad`` of each of the (K,3) unit ``points``: ``(point, lo, hi)`` int arrays (R,), the
        vectors ``order[lo:hi]`` (possibly empty ranges)."""
        p = np.asarray(points, dtype=float).reshape(-1, 3)
        rho = float(rho_rad) + _LAT_PAD_RAD
        phi_s, lon_s = _lat_lon(p)
        # Bands overlapping [phi_s - rho, phi_s + rho]: consecutive positions j0 .. j1 - 1.
        j0 = np.searchsorted(self.lat_hi, phi_s - rho, side="left")
        j1 = np.searchsorted(self.lat_lo, phi_s + rho, side="right")
        count = np.maximum(j1 - j0, 0)
        row = np.repeat(np.arange(p.shape[0]), count)
        band = j0[row] + (np.arange(row.size) - np.repeat(np.cumsum(count) - count, count))
        ps, ls = phi_s[row], lon_s[row]
        # Latitude of the band nearest the cap's widest parallel; the half-width there.
        with np.errstate(invalid="ignore", divide="ignore"):
            widest = np.arcsin(np.clip(np.sin(ps) / np.cos(rho), -1.0, 1.0))
            phi = np.clip(np.clip(widest, self.lat_lo[band], self.lat_hi[band]), ps - rho, ps + rho)
            den = np.cos(ps) * np.cos(phi)
            bound = (np.cos(rho) - np.sin(ps) * np.sin(phi)) / den
            # lowered by a bound on its rounding (a few ulps of the numerator's terms, each <= 1,
            # over the denominator), so that the half-width is never too small
            half = np.arccos(np.clip(bound - 1e-14 * (1.0 + 1.0 / den), -1.0, 1.0)) + _LON_PAD_RAD
        # A cap holding a pole (or too near one for the formula) spans every longitude.
        full = (np.abs(ps) + rho >= 0.5 * np.pi - 1e-6) | ~np.isfinite(half) | (half >= np.pi)
        a = np.where(full, -_EDGE, ls - half)
        b = np.where(full, _EDGE, ls + half)
        # Across the antimeridian, [a, pi] and [-pi, b - 2 pi], or [a + 2 pi, pi] and [-pi, b]
        # (disjoint: half < pi). An end at +-pi is taken as +-_EDGE: no rounding drops a point there.
        lo1 = np.where(a > -np.pi, a, -_EDGE)
        hi1 = np.where(b < np.pi, b, _EDGE)
        wrap_lo = a <= -np.pi
        wrap_hi = b >= np.pi
        lo2 = np.where(wrap_lo, a + 2.0 * np.pi, -_EDGE)
        hi2 = np.where(wrap_hi, b - 2.0 * np.pi, np.where(wrap_lo, _EDGE, -2.0 * _EDGE))
        lo2 = np.where(full, _EDGE, lo2)
        hi2 = np.where(full, -_EDGE, hi2)
        # the keys of the ends, formed as the vectors' keys are (same rounding)
        base = band * _KEY_STRIDE
        row = np.concatenate([row, row])
        lo = np.searchsorted(self.key, np.concatenate([base + (lo1 + np.pi), base + (lo2 + np.pi)]), side="left")
        hi = np.searchsorted(self.key, np.concatenate([base + (hi1 + np.pi), base + (hi2 + np.pi)]), side="right")
        keep = hi > lo
        return row[keep], lo[keep], hi[keep]

    def pairs(self, points, chord: float, max_candidates: int = 2_000_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(point index, vector index) int arrays of every pair with ``|u - point| <= chord``, in
        batches of whole points; a batch closes once its candidates pass a multiple of
        ``max_candidates``, so it holds at most ~``max_candidates`` plus the candidates of its
        last point. Points (K,3) unit vectors; chord in [0, 2]."""
        for r, cell, _ in self._within(points, chord, max_candidates):
            yield r, cell

    def nearest(self, points, rho0_rad: float, max_candidates: int = 2_000_000) -> np.ndarray:
        """(K,) index of the nearest indexed vector (smallest chord; the lowest index among equals) to
        each of the (K,3) unit ``points``: searched within ``rho0_rad``, twice that for the points
        with nothing there, and so on. No vectors, or a point not finite: -1."""
        p = np.asarray(points, dtype=float).reshape(-1, 3)
        best = np.full(p.shape[0], -1, dtype=np.int64)
        if self.u.shape[0] == 0:
            return best
        todo = np.flatnonzero(np.isfinite(p).all(axis=1))
        rho = max(float(rho0_rad), 1e-9)
        while todo.size:
            # past pi: a chord beyond the diameter, so that rounding cannot leave a point out
            chord = 2.0 * np.sin(0.5 * rho) if rho < np.pi else 2.1
            for r, cell, d2 in self._within(p[todo], chord, max_candidates):
                if r.size == 0:
                    continue
                # each point's candidates are consecutive: its least chord, then its lowest index there
                first = np.flatnonzero(np.concatenate([[True], r[1:] != r[:-1]]))
                least = np.repeat(np.minimum.reduceat(d2, first), np.diff(np.append(first, r.size)))
                pick = np.minimum.reduceat(np.where(d2 == least, cell, np.iinfo(np.int64).max), first)
                best[todo[r[first]]] = pick
            todo = todo[best[todo] < 0]
            rho *= 2.0
        return best

    def _within(self, points, chord: float, max_candidates: int):
        """Batches of (point index, vector index, squared chord) of the pairs within ``chord``."""
        p = np.asarray(points, dtype=float).reshape(-1, 3)
        rho = 2.0 * np.arcsin(min(0.5 * float(chord), 1.0))
        row, lo, hi = self.ranges(p, rho)
        if row.size == 0:
            return
        order = np.argsort(row, kind="stable")
        row, lo, hi = row[order], lo[order], hi[order]
        length = hi - lo
        # Batches of whole points: a new batch where the candidates before a point pass a multiple
        # of max_candidates.
        first = np.ones(row.size, dtype=bool)
        first[1:] = row[1:] != row[:-1]
        point_start = np.flatnonzero(first)
        before = (np.cumsum(length) - length)[point_start]
        batch = before // max(int(max_candidates), 1)
        bounds = [0, *point_start[np.flatnonzero(np.diff(batch)) + 1].tolist(), row.size]
        r2 = float(chord) * float(chord)
        px, py, pz = (np.ascontiguousarray(p[:, i]) for i in range(3))
        ux, uy, uz = self.cols
        for start, stop in zip(bounds[:-1], bounds[1:]):
            n = length[start:stop]
            r = np.repeat(row[start:stop], n)
            idx = np.repeat(lo[start:stop] - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
            cell = self.order[idx]
            # the squared chord summed as cKDTree sums it (x, y, z in turn), compared as it compares
            dx = ux[cell] - px[r]
            dy = uy[cell] - py[r]
            dz = uz[cell] - pz[r]
            d2 = dx * dx + dy * dy + dz * dz
            inside = d2 <= r2
            yield r[inside], cell[inside], d2[inside]
