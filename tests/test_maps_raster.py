"""The maps' raster resampled by indexing (issue 11 §5): rossim.maps finds once per geometry which
raster pixel each figure pixel shows, by matplotlib's own resampling of an image of pixel numbers,
and applies it to every map. The twin is matplotlib's plain AxesImage resampling each raster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from rossim import maps, regions


def _raster(seed: int, shape=(333, 517)) -> np.ndarray:
    """Random opaque colours, transparent (0, 0, 0, 0) where a map's raster is outside the region."""
    rng = np.random.default_rng(seed)
    rgba = rng.integers(0, 256, shape + (4,), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[rng.random(shape) < 0.3] = 0
    return rgba


def _draw(rgba, size_in, dpi, image_class, extent=(-3.0, 5.0, 1.0, 6.0)) -> np.ndarray:
    fig = Figure(figsize=size_in, dpi=dpi)
    ax = fig.add_axes((0.07, 0.1, 0.8, 0.75))
    ax.set_facecolor("#e3edf5")
    ax.set_xlim(extent[0] - 0.5, extent[1] + 0.3)  # the raster inside, not filling the axes
    ax.set_ylim(extent[2] - 0.2, extent[3] + 0.4)
    image = ax.imshow(rgba, origin="lower", extent=extent, interpolation="nearest", zorder=2)
    image.__class__ = image_class
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("size_in, dpi", [((6.0, 4.0), 100), ((7.3, 4.1), 133), ((3.0, 2.0), 72)])
def test_indexed_resampling_gives_matplotlibs_pixels(size_in, dpi):
    """Up- and down-sampling at scales that are not whole numbers; random colours and holes."""
    indexed = maps._raster_image_class()
    for seed in (1, 2):  # the second raster reuses the first's resampling
        rgba = _raster(seed)
        ours = _draw(rgba, size_in, dpi, indexed)
        theirs = _draw(rgba, size_in, dpi, AxesImage)
        assert np.array_equal(ours, theirs)
        assert len(np.unique(ours.reshape(-1, 4), axis=0)) > 1000  # the raster is there


def test_a_resampling_is_used_only_for_its_geometry(monkeypatch):
    monkeypatch.setattr(maps, "_RESAMPLED", {})
    indexed = maps._raster_image_class()
    rgba = _raster(3)
    first = _draw(rgba, (6.0, 4.0), 100, indexed)
    assert len(maps._RESAMPLED) == 1
    assert np.array_equal(_draw(rgba, (6.0, 4.0), 100, indexed), first)
    assert len(maps._RESAMPLED) == 1  # the same geometry: found again
    for args in [((6.0, 4.0), 120), ((5.0, 4.0), 100)]:  # other dpi, other size: another resampling
        assert np.array_equal(_draw(rgba, *args, indexed), _draw(rgba, *args, AxesImage))
    moved = (-2.0, 5.0, 1.0, 6.0)  # the raster elsewhere in the same figure
    assert np.array_equal(_draw(rgba, (6.0, 4.0), 100, indexed, moved), _draw(rgba, (6.0, 4.0), 100, AxesImage, moved))
    small = _raster(3, (200, 300))  # another raster shape
    assert np.array_equal(_draw(small, (6.0, 4.0), 100, indexed), _draw(small, (6.0, 4.0), 100, AxesImage))
    assert len(maps._RESAMPLED) == 4


def test_other_images_are_resampled_by_matplotlib():
    """A float raster (not uint8 RGBA) goes through matplotlib's own path: the same pixels."""
    rgba = _raster(4).astype(float) / 255.0
    assert np.array_equal(_draw(rgba, (6.0, 4.0), 100, maps._raster_image_class()),
                          _draw(rgba, (6.0, 4.0), 100, AxesImage))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(regions.CACHE_ENV, str(folder))
    monkeypatch.setattr(maps, "_RESAMPLED", {})
    return folder


def test_a_stored_resampling_gives_the_pixels_a_built_one_gives(cache, monkeypatch):
    indexed = maps._raster_image_class()
    rgba = _raster(5)
    theirs = _draw(rgba, (6.0, 4.0), 100, AxesImage)
    for setting in ("", str(cache), str(cache)):  # off, cold (built, stored), warm (read back)
        monkeypatch.setenv(regions.CACHE_ENV, setting)
        maps._RESAMPLED.clear()
        assert np.array_equal(_draw(rgba, (6.0, 4.0), 100, indexed), theirs)
    (entry,) = cache.glob("mapresample-*.npz")
    entry.unlink()  # the warm draw above read it: without it, it is built again
    maps._RESAMPLED.clear()
    assert np.array_equal(_draw(rgba, (6.0, 4.0), 100, indexed), theirs)
    assert len(list(cache.glob("mapresample-*.npz"))) == 1
    assert np.array_equal(_draw(rgba, (6.0, 4.0), 120, indexed), _draw(rgba, (6.0, 4.0), 120, AxesImage))
    assert len(list(cache.glob("mapresample-*.npz"))) == 2  # another geometry, another entry


@pytest.mark.parametrize("damage", ["not an npz", "other arrays"])
def test_a_damaged_stored_resampling_is_rebuilt(cache, damage):
    indexed = maps._raster_image_class()
    rgba = _raster(6)
    theirs = _draw(rgba, (6.0, 4.0), 100, AxesImage)
    _draw(rgba, (6.0, 4.0), 100, indexed)
    (entry,) = cache.glob("mapresample-*.npz")
    if damage == "not an npz":
        entry.write_bytes(b"not an npz")
    else:  # readable, but pixel numbers beyond the raster
        with entry.open("wb") as f:
            np.savez(f, which=np.full((3, 3), 10**9, dtype=np.int32), where=np.zeros(2), matrix=np.eye(3))
    maps._RESAMPLED.clear()
    assert np.array_equal(_draw(rgba, (6.0, 4.0), 100, indexed), theirs)
    assert entry.stat().st_size > 1000  # replaced by a good one


def test_the_stored_nearest_cells_follow_the_code_that_finds_them(cache, monkeypatch, tmp_path):
    """The disk entry of the pixels' nearest cells is named by rossim.capsearch's source too (it
    finds them): another capsearch, another entry, never the old one reused."""
    from rossim import capsearch

    lat = np.repeat(np.linspace(45.0, 75.0, 7), 9)
    lon = np.tile(np.linspace(30.0, 170.0, 9), 7)
    monkeypatch.setattr(maps, "_PIXEL_CELLS", {})
    first = maps._pixel_cells(lat, lon, None)
    assert len(list(cache.glob("mappixels-*"))) == 1
    changed = tmp_path / "capsearch.py"
    changed.write_bytes(Path(capsearch.__file__).read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(capsearch, "__file__", str(changed))
    monkeypatch.setattr(maps, "_PIXEL_CELLS", {})
    again = maps._pixel_cells(lat, lon, None)
    assert len(list(cache.glob("mappixels-*"))) == 2
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
