"""Regression tests for the campaign defects of issue 8 (section 1, items 1-6): each failed on the
model before its fix."""

from pathlib import Path

import numpy as np
from test_campaign import TINY, kinds, run

from rossim import campaign, scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def tiny_with_c(docks_to: str, overrides=()) -> scenario.Scenario:
    """tiny.toml with a third module C (phase 2, on the heavy vehicle, ready at the start) docking
    to ``docks_to``; ``overrides`` may change any of C's fields."""
    text = TINY.read_text() + f"""
[modules.c]
name = "Module C"
phase = 2
mass_kg = 5000.0
launch_vehicle = "heavy"
launch_site = "pad"
ready = 2030-01-01
docks_to = "{docks_to}"
"""
    return scenario.loads(text, str(TINY), list(overrides))


# ---------------------------------------------------------------- 1. no docking lottery without a target
def test_core_is_in_orbit_when_its_launch_succeeds():
    """The core (no docks_to) has nothing to dock to: however bad its docking odds, it never logs
    a docking failure and is never lost after a good launch; commissioning still applies."""
    overrides = ["modules.a.docking_success_probability=0.01", "modules.a.max_docking_attempts=1"]
    for seed in range(10):
        r = run(overrides, seed)
        assert not kinds(r, "docking_failed", "a") and r.module_lost["a"] == 0
        assert r.module_docked["a"] == 9.0  # launched day 9, no rendezvous
        assert kinds(r, "commissioned", "a") == [14.0]  # + 5 days of commissioning


def test_free_flyer_is_in_orbit_when_its_launch_succeeds():
    """A module that becomes the core because its target left is in orbit on its launch day."""
    overrides = ["modules.a.present_at_start=true", "modules.a.departs=2030-02-01",
                 "modules.b.ready=2030-03-01", "modules.b.if_target_departs=free_flyer",
                 "modules.b.docking_success_probability=0.01", "modules.b.max_docking_attempts=1"]
    for seed in range(10):
        r = run(overrides, seed)
        assert kinds(r, "free_flyer", "b") == [59.0]
        assert not kinds(r, "docking_failed", "b") and r.module_lost["b"] == 0
        assert r.module_docked["b"] == 59.0


def test_shipped_scenarios_log_no_docking_failure_without_a_target():
    for path in sorted(SCENARIOS.glob("*.toml")):
        sc = scenario.load(path)
        plan = campaign.Plan.from_scenario(sc)
        cores = {k for k, m in sc.modules.items() if m.docks_to is None}
        for seed in range(40):
            r = campaign.simulate(plan, np.random.default_rng(seed))
            free = {s: t for t, k, s, _ in r.events if k == "free_flyer"}
            for t, k, s, _ in r.events:
                if k == "docking_failed":
                    assert s not in cores and not (s in free and t >= free[s]), (path.name, seed, s)


# ---------------------------------------------------------------- 2. on_loss = "drop" cascades
def test_dropping_the_core_drops_what_docks_to_it_and_completes_no_phase():
    """The core A is lost at launch and dropped: B, which was to dock to it, is dropped with it
    (it used to wait for A forever), and no phase completes with nothing built (phase 1 used to
    complete on the day A was dropped)."""
    r = run(["modules.a.on_loss=drop", "launch_vehicles.heavy.success_probability=0.0",
             "modules.b.if_target_departs=drop"])  # the schema wants the cascade said
    assert kinds(r, "dropped", "a") == [9.0] and kinds(r, "dropped", "b") == [9.0]
    assert [d for _, k, s, d in r.events if k == "dropped" and s == "b"] == ["a was dropped"]
    assert not kinds(r, "phase_complete")
    assert np.isnan(r.milestones["phase_1_complete"]) and np.isnan(r.milestones["phase_2_complete"])
    assert r.launches == 1 and not r.module_docked


def test_a_module_that_may_fly_free_outlives_its_dropped_target():
    """B says it may fly free (if_target_departs = "free_flyer"): when A is dropped, B becomes the
    core, in orbit on its launch day. Phase 1 (A alone, nothing built) never completes."""
    r = run(["modules.a.on_loss=drop", "launch_vehicles.heavy.success_probability=0.0",
             "modules.b.if_target_departs=free_flyer", "launch_vehicles.heavy.min_days_between_flights=0.0"])
    assert kinds(r, "dropped", "a") == [9.0] and not kinds(r, "dropped", "b")
    assert kinds(r, "free_flyer", "b") == [9.0]
    assert [d for _, k, s, d in r.events if k == "free_flyer"] == ["a was dropped; it becomes the core"]
    assert np.isnan(r.milestones["phase_1_complete"])


def test_drop_cascades_down_the_docking_tree():
    """C docks to B, which docks to A: dropping A drops B and C at once."""
    sc = tiny_with_c("b.w", ["modules.a.on_loss=drop", "launch_vehicles.heavy.success_probability=0.0",
                             "modules.b.if_target_departs=drop",
                             'crew_ships.capsule.ports=["a.y", "b.z"]'])
    r = campaign.simulate(sc, np.random.default_rng(0))
    dropped = [(t, s, d) for t, k, s, d in r.events if k == "dropped"]
    assert dropped == [(9.0, "a", ""), (9.0, "b", "a was dropped"), (9.0, "c", "b was dropped")]


def test_phase_completes_without_its_dropped_module_when_something_of_it_is_built():
    """Phase 2 is B and C (both docking to A); B is lost and dropped, C is commissioned: phase 2
    completes at C's commissioning, and says what it went without."""
    sc = tiny_with_c("a.v", ['modules.a.ports=["x", "y", "v"]', "modules.b.on_loss=drop",
                             "modules.b.docking_success_probability=0.01", "modules.b.max_docking_attempts=1",
                             "modules.c.launch_vehicle=crew_rocket", "modules.c.launch_site=crew_pad",
                             "modules.c.ready=2030-03-01", "modules.c.commissioning_days=1.0"])
    for seed in range(5):
        r = campaign.simulate(sc, np.random.default_rng(seed))
        if "b" in r.module_docked:
            continue
        (done,) = kinds(r, "commissioned", "c")
        assert r.milestones["phase_2_complete"] == done
        assert [d for _, k, s, d in r.events if k == "phase_complete" and s == "phase_2"] == ["without b"]


# ---------------------------------------------------------------- 4. no docking to a module that has left
DEPARTS_DAY_10 = ["modules.a.present_at_start=true", "modules.a.departs=2030-01-11", "modules.b.ready=2030-01-10"]


def test_module_on_its_way_when_its_target_leaves_is_dropped_or_flies_free():
    """B launches on day 9 (port claimed, A still there) and arrives on day 11; A left on day 10.
    B used to dock to A anyway."""
    r = run(DEPARTS_DAY_10)
    assert kinds(r, "launch", "b") == [9.0]
    assert "b" not in r.module_docked
    assert [(t, d) for t, k, s, d in r.events if k == "dropped"] == [(11.0, "a has left the station")]
    r = run(DEPARTS_DAY_10 + ["modules.b.if_target_departs=free_flyer"])
    assert kinds(r, "free_flyer", "b") == [11.0]
    assert r.module_docked["b"] == 11.0  # in orbit as the core: no docking attempt
    assert not kinds(r, "docking_failed", "b")
    assert [d for t, k, s, d in r.events if k == "docked" and s == "b"] == [""]


def test_module_whose_target_leaves_before_its_launch_day_does_not_fly():
    """B's port is claimed on day 9.5, its launch is booked for day 10; A leaves on day 10. B is
    dropped without flying or, if it may fly free, flies that day as the core (its booking given
    back and taken again)."""
    r = run(DEPARTS_DAY_10 + ["modules.b.slip_days=0.5"])
    assert not kinds(r, "launch", "b")
    assert kinds(r, "dropped", "b") == [10.0]
    r = run(DEPARTS_DAY_10 + ["modules.b.slip_days=0.5", "modules.b.if_target_departs=free_flyer"])
    assert kinds(r, "free_flyer", "b") == kinds(r, "launch", "b") == [10.0]
    assert r.module_docked["b"] == 10.0



# ---------------------------------------------------------------- 5. a cancelled flight gives its bookings back
def test_cancelled_flight_releases_its_vehicle_and_pad():
    """Visiting mode, room for 4 from the start, one crew rocket with 40 days between flights.
    Slot 0's visits (30 days, then 20 days apart) launch on days 14 and 65; slot 1's ship, to join
    the second visit, gets the rocket only on day 65 + 40 = 105, after that visit ended (95.25):
    it is called off. Slot 0's third visit is due on 65.25 + 50 = 115.25 and flies on day 116,
    the rocket's cadence satisfied (116 >= 65 + 40). The cancelled booking used to hold the rocket
    until 105 + 40 = 145, so the visit flew 30 days late."""
    r = run(["crew.mode=visiting", "crew.visit_days=30.0", "crew.days_between_visits=20.0",
             "launch_vehicles.crew_rocket.min_days_between_flights=40.0", "modules.a.berths=4",
             "modules.a.life_support_crew=4", "phases.0.crew_target=4", "modules.b.ready=2030-12-01"])
    slot0 = [t for t, k, s, _ in r.events if k == "launch" and s.startswith("capsule#0.")]
    assert np.diff(slot0[:4]).tolist() == [51.0, 51.0, 51.0]  # was [51, 80, 80]
    assert slot0[:4] == [14.0, 65.0, 116.0, 167.0]
    assert kinds(r, "flight_cancelled")[:2] == [105.0, 156.0]


# ---------------------------------------------------------------- 6. a relieved crew's ship is not a lifeboat
def test_capacity_during_a_handover_overlap_counts_only_the_arriving_ships_seats():
    """Permanent mode, 30-day increments, 10-day overlap, a third port on A, 20 days between crew
    rockets. Slot 0's crew (2) arrives at 14.25, its relief at 34.25; the relieved ship stays
    docked until 44.25. B makes room for 4 at 44, but the only ship whose seats are the station's
    is the relief's (3): capacity 3 until slot 1's ship docks at 54 + 0.25. The relieved ship's
    seats used to count, giving capacity_4 at 44.0, with three seats for the crew aboard."""
    r = run(["crew.increment_days=30.0", "crew.handover_overlap_days=10.0", 'modules.a.ports=["x", "y", "v"]',
             'crew_ships.capsule.ports=["a.y", "a.v", "b.z", "b.w"]',
             "launch_vehicles.crew_rocket.min_days_between_flights=20.0"])
    arrivals = kinds(r, "crew_arrived")
    assert r.milestones["capacity_4"] == arrivals[2]  # slot 1's ship; was 44.0
    assert r.capacity[r.capacity_t < arrivals[2]].max() == 3
    assert arrivals[:3] == [14.25, 34.25, 54.25] and r.milestones["room_for_4"] == 44.0


# ---------------------------------------------------------------- 3. ships leave with their module, or move first
def test_ship_at_a_departing_module_leaves_with_it_and_its_crew_too():
    """B (present at the start, docked to A) holds the only crew ship ports: the crew aboard at
    the start is at B.z, and a second ship brings the fourth crew member to B.w on day 0.25. B
    leaves on day 31: both ships go with it and so do their crews, and the station has no crew
    and no lifeboat left (the crews used to stay aboard, the ships counted as lifeboats)."""
    r = run(["modules.a.present_at_start=true", "modules.b.present_at_start=true", "modules.b.departs=2030-02-01",
             "crew.crew_at_start=2", 'crew_ships.capsule.ports=["b.z", "b.w"]'])
    assert kinds(r, "departed", "b") == [31.0]
    assert [(t, d) for t, k, s, d in r.events if k == "crew_departed"] == [
        (31.0, "2 crew (left with b)"), (31.0, "1 crew (left with b)")]
    after = r.capacity_t >= 31.0
    assert r.crew_aboard[after].max() == 0 and r.capacity[after].max() == 0


def test_ship_at_a_departing_module_moves_to_a_free_port_first():
    """C (present at the start, docked to A) leaves on day 59. The crew aboard at the start is at
    A.y; its relief docks at C.p on day 50.25 and the relieved ship leaves A.y at once (no
    overlap). When C leaves, the relief's ship moves to A.y, and the crew stays with its lifeboat."""
    sc = tiny_with_c("a.v", ["modules.a.present_at_start=true", 'modules.a.ports=["x", "y", "v"]',
                             "modules.c.present_at_start=true", 'modules.c.ports=["p"]',
                             "modules.c.departs=2030-03-01", "modules.b.ready=2030-12-01", "crew.crew_at_start=2",
                             'crew_ships.capsule.ports=["a.y", "c.p"]'])
    r = campaign.simulate(sc, np.random.default_rng(0))
    assert kinds(r, "crew_arrived")[:2] == [0.0, 50.25]
    assert [(t, d) for t, k, s, d in r.events if k == "relocated"] == [(59.0, "c.p -> a.y (c leaves)")]
    at = np.searchsorted(r.capacity_t, 59.0, side="right") - 1
    assert r.crew_aboard[at] == 2 and r.capacity[at] == 2
