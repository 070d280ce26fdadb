"""rossim discover: PRIM (peeling, pasting, covering) and CART over a sweep's table. A hand-made
2-D case gives the box drawn by hand; a real sweep whose goal depends on one input only restricts
exactly that input, at the date the scenario's arithmetic gives; bad goals are one line."""

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rossim import folders
from rossim.analysis import discover, sweep
from rossim.cli import main

from conftest import one_line_error

TINY = Path(__file__).parent / "data" / "tiny.toml"
#: tiny.toml is deterministic: phase 1 completes 5 days after module a is ready (tests/test_sweep.py),
#: whatever the pad's turnaround, the module's mass (the first launch needs no turnaround and
#: 15-25 t is within the heavy rocket's 30 t) or the scenario's title (levels that are words).
PLANTED = ["modules.a.ready=2030-01-01:2030-06-01", "launch_sites.pad.turnaround_days=10:60",
           "modules.a.mass_kg=15000:25000", "scenario.title=Alpha,Beta,Gamma"]


def _grid(k: int = 20) -> np.ndarray:
    a, b = np.meshgrid(np.arange(k) / (k - 1), np.arange(k) / (k - 1), indexing="ij")
    return np.column_stack([a.ravel(), b.ravel()])


def test_prim_on_a_hand_made_2d_case_finds_the_drawn_box():
    x = _grid()  # 400 points, 20 levels of each input in steps of 1/19
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.3)  # levels 12..19 of a (8) and 0..5 of b (6): 48 points
    assert y.sum() == 48
    trajectory = discover.prim(x, y)
    for before, after in zip(trajectory, trajectory[1:]):  # nested, never below the least mass
        assert not (after.inside & ~before.inside).any() and after.count < before.count
        assert after.mass >= 0.05
    assert trajectory[-1].count - math.ceil(0.05 * trajectory[-1].count) < 0.05 * 400  # peeled down to it
    box = discover.paste(x, y, trajectory[discover.choose(trajectory, 0.8)])
    assert (box.inside == y).all() and box.coverage == box.density == 1.0 and box.mass == 48 / 400
    assert 11 / 19 < box.lower[0] < 12 / 19 and box.upper[0] == np.inf
    assert 5 / 19 < box.upper[1] < 6 / 19 and box.lower[1] == -np.inf
    # Quasi-p: without a's limit the box (b <= 0.3) holds 120 points, 48 meeting the goal (0.4); without
    # b's, 160 (0.3); P(all 48 of 48 meet) at those densities.
    q = discover.quasi_p(x, y, box)
    assert q[0] == pytest.approx(0.4 ** 48, rel=1e-9) and q[1] == pytest.approx(0.3 ** 48, rel=1e-9)
    inputs = discover.Inputs(x, ("a", "b"), ("number", "number"))
    # In words: the shortest numbers that split the points as the box does (0.6 > 11/19 = 0.579, <= 12/19).
    assert discover.describe(box.lower, box.upper, inputs) == "a ≥ 0.6 and b ≤ 0.3"
    leaves, text = discover.cart(x, y, inputs)
    assert [leaf.rule for leaf in leaves] == ["a ≥ 0.6 and b ≤ 0.3"] and "met" in text


def test_peeling_stops_at_the_least_mass_and_pasting_wins_back_what_peeling_cut():
    # One input, the goal on its lowest 30 %: each peel takes the ceil(5 %) highest of the box until
    # it is pure: 100, 95, 90, ... 33, 31 (30 goal points and 1 other), then 29 (one goal point lost).
    x = (np.arange(100) / 100.0)[:, None]
    y = x[:, 0] < 0.3
    trajectory = discover.prim(x, y, peel_alpha=0.05)
    counts = [100]
    while counts[-1] - math.ceil(0.05 * counts[-1]) >= 5:  # down to the least mass, 5 points
        counts.append(counts[-1] - math.ceil(0.05 * counts[-1]))
    assert [b.count for b in trajectory] == counts and 31 in counts and 29 in counts
    assert all(b.density < 1 for b in trajectory[:counts.index(31)])  # every peel took the highest values
    assert [b.upper[0] for b in trajectory[1:]] == sorted([b.upper[0] for b in trajectory[1:]], reverse=True)
    pure = trajectory[counts.index(29)]
    assert discover.choose(trajectory, 0.8) == counts.index(31)  # the most coverage at density >= 0.8
    assert pure.density == 1.0 and pure.coverage == 29 / 30
    pasted = discover.paste(x, y, pure)  # pasting wins the lost one back, and no other
    assert pasted.count == 30 and pasted.coverage == pasted.density == 1.0
    # A goal met on 3 % of the points: peeling may not go below mass_min = 5 %.
    y = x[:, 0] < 0.03
    trajectory = discover.prim(x, y, mass_min=0.05)
    assert trajectory[-1].count == 5 and trajectory[-1].met == 3 and min(b.mass for b in trajectory) == 0.05
    # A box cut too far (only the lowest 20 of the 30 goal points) is widened back to all 30, not beyond.
    y = x[:, 0] < 0.3
    cut = discover.Box(np.array([-np.inf]), np.array([0.195]), x[:, 0] <= 0.195).stats(y)
    pasted = discover.paste(x, y, cut)
    assert pasted.count == 30 and pasted.density == 1.0 and 0.29 < pasted.upper[0] < 0.30


def test_covering_finds_a_second_box():
    x = _grid()
    y = ((x[:, 0] < 0.25) & (x[:, 1] < 0.25)) | ((x[:, 0] > 0.75) & (x[:, 1] > 0.75))
    table = pd.DataFrame({"point": np.arange(len(x)), "a": x[:, 0], "b": x[:, 1], "seed": 0, "out.mean": y * 1.0})
    res = discover.discover(table, ["a", "b"], "out.mean >= 1")
    assert len(res.boxes) == 2
    # Levels 0..4 (4/19 = 0.211 kept, 5/19 = 0.263 not: 0.22 is the shortest number between) and
    # 15..19 (15/19 = 0.789 kept, 14/19 = 0.737 not: 0.78).
    assert sorted(res.rules) == ["a ≤ 0.22 and b ≤ 0.22", "a ≥ 0.78 and b ≥ 0.78"]
    assert all(b.density == 1.0 for b in res.boxes) and sum(b.met for b in res.boxes) == y.sum()


def test_grid_levels_whole_numbers_booleans_and_dates():
    """A full grid (ties everywhere): whole levels are peeled at once, and the limits read as the
    inputs' kinds: a count, true/false, a date (the roundest between the last kept and the first cut)."""
    import itertools

    rows = list(itertools.product([1, 2, 3, 4], [False, True], pd.date_range("2030-01-01", periods=5, freq="30D")))
    table = pd.DataFrame({"point": range(len(rows)), "crew.min_crew": np.array([r[0] for r in rows], dtype=np.int64),
                          "x.flag": [r[1] for r in rows], "m.ready": np.array([r[2] for r in rows], dtype="datetime64[ms]"),
                          "seed": 0})
    paths = ["crew.min_crew", "x.flag", "m.ready"]
    table["out.mean"] = ((table["crew.min_crew"] >= 3) & table["x.flag"]).astype(float)
    res = discover.discover(table, paths, "out.mean > 0.5")
    assert res.rules == ["crew.min_crew ≥ 3 and x.flag is true"] and [leaf.rule for leaf in res.leaves] == res.rules
    assert res.boxes[0].coverage == res.boxes[0].density == 1.0
    # Levels 2030-01-01, 01-31, 03-02, ...: kept up to 01-31, cut from 03-02: the 1st of February.
    table["out.mean"] = (table["m.ready"] <= "2030-02-15").astype(float)
    res = discover.discover(table, paths, "out.mean > 0.5")
    assert res.rules == ["m.ready ≤ 2030-02-01"] and [leaf.rule for leaf in res.leaves] == res.rules
    limits = res.to_dict()["prim"]["boxes"][0]["limits"]["m.ready"]
    assert limits == {"lower": None, "upper": "2030-02-15", "quasi_p": limits["quasi_p"]}  # halfway, in days


def test_levels_that_are_words_are_peeled_a_level_at_a_time():
    """An input of words (a crew ship) as a 0/1 column per level: the goal holds for two of three
    ships when x >= 0.5; PRIM removes the third ship (it never keeps one level by peeling the
    others at once), CART splits on it, and both say so in words. A constant input is left out."""
    x = np.repeat(np.arange(40) / 40.0, 3)
    ship = np.tile(["soyuz_ms", "orel", "bigship"], 40)
    table = pd.DataFrame({"point": range(120), "crew.ship": ship, "x.v": x, "crew.mode": "visiting", "seed": 0})
    table["out.mean"] = ((ship != "bigship") & (x >= 0.5)).astype(float)
    res = discover.discover(table, ["crew.ship", "x.v", "crew.mode"], "out.mean > 0.5")
    assert res.inputs.names == ("crew.ship=soyuz_ms", "crew.ship=orel", "crew.ship=bigship", "x.v")
    assert res.inputs.left_out == ("crew.mode",) and res.inputs.levels == {"crew.ship": ("soyuz_ms", "orel", "bigship")}
    box = res.boxes[0]
    assert (box.inside == table["out.mean"].astype(bool)).all()  # exactly the goal's points
    assert res.rules == ["crew.ship is one of soyuz_ms, orel and x.v ≥ 0.5"]
    assert [leaf.rule for leaf in res.leaves] == res.rules
    assert res.to_dict()["prim"]["boxes"][0]["limits"]["crew.ship=bigship"]["is"] is False
    # One ship only: the other two are peeled one after the other.
    table["out.mean"] = ((ship == "orel") & (x >= 0.5)).astype(float)
    res = discover.discover(table, ["crew.ship", "x.v"], "out.mean > 0.5")
    assert res.rules == ["crew.ship is orel and x.v ≥ 0.5"] and res.boxes[0].coverage == res.boxes[0].density == 1.0
    assert [leaf.rule for leaf in res.leaves] == res.rules  # in the inputs' order, whatever the tree's


def test_a_level_with_fewer_points_than_a_peel_is_peeled_whole():
    """The goal is met exactly where the word input is "a" (37 of 40 points); "b" holds 3, fewer
    than a peel of ceil(10 % of 40) = 4 points (at 5 %, 2 points, it was removable already). EMA
    Workbench's categorical peel removes any one level; so does this one: "is a", pure and whole."""
    rng = np.random.default_rng(0)
    word = np.array(["a"] * 37 + ["b"] * 3)
    table = pd.DataFrame({"point": range(40), "w": word, "u": rng.uniform(size=40), "seed": 0})
    table["out.mean"] = (word == "a").astype(float)
    for alpha in (0.1, 0.05):
        res = discover.discover(table, ["w", "u"], "out.mean > 0.5", peel_alpha=alpha)
        assert res.trajectory[1].count == 37 and res.trajectory[1].density == 1.0, alpha  # the first peel: "b"
        assert res.rules == ["w is a"] and res.boxes[0].coverage == res.boxes[0].density == 1.0, alpha


def test_an_irrelevant_input_of_words_is_not_restricted(tmp_path):
    """A real sweep of 30 points: the title (three words) changes nothing. Peeling by the largest
    density (Friedman & Fisher's plain objective) removed the title 'Gamma' here, a third of the
    points at once; by the gain per point removed only the ready date is restricted."""
    argv = ["sweep", TINY, "--vary", "scenario.title=Alpha,Beta,Gamma", "--vary", "modules.a.ready=2030-01-01:2030-06-01",
            "--points", 30, "-n", 1, "--workers", 1, "--out", tmp_path / "s"]
    assert main([str(a) for a in argv]) == 0
    table, paths = discover.read_sweep(tmp_path / "s")
    res = discover.discover(table, paths, "phase_1_complete.p50 <= 2030-03-06")
    assert res.rules[0] == "modules.a.ready ≤ 2030-03-01" and res.boxes[0].coverage == res.boxes[0].density == 1.0


def test_goals_and_their_monte_carlo_uncertainty():
    day = lambda s: np.datetime64(s).astype("datetime64[ms]")  # noqa: E731
    table = pd.DataFrame({
        "point": [0, 1, 2, 3], "seed": [1, 2, 3, 4],
        "m.p50": [day("2033-01-01"), day("2034-06-01"), np.datetime64("NaT", "ms"), day("2033-12-31")],
        "m.p50_low": [day("2032-06-01"), day("2033-06-01"), day("2034-01-01"), day("2033-12-31")],
        "m.p50_high": [day("2033-06-01"), day("2035-01-01"), np.datetime64("NaT", "ms"), day("2034-02-01")],
        "m.p_by_deadline": [0.2, 0.5, 0.7, np.nan]})
    g = discover.parse_goal("m.p50 <= 2033-12-31", table)
    assert g.is_date and list(discover.evaluate(g, table)) == [True, False, False, True]  # NaT: later than any date
    assert list(discover.uncertain(g, table)) == [False, True, False, True]
    g = discover.parse_goal("m.p_by_deadline>=50%", table)
    assert g.value == 0.5 and list(discover.evaluate(g, table)) == [False, True, True, False]  # NaN meets nothing
    assert not discover.uncertain(g, table).any()  # no interval columns


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    out = tmp_path_factory.mktemp("planted") / "s"
    argv = ["sweep", TINY, *(f"--vary={v}" for v in PLANTED), "--points", 40, "-n", 1, "--seed", 3, "--workers", 1,
            "--out", out]
    assert main([str(a) for a in argv]) == 0
    return out


def test_a_goal_on_one_input_restricts_exactly_that_input(planted, capsys):
    capsys.readouterr()
    assert main(["discover", str(planted), "--goal", "phase_1_complete.p50 <= 2030-03-06"]) == 0
    printed = capsys.readouterr().out
    table = sweep.read(planted / sweep.PARQUET_FILE)
    ready = table["modules.a.ready"].dt.date
    met = ready <= dt.date(2030, 3, 1)  # ready + 5 days <= 2030-03-06
    assert 5 < met.sum() < 35
    data = json.loads((planted / "discover" / discover.JSON_FILE).read_text())
    assert data["met"] == met.sum() and data["points"] == 40
    box = data["prim"]["boxes"][0]
    assert box["restricted"] == ["modules.a.ready"] and box["coverage"] == box["density"] == 1.0
    limit = dt.date.fromisoformat(box["limits"]["modules.a.ready"]["upper"])
    assert max(ready[met]) <= limit < min(ready[~met])
    # The rule in words names a date that splits the points exactly as the box does.
    said = dt.date.fromisoformat(box["rule"].removeprefix("modules.a.ready ≤ "))
    assert max(ready[met]) <= said < min(ready[~met])
    assert f"box 1: {box['rule']}" in printed and "coverage 100%" in printed
    assert [leaf["restricted"] for leaf in data["cart"]] == [["modules.a.ready"]]
    files = {f["path"] for f in folders.read_manifest(planted / "discover")["files"]}
    assert {"prim_tradeoff.png", "prim_box_limits.png", "pairs.png", "boxes.csv", "cart.txt",
            "prim_trajectory.csv"} <= files
    assert "discover/pairs.png" in {f["path"] for f in folders.read_manifest(planted)["files"]}
    boxes = pd.read_csv(planted / "discover" / discover.BOXES_FILE)
    assert list(boxes["method"]) == ["prim", "cart"] and list(boxes["rule"]) == [box["rule"]] * 2
    # Again with another goal: the earlier discovery (rossim's) is replaced.
    assert main(["discover", str(planted), "--goal", "phase_1_complete.p50 > 2030-03-06"]) == 0
    data = json.loads((planted / "discover" / discover.JSON_FILE).read_text())
    assert data["prim"]["boxes"][0]["rule"].startswith("modules.a.ready ≥ ")


@pytest.mark.parametrize("goal, needles", [
    ("phase_1_complete.p50", ["--goal", "expected COLUMN OP VALUE"]),
    ("phase_1_complete.p50 <= soon", ["phase_1_complete.p50 is a date: expected an ISO date"]),
    ("phase_1_complete.p50 <= 2030-02-30", ["expected an ISO date"]),
    ("phase_1_complet.p50 <= 2030-03-01", ["no column 'phase_1_complet.p50'", "did you mean phase_1_complete.p50"]),
    ("launches.mean >= many", ["launches.mean is a number: expected a number"]),
    ("phase_1_complete.p50 <= 2040-01-01", ["all 40 points meet", "nothing separates them"]),
    ("phase_1_complete.p50 < 2020-01-01", ["none of the 40 points meets"]),
    # Only outcomes are goals: not an input, the point or its seed, nor an end of an interval.
    ("seed > 3", ["seed is the seed of the point's random numbers, not an outcome", "a goal is on an outcome column"]),
    ("point > 3", ["point is the number of the design point, not an outcome"]),
    ("modules.a.ready <= 2030-03-01", ["modules.a.ready is an input the sweep varied (--vary), not an outcome"]),
    ("launch_sites.pad.turnaround_days < 30", ["is an input the sweep varied"]),
    ("phase_1_complete.p50_high <= 2030-03-06",
     ["phase_1_complete.p50_high is the upper end of the 95 % Monte Carlo interval of phase_1_complete.p50"]),
    ("launches.mean_low > 1", ["the lower end of the 95 % Monte Carlo interval of launches.mean",
                               "give the goal on launches.mean"]),
])
def test_bad_goals_are_one_line(planted, capsys, goal, needles):
    before = (planted / "manifest.json").read_bytes()
    one_line_error(capsys, ["discover", planted, "--goal", goal], *needles)
    assert (planted / "manifest.json").read_bytes() == before


def test_what_is_not_a_finished_sweep_is_refused(planted, tmp_path, capsys):
    one_line_error(capsys, ["discover", tmp_path / "none", "--goal", "a.p50 < 2030-01-01"], "does not exist")
    (tmp_path / "mine").mkdir()
    one_line_error(capsys, ["discover", tmp_path / "mine", "--goal", "a.p50 < 2030-01-01"],
                   "is not a rossim sweep folder")
    one_line_error(capsys, ["discover", planted, "--goal", "phase_1_complete.p50 <= 2030-03-06", "--threshold", "2"],
                   "--threshold: expected a number in (0, 1]")
    # A foreign discover/ folder is never replaced.
    other = tmp_path / "copy"
    import shutil

    shutil.copytree(planted, other)
    shutil.rmtree(other / "discover", ignore_errors=True)  # whether or not discover ran on it before
    (other / "discover").mkdir()
    (other / "discover" / "notes.txt").write_text("mine")
    one_line_error(capsys, ["discover", other, "--goal", "phase_1_complete.p50 <= 2030-03-06"],
                   "holds files rossim did not write")
    assert [p.name for p in (other / "discover").iterdir()] == ["notes.txt"]
    # A damaged table, an unfinished sweep: one line each.
    damaged = tmp_path / "damaged"
    shutil.copytree(planted, damaged)
    (damaged / sweep.PARQUET_FILE).write_bytes(b"PAR1 not really")
    one_line_error(capsys, ["discover", damaged, "--goal", "phase_1_complete.p50 <= 2030-03-06"],
                   f"{damaged / sweep.PARQUET_FILE}: cannot be read as a sweep's table")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(planted, unfinished)
    manifest = json.loads((unfinished / "manifest.json").read_text())
    (unfinished / "manifest.json").write_text(json.dumps({**manifest, "finished_utc": None}))
    one_line_error(capsys, ["discover", unfinished, "--goal", "phase_1_complete.p50 <= 2030-03-06"],
                   "holds an unfinished sweep; run the same rossim sweep command again")
