"""Tests for rossim.regions: areas against closed forms and pyproj, the antimeridian, the NSR
corridor against brute-force distances, a per-cell slow twin of the grid, and input errors.

Independent truth used here:
* Snyder, "Map Projections: A Working Manual" (USGS PP 1395, 1987), eq. 3-12: the authalic
  function q(φ); the ellipsoid area between the equator and φ over Δλ is a²/2 · Δλ · q(φ). It is
  re-derived below as ∫ M(φ) N(φ) cos φ dφ with scipy's quad (a check of the formula itself).
* pyproj's geodesic polygon area (GeographicLib) and geodesic distances.
* The figures in rossim/data/README.md (Russia's area and the shares north of latitudes).
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import brentq

from rossim import regions
from rossim.errors import InputError

DATA = Path(__file__).parent / "data"
GEOD = pyproj.Geod(ellps="WGS84")

# WGS84, written out here rather than imported from the module under test.
A_KM = 6378.137
F = 1 / 298.257223563
E2 = F * (2 - F)

# --- tolerances -------------------------------------------------------------------------------
# The closed form and the quadrature of M·N·cos φ are both exact; quad's error is ~1e-13.
CLOSED_FORM_REL = 1e-10
# pyproj's geodesic area of a densified (≤0.01°) lat/lon box vs the closed form: the densified
# parallels are chords of the true parallels, ~1e-7 relative at these sizes.
PYPROJ_BOX_REL = 1e-6
# The data README rounds Russia's area to 1 km²; the brief's bar is 0.1 %.
RUSSIA_AREA_REL = 1e-3
# Contract: a grid's total lies within 1 % of the region's ellipsoidal area.
GRID_TOTAL_REL = 1e-2
# Boxes whose edges are parallels/meridians: full cells are exact and boundary cells are exact in
# the module's (λ, q) equal-area plane, so only rounding remains (measured ~1e-7).
GRID_BOX_REL = 1e-5
# Share of Russia north of a latitude from the 25 km grid: the grid bins whole 25 km rows by their
# centre, so up to half a row (~0.5 % of Russia) lands on the wrong side; the brief's bar is 1 pp.
SHARE_ABS = 0.01
# Full cells at 50–60°N have ≈ resolution² area: the row height is the quarter meridian / 400
# rows (+0.02 %) and the column count rounds ~900 cells per row (≤ 0.06 %).
FULL_CELL_REL = 1e-2
# NSR corridor area vs length × width: the two round end caps add π (w/2)² = 7,854 km² (+1.6 %
# at 100 km); the inside of bends overlaps (≤ ~1 % for the NSR's gentle bends); the length is
# rounded to 1 km. 5 % bounds these with margin while still catching a width or km/m slip
# (factor 2 or more) and a degrees-buffer (far off at 70–78°N).
CORRIDOR_AREA_REL = 0.05
# Corridor boundary vs brute-force geodesic distance: buffer arcs are polygons (0.1 % of the
# half-width), the track's vertices are joined by straight lines in the local projection rather
# than geodesics (≪ 1 km for ≤25 km legs), the local projection's scale error (< 0.05 %), the
# brute-force track is sampled every ≤ 0.5 km. 1 km (2 % of 50 km) covers them.
CORRIDOR_EDGE_KM = 1.0
# Slow twin: per-cell areas from pyproj on the densified intersection vs the module's (λ, q)
# plane, where straight lon/lat edges become short chords (measured max 2.7e-5 at Wrangel).
CELL_AREA_REL = 1e-4
CELL_AREA_ABS_KM2 = 1e-3
# ECEF: two implementations of the same closed form; 1 mm.
ECEF_KM = 1e-6


# --- independent truth ------------------------------------------------------------------------
def snyder_q(lat_deg):
    """Snyder eq. 3-12: q = (1 − e²)[sin φ/(1 − e² sin² φ) − 1/(2e) ln((1 − e sin φ)/(1 + e sin φ))]."""
    e = math.sqrt(E2)
    s = np.sin(np.radians(lat_deg))
    return (1 - E2) * (s / (1 - E2 * s**2) - 1 / (2 * e) * np.log((1 - e * s) / (1 + e * s)))


def zone_area_km2(lat0_deg, lat1_deg, dlon_deg=360.0):
    """Ellipsoid area between two parallels over dlon_deg of longitude (closed form)."""
    return 0.5 * A_KM**2 * math.radians(dlon_deg) * (snyder_q(lat1_deg) - snyder_q(lat0_deg))


def zone_area_quad_km2(lat0_deg, lat1_deg, dlon_deg=360.0):
    """The same area as ∫∫ M N cos φ dφ dλ (numerical)."""
    def integrand(phi):
        w = 1 - E2 * math.sin(phi) ** 2
        return A_KM**2 * (1 - E2) * math.cos(phi) / w**2
    value, _ = quad(integrand, math.radians(lat0_deg), math.radians(lat1_deg),
                    epsabs=0, epsrel=1e-13)
    return value * math.radians(dlon_deg)


def pyproj_area_km2(geometry):
    """pyproj geodesic area of a lon/lat (multi)polygon, edges densified to 0.01°."""
    total = 0.0
    for part in shapely.get_parts(shapely.segmentize(geometry, 0.01)):
        area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(part))
        total += area
    return total * 1e-6


def meridian_arc_km(lat_deg):
    """∫ M dφ from the equator (numerical)."""
    def m(phi):
        return A_KM * (1 - E2) / (1 - E2 * math.sin(phi) ** 2) ** 1.5
    value, _ = quad(m, 0.0, math.radians(lat_deg), epsabs=0, epsrel=1e-13)
    return value


# --- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def russia():
    return regions.russia()


@pytest.fixture(scope="module")
def russia_grid(russia):
    return regions.equal_area_grid(russia, 25.0)


@pytest.fixture(scope="module")
def corridor():
    return regions.nsr_corridor(100.0)


@pytest.fixture(scope="module")
def dense_track_ecef_km():
    """NSR track sampled every ≤0.5 km along geodesics between its vertices, (K, 3) ECEF km."""
    points = []
    for part in shapely.get_parts(regions.nsr_route()):
        xy = shapely.get_coordinates(part)
        for (lon0, lat0), (lon1, lat1) in zip(xy[:-1], xy[1:]):
            _, _, dist = GEOD.inv(lon0, lat0, lon1, lat1)
            n = max(0, math.ceil(dist / 500.0) - 1)
            inner = GEOD.npts(lon0, lat0, lon1, lat1, n) if n else []
            points.extend([(lon0, lat0), *inner])
        points.append(tuple(xy[-1]))
    lon, lat = np.array(points).T
    return ecef_km(lon, lat)


def ecef_km(lon_deg, lat_deg):
    """WGS84 Earth-fixed coordinates of surface points via pyproj (EPSG:4979 → EPSG:4978)."""
    to_ecef = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    x, y, z = to_ecef.transform(lon_deg, lat_deg, np.zeros_like(np.asarray(lon_deg, float)))
    return np.column_stack([x, y, z]) * 1e-3


def distance_to_track_km(lon_deg, lat_deg, track_ecef_km):
    """Brute force: chord to the nearest dense track sample (= geodesic to < 1 m at ≤150 km)."""
    p = ecef_km(lon_deg, lat_deg)
    d2 = ((p[:, None, :] - track_ecef_km[None, :, :]) ** 2).sum(axis=2)
    return np.sqrt(d2.min(axis=1))


# --- the independent truth is itself right -----------------------------------------------------
@pytest.mark.parametrize(("lat0", "lat1"), [(0.0, 90.0), (50.0, 60.0), (70.0, 90.0), (-30.0, 10.0)])
def test_snyder_closed_form_matches_quadrature(lat0, lat1):
    assert zone_area_km2(lat0, lat1) == pytest.approx(zone_area_quad_km2(lat0, lat1), rel=CLOSED_FORM_REL)


def test_half_earth_area_is_textbook():
    # WGS84 authalic radius 6,371,007.1809 m (NIMA TR8350.2, table 3.5): surface 4πR².
    assert 2 * zone_area_km2(0.0, 90.0) == pytest.approx(4 * math.pi * 6371.0071809**2, rel=1e-10)


# --- analytic regions ---------------------------------------------------------------------------
BOXES = {
    "cap_north_of_70": shapely.box(-180.0, 70.0, 180.0, 90.0),
    "band_50_60": shapely.box(-180.0, 50.0, 180.0, 60.0),
}


@pytest.mark.parametrize("name", sorted(BOXES))
def test_box_region_and_grid_areas_match_closed_form(name):
    box = BOXES[name]
    lon0, lat0, lon1, lat1 = box.bounds
    truth = zone_area_km2(lat0, lat1, lon1 - lon0)
    region = regions.from_geometry(box, name)
    assert pyproj_area_km2(box) == pytest.approx(truth, rel=PYPROJ_BOX_REL)
    assert region.area_km2 == pytest.approx(truth, rel=PYPROJ_BOX_REL)
    grid = regions.equal_area_grid(region, 25.0)
    assert grid.total_area_km2 == pytest.approx(truth, rel=GRID_TOTAL_REL)
    assert grid.total_area_km2 == pytest.approx(truth, rel=GRID_BOX_REL)
    assert grid.region_name == name and grid.resolution_km == 25.0


def test_full_cells_have_resolution_squared_area():
    grid = regions.equal_area_grid(regions.from_geometry(BOXES["band_50_60"], "band"), 25.0)
    # Rows wholly inside 50–60°N hold only full cells; the two edge rows are clipped.
    inner = (grid.lat_deg > 50.3) & (grid.lat_deg < 59.7)
    assert grid.area_km2[inner] == pytest.approx(625.0, rel=FULL_CELL_REL)
    # Equal area: a row holds (its zone area) / 625 km² cells, so the count falls with cos(lat).
    # The row is ±12.5 km of meridian arc about its centre (half-height from the meridian radius M).
    lats, counts = np.unique(grid.lat_deg[inner], return_counts=True)
    m_km = A_KM * (1 - E2) / (1 - E2 * np.sin(np.radians(lats)) ** 2) ** 1.5
    half_deg = np.degrees(12.5 / m_km)
    expected = np.array([zone_area_km2(c - h, c + h) for c, h in zip(lats, half_deg)]) / 625.0
    assert np.all(np.abs(counts - expected) <= 1 + 2e-3 * expected)
    assert counts[0] > counts[-1]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    lon0=st.floats(-180.0, 170.0), width=st.floats(0.5, 60.0),
    lat0=st.floats(-85.0, 80.0), height=st.floats(0.5, 20.0),
    resolution_km=st.sampled_from([50.0, 100.0, 200.0]),
)
# Shrunk failure: a cell centre computed as 6.6e-15° was wrapped to 0.0 by contains(), just
# west of the box's edge at 8e-26°.
@example(lon0=8.022590792816272e-26, width=1.0, lat0=0.0, height=5.0, resolution_km=50.0)
def test_random_boxes_grid_total_is_exact(lon0, width, lat0, height, resolution_km):
    lon1, lat1 = min(lon0 + width, 180.0), min(lat0 + height, 90.0)
    region = regions.from_geometry(shapely.box(lon0, lat0, lon1, lat1), "box")
    grid = regions.equal_area_grid(region, resolution_km)
    truth = zone_area_km2(lat0, lat1, lon1 - lon0)
    assert grid.total_area_km2 == pytest.approx(truth, rel=GRID_BOX_REL)
    assert region.contains(grid.lon_deg, grid.lat_deg).all()


# --- Russia -----------------------------------------------------------------------------------
def test_russia_area_matches_readme(russia):
    assert russia.area_km2 == pytest.approx(16_973_510, rel=RUSSIA_AREA_REL)
    assert russia.geometry.is_valid and len(russia.geometry.geoms) == 101


def test_russia_grid_total_and_shares(russia_grid):
    grid = russia_grid
    assert grid.total_area_km2 == pytest.approx(16_973_510, rel=GRID_TOTAL_REL)
    # About area / res² cells (boundary cells are partial, so a few % more).
    assert 16_973_510 / 625 < len(grid) < 1.1 * 16_973_510 / 625
    for lat, share in [(51.79, 0.885), (53.70, 0.808), (66.56, 0.207)]:
        north = grid.area_km2[grid.lat_deg > lat].sum() / grid.total_area_km2
        assert north == pytest.approx(share, abs=SHARE_ABS), lat


def test_arctic_zone_area():
    arctic = regions.arctic_zone()
    assert arctic.area_km2 == pytest.approx(3_508_663, rel=GRID_TOTAL_REL)
    assert arctic.geometry.bounds[1] == pytest.approx(66.56)
    grid = regions.equal_area_grid(arctic, 25.0)
    assert grid.total_area_km2 == pytest.approx(3_508_663, rel=GRID_TOTAL_REL)
    assert grid.lat_deg.min() > 66.56


def test_antimeridian_points(russia):
    inside = [(-172.0, 66.0), (-179.5, 71.2), (179.5, 71.3), (177.0, 65.0), (37.6, 55.75)]
    lon, lat = np.array(inside).T
    assert russia.contains(lon, lat).all()
    # The same points in a 0–360° frame.
    assert russia.contains(lon % 360.0, lat).all()
    # Alaska, the Pacific south of the Bering Strait, and the North Pole are not Russia.
    assert not russia.contains(np.array([-150.0, -175.0, 0.0]), np.array([65.0, 60.0, 89.9])).any()


def test_grid_on_both_sides_of_the_antimeridian(russia, russia_grid):
    grid = russia_grid
    east_of_180 = grid.lon_deg < -179.0
    west_of_180 = grid.lon_deg > 179.0
    assert east_of_180.any() and west_of_180.any()
    assert np.all(np.abs(grid.lon_deg) < 180.0)
    # No cell twice: (lat, lon mod 360) pairs are unique.
    keys = np.round(np.column_stack([grid.lat_deg, grid.lon_deg % 360.0]), 9)
    assert len(np.unique(keys, axis=0)) == len(grid)
    # No cell straddles ±180°: the cells west of 0° (centres < 0) hold exactly Russia's area
    # east of the antimeridian (Chukotka's and Wrangel's eastern pieces) — a straddling cell
    # would move area across. Same exactness as the slow twin below.
    truth = pyproj_area_km2(shapely.intersection(russia.geometry, shapely.box(-180.0, -90.0, 0.0, 90.0)))
    assert grid.area_km2[grid.lon_deg < 0.0].sum() == pytest.approx(truth, rel=CELL_AREA_REL)
    assert russia.contains(grid.lon_deg, grid.lat_deg).all()


def test_grid_is_read_only_and_ecef_is_wgs84(russia_grid):
    grid = russia_grid
    assert grid.ecef_km.shape == (len(grid), 3)
    for array in (grid.lat_deg, grid.lon_deg, grid.area_km2, grid.ecef_km):
        assert not array.flags.writeable
    np.testing.assert_allclose(grid.ecef_km, ecef_km(grid.lon_deg, grid.lat_deg), rtol=0, atol=ECEF_KM)


# --- slow twin: the grid built cell by cell ------------------------------------------------------
def slow_grid(region, resolution_km):
    """Brute-force grid from the documented layout: Python loops, pyproj areas per cell."""
    quarter = meridian_arc_km(90.0)
    n_half = round(quarter / resolution_km)
    row_km = quarter / n_half
    lon_min, lat_min, lon_max, lat_max = region.geometry.bounds
    k0 = math.floor(meridian_arc_km(lat_min) / row_km)
    k1 = math.ceil(meridian_arc_km(lat_max) / row_km)
    cells = []
    for k in range(k0, k1):
        edges = [brentq(lambda p, s=s: meridian_arc_km(p) - s, -90, 90, xtol=1e-13)
                 for s in (k * row_km, (k + 1) * row_km)]
        n_lon = max(1, round(zone_area_km2(*edges) / resolution_km**2))
        dlon = 360.0 / n_lon
        for part in shapely.get_parts(region.geometry):  # columns overlapping each polygon
            west, _, east, _ = part.bounds
            for col in range(int((west + 180) // dlon), min(n_lon, math.ceil((east + 180) / dlon))):
                box = shapely.box(-180 + col * dlon, edges[0], -180 + (col + 1) * dlon, edges[1])
                inside = shapely.intersection(region.geometry, box)
                if inside.area == 0.0:
                    continue
                centre = shapely.centroid(box)
                if not shapely.intersects(inside, centre):
                    centre = shapely.point_on_surface(inside)
                cells.append((k, col, centre.y, centre.x, pyproj_area_km2(inside)))
    cells = sorted(set(cells))  # a column can be listed by two polygons
    return np.array([c[2:] for c in cells])


def test_grid_equals_slow_twin_at_wrangel_island(russia):
    # Wrangel Island, cut at ±180° into two polygons; 10 km cells.
    window = shapely.union(shapely.box(178.0, 70.5, 180.0, 72.0), shapely.box(-180.0, 70.5, -176.0, 72.0))
    region = regions.from_geometry(shapely.intersection(russia.geometry, window), "wrangel")
    grid = regions.equal_area_grid(region, 10.0)
    twin = slow_grid(region, 10.0)
    assert len(grid) == len(twin) > 50
    np.testing.assert_allclose(grid.lat_deg, twin[:, 0], rtol=0, atol=1e-7)
    np.testing.assert_allclose(grid.lon_deg, twin[:, 1], rtol=0, atol=1e-7)
    np.testing.assert_allclose(grid.area_km2, twin[:, 2], rtol=CELL_AREA_REL, atol=CELL_AREA_ABS_KM2)
    assert (grid.lon_deg > 0).any() and (grid.lon_deg < 0).any()


# --- Northern Sea Route -----------------------------------------------------------------------
def test_nsr_route_length():
    route = regions.nsr_route()
    assert route.geom_type == "MultiLineString" and len(route.geoms) == 2
    assert GEOD.geometry_length(route) / 1e3 == pytest.approx(4820.0, abs=1.0)


def test_nsr_corridor_area_and_waypoints(corridor):
    assert corridor.line is not None and corridor.geometry.is_valid
    assert corridor.area_km2 == pytest.approx(4820.0 * 100.0, rel=CORRIDOR_AREA_REL)
    # Larger than the bare strip by about the end caps: π (w/2)² = 7,854 km².
    assert 4820.0 * 100.0 < corridor.area_km2 < 4820.0 * 100.0 + 2 * math.pi * 50.0**2
    data = json.loads((resources.files("rossim") / "data" / "northern_sea_route.geojson").read_text("utf-8"))
    waypoints = np.array([f["geometry"]["coordinates"] for f in data["features"]
                          if f["properties"].get("role") == "waypoint"])
    assert len(waypoints) == 20
    assert corridor.contains(waypoints[:, 0], waypoints[:, 1]).all()
    # Cut at ±180° like Russia: nothing beyond it, pieces on both sides.
    lon = shapely.get_coordinates(corridor.geometry)[:, 0]
    assert lon.min() == -180.0 and lon.max() == 180.0
    assert corridor.contains(np.array([179.9, -179.9]), np.array([69.6, 69.6])).all()


def _offset_point(lon, lat, lon_next, lat_next, distance_km):
    """Point distance_km to the left of the track direction (lon, lat) → (lon_next, lat_next)."""
    azimuth, _, _ = GEOD.inv(lon, lat, lon_next, lat_next)
    x, y, _ = GEOD.fwd(lon, lat, azimuth - 90.0, distance_km * 1e3)
    return x, y


def test_point_80_km_off_track(corridor, dense_track_ecef_km):
    # Mid-leg between the central and the eastern Laptev Sea waypoints.
    xy = shapely.get_coordinates(regions.nsr_route().geoms[0])
    i = int(np.argmin(np.hypot(xy[:, 0] - 125.0, xy[:, 1] - 75.5)))
    for side in (+1, -1):
        lon, lat = _offset_point(*xy[i], *xy[i + 1], side * 80.0)
        assert distance_to_track_km([lon], [lat], dense_track_ecef_km)[0] == pytest.approx(80.0, abs=0.5)
        assert not corridor.contains(lon, lat)
        assert regions.nsr_corridor(200.0).contains(lon, lat)


def test_corridor_edge_matches_brute_force_distance(corridor, dense_track_ecef_km):
    rng = np.random.default_rng(20_240_601)
    xy = np.concatenate([shapely.get_coordinates(p) for p in regions.nsr_route().geoms])
    index = rng.integers(0, len(xy) - 1, size=150)
    offsets = rng.uniform(-150.0, 150.0, size=150)
    points = np.array([_offset_point(*xy[i], *xy[i + 1], d) if xy[i + 1, 0] != -xy[i, 0]
                       else xy[i] for i, d in zip(index, offsets)])
    # Points beyond both ends, along the track's direction (the round caps).
    beyond = [_offset_point(*xy[end], *xy[prev], 0.0) for end, prev in ((0, 1), (-1, -2))]
    for (lon, lat), (end, prev) in zip(beyond, ((0, 1), (-1, -2))):
        azimuth, _, _ = GEOD.inv(*xy[prev], *xy[end])
        for d in (20.0, 45.0, 55.0, 80.0):
            points = np.vstack([points, GEOD.fwd(*xy[end], azimuth, d * 1e3)[:2]])
    distance = distance_to_track_km(points[:, 0], points[:, 1], dense_track_ecef_km)
    inside = corridor.contains(points[:, 0], points[:, 1])
    clear = np.abs(distance - 50.0) > CORRIDOR_EDGE_KM
    assert clear.sum() > 145
    np.testing.assert_array_equal(inside[clear], distance[clear] < 50.0)


def test_corridor_grid():
    corridor = regions.nsr_corridor(100.0)
    grid = regions.equal_area_grid(corridor, 10.0)
    assert grid.total_area_km2 == pytest.approx(corridor.area_km2, rel=GRID_TOTAL_REL)
    assert (grid.lon_deg < -170.0).any() and (grid.lon_deg > 170.0).any()


# --- named regions and user GeoJSON -------------------------------------------------------------
def test_named_regions():
    assert regions.named("russia").name == "russia"
    assert regions.named("Arctic").name == "arctic"
    assert regions.named("nsr").line is not None
    with pytest.raises(InputError, match="did you mean 'russia'") as info:
        regions.named("russa")
    assert info.value.field == "region"


def test_geojson_on_both_sides_of_180():
    region = regions.from_geojson(DATA / "regions_two_sides_of_180.geojson")
    assert region.area_km2 == pytest.approx(zone_area_km2(60.0, 70.0, 20.0), rel=PYPROJ_BOX_REL)
    assert region.contains(np.array([175.0, -175.0, 180.0]), np.array([65.0, 65.0, 65.0])).all()
    assert not region.contains(0.0, 65.0)
    grid = regions.equal_area_grid(region, 50.0)
    assert grid.total_area_km2 == pytest.approx(region.area_km2, rel=GRID_BOX_REL)


@pytest.mark.parametrize(("fixture", "expected"), [
    ("regions_not_json.geojson", "not valid JSON"),
    ("regions_linestring.geojson", "no Polygon or MultiPolygon found"),
    ("regions_bowtie.geojson", "invalid polygon: Self-intersection"),
    ("regions_antimeridian_jump.geojson", "must be cut there"),
    ("regions_missing_file.geojson", "no such file"),
])
def test_bad_geojson(fixture, expected):
    path = DATA / fixture
    with pytest.raises(InputError, match=expected) as info:
        regions.from_geojson(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert info.value.source == str(path)


def test_bowtie_names_the_feature():
    with pytest.raises(InputError) as info:
        regions.from_geojson(DATA / "regions_bowtie.geojson")
    assert info.value.field == "features[0].geometry"


@pytest.mark.parametrize("resolution_km", [0, -5, 0.5, float("nan"), float("inf"), "fine"])
def test_bad_resolution(russia, resolution_km):
    with pytest.raises(InputError) as info:
        regions.equal_area_grid(russia, resolution_km)
    assert info.value.field == "resolution_km"
    if resolution_km == 0.5:  # ≈68 million cells
        assert "5,000,000" in str(info.value)


def test_fine_resolution_on_a_small_region_is_accepted():
    # 1° × 0.2° at the equator (≈2,460 km²) at 0.5 km: ≈9,800 cells, far below the limit that
    # refuses 0.5 km over Russia.
    region = regions.from_geometry(shapely.box(10.0, 0.0, 11.0, 0.2), "small")
    grid = regions.equal_area_grid(region, 0.5)
    assert grid.total_area_km2 == pytest.approx(region.area_km2, rel=GRID_BOX_REL)
    # Boundary cells are partial: ~(perimeter / 0.5 km) ≈ 1,000 of them add up to ~5 % to the count.
    assert region.area_km2 / 0.25 <= len(grid) <= 1.06 * region.area_km2 / 0.25


def test_limit_is_area_over_resolution_squared():
    region = regions.from_geometry(shapely.box(10.0, 0.0, 11.0, 0.2), "small")
    finest_km = math.sqrt(region.area_km2 / regions.MAX_GRID_CELLS)
    with pytest.raises(InputError, match="limit of 5,000,000"):
        regions.equal_area_grid(region, 0.99 * finest_km)


@pytest.mark.parametrize("width_km", [0.0, -1.0, 5000.0])
def test_bad_corridor_width(width_km):
    with pytest.raises(InputError) as info:
        regions.nsr_corridor(width_km)
    assert info.value.field == "width_km"


def test_arctic_zone_north_of_russia_is_refused():
    with pytest.raises(InputError, match="northernmost") as info:
        regions.arctic_zone(85.0)
    assert info.value.field == "min_lat_deg"
