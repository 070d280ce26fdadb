"""scripts/findings.py: the Monte Carlo intervals of README's findings table, on hand-computed cases."""

import datetime as dt
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "findings.py"
spec = importlib.util.spec_from_file_location("findings", SCRIPT)
findings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(findings)

DAY0 = dt.date(2030, 1, 1)


def test_median_and_its_order_statistic_interval():
    # 100 replications one day apart: median = 50th value (day 49); ranks 50 -/+ 1.96 * 10 / 2
    # -> 40th and 60th values (days 39 and 59): ± 10 days.
    dates = [DAY0 + dt.timedelta(days=i) for i in range(100)][::-1]
    assert findings.median_with_error(dates) == "Feb 2030 (± 10 d)"


def test_censored_median():
    dates = [None] * 60 + [DAY0] * 40
    assert findings.median_with_error(dates) == "after the horizon"
    dates = [None] * 45 + [DAY0] * 55   # median reached, its upper bound is not
    assert findings.median_with_error(dates) == "Jan 2030 (upper bound past the horizon)"


def test_share_with_binomial_error():
    # p = 0.3 of 100: 1.96 * sqrt(0.21 / 100) = 0.0898 -> "30 % ± 9.0"
    dates = [DAY0] * 30 + [DAY0 + dt.timedelta(days=400)] * 60 + [None] * 10
    assert findings.share_with_error(dates, DAY0 + dt.timedelta(days=1)) == "30 % ± 9.0"
    assert findings.share_with_error(dates, DAY0 - dt.timedelta(days=1)) == "0 % ± 0.0"


def test_crew_aboard_on_a_date_from_the_events(tmp_path, capsys):
    """Two replications by hand: 2 arrive day 10, hand over day 100 (the crew at a change is the
    new one), 2 more day 150; the other has 3 from day 0 and sends them home day 50."""
    (tmp_path / "summary.json").write_text('{"replications": 2, "start": "2030-01-01"}')
    (tmp_path / "events.csv").write_text(
        "replication,day,date,kind,subject,detail\n"
        "0,10.0000,2030-01-11,crew_arrived,s#0,2 crew\n"
        "0,100.0000,2030-04-11,crew_departed,s#0,2 crew (handover)\n"
        "0,100.0000,2030-04-11,crew_arrived,s#1,2 crew\n"
        "0,150.0000,2030-05-31,crew_arrived,s#2,2 crew\n"
        "1,0.0000,2030-01-01,crew_arrived,s#start,3 crew (aboard at start)\n"
        "1,50.0000,2030-02-20,crew_departed,s#start,3 crew (end of stay)\n"
        "1,60.0000,2030-03-02,crew_aborted,s#3,2 crew\n")
    assert findings.crew_aboard_on(tmp_path, 0.0) == [0, 3]
    assert findings.crew_aboard_on(tmp_path, 100.0) == [2, 0]
    assert findings.crew_aboard_on(tmp_path, 181.0) == [4, 0]
    # 1 July 2030 is day 181; occupancy.csv agrees at its nearest grid date (day 182): no warning
    (tmp_path / "occupancy.csv").write_text("date,day,p_at_least_4\n2030-06-24,174,0.5\n2030-07-02,182,0.5\n")
    assert findings.at_least_on(tmp_path, 4, dt.date(2030, 7, 1)) == "50 % ± 69.3"
    assert capsys.readouterr().err == ""
    (tmp_path / "occupancy.csv").write_text("date,day,p_at_least_4\n2030-07-02,182,0\n")
    findings.at_least_on(tmp_path, 4, dt.date(2030, 7, 1))
    assert "disagrees with occupancy.csv on 2030-07-02" in capsys.readouterr().err
