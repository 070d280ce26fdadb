"""Coverage maps of Russia: a cell figure of merit (mean revisit, or time of first access) as colour.

Offline by construction: world land and Russia's outline come from the Natural Earth files shipped
in ``rossim/data`` (via :mod:`rossim.regions` and ``importlib.resources``), never downloaded.
Figures are plain :class:`matplotlib.figure.Figure` objects rendered by Agg: no pyplot, no global
state. Projected with pyproj directly; the map's axes are a plain matplotlib Axes framed as
cartopy's ``GeoAxes`` frames them (the same pixels), so cartopy is not imported (~0.03-0.07 s).

What a map shows (Lambert conformal conic, central meridian 100°E, standard parallels 52° and
72°N: the usual projection for the whole of Russia, Kaliningrad to Chukotka across the antimeridian):

* each cell of the coverage grid coloured by its value, drawn as a raster of the map's own pixels
  (each pixel inside Russia takes the value of the nearest cell centre), so no reprojection
  artefacts and a grid of any resolution looks right;
* cells never observed in a distinct grey, cells observed only once (no revisit defined) in pink;
* Russia's outline, world land as context, the Northern Sea Route track, the first day of the
  station's ground track;
* a colour bar with units, whose range the caller can fix (``vmin``/``vmax``) so maps of several
  scenarios compare.
"""

from __future__ import annotations

import functools
import hashlib
import json
import textwrap
from importlib import resources
from pathlib import Path

import numpy as np

from . import capsearch
from .figures import plain
from .folders import atomic_file

__all__ = ["MAP_SIZE_IN", "MAP_DPI", "NEVER_COLOR", "ONCE_COLOR", "DISPUTED_COLOR", "DIFFERENCE_COLORS",
           "QUANTITIES", "coverage_map", "difference_map", "overrides_stamp", "save", "nice_ceiling"]

#: Figure size (inches) and resolution: 1,560 x 900 pixels.
MAP_SIZE_IN = (13.0, 7.5)
MAP_DPI = 120
#: Never observed: a mid grey that no colour of the colour map comes close to.
NEVER_COLOR = "#8c8c8c"
#: Observed once only (so no revisit time): a light pink, outside viridis' blue-green-yellow.
ONCE_COLOR = "#f2b6cf"
#: Hatching of disputed territory.
DISPUTED_COLOR = "#5a1e1e"
#: What the colour can show: cell attribute, colour-bar label.
QUANTITIES = {
    "revisit_mean": "mean revisit: time between observations of a place (h)",
    "first_access": "time until a place's first observation (h)",
}

_CMAP = "viridis_r"  # short revisit / early access = bright
_OCEAN = "#e3edf5"
_LAND = "#f1eee6"
_LAND_EDGE = "#bdb6a8"
_NSR_COLOR = "#d62728"
_TRACK_COLOR = "#1a1a1a"
_OUTLINE = "#303030"
#: Width of the map's raster in pixels (about the axes' width at MAP_DPI).
_RASTER_WIDTH_PX = 1100
#: Latitude below which the ground track is not drawn (well south of the map's frame; the conic
#: projection is cut off at 30°S).
_TRACK_MIN_LAT_DEG = 20.0
#: Longest title line drawn (the map is wider than the other figures); see :func:`rossim.figures.plain`.
_TITLE_CHARS = 170
#: Title lines are wrapped at this many characters (about the map's width at 12 pt), up to 4 lines.
_TITLE_WRAP = 140
#: Map frame margin around Russia's projected bounding box (fraction of its size).
_MARGIN = 0.02

_DATA = resources.files("rossim") / "data"


#: The map's projection as PROJ pipelines, longitude/latitude (degrees) -> map x/y (m) and back:
#: the ones pyproj's ``Transformer.from_crs`` picks between cartopy's ``PlateCarree()`` and
#: ``LambertConformal(central_longitude=100, standard_parallels=(52, 72))``, given directly
#: (``from_crs`` searches PROJ's database: ~20 ms a transformer; a pipeline ~0.3 ms).
_PIPELINES = {
    False: "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
           "+step +proj=lcc +lat_0=39 +lon_0=100 +lat_1=52 +lat_2=72 +x_0=0 +y_0=0 +ellps=WGS84",
    True: "+proj=pipeline +step +inv +proj=lcc +lat_0=39 +lon_0=100 +lat_1=52 +lat_2=72 +x_0=0 +y_0=0 "
          "+ellps=WGS84 +step +proj=unitconvert +xy_in=rad +xy_out=deg",
}


@functools.lru_cache(maxsize=2)
def _transformer(inverse: bool):
    """pyproj transformer lon/lat (deg) -> map x/y (m), or back."""
    from pyproj import Transformer

    return Transformer.from_pipeline(_PIPELINES[inverse])


def _to_map(lon_deg, lat_deg) -> np.ndarray:
    """(N, 2) map coordinates (m) of lon/lat points (inf where the projection has none)."""
    x, y = _transformer(False).transform(np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float))
    return np.column_stack([np.ravel(x), np.ravel(y)])


def overrides_stamp(overrides) -> str | None:
    """The line stamped on every figure of a run made with ``--set`` changes (None without any):
    "Changed from the scenario file (--set): orbit.inclination_deg=51.6"."""
    changes = [str(o).strip() for o in overrides or () if str(o).strip()]
    return f"Changed from the scenario file (--set): {', '.join(changes)}" if changes else None


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5, 7.5 x 10^k that is >= ``x`` (> 0)."""
    if not np.isfinite(x) or x <= 0:
        return 1.0
    k = np.floor(np.log10(x))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0):
        if m * 10**k >= x * (1 - 1e-12):
            return float(m * 10**k)
    return float(10 ** (k + 1))


@functools.lru_cache(maxsize=1)
def _frame_extent():
    """Projected extent (x0, x1, y0, y1) holding all of Russia."""
    import shapely

    from . import regions

    geom = regions.russia().geometry
    xy = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(geom)))
    p = _to_map(xy[:, 0], xy[:, 1])
    x0, x1 = p[:, 0].min(), p[:, 0].max()
    y0, y1 = p[:, 1].min(), p[:, 1].max()
    dx, dy = (x1 - x0) * _MARGIN, (y1 - y0) * _MARGIN
    return x0 - dx, x1 + dx, y0 - dy, y1 + dy


@functools.lru_cache(maxsize=1)
def _frame():
    """Projected extent (x0, x1, y0, y1) holding all of Russia, and the raster's pixel centres:
    lon/lat (ny, nx) and a mask of pixels inside Russia."""
    from . import regions

    x0, x1, y0, y1 = _frame_extent()
    nx = _RASTER_WIDTH_PX
    ny = int(round(nx * (y1 - y0) / (x1 - x0)))
    xs = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    ys = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = _transformer(True).transform(gx, gy)
    inside = regions.russia().contains(lon.ravel(), lat.ravel()).reshape(ny, nx)
    return (x0, x1, y0, y1), lon, lat, inside


@functools.lru_cache(maxsize=1)
def _world_land():
    """Projected path of the world's land north of 25°N (matplotlib Path in map coordinates); kept
    in the regions' disk cache (:func:`rossim.regions.cache_dir`), named by a digest of the data
    file and this module's source, the same vertices and codes as built."""
    import shapely
    from matplotlib.path import Path as MplPath

    from . import regions

    raw = (_DATA / "world_land_ne50m.geojson").read_bytes()
    path = regions._cache_path("worldland", Path(__file__).read_bytes(), raw)
    hit = regions._cache_load(path)
    if hit is not None and {"vertices", "codes"} <= hit.keys():
        return MplPath(hit["vertices"], hit["codes"])
    data = json.loads(raw.decode("utf-8"))
    geoms = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    built = _projected_path(geoms, min_lat_deg=25.0)
    if built.codes is not None:
        regions._cache_store(path, vertices=np.asarray(built.vertices), codes=np.asarray(built.codes))
    return built


@functools.lru_cache(maxsize=4)
def _outline_path(region_name: str, geometry_wkb: bytes):
    import shapely

    return _projected_path([shapely.from_wkb(geometry_wkb)], min_lat_deg=-30.0)


def _projected_path(geoms, min_lat_deg: float):
    """One compound matplotlib Path of polygons (lon/lat degrees) in the map's projection.

    The polygons are first cut along the projection's own cut, the meridian opposite the central
    one (80°W), and south of ``min_lat_deg``, so that projecting vertex by vertex is exact up to
    the straight edges between vertices (<= a few km apart at 1:50m). Rings keep RFC 7946
    orientation (exteriors counter-clockwise, holes clockwise) through the conformal projection, so
    the non-zero fill rule leaves holes open.
    """
    import shapely
    from matplotlib.path import Path as MplPath

    cut = 100.0 - 180.0  # -80
    eps = 1e-6
    window = shapely.union(shapely.box(cut + eps, min_lat_deg, 180.0, 90.0),
                           shapely.box(-180.0, min_lat_deg, cut - eps, 90.0))
    parts = shapely.get_parts(shapely.intersection(np.asarray(geoms, dtype=object), window))
    parts = [p for p in shapely.get_parts(parts) if shapely.get_type_id(p) == 3 and p.area > 0]
    parts = shapely.orient_polygons(np.asarray(parts, dtype=object), exterior_cw=False)
    rings = [np.asarray(r.coords)[:, :2] for poly in parts for r in [poly.exterior, *poly.interiors]]
    rings = [r for r in rings if len(r) >= 4]
    if not rings:
        return MplPath(np.zeros((0, 2)))
    lonlat = np.concatenate(rings)
    verts = _to_map(lonlat[:, 0], lonlat[:, 1])
    codes = np.full(len(verts), MplPath.LINETO, dtype=np.uint8)
    ends = np.cumsum([len(r) for r in rings])
    codes[ends - 1] = MplPath.CLOSEPOLY
    codes[np.r_[0, ends[:-1]]] = MplPath.MOVETO
    return MplPath(verts, codes)


def _unit(lat_deg, lon_deg):
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _cell_values(result, quantity):
    if quantity == "revisit_mean":
        return np.asarray(result.cell_revisit_mean_h, dtype=float)
    if quantity == "first_access":
        return np.asarray(result.first_access_days, dtype=float) * 24.0
    raise ValueError(f"quantity must be one of {', '.join(QUANTITIES)}, got {quantity!r}")


def _raster(result, values, norm, cmap, region):
    """RGBA image (ny, nx, 4) of the map's frame: nearest cell's colour inside the region, and which
    of the categories "once" (finite count, no value) and "never" appear in it."""
    from matplotlib.colors import to_rgba

    colors = cmap(norm(values)) if values.size else np.zeros((0, 4))
    once = ~np.isfinite(values)
    never = np.asarray(result.access_count) == 0
    colors[once] = to_rgba(ONCE_COLOR)
    colors[never] = to_rgba(NEVER_COLOR)
    rgba, shown = _paint(result, colors, region)
    return rgba, {"once": bool((once & ~never)[shown].any()), "never": bool(never[shown].any())}


def _paint(result, colors, region):
    """RGBA image (ny, nx, 4) of the map's frame as :func:`_bytes` makes it, each pixel inside
    ``region`` (default Russia) taking the colour (M, 4) of the nearest cell of ``result``; and a
    (M,) mask of the cells some pixel shows. The cells' colours are converted, not the pixels': the
    same bytes (a pixel is a copy of its cell's colour), without an image of four float64 channels."""
    from . import regions

    cells = _bytes(np.asarray(colors, dtype=float).reshape(-1, 4))
    rgba = np.zeros(_frame_shape() + (4,), dtype=cells.dtype)
    m = 0 if result.lat_deg is None else np.size(result.lat_deg)
    shown = np.zeros(m, dtype=bool)
    if result.lat_deg is None or result.lon_deg is None or m == 0:
        return rgba, shown
    inside, nearest = _pixel_cells(np.asarray(result.lat_deg, dtype=float), np.asarray(result.lon_deg, dtype=float),
                                   region if region is not None and region is not regions.russia() else None)
    rgba[inside] = cells[nearest]
    shown[nearest] = True
    return rgba, shown


def _bytes(rgba: np.ndarray) -> np.ndarray:
    """Colours as uint8 RGBA, converted as matplotlib converts a float image (``x * 255``
    truncated): the same pixels, without resampling four float64 channels."""
    return (rgba * 255).astype(np.uint8)


def _show_raster(ax, rgba: np.ndarray, extent) -> None:
    """Draw the raster on the map's axes (nearest neighbour, under the outlines), as
    ``ax.imshow`` draws it, resampled by :func:`_raster_image_class`'s image."""
    image = ax.imshow(rgba, origin="lower", extent=extent, interpolation="nearest", zorder=2)
    image.__class__ = _raster_image_class()  # a subclass adding no state: only how it resamples


#: The last few resamplings of a raster to a figure's pixels (which raster pixel each output pixel
#: shows, -1: none; and where the output goes), by the geometry that determines them.
_RESAMPLED: dict[tuple, tuple] = {}


def _stored_resampling(key: tuple, shape: tuple, build):
    """The resampling of :func:`_raster_image_class` for geometry ``key`` from the regions' disk
    cache (:func:`rossim.regions.cache_dir`; an entry named by a digest of the key, this module's
    source and matplotlib's version, so it is never used for another geometry or another
    matplotlib), else ``build()`` and stored (a damaged entry is rebuilt)."""
    import matplotlib
    from matplotlib.transforms import Affine2D

    from . import regions

    path = regions._cache_path("mapresample", Path(__file__).read_bytes(), matplotlib.__version__, repr(key))
    hit = regions._cache_load(path)
    if hit is not None and {"which", "where", "matrix"} <= hit.keys():
        which, where, matrix = hit["which"], hit["where"], hit["matrix"]
        if (which.ndim == 2 and which.dtype == np.int32 and which.size and where.shape == (2,)
                and matrix.shape == (3, 3) and np.isfinite(where).all() and np.isfinite(matrix).all()
                and -1 <= which.min() and which.max() < shape[0] * shape[1]):
            return which, float(where[0]), float(where[1]), Affine2D(matrix)
    which, x, y, trans = build()
    if which is not None:
        regions._cache_store(path, compress=True, which=which, where=np.array([x, y], dtype=float),
                             matrix=np.asarray(trans.get_matrix(), dtype=float))
    return which, x, y, trans


@functools.lru_cache(maxsize=1)
def _raster_image_class():
    """A matplotlib ``AxesImage`` for the maps' uint8 RGBA raster drawn nearest-neighbour: which
    raster pixel each of the figure's pixels shows is found once for a geometry (the raster's
    shape, where it lands in the figure, the clip, the magnification) by matplotlib's own
    resampling of an image of pixel numbers, kept in memory and in the disk cache
    (:func:`_stored_resampling`), then applied to every map of that geometry by indexing: the same
    pixels as resampling each map's four channels, in ~a tenth of the time."""
    from matplotlib.image import AxesImage
    from matplotlib.transforms import Bbox, TransformedBbox

    class RasterImage(AxesImage):
        def make_image(self, renderer, magnification=1.0, unsampled=False):
            a = self._A
            plain = (unsampled or a is None or a.dtype != np.uint8 or a.ndim != 3 or a.shape[2] != 4
                     or a.shape[0] * a.shape[1] >= 2**24 or self.get_interpolation() != "nearest")
            if plain:
                return super().make_image(renderer, magnification, unsampled)
            x1, x2, y1, y2 = self.get_extent()
            landing = TransformedBbox(Bbox([[x1, y1], [x2, y2]]), self.get_transform())
            clip = (self.get_clip_box() or self.axes.bbox) if self.get_clip_on() else self.get_figure(root=True).bbox
            key = (a.shape, tuple(landing.bounds), tuple(clip.bounds), magnification, self.origin,
                   self.get_alpha(), self.get_resample(), self.get_filternorm(), self.get_filterrad())
            if key not in _RESAMPLED:
                if len(_RESAMPLED) >= 4:
                    _RESAMPLED.pop(next(iter(_RESAMPLED)))
                _RESAMPLED[key] = _stored_resampling(key, a.shape, lambda: self._resampling(renderer, magnification))
            which, x, y, trans = _RESAMPLED[key]
            if which is None:
                return None, x, y, trans
            colors = np.ascontiguousarray(a).view(np.uint32).reshape(-1)
            out = np.where(which >= 0, colors[np.maximum(which, 0)], np.uint32(0))
            return out.view(np.uint8).reshape(which.shape + (4,)), x, y, trans

        def _resampling(self, renderer, magnification):
            """matplotlib's resampling of this image's raster as output pixel -> raster pixel."""
            real = self._A
            ny, nx = real.shape[:2]
            # pixel k's number k + 1 (0: no pixel) in its R, G, B bytes (little-endian), alpha opaque
            numbers = (np.arange(1, ny * nx + 1, dtype="<u4") | np.uint32(0xFF000000)).view(np.uint8)
            try:
                self._A, self._imcache = numbers.reshape(ny, nx, 4), None
                got, x, y, trans = super().make_image(renderer, magnification)
            finally:
                self._A, self._imcache = real, None
            if got is None:
                return None, x, y, trans
            got = np.ascontiguousarray(got, dtype=np.uint8).view("<u4")[..., 0]
            which = np.where(got >> 24 == 255, got & 0xFFFFFF, 0).astype(np.int32) - 1
            return which, x, y, trans

    return RasterImage


def _frame_shape() -> tuple[int, int]:
    """(ny, nx) of the map's raster, from the frame's extent alone (as :func:`_frame` sizes it)."""
    x0, x1, y0, y1 = _frame_extent()
    return int(round(_RASTER_WIDTH_PX * (y1 - y0) / (x1 - x0))), _RASTER_WIDTH_PX


#: The last few (pixel inside mask, nearest cell per inside pixel) found, by their inputs' digest.
_PIXEL_CELLS: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _pixel_cells(lat_deg: np.ndarray, lon_deg: np.ndarray, region) -> tuple[np.ndarray, np.ndarray]:
    """Which pixels of the raster lie in ``region`` (None: Russia), (ny, nx) bool, and the nearest
    cell (index into ``lat_deg``/``lon_deg``) of each of those pixels, in row-major order.

    The same for every map of one grid (each instrument's map of a run, every run at the same
    resolution): kept in memory and in the regions' disk cache (:func:`rossim.regions.cache_dir`),
    named by a digest of the cells' coordinates, the region's geometry, the raster's size and this
    module's, :mod:`rossim.capsearch`'s and :mod:`rossim.regions`'s source, so an entry is never
    used for other inputs."""
    import shapely

    from . import regions

    geom = (region or regions.russia()).geometry
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(Path(capsearch.__file__).read_bytes())  # the nearest cells are found there
    for part in (shapely.to_wkb(regions.russia().geometry), shapely.to_wkb(geom), lat_deg.tobytes(),
                 lon_deg.tobytes(), str(_RASTER_WIDTH_PX).encode()):
        h.update(len(part).to_bytes(8, "little") + part)
    key = h.hexdigest()
    if key in _PIXEL_CELLS:
        return _PIXEL_CELLS[key]
    path = regions._cache_path("mappixels", key)
    hit = regions._cache_load(path)
    if hit is not None and {"inside", "nearest"} <= hit.keys():
        found = hit["inside"], hit["nearest"]
    else:
        _, lon, lat, inside = _frame()
        if region is not None:
            inside = region.contains(lon.ravel(), lat.ravel()).reshape(lon.shape)
        cells = _unit(lat_deg, lon_deg)
        rho0 = capsearch.spacing_rad(cells)
        nearest = capsearch.CapIndex(cells, max(rho0, 1e-6)).nearest(_unit(lat[inside], lon[inside]), rho0)
        found = inside, nearest
        regions._cache_store(path, compress=True, inside=found[0], nearest=found[1])  # ~3 MB -> ~0.1
    if len(_PIXEL_CELLS) >= 4:
        _PIXEL_CELLS.pop(next(iter(_PIXEL_CELLS)))
    _PIXEL_CELLS[key] = found
    return found


@functools.lru_cache(maxsize=1)
def _graticule():
    """Meridians every 20° and parallels every 10° (30°N to 80°N) as projected polylines."""
    lat = np.linspace(30.0, 90.0, 61)
    lon = np.linspace(-180.0, 180.0, 721)
    lines = [_to_map(np.full_like(lat, m), lat) for m in np.arange(-180.0, 180.0, 20.0) if m != -80.0]
    cut = (lon - 100.0 + 180.0) % 360.0  # split the parallels at the projection's cut, 80°W
    order = np.argsort(cut)
    lines += [_to_map(lon[order], np.full_like(lon, p)) for p in np.arange(30.0, 81.0, 10.0)]
    return lines


def _track_segments(track, days):
    """Projected polylines (list of (n, 2)) of the ground track over its first ``days``, broken where
    it leaves the northern frame or wraps around the projection's cut (80°W)."""
    sel = np.asarray(track.days) <= track.days[0] + days
    lon = np.asarray(track.lon_deg, dtype=float)[sel]
    lat = np.asarray(track.lat_deg, dtype=float)[sel]
    ok = np.isfinite(lon) & np.isfinite(lat) & (lat >= _TRACK_MIN_LAT_DEG)
    p = np.full((lon.size, 2), np.nan)
    if ok.any():
        p[ok] = _to_map(lon[ok], lat[ok])
    rel = (lon - 100.0 + 180.0) % 360.0  # longitude from the map's cut, [0, 360)
    ok &= np.isfinite(p).all(axis=1)
    brk = ~ok | np.r_[True, np.abs(np.diff(rel)) > 180.0]  # a new piece starts here (or no point)
    pieces = np.split(np.arange(lon.size), np.flatnonzero(brk))
    return [p[i[ok[i]]] for i in pieces if ok[i].sum() >= 2]


@functools.lru_cache(maxsize=1)
def _map_axes_class():
    """A matplotlib Axes for a map: no ticks, equal aspect, its background and frame each one
    closed path around the frame (from its top-right corner, clockwise) rather than a rectangle
    and four spines: the pixels of the cartopy ``GeoAxes`` the maps were first drawn with, without
    importing cartopy."""
    from matplotlib.axes import Axes
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from matplotlib.spines import Spine

    frame = MplPath([(1.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)],
                    [MplPath.MOVETO, *[MplPath.LINETO] * 4, MplPath.CLOSEPOLY])

    class Frame(Spine):
        def _adjust_location(self):  # the path is fixed, in axes coordinates
            pass

    class MapAxes(Axes):
        def _gen_axes_patch(self):
            return PathPatch(frame)

        def _gen_axes_spines(self, locations=None, offset=0.0, units="inches"):
            spines = super()._gen_axes_spines()
            for spine in spines.values():
                spine.set_visible(False)
            geo = Frame(self, "geo", frame, clip_on=False)
            geo.set_transform(self.transAxes)
            return {**spines, "geo": geo}

        def clear(self):
            super().clear()
            self.xaxis.set_visible(False)
            self.yaxis.set_visible(False)
            self.set_aspect("equal")

    return MapAxes


def _base_map(title: str, stamp: str | None, region, show_nsr: bool):
    """Figure and map axes with the context every map shares: ocean and land, ``region``'s outline
    (default Russia), the graticule, disputed territory hatched, the Northern Sea Route when
    ``show_nsr``, the title, the ``stamp`` line (``--set`` changes) and the data note. Returns
    ``(fig, ax, extent, handles)``: legend handles of what was drawn (the caller adds its own
    first and draws the legend)."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    import shapely
    from matplotlib.patches import Patch, PathPatch

    from . import regions

    extent = _frame_extent()
    fig = Figure(figsize=MAP_SIZE_IN, dpi=MAP_DPI)
    ax = fig.add_axes(_map_axes_class()(fig, (0.01, 0.065, 0.87, 0.80)))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_facecolor(_OCEAN)
    ax.add_artist(PathPatch(_world_land(), facecolor=_LAND, edgecolor=_LAND_EDGE, linewidth=0.3,
                           transform=ax.transData, zorder=1))
    reg = region or regions.russia()
    ax.add_artist(PathPatch(_outline_path(reg.name, shapely.to_wkb(reg.geometry)), facecolor="none",
                           edgecolor=_OUTLINE, linewidth=0.6, transform=ax.transData, zorder=3))
    ax.add_collection(LineCollection(_graticule(), colors="#606060", linewidths=0.3, alpha=0.5,
                                     linestyles=":", transform=ax.transData, zorder=3), autolim=False)
    disputed = regions.disputed()
    ax.add_artist(PathPatch(_outline_path(disputed.name, shapely.to_wkb(disputed.geometry)), facecolor="none",
                           edgecolor=DISPUTED_COLOR, hatch="/////", linewidth=0.6, transform=ax.transData,
                           zorder=4))
    handles = [Patch(facecolor="white", edgecolor=DISPUTED_COLOR, hatch="/////", linewidth=0.6,
                     label="disputed, administered by Russia")]
    if show_nsr:
        segments = []
        for line in getattr(regions.nsr_route(), "geoms", [regions.nsr_route()]):
            lon, lat = np.asarray(line.coords).T
            segments.append(_to_map(lon, lat))
        ax.add_collection(LineCollection(segments, colors=_NSR_COLOR, linewidths=2.0, capstyle="round",
                                         transform=ax.transData, zorder=5), autolim=False)
        handles.append(Line2D([], [], color=_NSR_COLOR, linewidth=2.0, label="Northern Sea Route"))
    handles.append(Line2D([], [], color=_OUTLINE, linewidth=0.8, label="Russia (Natural Earth 1:50m)"))
    wrapped = "\n".join(textwrap.fill(line, _TITLE_WRAP) or "" for line in str(title).splitlines())
    fig.suptitle(plain(wrapped, _TITLE_CHARS, 4), fontsize=12, y=0.98)
    note = (f"Hatched: disputed territory, {regions.DISPUTED_NOTE}; drawn and counted as Russia here. "
            "Made with Natural Earth (de facto boundaries); Lambert conformal conic, 100°E, 52°N / 72°N.")
    fig.text(0.01, 0.008, plain(textwrap.fill(note, 230), 230, 2), ha="left", va="bottom", fontsize=7.5,
             color="#333333")
    if stamp:
        fig.text(0.01, 0.032, plain(stamp, 200), ha="left", va="bottom", fontsize=9, color="#8b0000",
                 fontweight="bold")
    return fig, ax, extent, handles


def coverage_map(
    result,
    *,
    title: str,
    quantity: str = "revisit_mean",
    vmin: float | None = None,
    vmax: float | None = None,
    region=None,
    track_days: float = 1.0,
    show_nsr: bool = True,
    stamp: str | None = None,
):
    """A map of Russia coloured by a cell figure of merit of ``result``.

    ``result``: a :class:`rossim.coverage.CoverageResult` with cell coordinates (as
    ``coverage.analyze`` makes it), normally of Russia's grid, or any object with the (M,) arrays
    ``lat_deg``, ``lon_deg``, ``area_km2``, ``access_count``, ``cell_revisit_mean_h``,
    ``first_access_days`` and ``track`` (None or with ``days``, ``lat_deg``, ``lon_deg``); ``quantity``: ``"revisit_mean"``
    (hours between accesses, per cell) or ``"first_access"`` (hours from the span's start);
    ``vmin``/``vmax``: the colour scale (hours; default 0 and a round number at or above the
    95th percentile of the cells' values, or the span if no cell has one): fix them to compare
    maps; ``region``: the :class:`rossim.regions.Region` whose inside is painted (default
    Russia); ``track_days``: how much of ``result.track`` to draw (0 for none); ``stamp``: a line
    printed under the map (the ``--set`` changes the run was made with). Disputed territory is
    hatched (:func:`rossim.regions.disputed`); the legend lists only what the map shows. Returns a
    :class:`matplotlib.figure.Figure` of :data:`MAP_SIZE_IN` at :data:`MAP_DPI` (save it with :func:`save`).
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    values = _cell_values(result, quantity)
    finite = values[np.isfinite(values)]
    lo = 0.0 if vmin is None else float(vmin)
    hi = vmax
    if hi is None:
        span_h = 24.0 * float(getattr(result, "span_days", 1.0))
        hi = nice_ceiling(float(np.percentile(finite, 95)) if finite.size else span_h)
    hi = float(hi)
    if not hi > lo:
        hi = lo + 1.0
    norm = Normalize(lo, hi, clip=True)
    cmap = colormaps[_CMAP]

    fig, ax, extent, context = _base_map(title, stamp, region, show_nsr)
    rgba, appears = _raster(result, values, norm, cmap, region)
    _show_raster(ax, rgba, extent)

    handles = []
    if appears["never"]:
        handles.append(Patch(facecolor=NEVER_COLOR, edgecolor=_OUTLINE, linewidth=0.4, label="never observed"))
    if quantity == "revisit_mean" and appears["once"]:
        handles.append(Patch(facecolor=ONCE_COLOR, edgecolor=_OUTLINE, linewidth=0.4,
                             label="observed once (no revisit)"))
    if track_days > 0 and result.track is not None and np.size(result.track.days):
        segments = _track_segments(result.track, track_days)
        if segments:
            ax.add_collection(LineCollection(segments, colors=_TRACK_COLOR, linewidths=0.5, alpha=0.55,
                                             transform=ax.transData, zorder=4), autolim=False)
            span = f"{track_days * 24:g} h" if track_days < 2 else f"{track_days:g} d"
            handles.append(Line2D([], [], color=_TRACK_COLOR, linewidth=0.8, alpha=0.7,
                                  label=f"station's ground track, first {span}"))
    ax.legend(handles=handles + context, loc="lower left", fontsize=8.5, framealpha=0.92)

    cax = fig.add_axes((0.90, 0.14, 0.018, 0.64))
    observed_max = float(finite.max()) if finite.size else hi
    extend = "max" if observed_max > hi else "neither"
    if finite.size and finite.min() < lo:
        extend = "both" if extend == "max" else "min"
    cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, extend=extend)
    cb.set_label(QUANTITIES[quantity], fontsize=10)
    return fig


#: Colours of the difference map's categories (Okabe-Ito orange and blue; a pale green; the grey
#: of "never observed").
DIFFERENCE_COLORS = {"a_only": "#E69F00", "b_only": "#0072B2", "both": "#b7dfb0", "neither": NEVER_COLOR}


def difference_map(diff, *, title: str, stamp: str | None = None, show_nsr: bool = True):
    """A map of a region's cells (Russia's, the Arctic zone's, the NSR corridor's: ``diff.shape()``)
    seen by scenario A only, B only, both or neither.

    ``diff``: a :class:`rossim.coverage_compare.Difference` (cell ``lat_deg``, ``lon_deg``,
    ``category`` (M,) in :data:`rossim.coverage_compare.CATEGORIES` order, ``label_a``, ``label_b``,
    :meth:`~rossim.coverage_compare.Difference.areas`). The legend gives each category's area in
    km² and % of the region, listing only the categories present. Returns a Figure.
    """
    from types import SimpleNamespace

    from matplotlib.colors import to_rgba
    from matplotlib.patches import Patch

    from .coverage_compare import CATEGORIES

    palette = np.array([to_rgba(DIFFERENCE_COLORS[c]) for c in CATEGORIES])
    cells = SimpleNamespace(lat_deg=diff.lat_deg, lon_deg=diff.lon_deg)
    fig, ax, extent, context = _base_map(title, stamp, None, show_nsr)
    rgba, shown = _paint(cells, palette[diff.category], diff.shape())  # only the region's own pixels
    _show_raster(ax, rgba, extent)
    areas = diff.areas()
    name_a, name_b = diff.names
    names = {"a_only": f"seen by {name_a} only", "b_only": f"seen by {name_b} only",
             "both": "seen by both", "neither": "seen by neither"}
    handles = []
    for c in ("a_only", "b_only", "both", "neither"):
        if (diff.category[shown] == CATEGORIES.index(c)).any():
            a = areas[c]
            handles.append(Patch(facecolor=DIFFERENCE_COLORS[c], edgecolor=_OUTLINE, linewidth=0.4,
                                 label=f"{plain(names[c], 60)}: {a['area_km2'] / 1e6:.2f} M km² "
                                       f"({a['percent']:.1f} %)"))
    ax.legend(handles=handles + context, loc="lower left", fontsize=9, framealpha=0.92)
    return fig


def save(fig, path: str | Path) -> Path:
    """Write ``fig`` as a PNG of exactly its size (no tight cropping) at its own dpi, as every rossim
    figure is written (:func:`rossim.figures.write_png`: a map in ~16 ms and ~405 kB at zlib level 3,
    against ~60 ms and ~463 kB by Pillow at level 1; RGB, its background being white)."""
    from .figures import write_png

    path = Path(path)
    with atomic_file(path) as tmp:
        write_png(fig, tmp, dpi=fig.dpi)
    return path
