"""Regions of interest and equal-area grids over them.

A :class:`Region` is a polygonal area on the WGS84 ellipsoid given in longitude/latitude degrees
(RFC 7946: east and north positive, nothing crosses the antimeridian; a region that reaches over
±180°, like Russia's Chukotka and Wrangel Island, is *cut* there into pieces on either side, so a
planar point-in-polygon test in plain lon/lat is right everywhere). Its area is the WGS84
ellipsoidal area with edges read as straight lines in lon/lat (as shapely draws them).

Built-in regions: :func:`russia`, :func:`arctic_zone`, :func:`nsr_corridor` (a geodesic buffer of
the Northern Sea Route track :func:`nsr_route`); user regions come from :func:`from_geojson` or
:func:`from_geometry`. :func:`named` maps the command line's names to them.

:func:`equal_area_grid` covers a region with cells of nearly equal area: latitude rows of equal
meridian-arc height, each split in longitude into equal cells (so a row at latitude φ has
∝ cos φ cells). Cells on the region's boundary carry the exact area of the region inside them.

Disk cache: the built-in regions and every grid are kept in :func:`cache_dir` (``.npz`` files named
by a SHA-256 of everything they are made from: this module's source, the data file's bytes, the
region's geometry, the resolution, numpy/shapely/GEOS/pyproj versions), so a change to any of them
makes a new entry and a stale one is never read. A run that finds its entries skips ~1.5 s of
geometry (the NSR corridor's projections, Russia's 7,500 cells at 50 km). The arrays are stored
exactly (float64, WKB), so a cached grid equals a built one bit for bit (``tests/test_regions.py``).

Data: Natural Earth 1:50m Admin-0 Countries 4.0.0 (public domain, de facto boundaries; see
``rossim/data/README.md``); the Northern Sea Route track is approximate and hand-placed, not for
navigation.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pyproj
import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from rossim import inputfiles
from rossim.errors import InputError

__all__ = [
    "MAX_GEOJSON_BYTES",
    "MAX_GRID_CELLS",
    "MAX_RESOLUTION_KM",
    "DISPUTED_NOTE",
    "REGION_NAMES",
    "Grid",
    "Region",
    "arctic_zone",
    "cache_dir",
    "prune_cache",
    "cell_bounds",
    "check_cells",
    "disputed",
    "check_resolution_km",
    "equal_area_grid",
    "from_geojson",
    "from_geometry",
    "named",
    "nsr_corridor",
    "nsr_route",
    "russia",
]

#: The most cells :func:`equal_area_grid` will build (estimated as region area / resolution²).
MAX_GRID_CELLS = 5_000_000
#: The coarsest grid accepted (km): cells a fifth of the quarter meridian.
MAX_RESOLUTION_KM = 2000.0
#: Largest GeoJSON file read (bytes); Russia at Natural Earth's finest scale (1:10m) is ~2 MiB.
MAX_GEOJSON_BYTES = 64 * 2**20
#: Names accepted by :func:`named` (the command line's ``--region``).
REGION_NAMES = ("russia", "arctic", "nsr")

# WGS84 ellipsoid.
_A_KM = 6378.137
_F = 1.0 / 298.257223563
_E2 = _F * (2.0 - _F)
_E = math.sqrt(_E2)
_GEOD = pyproj.Geod(ellps="WGS84")

# Edges are densified to this spacing before pyproj's geodesic area, so that they read as the
# straight lon/lat lines shapely draws (the data README's method; 0.05° ≈ 5 km).
_DENSIFY_DEG = 0.05
# Boundary cells holding less than this fraction of their area are rounding slivers (a cell edge
# computed as 6e-15° against a region edge at 0°), dropped: < 1 m² for a 25 km cell.
_SLIVER_REL = 1e-9
# Boundary cells: region edges are split into pieces no longer than the row height / this before
# their area is taken in the (λ, q) plane (see _cells).
_EDGE_SEGMENTS_PER_ROW = 8
# Grid cells classified / intersected per vectorized batch (bounds memory: ~1 kB per cell).
_BATCH_CELLS = 200_000
# NSR corridor: the track is buffered in azimuthal-equidistant projections centred on chunks of
# at most this length; 250 km from the centre the projection's scale error is (250/6371)²/6 ≈ 3e-4.
_CORRIDOR_CHUNK_KM = 500.0
# Corridor half-width limit, so that the local projections stay accurate (<0.5 % at 1,000 km).
_MAX_CORRIDOR_WIDTH_KM = 2000.0
# Round caps/joins: 16 segments per quarter circle, chord error r·(1 − cos(π/64)) ≈ 0.1 % of r.
_BUFFER_QUAD_SEGS = 16
# Buffer outlines are densified to this spacing (m) before projecting back to lon/lat.
_CORRIDOR_DENSIFY_M = 5_000.0

# A region's name (from a Feature's "name") is cut to this many characters.
_MAX_NAME = 80

_DATA = resources.files("rossim") / "data"


# --------------------------------------------------------------------------------------------
# Disk cache


#: The environment variable naming the cache folder; set to an empty string to disable the cache.
CACHE_ENV = "ROSSIM_CACHE_DIR"


def cache_dir() -> Path | None:
    """The folder of rossim's cache: ``$ROSSIM_CACHE_DIR`` if set (empty: no cache, None), else
    ``$XDG_CACHE_HOME/rossim`` or ``~/.cache/rossim``. Only rossim writes there; deleting it is
    always safe (entries are rebuilt)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rossim"


@functools.lru_cache(maxsize=1)
def _code_key() -> bytes:
    """What every cache entry depends on besides its inputs: this module's source and the versions of
    the libraries computing the geometry."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"numpy {np.__version__} shapely {shapely.__version__} geos {shapely.geos_version_string} "
             f"pyproj {pyproj.__version__} proj {pyproj.proj_version_str}".encode())
    return h.digest()


def _cache_path(kind: str, *parts: bytes | str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    h = hashlib.sha256(_code_key())
    for part in parts:
        b = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(b).to_bytes(8, "little") + b)
    return folder / f"{kind}-{h.hexdigest()[:40]}.npz"


def _cache_load(path: Path | None) -> dict[str, np.ndarray] | None:
    """The arrays of a cache entry, or None when there is none (or it cannot be read: rebuilt).
    A hit marks the entry used (its modification time: :func:`prune_cache` keeps the recent)."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            found = {k: data[k] for k in data.files}
    except Exception:  # a damaged entry is rebuilt and replaced
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return found


#: Most bytes rossim's cache keeps; past it, :func:`prune_cache` removes the entries used least
#: recently (rebuilt when needed). The cache of every shipped scenario's coverage is ~10 MB.
CACHE_MAX_BYTES = 256 * 2**20
#: The name of a cache entry (:func:`_cache_path`): nothing else in the folder is ever touched.
_ENTRY_NAME = re.compile(r"[a-z]+-[0-9a-f]{40}\.npz")


def prune_cache(folder: Path | None = None, max_bytes: int | None = None) -> int:
    """Remove the least recently used entries of the cache (``folder``, default :func:`cache_dir`)
    until the entries take at most ``max_bytes`` (default :data:`CACHE_MAX_BYTES`); returns the
    bytes removed. Only regular files
    named as rossim names its entries are counted or removed (never a link, a folder or another
    file), and a file that vanishes meanwhile (another rossim pruning) is skipped."""
    folder = cache_dir() if folder is None else folder
    max_bytes = CACHE_MAX_BYTES if max_bytes is None else max_bytes
    if folder is None:
        return 0
    entries = []
    try:
        with os.scandir(folder) as it:
            for e in it:
                if _ENTRY_NAME.fullmatch(e.name) and e.is_file(follow_symlinks=False):
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    entries.append((st.st_mtime_ns, e.name, st.st_size))
    except OSError:
        return 0
    total = sum(size for _, _, size in entries)
    removed = 0
    for _, name, size in sorted(entries):  # oldest use first
        if total - removed <= max_bytes:
            break
        try:
            (folder / name).unlink()
        except OSError:
            continue
        removed += size
    return removed


def _cache_store(path: Path | None, *, compress: bool = False, **arrays: np.ndarray) -> None:
    """Write a cache entry atomically (zip-deflated with ``compress``: for arrays of long runs); a
    cache that cannot be written is skipped silently."""
    if path is None:
        return
    from .folders import atomic_file

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp, open(tmp, "wb") as f:
            (np.savez_compressed if compress else np.savez)(f, **arrays)
    except OSError:
        return
    prune_cache(path.parent)


def _data_bytes(name: str) -> bytes:
    return (_DATA / name).read_bytes()


def _cached_region(key: tuple, build, name: str, line: BaseGeometry | None = None) -> Region:
    """A built-in region from the cache (geometry as WKB, area), or ``build()`` stored there."""
    path = _cache_path("region", *key)
    hit = _cache_load(path)
    if hit is not None and {"wkb", "area_km2"} <= hit.keys():
        return Region(name=name, geometry=shapely.from_wkb(hit["wkb"].tobytes()),
                      area_km2=float(hit["area_km2"]), line=line)
    region = build()
    _cache_store(path, wkb=np.frombuffer(shapely.to_wkb(region.geometry), dtype=np.uint8),
                 area_km2=np.float64(region.area_km2))
    return region


# --------------------------------------------------------------------------------------------
# Region


@dataclass(frozen=True)
class Region:
    """A polygonal region on the WGS84 ellipsoid.

    Attributes:
        name: short label (``"russia"``, ``"arctic"``, ``"nsr"``, a file's stem, ...).
        geometry: shapely Polygon or MultiPolygon in lon/lat degrees, longitudes in [-180, 180],
            cut at the antimeridian (pieces on either side meet on ±180°), rings oriented
            counter-clockwise (RFC 7946).
        area_km2: WGS84 ellipsoidal area, edges read as straight lines in lon/lat.
        line: for a corridor around a line feature, that line (lon/lat degrees, cut at ±180°);
            ``None`` otherwise.
        source: the file it was read from (``None`` for a built-in region), named in errors.
    """

    name: str
    geometry: BaseGeometry
    area_km2: float
    line: BaseGeometry | None = None
    source: str | None = None

    def contains(self, lon_deg, lat_deg) -> np.ndarray:
        """Whether points lie in the region (boundary included).

        Args:
            lon_deg: longitudes, shape (N,) or scalar; any range (wrapped into [-180, 180)),
                so a 0–360° frame works too.
            lat_deg: geodetic latitudes, same shape.

        Returns:
            bool array of the broadcast shape. Points exactly on the ±180° cut lie on the
            boundary of the pieces either side and count as inside.
        """
        lon = np.asarray(lon_deg, dtype=float)
        lat = np.asarray(lat_deg, dtype=float)
        outside = (lon < -180.0) | (lon > 180.0)
        if np.any(outside):  # wrap only where needed: (x + 180) % 360 - 180 rounds x ≈ 1e-15 to 0
            lon = np.where(outside, (lon + 180.0) % 360.0 - 180.0, lon)
        return shapely.intersects_xy(self.geometry, lon, lat)


def from_geometry(geometry: BaseGeometry, name: str, *, line: BaseGeometry | None = None,
                  source: str | None = None) -> Region:
    """Make a :class:`Region` from a shapely Polygon/MultiPolygon in lon/lat degrees.

    The geometry must be valid, have a positive area and lie within lon [-180, 180],
    lat [-90, 90] (cut at the antimeridian, as RFC 7946 asks). Raises :class:`InputError`
    (field ``geometry``) otherwise.
    """
    problems = _polygon_problems(geometry)
    if problems:
        raise InputError("; ".join(problems), source=source, field="geometry")
    geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    return Region(name=name, geometry=geometry, area_km2=_ellipsoidal_area_km2(geometry), line=line,
                  source=source)


@functools.lru_cache(maxsize=1)
def russia() -> Region:
    """Russia's territory: Natural Earth 1:50m 4.0.0 (de facto boundaries, with Crimea and the
    southern Kurils), 101 polygons cut at ±180°; ≈16,973,510 km²."""
    def build():
        data = json.loads((_DATA / "russia_ne50m.geojson").read_text(encoding="utf-8"))
        return from_geometry(shapely.geometry.shape(data["features"][0]["geometry"]), "russia")

    return _cached_region(("russia", _data_bytes("russia_ne50m.geojson")), build, "russia")


@functools.lru_cache(maxsize=1)
def disputed() -> Region:
    """The disputed parts of :func:`russia`'s territory: Crimea (administered by Russia, claimed by
    Ukraine) and the southern Kurils (administered by Russia, claimed by Japan); Natural Earth 1:10m
    disputed areas 4.0.0 intersected with the 1:50m outline (≈30,900 km²). ``Region.line`` is None;
    the parts' names are in :data:`DISPUTED_NOTE`."""
    data = json.loads((_DATA / "russia_ne50m_disputed_parts.geojson").read_text(encoding="utf-8"))
    geometry = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in data["features"]])
    return from_geometry(_polygonal(geometry), "russia_disputed")


#: What :func:`disputed` holds, for map notes and tables.
DISPUTED_NOTE = "Crimea (claimed by Ukraine) and the southern Kurils (claimed by Japan)"


@functools.lru_cache(maxsize=8)
def arctic_zone(min_lat_deg: float = 66.56) -> Region:
    """Russia north of a geodetic latitude (default: the Arctic Circle, 66.56°N; ≈3,508,663 km²).

    Not the legally defined *Arctic zone of the Russian Federation* (a list of municipalities).
    """
    if not (math.isfinite(min_lat_deg) and -90.0 <= min_lat_deg < 90.0):
        raise InputError(f"must be a latitude in [-90, 90) degrees, got {min_lat_deg!r}",
                         field="min_lat_deg")
    whole = russia()
    name = "arctic" if min_lat_deg == 66.56 else f"arctic_north_of_{min_lat_deg:g}N"

    def build():
        part = _polygonal(shapely.intersection(whole.geometry, shapely.box(-180.0, min_lat_deg, 180.0, 90.0)))
        if part.is_empty:
            north = whole.geometry.bounds[3]
            raise InputError(f"Russia has no territory north of {min_lat_deg}° (its northernmost "
                             f"point is {north:.2f}°N)", field="min_lat_deg")
        return from_geometry(part, name)

    return _cached_region(("arctic", shapely.to_wkb(whole.geometry), repr(float(min_lat_deg))), build, name)


@functools.lru_cache(maxsize=1)
def nsr_route() -> BaseGeometry:
    """The approximate Northern Sea Route track, Kara Gate → Bering Strait.

    Returns:
        shapely MultiLineString of two parts in lon/lat degrees, split where the track crosses
        the antimeridian (69.615°N); vertices ≤ 25 km apart along geodesics; ≈4,820 km long.
        Approximate and hand-placed: not for navigation.
    """
    data = json.loads((_DATA / "northern_sea_route.geojson").read_text(encoding="utf-8"))
    (route,) = [f for f in data["features"] if f["properties"].get("role") == "route"]
    return shapely.geometry.shape(route["geometry"])


@functools.lru_cache(maxsize=8)
def nsr_corridor(width_km: float = 100.0) -> Region:
    """A corridor of total width ``width_km`` around the Northern Sea Route track.

    The set of points within ``width_km / 2`` (geodesic distance) of the track, round-capped at
    both ends. Built by buffering the track in ellipsoidal azimuthal-equidistant projections
    centred on ≤500 km chunks of it (distance error < 0.1 % within the corridor), projecting back,
    and cutting at the antimeridian. ``Region.line`` holds the track (:func:`nsr_route`).
    """
    if not (math.isfinite(width_km) and 0.0 < width_km <= _MAX_CORRIDOR_WIDTH_KM):
        raise InputError(f"must be in (0, {_MAX_CORRIDOR_WIDTH_KM:g}] km, got {width_km!r}",
                         field="width_km")
    track = nsr_route()
    name = "nsr" if width_km == 100.0 else f"nsr_{width_km:g}km"
    return _cached_region(("nsr", shapely.to_wkb(track), repr(float(width_km))),
                          lambda: from_geometry(_geodesic_corridor(track, 0.5 * width_km), name, line=track),
                          name, line=track)


def named(name: str) -> Region:
    """The built-in region called ``name``: ``"russia"``, ``"arctic"`` (Russia north of the Arctic
    Circle) or ``"nsr"`` (100 km Northern Sea Route corridor). Raises :class:`InputError`
    (field ``region``) for any other name, suggesting the nearest."""
    makers = {"russia": russia, "arctic": arctic_zone, "nsr": nsr_corridor}
    key = str(name).strip().lower()
    if key not in makers:
        close = difflib.get_close_matches(key, REGION_NAMES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(f"unknown region {name!r}, expected one of "
                         f"{', '.join(REGION_NAMES)}{hint}", field="region")
    return makers[key]()


def from_geojson(path) -> Region:
    """Read a user region from a GeoJSON file.

    Accepts a Polygon or MultiPolygon geometry, a Feature, a FeatureCollection or a
    GeometryCollection; all polygons found are merged (union), other geometry types are ignored.
    Coordinates are lon/lat degrees (RFC 7946); a region reaching over ±180° must be cut there.

    Raises:
        InputError: (``source`` = the path) if the file is not a regular file of at most
            :data:`MAX_GEOJSON_BYTES`, is not JSON (or nests deeper than
            :data:`rossim.inputfiles.MAX_JSON_DEPTH`), a member has the wrong type (``features``
            not a list, coordinates not numbers, ...), it holds no polygon, or a polygon is invalid
            (the reason from shapely's ``explain_validity``), has coordinates out of range or an
            edge jumping across the antimeridian. Every geometry problem found is listed, on one line.
    """
    source = str(path)
    data = inputfiles.read_json(path, MAX_GEOJSON_BYTES)

    found: list[tuple[str, dict]] = []  # (field path, geometry object) of polygon geometries
    seen_types: list[str] = []
    _collect_polygons(data, "", found, seen_types, source)
    if not found:
        what = ", ".join(sorted(set(seen_types))) or "no geometry"
        raise InputError(f"no Polygon or MultiPolygon found (found: {what}); a region needs an "
                         "area", source=source, field="type")

    geometries, problems = [], []
    for field, obj in found:
        _check_coordinates(obj.get("coordinates"), obj["type"], f"{field}coordinates", source)
        try:
            geometry = shapely.geometry.shape(obj)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            problems.append((f"{field}coordinates", f"malformed coordinates ({exc})"))
            continue
        problems.extend((field.rstrip(".") or "geometry", p) for p in _polygon_problems(geometry))
        geometries.append(geometry)
    if problems:
        if len(problems) == 1:
            raise InputError(problems[0][1], source=source, field=problems[0][0])
        listed = "; ".join(f"{f}: {m}" for f, m in problems)
        raise InputError(f"{len(problems)} problems: {listed}", source=source)

    geometry = _polygonal(shapely.union_all(geometries))
    name = _feature_name(data) or Path(path).stem
    return from_geometry(geometry, name, source=source)


def _member(obj: dict, key: str, kinds: tuple[type, ...], expected: str, field: str, source: str):
    """``obj[key]`` if it is absent/null (None) or one of ``kinds``; else InputError naming it."""
    value = obj.get(key)
    if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
        return value
    raise InputError(f"expected {expected}, got {inputfiles.got(value)}", source=source, field=f"{field}{key}")


def _collect_polygons(obj, field: str, found: list, seen_types: list, source: str) -> None:
    """Walk a GeoJSON object, appending (field path, geometry) for each polygon geometry; members
    of the wrong type (``features`` not a list, ``properties`` not an object, ...) raise InputError."""
    if not isinstance(obj, dict):
        seen_types.append(type(obj).__name__)
        return
    kind = obj.get("type")
    seen_types.append(inputfiles.got(kind, 24))
    if kind == "FeatureCollection":
        for i, feature in enumerate(_member(obj, "features", (list,), "a list of Features", field, source) or []):
            _collect_polygons(feature, f"{field}features[{i}].", found, seen_types, source)
    elif kind == "Feature":
        _member(obj, "properties", (dict,), "an object or null", field, source)
        geometry = _member(obj, "geometry", (dict,), "a geometry object or null", field, source)
        if geometry is not None:
            _collect_polygons(geometry, f"{field}geometry.", found, seen_types, source)
    elif kind == "GeometryCollection":
        for i, geometry in enumerate(_member(obj, "geometries", (list,), "a list of geometries", field,
                                             source) or []):
            _collect_polygons(geometry, f"{field}geometries[{i}].", found, seen_types, source)
    elif kind in ("Polygon", "MultiPolygon"):
        found.append((field, obj))


def _check_coordinates(coords, kind: str, field: str, source: str) -> None:
    """A Polygon's (list of rings) or MultiPolygon's (list of polygons) ``coordinates``: rings of at
    least 4 positions, positions of 2 or 3 finite numbers. InputError naming the first bad item."""

    def bad(where: str, expected: str, value):
        raise InputError(f"expected {expected}, got {inputfiles.got(value)}", source=source, field=where)

    def polygon(rings, where):
        if not isinstance(rings, list) or not rings:
            bad(where, "a Polygon's coordinates: a non-empty list of rings [[lon, lat], ...]", rings)
        for i, ring in enumerate(rings):
            if not isinstance(ring, list) or len(ring) < 4:
                bad(f"{where}[{i}]", "a ring: a list of at least 4 [lon, lat] positions", ring)
            for j, pos in enumerate(ring):
                if (not isinstance(pos, list) or len(pos) not in (2, 3)
                        or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in pos)):
                    bad(f"{where}[{i}][{j}]", "a position [lon, lat] of numbers (degrees)", pos)
                if not all(math.isfinite(x) for x in pos):
                    bad(f"{where}[{i}][{j}]", "finite numbers (degrees)", pos)

    if kind == "Polygon":
        polygon(coords, field)
        return
    if not isinstance(coords, list) or not coords:
        bad(field, "a MultiPolygon's coordinates: a non-empty list of polygons", coords)
    for k, rings in enumerate(coords):
        polygon(rings, f"{field}[{k}]")


def _feature_name(data) -> str | None:
    """The ``name`` property of a lone Feature (or a one-feature collection), if it is text."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        data = features[0] if len(features) == 1 else None
    if isinstance(data, dict) and data.get("type") == "Feature":
        name = (data.get("properties") or {}).get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()[:_MAX_NAME]
    return None


def _polygon_problems(geometry) -> list[str]:
    """What is wrong with a would-be region geometry (lon/lat degrees); [] if nothing."""
    if not isinstance(geometry, BaseGeometry) or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        kind = getattr(geometry, "geom_type", type(geometry).__name__)
        return [f"expected a Polygon or MultiPolygon, got {kind}"]
    if geometry.is_empty:
        return ["the polygon is empty"]
    problems = []
    coords = shapely.get_coordinates(geometry)
    if not np.all(np.isfinite(coords)):
        problems.append("coordinates must be finite numbers")
    else:
        lon, lat = coords[:, 0], coords[:, 1]
        if lon.min() < -180.0 or lon.max() > 180.0 or lat.min() < -90.0 or lat.max() > 90.0:
            problems.append(
                f"coordinates out of range: lon {lon.min():g}..{lon.max():g}, lat "
                f"{lat.min():g}..{lat.max():g}; expected lon in [-180, 180] and lat in [-90, 90] "
                "degrees, in (lon, lat) order")
        else:
            jumps = _antimeridian_jumps(geometry)
            if jumps:
                problems.append(
                    f"{jumps} ring edge(s) jump more than 180° in longitude; a polygon reaching "
                    "over the antimeridian must be cut there into pieces on either side "
                    "(RFC 7946 §3.1.9)")
    if not problems and not geometry.is_valid:
        problems.append(f"invalid polygon: {explain_validity(geometry)}")
    if not problems and geometry.area <= 0.0:
        problems.append("the polygon has no area")
    return problems


def _antimeridian_jumps(geometry) -> int:
    """Number of ring edges spanning more than 180° of longitude, other than edges from −180°
    to +180° (the full-width edges of a polar cap or a latitude band, meant as drawn)."""
    rings = shapely.get_rings(shapely.get_parts(geometry))
    count = 0
    for ring in rings:  # a few hundred rings at most; coordinates handled as arrays
        lon = shapely.get_coordinates(ring)[:, 0]
        full_width = (np.abs(lon[:-1]) == 180.0) & (np.abs(lon[1:]) == 180.0)
        count += int(np.count_nonzero((np.abs(np.diff(lon)) > 180.0) & ~full_width))
    return count


def _polygonal(geometry) -> BaseGeometry:
    """The polygonal part of an overlay result (drops stray points and lines)."""
    parts = shapely.get_parts(geometry)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    parts = shapely.get_parts(parts)  # MultiPolygons inside collections → polygons
    parts = parts[shapely.area(parts) > 0.0]
    if len(parts) == 0:
        return shapely.Polygon()
    if len(parts) == 1:
        return parts[0]
    return shapely.MultiPolygon(list(parts))


def _ellipsoidal_area_km2(geometry) -> float:
    """WGS84 area (km²) of a lon/lat polygon, edges read as straight lines in lon/lat.

    Each polygon is densified to ≤0.05° and passed to pyproj's geodesic polygon area
    (Karney's algorithm), one polygon at a time so that pieces cut at ±180° are summed.
    """
    parts = shapely.get_parts(shapely.segmentize(geometry, _DENSIFY_DEG))
    total_m2 = 0.0
    for part in parts:  # ~100 polygons for Russia
        area_m2, _ = _GEOD.geometry_area_perimeter(shapely.orient_polygons(part, exterior_cw=False))
        total_m2 += area_m2
    return total_m2 * 1e-6


# --------------------------------------------------------------------------------------------
# Northern Sea Route corridor


def _geodesic_corridor(track, half_width_km: float) -> BaseGeometry:
    """Polygon of points within ``half_width_km`` of a lon/lat (Multi)LineString cut at ±180°.

    Returns a Polygon/MultiPolygon in lon/lat degrees, cut at the antimeridian.
    """
    # One continuous polyline in an unwrapped longitude frame (may exceed 180°).
    coords = np.concatenate([shapely.get_coordinates(p) for p in shapely.get_parts(track)])
    lon = np.unwrap(coords[:, 0], period=360.0)
    lat = coords[:, 1]
    keep = np.ones(len(lon), dtype=bool)
    keep[1:] = (np.diff(lon) != 0.0) | (np.diff(lat) != 0.0)  # drop the duplicate at the cut
    lon, lat = lon[keep], lat[keep]

    _, _, seg_m = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    along_km = np.concatenate([[0.0], np.cumsum(seg_m) * 1e-3])
    n_chunks = max(1, math.ceil(along_km[-1] / _CORRIDOR_CHUNK_KM))
    edges_km = np.linspace(0.0, along_km[-1], n_chunks + 1)

    wgs84 = pyproj.CRS.from_epsg(4326)
    pieces = []
    for k in range(n_chunks):  # ~10 chunks for the NSR
        i0 = max(0, int(np.searchsorted(along_km, edges_km[k], side="right")) - 1)
        i1 = min(len(lon) - 1, int(np.searchsorted(along_km, edges_km[k + 1], side="left")))
        i1 = max(i1, i0 + 1)
        mid = (i0 + i1) // 2
        lon_c, lat_c = float(lon[mid]), float(lat[mid])
        aeqd = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat_c} +lon_0={lon_c} +ellps=WGS84 +units=m +no_defs")
        fwd = pyproj.Transformer.from_crs(wgs84, aeqd, always_xy=True)
        inv = pyproj.Transformer.from_crs(aeqd, wgs84, always_xy=True)
        x, y = fwd.transform(lon[i0:i1 + 1], lat[i0:i1 + 1])
        line = shapely.LineString(np.column_stack([x, y]))
        ring = shapely.segmentize(
            shapely.buffer(line, half_width_km * 1e3, quad_segs=_BUFFER_QUAD_SEGS),
            _CORRIDOR_DENSIFY_M)

        def to_lonlat(xy, inv=inv, lon_c=lon_c):
            plon, plat = inv.transform(xy[:, 0], xy[:, 1])
            plon = lon_c + (np.asarray(plon) - lon_c + 180.0) % 360.0 - 180.0
            return np.column_stack([plon, plat])

        pieces.append(shapely.make_valid(shapely.transform(ring, to_lonlat)))
    corridor = shapely.union_all(pieces)

    # Cut the unwrapped polygon at ±180° (and its multiples) back into [-180, 180].
    cut = []
    for turn in range(-2, 3):
        window = shapely.box(-180.0 + 360.0 * turn, -90.0, 180.0 + 360.0 * turn, 90.0)
        piece = _polygonal(shapely.intersection(corridor, window))
        if not piece.is_empty:
            cut.append(shapely.affinity.translate(piece, xoff=-360.0 * turn))
    return _polygonal(shapely.union_all(cut))


# --------------------------------------------------------------------------------------------
# Equal-area grid


@dataclass(frozen=True, eq=False)
class Grid:
    """Cells of an equal-area grid over a region (arrays are read-only).

    Attributes:
        lat_deg: (M,) geodetic latitude of each cell's centre.
        lon_deg: (M,) longitude of each cell's centre, in (-180, 180).
        area_km2: (M,) area of the region inside each cell, WGS84 ellipsoid.
        ecef_km: (M, 3) cell centre on the WGS84 surface (height 0), Earth-fixed (ITRS) x, y, z.
        resolution_km: the nominal cell size; full cells have area ≈ resolution_km².
        region_name: the gridded region's name.

    Cells are ordered by latitude row (south to north), then by longitude (west to east). The
    centre is the cell's geometric centre (midpoint of its latitude and longitude edges), except
    for a boundary cell whose centre lies outside the region: it then gets a point inside the
    part of the region within the cell (shapely ``point_on_surface``), so every centre lies in
    the region.
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    area_km2: np.ndarray
    ecef_km: np.ndarray
    resolution_km: float
    region_name: str

    @property
    def total_area_km2(self) -> float:
        """Sum of the cells' areas (km²)."""
        return float(self.area_km2.sum())

    def __len__(self) -> int:
        return len(self.lat_deg)


def equal_area_grid(region: Region, resolution_km: float) -> Grid:
    """Cover ``region`` with cells of ≈ ``resolution_km``² area.

    Rows: geodetic latitude edges at multiples of the meridian arc (WGS84), anchored at the
    equator, of height ≈ resolution_km (the quarter meridian, 10,001.966 km, divided into a whole
    number of rows). Columns: each row split into n = round(row area / resolution_km²) equal
    cells starting at −180°, so no cell straddles the antimeridian and a given resolution gives
    the same cells for every region. A full cell's area is exact: a²/2 · Δλ · Δq, with q Snyder's
    authalic function (eq. 3-12). A boundary cell's area is the planar area of (cell ∩ region)
    after mapping its vertices to (λ, q) — an equal-area plane of the ellipsoid — so the area
    density varies correctly across the cell. Cells that do not meet the region (or only in a
    rounding sliver, < 1e-9 of the cell) are dropped.

    Raises:
        InputError: (field ``resolution_km``) if resolution_km is not a positive finite number
            or would give more than :data:`MAX_GRID_CELLS` cells over the region; (source: the
            region's file) if no cell lies in the region (it is smaller than a cell's sliver limit).
    """
    res = check_cells(region, resolution_km)
    path = _cache_path("grid", shapely.to_wkb(region.geometry), repr(float(res)))
    hit = _cache_load(path)
    if hit is not None and {"lat_deg", "lon_deg", "area_km2", "ecef_km"} <= hit.keys():
        return _grid(hit["lat_deg"], hit["lon_deg"], hit["area_km2"], hit["ecef_km"], res, region.name)
    grid = _build_grid(region, res)
    _cache_store(path, lat_deg=grid.lat_deg, lon_deg=grid.lon_deg, area_km2=grid.area_km2, ecef_km=grid.ecef_km)
    return grid


def _grid(lat_deg, lon_deg, area_km2, ecef_km, res: float, name: str) -> Grid:
    for array in (lat_deg, lon_deg, area_km2, ecef_km):
        array.setflags(write=False)
    return Grid(lat_deg=lat_deg, lon_deg=lon_deg, area_km2=area_km2, ecef_km=ecef_km, resolution_km=res,
                region_name=name)


def _build_grid(region: Region, res: float) -> Grid:
    """:func:`equal_area_grid` without the cache."""
    geometry = region.geometry
    _, min_lat, _, max_lat = geometry.bounds

    # Latitude rows covering the region.
    n_half = max(1, round(_QUARTER_MERIDIAN_KM / res))
    row_km = _QUARTER_MERIDIAN_KM / n_half
    k_lo = math.floor(_meridian_arc_km(min_lat) / row_km)
    k_hi = math.ceil(_meridian_arc_km(max_lat) / row_km)
    k_hi = max(k_hi, k_lo + 1)
    lat_edges = _lat_from_meridian_arc(np.arange(k_lo, k_hi + 1) * row_km, n_half, row_km)
    lat0, lat1 = lat_edges[:-1], lat_edges[1:]
    q0, q1 = _authalic_q(lat0), _authalic_q(lat1)
    row_area = math.pi * _A_KM**2 * (q1 - q0)  # (R,) full 360° zone areas
    n_lon = np.maximum(1, np.rint(row_area / res**2)).astype(np.int64)
    dlon = 360.0 / n_lon

    # The region within each row strip: smaller geometries for the per-cell work below.
    strips = shapely.box(-180.0, lat0, 180.0, lat1)
    parts, part_row = shapely.get_parts(shapely.intersection(geometry, strips), return_index=True)
    parts, part_row = _polygon_parts(parts, part_row)
    rows_pieces = _group_multipolygons(parts, part_row, len(lat0))
    shapely.prepare(rows_pieces)
    whole = shapely.transform(geometry, lambda xy: xy)  # a copy, prepared (Region's stays as is)
    shapely.prepare(whole)

    # Candidate cells: columns overlapping each polygon part's longitude range in its row.
    bounds = shapely.bounds(parts)
    d = dlon[part_row]
    c0 = np.clip(np.floor((bounds[:, 0] + 180.0) / d).astype(np.int64), 0, n_lon[part_row] - 1)
    c1 = np.clip(np.ceil((bounds[:, 2] + 180.0) / d).astype(np.int64) - 1, c0, n_lon[part_row] - 1)
    counts = c1 - c0 + 1
    owner = np.repeat(np.arange(len(parts)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    key = np.unique(part_row[owner] * (int(n_lon.max()) + 1) + c0[owner] + offset)
    cand_row = key // (int(n_lon.max()) + 1)
    cand_col = key % (int(n_lon.max()) + 1)

    lat_out, lon_out, area_out = [], [], []
    for start in range(0, len(key), _BATCH_CELLS):
        rows = cand_row[start:start + _BATCH_CELLS]
        cols = cand_col[start:start + _BATCH_CELLS]
        lat_c, lon_c, area = _cells(rows, cols, lat0, lat1, q0, q1, dlon, rows_pieces, whole)
        lat_out.append(lat_c)
        lon_out.append(lon_c)
        area_out.append(area)
    lat_deg = np.concatenate(lat_out) if lat_out else np.empty(0)
    lon_deg = np.concatenate(lon_out) if lon_out else np.empty(0)
    area_km2 = np.concatenate(area_out) if area_out else np.empty(0)
    if area_km2.size == 0:
        raise InputError(f"region {region.name!r} ({region.area_km2:.3g} km²) is smaller than a grid "
                         f"cell of {res:g} km ({res * res:.3g} km²): no cell lies in it, so it has no "
                         "coverage figures; give a larger region", source=region.source)
    return _grid(lat_deg, lon_deg, area_km2, _geodetic_to_ecef_km(lat_deg, lon_deg), res, region.name)


def cell_bounds(lat_deg, lon_deg, resolution_km: float) -> tuple[np.ndarray, np.ndarray]:
    """The :func:`equal_area_grid` cell (at ``resolution_km``) holding each point.

    Args:
        lat_deg, lon_deg: (M,) points, e.g. a grid's cell centres (always inside their cell).
        resolution_km: the grid's resolution (as :attr:`Grid.resolution_km`).

    Returns:
        ``(index, bounds)``: (M,) int64 index of the cell, the same for every region gridded at
        this resolution (row from the south pole x 2^32 + column from -180°), and (M, 4) its
        ``west, south, east, north`` edges in degrees.
    """
    res = check_resolution_km(resolution_km)
    lat = np.asarray(lat_deg, dtype=float).ravel()
    lon = np.asarray(lon_deg, dtype=float).ravel()
    n_half = max(1, round(_QUARTER_MERIDIAN_KM / res))
    row_km = _QUARTER_MERIDIAN_KM / n_half
    _, _, arc_m = _GEOD.inv(np.zeros_like(lat), np.zeros_like(lat), np.zeros_like(lat), np.abs(lat))
    arc_km = np.copysign(np.asarray(arc_m, dtype=float) * 1e-3, lat)
    row = np.clip(np.floor(arc_km / row_km), -n_half, n_half - 1).astype(np.int64)
    edges = _lat_from_meridian_arc(np.stack([row, row + 1]).astype(float) * row_km, n_half, row_km)
    q0, q1 = _authalic_q(edges[0]), _authalic_q(edges[1])
    n_lon = np.maximum(1, np.rint(math.pi * _A_KM**2 * (q1 - q0) / res**2)).astype(np.int64)
    dlon = 360.0 / n_lon
    col = np.clip(np.floor((lon + 180.0) / dlon), 0, n_lon - 1).astype(np.int64)
    west = -180.0 + col * dlon
    east = np.where(col == n_lon - 1, 180.0, west + dlon)
    index = (row + n_half) * 2**32 + col
    return index, np.column_stack([west, edges[0], east, edges[1]])


def check_resolution_km(resolution_km) -> float:
    """A grid resolution (km) as a float in (0, :data:`MAX_RESOLUTION_KM`]; InputError (field
    ``resolution_km``) otherwise."""
    if isinstance(resolution_km, bool):
        resolution_km = str(resolution_km)  # a boolean is not a number of kilometres
    try:
        res = float(resolution_km)
    except (TypeError, ValueError):
        raise InputError(f"must be a number of kilometres, got {resolution_km!r}",
                         field="resolution_km") from None
    if not (math.isfinite(res) and res > 0.0):
        raise InputError(f"must be a positive number of kilometres, got {resolution_km!r}",
                         field="resolution_km")
    if res > MAX_RESOLUTION_KM:
        raise InputError(f"must be at most {MAX_RESOLUTION_KM:g} km (a cell the size of a continent), "
                         f"got {resolution_km!r}", field="resolution_km")
    return res


def check_cells(region: Region, resolution_km) -> float:
    """Validated resolution (km) for a grid over ``region``: InputError naming ``resolution_km``, the
    estimated cell count and the limit :data:`MAX_GRID_CELLS` when the grid would be too fine."""
    res = check_resolution_km(resolution_km)
    estimate = region.area_km2 / res / res  # not res**2: it underflows to 0 for res = 1e-300
    if estimate > MAX_GRID_CELLS:
        finest = math.sqrt(region.area_km2 / MAX_GRID_CELLS)
        about = (f"about {estimate:,.0f}" if estimate < 1e15 else f"about {estimate:.3g}"
                 if math.isfinite(estimate) else "more than 1e308")
        raise InputError(
            f"{res:g} km gives {about} cells over {region.name} "
            f"({region.area_km2:,.0f} km²), more than the limit of {MAX_GRID_CELLS:,}; use "
            f"at least {math.ceil(finest * 100) / 100:g} km", field="resolution_km")
    return res


def _polygon_parts(parts: np.ndarray, index: np.ndarray):
    """Keep the polygons with positive area among overlay parts (drop touching lines/points)."""
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0.0)
    return parts[keep], index[keep]


def _group_multipolygons(parts: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """(n,) object array: MultiPolygon of the parts with each index (empty where none)."""
    out = np.empty(n, dtype=object)
    out[:] = shapely.MultiPolygon()
    if len(parts):
        present = np.unique(index)
        out[present] = shapely.multipolygons(parts, indices=np.searchsorted(present, index))
    return out


def _cells(rows, cols, lat0, lat1, q0, q1, dlon, pieces, whole):
    """Centres (deg) and region areas (km²) of candidate cells, dropping those outside.

    Args:
        rows, cols: (C,) row and column index of each candidate cell.
        lat0, lat1, q0, q1, dlon: (R,) per-row latitude edges (deg), authalic q at those edges,
            and column width (deg).
        pieces: (R,) prepared geometries: the region within each row strip.
        whole: the prepared region (cells in its interior are full; a cell may touch the strip
            edges of its row piece, which are not region boundary).
    Returns:
        lat_deg, lon_deg, area_km2, each (M,) with M ≤ C.
    """
    west = -180.0 + cols * dlon[rows]
    east = np.where(cols == np.rint(360.0 / dlon[rows]) - 1, 180.0, west + dlon[rows])
    south, north = lat0[rows], lat1[rows]
    boxes = shapely.box(west, south, east, north)
    piece = pieces[rows]
    lon_c = 0.5 * (west + east)
    lat_c = 0.5 * (south + north)
    cell_equal = np.radians(east - west) * (q1[rows] - q0[rows])  # cell area in the (λ, q) plane
    area = 0.5 * _A_KM**2 * cell_equal

    full = shapely.contains_properly(whole, boxes)
    partial = ~full & shapely.intersects(piece, boxes)
    inside = shapely.intersection(boxes[partial], piece[partial])
    # A straight lon/lat edge is curved in the (λ, q) plane; short chords of it follow it closely
    # (area error ∝ segment²: ~3e-6 of a cell with _EDGE_SEGMENTS_PER_ROW = 8).
    max_segment_deg = (north - south)[partial] / _EDGE_SEGMENTS_PER_ROW
    area_equal = shapely.area(shapely.transform(shapely.segmentize(inside, max_segment_deg),
                                                _to_equal_area_plane))
    area[partial] = 0.5 * _A_KM**2 * area_equal
    # A boundary cell whose centre is outside the region: take a point inside its part.
    centre_out = ~shapely.intersects_xy(inside, lon_c[partial], lat_c[partial])
    moved = np.flatnonzero(partial)[centre_out]
    points = shapely.get_coordinates(shapely.point_on_surface(inside[centre_out]))
    lon_c[moved], lat_c[moved] = points[:, 0], points[:, 1]

    keep = full.copy()
    keep[partial] = area_equal > _SLIVER_REL * cell_equal[partial]
    return lat_c[keep], lon_c[keep], area[keep]


def _to_equal_area_plane(lonlat: np.ndarray) -> np.ndarray:
    """(N, 2) lon/lat degrees → (λ rad, q): planar area × a²/2 is ellipsoidal area."""
    return np.column_stack([np.radians(lonlat[:, 0]), _authalic_q(lonlat[:, 1])])


def _authalic_q(lat_deg):
    """Snyder's q(φ) (Map Projections: A Working Manual, eq. 3-12), dimensionless.

    The WGS84 area between the equator and geodetic latitude φ, over Δλ radians of longitude,
    is a²/2 · Δλ · q(φ).
    """
    s = np.sin(np.radians(lat_deg))
    return (1.0 - _E2) * (s / (1.0 - _E2 * s * s) + np.arctanh(_E * s) / _E)


def _meridian_arc_km(lat_deg: float) -> float:
    """Signed WGS84 meridian arc length from the equator to geodetic latitude lat_deg (km)."""
    _, _, dist_m = _GEOD.inv(0.0, 0.0, 0.0, abs(lat_deg))
    return math.copysign(dist_m * 1e-3, lat_deg)


def _lat_from_meridian_arc(arc_km: np.ndarray, n_half: int, row_km: float) -> np.ndarray:
    """Geodetic latitudes (deg) at signed meridian arc lengths (km) from the equator; arcs at
    ±n_half rows are the poles exactly."""
    lon, lat, _ = _GEOD.fwd(np.zeros_like(arc_km), np.zeros_like(arc_km),
                            np.zeros_like(arc_km), np.abs(arc_km) * 1e3)
    lat = np.copysign(np.asarray(lat, dtype=float), arc_km)
    k = np.rint(arc_km / row_km)
    lat = np.where(np.abs(k) >= n_half, np.copysign(90.0, arc_km), lat)
    return lat


_QUARTER_MERIDIAN_KM = _meridian_arc_km(90.0)


def _geodetic_to_ecef_km(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """(M,) geodetic lat/lon (deg, height 0) → (M, 3) WGS84 Earth-fixed x, y, z (km)."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    n = _A_KM / np.sqrt(1.0 - _E2 * np.sin(lat) ** 2)
    return np.column_stack([n * np.cos(lat) * np.cos(lon), n * np.cos(lat) * np.sin(lon),
                            n * (1.0 - _E2) * np.sin(lat)])
