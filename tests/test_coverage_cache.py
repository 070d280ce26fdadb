"""What the coverage command's speed-ups keep the same (issue 11 §5).

The regions' disk cache (rossim.regions.cache_dir): what it returns is what a build returns, bit
for bit; an entry is found by its content, so a changed input never reads a stale one; a coverage
run's files are the same with the cache cold, warm or off. The maps: a uint8 raster and a faster
PNG compression give the same pixels as the float raster at Pillow's default level."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import shapely
from PIL import Image

from rossim import coverage_run, maps, png, regions


def _fresh():
    for maker in (regions.russia, regions.arctic_zone, regions.nsr_corridor):
        maker.cache_clear()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(regions.CACHE_ENV, str(folder))
    _fresh()
    yield folder
    _fresh()


def _same_grid(a, b):
    for key in ("lat_deg", "lon_deg", "area_km2", "ecef_km"):
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype and np.array_equal(x, y), key
        assert not y.flags.writeable
    assert (a.region_name, a.resolution_km) == (b.region_name, b.resolution_km)


def test_cached_regions_and_grids_equal_built_ones(cache, monkeypatch):
    monkeypatch.setenv(regions.CACHE_ENV, "")  # off: built
    built = [regions.russia(), regions.arctic_zone(), regions.nsr_corridor()]
    built_grids = [regions.equal_area_grid(r, 200.0) for r in built]
    assert regions.cache_dir() is None
    monkeypatch.setenv(regions.CACHE_ENV, str(cache))
    for _ in range(2):  # cold (built, stored), then warm (read back)
        _fresh()
        again = [regions.russia(), regions.arctic_zone(), regions.nsr_corridor()]
        for a, b in zip(built, again):
            assert (a.name, a.area_km2) == (b.name, b.area_km2)
            assert shapely.to_wkb(a.geometry) == shapely.to_wkb(b.geometry)
        assert again[2].line is not None and shapely.equals_exact(again[2].line, built[2].line, 0.0)
        for a, region in zip(built_grids, again):
            _same_grid(a, regions.equal_area_grid(region, 200.0))
    assert len(list(cache.glob("region-*.npz"))) == 3 and len(list(cache.glob("grid-*.npz"))) == 3


def test_an_entry_is_found_by_content(cache):
    box = regions.from_geometry(shapely.box(30.0, 55.0, 40.0, 60.0), "box")
    small = regions.from_geometry(shapely.box(30.0, 55.0, 39.0, 60.0), "box")  # same name, other polygon
    a = regions.equal_area_grid(box, 100.0)
    b = regions.equal_area_grid(small, 100.0)
    assert len(a) > len(b)  # not the first one's entry
    assert abs(b.total_area_km2 - small.area_km2) < 1e-6 * small.area_km2
    c = regions.equal_area_grid(box, 50.0)  # another resolution: another entry
    assert len(c) > 3 * len(a)
    assert len(list(cache.glob("grid-*.npz"))) == 3
    renamed = regions.equal_area_grid(regions.from_geometry(box.geometry, "other"), 100.0)
    assert renamed.region_name == "other"  # same content: the entry, under the region's own name
    _same_grid(regions.Grid(a.lat_deg, a.lon_deg, a.area_km2, a.ecef_km, 100.0, "other"), renamed)


def test_a_damaged_entry_is_rebuilt(cache):
    box = regions.from_geometry(shapely.box(30.0, 55.0, 40.0, 60.0), "box")
    a = regions.equal_area_grid(box, 100.0)
    (entry,) = cache.glob("grid-*.npz")
    entry.write_bytes(b"not an npz")
    _same_grid(a, regions.equal_area_grid(box, 100.0))
    assert entry.stat().st_size > 100  # replaced by a good one


def _outputs(folder):
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".csv", ".geojson")}
    summary = json.loads((folder / "coverage_summary.json").read_text())
    return files, summary


def test_run_files_are_the_same_with_the_cache_cold_warm_or_off(cache, tmp_path, monkeypatch):
    sc = coverage_run.load_scenario("scenarios/ross_high_latitude.toml")
    outs = []
    for k, setting in enumerate(["", str(cache), str(cache)]):  # off, cold, warm
        monkeypatch.setenv(regions.CACHE_ENV, setting)
        _fresh()
        coverage_run.run(sc, tmp_path / f"run{k}", days=0.5, resolution_km=200.0, maps=False)
        outs.append(_outputs(tmp_path / f"run{k}"))
    assert set(outs[0][0]) >= {"coverage_cells.csv", "ground_track.csv", "contacts.csv", "cells_russia.geojson"}
    assert outs[0] == outs[1] == outs[2]


def test_maps_have_the_pixels_of_the_float_raster(cache, tmp_path, monkeypatch):
    sc = coverage_run.load_scenario("scenarios/ross_high_latitude.toml")
    done = coverage_run.analyze(sc, days=0.5, resolution_km=200.0)
    res = done.results["russia"][done.instruments[0].name]
    assert (res.access_count == 0).any() and (res.access_count > 0).any()  # colours and grey

    def draw(name):
        fig = maps.coverage_map(res, title="t", vmin=0.0, vmax=12.0)
        return np.asarray(Image.open(maps.save(fig, tmp_path / name)))

    fast = draw("fast.png")
    monkeypatch.setattr(maps, "_bytes", lambda rgba: rgba)  # the float image, as before
    monkeypatch.setattr(png, "ZLIB_LEVEL", 6)
    monkeypatch.setattr(maps, "_PIXEL_CELLS", {})
    monkeypatch.setenv(regions.CACHE_ENV, "")  # the pixels' nearest cells found again
    plain = draw("plain.png")
    assert fast.shape == plain.shape and np.array_equal(fast, plain)
    assert (tmp_path / "fast.png").read_bytes() != (tmp_path / "plain.png").read_bytes()  # the levels differ


def test_cell_rows_are_the_per_cell_formatting(tmp_path):
    """coverage_cells.csv's rows, formatted a column at a time, equal a row-by-row twin (``_fmt`` of
    each value, as the writer did before), NaN and infinity included."""
    sc = coverage_run.load_scenario("scenarios/ross_high_latitude.toml")
    done = coverage_run.analyze(sc, days=1.0, resolution_km=200.0)
    r = done.results["russia"][done.instruments[-1].name]
    assert np.isnan(r.cell_revisit_mean_h).any() and np.isfinite(r.cell_revisit_mean_h).any()
    r = dataclasses.replace(r, cell_revisit_max_h=np.where(np.arange(r.area_km2.size) % 7 == 0, np.inf,
                                                           r.cell_revisit_max_h))
    by = {"russia": {"x": r}}
    twin = []
    stamps = coverage_run._utc_stamps(done.start, r.first_access_days)
    for i in range(r.area_km2.size):
        twin.append(("russia", "x", *(coverage_run._fmt(c[i]) for c in (r.lat_deg, r.lon_deg, r.area_km2)),
                     int(r.access_count[i]), coverage_run._fmt(r.first_access_days[i] * 24.0), stamps[i],
                     coverage_run._fmt(r.cell_revisit_mean_h[i]), coverage_run._fmt(r.cell_revisit_max_h[i])))
    assert [tuple(row) for row in coverage_run._cell_rows(by, done.start)] == twin
    assert any(row[-1] == "" for row in twin) and any(row[-1] != "" for row in twin)


def test_world_land_path_from_the_cache_is_the_built_one(cache, monkeypatch):
    paths = []
    for setting in ("", str(cache), str(cache)):  # off, cold, warm
        monkeypatch.setenv(regions.CACHE_ENV, setting)
        maps._world_land.cache_clear()
        paths.append(maps._world_land())
    maps._world_land.cache_clear()
    assert len(list(cache.glob("worldland-*.npz"))) == 1
    for p in paths[1:]:
        assert p.vertices.dtype == paths[0].vertices.dtype and np.array_equal(p.vertices, paths[0].vertices)
        assert p.codes.dtype == paths[0].codes.dtype and np.array_equal(p.codes, paths[0].codes)
    assert len(paths[0].vertices) > 10_000
