"""The ISS Russian segment replay (scenarios/history/iss_rs_1998_2021.toml) against the published
record: every module docks within a day of rossim/data/history/module_dates.csv, Pirs leaves
Zvezda's nadir port and Nauka, launched before, takes it, and the long-duration crew aboard
follows the record of docs/history-sources.md from Expedition 1 (2 Nov 2000) to the end of 2021:
each change of the crew aboard on its date, the steady crew of each era (3, 2 after Columbia,
3 again, 6 from 29 May 2009, 7 from Crew-1) and the person-days of each year within 10 %.

The record side is written here from docs/history-sources.md (#iss-crew-2000-2003,
#iss-crew-2003-2006, #iss-crew-2006-2009, #iss-crew-six, #iss-crew-2010-2015,
#iss-crew-2016-2021, #iss-crew-seven) as calendar dates only: who arrived and
left on which UTC day. The expected crew aboard and person-days are computed from it by plain
date arithmetic, independently of the model, which gets there through its handover, relief,
port and capacity rules (a crew held back by a busy port, or one too many relieved, would show).
"""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from conftest import replay_events
from rossim import campaign, clock, scenario
from test_history_replays import published  # module -> published docking (or launch) date

ROOT = Path(__file__).resolve().parent.parent
ISS = ROOT / "scenarios" / "history" / "iss_rs_1998_2021.toml"
D = dt.date

#: Long-duration crew groups: (crew, docked, undocked), UTC dates of the ship that brought them
#: and of the one that took them home (docs/history-sources.md, anchors above); a third member of
#: 2006-2009 until the successor's arrival, when the Soyuz seat liner was exchanged.
RECORD = [
    (3, D(2000, 11, 2), D(2001, 3, 18)),   # Expedition 1
    (3, D(2001, 3, 10), D(2001, 8, 20)),   # Expedition 2
    (3, D(2001, 8, 12), D(2001, 12, 15)),  # Expedition 3
    (3, D(2001, 12, 7), D(2002, 6, 15)),   # Expedition 4
    (3, D(2002, 6, 7), D(2002, 12, 2)),    # Expedition 5
    (3, D(2002, 11, 25), D(2003, 5, 3)),   # Expedition 6
    (2, D(2003, 4, 28), D(2003, 10, 27)),  # Soyuz TMA-2, Expedition 7
    (2, D(2003, 10, 20), D(2004, 4, 29)),  # TMA-3
    (2, D(2004, 4, 21), D(2004, 10, 23)),  # TMA-4
    (2, D(2004, 10, 16), D(2005, 4, 24)),  # TMA-5
    (2, D(2005, 4, 17), D(2005, 10, 10)),  # TMA-6
    (2, D(2005, 10, 3), D(2006, 4, 8)),    # TMA-7
    (2, D(2006, 4, 1), D(2006, 9, 28)),    # TMA-8
    (1, D(2006, 7, 6), D(2006, 12, 11)),   # Reiter (to his successor's arrival)
    (2, D(2006, 9, 20), D(2007, 4, 21)),   # TMA-9
    (1, D(2006, 12, 11), D(2007, 6, 10)),  # S. Williams
    (2, D(2007, 4, 9), D(2007, 10, 21)),   # TMA-10
    (1, D(2007, 6, 10), D(2007, 10, 25)),  # Anderson
    (2, D(2007, 10, 12), D(2008, 4, 19)),  # TMA-11
    (1, D(2007, 10, 25), D(2008, 2, 9)),   # Tani
    (1, D(2008, 2, 9), D(2008, 3, 13)),    # Eyharts
    (1, D(2008, 3, 13), D(2008, 6, 2)),    # Reisman
    (2, D(2008, 4, 10), D(2008, 10, 23)),  # TMA-12
    (1, D(2008, 6, 2), D(2008, 11, 16)),   # Chamitoff
    (2, D(2008, 10, 14), D(2009, 4, 8)),   # TMA-13
    (1, D(2008, 11, 16), D(2009, 3, 17)),  # Magnus
    (1, D(2009, 3, 17), D(2009, 7, 17)),   # Wakata
    (2, D(2009, 3, 28), D(2009, 10, 11)),  # TMA-14
    (3, D(2009, 5, 29), D(2009, 12, 1)),   # TMA-15: six aboard
    (1, D(2009, 7, 17), D(2009, 8, 31)),   # Kopra
    (1, D(2009, 8, 31), D(2009, 11, 25)),  # Stott
    (2, D(2009, 10, 2), D(2010, 3, 18)),   # TMA-16
    (3, D(2009, 12, 22), D(2010, 6, 2)),   # TMA-17
    # 2010-2021 (#iss-crew-2010-2015, #iss-crew-2016-2021, #iss-crew-seven): a crew member who
    # came down in another Soyuz than the one that brought him or her is a group of its own
    (3, D(2010, 4, 4), D(2010, 9, 25)),  # soyuz-tma-18
    (3, D(2010, 6, 17), D(2010, 11, 26)),  # soyuz-tma-19
    (3, D(2010, 10, 10), D(2011, 3, 16)),  # soyuz-tma-01m
    (3, D(2010, 12, 17), D(2011, 5, 23)),  # soyuz-tma-20
    (3, D(2011, 4, 6), D(2011, 9, 16)),  # soyuz-tma-21
    (3, D(2011, 6, 9), D(2011, 11, 21)),  # soyuz-tma-02m
    (3, D(2011, 11, 16), D(2012, 4, 27)),  # soyuz-tma-22
    (3, D(2011, 12, 23), D(2012, 7, 1)),  # soyuz-tma-03m
    (3, D(2012, 5, 17), D(2012, 9, 16)),  # soyuz-tma-04m
    (3, D(2012, 7, 17), D(2012, 11, 18)),  # soyuz-tma-05m
    (3, D(2012, 10, 25), D(2013, 3, 15)),  # soyuz-tma-06m
    (3, D(2012, 12, 21), D(2013, 5, 13)),  # soyuz-tma-07m
    (3, D(2013, 3, 29), D(2013, 9, 10)),  # soyuz-tma-08m
    (3, D(2013, 5, 29), D(2013, 11, 10)),  # soyuz-tma-09m
    (3, D(2013, 9, 26), D(2014, 3, 11)),  # soyuz-tma-10m
    (3, D(2013, 11, 7), D(2014, 5, 13)),  # soyuz-tma-11m
    (3, D(2014, 3, 27), D(2014, 9, 10)),  # soyuz-tma-12m
    (3, D(2014, 5, 29), D(2014, 11, 10)),  # soyuz-tma-13m
    (3, D(2014, 9, 26), D(2015, 3, 11)),  # soyuz-tma-14m
    (3, D(2014, 11, 24), D(2015, 6, 11)),  # soyuz-tma-15m
    (1, D(2015, 3, 28), D(2015, 9, 11)),  # soyuz-tma-16m
    (2, D(2015, 3, 28), D(2016, 3, 2)),  # soyuz-tma-16m-year
    (3, D(2015, 7, 23), D(2015, 12, 11)),  # soyuz-tma-17m
    (1, D(2015, 9, 4), D(2016, 3, 2)),  # soyuz-tma-18m
    (3, D(2015, 12, 15), D(2016, 6, 18)),  # soyuz-tma-19m
    (3, D(2016, 3, 19), D(2016, 9, 6)),  # soyuz-tma-20m
    (3, D(2016, 7, 9), D(2016, 10, 30)),  # soyuz-ms-01
    (3, D(2016, 10, 21), D(2017, 4, 10)),  # soyuz-ms-02
    (2, D(2016, 11, 19), D(2017, 6, 2)),  # soyuz-ms-03
    (1, D(2016, 11, 19), D(2017, 9, 2)),  # soyuz-ms-03-whitson
    (2, D(2017, 4, 20), D(2017, 9, 2)),  # soyuz-ms-04
    (3, D(2017, 7, 28), D(2017, 12, 14)),  # soyuz-ms-05
    (3, D(2017, 9, 13), D(2018, 2, 27)),  # soyuz-ms-06
    (3, D(2017, 12, 19), D(2018, 6, 3)),  # soyuz-ms-07
    (3, D(2018, 3, 23), D(2018, 10, 4)),  # soyuz-ms-08
    (3, D(2018, 6, 8), D(2018, 12, 20)),  # soyuz-ms-09
    (3, D(2018, 12, 3), D(2019, 6, 24)),  # soyuz-ms-11
    (2, D(2019, 3, 15), D(2019, 10, 3)),  # soyuz-ms-12
    (1, D(2019, 3, 15), D(2020, 2, 6)),  # soyuz-ms-12-koch
    (2, D(2019, 7, 20), D(2020, 2, 6)),  # soyuz-ms-13
    (1, D(2019, 7, 20), D(2020, 4, 17)),  # soyuz-ms-13-morgan
    (2, D(2019, 9, 25), D(2020, 4, 17)),  # soyuz-ms-15
    (3, D(2020, 4, 9), D(2020, 10, 21)),  # soyuz-ms-16
    (2, D(2020, 5, 31), D(2020, 8, 1)),  # crew-dragon-demo-2
    (3, D(2020, 10, 14), D(2021, 4, 17)),  # soyuz-ms-17
    (4, D(2020, 11, 17), D(2021, 5, 2)),  # crew-1
    (1, D(2021, 4, 9), D(2021, 10, 17)),  # soyuz-ms-18
    (2, D(2021, 4, 9), D(2022, 3, 30)),  # soyuz-ms-18-year
    (4, D(2021, 4, 24), D(2021, 11, 8)),  # crew-2
    (1, D(2021, 10, 5), D(2022, 3, 30)),  # soyuz-ms-19
    (4, D(2021, 11, 11), D(2022, 5, 30)),  # crew-3
]
#: The last day of the replay.
RECORD_END = D(2021, 12, 31)

#: The steady crew of each era, (from, until): docs/history-sources.md.
ERAS = [(3, D(2000, 11, 2), D(2003, 5, 3)),    # Expeditions 1-6
        (2, D(2003, 5, 3), D(2006, 7, 6)),     # after Columbia
        (3, D(2006, 7, 6), D(2009, 5, 29)),    # Reiter: three again
        (6, D(2009, 5, 29), D(2009, 11, 25)),  # Soyuz TMA-15: six
        (7, D(2020, 11, 17), D(2021, 11, 8))]  # Crew-1: seven


def expected_changes() -> list[tuple[dt.date, int]]:
    """(date, crew aboard at the end of that day) for each day the record's crew changes."""
    delta: dict[dt.date, int] = {}
    for n, up, down in RECORD:
        delta[up] = delta.get(up, 0) + n
        delta[down] = delta.get(down, 0) - n
    out, aboard = [], 0
    for day in sorted(delta):
        if delta[day]:
            aboard += delta[day]
            out.append((day, aboard))
    return out


def record_person_days(year: int) -> float:
    """Person-days of the record in ``year``: each group's days aboard within the year."""
    lo, hi = D(year, 1, 1), D(year + 1, 1, 1)
    return float(sum(n * max(0, (min(down, hi) - max(up, lo)).days) for n, up, down in RECORD))


@pytest.fixture(scope="module")
def iss_run(tmp_path_factory):
    """`rossim run scenarios/history/iss_rs_1998_2021.toml -n 1`: its events.csv as rows."""
    return replay_events(ISS, tmp_path_factory.mktemp("replay") / "iss")


@pytest.fixture(scope="module")
def iss():
    sc = scenario.load(ISS)
    return sc, campaign.simulate(sc, np.random.default_rng(0))


def rows(run, kind, subject=None):
    return [(dt.date.fromisoformat(r["date"]), r["subject"], r["detail"]) for r in run
            if r["kind"] == kind and (subject is None or r["subject"] == subject)]


def test_every_module_docks_within_a_day_of_the_record(iss_run):
    truth = published("iss_rs")
    assert set(truth) == {"zarya", "zvezda", "pirs", "poisk", "rassvet", "nauka", "prichal"}
    docked = {s: day for day, s, _ in rows(iss_run, "docked")}
    errors = {k: abs((docked[k] - truth[k]).days) for k in truth}
    assert max(errors.values()) <= 1, errors
    # Unity, standing for the US segment, was mated to Zarya on 6 Dec 1998 (#iss-unity-ports)
    assert rows(iss_run, "docked", "unity") == [(D(1998, 12, 6), "unity", "zarya.forward")]


def test_pirs_leaves_and_nauka_launched_before_takes_its_port(iss_run):
    """Nauka launched on 21 Jul 2021 while Pirs held Zvezda's nadir port; Pirs left on 26 Jul
    (#iss-pirs-departure), Nauka docked there on 29 Jul, Prichal at Nauka's nadir on 26 Nov."""
    assert [d for d, *_ in rows(iss_run, "launch", "nauka")] == [D(2021, 7, 21)]
    assert [d for d, *_ in rows(iss_run, "departed", "pirs")] == [D(2021, 7, 26)]
    assert rows(iss_run, "docked", "pirs") == [(D(2001, 9, 17), "pirs", "zvezda.nadir")]
    assert rows(iss_run, "docked", "nauka") == [(D(2021, 7, 29), "nauka", "zvezda.nadir")]
    assert rows(iss_run, "docked", "prichal") == [(D(2021, 11, 26), "prichal", "nauka.nadir")]
    assert not rows(iss_run, "module_lost") and not rows(iss_run, "flight_cancelled")


def test_rassvet_flies_on_the_shuttle_to_the_port_a_soyuz_freed(iss_run):
    """STS-132 launched Rassvet from Kennedy on 14 May 2010; Soyuz TMA-17 had moved from Zarya's
    nadir port to Zvezda's aft port on 12 May (#iss-soyuz-relocations-2010)."""
    assert rows(iss_run, "launch", "rassvet") == [(D(2010, 5, 14), "rassvet", "shuttle from kennedy")]
    assert rows(iss_run, "relocated", "soyuz-tma-17") == [(D(2010, 5, 12), "soyuz-tma-17",
                                                           "zarya.nadir -> zvezda.aft")]
    assert rows(iss_run, "docked", "rassvet") == [(D(2010, 5, 18), "rassvet", "zarya.nadir")]


def model_changes(sc, r, until: dt.date) -> list[tuple[dt.date, int]]:
    """(date, crew aboard at the end of that UTC day) for each day the model's crew changes."""
    by_day: dict[dt.date, int] = {}
    before = 0
    for t, n in zip(r.capacity_t, r.crew_aboard):
        day = clock.datetime_at(sc.simulation.start, float(t)).date()
        if day <= until and (n != before or day in by_day):
            by_day[day] = int(n)
        before = n
    out, last = [], 0
    for day in sorted(by_day):
        if by_day[day] != last:
            out.append((day, by_day[day]))
            last = by_day[day]
    return out


def test_crew_aboard_changes_on_the_record_dates(iss):
    """Every change of the long-duration crew aboard, 2 Nov 2000 to the end of 2021, on the day
    of the record, to the record's number (overlaps of old and new crews included)."""
    sc, r = iss
    assert model_changes(sc, r, RECORD_END) == [c for c in expected_changes() if c[0] <= RECORD_END]


def test_crew_aboard_steady_levels_of_each_era(iss):
    """The crew never falls below the era's steady crew (3; 2 after Columbia; 3 from Reiter's
    arrival; 6 from Soyuz TMA-15 to Stott's departure; 7 from Crew-1 to Crew-2's departure), is
    that crew at noon on most days, and more only during handover overlaps (at most 60 days a
    year: a week or two per exchange)."""
    sc, r = iss
    for level, begin, end in ERAS:
        days = [begin + dt.timedelta(days=k) for k in range(1, (end - begin).days)]
        t = np.array([clock.days_between(sc.simulation.start, dt.datetime(d.year, d.month, d.day, 12))
                      for d in days])
        aboard = r.crew_aboard[np.searchsorted(r.capacity_t, t, side="right") - 1]
        assert aboard.min() == level, (level, begin)
        above = np.count_nonzero(aboard > level)
        assert above <= 60 * len(days) / 365.25 + 1, (level, begin, above)
    day_before = lambda d: clock.days_between(sc.simulation.start, d - dt.timedelta(days=1))
    k = np.searchsorted(r.capacity_t, day_before(D(2000, 11, 2)), side="right") - 1
    assert r.crew_aboard[k] == 0  # nobody aboard before Expedition 1


def test_capacity_three_then_six_with_two_crews_lifeboats(iss):
    """The lifeboat rule: capacity 3 from Expedition 1's Soyuz, 6 when two crews' Soyuz are
    docked for good (TMA-15, 29 May 2009: the capacity_6 milestone), never reached by a
    handover overlap before; 3 with the third member of 2006-2009 (return_seats = 0); 6 with
    the year-in-space pair; 7 with a Soyuz and a Crew Dragon."""
    sc, r = iss
    date = lambda key: clock.datetime_at(sc.simulation.start, r.milestones[key]).date()
    assert date("first_crew") == date("capacity_3") == D(2000, 11, 2)
    assert date("capacity_6") == D(2009, 5, 29)
    at = lambda day: np.searchsorted(r.capacity_t, clock.days_between(
        sc.simulation.start, dt.datetime(day.year, day.month, day.day, 12)), side="right") - 1
    # 2006-2009: three aboard, three seats home (the third member's is in the Soyuz), not four
    assert (r.crew_aboard[at(D(2007, 1, 15))], r.capacity[at(D(2007, 1, 15))]) == (3, 3)
    # the year in space: six aboard, six seats (Kelly and Kornienko's in Soyuz TMA-18M), 2015-16
    assert (r.crew_aboard[at(D(2016, 1, 15))], r.capacity[at(D(2016, 1, 15))]) == (6, 6)
    # seven from Crew-1: a Soyuz and a Crew Dragon (capacity 7 first with Demo-2's four seats)
    assert (r.crew_aboard[at(D(2021, 1, 15))], r.capacity[at(D(2021, 1, 15))]) == (7, 7)
    assert date("capacity_7") == D(2020, 5, 31)
    assert not [e for e in r.events if "capacity fell" in e[3]]  # no crew sent home by the model
    assert (r.capacity >= 0).all() and (r.crew_aboard <= np.maximum(r.capacity, 13)).all()


@pytest.mark.parametrize("year", range(2001, 2022))
def test_person_days_per_year_within_ten_percent_of_the_record(iss, year):
    """Person-days aboard in each full year of the crew record, the model's step function
    integrated over the calendar year against the record's days aboard (dates only)."""
    sc, r = iss
    lo = clock.days_between(sc.simulation.start, dt.datetime(year, 1, 1))
    hi = clock.days_between(sc.simulation.start, dt.datetime(year + 1, 1, 1))
    t = np.concatenate([r.capacity_t, [r.horizon_days]])
    span = np.clip(t[1:], lo, hi) - np.clip(t[:-1], lo, hi)
    model = float(np.dot(r.crew_aboard.astype(float), span))
    truth = record_person_days(year)
    assert model == pytest.approx(truth, rel=0.10), (year, model, truth)


def test_iss_replay_is_deterministic(iss):
    sc, r = iss
    assert campaign.simulate(sc, np.random.default_rng(99)).events == r.events
