"""The Mir replay against the published record: `rossim run` on scenarios/history/mir_1986_1996.toml
reproduces each module's docking date (rossim/data/history/module_dates.csv), the Lyappa-arm
relocations, the crew aboard day by day and the person-days of each year, all computed here from
the people's own dates in docs/history-sources.md, independently of how the scenario writes them."""

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from conftest import replay_events
from rossim import campaign, clock, scenario

ROOT = Path(__file__).resolve().parent.parent
MIR = ROOT / "scenarios" / "history" / "mir_1986_1996.toml"
MODULE_DATES = ROOT / "rossim" / "data" / "history" / "module_dates.csv"
D = dt.date

#: The Lyappa-arm moves to the radial ports: module -> (UTC date, the port it moved to), from
#: docs/history-sources.md#mir-kristall (11 Jun 1990), #mir-spektr (2 Jun 1995, +-1 day) and
#: #mir-priroda (27 Apr 1996). Kvant-2's date is not in the record: it docked on 6 Dec 1989 and was
#: at the side of the station by 22 Dec (#mir-kvant-2), the window its move is checked against.
RELOCATIONS = {"kristall": (D(1990, 6, 11), "core.minus_z"),
               "spektr": (D(1995, 6, 2), "core.minus_y"),
               "priroda": (D(1996, 4, 27), "core.plus_y")}
KVANT_2_MOVED = (D(1989, 12, 6), D(1989, 12, 22), "core.plus_z")

#: Who was aboard Mir, person by person as the sources give them (not as the scenario groups them):
#: (people, aboard from, aboard until), UTC dates. "From" is the docking of the ship that brought
#: them and "until" the undocking (or landing, the same day) of the ship that took them home; a
#: Soyuz TM docking not given in the sources is two days after its launch date
#: (docs/history-sources.md#mir-soyuz-flights). Later than the horizon: still aboard on 1 Jan 1997.
LATER = D(1997, 1, 1)
ABOARD = [
    # history-sources.md#mir-soyuz-t-15: to Salyut 7 and back
    (2, D(1986, 3, 15), D(1986, 5, 5)),     # Kizim, Solovyov
    (2, D(1986, 6, 26), D(1986, 7, 16)),    # the same, back from Salyut 7
    # history-sources.md#mir-soyuz-flights (RP-1357: launch and landing dates, launch and landing crews)
    (1, D(1987, 2, 7), D(1987, 12, 29)),    # Romanenko: TM-2 up, TM-3 down
    (1, D(1987, 2, 7), D(1987, 7, 30)),     # Laveykin: TM-2 up and down
    (2, D(1987, 7, 24), D(1987, 7, 30)),    # Viktorenko, Faris: TM-3 up, TM-2 down
    (1, D(1987, 7, 24), D(1987, 12, 29)),   # Aleksandrov: TM-3 up and down
    (2, D(1987, 12, 23), D(1988, 12, 21)),  # Titov, Manarov: TM-4 up, TM-6 down
    (1, D(1987, 12, 23), D(1987, 12, 29)),  # Levchenko: TM-4 up, TM-3 down
    (3, D(1988, 6, 9), D(1988, 6, 17)),     # Solovyov, Savinykh, Aleksandrov (BG): TM-5 up, TM-4 down
    (2, D(1988, 8, 31), D(1988, 9, 5)),     # Lyakhov, Mohmand: TM-6 up, TM-5 down (undocked 5 Sep)
    (1, D(1988, 8, 31), D(1989, 4, 27)),    # Polyakov: TM-6 up, TM-7 down
    (2, D(1988, 11, 28), D(1989, 4, 27)),   # Volkov, Krikalev: TM-7
    (1, D(1988, 11, 28), D(1988, 12, 21)),  # Chretien: TM-7 up, TM-6 down
    (2, D(1989, 9, 7), D(1990, 2, 19)),     # Viktorenko, Serebrov: TM-8
    (2, D(1990, 2, 13), D(1990, 8, 9)),     # Solovyov, Balandin: TM-9
    (2, D(1990, 8, 3), D(1990, 12, 10)),    # Manakov, Strekalov: TM-10
    (2, D(1990, 12, 4), D(1991, 5, 26)),    # Afanasyev, Manarov: TM-11
    (1, D(1990, 12, 4), D(1990, 12, 10)),   # Akiyama: TM-11 up, TM-10 down
    (1, D(1991, 5, 20), D(1991, 10, 10)),   # Artsebarsky: TM-12
    (1, D(1991, 5, 20), D(1992, 3, 25)),    # Krikalev: TM-12 up, TM-13 down
    (1, D(1991, 5, 20), D(1991, 5, 26)),    # Sharman: TM-12 up, TM-11 down
    (1, D(1991, 10, 4), D(1992, 3, 25)),    # Volkov: TM-13
    (2, D(1991, 10, 4), D(1991, 10, 10)),   # Aubakirov, Viehboeck: TM-13 up, TM-12 down
    (2, D(1992, 3, 19), D(1992, 8, 10)),    # Viktorenko, Kaleri: TM-14
    (1, D(1992, 3, 19), D(1992, 3, 25)),    # Flade: TM-14 up, TM-13 down
    (2, D(1992, 7, 29), D(1993, 2, 1)),     # Solovyov, Avdeyev: TM-15
    (1, D(1992, 7, 29), D(1992, 8, 10)),    # Tognini: TM-15 up, TM-14 down
    (2, D(1993, 1, 26), D(1993, 7, 22)),    # Manakov, Poleshchuk: TM-16
    (2, D(1993, 7, 3), D(1994, 1, 14)),     # Tsibliyev, Serebrov: TM-17
    (1, D(1993, 7, 3), D(1993, 7, 22)),     # Haignere: TM-17 up, TM-16 down
    (2, D(1994, 1, 10), D(1994, 7, 9)),     # Afanasyev, Usachev: TM-18
    (1, D(1994, 1, 10), D(1995, 3, 22)),    # Polyakov: TM-18 up, TM-20 down
    (2, D(1994, 7, 3), D(1994, 11, 4)),     # Malenchenko, Musabayev: TM-19
    (2, D(1994, 10, 6), D(1995, 3, 22)),    # Viktorenko, Kondakova: TM-20
    (1, D(1994, 10, 6), D(1994, 11, 4)),    # Merbold: TM-20 up, TM-19 down
    (3, D(1995, 3, 16), D(1995, 7, 4)),     # Dezhurov, Strekalov, Thagard: TM-21 up, STS-71 down
    # history-sources.md#mir-sts-71 ... #mir-sts-79 and the Soyuz TM flights of 1995-96
    (5, D(1995, 6, 29), D(1995, 7, 4)),     # STS-71's own five
    (2, D(1995, 6, 29), D(1995, 9, 11)),    # Solovyev, Budarin: STS-71 up, TM-21 down
    (3, D(1995, 9, 5), D(1996, 2, 29)),     # Gidzenko, Avdeyev, Reiter: TM-22
    (5, D(1995, 11, 15), D(1995, 11, 18)),  # STS-74's five
    (2, D(1996, 2, 23), D(1996, 9, 2)),     # Onufrienko, Usachev: TM-23
    (5, D(1996, 3, 24), D(1996, 3, 29)),    # STS-76's five
    (1, D(1996, 3, 24), D(1996, 9, 24)),    # Lucid: STS-76 up, STS-79 down
    (2, D(1996, 8, 19), LATER),             # Korzun, Kaleri: TM-24
    (1, D(1996, 8, 19), D(1996, 9, 2)),     # Andre-Deshays: TM-24 up, TM-23 down
    (5, D(1996, 9, 19), D(1996, 9, 24)),    # STS-79's five
    (1, D(1996, 9, 19), LATER),             # Blaha: STS-79 up, STS-81 down (Jan 1997)
]

#: Published crew aboard at noon UTC on dates inside each step of the record, read off
#: history-sources.md#mir-crew-timeline (not computed from ABOARD): (date, crew, the entry of the
#: event that set it). The resident crews, the visits, the gaps and the Shuttle dockings.
STEPS = [
    (D(1986, 4, 1), 2, "mir-soyuz-t-15"), (D(1986, 6, 1), 0, "mir-soyuz-t-15"),
    (D(1986, 7, 1), 2, "mir-soyuz-t-15"), (D(1986, 10, 1), 0, "mir-orbit"),
    (D(1987, 3, 1), 2, "mir-soyuz-flights"), (D(1987, 7, 27), 5, "mir-soyuz-flights"),
    (D(1987, 8, 15), 2, "mir-soyuz-flights"), (D(1987, 12, 26), 5, "mir-soyuz-flights"),
    (D(1988, 1, 15), 2, "mir-soyuz-flights"), (D(1988, 6, 12), 5, "mir-soyuz-flights"),
    (D(1988, 7, 1), 2, "mir-soyuz-flights"), (D(1988, 9, 2), 5, "mir-soyuz-flights"),
    (D(1988, 10, 1), 3, "mir-soyuz-flights"), (D(1988, 12, 10), 6, "mir-soyuz-flights"),
    (D(1989, 1, 15), 3, "mir-soyuz-flights"), (D(1989, 6, 1), 0, "mir-orbit"),
    (D(1989, 10, 1), 2, "mir-soyuz-flights"), (D(1990, 2, 16), 4, "mir-soyuz-flights"),
    (D(1990, 3, 1), 2, "mir-soyuz-flights"), (D(1990, 8, 6), 4, "mir-soyuz-flights"),
    (D(1990, 12, 7), 5, "mir-soyuz-flights"), (D(1991, 5, 23), 5, "mir-soyuz-flights"),
    (D(1991, 10, 7), 5, "mir-soyuz-flights"), (D(1992, 3, 22), 5, "mir-soyuz-flights"),
    (D(1992, 8, 1), 5, "mir-soyuz-flights"), (D(1993, 1, 29), 4, "mir-soyuz-flights"),
    (D(1993, 7, 10), 5, "mir-soyuz-flights"), (D(1994, 1, 12), 5, "mir-soyuz-flights"),
    (D(1994, 2, 1), 3, "mir-soyuz-flights"), (D(1994, 7, 6), 5, "mir-soyuz-flights"),
    (D(1994, 10, 20), 6, "mir-soyuz-flights"), (D(1995, 3, 19), 6, "mir-soyuz-flights"),
    (D(1995, 5, 1), 3, "mir-soyuz-flights"), (D(1995, 7, 1), 10, "mir-sts-71"),
    (D(1995, 8, 1), 2, "mir-sts-71"), (D(1995, 9, 8), 5, "mir-soyuz-flights"),
    (D(1995, 10, 1), 3, "mir-soyuz-flights"), (D(1995, 11, 16), 8, "mir-sts-74"),
    (D(1996, 2, 26), 5, "mir-soyuz-flights"), (D(1996, 3, 10), 2, "mir-soyuz-flights"),
    (D(1996, 3, 26), 8, "mir-sts-76"), (D(1996, 5, 1), 3, "mir-sts-76"),
    (D(1996, 8, 25), 6, "mir-soyuz-flights"), (D(1996, 9, 21), 9, "mir-sts-79"),
    (D(1996, 12, 1), 3, "mir-sts-79"),
]


def aboard_on(day: dt.date) -> int:
    """People aboard at noon UTC of ``day`` according to ABOARD (arrival days count, departure
    days do not: an arrival or departure at noon is never closer than a day to the test's dates)."""
    return sum(n for n, start, end in ABOARD if start <= day < end)


def published_person_days(year: int) -> float:
    """Person-days aboard in ``year`` from ABOARD: each group's days (date resolution) within the
    year times its people. Independent of the scenario: the people's own dates, not its flights."""
    first, last = D(year, 1, 1), D(year + 1, 1, 1)
    return float(sum(n * max(0, (min(end, last) - max(start, first)).days) for n, start, end in ABOARD))


@pytest.fixture(scope="module")
def mir_run(tmp_path_factory):
    """`rossim run scenarios/history/mir_1986_1996.toml -n 1`: its folder."""
    out = tmp_path_factory.mktemp("replay") / "mir"
    replay_events(MIR, out)
    return out


@pytest.fixture(scope="module")
def events(mir_run):
    with (mir_run / "events.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def mir():
    sc = scenario.load(MIR)
    return sc, campaign.simulate(sc, np.random.default_rng(0))


def crew_at(sc, r, day: dt.date, hour: int = 12) -> int:
    t = clock.days_between(sc.simulation.start, dt.datetime(day.year, day.month, day.day, hour))
    return int(r.crew_aboard[np.searchsorted(r.capacity_t, t, side="right") - 1])


def test_mir_modules_dock_within_a_day_of_the_record(events):
    with MODULE_DATES.open(encoding="utf-8", newline="") as fh:
        truth = {row["module"]: D.fromisoformat(row["docking_date"] or row["launch_date"])
                 for row in csv.DictReader(fh) if row["programme"] == "mir"}
    assert set(truth) == {"core", "kvant_1", "kvant_2", "kristall", "spektr", "docking_module", "priroda"}
    docked = {row["subject"]: D.fromisoformat(row["date"]) for row in events if row["kind"] == "docked"}
    assert set(docked) == set(truth)
    errors = {k: abs((docked[k] - truth[k]).days) for k in truth}
    assert max(errors.values()) <= 1, errors
    # the Docking Module came with STS-74, whose crew boarded the same day (history-sources.md#mir-sts-74)
    arrived = {row["subject"]: D.fromisoformat(row["date"]) for row in events if row["kind"] == "crew_arrived"}
    assert arrived["sts-74"] == docked["docking_module"] == D(1995, 11, 15)


def test_mir_laboratories_move_to_the_radial_ports(events):
    moved = {row["subject"]: (D.fromisoformat(row["date"]), row["detail"]) for row in events
             if row["kind"] == "relocated"}
    for mid, (day, port) in RELOCATIONS.items():
        assert abs((moved[mid][0] - day).days) <= 1, mid
        assert moved[mid][1] == f"core.forward -> {port}"
    first, last, port = KVANT_2_MOVED
    assert first <= moved["kvant_2"][0] <= last and moved["kvant_2"][1] == f"core.forward -> {port}"
    # every laboratory came to the forward port (history-sources.md#mir-lyappa), Kvant-1 to the aft one
    docked = {row["subject"]: row["detail"] for row in events if row["kind"] == "docked"}
    assert {docked[m] for m in (*RELOCATIONS, "kvant_2")} == {"core.forward"}
    assert docked["kvant_1"] == "core.aft"


def test_every_step_cites_an_entry_of_the_history_sources():
    text = (ROOT / "docs" / "history-sources.md").read_text(encoding="utf-8")
    assert all(f'<a id="{anchor}"></a>' in text for _, _, anchor in STEPS)


def test_published_timeline_agrees_with_the_people_dates():
    """The two readings of the record agree: the step table (crew timeline) and the person-by-person
    dates. Guards the truth tables themselves against a typo in either."""
    assert [(d, aboard_on(d)) for d, _, _ in STEPS] == [(d, n) for d, n, _ in STEPS]


def test_mir_crew_aboard_at_the_published_steps(mir):
    """Crew aboard at noon UTC on each date of STEPS: the gaps (1986-87, 1989), the resident crews of
    two and three, the visits of a week (5 or 6 aboard) and the Shuttle dockings (10, 8, 8, 9)."""
    sc, r = mir
    assert [(d, crew_at(sc, r, d)) for d, _, _ in STEPS] == [(d, n) for d, n, _ in STEPS]


def test_mir_crew_aboard_every_day_within_a_day_of_the_record(mir):
    """Every day at noon from the first crew to the horizon, the replay's crew aboard is the
    published one, except on days within one day of a published change (the replay's times of
    day are those of docking and undocking, the table's are dates)."""
    sc, r = mir
    changes = {d for _, a, b in ABOARD for d in (a, b)}
    near = {c + dt.timedelta(days=k) for c in changes for k in (-1, 0, 1)}
    days = [D(1986, 3, 1) + dt.timedelta(days=i) for i in range((D(1997, 1, 1) - D(1986, 3, 1)).days)]
    wrong = [(d, crew_at(sc, r, d), aboard_on(d)) for d in days if d not in near and crew_at(sc, r, d) != aboard_on(d)]
    assert not wrong, wrong[:10]
    assert len(days) - len(near) > 3500  # the comparison covers most of the eleven years


def test_mir_person_days_per_year_within_ten_percent(mir_run):
    """person_days_by_year.csv of the run against the person-days computed from the people's dates
    (ABOARD) for each full year 1987-1996: within 10 % (measured: within 1 %; the differences are
    the times of day of dockings and undockings)."""
    with (mir_run / "person_days_by_year.csv").open(encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    for year in range(1987, 1997):
        model, truth = float(row[f"person_days_{year}"]), published_person_days(year)
        assert truth > 0 and abs(model - truth) <= 0.10 * truth, (year, model, truth)
        assert abs(model - truth) <= 0.01 * truth, (year, model, truth)


def test_mir_hosting_milestones_match_the_record(mir_run):
    """hosting_N (at least N aboard at noon and on at least 90 % of the next 365 days, the window
    within the horizon) for Mir's resident crews of two and three, against a day-by-day count of
    ABOARD: two routinely from 7 Feb 1987 (Soyuz TM-2), three from 10 Jan 1994 (Soyuz TM-18)."""
    with (mir_run / "replications.csv").open(encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    days = [D(1986, 2, 1) + dt.timedelta(days=i) for i in range((LATER - D(1986, 2, 1)).days)]
    crew = np.array([aboard_on(d) for d in days])
    for level, expected in ((2, D(1987, 2, 7)), (3, D(1994, 1, 10))):
        at_least = crew >= level
        ahead = np.array([at_least[i:i + 365].sum() for i in range(len(days) - 365 + 1)])
        first = days[int(np.argmax(at_least[:ahead.size] & (ahead >= 0.9 * 365)))]
        assert first == expected
        assert abs((D.fromisoformat(row[f"hosting_{level}_date"]) - first).days) <= 1, level


def test_mir_crew_less_gaps(mir):
    """Mir was empty from 16 Jul 1986 to Feb 1987 and from 27 Apr to 7 Sep 1989
    (history-sources.md#mir-orbit, #mir-crew-timeline)."""
    sc, r = mir
    for first, last in ((D(1986, 7, 17), D(1987, 2, 6)), (D(1989, 4, 28), D(1989, 9, 6))):
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        assert {crew_at(sc, r, d) for d in days} == {0}
    assert crew_at(sc, r, D(1987, 2, 8)) == 2 and crew_at(sc, r, D(1989, 9, 8)) == 2


def test_mir_replay_is_deterministic(mir):
    sc, r = mir
    again = campaign.simulate(sc, np.random.default_rng(12345))
    assert again.events == r.events
