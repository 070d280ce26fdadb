"""Dates as dates in every table a run writes: each day count (days since the start) has its
calendar date beside it, and the two agree (date = start + whole days, worked out here with
Python's datetime)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

from rossim import cli

HL = Path(__file__).parent.parent / "scenarios" / "ross_high_latitude.toml"


def test_every_day_column_has_its_date(tmp_path):
    out = tmp_path / "run"
    assert cli.main(["run", str(HL), "-n", "6", "--workers", "1", "--events", "csv", "--no-report",
                     "--out", str(out)]) == 0
    start = dt.date.fromisoformat(json.loads((out / "summary.json").read_text())["start"])
    pairs_checked = 0
    tables = sorted(out.glob("*.csv"))
    assert {"replications.csv", "events.csv", "capacity.csv", "occupancy.csv"} <= {p.name for p in tables}
    for path in tables:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
        columns = list(rows[0]) if rows else []
        for col in columns:
            if col != "day" and not col.endswith("_day"):
                continue
            date_col = col[:-3] + "date"
            assert date_col in columns, f"{path.name}: {col} without {date_col}"
            for row in rows:
                if row[col] == "":
                    assert row[date_col] == "", (path.name, row)
                    continue
                want = start + dt.timedelta(days=math.floor(float(row[col])))
                assert dt.date.fromisoformat(row[date_col]) == want, (path.name, col, row[col], row[date_col])
                pairs_checked += 1
    assert pairs_checked > 100
