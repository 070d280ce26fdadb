"""Fuzzing the features that landed late (issue 7's standard): absurd, wrong-typed, empty,
non-finite or out-of-range input to ``rossim backtest``, ``run``, ``drivers``, ``sweep``,
``discover``, ``validate --cite``, ``coverage`` and ``compare``, and to the scenario fields added
with them. Each case found a traceback, an internal error (exit 1), an accepted absurdity or
unbounded work; now each is one line naming the file or option and the field, exit 2, refused
before any work."""

import csv
from pathlib import Path

import pytest

from conftest import one_line_error
from rossim import backtest

ROOT = Path(__file__).parent.parent
PLAN_VS_ACTUAL = ROOT / "rossim" / "data" / "history" / "plan_vs_actual.csv"


# ------------------------------------------------------------------ backtest --prior and --data


def test_prior_that_is_always_on_time_is_refused(capsys):
    """p_zero = 1 passed the table's check and died in the log score (math domain error, exit 1)."""
    one_line_error(capsys, ["backtest", "--prior", '{ dist = "weibull", shape = 1.4, scale = 0.5, p_zero = 1 }'],
                   "--prior: p_zero: expected less than 1")


def test_prior_with_more_after_the_table_is_refused(capsys):
    """A second line after the table ('x = 1') was silently dropped and the prior's name printed
    over two lines."""
    one_line_error(capsys, ["backtest", "--prior", '{ dist = "weibull", shape = 1.4, scale = 0.5 }\nx = 1'],
                   "--prior: expected one of visiting-vehicles-2017", r"\nx = 1")


def _rows() -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(PLAN_VS_ACTUAL.read_text(encoding="utf-8").splitlines()))
    return rows[0], rows[1:]


def test_table_with_too_many_plans_is_refused_before_reading_it_all(capsys, tmp_path, monkeypatch):
    """A table of 600,000 plans ran for hours (a scipy distribution frozen per flight and per band);
    a table is now refused past MAX_PLANS rows, as soon as they are read."""
    monkeypatch.setattr(backtest, "MAX_PLANS", 50)
    header, rows = _rows()
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows[:51]])
    one_line_error(capsys, ["backtest", "--data", path], str(path), "more than 50 plans")


def test_table_with_too_many_stations_is_refused(capsys, tmp_path):
    """Each station is held out in turn (a fit each) and bootstrapped over (100,000 resamples of
    every group): 10,000 stations would need 8 GB for the bootstrap alone."""
    header, rows = _rows()
    path = tmp_path / "stations.csv"
    station = header.index("station")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(backtest.MAX_STATIONS + 1):
            row = list(rows[i % len(rows)])
            row[station] = f"station_{i}"
            w.writerow(row)
    one_line_error(capsys, ["backtest", "--data", path], str(path), "station: 101 stations, more than the 100")


def test_table_with_a_huge_cell_is_one_line(capsys, tmp_path):
    """csv's field limit (131,072 characters) raised csv.Error: an internal error, exit 1."""
    header, rows = _rows()
    path = tmp_path / "cell.csv"
    path.write_text(",".join(header) + "\n" + "x" * 200_000 + "\n", encoding="utf-8")
    one_line_error(capsys, ["backtest", "--data", path], str(path), "cannot read the plan-vs-actual table",
                   "field larger than field limit")


def test_scores_per_prior_match_per_flight():
    """The bands, percentiles and log scores computed once per distinct prior equal those computed
    flight by flight (the old loop)."""
    import numpy as np

    record = backtest.one_plan_per_flight(backtest.load_history())
    for name in ("visiting-vehicles-2017", "fitted"):
        s = backtest.backtest(record, backtest.NAMED_PRIORS[name])
        lo, hi = s.band(0.1, 0.9)
        lead, slip = record.lead_days, record.slip_days
        assert np.allclose(lo, [p.ppf(0.1, d) for p, d in zip(s.priors, lead)])
        assert np.allclose(hi, [p.ppf(0.9, d) for p, d in zip(s.priors, lead)])
        assert np.allclose(s.percentile, [p.percentile(x, d) for p, x, d in zip(s.priors, slip, lead)])
        modules = record.kind == "module"
        one_by_one = sum(p.log_likelihood(slip[i:i + 1], lead[i:i + 1]) for i, p in enumerate(s.priors) if modules[i])
        assert s.log_score(modules) == pytest.approx(one_by_one)
        assert len({id(p) for p in s.priors}) == (1 if name == "visiting-vehicles-2017" else len(np.unique(s.groups)))


# ------------------------------------------------------------------ coverage --half-angle-sweep


@pytest.mark.parametrize("text, needle", [
    ("1:1e308:1e-300", "gives more than can be counted"), ("0:1e308:1e-308", "gives more than can be counted"),
    ("1:2:1e-9", "gives 1000000000"), ("1:31:1", "gives 31"),
])
def test_half_angle_sweep_of_countless_angles_is_refused(capsys, text, needle):
    """A range whose count of angles overflows a float raised OverflowError (internal error, exit 1)."""
    one_line_error(capsys, ["coverage", ROOT / "scenarios" / "ross_high_latitude.toml", "--half-angle-sweep", text],
                   "--half-angle-sweep: at most 30 half-angles", needle)


# ------------------------------------------------------------------ orbit heights in a variant


def _variant(tmp_path, orbit: str) -> Path:
    path = tmp_path / "variant.toml"
    base = (ROOT / "scenarios" / "ross_high_latitude.toml").as_posix()
    path.write_text(f'extends = "{base}"\n[orbit]\n{orbit}\n', encoding="utf-8")
    return path


def test_variant_gives_its_height_another_way(tmp_path):
    """A variant that gives mean_altitude_km (or semi_major_axis_km) over a base with altitude_km
    was refused ('got altitude_km and mean_altitude_km') with no way to drop the base's key; it
    now replaces it, as --set does, and means the same orbit."""
    from rossim import scenario

    high = ROOT / "scenarios" / "ross_high_latitude.toml"
    for orbit in ("mean_altitude_km = 400", "semi_major_axis_km = 6800.0"):
        key, _, value = orbit.partition(" = ")
        variant = scenario.load(_variant(tmp_path, orbit)).orbit
        with_set = scenario.load(high, [f"orbit.{key}={value}"]).orbit
        assert variant.altitude_km is None and getattr(variant, key) == float(value)
        assert variant.brouwer_altitude_km() == pytest.approx(with_set.brouwer_altitude_km())
    assert scenario.load(_variant(tmp_path, "semi_major_axis_km = 6800.0")).orbit.brouwer_altitude_km() == \
        pytest.approx(6800.0 - 6378.137)


@pytest.mark.parametrize("orbit, needle", [
    ("semi_major_axis_km = 6800.0\nmean_altitude_km = 400", "got semi_major_axis_km and mean_altitude_km"),
    ("mean_altitude_km = 100", "orbit.mean_altitude_km: input should be greater than or equal to 150"),
    ("semi_major_axis_km = 6000", "orbit.semi_major_axis_km: input should be greater than or equal to 6528.137"),
    ("semi_major_axis_km = 400000", "orbit.semi_major_axis_km: input should be less than or equal to 46378.137"),
])
def test_variant_heights_still_checked(capsys, tmp_path, orbit, needle):
    path = _variant(tmp_path, orbit)
    one_line_error(capsys, ["validate", path], str(path), needle)


# ------------------------------------------------------------------ run/sweep --scheduler, drivers --method sobol

TINY = Path(__file__).parent / "data" / "tiny.toml"
HIGH = ROOT / "scenarios" / "ross_high_latitude.toml"


@pytest.mark.parametrize("argv", [
    ["run", TINY, "-n", "2", "--scheduler", ""],
    ["sweep", TINY, "--vary", "modules.b.ready=2030-01-01:2030-06-01", "--points", "2", "-n", "2", "--scheduler", " "],
])
def test_blank_scheduler_address_is_refused(capsys, tmp_path, argv):
    """``--scheduler ''`` was taken as no scheduler: the run went ahead locally, unasked."""
    one_line_error(capsys, [*argv, "--out", tmp_path / "out"], "--scheduler: expected a scheduler's address")
    assert not (tmp_path / "out").exists()


def test_sobol_of_an_outcome_that_does_not_vary_is_refused(capsys, tmp_path):
    """Every replication has its first crew after a deadline the day after the start: the indices
    were all 0/0, printed as '0.0 % [0.0 %, 0.0 %]' for every input."""
    one_line_error(capsys, ["drivers", HIGH, "--method", "sobol", "--outcome", "first_crew.p_by_deadline", "-n", "20",
                            "--set", "simulation.deadline=2027-01-02", "--out", tmp_path / "out"],
                   f"{HIGH}: --outcome: P(the first crew by 2027-01-02): all 20 replications give the same value")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ many modules


def _modules(parents: dict) -> object:
    """A stand-in scenario whose modules dock as ``parents`` says (None: the core)."""
    from types import SimpleNamespace

    return SimpleNamespace(modules={mid: SimpleNamespace(docks_to=None if p is None else f"{p}.port")
                                    for mid, p in parents.items()})


def _cycle_brute_force(s) -> list | None:
    """The walk the check made before (cubic in the modules): from each module in order, up
    through what it docks to, until back at the start."""
    parent = {mid: m.docks_to.split(".", 1)[0] for mid, m in s.modules.items()
              if m.docks_to and m.docks_to.split(".", 1)[0] in s.modules}
    for start in parent:
        seen, node = [start], parent[start]
        while node in parent:
            if node == start:
                return seen + [start]
            if node in seen:
                break
            seen.append(node)
            node = parent[node]
    return None


def test_docking_cycle_matches_the_brute_force_walk():
    import random

    from rossim import scenario

    rng = random.Random(7)
    for _ in range(300):
        names = [f"m{i}" for i in range(rng.randint(1, 12))]
        parents = {m: rng.choice([None, "elsewhere", *names]) for m in names}
        s = _modules(parents)
        assert scenario._docking_cycle(s) == _cycle_brute_force(s), parents


def test_a_long_chain_of_modules_is_checked_in_linear_time():
    """3,000 modules docked in a chain (a 470 kB scenario, within the 1 MiB limit) took minutes
    to validate: the docking-cycle check walked each module's chain against a list of those seen."""
    import time

    from rossim import scenario

    n = 3000
    chain = _modules({f"m{i}": (f"m{i - 1}" if i else None) for i in range(n)})
    ring = _modules({f"m{i}": f"m{(i - 1) % n}" for i in range(n)})
    t = time.perf_counter()
    assert scenario._docking_cycle(chain) is None
    cycle = scenario._docking_cycle(ring)
    assert time.perf_counter() - t < 2.0
    assert cycle[0] == cycle[-1] == "m0" and len(cycle) == n + 1 and cycle[1] == f"m{n - 1}"


def _tiny_with_chain(tmp_path, n: int) -> Path:
    """tests/data/tiny.toml with ``n`` more modules docked in a chain from module b (a new port
    q), each leaving 100 days after the next one's launch."""
    text = TINY.read_text(encoding="utf-8").replace('ports = ["z", "w"]', 'ports = ["z", "w", "q"]')
    for i in range(n):
        text += (f'\n[modules.m{i}]\nname = "M{i}"\nphase = 2\nmass_kg = 100.0\nlaunch_vehicle = "heavy"\n'
                 f'launch_site = "pad"\nready = 2030-02-01\ndocks_to = "{"b.q" if i == 0 else f"m{i - 1}.p"}"\n'
                 'ports = ["p"]\n'
                 + (f'departs_after = {{ event = "launched", module = "m{i + 1}", days = 100 }}\n' if i < n - 1 else ""))
    path = tmp_path / f"chain{n}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_more_modules_than_the_limit_are_refused(capsys, tmp_path):
    """2,000 modules, each leaving on the next one's launch, took 44 s to validate (the checks of
    departures on events follow the chains of waits from each trigger); at most MAX_MODULES."""
    from rossim import scenario

    assert scenario.MAX_MODULES == 200
    path = _tiny_with_chain(tmp_path, 199)  # with a and b: 201
    one_line_error(capsys, ["validate", path], str(path), "modules: dictionary should have at most 200 items")
    scenario.load(_tiny_with_chain(tmp_path, 198))


def test_sobol_over_a_tiny_time_limit_says_to_raise_it(capsys, tmp_path):
    """Past --max-minutes even for the fewest replications an index takes, the advice was 'use -n 1
    or less', which the 20-replication minimum then refuses."""
    line = one_line_error(capsys, ["drivers", HIGH, "--method", "sobol", "--outcome", "phase_2_complete.p50",
                                   "-n", "40", "--max-minutes", "1e-9", "--out", tmp_path / "out"],
                          "-n: 40 replications would take about", "raise the limit (--max-minutes): fewer than 20")
    assert "use -n" not in line


# ------------------------------------------------------------------ run --precision-days


def test_precision_of_a_milestone_past_the_horizon_stops_at_once(capsys, tmp_path):
    """A watched milestone that no replication reaches (a horizon the day after the start) ran
    round after round, doubling, to the cap of 100,000 replications (20 s of tiny.toml; hours of a
    real scenario), though no count could bound a median past the horizon."""
    from rossim import cli

    out = tmp_path / "out"
    assert cli.main(["run", str(TINY), "--precision-days", "5", "--precision-of", "phase_2_complete", "--set",
                     "simulation.horizon=2030-01-02", "--workers", "1", "--no-report", "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "NOT reached: stopped after 4 replications, the median of phase_2_complete being past the horizon" in printed
    import json

    made = json.loads((out / "manifest.json").read_text())["precision"]
    assert made["beyond_horizon"] == ["phase_2_complete"] and made["replications"] == 4 and not made["capped"]
