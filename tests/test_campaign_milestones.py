"""Milestones derived from the scenario (issue 8 §1 item 7): one ``phase_<n>_complete`` per phase,
``room_for_N`` / ``capacity_N`` per crew target of the phases and per level the scenario adds
(``simulation.crew_milestones``), through the model, the summary, the files and the report."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from test_campaign import TINY

from rossim import campaign, cli, compare, ensemble, scenario
from rossim.campaign import milestones
from rossim.errors import InputError

SCENARIOS = Path(__file__).parent.parent / "scenarios"

#: What rossim reported before milestones were derived (phases 1-2, crews of 2 and 4).
SHIPPED = ("first_crew", "room_for_2", "capacity_2", "room_for_4", "capacity_4",
           "phase_1_complete", "phase_2_complete")

#: tiny.toml (every quantity fixed) with a third phase: module C docks to B's third port, and
#: phase 3 wants 6 crew; the scenario adds a crew level of 3.
THREE_PHASES = TINY.read_text().replace('ports = ["z", "w"]', 'ports = ["z", "w", "v"]').replace(
    "seed = 1", "seed = 1\ncrew_milestones = [3]") + """
[modules.c]
name = "Module C"
phase = 3
mass_kg = 20000.0
launch_vehicle = "heavy"
launch_site = "pad"
ready = 2030-01-01
docks_to = "b.v"
berths = 2
life_support_crew = 2
rendezvous_days = 2.0
commissioning_days = 3.0

[[phases]]
number = 3
crew_target = 6
"""
THREE_NAMES = ("first_crew", "room_for_2", "capacity_2", "room_for_3", "capacity_3", "room_for_4", "capacity_4",
               "room_for_6", "capacity_6", "phase_1_complete", "phase_2_complete", "phase_3_complete")


def three_phases(overrides=()):
    return scenario.loads(THREE_PHASES, str(TINY), list(overrides))


def test_three_phases_by_hand():
    """As tiny.toml (see test_campaign.test_hand_computed_dates) up to B, commissioned on day 44
    (phase 2: target 4; the first crew's ship, 3 seats, is docked: capacity 3). Slot 1 flies
    that day, docks 44.25 (6 return seats). C waits for B (docked day 41); the heavy vehicle
    flew on day 39 and flies again 30 days later: C launches day 69, docks 71, is commissioned
    74: phase 3, berths and life support 6, power 10 kW at 1 kW a crew: room for 6 and, with
    two 3-seat ships docked, capacity 6."""
    r = campaign.simulate(three_phases(), np.random.default_rng(0))
    assert tuple(r.milestones) == THREE_NAMES
    assert r.milestones == {"first_crew": 14.25, "room_for_2": 14.0, "capacity_2": 14.25,
                            "room_for_3": 44.0, "capacity_3": 44.0, "room_for_4": 44.0, "capacity_4": 44.25,
                            "room_for_6": 74.0, "capacity_6": 74.0,
                            "phase_1_complete": 14.0, "phase_2_complete": 44.0, "phase_3_complete": 74.0}
    assert r.module_docked == {"a": 9.0, "b": 41.0, "c": 71.0}


def test_three_phases_through_rossim_run(tmp_path):
    """summary.json, replications.csv and report.html of `rossim run` report phase 3 and a crew of 6."""
    path = tmp_path / "three.toml"
    path.write_text(THREE_PHASES)
    three_phases()  # the same text is a valid scenario
    out = tmp_path / "run"
    assert cli.main(["run", str(path), "-n", "3", "--workers", "1", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    hosting = ("hosting_2", "hosting_3", "hosting_4", "hosting_6")  # one per crew level, computed after the run
    assert tuple(summary["milestones"]) == THREE_NAMES + hosting
    assert summary["milestones"]["phase_3_complete"]["p50"] == "2030-03-16"  # day 74
    assert summary["milestones"]["capacity_6"]["p50"] == "2030-03-16"
    assert summary["milestones"]["capacity_6"]["probability"] == 1.0
    with open(out / "replications.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [m for m in (c[:-4] for c in rows[0] if c.endswith("_day"))] == list(THREE_NAMES + hosting)
    assert {r["phase_3_complete_day"] for r in rows} == {"74"} and {r["capacity_6_date"] for r in rows} == {"2030-03-16"}
    html = (out / "report.html").read_text()
    assert "Phase 3 complete" in html and "Crew capacity ≥ 6" in html and "Room for 3 crew" in html
    # Read back and compared with a two-phase run: the table has the milestones both report.
    run = compare.read_run(out)
    assert run.milestones == list(THREE_NAMES + hosting)
    two = tmp_path / "two"
    assert cli.main(["run", str(TINY), "-n", "3", "--workers", "1", "--no-report", "--out", str(two)]) == 0
    comp = compare.compare_runs([run, compare.read_run(two)])
    keys = list(dict.fromkeys(row.key for row in comp.rows if row.key in THREE_NAMES))
    assert keys == list(SHIPPED)


def test_shipped_scenarios_report_the_milestones_they_did():
    for path in sorted(SCENARIOS.glob("*.toml")):
        sc = scenario.load(path)
        assert campaign.milestone_names(sc) == SHIPPED, path.name
        assert campaign.Plan.from_scenario(sc).milestones == SHIPPED


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_milestone_values_are_the_step_functions_first_crossings(path):
    """Each milestone's value, checked against what the replication shows otherwise: the first
    time its capacity step function reaches N (capacity_N), its crew aboard is positive
    (first_crew), the phase's completion event (phase_<n>_complete); room for N comes no later
    than capacity N."""
    sc = scenario.load(path)
    ens = ensemble.run(sc, n=20, seed=11, workers=1)
    for r in ens.replications:
        def first(mask):
            return float(r.capacity_t[np.argmax(mask)]) if mask.any() else np.nan
        expected = {"first_crew": first(r.crew_aboard > 0)}
        for n in (2, 4):
            expected[f"capacity_{n}"] = first(r.capacity >= n)
        for n in (1, 2):
            done = [t for t, k, s, _ in r.events if k == "phase_complete" and s == f"phase_{n}"]
            expected[f"phase_{n}_complete"] = done[0] if done else np.nan
        for name, value in expected.items():
            np.testing.assert_equal(r.milestones[name], value, err_msg=f"{name} of replication {r.index}")
        for n in (2, 4):
            assert not r.milestones[f"room_for_{n}"] > r.milestones[f"capacity_{n}"]


def test_names_read_back():
    assert milestones.names((1, 3), (2, 6)) == ("first_crew", "room_for_2", "capacity_2", "room_for_6",
                                                "capacity_6", "phase_1_complete", "phase_3_complete")
    assert milestones.from_names(THREE_NAMES) == ((1, 2, 3), (2, 3, 4, 6))
    assert milestones.from_names(SHIPPED) == ((1, 2), (2, 4))
    assert milestones.from_names(("first_crew", "room_for_2", "phase_1_complete")) is None  # no capacity_2
    assert milestones.from_names(("room_for_2", "capacity_2", "phase_1_complete")) is None  # no first_crew
    assert milestones.from_names(("first_crew", "phase_2_complete", "phase_1_complete")) is None
    assert milestones.from_names(("first_crew", "x")) is None
    assert milestones.parse("capacity_12") == ("capacity", 12) and milestones.parse("capacity_0") is None
    assert milestones.crew_levels((4, 2, 4), (3, 2)) == (2, 3, 4)


@pytest.mark.parametrize("levels, message", [
    ("[7]", "a crew of 7 can never be reached: the largest crew target of the phases is 6"),
    ("[0]", "greater than 0"),
    ("[true]", "valid integer"),
    ("[2.5]", "valid integer"),
    ('"3"', "valid list"),
])
def test_crew_milestones_are_validated(levels, message):
    with pytest.raises(InputError, match="simulation.crew_milestones") as err:
        scenario.loads(THREE_PHASES.replace("crew_milestones = [3]", f"crew_milestones = {levels}"), "x.toml")
    assert message in str(err.value)
