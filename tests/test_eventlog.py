"""The event log files: Parquet (the default), CSV on request, or none; built by columns with
dates by numpy arithmetic. Checked against the replications' own logs and the one-at-a-time
date conversion (clock.iso_date), and the CSV against the format it always had."""

import csv
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rossim import clock, ensemble, eventlog, scenario
from rossim.cli import main

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HL = ROOT / "scenarios" / "ross_high_latitude.toml"


@pytest.fixture(scope="module")
def ens():
    return ensemble.run(scenario.load(HL), n=12, seed=5, workers=1)


def test_iso_dates_are_iso_date_for_every_value():
    start = dt.date(2027, 3, 1)
    rng = np.random.default_rng(4)
    days = np.concatenate([rng.uniform(-30, 6000, 5000), [0.0, 1.0, 1 - 1e-12, 365.25, 1e-9, -1e-9, np.nan]])
    want = [clock.iso_date(start, d) or "" for d in days]
    assert clock.iso_dates(start, days).tolist() == want
    # a datetime epoch (a coverage start at 12:00 UTC): the day turns at its midnight, not ours
    noon = dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone.utc)
    assert clock.iso_dates(noon, [0.49, 0.51]).tolist() == [clock.iso_date(noon, 0.49), clock.iso_date(noon, 0.51)] \
        == ["2030-01-01", "2030-01-02"]


def test_parquet_holds_every_event_as_logged(ens, tmp_path):
    path = eventlog.write(tmp_path, ens, "parquet")
    assert path.name == "events.parquet"
    df = pd.read_parquet(path)
    logged = [(r.index, *e) for r in ens.replications for e in r.events]
    assert len(df) == len(logged)
    assert df["replication"].tolist() == [e[0] for e in logged]
    assert df["day"].tolist() == [e[1] for e in logged]  # exact: float64, not text
    assert df["kind"].astype(str).tolist() == [e[2] for e in logged]
    assert df["subject"].astype(str).tolist() == [e[3] for e in logged]
    assert df["detail"].tolist() == [e[4] for e in logged]
    assert [d.isoformat() for d in df["date"]] == [clock.iso_date(ens.start, e[1]) for e in logged]



def test_chunk_holds_odd_logs_event_by_event(ens):
    """The chunk's columns, event by event, for logs the model rarely makes: a replication with
    no event, a chunk with none at all, a day that is the int 0 (a crew aboard at the start),
    text beyond ASCII."""
    import dataclasses

    r0 = ens.replications[0]
    odd = [dataclasses.replace(r0, index=7, events=[(0, "crew_arrived", "soyuz#start", "2 crew"),
                                                    (1.5, "relocated", "Прогресс", "a -> é")]),
           dataclasses.replace(r0, index=8, events=[]),
           dataclasses.replace(r0, index=9, events=[(2.25, "ready", "nem", "")])]
    t = eventlog.chunk(dt.date(2030, 1, 1), odd).to_pydict()
    assert t["replication"] == [7, 7, 9]
    assert t["day"] == [0.0, 1.5, 2.25] and all(type(d) is float for d in t["day"])
    assert t["date"] == [dt.date(2030, 1, 1), dt.date(2030, 1, 2), dt.date(2030, 1, 3)]
    assert t["kind"] == ["crew_arrived", "relocated", "ready"]
    assert t["subject"] == ["soyuz#start", "Прогресс", "nem"]
    assert t["detail"] == ["2 crew", "a -> é", ""]
    empty = eventlog.chunk(dt.date(2030, 1, 1), odd[1:2])
    assert empty.num_rows == 0 and empty.schema == eventlog.chunk(ens.start, ens.replications).schema

def test_csv_is_the_format_it_always_was(ens, tmp_path):
    eventlog.write(tmp_path, ens, "csv")
    with open(tmp_path / "events.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["replication", "day", "date", "kind", "subject", "detail"]
    logged = [(r.index, *e) for r in ens.replications for e in r.events]
    assert len(rows) == len(logged) + 1
    for row, (i, t, kind, subject, detail) in zip(rows[1:], logged):
        assert int(row[0]) == i and float(row[1]) == round(t, 4)
        assert row[2:] == [clock.iso_date(ens.start, t), kind, subject, detail]


def test_none_writes_nothing_and_a_bad_format_is_refused(ens, tmp_path):
    assert eventlog.write(tmp_path, ens, "none") is None and not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="parquet, csv, none"):
        eventlog.write(tmp_path, ens, "xml")


@pytest.mark.parametrize("fmt, name", [("csv", "events.csv"), ("none", None)])
def test_cli_events_option(tmp_path, fmt, name):
    out = tmp_path / "run"
    assert main(["run", str(HL), "-n", "4", "--workers", "1", "--no-report", "--events", fmt, "--out", str(out)]) == 0
    files = {p.name for p in out.iterdir() if p.name.startswith("events")}
    assert files == ({name} if name else set())
