"""The coverage maps without cartopy (issue 11 §5: its import is ~0.03-0.07 s of every command).

rossim.maps projects with pyproj directly and frames its axes as cartopy's ``GeoAxes`` does. The
twin is cartopy itself, as the maps were drawn before: the same projected coordinates bit for bit,
the same pixels for a whole map (that the command no longer imports cartopy:
tests/test_coverage_imports.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from rossim import coverage_run, maps, regions

ccrs = pytest.importorskip("cartopy.crs")
geoaxes = pytest.importorskip("cartopy.mpl.geoaxes")


def _cartopy_projection():
    return ccrs.LambertConformal(central_longitude=100.0, standard_parallels=(52.0, 72.0))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(regions.CACHE_ENV, str(tmp_path / "cache"))


def test_projected_coordinates_are_cartopys():
    rng = np.random.default_rng(7)
    lon = rng.uniform(-180.0, 180.0, 5000)
    lat = rng.uniform(-30.0, 90.0, 5000)
    ours = maps._to_map(lon, lat)
    theirs = _cartopy_projection().transform_points(ccrs.PlateCarree(), lon, lat)[:, :2]
    assert np.array_equal(ours, theirs)
    back = np.column_stack(maps._transformer(True).transform(ours[:, 0], ours[:, 1]))
    theirs_back = ccrs.PlateCarree().transform_points(_cartopy_projection(), ours[:, 0], ours[:, 1])[:, :2]
    assert np.array_equal(back, theirs_back)


def test_the_pipelines_are_what_pyproj_picks_between_cartopys_crs():
    """maps gives PROJ its pipelines directly (no database search): the same numbers as the
    transformers pyproj's from_crs builds between cartopy's CRS, poles, NaN and far points included."""
    from pyproj import Transformer

    lonlat, lcc = ccrs.PlateCarree(), _cartopy_projection()
    rng = np.random.default_rng(11)
    lon = np.r_[rng.uniform(-180.0, 180.0, 2000), 0.0, 100.0, -80.0, 280.0, np.nan, 5.0, 100.0]
    lat = np.r_[rng.uniform(-90.0, 90.0, 2000), -90.0, 90.0, 0.0, 45.0, 5.0, np.nan, -89.99999]
    forward = np.column_stack(Transformer.from_crs(lonlat, lcc, always_xy=True).transform(lon, lat))
    assert np.array_equal(maps._to_map(lon, lat), forward, equal_nan=True)
    assert np.isinf(forward).any() and np.isnan(forward).any()
    x = np.r_[forward[np.isfinite(forward).all(axis=1), 0], 1e9, -1e9, 0.0]
    y = np.r_[forward[np.isfinite(forward).all(axis=1), 1], 1e9, 0.0, -1e9]
    back = np.column_stack(Transformer.from_crs(lcc, lonlat, always_xy=True).transform(x, y))
    assert np.array_equal(np.column_stack(maps._transformer(True).transform(x, y)), back, equal_nan=True)


def test_a_map_has_the_pixels_of_cartopys_geoaxes(cache, tmp_path, monkeypatch):
    sc = coverage_run.load_scenario("scenarios/ross_high_latitude.toml")
    done = coverage_run.analyze(sc, days=0.5, resolution_km=200.0)
    res = done.results["russia"][done.instruments[0].name]

    def draw(name):
        fig = maps.coverage_map(res, title="A map\nof two lines", vmin=0.0, vmax=12.0, stamp="a stamp")
        with Image.open(maps.save(fig, tmp_path / name)) as im:
            return np.asarray(im)

    ours = draw("ours.png")
    proj = _cartopy_projection()

    def geo(fig, rect):  # the axes as the maps made them before: cartopy's, its extent set
        ax = geoaxes.GeoAxes(fig, rect, projection=proj)
        ax.set_extent(maps._frame_extent(), crs=proj)
        return ax

    monkeypatch.setattr(maps, "_map_axes_class", lambda: geo)
    theirs = draw("cartopy.png")
    assert ours.shape == theirs.shape == (900, 1560, 3)
    assert np.array_equal(ours, theirs)
    # not a blank comparison: the map shows its frame, the ocean, cells and grey
    assert len(np.unique(ours.reshape(-1, 4), axis=0)) > 50


def test_a_map_is_saved_as_rgb_with_the_pixels_savefig_writes(tmp_path):
    """maps.save writes RGB when every pixel is opaque (the same pixels as matplotlib's RGBA PNG,
    fewer bytes), RGBA when some pixel is not."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.0, 2.0), dpi=maps.MAP_DPI)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 1, 0], color="#d62728", linewidth=3)
    ax.set_title("opaque")
    fig.savefig(tmp_path / "mpl.png", format="png")
    maps.save(fig, tmp_path / "ours.png")
    with Image.open(tmp_path / "mpl.png") as a, Image.open(tmp_path / "ours.png") as b:
        assert (a.mode, b.mode) == ("RGBA", "RGB") and a.size == b.size == (360, 240)
        assert b.info["Software"] == "rossim" and round(b.info["dpi"][0]) == maps.MAP_DPI
        rgba, rgb = np.asarray(a), np.asarray(b)
    assert (rgba[..., 3] == 255).all() and np.array_equal(rgba[..., :3], rgb)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 10
    fig.patch.set_alpha(0.0)  # a transparent background: kept
    maps.save(fig, tmp_path / "clear.png")
    with Image.open(tmp_path / "clear.png") as c:
        assert c.mode == "RGBA" and (np.asarray(c)[..., 3] < 255).any()
