"""``rossim coverage``: files and keys, what-if orbits on every shipped scenario, physical bounds,
bad input, atomic output folders; and the joined-grid analysis against one analysis per region.

Fast settings throughout (1-3 days, 200 km cells): each run takes about a second.
"""

import csv
import dataclasses
import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image

from conftest import one_line_error
from rossim import cli, coverage, coverage_run, maps, regions, scenario
from rossim.orbit import Orbit

SCENARIOS = sorted(Path("scenarios").glob("*.toml"))
HIGH = Path("scenarios/ross_high_latitude.toml")
FAST = ["--days", "1", "--resolution-km", "200"]
ISS_WHAT_IF = ["--set", "orbit.altitude_km=400", "--set", "orbit.inclination_deg=51.6", "--half-angle-deg", "30"]

CELL_COLUMNS = ["region", "instrument", "lat_deg", "lon_deg", "area_km2", "accesses", "first_access_h",
                "first_access_utc", "revisit_mean_h", "revisit_max_h"]
TRACK_COLUMNS = ["time_utc", "lat_deg", "lon_deg", "height_km", "sunlit"]

#: Share of a map's pixels that must differ from the background for it not to be blank: Russia
#: alone fills about a third of the frame.
MIN_STD_RGB = 20.0


def run_cli(capsys, *argv):
    code = cli.main(["coverage", *map(str, argv)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    return captured.out


def read_summary(folder):
    return json.loads((folder / "coverage_summary.json").read_text(encoding="utf-8"))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rgb(path):
    with Image.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im.convert("RGB"))


def share_of_color(pixels, hex_color):
    target = np.array([int(hex_color[i:i + 2], 16) for i in (1, 3, 5)])
    return float(np.all(pixels == target, axis=-1).mean())


# ---------------------------------------------------------------------------------------------
# Files


@pytest.fixture(scope="module")
def high_run(tmp_path_factory):
    """The high-latitude scenario, both instruments, one day on 200 km cells."""
    out = tmp_path_factory.mktemp("cov") / "high"
    code = cli.main(["coverage", str(HIGH), *FAST, "--out", str(out)])
    assert code == 0
    return out


def test_polar_night_hides_the_arctic_from_optical(tmp_path):
    """On 1 January no optical pass has the sun 10 deg up north of the Arctic Circle."""
    out = tmp_path / "winter"
    assert cli.main(["coverage", str(HIGH), *FAST, "--instrument", "optical",
                     "--set", "orbit.epoch=2027-01-01", "--out", str(out)]) == 0
    s = read_summary(out)
    assert s["regions"]["arctic"]["optical"]["percent_area_observed"] == 0.0
    assert s["regions"]["arctic"]["optical"]["time_to_50pct_h"] is None
    assert s["regions"]["russia"]["optical"]["percent_area_observed"] > 0.0


def test_writes_every_file_with_its_keys_and_columns(high_run):
    s = read_summary(high_run)
    instruments = ["optical", "radar"]
    assert set(s["regions"]) == set(coverage_run.REGIONS) == {"russia", "arctic", "nsr"}
    for region in coverage_run.REGIONS:
        assert list(s["regions"][region]) == instruments
        for inst in instruments:
            fig = s["regions"][region][inst]
            for key in coverage_run.FIGURES:
                assert key in fig, (region, inst, key)
                assert fig[key] is None or isinstance(fig[key], float), (region, inst, key)
            assert 0.0 <= fig["percent_area_observed"] <= 100.0
            curve = fig["curve"]
            assert 2 <= len(curve["hours"]) == len(curve["percent"]) <= 500
            assert curve["hours"][0] == 0.0 and curve["hours"][-1] == pytest.approx(24.0)
            assert np.all(np.diff(curve["percent"]) >= 0)
            assert curve["percent"][-1] == pytest.approx(fig["percent_area_observed"], abs=1e-3)
            bands = fig["bands"]
            assert bands and {"lat_lo_deg", "lat_hi_deg", "cells", "area_km2", "percent_observed",
                              "revisit_mean_h"} <= set(bands[0])
            assert sum(b["cells"] for b in bands) == fig["cells"]
    assert s["scenario"] == "ross_high_latitude"
    assert s["span"] == {"start": "2029-03-20T00:00:00+00:00", "end": "2029-03-21T00:00:00+00:00", "days": 1.0}  # the orbit epoch
    assert s["resolution_km"] == 200.0
    orbit = s["orbit"]
    assert orbit["altitude_km"] == pytest.approx(372.0)
    assert orbit["inclination_deg"] == pytest.approx(96.9, abs=0.1)
    assert 90.0 < orbit["period_min"] < 93.0 and orbit["ltan_h"] == 13.5
    assert s["instruments"]["optical"]["min_sun_elevation_deg"] == 10.0
    assert s["instruments"]["radar"]["half_angle_deg"] == 30.0
    # At the equinox the sun is up everywhere at 13:30 local time: optical sees the Arctic too.
    assert s["regions"]["arctic"]["optical"]["percent_area_observed"] > 0.0

    cells = read_csv(high_run / "coverage_cells.csv")
    assert list(cells[0]) == CELL_COLUMNS
    # the first access as a date beside its hours: the span's start plus those hours, to the second
    start = dt.datetime.fromisoformat(s["span"]["start"].replace("Z", "+00:00"))
    for c in cells[:: max(1, len(cells) // 50)]:
        if c["first_access_h"] == "":
            assert c["first_access_utc"] == ""
        else:
            hours = float(c["first_access_h"])  # written to 6 significant digits
            want = start + dt.timedelta(hours=hours)
            got = dt.datetime.fromisoformat(c["first_access_utc"].replace("Z", "+00:00"))
            ulp_s = 0.0 if hours == 0 else 0.5 * 10 ** (math.floor(math.log10(hours)) - 5) * 3600.0
            assert abs((got - want).total_seconds()) <= ulp_s + 0.5, c
    n_cells = sum(s["regions"][r]["radar"]["cells"] for r in coverage_run.REGIONS)
    assert len(cells) == 2 * n_cells
    radar_russia = [c for c in cells if c["region"] == "russia" and c["instrument"] == "radar"]
    area = sum(float(c["area_km2"]) for c in radar_russia)
    assert area == pytest.approx(regions.russia().area_km2, rel=1e-4)
    seen = sum(float(c["area_km2"]) for c in radar_russia if int(c["accesses"]) > 0)
    assert 100 * seen / area == pytest.approx(s["regions"]["russia"]["radar"]["percent_area_observed"], rel=1e-4)

    track = read_csv(high_run / "ground_track.csv")
    assert list(track[0]) == TRACK_COLUMNS
    assert len(track) == 24 * 3600 // 20 + 1  # 20 s steps, both ends
    assert track[0]["time_utc"] == "2029-03-20T00:00:00Z" and track[-1]["time_utc"] == "2029-03-21T00:00:00Z"
    heights = np.array([float(r["height_km"]) for r in track])
    assert np.all((heights > 340) & (heights < 410))
    assert {r["sunlit"] for r in track} == {"0", "1"}

    for inst in instruments:
        pixels = rgb(high_run / f"map_{inst}.png")
        w, h = (round(x * maps.MAP_DPI) for x in maps.MAP_SIZE_IN)
        assert pixels.shape == (h, w, 3)
        assert pixels.reshape(-1, 3).std(axis=0).mean() > MIN_STD_RGB
    # Optical in January: the polar night is never observed, drawn grey; radar sees nearly all.
    assert share_of_color(rgb(high_run / "map_optical.png"), maps.NEVER_COLOR) > 0.05


def test_summary_table_is_printed(capsys, tmp_path):
    out = run_cli(capsys, HIGH, *FAST, "--instrument", "radar", "--out", tmp_path / "o")
    for word in ("russia", "arctic", "nsr", "radar", "t50", "revisit"):
        assert word in out
    assert "optical" not in out
    assert list(read_summary(tmp_path / "o")["instruments"]) == ["radar"]
    assert sorted(p.name for p in (tmp_path / "o").glob("*.png")) == [
        "fig_coverage_by_latitude.png", "fig_coverage_time.png", "map_radar.png"]


# ---------------------------------------------------------------------------------------------
# Physics


#: Reach of a 30 deg cone from 51.6 deg at 400 km: 51.6 + 2.10 deg (geocentric, shared/data
#: README) + 0.19 deg from geocentric to geodetic latitude.
ISS_REACH_LAT_DEG = 51.6 + 2.10 + 0.19


def _percent_of_russia_south_of(lat_deg):
    rus = regions.russia()
    part = shapely.intersection(rus.geometry, shapely.box(-180.0, -90.0, 180.0, lat_deg))
    return 100.0 * regions.from_geometry(part, "south").area_km2 / rus.area_km2


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_iss_orbit_what_if_on_every_scenario(path, capsys, tmp_path):
    run_cli(capsys, path, *ISS_WHAT_IF, *FAST, "--out", tmp_path / "o")
    s = read_summary(tmp_path / "o")
    assert s["orbit"]["inclination_deg"] == pytest.approx(51.6)
    assert s["orbit"]["altitude_km"] == pytest.approx(400.0)
    assert not s["orbit"]["sun_synchronous"]
    assert s["overrides"] == ISS_WHAT_IF[1:4:2]
    (name,) = s["regions"]["russia"]
    assert name == "nadir_30deg"
    assert s["instruments"][name]["min_sun_elevation_deg"] is None
    figs = {r: s["regions"][r][name] for r in coverage_run.REGIONS}
    assert figs["nsr"]["percent_area_observed"] == 0.0
    assert figs["arctic"]["percent_area_observed"] == 0.0
    assert figs["nsr"]["longest_gap_h"] == pytest.approx(24.0)
    russia = figs["russia"]["percent_area_observed"]
    # ~80 % of Russia lies north of the reach (19.2 % south of 53.70 deg, shared/data README); a
    # cell counts whole when its centre is seen, so a 200 km grid may add up to half a row of cells
    # north of the line.
    half_row_deg = 0.5 * 200.0 / 111.0
    assert 10.0 < russia <= 21.0
    assert russia <= _percent_of_russia_south_of(ISS_REACH_LAT_DEG + half_row_deg)
    # North of the reach every band is unseen.
    for band in figs["russia"]["bands"]:
        if band["lat_lo_deg"] >= ISS_REACH_LAT_DEG + half_row_deg:
            assert band["percent_observed"] == 0.0
    # ... and drawn grey: most of the map's Russia.
    assert share_of_color(rgb(tmp_path / "o" / f"map_{name}.png"), maps.NEVER_COLOR) > 0.2


def test_high_latitude_orbit_sees_russia_within_three_days(capsys, tmp_path):
    run_cli(capsys, HIGH, "--instrument", "radar", "--days", "3", "--resolution-km", "250", "--out", tmp_path / "o")
    s = read_summary(tmp_path / "o")
    for region in coverage_run.REGIONS:
        assert s["regions"][region]["radar"]["percent_area_observed"] > 90.0, region
    t90 = s["regions"]["russia"]["radar"]["time_to_90pct_h"]
    assert t90 is not None and t90 < 72.0


def test_joined_grids_equal_one_analysis_per_region():
    """The run's shortcut (one propagation, one search over the joined grids, split afterwards)
    gives exactly what coverage.analyze gives region by region."""
    epoch = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    orbit = Orbit.from_elements(epoch, 372.0, sun_synchronous=True, ltan_h=13.5)
    grids = coverage_run.region_grids(300.0, 100.0)
    inst = coverage.Instrument("cam", 30.0, min_sun_elevation_deg=5.0)
    joint, track = coverage_run.analyze_regions(orbit, grids, [inst], epoch, 0.5)
    assert np.isfinite(track.itrs_km).all()
    for name, grid in grids.items():
        alone = coverage.analyze(orbit, grid, inst, epoch, 0.5)
        mine = joint[name]["cam"]
        assert len(alone.accesses) > 0
        assert mine.summary() == alone.summary()
        np.testing.assert_array_equal(mine.accesses.cell, alone.accesses.cell)
        np.testing.assert_array_equal(mine.accesses.start_days, alone.accesses.start_days)
        np.testing.assert_array_equal(mine.accesses.end_days, alone.accesses.end_days)
        np.testing.assert_array_equal(mine.cell_revisit_mean_h, alone.cell_revisit_mean_h)
        np.testing.assert_array_equal(mine.lon_deg, alone.lon_deg)


# ---------------------------------------------------------------------------------------------
# Bad input


BAD = [
    (["--days", "0"], ["coverage.days", "--days", "> 0"]),
    (["--days", "-2"], ["coverage.days", "-2"]),
    (["--days", "nan"], ["coverage.days"]),
    (["--resolution-km", "0"], ["resolution_km", "positive"]),
    (["--resolution-km", "-50"], ["resolution_km"]),
    (["--resolution-km", "1"], ["resolution_km", "5,000,000"]),
    (["--resolution-km", "1e-300"], ["resolution_km", "1e-300 km", "more than 1e308 cells", "5,000,000"]),
    (["--resolution-km", "1e300"], ["resolution_km", "at most 2000 km", "1e+300"]),
    (["--days", "1e-300"], ["coverage.days", "shorter than one time step"]),
    (["--set", "coverage.nsr_corridor_width_km=1e-9"], ["ross_high_latitude.toml", "coverage.nsr_corridor_width_km",
                                                        "smaller than a grid cell"]),
    (["--set", 'orbit.tle=["1 25544U","2 25544"]'], ["ross_high_latitude.toml", "orbit.tle", "TLE"]),
    (["--set", "orbit.tle=[\"1 25544U 98067A   24001.50000000  .00016717  00000-0  10270-3 0  9005\","
               "\"2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.4981530x 12345\"]"],
     ["orbit.tle", "15.4981530x"]),
    (["--set", "coverage.step_s=2", "--days", "60"], ["ross_high_latitude.toml", "coverage.step_s", "2 s over 60 days",
                                                        "orbit samples", "limit of 2,000,000"]),
    (["--instrument", "lidar"], ["--instrument", "lidar", "optical, radar"]),
    (["--half-angle-deg", "95"], ["--half-angle-deg", "95"]),
    (["--set", "orbit.altitude_km=100"], ["orbit.altitude_km", "150"]),
    (["--set", "orbit.eccentricity=1.2"], ["orbit.eccentricity", "1.2"]),
    (["--set", "orbit.eccentricity=0.1"], ["orbit.altitude_km", "perigee"]),
    (["--set", "orbit.altitud_km=400"], ["orbit.altitud_km"]),
]


@pytest.mark.parametrize("argv, needles", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(argv, needles, capsys, tmp_path):
    one_line_error(capsys, ["coverage", HIGH, *FAST[2:], *argv, "--out", tmp_path / "o"], *needles)
    assert not (tmp_path / "o").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind


# ---------------------------------------------------------------------------------------------
# Atomic output


def test_existing_folder_is_replaced_whole_or_left_alone(capsys, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "old.txt").write_text("from an earlier run")

    # a folder rossim did not write is never touched, --overwrite or not
    assert cli.main(["coverage", str(HIGH), *FAST, "--days", "0", "--out", str(out)]) == 2
    assert cli.main(["coverage", str(HIGH), *FAST, "--half-angle-deg", "20", "--out", str(out), "--overwrite"]) == 2
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]

    res = tmp_path / "res"
    run_cli(capsys, HIGH, "--half-angle-deg", "20", *FAST, "--out", res)
    first = (res / "coverage_summary.json").read_text()
    # an invalid run leaves the earlier result; a valid one with --overwrite replaces it whole
    assert cli.main(["coverage", str(HIGH), *FAST, "--days", "0", "--out", str(res), "--overwrite"]) == 2
    assert (res / "coverage_summary.json").read_text() == first
    run_cli(capsys, HIGH, "--half-angle-deg", "25", *FAST, "--out", res, "--overwrite")
    names = sorted(p.name for p in res.iterdir())
    assert names == ["cells_arctic.geojson", "cells_nsr.geojson", "cells_russia.geojson", "contacts.csv",
                     "coverage_cells.csv", "coverage_summary.json", "fig_coverage_by_latitude.png",
                     "fig_coverage_time.png", "ground_track.csv", "manifest.json", "map_nadir_25deg.png",
                     "report.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "res"]


def test_curve_is_downsampled_to_at_most_500_points():
    # A synthetic result: 10,000 cells first seen at random times.
    rng = np.random.default_rng(7)
    first = np.sort(rng.uniform(0.0, 30.0, 10_000))
    acc = coverage.Accesses(np.arange(10_000), first, first + 1e-3, 10_000)
    res = coverage.figures_of_merit(acc, np.ones(10_000), 30.0)
    curve = coverage_run._curve(res)
    assert len(curve["hours"]) == 500
    np.testing.assert_allclose(curve["hours"], np.linspace(0.0, 720.0, 500), atol=1e-4)
    expected = 100.0 * np.searchsorted(first, np.linspace(0.0, 30.0, 500), side="right") / 10_000
    np.testing.assert_allclose(curve["percent"], expected, atol=1e-3)
    assert math.isclose(curve["percent"][-1], 100.0)


# ---------------------------------------------------------------------------------------------
# Maps


@pytest.fixture(scope="module")
def synthetic_russia():
    """Russia's 300 km grid with made-up accesses: cell i seen (i mod 4) times, 6 h apart."""
    grid = regions.equal_area_grid(regions.russia(), 300.0)
    m = len(grid)
    counts = np.arange(m) % 4
    cell = np.repeat(np.arange(m), counts)
    k = np.arange(cell.size) - np.repeat(np.cumsum(counts) - counts, counts)
    start = 0.1 + 0.25 * k + 0.001 * (cell % 7)
    acc = coverage.Accesses(cell, start, start + 1e-3, m)
    res = coverage.figures_of_merit(acc, grid.area_km2, 2.0, lat_deg=grid.lat_deg)
    return dataclasses.replace(res, lon_deg=np.asarray(grid.lon_deg))


def test_map_frame_holds_all_of_russia():
    (x0, x1, y0, y1), lon, lat, inside = maps._frame()
    ends = {"Kaliningrad": (20.5, 54.7), "Cape Dezhnev": (-169.7, 66.1), "Franz Josef Land": (58.0, 81.5),
            "Kurils": (156.0, 50.5), "Dagestan": (47.5, 41.5)}
    for name, (lo, la) in ends.items():
        x, y = maps._to_map([lo], [la])[0]
        assert x0 < x < x1 and y0 < y < y1, name
    assert inside.mean() > 0.25  # Russia fills the frame


def test_map_colour_scale_can_be_fixed_and_shows_categories(synthetic_russia, tmp_path):
    fig = maps.coverage_map(synthetic_russia, title="fixed", vmin=0.0, vmax=12.0, track_days=0)
    cbar_ax = fig.axes[-1]
    assert cbar_ax.get_ylim() == pytest.approx((0.0, 12.0))
    assert "revisit" in cbar_ax.get_ylabel() and "(h)" in cbar_ax.get_ylabel()
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "never observed" in texts and "observed once (no revisit)" in texts
    pixels = rgb(maps.save(fig, tmp_path / "m.png"))
    # A quarter of the cells are never seen and another quarter seen once: both colours show.
    assert share_of_color(pixels, maps.NEVER_COLOR) > 0.02
    assert share_of_color(pixels, maps.ONCE_COLOR) > 0.02

    # The legend lists only what the map shows: every cell seen twice or more, no grey nor pink.
    seen = dataclasses.replace(synthetic_russia, access_count=np.full(synthetic_russia.access_count.size, 2),
                               cell_revisit_mean_h=np.full(synthetic_russia.access_count.size, 5.0))
    texts = [t.get_text() for t in maps.coverage_map(seen, title="all", track_days=0).axes[0].get_legend().get_texts()]
    assert "never observed" not in texts and "observed once (no revisit)" not in texts
    assert "disputed, administered by Russia" in texts and "Northern Sea Route" in texts

    auto = maps.coverage_map(synthetic_russia, title="auto", quantity="first_access", track_days=0)
    assert "first observation" in auto.axes[-1].get_ylabel()
    assert auto.axes[-1].get_ylim()[1] == maps.nice_ceiling(
        np.percentile(synthetic_russia.first_access_days[synthetic_russia.access_count > 0] * 24, 95))


def test_nice_ceiling():
    assert [maps.nice_ceiling(x) for x in (0.8, 1.0, 1.2, 2.5, 4.0, 6.0, 9.0, 31.9, 120.0)] == \
        [1.0, 1.0, 1.5, 3.0, 5.0, 7.5, 10.0, 50.0, 150.0]


def test_user_geojson_region(tmp_path, capsys):
    """A user polygon is analysed beside the built-in regions, under its file's name: a box over
    Kamchatka (51-60 N) is fully seen from 97 deg in four days, and only south of ~54 N from 51.6."""
    box = Path(__file__).parent / "data" / "coverage_kamchatka.geojson"
    out = tmp_path / "user"
    assert cli.main(["coverage", str(HIGH), "--days", "4", "--resolution-km", "200", "--instrument", "radar",
                     "--region", str(box), "--out", str(out)]) == 0
    s = read_summary(out)
    assert list(s["regions"]) == ["russia", "arctic", "nsr", "coverage_kamchatka"]
    assert s["regions"]["coverage_kamchatka"]["radar"]["percent_area_observed"] > 90.0
    out51 = tmp_path / "user51"
    assert cli.main(["coverage", str(HIGH), "--days", "2", "--resolution-km", "50", "--half-angle-deg", "30",
                     "--region", str(box), "--set", "orbit.inclination_deg=51.6", "--set", "orbit.altitude_km=400",
                     "--out", str(out51)]) == 0
    seen = read_summary(out51)["regions"]["coverage_kamchatka"]["nadir_30deg"]["percent_area_observed"]
    # The reach of a 30-deg cone at 400 km from 51.6 deg is ~53.9 N (geodetic): of the box's
    # 51-60 N, (sin 53.9 - sin 51) / (sin 60 - sin 51) = 35 % of the area lies south of it;
    # 50 km cells add at most half a row (~0.25 deg, ~3 %).
    assert 15.0 < seen < 38.0
    bad = Path(__file__).parent / "data" / "regions_bowtie.geojson"
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--region", bad, "--out", tmp_path / "bad"],
                   "regions_bowtie.geojson")
    assert not (tmp_path / "bad").exists()


def test_tle_and_omm_orbits_give_the_same_coverage(tmp_path):
    """The ISS from a TLE and from the same elements as an OMM table (sgp4's exporter): one orbit,
    so the same coverage figures; both start at the element set's epoch."""
    from sgp4.api import Satrec
    from sgp4.exporter import export_omm

    line1 = "1 25544U 98067A   24001.50000000  .00016717  00000-0  30000-3 0  9990"
    line2 = "2 25544  51.6416 208.9163 0002390  80.1234 280.0000 15.49560000432101"
    fields = export_omm(Satrec.twoline2rv(line1, line2), "ISS (ZARYA)")
    tiny = (Path(__file__).parent / "data" / "tiny.toml").resolve()
    omm = ", ".join(f'{k} = "{v}"' for k, v in fields.items())
    texts = {"tle": f'extends = "{tiny}"\n[orbit]\ntle = ["{line1}", "{line2}"]\n',
             "omm": f'extends = "{tiny}"\n[orbit]\nomm = {{ {omm} }}\n'}
    summaries = {}
    for kind, text in texts.items():
        path = tmp_path / f"iss_{kind}.toml"
        path.write_text(text)
        out = tmp_path / kind
        assert cli.main(["coverage", str(path), *FAST, "--half-angle-deg", "30", "--out", str(out)]) == 0
        summaries[kind] = read_summary(out)
    assert summaries["tle"]["span"] == summaries["omm"]["span"]
    assert summaries["tle"]["span"]["start"].startswith("2024-01-01T12:00")
    assert summaries["tle"]["regions"] == summaries["omm"]["regions"]
    assert summaries["tle"]["regions"]["nsr"]["nadir_30deg"]["percent_area_observed"] == 0.0


def test_coverage_report_is_self_contained(high_run):
    """`rossim coverage` writes report.html: the figures of merit and every PNG embedded."""
    html = (high_run / "report.html").read_text()
    pngs = sorted(p.name for p in high_run.glob("*.png"))
    assert "fig_coverage_time.png" in pngs and any(p.startswith("map_") for p in pngs)
    assert html.count("data:image/png;base64,") == len(pngs)
    text = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', "", html).lower()  # base64 may spell "http"
    assert "<script" not in text and "http" not in text and "href=" not in text
    assert "northern sea route" in text


# ---------------------------------------------------------------------------------------------
# Resource estimate: accesses


def test_access_estimate_is_near_what_a_run_finds(high_run):
    """The estimate that guards memory before the search, against the accesses a real run found
    (radar: no lighting constraint, which the estimate ignores)."""
    summary = json.loads((high_run / "coverage_summary.json").read_text())
    sc = coverage_run.load_scenario(HIGH)
    orbit = scenario.build_orbit(sc)
    grids = coverage_run.region_grids(summary["resolution_km"])
    radar = coverage_run.build_instruments(sc, orbit, "radar")
    found = sum(summary["regions"][r]["radar"]["accesses_total"] for r in coverage_run.REGIONS)
    estimate = coverage_run.estimate_accesses(orbit, grids, radar, summary["span"]["days"])
    assert 0.5 * found <= estimate <= 2.0 * found, (estimate, found)


def test_too_many_accesses_refused_before_the_search(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(coverage_run, "MAX_ACCESSES", 10)
    monkeypatch.setattr(coverage, "analyze", lambda *a, **k: pytest.fail("the search ran"))
    one_line_error(capsys, ["coverage", HIGH, *FAST, "--out", tmp_path / "o"], "ross_high_latitude.toml",
                   "--resolution-km", "accesses to find", "more than the limit of 10;")
    assert list(tmp_path.iterdir()) == []


def test_compare_refuses_a_coverage_too_large_before_any_ensemble(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(coverage_run, "MAX_ACCESSES", 10)
    monkeypatch.setattr(cli, "run_ensemble", lambda *a, **k: pytest.fail("an ensemble ran"))
    one_line_error(capsys, ["compare", HIGH, HIGH.parent / "ros_iss_orbit.toml", "--resolution-km", "300",
                            "--days", "1", "--out", tmp_path / "o"], "accesses to find", "limit of 10;")
    assert list(tmp_path.iterdir()) == []
