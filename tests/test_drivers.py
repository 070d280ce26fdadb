"""rossim drivers: one-at-a-time ranking of uncertain inputs, against cases whose answer is known
by hand (a planted dominant input), and the command line's files and refusals."""

import csv
import json

import numpy as np
from pathlib import Path
import pytest

from rossim import distributions as D
from rossim import scenario
from rossim.analysis import drivers
from rossim.cli import main
from rossim.errors import InputError

# Two modules of one phase: the core "a" is ready on day 9 plus a slip uniform on 0-2000 days,
# "b" (docking to it) on day 0 plus a slip of at most a day; b flies once a is in orbit (a day
# apart at most: daily launch opportunities), so phase 1 completes ~3 days after a's launch, and
# a's slip decides everything. Everything else is fixed: no other input.
PLANTED = """
[scenario]
name = "planted"
title = "Planted dominant input"

[simulation]
start = 2030-01-01
horizon = 2040-01-01
deadline = 2034-02-10
replications = 20
seed = 7

[orbit]
altitude_km = 400
inclination_deg = 51.6
raan_deg = 0.0

[launch_sites.pad]
name = "Pad"
lat_deg = 46.0
lon_deg = 63.5
inclination_ranges_deg = [[51.6, 51.7]]

[launch_vehicles.heavy]
name = "Heavy"
payload_kg_at_inclination_deg = [[51.6, 30000.0]]
success_probability = 1.0
sites = ["pad"]

[modules.a]
name = "Core A"
phase = 1
mass_kg = 20000.0
launch_vehicle = "heavy"
launch_site = "pad"
ready = 2030-01-10
slip_days = { dist = "uniform", low = 0.0, high = 2000.0 }
ports = ["x"]

[modules.b]
name = "Module B"
phase = 1
mass_kg = 20000.0
launch_vehicle = "heavy"
launch_site = "pad"
ready = 2030-01-01
slip_days = { dist = "uniform", low = 0.0, high = 1.0 }
docks_to = "a.x"

[[phases]]
number = 1
crew_target = 2
"""

HUGE, TINY = "modules.a.slip_days", "modules.b.slip_days"
#: Deadline 2034-02-10 is day 1501 of the simulation: phase 1 completes by its end when a's slip
#: is below ~1501 - 9 - 3 days: P = 0.744 or so; with the slip fixed at 1000 days, always.
P_BY_DEADLINE = (1501 + 1 - 9 - 3) / 2000


def planted(overrides=()):
    return scenario.loads(PLANTED, source="planted.toml", overrides=list(overrides))


def by_id(result):
    return {d.input.id: d for d in result.drivers}


# ------------------------------------------------------------------------------ inputs


def test_inputs_are_the_uncertain_fields_and_the_risks_only():
    assert [i.id for i in drivers.uncertain_inputs(planted())] == [HUGE, TINY]
    risky = planted(["launch_sites.pad.scrub_probability=0.1", "modules.b.docking_success_probability=0.6",
                     "launch_vehicles.heavy.success_probability=0.9"])
    ids = [i.id for i in drivers.uncertain_inputs(risky)]
    assert ids == ["risk:launch_sites.pad.scrub_probability", "risk:launch_vehicles.heavy.success_probability",
                   HUGE, TINY, "risk:modules.b.docking_success_probability"]
    # a fixed input (here every other field, e.g. rendezvous_days = 2) is not listed
    assert not any("rendezvous" in i for i in ids)


def test_fixing_an_input_changes_only_that_field():
    sc = planted(["launch_sites.pad.scrub_probability=0.1"])
    inputs = {i.id: i for i in drivers.uncertain_inputs(sc)}
    fixed = drivers.with_input_fixed(sc, inputs[HUGE])
    assert fixed.modules["a"].slip_days.bounds() == (1000.0, 1000.0)
    assert fixed.modules["b"] == sc.modules["b"] and fixed.launch_sites == sc.launch_sites
    off = drivers.with_input_fixed(sc, inputs["risk:launch_sites.pad.scrub_probability"])
    assert 0 < off.launch_sites["pad"].scrub_probability < 2.0 ** -53  # never: u < p only for u == 0
    assert off.modules == sc.modules and sc.launch_sites["pad"].scrub_probability == 0.1


@pytest.mark.parametrize("dist", [
    D.Uniform(dist="uniform", low=2.0, high=9.0),
    D.Triangular(dist="triangular", low=2.0, mode=2.0, high=8.0),
    D.Triangular(dist="triangular", low=1.0, mode=7.0, high=8.0),
    D.Normal(dist="normal", mean=5.0, sd=2.0, low=0.0),
    D.LogNormal(dist="lognormal", median=30.0, sigma=0.8),
    D.Weibull(dist="weibull", shape=1.04, scale=173.0),
    D.Weibull(dist="weibull", shape=2.0, scale=100.0, p_zero=0.3),
    D.BetaRecord(dist="beta", successes=65, failures=2),
])
def test_median_is_the_median_of_the_samples(dist):
    rng = np.random.Generator(np.random.PCG64(3))
    samples = np.array([dist.sample(rng) for _ in range(100_000)])
    m = drivers.median(dist)
    assert np.mean(samples <= m) == pytest.approx(0.5, abs=0.006)


FAMILIES = [
    D.Uniform(dist="uniform", low=0.0, high=0.9),
    D.Triangular(dist="triangular", low=0.0, mode=0.2, high=1.0),
    D.Normal(dist="normal", mean=0.5, sd=0.1, low=0.0),
    D.LogNormal(dist="lognormal", median=0.3, sigma=0.5),
    D.Weibull(dist="weibull", shape=1.04, scale=0.2),
    D.Weibull(dist="weibull", shape=1.5, scale=0.3, p_zero=0.3),
    D.Bernoulli(dist="bernoulli", p=0.7),
    D.BetaRecord(dist="beta", successes=3, failures=5),
]


def with_slip(sc, module, dist):
    return sc.model_copy(update={"modules": {**sc.modules, module: sc.modules[module].model_copy(
        update={"slip_days": dist})}})


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.dist)
def test_a_fixed_input_draws_the_same_random_numbers(dist):
    """The stand-in gives the median and leaves the generator where the original leaves it."""
    inp = next(i for i in drivers.uncertain_inputs(with_slip(planted(), "a", dist)) if i.id == HUGE)
    m = drivers.median(dist)
    assert inp.fixed_at == m
    for seed in range(20):
        a, b = (np.random.Generator(np.random.PCG64(seed)) for _ in range(2))
        dist.sample(a)
        assert inp.replacement.sample(b) == m
        assert a.random() == b.random()


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.dist)
def test_an_input_that_does_not_matter_leaves_every_replication_as_it_was(dist, monkeypatch):
    """Common random numbers through the campaign: the core's slip (under a day, drawn first) is
    fixed; B's slip (0-2000 days, drawn after it) decides the phase date. With the stand-in every
    replication keeps its B slip, and its date (but the few whose B was ready before the core flew);
    a plain fixed number instead would shift the stream and redraw every later slip."""
    sc = with_slip(with_slip(planted(), "a", dist), "b", D.Uniform(dist="uniform", low=0.0, high=2000.0))
    inp = next(i for i in drivers.uncertain_inputs(sc) if i.id == HUGE)
    outcome = drivers.parse_outcome(sc, "phase_1_complete.p50")
    days = lambda s: outcome.values(drivers.ensemble.run(s, n=40, workers=1))  # noqa: E731
    base = days(sc)
    assert np.mean(days(drivers.with_input_fixed(sc, inp)) == base) >= 0.9
    naive = drivers.Input(inp.id, inp.path, inp.kind, inp.original, inp.fixed_at, inp.how, D.Fixed(value=inp.fixed_at))
    assert np.mean(days(drivers.with_input_fixed(sc, naive)) == base) < 0.5


# ------------------------------------------------------------------------------ the planted ranking


def test_planted_dominant_input_ranks_first_beyond_noise():
    """90 % date of phase 1: a's slip at its 90 % (1800 days) in the baseline, fixed at 1000 days:
    a shift of -800 days, far beyond noise; b's slip (at most a day) moves nothing."""
    res = drivers.one_at_a_time(planted(), "phase_1_complete.p90", n=100, workers=1)
    assert [d.input.id for d in res.drivers] == [HUGE, TINY]
    huge, tiny = by_id(res)[HUGE], by_id(res)[TINY]
    assert huge.shift.value == pytest.approx(-800, abs=100)
    assert huge.shift.low <= huge.shift.value <= huge.shift.high < 0 and not huge.within_noise
    assert huge.value.value == pytest.approx(9 + 1000 + 3, abs=3)  # every replication the same day
    assert abs(tiny.shift.value) <= 2 and tiny.within_noise
    assert res.baseline.value == pytest.approx(9 + 1800 + 3, abs=110)


def test_a_median_that_follows_one_input_does_not_move():
    """Fixing a's slip at its median leaves the median date (a monotone function of a's slip
    alone: median in, median out) where it was: within noise, as the module docstring warns."""
    res = drivers.one_at_a_time(planted(), "phase_1_complete.p50", n=60, workers=1, inputs=[HUGE])
    (huge,) = res.drivers
    assert abs(huge.shift.value) < 150 and huge.within_noise
    assert huge.shift.low < -150 and huge.shift.high > 150  # the two medians' intervals, not a paired one


def test_probability_by_deadline_paired():
    """P(phase 1 by the deadline): ~0.744 in the baseline, 1 with a's slip fixed at 1000 days;
    b's slip changes no replication's outcome, and with common random numbers its shift is exactly
    0 (every pair identical), inside its interval."""
    res = drivers.one_at_a_time(planted(), "phase_1_complete.p_by_deadline", n=200, workers=1)
    huge, tiny = by_id(res)[HUGE], by_id(res)[TINY]
    assert res.baseline.value == pytest.approx(P_BY_DEADLINE, abs=0.09)
    assert huge.value.value == 1.0
    assert huge.shift.value == pytest.approx(1 - P_BY_DEADLINE, abs=0.09) and not huge.within_noise
    assert huge.shift.value == pytest.approx(1.0 - res.baseline.value)  # paired: the same replications
    assert tiny.shift.value == 0.0 and tiny.shift.se == 0.0 and tiny.within_noise
    assert [d.input.id for d in res.drivers] == [HUGE, TINY]


def test_a_switched_off_risk_ranks_by_what_it_costs():
    """A launch that fails half the time, the module rebuilt 400 days later: switched off, the mean
    launches fall from ~4 (two modules, 2 tries each on average) to exactly 2."""
    sc = planted(["launch_vehicles.heavy.success_probability=0.5", "modules.a.rebuild_days=400",
                  "modules.b.rebuild_days=400"])
    res = drivers.one_at_a_time(sc, "launches.mean", n=200, workers=1,
                                inputs=["risk:*", TINY])
    risk = by_id(res)["risk:launch_vehicles.heavy.success_probability"]
    assert res.drivers[0] is risk and not risk.within_noise
    assert risk.value.value == 2.0
    assert res.baseline.value == pytest.approx(4.0, abs=0.6)
    assert risk.shift.value == pytest.approx(2.0 - res.baseline.value)


# ------------------------------------------------------------------------------ refusals


def test_unknown_outcome_is_refused_with_the_valid_ones():
    with pytest.raises(InputError) as exc:
        drivers.parse_outcome(planted(), "phase_3_complete.p50")
    text = str(exc.value)
    assert "\n" not in text and "phase_1_complete" in text and "p_by_deadline" in text and "person_days" in text
    for good in ("phase_1_complete.p50", "capacity_2.p_by_deadline", "person_days.mean", "first_crew.p_by_horizon"):
        assert drivers.parse_outcome(planted(), good).name == good
    for bad in ("phase_1_complete", "person_days.p_by_deadline", "phase_1_complete.mean", ""):
        with pytest.raises(InputError):
            drivers.parse_outcome(planted(), bad)


def test_too_long_is_refused_before_any_work(monkeypatch):
    ran = []
    monkeypatch.setattr(drivers.ensemble, "run", lambda *a, **k: ran.append(1))
    with pytest.raises(InputError) as exc:
        drivers.one_at_a_time(planted(), "phase_1_complete.p50", n=10**9, workers=1)
    assert "3 ensembles" in str(exc.value) and "use -n" in str(exc.value) and exc.value.field == "-n"
    assert not ran


def test_inputs_pattern_selects_and_refuses():
    sc = planted()
    all_inputs = drivers.uncertain_inputs(sc)
    assert [i.id for i in drivers.select_inputs(all_inputs, ["modules.a.*"])] == [HUGE]
    assert [i.id for i in drivers.select_inputs(all_inputs, ["*slip*"])] == [HUGE, TINY]
    with pytest.raises(InputError, match="no uncertain input matches 'risk:\\*'"):
        drivers.select_inputs(all_inputs, ["risk:*"])


# ------------------------------------------------------------------------------ command line


def test_cli_writes_its_files_and_manifest(tmp_path, capsys):
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED)
    out = tmp_path / "out"
    code = main(["drivers", str(path), "--outcome", "phase_1_complete.p90", "-n", "60", "--workers", "1",
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert HUGE in printed and TINY in printed and "what moves the 90 % date of phase 1 completion" in printed
    rows = list(csv.DictReader((out / "drivers.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["input"] for r in rows] == [HUGE, TINY]
    assert rows[0]["within_noise"] == "false" and rows[1]["within_noise"] == "true"
    assert float(rows[0]["shift_days"]) < -600 and rows[0]["value_date"] == "2032-10-08"
    assert float(rows[0]["fixed_at"]) == 1000.0
    data = json.loads((out / "drivers.json").read_text())
    assert data["outcome"] == "phase_1_complete.p90" and data["replications"] == 60
    assert data["inputs"][0]["input"] == HUGE and data["inputs"][0]["shift"]["value"] < -600
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    assert {"drivers.csv", "drivers.json", "drivers.png"} <= listed
    assert manifest["command"][:2] == ["rossim", "drivers"]

    import matplotlib.image

    img = matplotlib.image.imread(out / "drivers.png")
    assert img.shape[0] > 200 and img.shape[1] == 1100
    rgb = img[..., :3]
    assert rgb.std() > 0.05  # not blank
    blue = np.all(np.abs(rgb - np.array([0x00, 0x72, 0xB2]) / 255) < 0.02, axis=-1)
    assert blue.sum() > 500  # the dominant input's bar, beyond noise, is drawn in colour


def test_cli_unknown_outcome_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED)
    code = main(["drivers", str(path), "--outcome", "phase_9_complete.p50", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "phase_1_complete" in err
    assert not (tmp_path / "o").exists()


def test_cli_refuses_a_long_analysis_before_any_work(tmp_path, capsys):
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED)
    code = main(["drivers", str(path), "--outcome", "phase_1_complete.p50", "-n", "100000",
                 "--max-minutes", "0.01", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "more than the limit of 1 s" in err
    assert not (tmp_path / "o").exists()


def test_one_replication_is_never_beyond_noise():
    """One replication has no standard error: its shifts are unknown noise, not findings."""
    res = drivers.one_at_a_time(planted(), "phase_1_complete.p_by_deadline", n=1, workers=1)
    assert all(d.within_noise for d in res.drivers)
    json.dumps(res.to_json(), allow_nan=False)


def test_hosting_milestones_are_outcomes():
    from rossim import scenario
    from rossim.analysis import drivers

    sc = scenario.load(Path(__file__).resolve().parent.parent / "scenarios" / "ross_high_latitude.toml")
    names = drivers.outcome_names(sc)
    assert "hosting_4.p50" in names and "hosting_2.p_by_deadline" in names
    o = drivers.parse_outcome(sc, "hosting_4.p50")
    assert "hosting 4 crew routinely" in o.words(sc)
