"""Coverage outputs fit for publication, checked against independent truth.

* The half-angle sweep: each point equals a plain run with that ``--half-angle-deg``; it never
  decreases with the angle; from a 51.6° orbit it never exceeds the share of Russia south of the
  footprint's reach (computed here from the orbit's geometry and the grid).
* Cells as GeoJSON: read back with shapely, one rectangle per cell holding its centre, the
  properties those of ``coverage_cells.csv``, the areas summing to the region's.
* Titles: the headline share, no internal identifiers; ``--set`` changes stamped on every figure;
  one colour scale for every map of a run; the coverage-over-time axis cut where the curves stop.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from conftest import one_line_error
from rossim import cli, clock, coverage, coverage_run, figures, maps, regions, scenario

HIGH = Path("scenarios/ross_high_latitude.toml")
ISS = ["--set", "orbit.altitude_km=400", "--set", "orbit.inclination_deg=51.6", "--set", "orbit.sun_synchronous=false"]
FAST = ["--days", "1", "--resolution-km", "200"]


def run(capsys, *argv):
    code = cli.main(["coverage", *map(str, argv)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture(scope="module")
def iss_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "iss"
    code = cli.main(["coverage", str(HIGH), *FAST, *ISS, "--half-angle-sweep", "15,30,45,60", "--out", str(out)])
    assert code == 0
    return out


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_sweep_points_equal_plain_runs_and_grow(iss_sweep, capsys, tmp_path):
    rows = read_csv(iss_sweep / "half_angle_sweep.csv")
    assert [float(r["half_angle_deg"]) for r in rows] == [15.0, 30.0, 45.0, 60.0]
    for key in ("percent_russia", "percent_arctic", "percent_nsr", "percent_russia_without_disputed"):
        v = np.array([float(r[key]) for r in rows])
        assert np.all(np.diff(v) >= -1e-9), key  # a wider cone sees all a narrower one does
    plain = tmp_path / "plain"
    run(capsys, HIGH, *FAST, *ISS, "--half-angle-deg", "30", "--out", plain)
    s = json.loads((plain / "coverage_summary.json").read_text())
    for region in ("russia", "arctic", "nsr"):
        assert float(rows[1][f"percent_{region}"]) == pytest.approx(
            s["regions"][region]["nadir_30deg"]["percent_area_observed"], abs=1e-3)
    assert float(rows[1]["percent_russia_without_disputed"]) == pytest.approx(
        s["regions"]["russia"]["nadir_30deg"]["percent_area_observed_without_disputed"], abs=1e-3)
    assert (iss_sweep / "fig_half_angle_sweep.png").stat().st_size > 10_000
    for region in ("russia", "arctic", "nsr"):  # a wider cone is never slower to 90 % (empty: never)
        t90 = np.array([float(r[f"time_to_90pct_h_{region}"] or 1e9) for r in rows])  # never: 1e9 h
        assert np.all(np.diff(t90) <= 1e-9), region
        t = s["regions"][region]["nadir_30deg"]["time_to_90pct_h"]
        assert t90[1] == (1e9 if t is None else pytest.approx(t, abs=1e-3))


def test_sweep_never_exceeds_the_reach_of_a_51_6_degree_orbit(iss_sweep):
    """Analytic bound: a cell is seen only if its centre lies within the footprint's reach, the
    orbit's largest geocentric latitude plus the footprint's central angle for the largest
    station radius over the smallest cell radius (exact plane geometry), in geodetic latitude."""
    sc = coverage_run.load_scenario(HIGH, ISS[1::2])
    orbit = scenario.build_orbit(sc)
    grid = regions.equal_area_grid(regions.russia(), 200.0)
    s = json.loads((iss_sweep / "coverage_summary.json").read_text())
    rows = read_csv(iss_sweep / "half_angle_sweep.csv")
    e2 = coverage._WGS84_F * (2 - coverage._WGS84_F)
    days = np.arange(0.0, 1.0, 60.0 / 86400.0)
    r_sat = np.linalg.norm(orbit.propagate(clock.time_at(orbit.epoch, days)).itrs_km, axis=1).max()
    r_cell = np.linalg.norm(grid.ecef_km, axis=1).min()
    for r in rows:
        eta = math.radians(float(r["half_angle_deg"]))
        x = r_sat / r_cell * math.sin(eta)
        lam = math.asin(x) - eta if x < 1 else math.acos(r_cell / r_sat)
        geocentric = math.radians(s["orbit"]["inclination_deg"]) + lam
        reach = math.degrees(math.atan(math.tan(geocentric) / (1 - e2)))
        bound = 100.0 * grid.area_km2[grid.lat_deg <= reach].sum() / grid.area_km2.sum()
        assert float(r["percent_russia"]) <= bound + 1e-9
        # The figures' reach takes the cell radius at the reach's latitude (6,364 km at 54 deg), this
        # bound Russia's smallest (6,357 km at 82 deg): it is under the bound, by < 0.4 deg at 60 deg.
        shown = coverage_run.reach_latitude_deg(orbit, coverage.Instrument("c", float(r["half_angle_deg"])))
        assert reach - 0.4 <= shown <= reach
    # 51.6 deg: most of Russia is out of reach even at 60 deg (shared/data/README.md: 80.8 % lies
    # north of 53.7 deg; a 60 deg cone from 400 km reaches about 8 deg further).
    assert float(rows[-1]["percent_russia"]) < 70.0


@pytest.mark.parametrize("text, needle", [
    ("15:60", "START:STOP:STEP"), ("60:15:5", "START:STOP:STEP"), ("0,30", "(0, 90)"), ("30", "2 to 30"),
    ("1:89:1", "at most 30"), ("a,b", "START:STOP:STEP"),
])
def test_bad_sweep_is_one_line(text, needle, capsys, tmp_path):
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--half-angle-sweep", text, "--out", tmp_path / "x"],
                   "--half-angle-sweep", needle)
    assert not (tmp_path / "x").exists()


def test_default_sweep_is_15_to_60_every_5():
    assert coverage_run.parse_sweep(coverage_run.DEFAULT_SWEEP) == [15.0 + 5 * k for k in range(10)]


def test_cells_geojson_reads_back(iss_sweep):
    cells = [c for c in read_csv(iss_sweep / "coverage_cells.csv") if c["region"] == "russia"
             and c["instrument"] == "radar"]
    data = json.loads((iss_sweep / "cells_russia.geojson").read_text())
    feats = data["features"]
    assert data["type"] == "FeatureCollection" and len(feats) == len(cells)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in feats])
    assert shapely.is_valid(geoms).all()
    lat = np.array([float(c["lat_deg"]) for c in cells])
    lon = np.array([float(c["lon_deg"]) for c in cells])
    assert shapely.intersects_xy(geoms, lon, lat).all()  # each rectangle holds its cell's centre
    area = np.array([f["properties"]["area_km2"] for f in feats])
    assert area.sum() == pytest.approx(regions.russia().area_km2, rel=1e-6)
    for f, c in zip(feats, cells):
        p = f["properties"]
        assert p["radar_accesses"] == int(c["accesses"])
        assert (p["radar_first_access_h"] is None) == (c["first_access_h"] == "")
    disputed = sum(f["properties"]["disputed_km2"] for f in feats)
    assert disputed == pytest.approx(regions.disputed().area_km2, abs=2.0)  # boundary chords at 200 km


def test_titles_are_plain_and_stamped(iss_sweep):
    s = json.loads((iss_sweep / "coverage_summary.json").read_text())
    title = coverage_run.map_title(s, "radar")
    pct = s["regions"]["russia"]["radar"]["percent_area_observed"]
    assert title.startswith(f"Radar: {pct:.0f}\u00a0% of Russia observed at least once in 1 day")
    assert "51.6°" in title and "changed by --set" in title
    for internal in ("[ross_high_latitude]", "LTAN", "km cells"):
        assert internal not in title
    stamp = maps.overrides_stamp(s["overrides"])
    assert "orbit.inclination_deg=51.6" in stamp


def test_every_map_of_a_run_shares_one_colour_scale_and_the_stamp(monkeypatch, tmp_path):
    seen = []
    real = maps.coverage_map

    def spy(result, **kw):
        seen.append((kw["vmax"], kw["stamp"]))
        return real(result, **kw)

    monkeypatch.setattr(maps, "coverage_map", spy)
    sc = coverage_run.load_scenario(HIGH, ["orbit.altitude_km=410"])
    done = coverage_run.analyze(sc, days=1, resolution_km=300.0, overrides=["orbit.altitude_km=410"])
    coverage_run.write(done, tmp_path / "o")
    assert len(seen) == 2 and seen[0] == seen[1]
    res = [done.results["russia"][i] for i in ("optical", "radar")]
    p95 = [np.percentile(r.cell_revisit_mean_h[np.isfinite(r.cell_revisit_mean_h)], 95) for r in res]
    assert seen[0][0] == maps.nice_ceiling(max(p95))
    assert seen[0][1] == "Changed from the scenario file (--set): orbit.altitude_km=410"


def test_coverage_time_axis_is_cut_where_the_curves_stop():
    # Everything happens in the first 110 h of 720 h: the axis ends at the next whole day after
    # 1.15 x 110 h; a curve still rising at the end keeps the whole span.
    h = np.linspace(0.0, 720.0, 500)
    early = figures.CoverageCurve("a", "radar", h, np.minimum(100.0, h / 110.0 * 100.0), 720.0)
    ax = figures.coverage_time_figure([early]).axes[0]
    assert ax.get_xlim()[1] == 144.0 and "cut at 144 h of 720 h" in ax.get_xlabel()
    late = figures.CoverageCurve("b", "radar", h, h / 720.0 * 100.0, 720.0)
    assert figures.coverage_time_figure([early, late]).axes[0].get_xlim()[1] == 720.0


def test_reach_from_the_track_lies_between_the_seen_and_the_unseen_cells():
    # A synthetic circular orbit (tests/test_coverage.py) and a comb of cells every 0.005 deg of
    # latitude across the reach, at 36 longitudes, over a day:
    # the reach from the track is the latitude of the northernmost cells seen.
    from test_coverage import Cells, circular_orbit_ecef_km, geodetic_to_ecef_km

    lat, lon = np.meshgrid(np.arange(53.5, 54.3, 0.005), np.arange(-180.0, 180.0, 10.0), indexing="ij")
    lat, lon = lat.ravel(), lon.ravel()
    cells = Cells(lat, lon, geodetic_to_ecef_km(lat, lon), np.ones(lat.size))
    t = np.arange(0.0, 86400.0 + 1e-9, 20.0) / 86400.0
    sat = circular_orbit_ecef_km(t, 400.0, 51.6, raan_deg=17.0)
    acc = coverage.access_intervals(t, sat, cells.ecef_km, 30.0)
    seen = np.bincount(acc.cell, minlength=lat.size) > 0
    reach = coverage_run.reach_from_track(sat, 30.0)
    # No cell beyond the reach is seen, and the northernmost seen is within two steps of the comb
    # of it (16 passes a day near the turning latitude, one of them within 0.01 deg of the top).
    assert lat[seen].max() <= reach <= lat[seen].max() + 0.01
    # A cone wider than the limb: the horizon's central angle, acos(r_cell / r_sat), at the WGS84
    # radius where it lands (geocentric ~71.9 deg), then geodetic.
    a, b = 6378.137, 6378.137 * (1 - 1 / 298.257223563)
    gc = np.radians(71.86)
    r_cell = a * b / np.hypot(b * np.cos(gc), a * np.sin(gc))
    horizon = np.radians(51.6) + np.arccos(r_cell / (6378.137 + 400.0))
    expected = np.degrees(np.arctan(np.tan(horizon) * (a / b) ** 2))
    assert coverage_run.reach_from_track(sat, 89.0) == pytest.approx(expected, abs=0.01)


def test_within_reach_is_the_analytic_maximum(iss_sweep):
    """The summary's percent_area_within_reach is the polygon's share south of the reach, and the
    grid's share differs from it by no more than the cells of the row the reach crosses."""
    s = json.loads((iss_sweep / "coverage_summary.json").read_text())
    reach = s["instruments"]["radar"]["reach_lat_deg"]
    assert 53.85 < reach < 53.95  # between 53.87 and 53.92 (a 25 km grid, see reach_from_track)
    entry = s["regions"]["russia"]["radar"]
    russia = regions.russia()
    south = shapely.intersection(russia.geometry, shapely.box(-180.0, -90.0, 180.0, reach))
    expected = 100.0 * regions.from_geometry(south, "south").area_km2 / russia.area_km2
    assert entry["percent_area_within_reach"] == pytest.approx(expected, abs=1e-3)
    assert 19.5 < expected < 20.5  # shared/data/README.md: 80.8 % of Russia lies north of 53.70 deg
    grid = regions.equal_area_grid(russia, 200.0)
    _, b = regions.cell_bounds(grid.lat_deg, grid.lon_deg, 200.0)
    row = (b[:, 1] < reach) & (b[:, 3] > reach)
    row_share = 100.0 * grid.area_km2[row].sum() / grid.area_km2.sum()
    assert entry["percent_area_observed"] <= expected + row_share
    assert s["regions"]["arctic"]["radar"]["percent_area_within_reach"] == 0.0
    assert f"{expected:.0f}\u00a0% of Russia lies within this orbit's reach" in coverage_run.map_title(s, "radar")


@pytest.mark.parametrize("overrides, inclination_deg", [
    (["orbit.altitude_km=400", "orbit.inclination_deg=51.6", "orbit.sun_synchronous=false"], 51.6),
    (["orbit.altitude_km=400"], None),  # sun-synchronous: its own inclination, ~97 deg
])
def test_altitude_conventions_are_named_and_agree(overrides, inclination_deg):
    """altitude_km (the scenario's: Brouwer mean a minus 6378.137 km), semi_major_axis_km and the mean
    height above the ellipsoid over the span. Analytic mean height of a circular orbit: the mean
    radius a - 0.75 J2 Re^2 / a (3 cos^2 i - 1) (the J2 short-period offset; module docstring of
    rossim.orbit) minus the mean ellipsoid radius under the track, a_e (1 - f sin^2 i / 2) (the mean
    of sin^2(latitude) over an orbit): 405.8 km at 51.6 deg, 415.2 km at 97 deg for altitude_km 400."""
    sc = coverage_run.load_scenario(HIGH, overrides)
    done = coverage_run.analyze(sc, days=1, resolution_km=300.0, half_angle_deg=30.0)
    info = done.summary["orbit"]
    assert info["altitude_km"] == pytest.approx(400.0, abs=1e-3)
    assert info["semi_major_axis_km"] == pytest.approx(400.0 + 6378.137, abs=1e-3)
    i = np.radians(info["inclination_deg"])
    if inclination_deg is not None:
        assert info["inclination_deg"] == pytest.approx(inclination_deg)
    a, j2, re, f = 6778.137, 1.082616e-3, 6378.135, 1 / 298.257223563
    mean_radius = a - 0.75 * j2 * re**2 / a * (3 * np.cos(i) ** 2 - 1)
    expected = mean_radius - 6378.137 * (1 - f * np.sin(i) ** 2 / 2)
    assert info["mean_altitude_km"] == pytest.approx(expected, abs=0.5)  # the approximations: ~0.2 km
    assert "altitude_km" in info["altitude_convention"] and "mean_altitude_km" in info["altitude_convention"]
    assert f"{info['mean_altitude_km']:.0f} km up on average" in coverage_run.map_title(done.summary, "nadir_30deg")


def test_an_orbit_given_by_its_mean_height_or_its_semi_major_axis():
    """orbit.mean_altitude_km = 400 at 51.6 deg is the Brouwer altitude_km that flies 400 km above the
    ellipsoid on average (about 400 - 5.8: the offset measured above), and the summary says so;
    semi_major_axis_km is altitude_km + 6378.137 exactly."""
    iss = ["orbit.inclination_deg=51.6", "orbit.sun_synchronous=false"]
    sc = coverage_run.load_scenario(HIGH, ["orbit.mean_altitude_km=400", *iss])
    assert sc.orbit.altitude_km is None  # the override dropped the scenario's altitude_km
    done = coverage_run.analyze(sc, days=0.5, resolution_km=300.0, half_angle_deg=30.0)
    info = done.summary["orbit"]
    assert info["altitude_given_as"] == "mean_altitude_km"
    assert info["mean_altitude_km"] == pytest.approx(400.0, abs=0.01)
    assert info["altitude_km"] == pytest.approx(400.0 - 5.8, abs=0.3)
    sc = coverage_run.load_scenario(HIGH, ["orbit.semi_major_axis_km=6778.137", *iss])
    info = coverage_run.analyze(sc, days=0.5, resolution_km=300.0, half_angle_deg=30.0).summary["orbit"]
    assert info["altitude_given_as"] == "semi_major_axis_km"
    assert info["altitude_km"] == pytest.approx(400.0, abs=1e-6)
    # A sun-synchronous orbit by its mean height: the inclination solved for the altitude found.
    sc = scenario.load(HIGH, ["orbit.mean_altitude_km=400"], purpose="coverage")
    orbit = scenario.build_orbit(sc)
    from rossim import orbit as orbit_mod

    assert orbit_mod.mean_altitude_km(orbit) == pytest.approx(400.0, abs=0.01)
    assert orbit.inclination_deg == pytest.approx(orbit_mod.sun_synchronous_inclination_deg(orbit.altitude_km), abs=1e-6)


def test_two_altitudes_are_one_line(capsys, tmp_path):
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--set", "orbit.semi_major_axis_km=6778",
                            "--set", "orbit.altitude_km=400", "--out", tmp_path / "x"],
                   "orbit", "give exactly one of altitude_km, semi_major_axis_km, mean_altitude_km")


def test_month_starts():
    import datetime as dt

    utc = dt.timezone.utc
    starts = coverage_run.month_starts(dt.datetime(2029, 11, 30, 6, tzinfo=utc), 4)
    assert starts == [dt.datetime(2029, 11, 30, 6, tzinfo=utc), dt.datetime(2029, 12, 28, 6, tzinfo=utc),
                      dt.datetime(2030, 1, 28, 6, tzinfo=utc), dt.datetime(2030, 2, 28, 6, tzinfo=utc)]


def test_by_month_sees_the_polar_night(capsys, tmp_path):
    """The sun-synchronous plan's optical camera (sun >= 10 deg at the cell) sees nothing of the Arctic
    from November to January (polar night) and more than half of what the radar sees in summer; the
    radar sees it all year; each month equals a plain run started that month."""
    out = tmp_path / "m"
    run(capsys, HIGH, "--days", "1", "--resolution-km", "300", "--by-month", "--no-report", "--out", out)
    rows = read_csv(out / "coverage_by_month.csv")
    assert len(rows) == 12 and (out / "fig_coverage_by_month.png").stat().st_size > 10_000
    month = {r["start_utc"][:7]: r for r in rows}
    for m in ("2029-11", "2029-12", "2030-01"):
        assert float(month[m]["percent_arctic_optical"]) == 0.0
    # One day on 300 km cells: the radar sees 70-90 % of the Arctic whatever the month; the camera,
    # in the midnight sun, more than half of what the radar sees.
    assert all(float(r["percent_arctic_radar"]) > 65.0 for r in rows)
    for m in ("2029-04", "2029-05", "2029-06", "2029-07", "2029-08"):
        assert float(month[m]["percent_arctic_optical"]) > 0.5 * float(month[m]["percent_arctic_radar"])
    sc = scenario.load(HIGH, ["coverage.start=2029-12-20T00:00:00Z"], purpose="coverage")
    plain = coverage_run.analyze(sc, days=1, resolution_km=300.0)
    for region in ("russia", "arctic", "nsr"):
        for inst in ("optical", "radar"):
            assert float(month["2029-12"][f"percent_{region}_{inst}"]) == pytest.approx(
                plain.summary["regions"][region][inst]["percent_area_observed"], abs=1e-3)
