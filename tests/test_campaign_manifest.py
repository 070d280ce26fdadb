"""Manifest flights, several crew ship types, handover capacity, module relocation and launch
times of day, against hand-computed cases built on tests/data/tiny.toml (every quantity fixed).

tiny.toml by hand (see tests/test_campaign.py): the core A launches day 9 (2030-01-10) and is in
orbit at once, commissioned day 14 (phase 1: room for 2); B waits for A, the heavy vehicle flies
again 30 days after day 9, so B launches day 39, docks 41, is commissioned 44 (phase 2: berths,
life support and target 4). Here the rotation policy ([crew]) is removed unless a test keeps it.
"""

from pathlib import Path

import numpy as np
import pytest

from conftest import one_line_error
from rossim import campaign, scenario
from rossim.errors import InputError

TINY = (Path(__file__).parent / "data" / "tiny.toml").read_text()
NO_CREW = TINY[:TINY.index("[crew]")]


def sc_of(extra: str, overrides=(), base: str = NO_CREW):
    return scenario.loads(base + "\n" + extra, "manifest.toml", list(overrides))


def run(extra: str, overrides=(), base: str = NO_CREW, seed: int = 0):
    return campaign.simulate(sc_of(extra, overrides, base), np.random.default_rng(seed))


def events(rep, kind, subject=None):
    return [(t, s, d) for t, k, s, d in rep.events if k == kind and (subject is None or s == subject)]


def aboard_at(rep, t):
    """Crew aboard at day ``t`` (the step function's value just after ``t``)."""
    k = np.searchsorted(rep.capacity_t, t, side="right") - 1
    return int(rep.crew_aboard[k])


def test_shipped_behaviour_needs_no_manifest():
    """Without manifest fields the plan has no manifest flights and daily launches at 00:00."""
    plan = campaign.Plan.from_scenario(sc_of(""))
    assert plan.crew_flights == () and plan.cargo_flights == () and plan.handover_crew_max == 0
    assert all(s.daily_at == 0.0 for s in plan.sites.values())


# ------------------------------------------------------------------ manifest crew flights
VISIT = """
[[crew_flights]]
name = "v1"
date = 2030-01-20
launch_utc = 06:00:00
ship = "capsule"
crew = 2
port = "a.y"
stay_days = 30.0
"""


def test_a_manifest_visit_flies_at_its_time_of_day_and_stays():
    """Day 19 (2030-01-20) at 06:00 = 19.25, rendezvous 0.25: docked 19.5 with 2 crew (room for
    2 since A's commissioning on day 14), leaves 30 days later, 49.5."""
    r = run(VISIT)
    assert events(r, "launch", "v1") == [(19.25, "v1", "crew_rocket from crew_pad")]
    assert events(r, "crew_arrived", "v1") == [(19.5, "v1", "2 crew")]
    assert events(r, "crew_departed", "v1") == [(49.5, "v1", "2 crew")]
    assert aboard_at(r, 19.4) == 0 and aboard_at(r, 19.5) == 2 and aboard_at(r, 49.5) == 0
    assert r.person_days == pytest.approx(2 * 30)
    assert r.milestones["first_crew"] == 19.5


def test_a_manifest_flight_slips_and_books_its_vehicle():
    """A slip of 3 days moves it to day 22, then to the next 06:00: 22.25. A crew rocket with a
    60-day cadence keeps a second flight (planned day 30) until day 22.25 + 60 = 82.25."""
    second = VISIT.replace('"v1"', '"v2"').replace("2030-01-20", "2030-01-31").replace("a.y", "b.z")
    r = run(VISIT + second, ["crew_flights.0.slip_days=3.0",
                             "launch_vehicles.crew_rocket.min_days_between_flights=60.0"])
    assert [t for t, *_ in events(r, "launch", "v1")] == [22.25]
    assert [t for t, *_ in events(r, "launch", "v2")] == [82.25]


def test_a_failed_manifest_crew_launch_is_an_abort_and_flies_again():
    """Success probability 0.5: each failure logs an abort (crew safe) and the same flight books
    again after the stand-down (10 days, then the next 06:00): every launch after a failure is
    10.0 days later, and the crew arrives 0.25 d after the one successful launch."""
    failed = 0
    sc = sc_of(VISIT, ["launch_vehicles.crew_rocket.success_probability=0.5",
                       "launch_vehicles.crew_rocket.stand_down_days_after_failure=10.0"])
    for seed in range(20):
        r = campaign.simulate(sc, np.random.default_rng(seed))
        fails = [t for t, *_ in events(r, "launch_failure", "v1")]
        ok = [t for t, *_ in events(r, "launch", "v1")]
        assert fails == [t for t, *_ in events(r, "crew_aborted", "v1")] and len(ok) == 1
        assert [b - a for a, b in zip(fails, fails[1:] + ok)] == [10.0] * len(fails)
        assert events(r, "crew_arrived", "v1")[0][0] == ok[0] + 0.25
        failed += bool(fails)
    assert 3 <= failed <= 17  # about half of 20


HANDOVER = """
[[crew_flights]]
name = "r1"
date = 2030-02-20
launch_utc = 06:00:00
ship = "capsule"
crew = 3
port = "a.y"
mode = "handover"

[[crew_flights]]
name = "r2"
date = 2030-04-01
ship = "capsule"
crew = 3
port = "b.z"
mode = "handover"
handover_days = 4.0
"""


def test_a_handover_with_room_for_both_crews_has_six_aboard_for_the_overlap():
    """Steady crew 3 (phase 2 target 3); handover_crew_max 6. r1 docks day 50.5 (2030-02-20
    06:00 + 0.25) with 3 crew; r2 docks day 90.25 with 3: 6 aboard (return seats 3 + 3) until
    the overlap ends at 94.25, when r1's crew leaves with its ship. The capacity stays 3."""
    r = run(HANDOVER, ["phases.1.crew_target=3", "station.handover_crew_max=6"])
    assert events(r, "crew_arrived") == [(50.5, "r1", "3 crew"), (90.25, "r2", "3 crew")]
    assert events(r, "crew_departed", "r1") == [(94.25, "r1", "3 crew (handover)")]
    assert [aboard_at(r, t) for t in (50.4, 50.5, 90.2, 90.25, 94.2, 94.25)] == [0, 3, 3, 6, 6, 3]
    k = np.searchsorted(r.capacity_t, 92.0, side="right") - 1
    assert r.capacity[k] == 3
    assert "capacity_4" not in r.milestones
    # r2 stays its ship's docked life (200 days): to 290.25
    assert r.person_days == pytest.approx(3 * (90.25 - 50.5) + 6 * 4.0 + 3 * (290.25 - 94.25))


def test_a_handover_without_room_for_both_relieves_at_docking():
    """Same flights, no handover_crew_max: r1's crew leaves when r2 docks (90.25), its ship 4
    days later (the port b.z stays free, a.y is freed at 94.25); never more than 3 aboard."""
    r = run(HANDOVER, ["phases.1.crew_target=3"])
    assert events(r, "crew_departed", "r1") == [(90.25, "r1", "3 crew (handover)")]
    assert max(r.crew_aboard) == 3
    # a handover_crew_max below both crews (5 < 6): the same as none
    r5 = run(HANDOVER, ["phases.1.crew_target=3", "station.handover_crew_max=5"])
    assert r5.events == r.events


def test_a_visit_and_the_rotation_policy_at_once():
    """The rotation of tiny.toml (2 aboard from 14.25, 3 from 44.25: slot 1 brings the one more
    that B's commissioning allows... until slot 0 rotates at 114.25) and a visit of 2 on day 50
    (2030-02-20) at 00:00 in a second crew ship type (a 2-seat 'taxi'): room for 4, 3 taken, so
    the visit brings 1: 4 aboard from 50.25 to 80.25."""
    taxi = """
[crew_ships.taxi]
name = "Taxi"
seats = 2
docked_life_days = 40.0
launch_vehicle = "crew_rocket"
launch_site = "crew_pad"
ports = ["b.w"]
rendezvous_days = 0.25

[[crew_flights]]
name = "visit"
date = 2030-02-20
ship = "taxi"
crew = 2
stay_days = 30.0
"""
    r = run(taxi, base=TINY)
    assert events(r, "crew_arrived", "visit") == [(50.25, "visit", "1 crew")]
    assert [aboard_at(r, t) for t in (50.2, 50.25, 80.2, 80.25)] == [3, 4, 4, 3]
    assert events(r, "crew_departed", "visit") == [(80.25, "visit", "1 crew")]


def test_a_visit_gets_the_room_left():
    """A visit of 2 when 3 of 4 places are taken brings 1 (the habitable room left)."""
    r = run(VISIT.replace("2030-01-20", "2030-03-01").replace("crew = 2", "crew = 3")
            + VISIT.replace('"v1"', '"v2"').replace("2030-01-20", "2030-03-02").replace("a.y", "b.z"))
    assert events(r, "crew_arrived") == [(59.5, "v1", "3 crew"), (60.5, "v2", "1 crew")]


# ------------------------------------------------------------------ manifest cargo flights
CARGO = """
[cargo_ships.freighter]
name = "Freighter"
launch_vehicle = "crew_rocket"
launch_site = "crew_pad"
ports = ["a.y"]
rendezvous_days = 2.0
docked_days = 10.0

[[cargo_flights]]
name = "f1"
date = 2030-01-20
ship = "freighter"

[[cargo_flights]]
name = "f2"
date = 2030-01-21
ship = "freighter"
docked_days = 5.0
"""


def test_manifest_cargo_flights_wait_for_their_port():
    """No flights_per_year: only the manifest flies. f1 launches day 19, docks 21, undocks 31;
    f2 (ready day 20) waits for the only port a.y, launches day 31, docks 33, undocks 38."""
    r = run(CARGO)
    assert events(r, "cargo_docked") == [(21.0, "f1", "a.y"), (33.0, "f2", "a.y")]
    assert events(r, "cargo_undocked") == [(31.0, "f1", "a.y"), (38.0, "f2", "a.y")]
    assert r.launches == 2 + 2


def test_a_manifest_ship_relocates_when_its_new_port_exists():
    """f1 docks at a.y on day 21 and is to move to b.z a day later; b.z comes with B (day 41):
    f1 takes it then, frees a.y, and the move ends at 41.5. f2 (for a.y only, ready day 20)
    gets a.y at 41, launches that day, docks 43, leaves 48; f1 leaves b.z at 21 + 30 = 51."""
    cargo = CARGO.replace('ports = ["a.y"]', 'ports = ["a.y", "b.z"]').replace(
        'ship = "freighter"\n\n', 'ship = "freighter"\ndocked_days = 30.0\n'
        'relocate = { to = "b.z", after_days = 1.0, duration_days = 0.5 }\n\n', 1).replace(
        'ship = "freighter"\ndocked_days = 5.0', 'ship = "freighter"\nport = "a.y"\ndocked_days = 5.0')
    r = run(cargo)
    assert events(r, "relocated") == [(41.5, "f1", "a.y -> b.z")]
    assert events(r, "cargo_docked") == [(21.0, "f1", "a.y"), (43.0, "f2", "a.y")]
    assert events(r, "cargo_undocked") == [(48.0, "f2", "a.y"), (51.0, "f1", "b.z")]


def test_a_crew_ship_relocates_and_frees_its_port():
    """v1 (1 crew) docked at a.y on day 19.5 moves to b.z 22 days later (41.5; b.z exists from
    41); a second visit of 1 for a.y only, planned day 30, gets a.y then and launches at the next
    06:00, 42.25, docked 42.5 (room for 2 until B's commissioning on 44). v1 leaves from b.z at
    49.5."""
    one = VISIT.replace("crew = 2", "crew = 1")
    second = one.replace('"v1"', '"v2"').replace("2030-01-20", "2030-01-31")
    r = run(one + second, ['crew_flights.0.relocate={to = "b.z", after_days = 22.0}'])
    assert events(r, "relocated") == [(41.5, "v1", "a.y -> b.z")]
    assert events(r, "crew_arrived", "v2") == [(42.5, "v2", "1 crew")]
    assert [aboard_at(r, t) for t in (42.4, 42.5, 49.5)] == [1, 2, 1]


# ------------------------------------------------------------------ launch time of day
def test_daily_launch_opportunity_at_a_time_of_day():
    """daily_launch_utc 12:00: A launches day 9.5; B at the first noon when the heavy vehicle
    (9.5 + 30) and the pad are free: 39.5, docked 41.5."""
    r = run("", ["simulation.daily_launch_utc=12:00:00"])
    assert r.module_docked == {"a": 9.5, "b": 41.5}


def test_a_module_launch_time_of_day():
    r = run("", ["modules.a.launch_utc=03:00:00"])
    assert r.module_docked["a"] == pytest.approx(9.125)
    # B's own opportunities stay at 00:00: the first after 9.125 + 30 is day 40, docked 42
    assert r.module_docked["b"] == 42.0


# ------------------------------------------------------------------ relocation
RELOCATE = """
[modules.c]
name = "Module C"
phase = 2
mass_kg = 20000.0
launch_vehicle = "heavy"
launch_site = "pad"
ready = 2030-03-02
docks_to = "a.x"
rendezvous_days = 2.0
"""


def test_a_module_relocates_and_frees_its_port_for_the_next():
    """B docks at a.x on day 41 and moves to a.y on 2030-03-01 (day 59), taking half a day:
    a.x is free from 59, relocated logged at 59.5. C (ready day 60) wants a.x: it claims it on
    day 60 and launches at the heavy vehicle's next flight, 39 + 30 = 69, docked 71."""
    r = run(RELOCATE, ["modules.b.relocate={to = \"a.y\", at = 2030-03-01, duration_days = 0.5}",
                       'crew_ships.capsule.ports=["b.z", "b.w"]'])
    assert events(r, "relocated") == [(59.5, "b", "a.x -> a.y")]
    assert r.module_docked == {"a": 9.0, "b": 41.0, "c": 71.0}
    assert events(r, "docked", "c") == [(71.0, "c", "a.x")]


def test_a_relocation_after_days_and_a_port_shared_over_time_with_ships():
    """B moves 10 days after docking (41 + 10 = 51, at once); the capsule's port a.x is free
    for its visit on day 60 (2030-03-02), though B docked there first."""
    visit = VISIT.replace("2030-01-20", "2030-03-02").replace("a.y", "a.x")
    r = run(visit, ["modules.b.relocate={to = \"a.y\", after_days = 10.0}",
                    'crew_ships.capsule.ports=["a.x", "b.z"]'])
    assert events(r, "relocated") == [(51.0, "b", "a.x -> a.y")]
    assert events(r, "crew_arrived", "v1") == [(60.5, "v1", "2 crew")]


def test_a_ship_waits_for_the_port_a_module_holds_until_it_moves():
    """B claims a.x when A docks (day 9), docks 41 and moves a day later (42): the visit planned
    for day 19 at a.x waits for it, then launches at the next 06:00, 42.25, docked 42.5."""
    r = run(VISIT.replace("a.y", "a.x"), ["modules.b.relocate={to = \"a.y\", after_days = 1.0}",
                                          'crew_ships.capsule.ports=["a.x", "b.z"]'])
    assert events(r, "relocated") == [(42.0, "b", "a.x -> a.y")]
    assert events(r, "crew_arrived", "v1") == [(42.5, "v1", "2 crew")]


def test_a_departing_module_frees_its_port_for_the_next():
    """Zvezda's nadir port, Pirs then Nauka, in small: B docks at a.x on day 41 and leaves on
    2030-03-01 (day 59), freeing a.x; C (ready day 60) claims it and flies at the heavy
    vehicle's next flight, 39 + 30 = 69, docked 71. Before, C would wait for a.x for ever."""
    r = run(RELOCATE, ["modules.b.departs=2030-03-01", 'crew_ships.capsule.ports=["a.y"]'])
    assert [t for t, *_ in events(r, "departed", "b")] == [59.0]
    assert events(r, "docked", "c") == [(71.0, "c", "a.x")]


@pytest.mark.parametrize("overrides, extra, field, needle", [
    ([], RELOCATE, "modules.c.docks_to", "already taken by module 'b'"),
    (['modules.b.relocate={to = "a.y", at = 2030-03-01}', 'crew_ships.capsule.ports=["b.z"]'],
     RELOCATE.replace("2030-03-02", "2030-02-15"), "modules.c.ready", "until it moves on 2030-03-01"),
    (['modules.b.relocate={to = "a.x", at = 2030-03-01}'], "", "modules.b.relocate.to", "already docks there"),
    (["modules.b.departs=2030-03-05", 'crew_ships.capsule.ports=["a.y"]'], RELOCATE, "modules.c.ready",
     "until it leaves on 2030-03-05"),
    (['modules.b.relocate={to = "a.y"}'], "", "modules.b.relocate", "exactly one of at or after_days"),
    (['modules.a.relocate={to = "b.z", after_days = 1.0}'], "", "modules.a.relocate", "the core"),
    (['modules.b.relocate={to = "a.y", after_days = 1.0}'], "", "crew_ships.capsule.ports.0",
     "where module 'b' docks"),
    ([], VISIT.replace("crew = 2", "crew = 4"), "crew_flights.0.crew", "do not fit"),
    ([], VISIT.replace("stay_days = 30.0", "stay_days = 201.0"), "crew_flights.0.stay_days",
     "longer than 'Capsule' may stay docked (200 days)"),
    ([], VISIT.replace("a.y", "b.q"), "crew_flights.0.port", "docks at"),
    ([], VISIT.replace("capsule", "capsul"), "crew_flights.0.ship", "did you mean 'capsule'"),
    ([], VISIT.replace("2030-01-20", "2031-02-01"), "crew_flights.0.date", "before the horizon"),
    ([], VISIT + VISIT, "crew_flights.1.name", "already crew_flights.0"),
    (["crew_flights.0.handover_days=3.0"], VISIT, "crew_flights.0.handover_days", 'mode = "handover"'),
    (["station.handover_crew_max=6"], VISIT, "station.handover_crew_max", "there are none"),
    (['simulation.launch_opportunities="orbit_plane"'], VISIT, "crew_flights.0.launch_utc", "daily"),
    (['simulation.launch_opportunities="orbit_plane"', "modules.b.launch_utc=10:00:00"], "",
     "modules.b.launch_utc", "daily"),
    (['simulation.daily_launch_utc="10:00"'], "", "simulation.daily_launch_utc", "time"),
    ([], CARGO.replace('"freighter"\ndocked', '"freighter"\nport = "b.z"\ndocked'),
     "cargo_flights.1.port", "docks at"),
    (["cargo_flights.0.relocate={to = \"b.z\", after_days = 1.0}"], CARGO, "cargo_flights.0.relocate.to",
     "docks at"),
    (["crew_flights.0.relocate={to = \"b.z\", at = 2030-01-10}"], VISIT, "crew_flights.0.relocate.at",
     "on or after the flight's"),
])
def test_bad_manifests_and_relocations_are_refused(overrides, extra, field, needle):
    with pytest.raises(InputError) as exc:
        sc_of(extra, overrides)
    assert exc.value.field == field and needle in exc.value.message, str(exc.value)


def test_same_seed_same_manifest_replications_whatever_the_workers():
    """The Tiangong replay made uncertain (slips of the modules and flights, a scrub chance): an
    ensemble is the same with one worker as with two."""
    from rossim import ensemble

    path = Path(__file__).resolve().parent.parent / "scenarios" / "history" / "tiangong_2021_2022.toml"
    sc = scenario.load(path, ["modules.wentian.slip_days={dist = \"uniform\", low = 0, high = 30}",
                              "crew_flights.2.slip_days={dist = \"uniform\", low = 0, high = 10}",
                              "launch_sites.jiuquan.scrub_probability=0.2"])
    one = ensemble.run(sc, n=12, seed=7, workers=1)
    two = ensemble.run(sc, n=12, seed=7, workers=2)
    assert [r.events for r in one.replications] == [r.events for r in two.replications]
    assert len({tuple(r.events) for r in one.replications}) > 1  # the slips do move things


def test_a_bad_manifest_is_one_line_and_exit_2(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(NO_CREW + VISIT.replace("crew = 2", "crew = 9"))
    one_line_error(capsys, ["validate", path], "crew_flights.0.crew", "do not fit")
    path.write_text(NO_CREW + VISIT.replace("06:00:00", '"06:00"'))
    one_line_error(capsys, ["run", path, "-n", "1", "--out", tmp_path / "o"], "crew_flights.0.launch_utc")
