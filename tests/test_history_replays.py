"""History replays against the published record: `rossim run` on scenarios/history/*.toml
reproduces each module's docking date (rossim/data/history/module_dates.csv) and the crew aboard
over time (docs/history-sources.md)."""

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from conftest import replay_events
from rossim import campaign, clock, scenario

ROOT = Path(__file__).resolve().parent.parent
TIANGONG = ROOT / "scenarios" / "history" / "tiangong_2021_2022.toml"
MODULE_DATES = ROOT / "rossim" / "data" / "history" / "module_dates.csv"

#: Crew aboard Tiangong, from docs/history-sources.md#tiangong-crew-timeline (UTC dates of
#: docking and undocking): (date, crew aboard from that date on).
TIANGONG_CREW = [
    (dt.date(2021, 6, 17), 3),   # Shenzhou-12 docked
    (dt.date(2021, 9, 16), 0),   # Shenzhou-12 undocked
    (dt.date(2021, 10, 15), 3),  # Shenzhou-13 docked
    (dt.date(2022, 4, 15), 0),   # Shenzhou-13 undocked
    (dt.date(2022, 6, 5), 3),    # Shenzhou-14 docked
    (dt.date(2022, 11, 29), 6),  # Shenzhou-15 docked: the handover
    (dt.date(2022, 12, 4), 3),   # Shenzhou-14 undocked
]
#: Relocations to the lateral ports: docs/history-sources.md#tiangong-wentian, #tiangong-mengtian.
TIANGONG_RELOCATIONS = {"wentian": (dt.date(2022, 9, 30), "tianhe.starboard"),
                        "mengtian": (dt.date(2022, 11, 3), "tianhe.port_side")}

#: Tianzhou cargo ships: (docked, port, moved to the forward port on, left on), UTC dates from
#: docs/history-sources.md#tianzhou-2 ... #tianzhou-5 (Tianzhou-5 left after the horizon).
TIANZHOU = {
    "tianzhou-2": (dt.date(2021, 5, 29), "tianhe.aft", dt.date(2021, 9, 18), dt.date(2022, 3, 27)),
    "tianzhou-3": (dt.date(2021, 9, 20), "tianhe.aft", dt.date(2022, 4, 20), dt.date(2022, 7, 17)),
    "tianzhou-4": (dt.date(2022, 5, 10), "tianhe.aft", None, dt.date(2022, 11, 9)),
    "tianzhou-5": (dt.date(2022, 11, 12), "tianhe.aft", None, None),
}


def published(programme: str) -> dict[str, dt.date]:
    """Module -> the date it joined the station: docking, or launch for the first element."""
    with MODULE_DATES.open(encoding="utf-8", newline="") as fh:
        return {row["module"]: dt.date.fromisoformat(row["docking_date"] or row["launch_date"])
                for row in csv.DictReader(fh) if row["programme"] == programme}


@pytest.fixture(scope="module")
def tiangong_run(tmp_path_factory):
    """`rossim run scenarios/history/tiangong_2021_2022.toml -n 1`: its events.csv as rows."""
    return replay_events(TIANGONG, tmp_path_factory.mktemp("replay") / "tiangong")


@pytest.fixture(scope="module")
def tiangong():
    sc = scenario.load(TIANGONG)
    return sc, campaign.simulate(sc, np.random.default_rng(0))


def test_tiangong_modules_dock_within_a_day_of_the_record(tiangong_run):
    truth = published("tiangong")
    assert set(truth) == {"tianhe", "wentian", "mengtian"}
    docked = {row["subject"]: dt.date.fromisoformat(row["date"]) for row in tiangong_run
              if row["kind"] == "docked"}
    assert set(docked) == set(truth)
    errors = {k: abs((docked[k] - truth[k]).days) for k in truth}
    assert max(errors.values()) <= 1, errors


def test_tiangong_laboratories_move_to_the_lateral_ports(tiangong_run):
    moved = {row["subject"]: (dt.date.fromisoformat(row["date"]), row["detail"]) for row in tiangong_run
             if row["kind"] == "relocated" and row["subject"] in TIANGONG_RELOCATIONS}
    assert set(moved) == set(TIANGONG_RELOCATIONS)
    for mid, (day, port) in TIANGONG_RELOCATIONS.items():
        assert abs((moved[mid][0] - day).days) <= 1
        assert moved[mid][1] == f"tianhe.forward -> {port}"


def test_tiangong_cargo_ships_dock_move_and_leave_on_their_dates(tiangong_run):
    def dated(kind):
        return {row["subject"]: (dt.date.fromisoformat(row["date"]), row["detail"]) for row in tiangong_run
                if row["kind"] == kind and row["subject"].startswith("tianzhou")}

    docked, moved, left = dated("cargo_docked"), dated("relocated"), dated("cargo_undocked")
    assert set(docked) == set(TIANZHOU)
    for ship, (day, port, moved_on, left_on) in TIANZHOU.items():
        assert docked[ship][1] == port and abs((docked[ship][0] - day).days) <= 1, ship
        if moved_on is None:
            assert ship not in moved
        else:
            assert moved[ship][1] == f"{port} -> tianhe.forward"
            assert abs((moved[ship][0] - moved_on).days) <= 1, ship
        if left_on is None:
            assert ship not in left
        else:
            assert abs((left[ship][0] - left_on).days) <= 1, ship


def test_tiangong_crew_aboard_follows_the_record(tiangong):
    """Each change of the crew aboard, as (UTC date, crew after it), is the record's: 0 -> 3 on
    17 Jun 2021 (Shenzhou-12), ..., 3 -> 6 on 29 Nov 2022 and 6 -> 3 on 4 Dec 2022."""
    sc, r = tiangong
    changes = [(clock.datetime_at(sc.simulation.start, t).date(), int(n))
               for t, n, before in zip(r.capacity_t[1:], r.crew_aboard[1:], r.crew_aboard[:-1]) if n != before]
    assert changes == TIANGONG_CREW


def test_tiangong_handover_three_six_three(tiangong):
    """Crew aboard at noon UTC each day, 28 Nov - 5 Dec 2022: 3, 6 (29 Nov from 21:42, so noon of
    30 Nov on) ... 6 on 3 Dec, 3 from 4 Dec (Shenzhou-14 left at 03:01). The steady capacity
    stays 3 throughout: the overlap is the handover allowance, not room for six."""
    sc, r = tiangong

    def at(day: dt.date, hour: int = 12) -> tuple[int, int]:
        t = clock.days_between(sc.simulation.start, dt.datetime(day.year, day.month, day.day, hour))
        k = np.searchsorted(r.capacity_t, t, side="right") - 1
        return int(r.crew_aboard[k]), int(r.capacity[k])

    days = [dt.date(2022, 11, 28) + dt.timedelta(days=i) for i in range(8)]
    assert [at(d)[0] for d in days] == [3, 3, 6, 6, 6, 6, 3, 3]
    assert {at(d)[1] for d in days} == {3}
    # Shenzhou-12 docked on 17 Jun 2021 at 07:54 UTC: 0 at 07:00, 3 at 08:00
    assert at(dt.date(2021, 6, 17), 7)[0] == 0 and at(dt.date(2021, 6, 17), 8)[0] == 3


def test_tiangong_replay_is_deterministic(tiangong):
    sc, r = tiangong
    again = campaign.simulate(sc, np.random.default_rng(12345))
    assert again.events == r.events
