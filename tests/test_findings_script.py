"""scripts/findings.py: the Monte Carlo intervals of README's findings table, on hand-computed cases."""

import datetime as dt
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "findings.py"
spec = importlib.util.spec_from_file_location("findings", SCRIPT)
findings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(findings)

DAY0 = dt.date(2030, 1, 1)


def test_median_and_the_wider_half_of_its_interval():
    # median 2030-02-19, interval 2030-02-09 .. 2030-03-06: 10 days below, 15 above -> ± 15 d
    entry = {"p50": "2030-02-19", "p50_low": "2030-02-09", "p50_high": "2030-03-06"}
    assert findings.median_text(entry) == "Feb 2030 (± 15 d)"


def test_censored_median():
    assert findings.median_text({"p50": None, "p50_low": "2039-01-01", "p50_high": None}) == "after the horizon"
    # median reached, its upper bound is not
    assert findings.median_text({"p50": "2030-01-05", "p50_low": "2030-01-01", "p50_high": None}) == \
        "Jan 2030 (upper bound past the horizon)"


def test_share_and_its_wilson_interval():
    # 30 of 100 at 95 %: Wilson (0.2189, 0.3958) by hand -> the wider half 9.58 points
    assert findings.wilson_text(30, 100) == "30 % ± 9.6"
    assert findings.share_text(0.3, 0.2189, 0.3958) == "30 % ± 9.6"
    # none of 1,000: the interval is [0, 3.84 / 1003.84] -> ± 0.4
    assert findings.wilson_text(0, 1000) == "0 % ± 0.4"


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
    # 1 of 2 at 95 %: Wilson 0.5 ± 1.96 / 2.9207 x sqrt(0.125 + 3.8415 / 16) = 0.5 ± 0.4055
    assert findings.at_least_on(tmp_path, 4, dt.date(2030, 7, 1)) == "50 % ± 40.5"
    assert capsys.readouterr().err == ""
    (tmp_path / "occupancy.csv").write_text("date,day,p_at_least_4\n2030-07-02,182,0\n")
    findings.at_least_on(tmp_path, 4, dt.date(2030, 7, 1))
    assert "disagrees with occupancy.csv on 2030-07-02" in capsys.readouterr().err
