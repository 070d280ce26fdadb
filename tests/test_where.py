"""Conditioning (``rossim run --where``) and the per-replication counts it reads.

The counts are counted by the campaign as events happen; here they are checked against an
independent count from the event log (events.csv, ``Replication.events``)."""

import collections
import csv
import json
from pathlib import Path

import pytest

from rossim import cli, ensemble, resultfiles, scenario
from rossim.analysis import where
from rossim.campaign import count_keys

from conftest import one_line_error

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.toml"
TROUBLE = ROOT / "scenarios" / "ross_angara_trouble.toml"
KEYS = ["launch_failures.heavy", "launch_failures.crew_rocket", "scrubs.pad", "scrubs.crew_pad",
        "docking_failures.a", "docking_failures.b", "losses.a", "losses.b"]


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _run(out, *extra, n=20, flaky=True):
    argv = ["run", TINY, "-n", n, "--seed", 3, "--no-report", "--events", "csv", "--out", out, *extra]
    if flaky:  # the heavy rocket fails half its flights: some replications lose a module
        argv += ["--set", "launch_vehicles.heavy.success_probability=0.5"]
    assert cli.main([str(a) for a in argv]) == 0


def _event_counts(events):
    """The counts rebuilt from an event log: (kind, subject, detail) rows."""
    c = collections.Counter()
    for kind, subject, detail in events:
        if kind == "launch_failure":
            c["launch_failures." + detail.split(" from ", 1)[0]] += 1  # "<vehicle> from <site>; ..."
        elif kind == "scrub":
            c["scrubs." + detail] += 1
        elif kind == "docking_failed":
            c["docking_failures." + subject] += 1
        elif kind == "module_lost":
            c["losses." + subject] += 1
    return c


def test_counts_are_what_the_event_log_shows():
    """Every kind of count, on a scenario where each happens: the campaign's counters equal the
    event log's, every key present (0 when none), the same with the replications packed by
    worker processes."""
    sc = scenario.load(TROUBLE)
    one = ensemble.run(sc, n=24, seed=3, workers=1)
    keys = count_keys(sc)
    assert {k.split(".")[0] for k in keys} == {"launch_failures", "scrubs", "docking_failures", "losses"}
    nonzero = set()
    for r in one.replications:
        assert list(r.counts) == keys
        logged = _event_counts((k, s, d) for _, k, s, d in r.events)
        assert {k: v for k, v in r.counts.items() if v} == dict(logged)
        assert all(r.counts[f"losses.{m}"] == r.module_lost[m] for m in sc.modules)
        nonzero |= {k.split(".")[0] for k, v in r.counts.items() if v}
    assert nonzero == {"launch_failures", "scrubs", "docking_failures", "losses"}
    two = ensemble.run(sc, n=24, seed=3, workers=2)
    assert [r.counts for r in two.replications] == [r.counts for r in one.replications]


def test_replications_csv_has_the_counts_and_reads_them_back(tmp_path):
    _run(tmp_path / "all")
    rows = _rows(tmp_path / "all" / "replications.csv")
    assert list(rows[0])[-len(KEYS):] == KEYS
    cols = resultfiles.read_csv(tmp_path / "all" / "replications.csv", {"replication": resultfiles.INT_COL},
                                pattern=resultfiles.REPLICATION_COUNTS_PATTERN)
    assert all(isinstance(v, int) for k in KEYS for v in cols[k])
    assert len(cols["replication"]) == 20


def test_where_on_a_deterministic_scenario_selects_exactly(tmp_path, capsys):
    """Nothing is uncertain in tiny.toml: phase 1 completes on 2030-01-15 in every replication."""
    _run(tmp_path / "a", "--where", "phase_1_complete == 2030-01-15", "--where", "launch_failures.heavy == 0",
         n=6, flaky=False)
    assert "6 of 6 replications selected" in capsys.readouterr().out
    s = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert (s["selected"], s["of"], s["replications"]) == (6, 6, 6)
    assert s["where"] == ["phase_1_complete == 2030-01-15", "launch_failures.heavy == 0"]
    # four are never aboard 90 % of a year within the horizon: hosting_4 is later than any date
    _run(tmp_path / "b", "--where", "hosting_4 > 2999-01-01", "--where", "phase_2_complete == 2030-02-14",
         n=6, flaky=False)
    assert "6 of 6 replications selected" in capsys.readouterr().out
    for expr in ("phase_1_complete < 2030-01-15", "hosting_4 <= 2999-01-01", "hosting_4 == 2031-01-01",
                 "phase_2_complete != 2030-02-14", "scrubs.pad >= 1"):
        one_line_error(capsys, ["run", TINY, "-n", 6, "--no-report", "--out", tmp_path / "none", "--where", expr],
                       "--where", "no replication matches")
        assert not (tmp_path / "none").exists()


def test_where_selects_the_replications_the_event_log_says(tmp_path, capsys):
    _run(tmp_path / "all")
    capsys.readouterr()
    events = collections.defaultdict(list)
    for e in _rows(tmp_path / "all" / "events.csv"):
        events[int(e["replication"])].append((e["kind"], e["subject"], e["detail"]))
    one_failure = {i for i in range(20)
                   if sum(1 for k, _, d in events[i] if k == "launch_failure" and d.split(" from ")[0] == "heavy") == 1}
    assert 0 < len(one_failure) < 20

    _run(tmp_path / "sel", "--where", "launch_failures.heavy == 1")
    rows = _rows(tmp_path / "sel" / "replications.csv")
    assert all(r["launch_failures.heavy"] == "1" for r in rows)
    assert {int(r["replication"]) for r in rows} == one_failure
    assert f"{len(one_failure)} of 20 replications selected" in capsys.readouterr().out
    s = json.loads((tmp_path / "sel" / "summary.json").read_text())
    assert (s["selected"], s["of"], s["replications"]) == (len(one_failure), 20, len(one_failure))
    sel_events = {int(e["replication"]) for e in _rows(tmp_path / "sel" / "events.csv")}
    assert sel_events == one_failure
    # each selected replication's person-days are its own row of the full run, under its own number
    full_pd = {r["replication"]: r for r in _rows(tmp_path / "all" / "person_days_by_year.csv")}
    sel_pd = _rows(tmp_path / "sel" / "person_days_by_year.csv")
    assert [r["replication"] for r in sel_pd] == [r["replication"] for r in rows]
    assert all(r == full_pd[r["replication"]] for r in sel_pd)

    # a milestone by date, and two conditions together, against the unconditioned rows
    full = {int(r["replication"]): r for r in _rows(tmp_path / "all" / "replications.csv")}
    early = {i for i, r in full.items() if r["phase_1_complete_date"] and r["phase_1_complete_date"] <= "2030-03-01"}
    assert 0 < len(early) < 20
    _run(tmp_path / "both", "--where", "phase_1_complete <= 2030-03-01", "--where", "losses.b >= 1")
    got = {int(r["replication"]) for r in _rows(tmp_path / "both" / "replications.csv")}
    expected = {i for i in early if int(full[i]["losses.b"]) >= 1}
    assert 0 < len(expected) < len(early)
    assert got == expected


@pytest.mark.parametrize("expr, needle", [
    ("launch_failures.heavy = 1", "not a condition"),
    ("launch_failures.heavy == one", "whole number"),
    ("phase_1_complete <= 2030-13-01", "ISO date"),
    ("phase_1_complete <= 3", "ISO date"),
    ("launch_failures.angara == 1", "unknown name"),
    ("", "not a condition"),
    ("__import__('os') == 1", "unknown name"),
])
def test_bad_where_is_one_line(tmp_path, capsys, expr, needle):
    line = one_line_error(capsys, ["run", TINY, "-n", 2, "--no-report", "--out", tmp_path / "x", "--where", expr],
                          "--where", needle, "valid names", "launch_failures.heavy", "phase_1_complete")
    assert "hosting_2" in line and "losses.b" in line
    assert not (tmp_path / "x").exists()


def test_parse():
    c = where.parse(" losses.nem>=1 ", ["losses.nem"], ["phase_2_complete"])
    assert (c.name, c.op, c.value) == ("losses.nem", ">=", 1)
    c = where.parse("phase_2_complete <= 2033-12-31", ["losses.nem"], ["phase_2_complete"])
    assert c.is_milestone and c.value.isoformat() == "2033-12-31"
