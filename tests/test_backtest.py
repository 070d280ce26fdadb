"""The slip-prior backtest (rossim.backtest, rossim backtest): the fit recovers known parameters,
percentiles and bands match hand computation, the shipped record agrees with the module dates, the
fitted prior is calibrated out of sample on it, and the ROSS scenarios use that prior."""

from __future__ import annotations

import csv
import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from rossim import backtest as bt
from rossim.distributions import Weibull
from rossim.errors import InputError

from conftest import one_line_error

ROOT = Path(__file__).resolve().parents[1]
MODULE_DATES = ROOT / "rossim" / "data" / "history" / "module_dates.csv"


# ---------------------------------------------------------------- the fit


def test_fit_recovers_known_zero_inflated_weibull_per_lead():
    """2,000 plans with leads of 60-1500 d, slips = lead x Weibull(1.5, 0.5), 10 % on time: the
    MLE lands within 4 asymptotic standard errors of each true value (Weibull MLE: var(shape)
    = 0.608 k^2 / n, var(scale) = 1.109 lambda^2 / (k^2 n); p_zero binomial)."""
    rng = np.random.default_rng(7)
    n, k, lam, p0 = 2000, 1.5, 0.5, 0.10
    lead = rng.uniform(60.0, 1500.0, n)
    slip = lead * lam * rng.weibull(k, n)
    slip[rng.random(n) < p0] = 0.0
    got = bt.fit(slip, lead, bt.FitRecipe("x", "weibull", per_lead=True))
    m = np.sum(slip > 0)
    assert abs(got.prior.p_zero - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    assert abs(got.prior.positive.shape - k) < 4 * math.sqrt(0.608 * k * k / m)
    assert abs(got.prior.positive.scale - lam) < 4 * math.sqrt(1.109 * lam * lam / (k * k * m))
    # the per-lead model beats the same family in days on data made per lead
    days = bt.fit(slip, lead, bt.FitRecipe("y", "weibull", per_lead=False))
    assert got.aic < days.aic


def test_fit_recovers_a_lognormal_in_days():
    rng = np.random.default_rng(11)
    n, median, sigma = 1500, 120.0, 0.9
    slip = median * np.exp(sigma * rng.standard_normal(n))
    got = bt.fit(slip, 1.0, bt.FitRecipe("x", "lognormal", per_lead=False)).prior
    assert got.p_zero == 0.0
    assert abs(math.log(got.positive.median / median)) < 4 * sigma / math.sqrt(n)
    assert abs(got.positive.sigma - sigma) < 4 * sigma / math.sqrt(2 * n)


def test_log_likelihood_in_days_of_a_per_lead_prior():
    """Hand computed: exponential slips (shape 1) with scale 0.5 x lead, p_zero 0.2; slips 0 and
    100 d at lead 400 d: log 0.2 + log 0.8 + log(exp(-100/200) / 200)."""
    prior = bt.SlipPrior("p", Weibull(dist="weibull", shape=1.0, scale=0.5), p_zero=0.2, per_lead=True)
    want = math.log(0.2) + math.log(0.8) - 0.5 - math.log(200.0)
    assert prior.log_likelihood([0.0, 100.0], 400.0) == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------- percentiles and bands


def test_percentiles_and_bands_hand_computed():
    """Exponential slip, scale 100 d, p_zero 0.2: an on-time launch sits in the middle of the
    on-time mass (0.1); 100 d late is at 0.2 + 0.8 (1 - e^-1) = 0.70570; the 10 % slip is 0 (inside
    the mass) and the 90 % slip solves 0.2 + 0.8 (1 - e^(-x/100)) = 0.9: x = 100 ln 8 = 207.94 d."""
    prior = bt.SlipPrior("p", Weibull(dist="weibull", shape=1.0, scale=100.0), p_zero=0.2)
    pit = prior.percentile([-5.0, 0.0, 100.0], 365.0)
    assert pit == pytest.approx([0.1, 0.1, 0.2 + 0.8 * (1 - math.exp(-1))], abs=1e-12)
    assert prior.ppf([0.1, 0.2, 0.9], 365.0) == pytest.approx([0.0, 0.0, 100 * math.log(8)], abs=1e-9)
    # a one-flight history: 150 d late is inside the 10-90 % band, not inside 25-75 %
    # (75 %: 0.2 + 0.8 (1 - e^(-x/100)) = 0.75 -> x = 100 ln(0.8 / 0.25) = 116.3 d)
    h = _history([("a", "f", "module", "2000-06-01", "1999-06-01", "2000-10-29")])
    s = bt.backtest(h, prior)
    assert s.inside(0.1, 0.9).tolist() == [True] and s.inside(0.25, 0.75).tolist() == [False]
    assert s.misses(0.25, 0.75) == (0, 1)
    assert s.band(0.25, 0.75)[1] == pytest.approx([100 * math.log(0.8 / 0.25)])


def test_per_lead_prior_scales_with_the_lead():
    prior = bt.SlipPrior("p", Weibull(dist="weibull", shape=1.5, scale=0.5), p_zero=0.1, per_lead=True)
    assert prior.ppf(0.5, 800.0) == pytest.approx(2 * prior.ppf(0.5, 400.0))
    assert prior.for_lead(800.0) == Weibull(dist="weibull", shape=1.5, scale=400.0, p_zero=0.1)


def _history(rows) -> bt.History:
    d = lambda i: np.array([r[i] for r in rows], dtype="datetime64[D]")  # noqa: E731
    return bt.History(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
                      np.array([r[2] for r in rows]), d(3), d(4), d(5))


def test_one_plan_per_flight_picks_the_plan_nearest_18_months_ahead():
    h = _history([("p", "a", "visiting_vehicle", "2014-01-01", "2013-12-01", "2014-02-01"),
                  ("p", "a", "visiting_vehicle", "2014-02-01", "2012-08-01", "2014-02-01"),   # 549 d
                  ("p", "a", "visiting_vehicle", "2014-03-01", "2011-01-01", "2014-02-01"),
                  ("p", "b", "module", "2020-01-01", "2019-01-01", "2020-03-01")])
    got = bt.one_plan_per_flight(h)
    assert got.flight.tolist() == ["a", "b"] and got.lead_days.tolist() == [549.0, 365.0]


# ---------------------------------------------------------------- leave one programme out


@pytest.mark.parametrize("name", ["fitted", "fitted-modules"])
def test_fitted_prior_is_scored_without_its_programme(name):
    record = bt.one_plan_per_flight(bt.load_history())
    recipe = bt.NAMED_PRIORS[name]
    s = bt.backtest(record, recipe)
    for programme in np.unique(record.programme):
        keep = record.programme != programme
        if recipe.kinds:
            keep &= np.isin(record.kind, recipe.kinds)
        rest = record.take(keep)
        assert 0 < len(rest) < len(record)
        want = bt.fit(rest.slip_days, rest.lead_days, recipe).prior
        used = {p for p, q in zip(s.priors, record.programme) if q == programme}
        assert used == {want}


def test_fitted_prior_covers_the_10_90_band_as_80_percent_out_of_sample():
    """On the shipped record, leave one programme out: the 10-90 % band's coverage has a 95 %
    binomial interval holding 0.8, and the 25-75 % band's holds 0.5; the old prior (Weibull
    1.04/173 d) fails the 25-75 % check."""
    record = bt.one_plan_per_flight(bt.load_history())
    assert len(record) >= 30 and set(record.programme) == {"mir", "iss_rs", "tiangong", "iss_usos", "iss_vv"}
    s = bt.backtest(record, bt.NAMED_PRIORS["fitted"])
    c80, c50 = s.coverage(0.1, 0.9), s.coverage(0.25, 0.75)
    assert c80.low <= 0.8 <= c80.high, c80
    assert c50.low <= 0.5 <= c50.high, c50
    old = bt.backtest(record, bt.NAMED_PRIORS["visiting-vehicles-2017"]).coverage(0.25, 0.75)
    assert not old.low <= 0.5 <= old.high, old
    # and the binomial interval is the Wilson interval of k of n
    k, n = int(s.inside(0.1, 0.9).sum()), len(record)
    assert c80.value == pytest.approx(k / n)
    assert stats.binomtest(k, n).proportion_ci(method="wilson").low == pytest.approx(float(c80.low), abs=1e-9)


def test_per_lead_weibull_has_the_lowest_aic_on_the_record():
    fits = {f.prior.name: f for f in bt.compare_fits(bt.one_plan_per_flight(bt.load_history()))}
    assert min(fits, key=lambda k: fits[k].aic) == "weibull-per-lead"


# ---------------------------------------------------------------- the shipped record


def test_module_rows_agree_with_the_module_dates():
    with open(MODULE_DATES, newline="", encoding="utf-8") as f:
        modules = {(r["programme"], r["module"]): r for r in csv.DictReader(f) if r["planned_date"]}
    with open(bt.PLAN_VS_ACTUAL, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f)
                if r["kind"] == "module" and r["programme"] in ("mir", "iss_rs", "tiangong")]
    assert {(r["programme"], r["flight"]) for r in rows} == set(modules)  # the ISS US modules are only here
    for r in rows:
        m = modules[(r["programme"], r["flight"])]
        assert (r["planned_date"], r["plan_published"], r["launch_date"]) == \
            (m["planned_date"], m["plan_published"], m["launch_date"])


def test_every_row_cites_an_anchor_of_history_sources():
    text = (ROOT / "docs" / "history-sources.md").read_text(encoding="utf-8")
    with open(bt.PLAN_VS_ACTUAL, newline="", encoding="utf-8") as f:
        anchors = {a for r in csv.DictReader(f) for a in r["source_anchor"].split(";")}
    assert anchors and all(f'<a id="{a}"></a>' in text for a in anchors)


def test_a_bad_table_names_file_line_and_column(tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_text("programme,flight,kind,planned_date,plan_published,launch_date,source_anchor\n"
                   "mir,x,module,1990-13-01,1986-07-01,1995-05-20,a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"p\.csv: line 2: planned_date: expected a date"):
        bt.load_history(bad)
    bad.write_text("programme,flight,kind,planned_date,plan_published,launch_date\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"p\.csv: .*at least one row; missing: rows"):
        bt.load_history(bad)
    bad.write_text("programme,flight\nmir,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"missing: kind, planned_date"):
        bt.load_history(bad)


# ---------------------------------------------------------------- the ROSS scenarios use the fit


#: The scenarios' readiness slip per day of lead: the fitted factor calibrated so that the simulated
#: launch slips follow the fitted prior (scripts/calibrate_slips.py).
CALIBRATED_FACTOR = 0.53
#: When each scenario's plan was published (its ready dates' lead is counted from here).
PLAN_PUBLISHED = {"ross_high_latitude.toml": dt.date(2026, 1, 6), "ros_iss_orbit.toml": dt.date(2026, 3, 17)}


@pytest.mark.parametrize("name", sorted(PLAN_PUBLISHED))
def test_scenario_slips_are_the_fitted_prior_at_each_modules_lead(name):
    record = bt.one_plan_per_flight(bt.load_history())
    prior = bt.fit(record.slip_days, record.lead_days, bt.NAMED_PRIORS["fitted"]).prior
    sc = tomllib.loads((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
    for module, m in sc["modules"].items():
        if "slip_days" not in m:
            continue
        lead = (m["ready"] - PLAN_PUBLISHED[name]).days
        want = prior.for_lead(lead)
        got = m["slip_days"]
        assert got["dist"] == "weibull", module
        assert got["shape"] == pytest.approx(want.shape, abs=0.005), module   # written to 2 decimals
        # the factor per day of lead is the fit's, calibrated down for the waits the campaign adds
        # (scripts/calibrate_slips.py, tests/test_slip_calibration.py)
        assert CALIBRATED_FACTOR < want.scale / lead
        assert got["scale"] == pytest.approx(CALIBRATED_FACTOR * lead, abs=0.5), module     # to the day
        assert got["p_zero"] == pytest.approx(want.p_zero, abs=0.0005), module


# ---------------------------------------------------------------- the command


def test_backtest_command_prints_the_table_and_writes_the_figure(tmp_path, capsys):
    from rossim import cli

    out = tmp_path / "bt"
    assert cli.main(["backtest", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "in 10-90 %" in text and "visiting-vehicles-2017" in text and "fitted" in text
    assert {p.name for p in out.iterdir()} >= {"calibration.png", "forecasts.csv", "manifest.json"}
    with open(out / "forecasts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(bt.one_plan_per_flight(bt.load_history()))


@pytest.mark.parametrize("spec, needle", [
    ("nonsense", "expected one of"),
    ("{ dist = \"weibull\", shape = 1.0 }", "scale"),
    ("{ dist = \"triangular\", low = 0, mode = 1, high = 2 }", "dist"),
    ("{ dist = \"weibull\", shape = 1.0, scale = 1, unit = \"weeks\" }", "unit"),
    ("{ dist = ", "TOML"),
])
def test_bad_prior_is_one_line_exit_2(capsys, spec, needle):
    one_line_error(capsys, ["backtest", "--prior", spec], "--prior", needle)


def test_bad_data_is_one_line_exit_2(capsys, tmp_path):
    one_line_error(capsys, ["backtest", "--data", tmp_path / "missing.csv"], "missing.csv", "cannot read")


def test_readme_backtest_table_is_what_the_command_computes():
    """README's table (between its backtest markers): each prior's coverages, misses and module
    counts as rossim.backtest computes them on the shipped record."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- backtest:start -->\n(.*?)<!-- backtest:end -->", text, re.S).group(1)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 2
    record = bt.one_plan_per_flight(bt.load_history())
    modules = record.kind == "module"
    pct = lambda v: round(100 * float(v))  # noqa: E731
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        name = re.match(r"`([^`]+)`", cells[0]).group(1)
        s = bt.backtest(record, bt.NAMED_PRIORS[name])
        c80, c50 = s.coverage(0.1, 0.9), s.coverage(0.25, 0.75)
        assert cells[1] == f"{pct(c80.value)} % [{pct(c80.low)}, {pct(c80.high)}]", name
        assert cells[2] == "{} / {}".format(*s.misses(0.1, 0.9)), name
        assert cells[3] == f"{pct(c50.value)} % [{pct(c50.low)}, {pct(c50.high)}]", name
        assert cells[4] == f"{int(s.inside(0.1, 0.9)[modules].sum())} of {int(modules.sum())}", name
        assert cells[5] == f"{s.log_score(modules):.1f}".replace("-", "\u2212"), name
