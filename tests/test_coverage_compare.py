"""Coverage difference maps and tables (rossim.coverage_compare) against independent truth.

* A hand-made case: four cells, one per category, areas summed by hand.
* Over Russia's real grid: the four categories' areas add up to the region's area as
  :mod:`rossim.regions` computes it (WGS84 ellipsoidal area of the polygon, not the grid's sum);
  without the disputed territory they add up to Russia's area minus the disputed polygon's.
* Two real coverage runs (51.6° and sun-synchronous): the categories are those of the runs'
  own access counts, read back from their folders.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from rossim import coverage_compare, coverage_run, maps, regions, scenario
from rossim.coverage_compare import CATEGORIES, categories, difference

#: Relative agreement of a grid's summed cell areas with the polygon's own ellipsoidal area: boundary
#: cells carry the area of (cell ∩ region) from short chords in an equal-area plane (~3e-6 of a
#: boundary cell each, see regions._cells); 1e-6 of Russia is 17 km².
AREA_REL_TOL = 1e-6
#: The disputed parts are small and nearly all boundary cells: ~3e-6 of a 10,000 km² cell each,
#: about 40 such cells at 100 km: 1 km² all told.
DISPUTED_ABS_TOL_KM2 = 1.0


def test_hand_made_cells_one_per_category():
    lat = np.array([50.0, 51.0, 52.0, 53.0])
    lon = np.array([60.0, 61.0, 62.0, 63.0])
    area = np.array([1.0, 2.0, 3.0, 4.0])
    d = difference("arctic", "cam", "A", "B", lat, lon, area, accesses_a=[0, 1, 0, 2], accesses_b=[0, 0, 3, 1],
                   resolution_km=100.0)
    assert [CATEGORIES[c] for c in d.category] == ["neither", "a_only", "b_only", "both"]
    a = d.areas()
    assert {c: a[c]["area_km2"] for c in CATEGORIES} == {"neither": 1.0, "a_only": 2.0, "b_only": 3.0, "both": 4.0}
    assert a["b_only"]["percent"] == pytest.approx(30.0)
    assert not d.disputed_km2.any()  # outside Russia: no disputed area is looked up
    assert categories([True, False], [True, True]).tolist() == [3, 2]


@pytest.fixture(scope="module")
def russia_100():
    return regions.equal_area_grid(regions.russia(), 100.0)


def test_areas_add_up_to_the_region_and_without_disputed(russia_100):
    g = russia_100
    rng = np.random.default_rng(7)
    d = difference("russia", "cam", "A", "B", g.lat_deg, g.lon_deg, g.area_km2, rng.integers(0, 3, len(g)),
                   rng.integers(0, 3, len(g)), 100.0)
    a = d.areas()
    assert len({CATEGORIES[c] for c in d.category}) == 4
    total = sum(v["area_km2"] for v in a.values())
    assert total == pytest.approx(regions.russia().area_km2, rel=AREA_REL_TOL)
    assert sum(v["percent"] for v in a.values()) == pytest.approx(100.0, abs=1e-9)
    # The disputed area found cell by cell is the disputed polygon's, and only in its cells.
    disputed = regions.disputed()
    assert d.disputed_km2.sum() == pytest.approx(disputed.area_km2, abs=DISPUTED_ABS_TOL_KM2)
    assert 30_000 < disputed.area_km2 < 31_500  # Crimea 26,516 + Kurils 4,401 (data README)
    held = d.disputed_km2 > 0
    crimea = (g.lat_deg < 47.0) & (g.lon_deg > 32.0) & (g.lon_deg < 38.0)  # a boundary cell's centre may lie
    # in its Russian part outside Crimea (Kerch Strait)
    kurils = (g.lat_deg < 46.5) & (g.lon_deg > 145.0)
    assert np.all(crimea[held] | kurils[held]) and held[crimea].any() and held[kurils].any()
    w = d.areas(without_disputed=True)
    assert sum(v["area_km2"] for v in w.values()) == pytest.approx(
        regions.russia().area_km2 - disputed.area_km2, rel=AREA_REL_TOL, abs=DISPUTED_ABS_TOL_KM2)
    # Leaving the disputed parts out only removes area.
    for c in CATEGORIES:
        assert w[c]["area_km2"] <= a[c]["area_km2"] + 1e-9


def test_cell_bounds_hold_the_centres_and_tile_the_grid(russia_100):
    g = russia_100
    index, b = regions.cell_bounds(g.lat_deg, g.lon_deg, 100.0)
    assert np.unique(index).size == len(g)
    assert np.all((b[:, 0] <= g.lon_deg) & (g.lon_deg <= b[:, 2]) & (b[:, 1] <= g.lat_deg) & (g.lat_deg <= b[:, 3]))
    # A full cell (not on the boundary) has its centre in the middle of its bounds.
    full = np.isclose(g.area_km2, np.median(g.area_km2), rtol=0.02)
    assert np.allclose(g.lat_deg[full], 0.5 * (b[full, 1] + b[full, 3]), atol=1e-9)
    assert np.allclose(g.lon_deg[full], 0.5 * (b[full, 0] + b[full, 2]), atol=1e-9)


def _coverage_folder(tmp_path, name, overrides):
    sc = coverage_run.load_scenario("scenarios/ross_high_latitude.toml", overrides)
    out = tmp_path / name
    done = coverage_run.analyze(sc, days=0.5, resolution_km=300.0, half_angle_deg=30.0)
    coverage_run.write(done, out, maps=False)
    run = SimpleNamespace(label=name, coverage_dir=out,
                          coverage=json.loads((out / "coverage_summary.json").read_text()))
    return run, done


def test_two_real_runs_read_back_and_written(tmp_path):
    a, done_a = _coverage_folder(tmp_path, "sso", [])
    b, done_b = _coverage_folder(tmp_path, "iss", ["orbit.sun_synchronous=false", "orbit.inclination_deg=51.6"])
    diffs, notes = coverage_compare.compare_folders([a, b], "nadir_30deg")
    assert notes == [] and [d.region for d in diffs] == ["russia", "arctic", "nsr"]
    for d in diffs:
        ra = done_a.results[d.region]["nadir_30deg"]
        rb = done_b.results[d.region]["nadir_30deg"]
        assert np.array_equal(d.category, categories(ra.access_count > 0, rb.access_count > 0))
        # coverage_cells.csv holds areas to 6 significant digits (5e-7 relative)
        assert sum(v["area_km2"] for v in d.areas().values()) == pytest.approx(ra.area_km2.sum(), rel=1e-6)
        # the share seen by A (A only + both) is A's own percent observed
        a_pct = d.areas()["a_only"]["percent"] + d.areas()["both"]["percent"]
        assert a_pct == pytest.approx(ra.percent_area_observed, abs=1e-4)
    nsr = diffs[2].areas()
    assert nsr["b_only"]["area_km2"] == 0.0 and nsr["both"]["area_km2"] == 0.0  # 51.6° never reaches the NSR
    paths = coverage_compare.write(tmp_path, diffs, notes, stamp=maps.overrides_stamp(["orbit.altitude_km=420"]))
    assert [p.name for p in paths] == ["fig_difference_iss_vs_sso.png", "fig_arctic_difference_iss_vs_sso.png",
                                       "fig_nsr_difference_iss_vs_sso.png"]
    table = json.loads((tmp_path / coverage_compare.DIFFERENCE_JSON).read_text())["rows"]
    assert {(r["region"], r["territory"]) for r in table} == {
        ("russia", "all"), ("russia", "without_disputed"), ("arctic", "all"), ("nsr", "all")}
    assert (tmp_path / coverage_compare.DIFFERENCE_CSV).read_text().count("\n") == len(table) + 1


def test_different_resolutions_give_a_note_not_a_difference(tmp_path):
    a, _ = _coverage_folder(tmp_path, "a", [])
    b = SimpleNamespace(label="b", coverage_dir=a.coverage_dir, coverage={**a.coverage, "resolution_km": 100.0})
    diffs, notes = coverage_compare.compare_folders([a, b], "nadir_30deg")
    assert diffs == [] and "100 and 300 km" in notes[0]


def test_overrides_stamp():
    assert maps.overrides_stamp([]) is None
    assert maps.overrides_stamp(["orbit.inclination_deg=51.6"]).endswith("(--set): orbit.inclination_deg=51.6")


def test_scenario_instruments_unused_with_half_angle():
    sc = scenario.load("scenarios/ross_high_latitude.toml")
    orbit = scenario.build_orbit(sc)
    assert [i.name for i in coverage_run.build_instruments(sc, orbit, half_angle_deg=45.0)] == ["nadir_45deg"]


def test_compare_with_one_half_angle_for_every_scenario_file(tmp_path, capsys):
    """--half-angle-deg runs every scenario file's coverage with that cone, even a scenario without
    instruments (tiny.toml), compares it, and maps and tabulates the difference (compare.build, as
    the CLI calls it, without the reports)."""
    import io

    from rich.console import Console

    from rossim import cli, compare

    out = tmp_path / "cmp"
    out.mkdir()
    comp, _ = compare.build(out, ["tests/data/tiny.toml", "scenarios/ros_iss_orbit.toml"], cli.run_ensemble,
                            replications=2, workers=1, days=0.25, resolution_km=600.0, half_angle_deg=40.0)
    assert comp.instrument == "nadir_40deg"
    for label in ("tiny", "ros_iss_orbit"):
        cov = json.loads((out / label / "coverage" / "coverage_summary.json").read_text())
        assert list(cov["instruments"]) == ["nadir_40deg"] and cov["instruments"]["nadir_40deg"]["half_angle_deg"] == 40
    rows = json.loads((out / coverage_compare.DIFFERENCE_JSON).read_text())["rows"]
    assert {r["a"] for r in rows} == {"tiny"} and {r["b"] for r in rows} == {"ros_iss_orbit"}
    assert (out / "fig_difference_ros_iss_orbit_vs_tiny.png").is_file()
    text = io.StringIO()
    coverage_compare.print_table(out, Console(file=text, width=80))
    assert "Places observed at least once" in text.getvalue() and "A = tiny, B = ros_iss_orbit" in text.getvalue()
    # --instrument and --half-angle-deg exclude each other: one line, exit 2
    assert cli.main(["compare", "tests/data/tiny.toml", "scenarios/ros_iss_orbit.toml", "--instrument", "radar",
                     "--half-angle-deg", "40", "--out", str(tmp_path / "x")]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("change, words", [
    ({"span": {"start": "2029-03-20T00:00:00+00:00", "end": "2029-03-21T00:00:00+00:00", "days": 1.0}},
     "coverage spans differ (1.0 days against 0.5"),
    ({"instruments": {}}, "has no instrument 'nadir_30deg'"),
])
def test_unlike_runs_give_a_note_not_a_difference(tmp_path, change, words):
    # a reused run folder whose coverage covered another span, or lacks the instrument: no map that
    # would put a 1-day run against a 0.25-day one without a word
    a, _ = _coverage_folder(tmp_path, "a", [])
    b = SimpleNamespace(label="b", coverage_dir=a.coverage_dir, coverage={**a.coverage, **change})
    diffs, notes = coverage_compare.compare_folders([a, b], "nadir_30deg")
    assert diffs == [] and len(notes) == 1 and words in notes[0], notes


def test_another_cone_gives_a_note(tmp_path):
    a, _ = _coverage_folder(tmp_path, "a", [])
    inst = {k: {**v, "half_angle_deg": 45.0} for k, v in a.coverage["instruments"].items()}
    b = SimpleNamespace(label="b", coverage_dir=a.coverage_dir, coverage={**a.coverage, "instruments": inst})
    diffs, notes = coverage_compare.compare_folders([a, b], "nadir_30deg")
    assert diffs == [] and "differs in half_angle_deg (45.0 against" in notes[0]


def test_an_instrument_that_needs_daylight_compares_one_season_only(tmp_path):
    a, _ = _coverage_folder(tmp_path, "a", [])
    lit = {k: {**v, "min_sun_elevation_deg": 10.0} for k, v in a.coverage["instruments"].items()}
    a = SimpleNamespace(label="a", coverage_dir=a.coverage_dir, coverage={**a.coverage, "instruments": lit})
    autumn = {**a.coverage["span"], "start": "2029-09-22T00:00:00+00:00"}
    b = SimpleNamespace(label="b", coverage_dir=a.coverage_dir, coverage={**a.coverage, "span": autumn})
    diffs, notes = coverage_compare.compare_folders([a, b], "nadir_30deg")
    assert diffs == [] and "start on other dates" in notes[0] and "needs daylight" in notes[0]
    same = SimpleNamespace(label="c", coverage_dir=a.coverage_dir, coverage=dict(a.coverage))
    assert coverage_compare.compare_folders([a, same], "nadir_30deg")[1] == []
