"""Global sensitivity (first-order Sobol' indices from recorded draws): the estimator against
analytic indices (the Ishigami function, a count input, an input drawn only sometimes), against
SALib's RBD-FAST (an independent implementation) and at its nominal coverage; the recording
against the plain simulation; a planted dominant input on a real campaign; the command line."""

import csv
import json

import numpy as np
import pytest

from rossim import ensemble, scenario
from rossim.analysis import sensitivity
from rossim.campaign import Plan, simulate
from rossim.campaign.recording import draw_labels, simulate_recording
from rossim.cli import main
from rossim.errors import InputError
from test_drivers import HUGE, PLANTED, TINY, planted

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def ishigami(n, rng, a=7.0, b=0.1):
    """The Ishigami function on U(-pi, pi)^3 and its analytic first-order indices
    (Ishigami & Homma 1990; e.g. Saltelli et al., Global Sensitivity Analysis: The Primer, 2008)."""
    x = rng.uniform(-np.pi, np.pi, size=(n, 3))
    y = np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return x, y, np.array([v1 / var, v2 / var, 0.0])


def test_ishigami_indices_match_their_analytic_values():
    rng = np.random.default_rng(11)
    x, y, exact = ishigami(4000, rng)  # exact: 0.3139, 0.4424, 0
    for j in range(3):
        s = sensitivity.first_order(x[:, j], y, rng)
        assert s.low <= exact[j] <= s.high, (j, s, exact[j])
        assert abs(s.value - exact[j]) < 0.03
    assert sensitivity.first_order(x[:, 2], y, rng).low <= 0.0  # X3 alone explains nothing


def test_agrees_with_salib_rbd_fast_on_continuous_inputs():
    from SALib.analyze import rbd_fast

    rng = np.random.default_rng(5)
    x, y, _ = ishigami(4000, rng)
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    theirs = rbd_fast.analyze(problem, x, y, seed=1)
    for j in range(3):
        ours = sensitivity.first_order(x[:, j], y, rng)
        assert abs(ours.value - theirs["S1"][j]) < 0.04, (j, ours.value, theirs["S1"][j])


def test_a_count_input_gets_its_analytic_index():
    # y = 2 C + e, C ~ Poisson(0.5), e ~ N(0, 1): S = 4 * 0.5 / (4 * 0.5 + 1) = 2/3. Each count is
    # its own class (no binning), which RBD-FAST's few harmonics underestimate (0.86 for 0.93).
    rng = np.random.default_rng(3)
    c = rng.poisson(0.5, 3000).astype(float)
    y = 2 * c + rng.normal(size=c.size)
    s = sensitivity.first_order(c, y, rng)
    assert s.low <= 2 / 3 <= s.high and abs(s.value - 2 / 3) < 0.03


def test_an_input_drawn_only_sometimes_is_credited_with_its_value_only():
    # D ~ Bernoulli(1/2) says whether X ~ U(0, 1) is drawn; y = 3 D + D Z(X) + e with Z the
    # standardised X. Var y = 9/4 + 1/2 + 1 = 3.75; whether it was drawn explains 9/4, its value
    # 1/2 more: the index of X's value is 0.5 / 3.75 = 0.133.
    rng = np.random.default_rng(8)
    n = 4000
    d = rng.random(n) < 0.5
    u = rng.random(n)
    y = 3 * d + d * np.sqrt(12) * (u - 0.5) + rng.normal(size=n)
    x = np.where(d, u, np.nan)
    s = sensitivity.first_order(x, y, rng)
    assert s.low <= 0.5 / 3.75 <= s.high and abs(s.value - 0.5 / 3.75) < 0.03
    # and an input whose value does nothing, drawn only when something that matters happened
    s0 = sensitivity.first_order(np.where(d, rng.random(n), np.nan), y, rng)
    assert s0.low <= 0.0 < s0.high


def test_intervals_cover_at_their_nominal_rate():
    # y = Z(x) + e: S = 1/2. 95 % intervals from 60 independent samples of 600: the number that
    # cover is Binomial(60, 0.95) if they are right; below 52 happens with probability < 0.5 %.
    rng = np.random.default_rng(21)
    cover = 0
    for _ in range(60):
        x = rng.random(600)
        y = np.sqrt(12) * (x - 0.5) + rng.normal(size=600)
        s = sensitivity.first_order(x, y, rng)
        cover += s.low <= 0.5 <= s.high
    assert cover >= 52


def test_classes_one_per_count_equal_sized_bins_and_not_drawn_apart():
    c, k, none = sensitivity.classes(np.array([0.0, 2.0, 1.0, 0.0, np.nan]))
    assert (k, none) == (4, 3) and c.tolist() == [0, 2, 1, 0, 3]
    x = np.random.default_rng(1).random(400)
    c, k, none = sensitivity.classes(x)
    assert none is None and k == 20 and np.bincount(c).tolist() == [20] * 20
    assert np.all(np.diff(c[np.argsort(x)]) >= 0)  # classes follow the values


# ------------------------------------------------------------------------------ the campaign


def test_recording_changes_nothing_and_names_every_uncertain_input():
    sc = scenario.load(ROOT / "scenarios" / "ross_high_latitude.toml")
    plan = Plan.from_scenario(sc)
    labels = draw_labels(sc, plan)
    seen = set()
    for i in range(6):
        rng = lambda: np.random.Generator(np.random.PCG64(ensemble.stream(3, i)))  # noqa: E731
        plain = simulate(plan, rng(), i)
        rep, drawn = simulate_recording(plan, rng(), i, labels)
        assert rep.events == plain.events and rep.milestones == plain.milestones
        seen |= set(drawn)
    from rossim.analysis.drivers import uncertain_inputs

    distributions = {i.id for i in uncertain_inputs(sc) if i.kind == "distribution"}
    assert distributions - set(labels.values()) == set()  # every one is recognised when drawn
    assert {"modules.nem.slip_days", "launch_vehicles.soyuz_2_1b.success_probability"} <= seen


def test_planted_dominant_input_explains_nearly_everything():
    res = sensitivity.sobol(planted(), "phase_1_complete.p_by_deadline", n=300)
    first, second = res.indices
    assert first.input.id == HUGE and second.input.id == TINY
    assert first.value.value > 0.85 and not first.within_noise
    assert second.within_noise
    again = sensitivity.sobol(planted(), "phase_1_complete.p_by_deadline", n=300)
    assert again.to_json() | {"elapsed_s": 0} == res.to_json() | {"elapsed_s": 0}


def test_a_risk_is_recorded_as_how_often_it_happened():
    sc = planted(["launch_vehicles.heavy.success_probability=0.7"])
    res = sensitivity.sobol(sc, "phase_1_complete.p_by_deadline", n=200, inputs=["risk:*"])
    (risk,) = res.indices
    assert risk.what == "launch failures"
    # a launch fails in 1 - 0.7^2 of the replications (two launches) at least
    assert 0.45 < risk.drawn_share < 0.75


def test_too_few_replications_refused():
    with pytest.raises(InputError, match="at least 20"):
        sensitivity.sobol(planted(), "phase_1_complete.p50", n=5)


def test_cli_method_sobol_writes_its_files(tmp_path, capsys):
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED)
    out = tmp_path / "out"
    assert main(["drivers", str(path), "--outcome", "phase_1_complete.p50", "--method", "sobol", "-n", "100",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "what explains the spread" in printed and HUGE in printed
    rows = list(csv.DictReader((out / sensitivity.CSV_FILE).read_text(encoding="utf-8").splitlines()))
    assert [r["input"] for r in rows] == [HUGE, TINY] and float(rows[0]["first_order_index"]) > 0.9
    data = json.loads((out / sensitivity.JSON_FILE).read_text())
    assert data["replications"] == 100 and data["inputs"][0]["input"] == HUGE
    manifest = json.loads((out / "manifest.json").read_text())
    assert {sensitivity.CSV_FILE, sensitivity.JSON_FILE, sensitivity.FIGURE_FILE} <= {f["path"] for f in manifest["files"]}


def test_cli_sobol_bad_count_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "planted.toml"
    path.write_text(PLANTED)
    code = main(["drivers", str(path), "--outcome", "phase_1_complete.p50", "--method", "sobol", "-n", "3",
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "at least 20" in err[0]
    assert not (tmp_path / "o").exists()


def test_the_library_gives_both_methods_as_tables_and_figures():
    import rossim

    sc = planted()
    oat = rossim.drivers(sc, "phase_1_complete.p90", n=60, workers=1)
    assert list(oat["input"]) == [HUGE, TINY] and oat.loc[1, "shift"] < -600 and not oat.loc[1, "within_noise"]
    idx = rossim.drivers(sc, "phase_1_complete.p50", method="sobol", n=100)
    assert list(idx["input"]) == [HUGE, TINY] and idx.loc[1, "index"] > 0.9 and idx.loc[2, "within_noise"]
    for table in (oat, idx):
        fig = rossim.drivers_figure(table)
        assert len(fig.axes[0].patches) == 2  # a bar per input
    plain = idx.copy()
    plain.attrs = {}
    with pytest.raises(ValueError, match="rossim.drivers"):
        rossim.drivers_figure(plain)
