"""The campaign model against hand-computed dates and known probabilities."""

from pathlib import Path

import numpy as np
import pytest

from rossim import campaign, scenario

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"


def run(overrides=(), seed=0, path=TINY):
    sc = scenario.load(path, list(overrides))
    return campaign.simulate(sc, np.random.default_rng(seed))


def kinds(rep, kind, subject=None):
    return [t for t, k, s, _ in rep.events if k == kind and (subject is None or s == subject)]


def test_hand_computed_dates():
    """tiny.toml, every quantity fixed. By hand:
    A (the core: nothing to dock to) ready day 9 (2030-01-10), launches the same day and is in
    orbit, commissioned at 9+5 = 14 (phase 1 complete); the first crew (2, the phase-1 target)
    launches at the next daily opportunity, day 14, and docks 0.25 d later. B is ready at day 0
    but waits for A (day 9); the heavy vehicle flies again only 30 days after day 9, so B launches
    day 39, docks 41, is commissioned 44 (phase 2). Slot 1 (crew beyond the 3 seats of one
    capsule) flies day 44 with one crew: capacity 4 at 44.25 (return seats 6, berths 4, life
    support 4, phase target 4). Rotations every 100 days: slot 0 at 114, 214, 314 (+0.25), slot 1
    at 144, 244, 344.
    """
    r = run()
    # Room for 2 (berths, life support, phase target) from A's commissioning, for 4 from B's;
    # the capacity (with return seats) follows when the crews' ships dock.
    assert r.milestones == {"first_crew": 14.25, "room_for_2": 14.0, "capacity_2": 14.25,
                            "room_for_4": 44.0, "capacity_4": 44.25,
                            "phase_1_complete": 14.0, "phase_2_complete": 44.0}
    assert kinds(r, "launch", "a") == [9.0]
    assert kinds(r, "launch", "b") == [39.0]
    assert r.module_docked == {"a": 9.0, "b": 41.0}
    assert kinds(r, "crew_arrived") == [14.25, 44.25, 114.25, 144.25, 214.25, 244.25, 314.25, 344.25]
    # 2 crew x 30 d + 3 x 70 d + 4 x (365 - 114.25) d
    assert r.person_days == pytest.approx(2 * 30 + 3 * 70 + 4 * 250.75)
    assert r.launches == 10 and r.losses == 0
    assert r.fraction_crewed == pytest.approx((365 - 14.25) / 365)


def test_pad_turnaround_and_cadence_delay_launches():
    # With 60 days between heavy flights, B (waiting since day 11) flies on day 9 + 60.
    r = run(["launch_vehicles.heavy.min_days_between_flights=60"])
    assert kinds(r, "launch", "b") == [69.0]
    # A pad turnaround longer than the vehicle cadence becomes the binding one.
    r = run(["launch_sites.pad.turnaround_days=45.5"])
    assert kinds(r, "launch", "b") == [55.0]  # next daily opportunity after 9 + 45.5


def test_nothing_docks_before_its_target():
    # B is ready long before A; it must not launch, let alone dock, before A is docked.
    r = run(["modules.a.ready=2030-03-01"])
    assert kinds(r, "docked", "a")[0] < kinds(r, "launch", "b")[0] < kinds(r, "docked", "b")[0]


def test_capacity_rules_bind_one_by_one():
    # Life support of B zero: phase 2 allows 4, berths 4, but life support only 2.
    r = run(["modules.b.life_support_crew=0"])
    assert np.isnan(r.milestones["capacity_4"])
    assert r.capacity.max() == 2 and r.crew_aboard.max() == 2
    # Power: 10 kW, 3 kW per crew -> 3 crew at most.
    r = run(["station.power_per_crew_kw=3.0"])
    assert r.capacity.max() == 3 and np.isnan(r.milestones["capacity_4"])
    # Lifeboat: a 1-seat capsule can never return more than the ships docked (3 ports -> 3).
    r = run(["crew_ships.capsule.seats=1"])
    assert r.capacity.max() == 3
    # Phase target: with phase 2 at 3 crew, capacity stops at 3 although berths allow 4.
    r = run(["phases.1.crew_target=3"])
    assert r.capacity.max() == 3


def test_crew_aboard_never_exceeds_capacity_in_shipped_scenarios():
    for path in sorted(Path("scenarios").glob("*.toml")):
        sc = scenario.load(path)
        plan = campaign.Plan.from_scenario(sc)
        for seed in range(5):
            r = campaign.simulate(plan, np.random.default_rng(seed))
            assert np.all(r.crew_aboard <= r.capacity), path
            times = [e[0] for e in r.events]
            assert times == sorted(times)


def test_loss_and_rebuild():
    """Vehicle success 0.5, rebuild 100 days: losses per module are geometric (mean 1) and each
    relaunch comes 100 days after a loss (plus the next daily opportunity)."""
    sc = scenario.load(TINY, ["launch_vehicles.heavy.success_probability=0.5",
                              "launch_vehicles.heavy.min_days_between_flights=0",
                              "modules.a.rebuild_days=100.0"])
    plan = campaign.Plan.from_scenario(sc)
    losses = []
    for seed in range(400):
        r = campaign.simulate(plan, np.random.default_rng(seed))
        losses.append(r.module_lost["a"])
        lost, launches = kinds(r, "module_lost", "a"), kinds(r, "launch", "a")
        for t_lost, t_next in zip(lost, kinds(r, "rebuild", "a")):
            assert t_next == pytest.approx(t_lost + 100.0)
        if launches:
            assert launches[0] == pytest.approx(9.0 + 100.0 * r.module_lost["a"])
    # Geometric number of failures before a success, p = 0.5: mean 1, sd 1.41 -> se 0.07.
    assert np.mean(losses) == pytest.approx(1.0, abs=0.25)


def test_dropped_module_leaves_its_phase_with_nothing_built():
    sc = scenario.load(TINY, ["launch_vehicles.heavy.success_probability=1.0",
                              "modules.b.on_loss=drop", "modules.b.docking_success_probability=0.01",
                              "modules.b.max_docking_attempts=1"])
    found = False
    for seed in range(20):
        r = campaign.simulate(sc, np.random.default_rng(seed))
        if "b" not in r.module_docked:
            found = True
            assert kinds(r, "dropped", "b")
            # B was phase 2's only module: a phase with nothing built never completes.
            assert np.isnan(r.milestones["phase_2_complete"])
            assert r.milestones["phase_1_complete"] == 14.0
    assert found


def test_docking_retries_take_the_retry_delay():
    sc = scenario.load(TINY, ["modules.b.docking_success_probability=0.5", "modules.b.docking_retry_days=7.0",
                              "modules.b.max_docking_attempts=10"])
    for seed in range(30):
        r = campaign.simulate(sc, np.random.default_rng(seed))
        failures = len(kinds(r, "docking_failed", "b"))
        assert r.module_docked["b"] == pytest.approx(41.0 + 7.0 * failures)


def test_visiting_mode_alternates_visits_and_gaps():
    r = run(["crew.mode=visiting", "crew.visit_days=30.0", "crew.days_between_visits=20.0",
             "phases.1.crew_target=2", "modules.b.ready=2031-06-01"])
    arrivals = kinds(r, "crew_arrived")
    departures = kinds(r, "crew_departed")
    assert arrivals[0] == 14.25
    assert departures[0] == pytest.approx(44.25)
    # Next visit: 50 days after arrival (30 + 20), at the next daily opportunity, +0.25 rendezvous.
    assert arrivals[1] == pytest.approx(65.25)
    assert r.fraction_crewed == pytest.approx(30 * len(departures) / 365, abs=30 / 365)


def test_module_departure_removes_its_capacity():
    r = run(["modules.b.departs=2030-06-01"])
    day = 151.0  # 2030-06-01
    assert kinds(r, "departed", "b") == [day]
    after = r.capacity[np.searchsorted(r.capacity_t, day, side="right") - 1]
    assert after <= 2
    assert np.all(r.crew_aboard <= r.capacity)


def test_pad_outage_blocks_the_site():
    r = run(["launch_sites.pad.outage_probability=1.0", "launch_sites.pad.outage_days=100.0"])
    # A flies day 9 and damages the pad for 100 days: B waits until day 109.
    assert kinds(r, "launch", "b") == [109.0]


def test_crew_at_start_is_relieved_without_a_gap():
    """A crew aboard at the start is halfway through its 100-day increment: its relief launches
    at the daily opportunity after 50 - 0.25 days and docks 0.25 d later, with no day uncrewed."""
    r = run(["modules.a.present_at_start=true", "crew.crew_at_start=2", "modules.b.ready=2030-12-01",
             # a second crew port, for the relief to dock while the first crew's ship is there
             'modules.a.ports=["x", "y", "v"]', 'crew_ships.capsule.ports=["a.y", "a.v"]'])
    assert kinds(r, "crew_arrived")[:2] == [0.0, 50.25]
    assert kinds(r, "crew_departed")[0] == 50.25  # handover: the relief replaces it on docking
    assert r.fraction_crewed == pytest.approx(1.0)
    assert r.milestones["first_crew"] == 0.0


def test_orbit_plane_launch_windows():
    """With orbit-plane opportunities every launch happens at one of its site's windows, about one
    per (sidereal - node drift) day, and the hand-computed sequence shifts by less than a day."""
    from rossim import windows

    sc = scenario.load(TINY, ["simulation.launch_opportunities=orbit_plane"])
    plan = campaign.Plan.from_scenario(sc)
    pad = np.array(plan.windows["pad"])
    assert np.allclose(np.diff(pad), 360.0 / (windows.SIDEREAL_RATE_DEG_PER_DAY - sc_rate(sc)), atol=1e-9)
    r = campaign.simulate(plan, np.random.default_rng(0))
    for t, kind, subject, detail in r.events:
        if kind == "launch":
            site = detail.split(" from ")[1]
            assert np.min(np.abs(np.array(plan.windows[site]) - t)) < 1e-9
    (t_a,) = kinds(r, "launch", "a")
    assert 9.0 <= t_a < 9.0 + 1.0  # the first window after the module is ready on day 9
    assert r.milestones["phase_2_complete"] == pytest.approx(44.0, abs=2.0)


def sc_rate(sc):
    from rossim.scenario import build_orbit

    return build_orbit(sc).raan_rate_deg_per_day


def test_visits_of_four_fly_together():
    """Visiting mode, 4 crew in 3-seat capsules: the second capsule flies with each visit of the
    first (same day here: separate vehicles and pads), so four are aboard together."""
    r = run(["crew.mode=visiting", "crew.visit_days=30.0", "crew.days_between_visits=20.0"])
    launches = {s: t for t, k, s, _ in r.events if k == "launch" and s.startswith("capsule#")}
    second = sorted(t for s, t in launches.items() if s.startswith("capsule#1."))
    first = sorted(t for s, t in launches.items() if s.startswith("capsule#0."))
    assert second and all(t in first for t in second)
    assert r.crew_aboard.max() == 4


def test_second_ship_joins_the_visit_and_leaves_with_it():
    """Both capsules on one rocket with 20 days between flights: the second flies 20 days after
    the first, joins the visit (never arrives at an empty station) and leaves with it."""
    r = run(["crew.mode=visiting", "crew.visit_days=60.0", "crew.days_between_visits=30.0",
             "launch_vehicles.crew_rocket.min_days_between_flights=20.0"])
    arrivals = [(t, s) for t, k, s, _ in r.events if k == "crew_arrived"]
    departures = {s: t for t, k, s, _ in r.events if k == "crew_departed"}
    joined = 0
    for t, ship in arrivals:
        if ship.startswith("capsule#1."):
            # slot 0's crew is aboard when the second ship arrives, and both leave together
            first = max((a for a in arrivals if a[1].startswith("capsule#0.") and a[0] <= t), key=lambda a: a[0])
            assert t - first[0] == pytest.approx(20.0)
            if ship in departures and first[1] in departures:
                assert departures[ship] == pytest.approx(departures[first[1]])
                joined += 1
    assert joined >= 2
    assert r.crew_aboard.max() == 4


def test_module_whose_target_left_is_dropped_or_flies_free():
    base = ["modules.a.present_at_start=true", "modules.a.departs=2030-02-01", "modules.b.ready=2030-03-01"]
    r = run(base)
    assert "b" not in r.module_docked and kinds(r, "dropped", "b") == [59.0]
    r = run(base + ["modules.b.if_target_departs=free_flyer"])
    assert kinds(r, "free_flyer", "b") == [59.0]
    assert r.module_docked["b"] == 59.0  # launched that day, in orbit as the core (nothing to dock to)
    assert [d for t, k, s, d in r.events if k == "docked" and s == "b"] == [""]
