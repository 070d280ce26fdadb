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
