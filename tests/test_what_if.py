"""Forced events (``[[what_if]]``, ``rossim run --what-if``): applied where the random outcome is
decided, the random draws unchanged, so that a forced run is paired with the un-forced one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from rossim import cli, clock, ensemble, scenario

from conftest import one_line_error

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.toml"
HIGH = ROOT / "scenarios" / "ross_high_latitude.toml"
N = 40


def _run(path, *what_if, n=N, seed=5):
    return ensemble.run(scenario.load(path, what_if=list(what_if)), n=n, seed=seed, workers=1).replications


def _flights(rep, route_part):
    return [e for e in rep.events if e[1] in ("launch", "launch_failure") and route_part in e[3]]


def test_the_first_angara_flight_fails_in_every_replication():
    forced = _run(HIGH, 'launch_fails = "angara_a5m", nth = 1')
    free = _run(HIGH)
    for f, r in zip(forced, free):
        assert f.counts["launch_failures.angara_a5m"] >= 1
        first = _flights(f, "angara_a5m")[0]
        assert first[1] == "launch_failure"
        # paired: everything before that first Angara flight is the un-forced replication's
        t = first[0]
        assert [e for e in f.events if e[0] < t] == [e for e in r.events if e[0] < t]
        assert _flights(r, "angara_a5m")[0][0] == t


@pytest.mark.parametrize("path, what_if", [
    (TINY, 'launch_fails = "heavy", nth = 50'),            # the heavy rocket flies twice
    (HIGH, 'docking_fails = "platform", attempt = 99'),   # never tried that often
    (HIGH, 'launch_fails = "angara_a5m", nth = 99'),
])
def test_a_forced_event_that_never_comes_changes_nothing(path, what_if):
    forced, free = _run(path, what_if, n=20), _run(path, n=20)
    assert [repr(r.events) for r in forced] == [repr(r.events) for r in free]
    assert [repr(r.milestones) for r in forced] == [repr(r.milestones) for r in free]


def test_a_forced_docking_failure_is_logged_in_every_replication():
    """Every replication in which the module reached orbit logs the forced failure (with the slips
    fitted to history, a module lost at launch on every try before the horizon never gets there)."""
    for path, module in ((TINY, "b"), (HIGH, "bm")):
        reps = _run(path, f'docking_fails = "{module}", attempt = 1', n=20)
        in_orbit = [rep for rep in reps if any(e[1] == "launch" and e[2] == module for e in rep.events)]
        assert len(in_orbit) >= 15
        for rep in in_orbit:
            failed = [e for e in rep.events if e[1] == "docking_failed" and e[2] == module]
            assert failed and failed[0][3] == "attempt 1", rep.events
            assert rep.counts[f"docking_failures.{module}"] >= 1


def test_a_pad_outage_has_no_launch_from_that_site_inside_it():
    start = scenario.load(HIGH).simulation.start
    begin = clock.days_between(start, dt.date(2029, 1, 1))
    end = begin + 365
    inside = lambda reps: [e for r in reps for e in _flights(r, "from vostochny_1s") if begin <= e[0] < end]
    assert inside(_run(HIGH, n=10))  # un-forced, that pad is busy then
    forced = _run(HIGH, 'pad_out = "vostochny_1s", from = 2029-01-01, days = 365', n=10)
    assert not inside(forced)
    assert all(any(f[0] >= end for f in _flights(r, "from vostochny_1s")) for r in forced)


def test_a_slip_moves_the_ready_date_by_exactly_its_days():
    free = _run(TINY, n=3)
    slipped = _run(TINY, 'slip = "b", days = 30', 'slip = "a", days = 100.5', n=3)
    for f, s in zip(free, slipped):
        assert s.module_ready["b"] == f.module_ready["b"] + 30
        assert s.module_ready["a"] == f.module_ready["a"] + 100.5


def test_what_if_tables_in_the_scenario_file():
    text = TINY.read_text() + '\n[[what_if]]\nslip = "b"\ndays = 30\n\n[[what_if]]\npad_out = "pad"\n' \
                              'from = 2030-03-01\ndays = 10\n'
    sc = scenario.loads(text, source=str(TINY))
    assert [w.describe() for w in sc.what_if] == [{"slip": "b", "days": 30},
                                                  {"pad_out": "pad", "from": "2030-03-01", "days": 10}]
    more = scenario.loads(text, source=str(TINY), what_if=['launch_fails = "heavy", nth = 2'])
    assert len(more.what_if) == 3 and more.what_if[2].launch_fails == "heavy"


def test_run_records_the_what_ifs(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", TINY, "-n", 4, "--no-report", "--out", out, "--what-if", 'slip = "b", days = 30',
            "--what-if", 'launch_fails = "heavy", nth = 1']
    assert cli.main([str(a) for a in argv]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["what_if"] == [{"slip": "b", "days": 30}, {"launch_fails": "heavy", "nth": 1}]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["what_if"] == ['slip = "b", days = 30', 'launch_fails = "heavy", nth = 1']
    plain = tmp_path / "plain"
    assert cli.main([str(a) for a in ["run", TINY, "-n", 2, "--no-report", "--out", plain]]) == 0
    assert json.loads((plain / "summary.json").read_text())["what_if"] == []


@pytest.mark.parametrize("what_if, needles", [
    ('launch_fails = "heavvy", nth = 1', ["what_if.0.launch_fails", "did you mean 'heavy'"]),
    ('launch_fails = "heavy", nth = 0', ["what_if.0.nth"]),
    ('launch_fails = "heavy"', ["what_if.0.nth", "needs nth"]),
    ('launch_fails = "heavy", nth = 1, days = 3', ["what_if.0.days"]),
    ('docking_fails = "b", attempt = 0', ["what_if.0.attempt"]),
    ('docking_fails = "a", attempt = 1', ["what_if.0.docking_fails", "docks to nothing"]),
    ('docking_fails = "zz", attempt = 1', ["what_if.0.docking_fails", "no module"]),
    ('pad_out = "pad", from = 2035-01-01, days = 10', ["what_if.0.from", "simulation.horizon"]),
    ('pad_out = "pad", from = 2029-12-31, days = 10', ["what_if.0.from", "simulation.start"]),
    ('pad_out = "pad", from = 2030-03-01, days = 0', ["what_if.0.days"]),
    ('pad_out = "nowhere", from = 2030-03-01, days = 5', ["what_if.0.pad_out"]),
    ('slip = "b", days = -3', ["what_if.0.days"]),
    ('slip = "b"', ["what_if.0.days"]),
    ('slip = "b", days = 3, launch_fails = "heavy"', ["what_if.0", "exactly one"]),
    ('nth = 1', ["what_if.0", "exactly one"]),
    ('frm = 2030-03-01', ["what_if.0.frm", "did you mean 'from'"]),
    ('slip = "b", days = 3 } x = {', ["--what-if"]),
    ('slip = "b",\n days = 3', ["--what-if", "one line"]),
    ('', ["what_if.0", "exactly one"]),
])
def test_bad_what_if_is_one_line(tmp_path, capsys, what_if, needles):
    one_line_error(capsys, ["run", TINY, "-n", 2, "--no-report", "--out", tmp_path / "x", "--what-if", what_if],
                   *needles)
    assert not (tmp_path / "x").exists()
