"""Bad GeoJSON user regions (``rossim coverage --region FILE``): one line naming the file and what
was expected, exit 2, no traceback and no warning (pytest turns warnings into errors), nothing
written, and no file read that is not a regular file of bounded size (issue 7, section 2)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from conftest import one_line_error
from rossim import inputfiles, regions

HIGH = Path(__file__).parent.parent / "scenarios" / "ross_high_latitude.toml"
FAST = ["--days", "0.05", "--resolution-km", "500", "--no-report"]

SQUARE = [[[30.0, 60.0], [31.0, 60.0], [31.0, 61.0], [30.0, 61.0], [30.0, 60.0]]]


def polygon(coords=SQUARE) -> dict:
    return {"type": "Polygon", "coordinates": coords}


def feature(geometry=None, properties=None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry or polygon()}


def square(side_deg: float) -> dict:
    lon, lat = 30.0, 60.0
    return polygon([[[lon, lat], [lon + side_deg, lat], [lon + side_deg, lat + side_deg],
                     [lon, lat + side_deg], [lon, lat]]])


# (id, file text, needles of the error line besides the file's name)
BAD = [
    ("features-5", json.dumps({"type": "FeatureCollection", "features": 5}),
     ["features", "expected a list of Features, got 5"]),
    ("geometries-7", json.dumps({"type": "GeometryCollection", "geometries": 7}),
     ["geometries", "expected a list of geometries, got 7"]),
    ("properties-5", json.dumps(feature(properties=5)), ["properties", "expected an object or null, got 5"]),
    ("geometry-string", json.dumps({"type": "Feature", "geometry": "square"}),
     ["geometry", "expected a geometry object or null", "'square'"]),
    ("nested-feature-bad", json.dumps({"type": "FeatureCollection", "features": [feature(), feature(properties=[1])]}),
     ["features[1].properties", "expected an object or null"]),
    ("array-800-deep", "[" * 800 + "]" * 800, ["nested 800 levels deep", "limit of 64"]),
    ("collection-800-deep", '{"type": "GeometryCollection", "geometries": [' * 800 + "]}" * 800,
     ["levels deep", "limit of 64"]),
    ("integer-4301-digits", json.dumps(polygon()).replace("30.0", "3" + "0" * 4300, 1),
     ["integer of 4,301 digits"]),
    ("nan-coordinate", json.dumps(polygon()).replace("31.0", "NaN", 1), ["NaN", "finite"]),
    ("infinite-coordinate", json.dumps(polygon()).replace("31.0", "1e999", 1),
     ["coordinates[0][1]", "finite numbers", "inf"]),
    ("string-coordinate", json.dumps(polygon()).replace("31.0", '"31"', 1),
     ["coordinates[0][1]", "a position [lon, lat] of numbers", "'31'"]),
    ("boolean-coordinate", json.dumps(polygon()).replace("31.0", "true", 1),
     ["coordinates[0][1]", "a position [lon, lat] of numbers", "True"]),
    ("coordinates-number", json.dumps(polygon(5)), ["coordinates", "non-empty list of rings", "got 5"]),
    ("ring-of-three", json.dumps(polygon([SQUARE[0][:3]])), ["coordinates[0]", "at least 4"]),
    ("multipolygon-flat", json.dumps({"type": "MultiPolygon", "coordinates": [[1, 2]]}),
     ["coordinates[0][0]", "expected a ring", "got 1"]),
    ("not-json", "{type: Polygon", ["not valid JSON"]),
    ("not-utf8", b"\xff\xfe\x00{", ["not UTF-8"]),
    ("no-polygon", json.dumps({"type": "Point", "coordinates": [30, 60]}), ["no Polygon or MultiPolygon"]),
    ("square-1e-12-deg", json.dumps(square(1e-12)), ["smaller than a grid cell of 500 km", "no cell"]),
]


@pytest.mark.parametrize("text, needles", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_geojson_is_one_line_exit_2(text, needles, capsys, tmp_path):
    path = tmp_path / "zone.geojson"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", path, "--out", tmp_path / "o"],
                   str(path), *needles)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zone.geojson"]  # nothing written


def test_the_same_square_a_little_larger_is_a_region(tmp_path):
    """Control for the 1e-12° square: the checks refuse what is bad, not small squares as such."""
    path = tmp_path / "zone.geojson"
    path.write_text(json.dumps(square(1.0)))
    region = regions.from_geojson(path)
    grid = regions.equal_area_grid(region, 500.0)
    assert len(grid) == 1 and grid.total_area_km2 == pytest.approx(region.area_km2, rel=1e-6)
    assert region.source == str(path)


def test_dev_zero_is_refused_without_reading(capsys, tmp_path):
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", "/dev/zero", "--out", tmp_path / "o"],
                   "/dev/zero", "expected a regular file, got a device")


def test_folder_is_refused(capsys, tmp_path):
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", tmp_path, "--out", tmp_path / "o"],
                   str(tmp_path), "expected a regular file, got a folder")


def test_missing_file(capsys, tmp_path):
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", tmp_path / "nope.json", "--out", tmp_path / "o"],
                   "nope.json", "no such file")


def test_named_pipe_is_refused_without_blocking(capsys, tmp_path):
    """A reader that opened the pipe would block until a writer came: a writer thread comes and
    goes, so a regression shows as a wrong message (empty file), never as a hung test."""
    fifo = tmp_path / "zone.geojson"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: open(fifo, "wb").close(), daemon=True)
    writer.start()
    try:
        one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", fifo, "--out", tmp_path / "o"],
                       str(fifo), "expected a regular file, got a named pipe")
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # release the writer if nobody read
        writer.join(timeout=5)
    assert not writer.is_alive()


def test_size_is_checked_before_reading(capsys, tmp_path):
    path = tmp_path / "huge.geojson"
    with open(path, "wb") as f:  # sparse: takes no disk space, and must not be read
        f.truncate(regions.MAX_GEOJSON_BYTES + 1)
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", path, "--out", tmp_path / "o"],
                   str(path), "64.0 MiB", "more than the limit of 64.0 MiB")


def test_reader_refuses_a_file_that_grows_while_read(tmp_path, monkeypatch):
    """The size is checked from stat, then at most limit + 1 bytes are read: a file larger when
    read than when stat'ed is refused, not read to its end."""
    path = tmp_path / "grows.json"
    path.write_bytes(b"[" + b" " * 100 + b"]")
    with pytest.raises(inputfiles.InputError, match="is 102 bytes, more than the limit of 10 bytes"):
        inputfiles.read_bytes(path, 10)
    st = os.stat(path)
    small = os.stat_result(tuple(st)[:6] + (2,) + tuple(st)[7:])  # st_size = 2
    with monkeypatch.context() as m:
        m.setattr(os, "stat", lambda *a, **k: small)
        with pytest.raises(inputfiles.InputError, match="grew past the limit of 10 bytes"):
            inputfiles.read_bytes(path, 10)
