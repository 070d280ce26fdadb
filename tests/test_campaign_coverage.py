"""Coverage over the campaign (rossim.campaign_coverage): instruments observe only from their
module's commissioning (and only with crew aboard when they need it); clipping the orbit's
per-day accesses by a replication's spells equals recomputing the coverage over those spells."""

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import one_line_error
from rossim import campaign_coverage as cc
from rossim import cli, coverage, ensemble, montecarlo, regions, scenario

DATA = Path(__file__).parent / "data"
HL = Path("scenarios/ross_high_latitude.toml")
KAMCHATKA = DATA / "coverage_kamchatka.geojson"

#: Instruments for the tiny scenario: both on module "a", one needs crew.
TINY_INSTRUMENTS = """
[instruments.camera]
half_angle_deg = 30.0
module = "a"
needs_crew = true

[instruments.radar]
half_angle_deg = 30.0
module = "a"

[coverage]
resolution_km = 400.0
"""


def commissioned_days(rep, module):
    """When ``module`` was commissioned in a replication (NaN: never), read by hand from its events."""
    for t, kind, subject, _ in rep.events:
        if kind == "commissioned" and subject == module:
            return t
    return math.nan


# --------------------------------------------------------------------------- the small case, by hand


@pytest.fixture(scope="module")
def small_case():
    """A few days of the high-latitude orbit over a box on Kamchatka (100 km cells): the per-day
    accesses of a radar and an optical instrument, with the orbit and the grid."""
    sc = scenario.load(HL)
    orbit = scenario.build_orbit(sc)
    grids = {"box": regions.equal_area_grid(regions.from_geojson(KAMCHATKA), 100.0)}
    instruments = [coverage.Instrument("radar", 30.0), coverage.Instrument("optical", 30.0, min_sun_elevation_deg=10.0)]
    start = dt.date(2029, 3, 20)
    tables = cc.daily_accesses(orbit, grids, instruments, [(start, 4)], 20.0)
    return orbit, grids, instruments, start, tables


def one_spell(start, begin_days, end_days, horizon_days):
    return cc.Spells(np.array([0]), np.array([float(begin_days)]), np.array([float(end_days)]), 1, start,
                     float(horizon_days))


@pytest.mark.parametrize("commissioned", [1.0, 1.3, 2.0, 2.6])
def test_clipped_coverage_equals_a_recomputation_from_commissioning(small_case, commissioned):
    """An instrument commissioned on day D of a 4-day span: clipping the whole span's accesses
    gives what a fresh coverage run from D (rounded to the day) to the end gives: the same area
    observed and the same revisit (which needs the same accesses per cell)."""
    orbit, grids, instruments, start, tables = small_case
    d = round(commissioned)
    again = cc.daily_accesses(orbit, grids, instruments, [(start + dt.timedelta(days=d), 4 - d)], 20.0)
    for inst in instruments:
        full = tables[inst.name]
        acc = coverage.analyze(orbit, grids["box"], inst, start, 4.0).accesses
        assert not np.any((acc.start_days < d) & (acc.end_days > d)), "an access straddles midnight: pick another D"
        clipped = cc.yearly(full, one_spell(start, commissioned, 4.0, 4.0))
        fresh = cc.yearly(again[inst.name], one_spell(start, d, 4.0, 4.0))
        assert clipped.area_km2[0, 0, 0] > 0.0
        np.testing.assert_allclose(clipped.area_km2, fresh.area_km2, rtol=1e-6)
        np.testing.assert_allclose(clipped.revisit_h, fresh.revisit_h, rtol=1e-6)
        # and against the coverage engine's own accesses from D, cell by cell
        cells_seen = np.unique(acc.cell[acc.start_days >= d])
        area = grids["box"].area_km2[cells_seen].sum()
        assert clipped.area_km2[0, 0, 0] == pytest.approx(area, rel=1e-6)
        assert clipped.observing_days[0, 0] == 4 - d


def test_nothing_is_observed_outside_the_spells(small_case):
    """A spell that ends before the span's accesses start, or an empty one, observes nothing; one
    over the whole span observes the cells the engine saw at all."""
    orbit, grids, instruments, start, tables = small_case
    table = tables["radar"]
    none = cc.yearly(table, one_spell(start, 2.2, 2.4, 4.0))  # rounds to an empty spell
    assert none.area_km2[0, 0, 0] == 0.0 and math.isnan(none.revisit_h[0, 0, 0])
    assert math.isnan(none.first_observation_days[0, 0])
    everything = cc.yearly(table, one_spell(start, 0.0, 4.0, 4.0))
    acc = coverage.analyze(orbit, grids["box"], instruments[0], start, 4.0).accesses
    assert everything.area_km2[0, 0, 0] == pytest.approx(grids["box"].area_km2[np.unique(acc.cell)].sum(), rel=1e-6)
    assert everything.first_observation_days[0, 0] == math.floor(acc.start_days.min())


def brute_force(table, sp, years):
    """(R, Y, G) observed area and revisit, (R, Y) observing days, spell by spell and day by day
    (the slow twin)."""
    g = len(table.regions)
    area = np.zeros((sp.n, len(years), g))
    revisit = np.full((sp.n, len(years), g), np.nan)
    counts = np.zeros((sp.n, len(years), table.n_cells))
    observing = np.zeros((sp.n, len(years)))
    padded = table.padded_counts()
    dates = np.datetime64(sp.start, "D") + np.arange(math.ceil(sp.horizon_days - 0.5))  # days whose midday is inside
    row_of_day = table.rows_for(dates)
    year_of_day = [years.index(int(str(date)[:4])) for date in dates]
    for r, s, e in zip(sp.rep, sp.start_days, sp.end_days):
        for day in range(len(dates)):
            if not s <= day + 0.5 < min(e, sp.horizon_days):  # a day counts when observing at its midday
                continue
            counts[r, year_of_day[day]] += padded[row_of_day[day]]
            observing[r, year_of_day[day]] += 1.0
    year_hours = 24.0 * np.bincount(year_of_day, minlength=len(years))  # the year's simulated hours
    for r in range(sp.n):
        for y in range(len(years)):
            for k in range(g):
                cells = (table.region == k) & (counts[r, y] > 0)
                area[r, y, k] = table.area_km2[cells].sum()
                if cells.any():
                    w = table.area_km2[cells]
                    revisit[r, y, k] = np.sum(w * year_hours[y] / counts[r, y, cells]) / w.sum()
    return area, revisit, observing


# --------------------------------------------------------------------------- replications


@pytest.fixture(scope="module")
def hl_ensemble():
    sc = scenario.load(HL)
    ens = ensemble.run(sc, n=12, workers=1)
    tables = cc.reference(sc, resolution_km=400.0, window_days=1)
    return ens, tables


def test_each_replication_observes_nothing_before_its_module_is_commissioned(hl_ensemble):
    """Per replication: no access before the NEM's commissioning (rounded to the day), no area in
    the years before it, and a whole year of observation once it is up (the radar needs no crew)."""
    ens, tables = hl_ensemble
    result = cc.yearly(tables["radar"], cc.spells(ens, "nem", needs_crew=False))
    years = np.array(result.years)
    for i, rep in enumerate(ens.replications):
        d = commissioned_days(rep, "nem")
        if math.isnan(d):
            assert np.all(result.area_km2[i] == 0.0)
            continue
        assert np.all(result.first_observation_days[i] >= round(d))
        year = (dt.date(2027, 1, 1) + dt.timedelta(days=d)).year
        assert np.all(result.area_km2[i, years < year] == 0.0)
        assert np.all(result.observing_days[i, years < year] == 0.0)
        later = years > year
        np.testing.assert_allclose(result.area_km2[i, later], result.full_area_km2[later], rtol=1e-6)
        assert np.all(result.first_full_year()[i] <= year + 1)


def test_spells_on_half_days_count_the_days_observed_at_midday(small_case):
    """Spells starting or ending exactly at midday (commissioning at 12:00 UTC): a day counts when
    the instrument observes at its midday, the same rule at every half day (np.rint's
    round-half-to-even counted 0.5 -> day 0 but 1.5 -> day 2)."""
    orbit, grids, instruments, start, tables = small_case
    begin = np.array([0.5, 1.5, 0.5, 2.5, 0.2])
    end = np.array([2.5, 3.5, 1.5, 4.0, 1.5])
    sp = cc.Spells(np.arange(begin.size), begin, end, begin.size, start, 4.0)
    for inst in instruments:
        fast = cc.yearly(tables[inst.name], sp)
        area, revisit, observing = brute_force(tables[inst.name], sp, fast.years)
        np.testing.assert_array_equal(fast.observing_days[:, 0], [2, 2, 1, 2, 1])  # by hand
        np.testing.assert_array_equal(fast.observing_days, observing)
        np.testing.assert_allclose(fast.area_km2, area, rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(fast.revisit_h, revisit, rtol=1e-5)


def test_each_day_stands_for_a_window_day_within_six_days_of_the_season():
    """The module's claim: a calendar day maps to a window day at most six days away in the season
    (fraction of the year, circularly), over ordinary and leap years and either reference year."""
    days = np.arange(np.datetime64("2027-01-01"), np.datetime64("2045-01-01"))

    def season(d):
        jan1 = d.astype("datetime64[Y]").astype("datetime64[D]")
        length = ((d.astype("datetime64[Y]") + 1).astype("datetime64[D]") - jan1).astype(float)
        return (d - jan1).astype(float) / length

    worst = []
    for year in (2028, 2029):
        starts = cc.window_starts(year)
        dates = np.sort(np.concatenate([starts + i for i in range(cc.WINDOW_DAYS)]))
        table = cc.DailyAccesses("x", dates, np.zeros((dates.size, 1), np.int32), np.ones(1), np.zeros(1, int),
                                 ("r",), cc.WINDOW_DAYS, starts)
        gap = np.abs(season(days) - season(dates[table.rows_for(days)]))
        worst.append(np.max(np.minimum(gap, 1.0 - gap)) * 365.0)  # days of an ordinary year
    assert 5.0 < max(worst) <= 6.0 + 1e-6


def test_fast_clipping_equals_the_brute_force_twin(hl_ensemble):
    """Both instruments, crew spells included: the vectorized clipping equals a day-by-day loop."""
    ens, tables = hl_ensemble
    for name, needs_crew in (("radar", False), ("optical", True)):
        sp = cc.spells(ens, "nem", needs_crew)
        fast = cc.yearly(tables[name], sp)
        area, revisit, observing = brute_force(tables[name], sp, fast.years)
        np.testing.assert_allclose(fast.area_km2, area, rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(fast.revisit_h, revisit, rtol=1e-5)
        np.testing.assert_array_equal(fast.observing_days, observing)


def test_crew_spells_lie_within_the_crew_aboard_and_the_module(hl_ensemble):
    """A needs_crew instrument's spells: crew aboard at every spell's midpoint, after commissioning."""
    ens, _ = hl_ensemble
    sp = cc.spells(ens, "nem", needs_crew=True)
    assert sp.rep.size > len(ens.replications)  # visiting crews: several spells a replication
    for r, s, e in zip(sp.rep, sp.start_days, sp.end_days):
        rep = ens.replications[r]
        mid = 0.5 * (s + e)
        aboard = rep.crew_aboard[np.searchsorted(rep.capacity_t, mid, side="right") - 1]
        assert aboard >= 1 and s >= commissioned_days(rep, "nem")


def tiny_with_instruments(tmp_path, crew: bool):
    text = (DATA / "tiny.toml").read_text()
    if not crew:
        head, _, tail = text.partition("[crew]")
        text = head  # the [crew] table is the file's last
    path = tmp_path / ("tiny_crew.toml" if crew else "tiny_nocrew.toml")
    path.write_text(text + TINY_INSTRUMENTS)
    return scenario.load(path)


def test_a_needs_crew_instrument_sees_nothing_without_crew(tmp_path):
    """The tiny scenario with no crew at all: the camera (needs crew) observes nothing in any
    replication, the radar on the same module does; with crew both observe."""
    for crew in (False, True):
        sc = tiny_with_instruments(tmp_path, crew)
        ens = ensemble.run(sc, n=3, workers=1)
        assert all((np.max(r.crew_aboard) > 0) == crew for r in ens.replications)
        result = cc.analyze(ens, tables=cc.reference(sc, window_days=1))
        russia = result.results["radar"].regions.index("russia")  # a 51.6 deg orbit sees its south
        assert np.all(result.results["radar"].area_km2[:, :, russia].sum(axis=1) > 0.0)
        camera = result.results["camera"]
        assert np.all((camera.area_km2[:, :, russia].sum(axis=1) > 0.0) == crew)
        if not crew:
            assert np.all(camera.observing_days == 0.0) and np.all(np.isnan(camera.revisit_h))


# --------------------------------------------------------------------------- the command


#: Figures of campaign_coverage.csv with their Monte Carlo intervals, and how each is computed from
#: campaign_coverage_by_replication.csv (column, statistic).
CSV_INTERVALS = {**{f"percent_p{k}": ("percent", k) for k in (10, 50, 90)}, "percent_mean": ("percent", "mean"),
                 "area_km2_p50": ("area_km2", 50), **{f"revisit_h_p{k}": ("revisit_h", k) for k in (10, 50, 90)},
                 "observing_days_mean": ("observing_days", "mean"), "p_full": None}


def _cell(text):
    return float(text) if text not in ("", None) else math.nan


def _same(a, b, abs_tol=1e-6):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-5, abs=abs_tol)


def check_intervals(rows, per_rep, summary):
    """Every figure of the CSV and of the JSON's by_year carries _low/_high that bracket it; for one
    year with replications that differ, they equal rossim.montecarlo's intervals recomputed here
    from the per-replication file (independently of campaign_coverage's own arrays)."""
    for r in rows:
        for key in CSV_INTERVALS:
            v, lo, hi = (_cell(r[key + s]) for s in ("", "_low", "_high"))
            assert not (lo > v or hi < v), (key, r)  # an empty bound: unbounded by 20 replications
        for key in ("percent_p50", "percent_mean", "p_full"):
            v, lo, hi = (_cell(r[key + s]) for s in ("", "_low", "_high"))
            assert lo <= v <= hi, (key, r)
        by_year = summary["instruments"][r["instrument"]]["regions"][r["region"]]["by_year"][r["year"]]
        for key in ("percent_p10", "percent_p50", "percent_p90", "percent_mean", "p_full"):
            for s in ("", "_low", "_high"):
                j = by_year[key + s]
                assert _same(math.nan if j is None else j, _cell(r[key + s]), 1e-4), (key + s, r)  # JSON: 4 decimals
    # One year where the replications differ: recompute from the per-replication rows.
    spread = [r for r in rows if _cell(r["percent_p10"]) < _cell(r["percent_p90"])]
    assert spread
    r = spread[0]
    mine = [p for p in per_rep if (p["instrument"], p["region"], p["year"]) == (r["instrument"], r["region"], r["year"])]
    assert len(mine) == 20
    for key, how in CSV_INTERVALS.items():
        if how is None:
            # (1 - 1e-5): both areas are written to 6 significant digits
            full = np.array([_cell(p["area_km2"]) for p in mine]) >= cc.FULL_SHARE * full_area(r) * (1 - 1e-5)
            full &= full_area(r) > 0
            iv = montecarlo.proportion(int(full.sum()), full.size)
        else:
            col, stat = how
            x = np.array([_cell(p[col]) for p in mine])
            iv = (montecarlo.mean(x) if stat == "mean" else
                  montecarlo.quantile(x, stat / 100.0, censored=col == "revisit_h"))
        for s, want in (("", iv.value), ("_low", iv.low), ("_high", iv.high)):
            want = float(want) if math.isfinite(float(want)) else math.nan
            assert _same(_cell(r[key + s]), want), (key + s, r[key + s], want)


def full_area(row):
    """Area (km²) of a year of uninterrupted observation, from the CSV's row."""
    return _cell(row["full_year_percent"]) / 100.0 * _cell(row["region_area_km2"])


def test_run_writes_the_campaign_coverage(tmp_path):
    """rossim run --coverage writes the yearly areas with bands, per replication, the JSON and the
    figure; the bands hold the median; the year before anything flies observes nothing."""
    out = tmp_path / "o"
    argv = ["run", str(HL), "-n", "20", "--workers", "1", "--no-report", "--coverage", "--out", str(out),
            "--set", "coverage.resolution_km=400"]
    assert cli.main(argv) == 0
    rows = list(csv.DictReader((out / cc.CSV_FILE).read_text(encoding="utf-8").splitlines()))
    assert {r["instrument"] for r in rows} == {"optical", "radar"}
    assert {r["region"] for r in rows} == {"russia", "arctic", "nsr"}
    for r in rows:
        p10, p50, p90 = (float(r[f"percent_p{k}"]) for k in (10, 50, 90))
        assert 0.0 <= p10 <= p50 <= p90 <= 100.0 + 1e-9
        assert float(r["percent_p50_low"]) <= p50 <= float(r["percent_p50_high"])
        if r["year"] == "2027":  # the NEM is planned for December 2027 and slips
            assert p10 == 0.0
    per_rep = list(csv.DictReader((out / cc.REPLICATIONS_FILE).read_text(encoding="utf-8").splitlines()))
    assert len(per_rep) == 20 * len(rows)
    check_intervals(rows, per_rep, json.loads((out / cc.JSON_FILE).read_text()))
    summary = json.loads((out / cc.JSON_FILE).read_text())
    assert summary["instruments"]["optical"]["needs_crew"] is True
    assert summary["instruments"]["radar"]["module"] == "nem"
    first = summary["instruments"]["radar"]["regions"]["arctic"]["first_full_year"]["p50"]
    horizon_year = int(json.loads((out / "summary.json").read_text())["horizon"][:4])
    assert first is None or 2028 <= first < horizon_year
    assert (out / cc.FIGURE_FILE).stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert cc.CSV_FILE in json.dumps(manifest)


def test_bad_module_reference_is_one_line(capsys):
    one_line_error(capsys, ["validate", HL, "--set", 'instruments.radar.module="nemm"'],
                   "instruments.radar.module", "no module named 'nemm'", "did you mean 'nem'")
    one_line_error(capsys, ["run", HL, "-n", "2", "--coverage", "--set", 'instruments.optical.module="zz"'],
                   "instruments.optical.module", "no module named 'zz'")


def test_campaign_coverage_refuses_before_any_work(capsys, tmp_path):
    """No instruments, or cells too fine for the grids: one line, exit 2, no folder written."""
    out = tmp_path / "never"
    one_line_error(capsys, ["run", DATA / "tiny.toml", "-n", "2", "--coverage", "--out", out],
                   "tiny.toml", "instruments", "defines no instruments")
    one_line_error(capsys, ["run", HL, "-n", "2", "--coverage", "--set", "coverage.resolution_km=1", "--out", out],
                   "coverage.resolution_km", "more than the limit")
    assert not out.exists()


def test_a_where_selection_keeps_its_replication_numbers(tmp_path):
    """rossim run --where --coverage: the per-replication rows carry the numbers replications.csv
    gives the selected replications, and each one's commissioning shows in its yearly areas."""
    out = tmp_path / "w"
    assert cli.main(["run", str(HL), "-n", "16", "--workers", "1", "--no-report", "--coverage", "--out", str(out),
                     "--set", "coverage.resolution_km=400", "--where", "launch_failures.angara_a5m >= 1"]) == 0
    selected = [r["replication"] for r in csv.DictReader((out / "replications.csv").read_text().splitlines())]
    assert selected != [str(i) for i in range(len(selected))]  # a real selection, not the first k
    rows = list(csv.DictReader((out / cc.REPLICATIONS_FILE).read_text().splitlines()))
    assert sorted({r["replication"] for r in rows}, key=int) == selected
