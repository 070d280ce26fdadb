"""Properties over random valid scenarios (hypothesis): the invariants of the campaign model."""

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rossim import campaign, scenario
from rossim.campaign.station import RULES, ModuleContribution, Station

TINY = Path(__file__).parent / "data" / "tiny.toml"

prob = st.floats(0.05, 1.0)
days = st.floats(0.0, 400.0)


@st.composite
def tiny_variants(draw):
    overrides = [
        f"launch_vehicles.heavy.success_probability={draw(prob)}",
        f"launch_vehicles.heavy.min_days_between_flights={draw(days)}",
        f"launch_vehicles.crew_rocket.success_probability={draw(prob)}",
        f"launch_sites.pad.turnaround_days={draw(days)}",
        f"launch_sites.pad.scrub_probability={draw(st.floats(0.0, 0.9))}",
        f"launch_sites.crew_pad.scrub_probability={draw(st.floats(0.0, 0.5))}",
        f"launch_sites.crew_pad.turnaround_days={draw(st.floats(0.0, 40.0))}",
        f"launch_sites.crew_pad.outage_probability={draw(st.floats(0.0, 0.3))}",
        f"launch_sites.crew_pad.outage_days={draw(days)}",
        f"modules.a.docking_success_probability={draw(prob)}",
        f"modules.a.rebuild_days={draw(days)}",
        f"modules.a.berths={draw(st.integers(0, 5))}",
        f"modules.b.life_support_crew={draw(st.integers(0, 5))}",
        f"modules.b.on_loss={draw(st.sampled_from(['drop', 'rebuild']))}",
        f"modules.b.slip_days={{ dist = \"weibull\", shape = 1.04, scale = {draw(st.floats(1.0, 400.0))} }}",
        f"crew_ships.capsule.seats={draw(st.integers(1, 4))}",
        f"crew.mode={draw(st.sampled_from(['permanent', 'visiting']))}",
        f"crew.increment_days={draw(st.floats(10.0, 200.0))}",
        f"crew.handover_overlap_days={draw(st.floats(0.0, 10.0))}",
        f"crew.min_crew={draw(st.integers(1, 3))}",
        f"station.power_per_crew_kw={draw(st.floats(0.0, 6.0))}",
        f"phases.1.crew_target={draw(st.integers(1, 6))}",
        "simulation.horizon=2033-01-01",
    ]
    if draw(st.booleans()):
        overrides.append("modules.b.departs=2031-06-01")
    return scenario.load(TINY, overrides), draw(st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(tiny_variants())
def test_campaign_invariants(case):
    sc, seed = case
    r = campaign.simulate(sc, np.random.default_rng(seed))
    # Crew aboard never exceeds capacity (the model also asserts this at every change).
    assert np.all(r.crew_aboard <= r.capacity)
    assert np.all(r.crew_aboard >= 0)
    # Capacity never exceeds any rule's best possible limit.
    berths = sum(m.berths for m in sc.modules.values())
    life = sum(m.life_support_crew for m in sc.modules.values())
    seats = sc.crew_ships["capsule"].seats * len(sc.crew_ships["capsule"].ports)
    assert r.capacity.max() <= min(berths, life, seats, max(p.crew_target for p in sc.phases))
    # Event times never decrease; capacity steps are strictly increasing in time.
    times = [e[0] for e in r.events]
    assert times == sorted(times)
    assert np.all(np.diff(r.capacity_t) > 0)
    # Nothing docks before its target.
    if "b" in r.module_docked:
        assert r.module_docked["b"] >= r.module_docked["a"]
    assert 0.0 <= r.fraction_crewed <= 1.0
    assert r.losses <= r.launches
    # Launches (successes and failures) respect each vehicle's cadence and each pad's turnaround,
    # scrubs and re-bookings notwithstanding.
    flown = [(t, d.split(";")[0].split(" from ")) for t, k, _, d in r.events if k in ("launch", "launch_failure")]
    for key, gap in [*((v, sc.launch_vehicles[v].min_days_between_flights) for v in sc.launch_vehicles),
                     *((s, sc.launch_sites[s].turnaround_days) for s in sc.launch_sites)]:
        times = sorted(t for t, (v, s) in flown if key in (v, s))
        assert np.all(np.diff(times) >= gap - 1e-6), key


@given(
    mods=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(0, 40)), max_size=6),
    seats=st.integers(0, 12), phases_complete=st.integers(0, 2),
    base=st.floats(0, 10), per_crew=st.floats(0, 5),
)
@example(mods=[], seats=0, phases_complete=0, base=1.0, per_crew=2.2250738585e-313)  # overflowed once
@example(mods=[(0, 0, 1.0)], seats=0, phases_complete=0, base=0.0, per_crew=5.7e-166)
def test_station_capacity_is_the_minimum_of_its_rules(mods, seats, phases_complete, base, per_crew):
    s = Station(phase_targets=(2, 4), power_base_kw=base, power_per_crew_kw=per_crew)
    for k, (b, l, p) in enumerate(mods):
        s.commission(f"m{k}", ModuleContribution(b, l, p))
    s.dock_crew_ship(seats)
    s.phases_complete = phases_complete
    lim = s.limits()
    assert set(lim) == set(RULES)
    assert s.capacity() == min(lim.values())
    assert all(s.capacity() <= v for v in lim.values())
    assert s.habitable_capacity() >= s.capacity()
    assert lim["berths"] == sum(b for b, _, _ in mods)
    assert lim["return_seats"] == seats
    if per_crew > 0:
        # floor((P - base) / per_crew), checked from the other side: that crew fits, one more does not.
        power = sum(p for _, _, p in mods)
        n = lim["power"]
        assert n == 0 or base + n * per_crew <= power + 1e-6
        assert base + (n + 1) * per_crew > power - 1e-6 or n == 1_000_000  # "unlimited"
    assert s.binding_rule() in RULES and lim[s.binding_rule()] == s.capacity()
