"""The coverage search's cell lookup (rossim.capsearch) selects exactly the cells within the chord.

Truth: an all-pairs brute force of the same chord test, and scipy's cKDTree ``query_ball_point``
(the lookup the search used before: an independent implementation), on random points, a real
region grid under an orbit's samples, points at the poles and on the antimeridian, and cells
placed on the cap's edge.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from rossim import regions
from rossim.capsearch import CapIndex


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=1)[:, None]


def _from_lat_lon(lat_deg, lon_deg):
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _found(cells, points, chord, band_rad, max_candidates=2_000_000) -> np.ndarray:
    """The pairs found, as a sorted array of point * M + cell (fails on a pair found twice)."""
    index = CapIndex(cells, band_rad)
    keys = [r.astype(np.int64) * len(cells) + c for r, c in index.pairs(points, chord, max_candidates)]
    keys = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    assert np.unique(keys).size == keys.size, "a pair found twice"
    return np.sort(keys)


def _brute(cells, points, chord) -> np.ndarray:
    """Every pair, the chord summed x, y, z in turn (as cKDTree does)."""
    dx = cells[None, :, 0] - points[:, None, 0]
    dy = cells[None, :, 1] - points[:, None, 1]
    dz = cells[None, :, 2] - points[:, None, 2]
    r, c = np.nonzero(dx * dx + dy * dy + dz * dz <= chord * chord)
    return np.sort(r.astype(np.int64) * len(cells) + c)


def _kdtree(cells, points, chord) -> np.ndarray:
    lists = cKDTree(cells).query_ball_point(points, chord)
    return np.sort(np.array([i * len(cells) + j for i, found in enumerate(lists) for j in found], dtype=np.int64))


def _check(cells, points, rho_rad, band_rad=None, **kw):
    chord = 2.0 * np.sin(0.5 * rho_rad)
    got = _found(cells, points, chord, band_rad or max(rho_rad / 8, 1e-5), **kw)
    brute = _brute(cells, points, chord)
    assert np.array_equal(got, brute)
    assert np.array_equal(got, _kdtree(cells, points, chord))
    return got.size


@pytest.mark.parametrize("rho_deg", [0.05, 2.7, 20.0, 95.0, 179.0])
def test_random_points_every_radius(rho_deg):
    rng = np.random.default_rng(7)
    cells = _unit(rng.normal(size=(1500, 3)))
    points = _unit(rng.normal(size=(200, 3)))
    found = _check(cells, points, np.radians(rho_deg))
    assert found > 0 or rho_deg < 1.0


def test_batches_split_whole_points_and_lose_nothing():
    rng = np.random.default_rng(8)
    cells = _unit(rng.normal(size=(2000, 3)))
    points = _unit(rng.normal(size=(200, 3)))
    chord = 2.0 * np.sin(np.radians(10.0))
    index = CapIndex(cells, np.radians(2.5))
    batches = list(index.pairs(points, chord, max_candidates=500))
    assert len(batches) > 5
    seen = [set(r.tolist()) for r, _ in batches]
    assert all(not (a & b) for i, a in enumerate(seen) for b in seen[i + 1:])  # a point in one batch
    assert np.array_equal(_found(cells, points, chord, np.radians(2.5), 500), _brute(cells, points, chord))


def test_near_the_poles():
    """Caps holding a pole, caps just short of it, cells on the pole and within metres of it."""
    rng = np.random.default_rng(9)
    lat = np.concatenate([rng.uniform(80.0, 90.0, 1500), rng.uniform(-90.0, -80.0, 500), [90.0, -90.0],
                          90.0 - rng.uniform(0.0, 1e-4, 20)])
    cells = _from_lat_lon(lat, rng.uniform(-180.0, 180.0, lat.size))
    plat = np.concatenate([rng.uniform(84.0, 90.0, 100), [90.0, -90.0, 87.0 - 1e-7, 87.0 + 1e-7]])
    points = _from_lat_lon(plat, rng.uniform(-180.0, 180.0, plat.size))
    for rho_deg in (0.5, 3.0, 6.0):
        assert _check(cells, points, np.radians(rho_deg)) > 0


def test_across_the_antimeridian():
    """Cells at exactly +-180 deg and either side of it, caps centred on both sides."""
    rng = np.random.default_rng(10)
    lon = np.concatenate([np.full(200, 180.0), np.full(200, -180.0), rng.uniform(175.0, 180.0, 400),
                          rng.uniform(-180.0, -175.0, 400)])
    cells = _from_lat_lon(rng.uniform(-60.0, 75.0, lon.size), lon)
    plon = np.concatenate([rng.uniform(177.0, 180.0, 60), rng.uniform(-180.0, -177.0, 60), [180.0, -180.0]])
    points = _from_lat_lon(rng.uniform(-60.0, 75.0, plon.size), plon)
    for rho_deg in (1.0, 2.7, 8.0):
        assert _check(cells, points, np.radians(rho_deg)) > 0


def test_cells_on_the_edge_of_the_cap():
    """Cells placed at the cap's radius (a hair inside and outside too): the chord decides, as the
    KD-tree's does, in every direction round the centre."""
    rng = np.random.default_rng(11)
    points = _from_lat_lon(rng.uniform(-85.0, 85.0, 40), rng.uniform(-180.0, 180.0, 40))
    rho = np.radians(2.7)
    cells = []
    for p in points:
        east = np.cross([0.0, 0.0, 1.0], p)
        east /= np.linalg.norm(east)
        north = np.cross(p, east)
        az = rng.uniform(0.0, 2.0 * np.pi, 30)
        for d in (rho * (1 - 1e-15), rho, rho * (1 + 1e-15), rho * (1 - 1e-9), rho * (1 + 1e-9)):
            cells.append(np.cos(d) * p + np.sin(d) * (np.cos(az)[:, None] * north + np.sin(az)[:, None] * east))
    cells = _unit(np.concatenate(cells))
    inside = _check(cells, points, rho)
    assert 0 < inside < len(cells)  # both sides of the edge are represented


def test_a_region_grid_under_an_orbit():
    """Russia's 100 km cells (rows, boundary cells off their row) under a polar orbit's samples."""
    grid = regions.equal_area_grid(regions.russia(), 100.0)
    cells = _unit(grid.ecef_km)
    t = np.linspace(0.0, 2.0 * np.pi * 3, 1500)
    inc = np.radians(97.0)
    track = np.column_stack([np.cos(t), np.sin(t) * np.cos(inc), np.sin(t) * np.sin(inc)])
    spin = -t / 16.0  # the Earth turns under the orbit
    points = np.column_stack([track[:, 0] * np.cos(spin) - track[:, 1] * np.sin(spin),
                              track[:, 0] * np.sin(spin) + track[:, 1] * np.cos(spin), track[:, 2]])
    assert _check(cells, points, np.radians(2.7)) > 1000


def test_no_cells_or_no_points():
    rng = np.random.default_rng(12)
    cells = _unit(rng.normal(size=(50, 3)))
    assert list(CapIndex(np.zeros((0, 3)), 0.01).pairs(cells, 0.1)) == []
    assert list(CapIndex(cells, 0.01).pairs(np.zeros((0, 3)), 0.1)) == []


# --- the nearest vector (the maps' pixel -> cell lookup) ------------------------------------------------


def _nearest_ref(cells, points):
    """Brute force: the least chord, summed as above; the lowest index among equals."""
    dx = cells[None, :, 0] - points[:, None, 0]
    dy = cells[None, :, 1] - points[:, None, 1]
    dz = cells[None, :, 2] - points[:, None, 2]
    return np.argmin(dx * dx + dy * dy + dz * dz, axis=1)


@pytest.mark.parametrize("where", ["anywhere", "poles", "antimeridian", "far"])
def test_nearest_equals_brute_force_and_kdtree(where):
    rng = np.random.default_rng(13)
    if where == "anywhere":
        cells, points = _unit(rng.normal(size=(2000, 3))), _unit(rng.normal(size=(3000, 3)))
    elif where == "poles":
        cells = _from_lat_lon(rng.uniform(85.0, 90.0, 800), rng.uniform(-180.0, 180.0, 800))
        points = _from_lat_lon(rng.uniform(86.0, 90.0, 2000), rng.uniform(-180.0, 180.0, 2000))
    elif where == "antimeridian":
        cells = _from_lat_lon(rng.uniform(50.0, 70.0, 800), rng.choice([-1.0, 1.0], 800) * rng.uniform(170.0, 180.0, 800))
        points = _from_lat_lon(rng.uniform(50.0, 70.0, 2000), rng.choice([-1.0, 1.0], 2000) * rng.uniform(175.0, 180.0, 2000))
    else:  # points far from every cell: the search radius grows until it finds one
        cells = _from_lat_lon(rng.uniform(60.0, 61.0, 300), rng.uniform(30.0, 31.0, 300))
        points = _unit(rng.normal(size=(1000, 3)))
    from rossim.capsearch import spacing_rad

    rho0 = spacing_rad(cells)
    got = CapIndex(cells, max(rho0, 1e-6)).nearest(points, rho0)
    assert np.array_equal(got, _nearest_ref(cells, points))
    assert np.array_equal(got, cKDTree(cells).query(points, k=1)[1])


def test_nearest_of_no_vectors_and_ties():
    assert np.array_equal(CapIndex(np.zeros((0, 3)), 0.01).nearest(_unit([[1.0, 0.0, 0.0]]), 0.01), [-1])
    cells = _unit([[0.0, 1.0, 0.0], [0.0, -1.0, 0.0], [0.0, 1.0, 0.0]])  # 0 and 2 the same point
    assert np.array_equal(CapIndex(cells, 0.1).nearest(_unit([[1.0, 1e-3, 0.0], [1.0, -1e-3, 0.0]]), 0.01), [0, 1])
    assert np.array_equal(CapIndex(cells, 0.1).nearest(np.array([[np.nan, 0.0, 0.0], [0.0, 1.0, 0.0]]), 0.01), [-1, 0])


def test_a_maps_raster_finds_the_kdtrees_cells():
    """The coverage map's pixels inside Russia against the 100 km cells (rossim.maps)."""
    from rossim import maps
    from rossim.capsearch import spacing_rad

    grid = regions.equal_area_grid(regions.russia(), 100.0)
    _, lon, lat, inside = maps._frame()
    cells, pixels = maps._unit(grid.lat_deg, grid.lon_deg), maps._unit(lat[inside][::7], lon[inside][::7])
    rho0 = spacing_rad(cells)
    assert np.array_equal(CapIndex(cells, rho0).nearest(pixels, rho0), cKDTree(cells).query(pixels, k=1)[1])
