"""The slip-prior backtest (rossim.backtest, rossim backtest): the fit recovers known parameters,
percentiles and bands match hand computation, the hold-out groups are the stations' modules and the
ISS cargo flights, the group bootstrap matches brute force, the lead exponent matches least squares,
the module bands match an independent count, the shipped record agrees with the module dates, and
the ROSS scenarios use the fitted prior."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
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


# ---------------------------------------------------------------- leave one group out

#: The hold-out groups of the shipped record, from the programme names alone: the ISS Russian and
#: US modules are one assembly (one plan of Dec 1996 scheduled Zarya and Unity), the ISS cargo
#: flights of 2012-2017 share no plan with any module.
GROUP_OF_PROGRAMME = {"mir": "mir", "iss_rs": "iss modules", "iss_usos": "iss modules", "tiangong": "tiangong",
                      "iss_vv": "iss cargo"}


def _partition(labels) -> set[frozenset[int]]:
    labels = np.asarray(labels)
    return {frozenset(np.flatnonzero(labels == v).tolist()) for v in np.unique(labels)}


def test_hold_out_groups_are_the_stations_modules_and_the_cargo_flights():
    record = bt.one_plan_per_flight(bt.load_history())
    want = _partition([GROUP_OF_PROGRAMME[p] for p in record.programme])
    assert _partition(bt.hold_out_groups(record)) == want and len(want) == 4
    assert _partition(bt.hold_out_groups(record, "programme")) == _partition(record.programme)
    # a table without a station column: each programme (and kind) its own group
    h = _history([("a", "x", "module", "2000-06-01", "1999-06-01", "2000-10-29"),
                  ("a", "y", "visiting_vehicle", "2000-06-01", "1999-06-01", "2000-10-29"),
                  ("b", "z", "module", "2000-06-01", "1999-06-01", "2000-10-29")])
    assert bt.hold_out_groups(h).tolist() == ["a/module", "a/visiting_vehicle", "b/module"]
    with pytest.raises(ValueError, match="hold out by"):
        bt.hold_out_groups(h, "decade")


@pytest.mark.parametrize("name", ["fitted", "fitted-modules"])
@pytest.mark.parametrize("hold_out", ["station", "programme"])
def test_fitted_prior_is_scored_without_its_group(name, hold_out):
    record = bt.one_plan_per_flight(bt.load_history())
    recipe = bt.NAMED_PRIORS[name]
    s = bt.backtest(record, recipe, hold_out)
    group = np.array([GROUP_OF_PROGRAMME[p] for p in record.programme]) if hold_out == "station" \
        else record.programme
    for g in np.unique(group):
        keep = group != g
        if recipe.kinds:
            keep &= np.isin(record.kind, recipe.kinds)
        rest = record.take(keep)
        assert 0 < len(rest) < len(record)
        want = bt.fit(rest.slip_days, rest.lead_days, recipe).prior
        used = {p for p, q in zip(s.priors, group) if q == g}
        assert used == {want}


def test_group_bootstrap_hand_computed_and_against_brute_force(monkeypatch):
    """Two groups, 1 of 2 and 3 of 4 inside: resamples {a, a} (probability 1/4) 1/2, {a, b} (1/2)
    4/6, {b, b} (1/4) 3/4; the 2.5 % and 97.5 % points are 1/2 and 3/4. Five groups: the exact
    enumeration's distribution equals the brute force over all 5^5 ordered resamples; the sampled
    path (forced) agrees with it."""
    got = bt.group_bootstrap([1, 3], [2, 4])
    assert (got.value, got.low, got.high) == pytest.approx((4 / 6, 1 / 2, 3 / 4))
    assert got.se == pytest.approx(math.sqrt(0.25 * (0.5 - 0.6458333) ** 2 + 0.5 * (4 / 6 - 0.6458333) ** 2
                                             + 0.25 * (0.75 - 0.6458333) ** 2), rel=1e-5)
    k, n = np.array([0, 2, 5, 1, 17]), np.array([2, 8, 6, 3, 20])
    shares = np.sort([k[list(c)].sum() / n[list(c)].sum() for c in itertools.product(range(5), repeat=5)])
    lo, hi = shares[math.ceil(0.025 * shares.size) - 1], shares[math.ceil(0.975 * shares.size) - 1]
    exact = bt.group_bootstrap(k, n)
    assert (exact.value, exact.low, exact.high) == pytest.approx((k.sum() / n.sum(), lo, hi))
    assert exact.se == pytest.approx(shares.std(), rel=1e-9)
    monkeypatch.setattr(bt, "_MAX_EXACT_RESAMPLES", 10)
    sampled = bt.group_bootstrap(k, n, resamples=20_000)
    assert sampled.se == pytest.approx(exact.se, rel=0.05)
    assert abs(np.searchsorted(shares, sampled.low) - np.searchsorted(shares, lo)) < 0.01 * shares.size
    with pytest.raises(ValueError):
        bt.group_bootstrap([3], [2])


def test_lead_exponent_is_the_least_squares_slope_of_log_slip_on_log_lead():
    lead = np.array([100.0, 200.0, 400.0, 800.0])
    exact = bt.lead_exponent(3e-3 * lead ** 2, lead)      # slip = 0.003 lead^2: slope 2, no residual
    assert (exact.value, exact.low, exact.high) == pytest.approx((2.0, 2.0, 2.0))
    rng = np.random.default_rng(3)
    lead = rng.uniform(50, 2000, 40)
    slip = 0.2 * lead ** 1.3 * np.exp(0.5 * rng.standard_normal(40))
    slip[:3] = 0.0                                          # on time: left out
    got, ref = bt.lead_exponent(slip, lead), stats.linregress(np.log(lead[3:]), np.log(slip[3:]))
    half = stats.t.ppf(0.975, 35) * ref.stderr
    assert (got.value, got.low, got.high) == pytest.approx((ref.slope, ref.slope - half, ref.slope + half))


def test_module_bands_match_an_independent_count():
    """The fitted prior's module bands, counted without rossim.backtest's scoring: each station's
    modules forecast by a zero-inflated Weibull per lead fitted (scipy) to the other groups; every
    module slipped, so it is inside the a-b band when a <= p0 + (1 - p0)(1 - exp(-(s / (scale
    lead))^shape)) <= b, early below, late above."""
    record = bt.one_plan_per_flight(bt.load_history())
    group = np.array([GROUP_OF_PROGRAMME[p] for p in record.programme])
    modules = record.kind == "module"
    assert modules.sum() == 13 and np.all(record.slip_days[modules] > 0)
    cdf = np.full(len(record), np.nan)
    for g in np.unique(group[modules]):
        rest = group != g
        x, lead = record.slip_days[rest], record.lead_days[rest]
        p0 = np.mean(x <= 0)
        shape, _, scale = stats.weibull_min.fit(x[x > 0] / lead[x > 0], floc=0)
        mine = modules & (group == g)
        z = record.slip_days[mine] / (scale * record.lead_days[mine])
        cdf[mine] = p0 + (1 - p0) * (1 - np.exp(-z ** shape))
    s = bt.backtest(record, bt.NAMED_PRIORS["fitted"])
    assert s.percentile[modules] == pytest.approx(cdf[modules], abs=1e-4)  # the fits agree
    for lo, hi in ((0.1, 0.9), (0.25, 0.75)):
        c = cdf[modules]
        inside, early, late = int(((lo <= c) & (c <= hi)).sum()), int((c < lo).sum()), int((c > hi).sum())
        assert s.coverage(lo, hi, modules).value == pytest.approx(inside / 13)
        assert s.misses(lo, hi, modules) == (early, late)
        want = stats.binomtest(inside, 13).proportion_ci(method="wilson")
        assert (s.coverage(lo, hi, modules).low, s.coverage(lo, hi, modules).high) == \
            pytest.approx((want.low, want.high), abs=1e-9)


def test_fitted_prior_covers_the_10_90_band_as_80_percent_out_of_sample():
    """On the shipped record, leave one group out: the 10-90 % band's coverage has a 95 %
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
    bad.write_text("station,programme,flight,kind,planned_date,plan_published,launch_date\n"
                   ",mir,x,module,1990-07-01,1986-07-01,1995-05-20\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"p\.csv: line 2: station: expected a station name"):
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
    assert "by group" in text and "The 13 modules alone" in text and "slip ~ lead^2.08" in text
    assert "Fitted to the 13 modules alone" in text
    assert {p.name for p in out.iterdir()} >= {"calibration.png", "forecasts.csv", "manifest.json"}
    with open(out / "forecasts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(bt.one_plan_per_flight(bt.load_history()))
    assert {r["hold_out_group"] for r in rows} == {"mir/module", "iss/module", "tiangong/module",
                                                  "iss/visiting_vehicle"}


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


def _readme_backtest() -> tuple[str, str]:
    """README's backtest section and the tables between its markers."""
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Backtest: does the slip prior hold up?"):]
    section = section[:section.index("\n## ", 5)]
    return section, re.search(r"<!-- backtest:start -->\n(.*?)<!-- backtest:end -->", section, re.S).group(1)


def _fmt_pct(v) -> str:
    return str(round(100 * float(v)))


def _description(prior) -> str:
    """How README describes a prior's parameters (a FitRecipe: its fit to all its kinds' flights)."""
    if isinstance(prior, bt.SlipPrior):
        return f"Weibull {prior.positive.shape:g} / {prior.positive.scale:g} d"
    fitted = bt.fit_recipe(bt.one_plan_per_flight(bt.load_history()), prior).prior
    pos, on_time = fitted.positive, f"on time {100 * fitted.p_zero:.1f} %, else "
    if prior.family == "lognormal":
        return on_time + f"lead × lognormal(median {pos.median:.2g}, σ {pos.sigma:.2g})"
    if prior.per_lead:
        return on_time + f"lead × Weibull({pos.shape:.3g}, {pos.scale:.3g})"
    return on_time + f"Weibull({pos.shape:.2g}, {pos.scale:.3g} d)"


def test_readme_backtest_tables_are_what_the_command_computes():
    """README's two tables (between its backtest markers): each prior's parameters, coverages
    (Wilson and group bootstrap), misses, and the modules' band counts and log score, as
    rossim.backtest computes them on the shipped record."""
    import re

    _, tables = _readme_backtest()
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in tables.splitlines()
            if line.startswith("| `")]
    everyone, modules_only = [r for r in rows if len(r) == 7], [r for r in rows if len(r) == 6]
    assert len(everyone) >= 3 and len(modules_only) == len(everyone) and len(rows) == 2 * len(everyone)
    record = bt.one_plan_per_flight(bt.load_history())
    modules = record.kind == "module"
    n_mod = int(modules.sum())
    for cells in everyone:
        name = re.match(r"`([^`]+)`", cells[0]).group(1)
        assert _description(bt.NAMED_PRIORS[name]) in cells[0], name
        s = bt.backtest(record, bt.NAMED_PRIORS[name])
        for (lo, hi), (c, g, m) in zip(((0.1, 0.9), (0.25, 0.75)), ((1, 2, 3), (4, 5, 6))):
            cov, grp = s.coverage(lo, hi), s.group_coverage(lo, hi)
            assert cells[c] == f"{_fmt_pct(cov.value)} % [{_fmt_pct(cov.low)}, {_fmt_pct(cov.high)}]", name
            assert cells[g] == f"[{_fmt_pct(grp.low)}, {_fmt_pct(grp.high)}]", name
            assert cells[m] == "{} / {}".format(*s.misses(lo, hi)), name
    for cells in modules_only:
        name = re.match(r"`([^`]+)`", cells[0]).group(1)
        s = bt.backtest(record, bt.NAMED_PRIORS[name])
        for (lo, hi), (c, m) in zip(((0.1, 0.9), (0.25, 0.75)), ((1, 2), (3, 4))):
            cov = s.coverage(lo, hi, modules)
            k = int(s.inside(lo, hi)[modules].sum())
            assert cells[c] == f"{k} of {n_mod} [{_fmt_pct(cov.low)}, {_fmt_pct(cov.high)}]", name
            assert cells[m] == "{} / {}".format(*s.misses(lo, hi, modules)), name
        assert cells[5] == f"{s.log_score(modules):.1f}".replace("-", "\u2212"), name


def test_readme_backtest_prose_is_what_the_code_computes():
    """The numbers of README's backtest prose: the AIC of the families, the fitted prior's coverage
    held out by station and by programme, its module counts, the percentiles of short- and
    long-lead modules, the lead exponent and the modules-only fit."""
    section, _ = _readme_backtest()
    prose = " ".join(section.split())
    record = bt.one_plan_per_flight(bt.load_history())
    modules = record.kind == "module"
    aic = {f.prior.name: f.aic for f in bt.compare_fits(record)}
    assert (f"(Weibull {aic['weibull-per-lead']:.1f} against {aic['weibull-days']:.1f}; the heavier-tailed "
            f"lognormal {aic['lognormal-per-lead']:.1f} and {aic['lognormal-days']:.1f})") in prose
    assert f"in days by {round(aic['weibull-days'] - aic['weibull-per-lead'])} in AIC" in prose
    fitted = bt.NAMED_PRIORS["fitted"]
    s, by_programme = bt.backtest(record, fitted), bt.backtest(record, fitted, "programme")
    assert (f"covers {_fmt_pct(s.coverage(0.1, 0.9).value)} % of all flights in its 10–90 % band "
            f"({_fmt_pct(by_programme.coverage(0.1, 0.9).value)} % when only the programme was held out") in prose
    k80, k50 = int(s.inside(0.1, 0.9)[modules].sum()), int(s.inside(0.25, 0.75)[modules].sum())
    assert (f"and {k80} of the {int(modules.sum())} modules, {s.misses(0.1, 0.9, modules)[1]} of them late; "
            f"only {k50} module lands in its 25–75 % band") in prose
    by_lead = np.flatnonzero(modules)[np.argsort(record.lead_days[modules])]
    short, long = by_lead[:4], by_lead[4:]
    days = lambda i: f"{record.lead_days[i]:,.0f}"  # noqa: E731
    assert (f"the 4 shortest-lead module plans ({days(short[0])}–{days(short[-1])} days ahead) land at or "
            f"below the {math.ceil(100 * s.percentile[short].max())}th percentile of their forecasts, the "
            f"{long.size} others ({days(long[0])}–{days(long[-1])} days ahead) at or above the "
            f"{math.floor(100 * s.percentile[long].min())}th") in prose
    b = bt.lead_exponent(record.slip_days[modules], record.lead_days[modules])
    assert f"slip ~ lead^{b.value:.2f} [{b.low:.2f}, {b.high:.2f}]" in prose
    p0 = bt.fit_recipe(record, fitted).prior.p_zero
    assert f"Its on-time mass, {100 * p0:.1f} %, comes from the cargo flights alone" in prose
    assert np.all(record.slip_days[modules] > 0) and p0 > 0
    own = bt.fit_recipe(record, bt.NAMED_PRIORS["fitted-modules"]).prior
    assert (f"no on-time mass, lead × Weibull({own.positive.shape:.3g}, {own.positive.scale:.3g})" in prose
            and own.p_zero == 0.0)
    m = bt.backtest(record, bt.NAMED_PRIORS["fitted-modules"])
    assert (f"with {int(m.inside(0.1, 0.9)[modules].sum())} of 13 modules in the 10–90 % band but still "
            f"{int(m.inside(0.25, 0.75)[modules].sum())} in the 25–75 % band") in prose
