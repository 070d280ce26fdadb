"""Launch before a port is free (``max_wait_days``), departure on another module's event
(``departs_after``) and relocations that may fail (``relocate.success_probability``), against
hand-computed cases built on tests/data/tiny.toml (every quantity fixed; see
tests/test_campaign_manifest.py for the dates of A and B).

Here the heavy vehicle may fly again at once (``min_days_between_flights = 0``), so the pad's
10-day turnaround is the only gap: B launches day 19, docks at a.x on day 21. Module C, ready on
2030-02-25 (day 55), docks at a.x too: Zvezda's nadir port, Pirs then Nauka, in small.
"""

import numpy as np
import pytest

from conftest import one_line_error
from rossim import campaign, montecarlo
from rossim.errors import InputError
from test_campaign_manifest import NO_CREW, RELOCATE, TINY, VISIT, aboard_at, events, run, sc_of

FAST = ["launch_vehicles.heavy.min_days_between_flights=0.0", 'crew_ships.capsule.ports=["a.y"]']
#: The same, the capsule kept off a.y (where B moves).
MOVING = ["launch_vehicles.heavy.min_days_between_flights=0.0", 'crew_ships.capsule.ports=["b.w"]']
C = RELOCATE.replace("2030-03-02", "2030-02-25")  # module C, for a.x, ready day 55


# ------------------------------------------------------------------ launch before the port is free
def test_a_module_launches_before_its_port_is_free_and_waits_in_orbit():
    """B leaves a.x on 2030-03-01 (day 59). C, ready day 55, launches on day 55 (before a.x is
    free), meets the station on day 57 and waits in orbit until B has left: docked day 59, as
    Nauka launched five days before Pirs left its port. Without max_wait_days C would be refused
    (ready before the port is freed) and, held on the ground, would launch only on day 59."""
    r = run(C, FAST + ["modules.b.departs=2030-03-01", "modules.c.max_wait_days=5.0"])
    assert [t for t, *_ in events(r, "launch", "c")] == [55.0]
    assert [t for t, *_ in events(r, "departed", "b")] == [59.0]
    assert events(r, "docked", "c") == [(59.0, "c", "a.x")]
    assert not events(r, "module_lost")


def test_a_module_whose_port_is_not_freed_in_time_is_lost():
    """B's move away from a.x on day 59 fails (probability 0) and it stays; C waits in orbit
    from day 57 for 3 days and is lost on day 60 (then rebuilt: 730 days, past the horizon)."""
    r = run(C, MOVING + ['modules.b.relocate={to = "a.y", at = 2030-03-01, success_probability = 0.0}',
                       "modules.c.max_wait_days=3.0"])
    assert events(r, "module_lost", "c") == [(60.0, "c", "a.x was not freed within 3 days in orbit")]
    assert "c" not in r.module_docked
    assert not events(r, "rebuild", "c")  # day 60 + 730 is past the horizon (day 365)


def test_a_manifest_crew_flight_launches_before_its_port_is_free():
    """The visit for a.x (planned day 55, 06:00) launches at 55.25, meets the station at 55.5
    and docks when B leaves a.x on day 59. With a 1-day wait it returns on day 56.5."""
    visit = VISIT.replace("2030-01-20", "2030-02-25").replace('port = "a.y"', 'port = "a.x"')
    base = ["launch_vehicles.heavy.min_days_between_flights=0.0", 'crew_ships.capsule.ports=["a.x", "a.y"]',
            "modules.b.departs=2030-03-01"]
    r = run(visit, base + ["crew_flights.0.max_wait_days=5.0"])
    assert [t for t, *_ in events(r, "launch", "v1")] == [55.25]
    assert events(r, "crew_arrived", "v1") == [(59.0, "v1", "2 crew")]
    held = run(visit, base)  # without: it waits for the port on the ground
    assert [t for t, *_ in events(held, "launch", "v1")] == [59.25]
    gave_up = run(visit, base + ["crew_flights.0.max_wait_days=1.0"])
    assert events(gave_up, "flight_cancelled", "v1") == [
        (56.5, "v1", "no port freed within 1 days in orbit; returns")]
    assert not events(gave_up, "crew_arrived")


# ------------------------------------------------------------------ departure on an event
def test_a_module_leaves_days_after_another_is_launched():
    """B leaves 4 days after C's launch (day 55): day 59; C, launched before a.x is free, docks
    there as B leaves (Pirs left five days after Nauka's launch)."""
    r = run(C, FAST + ['modules.b.departs_after={event = "launched", module = "c", days = 4.0}',
                       "modules.c.max_wait_days=5.0"])
    assert [t for t, *_ in events(r, "departed", "b")] == [59.0]
    assert events(r, "docked", "c") == [(59.0, "c", "a.x")]


def test_a_module_leaves_after_another_is_commissioned_with_its_ships():
    """B leaves 10 days after C (docked at b.z: day 57, commissioning 0) is commissioned: day 67.
    The visit docked at b.w (the only port its flight may use) leaves with B, its crew too
    (rule 3: ships go with their port)."""
    c = C.replace('docks_to = "a.x"', 'docks_to = "b.z"')
    visit = VISIT.replace("2030-01-20", "2030-02-20").replace('port = "a.y"', 'port = "b.w"')
    r = run(c + visit, ["launch_vehicles.heavy.min_days_between_flights=0.0",
                        'crew_ships.capsule.ports=["a.y", "b.w"]',
                        'modules.b.departs_after={event = "commissioned", module = "c", days = 10.0}',
                        'modules.c.if_target_departs="free_flyer"'])
    assert [t for t, *_ in events(r, "commissioned", "c")] == [57.0]
    assert [t for t, *_ in events(r, "departed", "b")] == [67.0]
    assert events(r, "crew_departed", "v1") == [(67.0, "v1", "2 crew (left with b)")]


# ------------------------------------------------------------------ relocation that may fail
MOVE = 'modules.b.relocate={to = "a.y", at = 2030-03-01, duration_days = 0.5, %s}'


def test_a_relocation_that_always_fails_keeps_the_module_and_its_port():
    """Probability 0, two attempts 3 days apart: attempt 1 from day 59 ends failed at 59.5,
    attempt 2 from 62.5 at 63.0, then B stays at a.x for good and gives a.y back; C (for a.x)
    never docks. On the old code relocate had no success_probability (refused)."""
    r = run(C, MOVING + [MOVE % "success_probability = 0.0, max_attempts = 2, retry_days = 3.0",
                         "modules.c.ready=2030-03-02"])
    assert events(r, "relocation_failed", "b") == [(59.5, "b", "attempt 1: stays at a.x"),
                                                   (63.0, "b", "attempt 2: stays at a.x; gives up the move")]
    assert not events(r, "relocated", "b")
    assert "c" not in r.module_docked


def test_a_relocation_that_always_succeeds_is_the_plain_move():
    """Probability 1 draws nothing: the same replication, event for event, as without it."""
    plain = run(C, MOVING + [MOVE % "max_attempts = 3", "modules.c.ready=2030-03-02"])
    sure = run(C, MOVING + [MOVE % "success_probability = 1.0, max_attempts = 3", "modules.c.ready=2030-03-02"])
    assert sure.events == plain.events
    assert events(sure, "relocated", "b") == [(59.5, "b", "a.x -> a.y")]
    assert events(sure, "docked", "c") == [(62.0, "c", "a.x")]  # claims a.x on day 60, flies, 2-day rendezvous


def test_the_relocation_failure_rate_is_its_probability():
    """p = 0.7 per attempt, one attempt: over 2,000 replications the share that moved is within
    its 99.9 % Wilson interval of 0.7, and a second attempt 3 days later succeeds as often:
    P(moved) = 1 - 0.3^2 = 0.91."""
    n = 2000
    plan = campaign.Plan.from_scenario(sc_of("", MOVING + [MOVE % "success_probability = 0.7"]))
    moved = sum(bool(events(campaign.simulate(plan, np.random.default_rng(k)), "relocated", "b"))
                for k in range(n))
    share = montecarlo.proportion(moved, n, level=0.999)
    assert share.low <= 0.7 <= share.high, (moved, n)
    plan2 = campaign.Plan.from_scenario(sc_of("", MOVING + [MOVE % "success_probability = 0.7, max_attempts = 2"]))
    reps = [campaign.simulate(plan2, np.random.default_rng(k)) for k in range(n)]
    moved2 = sum(bool(events(r, "relocated", "b")) for r in reps)
    share2 = montecarlo.proportion(moved2, n, level=0.999)
    assert share2.low <= 0.91 <= share2.high, (moved2, n)
    # a replication that moved on its second attempt did so after the failed one and the retry
    second = [r for r in reps if events(r, "relocation_failed", "b") and events(r, "relocated", "b")]
    assert second and all(events(r, "relocated", "b")[0][0] == 59.5 + 5.0 + 0.5 for r in second)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("overrides, field, needle", [
    (["modules.b.departs=2030-03-01"], "modules.c.ready", "give max_wait_days"),
    (["modules.b.departs=2030-03-01", "modules.c.max_wait_days=1.0"], "modules.c.max_wait_days",
     "after this module's wait in orbit ends"),
    (['modules.b.departs_after={event = "launched", module = "b"}'], "modules.b.departs_after.module",
     "an event of its own"),
    (['modules.b.departs_after={event = "launched", module = "zz"}'], "modules.b.departs_after.module", "no module"),
    (['modules.b.departs_after={event = "departed", module = "a"}'], "modules.b.departs_after.event", "never departs"),
    (['modules.b.departs_after={event = "docked", module = "c"}'], "modules.b.departs_after.module",
     "each would wait for the other"),
    (['modules.b.departs_after={event = "launched", module = "c"}'], "modules.b.departs_after.module",
     "each would wait for the other"),
    (["modules.b.departs=2030-03-01", 'modules.b.departs_after={event = "launched", module = "c"}'],
     "modules.b", "at most one of departs and departs_after"),
    ([MOVE % "success_probability = 1.5", 'crew_ships.capsule.ports=["b.w"]'],
     "modules.b.relocate.success_probability", ""),
])
def test_bad_waits_and_departures_are_refused(overrides, field, needle):
    with pytest.raises(InputError) as exc:
        sc_of(C, FAST + overrides)
    assert exc.value.field.startswith(field) and needle in str(exc.value), str(exc.value)


def test_launched_of_a_module_present_at_the_start_is_refused():
    with pytest.raises(InputError) as exc:
        sc_of(C, FAST + ["modules.a.present_at_start=true",
                         'modules.b.departs_after={event = "launched", module = "a"}'])
    assert "never launches" in str(exc.value)


# ------------------------------------------------------------------ handovers that relieve named crews
TINY_STATION = "[station]\npower_base_kw = 0.0\npower_per_crew_kw = 1.0\n"  # replaced by RESIDENTS'
RESIDENTS = """
[station]
handover_crew_max = 6

[[crew_flights]]
name = "h1"
date = 2030-02-20
launch_utc = 06:00:00
ship = "capsule"
crew = 2
mode = "handover"

[[crew_flights]]
name = "h2"
date = 2030-02-22
launch_utc = 06:00:00
ship = "capsule"
crew = 1
mode = "handover"
relieves = []                     # joins h1

[[crew_flights]]
name = "h3"
date = 2030-03-02
launch_utc = 06:00:00
ship = "capsule"
crew = 2
mode = "handover"
handover_days = 3.0
"""


def test_a_handover_relieves_only_the_crews_it_names():
    """Residents of 2 (h1, docked day 50.5) and 1 (h2, 52.5): 3 aboard (room for 4 since B's
    commissioning on day 44). h3 (2 crew, day 60.5) relieves h1 only: 5 aboard for the 3-day
    overlap (within handover_crew_max 6 and the 9 return seats), then h1 leaves and 3 stay (h2
    and h3), as the ISS's third crew member stayed through Soyuz handovers. By default h3
    relieves every resident: 2 aboard after the overlap."""
    base = NO_CREW.replace(TINY_STATION, "")
    named = run(RESIDENTS.replace('handover_days = 3.0', 'handover_days = 3.0\nrelieves = ["h1"]'), base=base)
    assert [aboard_at(named, t) for t in (50.4, 50.5, 52.5, 60.5, 63.4, 63.5)] == [0, 2, 3, 5, 5, 3]
    assert events(named, "crew_departed", "h1") == [(63.5, "h1", "2 crew (handover)")]
    assert events(named, "crew_departed", "h2") == [(252.5, "h2", "1 crew")]  # its ship's 200-day life
    everyone = run(RESIDENTS, base=base)
    assert [aboard_at(everyone, t) for t in (60.5, 63.5)] == [5, 2]


@pytest.mark.parametrize("relieves, needle", [
    ('["h9"]', "no earlier crew flight named 'h9'"),
    ('["h3"]', "no earlier crew flight named 'h3'"),
])
def test_bad_relieves_are_refused(relieves, needle):
    station = TINY_STATION
    with pytest.raises(InputError) as exc:
        sc_of(RESIDENTS.replace('handover_days = 3.0', f'handover_days = 3.0\nrelieves = {relieves}'),
              base=NO_CREW.replace(station, ""))
    assert exc.value.field == "crew_flights.2.relieves.0" and needle in str(exc.value)


def test_relieves_needs_a_handover():
    station = TINY_STATION
    with pytest.raises(InputError) as exc:
        sc_of(RESIDENTS.replace('crew = 1\nmode = "handover"', 'crew = 1\nmode = "visit"'),
              base=NO_CREW.replace(station, ""))
    assert exc.value.field == "crew_flights.1.relieves" and "handover" in str(exc.value)


def test_a_manifest_ship_may_use_a_port_a_module_takes_later():
    """Soyuz at Zarya's nadir port until Rassvet came, in small: the capsule, flown only by the
    manifest, docks at a.x (day 19.5, 30 days) before B, which takes a.x for good, is ready
    (2030-03-02, day 60): a.x is free again from 49.5, and B claims it when ready, docks day 62. A ship
    of the rotation policy may not (its flights have no dates to order)."""
    visit = VISIT.replace('port = "a.y"', 'port = "a.x"')
    r = run(visit, ["modules.b.ready=2030-03-02", 'crew_ships.capsule.ports=["a.x"]'])
    assert events(r, "crew_arrived", "v1") == [(19.5, "v1", "2 crew")]
    assert events(r, "docked", "b") == [(62.0, "b", "a.x")]
    with pytest.raises(InputError) as exc:
        sc_of("", ['crew_ships.capsule.ports=["a.x"]'], base=TINY)
    assert exc.value.field == "crew_ships.capsule.ports.0" and "where module 'b' docks" in str(exc.value)


def test_a_manifest_handover_overlap_does_not_raise_the_capacity():
    """Defect 6 for manifest handovers: h1 (2 crew, day 50.5) is relieved by h3 (day 60.5) with a
    3-day overlap. During it the station holds 4 (berths, life support, phase 2's target) and
    has 6 return seats, but h1's 3 are h1's way home: the capacity stays 3 and capacity_4 is not
    reached (before the fix: reached on day 60.5, with the departing ship's seats)."""
    two = RESIDENTS[:RESIDENTS.index('[[crew_flights]]\nname = "h2"')] + \
        RESIDENTS[RESIDENTS.index('[[crew_flights]]\nname = "h3"'):]
    r = run(two, base=NO_CREW.replace(TINY_STATION, ""))
    assert [aboard_at(r, t) for t in (60.4, 60.5, 63.4, 63.5)] == [2, 4, 4, 2]
    k = np.searchsorted(r.capacity_t, 61.0, side="right") - 1
    assert int(r.capacity[k]) == 3
    assert np.isnan(r.milestones["capacity_4"]) and r.milestones["capacity_2"] == 50.5


def test_a_ship_that_leaves_no_return_seats():
    """A crew member brought by a ship whose seats are not the station's lifeboat (the Shuttle;
    the member's seat liner goes into the Soyuz): ``return_seats = 0``. h1 (2 crew, 3 seats) then
    a rider (1 crew, return_seats 0): 3 aboard, capacity 3 (h1's seats), not 4 (its seats too);
    with the rider's own seat counted, capacity 4 (phase 2's target) from its docking."""
    rider = ('\n[crew_ships.rider]\nname = "Rider"\nseats = 3\nreturn_seats = 0\ndocked_life_days = 200.0\n'
             'launch_vehicle = "crew_rocket"\nlaunch_site = "crew_pad"\nports = ["a.y", "b.z", "b.w"]\n')
    two = RESIDENTS[:RESIDENTS.index('[[crew_flights]]\nname = "h3"')].replace(
        'name = "h2"\ndate = 2030-02-22\nlaunch_utc = 06:00:00\nship = "capsule"',
        'name = "h2"\ndate = 2030-02-22\nlaunch_utc = 06:00:00\nship = "rider"')
    base = NO_CREW.replace(TINY_STATION, "")
    r = run(two + rider, base=base)
    k = np.searchsorted(r.capacity_t, 53.0, side="right") - 1
    assert int(r.crew_aboard[k]) == 3 and int(r.capacity[k]) == 3
    assert np.isnan(r.milestones["capacity_4"])
    counted = run(two + rider.replace("return_seats = 0\n", ""), base=base)
    assert counted.milestones["capacity_4"] == 52.5
    with pytest.raises(InputError) as exc:
        sc_of(two + rider.replace("return_seats = 0", "return_seats = 4"), base=base)
    assert exc.value.field == "crew_ships.rider.return_seats"


def test_a_second_crew_of_an_exchange_takes_the_room_of_the_crew_going_home():
    """h1 (2 crew) is relieved by h3 (2, day 60.5, 3-day overlap); h4 (1 crew, relieving no one)
    docks on day 61.5 during the overlap. Room for 4: h4 takes the place h1 is leaving, so 5 are
    aboard until h1 leaves (63.5), then 3. Before, h4 got no room (0 crew) while h1 was aboard."""
    h4 = RESIDENTS[RESIDENTS.index('[[crew_flights]]\nname = "h3"'):].replace('"h3"', '"h4"').replace(
        "2030-03-02", "2030-03-03").replace("crew = 2", "crew = 1").replace(
        "handover_days = 3.0", "relieves = []")
    two = RESIDENTS[:RESIDENTS.index('[[crew_flights]]\nname = "h2"')] + \
        RESIDENTS[RESIDENTS.index('[[crew_flights]]\nname = "h3"'):]
    r = run(two + h4, base=NO_CREW.replace(TINY_STATION, ""))
    assert events(r, "crew_arrived", "h4") == [(61.5, "h4", "1 crew")]
    assert [aboard_at(r, t) for t in (60.5, 61.5, 63.4, 63.5)] == [4, 5, 5, 3]


def test_a_bad_wait_or_departure_is_one_line_and_exit_2(capsys, tmp_path):
    """Through the command line: one line naming the field, exit 2, no traceback."""
    path = tmp_path / "bad.toml"
    path.write_text(NO_CREW + C.replace('docks_to = "a.x"', 'docks_to = "a.x"\nmax_wait_days = -1.0'))
    one_line_error(capsys, ["validate", path], "modules.c.max_wait_days")
    bad = NO_CREW.replace('[modules.b]', '[modules.b]\ndeparts_after = { event = "landed", module = "a" }')
    path.write_text(bad)
    one_line_error(capsys, ["run", path, "-n", "1", "--out", tmp_path / "o"], "modules.b.departs_after.event")


def test_a_module_leaves_after_another_departs():
    """A departure after another: C docks at B's port b.z (day 57) and leaves on 2030-04-01
    (day 90); B leaves 5 days after C has left: day 95."""
    c = C.replace('docks_to = "a.x"', 'docks_to = "b.z"').replace(
        "rendezvous_days = 2.0", 'rendezvous_days = 2.0\ndeparts = 2030-04-01\nif_target_departs = "free_flyer"')
    r = run(c, FAST + ['modules.b.departs_after={event = "departed", module = "c", days = 5.0}'])
    assert [t for t, *_ in events(r, "departed", "c")] == [90.0]
    assert [t for t, *_ in events(r, "departed", "b")] == [95.0]


# ------------------------------------------------------------------ relocation on an event
def test_a_module_moves_when_the_arrival_that_needs_its_port_has_launched():
    """B holds a.x and moves to a.y one day after C (for a.x) is launched: C launches day 55
    (before a.x is free, max_wait_days), B moves on day 56, C meets the station on day 57 and
    docks at a.x at once. Mir's arrivals at the axial port, the previous module moved away."""
    r = run(C, MOVING + ['modules.b.relocate={to = "a.y", after_event = {event = "launched", module = "c", days = 1.0}}',
                         "modules.c.max_wait_days=5.0"])
    assert events(r, "relocated", "b") == [(56.0, "b", "a.x -> a.y")]
    assert events(r, "docked", "c") == [(57.0, "c", "a.x")]


def test_a_move_after_an_event_long_past_starts_at_docking():
    """The event (A docked, day 9) and its days (5) are past when B docks (day 21): B moves at
    once. A manifest ship may move on an event too: the visit at a.y (docked day 19.5) moves to
    b.z 2 days after B is commissioned (day 24 + 2 = 26)."""
    r = run("", MOVING + ['modules.b.relocate={to = "a.y", after_event = {event = "docked", module = "a", days = 5.0}}'])
    assert events(r, "relocated", "b") == [(21.0, "b", "a.x -> a.y")]
    visit = VISIT.replace('stay_days = 30.0', 'stay_days = 30.0\nrelocate = { to = "b.z", after_event = '
                          '{ event = "commissioned", module = "b", days = 2.0 } }')
    r = run(visit, MOVING[:1] + ['crew_ships.capsule.ports=["a.y", "b.z"]'])
    assert events(r, "crew_arrived", "v1") == [(19.5, "v1", "2 crew")]
    assert events(r, "relocated", "v1") == [(26.0, "v1", "a.y -> b.z")]


@pytest.mark.parametrize("after_event, field, needle", [
    ('{event = "docked", module = "c"}', "modules.b.relocate.after_event.module", "each would wait for the other"),
    ('{event = "launched", module = "zz"}', "modules.b.relocate.after_event.module", "no module"),
    ('{event = "launched", module = "b"}', "modules.b.relocate.after_event.module", "an event of its own"),
])
def test_bad_moves_on_events_are_refused(after_event, field, needle):
    with pytest.raises(InputError) as exc:
        sc_of(C, MOVING + [f'modules.b.relocate={{to = "a.y", after_event = {after_event}}}',
                           "modules.c.max_wait_days=5.0"])
    assert exc.value.field == field and needle in str(exc.value), str(exc.value)
