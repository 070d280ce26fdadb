"""The campaign's pieces that need no SimPy, against hand-computed cases: launch bookings
(book, unbook, cancel, opportunity), the station's capacity rules, the compiled draws; and the
port list on a bare SimPy environment."""

import math
import types

import numpy as np
import pytest
import simpy

from rossim.campaign.booking import EPS_DAYS, Launcher, clear_to_fly, first_opportunity
from rossim.campaign.model import _Model
from rossim.campaign.plan import Draw
from rossim.campaign.ports import Ports
from rossim.campaign.station import RULES, ModuleContribution, Station
from rossim.distributions import as_distribution


# ------------------------------------------------------------------------------ booking
def test_daily_opportunity_is_the_next_midnight():
    pad = Launcher(gap_days=0.0)
    assert pad.opportunity(3.0) == 3
    assert pad.opportunity(3.2) == 4
    assert pad.opportunity(3.0 + EPS_DAYS / 2) == 3  # round-off after 3.0 is still day 3
    assert pad.opportunity(0.0) == 0


def test_window_opportunity_is_the_next_window_or_none():
    pad = Launcher(gap_days=0.0, windows=[1.5, 4.25, 9.0])
    assert pad.opportunity(0.0) == 1.5
    assert pad.opportunity(1.5) == 1.5
    assert pad.opportunity(1.6) == 4.25
    assert pad.opportunity(9.0) == 9.0
    assert pad.opportunity(9.5) == math.inf


def test_a_booking_holds_the_launcher_for_its_gap():
    rocket = Launcher(gap_days=30.0)
    rocket.book(10.0)
    assert rocket.next_free == 40.0 and rocket.bookings == [10.0]
    rocket.book(45.0)
    assert rocket.next_free == 75.0 and rocket.bookings == [10.0, 45.0]
    rocket.book(20.0)  # an earlier date does not shorten the hold
    assert rocket.next_free == 75.0
    rocket.unbook(20.0)  # flown (or moving on): the hold stays
    assert rocket.next_free == 75.0 and rocket.bookings == [10.0, 45.0]


def test_cancel_frees_the_launcher_as_if_never_booked():
    rocket = Launcher(gap_days=30.0)
    rocket.book(10.0)
    rocket.book(45.0)
    rocket.cancel(45.0)  # the later one is off: free 30 days after the one left
    assert rocket.next_free == 40.0 and rocket.bookings == [10.0]
    rocket.book(45.0)
    rocket.cancel(10.0)  # the earlier one is off: the later booking keeps its date and its hold
    assert rocket.next_free == 75.0 and rocket.bookings == [45.0]
    rocket.cancel(45.0)  # nothing booked, nothing flown: free at once
    assert rocket.next_free == 0.0 and rocket.bookings == []


def test_cancel_after_a_launch_frees_the_launcher_after_that_launch():
    rocket = Launcher(gap_days=30.0)
    rocket.last_launch = 5.0
    rocket.book(40.0)
    assert rocket.next_free == 70.0
    rocket.cancel(40.0)
    assert rocket.next_free == 35.0


def test_cancel_is_max_of_the_holds_left_bit_for_bit():
    """Against the plain formula, max(0, last launch + gap, each booking + gap), on random books
    with ties, launches before time 0 and none (-inf), gaps of 0: the same float, bits and all."""
    import random
    import struct

    rng = random.Random(11)
    for _ in range(2000):
        gap = rng.choice([0.0, 1.0, 30.0, rng.uniform(0, 90)])
        rocket = Launcher(gap_days=gap)
        rocket.last_launch = rng.choice([-math.inf, -gap, 0.0, rng.uniform(-50, 50)])
        dates = [rng.choice([0.0, 10.0, rng.uniform(0, 100)]) for _ in range(rng.randint(1, 5))]
        for d in dates:
            rocket.book(d)
        off = rng.choice(dates)
        rocket.cancel(off)
        left = list(dates)
        left.remove(off)
        want = max(0.0, rocket.last_launch + gap, *(b + gap for b in left))
        assert struct.pack("<d", rocket.next_free) == struct.pack("<d", want)


def test_first_opportunity_when_vehicle_and_pad_are_both_free():
    rocket, pad = Launcher(gap_days=30.0), Launcher(gap_days=10.0, windows=[5.0, 41.0, 44.0, 60.0])
    rocket.book(10.0)  # free from 40
    pad.book(2.0)      # free from 12
    assert first_opportunity(rocket, pad, 0.0) == 41.0
    pad.blocked_until = 41.5  # a pad outage
    assert first_opportunity(rocket, pad, 0.0) == 44.0
    rocket.blocked_until = 50.0  # a stand-down
    assert first_opportunity(rocket, pad, 0.0) == 60.0
    assert first_opportunity(rocket, pad, 61.0) == math.inf  # no window left


def test_clear_to_fly_against_actual_launches_and_holds():
    rocket, pad = Launcher(gap_days=30.0), Launcher(gap_days=10.0)
    assert clear_to_fly(rocket, pad, 0.0)
    rocket.last_launch = pad.last_launch = 10.0
    assert not clear_to_fly(rocket, pad, 39.9)
    assert clear_to_fly(rocket, pad, 40.0)
    assert clear_to_fly(rocket, pad, 40.0 - EPS_DAYS / 2)  # round-off is the same instant
    pad.blocked_until = 45.0
    assert not clear_to_fly(rocket, pad, 44.0) and clear_to_fly(rocket, pad, 45.0)


# ------------------------------------------------------------------------------ station
def test_capacity_is_the_least_of_the_rules_by_hand():
    s = Station(phase_targets=(2, 4), power_base_kw=6.0, power_per_crew_kw=2.0)
    assert s.capacity() == 0 and s.habitable_capacity() == 0
    s.commission("core", ModuleContribution(berths=3, life_support_crew=5, power_kw=20.0))
    # power: floor((20 - 6) / 2) = 7; before any phase is complete the first phase's target (2)
    assert s.limits() == {"berths": 3, "life_support": 5, "return_seats": 0, "power": 7, "phase": 2}
    assert s.capacities() == (2, 0) and s.binding_rule() == "return_seats"
    s.dock_crew_ship(3)
    assert s.capacities() == (2, 2) and s.binding_rule() == "phase"
    s.phases_complete = 2  # phase 2's target, 4: the berths bind
    assert s.capacities() == (3, 3) and s.binding_rule() == "berths"
    s.commission("lab", ModuleContribution(berths=2))
    # berths 5, life support 5, power 7, phase 4, return seats 3
    assert s.capacities() == (4, 3) and s.binding_rule() == "return_seats"
    s.dock_crew_ship(3)
    assert s.capacities() == (4, 4) and s.binding_rule() == "phase"
    s.undock_crew_ship(3)
    s.undock_crew_ship(3)
    assert s.capacities() == (4, 0)
    s.remove("lab")
    s.remove("core")
    assert s.limits() == {"berths": 0, "life_support": 0, "return_seats": 0, "power": 0, "phase": 4}


def test_power_rule_edges():
    # floor with a round-off guard: (0.7 - 0.1) / 0.2 is 2.9999999999999996 in floats, 3 crew
    s = Station(phase_targets=(9,), power_base_kw=0.1, power_per_crew_kw=0.2)
    s.commission("m", ModuleContribution(9, 9, 0.7))
    assert s.limits()["power"] == 3
    s = Station(phase_targets=(9,), power_base_kw=6.0, power_per_crew_kw=2.0)
    s.commission("m", ModuleContribution(9, 9, 9.99))
    assert s.limits()["power"] == 1
    s.remove("m")
    s.commission("m", ModuleContribution(9, 9, 5.0))  # below the base load: no crew
    assert s.limits()["power"] == 0
    # no per-crew load: unlimited once the base load is met, none below it
    s = Station(phase_targets=(9,), power_base_kw=6.0, power_per_crew_kw=0.0)
    s.commission("m", ModuleContribution(9, 9, 6.0))
    assert s.limits()["power"] == 1_000_000 and s.habitable_capacity() == 9
    s.remove("m")
    s.commission("m", ModuleContribution(9, 9, 5.9))
    assert s.limits()["power"] == 0


def test_ties_name_the_first_rule():
    s = Station(phase_targets=(2,))
    s.commission("m", ModuleContribution(2, 2, 0.0))
    s.dock_crew_ship(2)
    assert set(s.limits()) == set(RULES)
    assert s.binding_rule() == "berths"  # berths, life support, return seats and phase all 2


def test_no_phases_no_crew():
    s = Station(phase_targets=())
    s.commission("m", ModuleContribution(4, 4, 0.0))
    s.dock_crew_ship(4)
    assert s.capacity() == 0


# ------------------------------------------------------------------------------ draws
@pytest.mark.parametrize("dist", [
    {"dist": "triangular", "low": 2.0, "mode": 2.0, "high": 8.0},
    {"dist": "triangular", "low": 730.0, "mode": 1095.0, "high": 1825.0},
    {"dist": "triangular", "low": 0.125, "mode": 0.25, "high": 2.1},
    {"dist": "triangular", "low": 1.0, "mode": 3.0, "high": 3.0},
    {"dist": "uniform", "low": 90.0, "high": 730.0},
])
def test_compiled_draws_are_numpys_samples_bit_for_bit(dist):
    """The model samples a compiled triangular or uniform from one uniform number; NumPy's own
    sampler, from the same stream, must give the very same floats."""
    d = as_distribution(dist)
    draw = Draw.of(d)
    ours = np.random.default_rng(7)
    model = types.SimpleNamespace(uniform=lambda: float(ours.random()), rng=ours)
    mine = [_Model.draw(model, draw) for _ in range(2000)]
    theirs = np.random.default_rng(7)
    sample = theirs.triangular if dist["dist"] == "triangular" else theirs.uniform
    args = [dist[k] for k in ("low", "mode", "high") if k in dist]
    assert mine == [float(sample(*args)) for _ in range(2000)]
    assert draw.expected == d.expected()


def test_other_draws_use_their_distribution():
    d = as_distribution({"dist": "weibull", "shape": 1.04, "scale": 173.0})
    model = types.SimpleNamespace(uniform=None, rng=np.random.default_rng(3))
    assert _Model.draw(model, Draw.of(d)) == d.sample(np.random.default_rng(3))
    assert _Model.draw(model, Draw.of(as_distribution(4.5))) == 4.5


# ------------------------------------------------------------------------------ ports
def test_ports_first_free_port_and_waiters_in_order():
    env = simpy.Environment()
    ports = Ports(env)
    ports.put("a.x", "a.y")
    assert ports.take(frozenset({"a.y", "b.z"})) == "a.y"
    assert ports.take(frozenset({"b.z"})) is None
    first = ports.wait(frozenset({"b.z", "b.w"}))
    second = ports.wait(frozenset({"b.z"}))
    third = ports.wait(frozenset({"a.x"}))  # one is free: served now
    assert third.triggered and third.value == "a.x"
    assert not first.triggered and not second.triggered
    ports.put("b.z")  # goes to the first waiter that may use it
    assert first.triggered and first.value == "b.z" and not second.triggered
    ports.put("b.w", "b.z")  # b.w cannot serve the second; b.z can
    assert second.triggered and second.value == "b.z"
    assert ports.free == ["b.w"]
    # A flight finding a port free while other events are due at this instant is served after them.
    env.timeout(0.0)
    assert ports.take(frozenset({"b.w"})) is None and ports.free == ["b.w"]
    late = ports.wait(frozenset({"b.w"}))
    assert late.triggered and late.value == "b.w" and ports.free == []
