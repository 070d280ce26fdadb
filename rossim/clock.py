"""One clock for rossim.

At the edges times are UTC, handled by skyfield's builtin timescale (no download). Inside the
simulators a time is a float number of days since the scenario's epoch. This module is the one
place that converts between the two.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from skyfield.api import load

__all__ = ["timescale", "as_utc", "days_between", "datetime_at", "time_at", "iso_date", "dates", "iso_dates"]

_TS = load.timescale(builtin=True)
SECONDS_PER_DAY = 86400.0


def timescale():
    """The shared skyfield timescale (builtin UT1/leap-second tables, never downloads)."""
    return _TS


def as_utc(value: dt.date | dt.datetime) -> dt.datetime:
    """An aware UTC datetime from a date, a naive datetime (read as UTC) or an aware datetime."""
    if not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def days_between(epoch: dt.date | dt.datetime, when: dt.date | dt.datetime) -> float:
    """Days from ``epoch`` to ``when`` (UTC, ignoring leap seconds: civil days)."""
    return (as_utc(when) - as_utc(epoch)).total_seconds() / SECONDS_PER_DAY


def datetime_at(epoch: dt.date | dt.datetime, days: float) -> dt.datetime:
    """The UTC datetime ``days`` after ``epoch``."""
    return as_utc(epoch) + dt.timedelta(days=float(days))


def time_at(epoch: dt.date | dt.datetime, days):
    """A skyfield ``Time`` (scalar or array) ``days`` after ``epoch``; ``days`` may be an array."""
    e = as_utc(epoch)
    seconds = e.second + e.microsecond * 1e-6 + np.asarray(days, dtype=float) * SECONDS_PER_DAY
    return _TS.utc(e.year, e.month, e.day, e.hour, e.minute, seconds)


def iso_date(epoch: dt.date | dt.datetime, days: float) -> str | None:
    """ISO calendar date (YYYY-MM-DD) ``days`` after ``epoch``; None for NaN (never reached)."""
    if days is None or not np.isfinite(days):
        return None
    return datetime_at(epoch, days).date().isoformat()


def dates(epoch: dt.date | dt.datetime, days) -> np.ndarray:
    """``datetime64[D]`` UTC calendar dates ``days`` (float days, any shape) after ``epoch``
    (a date: 00:00 UTC; a datetime: its UTC instant); NaT for NaN. Numpy arithmetic: a million
    dates at once, no Python loop (what :func:`iso_date` gives one at a time)."""
    e = as_utc(epoch).replace(tzinfo=None)
    d = np.asarray(days, dtype=float)
    ok = np.isfinite(d)
    us = np.round(np.where(ok, d, 0.0) * (SECONDS_PER_DAY * 1e6)).astype(np.int64)
    t = np.datetime64(e, "us") + us.astype("timedelta64[us]")
    return np.where(ok, t.astype("datetime64[D]"), np.datetime64("NaT", "D"))


def iso_dates(epoch: dt.date | dt.datetime, days) -> np.ndarray:
    """:func:`dates` as ISO strings (``YYYY-MM-DD``), ``""`` for NaN: :func:`iso_date` for arrays."""
    out = np.datetime_as_string(dates(epoch, days), unit="D")
    return np.where(out == "NaT", "", out)
